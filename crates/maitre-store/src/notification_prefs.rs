//! Each member's choice of which notifications reach them by email and which are pushed to their devices.
use maitre_domain::{Role, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{NotificationKind, Notifications};
use crate::{Result, StoreError};

/// Which kinds of notification a member wants one way (by email, or pushed to their devices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub handoff: bool,
    pub assigned: bool,
    pub reservation: bool,
}

impl Choice {
    pub const ALL: Choice = Choice { handoff: true, assigned: true, reservation: true };

    pub fn wants(self, kind: NotificationKind) -> bool {
        match kind {
            // A question nobody answered, or a reply that did not reach them: the guest waits for the team as a
            // handed-over guest does.
            NotificationKind::Handoff | NotificationKind::Unanswered | NotificationKind::Undelivered => self.handoff,
            NotificationKind::Assigned => self.assigned,
            NotificationKind::Reservation => self.reservation,
            // A channel that stopped answering guests is not optional news for those who can fix it.
            NotificationKind::Channel => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefs {
    pub email: Choice,
    pub push: Choice,
}

impl Prefs {
    /// Until a member chooses: a guest waiting and a conversation given to you are worth an email to everyone;
    /// reservation emails go to owners and admins, as they always did. A device a member subscribed gets every
    /// kind: subscribing was the choice.
    pub fn defaults(role: Role) -> Self {
        let email = Choice { handoff: true, assigned: true, reservation: matches!(role, Role::Owner | Role::Admin) };
        Prefs { email, push: Choice::ALL }
    }
}

/// The columns [`prefs_from`] reads, of `notification_prefs p`.
pub(crate) const PREF_COLUMNS: &str = "p.email_handoff, p.email_assigned, p.email_reservation, \
     p.push_handoff, p.push_assigned, p.push_reservation";

pub(crate) fn prefs_from(r: &AnyRow, role: Role) -> Result<Prefs> {
    let saved: Option<i64> = r.try_get("email_handoff")?;
    if saved.is_none() {
        return Ok(Prefs::defaults(role));
    }
    let flag = |column: &str| -> Result<bool> { Ok(r.try_get::<i64, _>(column)? != 0) };
    Ok(Prefs {
        email: Choice {
            handoff: flag("email_handoff")?,
            assigned: flag("email_assigned")?,
            reservation: flag("email_reservation")?,
        },
        push: Choice {
            handoff: flag("push_handoff")?,
            assigned: flag("push_assigned")?,
            reservation: flag("push_reservation")?,
        },
    })
}

impl Notifications<'_> {
    /// A member's choices (their role's defaults until they chose). Not a member: NotFound.
    pub async fn prefs(&self, user: UserId) -> Result<Prefs> {
        let sql = format!(
            "SELECT m.role, {PREF_COLUMNS} FROM memberships m \
             LEFT JOIN notification_prefs p ON p.account_id = m.account_id AND p.user_id = m.user_id \
             WHERE m.account_id = $1 AND m.user_id = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(user.to_string())
            .fetch_one(&self.tenant.store().read)
            .await?;
        let role: Role = row.try_get::<String, _>("role")?.parse().map_err(StoreError::corrupt)?;
        prefs_from(&row, role)
    }

    /// Saves a member's choices. Not a member: NotFound.
    pub async fn set_prefs(&self, user: UserId, prefs: Prefs) -> Result<()> {
        self.tenant.team().member(user).await?;
        sqlx::query(
            "INSERT INTO notification_prefs (account_id, user_id, email_handoff, email_assigned, email_reservation, \
             push_handoff, push_assigned, push_reservation, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (account_id, user_id) DO UPDATE SET email_handoff = excluded.email_handoff, \
             email_assigned = excluded.email_assigned, email_reservation = excluded.email_reservation, \
             push_handoff = excluded.push_handoff, push_assigned = excluded.push_assigned, \
             push_reservation = excluded.push_reservation, updated_at = excluded.updated_at",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(user.to_string())
        .bind(i64::from(prefs.email.handoff))
        .bind(i64::from(prefs.email.assigned))
        .bind(i64::from(prefs.email.reservation))
        .bind(i64::from(prefs.push.handoff))
        .bind(i64::from(prefs.push.assigned))
        .bind(i64::from(prefs.push.reservation))
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_keep_reservation_emails_with_owners_and_admins_and_push_everything() {
        for role in Role::ALL {
            let d = Prefs::defaults(role);
            assert!(d.email.wants(NotificationKind::Handoff) && d.email.wants(NotificationKind::Assigned));
            assert_eq!(d.email.wants(NotificationKind::Reservation), matches!(role, Role::Owner | Role::Admin));
            assert_eq!(d.push, Choice::ALL);
        }
        let none = Choice { handoff: false, assigned: false, reservation: false };
        assert!(none.wants(NotificationKind::Channel), "channel trouble always reaches those who can fix it");
        assert!(!none.wants(NotificationKind::Unanswered));
    }
}
