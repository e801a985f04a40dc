//! Tasks of manual steps (phone calls, social touches): listed per assignee, completed with
//! an outcome, which lands in the contact's timeline as an interaction.

use chrono::{DateTime, NaiveDate, Utc};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::{Error, Result};

#[derive(Debug, Clone, FromQueryResult)]
pub struct Task {
    pub id: Uuid,
    pub send_id: Uuid,
    pub campaign_id: Uuid,
    pub campaign_name: String,
    pub person_id: Uuid,
    pub channel: String,
    pub script: Option<String>,
    pub assignee: String,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub note: Option<String>,
}

const TASK: &str = "SELECT t.id, t.send_id, s.campaign_id, c.name AS campaign_name, s.person_id, \
    s.channel, s.rendered AS script, t.assignee, t.due_on, t.done_at, t.outcome, t.note \
    FROM campaign_tasks t JOIN campaign_sends s ON s.id = t.send_id JOIN campaigns c ON c.id = s.campaign_id";

pub async fn list(
    tx: &TenantTx,
    assignee: Option<&str>,
    open_only: bool,
    limit: u64,
) -> Result<Vec<Task>> {
    Ok(Task::find_by_statement(stmt(
        &format!(
            "{TASK} WHERE ($1::text IS NULL OR t.assignee = $1) AND (NOT $2 OR t.done_at IS NULL) \
             ORDER BY t.due_on, t.id LIMIT {}",
            limit.clamp(1, 500)
        ),
        vec![assignee.map(str::to_owned).into(), open_only.into()],
    ))
    .all(&**tx)
    .await?)
}

pub async fn complete(
    tx: &TenantTx,
    id: Uuid,
    outcome: &str,
    note: Option<&str>,
    actor: &str,
) -> Result<Task> {
    if !["reached", "not_reached", "declined", "converted"].contains(&outcome) {
        return Err(Error::field(
            "outcome",
            "must be reached, not_reached, declined or converted",
        ));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(Error::field("note", "must be at most 2000 characters"));
    }
    let task = Task::find_by_statement(stmt(
        &format!("{TASK} WHERE t.id = $1 FOR UPDATE OF t"),
        vec![id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("task"))?;
    if task.done_at.is_some() {
        return Err(Error::Conflict("the task is already done".into()));
    }
    tx.execute_raw(stmt(
        "UPDATE campaign_tasks SET done_at = now(), outcome = $2, note = $3, done_by = $4 WHERE id = $1",
        vec![id.into(), outcome.into(), note.map(str::to_owned).into(), actor.into()],
    ))
    .await?;
    // The touch in the contact's history (a reached call is a contact; others are notes).
    let kind = match (task.channel.as_str(), outcome) {
        ("phone", _) => "call",
        _ => "social",
    };
    tx.execute_raw(stmt(
        "INSERT INTO interactions (id, person_id, kind, direction, occurred_at, author, subject, summary) \
         VALUES ($1, $2, $3, 'outbound', now(), $4, $5, $6)",
        vec![
            Uuid::now_v7().into(),
            task.person_id.into(),
            kind.into(),
            actor.into(),
            format!("{} ({outcome})", task.campaign_name).into(),
            note.map(str::to_owned).into(),
        ],
    ))
    .await?;
    Task::find_by_statement(stmt(&format!("{TASK} WHERE t.id = $1"), vec![id.into()]))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("task"))
}
