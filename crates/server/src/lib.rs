//! The application behind the `kartei` binary: configuration, telemetry, and
//! [`Application::build`], which wires Postgres, the session store, the auth service and the
//! gateway, and binds the listener (port 0 works, which is how tests run many apps at once).

pub mod demo;
pub mod demo_data;
pub mod settings;
pub mod telemetry;
pub mod worker;

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use kartei_auth::jwt::JwtConfig;
use kartei_auth::ratelimit::{Limit, Limits};
use kartei_auth::store::Store;
use kartei_auth::{Auth, AuthConfig};
use kartei_gateway::context::Services;
use kartei_gateway::{AppState, GatewayOptions, SchemaLimits};
use kartei_tenancy::db::{Db, DbOptions};
use secrecy::{ExposeSecret, SecretString};

use crate::settings::Settings;

/// The memory allocator the `kartei` binary runs on (and the benchmarks, which measure it):
/// mimalloc, which serves a GraphQL request's many small, short-lived allocations (values,
/// strings, futures) faster than glibc's malloc; see BENCHMARKS.md.
pub type Allocator = mimalloc::MiMalloc;

/// Connects the PostgreSQL pool.
pub async fn connect_db(settings: &Settings) -> anyhow::Result<Db> {
    let mut opts = DbOptions::new(settings.database.url.expose_secret());
    opts.max_connections = settings.database.max_connections;
    opts.acquire_timeout = Duration::from_millis(settings.database.acquire_timeout_ms);
    opts.connect_timeout = Duration::from_millis(settings.database.acquire_timeout_ms);
    Db::connect(&opts)
        .await
        .context("cannot connect to PostgreSQL (DATABASE_URL)")
}

/// Connects Postgres and the session store and builds the auth service.
pub async fn services(settings: &Settings) -> anyhow::Result<(Db, Auth)> {
    let db = connect_db(settings).await?;
    let store = match &settings.redis.url {
        Some(url) => Store::redis(
            url.expose_secret(),
            &settings.redis.key_prefix,
            Duration::from_millis(settings.redis.timeout_ms),
        )
        .await
        .context("cannot connect to Redis (REDIS_URL)")?,
        None => {
            tracing::warn!(
                "no REDIS_URL: sessions and rate limits use an in-process store \
                 (single node only; state is lost on restart)"
            );
            Store::memory()
        }
    };
    let a = &settings.auth;
    let l = &settings.limits;
    let config = AuthConfig {
        jwt: JwtConfig {
            secret: settings.jwt_secret()?,
            previous_secrets: a
                .previous_jwt_secrets
                .iter()
                .map(|s| SecretString::from(s.expose_secret().to_owned()))
                .collect(),
            issuer: a.issuer.clone(),
            audience: a.audience.clone(),
            access_ttl: Duration::from_secs(a.access_ttl_secs),
        },
        refresh_ttl: Duration::from_secs(a.refresh_ttl_secs),
        session_max_age: Duration::from_secs(a.session_max_age_secs),
        limits: Limits {
            api: Limit::per_minute(l.api_per_minute, l.api_burst),
            anonymous: Limit::per_minute(l.anonymous_per_minute, l.anonymous_burst),
            login_per_ip: Limit::per_minute(l.login_ip_per_minute, l.login_ip_burst),
            login_per_account: Limit::per_minute(l.login_account_per_minute, l.login_account_burst),
            tenants_per_agency: l.tenants_per_agency,
            previews: Limit::per_minute(l.previews_per_minute, l.previews_burst),
            doi_per_mailbox: Limit::per_hour(
                l.doi_per_mailbox_per_hour,
                l.doi_per_mailbox_per_hour,
            ),
            doi_per_domain: Limit::per_hour(
                l.doi_per_domain_per_hour,
                l.doi_per_domain_per_hour.div_ceil(3),
            ),
            doi_per_form: Limit::per_hour(
                l.doi_per_form_per_hour,
                l.doi_per_form_per_hour.div_ceil(6),
            ),
        },
    };
    let auth = Auth::new(db.clone(), store, config)?;
    Ok((db, auth))
}

/// The signer of public links (double opt-in, unsubscribe), keyed from the JWT secret.
pub fn links(settings: &Settings) -> anyhow::Result<kartei_compliance::links::Links> {
    Ok(
        kartei_compliance::links::Links::new(&settings.jwt_secret()?, &settings.http.public_url)
            .with_previous(&previous_secrets(settings)),
    )
}

/// The mailer: SMTP when `SMTP_URL` is set, else the log (with a warning).
pub fn mailer(settings: &Settings) -> anyhow::Result<kartei_compliance::mail::Mailer> {
    let url = settings
        .mail
        .smtp_url
        .as_ref()
        .map(|u| u.expose_secret().to_owned());
    if url.is_none() {
        tracing::warn!("no SMTP_URL: mails are written to the log instead of being sent");
    }
    kartei_compliance::mail::Mailer::new(url.as_deref(), &settings.mail.from)
        .map_err(|e| anyhow::anyhow!("mail configuration: {e}"))
}

/// Contact search: Meilisearch when `MEILISEARCH_URL` is set, else inside PostgreSQL.
pub fn search(settings: &Settings) -> anyhow::Result<kartei_search::Search> {
    let s = &settings.search;
    let key = s
        .meilisearch_api_key
        .as_ref()
        .map(|k| k.expose_secret().to_owned());
    let search = kartei_search::Search::from_config(
        s.meilisearch_url.as_deref(),
        key.as_deref(),
        Duration::from_millis(s.timeout_ms),
    )
    .map_err(|e| anyhow::anyhow!("search configuration: {e}"))?;
    tracing::info!(backend = search.backend_name(), "contact search");
    Ok(search)
}

/// Signs and checks campaign tracking links (open pixel, click redirects).
pub fn tracker(settings: &Settings) -> anyhow::Result<kartei_campaigns::tracking::Tracker> {
    Ok(
        kartei_campaigns::tracking::Tracker::new(
            &settings.jwt_secret()?,
            &settings.http.public_url,
        )
        .with_previous(&previous_secrets(settings)),
    )
}

/// `auth.previous_jwt_secrets`: what links and tokens signed before a rotation are checked with.
fn previous_secrets(settings: &Settings) -> Vec<SecretString> {
    settings
        .auth
        .previous_jwt_secrets
        .iter()
        .map(|s| SecretString::from(s.expose_secret().to_owned()))
        .collect()
}

/// The campaign sender: SMTP sessions to `SMTP_URL`, else the log.
pub fn campaign_sender(settings: &Settings) -> anyhow::Result<kartei_campaigns::send::Sender> {
    use kartei_campaigns::send::{Sender, Transport};
    let transport = match &settings.mail.smtp_url {
        Some(u) => Transport::Smtp(
            kartei_campaigns::smtp::SmtpTarget::parse(u.expose_secret())
                .map_err(|e| anyhow::anyhow!("mail configuration: {e}"))?,
        ),
        None => Transport::Log,
    };
    Ok(Sender {
        transport,
        from: settings
            .mail
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail.from is not a mailbox: {e}"))?,
        links: links(settings)?,
        tracker: tracker(settings)?,
        concurrency: settings.mail.campaign_connections.clamp(1, 64),
    })
}

/// Everything background jobs need.
pub fn worker_ctx(settings: &Settings, db: Db) -> anyhow::Result<worker::WorkerCtx> {
    Ok(worker::WorkerCtx {
        db,
        links: links(settings)?,
        mailer: mailer(settings)?,
        search: search(settings)?,
        campaigns: campaign_sender(settings)?,
        imports: kartei_contacts::import::run::Options {
            bulk_min_rows: settings.import.bulk_min_rows,
        },
    })
}

pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    metrics: Option<Server>,
    server: Server,
    worker: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Builds everything and binds `settings.http.bind`; the server runs once awaited.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let (db, auth) = services(&settings).await?;
        let g = &settings.graphql;
        let schema = kartei_gateway::build_schema(SchemaLimits {
            max_depth: g.max_depth,
            max_complexity: g.max_complexity,
            introspection: g.introspection,
        })
        .finish();
        let state = AppState {
            schema,
            services: Services {
                auth,
                db: db.clone(),
                links: links(&settings)?,
                search: search(&settings)?,
                tracker: tracker(&settings)?,
                gate: std::sync::Arc::new(kartei_tenancy::gate::TenantGate::new(
                    kartei_tenancy::gate::TenantGate::share_of(
                        settings.database.max_connections,
                        settings.database.tenant_share,
                    ),
                    Duration::from_millis(settings.database.tenant_wait_ms),
                )),
                mailer: mailer(&settings)?,
            },
            options: GatewayOptions {
                max_body_bytes: settings.http.max_body_bytes,
                max_upload_bytes: settings.http.max_upload_bytes,
                upload_storage_bytes: settings.limits.upload_storage_bytes_per_tenant,
                graphiql: g.graphiql,
                trust_forwarded_for: settings.http.trust_forwarded_for,
                readiness_timeout: Duration::from_secs(2),
            },
            documents: Default::default(),
        };
        let listener = TcpListener::bind(&settings.http.bind)
            .with_context(|| format!("cannot bind {}", settings.http.bind))?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state);
        // `/metrics` on an address of its own (in a cluster: reachable by the scraper only).
        let (metrics, metrics_port) = match &settings.http.metrics_bind {
            None => (None, None),
            Some(bind) => {
                let listener = TcpListener::bind(bind)
                    .with_context(|| format!("cannot bind http.metrics_bind {bind}"))?;
                let port = listener.local_addr()?.port();
                let data = data.clone();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .configure(kartei_gateway::metrics::configure)
                })
                .workers(1)
                .disable_signals()
                .listen(listener)?
                .run();
                (Some(server), Some(port))
            }
        };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .wrap(from_fn(kartei_gateway::http::trace_request))
                .configure(kartei_gateway::configure)
        })
        .listen(listener)?
        .shutdown_timeout(settings.http.shutdown_timeout_secs)
        .run();
        let worker = match settings.worker.in_process {
            true => Some(tokio::spawn(worker::run(
                std::sync::Arc::new(worker_ctx(&settings, db)?),
                worker::WorkerOptions::from_settings(&settings.worker),
            ))),
            false => None,
        };
        Ok(Self {
            port,
            metrics_port,
            metrics,
            server,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of `/metrics`, when `http.metrics_bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// Serves until SIGTERM/SIGINT, then drains in-flight requests (graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|m| (m.handle(), tokio::spawn(m)));
        let res = self.server.await;
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            task.abort();
        }
        // Jobs resume from their checkpoints in the next worker.
        if let Some(w) = self.worker {
            w.abort();
        }
        res
    }
}
