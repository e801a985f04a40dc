//! Tenants never see each other's data, under concurrency and under crafted input.

use futures_util::StreamExt;
use kartei_tests::{Redis, spawn_app, spawn_app_with};
use rand::Rng;
use sea_orm::ConnectionTrait;
use serde_json::json;

const SETTINGS: &str =
    "query { settings(first: 100) { edges { node { key value } } pageInfo { hasNextPage } } }";
const SET: &str = "mutation($k: String!, $v: JSON!) { setSetting(input: {key: $k, value: $v}) { setting { key } userErrors { field message code } } }";
const GET: &str = "query($k: String!) { setting(key: $k) { key value } }";

#[tokio::test]
async fn thousands_of_concurrent_mixed_tenant_requests_never_leak() {
    let app = spawn_app_with(Redis::Shared, None, |s| {
        // A small pool forces constant connection reuse across tenants.
        s.database.max_connections = 4;
        s.limits.api_per_minute = 600_000;
        s.limits.api_burst = 100_000;
    })
    .await;
    let admin = app.sign_up().await;
    let mut tenants = Vec::new();
    for i in 0..3 {
        tenants.push(app.create_tenant(&admin, &format!("Mandant {i}")).await);
    }
    for t in &tenants {
        for k in 0..5 {
            let r = app
                .gql(
                    SET,
                    json!({"k": format!("seed.k{k}"), "v": {"owner": t}}),
                    Some(&admin.access),
                    Some(t),
                )
                .await;
            assert!(r.body["errors"].is_null(), "{}", r.body);
        }
    }
    let requests = 2_000;
    let ops: Vec<(usize, u8, u32)> = {
        let mut rng = rand::rng();
        (0..requests)
            .map(|_| {
                (
                    rng.random_range(0..3),
                    rng.random_range(0..3),
                    rng.random_range(0..40),
                )
            })
            .collect()
    };
    let results = futures_util::stream::iter(ops)
        .map(|(ti, op, k)| {
            let app = &app;
            let tenant = tenants[ti].clone();
            let token = admin.access.clone();
            async move {
                let mut seen_foreign = 0usize;
                match op {
                    0 => {
                        let r = app
                            .gql(SETTINGS, json!({}), Some(&token), Some(&tenant))
                            .await;
                        let edges = r.data()["settings"]["edges"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                        assert!(!edges.is_empty(), "read failed: {}", r.body);
                        seen_foreign += edges
                            .iter()
                            .filter(|e| e["node"]["value"]["owner"] != json!(tenant))
                            .count();
                    }
                    1 => {
                        let r = app
                            .gql(
                                SET,
                                json!({"k": format!("run.k{k}"), "v": {"owner": tenant}}),
                                Some(&token),
                                Some(&tenant),
                            )
                            .await;
                        assert!(r.body["errors"].is_null(), "write failed: {}", r.body);
                    }
                    _ => {
                        let r = app
                            .gql(
                                GET,
                                json!({"k": format!("seed.k{}", k % 5)}),
                                Some(&token),
                                Some(&tenant),
                            )
                            .await;
                        if r.data()["setting"]["value"]["owner"] != json!(tenant) {
                            seen_foreign += 1;
                        }
                    }
                }
                seen_foreign
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(results.len(), requests);
    assert_eq!(
        results.iter().sum::<usize>(),
        0,
        "a tenant saw another tenant's rows"
    );
    // And in the database itself: every tenant schema holds only its own rows.
    for t in &tenants {
        let tid: kartei_core::id::TenantId = t.parse().unwrap();
        let tx = app.db.begin_tenant(tid).await.unwrap();
        let rows = tx
            .query_all_raw(kartei_tenancy::tenants::stmt(
                "SELECT value->>'owner' AS o FROM settings",
                vec![],
            ))
            .await
            .unwrap();
        assert!(rows.len() >= 5);
        for r in rows {
            assert_eq!(r.try_get::<String>("", "o").unwrap(), *t);
        }
    }
}

#[tokio::test]
async fn search_path_never_outlives_the_tenant_transaction() {
    let app = spawn_app_with(Redis::Memory, None, |s| s.database.max_connections = 1).await;
    let admin = app.sign_up().await;
    let t = app.create_tenant(&admin, "Pool Probe").await;
    let tid: kartei_core::id::TenantId = t.parse().unwrap();
    // The harness pool has its own connections; use a one-connection pool to be sure.
    let db = kartei_tenancy::db::Db::connect(&kartei_tenancy::db::DbOptions {
        max_connections: 1,
        ..kartei_tenancy::db::DbOptions::new(kartei_tests::database_url())
    })
    .await
    .unwrap();
    let tx = db.begin_tenant(tid).await.unwrap();
    let inside = tx
        .query_one_raw(kartei_tenancy::tenants::stmt("SHOW search_path", vec![]))
        .await
        .unwrap()
        .unwrap();
    assert!(
        inside
            .try_get_by_index::<String>(0)
            .unwrap()
            .starts_with("t_")
    );
    tx.commit().await.unwrap();
    let after = db
        .platform()
        .query_one_raw(kartei_tenancy::tenants::stmt("SHOW search_path", vec![]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.try_get_by_index::<String>(0).unwrap(),
        "\"$user\", public"
    );
}

#[tokio::test]
async fn a_member_of_a_naming_b_is_forbidden() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let a = app.create_tenant(&admin, "Mandant A").await;
    let b = app.create_tenant(&admin, "Mandant B").await;
    let member = app.create_user(&admin, false).await;
    let r = app
        .gql(
            "mutation($e: String!) { setMember(input: {email: $e, role: MEMBER}) { member { role } userErrors { field message code } } }",
            json!({"e": member.email}),
            Some(&admin.access),
            Some(&a),
        )
        .await;
    assert_eq!(
        r.data()["setMember"]["member"]["role"],
        "MEMBER",
        "{}",
        r.body
    );

    let ok = app
        .gql(SETTINGS, json!({}), Some(&member.access), Some(&a))
        .await;
    assert!(ok.body["errors"].is_null(), "{}", ok.body);
    let denied = app
        .gql(SETTINGS, json!({}), Some(&member.access), Some(&b))
        .await;
    assert_eq!(denied.code(), Some("FORBIDDEN"), "{}", denied.body);
    assert!(denied.data().is_null() || denied.data()["settings"].is_null());
    // B is not even listed for the member.
    let list = app
        .gql(
            "{ tenants { edges { node { id } } } }",
            json!({}),
            Some(&member.access),
            None,
        )
        .await;
    let ids: Vec<_> = list.data()["tenants"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!(kartei_tests::uuid(e["node"]["id"].as_str().unwrap())))
        .collect();
    assert_eq!(ids, vec![json!(a)]);
    // A member cannot write where only admins may.
    let w = app
        .gql(
            SET,
            json!({"k": "x", "v": 1}),
            Some(&member.access),
            Some(&a),
        )
        .await;
    assert_eq!(w.code(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn an_api_key_of_a_cannot_act_in_b() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let a = app.create_tenant(&admin, "Mandant A").await;
    let b = app.create_tenant(&admin, "Mandant B").await;
    let r = app
        .gql("mutation { createApiKey(input: {name: \"CRM-Sync\", role: ADMIN}) { created { secret apiKey { prefix } } userErrors { field message code } } }", json!({}), Some(&admin.access), Some(&a))
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let key = r.data()["createApiKey"]["created"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        key.starts_with(
            r.data()["createApiKey"]["created"]["apiKey"]["prefix"]
                .as_str()
                .unwrap()
        )
    );

    let ok = app
        .gql(
            SET,
            json!({"k": "sync.cursor", "v": 42}),
            Some(&key),
            Some(&a),
        )
        .await;
    assert!(ok.body["errors"].is_null(), "{}", ok.body);
    let denied = app.gql(SETTINGS, json!({}), Some(&key), Some(&b)).await;
    assert_eq!(denied.code(), Some("FORBIDDEN"));
    let denied_w = app
        .gql(SET, json!({"k": "evil", "v": 1}), Some(&key), Some(&b))
        .await;
    assert_eq!(denied_w.code(), Some("FORBIDDEN"));
    // Revoked keys stop working at once.
    let keys = app
        .gql(
            "{ apiKeys { edges { node { id } } } }",
            json!({}),
            Some(&admin.access),
            Some(&a),
        )
        .await;
    let id = keys.data()["apiKeys"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql(
        "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { revokedAt } userErrors { field message code } } }",
        json!({"id": id}),
        Some(&admin.access),
        Some(&a),
    )
    .await;
    let after = app.gql(SETTINGS, json!({}), Some(&key), Some(&a)).await;
    assert_eq!(after.code(), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn crafted_tenant_ids_and_slugs_never_reach_sql() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let t = app.create_tenant(&admin, "Echt").await;
    let count_q = "{ tenants { edges { node { id } } } }";
    let tenants_before = app
        .gql(count_q, json!({}), Some(&admin.access), None)
        .await
        .body["data"]["tenants"]["edges"]
        .as_array()
        .unwrap()
        .len();
    for crafted in [
        "'; DROP SCHEMA platform CASCADE; --",
        "platform",
        "t_00000000000000000000000000000000",
        "../../etc/passwd",
        "01a204e8-05ae-7567-9748-71c7a96af603; SET search_path TO platform",
        "ü",
        &t.to_uppercase().replace('-', ""),
    ] {
        let r = app
            .gql(SETTINGS, json!({}), Some(&admin.access), Some(crafted))
            .await;
        let code = r.code();
        assert!(
            matches!(code, Some("VALIDATION_FAILED") | Some("FORBIDDEN")),
            "{crafted:?} -> {}",
            r.body
        );
    }
    // A well-formed id of no tenant is FORBIDDEN, same as someone else's.
    let r = app
        .gql(
            SETTINGS,
            json!({}),
            Some(&admin.access),
            Some("00000000-0000-0000-0000-000000000000"),
        )
        .await;
    assert_eq!(r.code(), Some("FORBIDDEN"));
    // Slugs are validated and only ever bound as parameters.
    let r = app
        .gql(
            "mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id } userErrors { field message code } } }",
            json!({"i": {"name": "X", "slug": "x'; drop schema platform cascade; --"}}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    assert!(r.fields()["slug"].is_string());
    let tenants_after = app
        .gql(count_q, json!({}), Some(&admin.access), None)
        .await
        .body["data"]["tenants"]["edges"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(tenants_after, tenants_before);
    assert_eq!(
        app.scalar_i64(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'platform'"
        )
        .await,
        1
    );
}
