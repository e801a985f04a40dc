//! The consent ledger: one append-only list of events per tenant, each with its proof (when,
//! how, source, the exact consent text, IP and user agent where known, who recorded it) and a
//! link in a hash chain, so that any later change of a row is detectable.
//!
//! The database enforces the rules: an insert trigger assigns the sequence number, the content
//! digest and the chain hash; a guard trigger refuses UPDATE and DELETE except the redaction
//! that erasure performs under `SET LOCAL kartei.erasure = 'on'`.

use chrono::{DateTime, Utc};
use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use str_enum;

str_enum!(
    /// The ways of reaching a person.
    Channel {
        Email = "email",
        Phone = "phone",
        Sms = "sms",
        Letter = "letter",
        Messenger = "messenger",
    }
);

str_enum!(
    /// What happened to a consent.
    EventKind {
        /// Asked for, not yet confirmed (double opt-in mail sent).
        Pending = "pending",
        /// Express consent given.
        Granted = "granted",
        /// Confirmed by double opt-in.
        Confirmed = "confirmed",
        Revoked = "revoked",
        /// Objection to direct marketing (GDPR Art. 21(2)).
        Objected = "objected",
        /// Presumed consent of a business to be called (UWG §7(2) Nr. 1).
        Presumed = "presumed",
        Expired = "expired",
    }
);

str_enum!(
    /// Where the proof comes from.
    Source {
        WebForm = "web_form",
        Import = "import",
        Call = "call",
        Paper = "paper",
        Email = "email",
        Api = "api",
        DoubleOptIn = "double_opt_in",
        UnsubscribeLink = "unsubscribe_link",
        Merge = "merge",
        Retention = "retention",
    }
);

impl EventKind {
    /// Events that end a consent whatever address it was given for.
    pub fn withdraws(self) -> bool {
        matches!(
            self,
            EventKind::Revoked | EventKind::Objected | EventKind::Expired
        )
    }
}

impl Channel {
    /// Channels whose consent is bound to an address (the one it was given for).
    pub fn is_addressed(self) -> bool {
        !matches!(self, Channel::Letter)
    }
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub person_id: Uuid,
    pub channel: Channel,
    /// `None`: every purpose (only for withdrawals).
    pub purpose: Option<String>,
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub source: Source,
    pub source_ref: Option<String>,
    pub text_hash: Option<String>,
    pub address_hash: Option<Vec<u8>>,
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
    pub actor: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Event {
    pub seq: i64,
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub channel: String,
    pub purpose: Option<String>,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub source: String,
    pub source_ref: Option<String>,
    pub text_hash: Option<String>,
    #[serde(skip)]
    pub address_hash: Option<Vec<u8>>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub actor: String,
    pub note: Option<String>,
    pub carried_from: Option<Uuid>,
    /// The chain hash of the tenant's previous event.
    #[serde(serialize_with = "hex_bytes")]
    pub prev_hash: Vec<u8>,
    #[serde(serialize_with = "hex_bytes")]
    pub chain_hash: Vec<u8>,
}

fn hex_bytes<S: serde::Serializer>(b: &[u8], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

const EVENT_COLUMNS: &str = "seq, id, person_id, channel, purpose, kind, at, recorded_at, source, \
     source_ref, text_hash, address_hash, host(ip) AS ip, user_agent, actor, note, carried_from, \
     prev_hash, chain_hash";

/// Purpose keys the tenant defined.
pub async fn check_purpose(tx: &TenantTx, purpose: &str) -> Result<()> {
    let n = tx
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM consent_purposes WHERE key = $1",
            vec![purpose.into()],
        ))
        .await?;
    if n.is_none() {
        return Err(Error::field(
            "purpose",
            format!("'{purpose}' is not a consent purpose of this tenant"),
        ));
    }
    Ok(())
}

fn check(e: &NewEvent) -> Result<()> {
    let mut errors = FieldErrors::new();
    if e.purpose.is_none() && !e.kind.withdraws() {
        errors.add(
            "purpose",
            "is required unless consent is revoked, objected to or expired",
        );
    }
    if e.at > Utc::now() + chrono::Duration::minutes(5) {
        errors.add("at", "must not be in the future");
    }
    for (field, v, max) in [
        ("sourceRef", &e.source_ref, 2000),
        ("userAgent", &e.user_agent, 1000),
        ("note", &e.note, 2000),
    ] {
        if v.as_ref().is_some_and(|v| v.chars().count() > max) {
            errors.add(field, format!("must be at most {max} characters"));
        }
    }
    errors.into_result().map_err(Error::Invalid)
}

/// Appends one event (in the caller's transaction) and returns it as stored.
pub async fn record(tx: &TenantTx, e: &NewEvent) -> Result<Event> {
    check(e)?;
    if let Some(p) = &e.purpose {
        check_purpose(tx, p).await?;
    }
    if let Some(h) = &e.text_hash {
        text(tx, h).await?;
    }
    let exists = tx
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM persons WHERE id = $1",
            vec![e.person_id.into()],
        ))
        .await?;
    if exists.is_none() {
        return Err(Error::NotFound("person"));
    }
    Event::find_by_statement(stmt(
        &format!(
            "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, \
                 source_ref, text_hash, address_hash, ip, user_agent, actor, note, \
                 content_digest, chain_hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::inet, $12, $13, $14, '', '') \
             RETURNING {EVENT_COLUMNS}"
        ),
        vec![
            Uuid::now_v7().into(),
            e.person_id.into(),
            e.channel.as_str().into(),
            e.purpose.clone().into(),
            e.kind.as_str().into(),
            e.at.into(),
            e.source.as_str().into(),
            e.source_ref.clone().into(),
            e.text_hash.clone().into(),
            e.address_hash.clone().into(),
            e.ip.map(|ip| ip.to_string()).into(),
            e.user_agent.clone().into(),
            e.actor.clone().into(),
            e.note.clone().into(),
        ],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("consent event"))
}

/// A person's events, newest first (all channels unless one is given).
pub async fn events_of(
    tx: &TenantTx,
    person_id: Uuid,
    channel: Option<Channel>,
) -> Result<Vec<Event>> {
    Ok(Event::find_by_statement(stmt(
        &format!(
            "SELECT {EVENT_COLUMNS} FROM consent_events \
             WHERE person_id = $1 AND ($2::text IS NULL OR channel = $2) \
             ORDER BY at DESC, seq DESC"
        ),
        vec![person_id.into(), channel.map(Channel::as_str).into()],
    ))
    .all(&**tx)
    .await?)
}

/// The latest event per channel and purpose of each of `persons` (their current consent
/// state), in one statement.
pub async fn current_of(tx: &TenantTx, persons: &[Uuid]) -> Result<Vec<Event>> {
    let ids = kartei_contacts::sql::uuid_array(persons.to_vec());
    Ok(Event::find_by_statement(stmt(
        &format!(
            "SELECT DISTINCT ON (person_id, channel, purpose) {EVENT_COLUMNS} FROM consent_events \
             WHERE person_id = ANY($1) \
             ORDER BY person_id, channel, purpose, at DESC, seq DESC"
        ),
        vec![ids],
    ))
    .all(&**tx)
    .await?)
}

/// Merging persons: the losers' events are appended again for the winner (with the original
/// time and proof, `carried_from` naming the original), so the winner's history is complete
/// and the ledger itself is never rewritten.
pub async fn carry_over(tx: &TenantTx, winner: Uuid, losers: &[Uuid], actor: &str) -> Result<u64> {
    let res = tx
        .execute_raw(stmt(
            "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, \
                 source_ref, text_hash, address_hash, ip, user_agent, actor, note, carried_from, \
                 content_digest, chain_hash) \
             SELECT gen_random_uuid(), $1, channel, purpose, kind, at, 'merge', source_ref, \
                 text_hash, address_hash, ip, user_agent, $3, \
                 'carried over from a merged record (original source: ' || source || ')', id, '', '' \
             FROM consent_events WHERE person_id = ANY($2) ORDER BY seq",
            vec![
                winner.into(),
                kartei_contacts::sql::uuid_array(losers.to_vec()),
                actor.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// Consent texts

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct ConsentText {
    pub hash: String,
    pub language: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

pub fn text_hash(body: &str) -> String {
    hex::encode(Sha256::digest(body.as_bytes()))
}

/// Stores a consent text (idempotent: the same body is the same version).
pub async fn store_text(
    tx: &TenantTx,
    language: &str,
    title: &str,
    body: &str,
    actor: &str,
) -> Result<ConsentText> {
    let mut errors = FieldErrors::new();
    if !(language.len() == 2 && language.bytes().all(|b| b.is_ascii_lowercase())) {
        errors.add("language", "must be an ISO 639-1 code such as 'de'");
    }
    if title.trim().is_empty() || title.chars().count() > 200 {
        errors.add("title", "must be 1 to 200 characters");
    }
    if body.trim().is_empty() || body.chars().count() > 20_000 {
        errors.add("body", "must be 1 to 20000 characters");
    }
    errors.into_result().map_err(Error::Invalid)?;
    let hash = text_hash(body);
    tx.execute_raw(stmt(
        "INSERT INTO consent_texts (hash, language, title, body, created_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING",
        vec![
            hash.clone().into(),
            language.into(),
            title.trim().into(),
            body.into(),
            actor.into(),
        ],
    ))
    .await?;
    text(tx, &hash).await
}

pub async fn text(tx: &TenantTx, hash: &str) -> Result<ConsentText> {
    ConsentText::find_by_statement(stmt(
        "SELECT hash, language, title, body, created_at, created_by FROM consent_texts WHERE hash = $1",
        vec![hash.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::field("textHash", "is not a stored consent text"))
}

pub async fn texts(tx: &TenantTx) -> Result<Vec<ConsentText>> {
    Ok(ConsentText::find_by_statement(stmt(
        "SELECT hash, language, title, body, created_at, created_by FROM consent_texts \
         ORDER BY created_at DESC LIMIT 500",
        vec![],
    ))
    .all(&**tx)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Purposes

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Purpose {
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    pub existing_customer_ok: bool,
}

pub async fn purposes(tx: &TenantTx) -> Result<Vec<Purpose>> {
    Ok(Purpose::find_by_statement(stmt(
        "SELECT key, label, description, existing_customer_ok FROM consent_purposes ORDER BY key",
        vec![],
    ))
    .all(&**tx)
    .await?)
}

pub async fn put_purpose(tx: &TenantTx, p: &Purpose) -> Result<Purpose> {
    let mut errors = FieldErrors::new();
    let key_ok = p.key.len() <= 40
        && p.key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && p.key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        errors.add(
            "key",
            "must be 1 to 40 characters of a-z, 0-9 and '_', starting with a letter",
        );
    }
    if p.label.trim().is_empty() || p.label.chars().count() > 100 {
        errors.add("label", "must be 1 to 100 characters");
    }
    if p.description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 2000)
    {
        errors.add("description", "must be at most 2000 characters");
    }
    errors.into_result().map_err(Error::Invalid)?;
    Purpose::find_by_statement(stmt(
        "INSERT INTO consent_purposes (key, label, description, existing_customer_ok) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET label = EXCLUDED.label, \
             description = EXCLUDED.description, existing_customer_ok = EXCLUDED.existing_customer_ok \
         RETURNING key, label, description, existing_customer_ok",
        vec![
            p.key.clone().into(),
            p.label.trim().into(),
            p.description.clone().into(),
            p.existing_customer_ok.into(),
        ],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("purpose"))
}

// ---------------------------------------------------------------------------------------------
// Chain verification

/// One break in the hash chain.
#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub id: Option<Uuid>,
    /// `content_changed` (the row no longer matches its digest), `chain_broken` (its link does
    /// not follow from the previous row: a row was removed, inserted or reordered),
    /// `sequence_gap` or `head_mismatch` (rows at the end were removed).
    pub problem: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    pub events: i64,
    pub redacted: i64,
    /// The current head; anchor it outside the database to detect a rewrite of the whole chain.
    pub head_seq: i64,
    pub head_hash: String,
    pub breaks: Vec<ChainBreak>,
}

#[derive(FromQueryResult)]
struct ChainStats {
    events: i64,
    redacted: i64,
    head_seq: i64,
    head_hash: Vec<u8>,
}

/// The verification query: recomputes every unredacted row's digest and every link.
pub const VERIFY_SQL: &str = "\
WITH c AS (
    SELECT e.seq, e.id, e.content_digest, e.prev_hash AS stored_prev, e.chain_hash,
           CASE WHEN e.redacted_at IS NULL THEN consent_digest(e) END AS recomputed,
           lag(e.chain_hash) OVER (ORDER BY e.seq) AS prev_hash,
           lag(e.seq) OVER (ORDER BY e.seq) AS prev_seq
    FROM consent_events e
), genesis AS (SELECT sha256('kartei consent chain'::bytea) AS hash)
SELECT c.seq, c.id, CASE
        WHEN c.recomputed IS NOT NULL AND c.recomputed <> c.content_digest THEN 'content_changed'
        WHEN c.seq <> COALESCE(c.prev_seq, 0) + 1 THEN 'sequence_gap'
        ELSE 'chain_broken' END AS problem
FROM c, genesis g
WHERE (c.recomputed IS NOT NULL AND c.recomputed <> c.content_digest)
   OR c.seq <> COALESCE(c.prev_seq, 0) + 1
   OR c.stored_prev <> COALESCE(c.prev_hash, g.hash)
   OR c.chain_hash <> sha256(COALESCE(c.prev_hash, g.hash) || c.content_digest)
UNION ALL
SELECT h.seq, NULL, 'head_mismatch' FROM consent_chain h
WHERE h.seq <> COALESCE((SELECT max(seq) FROM consent_events), 0)
   OR (h.seq > 0 AND h.hash IS DISTINCT FROM (SELECT chain_hash FROM consent_events ORDER BY seq DESC LIMIT 1))
ORDER BY 1";

pub async fn verify_chain(tx: &TenantTx) -> Result<ChainReport> {
    let breaks = ChainBreak::find_by_statement(stmt(VERIFY_SQL, vec![]))
        .all(&**tx)
        .await?;
    let s = ChainStats::find_by_statement(stmt(
        "SELECT (SELECT count(*) FROM consent_events) AS events, \
                (SELECT count(*) FROM consent_events WHERE redacted_at IS NOT NULL) AS redacted, \
                h.seq AS head_seq, h.hash AS head_hash FROM consent_chain h",
        vec![],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("consent chain"))?;
    Ok(ChainReport {
        events: s.events,
        redacted: s.redacted,
        head_seq: s.head_seq,
        head_hash: hex::encode(s.head_hash),
        breaks,
    })
}
