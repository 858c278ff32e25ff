//! Team invitations. A member with the right creates one for an email address and role; the link carries a
//! random token stored only as a hash, works once, expires, and can be revoked. Accepting is reached by the
//! token alone (the link is the proof), like a password-reset link.
use chrono::{DateTime, TimeDelta, Utc};
use maitre_domain::{AccountId, Locale, Role, UserId};
use sqlx::Row;

use crate::accounts::insert_membership;
use crate::clock::{from_ms, to_ms};
use crate::secrets::hash_token;
use crate::tenant::Team;
use crate::users::normalize_email;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone)]
pub struct Invite {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub invited_by: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteState {
    Open,
    Expired,
    Used,
    Revoked,
}

/// What an invitation link leads to.
#[derive(Debug, Clone)]
pub struct InviteLink {
    pub account_id: AccountId,
    pub account_name: String,
    pub email: String,
    pub role: Role,
    pub state: InviteState,
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(StoreError::corrupt)
}

impl Team<'_> {
    /// Records an invitation for `token` (sent by email, not stored). A pending invitation for the same address
    /// is replaced, so only the newest link works.
    pub async fn create_invite(
        &self,
        email: &str,
        role: Role,
        by: UserId,
        token: &str,
        valid_for: TimeDelta,
    ) -> Result<Invite> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().clock().now();
        let email = normalize_email(email);
        let mut tx = self.tenant.store().writes.begin().await?;
        sqlx::query(
            "UPDATE invites SET revoked_at = $3 WHERE account_id = $1 AND email = $2 AND accepted_at IS NULL \
             AND revoked_at IS NULL",
        )
        .bind(&account)
        .bind(&email)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        let invite = Invite {
            id: uuid::Uuid::now_v7().to_string(),
            email,
            role,
            invited_by: by,
            created_at: now,
            expires_at: now + valid_for,
        };
        sqlx::query(
            "INSERT INTO invites (account_id, id, email, role, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&account)
        .bind(&invite.id)
        .bind(&invite.email)
        .bind(role.as_str())
        .bind(hash_token(token))
        .bind(by.to_string())
        .bind(to_ms(invite.created_at))
        .bind(to_ms(invite.expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(invite)
    }

    /// Invitations neither accepted nor revoked (expired ones included, so they can be re-sent), newest first.
    pub async fn pending_invites(&self) -> Result<Vec<Invite>> {
        let rows = sqlx::query(
            "SELECT id, email, role, invited_by, created_at, expires_at FROM invites WHERE account_id = $1 \
             AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at DESC, id DESC",
        )
        .bind(self.tenant.account_id().to_string())
        .fetch_all(&self.tenant.store().read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Invite {
                    id: r.try_get("id")?,
                    email: r.try_get("email")?,
                    role: parse(&r.try_get::<String, _>("role")?)?,
                    invited_by: parse(&r.try_get::<String, _>("invited_by")?)?,
                    created_at: from_ms(r.try_get("created_at")?),
                    expires_at: from_ms(r.try_get("expires_at")?),
                })
            })
            .collect()
    }

    pub async fn revoke_invite(&self, id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE invites SET revoked_at = $3 WHERE account_id = $1 AND id = $2 AND accepted_at IS NULL \
             AND revoked_at IS NULL",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}

impl Store {
    /// The invitation a link's token belongs to, in whatever state it is. Unknown token → NotFound.
    pub async fn invite_by_token(&self, token: &str) -> Result<InviteLink> {
        let r = sqlx::query(
            "SELECT i.account_id, a.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at \
             FROM invites i JOIN accounts a ON a.id = i.account_id WHERE i.token_hash = $1",
        )
        .bind(hash_token(token))
        .fetch_one(&self.read)
        .await?;
        let state = if r.try_get::<Option<i64>, _>("accepted_at")?.is_some() {
            InviteState::Used
        } else if r.try_get::<Option<i64>, _>("revoked_at")?.is_some() {
            InviteState::Revoked
        } else if r.try_get::<i64, _>("expires_at")? <= self.now_ms() {
            InviteState::Expired
        } else {
            InviteState::Open
        };
        Ok(InviteLink {
            account_id: parse(&r.try_get::<String, _>("account_id")?)?,
            account_name: r.try_get("name")?,
            email: r.try_get("email")?,
            role: parse(&r.try_get::<String, _>("role")?)?,
            state,
        })
    }

    /// Uses up an open invitation inside `tx` and makes `user` a member, if the invitation is for `email`
    /// (else Conflict `invite_email`). NotFound when it is unknown, used, revoked or expired.
    async fn claim_invite(
        &self,
        tx: &mut sqlx::AnyConnection,
        token: &str,
        user: UserId,
        email: &str,
    ) -> Result<AccountId> {
        let now = self.now_ms();
        let r = sqlx::query(
            "UPDATE invites SET accepted_at = $2, accepted_by = $3 WHERE token_hash = $1 AND accepted_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $2 RETURNING account_id, email, role",
        )
        .bind(hash_token(token))
        .bind(now)
        .bind(user.to_string())
        .fetch_one(&mut *tx)
        .await?;
        if r.try_get::<String, _>("email")? != email {
            return Err(StoreError::Conflict { constraint: "invite_email".into() });
        }
        let account: AccountId = parse(&r.try_get::<String, _>("account_id")?)?;
        insert_membership(tx, account, user, parse(&r.try_get::<String, _>("role")?)?, now).await?;
        Ok(account)
    }

    /// A signed-in user accepts: they join the account with the invited role. The invitation names one email
    /// address; another user is refused (Conflict `invite_email`) and the link stays usable.
    pub async fn accept_invite(&self, token: &str, user: UserId) -> Result<AccountId> {
        let me = self.user_by_id(user).await?;
        let mut tx = self.writes.begin().await?;
        let account = self.claim_invite(&mut tx, token, user, &me.email).await?;
        tx.commit().await?;
        Ok(account)
    }

    /// A new person accepts: their user (with the invited email) and membership are created with the claim, in
    /// one transaction.
    pub async fn accept_invite_as_new_user(
        &self,
        token: &str,
        name: &str,
        password_hash: &str,
        locale: Locale,
    ) -> Result<(AccountId, UserId)> {
        let user = UserId::new();
        let now = self.now_ms();
        let mut tx = self.writes.begin().await?;
        let email: String = sqlx::query_scalar("SELECT email FROM invites WHERE token_hash = $1")
            .bind(hash_token(token))
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, locale, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(user.to_string())
        .bind(&email)
        .bind(name.trim())
        .bind(password_hash)
        .bind(locale.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let account = self.claim_invite(&mut tx, token, user, &email).await?;
        tx.commit().await?;
        Ok((account, user))
    }
}
