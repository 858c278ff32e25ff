//! The one tenant-scoped access path. A `TenantStore` is bound to one account id and every query it runs is
//! filtered by that id; it can only be made by `Store::tenant_for_*`: after a membership, API token or operator check,
//! or for a job this system enqueued for that account (from a verified webhook route).
use chrono::{DateTime, Utc};
use maitre_domain::permissions::can_assign_role;
use maitre_domain::{AccountId, AccountSettings, ApiTokenId, Currency, Role, UserId};
// `AssertSqlSafe` marks queries assembled from this file's constants only, never from input.
use sqlx::{AssertSqlSafe, FromRow};

use crate::clock::from_ms;
use crate::secrets::{hash_token, new_token};
use crate::{Backend, Result, Store, StoreError};

#[derive(Clone)]
pub struct TenantStore {
    store: Store,
    account: AccountId,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub settings: AccountSettings,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Who made an API token: a member's tokens go when the member goes (or loses the power to grant them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCreator {
    Member(UserId),
    /// Whoever runs `maitre admin` against the database.
    Operator,
}

/// What a removed or demoted member had handed out and lost with their power, for whoever made the change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Withdrawn {
    /// Names of the API tokens they created that were revoked.
    pub tokens: Vec<String>,
    /// Addresses of their pending invitations that were withdrawn.
    pub invites: Vec<String>,
}

#[derive(FromRow)]
struct AccountRow {
    id: String,
    name: String,
    time_zone: String,
    locale: String,
    country: String,
    currency: String,
    created_at: i64,
}

#[derive(FromRow)]
struct MemberRow {
    user_id: String,
    email: String,
    name: String,
    role: String,
    created_at: i64,
}

#[derive(FromRow)]
struct TokenRow {
    id: String,
    name: String,
    role: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(StoreError::corrupt)
}

impl TenantStore {
    /// The store's clock (manual in tests), for callers that simulate at "now".
    pub fn now(&self) -> DateTime<Utc> {
        self.store().clock().now()
    }

    pub(crate) fn new(store: Store, account: AccountId) -> Self {
        Self { store, account }
    }

    pub fn account_id(&self) -> AccountId {
        self.account
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    fn id(&self) -> String {
        self.account.to_string()
    }

    pub async fn account(&self) -> Result<Account> {
        let r = sqlx::query_as::<_, AccountRow>(
            "SELECT id, name, time_zone, locale, country, currency, created_at FROM accounts WHERE id = $1",
        )
        .bind(self.id())
        .fetch_one(&self.store.read)
        .await?;
        Ok(Account {
            id: parse(&r.id)?,
            settings: AccountSettings {
                name: r.name,
                time_zone: r.time_zone,
                locale: parse(&r.locale)?,
                country: r.country,
                currency: Currency::parse(&r.currency).map_err(StoreError::corrupt)?,
            },
            created_at: from_ms(r.created_at),
        })
    }

    /// Saves the settings; a new time zone recounts the business's figures on its new days (a business with a
    /// year of traffic takes seconds).
    pub async fn update_settings(&self, s: &AccountSettings) -> Result<()> {
        let mut tx = self.store.writes.begin().await?;
        sqlx::query(
            "UPDATE accounts SET name = $2, time_zone = $3, locale = $4, country = $5, currency = $6 WHERE id = $1",
        )
        .bind(self.id())
        .bind(&s.name)
        .bind(&s.time_zone)
        .bind(s.locale.as_str())
        .bind(&s.country)
        .bind(s.currency.as_str())
        .execute(&mut *tx)
        .await?;
        crate::figures::count_in_zone(&mut tx, self.account, &s.time_zone).await?;
        tx.commit().await?;
        self.config_changed();
        Ok(())
    }
}

/// One business's team: its members and their roles, and its API tokens (invitations in `invites.rs`). Handed out
/// by `TenantStore::team`, so every query and change is the business's own.
pub struct Team<'t> {
    pub(crate) tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn team(&self) -> Team<'_> {
        Team { tenant: self }
    }
}

impl Team<'_> {
    /// One member; a user of another account is NotFound.
    pub async fn member(&self, user: UserId) -> Result<Member> {
        let q = format!("{MEMBER_SELECT} AND m.user_id = $2");
        let r = sqlx::query_as::<_, MemberRow>(AssertSqlSafe(q))
            .bind(self.tenant.id())
            .bind(user.to_string())
            .fetch_one(&self.tenant.store.read)
            .await?;
        member_from(r)
    }

    pub async fn members(&self) -> Result<Vec<Member>> {
        let q = format!("{MEMBER_SELECT} ORDER BY m.created_at, u.email");
        sqlx::query_as::<_, MemberRow>(AssertSqlSafe(q))
            .bind(self.tenant.id())
            .fetch_all(&self.tenant.store.read)
            .await?
            .into_iter()
            .map(member_from)
            .collect()
    }

    /// Adds an existing user with `role`. Already a member → Conflict.
    pub async fn add_member(&self, user: UserId, role: Role) -> Result<()> {
        let mut tx = self.tenant.store.writes.begin().await?;
        crate::accounts::insert_membership(&mut tx, self.tenant.account, user, role, self.tenant.store.now_ms())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a member's role, revoking the API tokens and pending invitations they made with a role they may no
    /// longer grant. Demoting the last owner is refused (Conflict "last_owner").
    pub async fn set_role(&self, user: UserId, role: Role) -> Result<Withdrawn> {
        let mut tx = self.tenant.store.writes.begin().await?;
        lock_team(&mut tx, self.tenant.store.backend, self.tenant.account).await?;
        let done = sqlx::query("UPDATE memberships SET role = $3 WHERE account_id = $1 AND user_id = $2")
            .bind(self.tenant.id())
            .bind(user.to_string())
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        ensure_an_owner(&mut tx, self.tenant.account).await?;
        let beyond: Vec<Role> = Role::ALL.into_iter().filter(|r| !can_assign_role(role, *r)).collect();
        let withdrawn = self.withdraw(&mut tx, user, &beyond).await?;
        tx.commit().await?;
        Ok(withdrawn)
    }

    /// Removes a member with every API token and pending invitation they made. Removing the last owner is
    /// refused (Conflict "last_owner").
    pub async fn remove_member(&self, user: UserId) -> Result<Withdrawn> {
        let mut tx = self.tenant.store.writes.begin().await?;
        lock_team(&mut tx, self.tenant.store.backend, self.tenant.account).await?;
        let done = sqlx::query("DELETE FROM memberships WHERE account_id = $1 AND user_id = $2")
            .bind(self.tenant.id())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        ensure_an_owner(&mut tx, self.tenant.account).await?;
        let withdrawn = self.withdraw(&mut tx, user, &Role::ALL).await?;
        tx.commit().await?;
        Ok(withdrawn)
    }

    /// Revokes `user`'s live API tokens and pending invitations that carry one of `roles`.
    async fn withdraw(&self, tx: &mut sqlx::AnyConnection, user: UserId, roles: &[Role]) -> Result<Withdrawn> {
        let tokens = self.revoke_made_by(tx, user, roles, "api_tokens", "name", "created_by = $2").await?;
        let pending = "invited_by = $2 AND accepted_at IS NULL";
        let invites = self.revoke_made_by(tx, user, roles, "invites", "email", pending).await?;
        Ok(Withdrawn { tokens, invites })
    }

    /// Revokes the live rows of `table` that `made_by` picks and that carry one of `roles`; returns their `shown`
    /// column, sorted. The names come from `withdraw`'s constants only.
    async fn revoke_made_by(
        &self,
        tx: &mut sqlx::AnyConnection,
        user: UserId,
        roles: &[Role],
        table: &str,
        shown: &str,
        made_by: &str,
    ) -> Result<Vec<String>> {
        if roles.is_empty() {
            return Ok(vec![]);
        }
        let listed = (0..roles.len()).map(|i| format!("${}", i + 4)).collect::<Vec<_>>().join(", ");
        let q = format!(
            "UPDATE {table} SET revoked_at = $3 WHERE account_id = $1 AND {made_by} AND revoked_at IS NULL \
             AND role IN ({listed}) RETURNING {shown}"
        );
        let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(q))
            .bind(self.tenant.id())
            .bind(user.to_string())
            .bind(self.tenant.store.now_ms());
        for r in roles {
            query = query.bind(r.as_str());
        }
        let mut names = query.fetch_all(&mut *tx).await?;
        names.sort();
        Ok(names)
    }

    /// Creates an API token and returns it with its secret, which is shown once and stored only as a hash.
    pub async fn create_api_token(&self, name: &str, role: Role, by: TokenCreator) -> Result<(ApiToken, String)> {
        let id = ApiTokenId::new();
        let secret = new_token("mt");
        let now = self.tenant.store.now_ms();
        let creator = match by {
            TokenCreator::Member(user) => Some(user.to_string()),
            TokenCreator::Operator => None,
        };
        sqlx::query(
            "INSERT INTO api_tokens (account_id, id, name, role, token_hash, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.tenant.id())
        .bind(id.to_string())
        .bind(name.trim())
        .bind(role.as_str())
        .bind(hash_token(&secret))
        .bind(now)
        .bind(creator)
        .execute(&self.tenant.store.write)
        .await?;
        let token = ApiToken { id, name: name.trim().to_owned(), role, created_at: from_ms(now), last_used_at: None };
        Ok((token, secret))
    }

    /// Tokens that are not revoked, newest first.
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        sqlx::query_as::<_, TokenRow>(
            "SELECT id, name, role, created_at, last_used_at FROM api_tokens \
             WHERE account_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC",
        )
        .bind(self.tenant.id())
        .fetch_all(&self.tenant.store.read)
        .await?
        .into_iter()
        .map(|r| {
            Ok(ApiToken {
                id: parse(&r.id)?,
                name: r.name,
                role: parse(&r.role)?,
                created_at: from_ms(r.created_at),
                last_used_at: r.last_used_at.map(from_ms),
            })
        })
        .collect()
    }

    pub async fn revoke_api_token(&self, id: ApiTokenId) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $3 WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(self.tenant.id())
        .bind(id.to_string())
        .bind(self.tenant.store.now_ms())
        .execute(&self.tenant.store.write)
        .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}

const MEMBER_SELECT: &str = "SELECT m.user_id, u.email, u.name, m.role, m.created_at \
     FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = $1";

fn member_from(r: MemberRow) -> Result<Member> {
    Ok(Member {
        user_id: parse(&r.user_id)?,
        email: r.email,
        name: r.name,
        role: parse(&r.role)?,
        joined_at: from_ms(r.created_at),
    })
}

/// Serialises changes to one account's team, so that two concurrent demotions cannot each see the other owner and
/// leave none. SQLite's single writer already runs write transactions one at a time. `NO KEY UPDATE` leaves rows
/// referencing the account free to be written meanwhile.
async fn lock_team(tx: &mut sqlx::AnyConnection, backend: Backend, account: AccountId) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE")
            .bind(account.to_string())
            .fetch_one(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Every account keeps at least one owner; checked inside the changing transaction.
async fn ensure_an_owner(tx: &mut sqlx::AnyConnection, account: AccountId) -> Result<()> {
    let owners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE account_id = $1 AND role = 'owner'")
        .bind(account.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if owners == 0 {
        return Err(StoreError::Conflict { constraint: "last_owner".into() });
    }
    Ok(())
}
