//! GraphiQL in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core
//! from `frontend-schema/node_modules`, which `make test` installs) signs in, picks the
//! tenant, runs the default query and shows the result; the screenshot is
//! `target/graphiql.png`.

use std::path::Path;

use kartei_tests::{PASSWORD, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn graphiql_signs_in_picks_a_tenant_and_shows_a_query_result() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let r = app
        .gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
            json!({"i": {"firstName": "Erika", "lastName": "Mustermann", "email": "erika@example.de", "city": "Köln"}}),
            Some(&owner.access),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("tests/browser/graphiql.mjs");
    let shot = root.join("target/graphiql.png");
    let _ = std::fs::remove_file(&shot);
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&app.url)
        .arg(&owner.email)
        .arg(PASSWORD)
        // The page lists the tenants by their global ids.
        .arg(
            kartei_gateway::node::id(kartei_gateway::node::Kind::Tenant, tenant.parse().unwrap()).0,
        )
        .arg(&shot)
        .output()
        .await
        .expect("node (make test installs frontend-schema/node_modules and chromium)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser run failed:\n{stdout}\n{stderr}"
    );
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap();
    let result = seen["result"].as_str().unwrap();
    println!("GraphiQL status: {}", seen["status"]);
    println!(
        "GraphiQL result pane: {}",
        result.chars().take(300).collect::<String>()
    );
    assert!(
        seen["status"].as_str().unwrap().starts_with("tenant "),
        "{}",
        seen["status"]
    );
    assert!(result.contains("Erika Mustermann"), "{result}");
    assert!(result.contains("erika@example.de"), "{result}");
    assert!(!result.contains("\"errors\""), "{result}");
    let png = std::fs::metadata(&shot).unwrap().len();
    assert!(
        png > 20_000,
        "screenshot {} has {png} bytes",
        shot.display()
    );
    println!("screenshot: {} ({png} bytes)", shot.display());
}
