//! Password policy and hashing with argon2id (the crate's defaults follow OWASP's recommendation: 19 MiB, 2
//! passes). Shared by sign-up, invitations, resets and `maitre admin`, so all apply the same rules.
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

pub const MIN_LEN: usize = 10;
/// Bounds the work an attacker can request per sign-in attempt.
pub const MAX_LEN: usize = 256;

/// Why a password was not accepted. The messages are for the person choosing it.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("The password must be at least {MIN_LEN} characters long.")]
    TooShort,
    #[error("The password must be at most {MAX_LEN} characters long.")]
    TooLong,
    #[error("This is one of the most common passwords; choose another.")]
    Common,
    /// A change or reset must choose a new password.
    #[error("The new password must differ from the current one.")]
    Unchanged,
    /// Not the person's fault: hashing itself failed.
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Checks the policy, then hashes. The hash string carries algorithm, parameters and salt.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    if len > MAX_LEN {
        return Err(PasswordError::TooLong);
    }
    if is_common(password) {
        return Err(PasswordError::Common);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Whether `password` is on the embedded list of the most widely used ones (the first guesses of any attack).
fn is_common(password: &str) -> bool {
    static LIST: &str = include_str!("common_passwords.txt");
    let password = password.trim().to_lowercase();
    LIST.lines().filter(|l| !l.starts_with('#')).any(|l| l == password)
}

/// Constant-time verification against a stored hash; a malformed stored hash verifies nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > MAX_LEN * 4 {
        return false;
    }
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// `hash_password` on the blocking pool: argon2 spends tens of milliseconds of CPU, which would hold up every
/// request sharing the runtime's thread.
pub async fn hash(password: &str) -> Result<String, PasswordError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| PasswordError::Hashing(e.to_string()))?
}

/// `verify_password` on the blocking pool; `None` checks against `dummy_hash` (an unknown email costs the same).
pub async fn verify(password: &str, stored: Option<String>) -> Result<bool, PasswordError> {
    let password = password.to_owned();
    let check = move || match stored {
        Some(stored) => verify_password(&password, &stored),
        None => verify_password(&password, dummy_hash()),
    };
    tokio::task::spawn_blocking(check).await.map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// A hash to verify against when the email is unknown, so timing does not reveal which emails exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("not-a-real-password").unwrap_or_default());
    &DUMMY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn policy_is_enforced() {
        assert!(matches!(hash_password("short"), Err(PasswordError::TooShort)));
        assert!(matches!(hash_password(&"x".repeat(MAX_LEN + 1)), Err(PasswordError::TooLong)));
        assert!(matches!(hash_password("Password123"), Err(PasswordError::Common)), "common, whatever the case");
        assert!(matches!(hash_password("1234567890"), Err(PasswordError::Common)));
    }
}
