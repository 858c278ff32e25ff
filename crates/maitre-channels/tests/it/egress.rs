//! The AI client over real HTTP against the guard: loopback reached by name, by literal or by a redirect is
//! refused before the key is sent; an allowed host goes through.
use std::time::Duration;

use maitre_channels::ai::{AiError, AiRequest, complete};
use maitre_channels::egress::{Egress, EgressError};
use maitre_testkit::{AI_KEY, FakePlatforms};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn request(base_url: &str) -> AiRequest<'_> {
    AiRequest {
        base_url,
        api_key: Some(AI_KEY),
        model: "test-model",
        system: "",
        prompt: "Pasta?",
        timeout: Duration::from_secs(5),
    }
}

fn host_port(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

fn completions(fakes: &FakePlatforms) -> usize {
    fakes.requests().iter().filter(|r| r.path.ends_with("/chat/completions")).count()
}

/// A server that answers every request with a redirect to `location`; returns its `http://host:port`.
async fn redirector(location: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut buf = vec![0; 8192];
            let _ = conn.read(&mut buf).await;
            let answer = format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n");
            let _ = conn.write_all(answer.as_bytes()).await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn loopback_by_name_or_literal_is_refused_and_an_allowed_host_answers() {
    let fakes = FakePlatforms::start().await;
    let guarded = Egress::new(&[]).unwrap();
    let port = fakes.base_url().rsplit(':').next().unwrap().to_owned();
    for base in [
        format!("http://localhost:{port}/openai/v1"),
        format!("http://127.0.0.1:{port}/openai/v1"),
        format!("http://[::1]:{port}/openai/v1"),
        "http://169.254.169.254/openai/v1".to_owned(),
    ] {
        let err = complete(&guarded, &request(&base)).await.unwrap_err();
        assert!(matches!(err, AiError::Refused(EgressError::Private)), "{base}: {err}");
        assert!(err.to_string().contains("private or local network"), "{err}");
    }
    assert_eq!(completions(&fakes), 0, "nothing reached the fake");
    assert_eq!(guarded.check(&format!("http://localhost:{port}/v1")).await, Err(EgressError::Private));

    let allowed = Egress::new(&[host_port(&fakes.base_url())]).unwrap();
    let answer = complete(&allowed, &request(&fakes.ai_url())).await.unwrap();
    assert_eq!(answer, "AI answer to: Pasta?");
    assert_eq!(allowed.check(&fakes.ai_url()).await, Ok(()));
}

#[tokio::test]
async fn a_redirect_to_loopback_is_not_followed() {
    let fakes = FakePlatforms::start().await;
    let bounce = redirector(format!("{}/chat/completions", fakes.ai_url())).await;
    // The first hop is allowed (it stands for a public provider); where it points is not.
    let egress = Egress::new(&[host_port(&bounce)]).unwrap();
    let err = complete(&egress, &request(&bounce)).await.unwrap_err();
    assert!(matches!(err, AiError::Redirect(302)), "{err}");
    assert!(err.to_string().contains("does not follow"), "{err}");
    assert!(fakes.requests().is_empty(), "the key was not carried to the redirect's target");
}
