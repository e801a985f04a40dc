//! Running an import: the file is read, and every row turned into a draft and validated as a
//! new person, on a blocking thread that hands the rows over in batches through a bounded
//! channel (so memory stays flat at any file size, and the Rust work of one batch overlaps the
//! database work of the one before). Each batch is matched by its keys in one query per key,
//! rows that met a stored person are merged and validated again, and everything is written with
//! set-based statements in one transaction together with its counters, errors and the
//! checkpoint, so a crash loses nothing acknowledged and a resumed job skips what committed.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;

use kartei_core::id::TenantId;
use kartei_core::validate::{EmailAddress, FieldErrors};
use kartei_tenancy::db::{Db, TenantTx};
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::mapping::{JOB_TITLE, NOTE, ORGANIZATION};
use super::reader::{self, Format, Row};
use super::{Import, PREVIEW_ROWS, get, spill_upload};
use crate::error::{Error, Result};
use crate::normalize;
use crate::persons::{self, COLUMN_COUNT, COLUMN_TYPES, COLUMNS, Person, PersonData, PersonDraft};
use crate::rules::{Entity, Rules};
use crate::sql::text_array;

/// Rows per transaction.
pub const BATCH_ROWS: usize = 2000;

/// How imports run (the server's `[import]` settings).
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Bulk mode (`super::bulk`) from this many rows to go; 0 never.
    pub bulk_min_rows: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bulk_min_rows: super::bulk::MIN_ROWS,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub done: i64,
    pub total: Option<i64>,
}

enum Msg {
    Total(u64),
    Header(Vec<String>),
    Rows(Vec<Prepared>),
}

/// A row a batch wrote (or, in a dry run, would write), for other domains to act on in the
/// batch's own transaction.
#[derive(Debug, Clone)]
pub struct WrittenRow<'a> {
    pub line: u64,
    pub person_id: Uuid,
    pub data: &'a PersonData,
}

/// A warning about a written row; `field` is the API field name (`email`, `phone`).
#[derive(Debug, Clone)]
pub struct Warning {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

pub type HookFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Warning>>> + Send + 'a>>;

/// What other domains do with each batch (the compliance domain checks the suppression list and
/// records the import's consent). Contacts stays independent of them.
pub trait ImportHook: Sync {
    fn after_batch<'a>(
        &'a self,
        tx: &'a TenantTx,
        import: &'a Import,
        rows: &'a [WrittenRow<'a>],
    ) -> HookFuture<'a>;
}

/// No other domain involved.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHook;

impl ImportHook for NoHook {
    fn after_batch<'a>(
        &'a self,
        _tx: &'a TenantTx,
        _import: &'a Import,
        _rows: &'a [WrittenRow<'a>],
    ) -> HookFuture<'a> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

/// Runs (or resumes) an import to its end, cancellation or failure.
pub async fn run(
    db: &Db,
    tenant: TenantId,
    id: Uuid,
    progress: &(dyn Fn(Progress) + Sync),
    hook: &dyn ImportHook,
    options: Options,
) -> Result<Import> {
    let imp = {
        let tx = db.begin_tenant(tenant).await?;
        let imp = get(&tx, id).await?;
        if imp.is_finished() {
            return Ok(imp);
        }
        tx.execute_raw(stmt(
            "UPDATE imports SET status = 'running', started_at = COALESCE(started_at, now()) WHERE id = $1",
            vec![id.into()],
        ))
        .await?;
        tx.commit().await?;
        imp
    };
    let outcome = execute(db, tenant, &imp, progress, hook, options).await;
    // Whatever went wrong, the tenant gets the indexes a bulk run deferred back now (a retry
    // decides afresh); only a dead worker leaves them to the one that takes the job over.
    if let Err(e) = &outcome
        && !imp.dry_run
        && let Err(again) = super::bulk::finish(db, tenant, id).await
    {
        tracing::error!(import_id = %id, error = %e, build_error = %again, "the import failed and its deferred indexes could not be built; the next run builds them");
    }
    // Once a real import completed, its raw file has served its purpose: personal data is not
    // kept longer than needed (a dry run or a cancelled import may be started again).
    if matches!(outcome, Ok(false)) && !imp.dry_run {
        let tx = db.begin_tenant(tenant).await?;
        tx.execute_raw(stmt(
            "DELETE FROM upload_chunks WHERE upload_id = $1",
            vec![imp.upload_id.into()],
        ))
        .await?;
        tx.execute_raw(stmt(
            "UPDATE uploads SET purged_at = now() WHERE id = $1",
            vec![imp.upload_id.into()],
        ))
        .await?;
        tx.commit().await?;
    }
    match outcome {
        Ok(cancelled) => {
            let tx = db.begin_tenant(tenant).await?;
            tx.execute_raw(stmt(
                "UPDATE imports SET status = $2, finished_at = now() WHERE id = $1",
                vec![
                    id.into(),
                    if cancelled { "cancelled" } else { "completed" }.into(),
                ],
            ))
            .await?;
            let done = get(&tx, id).await?;
            tx.commit().await?;
            Ok(done)
        }
        // A file that cannot be read fails the import for good; anything else is retried.
        Err(Error::File(reason)) => {
            let tx = db.begin_tenant(tenant).await?;
            tx.execute_raw(stmt(
                "UPDATE imports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1",
                vec![id.into(), reason.into()],
            ))
            .await?;
            let done = get(&tx, id).await?;
            tx.commit().await?;
            Ok(done)
        }
        Err(e) => Err(e),
    }
}

/// Returns whether the import was cancelled.
async fn execute(
    db: &Db,
    tenant: TenantId,
    imp: &Import,
    progress: &(dyn Fn(Progress) + Sync),
    hook: &dyn ImportHook,
    options: Options,
) -> Result<bool> {
    let (file, _) = spill_upload(db, tenant, imp.upload_id, None).await?;
    let format = if imp.format == "xlsx" {
        Format::Xlsx
    } else {
        Format::Csv
    };
    // The rules the whole run validates against (a dry run's planned fields as if they existed).
    let rules = {
        let tx = db.begin_tenant(tenant).await?;
        let mut rules = Rules::load(&tx, Entity::Person).await?;
        tx.commit().await?;
        for f in imp.new_fields() {
            if !rules.custom.iter().any(|d| d.key == f.key) {
                rules.custom.push(crate::rules::CustomField {
                    entity: Entity::Person.as_str().to_owned(),
                    key: f.key,
                    label: f.label,
                    kind: f.kind,
                    picklist_key: None,
                    required: false,
                });
            }
        }
        std::sync::Arc::new(rules)
    };
    let mapping = imp.mapping();
    let (tx_rows, mut rx) = tokio::sync::mpsc::channel::<Result<Msg>>(4);
    let reader_task = {
        let rules = rules.clone();
        let mapping = mapping.clone();
        let (strict, checkpoint) = (imp.strict, imp.checkpoint_line);
        tokio::task::spawn_blocking(move || {
            let send = |m: Result<Msg>| tx_rows.blocking_send(m).is_ok();
            match reader::count_rows(&file, format) {
                Ok(n) => {
                    if !send(Ok(Msg::Total(n))) {
                        return;
                    }
                }
                Err(e) => {
                    send(Err(e));
                    return;
                }
            }
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            let mut headers: Option<Vec<String>> = None;
            let res = reader::for_each_row(&file, format, |row| {
                let Some(headers) = &headers else {
                    headers = Some(row.1.clone());
                    return Ok(send(Ok(Msg::Header(row.1))));
                };
                // Rows before the checkpoint were written by an earlier run.
                if (row.0 as i64) <= checkpoint {
                    return Ok(true);
                }
                batch.push(prepare(row, &mapping, headers, &rules, strict));
                if batch.len() == BATCH_ROWS {
                    return Ok(send(Ok(Msg::Rows(std::mem::take(&mut batch)))));
                }
                Ok(true)
            });
            match res {
                Ok(()) => {
                    if !batch.is_empty() {
                        send(Ok(Msg::Rows(batch)));
                    }
                }
                Err(e) => {
                    send(Err(e));
                }
            }
        })
    };

    let key_cols: Vec<usize> = mapping
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            m.as_deref()
                .is_some_and(|t| imp.match_keys.iter().any(|k| k == t))
        })
        .map(|(i, _)| i)
        .collect();
    let mut run = Batches {
        db,
        tenant,
        imp,
        hook,
        rules,
        headers: Vec::new(),
        mapping,
        checkpoint: imp.checkpoint_line,
        preview_left: if imp.dry_run && imp.checkpoint_line == 0 {
            PREVIEW_ROWS
        } else {
            0
        },
        pending: Vec::with_capacity(BATCH_ROWS),
        keys: HashSet::new(),
        staged: None,
        staged_keys: HashSet::new(),
        done: imp.rows_done,
        total: imp.rows_total,
        analyzed_at: 0,
        bulk: false,
        duplicate_keys: None,
    };
    let mut cancelled = false;
    while let Some(msg) = rx.recv().await {
        match msg? {
            Msg::Total(n) => {
                run.total = Some(n as i64);
                let tx = db.begin_tenant(tenant).await?;
                tx.execute_raw(stmt(
                    "UPDATE imports SET rows_total = $2 WHERE id = $1",
                    vec![imp.id.into(), (n as i64).into()],
                ))
                .await?;
                tx.commit().await?;
                if !imp.dry_run {
                    let match_email = imp.match_keys.iter().any(|k| k == "email");
                    let to_go = n as i64 - run.done;
                    run.bulk = super::bulk::begin(
                        db,
                        tenant,
                        imp.id,
                        (to_go, options.bulk_min_rows),
                        match_email,
                    )
                    .await?;
                    if run.bulk {
                        run.duplicate_keys =
                            Some(super::bulk::DuplicateKeys::load(db, tenant).await?);
                    }
                }
            }
            Msg::Header(h) => run.headers = h,
            Msg::Rows(rows) => {
                if cancel_requested(db, tenant, imp.id).await? {
                    cancelled = true;
                    break;
                }
                for row in rows {
                    // A key seen twice in one batch: write what came before, so the repeat
                    // matches the record the first occurrence created.
                    let row_keys: Vec<String> = key_cols
                        .iter()
                        .filter_map(|&i| row.cells.get(i))
                        .map(|v| v.trim().to_lowercase())
                        .filter(|v| !v.is_empty())
                        .collect();
                    if row_keys.iter().any(|k| run.keys.contains(k)) {
                        run.flush(progress).await?;
                    }
                    run.keys.extend(row_keys);
                    run.pending.push(row);
                }
                if run.pending.len() >= BATCH_ROWS {
                    run.flush(progress).await?;
                }
            }
        }
    }
    // A cancelled run still commits the batch it staged (what is written stays consistent).
    if !cancelled {
        run.flush(progress).await?;
    }
    run.finish_staged(progress).await?;
    drop(rx);
    reader_task.await.map_err(|e| Error::File(e.to_string()))?;
    if run.bulk {
        super::bulk::finish(db, tenant, imp.id).await?;
    }
    if !imp.dry_run {
        analyze(db, tenant).await?;
    }
    Ok(cancelled)
}

/// Turns a row into a draft and, unless it names an owner (checked against the tenant's
/// members in its batch), validates it as a new person.
fn prepare(
    (line, cells): Row,
    mapping: &[Option<String>],
    headers: &[String],
    rules: &Rules,
    strict: bool,
) -> Prepared {
    let mut p = Prepared {
        line,
        cells: Vec::new(),
        draft: PersonDraft::default(),
        organization: None,
        job_title: None,
        note: None,
        email_key: None,
        fresh: None,
    };
    for (i, target) in mapping.iter().enumerate() {
        let Some(target) = target else { continue };
        let v = cells
            .get(i)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        match target.as_str() {
            ORGANIZATION => p.organization = v,
            JOB_TITLE => p.job_title = v,
            NOTE => p.note = v,
            t => {
                p.draft.set(t, v);
            }
        }
    }
    p.email_key = p
        .draft
        .email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok())
        .map(|e| e.normalized());
    p.cells = cells;
    if p.draft.owner_id.is_none() {
        let at = RowAt {
            line,
            cells: &p.cells,
            headers,
            mapping,
        };
        p.fresh = Some(settle(p.draft.clone(), None, rules, strict, |_| true, &at));
    }
    p
}

async fn analyze(db: &Db, tenant: TenantId) -> Result<()> {
    let tx = db.begin_tenant(tenant).await?;
    tx.execute_unprepared("ANALYZE persons, organizations, person_organizations")
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn cancel_requested(db: &Db, tenant: TenantId, id: Uuid) -> Result<bool> {
    let tx = db.begin_tenant(tenant).await?;
    let row = tx
        .query_one_raw(stmt(
            "SELECT cancel_requested FROM imports WHERE id = $1",
            vec![id.into()],
        ))
        .await?;
    tx.commit().await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "cancel_requested"))
        .transpose()?
        .unwrap_or(true))
}

#[derive(Default)]
struct Counts {
    created: i64,
    updated: i64,
    unchanged: i64,
    failed: i64,
    duplicates: i64,
    warned: i64,
}

struct Prepared {
    line: u64,
    /// The row's cells as read (for the values a report names).
    cells: Vec<String>,
    draft: PersonDraft,
    organization: Option<String>,
    job_title: Option<String>,
    note: Option<String>,
    /// The normalized email, for matching.
    email_key: Option<String>,
    /// The row validated as a new person (`None` when it names an owner).
    fresh: Option<Settled>,
}

/// A row's validated data with the fields left out of it, or why it cannot be written.
type Settled = std::result::Result<(PersonData, Vec<Issue>), FieldErrors>;

/// Where a row came from, for naming columns and values in the report.
struct RowAt<'a> {
    line: u64,
    cells: &'a [String],
    headers: &'a [String],
    mapping: &'a [Option<String>],
}

/// Validates a row's draft. An invalid optional field is left empty (a matched person keeps
/// its `stored` value) and reported as a warning, until the row validates or nothing is left
/// to know the person by; a strict import refuses the row instead.
fn settle(
    mut draft: PersonDraft,
    stored: Option<&PersonDraft>,
    rules: &Rules,
    strict: bool,
    owner_ok: impl Fn(Uuid) -> bool,
    at: &RowAt<'_>,
) -> Settled {
    let mut dropped: Vec<Issue> = Vec::new();
    let mut refused_for: Vec<(String, String)> = Vec::new();
    loop {
        let mut fields = match draft.validate(rules) {
            Ok(data) if data.owner_id.is_some_and(|o| !owner_ok(o)) => {
                let mut f = FieldErrors::new();
                f.add("ownerId", "is not a member of this tenant");
                f
            }
            Ok(data) => return Ok((data, dropped)),
            Err(fields) => fields,
        };
        if strict || dropped.len() > PersonDraft::TEXT_FIELDS.len() {
            return Err(fields);
        }
        let mut mended = false;
        for (field, reason) in &fields.0 {
            if is_identity(field, reason) {
                continue;
            }
            let name = persons::field_name(field);
            if reset_field(&mut draft, &name, stored) {
                mended = true;
                refused_for.push((field.clone(), reason.clone()));
                dropped.push(Issue {
                    line: at.line,
                    col: column_of(field, at.headers, at.mapping),
                    reason: if stored.is_some() {
                        format!("{reason}; the person keeps its stored value")
                    } else {
                        format!("{reason}; imported without it")
                    },
                    value: cell_of(at.cells, &name, at.mapping),
                });
            }
        }
        if !mended {
            // Report what the row still had wrong, with what was dropped before.
            for (field, reason) in refused_for.drain(..) {
                fields.0.entry(field).or_insert(reason);
            }
            return Err(fields);
        }
    }
}

/// A line of the import's report: an error (the row was not written) or a warning.
struct Issue {
    line: u64,
    col: String,
    reason: String,
    value: Option<String>,
}

/// A person's draft fields (`custom.<key>` and `tags` included) read back by name.
fn draft_value(d: &PersonDraft, field: &str) -> Option<String> {
    if field == "tags" {
        return (!d.tags.is_empty()).then(|| d.tags.join(", "));
    }
    if let Some(key) = field.strip_prefix("custom.") {
        return d.custom.get(key).map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    d.get(field).flatten().map(str::to_owned)
}

/// Puts `value` into a draft field by name; false if that changes nothing.
fn reset_field(d: &mut PersonDraft, field: &str, value: Option<&PersonDraft>) -> bool {
    let before = draft_value(d, field);
    match (field, value) {
        ("tags", Some(cur)) => d.tags = cur.tags.clone(),
        (f, Some(cur)) if f.starts_with("custom.") => {
            let key = &f["custom.".len()..];
            match cur.custom.get(key) {
                Some(v) => {
                    d.custom.insert(key.to_owned(), v.clone());
                }
                None => {
                    d.custom.remove(key);
                }
            }
        }
        (f, Some(cur)) => {
            d.set(f, cur.get(f).flatten().map(str::to_owned));
        }
        (f, None) => {
            d.set(f, None);
        }
    }
    draft_value(d, field) != before
}

/// The one error that no dropped field can mend: nothing left to know the person by.
fn is_identity(field: &str, reason: &str) -> bool {
    field == "lastName" && reason.contains("is required")
}

/// The file's column name for an error on `field` (an API field name).
fn column_of(field: &str, headers: &[String], mapping: &[Option<String>]) -> String {
    let snake = persons::field_name(field);
    mapping
        .iter()
        .position(|m| m.as_deref() == Some(snake.as_str()))
        .and_then(|i| headers.get(i).cloned())
        .unwrap_or_else(|| field.to_owned())
}

/// What every batch of a run shares.
struct Ctx<'a> {
    db: &'a Db,
    tenant: TenantId,
    imp: &'a Import,
    hook: &'a dyn ImportHook,
    rules: &'a Rules,
    headers: &'a [String],
    mapping: &'a [Option<String>],
}

/// A batch whose persons are written in its open transaction. The rest (organizations, notes,
/// duplicate and suppression warnings, report, checkpoint, commit) follows once the batch
/// before it committed, so two batches are in the database at once: one writing its persons
/// while the other finishes.
struct Staged {
    tx: TenantTx,
    rows: Vec<Prepared>,
    inserts: Vec<(Uuid, PersonData, usize)>,
    updates: Vec<(Uuid, i32, PersonData, usize)>,
    links: Vec<(Uuid, usize)>,
    errors: Vec<Issue>,
    dropped: Vec<Issue>,
    counts: Counts,
    /// The batch's duplicate warnings when they are counted in memory (bulk mode).
    duplicates: Option<i64>,
    started: std::time::Instant,
    phases: Vec<(&'static str, std::time::Duration)>,
}

/// The state of one run: rows waiting for the next batch and their match keys, the batch
/// staged in the database and its keys, the checkpoint (also the fencing token) and the
/// progress so far.
struct Batches<'a> {
    db: &'a Db,
    tenant: TenantId,
    imp: &'a Import,
    hook: &'a dyn ImportHook,
    rules: std::sync::Arc<Rules>,
    headers: Vec<String>,
    mapping: Vec<Option<String>>,
    checkpoint: i64,
    preview_left: usize,
    pending: Vec<Prepared>,
    keys: HashSet<String>,
    staged: Option<Staged>,
    staged_keys: HashSet<String>,
    done: i64,
    total: Option<i64>,
    /// Rows written when the tables were last analyzed.
    analyzed_at: i64,
    bulk: bool,
    /// In bulk mode: the keys the duplicate warnings compare, of every person there.
    duplicate_keys: Option<super::bulk::DuplicateKeys>,
}

impl Batches<'_> {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            db: self.db,
            tenant: self.tenant,
            imp: self.imp,
            hook: self.hook,
            rules: &self.rules,
            headers: &self.headers,
            mapping: &self.mapping,
        }
    }

    /// Stages the pending rows as one batch (if any) while the staged batch before finishes.
    /// A batch that shares a match key with the staged one waits for it to commit first (its
    /// lookup must see what that one wrote); so does every batch of a dry run.
    async fn flush(&mut self, progress: &(dyn Fn(Progress) + Sync)) -> Result<()> {
        let rows = std::mem::take(&mut self.pending);
        let keys = std::mem::take(&mut self.keys);
        if rows.is_empty() {
            return Ok(());
        }
        if self.imp.dry_run || !keys.is_disjoint(&self.staged_keys) {
            self.finish_staged(progress).await?;
        }
        let before = self.staged.take();
        let expected = self.checkpoint;
        let allow = self.preview_left;
        let ctx = self.ctx();
        let (finished, staged) = tokio::join!(
            async {
                match before {
                    Some(b) => finish(&ctx, b, expected).await.map(Some),
                    None => Ok(None),
                }
            },
            stage(&ctx, rows, allow)
        );
        if let Some((n, last_line)) = finished? {
            self.committed(n, last_line, progress).await?;
        }
        let (mut staged, used) = staged?;
        if let Some(keys) = &mut self.duplicate_keys {
            staged.duplicates = Some(keys.batch(
                staged.inserts.iter().map(|(_, d, _)| d),
                staged.updates.iter().map(|(_, _, d, _)| d),
            ));
        }
        self.preview_left -= used;
        self.staged = Some(staged);
        self.staged_keys = keys;
        Ok(())
    }

    /// Finishes and commits the staged batch, if there is one.
    async fn finish_staged(&mut self, progress: &(dyn Fn(Progress) + Sync)) -> Result<()> {
        let Some(staged) = self.staged.take() else {
            return Ok(());
        };
        self.staged_keys.clear();
        let ctx = self.ctx();
        let (n, last_line) = finish(&ctx, staged, self.checkpoint).await?;
        self.committed(n, last_line, progress).await
    }

    async fn committed(
        &mut self,
        n: i64,
        last_line: i64,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<()> {
        self.checkpoint = last_line;
        self.done += n;
        // Statistics as soon as the first batch landed and again each time the rows written
        // quadrupled, so the planner never plans for a table a fraction of its size (autovacuum
        // may be off or behind).
        if !self.imp.dry_run && (self.analyzed_at == 0 || self.done >= 4 * self.analyzed_at) {
            analyze(self.db, self.tenant).await?;
            self.analyzed_at = self.done.max(1);
        }
        progress(Progress {
            done: self.done,
            total: self.total,
        });
        Ok(())
    }
}

/// Begins a batch's transaction, matches its rows, decides each (create, update, unchanged or
/// error) and writes the persons. Returns the staged batch and the preview rows it wrote.
async fn stage(
    ctx: &Ctx<'_>,
    mut prepared: Vec<Prepared>,
    preview_allow: usize,
) -> Result<(Staged, usize)> {
    let Ctx {
        db,
        tenant,
        imp,
        rules,
        headers,
        mapping,
        ..
    } = *ctx;
    let started = std::time::Instant::now();
    let mut phases: Vec<(&'static str, std::time::Duration)> = Vec::new();
    let mut since = started;
    let mut mark = |name: &'static str, since: &mut std::time::Instant| {
        phases.push((name, since.elapsed()));
        *since = std::time::Instant::now();
    };
    let mut preview_used = 0;
    let tx = db.begin_tenant(tenant).await?;
    // A crash of the server may lose the last batches' commits, but never a batch without its
    // checkpoint (both are in one transaction): the resumed run writes them again. The search
    // indexer is woken in `finish`, not by the outbox trigger here: this transaction is open
    // while the batch before finishes, and must hold nothing that one may wait for. New
    // persons are queued for the index in `finish` too, beside the next batch's writes.
    tx.execute_unprepared(
        "SET LOCAL synchronous_commit = off; SET LOCAL kartei.outbox_wake = 'off'; \
         SET LOCAL kartei.outbox_persons_ins = 'off'",
    )
    .await?;
    let mut errors: Vec<Issue> = Vec::new();
    let mut dropped: Vec<Issue> = Vec::new();
    let mut counts = Counts::default();
    let fresh: Vec<Option<Settled>> = prepared.iter_mut().map(|p| p.fresh.take()).collect();

    // Existing persons by match key: one indexed lookup per key (an OR across keys would
    // defeat the indexes).
    let emails: Vec<Option<String>> = prepared
        .iter()
        .filter_map(|p| p.email_key.clone().map(Some))
        .collect();
    let ext: Vec<Option<String>> = prepared
        .iter()
        .filter_map(|p| p.draft.external_id.clone())
        .map(Some)
        .collect();
    let by_email = imp.match_keys.iter().any(|k| k == "email");
    let by_ext = imp.match_keys.iter().any(|k| k == "external_id");
    let mut existing: Vec<Person> = Vec::new();
    for (on, col, values) in [
        (by_email, "email_normalized", emails),
        (by_ext, "external_id", ext),
    ] {
        if !on || values.is_empty() {
            continue;
        }
        let found = Person::find_by_statement(stmt(
            &format!(
                "{} WHERE p.{col} = ANY($1) AND p.merged_into IS NULL",
                persons::SELECT
            ),
            vec![text_array(values)],
        ))
        .all(&*tx)
        .await?;
        for p in found {
            if !existing.iter().any(|e| e.id == p.id) {
                existing.push(p);
            }
        }
    }
    let mut email_idx: HashMap<String, Vec<usize>> = HashMap::new();
    let mut ext_idx: HashMap<String, usize> = HashMap::new();
    for (i, p) in existing.iter().enumerate() {
        if let Some(e) = &p.email {
            email_idx.entry(e.to_lowercase()).or_default().push(i);
        }
        if let Some(x) = &p.external_id {
            ext_idx.insert(x.clone(), i);
        }
    }

    // Owners named in the file must be members of the tenant.
    let mut valid_owners: HashSet<Uuid> = HashSet::new();
    let named_owners: HashSet<Uuid> = prepared
        .iter()
        .filter_map(|p| p.draft.owner_id.as_deref())
        .filter_map(|s| Uuid::parse_str(s.trim()).ok())
        .collect();
    for o in named_owners {
        if persons::check_owner(&tx, Some(o)).await.is_ok() {
            valid_owners.insert(o);
        }
    }

    mark("lookup", &mut since);
    // Decide per row: create, update, unchanged or error.
    let mut inserts: Vec<(Uuid, PersonData, usize)> = Vec::new();
    let mut updates: Vec<(Uuid, i32, PersonData, usize)> = Vec::new();
    let mut links: Vec<(Uuid, usize)> = Vec::new();
    for (i, (p, fresh)) in prepared.iter().zip(fresh).enumerate() {
        let mut matched: Option<&Person> = None;
        let mut matched_by = None;
        let mut ambiguous = None;
        for key in &imp.match_keys {
            let hit = match key.as_str() {
                "external_id" => p
                    .draft
                    .external_id
                    .as_ref()
                    .and_then(|x| ext_idx.get(x))
                    .map(|&i| vec![i]),
                _ => p.email_key.as_ref().and_then(|e| email_idx.get(e).cloned()),
            };
            match hit.as_deref() {
                Some([i]) => {
                    matched = Some(&existing[*i]);
                    matched_by = Some(key);
                    break;
                }
                Some(many) if many.len() > 1 => {
                    ambiguous = Some((key.clone(), many.len()));
                    break;
                }
                _ => {}
            }
        }
        if let Some((key, n)) = ambiguous {
            errors.push(Issue {
                line: p.line,
                col: column_of(&key, headers, mapping),
                reason: format!("matches {n} existing persons; merge those duplicates first"),
                value: cell_of(&p.cells, &key, mapping),
            });
            continue;
        }
        if let (Some(cur), Some(key)) = (matched, matched_by)
            && cur.restricted_at.is_some()
        {
            // Art. 18 GDPR: the person is only stored; nothing of the row is applied.
            errors.push(Issue {
                line: p.line,
                col: column_of(key, headers, mapping),
                reason: "matches a person under restriction of processing; left unchanged".into(),
                value: cell_of(&p.cells, key, mapping),
            });
            continue;
        }
        let at = RowAt {
            line: p.line,
            cells: &p.cells,
            headers,
            mapping,
        };
        let owner_ok = |o: Uuid| valid_owners.contains(&o);
        let outcome = match (matched, fresh) {
            (Some(cur), _) => {
                let mut d = cur.to_draft();
                for f in PersonDraft::TEXT_FIELDS {
                    if let Some(Some(v)) = p.draft.get(f) {
                        d.set(f, Some(v.to_owned()));
                    }
                }
                for t in &p.draft.tags {
                    if !d.tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                        d.tags.push(t.clone());
                    }
                }
                for (k, v) in &p.draft.custom {
                    d.custom.insert(k.clone(), v.clone());
                }
                let stored = cur.to_draft();
                settle(d, Some(&stored), rules, imp.strict, owner_ok, &at)
            }
            (None, Some(fresh)) => fresh,
            (None, None) => settle(p.draft.clone(), None, rules, imp.strict, owner_ok, &at),
        };
        match outcome {
            Err(fields) => push_errors(&mut errors, p, &fields, headers, mapping),
            Ok((data, mut row_dropped)) => {
                dropped.append(&mut row_dropped);
                if preview_used < preview_allow {
                    preview_used += 1;
                    preview_row(&tx, imp.id, p.line, &data, p.organization.as_deref()).await?;
                }
                match matched {
                    Some(cur) => {
                        let before = cur.to_draft().validate(rules).ok();
                        if before.as_ref() == Some(&data) {
                            counts.unchanged += 1;
                        } else {
                            updates.push((cur.id, cur.version, data, i));
                        }
                        links.push((cur.id, i));
                    }
                    None => {
                        let id = Uuid::now_v7();
                        inserts.push((id, data, i));
                        links.push((id, i));
                    }
                }
            }
        }
    }

    mark("validate", &mut since);
    counts.created = inserts.len() as i64;
    counts.updated = updates.len() as i64;
    if !imp.dry_run {
        let failed = insert_batch(&tx, &inserts, &prepared, &mut errors).await?;
        if !failed.is_empty() {
            counts.created -= failed.len() as i64;
            let lines: HashSet<u64> = inserts
                .iter()
                .filter(|(id, _, _)| failed.contains(id))
                .map(|(_, _, i)| prepared[*i].line)
                .collect();
            dropped.retain(|d| !lines.contains(&d.line));
            links.retain(|(id, _)| !failed.contains(id));
            inserts.retain(|(id, _, _)| !failed.contains(id));
        }
        for (id, version, data, i) in &updates {
            match persons::write(&tx, *id, *version, data).await {
                Ok(_) => {}
                Err(Error::Conflict(_)) => {
                    let line = prepared[*i].line;
                    counts.updated -= 1;
                    dropped.retain(|d| d.line != line);
                    errors.push(Issue {
                        line,
                        col: "(row)".into(),
                        reason: "the person changed during the import; import again".into(),
                        value: None,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        mark("persons", &mut since);
    }
    Ok((
        Staged {
            tx,
            rows: prepared,
            inserts,
            updates,
            links,
            errors,
            dropped,
            counts,
            duplicates: None,
            started,
            phases,
        },
        preview_used,
    ))
}

/// Writes the rest of a staged batch (organizations, notes, warnings, report) and its
/// checkpoint, and commits. `expected` is the checkpoint the batch before left: if another
/// worker took the job over and committed past it, this batch rolls back instead of writing
/// twice. Returns the rows consumed and the batch's last line.
async fn finish(ctx: &Ctx<'_>, s: Staged, expected: i64) -> Result<(i64, i64)> {
    let Ctx {
        imp,
        hook,
        headers,
        mapping,
        ..
    } = *ctx;
    let Staged {
        tx,
        rows,
        inserts,
        updates,
        links,
        errors,
        mut dropped,
        mut counts,
        duplicates,
        started,
        mut phases,
    } = s;
    let mut since = std::time::Instant::now();
    let mut mark = |name: &'static str, since: &mut std::time::Instant| {
        phases.push((name, since.elapsed()));
        *since = std::time::Instant::now();
    };
    let n = rows.len() as i64;
    let last_line = rows.last().map_or(0, |r| r.line) as i64;
    if !imp.dry_run {
        let linked: Vec<(Uuid, &Prepared)> = links.iter().map(|(id, i)| (*id, &rows[*i])).collect();
        let ids: Vec<Uuid> = inserts.iter().map(|i| i.0).collect();
        let created: HashSet<Uuid> = ids.iter().copied().collect();
        let queued = link_organizations(&tx, &linked, &created).await?;
        mark("organizations", &mut since);
        add_notes(&tx, &imp.created_by, &linked).await?;
        mark("notes", &mut since);
        // New persons for the search index; the ones just linked to an organization were
        // queued by the link's trigger.
        let unqueued: Vec<Uuid> = ids
            .iter()
            .copied()
            .filter(|i| !queued.contains(i))
            .collect();
        tx.execute_raw(stmt(
            "INSERT INTO outbox (topic, subject_id) SELECT 'person.changed', unnest($1::uuid[])",
            vec![crate::sql::uuid_array(unqueued)],
        ))
        .await?;
        counts.duplicates = match duplicates {
            Some(n) => n,
            None => duplicate_warnings(&tx, ids).await?,
        };
        mark("duplicates", &mut since);
    }
    let written: Vec<WrittenRow> = inserts
        .iter()
        .map(|(id, data, i)| WrittenRow {
            line: rows[*i].line,
            person_id: *id,
            data,
        })
        .chain(updates.iter().map(|(id, _, data, i)| WrittenRow {
            line: rows[*i].line,
            person_id: *id,
            data,
        }))
        .collect();
    let warnings = hook.after_batch(&tx, imp, &written).await?;
    mark("hook", &mut since);
    counts.failed = failed_rows(&errors);
    write_errors(&tx, imp.id, &errors, "error").await?;
    let mut warnings: Vec<Issue> = warnings
        .into_iter()
        .map(|w| {
            let name = persons::field_name(&w.field);
            let row = rows.iter().find(|p| p.line == w.line);
            Issue {
                line: w.line,
                col: column_of(&w.field, headers, mapping),
                reason: w.reason,
                value: row.and_then(|p| cell_of(&p.cells, &name, mapping)),
            }
        })
        .collect();
    warnings.append(&mut dropped);
    let warned: HashSet<u64> = warnings.iter().map(|w| w.line).collect();
    counts.warned = warned.len() as i64;
    write_errors(&tx, imp.id, &warnings, "warning").await?;
    if !imp.dry_run {
        tx.execute_unprepared("SELECT outbox_wake_now()").await?;
    }
    // The checkpoint doubles as a fencing token. A batch staged while the one before was
    // finishing waits here on that one's row lock, then checks against what it committed.
    let fenced = tx
        .execute_raw(stmt(
            "UPDATE imports SET rows_done = rows_done + $2, rows_created = rows_created + $3, \
             rows_updated = rows_updated + $4, rows_unchanged = rows_unchanged + $5, \
             rows_failed = rows_failed + $6, duplicate_warnings = duplicate_warnings + $7, \
             checkpoint_line = $8, rows_warned = rows_warned + $10 WHERE id = $1 AND checkpoint_line = $9",
            vec![
                imp.id.into(),
                n.into(),
                counts.created.into(),
                counts.updated.into(),
                counts.unchanged.into(),
                counts.failed.into(),
                counts.duplicates.into(),
                last_line.into(),
                expected.into(),
                counts.warned.into(),
            ],
        ))
        .await?;
    if fenced.rows_affected() == 0 {
        return Err(Error::Conflict(
            "another worker has taken over this import; stopping here".into(),
        ));
    }
    tx.commit().await?;
    mark("commit", &mut since);
    tracing::debug!(rows = n, total = ?started.elapsed(), phases = ?phases, "import batch");
    Ok((n, last_line))
}

/// Rows with at least one error (a row can fail on several columns).
fn failed_rows(errors: &[Issue]) -> i64 {
    let lines: HashSet<u64> = errors.iter().map(|e| e.line).collect();
    lines.len() as i64
}

/// The row's cell in the column mapped to `field` (a target name such as `email`,
/// `custom.<key>`, or an API field name).
fn cell_of(cells: &[String], field: &str, mapping: &[Option<String>]) -> Option<String> {
    let name = persons::field_name(field);
    mapping
        .iter()
        .position(|m| m.as_deref() == Some(name.as_str()))
        .and_then(|i| cells.get(i))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn push_errors(
    errors: &mut Vec<Issue>,
    p: &Prepared,
    fields: &FieldErrors,
    headers: &[String],
    mapping: &[Option<String>],
) {
    for (field, msg) in &fields.0 {
        errors.push(Issue {
            line: p.line,
            col: column_of(field, headers, mapping),
            reason: msg.clone(),
            value: cell_of(&p.cells, field, mapping),
        });
    }
}

/// Inserts the batch in one statement; if a row breaks a unique key, falls back to one
/// insert per row (each under a savepoint) and reports the rows that failed.
async fn insert_batch(
    tx: &TenantTx,
    inserts: &[(Uuid, PersonData, usize)],
    rows: &[Prepared],
    errors: &mut Vec<Issue>,
) -> Result<HashSet<Uuid>> {
    let mut failed = HashSet::new();
    if inserts.is_empty() {
        return Ok(failed);
    }
    tx.execute_unprepared("SAVEPOINT import_batch").await?;
    match insert_all(tx, inserts).await {
        Ok(()) => {
            tx.execute_unprepared("RELEASE SAVEPOINT import_batch")
                .await?;
            return Ok(failed);
        }
        Err(e) if kartei_tenancy::error::is_unique_violation(&e) => {
            tx.execute_unprepared("ROLLBACK TO SAVEPOINT import_batch")
                .await?;
        }
        Err(e) => return Err(e.into()),
    }
    for (id, data, i) in inserts {
        tx.execute_unprepared("SAVEPOINT import_row").await?;
        match persons::insert(tx, *id, data).await {
            Ok(_) => {
                tx.execute_unprepared("RELEASE SAVEPOINT import_row")
                    .await?;
            }
            Err(Error::Invalid(fields)) => {
                tx.execute_unprepared("ROLLBACK TO SAVEPOINT import_row")
                    .await?;
                for (f, m) in &fields.0 {
                    errors.push(Issue {
                        line: rows[*i].line,
                        col: f.clone(),
                        reason: m.clone(),
                        value: None,
                    });
                }
                failed.insert(*id);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(failed)
}

async fn insert_all(
    tx: &TenantTx,
    inserts: &[(Uuid, PersonData, usize)],
) -> std::result::Result<(), sea_orm::DbErr> {
    let mut cols: Vec<Vec<Option<String>>> = (0..=COLUMN_COUNT)
        .map(|_| Vec::with_capacity(inserts.len()))
        .collect();
    for (id, data, _) in inserts {
        cols[0].push(Some(id.to_string()));
        for (i, v) in data.texts().into_iter().enumerate() {
            cols[i + 1].push(v);
        }
    }
    let params: Vec<String> = (1..=COLUMN_COUNT + 1)
        .map(|n| format!("${n}::text[]"))
        .collect();
    let names: Vec<String> = (0..=COLUMN_COUNT).map(|n| format!("c{n}")).collect();
    let select: Vec<String> = std::iter::once("c0::uuid AS id".to_owned())
        .chain(
            COLUMN_TYPES
                .iter()
                .zip(COLUMNS.split(',').map(str::trim))
                .enumerate()
                .map(|(i, (ty, name))| {
                    let c = format!("c{}", i + 1);
                    let c = crate::sql::nullable(&c);
                    match *ty {
                        "text" => format!("{c} AS {name}"),
                        "tags" => format!("string_to_array({c}, chr(31)) AS {name}"),
                        t => format!("{c}::{t} AS {name}"),
                    }
                }),
        )
        .collect();
    // The keyed address hashes in the same statement (the row trigger only fills them for a
    // row that arrives without): the HMAC of `persons_address_hashes()`, computed set-wise.
    let hmac =
        |col: &str| format!("sha256(k.opad || sha256(k.ipad || convert_to(r.{col}, 'UTF8')))");
    tx.execute_raw(stmt(
        &format!(
            "INSERT INTO persons (id, {COLUMNS}, email_hash, phone_hash, mobile_hash) \
             SELECT r.*, {}, {}, {} \
             FROM (SELECT {} FROM UNNEST({}) AS u({})) r \
             LEFT JOIN compliance_secrets k ON k.name = 'suppression'",
            hmac("email_normalized"),
            hmac("phone"),
            hmac("mobile"),
            select.join(", "),
            params.join(", "),
            names.join(", ")
        ),
        cols.into_iter().map(text_array).collect(),
    ))
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct OrgKey {
    id: Uuid,
    name_key: String,
}

/// Finds or creates each named organization (by match key) and links the persons to it; a
/// person without a primary organization gets this one as primary. The persons in `created`
/// were inserted by this batch (one row each): they have no links yet. Returns the persons
/// linked (the link's trigger queued them for the search index).
async fn link_organizations(
    tx: &TenantTx,
    links: &[(Uuid, &Prepared)],
    created: &HashSet<Uuid>,
) -> Result<HashSet<Uuid>> {
    let named: Vec<(Uuid, String, String, Option<String>)> = links
        .iter()
        .filter_map(|(pid, p)| {
            let name = p.organization.clone()?;
            let key = normalize::org_name_key(&name);
            (!key.is_empty()).then(|| (*pid, name, key, p.job_title.clone()))
        })
        .collect();
    if named.is_empty() {
        return Ok(HashSet::new());
    }
    let linked: HashSet<Uuid> = named.iter().map(|n| n.0).collect();
    let keys: Vec<Option<String>> = named.iter().map(|n| Some(n.2.clone())).collect();
    let mut ids: HashMap<String, Uuid> = OrgKey::find_by_statement(stmt(
        "SELECT DISTINCT ON (name_key) id, name_key FROM organizations \
         WHERE name_key = ANY($1) AND merged_into IS NULL ORDER BY name_key, archived_at NULLS FIRST, created_at",
        vec![text_array(keys)],
    ))
    .all(&**tx)
    .await?
    .into_iter()
    .map(|o| (o.name_key, o.id))
    .collect();
    let mut new_ids = Vec::new();
    let mut new_names = Vec::new();
    let mut new_keys = Vec::new();
    for (_, name, key, _) in &named {
        if !ids.contains_key(key) {
            let id = Uuid::now_v7();
            ids.insert(key.clone(), id);
            new_ids.push(Some(id.to_string()));
            new_names.push(Some(name.chars().take(200).collect::<String>()));
            new_keys.push(Some(key.clone()));
        }
    }
    if !new_ids.is_empty() {
        tx.execute_raw(stmt(
            "INSERT INTO organizations (id, name, name_key, source) \
             SELECT i::uuid, n, k, 'import' FROM UNNEST($1::text[], $2::text[], $3::text[]) AS u(i, n, k)",
            vec![text_array(new_ids), text_array(new_names), text_array(new_keys)],
        ))
        .await?;
    }
    // New persons' links go in with a plain insert, as primary; persons that existed may have
    // this link or a primary already.
    let (new, known): (Vec<_>, Vec<_>) = named.iter().partition(|n| created.contains(&n.0));
    for (rows, sql) in [
        (
            new,
            "INSERT INTO person_organizations (person_id, organization_id, job_title, is_primary) \
             SELECT u.p::uuid, u.o::uuid, NULLIF(u.j, chr(1)), true \
             FROM UNNEST($1::text[], $2::text[], $3::text[]) AS u(p, o, j)",
        ),
        (
            known,
            "INSERT INTO person_organizations (person_id, organization_id, job_title, is_primary) \
             SELECT u.p::uuid, u.o::uuid, NULLIF(u.j, chr(1)), NOT EXISTS (SELECT 1 FROM person_organizations x \
                    WHERE x.person_id = u.p::uuid AND x.is_primary) \
             FROM UNNEST($1::text[], $2::text[], $3::text[]) AS u(p, o, j) \
             ON CONFLICT (person_id, organization_id) DO UPDATE SET \
                 job_title = COALESCE(EXCLUDED.job_title, person_organizations.job_title)",
        ),
    ] {
        if rows.is_empty() {
            continue;
        }
        let mut p = Vec::new();
        let mut o = Vec::new();
        let mut j = Vec::new();
        for (pid, _, key, job) in rows {
            p.push(Some(pid.to_string()));
            o.push(ids.get(key).map(Uuid::to_string));
            j.push(job.clone());
        }
        tx.execute_raw(stmt(sql, vec![text_array(p), text_array(o), text_array(j)]))
            .await?;
    }
    Ok(linked)
}

/// New persons that share a phone, or name sound and city, with someone already there.
async fn duplicate_warnings(tx: &TenantTx, ids: Vec<Uuid>) -> Result<i64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let row = tx
        .query_one_raw(stmt(
            "SELECT count(*) AS n FROM persons a WHERE a.id = ANY($1) AND ( \
               EXISTS (SELECT 1 FROM persons b WHERE a.phone IS NOT NULL AND b.phone = a.phone \
                       AND b.id <> a.id AND b.merged_into IS NULL AND NOT (b.id = ANY($1))) \
               OR EXISTS (SELECT 1 FROM persons b WHERE a.last_phonetic <> '' AND a.city_key <> '' \
                       AND b.last_phonetic = a.last_phonetic AND b.first_phonetic = a.first_phonetic \
                       AND b.city_key = a.city_key AND b.id <> a.id AND b.merged_into IS NULL \
                       AND NOT (b.id = ANY($1))))",
            vec![crate::sql::uuid_array(ids)],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

async fn write_errors(tx: &TenantTx, id: Uuid, errors: &[Issue], severity: &str) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    // A report names values, not whole cells of any size.
    let value = |v: &Option<String>| v.as_ref().map(|v| v.chars().take(200).collect::<String>());
    tx.execute_raw(stmt(
        &format!(
            "INSERT INTO import_errors (import_id, line, col, reason, severity, value) \
         SELECT $1, l::bigint, c, r, $5, {} \
         FROM UNNEST($2::text[], $3::text[], $4::text[], $6::text[]) AS u(l, c, r, v) \
         ON CONFLICT DO NOTHING",
            crate::sql::nullable("v")
        ),
        vec![
            id.into(),
            text_array(errors.iter().map(|e| Some(e.line.to_string())).collect()),
            text_array(errors.iter().map(|e| Some(e.col.clone())).collect()),
            text_array(errors.iter().map(|e| Some(e.reason.clone())).collect()),
            severity.into(),
            text_array(errors.iter().map(|e| value(&e.value)).collect()),
        ],
    ))
    .await?;
    Ok(())
}

/// A note column's text as a note on each written person's timeline, once: the same text
/// from a re-run of the file (or another import) is not added again.
async fn add_notes(tx: &TenantTx, author: &str, links: &[(Uuid, &Prepared)]) -> Result<()> {
    let (mut ids, mut notes) = (Vec::new(), Vec::new());
    for (pid, p) in links {
        if let Some(n) = &p.note {
            ids.push(*pid);
            notes.push(Some(n.chars().take(20_000).collect::<String>()));
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    let n = ids.len();
    tx.execute_raw(stmt(
        "INSERT INTO interactions (id, person_id, kind, direction, occurred_at, author, subject, summary) \
         SELECT u.i, u.p, 'note', 'internal', now(), $3, 'Import', u.n \
         FROM UNNEST($1::uuid[], $2::text[], $4::uuid[]) AS u(p, n, i) \
         WHERE NOT EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = u.p \
                           AND i.kind = 'note' AND i.summary = u.n AND i.archived_at IS NULL)",
        vec![
            crate::sql::uuid_array(ids),
            text_array(notes),
            author.into(),
            crate::sql::uuid_array((0..n).map(|_| Uuid::now_v7()).collect()),
        ],
    ))
    .await?;
    Ok(())
}

async fn preview_row(
    tx: &TenantTx,
    id: Uuid,
    line: u64,
    d: &PersonData,
    org: Option<&str>,
) -> Result<()> {
    let row = serde_json::json!({
        "line": line,
        "firstName": d.first_name, "lastName": d.last_name, "email": d.email,
        "phone": d.phone, "mobile": d.mobile, "street": d.street, "postalCode": d.postal_code,
        "city": d.city, "country": d.country, "birthday": d.birthday, "organization": org,
    });
    tx.execute_raw(stmt(
        "UPDATE imports SET preview = preview || jsonb_build_array($2::jsonb) WHERE id = $1",
        vec![id.into(), row.into()],
    ))
    .await?;
    Ok(())
}
