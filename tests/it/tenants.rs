//! Tenant lifecycle: create atomically, rename, suspend, reactivate, delete (audited), migrate.

use kartei_core::id::{AgencyId, UserId};
use kartei_core::validate::{Name, Slug};
use kartei_tests::{Redis, spawn_app, spawn_app_with};
use sea_orm::ConnectionTrait;
use serde_json::json;

#[tokio::test]
async fn lifecycle_rename_suspend_reactivate_delete() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let t = app.create_tenant(&admin, "Gärtnerei Weiß").await;
    let schema = format!("t_{}", t.replace('-', ""));
    assert_eq!(app.scalar_i64(&format!("SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = 'settings'")).await, 1);

    let r = app
        .gql(
            "mutation { renameTenant(input: {name: \"Gärtnerei Weiß & Söhne\"}) { tenant { name } userErrors { field message code } } }",
            json!({}),
            Some(&admin.access),
            Some(&t),
        )
        .await;
    assert_eq!(
        r.data()["renameTenant"]["tenant"]["name"],
        "Gärtnerei Weiß & Söhne"
    );
    let log = app
        .gql(
            "{ auditLog(first: 5) { edges { node { action actor { label kind user { id email displayName } } } } } }",
            json!({}),
            Some(&admin.access),
            Some(&t),
        )
        .await;
    assert_eq!(
        log.data()["auditLog"]["edges"][0]["node"]["action"],
        "tenant.renamed",
        "{}",
        log.body
    );
    // The actor is a link to the user who acted, not only a label.
    let actor = &log.data()["auditLog"]["edges"][0]["node"]["actor"];
    assert_eq!(actor["kind"], "USER", "{actor}");
    assert_eq!(actor["user"]["email"], admin.email.as_str(), "{actor}");
    assert!(
        actor["label"].as_str().unwrap().starts_with("user:"),
        "{actor}"
    );

    let r = app
        .gql(
            "mutation($id: ID!) { suspendTenant(input: {id: $id}) { tenant { status } userErrors { field message code } } }",
            json!({"id": t}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.data()["suspendTenant"]["tenant"]["status"], "SUSPENDED");
    let r = app
        .gql(
            "{ settings { edges { cursor } } }",
            json!({}),
            Some(&admin.access),
            Some(&t),
        )
        .await;
    assert_eq!(r.code(), Some("FORBIDDEN"));
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("suspended")
    );

    let r = app
        .gql(
            "mutation($id: ID!) { reactivateTenant(input: {id: $id}) { tenant { status } userErrors { field message code } } }",
            json!({"id": t}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.data()["reactivateTenant"]["tenant"]["status"], "ACTIVE");
    let r = app
        .gql(
            "{ settings { edges { cursor } } }",
            json!({}),
            Some(&admin.access),
            Some(&t),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);

    let r = app
        .gql(
            "mutation($id: ID!) { deleteTenant(input: {id: $id, confirmSlug: \"wrong\"}) { deleted userErrors { field message code } } }",
            json!({"id": t}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.code(), Some("VALIDATION_FAILED"));
    let slug = app
        .gql(
            "query($id: ID!) { tenant(id: $id) { slug } }",
            json!({"id": t}),
            Some(&admin.access),
            None,
        )
        .await;
    let slug = slug.data()["tenant"]["slug"].as_str().unwrap().to_owned();
    let r = app
        .gql(
            "mutation($id: ID!, $s: String!) { deleteTenant(input: {id: $id, confirmSlug: $s}) { deleted userErrors { field message code } } }",
            json!({"id": t, "s": slug}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(
        r.data()["deleteTenant"]["deleted"],
        json!(true),
        "{}",
        r.body
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{schema}'"
        ))
        .await,
        0
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT count(*) FROM platform.tenants WHERE id = '{t}'"
        ))
        .await,
        0
    );
    assert_eq!(app.scalar_i64(&format!("SELECT count(*) FROM platform.audit_events WHERE tenant_id = '{t}' AND action = 'tenant.deleted'")).await, 1);
    let r = app
        .gql(
            "{ settings { edges { cursor } } }",
            json!({}),
            Some(&admin.access),
            Some(&t),
        )
        .await;
    assert_eq!(r.code(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn a_failed_create_leaves_no_schema_and_no_row() {
    let app = spawn_app_with(Redis::Memory, None, |_| {}).await;
    let admin = app.sign_up().await;
    let me = app
        .gql(
            "{ me { agency { id } } }",
            json!({}),
            Some(&admin.access),
            None,
        )
        .await;
    let agency: uuid::Uuid = kartei_tests::uuid(me.data()["me"]["agency"]["id"].as_str().unwrap())
        .parse()
        .unwrap();
    // An owner that does not exist: the schema and all migrations are created first, then the
    // membership insert fails, and everything must roll back together.
    let settings = kartei_server::settings::Settings::load_from(
        |k| match k {
            "DATABASE_URL" => Some(kartei_tests::database_url()),
            "KARTEI_JWT_SECRET" => Some(kartei_tests::JWT_SECRET.into()),
            _ => None,
        },
        false,
    )
    .unwrap();
    let (_, auth) = kartei_server::services(&settings).await.unwrap();
    let slug = format!("atomic-{}", uuid::Uuid::new_v4().simple());
    let err = auth
        .create_tenant_for(
            UserId::new(),
            AgencyId(agency),
            &Name::parse("Atomar", 200).unwrap(),
            &Slug::parse(&slug).unwrap(),
        )
        .await;
    assert!(err.is_err());
    assert_eq!(
        app.scalar_i64(&format!(
            "SELECT count(*) FROM platform.tenants WHERE slug = '{slug}'"
        ))
        .await,
        0
    );
    let orphans = app
        .scalar_i64("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%' AND nspname NOT IN (SELECT schema_name FROM platform.tenants)")
        .await;
    assert_eq!(orphans, 0, "a schema without a tenant row was left behind");
}

#[tokio::test]
async fn migrate_is_idempotent_and_resumes_unmigrated_schemas() {
    let app = spawn_app().await;
    let admin = app.sign_up().await;
    let t = app.create_tenant(&admin, "Migration").await;
    let tid: kartei_core::id::TenantId = t.parse().unwrap();
    assert_eq!(
        kartei_tenancy::migrate::tenant(&app.db, tid).await.unwrap(),
        0
    );
    // Simulate a schema whose migration never committed (a crash mid-run rolls back).
    let schema = tid.schema_name();
    app.db
        .platform()
        .execute_unprepared(&format!(
            "DROP SCHEMA {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await
        .unwrap();
    let all =
        <kartei_migrations::TenantMigrator as sea_orm_migration::MigratorTrait>::migrations().len();
    assert!(all >= 2);
    assert_eq!(
        kartei_tenancy::migrate::tenant(&app.db, tid).await.unwrap(),
        all
    );
    assert_eq!(
        kartei_tenancy::migrate::tenant(&app.db, tid).await.unwrap(),
        0
    );
    assert_eq!(
        app.scalar_i64(&format!("SELECT count(*) FROM {schema}.seaql_migrations"))
            .await,
        all as i64
    );
    let r = app
        .gql(
            "mutation { setSetting(input: {key: \"after.resume\", value: true}) { setting { key } userErrors { field message code } } }",
            json!({}),
            Some(&admin.access),
            Some(&t),
        )
        .await;
    assert!(r.body["errors"].is_null(), "{}", r.body);
}

#[tokio::test]
async fn readiness_and_health() {
    let app = spawn_app().await;
    let (s, body) = app.get("/healthz").await;
    assert_eq!(s.as_u16(), 200);
    assert_eq!(body["status"], "alive");
    let (s, body) = app.get("/readyz").await;
    assert_eq!(s.as_u16(), 200);
    assert_eq!(body["checks"], json!({"postgres": "up", "redis": "up"}));
}

/// Issue 17, finding 6: a tenant admin could demote or remove the owner. Nobody changes or
/// removes a member ranked at or above themselves, and a tenant keeps at least one owner.
#[tokio::test]
async fn members_are_managed_only_from_above_and_an_owner_remains() {
    let app = spawn_app().await;
    let agency_admin = app.sign_up().await;
    let tenant = app.create_tenant(&agency_admin, "Rangordnung").await;
    let (owner, admin, member) = (
        app.create_user(&agency_admin, false).await,
        app.create_user(&agency_admin, false).await,
        app.create_user(&agency_admin, false).await,
    );
    let set = "mutation($e: String!, $r: Role!) { setMember(input: {email: $e, role: $r}) { member { role } userErrors { field message code } } }";
    let remove = "mutation($u: ID!) { removeMember(input: {userId: $u}) { removed userErrors { field message code } } }";
    let me = "{ me { id } }";
    let id_of = |r: &kartei_tests::Reply| r.data()["me"]["id"].as_str().unwrap().to_owned();
    for (who, role) in [(&owner, "OWNER"), (&admin, "ADMIN"), (&member, "MEMBER")] {
        let r = app
            .gql(
                set,
                json!({"e": who.email, "r": role}),
                Some(&agency_admin.access),
                Some(&tenant),
            )
            .await;
        assert!(r.body["errors"].is_null(), "{}", r.body);
    }
    let owner_id = id_of(&app.gql(me, json!({}), Some(&owner.access), None).await);

    // The admin can neither demote nor remove the owner, nor make itself owner.
    let r = app
        .gql(
            set,
            json!({"e": owner.email, "r": "VIEWER"}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("FORBIDDEN"), "{}", r.body);
    let r = app
        .gql(
            remove,
            json!({"u": owner_id}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("FORBIDDEN"), "{}", r.body);
    let r = app
        .gql(
            set,
            json!({"e": admin.email, "r": "OWNER"}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("FORBIDDEN"), "{}", r.body);
    // It still manages those below it.
    let r = app
        .gql(
            set,
            json!({"e": member.email, "r": "VIEWER"}),
            Some(&admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        r.data()["setMember"]["member"]["role"],
        "VIEWER",
        "{}",
        r.body
    );

    // The owner stays an owner.
    let members = app
        .gql(
            "{ members(first: 10) { edges { node { email role } } } }",
            json!({}),
            Some(&agency_admin.access),
            Some(&tenant),
        )
        .await;
    let roles: Vec<(String, String)> = members.data()["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["email"].as_str().unwrap().to_owned(),
                e["node"]["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        roles.contains(&(owner.email.clone(), "OWNER".into())),
        "{roles:?}"
    );

    // Owners may step down while another owner remains, never the last one.
    let r = app
        .gql(
            set,
            json!({"e": owner.email, "r": "ADMIN"}),
            Some(&owner.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        r.data()["setMember"]["member"]["role"],
        "ADMIN",
        "{}",
        r.body
    );
    let r = app
        .gql(
            set,
            json!({"e": agency_admin.email, "r": "ADMIN"}),
            Some(&agency_admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(
        r.code(),
        Some("CONFLICT"),
        "the last owner stepped down: {}",
        r.body
    );
}

/// Issue 17, finding 12: an agency admin could create unlimited tenants, each a full schema.
/// Beyond `limits.tenants_per_agency` `createTenant` is CONFLICT and creates nothing; another
/// agency is not affected.
#[tokio::test]
async fn an_agency_has_a_tenant_quota() {
    let app = spawn_app_with(Redis::Memory, None, |s| s.limits.tenants_per_agency = 2).await;
    let admin = app.sign_up().await;
    app.create_tenant(&admin, "Eins").await;
    app.create_tenant(&admin, "Zwei").await;
    let create = "mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id } userErrors { field message code } } }";
    let r = app
        .gql(
            create,
            json!({"i": {"name": "Drei", "slug": "drei-quota"}}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(r.code(), Some("CONFLICT"), "{}", r.body);
    let n = app
        .gql(
            "{ tenants(first: 10) { totalCount } }",
            json!({}),
            Some(&admin.access),
            None,
        )
        .await;
    assert_eq!(n.data()["tenants"]["totalCount"], 2, "{}", n.body);
    let other = app.sign_up().await;
    app.create_tenant(&other, "Andere Agentur").await;
}

/// Access is remembered per node under the access epoch (see `kartei_auth::access`): a change
/// made through one node ends what another node remembers with that node's next request.
#[tokio::test]
async fn remembered_access_ends_with_the_next_request_after_a_change() {
    // Two API nodes sharing Postgres and Redis, as behind a load balancer.
    let prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
    let shared = prefix.clone();
    let a = spawn_app_with(Redis::Shared, None, |s| s.redis.key_prefix = prefix).await;
    let b = spawn_app_with(Redis::Shared, None, |s| s.redis.key_prefix = shared).await;
    let agency_admin = a.sign_up().await;
    let tenant = a.create_tenant(&agency_admin, "Gedächtnis").await;
    let member = a.create_user(&agency_admin, false).await;
    let set = "mutation($e: String!, $r: Role!) { setMember(input: {email: $e, role: $r}) { member { role } userErrors { field message code } } }";
    let set_role = |role: &'static str| {
        let (a, admin, email, tenant) = (&a, &agency_admin, member.email.clone(), &tenant);
        async move {
            let r = a
                .gql(
                    set,
                    json!({"e": email, "r": role}),
                    Some(&admin.access),
                    Some(tenant),
                )
                .await;
            assert_eq!(r.data()["setMember"]["member"]["role"], role, "{}", r.body);
        }
    };
    // What the member can do through node b: create a person (MEMBER and up), read (VIEWER).
    let create = |n: usize| {
        let (b, member, tenant) = (&b, &member, &tenant);
        async move {
            b.gql(
                "mutation($i: PersonInput!) { createPerson(input: $i) { person { id } userErrors { field message code } } }",
                json!({"i": {"lastName": format!("Gedächtnis {n}")}}),
                Some(&member.access),
                Some(tenant),
            )
            .await
        }
    };
    let read = || {
        b.gql(
            "{ currentTenant { name } }",
            json!({}),
            Some(&member.access),
            Some(&tenant),
        )
    };

    set_role("MEMBER").await;
    for n in 0..3 {
        let r = create(n).await;
        assert!(
            r.body["errors"].is_null(),
            "node b remembers MEMBER: {}",
            r.body
        );
    }
    set_role("VIEWER").await;
    let r = create(3).await;
    assert_eq!(
        r.code(),
        Some("FORBIDDEN"),
        "demoted on node a, refused on node b: {}",
        r.body
    );
    assert_eq!(read().await.data()["currentTenant"]["name"], "Gedächtnis");

    set_role("MEMBER").await;
    assert!(create(4).await.body["errors"].is_null());
    let member_id = {
        let r = b
            .gql("{ me { id } }", json!({}), Some(&member.access), None)
            .await;
        r.data()["me"]["id"].as_str().unwrap().to_owned()
    };
    let r = a
        .gql(
            "mutation($u: ID!) { removeMember(input: {userId: $u}) { removed userErrors { field message code } } }",
            json!({"u": member_id}),
            Some(&agency_admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.data()["removeMember"]["removed"], true, "{}", r.body);
    let r = read().await;
    assert_eq!(
        r.code(),
        Some("FORBIDDEN"),
        "removed on node a, refused on node b: {}",
        r.body
    );

    set_role("MEMBER").await;
    assert!(create(5).await.body["errors"].is_null());
    let r = a
        .gql(
            "mutation($id: ID!) { suspendTenant(input: {id: $id}) { tenant { status } userErrors { field message code } } }",
            json!({"id": tenant}),
            Some(&agency_admin.access),
            None,
        )
        .await;
    assert_eq!(
        r.data()["suspendTenant"]["tenant"]["status"],
        "SUSPENDED",
        "{}",
        r.body
    );
    let r = read().await;
    assert_eq!(
        r.code(),
        Some("FORBIDDEN"),
        "suspended on node a, refused on node b: {}",
        r.body
    );
    assert!(
        r.message().unwrap_or_default().contains("suspended"),
        "{}",
        r.body
    );
    // The agency admin, remembered as owner on node a before, is refused there too.
    let r = a
        .gql(
            "{ currentTenant { name } }",
            json!({}),
            Some(&agency_admin.access),
            Some(&tenant),
        )
        .await;
    assert_eq!(r.code(), Some("FORBIDDEN"), "{}", r.body);
}
