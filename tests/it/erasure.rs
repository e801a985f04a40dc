//! Data-subject export and erasure: a person with data in every category is exported, then
//! erased; afterwards no column of any table of the tenant holds their name, email or phone,
//! search finds nothing, the consent chain still verifies, and the suppression hash blocks the
//! address on re-import, on create and on subscribe.

use std::io::Read;

use kartei_core::id::TenantId;
use kartei_tenancy::tenants::stmt;
use kartei_tests::{TestApp, spawn_app};
use reqwest::Method;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::{Value, json};

const FIRST: &str = "Erika";
const LAST: &str = "Beispielfrau";
const EMAIL: &str = "erika.beispielfrau@example.org";
const ALIAS_EMAIL: &str = "e.beispielfrau@example.org";
const PHONE: &str = "+49894455667";
const MOBILE: &str = "+4915122334455";

async fn ok(app: &TestApp, t: &str, tenant: &str, q: &str, vars: Value) -> Value {
    let r = app.gql(q, vars, Some(t), Some(tenant)).await;
    assert!(r.body["errors"].is_null(), "{q}: {}", r.body);
    r.body["data"].clone()
}

#[derive(FromQueryResult)]
struct Column {
    table_name: String,
    column_name: String,
    data_type: String,
}

/// Every column of every table in the tenant's schema (and the platform job queue) that holds
/// one of the needles: `(table.column, needle, rows)`.
async fn scan(app: &TestApp, tenant: &str, needles: &[&str]) -> Vec<(String, String, i64)> {
    let id: TenantId = tenant.parse().unwrap();
    let schema = id.schema_name();
    let conn = app.db.platform();
    let columns = Column::find_by_statement(stmt(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, c.data_type::text AS data_type \
         FROM information_schema.columns c JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' \
         WHERE c.table_schema = $1 OR (c.table_schema = 'platform' AND c.table_name = 'jobs')",
        vec![schema.clone().into()],
    ))
    .all(conn)
    .await
    .unwrap();
    assert!(columns.len() > 100, "scanned {} columns", columns.len());
    let mut hits = Vec::new();
    for c in &columns {
        let table = if c.table_name == "jobs" {
            "platform.jobs".to_owned()
        } else {
            format!("{schema}.{}", c.table_name)
        };
        for n in needles {
            let cond = if c.data_type == "bytea" {
                format!(
                    "position(convert_to($1, 'UTF8') IN \"{}\") > 0",
                    c.column_name
                )
            } else {
                format!("\"{}\"::text ILIKE '%' || $1 || '%'", c.column_name)
            };
            let row = conn
                .query_one_raw(stmt(
                    &format!("SELECT count(*) FROM {table} WHERE {cond}"),
                    vec![(*n).into()],
                ))
                .await
                .unwrap()
                .unwrap();
            let count: i64 = row.try_get_by_index(0).unwrap();
            if count > 0 {
                hits.push((
                    format!("{}.{}", c.table_name, c.column_name),
                    (*n).to_owned(),
                    count,
                ));
            }
        }
    }
    hits
}

#[tokio::test]
async fn export_holds_every_category_and_erasure_leaves_nothing_but_the_suppression_hash_and_legal_holds()
 {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let text = ok(&app, t, &tenant, "mutation { storeConsentText(input: {title: \"Angebote\", body: \"Ja, schickt mir Angebote.\"}) { consentText { hash } userErrors { field message code } } }", json!({})).await["storeConsentText"]["consentText"]["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    let create = "mutation($i: PersonInput!) { createPerson(input: $i) { person { id version } complianceWarnings userErrors { field message code } } }";
    let erika = ok(&app, t, &tenant, create, json!({"i": {
        "salutation": "Frau", "firstName": FIRST, "lastName": LAST, "email": EMAIL, "phone": "089 4455667",
        "mobile": "0151 22334455", "street": "Lindenweg 5", "postalCode": "86150", "city": "Augsburg", "birthday": "1970-04-12"
    }})).await["createPerson"]["person"]["id"].as_str().unwrap().to_owned();
    let other = ok(
        &app,
        t,
        &tenant,
        create,
        json!({"i": {"firstName": "Otto", "lastName": "Normal", "email": "otto@example.org"}}),
    )
    .await["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A duplicate that is merged into her: the tombstone and the merge snapshot hold her too.
    let alias = ok(&app, t, &tenant, create, json!({"i": {"firstName": FIRST, "lastName": LAST, "email": ALIAS_EMAIL, "street": "Lindenweg 5"}})).await["createPerson"]["person"]["id"].as_str().unwrap().to_owned();
    ok(&app, t, &tenant, "mutation($w: ID!, $l: ID!) { mergePersons(input: {winnerId: $w, loserIds: [$l]}) { merge { winner { id } } userErrors { field message code } } }", json!({"w": erika, "l": alias})).await;

    // Data in every category.
    let org = ok(
        &app,
        t,
        &tenant,
        "mutation { createOrganization(input: {name: \"Beispiel AG\"}) { organization { id } userErrors { field message code } } }",
        json!({}),
    )
    .await["createOrganization"]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&app, t, &tenant, "mutation($p: ID!, $o: ID!) { linkPersonToOrganization(input: {personId: $p, organizationId: $o, jobTitle: \"Einkauf\", isPrimary: true}) { relation { jobTitle } userErrors { field message code } } }", json!({"p": erika, "o": org})).await;
    ok(&app, t, &tenant, "mutation($p: ID!) { createInteraction(input: {personId: $p, kind: CALL, direction: INBOUND, subject: \"Rückruf\", summary: \"Frau Beispielfrau fragt nach Angebot\"}) { interaction { id } userErrors { field message code } } }", json!({"p": erika})).await;
    // Another person's note that mentions her address: redacted, the note itself stays.
    ok(&app, t, &tenant, "mutation($p: ID!) { createInteraction(input: {personId: $p, kind: NOTE, direction: INTERNAL, summary: \"Empfahl uns an erika.beispielfrau@example.org\"}) { interaction { id } userErrors { field message code } } }", json!({"p": other})).await;
    ok(&app, t, &tenant, "mutation($p: ID!) { createTransaction(input: {personId: $p, kind: INVOICE, number: \"RE-77\", amountMinor: 12900, issuedOn: \"2026-10-01\"}) { transaction { id } userErrors { field message code } } }", json!({"p": erika})).await;
    // Profiling (Art. 15(1)(h)): a static list, a BANT score and an ABC class.
    let list = ok(
        &app,
        t,
        &tenant,
        "mutation { createSegment(input: {name: \"Messe 2026\"}) { segment { id } userErrors { field message code } } }",
        json!({}),
    )
    .await["createSegment"]["segment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &app,
        t,
        &tenant,
        "mutation($id: ID!, $p: ID!) { addSegmentMembers(input: {id: $id, personIds: [$p]}) { added userErrors { field message code } } }",
        json!({"id": list, "p": erika}),
    )
    .await;
    ok(&app, t, &tenant, "mutation($p: ID!) { scoreBant(input: {personId: $p, budget: 20, authority: 15, need: 25, timing: 10}) { bantScore { total } userErrors { field message code } } }", json!({"p": erika})).await;
    ok(
        &app,
        t,
        &tenant,
        "mutation { runAbcAnalysis { report { customers } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    ok(&app, t, &tenant, "mutation($i: ConsentEventInput!) { recordConsent(input: $i) { consentEvent { id } userErrors { field message code } } }", json!({"i": {
        "personId": erika, "channel": "PHONE", "purpose": "offers", "kind": "GRANTED", "source": "CALL", "sourceRef": "Anruf vom 1.10.", "textHash": text
    }})).await;
    ok(&app, t, &tenant, "mutation($i: ExistingCustomerInput!) { recordExistingCustomer(input: $i) { existingCustomerRecord { id } userErrors { field message code } } }", json!({"i": {
        "personId": erika, "obtainedAt": "2026-10-01T10:00:00Z", "saleReference": "RE-77", "purposes": ["offers"], "noticeGivenAt": "2026-10-01T10:00:00Z"
    }})).await;
    // She subscribes on the website: pending consent, a confirmation mail (sent by a worker).
    let form = ok(&app, t, &tenant, "mutation($x: String!) { createSubscribeForm(input: {purpose: \"newsletter\", textHash: $x, pageUrl: \"https://shop.example/newsletter\"}) { subscribeForm { token actionUrl } userErrors { field message code } } }", json!({"x": text})).await["createSubscribeForm"]["subscribeForm"].clone();
    let res = app
        .http
        .post(format!("{}/p/subscribe", app.url))
        .header("User-Agent", "Firefox/140 (Erika)")
        .form(&[("token", form["token"].as_str().unwrap()), ("email", EMAIL)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app
        .tenant_i64(&tenant, "SELECT count(*) FROM sent_messages")
        .await
        == 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no confirmation mail was sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let access = ok(&app, t, &tenant, "mutation($p: ID!) { createDataSubjectRequest(input: {personId: $p, kind: ACCESS, note: \"Brief von Frau Beispielfrau\"}) { dataSubjectRequest { id dueAt exportPath } userErrors { field message code } } }", json!({"p": erika})).await["createDataSubjectRequest"]["dataSubjectRequest"].clone();
    ok(
        &app,
        t,
        &tenant,
        "query($p: ID!) { person(id: $p) { id } }",
        json!({"p": erika}),
    )
    .await;
    // Imports that saw her: a dry run keeps its upload and preview, a real one its error rows.
    let csv = format!(
        "Vorname;Nachname;E-Mail;Telefon\n{FIRST};{LAST};{EMAIL};089 4455667\nKarl;Kaputt;kein-email;0\n"
    );
    let upload = app
        .upload(t, &tenant, "kontakte_erika.csv", csv.into_bytes())
        .await;
    let dry = app
        .import_and_wait(t, &tenant, json!({"uploadId": upload, "mapping": ["first_name", "last_name", "email", "phone"], "dryRun": true}))
        .await;
    assert!(dry["preview"].to_string().contains(LAST), "{dry}");

    // The export: every category, as JSON and CSV.
    let path = access["exportPath"].as_str().unwrap();
    let (status, zip) = app.file_request(Method::GET, path, t, &tenant, None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&zip));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.clone())).unwrap();
    let mut names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    names.sort();
    let mut doc = String::new();
    archive
        .by_name("person.json")
        .unwrap()
        .read_to_string(&mut doc)
        .unwrap();
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let categories = kartei_compliance::dsr::CATEGORIES;
    for c in categories {
        let rows = doc["data"][c]
            .as_array()
            .unwrap_or_else(|| panic!("{c} missing"));
        assert!(!rows.is_empty(), "category {c} is empty in the export");
        let mut csv = String::new();
        archive
            .by_name(&format!("{c}.csv"))
            .unwrap()
            .read_to_string(&mut csv)
            .unwrap();
        assert!(
            csv.lines().count() > rows.len(),
            "{c}.csv has a header and a line per row"
        );
        println!("export: {c}: {} rows", rows.len());
    }
    assert_eq!(
        doc["data"]["profile"].as_array().unwrap().len(),
        2,
        "with the merged record"
    );
    let consents = doc["data"]["consents"].to_string();
    assert!(
        consents.contains("Firefox/140 (Erika)") && consents.contains("shop.example/newsletter"),
        "proof: {consents}"
    );
    println!("export archive: {} bytes, files {names:?}", zip.len());
    let r = ok(
        &app,
        t,
        &tenant,
        "{ dataSubjectRequests { kind status } }",
        json!({}),
    )
    .await;
    assert_eq!(r["dataSubjectRequests"][0]["status"], "COMPLETED");

    let needles = [
        FIRST,
        LAST,
        EMAIL,
        ALIAS_EMAIL,
        PHONE,
        MOBILE,
        "4455667",
        "22334455",
    ];
    let before = scan(&app, &tenant, &needles).await;
    println!(
        "before erasure: {} column/needle hits, e.g. {:?}",
        before.len(),
        &before[..before.len().min(6)]
    );
    assert!(before.len() >= 10);

    // Erasure, answering an erasure request.
    let request = ok(
        &app,
        t,
        &tenant,
        "mutation($p: ID!) { createDataSubjectRequest(input: {personId: $p, kind: ERASURE}) { dataSubjectRequest { id } userErrors { field message code } } }",
        json!({"p": erika}),
    )
    .await["createDataSubjectRequest"]["dataSubjectRequest"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let erased = ok(&app, t, &tenant, "mutation($p: ID!, $r: ID!) { erasePerson(input: {id: $p, reason: \"Art. 17 request by letter\", requestId: $r}) { erasure { erasureId removed } userErrors { field message code } } }", json!({"p": erika, "r": request})).await["erasePerson"]["erasure"].clone();
    println!("erased: {}", erased["removed"]);
    assert_eq!(erased["removed"]["persons"], 2);

    // What a legal duty keeps stays, minimized, in `legal_holds` only (law.rs tests them in
    // depth): her invoice and the proof of her phone consent; no email address anywhere.
    let after: Vec<_> = scan(&app, &tenant, &needles)
        .await
        .into_iter()
        .filter(|(column, needle, _)| column != "legal_holds.record" || needle.contains('@'))
        .collect();
    assert!(
        after.is_empty(),
        "personal data left after erasure: {after:?}"
    );
    assert_eq!(
        app.tenant_texts(&tenant, "SELECT kind FROM legal_holds ORDER BY kind")
            .await,
        ["invoice", "phone_consent_proof"]
    );
    println!("after erasure: 0 hits for {needles:?} outside the legal holds");

    // Search finds nothing; the consent chain still verifies (with redacted rows).
    for q in [LAST, EMAIL, FIRST] {
        let r = ok(&app, t, &tenant, "query($q: String!) { persons(filter: {query: $q}, first: 10) { edges { node { id } } } }", json!({"q": q})).await;
        assert_eq!(r["persons"]["edges"], json!([]), "search {q}");
    }
    let chain = ok(
        &app,
        t,
        &tenant,
        "{ verifyConsentChain { intact events redacted } }",
        json!({}),
    )
    .await["verifyConsentChain"]
        .clone();
    assert_eq!(chain["intact"], true, "{chain}");
    assert!(chain["redacted"].as_i64().unwrap() >= 2, "{chain}");
    let records = ok(&app, t, &tenant, "{ erasureRecords { reason requestId removed } dataSubjectRequests { kind status personId } }", json!({})).await;
    assert_eq!(
        records["erasureRecords"][0]["reason"],
        "Art. 17 request by letter"
    );
    assert_eq!(records["erasureRecords"][0]["requestId"], request);
    assert!(
        records["dataSubjectRequests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "COMPLETED" && r["personId"].is_null())
    );
    // The other person's note stays, without her address.
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM interactions WHERE summary = 'Empfahl uns an [erased]'"
        )
        .await,
        1
    );

    // The suppression hash blocks her address everywhere.
    let reimport = format!("Vorname;Nachname;E-Mail\n{FIRST};{LAST};{EMAIL}\n");
    let upload = app
        .upload(t, &tenant, "wieder.csv", reimport.into_bytes())
        .await;
    let imp = app
        .import_and_wait(
            t,
            &tenant,
            json!({"uploadId": upload, "mapping": ["first_name", "last_name", "email"],
            "consent": {"channel": "email", "purpose": "newsletter", "textHash": text}}),
        )
        .await;
    assert_eq!(
        (imp["rowsCreated"].as_i64(), imp["rowsWarned"].as_i64()),
        (Some(1), Some(1)),
        "{imp}"
    );
    let warning = &imp["errors"]["edges"][0]["node"];
    assert_eq!(warning["severity"], "WARNING");
    assert_eq!(warning["column"], "E-Mail");
    println!("re-import warned: {warning}");
    let again = ok(
        &app,
        t,
        &tenant,
        "query($q: String!) { persons(filter: {query: $q}, first: 1) { edges { node { id } } } }",
        json!({"q": EMAIL}),
    )
    .await["persons"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM consent_events WHERE person_id IS NOT NULL"
        )
        .await,
        0,
        "no consent for a suppressed address"
    );
    let d = ok(&app, t, &tenant, "query($p: ID!) { mayContact(personId: $p, channel: EMAIL, purpose: \"newsletter\") { allowed reason } }", json!({"p": again})).await;
    assert_eq!(
        d["mayContact"],
        json!({"allowed": false, "reason": "SUPPRESSED"})
    );
    let created = ok(
        &app,
        t,
        &tenant,
        create,
        json!({"i": {"lastName": "Neu", "phone": "089 4455667"}}),
    )
    .await;
    assert_eq!(
        created["createPerson"]["complianceWarnings"],
        json!(["SUPPRESSED_PHONE"])
    );
    let pending = app
        .tenant_i64(&tenant, "SELECT count(*) FROM consent_events")
        .await;
    let res = app
        .http
        .post(format!("{}/p/subscribe", app.url))
        .form(&[("token", form["token"].as_str().unwrap()), ("email", EMAIL)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "the form answers alike");
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM consent_events")
            .await,
        pending
    );
}

#[tokio::test]
async fn requests_have_deadlines_and_retention_flags_then_erases() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let create = "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }";
    let old = ok(
        &app,
        t,
        &tenant,
        create,
        json!({"i": {"lastName": "Altkunde", "email": "alt@example.org"}}),
    )
    .await["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fresh = ok(
        &app,
        t,
        &tenant,
        create,
        json!({"i": {"lastName": "Neukunde", "email": "neu@example.org"}}),
    )
    .await["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Deadlines: one month from receipt, three when extended once.
    let r = ok(&app, t, &tenant, "mutation($p: ID!) { createDataSubjectRequest(input: {personId: $p, kind: ACCESS, receivedAt: \"2026-01-31T09:00:00Z\"}) { dataSubjectRequest { id dueAt overdue } userErrors { field message code } } }", json!({"p": fresh})).await["createDataSubjectRequest"]["dataSubjectRequest"].clone();
    assert_eq!(r["dueAt"], "2026-02-28T09:00:00+00:00");
    assert_eq!(r["overdue"], true);
    let e = ok(&app, t, &tenant, "mutation($r: ID!) { extendDataSubjectRequest(input: {id: $r, reason: \"Umfangreiche Daten\"}) { dataSubjectRequest { dueAt } userErrors { field message code } } }", json!({"r": r["id"]})).await;
    assert_eq!(
        e["extendDataSubjectRequest"]["dataSubjectRequest"]["dueAt"],
        "2026-04-30T09:00:00+00:00"
    );
    let again = app.gql("mutation($r: ID!) { extendDataSubjectRequest(input: {id: $r, reason: \"noch mal\"}) { dataSubjectRequest { dueAt } userErrors { field message code } } }", json!({"r": r["id"]}), Some(t), Some(&tenant)).await;
    assert_eq!(again.code(), Some("CONFLICT"));
    ok(
        &app,
        t,
        &tenant,
        "mutation($r: ID!) { closeDataSubjectRequest(input: {id: $r}) { dataSubjectRequest { status } userErrors { field message code } } }",
        json!({"r": r["id"]}),
    )
    .await;

    // Retention: the inactive person is due, the fresh one is not.
    let id: TenantId = tenant.parse().unwrap();
    let tx = app.db.begin_tenant(id).await.unwrap();
    tx.execute_raw(stmt(
        "UPDATE persons SET created_at = now() - interval '40 months' WHERE id = $1",
        vec![
            uuid::Uuid::parse_str(&kartei_tests::uuid(&old))
                .unwrap()
                .into(),
        ],
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let p = ok(&app, t, &tenant, "mutation { putRetentionPolicy(input: {patch: {name: \"3 Jahre\", inactiveMonths: 36, action: FLAG, enabled: false}}) { retentionPolicy { id } userErrors { field message code } } }", json!({})).await["putRetentionPolicy"]["retentionPolicy"]["id"].as_str().unwrap().to_owned();
    let dry = ok(
        &app,
        t,
        &tenant,
        "query($p: ID!) { retentionDryRun(id: $p) { total sample { personId flagged } } }",
        json!({"p": p}),
    )
    .await["retentionDryRun"]
        .clone();
    assert_eq!(dry["total"], 1);
    assert_eq!(dry["sample"][0]["personId"], old);
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM persons WHERE erasure_requested_at IS NOT NULL"
        )
        .await,
        0,
        "a dry run changes nothing"
    );
    let run = ok(
        &app,
        t,
        &tenant,
        "mutation($p: ID!) { runRetentionPolicy(input: {id: $p}) { result userErrors { field message code } } }",
        json!({"p": p}),
    )
    .await;
    assert_eq!(run["runRetentionPolicy"]["result"]["flagged"], 1);
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM persons WHERE erasure_requested_by = 'retention:3 Jahre'"
        )
        .await,
        1
    );
    let erased = ok(
        &app,
        t,
        &tenant,
        "mutation { eraseRequestedPersons { erasures { erasureId } userErrors { code } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        erased["eraseRequestedPersons"]["erasures"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        1
    );
    let audit = ok(
        &app,
        t,
        &tenant,
        "{ auditLog(action: \"retention.\", first: 5) { edges { node { action actor { label kind } } } } }",
        json!({}),
    )
    .await;
    assert!(
        audit["auditLog"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["action"] == "retention.run"),
        "{audit}"
    );
    // An erasing policy, run by the worker as soon as it is enabled.
    let tx = app.db.begin_tenant(id).await.unwrap();
    tx.execute_raw(stmt(
        "UPDATE persons SET created_at = now() - interval '40 months' WHERE id = $1",
        vec![
            uuid::Uuid::parse_str(&kartei_tests::uuid(&fresh))
                .unwrap()
                .into(),
        ],
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();
    ok(&app, t, &tenant, "mutation { putRetentionPolicy(input: {patch: {name: \"weg\", inactiveMonths: 36, action: ERASE}}) { retentionPolicy { id } userErrors { field message code } } }", json!({})).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app
        .tenant_i64(&tenant, "SELECT count(*) FROM persons")
        .await
        > 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not run the retention policy"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM erasures")
            .await,
        2
    );
    // Viewing a person is audited and queryable per person.
    let who = ok(
        &app,
        t,
        &tenant,
        "{ auditLog(action: \"person.\", first: 20) { edges { node { action subject } } } }",
        json!({}),
    )
    .await;
    let actions: Vec<&str> = who["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"person.erased") && actions.contains(&"person.created"),
        "{actions:?}"
    );
}
