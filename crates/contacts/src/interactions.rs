//! Interactions: every touch (call, letter, email, meeting, offer, gift, note, social) with
//! direction, time, author and summary. They move `last_interaction_at` (by trigger).

use chrono::{DateTime, Duration, Utc};
use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::{Error, Result};

pub const KINDS: &[&str] = &[
    "call", "letter", "email", "meeting", "offer", "gift", "note", "social",
];
pub const DIRECTIONS: &[&str] = &["inbound", "outbound", "internal"];

#[derive(Debug, Clone, FromQueryResult)]
pub struct Interaction {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub kind: String,
    pub direction: String,
    pub occurred_at: DateTime<Utc>,
    pub author: String,
    pub subject: Option<String>,
    pub summary: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT id, person_id, organization_id, kind, direction, occurred_at, \
    author, subject, summary, archived_at, version, created_at FROM interactions";

#[derive(Debug, Clone, Default)]
pub struct InteractionInput {
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub kind: String,
    pub direction: String,
    pub occurred_at: Option<DateTime<Utc>>,
    pub subject: Option<String>,
    pub summary: Option<String>,
}

async fn check(tx: &TenantTx, input: &InteractionInput) -> Result<()> {
    let mut e = FieldErrors::new();
    if !KINDS.contains(&input.kind.as_str()) {
        e.add("kind", format!("must be one of {}", KINDS.join(", ")));
    }
    if !DIRECTIONS.contains(&input.direction.as_str()) {
        e.add("direction", "must be one of inbound, outbound, internal");
    }
    if input
        .occurred_at
        .is_some_and(|t| t > Utc::now() + Duration::minutes(5))
    {
        e.add("occurredAt", "must not be in the future");
    }
    if input
        .subject
        .as_ref()
        .is_some_and(|s| s.chars().count() > 200)
    {
        e.add("subject", "must be at most 200 characters");
    }
    if input
        .summary
        .as_ref()
        .is_some_and(|s| s.chars().count() > 20_000)
    {
        e.add("summary", "must be at most 20000 characters");
    }
    check_targets(tx, input.person_id, input.organization_id, &mut e).await?;
    e.into_result().map_err(Error::Invalid)
}

/// A person or organization (or both) that exists and was not merged away.
pub(crate) async fn check_targets(
    tx: &TenantTx,
    person_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    e: &mut FieldErrors,
) -> Result<()> {
    if person_id.is_none() && organization_id.is_none() {
        e.add("personId", "a person or an organization is required");
    }
    if let Some(p) = person_id
        && crate::persons::find(tx, p)
            .await?
            .is_none_or(|p| p.merged_into.is_some())
    {
        e.add("personId", "no such person");
    }
    if let Some(o) = organization_id
        && crate::organizations::find(tx, o)
            .await?
            .is_none_or(|o| o.merged_into.is_some())
    {
        e.add("organizationId", "no such organization");
    }
    Ok(())
}

pub async fn create(tx: &TenantTx, author: &str, input: InteractionInput) -> Result<Interaction> {
    check(tx, &input).await?;
    let id = Uuid::now_v7();
    tx.execute_raw(stmt(
        "INSERT INTO interactions (id, person_id, organization_id, kind, direction, occurred_at, \
         author, subject, summary) VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()), $7, $8, $9)",
        vec![
            id.into(),
            input.person_id.into(),
            input.organization_id.into(),
            input.kind.into(),
            input.direction.into(),
            input.occurred_at.into(),
            author.into(),
            input.subject.into(),
            input.summary.into(),
        ],
    ))
    .await?;
    get(tx, id).await
}

/// The rows whose id is in `ids` (a `uuid[]` value), in one statement.
pub async fn find_many(tx: &TenantTx, ids: sea_orm::Value) -> Result<Vec<Interaction>> {
    Ok(
        Interaction::find_by_statement(stmt(&format!("{SELECT} WHERE id = ANY($1)"), vec![ids]))
            .all(&**tx)
            .await?,
    )
}

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<Interaction> {
    Interaction::find_by_statement(stmt(&format!("{SELECT} WHERE id = $1"), vec![id.into()]))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("interaction"))
}

pub async fn update(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    change: impl FnOnce(&mut InteractionInput),
) -> Result<Interaction> {
    let cur = get(tx, id).await?;
    let mut input = InteractionInput {
        person_id: cur.person_id,
        organization_id: cur.organization_id,
        kind: cur.kind,
        direction: cur.direction,
        occurred_at: Some(cur.occurred_at),
        subject: cur.subject,
        summary: cur.summary,
    };
    change(&mut input);
    check(tx, &input).await?;
    let res = tx
        .execute_raw(stmt(
            "UPDATE interactions SET person_id = $3, organization_id = $4, kind = $5, \
             direction = $6, occurred_at = $7, subject = $8, summary = $9, \
             version = version + 1, updated_at = now() WHERE id = $1 AND version = $2",
            vec![
                id.into(),
                version.into(),
                input.person_id.into(),
                input.organization_id.into(),
                input.kind.into(),
                input.direction.into(),
                input.occurred_at.into(),
                input.subject.into(),
                input.summary.into(),
            ],
        ))
        .await?;
    if res.rows_affected() == 0 {
        return Err(Error::stale("interaction"));
    }
    get(tx, id).await
}

pub async fn set_archived(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    archived: bool,
) -> Result<Interaction> {
    if !crate::sql::set_archived(tx, "interactions", "TRUE", id, version, archived).await? {
        get(tx, id).await?;
        return Err(Error::stale("interaction"));
    }
    get(tx, id).await
}
