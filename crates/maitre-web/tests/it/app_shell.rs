//! Installable on a phone: the manifest and icon are served, and in Chromium the service worker takes over the
//! dashboard with a cache that holds the offline page and nothing else.
use fantoccini::Locator;
use maitre_testkit::{Browser, PHONE};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::inbox_browser::sign_in;

#[tokio::test]
async fn the_manifest_icon_worker_and_offline_page_are_served() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let manifest = http.get(app.url("/manifest.webmanifest")).send().await.unwrap();
    assert_eq!(manifest.headers()["content-type"], "application/manifest+json");
    let manifest: Value = manifest.json().await.unwrap();
    assert_eq!((manifest["name"].as_str(), manifest["display"].as_str()), (Some("maitre"), Some("standalone")));
    let icon = manifest["icons"][0]["src"].as_str().unwrap();
    let icon = http.get(app.url(icon)).send().await.unwrap();
    assert_eq!((icon.status(), icon.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "image/svg+xml"));
    let worker = http.get(app.url("/sw.js")).send().await.unwrap();
    assert_eq!(worker.headers()["cache-control"], "no-cache");
    assert!(worker.text().await.unwrap().contains("caches.match(OFFLINE)"));
    let offline = http.get(app.url("/offline")).send().await.unwrap().text().await.unwrap();
    assert!(
        offline.contains("You are offline") && offline.contains("Sie sind offline") && offline.contains("hors ligne")
    );
    let signin = http.get(app.url("/signin")).send().await.unwrap().text().await.unwrap();
    assert!(signin.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#));
}

#[tokio::test]
async fn the_service_worker_keeps_only_the_offline_page() {
    let Some(b) = Browser::start().await else { return };
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Salon Bella", "ada@example.com").await;
    b.resize(PHONE).await;
    sign_in(&b, &app, "ada@example.com").await;
    b.client.goto(&app.url(&format!("/a/{account}/inbox"))).await.unwrap();
    b.client.find(Locator::Css("main h1")).await.unwrap();
    let cached = "const done = arguments[arguments.length - 1]; \
        navigator.serviceWorker.ready \
          .then(() => caches.keys()) \
          .then(names => Promise.all(names.map(n => caches.open(n).then(c => c.keys())))) \
          .then(lists => done(lists.flat().map(r => new URL(r.url).pathname))) \
          .catch(e => done(['failed: ' + e]));";
    let paths = b.client.execute_async(cached, vec![]).await.unwrap();
    assert_eq!(paths, serde_json::json!(["/offline"]), "nothing but the offline page is kept on the device");
    b.close().await;
}
