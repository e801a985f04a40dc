//! The suppression list: keyed hashes (HMAC-SHA256 with the tenant's own secret) of normalized
//! email addresses and E.164 phone numbers that must never be contacted. It outlives erasure,
//! and a hash cannot be turned back into the address.
//!
//! The same keyed hash binds a consent to the address it was given for. It is computed in Rust
//! and, for set-based decisions, in SQL from the key's inner and outer pads
//! (`sha256(opad || sha256(ipad || address))`, which is HMAC-SHA256 by definition).

use hmac::{Hmac, Mac};
use kartei_contacts::normalize;
use kartei_core::validate::EmailAddress;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use sha2::Sha256;

use crate::error::{Error, Result};

/// What kind of address a hash stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    Email,
    Phone,
}

impl AddressKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AddressKind::Email => "email",
            AddressKind::Phone => "phone",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Erasure,
    Unsubscribe,
    Bounce,
    Complaint,
    Manual,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Erasure => "erasure",
            Reason::Unsubscribe => "unsubscribe",
            Reason::Bounce => "bounce",
            Reason::Complaint => "complaint",
            Reason::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "erasure" => Reason::Erasure,
            "unsubscribe" => Reason::Unsubscribe,
            "bounce" => Reason::Bounce,
            "complaint" => Reason::Complaint,
            "manual" => Reason::Manual,
            _ => return None,
        })
    }
}

/// The tenant's HMAC key; load once per transaction.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

#[derive(FromQueryResult)]
struct SecretRow {
    secret: Vec<u8>,
}

impl Key {
    pub async fn load(tx: &TenantTx) -> Result<Key> {
        let row = SecretRow::find_by_statement(stmt(
            "SELECT secret FROM compliance_secrets WHERE name = 'suppression'",
            vec![],
        ))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("suppression key"))?;
        let bytes: [u8; 32] = row
            .secret
            .try_into()
            .map_err(|_| Error::Conflict("the suppression key is malformed".into()))?;
        Ok(Key(bytes))
    }

    /// HMAC-SHA256 of an already normalized address.
    pub fn hash(&self, normalized: &str) -> Vec<u8> {
        // A 32-byte key is always accepted by HMAC.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(normalized.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The inner and outer pads, for computing the same HMAC in SQL.
    pub fn pads(&self) -> (Vec<u8>, Vec<u8>) {
        let mut ipad = vec![0x36u8; 64];
        let mut opad = vec![0x5cu8; 64];
        for (i, b) in self.0.iter().enumerate() {
            ipad[i] ^= b;
            opad[i] ^= b;
        }
        (ipad, opad)
    }
}

/// The normalized form of an address as it is hashed: a lower-case email, or a phone number
/// in E.164 (national numbers read in `region`). `None` when it is neither.
pub fn normalize_address(value: &str, region: &str) -> Option<(AddressKind, String)> {
    let value = value.trim();
    if value.contains('@') {
        return EmailAddress::parse(value)
            .ok()
            .map(|e| (AddressKind::Email, e.normalized()));
    }
    normalize::phone(value, region)
        .ok()
        .map(|p| (AddressKind::Phone, p))
}

/// Adds a hash (idempotent: an address already listed keeps its first reason).
pub async fn add_hash(
    tx: &TenantTx,
    hash: Vec<u8>,
    kind: AddressKind,
    reason: Reason,
    actor: &str,
) -> Result<bool> {
    let res = tx
        .execute_raw(stmt(
            "INSERT INTO suppressions (hash, kind, reason, created_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (hash) DO NOTHING",
            vec![
                hash.into(),
                kind.as_str().into(),
                reason.as_str().into(),
                actor.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() > 0)
}

/// Adds an address given in clear text; the text itself is not stored.
pub async fn add(
    tx: &TenantTx,
    key: &Key,
    value: &str,
    region: &str,
    reason: Reason,
    actor: &str,
) -> Result<bool> {
    let (kind, norm) = normalize_address(value, region)
        .ok_or_else(|| Error::field("value", "is neither an email address nor a phone number"))?;
    add_hash(tx, key.hash(&norm), kind, reason, actor).await
}

/// Lifts a suppression (an admin decision, audited by the caller).
pub async fn remove(tx: &TenantTx, key: &Key, value: &str, region: &str) -> Result<bool> {
    let (_, norm) = normalize_address(value, region)
        .ok_or_else(|| Error::field("value", "is neither an email address nor a phone number"))?;
    let res = tx
        .execute_raw(stmt(
            "DELETE FROM suppressions WHERE hash = $1",
            vec![key.hash(&norm).into()],
        ))
        .await?;
    Ok(res.rows_affected() > 0)
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Entry {
    pub kind: String,
    pub reason: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
}

/// The entry for an address, if it is suppressed.
pub async fn lookup(tx: &TenantTx, key: &Key, value: &str, region: &str) -> Result<Option<Entry>> {
    let Some((_, norm)) = normalize_address(value, region) else {
        return Ok(None);
    };
    Ok(Entry::find_by_statement(stmt(
        "SELECT kind, reason, created_at, created_by FROM suppressions WHERE hash = $1",
        vec![key.hash(&norm).into()],
    ))
    .one(&**tx)
    .await?)
}

#[derive(FromQueryResult)]
struct HashRow {
    hash: Vec<u8>,
}

/// Which of the given already-normalized addresses are suppressed.
pub async fn suppressed_among(tx: &TenantTx, key: &Key, addresses: &[&str]) -> Result<Vec<String>> {
    if addresses.is_empty() {
        return Ok(Vec::new());
    }
    let hashes: Vec<Vec<u8>> = addresses.iter().map(|a| key.hash(a)).collect();
    let found = HashRow::find_by_statement(stmt(
        "SELECT hash FROM suppressions WHERE hash = ANY($1)",
        vec![kartei_contacts::sql::bytes_array(hashes.clone())],
    ))
    .all(&**tx)
    .await?;
    Ok(addresses
        .iter()
        .zip(&hashes)
        .filter(|(_, h)| found.iter().any(|f| &f.hash == *h))
        .map(|(a, _)| (*a).to_owned())
        .collect())
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Counts {
    pub email: i64,
    pub phone: i64,
}

pub async fn counts(tx: &TenantTx) -> Result<Counts> {
    Ok(Counts::find_by_statement(stmt(
        "SELECT count(*) FILTER (WHERE kind = 'email') AS email, \
                count(*) FILTER (WHERE kind = 'phone') AS phone FROM suppressions",
        vec![],
    ))
    .one(&**tx)
    .await?
    .unwrap_or(Counts { email: 0, phone: 0 }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pads_reproduce_hmac() {
        let key = Key([7u8; 32]);
        let (ipad, opad) = key.pads();
        use sha2::Digest;
        let inner = Sha256::digest([ipad.as_slice(), b"max@example.de"].concat());
        let outer = Sha256::digest([opad.as_slice(), &inner[..]].concat());
        assert_eq!(outer.to_vec(), key.hash("max@example.de"));
    }

    #[test]
    fn addresses_normalize() {
        assert_eq!(
            normalize_address(" Max@Example.DE ", "DE"),
            Some((AddressKind::Email, "max@example.de".into()))
        );
        assert_eq!(
            normalize_address("089 1234567", "DE"),
            Some((AddressKind::Phone, "+49891234567".into()))
        );
        assert_eq!(normalize_address("hello", "DE"), None);
    }
}
