//! Imports of persons from CSV and XLSX as background jobs: upload (stored in the tenant's
//! schema in chunks), preview with suggested mapping, start (dry run or real), progress,
//! cancel, and the per-row error report.

pub mod bulk;
pub mod mapping;
pub mod reader;
pub mod run;

use chrono::{DateTime, Utc};
use kartei_core::id::TenantId;
use kartei_core::paging::{Page, PageRequest};
use kartei_tenancy::db::{Db, TenantTx};
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::rules::{self, Entity};
use reader::Format;

/// The job kind in `platform.jobs`.
pub const JOB_KIND: &str = "contacts.import";
/// Upload chunk size: rows of `upload_chunks` hold this much.
pub const CHUNK_BYTES: usize = 1 << 20;
/// Rows shown by a preview and kept by a dry run.
pub const PREVIEW_ROWS: usize = 20;

// ---- uploads -------------------------------------------------------------------------------

pub async fn upload_begin(tx: &TenantTx, filename: &str, actor: &str) -> Result<Uuid> {
    let name: String = filename.trim().chars().take(200).collect();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(Error::field(
            "filename",
            "must be 1 to 200 printable characters",
        ));
    }
    let id = Uuid::now_v7();
    tx.execute_raw(stmt(
        "INSERT INTO uploads (id, filename, created_by) VALUES ($1, $2, $3)",
        vec![id.into(), name.into(), actor.into()],
    ))
    .await?;
    Ok(id)
}

/// Bytes held by the tenant's uploads whose file is still stored (an import that completed
/// purges its file), leaving out `except`. With `lock`, first takes the tenant's upload lock
/// until the transaction ends, so uploads finishing at the same time are counted one after
/// the other and together cannot pass the tenant's quota.
pub async fn stored_upload_bytes(tx: &TenantTx, except: Option<Uuid>, lock: bool) -> Result<u64> {
    if lock {
        tx.execute_unprepared(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.uploads'))",
        )
        .await?;
    }
    let row = tx
        .query_one_raw(stmt(
            "SELECT coalesce(sum(size_bytes), 0)::bigint FROM uploads \
             WHERE purged_at IS NULL AND id IS DISTINCT FROM $1",
            vec![except.into()],
        ))
        .await?;
    let held: i64 = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(held).unwrap_or(0))
}

pub async fn upload_chunk(tx: &TenantTx, id: Uuid, seq: i32, data: Vec<u8>) -> Result<()> {
    let len = data.len() as i64;
    tx.execute_raw(stmt(
        "INSERT INTO upload_chunks (upload_id, seq, data) VALUES ($1, $2, $3)",
        vec![id.into(), seq.into(), data.into()],
    ))
    .await?;
    tx.execute_raw(stmt(
        "UPDATE uploads SET size_bytes = size_bytes + $2 WHERE id = $1",
        vec![id.into(), len.into()],
    ))
    .await?;
    Ok(())
}

pub async fn upload_finish(tx: &TenantTx, id: Uuid) -> Result<Upload> {
    Upload::find_by_statement(stmt(
        "UPDATE uploads SET complete = true WHERE id = $1 \
         RETURNING id, filename, size_bytes, complete, created_by, created_at, purged_at",
        vec![id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("upload"))
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Upload {
    pub id: Uuid,
    pub filename: String,
    pub size_bytes: i64,
    pub complete: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// When its bytes were removed (after a completed import, or by erasure).
    pub purged_at: Option<DateTime<Utc>>,
}

/// The uploads among `ids` (purged ones too: their bytes are gone, the record stays).
pub async fn find_uploads(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Upload>> {
    Ok(Upload::find_by_statement(stmt(
        "SELECT id, filename, size_bytes, complete, created_by, created_at, purged_at FROM uploads \
         WHERE id = ANY($1)",
        vec![crate::sql::uuid_array(ids.to_vec())],
    ))
    .all(&**tx)
    .await?)
}

pub async fn upload(tx: &TenantTx, id: Uuid) -> Result<Upload> {
    let u = Upload::find_by_statement(stmt(
        "SELECT id, filename, size_bytes, complete, created_by, created_at, purged_at FROM uploads \
         WHERE id = $1",
        vec![id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("upload"))?;
    if u.purged_at.is_some() {
        return Err(Error::field(
            "uploadId",
            "this file was imported already and removed afterwards (personal data is not kept \
             longer than needed); upload it again",
        ));
    }
    if !u.complete {
        return Err(Error::NotFound("upload"));
    }
    Ok(u)
}

#[derive(FromQueryResult)]
struct Chunk {
    data: Vec<u8>,
}

/// Copies an upload to an anonymous temporary file ([`reader::Spool`]: it vanishes with the
/// process, whatever happens), one chunk (1 MiB) in memory at a time; with `max_chunks`, only
/// its beginning. Returns the file and whether it is the whole upload.
pub async fn spill_upload(
    db: &Db,
    tenant: TenantId,
    id: Uuid,
    max_chunks: Option<i32>,
) -> Result<(reader::Spool, bool)> {
    let mut file = reader::Spool::new()?;
    let tx = db.begin_tenant(tenant).await?;
    upload(&tx, id).await?;
    let mut seq = 0i32;
    let mut whole = true;
    loop {
        if max_chunks.is_some_and(|m| seq >= m) {
            whole = tx
                .query_one_raw(stmt(
                    "SELECT 1 AS more FROM upload_chunks WHERE upload_id = $1 AND seq = $2",
                    vec![id.into(), seq.into()],
                ))
                .await?
                .is_none();
            break;
        }
        let chunk = Chunk::find_by_statement(stmt(
            "SELECT data FROM upload_chunks WHERE upload_id = $1 AND seq = $2",
            vec![id.into(), seq.into()],
        ))
        .one(&*tx)
        .await?;
        let Some(chunk) = chunk else { break };
        file.write_all(&chunk.data)?;
        seq += 1;
    }
    tx.commit().await?;
    Ok((file, whole))
}

/// Chunks a preview reads of a CSV upload (its header and first rows are at the start).
const PREVIEW_CHUNKS: i32 = 4;

// ---- preview -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Preview {
    pub format: Format,
    /// `UTF-8` or `windows-1252` (CSV only).
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub headers: Vec<String>,
    pub suggested_mapping: Vec<Option<String>>,
    /// For each column nothing else takes, a custom field the import could create for it.
    pub suggested_new_fields: Vec<Option<mapping::NewField>>,
    /// The first data rows as read: `(line, cells)`.
    pub rows: Vec<(u64, Vec<String>)>,
}

pub async fn preview(db: &Db, tenant: TenantId, upload_id: Uuid) -> Result<Preview> {
    // A CSV's preview needs only its beginning; an XLSX (a ZIP, directory at the end) all.
    let (mut file, mut whole) = spill_upload(db, tenant, upload_id, Some(PREVIEW_CHUNKS)).await?;
    if !whole && Format::sniff(&file)? == Format::Xlsx {
        (file, whole) = spill_upload(db, tenant, upload_id, None).await?;
    }
    let custom: Vec<(String, String)> = {
        let tx = db.begin_tenant(tenant).await?;
        let defs = rules::custom_fields(&tx, None).await?;
        tx.commit().await?;
        defs.into_iter()
            .filter(|d| d.entity == Entity::Person.as_str())
            .map(|d| (d.key, d.label))
            .collect()
    };
    tokio::task::spawn_blocking(move || {
        let format = Format::sniff(&file)?;
        let dialect = (format == Format::Csv)
            .then(|| reader::detect_csv(&file))
            .transpose()?;
        let mut headers = Vec::new();
        let mut rows = Vec::new();
        let read = reader::for_each_row(&file, format, |row| {
            if headers.is_empty() {
                headers = row.1;
                return Ok(true);
            }
            rows.push(row);
            Ok(rows.len() < PREVIEW_ROWS)
        });
        // A cut-off beginning may end inside a row; what was read before it stands.
        if let Err(e) = read
            && (whole || headers.is_empty())
        {
            return Err(e);
        }
        let suggested_mapping = mapping::suggest(&headers, &custom);
        let taken: Vec<String> = custom.iter().map(|(k, _)| k.clone()).collect();
        let suggested_new_fields =
            mapping::suggest_new_fields(&headers, &suggested_mapping, &rows, &taken);
        Ok(Preview {
            format,
            encoding: dialect.as_ref().map(|d| d.encoding.name().to_owned()),
            delimiter: dialect.map(|d| (d.delimiter as char).to_string()),
            headers,
            suggested_mapping,
            suggested_new_fields,
            rows,
        })
    })
    .await
    .map_err(|e| Error::File(e.to_string()))?
}

// ---- imports -------------------------------------------------------------------------------

#[derive(Debug, Clone, FromQueryResult)]
pub struct Import {
    pub id: Uuid,
    pub upload_id: Uuid,
    pub format: String,
    pub mapping: serde_json::Value,
    pub match_keys: Vec<String>,
    pub dry_run: bool,
    /// Refuse a row with any invalid field (instead of leaving the field empty with a
    /// warning).
    pub strict: bool,
    /// `[key, label, kind]` of each custom field the import asked for.
    pub new_fields: serde_json::Value,
    pub status: String,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub rows_total: Option<i64>,
    pub rows_done: i64,
    pub rows_created: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    pub rows_failed: i64,
    pub duplicate_warnings: i64,
    /// Rows written with a warning (e.g. a suppressed address: no consent granted).
    pub rows_warned: i64,
    /// A consent to record for every written row, interpreted by the import hook.
    pub consent: Option<serde_json::Value>,
    pub checkpoint_line: i64,
    pub preview: serde_json::Value,
    pub cancel_requested: bool,
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Import {
    pub fn mapping(&self) -> Vec<Option<String>> {
        serde_json::from_value(self.mapping.clone()).unwrap_or_default()
    }

    /// The custom fields this import asked for (created at its start unless a dry run).
    pub fn new_fields(&self) -> Vec<mapping::NewField> {
        let items: Vec<(String, String, String)> =
            serde_json::from_value(self.new_fields.clone()).unwrap_or_default();
        items
            .into_iter()
            .map(|(key, label, kind)| mapping::NewField {
                key,
                label,
                kind: rules::FieldKind::parse(&kind),
            })
            .collect()
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "failed" | "cancelled")
    }
}

const SELECT: &str = "SELECT id, upload_id, format, mapping, match_keys, dry_run, strict, new_fields, status, \
    encoding, delimiter, rows_total, rows_done, rows_created, rows_updated, rows_unchanged, \
    rows_failed, duplicate_warnings, rows_warned, consent, checkpoint_line, preview, cancel_requested, error, \
    created_by, created_at, started_at, finished_at FROM imports";

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<Import> {
    Import::find_by_statement(stmt(&format!("{SELECT} WHERE id = $1"), vec![id.into()]))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("import"))
}

pub async fn count(tx: &TenantTx) -> Result<i64> {
    Ok(kartei_tenancy::paging::count(&**tx, "FROM imports", vec![]).await?)
}

/// The number of an import's row errors and warnings.
pub async fn errors_count(tx: &TenantTx, id: Uuid) -> Result<i64> {
    Ok(kartei_tenancy::paging::count(
        &**tx,
        "FROM import_errors WHERE import_id = $1",
        vec![id.into()],
    )
    .await?)
}

pub async fn page(tx: &TenantTx, req: &PageRequest<Uuid>) -> Result<Page<Import>> {
    let ks = kartei_tenancy::paging::keyset("id", req, true, 1);
    let rows = Import::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE {} ORDER BY {} LIMIT {}",
            ks.condition, ks.order, ks.fetch
        ),
        ks.values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |i| i.id))
}

pub struct StartImport {
    pub upload_id: Uuid,
    /// Target field per column (`None` = skip the column).
    pub mapping: Vec<Option<String>>,
    /// Existing persons are matched on these, in order: `email`, `external_id`.
    pub match_keys: Vec<String>,
    pub dry_run: bool,
    /// Refuse rows with an invalid field instead of importing them without it.
    pub strict: bool,
    /// Custom fields to create for columns the mapping sends to `custom.<key>`.
    pub new_fields: Vec<mapping::NewField>,
    /// A consent every written row is given (checked and recorded by the import hook).
    pub consent: Option<serde_json::Value>,
}

/// Checks the mapping against the file's headers and queues the import as a job.
pub async fn start(db: &Db, tenant: TenantId, actor: &str, input: StartImport) -> Result<Import> {
    create(db, tenant, actor, input, true).await
}

/// Like [`start`], but with `enqueue = false` the caller runs it itself (`run::run`), as the
/// demo loader and the benchmark do.
pub async fn create(
    db: &Db,
    tenant: TenantId,
    actor: &str,
    input: StartImport,
    enqueue: bool,
) -> Result<Import> {
    let preview = preview(db, tenant, input.upload_id).await?;
    mapping::check(&preview.headers, &input.mapping, &input.match_keys).map_err(Error::Invalid)?;
    let tx = db.begin_tenant(tenant).await?;
    define_new_fields(&tx, &input.mapping, &input.new_fields, input.dry_run).await?;
    let id = Uuid::now_v7();
    tx.execute_raw(stmt(
        "INSERT INTO imports (id, upload_id, format, mapping, match_keys, dry_run, encoding, \
         delimiter, created_by, consent, strict, new_fields) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        vec![
            id.into(),
            input.upload_id.into(),
            preview.format.as_str().into(),
            serde_json::to_value(&input.mapping)
                .unwrap_or_default()
                .into(),
            input.match_keys.into(),
            input.dry_run.into(),
            preview.encoding.into(),
            preview.delimiter.into(),
            actor.into(),
            input.consent.into(),
            input.strict.into(),
            serde_json::Value::from(
                input
                    .new_fields
                    .iter()
                    .map(|f| serde_json::json!([f.key, f.label, f.kind.as_str()]))
                    .collect::<Vec<_>>(),
            )
            .into(),
        ],
    ))
    .await?;
    if enqueue {
        kartei_tenancy::jobs::enqueue(&tx, JOB_KIND, id).await?;
    }
    kartei_tenancy::audit::record(
        &tx,
        actor,
        if input.dry_run {
            "import.dry_run"
        } else {
            "import.started"
        },
        Some(&id.to_string()),
        serde_json::json!({ "upload": input.upload_id }),
    )
    .await?;
    let import = get(&tx, id).await?;
    tx.commit().await?;
    Ok(import)
}

/// Creates the custom fields an import asked for (one that exists with the same type is
/// taken as it is) and checks that every `custom.<key>` the mapping names exists then. A dry
/// run checks the same and creates nothing: its rows are validated against the new fields
/// as if they existed.
async fn define_new_fields(
    tx: &TenantTx,
    mapping: &[Option<String>],
    new_fields: &[mapping::NewField],
    dry_run: bool,
) -> Result<()> {
    let existing = rules::custom_fields(tx, Some(Entity::Person)).await?;
    let mut e = kartei_core::validate::FieldErrors::new();
    let mapped = |key: &str| {
        mapping
            .iter()
            .flatten()
            .any(|t| t.strip_prefix("custom.") == Some(key))
    };
    for (i, f) in new_fields.iter().enumerate() {
        if !mapped(&f.key) {
            e.add(
                format!("newFields.{i}.key"),
                format!("no column is mapped to 'custom.{}'", f.key),
            );
            continue;
        }
        match existing.iter().find(|d| d.key == f.key) {
            Some(d) if d.kind == f.kind => {}
            Some(d) => e.add(
                format!("newFields.{i}.kind"),
                format!(
                    "custom field '{}' exists already, as {}",
                    f.key,
                    d.kind.as_str()
                ),
            ),
            None if dry_run => {}
            None => {
                rules::define_custom_field(
                    tx,
                    rules::CustomFieldInput {
                        entity: Entity::Person,
                        key: f.key.clone(),
                        label: f.label.clone(),
                        kind: f.kind,
                        picklist_key: None,
                        required: false,
                    },
                )
                .await
                .map_err(|err| match err {
                    Error::Invalid(fe) => Error::Invalid(kartei_core::validate::FieldErrors(
                        fe.0.into_iter()
                            .map(|(k, v)| (format!("newFields.{i}.{k}"), v))
                            .collect(),
                    )),
                    other => other,
                })?;
            }
        }
    }
    for (i, t) in mapping.iter().enumerate() {
        let Some(key) = t.as_deref().and_then(|t| t.strip_prefix("custom.")) else {
            continue;
        };
        let known =
            existing.iter().any(|d| d.key == key) || new_fields.iter().any(|f| f.key == key);
        if !known {
            e.add(
                format!("mapping.{i}"),
                format!("'custom.{key}' is no custom field; define it, or add it to newFields"),
            );
        }
    }
    e.into_result().map_err(Error::Invalid)
}

/// Asks a queued or running import to stop; rows already committed stay.
pub async fn cancel(tx: &TenantTx, id: Uuid) -> Result<Import> {
    let imp = get(tx, id).await?;
    if imp.is_finished() {
        return Err(Error::Conflict(format!(
            "the import is already {}",
            imp.status
        )));
    }
    tx.execute_raw(stmt(
        "UPDATE imports SET cancel_requested = true, \
             status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END, \
             finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END \
         WHERE id = $1",
        vec![id.into()],
    ))
    .await?;
    get(tx, id).await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct RowError {
    pub line: i64,
    pub col: String,
    pub reason: String,
    /// The file's value the reason is about (a warning's dropped value), if any.
    pub value: Option<String>,
    /// `error` (the row was not written) or `warning` (written, with a caveat).
    pub severity: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorKey(pub i64, pub String);

pub async fn errors_page(
    tx: &TenantTx,
    id: Uuid,
    req: &PageRequest<ErrorKey>,
) -> Result<Page<RowError>> {
    let mut values: Vec<sea_orm::Value> = vec![id.into()];
    let mut cond = vec!["import_id = $1".to_owned()];
    for (key, op) in [(&req.after, ">"), (&req.before, "<")] {
        if let Some(ErrorKey(line, col)) = key {
            values.push((*line).into());
            values.push(col.clone().into());
            cond.push(format!(
                "(line, col) {op} (${}, ${})",
                values.len() - 1,
                values.len()
            ));
        }
    }
    let dir = if req.direction == kartei_core::paging::Direction::Forward {
        "ASC"
    } else {
        "DESC"
    };
    let rows = RowError::find_by_statement(stmt(
        &format!(
            "SELECT line, col, reason, severity, value FROM import_errors WHERE {} ORDER BY line {dir}, col {dir} LIMIT {}",
            cond.join(" AND "),
            req.limit + 1
        ),
        values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |e| {
        ErrorKey(e.line, e.col.clone())
    }))
}

/// The error report as CSV (`line;column;reason;severity;value`, UTF-8 with BOM for Excel), written in
/// pages so a report of any size streams.
pub async fn errors_csv(
    db: &Db,
    tenant: TenantId,
    id: Uuid,
    out: tokio::sync::mpsc::Sender<Vec<u8>>,
) -> Result<()> {
    let mut after: Option<(i64, String)> = None;
    if out
        .send(b"\xEF\xBB\xBFline;column;reason;severity;value\r\n".to_vec())
        .await
        .is_err()
    {
        return Ok(());
    }
    loop {
        let tx = db.begin_tenant(tenant).await?;
        get(&tx, id).await?;
        let (l, c) = after.clone().unwrap_or((-1, String::new()));
        let rows = RowError::find_by_statement(stmt(
            "SELECT line, col, reason, severity, value FROM import_errors WHERE import_id = $1 \
             AND (line, col) > ($2, $3) ORDER BY line, col LIMIT 5000",
            vec![id.into(), l.into(), c.into()],
        ))
        .all(&*tx)
        .await?;
        tx.commit().await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        for r in &rows {
            let line = r.line.to_string();
            w.write_record(kartei_core::cells::record([
                line.as_str(),
                &r.col,
                &r.reason,
                &r.severity,
                r.value.as_deref().unwrap_or_default(),
            ]))
            .map_err(|e| Error::File(e.to_string()))?;
        }
        let bytes = w.into_inner().map_err(|e| Error::File(e.to_string()))?;
        if out.send(bytes).await.is_err() {
            return Ok(());
        }
        after = rows.last().map(|r| (r.line, r.col.clone()));
    }
}
