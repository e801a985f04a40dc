//! Access control over tenants: who may act in which tenant with which role, and the tenant
//! and membership administration that changes it.
//!
//! A user's access to a tenant is read from Postgres and remembered in-process per (user,
//! tenant) under the *access epoch*, a token kept beside the sessions (Redis, or the
//! in-process store) that the session check of every request already returns, at no extra
//! round trip. Every change that can take access away (a membership set or removed, a tenant
//! suspended or deleted) renews the epoch after it commits, so on every node the very next
//! request reads Postgres again; a remembered grant is also forgotten after
//! [`REMEMBER_FOR`] in case renewing the epoch failed. Refusals are never remembered, and API
//! keys are checked against Postgres on every request.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use kartei_core::ctx::{Actor, Role, TenantCtx};
use kartei_core::id::{AgencyId, TenantId, UserId};
use kartei_core::paging::{Page, PageRequest};
use kartei_core::validate::{EmailAddress, FieldErrors, Name, Slug};
use kartei_tenancy::audit;
use kartei_tenancy::error::is_unique_violation;
use kartei_tenancy::paging::keyset;
use kartei_tenancy::tenants::{self, TENANT_COLUMNS, Tenant, TenantStatus, stmt};
use lru::LruCache;
use sea_orm::{ConnectionTrait, FromQueryResult, TransactionTrait};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::identity::{AgencyRole, User};
use crate::{Auth, Principal};

const NO_ACCESS: &str = "no access to this tenant";

/// How long a remembered grant is used at most, even when the epoch did not change.
pub const REMEMBER_FOR: Duration = Duration::from_secs(60);
/// How many (user, tenant) grants one node remembers (the least recently used go first).
const REMEMBERED: NonZeroUsize = NonZeroUsize::new(10_000).expect("non-zero");

/// Grants read from Postgres, per (user, tenant), with the access epoch they were read under.
pub(crate) struct RememberedAccess {
    grants: Mutex<LruCache<(UserId, TenantId), Grant>>,
}

struct Grant {
    epoch: String,
    role: Role,
    at: Instant,
}

impl RememberedAccess {
    pub(crate) fn new() -> Self {
        Self {
            grants: Mutex::new(LruCache::new(REMEMBERED)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<(UserId, TenantId), Grant>> {
        // Losing the cache is harmless: a poisoned lock is taken over.
        self.grants.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, key: (UserId, TenantId), epoch: &str) -> Option<Role> {
        let mut grants = self.lock();
        match grants.get(&key) {
            Some(g) if g.epoch == epoch && g.at.elapsed() < REMEMBER_FOR => Some(g.role),
            Some(_) => {
                grants.pop(&key);
                None
            }
            None => None,
        }
    }

    fn put(&self, key: (UserId, TenantId), epoch: &str, role: Role) {
        self.lock().put(
            key,
            Grant {
                epoch: epoch.to_owned(),
                role,
                at: Instant::now(),
            },
        );
    }
}

#[derive(Debug, FromQueryResult)]
struct AccessRow {
    status: String,
    agency_admin: bool,
    role: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, FromQueryResult)]
struct MemberRow {
    user_id: Uuid,
    email: String,
    display_name: String,
    role: String,
    created_at: DateTime<Utc>,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Member {
            user_id: UserId(r.user_id),
            email: r.email,
            display_name: r.display_name,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            created_at: r.created_at,
        }
    }
}

fn suspended() -> Error {
    Error::Forbidden("tenant is suspended; ask your agency admin to reactivate it".into())
}

impl Auth {
    /// Checks that `principal` may act in `tenant` and returns the context every tenant-scoped
    /// call takes. Agency admins reach every tenant of their agency as owners.
    ///
    /// `access_epoch` is what this request's session check returned (see
    /// [`crate::identity::Authenticated`]); with it, a grant read under the same epoch is
    /// used without asking Postgres.
    pub async fn authorize(
        &self,
        principal: &Principal,
        tenant: TenantId,
        access_epoch: Option<&str>,
    ) -> Result<TenantCtx> {
        match *principal {
            Principal::User { user_id, .. } => {
                let remembered =
                    access_epoch.and_then(|e| self.remembered.get((user_id, tenant), e));
                if let Some(role) = remembered {
                    return Ok(TenantCtx {
                        tenant_id: tenant,
                        actor: Actor::User(user_id),
                        role,
                    });
                }
                let row = AccessRow::find_by_statement(stmt(
                    "SELECT t.status, \
                            (t.agency_id = u.agency_id AND u.agency_role = 'admin') AS agency_admin, \
                            m.role \
                     FROM platform.tenants t \
                     JOIN platform.users u ON u.id = $1 \
                     LEFT JOIN platform.memberships m ON m.tenant_id = t.id AND m.user_id = u.id \
                     WHERE t.id = $2",
                    vec![user_id.0.into(), tenant.0.into()],
                ))
                .one(self.db.platform())
                .await?
                .ok_or_else(|| Error::Forbidden(NO_ACCESS.into()))?;
                let role = if row.agency_admin {
                    Role::Owner
                } else {
                    row.role
                        .as_deref()
                        .and_then(Role::parse)
                        .ok_or_else(|| Error::Forbidden(NO_ACCESS.into()))?
                };
                if row.status == TenantStatus::Suspended.as_str() {
                    return Err(suspended());
                }
                if let Some(epoch) = access_epoch {
                    self.remembered.put((user_id, tenant), epoch, role);
                }
                Ok(TenantCtx {
                    tenant_id: tenant,
                    actor: Actor::User(user_id),
                    role,
                })
            }
            Principal::ApiKey {
                key_id,
                tenant_id,
                role,
            } => {
                if tenant_id != tenant {
                    return Err(Error::Forbidden(
                        "this API key belongs to another tenant".into(),
                    ));
                }
                let t = tenants::get(self.db.platform(), tenant)
                    .await?
                    .ok_or_else(|| Error::Forbidden(NO_ACCESS.into()))?;
                if t.status == TenantStatus::Suspended {
                    return Err(suspended());
                }
                Ok(TenantCtx {
                    tenant_id: tenant,
                    actor: Actor::ApiKey(key_id),
                    role,
                })
            }
        }
    }

    /// The tenants the principal can see, ordered by slug. Agency admins see all of their
    /// agency's tenants (suspended ones too); members see those they belong to; an API key
    /// sees its own tenant.
    pub async fn tenants_page(
        &self,
        principal: &Principal,
        req: &PageRequest<String>,
    ) -> Result<Page<Tenant>> {
        let ks = keyset("t.slug", req, false, 2);
        let (filter, first) = visible_tenants(principal);
        let sql = format!(
            "SELECT {TENANT_COLUMNS} FROM platform.tenants t WHERE {filter} AND {} ORDER BY {} LIMIT {}",
            ks.condition, ks.order, ks.fetch
        );
        let mut values = vec![first.into()];
        values.extend(ks.values);
        let rows = tenants::query_tenants(self.db.platform(), &sql, values).await?;
        Ok(Page::from_rows(req, rows, |t: &Tenant| t.slug.clone()))
    }

    /// How many tenants the principal can see.
    pub async fn tenants_count(&self, principal: &Principal) -> Result<i64> {
        let (filter, first) = visible_tenants(principal);
        Ok(kartei_tenancy::paging::count(
            self.db.platform(),
            &format!("FROM platform.tenants t WHERE {filter}"),
            vec![first.into()],
        )
        .await?)
    }

    /// How many members the tenant has.
    pub async fn members_count(&self, ctx: &TenantCtx) -> Result<i64> {
        Ok(kartei_tenancy::paging::count(
            self.db.platform(),
            "FROM platform.memberships m WHERE m.tenant_id = $1",
            vec![ctx.tenant_id.0.into()],
        )
        .await?)
    }

    /// A tenant the principal can see (suspended ones included, so they can be reactivated).
    pub async fn visible_tenant(&self, principal: &Principal, id: TenantId) -> Result<Tenant> {
        let tenant = tenants::get(self.db.platform(), id)
            .await?
            .ok_or(Error::NotFound("tenant"))?;
        let visible = match *principal {
            Principal::ApiKey { tenant_id, .. } => tenant_id == id,
            Principal::User { user_id, .. } => {
                let user = self.user(user_id).await?;
                (user.agency_role == AgencyRole::Admin && user.agency_id == tenant.agency_id)
                    || self.membership_role(user_id, id).await?.is_some()
            }
        };
        if visible {
            Ok(tenant)
        } else {
            Err(Error::NotFound("tenant"))
        }
    }

    /// The tenant of an already authorized context (no second access check).
    pub async fn current_tenant(&self, ctx: &TenantCtx) -> Result<Tenant> {
        tenants::get(self.db.platform(), ctx.tenant_id)
            .await?
            .ok_or(Error::NotFound("tenant"))
    }

    /// A tenant of the admin's agency, suspended or not; other agencies' tenants are NOT_FOUND.
    async fn agency_tenant(&self, admin: &User, id: TenantId) -> Result<Tenant> {
        tenants::get(self.db.platform(), id)
            .await?
            .filter(|t| t.agency_id == admin.agency_id)
            .ok_or(Error::NotFound("tenant"))
    }

    async fn membership_role(&self, user: UserId, tenant: TenantId) -> Result<Option<Role>> {
        let row = self
            .db
            .platform()
            .query_one_raw(stmt(
                "SELECT role FROM platform.memberships WHERE user_id = $1 AND tenant_id = $2",
                vec![user.0.into(), tenant.0.into()],
            ))
            .await?;
        Ok(match row {
            Some(r) => Role::parse(&r.try_get::<String>("", "role")?),
            None => None,
        })
    }

    /// Creates a client company: its row, its schema with every tenant migration, the
    /// creator's owner membership and the audit record, in one transaction.
    pub async fn create_tenant(
        &self,
        principal: &Principal,
        name: &str,
        slug: Option<&str>,
    ) -> Result<Tenant> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", Name::parse(name, 200));
        let slug = match (slug, &name) {
            (Some(s), _) => errors.check("slug", Slug::parse(s)),
            (None, Some(n)) => errors.check("slug", Slug::from_name(n.as_str())),
            (None, None) => None,
        };
        let (Some(name), Some(slug), true) = (name, slug, errors.is_empty()) else {
            return Err(Error::Invalid(errors));
        };
        let admin = self.agency_admin(principal).await?;
        self.create_tenant_within(
            admin.id,
            admin.agency_id,
            &name,
            &slug,
            Some(self.limits.tenants_per_agency),
        )
        .await
    }

    /// The transactional core of [`Self::create_tenant`], for callers that already checked
    /// permissions (the `tenant` and `demo` commands).
    pub async fn create_tenant_for(
        &self,
        owner: UserId,
        agency: AgencyId,
        name: &Name,
        slug: &Slug,
    ) -> Result<Tenant> {
        self.create_tenant_within(owner, agency, name, slug, None)
            .await
    }

    /// Creates the tenant unless the agency already has `quota` of them (the agency row is
    /// locked, so concurrent creations cannot pass the count together).
    async fn create_tenant_within(
        &self,
        owner: UserId,
        agency: AgencyId,
        name: &Name,
        slug: &Slug,
        quota: Option<u32>,
    ) -> Result<Tenant> {
        let txn = self.db.platform().begin().await?;
        if let Some(quota) = quota {
            let row = txn
                .query_one_raw(stmt(
                    "SELECT (SELECT count(*) FROM platform.tenants WHERE agency_id = a.id) AS n \
                     FROM platform.agencies a WHERE a.id = $1 FOR UPDATE",
                    vec![agency.0.into()],
                ))
                .await?;
            let n = row
                .map(|r| r.try_get::<i64>("", "n"))
                .transpose()?
                .unwrap_or(0);
            if n >= i64::from(quota) {
                return Err(Error::Conflict(format!(
                    "this agency has {n} tenants, its limit; archive one or ask the operator \
                     to raise limits.tenants_per_agency"
                )));
            }
        }
        let tenant = tenants::create(&txn, agency, name, slug)
            .await
            .map_err(|e| match e {
                kartei_tenancy::Error::Conflict(m) => {
                    Error::Invalid(FieldErrors::single("slug", m))
                }
                other => other.into(),
            })?;
        txn.execute_raw(stmt(
            "INSERT INTO platform.memberships (user_id, tenant_id, role) VALUES ($1, $2, 'owner')",
            vec![owner.0.into(), tenant.id.0.into()],
        ))
        .await?;
        audit::record_platform(
            &txn,
            agency,
            Some(tenant.id),
            &format!("user:{owner}"),
            "tenant.created",
            serde_json::json!({"name": tenant.name, "slug": tenant.slug}),
        )
        .await?;
        txn.commit().await?;
        tracing::info!(tenant_id = %tenant.id, schema = %tenant.schema_name, "tenant created");
        Ok(tenant)
    }

    /// Renames a tenant; tenant admins and owners.
    pub async fn rename_tenant(&self, ctx: &TenantCtx, name: &str) -> Result<Tenant> {
        if !ctx.role.allows(Role::Admin) {
            return Err(Error::Forbidden("tenant admins only".into()));
        }
        let name = Name::parse(name, 200).map_err(|e| Error::invalid("name", e.to_string()))?;
        let tx = self.db.begin_tenant(ctx.tenant_id).await?;
        let tenant = tenants::rename(&*tx, ctx.tenant_id, &name).await?;
        audit::record(
            &tx,
            &ctx.actor.audit_label(),
            "tenant.renamed",
            None,
            serde_json::json!({"name": tenant.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(tenant)
    }

    /// Suspends or reactivates a tenant; agency admins only.
    pub async fn set_tenant_status(
        &self,
        principal: &Principal,
        id: TenantId,
        status: TenantStatus,
    ) -> Result<Tenant> {
        let admin = self.agency_admin(principal).await?;
        self.agency_tenant(&admin, id).await?;
        let txn = self.db.platform().begin().await?;
        let tenant = tenants::set_status(&txn, id, status).await?;
        audit::record_platform(
            &txn,
            admin.agency_id,
            Some(id),
            &format!("user:{}", admin.id),
            &format!("tenant.{}", status.as_str()),
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await?;
        self.access_changed().await;
        Ok(tenant)
    }

    /// Deletes a tenant with all its data; agency admins only, confirmed by its slug.
    pub async fn delete_tenant(
        &self,
        principal: &Principal,
        id: TenantId,
        confirm_slug: &str,
    ) -> Result<()> {
        let admin = self.agency_admin(principal).await?;
        let tenant = self.agency_tenant(&admin, id).await?;
        if tenant.slug != confirm_slug {
            return Err(Error::invalid(
                "confirmSlug",
                "must equal the tenant's slug to confirm deletion",
            ));
        }
        let txn = self.db.platform().begin().await?;
        tenants::delete(&txn, id).await?;
        audit::record_platform(
            &txn,
            admin.agency_id,
            Some(id),
            &format!("user:{}", admin.id),
            "tenant.deleted",
            serde_json::json!({"name": tenant.name, "slug": tenant.slug,
                               "schema": tenant.schema_name}),
        )
        .await?;
        txn.commit().await?;
        self.access_changed().await;
        tracing::info!(tenant_id = %id, "tenant deleted");
        Ok(())
    }

    pub async fn members(
        &self,
        ctx: &TenantCtx,
        req: &PageRequest<String>,
    ) -> Result<Page<Member>> {
        let ks = keyset("u.email_normalized", req, false, 2);
        let sql = format!(
            "SELECT u.id AS user_id, u.email, u.display_name, m.role, m.created_at \
             FROM platform.memberships m JOIN platform.users u ON u.id = m.user_id \
             WHERE m.tenant_id = $1 AND {} ORDER BY {} LIMIT {}",
            ks.condition, ks.order, ks.fetch
        );
        let mut values = vec![ctx.tenant_id.0.into()];
        values.extend(ks.values);
        let rows = MemberRow::find_by_statement(stmt(&sql, values))
            .all(self.db.platform())
            .await?;
        let members = rows.into_iter().map(Member::from).collect();
        Ok(Page::from_rows(req, members, |m: &Member| {
            m.email.to_lowercase()
        }))
    }

    /// One member of the tenant, by user.
    pub async fn member(&self, ctx: &TenantCtx, user: Uuid) -> Result<Option<Member>> {
        let row = MemberRow::find_by_statement(stmt(
            "SELECT u.id AS user_id, u.email, u.display_name, m.role, m.created_at \
             FROM platform.memberships m JOIN platform.users u ON u.id = m.user_id \
             WHERE m.tenant_id = $1 AND m.user_id = $2",
            vec![ctx.tenant_id.0.into(), user.into()],
        ))
        .one(self.db.platform())
        .await?;
        Ok(row.map(Member::from))
    }

    /// Adds a user of the same agency to the tenant, or changes their role. Nobody grants a
    /// role above their own.
    pub async fn set_member(&self, ctx: &TenantCtx, email: &str, role: Role) -> Result<Member> {
        if !ctx.role.allows(Role::Admin) {
            return Err(Error::Forbidden("tenant admins only".into()));
        }
        if !ctx.role.allows(role) {
            return Err(Error::Forbidden(
                "cannot grant a role above your own".into(),
            ));
        }
        let email =
            EmailAddress::parse(email).map_err(|e| Error::invalid("email", e.to_string()))?;
        let tx = self.db.begin_tenant(ctx.tenant_id).await?;
        let current = CurrentRow::find_by_statement(stmt(
            "SELECT u.id AS user_id, m.role FROM platform.users u \
             JOIN platform.tenants t ON t.agency_id = u.agency_id AND t.id = $2 \
             LEFT JOIN platform.memberships m ON m.user_id = u.id AND m.tenant_id = t.id \
             WHERE u.email_normalized = $1 FOR UPDATE OF t",
            vec![email.normalized().into(), ctx.tenant_id.0.into()],
        ))
        .one(&*tx)
        .await?;
        if let Some(c) = &current {
            may_manage(&tx, ctx, c.user_id, c.role.as_deref().and_then(Role::parse)).await?;
        }
        let owners_before = owners(&tx, ctx.tenant_id).await?;
        let row = MemberRow::find_by_statement(stmt(
            "WITH target AS ( \
                 SELECT u.id FROM platform.users u JOIN platform.tenants t ON t.agency_id = u.agency_id \
                 WHERE u.email_normalized = $1 AND t.id = $2), \
             up AS ( \
                 INSERT INTO platform.memberships (user_id, tenant_id, role) \
                 SELECT id, $2, $3 FROM target \
                 ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = EXCLUDED.role \
                 RETURNING user_id, role, created_at) \
             SELECT up.user_id, u.email, u.display_name, up.role, up.created_at \
             FROM up JOIN platform.users u ON u.id = up.user_id",
            vec![
                email.normalized().into(),
                ctx.tenant_id.0.into(),
                role.as_str().into(),
            ],
        ))
        .one(&*tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::Conflict("membership changed concurrently".into())
            } else {
                Error::from(e)
            }
        })?
        .ok_or_else(|| Error::invalid("email", "no user with this email in your agency"))?;
        audit::record(
            &tx,
            &ctx.actor.audit_label(),
            "member.set",
            Some(&format!("user:{}", row.user_id)),
            serde_json::json!({"role": role.as_str()}),
        )
        .await?;
        keeps_an_owner(&tx, ctx.tenant_id, owners_before).await?;
        tx.commit().await?;
        self.access_changed().await;
        Ok(row.into())
    }

    pub async fn remove_member(&self, ctx: &TenantCtx, user: UserId) -> Result<bool> {
        if !ctx.role.allows(Role::Admin) {
            return Err(Error::Forbidden("tenant admins only".into()));
        }
        let tx = self.db.begin_tenant(ctx.tenant_id).await?;
        // The tenant row is locked so two concurrent changes cannot both pass the owner check.
        let current = CurrentRow::find_by_statement(stmt(
            "SELECT m.user_id, m.role FROM platform.tenants t \
             JOIN platform.memberships m ON m.tenant_id = t.id AND m.user_id = $1 \
             WHERE t.id = $2 FOR UPDATE OF t",
            vec![user.0.into(), ctx.tenant_id.0.into()],
        ))
        .one(&*tx)
        .await?;
        if let Some(c) = &current {
            may_manage(&tx, ctx, c.user_id, c.role.as_deref().and_then(Role::parse)).await?;
        }
        let owners_before = owners(&tx, ctx.tenant_id).await?;
        let res = tx
            .execute_raw(stmt(
                "DELETE FROM platform.memberships WHERE user_id = $1 AND tenant_id = $2",
                vec![user.0.into(), ctx.tenant_id.0.into()],
            ))
            .await?;
        let removed = res.rows_affected() > 0;
        if removed {
            audit::record(
                &tx,
                &ctx.actor.audit_label(),
                "member.removed",
                Some(&format!("user:{user}")),
                serde_json::json!({}),
            )
            .await?;
        }
        keeps_an_owner(&tx, ctx.tenant_id, owners_before).await?;
        tx.commit().await?;
        if removed {
            self.access_changed().await;
        }
        Ok(removed)
    }

    /// Renews the access epoch after a committed change that can take access away, so every
    /// node forgets the grants it remembers. When the store cannot be reached the change
    /// stands (it is committed) and remembered grants end within [`REMEMBER_FOR`].
    pub async fn access_changed(&self) {
        self.remembered.lock().clear();
        if let Err(e) = self.store.access_changed().await {
            tracing::warn!(error = %e, "access changed, but the access epoch could not be renewed: other nodes forget their grants within {}s", REMEMBER_FOR.as_secs());
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct CurrentRow {
    user_id: Uuid,
    role: Option<String>,
}

/// Whether `ctx`'s actor may change or remove the membership of `target`, whose role is now
/// `current`: a member ranked below the actor, or the actor themselves (stepping down or
/// leaving). An admin of the tenant's agency ranks above every member.
async fn may_manage(
    tx: &kartei_tenancy::db::TenantTx,
    ctx: &TenantCtx,
    target: Uuid,
    current: Option<Role>,
) -> Result<()> {
    let Some(current) = current else {
        return Ok(());
    };
    if let Actor::User(me) = ctx.actor {
        if me.0 == target {
            return Ok(());
        }
        let row = tx
            .query_one_raw(stmt(
                "SELECT (u.agency_role = 'admin' AND u.agency_id = t.agency_id) AS agency_admin \
                 FROM platform.users u, platform.tenants t WHERE u.id = $1 AND t.id = $2",
                vec![me.0.into(), ctx.tenant_id.0.into()],
            ))
            .await?;
        let agency_admin = row
            .map(|r| r.try_get::<bool>("", "agency_admin"))
            .transpose()?
            .unwrap_or(false);
        if agency_admin {
            return Ok(());
        }
    }
    if ctx.role > current {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "cannot change or remove a member ranked at or above you".into(),
        ))
    }
}

async fn owners(tx: &kartei_tenancy::db::TenantTx, tenant: TenantId) -> Result<i64> {
    let row = tx
        .query_one_raw(stmt(
            "SELECT count(*) AS n FROM platform.memberships WHERE tenant_id = $1 AND role = 'owner'",
            vec![tenant.0.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// Refuses a change that took the tenant's last owner (`before`: owners before the change).
async fn keeps_an_owner(
    tx: &kartei_tenancy::db::TenantTx,
    tenant: TenantId,
    before: i64,
) -> Result<()> {
    if before > 0 && owners(tx, tenant).await? == 0 {
        return Err(Error::Conflict(
            "a tenant keeps at least one owner; make someone else owner first".into(),
        ));
    }
    Ok(())
}

/// The SQL condition on `platform.tenants t` for the tenants `principal` can see, and its `$1`.
fn visible_tenants(principal: &Principal) -> (&'static str, uuid::Uuid) {
    match *principal {
        Principal::User { user_id, .. } => (
            "EXISTS (SELECT 1 FROM platform.users u WHERE u.id = $1 AND ( \
                (u.agency_role = 'admin' AND u.agency_id = t.agency_id) OR \
                EXISTS (SELECT 1 FROM platform.memberships m \
                        WHERE m.user_id = u.id AND m.tenant_id = t.id)))",
            user_id.0,
        ),
        Principal::ApiKey { tenant_id, .. } => ("t.id = $1", tenant_id.0),
    }
}
