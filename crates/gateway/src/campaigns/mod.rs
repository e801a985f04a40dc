//! Campaigns in GraphQL: templates and snippets, campaigns with their steps and state,
//! previews, the report, manual-step tasks, letter exports and delivery events.

pub mod public;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kartei_campaigns::campaigns::{
    self as camp, CampaignDraft, GoalKind, Kind, Occasion, Status, StepDraft,
};
use kartei_campaigns::settings::{AddressForm, CampaignSettings};
use kartei_campaigns::templates::{self, TemplateChannel, TemplateDraft};
use kartei_campaigns::{letters, reach, report, tasks, tracking};
use kartei_core::ctx::Role;
use serde_json::json;

use crate::context::tenant_tx;
use crate::error::{ApiError, api, parse_uuid};
use crate::node::{self, Kind as NodeKind};
use crate::relay::{self, Conn};

/// A step's (and its template's) channel.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "kartei_campaigns::templates::TemplateChannel")]
pub enum CampaignChannel {
    Email,
    Letter,
    Phone,
    Social,
}

/// A stored channel as the enum (the database allows only these values).
pub(crate) fn channel(s: &str) -> CampaignChannel {
    TemplateChannel::parse(s).map_or(CampaignChannel::Email, Into::into)
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "kartei_campaigns::campaigns::Kind")]
pub enum CampaignKind {
    Newsletter,
    Winback,
    Occasion,
    Custom,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "kartei_campaigns::campaigns::Status")]
pub enum CampaignStatus {
    Draft,
    Scheduled,
    Running,
    Paused,
    Completed,
    Cancelled,
}

/// What counts as a campaign's success.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "kartei_campaigns::campaigns::GoalKind")]
pub enum GoalKindInput {
    Purchase,
    Reply,
    Meeting,
    Referral,
    Click,
    /// A customer who had bought before buys again within the attribution window.
    RepeatPurchase,
    /// A contact spends more within the attribution window after the send than in the same
    /// number of days before it.
    SpendIncrease,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AddressFormInput {
    /// Formal: "Sehr geehrte Frau Müller".
    Sie,
    /// Informal: "Liebe Anna".
    Du,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DeliveryEventKind {
    HardBounce,
    SoftBounce,
    Complaint,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OccasionKind {
    Birthday,
    PurchaseAnniversary,
    DateField,
    Holiday,
    NoContact,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Snippet {
    pub key: String,
    pub body: String,
    pub version: i32,
    pub updated_by: Actor,
    pub updated_at: DateTime<Utc>,
}

crate::tenant_keyed!(Snippet, Snippet, |s| s.key.clone());

impl From<templates::Snippet> for Snippet {
    fn from(s: templates::Snippet) -> Self {
        Snippet {
            key: s.key,
            body: s.body,
            version: s.version,
            updated_by: Actor(s.updated_by),
            updated_at: s.updated_at,
        }
    }
}

#[derive(SimpleObject)]
pub struct Template {
    #[graphql(owned)]
    pub id: ID,
    pub name: String,
    pub channel: CampaignChannel,
    pub subject: Option<String>,
    pub html: Option<String>,
    pub body: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<templates::Template> for Template {
    fn from(t: templates::Template) -> Self {
        Template {
            id: node::id(NodeKind::Template, t.id),
            name: t.name,
            channel: channel(&t.channel),
            subject: t.subject,
            html: t.html,
            body: t.body,
            version: t.version,
            updated_at: t.updated_at,
        }
    }
}

#[derive(InputObject)]
pub struct TemplateInput {
    pub name: String,
    pub channel: CampaignChannel,
    /// Email only.
    pub subject: Option<String>,
    /// Email only: the HTML body (values are HTML-escaped).
    pub html: Option<String>,
    /// The text body (email text part, letter text, call or social script).
    pub body: String,
}

impl From<TemplateInput> for TemplateDraft {
    fn from(t: TemplateInput) -> Self {
        TemplateDraft {
            name: t.name,
            channel: t.channel.into(),
            subject: t.subject,
            html: t.html,
            body: t.body,
        }
    }
}

/// A value object (no id): a rendered preview.
#[derive(SimpleObject)]
pub struct TemplatePreview {
    /// Set when the contact lacks a value the template prints: they would be skipped.
    pub missing_value: Option<String>,
    pub subject: Option<String>,
    pub html: Option<String>,
    pub text: Option<String>,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CampaignStep {
    pub id: ID,
    pub position: i32,
    pub channel: CampaignChannel,
    pub delay_days: i32,
    pub template_id: ID,
    pub variant_template_id: Option<ID>,
    pub variant_percent: i32,
    pub assignee: Option<String>,
    pub due_days: i32,
}

#[async_graphql::ComplexObject]
impl CampaignStep {
    /// The step's template.
    async fn template(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Template>> {
        crate::context::tenant(ctx, Role::Viewer)?;
        let id = parse_uuid(&self.template_id, "templateId")?;
        let t = crate::loaders::one(ctx, crate::loaders::TemplateKey(id)).await?;
        Ok(t.map(|t| Template::from(std::sync::Arc::unwrap_or_clone(t))))
    }

    /// The B variant's template, for an A/B split.
    async fn variant_template(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Template>> {
        crate::context::tenant(ctx, Role::Viewer)?;
        let Some(v) = &self.variant_template_id else {
            return Ok(None);
        };
        let id = parse_uuid(v, "variantTemplateId")?;
        let t = crate::loaders::one(ctx, crate::loaders::TemplateKey(id)).await?;
        Ok(t.map(|t| Template::from(std::sync::Arc::unwrap_or_clone(t))))
    }
}

impl From<camp::Step> for CampaignStep {
    fn from(s: camp::Step) -> Self {
        CampaignStep {
            id: node::id(NodeKind::CampaignStep, s.id),
            position: s.position,
            channel: channel(&s.channel),
            delay_days: s.delay_days,
            template_id: node::id(NodeKind::Template, s.template_id),
            variant_template_id: s
                .variant_template_id
                .map(|v| node::id(NodeKind::Template, v)),
            variant_percent: s.variant_percent,
            assignee: s.assignee,
            due_days: s.due_days,
        }
    }
}

pub struct Campaign(pub(crate) camp::Campaign);

#[Object]
impl Campaign {
    pub async fn id(&self) -> ID {
        node::id(NodeKind::Campaign, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> CampaignKind {
        Kind::parse(&self.0.kind).map_or(CampaignKind::Custom, Into::into)
    }
    async fn status(&self) -> CampaignStatus {
        Status::parse(&self.0.status).map_or(CampaignStatus::Draft, Into::into)
    }
    /// The consent purpose every message is sent for.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    async fn goal_kind(&self) -> GoalKindInput {
        GoalKind::parse(&self.0.goal_kind).map_or(GoalKindInput::Purchase, Into::into)
    }
    async fn goal_target(&self) -> i32 {
        self.0.goal_target
    }
    async fn goal_deadline(&self) -> Option<NaiveDate> {
        self.0.goal_deadline
    }
    async fn attribution_days(&self) -> i32 {
        self.0.attribution_days
    }
    async fn segment_id(&self) -> Option<ID> {
        self.0.segment_id.map(|s| node::id(NodeKind::Segment, s))
    }
    async fn exclude_do_not_reactivate(&self) -> bool {
        self.0.exclude_dnr
    }
    async fn exclude_contacted_days(&self) -> Option<i32> {
        self.0.exclude_contacted_days
    }
    async fn exclude_segment_ids(&self) -> Vec<ID> {
        self.0
            .exclude_segments
            .iter()
            .map(|s| node::id(NodeKind::Segment, *s))
            .collect()
    }
    async fn occasion(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.0.occasion.clone().map(async_graphql::Json)
    }
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.scheduled_at
    }
    async fn launched_at(&self) -> Option<DateTime<Utc>> {
        self.0.launched_at
    }
    /// The segment snapshot frozen at launch.
    async fn snapshot_id(&self) -> Option<ID> {
        self.0
            .snapshot_id
            .map(|s| node::id(NodeKind::SegmentSnapshot, s))
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CampaignStep>> {
        crate::context::tenant(ctx, Role::Viewer)?;
        let steps = crate::loaders::one(ctx, crate::loaders::StepsOf(self.0.id)).await?;
        Ok(steps
            .map(|s| s.iter().cloned().map(Into::into).collect())
            .unwrap_or_default())
    }
}

#[derive(InputObject)]
pub struct OccasionInput {
    pub kind: OccasionKind,
    /// DATE_FIELD: the custom field holding a date (YYYY-MM-DD).
    pub field: Option<String>,
    /// HOLIDAY: its name and day.
    pub name: Option<String>,
    pub month: Option<u32>,
    pub day: Option<u32>,
    /// NO_CONTACT: days without interaction (never contacted: since the record was created).
    pub days: Option<u32>,
    /// BIRTHDAY: prepare this many days before the day (default 7: time for a card).
    pub days_ahead: Option<u32>,
    /// BIRTHDAY: allow email steps (automatic birthday emails are off by default; the
    /// greeting is personal: a call, a card or a letter).
    #[graphql(default)]
    pub allow_email: bool,
}

impl OccasionInput {
    fn into_occasion(self) -> Result<Occasion, ApiError> {
        let need = |f: &str| ApiError::field(&format!("occasion.{f}"), "is required for this kind");
        Ok(match self.kind {
            OccasionKind::Birthday => Occasion::Birthday {
                days_ahead: self.days_ahead.unwrap_or(Occasion::DEFAULT_DAYS_AHEAD),
                allow_email: self.allow_email,
            },
            OccasionKind::PurchaseAnniversary => Occasion::PurchaseAnniversary,
            OccasionKind::DateField => Occasion::DateField {
                field: self.field.ok_or_else(|| need("field"))?,
            },
            OccasionKind::Holiday => Occasion::Holiday {
                name: self.name.ok_or_else(|| need("name"))?,
                month: self.month.ok_or_else(|| need("month"))?,
                day: self.day.ok_or_else(|| need("day"))?,
            },
            OccasionKind::NoContact => Occasion::NoContact {
                days: self.days.ok_or_else(|| need("days"))?,
            },
        })
    }
}

#[derive(InputObject)]
pub struct CampaignStepInput {
    pub channel: CampaignChannel,
    #[graphql(default)]
    pub delay_days: i32,
    pub template_id: ID,
    /// A/B test: the variant template and the share (1-100 %) that gets it.
    pub variant_template_id: Option<ID>,
    #[graphql(default)]
    pub variant_percent: i32,
    /// Phone and social steps: who does them.
    pub assignee: Option<String>,
    #[graphql(default = 2)]
    pub due_days: i32,
}

#[derive(InputObject)]
pub struct CampaignInput {
    pub name: String,
    pub kind: CampaignKind,
    /// The consent purpose (e.g. "newsletter", "offers").
    pub purpose: String,
    pub goal_kind: GoalKindInput,
    pub goal_target: i32,
    pub goal_deadline: Option<NaiveDate>,
    #[graphql(default = 30)]
    pub attribution_days: i32,
    pub segment_id: Option<ID>,
    #[graphql(default = true)]
    pub exclude_do_not_reactivate: bool,
    pub exclude_contacted_days: Option<i32>,
    #[graphql(default)]
    pub exclude_segment_ids: Vec<ID>,
    pub occasion: Option<OccasionInput>,
    pub steps: Vec<CampaignStepInput>,
}

impl CampaignInput {
    fn draft(self) -> async_graphql::Result<CampaignDraft> {
        let mut steps = Vec::new();
        for (i, s) in self.steps.into_iter().enumerate() {
            steps.push(StepDraft {
                channel: s.channel.into(),
                delay_days: s.delay_days,
                template_id: parse_uuid(&s.template_id, &format!("steps.{i}.templateId"))?,
                variant_template_id: s
                    .variant_template_id
                    .as_ref()
                    .map(|v| parse_uuid(v, &format!("steps.{i}.variantTemplateId")))
                    .transpose()?,
                variant_percent: s.variant_percent,
                assignee: s.assignee,
                due_days: s.due_days,
            });
        }
        Ok(CampaignDraft {
            name: self.name,
            kind: match self.kind {
                CampaignKind::Newsletter => Kind::Newsletter,
                CampaignKind::Winback => Kind::Winback,
                CampaignKind::Occasion => Kind::Occasion,
                CampaignKind::Custom => Kind::Custom,
            },
            purpose: self.purpose,
            goal_kind: match self.goal_kind {
                GoalKindInput::Purchase => GoalKind::Purchase,
                GoalKindInput::Reply => GoalKind::Reply,
                GoalKindInput::Meeting => GoalKind::Meeting,
                GoalKindInput::Referral => GoalKind::Referral,
                GoalKindInput::Click => GoalKind::Click,
                GoalKindInput::RepeatPurchase => GoalKind::RepeatPurchase,
                GoalKindInput::SpendIncrease => GoalKind::SpendIncrease,
            },
            goal_target: self.goal_target,
            goal_deadline: self.goal_deadline,
            attribution_days: self.attribution_days,
            segment_id: self
                .segment_id
                .as_ref()
                .map(|s| parse_uuid(s, "segmentId"))
                .transpose()?,
            exclude_dnr: self.exclude_do_not_reactivate,
            exclude_contacted_days: self.exclude_contacted_days,
            exclude_segments: self
                .exclude_segment_ids
                .iter()
                .map(|s| parse_uuid(s, "excludeSegmentIds"))
                .collect::<Result<_, _>>()?,
            occasion: self
                .occasion
                .map(OccasionInput::into_occasion)
                .transpose()
                .map_err(api)?,
            steps,
        })
    }
}

/// A value object (no id): one row of a computed campaign report.
#[derive(SimpleObject)]
#[graphql(name = "CampaignReasonCount")]
pub struct ReasonCount {
    pub reason: String,
    pub count: i64,
}

impl From<report::ReasonCount> for ReasonCount {
    fn from(r: report::ReasonCount) -> Self {
        ReasonCount {
            reason: r.reason,
            count: r.count,
        }
    }
}

fn reason_counts(v: Vec<report::ReasonCount>) -> Vec<ReasonCount> {
    v.into_iter().map(Into::into).collect()
}

/// A value object (no id): one step's row of a computed report.
#[derive(SimpleObject)]
pub struct CampaignStepReport {
    pub position: i32,
    pub channel: CampaignChannel,
    pub variant: String,
    pub sent: i64,
    pub tasks: i64,
    pub skipped: i64,
    pub failed: i64,
    pub delivered: i64,
    /// Emails sent with open and click tracking: tracking is off unless the tenant turns it
    /// on, and then only for recipients with a tracking consent (§25 TDDDG). Open and click
    /// rates are rates of this number, not of `sent`.
    pub measurable: i64,
    pub opened: i64,
    pub clicked: i64,
    pub bounced: i64,
    pub complained: i64,
    pub replied: i64,
    pub converted: i64,
    pub unsubscribed: i64,
}

/// One step's reach: the policy of its channel applied to the audience at once.
///
/// A value object (no id): one step's row of a computed reach.
#[derive(SimpleObject)]
pub struct CampaignStepReach {
    pub position: i32,
    pub channel: CampaignChannel,
    /// Recipients not excluded at launch.
    pub eligible: i64,
    /// Of those, how many the channel policy allows now.
    pub allowed: i64,
    /// Every decision by its reason (the allowing ones by their legal reason).
    pub reasons: Vec<ReasonCount>,
}

/// Who a launched campaign can reach now (before the frequency cap, which depends on what
/// is sent until then).
///
/// A value object (no id): computed: who a campaign would reach now.
#[derive(SimpleObject)]
pub struct CampaignReach {
    pub round: Option<NaiveDate>,
    pub audience: i64,
    pub excluded: i64,
    pub steps: Vec<CampaignStepReach>,
}

impl From<reach::Reach> for CampaignReach {
    fn from(r: reach::Reach) -> Self {
        CampaignReach {
            round: r.round,
            audience: r.audience,
            excluded: r.excluded,
            steps: r
                .steps
                .into_iter()
                .map(|s| CampaignStepReach {
                    position: s.position,
                    channel: channel(&s.channel),
                    eligible: s.eligible,
                    allowed: s.allowed,
                    reasons: reason_counts(s.reasons),
                })
                .collect(),
        }
    }
}

/// A value object (no id): a campaign's figures, computed.
#[derive(SimpleObject)]
pub struct CampaignReport {
    pub audience: i64,
    pub excluded: Vec<ReasonCount>,
    pub skipped: Vec<ReasonCount>,
    pub steps: Vec<CampaignStepReport>,
    pub goal_kind: GoalKindInput,
    pub goal_target: i32,
    pub goal_deadline: Option<NaiveDate>,
    pub converted: i64,
    pub revenue_minor: i64,
    pub attainment_percent: f64,
    pub goal_reached: bool,
    pub deadline_passed: bool,
}

impl From<report::Report> for CampaignReport {
    fn from(r: report::Report) -> Self {
        CampaignReport {
            audience: r.audience,
            excluded: reason_counts(r.excluded),
            skipped: reason_counts(r.skipped),
            steps: r
                .steps
                .into_iter()
                .map(|s| CampaignStepReport {
                    position: s.position,
                    channel: channel(&s.channel),
                    variant: s.variant,
                    sent: s.sent,
                    tasks: s.tasks,
                    skipped: s.skipped,
                    failed: s.failed,
                    delivered: s.delivered,
                    measurable: s.measurable,
                    opened: s.opened,
                    clicked: s.clicked,
                    bounced: s.bounced,
                    complained: s.complained,
                    replied: s.replied,
                    converted: s.converted,
                    unsubscribed: s.unsubscribed,
                })
                .collect(),
            goal_kind: GoalKind::parse(&r.goal_kind).map_or(GoalKindInput::Purchase, Into::into),
            goal_target: r.goal_target,
            goal_deadline: r.goal_deadline,
            converted: r.converted,
            revenue_minor: r.revenue_minor,
            attainment_percent: r.attainment_percent,
            goal_reached: r.goal_reached,
            deadline_passed: r.deadline_passed,
        }
    }
}

#[derive(SimpleObject)]
pub struct CampaignTask {
    pub id: ID,
    pub campaign_id: ID,
    pub campaign_name: String,
    pub person_id: ID,
    pub channel: CampaignChannel,
    /// The rendered call or message script.
    pub script: Option<String>,
    pub assignee: String,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub note: Option<String>,
}

impl From<tasks::Task> for CampaignTask {
    fn from(t: tasks::Task) -> Self {
        CampaignTask {
            id: node::id(NodeKind::CampaignTask, t.id),
            campaign_id: node::id(NodeKind::Campaign, t.campaign_id),
            campaign_name: t.campaign_name,
            person_id: node::id(NodeKind::Person, t.person_id),
            channel: channel(&t.channel),
            script: t.script,
            assignee: t.assignee,
            due_on: t.due_on,
            done_at: t.done_at,
            outcome: t.outcome,
            note: t.note,
        }
    }
}

/// A value object (no id): a generated export.
#[derive(SimpleObject)]
pub struct LetterExport {
    pub letters: i32,
    /// Addresses and letter texts, for mail merge, as German Excel and Word open it: a
    /// byte-order mark first, `;` between fields, CRLF line ends. Save it byte for byte.
    pub csv: String,
    /// One printable document, a page per letter.
    pub html: String,
}

/// A value object (no id): the tenant's singleton campaign settings.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "CampaignSettingsInput")]
pub struct CampaignSettingsObject {
    pub address_form: AddressFormInput,
    /// At most this many marketing touches per contact ...
    pub cap_touches: u32,
    /// ... within this many days, across all campaigns.
    pub cap_days: u32,
    /// Emails per second for the tenant.
    pub throttle_per_second: u32,
    /// Open and click tracking (§25 TDDDG). Off by default; when on, applied only to
    /// recipients with a consent for the purpose `tracking` on record (collect it with a
    /// subscribe form for that purpose). Reports count them as `measurable`.
    #[graphql(default)]
    pub tracking: bool,
}

impl From<CampaignSettings> for CampaignSettingsObject {
    fn from(s: CampaignSettings) -> Self {
        CampaignSettingsObject {
            address_form: match s.address_form {
                AddressForm::Sie => AddressFormInput::Sie,
                AddressForm::Du => AddressFormInput::Du,
            },
            cap_touches: s.cap_touches,
            cap_days: s.cap_days,
            throttle_per_second: s.throttle_per_second,
            tracking: s.tracking,
        }
    }
}

/// A value object (no id): the result of one status change (the campaign inside has its id).
#[derive(SimpleObject)]
pub struct CampaignTransition {
    pub campaign: Campaign,
    /// At launch: contacts frozen into the audience, and how many of them are excluded.
    pub audience: Option<i64>,
    pub excluded: Option<i64>,
}

/// A value object (no id): the result of recording one delivery event.
#[derive(SimpleObject)]
pub struct DeliveryEventResult {
    pub person_id: ID,
    pub suppressed: bool,
}

use crate::context::audit as record;
use crate::identity::types::Actor;

#[derive(Default)]
pub struct CampaignsQuery;

#[Object]
impl CampaignsQuery {
    async fn campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Campaign>> {
        let id = parse_uuid(&id, "id")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let c = camp::get(tx, id).await.map_err(api)?;
        Ok(Some(Campaign(c)))
    }

    /// Campaigns, newest first.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Campaign>> {
        let req = relay::request(first, after, last, before)?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = camp::list(tx, &req).await.map_err(api)?;
        Ok(relay::connection(
            page,
            Campaign,
            crate::total!(; |tx| camp::count(tx)),
        ))
    }

    /// The funnel per step and variant, exclusions and skips with reasons, and the goal.
    async fn campaign_report(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<CampaignReport> {
        let id = parse_uuid(&id, "id")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let r = report::report(tx, id).await.map_err(api)?;
        Ok(r.into())
    }

    /// Who a launched campaign can reach now: its audience (latest round unless `round`),
    /// the launch exclusions, and per step the channel policy applied to everyone.
    async fn campaign_reach(
        &self,
        ctx: &Context<'_>,
        id: ID,
        round: Option<NaiveDate>,
    ) -> async_graphql::Result<CampaignReach> {
        let id = parse_uuid(&id, "id")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let r = reach::reach(tx, id, round, chrono::Utc::now())
            .await
            .map_err(api)?;
        Ok(r.into())
    }

    async fn templates(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Template>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let t = templates::templates(tx).await.map_err(api)?;
        Ok(t.into_iter().map(Into::into).collect())
    }

    async fn snippets(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Snippet>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let s = templates::snippets(tx).await.map_err(api)?;
        Ok(s.into_iter().map(Into::into).collect())
    }

    /// A template rendered for one contact, as it would be sent.
    async fn preview_template(
        &self,
        ctx: &Context<'_>,
        template_id: ID,
        person_id: ID,
    ) -> async_graphql::Result<TemplatePreview> {
        let t = parse_uuid(&template_id, "templateId")?;
        let p = parse_uuid(&person_id, "personId")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        crate::context::services(ctx)?
            .auth
            .spend_preview(crate::context::principal(ctx)?)
            .await
            .map_err(|e| crate::error::ApiError::from(e).to_gql())?;
        let r = templates::preview(tx, t, p).await.map_err(api)?;
        Ok(match r {
            Ok(r) => TemplatePreview {
                missing_value: None,
                subject: r.subject,
                html: r.html,
                text: Some(r.text),
            },
            Err(m) => TemplatePreview {
                missing_value: Some(m.0),
                subject: None,
                html: None,
                text: None,
            },
        })
    }

    /// Tasks of phone and social steps, by due date.
    async fn campaign_tasks(
        &self,
        ctx: &Context<'_>,
        assignee: Option<String>,
        #[graphql(default = true)] open_only: bool,
        #[graphql(default = 100)] first: u32,
    ) -> async_graphql::Result<Vec<CampaignTask>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let t = tasks::list(tx, assignee.as_deref(), open_only, u64::from(first))
            .await
            .map_err(api)?;
        Ok(t.into_iter().map(Into::into).collect())
    }

    /// The mail-merge export of a letter step.
    async fn letter_export(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
        step_id: ID,
    ) -> async_graphql::Result<LetterExport> {
        let c = parse_uuid(&campaign_id, "campaignId")?;
        let s = parse_uuid(&step_id, "stepId")?;
        let (_, tx) = tenant_tx(ctx, Role::Member).await?;
        let e = letters::export(tx, c, s).await.map_err(api)?;
        Ok(LetterExport {
            letters: i32::try_from(e.letters).unwrap_or(i32::MAX),
            csv: e.csv,
            html: e.html,
        })
    }

    async fn campaign_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CampaignSettingsObject> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let s = CampaignSettings::load(tx).await.map_err(api)?;
        Ok(s.into())
    }
}

/// The input of `putSnippet`.
#[derive(async_graphql::InputObject)]
pub struct PutSnippetInput {
    pub key: String,
    pub body: String,
}

crate::payload! { PutSnippetPayload "The result of `putSnippet`." { snippet: Snippet } }

/// The input of `deleteSnippet`.
#[derive(async_graphql::InputObject)]
pub struct DeleteSnippetInput {
    pub key: String,
}

crate::payload! { DeleteSnippetPayload "The result of `deleteSnippet`." { deleted: bool } }

crate::payload! { CreateTemplatePayload "The result of `createTemplate`." { template: Template } }

/// The input of `updateTemplate`.
#[derive(async_graphql::InputObject)]
pub struct UpdateTemplateInput {
    pub id: ID,
    pub version: i32,
    pub patch: TemplateInput,
}

crate::payload! { UpdateTemplatePayload "The result of `updateTemplate`." { template: Template } }

crate::payload! { CreateCampaignPayload "The result of `createCampaign`." { campaign: Campaign } }

/// The input of `updateCampaign`.
#[derive(async_graphql::InputObject)]
pub struct UpdateCampaignInput {
    pub id: ID,
    pub version: i32,
    pub patch: CampaignInput,
}

crate::payload! { UpdateCampaignPayload "The result of `updateCampaign`." { campaign: Campaign } }

/// The input of `transitionCampaign`.
#[derive(async_graphql::InputObject)]
pub struct TransitionCampaignInput {
    pub id: ID,
    pub version: i32,
    pub to: CampaignStatus,
    pub scheduled_at: Option<DateTime<Utc>>,
}

crate::payload! { TransitionCampaignPayload "The result of `transitionCampaign`." { transition: CampaignTransition } }

/// The input of `completeCampaignTask`.
#[derive(async_graphql::InputObject)]
pub struct CompleteCampaignTaskInput {
    pub id: ID,
    pub outcome: String,
    pub note: Option<String>,
}

crate::payload! { CompleteCampaignTaskPayload "The result of `completeCampaignTask`." { task: CampaignTask } }

/// The input of `recordDeliveryEvent`.
#[derive(async_graphql::InputObject)]
pub struct RecordDeliveryEventInput {
    pub message_id: String,
    pub kind: DeliveryEventKind,
}

crate::payload! { RecordDeliveryEventPayload "The result of `recordDeliveryEvent`." { result: DeliveryEventResult } }

crate::payload! { UpdateCampaignSettingsPayload "The result of `updateCampaignSettings`." { settings: CampaignSettingsObject } }

#[derive(Default)]
pub struct CampaignsMutation;

#[Object]
impl CampaignsMutation {
    /// Creates or replaces a snippet, used in templates as `{{ snippets.<key> }}`.
    async fn put_snippet(
        &self,
        ctx: &Context<'_>,
        input: PutSnippetInput,
    ) -> async_graphql::Result<PutSnippetPayload> {
        let PutSnippetInput { key, body } = input;
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let s = templates::put_snippet(tx, &key, &body, &actor)
                .await
                .map_err(api)?;
            record(
                tx,
                &actor,
                "snippet.put",
                Some(s.key.clone()),
                json!({"version": s.version}),
            )
            .await?;
            Ok(s.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| PutSnippetPayload {
                snippet: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn delete_snippet(
        &self,
        ctx: &Context<'_>,
        input: DeleteSnippetInput,
    ) -> async_graphql::Result<DeleteSnippetPayload> {
        let DeleteSnippetInput { key } = input;
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let gone = templates::delete_snippet(tx, &key).await.map_err(api)?;
            record(tx, &actor, "snippet.deleted", Some(key), json!({})).await?;
            Ok(gone)
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| DeleteSnippetPayload {
                deleted: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn create_template(
        &self,
        ctx: &Context<'_>,
        input: TemplateInput,
    ) -> async_graphql::Result<CreateTemplatePayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let tpl = templates::create_template(tx, &input.into())
                .await
                .map_err(api)?;
            record(
                tx,
                &actor,
                "template.created",
                Some(tpl.id.to_string()),
                json!({"name": tpl.name}),
            )
            .await?;
            Ok(tpl.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CreateTemplatePayload {
                template: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn update_template(
        &self,
        ctx: &Context<'_>,
        input: UpdateTemplateInput,
    ) -> async_graphql::Result<UpdateTemplatePayload> {
        let UpdateTemplateInput {
            id,
            version,
            patch: input,
        } = input;
        let r = async {
            let id = parse_uuid(&id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let tpl = templates::update_template(tx, id, version, &input.into())
                .await
                .map_err(api)?;
            record(
                tx,
                &actor,
                "template.updated",
                Some(tpl.id.to_string()),
                json!({"version": tpl.version}),
            )
            .await?;
            Ok(tpl.into())
        };
        crate::payload::settle(ctx, async {
            r.await
                .map_err(crate::payload::nest_except("patch", &["id", "version"]))
                .map(|v| UpdateTemplatePayload {
                    template: Some(v),
                    ..Default::default()
                })
        })
        .await
    }

    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        input: CampaignInput,
    ) -> async_graphql::Result<CreateCampaignPayload> {
        let r = async {
            let draft = input.draft()?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let c = camp::create(tx, &draft, &actor).await.map_err(api)?;
            record(
                tx,
                &actor,
                "campaign.created",
                Some(c.id.to_string()),
                json!({"name": c.name, "kind": c.kind}),
            )
            .await?;
            Ok(Campaign(c))
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CreateCampaignPayload {
                campaign: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Replaces a draft's settings and steps.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        input: UpdateCampaignInput,
    ) -> async_graphql::Result<UpdateCampaignPayload> {
        let UpdateCampaignInput {
            id,
            version,
            patch: input,
        } = input;
        let r = async {
            let id = parse_uuid(&id, "id")?;
            let draft = input.draft()?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let c = camp::update(tx, id, version, &draft).await.map_err(api)?;
            record(
                tx,
                &actor,
                "campaign.updated",
                Some(c.id.to_string()),
                json!({"version": c.version}),
            )
            .await?;
            Ok(Campaign(c))
        };
        crate::payload::settle(ctx, async {
            r.await
                .map_err(crate::payload::nest_except("patch", &["id", "version"]))
                .map(|v| UpdateCampaignPayload {
                    campaign: Some(v),
                    ..Default::default()
                })
        })
        .await
    }

    /// Moves a campaign to another state: draft → scheduled (with `scheduledAt`) or running
    /// (launch: the audience is frozen), running ⇄ paused, → completed or cancelled. Other
    /// moves get CONFLICT and change nothing.
    async fn transition_campaign(
        &self,
        ctx: &Context<'_>,
        input: TransitionCampaignInput,
    ) -> async_graphql::Result<TransitionCampaignPayload> {
        let TransitionCampaignInput {
            id,
            version,
            to,
            scheduled_at,
        } = input;
        let r = async {
            let id = parse_uuid(&id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let (c, effect) =
                camp::transition(tx, id, version, to.into(), scheduled_at, Utc::now(), &actor)
                    .await
                    .map_err(api)?;
            record(
                tx,
                &actor,
                "campaign.transitioned",
                Some(c.id.to_string()),
                json!({"to": c.status, "audience": effect.audience.map(|a| a.0), "excluded": effect.audience.map(|a| a.1)}),
            )
            .await?;
            Ok(CampaignTransition {
                campaign: Campaign(c),
                audience: effect.audience.map(|a| a.0),
                excluded: effect.audience.map(|a| a.1),
            })
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| TransitionCampaignPayload {
                transition: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn complete_campaign_task(
        &self,
        ctx: &Context<'_>,
        input: CompleteCampaignTaskInput,
    ) -> async_graphql::Result<CompleteCampaignTaskPayload> {
        let CompleteCampaignTaskInput { id, outcome, note } = input;
        let r = async {
            let id = parse_uuid(&id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let task = tasks::complete(tx, id, &outcome, note.as_deref(), &actor)
                .await
                .map_err(api)?;
            record(
                tx,
                &actor,
                "campaign_task.completed",
                Some(task.id.to_string()),
                json!({"outcome": outcome}),
            )
            .await?;
            Ok(task.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CompleteCampaignTaskPayload {
                task: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Intake for bounces and complaints (from the mail provider's webhook, with an API key):
    /// marks the send; hard bounces and complaints suppress the address.
    async fn record_delivery_event(
        &self,
        ctx: &Context<'_>,
        input: RecordDeliveryEventInput,
    ) -> async_graphql::Result<RecordDeliveryEventPayload> {
        let RecordDeliveryEventInput { message_id, kind } = input;
        let r = async {
            if message_id.len() > 500 {
                return Err(api(ApiError::field("messageId", "is too long")));
            }
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let what = match kind {
                DeliveryEventKind::HardBounce => tracking::Delivery::HardBounce,
                DeliveryEventKind::SoftBounce => tracking::Delivery::SoftBounce,
                DeliveryEventKind::Complaint => tracking::Delivery::Complaint,
            };
            let out = tracking::record_delivery(tx, &message_id, what, &actor)
                .await
                .map_err(api)?;
            record(
                tx,
                &actor,
                "campaign.delivery_event",
                Some(out.send_id.to_string()),
                json!({"kind": format!("{kind:?}"), "suppressed": out.suppressed}),
            )
            .await?;
            Ok(DeliveryEventResult {
                person_id: node::id(NodeKind::Person, out.person_id),
                suppressed: out.suppressed,
            })
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RecordDeliveryEventPayload {
                result: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    async fn update_campaign_settings(
        &self,
        ctx: &Context<'_>,
        input: CampaignSettingsObject,
    ) -> async_graphql::Result<UpdateCampaignSettingsPayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let actor = t.actor.audit_label();
            let s = CampaignSettings {
                address_form: match input.address_form {
                    AddressFormInput::Sie => AddressForm::Sie,
                    AddressFormInput::Du => AddressForm::Du,
                },
                cap_touches: input.cap_touches,
                cap_days: input.cap_days,
                throttle_per_second: input.throttle_per_second,
                tracking: input.tracking,
            };
            s.save(tx, &actor).await.map_err(api)?;
            record(
                tx,
                &actor,
                "campaign_settings.updated",
                None,
                serde_json::to_value(s).unwrap_or_default(),
            )
            .await?;
            Ok(s.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| UpdateCampaignSettingsPayload {
                settings: Some(v),
                ..Default::default()
            })
        })
        .await
    }
}
