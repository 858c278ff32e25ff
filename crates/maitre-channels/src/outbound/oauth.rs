//! Connecting through Meta's logins (PROTOCOLS.md §5): Facebook Login for Business gives Page tokens (Messenger,
//! and Instagram accounts linked to a Page); Business Login for Instagram gives a 60-day Instagram user token.
//! Each ends by subscribing the app to the account's webhooks.
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use super::Sender;
use super::client::segment;

/// A Meta app's login credentials and the redirect URI registered for it.
pub struct OAuthApp<'a> {
    pub app_id: &'a str,
    pub app_secret: &'a str,
    pub redirect_uri: &'a str,
}

/// A Page the user granted, with its Page token and the Instagram account linked to it, if any.
#[derive(Debug, Clone)]
pub struct PageGrant {
    pub page_id: String,
    pub name: String,
    pub page_token: String,
    pub instagram: Option<(String, String)>,
}

/// An Instagram professional account connected with Business Login.
#[derive(Debug, Clone)]
pub struct InstagramGrant {
    pub account_id: String,
    pub username: String,
    pub token: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OAuthError(pub String);

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
}

#[derive(Deserialize)]
struct Pages {
    data: Vec<PageRow>,
}

#[derive(Deserialize)]
struct PageRow {
    id: String,
    name: String,
    access_token: String,
    instagram_business_account: Option<IgRow>,
}

#[derive(Deserialize)]
struct IgRow {
    id: String,
    #[serde(default)]
    username: String,
}

#[derive(Deserialize)]
struct IgCode {
    access_token: String,
    user_id: serde_json::Value,
}

#[derive(Deserialize)]
struct IgMe {
    #[serde(default)]
    user_id: Option<serde_json::Value>,
    #[serde(default)]
    username: String,
}

/// Webhook fields maitre reads (§2).
const PAGE_FIELDS: &str = "messages,messaging_postbacks,message_echoes,message_reads,message_reactions";
const INSTAGRAM_FIELDS: &str = "messages,messaging_postbacks,messaging_seen,message_reactions,comments";

impl Sender {
    /// Code → user token → long-lived user token → the granted Pages with their tokens; each Page is
    /// subscribed to the app's webhooks.
    pub async fn facebook_login(&self, app: &OAuthApp<'_>, code: &str) -> Result<Vec<PageGrant>, OAuthError> {
        let url = format!("{}/oauth/access_token", self.urls.graph);
        let short: TokenAnswer = self
            .json(self.http.get(&url).query(&[
                ("client_id", app.app_id),
                ("client_secret", app.app_secret),
                ("redirect_uri", app.redirect_uri),
                ("code", code),
            ]))
            .await?;
        let long: TokenAnswer = self
            .json(self.http.get(&url).query(&[
                ("grant_type", "fb_exchange_token"),
                ("client_id", app.app_id),
                ("client_secret", app.app_secret),
                ("fb_exchange_token", &short.access_token),
            ]))
            .await?;
        let pages: Pages = self
            .json(
                self.http
                    .get(format!("{}/me/accounts", self.urls.graph))
                    .query(&[("fields", "id,name,access_token,instagram_business_account{id,username}")])
                    .bearer_auth(&long.access_token),
            )
            .await?;
        let mut grants = Vec::with_capacity(pages.data.len());
        for p in pages.data {
            let page = segment(&p.id).map_err(|e| OAuthError(e.to_string()))?;
            let _: serde_json::Value = self
                .json(
                    self.http
                        .post(format!("{}/{page}/subscribed_apps", self.urls.graph))
                        .query(&[("subscribed_fields", PAGE_FIELDS)])
                        .bearer_auth(&p.access_token),
                )
                .await?;
            grants.push(PageGrant {
                instagram: p.instagram_business_account.map(|ig| (ig.id, ig.username)),
                page_id: p.id,
                name: p.name,
                page_token: p.access_token,
            });
        }
        Ok(grants)
    }

    /// Code → short-lived token → 60-day token → account id and name; the account is subscribed to webhooks.
    pub async fn instagram_login(&self, app: &OAuthApp<'_>, code: &str) -> Result<InstagramGrant, OAuthError> {
        // The redirect appends `#_`, which is not part of the code (§5).
        let code = code.trim_end_matches("#_");
        let short: IgCode = self
            .json(self.http.post(format!("{}/oauth/access_token", self.urls.instagram_api)).form(&[
                ("client_id", app.app_id),
                ("client_secret", app.app_secret),
                ("grant_type", "authorization_code"),
                ("redirect_uri", app.redirect_uri),
                ("code", code),
            ]))
            .await?;
        let long: TokenAnswer = self
            .json(self.http.get(format!("{}/access_token", self.urls.instagram_graph)).query(&[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", app.app_secret),
                ("access_token", &short.access_token),
            ]))
            .await?;
        let me: IgMe = self
            .json(
                self.http
                    .get(format!("{}/me", self.urls.instagram_graph))
                    .query(&[("fields", "user_id,username")])
                    .bearer_auth(&long.access_token),
            )
            .await?;
        let id = me.user_id.unwrap_or(short.user_id);
        let account_id = match id {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        let _: serde_json::Value = self
            .json(
                self.http
                    .post(format!("{}/me/subscribed_apps", self.urls.instagram_graph))
                    .query(&[("subscribed_fields", INSTAGRAM_FIELDS)])
                    .bearer_auth(&long.access_token),
            )
            .await?;
        Ok(InstagramGrant {
            account_id,
            username: me.username,
            expires_at: long.expires_in.map(|s| Utc::now() + TimeDelta::seconds(s)),
            token: long.access_token,
        })
    }

    /// One login step: a success's JSON, or the platform's own error message (never the request URL, which
    /// carries the app secret).
    async fn json<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, OAuthError> {
        let (status, body) = self.exchange(request).await.map_err(|e| OAuthError(e.to_string()))?;
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        if !status.is_success() {
            let message = value["error"]["message"]
                .as_str()
                .or(value["error_message"].as_str())
                .unwrap_or("the platform refused the login");
            return Err(OAuthError(format!("Meta refused the login: {message}")));
        }
        serde_json::from_value(value).map_err(|_| OAuthError("Meta answered the login in an unexpected shape".into()))
    }
}
