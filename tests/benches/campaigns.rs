//! Campaign benchmarks (`make bench`).
//!
//! Audience resolution with the policy applied, for a tenant of `KARTEI_BENCH_PERSONS`
//! (default 1,000,000) contacts: launching a campaign freezes its segment into a snapshot and
//! the recipients with their exclusion reasons (`campaigns::transition`), then the reach
//! applies the email policy (consent history, double opt-in, suppression list) to everyone at
//! once (`reach::reach`). Baselines in the same run: one hand-written `INSERT … SELECT` of the
//! same recipients with the same exclusions, and a hand-written policy query (latest consent
//! event per person, suppression anti-join) that must allow exactly as many.
//!
//! Send throughput: a campaign to `KARTEI_BENCH_MAILS` (default 5,000) of them, sent by the
//! send job (`send::run`: policy, frequency cap, rendering with the imprint footer, ledger, SMTP) to a
//! local aiosmtpd sink; the baseline is bare lettre sending the same number of messages of the
//! same size to the same sink over the same number of connections.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use kartei_campaigns::campaigns::{self, Status};
use kartei_campaigns::{reach, send};
use kartei_core::id::TenantId;
use kartei_tenancy::db::Db;
use kartei_tenancy::tenants::stmt;
use kartei_tests::bench::{env_u64, exec, scalar};
use kartei_tests::{Redis, Smtpd, TestApp, bench, spawn_app_with};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

/// The allocator the `kartei` binary ships with, so the server measured here is the one deployed.
#[global_allocator]
static ALLOCATOR: kartei_server::Allocator = kartei_server::Allocator {};

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

async fn gql(app: &TestApp, token: &str, tenant: &str, query: &str, vars: Value) -> Value {
    let r = app.gql(query, vars, Some(token), Some(tenant)).await;
    assert!(r.body["errors"].is_null(), "{query}: {}", r.body);
    r.data().clone()
}

/// A draft campaign to the contacts tagged `tag`, one email step; returns its id.
async fn campaign(app: &TestApp, token: &str, tenant: &str, tag: &str, name: &str) -> Uuid {
    gql(
        app,
        token,
        tenant,
        "mutation($i: ImprintInput!) { putImprint(input: $i) { imprint { company } userErrors { field message code } } }",
        json!({"i": {"company": "Bench GmbH", "street": "Hauptstraße 1", "postalCode": "10115",
                     "city": "Berlin", "representedBy": "Geschäftsführer: B. Ench",
                     "email": "info@bench.example"}}),
    )
    .await;
    let template = gql(
        app,
        token,
        tenant,
        "mutation($i: TemplateInput!) { createTemplate(input: $i) { template { id } userErrors { field message code } } }",
        json!({"i": {
            "name": format!("{name} mail"),
            "channel": "EMAIL",
            "subject": "{{ first_name }}, wir vermissen Sie",
            "html": "<p>{{ greeting }}</p><p>Lange nichts gehört, {{ first_name }}: 20 % auf Ihren nächsten Einkauf in {{ city }}.</p><p><a href=\"https://shop.example/angebot\">Zum Angebot</a></p><p><a href=\"{{ unsubscribe_url }}\">Abmelden</a></p>",
            "body": "{{ greeting }}\n\nLange nichts gehört, {{ first_name }}: 20 % auf Ihren nächsten Einkauf in {{ city }}.\n\nhttps://shop.example/angebot\nAbmelden: {{ unsubscribe_url }}\n"
        }}),
    )
    .await["createTemplate"]["template"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let segment = gql(
        app,
        token,
        tenant,
        "mutation($i: SegmentInput!) { createSegment(input: $i) { segment { id } userErrors { field message code } } }",
        json!({"i": {"name": format!("{name} audience"), "rule": {"field": "tags", "op": "has", "value": tag}}}),
    )
    .await["createSegment"]["segment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = gql(
        app,
        token,
        tenant,
        "mutation($i: CampaignInput!) { createCampaign(input: $i) { campaign { id } userErrors { field message code } } }",
        json!({"i": {
            "name": name, "kind": "WINBACK", "purpose": "newsletter",
            "goalKind": "PURCHASE", "goalTarget": 100, "attributionDays": 30,
            "segmentId": segment, "excludeDoNotReactivate": true, "excludeContactedDays": 30,
            "steps": [{"channel": "EMAIL", "templateId": template}]
        }}),
    )
    .await;
    kartei_tests::uuid(c["createCampaign"]["campaign"]["id"].as_str().unwrap())
        .parse()
        .unwrap()
}

/// Launches `id` (snapshot and recipients) in one transaction; returns (audience, excluded).
async fn launch(db: &Db, tenant: TenantId, id: Uuid) -> (i64, i64) {
    let tx = db.begin_tenant(tenant).await.unwrap();
    let c = campaigns::get(&tx, id).await.unwrap();
    let (_, effect) = campaigns::transition(
        &tx,
        id,
        c.version,
        Status::Running,
        None,
        Utc::now(),
        "bench",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    effect.audience.unwrap()
}

#[tokio::main]
async fn main() {
    let n = env_u64("KARTEI_BENCH_PERSONS", 1_000_000);
    let mails = env_u64("KARTEI_BENCH_MAILS", 5_000);
    let lanes = 4usize;
    let smtpd = Smtpd::start();
    let sink = smtpd.url();
    let app = spawn_app_with(Redis::Shared, None, |s| {
        // The send job is run here, timed; no in-process worker may take it.
        s.worker.in_process = false;
    })
    .await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let token = owner.access.as_str();
    let tenant_id: TenantId = tenant.parse().unwrap();
    let db = &app.db;

    // Fixture, set-based: every contact is tagged `kunde`; `mails` of them also `mailing`
    // (all with a confirmed newsletter consent). Of the rest, 70 % confirmed, 5 % of those
    // revoked later, 1 % suppressed, 2 % do-not-reactivate, 1 % archived, 10 % without email.
    let started = Instant::now();
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    exec(&tx, "SET LOCAL kartei.defer_touch = 'on'").await;
    exec(&tx, &format!(
        "INSERT INTO persons (id, salutation, first_name, last_name, name_key, email, email_normalized, street, postal_code, city, \
             tags, do_not_reactivate, dnr_reason, archived_at, created_at) \
         SELECT gen_random_uuid(), CASE WHEN i % 2 = 0 THEN 'Herr' ELSE 'Frau' END, 'Vorname' || i, 'Name' || i, \
                'name' || i || ' vorname' || i, \
                CASE WHEN i <= {mails} OR i % 10 <> 0 THEN 'p' || i || '@example.de' END, \
                CASE WHEN i <= {mails} OR i % 10 <> 0 THEN 'p' || i || '@example.de' END, \
                'Weg ' || i, lpad(((i * 104729) % 99000 + 1000)::text, 5, '0'), \
                (ARRAY['München','Nürnberg','Hamburg','Berlin','Köln','Frankfurt','Stuttgart','Leipzig'])[i % 8 + 1], \
                CASE WHEN i <= {mails} THEN ARRAY['kunde','mailing'] ELSE ARRAY['kunde'] END, \
                i > {mails} AND i % 50 = 1, CASE WHEN i > {mails} AND i % 50 = 1 THEN 'no_interest' END, \
                CASE WHEN i > {mails} AND i % 100 = 3 THEN now() END, now() - interval '3 years' \
         FROM generate_series(1::bigint, {n}) i")).await;
    let consents = exec(&tx,
        "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, address_hash, actor, content_digest, chain_hash) \
         SELECT gen_random_uuid(), p.id, 'email', 'newsletter', 'confirmed', now() - interval '200 days', 'double_opt_in', \
                p.email_hash, 'bench', '', '' \
         FROM persons p WHERE p.email_hash IS NOT NULL \
           AND ('mailing' = ANY(p.tags) OR abs(hashtext(p.id::text || 'c')) % 10 < 7) ORDER BY p.id").await;
    let revoked = exec(&tx,
        "INSERT INTO consent_events (id, person_id, channel, purpose, kind, at, source, address_hash, actor, content_digest, chain_hash) \
         SELECT gen_random_uuid(), e.person_id, 'email', 'newsletter', 'revoked', now() - interval '10 days', 'unsubscribe_link', \
                e.address_hash, 'bench', '', '' \
         FROM consent_events e JOIN persons p ON p.id = e.person_id \
         WHERE NOT 'mailing' = ANY(p.tags) AND abs(hashtext(p.id::text || 'r')) % 20 = 0").await;
    let suppressed = exec(
        &tx,
        "INSERT INTO suppressions (hash, kind, reason, created_by) \
         SELECT p.email_hash, 'email', 'manual', 'bench' FROM persons p \
         WHERE p.email_hash IS NOT NULL AND NOT 'mailing' = ANY(p.tags) \
           AND abs(hashtext(p.id::text || 's')) % 100 = 0 ON CONFLICT DO NOTHING",
    )
    .await;
    tx.commit().await.unwrap();
    for t in ["persons", "consent_events", "suppressions"] {
        let tx = db.begin_tenant(tenant_id).await.unwrap();
        exec(&tx, &format!("ANALYZE {t}")).await;
        tx.commit().await.unwrap();
    }
    let fixture = started.elapsed();
    eprintln!(
        "fixture: {n} contacts, {consents} consents, {revoked} revocations, {suppressed} suppressed in {fixture:.0?}"
    );
    gql(
        &app,
        token,
        &tenant,
        "mutation { updateCampaignSettings(input: {addressForm: SIE, capTouches: 3, capDays: 7, throttlePerSecond: 10000}) { settings { capTouches } userErrors { field message code } } }",
        json!({}),
    )
    .await;

    // Audience resolution: launch (snapshot + recipients with exclusions), then the policy.
    let big = campaign(&app, token, &tenant, "kunde", "Reaktivierung alle").await;
    let t = Instant::now();
    let (audience, excluded) = launch(db, tenant_id, big).await;
    let t_launch = t.elapsed();
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    exec(&tx, "ANALYZE campaign_recipients").await;
    tx.commit().await.unwrap();
    let mut t_reach = Duration::MAX;
    let mut r = None;
    for _ in 0..3 {
        let tx = db.begin_tenant(tenant_id).await.unwrap();
        let t = Instant::now();
        let got = reach::reach(&tx, big, None, Utc::now()).await.unwrap();
        t_reach = t_reach.min(t.elapsed());
        tx.commit().await.unwrap();
        r = Some(got);
    }
    let r = r.unwrap();
    let step = &r.steps[0];
    let reasons: Vec<String> = step
        .reasons
        .iter()
        .map(|x| format!("{} {}", x.reason, x.count))
        .collect();
    eprintln!(
        "launch {t_launch:.1?}: audience {audience}, excluded {excluded}; reach {t_reach:.1?}: {} allowed of {} ({})",
        step.allowed,
        step.eligible,
        reasons.join(", ")
    );

    // Baselines: the same recipients with the same exclusions in one hand-written statement,
    // and a hand-written email policy that must allow as many.
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    exec(
        &tx,
        "CREATE TABLE IF NOT EXISTS bench_audience (person_id uuid PRIMARY KEY, excluded text)",
    )
    .await;
    exec(&tx, "TRUNCATE bench_audience").await;
    tx.commit().await.unwrap();
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    let t = Instant::now();
    let base_audience = exec(&tx,
        "INSERT INTO bench_audience (person_id, excluded) \
         SELECT p.id, CASE WHEN p.do_not_reactivate THEN 'DO_NOT_REACTIVATE' \
             WHEN p.last_interaction_at > now() - interval '30 days' THEN 'RECENTLY_CONTACTED' END \
         FROM persons p WHERE p.tags @> ARRAY['kunde'] AND p.merged_into IS NULL AND p.archived_at IS NULL").await;
    let t_base_launch = t.elapsed();
    tx.commit().await.unwrap();
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    exec(&tx, "ANALYZE bench_audience").await;
    tx.commit().await.unwrap();
    assert_eq!(base_audience as i64, audience, "the same audience");
    let base_policy = "SELECT count(*) FROM bench_audience a JOIN persons p ON p.id = a.person_id \
         LEFT JOIN (SELECT DISTINCT ON (e.person_id) e.person_id, e.kind FROM consent_events e \
                    WHERE e.channel = 'email' AND (e.purpose = 'newsletter' OR e.purpose IS NULL) AND e.at <= now() \
                    ORDER BY e.person_id, e.at DESC, e.seq DESC) l ON l.person_id = p.id \
         WHERE a.excluded IS NULL AND p.email_hash IS NOT NULL AND l.kind = 'confirmed' \
           AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.hash = p.email_hash)";
    let mut t_base_policy = Duration::MAX;
    let mut base_allowed = 0;
    for _ in 0..3 {
        let t = Instant::now();
        base_allowed = scalar(db, tenant_id, base_policy).await;
        t_base_policy = t_base_policy.min(t.elapsed());
    }
    assert_eq!(base_allowed, step.allowed, "the same contacts allowed");
    eprintln!(
        "hand-written: audience {t_base_launch:.1?}, policy {t_base_policy:.1?} ({base_allowed} allowed)"
    );

    // Where the launch time goes: the recipients insert again (into another round of the same
    // campaign, as the launch writes it), analyzed and rolled back.
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    exec(&tx, "SET LOCAL kartei.recipients_from_persons = 'on'").await;
    let plan: Vec<String> = tx
        .query_all_raw(stmt(
            "EXPLAIN (ANALYZE, COSTS OFF) INSERT INTO campaign_recipients (campaign_id, round, person_id, excluded) \
             SELECT $1, DATE '2000-01-01', id, NULL FROM persons \
             WHERE tags @> ARRAY['kunde'] AND merged_into IS NULL AND archived_at IS NULL",
            vec![big.into()],
        ))
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect();
    drop(tx);
    let millis = |line: &str| -> f64 {
        line.split("time=")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0)
    };
    // Reference checks, if any ran (the launch's insert needs none).
    let fk_ms: f64 = plan
        .iter()
        .filter(|l| l.starts_with("Trigger campaign_recipients_ref"))
        .map(|l| millis(l))
        .fold(0.0, |a, b| a + b);
    let total_ms: f64 = plan
        .iter()
        .find(|l| l.starts_with("Execution Time:"))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0.0);
    eprintln!("recipients insert: {total_ms:.0} ms, reference check {fk_ms:.0} ms");

    // Send throughput: the send job to the sink.
    let small = campaign(&app, token, &tenant, "mailing", "Reaktivierung Versand").await;
    let (to_send, _) = launch(db, tenant_id, small).await;
    let mut settings = kartei_tests::worker_settings(&kartei_tests::database_url(), &sink);
    settings.mail.campaign_connections = lanes;
    let sender = kartei_server::campaign_sender(&settings).unwrap();
    let progress = |_: send::Progress| {};
    let t = Instant::now();
    loop {
        match send::run(db, tenant_id, small, &sender, &progress)
            .await
            .unwrap()
        {
            send::Outcome::Done { .. } | send::Outcome::Stopped => break,
            other => {
                eprintln!("send job: {other:?}, running it again");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(3600),
            "the send job did not finish"
        );
    }
    let t_send = t.elapsed();
    let sent = scalar(
        db,
        tenant_id,
        &format!(
            "SELECT count(*) FROM campaign_sends WHERE campaign_id = '{small}' AND status = 'sent'"
        ),
    )
    .await;
    let delivered = smtpd.wait_for(sent as usize, Duration::from_secs(30)).await;
    assert_eq!(sent, to_send, "every recipient sent");
    assert_eq!(delivered.len() as i64, sent, "the sink has every mail");
    let size = delivered.iter().map(String::len).sum::<usize>() / delivered.len().max(1);
    let kartei_rate = sent as f64 / t_send.as_secs_f64();
    eprintln!(
        "send job: {sent} mails in {t_send:.1?}: {kartei_rate:.0} per second (average {size} bytes)"
    );

    // Baseline: bare lettre, the same number of messages of that size, same connections.
    let sample = Arc::new(
        delivered[0]
            .replace("\r\n", "\n")
            .replace('\n', "\r\n")
            .into_bytes(),
    );
    let port = smtpd.port;
    let per_lane = (sent as usize).div_ceil(lanes);
    let t = Instant::now();
    let mut handles = Vec::new();
    for lane in 0..lanes {
        let sample = sample.clone();
        handles.push(tokio::spawn(async move {
            let hello = lettre::transport::smtp::extension::ClientId::default();
            let mut conn =
                AsyncSmtpConnection::connect_tokio1(("127.0.0.1", port), None, &hello, None, None)
                    .await
                    .unwrap();
            let from: lettre::Address = "kampagne@kartei.example".parse().unwrap();
            for i in 0..per_lane {
                let to: lettre::Address = format!("raw{lane}-{i}@example.de").parse().unwrap();
                let envelope =
                    lettre::address::Envelope::new(Some(from.clone()), vec![to]).unwrap();
                conn.send(&envelope, &sample).await.unwrap();
            }
            let _ = conn.quit().await;
            per_lane
        }));
    }
    let mut raw = 0;
    for h in handles {
        raw += h.await.unwrap();
    }
    let t_raw = t.elapsed();
    let raw_rate = raw as f64 / t_raw.as_secs_f64();
    let total = smtpd
        .wait_for(sent as usize + raw, Duration::from_secs(30))
        .await
        .len();
    assert_eq!(total, sent as usize + raw, "the sink has the raw mails too");
    eprintln!("bare lettre: {raw} mails in {t_raw:.1?}: {raw_rate:.0} per second");

    // Leave nothing runnable behind in the shared database: the big campaign's send job
    // would otherwise be picked up by the next worker on it.
    let tx = db.begin_tenant(tenant_id).await.unwrap();
    let c = campaigns::get(&tx, big).await.unwrap();
    campaigns::transition(
        &tx,
        big,
        c.version,
        Status::Cancelled,
        None,
        Utc::now(),
        "bench",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let section = format!(
        "<!-- campaigns:start -->\n\
## Campaigns: audience resolution with the policy, and send throughput\n\n\
{machine}, {date}, release build. A tenant of {n} contacts ({consents} email consents, \
{revoked} later revoked, {suppressed} suppressed addresses), written set-based in {fixture:.0?}.\n\n\
**Audience resolution with the policy applied.** A campaign to the segment of all {n} contacts: \
launching it freezes the segment into a snapshot and writes the recipients with their exclusion \
reasons (do-not-reactivate, contacted in the last 30 days); the reach then applies the email \
policy (latest consent event per contact, double opt-in, suppression list) to the whole audience \
in one query, as `campaignReach` does. The baseline is hand-written SQL in the same run: one \
`INSERT … SELECT` of the same recipients with the same exclusions, and a policy query \
(`DISTINCT ON` latest consent, suppression anti-join) that allows exactly as many (asserted). \
Reach and its baseline: best of three.\n\n\
| step | Kartei | hand-written | ratio |\n|---|---:|---:|---:|\n\
| launch: snapshot + {audience} recipients, {excluded} excluded | {tl} | {tbl} | **{rl:.2}** |\n\
| policy over the audience: {allowed} of {eligible} allowed | {tr} | {tbr} | **{rr:.2}** |\n\
| together | {tt} | {tbt} | **{rt:.2}** |\n\n\
Decisions: {reasons}.\n\n\
**Send throughput** to a local SMTP sink (aiosmtpd writing a Maildir, on the same machine), \
{lanes} connections each. Kartei: the send job for a campaign of {sent} recipients (per \
recipient: the policy asked again, the frequency cap, rendering with the objection notice \
and imprint (tracking off, the default), the send ledger claimed → handed → sent, SMTP), average message {size} bytes. Baseline: bare lettre \
sending {raw} prebuilt messages of the same size to the same sink, same run.\n\n\
| sender | mails | time | mails per second |\n|---|---:|---:|---:|\n\
| Kartei send job | {sent} | {ts:.1} s | **{kr:.0}** |\n\
| bare lettre (baseline) | {raw} | {traw:.1} s | **{rr2:.0}** |\n\n\
Kartei reaches {pct:.0} % of the raw rate of this sink; the per-tenant throttle was at its \
maximum, 10,000 per second.\n\n\
The launch writes every member once: the snapshot keeps the segment's rule and count, and \
its members are the recipients of the launch round (view `snapshot_members`), in a table with \
two indexes where the baseline writes one table with one index; the insert reads the contacts \
in the same statement and holds its campaign locked, so no reference check runs for it (a row \
trigger checks any other writer) and no transition table is kept. `EXPLAIN ANALYZE` of the \
same recipients insert alone, in this run: {total_ms:.0} ms, of which {fk_ms:.0} ms in \
reference checks.\n\
<!-- campaigns:end -->",
        machine = bench::machine(),
        date = Utc::now().format("%Y-%m-%d"),
        tl = ms(t_launch),
        tbl = ms(t_base_launch),
        rl = t_launch.as_secs_f64() / t_base_launch.as_secs_f64(),
        tr = ms(t_reach),
        tbr = ms(t_base_policy),
        rr = t_reach.as_secs_f64() / t_base_policy.as_secs_f64(),
        tt = ms(t_launch + t_reach),
        tbt = ms(t_base_launch + t_base_policy),
        rt = (t_launch + t_reach).as_secs_f64() / (t_base_launch + t_base_policy).as_secs_f64(),
        allowed = step.allowed,
        eligible = step.eligible,
        reasons = reasons.join(", "),
        ts = t_send.as_secs_f64(),
        kr = kartei_rate,
        traw = t_raw.as_secs_f64(),
        rr2 = raw_rate,
        pct = kartei_rate / raw_rate * 100.0,
    );
    println!("{section}");
    bench::write_section("campaigns", &section);
}
