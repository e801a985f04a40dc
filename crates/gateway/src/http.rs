//! HTTP endpoints: `POST /graphql` (the API), `GET /graphql` (GraphiQL), `/healthz`, `/readyz`,
//! and the middleware that gives every request a span with its request id, tenant and user.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use async_graphql::{Pos, ServerError};
use futures_util::StreamExt;
use kartei_auth::identity::Client;
use kartei_auth::ratelimit::Decision;
use kartei_core::code::Code;
use kartei_core::id::TenantId;
use serde_json::json;
use tracing::Instrument;

use crate::context::{Operation, RequestCtx, RequestTx, Services};
use crate::error::ApiError;
use crate::schema::KarteiSchema;

#[derive(Debug, Clone)]
pub struct GatewayOptions {
    pub max_body_bytes: usize,
    /// Largest file accepted by `POST /files/uploads`.
    pub max_upload_bytes: usize,
    /// What one tenant's stored uploads may hold together (files not yet imported).
    pub upload_storage_bytes: u64,
    pub graphiql: bool,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    pub readiness_timeout: Duration,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            max_upload_bytes: 256 << 20,
            upload_storage_bytes: 2 << 30,
            graphiql: true,
            trust_forwarded_for: false,
            readiness_timeout: Duration::from_secs(2),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub schema: KarteiSchema,
    pub services: Services,
    pub options: GatewayOptions,
    /// Documents parsed before, by their text.
    pub documents: std::sync::Arc<crate::documents::Documents>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql))
        .route("/graphql", web::get().to(graphiql))
        .route("/graphiql/assets/{name}", web::get().to(graphiql_asset))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .configure(crate::files::configure)
        .configure(crate::compliance::public::configure)
        .configure(crate::campaigns::public::configure);
}

/// Opens the request's span (request id from `X-Request-Id` when sane, else new) and logs
/// its outcome. Handlers record `tenant_id` and `user_id` into it once known.
pub async fn trace_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.path(),
        tenant_id = tracing::field::Empty,
        user_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request finished"
        );
    });
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "alive"}))
}

/// Ready when Postgres and Redis answer; reports each so an operator sees which is down.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let t = state.options.readiness_timeout;
    let pg = matches!(
        tokio::time::timeout(t, state.services.db.ping()).await,
        Ok(Ok(()))
    );
    let store = &state.services.auth.store();
    let redis = match store.kind() {
        "memory" => "embedded",
        _ => match tokio::time::timeout(t, store.ping()).await {
            Ok(Ok(())) => "up",
            _ => "down",
        },
    };
    let ready = pg && redis != "down";
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "checks": { "postgres": if pg { "up" } else { "down" }, "redis": redis },
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn graphiql(state: web::Data<AppState>) -> HttpResponse {
    if !state.options.graphiql {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(GRAPHIQL_PAGE)
}

/// GraphiQL with a sign-in bar and a tenant picker; its scripts and styles are served from
/// the binary (no CDN), see `assets/graphiql/NOTICE.txt`.
const GRAPHIQL_PAGE: &str = include_str!("../assets/graphiql/index.html");

/// `(name, content type, bytes, gzip-compressed)`.
const GRAPHIQL_ASSETS: &[(&str, &str, &[u8], bool)] = &[
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react.production.min.js.gz"),
        true,
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react-dom.production.min.js.gz"),
        true,
    ),
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.js.gz"),
        true,
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.css.gz"),
        true,
    ),
    (
        "kartei.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/kartei.js"),
        false,
    ),
];

async fn graphiql_asset(state: web::Data<AppState>, name: web::Path<String>) -> HttpResponse {
    if !state.options.graphiql {
        return HttpResponse::NotFound().finish();
    }
    let Some((_, content_type, bytes, gzip)) =
        GRAPHIQL_ASSETS.iter().find(|(n, ..)| *n == name.as_str())
    else {
        return HttpResponse::NotFound().finish();
    };
    let mut res = HttpResponse::Ok();
    res.content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    if *gzip {
        res.insert_header((header::CONTENT_ENCODING, "gzip"));
    }
    res.body(*bytes)
}

pub(crate) fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for && let Some(ip) = req.connection_info().realip_remote_addr() {
        return ip.to_owned();
    }
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            Code::PayloadTooLarge,
            format!("request body exceeds {limit} bytes"),
        )
    };
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::new(Code::BadRequest, "unreadable request body"))?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

async fn graphql(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let media = Media::accepted(&req);
    let resp = graphql_as(state, req, payload, media).await;
    media.label(resp)
}

/// The media type of a GraphQL response (GraphQL over HTTP): `application/graphql-response+json`
/// when the client accepts it (Apollo Client, urql and graphql-http send it first), else the
/// legacy `application/json`. The two differ only in status codes: a request the server
/// could not execute (unparsable or invalid document, bad variables, over the depth or
/// complexity limit) is 400 with the former and 200 with the latter, as the spec has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Media {
    Json,
    GraphqlResponseJson,
}

impl Media {
    const GRAPHQL_RESPONSE_JSON: &'static str = "application/graphql-response+json";

    /// The better of the two by the `Accept` header's quality values (ties: the newer type);
    /// no header, `*/*` or neither type listed: `application/json`.
    fn accepted(req: &HttpRequest) -> Self {
        let Some(accept) = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
        else {
            return Media::Json;
        };
        // The best quality each type is listed with (absent: -1, i.e. not acceptable).
        let (mut json, mut gql) = (-1.0_f32, -1.0_f32);
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match essence.as_str() {
                Self::GRAPHQL_RESPONSE_JSON => gql = gql.max(q),
                "application/json" | "application/*" | "*/*" => json = json.max(q),
                _ => {}
            }
        }
        if gql > 0.0 && gql >= json {
            Media::GraphqlResponseJson
        } else {
            Media::Json
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Media::Json => "application/json",
            Media::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        }
    }

    /// Sets the response's content type to this media type (every answer of `/graphql` is a
    /// GraphQL response body, refusals included).
    fn label(self, mut resp: HttpResponse) -> HttpResponse {
        if let Ok(v) = HeaderValue::from_str(self.content_type()) {
            resp.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        resp
    }
}

async fn graphql_as(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
    media: Media,
) -> HttpResponse {
    // A POST body is JSON, and says so (GraphQL over HTTP); anything else is 415.
    let json_body = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    if !json_body {
        let e = ApiError::new(
            Code::BadRequest,
            "Content-Type must be application/json (a GraphQL request in JSON)",
        );
        let mut resp = error_response(&e, None);
        *resp.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return resp;
    }
    let limit = state.options.max_body_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return error_response(
            &ApiError::new(
                Code::PayloadTooLarge,
                format!("request body exceeds {limit} bytes"),
            ),
            None,
        );
    }
    let body = match read_body(payload, limit).await {
        Ok(b) => b,
        Err(e) => return error_response(&e, None),
    };
    let mut gql_request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                &ApiError::new(
                    Code::BadRequest,
                    format!("body must be a GraphQL request in JSON: {e}"),
                ),
                None,
            );
        }
    };

    // PostgreSQL text cannot hold NUL, and no field of ours means one: refused up front with
    // the variable (or the document) that carries it, rather than failing deep inside.
    if let Some(at) = nul_in(&gql_request) {
        return error_response(
            &ApiError::field(&at, "must not contain NUL characters"),
            None,
        );
    }

    let started = Instant::now();
    let (ctx, decision) = match identify(&state, &req).await {
        Ok(v) => v,
        Err(resp) => {
            // Refused before the query is read: no operation label.
            let code = resp
                .headers()
                .get("x-kartei-code")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("ERROR")
                .to_owned();
            crate::metrics::observe("-", &code, started.elapsed());
            return resp;
        }
    };
    // Parsed once here (or remembered from an earlier request with the same text); the schema
    // executes this parsed document.
    state.documents.prepare(&mut gql_request);
    let operation = crate::metrics::operation_label(&mut gql_request);
    let services = &state.services;
    let kind = if operation.starts_with("mutation") {
        Operation::Mutation
    } else {
        Operation::Query
    };
    // The operation's one tenant transaction, begun when a resolver first needs it.
    let request_tx = match &ctx.tenant {
        Some(Ok(t)) => Some(Arc::new(RequestTx::new(services, t.tenant_id, kind))),
        _ => None,
    };
    let gql_request = gql_request.data(ctx).data(services.clone());
    let response = match &request_tx {
        Some(tx) => {
            let (loaders, tasks) = crate::loaders::for_request(tx.clone());
            let gql_request = gql_request.data(tx.clone()).data(loaders);
            crate::loaders::run(state.schema.execute(gql_request), tasks).await
        }
        None => state.schema.execute(gql_request).await,
    };
    let response = match request_tx {
        Some(tx) => end_transaction(tx, response).await,
        None => response,
    };
    let (resp, code, executed) = graphql_response(response, decision, media);
    if code == Code::RateLimited.as_str() {
        crate::metrics::rate_limited("login");
    }
    // Only a document that validated keeps its label: anything else is one series.
    let operation = if executed {
        operation
    } else {
        "invalid".to_owned()
    };
    crate::metrics::observe(&operation, &code, started.elapsed());
    resp
}

/// Where a request carries a NUL character: `query` (a raw one, or the GraphQL escape
/// `\u0000` in a string literal), or the path of the variable (`variables.input.name`).
fn nul_in(request: &async_graphql::Request) -> Option<String> {
    fn walk(v: &async_graphql::Value, path: &mut Vec<String>) -> Option<String> {
        use async_graphql::Value as V;
        match v {
            V::String(s) if s.contains('\0') => Some(path.join(".")),
            V::List(items) => items.iter().enumerate().find_map(|(i, item)| {
                path.push(i.to_string());
                let hit = walk(item, path);
                path.pop();
                hit
            }),
            V::Object(map) => map.iter().find_map(|(k, item)| {
                path.push(k.to_string());
                let hit = walk(item, path).or_else(|| k.contains('\0').then(|| path.join(".")));
                path.pop();
                hit
            }),
            _ => None,
        }
    }
    // GraphQL's only escape for it is `\u0000` (a lowercase `u`, exactly four hex digits).
    let q = &request.query;
    if q.contains('\0') || q.contains("\\u0000") {
        return Some("query".to_owned());
    }
    request.variables.iter().find_map(|(name, value)| {
        let mut path = vec!["variables".to_owned(), name.to_string()];
        walk(value, &mut path).or_else(|| name.contains('\0').then(|| path.join(".")))
    })
}

/// Commits or rolls back the operation's transaction once everything ran. A mutation is one
/// unit: if any of its fields failed, nothing is written and `data` is null, so a client never
/// sees a result that was not kept. A failed commit replaces the answer with its error.
async fn end_transaction(
    tx: Arc<RequestTx>,
    mut response: async_graphql::Response,
) -> async_graphql::Response {
    let failed = !response.errors.is_empty();
    // The operation and its loaders are gone, so this is the last handle.
    let Some(tx) = Arc::into_inner(tx) else {
        tracing::error!("request transaction still shared after the operation");
        return error_gql_response(&ApiError::new(Code::Internal, "internal error"));
    };
    let rolled_back = tx.rolls_back(failed);
    if let Err(e) = tx.finish(failed).await {
        return error_gql_response(&e);
    }
    if rolled_back {
        response.data = async_graphql::Value::Null;
    }
    response
}

/// A response with no data and this one error.
fn error_gql_response(e: &ApiError) -> async_graphql::Response {
    let error: ServerError = e.to_gql().into_server_error(Pos::default());
    async_graphql::Response::from_errors(vec![error])
}

/// The tenant an `X-Tenant-Id` header names: a tenant's global id, or its UUID in canonical form.
fn tenant_of(raw: &str) -> Option<TenantId> {
    if let Ok(id) = raw.parse::<TenantId>() {
        return Some(id);
    }
    match crate::node::decode(raw)? {
        (crate::node::Kind::Tenant, crate::node::Key::Uuid(u)) => Some(TenantId(u)),
        _ => None,
    }
}

/// Who is asking, for which tenant, and whether the rate limit lets them: the checks every
/// endpoint shares. An `Err` is the response to send instead.
pub(crate) async fn identify(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(RequestCtx, Decision), HttpResponse> {
    let services = &state.services;
    let span = tracing::Span::current();
    let client = Client {
        ip: client_ip(req, state.options.trust_forwarded_for),
    };

    // Where: the tenant header, parsed strictly; never text that could reach SQL.
    let tenant_header = req
        .headers()
        .get("x-tenant-id")
        .map(|v| v.to_str().unwrap_or("\u{0}").trim().to_owned());
    let tenant_id = match &tenant_header {
        None => None,
        Some(raw) => match tenant_of(raw) {
            Some(id) => Some(Ok(id)),
            None => Some(Err(ApiError::field("X-Tenant-Id", "is not a tenant id"))),
        },
    };
    if let Some(Ok(id)) = &tenant_id {
        span.record("tenant_id", tracing::field::display(id));
    }

    // Who, checked now so every resolver sees the same answer, and how often: per principal
    // when authenticated, per IP otherwise (one Redis round trip for a user). Never per
    // tenant header: it is unchecked here, and a fresh one per request would be a fresh bucket.
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let token = bearer.as_deref().map(|h| {
        h.strip_prefix("Bearer ").map(str::trim).ok_or_else(|| {
            ApiError::new(
                Code::Unauthenticated,
                "Authorization must be 'Bearer <token>'",
            )
        })
    });
    let anon_key = format!("anon:{}", client.ip);
    let checked = services
        .auth
        .authenticate_rated(token.clone().and_then(Result::ok), &anon_key)
        .await;
    let (principal, decision, access_epoch) = match checked {
        Ok(a) => (
            a.principal.map(|r| r.map_err(ApiError::from)),
            a.decision,
            a.access_epoch,
        ),
        Err(e) => return Err(error_response(&ApiError::from(e), None)),
    };
    // A malformed header is a bad credential, counted like an anonymous call.
    let principal = match token {
        Some(Err(e)) => Some(Err(e)),
        _ => principal,
    };
    if let Some(Ok(p)) = &principal {
        match p {
            kartei_auth::Principal::User { user_id, .. } => {
                span.record("user_id", tracing::field::display(user_id));
            }
            kartei_auth::Principal::ApiKey { key_id, .. } => {
                span.record(
                    "user_id",
                    tracing::field::display(format!("api_key:{key_id}")),
                );
            }
        }
    }
    // A dependency outage while authenticating fails the whole request fast.
    if let Some(Err(e)) = &principal
        && e.code == Code::Unavailable
    {
        return Err(error_response(e, None));
    }
    if !decision.allowed {
        crate::metrics::rate_limited("request");
        let e = ApiError {
            retry_after_secs: Some(decision.retry_after_secs()),
            ..ApiError::new(Code::RateLimited, "too many requests")
        };
        return Err(error_response(&e, Some(decision)));
    }

    let tenant = match (&principal, tenant_id) {
        (_, None) => None,
        (_, Some(Err(e))) => Some(Err(e)),
        (Some(Ok(p)), Some(Ok(id))) => Some(
            services
                .auth
                .authorize(p, id, access_epoch.as_deref())
                .await
                .map_err(ApiError::from),
        ),
        (Some(Err(e)), Some(Ok(_))) => Some(Err(e.clone())),
        (None, Some(Ok(_))) => Some(Err(ApiError::new(
            Code::Unauthenticated,
            "authentication required",
        ))),
    };
    if let Some(Err(e)) = &tenant
        && e.code == Code::Unavailable
    {
        return Err(error_response(e, Some(decision)));
    }

    Ok((
        RequestCtx {
            client,
            principal,
            tenant,
        },
        decision,
    ))
}

/// Gives every error a code (async-graphql's own parse, validation and limit errors come
/// without one) and picks the HTTP status.
/// Returns the response, its outcome code for metrics (`OK`, or the first error's code) and
/// whether the document was executed (it parsed and validated).
fn graphql_response(
    mut response: async_graphql::Response,
    decision: Decision,
    media: Media,
) -> (HttpResponse, String, bool) {
    let request_failed = response.data == async_graphql::Value::Null;
    let mut status = StatusCode::OK;
    let mut retry_after = None;
    let mut first_code: Option<String> = None;
    for err in &mut response.errors {
        let code = err
            .extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            });
        let code = match code {
            Some(c) => c,
            None => {
                let c = if err.message.contains("nested too deep") {
                    Code::QueryTooDeep
                } else if err.message.contains("too complex") {
                    Code::QueryTooComplex
                } else if err.path.is_empty() {
                    Code::BadRequest
                } else {
                    Code::Internal
                };
                err.extensions
                    .get_or_insert_with(Default::default)
                    .set("code", c.as_str());
                c.as_str().to_owned()
            }
        };
        if first_code.is_none() {
            first_code = Some(code.clone());
        }
        if retry_after.is_none() {
            retry_after = err
                .extensions
                .as_ref()
                .and_then(|x| x.get("retryAfter"))
                .map(|v| v.to_string());
        }
        if code == Code::RateLimited.as_str() {
            status = StatusCode::TOO_MANY_REQUESTS;
        } else if request_failed && status == StatusCode::OK {
            let http = Code::ALL
                .iter()
                .find(|c| c.as_str() == code)
                .map_or(400, |c| c.http_status());
            status = StatusCode::from_u16(http).unwrap_or(StatusCode::BAD_REQUEST);
        }
    }
    // A request the server did not execute (its errors are the document's, not a field's)
    // has no `data` entry at all; with `application/json` it is still a 200.
    let not_executed = request_failed
        && response.errors.iter().all(|e| {
            e.path.is_empty()
                && e.extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .is_some_and(|c| {
                        [Code::BadRequest, Code::QueryTooDeep, Code::QueryTooComplex]
                            .iter()
                            .any(|k| *c == async_graphql::Value::from(k.as_str()))
                    })
        });
    if not_executed && media == Media::Json {
        status = StatusCode::OK;
    }
    let mut builder = HttpResponse::build(status);
    rate_headers(&mut builder, Some(decision));
    if let Some(secs) = retry_after {
        builder.insert_header((header::RETRY_AFTER, secs));
    }
    // Written straight from the response, in the order of the query's selections; a request
    // that was not executed has no `data` entry.
    let body = if not_executed {
        serde_json::to_vec(&Unexecuted {
            errors: &response.errors,
            extensions: &response.extensions,
        })
    } else {
        serde_json::to_vec(&response)
    };
    let resp = match body {
        // The content type is set by `Media::label`, for this and every other answer.
        Ok(body) => builder.body(body),
        Err(_) => HttpResponse::InternalServerError().finish(),
    };
    (
        resp,
        first_code.unwrap_or_else(|| "OK".to_owned()),
        !not_executed,
    )
}

/// The body of a request that was not executed: its errors, and no `data`.
#[derive(serde::Serialize)]
struct Unexecuted<'a> {
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

fn rate_headers(builder: &mut HttpResponseBuilder, decision: Option<Decision>) {
    if let Some(d) = decision {
        builder
            .insert_header(("RateLimit-Limit", d.limit.to_string()))
            .insert_header(("RateLimit-Remaining", d.remaining.to_string()))
            .insert_header(("RateLimit-Reset", d.reset_secs().to_string()));
    }
}

/// A request-level failure: no data, one error with its code, and the matching HTTP status.
pub(crate) fn error_response(err: &ApiError, decision: Option<Decision>) -> HttpResponse {
    let status =
        StatusCode::from_u16(err.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = error_gql_response(err);
    let mut builder = HttpResponse::build(status);
    rate_headers(&mut builder, decision);
    builder.insert_header(("X-Kartei-Code", err.code.as_str()));
    if let Some(secs) = err.retry_after_secs {
        builder.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    match serde_json::to_vec(&body) {
        Ok(b) => builder.content_type("application/json").body(b),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
