//! `make bench`: an authenticated tenant query through the full gateway (JWT, session check,
//! rate limit, membership check, GraphQL, tenant-scoped transaction) against a bare actix-web
//! handler running the same tenant-scoped SQL, in the same process and run. Writes the
//! throughput ratio and latency percentiles to BENCHMARKS.md.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use futures_util::StreamExt;
use kartei_core::id::TenantId;
use kartei_tenancy::db::{Db, DbOptions};
use kartei_tests::{Redis, spawn_app_with};
use sea_orm::FromQueryResult;
use serde_json::json;

/// The allocator the `kartei` binary ships with, so the server measured here is the one deployed.
#[global_allocator]
static ALLOCATOR: kartei_server::Allocator = kartei_server::Allocator {};

const REQUESTS: usize = 5_000;
const WARMUP: usize = 500;
const CONCURRENCY: usize = 16;
const QUERY: &str = "{ settings(first: 20) { edges { node { key value } } } }";
const NESTED_CLIENTS: usize = 8;
const NESTED_REQUESTS: usize = 2_000;
const PERSONS: usize = 200;
const FLAT: &str = "{ persons(first: 50) { edges { node { id firstName lastName email city } } } }";
const NESTED: &str = "{ persons(first: 50) { edges { node { id firstName lastName email city \
    organizations { jobTitle isPrimary buyingRole organization { id name city } } } } } }";
const SQL: &str = "SELECT key, value FROM settings ORDER BY key ASC LIMIT 21";

#[derive(FromQueryResult, serde::Serialize)]
struct Row {
    key: String,
    value: serde_json::Value,
}

async fn bare(db: web::Data<Db>, tenant: web::Data<TenantId>) -> HttpResponse {
    let tx = db.begin_tenant(**tenant).await.unwrap();
    let rows = Row::find_by_statement(kartei_tenancy::tenants::stmt(SQL, vec![]))
        .all(&*tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    HttpResponse::Ok().json(json!({"data": {"settings": rows}}))
}

struct Stats {
    rps: f64,
    p50: Duration,
    p99: Duration,
}

/// Rounds in which the two paths alternate: the load of this shared machine drifts over a
/// run, so the two are measured side by side in each round and the ratio reported is the
/// median of the per-round ratios (with their range), not one long run of each.
const ROUNDS: usize = 5;

struct Paired {
    base: Stats,
    subject: Stats,
    ratio: f64,
    low: f64,
    high: f64,
}

async fn paired(
    base: impl Fn() -> reqwest::RequestBuilder,
    subject: impl Fn() -> reqwest::RequestBuilder,
    n: usize,
    concurrency: usize,
) -> Paired {
    let per_round = n / ROUNDS;
    let (mut b_lat, mut s_lat, mut b_time, mut s_time) =
        (Vec::new(), Vec::new(), Duration::ZERO, Duration::ZERO);
    let mut ratios = Vec::new();
    for _ in 0..ROUNDS {
        let (bl, bt) = timed(&base, per_round, concurrency).await;
        let (sl, st) = timed(&subject, per_round, concurrency).await;
        ratios.push(bt.as_secs_f64() / st.as_secs_f64());
        b_lat.extend(bl);
        s_lat.extend(sl);
        b_time += bt;
        s_time += st;
    }
    ratios.sort_by(f64::total_cmp);
    Paired {
        base: stats(b_lat, b_time),
        subject: stats(s_lat, s_time),
        ratio: ratios[ROUNDS / 2],
        low: ratios[0],
        high: ratios[ROUNDS - 1],
    }
}

fn stats(mut lat: Vec<Duration>, total: Duration) -> Stats {
    lat.sort();
    let n = lat.len();
    Stats {
        rps: n as f64 / total.as_secs_f64(),
        p50: lat[n / 2],
        p99: lat[n * 99 / 100],
    }
}

async fn load(make: impl Fn() -> reqwest::RequestBuilder, n: usize) -> Stats {
    load_with(make, n, CONCURRENCY).await
}

async fn load_with(
    make: impl Fn() -> reqwest::RequestBuilder,
    n: usize,
    concurrency: usize,
) -> Stats {
    let (lat, total) = timed(make, n, concurrency).await;
    stats(lat, total)
}

async fn timed(
    make: impl Fn() -> reqwest::RequestBuilder,
    n: usize,
    concurrency: usize,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let lat: Vec<Duration> = futures_util::stream::iter(0..n)
        .map(|_| {
            let req = make();
            async move {
                let t = Instant::now();
                let res = req.send().await.unwrap();
                assert!(res.status().is_success());
                let body = res.bytes().await.unwrap();
                assert!(!body.is_empty());
                t.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    (lat, started.elapsed())
}

#[tokio::main]
async fn main() {
    let app = spawn_app_with(Redis::Shared, None, |s| {
        s.limits.api_per_minute = 6_000_000;
        s.limits.api_burst = 1_000_000;
        s.database.max_connections = 16;
        s.log.level = "warn".into();
    })
    .await;
    let admin = app.sign_up().await;
    let profile = std::env::var("KARTEI_BENCH_LOAD").unwrap_or_default();
    if profile == "flat" || profile == "nested" {
        nested(&app, &admin).await;
        return;
    }
    let tenant = app.create_tenant(&admin, "Bench").await;
    for i in 0..20 {
        app.gql(
            "mutation($k: String!, $v: JSON!) { setSetting(input: {key: $k, value: $v}) { setting { key } userErrors { field message code } } }",
            json!({"k": format!("bench.k{i:02}"), "v": {"n": i, "text": "Grüße aus Köln"}}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    }
    let tid: TenantId = tenant.parse().unwrap();
    let mut opts = DbOptions::new(kartei_tests::database_url());
    opts.max_connections = 16;
    let bare_db = Db::connect(&opts).await.unwrap();
    let (db_data, t_data) = (web::Data::new(bare_db), web::Data::new(tid));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(db_data.clone())
            .app_data(t_data.clone())
            .route("/bare", web::post().to(bare))
    })
    .bind("127.0.0.1:0")
    .unwrap();
    let bare_url = format!("http://{}/bare", server.addrs()[0]);
    tokio::spawn(server.run());

    let client = reqwest::Client::new();
    let body = serde_json::to_vec(&json!({"query": QUERY})).unwrap();
    let gateway = || {
        client
            .post(format!("{}/graphql", app.url))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", admin.access))
            .header("x-tenant-id", &tenant)
            .body(body.clone())
    };
    let baseline = || client.post(&bare_url).body("{}");

    // Sanity: both return the same rows.
    let g: serde_json::Value = gateway().send().await.unwrap().json().await.unwrap();
    assert_eq!(
        g["data"]["settings"]["edges"].as_array().unwrap().len(),
        20,
        "{g}"
    );

    load(gateway, WARMUP).await;
    load(baseline, WARMUP).await;
    // For a profiler: `KARTEI_BENCH_LOAD=gateway|bare` runs only that load and writes nothing.
    if profile == "gateway" || profile == "bare" {
        let s = if profile == "bare" {
            load(baseline, REQUESTS * 2).await
        } else {
            load(gateway, REQUESTS * 2).await
        };
        println!("{profile}: {:.0} requests/s", s.rps);
        return;
    }
    let Paired {
        base: b,
        subject: gw,
        ratio,
        low,
        high,
    } = paired(baseline, gateway, REQUESTS, CONCURRENCY).await;
    let date = chrono::Utc::now().format("%Y-%m-%d");
    let section = format!(
        "<!-- gateway:start -->\n\
         ### Authenticated tenant query: gateway vs. bare handler\n\n\
         Machine: {machine}; run {date}; release build; PostgreSQL and Redis on loopback; \
         {REQUESTS} requests of each after {WARMUP} warm-up, {CONCURRENCY} concurrent, client in the same process, \
         in {ROUNDS} rounds that alternate the two paths.\n\n\
         | path | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n\
         | bare actix-web handler (same tenant-scoped SQL) | {:.0} | {:.2} ms | {:.2} ms |\n\
         | gateway: JWT + session + rate limit + membership + GraphQL + same SQL | {:.0} | {:.2} ms | {:.2} ms |\n\n\
         Throughput ratio gateway/bare: **{ratio:.2}** (median of the rounds; range {low:.2}-{high:.2}). \
         p99 ratio: **{:.2}**.\n\
         <!-- gateway:end -->",
        b.rps,
        b.p50.as_secs_f64() * 1e3,
        b.p99.as_secs_f64() * 1e3,
        gw.rps,
        gw.p50.as_secs_f64() * 1e3,
        gw.p99.as_secs_f64() * 1e3,
        gw.p99.as_secs_f64() / b.p99.as_secs_f64(),
        machine = kartei_tests::bench::machine(),
    );
    println!("{section}");
    kartei_tests::bench::write_section("gateway", &section);

    nested(&app, &admin).await;
}

/// `persons(first: 50)` with each person's organizations (relation and organization) against
/// the flat page, same app, same run: what the loaders make of a nested page.
async fn nested(app: &kartei_tests::TestApp, admin: &kartei_tests::Account) {
    let tenant = app.create_tenant(admin, "Bench nested").await;
    let orgs: String = (0..10)
        .map(|i| format!("o{i}: createOrganization(input: {{name: \"Firma {i} GmbH\", city: \"Köln\"}}) {{ organization {{ id }} userErrors {{ field message code }} }} "))
        .collect();
    let r = app
        .gql(
            &format!("mutation {{ {orgs} }}"),
            json!({}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    let org_ids: Vec<String> = (0..10)
        .map(|i| {
            r.data()[format!("o{i}")]["organization"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for chunk in 0..PERSONS / 25 {
        let people: String = (0..25)
            .map(|j| {
                let i = chunk * 25 + j;
                format!(
                    "p{j}: createPerson(input: {{firstName: \"Vorname{i}\", lastName: \"Name{i}\", \
                     email: \"p{i}@example.de\", city: \"Köln\"}}) {{ person {{ id }} userErrors {{ field message code }} }} "
                )
            })
            .collect();
        let r = app
            .gql(
                &format!("mutation {{ {people} }}"),
                json!({}),
                Some(&admin.access),
                Some(&tenant),
            )
            .await;
        let links: String = (0..25)
            .map(|j| {
                let id = r.data()[format!("p{j}")]["person"]["id"].as_str().unwrap();
                format!(
                    "l{j}: linkPersonToOrganization(input: {{personId: \"{id}\", organizationId: \"{}\", \
                     jobTitle: \"Einkauf\", isPrimary: true, buyingRole: ECONOMIC_BUYER}}) {{ relation {{ isPrimary }} userErrors {{ field message code }} }} ",
                    org_ids[j % 10]
                )
            })
            .collect();
        let r = app
            .gql(
                &format!("mutation {{ {links} }}"),
                json!({}),
                Some(&admin.access),
                Some(&tenant),
            )
            .await;
        assert!(r.body["errors"].is_null(), "{}", r.body);
    }
    let client = reqwest::Client::new();
    let request = |query: &'static str| {
        let body = serde_json::to_vec(&json!({"query": query})).unwrap();
        let (client, url, token, tenant) = (&client, &app.url, &admin.access, &tenant);
        move || {
            client
                .post(format!("{url}/graphql"))
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {token}"))
                .header("x-tenant-id", tenant.as_str())
                .body(body.clone())
        }
    };
    let (flat, nested_req) = (request(FLAT), request(NESTED));
    let g: serde_json::Value = nested_req().send().await.unwrap().json().await.unwrap();
    let edges = g["data"]["persons"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 50, "{g}");
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["organizations"][0]["organization"]["name"].is_string())
    );
    load_with(&flat, WARMUP, NESTED_CLIENTS).await;
    load_with(&nested_req, WARMUP, NESTED_CLIENTS).await;
    // For a profiler: `KARTEI_BENCH_LOAD=flat|nested` runs only that load and writes nothing.
    if let Ok(which) = std::env::var("KARTEI_BENCH_LOAD") {
        let s = if which == "flat" {
            load_with(&flat, NESTED_REQUESTS * 2, NESTED_CLIENTS).await
        } else {
            load_with(&nested_req, NESTED_REQUESTS * 2, NESTED_CLIENTS).await
        };
        println!("{which}: {:.0} requests/s", s.rps);
        return;
    }
    let Paired {
        base: f,
        subject: n,
        ratio,
        low,
        high,
    } = paired(&flat, &nested_req, NESTED_REQUESTS, NESTED_CLIENTS).await;
    let date = chrono::Utc::now().format("%Y-%m-%d");
    let section = format!(
        "<!-- gateway-nested:start -->\n\
         ### A nested page: persons with their organizations vs. the flat page\n\n\
         Machine: {machine}; run {date}; release build; {PERSONS} persons at 10 organizations; \
         {NESTED_REQUESTS} requests of each after {WARMUP} warm-up, {NESTED_CLIENTS} concurrent clients, \
         in {ROUNDS} rounds that alternate the two queries, \
         through the full gateway. Flat: `persons(first: 50)` with five scalar fields. Nested: \
         the same plus each person's `organizations {{ jobTitle isPrimary buyingRole organization \
         {{ id name city }} }}`, loaded by two batched statements (relations, organizations) in \
         the request's one transaction.\n\n\
         | query | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n\
         | flat `persons(first: 50)` | {:.0} | {:.2} ms | {:.2} ms |\n\
         | nested, with organizations and relations | {:.0} | {:.2} ms | {:.2} ms |\n\n\
         Throughput ratio nested/flat: **{ratio:.2}** (median of the rounds; range {low:.2}-{high:.2}).\n\
         <!-- gateway-nested:end -->",
        f.rps,
        f.p50.as_secs_f64() * 1e3,
        f.p99.as_secs_f64() * 1e3,
        n.rps,
        n.p50.as_secs_f64() * 1e3,
        n.p99.as_secs_f64() * 1e3,
        machine = kartei_tests::bench::machine(),
    );
    println!("{section}");
    kartei_tests::bench::write_section("gateway-nested", &section);
}
