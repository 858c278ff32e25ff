//! People and their sign-in state. Users are global (one person, several accounts); nothing here is tenant data.
use chrono::{DateTime, TimeDelta, Utc};
use maitre_domain::{Locale, UserId};
// `AssertSqlSafe` marks queries assembled from this file's constants only, never from input.
use sqlx::{AssertSqlSafe, FromRow};

use crate::clock::{from_ms, to_ms};
use crate::secrets::hash_token;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub locale: Locale,
    /// The IANA zone the member reads times in; empty: the business's.
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    locale: String,
    time_zone: String,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self> {
        Ok(User {
            id: r.id.parse().map_err(StoreError::corrupt)?,
            email: r.email,
            name: r.name,
            locale: r.locale.parse().unwrap_or_default(),
            time_zone: r.time_zone,
            created_at: from_ms(r.created_at),
        })
    }
}

/// A signed-in browser, as listed on the sessions page. The cookie's secret is never stored, only its hash.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub user_agent: String,
    pub ip: String,
}

#[derive(FromRow)]
struct SessionRow {
    id: String,
    user_id: String,
    created_at: i64,
    last_seen_at: i64,
    user_agent: String,
    ip: String,
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Self> {
        Ok(Session {
            id: r.id,
            user_id: r.user_id.parse().map_err(StoreError::corrupt)?,
            created_at: from_ms(r.created_at),
            last_seen_at: from_ms(r.last_seen_at),
            user_agent: r.user_agent,
            ip: r.ip,
        })
    }
}

const USER_COLUMNS: &str = "id, email, name, locale, time_zone, created_at";
const SESSION_COLUMNS: &str = "id, user_id, created_at, last_seen_at, user_agent, ip";

/// Emails are compared case-insensitively: stored lower-cased and trimmed.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    pub async fn user_by_id(&self, id: UserId) -> Result<User> {
        let q = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        sqlx::query_as::<_, UserRow>(AssertSqlSafe(q)).bind(id.to_string()).fetch_one(&self.read).await?.try_into()
    }

    pub async fn user_by_email(&self, email: &str) -> Result<User> {
        let q = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        sqlx::query_as::<_, UserRow>(AssertSqlSafe(q))
            .bind(normalize_email(email))
            .fetch_one(&self.read)
            .await?
            .try_into()
    }

    /// The user and their password hash, for verifying a sign-in.
    pub async fn credentials(&self, email: &str) -> Result<(User, String)> {
        let q = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1");
        let row = sqlx::query(AssertSqlSafe(q)).bind(normalize_email(email)).fetch_one(&self.read).await?;
        let hash: String = sqlx::Row::try_get(&row, "password_hash")?;
        Ok((UserRow::from_row(&row)?.try_into()?, hash))
    }

    pub async fn create_user(&self, email: &str, name: &str, password_hash: &str, locale: Locale) -> Result<User> {
        let id = UserId::new();
        let now = self.now_ms();
        let q = format!(
            "INSERT INTO users (id, email, name, password_hash, locale, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {USER_COLUMNS}"
        );
        sqlx::query_as::<_, UserRow>(AssertSqlSafe(q))
            .bind(id.to_string())
            .bind(normalize_email(email))
            .bind(name.trim())
            .bind(password_hash)
            .bind(locale.as_str())
            .bind(now)
            .fetch_one(&self.write)
            .await?
            .try_into()
    }

    pub async fn update_profile(&self, id: UserId, name: &str, locale: Locale) -> Result<()> {
        let done = sqlx::query("UPDATE users SET name = $2, locale = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(name.trim())
            .bind(locale.as_str())
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// The zone the member reads times in (checked by the caller; empty: the business's).
    pub async fn set_time_zone(&self, id: UserId, zone: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET time_zone = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(zone)
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Sets a new password hash and ends every session of the user, in one transaction.
    pub async fn set_password(&self, id: UserId, password_hash: &str) -> Result<()> {
        let mut tx = self.writes.begin().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1")
            .bind(id.to_string())
            .bind(password_hash)
            .bind(self.now_ms())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
        tx.commit().await?;
        self.publish_session_end(id, None).await;
        Ok(())
    }

    /// Starts a session for `token` (the cookie value, which is not stored).
    pub async fn create_session(&self, user: UserId, token: &str, user_agent: &str, ip: &str) -> Result<Session> {
        let now = self.now_ms();
        let q = format!(
            "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, user_agent, ip) \
             VALUES ($1, $2, $3, $4, $4, $5, $6) RETURNING {SESSION_COLUMNS}"
        );
        sqlx::query_as::<_, SessionRow>(AssertSqlSafe(q))
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(hash_token(token))
            .bind(user.to_string())
            .bind(now)
            .bind(truncate(user_agent, 300))
            .bind(truncate(ip, 64))
            .fetch_one(&self.write)
            .await?
            .try_into()
    }

    /// The live session for a cookie token, or NotFound if unknown or idle for longer than `idle`.
    /// `last_seen_at` is refreshed at most once a minute so page views do not each cost a write.
    pub async fn session_by_token(&self, token: &str, idle: TimeDelta) -> Result<(Session, User)> {
        let q = "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.user_agent, s.ip, \
             u.id AS u_id, u.email, u.name, u.locale, u.time_zone, u.created_at AS u_created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1";
        let row = sqlx::query(q).bind(hash_token(token)).fetch_one(&self.read).await?;
        let session: Session = SessionRow::from_row(&row)?.try_into()?;
        use sqlx::Row;
        let user: User = UserRow {
            id: row.try_get("u_id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            locale: row.try_get("locale")?,
            time_zone: row.try_get("time_zone")?,
            created_at: row.try_get("u_created_at")?,
        }
        .try_into()?;
        let now = self.clock.now();
        if now - session.last_seen_at > idle {
            self.delete_session(session.user_id, &session.id).await?;
            return Err(StoreError::NotFound);
        }
        if now - session.last_seen_at > TimeDelta::minutes(1) {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
                .bind(&session.id)
                .bind(to_ms(now))
                .execute(&self.write)
                .await?;
        }
        Ok((session, user))
    }

    pub async fn sessions_of(&self, user: UserId) -> Result<Vec<Session>> {
        let q = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC");
        sqlx::query_as::<_, SessionRow>(AssertSqlSafe(q))
            .bind(user.to_string())
            .fetch_all(&self.read)
            .await?
            .into_iter()
            .map(Session::try_from)
            .collect()
    }

    /// Ends one session of `user`; another user's session id is NotFound.
    pub async fn delete_session(&self, user: UserId, session_id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(session_id)
            .bind(user.to_string())
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.publish_session_end(user, Some(session_id)).await;
        Ok(())
    }

    /// Stores a one-time reset link (by hash) valid for `valid_for`.
    pub async fn create_password_reset(&self, user: UserId, token: &str, valid_for: TimeDelta) -> Result<()> {
        sqlx::query("INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(hash_token(token))
            .bind(user.to_string())
            .bind(to_ms(self.clock.now() + valid_for))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The user a reset link belongs to if it is unused and unexpired (without using it up).
    pub async fn password_reset_user(&self, token: &str) -> Result<UserId> {
        let user: String = sqlx::query_scalar(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(hash_token(token))
        .bind(self.now_ms())
        .fetch_one(&self.read)
        .await?;
        user.parse().map_err(StoreError::corrupt)
    }

    /// Uses a reset link: sets the password and ends all sessions, atomically; a second use is NotFound.
    pub async fn redeem_password_reset(&self, token: &str, password_hash: &str) -> Result<UserId> {
        let now = self.now_ms();
        let user: String = sqlx::query_scalar(
            "UPDATE password_resets SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
        )
        .bind(hash_token(token))
        .bind(now)
        .fetch_one(&self.write)
        .await?;
        let user: UserId = user.parse().map_err(StoreError::corrupt)?;
        self.set_password(user, password_hash).await?;
        Ok(user)
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}
