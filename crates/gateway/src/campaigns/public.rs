//! Public tracking endpoints (no login; the tenant comes from the signed token):
//! `GET /t/o/{token}` the open pixel, `GET /t/c/{token}?u=URL` the click redirect. A forged or
//! altered link gets 400 TOKEN_INVALID and records nothing.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use kartei_campaigns::tracking::{self, Hit};
use kartei_core::code::Code;
use kartei_tenancy::tenants::TenantStatus;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::http::AppState;

/// A transparent 1x1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/t/o/{token}", web::get().to(open))
        .route("/t/c/{token}", web::get().to(click));
}

fn failure(e: &ApiError) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(e.code.rest_status())
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(status)
        .insert_header(("X-Kartei-Code", e.code.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "errors": [{ "message": e.message, "extensions": { "code": e.code.as_str() } }] }))
}

async fn hit(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    what: Hit,
    url: &str,
) -> Result<(), ApiError> {
    let (tenant, send) = state
        .services
        .tracker
        .verify(what, token, url)
        .map_err(ApiError::from)?;
    // Per client IP, at the anonymous limit: beyond it the pixel and the redirect are still
    // served (a recipient is never shown an error), but nothing is counted.
    let ip = crate::http::client_ip(req, state.options.trust_forwarded_for);
    let auth = &state.services.auth;
    let counted = auth
        .store()
        .rate(&format!("track:{ip}"), auth.limits().anonymous)
        .await
        .is_ok_and(|d| d.allowed);
    if !counted {
        crate::metrics::rate_limited("tracking");
        return Ok(());
    }
    let db = &state.services.db;
    let t = kartei_tenancy::tenants::get(db.platform(), tenant)
        .await?
        .ok_or_else(|| ApiError::from(kartei_campaigns::Error::TokenInvalid))?;
    if t.status != TenantStatus::Active {
        // Tracking of a suspended tenant is dropped quietly.
        return Ok(());
    }
    tracing::Span::current().record("tenant_id", tracing::field::display(tenant.0));
    let tx = db.begin_tenant(tenant).await?;
    tracking::record_hit(&tx, send, what, (what == Hit::Click).then_some(url))
        .await
        .map_err(ApiError::from)?;
    tx.commit().await?;
    Ok(())
}

async fn open(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match hit(&state, &req, &token, Hit::Open, "").await {
        Ok(()) => HttpResponse::Ok()
            .content_type("image/gif")
            .insert_header((header::CACHE_CONTROL, "no-store, private"))
            .body(PIXEL),
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
struct ClickQuery {
    u: Option<String>,
}

async fn click(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    q: web::Query<ClickQuery>,
) -> HttpResponse {
    let Some(url) = q.u.as_deref().filter(|u| u.len() <= 4096) else {
        return failure(&ApiError::new(Code::BadRequest, "the link has no target"));
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return failure(&ApiError::from(kartei_campaigns::Error::TokenInvalid));
    }
    match hit(&state, &req, &token, Hit::Click, url).await {
        Ok(()) => HttpResponse::Found()
            .insert_header((header::LOCATION, url.to_owned()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(("Referrer-Policy", "no-referrer"))
            .finish(),
        Err(e) => failure(&e),
    }
}
