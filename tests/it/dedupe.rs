//! Duplicate detection, merge and the staleness review.

use kartei_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn person(app: &TestApp, t: &str, tenant: &str, input: Value, org: Option<&str>) -> String {
    let r = app
        .gql(
            "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
            json!({ "i": input }),
            Some(t),
            Some(tenant),
        )
        .await;
    let id = r.data()["createPerson"]["person"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.body))
        .to_owned();
    if let Some(name) = org {
        let r = app
            .gql("{ organizations(filter: {query: \"\"}, first: 100) { edges { node { id name } } } }", json!({}), Some(t), Some(tenant))
            .await;
        let existing = r.data()["organizations"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["name"] == name)
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned());
        let org_id = match existing {
            Some(o) => o,
            None => {
                let r = app
                    .gql(
                        "mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id } userErrors { field message code } } }",
                        json!({"n": name}),
                        Some(t),
                        Some(tenant),
                    )
                    .await;
                r.data()["createOrganization"]["organization"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let r = app
            .gql(
                "mutation($p: ID!, $o: ID!) { linkPersonToOrganization(input: {personId: $p, organizationId: $o, isPrimary: true}) { relation { isPrimary } userErrors { field message code } } }",
                json!({"p": id, "o": org_id}),
                Some(t),
                Some(tenant),
            )
            .await;
        assert!(r.code().is_none(), "{}", r.body);
    }
    id
}

#[tokio::test]
async fn the_duplicate_finder_pairs_variants_and_keeps_namesakes_apart() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let mut ids = std::collections::HashMap::new();
    for (key, input, org) in [
        (
            "wachowski",
            json!({"firstName": "Anna", "lastName": "Wachowski", "city": "Köln"}),
            Some("Acme GmbH"),
        ),
        (
            "wachowsky",
            json!({"firstName": "Anna", "lastName": "Wachowsky", "city": "Köln"}),
            Some("Acme GmbH"),
        ),
        (
            "mueller1",
            json!({"firstName": "Jürgen", "lastName": "Müller", "street": "Hauptstraße 5", "city": "Berlin"}),
            None,
        ),
        (
            "mueller_namesake",
            json!({"firstName": "Jürgen", "lastName": "Müller", "street": "Lindenweg 12", "city": "Berlin"}),
            None,
        ),
        (
            "mueller2",
            json!({"firstName": "Juergen", "lastName": "Mueller", "street": "Hauptstr. 5", "city": "Berlin"}),
            None,
        ),
        (
            "mueller3",
            json!({"firstName": "Jurgen", "lastName": "Muller", "street": "Hauptstrasse 5", "city": "Berlin"}),
            None,
        ),
        (
            "mail1",
            json!({"firstName": "Karl", "lastName": "Heinz", "email": "Karl.Heinz@Firma-Heinz.de"}),
            None,
        ),
        (
            "mail2",
            json!({"firstName": "Karl", "lastName": "Heinz", "email": "karl.heinz@firma-heinz.DE", "city": "Bonn"}),
            None,
        ),
        (
            "phone1",
            json!({"firstName": "Sabine", "lastName": "Vogel", "phone": "030 7654321"}),
            None,
        ),
        (
            "phone2",
            json!({"firstName": "Sabine", "lastName": "Vogel-Kraus", "phone": "+49 (30) 765 43 21"}),
            None,
        ),
        (
            "schmidt_bosch",
            json!({"firstName": "Thomas", "lastName": "Schmidt", "city": "Stuttgart"}),
            Some("Bosch AG"),
        ),
        (
            "schmidt_daimler",
            json!({"firstName": "Thomas", "lastName": "Schmidt", "city": "Stuttgart"}),
            Some("Daimler AG"),
        ),
        (
            "schmidt_otto",
            json!({"firstName": "Peter", "lastName": "Schmidt", "city": "Hamburg"}),
            Some("Otto KG"),
        ),
        (
            "schmidt_petra",
            json!({"firstName": "Petra", "lastName": "Schmidt", "city": "Stuttgart"}),
            Some("Bosch AG"),
        ),
    ] {
        ids.insert(key, person(&app, t, &tenant, input, org).await);
    }
    let r = app
        .gql(
            "mutation { scanDuplicates { scan { personsScanned pairs } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        r.data()["scanDuplicates"]["scan"]["personsScanned"],
        14,
        "{}",
        r.body
    );
    let r = app
        .gql(
            "{ duplicatePairs(first: 100) { edges { node { score reasons persons { id } } } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    let pairs: Vec<(String, String, f64, Vec<String>)> = r.data()["duplicatePairs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"];
            let name = |i: usize| {
                let id = n["persons"][i]["id"].as_str().unwrap();
                ids.iter()
                    .find(|(_, v)| v.as_str() == id)
                    .map(|(k, _)| (*k).to_owned())
                    .unwrap()
            };
            let mut pair = [name(0), name(1)];
            pair.sort();
            (
                pair[0].clone(),
                pair[1].clone(),
                n["score"].as_f64().unwrap(),
                n["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    let has = |a: &str, b: &str| {
        pairs
            .iter()
            .any(|p| (p.0 == a && p.1 == b) || (p.0 == b && p.1 == a))
    };
    for (a, b) in [
        ("wachowski", "wachowsky"),
        ("mueller1", "mueller2"),
        ("mueller1", "mueller3"),
        ("mueller2", "mueller3"),
        ("mail1", "mail2"),
        ("phone1", "phone2"),
    ] {
        assert!(has(a, b), "expected {a}/{b} in {pairs:?}");
    }
    for (a, b) in [
        ("schmidt_bosch", "schmidt_daimler"),
        ("schmidt_bosch", "schmidt_otto"),
        ("schmidt_bosch", "schmidt_petra"),
        ("schmidt_daimler", "schmidt_otto"),
        ("mueller1", "mueller_namesake"),
    ] {
        assert!(!has(a, b), "namesakes {a}/{b} must not pair: {pairs:?}");
    }
    assert_eq!(pairs.len(), 6, "{pairs:?}");
    let mail = pairs.iter().find(|p| p.0 == "mail1").unwrap();
    assert!(
        mail.3.contains(&"same email address".to_owned()),
        "{mail:?}"
    );
    let phone = pairs.iter().find(|p| p.0 == "phone1").unwrap();
    assert!(
        phone.3.contains(&"same phone number".to_owned()),
        "{phone:?}"
    );

    // Warnings on create; a dismissed pair stays dismissed through rescans.
    let r = app
        .gql(
            "mutation { createPerson(input: {firstName: \"Sabine\", lastName: \"Vogel\", phone: \"0307654321\"}) { duplicateWarnings { score reasons } userErrors { field message code } } }",
            json!({}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert!(
        !r.data()["createPerson"]["duplicateWarnings"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{}",
        r.body
    );
    let r = app
        .gql(
            "mutation($a: ID!, $b: ID!) { dismissDuplicate(input: {a: $a, b: $b}) { dismissed userErrors { field message code } } }",
            json!({"a": ids["phone1"], "b": ids["phone2"]}),
            Some(t),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.data()["dismissDuplicate"]["dismissed"], true);
    app.gql(
        "mutation { scanDuplicates { scan { pairs } userErrors { field message code } } }",
        json!({}),
        Some(t),
        Some(&tenant),
    )
    .await;
    let r = app.gql("query($id: ID!) { person(id: $id) { duplicates { aId bId } quality { score duplicateSuspected } } }", json!({"id": ids["phone1"]}), Some(t), Some(&tenant)).await;
    let dups = r.data()["person"]["duplicates"].as_array().unwrap();
    assert!(
        dups.iter()
            .all(|d| d["aId"] != json!(ids["phone2"]) && d["bId"] != json!(ids["phone2"])),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_merge_moves_everything_and_leaves_no_orphans() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let gql = |q: &'static str, v: Value| app.gql(q, v, Some(t), Some(&tenant));
    let winner = person(
        &app,
        t,
        &tenant,
        json!({"firstName": "Jürgen", "lastName": "Müller", "tags": ["VIP"], "externalId": "K-1"}),
        Some("Müller Bau GmbH"),
    )
    .await;
    let l1 = person(&app, t, &tenant, json!({"firstName": "Juergen", "lastName": "Mueller", "email": "j.mueller@example.com", "tags": ["Newsletter"], "phone": "030 1111111"}), Some("Müller Bau GmbH")).await;
    let l2 = person(&app, t, &tenant, json!({"firstName": "J.", "lastName": "Müller", "email": "juergen@old.example", "city": "Berlin", "externalId": "K-2"}), Some("Zweitfirma KG")).await;
    for (p, n) in [(&winner, 1), (&l1, 2), (&l2, 3)] {
        for i in 0..n {
            let r = gql(
                "mutation($p: ID!, $at: DateTime!) { createInteraction(input: {personId: $p, kind: NOTE, direction: INTERNAL, occurredAt: $at}) { interaction { id } userErrors { field message code } } }",
                json!({"p": p, "at": format!("2024-0{}-01T00:00:00Z", i + 1)}),
            )
            .await;
            assert!(r.code().is_none(), "{}", r.body);
        }
        let r = gql(
            "mutation($p: ID!, $n: String!) { createTransaction(input: {personId: $p, kind: ORDER, number: $n, amountMinor: 5000, issuedOn: \"2024-05-05\"}) { transaction { id } userErrors { field message code } } }",
            json!({"p": p, "n": format!("A-{p}")}),
        )
        .await;
        assert!(r.code().is_none(), "{}", r.body);
    }
    let merge = "mutation($i: MergePersonsInput!) { mergePersons(input: $i) { merge { dryRun mergeId result movedInteractions movedTransactions movedRelations addedTags winner { id version email tags } } userErrors { field message code } } }";
    let input = json!({"winnerId": winner, "loserIds": [l1, l2], "choices": [{"field": "email", "fromId": l1}, {"field": "externalId", "fromId": l2}], "dryRun": true});
    let r = gql(merge, json!({"i": input})).await;
    let m = &r.data()["mergePersons"]["merge"];
    assert_eq!(m["dryRun"], true, "{}", r.body);
    assert_eq!(m["movedInteractions"], 5);
    assert_eq!(m["movedTransactions"], 2);
    assert_eq!(
        m["movedRelations"], 1,
        "the shared organization is not duplicated"
    );
    assert_eq!(m["result"]["email"], "j.mueller@example.com");
    assert_eq!(m["result"]["externalId"], "K-2");
    assert_eq!(
        m["result"]["phone"], "+49301111111",
        "an empty winner field is filled from a loser"
    );
    assert_eq!(m["mergeId"], Value::Null);
    assert_eq!(
        app.tenant_i64(
            &tenant,
            "SELECT count(*) FROM persons WHERE merged_into IS NULL"
        )
        .await,
        3,
        "a dry run changes nothing"
    );

    let mut input = input;
    input["dryRun"] = json!(false);
    let r = gql(merge, json!({"i": input})).await;
    let m = &r.data()["mergePersons"]["merge"];
    assert!(m["mergeId"].is_string(), "{}", r.body);
    assert_eq!(m["winner"]["email"], "j.mueller@example.com");
    assert_eq!(m["winner"]["tags"], json!(["VIP", "Newsletter"]));

    // Nothing points at a merged record any more.
    for sql in [
        "SELECT count(*) FROM interactions i JOIN persons p ON p.id = i.person_id WHERE p.merged_into IS NOT NULL",
        "SELECT count(*) FROM transactions x JOIN persons p ON p.id = x.person_id WHERE p.merged_into IS NOT NULL",
        "SELECT count(*) FROM person_organizations r JOIN persons p ON p.id = r.person_id WHERE p.merged_into IS NOT NULL",
        "SELECT count(*) FROM interactions WHERE person_id IS NOT NULL AND person_id NOT IN (SELECT id FROM persons)",
    ] {
        assert_eq!(app.tenant_i64(&tenant, sql).await, 0, "{sql}");
    }
    assert_eq!(
        app.tenant_i64(
            &tenant,
            &format!(
                "SELECT count(*) FROM interactions WHERE person_id = '{}'",
                kartei_tests::uuid(&winner)
            )
        )
        .await,
        6
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            &format!(
                "SELECT count(*) FROM transactions WHERE person_id = '{}'",
                kartei_tests::uuid(&winner)
            )
        )
        .await,
        3
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            &format!(
                "SELECT count(*) FROM person_organizations WHERE person_id = '{}'",
                kartei_tests::uuid(&winner)
            )
        )
        .await,
        2
    );
    assert_eq!(
        app.tenant_i64(
            &tenant,
            &format!(
                "SELECT count(*) FROM merges WHERE winner_id = '{}'",
                kartei_tests::uuid(&winner)
            )
        )
        .await,
        1
    );

    // The merge shows on the timeline; losers point at the winner; merging them again fails.
    let r = gql("query($id: ID!) { person(id: $id) { lastInteractionAt timeline(first: 1) { edges { node { __typename ... on MergeEntry { merge { loserIds } } } } } } }", json!({"id": winner})).await;
    assert_eq!(
        r.data()["person"]["timeline"]["edges"][0]["node"]["__typename"],
        "MergeEntry",
        "{}",
        r.body
    );
    assert_eq!(
        r.data()["person"]["lastInteractionAt"],
        "2024-03-01T00:00:00+00:00"
    );
    let r = gql(
        "query($id: ID!) { person(id: $id) { mergedInto } }",
        json!({"id": l1}),
    )
    .await;
    assert_eq!(r.data()["person"]["mergedInto"], json!(winner));
    let r = gql(merge, json!({"i": {"winnerId": winner, "loserIds": [l1]}})).await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    let r = gql(
        merge,
        json!({"i": {"winnerId": winner, "loserIds": [winner]}}),
    )
    .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
}

#[tokio::test]
async fn stale_records_are_listed_acted_on_in_bulk_and_reported() {
    let app = spawn_app().await;
    let (owner, tenant) = app.owner_with_tenant().await;
    let t = owner.access.as_str();
    let gql = |q: &'static str, v: Value| app.gql(q, v, Some(t), Some(&tenant));
    let old = person(
        &app,
        t,
        &tenant,
        json!({"lastName": "Alt", "email": "alt@example.com"}),
        None,
    )
    .await;
    let open = person(&app, t, &tenant, json!({"lastName": "Offen"}), None).await;
    let fresh = person(
        &app,
        t,
        &tenant,
        json!({"lastName": "Frisch", "phone": "0221 555555"}),
        None,
    )
    .await;
    // Untouched for years, but paid last month, or buying through their company: business
    // inside the window, never stale.
    let buyer = person(&app, t, &tenant, json!({"lastName": "Kauft"}), None).await;
    let colleague = person(&app, t, &tenant, json!({"lastName": "Einkauf"}), None).await;
    for (p, at) in [
        (&old, "2022-01-10T00:00:00Z"),
        (&open, "2021-05-01T00:00:00Z"),
        (&fresh, "2026-10-01T00:00:00Z"),
        (&buyer, "2021-02-01T00:00:00Z"),
        (&colleague, "2021-02-01T00:00:00Z"),
    ] {
        gql(
            "mutation($p: ID!, $at: DateTime!) { createInteraction(input: {personId: $p, kind: CALL, direction: OUTBOUND, occurredAt: $at}) { interaction { id } userErrors { field message code } } }",
            json!({"p": p, "at": at}),
        )
        .await;
    }
    gql(
        "mutation($p: ID!) { createTransaction(input: {personId: $p, kind: INVOICE, number: \"OP-1\", amountMinor: 100, issuedOn: \"2021-05-01\"}) { transaction { id } userErrors { field message code } } }",
        json!({"p": open}),
    )
    .await;
    let paid = (chrono::Utc::now() - chrono::Duration::days(30)).date_naive();
    let r = gql(
        "mutation($p: ID!, $on: NaiveDate!) { createTransaction(input: {personId: $p, kind: INVOICE, number: \"RE-9\", amountMinor: 100, issuedOn: \"2021-02-01\", paidOn: $on, status: PAID}) { transaction { id } userErrors { field message code } } }",
        json!({"p": buyer, "on": paid.to_string()}),
    )
    .await;
    assert!(
        r.data()["createTransaction"]["transaction"]["id"].is_string(),
        "{}",
        r.body
    );
    let r = gql(
        "mutation { createOrganization(input: {name: \"Kunde GmbH\"}) { organization { id } userErrors { field message code } } }",
        json!({}),
    )
    .await;
    let org = r.data()["createOrganization"]["organization"]["id"].clone();
    let r = gql(
        "mutation($p: ID!, $o: ID!) { linkPersonToOrganization(input: {personId: $p, organizationId: $o}) { relation { isPrimary } userErrors { field message code } } }",
        json!({"p": colleague, "o": org}),
    )
    .await;
    assert!(
        r.data()["linkPersonToOrganization"]["relation"].is_object(),
        "{}",
        r.body
    );
    let r = gql(
        "mutation($o: ID!) { createTransaction(input: {organizationId: $o, kind: INVOICE, number: \"RE-10\", amountMinor: 100, issuedOn: \"2020-06-01\"}) { transaction { id } userErrors { field message code } } }",
        json!({"o": org}),
    )
    .await;
    assert!(
        r.data()["createTransaction"]["transaction"]["id"].is_string(),
        "{}",
        r.body
    );
    // Created now: the never-touched person is not stale yet.
    person(&app, t, &tenant, json!({"lastName": "Neu"}), None).await;
    let r = gql(
        "{ stalePersons(months: 24) { edges { node { id lastName lastInteractionAt } } } }",
        json!({}),
    )
    .await;
    let names: Vec<&str> = r.data()["stalePersons"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["lastName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alt"], "{}", r.body);
    let r = gql(
        "{ stalePersons(months: 0) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));

    let r = gql("mutation { bulkUpdatePersons(input: {target: {staleMonths: 24}, action: {kind: TAG, tag: \"Karteileiche\"}}) { changed userErrors { field message code } } }", json!({})).await;
    assert_eq!(r.data()["bulkUpdatePersons"]["changed"], 1, "{}", r.body);
    let r = gql("mutation { bulkUpdatePersons(input: {target: {staleMonths: 24}, action: {kind: FLAG_DO_NOT_REACTIVATE, reason: \"gibtsnicht\"}}) { changed userErrors { field message code } } }", json!({})).await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    let r = gql("mutation($ids: [ID!]) { bulkUpdatePersons(input: {target: {ids: $ids}, action: {kind: FLAG_DO_NOT_REACTIVATE, reason: \"bad_payer\"}}) { changed userErrors { field message code } } }", json!({"ids": [old]})).await;
    assert_eq!(r.data()["bulkUpdatePersons"]["changed"], 1);
    let r = gql("{ dataQualityReport(staleMonths: 24) { persons withEmail withPhone emailShare stale doNotReactivate archived } }", json!({})).await;
    let rep = &r.data()["dataQualityReport"];
    assert_eq!(
        (
            rep["persons"].as_i64(),
            rep["withEmail"].as_i64(),
            rep["withPhone"].as_i64(),
            rep["stale"].as_i64(),
            rep["doNotReactivate"].as_i64()
        ),
        (Some(6), Some(1), Some(1), Some(1), Some(1)),
        "{}",
        r.body
    );
    assert_eq!(rep["emailShare"], 0.167);
    let r = gql("mutation { bulkUpdatePersons(input: {target: {staleMonths: 24}, action: {kind: HAND_OVER_FOR_ERASURE}}) { changed userErrors { field message code } } }", json!({})).await;
    assert_eq!(r.data()["bulkUpdatePersons"]["changed"], 1);
    assert_eq!(app.tenant_i64(&tenant, "SELECT count(*) FROM persons WHERE erasure_requested_at IS NOT NULL AND archived_at IS NOT NULL AND 'Karteileiche' = ANY(tags)").await, 1);
    let r = gql(
        "{ dataQualityReport { persons archived stale } }",
        json!({}),
    )
    .await;
    assert_eq!(r.data()["dataQualityReport"]["archived"], 1);
    assert_eq!(r.data()["dataQualityReport"]["stale"], 0);
}
