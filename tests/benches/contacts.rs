//! Contacts benchmarks (`make bench`), each against a baseline in the same run:
//! 1. importing a 1,000,000-row German contact CSV through the real path (HTTP upload, job,
//!    validation, normalization, matching, batched writes) vs. a plain PostgreSQL `COPY` of
//!    the same file into a bare table; rows/s and peak memory;
//! 2. the duplicate scan over 100,000 contacts vs. a hand-written exact-email self-join.
//!
//! `KARTEI_BENCH_ROWS` and `KARTEI_BENCH_DEDUPE` shrink the runs for a quick check;
//! `KARTEI_BENCH_ONLY=import|dedupe` runs one of the two.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use kartei_tests::bench;
use kartei_tests::bench::{env_u64, psql};
use kartei_tests::spawn_app;
use sea_orm::ConnectionTrait;
use serde_json::json;

/// The allocator the `kartei` binary ships with, so the server measured here is the one deployed.
#[global_allocator]
static ALLOCATOR: kartei_server::Allocator = kartei_server::Allocator {};

#[tokio::main]
async fn main() {
    let only = std::env::var("KARTEI_BENCH_ONLY").unwrap_or_default();
    // `RUST_LOG=kartei_contacts=debug` shows the import's phases per batch.
    if std::env::var_os("RUST_LOG").is_some() {
        kartei_server::telemetry::init("pretty", "warn");
    }
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    if only != "dedupe" {
        import_bench(&app, &owner.access, &tenant).await;
    }
    if only != "import" {
        dedupe_bench(&app, &owner).await;
    }
}

async fn import_bench(app: &kartei_tests::TestApp, t: &str, tenant: &str) {
    let rows = env_u64("KARTEI_BENCH_ROWS", 1_000_000);

    // The file: realistic German B2B/B2C rows (the `kartei demo` generator), UTF-8, `;`.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kontakte.csv");
    kartei_server::demo_data::write_csv(std::fs::File::create(&path).unwrap(), rows, 2026, false)
        .unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();
    eprintln!("file: {rows} rows, {:.1} MiB", bytes as f64 / 1048576.0);

    // Baseline: COPY into a bare table with the same 17 text columns.
    let url = kartei_tests::database_url();
    let cols: Vec<String> = kartei_server::demo_data::HEADER
        .iter()
        .enumerate()
        .map(|(i, _)| format!("c{i} text"))
        .collect();
    psql(&url, "DROP TABLE IF EXISTS bench_copy");
    psql(
        &url,
        &format!("CREATE TABLE bench_copy ({})", cols.join(", ")),
    );
    let started = Instant::now();
    psql(
        &url,
        &format!(
            "\\copy bench_copy FROM '{}' WITH (FORMAT csv, HEADER true, DELIMITER ';', ENCODING 'UTF8')",
            path.display()
        ),
    );
    let copy = started.elapsed();
    psql(&url, "DROP TABLE bench_copy");
    eprintln!("COPY: {copy:?}");

    // Kartei: upload over HTTP, then the import job through the in-process worker; into an
    // empty tenant that is bulk mode (the persons' secondary indexes built after the load).
    let bulk = import_once(app, t, tenant, &path).await;
    let created = bulk.created;
    let stored = app.tenant_i64(tenant, "SELECT count(*) FROM persons").await;
    assert_eq!(stored, created);
    // The search index catches up after a large import (it waits while one runs).
    let started = Instant::now();
    while app.tenant_i64(tenant, "SELECT count(*) FROM outbox").await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(3600),
            "the outbox never drained"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let index_time = started.elapsed();
    let documents = app
        .tenant_i64(tenant, "SELECT count(*) FROM search_documents")
        .await;
    eprintln!("search index caught up in {index_time:?} ({documents} documents)");

    // The same file row by row (bulk mode off), in a server of its own on a database of its
    // own: on the same database the first server's worker would claim the job (and run it in
    // bulk mode), as it did in the runs before 2026-12-08.
    let row_db = match url.split_once('?') {
        Some((base, query)) => format!("{base}_rows?{query}"),
        None => format!("{url}_rows"),
    };
    let row_app = kartei_tests::spawn_app_with(kartei_tests::Redis::Shared, Some(row_db), |s| {
        s.import.bulk_min_rows = 0
    })
    .await;
    let (row_owner, row_tenant) = row_app.owner_with_tenant().await;
    let by_row = import_once(&row_app, &row_owner.access, &row_tenant, &path).await;
    assert_eq!(by_row.created, created);
    assert_eq!(
        by_row.duplicates, bulk.duplicates,
        "the two modes warned differently"
    );
    // Its search index is not measured: nothing is left for it to do.
    row_app
        .tenant_i64(
            &row_tenant,
            "WITH d AS (DELETE FROM outbox RETURNING 1) SELECT count(*) FROM d",
        )
        .await;
    let import_time = bulk.import;
    let upload_time = bulk.upload;
    let (peak, rss_before) = (bulk.peak, bulk.rss_before);
    let date = chrono::Utc::now().format("%Y-%m-%d");
    let rps = created as f64 / import_time.as_secs_f64();
    let copy_rps = rows as f64 / copy.as_secs_f64();
    let section = format!(
        "<!-- contacts-import:start -->\n\
         ### Import of {rows} contact rows: Kartei vs. plain `COPY`\n\n\
         Machine: {machine}; run {date}; release build; PostgreSQL on loopback. The file is \
         `kartei demo`'s generator output ({mib:.0} MiB, UTF-8, `;`, 17 columns, German names, \
         2% near-duplicates). Kartei's path: HTTP upload into the tenant (1 MiB chunks), then \
         the import job: streamed parse, validation and normalization of every field (E.164 \
         phones, emails, dates, picklists) on the reader's thread while the database writes the \
         batch before, match on `external_id`, set-based writes per batch of 2,000 rows \
         (persons with their keyed address hashes, organizations and relations), duplicate \
         warnings, suppression check, per-row error report, checkpoint per batch. While an \
         import of more than 50,000 rows runs, the search index waits and catches up after it \
         (its own row below). The baseline copies the same file into a bare table of 17 text \
         columns with `psql \\copy`.\n\n\
         | path | time | rows/s | peak memory |\n|---|---:|---:|---:|\n\
         | plain `COPY` into a bare table | {copy:.1} s | {copy_rps:.0} | (psql, separate process) |\n\
         | Kartei upload (HTTP, into the tenant) | {up:.1} s | | |\n\
         | Kartei import job, bulk mode (into an empty tenant: the persons' secondary indexes built after the load) | {imp:.1} s | {rps:.0} | {peak:.0} MiB (process peak; {before:.0} MiB before) |\n\
         | Kartei import job, row by row (bulk mode off; every index maintained per row) | {row:.1} s | {row_rps:.0} | {row_peak:.0} MiB |\n\
         | search index caught up after the import ({documents} documents) | {idx:.1} s | {dps:.0} | |\n\n\
         Import/COPY time ratio: **{ratio:.1}×** in bulk mode, {row_ratio:.1}× row by row (rows/s ratio {inv:.3}). {created} persons created, {dups} duplicate warnings in both modes.\n\
         <!-- contacts-import:end -->",
        machine = bench::machine(),
        mib = bytes as f64 / 1048576.0,
        copy = copy.as_secs_f64(),
        up = upload_time.as_secs_f64(),
        imp = import_time.as_secs_f64(),
        before = rss_before,
        ratio = import_time.as_secs_f64() / copy.as_secs_f64(),
        inv = rps / copy_rps,
        idx = index_time.as_secs_f64(),
        row = by_row.import.as_secs_f64(),
        row_rps = created as f64 / by_row.import.as_secs_f64(),
        row_peak = by_row.peak,
        row_ratio = by_row.import.as_secs_f64() / copy.as_secs_f64(),
        dups = bulk.duplicates,
        dps = documents as f64 / index_time.as_secs_f64().max(0.001),
    );
    println!("{section}");
    bench::write_section("contacts-import", &section);
}

/// One import of the file at `path`: upload, then the job, measured.
struct Imported {
    upload: Duration,
    import: Duration,
    rss_before: f64,
    peak: f64,
    created: i64,
    duplicates: i64,
}

async fn import_once(
    app: &kartei_tests::TestApp,
    t: &str,
    tenant: &str,
    path: &std::path::Path,
) -> Imported {
    let started = Instant::now();
    let res = app
        .http
        .post(format!("{}/files/uploads?filename=kontakte.csv", app.url))
        .header("authorization", format!("Bearer {t}"))
        .header("x-tenant-id", tenant)
        .body(reqwest::Body::wrap_stream(
            tokio_util::io::ReaderStream::new(tokio::fs::File::open(path).await.unwrap()),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let upload: serde_json::Value = res.json().await.unwrap();
    let upload_time = started.elapsed();
    let mapping = kartei_contacts::import::mapping::suggest(
        &kartei_server::demo_data::HEADER
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>(),
        &[],
    );
    let rss_before = bench::rss_mib();
    bench::reset_peak_rss();
    let started = Instant::now();
    let done = app
        .import_and_wait_for(
            t,
            tenant,
            json!({"uploadId": upload["id"], "mapping": mapping, "matchKeys": ["external_id"]}),
            Duration::from_secs(3600),
        )
        .await;
    let import = started.elapsed();
    let peak = bench::peak_rss_mib();
    assert_eq!(done["status"], "COMPLETED", "{done}");
    eprintln!("import: {import:?}, {done}");
    Imported {
        upload: upload_time,
        import,
        rss_before,
        peak,
        created: done["rowsCreated"].as_i64().unwrap(),
        duplicates: done["duplicateWarnings"].as_i64().unwrap(),
    }
}

/// Duplicate scan over `KARTEI_BENCH_DEDUPE` contacts in a fresh tenant, with history.
async fn dedupe_bench(app: &kartei_tests::TestApp, owner: &kartei_tests::Account) {
    let dedupe_n = env_u64("KARTEI_BENCH_DEDUPE", 100_000);
    let dedupe_tenant: kartei_core::id::TenantId =
        app.create_tenant(owner, "Dedupe").await.parse().unwrap();
    kartei_server::demo_data::fill(&app.db, dedupe_tenant, dedupe_n, &|m| {
        eprintln!("fill: {m}")
    })
    .await
    .unwrap();
    let tx = app.db.begin_tenant(dedupe_tenant).await.unwrap();
    let started = Instant::now();
    let res = tx
        .query_one_raw(kartei_tenancy::tenants::stmt(
            "SELECT count(*) AS n FROM persons a JOIN persons b ON a.email_normalized = b.email_normalized AND a.id < b.id",
            vec![],
        ))
        .await
        .unwrap()
        .unwrap();
    let baseline_pairs: i64 = res.try_get("", "n").unwrap();
    let baseline_time = started.elapsed();
    let started = Instant::now();
    let scan = kartei_contacts::duplicates::scan(&tx).await.unwrap();
    let scan_time = started.elapsed();
    tx.commit().await.unwrap();
    eprintln!("scan: {scan_time:?} {scan:?}; baseline {baseline_time:?} {baseline_pairs}");

    let date = chrono::Utc::now().format("%Y-%m-%d");
    let section = format!(
        "<!-- contacts-dedupe:start -->\n\
         ### Duplicate scan over {dn} contacts\n\n\
         Machine: {machine}; run {date}; release build; PostgreSQL on loopback; contacts from \
         `kartei demo --contacts {dedupe_n}` (through the import path, with history). Blocks: \
         persons sharing a normalized email, an E.164 phone, or the Kölner Phonetik of first and \
         last name, each one hash aggregate; pairs formed within blocks, scored with reasons \
         (a name alone never suffices), stored. Baseline: a hand-written exact-email self-join \
         over the same table.\n\n\
         | path | time | pairs |\n|---|---:|---:|\n\
         | exact-email self-join (baseline) | {bt:.2} s | {baseline_pairs} |\n\
         | `scanDuplicates` (three blocks, scoring, storing) | {st:.2} s | {sp} ({sk} oversized blocks skipped) |\n\n\
         Scan/baseline time ratio: **{sratio:.1}×**.\n\
         <!-- contacts-dedupe:end -->",
        machine = bench::machine(),
        dn = scan.persons,
        bt = baseline_time.as_secs_f64(),
        st = scan_time.as_secs_f64(),
        sp = scan.pairs,
        sk = scan.skipped_blocks,
        sratio = scan_time.as_secs_f64() / baseline_time.as_secs_f64().max(1e-6),
    );
    println!("{section}");
    bench::write_section("contacts-dedupe", &section);
}
