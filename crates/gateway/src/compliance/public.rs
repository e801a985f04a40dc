//! Public endpoints for people without a login; the tenant comes from the signed token.
//!
//! - `POST /p/subscribe`: a website's subscribe form (`token`, `email`, optional `firstName`,
//!   `lastName`, `salutation`; form-encoded or JSON). Always answers 202 alike, so the form
//!   reveals neither the suppression list nor who is subscribed.
//! - `GET /p/confirm?token=…`: the page behind the confirmation link, with a button; `POST
//!   /p/confirm` confirms. (A link alone never confirms: mail scanners follow links.)
//! - `GET /p/unsubscribe?token=…`: a page with a button; `POST /p/unsubscribe?token=…` revokes,
//!   also as RFC 8058 one-click (`List-Unsubscribe=One-Click` in the body).
//!
//! - `GET /p/sign-up?token=…`: the page behind a sign-up confirmation link, with a button;
//!   `POST /p/sign-up` creates the agency and its admin (who then logs in).
//!
//! Failures carry a stable code (`TOKEN_INVALID`, `TOKEN_EXPIRED`, `TOKEN_USED`, …) in the
//! `X-Kartei-Code` header and the body (JSON when asked for, HTML otherwise) and change nothing.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt;
use kartei_compliance::doi::{self, RequestProof, SubscribeOutcome, Subscription};
use kartei_compliance::links::{Action, Claims};
use kartei_core::code::Code;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::TenantStatus;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::http::{AppState, client_ip, identify};

const MAX_FORM_BYTES: usize = 16 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/p/subscribe", web::post().to(subscribe))
        .route("/p/confirm", web::get().to(confirm_page))
        .route("/p/confirm", web::post().to(confirm))
        .route("/p/unsubscribe", web::get().to(unsubscribe_page))
        .route("/p/unsubscribe", web::post().to(unsubscribe))
        .route("/p/sign-up", web::get().to(sign_up_page))
        .route("/p/sign-up", web::post().to(sign_up));
}

/// The page behind a sign-up link: a button, since mail scanners follow links.
async fn sign_up_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<TokenQuery>,
) -> HttpResponse {
    if let Err(resp) = identify(&state, &req).await {
        return resp;
    }
    match token_of(&q) {
        Err(e) => failure(&req, &e),
        Ok(token) => page(
            StatusCode::OK,
            "Registrierung bestätigen",
            &format!(
                "<p>Bitte bestätigen Sie Ihre Registrierung bei Kartei.</p>{}",
                button_form("/p/sign-up", token, "Registrierung bestätigen")
            ),
        ),
    }
}

async fn sign_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if let Err(resp) = identify(&state, &req).await {
        return resp;
    }
    let result: Result<(), ApiError> = async {
        let body = read(payload).await?;
        let form: TokenForm = parse(&req, &body)?;
        let token = token_of(&TokenQuery { token: form.token })?.to_owned();
        // No session: the page would have nowhere to keep it; the new admin logs in as usual.
        state.services.auth.confirm_sign_up(&token).await?;
        Ok(())
    }
    .await;
    match result {
        Err(e) => failure(&req, &e),
        Ok(()) if wants_json(&req) => HttpResponse::Ok().json(json!({ "status": "registered" })),
        Ok(()) => page(
            StatusCode::OK,
            "Willkommen bei Kartei",
            "<p>Ihr Zugang ist eingerichtet. Melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem \
             Passwort an.</p>",
        ),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
        || req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/json"))
}

fn page(status: StatusCode, title: &str, body_html: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}\
         button{{font-size:1rem;padding:.6rem 1.2rem}}</style></head>\
         <body><h1>{t}</h1>{body_html}</body></html>",
        t = escape(title)
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(html)
}

fn failure(req: &HttpRequest, e: &ApiError) -> HttpResponse {
    let status = StatusCode::from_u16(e.code.rest_status()).unwrap_or(StatusCode::BAD_REQUEST);
    if wants_json(req) {
        let mut res = HttpResponse::build(status);
        if let Some(secs) = e.retry_after_secs {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        return res
            .insert_header(("X-Kartei-Code", e.code.as_str()))
            .json(json!({ "errors": [{ "message": e.message, "extensions": { "code": e.code.as_str() } }] }));
    }
    let mut res = page(
        status,
        "Das hat nicht geklappt",
        &format!(
            "<p>{}</p><p><small>Code: {}</small></p>",
            escape(&e.message),
            e.code.as_str()
        ),
    );
    if let Some(v) = e
        .retry_after_secs
        .and_then(|s| header::HeaderValue::from_str(&s.to_string()).ok())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(e.code.as_str()) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-kartei-code"), v);
    }
    res
}

fn proof(state: &AppState, req: &HttpRequest) -> RequestProof {
    RequestProof {
        ip: client_ip(req, state.options.trust_forwarded_for)
            .parse()
            .ok(),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(1000).collect()),
    }
}

async fn read(mut payload: web::Payload) -> Result<Bytes, ApiError> {
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::new(Code::BadRequest, "unreadable request body"))?;
        if buf.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(ApiError::new(
                Code::PayloadTooLarge,
                format!("form posts are limited to {MAX_FORM_BYTES} bytes"),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Parses a form-encoded or JSON body.
fn parse<T: serde::de::DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let parsed = if json {
        serde_json::from_slice(body).map_err(|e| e.to_string())
    } else {
        serde_urlencoded::from_bytes(body).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| ApiError::new(Code::BadRequest, format!("malformed form: {e}")))
}

/// Verifies the token and opens a transaction in its tenant (which must be active).
async fn tenant_tx(
    state: &AppState,
    token: &str,
    action: Action,
) -> Result<(Claims, TenantTx), ApiError> {
    let claims = state.services.links.verify(token, action)?;
    let db = &state.services.db;
    let tenant = kartei_tenancy::tenants::get(db.platform(), claims.tenant())
        .await?
        .ok_or_else(|| ApiError::from(kartei_compliance::Error::TokenInvalid))?;
    if tenant.status != TenantStatus::Active {
        return Err(ApiError::new(
            Code::Forbidden,
            "this organisation's service is suspended",
        ));
    }
    let tx = db.begin_tenant(claims.tenant()).await?;
    Ok((claims, tx))
}

async fn audit_public(
    tx: &TenantTx,
    actor: &str,
    action: &str,
    claims: &Claims,
) -> Result<(), ApiError> {
    kartei_tenancy::audit::record(
        tx,
        actor,
        action,
        claims.pid.map(|p| p.to_string()).as_deref(),
        json!({ "channel": claims.ch, "purpose": claims.pur, "link": claims.jti }),
    )
    .await?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribeForm {
    token: String,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    salutation: Option<String>,
    /// A honeypot: a field the embedding page hides from people. A post that fills it is
    /// answered like any other and does nothing.
    #[serde(default)]
    website: Option<String>,
}

async fn subscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if let Err(resp) = identify(&state, &req).await {
        return resp;
    }
    let result: Result<SubscribeOutcome, ApiError> = async {
        let body = read(payload).await?;
        let form: SubscribeForm = parse(&req, &body)?;
        let (claims, tx) = tenant_tx(&state, &form.token, Action::Subscribe).await?;
        if form
            .website
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
        {
            return Ok(SubscribeOutcome::Suppressed);
        }
        let keys = doi::throttle_keys(&claims, &form.email)?;
        state
            .services
            .auth
            .spend_subscription(&keys.mailbox, &keys.domain, &keys.form)
            .await?;
        let blank = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let outcome = doi::subscribe(
            &tx,
            &claims,
            &Subscription {
                email: form.email,
                first_name: blank(form.first_name),
                last_name: blank(form.last_name),
                salutation: blank(form.salutation),
            },
            &proof(&state, &req),
        )
        .await?;
        kartei_tenancy::audit::record(
            &tx,
            "public:web_form",
            "consent.subscribe",
            None,
            json!({ "purpose": claims.pur, "outcome": format!("{outcome:?}") }),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }
    .await;
    match result {
        Err(e) => failure(&req, &e),
        Ok(_) if wants_json(&req) => HttpResponse::Accepted().json(json!({
            "status": "pending",
            "message": "If the address can be subscribed, a confirmation mail is on its way."
        })),
        Ok(_) => page(
            StatusCode::ACCEPTED,
            "Fast geschafft",
            "<p>Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihre Anmeldung über \
             den Link darin.</p>",
        ),
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

fn token_of(q: &TokenQuery) -> Result<&str, ApiError> {
    q.token
        .as_deref()
        .filter(|t| !t.is_empty() && t.len() <= 4096)
        .ok_or_else(|| ApiError::from(kartei_compliance::Error::TokenInvalid))
}

/// Checks a single-use token without spending it (for the page before the button).
async fn check_unspent(state: &AppState, token: &str, action: Action) -> Result<Claims, ApiError> {
    let (claims, tx) = tenant_tx(state, token, action).await?;
    let spent = kartei_compliance::links::spent_at(&tx, claims.jti).await?;
    tx.commit().await?;
    if spent.is_some() {
        return Err(kartei_compliance::Error::TokenUsed.into());
    }
    Ok(claims)
}

fn button_form(action: &str, token: &str, label: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"token\" value=\"{}\">\
         <button type=\"submit\">{}</button></form>",
        escape(token),
        escape(label)
    )
}

/// The page behind a single-use link: a question and a button that posts the token. Showing it
/// changes nothing (mail scanners follow links).
async fn button_page(
    state: &AppState,
    req: &HttpRequest,
    q: &TokenQuery,
    action: Action,
    (title, question, button): (&str, &str, &str),
) -> HttpResponse {
    if let Err(resp) = identify(state, req).await {
        return resp;
    }
    let token = match token_of(q) {
        Ok(t) => t,
        Err(e) => return failure(req, &e),
    };
    match check_unspent(state, token, action).await {
        Err(e) => failure(req, &e),
        Ok(_) => page(
            StatusCode::OK,
            title,
            &format!(
                "<p>{}</p>{}",
                escape(question),
                button_form(&format!("/p/{}", action.as_str()), token, button)
            ),
        ),
    }
}

async fn confirm_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<TokenQuery>,
) -> HttpResponse {
    let text = (
        "Anmeldung bestätigen",
        "Bitte bestätigen Sie, dass Sie diese Nachrichten erhalten möchten.",
        "Anmeldung bestätigen",
    );
    button_page(&state, &req, &q, Action::Confirm, text).await
}

#[derive(Deserialize)]
struct TokenForm {
    token: Option<String>,
    #[serde(rename = "List-Unsubscribe")]
    list_unsubscribe: Option<String>,
}

async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    if let Err(resp) = identify(&state, &req).await {
        return resp;
    }
    let result: Result<(), ApiError> = async {
        let body = read(payload).await?;
        let form: TokenForm = parse(&req, &body)?;
        let token = token_of(&TokenQuery { token: form.token })?.to_owned();
        let (claims, tx) = tenant_tx(&state, &token, Action::Confirm).await?;
        doi::confirm(&tx, &claims, &proof(&state, &req)).await?;
        audit_public(&tx, "public:double_opt_in", "consent.confirmed", &claims).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Err(e) => failure(&req, &e),
        Ok(()) if wants_json(&req) => HttpResponse::Ok().json(json!({ "status": "confirmed" })),
        Ok(()) => page(
            StatusCode::OK,
            "Vielen Dank",
            "<p>Ihre Anmeldung ist bestätigt. Sie können sich jederzeit über den Link in jeder \
             Nachricht wieder abmelden.</p>",
        ),
    }
}

async fn unsubscribe_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<TokenQuery>,
) -> HttpResponse {
    let text = (
        "Abmelden",
        "Möchten Sie diese Nachrichten nicht mehr erhalten?",
        "Abmelden",
    );
    button_page(&state, &req, &q, Action::Unsubscribe, text).await
}

async fn unsubscribe(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<TokenQuery>,
    payload: web::Payload,
) -> HttpResponse {
    if let Err(resp) = identify(&state, &req).await {
        return resp;
    }
    let result: Result<(), ApiError> = async {
        let body = read(payload).await?;
        let form: TokenForm = parse(&req, &body)?;
        let one_click = form.list_unsubscribe.as_deref() == Some("One-Click");
        // RFC 8058 puts the token in the URL; the page's button posts it in the body.
        let token = token_of(&TokenQuery {
            token: q.token.clone().or(form.token),
        })?
        .to_owned();
        let (claims, tx) = tenant_tx(&state, &token, Action::Unsubscribe).await?;
        doi::unsubscribe(&tx, &claims, &proof(&state, &req), one_click).await?;
        audit_public(&tx, "public:unsubscribe", "consent.unsubscribed", &claims).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match result {
        Err(e) => failure(&req, &e),
        Ok(()) if wants_json(&req) => HttpResponse::Ok().json(json!({ "status": "unsubscribed" })),
        Ok(()) => page(
            StatusCode::OK,
            "Abgemeldet",
            "<p>Sie erhalten diese Nachrichten nicht mehr.</p>",
        ),
    }
}
