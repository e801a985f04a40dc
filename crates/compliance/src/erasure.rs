//! Erasure (GDPR Art. 17) across every table of the tenant: the person, the records merged into
//! them, their relations, interactions, transactions, sent messages, exception records, merge
//! snapshots, import previews and errors, unimported uploads and audit details that name them.
//! Consent events are redacted (their chain stays verifiable). What is left: the suppression
//! hashes of their addresses, so a re-import stays blocked, an erasure record without
//! personal data, and what a legal duty keeps as minimized legal holds (`holds`: §7a UWG
//! consent proof, invoices, business letters; listed in the record). The search index and
//! caches learn of it through the outbox.

use encoding_rs::WINDOWS_1252;
use kartei_contacts::sql::bytes_array;
use kartei_tenancy::audit;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::suppression::{self, AddressKind, Key};

#[derive(Debug, Clone, FromQueryResult)]
struct Member {
    id: Uuid,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    email_normalized: Option<String>,
    phone: Option<String>,
    mobile: Option<String>,
}

/// What an erasure removed, by table (the erasure record keeps this, nothing else).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub erasure_id: Uuid,
    pub persons: u64,
    pub interactions: u64,
    pub transactions: u64,
    pub consent_events_redacted: u64,
    pub merges: u64,
    pub import_errors: u64,
    pub import_previews: u64,
    pub uploads: u64,
    pub audit_entries_redacted: u64,
    pub free_text_redacted: u64,
    pub suppressed_addresses: u64,
    /// What a legal duty keeps (Art. 17(3)(b) GDPR), as legal holds: kind, basis, until when.
    pub kept: Vec<crate::holds::Kept>,
}

fn text_array(items: Vec<String>) -> Value {
    kartei_contacts::sql::text_array(items.into_iter().map(Some).collect())
}

/// `%value%` patterns for ILIKE, with LIKE's metacharacters escaped.
fn patterns(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|v| format!("%{}%", kartei_contacts::sql::like_escape(v)))
        .collect()
}

/// A literal for a POSIX regular expression.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Erases a person (and every record merged into them) in the caller's transaction.
pub async fn erase_person(
    tx: &TenantTx,
    person_id: Uuid,
    actor: &str,
    reason: &str,
    request_id: Option<Uuid>,
) -> Result<Summary> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Error::field("reason", "must be 1 to 500 characters"));
    }
    let family = Member::find_by_statement(stmt(
        "WITH RECURSIVE fam AS (SELECT id FROM persons WHERE id = $1 \
             UNION SELECT p.id FROM persons p JOIN fam ON p.merged_into = fam.id) \
         SELECT p.id, p.first_name, p.last_name, p.email, p.email_normalized, p.phone, p.mobile \
         FROM persons p JOIN fam USING (id)",
        vec![person_id.into()],
    ))
    .all(&**tx)
    .await?;
    if !family.iter().any(|m| m.id == person_id) {
        return Err(Error::NotFound("person"));
    }
    let ids: Vec<Uuid> = family.iter().map(|m| m.id).collect();
    let id_array = || kartei_contacts::sql::uuid_array(ids.clone());
    let mut s = Summary {
        erasure_id: Uuid::now_v7(),
        ..Summary::default()
    };
    tx.execute_raw(stmt(
        "SELECT set_config('kartei.erasure', 'on', true)",
        vec![],
    ))
    .await?;

    // 1. Suppression hashes first: they are what stays.
    let key = Key::load(tx).await?;
    for m in &family {
        for (kind, value) in [
            (AddressKind::Email, &m.email_normalized),
            (AddressKind::Phone, &m.phone),
            (AddressKind::Phone, &m.mobile),
        ] {
            let Some(v) = value else { continue };
            if suppression::add_hash(tx, key.hash(v), kind, suppression::Reason::Erasure, actor)
                .await?
            {
                s.suppressed_addresses += 1;
            }
        }
    }

    // What identifies the person in free text and files.
    let mut strong: Vec<String> = Vec::new(); // emails and phone numbers
    let mut names: Vec<(String, String)> = Vec::new(); // (first, last)
    let mut last_names: Vec<String> = Vec::new();
    for m in &family {
        for v in [&m.email, &m.email_normalized, &m.phone, &m.mobile]
            .into_iter()
            .flatten()
        {
            if !strong.contains(v) {
                strong.push(v.clone());
            }
        }
        if let Some(l) = m.last_name.as_ref().filter(|l| l.chars().count() >= 2) {
            last_names.push(l.clone());
            if let Some(f) = &m.first_name {
                names.push((f.clone(), l.clone()));
                let full = format!("{f} {l}");
                if !strong.contains(&full) {
                    strong.push(full);
                }
            }
        }
    }
    let mut record_patterns = strong.clone();
    record_patterns.extend(last_names.iter().cloned());

    // 2. What a legal duty keeps is copied into legal holds before the originals go.
    s.kept = crate::holds::keep(tx, person_id, s.erasure_id).await?;

    // 3. Consent events: redacted, never deleted.
    s.consent_events_redacted = tx
        .execute_raw(stmt(
            "UPDATE consent_events SET person_id = NULL, source_ref = NULL, address_hash = NULL, \
                 ip = NULL, user_agent = NULL, note = NULL, redacted_at = now() \
             WHERE person_id = ANY($1)",
            vec![id_array()],
        ))
        .await?
        .rows_affected();

    // 4. Owned rows.
    s.interactions = tx
        .execute_raw(stmt(
            "DELETE FROM interactions WHERE person_id = ANY($1)",
            vec![id_array()],
        ))
        .await?
        .rows_affected();
    s.transactions = tx
        .execute_raw(stmt(
            "DELETE FROM transactions WHERE person_id = ANY($1)",
            vec![id_array()],
        ))
        .await?
        .rows_affected();
    s.merges = tx
        .execute_raw(stmt(
            "DELETE FROM merges WHERE entity = 'person' AND (winner_id = ANY($1) OR loser_ids && $1)",
            vec![id_array()],
        ))
        .await?
        .rows_affected();
    tx.execute_raw(stmt(
        "UPDATE data_subject_requests SET note = NULL WHERE person_id = ANY($1)",
        vec![id_array()],
    ))
    .await?;

    // 5. Imports: error rows and preview rows that name the person; uploads still holding them.
    if !record_patterns.is_empty() {
        let pats = text_array(patterns(&record_patterns));
        s.import_errors = tx
            .execute_raw(stmt(
                "DELETE FROM import_errors WHERE reason ILIKE ANY($1) OR value ILIKE ANY($1)",
                vec![pats.clone()],
            ))
            .await?
            .rows_affected();
        s.import_previews = tx
            .execute_raw(stmt(
                "UPDATE imports SET preview = (SELECT COALESCE(jsonb_agg(r), '[]'::jsonb) \
                     FROM jsonb_array_elements(preview) r WHERE NOT (r::text ILIKE ANY($1))) \
                 WHERE preview::text ILIKE ANY($1)",
                vec![pats.clone()],
            ))
            .await?
            .rows_affected();
        s.audit_entries_redacted = tx
            .execute_raw(stmt(
                "UPDATE audit_log SET detail = jsonb_build_object('redacted', 'erasure', 'erasure', $2::text) \
                 WHERE detail::text ILIKE ANY($1)",
                vec![pats, s.erasure_id.to_string().into()],
            ))
            .await?
            .rows_affected();
    }
    s.uploads = purge_uploads(tx, &strong, &names).await?;

    // 6. Other people's free text that mentions the person's address or full name.
    for v in &strong {
        let pat = text_array(patterns(std::slice::from_ref(v)));
        for (table, col) in [
            ("interactions", "subject"),
            ("interactions", "summary"),
            ("transactions", "description"),
        ] {
            s.free_text_redacted += tx
                .execute_raw(stmt(
                    &format!(
                        "UPDATE {table} SET {col} = regexp_replace({col}, $2, '[erased]', 'gi') \
                         WHERE {col} ILIKE ANY($1)"
                    ),
                    vec![pat.clone(), regex_escape(v).into()],
                ))
                .await?
                .rows_affected();
        }
    }

    // 7. The persons themselves (relations, duplicate pairs, exception records and sent
    // messages go with them by cascade).
    s.persons = tx
        .execute_raw(stmt(
            "DELETE FROM persons WHERE id = ANY($1)",
            vec![id_array()],
        ))
        .await?
        .rows_affected();
    // The in-database search index at once (the delete above waited for a drain writing the
    // person's document: it takes the drain's lock); other engines learn it from the outbox.
    tx.execute_raw(stmt(
        "DELETE FROM search_documents WHERE id = ANY($1)",
        vec![id_array()],
    ))
    .await?;
    for id in &ids {
        tx.execute_raw(stmt(
            "INSERT INTO outbox (topic, subject_id) VALUES ('person.erased', $1)",
            vec![(*id).into()],
        ))
        .await?;
    }

    // 8. The record of it.
    let removed = serde_json::to_value(&s).unwrap_or_else(|_| json!({}));
    tx.execute_raw(stmt(
        "INSERT INTO erasures (id, actor, reason, request_id, removed) VALUES ($1, $2, $3, $4, $5)",
        vec![
            s.erasure_id.into(),
            actor.into(),
            reason.into(),
            request_id.into(),
            removed.clone().into(),
        ],
    ))
    .await?;
    if let Some(r) = request_id {
        crate::dsr::complete(tx, r, actor).await?;
    }
    audit::record(
        tx,
        actor,
        "person.erased",
        Some(&person_id.to_string()),
        json!({ "erasure": s.erasure_id, "records": ids.len() }),
    )
    .await?;
    tx.execute_raw(stmt(
        "SELECT set_config('kartei.erasure', 'off', true)",
        vec![],
    ))
    .await?;
    Ok(s)
}

/// Uploads (not yet purged) whose bytes contain an email or phone number, or first and last
/// name, of the person, in UTF-8 or Windows-1252, also across a chunk boundary: their content
/// is removed.
async fn purge_uploads(
    tx: &TenantTx,
    strong: &[String],
    names: &[(String, String)],
) -> Result<u64> {
    let encodings = |s: &str| -> Vec<Vec<u8>> {
        let utf8 = s.as_bytes().to_vec();
        let (cp, _, _) = WINDOWS_1252.encode(s);
        if cp.as_ref() == utf8.as_slice() {
            vec![utf8]
        } else {
            vec![utf8, cp.into_owned()]
        }
    };
    let any: Vec<Vec<u8>> = strong.iter().flat_map(|s| encodings(s)).collect();
    let firsts: Vec<Vec<u8>> = names.iter().flat_map(|(f, _)| encodings(f)).collect();
    let lasts: Vec<Vec<u8>> = names.iter().flat_map(|(_, l)| encodings(l)).collect();
    if any.is_empty() && lasts.is_empty() {
        return Ok(0);
    }
    #[derive(FromQueryResult)]
    struct Hit {
        upload_id: Uuid,
    }
    // Each chunk is searched together with the first KiB of the next one.
    let hits = Hit::find_by_statement(stmt(
        "WITH w AS (SELECT c.upload_id, c.data || COALESCE((SELECT substring(n.data FROM 1 FOR 1024) \
                 FROM upload_chunks n WHERE n.upload_id = c.upload_id AND n.seq = c.seq + 1), ''::bytea) AS data \
             FROM upload_chunks c) \
         SELECT DISTINCT upload_id FROM w \
         WHERE EXISTS (SELECT 1 FROM unnest($1::bytea[]) p WHERE position(p IN w.data) > 0) \
            OR (EXISTS (SELECT 1 FROM unnest($2::bytea[]) p WHERE position(p IN w.data) > 0) \
                AND EXISTS (SELECT 1 FROM unnest($3::bytea[]) p WHERE position(p IN w.data) > 0))",
        vec![
            bytes_array(any),
            bytes_array(lasts),
            bytes_array(firsts),
        ],
    ))
    .all(&**tx)
    .await?;
    for h in &hits {
        tx.execute_raw(stmt(
            "DELETE FROM upload_chunks WHERE upload_id = $1",
            vec![h.upload_id.into()],
        ))
        .await?;
        tx.execute_raw(stmt(
            "UPDATE uploads SET filename = '(removed by erasure)', purged_at = now() WHERE id = $1",
            vec![h.upload_id.into()],
        ))
        .await?;
    }
    Ok(hits.len() as u64)
}

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct ErasureRecord {
    pub id: Uuid,
    pub erased_at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub reason: String,
    pub request_id: Option<Uuid>,
    pub removed: serde_json::Value,
}

pub async fn records(tx: &TenantTx, limit: u64) -> Result<Vec<ErasureRecord>> {
    Ok(ErasureRecord::find_by_statement(stmt(
        "SELECT id, erased_at, actor, reason, request_id, removed FROM erasures \
         ORDER BY erased_at DESC LIMIT $1",
        vec![(limit.min(500) as i64).into()],
    ))
    .all(&**tx)
    .await?)
}

/// Carries out every pending hand-over for erasure (from the staleness review or a retention
/// policy), at most `limit` in this transaction.
pub async fn erase_requested(tx: &TenantTx, actor: &str, limit: u64) -> Result<Vec<Summary>> {
    #[derive(FromQueryResult)]
    struct Row {
        id: Uuid,
        erasure_requested_by: Option<String>,
    }
    let rows = Row::find_by_statement(stmt(
        "SELECT id, erasure_requested_by FROM persons \
         WHERE erasure_requested_at IS NOT NULL AND merged_into IS NULL \
         ORDER BY erasure_requested_at LIMIT $1",
        vec![(limit.min(10_000) as i64).into()],
    ))
    .all(&**tx)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let why = format!(
            "handed over for erasure by {}",
            r.erasure_requested_by.as_deref().unwrap_or("unknown")
        );
        out.push(erase_person(tx, r.id, actor, &why, None).await?);
    }
    Ok(out)
}
