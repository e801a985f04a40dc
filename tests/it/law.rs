//! The law read precisely (GDPR, UWG, TDDDG): restriction of processing (Art. 18 GDPR) stops
//! every processing but storage; every message sent is on the record (Art. 15 GDPR), also one
//! recovered after a crash.

use std::collections::HashMap;

use kartei_tests::{Redis, Smtpd, spawn_app_with};
use serde_json::json;

use crate::campaigns::{
    campaign, kartei_exe, launch, ok, person_id, reason_counts, report, run_jobs, seed, wait_status,
};

const SEARCH: &str =
    "query($q: String!) { searchContacts(query: $q) { totalCount edges { node { contactId } } } }";

#[tokio::test]
async fn a_restricted_person_is_only_stored() {
    let smtpd = Smtpd::start();
    let db = kartei_tests::database_url().replace("/kartei_test", "/kartei_test_restriction");
    kartei_tests::drop_database(&db).await;
    let settings = kartei_tests::worker_settings(&db, &smtpd.url());
    // No worker in the app: the test runs the jobs (index drains, sends) itself.
    let app = spawn_app_with(Redis::Shared, Some(db), |s| s.worker.in_process = false).await;
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
    let (status, body) = app
        .file_request(
            reqwest::Method::POST,
            "/files/exports/persons",
            t,
            &tenant,
            Some(json!({"format": "CSV"})),
        )
        .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8_lossy(&body);
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
    use std::io::Read;
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
    let worker = |smtp: String| {
        std::process::Command::new(kartei_exe())
            .arg("worker")
            .env("DATABASE_URL", &db)
            .env("SMTP_URL", smtp)
            .env("KARTEI_JWT_SECRET", kartei_tests::JWT_SECRET)
            .env("KARTEI__WORKER__NAME", "law-handover")
            .env("KARTEI__WORKER__METRICS_BIND", "127.0.0.1:0")
            .env("KARTEI__WORKER__POLL_MS", "100")
            .env("KARTEI__MAIL__FROM", "Kartei <kampagne@kartei.example>")
            .env("KARTEI__LOG__LEVEL", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // The server stores the mail and never answers the dot: the worker dies waiting.
    let mut first = worker(stalling.url());
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
    let mut second = worker(healthy.url());
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
    let r = app
        .gql(
            "mutation($p: ID!) { createDataSubjectRequest(input: {personId: $p, kind: ACCESS}) { dataSubjectRequest { exportPath } userErrors { field message code } } }",
            json!({"p": person}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let path = ok(&r, "access")["createDataSubjectRequest"]["dataSubjectRequest"]["exportPath"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, zip) = app
        .file_request(reqwest::Method::GET, &path, t, &tenant, None)
        .await;
    assert_eq!(status, 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut doc = String::new();
    archive
        .by_name("person.json")
        .unwrap()
        .read_to_string(&mut doc)
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
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
    let db = kartei_tests::database_url().replace("/kartei_test", "/kartei_test_marketing_mail");
    kartei_tests::drop_database(&db).await;
    let settings = kartei_tests::worker_settings(&db, &smtpd.url());
    let app = spawn_app_with(Redis::Shared, Some(db), |s| s.worker.in_process = false).await;
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
}
