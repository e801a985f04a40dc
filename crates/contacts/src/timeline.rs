//! A contact's timeline: interactions, transactions and merges (and, as their domains arrive,
//! consent and campaign events) in one list, newest first, keyset-paged on `(at, id)`.

use chrono::{DateTime, Utc};
use kartei_core::paging::{Direction, Page, PageRequest};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;
use crate::interactions::{self, Interaction};
use crate::transactions::{self, Transaction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Person(Uuid),
    Organization(Uuid),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineKey(pub DateTime<Utc>, pub Uuid);

#[derive(Debug, Clone, FromQueryResult)]
struct Row {
    kind: String,
    id: Uuid,
    at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum Event {
    Interaction(Interaction),
    Transaction(Transaction),
    Merge(Merge),
    Message(Message),
}

/// A campaign message sent to the person (email, letter) or a manual touch planned for them
/// (phone or social task).
#[derive(Debug, Clone, FromQueryResult)]
pub struct Message {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub campaign_name: String,
    pub channel: String,
    pub status: String,
    pub subject: Option<String>,
    pub sent_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub clicked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Merge {
    pub id: Uuid,
    pub entity: String,
    pub winner_id: Uuid,
    pub loser_ids: Vec<Uuid>,
    pub field_choices: serde_json::Value,
    pub moved: serde_json::Value,
    pub actor: String,
    pub merged_at: DateTime<Utc>,
}

pub async fn page(
    tx: &TenantTx,
    subject: Subject,
    req: &PageRequest<TimelineKey>,
) -> Result<Page<(DateTime<Utc>, Event)>> {
    let (col, id) = match subject {
        Subject::Person(id) => ("person_id", id),
        Subject::Organization(id) => ("organization_id", id),
    };
    let mut values: Vec<sea_orm::Value> = vec![id.into()];
    let mut cond = Vec::new();
    if let Some(TimelineKey(at, id)) = &req.after {
        values.push((*at).into());
        values.push((*id).into());
        cond.push(format!(
            "(at, id) < (${}, ${})",
            values.len() - 1,
            values.len()
        ));
    }
    if let Some(TimelineKey(at, id)) = &req.before {
        values.push((*at).into());
        values.push((*id).into());
        cond.push(format!(
            "(at, id) > (${}, ${})",
            values.len() - 1,
            values.len()
        ));
    }
    let cond = if cond.is_empty() {
        "TRUE".to_owned()
    } else {
        cond.join(" AND ")
    };
    let dir = if req.direction == Direction::Forward {
        "DESC"
    } else {
        "ASC"
    };
    let entity = if col == "person_id" {
        "person"
    } else {
        "organization"
    };
    let sql = format!(
        "SELECT kind, id, at FROM ( \
           SELECT 'interaction' AS kind, id, occurred_at AS at FROM interactions \
             WHERE {col} = $1 AND archived_at IS NULL \
           UNION ALL \
           SELECT 'transaction', id, (issued_on::timestamp AT TIME ZONE 'UTC') FROM transactions \
             WHERE {col} = $1 AND archived_at IS NULL \
           UNION ALL \
           SELECT 'merge', id, merged_at FROM merges WHERE winner_id = $1 AND entity = '{entity}' \
           UNION ALL \
           SELECT 'message', id, sent_at FROM campaign_sends \
             WHERE person_id = $1 AND '{entity}' = 'person' \
               AND status IN ('sent', 'handed', 'task') AND sent_at IS NOT NULL \
         ) t WHERE {cond} ORDER BY at {dir}, id {dir} LIMIT {}",
        req.limit + 1
    );
    let rows = Row::find_by_statement(stmt(&sql, values))
        .all(&**tx)
        .await?;
    let page = Page::from_rows(req, rows, |r| TimelineKey(r.at, r.id));
    let mut items = Vec::with_capacity(page.items.len());
    for (cursor, row) in page.items {
        let event = match row.kind.as_str() {
            "interaction" => Event::Interaction(interactions::get(tx, row.id).await?),
            "transaction" => Event::Transaction(transactions::get(tx, row.id).await?),
            "message" => Event::Message(
                Message::find_by_statement(stmt(
                    "SELECT s.id, s.campaign_id, c.name AS campaign_name, s.channel, s.status, \
                         s.subject, s.sent_at, s.opened_at, s.clicked_at \
                     FROM campaign_sends s JOIN campaigns c ON c.id = s.campaign_id WHERE s.id = $1",
                    vec![row.id.into()],
                ))
                .one(&**tx)
                .await?
                .ok_or(crate::Error::NotFound("message"))?,
            ),
            _ => Event::Merge(merge(tx, row.id).await?),
        };
        items.push((cursor, (row.at, event)));
    }
    Ok(Page {
        items,
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
    })
}

pub async fn merge(tx: &TenantTx, id: Uuid) -> Result<Merge> {
    Merge::find_by_statement(stmt(
        "SELECT id, entity, winner_id, loser_ids, field_choices, moved, actor, merged_at \
         FROM merges WHERE id = $1",
        vec![id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(crate::Error::NotFound("merge"))
}

/// Recomputes every `last_interaction_at` / `last_purchase_at` in one pass, for bulk loaders
/// that deferred the per-row trigger with `SET LOCAL kartei.defer_touch = 'on'`.
pub async fn refresh_all_touches(tx: &TenantTx) -> Result<()> {
    use sea_orm::ConnectionTrait;
    for (table, col) in [
        ("persons", "person_id"),
        ("organizations", "organization_id"),
    ] {
        tx.execute_unprepared(&format!(
            "UPDATE {table} x SET last_interaction_at = i.m FROM \
               (SELECT {col} AS id, max(occurred_at) AS m FROM interactions \
                WHERE archived_at IS NULL AND {col} IS NOT NULL GROUP BY {col}) i \
             WHERE x.id = i.id AND x.last_interaction_at IS DISTINCT FROM i.m"
        ))
        .await?;
        tx.execute_unprepared(&format!(
            "UPDATE {table} x SET last_purchase_at = t.m FROM \
               (SELECT {col} AS id, max(issued_on) AS m FROM transactions \
                WHERE archived_at IS NULL AND status <> 'cancelled' AND {col} IS NOT NULL \
                GROUP BY {col}) t \
             WHERE x.id = t.id AND x.last_purchase_at IS DISTINCT FROM t.m"
        ))
        .await?;
    }
    Ok(())
}
