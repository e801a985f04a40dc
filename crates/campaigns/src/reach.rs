//! Who a launched campaign can reach: its frozen audience minus the launch exclusions, then
//! the channel policy of every step applied to all of them at once (the rules the send job
//! asks again per recipient at send time, with the suppression list), counted by reason. The
//! frequency cap is not part of it: it depends on what is sent until then.

use chrono::{DateTime, NaiveDate, Utc};
use kartei_compliance::policy::{self, PolicySettings};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::FromQueryResult;
use uuid::Uuid;

use crate::campaigns;
use crate::error::Result;
use crate::report::ReasonCount;
use crate::send::policy_channel;

#[derive(Debug, Clone)]
pub struct StepReach {
    pub position: i32,
    pub channel: String,
    /// Recipients of the round not excluded at launch.
    pub eligible: i64,
    /// Of those, how many the policy allows now.
    pub allowed: i64,
    /// Every policy decision, allowed ones included (by their legal reason).
    pub reasons: Vec<ReasonCount>,
}

#[derive(Debug, Clone)]
pub struct Reach {
    /// The round looked at (a one-off campaign has one; occasion campaigns one per day).
    pub round: Option<NaiveDate>,
    pub audience: i64,
    pub excluded: i64,
    pub steps: Vec<StepReach>,
}

/// The reach of `campaign`'s latest round (or `round`) as of `at`.
pub async fn reach(
    tx: &TenantTx,
    campaign: Uuid,
    round: Option<NaiveDate>,
    at: DateTime<Utc>,
) -> Result<Reach> {
    let c = campaigns::get(tx, campaign).await?;
    #[derive(FromQueryResult)]
    struct Round {
        round: Option<NaiveDate>,
        audience: i64,
        excluded: i64,
    }
    let r = Round::find_by_statement(stmt(
        "SELECT r.round, count(*) AS audience, count(*) FILTER (WHERE r.excluded IS NOT NULL) AS excluded \
         FROM campaign_recipients r \
         WHERE r.campaign_id = $1 AND r.round = coalesce($2, \
             (SELECT max(round) FROM campaign_recipients WHERE campaign_id = $1)) \
         GROUP BY r.round",
        vec![campaign.into(), round.into()],
    ))
    .one(&**tx)
    .await?;
    let Some(r) = r else {
        return Ok(Reach {
            round,
            audience: 0,
            excluded: 0,
            steps: Vec::new(),
        });
    };
    let settings = PolicySettings::load(tx).await?;
    let mut steps = Vec::new();
    for step in campaigns::steps(tx, campaign).await? {
        let (decisions, mut values) =
            policy::decisions_sql(&settings, policy_channel(&step.channel)?, &c.purpose, at, 3);
        let mut v = vec![campaign.into(), r.round.into()];
        v.append(&mut values);
        #[derive(FromQueryResult)]
        struct Line {
            reason: String,
            allowed: bool,
            count: i64,
        }
        let lines = Line::find_by_statement(stmt(
            &format!(
                "SELECT d.reason, d.allowed, count(*) AS count \
                 FROM campaign_recipients r JOIN ({decisions}) d ON d.person_id = r.person_id \
                 WHERE r.campaign_id = $1 AND r.round = $2 AND r.excluded IS NULL \
                 GROUP BY d.reason, d.allowed ORDER BY count(*) DESC, d.reason"
            ),
            v,
        ))
        .all(&**tx)
        .await?;
        let eligible = lines.iter().map(|x| x.count).sum();
        let allowed = lines.iter().filter(|x| x.allowed).map(|x| x.count).sum();
        let reasons = lines
            .into_iter()
            .map(|x| ReasonCount {
                reason: x.reason,
                count: x.count,
            })
            .collect();
        steps.push(StepReach {
            position: step.position,
            channel: step.channel.clone(),
            eligible,
            allowed,
            reasons,
        });
    }
    Ok(Reach {
        round: r.round,
        audience: r.audience,
        excluded: r.excluded,
        steps,
    })
}
