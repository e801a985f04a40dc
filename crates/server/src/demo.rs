//! `kartei demo`: seeds an agency, an admin and a member login, and two client tenants, so a
//! newcomer has a working system after `make run`. Idempotent: a second run changes nothing.

use anyhow::Context as _;
use kartei_auth::Auth;
use kartei_auth::identity::{Client, SignUp};
use kartei_core::ctx::{Actor, Role, TenantCtx};
use kartei_core::validate::{Name, Slug};
use kartei_tenancy::db::Db;
use kartei_tenancy::{settings, tenants::stmt};
use sea_orm::ConnectionTrait;

pub const ADMIN_EMAIL: &str = "demo@kartei.example";
pub const MEMBER_EMAIL: &str = "team@kartei.example";
pub const PASSWORD: &str = "Sonnige-Heide-2026";

pub struct DemoInfo {
    pub created: bool,
}

pub async fn seed(db: &Db, auth: &Auth) -> anyhow::Result<DemoInfo> {
    let exists = db
        .platform()
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM platform.users WHERE email_normalized = $1",
            vec![ADMIN_EMAIL.into()],
        ))
        .await?
        .is_some();
    if exists {
        return Ok(DemoInfo { created: false });
    }
    let client = Client {
        ip: "demo-seed".into(),
    };
    let (admin, tokens) = auth
        .sign_up(
            SignUp {
                agency_name: "Demo-Agentur Nord".into(),
                display_name: "Dana Demo".into(),
                email: ADMIN_EMAIL.into(),
                password: PASSWORD.into(),
            },
            &client,
        )
        .await
        .context("creating the demo agency")?;
    let principal = auth.authenticate(&tokens.access_token).await?;
    auth.create_user(
        &principal,
        kartei_auth::identity::NewUser {
            display_name: "Tom Team".into(),
            email: MEMBER_EMAIL.into(),
            password: PASSWORD.into(),
            agency_admin: false,
        },
    )
    .await?;
    for (name, slug, members) in [
        ("Bäckerei Müller", "baeckerei-mueller", true),
        ("Autohaus Schäfer GmbH", "autohaus-schaefer", false),
    ] {
        let tenant = auth
            .create_tenant_for(
                admin.id,
                admin.agency_id,
                &Name::parse(name, 200)?,
                &Slug::parse(slug)?,
            )
            .await?;
        let ctx = TenantCtx {
            tenant_id: tenant.id,
            actor: Actor::User(admin.id),
            role: Role::Owner,
        };
        if members {
            auth.set_member(&ctx, MEMBER_EMAIL, Role::Member).await?;
        }
        let tx = db.begin_tenant(tenant.id).await?;
        settings::put(
            &tx,
            "company.display_name",
            serde_json::json!(name),
            &ctx.actor.audit_label(),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(DemoInfo { created: true })
}

/// The demo agency's first tenant (Bäckerei Müller), where `--contacts` puts its data.
pub async fn first_tenant(db: &Db) -> anyhow::Result<kartei_core::id::TenantId> {
    let row = db
        .platform()
        .query_one_raw(stmt(
            "SELECT t.id FROM platform.tenants t JOIN platform.users u ON u.agency_id = t.agency_id \
             WHERE u.email_normalized = $1 AND t.slug = 'baeckerei-mueller'",
            vec![ADMIN_EMAIL.into()],
        ))
        .await?
        .context("the demo tenant is missing; run `kartei demo` first")?;
    let id: uuid::Uuid = row.try_get("", "id")?;
    Ok(kartei_core::id::TenantId(id))
}
