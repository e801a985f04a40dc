//! Organizations (the B2B side): companies with their people, validated like persons.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use kartei_core::paging::{Direction, Page, PageRequest};
use kartei_core::validate::{EmailAddress, FieldErrors};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::fields;
use crate::normalize;
use crate::persons::{SortKey, check_owner};
use crate::rules::{self, Rules};
use crate::sql::{Sql, like_escape};

draft_fields!(OrganizationDraft {
    name,
    industry,
    website,
    email,
    phone,
    street,
    postal_code,
    city,
    country,
    source,
    external_id,
    lifecycle_stage,
    dnr_reason,
    owner_id,
});

#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationData {
    pub name: String,
    pub name_key: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub email_normalized: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub tags: Vec<String>,
    pub custom: serde_json::Map<String, serde_json::Value>,
    pub owner_id: Option<Uuid>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub lifecycle_stage: String,
    pub dnr_reason: Option<String>,
}

const COLUMNS: &str = "name, name_key, industry, website, email, email_normalized, phone, \
    street, postal_code, city, country, tags, custom, owner_id, source, external_id, \
    lifecycle_stage, do_not_reactivate, dnr_reason";
const COLUMN_COUNT: usize = 19;

impl OrganizationDraft {
    pub fn validate(&self, rules: &Rules) -> Result<OrganizationData, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = fields::text(&mut e, "name", &self.name, 200);
        if name.is_none() {
            e.add("name", "is required");
        }
        let email = fields::text(&mut e, "email", &self.email, 254).and_then(|raw| {
            EmailAddress::parse(&raw)
                .map_err(|m| e.add("email", m.to_string()))
                .ok()
        });
        let phone = fields::text(&mut e, "phone", &self.phone, 40).and_then(|raw| {
            normalize::phone(&raw, &rules.phone_region)
                .map_err(|m| e.add("phone", m))
                .ok()
        });
        let country = fields::text(&mut e, "country", &self.country, 60)
            .and_then(|c| normalize::country(&c).map_err(|m| e.add("country", m)).ok());
        let mut pick = |field: &str, list: &str, v: &Option<String>| {
            let s = fields::text(&mut e, field, v, 63)?;
            if let Err(m) = rules.check_picklist(list, &s) {
                e.add(field, m);
            }
            Some(s)
        };
        let industry = pick("industry", "industry", &self.industry);
        let source = pick("source", "source", &self.source);
        let dnr_reason = pick("dnrReason", "dnr_reason", &self.dnr_reason);
        let lifecycle_stage = fields::lifecycle_stage(&mut e, &self.lifecycle_stage);
        let owner_id = fields::owner_id(&mut e, &self.owner_id);
        let tags = fields::tags(&mut e, &self.tags);
        let custom = rules.check_custom(&self.custom, &mut e);
        let name = name.unwrap_or_default();
        let data = OrganizationData {
            name_key: normalize::org_name_key(&name),
            name,
            industry,
            website: fields::text(&mut e, "website", &self.website, 300),
            email_normalized: email.as_ref().map(EmailAddress::normalized),
            email: email.map(|a| a.as_str().to_owned()),
            phone,
            street: fields::text(&mut e, "street", &self.street, 200),
            postal_code: fields::text(&mut e, "postalCode", &self.postal_code, 20),
            city: fields::text(&mut e, "city", &self.city, 100),
            country,
            tags,
            custom,
            owner_id,
            source,
            external_id: fields::text(&mut e, "externalId", &self.external_id, 100),
            lifecycle_stage,
            dnr_reason,
        };
        e.into_result().map(|()| data)
    }
}

impl OrganizationData {
    fn values(&self) -> Vec<Value> {
        vec![
            self.name.clone().into(),
            self.name_key.clone().into(),
            self.industry.clone().into(),
            self.website.clone().into(),
            self.email.clone().into(),
            self.email_normalized.clone().into(),
            self.phone.clone().into(),
            self.street.clone().into(),
            self.postal_code.clone().into(),
            self.city.clone().into(),
            self.country.clone().into(),
            self.tags.clone().into(),
            serde_json::Value::Object(self.custom.clone()).into(),
            self.owner_id.into(),
            self.source.clone().into(),
            self.external_id.clone().into(),
            self.lifecycle_stage.clone().into(),
            self.dnr_reason.is_some().into(),
            self.dnr_reason.clone().into(),
        ]
    }
}

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub name_key: String,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub tags: Vec<String>,
    pub custom: serde_json::Value,
    pub owner_id: Option<Uuid>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub lifecycle_stage: String,
    pub do_not_reactivate: bool,
    pub dnr_reason: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub merged_into: Option<Uuid>,
    pub last_interaction_at: Option<DateTime<Utc>>,
    pub last_purchase_at: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT o.id, o.name, o.name_key, o.industry, o.website, o.email, o.phone, \
    o.street, o.postal_code, o.city, o.country, o.tags, o.custom, o.owner_id, o.source, \
    o.external_id, o.lifecycle_stage, o.do_not_reactivate, o.dnr_reason, o.archived_at, \
    o.merged_into, o.last_interaction_at, o.last_purchase_at, o.version, o.created_at, \
    o.updated_at FROM organizations o";

impl Organization {
    pub fn to_draft(&self) -> OrganizationDraft {
        let custom = fields::custom_of(&self.custom);
        OrganizationDraft {
            name: Some(self.name.clone()),
            industry: self.industry.clone(),
            website: self.website.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            street: self.street.clone(),
            postal_code: self.postal_code.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            lifecycle_stage: Some(self.lifecycle_stage.clone()),
            dnr_reason: self.dnr_reason.clone(),
            owner_id: self.owner_id.map(|u| u.to_string()),
            tags: self.tags.clone(),
            custom,
        }
    }
}

fn map_unique(e: sea_orm::DbErr) -> Error {
    if kartei_tenancy::error::is_unique_violation(&e) {
        Error::field("externalId", "is already used by another organization")
    } else {
        e.into()
    }
}

pub async fn create(tx: &TenantTx, draft: &OrganizationDraft) -> Result<Organization> {
    let rules = Rules::load(tx, rules::Entity::Organization).await?;
    let data = draft.validate(&rules).map_err(Error::Invalid)?;
    check_owner(tx, data.owner_id).await?;
    let id = Uuid::now_v7();
    let placeholders: Vec<String> = (2..=COLUMN_COUNT + 1).map(|n| format!("${n}")).collect();
    let mut values = vec![id.into()];
    values.extend(data.values());
    tx.execute_raw(stmt(
        &format!(
            "INSERT INTO organizations (id, {COLUMNS}) VALUES ($1, {})",
            placeholders.join(", ")
        ),
        values,
    ))
    .await
    .map_err(map_unique)?;
    get(tx, id).await
}

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<Organization> {
    find(tx, id).await?.ok_or(Error::NotFound("organization"))
}

/// The organizations among `ids` that exist, in one statement.
pub async fn find_many(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Organization>> {
    Ok(Organization::find_by_statement(stmt(
        &format!("{SELECT} WHERE o.id = ANY($1)"),
        vec![crate::sql::uuid_array(ids.to_vec())],
    ))
    .all(&**tx)
    .await?)
}

pub async fn find(tx: &TenantTx, id: Uuid) -> Result<Option<Organization>> {
    Ok(
        Organization::find_by_statement(stmt(
            &format!("{SELECT} WHERE o.id = $1"),
            vec![id.into()],
        ))
        .one(&**tx)
        .await?,
    )
}

pub async fn update(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    change: impl FnOnce(&mut OrganizationDraft),
) -> Result<Organization> {
    let current = get(tx, id).await?;
    if current.version != version {
        return Err(Error::stale("organization"));
    }
    let mut draft = current.to_draft();
    change(&mut draft);
    let rules = Rules::load(tx, rules::Entity::Organization).await?;
    let data = draft.validate(&rules).map_err(Error::Invalid)?;
    if data.owner_id != current.owner_id {
        check_owner(tx, data.owner_id).await?;
    }
    let placeholders: Vec<String> = (3..=COLUMN_COUNT + 2).map(|n| format!("${n}")).collect();
    let mut values = vec![id.into(), version.into()];
    values.extend(data.values());
    let res = tx
        .execute_raw(stmt(
            &format!(
                "UPDATE organizations SET ({COLUMNS}) = ({}), version = version + 1, \
                 updated_at = now() WHERE id = $1 AND version = $2",
                placeholders.join(", ")
            ),
            values,
        ))
        .await
        .map_err(map_unique)?;
    if res.rows_affected() == 0 {
        return Err(Error::stale("organization"));
    }
    get(tx, id).await
}

pub async fn set_archived(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    archived: bool,
) -> Result<Organization> {
    if !crate::sql::set_archived(tx, "organizations", "TRUE", id, version, archived).await? {
        get(tx, id).await?;
        return Err(Error::stale("organization"));
    }
    get(tx, id).await
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    pub query: Option<String>,
    pub tags_any: Vec<String>,
    pub industry: Option<String>,
    pub lifecycle_stages: Vec<String>,
    pub city: Option<String>,
    pub archived: Option<bool>,
}

/// Sorted by name (`name_key`, then id).
/// The number of organizations the filter selects.
pub async fn count(tx: &TenantTx, filter: &OrganizationFilter) -> Result<i64> {
    let q = filter_sql(filter);
    Ok(kartei_tenancy::paging::count(
        &**tx,
        &format!("FROM organizations o WHERE {}", q.where_clause()),
        q.values,
    )
    .await?)
}

fn filter_sql(filter: &OrganizationFilter) -> Sql {
    let mut q = Sql::default();
    q.and("o.merged_into IS NULL".into());
    if filter.archived == Some(true) {
        q.and("o.archived_at IS NOT NULL".into());
    } else {
        q.and("o.archived_at IS NULL".into());
    }
    if let Some(s) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let p = q.param(format!("%{}%", like_escape(&normalize::fold(s))));
        q.and(format!("o.name_key LIKE {p}"));
    }
    if !filter.tags_any.is_empty() {
        let p = q.param(filter.tags_any.clone());
        q.and(format!("o.tags && {p}::text[]"));
    }
    if let Some(i) = &filter.industry {
        let p = q.param(i.clone());
        q.and(format!("o.industry = {p}"));
    }
    if !filter.lifecycle_stages.is_empty() {
        let p = q.param(filter.lifecycle_stages.clone());
        q.and(format!("o.lifecycle_stage = ANY({p}::text[])"));
    }
    if let Some(c) = &filter.city {
        let p = q.param(c.clone());
        q.and(format!("lower(o.city) = lower({p})"));
    }
    q
}

pub async fn list(
    tx: &TenantTx,
    filter: &OrganizationFilter,
    req: &PageRequest<SortKey>,
) -> Result<Page<Organization>> {
    let mut q = filter_sql(filter);
    if let Some(SortKey(v, id)) = &req.after {
        let (a, b) = (q.param(v.clone()), q.param(*id));
        q.and(format!("(o.name_key, o.id) > ({a}, {b})"));
    }
    if let Some(SortKey(v, id)) = &req.before {
        let (a, b) = (q.param(v.clone()), q.param(*id));
        q.and(format!("(o.name_key, o.id) < ({a}, {b})"));
    }
    let dir = if req.direction == Direction::Forward {
        "ASC"
    } else {
        "DESC"
    };
    let rows = Organization::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE {} ORDER BY o.name_key {dir}, o.id {dir} LIMIT {}",
            q.where_clause(),
            req.limit + 1
        ),
        q.values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |o| {
        SortKey(o.name_key.clone(), o.id)
    }))
}

/// The organization with this match key, created when missing (imports: the "Firma" column).
pub async fn find_or_create_by_name(tx: &TenantTx, name: &str) -> Result<Uuid> {
    let key = normalize::org_name_key(name);
    let existing = tx
        .query_one_raw(stmt(
            "SELECT id FROM organizations WHERE name_key = $1 AND merged_into IS NULL \
             ORDER BY archived_at NULLS FIRST, created_at LIMIT 1",
            vec![key.clone().into()],
        ))
        .await?;
    if let Some(row) = existing {
        return Ok(row.try_get("", "id")?);
    }
    let draft = OrganizationDraft {
        name: Some(name.to_owned()),
        ..OrganizationDraft::default()
    };
    Ok(create(tx, &draft).await?.id)
}
