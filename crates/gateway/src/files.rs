//! File endpoints beside GraphQL, with the same `Authorization` and `X-Tenant-Id` headers:
//! `POST /files/uploads` streams a file into the tenant (for imports), `POST
//! /files/exports/persons` streams a filtered person list as CSV or XLSX, and `GET
//! /files/imports/{id}/errors.csv` streams an import's error report. `GET
//! /files/compliance/persons/{id}/export.zip` is a data-subject access export, `GET
//! /files/compliance/processing-activities.csv` the processing register.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt;
use kartei_contacts::export::{self, ExportFormat};
use kartei_contacts::import;
use kartei_core::code::Code;
use kartei_core::ctx::{Role, TenantCtx};
use serde::Deserialize;
use serde_json::json;

use crate::contacts::types::PersonFilter;
use crate::error::ApiError;
use crate::http::{AppState, error_response, identify};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/files/uploads", web::post().to(upload))
        .route("/files/exports/persons", web::post().to(export_persons))
        .route(
            "/files/imports/{id}/errors.csv",
            web::get().to(import_errors),
        )
        .route(
            "/files/compliance/persons/{id}/export.zip",
            web::get().to(person_archive),
        )
        .route(
            "/files/compliance/processing-activities.csv",
            web::get().to(processing_register),
        );
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArchiveQuery {
    /// The access or portability request this export answers (closed as completed).
    request_id: Option<String>,
}

/// Everything about a person as a ZIP of JSON and CSV (GDPR Art. 15 and 20; tenant admins);
/// audited, and closes the request it answers.
async fn person_archive(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ArchiveQuery>,
) -> HttpResponse {
    let t = match tenant_ctx(&state, &req, Role::Admin).await {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let parse = |s: &str, field: &str| {
        crate::node::uuid_of(s).ok_or_else(|| ApiError::field(field, "is not a valid id"))
    };
    let result: Result<Vec<u8>, ApiError> = async {
        let id = parse(&path, "id")?;
        let request = query
            .request_id
            .as_deref()
            .map(|r| parse(r, "requestId"))
            .transpose()?;
        let tx = state.services.db.begin_tenant(t.tenant_id).await?;
        let actor = t.actor.audit_label();
        let zip = kartei_compliance::dsr::export_archive(&tx, id).await?;
        if let Some(r) = request {
            let dsr = kartei_compliance::dsr::get(&tx, r).await?;
            if dsr.person_id != Some(id) {
                return Err(ApiError::field(
                    "requestId",
                    "is a request of another person",
                ));
            }
            if dsr.status == "open" {
                kartei_compliance::dsr::close(&tx, r, &actor, false).await?;
            }
        }
        kartei_tenancy::audit::record(
            &tx,
            &actor,
            "person.exported",
            Some(&id.to_string()),
            json!({ "bytes": zip.len(), "request": request }),
        )
        .await?;
        tx.commit().await?;
        Ok(zip)
    }
    .await;
    match result {
        Err(e) => rest_error(&e),
        Ok(zip) => HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"auskunft.zip\"",
            ))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(zip),
    }
}

/// The register of processing activities as CSV (GDPR Art. 30).
async fn processing_register(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let t = match tenant_ctx(&state, &req, Role::Admin).await {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let result: Result<Vec<u8>, ApiError> = async {
        let tx = state.services.db.begin_tenant(t.tenant_id).await?;
        let list = kartei_compliance::ropa::list(&tx).await?;
        tx.commit().await?;
        Ok(kartei_compliance::ropa::to_csv(&list)?)
    }
    .await;
    match result {
        Err(e) => rest_error(&e),
        Ok(csv) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"verarbeitungsverzeichnis.csv\"",
            ))
            .body(csv),
    }
}

/// Outside GraphQL, failures carry their HTTP status too (the body is the same JSON).
fn rest_error(e: &ApiError) -> HttpResponse {
    let mut res = error_response(e, None);
    if let Ok(status) = StatusCode::from_u16(e.code.rest_status()) {
        *res.status_mut() = status;
    }
    res
}

/// The request's tenant context with at least `role`, or the error response.
async fn tenant_ctx(
    state: &AppState,
    req: &HttpRequest,
    role: Role,
) -> Result<TenantCtx, HttpResponse> {
    let (ctx, decision) = identify(state, req).await?;
    let _ = decision;
    let denied = match (&ctx.principal, ctx.tenant) {
        (None, _) => ApiError::new(Code::Unauthenticated, "authentication required"),
        (Some(Err(e)), _) => e.clone(),
        (_, None) => ApiError::field("X-Tenant-Id", "header is required for this operation"),
        (_, Some(Err(e))) => e,
        (_, Some(Ok(t))) if !t.role.allows(role) => ApiError::new(
            Code::Forbidden,
            format!("this needs the {} role in the tenant", role.as_str()),
        ),
        (_, Some(Ok(t))) => return Ok(t),
    };
    Err(rest_error(&denied))
}

#[derive(Deserialize)]
struct UploadQuery {
    filename: String,
}

/// Streams the body into the tenant's upload store in 1 MiB chunks, in one transaction: the
/// upload exists completely or not at all.
async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<UploadQuery>,
    mut payload: web::Payload,
) -> HttpResponse {
    let t = match tenant_ctx(&state, &req, Role::Member).await {
        Ok(t) => t,
        Err(resp) => {
            discard(&mut payload).await;
            return resp;
        }
    };
    let limit = state.options.max_upload_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        error_response(
            &ApiError::new(
                Code::PayloadTooLarge,
                format!("uploads are limited to {limit} bytes"),
            ),
            None,
        )
    };
    if declared.is_some_and(|n| n > limit) {
        return too_large();
    }
    let db = &state.services.db;
    let actor = t.actor.audit_label();
    let quota = state.options.upload_storage_bytes;
    let quota_full = |held: u64| {
        ApiError::new(
            Code::PayloadTooLarge,
            format!(
                "the tenant's upload storage of {} MiB is full ({} MiB are held by files not \
                 imported yet; an import that completes frees its file)",
                quota >> 20,
                held >> 20
            ),
        )
    };
    let result: Result<_, ApiError> = async {
        let tx = db.begin_tenant(t.tenant_id).await?;
        // What is left of the quota bounds this upload from the start (checked again, under
        // the tenant's upload lock, before it is kept).
        let held = import::stored_upload_bytes(&tx, None, false).await?;
        if held >= quota {
            return Err(quota_full(held));
        }
        let room = usize::try_from(quota - held).unwrap_or(usize::MAX);
        if declared.is_some_and(|n| n > room) {
            return Err(quota_full(held));
        }
        let id = import::upload_begin(&tx, &query.filename, &actor).await?;
        let mut buf: Vec<u8> = Vec::with_capacity(import::CHUNK_BYTES);
        let mut seq = 0;
        let mut total = 0usize;
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|_| ApiError::new(Code::BadRequest, "unreadable request body"))?;
            total += chunk.len();
            if total > limit {
                return Err(ApiError::new(
                    Code::PayloadTooLarge,
                    format!("uploads are limited to {limit} bytes"),
                ));
            }
            if total > room {
                return Err(quota_full(held));
            }
            buf.extend_from_slice(&chunk);
            while buf.len() >= import::CHUNK_BYTES {
                let rest = buf.split_off(import::CHUNK_BYTES);
                import::upload_chunk(&tx, id, seq, std::mem::replace(&mut buf, rest)).await?;
                seq += 1;
            }
        }
        if !buf.is_empty() {
            import::upload_chunk(&tx, id, seq, buf).await?;
        }
        if total == 0 {
            return Err(ApiError::field("file", "is empty"));
        }
        let held = import::stored_upload_bytes(&tx, Some(id), true).await?;
        if held + total as u64 > quota {
            return Err(quota_full(held));
        }
        let up = import::upload_finish(&tx, id).await?;
        kartei_tenancy::audit::record(
            &tx,
            &actor,
            "upload.created",
            Some(&id.to_string()),
            json!({ "bytes": total }),
        )
        .await?;
        tx.commit().await?;
        Ok(up)
    }
    .await;
    match result {
        Ok(up) => HttpResponse::Created().json(json!({
            "id": up.id,
            "filename": up.filename,
            "sizeBytes": up.size_bytes,
        })),
        Err(e) if e.code == Code::PayloadTooLarge => error_response(&e, None),
        Err(e) => {
            discard(&mut payload).await;
            rest_error(&e)
        }
    }
}

/// The most of a refused upload's body read and thrown away before answering.
const DISCARD_BYTES: usize = 16 << 20;

/// Reads and throws away what is left of a refused upload's body (up to [`DISCARD_BYTES`]),
/// so that a client still sending it reads the answer (401, 429, 503 with `Retry-After`)
/// instead of a connection reset halfway through its upload. Beyond that, the connection is
/// closed: nobody makes the server read a large body it has refused.
async fn discard(payload: &mut web::Payload) {
    let mut left = DISCARD_BYTES;
    while left > 0 {
        match payload.next().await {
            Some(Ok(chunk)) => left = left.saturating_sub(chunk.len()),
            _ => break,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Format {
    Csv,
    CsvWindows1252,
    Xlsx,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExportRequest {
    format: Format,
    #[serde(default)]
    filter: PersonFilter,
}

/// Streams the filtered list; the export is audited before the first byte leaves.
async fn export_persons(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let t = match tenant_ctx(&state, &req, Role::Member).await {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let request: ExportRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                &ApiError::new(
                    Code::BadRequest,
                    format!("body must be {{format, filter}} in JSON: {e}"),
                ),
                None,
            );
        }
    };
    let filter = match request.filter.to_domain() {
        Ok(f) => f,
        Err(_) => {
            return rest_error(&ApiError::field("filter", "contains an invalid id"));
        }
    };
    let format = match request.format {
        Format::Csv => ExportFormat::Csv,
        Format::CsvWindows1252 => ExportFormat::CsvWindows1252,
        Format::Xlsx => ExportFormat::Xlsx,
    };
    let db = state.services.db.clone();
    let audited: Result<(), ApiError> = async {
        let tx = db.begin_tenant(t.tenant_id).await?;
        kartei_tenancy::audit::record(
            &tx,
            &t.actor.audit_label(),
            "persons.exported",
            None,
            json!({ "format": format.extension(), "filter": String::from_utf8_lossy(&body) }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = audited {
        return rest_error(&e);
    }
    let (tx_bytes, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(8);
    let tenant = t.tenant_id;
    tokio::spawn(async move {
        if let Err(e) = export::export(&db, tenant, &filter, format, tx_bytes).await {
            tracing::error!(error = %e, "export failed mid-stream");
        }
    });
    let stream = tokio_stream_from(rx);
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"kontakte.{}\"", format.extension()),
        ))
        .streaming(stream)
}

async fn import_errors(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let t = match tenant_ctx(&state, &req, Role::Viewer).await {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let Some(id) = crate::node::uuid_of(&path) else {
        return rest_error(&ApiError::field("id", "is not a valid id"));
    };
    // Check existence before streaming, so a wrong id gets a proper 404.
    let exists: Result<(), ApiError> = async {
        let tx = state.services.db.begin_tenant(t.tenant_id).await?;
        import::get(&tx, id).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = exists {
        return rest_error(&e);
    }
    let (tx_bytes, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(8);
    let db = state.services.db.clone();
    let tenant = t.tenant_id;
    tokio::spawn(async move {
        let res = import::errors_csv(&db, tenant, id, tx_bytes).await;
        if let Err(e) = res {
            tracing::error!(error = %e, "error report failed mid-stream");
        }
    });
    HttpResponse::build(StatusCode::OK)
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"import-{id}-fehler.csv\""),
        ))
        .streaming(tokio_stream_from(rx))
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|o| o.map(|v| Ok(Bytes::from(v)))))
}
