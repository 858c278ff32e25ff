//! Sign-ups waiting for their email address to be confirmed. The sign-up form answers the same whether or not an
//! address is registered; the account is created only from the link mailed to the address.
use chrono::TimeDelta;
use maitre_domain::{AccountId, AccountSettings, Locale, UserId};
use sqlx::FromRow;

use crate::accounts::{NewAccount, insert_account_with_owner};
use crate::clock::to_ms;
use crate::secrets::hash_token;
use crate::{Result, Store, StoreError};

/// What the sign-up form collected (the password already hashed).
pub struct NewSignup<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub business_name: &'a str,
    pub locale: Locale,
    pub password_hash: &'a str,
}

/// A pending sign-up as its confirmation page shows it.
#[derive(Debug, Clone)]
pub struct SignupRequest {
    pub email: String,
    pub name: String,
    pub business_name: String,
    pub locale: Locale,
}

#[derive(FromRow)]
struct Row {
    email: String,
    name: String,
    business_name: String,
    locale: String,
    password_hash: String,
}

impl Row {
    fn request(&self) -> Result<SignupRequest> {
        Ok(SignupRequest {
            email: self.email.clone(),
            name: self.name.clone(),
            business_name: self.business_name.clone(),
            locale: self.locale.parse().map_err(StoreError::corrupt)?,
        })
    }
}

impl Store {
    /// Keeps a sign-up until `token` confirms it or `valid_for` has passed.
    pub async fn create_signup_request(&self, new: NewSignup<'_>, token: &str, valid_for: TimeDelta) -> Result<()> {
        let now = self.now_ms();
        sqlx::query(
            "INSERT INTO signup_requests (token_hash, email, name, business_name, locale, password_hash, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(hash_token(token))
        .bind(crate::users::normalize_email(new.email))
        .bind(new.name.trim())
        .bind(new.business_name.trim())
        .bind(new.locale.as_str())
        .bind(new.password_hash)
        .bind(now)
        .bind(to_ms(self.clock.now() + valid_for))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The unexpired sign-up `token` confirms, without using it up.
    pub async fn signup_request(&self, token: &str) -> Result<SignupRequest> {
        let row: Row = sqlx::query_as(
            "SELECT email, name, business_name, locale, password_hash FROM signup_requests \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(hash_token(token))
        .bind(self.now_ms())
        .fetch_one(&self.read)
        .await?;
        row.request()
    }

    /// Creates the business and its owner from the sign-up `token` confirms, using the token up, in one
    /// transaction. `NotFound` for an unknown, used or expired token; `Conflict` when the address was registered
    /// meanwhile (the request is kept then, and expires).
    pub async fn confirm_signup(&self, token: &str) -> Result<(AccountId, UserId, SignupRequest)> {
        let now = self.now_ms();
        let mut tx = self.writes.begin().await?;
        let row: Row = sqlx::query_as(
            "DELETE FROM signup_requests WHERE token_hash = $1 AND expires_at > $2 \
             RETURNING email, name, business_name, locale, password_hash",
        )
        .bind(hash_token(token))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let request = row.request()?;
        let settings =
            AccountSettings::defaults_for(&request.business_name, request.locale).map_err(StoreError::corrupt)?;
        let new = NewAccount {
            settings: &settings,
            owner_email: &row.email,
            owner_name: &row.name,
            owner_password_hash: &row.password_hash,
        };
        let (account, user) = insert_account_with_owner(&mut tx, &new, now).await?;
        tx.commit().await?;
        Ok((account, user, request))
    }
}
