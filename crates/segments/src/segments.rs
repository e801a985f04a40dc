//! Segments: dynamic rule segments and static lists; live counts and member pages; the
//! materialized membership with its history (who entered or left, when); snapshots frozen for
//! campaigns.

use chrono::{DateTime, NaiveDate, Utc};
use kartei_compliance::PolicySettings;
use kartei_contacts::persons::{Person, SortKey};
use kartei_contacts::sql::uuid_array;
use kartei_core::paging::{Direction, Page, PageRequest};
use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::paging::keyset;
use kartei_tenancy::tenants::stmt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::compile::{self, Env};
use crate::error::{Error, Result};
use crate::rule;

pub const MAX_STATIC_BATCH: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dynamic,
    Static,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Dynamic => "dynamic",
            Kind::Static => "static",
        }
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Segment {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    pub rule: Option<Json>,
    pub refreshed_at: Option<DateTime<Utc>>,
    pub member_count: Option<i64>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Segment {
    pub fn is_static(&self) -> bool {
        self.kind == "static"
    }
}

const SELECT: &str = "SELECT id, name, description, kind, rule, refreshed_at, member_count, \
    archived_at, version, created_by, created_at, updated_at FROM segments";

#[derive(Debug, Clone, Default)]
pub struct SegmentDraft {
    pub name: String,
    pub description: Option<String>,
    /// Present for a dynamic segment, absent for a static list.
    pub rule: Option<Json>,
}

/// Everything needed to compile rules in one transaction.
pub struct Compiler {
    pub catalog: Catalog,
    pub policy: PolicySettings,
    pub at: DateTime<Utc>,
}

impl Compiler {
    pub async fn load(tx: &TenantTx, at: DateTime<Utc>) -> Result<Self> {
        Ok(Compiler {
            catalog: Catalog::load(tx).await?,
            policy: PolicySettings::load(tx).await?,
            at,
        })
    }

    fn env(&self) -> Env<'_> {
        Env {
            at: self.at,
            policy: self.policy,
            catalog: &self.catalog,
        }
    }

    /// Checks a rule (for the segment `own`, whose references must not lead back to it) and
    /// compiles it.
    pub fn rule(&self, json: &Json, own: Option<Uuid>) -> Result<Expr> {
        let node = rule::parse(json, &self.catalog)?;
        rule::check_cycles(own, &node, &self.catalog)?;
        compile::condition(&node, &self.env())
    }

    /// The membership condition of a segment: its rule, or its list.
    pub fn segment(&self, s: &Segment) -> Result<Expr> {
        match &s.rule {
            Some(r) => self.rule(r, Some(s.id)),
            None => Ok(Expr::cust_with_values(
                "p.id IN (SELECT m.person_id FROM segment_members m WHERE m.segment_id = $1)",
                [Value::from(s.id)],
            )),
        }
    }
}

fn check_draft(d: &SegmentDraft) -> Result<(String, Option<String>)> {
    let mut e = FieldErrors::new();
    let name = d.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        e.add("name", "must be 1 to 200 characters");
    }
    let description = d
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if description
        .as_ref()
        .is_some_and(|s| s.chars().count() > 2000)
    {
        e.add("description", "must be at most 2000 characters");
    }
    e.into_result().map_err(Error::Invalid)?;
    Ok((name, description))
}

fn refs_of(rule: &Option<Json>, c: &Compiler) -> Result<Vec<Uuid>> {
    let mut refs = Vec::new();
    if let Some(r) = rule {
        rule::referenced_segments(&rule::parse(r, &c.catalog)?, &mut refs);
    }
    Ok(refs)
}

fn map_unique(e: sea_orm::DbErr) -> Error {
    let msg = e.to_string();
    if msg.contains("segments_name_idx") {
        Error::field("name", "another segment has this name")
    } else {
        e.into()
    }
}

pub async fn create(tx: &TenantTx, draft: &SegmentDraft, actor: &str) -> Result<Segment> {
    let (name, description) = check_draft(draft)?;
    let c = Compiler::load(tx, Utc::now()).await?;
    if let Some(r) = &draft.rule {
        c.rule(r, None)?;
    }
    let refs = refs_of(&draft.rule, &c)?;
    let kind = if draft.rule.is_some() {
        Kind::Dynamic
    } else {
        Kind::Static
    };
    Segment::find_by_statement(stmt(
        &format!(
            "INSERT INTO segments (id, name, description, kind, rule, refers_to, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {}",
            &SELECT["SELECT ".len()..SELECT.len() - " FROM segments".len()]
        ),
        vec![
            Uuid::now_v7().into(),
            name.into(),
            description.into(),
            kind.as_str().into(),
            draft.rule.clone().into(),
            uuid_array(refs),
            actor.into(),
        ],
    ))
    .one(&**tx)
    .await
    .map_err(map_unique)?
    .ok_or(Error::NotFound("segment"))
}

pub async fn find(tx: &TenantTx, id: Uuid) -> Result<Option<Segment>> {
    Ok(
        Segment::find_by_statement(stmt(&format!("{SELECT} WHERE id = $1"), vec![id.into()]))
            .one(&**tx)
            .await?,
    )
}

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<Segment> {
    find(tx, id).await?.ok_or(Error::NotFound("segment"))
}

/// Changes name, description and (for a dynamic segment) the rule; the kind stays.
pub async fn update(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    draft: &SegmentDraft,
) -> Result<Segment> {
    let (name, description) = check_draft(draft)?;
    let current = get(tx, id).await?;
    if current.archived_at.is_some() {
        return Err(Error::Conflict("the segment is archived".into()));
    }
    if current.is_static() != draft.rule.is_none() {
        return Err(Error::field(
            "rule",
            if current.is_static() {
                "a static list has no rule"
            } else {
                "a dynamic segment needs a rule"
            },
        ));
    }
    let c = Compiler::load(tx, Utc::now()).await?;
    if let Some(r) = &draft.rule {
        c.rule(r, Some(id))?;
    }
    let refs = refs_of(&draft.rule, &c)?;
    Segment::find_by_statement(stmt(
        &format!(
            "UPDATE segments SET name = $3, description = $4, rule = $5, refers_to = $6, \
             version = version + 1, updated_at = now() WHERE id = $1 AND version = $2 RETURNING {}",
            &SELECT["SELECT ".len()..SELECT.len() - " FROM segments".len()]
        ),
        vec![
            id.into(),
            version.into(),
            name.into(),
            description.into(),
            draft.rule.clone().into(),
            uuid_array(refs),
        ],
    ))
    .one(&**tx)
    .await
    .map_err(map_unique)?
    .ok_or_else(|| Error::stale("segment"))
}

/// Archives a segment no other segment or target group refers to.
pub async fn archive(tx: &TenantTx, id: Uuid, version: i32) -> Result<Segment> {
    let users = tx
        .query_all_raw(stmt(
            "SELECT name FROM segments WHERE $1 = ANY(refers_to) AND archived_at IS NULL \
             UNION ALL SELECT name FROM target_groups WHERE segment_id = $1 ORDER BY 1",
            vec![id.into()],
        ))
        .await?;
    if !users.is_empty() {
        let names: Vec<String> = users
            .iter()
            .filter_map(|r| r.try_get::<String>("", "name").ok())
            .collect();
        return Err(Error::Conflict(format!(
            "the segment is used by: {}",
            names.join(", ")
        )));
    }
    Segment::find_by_statement(stmt(
        &format!(
            "UPDATE segments SET archived_at = now(), version = version + 1, updated_at = now() \
             WHERE id = $1 AND version = $2 AND archived_at IS NULL RETURNING {}",
            &SELECT["SELECT ".len()..SELECT.len() - " FROM segments".len()]
        ),
        vec![id.into(), version.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::stale("segment"))
}

/// The number of active segments.
pub async fn list_count(tx: &TenantTx) -> Result<i64> {
    Ok(
        kartei_tenancy::paging::count(&**tx, "FROM segments WHERE archived_at IS NULL", vec![])
            .await?,
    )
}

/// The number of entries in a segment's history (of one person, if given).
pub async fn history_count(tx: &TenantTx, segment: Uuid, person: Option<Uuid>) -> Result<i64> {
    Ok(kartei_tenancy::paging::count(
        &**tx,
        "FROM segment_membership_events WHERE segment_id = $1 AND ($2::uuid IS NULL OR person_id = $2)",
        vec![segment.into(), Value::from(person)],
    )
    .await?)
}

/// The number of a segment's snapshots.
pub async fn snapshots_count(tx: &TenantTx, segment: Uuid) -> Result<i64> {
    Ok(kartei_tenancy::paging::count(
        &**tx,
        "FROM segment_snapshots WHERE segment_id = $1",
        vec![segment.into()],
    )
    .await?)
}

/// Active segments, oldest first.
pub async fn list(tx: &TenantTx, req: &PageRequest<Uuid>) -> Result<Page<Segment>> {
    let k = keyset("id", req, false, 1);
    let rows = Segment::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE archived_at IS NULL AND {} ORDER BY {} LIMIT {}",
            k.condition, k.order, k.fetch
        ),
        k.values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |s| s.id))
}

/// The number of persons a condition selects now.
pub async fn count(tx: &TenantTx, cond: Expr) -> Result<i64> {
    let (sql, values) = compile::count_query(cond);
    let row = tx.query_one_raw(stmt(&sql, values)).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// A page of the persons a condition selects, by name.
pub async fn members(
    tx: &TenantTx,
    cond: Expr,
    req: &PageRequest<SortKey>,
) -> Result<Page<Person>> {
    let mut cond = cond;
    if let Some(SortKey(k, id)) = &req.after {
        cond = cond.and(Expr::cust_with_values(
            "(p.name_key, p.id) > ($1, $2)",
            [Value::from(k.clone()), Value::from(*id)],
        ));
    }
    if let Some(SortKey(k, id)) = &req.before {
        cond = cond.and(Expr::cust_with_values(
            "(p.name_key, p.id) < ($1, $2)",
            [Value::from(k.clone()), Value::from(*id)],
        ));
    }
    let backward = req.direction == Direction::Backward;
    let (sql, values) = compile::page_query(cond, backward, req.limit + 1);
    let rows = Person::find_by_statement(stmt(&sql, values))
        .all(&**tx)
        .await?;
    Ok(Page::from_rows(req, rows, |p| {
        SortKey(p.name_key.clone(), p.id)
    }))
}

/// Count and the first page of a rule, without saving it.
pub async fn preview(
    tx: &TenantTx,
    rule: &Json,
    req: &PageRequest<SortKey>,
) -> Result<(i64, Page<Person>)> {
    let c = Compiler::load(tx, Utc::now()).await?;
    let cond = c.rule(rule, None)?;
    Ok((
        count(tx, cond.clone()).await?,
        members(tx, cond, req).await?,
    ))
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Refresh {
    pub entered: u64,
    pub left: u64,
    pub members: i64,
}

/// Brings the materialized membership of a dynamic segment up to date and records who
/// entered and who left.
pub async fn refresh(tx: &TenantTx, id: Uuid, at: DateTime<Utc>, actor: &str) -> Result<Refresh> {
    let seg = get(tx, id).await?;
    if seg.is_static() {
        return Err(Error::Conflict(
            "a static list changes only by adding and removing members".into(),
        ));
    }
    let c = Compiler::load(tx, at).await?;
    let (live, mut values) = compile::build(&compile::ids_query(c.segment(&seg)?));
    let n = values.len();
    let (s, a, who) = (n + 1, n + 2, n + 3);
    values.extend([
        Value::from(id),
        Value::from(at),
        Value::from(actor.to_owned()),
    ]);
    // Serialize refreshes of one segment so concurrent runs never record an entry twice.
    tx.execute_raw(stmt(
        "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))",
        vec![id.to_string().into()],
    ))
    .await?;
    let row = tx
        .query_one_raw(stmt(
            &format!(
                "WITH live AS MATERIALIZED ({live}), \
                 gone AS (DELETE FROM segment_members m WHERE m.segment_id = ${s} \
                     AND NOT EXISTS (SELECT 1 FROM live WHERE live.id = m.person_id) RETURNING m.person_id), \
                 came AS (INSERT INTO segment_members (segment_id, person_id, since, added_by) \
                     SELECT ${s}, live.id, ${a}, ${who} FROM live WHERE NOT EXISTS \
                     (SELECT 1 FROM segment_members m WHERE m.segment_id = ${s} AND m.person_id = live.id) \
                     RETURNING person_id), \
                 ev AS (INSERT INTO segment_membership_events (segment_id, person_id, event, at, actor) \
                     SELECT ${s}, person_id, 'left', ${a}, ${who} FROM gone \
                     UNION ALL SELECT ${s}, person_id, 'entered', ${a}, ${who} FROM came) \
                 SELECT (SELECT count(*) FROM came) AS entered, (SELECT count(*) FROM gone) AS left_, \
                        (SELECT count(*) FROM live) AS members"
            ),
            values,
        ))
        .await?;
    let get_n = |col: &str| -> Result<i64> {
        Ok(row
            .as_ref()
            .map(|r| r.try_get::<i64>("", col))
            .transpose()?
            .unwrap_or(0))
    };
    let out = Refresh {
        entered: u64::try_from(get_n("entered")?).unwrap_or(0),
        left: u64::try_from(get_n("left_")?).unwrap_or(0),
        members: get_n("members")?,
    };
    tx.execute_raw(stmt(
        "UPDATE segments SET refreshed_at = $2, member_count = $3 WHERE id = $1",
        vec![id.into(), at.into(), out.members.into()],
    ))
    .await?;
    Ok(out)
}

/// Refreshes every active dynamic segment of the tenant; returns how many were refreshed.
pub async fn refresh_all(tx: &TenantTx, at: DateTime<Utc>, actor: &str) -> Result<usize> {
    let ids: Vec<Uuid> = tx
        .query_all_raw(stmt(
            "SELECT id FROM segments WHERE kind = 'dynamic' AND archived_at IS NULL ORDER BY id",
            vec![],
        ))
        .await?
        .iter()
        .map(|r| r.try_get::<Uuid>("", "id"))
        .collect::<std::result::Result<_, _>>()?;
    for id in &ids {
        refresh(tx, *id, at, actor).await?;
    }
    Ok(ids.len())
}

async fn static_list(tx: &TenantTx, id: Uuid) -> Result<Segment> {
    let seg = get(tx, id).await?;
    if !seg.is_static() {
        return Err(Error::Conflict(
            "members of a dynamic segment follow its rule; use a static list".into(),
        ));
    }
    if seg.archived_at.is_some() {
        return Err(Error::Conflict("the segment is archived".into()));
    }
    Ok(seg)
}

fn check_batch(ids: &[Uuid]) -> Result<()> {
    if ids.is_empty() || ids.len() > MAX_STATIC_BATCH {
        return Err(Error::field(
            "personIds",
            format!("must name 1 to {MAX_STATIC_BATCH} persons"),
        ));
    }
    Ok(())
}

/// Adds persons to a static list (unknown, archived or merged persons are refused).
pub async fn add_members(tx: &TenantTx, id: Uuid, persons: &[Uuid], actor: &str) -> Result<u64> {
    check_batch(persons)?;
    static_list(tx, id).await?;
    let found = tx
        .query_one_raw(stmt(
            "SELECT count(*) AS n FROM persons WHERE id = ANY($1) AND merged_into IS NULL AND archived_at IS NULL \
                 AND restricted_at IS NULL",
            vec![uuid_array(persons.to_vec())],
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let distinct = {
        let mut v = persons.to_vec();
        v.sort();
        v.dedup();
        v.len()
    };
    if usize::try_from(found).unwrap_or(0) != distinct {
        return Err(Error::field(
            "personIds",
            "names persons that do not exist, are archived or were merged",
        ));
    }
    let row = tx
        .query_one_raw(stmt(
            "WITH came AS (INSERT INTO segment_members (segment_id, person_id, added_by) \
                 SELECT $1, x, $3 FROM unnest($2::uuid[]) x ON CONFLICT DO NOTHING RETURNING person_id), \
             ev AS (INSERT INTO segment_membership_events (segment_id, person_id, event, at, actor) \
                 SELECT $1, person_id, 'entered', now(), $3 FROM came) \
             SELECT count(*) AS n FROM came",
            vec![id.into(), uuid_array(persons.to_vec()), actor.into()],
        ))
        .await?;
    let n = row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

pub async fn remove_members(tx: &TenantTx, id: Uuid, persons: &[Uuid], actor: &str) -> Result<u64> {
    check_batch(persons)?;
    static_list(tx, id).await?;
    let row = tx
        .query_one_raw(stmt(
            "WITH gone AS (DELETE FROM segment_members WHERE segment_id = $1 AND person_id = ANY($2) \
                 RETURNING person_id), \
             ev AS (INSERT INTO segment_membership_events (segment_id, person_id, event, at, actor) \
                 SELECT $1, person_id, 'left', now(), $3 FROM gone) \
             SELECT count(*) AS n FROM gone",
            vec![id.into(), uuid_array(persons.to_vec()), actor.into()],
        ))
        .await?;
    let n = row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct MembershipEvent {
    pub id: i64,
    pub segment_id: Uuid,
    pub person_id: Uuid,
    pub event: String,
    pub at: DateTime<Utc>,
    pub actor: String,
}

/// One entry of a segment's membership history.
pub async fn history_event(tx: &TenantTx, id: i64) -> Result<Option<MembershipEvent>> {
    Ok(MembershipEvent::find_by_statement(stmt(
        "SELECT id, segment_id, person_id, event, at, actor FROM segment_membership_events \
         WHERE id = $1",
        vec![id.into()],
    ))
    .one(&**tx)
    .await?)
}

/// Who entered or left a segment (optionally one person's history), newest first.
pub async fn history(
    tx: &TenantTx,
    segment: Uuid,
    person: Option<Uuid>,
    req: &PageRequest<i64>,
) -> Result<Page<MembershipEvent>> {
    let k = keyset("id", req, true, 3);
    let mut values = vec![segment.into(), Value::from(person)];
    values.extend(k.values);
    let rows = MembershipEvent::find_by_statement(stmt(
        &format!(
            "SELECT id, segment_id, person_id, event, at, actor FROM segment_membership_events \
             WHERE segment_id = $1 AND ($2::uuid IS NULL OR person_id = $2) AND {} ORDER BY {} LIMIT {}",
            k.condition, k.order, k.fetch
        ),
        values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |e| e.id))
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Snapshot {
    pub id: Uuid,
    pub segment_id: Uuid,
    pub label: Option<String>,
    pub rule: Option<Json>,
    pub member_count: i64,
    pub taken_by: String,
    pub taken_at: DateTime<Utc>,
}

const SNAPSHOT: &str =
    "SELECT id, segment_id, label, rule, member_count, taken_by, taken_at FROM segment_snapshots";

/// Freezes the members of a segment as they are now.
pub async fn snapshot(
    tx: &TenantTx,
    id: Uuid,
    label: Option<&str>,
    actor: &str,
) -> Result<Snapshot> {
    let held = snapshot_header(tx, id, label, actor, None).await?;
    let n = held.values.len();
    let mut values = held.values;
    values.push(held.id.into());
    let inserted = tx
        .execute_raw(stmt(
            &format!(
                "INSERT INTO segment_snapshot_members (snapshot_id, person_id) SELECT ${}, ids.id FROM ({}) ids",
                n + 1,
                held.members
            ),
            values,
        ))
        .await?
        .rows_affected();
    counted(tx, held.id, i64::try_from(inserted).unwrap_or(i64::MAX)).await
}

/// A snapshot whose members a campaign keeps: the recipients of its launch round, written
/// once from [`HeldSnapshot::members`] by the campaign (see the view `snapshot_members`).
pub struct HeldSnapshot {
    pub id: Uuid,
    /// A query of the segment's members now (an `id` column), parameters from `$1`.
    pub members: String,
    pub values: Vec<Value>,
}

/// Freezes a segment as the audience of `campaign`'s round `round`; the campaign writes the
/// members as that round's recipients and then calls [`counted`].
pub async fn snapshot_for_campaign(
    tx: &TenantTx,
    id: Uuid,
    label: Option<&str>,
    actor: &str,
    campaign: Uuid,
    round: NaiveDate,
) -> Result<HeldSnapshot> {
    snapshot_header(tx, id, label, actor, Some((campaign, round))).await
}

async fn snapshot_header(
    tx: &TenantTx,
    id: Uuid,
    label: Option<&str>,
    actor: &str,
    held_by: Option<(Uuid, NaiveDate)>,
) -> Result<HeldSnapshot> {
    let seg = get(tx, id).await?;
    if seg.archived_at.is_some() {
        return Err(Error::Conflict("the segment is archived".into()));
    }
    let label = label.map(str::trim).filter(|s| !s.is_empty());
    if label.is_some_and(|l| l.chars().count() > 200) {
        return Err(Error::field("label", "must be at most 200 characters"));
    }
    let c = Compiler::load(tx, Utc::now()).await?;
    let (members, values) = compile::build(&compile::ids_query(c.segment(&seg)?));
    let snap = Uuid::now_v7();
    tx.execute_raw(stmt(
        "INSERT INTO segment_snapshots (id, segment_id, label, rule, member_count, taken_by, \
             campaign_id, campaign_round) \
         VALUES ($1, $2, $3, $4, 0, $5, $6, $7)",
        vec![
            snap.into(),
            id.into(),
            label.map(str::to_owned).into(),
            seg.rule.clone().into(),
            actor.into(),
            held_by.map(|h| h.0).into(),
            held_by.map(|h| h.1).into(),
        ],
    ))
    .await?;
    Ok(HeldSnapshot {
        id: snap,
        members,
        values,
    })
}

/// Records how many members the snapshot `id` froze.
pub async fn counted(tx: &TenantTx, id: Uuid, members: i64) -> Result<Snapshot> {
    Snapshot::find_by_statement(stmt(
        &format!(
            "UPDATE segment_snapshots SET member_count = $2 WHERE id = $1 RETURNING {}",
            &SNAPSHOT["SELECT ".len()..SNAPSHOT.len() - " FROM segment_snapshots".len()]
        ),
        vec![id.into(), members.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("snapshot"))
}

pub async fn get_snapshot(tx: &TenantTx, id: Uuid) -> Result<Snapshot> {
    Snapshot::find_by_statement(stmt(&format!("{SNAPSHOT} WHERE id = $1"), vec![id.into()]))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("snapshot"))
}

pub async fn snapshots(
    tx: &TenantTx,
    segment: Uuid,
    req: &PageRequest<Uuid>,
) -> Result<Page<Snapshot>> {
    let k = keyset("id", req, true, 2);
    let mut values = vec![segment.into()];
    values.extend(k.values);
    let rows = Snapshot::find_by_statement(stmt(
        &format!(
            "{SNAPSHOT} WHERE segment_id = $1 AND {} ORDER BY {} LIMIT {}",
            k.condition, k.order, k.fetch
        ),
        values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |s| s.id))
}

/// The condition "is in this snapshot", for member pages of a snapshot.
pub fn in_snapshot(snapshot: Uuid) -> Expr {
    Expr::cust_with_values(
        "p.id IN (SELECT sm.person_id FROM snapshot_members sm WHERE sm.snapshot_id = $1)",
        [Value::from(snapshot)],
    )
}

/// Snapshot members as they are now (merged and archived persons drop out of pages, but
/// stay in the frozen set).
pub async fn snapshot_members(
    tx: &TenantTx,
    snapshot: Uuid,
    req: &PageRequest<SortKey>,
) -> Result<Page<Person>> {
    get_snapshot(tx, snapshot).await?;
    members(tx, in_snapshot(snapshot), req).await
}
