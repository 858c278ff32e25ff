//! In-app notifications: one row per recipient member, written in the transaction of what they tell about (a flow's
//! handoff, an assignment, a new reservation) and published live after it committed. Handoff and assignment emails
//! are queued here as `notification_email` jobs (reservation emails are the `reservation_notify` job's), and pushes
//! to members' devices as `notification_push` jobs.
use chrono::{DateTime, Utc};
use maitre_domain::jobs::{JobKind, NotificationEmailJob, NotificationPushJob};
use maitre_domain::{AccountId, Action, ConversationId, MessageId, Role, UserId, allowed};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::clock::from_ms;
use crate::jobs::{NewJob, enqueue_all_in};
use crate::notification_prefs::{PREF_COLUMNS, Prefs, prefs_from};
use crate::operations::cut;
use crate::tenant::{Member, TenantStore};
use crate::{Cursor, LiveEvent, Page, Result, StoreError};

/// The most the bell counts; more shows as "99+".
pub const UNREAD_CAP: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// A flow handed a guest over to the team.
    Handoff,
    /// A conversation was assigned to the recipient by someone else.
    Assigned,
    /// A new reservation.
    Reservation,
    /// A channel needs the team: taken over by another business, or its token rejected or about to expire.
    Channel,
    /// A guest's message no flow answered waits for a person.
    Unanswered,
    /// A reply could not be sent: it failed for good, or is still not out after some minutes.
    Undelivered,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Handoff => "handoff",
            Self::Assigned => "assigned",
            Self::Reservation => "reservation",
            Self::Channel => "channel",
            Self::Unanswered => "unanswered",
            Self::Undelivered => "undelivered",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        [Self::Handoff, Self::Assigned, Self::Reservation, Self::Channel, Self::Unanswered, Self::Undelivered]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| StoreError::corrupt(format!("unknown notification kind {s:?}")))
    }

    /// What a member's role must allow to hear of this kind when it goes to the whole team.
    fn action(self) -> Action {
        match self {
            Self::Handoff | Self::Assigned | Self::Unanswered | Self::Undelivered => Action::WorkInbox,
            Self::Reservation => Action::ViewReservations,
            Self::Channel => Action::ManageChannels,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Notification {
    pub id: String,
    pub user_id: UserId,
    pub kind: NotificationKind,
    /// A short detail: the guest's name, or a reservation's name, time and party size.
    pub text: String,
    /// A path inside the dashboard.
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// A member who hears of something, with their choices and whether any device of theirs takes push.
struct Recipient {
    user: UserId,
    prefs: Prefs,
    has_device: bool,
}

/// Members of `account` who hear of `kind`: `target` alone, or else everyone whose role allows the kind's action.
async fn recipients(
    conn: &mut AnyConnection,
    account: AccountId,
    kind: NotificationKind,
    target: Option<UserId>,
) -> Result<Vec<Recipient>> {
    let sql = format!(
        "SELECT m.user_id, m.role, {PREF_COLUMNS}, (SELECT COUNT(*) FROM push_subscriptions s \
         WHERE s.account_id = m.account_id AND s.user_id = m.user_id) AS devices FROM memberships m \
         LEFT JOIN notification_prefs p ON p.account_id = m.account_id AND p.user_id = m.user_id \
         WHERE m.account_id = $1 AND ($2 IS NULL OR m.user_id = $2) ORDER BY m.created_at"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(target.map(|t| t.to_string()))
        .fetch_all(&mut *conn)
        .await?;
    let mut found = Vec::with_capacity(rows.len());
    for r in &rows {
        let role: Role = r.try_get::<String, _>("role")?.parse().map_err(StoreError::corrupt)?;
        if target.is_none() && !allowed(role, kind.action()) {
            continue;
        }
        found.push(Recipient {
            user: r.try_get::<String, _>("user_id")?.parse().map_err(StoreError::corrupt)?,
            prefs: prefs_from(r, role)?,
            has_device: r.try_get::<i64, _>("devices")? > 0,
        });
    }
    Ok(found)
}

/// Live events of notifications written in a transaction; publish them once it committed.
#[must_use = "publish after the transaction commits"]
pub(crate) struct Notified(Vec<LiveEvent>);

impl Notified {
    pub(crate) fn none() -> Self {
        Notified(Vec::new())
    }

    pub(crate) fn extend(&mut self, more: Notified) {
        self.0.extend(more.0);
    }

    pub(crate) async fn publish(self, tenant: &TenantStore) {
        self.publish_for(tenant.store(), tenant.account_id()).await;
    }

    /// Publishes to `account`, which may not be the account whose action caused them.
    pub(crate) async fn publish_for(self, store: &crate::Store, account: AccountId) {
        for event in self.0 {
            store.publish(account, event).await;
        }
    }
}

/// What a notification says and where it leads.
pub(crate) struct Notice<'a> {
    pub kind: NotificationKind,
    /// One member, or (None) everyone whose role allows the kind's action.
    pub target: Option<UserId>,
    /// The member who caused it, who needs no notice of their own doing.
    pub actor: Option<UserId>,
    pub text: &'a str,
    pub link: &'a str,
    /// The id of the conversation or reservation it is about.
    pub subject: &'a str,
}

/// Stores `notice` for each recipient inside `tx` and queues the emails of handoffs and assignments for those who
/// want them (reservation emails are the `reservation_notify` job's).
pub(crate) async fn notify_in(
    tx: &mut sqlx::AnyConnection,
    account: AccountId,
    notice: &Notice<'_>,
    now: i64,
) -> Result<Notified> {
    let to: Vec<_> = recipients(tx, account, notice.kind, notice.target)
        .await?
        .into_iter()
        .filter(|r| Some(r.user) != notice.actor)
        .map(|r| (uuid::Uuid::now_v7().to_string(), r))
        .collect();
    // One statement for all recipients (and one for their emails): each is a round trip to SQLite's writer.
    for chunk in to.chunks(crate::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO notifications (account_id, kind, text, link, subject, created_at, id, user_id) VALUES {}",
            crate::values_list(6, 2, chunk.len())
        );
        // Only numbered placeholders are formatted in.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account.to_string())
            .bind(notice.kind.as_str())
            .bind(notice.text)
            .bind(notice.link)
            .bind(notice.subject)
            .bind(now);
        for (id, r) in chunk {
            query = query.bind(id).bind(r.user.to_string());
        }
        query.persistent(chunk.len() == 1).execute(&mut *tx).await?;
    }
    // Keys are kept here: the jobs borrow them.
    let (mut emails, mut pushes) = (Vec::new(), Vec::new());
    for (id, r) in &to {
        if notice.kind != NotificationKind::Reservation && r.prefs.email.wants(notice.kind) {
            let key = format!("{}:{id}", JobKind::NotificationEmail);
            emails.push((NotificationEmailJob { notification_id: id.clone() }, key));
        }
        if r.has_device && r.prefs.push.wants(notice.kind) {
            let key = format!("{}:{id}", JobKind::NotificationPush);
            pushes.push((NotificationPushJob { notification_id: id.clone() }, key));
        }
    }
    let jobs: Vec<NewJob> = emails
        .iter()
        .map(|(payload, key)| NewJob::new(Some(account), payload).dedupe(key))
        .chain(pushes.iter().map(|(payload, key)| NewJob::new(Some(account), payload).dedupe(key)))
        .collect();
    enqueue_all_in(tx, now, &jobs).await?;
    let events = to
        .iter()
        .map(|(_, r)| LiveEvent::Notification {
            recipient: Some(r.user),
            kind: notice.kind.as_str().into(),
            text: notice.text.into(),
            link: notice.link.into(),
        })
        .collect();
    Ok(Notified(events))
}

/// Notifies about a conversation (handoff, assignment): the guest's name as text, the thread as link.
pub(crate) async fn notify_conversation_in(
    tx: &mut sqlx::AnyConnection,
    account: AccountId,
    conversation_id: ConversationId,
    kind: NotificationKind,
    target: Option<UserId>,
    actor: Option<UserId>,
    now: i64,
) -> Result<Notified> {
    let text = guest_name(tx, account, conversation_id).await?;
    let link = format!("/a/{account}/inbox/{conversation_id}");
    let notice = Notice { kind, target, actor, text: &text, link: &link, subject: &conversation_id.to_string() };
    notify_in(tx, account, &notice, now).await
}

/// The name a conversation's guest goes by: their name, or their platform id when they have none.
async fn guest_name(tx: &mut sqlx::AnyConnection, account: AccountId, conversation: ConversationId) -> Result<String> {
    let (name, external): (String, String) = sqlx::query_as(
        "SELECT ct.name, ct.external_id FROM conversations c \
         JOIN contacts ct ON ct.account_id = c.account_id AND ct.id = c.contact_id \
         WHERE c.account_id = $1 AND c.id = $2",
    )
    .bind(account.to_string())
    .bind(conversation)
    .fetch_one(&mut *tx)
    .await?;
    Ok(if name.trim().is_empty() { external } else { name })
}

/// Tells about a reply that could not be sent, once per message: the member who wrote it, or for automation
/// everyone who works the inbox. The guest's name as text, the thread as link.
pub(crate) async fn notify_undelivered_in(
    tx: &mut sqlx::AnyConnection,
    account: AccountId,
    message: MessageId,
    now: i64,
) -> Result<Notified> {
    let kind = NotificationKind::Undelivered;
    let told: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM notifications WHERE account_id = $1 AND subject = $2 AND kind = $3 LIMIT 1")
            .bind(account.to_string())
            .bind(message.to_string())
            .bind(kind.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    if told.is_some() {
        return Ok(Notified::none());
    }
    let (conversation, author): (ConversationId, Option<String>) =
        sqlx::query_as("SELECT conversation_id, sent_by FROM messages WHERE account_id = $1 AND id = $2")
            .bind(account.to_string())
            .bind(message)
            .fetch_one(&mut *tx)
            .await?;
    let target = author.map(|a| a.parse()).transpose().map_err(StoreError::corrupt)?;
    let text = guest_name(tx, account, conversation).await?;
    let link = format!("/a/{account}/inbox/{conversation}");
    let notice = Notice { kind, target, actor: None, text: &text, link: &link, subject: &message.to_string() };
    notify_in(tx, account, &notice, now).await
}

const COLUMNS: &str = "id, user_id, kind, text, link, created_at, read_at";

fn notification_from(r: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: r.try_get("id")?,
        user_id: r.try_get::<String, _>("user_id")?.parse().map_err(StoreError::corrupt)?,
        kind: NotificationKind::parse(&r.try_get::<String, _>("kind")?)?,
        text: r.try_get("text")?,
        link: r.try_get("link")?,
        created_at: from_ms(r.try_get("created_at")?),
        read: r.try_get::<Option<i64>, _>("read_at")?.is_some(),
    })
}

/// One business's notifications for its members: the list and unread count, reading them, and who wants them by
/// email. Handed out by `TenantStore::notifications`, so every query and change is the business's own.
pub struct Notifications<'t> {
    pub(crate) tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn notifications(&self) -> Notifications<'_> {
        Notifications { tenant: self }
    }
}

impl Notifications<'_> {
    /// One page of `user`'s notifications, newest first.
    pub async fn list(&self, user: UserId, after: Option<&Cursor>, limit: i64) -> Result<Page<Notification>> {
        let limit = limit.clamp(1, 200);
        let sql = format!(
            "SELECT {COLUMNS} FROM notifications WHERE account_id = $1 AND user_id = $2 \
             AND ($3 IS NULL OR created_at < $3 OR (created_at = $3 AND id < $4)) \
             ORDER BY created_at DESC, id DESC LIMIT $5"
        );
        let mut items = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(user.to_string())
            .bind(after.map(|c| c.at))
            .bind(after.map(|c| c.id.clone()))
            .bind(limit + 1)
            .fetch_all(&self.tenant.store().read)
            .await?
            .iter()
            .map(notification_from)
            .collect::<Result<Vec<_>>>()?;
        let next = cut(&mut items, limit, |n| Cursor { at: n.created_at.timestamp_millis(), id: n.id.clone() });
        Ok(Page { items, next })
    }

    /// How many of `user`'s notifications are unread, counted up to [`UNREAD_CAP`].
    pub async fn unread_notifications(&self, user: UserId) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE account_id = $1 AND user_id = $2 \
             AND read_at IS NULL LIMIT $3) AS unread",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(user.to_string())
        .bind(UNREAD_CAP)
        .fetch_one(&self.tenant.store().read)
        .await?)
    }

    /// One notification of this account (for its email). Another account's id is NotFound.
    pub async fn notification(&self, id: &str) -> Result<Notification> {
        let sql = format!("SELECT {COLUMNS} FROM notifications WHERE account_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .fetch_one(&self.tenant.store().read)
            .await?;
        notification_from(&row)
    }

    /// Marks one of `user`'s notifications read and returns it; anyone else's is NotFound.
    pub async fn open_notification(&self, user: UserId, id: &str) -> Result<Notification> {
        let sql = format!(
            "UPDATE notifications SET read_at = COALESCE(read_at, $4) \
             WHERE account_id = $1 AND user_id = $2 AND id = $3 RETURNING {COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(user.to_string())
            .bind(id)
            .bind(self.tenant.store().now_ms())
            .fetch_one(&self.tenant.store().write)
            .await?;
        notification_from(&row)
    }

    /// Marks all of `user`'s notifications read; returns how many were unread.
    pub async fn mark_all_notifications_read(&self, user: UserId) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $3 WHERE account_id = $1 AND user_id = $2 AND read_at IS NULL",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(user.to_string())
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(done.rows_affected())
    }

    /// Members who hear of `kind` when it concerns the whole team and want it by email.
    pub async fn email_recipients(&self, kind: NotificationKind) -> Result<Vec<Member>> {
        let mut conn = self.tenant.store().read.acquire().await?;
        let wanted: Vec<UserId> = recipients(&mut conn, self.tenant.account_id(), kind, None)
            .await?
            .into_iter()
            .filter(|r| r.prefs.email.wants(kind))
            .map(|r| r.user)
            .collect();
        drop(conn);
        Ok(self.tenant.team().members().await?.into_iter().filter(|m| wanted.contains(&m.user_id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in [
            NotificationKind::Handoff,
            NotificationKind::Assigned,
            NotificationKind::Reservation,
            NotificationKind::Channel,
            NotificationKind::Unanswered,
            NotificationKind::Undelivered,
        ] {
            assert_eq!(NotificationKind::parse(k.as_str()).unwrap(), k);
        }
        assert!(NotificationKind::parse("other").is_err());
    }
}
