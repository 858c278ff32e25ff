//! A business's WhatsApp message templates: the local copy of what Meta holds per business account (WABA), kept
//! current by syncs and the template webhooks, and which template each automatic message uses when the guest's
//! window is closed.
use chrono::{DateTime, Utc};
use maitre_domain::booking::guest_messages::GuestMessage;
use maitre_domain::templates::{ButtonAction, TemplateCategory, TemplateContent, TemplateStatus};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::from_ms;
use crate::notifications::{Notice, NotificationKind, notify_in};
use crate::tenant::TenantStore;
use crate::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    pub id: String,
    pub waba_id: String,
    /// Meta's id for this name and language.
    pub meta_id: String,
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub status: TemplateStatus,
    /// Why it was rejected or paused, in Meta's words.
    pub status_reason: String,
    pub content: TemplateContent,
    /// The placeholder behind each variable; empty for templates made in WhatsApp Manager.
    pub bindings: Vec<String>,
    /// What each quick-reply button does when the template is about a booking.
    pub actions: Vec<ButtonAction>,
    pub updated_at: DateTime<Utc>,
}

impl StoredTemplate {
    /// Filled for each guest without anyone typing values.
    pub fn bound(&self) -> bool {
        self.bindings.len() == self.content.variable_count()
    }
}

/// A template as created or listed, before it has a local id.
pub struct TemplateRecord<'a> {
    pub waba_id: &'a str,
    pub meta_id: &'a str,
    pub name: &'a str,
    pub language: &'a str,
    pub category: TemplateCategory,
    pub status: &'a TemplateStatus,
    pub content: &'a TemplateContent,
    pub bindings: &'a [String],
    pub actions: &'a [ButtonAction],
}

const COLUMNS: &str = "SELECT id, waba_id, meta_id, name, language, category, status, status_reason, content, \
     bindings, actions, updated_at FROM wa_templates";

fn from_row(r: &AnyRow) -> Result<StoredTemplate> {
    let json = |col: &str| -> Result<String> { Ok(r.try_get::<String, _>(col)?) };
    Ok(StoredTemplate {
        id: r.try_get("id")?,
        waba_id: r.try_get("waba_id")?,
        meta_id: r.try_get("meta_id")?,
        name: r.try_get("name")?,
        language: r.try_get("language")?,
        category: r.try_get::<String, _>("category")?.parse().map_err(StoreError::corrupt)?,
        status: r.try_get::<String, _>("status")?.parse().map_err(StoreError::corrupt)?,
        status_reason: r.try_get("status_reason")?,
        content: serde_json::from_str(&json("content")?).map_err(StoreError::corrupt)?,
        bindings: serde_json::from_str(&json("bindings")?).map_err(StoreError::corrupt)?,
        actions: serde_json::from_str(&json("actions")?).map_err(StoreError::corrupt)?,
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

/// Handed out by `TenantStore::templates`: every query is the business's own.
pub struct Templates<'t> {
    tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn templates(&self) -> Templates<'_> {
        Templates { tenant: self }
    }
}

impl Templates<'_> {
    fn account(&self) -> String {
        self.tenant.account_id().to_string()
    }

    /// All templates, by name and language.
    pub async fn list(&self) -> Result<Vec<StoredTemplate>> {
        let sql = format!("{COLUMNS} WHERE account_id = $1 ORDER BY name, language");
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(self.account()).fetch_all(&self.tenant.store().read).await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn get(&self, id: &str) -> Result<StoredTemplate> {
        let sql = format!("{COLUMNS} WHERE account_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.account())
            .bind(id)
            .fetch_one(&self.tenant.store().read)
            .await?;
        from_row(&row)
    }

    /// The template of business account `waba` with that name and language.
    pub async fn find(&self, waba: &str, name: &str, language: &str) -> Result<Option<StoredTemplate>> {
        let sql = format!("{COLUMNS} WHERE account_id = $1 AND waba_id = $2 AND name = $3 AND language = $4");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.account())
            .bind(waba)
            .bind(name)
            .bind(language)
            .fetch_optional(&self.tenant.store().read)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Stores a template just submitted (or found in a sync); one already stored under its WABA, name and language
    /// is updated instead, keeping its bindings unless new ones are given. Returns its local id.
    pub async fn save(&self, t: &TemplateRecord<'_>) -> Result<String> {
        let content = serde_json::to_string(t.content).map_err(StoreError::corrupt)?;
        let bindings = serde_json::to_string(t.bindings).map_err(StoreError::corrupt)?;
        let actions = serde_json::to_string(t.actions).map_err(StoreError::corrupt)?;
        let id = uuid::Uuid::now_v7().to_string();
        let id: String = sqlx::query_scalar(
            "INSERT INTO wa_templates (account_id, id, waba_id, meta_id, name, language, category, status, content, \
             bindings, actions, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $11, $11) \
             ON CONFLICT (account_id, waba_id, name, language) DO UPDATE SET meta_id = excluded.meta_id, \
             category = excluded.category, status = excluded.status, content = excluded.content, \
             bindings = CASE WHEN excluded.bindings = '[]' THEN wa_templates.bindings ELSE excluded.bindings END, \
             actions = CASE WHEN excluded.actions = '[]' THEN wa_templates.actions ELSE excluded.actions END, \
             updated_at = excluded.updated_at RETURNING id",
        )
        .bind(self.account())
        .bind(&id)
        .bind(t.waba_id)
        .bind(t.meta_id)
        .bind(t.name)
        .bind(t.language)
        .bind(t.category.as_str())
        .bind(t.status.as_str())
        .bind(content)
        .bind(bindings)
        .bind(self.tenant.store().now_ms())
        .bind(actions)
        .fetch_one(&self.tenant.store().write)
        .await?;
        Ok(id)
    }

    /// Removes the templates of `waba` a sync no longer found (deleted in WhatsApp Manager).
    pub async fn forget_missing(&self, waba: &str, kept: &[String]) -> Result<u64> {
        let mut gone = 0;
        for t in self.list().await?.into_iter().filter(|t| t.waba_id == waba && !kept.contains(&t.id)) {
            gone += self.delete(&t.id).await.map(|_| 1)?;
        }
        Ok(gone)
    }

    /// Deletes one template; a purpose that used it has none afterwards.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let mut tx = self.tenant.store().writes.begin().await?;
        sqlx::query("DELETE FROM template_uses WHERE account_id = $1 AND template_id = $2")
            .bind(self.account())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM wa_templates WHERE account_id = $1 AND id = $2")
            .bind(self.account())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Applies a status webhook to the template it names (by Meta id, or by WABA, name and language for one whose
    /// id is not known yet). When it can no longer be sent, the members who manage channels hear of it. A template
    /// not stored here is left to the next sync.
    pub async fn apply_status(
        &self,
        waba: &str,
        meta_id: &str,
        (name, language): (&str, &str),
        status: &TemplateStatus,
        reason: &str,
    ) -> Result<()> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let id: Option<String> = sqlx::query_scalar(
            "UPDATE wa_templates SET status = $6, status_reason = $7, meta_id = $3, updated_at = $8 \
             WHERE account_id = $1 AND waba_id = $2 AND (meta_id = $3 OR (name = $4 AND language = $5)) RETURNING id",
        )
        .bind(self.account())
        .bind(waba)
        .bind(meta_id)
        .bind(name)
        .bind(language)
        .bind(status.as_str())
        .bind(reason)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { return Ok(()) };
        let notified = if status.sendable() || *status == TemplateStatus::Pending {
            crate::notifications::Notified::none()
        } else {
            let text = format!("{name} ({language}): {status}");
            let link = format!("/a/{}/templates", self.tenant.account_id());
            let notice = Notice {
                kind: NotificationKind::Channel,
                target: None,
                actor: None,
                text: &text,
                link: &link,
                subject: &id,
            };
            notify_in(&mut tx, self.tenant.account_id(), &notice, now).await?
        };
        tx.commit().await?;
        notified.publish(self.tenant).await;
        Ok(())
    }

    /// Meta moved a template to another category (a move to MARKETING brings the marketing limits).
    pub async fn set_category(&self, waba: &str, meta_id: &str, category: TemplateCategory) -> Result<()> {
        sqlx::query("UPDATE wa_templates SET category = $4, updated_at = $5 WHERE account_id = $1 AND waba_id = $2 AND meta_id = $3")
            .bind(self.account())
            .bind(waba)
            .bind(meta_id)
            .bind(category.as_str())
            .bind(self.tenant.store().now_ms())
            .execute(&self.tenant.store().write)
            .await?;
        Ok(())
    }

    /// Sets which template carries `purpose` when the guest's window is closed; `None`: none.
    pub async fn set_use(&self, purpose: GuestMessage, template: Option<&str>) -> Result<()> {
        let mut tx = self.tenant.store().writes.begin().await?;
        sqlx::query("DELETE FROM template_uses WHERE account_id = $1 AND purpose = $2")
            .bind(self.account())
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await?;
        if let Some(template) = template {
            sqlx::query(
                "INSERT INTO template_uses (account_id, purpose, template_id) \
                 SELECT account_id, $2, id FROM wa_templates WHERE account_id = $1 AND id = $3",
            )
            .bind(self.account())
            .bind(purpose.as_str())
            .bind(template)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)
            .and_then(|done| if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) })?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Which template each purpose uses (purposes without one are left out).
    pub async fn uses(&self) -> Result<Vec<(GuestMessage, String)>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT purpose, template_id FROM template_uses WHERE account_id = $1")
                .bind(self.account())
                .fetch_all(&self.tenant.store().read)
                .await?;
        rows.into_iter().map(|(p, id)| Ok((p.parse().map_err(StoreError::corrupt)?, id))).collect()
    }

    /// The template `purpose` uses, if any.
    pub async fn used_for(&self, purpose: GuestMessage) -> Result<Option<StoredTemplate>> {
        let id: Option<String> =
            sqlx::query_scalar("SELECT template_id FROM template_uses WHERE account_id = $1 AND purpose = $2")
                .bind(self.account())
                .bind(purpose.as_str())
                .fetch_optional(&self.tenant.store().read)
                .await?;
        match id {
            Some(id) => self.get(&id).await.map(Some),
            None => Ok(None),
        }
    }
}
