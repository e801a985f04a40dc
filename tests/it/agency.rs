//! An agency's daily work (issue 23), one test per item, named after it.

use kartei_tests::Smtpd;
use sea_orm::ConnectionTrait;
use serde_json::json;

use std::collections::BTreeSet;
use std::time::Duration;

use crate::campaigns::{
    campaign, exec, launch, ok, person_id, put_imprint, reason_counts, report, run_jobs, seed,
};
use crate::law::private_app;

/// A client tenant of an agency on a private app (the worker's jobs run when a test says so)
/// with an SMTP sink: how every item test starts.
struct Client {
    smtpd: Smtpd,
    app: kartei_tests::TestApp,
    settings: kartei_server::settings::Settings,
    owner: kartei_tests::Account,
    tenant: String,
}

impl Client {
    async fn start(name: &str) -> Self {
        let smtpd = Smtpd::start();
        let (app, settings) = private_app(name, &smtpd.url()).await;
        let (owner, tenant) = app.owner_with_tenant().await;
        Client {
            smtpd,
            app,
            settings,
            owner,
            tenant,
        }
    }

    /// A GraphQL request as the tenant's owner.
    async fn gql(&self, query: &str, vars: serde_json::Value) -> kartei_tests::Reply {
        self.app
            .gql(query, vars, Some(&self.owner.access), Some(&self.tenant))
            .await
    }
}

/// Item 11: the letter export opens in German Excel (and Word's mail merge) as it is: a
/// byte-order mark so umlauts are read as UTF-8, `;` between fields, CRLF line ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_11_letters_that_german_excel_opens() {
    let client = Client::start("letters_excel").await;
    let (app, settings, tenant) = (&client.app, &client.settings, &client.tenant);
    let t = client.owner.access.as_str();
    let gql = |q: &'static str, vars: serde_json::Value| client.gql(q, vars);
    put_imprint(app, tenant).await;
    for (first, last, street, postal, city) in [
        (
            "Jürgen",
            "Müller-Lüdenscheidt",
            "Königstraße 5",
            "01067",
            "Dresden",
        ),
        ("Zoë", "Weiß", "Straße des 17. Juni 1", "10623", "Berlin"),
    ] {
        let r = gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
            json!({"i": {"salutation": "Herr", "firstName": first, "lastName": last, "street": street,
                         "postalCode": postal, "city": city, "tags": ["brief"]}}),
        )
        .await;
        ok(&r, "createPerson");
    }
    let r = gql(
        "mutation($i: TemplateInput!) { createTemplate(input: $i) { template { id } userErrors { field message code } } }",
        json!({"i": {"name": "Brief", "channel": "LETTER",
                     "body": "{{ greeting }}\n\nfür Sie: 20 % Rabatt; gültig bis Ende März.\n\nMit freundlichen Grüßen"}}),
    )
    .await;
    let template = ok(&r, "createTemplate")["createTemplate"]["template"]["id"].clone();
    let r = gql(
        "mutation($i: SegmentInput!) { createSegment(input: $i) { segment { id } userErrors { field message code } } }",
        json!({"i": {"name": "Brief", "rule": {"field": "tags", "op": "has", "value": "brief"}}}),
    )
    .await;
    let segment = ok(&r, "createSegment")["createSegment"]["segment"]["id"].clone();
    let r = gql(
        "mutation($i: CampaignInput!) { createCampaign(input: $i) { campaign { id version steps { id } } userErrors { field message code } } }",
        json!({"i": {"name": "Frühjahr", "kind": "NEWSLETTER", "purpose": "newsletter",
                     "goalKind": "PURCHASE", "goalTarget": 1, "attributionDays": 30,
                     "segmentId": segment, "steps": [{"channel": "LETTER", "templateId": template}]}}),
    )
    .await;
    let c = ok(&r, "createCampaign")["createCampaign"]["campaign"].clone();
    let (id, step) = (c["id"].as_str().unwrap(), c["steps"][0]["id"].clone());
    let launched = launch(app, t, tenant, id, c["version"].as_i64().unwrap()).await;
    assert_eq!(launched["audience"], 2, "{launched}");
    run_jobs(app, settings).await;
    let r = gql(
        "query($c: ID!, $s: ID!) { letterExport(campaignId: $c, stepId: $s) { letters csv } }",
        json!({"c": id, "s": step}),
    )
    .await;
    let export = ok(&r, "letterExport")["letterExport"].clone();
    assert_eq!(export["letters"], 2, "{export}");
    let csv = export["csv"].as_str().unwrap();
    let bytes = csv.as_bytes();
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "a UTF-8 byte-order mark first"
    );
    assert!(
        csv.contains("\r\n") && !csv.replace("\r\n", "").contains("\r\n"),
        "CRLF line ends"
    );
    let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(
        header.starts_with("person_id;salutation;title;first_name;last_name;"),
        "{header}"
    );
    // Read back as German Excel splits it: `;`, umlauts intact, the multi-line letter one field.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let names: Vec<&str> = rows.iter().map(|r| &r[4]).collect();
    assert!(
        names.contains(&"Müller-Lüdenscheidt") && names.contains(&"Weiß"),
        "{names:?}"
    );
    assert!(
        rows.iter().all(|r| r.len() == 12),
        "every row has every column"
    );
    let letter = &rows[0][11];
    assert!(
        letter.contains("20 % Rabatt; gültig") && letter.contains('\n'),
        "{letter}"
    );
    println!(
        "letter export: {} bytes, BOM, ';', CRLF; {} letters read back with umlauts intact",
        bytes.len(),
        rows.len()
    );
}

/// Item 8: every column of a tenant table that names a person has a merge rule, and every
/// rule names such a column: a new `person_id` table without a rule fails here.
#[tokio::test]
async fn item_8_every_person_column_has_a_merge_rule() {
    let app = kartei_tests::spawn_app().await;
    let (_, tenant) = app.owner_with_tenant().await;
    let id: kartei_core::id::TenantId = tenant.parse().unwrap();
    let tx = app.db.begin_tenant(id).await.unwrap();
    let rows = tx
        .query_all_raw(kartei_tenancy::tenants::stmt(
            "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
             JOIN information_schema.tables t ON t.table_schema = c.table_schema \
                  AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' \
             WHERE c.table_schema = current_schema() AND c.column_name = 'person_id' \
             ORDER BY 1",
            vec![],
        ))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let columns: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
            )
        })
        .collect();
    let mut rules = kartei_contacts::merge::CONTACT_RULES.to_vec();
    for hook in kartei_gateway::contacts::merge_hooks() {
        rules.extend_from_slice(hook.rules());
    }
    let ruled: BTreeSet<(String, String)> = rules
        .iter()
        .map(|r| (r.table.to_owned(), r.column.to_owned()))
        .collect();
    assert_eq!(ruled.len(), rules.len(), "one rule per column");
    let missing: Vec<_> = columns.difference(&ruled).collect();
    assert!(
        missing.is_empty(),
        "person columns without a merge rule: {missing:?}"
    );
    let stale: Vec<_> = ruled.difference(&columns).collect();
    assert!(
        stale.is_empty(),
        "merge rules naming no such column: {stale:?}"
    );
    assert!(columns.len() >= 15, "{columns:?}");
    println!("{} person columns, each with one merge rule", columns.len());
}

/// Item 8: a merge moves the losers' campaign sends, so the frequency cap still counts them;
/// the consent carried over and the other domains' rows are in the merge's counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_8_a_merge_keeps_the_frequency_cap() {
    let client = Client::start("merge_cap").await;
    let (smtpd, app, settings, tenant) =
        (&client.smtpd, &client.app, &client.settings, &client.tenant);
    let t = client.owner.access.as_str();
    let r = app
        .gql(
            "mutation { updateCampaignSettings(input: {addressForm: SIE, capTouches: 1, capDays: 30, throttlePerSecond: 100}) { settings { capTouches } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(tenant),
        )
        .await;
    ok(&r, "settings");
    // The same customer twice: the duplicate got this month's mailing.
    seed(app, tenant, "dup", 1, true).await;
    seed(app, tenant, "win", 1, true).await;
    let (first, v1) = campaign(app, t, tenant, "dup", "Erste").await;
    assert_eq!(launch(app, t, tenant, &first, v1).await["audience"], 1);
    run_jobs(app, settings).await;
    smtpd.wait_for(1, Duration::from_secs(5)).await;
    let loser = person_id(app, tenant, "c1.dup@example.de").await;
    let winner = person_id(app, tenant, "c1.win@example.de").await;
    let r = app
        .gql(
            "mutation($i: MergePersonsInput!) { mergePersons(input: $i) { merge { mergeId } userErrors { field message code } } }",
            json!({"i": {"winnerId": winner, "loserIds": [loser], "choices": [], "dryRun": false}}),
            Some(t),
            Some(tenant),
        )
        .await;
    ok(&r, "mergePersons");
    let count = |sql: String| {
        let (app, tenant) = (&app, tenant.clone());
        async move { app.tenant_i64(&tenant, &sql).await }
    };
    let w = kartei_tests::uuid(&winner);
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM campaign_sends WHERE person_id = '{w}'"
        ))
        .await,
        1,
        "the duplicate's send moved to the winner"
    );
    assert!(
        count(format!(
            "SELECT count(*) FROM consent_events WHERE person_id = '{w}' AND source = 'merge'"
        ))
        .await
            >= 1,
        "the duplicate's consent carried over"
    );
    let audit = count(
        "SELECT count(*) FROM audit_log WHERE action = 'person.merged' \
         AND (detail->'moved'->>'campaign_sends')::int = 1"
            .to_owned(),
    )
    .await;
    assert_eq!(audit, 1, "the merge's audit entry counts the moved sends");
    // The winner is capped: one touch in 30 days already.
    let (second, v2) = campaign(app, t, tenant, "win", "Zweite").await;
    assert_eq!(launch(app, t, tenant, &second, v2).await["audience"], 1);
    run_jobs(app, settings).await;
    let skipped = reason_counts(&report(app, t, tenant, &second).await["skipped"]);
    assert_eq!(skipped.get("FREQUENCY_CAP"), Some(&1), "{skipped:?}");
    assert_eq!(smtpd.messages().len(), 1, "one mail in all");
    println!("merge: the duplicate's send moved, the winner capped: {skipped:?}");
}

/// Item 6 (in part): "no contact for N days" finds people who were never contacted too,
/// counting from when their record was created; someone added yesterday is not due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_6_no_contact_finds_the_never_contacted() {
    let client = Client::start("no_contact").await;
    let (app, settings, tenant) = (&client.app, &client.settings, &client.tenant);
    let t = client.owner.access.as_str();
    let gql = |q: &'static str, vars: serde_json::Value| client.gql(q, vars);
    put_imprint(app, tenant).await;
    // (last name, days since created, days since the last interaction)
    for (last, created, contacted) in [
        ("Lange", 400, Some(200)),
        ("Nie", 400, None),
        ("Neu", 1, None),
        ("Kuerzlich", 400, Some(10)),
    ] {
        let r = gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
            json!({"i": {"firstName": "Kim", "lastName": last, "street": "Ring 1",
                         "postalCode": "50667", "city": "Köln"}}),
        )
        .await;
        ok(&r, "createPerson");
        let last_interaction = contacted.map_or("NULL".to_owned(), |d| {
            format!("now() - interval '{d} days'")
        });
        exec(
            app,
            tenant,
            &format!(
                "UPDATE persons SET created_at = now() - interval '{created} days', \
                 last_interaction_at = {last_interaction} WHERE last_name = '{last}'"
            ),
        )
        .await;
    }
    let r = gql(
        "mutation($i: TemplateInput!) { createTemplate(input: $i) { template { id } userErrors { field message code } } }",
        json!({"i": {"name": "Lange nichts gehört", "channel": "LETTER", "body": "{{ greeting }}\n\nwie geht es Ihnen?"}}),
    )
    .await;
    let template = ok(&r, "createTemplate")["createTemplate"]["template"]["id"].clone();
    let r = gql(
        "mutation($i: CampaignInput!) { createCampaign(input: $i) { campaign { id version } userErrors { field message code } } }",
        json!({"i": {"name": "Reaktivierung", "kind": "OCCASION", "purpose": "offers",
                     "goalKind": "PURCHASE", "goalTarget": 1, "attributionDays": 30,
                     "occasion": {"kind": "NO_CONTACT", "days": 90},
                     "steps": [{"channel": "LETTER", "templateId": template}]}}),
    )
    .await;
    let c = ok(&r, "createCampaign")["createCampaign"]["campaign"].clone();
    let id = c["id"].as_str().unwrap();
    launch(app, t, tenant, id, c["version"].as_i64().unwrap()).await;
    run_jobs(app, settings).await;
    let due = app
        .tenant_texts(
            tenant,
            "SELECT p.last_name FROM campaign_sends s JOIN persons p ON p.id = s.person_id \
             WHERE s.status = 'sent' ORDER BY p.last_name",
        )
        .await;
    assert_eq!(
        due,
        ["Lange", "Nie"],
        "no contact for 90 days: the long-silent one and the never-contacted one"
    );
    println!("no contact for 90 days: {due:?}");
}

/// Item 7 (in part): the goals "buys again within N days" (`REPEAT_PURCHASE`) and "spends more
/// than in the previous period" (`SPEND_INCREASE`) count what they say, beside `PURCHASE`, over
/// the same sends: four customers mailed today with a 30-day window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_7_goals_that_can_be_met() {
    let client = Client::start("goals").await;
    let (smtpd, app, settings, tenant) =
        (&client.smtpd, &client.app, &client.settings, &client.tenant);
    let t = client.owner.access.as_str();
    seed(app, tenant, "ziel", 4, true).await;
    let (id, v) = campaign(app, t, tenant, "ziel", "Wiederkauf").await;
    assert_eq!(launch(app, t, tenant, &id, v).await["audience"], 4);
    run_jobs(app, settings).await;
    smtpd.wait_for(4, Duration::from_secs(10)).await;
    // c1 bought 60 days ago (outside the 30 days before) and again now: all three goals.
    // c2 bought 10 days ago for more than now: a purchase and a repeat, not more spent.
    // c3 bought nothing. c4 bought for the first time now: a purchase and more spent.
    for (n, (c, days_ago, euros)) in [
        (1, 60, 100),
        (1, 0, 50),
        (2, 10, 200),
        (2, 0, 100),
        (4, 0, 80),
    ]
    .into_iter()
    .enumerate()
    {
        exec(
            app,
            tenant,
            &format!(
                "INSERT INTO transactions (id, person_id, kind, number, amount_minor, currency, issued_on, status) \
                 SELECT gen_random_uuid(), id, 'invoice', 'R-{n}', {euros}00, 'EUR', current_date - {days_ago}, 'open' \
                 FROM persons WHERE email = 'c{c}.ziel@example.de'"
            ),
        )
        .await;
    }
    let mut converted = Vec::new();
    for (goal, api) in [
        ("purchase", "PURCHASE"),
        ("repeat_purchase", "REPEAT_PURCHASE"),
        ("spend_increase", "SPEND_INCREASE"),
    ] {
        exec(
            app,
            tenant,
            &format!("UPDATE campaigns SET goal_kind = '{goal}'"),
        )
        .await;
        let r = client
            .gql(
                "query($id: ID!) { campaign(id: $id) { goalKind } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(ok(&r, "campaign")["campaign"]["goalKind"], api);
        let rep = report(app, t, tenant, &id).await;
        converted.push((
            api,
            rep["converted"].as_i64().unwrap(),
            rep["revenueMinor"].as_i64().unwrap(),
        ));
    }
    println!("goals over the same four sends (goal, converted, revenue in cents): {converted:?}");
    assert_eq!(
        converted,
        vec![
            ("PURCHASE", 3, 23000),
            ("REPEAT_PURCHASE", 2, 15000),
            ("SPEND_INCREASE", 2, 13000),
        ]
    );
}
