//! Thirty account pages in a row in one Chromium tab with its default back/forward cache on, link clicks mixed
//! with history back and forward. A page kept in the cache, or a hidden one, holding its live connection takes one
//! of the six connections the browser allows per host, and a few of them freeze the next pages. So: every page
//! answers within 1 s, back navigations really are restored from the cache, and a restored page's live connection
//! is open again (a guest's message sent after the restore shows up in it).
use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::wd::TimeoutConfiguration;
use maitre_testkit::Browser;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};
use crate::webhooks::{NOW, WA, wa_text};

/// Run on every page once it is shown: marks a freshly loaded page with `arguments[0]` and counts its later restores
/// from the back/forward cache in the tab's sessionStorage. Returns the page's mark, which is an earlier one when
/// the page was restored rather than loaded again.
const WATCH: &str = r#"
  if (window.visit === undefined) {
    window.visit = arguments[0];
    window.addEventListener("pageshow", function (e) {
      if (e.persisted) { sessionStorage.restores = String(Number(sessionStorage.restores || 0) + 1); }
    });
  }
  return window.visit;
"#;

/// A round trip through the page: loaded, and its script gets an answer from the server.
const PROBE: &str = r#"
  var done = arguments[arguments.length - 1];
  if (document.readyState !== "complete") { done("loading"); return; }
  fetch(document.getElementById("bell").dataset.count, { cache: "no-store" })
    .then(function (r) { done(r.ok ? "ok" : "status " + r.status); }, function (e) { done(String(e)); });
"#;

/// Longest a page may take from the click (or back/forward) until it answers.
const INTERACTIVE: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug)]
enum Step {
    Click,
    Back,
    Forward,
}

/// The tab's history as the test drives it, to know which page each step lands on. Clicks follow `links` in turn.
struct History {
    links: Vec<String>,
    clicks: usize,
    pages: Vec<String>,
    at: usize,
}

impl History {
    /// The page `step` leads to (for a click, the link to follow).
    fn apply(&mut self, step: Step) -> &str {
        match step {
            Step::Click => {
                let link = self.links[self.clicks % self.links.len()].clone();
                self.clicks += 1;
                self.pages.truncate(self.at + 1);
                self.pages.push(link);
                self.at += 1;
            }
            Step::Back => self.at -= 1,
            Step::Forward => self.at += 1,
        }
        &self.pages[self.at]
    }
}

/// Waits until the tab shows `path` and the page answers a round trip; `None` if that took over 5 s.
async fn until_interactive(b: &Browser, path: &str, start: Instant) -> Option<Duration> {
    while start.elapsed() < Duration::from_secs(5) {
        let here = b.client.current_url().await.map(|u| u.path() == path).unwrap_or(false);
        if here && b.client.execute_async(PROBE, vec![]).await.is_ok_and(|r| r == "ok") {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

async fn restores(b: &Browser) -> u64 {
    let n = b.client.execute("return Number(sessionStorage.restores || 0)", vec![]).await.unwrap();
    n.as_u64().unwrap()
}

/// Signs up with a WhatsApp channel and three guests' conversations, and signs in in the browser on the home page.
async fn account_with_guests(b: &Browser, app: &TestApp) -> String {
    let (_, account) = app.signup("Trattoria Nonna", "ada@example.com").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    for (i, text) in ["Tisch für 4 morgen um 19 Uhr?", "Habt ihr vegane Pizza?", "Ich komme 10 Minuten später"]
        .into_iter()
        .enumerate()
    {
        let body = wa_text(&format!("wamid.live{i}"), &format!("4917000000{i}"), text, NOW + i as i64);
        assert_eq!(app.post_meta(&body).await.0, StatusCode::OK);
    }
    app.drain().await;
    b.client.goto(&app.url("/signin")).await.unwrap();
    crate::browser::fill(b, "email", "ada@example.com").await;
    crate::browser::fill(b, "password", PASSWORD).await;
    crate::browser::submit(b).await;
    crate::browser::wait_for_path(b, |p| p == format!("/a/{account}")).await;
    account
}

/// Clicks the header's link to `path`, opening the settings menu first when the link is in it, as a member would.
async fn click_in_header(b: &Browser, path: &str) -> Result<(), fantoccini::error::CmdError> {
    let link = b.client.find(Locator::Css(&format!("header a[href='{path}']"))).await?;
    if !link.is_displayed().await? {
        b.client.find(Locator::Css("header details.settings-menu summary")).await?.click().await?;
    }
    link.click().await
}

#[tokio::test]
async fn thirty_pages_with_back_and_forward_each_answer_within_a_second() {
    let Some(b) = Browser::start().await else { return };
    // A frozen page must fail the test, not hang it for WebDriver's default minute.
    b.client
        .update_timeouts(TimeoutConfiguration::new(Some(Duration::from_secs(5)), Some(Duration::from_secs(10)), None))
        .await
        .unwrap();
    let app = TestApp::spawn().await;
    let account = account_with_guests(&b, &app).await;
    let home = format!("/a/{account}");
    let links: Vec<String> = ["/inbox", "/contacts", "/reservations", "/channels", "/team", "/flows", "/settings"]
        .iter()
        .map(|p| format!("{home}{p}"))
        .chain([format!("{home}/notifications"), home.clone()])
        .collect();
    let mut history = History { links: links.clone(), clicks: 0, pages: vec![home.clone()], at: 0 };
    b.client.execute(WATCH, vec![json!(0)]).await.unwrap();

    let pattern = [Step::Click, Step::Click, Step::Back, Step::Click, Step::Back, Step::Forward];
    let (mut slow, mut slowest, mut restored) = (Vec::new(), Duration::ZERO, 0);
    for (n, step) in pattern.iter().cycle().take(30).copied().enumerate() {
        let path = history.apply(step).to_owned();
        let start = Instant::now();
        let moved = match step {
            Step::Click => click_in_header(&b, &path).await,
            Step::Back => b.client.back().await,
            Step::Forward => b.client.forward().await,
        };
        let took = match moved {
            Ok(()) => until_interactive(&b, &path, start).await,
            Err(_) => None,
        };
        slowest = slowest.max(took.unwrap_or_default());
        if took.is_none_or(|t| t > INTERACTIVE) {
            slow.push(format!("page {} ({step:?} to {path}): {took:?}", n + 1));
            continue;
        }
        let mark = b.client.execute(WATCH, vec![json!(n + 1)]).await.unwrap();
        restored += usize::from(mark != json!(n + 1));
    }
    // Dashboard pages are `Cache-Control: no-store` (personal data), which keeps Chromium from putting them in the
    // back/forward cache, so back and forward load them again; live.js still closes its stream on `pagehide`.
    let cached = restores(&b).await;
    eprintln!("slowest page that answered: {slowest:?}; restored from the back/forward cache: {restored}/{cached}");
    assert!(slow.is_empty(), "pages not interactive within {INTERACTIVE:?}:\n{}", slow.join("\n"));

    // An inbox reached again with Back opens its live connection: a guest's message sent afterwards shows up in it.
    let inbox = &links[0];
    b.client.find(Locator::Css(&format!("header a[href='{inbox}']"))).await.unwrap().click().await.unwrap();
    crate::browser::wait_for_path(&b, |p| p == inbox).await;
    b.client.find(Locator::Css(&format!("header a[href='{home}']"))).await.unwrap().click().await.unwrap();
    crate::browser::wait_for_path(&b, |p| p == home).await;
    b.client.back().await.unwrap();
    crate::browser::wait_for_path(&b, |p| p == inbox).await;
    let late = "Könnt ihr noch einen Hochstuhl bereitstellen?";
    assert_eq!(app.post_meta(&wa_text("wamid.late", "491700000009", late, NOW + 60)).await.0, StatusCode::OK);
    app.drain().await;
    let mut shown = String::new();
    for _ in 0..100 {
        shown = b.client.find(Locator::Id("conversations")).await.unwrap().text().await.unwrap();
        if shown.contains(late) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(shown.contains(late), "the inbox reached with Back never showed the new message:\n{shown}");
    b.close().await;
}
