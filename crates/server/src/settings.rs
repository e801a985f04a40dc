//! One typed configuration: defaults, then an optional file (`KARTEI_CONFIG`), then
//! `KARTEI__SECTION__KEY` variables, then the contract variables (`DATABASE_URL`, `REDIS_URL`,
//! `SMTP_URL`, `MEILISEARCH_URL`, `MEILISEARCH_API_KEY`, `KARTEI_BIND`, `KARTEI_PUBLIC_URL`, `KARTEI_JWT_SECRET`, `KARTEI_JWT_SECRET_FILE`).
//! Unknown keys are errors, so a typo in a variable name fails at start, not silently.

use std::path::PathBuf;

use anyhow::Context as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub http: HttpSettings,
    pub graphql: GraphqlSettings,
    pub auth: AuthSettings,
    pub limits: LimitSettings,
    pub log: LogSettings,
    pub worker: WorkerSettings,
    pub mail: MailSettings,
    pub search: SearchSettings,
    pub import: ImportSettings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// An import with at least this many rows to go, and at least as many as the tenant has
    /// persons, builds the persons' secondary indexes once after the load (bulk mode,
    /// ARCHITECTURE.md); 0 never.
    pub bulk_min_rows: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSettings {
    /// `MEILISEARCH_URL`. Unset: contact search runs inside PostgreSQL.
    pub meilisearch_url: Option<String>,
    /// `MEILISEARCH_API_KEY`.
    pub meilisearch_api_key: Option<SecretString>,
    /// Bound on every call to the search engine.
    pub timeout_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `SMTP_URL`, e.g. `smtp://mail:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`. Unset: mail is written to the log, not sent (demo only).
    pub smtp_url: Option<SecretString>,
    /// The sender of double opt-in and notification mails.
    pub from: String,
    /// SMTP connections per campaign send job (messages in flight at once).
    pub campaign_connections: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    /// Run background jobs inside `kartei serve` (single-machine setups).
    pub in_process: bool,
    /// Jobs run at the same time per process.
    pub concurrency: usize,
    /// Pause between polls when the queue is empty.
    pub poll_ms: u64,
    /// A running job without a heartbeat for this long is presumed dead and taken over.
    pub stale_after_secs: u64,
    /// This worker's name, unique among the workers running at one time; a worker that
    /// starts under a name takes over the jobs its dead predecessor of that name left at
    /// once. Unset: `<hostname>:<pid>` (a restarted container whose process is PID 1 keeps its
    /// name; give workers that share a host distinct names to get that on a plain host too).
    #[serde(default)]
    pub name: Option<String>,
    /// Where `kartei worker` serves `GET /metrics` (e.g. `0.0.0.0:9090`); none: not served.
    #[serde(default)]
    pub metrics_bind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout_ms: u64,
    /// The largest share (0-1) of `max_connections` one tenant's requests may hold at once;
    /// at least one connection, and always one left for the others.
    pub tenant_share: f64,
    /// How long a request waits for its tenant's share before UNAVAILABLE with Retry-After.
    pub tenant_wait_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    /// Unset: the in-process store (single node only).
    pub url: Option<SecretString>,
    /// Prepended to every key, so several deployments (or tests) can share one Redis.
    pub key_prefix: String,
    pub timeout_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub bind: String,
    pub public_url: String,
    pub max_body_bytes: usize,
    /// Largest file accepted by `POST /files/uploads` (imports).
    pub max_upload_bytes: usize,
    pub trust_forwarded_for: bool,
    pub shutdown_timeout_secs: u64,
    /// Where `kartei serve` serves `GET /metrics` (e.g. `0.0.0.0:9090`): an address of its
    /// own, never the public port; none: not served.
    #[serde(default)]
    pub metrics_bind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphqlSettings {
    pub introspection: bool,
    pub graphiql: bool,
    pub max_depth: usize,
    pub max_complexity: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_secret: Option<SecretString>,
    pub jwt_secret_file: Option<PathBuf>,
    #[serde(default)]
    pub previous_jwt_secrets: Vec<SecretString>,
    /// Set when no secret was configured and one was generated for this process.
    #[serde(skip)]
    pub jwt_secret_random: bool,
    pub issuer: String,
    pub audience: String,
    pub access_ttl_secs: u64,
    pub refresh_ttl_secs: u64,
    /// The longest a session lives however often it is refreshed (then: log in again).
    pub session_max_age_secs: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    pub api_per_minute: u32,
    pub api_burst: u32,
    pub anonymous_per_minute: u32,
    pub anonymous_burst: u32,
    pub login_ip_per_minute: u32,
    pub login_ip_burst: u32,
    pub login_account_per_minute: u32,
    pub login_account_burst: u32,
    /// Tenants one agency may create (each is a full schema).
    pub tenants_per_agency: u32,
    /// Template previews per user or API key (each renders on the server).
    pub previews_per_minute: u32,
    pub previews_burst: u32,
    /// What one tenant's stored uploads (files not yet imported) may hold together.
    pub upload_storage_bytes_per_tenant: u64,
    /// Subscribe-form posts (each a confirmation mail) per mailbox (case and `+tags`
    /// ignored), across tenants.
    pub doi_per_mailbox_per_hour: u32,
    /// Subscribe-form posts per address domain within one tenant.
    pub doi_per_domain_per_hour: u32,
    /// Subscribe-form posts per form token.
    pub doi_per_form_per_hour: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `json` (default) or `pretty`.
    pub format: String,
    /// An `EnvFilter` directive; `RUST_LOG` overrides it.
    pub level: String,
}

const DEFAULTS: &str = r#"
[database]
url = "postgres://postgres@127.0.0.1:5432/kartei"
max_connections = 16
acquire_timeout_ms = 3000
tenant_share = 0.5
tenant_wait_ms = 1000

[redis]
key_prefix = "kartei:"
timeout_ms = 1000

[http]
bind = "127.0.0.1:8080"
public_url = "http://127.0.0.1:8080"
max_body_bytes = 262144
max_upload_bytes = 268435456
trust_forwarded_for = false
shutdown_timeout_secs = 30

[graphql]
introspection = false
graphiql = false
max_depth = 10
max_complexity = 3000

[auth]
issuer = "kartei"
audience = "kartei-api"
access_ttl_secs = 900
refresh_ttl_secs = 2592000
session_max_age_secs = 7776000

[limits]
api_per_minute = 1200
api_burst = 200
anonymous_per_minute = 300
anonymous_burst = 60
login_ip_per_minute = 30
login_ip_burst = 30
login_account_per_minute = 6
login_account_burst = 10
tenants_per_agency = 50
previews_per_minute = 30
previews_burst = 10
upload_storage_bytes_per_tenant = 2147483648
doi_per_mailbox_per_hour = 3
doi_per_domain_per_hour = 60
doi_per_form_per_hour = 600

[worker]
in_process = true
concurrency = 2
poll_ms = 500
stale_after_secs = 60

[import]
bulk_min_rows = 100000

[mail]
from = "Kartei <no-reply@kartei.localhost>"
campaign_connections = 4

[search]
timeout_ms = 5000

[log]
format = "json"
level = "info,sqlx=warn,sea_orm_migration=warn"
"#;

impl Settings {
    /// Loads from the process environment.
    pub fn load() -> anyhow::Result<Self> {
        Self::load_from(|k| std::env::var(k).ok(), true)
    }

    /// Loads with an explicit variable lookup (for tests); `with_env` also reads
    /// `KARTEI__SECTION__KEY` from the process environment.
    pub fn load_from(var: impl Fn(&str) -> Option<String>, with_env: bool) -> anyhow::Result<Self> {
        let mut b = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = var("KARTEI_CONFIG") {
            b = b.add_source(config::File::with_name(&path));
        }
        if with_env {
            b = b.add_source(
                config::Environment::with_prefix("KARTEI")
                    .prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("auth.previous_jwt_secrets")
                    .try_parsing(true),
            );
        }
        for (env, key) in [
            ("DATABASE_URL", "database.url"),
            ("REDIS_URL", "redis.url"),
            ("SMTP_URL", "mail.smtp_url"),
            ("MEILISEARCH_URL", "search.meilisearch_url"),
            ("MEILISEARCH_API_KEY", "search.meilisearch_api_key"),
            ("KARTEI_BIND", "http.bind"),
            ("KARTEI_PUBLIC_URL", "http.public_url"),
            ("KARTEI_JWT_SECRET", "auth.jwt_secret"),
            ("KARTEI_JWT_SECRET_FILE", "auth.jwt_secret_file"),
        ] {
            b = b.set_override_option(key, var(env).filter(|v| !v.is_empty()))?;
        }
        let mut settings: Settings = b
            .build()?
            .try_deserialize()
            .context("invalid configuration")?;
        if settings.auth.jwt_secret.is_none() && settings.auth.jwt_secret_file.is_none() {
            // One random secret for the whole process, so that tokens and signed links made by
            // one part of it are accepted by every other part.
            let bytes: [u8; 32] = rand::random();
            settings.auth.jwt_secret = Some(SecretString::from(
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            ));
            settings.auth.jwt_secret_random = true;
        }
        Ok(settings)
    }

    /// The JWT signing secret: `KARTEI_JWT_SECRET`, else the file named by
    /// `KARTEI_JWT_SECRET_FILE` (a Kubernetes secret mount), else a random one for this process
    /// with a warning (tokens then die with the process; fine for `make run`, not for a cluster).
    pub fn jwt_secret(&self) -> anyhow::Result<SecretString> {
        if let Some(s) = &self.auth.jwt_secret {
            if self.auth.jwt_secret_random {
                tracing::warn!(
                    "no KARTEI_JWT_SECRET: using a random secret for this process; tokens and \
                     links will not survive a restart and nodes will not accept each other's"
                );
            }
            return Ok(SecretString::from(s.expose_secret().to_owned()));
        }
        if let Some(path) = &self.auth.jwt_secret_file {
            let s = std::fs::read_to_string(path).with_context(|| {
                format!("cannot read KARTEI_JWT_SECRET_FILE {}", path.display())
            })?;
            return Ok(SecretString::from(s.trim().to_owned()));
        }
        tracing::warn!(
            "no KARTEI_JWT_SECRET: using a random secret for this process; \
             tokens will not survive a restart and nodes will not accept each other's tokens"
        );
        let bytes: [u8; 32] = rand::random();
        Ok(SecretString::from(
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_contract_variables_override() {
        let s = Settings::load_from(
            |k| match k {
                "DATABASE_URL" => Some("postgres://x@db/kartei".into()),
                "KARTEI_BIND" => Some("0.0.0.0:9000".into()),
                _ => None,
            },
            false,
        )
        .expect("load");
        assert_eq!(s.database.url.expose_secret(), "postgres://x@db/kartei");
        assert_eq!(s.http.bind, "0.0.0.0:9000");
        assert!(s.redis.url.is_none());
        assert_eq!(s.graphql.max_depth, 10);
        // Issue 17, finding 12: a production server does not describe its schema to anyone
        // who asks, nor serve GraphiQL, unless configured (`make run` turns both on).
        assert!(!s.graphql.introspection);
        assert!(!s.graphql.graphiql);
    }
}
