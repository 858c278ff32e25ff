//! The account's custom contact fields, and writing a contact's field values and tags.
use maitre_domain::ContactId;
use maitre_domain::contacts::{FieldDef, FieldKind};

use crate::contacts::Contacts;
use crate::{ContactEdit, Result, StoreError};

impl Contacts<'_> {
    /// The account's custom fields, in the order they were defined.
    pub async fn contact_fields(&self) -> Result<Vec<FieldDef>> {
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT key, label, kind, choices FROM contact_fields WHERE account_id = $1 ORDER BY created_at, key",
        )
        .bind(self.tenant.account_id().to_string())
        .fetch_all(&self.tenant.store().read)
        .await?;
        rows.into_iter()
            .map(|(key, label, kind, choices)| {
                Ok(FieldDef {
                    key,
                    label,
                    kind: kind.parse::<FieldKind>().map_err(StoreError::corrupt)?,
                    choices: serde_json::from_str(&choices).map_err(StoreError::corrupt)?,
                })
            })
            .collect()
    }

    /// Adds a custom field; a key already defined is Conflict `contact_fields`.
    pub async fn define_contact_field(&self, def: &FieldDef) -> Result<()> {
        sqlx::query(
            "INSERT INTO contact_fields (account_id, key, label, kind, choices, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(&def.key)
        .bind(&def.label)
        .bind(def.kind.as_str())
        .bind(serde_json::Value::from(def.choices.clone()).to_string())
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict { .. } => StoreError::Conflict { constraint: "contact_fields".into() },
            other => other,
        })?;
        Ok(())
    }

    /// Removes a custom field and every value of it.
    pub async fn delete_contact_field(&self, key: &str) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let mut tx = self.tenant.store().writes.begin().await?;
        let done = sqlx::query("DELETE FROM contact_fields WHERE account_id = $1 AND key = $2")
            .bind(&account)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM contact_field_values WHERE account_id = $1 AND field_key = $2")
            .bind(&account)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Field values and (when given) the tag set of an edit, inside the caller's transaction.
pub(super) async fn apply_extras(
    tx: &mut sqlx::AnyConnection,
    account: &str,
    id: ContactId,
    edit: &ContactEdit,
    now: i64,
) -> Result<()> {
    for (key, value) in &edit.fields {
        match value {
            Some(v) => sqlx::query(
                "INSERT INTO contact_field_values (account_id, contact_id, field_key, value) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, contact_id, field_key) \
                 DO UPDATE SET value = excluded.value",
            )
            .bind(account)
            .bind(id)
            .bind(key)
            .bind(v),
            None => sqlx::query(
                "DELETE FROM contact_field_values WHERE account_id = $1 AND contact_id = $2 AND field_key = $3",
            )
            .bind(account)
            .bind(id)
            .bind(key),
        }
        .execute(&mut *tx)
        .await?;
    }
    if let Some(tags) = &edit.tags {
        // Tags that stay keep their row (and the time they were first added).
        let current: Vec<String> =
            sqlx::query_scalar("SELECT tag FROM contact_tags WHERE account_id = $1 AND contact_id = $2")
                .bind(account)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        for gone in current.iter().filter(|t| !tags.iter().any(|k| k.as_str() == t.as_str())) {
            sqlx::query("DELETE FROM contact_tags WHERE account_id = $1 AND contact_id = $2 AND tag = $3")
                .bind(account)
                .bind(id)
                .bind(gone)
                .execute(&mut *tx)
                .await?;
        }
        for tag in tags.iter().filter(|t| !current.iter().any(|c| c == t.as_str())) {
            sqlx::query(
                "INSERT INTO contact_tags (account_id, contact_id, tag, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(account)
            .bind(id)
            .bind(tag.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}
