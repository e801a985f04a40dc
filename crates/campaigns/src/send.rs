//! The send job: for each due step of a running campaign, every recipient not yet handled is
//! checked again (channel policy with its suppression list, frequency cap), rendered and sent
//! (email), exported (letter) or turned into a task (phone, social).
//!
//! Exactly once: a send is claimed in the ledger (unique per campaign, step, contact and
//! round) and committed before the mail server hears of it. The row moves to `handed` in a
//! COMMIT written between the last body byte and the final dot (which is what makes the
//! server accept a message), and to `sent` when the server confirms. After a crash a
//! `claimed` row is sent again (the server never got the dot), while a `handed` row counts as
//! sent (the server may have it); only one send job per tenant runs at a time, so a leftover
//! row always belongs to a dead run.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use futures_util::future::join_all;
use kartei_compliance::imprint::{self, Imprint};
use kartei_compliance::ledger::Channel;
use kartei_compliance::links::Links;
use kartei_compliance::policy::{self, Basis, PolicySettings, TRACKING_PURPOSE};
use kartei_compliance::suppression::Key;
use kartei_core::id::TenantId;
use kartei_tenancy::db::{Db, TenantTx};
use kartei_tenancy::tenants::stmt;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use sea_orm::{ConnectionTrait, FromQueryResult};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::campaigns::{self, Campaign, Status, Step};
use crate::error::{Error, Result};
use crate::settings::CampaignSettings;
use crate::smtp::{Conn, Failure, SmtpTarget};
use crate::templates::{self, RenderEnv, Renderer};
use crate::tracking::Tracker;

/// Where email goes: a real SMTP server, or the log (a demo without `SMTP_URL`).
#[derive(Debug, Clone)]
pub enum Transport {
    Smtp(SmtpTarget),
    Log,
}

/// What the send job needs besides the database.
#[derive(Debug, Clone)]
pub struct Sender {
    pub transport: Transport,
    pub from: Mailbox,
    pub links: Links,
    pub tracker: Tracker,
    /// SMTP connections (and messages in flight) per send job.
    pub concurrency: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub sent: u64,
    pub skipped: u64,
    pub failed: u64,
    pub tasks: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every due step is done; `next` is when the next step falls due, if any.
    Done {
        counts: Counts,
        next: Option<DateTime<Utc>>,
        completed: bool,
    },
    /// Another send job of the tenant holds the send lock.
    Busy,
    /// Scheduled for later.
    NotYet(DateTime<Utc>),
    /// Not running (draft, paused, completed, cancelled).
    Stopped,
}

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub step: i32,
    pub done: u64,
    pub total: u64,
}

struct Throttle {
    next: Mutex<Instant>,
    interval: Duration,
}

impl Throttle {
    fn new(per_second: u32) -> Self {
        Throttle {
            next: Mutex::new(Instant::now()),
            interval: Duration::from_secs_f64(1.0 / f64::from(per_second.max(1))),
        }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// The consent channel a step's messages are judged on. Every step channel is matched
/// exhaustively, so a new one cannot silently borrow another's rules.
pub(crate) fn policy_channel(step_channel: &str) -> Result<Channel> {
    let channel = crate::templates::TemplateChannel::parse(step_channel)
        .ok_or_else(|| Error::Conflict(format!("unknown step channel '{step_channel}'")))?;
    Ok(match channel {
        crate::templates::TemplateChannel::Email => Channel::Email,
        crate::templates::TemplateChannel::Letter => Channel::Letter,
        crate::templates::TemplateChannel::Phone => Channel::Phone,
        // A direct message on a social network is an electronic message (UWG §7(2) no. 2).
        crate::templates::TemplateChannel::Social => Channel::Messenger,
    })
}

/// A/B split: stable per contact and step.
pub fn variant(person: Uuid, step: &Step) -> char {
    if step.variant_template_id.is_none() || step.variant_percent <= 0 {
        return 'A';
    }
    let h = Sha256::digest([person.as_bytes().as_slice(), step.id.as_bytes()].concat());
    let bucket = u16::from_be_bytes([h[0], h[1]]) % 100;
    if i32::from(bucket) < step.variant_percent {
        'B'
    } else {
        'A'
    }
}

/// When a step of a round falls due.
pub fn due_at(c: &Campaign, round: NaiveDate, step: &Step) -> DateTime<Utc> {
    let start = round.and_time(NaiveTime::MIN).and_utc();
    let start = c.launched_at.map_or(start, |l| l.max(start));
    start + chrono::Duration::days(i64::from(step.delay_days))
}

struct Job<'a> {
    db: &'a Db,
    tenant: TenantId,
    sender: &'a Sender,
    campaign: Campaign,
    settings: CampaignSettings,
    policy: PolicySettings,
    key: Key,
    /// Printed with the objection notice under every email (checked at launch).
    imprint: Option<Imprint>,
    renderers: HashMap<Uuid, Arc<Renderer>>,
    throttle: Throttle,
    counts: Mutex<Counts>,
    done: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Handled {
    Sent,
    Skipped,
    Failed,
    Task,
}

/// Runs the due steps of one campaign.
pub async fn run(
    db: &Db,
    tenant: TenantId,
    campaign: Uuid,
    sender: &Sender,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Outcome> {
    // One send job per tenant: the frequency cap and the throttle hold across campaigns, and
    // leftover ledger rows belong to dead runs. The lock dies with this connection.
    let lock = db.begin_tenant(tenant).await?;
    #[derive(FromQueryResult)]
    struct Locked {
        locked: bool,
    }
    let got = Locked::find_by_statement(stmt(
        "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked",
        vec![format!("{}:campaigns.send", tenant.0).into()],
    ))
    .one(&*lock)
    .await?
    .is_some_and(|l| l.locked);
    if !got {
        return Ok(Outcome::Busy);
    }
    let now = Utc::now();
    let tx = db.begin_tenant(tenant).await?;
    let c = campaigns::get(&tx, campaign).await?;
    let c = match c.status() {
        Status::Scheduled => match c.scheduled_at {
            Some(at) if at <= now => {
                let (c, _) = campaigns::transition(
                    &tx,
                    c.id,
                    c.version,
                    Status::Running,
                    None,
                    now,
                    "system:scheduler",
                )
                .await?;
                c
            }
            Some(at) => {
                kartei_tenancy::jobs::enqueue_after(&tx, crate::SEND_JOB, c.id, at).await?;
                tx.commit().await?;
                return Ok(Outcome::NotYet(at));
            }
            None => return Ok(Outcome::Stopped),
        },
        Status::Running => c,
        _ => return Ok(Outcome::Stopped),
    };
    // A message whose body was being handed over when its run died: the server has it, so it
    // is on the person's record like any other (marked as an unconfirmed handover).
    let resolved = tx
        .query_one_raw(stmt(
            "WITH r AS (UPDATE campaign_sends SET status = 'sent', reason = 'UNCONFIRMED_HANDOVER', \
                     sent_at = claimed_at, touch = true \
                 WHERE campaign_id = $1 AND status = 'handed' \
                 RETURNING id, person_id, channel, subject, message_id, sent_at), \
             m AS (INSERT INTO sent_messages (id, person_id, channel, kind, ref_id, subject, \
                     message_id, sent_at, unconfirmed_handover) \
                 SELECT gen_random_uuid(), person_id, channel, 'campaign', id, subject, message_id, \
                     sent_at, true FROM r ON CONFLICT (kind, ref_id) DO NOTHING) \
             SELECT count(*) AS n FROM r",
            vec![c.id.into()],
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    if resolved > 0 {
        tracing::warn!(campaign_id = %c.id, resolved, "sends handed over by a dead run counted as sent");
    }
    let steps = campaigns::steps(&tx, c.id).await?;
    let renv = RenderEnv::load(&tx, &c.name).await?;
    let mut renderers = HashMap::new();
    for s in &steps {
        for id in [Some(s.template_id), s.variant_template_id]
            .into_iter()
            .flatten()
        {
            if let std::collections::hash_map::Entry::Vacant(e) = renderers.entry(id) {
                let t = templates::get_template(&tx, id).await?;
                e.insert(Arc::new(Renderer::new(&t, renv.clone())?));
            }
        }
    }
    let settings = CampaignSettings::load(&tx).await?;
    let job = Job {
        db,
        tenant,
        sender,
        policy: PolicySettings::load(&tx).await?,
        key: Key::load(&tx).await?,
        imprint: Imprint::load(&tx).await?,
        renderers,
        throttle: Throttle::new(settings.throttle_per_second),
        settings,
        counts: Mutex::new(Counts::default()),
        done: AtomicU64::new(0),
        campaign: c,
    };
    #[derive(FromQueryResult)]
    struct Round {
        round: NaiveDate,
    }
    let rounds = Round::find_by_statement(stmt(
        "SELECT DISTINCT round FROM campaign_recipients WHERE campaign_id = $1 ORDER BY round",
        vec![job.campaign.id.into()],
    ))
    .all(&*tx)
    .await?;
    tx.commit().await?;
    let mut next: Option<DateTime<Utc>> = None;
    for r in &rounds {
        for step in &steps {
            let due = due_at(&job.campaign, r.round, step);
            if due > now {
                next = Some(next.map_or(due, |n| n.min(due)));
                continue;
            }
            if !job.run_step(r.round, step, due, progress).await? {
                return Ok(Outcome::Stopped);
            }
        }
    }
    let counts = *job.counts.lock().await;
    let tx = db.begin_tenant(tenant).await?;
    let c = campaigns::get(&tx, job.campaign.id).await?;
    let mut completed = false;
    match next {
        Some(at) => {
            kartei_tenancy::jobs::enqueue_after(&tx, crate::SEND_JOB, c.id, at).await?;
        }
        None if c.kind != "occasion" && c.status() == Status::Running => {
            campaigns::transition(
                &tx,
                c.id,
                c.version,
                Status::Completed,
                None,
                Utc::now(),
                "system:sender",
            )
            .await?;
            completed = true;
        }
        None => {}
    }
    tx.commit().await?;
    drop(lock);
    Ok(Outcome::Done {
        counts,
        next,
        completed,
    })
}

impl Job<'_> {
    /// Sends one step of one round to everyone pending; false if the campaign was stopped.
    async fn run_step(
        &self,
        round: NaiveDate,
        step: &Step,
        due: DateTime<Utc>,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<bool> {
        #[derive(FromQueryResult)]
        struct Pending {
            person_id: Uuid,
        }
        #[derive(FromQueryResult)]
        struct Total {
            n: i64,
        }
        const PENDING: &str = "FROM campaign_recipients r WHERE r.campaign_id = $1 AND r.round = $2 \
            AND r.excluded IS NULL AND NOT EXISTS (SELECT 1 FROM campaign_sends s \
                WHERE s.campaign_id = $1 AND s.step_id = $3 AND s.person_id = r.person_id \
                  AND s.round = r.round AND s.status <> 'claimed')";
        let c = &self.campaign;
        let total = {
            let tx = self.db.begin_tenant(self.tenant).await?;
            Total::find_by_statement(stmt(
                &format!("SELECT count(*) AS n {PENDING}"),
                vec![c.id.into(), round.into(), step.id.into()],
            ))
            .one(&*tx)
            .await?
            .map_or(0, |t| t.n)
        };
        if total == 0 {
            return Ok(true);
        }
        tracing::info!(campaign_id = %c.id, step = step.position, %round, pending = total, "campaign step sending");
        let lanes = if step.channel == "email" {
            self.sender.concurrency.max(1)
        } else {
            1
        };
        let mut after = Uuid::nil();
        loop {
            let tx = self.db.begin_tenant(self.tenant).await?;
            let status = campaigns::get(&tx, c.id).await?.status();
            if status != Status::Running {
                tracing::info!(campaign_id = %c.id, status = status.as_str(), "campaign stopped while sending");
                return Ok(false);
            }
            let batch = Pending::find_by_statement(stmt(
                &format!("SELECT r.person_id {PENDING} AND r.person_id > $4 ORDER BY r.person_id LIMIT 1000"),
                vec![c.id.into(), round.into(), step.id.into(), after.into()],
            ))
            .all(&*tx)
            .await?;
            tx.commit().await?;
            let Some(last) = batch.last() else { break };
            after = last.person_id;
            let ids: Vec<Uuid> = batch.iter().map(|p| p.person_id).collect();
            let chunk = ids.len().div_ceil(lanes);
            let results = join_all(
                ids.chunks(chunk.max(1))
                    .map(|part| self.lane(part, round, step, due)),
            )
            .await;
            let total = u64::try_from(total).unwrap_or(0);
            progress(Progress {
                step: step.position,
                done: self.done.load(Ordering::Relaxed),
                total,
            });
            for r in results {
                r?;
            }
        }
        Ok(true)
    }

    /// One connection's share of a batch, in order.
    async fn lane(
        &self,
        people: &[Uuid],
        round: NaiveDate,
        step: &Step,
        due: DateTime<Utc>,
    ) -> Result<()> {
        let mut conn: Option<Conn> = None;
        for person in people {
            let handled = self.one(*person, round, step, due, &mut conn).await;
            let handled = match handled {
                Ok(h) => h,
                Err(e) => {
                    if let Some(c) = conn.take() {
                        c.abort().await;
                    }
                    return Err(e);
                }
            };
            self.done.fetch_add(1, Ordering::Relaxed);
            crate::metrics::sent(&step.channel, handled);
            let mut counts = self.counts.lock().await;
            match handled {
                Handled::Sent => counts.sent += 1,
                Handled::Skipped => counts.skipped += 1,
                Handled::Failed => counts.failed += 1,
                Handled::Task => counts.tasks += 1,
            }
        }
        if let Some(c) = conn.take() {
            c.quit().await;
        }
        Ok(())
    }

    async fn skip(
        &self,
        tx: TenantTx,
        round: NaiveDate,
        step: &Step,
        person: Uuid,
        reason: &str,
    ) -> Result<Handled> {
        tx.execute_raw(stmt(
            "INSERT INTO campaign_sends (id, campaign_id, step_id, person_id, round, channel, status, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, 'skipped', $7) \
             ON CONFLICT (campaign_id, step_id, person_id, round) DO UPDATE \
                 SET status = 'skipped', reason = EXCLUDED.reason WHERE campaign_sends.status = 'claimed'",
            vec![
                Uuid::now_v7().into(),
                self.campaign.id.into(),
                step.id.into(),
                person.into(),
                round.into(),
                step.channel.clone().into(),
                reason.into(),
            ],
        ))
        .await?;
        tx.commit().await?;
        Ok(Handled::Skipped)
    }

    async fn one(
        &self,
        person: Uuid,
        round: NaiveDate,
        step: &Step,
        due: DateTime<Utc>,
        conn: &mut Option<Conn>,
    ) -> Result<Handled> {
        let c = &self.campaign;
        let now = Utc::now();
        let tx = self.db.begin_tenant(self.tenant).await?;
        let channel = policy_channel(&step.channel)?;
        let decision = policy::may_contact_with(
            &tx,
            &self.key,
            &self.policy,
            person,
            channel,
            &c.purpose,
            now,
        )
        .await?;
        if !decision.allowed {
            return self
                .skip(tx, round, step, person, decision.reason.as_str())
                .await;
        }
        #[derive(FromQueryResult)]
        struct Touches {
            n: i64,
        }
        let touches = Touches::find_by_statement(stmt(
            "SELECT count(*) AS n FROM campaign_sends WHERE person_id = $1 AND touch \
               AND sent_at > $2 - make_interval(days => $3)",
            vec![
                person.into(),
                now.into(),
                i32::try_from(self.settings.cap_days).unwrap_or(365).into(),
            ],
        ))
        .one(&*tx)
        .await?
        .map_or(0, |t| t.n);
        if touches >= i64::from(self.settings.cap_touches) {
            return self.skip(tx, round, step, person, "FREQUENCY_CAP").await;
        }
        let v = variant(person, step);
        let template = if v == 'B' {
            step.variant_template_id.unwrap_or(step.template_id)
        } else {
            step.template_id
        };
        let renderer = self
            .renderers
            .get(&template)
            .ok_or(Error::NotFound("template"))?
            .clone();
        let contact = templates::contact(&tx, person).await?;
        if channel == Channel::Email && self.imprint.is_none() {
            return self.skip(tx, round, step, person, "NO_IMPRINT").await;
        }
        // §25 TDDDG: a pixel and tracked links only where the person consented to them.
        let tracked = channel == Channel::Email
            && self.settings.tracking
            && policy::may_contact_with(
                &tx,
                &self.key,
                &self.policy,
                person,
                Channel::Email,
                TRACKING_PURPOSE,
                now,
            )
            .await?
            .basis
                == Some(Basis::Consent);
        let unsubscribe = if channel == Channel::Email {
            Some(kartei_compliance::doi::unsubscribe_link(
                &self.sender.links,
                self.tenant,
                person,
                Channel::Email,
                &c.purpose,
            )?)
        } else {
            None
        };
        let rendered = match renderer
            .render_off_runtime(
                contact.clone(),
                unsubscribe.as_ref().map(|(u, _)| u.clone()),
            )
            .await?
        {
            Ok(r) => r,
            Err(missing) => {
                return self
                    .skip(
                        tx,
                        round,
                        step,
                        person,
                        &format!("MISSING_VALUE:{}", missing.0),
                    )
                    .await;
            }
        };
        let send_id = Uuid::now_v7();
        match step.channel.as_str() {
            "letter" | "phone" | "social" => {
                let task = step.channel != "letter";
                tx.execute_raw(stmt(
                    "INSERT INTO campaign_sends (id, campaign_id, step_id, person_id, round, channel, \
                         variant, status, touch, rendered, sent_at, allowed_reason, allowed_basis) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, $9, now(), $10, $11) \
                     ON CONFLICT (campaign_id, step_id, person_id, round) DO NOTHING",
                    vec![
                        send_id.into(),
                        c.id.into(),
                        step.id.into(),
                        person.into(),
                        round.into(),
                        step.channel.clone().into(),
                        v.to_string().into(),
                        if task { "task" } else { "sent" }.into(),
                        rendered.text.clone().into(),
                        decision.reason.as_str().into(),
                        decision.basis.map(|b| b.as_str()).into(),
                    ],
                ))
                .await?;
                if task {
                    let due_on =
                        (due + chrono::Duration::days(i64::from(step.due_days))).date_naive();
                    tx.execute_raw(stmt(
                        "INSERT INTO campaign_tasks (id, send_id, assignee, due_on) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (send_id) DO NOTHING",
                        vec![
                            Uuid::now_v7().into(),
                            send_id.into(),
                            step.assignee.clone().unwrap_or_default().into(),
                            due_on.into(),
                        ],
                    ))
                    .await?;
                }
                tx.commit().await?;
                Ok(if task { Handled::Task } else { Handled::Sent })
            }
            _ => {
                let Some(to) = contact
                    .email
                    .as_deref()
                    .and_then(|e| e.parse::<Address>().ok())
                else {
                    return self.skip(tx, round, step, person, "NO_ADDRESS").await;
                };
                // A leftover claim of a dead run keeps its id (and so its Message-ID).
                #[derive(FromQueryResult)]
                struct Claimed {
                    id: Uuid,
                }
                let claimed = Claimed::find_by_statement(stmt(
                    "INSERT INTO campaign_sends (id, campaign_id, step_id, person_id, round, channel, \
                         variant, status, subject, tracked, allowed_reason, allowed_basis) \
                     VALUES ($1, $2, $3, $4, $5, 'email', $6, 'claimed', $7, $8, $9, $10) \
                     ON CONFLICT (campaign_id, step_id, person_id, round) DO UPDATE \
                         SET claimed_at = now(), variant = EXCLUDED.variant, subject = EXCLUDED.subject, \
                             tracked = EXCLUDED.tracked, allowed_reason = EXCLUDED.allowed_reason, \
                             allowed_basis = EXCLUDED.allowed_basis \
                         WHERE campaign_sends.status = 'claimed' \
                     RETURNING id",
                    vec![
                        send_id.into(),
                        c.id.into(),
                        step.id.into(),
                        person.into(),
                        round.into(),
                        v.to_string().into(),
                        rendered.subject.clone().into(),
                        tracked.into(),
                        decision.reason.as_str().into(),
                        decision.basis.map(|b| b.as_str()).into(),
                    ],
                ))
                .one(&*tx)
                .await?;
                let Some(Claimed { id: send_id }) = claimed else {
                    // Someone else's send: nothing to do.
                    return Ok(Handled::Skipped);
                };
                let domain = self.sender.from.email.domain().to_owned();
                let message_id = format!("<{}@{domain}>", send_id.simple());
                tx.execute_raw(stmt(
                    "UPDATE campaign_sends SET message_id = $2 WHERE id = $1",
                    vec![send_id.into(), message_id.clone().into()],
                ))
                .await?;
                tx.commit().await?;
                let name = match (&contact.first_name, &contact.last_name) {
                    (Some(f), Some(l)) => Some(format!("{f} {l}")),
                    (None, Some(l)) => Some(l.clone()),
                    _ => None,
                };
                // The objection notice with its link and the imprint close both parts.
                let (url, headers) = unsubscribe.unwrap_or_default();
                let (text, html) = match &self.imprint {
                    Some(i) => (
                        format!("{}{}", rendered.text, i.text_footer(&url)),
                        rendered
                            .html
                            .as_deref()
                            .map(|h| imprint::append_html(h, &i.html_footer(&url))),
                    ),
                    None => (rendered.text.clone(), rendered.html.clone()),
                };
                let html = html.map(|h| {
                    if tracked {
                        self.sender.tracker.instrument(&h, self.tenant, send_id)
                    } else {
                        h
                    }
                });
                let msg = build(
                    &self.sender.from,
                    Mailbox::new(name, to.clone()),
                    rendered.subject.as_deref().unwrap_or(""),
                    &message_id,
                    &text,
                    html.as_deref(),
                    &headers,
                )?;
                self.throttle.wait().await;
                self.deliver(send_id, &to, &msg, conn).await
            }
        }
    }

    async fn mark(&self, send_id: Uuid, sql: &str, extra: Option<String>) -> Result<()> {
        let tx = self.db.begin_tenant(self.tenant).await?;
        let mut v = vec![send_id.into()];
        if let Some(x) = extra {
            v.push(x.into());
        }
        tx.execute_raw(stmt(sql, v)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn deliver(
        &self,
        send_id: Uuid,
        to: &Address,
        msg: &[u8],
        conn: &mut Option<Conn>,
    ) -> Result<Handled> {
        let target = match &self.sender.transport {
            Transport::Log => {
                tracing::info!(%send_id, to = %to, "campaign mail (no SMTP_URL configured: logged, not sent)");
                self.sent(send_id).await?;
                return Ok(Handled::Sent);
            }
            Transport::Smtp(t) => t,
        };
        if conn.as_ref().is_some_and(Conn::is_broken) {
            conn.take();
        }
        let session = match conn {
            Some(c) => c,
            None => conn.insert(target.connect().await?),
        };
        if let Err(f) = session
            .envelope(&self.sender.from.email, to, msg.is_ascii())
            .await
        {
            return self.failed(send_id, f, conn).await;
        }
        // `handed` is written in a transaction whose COMMIT goes to the database between the
        // last body byte and the final dot, without waiting for the answer: a crash before the
        // dot leaves the row `claimed` (sent again), a crash after it leaves it `handed`
        // (counted as sent). Only a crash in the microseconds between the two writes loses a
        // mail; no ordering of two systems closes that gap entirely (RFC 1047).
        let tx = self.db.begin_tenant(self.tenant).await?;
        // The row has to outlive this worker, not a database crash: no WAL flush wait.
        tx.execute_raw(stmt("SET LOCAL synchronous_commit = off", vec![]))
            .await?;
        tx.execute_raw(stmt(
            "UPDATE campaign_sends SET status = 'handed' WHERE id = $1 AND status = 'claimed'",
            vec![send_id.into()],
        ))
        .await?;
        let mut commit = Box::pin(tx.commit());
        let mut dotted = false;
        let mut early = None;
        let written = match conn.as_mut() {
            Some(session) => {
                session
                    .body(msg, || {
                        dotted = true;
                        early = poll_once(commit.as_mut());
                    })
                    .await
            }
            None => Err(Failure::Transient("the SMTP session was lost".into())),
        };
        if !dotted {
            // The dot was never written: roll back, the row stays claimed.
            drop(commit);
            return match written {
                Ok(()) => Err(Error::Mail("message written without its final dot".into())),
                Err(f) => self.failed(send_id, f, conn).await,
            };
        }
        let committed = match early {
            Some(r) => r,
            None => commit.await,
        };
        match written {
            // `sent` also covers a row whose `handed` commit failed.
            Ok(()) => {
                self.sent(send_id).await?;
                Ok(Handled::Sent)
            }
            Err(f) => {
                if let Err(e) = committed {
                    tracing::warn!(%send_id, error = %e, "recording a handover failed as its message failed");
                }
                self.failed(send_id, f, conn).await
            }
        }
    }

    async fn failed(&self, send_id: Uuid, f: Failure, conn: &mut Option<Conn>) -> Result<Handled> {
        match f {
            Failure::Permanent(m) => {
                self.mark(
                    send_id,
                    "UPDATE campaign_sends SET status = 'failed', reason = $2 WHERE id = $1",
                    Some(format!(
                        "SMTP_REJECTED: {}",
                        m.chars().take(300).collect::<String>()
                    )),
                )
                .await?;
                Ok(Handled::Failed)
            }
            Failure::Transient(m) => {
                if let Some(c) = conn.take() {
                    c.abort().await;
                }
                // The row stays claimed (or handed): the retry of the job decides.
                Err(Error::Mail(m))
            }
        }
    }

    async fn sent(&self, send_id: Uuid) -> Result<()> {
        let tx = self.db.begin_tenant(self.tenant).await?;
        tx.execute_raw(stmt(
            "UPDATE campaign_sends SET status = 'sent', sent_at = now(), touch = true \
             WHERE id = $1 AND status IN ('claimed', 'handed')",
            vec![send_id.into()],
        ))
        .await?;
        tx.execute_raw(stmt(
            "INSERT INTO sent_messages (id, person_id, channel, kind, ref_id, subject, message_id) \
             SELECT $2, s.person_id, 'email', 'campaign', s.id, s.subject, s.message_id \
             FROM campaign_sends s WHERE s.id = $1 ON CONFLICT (kind, ref_id) DO NOTHING",
            vec![send_id.into(), Uuid::now_v7().into()],
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The RFC 5322 message, as bytes for the wire.
pub fn build(
    from: &Mailbox,
    to: Mailbox,
    subject: &str,
    message_id: &str,
    text: &str,
    html: Option<&str>,
    headers: &[(&'static str, String)],
) -> Result<Vec<u8>> {
    let mut b = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id.to_owned()));
    for (name, value) in headers {
        b = b.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(name),
            value.clone(),
        ));
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(text.to_owned());
    let m = match html {
        Some(h) => b.multipart(
            MultiPart::alternative().singlepart(text).singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(h.to_owned()),
            ),
        ),
        None => b.singlepart(text),
    }
    .map_err(|e| Error::Mail(e.to_string()))?;
    Ok(m.formatted())
}

/// Polls `fut` once, outside the task's cooperative budget and without a waker. For a sqlx
/// COMMIT that is enough to write and flush it to the database's socket (sqlx writes before it
/// waits for the reply); the caller awaits the answer later, which registers the real waker.
fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    match std::pin::pin!(tokio::task::unconstrained(fut)).poll(&mut cx) {
        Poll::Ready(r) => Some(r),
        Poll::Pending => None,
    }
}
