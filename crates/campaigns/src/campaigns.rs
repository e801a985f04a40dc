//! Campaigns and their steps: drafts, the state machine, and the launch that freezes the
//! audience (a segment snapshot minus exclusions, each excluded contact with its reason).

use chrono::{DateTime, NaiveDate, Utc};
use kartei_compliance::ledger;
use kartei_core::paging::{Page, PageRequest};
use kartei_core::validate::FieldErrors;
use kartei_segments::{compile, segments};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::paging::keyset;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::templates::{self, TemplateChannel};

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $variant),+ }
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

str_enum!(Kind {
    Newsletter = "newsletter",
    Winback = "winback",
    Occasion = "occasion",
    Custom = "custom",
});

str_enum!(Status {
    Draft = "draft",
    Scheduled = "scheduled",
    Running = "running",
    Paused = "paused",
    Completed = "completed",
    Cancelled = "cancelled",
});

str_enum!(GoalKind {
    Purchase = "purchase",
    Reply = "reply",
    Meeting = "meeting",
    Referral = "referral",
    Click = "click",
    RepeatPurchase = "repeat_purchase",
    SpendIncrease = "spend_increase",
});

impl Status {
    /// The states a campaign may move to from this one.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Draft => &[Scheduled, Running, Cancelled],
            Scheduled => &[Draft, Running, Cancelled],
            Running => &[Paused, Completed, Cancelled],
            Paused => &[Running, Completed, Cancelled],
            Completed | Cancelled => &[],
        }
    }
}

/// What makes a contact due in an occasion campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Occasion {
    /// A birthday, prepared `days_ahead` days before the day: by default a personal touch (a
    /// call, a handwritten card or a letter to sign); an automatic email only with
    /// `allow_email`, chosen explicitly.
    Birthday {
        #[serde(default = "Occasion::default_days_ahead")]
        days_ahead: u32,
        #[serde(default)]
        allow_email: bool,
    },
    /// The anniversary of the first purchase.
    PurchaseAnniversary,
    /// A date in a custom field (`YYYY-MM-DD`), yearly.
    DateField { field: String },
    /// A fixed day of the year, e.g. Christmas (12-24) or New Year (01-01).
    Holiday { name: String, month: u32, day: u32 },
    /// No interaction for this many days (never contacted: since the record was created).
    NoContact { days: u32 },
}

impl Occasion {
    /// A week: time to write and post a card, or to plan the call.
    pub const DEFAULT_DAYS_AHEAD: u32 = 7;

    fn default_days_ahead() -> u32 {
        Self::DEFAULT_DAYS_AHEAD
    }

    fn check(&self) -> std::result::Result<(), String> {
        match self {
            Occasion::Birthday { days_ahead, .. } => {
                if *days_ahead > 60 {
                    return Err("daysAhead must be between 0 and 60".into());
                }
            }
            Occasion::DateField { field } => {
                if field.is_empty()
                    || field.len() > 63
                    || !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    return Err("field must name a custom field".into());
                }
            }
            Occasion::Holiday { name, month, day } => {
                if name.trim().is_empty() || name.chars().count() > 100 {
                    return Err("name must be 1 to 100 characters".into());
                }
                if NaiveDate::from_ymd_opt(2024, *month, *day).is_none() {
                    return Err("month and day must be a day of the year".into());
                }
            }
            Occasion::NoContact { days } => {
                if !(7..=3650).contains(days) {
                    return Err("days must be between 7 and 3650".into());
                }
            }
            Occasion::PurchaseAnniversary => {}
        }
        Ok(())
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Campaign {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub purpose: String,
    pub goal_kind: String,
    pub goal_target: i32,
    pub goal_deadline: Option<NaiveDate>,
    pub attribution_days: i32,
    pub segment_id: Option<Uuid>,
    pub exclude_dnr: bool,
    pub exclude_contacted_days: Option<i32>,
    pub exclude_segments: Vec<Uuid>,
    pub occasion: Option<Json>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub launched_at: Option<DateTime<Utc>>,
    pub snapshot_id: Option<Uuid>,
    pub finished_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Campaign {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Draft)
    }

    pub fn occasion(&self) -> Option<Occasion> {
        self.occasion
            .as_ref()
            .and_then(|o| serde_json::from_value(o.clone()).ok())
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Step {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub position: i32,
    pub channel: String,
    pub delay_days: i32,
    pub template_id: Uuid,
    pub variant_template_id: Option<Uuid>,
    pub variant_percent: i32,
    pub assignee: Option<String>,
    pub due_days: i32,
}

#[derive(Debug, Clone)]
pub struct StepDraft {
    pub channel: TemplateChannel,
    pub delay_days: i32,
    pub template_id: Uuid,
    pub variant_template_id: Option<Uuid>,
    pub variant_percent: i32,
    pub assignee: Option<String>,
    pub due_days: i32,
}

#[derive(Debug, Clone)]
pub struct CampaignDraft {
    pub name: String,
    pub kind: Kind,
    pub purpose: String,
    pub goal_kind: GoalKind,
    pub goal_target: i32,
    pub goal_deadline: Option<NaiveDate>,
    pub attribution_days: i32,
    pub segment_id: Option<Uuid>,
    pub exclude_dnr: bool,
    pub exclude_contacted_days: Option<i32>,
    pub exclude_segments: Vec<Uuid>,
    pub occasion: Option<Occasion>,
    pub steps: Vec<StepDraft>,
}

pub(crate) const CAMPAIGN: &str = "SELECT id, name, kind, status, purpose, goal_kind, goal_target, \
    goal_deadline, attribution_days, segment_id, exclude_dnr, exclude_contacted_days, \
    exclude_segments, occasion, scheduled_at, launched_at, snapshot_id, finished_at, version, \
    created_by, created_at, updated_at FROM campaigns";

fn columns() -> &'static str {
    &CAMPAIGN["SELECT ".len()..CAMPAIGN.len() - " FROM campaigns".len()]
}

async fn check(tx: &TenantTx, d: &CampaignDraft) -> Result<()> {
    let mut e = FieldErrors::new();
    let name = d.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        e.add("name", "must be 1 to 200 characters");
    }
    if !(1..=100_000_000).contains(&d.goal_target) {
        e.add("goal.target", "must be between 1 and 100000000");
    }
    if !(1..=365).contains(&d.attribution_days) {
        e.add("goal.attributionDays", "must be between 1 and 365");
    }
    if d.exclude_contacted_days
        .is_some_and(|n| !(1..=3650).contains(&n))
    {
        e.add(
            "audience.excludeContactedDays",
            "must be between 1 and 3650",
        );
    }
    if d.exclude_segments.len() > 20 {
        e.add("audience.excludeSegments", "must be at most 20 segments");
    }
    match (d.kind, &d.occasion) {
        (Kind::Occasion, None) => e.add("occasion", "is required for an occasion campaign"),
        (Kind::Occasion, Some(o)) => {
            if let Err(m) = o.check() {
                e.add("occasion", m);
            }
            // Automatic birthday emails put people off ("Finger weg!"): a personal touch is
            // the default, an email only when chosen explicitly.
            if let Occasion::Birthday {
                allow_email: false, ..
            } = o
            {
                for (i, s) in d.steps.iter().enumerate() {
                    if s.channel == TemplateChannel::Email {
                        e.add(
                            format!("steps.{i}.channel"),
                            "a birthday is greeted personally: a call, a card or a letter \
                             (set occasion.allowEmail to send an automatic email)",
                        );
                    }
                }
            }
        }
        (_, Some(_)) => e.add("occasion", "only occasion campaigns have an occasion"),
        (_, None) => {
            if d.segment_id.is_none() {
                e.add(
                    "audience.segmentId",
                    "is required (the audience is a segment)",
                );
            }
        }
    }
    if d.steps.is_empty() || d.steps.len() > 20 {
        e.add("steps", "must be 1 to 20 steps");
    }
    let mut last_delay = 0;
    for (i, s) in d.steps.iter().enumerate() {
        let f = |k: &str| format!("steps.{i}.{k}");
        if !(0..=365).contains(&s.delay_days) {
            e.add(f("delayDays"), "must be between 0 and 365");
        }
        if s.delay_days < last_delay {
            e.add(f("delayDays"), "steps must be in order of their delay");
        }
        last_delay = s.delay_days;
        if !(0..=100).contains(&s.variant_percent)
            || (s.variant_template_id.is_some() != (s.variant_percent > 0))
        {
            e.add(
                f("variantPercent"),
                "must be 1 to 100 with a variant template, 0 without",
            );
        }
        if !(0..=90).contains(&s.due_days) {
            e.add(f("dueDays"), "must be between 0 and 90");
        }
        let manual = matches!(s.channel, TemplateChannel::Phone | TemplateChannel::Social);
        let assignee = s
            .assignee
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        if manual && assignee.is_none() {
            e.add(f("assignee"), "is required for phone and social steps");
        }
        if assignee.is_some_and(|a| a.chars().count() > 200) {
            e.add(f("assignee"), "must be at most 200 characters");
        }
        for (key, id) in [
            ("templateId", Some(s.template_id)),
            ("variantTemplateId", s.variant_template_id),
        ] {
            let Some(id) = id else { continue };
            match templates::get_template(tx, id).await {
                Ok(t) if t.archived_at.is_some() => e.add(f(key), "is archived"),
                Ok(t) if t.channel != s.channel.as_str() => e.add(
                    f(key),
                    format!(
                        "is a {} template, the step is {}",
                        t.channel,
                        s.channel.as_str()
                    ),
                ),
                Ok(_) => {}
                Err(Error::NotFound(_)) => e.add(f(key), "does not exist"),
                Err(other) => return Err(other),
            }
        }
    }
    if !e.is_empty() {
        return Err(Error::Invalid(e));
    }
    ledger::check_purpose(tx, &d.purpose)
        .await
        .map_err(|_| Error::field("purpose", "is not a consent purpose of this tenant"))?;
    for (field, id) in d
        .segment_id
        .iter()
        .map(|id| ("audience.segmentId", *id))
        .chain(
            d.exclude_segments
                .iter()
                .map(|id| ("audience.excludeSegments", *id)),
        )
    {
        match segments::find(tx, id).await? {
            Some(s) if s.archived_at.is_none() => {}
            _ => return Err(Error::field(field, "is not a live segment")),
        }
    }
    Ok(())
}

fn values(d: &CampaignDraft) -> Result<Vec<Value>> {
    let occasion = d
        .occasion
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| Error::field("occasion", e.to_string()))?;
    Ok(vec![
        d.name.trim().into(),
        d.kind.as_str().into(),
        d.purpose.clone().into(),
        d.goal_kind.as_str().into(),
        d.goal_target.into(),
        d.goal_deadline.into(),
        d.attribution_days.into(),
        d.segment_id.into(),
        d.exclude_dnr.into(),
        d.exclude_contacted_days.into(),
        d.exclude_segments.clone().into(),
        occasion.into(),
    ])
}

async fn put_steps(tx: &TenantTx, campaign: Uuid, steps: &[StepDraft]) -> Result<()> {
    tx.execute_raw(stmt(
        "DELETE FROM campaign_steps WHERE campaign_id = $1",
        vec![campaign.into()],
    ))
    .await?;
    for (i, s) in steps.iter().enumerate() {
        tx.execute_raw(stmt(
            "INSERT INTO campaign_steps (id, campaign_id, position, channel, delay_days, \
                 template_id, variant_template_id, variant_percent, assignee, due_days) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            vec![
                Uuid::now_v7().into(),
                campaign.into(),
                i32::try_from(i + 1).unwrap_or(i32::MAX).into(),
                s.channel.as_str().into(),
                s.delay_days.into(),
                s.template_id.into(),
                s.variant_template_id.into(),
                s.variant_percent.into(),
                s.assignee
                    .as_deref()
                    .map(str::trim)
                    .map(str::to_owned)
                    .into(),
                s.due_days.into(),
            ],
        ))
        .await?;
    }
    Ok(())
}

pub async fn create(tx: &TenantTx, d: &CampaignDraft, actor: &str) -> Result<Campaign> {
    check(tx, d).await?;
    let id = Uuid::now_v7();
    let mut v = vec![id.into()];
    v.extend(values(d)?);
    v.push(actor.into());
    let c = Campaign::find_by_statement(stmt(
        &format!(
            "INSERT INTO campaigns (id, name, kind, purpose, goal_kind, goal_target, goal_deadline, \
                 attribution_days, segment_id, exclude_dnr, exclude_contacted_days, \
                 exclude_segments, occasion, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING {}",
            columns()
        ),
        v,
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("campaign"))?;
    put_steps(tx, id, &d.steps).await?;
    Ok(c)
}

/// Replaces a draft's settings and steps (only drafts can be edited).
pub async fn update(tx: &TenantTx, id: Uuid, version: i32, d: &CampaignDraft) -> Result<Campaign> {
    let current = get_for_update(tx, id).await?;
    if current.version != version {
        return Err(Error::stale("campaign"));
    }
    if current.status() != Status::Draft {
        return Err(Error::Conflict(format!(
            "only a draft can be edited; this campaign is {}",
            current.status
        )));
    }
    check(tx, d).await?;
    let mut v = vec![id.into()];
    v.extend(values(d)?);
    let c = Campaign::find_by_statement(stmt(
        &format!(
            "UPDATE campaigns SET name = $2, kind = $3, purpose = $4, goal_kind = $5, \
                 goal_target = $6, goal_deadline = $7, attribution_days = $8, segment_id = $9, \
                 exclude_dnr = $10, exclude_contacted_days = $11, exclude_segments = $12, \
                 occasion = $13, version = version + 1, updated_at = now() \
             WHERE id = $1 RETURNING {}",
            columns()
        ),
        v,
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("campaign"))?;
    put_steps(tx, id, &d.steps).await?;
    Ok(c)
}

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<Campaign> {
    Campaign::find_by_statement(stmt(&format!("{CAMPAIGN} WHERE id = $1"), vec![id.into()]))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("campaign"))
}

async fn get_for_update(tx: &TenantTx, id: Uuid) -> Result<Campaign> {
    Campaign::find_by_statement(stmt(
        &format!("{CAMPAIGN} WHERE id = $1 FOR UPDATE"),
        vec![id.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("campaign"))
}

pub async fn count(tx: &TenantTx) -> Result<i64> {
    Ok(kartei_tenancy::paging::count(&**tx, "FROM campaigns", vec![]).await?)
}

pub async fn list(tx: &TenantTx, req: &PageRequest<Uuid>) -> Result<Page<Campaign>> {
    let k = keyset("id", req, true, 1);
    let rows = Campaign::find_by_statement(stmt(
        &format!(
            "{CAMPAIGN} WHERE {} ORDER BY {} LIMIT {}",
            k.condition, k.order, k.fetch
        ),
        k.values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |c| c.id))
}

/// The steps of every campaign among `campaigns`, in one statement (by campaign and position).
pub async fn steps_of(tx: &TenantTx, campaigns: &[Uuid]) -> Result<Vec<Step>> {
    Ok(Step::find_by_statement(stmt(
        "SELECT id, campaign_id, position, channel, delay_days, template_id, variant_template_id, \
             variant_percent, assignee, due_days FROM campaign_steps WHERE campaign_id = ANY($1) \
         ORDER BY campaign_id, position",
        vec![kartei_contacts::sql::uuid_array(campaigns.to_vec())],
    ))
    .all(&**tx)
    .await?)
}

pub async fn steps(tx: &TenantTx, campaign: Uuid) -> Result<Vec<Step>> {
    Ok(Step::find_by_statement(stmt(
        "SELECT id, campaign_id, position, channel, delay_days, template_id, variant_template_id, \
             variant_percent, assignee, due_days FROM campaign_steps WHERE campaign_id = $1 \
         ORDER BY position",
        vec![campaign.into()],
    ))
    .all(&**tx)
    .await?)
}

/// What a transition did besides changing the state.
#[derive(Debug, Clone, Default)]
pub struct Transition {
    /// Contacts frozen into the audience at launch, and how many of them were excluded.
    pub audience: Option<(i64, i64)>,
    /// The send job should run (launch or resume).
    pub send: bool,
}

/// Moves a campaign to `to`, if that is a valid move. Launching (to running from draft or
/// scheduled) freezes the audience; scheduling needs a time in the future.
pub async fn transition(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    to: Status,
    scheduled_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    actor: &str,
) -> Result<(Campaign, Transition)> {
    let c = get_for_update(tx, id).await?;
    if c.version != version {
        return Err(Error::stale("campaign"));
    }
    let from = c.status();
    if !from.next().contains(&to) {
        return Err(Error::Conflict(format!(
            "a {} campaign cannot become {}{}",
            from.as_str(),
            to.as_str(),
            if from.next().is_empty() {
                String::new()
            } else {
                format!(
                    " (it can become: {})",
                    from.next()
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )));
    }
    if matches!(to, Status::Scheduled | Status::Running) && from != Status::Paused {
        require_imprint(tx, c.id).await?;
    }
    let mut effect = Transition::default();
    let mut scheduled = c.scheduled_at;
    match to {
        Status::Scheduled => {
            let at = scheduled_at.ok_or_else(|| Error::field("scheduledAt", "is required"))?;
            if at <= now {
                return Err(Error::field("scheduledAt", "must be in the future"));
            }
            scheduled = Some(at);
            kartei_tenancy::jobs::enqueue_after(tx, crate::SEND_JOB, id, at).await?;
        }
        Status::Draft => scheduled = None,
        Status::Running if from != Status::Paused => {
            effect.audience = Some(launch(tx, &c, now, actor).await?);
            effect.send = true;
        }
        Status::Running => effect.send = true,
        _ => {}
    }
    if scheduled_at.is_some() && to != Status::Scheduled {
        return Err(Error::field("scheduledAt", "is only for scheduling"));
    }
    let finished = matches!(to, Status::Completed | Status::Cancelled);
    let c = Campaign::find_by_statement(stmt(
        &format!(
            "UPDATE campaigns SET status = $2, scheduled_at = $3, \
                 launched_at = CASE WHEN $2 = 'running' THEN coalesce(launched_at, $4) ELSE launched_at END, \
                 finished_at = CASE WHEN $5 THEN $4 END, version = version + 1, updated_at = now() \
             WHERE id = $1 RETURNING {}",
            columns()
        ),
        vec![
            id.into(),
            to.as_str().into(),
            scheduled.into(),
            now.into(),
            finished.into(),
        ],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("campaign"))?;
    if effect.send {
        kartei_tenancy::jobs::enqueue_after(tx, crate::SEND_JOB, id, now).await?;
    }
    Ok((c, effect))
}

/// A campaign that mails or writes letters names its sender: the tenant's imprint (§5 DDG)
/// must be maintained before it is scheduled or launched.
async fn require_imprint(tx: &TenantTx, id: Uuid) -> Result<()> {
    let writes = steps(tx, id)
        .await?
        .iter()
        .any(|s| matches!(s.channel.as_str(), "email" | "letter"));
    if writes
        && kartei_compliance::imprint::Imprint::load(tx)
            .await?
            .is_none()
    {
        return Err(Error::Conflict(
            "the tenant has no imprint: maintain it (putImprint) before sending mail or letters \
             (§5 DDG)"
                .into(),
        ));
    }
    Ok(())
}

/// Freezes the audience of a one-off campaign (occasion campaigns find theirs every day).
async fn launch(
    tx: &TenantTx,
    c: &Campaign,
    now: DateTime<Utc>,
    actor: &str,
) -> Result<(i64, i64)> {
    if steps(tx, c.id).await?.is_empty() {
        return Err(Error::Conflict("the campaign has no steps".into()));
    }
    let Some(segment) = c.segment_id.filter(|_| c.kind != Kind::Occasion.as_str()) else {
        kartei_tenancy::jobs::enqueue_after(tx, crate::DAILY_JOB, Uuid::nil(), now).await?;
        return Ok((0, 0));
    };
    // The frozen audience is the launch round's recipients, written once; the snapshot
    // records the segment's rule and count and reads its members from them.
    let round = now.date_naive();
    let held = segments::snapshot_for_campaign(
        tx,
        segment,
        Some(&format!("campaign {}", c.name)),
        actor,
        c.id,
        round,
    )
    .await?;
    tx.execute_raw(stmt(
        "UPDATE campaigns SET snapshot_id = $2 WHERE id = $1",
        vec![c.id.into(), held.id.into()],
    ))
    .await?;
    let added = add_recipients(tx, c, round, now, &held.members, held.values).await?;
    segments::counted(tx, held.id, added.0).await?;
    // A large audience changes what the send, the report and the reach plan for.
    if added.0 >= ANALYZE_AFTER_RECIPIENTS {
        tx.execute_unprepared("ANALYZE campaign_recipients").await?;
    }
    Ok(added)
}

/// Recipients in one launch above which their tables are analyzed in the launch.
const ANALYZE_AFTER_RECIPIENTS: i64 = 10_000;

/// Adds the contacts `source` (a query with an `id` column, parameters from `$1`) yields as
/// the recipients of one round, each with the reason it is excluded, if it is. Returns how
/// many were added and how many of those are excluded.
pub async fn add_recipients(
    tx: &TenantTx,
    c: &Campaign,
    round: NaiveDate,
    now: DateTime<Utc>,
    source: &str,
    mut values: Vec<Value>,
) -> Result<(i64, i64)> {
    let n = values.len();
    let p = |i: usize| format!("${}", n + i);
    values.extend([
        c.id.into(),
        round.into(),
        c.exclude_dnr.into(),
        c.exclude_contacted_days.into(),
        now.into(),
    ]);
    // A round's first recipients go in with a plain insert; adding to a round that has some
    // skips those already there (ON CONFLICT makes every row a speculative insert).
    let first = tx
        .query_one_raw(stmt(
            "SELECT NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND round = $2) AS first",
            vec![c.id.into(), round.into()],
        ))
        .await?
        .map(|r| r.try_get::<bool>("", "first"))
        .transpose()?
        .unwrap_or(false);
    #[derive(FromQueryResult)]
    struct Added {
        added: i64,
        excluded: i64,
    }
    // Every row names a person read in the same statement (deleting persons waits for this
    // transaction) and the campaign locked here (as a foreign key would lock it), so the
    // reference trigger has nothing to check; the counts come from the rows written.
    if tx
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM campaigns WHERE id = $1 FOR KEY SHARE",
            vec![c.id.into()],
        ))
        .await?
        .is_none()
    {
        return Err(Error::NotFound("campaign"));
    }
    tx.execute_unprepared("SET LOCAL kartei.recipients_from_persons = 'on'")
        .await?;
    let inserted = Added::find_by_statement(stmt(
        &format!(
            "WITH ins AS (INSERT INTO campaign_recipients (campaign_id, round, person_id, excluded) \
             SELECT {c}, {r}, p.id, CASE \
                 WHEN p.merged_into IS NOT NULL OR p.archived_at IS NOT NULL THEN 'ARCHIVED' \
                 WHEN {dnr} AND p.do_not_reactivate THEN 'DO_NOT_REACTIVATE' \
                 WHEN {days}::int IS NOT NULL AND (p.last_interaction_at > {now} - make_interval(days => {days}::int) \
                     OR EXISTS (SELECT 1 FROM campaign_sends s WHERE s.person_id = p.id AND s.touch \
                         AND coalesce(s.sent_at, s.claimed_at) > {now} - make_interval(days => {days}::int))) \
                     THEN 'RECENTLY_CONTACTED' END \
             FROM persons p WHERE p.id IN ({source}) {conflict} RETURNING excluded) \
             SELECT count(*) AS added, count(excluded) AS excluded FROM ins",
            conflict = if first { "" } else { "ON CONFLICT DO NOTHING" },
            c = p(1),
            r = p(2),
            dnr = p(3),
            days = p(4),
            now = p(5),
        ),
        values,
    ))
    .one(&**tx)
    .await?;
    tx.execute_unprepared("SET LOCAL kartei.recipients_from_persons = 'off'")
        .await?;
    let (added, mut excluded) = inserted.map_or((0, 0), |a| (a.added, a.excluded));
    // Contacts in an excluded segment (evaluated now).
    let mut segment_excluded = 0;
    if !c.exclude_segments.is_empty() {
        let compiler = segments::Compiler::load(tx, now).await?;
        for seg in &c.exclude_segments {
            let seg = segments::get(tx, *seg).await?;
            let (ids, mut v) = compile::build(&compile::ids_query(compiler.segment(&seg)?));
            let n = v.len();
            v.extend([c.id.into(), round.into()]);
            segment_excluded += tx
                .execute_raw(stmt(
                    &format!(
                        "UPDATE campaign_recipients SET excluded = 'EXCLUDED_SEGMENT' \
                         WHERE campaign_id = ${} AND round = ${} AND excluded IS NULL \
                           AND person_id IN ({ids})",
                        n + 1,
                        n + 2
                    ),
                    v,
                ))
                .await?
                .rows_affected();
        }
    }
    if first {
        // The round is what this call wrote.
        excluded += i64::try_from(segment_excluded).unwrap_or(i64::MAX);
    } else {
        #[derive(FromQueryResult)]
        struct N {
            excluded: i64,
        }
        excluded = N::find_by_statement(stmt(
            "SELECT count(*) AS excluded FROM campaign_recipients \
             WHERE campaign_id = $1 AND round = $2 AND excluded IS NOT NULL",
            vec![c.id.into(), round.into()],
        ))
        .one(&**tx)
        .await?
        .map_or(0, |n| n.excluded);
    }
    Ok((added, excluded))
}

/// Starts scheduled campaigns whose time has come (run by the daily/minutely job).
pub async fn start_due(tx: &TenantTx, now: DateTime<Utc>) -> Result<usize> {
    #[derive(FromQueryResult)]
    struct Due {
        id: Uuid,
        version: i32,
    }
    let due = Due::find_by_statement(stmt(
        "SELECT id, version FROM campaigns WHERE status = 'scheduled' AND scheduled_at <= $1",
        vec![now.into()],
    ))
    .all(&**tx)
    .await?;
    for d in &due {
        transition(
            tx,
            d.id,
            d.version,
            Status::Running,
            None,
            now,
            "system:scheduler",
        )
        .await?;
    }
    Ok(due.len())
}
