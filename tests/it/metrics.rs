//! `/metrics` in Prometheus text format: the series operators alert on, with values that
//! follow what the test did.

use std::collections::HashMap;

use kartei_tests::{Redis, spawn_app_on};
use serde_json::json;

/// `name{labels} value` lines, by name and labels.
fn parse(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect()
}

async fn scrape(app: &kartei_tests::TestApp) -> (String, HashMap<String, f64>) {
    // Not on the API's port, where anyone could read it (and, once, grow its series).
    let public = app
        .http
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    let res = app
        .http
        .get(app.metrics_url.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.unwrap();
    let values = parse(&text);
    (text, values)
}

#[tokio::test]
async fn metrics_expose_requests_pool_jobs_outbox_sends_and_rate_limits() {
    // A database of its own: the apps of other tests share the job queue of the common test
    // database, and their workers would run this test's jobs.
    let database = format!("{}_metrics", kartei_tests::database_url());
    let app = spawn_app_on(Redis::Shared, None, Some(database), |s| {
        // Jobs stay queued (nothing runs them) and the anonymous limit is tiny.
        s.worker.in_process = false;
        s.limits.anonymous_burst = 3;
        s.limits.anonymous_per_minute = 3;
    })
    .await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    for _ in 0..3 {
        let r = app.gql("{ me { email } }", json!({}), Some(t), None).await;
        assert!(r.body["errors"].is_null(), "{}", r.body);
    }
    let r = app
        .gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
            json!({"i": {"firstName": "Metrik", "lastName": "Test", "email": "metrik@example.de"}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    // Validation failure, an unknown field (label `invalid`) and the anonymous rate limit.
    let r = app
        .gql(
            "{ person(id: \"nope\") { id } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.code().is_some());
    app.gql("{ passwords { plain } }", json!({}), Some(t), None)
        .await;
    // Issue 17, finding 8: every combination of root fields, and documents that merely
    // parsed, made a series of their own. Now: the first root field (+more), and `invalid`.
    for q in [
        "{ me { email } tenants(first: 1) { totalCount } }",
        "{ me { email } t2: tenants(first: 2) { totalCount } }",
        "{ me { id } tenants(first: 3) { totalCount } x: me { email } }",
        "{ me { noSuchField } }",
    ] {
        app.gql(q, json!({}), Some(t), None).await;
    }
    let mut limited = 0;
    for _ in 0..6 {
        if app
            .gql("{ __typename }", json!({}), None, None)
            .await
            .status
            == 429
        {
            limited += 1;
        }
    }
    assert!(limited >= 1, "the anonymous limit refused nothing");

    let (text, m) = scrape(&app).await;
    let get = |k: &str| {
        m.get(k)
            .copied()
            .unwrap_or_else(|| panic!("{k} missing in:\n{text}"))
    };
    assert!(get(r#"kartei_graphql_requests_total{code="OK",operation="query:me"}"#) >= 3.0);
    assert!(
        get(r#"kartei_graphql_requests_total{code="OK",operation="mutation:createPerson"}"#) >= 1.0
    );
    assert!(get(r#"kartei_graphql_request_duration_seconds_count{operation="query:me"}"#) >= 3.0);
    assert!(
        m.keys()
            .any(|k| k.starts_with("kartei_graphql_requests_total")
                && k.contains(r#"operation="query:person""#)
                && !k.contains(r#"code="OK""#))
    );
    assert!(
        m.keys()
            .any(|k| k.starts_with("kartei_graphql_requests_total")
                && k.contains(r#"operation="invalid""#))
    );
    assert!(get(r#"kartei_graphql_requests_total{code="OK",operation="query:me+more"}"#) >= 3.0);
    let me_series: Vec<&String> = m
        .keys()
        .filter(|k| k.starts_with("kartei_graphql_requests_total") && k.contains("query:me"))
        .collect();
    assert!(
        me_series
            .iter()
            .all(|k| k.contains(r#"operation="query:me""#)
                || k.contains(r#"operation="query:me+more""#)),
        "{me_series:?}"
    );
    assert!(
        !text.contains("passwords"),
        "client field names never become labels"
    );
    assert!(get(r#"kartei_rate_limited_total{scope="request"}"#) >= f64::from(limited));
    assert!(get(r#"kartei_db_pool_connections{state="max"}"#) >= 1.0);
    assert!(get(r#"kartei_db_pool_connections{state="open"}"#) >= 1.0);
    assert!(get(r#"kartei_jobs{kind="search.drain",status="queued"}"#) >= 1.0);
    assert!(
        get("kartei_search_outbox_lag_seconds") > 0.0,
        "a change waits for the index"
    );
    assert_eq!(
        get(r#"kartei_campaign_sends_total{channel="email",result="sent"}"#),
        0.0
    );
    println!(
        "metrics: {} series; query:me OK {}, rate limited {}, jobs search.drain queued {}, outbox lag {:.2} s",
        m.len(),
        get(r#"kartei_graphql_requests_total{code="OK",operation="query:me"}"#),
        get(r#"kartei_rate_limited_total{scope="request"}"#),
        get(r#"kartei_jobs{kind="search.drain",status="queued"}"#),
        get("kartei_search_outbox_lag_seconds"),
    );
}
