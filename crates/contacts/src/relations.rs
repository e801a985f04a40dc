//! Who works where: person ↔ organization with job title, a primary flag (at most one per
//! person) and a buying-center role.

use chrono::{DateTime, Utc};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::{organizations, persons};

pub const BUYING_ROLES: &[&str] = &["economic_buyer", "user_buyer", "technical_buyer", "coach"];

#[derive(Debug, Clone, FromQueryResult)]
pub struct Relation {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub job_title: Option<String>,
    pub is_primary: bool,
    pub buying_role: Option<String>,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT person_id, organization_id, job_title, is_primary, buying_role, created_at \
     FROM person_organizations";

pub struct RelationInput {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub job_title: Option<String>,
    pub is_primary: bool,
    pub buying_role: Option<String>,
}

/// Creates or replaces the relation; making it primary demotes the person's other primary.
pub async fn link(tx: &TenantTx, input: RelationInput) -> Result<Relation> {
    let mut errors = kartei_core::validate::FieldErrors::new();
    let job_title = input
        .job_title
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if job_title.as_ref().is_some_and(|t| t.chars().count() > 100) {
        errors.add("jobTitle", "must be at most 100 characters");
    }
    if let Some(r) = &input.buying_role
        && !BUYING_ROLES.contains(&r.as_str())
    {
        errors.add(
            "buyingRole",
            "must be one of economic_buyer, user_buyer, technical_buyer, coach",
        );
    }
    let person = persons::find(tx, input.person_id).await?;
    if person.as_ref().is_none_or(|p| p.merged_into.is_some()) {
        errors.add("personId", "no such person");
    } else {
        persons::get_unrestricted(tx, input.person_id).await?;
    }
    let org = organizations::find(tx, input.organization_id).await?;
    if org.as_ref().is_none_or(|o| o.merged_into.is_some()) {
        errors.add("organizationId", "no such organization");
    }
    errors.into_result().map_err(Error::Invalid)?;
    if input.is_primary {
        tx.execute_raw(stmt(
            "UPDATE person_organizations SET is_primary = false \
             WHERE person_id = $1 AND organization_id <> $2 AND is_primary",
            vec![input.person_id.into(), input.organization_id.into()],
        ))
        .await?;
    }
    Relation::find_by_statement(stmt(
        "INSERT INTO person_organizations (person_id, organization_id, job_title, is_primary, buying_role) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id, organization_id) DO UPDATE SET \
             job_title = EXCLUDED.job_title, is_primary = EXCLUDED.is_primary, \
             buying_role = EXCLUDED.buying_role \
         RETURNING person_id, organization_id, job_title, is_primary, buying_role, created_at",
        vec![
            input.person_id.into(),
            input.organization_id.into(),
            job_title.into(),
            input.is_primary.into(),
            input.buying_role.into(),
        ],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("relation"))
}

pub async fn unlink(tx: &TenantTx, person_id: Uuid, organization_id: Uuid) -> Result<bool> {
    let res = tx
        .execute_raw(stmt(
            "DELETE FROM person_organizations WHERE person_id = $1 AND organization_id = $2",
            vec![person_id.into(), organization_id.into()],
        ))
        .await?;
    Ok(res.rows_affected() > 0)
}

/// The relations of all `persons` in one statement, each person's primary first.
pub async fn of_persons(tx: &TenantTx, persons: &[Uuid]) -> Result<Vec<Relation>> {
    Ok(Relation::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE person_id = ANY($1) ORDER BY person_id, is_primary DESC, created_at"
        ),
        vec![crate::sql::uuid_array(persons.to_vec())],
    ))
    .all(&**tx)
    .await?)
}

/// The people of all `organizations` in one statement (at most [`PEOPLE_LIMIT`] each, the
/// oldest relations first).
pub async fn of_organizations(tx: &TenantTx, organizations: &[Uuid]) -> Result<Vec<Relation>> {
    Ok(Relation::find_by_statement(stmt(
        &format!(
            "SELECT r.* FROM unnest($1::uuid[]) AS o(id) CROSS JOIN LATERAL ( \
               {SELECT} WHERE organization_id = o.id ORDER BY created_at, person_id LIMIT {PEOPLE_LIMIT} \
             ) r"
        ),
        vec![crate::sql::uuid_array(organizations.to_vec())],
    ))
    .all(&**tx)
    .await?)
}

/// The most people listed for one organization.
pub const PEOPLE_LIMIT: usize = 1000;
