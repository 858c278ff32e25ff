//! The real pages in headless Chromium: sign up, sign out, sign in. Later issues reuse `Browser`.
use fantoccini::Locator;
use maitre_testkit::Browser;

use crate::helpers::{PASSWORD, TestApp};

/// Where browser tests leave their screenshots: the tests' output folder, outside the clone.
pub fn screenshots() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
}

pub async fn fill(b: &Browser, name: &str, value: &str) {
    b.client.find(Locator::Css(&format!("input[name='{name}']"))).await.unwrap().send_keys(value).await.unwrap();
}

pub async fn submit(b: &Browser) {
    b.client.find(Locator::Css("main button[type='submit']")).await.unwrap().click().await.unwrap();
}

/// Waits until the browser has navigated to a path matching `pred` (clicks return before the next page loads).
pub async fn wait_for_path(b: &Browser, pred: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let url = b.client.current_url().await.unwrap();
        if pred(url.path()) && b.client.find(Locator::Css("main")).await.is_ok() {
            return url.path().to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("browser stayed at {}", b.client.current_url().await.unwrap());
}

/// Signs `email` (with the tests' password) in on the sign-in page and waits for their account's page.
pub async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.client.goto(&app.url("/signin")).await.unwrap();
    fill(b, "email", email).await;
    fill(b, "password", PASSWORD).await;
    submit(b).await;
    wait_for_path(b, |p| p.starts_with("/a/")).await;
}

#[tokio::test]
async fn sign_up_sign_out_and_sign_in_in_a_real_browser() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    b.client.goto(&app.url("/")).await.unwrap();
    assert!(b.client.current_url().await.unwrap().path().ends_with("/signup"));
    fill(&b, "business_name", "Salon Bella").await;
    fill(&b, "name", "Bea").await;
    fill(&b, "email", "bea@example.com").await;
    fill(&b, "password", PASSWORD).await;
    submit(&b).await;
    // The page asks to look in the inbox; the mailed link opens a page whose one button creates the business.
    let mut main = String::new();
    for _ in 0..100 {
        // The old page may go away under the lookup while the next one loads.
        if let Ok(element) = b.client.find(Locator::Css("main")).await {
            main = element.text().await.unwrap_or_default();
        }
        if main.contains("Check your inbox") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(main.contains("Check your inbox") && main.contains("bea@example.com"), "{main}");
    let mail = app.mail_to("bea@example.com").await.body_text();
    b.client.goto(crate::helpers::signup_link(&mail)).await.unwrap();
    submit(&b).await;
    wait_for_path(&b, |p| p.starts_with("/a/")).await;
    let body = b.client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(body.contains("Salon Bella") && body.contains("Welcome, Bea!"), "{body}");

    // Sign out from the user menu.
    b.client.find(Locator::Css("details.usermenu summary")).await.unwrap().click().await.unwrap();
    b.client.find(Locator::Id("signout")).await.unwrap().click().await.unwrap();
    wait_for_path(&b, |p| p == "/signin").await;
    let flash = b.client.find(Locator::Css(".flash")).await.unwrap().text().await.unwrap();
    assert_eq!(flash, "You are signed out.");

    fill(&b, "email", "bea@example.com").await;
    fill(&b, "password", PASSWORD).await;
    submit(&b).await;
    wait_for_path(&b, |p| p.starts_with("/a/")).await;
    let h1 = b.client.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "Salon Bella");
    b.close().await;
}
