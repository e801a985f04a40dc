//! Abuse resistance: what a logged-in user of any tenant or an anonymous visitor could do to
//! stall the server or spam through it, each tried as an attacker would.

use kartei_tests::TestApp;
use sea_orm::ConnectionTrait;
use serde_json::json;

async fn exec(app: &TestApp, tenant: &str, sql: &str) {
    let id: kartei_core::id::TenantId = tenant.parse().unwrap();
    let tx = app.db.begin_tenant(id).await.unwrap();
    tx.execute_unprepared(sql).await.unwrap();
    tx.commit().await.unwrap();
}

const CREATE_TEMPLATE: &str = "mutation($i: TemplateInput!) { createTemplate(input: $i) { \
    template { id } userErrors { field message code } } }";
const PREVIEW: &str = "query($t: ID!, $p: ID!) { previewTemplate(templateId: $t, personId: $p) { \
    text missingValue } }";

#[tokio::test]
async fn templates_that_would_build_huge_values_are_refused_and_previews_are_limited() {
    let app = kartei_tests::spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();

    // Each of these built hundreds of megabytes in one render (or while compiling).
    let doubling: String = std::iter::once("{% set s = first_name %}".to_owned())
        .chain((0..30).map(|_| "{% set s = s ~ s %}".to_owned()))
        .chain(std::iter::once("{{ s }}".to_owned()))
        .collect();
    for (body, needle) in [
        ("{{ \"x\" * 100000000 }}", "multiplies by more than 1000"),
        (doubling.as_str(), "more than 8 variable values"),
        (
            "{{ first_name|replace('', 'xxxxxxxxxx')|replace('', 'xxxxxxxxxx') }}",
            "more than 8 variable values",
        ),
        (
            "{% for i in range(100000000) %}x{% endfor %}",
            "calls a function",
        ),
        (
            "{% set ns = namespace(s='x') %}{{ ns.s }}",
            "calls a function",
        ),
    ] {
        let r = app
            .gql(
                CREATE_TEMPLATE,
                json!({"i": {"name": "Bombe", "channel": "EMAIL", "subject": "s", "body": body}}),
                Some(t),
                Some(&tenant),
            )
            .await;
        assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{body}: {}", r.body);
        let msg = r.fields()["body"].as_str().unwrap_or_default().to_owned();
        assert!(
            msg.contains("line 1") && msg.contains(needle),
            "{body}: {msg}"
        );
    }
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM templates")
            .await,
        0
    );

    // A template stored before these rules existed is refused when compiled for a render.
    exec(
        &app,
        &tenant,
        "INSERT INTO persons (id, first_name, last_name, name_key) \
           VALUES ('00000000-0000-7000-8000-000000000001', 'Anna', 'Alt', 'alt anna'); \
         INSERT INTO templates (id, name, channel, subject, body) VALUES \
           ('00000000-0000-7000-8000-0000000000b0', 'alt', 'email', 's', '{{ ''x'' * 100000000 }}')",
    )
    .await;
    let person = "00000000-0000-7000-8000-000000000001";
    let r = app
        .gql(
            PREVIEW,
            json!({"t": "00000000-0000-7000-8000-0000000000b0", "p": person}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    assert!(
        r.body.to_string().contains("refused in line 1"),
        "{}",
        r.body
    );

    // An ordinary template previews; previews are limited per user (burst 10, of which the
    // refused preview above spent one, then 30 a minute: 25 in a row cannot all pass however
    // slow the machine is).
    let r = app
        .gql(
            CREATE_TEMPLATE,
            json!({"i": {"name": "Gut", "channel": "LETTER",
                         "body": "{{ greeting }} {{ first_name ~ ' ' ~ last_name }}"}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let id = r.data()["createTemplate"]["template"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut ok, mut limited) = (0, 0);
    for _ in 0..25 {
        let r = app
            .gql(
                PREVIEW,
                json!({"t": id, "p": person}),
                Some(t),
                Some(&tenant),
            )
            .await;
        match r.code() {
            None => {
                assert!(
                    r.data()["previewTemplate"]["text"]
                        .as_str()
                        .unwrap()
                        .ends_with("Anna Alt")
                );
                ok += 1;
            }
            Some("RATE_LIMITED") => limited += 1,
            other => panic!("preview: {other:?} {}", r.body),
        }
    }
    println!("previews: {ok} rendered, {limited} RATE_LIMITED");
    assert!(ok >= 9 && limited > 0, "{ok} rendered, {limited} limited");
}

/// A real workbook whose sheet carries `padding` bytes of whitespace between its rows: valid
/// XML that packs to almost nothing, as a decompression bomb does.
fn padded_xlsx(padding: usize) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, v) in ["Vorname", "Nachname", "E-Mail"].iter().enumerate() {
        ws.write_string(0, c as u16, *v).unwrap();
    }
    for (c, v) in ["Käthe", "Süßmilch", "kaethe@example.de"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    let plain = wb.save_to_buffer().unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zin.len() {
        let mut part = zin.by_index(i).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut text = String::new();
        part.read_to_string(&mut text).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            text = text.replacen("</row>", &format!("</row>{}", " ".repeat(padding)), 1);
        }
        out.start_file(name, opts).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

const IMPORT_PREVIEW: &str =
    "query($u: ID!) { importPreview(uploadId: $u) { format headers rows { cells } } }";

#[tokio::test]
async fn an_xlsx_bomb_is_refused_before_parsing_and_uploads_have_a_tenant_quota() {
    let app = kartei_tests::spawn_app_with(kartei_tests::Redis::Shared, None, |s| {
        s.limits.upload_storage_bytes_per_tenant = 1 << 20;
    })
    .await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();

    // The same workbook reads fine with a little padding, and is refused with a lot.
    let fine = app
        .upload(t, &tenant, "kunden.xlsx", padded_xlsx(1000))
        .await;
    let r = app
        .gql(IMPORT_PREVIEW, json!({"u": fine}), Some(t), Some(&tenant))
        .await;
    assert_eq!(
        r.data()["importPreview"]["rows"][0]["cells"],
        json!(["Käthe", "Süßmilch", "kaethe@example.de"]),
        "{}",
        r.body
    );
    let bomb = padded_xlsx(8 << 20);
    println!("bomb: {} bytes packed, 8 MiB more unpacked", bomb.len());
    assert!(bomb.len() < 100_000);
    let bomb = app.upload(t, &tenant, "bombe.xlsx", bomb).await;
    let r = app
        .gql(IMPORT_PREVIEW, json!({"u": bomb}), Some(t), Some(&tenant))
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    assert!(
        r.message()
            .unwrap_or_default()
            .contains("decompression bomb"),
        "{}",
        r.body
    );

    // The tenant's stored uploads may hold 1 MiB here: a file that would pass it is refused
    // (and not kept), while another tenant uploads as usual.
    let send = |tenant: String, bytes: Vec<u8>| {
        let app = &app;
        async move {
            let res = app
                .http
                .post(format!("{}/files/uploads", app.url))
                .query(&[("filename", "gross.csv")])
                .header("authorization", format!("Bearer {t}"))
                .header("x-tenant-id", tenant)
                .body(bytes)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap())
        }
    };
    let csv = |n: usize| {
        let mut s = String::from("E-Mail\n");
        while s.len() < n {
            s.push_str("a@example.de\n");
        }
        s.into_bytes()
    };
    let before = app
        .tenant_i64(&tenant, "SELECT count(*) FROM uploads")
        .await;
    let (status, body) = send(tenant.clone(), csv(1 << 20)).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("upload storage of 1 MiB is full"), "{body}");
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM uploads")
            .await,
        before
    );
    let other = app.create_tenant(&owner, "Zweite GmbH").await;
    let (status, body) = send(other, csv(600_000)).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn a_subscribe_form_is_no_mail_cannon() {
    let app = kartei_tests::spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let token = app.subscribe_form(t, &tenant).await;
    let post = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        let token = token.clone();
        async move {
            let mut form = vec![("token", token)];
            form.extend(fields);
            let res = app
                .http
                .post(format!("{}/p/subscribe", app.url))
                .header("Accept", "application/json")
                .form(&form)
                .send()
                .await
                .unwrap();
            let retry = res.headers().get("retry-after").is_some();
            (res.status().as_u16(), retry)
        }
    };

    // One mailbox under fifteen spellings (tags and case): three confirmation mails, no more.
    let mut answers = Vec::new();
    for i in 1..=15 {
        let email = if i % 2 == 0 {
            format!("Opfer+{i}@Example.ORG")
        } else {
            format!("opfer+{i}@example.org")
        };
        answers.push(
            post(vec![
                ("email", email),
                ("firstName", "<img src=x onerror=alert(1)>".into()),
            ])
            .await,
        );
    }
    let accepted = answers.iter().filter(|(s, _)| *s == 202).count();
    let limited = answers.iter().filter(|(s, r)| *s == 429 && *r).count();
    println!("one mailbox, 15 spellings: {accepted} accepted, {limited} RATE_LIMITED");
    assert_eq!((accepted, limited), (3, 12), "{answers:?}");
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM consent_events WHERE kind = 'pending'"
        )
        .await,
        3
    );
    // The persons the form created are not contacts until confirmed: archived, out of lists.
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM persons WHERE archived_at IS NULL OR unconfirmed_since IS NULL"
        )
        .await,
        0
    );

    // Many mailboxes of one domain: throttled too (a burst of 20, then one a minute).
    let mut answers = Vec::new();
    for i in 0..25 {
        answers.push(post(vec![("email", format!("person{i}@victim.example"))]).await);
    }
    let accepted = answers.iter().filter(|(s, _)| *s == 202).count();
    println!("one domain, 25 mailboxes: {accepted} accepted");
    assert!((20..25).contains(&accepted), "{answers:?}");

    // A post that fills the honeypot field is answered alike and does nothing.
    let before = app
        .tenant_i64(&tenant, "SELECT count(*) FROM persons")
        .await;
    let (status, _) = post(vec![
        ("email", "bot@bots.example".into()),
        ("website", "https://spam.example".into()),
    ])
    .await;
    assert_eq!(status, 202);
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        before
    );
}

#[tokio::test]
async fn a_form_contact_never_confirmed_is_discarded_once_its_link_expired() {
    let app = kartei_tests::spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let token = app.subscribe_form(&owner.access, &tenant).await;
    for email in ["spaet@example.org", "frisch@example.org"] {
        let res = app
            .http
            .post(format!("{}/p/subscribe", app.url))
            .header("Accept", "application/json")
            .form(&[("token", token.as_str()), ("email", email)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
    }
    // The cleanup is scheduled for when the first link has expired (72 h by default, plus an hour).
    let id: kartei_core::id::TenantId = tenant.parse().unwrap();
    let scheduled = app
        .tenant_i64(
            &tenant,
            &format!(
                "SELECT count(*) FROM platform.jobs WHERE tenant_id = '{}' \
                 AND kind = 'compliance.discard_unconfirmed' AND status = 'queued' \
                 AND run_after > now() + interval '72 hours'",
                id.0
            ),
        )
        .await;
    assert_eq!(scheduled, 1);
    // One of them waited past its link's lifetime.
    exec(
        &app,
        &tenant,
        "UPDATE persons SET unconfirmed_since = now() - interval '74 hours' \
         WHERE email = 'spaet@example.org'",
    )
    .await;
    let tx = app.db.begin_tenant(id).await.unwrap();
    let done = kartei_compliance::doi::discard_unconfirmed(&tx, chrono::Utc::now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Before: never removed (no cleanup existed).
    assert_eq!(done.persons, 1);
    assert!(done.next.is_some(), "the fresh one is still waiting");
    let count = |sql: &'static str| app.tenant_i64(&tenant, sql);
    assert_eq!(count("SELECT count(*) FROM persons").await, 1);
    assert_eq!(
        count("SELECT count(*) FROM persons WHERE email = 'frisch@example.org'").await,
        1
    );
    // The ledger keeps both requests; the discarded one is redacted, as in an erasure.
    assert_eq!(
        count("SELECT count(*) FROM consent_events WHERE kind = 'pending'").await,
        2
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM consent_events WHERE person_id IS NULL AND redacted_at IS NOT NULL \
             AND address_hash IS NULL AND ip IS NULL"
        )
        .await,
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM audit_log WHERE action = 'person.unconfirmed_discarded'").await,
        1
    );
    // The address is not suppressed: its owner can still subscribe.
    let res = app
        .http
        .post(format!("{}/p/subscribe", app.url))
        .header("Accept", "application/json")
        .form(&[("token", token.as_str()), ("email", "spaet@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(count("SELECT count(*) FROM persons").await, 2);
}

#[tokio::test]
async fn sign_up_answers_alike_for_taken_addresses_and_tells_the_owner_by_mail() {
    let smtpd = kartei_tests::Smtpd::start();
    let smtp = smtpd.url();
    let app = kartei_tests::spawn_app_with(kartei_tests::Redis::Shared, None, move |s| {
        s.mail.smtp_url = Some(smtp.into());
        // Sign-up mails go out in the request. A worker would take other tests' jobs from
        // the shared queue and mail their confirmations into this SMTP server.
        s.worker.in_process = false;
    })
    .await;
    let owner = app.sign_up().await;
    let fresh = kartei_tests::unique_email("neu");
    let ask = |email: String| {
        let app = &app;
        async move {
            app.gql(
                "mutation($i: SignUpInput!) { signUp(input: $i) { accepted userErrors { field message code } } }",
                json!({"i": {"agencyName": "Wettbewerb <b>GmbH</b>", "displayName": "Eve Späher",
                             "email": email, "password": kartei_tests::PASSWORD}}),
                None,
                None,
            )
            .await
        }
    };
    let taken = ask(owner.email.clone()).await;
    let free = ask(fresh.clone()).await;
    // Before: CONFLICT "a user with this email already exists" for the taken one.
    assert_eq!(taken.status, free.status);
    assert_eq!(taken.body, free.body);
    assert_eq!(free.data()["signUp"]["accepted"], true, "{}", free.body);

    // Three mails: the owner's own sign-up, the note to the owner, the new address's link.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while smtpd.all_messages().len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mails: Vec<String> = smtpd
        .all_messages()
        .iter()
        .map(|m| kartei_tests::decode_quoted_printable(m))
        .collect();
    assert_eq!(mails.len(), 3);
    let to = |addr: &str| -> Vec<&String> {
        mails
            .iter()
            .filter(|m| m.contains(&format!("To: {addr}")) || m.contains(&format!("<{addr}>")))
            .collect()
    };
    let notes: Vec<&String> = to(&owner.email)
        .into_iter()
        .filter(|m| m.contains("bereits einen Zugang"))
        .collect();
    assert_eq!(notes.len(), 1, "{mails:?}");
    let note = notes[0].clone();
    assert!(!note.contains("token="), "{note}");
    let fresh_mails = to(&fresh);
    assert_eq!(fresh_mails.len(), 1, "{mails:?}");
    let confirm = fresh_mails[0].clone();
    assert!(confirm.contains("/p/sign-up?token="), "{confirm}");
    for m in [&note, &confirm] {
        assert!(
            !m.contains("Eve") && !m.contains("Wettbewerb"),
            "typed text in a mail: {m}"
        );
    }

    // The link's page has a button; pressing it creates the agency, and the admin logs in.
    let start = confirm.find("/p/sign-up?token=").unwrap();
    let link: String = confirm[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let page = app
        .http
        .get(format!("{}{link}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let token = link.split("token=").nth(1).unwrap();
    let post = || {
        app.http
            .post(format!("{}/p/sign-up", app.url))
            .header("accept", "application/json")
            .form(&[("token", token)])
            .send()
    };
    assert_eq!(post().await.unwrap().status(), 200);
    assert_eq!(post().await.unwrap().status(), 400, "a link works once");
    let l = app.login(&fresh, kartei_tests::PASSWORD).await;
    let access = l.data()["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", l.body))
        .to_owned();
    // The page opened no session of its own: the login's is the only one.
    let out = app
        .gql(
            "mutation { logoutEverywhere { endedSessions } }",
            json!({}),
            Some(&access),
            None,
        )
        .await;
    assert_eq!(
        out.data()["logoutEverywhere"]["endedSessions"],
        1,
        "{}",
        out.body
    );
}

#[tokio::test]
async fn tracking_hits_beyond_the_per_ip_limit_are_served_but_not_counted() {
    let app = kartei_tests::spawn_app_with(kartei_tests::Redis::Shared, None, |s| {
        s.limits.anonymous_burst = 2;
        s.limits.anonymous_per_minute = 1;
    })
    .await;
    let (_owner, tenant) = app.owner_with_tenant().await;
    exec(
        &app,
        &tenant,
        "INSERT INTO persons (id, first_name, last_name, name_key) \
           SELECT ('00000000-0000-7000-8000-00000000010' || g)::uuid, 'P', 'N' || g, 'n' || g \
           FROM generate_series(1, 5) g; \
         INSERT INTO templates (id, name, channel, subject, body) VALUES \
           ('00000000-0000-7000-8000-0000000000c1', 't', 'email', 's', 'b'); \
         INSERT INTO segments (id, name, kind, created_by) VALUES \
           ('00000000-0000-7000-8000-0000000000c4', 's', 'static', 'test'); \
         INSERT INTO campaigns (id, name, kind, purpose, goal_kind, goal_target, created_by, \
             segment_id) VALUES \
           ('00000000-0000-7000-8000-0000000000c2', 'c', 'newsletter', 'newsletter', 'click', 1, \
            'test', '00000000-0000-7000-8000-0000000000c4'); \
         INSERT INTO campaign_steps (id, campaign_id, position, channel, template_id) VALUES \
           ('00000000-0000-7000-8000-0000000000c3', '00000000-0000-7000-8000-0000000000c2', 1, \
            'email', '00000000-0000-7000-8000-0000000000c1'); \
         INSERT INTO campaign_sends (id, campaign_id, step_id, person_id, round, channel, status) \
           SELECT ('00000000-0000-7000-8000-00000000020' || g)::uuid, \
                  '00000000-0000-7000-8000-0000000000c2', '00000000-0000-7000-8000-0000000000c3', \
                  ('00000000-0000-7000-8000-00000000010' || g)::uuid, current_date, 'email', 'sent' \
           FROM generate_series(1, 5) g",
    )
    .await;
    let tracker = kartei_campaigns::tracking::Tracker::new(
        &secrecy::SecretString::from(kartei_tests::JWT_SECRET),
        &app.url,
    );
    let tid: kartei_core::id::TenantId = tenant.parse().unwrap();
    // Five recipients' pixels from one IP: every one is served, two are counted.
    for g in 1..=5 {
        let send: uuid::Uuid = format!("00000000-0000-7000-8000-00000000020{g}")
            .parse()
            .unwrap();
        let res = app
            .http
            .get(tracker.open_url(tid, send))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "image/gif");
    }
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM campaign_sends WHERE opens > 0"
        )
        .await,
        2
    );
}
