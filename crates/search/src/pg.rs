//! The in-database backend (the default): `search_documents` in the tenant's own schema, with
//! full-text prefix matching (`tsvector`, `simple` configuration over German-folded words,
//! weighted by field: name A, organization B, street/postal code/city C, the rest D).
//! Typos: each query word's misspellings are looked up in `search_words` (the distinct indexed
//! words of letters; `pg_trgm` candidates through its index, confirmed by edit distance) and
//! added to the full-text query as alternatives.
//!
//! Relevance ([`TIERS`]): exact name, name prefix, name with one typo, with two, then
//! organization, then place, then anything else; alphabetical within a tier. The page is
//! read tier by tier, each tier only as far as needed: one walk collects the first 1,001 hits'
//! ids in rank order, which give the page, the total (exact up to [`COUNT_CAP`], see
//! [`Found::total_exact`]) and the facet sample. A one-word name query walks the lead-key
//! index in order, so a surname shared by ten thousand people costs a thousand index
//! entries, not a sort of all of them.

use async_trait::async_trait;
use kartei_core::id::TenantId;
use kartei_tenancy::db::{Db, TenantTx};
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde_json::json;
use uuid::Uuid;

use crate::backend::{Backend, Found};
use crate::document::{Document, text_array, uuid_array};
use crate::highlight::typo_allowance;
use crate::query::{FACET_VALUES, Facet, FacetCounts, Parsed, SearchRequest};
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, Default)]
pub struct InDatabase;

/// Documents per write statement.
const CHUNK: usize = 1000;

const RECORDS: &str = "jsonb_to_recordset($1) AS r(id uuid, kind text, doc jsonb, name_fold text, \
    lead_key text, org_words text, place_words text, other_words text, tags text[], \
    lifecycle_stage text, city text, industry text, owner_id uuid, sort_name text)";

/// Writes `docs`: one plain `INSERT` of those not indexed yet and one `UPDATE` of the others
/// (a speculative `INSERT … ON CONFLICT` costs a third more per new document). Safe because
/// every writer of `search_documents` holds the tenant's drain lock (erasure's deletes too).
async fn upsert(tx: &TenantTx, docs: &[Document]) -> Result<()> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    for chunk in docs.chunks(CHUNK) {
        let ids: Vec<Uuid> = chunk.iter().map(|d| d.id).collect();
        let indexed: std::collections::HashSet<Uuid> = Id::find_by_statement(stmt(
            "SELECT id FROM search_documents WHERE id = ANY($1)",
            vec![uuid_array(&ids)],
        ))
        .all(&**tx)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
        let (updates, inserts): (Vec<&Document>, Vec<&Document>) =
            chunk.iter().partition(|d| indexed.contains(&d.id));
        if !inserts.is_empty() {
            tx.execute_raw(stmt(
                &format!(
                    "INSERT INTO search_documents (id, kind, doc, name_fold, lead_key, org_words, \
                         place_words, other_words, tags, lifecycle_stage, city, industry, \
                         owner_id, sort_name, indexed_at) \
                     SELECT r.id, r.kind, r.doc, r.name_fold, r.lead_key, r.org_words, \
                         r.place_words, r.other_words, r.tags, r.lifecycle_stage, r.city, \
                         r.industry, r.owner_id, r.sort_name, now() FROM {RECORDS}"
                ),
                vec![records(&inserts)],
            ))
            .await?;
        }
        if !updates.is_empty() {
            tx.execute_raw(stmt(
                &format!(
                    "UPDATE search_documents d SET kind = r.kind, doc = r.doc, \
                         name_fold = r.name_fold, lead_key = r.lead_key, \
                         org_words = r.org_words, place_words = r.place_words, \
                         other_words = r.other_words, tags = r.tags, \
                         lifecycle_stage = r.lifecycle_stage, city = r.city, \
                         industry = r.industry, owner_id = r.owner_id, sort_name = r.sort_name, \
                         indexed_at = now() \
                     FROM {RECORDS} WHERE d.id = r.id"
                ),
                vec![records(&updates)],
            ))
            .await?;
        }
    }
    Ok(())
}

/// The documents as one JSON array parameter for [`RECORDS`].
fn records(docs: &[&Document]) -> Value {
    let rows: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "kind": d.kind.as_str(),
                "doc": d,
                "name_fold": d.search_name,
                "lead_key": d.search_lead,
                "org_words": d.search_organization,
                "place_words": d.search_place,
                "other_words": d.other_words(),
                "tags": d.tags,
                "lifecycle_stage": d.lifecycle_stage,
                "city": d.city,
                "industry": d.industry,
                "owner_id": d.owner_id,
                "sort_name": d.sort_name,
            })
        })
        .collect();
    serde_json::Value::Array(rows).into()
}

/// Parameters bound in order; every user value goes through here.
#[derive(Default)]
struct Params(Vec<Value>);

impl Params {
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.0.push(v.into());
        format!("${}", self.0.len())
    }
}

fn facet_column(f: Facet) -> &'static str {
    match f {
        Facet::Kind => "kind",
        Facet::Tags => "tags",
        Facet::LifecycleStage => "lifecycle_stage",
        Facet::City => "city",
        Facet::Industry => "industry",
        Facet::Owner => "owner_id",
    }
}

/// The WHERE clause of the filters (`true` without any).
fn filters(req: &SearchRequest, p: &mut Params) -> String {
    let mut c: Vec<String> = Vec::new();
    let f = &req.filters;
    if let Some(k) = f.kind {
        c.push(format!("kind = {}", p.bind(k.as_str())));
    }
    if !f.tags.is_empty() {
        c.push(format!("tags @> {}", p.bind(text_array(&f.tags))));
    }
    for (col, values) in [
        ("lifecycle_stage", &f.lifecycle_stages),
        ("city", &f.cities),
        ("industry", &f.industries),
    ] {
        if !values.is_empty() {
            c.push(format!("{col} = ANY({})", p.bind(text_array(values))));
        }
    }
    if !f.owners.is_empty() {
        c.push(format!("owner_id = ANY({})", p.bind(uuid_array(&f.owners))));
    }
    if c.is_empty() {
        "true".to_owned()
    } else {
        c.join(" AND ")
    }
}

#[derive(FromQueryResult)]
struct WordRow {
    word: String,
}

/// Most spellings of one query word that are tried.
const MAX_SPELLINGS: usize = 20;
/// Trigram candidates read per query word before the edit distance decides.
const MAX_CANDIDATES: i64 = 200;

/// An indexed word within the typo allowance of a query word, and how far it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spelling {
    word: String,
    distance: usize,
}

/// Indexed words within the typo allowance of `w` (one typo from 4 letters, two from 9;
/// a transposition counts as one), whole or as a misspelt prefix of `w`'s length: trigram
/// candidates from `search_words` (through its index), confirmed by edit distance; the
/// closest first. Words `w` is a prefix of are left out: the prefix match finds them.
async fn typo_spellings(tx: &TenantTx, w: &str) -> Result<Vec<Spelling>> {
    let k = typo_allowance(w.len());
    if k == 0 || !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return Ok(Vec::new());
    }
    // Loose enough for one typo in four letters; the edit distance decides. The word list is
    // small enough that the planner would rather read it whole: 3-4x slower than the index.
    tx.execute_unprepared(
        "SELECT set_config('pg_trgm.word_similarity_threshold', '0.3', true), \
                set_config('enable_seqscan', 'off', true)",
    )
    .await?;
    let rows = WordRow::find_by_statement(stmt(
        "SELECT word FROM search_words WHERE $1 <% word \
           AND (levenshtein_less_equal($1, left(word, $2), $3) <= $3 \
                OR levenshtein_less_equal($1, word, $3) <= $3) \
         ORDER BY word_similarity($1, word) DESC, word LIMIT $4",
        vec![
            w.into(),
            (w.chars().count() as i32).into(),
            // Levenshtein counts a transposition as two edits; the exact check is below.
            (k as i32 + 1).into(),
            MAX_CANDIDATES.into(),
        ],
    ))
    .all(&**tx)
    .await?;
    tx.execute_unprepared("SELECT set_config('enable_seqscan', 'on', true)")
        .await?;
    let mut found: Vec<Spelling> = rows
        .into_iter()
        .filter(|r| r.word != w && !r.word.starts_with(w))
        .filter_map(|r| {
            let prefix: String = r.word.chars().take(w.chars().count()).collect();
            let distance = strsim::osa_distance(w, &r.word).min(strsim::osa_distance(w, &prefix));
            (distance <= k).then_some(Spelling {
                word: r.word,
                distance,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        a.distance
            .cmp(&b.distance)
            .then_with(|| a.word.cmp(&b.word))
    });
    found.truncate(MAX_SPELLINGS);
    Ok(found)
}

/// A query word and its spellings.
struct QueryWord {
    word: String,
    spellings: Vec<Spelling>,
}

/// One step of the relevance order: the words matched in these fields (`weights`, empty for
/// any), as exact words or prefixes, with spellings up to `typos` away.
#[derive(Clone, Copy)]
struct Tier {
    weights: &'static str,
    prefix: bool,
    typos: usize,
}

/// The relevance order both backends follow: exact name, name prefix, name with one typo,
/// with two, then the organization, then street, postal code or city, then e-mail, tags,
/// industry and phone digits.
const TIERS: [Tier; 7] = [
    Tier {
        weights: "A",
        prefix: false,
        typos: 0,
    },
    Tier {
        weights: "A",
        prefix: true,
        typos: 0,
    },
    Tier {
        weights: "A",
        prefix: true,
        typos: 1,
    },
    Tier {
        weights: "A",
        prefix: true,
        typos: 2,
    },
    Tier {
        weights: "AB",
        prefix: true,
        typos: 2,
    },
    Tier {
        weights: "ABC",
        prefix: true,
        typos: 2,
    },
    Tier {
        weights: "",
        prefix: true,
        typos: 2,
    },
];

/// The tier's full-text query: every word must match (as itself or one of its spellings).
/// Words are folded to [a-z0-9], so the text has no operators but ours.
fn tier_query(words: &[QueryWord], tier: Tier) -> String {
    let w = tier.weights;
    words
        .iter()
        .map(|q| {
            let mut alt = vec![if tier.prefix {
                format!("{}:*{w}", q.word)
            } else if w.is_empty() {
                q.word.clone()
            } else {
                format!("{}:{w}", q.word)
            }];
            for s in q.spellings.iter().filter(|s| s.distance <= tier.typos) {
                alt.push(if w.is_empty() {
                    s.word.clone()
                } else {
                    format!("{}:{w}", s.word)
                });
            }
            format!("({})", alt.join(" | "))
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Lead-key ranges a one-word query walks in order within a name tier: the documents whose
/// leading name word (a person's last name, an organization's first word) is the word
/// (exact tier), starts with it (prefix tier), or is one of its spellings (typo tiers).
fn lead_ranges(words: &[QueryWord], tier_index: usize) -> Vec<(String, String)> {
    let [q] = words else {
        return Vec::new();
    };
    let exact = |w: &str| (w.to_owned(), format!("{w}!"));
    match tier_index {
        0 => vec![exact(&q.word)],
        1 => {
            // After every key the word leads ("w", "w …"): the keys it is a proper prefix of.
            let mut hi = q.word.clone().into_bytes();
            if let Some(last) = hi.last_mut() {
                *last += 1;
            }
            vec![(
                format!("{}!", q.word),
                String::from_utf8_lossy(&hi).into_owned(),
            )]
        }
        2 | 3 => q
            .spellings
            .iter()
            .filter(|s| s.distance == tier_index - 1)
            .map(|s| exact(&s.word))
            .collect(),
        _ => Vec::new(),
    }
}

/// One ranked segment of the result list, read in order up to `n` rows.
struct Segment {
    /// Rows of this tier: the tier's query minus the tiers before it.
    tier: String,
    previous: Option<String>,
    /// Walked in order through the lead-key index (see [`lead_ranges`]), or, when empty,
    /// the tier's other rows (outside `skip_ranges`) sorted.
    ranges: Vec<(String, String)>,
    skip_ranges: Vec<(String, String)>,
}

const LEAD: &str = "lead_key COLLATE \"C\"";

impl Segment {
    fn sql(&self, filter: &str, p: &mut Params, n: usize) -> String {
        // A lead-key range holds only rows of its tier (the leading word is a name word, so
        // the tier's name query holds for it): the full-text condition is left out there, so
        // the planner can only walk the range in order and stop after `n` rows (with it, a
        // low estimate made it intersect both indexes and sort every match: 2.9 s measured).
        let mut cond = if self.ranges.is_empty() {
            format!(
                "{filter} AND tsv @@ to_tsquery('simple', {})",
                p.bind(self.tier.clone())
            )
        } else {
            filter.to_owned()
        };
        if let Some(prev) = &self.previous {
            cond.push_str(&format!(
                " AND NOT tsv @@ to_tsquery('simple', {})",
                p.bind(prev.clone())
            ));
        }
        let n = p.bind(n as i64);
        if self.ranges.is_empty() {
            for (lo, hi) in &self.skip_ranges {
                cond.push_str(&format!(
                    " AND NOT ({LEAD} >= {} AND {LEAD} < {})",
                    p.bind(lo.clone()),
                    p.bind(hi.clone())
                ));
            }
            return format!(
                "SELECT id FROM search_documents WHERE {cond} ORDER BY {LEAD}, id LIMIT {n}"
            );
        }
        // One ordered index walk per range, merged: each stops after `n` rows.
        let parts: Vec<String> = self
            .ranges
            .iter()
            .map(|(lo, hi)| {
                format!(
                    "(SELECT id, {LEAD} AS lead FROM search_documents \
                     WHERE {LEAD} >= {} AND {LEAD} < {} AND {cond} ORDER BY {LEAD}, id LIMIT {n})",
                    p.bind(lo.clone()),
                    p.bind(hi.clone())
                )
            })
            .collect();
        format!(
            "SELECT id FROM ({}) x ORDER BY lead, id LIMIT {n}",
            parts.join(" UNION ALL ")
        )
    }
}

/// The ranked segments of a word query, best first.
fn segments(words: &[QueryWord]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut previous: Option<String> = None;
    for (i, tier) in TIERS.iter().enumerate() {
        let q = tier_query(words, *tier);
        if previous.as_deref() == Some(q.as_str()) {
            continue;
        }
        let ranges = lead_ranges(words, i);
        if !ranges.is_empty() {
            out.push(Segment {
                tier: q.clone(),
                previous: previous.clone(),
                ranges: ranges.clone(),
                skip_ranges: Vec::new(),
            });
        }
        out.push(Segment {
            tier: q.clone(),
            previous: previous.clone(),
            ranges: Vec::new(),
            skip_ranges: ranges,
        });
        previous = Some(q);
    }
    out
}

/// Matches counted exactly up to here; above, the total is "more than 1,000" and facets are
/// counted over the first 1,000 hits in rank order (one bounded walk, however broad the query).
pub const COUNT_CAP: usize = crate::query::MAX_HITS;

#[derive(FromQueryResult)]
struct DocRow {
    doc: serde_json::Value,
}

#[derive(FromQueryResult)]
struct CountRow {
    n: i64,
}

#[derive(FromQueryResult)]
struct FacetRow {
    facet: String,
    value: String,
    n: i64,
}

fn parse_docs(rows: Vec<DocRow>) -> Result<Vec<Document>> {
    rows.into_iter()
        .map(|r| serde_json::from_value::<Document>(r.doc))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Engine(format!("stored search document unreadable: {e}")))
}

#[derive(FromQueryResult)]
struct IdRow {
    id: Uuid,
}

#[derive(FromQueryResult)]
struct IdDocRow {
    id: Uuid,
    doc: serde_json::Value,
}

/// The first `cap` matches of a ranked query, in rank order: segment by segment, each read
/// only as far as `cap` reaches. This one walk gives the page, the (capped) total and the
/// facet sample; a one-word query's common name is an index range read in order.
async fn ranked_ids(
    tx: &TenantTx,
    filter: &str,
    base: &Params,
    segments: &[Segment],
    cap: usize,
) -> Result<Vec<Uuid>> {
    let mut ids = Vec::new();
    for seg in segments {
        let need = cap - ids.len();
        if need == 0 {
            break;
        }
        let mut p = Params(base.0.clone());
        let sql = seg.sql(filter, &mut p, need);
        let rows = IdRow::find_by_statement(stmt(&sql, p.0)).all(&**tx).await?;
        ids.extend(rows.into_iter().map(|r| r.id));
    }
    Ok(ids)
}

/// A query of several words usually matches few documents, and each tier is a full-text
/// lookup of its own (no lead-key range). When fewer than [`COUNT_CAP`] match at all, they are
/// read once and ranked in one statement (seven lookups become one); `None` when more match
/// (then [`ranked_ids`] walks the tiers).
async fn few_ranked(
    tx: &TenantTx,
    filter: &str,
    base: &Params,
    words: &[QueryWord],
) -> Result<Option<Vec<Uuid>>> {
    let mut p = Params(base.0.clone());
    let all = p.bind(tier_query(words, TIERS[TIERS.len() - 1]));
    let probe = IdRow::find_by_statement(stmt(
        &format!(
            "SELECT id FROM search_documents WHERE {filter} \
             AND tsv @@ to_tsquery('simple', {all}) LIMIT {}",
            COUNT_CAP + 1
        ),
        p.0,
    ))
    .all(&**tx)
    .await?;
    if probe.len() > COUNT_CAP {
        return Ok(None);
    }
    let ids: Vec<Uuid> = probe.into_iter().map(|r| r.id).collect();
    let mut p = Params::default();
    let list = p.bind(uuid_array(&ids));
    let mut rank = String::from("CASE");
    for (i, tier) in TIERS.iter().enumerate() {
        let q = p.bind(tier_query(words, *tier));
        rank.push_str(&format!(" WHEN tsv @@ to_tsquery('simple', {q}) THEN {i}"));
    }
    rank.push_str(&format!(" ELSE {} END", TIERS.len()));
    let rows = IdRow::find_by_statement(stmt(
        &format!(
            "SELECT id FROM search_documents WHERE id = ANY({list}) ORDER BY {rank}, {LEAD}, id"
        ),
        p.0,
    ))
    .all(&**tx)
    .await?;
    Ok(Some(rows.into_iter().map(|r| r.id).collect()))
}

/// The documents of `ids`, in that order.
async fn docs_in_order(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Document>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = IdDocRow::find_by_statement(stmt(
        "SELECT id, doc FROM search_documents WHERE id = ANY($1)",
        vec![uuid_array(ids)],
    ))
    .all(&**tx)
    .await?;
    let mut by_id: std::collections::HashMap<Uuid, serde_json::Value> =
        rows.into_iter().map(|r| (r.id, r.doc)).collect();
    let docs: Vec<DocRow> = ids
        .iter()
        .filter_map(|id| by_id.remove(id).map(|doc| DocRow { doc }))
        .collect();
    parse_docs(docs)
}

/// Facet counts over the documents `source` selects (at most [`COUNT_CAP`]), every facet in
/// the same pass.
async fn facet_counts(
    tx: &TenantTx,
    req: &SearchRequest,
    source: &str,
    p: &Params,
) -> Result<Vec<FacetCounts>> {
    if req.facets.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<String> = req
        .facets
        .iter()
        .map(|&f| {
            let name = f.attribute();
            if f == Facet::Tags {
                format!(
                    "(SELECT '{name}' AS facet, t AS value, count(*)::bigint AS n \
                     FROM m CROSS JOIN LATERAL unnest(m.tags) t \
                     GROUP BY t ORDER BY n DESC, t LIMIT {FACET_VALUES})"
                )
            } else {
                let col = facet_column(f);
                format!(
                    "(SELECT '{name}' AS facet, {col}::text AS value, count(*)::bigint AS n \
                     FROM m WHERE {col} IS NOT NULL GROUP BY {col} \
                     ORDER BY n DESC, value LIMIT {FACET_VALUES})"
                )
            }
        })
        .collect();
    let sql = format!(
        "WITH m AS MATERIALIZED (SELECT kind, tags, lifecycle_stage, city, industry, owner_id \
             FROM search_documents WHERE {source}) {}",
        parts.join(" UNION ALL ")
    );
    let rows = FacetRow::find_by_statement(stmt(&sql, p.0.clone()))
        .all(&**tx)
        .await?;
    Ok(req
        .facets
        .iter()
        .map(|&f| FacetCounts {
            facet: f,
            values: rows
                .iter()
                .filter(|r| r.facet == f.attribute())
                .map(|r| (r.value.clone(), r.n.max(0) as u64))
                .collect(),
        })
        .collect())
}

/// No query: every document matching the filters, by name; counted and faceted over at most
/// [`COUNT_CAP`] of them.
async fn browse(tx: TenantTx, req: &SearchRequest, filter: &str, p: &Params) -> Result<Found> {
    let mut hp = Params(p.0.clone());
    let limit = hp.bind(req.limit as i64);
    let offset = hp.bind(req.offset as i64);
    let rows = DocRow::find_by_statement(stmt(
        &format!(
            "SELECT doc FROM search_documents WHERE {filter} ORDER BY sort_name, id \
             LIMIT {limit} OFFSET {offset}"
        ),
        hp.0,
    ))
    .all(&*tx)
    .await?;
    let docs = parse_docs(rows)?;
    let (total, total_exact) = if req.offset == 0 && docs.len() < req.limit {
        (docs.len() as u64, true)
    } else {
        let n = CountRow::find_by_statement(stmt(
            &format!(
                "SELECT count(*)::bigint AS n FROM (SELECT 1 FROM search_documents \
                 WHERE {filter} LIMIT {}) x",
                COUNT_CAP + 1
            ),
            p.0.clone(),
        ))
        .one(&*tx)
        .await?
        .map_or(0, |r| r.n.max(0) as usize);
        (n.min(COUNT_CAP) as u64, n <= COUNT_CAP)
    };
    let source = format!("{filter} LIMIT {COUNT_CAP}");
    let facets = facet_counts(&tx, req, &source, p).await?;
    tx.commit().await?;
    Ok(Found {
        docs,
        total,
        total_exact,
        facets,
    })
}

#[async_trait]
impl Backend for InDatabase {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn apply(&self, tx: &TenantTx, upserts: &[Document], deletes: &[Uuid]) -> Result<()> {
        if !deletes.is_empty() {
            tx.execute_raw(stmt(
                "DELETE FROM search_documents WHERE id = ANY($1)",
                vec![uuid_array(deletes)],
            ))
            .await?;
        }
        upsert(tx, upserts).await
    }

    async fn search(
        &self,
        db: &Db,
        tenant: TenantId,
        req: &SearchRequest,
        parsed: &Parsed,
    ) -> Result<Found> {
        let tx = db.begin_tenant(tenant).await?;
        let mut p = Params::default();
        let filter = filters(req, &mut p);
        // Every match: each word in any field, as a prefix or one of its spellings.
        let mut words = Vec::with_capacity(parsed.words.len());
        for w in &parsed.words {
            words.push(QueryWord {
                word: w.clone(),
                spellings: if parsed.phone {
                    Vec::new()
                } else {
                    typo_spellings(&tx, w).await?
                },
            });
        }
        if parsed.browse {
            return browse(tx, req, &filter, &p).await;
        }
        // Phone digits: one segment, by name. Words: the ranked segments.
        let segments = if parsed.phone {
            vec![Segment {
                tier: tier_query(&words, TIERS[TIERS.len() - 1]),
                previous: None,
                ranges: Vec::new(),
                skip_ranges: Vec::new(),
            }]
        } else {
            segments(&words)
        };
        let ids = if words.len() > 1 {
            few_ranked(&tx, &filter, &p, &words).await?
        } else {
            None
        };
        let ids = match ids {
            Some(ids) => ids,
            None => ranked_ids(&tx, &filter, &p, &segments, COUNT_CAP + 1).await?,
        };
        let (total, total_exact) = (ids.len().min(COUNT_CAP) as u64, ids.len() <= COUNT_CAP);
        let sample = &ids[..ids.len().min(COUNT_CAP)];
        let page = sample
            .get(req.offset..(req.offset + req.limit).min(sample.len()))
            .unwrap_or_default();
        let docs = docs_in_order(&tx, page).await?;
        let facets = if req.facets.is_empty() {
            Vec::new()
        } else {
            let mut fp = Params::default();
            let source = format!("id = ANY({})", fp.bind(uuid_array(sample)));
            facet_counts(&tx, req, &source, &fp).await?
        };
        tx.commit().await?;
        Ok(Found {
            docs,
            total,
            total_exact,
            facets,
        })
    }

    async fn reindex_begin(&self, tx: &TenantTx) -> Result<()> {
        // Inside the reindex transaction: readers keep seeing the old documents until commit.
        // Every document is upserted (stamped with this transaction's `now()`), and the ones
        // not stamped are removed at the end; the word list is rebuilt once, not row by row.
        // Plans for the tables as they are (see `outbox::drain`).
        tx.execute_unprepared(
            "SET LOCAL kartei.search_reindex = 'on'; SET LOCAL plan_cache_mode = force_custom_plan",
        )
        .await?;
        Ok(())
    }

    async fn reindex_put(&self, tx: &TenantTx, docs: &[Document]) -> Result<()> {
        upsert(tx, docs).await
    }

    async fn reindex_commit(&self, tx: &TenantTx) -> Result<()> {
        tx.execute_unprepared(
            "DELETE FROM search_documents WHERE indexed_at <> now(); \
             DELETE FROM search_words; \
             INSERT INTO search_words (word) \
             SELECT DISTINCT w FROM search_documents d, search_words_of(concat_ws(' ', \
                 d.name_fold, d.org_words, d.place_words, d.other_words)) w; \
             SET LOCAL kartei.search_reindex = 'off'",
        )
        .await?;
        Ok(())
    }

    async fn drop_tenant(&self, _tenant: TenantId) -> Result<()> {
        // The documents live in the tenant's schema and go with it.
        Ok(())
    }
}
