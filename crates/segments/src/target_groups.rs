//! Target-group scoring: a target group with its offer and problems, scored 1..5 on profit,
//! competition (5 = little competition), access and passion; the sum ranks the groups.

use chrono::{DateTime, Utc};
use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::{Error, Result};

pub const MAX_GROUPS: u64 = 500;

#[derive(Debug, Clone, Default)]
pub struct TargetGroupInput {
    pub name: String,
    pub description: Option<String>,
    pub offer: Option<String>,
    pub problems: Vec<String>,
    pub profit: i32,
    pub competition: i32,
    pub access: i32,
    pub passion: i32,
    pub segment_id: Option<Uuid>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct TargetGroup {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub offer: Option<String>,
    pub problems: Vec<String>,
    pub profit: i16,
    pub competition: i16,
    pub access: i16,
    pub passion: i16,
    pub total: i16,
    pub segment_id: Option<Uuid>,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Position by total (1 = most attractive); ties share a rank.
    pub rank: i64,
}

struct Checked {
    name: String,
    description: Option<String>,
    offer: Option<String>,
    problems: Vec<String>,
    scores: [i16; 4],
}

fn check(i: &TargetGroupInput) -> Result<Checked> {
    let mut e = FieldErrors::new();
    let name = i.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        e.add("name", "must be 1 to 200 characters");
    }
    let long = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let description = long(&i.description);
    let offer = long(&i.offer);
    for (f, v) in [("description", &description), ("offer", &offer)] {
        if v.as_ref().is_some_and(|s| s.chars().count() > 2000) {
            e.add(f, "must be at most 2000 characters");
        }
    }
    let problems: Vec<String> = i
        .problems
        .iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    if problems.len() > 50 || problems.iter().any(|p| p.chars().count() > 500) {
        e.add("problems", "at most 50 problems of at most 500 characters");
    }
    let mut scores = [0i16; 4];
    for (k, (f, v)) in [
        ("profit", i.profit),
        ("competition", i.competition),
        ("access", i.access),
        ("passion", i.passion),
    ]
    .into_iter()
    .enumerate()
    {
        match i16::try_from(v) {
            Ok(s) if (1..=5).contains(&s) => scores[k] = s,
            _ => e.add(f, "must be from 1 to 5"),
        }
    }
    e.into_result().map_err(Error::Invalid)?;
    Ok(Checked {
        name,
        description,
        offer,
        problems,
        scores,
    })
}

fn map_unique(e: sea_orm::DbErr) -> Error {
    if e.to_string().contains("target_groups_name_idx") {
        Error::field("name", "another target group has this name")
    } else {
        e.into()
    }
}

async fn check_segment(tx: &TenantTx, id: Option<Uuid>) -> Result<()> {
    if let Some(id) = id {
        let seg = crate::segments::find(tx, id).await?;
        if seg.is_none_or(|s| s.archived_at.is_some()) {
            return Err(Error::field("segmentId", "no such segment"));
        }
    }
    Ok(())
}

fn values(id: Uuid, c: Checked, segment: Option<Uuid>) -> Vec<sea_orm::Value> {
    vec![
        id.into(),
        c.name.into(),
        c.description.into(),
        c.offer.into(),
        c.problems.into(),
        c.scores[0].into(),
        c.scores[1].into(),
        c.scores[2].into(),
        c.scores[3].into(),
        segment.into(),
    ]
}

pub async fn create(tx: &TenantTx, input: &TargetGroupInput, actor: &str) -> Result<TargetGroup> {
    let c = check(input)?;
    check_segment(tx, input.segment_id).await?;
    let id = Uuid::now_v7();
    let mut v = values(id, c, input.segment_id);
    v.push(actor.into());
    tx.execute_raw(stmt(
        "INSERT INTO target_groups (id, name, description, offer, problems, profit, competition, \
         access, passion, segment_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        v,
    ))
    .await
    .map_err(map_unique)?;
    get(tx, id).await
}

pub async fn update(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    input: &TargetGroupInput,
) -> Result<TargetGroup> {
    let c = check(input)?;
    check_segment(tx, input.segment_id).await?;
    let mut v = values(id, c, input.segment_id);
    v.push(version.into());
    let n = tx
        .execute_raw(stmt(
            "UPDATE target_groups SET name = $2, description = $3, offer = $4, problems = $5, \
             profit = $6, competition = $7, access = $8, passion = $9, segment_id = $10, \
             version = version + 1, updated_at = now() WHERE id = $1 AND version = $11",
            v,
        ))
        .await
        .map_err(map_unique)?
        .rows_affected();
    if n == 0 {
        get(tx, id).await?;
        return Err(Error::stale("target group"));
    }
    get(tx, id).await
}

pub async fn delete(tx: &TenantTx, id: Uuid, version: i32) -> Result<()> {
    let n = tx
        .execute_raw(stmt(
            "DELETE FROM target_groups WHERE id = $1 AND version = $2",
            vec![id.into(), version.into()],
        ))
        .await?
        .rows_affected();
    if n == 0 {
        get(tx, id).await?;
        return Err(Error::stale("target group"));
    }
    Ok(())
}

const RANKED: &str = "SELECT * FROM (SELECT id, name, description, offer, problems, profit, \
    competition, access, passion, total, segment_id, version, created_by, created_at, updated_at, \
    rank() OVER (ORDER BY total DESC) AS rank FROM target_groups) g";

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<TargetGroup> {
    TargetGroup::find_by_statement(stmt(&format!("{RANKED} WHERE id = $1"), vec![id.into()]))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("target group"))
}

/// Every target group, most attractive first (ties by name).
pub async fn ranked(tx: &TenantTx) -> Result<Vec<TargetGroup>> {
    Ok(TargetGroup::find_by_statement(stmt(
        &format!("{RANKED} ORDER BY rank, lower(name), id LIMIT {MAX_GROUPS}"),
        vec![],
    ))
    .all(&**tx)
    .await?)
}
