//! The log of what maitre told guests about their bookings (reminders, staff decisions), or why it could not.
use chrono::{DateTime, Utc};
use maitre_domain::booking::guest_messages::GuestMessage;
use maitre_domain::{Locale, ReservationId};
use sqlx::Row;

use crate::clock::from_ms;
use crate::reservations::Reservations;
use crate::{Result, StoreError};

/// How a guest message went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuestOutcome {
    /// A normal message inside the window; the text.
    Sent(String),
    /// An approved WhatsApp template; its name.
    Template(String),
    /// Nothing could reach the guest; why.
    NotPossible(String),
}

impl GuestOutcome {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Self::Sent(t) => ("sent", t),
            Self::Template(t) => ("template", t),
            Self::NotPossible(t) => ("not_possible", t),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestMessageEntry {
    pub purpose: GuestMessage,
    pub outcome: GuestOutcome,
    pub at: DateTime<Utc>,
}

impl Reservations<'_> {
    /// Notes what became of a guest message about reservation `id`; the same purpose noted twice at one instant
    /// (a job re-run) is kept once.
    pub async fn note_guest_message(
        &self,
        id: ReservationId,
        purpose: GuestMessage,
        outcome: &GuestOutcome,
    ) -> Result<()> {
        let (kind, detail) = outcome.parts();
        sqlx::query(
            "INSERT INTO reservation_messages (account_id, reservation_id, purpose, outcome, detail, at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, reservation_id, purpose, at) DO NOTHING",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .bind(purpose.as_str())
        .bind(kind)
        .bind(detail)
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(())
    }

    /// What the guest was told about reservation `id`, oldest first.
    pub async fn guest_messages(&self, id: ReservationId) -> Result<Vec<GuestMessageEntry>> {
        let rows = sqlx::query(
            "SELECT purpose, outcome, detail, at FROM reservation_messages \
             WHERE account_id = $1 AND reservation_id = $2 ORDER BY at",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .fetch_all(&self.tenant.store().read)
        .await?;
        rows.iter()
            .map(|r| {
                let detail: String = r.try_get("detail")?;
                let outcome = match r.try_get::<String, _>("outcome")?.as_str() {
                    "sent" => GuestOutcome::Sent(detail),
                    "template" => GuestOutcome::Template(detail),
                    "not_possible" => GuestOutcome::NotPossible(detail),
                    other => return Err(StoreError::corrupt(format!("guest message outcome {other}"))),
                };
                let purpose = r.try_get::<String, _>("purpose")?.parse().map_err(StoreError::corrupt)?;
                Ok(GuestMessageEntry { purpose, outcome, at: from_ms(r.try_get("at")?) })
            })
            .collect()
    }
}

impl Reservations<'_> {
    /// The business's own text for `purpose` in `locale`, if it wrote one.
    pub async fn guest_text(&self, purpose: GuestMessage, locale: Locale) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT body FROM guest_message_texts WHERE account_id = $1 AND purpose = $2 AND locale = $3",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(purpose.as_str())
        .bind(locale.as_str())
        .fetch_optional(&self.tenant.store().read)
        .await?)
    }

    /// Keeps the business's text for `purpose` in `locale`; `None` goes back to the built-in one.
    pub async fn set_guest_text(&self, purpose: GuestMessage, locale: Locale, body: Option<&str>) -> Result<()> {
        let mut tx = self.tenant.store().writes.begin().await?;
        sqlx::query("DELETE FROM guest_message_texts WHERE account_id = $1 AND purpose = $2 AND locale = $3")
            .bind(self.tenant.account_id().to_string())
            .bind(purpose.as_str())
            .bind(locale.as_str())
            .execute(&mut *tx)
            .await?;
        if let Some(body) = body {
            sqlx::query("INSERT INTO guest_message_texts (account_id, purpose, locale, body) VALUES ($1, $2, $3, $4)")
                .bind(self.tenant.account_id().to_string())
                .bind(purpose.as_str())
                .bind(locale.as_str())
                .bind(body)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
