//! Duplicate candidates. Pairs come from three blocks computed in SQL — same normalized email,
//! same E.164 phone (phone or mobile), and same Kölner Phonetik of first and last name where
//! organization, city or email domain also agree — and are scored here with their reasons.
//! Blocking keeps the scan near-linear: no pair is compared unless it shares a key.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use kartei_core::paging::{Direction, Page, PageRequest};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::sql::{text_array, uuid_array};

/// Pairs scoring below this are not reported.
pub const THRESHOLD: f32 = 0.45;

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The smaller id first.
    pub a: Uuid,
    pub b: Uuid,
    pub score: f32,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, FromQueryResult)]
struct PairRow {
    a: Uuid,
    b: Uuid,
}

#[derive(Debug, Clone, FromQueryResult)]
struct Group {
    ids: Vec<Uuid>,
}

/// Blocks larger than this (a shared switchboard number, a role address) are not expanded
/// into pairs: they say "same office", not "same person".
pub const MAX_BLOCK: usize = 200;

#[derive(Debug, Clone, FromQueryResult)]
struct Facts {
    id: Uuid,
    name_key: String,
    first_phonetic: String,
    last_phonetic: String,
    email_normalized: Option<String>,
    phone: Option<String>,
    mobile: Option<String>,
    city_key: String,
    street: Option<String>,
    org_key: Option<String>,
}

/// The blocks: persons sharing a normalized email, a phone number (phone or mobile), or the
/// Kölner Phonetik of first and last name. Grouping is one hash aggregate per key, so the scan
/// stays linear in the number of persons; pairs are formed within blocks only. With `one`,
/// only the blocks that contain that person.
fn blocks_sql(one: bool) -> String {
    let live = "merged_into IS NULL AND archived_at IS NULL";
    let (email, phone, sound) = if one {
        (
            "AND email_normalized IN (SELECT email_normalized FROM persons WHERE id = ANY($1))",
            "WHERE n IN (SELECT phone FROM persons WHERE id = ANY($1) UNION SELECT mobile FROM persons WHERE id = ANY($1))",
            "AND (last_phonetic, first_phonetic) IN (SELECT last_phonetic, first_phonetic FROM persons WHERE id = ANY($1))",
        )
    } else {
        ("", "", "")
    };
    format!(
        "SELECT array_agg(id) AS ids FROM persons WHERE {live} AND email_normalized IS NOT NULL {email} \
             GROUP BY email_normalized HAVING count(*) > 1 \
         UNION ALL \
         SELECT array_agg(DISTINCT id) FROM ( \
             SELECT id, phone AS n FROM persons WHERE {live} AND phone IS NOT NULL \
             UNION ALL SELECT id, mobile FROM persons WHERE {live} AND mobile IS NOT NULL) x {phone} \
             GROUP BY n HAVING count(DISTINCT id) > 1 \
         UNION ALL \
         SELECT array_agg(id) FROM persons WHERE {live} AND last_phonetic <> '' {sound} \
             GROUP BY last_phonetic, first_phonetic HAVING count(*) > 1"
    )
}

/// Candidate pairs (smaller id first) from the blocks; `only` keeps the pairs with one of
/// those persons.
async fn pairs(tx: &TenantTx, only: Option<&HashSet<Uuid>>) -> Result<(Vec<PairRow>, usize)> {
    let values = only
        .map(|ids| vec![crate::sql::uuid_array(ids.iter().copied().collect())])
        .unwrap_or_default();
    let groups = Group::find_by_statement(stmt(&blocks_sql(only.is_some()), values))
        .all(&**tx)
        .await?;
    let mut seen: HashSet<(Uuid, Uuid)> = HashSet::new();
    let mut skipped = 0;
    for g in groups {
        if g.ids.len() > MAX_BLOCK {
            skipped += 1;
            continue;
        }
        for (i, x) in g.ids.iter().enumerate() {
            for y in &g.ids[i + 1..] {
                let pair = if x < y { (*x, *y) } else { (*y, *x) };
                if only.is_none_or(|set| set.contains(&pair.0) || set.contains(&pair.1)) {
                    seen.insert(pair);
                }
            }
        }
    }
    Ok((
        seen.into_iter().map(|(a, b)| PairRow { a, b }).collect(),
        skipped,
    ))
}

/// Mail providers whose domain says nothing about the person.
const FREEMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "t-online.de",
    "yahoo.de",
    "yahoo.com",
    "hotmail.com",
    "hotmail.de",
    "outlook.com",
    "outlook.de",
    "icloud.com",
    "aol.com",
    "freenet.de",
    "posteo.de",
    "mailbox.org",
    "live.de",
];

fn company_domain(f: &Facts) -> Option<&str> {
    let d = f.email_normalized.as_deref()?.rsplit_once('@')?.1;
    (!FREEMAIL.contains(&d)).then_some(d)
}

async fn facts(tx: &TenantTx, ids: Vec<Uuid>) -> Result<HashMap<Uuid, Facts>> {
    let rows = Facts::find_by_statement(stmt(
        "SELECT p.id, p.name_key, p.first_phonetic, p.last_phonetic, p.email_normalized, \
                p.phone, p.mobile, p.city_key, p.street, \
                (SELECT o.name_key FROM person_organizations po JOIN organizations o \
                   ON o.id = po.organization_id WHERE po.person_id = p.id AND po.is_primary) AS org_key \
         FROM persons p WHERE p.id = ANY($1)",
        vec![uuid_array(ids)],
    ))
    .all(&**tx)
    .await?;
    Ok(rows.into_iter().map(|f| (f.id, f)).collect())
}

/// Scores one pair; `None` when it is not a plausible duplicate.
fn score(x: &Facts, y: &Facts) -> Option<Candidate> {
    let mut s = 0.0_f32;
    let mut reasons = Vec::new();
    if x.email_normalized.is_some() && x.email_normalized == y.email_normalized {
        s += 0.6;
        reasons.push("same email address".to_owned());
    }
    let xs: HashSet<&str> = [x.phone.as_deref(), x.mobile.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if [y.phone.as_deref(), y.mobile.as_deref()]
        .into_iter()
        .flatten()
        .any(|n| xs.contains(n))
    {
        s += 0.5;
        reasons.push("same phone number".to_owned());
    }
    let name_sim = if x.name_key.is_empty() || y.name_key.is_empty() {
        0.0
    } else {
        strsim::jaro_winkler(&x.name_key, &y.name_key) as f32
    };
    let sounds_alike = !x.last_phonetic.is_empty()
        && x.last_phonetic == y.last_phonetic
        && x.first_phonetic == y.first_phonetic;
    // A name alone (even with the city) is not enough: namesakes are common. It takes one
    // more shared fact (street, organization, company mail domain, email or phone).
    if name_sim >= 0.999 {
        s += 0.35;
        reasons.push("same name".to_owned());
    } else if sounds_alike && name_sim >= 0.8 {
        s += 0.33;
        reasons.push(format!(
            "similar name ({:.0}% alike, same sound)",
            name_sim * 100.0
        ));
    } else if name_sim < 0.6 && !reasons.is_empty() {
        // Same email or phone but clearly different names: a shared family or office line.
        s -= 0.2;
        reasons.push("different names".to_owned());
    }
    match (&x.org_key, &y.org_key) {
        (Some(a), Some(b)) if a == b => {
            s += 0.2;
            reasons.push("same organization".to_owned());
        }
        (Some(_), Some(_)) => {
            s -= 0.3;
            reasons.push("different organizations".to_owned());
        }
        _ => {}
    }
    if x.email_normalized != y.email_normalized
        && company_domain(x).is_some()
        && company_domain(x) == company_domain(y)
    {
        s += 0.1;
        reasons.push("same company email domain".to_owned());
    }
    if !x.city_key.is_empty() && x.city_key == y.city_key {
        s += 0.05;
        reasons.push("same city".to_owned());
        if let (Some(a), Some(b)) = (&x.street, &y.street)
            && crate::normalize::street_key(a) == crate::normalize::street_key(b)
        {
            s += 0.15;
            reasons.push("same street address".to_owned());
        }
    }
    let s = s.clamp(0.0, 1.0);
    (s >= THRESHOLD).then(|| {
        let (a, b) = if x.id < y.id {
            (x.id, y.id)
        } else {
            (y.id, x.id)
        };
        Candidate {
            a,
            b,
            score: (s * 100.0).round() / 100.0,
            reasons,
        }
    })
}

async fn score_pairs(tx: &TenantTx, pairs: Vec<PairRow>) -> Result<Vec<Candidate>> {
    let mut ids: Vec<Uuid> = pairs.iter().flat_map(|p| [p.a, p.b]).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    let mut facts_by_id = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(10_000) {
        facts_by_id.extend(facts(tx, chunk.to_vec()).await?);
    }
    let facts = facts_by_id;
    for p in pairs {
        if let (Some(x), Some(y)) = (facts.get(&p.a), facts.get(&p.b))
            && let Some(c) = score(x, y)
        {
            out.push(c);
        }
    }
    out.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    out.dedup_by(|x, y| x.a == y.a && x.b == y.b);
    Ok(out)
}

/// Likely duplicates of one person (for warnings on create and for the person page).
pub async fn candidates_for(tx: &TenantTx, person: Uuid) -> Result<Vec<Candidate>> {
    Ok(candidates_for_many(tx, &[person])
        .await?
        .remove(&person)
        .unwrap_or_default())
}

/// Likely duplicates of each of `persons`, best first, with a fixed number of statements.
pub async fn candidates_for_many(
    tx: &TenantTx,
    persons: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Candidate>>> {
    let set: HashSet<Uuid> = persons.iter().copied().collect();
    let (pairs, _) = pairs(tx, Some(&set)).await?;
    let dismissed = dismissed_with(tx, &set).await?;
    let mut out: HashMap<Uuid, Vec<Candidate>> = HashMap::new();
    for c in score_pairs(tx, pairs).await? {
        if dismissed.contains(&(c.a, c.b)) {
            continue;
        }
        for p in [c.a, c.b] {
            if set.contains(&p) {
                out.entry(p).or_default().push(c.clone());
            }
        }
    }
    Ok(out)
}

async fn dismissed_with(tx: &TenantTx, persons: &HashSet<Uuid>) -> Result<HashSet<(Uuid, Uuid)>> {
    let rows = PairRow::find_by_statement(stmt(
        "SELECT a, b FROM duplicate_pairs WHERE dismissed_at IS NOT NULL \
         AND (a = ANY($1) OR b = ANY($1))",
        vec![crate::sql::uuid_array(persons.iter().copied().collect())],
    ))
    .all(&**tx)
    .await?;
    Ok(rows.into_iter().map(|r| (r.a, r.b)).collect())
}

#[derive(Debug, Clone, Copy)]
pub struct ScanSummary {
    pub persons: i64,
    pub pairs: usize,
    /// Blocks over [`MAX_BLOCK`] persons, not expanded.
    pub skipped_blocks: usize,
}

/// Rescans the whole tenant and replaces the stored candidates (dismissed pairs stay dismissed).
pub async fn scan(tx: &TenantTx) -> Result<ScanSummary> {
    // Fresh statistics: after a bulk import the planner would otherwise guess.
    tx.execute_unprepared("ANALYZE persons, person_organizations, organizations")
        .await?;
    let (pairs, skipped_blocks) = pairs(tx, None).await?;
    let found = score_pairs(tx, pairs).await?;
    tx.execute_raw(stmt(
        "DELETE FROM duplicate_pairs WHERE dismissed_at IS NULL",
        vec![],
    ))
    .await?;
    for chunk in found.chunks(5_000) {
        tx.execute_raw(stmt(
            "INSERT INTO duplicate_pairs (a, b, score, reasons) \
             SELECT a::uuid, b::uuid, s::real, string_to_array(r, chr(31)) \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) AS u(a, b, s, r) \
             ON CONFLICT (a, b) DO NOTHING",
            vec![
                text_array(chunk.iter().map(|c| Some(c.a.to_string())).collect()),
                text_array(chunk.iter().map(|c| Some(c.b.to_string())).collect()),
                text_array(chunk.iter().map(|c| Some(c.score.to_string())).collect()),
                text_array(
                    chunk
                        .iter()
                        .map(|c| Some(c.reasons.join("\u{1f}")))
                        .collect(),
                ),
            ],
        ))
        .await?;
    }
    let persons = tx
        .query_one_raw(stmt(
            "SELECT count(*) AS n FROM persons WHERE merged_into IS NULL AND archived_at IS NULL",
            vec![],
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    Ok(ScanSummary {
        persons,
        pairs: found.len(),
        skipped_blocks,
    })
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct StoredPair {
    pub a: Uuid,
    pub b: Uuid,
    pub score: f32,
    pub reasons: Vec<String>,
    pub found_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairKey(pub f32, pub Uuid, pub Uuid);

/// Stored candidates, best first; pairs whose records were merged or archived since drop out.
/// The number of stored, undismissed pairs between live persons.
pub async fn pairs_count(tx: &TenantTx) -> Result<i64> {
    Ok(kartei_tenancy::paging::count(
        &**tx,
        &format!("FROM duplicate_pairs d WHERE {LIVE_PAIR}"),
        vec![],
    )
    .await?)
}

const LIVE_PAIR: &str = "d.dismissed_at IS NULL AND NOT EXISTS (SELECT 1 FROM persons p \
     WHERE p.id IN (d.a, d.b) AND (p.merged_into IS NOT NULL OR p.archived_at IS NOT NULL))";

pub async fn page(tx: &TenantTx, req: &PageRequest<PairKey>) -> Result<Page<StoredPair>> {
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let mut cond = vec![LIVE_PAIR.to_owned()];
    for (key, op) in [(&req.after, "<"), (&req.before, ">")] {
        if let Some(PairKey(s, a, b)) = key {
            values.extend([(*s).into(), (*a).into(), (*b).into()]);
            let n = values.len();
            cond.push(format!(
                "(d.score, d.a, d.b) {op} (${}::real, ${}, ${})",
                n - 2,
                n - 1,
                n
            ));
        }
    }
    let dir = if req.direction == Direction::Forward {
        "DESC"
    } else {
        "ASC"
    };
    let rows = StoredPair::find_by_statement(stmt(
        &format!(
            "SELECT d.a, d.b, d.score, d.reasons, d.found_at FROM duplicate_pairs d WHERE {} \
             ORDER BY d.score {dir}, d.a {dir}, d.b {dir} LIMIT {}",
            cond.join(" AND "),
            req.limit + 1
        ),
        values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |p| PairKey(p.score, p.a, p.b)))
}

/// The live pair of two persons (in either order), if there is one.
pub async fn pair(tx: &TenantTx, x: Uuid, y: Uuid) -> Result<Option<StoredPair>> {
    let (a, b) = if x < y { (x, y) } else { (y, x) };
    Ok(StoredPair::find_by_statement(stmt(
        &format!(
            "SELECT d.a, d.b, d.score, d.reasons, d.found_at FROM duplicate_pairs d \
             WHERE d.a = $1 AND d.b = $2 AND {LIVE_PAIR}"
        ),
        vec![a.into(), b.into()],
    ))
    .one(&**tx)
    .await?)
}

/// Marks a pair as "not a duplicate"; later scans keep it dismissed.
pub async fn dismiss(tx: &TenantTx, x: Uuid, y: Uuid, actor: &str) -> Result<()> {
    if x == y {
        return Err(Error::field("b", "must differ from a"));
    }
    let (a, b) = if x < y { (x, y) } else { (y, x) };
    for id in [a, b] {
        crate::persons::get(tx, id).await?;
    }
    tx.execute_raw(stmt(
        "INSERT INTO duplicate_pairs (a, b, score, reasons, dismissed_at, dismissed_by) \
         VALUES ($1, $2, 0, '{}', now(), $3) \
         ON CONFLICT (a, b) DO UPDATE SET dismissed_at = now(), dismissed_by = EXCLUDED.dismissed_by",
        vec![a.into(), b.into(), actor.into()],
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{fold, koelner_phonetik, person_name_key};

    fn f(
        first: &str,
        last: &str,
        email: Option<&str>,
        phone: Option<&str>,
        city: &str,
        org: Option<&str>,
    ) -> Facts {
        Facts {
            id: Uuid::now_v7(),
            name_key: person_name_key(Some(first), Some(last)),
            first_phonetic: koelner_phonetik(first),
            last_phonetic: koelner_phonetik(last),
            email_normalized: email.map(str::to_lowercase),
            phone: phone.map(str::to_owned),
            mobile: None,
            city_key: fold(city),
            street: Some("Hauptstraße 5".to_owned()),
            org_key: org.map(str::to_owned),
        }
    }

    #[test]
    fn spelling_variants_pair_and_namesakes_do_not() {
        let pairs = [
            (
                f("Anna", "Wachowski", None, None, "Köln", Some("acme")),
                f("Anna", "Wachowsky", None, None, "Köln", Some("acme")),
                true,
            ),
            (
                f("Jürgen", "Müller", None, None, "Berlin", None),
                f("Juergen", "Mueller", None, None, "Berlin", None),
                true,
            ),
            (
                f("Jürgen", "Müller", None, None, "Berlin", None),
                f("Jurgen", "Muller", None, None, "Berlin", None),
                true,
            ),
            (
                f("Thomas", "Müller", None, None, "Stuttgart", Some("bosch")),
                f("Thomas", "Müller", None, None, "Stuttgart", Some("daimler")),
                false,
            ),
            (
                f("Thomas", "Müller", None, None, "Stuttgart", Some("bosch")),
                f("Sabine", "Müller", None, None, "Hamburg", Some("otto")),
                false,
            ),
        ];
        for (x, y, expected) in pairs {
            assert_eq!(
                score(&x, &y).is_some(),
                expected,
                "{} / {}",
                x.name_key,
                y.name_key
            );
        }
    }
}
