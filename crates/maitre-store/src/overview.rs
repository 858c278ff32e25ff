//! What a business's home page shows at a glance: how far its setup is, what waits for its team, and what happened
//! today and this week.
use chrono::{DateTime, Utc};
use maitre_domain::metrics::FirstMoments;
use maitre_domain::setup::SetupFacts;
use sqlx::Row;

use crate::Result;
use crate::clock::from_ms;
use crate::tenant::TenantStore;

/// Counts for the home page, read in one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overview {
    pub setup: SetupFacts,
    /// Conversations not closed where a guest's message waits for a person (no flow answered it, or a flow handed
    /// it over, or it came while a member had the conversation).
    pub waiting: i64,
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
            failed_sends: count("failed")?,
            to_confirm: count("to_confirm")?,
        })
    }
}

/// What happened in a period, for the home's figures: the conversations whose guest first wrote then (with their
/// first moments) and the bookings flows made then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub conversations: Vec<FirstMoments>,
    /// Not cancelled, made by a flow: when, and for how many guests.
    pub bookings: Vec<(DateTime<Utc>, i64)>,
}

impl Activity {
    /// The part from `start` on (today's part of this week's), without reading again.
    pub fn since(&self, start: DateTime<Utc>) -> Activity {
        Activity {
            conversations: self.conversations.iter().filter(|c| c.guest >= start).copied().collect(),
            bookings: self.bookings.iter().filter(|(at, _)| *at >= start).copied().collect(),
        }
    }

    pub fn covers(&self) -> i64 {
        self.bookings.iter().map(|(_, party)| party).sum()
    }
}

/// Most conversations (and bookings) one period reads for the home; a busier week shows figures of its first ones.
const ACTIVITY_CAP: i64 = 20_000;

impl TenantStore {
    /// Activity in [from, to).
    pub async fn activity(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Activity> {
        let account = self.account_id().to_string();
        let (from, to) = (from.timestamp_millis(), to.timestamp_millis());
        let rows: Vec<(i64, Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT first_inbound_at, first_bot_reply_at, first_handoff_at, first_member_reply_at FROM conversations \
             WHERE account_id = $1 AND first_inbound_at >= $2 AND first_inbound_at < $3 \
             ORDER BY first_inbound_at LIMIT $4",
        )
        .bind(&account)
        .bind(from)
        .bind(to)
        .bind(ACTIVITY_CAP)
        .fetch_all(&self.store().read)
        .await?;
        let bookings: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT created_at, party_size FROM reservations WHERE account_id = $1 AND created_at >= $2 \
             AND created_at < $3 AND source = 'flow' AND status <> 'cancelled' ORDER BY created_at LIMIT $4",
        )
        .bind(&account)
        .bind(from)
        .bind(to)
        .bind(ACTIVITY_CAP)
        .fetch_all(&self.store().read)
        .await?;
        let conversations = rows
            .into_iter()
            .map(|(guest, bot, handoff, member)| FirstMoments {
                guest: from_ms(guest),
                bot_reply: bot.map(from_ms),
                handoff: handoff.map(from_ms),
                member_reply: member.map(from_ms),
            })
            .collect();
        Ok(Activity { conversations, bookings: bookings.into_iter().map(|(at, party)| (from_ms(at), party)).collect() })
    }
}
