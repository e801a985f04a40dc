//! API keys for machine clients: scoped to one tenant and a role, stored as a SHA-256 digest
//! (the key is random and long, so a slow hash adds nothing), shown once, revocable, with the
//! time of last use.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use kartei_core::ctx::{Actor, Role, TenantCtx};
use kartei_core::id::{ApiKeyId, TenantId};
use kartei_core::paging::{Page, PageRequest};
use kartei_core::validate::Name;
use kartei_tenancy::audit;
use kartei_tenancy::paging::keyset;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::{Auth, Principal};

pub const KEY_PREFIX: &str = "kk_";

#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub tenant_id: TenantId,
    pub name: String,
    pub prefix: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, FromQueryResult)]
struct KeyRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    prefix: String,
    role: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for ApiKey {
    fn from(r: KeyRow) -> Self {
        ApiKey {
            id: ApiKeyId(r.id),
            tenant_id: TenantId(r.tenant_id),
            name: r.name,
            prefix: r.prefix,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

const KEY_COLUMNS: &str = "id, tenant_id, name, prefix, role, created_at, last_used_at, revoked_at";

fn digest(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

fn require_admin(ctx: &TenantCtx) -> Result<()> {
    if ctx.role.allows(Role::Admin) {
        Ok(())
    } else {
        Err(Error::Forbidden("tenant admins only".into()))
    }
}

impl Auth {
    /// Creates a key; the returned secret is the only time the full key is visible.
    pub async fn create_api_key(
        &self,
        ctx: &TenantCtx,
        name: &str,
        role: Role,
    ) -> Result<(ApiKey, String)> {
        require_admin(ctx)?;
        let Actor::User(creator) = ctx.actor else {
            return Err(Error::Forbidden("API keys cannot create API keys".into()));
        };
        let name = Name::parse(name, 200).map_err(|e| Error::invalid("name", e.to_string()))?;
        if role == Role::Owner {
            return Err(Error::invalid("role", "API keys can be at most admin"));
        }
        let body: [u8; 32] = rand::random();
        let body = URL_SAFE_NO_PAD.encode(body);
        let secret = format!("{KEY_PREFIX}{body}");
        let prefix: String = secret.chars().take(KEY_PREFIX.len() + 8).collect();
        let tx = self.db.begin_tenant(ctx.tenant_id).await?;
        let row = KeyRow::find_by_statement(stmt(
            &format!(
                "INSERT INTO platform.api_keys (id, tenant_id, name, prefix, secret_hash, role, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {KEY_COLUMNS}"
            ),
            vec![
                ApiKeyId::new().0.into(),
                ctx.tenant_id.0.into(),
                name.as_str().into(),
                prefix.clone().into(),
                digest(&secret).into(),
                role.as_str().into(),
                creator.0.into(),
            ],
        ))
        .one(&*tx)
        .await?
        .ok_or(Error::Internal("insert returned no row".into()))?;
        let key = ApiKey::from(row);
        audit::record(
            &tx,
            &ctx.actor.audit_label(),
            "api_key.created",
            Some(&format!("api_key:{}", key.id)),
            serde_json::json!({"name": key.name, "role": role.as_str(), "prefix": prefix}),
        )
        .await?;
        tx.commit().await?;
        Ok((key, secret))
    }

    /// How many API keys the tenant has (revoked ones included, as in the list).
    pub async fn api_keys_count(&self, ctx: &TenantCtx) -> Result<i64> {
        require_admin(ctx)?;
        Ok(kartei_tenancy::paging::count(
            self.db.platform(),
            "FROM platform.api_keys WHERE tenant_id = $1",
            vec![ctx.tenant_id.0.into()],
        )
        .await?)
    }

    pub async fn api_keys(&self, ctx: &TenantCtx, req: &PageRequest<Uuid>) -> Result<Page<ApiKey>> {
        require_admin(ctx)?;
        let ks = keyset("id", req, true, 2);
        let sql = format!(
            "SELECT {KEY_COLUMNS} FROM platform.api_keys WHERE tenant_id = $1 AND {} \
             ORDER BY {} LIMIT {}",
            ks.condition, ks.order, ks.fetch
        );
        let mut values = vec![ctx.tenant_id.0.into()];
        values.extend(ks.values);
        let rows = KeyRow::find_by_statement(stmt(&sql, values))
            .all(self.db.platform())
            .await?;
        let keys = rows.into_iter().map(ApiKey::from).collect();
        Ok(Page::from_rows(req, keys, |k: &ApiKey| k.id.0))
    }

    /// One of the tenant's API keys (tenant admins).
    pub async fn api_key(&self, ctx: &TenantCtx, id: Uuid) -> Result<Option<ApiKey>> {
        require_admin(ctx)?;
        let row = KeyRow::find_by_statement(stmt(
            &format!(
                "SELECT {KEY_COLUMNS} FROM platform.api_keys WHERE id = $1 AND tenant_id = $2"
            ),
            vec![id.into(), ctx.tenant_id.0.into()],
        ))
        .one(self.db.platform())
        .await?;
        Ok(row.map(ApiKey::from))
    }

    pub async fn revoke_api_key(&self, ctx: &TenantCtx, id: ApiKeyId) -> Result<ApiKey> {
        require_admin(ctx)?;
        let tx = self.db.begin_tenant(ctx.tenant_id).await?;
        let row = KeyRow::find_by_statement(stmt(
            &format!(
                "UPDATE platform.api_keys SET revoked_at = coalesce(revoked_at, now()) \
                 WHERE id = $1 AND tenant_id = $2 RETURNING {KEY_COLUMNS}"
            ),
            vec![id.0.into(), ctx.tenant_id.0.into()],
        ))
        .one(&*tx)
        .await?
        .ok_or(Error::NotFound("API key"))?;
        audit::record(
            &tx,
            &ctx.actor.audit_label(),
            "api_key.revoked",
            Some(&format!("api_key:{id}")),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub(crate) async fn verify_api_key(&self, key: &str) -> Result<Principal> {
        const BAD: Error = Error::Unauthenticated("invalid or revoked API key");
        if key.len() > 128 {
            return Err(BAD);
        }
        let row = KeyRow::find_by_statement(stmt(
            &format!("SELECT {KEY_COLUMNS} FROM platform.api_keys WHERE secret_hash = $1"),
            vec![digest(key).into()],
        ))
        .one(self.db.platform())
        .await?
        .ok_or(BAD)?;
        if row.revoked_at.is_some() {
            return Err(BAD);
        }
        // Record use at most once a minute per key, to keep hot keys from writing every call.
        let stale = row
            .last_used_at
            .is_none_or(|t| Utc::now() - t > chrono::Duration::seconds(60));
        if stale {
            self.db
                .platform()
                .execute_raw(stmt(
                    "UPDATE platform.api_keys SET last_used_at = now() WHERE id = $1",
                    vec![row.id.into()],
                ))
                .await?;
        }
        let key = ApiKey::from(row);
        Ok(Principal::ApiKey {
            key_id: key.id,
            tenant_id: key.tenant_id,
            role: key.role,
        })
    }
}
