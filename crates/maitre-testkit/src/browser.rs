//! Headless Chromium for end-to-end tests, from Debian's `chromium` and `chromium-driver` packages.
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use tokio::process::{Child, Command};

/// The window sizes pages are tried at: a laptop and a phone.
pub const LAPTOP: (u32, u32) = (1366, 900);
pub const PHONE: (u32, u32) = (390, 844);

pub struct Browser {
    pub client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium. Without them installed this returns `None` (the test
    /// is skipped with a message) unless `MAITRE_TEST_REQUIRE_BROWSER=1`, as CI sets, which makes it a failure.
    pub async fn start() -> Option<Self> {
        Self::start_with(&[]).await
    }

    /// Like `start`, with the system set to dark mode (`prefers-color-scheme: dark`).
    pub async fn start_dark() -> Option<Self> {
        Self::start_with(&["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]).await
    }

    async fn start_with(extra: &[&str]) -> Option<Self> {
        let driver_bin = std::env::var("MAITRE_TEST_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let chromium = std::env::var("MAITRE_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let required = std::env::var("MAITRE_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        let port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn();
        let driver = match driver {
            Ok(d) if std::path::Path::new(&chromium).exists() => d,
            _ if required => {
                panic!("chromedriver/chromium not found and MAITRE_TEST_REQUIRE_BROWSER=1")
            }
            _ => {
                eprintln!("skipping browser test: install chromium and chromium-driver");
                return None;
            }
        };
        // Two TLS backends end up linked (ring and aws-lc-rs through different crates): pick one explicitly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--window-size=1280,900",
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(String::from)
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let caps = serde_json::json!({ "goog:chromeOptions": { "binary": chromium, "args": args } });
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = String::new();
        for _ in 0..100 {
            match ClientBuilder::rustls().expect("tls").capabilities(caps.clone()).connect(&url).await {
                Ok(client) => {
                    return Some(Self { client, _driver: driver, _profile: profile });
                }
                Err(e) => last_err = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not start a browser session: {last_err}");
    }

    pub async fn resize(&self, (width, height): (u32, u32)) {
        self.client.set_window_size(width, height).await.expect("resize the window");
    }

    /// Saves what the window shows as `dir/name.png` (`dir`: the test's output folder) and returns the file.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(dir).expect("screenshot folder");
        let file = dir.join(format!("{name}.png"));
        std::fs::write(&file, png).expect("write screenshot");
        file
    }

    /// Whether the page is wider than the window (something would sit off-screen, reachable only by scrolling
    /// sideways).
    pub async fn overflows_sideways(&self) -> bool {
        let wide = self
            .client
            .execute("return document.documentElement.scrollWidth > window.innerWidth;", vec![])
            .await
            .expect("measure the page");
        wide.as_bool().unwrap_or(true)
    }

    /// The first few elements reaching past the window's right edge (tag#id.class), to say what made a page too
    /// wide.
    pub async fn past_the_right_edge(&self) -> String {
        let script = "return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 4)
            .map(e => e.tagName.toLowerCase() + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().left) + '-' + Math.round(e.getBoundingClientRect().right)).join(' | ');";
        let found = self.client.execute(script, vec![]).await.expect("measure the elements");
        found.as_str().unwrap_or_default().to_owned()
    }

    /// The serious and critical accessibility violations axe-core finds on the page, one line each ("rule: the
    /// elements"). axe-core comes from the npm registry; `MAITRE_TEST_AXE` names its `axe.min.js`. Without it this
    /// is None (the check is skipped with a message) unless `MAITRE_TEST_REQUIRE_BROWSER=1`, which makes it a
    /// failure.
    pub async fn accessibility_problems(&self) -> Option<Vec<String>> {
        let axe = axe_source()?;
        self.client.execute(&format!("{axe}\nreturn true;"), vec![]).await.expect("load axe-core");
        let run = "const done = arguments[arguments.length - 1]; \
            axe.run(document).then(r => done(r.violations \
              .filter(v => v.impact === 'serious' || v.impact === 'critical') \
              .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))) \
            .catch(e => done(['axe failed: ' + e]));";
        let found = self.client.execute_async(run, vec![]).await.expect("run axe-core");
        let lines = found.as_array().expect("a list of violations");
        Some(lines.iter().map(|l| l.as_str().unwrap_or_default().to_owned()).collect())
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// axe-core's script, read once.
fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let source = SOURCE.get_or_init(|| {
        let required = std::env::var("MAITRE_TEST_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        match std::env::var("MAITRE_TEST_AXE").map(std::fs::read_to_string) {
            Ok(Ok(text)) => Some(text),
            _ if required => panic!("axe-core not found (MAITRE_TEST_AXE) and MAITRE_TEST_REQUIRE_BROWSER=1"),
            _ => {
                eprintln!("skipping accessibility checks: set MAITRE_TEST_AXE to axe-core's axe.min.js");
                None
            }
        }
    });
    source.as_deref()
}
