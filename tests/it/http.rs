//! GraphQL over HTTP as the spec has it: the audit of the `graphql-http` package (the spec's
//! reference implementation, from `frontend-schema/node_modules`, which `make test` installs)
//! runs against a live server and passes every audit, with no warning.

use std::path::Path;

use kartei_tests::spawn_app;

#[tokio::test]
async fn graphql_over_http_audit_passes_without_warnings() {
    let app = spawn_app().await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tokio::process::Command::new("node")
        .arg(root.join("tests/http/audit.mjs"))
        .arg(format!("{}/graphql", app.url))
        .output()
        .await
        .expect("node (make test installs frontend-schema/node_modules)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "graphql-http audit:\n{stdout}\n{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    assert_eq!(summary["warn"], 0, "{stdout}");
    assert_eq!(summary["error"], 0, "{stdout}");
    assert!(summary["ok"].as_u64().unwrap() >= 50, "{stdout}");
}

/// With the production defaults (introspection and GraphiQL off), the schema is not described
/// to whoever asks and `GET /graphql` serves no page; `__typename` still answers.
#[tokio::test]
async fn introspection_and_graphiql_can_be_off() {
    let app = kartei_tests::spawn_app_with(kartei_tests::Redis::Memory, None, |s| {
        s.graphql.introspection = false;
        s.graphql.graphiql = false;
    })
    .await;
    let r = app
        .gql(
            "{ __schema { types { name } } }",
            serde_json::json!({}),
            None,
            None,
        )
        .await;
    assert!(r.body["data"]["__schema"].is_null(), "{}", r.body);
    assert!(!r.body.to_string().contains("Person"), "{}", r.body);
    let r = app
        .gql("{ __typename }", serde_json::json!({}), None, None)
        .await;
    assert_eq!(r.body["data"]["__typename"], "Query", "{}", r.body);
    let (status, _) = app.get("/graphql").await;
    assert_eq!(status.as_u16(), 404);
}
