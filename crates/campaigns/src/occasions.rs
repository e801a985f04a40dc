//! The daily occasion run: for every running occasion campaign, the contacts due today
//! (birthday, first-purchase anniversary, a date field, a holiday, no contact for N days)
//! become the recipients of today's round, and the send job is queued. Scheduled campaigns
//! whose time has come are started too.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kartei_segments::{compile, segments};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{FromQueryResult, Value};
use uuid::Uuid;

use crate::campaigns::{self, Campaign, Occasion};
use crate::error::Result;

#[derive(Debug, Clone, Default)]
pub struct DailyRun {
    pub started: usize,
    /// (campaign, recipients added today, of them excluded)
    pub rounds: Vec<(Uuid, i64, i64)>,
}

/// The condition (on persons `p`) that makes a contact due on `day`; its parameters are
/// numbered from `$first`.
fn due_condition(o: &Occasion, c: &Campaign, day: NaiveDate, first: usize) -> (String, Vec<Value>) {
    let p = |i: usize| format!("${}", first + i);
    // A birthday is prepared ahead: today's round holds those whose day is `days_ahead` away.
    let day = match o {
        Occasion::Birthday { days_ahead, .. } => {
            day + chrono::Duration::days(i64::from(*days_ahead))
        }
        _ => day,
    };
    let md = day.format("%m-%d").to_string();
    // 29 February birthdays are celebrated on 28 February in other years.
    let leap = NaiveDate::from_ymd_opt(day.year(), 2, 29).is_some();
    let md_match = |col: &str| {
        if !leap && md == "02-28" {
            format!("(to_char({col}, 'MM-DD') IN ('02-28', '02-29'))")
        } else {
            format!("to_char({col}, 'MM-DD') = {}", p(0))
        }
    };
    match o {
        Occasion::Birthday { .. } => (md_match("p.birthday"), vec![md.into()]),
        Occasion::PurchaseAnniversary => (
            format!(
                "EXISTS (SELECT 1 FROM (SELECT min(t.issued_on) AS first FROM transactions t \
                     WHERE t.person_id = p.id AND t.status <> 'cancelled' AND t.archived_at IS NULL) f \
                 WHERE f.first < {day} AND {m})",
                day = p(1),
                m = md_match("f.first"),
            ),
            vec![md.into(), day.into()],
        ),
        Occasion::DateField { field } => (
            format!(
                "(CASE WHEN p.custom->>{f} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' \
                   THEN substr(p.custom->>{f}, 6, 5) END) = {md} \
                 AND p.custom->>{f} < {d}",
                f = p(1),
                md = p(0),
                d = p(2),
            ),
            vec![
                md.into(),
                field.clone().into(),
                day.format("%Y-%m-%d").to_string().into(),
            ],
        ),
        Occasion::Holiday { month, day: d, .. } => {
            let today = day.month() == *month && day.day() == *d;
            (p(0), vec![today.into()])
        }
        Occasion::NoContact { days } => (
            format!(
                // Never contacted counts from when the record was created.
                "COALESCE(p.last_interaction_at, p.created_at) < {day}::date - make_interval(days => {n}) \
                 AND NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.campaign_id = {c} \
                     AND r.person_id = p.id AND r.round > {day}::date - make_interval(days => {n}))",
                day = p(0),
                n = p(1),
                c = p(2),
            ),
            vec![
                day.into(),
                i32::try_from(*days).unwrap_or(3650).into(),
                c.id.into(),
            ],
        ),
    }
}

/// Today's rounds of every running occasion campaign (idempotent: a round is added once).
pub async fn daily(tx: &TenantTx, now: DateTime<Utc>) -> Result<DailyRun> {
    let mut run = DailyRun {
        started: campaigns::start_due(tx, now).await?,
        ..DailyRun::default()
    };
    let day = now.date_naive();
    let running = Campaign::find_by_statement(stmt(
        &format!("{} WHERE status = 'running' AND kind = 'occasion' \
           AND NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.campaign_id = campaigns.id AND r.round = $1)",
            campaigns::CAMPAIGN
        ),
        vec![day.into()],
    ))
    .all(&**tx)
    .await?;
    for c in running {
        let Some(o) = c.occasion() else { continue };
        // The audience: the segment as it is today, or every live contact.
        let (mut source, mut values) = match c.segment_id {
            Some(seg) => {
                let compiler = segments::Compiler::load(tx, now).await?;
                let seg = segments::get(tx, seg).await?;
                let (ids, v) = compile::build(&compile::ids_query(compiler.segment(&seg)?));
                (
                    format!("SELECT p.id FROM persons p WHERE p.id IN ({ids})"),
                    v,
                )
            }
            None => (
                "SELECT p.id FROM persons p WHERE p.archived_at IS NULL AND p.merged_into IS NULL \
                 AND p.restricted_at IS NULL"
                    .to_owned(),
                Vec::new(),
            ),
        };
        let (cond, v) = due_condition(&o, &c, day, values.len() + 1);
        source.push_str(&format!(" AND {cond}"));
        values.extend(v);
        let (added, excluded) =
            campaigns::add_recipients(tx, &c, day, now, &source, values).await?;
        if added > 0 {
            kartei_tenancy::jobs::enqueue_after(tx, crate::SEND_JOB, c.id, now).await?;
        }
        run.rounds.push((c.id, added, excluded));
    }
    // Tomorrow's run.
    let tomorrow = (day + chrono::Duration::days(1))
        .and_hms_opt(6, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now + chrono::Duration::days(1));
    kartei_tenancy::jobs::enqueue_after(tx, crate::DAILY_JOB, Uuid::nil(), tomorrow).await?;
    Ok(run)
}
