//! A contact's timeline: interactions, transactions and merges (and, as their domains arrive,
//! consent and campaign events) in one list, newest first, keyset-paged on `(at, id)`.

use std::collections::HashMap;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Person(Uuid),
    Organization(Uuid),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// `UNCONFIRMED_HANDOVER` for a message recovered as sent after a crash.
    pub reason: Option<String>,
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
    let mut pages = pages(tx, &[subject], req).await?;
    Ok(pages.remove(&subject).unwrap_or(Page {
        items: Vec::new(),
        has_next_page: false,
        has_previous_page: false,
    }))
}

/// The number of events on each subject's timeline, in one statement per kind of subject.
pub async fn counts(tx: &TenantTx, subjects: &[Subject]) -> Result<HashMap<Subject, i64>> {
    #[derive(FromQueryResult)]
    struct CountRow {
        subject: Uuid,
        n: i64,
    }
    let mut out = HashMap::new();
    for person in [true, false] {
        let ids: Vec<Uuid> = subjects
            .iter()
            .filter_map(|s| match (s, person) {
                (Subject::Person(id), true) | (Subject::Organization(id), false) => Some(*id),
                _ => None,
            })
            .collect();
        if ids.is_empty() {
            continue;
        }
        let (col, entity) = if person {
            ("person_id", "person")
        } else {
            ("organization_id", "organization")
        };
        let rows = CountRow::find_by_statement(stmt(
            &format!(
                "SELECT s.subject, \
                   (SELECT count(*) FROM interactions WHERE {col} = s.subject AND archived_at IS NULL) \
                 + (SELECT count(*) FROM transactions WHERE {col} = s.subject AND archived_at IS NULL) \
                 + (SELECT count(*) FROM merges WHERE winner_id = s.subject AND entity = '{entity}') \
                 + (SELECT count(*) FROM campaign_sends WHERE person_id = s.subject AND '{entity}' = 'person' \
                      AND status IN ('sent', 'handed', 'task') AND sent_at IS NOT NULL) AS n \
                 FROM unnest($1::uuid[]) AS s(subject)"
            ),
            vec![crate::sql::uuid_array(ids)],
        ))
        .all(&**tx)
        .await?;
        for r in rows {
            let s = if person {
                Subject::Person(r.subject)
            } else {
                Subject::Organization(r.subject)
            };
            out.insert(s, r.n);
        }
    }
    Ok(out)
}

/// The same page of many subjects' timelines with a fixed number of statements (one for the
/// page rows of all subjects, one per kind of event for the events), whatever their number.
pub async fn pages(
    tx: &TenantTx,
    subjects: &[Subject],
    req: &PageRequest<TimelineKey>,
) -> Result<HashMap<Subject, Page<(DateTime<Utc>, Event)>>> {
    let mut out = HashMap::new();
    let persons: Vec<Uuid> = subjects
        .iter()
        .filter_map(|s| match s {
            Subject::Person(id) => Some(*id),
            Subject::Organization(_) => None,
        })
        .collect();
    let orgs: Vec<Uuid> = subjects
        .iter()
        .filter_map(|s| match s {
            Subject::Organization(id) => Some(*id),
            Subject::Person(_) => None,
        })
        .collect();
    let mut rows: Vec<(Subject, Row)> = Vec::new();
    for (ids, person) in [(persons, true), (orgs, false)] {
        if ids.is_empty() {
            continue;
        }
        for r in page_rows(tx, ids, person, req).await? {
            let subject = if person {
                Subject::Person(r.subject)
            } else {
                Subject::Organization(r.subject)
            };
            rows.push((
                subject,
                Row {
                    kind: r.kind,
                    id: r.id,
                    at: r.at,
                },
            ));
        }
    }
    let events = load_events(tx, rows.iter().map(|(_, r)| r)).await?;
    let mut by_subject: HashMap<Subject, Vec<Row>> = HashMap::new();
    for (subject, row) in rows {
        by_subject.entry(subject).or_default().push(row);
    }
    for subject in subjects {
        let mut rows = by_subject.remove(subject).unwrap_or_default();
        // In the statement's order already; sorted again so no plan can change a page.
        rows.sort_by_key(|r| std::cmp::Reverse((r.at, r.id)));
        if req.direction != Direction::Forward {
            rows.reverse();
        }
        let page = Page::from_rows(req, rows, |r| TimelineKey(r.at, r.id));
        let mut items = Vec::with_capacity(page.items.len());
        for (cursor, row) in page.items {
            let event = events
                .get(&row.id)
                .cloned()
                .ok_or(crate::Error::NotFound("timeline event"))?;
            items.push((cursor, (row.at, event)));
        }
        out.insert(
            *subject,
            Page {
                items,
                has_next_page: page.has_next_page,
                has_previous_page: page.has_previous_page,
            },
        );
    }
    Ok(out)
}

#[derive(Debug, Clone, FromQueryResult)]
struct SubjectRow {
    subject: Uuid,
    kind: String,
    id: Uuid,
    at: DateTime<Utc>,
}

/// The page's rows (kind, id, time) of every subject in `ids`, in one statement.
async fn page_rows(
    tx: &TenantTx,
    ids: Vec<Uuid>,
    person: bool,
    req: &PageRequest<TimelineKey>,
) -> Result<Vec<SubjectRow>> {
    let (col, entity) = if person {
        ("person_id", "person")
    } else {
        ("organization_id", "organization")
    };
    let mut values: Vec<sea_orm::Value> = vec![crate::sql::uuid_array(ids)];
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
    let sql = format!(
        "SELECT s.subject, t.kind, t.id, t.at FROM unnest($1::uuid[]) AS s(subject) \
         CROSS JOIN LATERAL ( \
           SELECT kind, id, at FROM ( \
             SELECT 'interaction' AS kind, id, occurred_at AS at FROM interactions \
               WHERE {col} = s.subject AND archived_at IS NULL \
             UNION ALL \
             SELECT 'transaction', id, (issued_on::timestamp AT TIME ZONE 'UTC') FROM transactions \
               WHERE {col} = s.subject AND archived_at IS NULL \
             UNION ALL \
             SELECT 'merge', id, merged_at FROM merges \
               WHERE winner_id = s.subject AND entity = '{entity}' \
             UNION ALL \
             SELECT 'message', id, sent_at FROM campaign_sends \
               WHERE person_id = s.subject AND '{entity}' = 'person' \
                 AND status IN ('sent', 'handed', 'task') AND sent_at IS NOT NULL \
           ) u WHERE {cond} ORDER BY at {dir}, id {dir} LIMIT {} \
         ) t",
        req.limit + 1
    );
    Ok(SubjectRow::find_by_statement(stmt(&sql, values))
        .all(&**tx)
        .await?)
}

/// The events behind page rows, one statement per kind present.
async fn load_events<'a>(
    tx: &TenantTx,
    rows: impl Iterator<Item = &'a Row>,
) -> Result<HashMap<Uuid, Event>> {
    let mut ids: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for r in rows {
        ids.entry(r.kind.as_str()).or_default().push(r.id);
    }
    let mut out = HashMap::new();
    for (kind, ids) in ids {
        let ids = crate::sql::uuid_array(ids);
        match kind {
            "interaction" => {
                for i in interactions::find_many(tx, ids).await? {
                    out.insert(i.id, Event::Interaction(i));
                }
            }
            "transaction" => {
                for t in transactions::find_many(tx, ids).await? {
                    out.insert(t.id, Event::Transaction(t));
                }
            }
            "message" => {
                let messages = Message::find_by_statement(stmt(
                    "SELECT s.id, s.campaign_id, c.name AS campaign_name, s.channel, s.status, \
                         s.reason, s.subject, s.sent_at, s.opened_at, s.clicked_at \
                     FROM campaign_sends s JOIN campaigns c ON c.id = s.campaign_id \
                     WHERE s.id = ANY($1)",
                    vec![ids],
                ))
                .all(&**tx)
                .await?;
                for m in messages {
                    out.insert(m.id, Event::Message(m));
                }
            }
            _ => {
                let merges = Merge::find_by_statement(stmt(
                    &format!("{MERGE_SELECT} WHERE id = ANY($1)"),
                    vec![ids],
                ))
                .all(&**tx)
                .await?;
                for m in merges {
                    out.insert(m.id, Event::Merge(m));
                }
            }
        }
    }
    Ok(out)
}

const MERGE_SELECT: &str =
    "SELECT id, entity, winner_id, loser_ids, field_choices, moved, actor, merged_at FROM merges";

pub async fn merge(tx: &TenantTx, id: Uuid) -> Result<Merge> {
    Merge::find_by_statement(stmt(
        &format!("{MERGE_SELECT} WHERE id = $1"),
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
