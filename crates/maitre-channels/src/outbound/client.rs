//! The HTTP side: one `reqwest` client for the Graph API and the Telegram Bot API.
//!
//! Graph tokens travel only in the `Authorization: Bearer` header (but for the token `debug_token`
//! inspects, which that endpoint takes as a parameter). Telegram puts the bot token in the path by
//! design, so URLs are never logged and transport errors are stripped of their URL.

use std::time::Duration;

use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};

use super::render;
use super::{Channel, InstagramLogin, OutboundMessage, SendFailure, SendTarget, Sent, check_limits};
use crate::errors::{PermanentReason, PlatformError, SendErrorClass, cap, classify_graph, classify_telegram};
use crate::inbound::Platform;

/// Base URLs, from config. Graph URLs include the API version; Telegram's is the bare host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformUrls {
    /// Messenger, WhatsApp, and Instagram accounts connected through a Facebook Page.
    pub graph: String,
    /// Instagram accounts connected with Business Login for Instagram (§3.2).
    pub instagram_graph: String,
    /// api.instagram.com: only the Business Login code exchange lives there (§5).
    pub instagram_api: String,
    pub telegram: String,
}

#[derive(Debug, thiserror::Error)]
#[error("could not build the HTTP client: {0}")]
pub struct ClientBuildError(#[from] reqwest::Error);

/// An app's id and secret, for `debug_token` (§5). Kept out of `Debug`.
pub(super) struct MetaApp {
    pub(super) app_id: String,
    pub(super) app_secret: String,
}

/// Sends messages and checks tokens. Keep one per process (behind an `Arc`): its `reqwest` client
/// pools connections.
pub struct Sender {
    pub(super) http: reqwest::Client,
    pub(super) urls: PlatformUrls,
    pub(super) timeout: Duration,
    pub(super) meta_app: Option<MetaApp>,
}

/// The app secret stays out of `Debug` output.
impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("urls", &self.urls)
            .field("timeout", &self.timeout)
            .field("meta_app", &self.meta_app.as_ref().map(|app| &app.app_id))
            .finish_non_exhaustive()
    }
}

impl Sender {
    /// `timeout` bounds each request from connect to the last byte of the answer.
    pub fn new(urls: PlatformUrls, timeout: Duration) -> Result<Self, ClientBuildError> {
        let http = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).build()?;
        Ok(Self { http, urls, timeout, meta_app: None })
    }

    /// The HTTP client, shared with other outbound calls (the AI step).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Lets [`Sender::verify`] call `debug_token` for token expiry and permissions.
    pub fn with_meta_app(mut self, app_id: impl Into<String>, app_secret: impl Into<String>) -> Self {
        self.meta_app = Some(MetaApp { app_id: app_id.into(), app_secret: app_secret.into() });
        self
    }

    /// Sends one message. The platform message id comes back on success; a failure says whether to
    /// retry, reconnect, or give up.
    pub async fn send(&self, target: &SendTarget<'_>, msg: &OutboundMessage) -> Result<Sent, SendFailure> {
        let channel = &target.channel;
        check_limits(channel.platform, msg).map_err(|e| SendFailure::invalid_request(e.to_string()))?;
        let id = match channel.platform {
            Platform::Telegram => {
                let body = render::telegram(target.recipient, msg);
                let result = self.telegram_call(channel.access_token, "sendMessage", &body).await?;
                let chat = &result["chat"]["id"];
                let chat = chat.as_i64().or_else(|| chat.as_str().and_then(|c| c.parse().ok()));
                chat.zip(result["message_id"].as_i64())
                    .map(|(chat, id)| crate::inbound::telegram::message_key(chat, id))
            }
            Platform::WhatsApp => {
                let url = format!("{}/{}/messages", self.urls.graph, segment(channel.account_key)?);
                let body = render::whatsapp(target.recipient, target.reference, msg);
                let answer = self.graph_call(self.http.post(url).json(&body), channel).await?;
                answer["messages"][0]["id"].as_str().map(str::to_owned)
            }
            Platform::Instagram | Platform::Messenger => {
                let url = format!("{}/messages", self.graph_node(channel)?);
                let body = render::meta_messaging(target, msg);
                let answer = self.graph_call(self.http.post(url).json(&body), channel).await?;
                answer["message_id"].as_str().map(str::to_owned)
            }
        };
        match id {
            Some(platform_message_id) => Ok(Sent { platform_message_id }),
            // Accepted but unreadable: retrying could deliver the message twice.
            None => Err(failure(
                PermanentReason::Other,
                "the platform accepted the message but its answer carries no message id".into(),
            )),
        }
    }

    /// Answers a Telegram button press, which clients show as loading until answered (§7). Telegram
    /// allows 200 characters of `text`; longer text is cut, since it is only a passing notice.
    pub async fn answer_callback_query(
        &self,
        bot_token: &str,
        callback_query_id: &str,
        text: Option<&str>,
    ) -> Result<(), SendFailure> {
        let mut body = json!({"callback_query_id": callback_query_id, "show_alert": false});
        if let Some(text) = text {
            body["text"] = json!(text.chars().take(200).collect::<String>());
        }
        self.telegram_call(bot_token, "answerCallbackQuery", &body).await.map(drop)
    }

    /// Points a bot's webhook at `url`; Telegram then sends `secret_token` in the
    /// `X-Telegram-Bot-Api-Secret-Token` header of every update (§7).
    pub async fn set_telegram_webhook(
        &self,
        bot_token: &str,
        url: &str,
        secret_token: &str,
    ) -> Result<(), SendFailure> {
        // Only the update kinds the parser reads (`inbound::telegram`): less traffic, nothing lost.
        let body = json!({
            "url": url,
            "secret_token": secret_token,
            "allowed_updates": ["message", "callback_query"],
        });
        self.telegram_call(bot_token, "setWebhook", &body).await.map(drop)
    }

    /// `{base}/{node}` for Messenger and Instagram: the Instagram host for Business Login, and
    /// `/me` for Instagram through a Page, whose token names the Page, not the IG account.
    pub(super) fn graph_node(&self, channel: &Channel<'_>) -> Result<String, SendFailure> {
        Ok(match (channel.platform, channel.instagram_login) {
            (Platform::Instagram, InstagramLogin::BusinessLogin) => {
                format!("{}/{}", self.urls.instagram_graph, segment(channel.account_key)?)
            }
            (Platform::Instagram, InstagramLogin::FacebookPage) => {
                format!("{}/me", self.urls.graph)
            }
            _ => format!("{}/{}", self.urls.graph, segment(channel.account_key)?),
        })
    }

    /// Sends a Graph request with the channel's token and returns the JSON answer of a success.
    pub(super) async fn graph_call(
        &self,
        request: RequestBuilder,
        channel: &Channel<'_>,
    ) -> Result<Value, SendFailure> {
        let (status, body) = self.exchange(request.bearer_auth(channel.access_token)).await?;
        if !status.is_success() {
            return Err(SendFailure { class: classify_graph(status.as_u16(), &body) });
        }
        Ok(serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// Calls a Bot API method and returns its `result`.
    pub(super) async fn telegram_call(
        &self,
        bot_token: &str,
        method: &str,
        body: &Value,
    ) -> Result<Value, SendFailure> {
        let url = format!("{}/bot{}/{method}", self.urls.telegram, segment(bot_token)?);
        let (status, raw) = self.exchange(self.http.post(url).json(body)).await?;
        let answer: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        if !status.is_success() || answer["ok"] != Value::Bool(true) {
            return Err(SendFailure { class: classify_telegram(status.as_u16(), &raw) });
        }
        Ok(answer["result"].clone())
    }

    pub(super) async fn exchange(&self, request: RequestBuilder) -> Result<(StatusCode, Vec<u8>), SendFailure> {
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.transport(e))?;
        Ok((status, body.to_vec()))
    }

    /// No answer at all: retry later, except for a request that could not even be built (a
    /// misconfigured base URL), which fails the same way every time.
    fn transport(&self, error: reqwest::Error) -> SendFailure {
        let builder = error.is_builder();
        let message = if error.is_timeout() {
            format!("no answer within {:?}", self.timeout)
        } else {
            error_chain(&error.without_url())
        };
        if builder {
            return failure(PermanentReason::InvalidRequest, message);
        }
        SendFailure { class: SendErrorClass::Retryable { retry_after: None, error: no_answer(message) } }
    }
}

/// An id or token placed in a URL path: refuse anything that could change the path, since ids
/// such as a user's IGSID come from webhook bodies.
pub(super) fn segment(value: &str) -> Result<&str, SendFailure> {
    let safe = !value.is_empty()
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
        && value != "."
        && value != "..";
    if safe {
        Ok(value)
    } else {
        Err(SendFailure::invalid_request("an account id, user id or token contains characters no platform uses".into()))
    }
}

fn failure(reason: PermanentReason, message: String) -> SendFailure {
    SendFailure { class: SendErrorClass::Permanent { reason, error: no_answer(message) } }
}

fn no_answer(message: String) -> PlatformError {
    PlatformError { http_status: None, code: None, subcode: None, message: cap(&message) }
}

/// reqwest's top-level message ("error sending request") hides the cause; join the chain.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
