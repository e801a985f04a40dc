//! Compliance: the channel policy (Rust and SQL forms against a table and a random
//! population), revocation, unsubscribe links, the consent chain under tampering, merges.

use chrono::{DateTime, Duration, Utc};
use kartei_compliance::ledger::{self, Channel, EventKind, NewEvent, Source};
use kartei_compliance::policy::{self, PolicySettings};
use kartei_compliance::suppression::{self, Key};
use kartei_compliance::{exceptions, links};
use kartei_contacts::organizations::{self, OrganizationDraft};
use kartei_contacts::persons::{self, PersonDraft};
use kartei_core::id::TenantId;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use kartei_tests::{JWT_SECRET, TestApp, spawn_app};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

const PURPOSE: &str = "offers";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Nothing,
    Pending,
    Granted,
    Confirmed,
    Revoked,
    Objected,
    Presumed,
    Expired,
    /// Granted for an address the person no longer has.
    OldAddress,
    /// Confirmed, then the address went on the suppression list.
    Suppressed,
    /// UWG §7(3) conditions recorded.
    Customer,
    NoAddress,
    Archived,
    /// Confirmed, then restricted (Art. 18 GDPR).
    Restricted,
}

const STATES: [State; 14] = [
    State::Nothing,
    State::Pending,
    State::Granted,
    State::Confirmed,
    State::Revoked,
    State::Objected,
    State::Presumed,
    State::Expired,
    State::OldAddress,
    State::Suppressed,
    State::Customer,
    State::NoAddress,
    State::Archived,
    State::Restricted,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    Default,
    NoDoubleOptIn,
    PresumedB2b,
    ExistingCustomer,
}

fn settings(s: Set) -> PolicySettings {
    let d = PolicySettings::default();
    match s {
        Set::Default => d,
        Set::NoDoubleOptIn => PolicySettings {
            require_double_opt_in: false,
            ..d
        },
        Set::PresumedB2b => PolicySettings {
            presumed_business_phone: true,
            ..d
        },
        Set::ExistingCustomer => PolicySettings {
            existing_customer_exception: true,
            ..d
        },
    }
}

async fn tenant_tx(app: &TestApp, tenant: &str) -> TenantTx {
    let id: TenantId = tenant.parse().unwrap();
    app.db.begin_tenant(id).await.unwrap()
}

fn event(person: Uuid, channel: Channel, kind: EventKind, at: DateTime<Utc>) -> NewEvent {
    NewEvent {
        person_id: person,
        channel,
        purpose: Some(PURPOSE.into()),
        kind,
        at,
        source: Source::Paper,
        source_ref: Some("Formular 7".into()),
        text_hash: None,
        address_hash: None,
        ip: None,
        user_agent: None,
        actor: "test".into(),
        note: None,
    }
}

/// One person in the given state for the channel; returns their id.
async fn make_case(
    tx: &TenantTx,
    key: &Key,
    n: usize,
    business: bool,
    channel: Channel,
    state: State,
) -> Uuid {
    let tag = Uuid::new_v4().simple().to_string();
    let mut d = PersonDraft {
        first_name: Some("Case".into()),
        last_name: Some(format!("Nr{n}")),
        ..PersonDraft::default()
    };
    if state != State::NoAddress {
        d.email = Some(format!("case{n}-{}@example.de", &tag[..8]));
        d.phone = Some(format!("+4989{:07}", n * 7 + 1_000_000));
        d.mobile = Some(format!("+49151{:08}", n * 7 + 1_000_000));
        d.street = Some("Hauptstr. 1".into());
        d.postal_code = Some("80331".into());
        d.city = Some("München".into());
    }
    let p = persons::create(tx, &d).await.unwrap();
    if business {
        let o = organizations::create(
            tx,
            &OrganizationDraft {
                name: Some(format!("Firma {tag}")),
                ..OrganizationDraft::default()
            },
        )
        .await
        .unwrap();
        tx.execute_raw(stmt(
            "INSERT INTO person_organizations (person_id, organization_id, is_primary) VALUES ($1, $2, true)",
            vec![p.id.into(), o.id.into()],
        ))
        .await
        .unwrap();
    }
    let email = p.email.as_deref().map(str::to_lowercase);
    let addrs = policy::channel_addresses(
        channel,
        email.as_deref(),
        p.phone.as_deref(),
        p.mobile.as_deref(),
    );
    let current = addrs.first().map(|a| key.hash(a));
    let now = Utc::now();
    let grant = |kind: EventKind, at: DateTime<Utc>| NewEvent {
        address_hash: current.clone(),
        ..event(p.id, channel, kind, at)
    };
    let earlier = now - Duration::days(2);
    let later = now - Duration::days(1);
    let events: Vec<NewEvent> = match state {
        State::Nothing | State::NoAddress | State::Customer => vec![],
        State::Pending => vec![grant(EventKind::Pending, later)],
        State::Granted => vec![grant(EventKind::Granted, later)],
        State::Confirmed | State::Archived | State::Suppressed | State::Restricted => vec![
            grant(EventKind::Pending, earlier),
            grant(EventKind::Confirmed, later),
        ],
        State::Revoked => vec![
            grant(EventKind::Confirmed, earlier),
            event(p.id, channel, EventKind::Revoked, later),
        ],
        State::Objected => vec![
            grant(EventKind::Confirmed, earlier),
            NewEvent {
                purpose: None,
                ..event(p.id, channel, EventKind::Objected, later)
            },
        ],
        State::Presumed => vec![grant(EventKind::Presumed, later)],
        State::Expired => vec![
            grant(EventKind::Granted, earlier),
            event(p.id, channel, EventKind::Expired, later),
        ],
        State::OldAddress => vec![NewEvent {
            address_hash: Some(key.hash("old-address@example.de")),
            ..event(p.id, channel, EventKind::Confirmed, later)
        }],
    };
    for e in &events {
        ledger::record(tx, e).await.unwrap();
    }
    match state {
        State::Suppressed => {
            for a in [&email, &p.phone] {
                suppression::add_hash(
                    tx,
                    key.hash(a.as_deref().unwrap()),
                    suppression::AddressKind::Email,
                    suppression::Reason::Manual,
                    "test",
                )
                .await
                .unwrap();
            }
        }
        State::Customer => {
            exceptions::record(
                tx,
                &exceptions::NewRecord {
                    person_id: p.id,
                    obtained_at: now - Duration::days(30),
                    sale_reference: "RE-2026-0042".into(),
                    purposes: vec![PURPOSE.into()],
                    notice_given_at: now - Duration::days(30),
                    notice_text_hash: None,
                },
                "test",
            )
            .await
            .unwrap();
        }
        State::Archived => {
            tx.execute_raw(stmt(
                "UPDATE persons SET archived_at = now() WHERE id = $1",
                vec![p.id.into()],
            ))
            .await
            .unwrap();
        }
        State::Restricted => {
            kartei_compliance::restriction::restrict(tx, p.id, "accuracy contested", "test")
                .await
                .unwrap();
        }
        _ => {}
    }
    p.id
}

/// Both forms of the policy for these persons; asserts they agree and returns the reasons.
async fn decide_both(
    tx: &TenantTx,
    key: &Key,
    s: &PolicySettings,
    ids: &[Uuid],
    channel: Channel,
    purpose: &str,
    at: DateTime<Utc>,
) -> Vec<String> {
    let sql = policy::decisions(tx, s, channel, purpose, at, Some(ids.to_vec()))
        .await
        .unwrap();
    let mut out = Vec::new();
    for id in ids {
        let rust = policy::may_contact_with(tx, key, s, *id, channel, purpose, at)
            .await
            .unwrap();
        let row = sql.iter().find(|r| r.person_id == *id).unwrap();
        assert_eq!(
            (row.allowed, row.reason.as_str(), row.basis.as_deref()),
            (
                rust.allowed,
                rust.reason.as_str(),
                rust.basis.map(|b| b.as_str())
            ),
            "SQL and Rust disagree for {id} on {channel}/{purpose} with {s:?}"
        );
        out.push(rust.reason.as_str().to_owned());
    }
    out
}

#[tokio::test]
async fn policy_table_and_sql_agree() {
    use Channel::*;
    use Set::*;
    use State::*;
    let app = spawn_app().await;
    let (_, tenant) = app.owner_with_tenant().await;
    let tx = tenant_tx(&app, &tenant).await;
    let key = Key::load(&tx).await.unwrap();
    // (business, channel, state, settings, expected reason)
    let table: &[(bool, Channel, State, Set, &str)] = &[
        (false, Email, Nothing, Default, "NO_CONSENT"),
        (false, Email, Pending, Default, "DOUBLE_OPT_IN_PENDING"),
        (false, Email, Granted, Default, "DOUBLE_OPT_IN_REQUIRED"),
        (false, Email, Granted, NoDoubleOptIn, "EXPRESS_CONSENT"),
        (false, Email, Confirmed, Default, "DOUBLE_OPT_IN_CONFIRMED"),
        (false, Email, Revoked, Default, "REVOKED"),
        (false, Email, Objected, Default, "OBJECTED"),
        (false, Email, Expired, Default, "EXPIRED"),
        (false, Email, Presumed, PresumedB2b, "NO_CONSENT"),
        (false, Email, OldAddress, NoDoubleOptIn, "NO_CONSENT"),
        (false, Email, Customer, Default, "NO_CONSENT"),
        (
            false,
            Email,
            Customer,
            ExistingCustomer,
            "EXISTING_CUSTOMER",
        ),
        (false, Email, Suppressed, Default, "SUPPRESSED"),
        (false, Email, NoAddress, Default, "NO_ADDRESS"),
        (false, Email, Archived, Default, "ARCHIVED"),
        (false, Email, Restricted, Default, "RESTRICTED"),
        (false, Letter, Restricted, Default, "RESTRICTED"),
        (true, Email, Confirmed, Default, "DOUBLE_OPT_IN_CONFIRMED"),
        (true, Email, Customer, ExistingCustomer, "EXISTING_CUSTOMER"),
        (true, Email, Nothing, ExistingCustomer, "NO_CONSENT"),
        (true, Email, Presumed, PresumedB2b, "NO_CONSENT"),
        (false, Sms, Nothing, Default, "NO_CONSENT"),
        (false, Sms, Granted, Default, "EXPRESS_CONSENT"),
        (false, Sms, Revoked, Default, "REVOKED"),
        (false, Sms, Customer, ExistingCustomer, "NO_CONSENT"),
        (false, Sms, Pending, Default, "DOUBLE_OPT_IN_PENDING"),
        (true, Sms, Presumed, PresumedB2b, "NO_CONSENT"),
        (false, Phone, Nothing, Default, "NO_CONSENT"),
        (false, Phone, Granted, Default, "EXPRESS_CONSENT"),
        (false, Phone, Presumed, Default, "PRESUMED_CONSENT_CONSUMER"),
        (
            false,
            Phone,
            Presumed,
            PresumedB2b,
            "PRESUMED_CONSENT_CONSUMER",
        ),
        (false, Phone, OldAddress, Default, "NO_CONSENT"),
        (true, Phone, Nothing, PresumedB2b, "NO_CONSENT"),
        (true, Phone, Presumed, Default, "PRESUMED_CONSENT_DISABLED"),
        (
            true,
            Phone,
            Presumed,
            PresumedB2b,
            "PRESUMED_BUSINESS_CONSENT",
        ),
        (true, Phone, Granted, Default, "EXPRESS_CONSENT"),
        (true, Phone, Objected, PresumedB2b, "OBJECTED"),
        (true, Phone, Suppressed, PresumedB2b, "SUPPRESSED"),
        (false, Letter, Nothing, Default, "LETTER_NO_OBJECTION"),
        (true, Letter, Nothing, Default, "LETTER_NO_OBJECTION"),
        (false, Letter, Objected, Default, "OBJECTED"),
        (false, Letter, Revoked, Default, "REVOKED"),
        (false, Letter, Granted, Default, "EXPRESS_CONSENT"),
        (false, Letter, Expired, Default, "LETTER_NO_OBJECTION"),
        (false, Letter, Suppressed, Default, "SUPPRESSED"),
        (false, Letter, NoAddress, Default, "NO_ADDRESS"),
        (false, Messenger, Granted, Default, "EXPRESS_CONSENT"),
        (false, Messenger, Nothing, Default, "NO_CONSENT"),
        (true, Messenger, Objected, Default, "OBJECTED"),
    ];
    let now = Utc::now();
    let mut checked = 0;
    for (i, (business, channel, state, set, expected)) in table.iter().enumerate() {
        let id = make_case(&tx, &key, i, *business, *channel, *state).await;
        let got = decide_both(&tx, &key, &settings(*set), &[id], *channel, PURPOSE, now).await;
        assert_eq!(
            got[0], *expected,
            "case {i}: business={business} {channel} {state:?} {set:?}"
        );
        let allowed = [
            "LETTER_NO_OBJECTION",
            "EXPRESS_CONSENT",
            "DOUBLE_OPT_IN_CONFIRMED",
            "PRESUMED_BUSINESS_CONSENT",
            "EXISTING_CUSTOMER",
        ]
        .contains(expected);
        let d = policy::may_contact_with(&tx, &key, &settings(*set), id, *channel, PURPOSE, now)
            .await
            .unwrap();
        assert_eq!(d.allowed, allowed, "case {i}");
        assert_eq!(
            d.basis.is_some(),
            allowed,
            "case {i}: a basis exactly when allowed"
        );
        checked += 1;
    }
    // Every combination: consumer/business x channel x state, under every settings variant.
    let mut combos = 0;
    for business in [false, true] {
        for channel in Channel::ALL {
            let mut ids = Vec::new();
            for (j, state) in STATES.iter().enumerate() {
                ids.push(make_case(&tx, &key, 1000 + combos + j, business, *channel, *state).await);
            }
            combos += STATES.len();
            for set in [Default, NoDoubleOptIn, PresumedB2b, ExistingCustomer] {
                decide_both(&tx, &key, &settings(set), &ids, *channel, PURPOSE, now).await;
            }
        }
    }
    tx.commit().await.unwrap();
    println!(
        "policy: {checked} table cases with expected reasons; {} combinations (2 x 5 x {} x 4) agree in SQL and Rust",
        combos * 4,
        STATES.len()
    );
    assert_eq!(combos * 4, 2 * 5 * STATES.len() * 4);
}

#[tokio::test]
async fn sql_and_rust_agree_on_a_random_population() {
    let app = spawn_app().await;
    let (_, tenant) = app.owner_with_tenant().await;
    let tx = tenant_tx(&app, &tenant).await;
    let key = Key::load(&tx).await.unwrap();
    let mut rng = StdRng::seed_from_u64(0x6b61_7274_6569);
    let now = Utc::now();
    let kinds = EventKind::ALL;
    let mut ids = Vec::new();
    for n in 0..200usize {
        let state = if rng.random_bool(0.15) {
            State::NoAddress
        } else {
            State::Nothing
        };
        let business = rng.random_bool(0.4);
        let id = make_case(&tx, &key, 5000 + n, business, Channel::Email, state).await;
        let p = persons::get(&tx, id).await.unwrap();
        let email = p.email.as_deref().map(str::to_lowercase);
        for _ in 0..rng.random_range(0..6) {
            let channel = Channel::ALL[rng.random_range(0..Channel::ALL.len())];
            let kind = kinds[rng.random_range(0..kinds.len())];
            let purpose = match rng.random_range(0..3) {
                0 if kind.withdraws() => None,
                1 => Some("newsletter".to_owned()),
                _ => Some(PURPOSE.to_owned()),
            };
            let addrs = policy::channel_addresses(
                channel,
                email.as_deref(),
                p.phone.as_deref(),
                p.mobile.as_deref(),
            );
            let address_hash = match rng.random_range(0..4) {
                0 => None,
                1 => Some(key.hash("someone-else@example.de")),
                _ => addrs
                    .get(rng.random_range(0..addrs.len().max(1)))
                    .map(|a| key.hash(a)),
            };
            let at = now - Duration::minutes(rng.random_range(0..10 * 24 * 60));
            ledger::record(
                &tx,
                &NewEvent {
                    purpose,
                    address_hash,
                    ..event(id, channel, kind, at)
                },
            )
            .await
            .unwrap();
        }
        let pick = rng.random_range(0..3);
        if rng.random_bool(0.1)
            && let Some(a) = [&email, &p.phone, &p.mobile][pick]
        {
            suppression::add_hash(
                &tx,
                key.hash(a),
                suppression::AddressKind::Phone,
                suppression::Reason::Bounce,
                "t",
            )
            .await
            .unwrap();
        }
        if rng.random_bool(0.2) && email.is_some() {
            let purposes = if rng.random_bool(0.5) {
                vec![PURPOSE.to_owned()]
            } else {
                vec![PURPOSE.to_owned(), "newsletter".to_owned()]
            };
            tx.execute_raw(stmt(
                "INSERT INTO customer_exceptions (id, person_id, address_hash, obtained_at, sale_reference, purposes, notice_given_at, recorded_by) \
                 VALUES (gen_random_uuid(), $1, $2, $3, 'A-1', $4, $3, 't')",
                vec![
                    id.into(),
                    if rng.random_bool(0.8) { key.hash(email.as_deref().unwrap()) } else { key.hash("old@example.de") }.into(),
                    (now - Duration::days(rng.random_range(0..8))).into(),
                    kartei_contacts::sql::text_array(purposes.into_iter().map(Some).collect()),
                ],
            ))
            .await
            .unwrap();
        }
        if rng.random_bool(0.05) {
            tx.execute_raw(stmt(
                "UPDATE persons SET archived_at = now() WHERE id = $1",
                vec![id.into()],
            ))
            .await
            .unwrap();
        }
        ids.push(id);
    }
    let all_on = PolicySettings {
        require_double_opt_in: false,
        presumed_business_phone: true,
        existing_customer_exception: true,
        double_opt_in_link_hours: 72,
    };
    let mut decisions = 0;
    let mut allowed = 0;
    for channel in Channel::ALL {
        for purpose in ["newsletter", PURPOSE] {
            for at in [now, now - Duration::days(3)] {
                for s in [PolicySettings::default(), all_on] {
                    let reasons = decide_both(&tx, &key, &s, &ids, *channel, purpose, at).await;
                    decisions += reasons.len();
                    allowed += reasons
                        .iter()
                        .filter(|r| {
                            policy::Reason::parse(r).is_some_and(|r| {
                                matches!(
                                    r,
                                    policy::Reason::LetterNoObjection
                                        | policy::Reason::ExpressConsent
                                        | policy::Reason::DoubleOptInConfirmed
                                        | policy::Reason::PresumedBusinessConsent
                                        | policy::Reason::ExistingCustomer
                                )
                            })
                        })
                        .count();
                }
            }
        }
    }
    tx.commit().await.unwrap();
    println!("random population: {decisions} decisions over 200 persons agree ({allowed} allowed)");
    assert_eq!(decisions, 200 * 5 * 2 * 2 * 2);
    assert!(
        allowed > 100 && allowed < decisions - 100,
        "a population with both answers"
    );
}

async fn gql_person(app: &TestApp, t: &str, tenant: &str, input: serde_json::Value) -> String {
    let r = app
        .gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } complianceWarnings userErrors { field message code } } }",
            json!({ "i": input }),
            Some(t),
            Some(tenant),
        )
        .await;
    r.data()["createPerson"]["person"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.body))
        .to_owned()
}

async fn may_contact(
    app: &TestApp,
    t: &str,
    tenant: &str,
    person: &str,
    channel: &str,
    purpose: &str,
) -> serde_json::Value {
    let r = app
        .gql(
            "query($p: ID!, $c: ConsentChannel!, $u: String!) { mayContact(personId: $p, channel: $c, purpose: $u) { allowed reason legalBasis } }",
            json!({ "p": person, "c": channel, "u": purpose }),
            Some(t),
            Some(tenant),
        )
        .await;
    r.data()["mayContact"].clone()
}

async fn consent_text(app: &TestApp, t: &str, tenant: &str) -> String {
    let r = app
        .gql(
            "mutation { storeConsentText(input: {title: \"Newsletter\", body: \"Ja, ich möchte den Newsletter per E-Mail erhalten. Widerruf jederzeit.\"}) { consentText { hash } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(tenant),
        )
        .await;
    r.data()["storeConsentText"]["consentText"]["hash"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.body))
        .to_owned()
}

#[tokio::test]
async fn revocation_flips_the_next_decision_and_unsubscribe_links_work_once() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let text = consent_text(&app, t, &tenant).await;
    let p = gql_person(&app, t, &tenant, json!({"firstName": "Rita", "lastName": "Widerruf", "phone": "+49 30 1234567", "email": "rita@example.de"})).await;
    let grant = |kind: &str, channel: &str| json!({"i": {"personId": p, "channel": channel, "purpose": "newsletter", "kind": kind, "source": "CALL", "sourceRef": "Anruf 12", "textHash": text}});
    let record = "mutation($i: ConsentEventInput!) { recordConsent(input: $i) { consentEvent { id kind seq } userErrors { field message code } } }";
    let r = app
        .gql(record, grant("GRANTED", "PHONE"), Some(t), Some(&tenant))
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let first = may_contact(&app, t, &tenant, &p, "PHONE", "newsletter").await;
    assert_eq!(
        first,
        json!({"allowed": true, "reason": "EXPRESS_CONSENT", "legalBasis": "GDPR_ART_6_1_A_CONSENT"})
    );
    let r = app
        .gql(record, grant("REVOKED", "PHONE"), Some(t), Some(&tenant))
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    let second = may_contact(&app, t, &tenant, &p, "PHONE", "newsletter").await;
    assert_eq!(
        second,
        json!({"allowed": false, "reason": "REVOKED", "legalBasis": null})
    );
    println!("revocation: {first} then {second}");

    // A granted consent without the text agreed to is refused and records nothing.
    let before = app
        .tenant_i64(&tenant, "SELECT count(*) FROM consent_events")
        .await;
    let mut no_text = grant("GRANTED", "EMAIL");
    no_text["i"]["textHash"] = serde_json::Value::Null;
    let r = app.gql(record, no_text, Some(t), Some(&tenant)).await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM consent_events")
            .await,
        before
    );

    // Email: granted on paper, the tenant does not require double opt-in for this test.
    let r = app
        .gql(
            "mutation { updateCompliancePolicy(input: {requireDoubleOptIn: false, presumedBusinessPhone: false, existingCustomerException: false, doubleOptInLinkHours: 72}) { policy { requireDoubleOptIn } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        r.data()["updateCompliancePolicy"]["policy"]["requireDoubleOptIn"],
        false,
        "{}",
        r.body
    );
    let r = app
        .gql(record, grant("GRANTED", "EMAIL"), Some(t), Some(&tenant))
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    assert_eq!(
        may_contact(&app, t, &tenant, &p, "EMAIL", "newsletter").await["allowed"],
        true
    );

    let r = app
        .gql(
            "query($p: ID!) { unsubscribeLink(personId: $p, channel: EMAIL, purpose: \"newsletter\") { url headers { name value } } }",
            json!({"p": p}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let link = r.data()["unsubscribeLink"].clone();
    let url = link["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.body))
        .to_owned();
    let headers = link["headers"].as_array().unwrap();
    assert!(headers.iter().any(
        |h| h["name"] == "List-Unsubscribe-Post" && h["value"] == "List-Unsubscribe=One-Click"
    ));
    assert!(
        headers
            .iter()
            .any(|h| h["name"] == "List-Unsubscribe" && h["value"] == format!("<{url}>"))
    );
    let path = &url[url.find("/p/unsubscribe").unwrap()..];
    let token = path.split("token=").nth(1).unwrap().to_owned();

    // The page (GET) changes nothing: link scanners may fetch it.
    let res = app
        .http
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("<form method=\"post\""));
    assert_eq!(
        may_contact(&app, t, &tenant, &p, "EMAIL", "newsletter").await["allowed"],
        true
    );

    // Forged and tampered tokens: a clear code, nothing changes.
    let events_before = app
        .tenant_i64(&tenant, "SELECT count(*) FROM consent_events")
        .await;
    let mut tampered = token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let forged = {
        let other = links::Links::new(
            &secrecy::SecretString::from("another-secret-another-secret-xx"),
            "http://x",
        );
        let mut c = links::Links::claims(
            links::Action::Unsubscribe,
            tenant.parse().unwrap(),
            "email",
            "newsletter",
            Duration::days(1),
        );
        c.pid = Some(kartei_tests::uuid(&p).parse().unwrap());
        other.sign(&c).unwrap()
    };
    let ours = links::Links::new(&secrecy::SecretString::from(JWT_SECRET), "http://x");
    let expired = {
        let mut c = links::Links::claims(
            links::Action::Unsubscribe,
            tenant.parse().unwrap(),
            "email",
            "newsletter",
            Duration::days(1),
        );
        c.pid = Some(kartei_tests::uuid(&p).parse().unwrap());
        c.exp = Utc::now().timestamp() - 60;
        ours.sign(&c).unwrap()
    };
    let wrong_action = {
        let mut c = links::Links::claims(
            links::Action::Confirm,
            tenant.parse().unwrap(),
            "email",
            "newsletter",
            Duration::days(1),
        );
        c.pid = Some(kartei_tests::uuid(&p).parse().unwrap());
        ours.sign(&c).unwrap()
    };
    for (tok, status, code) in [
        (tampered.as_str(), 400, "TOKEN_INVALID"),
        (forged.as_str(), 400, "TOKEN_INVALID"),
        (expired.as_str(), 410, "TOKEN_EXPIRED"),
        (wrong_action.as_str(), 400, "TOKEN_INVALID"),
        ("", 400, "TOKEN_INVALID"),
    ] {
        let res = app
            .http
            .post(format!("{}/p/unsubscribe?token={tok}", app.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{code}");
        assert_eq!(res.headers()["x-kartei-code"], code);
    }
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM consent_events")
            .await,
        events_before
    );

    // RFC 8058 one-click: works once, recorded with proof.
    let one_click = || {
        app.http
            .post(format!("{}{path}", app.url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("User-Agent", "MailClient/9.1 (one-click)")
            .body("List-Unsubscribe=One-Click")
            .send()
    };
    let res = one_click().await.unwrap();
    assert_eq!(res.status(), 200);
    let after = may_contact(&app, t, &tenant, &p, "EMAIL", "newsletter").await;
    assert_eq!(after["reason"], "REVOKED");
    let r = app
        .gql(
            "query($p: ID!) { consentEvents(personId: $p, channel: EMAIL) { kind source ip userAgent note sourceRef } }",
            json!({"p": p}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let newest = r.data()["consentEvents"][0].clone();
    assert_eq!(newest["kind"], "REVOKED");
    assert_eq!(newest["source"], "UNSUBSCRIBE_LINK");
    assert_eq!(newest["ip"], "127.0.0.1");
    assert_eq!(newest["userAgent"], "MailClient/9.1 (one-click)");
    assert_eq!(newest["note"], "one-click unsubscribe (RFC 8058)");
    println!("unsubscribed with proof: {newest}");
    let count = app
        .tenant_i64(&tenant, "SELECT count(*) FROM consent_events")
        .await;
    let res = one_click().await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(res.headers()["x-kartei-code"], "TOKEN_USED");
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM consent_events")
            .await,
        count
    );
    // And the page says so too.
    let res = app
        .http
        .get(format!("{}{path}", app.url))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "TOKEN_USED");
}

#[tokio::test]
async fn tampering_with_the_ledger_is_detected() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let text = consent_text(&app, t, &tenant).await;
    let p = gql_person(
        &app,
        t,
        &tenant,
        json!({"lastName": "Kette", "email": "kette@example.de", "phone": "+49 40 555123"}),
    )
    .await;
    for kind in ["GRANTED", "REVOKED", "GRANTED", "OBJECTED", "GRANTED"] {
        let r = app
            .gql(
                "mutation($i: ConsentEventInput!) { recordConsent(input: $i) { consentEvent { seq } userErrors { field message code } } }",
                json!({"i": {"personId": p, "channel": "PHONE", "purpose": if kind == "OBJECTED" { None } else { Some("surveys") }, "kind": kind, "source": "PAPER", "textHash": if kind == "GRANTED" { Some(&text) } else { None }}}),
                Some(t),
                Some(&tenant),
            )
            .await;
        assert!(r.body["errors"].is_null(), "{}", r.body);
    }
    let verify = "{ verifyConsentChain { intact events headSeq headHash breaks { seq problem } } }";
    let ok = app.gql(verify, json!({}), Some(t), Some(&tenant)).await;
    assert_eq!(
        ok.data()["verifyConsentChain"]["intact"],
        true,
        "{}",
        ok.body
    );
    assert_eq!(ok.data()["verifyConsentChain"]["events"], 5);
    // Each event carries the chain hash of the one before it.
    let r = app
        .gql(
            "query($p: ID!) { consentEvents(personId: $p) { seq prevHash chainHash } }",
            json!({"p": p}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let mut events = r.data()["consentEvents"].as_array().unwrap().clone();
    events.sort_by_key(|e| e["seq"].as_i64());
    for w in events.windows(2) {
        assert_eq!(w[1]["prevHash"], w[0]["chainHash"]);
    }
    assert_eq!(
        events.last().unwrap()["chainHash"],
        ok.data()["verifyConsentChain"]["headHash"]
    );

    // The guard refuses UPDATE and DELETE, even without the API.
    let id: TenantId = tenant.parse().unwrap();
    let schema = id.schema_name();
    let conn = app.db.platform();
    for sql in [
        format!("UPDATE {schema}.consent_events SET kind = 'granted' WHERE seq = 2"),
        format!("DELETE FROM {schema}.consent_events WHERE seq = 2"),
    ] {
        let err = conn.execute_raw(stmt(&sql, vec![])).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }

    // A superuser bypasses the guard and turns the revocation into a grant.
    conn.execute_unprepared(&format!(
        "ALTER TABLE {schema}.consent_events DISABLE TRIGGER consent_events_guard; \
         UPDATE {schema}.consent_events SET kind = 'granted' WHERE seq = 2; \
         ALTER TABLE {schema}.consent_events ENABLE TRIGGER consent_events_guard;"
    ))
    .await
    .unwrap();
    let r = app.gql(verify, json!({}), Some(t), Some(&tenant)).await;
    let report = &r.data()["verifyConsentChain"];
    assert_eq!(report["intact"], false);
    assert_eq!(
        report["breaks"],
        json!([{"seq": 2, "problem": "content_changed"}])
    );
    println!("tampered row reported: {}", report["breaks"]);

    // Deleting a row (and repairing the content) is reported as a broken chain.
    conn.execute_unprepared(&format!(
        "ALTER TABLE {schema}.consent_events DISABLE TRIGGER consent_events_guard; \
         UPDATE {schema}.consent_events SET kind = 'revoked' WHERE seq = 2; \
         DELETE FROM {schema}.consent_events WHERE seq = 4; \
         ALTER TABLE {schema}.consent_events ENABLE TRIGGER consent_events_guard;"
    ))
    .await
    .unwrap();
    let r = app.gql(verify, json!({}), Some(t), Some(&tenant)).await;
    let breaks = r.data()["verifyConsentChain"]["breaks"].clone();
    assert_eq!(
        breaks,
        json!([{"seq": 5, "problem": "sequence_gap"}]),
        "{}",
        r.body
    );
    println!("deleted row reported: {breaks}");
}

#[tokio::test]
async fn merged_records_keep_their_consents() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let text = consent_text(&app, t, &tenant).await;
    let winner = gql_person(
        &app,
        t,
        &tenant,
        json!({"firstName": "Mia", "lastName": "Merge", "phone": "+49 89 7777777"}),
    )
    .await;
    let loser = gql_person(&app, t, &tenant, json!({"firstName": "Mia", "lastName": "Merge", "phone": "+49 89 7777777", "email": "mia@example.de"})).await;
    let r = app
        .gql(
            "mutation($i: ConsentEventInput!) { recordConsent(input: $i) { consentEvent { seq } userErrors { field message code } } }",
            json!({"i": {"personId": loser, "channel": "PHONE", "purpose": "offers", "kind": "GRANTED", "source": "PAPER", "textHash": text}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    assert_eq!(
        may_contact(&app, t, &tenant, &winner, "PHONE", "offers").await["allowed"],
        false
    );
    // A link sent to the loser before the merge still works afterwards, for the winner.
    let r = app
        .gql(
            "query($p: ID!) { unsubscribeLink(personId: $p, channel: PHONE, purpose: \"offers\") { url } }",
            json!({"p": loser}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let url = r.data()["unsubscribeLink"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = url[url.find("/p/unsubscribe").unwrap()..].to_owned();
    let r = app
        .gql(
            "mutation($w: ID!, $l: ID!) { mergePersons(input: {winnerId: $w, loserIds: [$l]}) { merge { winner { id } } userErrors { field message code } } }",
            json!({"w": winner, "l": loser}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
    assert_eq!(
        may_contact(&app, t, &tenant, &winner, "PHONE", "offers").await["reason"],
        "EXPRESS_CONSENT"
    );
    assert_eq!(
        may_contact(&app, t, &tenant, &loser, "PHONE", "offers").await["reason"],
        "MERGED"
    );
    let res = app
        .http
        .post(format!("{}{path}", app.url))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        may_contact(&app, t, &tenant, &winner, "PHONE", "offers").await["reason"],
        "REVOKED"
    );
    let r = app
        .gql(
            "{ verifyConsentChain { intact events } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        r.data()["verifyConsentChain"],
        json!({"intact": true, "events": 3})
    );
}

#[tokio::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    let app = spawn_app().await;
    let (_, tenant) = app.owner_with_tenant().await;
    let tx = tenant_tx(&app, &tenant).await;
    let key = Key::load(&tx).await.unwrap();
    let mut people = Vec::new();
    for n in 0..8 {
        people.push(make_case(&tx, &key, 9000 + n, false, Channel::Letter, State::Nothing).await);
    }
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for person in people {
        let db = app.db.clone();
        let tenant: TenantId = tenant.parse().unwrap();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let tx = db.begin_tenant(tenant).await.unwrap();
                let kind = if i % 2 == 0 {
                    EventKind::Granted
                } else {
                    EventKind::Revoked
                };
                ledger::record(&tx, &event(person, Channel::Letter, kind, Utc::now()))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let tx = tenant_tx(&app, &tenant).await;
    let report = ledger::verify_chain(&tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
    assert_eq!((report.events, report.head_seq), (200, 200));
    println!(
        "8 concurrent writers, 200 events: chain intact, head {}",
        report.head_hash
    );
}

#[tokio::test]
async fn roles_and_tenants_bound_every_compliance_operation() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let other_tenant = app.create_tenant(&owner, "Andere GmbH").await;
    let t = owner.access.as_str();
    let person = gql_person(
        &app,
        t,
        &tenant,
        json!({"lastName": "Rolle", "email": "rolle@example.de"}),
    )
    .await;
    let member = app.create_user(&owner, false).await;
    let r = app
        .gql(
            "mutation($e: String!) { setMember(input: {email: $e, role: MEMBER}) { member { role } userErrors { field message code } } }",
            json!({"e": member.email}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.code().is_none(), "{}", r.body);
    // Members may record consents and ask the policy, but not erase, verify or export.
    let m = member.access.as_str();
    let d = may_contact(&app, m, &tenant, &person, "LETTER", "offers").await;
    assert_eq!(d["reason"], "NO_ADDRESS");
    for (q, vars) in [
        (
            "mutation($p: ID!) { erasePerson(input: {id: $p, reason: \"x\"}) { erasure { erasureId } userErrors { field message code } } }",
            json!({"p": person}),
        ),
        ("{ verifyConsentChain { intact } }", json!({})),
        (
            "mutation { addSuppression(input: {value: \"a@b.de\", reason: MANUAL}) { added userErrors { field message code } } }",
            json!({}),
        ),
        (
            "mutation($p: ID!) { createDataSubjectRequest(input: {personId: $p, kind: ACCESS}) { dataSubjectRequest { id } userErrors { field message code } } }",
            json!({"p": person}),
        ),
        (
            "mutation { updateCompliancePolicy(input: {requireDoubleOptIn: false, presumedBusinessPhone: true, existingCustomerException: true, doubleOptInLinkHours: 1}) { policy { requireDoubleOptIn } userErrors { field message code } } }",
            json!({}),
        ),
    ] {
        let r = app.gql(q, vars, Some(m), Some(&tenant)).await;
        assert_eq!(r.code(), Some("FORBIDDEN"), "{q}: {}", r.body);
    }
    let (status, _) = app
        .file_request(
            reqwest::Method::GET,
            &format!("/files/compliance/persons/{person}/export.zip"),
            m,
            &tenant,
            None,
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        1
    );

    // Another tenant does not know the person, whatever the operation.
    for (q, vars) in [
        (
            "query($p: ID!) { mayContact(personId: $p, channel: EMAIL, purpose: \"newsletter\") { reason } }",
            json!({"p": person}),
        ),
        (
            "mutation($p: ID!) { erasePerson(input: {id: $p, reason: \"x\"}) { erasure { erasureId } userErrors { field message code } } }",
            json!({"p": person}),
        ),
        (
            "query($p: ID!) { unsubscribeLink(personId: $p, channel: EMAIL, purpose: \"newsletter\") { url } }",
            json!({"p": person}),
        ),
    ] {
        let r = app.gql(q, vars, Some(t), Some(&other_tenant)).await;
        let reason = &r.body["data"]["mayContact"]["reason"];
        assert!(
            r.code() == Some("NOT_FOUND") || reason == "UNKNOWN_CONTACT",
            "{q}: {}",
            r.body
        );
    }
    let (status, _) = app
        .file_request(
            reqwest::Method::GET,
            &format!("/files/compliance/persons/{person}/export.zip"),
            t,
            &other_tenant,
            None,
        )
        .await;
    assert_eq!(status, 404);
    // A link signed for one tenant cannot be replayed against another's data: the tenant is
    // the token's, so a token naming this person in the other tenant finds nobody there.
    let ours = links::Links::new(&secrecy::SecretString::from(JWT_SECRET), "http://x");
    let mut c = links::Links::claims(
        links::Action::Unsubscribe,
        other_tenant.parse().unwrap(),
        "email",
        "newsletter",
        Duration::days(1),
    );
    c.pid = Some(kartei_tests::uuid(&person).parse().unwrap());
    let res = app
        .http
        .post(format!(
            "{}/p/unsubscribe?token={}",
            app.url,
            ours.sign(&c).unwrap()
        ))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-kartei-code"], "TOKEN_INVALID");
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM consent_events")
            .await,
        0
    );
    assert_eq!(
        app.tenant_i64(&other_tenant, "SELECT count(*) FROM consent_events")
            .await,
        0
    );
}
