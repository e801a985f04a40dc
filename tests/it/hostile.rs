//! The hostile-input sweep: property-based inputs (proptest) for every parser that takes
//! outside input, sent through the real server. Each generated input either succeeds or gets
//! a stable error code — never INTERNAL, a 5xx, a panic or a hang (every request has a
//! deadline) — and a refused write leaves nothing behind. Each property prints how many
//! inputs it tried and how they ended, and its seed (`HOSTILE_SEED=<seed>` repeats a run).

use std::collections::BTreeMap;
use std::time::Duration;

use kartei_tests::{Account, Redis, TestApp, spawn_app_with};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

/// A runner seeded from `HOSTILE_SEED` or at random (printed, so a failure can be repeated).
fn runner() -> (TestRunner, u64) {
    let seed = std::env::var("HOSTILE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| uuid::Uuid::new_v4().as_u64_pair().0);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    (TestRunner::new_with_rng(Config::default(), rng), seed)
}

fn sample<S: Strategy>(runner: &mut TestRunner, s: &S) -> S::Value {
    s.new_tree(runner).unwrap().current()
}

/// Outcomes by code (`OK` for success), and a check on each.
#[derive(Default)]
struct Tally(BTreeMap<String, usize>);

impl Tally {
    /// Counts one GraphQL answer; fails on INTERNAL or a 5xx.
    fn gql(&mut self, r: &kartei_tests::Reply, input: &dyn std::fmt::Debug) -> bool {
        let code = r.code().unwrap_or("OK").to_owned();
        assert!(
            code != "INTERNAL" && !r.status.is_server_error(),
            "{input:?} → {} {}",
            r.status,
            r.body
        );
        let ok = code == "OK";
        *self.0.entry(code).or_default() += 1;
        ok
    }

    /// Counts one plain HTTP answer by status; fails on a 5xx.
    fn http(&mut self, status: u16, input: &dyn std::fmt::Debug, body: &str) {
        assert!(status < 500, "{input:?} → {status} {body}");
        *self.0.entry(status.to_string()).or_default() += 1;
    }

    fn total(&self) -> usize {
        self.0.values().sum()
    }

    fn report(&self, property: &str, seed: u64) {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!(
            "property {property}: {} inputs (seed {seed}): {}",
            self.total(),
            parts.join(", ")
        );
    }
}

/// An app whose per-client limits do not get in the way of a sweep.
async fn app() -> TestApp {
    spawn_app_with(Redis::Shared, None, |s| {
        s.limits.api_burst = 100_000;
        s.limits.api_per_minute = 100_000;
        s.limits.anonymous_burst = 100_000;
        s.limits.anonymous_per_minute = 100_000;
        s.limits.previews_burst = 100_000;
        s.limits.previews_per_minute = 100_000;
        s.limits.doi_per_mailbox_per_hour = 100_000;
        s.limits.doi_per_domain_per_hour = 100_000;
        s.limits.doi_per_form_per_hour = 100_000;
    })
    .await
}

/// Text that mixes the characters parsers trip over with plain words.
fn nasty_text() -> impl Strategy<Value = String> + Clone {
    let piece = prop_oneof![
        Just("ä".to_owned()),
        Just("ß".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\r\n".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("%".to_owned()),
        Just("*".to_owned()),
        Just("=cmd|' /C calc'!A0".to_owned()),
        Just("<script>".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("🙂".to_owned()),
        Just("x".repeat(5000)),
        "[a-zA-Z0-9 @.+-]{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

async fn person(app: &TestApp, t: &str, tenant: &str, first: &str, last: &str) -> String {
    let r = app
        .gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } } }",
            json!({"i": {"firstName": first, "lastName": last, "email": format!("{first}.{last}@example.de").to_lowercase()}}),
            Some(t),
            Some(tenant),
        )
        .await;
    r.data()["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn owner(app: &TestApp) -> (Account, String) {
    let (owner, tenant) = app.owner_with_tenant().await;
    for (f, l) in [
        ("Anna", "Alt"),
        ("Bernd", "Berg"),
        ("Clara", "Christ"),
        ("Dieter", "Dorn"),
    ] {
        person(app, &owner.access, &tenant, f, l).await;
    }
    (owner, tenant)
}

#[tokio::test]
async fn hostile_cursors_and_search_queries() {
    let app = app().await;
    let (owner, tenant) = owner(&app).await;
    let t = owner.access.as_str();
    let first = app
        .gql(
            "{ persons(first: 1) { pageInfo { endCursor } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let valid = first.data()["persons"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut runner, seed) = runner();
    let cursor = prop_oneof![
        Just(valid.clone()),
        nasty_text(),
        "[A-Za-z0-9+/=_-]{0,60}",
        (0..valid.len(), any::<char>()).prop_map({
            let valid = valid.clone();
            move |(i, c)| {
                let mut s: Vec<char> = valid.chars().collect();
                s[i] = c;
                s.into_iter().collect()
            }
        }),
    ];
    let mut tally = Tally::default();
    for _ in 0..200 {
        let c = sample(&mut runner, &cursor);
        for q in [
            "query($c: String) { persons(first: 3, after: $c) { edges { cursor node { id } } } }",
            "query($c: String) { persons(last: 3, before: $c) { edges { cursor } } }",
            "query($c: String) { searchContacts(query: \"a\", first: 3, after: $c) { edges { cursor } } }",
        ] {
            let r = app.gql(q, json!({"c": c}), Some(t), Some(&tenant)).await;
            tally.gql(&r, &c);
        }
    }
    tally.report("relay cursors", seed);
    let mut tally = Tally::default();
    let query = prop_oneof![
        nasty_text(),
        prop::collection::vec(
            prop_oneof![
                Just("\"".to_owned()),
                Just("-".to_owned()),
                Just("*".to_owned()),
                Just(":".to_owned()),
                Just("OR".to_owned()),
                Just("müller".to_owned()),
                Just("%_".to_owned()),
                "[a-z]{1,8}",
            ],
            0..8
        )
        .prop_map(|v| v.join(" ")),
    ];
    for _ in 0..300 {
        let q = sample(&mut runner, &query);
        let r = app
            .gql(
                "query($q: String!) { searchContacts(query: $q, first: 5, facets: [CITY, TAGS]) { edges { node { contactId } } } }",
                json!({"q": q}),
                Some(t),
                Some(&tenant),
            )
            .await;
        tally.gql(&r, &q);
    }
    tally.report("search query strings", seed);
}

/// A JSON tree shaped like segment rules, with wrong shapes, fields, operators and values.
fn rule() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        Just("city"),
        Just("tags"),
        Just("custom.score"),
        Just("last_name"),
        Just("birthday"),
        Just("lifecycle_stage"),
        Just("revenue"),
        Just("last_interaction_at"),
        Just("consent.email.newsletter"),
        Just("nope"),
        Just(""),
    ]
    .prop_map(Value::from);
    let op = prop_oneof![
        Just("eq"),
        Just("ne"),
        Just("in"),
        Just("notIn"),
        Just("lt"),
        Just("gt"),
        Just("between"),
        Just("isEmpty"),
        Just("has"),
        Just("contains"),
        Just("withinDays"),
        Just("drop table"),
    ]
    .prop_map(Value::from);
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        nasty_text().prop_map(Value::from),
        Just(json!("2026-02-30")),
        Just(json!(["a", 1, null])),
        Just(json!({"a": 1})),
    ];
    let random =
        (field, op, scalar.clone(), any::<u8>()).prop_map(|(f, o, v, shape)| match shape % 4 {
            0 => json!({"field": f, "op": o, "value": v}),
            1 => json!({"field": f, "op": o}),
            2 => json!({"field": f, "value": v}),
            _ => v,
        });
    // Conditions the catalog accepts, with hostile values where it takes text or numbers:
    // these reach the SQL compiler and the database.
    let text = nasty_text();
    let number = prop_oneof![
        any::<i64>().prop_map(Value::from),
        (-1e15f64..1e15).prop_map(Value::from)
    ];
    let valid = prop_oneof![
        text.clone().prop_map(|v| json!({"field": "city", "op": "eq", "value": v})),
        text.clone().prop_map(|v| json!({"field": "city", "op": "contains", "value": v})),
        text.clone().prop_map(|v| json!({"field": "lastName", "op": "startsWith", "value": v})),
        prop::collection::vec(text.clone(), 0..4)
            .prop_map(|v| json!({"field": "city", "op": "in", "value": v})),
        text.clone().prop_map(|v| json!({"field": "tags", "op": "has", "value": v})),
        prop::collection::vec(text.clone(), 0..4)
            .prop_map(|v| json!({"field": "tags", "op": "hasAny", "value": v})),
        Just(json!({"field": "city", "op": "isEmpty"})),
        Just(json!({"field": "abcClass", "op": "in", "value": ["A", "B"]})),
        Just(json!({"field": "dnrReason", "op": "eq", "value": "bad_payer"})),
        number.clone().prop_map(|v| json!({"field": "interactions.count", "op": "gte", "value": v,
            "filter": {"kinds": ["call"], "period": {"withinLast": {"amount": 12, "unit": "months"}}}})),
        (number.clone(), number).prop_map(|(a, b)| json!({"field": "interactions.count", "op": "between", "value": [a, b]})),
        text.prop_map(|v| json!({"field": "mayContact", "op": "is", "value": true,
            "filter": {"channel": "email", "purpose": v}})),
    ];
    let leaf = prop_oneof![3 => valid, 1 => random];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({"and": v})),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({"or": v})),
            inner.clone().prop_map(|v| json!({"not": v})),
            (inner.clone(), inner).prop_map(|(a, b)| json!({"and": a, "or": b})),
        ]
    })
}

#[tokio::test]
async fn hostile_segment_rules() {
    let app = app().await;
    let (owner, tenant) = owner(&app).await;
    let t = owner.access.as_str();
    let (mut runner, seed) = runner();
    let strategy = rule();
    let mut tally = Tally::default();
    let mut saved = 0;
    for i in 0..300 {
        let r = sample(&mut runner, &strategy);
        let preview = app
            .gql(
                "query($r: JSON!) { previewSegment(rule: $r) { count } }",
                json!({"r": r}),
                Some(t),
                Some(&tenant),
            )
            .await;
        tally.gql(&preview, &r);
        let create = app
            .gql(
                "mutation($i: SegmentInput!) { createSegment(input: $i) { segment { id } userErrors { field message code } } }",
                json!({"i": {"name": format!("S{i}"), "rule": r}}),
                Some(t),
                Some(&tenant),
            )
            .await;
        if tally.gql(&create, &r) {
            saved += 1;
        }
    }
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM segments")
            .await,
        saved,
        "a refused rule saved nothing"
    );
    tally.report("segment rule JSON (preview and save)", seed);
}

#[tokio::test]
async fn hostile_template_sources() {
    let app = app().await;
    let (owner, tenant) = owner(&app).await;
    let t = owner.access.as_str();
    let anna = kartei_tests::uuid(
        app.gql(
            "{ persons(first: 1) { edges { node { id } } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await
        .data()["persons"]["edges"][0]["node"]["id"]
            .as_str()
            .unwrap(),
    );
    let fragment = prop_oneof![
        Just("{{ ".to_owned()),
        Just(" }}".to_owned()),
        Just("{% ".to_owned()),
        Just(" %}".to_owned()),
        Just("for x in custom|items".to_owned()),
        Just("endfor".to_owned()),
        Just("if first_name".to_owned()),
        Just("else".to_owned()),
        Just("endif".to_owned()),
        Just("set s = ".to_owned()),
        Just("s ~ s".to_owned()),
        Just("first_name".to_owned()),
        Just("greeting".to_owned()),
        Just("custom.score".to_owned()),
        Just("'x'".to_owned()),
        Just(" * ".to_owned()),
        Just(" ~ ".to_owned()),
        Just("1000".to_owned()),
        Just("100000000".to_owned()),
        Just("|upper".to_owned()),
        Just("|replace('', 'yy')".to_owned()),
        Just("|join(', ')".to_owned()),
        Just("|format(1)".to_owned()),
        Just("range(10)".to_owned()),
        Just("namespace()".to_owned()),
        Just("macro m()".to_owned()),
        Just("endmacro".to_owned()),
        Just("include 'x'".to_owned()),
        Just("{# ".to_owned()),
        Just(" #}".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("loop.index".to_owned()),
        nasty_text(),
    ];
    let source = prop::collection::vec(fragment, 1..14).prop_map(|v| v.concat());
    let (mut runner, seed) = runner();
    let (mut saves, mut previews) = (Tally::default(), Tally::default());
    let mut saved = 0;
    for i in 0..250 {
        let body = sample(&mut runner, &source);
        let r = app
            .gql(
                "mutation($i: TemplateInput!) { createTemplate(input: $i) { template { id } userErrors { field message code } } }",
                json!({"i": {"name": format!("T{i}"), "channel": "LETTER", "body": body}}),
                Some(t),
                Some(&tenant),
            )
            .await;
        if saves.gql(&r, &body) {
            saved += 1;
            let id = r.data()["createTemplate"]["template"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let p = tokio::time::timeout(
                Duration::from_secs(20),
                app.gql(
                    "query($t: ID!, $p: ID!) { previewTemplate(templateId: $t, personId: $p) { text missingValue } }",
                    json!({"t": id, "p": anna}),
                    Some(t),
                    Some(&tenant),
                ),
            )
            .await
            .unwrap_or_else(|_| panic!("a preview of {body:?} did not answer within 20 s"));
            previews.gql(&p, &body);
        }
    }
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM templates")
            .await,
        saved,
        "a refused template saved nothing"
    );
    saves.report("template sources (save)", seed);
    previews.report("template sources (preview of the saved)", seed);
}

/// A workbook with one header and one row, as Excel would write it.
fn workbook() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, v) in ["Vorname", "E-Mail", "PLZ"].iter().enumerate() {
        ws.write_string(0, c as u16, *v).unwrap();
    }
    for (c, v) in ["Käthe", "kaethe@example.de", "01067"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn hostile_files_and_column_mappings() {
    let app = app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let cell = prop_oneof![
        Just(";".to_owned()),
        Just(",".to_owned()),
        Just("\t".to_owned()),
        Just("\"".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("E-Mail".to_owned()),
        Just("Vorname".to_owned()),
        Just("Telefon (geschäftlich)".to_owned()),
        Just("00.00.0000".to_owned()),
        Just("josé@example.de".to_owned()),
        nasty_text(),
    ];
    let csv = prop::collection::vec(cell, 0..40).prop_map(|v| v.concat().into_bytes());
    let xlsx = workbook();
    let broken = (
        prop::collection::vec((0..xlsx.len(), any::<u8>()), 1..8),
        0..=xlsx.len(),
    )
        .prop_map(move |(flips, cut)| {
            let mut b = xlsx.clone();
            for (i, v) in flips {
                b[i] = v;
            }
            b.truncate(cut.max(4));
            b
        });
    let file = prop_oneof![
        csv,
        prop::collection::vec(any::<u8>(), 0..3000),
        prop::collection::vec(any::<u8>(), 0..3000).prop_map(|mut b| {
            b.splice(0..0, *b"PK\x03\x04");
            b
        }),
        broken,
    ];
    let target = prop_oneof![
        Just(Value::Null),
        Just(json!("email")),
        Just(json!("first_name")),
        Just(json!("custom.kunde_seit")),
        Just(json!("tags")),
        Just(json!("organization")),
        Just(json!("birthday")),
        Just(json!("password")),
        nasty_text().prop_map(Value::from),
    ];
    let mapping = prop::collection::vec(target, 0..6);
    let keys = prop::collection::vec(
        prop_oneof![Just("email"), Just("external_id"), Just("phone"), Just("")],
        0..3,
    );
    let (mut runner, seed) = runner();
    let (mut uploads, mut previews, mut imports) =
        (Tally::default(), Tally::default(), Tally::default());
    let mut started = 0;
    for _ in 0..150 {
        let bytes = sample(&mut runner, &file);
        let res = app
            .http
            .post(format!("{}/files/uploads", app.url))
            .query(&[("filename", "liste.csv")])
            .header("authorization", format!("Bearer {t}"))
            .header("x-tenant-id", &tenant)
            .timeout(Duration::from_secs(30))
            .body(bytes.clone())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        uploads.http(status, &bytes.len(), &body.to_string());
        let Some(upload) = body["id"].as_str() else {
            continue;
        };
        let p = app
            .gql(
                "query($u: ID!) { importPreview(uploadId: $u) { headers suggestedMapping rows { cells } } }",
                json!({"u": upload}),
                Some(t),
                Some(&tenant),
            )
            .await;
        previews.gql(&p, &bytes.len());
        // Mostly one target per column (what a client sends), sometimes any length.
        let columns = p.data()["importPreview"]["headers"]
            .as_array()
            .map_or(0, Vec::len);
        let mut m = sample(&mut runner, &mapping);
        if columns > 0 && sample(&mut runner, &any::<u8>()) % 4 != 0 {
            m.resize(columns, Value::Null);
            m[0] = json!("email");
        }
        let k = sample(&mut runner, &keys);
        let r = app
            .gql(
                "mutation($i: StartImportInput!) { startImport(input: $i) { import { id } userErrors { field message code } } }",
                json!({"i": {"uploadId": upload, "mapping": m, "matchKeys": k, "dryRun": true}}),
                Some(t),
                Some(&tenant),
            )
            .await;
        if imports.gql(&r, &(&m, &k)) {
            started += 1;
        }
    }
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM imports")
            .await,
        started,
        "a refused import started nothing"
    );
    uploads.report("uploaded files (upload)", seed);
    previews.report("uploaded files (CSV/XLSX reader, importPreview)", seed);
    imports.report("column mappings (startImport)", seed);
}

#[tokio::test]
async fn hostile_form_posts_and_public_tokens() {
    let app = app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let form = app.subscribe_form(t, &tenant).await;
    let token = prop_oneof![
        3 => Just(form.clone()),
        1 => (0..form.len(), "[A-Za-z0-9_-]").prop_map({
            let form = form.clone();
            move |(i, c)| {
                let mut s = form.clone();
                s.replace_range(i..=i, &c);
                s
            }
        }),
        1 => nasty_text(),
    ];
    let email = prop_oneof![
        "[a-z]{1,10}(\\+[a-z0-9]{1,4})?@[a-z]{1,8}\\.(de|com|example)",
        Just("@".to_owned()),
        Just("a@b".to_owned()),
        Just("josé@example.de".to_owned()),
        Just(format!("{}@example.de", "a".repeat(300))),
        nasty_text(),
    ];
    let field = prop_oneof![Just(None), nasty_text().prop_map(Some)];
    let post = (
        token,
        email,
        field.clone(),
        field.clone(),
        field,
        any::<u8>(),
    );
    let (mut runner, seed) = runner();
    let mut tally = Tally::default();
    let before = app
        .tenant_i64(&tenant, "SELECT count(*) FROM persons")
        .await;
    let mut accepted = 0;
    for _ in 0..300 {
        let (tok, em, first, last, website, shape) = sample(&mut runner, &post);
        let mut fields = vec![
            ("token", Some(tok)),
            ("email", Some(em)),
            ("firstName", first),
            ("lastName", last),
        ];
        if shape % 5 == 0 {
            fields.push(("website", website));
        }
        let fields: Vec<(&str, String)> = fields
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let req = app
            .http
            .post(format!("{}/p/subscribe", app.url))
            .timeout(Duration::from_secs(30));
        let req = match shape % 3 {
            0 => req.header("accept", "application/json").form(&fields),
            1 => req
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(
                    serde_json::to_vec(&fields.iter().cloned().collect::<BTreeMap<_, _>>())
                        .unwrap(),
                ),
            _ => req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    fields
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("&"),
                ),
        };
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        tally.http(status, &fields, &body);
        if status == 202 {
            accepted += 1;
        }
    }
    let after = app
        .tenant_i64(&tenant, "SELECT count(*) FROM persons")
        .await;
    assert!(
        after - before <= accepted,
        "{} persons from {accepted} accepted posts",
        after - before
    );
    tally.report("public form posts (/p/subscribe)", seed);

    // Tracking and public links: made-up and mangled tokens never redirect and never fail.
    let junk = prop_oneof![nasty_text(), "[A-Za-z0-9._-]{0,200}", Just(form.clone()),];
    let mut tally = Tally::default();
    for _ in 0..150 {
        let tok = sample(&mut runner, &junk);
        let enc: String = tok.bytes().map(|b| format!("%{b:02X}")).collect();
        for (path, may_redirect) in [
            (format!("/t/o/{enc}"), false),
            (format!("/t/c/{enc}?u=https%3A%2F%2Fevil.example%2F"), false),
            (format!("/p/confirm?token={enc}"), false),
            (format!("/p/unsubscribe?token={enc}"), false),
        ] {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap();
            let res = client
                .get(format!("{}{path}", app.url))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            assert!(
                may_redirect || !(300..400).contains(&status),
                "{path} redirected"
            );
            tally.http(status, &path, "");
        }
    }
    tally.report("tracking and public-link tokens", seed);
}
