//! One-time tokens for links sent by email (invitations, password resets). The link
//! carries the token; the database keeps only its SHA-256, so a copy of the database
//! opens nothing.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random token (256 bits, hex) and the hash to store for it.
pub fn new() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex(&bytes);
    let hash = hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_differ_and_hash_stably() {
        let (a, ha) = super::new();
        let (b, _) = super::new();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(super::hash(&a), ha);
        assert_ne!(ha, a);
    }
}
