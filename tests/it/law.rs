//! The law read precisely (GDPR, UWG, TDDDG): restriction of processing (Art. 18 GDPR) stops
//! every processing but storage; every message sent is on the record (Art. 15 GDPR), also one
//! recovered after a crash.

use std::collections::HashMap;

use kartei_server::settings::Settings;
use kartei_tests::{Redis, Smtpd, spawn_app_with};
use serde_json::json;

use crate::campaigns::{
    campaign, kartei_exe, launch, ok, person_id, reason_counts, report, run_jobs, seed, wait_status,
};

const SEARCH: &str =
    "query($q: String!) { searchContacts(query: $q) { totalCount edges { node { contactId } } } }";

/// An app on a database of its own (dropped first) with no worker of its own: the test runs
/// the worker's jobs itself (`run_jobs` with the settings returned), sending to `smtp`.
pub(crate) async fn private_app(name: &str, smtp: &str) -> (kartei_tests::TestApp, Settings) {
    let db = kartei_tests::database_url().replace("/kartei_test", &format!("/kartei_test_{name}"));
    kartei_tests::drop_database(&db).await;
    let settings = kartei_tests::worker_settings(&db, smtp);
    let app = spawn_app_with(Redis::Shared, Some(db), |s| s.worker.in_process = false).await;
    (app, settings)
}

/// The tenant's person export as CSV text.
async fn export_csv(app: &kartei_tests::TestApp, t: &str, tenant: &str) -> String {
    let (status, body) = app
        .file_request(
            reqwest::Method::POST,
            "/files/exports/persons",
            t,
            tenant,
            Some(json!({"format": "CSV"})),
        )
        .await;
    assert_eq!(status, 200);
    String::from_utf8_lossy(&body).into_owned()
}

#[tokio::test]
async fn a_restricted_person_is_only_stored() {
    let smtpd = Smtpd::start();
    let (app, settings) = private_app("restriction", &smtpd.url()).await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let gql = |q: &'static str, v: serde_json::Value| app.gql(q, v, Some(t), Some(&tenant));
    seed(&app, &tenant, "law", 3, true).await;
    let c1 = person_id(&app, &tenant, "c1.law@example.de").await;
    run_jobs(&app, &settings).await;
    let found = |r: &kartei_tests::Reply| -> Vec<String> {
        ok(r, "search")["searchContacts"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| kartei_tests::uuid(e["node"]["contactId"].as_str().unwrap()))
            .collect()
    };
    let before = found(&gql(SEARCH, json!({"q": "Name1"})).await);
    assert!(
        before.contains(&c1),
        "found before the restriction: {before:?}"
    );
    let (first, v1) = campaign(&app, t, &tenant, "law", "Vorher").await;
    assert_eq!(launch(&app, t, &tenant, &first, v1).await["audience"], 3);

    // The person contests the accuracy of their data: a restriction request restricts at once.
    let r = gql(
        "mutation($p: ID!) { createDataSubjectRequest(input: {personId: $p, kind: RESTRICTION, note: \"Adresse bestritten\"}) { dataSubjectRequest { id kind } userErrors { field message code } } }",
        json!({"p": c1}),
    )
    .await;
    ok(&r, "restriction request");
    let r = gql(
        "query($p: ID!) { person(id: $p) { restrictedAt restrictionReason } }",
        json!({"p": c1}),
    )
    .await;
    let p = ok(&r, "person")["person"].clone();
    assert!(p["restrictedAt"].is_string(), "{p}");
    assert!(
        p["restrictionReason"]
            .as_str()
            .unwrap()
            .starts_with("data-subject request"),
        "{p}"
    );
    run_jobs(&app, &settings).await;

    // No segment, no new audience, no search hit, no export.
    let r = gql(
        "mutation { createSegment(input: {name: \"Alle law\", rule: {field: \"tags\", op: \"has\", value: \"law\"}}) { segment { liveCount } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        ok(&r, "segment")["createSegment"]["segment"]["liveCount"],
        2
    );
    let (second, v2) = campaign(&app, t, &tenant, "law", "Nachher").await;
    assert_eq!(launch(&app, t, &tenant, &second, v2).await["audience"], 2);
    let after = found(&gql(SEARCH, json!({"q": "Name1"})).await);
    assert!(!after.contains(&c1), "no search hit: {after:?}");
    let csv = export_csv(&app, t, &tenant).await;
    assert!(csv.contains("c2.law@example.de"), "{csv}");
    assert!(!csv.contains("c1.law@example.de"), "{csv}");
    let r = gql(
        "{ persons(filter: {restricted: true}) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    let listed = ok(&r, "restricted list")["persons"]["edges"][0]["node"]["id"].clone();
    assert_eq!(kartei_tests::uuid(listed.as_str().unwrap()), c1);

    // The campaign launched before the restriction skips them, with the reason.
    run_jobs(&app, &settings).await;
    let skipped = reason_counts(&report(&app, t, &tenant, &first).await["skipped"]);
    assert_eq!(skipped, HashMap::from([("RESTRICTED".into(), 1)]));
    let mails = smtpd.wait_for(4, std::time::Duration::from_secs(2)).await;
    assert!(
        mails.iter().all(|m| !m.contains("c1.law@example.de")),
        "no mail to the restricted person"
    );
    assert_eq!(mails.len(), 4, "two per campaign");

    // Nothing about them changes until the restriction is lifted.
    let r = gql(
        "query($p: ID!) { person(id: $p) { version } }",
        json!({"p": c1}),
    )
    .await;
    let version = ok(&r, "version")["person"]["version"].clone();
    let update = "mutation($p: ID!, $v: Int!) { updatePerson(input: {id: $p, version: $v, patch: {city: \"Köln\"}}) { person { city version } userErrors { field message code } } }";
    let r = gql(update, json!({"p": c1, "v": version})).await;
    assert_eq!(r.code(), Some("RESTRICTED"), "{}", r.body);
    let r = gql(
        "mutation($p: ID!) { createInteraction(input: {personId: $p, kind: CALL, direction: OUTBOUND, occurredAt: \"2026-12-01T10:00:00Z\"}) { interaction { id } userErrors { field message code } } }",
        json!({"p": c1}),
    )
    .await;
    assert_eq!(r.code(), Some("RESTRICTED"), "{}", r.body);
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM interactions")
            .await,
        0
    );
    // Nor what is stored beside the record: a score, a company link.
    let r = gql(
        "mutation($p: ID!) { scoreBant(input: {personId: $p, budget: 20, authority: 15, need: 25, timing: 10}) { bantScore { total } userErrors { field message code } } }",
        json!({"p": c1}),
    )
    .await;
    assert_eq!(r.code(), Some("RESTRICTED"), "{}", r.body);
    let r = gql(
        "mutation { createOrganization(input: {name: \"Gesperrt GmbH\"}) { organization { id } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    let org = ok(&r, "org")["createOrganization"]["organization"]["id"].clone();
    let r = gql(
        "mutation($p: ID!, $o: ID!) { linkPersonToOrganization(input: {personId: $p, organizationId: $o}) { relation { isPrimary } userErrors { field message code } } }",
        json!({"p": c1, "o": org}),
    )
    .await;
    assert_eq!(r.code(), Some("RESTRICTED"), "{}", r.body);
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT (SELECT count(*) FROM bant_scores) + (SELECT count(*) FROM person_organizations)"
        )
        .await,
        0
    );
    let r = gql(
        "mutation($p: ID!) { liftRestriction(input: {personId: $p, reason: \"Adresse geprüft und bestätigt; Person informiert\"}) { person { restrictedAt version } userErrors { field message code } } }",
        json!({"p": c1}),
    )
    .await;
    let lifted = ok(&r, "lift")["liftRestriction"]["person"].clone();
    assert!(lifted["restrictedAt"].is_null(), "{lifted}");
    let r = gql(update, json!({"p": c1, "v": lifted["version"]})).await;
    assert_eq!(
        ok(&r, "update")["updatePerson"]["person"]["city"],
        "Köln",
        "{}",
        r.body
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM audit_log WHERE action IN ('person.restricted', 'person.restriction_lifted')"
        )
        .await,
        2
    );
}

/// Art. 15 GDPR: a message whose body reached the mail server before the sending worker died
/// is recovered as sent, and it is on the person's record like any other.
#[tokio::test]
async fn a_send_recovered_after_a_crash_is_on_the_record() {
    let stalling = Smtpd::start_stalling();
    let healthy = Smtpd::start();
    let db = kartei_tests::database_url().replace("/kartei_test", "/kartei_test_handover");
    kartei_tests::drop_database(&db).await;
    let app = spawn_app_with(Redis::Shared, Some(db.clone()), |s| {
        s.worker.in_process = false
    })
    .await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    seed(&app, &tenant, "handover", 1, true).await;
    let person = person_id(&app, &tenant, "c1.handover@example.de").await;
    let (id, version) = campaign(&app, t, &tenant, "handover", "Übergabe").await;
    assert_eq!(launch(&app, t, &tenant, &id, version).await["audience"], 1);
    // Workers of one name: the restarted one takes over its dead predecessor's job at once.
    let mut workers = crate::campaigns::Workers {
        exe: kartei_exe(),
        db: db.clone(),
        smtp: stalling.url(),
        tmp: tempfile::tempdir().unwrap(),
    };
    // The server stores the mail and never answers the dot: the worker dies waiting.
    let mut first = workers.start();
    let start = std::time::Instant::now();
    while app
        .tenant_i64(
            &tenant,
            "SELECT count(*) FROM campaign_sends WHERE status = 'handed'",
        )
        .await
        < 1
        || stalling.messages().is_empty()
    {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(120),
            "the message was never handed over"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM sent_messages")
            .await,
        0
    );
    // The worker comes back (same name: it takes over its own dead job at once).
    workers.smtp = healthy.url();
    let mut second = workers.start();
    wait_status(
        &app,
        t,
        &tenant,
        &id,
        "COMPLETED",
        std::time::Duration::from_secs(120),
    )
    .await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert!(healthy.messages().is_empty(), "not sent a second time");
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM campaign_sends WHERE status = 'sent' AND reason = 'UNCONFIRMED_HANDOVER'"
        )
        .await,
        1
    );

    // On the timeline, as an unconfirmed handover.
    let r = app
        .gql(
            "query($id: ID!) { person(id: $id) { timeline(first: 10) { edges { node { __typename ... on MessageEntry { message { campaignName channel status } } } } } } }",
            json!({"id": person}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let edges = ok(&r, "timeline")["person"]["timeline"]["edges"].clone();
    let message = edges
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["__typename"] == "MessageEntry")
        .unwrap_or_else(|| panic!("no message on the timeline: {edges}"))["node"]["message"]
        .clone();
    assert_eq!(message["campaignName"], "Übergabe");
    assert_eq!(message["status"], "HANDED");

    // In the access export.
    let doc = access_export(&app, t, &tenant, &person).await;
    let sent = doc["data"]["sent_messages"].as_array().unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["kind"], "campaign");
    assert_eq!(sent[0]["unconfirmed_handover"], true);
}

/// The text and HTML parts of a raw mail, quoted-printable decoded.
fn parts(mail: &str) -> (String, String) {
    let flat = kartei_tests::decode_quoted_printable(mail);
    let html_at = flat
        .find("Content-Type: text/html")
        .unwrap_or_else(|| panic!("no HTML part: {flat}"));
    let text_at = flat
        .find("Content-Type: text/plain")
        .unwrap_or_else(|| panic!("no text part: {flat}"));
    assert!(text_at < html_at, "text part first");
    (
        flat[text_at..html_at].to_owned(),
        flat[html_at..].to_owned(),
    )
}

/// UWG §7(3) no. 4, Art. 21(4) GDPR, §5 DDG, §25 TDDDG against the real SMTP server: a
/// marketing template must print the objection link; a campaign needs the imprint; every mail
/// carries the objection notice, its link and the imprint in both parts; opens and clicks are
/// measured only with tracking on and a tracking consent on record.
#[tokio::test]
async fn marketing_mail_carries_imprint_and_objection_and_tracks_only_with_consent() {
    let smtpd = Smtpd::start();
    let (app, settings) = private_app("marketing_mail", &smtpd.url()).await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let gql = |q: &'static str, v: serde_json::Value| app.gql(q, v, Some(t), Some(&tenant));

    // Templates that do not print the objection link are refused, naming the placeholder.
    let create = "mutation($i: TemplateInput!) { createTemplate(input: $i) { template { id } userErrors { field message code } } }";
    for (i, field) in [
        (
            json!({"name": "Ohne", "channel": "EMAIL", "subject": "Hallo", "body": "Hallo {{ first_name }}"}),
            "body",
        ),
        (
            json!({"name": "Halb", "channel": "EMAIL", "subject": "Hallo", "body": "Abmelden: {{ unsubscribe_url }}", "html": "<p>Hallo</p>"}),
            "html",
        ),
    ] {
        let r = gql(create, json!({ "i": i })).await;
        assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
        let e = &r.data()["createTemplate"]["userErrors"][0];
        assert_eq!(e["field"], json!(["input", field]), "{e}");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("{{ unsubscribe_url }}"),
            "{e}"
        );
    }
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM templates")
            .await,
        0
    );

    // No campaign that mails without the imprint.
    seed(&app, &tenant, "mail", 3, true).await;
    let (first, v1) = campaign(&app, t, &tenant, "mail", "Ohne Tracking").await;
    crate::campaigns::exec(
        &app,
        &tenant,
        "DELETE FROM settings WHERE key = 'legal.imprint'",
    )
    .await;
    let transition = "mutation($id: ID!, $v: Int!) { transitionCampaign(input: {id: $id, version: $v, to: RUNNING}) { transition { audience } userErrors { field message code } } }";
    let r = gql(transition, json!({"id": first, "v": v1})).await;
    assert_eq!(r.code(), Some("CONFLICT"), "{}", r.body);
    assert!(r.body.to_string().contains("imprint"), "{}", r.body);
    let put = "mutation($i: ImprintInput!) { putImprint(input: $i) { imprint { company country } userErrors { field message code } } }";
    let mut bad: serde_json::Value = serde_json::from_str(crate::campaigns::IMPRINT).unwrap();
    bad["email"] = json!("keine-adresse");
    bad["representedBy"] = json!(" ");
    let r = gql(put, json!({ "i": bad })).await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    let good: serde_json::Value = serde_json::from_str(crate::campaigns::IMPRINT).unwrap();
    let r = gql(put, json!({ "i": good })).await;
    assert_eq!(
        ok(&r, "putImprint")["putImprint"]["imprint"]["company"],
        "Muster Marketing GmbH"
    );
    assert_eq!(launch(&app, t, &tenant, &first, v1).await["audience"], 3);

    // c1 consented to tracking; tracking is off (the default): nobody is tracked.
    crate::campaigns::exec(
        &app,
        &tenant,
        "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, actor, address_hash) \
         SELECT gen_random_uuid(), p.id, 'email', 'tracking', 'confirmed', now() - interval '1 day', 'import', 'test', p.email_hash \
         FROM persons p WHERE p.email_normalized = 'c1.mail@example.de'",
    )
    .await;
    run_jobs(&app, &settings).await;
    let mails = smtpd.wait_for(3, std::time::Duration::from_secs(5)).await;
    assert_eq!(mails.len(), 3);
    for m in &mails {
        let (text, html) = parts(m);
        for part in [&text, &html] {
            assert!(part.contains("Muster Marketing GmbH"), "imprint: {part}");
            assert!(
                part.contains("Amtsgericht Köln, HRB 12345"),
                "imprint: {part}"
            );
            assert!(
                part.contains("Geschäftsführerin: Anna Muster"),
                "imprint: {part}"
            );
            assert!(
                part.contains("jederzeit widersprechen"),
                "objection notice: {part}"
            );
            assert!(part.contains("/p/unsubscribe"), "objection link: {part}");
        }
        assert!(
            !html.contains("/t/o/") && !html.contains("/t/c/"),
            "tracking off: {html}"
        );
    }
    let step = &report(&app, t, &tenant, &first).await["steps"][0];
    assert_eq!(
        (step["sent"].as_i64(), step["measurable"].as_i64()),
        (Some(3), Some(0))
    );

    // Tracking on: only c1, who consented, gets the pixel and tracked links.
    let r = gql(
        "mutation { updateCampaignSettings(input: {addressForm: SIE, capTouches: 5, capDays: 7, throttlePerSecond: 100, tracking: true}) { settings { tracking } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    ok(&r, "settings");
    let (second, v2) = campaign(&app, t, &tenant, "mail", "Mit Tracking").await;
    assert_eq!(launch(&app, t, &tenant, &second, v2).await["audience"], 3);
    run_jobs(&app, &settings).await;
    let mails = smtpd.wait_for(6, std::time::Duration::from_secs(5)).await;
    assert_eq!(mails.len(), 6);
    let mut tracked = Vec::new();
    // Of all six mails (three of the first campaign, untracked as checked), one is tracked.
    for m in &mails {
        let (_, html) = parts(m);
        let to = crate::campaigns::header(m, "To").unwrap_or("").to_owned();
        let pixel = html.contains("/t/o/");
        let click = html.contains("/t/c/");
        assert_eq!(pixel, click, "pixel and tracked links go together: {html}");
        if pixel {
            tracked.push(to);
        }
    }
    assert_eq!(tracked.len(), 1, "{tracked:?}");
    assert!(tracked[0].contains("c1.mail@example.de"), "{tracked:?}");
    let step = &report(&app, t, &tenant, &second).await["steps"][0];
    assert_eq!(
        (step["sent"].as_i64(), step["measurable"].as_i64()),
        (Some(3), Some(1))
    );

    // The proof dossier names the rule that allowed each mail, as decided at sending.
    let c1 = person_id(&app, &tenant, "c1.mail@example.de").await;
    let r = gql(
        "query($p: ID!) { proofDossier(personId: $p, channel: EMAIL) { html messages chainIntact } }",
        json!({"p": c1}),
    )
    .await;
    let d = ok(&r, "dossier")["proofDossier"].clone();
    assert_eq!(d["messages"], 2, "{d}");
    let html = d["html"].as_str().unwrap();
    assert_eq!(html.matches("DOUBLE_OPT_IN_CONFIRMED").count(), 2, "{html}");
    assert!(html.contains("GDPR_ART_6_1_A_CONSENT") && html.contains("beim Versand festgehalten"));
    assert!(html.contains("Ohne Tracking") && html.contains("Mit Tracking"));
}

/// The access export's `person.json`.
async fn access_export(
    app: &kartei_tests::TestApp,
    t: &str,
    tenant: &str,
    person: &str,
) -> serde_json::Value {
    use std::io::Read;
    let r = app
        .gql(
            "mutation($p: ID!) { createDataSubjectRequest(input: {personId: $p, kind: ACCESS}) { dataSubjectRequest { exportPath } userErrors { field message code } } }",
            json!({"p": person}),
            Some(t),
            Some(tenant),
        )
        .await;
    let path = ok(&r, "access")["createDataSubjectRequest"]["dataSubjectRequest"]["exportPath"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, zip) = app
        .file_request(reqwest::Method::GET, &path, t, tenant, None)
        .await;
    assert_eq!(status, 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut doc = String::new();
    archive
        .by_name("person.json")
        .unwrap()
        .read_to_string(&mut doc)
        .unwrap();
    serde_json::from_str(&doc).unwrap()
}

/// Art. 17(3)(b) GDPR: erasure keeps what §7a UWG, §147 AO and §257 HGB require, as legal
/// holds nobody else sees, and the retention run ends each hold the day after its last day.
#[tokio::test]
async fn erasure_keeps_consent_proof_invoices_and_letters_as_holds_until_their_end() {
    use chrono::NaiveDate;
    let (app, settings) = private_app("legal_holds", "smtp://127.0.0.1:9").await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let gql = |q: &'static str, v: serde_json::Value| app.gql(q, v, Some(t), Some(&tenant));
    let r = gql(
        "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
        json!({"i": {"salutation": "Frau", "firstName": "Paula", "lastName": "Fernsprech",
                     "phone": "+49 221 1234567", "street": "Ringstraße 5", "postalCode": "50667",
                     "city": "Köln", "email": "paula.fernsprech@example.de"}}),
    )
    .await;
    let paula = ok(&r, "person")["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = gql(
        "mutation { storeConsentText(input: {title: \"Telefon\", body: \"Ja, Sie dürfen mich zu Angeboten anrufen. Widerruf jederzeit.\"}) { consentText { hash } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    let text = ok(&r, "text")["storeConsentText"]["consentText"]["hash"].clone();
    let r = gql(
        "mutation($i: ConsentEventInput!) { recordConsent(input: $i) { consentEvent { seq } userErrors { field message code } } }",
        json!({"i": {"personId": paula, "channel": "PHONE", "purpose": "offers", "kind": "GRANTED",
                     "at": "2026-01-10T09:30:00Z", "source": "CALL", "sourceRef": "Gesprächsnotiz 4711",
                     "textHash": text}}),
    )
    .await;
    ok(&r, "consent");
    let interaction = "mutation($p: ID!, $k: InteractionKind!, $at: DateTime!, $s: String) { createInteraction(input: {personId: $p, kind: $k, direction: OUTBOUND, occurredAt: $at, subject: $s}) { interaction { id } userErrors { field message code } } }";
    for (kind, at, subject) in [
        ("CALL", "2026-02-01T10:00:00Z", "Angebot Frühjahr"),
        ("CALL", "2026-06-15T14:00:00Z", "Angebot Sommer"),
        (
            "LETTER",
            "2025-11-20T08:00:00Z",
            "Auftragsbestätigung 2025-88",
        ),
    ] {
        let r = gql(
            interaction,
            json!({"p": paula, "k": kind, "at": at, "s": subject}),
        )
        .await;
        ok(&r, "interaction");
    }
    for (number, issued) in [("RE-2024-1", "2024-05-01"), ("RE-2026-2", "2026-03-01")] {
        let r = gql(
            "mutation($p: ID!, $n: String!, $d: NaiveDate!) { createTransaction(input: {personId: $p, kind: INVOICE, number: $n, amountMinor: 24900, issuedOn: $d}) { transaction { id } userErrors { field message code } } }",
            json!({"p": paula, "n": number, "d": issued}),
        )
        .await;
        ok(&r, "invoice");
    }
    let verify = "{ verifyConsentChain { intact events redacted } }";
    let before = ok(&gql(verify, json!({})).await, "chain")["verifyConsentChain"].clone();
    assert_eq!(before["intact"], true, "{before}");

    // Art. 15(1)(d): the access export says what would be kept, on which basis, until when.
    let export = access_export(&app, t, &tenant, &paula).await;
    let mut due: Vec<(String, String)> = export["data"]["retention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(!r["basis"].as_str().unwrap().is_empty(), "{r}");
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["held_until"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    due.sort();
    let expected = vec![
        ("business_letter".to_owned(), "2031-12-31".to_owned()),
        ("invoice".to_owned(), "2032-12-31".to_owned()),
        ("invoice".to_owned(), "2034-12-31".to_owned()),
        ("phone_consent_proof".to_owned(), "2031-06-15".to_owned()),
    ];
    assert_eq!(due, expected, "{}", export["data"]["retention"]);

    // The erasure receipt lists what was kept.
    let r = gql(
        "mutation($p: ID!) { erasePerson(input: {id: $p, reason: \"Art. 17 Antrag per Brief\"}) { erasure { erasureId kept { kind basis count heldUntil } } userErrors { field message code } } }",
        json!({"p": paula}),
    )
    .await;
    let kept = ok(&r, "erase")["erasePerson"]["erasure"]["kept"].clone();
    let kinds: Vec<(String, i64, String)> = kept
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kind"].as_str().unwrap().to_owned(),
                k["count"].as_i64().unwrap(),
                k["heldUntil"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("BUSINESS_LETTER".into(), 1, "2031-12-31".into()),
            ("INVOICE".into(), 2, "2034-12-31".into()),
            ("PHONE_CONSENT_PROOF".into(), 1, "2031-06-15".into()),
        ],
        "{kept}"
    );
    let after = ok(&gql(verify, json!({})).await, "chain")["verifyConsentChain"].clone();
    assert_eq!(after["intact"], true, "{after}");
    assert_eq!(after["events"], before["events"]);

    // Invisible to everything but the legal-hold view.
    run_jobs(&app, &settings).await;
    for sql in [
        "SELECT count(*) FROM persons",
        "SELECT count(*) FROM transactions",
        "SELECT count(*) FROM interactions",
        "SELECT count(*) FROM search_documents",
        "SELECT count(*) FROM consent_events WHERE person_id IS NOT NULL OR ip IS NOT NULL OR source_ref IS NOT NULL",
    ] {
        assert_eq!(app.tenant_i64(&tenant, sql).await, 0, "{sql}");
    }
    let r = gql(
        "{ searchContacts(query: \"Fernsprech\") { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(ok(&r, "search")["searchContacts"]["totalCount"], 0);
    let r = gql(
        "{ persons(filter: {query: \"Fernsprech\", archived: true}) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(ok(&r, "list")["persons"]["edges"], json!([]));
    let r = gql(
        "mutation { createSegment(input: {name: \"Alle\", rule: {field: \"lastName\", op: \"eq\", value: \"Fernsprech\"}}) { segment { liveCount } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        ok(&r, "segment")["createSegment"]["segment"]["liveCount"],
        0
    );
    assert!(!export_csv(&app, t, &tenant).await.contains("Fernsprech"));

    let r = gql(
        "{ legalHolds { id kind basis documentDate heldUntil record proofVerified } }",
        json!({}),
    )
    .await;
    let holds = ok(&r, "holds")["legalHolds"].as_array().unwrap().clone();
    assert_eq!(holds.len(), 4, "{holds:?}");
    let proof = holds
        .iter()
        .find(|h| h["kind"] == "PHONE_CONSENT_PROOF")
        .unwrap();
    assert_eq!(proof["proofVerified"], true, "{proof}");
    assert_eq!(proof["documentDate"], "2026-06-15");
    assert_eq!(proof["record"]["person"]["phone"], "+492211234567");
    assert_eq!(
        proof["record"]["uses"].as_array().unwrap().len(),
        2,
        "{proof}"
    );
    let event = &proof["record"]["events"][0]["content"];
    assert_eq!(event["ref"], "Gesprächsnotiz 4711", "{event}");
    assert_eq!(event["text"], text);
    let invoice = holds.iter().find(|h| h["kind"] == "INVOICE").unwrap();
    assert_eq!(invoice["record"]["party"]["city"], "Köln", "{invoice}");
    assert!(
        invoice["record"]["party"].get("email").is_none(),
        "minimized: an invoice keeps no email address: {invoice}"
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM audit_log WHERE action = 'legal_holds.read'"
        )
        .await,
        1,
        "reading holds is audited"
    );

    // The retention run: on a hold's last day nothing goes, the day after it does.
    let tenant_id: kartei_core::id::TenantId = tenant.parse().unwrap();
    let mut ends: Vec<NaiveDate> = holds
        .iter()
        .map(|h| h["heldUntil"].as_str().unwrap().parse().unwrap())
        .collect();
    ends.sort();
    ends.dedup();
    let mut left = 4;
    for end in ends {
        let ending = holds
            .iter()
            .filter(|h| h["heldUntil"].as_str() == Some(end.to_string().as_str()))
            .count() as i64;
        for (day, gone) in [(end, 0), (end.succ_opt().unwrap(), ending)] {
            let tx = app.db.begin_tenant(tenant_id).await.unwrap();
            let n = kartei_compliance::holds::expire(&tx, day, "test")
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(n as i64, gone, "on {day}");
        }
        left -= ending;
        assert_eq!(
            app.tenant_i64(&tenant, "SELECT count(*) FROM legal_holds")
                .await,
            left
        );
    }
    assert_eq!(left, 0);
    let chain = ok(&gql(verify, json!({})).await, "chain")["verifyConsentChain"].clone();
    assert_eq!(chain["intact"], true, "{chain}");
}

/// Birthdays as the source article asks: no automatic email unless chosen explicitly; by
/// default a personal touch prepared a week ahead (a letter to sign, a call task).
#[tokio::test]
async fn a_birthday_is_greeted_personally_a_week_ahead_and_never_by_automatic_email() {
    use chrono::Datelike;
    let smtpd = Smtpd::start();
    let (app, settings) = private_app("birthdays", &smtpd.url()).await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let gql = |q: &'static str, v: serde_json::Value| app.gql(q, v, Some(t), Some(&tenant));
    let today = chrono::Utc::now().date_naive();
    let in_a_week = today + chrono::Duration::days(7);
    let born = |d: chrono::NaiveDate| {
        chrono::NaiveDate::from_ymd_opt(1980, d.month(), d.day())
            .unwrap()
            .to_string()
    };
    let person = "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }";
    let r = gql(
        person,
        json!({"i": {"firstName": "Berta", "lastName": "Geburtstag", "birthday": born(in_a_week),
                     "phone": "+49 30 5551234", "street": "Allee 1", "postalCode": "10115", "city": "Berlin"}}),
    )
    .await;
    let berta = ok(&r, "berta")["createPerson"]["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = gql(
        person,
        json!({"i": {"firstName": "Carl", "lastName": "Heute", "birthday": born(today),
                     "street": "Allee 2", "postalCode": "10115", "city": "Berlin"}}),
    )
    .await;
    ok(&r, "carl");
    let r = gql(
        "mutation { storeConsentText(input: {title: \"Anruf\", body: \"Sie dürfen mich anrufen.\"}) { consentText { hash } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    let text = ok(&r, "text")["storeConsentText"]["consentText"]["hash"].clone();
    let r = gql(
        "mutation($i: ConsentEventInput!) { recordConsent(input: $i) { consentEvent { seq } userErrors { field message code } } }",
        json!({"i": {"personId": berta, "channel": "PHONE", "purpose": "offers", "kind": "GRANTED",
                     "source": "PAPER", "sourceRef": "Kundenkarte", "textHash": text}}),
    )
    .await;
    ok(&r, "consent");
    let imprint: serde_json::Value = serde_json::from_str(crate::campaigns::IMPRINT).unwrap();
    ok(
        &gql(
            "mutation($i: ImprintInput!) { putImprint(input: $i) { imprint { company } userErrors { field message code } } }",
            json!({"i": imprint}),
        )
        .await,
        "imprint",
    );
    let template = "mutation($i: TemplateInput!) { createTemplate(input: $i) { template { id } userErrors { field message code } } }";
    let mut ids = Vec::new();
    for i in [
        json!({"name": "Karte", "channel": "LETTER", "body": "{{ greeting }}\n\nherzlichen Glückwunsch zum Geburtstag!\n\nIhr Team"}),
        json!({"name": "Anruf", "channel": "PHONE", "body": "{{ full_name }} zum Geburtstag gratulieren."}),
        json!({"name": "Mail", "channel": "EMAIL", "subject": "Alles Gute", "body": "Alles Gute! {{ unsubscribe_url }}"}),
    ] {
        let r = gql(template, json!({ "i": i })).await;
        ids.push(
            ok(&r, "template")["createTemplate"]["template"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let create = "mutation($i: CampaignInput!) { createCampaign(input: $i) { campaign { id version } userErrors { field message code } } }";
    let campaign = |steps: serde_json::Value, occasion: serde_json::Value| {
        json!({"i": {"name": "Geburtstage", "kind": "OCCASION", "purpose": "offers",
                     "goalKind": "PURCHASE", "goalTarget": 1, "attributionDays": 30,
                     "occasion": occasion, "steps": steps}})
    };
    // An automatic birthday email is refused unless chosen explicitly.
    let email_step = json!([{"channel": "EMAIL", "templateId": ids[2]}]);
    let r = gql(
        create,
        campaign(email_step.clone(), json!({"kind": "BIRTHDAY"})),
    )
    .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    assert_eq!(
        r.data()["createCampaign"]["userErrors"][0]["field"],
        json!(["input", "steps", "0", "channel"]),
        "{}",
        r.body
    );
    let r = gql(
        create,
        campaign(email_step, json!({"kind": "BIRTHDAY", "allowEmail": true})),
    )
    .await;
    ok(&r, "explicit email");

    // The default: a week ahead, a letter to sign and a call.
    let r = gql(
        create,
        campaign(
            json!([{"channel": "LETTER", "templateId": ids[0]},
                   {"channel": "PHONE", "templateId": ids[1], "assignee": "vertrieb@example.de", "dueDays": 7}]),
            json!({"kind": "BIRTHDAY"}),
        ),
    )
    .await;
    let c = ok(&r, "personal")["createCampaign"]["campaign"].clone();
    let r = gql(
        "mutation($id: ID!, $v: Int!) { transitionCampaign(input: {id: $id, version: $v, to: RUNNING}) { transition { campaign { status } } userErrors { field message code } } }",
        json!({"id": c["id"], "v": c["version"]}),
    )
    .await;
    ok(&r, "launch");
    run_jobs(&app, &settings).await;

    let prepared = app
        .tenant_texts(
            &tenant,
            "SELECT s.channel || ':' || s.status || ':' || p.last_name FROM campaign_sends s \
             JOIN persons p ON p.id = s.person_id ORDER BY s.channel",
        )
        .await;
    assert_eq!(
        prepared,
        ["letter:sent:Geburtstag", "phone:task:Geburtstag"],
        "Berta's day is a week away: prepared today; Carl's is today: too late"
    );
    let r = gql(
        "{ campaignTasks { personId dueOn assignee script } }",
        json!({}),
    )
    .await;
    let task = ok(&r, "tasks")["campaignTasks"][0].clone();
    assert_eq!(task["dueOn"], in_a_week.to_string(), "{task}");
    assert!(
        task["script"]
            .as_str()
            .unwrap()
            .contains("Berta Geburtstag"),
        "{task}"
    );
    let letter = app
        .tenant_texts(
            &tenant,
            "SELECT rendered FROM campaign_sends WHERE channel = 'letter'",
        )
        .await;
    assert!(letter[0].contains("herzlichen Glückwunsch"), "{letter:?}");
    assert!(smtpd.messages().is_empty(), "no email");
}
