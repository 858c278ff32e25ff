//! A channel's automatic reply in other languages than the business's own (the channel row holds that one).
use maitre_domain::{ChannelId, Locale};

use crate::channels::Channels;
use crate::{Result, StoreError};

impl Channels<'_> {
    /// The channel's automatic reply in other languages, each (language, text), in a stable order.
    pub async fn auto_reply_translations(&self, id: ChannelId) -> Result<Vec<(Locale, String)>> {
        Ok(self.translations_of(Some(id)).await?.into_iter().map(|(_, l, t)| (l, t)).collect())
    }

    /// Every channel's translations in one read, for the Channels page: (channel, language, text).
    pub async fn all_auto_reply_translations(&self) -> Result<Vec<(ChannelId, Locale, String)>> {
        self.translations_of(None).await
    }

    async fn translations_of(&self, channel: Option<ChannelId>) -> Result<Vec<(ChannelId, Locale, String)>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT channel_id, locale, text FROM auto_reply_translations WHERE account_id = $1 \
             AND ($2 IS NULL OR channel_id = $2) ORDER BY channel_id, locale",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(channel.map(|c| c.to_string()))
        .fetch_all(&self.tenant.store().read)
        .await?;
        rows.into_iter()
            .map(|(c, l, t)| Ok((c.parse().map_err(StoreError::corrupt)?, l.parse().map_err(StoreError::corrupt)?, t)))
            .collect()
    }

    /// Replaces the channel's translations with `texts`; an empty text removes that language. Another account's
    /// channel is NotFound.
    pub async fn set_auto_reply_translations(&self, id: ChannelId, texts: &[(Locale, String)]) -> Result<()> {
        self.channel(id).await?;
        let account = self.tenant.account_id().to_string();
        let mut tx = self.tenant.store().write.begin().await?;
        sqlx::query("DELETE FROM auto_reply_translations WHERE account_id = $1 AND channel_id = $2")
            .bind(&account)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        for (locale, text) in texts.iter().filter(|(_, t)| !t.trim().is_empty()) {
            sqlx::query(
                "INSERT INTO auto_reply_translations (account_id, channel_id, locale, text) VALUES ($1, $2, $3, $4)",
            )
            .bind(&account)
            .bind(id.to_string())
            .bind(locale.as_str())
            .bind(text.trim())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.tenant.config_changed();
        Ok(())
    }
}
