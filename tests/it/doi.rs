//! Double opt-in end to end against a real SMTP server (aiosmtpd): subscribe on a website
//! form, read the confirmation mail, follow its link, confirm; the consent is confirmed with
//! proof and the link works once; after a revocation the proof dossier shows every event
//! with its proof.

use kartei_tests::{Redis, Smtpd, decode_quoted_printable, spawn_app_with};
use serde_json::json;

#[tokio::test]
async fn double_opt_in_over_real_smtp() {
    let smtpd = Smtpd::start();
    // An own database, so that this app's worker (the one configured with this SMTP server)
    // is the only one to send the mail.
    // (Dropped first: a queued job left by an earlier run must not send into this one.)
    let db = kartei_tests::database_url().replace("/kartei_test", "/kartei_test_doi");
    kartei_tests::drop_database(&db).await;
    let smtp = smtpd.url();
    let app = spawn_app_with(Redis::Shared, Some(db), move |s| {
        s.mail.smtp_url = Some(smtp.into());
        s.mail.from = "Kartei Newsletter <newsletter@kartei.example>".into();
    })
    .await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let r = app
        .gql(
            "mutation { storeConsentText(input: {title: \"Newsletter\", body: \"Ich möchte den Newsletter erhalten und kann jederzeit widerrufen.\"}) { consentText { hash } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let text = r.data()["storeConsentText"]["consentText"]["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .gql(
            "mutation($x: String!) { createSubscribeForm(input: {purpose: \"newsletter\", textHash: $x, pageUrl: \"https://shop.example/newsletter\"}) { subscribeForm { token actionUrl } userErrors { field message code } } }",
            json!({"x": text}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let form = r.data()["createSubscribeForm"]["subscribeForm"].clone();
    assert!(
        form["actionUrl"]
            .as_str()
            .unwrap()
            .ends_with("/p/subscribe"),
        "{}",
        r.body
    );

    // A malformed address is refused; a forged form token too.
    let bad = app
        .http
        .post(format!("{}/p/subscribe", app.url))
        .header("Accept", "application/json")
        .form(&[
            ("token", form["token"].as_str().unwrap()),
            ("email", "not-an-address"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let forged = app
        .http
        .post(format!("{}/p/subscribe", app.url))
        .form(&[
            ("token", "eyJhbGciOiJIUzI1NiJ9.e30.x"),
            ("email", "lena@example.net"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.headers()["x-kartei-code"], "TOKEN_INVALID");

    let res = app
        .http
        .post(format!("{}/p/subscribe", app.url))
        .header("User-Agent", "Mozilla/5.0 (Subscribe)")
        .form(&[
            ("token", form["token"].as_str().unwrap()),
            ("email", "lena.leser@example.net"),
            ("firstName", "Lena"),
            ("lastName", "Leser"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);

    let mails = smtpd.wait_for(1, std::time::Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 1, "one confirmation mail");
    let mail = &mails[0];
    // Nothing the visitor typed is in the mail: no name in the header or the greeting.
    assert!(
        mail.contains("To: lena.leser@example.net")
            || mail.contains("To: <lena.leser@example.net>"),
        "{mail}"
    );
    assert!(!mail.contains("Lena") && !mail.contains("Leser"), "{mail}");
    assert!(
        mail.contains("From: \"Kartei Newsletter\" <newsletter@kartei.example>")
            || mail.contains("From: Kartei Newsletter <newsletter@kartei.example>"),
        "{mail}"
    );
    let body = decode_quoted_printable(mail);
    assert!(body.contains("Guten Tag,"), "{body}");
    let start = body.find("/p/confirm?token=").expect("a confirmation link");
    let link: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    println!(
        "mail received ({} bytes), link {}…",
        mail.len(),
        &link[..40]
    );

    // A second subscribe within minutes sends no second mail.
    let res = app
        .http
        .post(format!("{}/p/subscribe", app.url))
        .form(&[
            ("token", form["token"].as_str().unwrap()),
            ("email", "lena.leser@example.net"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);

    // Until the address is confirmed the person the form created is no contact: not listed.
    let listed = || {
        app.gql(
            "{ persons(filter: {query: \"lena.leser@example.net\"}, first: 1) { edges { node { id firstName } } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
    };
    let before = listed().await;
    assert_eq!(
        before.data()["persons"]["edges"],
        json!([]),
        "{}",
        before.body
    );
    let person = {
        let id: kartei_core::id::TenantId = tenant.parse().unwrap();
        let tx = app.db.begin_tenant(id).await.unwrap();
        let row = sea_orm::ConnectionTrait::query_one_raw(
            &*tx,
            kartei_tenancy::tenants::stmt(
                "SELECT id::text FROM persons WHERE email_normalized = 'lena.leser@example.net'",
                vec![],
            ),
        )
        .await
        .unwrap()
        .unwrap();
        let id: String = row.try_get_by_index(0).unwrap();
        tx.commit().await.unwrap();
        id
    };
    let decision = "query($p: ID!) { mayContact(personId: $p, channel: EMAIL, purpose: \"newsletter\") { allowed reason legalBasis } }";
    let pending = app
        .gql(decision, json!({"p": person}), Some(t), Some(&tenant))
        .await;
    // Not allowed: the consent is pending, and the record is archived until it is confirmed
    // (the policy names the latter first).
    assert_eq!(pending.data()["mayContact"]["allowed"], false);
    assert_eq!(pending.data()["mayContact"]["reason"], "ARCHIVED");

    // Following the link shows a page; it does not confirm by itself.
    let page = app
        .http
        .get(format!("{}{link}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Anmeldung bestätigen") && html.contains("name=\"token\""),
        "{html}"
    );
    let token = link.split("token=").nth(1).unwrap();
    let confirm = || {
        app.http
            .post(format!("{}/p/confirm", app.url))
            .header("User-Agent", "Mozilla/5.0 (Confirm)")
            .form(&[("token", token)])
            .send()
    };
    let res = confirm().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("bestätigt"));
    let after = listed().await;
    assert_eq!(
        after.data()["persons"]["edges"][0]["node"]["firstName"],
        "Lena",
        "{}",
        after.body
    );

    let allowed = app
        .gql(decision, json!({"p": person}), Some(t), Some(&tenant))
        .await;
    assert_eq!(
        allowed.data()["mayContact"],
        json!({"allowed": true, "reason": "DOUBLE_OPT_IN_CONFIRMED", "legalBasis": "GDPR_ART_6_1_A_CONSENT"})
    );
    let events = app
        .gql(
            "query($p: ID!) { consentEvents(personId: $p) { kind source sourceRef textHash ip userAgent actor { label kind } } }",
            json!({"p": person}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let events = events.data()["consentEvents"].as_array().unwrap().clone();
    assert_eq!(events.len(), 2, "{events:?}");
    let (confirmed, requested) = (&events[0], &events[1]);
    assert_eq!(confirmed["kind"], "CONFIRMED");
    assert_eq!(confirmed["source"], "DOUBLE_OPT_IN");
    assert_eq!(confirmed["ip"], "127.0.0.1");
    assert_eq!(confirmed["userAgent"], "Mozilla/5.0 (Confirm)");
    assert_eq!(confirmed["actor"]["kind"], "PUBLIC", "{confirmed}");
    assert_eq!(confirmed["textHash"], text);
    assert_eq!(requested["kind"], "PENDING");
    assert_eq!(requested["source"], "WEB_FORM");
    assert_eq!(requested["sourceRef"], "https://shop.example/newsletter");
    assert_eq!(requested["userAgent"], "Mozilla/5.0 (Subscribe)");
    println!("confirmed with proof: {confirmed}");

    // The link works once.
    let replay = confirm().await.unwrap();
    assert_eq!(replay.status(), 409);
    assert_eq!(replay.headers()["x-kartei-code"], "TOKEN_USED");
    let count = app
        .gql(
            "query($p: ID!) { consentEvents(personId: $p) { kind } }",
            json!({"p": person}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(count.data()["consentEvents"].as_array().unwrap().len(), 2);
    assert_eq!(smtpd.messages().len(), 1, "still only one mail");

    // She revokes by phone; the proof dossier shows all of it, each event with its proof.
    let r = app
        .gql(
            "mutation($p: ID!) { recordConsent(input: {personId: $p, channel: EMAIL, purpose: \"newsletter\", kind: REVOKED, source: CALL, sourceRef: \"Anruf vom 3. Dezember\"}) { consentEvent { seq } userErrors { field message code } } }",
            json!({"p": person}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let r = app
        .gql(
            "query($p: ID!) { proofDossier(personId: $p, channel: EMAIL) { html events messages chainIntact } }",
            json!({"p": person}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let d = &r.data()["proofDossier"];
    assert_eq!(
        (d["events"].as_i64(), d["chainIntact"].as_bool()),
        (Some(3), Some(true))
    );
    let html = d["html"].as_str().unwrap();
    let doi_mail = app
        .tenant_texts(
            &tenant,
            "SELECT message_id FROM sent_messages WHERE kind = 'double_opt_in'",
        )
        .await;
    let digests = app
        .tenant_texts(
            &tenant,
            "SELECT encode(content_digest, 'hex') FROM consent_events ORDER BY seq",
        )
        .await;
    for needle in [
        "Lena Leser",
        "Kette intakt",
        "pending",
        "confirmed",
        "revoked",
        "https://shop.example/newsletter",
        "Mozilla/5.0 (Subscribe)",
        "Mozilla/5.0 (Confirm)",
        "127.0.0.1",
        text.as_str(),
        "Ich möchte den Newsletter erhalten und kann jederzeit widerrufen.",
        "Bitte bestätigen: Newsletter",
        "Bestätigende Anfrage",
        "Anruf vom 3. Dezember",
    ]
    .into_iter()
    .chain(
        doi_mail
            .iter()
            .map(|m| m.trim_matches(|c| c == '<' || c == '>')),
    )
    .chain(digests.iter().map(String::as_str))
    {
        assert!(
            html.contains(needle),
            "the dossier lacks {needle:?}: {html}"
        );
    }
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM audit_log WHERE action = 'dossier.generated'"
        )
        .await,
        1,
        "generating a dossier is audited"
    );
}
