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
