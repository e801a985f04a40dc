//! Bad input gets VALIDATION_FAILED (per field) or its own code, and writes nothing.

use kartei_tests::{PASSWORD, spawn_app, unique_email};
use serde_json::json;

const SIGN_UP: &str = "mutation($i: SignUpInput!) { signUp(input: $i) { accepted userErrors { field message code } } }";

#[tokio::test]
async fn invalid_sign_up_reports_every_field_and_writes_nothing() {
    let app = spawn_app().await;
    let email = unique_email("bad");
    let cases = [
        (
            json!({"agencyName": "", "displayName": "A", "email": email, "password": PASSWORD}),
            vec!["agencyName"],
        ),
        (
            json!({"agencyName": "X", "displayName": "A", "email": "not-an-email", "password": PASSWORD}),
            vec!["email"],
        ),
        (
            json!({"agencyName": "X", "displayName": "A", "email": email, "password": "kurz"}),
            vec!["password"],
        ),
        (
            json!({"agencyName": "X", "displayName": "A", "email": email, "password": "passwort123456"}),
            vec!["password"],
        ),
        (
            json!({"agencyName": "X".repeat(201), "displayName": "  ", "email": "a@", "password": "aaaaaaaaaaaaaaaa"}),
            vec!["agencyName", "displayName", "email", "password"],
        ),
    ];
    for (input, fields) in cases {
        let r = app.gql(SIGN_UP, json!({"i": input}), None, None).await;
        assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
        let reported = r.fields();
        let got = reported.as_object().unwrap();
        let mut keys: Vec<_> = got.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, fields, "{}", r.body);
        assert!(got.values().all(|m| !m.as_str().unwrap().is_empty()));
    }
    let n = app
        .scalar_i64(&format!(
            "SELECT count(*) FROM platform.users WHERE email_normalized = '{email}'"
        ))
        .await;
    assert_eq!(n, 0, "a rejected sign-up wrote a user");
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT count(*) FROM platform.sign_up_requests WHERE lower(email) = '{email}'"
        ))
        .await,
        0,
        "a rejected sign-up stored a request"
    );
    // The same email twice, once registered: answered alike (no CONFLICT that would tell an
    // account exists), and still one user.
    let first = app
        .gql(
            SIGN_UP,
            json!({"i": {"agencyName": "A", "displayName": "B", "email": email, "password": PASSWORD}}),
            None,
            None,
        )
        .await;
    let token = app.sign_up_token(&email).await;
    let r = app
        .gql(
            "mutation($t: String!) { confirmSignUp(input: {token: $t}) { accessToken } }",
            json!({"t": token}),
            None,
            None,
        )
        .await;
    assert!(
        r.data()["confirmSignUp"]["accessToken"].is_string(),
        "{}",
        r.body
    );
    let again = app.gql(SIGN_UP, json!({"i": {"agencyName": "A", "displayName": "B", "email": email.to_uppercase(), "password": PASSWORD}}), None, None).await;
    assert_eq!(again.body, first.body);
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT count(*) FROM platform.users WHERE email_normalized = '{email}'"
        ))
        .await,
        1
    );
    // A used token does not work twice.
    let r = app
        .gql(
            "mutation($t: String!) { confirmSignUp(input: {token: $t}) { accessToken userErrors { field message code } } }",
            json!({"t": token}),
            None,
            None,
        )
        .await;
    assert_eq!(r.code(), Some("TOKEN_INVALID"), "{}", r.body);
}

#[tokio::test]
async fn invalid_tenant_input_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let list = "{ tenants { edges { node { id } } } }";
    for (input, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "N".repeat(201)}), "name"),
        (json!({"name": "Ok", "slug": "-bad-"}), "slug"),
        (json!({"name": "Ok", "slug": "UPPER"}), "slug"),
    ] {
        let r = app
            .gql(
                "mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id } userErrors { field message code } } }",
                json!({"i": input}),
                Some(&admin.access),
                None,
            )
            .await;
        assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
        assert!(r.fields()[field].is_string(), "{}", r.body);
    }
    let r = app.gql(list, json!({}), Some(&admin.access), None).await;
    assert_eq!(r.data()["tenants"]["edges"].as_array().unwrap().len(), 0);
    // Paging arguments are validated too.
    let r = app
        .gql(
            "{ tenants(first: 1000) { edges { cursor } } }",
            json!({}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    assert!(r.fields()["first"].is_string());
    let r = app
        .gql(
            "{ tenants(after: \"garbage!\") { edges { cursor } } }",
            json!({}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
}

#[tokio::test]
async fn over_deep_over_complex_over_size_and_malformed_requests_get_their_codes() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }";
    let r = app.gql(deep, json!({}), Some(&admin.access), None).await;
    assert_eq!(r.code(), Some("QUERY_TOO_DEEP"), "{}", r.body);
    // GraphQL over HTTP: a document the server did not execute has no `data` entry; it is a
    // 200 for a client that accepts `application/json`, a 400 for one that accepts
    // `application/graphql-response+json` (and gets that content type back).
    assert_eq!(r.status.as_u16(), 200);
    assert!(r.body.get("data").is_none(), "{}", r.body);
    let res = reqwest::Client::new()
        .post(format!("{}/graphql", app.url))
        .header(
            "accept",
            "application/graphql-response+json, application/json;q=0.9",
        )
        .header("authorization", format!("Bearer {}", admin.access))
        .json(&json!({"query": deep}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP");
    assert!(body.get("data").is_none(), "{body}");
    // And a POST that does not say it is JSON is refused as such.
    let res = reqwest::Client::new()
        .post(format!("{}/graphql", app.url))
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415);

    // Each alias costs 2 (a field and its child): 1,600 of them exceed the default 3,000.
    let wide: String = (0..1600)
        .map(|i| format!("a{i}: me {{ email }} "))
        .collect();
    let r = app
        .gql(
            &format!("{{ {wide} }}"),
            json!({}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.code(), Some("QUERY_TOO_COMPLEX"), "{}", r.body);

    let big = vec![b' '; 300 * 1024];
    let r = app.post_raw(big, Some(&admin.access), None).await;
    assert_eq!(r.status.as_u16(), 413);
    assert_eq!(r.code(), Some("PAYLOAD_TOO_LARGE"));

    let r = app.post_raw(b"{not json".to_vec(), None, None).await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(r.code(), Some("BAD_REQUEST"));

    let r = app
        .gql("{ noSuchField }", json!({}), Some(&admin.access), None)
        .await;
    assert_eq!(r.code(), Some("BAD_REQUEST"));
}

#[tokio::test]
async fn error_extensions_are_a_stable_contract() {
    let app = spawn_app().await;
    let r = app.gql("{ me { email } }", json!({}), None, None).await;
    assert_eq!(
        r.body["errors"][0]["extensions"],
        json!({"code": "UNAUTHENTICATED"})
    );
    assert_eq!(r.body["errors"][0]["message"], "authentication required");
    // A mutation answers what the user can fix as userErrors, each with its input path.
    let r = app
        .gql("mutation($i: SignUpInput!) { signUp(input: $i) { accepted userErrors { field message code } } }",
             json!({"i": {"agencyName": "A", "displayName": "B", "email": "x", "password": PASSWORD}}), None, None)
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    assert_eq!(
        r.data()["signUp"],
        json!({"accepted": null, "userErrors": [{"field": ["input", "email"],
               "message": "is not a valid email address", "code": "VALIDATION_FAILED"}]})
    );
    // Elsewhere a bad argument is a top-level error with the field in `extensions.fields`.
    let (admin, tenant) = app.owner_with_tenant().await;
    let r = app
        .gql(
            "{ persons(first: 0) { totalCount } }",
            json!({}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    let ext = &r.body["errors"][0]["extensions"];
    assert_eq!(ext["code"], "VALIDATION_FAILED", "{}", r.body);
    assert!(ext["fields"]["first"].is_string(), "{}", r.body);
}

/// Issue 17, finding 12: a NUL byte in a filter or a setting key was INTERNAL (PostgreSQL
/// refuses it deep inside). It is VALIDATION_FAILED naming where it was, and nothing is written.
#[tokio::test]
async fn a_nul_character_is_a_validation_error_naming_where() {
    let app = spawn_app().await;
    let (admin, tenant) = app.owner_with_tenant().await;
    let set = "mutation($k: String!) { setSetting(input: {key: $k, value: 1}) { setting { key } userErrors { field message code } } }";
    let r = app
        .gql(
            set,
            json!({"k": "crm.a\u{0}b"}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    assert_eq!(
        r.fields()["variables.k"],
        "must not contain NUL characters",
        "{}",
        r.body
    );
    // In a literal of the document, as GraphQL's escape.
    let r = app
        .gql(
            "{ persons(first: 5, filter: {search: \"K\\u0000ln\"}) { totalCount } }",
            json!({}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    assert!(r.fields()["query"].is_string());
    // Deep in an input object.
    let r = app
        .gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
            json!({"i": {"firstName": "A", "lastName": "B", "tags": ["ok", "n\u{0}"]}}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        r.fields()["variables.i.tags.1"],
        "must not contain NUL characters",
        "{}",
        r.body
    );
    let n = app
        .gql(
            "{ persons(first: 1) { totalCount } settings(first: 100) { totalCount } }",
            json!({}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        n.data()["persons"]["totalCount"],
        0,
        "nothing written: {}",
        n.body
    );
}
