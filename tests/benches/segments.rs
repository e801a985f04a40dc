//! Segment benchmarks (`make bench`): a tenant of `KARTEI_BENCH_PERSONS` (default 1,000,000)
//! persons with ten interactions and two transactions each on average (10,000,000 and
//! 2,000,000), an ABC run and the lifecycle rules; then five representative segments, each
//! compiled from its rule and run as count and as first page (50 by name), against a
//! hand-written SQL query for the same segment in the same run. `EXPLAIN` of each compiled
//! count shows which indexes it uses.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use chrono::{Datelike, Months, Utc};
use kartei_segments::{abc, compile, lifecycle, segments};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use kartei_tests::bench::{env_u64, exec};
use kartei_tests::{bench, spawn_app};
use sea_orm::{ConnectionTrait, Value};
use serde_json::json;

/// The allocator the `kartei` binary ships with, so the server measured here is the one deployed.
#[global_allocator]
static ALLOCATOR: kartei_server::Allocator = kartei_server::Allocator {};

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn scalar(tx: &TenantTx, sql: &str, values: Vec<Value>) -> i64 {
    let row = tx.query_one_raw(stmt(sql, values)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Best of `n` runs of a query returning one number (the first run warms the cache).
async fn best(
    db: &kartei_tenancy::db::Db,
    tenant: kartei_core::id::TenantId,
    sql: &str,
    values: &[Value],
    n: usize,
) -> (Duration, i64) {
    let mut best = Duration::MAX;
    let mut out = 0;
    for _ in 0..n {
        let tx = db.begin_tenant(tenant).await.unwrap();
        let t = Instant::now();
        out = scalar(&tx, sql, values.to_vec()).await;
        best = best.min(t.elapsed());
        tx.commit().await.unwrap();
    }
    (best, out)
}

struct Row {
    name: &'static str,
    count: i64,
    t_count: Duration,
    t_base: Duration,
    t_page: Duration,
    t_base_page: Duration,
    plan: String,
}

#[tokio::main]
async fn main() {
    let n = env_u64("KARTEI_BENCH_PERSONS", 1_000_000) as i64;
    let app = spawn_app().await;
    let (_, tenant) = app.owner_with_tenant().await;
    let tenant_id: kartei_core::id::TenantId = tenant.parse().unwrap();
    let db = &app.db;

    // Fixture, set-based (the import path is measured in benches/contacts.rs).
    let started = Instant::now();
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    exec(&tx, "SET LOCAL kartei.defer_touch = 'on'").await;
    exec(&tx, &format!(
        "INSERT INTO persons (id, first_name, last_name, name_key, email, email_normalized, street, postal_code, city, \
             birthday, tags, lifecycle_stage, do_not_reactivate, dnr_reason, created_at) \
         SELECT gen_random_uuid(), 'Vorname' || i, 'Name' || (i * 7919 % {n}), 'name' || (i * 7919 % {n}) || ' vorname' || i, \
                CASE WHEN i % 10 <> 0 THEN 'p' || i || '@example.de' END, CASE WHEN i % 10 <> 0 THEN 'p' || i || '@example.de' END, \
                'Weg ' || i, lpad(((i * 104729) % 99000 + 1000)::text, 5, '0'), \
                (ARRAY['München','Nürnberg','Hamburg','Berlin','Köln','Frankfurt','Stuttgart','Leipzig'])[i % 8 + 1], \
                date '1940-01-01' + ((i * 37) % 24000)::int, \
                CASE WHEN i % 17 = 0 THEN ARRAY['vip','newsletter'] WHEN i % 5 = 0 THEN ARRAY['newsletter'] ELSE '{{}}'::text[] END, \
                (ARRAY['lead','prospect','customer','customer','ex_customer'])[i % 5 + 1], \
                i % 50 = 0, CASE WHEN i % 50 = 0 THEN 'bad_payer' END, now() - interval '6 years' \
         FROM generate_series(1::bigint, {n}) i")).await;
    // Ten interactions per person on average, over six years (some persons none).
    let interactions = exec(&tx,
        "INSERT INTO interactions (id, person_id, kind, direction, occurred_at, author) \
         SELECT gen_random_uuid(), p.id, (ARRAY['call','email','meeting','letter','note'])[(g + p.k) % 5 + 1], 'outbound', \
                now() - ((abs(hashtext(p.id::text || g)) % 2190) || ' days')::interval, 'bench' \
         FROM (SELECT id, abs(hashtext(id::text)) % 21 AS k FROM persons) p \
         CROSS JOIN LATERAL generate_series(1, p.k) g").await;
    // Two transactions per person on average, for 40% of persons.
    let transactions = exec(&tx, &format!(
        "INSERT INTO transactions (id, person_id, kind, number, amount_minor, currency, issued_on, due_on, paid_on, status) \
         SELECT gen_random_uuid(), p.id, 'invoice', 'R' || p.r || '-' || g, \
                (abs(hashtext(p.id::text || g)) % 200000 + 1000) * CASE WHEN p.r % 20 = 0 THEN 20 ELSE 1 END, 'EUR', \
                d, d + 14, CASE WHEN (p.r + g) % 9 <> 0 THEN d + 14 + ((p.r % 4) * 15)::int END, \
                CASE WHEN (p.r + g) % 9 <> 0 THEN 'paid' ELSE 'open' END \
         FROM (SELECT id, row_number() OVER () AS r FROM persons) p \
         CROSS JOIN LATERAL generate_series(1, 5) g \
         CROSS JOIN LATERAL (SELECT (current_date - (abs(hashtext(p.id::text || 't' || g)) % 1400))::date AS d) dd \
         WHERE p.r % 5 < 2 LIMIT {}", n * 2)).await;
    kartei_contacts::timeline::refresh_all_touches(&tx)
        .await
        .unwrap();
    // Email newsletter consent (double opt-in) for 40% of those with an address.
    let consents = exec(&tx,
        "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, address_hash, actor, content_digest, chain_hash) \
         SELECT gen_random_uuid(), p.id, 'email', 'newsletter', 'confirmed', now() - interval '200 days', 'double_opt_in', \
                p.email_hash, 'bench', '', '' \
         FROM persons p WHERE p.email_hash IS NOT NULL AND abs(hashtext(p.id::text || 'c')) % 100 < 40 ORDER BY p.id").await;
    tx.commit().await.unwrap();
    for t in ["persons", "interactions", "transactions", "consent_events"] {
        let tx = db.begin_tenant(tenant_id).await.unwrap();
        exec(&tx, &format!("ANALYZE {t}")).await;
        tx.commit().await.unwrap();
    }
    let fixture = started.elapsed();
    eprintln!(
        "fixture: {n} persons, {interactions} interactions, {transactions} transactions, {consents} consents in {fixture:.0?}"
    );

    let tx = db.begin_tenant(tenant_id).await.unwrap();
    let t = Instant::now();
    let changes = lifecycle::run(&tx, Utc::now()).await.unwrap();
    let t_lifecycle = t.elapsed();
    tx.commit().await.unwrap();
    // The daily re-run: only persons whose state changes are touched (none here).
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    let t = Instant::now();
    let again = lifecycle::run(&tx, Utc::now()).await.unwrap();
    let t_lifecycle_again = t.elapsed();
    let t = Instant::now();
    let report = abc::run(&tx, Utc::now().date_naive(), "bench")
        .await
        .unwrap();
    let t_abc = t.elapsed();
    tx.commit().await.unwrap();
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    exec(&tx, "ANALYZE abc_results").await;
    exec(&tx, "ANALYZE persons").await;
    tx.commit().await.unwrap();
    eprintln!(
        "lifecycle {t_lifecycle:.1?}: {changes:?}; ABC {t_abc:.1?}: {} customers",
        report.customers
    );

    let now = Utc::now();
    let today = now.date_naive();
    let next_month = (today.checked_add_months(Months::new(1)).unwrap()).month() as i32;
    let year_ago = now.checked_sub_months(Months::new(12)).unwrap();
    let month_ago = now - chrono::Duration::days(30);
    let base = "p.merged_into IS NULL AND p.archived_at IS NULL";
    let cases: Vec<(&'static str, serde_json::Value, String, Vec<Value>)> = vec![
        (
            "A-customers in Bavaria (postal codes 80000-97999)",
            json!({"and": [{"field": "abcClass", "op": "eq", "value": "A"},
                           {"field": "postalCode", "op": "between", "value": ["80000", "97999"]}]}),
            format!(
                "FROM persons p JOIN abc_results a ON a.person_id = p.id \
                     WHERE {base} AND a.class = 'A' AND p.postal_code BETWEEN '80000' AND '97999'"
            ),
            vec![],
        ),
        (
            "ex-customers, not bad payers, with email newsletter consent",
            json!({"and": [{"field": "lifecycleStage", "op": "eq", "value": "ex_customer"},
                           {"not": {"field": "dnrReason", "op": "eq", "value": "bad_payer"}},
                           {"field": "mayContact", "op": "is", "value": true,
                            "filter": {"channel": "email", "purpose": "newsletter"}}]}),
            format!(
                "FROM persons p WHERE {base} AND p.lifecycle_stage = 'ex_customer' \
                     AND p.dnr_reason IS DISTINCT FROM 'bad_payer' AND p.email_hash IS NOT NULL \
                     AND (SELECT e.kind FROM consent_events e WHERE e.person_id = p.id AND e.channel = 'email' \
                          AND (e.purpose = 'newsletter' OR e.purpose IS NULL) ORDER BY e.at DESC, e.seq DESC LIMIT 1) = 'confirmed' \
                     AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.hash = p.email_hash)"
            ),
            vec![],
        ),
        (
            "dormant 12 months with a birthday next month",
            json!({"and": [{"not": {"field": "lastInteractionAt", "op": "withinLast", "value": {"amount": 12, "unit": "months"}}},
                           {"field": "birthday", "op": "monthFromNow", "value": 1}]}),
            format!(
                "FROM persons p WHERE {base} AND (p.last_interaction_at IS NULL OR p.last_interaction_at < $1) \
                     AND extract(month FROM p.birthday)::int = $2"
            ),
            vec![year_ago.into(), next_month.into()],
        ),
        (
            "spent over 5,000 EUR in 12 months, no contact in the last 30 days",
            json!({"and": [{"field": "transactions.sum", "op": "gte", "value": 5000,
                            "filter": {"period": {"withinLast": {"amount": 12, "unit": "months"}}}},
                           {"field": "interactions.count", "op": "eq", "value": 0,
                            "filter": {"period": {"withinLast": {"amount": 30, "unit": "days"}}}}]}),
            format!(
                "FROM persons p JOIN (SELECT person_id FROM transactions WHERE archived_at IS NULL \
                       AND status <> 'cancelled' AND issued_on >= $1 GROUP BY person_id HAVING sum(amount_minor) >= 500000) t \
                     ON t.person_id = p.id WHERE {base} \
                     AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = p.id AND i.archived_at IS NULL AND i.occurred_at >= $2)"
            ),
            vec![year_ago.date_naive().into(), month_ago.into()],
        ),
        (
            "VIP newsletter readers in München called in the last 30 days",
            json!({"and": [{"field": "tags", "op": "hasAll", "value": ["vip", "newsletter"]},
                           {"field": "city", "op": "eq", "value": "München"},
                           {"field": "interactions.count", "op": "gte", "value": 1,
                            "filter": {"kinds": ["call"], "period": {"withinLast": {"amount": 30, "unit": "days"}}}}]}),
            format!(
                "FROM persons p WHERE {base} AND p.tags @> ARRAY['vip','newsletter'] AND p.city = 'München' \
                     AND EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = p.id AND i.archived_at IS NULL \
                                 AND i.kind = 'call' AND i.occurred_at >= $1)"
            ),
            vec![month_ago.into()],
        ),
    ];

    let mut rows = Vec::new();
    for (name, rule, base_from, base_values) in cases {
        let tx = db.begin_tenant(tenant_id).await.unwrap();
        let c = segments::Compiler::load(&tx, now).await.unwrap();
        let cond = c.rule(&rule, None).unwrap();
        tx.commit().await.unwrap();
        let (count_sql, count_values) = compile::count_query(cond.clone());
        let (ids_sql, ids_values) = compile::build(&compile::ids_query(cond.clone()));
        let (page_sql, page_values) = compile::page_query(cond, false, 50);
        let page_count = format!("SELECT count(*) FROM ({page_sql}) x");
        let (t_count, count) = best(db, tenant_id, &count_sql, &count_values, 3).await;
        let base_count = format!("SELECT count(*) {base_from}");
        let (t_base, base_n) = best(db, tenant_id, &base_count, &base_values, 3).await;
        assert_eq!(count, base_n, "{name}: compiled and hand-written disagree");
        let (t_page, _) = best(db, tenant_id, &page_count, &page_values, 3).await;
        let base_page = format!(
            "SELECT count(*) FROM (SELECT {} {base_from} ORDER BY p.name_key, p.id LIMIT 50) x",
            kartei_contacts::persons::READ_COLUMNS
        );
        let (t_base_page, _) = best(db, tenant_id, &base_page, &base_values, 3).await;
        let tx = db.begin_tenant(tenant_id).await.unwrap();
        let plan: Vec<String> = tx
            .query_all_raw(stmt(&format!("EXPLAIN {ids_sql}"), ids_values))
            .await
            .unwrap()
            .into_iter()
            .filter_map(|r| r.try_get_by_index::<String>(0).ok())
            .collect();
        tx.commit().await.unwrap();
        let uses: Vec<String> = plan
            .iter()
            .filter(|l| {
                l.contains("Index")
                    || l.contains("Bitmap")
                    || l.contains("Seq Scan")
                    || l.contains("Join")
            })
            .map(|l| l.trim().split("  (cost").next().unwrap_or("").to_owned())
            .collect();
        eprintln!(
            "{name}: {count} in {t_count:.1?} (hand-written {t_base:.1?}); page {t_page:.1?} vs {t_base_page:.1?}\n  {}",
            uses.join("\n  ")
        );
        rows.push(Row {
            name,
            count,
            t_count,
            t_base,
            t_page,
            t_base_page,
            plan: uses.join("\n"),
        });
    }

    let mut table = String::from(
        "| segment | members | count | hand-written count | ratio | first page (50 by name) | hand-written page | ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut plans = String::new();
    for r in &rows {
        table += &format!(
            "| {} | {} | {} | {} | **{:.2}** | {} | {} | **{:.2}** |\n",
            r.name,
            r.count,
            ms(r.t_count),
            ms(r.t_base),
            r.t_count.as_secs_f64() / r.t_base.as_secs_f64().max(1e-9),
            ms(r.t_page),
            ms(r.t_base_page),
            r.t_page.as_secs_f64() / r.t_base_page.as_secs_f64().max(1e-9),
        );
        plans += &format!("{}:\n{}\n\n", r.name, r.plan);
    }
    let classes: Vec<String> = report
        .classes
        .iter()
        .map(|c| {
            format!(
                "{} {} ({:.0} % of revenue)",
                c.class,
                c.customers,
                c.value_share * 100.0
            )
        })
        .collect();
    let section = format!(
        "<!-- segments:start -->\n\
## Segments: rules compiled to SQL against hand-written queries\n\n\
{machine}, {date}, release build. A tenant of {n} persons, {interactions} interactions, \
{transactions} invoices and {consents} email consents, written set-based in {fixture:.0?}. \
Lifecycle rules, first run over all persons: {tl} ({first_changes} changes, each recorded in \
`lifecycle_events`); the daily re-run: {tl2} ({again_changes} changes). ABC analysis over the \
invoices: {ta} ({classes}). \
Each segment is compiled from its JSON rule (`segments::Compiler::rule`) and run as a count \
and as the first page of 50 members by name; the baseline is a hand-written query for the \
same segment in the same run (both return the same count, asserted). Best of three runs.\n\n\
{table}\n\
Plans of the compiled queries (`EXPLAIN`, scan and join nodes):\n\n```\n{plans}```\n\
<!-- segments:end -->",
        machine = bench::machine(),
        date = Utc::now().format("%Y-%m-%d"),
        tl = ms(t_lifecycle),
        tl2 = ms(t_lifecycle_again),
        first_changes = changes.became_dormant
            + changes.woke_up
            + changes.became_ex_customer
            + changes.became_customer,
        again_changes =
            again.became_dormant + again.woke_up + again.became_ex_customer + again.became_customer,
        ta = ms(t_abc),
        classes = classes.join(", "),
    );
    println!("{section}");
    bench::write_section("segments", &section);
}
