//! The gateway as a graph: one transaction per operation, batched per-row fields (statements
//! counted by PostgreSQL's own `pg_stat_statements`), cost that follows page sizes, fair
//! sharing of the pool between tenants and atomic multi-field mutations. The SDL rules
//! (`totalCount` on every connection, no enum-valued output typed `String`) are checked in
//! `kartei-gateway`'s own tests (`schema::tests`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use futures_util::StreamExt;
use kartei_tests::services::PrivatePostgres;
use kartei_tests::{Account, Redis, TestApp, spawn_app, spawn_app_on};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// `n` persons, each at one of two organizations (as economic buyer), with two interactions
/// and one invoice; written as one aliased mutation per kind (each one transaction).
async fn seed(app: &TestApp, admin: &Account, tenant: &str, n: usize) -> Vec<String> {
    let orgs = app
        .gql(
            "mutation { a: createOrganization(input: {name: \"Bäckerei Sonnenschein\"}) { organization { id } userErrors { field message code } } \
                        b: createOrganization(input: {name: \"Autohaus Huber\"}) { organization { id } userErrors { field message code } } }",
            json!({}),
            Some(&admin.access),
            Some(tenant),
        )
        .await;
    assert!(orgs.code().is_none(), "{}", orgs.body);
    let org = [
        orgs.data()["a"]["organization"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        orgs.data()["b"]["organization"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    let people: String = (0..n)
        .map(|i| {
            format!(
                "p{i}: createPerson(input: {{firstName: \"Vorname{i}\", lastName: \"Name{i}\", \
                 email: \"p{i}@example.de\", city: \"München\"}}) {{ person {{ id }} userErrors {{ field message code }} }} "
            )
        })
        .collect();
    let r = app
        .gql(
            &format!("mutation {{ {people} }}"),
            json!({}),
            Some(&admin.access),
            Some(tenant),
        )
        .await;
    assert!(r.code().is_none(), "{}", r.body);
    let ids: Vec<String> = (0..n)
        .map(|i| {
            r.data()[format!("p{i}")]["person"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let per_person: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let month = 1 + i % 8;
            format!(
                "l{i}: linkPersonToOrganization(input: {{personId: \"{id}\", organizationId: \"{}\", \
                 jobTitle: \"Einkauf\", isPrimary: true, buyingRole: ECONOMIC_BUYER}}) {{ relation {{ isPrimary }} userErrors {{ field message code }} }} \
                 c{i}: createInteraction(input: {{personId: \"{id}\", kind: CALL, direction: OUTBOUND, \
                 occurredAt: \"2026-0{month}-01T10:00:00Z\", summary: \"Anruf\"}}) {{ interaction {{ id }} userErrors {{ field message code }} }} \
                 m{i}: createInteraction(input: {{personId: \"{id}\", kind: MEETING, direction: OUTBOUND, \
                 occurredAt: \"2026-0{month}-15T10:00:00Z\"}}) {{ interaction {{ id }} userErrors {{ field message code }} }} \
                 t{i}: createTransaction(input: {{personId: \"{id}\", kind: INVOICE, number: \"RE-{i}\", \
                 amountMinor: 12900, issuedOn: \"2026-03-01\"}}) {{ transaction {{ id }} userErrors {{ field message code }} }} ",
                org[i % 2],
            )
        })
        .collect();
    // In slices, to stay under the complexity limit.
    for slice in per_person.chunks(25) {
        let r = app
            .gql(
                &format!("mutation {{ {} }}", slice.concat()),
                json!({}),
                Some(&admin.access),
                Some(tenant),
            )
            .await;
        assert!(r.code().is_none(), "{}", r.body);
    }
    ids
}

const NESTED: &str = "query($n: Int!) { persons(first: $n) { totalCount edges { node { id displayName \
    organizations { jobTitle buyingRole organization { id name } } \
    quality { score } \
    timeline(first: 3) { totalCount edges { node { __typename \
        ... on InteractionEntry { interaction { kind } } \
        ... on TransactionEntry { transaction { kind } } } } } \
    consents { channel kind } } } } }";

/// Statements the server ran in tenant schemas since the last reset (platform statements,
/// which name their schema, and the counter's own are left out).
async fn tenant_statements(db: &kartei_tenancy::db::Db) -> (i64, Vec<(String, i64)>) {
    let rows = db
        .platform()
        .query_all_raw(kartei_tenancy::tenants::stmt(
            "SELECT query, calls FROM pg_stat_statements \
             WHERE query NOT ILIKE '%pg_stat_statements%' AND query NOT ILIKE '%platform.%' \
             ORDER BY calls DESC",
            vec![],
        ))
        .await
        .unwrap();
    let list: Vec<(String, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "query").unwrap(),
                r.try_get::<i64>("", "calls").unwrap(),
            )
        })
        .collect();
    (list.iter().map(|(_, c)| c).sum(), list)
}

async fn reset_statements(db: &kartei_tenancy::db::Db) {
    db.platform()
        .execute_unprepared("SELECT pg_stat_statements_reset()")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_nested_page_runs_the_same_statements_for_5_rows_as_for_50() {
    let pg = PrivatePostgres::start_with(
        "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all",
    )
    .await;
    // No in-process worker: the only statements in tenant schemas are the request's.
    let app = spawn_app_on(Redis::Memory, None, Some(pg.url()), |s| {
        s.worker.in_process = false;
    })
    .await;
    app.db
        .platform()
        .execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .await
        .unwrap();
    let admin = app.sign_up().await;
    let tenant = app.create_tenant(&admin, "Graph").await;
    seed(&app, &admin, &tenant, 50).await;

    let mut counts = Vec::new();
    for n in [5, 50] {
        reset_statements(&app.db).await;
        let r = app
            .gql(NESTED, json!({"n": n}), Some(&admin.access), Some(&tenant))
            .await;
        assert!(r.code().is_none(), "{}", r.body);
        let edges = r.data()["persons"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        assert_eq!(r.data()["persons"]["totalCount"], 50);
        for e in edges {
            let node = &e["node"];
            assert_eq!(node["organizations"].as_array().unwrap().len(), 1, "{node}");
            let org = &node["organizations"][0]["organization"]["name"];
            assert!(
                org == "Bäckerei Sonnenschein" || org == "Autohaus Huber",
                "{node}"
            );
            assert_eq!(node["organizations"][0]["buyingRole"], "ECONOMIC_BUYER");
            assert_eq!(node["timeline"]["totalCount"], 3, "{node}");
            assert_eq!(node["timeline"]["edges"].as_array().unwrap().len(), 3);
            assert!(node["quality"]["score"].as_i64().unwrap() > 0);
        }
        let (total, list) = tenant_statements(&app.db).await;
        println!("persons(first: {n}) nested: {total} statements in tenant schemas");
        for (q, c) in &list {
            println!(
                "  {c:>3} x {}",
                q.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
        counts.push(total);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements must not grow with the rows: 5 rows {}, 50 rows {}",
        counts[0], counts[1]
    );
    // One transaction: BEGIN, the scope SETs, the statements, COMMIT.
    assert!(counts[1] < 30, "{counts:?}");
}

#[tokio::test]
async fn one_tenant_cannot_hold_more_than_its_share_while_another_is_served() {
    // 8 connections; a tenant may hold a quarter of them (2). A database of its own: the
    // workers of other tests' apps share the common test database's job queue and would open
    // transactions in this tenant for its search jobs.
    let database = format!("{}_fairshare", kartei_tests::database_url());
    let app = spawn_app_on(Redis::Shared, None, Some(database), |s| {
        s.database.max_connections = 8;
        s.database.tenant_share = 0.25;
        s.database.tenant_wait_ms = 60_000;
        // Jobs are not requests: with no in-process worker, A's connections are its requests'.
        s.worker.in_process = false;
        s.limits.api_per_minute = 600_000;
        s.limits.api_burst = 100_000;
    })
    .await;
    let admin = app.sign_up().await;
    let a = app.create_tenant(&admin, "Laut").await;
    let b = app.create_tenant(&admin, "Leise").await;
    seed(&app, &admin, &a, 30).await;
    let a_schema = format!("kartei t_{}", a.replace('-', ""));

    // Watch A's connections in pg_stat_activity (the tenant transaction names its tenant).
    let done = Arc::new(AtomicBool::new(false));
    let max_held = Arc::new(AtomicI64::new(0));
    let watcher = {
        let (db, done, max_held, name) = (
            app.db.clone(),
            done.clone(),
            max_held.clone(),
            a_schema.clone(),
        );
        tokio::spawn(async move {
            let mut samples = 0u64;
            while !done.load(Ordering::SeqCst) {
                let row = db
                    .platform()
                    .query_one_raw(kartei_tenancy::tenants::stmt(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1",
                        vec![name.clone().into()],
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                let n: i64 = row.try_get("", "n").unwrap();
                max_held.fetch_max(n, Ordering::SeqCst);
                samples += 1;
                tokio::task::yield_now().await;
            }
            samples
        })
    };

    let heavy = "{ persons(first: 30) { edges { node { duplicates { score } \
        organizations { organization { name people { person { displayName } } } } \
        timeline(first: 10) { edges { node { __typename } } } } } } }";
    let storm = futures_util::stream::iter(0..50)
        .map(|_| app.gql(heavy, json!({}), Some(&admin.access), Some(&a)))
        .buffer_unordered(50)
        .collect::<Vec<_>>();
    let quiet = async {
        let mut codes = Vec::new();
        for _ in 0..20 {
            let r = app
                .gql(
                    "{ settings(first: 5) { totalCount edges { node { key } } } }",
                    json!({}),
                    Some(&admin.access),
                    Some(&b),
                )
                .await;
            codes.push(r.code().map(str::to_owned));
        }
        codes
    };
    let (heavy_replies, quiet_codes) = tokio::join!(storm, quiet);
    done.store(true, Ordering::SeqCst);
    let samples = watcher.await.unwrap();

    let a_ok = heavy_replies.iter().filter(|r| r.code().is_none()).count();
    let a_codes: Vec<_> = heavy_replies.iter().filter_map(|r| r.code()).collect();
    let held = max_held.load(Ordering::SeqCst);
    println!(
        "tenant A: 50 heavy queries, {a_ok} answered, other codes {a_codes:?}; \
         at most {held} connections held by A ({samples} samples); tenant B: {quiet_codes:?}"
    );
    assert!(
        quiet_codes.iter().all(Option::is_none),
        "tenant B: {quiet_codes:?}"
    );
    assert!(held <= 2, "tenant A held {held} connections (share 2)");
    assert!(held >= 1, "the watcher never saw tenant A's transactions");
    assert!(a_codes.iter().all(|c| *c == "UNAVAILABLE"), "{a_codes:?}");
}

#[tokio::test]
async fn a_refused_share_answers_unavailable_with_retry_after() {
    let database = format!("{}_fairshare", kartei_tests::database_url());
    let app = spawn_app_on(Redis::Shared, None, Some(database), |s| {
        s.worker.in_process = false;
        s.database.max_connections = 4;
        s.database.tenant_share = 0.25;
        s.database.tenant_wait_ms = 0;
    })
    .await;
    let admin = app.sign_up().await;
    let tenant = app.create_tenant(&admin, "Voll").await;
    // Hold the tenant's only slot open from the outside: a mutation that waits on a row lock
    // we hold keeps its transaction (and its slot) until we let go.
    let tid: kartei_core::id::TenantId = tenant.parse().unwrap();
    let blocker = app.db.begin_tenant(tid).await.unwrap();
    blocker
        .execute_unprepared("LOCK TABLE settings IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let slow = {
        let (url, token, t) = (app.url.clone(), admin.access.clone(), tenant.clone());
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{url}/graphql"))
                .header("authorization", format!("Bearer {token}"))
                .header("x-tenant-id", t)
                .json(&json!({"query": "{ settings(first: 1) { edges { node { key } } } }"}))
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    // The slow request has taken the slot once its statement waits on our lock.
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
         AND application_name = 'kartei t_{}'",
        tenant.replace('-', "")
    );
    loop {
        let waiting = app.scalar_i64(&sql).await;
        if waiting > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let r = app
        .gql(
            "{ settings(first: 1) { edges { node { key } } } }",
            json!({}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("UNAVAILABLE"), "{}", r.body);
    assert_eq!(r.status.as_u16(), 503);
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    assert_eq!(r.body["errors"][0]["extensions"]["retryAfter"], 1);
    blocker.commit().await.unwrap();
    assert_eq!(slow.await.unwrap().as_u16(), 200);
    println!(
        "second request of a tenant at its share: {} {}",
        r.status, r.body
    );
}

#[tokio::test]
async fn cost_grows_with_page_size() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let tenant = app.create_tenant(&admin, "Kosten").await;
    let aliases: String = (0..48)
        .map(|i| {
            format!(
                "a{i}: persons(first: 100) {{ edges {{ node {{ duplicates {{ score }} }} }} }} "
            )
        })
        .collect();
    let r = app
        .gql(
            &format!("{{ {aliases} }}"),
            json!({}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("QUERY_TOO_COMPLEX"), "{}", r.body);
    println!(
        "48 aliases of persons(first: 100) {{ duplicates }}: {}",
        r.body["errors"][0]["message"]
    );

    let one = "{ persons(first: 100) { totalCount edges { cursor node { id displayName email \
        organizations { jobTitle organization { name } } quality { score } \
        timeline(first: 3) { edges { node { __typename } } } } } } }";
    let r = app
        .gql(one, json!({}), Some(&admin.access), Some(&tenant))
        .await;
    assert!(r.code().is_none(), "{}", r.body);
    assert_eq!(r.data()["persons"]["totalCount"], 0);

    // A page size out of range is the field's own refusal, naming the argument, before any
    // row or child is loaded (the cost counts it as one row).
    let huge = "{ persons(first: 100000) { edges { node { id duplicates { score } } } } }";
    let r = app
        .gql(huge, json!({}), Some(&admin.access), Some(&tenant))
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    assert!(r.body.to_string().contains("first"), "{}", r.body);
}

/// A mutation that answers `userErrors` writes nothing, and the other mutations of the same
/// request keep theirs; a field that fails outright (a top-level error) rolls the whole
/// request back and answers no data.
#[tokio::test]
async fn user_errors_undo_their_mutation_and_a_failed_field_undoes_the_request() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let tenant = app.create_tenant(&admin, "Atomar").await;
    let count = "{ persons(first: 1) { totalCount } organizations(first: 1) { totalCount } }";
    let totals = |r: &kartei_tests::Reply| {
        (
            r.data()["persons"]["totalCount"].as_i64().unwrap(),
            r.data()["organizations"]["totalCount"].as_i64().unwrap(),
        )
    };

    let r = app
        .gql(
            "mutation { ok: createPerson(input: {lastName: \"Gut\"}) { person { lastName } userErrors { code } } \
                        org: createOrganization(input: {name: \"Firma\"}) { organization { name } userErrors { code } } \
                        bad: createPerson(input: {lastName: \"Schlecht\", email: \"kein-at\"}) { person { id } userErrors { field message code } } }",
            json!({}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    assert_eq!(
        r.data()["ok"],
        json!({"person": {"lastName": "Gut"}, "userErrors": []})
    );
    assert_eq!(r.data()["org"]["organization"]["name"], "Firma");
    assert_eq!(r.data()["bad"]["person"], Value::Null);
    let bad = &r.data()["bad"]["userErrors"];
    assert_eq!(bad[0]["field"], json!(["input", "email"]), "{}", r.body);
    assert_eq!(bad[0]["code"], "VALIDATION_FAILED");
    assert!(bad[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    let after = app
        .gql(count, json!({}), Some(&admin.access), Some(&tenant))
        .await;
    assert_eq!(totals(&after), (1, 1), "{}", after.body);
    let audited = app
        .tenant_i64(
            &tenant,
            "SELECT count(*) FROM audit_log WHERE action = 'person.created'",
        )
        .await;
    assert_eq!(audited, 1, "only the kept person is audited");

    // A member may create persons but not picklists: FORBIDDEN is no user error, so the
    // request is rolled back as a whole, the person with it.
    let member = app.create_user(&admin, false).await;
    let r = app
        .gql(
            "mutation($e: String!) { setMember(input: {email: $e, role: MEMBER}) { member { role } userErrors { field message code } } }",
            json!({"e": member.email}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let r = app
        .gql(
            "mutation { p: createPerson(input: {lastName: \"Drei\"}) { person { id } userErrors { code } } \
                        x: createPicklist(input: {key: \"stufe\", label: \"Stufe\"}) { picklist { key } userErrors { field message code } } }",
            json!({}),
            Some(&member.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("FORBIDDEN"), "{}", r.body);
    assert_eq!(r.body["data"], Value::Null, "{}", r.body);
    let after = app
        .gql(count, json!({}), Some(&admin.access), Some(&tenant))
        .await;
    assert_eq!(
        totals(&after),
        (1, 1),
        "the first field's person was kept: {}",
        after.body
    );

    // The same without the bad field commits both, once.
    let r = app
        .gql(
            "mutation { a: createPerson(input: {lastName: \"Eins\"}) { person { id } userErrors { code } } \
                        b: createPerson(input: {lastName: \"Zwei\"}) { person { id } userErrors { code } } }",
            json!({}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert!(r.code().is_none(), "{}", r.body);
    let after = app
        .gql(count, json!({}), Some(&admin.access), Some(&tenant))
        .await;
    assert_eq!(totals(&after), (3, 1));
    println!(
        "user errors: that mutation undone, its siblings kept; FORBIDDEN field: request undone"
    );
}

#[tokio::test]
async fn a_missing_record_is_null_and_leaves_its_siblings() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let tenant = app.create_tenant(&admin, "Lücke").await;
    let r = app
        .gql(
            "query($id: ID!) { person(id: $id) { id } organization(id: $id) { id } \
             persons(first: 1) { totalCount } currentTenant { name } }",
            json!({"id": uuid::Uuid::new_v4().to_string()}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(r.data()["person"], Value::Null);
    assert_eq!(r.data()["organization"], Value::Null);
    assert_eq!(r.data()["persons"]["totalCount"], 0, "{}", r.body);
    assert_eq!(r.data()["currentTenant"]["name"], "Lücke");
    // The two lookups run concurrently: their errors come in either order.
    let mut codes: Vec<(String, String)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"][0].as_str().unwrap_or_default().to_owned(),
                e["extensions"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        vec![
            ("organization".to_owned(), "NOT_FOUND".to_owned()),
            ("person".to_owned(), "NOT_FOUND".to_owned())
        ],
        "{}",
        r.body
    );
    println!(
        "missing person and organization: null with NOT_FOUND, siblings intact: {}",
        r.body
    );

    // An unknown organization's timeline is NOT_FOUND too, not an empty list.
    let r = app
        .gql(
            "query($id: ID!) { organizationTimeline(id: $id) { totalCount } }",
            json!({"id": uuid::Uuid::new_v4().to_string()}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("NOT_FOUND"), "{}", r.body);
}

/// Users are objects: a record's owner and every actor link to a `User`, shown only while
/// that user is a member of the tenant (or an admin of its agency): a member who has left
/// reads as null, never as their name and email. An owner from another agency is refused.
#[tokio::test]
async fn users_are_linked_and_only_visible_within_the_tenant() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let tenant = app.create_tenant(&admin, "Besitzer").await;
    let colleague = app.create_user(&admin, false).await;
    let set = "mutation($e: String!) { setMember(input: {email: $e, role: MEMBER}) { member { role } userErrors { field message code } } }";
    let r = app
        .gql(
            set,
            json!({"e": colleague.email}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let me = "{ me { id } }";
    let id_of = |r: &kartei_tests::Reply| r.data()["me"]["id"].as_str().unwrap().to_owned();
    let colleague_id = id_of(&app.gql(me, json!({}), Some(&colleague.access), None).await);
    let stranger = app.sign_up().await; // another agency
    let stranger_id = id_of(&app.gql(me, json!({}), Some(&stranger.access), None).await);

    let create = "mutation($o: ID) { createPerson(input: {firstName: \"Olga\", lastName: \"Owner\", ownerId: $o}) { person { id } userErrors { field message code } } }";
    let r = app
        .gql(
            create,
            json!({"o": stranger_id}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    let r = app
        .gql(
            create,
            json!({"o": colleague_id}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let person = r.data()["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let q = "query($p: ID!) { person(id: $p) { ownerId owner { id email displayName } } }";
    let r = app
        .gql(
            q,
            json!({"p": person}),
            Some(&colleague.access),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let d = r.data();
    assert_eq!(d["person"]["owner"]["id"], colleague_id.as_str(), "{d}");
    assert_eq!(
        d["person"]["owner"]["email"],
        colleague.email.as_str(),
        "{d}"
    );
    let audit = "{ auditLog(first: 1) { edges { node { action actor { label kind user { id email } } } } } }";
    let r = app
        .gql(audit, json!({}), Some(&admin.access), Some(&tenant))
        .await;
    let d = r.data();
    // The colleague's read of the person is the latest audit entry, linked to them.
    let entry = &d["auditLog"]["edges"][0]["node"];
    assert_eq!(entry["action"], "person.viewed", "{d}");
    assert_eq!(entry["actor"]["kind"], "USER", "{d}");
    assert_eq!(
        entry["actor"]["user"]["email"],
        colleague.email.as_str(),
        "{d}"
    );

    // The colleague leaves the tenant: the id stays, the name and email are no longer shown.
    let r = app
        .gql(
            "mutation($u: ID!) { removeMember(input: {userId: $u}) { removed userErrors { field message code } } }",
            json!({"u": colleague_id}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let r = app
        .gql(q, json!({"p": person}), Some(&admin.access), Some(&tenant))
        .await;
    let d = r.data();
    assert_eq!(d["person"]["ownerId"], colleague_id.as_str(), "{d}");
    assert!(
        d["person"]["owner"].is_null(),
        "a former member is still shown: {d}"
    );
}

#[tokio::test]
async fn node_finds_by_global_id_and_answers_not_found_alike_for_strangers() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let other = app.create_tenant(&owner, "Anderer Kunde").await;
    let t = Some(owner.access.as_str());
    let create = "mutation { p: createPerson(input: {firstName: \"Ida\", lastName: \"Kern\"}) { person { id } userErrors { field message code } } \
                  o: createOrganization(input: {name: \"Kern & Co\"}) { organization { id } userErrors { field message code } } }";
    let ours = app.gql(create, json!({}), t, Some(&tenant)).await;
    let theirs = app.gql(create, json!({}), t, Some(&other)).await;
    assert!(
        ours.code().is_none() && theirs.code().is_none(),
        "{}",
        ours.body
    );
    let person = ours.data()["p"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org = ours.data()["o"]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let strangers_person = theirs.data()["p"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(person, org);
    assert!(
        uuid::Uuid::try_parse(&person).is_err(),
        "ids are opaque: {person}"
    );

    // Found by its id, as the type the id names, with fields of the type.
    let q = "query($id: ID!) { node(id: $id) { __typename id ... on Person { lastName } ... on Organization { name } } }";
    let p = app.gql(q, json!({"id": person}), t, Some(&tenant)).await;
    assert!(p.code().is_none(), "{}", p.body);
    assert_eq!(p.data()["node"]["__typename"], "Person");
    assert_eq!(p.data()["node"]["id"], person.as_str());
    assert_eq!(p.data()["node"]["lastName"], "Kern");
    let o = app.gql(q, json!({"id": org}), t, Some(&tenant)).await;
    assert_eq!(o.data()["node"]["name"], "Kern & Co", "{}", o.body);

    // Another tenant's id, a malformed id, a bare UUID, an id whose key is of another type:
    // one answer, NOT_FOUND with the same message, and nothing of the record.
    let wrong_type = kartei_gateway::node::id(
        kartei_gateway::node::Kind::Segment,
        kartei_tests::uuid(&person).parse().unwrap(),
    )
    .0;
    let mut messages = std::collections::BTreeSet::new();
    for id in [
        strangers_person.as_str(),
        "not-an-id",
        &kartei_tests::uuid(&person),
        &wrong_type,
    ] {
        let r = app.gql(q, json!({"id": id}), t, Some(&tenant)).await;
        assert_eq!(r.code(), Some("NOT_FOUND"), "{id}: {}", r.body);
        assert!(r.data()["node"].is_null(), "{}", r.body);
        assert!(!r.body.to_string().contains("Kern"), "{}", r.body);
        messages.insert(r.body["errors"][0]["message"].to_string());
    }
    assert_eq!(messages.len(), 1, "one answer for all: {messages:?}");

    // nodes: in order, null where not found.
    let r = app
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": [org, strangers_person, person]}),
            t,
            Some(&tenant),
        )
        .await;
    assert!(r.code().is_none(), "{}", r.body);
    assert_eq!(
        r.data()["nodes"],
        json!([{"id": org}, null, {"id": person}])
    );

    // A missing person(id:) is null with an error; its siblings are intact.
    let r = app
        .gql(
            "query($id: ID!) { person(id: $id) { id } currentTenant { name } }",
            json!({"id": strangers_person}),
            t,
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("NOT_FOUND"), "{}", r.body);
    assert!(r.data()["person"].is_null());
    assert_eq!(
        r.data()["currentTenant"]["name"],
        "Testkunde GmbH",
        "{}",
        r.body
    );

    // The header takes the tenant's global id as well as its UUID.
    let gid =
        kartei_gateway::node::id(kartei_gateway::node::Kind::Tenant, tenant.parse().unwrap()).0;
    let r = app.gql(q, json!({"id": person}), t, Some(&gid)).await;
    assert_eq!(r.data()["node"]["lastName"], "Kern", "{}", r.body);

    // The other entities are nodes too: a link (keyed by its two ends) and an interaction,
    // found in their tenant and nowhere else.
    let r = app
        .gql(
            "mutation($p: ID!, $o: ID!) { \
               l: linkPersonToOrganization(input: {personId: $p, organizationId: $o, jobTitle: \"Chefin\"}) { relation { id } userErrors { code } } \
               i: createInteraction(input: {personId: $p, kind: CALL, direction: OUTBOUND, subject: \"Anruf\"}) { interaction { id } userErrors { code } } }",
            json!({"p": person, "o": org}),
            t,
            Some(&tenant),
        )
        .await;
    assert!(
        r.user_errors().is_empty() && r.code().is_none(),
        "{}",
        r.body
    );
    let relation = r.data()["l"]["relation"]["id"].as_str().unwrap().to_owned();
    let interaction = r.data()["i"]["interaction"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = "query($id: ID!) { node(id: $id) { __typename id \
             ... on Relation { jobTitle person { lastName } organization { name } } \
             ... on Interaction { subject } } }";
    let r = app.gql(q, json!({"id": relation}), t, Some(&tenant)).await;
    assert_eq!(
        r.data()["node"],
        json!({"__typename": "Relation", "id": relation, "jobTitle": "Chefin",
               "person": {"lastName": "Kern"}, "organization": {"name": "Kern & Co"}}),
        "{}",
        r.body
    );
    let r = app
        .gql(q, json!({"id": interaction}), t, Some(&tenant))
        .await;
    assert_eq!(r.data()["node"]["subject"], "Anruf", "{}", r.body);
    for id in [&relation, &interaction] {
        let r = app.gql(q, json!({"id": id}), t, Some(&other)).await;
        assert_eq!(r.code(), Some("NOT_FOUND"), "{}", r.body);
    }

    // Records keyed within the tenant (a member, a setting) and the tenant itself are nodes
    // as well; the tenant is found without a tenant header, by who may see it.
    let r = app
        .gql(
            "mutation { setSetting(input: {key: \"ui.theme\", value: \"dunkel\"}) { setting { id } userErrors { field message code } } }",
            json!({}),
            t,
            Some(&tenant),
        )
        .await;
    let setting = r.data()["setSetting"]["setting"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .gql(
            "{ currentTenant { id } members(first: 1) { edges { node { id email } } } }",
            json!({}),
            t,
            Some(&tenant),
        )
        .await;
    let tenant_id = r.data()["currentTenant"]["id"].as_str().unwrap().to_owned();
    let member = r.data()["members"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = "query($id: ID!) { node(id: $id) { __typename id \
             ... on Setting { key value } ... on Member { email } ... on Tenant { name } } }";
    let r = app.gql(q, json!({"id": setting}), t, Some(&tenant)).await;
    assert_eq!(r.data()["node"]["value"], "dunkel", "{}", r.body);
    let r = app.gql(q, json!({"id": member}), t, Some(&tenant)).await;
    assert_eq!(
        r.data()["node"]["email"],
        owner.email.as_str(),
        "{}",
        r.body
    );
    let r = app.gql(q, json!({"id": tenant_id}), t, None).await;
    assert_eq!(r.data()["node"]["name"], "Testkunde GmbH", "{}", r.body);
    for id in [&setting, &member] {
        let r = app.gql(q, json!({"id": id}), t, Some(&other)).await;
        assert_eq!(r.code(), Some("NOT_FOUND"), "{}", r.body);
    }
    let stranger = app.sign_up().await;
    let r = app
        .gql(q, json!({"id": tenant_id}), Some(&stranger.access), None)
        .await;
    assert_eq!(r.code(), Some("NOT_FOUND"), "{}", r.body);

    // nodes takes at most 100 ids.
    let many: Vec<&str> = std::iter::repeat_n(person.as_str(), 101).collect();
    let r = app
        .gql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({"ids": many}),
            t,
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    assert!(r.fields()["ids"].is_string(), "{}", r.body);
}
