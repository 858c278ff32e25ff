//! Token health and user profiles (PROTOCOLS.md §5).
//!
//! `verify` makes one light call per channel with the channel's own token: Telegram `getMe`,
//! WhatsApp `GET /{phone_number_id}`, Messenger and Instagram `GET /me`. With an app id and
//! secret configured it also reads `debug_token` for Graph (not Instagram-host) tokens, which is
//! the only place that tells expiry and granted permissions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{MetaApp, Sender, segment};
use super::{Channel, InstagramLogin, SendFailure};
use crate::errors::{SendErrorClass, cap, classify_graph};
use crate::inbound::Platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Connected,
    /// Works, but something needs a person: a missing permission, an id the token cannot reach.
    NeedsAttention,
    /// Expired, revoked or wrong: the channel must be reconnected.
    Invalid,
    /// The check itself failed (timeout, rate limit, server error): keep the previous status and
    /// check again later.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenHealth {
    pub status: TokenStatus,
    /// For the operator; never contains the token.
    pub reason: String,
    /// The earlier of `expires_at` and `data_access_expires_at` from `debug_token`; `None` when the
    /// token does not expire or no app credentials are configured.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct DebugToken {
    data: DebugData,
}

#[derive(Deserialize)]
struct DebugData {
    #[serde(default)]
    is_valid: bool,
    /// 0 means "never" (§5).
    #[serde(default)]
    expires_at: i64,
    #[serde(default)]
    data_access_expires_at: i64,
    #[serde(default)]
    scopes: Vec<String>,
    error: Option<DebugError>,
}

#[derive(Deserialize)]
struct DebugError {
    message: String,
}

impl Sender {
    /// Checks that the channel's token still works. Never fails: a failed check is a status.
    pub async fn verify(&self, channel: &Channel<'_>) -> TokenHealth {
        let probe = self.probe(channel).await;
        let mut health = match probe {
            Ok(reason) => TokenHealth { status: TokenStatus::Connected, reason, expires_at: None },
            Err(failure) => from_failure(failure),
        };
        let on_facebook_host = !(channel.platform == Platform::Telegram
            || channel.platform == Platform::Instagram && channel.instagram_login == InstagramLogin::BusinessLogin);
        if let Some(app) = &self.meta_app
            && health.status == TokenStatus::Connected
            && on_facebook_host
        {
            match self.debug_token(app, channel).await {
                Ok(data) => apply_debug(&mut health, &data, required_scope(channel.platform)),
                // The app's credentials failed, not the channel's token: keep the probe's verdict.
                Err(failure) => {
                    health.reason = format!("{}; expiry unknown: {}", health.reason, failure);
                }
            }
        }
        health
    }

    /// The user's display name, where the platform offers a profile API (Messenger, Instagram).
    /// WhatsApp and Telegram send the name with each webhook, so this returns `None` for them.
    pub async fn profile_name(&self, channel: &Channel<'_>, user_id: &str) -> Option<String> {
        let (base, fields) = match (channel.platform, channel.instagram_login) {
            (Platform::Messenger, _) => (&self.urls.graph, "first_name,last_name"),
            (Platform::Instagram, InstagramLogin::BusinessLogin) => (&self.urls.instagram_graph, "name,username"),
            (Platform::Instagram, InstagramLogin::FacebookPage) => (&self.urls.graph, "name,username"),
            (Platform::WhatsApp | Platform::Telegram, _) => return None,
        };
        let url = format!("{base}/{}", segment(user_id).ok()?);
        let request = self.http.get(url).query(&[("fields", fields)]);
        let profile = self.graph_call(request, channel).await.ok()?;
        let text = |key: &str| profile[key].as_str().map(str::trim).filter(|s| !s.is_empty());
        let name = match (text("first_name"), text("last_name")) {
            (Some(first), Some(last)) => Some(format!("{first} {last}")),
            (first, last) => first.or(last).or(text("name")).or(text("username")).map(str::to_owned),
        };
        name.map(|n| cap(&n))
    }

    /// One cheap authenticated call; its answer names the account for the operator.
    async fn probe(&self, channel: &Channel<'_>) -> Result<String, SendFailure> {
        let text = |v: &Value, key: &str| v[key].as_str().unwrap_or("?").to_owned();
        match channel.platform {
            Platform::Telegram => {
                let me = self.telegram_call(channel.access_token, "getMe", &json!({})).await?;
                Ok(format!("Telegram bot @{}", text(&me, "username")))
            }
            Platform::WhatsApp => {
                let url = format!("{}/{}", self.urls.graph, segment(channel.account_key)?);
                let fields = [("fields", "id,display_phone_number,verified_name")];
                let number = self.graph_call(self.http.get(url).query(&fields), channel).await?;
                Ok(format!(
                    "WhatsApp number {} ({})",
                    text(&number, "display_phone_number"),
                    text(&number, "verified_name")
                ))
            }
            Platform::Messenger | Platform::Instagram => {
                let business_login =
                    channel.platform == Platform::Instagram && channel.instagram_login == InstagramLogin::BusinessLogin;
                let (url, fields) = if business_login {
                    (format!("{}/me", self.urls.instagram_graph), "user_id,username")
                } else {
                    (format!("{}/me", self.urls.graph), "id,name")
                };
                let me = self.graph_call(self.http.get(url).query(&[("fields", fields)]), channel).await?;
                Ok(if business_login {
                    format!("Instagram account @{}", text(&me, "username"))
                } else {
                    format!("{} via Page {} ({})", channel.platform, text(&me, "name"), text(&me, "id"))
                })
            }
        }
    }

    /// `GET /debug_token?input_token=…` with the app token `app_id|app_secret` as bearer (§5). The
    /// inspected token sits in the query, as the endpoint requires; URLs are never logged.
    async fn debug_token(&self, app: &MetaApp, channel: &Channel<'_>) -> Result<DebugData, SendFailure> {
        let app_token = format!("{}|{}", app.app_id, app.app_secret);
        let request =
            self.http.get(format!("{}/debug_token", self.urls.graph)).query(&[("input_token", channel.access_token)]);
        let app_channel = Channel { access_token: &app_token, ..*channel };
        let answer = self.graph_call(request, &app_channel).await?;
        serde_json::from_value::<DebugToken>(answer)
            .map(|d| d.data)
            .map_err(|e| SendFailure::invalid_request(format!("unreadable debug_token answer: {e}")))
    }
}

/// A renewed long-lived Instagram token (§11). It replaces the old one.
#[derive(Debug, Clone, Deserialize)]
pub struct RenewedToken {
    pub access_token: String,
    /// Seconds from the moment of the answer: store `received_at + expires_in`, never a fixed 60 days.
    pub expires_in: i64,
}

impl Sender {
    /// `GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=<long>` (§5, §11):
    /// works for a Business Login token at least 24 hours old that has not expired. The token goes in the query, as
    /// the endpoint requires; URLs are never logged.
    pub async fn refresh_instagram_token(&self, token: &str) -> Result<RenewedToken, SendFailure> {
        let request = self
            .http
            .get(format!("{}/refresh_access_token", self.urls.instagram_graph))
            .query(&[("grant_type", "ig_refresh_token"), ("access_token", token)]);
        let (status, body) = self.exchange(request).await?;
        if !status.is_success() {
            return Err(SendFailure { class: classify_graph(status.as_u16(), &body) });
        }
        serde_json::from_slice(&body)
            .map_err(|e| SendFailure::invalid_request(format!("unreadable refresh_access_token answer: {e}")))
    }
}

/// The permission each platform needs to send (Messenger: §3.3).
fn required_scope(platform: Platform) -> &'static str {
    match platform {
        Platform::Instagram => "instagram_manage_messages",
        Platform::WhatsApp => "whatsapp_business_messaging",
        _ => "pages_messaging",
    }
}

fn apply_debug(health: &mut TokenHealth, data: &DebugData, scope: &str) {
    if !data.is_valid {
        health.status = TokenStatus::Invalid;
        health.reason =
            data.error.as_ref().map_or_else(|| "Meta reports the token as not valid".into(), |e| cap(&e.message));
        return;
    }
    health.expires_at = [data.expires_at, data.data_access_expires_at]
        .into_iter()
        .filter(|&t| t > 0)
        .min()
        .and_then(|t| DateTime::from_timestamp(t, 0));
    if !data.scopes.iter().any(|s| s == scope) {
        health.status = TokenStatus::NeedsAttention;
        health.reason = format!("{}; the permission {scope} is not granted", health.reason);
    }
}

fn from_failure(failure: SendFailure) -> TokenHealth {
    let (status, error) = match failure.class {
        SendErrorClass::TokenInvalid { error } => (TokenStatus::Invalid, error),
        SendErrorClass::Permanent { error, .. } | SendErrorClass::OutsideWindow { error } => {
            (TokenStatus::NeedsAttention, error)
        }
        SendErrorClass::Retryable { error, .. } => (TokenStatus::Unknown, error),
    };
    TokenHealth { status, reason: error.message, expires_at: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connected() -> TokenHealth {
        TokenHealth { status: TokenStatus::Connected, reason: "Page".into(), expires_at: None }
    }

    fn data(json: Value) -> DebugData {
        serde_json::from_value::<DebugToken>(json!({ "data": json })).unwrap().data
    }

    #[test]
    fn debug_token_verdicts() {
        let mut health = connected();
        let invalid = data(json!({"is_valid": false, "error": {"code": 190, "message": "Session has expired"}}));
        apply_debug(&mut health, &invalid, "pages_messaging");
        assert_eq!((health.status, health.reason.as_str()), (TokenStatus::Invalid, "Session has expired"));

        let mut health = connected();
        let never = data(
            json!({"is_valid": true, "expires_at": 0, "data_access_expires_at": 1_795_000_000, "scopes": ["pages_messaging"]}),
        );
        apply_debug(&mut health, &never, "pages_messaging");
        assert_eq!(health.status, TokenStatus::Connected);
        assert_eq!(health.expires_at, DateTime::from_timestamp(1_795_000_000, 0));

        let mut health = connected();
        apply_debug(&mut health, &data(json!({"is_valid": true})), "pages_messaging");
        assert_eq!((health.status, health.expires_at), (TokenStatus::NeedsAttention, None));
    }
}
