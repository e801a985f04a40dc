//! Signed, expiring links for people who have no login: the subscribe form of a tenant's
//! website, the double opt-in confirmation and the one-click unsubscribe. The tenant comes from
//! the token, never from the request. Tokens are HS256 JWTs under a key derived from the
//! server's JWT secret (a separate audience, so an API token is never a link and vice versa);
//! confirmation and unsubscribe tokens are single-use (`used_tokens`).

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use kartei_core::id::TenantId;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::{Error, Result};

const AUDIENCE: &str = "kartei-link";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A website's subscribe form (reusable until it expires).
    Subscribe,
    /// The double opt-in confirmation of one pending consent (single use).
    Confirm,
    /// Unsubscribe one person from one purpose on one channel (single use).
    Unsubscribe,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Subscribe => "subscribe",
            Action::Confirm => "confirm",
            Action::Unsubscribe => "unsubscribe",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub act: Action,
    pub tid: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<Uuid>,
    /// The pending event a confirmation confirms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evt: Option<Uuid>,
    pub ch: String,
    pub pur: String,
    /// The consent text shown (subscribe forms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txt: Option<String>,
    /// The web page the form is on (subscribe forms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<String>,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
}

impl Claims {
    pub fn tenant(&self) -> TenantId {
        TenantId(self.tid)
    }
}

/// The link key derived from a server secret.
fn derive(secret: &SecretString) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"kartei public links v1");
    mac.finalize().into_bytes().to_vec()
}

/// Signs and checks links; cheap to clone.
#[derive(Clone)]
pub struct Links {
    enc: EncodingKey,
    dec: DecodingKey,
    /// Keys derived from earlier secrets: links sent before a rotation (an unsubscribe link
    /// is valid for 400 days) keep working.
    previous: Vec<DecodingKey>,
    public_url: String,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Links {
    /// `secret` is the server's JWT secret; the link key is derived from it.
    pub fn new(secret: &SecretString, public_url: &str) -> Self {
        let key = derive(secret);
        Links {
            enc: EncodingKey::from_secret(&key),
            dec: DecodingKey::from_secret(&key),
            previous: Vec::new(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Also accepts links signed under `previous` secrets (after a key rotation); new links are
    /// always signed with the current one.
    pub fn with_previous(mut self, previous: &[SecretString]) -> Self {
        self.previous = previous
            .iter()
            .map(|s| DecodingKey::from_secret(&derive(s)))
            .collect();
        self
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    pub fn sign(&self, claims: &Claims) -> Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.enc)
            .map_err(|_| Error::Conflict("the link could not be signed".into()))
    }

    /// A new claim set for `action`, valid for `ttl`.
    pub fn claims(
        action: Action,
        tenant: TenantId,
        channel: &str,
        purpose: &str,
        ttl: chrono::Duration,
    ) -> Claims {
        let now = Utc::now();
        Claims {
            aud: AUDIENCE.into(),
            act: action,
            tid: tenant.0,
            pid: None,
            evt: None,
            ch: channel.into(),
            pur: purpose.into(),
            txt: None,
            src: None,
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
            jti: Uuid::new_v4(),
        }
    }

    /// Checks signature, audience, expiry and action.
    pub fn verify(&self, token: &str, action: Action) -> Result<Claims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_audience(&[AUDIENCE]);
        v.leeway = 0;
        v.set_required_spec_claims(&["exp", "aud"]);
        let mut result = jsonwebtoken::decode::<Claims>(token, &self.dec, &v);
        for older in &self.previous {
            match &result {
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => {
                    result = jsonwebtoken::decode::<Claims>(token, older, &v);
                }
                _ => break,
            }
        }
        let data = result.map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => Error::TokenExpired,
            _ => Error::TokenInvalid,
        })?;
        if data.claims.act != action {
            return Err(Error::TokenInvalid);
        }
        Ok(data.claims)
    }

    /// The page a link leads to, e.g. `https://crm.example/p/confirm?token=…`.
    pub fn url(&self, action: Action, token: &str) -> String {
        format!("{}/p/{}?token={}", self.public_url, action.as_str(), token)
    }
}

/// Spends a single-use token in the caller's transaction; TOKEN_USED if it was spent before.
pub async fn spend(tx: &TenantTx, claims: &Claims) -> Result<()> {
    let res = tx
        .execute_raw(stmt(
            "INSERT INTO used_tokens (jti, action) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
            vec![claims.jti.into(), claims.act.as_str().into()],
        ))
        .await?;
    if res.rows_affected() == 0 {
        return Err(Error::TokenUsed);
    }
    Ok(())
}

/// When a token was spent, if it was.
pub async fn spent_at(tx: &TenantTx, jti: Uuid) -> Result<Option<DateTime<Utc>>> {
    #[derive(FromQueryResult)]
    struct Row {
        used_at: DateTime<Utc>,
    }
    Ok(Row::find_by_statement(stmt(
        "SELECT used_at FROM used_tokens WHERE jti = $1",
        vec![jti.into()],
    ))
    .one(&**tx)
    .await?
    .map(|r| r.used_at))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn links() -> Links {
        Links::new(&SecretString::from("s".repeat(32)), "http://x/")
    }

    #[test]
    fn roundtrip_and_action_check() {
        let l = links();
        let c = Links::claims(
            Action::Confirm,
            TenantId(Uuid::nil()),
            "email",
            "newsletter",
            chrono::Duration::hours(1),
        );
        let t = l.sign(&c).unwrap();
        assert_eq!(l.verify(&t, Action::Confirm).unwrap(), c);
        assert!(matches!(
            l.verify(&t, Action::Unsubscribe),
            Err(Error::TokenInvalid)
        ));
    }

    /// Issue 17, finding 11: rotating the secret broke every link already sent.
    #[test]
    fn links_signed_before_a_rotation_still_verify() {
        let (old, new) = (
            SecretString::from("o".repeat(32)),
            SecretString::from("n".repeat(32)),
        );
        let before = Links::new(&old, "http://x");
        let c = Links::claims(
            Action::Unsubscribe,
            TenantId(Uuid::nil()),
            "email",
            "newsletter",
            chrono::Duration::days(400),
        );
        let sent = before.sign(&c).unwrap();
        let rotated = Links::new(&new, "http://x");
        assert!(matches!(
            rotated.verify(&sent, Action::Unsubscribe),
            Err(Error::TokenInvalid)
        ));
        let rotated = rotated.with_previous(std::slice::from_ref(&old));
        assert_eq!(rotated.verify(&sent, Action::Unsubscribe).unwrap(), c);
        // New links are signed with the new secret only.
        let fresh = rotated.sign(&c).unwrap();
        assert!(
            Links::new(&new, "http://x")
                .verify(&fresh, Action::Unsubscribe)
                .is_ok()
        );
        assert!(before.verify(&fresh, Action::Unsubscribe).is_err());
        // An unknown secret is still refused, an old expired link is expired.
        let forged = Links::new(&SecretString::from("f".repeat(32)), "http://x")
            .sign(&c)
            .unwrap();
        assert!(matches!(
            rotated.verify(&forged, Action::Unsubscribe),
            Err(Error::TokenInvalid)
        ));
        let mut stale = c.clone();
        stale.exp = Utc::now().timestamp() - 10;
        let stale = before.sign(&stale).unwrap();
        assert!(matches!(
            rotated.verify(&stale, Action::Unsubscribe),
            Err(Error::TokenExpired)
        ));
    }

    #[test]
    fn forged_and_expired_are_refused() {
        let l = links();
        let other = Links::new(&SecretString::from("t".repeat(32)), "http://x");
        let c = Links::claims(
            Action::Unsubscribe,
            TenantId(Uuid::nil()),
            "email",
            "newsletter",
            chrono::Duration::hours(1),
        );
        let forged = other.sign(&c).unwrap();
        assert!(matches!(
            l.verify(&forged, Action::Unsubscribe),
            Err(Error::TokenInvalid)
        ));
        let mut old = c.clone();
        old.exp = Utc::now().timestamp() - 10;
        let t = l.sign(&old).unwrap();
        assert!(matches!(
            l.verify(&t, Action::Unsubscribe),
            Err(Error::TokenExpired)
        ));
    }
}
