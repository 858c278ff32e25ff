//! The devices (browsers) on which a member receives web push, as their push services handed them out. Each device
//! is one member's in one business: signing up a phone for two businesses makes two rows.
use chrono::{DateTime, Utc};
use maitre_domain::UserId;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::from_ms;
use crate::notifications::Notifications;
use crate::{Result, StoreError};

/// The most devices one member keeps per business; subscribing one more forgets the oldest.
pub const DEVICES_PER_MEMBER: i64 = 10;

/// What a browser's `PushSubscription` holds, checked by the caller (an https endpoint, a P-256 key, a 16-byte
/// secret; both keys base64url as the browser gives them).
#[derive(Debug, Clone)]
pub struct NewPushSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

#[derive(Clone)]
pub struct PushSubscription {
    pub id: String,
    pub user_id: UserId,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: DateTime<Utc>,
}

/// The keys open a device's messages: never printed.
impl std::fmt::Debug for PushSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushSubscription").field("id", &self.id).field("user_id", &self.user_id).finish()
    }
}

const COLUMNS: &str = "id, user_id, endpoint, p256dh, auth, created_at";

fn subscription_from(r: &AnyRow) -> Result<PushSubscription> {
    Ok(PushSubscription {
        id: r.try_get("id")?,
        user_id: r.try_get::<String, _>("user_id")?.parse().map_err(StoreError::corrupt)?,
        endpoint: r.try_get("endpoint")?,
        p256dh: r.try_get("p256dh")?,
        auth: r.try_get("auth")?,
        created_at: from_ms(r.try_get("created_at")?),
    })
}

impl Notifications<'_> {
    /// Adds (or renews the keys of) one of `user`'s devices. Not a member: NotFound.
    pub async fn add_device(&self, user: UserId, new: &NewPushSubscription) -> Result<PushSubscription> {
        self.tenant.team().member(user).await?;
        let account = self.tenant.account_id().to_string();
        let mut tx = self.tenant.store().write.begin().await?;
        let sql = format!(
            "INSERT INTO push_subscriptions (id, account_id, user_id, endpoint, p256dh, auth, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id, user_id, endpoint) DO UPDATE SET \
             p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at RETURNING {COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&account)
            .bind(user.to_string())
            .bind(&new.endpoint)
            .bind(&new.p256dh)
            .bind(&new.auth)
            .bind(self.tenant.store().now_ms())
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM push_subscriptions WHERE account_id = $1 AND user_id = $2 AND id NOT IN \
             (SELECT id FROM push_subscriptions WHERE account_id = $1 AND user_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3)",
        )
        .bind(&account)
        .bind(user.to_string())
        .bind(DEVICES_PER_MEMBER)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        subscription_from(&row)
    }

    /// `user`'s devices, newest first.
    pub async fn devices(&self, user: UserId) -> Result<Vec<PushSubscription>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM push_subscriptions WHERE account_id = $1 AND user_id = $2 \
             ORDER BY created_at DESC, id DESC"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(user.to_string())
            .fetch_all(&self.tenant.store().read)
            .await?
            .iter()
            .map(subscription_from)
            .collect()
    }

    /// Removes one of `user`'s devices; anyone else's is NotFound.
    pub async fn remove_device(&self, user: UserId, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM push_subscriptions WHERE account_id = $1 AND user_id = $2 AND id = $3")
            .bind(self.tenant.account_id().to_string())
            .bind(user.to_string())
            .bind(id)
            .execute(&self.tenant.store().write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Forgets a device its push service no longer knows (gone, or no longer ours to reach).
    pub async fn forget_device(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM push_subscriptions WHERE account_id = $1 AND id = $2")
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .execute(&self.tenant.store().write)
            .await?;
        Ok(())
    }
}
