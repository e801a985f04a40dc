//! GraphQL types of the segments domain. Rules travel as JSON (the grammar is documented on
//! `Segment.rule` and in `kartei_segments::rule`).

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kartei_core::ctx::Role;
use kartei_segments::{abc, bant, lifecycle, segments, target_groups};

use crate::contacts::types::LifecycleStage;
use crate::contacts::types::Person;
use crate::context::tenant_tx;
use crate::error::{api, parse_uuid};
use crate::identity::types::Actor;
use crate::node::{self, Kind};
use crate::relay::{self, Conn};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SegmentKind {
    /// Members follow a rule, evaluated live.
    Dynamic,
    /// Members are added and removed by hand.
    Static,
}

/// A segment: a rule evaluated live, or a static list.
///
/// A rule is a JSON tree: `{"and": [...]}`, `{"or": [...]}`, `{"not": {...}}` or a condition
/// `{"field": F, "op": O, "value": V, "filter": {...}}`. Fields: person fields (`city`,
/// `postalCode`, `birthday`, `tags`, `lifecycleStage`, `doNotReactivate`, `dnrReason`,
/// `ownerId`, `lastInteractionAt`, `dormantSince`, `exCustomerSince`, ...), `custom.<key>`,
/// `organization.<field>` and `organization.custom.<key>`, `interactions.count|last`,
/// `transactions.count|sum|last|overdue` (filter: kinds, directions or statuses, period),
/// `mayContact` (filter: channel, purpose), `abcClass`, `bant.total|budget|authority|need|timing`
/// and `segment` (`memberOf` another segment). `segmentFields` lists the operators per field.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Segment {
    #[graphql(owned)]
    pub id: ID,
    pub name: String,
    pub description: Option<String>,
    pub kind: SegmentKind,
    pub rule: Option<Json<serde_json::Value>>,
    /// Members at the last refresh (the live figure is `liveCount`).
    pub member_count: Option<i64>,
    pub refreshed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_by: Actor,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<segments::Segment> for Segment {
    fn from(s: segments::Segment) -> Self {
        Segment {
            id: node::id(Kind::Segment, s.id),
            kind: if s.is_static() {
                SegmentKind::Static
            } else {
                SegmentKind::Dynamic
            },
            name: s.name,
            description: s.description,
            rule: s.rule.map(Json),
            member_count: s.member_count,
            refreshed_at: s.refreshed_at,
            archived_at: s.archived_at,
            version: s.version,
            created_by: Actor(s.created_by),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

async fn load<'a>(
    ctx: &'a Context<'_>,
    id: &ID,
) -> async_graphql::Result<(&'a kartei_tenancy::db::TenantTx, segments::Segment)> {
    let id = parse_uuid(id, "id")?;
    let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
    let s = segments::get(tx, id).await.map_err(api)?;
    Ok((tx, s))
}

#[ComplexObject]
impl Segment {
    /// The number of members now: a count over the segment's rule, per segment (each rule is
    /// its own query), so it costs 20 in the complexity limit.
    #[graphql(complexity = 20)]
    async fn live_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let (tx, s) = load(ctx, &self.id).await?;
        let c = segments::Compiler::load(tx, Utc::now())
            .await
            .map_err(api)?;
        let n = segments::count(tx, c.segment(&s).map_err(api)?)
            .await
            .map_err(api)?;
        Ok(n)
    }

    /// The members now, by name.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Person>> {
        let req = relay::request(first, after, last, before)?;
        let (tx, s) = load(ctx, &self.id).await?;
        let c = segments::Compiler::load(tx, Utc::now())
            .await
            .map_err(api)?;
        let cond = c.segment(&s).map_err(api)?;
        let page = segments::members(tx, cond.clone(), &req)
            .await
            .map_err(api)?;
        Ok(relay::connection(
            page,
            Person::from,
            crate::total!(cond; |tx| segments::count(tx, cond)),
        ))
    }

    /// Who entered or left (at refreshes, or by hand for static lists), newest first.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn history(
        &self,
        ctx: &Context<'_>,
        person_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<MembershipEvent>> {
        let req = relay::request(first, after, last, before)?;
        let person = person_id
            .as_ref()
            .map(|p| parse_uuid(p, "personId"))
            .transpose()?;
        let (tx, s) = load(ctx, &self.id).await?;
        let page = segments::history(tx, s.id, person, &req)
            .await
            .map_err(api)?;
        let segment = s.id;
        Ok(relay::connection(
            page,
            MembershipEvent::from,
            crate::total!(; |tx| segments::history_count(tx, segment, person)),
        ))
    }

    /// Frozen member lists (campaign audiences), newest first.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn snapshots(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<SegmentSnapshot>> {
        let req = relay::request(first, after, last, before)?;
        let (tx, s) = load(ctx, &self.id).await?;
        let page = segments::snapshots(tx, s.id, &req).await.map_err(api)?;
        let segment = s.id;
        Ok(relay::connection(
            page,
            SegmentSnapshot::from,
            crate::total!(; |tx| segments::snapshots_count(tx, segment)),
        ))
    }
}

#[derive(InputObject)]
pub struct SegmentInput {
    pub name: String,
    pub description: Option<String>,
    /// The rule of a dynamic segment; leave out for a static list.
    pub rule: Option<Json<serde_json::Value>>,
}

impl From<SegmentInput> for segments::SegmentDraft {
    fn from(i: SegmentInput) -> Self {
        segments::SegmentDraft {
            name: i.name,
            description: i.description,
            rule: i.rule.map(|j| node::bare_ids(j.0)),
        }
    }
}

/// What a rule would select now (see the `#[Object]` block for the SDL's description).
pub struct SegmentPreview {
    /// The compiled rule (checked when the preview was asked for).
    pub(crate) cond: sea_orm::sea_query::Expr,
}

/// A value object (no id): what a rule would select now, its count and its members (paged like
/// every list), without saving a segment.
#[Object]
impl SegmentPreview {
    /// How many persons the rule selects.
    async fn count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        segments::count(tx, self.cond.clone()).await.map_err(api)
    }

    /// The persons the rule selects, by last name.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Person>> {
        let req = relay::request(first, after, last, before)?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = segments::members(tx, self.cond.clone(), &req)
            .await
            .map_err(api)?;
        let cond = self.cond.clone();
        Ok(relay::connection(
            page,
            Person::from,
            crate::total!(cond; |tx| segments::count(tx, cond)),
        ))
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MembershipChange {
    Entered,
    Left,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct MembershipEvent {
    /// The event's number in the tenant's membership history.
    #[graphql(skip)]
    pub seq: i64,
    pub segment_id: ID,
    pub person_id: ID,
    pub event: MembershipChange,
    pub at: DateTime<Utc>,
    pub actor: Actor,
}

#[ComplexObject]
impl MembershipEvent {
    pub async fn id(&self, ctx: &Context<'_>) -> async_graphql::Result<ID> {
        node::tenant_local(ctx, Kind::MembershipEvent, self.seq)
    }
}

impl From<segments::MembershipEvent> for MembershipEvent {
    fn from(e: segments::MembershipEvent) -> Self {
        MembershipEvent {
            seq: e.id,
            segment_id: node::id(Kind::Segment, e.segment_id),
            person_id: node::id(Kind::Person, e.person_id),
            event: if e.event == "left" {
                MembershipChange::Left
            } else {
                MembershipChange::Entered
            },
            at: e.at,
            actor: Actor(e.actor),
        }
    }
}

/// A value object (no id): the result of one segment refresh.
#[derive(SimpleObject)]
pub struct SegmentRefresh {
    pub entered: u64,
    pub left: u64,
    pub members: i64,
}

impl From<segments::Refresh> for SegmentRefresh {
    fn from(r: segments::Refresh) -> Self {
        SegmentRefresh {
            entered: r.entered,
            left: r.left,
            members: r.members,
        }
    }
}

/// The members of a segment frozen at one moment (a campaign's audience).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SegmentSnapshot {
    #[graphql(owned)]
    pub id: ID,
    pub segment_id: ID,
    pub label: Option<String>,
    pub rule: Option<Json<serde_json::Value>>,
    pub member_count: i64,
    pub taken_by: Actor,
    pub taken_at: DateTime<Utc>,
}

impl From<segments::Snapshot> for SegmentSnapshot {
    fn from(s: segments::Snapshot) -> Self {
        SegmentSnapshot {
            id: node::id(Kind::SegmentSnapshot, s.id),
            segment_id: node::id(Kind::Segment, s.segment_id),
            label: s.label,
            rule: s.rule.map(Json),
            member_count: s.member_count,
            taken_by: Actor(s.taken_by),
            taken_at: s.taken_at,
        }
    }
}

#[ComplexObject]
impl SegmentSnapshot {
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Person>> {
        let req = relay::request(first, after, last, before)?;
        let snap = parse_uuid(&self.id, "id")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = segments::snapshot_members(tx, snap, &req)
            .await
            .map_err(api)?;
        Ok(relay::connection(
            page,
            Person::from,
            crate::total!(; |tx| segments::count(tx, segments::in_snapshot(snap))),
        ))
    }
}

/// A field rules can use, with its type and operators.
///
/// A value object (no id): one entry of the static segment-field catalog.
#[derive(SimpleObject)]
pub struct SegmentField {
    pub field: String,
    pub r#type: String,
    pub operators: Vec<String>,
    /// The allowed values of enum and picklist fields.
    pub values: Option<Vec<String>>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AbcBasis {
    Revenue,
    Margin,
}

/// A value object (no id): the tenant's singleton ABC settings (Query.abcSettings).
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "AbcSettingsInput")]
pub struct AbcSettings {
    pub period_months: u32,
    /// Percent of the total the A customers make up (default 80).
    pub a_share: f64,
    /// Percent after A that the B customers make up (default 15).
    pub b_share: f64,
    pub basis: AbcBasis,
    /// `invoice`, `order` or both.
    pub kinds: Vec<String>,
    /// Average days late above which a customer is moved to C (null: off).
    pub max_avg_days_late: Option<u32>,
    /// Customers with an overdue open invoice are moved to C.
    pub downgrade_overdue: bool,
}

impl From<abc::AbcSettings> for AbcSettings {
    fn from(s: abc::AbcSettings) -> Self {
        AbcSettings {
            period_months: s.period_months,
            a_share: s.a_share,
            b_share: s.b_share,
            basis: match s.basis {
                abc::Basis::Revenue => AbcBasis::Revenue,
                abc::Basis::Margin => AbcBasis::Margin,
            },
            kinds: s.kinds,
            max_avg_days_late: s.max_avg_days_late,
            downgrade_overdue: s.downgrade_overdue,
        }
    }
}

impl From<AbcSettings> for abc::AbcSettings {
    fn from(s: AbcSettings) -> Self {
        abc::AbcSettings {
            period_months: s.period_months,
            a_share: s.a_share,
            b_share: s.b_share,
            basis: match s.basis {
                AbcBasis::Revenue => abc::Basis::Revenue,
                AbcBasis::Margin => abc::Basis::Margin,
            },
            kinds: s.kinds,
            max_avg_days_late: s.max_avg_days_late,
            downgrade_overdue: s.downgrade_overdue,
        }
    }
}

/// An ABC class: A the few customers with most of the value, C the many with little.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AbcClass {
    A,
    B,
    C,
}

impl AbcClass {
    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "A" => AbcClass::A,
            "B" => AbcClass::B,
            _ => AbcClass::C,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AbcClass::A => "A",
            AbcClass::B => "B",
            AbcClass::C => "C",
        }
    }
}

/// What a lifecycle run changed.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LifecycleChange {
    BecameDormant,
    WokeUp,
    BecameExCustomer,
    BecameCustomer,
}

/// A value object (no id): one class's figures inside an AbcReport.
#[derive(SimpleObject)]
pub struct AbcClassStats {
    pub class: AbcClass,
    pub customers: i64,
    /// Revenue (or margin) in minor units (cents).
    pub value_minor: i64,
    pub value_share: f64,
    pub customer_share: f64,
    /// Customers in this class because of the payment downgrade.
    pub downgraded: i64,
}

/// A value object (no id): one point of a computed Pareto curve.
#[derive(SimpleObject)]
pub struct ParetoPoint {
    pub customer_share: f64,
    pub value_share: f64,
}

/// A value object (no id): the result of one ABC run, computed.
#[derive(SimpleObject)]
pub struct AbcReport {
    pub run_id: ID,
    pub computed_at: DateTime<Utc>,
    pub settings: AbcSettings,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub customers: i64,
    pub value_minor: i64,
    pub classes: Vec<AbcClassStats>,
    /// The Pareto curve at every 5 % of customers, from (0, 0).
    pub pareto: Vec<ParetoPoint>,
}

impl From<abc::Report> for AbcReport {
    fn from(r: abc::Report) -> Self {
        AbcReport {
            run_id: node::id(Kind::AbcRun, r.run_id),
            computed_at: r.computed_at,
            settings: r.settings.into(),
            period_from: r.period_from,
            period_to: r.period_to,
            customers: r.customers,
            value_minor: r.value_minor,
            classes: r
                .classes
                .into_iter()
                .map(|c| AbcClassStats {
                    class: AbcClass::parse(&c.class),
                    customers: c.customers,
                    value_minor: c.value_minor,
                    value_share: c.value_share,
                    customer_share: c.customer_share,
                    downgraded: c.downgraded,
                })
                .collect(),
            pareto: r
                .pareto
                .into_iter()
                .map(|p| ParetoPoint {
                    customer_share: p.customer_share,
                    value_share: p.value_share,
                })
                .collect(),
        }
    }
}

/// One customer's ABC result with the reasons.
#[derive(SimpleObject)]
pub struct AbcResult {
    /// The result's id: one per customer, for the latest run.
    #[graphql(owned)]
    pub id: ID,
    pub person_id: ID,
    pub class: AbcClass,
    /// The class by value alone, before the payment downgrade.
    pub value_class: AbcClass,
    pub rank: i32,
    pub value_minor: i64,
    pub share: f64,
    pub cumulative_share: f64,
    pub avg_days_late: Option<f64>,
    pub overdue_invoices: i32,
    /// `VALUE_CLASS_A|B|C`, and `OVERDUE_INVOICES` / `LATE_PAYMENT` for a downgrade.
    pub reasons: Vec<String>,
}

impl From<abc::CustomerResult> for AbcResult {
    fn from(r: abc::CustomerResult) -> Self {
        AbcResult {
            id: node::id(Kind::AbcResult, r.person_id),
            person_id: node::id(Kind::Person, r.person_id),
            class: AbcClass::parse(&r.class),
            value_class: AbcClass::parse(&r.value_class),
            rank: r.rank,
            value_minor: r.value_minor,
            share: r.share,
            cumulative_share: r.cumulative_share,
            avg_days_late: r.avg_days_late,
            overdue_invoices: r.overdue_invoices,
            reasons: r.reasons,
        }
    }
}

/// A value object (no id): the tenant's singleton lifecycle settings.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "LifecycleSettingsInput")]
pub struct LifecycleSettings {
    pub enabled: bool,
    pub dormant_after_months: u32,
    pub ex_customer_after_months: u32,
}

impl From<lifecycle::LifecycleSettings> for LifecycleSettings {
    fn from(s: lifecycle::LifecycleSettings) -> Self {
        LifecycleSettings {
            enabled: s.enabled,
            dormant_after_months: s.dormant_after_months,
            ex_customer_after_months: s.ex_customer_after_months,
        }
    }
}

impl From<LifecycleSettings> for lifecycle::LifecycleSettings {
    fn from(s: LifecycleSettings) -> Self {
        lifecycle::LifecycleSettings {
            enabled: s.enabled,
            dormant_after_months: s.dormant_after_months,
            ex_customer_after_months: s.ex_customer_after_months,
        }
    }
}

/// A value object (no id): the result of one lifecycle run.
#[derive(SimpleObject)]
pub struct LifecycleRun {
    pub became_dormant: u64,
    pub woke_up: u64,
    pub became_ex_customer: u64,
    pub became_customer: u64,
}

impl From<lifecycle::Changes> for LifecycleRun {
    fn from(c: lifecycle::Changes) -> Self {
        LifecycleRun {
            became_dormant: c.became_dormant,
            woke_up: c.woke_up,
            became_ex_customer: c.became_ex_customer,
            became_customer: c.became_customer,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct LifecycleEvent {
    #[graphql(skip)]
    pub seq: i64,
    pub change: LifecycleChange,
    pub from_stage: Option<LifecycleStage>,
    pub to_stage: Option<LifecycleStage>,
    /// When the rule was met (e.g. last purchase + N months).
    pub effective: NaiveDate,
    pub at: DateTime<Utc>,
}

crate::tenant_keyed!(LifecycleEvent, LifecycleEvent, |e| e.seq);

impl From<lifecycle::LifecycleEvent> for LifecycleEvent {
    fn from(e: lifecycle::LifecycleEvent) -> Self {
        LifecycleEvent {
            seq: e.id,
            change: match e.change.as_str() {
                "became_dormant" => LifecycleChange::BecameDormant,
                "woke_up" => LifecycleChange::WokeUp,
                "became_ex_customer" => LifecycleChange::BecameExCustomer,
                _ => LifecycleChange::BecameCustomer,
            },
            from_stage: e.from_stage.as_deref().map(LifecycleStage::parse),
            to_stage: e.to_stage.as_deref().map(LifecycleStage::parse),
            effective: e.effective,
            at: e.at,
        }
    }
}

#[derive(InputObject)]
pub struct BantInput {
    pub person_id: ID,
    /// The version of the current score; leave out for the first score.
    pub version: Option<i32>,
    pub budget: i32,
    pub authority: i32,
    pub need: i32,
    pub timing: i32,
    pub note: Option<String>,
}

/// A BANT qualification: each criterion 0..25, total 0..100.
#[derive(SimpleObject)]
pub struct BantScore {
    /// One per person.
    pub id: ID,
    pub person_id: ID,
    pub budget: i16,
    pub authority: i16,
    pub need: i16,
    pub timing: i16,
    pub total: i16,
    pub note: Option<String>,
    pub scored_by: Actor,
    pub scored_at: DateTime<Utc>,
    pub version: i32,
}

impl From<bant::Bant> for BantScore {
    fn from(b: bant::Bant) -> Self {
        BantScore {
            id: node::id(Kind::BantScore, b.person_id),
            person_id: node::id(Kind::Person, b.person_id),
            budget: b.budget,
            authority: b.authority,
            need: b.need,
            timing: b.timing,
            total: b.total,
            note: b.note,
            scored_by: Actor(b.scored_by),
            scored_at: b.scored_at,
            version: b.version,
        }
    }
}

#[derive(InputObject)]
pub struct TargetGroupInput {
    pub name: String,
    pub description: Option<String>,
    pub offer: Option<String>,
    #[graphql(default)]
    pub problems: Vec<String>,
    /// 1..5 each; competition 5 = little competition.
    pub profit: i32,
    pub competition: i32,
    pub access: i32,
    pub passion: i32,
    pub segment_id: Option<ID>,
}

impl TargetGroupInput {
    pub fn into_domain(self) -> async_graphql::Result<target_groups::TargetGroupInput> {
        Ok(target_groups::TargetGroupInput {
            segment_id: self
                .segment_id
                .as_ref()
                .map(|s| parse_uuid(s, "segmentId"))
                .transpose()?,
            name: self.name,
            description: self.description,
            offer: self.offer,
            problems: self.problems,
            profit: self.profit,
            competition: self.competition,
            access: self.access,
            passion: self.passion,
        })
    }
}

#[derive(SimpleObject)]
pub struct TargetGroup {
    #[graphql(owned)]
    pub id: ID,
    pub name: String,
    pub description: Option<String>,
    pub offer: Option<String>,
    pub problems: Vec<String>,
    pub profit: i16,
    pub competition: i16,
    pub access: i16,
    pub passion: i16,
    /// profit + competition + access + passion (4..20).
    pub total: i16,
    /// 1 = most attractive; ties share a rank.
    pub rank: i64,
    pub segment_id: Option<ID>,
    pub version: i32,
    pub created_by: Actor,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<target_groups::TargetGroup> for TargetGroup {
    fn from(g: target_groups::TargetGroup) -> Self {
        TargetGroup {
            id: node::id(Kind::TargetGroup, g.id),
            name: g.name,
            description: g.description,
            offer: g.offer,
            problems: g.problems,
            profit: g.profit,
            competition: g.competition,
            access: g.access,
            passion: g.passion,
            total: g.total,
            rank: g.rank,
            segment_id: g.segment_id.map(|u| node::id(Kind::Segment, u)),
            version: g.version,
            created_by: Actor(g.created_by),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}
