//! Flows as stored: editable drafts, immutable published versions, the run state per conversation, and the
//! effects of one engine step written in one transaction. Definitions and states are JSON the caller (de)serializes;
//! the store does not interpret them.
use chrono::{DateTime, Utc};
use maitre_domain::{ChannelId, ContactId, FlowId};
use sqlx::{FromRow, Row};

use crate::clock::from_ms;
use crate::tenant::TenantStore;
use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct FlowRecord {
    pub id: FlowId,
    pub name: String,
    pub draft: String,
    pub published_version: Option<i64>,
    pub enabled: bool,
    /// Channel ids the flow runs on; empty = all.
    pub channel_ids: Vec<String>,
    pub template: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct FlowRow {
    #[sqlx(try_from = "String")]
    id: FlowId,
    name: String,
    draft: String,
    published_version: Option<i64>,
    enabled: i64,
    channel_ids: String,
    template: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<FlowRow> for FlowRecord {
    type Error = StoreError;
    fn try_from(r: FlowRow) -> Result<Self> {
        Ok(FlowRecord {
            id: r.id,
            name: r.name,
            draft: r.draft,
            published_version: r.published_version,
            enabled: r.enabled != 0,
            channel_ids: serde_json::from_str(&r.channel_ids).map_err(StoreError::corrupt)?,
            template: r.template,
            created_at: from_ms(r.created_at),
            updated_at: from_ms(r.updated_at),
        })
    }
}

/// A published version that may run on a channel.
#[derive(Debug, Clone)]
pub struct PublishedFlow {
    pub flow_id: FlowId,
    pub version: i64,
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationSettings {
    /// How long to wait after a guest's message for a quick follow-up before the flow reads them together
    /// (`None`: the server's default).
    pub read_together_ms: Option<i64>,
    pub ai_base_url: String,
    pub ai_model: String,
    /// Sealed by the caller's vault; empty = no key.
    pub ai_key: String,
    pub ai_timeout_ms: i64,
}

impl Default for AutomationSettings {
    fn default() -> Self {
        AutomationSettings {
            read_together_ms: None,
            ai_base_url: String::new(),
            ai_model: String::new(),
            ai_key: String::new(),
            ai_timeout_ms: 10_000,
        }
    }
}

const FLOW_COLUMNS: &str = "id, name, draft, published_version, enabled, channel_ids, template, created_at, updated_at";

/// One business's flows: drafts, published versions, the channels they run on, automation settings, and each step's
/// reads and atomic effects (`flow_steps`). Handed out by `TenantStore::flows`, so every query and change is the
/// business's own.
pub struct Flows<'t> {
    pub(crate) tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn flows(&self) -> Flows<'_> {
        Flows { tenant: self }
    }
}

impl Flows<'_> {
    pub async fn create_flow(&self, name: &str, draft: &str, template: &str) -> Result<FlowRecord> {
        let now = self.tenant.store().now_ms();
        let id = FlowId::new();
        sqlx::query(
            "INSERT INTO flows (account_id, id, name, draft, template, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .bind(name)
        .bind(draft)
        .bind(template)
        .bind(now)
        .execute(&self.tenant.store().write)
        .await?;
        self.flow(id).await
    }

    /// Flows by name.
    pub async fn list(&self) -> Result<Vec<FlowRecord>> {
        let q = format!("SELECT {FLOW_COLUMNS} FROM flows WHERE account_id = $1 ORDER BY name, id");
        let rows: Vec<FlowRow> = sqlx::query_as(sqlx::AssertSqlSafe(q))
            .bind(self.tenant.account_id().to_string())
            .fetch_all(&self.tenant.store().read)
            .await?;
        rows.into_iter().map(FlowRecord::try_from).collect()
    }

    pub async fn flow(&self, id: FlowId) -> Result<FlowRecord> {
        let q = format!("SELECT {FLOW_COLUMNS} FROM flows WHERE account_id = $1 AND id = $2");
        let row: FlowRow = sqlx::query_as(sqlx::AssertSqlSafe(q))
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .fetch_one(&self.tenant.store().read)
            .await?;
        row.try_into()
    }

    pub async fn save_flow_draft(&self, id: FlowId, name: &str, draft: &str) -> Result<()> {
        let q =
            sqlx::query("UPDATE flows SET name = $3, draft = $4, updated_at = $5 WHERE account_id = $1 AND id = $2");
        let q = q
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .bind(name)
            .bind(draft)
            .bind(self.tenant.store().now_ms());
        found(q.execute(&self.tenant.store().write).await?.rows_affected())
    }

    pub async fn set_flow_enabled(&self, id: FlowId, enabled: bool) -> Result<()> {
        let q = sqlx::query("UPDATE flows SET enabled = $3, updated_at = $4 WHERE account_id = $1 AND id = $2");
        let q = q
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .bind(i64::from(enabled))
            .bind(self.tenant.store().now_ms());
        let done = q.execute(&self.tenant.store().write).await?.rows_affected();
        self.tenant.config_changed();
        found(done)
    }

    pub async fn set_flow_channels(&self, id: FlowId, channels: &[String]) -> Result<()> {
        let json = serde_json::to_string(channels).map_err(StoreError::corrupt)?;
        let q = sqlx::query("UPDATE flows SET channel_ids = $3, updated_at = $4 WHERE account_id = $1 AND id = $2");
        let q = q.bind(self.tenant.account_id().to_string()).bind(id).bind(json).bind(self.tenant.store().now_ms());
        let done = q.execute(&self.tenant.store().write).await?.rows_affected();
        self.tenant.config_changed();
        found(done)
    }

    /// Deletes a flow with its versions. Runs of it in progress end at their next step (their version is gone).
    pub async fn delete_flow(&self, id: FlowId) -> Result<()> {
        let q = sqlx::query("DELETE FROM flows WHERE account_id = $1 AND id = $2");
        let done = q
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .execute(&self.tenant.store().write)
            .await?
            .rows_affected();
        self.tenant.config_changed();
        found(done)
    }

    /// Stores `definition` as the flow's next version and makes it the published one. Returns the version.
    pub async fn publish_flow(&self, id: FlowId, definition: &str, by: &str) -> Result<i64> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let version: i64 = sqlx::query_scalar(
            "UPDATE flows SET published_version = COALESCE(published_version, 0) + 1, updated_at = $3 \
             WHERE account_id = $1 AND id = $2 RETURNING published_version",
        )
        .bind(&account)
        .bind(id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO flow_versions (account_id, flow_id, version, definition, published_at, published_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&account)
        .bind(id)
        .bind(version)
        .bind(definition)
        .bind(now)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.tenant.config_changed();
        Ok(version)
    }

    pub async fn flow_version(&self, id: FlowId, version: i64) -> Result<String> {
        Ok(sqlx::query_scalar(
            "SELECT definition FROM flow_versions WHERE account_id = $1 AND flow_id = $2 AND version = $3",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .bind(version)
        .fetch_one(&self.tenant.store().read)
        .await?)
    }

    /// Published, enabled flows that run on `channel`, in a stable order.
    pub async fn active_flows(&self, channel: ChannelId) -> Result<Vec<PublishedFlow>> {
        let rows = sqlx::query(
            "SELECT f.id, f.channel_ids, v.version, v.definition FROM flows f \
             JOIN flow_versions v ON v.account_id = f.account_id AND v.flow_id = f.id \
                AND v.version = f.published_version \
             WHERE f.account_id = $1 AND f.enabled = 1 ORDER BY f.created_at, f.id",
        )
        .bind(self.tenant.account_id().to_string())
        .fetch_all(&self.tenant.store().read)
        .await?;
        let channel = channel.to_string();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let channels: Vec<String> =
                serde_json::from_str(&r.try_get::<String, _>("channel_ids")?).map_err(StoreError::corrupt)?;
            if channels.is_empty() || channels.contains(&channel) {
                out.push(PublishedFlow {
                    flow_id: r.try_get("id")?,
                    version: r.try_get("version")?,
                    definition: r.try_get("definition")?,
                });
            }
        }
        Ok(out)
    }

    pub async fn automation_settings(&self) -> Result<AutomationSettings> {
        let row = sqlx::query(
            "SELECT read_together_ms, ai_base_url, ai_model, ai_key, ai_timeout_ms FROM automation_settings \
             WHERE account_id = $1",
        )
        .bind(self.tenant.account_id().to_string())
        .fetch_optional(&self.tenant.store().read)
        .await?;
        let Some(r) = row else { return Ok(AutomationSettings::default()) };
        Ok(AutomationSettings {
            read_together_ms: r.try_get("read_together_ms")?,
            ai_base_url: r.try_get("ai_base_url")?,
            ai_model: r.try_get("ai_model")?,
            ai_key: r.try_get("ai_key")?,
            ai_timeout_ms: r.try_get("ai_timeout_ms")?,
        })
    }

    pub async fn put_automation_settings(&self, s: &AutomationSettings) -> Result<()> {
        sqlx::query(
            "INSERT INTO automation_settings (account_id, read_together_ms, ai_base_url, ai_model, ai_key, \
             ai_timeout_ms, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id) DO UPDATE SET \
             read_together_ms = excluded.read_together_ms, ai_base_url = excluded.ai_base_url, \
             ai_model = excluded.ai_model, ai_key = excluded.ai_key, ai_timeout_ms = excluded.ai_timeout_ms, \
             updated_at = excluded.updated_at",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(s.read_together_ms)
        .bind(&s.ai_base_url)
        .bind(&s.ai_model)
        .bind(&s.ai_key)
        .bind(s.ai_timeout_ms)
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        self.tenant.config_changed();
        Ok(())
    }
}

pub(crate) async fn record_consent(
    tx: &mut sqlx::AnyConnection,
    account: &str,
    contact: ContactId,
    state: &str,
    source: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO contact_consents (account_id, id, contact_id, state, source, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(account)
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(contact)
    .bind(state)
    .bind(source)
    .bind(detail)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn found(rows: u64) -> Result<()> {
    if rows == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
