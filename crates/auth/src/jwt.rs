//! Short-lived access tokens: HS256 pinned, `exp`/`iss`/`aud` validated, `kid` selecting the key
//! so secrets can be rotated (the previous secret keeps verifying until its tokens expire).

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kartei_core::id::{SessionId, UserId};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub secret: SecretString,
    /// Secrets that were current before; tokens signed with them still verify.
    pub previous_secrets: Vec<SecretString>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

pub struct Jwt {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

/// The key id of a secret: a short digest, so the id reveals nothing about the secret.
pub fn key_id(secret: &str) -> String {
    let digest = Sha256::digest(format!("kartei-jwt-kid:{secret}").as_bytes());
    hex::encode(&digest[..8])
}

impl Jwt {
    pub fn new(config: &JwtConfig) -> Result<Self> {
        let secret = config.secret.expose_secret();
        if secret.len() < 32 {
            return Err(Error::Internal(
                "KARTEI_JWT_SECRET must be at least 32 characters".into(),
            ));
        }
        let mut decoding = HashMap::new();
        for s in std::iter::once(&config.secret).chain(&config.previous_secrets) {
            let s = s.expose_secret();
            decoding.insert(key_id(s), DecodingKey::from_secret(s.as_bytes()));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Ok(Self {
            kid: key_id(secret),
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding,
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            ttl: config.access_ttl,
        })
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(&self, user: UserId, session: SessionId) -> Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.0,
            sid: session.0,
            iat: now,
            exp: now + i64::try_from(self.ttl.as_secs()).unwrap_or(900),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing failed: {e}")))
    }

    /// Verifies signature, algorithm, expiry, issuer and audience.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        const BAD: Error = Error::Unauthenticated("invalid or expired access token");
        let header = jsonwebtoken::decode_header(token).map_err(|_| BAD)?;
        if header.alg != Algorithm::HS256 {
            return Err(BAD);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.decoding.get(kid))
            .ok_or(BAD)?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| BAD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secret: &str) -> JwtConfig {
        JwtConfig {
            secret: SecretString::from(secret.to_owned()),
            previous_secrets: vec![],
            issuer: "kartei".into(),
            audience: "kartei-api".into(),
            access_ttl: Duration::from_secs(900),
        }
    }

    #[test]
    fn round_trip_and_rotation() {
        let old = Jwt::new(&config("an-old-secret-that-is-long-enough-1234")).expect("jwt");
        let token = old.issue(UserId::new(), SessionId::new()).expect("issue");
        assert!(old.verify(&token).is_ok());

        let mut rotated = config("a-new-secret-that-is-long-enough-56789");
        let fresh = Jwt::new(&rotated).expect("jwt");
        assert!(fresh.verify(&token).is_err(), "unknown kid must fail");
        rotated.previous_secrets = vec![SecretString::from(
            "an-old-secret-that-is-long-enough-1234".to_owned(),
        )];
        let both = Jwt::new(&rotated).expect("jwt");
        assert!(both.verify(&token).is_ok(), "previous key still verifies");
    }

    #[test]
    fn short_secret_refused() {
        assert!(Jwt::new(&config("short")).is_err());
    }
}
