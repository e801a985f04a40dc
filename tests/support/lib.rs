//! Test harness: spawns the real application on port 0 against real Postgres and Redis, with a
//! unique Redis key prefix per app, and offers GraphQL helpers. Also starts private Redis and
//! PostgreSQL instances on free ports for tests that stop them (never the shared ones).

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

pub mod services;

use std::sync::OnceLock;

pub mod bench;

use kartei_server::Application;
use kartei_server::settings::Settings;
use kartei_tenancy::db::{Db, DbOptions};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-42";
pub const PASSWORD: &str = "Grüne Wiese 7 im Mai";

pub fn database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/kartei_test".to_owned())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

static TRACING: OnceLock<()> = OnceLock::new();

/// Drops the database named in `url` (a test's private one), so it starts empty.
pub async fn drop_database(url: &str) {
    let (base, name) = url.rsplit_once('/').unwrap();
    assert!(
        name.starts_with("kartei_test_"),
        "only private test databases: {name}"
    );
    let admin = Db::connect(&DbOptions::new(format!("{base}/postgres")))
        .await
        .unwrap();
    admin
        .platform()
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}

/// Creates the database named in `url` if missing (via the `postgres` maintenance database).
pub async fn ensure_database(url: &str) {
    let (base, name) = url.rsplit_once('/').unwrap();
    let admin = Db::connect(&DbOptions::new(format!("{base}/postgres")))
        .await
        .unwrap();
    let exists = admin
        .platform()
        .query_one_raw(kartei_tenancy::tenants::stmt(
            "SELECT 1 AS one FROM pg_database WHERE datname = $1",
            vec![name.into()],
        ))
        .await
        .unwrap()
        .is_some();
    if !exists {
        // Parallel test processes may race here; losing the race is fine.
        let _ = admin
            .platform()
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await;
    }
}

pub struct TestApp {
    pub url: String,
    /// `/metrics` on its own port (`http.metrics_bind`).
    pub metrics_url: Option<String>,
    pub http: reqwest::Client,
    pub db: Db,
    _server: ServerThread,
}

/// The app runs as a server does: on a runtime of its own, in its own threads, so its
/// background work (the Redis connection's driver, the in-process worker) never waits for the
/// test's thread (a test that generates a file or runs a process synchronously would
/// otherwise stall the app's Redis calls into UNAVAILABLE). Stopped when the `TestApp` drops.
struct ServerThread {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Redis {
    Shared,
    Memory,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Redis::Shared, None, |_| {}).await
}

/// Spawns the app; `redis_override`/`database_url` point it at private instances.
pub async fn spawn_app_with(
    redis: Redis,
    database: Option<String>,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_app_on(redis, None, database, tweak).await
}

pub async fn spawn_app_on(
    redis: Redis,
    redis_url_override: Option<String>,
    database: Option<String>,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    TRACING.get_or_init(|| {
        // TEST_LOG=1 logs at info; any other value is taken as the filter.
        if let Ok(level) = std::env::var("TEST_LOG") {
            let level = if level == "1" {
                "info".to_owned()
            } else {
                level
            };
            kartei_server::telemetry::init("pretty", &level);
        }
    });
    let db_url = database.unwrap_or_else(database_url);
    ensure_database(&db_url).await;
    let redis = match (redis, redis_url_override) {
        (_, Some(u)) => Some(u),
        (Redis::Shared, None) => Some(redis_url()),
        (Redis::Memory, None) => None,
    };
    let mut settings = Settings::load_from(
        |k| match k {
            "DATABASE_URL" => Some(db_url.clone()),
            "REDIS_URL" => redis.clone(),
            "KARTEI_BIND" => Some("127.0.0.1:0".into()),
            "KARTEI_JWT_SECRET" => Some(JWT_SECRET.into()),
            _ => None,
        },
        false,
    )
    .unwrap();
    settings.redis.key_prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
    // Off by default in production; the GraphiQL and introspection tests use them.
    settings.graphql.introspection = true;
    settings.graphql.graphiql = true;
    settings.database.max_connections = 8;
    // Keys in the shared Redis expire soon after the test; nothing accumulates.
    settings.auth.refresh_ttl_secs = 600;
    // Test apps share one job queue; when a test ends its worker dies mid-job, and a live
    // one takes over quickly (from the job's checkpoint), as after a crash in production.
    settings.worker.stale_after_secs = 4;
    settings.worker.poll_ms = 100;
    // Two cores run two test processes, each with its app, worker and load; a Redis answer or
    // a pooled connection may take longer than production's fast-fail limits. Tests of those
    // limits (faults.rs) set their own.
    settings.redis.timeout_ms = 3000;
    settings.database.acquire_timeout_ms = 10_000;
    // Likewise a request waiting for its tenant's share of the pool (the fair-share test
    // sets its own, short wait).
    settings.database.tenant_wait_ms = 10_000;
    // `/metrics` is served on an address of its own, never on the API's.
    settings.http.metrics_bind = Some("127.0.0.1:0".into());
    tweak(&mut settings);
    let (db, _) = kartei_server::services(&settings).await.unwrap();
    kartei_tenancy::migrate::platform(&db).await.unwrap();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Application::build(settings).await.unwrap();
            let _ = ready_tx.send((app.port(), app.metrics_port()));
            tokio::select! {
                _ = app.run_until_stopped() => {}
                _ = stop_rx => {}
            }
        });
        rt.shutdown_background();
    });
    let (port, metrics_port) = ready_rx
        .await
        .expect("the app did not start (see its panic)");
    TestApp {
        url: format!("http://127.0.0.1:{port}"),
        metrics_url: metrics_port.map(|p| format!("http://127.0.0.1:{p}/metrics")),
        http: reqwest::Client::new(),
        db,
        _server: ServerThread {
            stop: Some(stop_tx),
        },
    }
}

/// A signed-up or created user with fresh tokens.
#[derive(Clone, Debug)]
pub struct Account {
    pub email: String,
    pub access: String,
    pub refresh: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The error code a client sees: `errors[0].extensions.code`, else the first
    /// `userErrors[].code` of a mutation payload.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .or_else(|| self.user_errors().first()?["code"].as_str())
    }

    /// The first error's message: `errors[0].message`, else the first `userErrors[].message`.
    pub fn message(&self) -> Option<&str> {
        self.body["errors"][0]["message"]
            .as_str()
            .or_else(|| self.user_errors().first()?["message"].as_str())
    }

    /// The `userErrors` of every mutation payload in `data`.
    pub fn user_errors(&self) -> Vec<&Value> {
        let Some(data) = self.body["data"].as_object() else {
            return vec![];
        };
        data.values()
            .filter_map(|p| p["userErrors"].as_array())
            .flatten()
            .collect()
    }

    /// Messages by field: `errors[0].extensions.fields`, or the payloads' `userErrors` keyed
    /// by their path inside `input` (`["input", "patch", "email"]` is `patch.email`).
    pub fn fields(&self) -> Value {
        let top = &self.body["errors"][0]["extensions"]["fields"];
        if top.is_object() {
            return top.clone();
        }
        let mut map = serde_json::Map::new();
        for e in self.user_errors() {
            let Some(path) = e["field"].as_array() else {
                continue;
            };
            let key: Vec<&str> = path.iter().skip(1).filter_map(Value::as_str).collect();
            map.insert(key.join("."), e["message"].clone());
        }
        Value::Object(map)
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
}

pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", uuid::Uuid::new_v4().simple())
}

impl TestApp {
    pub async fn post_raw(
        &self,
        body: Vec<u8>,
        token: Option<&str>,
        tenant: Option<&str>,
    ) -> Reply {
        let mut req = self
            .http
            .post(format!("{}/graphql", self.url))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if let Some(t) = tenant {
            req = req.header("x-tenant-id", t);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn gql(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
        tenant: Option<&str>,
    ) -> Reply {
        let body = serde_json::to_vec(&json!({"query": query, "variables": variables})).unwrap();
        self.post_raw(body, token, tenant).await
    }

    /// Signs up a new agency as a client would: `signUp`, then `confirmSignUp` with the token
    /// of the mail (which the test knows by setting it: the mail itself is tested in
    /// `abuse.rs`).
    pub async fn sign_up(&self) -> Account {
        let email = unique_email("owner");
        let r = self
            .gql(
                "mutation($i: SignUpInput!) { signUp(input: $i) { accepted userErrors { field message code } } }",
                json!({"i": {"agencyName": "Agentur Süd", "displayName": "Anna Admin",
                             "email": email, "password": PASSWORD}}),
                None,
                None,
            )
            .await;
        assert_eq!(
            r.data()["signUp"]["accepted"],
            true,
            "signUp failed: {}",
            r.body
        );
        let token = self.sign_up_token(&email).await;
        let r = self
            .gql(
                "mutation($t: String!) { confirmSignUp(input: {token: $t}) { accessToken refreshToken } }",
                json!({"t": token}),
                None,
                None,
            )
            .await;
        let d = &r.data()["confirmSignUp"];
        assert!(
            d["accessToken"].is_string(),
            "confirmSignUp failed: {}",
            r.body
        );
        Account {
            email,
            access: d["accessToken"].as_str().unwrap().to_owned(),
            refresh: d["refreshToken"].as_str().unwrap().to_owned(),
        }
    }

    /// The token of a new subscribe form for the newsletter in `tenant`.
    pub async fn subscribe_form(&self, token: &str, tenant: &str) -> String {
        let r = self
            .gql(
                "mutation { storeConsentText(input: {title: \"Newsletter\", body: \"Ich möchte den Newsletter.\"}) { consentText { hash } } }",
                json!({}),
                Some(token),
                Some(tenant),
            )
            .await;
        let text = r.data()["storeConsentText"]["consentText"]["hash"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = self
            .gql(
                "mutation($x: String!) { createSubscribeForm(input: {purpose: \"newsletter\", textHash: $x}) { subscribeForm { token } } }",
                json!({"x": text}),
                Some(token),
                Some(tenant),
            )
            .await;
        r.data()["createSubscribeForm"]["subscribeForm"]["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Gives the open sign-up request of `email` a token the test knows, and returns it.
    pub async fn sign_up_token(&self, email: &str) -> String {
        let token = format!("test-{}", uuid::Uuid::new_v4().simple());
        let n = self
            .db
            .platform()
            .execute_raw(kartei_tenancy::tenants::stmt(
                "UPDATE platform.sign_up_requests \
                   SET token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex') \
                 WHERE email = $2 AND used_at IS NULL",
                vec![token.clone().into(), email.into()],
            ))
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(n, 1, "one open sign-up request for {email}");
        token
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.gql(
            "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken refreshToken } }",
            json!({"e": email, "p": password}),
            None,
            None,
        )
        .await
    }

    /// Creates a user in `admin`'s agency and logs them in.
    pub async fn create_user(&self, admin: &Account, agency_admin: bool) -> Account {
        let email = unique_email("user");
        let r = self
            .gql(
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { field message code } } }",
                json!({"i": {"displayName": "Max Mitarbeiter", "email": email,
                             "password": PASSWORD, "agencyAdmin": agency_admin}}),
                Some(&admin.access),
                None,
            )
            .await;
        assert!(
            r.data()["createUser"]["user"].is_object(),
            "createUser: {}",
            r.body
        );
        let l = self.login(&email, PASSWORD).await;
        Account {
            email,
            access: l.data()["login"]["accessToken"]
                .as_str()
                .unwrap()
                .to_owned(),
            refresh: l.data()["login"]["refreshToken"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    pub async fn create_tenant(&self, admin: &Account, name: &str) -> String {
        let r = self
            .gql(
                "mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id slug } userErrors { field message code } } }",
                json!({"i": {"name": name, "slug": format!("t-{}", uuid::Uuid::new_v4().simple())}}),
                Some(&admin.access),
                None,
            )
            .await;
        let id = r.data()["createTenant"]["tenant"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createTenant: {}", r.body));
        // The bare UUID (the header takes it as well as the global id), so tests can use it
        // in SQL too.
        uuid(id)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// One scalar from SQL on the platform connection.
    pub async fn scalar_i64(&self, sql: &str) -> i64 {
        self.platform_value(sql).await
    }

    /// One text from SQL on the platform connection.
    pub async fn platform_text(&self, sql: &str) -> String {
        self.platform_value(sql).await
    }

    async fn platform_value<T: sea_orm::TryGetable>(&self, sql: &str) -> T {
        let row = self
            .db
            .platform()
            .query_one_raw(kartei_tenancy::tenants::stmt(sql, vec![]))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<T>(0).unwrap()
    }

    /// Signs up an agency owner and creates a tenant: (token, tenant id).
    pub async fn owner_with_tenant(&self) -> (Account, String) {
        let owner = self.sign_up().await;
        let tenant = self.create_tenant(&owner, "Testkunde GmbH").await;
        (owner, tenant)
    }

    /// `POST /files/uploads`; returns the upload id.
    pub async fn upload(
        &self,
        token: &str,
        tenant: &str,
        filename: &str,
        bytes: Vec<u8>,
    ) -> String {
        // A saturated machine (the whole suite runs in parallel) may answer UNAVAILABLE with
        // Retry-After, as the API documents; a client retries. The answer may come before the
        // body is sent (the server closes then, and the client sees a broken pipe instead of
        // the 503): retried the same way. Anything else fails the test.
        for attempt in 1.. {
            let sent = self
                .http
                .post(format!("{}/files/uploads", self.url))
                .query(&[("filename", filename)])
                .header("authorization", format!("Bearer {token}"))
                .header("x-tenant-id", tenant)
                .body(bytes.clone())
                .send()
                .await;
            let res = match sent {
                Err(e) if e.is_request() && attempt < 5 => {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
                r => r.unwrap(),
            };
            let status = res.status();
            let body: Value = res.json().await.unwrap();
            if status == StatusCode::SERVICE_UNAVAILABLE && attempt < 5 {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
            assert_eq!(status, StatusCode::CREATED, "upload: {body}");
            return body["id"].as_str().unwrap().to_owned();
        }
        unreachable!()
    }

    /// A file endpoint's status and body bytes.
    pub async fn file_request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        tenant: &str,
        body: Option<Value>,
    ) -> (StatusCode, Vec<u8>) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {token}"))
            .header("x-tenant-id", tenant);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.bytes().await.unwrap().to_vec())
    }

    /// Starts an import and waits until it is finished; returns the import object.
    pub async fn import_and_wait(&self, token: &str, tenant: &str, input: Value) -> Value {
        self.import_and_wait_for(token, tenant, input, std::time::Duration::from_secs(60))
            .await
    }

    pub async fn import_and_wait_for(
        &self,
        token: &str,
        tenant: &str,
        input: Value,
        limit: std::time::Duration,
    ) -> Value {
        let r = self
            .gql(
                "mutation($i: StartImportInput!) { startImport(input: $i) { import { id } userErrors { field message code } } }",
                json!({ "i": input }),
                Some(token),
                Some(tenant),
            )
            .await;
        let id = r.data()["startImport"]["import"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("startImport: {}", r.body))
            .to_owned();
        self.wait_import_for(token, tenant, &id, limit).await
    }

    pub async fn wait_import(&self, token: &str, tenant: &str, id: &str) -> Value {
        self.wait_import_for(token, tenant, id, std::time::Duration::from_secs(60))
            .await
    }

    pub async fn wait_import_for(
        &self,
        token: &str,
        tenant: &str,
        id: &str,
        limit: std::time::Duration,
    ) -> Value {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            let r = self
                .gql(
                    "query($id: ID!) { import(id: $id) { id status rowsTotal rowsDone rowsCreated rowsUpdated \
                     rowsUnchanged rowsFailed duplicateWarnings rowsWarned preview error encoding delimiter errorReportPath \
                     strict errors(first: 100) { edges { node { line column reason severity value } } } } }",
                    json!({ "id": id }),
                    Some(token),
                    Some(tenant),
                )
                .await;
            let imp = r.data()["import"].clone();
            if matches!(
                imp["status"].as_str(),
                Some("COMPLETED" | "FAILED" | "CANCELLED")
            ) {
                return imp;
            }
            // A poll may meet a saturated machine (the whole suite runs in parallel):
            // UNAVAILABLE means "retry later", as the API documents; anything else fails.
            assert!(
                imp.is_object() || r.code() == Some("UNAVAILABLE"),
                "import: {}",
                r.body
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("import {id} did not finish within {limit:?}");
    }

    /// One scalar from SQL inside a tenant's schema.
    pub async fn tenant_i64(&self, tenant: &str, sql: &str) -> i64 {
        bench::scalar(&self.db, tenant.parse().unwrap(), sql).await
    }

    /// The first column, as text, of every row SQL selects inside a tenant's schema.
    pub async fn tenant_texts(&self, tenant: &str, sql: &str) -> Vec<String> {
        bench::texts(&self.db, tenant.parse().unwrap(), sql, vec![]).await
    }
}

/// Settings for running the worker's jobs in a test or benchmark process against `db`, with
/// campaign and compliance mail going to `smtp`.
pub fn worker_settings(db: &str, smtp: &str) -> Settings {
    let (db, smtp) = (db.to_owned(), smtp.to_owned());
    let mut s = Settings::load_from(
        move |k| match k {
            "DATABASE_URL" => Some(db.clone()),
            "SMTP_URL" => Some(smtp.clone()),
            "KARTEI_JWT_SECRET" => Some(JWT_SECRET.into()),
            _ => None,
        },
        false,
    )
    .unwrap();
    s.database.max_connections = 8;
    s.mail.from = "Kartei Kampagnen <kampagne@kartei.example>".into();
    s
}

/// A real SMTP server (aiosmtpd from Debian's `python3-aiosmtpd`) storing every message it
/// receives in a Maildir; stopped when dropped.
pub struct Smtpd {
    pub port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl Smtpd {
    pub fn start() -> Smtpd {
        Self::start_with(false)
    }

    /// With `smtputf8`, the server offers SMTPUTF8 (RFC 6531: internationalized addresses);
    /// without, it does not, as many still do not.
    pub fn start_with(smtputf8: bool) -> Smtpd {
        Self::spawn(smtputf8, false)
    }

    /// A server that stores each message and then never answers its final dot: the client
    /// has handed the message over and waits for a reply that does not come (as when the
    /// connection or the sending process dies at that moment).
    pub fn start_stalling() -> Smtpd {
        Self::spawn(false, true)
    }

    fn spawn(smtputf8: bool, stall: bool) -> Smtpd {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("stalling.py"),
            "import asyncio\nfrom aiosmtpd.handlers import Mailbox\n\n\
             class Stalling(Mailbox):\n    \
                 async def handle_DATA(self, server, session, envelope):\n        \
                     self.handle_message(self.prepare_message(session, envelope))\n        \
                     await asyncio.sleep(3600)\n        \
                     return '250 OK'\n",
        )
        .unwrap();
        let python =
            std::env::var("TEST_SMTPD_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let handler = if stall {
            "stalling.Stalling"
        } else {
            "aiosmtpd.handlers.Mailbox"
        };
        let mut child = std::process::Command::new(python)
            .env("PYTHONPATH", dir.path())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(if smtputf8 { &["-u"][..] } else { &[][..] })
            .args(["-c", handler])
            .arg(dir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd: apt-get install python3-aiosmtpd (make test does)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Smtpd { port, dir, child };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The raw messages received so far, without the sign-up mails of the test's own
    /// accounts ([`TestApp::sign_up`]; `X-Kartei-Mail: sign-up`): tests count what they send.
    pub fn messages(&self) -> Vec<String> {
        self.all_messages()
            .into_iter()
            .filter(|m| !m.contains("X-Kartei-Mail: sign-up"))
            .collect()
    }

    /// Every raw message received so far, sign-up mails too.
    pub fn all_messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail").join(sub)) {
                for e in entries.flatten() {
                    if let Ok(s) = std::fs::read_to_string(e.path()) {
                        out.push(s);
                    }
                }
            }
        }
        out
    }

    /// Waits for the `n`th message (up to `limit`).
    pub async fn wait_for(&self, n: usize, limit: std::time::Duration) -> Vec<String> {
        let start = std::time::Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n || start.elapsed() > limit {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Decodes a quoted-printable mail body (what lettre uses for non-ASCII text).
pub fn decode_quoted_printable(s: &str) -> String {
    let mut bytes = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'=' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        bytes.push(v);
                        i += 3;
                    }
                    Err(_) => {
                        bytes.push(b'=');
                        i += 1;
                    }
                }
            }
            c => {
                bytes.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The UUID a global id (or a bare UUID) names, as text: for comparing ids the API returns
/// with rows read by SQL.
pub fn uuid(id: &str) -> String {
    kartei_gateway::node::uuid_of(id)
        .unwrap_or_else(|| panic!("not an id: {id}"))
        .to_string()
}
