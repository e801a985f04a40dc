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

const REQUESTS: usize = 5_000;
const WARMUP: usize = 500;
const CONCURRENCY: usize = 16;
const QUERY: &str = "{ settings(first: 20) { edges { node { key value } } } }";
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

async fn load(make: impl Fn() -> reqwest::RequestBuilder, n: usize) -> Stats {
    let started = Instant::now();
    let mut lat: Vec<Duration> = futures_util::stream::iter(0..n)
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
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let total = started.elapsed();
    lat.sort();
    Stats {
        rps: n as f64 / total.as_secs_f64(),
        p50: lat[n / 2],
        p99: lat[n * 99 / 100],
    }
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
    let tenant = app.create_tenant(&admin, "Bench").await;
    for i in 0..20 {
        app.gql(
            "mutation($k: String!, $v: JSON!) { setSetting(key: $k, value: $v) { key } }",
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
    let b = load(baseline, REQUESTS).await;
    let gw = load(gateway, REQUESTS).await;

    let ratio = gw.rps / b.rps;
    let date = chrono::Utc::now().format("%Y-%m-%d");
    let section = format!(
        "<!-- gateway:start -->\n\
         ### Authenticated tenant query: gateway vs. bare handler\n\n\
         Machine: {machine}; run {date}; release build; PostgreSQL and Redis on loopback; \
         {REQUESTS} requests after {WARMUP} warm-up, {CONCURRENCY} concurrent, client in the same process.\n\n\
         | path | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n\
         | bare actix-web handler (same tenant-scoped SQL) | {:.0} | {:.2} ms | {:.2} ms |\n\
         | gateway: JWT + session + rate limit + membership + GraphQL + same SQL | {:.0} | {:.2} ms | {:.2} ms |\n\n\
         Throughput ratio gateway/bare: **{ratio:.2}**. p99 ratio: **{:.2}**.\n\
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
}
