//! BANT qualification of leads: budget, authority, need and timing, each scored 0..25, and
//! their total (0..100), which segments can select on (`bant.total`).

use chrono::{DateTime, Utc};
use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::FromQueryResult;
use uuid::Uuid;

use crate::error::{Error, Result};

pub const MAX_SCORE: i16 = 25;

#[derive(Debug, Clone, Default)]
pub struct BantInput {
    pub budget: i32,
    pub authority: i32,
    pub need: i32,
    pub timing: i32,
    pub note: Option<String>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Bant {
    pub person_id: Uuid,
    pub budget: i16,
    pub authority: i16,
    pub need: i16,
    pub timing: i16,
    pub total: i16,
    pub note: Option<String>,
    pub scored_by: String,
    pub scored_at: DateTime<Utc>,
    pub version: i32,
}

const COLUMNS: &str =
    "person_id, budget, authority, need, timing, total, note, scored_by, scored_at, version";

fn score(e: &mut FieldErrors, field: &str, v: i32) -> i16 {
    match i16::try_from(v) {
        Ok(s) if (0..=MAX_SCORE).contains(&s) => s,
        _ => {
            e.add(field, format!("must be from 0 to {MAX_SCORE}"));
            0
        }
    }
}

pub async fn get(tx: &TenantTx, person: Uuid) -> Result<Option<Bant>> {
    Ok(Bant::find_by_statement(stmt(
        &format!("SELECT {COLUMNS} FROM bant_scores WHERE person_id = $1"),
        vec![person.into()],
    ))
    .one(&**tx)
    .await?)
}

/// Scores a person; `version` is the current score's version (`None` for the first score).
pub async fn score_person(
    tx: &TenantTx,
    person: Uuid,
    version: Option<i32>,
    input: &BantInput,
    actor: &str,
) -> Result<Bant> {
    let mut e = FieldErrors::new();
    let b = score(&mut e, "budget", input.budget);
    let a = score(&mut e, "authority", input.authority);
    let n = score(&mut e, "need", input.need);
    let t = score(&mut e, "timing", input.timing);
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if note.is_some_and(|s| s.chars().count() > 2000) {
        e.add("note", "must be at most 2000 characters");
    }
    e.into_result().map_err(Error::Invalid)?;
    kartei_contacts::persons::get_unrestricted(tx, person).await?;
    let values = vec![
        person.into(),
        b.into(),
        a.into(),
        n.into(),
        t.into(),
        note.map(str::to_owned).into(),
        actor.into(),
        version.into(),
    ];
    let row = Bant::find_by_statement(stmt(
        &format!(
            "INSERT INTO bant_scores (person_id, budget, authority, need, timing, note, scored_by) \
             SELECT $1, $2, $3, $4, $5, $6, $7 WHERE $8::int IS NULL \
             ON CONFLICT (person_id) DO UPDATE SET budget = $2, authority = $3, need = $4, \
                 timing = $5, note = $6, scored_by = $7, scored_at = now(), \
                 version = bant_scores.version + 1 \
             WHERE bant_scores.version = $8 \
             RETURNING {COLUMNS}"
        ),
        values.clone(),
    ))
    .one(&**tx)
    .await?;
    if let Some(r) = row {
        return Ok(r);
    }
    if version.is_none() {
        // Scored before: the caller must pass the version it saw.
        return Err(Error::Conflict(
            "this person is already scored; pass the score's version to change it".into(),
        ));
    }
    let updated = Bant::find_by_statement(stmt(
        &format!(
            "UPDATE bant_scores SET budget = $2, authority = $3, need = $4, timing = $5, note = $6, \
                 scored_by = $7, scored_at = now(), version = version + 1 \
             WHERE person_id = $1 AND version = $8 RETURNING {COLUMNS}"
        ),
        values,
    ))
    .one(&**tx)
    .await?;
    updated.ok_or_else(|| Error::stale("BANT score"))
}
