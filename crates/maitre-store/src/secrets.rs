use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random bearer secret (sessions, API tokens, reset links): 256 bits, URL-safe, with a readable prefix.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Only hashes of bearer secrets are stored: a leaked table grants nothing. SHA-256 suffices for 256-bit randoms.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
