//! Connecting channels and checking their health, shared by the Channels page and the API.
use maitre_channels::inbound::Platform;
use maitre_channels::outbound::{
    Channel as Target, InstagramLogin, OAuthApp, OutboundMessage, TokenStatus, check_limits,
};
use maitre_domain::entitlements::Limited;
use maitre_domain::{ChannelId, ChannelStatus, Locale};
use maitre_store::{Channel, NewChannel, StoreError, TenantStore};

use crate::entitlements::{EntitleError, OverPlan};
use crate::{App, Credentials};

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The input or the platform's answer says this cannot work; the message is for the user.
    #[error("{0}")]
    Rejected(String),
    #[error("this {0} account is already connected to maitre")]
    AlreadyConnected(Platform),
    /// Another business connected the account with a token the platform confirmed; only it can disconnect it.
    #[error(
        "this {0} account is connected to another business whose token was confirmed by {0}; \
         it must disconnect it first"
    )]
    ClaimedElsewhere(Platform),
    #[error("The phone number ID is the long number shown in WhatsApp Manager (digits only).")]
    InvalidPhoneNumberId,
    #[error(transparent)]
    OverPlan(#[from] OverPlan),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<EntitleError> for ConnectError {
    fn from(e: EntitleError) -> Self {
        match e {
            EntitleError::OverPlan(o) => ConnectError::OverPlan(o),
            EntitleError::Store(e) => ConnectError::Store(e),
        }
    }
}

/// A token and the platform account it acts for.
pub struct Grant<'a> {
    pub platform: Platform,
    pub external_id: &'a str,
    pub name: &'a str,
    pub access_token: &'a str,
    pub instagram_login: InstagramLogin,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl App {
    /// Checks the token with one light call, then stores the channel with its credentials sealed.
    pub async fn connect(&self, tenant: &TenantStore, grant: Grant<'_>) -> Result<Channel, ConnectError> {
        self.claim(tenant, &grant, None).await
    }

    /// Connects after the platform confirmed the token. A rejected token is refused; so is a WhatsApp or Telegram
    /// token whose account could not be read, since nothing else shows that the id belongs to the token's owner.
    /// A confirmed claim is stored as verified and takes over another business's unverified channel.
    pub async fn claim(
        &self,
        tenant: &TenantStore,
        grant: &Grant<'_>,
        webhook_secret: Option<&str>,
    ) -> Result<Channel, ConnectError> {
        let health = self.sender.verify(&target(grant)).await;
        let reason = &health.reason;
        match (grant.platform, health.status) {
            (_, TokenStatus::Connected) => {}
            (Platform::WhatsApp, _) => {
                return Err(ConnectError::Rejected(format!(
                    "WhatsApp did not let this token read the phone number {}: {reason}. Use a token of the \
                     business that owns the number, with the whatsapp_business_messaging permission.",
                    grant.external_id
                )));
            }
            (platform, status) if status == TokenStatus::Invalid || platform == Platform::Telegram => {
                return Err(ConnectError::Rejected(format!("{platform} did not accept the token: {reason}")));
            }
            _ => {}
        }
        self.store_channel(tenant, grant, webhook_secret, health.status == TokenStatus::Connected).await
    }

    /// WhatsApp Cloud API: the phone number id from WhatsApp Manager and a system-user token.
    pub async fn connect_whatsapp(
        &self,
        tenant: &TenantStore,
        phone_number_id: &str,
        token: &str,
        name: &str,
    ) -> Result<Channel, ConnectError> {
        let id = phone_number_id.trim();
        if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConnectError::InvalidPhoneNumberId);
        }
        let name = Some(name.trim()).filter(|n| !n.is_empty()).unwrap_or(id);
        let grant = Grant {
            platform: Platform::WhatsApp,
            external_id: id,
            name,
            access_token: token.trim(),
            instagram_login: InstagramLogin::default(),
            expires_at: None,
        };
        self.connect(tenant, grant).await
    }

    /// Sets a channel's automatic reply after checking it against the platform's limits; empty turns it off.
    /// Translations stay as they are.
    pub async fn set_auto_reply(&self, tenant: &TenantStore, id: ChannelId, text: &str) -> Result<(), ConnectError> {
        self.save_auto_replies(tenant, id, text, None).await
    }

    /// Sets a channel's automatic reply (`text`, in the business's language) and its `translations` for guests
    /// who write in another language, each checked against the platform's limits; an empty text is none.
    pub async fn set_auto_replies(
        &self,
        tenant: &TenantStore,
        id: ChannelId,
        text: &str,
        translations: &[(Locale, String)],
    ) -> Result<(), ConnectError> {
        self.save_auto_replies(tenant, id, text, Some(translations)).await
    }

    async fn save_auto_replies(
        &self,
        tenant: &TenantStore,
        id: ChannelId,
        text: &str,
        translations: Option<&[(Locale, String)]>,
    ) -> Result<(), ConnectError> {
        let channel = tenant.channels().channel(id).await?;
        let texts = std::iter::once(text).chain(translations.unwrap_or_default().iter().map(|(_, t)| t.as_str()));
        for text in texts.map(str::trim).filter(|t| !t.is_empty()) {
            check_limits(channel.platform, &OutboundMessage::text(text))
                .map_err(|e| ConnectError::Rejected(e.to_string()))?;
        }
        tenant.channels().set_auto_reply(id, text.trim()).await?;
        if let Some(translations) = translations {
            tenant.channels().set_auto_reply_translations(id, translations).await?;
        }
        Ok(())
    }

    /// Telegram: the bot token names its bot (`<bot id>:<secret>`); maitre registers its webhook with a fresh
    /// secret token that Telegram echoes on every update.
    pub async fn connect_telegram(
        &self,
        tenant: &TenantStore,
        token: &str,
        public_url: &str,
    ) -> Result<Channel, ConnectError> {
        let token = token.trim();
        let bot_id = token
            .split_once(':')
            .map(|(id, _)| id)
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                ConnectError::Rejected("A Telegram bot token looks like 123456789:AA… (from @BotFather).".into())
            })?;
        let grant = Grant {
            platform: Platform::Telegram,
            external_id: bot_id,
            name: bot_id,
            access_token: token,
            instagram_login: InstagramLogin::default(),
            expires_at: None,
        };
        let secret = maitre_store::new_token("tg").replace(['_', '-'], "");
        let channel = self.claim(tenant, &grant, Some(&secret)).await?;
        let url = format!("{}/webhooks/telegram/{}", public_url.trim_end_matches('/'), channel.id);
        if let Err(e) = self.sender.set_telegram_webhook(token, &url, &secret).await {
            // Without its webhook the channel would stay silent: undo and say why.
            tenant.channels().delete_channel(channel.id).await?;
            return Err(ConnectError::Rejected(format!("Telegram refused the webhook: {e}")));
        }
        Ok(channel)
    }

    /// Facebook Login for Business: every granted Page becomes a Messenger channel, and its linked Instagram
    /// account an Instagram channel. Returns what was connected and what was already connected.
    pub async fn connect_facebook(
        &self,
        tenant: &TenantStore,
        app: &OAuthApp<'_>,
        code: &str,
    ) -> Result<Connected, ConnectError> {
        let pages = self.sender.facebook_login(app, code).await.map_err(|e| ConnectError::Rejected(e.0))?;
        if pages.is_empty() {
            return Err(ConnectError::Rejected("No Facebook Page was granted in the login.".into()));
        }
        let mut out = Connected::default();
        for p in &pages {
            let messenger = Grant {
                platform: Platform::Messenger,
                external_id: &p.page_id,
                name: &p.name,
                access_token: &p.page_token,
                instagram_login: InstagramLogin::default(),
                expires_at: None,
            };
            out.record(self.connect(tenant, messenger).await, &p.name)?;
            if let Some((ig_id, username)) = &p.instagram {
                let instagram = Grant {
                    platform: Platform::Instagram,
                    external_id: ig_id,
                    name: username,
                    access_token: &p.page_token,
                    instagram_login: InstagramLogin::FacebookPage,
                    expires_at: None,
                };
                out.record(self.connect(tenant, instagram).await, username)?;
            }
        }
        Ok(out)
    }

    /// Business Login for Instagram: one Instagram account with a 60-day token (its expiry is shown).
    pub async fn connect_instagram(
        &self,
        tenant: &TenantStore,
        app: &OAuthApp<'_>,
        code: &str,
    ) -> Result<Connected, ConnectError> {
        let ig = self.sender.instagram_login(app, code).await.map_err(|e| ConnectError::Rejected(e.0))?;
        let grant = Grant {
            platform: Platform::Instagram,
            external_id: &ig.account_id,
            name: &ig.username,
            access_token: &ig.token,
            instagram_login: InstagramLogin::BusinessLogin,
            expires_at: ig.expires_at,
        };
        let mut out = Connected::default();
        out.record(self.connect(tenant, grant).await, &ig.username)?;
        Ok(out)
    }

    /// Re-checks a channel's token and records the outcome (status, reason, checked-at, expiry).
    pub async fn verify(&self, tenant: &TenantStore, id: ChannelId) -> Result<Channel, ConnectError> {
        let channel = tenant.channels().channel(id).await?;
        if channel.released() {
            // Another business holds the account now: only a new connection helps.
            return Ok(channel);
        }
        let creds = self
            .vault
            .open(tenant.account_id(), &channel.credentials)
            .map_err(|e| ConnectError::Rejected(e.to_string()))?;
        let platform = channel.platform;
        let grant = Grant {
            platform,
            external_id: &channel.external_id,
            name: &channel.name,
            access_token: &creds.access_token,
            instagram_login: creds.instagram_login,
            expires_at: None,
        };
        let health = self.sender.verify(&target(&grant)).await;
        let status = match health.status {
            TokenStatus::Connected => ChannelStatus::Connected,
            TokenStatus::NeedsAttention => ChannelStatus::NeedsAttention,
            // A send already found the token dead and paused the channel's sends: keep them paused.
            TokenStatus::Invalid if channel.status == ChannelStatus::NeedsReconnect => ChannelStatus::NeedsReconnect,
            TokenStatus::Invalid => ChannelStatus::Invalid,
            // The check itself failed: keep the status, say why.
            TokenStatus::Unknown => channel.status,
        };
        tenant.channels().set_channel_status(id, status, &health.reason, health.expires_at).await?;
        if health.status == TokenStatus::Connected && !channel.verified {
            tenant.channels().mark_channel_verified(id).await?;
        }
        if self.vault.is_stale(&channel.credentials) {
            tenant.channels().reseal_channel_credentials(id, &self.vault.seal(tenant.account_id(), &creds)).await?;
        }
        Ok(tenant.channels().channel(id).await?)
    }

    /// Stores a channel with its credentials sealed, without asking the platform, as unverified (test and load
    /// setups seed channels this way). `webhook_secret` is what Telegram must echo on every update.
    pub async fn add_channel(
        &self,
        tenant: &TenantStore,
        grant: &Grant<'_>,
        webhook_secret: Option<&str>,
    ) -> Result<Channel, ConnectError> {
        self.store_channel(tenant, grant, webhook_secret, false).await
    }

    async fn store_channel(
        &self,
        tenant: &TenantStore,
        grant: &Grant<'_>,
        webhook_secret: Option<&str>,
        verified: bool,
    ) -> Result<Channel, ConnectError> {
        if let Err(over) = self.entitle(tenant, Limited::Channel).await {
            // A channel the business has already is connected again, not added: only a new one needs room.
            let known = tenant.channels().list().await?;
            if !known.iter().any(|c| c.platform == grant.platform && c.external_id == grant.external_id) {
                return Err(over.into());
            }
        }
        let creds = Credentials {
            access_token: grant.access_token.to_owned(),
            instagram_login: grant.instagram_login,
            webhook_secret: webhook_secret.map(str::to_owned),
        };
        let sealed = self.vault.seal(tenant.account_id(), &creds);
        let webhook_secret_hash = webhook_secret.map(maitre_store::hash_token).unwrap_or_default();
        let created = tenant
            .channels()
            .create_channel(NewChannel {
                platform: grant.platform,
                external_id: grant.external_id,
                name: grant.name,
                credentials: &sealed,
                webhook_secret_hash: &webhook_secret_hash,
                token_expires_at: grant.expires_at,
                verified,
            })
            .await;
        match created {
            Err(StoreError::Conflict { constraint }) if constraint == "channels.verified" => {
                Err(ConnectError::ClaimedElsewhere(grant.platform))
            }
            Err(StoreError::Conflict { .. }) => Err(ConnectError::AlreadyConnected(grant.platform)),
            other => Ok(other?),
        }
    }
}

/// The outcome of a login that may grant several accounts.
#[derive(Debug, Default)]
pub struct Connected {
    pub new: Vec<String>,
    pub already: Vec<String>,
}

impl Connected {
    fn record(&mut self, result: Result<Channel, ConnectError>, name: &str) -> Result<(), ConnectError> {
        match result {
            Ok(_) => self.new.push(name.to_owned()),
            Err(ConnectError::AlreadyConnected(_) | ConnectError::ClaimedElsewhere(_)) => {
                self.already.push(name.to_owned())
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

fn target<'a>(grant: &'a Grant<'a>) -> Target<'a> {
    Target {
        platform: grant.platform,
        account_key: grant.external_id,
        access_token: grant.access_token,
        instagram_login: grant.instagram_login,
    }
}
