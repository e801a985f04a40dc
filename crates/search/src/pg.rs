//! The in-database backend (the default): `search_documents` in the tenant's own schema, with
//! full-text prefix matching (`tsvector`, `simple` configuration over German-folded words).
//! Typos: each query word's misspellings are looked up in `search_words` (the distinct indexed
//! words; `pg_trgm` candidates confirmed by edit distance) and added to the full-text query as
//! alternatives, so every query is one GIN lookup however large the tenant. Exact name matches
//! rank first, then name prefixes, then other prefix matches, then typo matches.

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
    words text, tags text[], lifecycle_stage text, city text, industry text, owner_id uuid, \
    sort_name text)";

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
                    "INSERT INTO search_documents (id, kind, doc, name_fold, words, tags, \
                         lifecycle_stage, city, industry, owner_id, sort_name, indexed_at) \
                     SELECT r.id, r.kind, r.doc, r.name_fold, r.words, r.tags, r.lifecycle_stage, \
                         r.city, r.industry, r.owner_id, r.sort_name, now() FROM {RECORDS}"
                ),
                vec![records(&inserts)],
            ))
            .await?;
        }
        if !updates.is_empty() {
            tx.execute_raw(stmt(
                &format!(
                    "UPDATE search_documents d SET kind = r.kind, doc = r.doc, \
                         name_fold = r.name_fold, words = r.words, tags = r.tags, \
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
                "words": d.words(),
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

/// The WHERE clause for the words and the filters. `spellings[i]` are the indexed words
/// within the typo allowance of query word `i` (see [`typo_spellings`]).
fn conditions(
    req: &SearchRequest,
    parsed: &Parsed,
    spellings: &[Vec<String>],
    p: &mut Params,
) -> String {
    let mut c: Vec<String> = Vec::new();
    for (i, w) in parsed.words.iter().enumerate() {
        // Words are folded to [a-z0-9], so the tsquery text has no operators but ours.
        let mut q = format!("{w}:*");
        for s in spellings.get(i).into_iter().flatten() {
            q.push_str(" | ");
            q.push_str(s);
        }
        c.push(format!("tsv @@ to_tsquery('simple', {})", p.bind(q)));
    }
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
const MAX_SPELLINGS: i64 = 20;

/// Indexed words within the typo allowance of `w` (one typo from 5 letters, two from 9),
/// whole or as a prefix of `w`'s length: trigram candidates from `search_words`, confirmed
/// by edit distance; the closest first.
async fn typo_spellings(tx: &TenantTx, w: &str) -> Result<Vec<String>> {
    let k = typo_allowance(w.len());
    if k == 0 || w.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Vec::new());
    }
    // Loose enough for two typos in nine letters; the edit distance decides.
    tx.execute_unprepared("SELECT set_config('pg_trgm.word_similarity_threshold', '0.4', true)")
        .await?;
    let rows = WordRow::find_by_statement(stmt(
        "SELECT word FROM search_words WHERE $1 <% word \
           AND (levenshtein_less_equal($1, left(word, $2), $3) <= $3 \
                OR levenshtein_less_equal($1, word, $3) <= $3) \
         ORDER BY word_similarity($1, word) DESC, word LIMIT $4",
        vec![
            w.into(),
            (w.chars().count() as i32).into(),
            (k as i32).into(),
            MAX_SPELLINGS.into(),
        ],
    ))
    .all(&**tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| r.word)
        .filter(|x| x != w && x.bytes().all(|b| b.is_ascii_alphanumeric()))
        .collect())
}

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
    value: String,
    n: i64,
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
        let mut spellings = Vec::with_capacity(parsed.words.len());
        for w in &parsed.words {
            spellings.push(if parsed.phone {
                Vec::new()
            } else {
                typo_spellings(&tx, w).await?
            });
        }
        let mut p = Params::default();
        let filter = conditions(req, parsed, &spellings, &mut p);

        // One page, ranked.
        let mut hp = Params(p.0.clone());
        let order = if parsed.browse || parsed.phone {
            "sort_name, id".to_owned()
        } else {
            let phrase = parsed.words.join(" ");
            let exact = hp.bind(format!("% {phrase} %"));
            let prefix = hp.bind(format!("% {phrase}%"));
            let all = hp.bind(
                parsed
                    .words
                    .iter()
                    .map(|w| format!("{w}:*"))
                    .collect::<Vec<_>>()
                    .join(" & "),
            );
            format!(
                "CASE WHEN (' ' || name_fold || ' ') LIKE {exact} THEN 0 \
                      WHEN (' ' || name_fold) LIKE {prefix} THEN 1 \
                      WHEN tsv @@ to_tsquery('simple', {all}) THEN 2 ELSE 3 END, \
                 sort_name, id"
            )
        };
        let limit = hp.bind(req.limit as i64);
        let offset = hp.bind(req.offset as i64);
        let rows = DocRow::find_by_statement(stmt(
            &format!(
                "SELECT doc FROM search_documents WHERE {filter} ORDER BY {order} \
                 LIMIT {limit} OFFSET {offset}"
            ),
            hp.0,
        ))
        .all(&*tx)
        .await?;
        let docs = rows
            .into_iter()
            .map(|r| serde_json::from_value::<Document>(r.doc))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Engine(format!("stored search document unreadable: {e}")))?;

        let total = if req.offset == 0 && docs.len() < req.limit {
            docs.len() as u64
        } else {
            CountRow::find_by_statement(stmt(
                &format!("SELECT count(*)::bigint AS n FROM search_documents WHERE {filter}"),
                p.0.clone(),
            ))
            .one(&*tx)
            .await?
            .map_or(0, |r| r.n.max(0) as u64)
        };

        let mut facets = Vec::with_capacity(req.facets.len());
        for &f in &req.facets {
            let sql = if f == Facet::Tags {
                format!(
                    "SELECT t AS value, count(*)::bigint AS n \
                     FROM search_documents CROSS JOIN LATERAL unnest(tags) t \
                     WHERE {filter} GROUP BY t ORDER BY n DESC, t LIMIT {FACET_VALUES}"
                )
            } else {
                let col = facet_column(f);
                format!(
                    "SELECT {col}::text AS value, count(*)::bigint AS n FROM search_documents \
                     WHERE {filter} AND {col} IS NOT NULL GROUP BY {col} \
                     ORDER BY n DESC, value LIMIT {FACET_VALUES}"
                )
            };
            let rows = FacetRow::find_by_statement(stmt(&sql, p.0.clone()))
                .all(&*tx)
                .await?;
            facets.push(FacetCounts {
                facet: f,
                values: rows
                    .into_iter()
                    .map(|r| (r.value, r.n.max(0) as u64))
                    .collect(),
            });
        }
        tx.commit().await?;
        Ok(Found {
            docs,
            total,
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
             SELECT DISTINCT w FROM search_documents d, unnest(string_to_array(d.words, ' ')) w \
             WHERE length(w) >= 4 AND w !~ '^[0-9]+$'; \
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
