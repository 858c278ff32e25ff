//! `maitre dev …`: the whole loop on one machine, without a Meta app or a Telegram bot: fake platform APIs that
//! record what maitre sends, and signed webhooks posted the way Meta posts them.
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use maitre_config::Settings;
use maitre_fakes::{FakePlatforms, sign_meta};

#[derive(Subcommand)]
pub enum DevCommand {
    /// Run fake Graph, Instagram Graph and Telegram Bot APIs that answer like the real ones and record every
    /// request. Prints the settings that point maitre at them. Runs until Ctrl-C.
    FakePlatforms {
        #[arg(long, default_value = "127.0.0.1:9090")]
        listen: SocketAddr,
    },
    /// Sign a JSON file (e.g. a webhook fixture) with the Meta app secret and post it, as Meta would.
    SendWebhook {
        /// Defaults to meta.app_secret from the configuration (MAITRE_META__APP_SECRET).
        #[arg(long)]
        secret: Option<String>,
        /// Defaults to <public_url>/webhooks/meta.
        #[arg(long)]
        url: Option<String>,
        /// Set every `timestamp` in the body to now first: replies are only allowed within 24 hours of the
        /// guest's message, and fixtures are older than that.
        #[arg(long)]
        now: bool,
        file: PathBuf,
    },
}

pub async fn run(cmd: DevCommand, settings: &Settings) -> anyhow::Result<()> {
    match cmd {
        DevCommand::FakePlatforms { listen } => fake_platforms(listen).await,
        DevCommand::SendWebhook { secret, url, now, file } => {
            let secret = secret
                .or_else(|| settings.meta.app_secret.as_ref().map(|s| s.expose().to_owned()))
                .context("no app secret: pass --secret or set MAITRE_META__APP_SECRET")?;
            let url = url.unwrap_or_else(|| format!("{}/webhooks/meta", settings.public_url()));
            let mut body = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            if now {
                let mut json: serde_json::Value =
                    serde_json::from_slice(&body).with_context(|| format!("{} is not JSON", file.display()))?;
                refresh_timestamps(&mut json, chrono::Utc::now());
                body = serde_json::to_vec(&json)?;
            }
            let res = reqwest::Client::new()
                .post(&url)
                .header("x-hub-signature-256", sign_meta(&secret, &body))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .with_context(|| format!("posting to {url}"))?;
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            println!("{status} {text}");
            anyhow::ensure!(status.is_success(), "maitre did not accept the webhook");
            Ok(())
        }
    }
}

async fn fake_platforms(listen: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
    let fakes = FakePlatforms::start_on(listener);
    // The fixtures' number, readable with the token the instructions below use.
    fakes.own_phone_number("200000000000002", "fake-token");
    let base = fakes.base_url();
    println!(
        "fake platforms at {base}
  Graph API            {graph}
  Instagram Graph API  {instagram}
  Telegram Bot API     {telegram}
  what maitre sent     {base}/_fake/sent   (every request: {base}/_fake/requests)

Point maitre at them (any app secret will do):
  MAITRE_PLATFORMS__GRAPH_URL={graph} MAITRE_PLATFORMS__INSTAGRAM_GRAPH_URL={instagram} \
MAITRE_PLATFORMS__TELEGRAM_URL={telegram} MAITRE_META__APP_SECRET=dev-app-secret maitre serve

Connect a WhatsApp number that answers every guest (the fake Graph API checks the token), then send it a signed
webhook:
  MAITRE_PLATFORMS__GRAPH_URL={graph} maitre admin connect-channel --account <ID> --platform whatsapp \
--external-id 200000000000002 --token fake-token --auto-reply 'Thanks, we will answer soon!'
  MAITRE_META__APP_SECRET=dev-app-secret maitre dev send-webhook --now \
crates/maitre-channels/tests/fixtures/whatsapp/text_message.json
  curl {base}/_fake/sent

Ctrl-C stops them.",
        graph = fakes.graph_url(),
        instagram = fakes.instagram_graph_url(),
        telegram = fakes.telegram_url(),
    );
    crate::runtime::shutdown_signal().await;
    Ok(())
}

/// Meta bodies carry seconds as strings (WhatsApp) or milliseconds as numbers (Messenger, Instagram).
fn refresh_timestamps(value: &mut serde_json::Value, now: chrono::DateTime<chrono::Utc>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match (key.as_str(), &*v) {
                    ("timestamp" | "time", Value::String(_)) => *v = Value::String(now.timestamp().to_string()),
                    ("timestamp" | "time", Value::Number(n)) if n.as_i64().is_some_and(|t| t > 10_000_000_000) => {
                        *v = now.timestamp_millis().into()
                    }
                    ("timestamp" | "time", Value::Number(_)) => *v = now.timestamp().into(),
                    _ => refresh_timestamps(v, now),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| refresh_timestamps(v, now)),
        _ => {}
    }
}
