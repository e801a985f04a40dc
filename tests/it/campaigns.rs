//! Campaigns end to end against a real SMTP server (aiosmtpd): personalization, tracking,
//! conversion and the report; revocation, suppression and the frequency cap at send time;
//! invalid input; and a worker killed in the middle of a send of thousands.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kartei_server::settings::Settings;
use kartei_tests::{Redis, Smtpd, TestApp, decode_quoted_printable, spawn_app_with};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

pub(crate) async fn exec(app: &TestApp, tenant: &str, sql: &str) {
    let id: kartei_core::id::TenantId = tenant.parse().unwrap();
    let tx = app.db.begin_tenant(id).await.unwrap();
    tx.execute_unprepared(sql).await.unwrap();
    tx.commit().await.unwrap();
}

/// The imprint every tenant that sends mail or letters maintains (§5 DDG).
pub(crate) const IMPRINT: &str = r#"{"company": "Muster Marketing GmbH", "street": "Hohe Straße 1", "postalCode": "50667", "city": "Köln", "country": "DE", "representedBy": "Geschäftsführerin: Anna Muster", "register": "Amtsgericht Köln, HRB 12345", "email": "info@muster.example"}"#;

/// `n` persons tagged `tag` (Herr for odd, Frau for even numbers), with a confirmed email
/// consent for the newsletter when `consent`.
pub(crate) async fn seed(app: &TestApp, tenant: &str, tag: &str, n: usize, consent: bool) {
    exec(
        app,
        tenant,
        &format!(
            "INSERT INTO persons (id, salutation, first_name, last_name, name_key, email, email_normalized, tags) \
             SELECT gen_random_uuid(), CASE WHEN g % 2 = 0 THEN 'Frau' ELSE 'Herr' END, 'Vorname' || g, \
                 'Name' || g, 'name' || g, 'c' || g || '.{tag}@example.de', 'c' || g || '.{tag}@example.de', \
                 ARRAY['{tag}'] FROM generate_series(1, {n}) g"
        ),
    )
    .await;
    if consent {
        exec(
            app,
            tenant,
            &format!(
                "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, actor, address_hash) \
                 SELECT gen_random_uuid(), p.id, 'email', 'newsletter', 'confirmed', now() - interval '1 day', \
                     'import', 'test', p.email_hash FROM persons p WHERE '{tag}' = ANY(p.tags)"
            ),
        )
        .await;
    }
}

pub(crate) async fn person_id(app: &TestApp, tenant: &str, email: &str) -> String {
    let id: kartei_core::id::TenantId = tenant.parse().unwrap();
    let tx = app.db.begin_tenant(id).await.unwrap();
    let row = tx
        .query_one_raw(kartei_tenancy::tenants::stmt(
            "SELECT id::text FROM persons WHERE email_normalized = $1",
            vec![email.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    let v: String = row.try_get_by_index(0).unwrap();
    tx.commit().await.unwrap();
    v
}

pub(crate) fn ok(r: &kartei_tests::Reply, what: &str) -> Value {
    assert!(r.body["errors"].is_null(), "{what}: {}", r.body);
    r.data().clone()
}

/// `[{reason, count}]` as a map.
pub(crate) fn reason_counts(list: &Value) -> HashMap<String, i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["reason"].as_str().unwrap().to_owned(),
                r["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The tenant's imprint (unless it has one), a snippet, an email template, a segment of `tag`
/// and a campaign on it; returns the id and version of the campaign.
/// The tenant's imprint ([`IMPRINT`]), which mail and letters need; kept if one is there.
pub(crate) async fn put_imprint(app: &TestApp, tenant: &str) {
    exec(
        app,
        tenant,
        &format!(
            "INSERT INTO settings (key, value, updated_by) VALUES ('legal.imprint', '{IMPRINT}', 'test') \
             ON CONFLICT (key) DO NOTHING"
        ),
    )
    .await;
}

pub(crate) async fn campaign(
    app: &TestApp,
    t: &str,
    tenant: &str,
    tag: &str,
    name: &str,
) -> (String, i64) {
    put_imprint(app, tenant).await;
    let r = app
        .gql(
            "mutation { putSnippet(input: {key: \"angebot\", body: \"Nur für Sie, {{ first_name }}: 20 % Rabatt.\"}) { snippet { version } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(tenant),
        )
        .await;
    ok(&r, "putSnippet");
    let r = app
        .gql(
            "mutation($i: TemplateInput!) { createTemplate(input: $i) { template { id } userErrors { field message code } } }",
            json!({"i": {
                "name": format!("{name} mail"),
                "channel": "EMAIL",
                "subject": "{{ first_name }}, wir vermissen Sie",
                "html": "<p>{{ greeting }}</p><p>{{ snippets.angebot }}</p><p><a href=\"https://shop.example/angebot?x=1&y=2\">Zum Angebot</a></p><p><a href=\"{{ unsubscribe_url }}\">Abmelden</a></p>",
                "body": "{{ greeting }}\n\n{{ snippets.angebot }}\n\nhttps://shop.example/angebot\nAbmelden: {{ unsubscribe_url }}\n"
            }}),
            Some(t),
            Some(tenant),
        )
        .await;
    let template = ok(&r, "createTemplate")["createTemplate"]["template"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .gql(
            "mutation($i: SegmentInput!) { createSegment(input: $i) { segment { id } userErrors { field message code } } }",
            json!({"i": {"name": format!("{name} audience"), "rule": {"field": "tags", "op": "has", "value": tag}}}),
            Some(t),
            Some(tenant),
        )
        .await;
    let segment = ok(&r, "createSegment")["createSegment"]["segment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .gql(
            "mutation($i: CampaignInput!) { createCampaign(input: $i) { campaign { id version status } userErrors { field message code } } }",
            json!({"i": {
                "name": name, "kind": "WINBACK", "purpose": "newsletter",
                "goalKind": "PURCHASE", "goalTarget": 1, "attributionDays": 30,
                "segmentId": segment,
                "steps": [{"channel": "EMAIL", "templateId": template}]
            }}),
            Some(t),
            Some(tenant),
        )
        .await;
    let c = ok(&r, "createCampaign")["createCampaign"]["campaign"].clone();
    assert_eq!(c["status"], "DRAFT");
    (
        c["id"].as_str().unwrap().to_owned(),
        c["version"].as_i64().unwrap(),
    )
}

pub(crate) async fn launch(app: &TestApp, t: &str, tenant: &str, id: &str, version: i64) -> Value {
    let r = app
        .gql(
            "mutation($id: ID!, $v: Int!) { transitionCampaign(input: {id: $id, version: $v, to: RUNNING}) { transition { campaign { status version } audience excluded } userErrors { field message code } } }",
            json!({"id": id, "v": version}),
            Some(t),
            Some(tenant),
        )
        .await;
    ok(&r, "launch")["transitionCampaign"]["transition"].clone()
}

pub(crate) async fn status(app: &TestApp, t: &str, tenant: &str, id: &str) -> String {
    let r = app
        .gql(
            "query($id: ID!) { campaign(id: $id) { status } }",
            json!({"id": id}),
            Some(t),
            Some(tenant),
        )
        .await;
    ok(&r, "campaign")["campaign"]["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn wait_status(
    app: &TestApp,
    t: &str,
    tenant: &str,
    id: &str,
    want: &str,
    limit: Duration,
) {
    let start = Instant::now();
    loop {
        let s = status(app, t, tenant, id).await;
        if s == want {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "campaign still {s} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) async fn report(app: &TestApp, t: &str, tenant: &str, id: &str) -> Value {
    let r = app
        .gql(
            "query($id: ID!) { campaignReport(id: $id) { audience excluded { reason count } skipped { reason count } \
             steps { position variant sent delivered measurable opened clicked bounced replied converted unsubscribed } \
             converted revenueMinor attainmentPercent goalReached } }",
            json!({"id": id}),
            Some(t),
            Some(tenant),
        )
        .await;
    ok(&r, "campaignReport")["campaignReport"].clone()
}

pub(crate) fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .map(|l| l[name.len() + 1..].trim())
}

fn between<'a>(s: &'a str, start: &str, end: char) -> Option<&'a str> {
    let i = s.find(start)? + start.len();
    let rest = &s[i..];
    Some(&rest[..rest.find(end)?])
}

/// What a send left in `smtpd`: the mails, the recipients, how many got more than one, and the
/// sends a killed run handed over whose mail never arrived. A kill between the `handed`
/// COMMIT and the final dot, two system calls apart (the documented gap of any SMTP client,
/// RFC 1047), may lose that one mail: a loaded machine can deschedule the worker right there.
/// Such a send is counted as sent and marked UNCONFIRMED_HANDOVER; every other recipient gets
/// exactly one mail.
struct Tally {
    mails: usize,
    recipients: usize,
    twice: usize,
    unconfirmed: usize,
    lost: usize,
}

async fn tally(app: &TestApp, tenant: &str, smtpd: &Smtpd) -> Tally {
    let mails = smtpd.messages();
    let mut per: HashMap<String, usize> = HashMap::new();
    for m in &mails {
        *per.entry(header(m, "To").unwrap_or("?").to_owned())
            .or_default() += 1;
    }
    let unconfirmed = app
        .tenant_texts(
            tenant,
            "SELECT p.email FROM campaign_sends s JOIN persons p ON p.id = s.person_id \
             WHERE s.reason = 'UNCONFIRMED_HANDOVER'",
        )
        .await;
    let got = |email: &str| per.keys().any(|to| to.contains(&format!("<{email}>")));
    Tally {
        mails: mails.len(),
        recipients: per.len(),
        twice: per.values().filter(|n| **n > 1).count(),
        unconfirmed: unconfirmed.len(),
        lost: unconfirmed.iter().filter(|e| !got(e)).count(),
    }
}

/// The `kartei` binary next to the test binary (built by `cargo build --workspace`).
pub(crate) fn kartei_exe() -> std::path::PathBuf {
    let exe = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("kartei");
    assert!(
        exe.exists(),
        "{} (built by cargo build --workspace)",
        exe.display()
    );
    exe
}

/// Campaign settings for sending thousands at once: no throttle to speak of, a cap of five.
async fn bulk_send_settings(app: &TestApp, t: &str, tenant: &str) {
    let r = app
        .gql(
            "mutation { updateCampaignSettings(input: {addressForm: SIE, capTouches: 5, capDays: 7, throttlePerSecond: 10000}) { settings { capTouches } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(tenant),
        )
        .await;
    ok(&r, "settings");
}

/// Runs queued jobs in this process until none is ready.
pub(crate) async fn run_jobs(app: &TestApp, settings: &Settings) {
    let ctx = kartei_server::worker_ctx(settings, app.db.clone()).unwrap();
    while kartei_server::worker::run_one(&ctx, "test-worker", Duration::from_secs(60))
        .await
        .unwrap()
    {}
}

#[tokio::test]
async fn campaign_end_to_end_over_real_smtp() {
    let smtpd = Smtpd::start();
    let db = kartei_tests::database_url().replace("/kartei_test", "/kartei_test_campaigns");
    kartei_tests::drop_database(&db).await;
    let smtp = smtpd.url();
    let app = spawn_app_with(Redis::Shared, Some(db), move |s| {
        s.mail.smtp_url = Some(smtp.into());
        s.mail.from = "Kartei Kampagnen <kampagne@kartei.example>".into();
    })
    .await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    seed(&app, &tenant, "e2e", 3, true).await;
    // One without consent, one without a first name (the subject needs it).
    exec(
        &app,
        &tenant,
        "INSERT INTO persons (id, first_name, last_name, name_key, email, email_normalized, tags) VALUES \
         (gen_random_uuid(), 'Ohne', 'Einwilligung', 'ohne', 'ohne@example.de', 'ohne@example.de', ARRAY['e2e']), \
         (gen_random_uuid(), NULL, 'Nurnachname', 'nur', 'nur@example.de', 'nur@example.de', ARRAY['e2e']); \
         INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, actor, address_hash) \
         SELECT gen_random_uuid(), p.id, 'email', 'newsletter', 'confirmed', now() - interval '1 day', 'import', 'test', p.email_hash \
         FROM persons p WHERE p.email_normalized = 'nur@example.de'; \
         INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, actor, address_hash) \
         SELECT gen_random_uuid(), p.id, 'email', 'tracking', 'confirmed', now() - interval '1 day', 'import', 'test', p.email_hash \
         FROM persons p WHERE p.email_normalized IN ('c1.e2e@example.de', 'c2.e2e@example.de')",
    )
    .await;
    // Opens and clicks are measured where the tenant turned tracking on and the person
    // consented to it (c1, c2; §25 TDDDG).
    let r = app
        .gql(
            "mutation { updateCampaignSettings(input: {addressForm: SIE, capTouches: 3, capDays: 7, throttlePerSecond: 100, tracking: true}) { settings { tracking } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        ok(&r, "settings")["updateCampaignSettings"]["settings"]["tracking"],
        true
    );
    let (id, version) = campaign(&app, t, &tenant, "e2e", "Winback Herbst").await;
    let launched = launch(&app, t, &tenant, &id, version).await;
    assert_eq!(launched["audience"], 5, "{launched}");
    assert_eq!(launched["campaign"]["status"], "RUNNING");
    // The frozen audience is written once, as the launch round's recipients: the campaign's
    // snapshot counts and pages them, and they cannot be deleted or moved.
    let r = app
        .gql(
            "query($id: ID!) { campaign(id: $id) { snapshotId } }",
            json!({"id": id}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let snap = ok(&r, "campaign")["campaign"]["snapshotId"]
        .as_str()
        .expect("a launched campaign has its snapshot")
        .to_owned();
    let r = app
        .gql(
            "query($id: ID!) { segmentSnapshot(id: $id) { memberCount members(first: 10) { edges { node { id } } } } }",
            json!({"id": snap}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let s = &ok(&r, "segmentSnapshot")["segmentSnapshot"];
    assert_eq!(s["memberCount"], 5, "{s}");
    assert_eq!(s["members"]["edges"].as_array().unwrap().len(), 5, "{s}");
    let tenant_id: kartei_core::id::TenantId = tenant.parse().unwrap();
    for sql in [
        "DELETE FROM campaign_recipients",
        "UPDATE campaign_recipients SET round = round + 1",
    ] {
        let tx = app.db.begin_tenant(tenant_id).await.unwrap();
        let err = tx
            .execute_unprepared(sql)
            .await
            .expect_err("recipients are frozen");
        assert!(err.to_string().contains("frozen"), "{sql}: {err}");
    }
    // A recipient naming no person is refused (the launch's own insert reads persons in the
    // same statement; any other writer is checked).
    let tx = app.db.begin_tenant(tenant_id).await.unwrap();
    let err = tx
        .execute_raw(kartei_tenancy::tenants::stmt(
            "INSERT INTO campaign_recipients (campaign_id, round, person_id) VALUES ($1, DATE '2000-01-01', $2)",
            vec![
                uuid::Uuid::parse_str(&kartei_tests::uuid(&id)).unwrap().into(),
                uuid::Uuid::now_v7().into(),
            ],
        ))
        .await
        .expect_err("a recipient without a person must be refused");
    assert!(err.to_string().contains("does not exist"), "{err}");
    drop(tx);
    wait_status(&app, t, &tenant, &id, "COMPLETED", Duration::from_secs(60)).await;
    let mails: Vec<String> = smtpd
        .wait_for(3, Duration::from_secs(10))
        .await
        .iter()
        .map(|m| decode_quoted_printable(m))
        .collect();
    assert_eq!(mails.len(), 3, "three allowed recipients");
    let mut to: Vec<&str> = mails.iter().filter_map(|m| header(m, "To")).collect();
    to.sort_unstable();
    println!("mails to: {to:?}");
    let herr = mails
        .iter()
        .find(|m| header(m, "To").is_some_and(|h| h.contains("c1.e2e@example.de")))
        .expect("mail to c1");
    assert_eq!(header(herr, "Subject"), Some("Vorname1, wir vermissen Sie"));
    assert!(herr.contains("Sehr geehrter Herr Name1,"), "{herr}");
    assert!(
        herr.contains("Nur für Sie, Vorname1: 20 % Rabatt."),
        "{herr}"
    );
    assert!(header(herr, "List-Unsubscribe").is_some_and(|h| h.contains("/p/unsubscribe")));
    let frau = mails
        .iter()
        .find(|m| header(m, "To").is_some_and(|h| h.contains("c2.e2e@example.de")))
        .expect("mail to c2");
    assert!(frau.contains("Sehr geehrte Frau Name2,"), "{frau}");
    let third = mails
        .iter()
        .find(|m| header(m, "To").is_some_and(|h| h.contains("c3.e2e@example.de")))
        .expect("mail to c3");
    let flat3 = third.replace("=\r\n", "").replace("=\n", "");
    assert!(
        !flat3.contains("/t/o/") && !flat3.contains("/t/c/"),
        "no pixel and no tracked link without a tracking consent: {third}"
    );
    println!(
        "personalization: {:?} / 'Sehr geehrter Herr Name1,' / 'Sehr geehrte Frau Name2,'",
        header(herr, "Subject")
    );

    // Open pixel and click redirect of c1's mail.
    let flat = herr.replace("=\r\n", "").replace("=\n", "");
    let open = between(&flat, "/t/o/", '"').expect("open pixel").to_owned();
    let click = between(&flat, "/t/c/", '"')
        .expect("click link")
        .replace("&amp;", "&");
    let res = app
        .http
        .get(format!("{}/t/o/{open}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/gif");
    // Replays count once (issue 17, finding 12): one open event per recipient however often
    // the pixel is fetched.
    for _ in 0..4 {
        let res = app
            .http
            .get(format!("{}/t/o/{open}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM campaign_events WHERE kind = 'open'"
        )
        .await,
        1,
        "a replayed pixel added events"
    );
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirect
        .get(format!("{}/t/c/{click}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        "https://shop.example/angebot?x=1&y=2"
    );
    // A tampered target is refused and counts nothing.
    let token = click.split('?').next().unwrap();
    let res = no_redirect
        .get(format!(
            "{}/t/c/{token}?u=https%3A%2F%2Fevil.example%2F",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["x-kartei-code"], "TOKEN_INVALID");

    // A purchase a day later converts.
    let c1 = person_id(&app, &tenant, "c1.e2e@example.de").await;
    exec(
        &app,
        &tenant,
        &format!(
            "INSERT INTO transactions (id, person_id, kind, number, amount_minor, currency, issued_on, status) \
             VALUES (gen_random_uuid(), '{c1}', 'order', 'A-100', 12900, 'EUR', current_date + 1, 'open')"
        ),
    )
    .await;
    // A hard bounce of c2's mail suppresses the address.
    let c2_mid = header(frau, "Message-ID").unwrap().to_owned();
    let r = app
        .gql(
            "mutation($m: String!) { recordDeliveryEvent(input: {messageId: $m, kind: HARD_BOUNCE}) { result { suppressed } userErrors { field message code } } }",
            json!({"m": c2_mid}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        ok(&r, "bounce")["recordDeliveryEvent"]["result"]["suppressed"],
        true
    );

    let rep = report(&app, t, &tenant, &id).await;
    println!("report: {rep}");
    let step = &rep["steps"][0];
    assert_eq!(rep["audience"], 5);
    assert_eq!(step["sent"], 3);
    assert_eq!(step["delivered"], 2);
    assert_eq!(step["bounced"], 1);
    assert_eq!(
        step["measurable"], 2,
        "sent with tracking: c1 and c2, who consented"
    );
    assert_eq!(step["opened"], 1);
    assert_eq!(step["clicked"], 1);
    assert_eq!(step["converted"], 1);
    assert_eq!(rep["converted"], 1);
    assert_eq!(rep["revenueMinor"], 12900);
    assert_eq!(rep["goalReached"], true);
    let skipped = reason_counts(&rep["skipped"]);
    assert_eq!(skipped.get("NO_CONSENT"), Some(&1), "{skipped:?}");
    assert_eq!(
        skipped.get("MISSING_VALUE:first_name"),
        Some(&1),
        "{skipped:?}"
    );

    // The message is in the contact's timeline.
    let r = app
        .gql(
            "query($id: ID!) { person(id: $id) { timeline(first: 10) { edges { node { __typename ... on MessageEntry { message { campaignName channel status openedAt } } } } } } }",
            json!({"id": c1}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let edges = ok(&r, "timeline")["person"]["timeline"]["edges"].clone();
    assert!(
        edges
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["message"]["campaignName"] == "Winback Herbst"
                && !e["node"]["message"]["openedAt"].is_null()),
        "{edges}"
    );
}

#[tokio::test]
async fn revocation_suppression_and_frequency_cap_hold_at_send_time() {
    let smtpd = Smtpd::start();
    let db = kartei_tests::database_url().replace("/kartei_test", "/kartei_test_campaign_rules");
    kartei_tests::drop_database(&db).await;
    let settings = kartei_tests::worker_settings(&db, &smtpd.url());
    // No worker in the app: this test runs the jobs itself, after changing consent.
    let app = spawn_app_with(Redis::Shared, Some(db), |s| s.worker.in_process = false).await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let r = app
        .gql(
            "mutation { updateCampaignSettings(input: {addressForm: DU, capTouches: 1, capDays: 30, throttlePerSecond: 100}) { settings { capTouches } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    ok(&r, "settings");
    seed(&app, &tenant, "rules", 4, true).await;
    let (first, v1) = campaign(&app, t, &tenant, "rules", "Erste").await;
    let (second, v2) = campaign(&app, t, &tenant, "rules", "Zweite").await;
    assert_eq!(launch(&app, t, &tenant, &first, v1).await["audience"], 4);
    assert_eq!(launch(&app, t, &tenant, &second, v2).await["audience"], 4);
    // After launch: c1 revokes, c2's address is suppressed.
    let c1 = person_id(&app, &tenant, "c1.rules@example.de").await;
    let r = app
        .gql(
            "mutation($i: ConsentEventInput!) { recordConsent(input: $i) { consentEvent { kind } userErrors { field message code } } }",
            json!({"i": {"personId": c1, "channel": "EMAIL", "purpose": "newsletter", "kind": "REVOKED", "source": "EMAIL", "sourceRef": "Antwort auf Mailing"}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    ok(&r, "revoke");
    exec(
        &app,
        &tenant,
        "INSERT INTO suppressions (hash, kind, reason, created_by) \
         SELECT email_hash, 'email', 'manual', 'test' FROM persons WHERE email_normalized = 'c2.rules@example.de'",
    )
    .await;
    // The reach shows it before anything is sent: the policy applied to the whole audience.
    let r = app
        .gql(
            "query($id: ID!) { campaignReach(id: $id) { audience excluded steps { channel eligible allowed reasons { reason count } } } }",
            json!({"id": first}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let reach = ok(&r, "reach")["campaignReach"].clone();
    println!("reach before sending: {reach}");
    assert_eq!(reach["audience"], 4);
    assert_eq!(reach["steps"][0]["channel"], "EMAIL");
    assert_eq!(reach["steps"][0]["eligible"], 4);
    assert_eq!(reach["steps"][0]["allowed"], 2);
    let reasons = reason_counts(&reach["steps"][0]["reasons"]);
    assert_eq!(reasons.get("REVOKED"), Some(&1), "{reasons:?}");
    assert_eq!(reasons.get("SUPPRESSED"), Some(&1), "{reasons:?}");
    run_jobs(&app, &settings).await;
    assert_eq!(status(&app, t, &tenant, &first).await, "COMPLETED");
    assert_eq!(status(&app, t, &tenant, &second).await, "COMPLETED");
    let mails = smtpd.wait_for(3, Duration::from_secs(2)).await;
    let mut to: Vec<String> = mails
        .iter()
        .filter_map(|m| header(m, "To").map(str::to_owned))
        .collect();
    to.sort();
    println!("received: {to:?}");
    assert_eq!(to.len(), 2, "only c3 and c4, once each: {to:?}");
    assert!(
        to[0].contains("c3.rules") && to[1].contains("c4.rules"),
        "{to:?}"
    );
    assert!(
        mails
            .iter()
            .all(|m| decode_quoted_printable(m).contains("Hallo Vorname")
                || decode_quoted_printable(m).contains("Liebe")
                || decode_quoted_printable(m).contains("Lieber")),
        "Du form"
    );
    let r1 = reason_counts(&report(&app, t, &tenant, &first).await["skipped"]);
    let r2 = reason_counts(&report(&app, t, &tenant, &second).await["skipped"]);
    println!("first campaign skipped: {r1:?}; second campaign skipped: {r2:?}");
    assert_eq!(
        r1,
        HashMap::from([("REVOKED".into(), 1), ("SUPPRESSED".into(), 1)])
    );
    assert_eq!(
        r2,
        HashMap::from([
            ("REVOKED".into(), 1),
            ("SUPPRESSED".into(), 1),
            ("FREQUENCY_CAP".into(), 2)
        ])
    );
}

#[tokio::test]
async fn invalid_transitions_templates_and_links_change_nothing() {
    let app = kartei_tests::spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let tpl = "mutation($i: TemplateInput!) { createTemplate(input: $i) { template { id } userErrors { field message code } } }";
    let mut cases = 0;
    for (body, field, needle) in [
        ("Hallo {{ first_name }", "body", "syntax error in line 1"),
        ("{% if %}", "body", "syntax error"),
        (
            "Hallo {{ passwort }}",
            "body",
            "unknown variable 'passwort'",
        ),
        ("{{ snippets.fehlt }}", "body", "unknown snippet 'fehlt'"),
    ] {
        let r = app
            .gql(
                tpl,
                json!({"i": {"name": "x", "channel": "EMAIL", "subject": "s", "body": body}}),
                Some(t),
                Some(&tenant),
            )
            .await;
        assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{body}: {}", r.body);
        let msg = r.fields()[field].as_str().unwrap_or_default().to_owned();
        assert!(msg.contains(needle), "{body}: {msg}");
        println!("template {body:?}: VALIDATION_FAILED {field}: {msg}");
        cases += 1;
    }
    let r = app
        .gql(
            "mutation { putSnippet(input: {key: \"gruss\", body: \"{{ unbekannt }}\"}) { snippet { key } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    cases += 1;
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM templates")
            .await
            + app
                .tenant_i64(&tenant, "SELECT count(*) FROM snippets")
                .await,
        0,
        "nothing stored"
    );

    seed(&app, &tenant, "inv", 2, true).await;
    let (id, version) = campaign(&app, t, &tenant, "inv", "Ungültig").await;
    let tr = "mutation($id: ID!, $v: Int!, $to: CampaignStatus!) { transitionCampaign(input: {id: $id, version: $v, to: $to}) { transition { campaign { status version } } userErrors { field message code } } }";
    for (to, v, code) in [
        ("PAUSED", version, "CONFLICT"),
        ("COMPLETED", version, "CONFLICT"),
        ("RUNNING", version + 7, "CONFLICT"),
        ("SCHEDULED", version, "VALIDATION_FAILED"),
    ] {
        let r = app
            .gql(
                tr,
                json!({"id": id, "v": v, "to": to}),
                Some(t),
                Some(&tenant),
            )
            .await;
        assert_eq!(r.code(), Some(code), "draft -> {to}: {}", r.body);
        println!(
            "draft -> {to} (version {v}): {code}: {}",
            r.message().unwrap_or_default()
        );
        cases += 1;
    }
    assert_eq!(status(&app, t, &tenant, &id).await, "DRAFT");
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM campaign_recipients")
            .await,
        0
    );
    let r = app
        .gql(
            tr,
            json!({"id": id, "v": version, "to": "CANCELLED"}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        ok(&r, "cancel")["transitionCampaign"]["transition"]["campaign"]["status"],
        "CANCELLED"
    );
    let r = app
        .gql(
            tr,
            json!({"id": id, "v": version + 1, "to": "RUNNING"}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("CONFLICT"), "{}", r.body);
    assert!(
        r.message()
            .unwrap()
            .contains("a cancelled campaign cannot become running")
    );
    cases += 2;

    // Tracking links that were never signed.
    let forged_open = format!("{}/t/o/{}", app.url, "A".repeat(64));
    let res = app.http.get(forged_open).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["x-kartei-code"], "TOKEN_INVALID");
    let res = app
        .http
        .get(format!("{}/t/c/x?u=https%3A%2F%2Fevil.example", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = app
        .http
        .get(format!("{}/t/c/x?u=javascript%3Aalert(1)", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    cases += 3;
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM campaign_events")
            .await,
        0
    );
    println!("invalid input: {cases} cases, clear codes, nothing changed");
}

#[tokio::test]
async fn a_killed_worker_sends_no_mail_twice_and_resends_what_the_server_never_got() {
    const N: usize = 2000;
    let smtpd = Smtpd::start();
    let db = kartei_tests::database_url().replace("/kartei_test", "/kartei_test_campaign_kill");
    kartei_tests::drop_database(&db).await;
    let app = spawn_app_with(Redis::Shared, Some(db.clone()), |s| {
        s.worker.in_process = false
    })
    .await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    bulk_send_settings(&app, t, &tenant).await;
    seed(&app, &tenant, "kill", N, true).await;
    let (id, version) = campaign(&app, t, &tenant, "kill", "Großversand").await;
    assert_eq!(launch(&app, t, &tenant, &id, version).await["audience"], N);

    let exe = kartei_exe();
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let worker = || {
        std::process::Command::new(&exe)
            .arg("worker")
            .env(
                "KARTEI__WORKER__METRICS_BIND",
                format!("127.0.0.1:{metrics_port}"),
            )
            .env("DATABASE_URL", &db)
            .env("SMTP_URL", smtpd.url())
            .env("KARTEI_JWT_SECRET", kartei_tests::JWT_SECRET)
            .env("KARTEI__WORKER__STALE_AFTER_SECS", "4")
            .env("KARTEI__WORKER__POLL_MS", "100")
            .env("KARTEI__MAIL__FROM", "Kartei <kampagne@kartei.example>")
            .env("KARTEI__LOG__LEVEL", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = worker();
    let start = Instant::now();
    while smtpd.messages().len() < N / 4 {
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let at_kill = smtpd.messages().len();
    let in_flight = app
        .tenant_i64(
            &tenant,
            "SELECT count(*) FROM campaign_sends WHERE status IN ('claimed', 'handed')",
        )
        .await;
    println!("killed the worker after {at_kill} of {N} mails; {in_flight} sends in flight");
    let settled_before = app
        .tenant_i64(
            &tenant,
            "SELECT count(*) FROM campaign_sends WHERE status IN ('sent', 'handed')",
        )
        .await;
    assert!(at_kill < N, "the kill came too late to test anything");
    let mut second = worker();
    let done = Instant::now();
    loop {
        if status(&app, t, &tenant, &id).await == "COMPLETED" {
            break;
        }
        assert!(
            done.elapsed() < Duration::from_secs(300),
            "the restarted worker did not finish"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The restarted worker's own metrics count what it sent.
    let metrics = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sent_metric: i64 = metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix(r#"kartei_campaign_sends_total{channel="email",result="sent"} "#)
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no send counter in:\n{metrics}"));
    println!("the restarted worker's /metrics: {sent_metric} email sends");
    assert_eq!(sent_metric, N as i64 - settled_before);
    second.kill().unwrap();
    second.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let Tally {
        mails,
        recipients,
        twice,
        unconfirmed,
        lost,
    } = tally(&app, &tenant, &smtpd).await;
    println!(
        "after restart: {mails} mails, {recipients} recipients, {twice} got more than one, {unconfirmed} handed over by the killed run ({lost} of them lost in the gap)"
    );
    assert_eq!(twice, 0, "nobody got two");
    assert_eq!(mails, recipients);
    assert_eq!(
        recipients + lost,
        N,
        "every recipient got a mail, but for handovers cut by the kill"
    );
    assert!(
        lost <= in_flight as usize,
        "only sends in flight can be lost"
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM campaign_sends WHERE status = 'sent'"
        )
        .await,
        N as i64
    );
}

#[tokio::test]
async fn an_internationalized_address_is_sent_where_the_server_offers_smtputf8_and_fails_with_a_reason_where_not()
 {
    for smtputf8 in [true, false] {
        let smtpd = Smtpd::start_with(smtputf8);
        let db = kartei_tests::database_url()
            .replace("/kartei_test", &format!("/kartei_test_smtputf8_{smtputf8}"));
        kartei_tests::drop_database(&db).await;
        let smtp = smtpd.url();
        let app = spawn_app_with(Redis::Shared, Some(db), move |s| {
            s.mail.smtp_url = Some(smtp.into());
        })
        .await;
        let (owner, tenant) = app.owner_with_tenant().await;
        let t = owner.access.as_str();
        // Addresses as an import stores them (RFC 6531 local parts are valid there).
        exec(
            &app,
            &tenant,
            "INSERT INTO persons (id, first_name, last_name, name_key, email, email_normalized, tags) VALUES \
             (gen_random_uuid(), 'Anna', 'Ascii', 'ascii anna', 'anna@example.de', 'anna@example.de', ARRAY['idn']), \
             (gen_random_uuid(), 'José', 'Groß', 'gross jose', 'josé.groß@example.de', 'josé.groß@example.de', ARRAY['idn']); \
             INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, actor, address_hash) \
             SELECT gen_random_uuid(), p.id, 'email', 'newsletter', 'confirmed', now() - interval '1 day', 'import', \
                 'test', p.email_hash FROM persons p",
        )
        .await;
        let (id, version) = campaign(&app, t, &tenant, "idn", "IDN").await;
        assert_eq!(launch(&app, t, &tenant, &id, version).await["audience"], 2);
        wait_status(&app, t, &tenant, &id, "COMPLETED", Duration::from_secs(60)).await;
        let want = if smtputf8 { 2 } else { 1 };
        let mails = smtpd.wait_for(want, Duration::from_secs(10)).await;
        let sends = app
            .tenant_texts(
                &tenant,
                "SELECT p.email || ' ' || s.status || coalesce(' ' || s.reason, '') FROM campaign_sends s \
                 JOIN persons p ON p.id = s.person_id ORDER BY p.email",
            )
            .await;
        println!(
            "SMTPUTF8 offered: {smtputf8}: {} mails; {sends:?}",
            mails.len()
        );
        assert_eq!(mails.len(), want, "{sends:?}");
        assert_eq!(sends[0], "anna@example.de sent");
        if smtputf8 {
            assert_eq!(sends[1], "josé.groß@example.de sent");
            assert!(
                mails.iter().any(|m| m.contains("josé.groß@example.de")),
                "{mails:?}"
            );
        } else {
            assert!(
                sends[1].starts_with("josé.groß@example.de failed SMTP_REJECTED: ")
                    && sends[1].contains("does not offer SMTPUTF8"),
                "{sends:?}"
            );
        }
    }
}

/// `kartei worker` processes under one `worker.name`, as a restarted container runs them,
/// with their temp folder in `tmp` and a stale window (an hour) no test would wait out: only a
/// worker that takes over its dead predecessor's jobs at once gets anywhere.
pub(crate) struct Workers {
    pub(crate) exe: std::path::PathBuf,
    pub(crate) db: String,
    pub(crate) smtp: String,
    pub(crate) tmp: tempfile::TempDir,
}

impl Workers {
    pub(crate) fn start(&self) -> std::process::Child {
        std::process::Command::new(&self.exe)
            .arg("worker")
            .env("DATABASE_URL", &self.db)
            .env("SMTP_URL", &self.smtp)
            .env("KARTEI_JWT_SECRET", kartei_tests::JWT_SECRET)
            .env("KARTEI__WORKER__NAME", "crash-test")
            .env("KARTEI__WORKER__STALE_AFTER_SECS", "3600")
            .env("KARTEI__WORKER__POLL_MS", "100")
            .env("KARTEI__WORKER__CONCURRENCY", "1")
            // An import of 10,000 rows or more into an empty tenant runs in bulk mode.
            .env("KARTEI__IMPORT__BULK_MIN_ROWS", "10000")
            .env("KARTEI__MAIL__FROM", "Kartei <kampagne@kartei.example>")
            .env("KARTEI__LOG__LEVEL", "warn")
            .env("TMPDIR", self.tmp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Files in the workers' temp folder.
    fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    }
}

/// Starts a worker, waits until `progress` moves past `before` (a progress that cannot move
/// without a takeover of the killed run's job), and kills it; returns the new progress.
async fn kill_after_progress<F, Fut>(workers: &Workers, before: i64, progress: F) -> i64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = i64>,
{
    let mut worker = workers.start();
    let start = Instant::now();
    let now = loop {
        let now = progress().await;
        if now > before {
            break now;
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "the restarted worker did not take the job over ({before} done)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    worker.kill().unwrap();
    worker.wait().unwrap();
    now
}

/// Links whose person is gone.
const ORPHAN_LINKS: &str = "SELECT count(*) FROM person_organizations po \
     WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = po.person_id)";

#[tokio::test]
async fn a_worker_killed_again_and_again_finishes_an_import_and_a_send_exactly_once() {
    // Twenty batches of `BATCH_ROWS`: enough that seven kills land before the end.
    const ROWS: u64 = 20 * kartei_contacts::import::run::BATCH_ROWS as u64;
    const MAILS: i64 = 1000;
    const KILLS: usize = kartei_tenancy::jobs::MAX_ATTEMPTS as usize + 2;
    let smtpd = Smtpd::start();
    let db = kartei_tests::database_url().replace("/kartei_test", "/kartei_test_crashes");
    kartei_tests::drop_database(&db).await;
    let app = spawn_app_with(Redis::Shared, Some(db.clone()), |s| {
        s.worker.in_process = false
    })
    .await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let workers = Workers {
        exe: kartei_exe(),
        db,
        smtp: smtpd.url(),
        tmp: tempfile::tempdir().unwrap(),
    };
    let job = |kind: &'static str| {
        let app = &app;
        async move {
            app.platform_text(&format!(
                "SELECT concat_ws(' ', status, attempts, takeovers) FROM platform.jobs \
                 WHERE kind = '{kind}' ORDER BY created_at DESC LIMIT 1"
            ))
            .await
        }
    };

    // An import killed mid-way, again and again.
    let mut file = Vec::new();
    kartei_server::demo_data::write_csv(&mut file, ROWS, 11, false).unwrap();
    let upload = app.upload(t, &tenant, "altsystem.csv", file).await;
    let r = app
        .gql(
            "query($u: ID!) { importPreview(uploadId: $u) { suggestedMapping } }",
            json!({"u": upload}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let mapping = ok(&r, "preview")["importPreview"]["suggestedMapping"].clone();
    let r = app
        .gql(
            "mutation($i: StartImportInput!) { startImport(input: $i) { import { id } userErrors { field message code } } }",
            json!({"i": {"uploadId": upload, "mapping": mapping, "matchKeys": ["external_id"]}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let import = ok(&r, "startImport")["startImport"]["import"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rows_done = || app.tenant_i64(&tenant, "SELECT rows_done FROM imports");
    let indexes = crate::imports::person_indexes(&app, &tenant).await;
    let links = crate::imports::link_constraints(&app, &tenant).await;
    let mut done = 0;
    for kill in 1..=KILLS {
        done = kill_after_progress(&workers, done, rows_done).await;
        let left = workers.leftovers();
        let deferred = app
            .tenant_i64(
                &tenant,
                "SELECT coalesce(cardinality(deferred_indexes), 0)::bigint FROM imports",
            )
            .await;
        println!(
            "import: kill {kill} at {done} of {ROWS} rows; temp files left: {left:?}; \
             indexes deferred to the end of the load: {deferred}"
        );
        assert!(
            deferred > 0,
            "the import of {ROWS} rows did not run in bulk mode"
        );
        assert!(
            left.is_empty(),
            "a copy of the upload outlived the worker: {left:?}"
        );
        assert!(done < ROWS as i64, "the import ended before kill {kill}");
        if kill == 1 {
            // A person with an organization erased while the links' foreign keys are deferred:
            // the link it leaves behind goes when the keys come back.
            let erased = app
                .tenant_i64(
                    &tenant,
                    "WITH d AS (DELETE FROM persons WHERE id = (SELECT min(person_id::text)::uuid \
                     FROM person_organizations) RETURNING 1) SELECT count(*) FROM d",
                )
                .await;
            assert_eq!(erased, 1);
            assert_eq!(
                app.tenant_i64(&tenant, ORPHAN_LINKS).await,
                1,
                "the deferred foreign key did not cascade"
            );
        }
    }
    let mut last = workers.start();
    let finished = app
        .wait_import_for(t, &tenant, &import, Duration::from_secs(300))
        .await;
    last.kill().unwrap();
    last.wait().unwrap();
    let import_job = job("contacts.import").await;
    println!(
        "import after {KILLS} kills: {} created, {} failed; job (status attempts takeovers): {import_job}",
        finished["rowsCreated"], finished["rowsFailed"]
    );
    assert_eq!(finished["status"], "COMPLETED", "{finished}");
    assert_eq!(import_job, format!("done 0 {KILLS}"));
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        ROWS as i64 - 1,
        "every row once, but the person erased during the import"
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(DISTINCT external_id) FROM persons")
            .await,
        ROWS as i64 - 1
    );
    assert_eq!(
        app.tenant_i64(&tenant, ORPHAN_LINKS).await,
        0,
        "the erased person's link outlived the import"
    );
    assert!(workers.leftovers().is_empty());
    assert_eq!(
        crate::imports::person_indexes(&app, &tenant).await,
        indexes,
        "the indexes the killed bulk runs deferred were not all built again"
    );
    assert_eq!(
        crate::imports::link_constraints(&app, &tenant).await,
        links,
        "the foreign keys the killed bulk runs deferred were not all restored"
    );
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM upload_chunks")
            .await,
        0,
        "the completed import's file is gone from the database too"
    );

    // A send killed mid-way, again and again.
    exec(
        &app,
        &tenant,
        &format!(
            "UPDATE persons SET tags = ARRAY['crash'] WHERE id IN (SELECT DISTINCT ON (email_normalized) id \
                 FROM persons WHERE email_normalized IS NOT NULL ORDER BY email_normalized, id LIMIT {MAILS}); \
             INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, actor, address_hash) \
             SELECT gen_random_uuid(), p.id, 'email', 'newsletter', 'confirmed', now() - interval '1 day', \
                 'import', 'test', p.email_hash FROM persons p WHERE 'crash' = ANY(p.tags)"
        ),
    )
    .await;
    bulk_send_settings(&app, t, &tenant).await;
    let (id, version) = campaign(&app, t, &tenant, "crash", "Dauerabsturz").await;
    assert_eq!(
        launch(&app, t, &tenant, &id, version).await["audience"],
        MAILS
    );
    let mails = || {
        let n = smtpd.messages().len() as i64;
        async move { n }
    };
    let (mut sent, mut in_flight) = (0, 0);
    for kill in 1..=KILLS {
        sent = kill_after_progress(&workers, sent, mails).await;
        sent = sent.max(smtpd.messages().len() as i64);
        in_flight += app
            .tenant_i64(
                &tenant,
                "SELECT count(*) FROM campaign_sends WHERE status IN ('claimed', 'handed')",
            )
            .await;
        println!("send: kill {kill} after {sent} of {MAILS} mails");
        assert!(sent < MAILS, "the send ended before kill {kill}");
    }
    let mut last = workers.start();
    wait_status(&app, t, &tenant, &id, "COMPLETED", Duration::from_secs(300)).await;
    last.kill().unwrap();
    last.wait().unwrap();
    let send_job = job("campaigns.send").await;
    let Tally {
        mails,
        recipients,
        twice,
        lost,
        ..
    } = tally(&app, &tenant, &smtpd).await;
    println!(
        "send after {KILLS} kills: {mails} mails to {recipients} recipients, {twice} got more than one, {lost} lost \
         between COMMIT and dot; job (status attempts takeovers): {send_job}"
    );
    assert_eq!(twice, 0, "nobody got two");
    assert_eq!(mails, recipients);
    assert_eq!(recipients + lost, MAILS as usize);
    assert!(lost as i64 <= in_flight);
    // Done, never failed: takeovers are no failed attempts (the kills may fall on an earlier
    // job of the send, so only some of them on this one).
    assert!(send_job.starts_with("done 0 "), "{send_job}");
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM campaign_sends WHERE status = 'sent'"
        )
        .await,
        MAILS
    );
    assert!(workers.leftovers().is_empty());
}
