//! The campaign report: audience and exclusions with reasons, per step and A/B variant the
//! funnel (sent, delivered, opened, clicked, replied, converted, unsubscribed, bounced), and
//! goal attainment. Replies and conversions are attributed live: an inbound interaction, a
//! purchase, a meeting or a referral of the contact inside the attribution window after the
//! send (and before the goal's deadline) counts, so a late transaction shows up on the next
//! read without any batch job.

use chrono::{NaiveDate, Utc};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::FromQueryResult;
use uuid::Uuid;

use crate::campaigns::{self, GoalKind};
use crate::error::Result;

#[derive(Debug, Clone, FromQueryResult)]
pub struct StepLine {
    pub position: i32,
    pub channel: String,
    pub variant: String,
    pub sent: i64,
    pub tasks: i64,
    pub skipped: i64,
    pub failed: i64,
    pub delivered: i64,
    /// Sent with open and click tracking (§25 TDDDG: only to those who consented); the base
    /// of the open and click rates.
    pub measurable: i64,
    pub opened: i64,
    pub clicked: i64,
    pub bounced: i64,
    pub complained: i64,
    pub replied: i64,
    pub converted: i64,
    pub unsubscribed: i64,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ReasonCount {
    pub reason: String,
    pub count: i64,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub audience: i64,
    pub excluded: Vec<ReasonCount>,
    pub skipped: Vec<ReasonCount>,
    pub steps: Vec<StepLine>,
    pub goal_kind: String,
    pub goal_target: i32,
    pub goal_deadline: Option<NaiveDate>,
    /// Distinct contacts converted.
    pub converted: i64,
    /// Revenue of attributed purchases (minor units, summed over currencies).
    pub revenue_minor: i64,
    /// converted / target, in percent.
    pub attainment_percent: f64,
    pub goal_reached: bool,
    pub deadline_passed: bool,
}

/// The per-send attribution columns (`replied`, `converted`, `unsubscribed`) for sends `s`;
/// `$2` is the window in days, `$3` the deadline.
fn attribution(goal: GoalKind) -> String {
    let window = "s.sent_at + make_interval(days => $2)";
    let converted = match goal {
        GoalKind::Purchase => format!(
            "EXISTS (SELECT 1 FROM transactions t WHERE t.person_id = s.person_id \
                 AND t.status <> 'cancelled' AND t.archived_at IS NULL \
                 AND t.issued_on >= s.sent_at::date AND t.issued_on <= ({window})::date \
                 AND ($3::date IS NULL OR t.issued_on <= $3::date))"
        ),
        GoalKind::Reply => format!(
            "EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = s.person_id \
                 AND i.direction = 'inbound' AND i.archived_at IS NULL \
                 AND i.occurred_at >= s.sent_at AND i.occurred_at < {window} \
                 AND ($3::date IS NULL OR i.occurred_at::date <= $3::date))"
        ),
        GoalKind::Meeting => format!(
            "EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = s.person_id \
                 AND i.kind = 'meeting' AND i.archived_at IS NULL \
                 AND i.occurred_at >= s.sent_at AND i.occurred_at < {window} \
                 AND ($3::date IS NULL OR i.occurred_at::date <= $3::date))"
        ),
        GoalKind::Referral => format!(
            "EXISTS (SELECT 1 FROM persons r WHERE r.source = 'referral:' || s.person_id::text \
                 AND r.created_at >= s.sent_at AND r.created_at < {window} \
                 AND ($3::date IS NULL OR r.created_at::date <= $3::date))"
        ),
        // Bought before the send, and again within the window.
        GoalKind::RepeatPurchase => format!(
            "EXISTS (SELECT 1 FROM transactions t WHERE t.person_id = s.person_id \
                 AND t.status <> 'cancelled' AND t.archived_at IS NULL \
                 AND t.issued_on >= s.sent_at::date AND t.issued_on <= ({window})::date \
                 AND ($3::date IS NULL OR t.issued_on <= $3::date)) \
             AND EXISTS (SELECT 1 FROM transactions t WHERE t.person_id = s.person_id \
                 AND t.status <> 'cancelled' AND t.archived_at IS NULL \
                 AND t.issued_on < s.sent_at::date)"
        ),
        // More revenue in the window after the send than in as many days before it (the
        // amounts summed over currencies, as the report's revenue is).
        GoalKind::SpendIncrease => format!(
            "(SELECT coalesce(sum(t.amount_minor) FILTER (WHERE t.issued_on >= s.sent_at::date \
                     AND t.issued_on <= ({window})::date \
                     AND ($3::date IS NULL OR t.issued_on <= $3::date)), 0) \
                   > coalesce(sum(t.amount_minor) FILTER (WHERE t.issued_on < s.sent_at::date), 0) \
              FROM transactions t WHERE t.person_id = s.person_id \
                 AND t.status <> 'cancelled' AND t.archived_at IS NULL \
                 AND t.issued_on >= (s.sent_at - make_interval(days => $2))::date)"
        ),
        GoalKind::Click => format!(
            "(s.clicked_at IS NOT NULL AND s.clicked_at < {window} \
                 AND ($3::date IS NULL OR s.clicked_at::date <= $3::date))"
        ),
    };
    format!(
        "s.status IN ('sent', 'handed', 'task') AND EXISTS (SELECT 1 FROM interactions i \
             WHERE i.person_id = s.person_id AND i.direction = 'inbound' AND i.archived_at IS NULL \
               AND i.occurred_at >= s.sent_at AND i.occurred_at < {window}) AS replied, \
         s.status IN ('sent', 'handed', 'task') AND ({converted} \
             OR EXISTS (SELECT 1 FROM campaign_tasks ct WHERE ct.send_id = s.id AND ct.outcome = 'converted')) AS converted, \
         s.status IN ('sent', 'handed') AND EXISTS (SELECT 1 FROM consent_events e \
             WHERE e.person_id = s.person_id AND e.kind IN ('revoked', 'objected') \
               AND e.channel = CASE s.channel WHEN 'social' THEN 'messenger' ELSE s.channel END \
               AND e.at >= s.sent_at AND e.at < {window}) AS unsubscribed"
    )
}

pub async fn report(tx: &TenantTx, campaign: Uuid) -> Result<Report> {
    let c = campaigns::get(tx, campaign).await?;
    let goal = GoalKind::parse(&c.goal_kind).unwrap_or(GoalKind::Purchase);
    let sends = format!(
        "SELECT s.*, {} FROM campaign_sends s WHERE s.campaign_id = $1",
        attribution(goal)
    );
    let params = || {
        vec![
            campaign.into(),
            c.attribution_days.into(),
            c.goal_deadline.into(),
        ]
    };
    let steps = StepLine::find_by_statement(stmt(
        &format!(
            "SELECT st.position, st.channel, a.variant::text AS variant, \
                 count(*) FILTER (WHERE a.status IN ('sent', 'handed')) AS sent, \
                 count(*) FILTER (WHERE a.status = 'task') AS tasks, \
                 count(*) FILTER (WHERE a.status = 'skipped') AS skipped, \
                 count(*) FILTER (WHERE a.status = 'failed') AS failed, \
                 count(*) FILTER (WHERE a.status IN ('sent', 'handed') AND a.bounced_at IS NULL) AS delivered, \
                 count(*) FILTER (WHERE a.status IN ('sent', 'handed') AND a.tracked) AS measurable, \
                 count(*) FILTER (WHERE a.opened_at IS NOT NULL) AS opened, \
                 count(*) FILTER (WHERE a.clicked_at IS NOT NULL) AS clicked, \
                 count(*) FILTER (WHERE a.bounced_at IS NOT NULL) AS bounced, \
                 count(*) FILTER (WHERE a.complained_at IS NOT NULL) AS complained, \
                 count(*) FILTER (WHERE a.replied) AS replied, \
                 count(*) FILTER (WHERE a.converted) AS converted, \
                 count(*) FILTER (WHERE a.unsubscribed) AS unsubscribed \
             FROM ({sends}) a JOIN campaign_steps st ON st.id = a.step_id \
             GROUP BY st.position, st.channel, a.variant ORDER BY st.position, a.variant"
        ),
        params(),
    ))
    .all(&**tx)
    .await?;
    #[derive(FromQueryResult)]
    struct Totals {
        converted: i64,
        revenue_minor: Option<i64>,
    }
    let revenue = if matches!(
        goal,
        GoalKind::Purchase | GoalKind::RepeatPurchase | GoalKind::SpendIncrease
    ) {
        "(SELECT coalesce(sum(t.amount_minor), 0)::bigint FROM transactions t WHERE t.id IN ( \
             SELECT t2.id FROM ({sends}) a JOIN transactions t2 ON t2.person_id = a.person_id \
             WHERE a.converted AND t2.status <> 'cancelled' AND t2.archived_at IS NULL \
               AND t2.issued_on >= a.sent_at::date \
               AND t2.issued_on <= (a.sent_at + make_interval(days => $2))::date \
               AND ($3::date IS NULL OR t2.issued_on <= $3::date)))"
            .replace("{sends}", &sends)
    } else {
        "0::bigint".to_owned()
    };
    let totals = Totals::find_by_statement(stmt(
        &format!(
            "SELECT (SELECT count(DISTINCT a.person_id) FROM ({sends}) a WHERE a.converted) AS converted, \
                 {revenue} AS revenue_minor"
        ),
        params(),
    ))
    .one(&**tx)
    .await?;
    let (converted, revenue_minor) =
        totals.map_or((0, 0), |t| (t.converted, t.revenue_minor.unwrap_or(0)));
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let audience = N::find_by_statement(stmt(
        "SELECT count(*) AS n FROM campaign_recipients WHERE campaign_id = $1",
        vec![campaign.into()],
    ))
    .one(&**tx)
    .await?
    .map_or(0, |n| n.n);
    let excluded = ReasonCount::find_by_statement(stmt(
        "SELECT excluded AS reason, count(*) AS count FROM campaign_recipients \
         WHERE campaign_id = $1 AND excluded IS NOT NULL GROUP BY excluded ORDER BY count(*) DESC, excluded",
        vec![campaign.into()],
    ))
    .all(&**tx)
    .await?;
    let skipped = ReasonCount::find_by_statement(stmt(
        "SELECT coalesce(reason, status) AS reason, count(*) AS count FROM campaign_sends \
         WHERE campaign_id = $1 AND status IN ('skipped', 'failed') \
         GROUP BY coalesce(reason, status) ORDER BY count(*) DESC, 1",
        vec![campaign.into()],
    ))
    .all(&**tx)
    .await?;
    let attainment_percent = if c.goal_target > 0 {
        (converted as f64) * 100.0 / f64::from(c.goal_target)
    } else {
        0.0
    };
    Ok(Report {
        audience,
        excluded,
        skipped,
        steps,
        goal_kind: c.goal_kind.clone(),
        goal_target: c.goal_target,
        goal_deadline: c.goal_deadline,
        converted,
        revenue_minor,
        attainment_percent,
        goal_reached: converted >= i64::from(c.goal_target),
        deadline_passed: c.goal_deadline.is_some_and(|d| d < Utc::now().date_naive()),
    })
}
