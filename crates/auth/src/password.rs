//! Password hashing with Argon2id (PHC string format), off the async runtime.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{Error, Result};

/// A valid hash of a random password, verified against when the account does not exist so
/// that a login for an unknown email takes as long as one for a known email.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$1cX3YJvqU2h2nQ3pNQqk0y0kY1v6l7mJtNwZ0a3Lr8M";

pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))?
}

/// Verifies `password` against `phc`; with `None` it burns the same time and returns false.
pub async fn verify(password: String, phc: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let parsed = PasswordHash::new(&phc)
            .map_err(|e| Error::Internal(format!("stored hash unreadable: {e}")))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && ok)
    })
    .await
    .map_err(|e| Error::Internal(format!("verify task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("Grüne Wiese 7 im Mai".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify("Grüne Wiese 7 im Mai".into(), Some(h.clone()))
                .await
                .expect("v")
        );
        assert!(!verify("wrong".into(), Some(h)).await.expect("v"));
        assert!(!verify("anything".into(), None).await.expect("v"));
    }
}
