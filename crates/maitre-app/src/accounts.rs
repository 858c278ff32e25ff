//! Creating accounts and people: shared by the sign-up page and `maitre admin`, so both apply the same rules.
use maitre_domain::{AccountId, AccountSettings, Locale, Role, UserId};
use maitre_store::{NewAccount, Store, StoreError, TenantStore};

use crate::password::{self, PasswordError};

/// Why a sign-up or a new member was refused. The messages are for the person filling in the form.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("Enter a valid email address.")]
    Email,
    #[error("Enter your name (up to 100 characters).")]
    Name,
    #[error("{0}")]
    Settings(#[from] maitre_domain::SettingsError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("No maitre user has the email {0}. They need to sign up first (or invite them from the team page).")]
    NoSuchUser(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct SignUp<'a> {
    pub business_name: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub locale: Locale,
}

/// Validates an email address enough to catch typos; delivery proves the rest.
pub fn parse_email(email: &str) -> Result<String, AccountError> {
    maitre_domain::contacts::parse_email(email).map_err(|_| AccountError::Email)
}

pub fn parse_person_name(name: &str) -> Result<&str, AccountError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(AccountError::Name);
    }
    Ok(n)
}

/// A sign-up whose fields passed the rules: what the business starts from, and its owner.
pub struct CheckedSignUp {
    pub settings: AccountSettings,
    pub email: String,
    pub name: String,
    pub password_hash: String,
}

/// Applies the rules to a sign-up's fields. The time zone, country and currency start from the locale's defaults.
pub async fn check_sign_up(s: SignUp<'_>) -> Result<CheckedSignUp, AccountError> {
    let settings = AccountSettings::defaults_for(s.business_name, s.locale)?;
    let email = parse_email(s.email)?;
    let name = parse_person_name(s.name)?.to_owned();
    let password_hash = password::hash(s.password).await?;
    Ok(CheckedSignUp { settings, email, name, password_hash })
}

/// Creates a business with its owner at once (`maitre admin create-account`; the page confirms the email first).
pub async fn sign_up(store: &Store, s: SignUp<'_>) -> Result<(AccountId, UserId), AccountError> {
    let c = check_sign_up(s).await?;
    Ok(store
        .create_account_with_owner(NewAccount {
            settings: &c.settings,
            owner_email: &c.email,
            owner_name: &c.name,
            owner_password_hash: &c.password_hash,
        })
        .await?)
}

/// Adds a person to an account: an existing user by email, or a new user when a password is given.
pub async fn add_member(
    store: &Store,
    tenant: &TenantStore,
    email: &str,
    role: Role,
    new_user: Option<(&str, &str)>,
) -> Result<UserId, AccountError> {
    let email = parse_email(email)?;
    let user = match (store.user_by_email(&email).await, new_user) {
        (Ok(u), _) => u.id,
        (Err(StoreError::NotFound), Some((name, new_password))) => {
            let name = parse_person_name(name)?;
            store.create_user(&email, name, &password::hash(new_password).await?, Locale::En).await?.id
        }
        (Err(StoreError::NotFound), None) => return Err(AccountError::NoSuchUser(email)),
        (Err(e), _) => return Err(e.into()),
    };
    tenant.team().add_member(user, role).await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(parse_email(" Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in
            ["", "ada", "ada@", "@x.de", "a b@x.de", "ada@localhost", "ada@x.", &format!("{}@x.de", "a".repeat(260))]
        {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(parse_person_name("  Ada ").unwrap(), "Ada");
        assert!(parse_person_name(" ").is_err());
        assert!(parse_person_name(&"x".repeat(101)).is_err());
    }
}
