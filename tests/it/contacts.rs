//! Persons, organizations, relations, interactions, transactions, picklists and custom fields
//! over GraphQL: normalization, per-field validation that writes nothing, optimistic
//! concurrency, the timeline and derived `last*` dates.

use kartei_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

const PERSON_FIELDS: &str = "id version firstName lastName email phone mobile country birthday \
    postalCode tags custom lifecycleStage doNotReactivate dnrReason lastInteractionAt lastPurchaseAt \
    archivedAt organizationName";

async fn create_person(app: &TestApp, token: &str, tenant: &str, input: Value) -> Value {
    let r = app
        .gql(
            &format!(
                "mutation($i: PersonInput!) {{ createPerson(input: $i) {{ person {{ {PERSON_FIELDS} }} \
                 duplicateWarnings {{ aId bId score reasons }} userErrors {{ field message code }} }} }}"
            ),
            json!({ "i": input }),
            Some(token),
            Some(tenant),
        )
        .await;
    assert!(r.code().is_none(), "createPerson: {}", r.body);
    r.data()["createPerson"].clone()
}

#[tokio::test]
async fn person_input_is_normalized_and_bad_input_is_refused_per_field() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let p = create_person(
        &app,
        t,
        &tenant,
        json!({"firstName": "  Jürgen ", "lastName": "Groß", "email": " Juergen.Gross@Example.COM ",
               "phone": "030 1234567", "mobile": "0151 23456789", "country": "deutschland",
               "birthday": "24.12.1970", "postalCode": "10115", "tags": ["VIP", "vip", "Newsletter"]}),
    )
    .await;
    let person = &p["person"];
    assert_eq!(person["firstName"], "Jürgen");
    assert_eq!(person["lastName"], "Groß");
    assert_eq!(person["email"], "Juergen.Gross@example.com");
    assert_eq!(person["phone"], "+49301234567");
    assert_eq!(person["mobile"], "+4915123456789");
    assert_eq!(person["country"], "DE");
    assert_eq!(person["birthday"], "1970-12-24");
    assert_eq!(person["tags"], json!(["VIP", "Newsletter"]));
    assert_eq!(person["lifecycleStage"], "LEAD");
    assert_eq!(person["version"], 1);

    // Every bad field at once: each is named, nothing is written.
    let r = app
        .gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
            json!({"i": {"lastName": "Meier", "email": "kein-mail", "phone": "12", "country": "XX",
                         "birthday": "31.02.2020", "source": "flohmarkt",
                         "dnrReason": "weil", "ownerId": "00000000-0000-7000-8000-000000000000",
                         "custom": {"nicht_definiert": 1}}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"), "{}", r.body);
    let fields = &r.fields();
    for f in [
        "email",
        "phone",
        "country",
        "birthday",
        "source",
        "dnrReason",
        "custom.nicht_definiert",
    ] {
        assert!(fields[f].is_string(), "field {f} missing in {fields}");
    }
    let r = app
        .gql(
            "mutation { createPerson(input: {lastName: \"Meier\", country: \"DE\", postalCode: \"1234\"}) { person { id } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.fields()["postalCode"].is_string(), "{}", r.body);
    // Neither a name nor an email.
    let r = app
        .gql(
            "mutation { createPerson(input: {firstName: \"Nur\"}) { person { id } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    assert!(r.fields()["lastName"].is_string());
    // An owner who is not a member.
    let r = app
        .gql(
            "mutation { createPerson(input: {lastName: \"Ohne\", ownerId: \"0190b5c4-6d2a-7000-8000-000000000001\"}) { person { id } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        1
    );

    // An invalid update changes nothing either, and keeps the version.
    let id = person["id"].as_str().unwrap();
    let r = app
        .gql(
            "mutation($id: ID!) { updatePerson(input: {id: $id, version: 1, patch: {email: \"x@\", city: \"Berlin\"}}) { person { id } userErrors { field message code } } }",
            json!({"id": id}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    assert_eq!(
        r.data()["updatePerson"]["person"],
        Value::Null,
        "the payload's object is null when it answers userErrors"
    );
    assert!(r.fields()["patch.email"].is_string(), "{}", r.body);
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM persons WHERE version = 1 AND city IS NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn stale_versions_get_conflict_and_of_concurrent_edits_exactly_one_wins() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let p = create_person(&app, t, &tenant, json!({"lastName": "Wagner"})).await;
    let id = p["person"]["id"].as_str().unwrap().to_owned();
    let update = |version: i64, city: &str| {
        app.gql(
            "mutation($id: ID!, $v: Int!, $c: String) { updatePerson(input: {id: $id, version: $v, patch: {city: $c}}) { person { version city } userErrors { field message code } } }",
            json!({"id": id, "v": version, "c": city}),
            Some(t),
            Some(&tenant),
        )
    };
    let r = update(1, "Köln").await;
    assert_eq!(r.data()["updatePerson"]["person"]["version"], 2);
    let r = update(1, "Bonn").await;
    assert_eq!(r.code(), Some("CONFLICT"), "{}", r.body);

    let attempts: Vec<_> = (0..8)
        .map(|i| {
            update(
                2,
                [
                    "Aachen", "Bochum", "Celle", "Dessau", "Erfurt", "Fulda", "Gera", "Hagen",
                ][i],
            )
        })
        .collect();
    let replies = futures_util::future::join_all(attempts).await;
    let won = replies.iter().filter(|r| r.code().is_none()).count();
    let conflicts = replies
        .iter()
        .filter(|r| r.code() == Some("CONFLICT"))
        .count();
    assert_eq!((won, conflicts), (1, 7));
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT version::bigint FROM persons")
            .await,
        3
    );

    // Archive with a stale version is refused too; with the current one it works.
    let r = app
        .gql(
            "mutation($id: ID!) { archivePerson(input: {id: $id, version: 2}) { person { archivedAt } userErrors { field message code } } }",
            json!({"id": id}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("CONFLICT"));
    let r = app
        .gql(
            "mutation($id: ID!) { archivePerson(input: {id: $id, version: 3}) { person { archivedAt version } userErrors { field message code } } }",
            json!({"id": id}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(
        r.data()["archivePerson"]["person"]["archivedAt"].is_string(),
        "{}",
        r.body
    );
    let r = app
        .gql(
            "{ persons { edges { node { id } } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        r.data()["persons"]["edges"].as_array().unwrap().len(),
        0,
        "archived persons leave the list"
    );
}

#[tokio::test]
async fn organizations_relations_interactions_and_transactions_keep_the_timeline_exact() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let gql = |q: &'static str, v: Value| app.gql(q, v, Some(t), Some(&tenant));

    let r = gql(
        "mutation { createOrganization(input: {name: \"Acme\", industry: \"raumfahrt\"}) { organization { id } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    assert!(r.fields()["industry"].is_string());
    let r = gql("mutation { createOrganization(input: {name: \"Schäfer Haustechnik GmbH\", industry: \"handwerk\", country: \"DE\"}) { organization { id name industry version } userErrors { field message code } } }", json!({})).await;
    let org = r.data()["createOrganization"]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = create_person(
        &app,
        t,
        &tenant,
        json!({"firstName": "Birgit", "lastName": "Schäfer"}),
    )
    .await;
    let pid = p["person"]["id"].as_str().unwrap().to_owned();

    let r = gql(
        "mutation($p: ID!, $o: ID!) { linkPersonToOrganization(input: {personId: $p, organizationId: $o, jobTitle: \"Einkauf\", isPrimary: true, buyingRole: ECONOMIC_BUYER}) { relation { isPrimary buyingRole } userErrors { field message code } } }",
        json!({"p": pid, "o": org}),
    )
    .await;
    assert_eq!(
        r.data()["linkPersonToOrganization"]["relation"]["buyingRole"],
        "ECONOMIC_BUYER",
        "{}",
        r.body
    );

    // Interactions: validation, then last_interaction_at follows the newest.
    let r = gql(
        "mutation($p: ID!) { createInteraction(input: {personId: $p, kind: CALL, direction: OUTBOUND, occurredAt: \"2999-01-01T00:00:00Z\"}) { interaction { id } userErrors { field message code } } }",
        json!({"p": pid}),
    )
    .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    let mut ids = Vec::new();
    for (at, kind) in [
        ("2024-03-01T10:00:00Z", "MEETING"),
        ("2025-06-15T09:30:00Z", "CALL"),
        ("2023-01-01T08:00:00Z", "LETTER"),
    ] {
        let r = gql(
            "mutation($p: ID!, $at: DateTime!, $k: InteractionKind!) { createInteraction(input: {personId: $p, kind: $k, direction: OUTBOUND, occurredAt: $at, summary: \"Gespräch\"}) { interaction { id version } userErrors { field message code } } }",
            json!({"p": pid, "at": at, "k": kind}),
        )
        .await;
        ids.push(
            r.data()["createInteraction"]["interaction"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{}", r.body))
                .to_owned(),
        );
    }
    let last = || {
        gql(
            "query($id: ID!) { person(id: $id) { lastInteractionAt lastPurchaseAt organizationName } }",
            json!({"id": pid}),
        )
    };
    let p = last().await.data()["person"].clone();
    assert_eq!(p["lastInteractionAt"], "2025-06-15T09:30:00+00:00");
    assert_eq!(p["organizationName"], "Schäfer Haustechnik GmbH");
    // Archiving the newest moves the date back to the next one.
    let r = gql(
        "mutation($id: ID!) { archiveInteraction(input: {id: $id, version: 1}) { interaction { archivedAt } userErrors { field message code } } }",
        json!({"id": ids[1]}),
    )
    .await;
    assert!(r.code().is_none(), "{}", r.body);
    assert_eq!(
        last().await.data()["person"]["lastInteractionAt"],
        "2024-03-01T10:00:00+00:00"
    );

    // Transactions: per-field validation, then last_purchase_at.
    let r = gql(
        "mutation($p: ID!) { createTransaction(input: {personId: $p, kind: INVOICE, number: \"\", amountMinor: 1000, currency: \"EURO\", issuedOn: \"2025-02-01\", dueOn: \"2025-01-01\", paidOn: \"2025-03-01\"}) { transaction { id } userErrors { field message code } } }",
        json!({"p": pid}),
    )
    .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    let f = &r.fields();
    for k in ["number", "currency", "dueOn", "paidOn"] {
        assert!(f[k].is_string(), "{k} in {f}");
    }
    let r = gql(
        "mutation($p: ID!) { createTransaction(input: {personId: $p, kind: INVOICE, number: \"RE-2025-001\", amountMinor: 129900, issuedOn: \"2025-02-01\", dueOn: \"2025-02-15\", paidOn: \"2025-03-20\", status: PAID}) { transaction { id daysLate amountMinor currency } userErrors { field message code } } }",
        json!({"p": pid}),
    )
    .await;
    assert_eq!(
        r.data()["createTransaction"]["transaction"]["daysLate"],
        33,
        "{}",
        r.body
    );
    assert_eq!(
        r.data()["createTransaction"]["transaction"]["currency"],
        "EUR"
    );
    let r = gql(
        "mutation($p: ID!) { createTransaction(input: {personId: $p, kind: INVOICE, number: \"RE-2025-001\", amountMinor: 1, issuedOn: \"2025-04-01\"}) { transaction { id } userErrors { field message code } } }",
        json!({"p": pid}),
    )
    .await;
    assert_eq!(
        r.code(),
        Some("VALIDATION_FAILED"),
        "duplicate invoice number: {}",
        r.body
    );
    assert_eq!(
        last().await.data()["person"]["lastPurchaseAt"],
        "2025-02-01"
    );

    // The timeline: newest first, paged.
    let q = "query($id: ID!, $after: String) { person(id: $id) { timeline(first: 2, after: $after) { edges { cursor node { __typename at ... on InteractionEntry { interaction { occurredAt } } ... on TransactionEntry { transaction { issuedOn } } } } pageInfo { hasNextPage endCursor } } } }";
    let r = gql(q, json!({"id": pid})).await;
    let tl = &r.data()["person"]["timeline"];
    let kinds: Vec<&str> = tl["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["TransactionEntry", "InteractionEntry"],
        "{}",
        r.body
    );
    assert_eq!(tl["pageInfo"]["hasNextPage"], true);
    let r = gql(q, json!({"id": pid, "after": tl["pageInfo"]["endCursor"]})).await;
    let tl = &r.data()["person"]["timeline"];
    assert_eq!(tl["edges"].as_array().unwrap().len(), 1);
    assert_eq!(
        tl["edges"][0]["node"]["interaction"]["occurredAt"],
        "2023-01-01T08:00:00+00:00"
    );
    assert_eq!(tl["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn picklists_and_custom_fields_type_the_input() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let gql = |q: &'static str, v: Value| app.gql(q, v, Some(t), Some(&tenant));
    let r = gql(
        "mutation { createPicklist(input: {key: \"kundentyp\", label: \"Kundentyp\"}) { picklist { key } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    assert!(r.code().is_none(), "{}", r.body);
    let r = gql("mutation { putPicklistValue(input: {picklistKey: \"kundentyp\", value: \"stammkunde\", label: \"Stammkunde\"}) { picklistValue { value position } userErrors { field message code } } }", json!({})).await;
    assert_eq!(r.data()["putPicklistValue"]["picklistValue"]["position"], 1);
    let r = gql("mutation { putPicklistValue(input: {picklistKey: \"gibtsnicht\", value: \"Ungültig!\", label: \"\"}) { picklistValue { value } userErrors { field message code } } }", json!({})).await;
    let f = &r.fields();
    assert!(
        f["value"].is_string() && f["label"].is_string() && f["picklistKey"].is_string(),
        "{}",
        r.body
    );
    for (key, kind, pl) in [
        ("umsatz", "NUMBER", None),
        ("typ", "PICKLIST", Some("kundentyp")),
        ("seit", "DATE", None),
        ("newsletter", "BOOLEAN", None),
    ] {
        let r = app
            .gql(
                "mutation($i: CustomFieldInput!) { defineCustomField(input: $i) { customField { key kind } userErrors { field message code } } }",
                json!({"i": {"entity": "PERSON", "key": key, "label": key, "kind": kind, "picklistKey": pl}}),
                Some(t),
                Some(&tenant),
            )
            .await;
        assert!(r.code().is_none(), "{}", r.body);
    }
    let p = create_person(
        &app,
        t,
        &tenant,
        json!({"lastName": "Krämer", "custom": {"umsatz": "1.234,50", "typ": "stammkunde", "seit": "01.02.2020", "newsletter": "ja"}}),
    )
    .await;
    assert_eq!(
        p["person"]["custom"],
        json!({"umsatz": 1234.5, "typ": "stammkunde", "seit": "2020-02-01", "newsletter": true})
    );
    let r = app
        .gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
            json!({"i": {"lastName": "Krämer", "custom": {"umsatz": "viel", "typ": "neukunde", "seit": "gestern", "newsletter": "vielleicht"}}}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let f = &r.fields();
    for k in [
        "custom.umsatz",
        "custom.typ",
        "custom.seit",
        "custom.newsletter",
    ] {
        assert!(f[k].is_string(), "{k} in {}", r.body);
    }
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        1
    );
    let r = gql("{ picklists { key builtin values { value } } }", json!({})).await;
    let keys: Vec<&str> = r.data()["picklists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["dnr_reason", "industry", "kundentyp", "source"]);
}

#[tokio::test]
async fn one_tenants_contacts_are_invisible_to_another() {
    let app = spawn_app().await;
    let (owner, a) = app.owner_with_tenant().await;
    let b = app.create_tenant(&owner, "Andere Firma").await;
    let t = owner.access.as_str();
    let p = create_person(
        &app,
        t,
        &a,
        json!({"lastName": "Geheim", "email": "geheim@example.com"}),
    )
    .await;
    let id = p["person"]["id"].as_str().unwrap();
    let r = app
        .gql(
            "query($id: ID!) { person(id: $id) { id } }",
            json!({"id": id}),
            Some(t),
            Some(&b),
        )
        .await;
    assert_eq!(r.code(), Some("NOT_FOUND"));
    let r = app
        .gql(
            "mutation($id: ID!) { updatePerson(input: {id: $id, version: 1, patch: {city: \"X\"}}) { person { id } userErrors { field message code } } }",
            json!({"id": id}),
            Some(t),
            Some(&b),
        )
        .await;
    assert_eq!(r.code(), Some("NOT_FOUND"));
    let r = app
        .gql("{ personCount }", json!({}), Some(t), Some(&b))
        .await;
    assert_eq!(r.data()["personCount"], 0);
    let (status, body) = app
        .file_request(
            reqwest::Method::POST,
            "/files/exports/persons",
            t,
            &b,
            Some(json!({"format": "CSV"})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(!String::from_utf8_lossy(&body).contains("Geheim"));
    assert_eq!(
        app.tenant_i64(&a, "SELECT count(*) FROM persons WHERE city IS NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn every_other_contact_mutation_validates_and_detects_stale_versions() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let gql = |q: &'static str, v: Value| app.gql(q, v, Some(t), Some(&tenant));
    let p = create_person(&app, t, &tenant, json!({"lastName": "Lange"})).await;
    let pid = p["person"]["id"].as_str().unwrap().to_owned();
    let r = gql(
        "mutation { createOrganization(input: {name: \"Lange Logistik KG\"}) { organization { id } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    let oid = r.data()["createOrganization"]["organization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Organizations: bad input, update, stale version, archive.
    let r = gql("mutation($id: ID!) { updateOrganization(input: {id: $id, version: 1, patch: {email: \"x\", country: \"ZZ\", phone: \"1\"}}) { organization { id } userErrors { field message code } } }", json!({"id": oid})).await;
    let f = &r.fields();
    assert!(
        f["patch.email"].is_string()
            && f["patch.country"].is_string()
            && f["patch.phone"].is_string(),
        "{}",
        r.body
    );
    let r = gql("mutation($id: ID!) { updateOrganization(input: {id: $id, version: 1, patch: {city: \"Kiel\", industry: \"it\"}}) { organization { version city } userErrors { field message code } } }", json!({"id": oid})).await;
    assert_eq!(
        r.data()["updateOrganization"]["organization"]["version"],
        2,
        "{}",
        r.body
    );
    let r = gql("mutation($id: ID!) { updateOrganization(input: {id: $id, version: 1, patch: {city: \"Bonn\"}}) { organization { version } userErrors { field message code } } }", json!({"id": oid})).await;
    assert_eq!(r.code(), Some("CONFLICT"));
    let r = gql(
        "mutation($id: ID!) { archiveOrganization(input: {id: $id, version: 1}) { organization { version } userErrors { field message code } } }",
        json!({"id": oid}),
    )
    .await;
    assert_eq!(r.code(), Some("CONFLICT"));

    // Relations: bad ids, link, unlink.
    let r = gql("mutation($p: ID!) { linkPersonToOrganization(input: {personId: $p, organizationId: \"0190b5c4-6d2a-7000-8000-000000000001\"}) { relation { isPrimary } userErrors { field message code } } }", json!({"p": pid})).await;
    assert!(r.fields()["organizationId"].is_string(), "{}", r.body);
    // The payload carries both ends, whose lists changed, so a client cache updates them.
    let r = gql("mutation($p: ID!, $o: ID!) { linkPersonToOrganization(input: {personId: $p, organizationId: $o, jobTitle: \"Disponentin\"}) { relation { id jobTitle } person { id organizations { id jobTitle } } organization { id people { id } } userErrors { code } } }", json!({"p": pid, "o": oid})).await;
    let link = &r.data()["linkPersonToOrganization"];
    assert_eq!(link["relation"]["jobTitle"], "Disponentin", "{}", r.body);
    assert_eq!(link["userErrors"], json!([]));
    let rid = link["relation"]["id"].clone();
    assert_eq!(
        link["person"]["organizations"],
        json!([{"id": rid, "jobTitle": "Disponentin"}])
    );
    assert_eq!(link["organization"]["people"], json!([{"id": rid}]));
    assert_eq!(link["person"]["id"], pid.as_str());
    let r = gql("mutation($p: ID!, $o: ID!) { unlinkPersonFromOrganization(input: {personId: $p, organizationId: $o}) { unlinkedRelationId person { organizations { id } } organization { people { id } } userErrors { field message code } } }", json!({"p": pid, "o": oid})).await;
    let unlink = &r.data()["unlinkPersonFromOrganization"];
    assert_eq!(unlink["unlinkedRelationId"], rid, "{}", r.body);
    assert_eq!(unlink["person"]["organizations"], json!([]));
    assert_eq!(unlink["organization"]["people"], json!([]));
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM person_organizations")
            .await,
        0
    );
    let r = gql(
        "mutation($id: ID!) { archiveOrganization(input: {id: $id, version: 2}) { organization { archivedAt } userErrors { field message code } } }",
        json!({"id": oid}),
    )
    .await;
    assert!(
        r.data()["archiveOrganization"]["organization"]["archivedAt"].is_string(),
        "{}",
        r.body
    );

    // Interactions and transactions: update with bad input, stale version, archive.
    let r = gql("mutation($p: ID!) { createInteraction(input: {personId: $p, kind: EMAIL, direction: INBOUND}) { interaction { id version } userErrors { field message code } } }", json!({"p": pid})).await;
    let iid = r.data()["createInteraction"]["interaction"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = gql("mutation($id: ID!) { updateInteraction(input: {id: $id, version: 1, patch: {occurredAt: \"2999-01-01T00:00:00Z\"}}) { interaction { id } userErrors { field message code } } }", json!({"id": iid})).await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    let r = gql("mutation($id: ID!) { updateInteraction(input: {id: $id, version: 1, patch: {summary: \"Rückruf erbeten\"}}) { interaction { version summary } userErrors { field message code } } }", json!({"id": iid})).await;
    assert_eq!(r.data()["updateInteraction"]["interaction"]["version"], 2);
    let r = gql("mutation($id: ID!) { updateInteraction(input: {id: $id, version: 1, patch: {summary: \"x\"}}) { interaction { version } userErrors { field message code } } }", json!({"id": iid})).await;
    assert_eq!(r.code(), Some("CONFLICT"));

    let r = gql("mutation($p: ID!) { createTransaction(input: {personId: $p, kind: ORDER, number: \"B-1\", amountMinor: 4200, issuedOn: \"2025-01-10\"}) { transaction { id } userErrors { field message code } } }", json!({"p": pid})).await;
    let tid = r.data()["createTransaction"]["transaction"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = gql("mutation($id: ID!) { updateTransaction(input: {id: $id, version: 1, patch: {status: PAID}}) { transaction { id } userErrors { field message code } } }", json!({"id": tid})).await;
    assert!(r.fields()["patch.paidOn"].is_string(), "{}", r.body);
    let r = gql("mutation($id: ID!) { updateTransaction(input: {id: $id, version: 1, patch: {status: PAID, paidOn: \"2025-01-20\"}}) { transaction { version status } userErrors { field message code } } }", json!({"id": tid})).await;
    assert_eq!(
        r.data()["updateTransaction"]["transaction"]["status"],
        "PAID",
        "{}",
        r.body
    );
    let r = gql(
        "mutation($id: ID!) { archiveTransaction(input: {id: $id, version: 1}) { transaction { version } userErrors { field message code } } }",
        json!({"id": tid}),
    )
    .await;
    assert_eq!(r.code(), Some("CONFLICT"));
    let r = gql(
        "mutation($id: ID!) { archiveTransaction(input: {id: $id, version: 2}) { transaction { archivedAt } userErrors { field message code } } }",
        json!({"id": tid}),
    )
    .await;
    assert!(r.data()["archiveTransaction"]["transaction"]["archivedAt"].is_string());
    let r = gql(
        "query($id: ID!) { person(id: $id) { lastPurchaseAt } }",
        json!({"id": pid}),
    )
    .await;
    assert_eq!(
        r.data()["person"]["lastPurchaseAt"],
        Value::Null,
        "an archived order no longer counts"
    );

    // Archive and restore a person; merged or unknown ids are NOT_FOUND.
    let r = gql(
        "mutation($id: ID!) { archivePerson(input: {id: $id, version: 1}) { person { version } userErrors { field message code } } }",
        json!({"id": pid}),
    )
    .await;
    assert_eq!(r.data()["archivePerson"]["person"]["version"], 2);
    let r = gql(
        "mutation($id: ID!) { restorePerson(input: {id: $id, version: 2}) { person { archivedAt version } userErrors { field message code } } }",
        json!({"id": pid}),
    )
    .await;
    assert_eq!(
        r.data()["restorePerson"]["person"]["archivedAt"],
        Value::Null
    );
    let r = gql("mutation { restorePerson(input: {id: \"0190b5c4-6d2a-7000-8000-000000000001\", version: 1}) { person { id } userErrors { field message code } } }", json!({})).await;
    assert_eq!(r.code(), Some("NOT_FOUND"));
    let r = gql(
        "mutation { restorePerson(input: {id: \"nicht-eine-id\", version: 1}) { person { id } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));

    // A viewer reads but cannot write.
    let viewer = app.create_user(&owner, false).await;
    let r = app
        .gql(
            "mutation($e: String!) { setMember(input: {email: $e, role: VIEWER}) { member { role } userErrors { field message code } } }",
            json!({"e": viewer.email}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(r.code().is_none(), "{}", r.body);
    let r = app
        .gql(
            "{ personCount }",
            json!({}),
            Some(&viewer.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.data()["personCount"], 1);
    let r = app
        .gql(
            "mutation { createPerson(input: {lastName: \"Nein\"}) { person { id } userErrors { field message code } } }",
            json!({}),
            Some(&viewer.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("FORBIDDEN"));
    assert_eq!(
        app.tenant_i64(&tenant, "SELECT count(*) FROM persons")
            .await,
        1
    );
}
