//! Canned responses: texts a team reuses in replies, inserted by picking them or typing `/shortcut`.
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::clock::from_ms;
use crate::inbox::Inbox;
use crate::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedResponse {
    pub id: String,
    /// Letters, digits, `-` and `_`, typed after `/` in the composer.
    pub shortcut: String,
    pub body: String,
    pub usage_count: i64,
    pub updated_at: DateTime<Utc>,
}

const MAX_SHORTCUT: usize = 30;
const MAX_BODY: usize = 4000;

/// A shortcut as stored (without a leading `/`, lower case), or None when it has other characters or is too long.
pub fn normalize_shortcut(s: &str) -> Option<String> {
    let s = s.trim().trim_start_matches('/').to_lowercase();
    let valid = !s.is_empty()
        && s.chars().count() <= MAX_SHORTCUT
        && s.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    valid.then_some(s)
}

/// Validates a canned response: Conflict "shortcut" or "text_length" when unusable.
fn checked<'a>(shortcut: &str, body: &'a str) -> Result<(String, &'a str)> {
    let shortcut =
        normalize_shortcut(shortcut).ok_or_else(|| StoreError::Conflict { constraint: "shortcut".into() })?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY {
        return Err(StoreError::Conflict { constraint: "text_length".into() });
    }
    Ok((shortcut, body))
}

impl Inbox<'_> {
    /// All canned responses, most used first.
    pub async fn canned_responses(&self) -> Result<Vec<CannedResponse>> {
        sqlx::query(
            "SELECT id, shortcut, body, usage_count, updated_at FROM canned_responses WHERE account_id = $1 \
             ORDER BY usage_count DESC, shortcut",
        )
        .bind(self.tenant.account_id().to_string())
        .fetch_all(&self.tenant.store().read)
        .await?
        .iter()
        .map(|r| {
            Ok(CannedResponse {
                id: r.try_get("id")?,
                shortcut: r.try_get("shortcut")?,
                body: r.try_get("body")?,
                usage_count: r.try_get("usage_count")?,
                updated_at: from_ms(r.try_get("updated_at")?),
            })
        })
        .collect()
    }

    pub async fn canned_response(&self, id: &str) -> Result<CannedResponse> {
        self.canned_responses().await?.into_iter().find(|c| c.id == id).ok_or(StoreError::NotFound)
    }

    /// Creates one; a shortcut already in use is Conflict on `canned_responses…shortcut`.
    pub async fn create_canned_response(&self, shortcut: &str, body: &str) -> Result<String> {
        let (shortcut, body) = checked(shortcut, body)?;
        let id = uuid::Uuid::now_v7().to_string();
        let now = self.tenant.store().now_ms();
        sqlx::query(
            "INSERT INTO canned_responses (account_id, id, shortcut, body, usage_count, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(&id)
        .bind(shortcut)
        .bind(body)
        .bind(now)
        .execute(&self.tenant.store().write)
        .await?;
        Ok(id)
    }

    pub async fn update_canned_response(&self, id: &str, shortcut: &str, body: &str) -> Result<()> {
        let (shortcut, body) = checked(shortcut, body)?;
        let done = sqlx::query(
            "UPDATE canned_responses SET shortcut = $3, body = $4, updated_at = $5 WHERE account_id = $1 AND id = $2",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .bind(shortcut)
        .bind(body)
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    pub async fn delete_canned_response(&self, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM canned_responses WHERE account_id = $1 AND id = $2")
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .execute(&self.tenant.store().write)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_single_words() {
        assert_eq!(normalize_shortcut("/Hours"), Some("hours".into()));
        assert_eq!(normalize_shortcut("öffnungs_zeiten-2"), Some("öffnungs_zeiten-2".into()));
        assert_eq!(normalize_shortcut("two words"), None);
        assert_eq!(normalize_shortcut("/"), None);
        assert_eq!(normalize_shortcut(&"a".repeat(31)), None);
    }
}
