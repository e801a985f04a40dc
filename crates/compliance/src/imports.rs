//! The compliance side of contact imports: every written row is checked against the suppression
//! list (a suppressed address is imported with a warning and never given a marketing consent),
//! and an import may carry a consent for all its rows, recorded with the file as proof.

use chrono::{DateTime, Utc};
use kartei_contacts::import::Import;
use kartei_contacts::import::run::{HookFuture, ImportHook, Warning, WrittenRow};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ledger::{self, Channel};
use crate::policy::channel_addresses;
use crate::suppression::{self, Key};

/// The consent an import grants each row (documented by the import file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportConsent {
    pub channel: String,
    pub purpose: String,
    /// The consent text the people agreed to.
    pub text_hash: String,
    /// When the consents were collected (default: the import's time).
    #[serde(default)]
    pub collected_at: Option<DateTime<Utc>>,
    /// Where they were collected (a trade fair, a paper form campaign).
    #[serde(default)]
    pub note: Option<String>,
}

/// Checks an import's consent option before the import is queued.
pub async fn check_consent(tx: &TenantTx, c: &ImportConsent) -> Result<()> {
    if Channel::parse(&c.channel).is_none() {
        return Err(Error::field(
            "consent.channel",
            "must be email, phone, sms, letter or messenger",
        ));
    }
    ledger::check_purpose(tx, &c.purpose)
        .await
        .map_err(|_| Error::field("consent.purpose", "is not a consent purpose of this tenant"))?;
    ledger::text(tx, &c.text_hash)
        .await
        .map_err(|_| Error::field("consent.textHash", "is not a stored consent text"))?;
    if c.collected_at.is_some_and(|t| t > Utc::now()) {
        return Err(Error::field(
            "consent.collectedAt",
            "must not be in the future",
        ));
    }
    if c.note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(Error::field(
            "consent.note",
            "must be at most 2000 characters",
        ));
    }
    Ok(())
}

/// The hook the worker hands to the import runner.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComplianceImportHook;

impl ImportHook for ComplianceImportHook {
    fn after_batch<'a>(
        &'a self,
        tx: &'a TenantTx,
        import: &'a Import,
        rows: &'a [WrittenRow<'a>],
    ) -> HookFuture<'a> {
        Box::pin(async move {
            after_batch(tx, import, rows).await.map_err(|e| match e {
                Error::Contacts(c) => c,
                Error::Data(d) => kartei_contacts::Error::Data(d),
                other => kartei_contacts::Error::Conflict(other.to_string()),
            })
        })
    }
}

async fn after_batch(
    tx: &TenantTx,
    import: &Import,
    rows: &[WrittenRow<'_>],
) -> Result<Vec<Warning>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let key = Key::load(tx).await?;
    let mut addresses: Vec<&str> = Vec::new();
    for r in rows {
        for a in [&r.data.email_normalized, &r.data.phone, &r.data.mobile]
            .into_iter()
            .flatten()
        {
            addresses.push(a);
        }
    }
    let suppressed = suppression::suppressed_among(tx, &key, &addresses).await?;
    let mut warnings = Vec::new();
    let mut blocked: Vec<u64> = Vec::new();
    for r in rows {
        for (field, a) in [
            ("email", &r.data.email_normalized),
            ("phone", &r.data.phone),
            ("mobile", &r.data.mobile),
        ] {
            if a.as_ref().is_some_and(|a| suppressed.contains(a)) {
                warnings.push(Warning {
                    line: r.line,
                    field: field.into(),
                    reason: "the address is on the suppression list: no marketing consent was \
                             recorded and it will not be contacted"
                        .into(),
                });
                blocked.push(r.line);
            }
        }
    }
    let consent: Option<ImportConsent> = import
        .consent
        .clone()
        .and_then(|v| serde_json::from_value(v).ok());
    let Some(c) = consent else {
        return Ok(warnings);
    };
    let Some(channel) = Channel::parse(&c.channel) else {
        return Ok(warnings);
    };
    let mut people: Vec<Uuid> = Vec::new();
    let mut hashes: Vec<Option<Vec<u8>>> = Vec::new();
    for r in rows.iter().filter(|r| !blocked.contains(&r.line)) {
        let addrs = channel_addresses(
            channel,
            r.data.email_normalized.as_deref(),
            r.data.phone.as_deref(),
            r.data.mobile.as_deref(),
        );
        let hash = match (channel.is_addressed(), addrs.first()) {
            (false, _) => None,
            (true, Some(a)) => Some(key.hash(a)),
            (true, None) => {
                warnings.push(Warning {
                    line: r.line,
                    field: if channel == Channel::Email {
                        "email"
                    } else {
                        "mobile"
                    }
                    .into(),
                    reason: format!(
                        "no address for {channel}: the import's consent was not recorded"
                    ),
                });
                continue;
            }
        };
        people.push(r.person_id);
        hashes.push(hash);
    }
    if import.dry_run || people.is_empty() {
        return Ok(warnings);
    }
    tx.execute_raw(stmt(
        "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, source_ref, \
             text_hash, address_hash, actor, note, content_digest, chain_hash) \
         SELECT gen_random_uuid(), u.person, $3, $4, 'granted', $5, 'import', $6, $7, u.hash, $8, $9, '', '' \
         FROM UNNEST($1::uuid[], $2::bytea[]) WITH ORDINALITY AS u(person, hash, n) ORDER BY u.n",
        vec![
            kartei_contacts::sql::uuid_array(people),
            kartei_contacts::sql::bytes_array(hashes),
            channel.as_str().into(),
            c.purpose.clone().into(),
            c.collected_at.unwrap_or_else(Utc::now).into(),
            format!("import {}", import.id).into(),
            c.text_hash.clone().into(),
            import.created_by.clone().into(),
            c.note.clone().into(),
        ],
    ))
    .await?;
    Ok(warnings)
}
