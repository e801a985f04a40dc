//! Contact search, end to end: one contract suite run against every configured backend (the
//! in-database one always; Meilisearch whenever `MEILISEARCH_URL` points at a server). Each run
//! has its own PostgreSQL, so its worker (with that backend) is the only one draining.

use std::time::{Duration, Instant};

use kartei_tests::services::{PrivatePostgres, free_port};
use kartei_tests::{Redis, TestApp, spawn_app_on};
use serde_json::{Value, json};

const SEARCH: &str = "query($q: String!, $f: SearchFilterInput, $facets: [SearchFacet!], $first: Int, $after: String, $last: Int, $before: String) {
  searchContacts(query: $q, filters: $f, facets: $facets, first: $first, after: $after, last: $last, before: $before) {
    totalCount totalCountExact tookMs backend
    edges { cursor node { contactId kind name organizationName city email phones tags highlights { field html }
      person { id displayName } organization { id name } } }
    facets { facet values { value count } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }";

const STATUS: &str =
    "{ searchStatus { backend pendingChanges lagSeconds lastDrainedAt failures lastError } }";

async fn ok(app: &TestApp, t: &str, tenant: &str, q: &str, vars: Value) -> Value {
    let r = app.gql(q, vars, Some(t), Some(tenant)).await;
    assert!(r.body["errors"].is_null(), "{q}: {}", r.body);
    r.body["data"].clone()
}

async fn search(app: &TestApp, t: &str, tenant: &str, vars: Value) -> Value {
    ok(app, t, tenant, SEARCH, vars).await["searchContacts"].clone()
}

/// The hits of a search connection, in order.
fn hits(res: &Value) -> Vec<Value> {
    res["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn names(res: &Value) -> Vec<String> {
    hits(res)
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids of the hits, each checked against the record it links to.
fn ids(res: &Value) -> Vec<String> {
    hits(res)
        .iter()
        .map(|h| {
            let id = h["contactId"].as_str().unwrap().to_owned();
            let linked = match h["kind"].as_str() {
                Some("PERSON") => &h["person"]["id"],
                _ => &h["organization"]["id"],
            };
            assert_eq!(
                linked.as_str(),
                Some(id.as_str()),
                "a hit links its record: {h}"
            );
            id
        })
        .collect()
}

/// Waits until the outbox is drained; returns the largest lag seen (seconds).
async fn wait_indexed(app: &TestApp, t: &str, tenant: &str) -> f64 {
    let start = Instant::now();
    let mut max_lag = 0f64;
    loop {
        let s = ok(app, t, tenant, STATUS, json!({})).await["searchStatus"].clone();
        max_lag = max_lag.max(s["lagSeconds"].as_f64().unwrap());
        if s["pendingChanges"].as_i64() == Some(0) && !s["lastDrainedAt"].is_null() {
            return max_lag;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "outbox not drained: {s}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Fixture {
    max: String,
    anna: String,
    brewery: String,
}

async fn person(app: &TestApp, t: &str, tenant: &str, input: Value) -> String {
    let q = "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }";
    ok(app, t, tenant, q, json!({ "i": input })).await["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The same people in every tenant, so a leak would show as a foreign id.
async fn fill(app: &TestApp, t: &str, tenant: &str) -> Fixture {
    let max = person(
        app,
        t,
        tenant,
        json!({"firstName": "Max", "lastName": "Wachowski", "city": "München",
        "postalCode": "80331", "phone": "+49 89 1234567", "email": "max.wachowski@example.de",
        "tags": ["vip"], "lifecycleStage": "CUSTOMER"}),
    )
    .await;
    let anna = person(
        app,
        t,
        tenant,
        json!({"firstName": "Anna", "lastName": "Müller", "city": "Köln",
        "tags": ["newsletter"], "lifecycleStage": "LEAD"}),
    )
    .await;
    person(
        app,
        t,
        tenant,
        json!({"firstName": "Annabelle", "lastName": "Schmidt", "city": "Köln",
        "tags": ["newsletter", "vip"], "lifecycleStage": "PROSPECT"}),
    )
    .await;
    let jonas = person(
        app,
        t,
        tenant,
        json!({"firstName": "Jonas", "lastName": "Becker", "city": "Berlin",
        "lifecycleStage": "CUSTOMER"}),
    )
    .await;
    let org = "mutation($i: OrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { field message code } } }";
    let brewery = ok(
        app,
        t,
        tenant,
        org,
        json!({"i": {"name": "Brauerei Schneider GmbH",
        "industry": "gastronomie", "city": "Bamberg"}}),
    )
    .await["createOrganization"]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let link = "mutation($i: RelationInput!) { linkPersonToOrganization(input: $i) { relation { personId } userErrors { field message code } } }";
    ok(
        app,
        t,
        tenant,
        link,
        json!({"i": {"personId": jonas, "organizationId": brewery, "isPrimary": true}}),
    )
    .await;
    Fixture { max, anna, brewery }
}

/// An app on a PostgreSQL of its own (so its worker is the only one draining), searching in
/// Meilisearch at `meilisearch` or in the database.
async fn search_app(meilisearch: &Option<String>) -> (PrivatePostgres, TestApp) {
    let pg = PrivatePostgres::start().await;
    let app = spawn_app_on(Redis::Memory, None, Some(pg.url()), |s| {
        s.search.meilisearch_url = meilisearch.clone();
        s.search.meilisearch_api_key = std::env::var("MEILISEARCH_API_KEY").ok().map(Into::into);
    })
    .await;
    (pg, app)
}

async fn contract(meilisearch: Option<String>) {
    let (pg, app) = search_app(&meilisearch).await;
    let (owner, a) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let b = app.create_tenant(&owner, "Zweiter Mandant").await;
    let fa = fill(&app, t, &a).await;
    let fb = fill(&app, t, &b).await;
    let lag_a = wait_indexed(&app, t, &a).await;
    wait_indexed(&app, t, &b).await;
    let backend = if meilisearch.is_some() {
        "meilisearch"
    } else {
        "postgres"
    };
    eprintln!("[{backend}] fixture indexed; largest lag seen {lag_a:.2} s");

    if let Some(url) = &meilisearch {
        first_search_of_a_new_process(url, &pg, &owner.email, &a).await;
    }

    // Typos and folding.
    let r = search(&app, t, &a, json!({"q": "Wachowsky"})).await;
    assert_eq!(r["backend"], backend);
    assert_eq!(ids(&r), vec![fa.max.clone()], "Wachowsky: {r}");
    assert!(
        r["edges"][0]["node"]["highlights"]
            .to_string()
            .contains("<mark>Wachowski</mark>"),
        "{r}"
    );
    for q in ["Mueller", "muller", "Müller", "MÜLLER"] {
        let r = search(&app, t, &a, json!({"q": q})).await;
        assert_eq!(ids(&r), vec![fa.anna.clone()], "{q}: {r}");
    }
    let r = search(&app, t, &a, json!({"q": "+49 89 1234"})).await;
    assert_eq!(ids(&r), vec![fa.max.clone()], "phone: {r}");
    assert_eq!(
        r["edges"][0]["node"]["highlights"][0]["field"], "phone",
        "{r}"
    );
    let r = search(&app, t, &a, json!({"q": "089 1234"})).await;
    assert_eq!(ids(&r), vec![fa.max.clone()], "national phone: {r}");
    // A misspelt company finds the organization and the person working there.
    let r = search(&app, t, &a, json!({"q": "Schnieder"})).await;
    let found = ids(&r);
    assert!(found.contains(&fa.brewery), "Schnieder: {r}");
    assert!(names(&r).contains(&"Jonas Becker".to_owned()), "{r}");
    // Prefixes, and exact words before prefixes.
    let r = search(&app, t, &a, json!({"q": "anna"})).await;
    assert_eq!(
        names(&r),
        vec!["Anna Müller", "Annabelle Schmidt"],
        "anna: {r}"
    );
    let r = search(&app, t, &a, json!({"q": "max.wachowski@example.de"})).await;
    assert_eq!(ids(&r), vec![fa.max.clone()], "email: {r}");
    println!(
        "[{backend}] typos and folding: Wachowsky, Mueller/muller/Müller/MÜLLER, +49 89 1234, 089 1234, Schnieder, anna, e-mail: all as expected"
    );

    // Facets and filters.
    let r = search(
        &app,
        t,
        &a,
        json!({"q": "", "facets": ["CITY", "TAGS", "KIND", "LIFECYCLE_STAGE", "INDUSTRY"]}),
    )
    .await;
    assert_eq!(r["totalCount"], 5, "{r}");
    let facet = |r: &Value, f: &str, v: &str| -> i64 {
        r["facets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["facet"] == f)
            .unwrap()["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["value"] == v)
            .map_or(0, |x| x["count"].as_i64().unwrap())
    };
    assert_eq!(facet(&r, "CITY", "Köln"), 2);
    assert_eq!(facet(&r, "TAGS", "vip"), 2);
    assert_eq!(facet(&r, "KIND", "organization"), 1);
    assert_eq!(facet(&r, "LIFECYCLE_STAGE", "customer"), 2);
    assert_eq!(
        facet(&r, "INDUSTRY", "gastronomie"),
        2,
        "the organization and its person: {r}"
    );
    let r = search(
        &app,
        t,
        &a,
        json!({"q": "", "f": {"cities": ["Köln"], "tags": ["vip"]}}),
    )
    .await;
    assert_eq!(names(&r), vec!["Annabelle Schmidt"], "{r}");
    let r = search(
        &app,
        t,
        &a,
        json!({"q": "ann", "f": {"kind": "ORGANIZATION"}}),
    )
    .await;
    assert_eq!(r["totalCount"], 0, "{r}");
    // Paging.
    let p1 = search(&app, t, &a, json!({"q": "", "first": 2})).await;
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    let p2 = search(
        &app,
        t,
        &a,
        json!({"q": "", "first": 2, "after": p1["pageInfo"]["endCursor"]}),
    )
    .await;
    let (n1, n2) = (names(&p1), names(&p2));
    assert_eq!(n2.len(), 2);
    assert!(n1.iter().all(|n| !n2.contains(n)), "{n1:?} {n2:?}");
    assert_eq!(p1["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(p2["pageInfo"]["hasPreviousPage"], true);
    // And back: the two hits before page 2 are page 1 again.
    let back = search(
        &app,
        t,
        &a,
        json!({"q": "", "last": 2, "before": p2["pageInfo"]["startCursor"]}),
    )
    .await;
    assert_eq!(names(&back), n1, "{back}");
    assert_eq!(back["pageInfo"]["hasPreviousPage"], false);
    println!(
        "[{backend}] facets (city, tags, kind, stage, industry), filters and paging: as expected"
    );

    // Tenants never see each other's hits, with the same names in both.
    for q in ["Wachowski", "Müller", "anna", "", "Schneider", "+49 89"] {
        let ra = ids(&search(&app, t, &a, json!({"q": q, "first": 50})).await);
        let rb = ids(&search(&app, t, &b, json!({"q": q, "first": 50})).await);
        assert!(!ra.is_empty() && !rb.is_empty(), "{q}");
        assert!(ra.iter().all(|id| !rb.contains(id)), "{q}: {ra:?} / {rb:?}");
    }
    assert!(!ids(&search(&app, t, &b, json!({"q": "Wachowski"})).await).contains(&fa.max));
    println!("[{backend}] tenants: 6 queries, no hit of one tenant in the other");

    // Archived and erased contacts disappear once the outbox is drained.
    let archive = "mutation($id: ID!) { archivePerson(input: {id: $id, version: 1}) { person { id } userErrors { field message code } } }";
    ok(&app, t, &a, archive, json!({"id": fa.anna})).await;
    let erase = "mutation($id: ID!) { erasePerson(input: {id: $id, reason: \"Art. 17\"}) { erasure { erasureId } userErrors { field message code } } }";
    ok(&app, t, &a, erase, json!({"id": fa.max})).await;
    let s = ok(&app, t, &a, STATUS, json!({})).await["searchStatus"].clone();
    let lag = wait_indexed(&app, t, &a).await;
    assert!(lag < 30.0, "lag {lag}");
    assert!(ids(&search(&app, t, &a, json!({"q": "Müller"})).await).is_empty());
    assert!(ids(&search(&app, t, &a, json!({"q": "Wachowski"})).await).is_empty());
    assert!(ids(&search(&app, t, &a, json!({"q": "+49 89 1234"})).await).is_empty());
    assert_eq!(
        ids(&search(&app, t, &b, json!({"q": "Wachowski"})).await),
        vec![fb.max.clone()]
    );
    println!(
        "[{backend}] archive + erasure: status right after {s}; gone after drain (largest lag {lag:.2} s); the other tenant's Max still found"
    );

    // Bad input: a clear error or a sane empty answer, never a 500.
    let long = "x".repeat(10_000);
    let cases: Vec<(&str, Value, Option<&str>)> = vec![
        (
            "10,000-character query",
            json!({"q": long}),
            Some("VALIDATION_FAILED"),
        ),
        (
            "malformed cursor",
            json!({"q": "anna", "after": "%%%not-a-cursor"}),
            Some("VALIDATION_FAILED"),
        ),
        (
            "forged cursor",
            json!({"q": "anna", "after": "czo5OTk5OTk5"}),
            Some("VALIDATION_FAILED"),
        ),
        (
            "first 0",
            json!({"q": "anna", "first": 0}),
            Some("VALIDATION_FAILED"),
        ),
        (
            "first 10000",
            json!({"q": "anna", "first": 10000}),
            Some("VALIDATION_FAILED"),
        ),
        (
            "unknown facet",
            json!({"q": "anna", "facets": ["COLOR"]}),
            Some("BAD_REQUEST"),
        ),
        (
            "control char in filter",
            json!({"q": "", "f": {"cities": ["K\u{0}ln"]}}),
            Some("VALIDATION_FAILED"),
        ),
        (
            "filter injection",
            json!({"q": "", "f": {"tags": ["vip\" OR kind = \"organization"]}}),
            None,
        ),
        ("only punctuation", json!({"q": "!!! ???"}), None),
        (
            "quotes and SQL",
            json!({"q": "'; DROP TABLE persons; --"}),
            None,
        ),
        ("tsquery syntax", json!({"q": "a & !b | c:*"}), None),
        ("whitespace", json!({"q": "   "}), None),
    ];
    for (what, vars, code) in &cases {
        let r = app.gql(SEARCH, vars.clone(), Some(t), Some(&a)).await;
        assert_ne!(r.status.as_u16(), 500, "{what}: {}", r.body);
        match code {
            Some(c) => assert_eq!(r.code(), Some(*c), "{what}: {}", r.body),
            None => assert!(r.body["errors"].is_null(), "{what}: {}", r.body),
        }
    }
    let injected = search(
        &app,
        t,
        &a,
        json!({"q": "", "f": {"tags": ["vip\" OR kind = \"organization"]}}),
    )
    .await;
    assert_eq!(injected["totalCount"], 0, "{injected}");
    let nothing = search(&app, t, &a, json!({"q": "!!! ???"})).await;
    assert_eq!(nothing["totalCount"], 0);
    let persons: i64 = app.tenant_i64(&a, "SELECT count(*) FROM persons").await;
    assert_eq!(persons, 3, "the SQL-looking query changed nothing");
    println!(
        "[{backend}] bad input: {} cases, no 500, codes as expected",
        cases.len()
    );
}

/// Settings updates Meilisearch has queued or run for the tenant's index.
async fn settings_tasks(url: &str, tenant: &str) -> i64 {
    let key = std::env::var("MEILISEARCH_API_KEY").ok();
    let index = format!("kartei_t_{}", tenant.replace('-', ""));
    let mut req = reqwest::Client::new().get(format!(
        "{}/tasks?indexUids={index}&types=settingsUpdate&limit=1",
        url.trim_end_matches('/')
    ));
    if let Some(k) = key.filter(|k| !k.is_empty()) {
        req = req.bearer_auth(k);
    }
    let body: Value = req.send().await.unwrap().json().await.unwrap();
    body["total"]
        .as_i64()
        .unwrap_or_else(|| panic!("tasks: {body}"))
}

/// A new server process against an index that exists answers its first search at once: it
/// neither waits for nor queues a settings task (those belong to setup, not to searching).
async fn first_search_of_a_new_process(url: &str, pg: &PrivatePostgres, email: &str, tenant: &str) {
    let before = settings_tasks(url, tenant).await;
    let fresh = spawn_app_on(Redis::Memory, None, Some(pg.url()), |s| {
        s.search.meilisearch_url = Some(url.to_owned());
        s.search.meilisearch_api_key = std::env::var("MEILISEARCH_API_KEY").ok().map(Into::into);
        // Far below what a settings task takes on a large index.
        s.search.timeout_ms = 1500;
        s.worker.in_process = false;
    })
    .await;
    // Its own session store: log in there.
    let login = fresh.login(email, kartei_tests::PASSWORD).await;
    let t = login.body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("login on the new process: {}", login.body))
        .to_owned();
    let started = Instant::now();
    let r = fresh
        .gql(SEARCH, json!({"q": "Wachowski"}), Some(&t), Some(tenant))
        .await;
    let took = started.elapsed();
    assert!(
        r.body["errors"].is_null(),
        "first search of a new process: {}",
        r.body
    );
    assert_eq!(
        names(&r.body["data"]["searchContacts"]),
        vec!["Max Wachowski"]
    );
    let after = settings_tasks(url, tenant).await;
    assert_eq!(before, after, "the search queued a settings task");
    // Setup (the worker's start-up, `kartei search setup`) finds the settings current.
    let engine = kartei_search::Search::meilisearch(
        url,
        std::env::var("MEILISEARCH_API_KEY").ok().as_deref(),
        Duration::from_secs(10),
    )
    .unwrap();
    let id: kartei_core::id::TenantId = tenant.parse().unwrap();
    assert!(
        !engine.backend().setup(id).await.unwrap(),
        "setup changed current settings"
    );
    assert_eq!(
        settings_tasks(url, tenant).await,
        after,
        "setup queued a settings task"
    );
    println!(
        "[meilisearch] a new process's first search answered in {took:.1?} without a settings task ({before} settings tasks before and after)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contract_in_database() {
    contract(None).await;
}

/// Runs only when `MEILISEARCH_URL` points at a Meilisearch server (see README).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contract_meilisearch() {
    let Ok(url) = std::env::var("MEILISEARCH_URL") else {
        eprintln!("MEILISEARCH_URL not set: the Meilisearch contract run is skipped here");
        return;
    };
    contract(Some(url)).await;
}

/// With the engine unreachable, writes still succeed, changes wait in the outbox, the lag and
/// the error are reported and retried with backoff; search answers UNAVAILABLE, not 500.
/// When an engine is reachable again (here: the in-database one), the index catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn engine_down_keeps_writes_and_catches_up() {
    let pg = PrivatePostgres::start().await;
    let dead = format!("http://127.0.0.1:{}", free_port());
    let app = spawn_app_on(Redis::Memory, None, Some(pg.url()), |s| {
        s.search.meilisearch_url = Some(dead.clone());
        s.search.timeout_ms = 1000;
    })
    .await;
    let (owner, a) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    for i in 0..5 {
        person(
            &app,
            t,
            &a,
            json!({"firstName": "Eva", "lastName": format!("Down{i}")}),
        )
        .await;
    }
    // The worker tries, fails, and backs off.
    let start = Instant::now();
    let s = loop {
        let s = ok(&app, t, &a, STATUS, json!({})).await["searchStatus"].clone();
        if s["failures"].as_i64().unwrap_or(0) >= 2 {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no failure recorded: {s}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(s["backend"], "meilisearch");
    assert!(s["pendingChanges"].as_i64().unwrap() >= 5, "{s}");
    assert!(s["lagSeconds"].as_f64().unwrap() > 0.0, "{s}");
    assert!(!s["lastError"].is_null(), "{s}");
    let r = app
        .gql(SEARCH, json!({"q": "Eva"}), Some(t), Some(&a))
        .await;
    assert_eq!(r.code(), Some("UNAVAILABLE"), "{}", r.body);
    let jobs = app.scalar_i64("SELECT count(*) FROM platform.jobs WHERE kind = 'search.drain' AND status IN ('queued', 'running')").await;
    assert!(
        (1..=2).contains(&jobs),
        "one retry waiting (or running), not a pile: {jobs}"
    );
    println!("engine down: 5 writes acknowledged; status {s}; search says UNAVAILABLE");

    // An engine comes back: the same outbox drains into it.
    let tenant: kartei_core::id::TenantId = a.parse().unwrap();
    let search = kartei_search::Search::in_database();
    let d = kartei_search::outbox::drain_until_empty(
        &app.db,
        tenant,
        search.backend(),
        Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert!(
        matches!(d, kartei_search::outbox::Drained::Done { applied, .. } if applied >= 5),
        "{d:?}"
    );
    let tx = app.db.begin_tenant(tenant).await.unwrap();
    let st = kartei_search::outbox::status(&tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(st.pending, 0);
    assert_eq!(st.failures, 0);
    assert_eq!(st.documents, 5);
    let req = kartei_search::SearchRequest::new("Eva Down", Default::default(), vec![], None, None)
        .unwrap();
    let res = search.search(&app.db, tenant, &req).await.unwrap();
    assert_eq!(res.total, 5);
    println!("engine back: {d:?}; pending 0, 5 documents, 'Eva Down' finds 5");
}

/// `kartei search reindex` logic: a full rebuild equals what the outbox built, and changes made
/// meanwhile are applied afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reindex_rebuilds_the_same_index() {
    let app = kartei_tests::spawn_app().await;
    let (owner, a) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let f = fill(&app, t, &a).await;
    wait_indexed(&app, t, &a).await;
    let tenant: kartei_core::id::TenantId = a.parse().unwrap();
    let before: i64 = app
        .tenant_i64(&a, "SELECT count(*) FROM search_documents")
        .await;
    let search = kartei_search::Search::in_database();
    let seen = std::sync::Mutex::new(Vec::new());
    let r = kartei_search::reindex::reindex(&app.db, tenant, search.backend(), &|p| {
        seen.lock().unwrap().push(p.done)
    })
    .await
    .unwrap();
    assert_eq!(r.documents, 5);
    assert_eq!(before, 5);
    assert_eq!(
        app.tenant_i64(&a, "SELECT count(*) FROM search_documents")
            .await,
        5
    );
    assert_eq!(seen.lock().unwrap().last(), Some(&5), "progress reported");
    // The rebuilt tables carry planner statistics (autovacuum may be off).
    for table in ["search_documents", "search_words"] {
        let analyzed = app
            .tenant_i64(
                &a,
                &format!(
                    "SELECT count(*) FROM pg_stat_user_tables WHERE relid = '{table}'::regclass \
                     AND last_analyze IS NOT NULL AND n_mod_since_analyze = 0"
                ),
            )
            .await;
        assert_eq!(analyzed, 1, "{table} analyzed after the reindex");
    }
    let res = search
        .search(
            &app.db,
            tenant,
            &kartei_search::SearchRequest::new("Wachowsky", Default::default(), vec![], None, None)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        res.hits[0].document.id.to_string(),
        kartei_tests::uuid(&f.max)
    );
    println!(
        "reindex: {} documents in {:?}, progress {:?}",
        r.documents,
        r.took,
        seen.lock().unwrap()
    );
}

/// A writer's wake-up finds a drain already waiting and attaches to it; that drain runs before
/// the writer commits. The writer's rows must still be indexed: the drain does not end while a
/// writer that may have attached to it is in flight, and runs again.
#[tokio::test]
async fn a_writer_committing_after_the_drain_it_woke_is_still_indexed() {
    let db = kartei_tests::database_url().replace("/kartei_test", "/kartei_test_wake");
    kartei_tests::drop_database(&db).await;
    let settings = kartei_tests::worker_settings(&db, "smtp://127.0.0.1:9");
    // No worker in the app: the test runs the worker's jobs itself, in the order it needs.
    let app =
        kartei_tests::spawn_app_with(Redis::Shared, Some(db), |s| s.worker.in_process = false)
            .await;
    let (owner, a) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    person(
        &app,
        t,
        &a,
        json!({"firstName": "Erste", "lastName": "Schreiberin"}),
    )
    .await;
    let waiting =
        "SELECT count(*) FROM platform.jobs WHERE kind = 'search.drain' AND status = 'queued'";
    assert_eq!(app.scalar_i64(waiting).await, 1);
    let tenant: kartei_core::id::TenantId = a.parse().unwrap();
    let writer = app.db.begin_tenant(tenant).await.unwrap();
    kartei_contacts::persons::create(
        &writer,
        &kartei_contacts::persons::PersonDraft {
            first_name: Some("Späte".into()),
            last_name: Some("Schreiberin".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        app.scalar_i64(waiting).await,
        1,
        "the writer's wake-up attached to the waiting drain"
    );
    let ctx = kartei_server::worker_ctx(&settings, app.db.clone()).unwrap();
    let worker = || kartei_server::worker::run_one(&ctx, "test-worker", Duration::from_secs(60));
    while worker().await.unwrap() {}
    writer.commit().await.unwrap();
    let start = Instant::now();
    while app.tenant_i64(&a, "SELECT count(*) FROM outbox").await > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the late writer's change was left in the outbox with no drain waiting for it"
        );
        worker().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.tenant_i64(&a, "SELECT count(*) FROM search_documents")
            .await,
        2
    );
}

/// The relevance order both backends follow (issue 18): for each query, the contact that
/// must come first, from a tenant where near misses compete with it.
async fn ranking(meilisearch: Option<String>) {
    let (_pg, app) = search_app(&meilisearch).await;
    let (owner, a) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let org = "mutation($i: OrganizationInput!) { createOrganization(input: $i) { organization { id } userErrors { field message code } } }";
    let link = "mutation($i: RelationInput!) { linkPersonToOrganization(input: $i) { relation { personId } userErrors { field message code } } }";
    let mut people = std::collections::HashMap::new();
    for (first, last, extra) in [
        ("Tobias", "Bergmann", json!({})),
        ("Jan", "Albrecht", json!({})),
        ("Lena", "Bauer", json!({})),
        ("Paul", "Engel", json!({})),
        ("Anna", "Müller", json!({})),
        ("Karl", "Möller", json!({})),
        ("Heike", "Groß", json!({})),
        ("Dieter", "Großmann", json!({})),
        ("Clara", "Weiß", json!({})),
        ("Ole", "Weißenfels", json!({})),
        (
            "Eva",
            "Kaiser",
            json!({"street": "Königsallee 12", "postalCode": "40212", "city": "Düsseldorf"}),
        ),
        ("Peter", "König", json!({"city": "Köln"})),
        (
            "Rita",
            "Sommer",
            json!({"street": "Hauptstraße 5", "city": "Bonn", "phone": "+49 30 5551234"}),
        ),
        ("Sabine", "Schneider", json!({})),
        ("Uwe", "Krause", json!({"phone": "+49 40 7771234"})),
    ] {
        let mut input = json!({"firstName": first, "lastName": last});
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(e.clone());
        }
        people.insert(last, person(&app, t, &a, input).await);
    }
    let make_org = |name: &'static str| {
        let app = &app;
        let a = a.clone();
        async move {
            ok(app, t, &a, org, json!({"i": {"name": name}})).await["createOrganization"]
                ["organization"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let gasthaus = make_org("Bergmann Gasthaus e.K.").await;
    let logistik = make_org("Schneider Logistik GmbH").await;
    for (p, o) in [
        (people["Albrecht"].clone(), gasthaus.clone()),
        (people["Krause"].clone(), logistik.clone()),
    ] {
        ok(
            &app,
            t,
            &a,
            link,
            json!({"i": {"personId": p, "organizationId": o, "isPrimary": true}}),
        )
        .await;
    }
    wait_indexed(&app, t, &a).await;
    let backend = if meilisearch.is_some() {
        "meilisearch"
    } else {
        "postgres"
    };

    // (query, the contact that must come first, contacts that must follow it, if found)
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        // Misspelt names: the person, not whoever works at a company of that name.
        ("Bergzann", "Tobias Bergmann", vec!["Jan Albrecht"]),
        ("Baher", "Lena Bauer", vec![]),
        ("Enlel", "Paul Engel", vec![]),
        // Transliterations.
        ("Müller", "Anna Müller", vec!["Karl Möller"]),
        ("Mueller", "Anna Müller", vec!["Karl Möller"]),
        ("Muller", "Anna Müller", vec!["Karl Möller"]),
        ("Moeller", "Karl Möller", vec!["Anna Müller"]),
        ("Groß", "Heike Groß", vec!["Dieter Großmann"]),
        ("Gross", "Heike Groß", vec!["Dieter Großmann"]),
        // An exact name before a longer one.
        ("Weiß", "Clara Weiß", vec!["Ole Weißenfels"]),
        // A person's name before the people of a company with that name.
        ("Schneider", "Sabine Schneider", vec!["Uwe Krause"]),
        // Phone fragments, international and national.
        ("+49 30 555", "Rita Sommer", vec![]),
        ("040 7771", "Uwe Krause", vec![]),
        // Streets and postal codes.
        ("Königsallee", "Eva Kaiser", vec![]),
        ("Koenigsallee 12", "Eva Kaiser", vec![]),
        ("Hauptstraße", "Rita Sommer", vec![]),
        ("40212", "Eva Kaiser", vec![]),
    ];
    let mut failures = Vec::new();
    for (q, first, after) in &cases {
        let r = search(&app, t, &a, json!({"q": q, "first": 20})).await;
        let found = names(&r);
        let rank = |n: &str| found.iter().position(|x| x == n);
        // An organization of the same name may rank before the person (both are name matches).
        let first_person = rank(first);
        let before_it = first_person.unwrap_or(found.len());
        let only_orgs_before = hits(&r)[..before_it]
            .iter()
            .all(|h| h["kind"] == "ORGANIZATION");
        let followers_ok = after.iter().all(|f| match (first_person, rank(f)) {
            (Some(i), Some(j)) => i < j,
            (Some(_), None) => true,
            _ => false,
        });
        if first_person.is_none() || !only_orgs_before || !followers_ok {
            failures.push(format!(
                "{q:?}: expected {first:?} first (then {after:?}), got {found:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "[{backend}] ranking:\n{}",
        failures.join("\n")
    );
    // Few matches: the total is exact.
    let r = search(&app, t, &a, json!({"q": "", "first": 5})).await;
    assert_eq!(r["totalCount"], 17, "{r}");
    assert_eq!(r["totalCountExact"], true, "{r}");
    println!(
        "[{backend}] ranking: {} queries, each with the right contact first",
        cases.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ranking_in_database() {
    ranking(None).await;
}

/// Runs only when `MEILISEARCH_URL` points at a Meilisearch server (see README).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ranking_meilisearch() {
    let Ok(url) = std::env::var("MEILISEARCH_URL") else {
        eprintln!("MEILISEARCH_URL not set: the Meilisearch ranking run is skipped here");
        return;
    };
    ranking(Some(url)).await;
}
