//! Creating accounts and finding which accounts a user belongs to: the only doors into a [`TenantStore`].
use maitre_domain::{AccountId, AccountSettings, ApiTokenId, Role, UserId};
use sqlx::FromRow;

use crate::secrets::hash_token;
use crate::tenant::TenantStore;
use crate::{Result, Store, StoreError};

/// What sign-up (and `maitre admin create-account`) provides.
pub struct NewAccount<'a> {
    pub settings: &'a AccountSettings,
    pub owner_email: &'a str,
    pub owner_name: &'a str,
    pub owner_password_hash: &'a str,
}

/// An account as shown in the account switcher.
#[derive(Debug, Clone)]
pub struct AccountSummary {
    pub id: AccountId,
    pub name: String,
    pub role: Role,
}

#[derive(FromRow)]
struct SummaryRow {
    id: String,
    name: String,
    role: String,
}

impl Store {
    /// Creates a business, its owner user and the owner membership in one transaction.
    pub async fn create_account_with_owner(&self, new: NewAccount<'_>) -> Result<(AccountId, UserId)> {
        let mut tx = self.writes.begin().await?;
        let created = insert_account_with_owner(&mut tx, &new, self.now_ms()).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Creates another business owned by an existing user (a user may run several).
    pub async fn create_account_for(&self, settings: &AccountSettings, owner: UserId) -> Result<AccountId> {
        let account = AccountId::new();
        let now = self.now_ms();
        let mut tx = self.writes.begin().await?;
        insert_account(&mut tx, account, settings, now).await?;
        insert_membership(&mut tx, account, owner, Role::Owner, now).await?;
        tx.commit().await?;
        Ok(account)
    }

    /// The accounts a user belongs to, for the switcher, oldest first.
    pub async fn accounts_of(&self, user: UserId) -> Result<Vec<AccountSummary>> {
        sqlx::query_as::<_, SummaryRow>(
            "SELECT a.id, a.name, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id \
             WHERE m.user_id = $1 ORDER BY m.created_at, a.id",
        )
        .bind(user.to_string())
        .fetch_all(&self.read)
        .await?
        .into_iter()
        .map(|r| {
            Ok(AccountSummary {
                id: r.id.parse().map_err(StoreError::corrupt)?,
                name: r.name,
                role: r.role.parse().map_err(StoreError::corrupt)?,
            })
        })
        .collect()
    }

    /// The tenant handle for a signed-in user's membership. Not a member (or no such account) → NotFound,
    /// so another account's ids look exactly like ids that do not exist.
    pub async fn tenant_for_member(&self, user: UserId, account: AccountId) -> Result<(TenantStore, Role)> {
        let role: String = sqlx::query_scalar("SELECT role FROM memberships WHERE account_id = $1 AND user_id = $2")
            .bind(account.to_string())
            .bind(user.to_string())
            .fetch_one(&self.read)
            .await?;
        Ok((TenantStore::new(self.clone(), account), role.parse().map_err(StoreError::corrupt)?))
    }

    /// The tenant handle an API token grants, with the token's role and id. Revoked or unknown → NotFound.
    pub async fn tenant_for_api_token(&self, token: &str) -> Result<(TenantStore, Role, ApiTokenId)> {
        let row = sqlx::query(
            "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL \
             RETURNING account_id, role, id",
        )
        .bind(hash_token(token))
        .bind(self.now_ms())
        .fetch_one(&self.write)
        .await?;
        use sqlx::Row;
        let account: String = row.try_get("account_id")?;
        let role: String = row.try_get("role")?;
        let id: String = row.try_get("id")?;
        Ok((
            TenantStore::new(self.clone(), account.parse().map_err(StoreError::corrupt)?),
            role.parse().map_err(StoreError::corrupt)?,
            id.parse().map_err(StoreError::corrupt)?,
        ))
    }

    /// Operator access for `maitre admin`: whoever runs the binary against the database already has all data.
    pub async fn tenant_for_operator(&self, account: AccountId) -> Result<TenantStore> {
        let _: String = sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1")
            .bind(account.to_string())
            .fetch_one(&self.read)
            .await?;
        Ok(TenantStore::new(self.clone(), account))
    }
}

/// A business, its owner user and the owner membership, inside the caller's transaction.
pub(crate) async fn insert_account_with_owner(
    tx: &mut sqlx::AnyConnection,
    new: &NewAccount<'_>,
    now: i64,
) -> Result<(AccountId, UserId)> {
    let (account, user) = (AccountId::new(), UserId::new());
    let s = new.settings;
    insert_account(tx, account, s, now).await?;
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, locale, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(user.to_string())
    .bind(crate::users::normalize_email(new.owner_email))
    .bind(new.owner_name.trim())
    .bind(new.owner_password_hash)
    .bind(s.locale.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    insert_membership(tx, account, user, Role::Owner, now).await?;
    Ok((account, user))
}

async fn insert_account(tx: &mut sqlx::AnyConnection, account: AccountId, s: &AccountSettings, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO accounts (id, name, time_zone, locale, country, currency, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(account.to_string())
    .bind(&s.name)
    .bind(&s.time_zone)
    .bind(s.locale.as_str())
    .bind(&s.country)
    .bind(s.currency.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::figures::count_in_zone(tx, account, &s.time_zone).await
}

pub(crate) async fn insert_membership(
    tx: &mut sqlx::AnyConnection,
    account: AccountId,
    user: UserId,
    role: Role,
    now: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(account.to_string())
        .bind(user.to_string())
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
