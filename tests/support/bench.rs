//! Helpers shared by the benchmarks: the machine line and rewriting a section of
//! BENCHMARKS.md in place (between `<!-- name:start -->` and `<!-- name:end -->`).

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// Replaces (or appends) the section `name`; `section` includes its own markers.
pub fn write_section(name: &str, section: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../BENCHMARKS.md");
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let (start, end) = (
        format!("<!-- {name}:start -->"),
        format!("<!-- {name}:end -->"),
    );
    let new = match (old.find(&start), old.find(&end)) {
        (Some(s), Some(e)) => format!("{}{section}{}", &old[..s], &old[e + end.len()..]),
        _ => format!("{}\n\n{section}\n", old.trim_end()),
    };
    if let Err(e) = std::fs::write(path, new) {
        eprintln!("cannot write {path}: {e}");
    }
}

/// Peak resident memory of this process since the last [`reset_peak_rss`], in MiB.
pub fn peak_rss_mib() -> f64 {
    status_kib("VmHWM:") / 1024.0
}

pub fn rss_mib() -> f64 {
    status_kib("VmRSS:") / 1024.0
}

/// Resets the peak-RSS mark (Linux: writing 5 to /proc/self/clear_refs).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn status_kib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0.0)
}

/// A numeric setting from the environment (`KARTEI_BENCH_…`), else `default`.
pub fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `sql` in the tenant transaction; the rows it touched.
pub async fn exec(tx: &kartei_tenancy::db::TenantTx, sql: &str) -> u64 {
    use sea_orm::ConnectionTrait;
    tx.execute_raw(kartei_tenancy::tenants::stmt(sql, vec![]))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows_affected()
}

/// The first column, as text, of every row a statement selects inside a tenant's schema.
pub async fn texts(
    db: &kartei_tenancy::db::Db,
    tenant: kartei_core::id::TenantId,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let tx = db.begin_tenant(tenant).await.unwrap();
    let rows = tx
        .query_all_raw(kartei_tenancy::tenants::stmt(sql, values))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// One number from `sql`, in a transaction of its own.
pub async fn scalar(
    db: &kartei_tenancy::db::Db,
    tenant: kartei_core::id::TenantId,
    sql: &str,
) -> i64 {
    use sea_orm::ConnectionTrait;
    let tx = db.begin_tenant(tenant).await.unwrap();
    let row = tx
        .query_one_raw(kartei_tenancy::tenants::stmt(sql, vec![]))
        .await
        .unwrap()
        .unwrap();
    let n = row.try_get_by_index::<i64>(0).unwrap();
    tx.commit().await.unwrap();
    n
}

/// Runs `sql` with the `psql` client (for `COPY` baselines and fixtures).
pub fn psql(url: &str, sql: &str) {
    let out = std::process::Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("the psql client is needed by this benchmark");
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
