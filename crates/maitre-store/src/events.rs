//! Live events: what changed in an account, for open dashboards. Published after the change committed, into an
//! in-process broadcast; on PostgreSQL also through `NOTIFY`, and a `LISTEN`ing relay on every node re-publishes
//! what other nodes sent. Delivery is best effort (a dashboard that missed an event is right again on reload, and
//! gets a `resync` when its node may have missed some); the database stays the truth.
use std::sync::Arc;
use std::time::Duration;

use maitre_domain::{AccountId, ConversationId, MessageId, UserId};
use serde::{Deserialize, Serialize};
use sqlx::AnyPool;
use tokio::sync::{OnceCell, broadcast, mpsc};

use crate::{Result, Store};

/// The `NOTIFY` channel all nodes share.
const CHANNEL: &str = "maitre_events";
/// Events buffered per subscriber before a slow one is told to resync.
const CAPACITY: usize = 1024;
/// `NOTIFY` payloads must stay under 8000 bytes; free texts in events are cut to this many characters.
const MAX_TEXT: usize = 500;
/// Events waiting to be forwarded to other nodes; a full queue slows publishers down rather than losing events.
const FORWARD_QUEUE: usize = 4096;
/// Most events sent to other nodes in one statement.
const FORWARD_BATCH: usize = 64;

/// Something that changed in one account. Carries ids and small facts; pages fetch what they show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A message (inbound, echoed, or queued outbound) was added to a conversation.
    MessageAdded {
        conversation_id: ConversationId,
        message_id: MessageId,
    },
    /// An outbound message moved to `sent`, `delivered`, `read`, `failed` or back to `queued` (retry).
    MessageStatus {
        conversation_id: ConversationId,
        message_id: MessageId,
        status: String,
    },
    ConversationAssigned {
        conversation_id: ConversationId,
        assignee: Option<UserId>,
    },
    ConversationMode {
        conversation_id: ConversationId,
        mode: maitre_domain::ConversationMode,
    },
    ConversationStatus {
        conversation_id: ConversationId,
        status: maitre_domain::ConversationStatus,
    },
    ConversationTags {
        conversation_id: ConversationId,
    },
    NoteAdded {
        conversation_id: ConversationId,
        note_id: String,
    },
    /// For one member (`recipient`) or, without one, for every member of the account.
    Notification {
        recipient: Option<UserId>,
        kind: String,
        text: String,
        link: String,
    },
    /// Events may have been lost (a relay reconnected, a subscriber lagged): views should reload.
    Resync,
    /// A user's session (without one, every session of theirs) ended: the live streams it opened end too. Concerns
    /// no account and is never shown to anyone.
    SessionEnded {
        user: UserId,
        session: Option<String>,
    },
}

impl LiveEvent {
    /// The conversation the event is about, if any.
    pub fn conversation_id(&self) -> Option<ConversationId> {
        match self {
            LiveEvent::MessageAdded { conversation_id, .. }
            | LiveEvent::MessageStatus { conversation_id, .. }
            | LiveEvent::ConversationAssigned { conversation_id, .. }
            | LiveEvent::ConversationMode { conversation_id, .. }
            | LiveEvent::ConversationStatus { conversation_id, .. }
            | LiveEvent::ConversationTags { conversation_id }
            | LiveEvent::NoteAdded { conversation_id, .. } => Some(*conversation_id),
            LiveEvent::Notification { .. } | LiveEvent::Resync | LiveEvent::SessionEnded { .. } => None,
        }
    }

    /// Whether `user` (a member of the event's account) should receive it.
    pub fn is_for(&self, user: UserId) -> bool {
        match self {
            LiveEvent::Notification { recipient: Some(r), .. } => *r == user,
            LiveEvent::SessionEnded { .. } => false,
            _ => true,
        }
    }

    /// Whether this event ends the session `session` of `user`.
    pub fn ends_session(&self, user: UserId, session: &str) -> bool {
        matches!(self, LiveEvent::SessionEnded { user: u, session: s } if *u == user && s.as_deref().is_none_or(|s| s == session))
    }

    fn bounded(mut self) -> Self {
        if let LiveEvent::Notification { text, link, .. } = &mut self {
            for s in [text, link] {
                if let Some((cut, _)) = s.char_indices().nth(MAX_TEXT) {
                    s.truncate(cut);
                }
            }
        }
        self
    }
}

/// An event with the account it belongs to. `account` is `None` for the events that concern no one account
/// (`Resync`, `SessionEnded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEvent {
    pub account: Option<AccountId>,
    pub event: LiveEvent,
}

impl AccountEvent {
    /// Whether a member `user` of `account` should see this event.
    pub fn visible_to(&self, account: AccountId, user: UserId) -> bool {
        self.account.is_none_or(|a| a == account) && self.event.is_for(user)
    }
}

/// What travels through `NOTIFY`: the event and the node it came from (which has published it locally already).
#[derive(Serialize, Deserialize)]
struct Wire {
    node: String,
    #[serde(flatten)]
    event: AccountEvent,
}

/// The bus of one process. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Events(Arc<Inner>);

struct Inner {
    tx: broadcast::Sender<AccountEvent>,
    node: String,
    /// PostgreSQL only: the URL to `LISTEN` on, and whether this node's relay is running.
    relay: Option<(String, OnceCell<()>)>,
    /// PostgreSQL only: the queue of the task that `NOTIFY`s other nodes.
    forward: Option<mpsc::Sender<String>>,
}

impl Events {
    /// `postgres` (URL and pool) makes events travel between nodes.
    pub(crate) fn new(postgres: Option<(String, AnyPool)>) -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        let node = uuid::Uuid::now_v7().to_string();
        let (relay, forward) = match postgres {
            Some((url, pool)) => {
                let (forward, queue) = mpsc::channel(FORWARD_QUEUE);
                tokio::spawn(forward_events(pool, queue));
                (Some((url, OnceCell::new())), Some(forward))
            }
            None => (None, None),
        };
        Events(Arc::new(Inner { tx, node, relay, forward }))
    }
}

/// Sends queued events to other nodes, as many as are waiting in one statement. Each `NOTIFY`ing transaction
/// takes PostgreSQL's global notify lock through its commit and WAL flush, so one statement per event would
/// serialise every publisher in the cluster behind the disk; batching pays that once per batch. Ends when the
/// store is dropped.
async fn forward_events(pool: AnyPool, mut queue: mpsc::Receiver<String>) {
    let mut batch = Vec::with_capacity(FORWARD_BATCH);
    while queue.recv_many(&mut batch, FORWARD_BATCH).await > 0 {
        let rows: Vec<String> = (0..batch.len()).map(|i| format!("(${}::text)", i + 2)).collect();
        // `pg_notify` returns void, which the Any driver cannot decode: select a boolean instead.
        let sql = format!("SELECT pg_notify($1, v) IS NULL FROM (VALUES {}) AS t(v)", rows.join(", "));
        // Only numbered placeholders are formatted in.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(CHANNEL);
        for payload in batch.drain(..) {
            query = query.bind(payload);
        }
        if let Err(e) = query.execute(&pool).await {
            tracing::warn!(error = %e, "could not forward live events to other nodes");
        }
    }
}

impl Store {
    /// Publishes an event of `account` to this node's subscribers and, on PostgreSQL, to every other node.
    /// Call it after the change is committed. Never fails: a lost live event only delays a dashboard.
    pub async fn publish(&self, account: AccountId, event: LiveEvent) {
        self.send(AccountEvent { account: Some(account), event: event.bounded() }).await;
    }

    /// Tells every node that `session` of `user` (without one, every session of theirs) ended, so the live
    /// streams it opened end. Call it after the sessions are deleted.
    pub(crate) async fn publish_session_end(&self, user: UserId, session: Option<&str>) {
        let event = LiveEvent::SessionEnded { user, session: session.map(str::to_owned) };
        self.send(AccountEvent { account: None, event }).await;
    }

    async fn send(&self, event: AccountEvent) {
        let _ = self.events.0.tx.send(event.clone()); // No subscriber is fine.
        if let Some(forward) = &self.events.0.forward {
            let wire = Wire { node: self.events.0.node.clone(), event };
            let payload = serde_json::to_string(&wire).unwrap_or_default();
            // Fails only when the forwarding task is gone (the runtime is shutting down).
            let _ = forward.send(payload).await;
        }
    }

    /// Subscribes to every account's events on this node (filter with [`AccountEvent::visible_to`]). On
    /// PostgreSQL the first subscription starts this node's relay and returns once it is listening, so that
    /// nothing another node publishes afterwards is missed.
    pub async fn subscribe(&self) -> Result<broadcast::Receiver<AccountEvent>> {
        if let Some((url, started)) = &self.events.0.relay {
            started.get_or_try_init(|| start_relay(url.clone(), self.events.clone())).await?;
        }
        Ok(self.events.0.tx.subscribe())
    }
}

/// Connects a dedicated `LISTEN` connection (the `Any` pool cannot receive notifications) and relays what other
/// nodes publish until the process ends.
async fn start_relay(url: String, events: Events) -> Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
    listener.listen(CHANNEL).await?;
    tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => match serde_json::from_str::<Wire>(n.payload()) {
                    Ok(wire) if wire.node != events.0.node => {
                        let _ = events.0.tx.send(wire.event);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "unreadable live event from another node"),
                },
                // The connection dropped and is re-established on the next call; what was sent meanwhile is lost.
                Ok(None) => {
                    let _ = events.0.tx.send(AccountEvent { account: None, event: LiveEvent::Resync });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "live event relay lost the database; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(())
}

impl crate::TenantStore {
    /// Publishes an event of this account (see [`Store::publish`]).
    pub async fn publish(&self, event: LiveEvent) {
        self.store().publish(self.account_id(), event).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_travel_as_tagged_json_and_notifications_stay_small() {
        let account = AccountId::new();
        let e = AccountEvent {
            account: Some(account),
            event: LiveEvent::MessageAdded { conversation_id: ConversationId::new(), message_id: MessageId::new() },
        };
        let wire = serde_json::to_string(&Wire { node: "n".into(), event: e.clone() }).unwrap();
        assert!(wire.contains(r#""type":"message_added""#), "{wire}");
        assert_eq!(serde_json::from_str::<Wire>(&wire).unwrap().event, e);
        let long =
            LiveEvent::Notification { recipient: None, kind: "k".into(), text: "ü".repeat(5000), link: "/".into() };
        let LiveEvent::Notification { text, .. } = long.bounded() else { unreachable!() };
        assert_eq!(text.chars().count(), MAX_TEXT);
    }

    #[test]
    fn notifications_for_one_member_reach_only_them() {
        let (account, me, other) = (AccountId::new(), UserId::new(), UserId::new());
        let to_me = AccountEvent {
            account: Some(account),
            event: LiveEvent::Notification {
                recipient: Some(me),
                kind: "k".into(),
                text: "t".into(),
                link: "/".into(),
            },
        };
        assert!(to_me.visible_to(account, me));
        assert!(!to_me.visible_to(account, other));
        assert!(!to_me.visible_to(AccountId::new(), me));
        assert!(AccountEvent { account: None, event: LiveEvent::Resync }.visible_to(account, other));
    }
}
