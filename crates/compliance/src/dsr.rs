//! Data-subject requests (GDPR Art. 15-21) with their legal deadline, and the access and
//! portability export: everything Kartei holds about a person, as JSON and as CSV per category,
//! in one ZIP archive.

use std::io::Write;

use chrono::{DateTime, Months, Utc};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{FromQueryResult, JsonValue};
use serde::Serialize;
use serde_json::{Map, json};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ledger::{self, str_enum};

str_enum!(
    RequestKind {
        Access = "access",
        Portability = "portability",
        Erasure = "erasure",
        Rectification = "rectification",
        Restriction = "restriction",
        Objection = "objection",
    }
);

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Request {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub kind: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub extended_reason: Option<String>,
    pub note: Option<String>,
    pub created_by: String,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<String>,
}

const COLUMNS: &str = "id, person_id, kind, status, received_at, due_at, extended_reason, note, \
     created_by, completed_at, completed_by";

/// The deadline: one month after receipt (Art. 12(3) GDPR).
pub fn due(received: DateTime<Utc>) -> DateTime<Utc> {
    received
        .checked_add_months(Months::new(1))
        .unwrap_or(received)
}

pub async fn create(
    tx: &TenantTx,
    person_id: Uuid,
    kind: RequestKind,
    received_at: Option<DateTime<Utc>>,
    note: Option<&str>,
    actor: &str,
) -> Result<Request> {
    let received = received_at.unwrap_or_else(Utc::now);
    if received > Utc::now() + chrono::Duration::minutes(5) {
        return Err(Error::field("receivedAt", "must not be in the future"));
    }
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(Error::field("note", "must be at most 2000 characters"));
    }
    let person = kartei_contacts::persons::get(tx, person_id).await?;
    let r = get_by(
        tx,
        &format!(
            "INSERT INTO data_subject_requests (id, person_id, kind, received_at, due_at, note, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
        ),
        vec![
            Uuid::now_v7().into(),
            person_id.into(),
            kind.as_str().into(),
            received.into(),
            due(received).into(),
            note.map(str::to_owned).into(),
            actor.into(),
        ],
    )
    .await?;
    // A restriction applies from the request on, while the controller checks it (Art. 18(1)).
    if kind == RequestKind::Restriction && person.restricted_at.is_none() {
        crate::restriction::restrict(
            tx,
            person_id,
            &format!("data-subject request {}", r.id),
            actor,
        )
        .await?;
    }
    Ok(r)
}

async fn get_by(tx: &TenantTx, sql: &str, values: Vec<sea_orm::Value>) -> Result<Request> {
    Request::find_by_statement(stmt(sql, values))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("data-subject request"))
}

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<Request> {
    get_by(
        tx,
        &format!("SELECT {COLUMNS} FROM data_subject_requests WHERE id = $1"),
        vec![id.into()],
    )
    .await
}

/// Extends the deadline by two further months (Art. 12(3)), with the reason.
pub async fn extend(tx: &TenantTx, id: Uuid, reason: &str) -> Result<Request> {
    if reason.trim().is_empty() || reason.chars().count() > 2000 {
        return Err(Error::field("reason", "must be 1 to 2000 characters"));
    }
    let r = get(tx, id).await?;
    if r.status != "open" {
        return Err(Error::Conflict("the request is already closed".into()));
    }
    if r.extended_reason.is_some() {
        return Err(Error::Conflict(
            "the deadline was already extended once".into(),
        ));
    }
    let due_at = r
        .received_at
        .checked_add_months(Months::new(3))
        .unwrap_or(r.due_at);
    get_by(
        tx,
        &format!(
            "UPDATE data_subject_requests SET due_at = $2, extended_reason = $3 WHERE id = $1 \
             RETURNING {COLUMNS}"
        ),
        vec![id.into(), due_at.into(), reason.trim().into()],
    )
    .await
}

/// Closes a request as done (or rejected, with `rejected`).
pub async fn close(tx: &TenantTx, id: Uuid, actor: &str, rejected: bool) -> Result<Request> {
    let r = get(tx, id).await?;
    if r.status != "open" {
        return Err(Error::Conflict("the request is already closed".into()));
    }
    get_by(
        tx,
        &format!(
            "UPDATE data_subject_requests SET status = $2, completed_at = now(), completed_by = $3 \
             WHERE id = $1 RETURNING {COLUMNS}"
        ),
        vec![
            id.into(),
            if rejected { "rejected" } else { "completed" }.into(),
            actor.into(),
        ],
    )
    .await
}

pub(crate) async fn complete(tx: &TenantTx, id: Uuid, actor: &str) -> Result<()> {
    let r = get(tx, id).await?;
    if r.status == "open" {
        close(tx, id, actor, false).await?;
    }
    Ok(())
}

/// Requests, open ones first by deadline.
pub async fn list(tx: &TenantTx, open_only: bool, limit: u64) -> Result<Vec<Request>> {
    Ok(Request::find_by_statement(stmt(
        &format!(
            "SELECT {COLUMNS} FROM data_subject_requests WHERE (NOT $1 OR status = 'open') \
             ORDER BY (status = 'open') DESC, due_at, id LIMIT $2"
        ),
        vec![open_only.into(), (limit.min(500) as i64).into()],
    ))
    .all(&**tx)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// The export archive

/// The categories of the archive, each a file `<name>.csv` and a key of `person.json`.
pub const CATEGORIES: &[&str] = &[
    "profile",
    "organizations",
    "interactions",
    "transactions",
    "consents",
    "consent_texts",
    "existing_customer_records",
    "sent_messages",
    "profiling",
    "requests",
    "audit",
    // Art. 15(1)(d): how long records are kept beyond an erasure, on which legal basis.
    "retention",
];

#[derive(FromQueryResult)]
struct JsonRow {
    j: JsonValue,
}

async fn rows(tx: &TenantTx, sql: &str, person: Uuid) -> Result<Vec<JsonValue>> {
    Ok(JsonRow::find_by_statement(stmt(
        &format!("SELECT to_jsonb(x) AS j FROM ({sql}) x"),
        vec![person.into()],
    ))
    .all(&**tx)
    .await?
    .into_iter()
    .map(|r| r.j)
    .collect())
}

/// Everything about a person, by category (merged-in records included with the profile).
pub async fn collect(tx: &TenantTx, person_id: Uuid) -> Result<Map<String, JsonValue>> {
    kartei_contacts::persons::get(tx, person_id).await?;
    let fam = "WITH RECURSIVE fam AS (SELECT id FROM persons WHERE id = $1 \
         UNION SELECT p.id FROM persons p JOIN fam ON p.merged_into = fam.id) ";
    let queries: [(&str, String); 11] = [
        (
            "profile",
            format!(
                "{fam}SELECT p.id, p.salutation, p.title, p.first_name, p.last_name, p.email, \
                     p.phone, p.mobile, p.birthday, p.position, p.street, p.postal_code, p.city, \
                     p.country, p.website, p.tags, p.custom, p.source, p.external_id, \
                     p.lifecycle_stage, p.do_not_reactivate, p.dnr_reason, p.archived_at, \
                     p.merged_into, p.last_interaction_at, p.last_purchase_at, p.created_at, \
                     p.updated_at FROM persons p JOIN fam USING (id) ORDER BY p.merged_into NULLS FIRST, p.created_at"
            ),
        ),
        (
            "organizations",
            "SELECT o.name AS organization, po.job_title, po.is_primary, po.buying_role \
             FROM person_organizations po JOIN organizations o ON o.id = po.organization_id \
             WHERE po.person_id = $1 ORDER BY o.name"
                .into(),
        ),
        (
            "interactions",
            "SELECT id, kind, direction, occurred_at, author, subject, summary FROM interactions \
             WHERE person_id = $1 ORDER BY occurred_at"
                .into(),
        ),
        (
            "transactions",
            "SELECT id, kind, number, status, currency, amount_minor, issued_on, due_on, paid_on, \
                 description FROM transactions WHERE person_id = $1 ORDER BY issued_on"
                .into(),
        ),
        (
            "consents",
            "SELECT seq, id, channel, purpose, kind, at, recorded_at, source, source_ref, \
                 text_hash, host(ip) AS ip, user_agent, actor, note, carried_from, \
                 encode(prev_hash, 'hex') AS prev_hash, encode(chain_hash, 'hex') AS chain_hash \
             FROM consent_events WHERE person_id = $1 ORDER BY at, seq"
                .into(),
        ),
        (
            "consent_texts",
            "SELECT t.hash, t.language, t.title, t.body, t.created_at FROM consent_texts t \
             WHERE t.hash IN (SELECT text_hash FROM consent_events WHERE person_id = $1 \
                 UNION SELECT notice_text_hash FROM customer_exceptions WHERE person_id = $1) \
             ORDER BY t.created_at"
                .into(),
        ),
        (
            "existing_customer_records",
            "SELECT id, obtained_at, sale_reference, purposes, notice_given_at, notice_text_hash, \
                 recorded_by, recorded_at FROM customer_exceptions WHERE person_id = $1"
                .into(),
        ),
        (
            "sent_messages",
            "SELECT id, channel, kind, subject, message_id, sent_at, unconfirmed_handover \
             FROM sent_messages \
             WHERE person_id = $1 ORDER BY sent_at"
                .into(),
        ),
        // Art. 15(1)(h): the segments, classes and scores the person is sorted into.
        (
            "profiling",
            "SELECT 'segment' AS kind, s.name AS name, m.since::text AS detail, m.since AS at \
                 FROM segment_members m JOIN segments s ON s.id = m.segment_id WHERE m.person_id = $1 \
             UNION ALL SELECT 'abc_class', a.class::text, array_to_string(a.reasons, ' '), r.computed_at \
                 FROM abc_results a JOIN abc_runs r ON r.id = a.run_id WHERE a.person_id = $1 \
             UNION ALL SELECT 'bant_score', b.total::text, concat_ws(' ', 'budget', b.budget, 'authority', \
                 b.authority, 'need', b.need, 'timing', b.timing), b.scored_at \
                 FROM bant_scores b WHERE b.person_id = $1 \
             UNION ALL SELECT 'lifecycle', l.change, l.effective::text, l.at \
                 FROM lifecycle_events l WHERE l.person_id = $1 ORDER BY 4"
                .into(),
        ),
        (
            "requests",
            "SELECT id, kind, status, received_at, due_at, completed_at FROM data_subject_requests \
             WHERE person_id = $1 ORDER BY received_at"
                .into(),
        ),
        (
            "audit",
            "SELECT id, at, actor, action, detail FROM audit_log WHERE subject = $1::text ORDER BY id"
                .into(),
        ),
    ];
    let mut out = Map::new();
    for (name, sql) in queries {
        out.insert(
            name.to_owned(),
            JsonValue::Array(rows(tx, &sql, person_id).await?),
        );
    }
    let retention = JsonRow::find_by_statement(stmt(
        &format!(
            "SELECT to_jsonb(x) AS j FROM ({}) x",
            crate::holds::due_sql()
        ),
        crate::holds::due_params(person_id),
    ))
    .all(&**tx)
    .await?
    .into_iter()
    .map(|r| r.j)
    .collect();
    out.insert("retention".to_owned(), JsonValue::Array(retention));
    Ok(out)
}

fn cell(v: &JsonValue) -> String {
    match v {
        JsonValue::Null => String::new(),
        JsonValue::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn to_csv(rows: &[JsonValue]) -> Result<Vec<u8>> {
    let mut headers: Vec<String> = Vec::new();
    for r in rows {
        if let JsonValue::Object(m) = r {
            for k in m.keys() {
                if !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
    }
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let err = |e: csv::Error| Error::Archive(e.to_string());
    w.write_record(kartei_core::cells::record(&headers))
        .map_err(err)?;
    for r in rows {
        let rec: Vec<String> = headers.iter().map(|h| cell(&r[h.as_str()])).collect();
        w.write_record(kartei_core::cells::record(&rec))
            .map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::Archive(e.to_string()))
}

/// The ZIP archive for an access or portability request: `person.json` with every category,
/// one CSV per category (UTF-8 with BOM) and a README.
pub async fn export_archive(tx: &TenantTx, person_id: Uuid) -> Result<Vec<u8>> {
    let data = collect(tx, person_id).await?;
    let chain = ledger::verify_chain(tx).await?;
    let generated = Utc::now();
    let doc = json!({
        "person_id": person_id,
        "generated_at": generated,
        "format": "kartei data-subject export v1",
        "consent_chain": { "head_seq": chain.head_seq, "head_hash": chain.head_hash, "intact": chain.breaks.is_empty() },
        "data": data,
    });
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let zerr = |e: zip::result::ZipError| Error::Archive(e.to_string());
    let ioerr = |e: std::io::Error| Error::Archive(e.to_string());
    zip.start_file("person.json", opts).map_err(zerr)?;
    let json = serde_json::to_vec_pretty(&doc).map_err(|e| Error::Archive(e.to_string()))?;
    zip.write_all(&json).map_err(ioerr)?;
    for name in CATEGORIES {
        let rows = data
            .get(*name)
            .and_then(JsonValue::as_array)
            .cloned()
            .unwrap_or_default();
        zip.start_file(format!("{name}.csv"), opts).map_err(zerr)?;
        zip.write_all(&to_csv(&rows)?).map_err(ioerr)?;
    }
    zip.start_file("README.txt", opts).map_err(zerr)?;
    let readme = format!(
        "Auskunft nach Art. 15 DSGVO / Datenübertragbarkeit nach Art. 20 DSGVO\n\
         Data-subject access and portability export\n\n\
         Person: {person_id}\nGenerated: {generated}\n\n\
         person.json holds everything in one machine-readable file; each CSV file holds one \
         category: {}.\nConsents carry their proof (time, source, consent text by hash, IP and \
         user agent where known) and their place in the tenant's tamper-evident consent chain.\n",
        CATEGORIES.join(", ")
    );
    zip.write_all(readme.as_bytes()).map_err(ioerr)?;
    let cursor = zip.finish().map_err(zerr)?;
    Ok(cursor.into_inner())
}
