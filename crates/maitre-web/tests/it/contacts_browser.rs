//! The import status page in headless Chromium: the progress bar is there while the job waits, and the report
//! replaces it when the job is done, without the page being reloaded.
use std::time::Duration;

use fantoccini::Locator;
use maitre_testkit::Browser;

use crate::browser::{fill, submit, wait_for_path};
use crate::contacts::{queue_guest_file, setup};
use crate::helpers::PASSWORD;

#[tokio::test]
async fn the_import_page_follows_the_job_and_ends_on_the_report_without_reload() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let s = setup().await;
    let import = queue_guest_file(&s, 3000).await;
    b.client.goto(&s.app.url("/signin")).await.unwrap();
    fill(&b, "email", "owner@example.com").await;
    fill(&b, "password", PASSWORD).await;
    submit(&b).await;
    wait_for_path(&b, |p| p.starts_with("/a/")).await;
    b.client.goto(&s.app.url(&import)).await.unwrap();
    b.client.find(Locator::Css("progress#import-progress")).await.expect("a progress bar while the job waits");
    // A mark that a reload would wipe out.
    b.client.execute("window.sameDocument = true;", vec![]).await.unwrap();

    s.app.drain().await;
    let mut imported = String::new();
    for _ in 0..100 {
        if let Ok(el) = b.client.find(Locator::Css("#imported")).await {
            imported = el.text().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every hundredth row is bad, one in four of those only in the ignored column: 3000 - 30 + 7.
    assert_eq!(imported, "2977", "the report appears");
    assert!(b.client.find(Locator::Css("progress")).await.is_err(), "the bar is gone");
    assert!(b.client.find(Locator::Css("#report")).await.is_ok(), "the rejected rows are listed");
    let same = b.client.execute("return window.sameDocument === true;", vec![]).await.unwrap();
    assert_eq!(same, serde_json::Value::Bool(true), "no reload");
    b.close().await;
}
