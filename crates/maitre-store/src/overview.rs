//! What a business's home and analytics pages show at a glance: how far its setup is and what waits for its team
//! now (their figures over days come from figures.rs).
use maitre_domain::setup::SetupFacts;
use sqlx::Row;

use crate::Result;
use crate::tenant::TenantStore;

/// Counts of the moment, read in one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overview {
    pub setup: SetupFacts,
    /// Conversations not closed where a guest's message waits for a person (no flow answered it, or a flow handed
    /// it over, or it came while a member had the conversation).
    pub waiting: i64,
    /// Conversations not closed.
    pub open: i64,
    /// Replies that could not be sent.
    pub failed_sends: i64,
    /// Booking requests still to confirm, for visits not yet past.
    pub to_confirm: i64,
}

const OVERVIEW: &str = "SELECT \
    (SELECT COUNT(*) FROM booking_settings WHERE account_id = $1) AS hours_saved, \
    (SELECT COUNT(*) FROM channels WHERE account_id = $1) AS channels, \
    (SELECT COUNT(*) FROM flows WHERE account_id = $1 AND published_version IS NOT NULL) AS published_flows, \
    (SELECT COUNT(*) FROM conversations WHERE account_id = $1) AS conversations, \
    (SELECT COUNT(*) FROM memberships WHERE account_id = $1) AS members, \
    (SELECT COUNT(*) FROM conversations WHERE account_id = $1 AND needs_reply_since IS NOT NULL \
        AND status <> 'closed') AS waiting, \
    (SELECT COUNT(*) FROM conversations WHERE account_id = $1 AND status <> 'closed') AS open, \
    (SELECT COUNT(*) FROM messages WHERE account_id = $1 AND direction = 'out' AND status = 'failed') AS failed, \
    (SELECT COUNT(*) FROM reservations WHERE account_id = $1 AND status = 'pending' AND ends_at > $2) AS to_confirm";

impl TenantStore {
    pub async fn overview(&self) -> Result<Overview> {
        let r = sqlx::query(OVERVIEW)
            .bind(self.account_id().to_string())
            .bind(self.store().now_ms())
            .fetch_one(&self.store().read)
            .await?;
        let count = |column: &str| r.try_get::<i64, _>(column);
        Ok(Overview {
            setup: SetupFacts {
                hours_saved: count("hours_saved")? > 0,
                channels: count("channels")?,
                published_flows: count("published_flows")?,
                conversations: count("conversations")?,
                members: count("members")?,
            },
            waiting: count("waiting")?,
            open: count("open")?,
            failed_sends: count("failed")?,
            to_confirm: count("to_confirm")?,
        })
    }
}
