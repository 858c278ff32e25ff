//! Channel credentials and mail waiting in the job queue, at rest: XChaCha20-Poly1305 with a key derived from the
//! secret key for each purpose; credentials are bound to the owning account (associated data), so a ciphertext
//! copied into another account's row does not open.
//!
//! Rotation: start with the new `secret_key` and the old one in `previous_secret_keys`; everything still opens,
//! and every credential written from then on (reconnect, verify) uses the new key. Each ciphertext names its key.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use maitre_channels::outbound::InstagramLogin;
use maitre_domain::AccountId;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a channel needs to act on the platform. Never logged: `Debug` is redacted.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credentials {
    pub access_token: String,
    #[serde(default)]
    pub instagram_login: InstagramLogin,
    /// Telegram's `secret_token` for webhook calls.
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

impl Credentials {
    /// The platform account of `channel`, acted for with these credentials.
    pub fn target<'a>(&'a self, channel: &'a maitre_store::Channel) -> maitre_channels::outbound::Channel<'a> {
        maitre_channels::outbound::Channel {
            platform: channel.platform,
            account_key: &channel.external_id,
            access_token: &self.access_token,
            instagram_login: self.instagram_login,
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(***)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("sealed data is not in a known format")]
    Format,
    #[error("sealed data was sealed with a key this node does not have (key {0})")]
    UnknownKey(String),
    #[error("sealed data does not open with its key: corrupted or moved between accounts")]
    Corrupt,
}

/// Seals and opens channel credentials (bound to their account) and queued mail. The first key seals; all keys
/// open. Each purpose has its own derived key, so one kind of ciphertext never opens as another.
pub struct Vault {
    credentials: Sealer,
    mail: Sealer,
}

impl Vault {
    pub fn new(current: &[u8], previous: &[&[u8]]) -> Self {
        Self {
            credentials: Sealer::new(b"maitre/channel-credentials/v1", current, previous),
            mail: Sealer::new(b"maitre/queued-mail/v1", current, previous),
        }
    }

    pub fn seal(&self, account: AccountId, creds: &Credentials) -> String {
        let plain = serde_json::to_vec(creds).expect("credentials serialize");
        self.credentials.seal(account.to_string().as_bytes(), &plain)
    }

    pub fn open(&self, account: AccountId, sealed: &str) -> Result<Credentials, VaultError> {
        let plain = self.credentials.open(account.to_string().as_bytes(), sealed)?;
        serde_json::from_slice(&plain).map_err(|_| VaultError::Corrupt)
    }

    /// Whether a ciphertext was sealed with an older key (to re-seal it on the next write).
    pub fn is_stale(&self, sealed: &str) -> bool {
        self.credentials.is_stale(sealed)
    }

    /// Seals a mail waiting in the job queue: its links (password resets, invitations) are as good as a password
    /// while they are valid, and the queue keeps finished jobs for a week.
    pub fn seal_mail(&self, mail: &QueuedMail) -> String {
        self.mail.seal(b"mail", &serde_json::to_vec(mail).expect("mail serializes"))
    }

    pub fn open_mail(&self, sealed: &str) -> Result<QueuedMail, VaultError> {
        serde_json::from_slice(&self.mail.open(b"mail", sealed)?).map_err(|_| VaultError::Corrupt)
    }
}

/// A plain-text email as it waits in the job queue. `Debug` shows only the subject.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QueuedMail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl std::fmt::Debug for QueuedMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QueuedMail({:?})", self.subject)
    }
}

struct SealKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// XChaCha20-Poly1305 under keys derived for one purpose, with associated data binding a ciphertext to its place.
struct Sealer {
    keys: Vec<SealKey>,
}

const VERSION: &str = "v1";

impl Sealer {
    fn new(purpose: &[u8], current: &[u8], previous: &[&[u8]]) -> Self {
        let keys = std::iter::once(current).chain(previous.iter().copied()).map(|k| derive(k, purpose)).collect();
        Self { keys }
    }

    fn seal(&self, aad: &[u8], plain: &[u8]) -> String {
        let key = &self.keys[0];
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = key
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            .expect("XChaCha20-Poly1305 encryption of a small buffer cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        format!("{VERSION}.{}.{}", key.id, URL_SAFE_NO_PAD.encode(blob))
    }

    fn open(&self, aad: &[u8], sealed: &str) -> Result<Vec<u8>, VaultError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(VaultError::Format);
        };
        let key = self.keys.iter().find(|k| k.id == id).ok_or_else(|| VaultError::UnknownKey(id.to_owned()))?;
        let blob = URL_SAFE_NO_PAD.decode(data).map_err(|_| VaultError::Format)?;
        if blob.len() < 24 {
            return Err(VaultError::Format);
        }
        let (nonce, ciphertext) = blob.split_at(24);
        key.cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad }).map_err(|_| VaultError::Corrupt)
    }

    fn is_stale(&self, sealed: &str) -> bool {
        sealed.split('.').nth(1).is_some_and(|id| id != self.keys[0].id)
    }
}

/// A dedicated key per purpose, derived from the secret key by HMAC, and a public id to recognise it.
fn derive(secret: &[u8], purpose: &[u8]) -> SealKey {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(purpose);
    let key = mac.finalize().into_bytes();
    let id = hex::encode(&Sha256::digest(key)[..4]);
    SealKey { id, cipher: XChaCha20Poly1305::new(Key::from_slice(&key)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            access_token: "EAAG-fake-token".into(),
            instagram_login: InstagramLogin::BusinessLogin,
            webhook_secret: Some("s".into()),
        }
    }

    #[test]
    fn seals_and_opens_without_showing_the_token() {
        let vault = Vault::new(b"k1-0123456789abcdef0123456789abcdef", &[]);
        let account = AccountId::new();
        let sealed = vault.seal(account, &creds());
        assert!(!sealed.contains("EAAG") && sealed.starts_with("v1."));
        assert_ne!(sealed, vault.seal(account, &creds()), "fresh nonce each time");
        assert_eq!(vault.open(account, &sealed).unwrap(), creds());
        assert!(!format!("{:?}", creds()).contains("EAAG"));
    }

    #[test]
    fn another_accounts_row_or_a_flipped_byte_does_not_open() {
        let vault = Vault::new(b"k1-0123456789abcdef0123456789abcdef", &[]);
        let sealed = vault.seal(AccountId::new(), &creds());
        assert_eq!(vault.open(AccountId::new(), &sealed), Err(VaultError::Corrupt));
        let mut bytes = sealed.clone().into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let account = AccountId::new();
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(vault.open(account, &tampered).is_err());
        assert_eq!(vault.open(account, "plain-token"), Err(VaultError::Format));
    }

    #[test]
    fn rotation_keeps_old_ciphertexts_readable() {
        let account = AccountId::new();
        let old = Vault::new(b"old-key-0123456789abcdef0123456789", &[]);
        let sealed = old.seal(account, &creds());
        let rotated = Vault::new(b"new-key-0123456789abcdef0123456789", &[b"old-key-0123456789abcdef0123456789"]);
        assert_eq!(rotated.open(account, &sealed).unwrap(), creds());
        assert!(rotated.is_stale(&sealed));
        assert!(!rotated.is_stale(&rotated.seal(account, &creds())));
        let forgot = Vault::new(b"new-key-0123456789abcdef0123456789", &[]);
        assert!(matches!(forgot.open(account, &sealed), Err(VaultError::UnknownKey(_))));
    }

    #[test]
    fn queued_mail_opens_only_as_mail() {
        let vault = Vault::new(b"k1-0123456789abcdef0123456789abcdef", &[]);
        let mail = QueuedMail {
            to: "anna@example.com".into(),
            subject: "Reset".into(),
            body: "https://maitre.example/password/reset?token=pr_secret".into(),
        };
        let sealed = vault.seal_mail(&mail);
        assert!(!sealed.contains("pr_secret") && !sealed.contains("anna"));
        assert_eq!(vault.open_mail(&sealed).unwrap(), mail);
        assert!(!format!("{mail:?}").contains("pr_secret"));
        // A credentials ciphertext is not mail, and mail is no account's credentials.
        let account = AccountId::new();
        assert!(vault.open_mail(&vault.seal(account, &creds())).is_err());
        assert!(vault.open(account, &sealed).is_err());
    }
}
