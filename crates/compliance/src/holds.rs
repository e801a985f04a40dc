//! Legal holds: what an erasure keeps because a legal duty requires it (Art. 17(3)(b) GDPR),
//! as minimized copies in `legal_holds` that no other feature reads.
//!
//! - **§7a UWG phone consent proof**: the person's phone-channel consent events (each with its
//!   full content, which hashes to the digest the consent chain holds, so the copy is
//!   verifiable), the calls made on the consent, name and numbers; kept five years after the
//!   consent was given or last used, whichever is later (§7a(2) UWG).
//! - **Invoices** (accounting vouchers): eight years from the end of the calendar year they
//!   were issued in (§147(1) no. 4, (3), (4) AO; §257(1) no. 4, (4), (5) HGB, as amended by the
//!   Viertes Bürokratieentlastungsgesetz from 1 January 2025).
//! - **Orders, and letters and offers sent or received** (business letters): six years from
//!   the end of their calendar year (§257(1) nos. 2, 3, (4), (5) HGB; §147(1) nos. 2, 3 AO).
//!
//! The same query lists, for a live person, what an erasure would keep and until when (the
//! storage period of Art. 15(1)(d) GDPR, in the access export). A hold's `held_until` is the
//! last day it must be kept; [`expire`] (the daily `compliance.legal_holds` job) deletes it the
//! day after. Reading holds ([`list`]) is audited by the caller.

use chrono::{DateTime, NaiveDate, Utc};
use kartei_tenancy::audit;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::error::Result;

/// The daily job that deletes ended holds.
pub const JOB_KIND: &str = "compliance.legal_holds";

pub const BASIS_PHONE: &str = "§7a Abs. 2 UWG: Nachweis der Einwilligung, fünf Jahre nach Erteilung und nach jeder Verwendung";
pub const BASIS_INVOICE: &str = "§147 Abs. 1 Nr. 4, Abs. 3, 4 AO; §257 Abs. 1 Nr. 4, Abs. 4, 5 HGB: \
     Buchungsbeleg, acht Jahre ab Ende des Kalenderjahres";
pub const BASIS_LETTER: &str = "§257 Abs. 1 Nr. 2, 3, Abs. 4, 5 HGB; §147 Abs. 1 Nr. 2, 3, Abs. 3, 4 AO: \
     Handelsbrief, sechs Jahre ab Ende des Kalenderjahres";

/// Every hold a legal duty requires for the person `$1` (and the records merged into them):
/// `kind, basis, document_date, held_until, reference, record`. Dates count in German time.
const HOLDS_SQL: &str = "\
WITH RECURSIVE fam AS (SELECT id FROM persons WHERE id = $1 \
    UNION SELECT p.id FROM persons p JOIN fam ON p.merged_into = fam.id), \
me AS (SELECT concat_ws(' ', p.salutation, p.title, p.first_name, p.last_name) AS name, \
        p.street, p.postal_code, p.city, p.country::text AS country, p.phone, p.mobile \
    FROM persons p WHERE p.id = $1), \
party AS (SELECT jsonb_build_object('name', name, 'street', street, 'postalCode', postal_code, \
        'city', city, 'country', country) AS j FROM me), \
ev AS (SELECT e.seq, e.kind, e.at, consent_content(e) AS content, e.content_digest \
    FROM consent_events e WHERE e.person_id IN (SELECT id FROM fam) AND e.channel = 'phone' \
      AND e.redacted_at IS NULL), \
express AS (SELECT min(at) AS first, max(at) AS last FROM ev WHERE kind IN ('granted', 'confirmed')), \
uses AS (SELECT i.occurred_at AS at FROM interactions i, express x \
        WHERE i.person_id IN (SELECT id FROM fam) AND i.kind = 'call' AND i.direction = 'outbound' \
          AND i.occurred_at >= x.first \
    UNION ALL SELECT s.sent_at FROM campaign_sends s, express x \
        WHERE s.person_id IN (SELECT id FROM fam) AND s.channel = 'phone' AND s.sent_at >= x.first), \
proof AS (SELECT (GREATEST(x.last, (SELECT max(at) FROM uses)) AT TIME ZONE 'Europe/Berlin')::date AS d \
    FROM express x WHERE x.first IS NOT NULL) \
SELECT 'phone_consent_proof' AS kind, $2::text AS basis, proof.d AS document_date, \
       (proof.d + interval '5 years')::date AS held_until, \
       'phone consent for ' || COALESCE((SELECT phone FROM me), (SELECT mobile FROM me), '-') AS reference, \
       jsonb_build_object( \
           'person', (SELECT jsonb_build_object('name', name, 'phone', phone, 'mobile', mobile) FROM me), \
           'events', (SELECT jsonb_agg(jsonb_build_object('seq', seq, \
               'digest', encode(content_digest, 'hex'), 'content', content) ORDER BY seq) FROM ev), \
           'uses', COALESCE((SELECT jsonb_agg(at ORDER BY at) FROM uses), '[]'::jsonb)) AS record \
FROM proof \
UNION ALL \
SELECT t.kind, CASE t.kind WHEN 'invoice' THEN $3 ELSE $4 END, t.issued_on, \
       make_date(extract(year FROM t.issued_on)::int + CASE t.kind WHEN 'invoice' THEN 8 ELSE 6 END, 12, 31), \
       t.kind || ' ' || t.number, \
       jsonb_build_object('kind', t.kind, 'number', t.number, 'issuedOn', t.issued_on, \
           'dueOn', t.due_on, 'paidOn', t.paid_on, 'status', t.status, \
           'amountMinor', t.amount_minor, 'currency', t.currency, 'description', t.description, \
           'party', (SELECT j FROM party)) \
FROM transactions t WHERE t.person_id IN (SELECT id FROM fam) \
UNION ALL \
SELECT 'business_letter', $4, (i.occurred_at AT TIME ZONE 'Europe/Berlin')::date, \
       make_date(extract(year FROM i.occurred_at AT TIME ZONE 'Europe/Berlin')::int + 6, 12, 31), \
       i.kind || ' ' || i.direction || COALESCE(': ' || i.subject, ''), \
       jsonb_build_object('kind', i.kind, 'direction', i.direction, 'occurredAt', i.occurred_at, \
           'subject', i.subject, 'summary', i.summary, 'party', (SELECT j FROM party)) \
FROM interactions i WHERE i.person_id IN (SELECT id FROM fam) \
  AND i.kind IN ('letter', 'offer') AND i.direction IN ('inbound', 'outbound')";

/// The parameters of [`HOLDS_SQL`] and [`due_sql`]: the person, then the bases.
pub fn due_params(person: Uuid) -> Vec<sea_orm::Value> {
    vec![
        person.into(),
        BASIS_PHONE.into(),
        BASIS_INVOICE.into(),
        BASIS_LETTER.into(),
    ]
}

/// What an erasure kept, per kind (the erasure record and receipt list it).
#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Kept {
    pub kind: String,
    pub basis: String,
    pub count: i64,
    pub held_until: NaiveDate,
}

/// One record a legal duty keeps (what the access export lists, Art. 15(1)(d)).
#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Due {
    pub kind: String,
    pub basis: String,
    pub document_date: NaiveDate,
    pub held_until: NaiveDate,
    pub reference: String,
}

/// The SQL for the access export: what an erasure of person `$1` would keep, and until when.
pub fn due_sql() -> String {
    format!(
        "SELECT kind, basis, document_date, held_until, reference FROM ({HOLDS_SQL}) h \
         ORDER BY held_until, kind, reference"
    )
}

/// Copies what a legal duty keeps of `person` (and their merged records) into holds of the
/// erasure `erasure_id`, before the erasure deletes the originals; schedules the daily run that
/// ends them.
pub async fn keep(tx: &TenantTx, person: Uuid, erasure_id: Uuid) -> Result<Vec<Kept>> {
    let mut values = due_params(person);
    values.push(erasure_id.into());
    let kept = Kept::find_by_statement(stmt(
        &format!(
            "WITH ins AS (INSERT INTO legal_holds (id, erasure_id, kind, basis, document_date, \
                     held_until, record) \
                 SELECT gen_random_uuid(), $5, kind, basis, document_date, held_until, record \
                 FROM ({HOLDS_SQL}) h RETURNING kind, basis, held_until) \
             SELECT kind, basis, count(*) AS count, max(held_until) AS held_until FROM ins \
             GROUP BY kind, basis ORDER BY kind"
        ),
        values,
    ))
    .all(&**tx)
    .await?;
    if !kept.is_empty() {
        run_tomorrow(tx).await?;
    }
    Ok(kept)
}

/// Queues tomorrow's run of the job (one waiting run per tenant).
async fn run_tomorrow(tx: &TenantTx) -> Result<()> {
    kartei_tenancy::jobs::enqueue_after(
        tx,
        JOB_KIND,
        Uuid::nil(),
        Utc::now() + chrono::Duration::days(1),
    )
    .await?;
    Ok(())
}

/// A hold as the legal-hold view shows it.
#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Hold {
    pub id: Uuid,
    pub erasure_id: Uuid,
    pub kind: String,
    pub basis: String,
    pub document_date: NaiveDate,
    pub held_until: NaiveDate,
    pub record: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// For consent proof: every held event's content still hashes to the digest the consent
    /// chain holds at its sequence number.
    pub proof_verified: Option<bool>,
}

/// Holds, soonest end first (at most `limit`, up to 1,000).
pub async fn list(tx: &TenantTx, limit: u64) -> Result<Vec<Hold>> {
    Ok(Hold::find_by_statement(stmt(
        "SELECT h.id, h.erasure_id, h.kind, h.basis, h.document_date, h.held_until, h.record, \
             h.created_at, \
             CASE WHEN h.kind = 'phone_consent_proof' THEN NOT EXISTS ( \
                 SELECT 1 FROM jsonb_array_elements(h.record -> 'events') ev \
                 WHERE encode(sha256(convert_to((ev -> 'content')::text, 'UTF8')), 'hex') \
                         IS DISTINCT FROM ev ->> 'digest' \
                    OR NOT EXISTS (SELECT 1 FROM consent_events c \
                        WHERE c.seq = (ev ->> 'seq')::bigint \
                          AND encode(c.content_digest, 'hex') = ev ->> 'digest')) END \
                 AS proof_verified \
         FROM legal_holds h ORDER BY h.held_until, h.id LIMIT $1",
        vec![(limit.min(1000) as i64).into()],
    ))
    .all(&**tx)
    .await?)
}

/// Deletes every hold whose period ended before `today` (the last day of a hold is kept);
/// returns how many. Audited when it deleted any.
pub async fn expire(tx: &TenantTx, today: NaiveDate, actor: &str) -> Result<u64> {
    let n = tx
        .execute_raw(stmt(
            "DELETE FROM legal_holds WHERE held_until < $1",
            vec![today.into()],
        ))
        .await?
        .rows_affected();
    if n > 0 {
        audit::record(
            tx,
            actor,
            "legal_holds.expired",
            None,
            json!({ "deleted": n, "today": today }),
        )
        .await?;
    }
    Ok(n)
}

/// The worker's job: ends what ended and, while holds remain, runs again the next day.
pub async fn run_job(tx: &TenantTx) -> Result<u64> {
    let n = expire(tx, Utc::now().date_naive(), "system:legal_holds").await?;
    if tx
        .query_one_raw(stmt("SELECT 1 AS one FROM legal_holds LIMIT 1", vec![]))
        .await?
        .is_some()
    {
        run_tomorrow(tx).await?;
    }
    Ok(n)
}
