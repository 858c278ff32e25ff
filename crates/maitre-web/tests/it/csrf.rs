//! CSRF tokens belong to one browser's session: a token someone fetched with their own session does not work in
//! another person's browser even with a planted CSRF cookie, and signing in retires the tokens from before.
use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};

use crate::helpers::{PASSWORD, TestApp, field_value, signup_link};

/// A browser driven by hand: its cookies are plain values the test can copy into another request.
struct Raw<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

impl<'a> Raw<'a> {
    fn new(app: &'a TestApp) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { app, http, cookies: HashMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    /// Keeps what the answer sets, like a browser.
    fn remember(&mut self, res: &reqwest::Response) {
        for value in res.headers().get_all(SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
    }

    /// The form token of a page.
    async fn token(&mut self, path: &str) -> String {
        let res = self.http.get(self.app.url(path)).header(COOKIE, self.cookie_header()).send().await.unwrap();
        self.remember(&res);
        field_value(&res.text().await.unwrap(), "_csrf").expect("a form on the page")
    }

    async fn post(&mut self, path: &str, fields: &[(&str, String)]) -> StatusCode {
        let req = self.http.post(self.app.url(path)).header(COOKIE, self.cookie_header()).form(fields);
        let res = req.send().await.unwrap();
        self.remember(&res);
        res.status()
    }

    async fn sign_in(&mut self, email: &str) {
        let token = self.token("/signin").await;
        let fields = [("_csrf", token), ("email", email.to_owned()), ("password", PASSWORD.to_owned())];
        assert_eq!(self.post("/signin", &fields).await, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn a_csrf_token_fits_only_the_session_it_was_made_for() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Roma", "ada@example.com").await;
    app.signup("Mallory's", "mallory@example.com").await;
    let settings = format!("/a/{account}/settings");
    let fields = |token: &str| {
        let mut f = vec![("_csrf", token.to_owned())];
        for (k, v) in [("name", "Hacked"), ("time_zone", "Europe/Berlin"), ("locale", "de"), ("country", "DE")] {
            f.push((k, v.to_owned()));
        }
        f.push(("currency", "EUR".to_owned()));
        f
    };

    let mut ada = Raw::new(&app);
    let before = ada.token("/signin").await;
    let cookie_before = ada.cookies["maitre_csrf"].clone();
    ada.sign_in("ada@example.com").await;
    assert_ne!(ada.cookies["maitre_csrf"], cookie_before, "signing in renews the CSRF cookie");
    let ada_cookie = ada.cookies["maitre_csrf"].clone();

    // A token from before the sign-in does not carry over, even with the old cookie put back.
    ada.cookies.insert("maitre_csrf".into(), cookie_before);
    assert_eq!(ada.post(&settings, &fields(&before)).await, StatusCode::FORBIDDEN);

    // Mallory plants her own CSRF cookie in Ada's browser and sends the token that fits it with her session.
    let mut mallory = Raw::new(&app);
    mallory.sign_in("mallory@example.com").await;
    let planted = mallory.token("/me").await;
    ada.cookies.insert("maitre_csrf".into(), mallory.cookies["maitre_csrf"].clone());
    let status = ada.post(&settings, &fields(&planted)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the token is bound to Mallory's session, not Ada's");

    // Ada's own cookie and token work.
    ada.cookies.insert("maitre_csrf".into(), ada_cookie);
    let own = ada.token(&settings).await;
    assert_eq!(ada.post(&settings, &fields(&own)).await, StatusCode::SEE_OTHER);
    let page = ada.http.get(app.url(&settings)).header(COOKIE, ada.cookie_header()).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("value=\"Hacked\""));
}

/// Behind https the cookie carries the `__Host-` prefix: browsers then take it only when `Secure`, for the whole
/// site and from the site itself, never from a subdomain.
#[tokio::test]
async fn behind_https_the_csrf_cookie_is_host_only() {
    let app = TestApp::spawn_with(|s| s.public_url = Some("https://maitre.example".into())).await;
    let res = reqwest::get(app.url("/signin")).await.unwrap();
    let set = res.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    let csrf = set.iter().find(|c| c.starts_with("__Host-maitre_csrf=")).unwrap_or_else(|| panic!("{set:?}"));
    assert!(csrf.contains("Secure") && csrf.contains("Path=/") && !csrf.contains("Domain"), "{csrf}");

    // Forms work with it: sign up, confirm, sign out.
    let mut ada = Raw::new(&app);
    let token = ada.token("/signup").await;
    let mut fields = vec![("_csrf", token), ("business_name", "Roma".to_owned()), ("name", "Ada".to_owned())];
    fields.extend([("email", "ada@example.com".to_owned()), ("password", PASSWORD.to_owned())]);
    assert_eq!(ada.post("/signup", &fields).await, StatusCode::OK);
    let mail = app.mail_to("ada@example.com").await.body_text();
    let link = signup_link(&mail);
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let csrf = ada.token(link.trim_start_matches("https://maitre.example")).await;
    assert_eq!(ada.post("/signup/confirm", &[("_csrf", csrf), ("token", token)]).await, StatusCode::SEE_OTHER);
    assert!(ada.cookies.contains_key("__Host-maitre_csrf") && !ada.cookies.contains_key("maitre_csrf"));
    let token = ada.token("/me").await;
    assert_eq!(ada.post("/signout", &[("_csrf", token)]).await, StatusCode::SEE_OTHER);
    assert_eq!(ada.cookies.get("maitre_session").map(String::as_str), Some(""), "signed out");
}
