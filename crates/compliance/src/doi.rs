//! Double opt-in and unsubscribe for people without a login.
//!
//! Subscribe records a `pending` consent with its proof and enqueues the confirmation mail in
//! the same transaction (the mail is sent by the worker, so an acknowledged subscription always
//! gets its mail). Following the link and pressing "confirm" records `confirmed` with the IP
//! and user agent of that request. Unsubscribe (a page, or RFC 8058 one-click POST) records
//! `revoked`, which the very next policy decision sees. Confirm and unsubscribe links work
//! once; a second use is TOKEN_USED and changes nothing.
//!
//! A public form is an attacker's tool too: the gateway throttles subscriptions per mailbox
//! ([`throttle_keys`]: `+tags` and case do not make a new one), per domain and per form; the
//! confirmation mail carries no text the visitor typed (no name in greeting or header); and a
//! person the form creates stays archived (so out of segments, campaigns, search and lists)
//! until the address is confirmed.

use chrono::{DateTime, Utc};
use kartei_contacts::persons::{self, PersonDraft};
use kartei_core::id::TenantId;
use kartei_core::validate::EmailAddress;
use kartei_tenancy::db::{Db, TenantTx};
use kartei_tenancy::jobs;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ledger::{self, Channel, EventKind, NewEvent, Source};
use crate::links::{self, Action, Claims, Links};
use crate::mail::{Mailer, Outgoing};
use crate::policy::PolicySettings;
use crate::suppression::Key;

pub const MAIL_JOB: &str = "compliance.doi_mail";
/// Removes the persons a subscribe form created whose address was never confirmed.
pub const DISCARD_JOB: &str = "compliance.discard_unconfirmed";
/// How long after its confirmation link expired an unconfirmed form contact is kept (the
/// link is signed when the mail goes out, a little after the post).
const DISCARD_GRACE_HOURS: i64 = 1;
/// One confirmation mail per person and purpose in this window, however often the form is sent.
const RESEND_AFTER_MINUTES: i64 = 10;
/// How long an unsubscribe link in a mail stays valid.
pub const UNSUBSCRIBE_TTL_DAYS: i64 = 400;

/// Proof taken from the HTTP request.
#[derive(Debug, Clone, Default)]
pub struct RequestProof {
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Subscription {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub salutation: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeOutcome {
    /// Pending; the confirmation mail is on its way.
    MailQueued,
    /// A confirmation mail went out a moment ago; no second one.
    AlreadyPending,
    /// Already confirmed for this purpose and address; nothing to do.
    AlreadyConfirmed,
    /// The address is on the suppression list: nothing recorded, nothing sent. The caller
    /// answers as for `MailQueued`, so the form does not reveal the list.
    Suppressed,
}

/// A form token for a tenant's website: subscribe to `purpose` by email with consent text
/// `text_hash`, shown on `page_url`.
pub async fn form_token(
    tx: &TenantTx,
    links: &Links,
    purpose: &str,
    text_hash: &str,
    page_url: Option<&str>,
    valid_days: i64,
) -> Result<String> {
    ledger::check_purpose(tx, purpose).await?;
    ledger::text(tx, text_hash).await?;
    if !(1..=3650).contains(&valid_days) {
        return Err(Error::field("validDays", "must be between 1 and 3650"));
    }
    if page_url
        .is_some_and(|u| u.len() > 2000 || !(u.starts_with("https://") || u.starts_with("http://")))
    {
        return Err(Error::field(
            "pageUrl",
            "must be an http(s) URL of at most 2000 characters",
        ));
    }
    let mut c = Links::claims(
        Action::Subscribe,
        tx.tenant(),
        Channel::Email.as_str(),
        purpose,
        chrono::Duration::days(valid_days),
    );
    c.txt = Some(text_hash.to_owned());
    c.src = page_url.map(str::to_owned);
    links.sign(&c)
}

/// The keys one subscription is throttled under, hashed (no address is kept in Redis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKeys {
    /// The mailbox: lower case, without a `+tag`; across tenants (one mailbox is one person,
    /// however many forms name it).
    pub mailbox: String,
    /// The address's domain, within the form's tenant.
    pub domain: String,
    /// The form (its token).
    pub form: String,
}

pub fn throttle_keys(form: &Claims, email: &str) -> Result<ThrottleKeys> {
    use sha2::Digest;
    let email = EmailAddress::parse(email)
        .map_err(|e| Error::field("email", e.to_string()))?
        .normalized()
        .to_lowercase();
    let (local, domain) = email.rsplit_once('@').unwrap_or((email.as_str(), ""));
    let local = local.split('+').next().unwrap_or(local);
    let digest = |s: &str| hex::encode(&sha2::Sha256::digest(s.as_bytes())[..16]);
    Ok(ThrottleKeys {
        mailbox: format!("doi:mailbox:{}", digest(&format!("{local}@{domain}"))),
        domain: format!("doi:domain:{}:{}", form.tid, digest(domain)),
        form: format!("doi:form:{}", form.jti),
    })
}

#[derive(FromQueryResult)]
struct Found {
    id: Uuid,
}

#[derive(FromQueryResult)]
struct Latest {
    kind: String,
    recorded_at: chrono::DateTime<Utc>,
}

/// Handles a subscribe form post (the token already verified for this tenant).
pub async fn subscribe(
    tx: &TenantTx,
    form: &Claims,
    sub: &Subscription,
    proof: &RequestProof,
) -> Result<SubscribeOutcome> {
    let email = EmailAddress::parse(&sub.email)
        .map_err(|e| Error::field("email", e.to_string()))?
        .normalized();
    let key = Key::load(tx).await?;
    let hash = key.hash(&email);
    if !crate::suppression::suppressed_among(tx, &key, &[email.as_str()])
        .await?
        .is_empty()
    {
        return Ok(SubscribeOutcome::Suppressed);
    }
    let found = Found::find_by_statement(stmt(
        "SELECT id FROM persons WHERE email_normalized = $1 AND merged_into IS NULL \
         ORDER BY archived_at NULLS FIRST, created_at LIMIT 1",
        vec![email.clone().into()],
    ))
    .one(&**tx)
    .await?;
    let person_id = match found {
        Some(f) => f.id,
        None => {
            let draft = PersonDraft {
                email: Some(sub.email.trim().to_owned()),
                first_name: sub.first_name.clone(),
                last_name: sub.last_name.clone(),
                salutation: sub.salutation.clone(),
                source: Some("web_form".into()),
                ..PersonDraft::default()
            };
            let id = persons::create(tx, &draft).await?.id;
            // Anyone can post a form: the contact counts only once its address confirmed,
            // and is gone once the link can no longer be used.
            tx.execute_raw(stmt(
                "UPDATE persons SET archived_at = now(), unconfirmed_since = now() WHERE id = $1",
                vec![id.into()],
            ))
            .await?;
            let due = Utc::now() + unconfirmed_lifetime(tx).await?;
            jobs::enqueue_after(tx, DISCARD_JOB, Uuid::nil(), due).await?;
            id
        }
    };
    let latest = Latest::find_by_statement(stmt(
        "SELECT kind, recorded_at FROM consent_events WHERE person_id = $1 AND channel = 'email' \
           AND purpose = $2 AND address_hash = $3 ORDER BY at DESC, seq DESC LIMIT 1",
        vec![
            person_id.into(),
            form.pur.clone().into(),
            hash.clone().into(),
        ],
    ))
    .one(&**tx)
    .await?;
    match latest {
        Some(l) if l.kind == "confirmed" => return Ok(SubscribeOutcome::AlreadyConfirmed),
        Some(l)
            if l.kind == "pending"
                && Utc::now() - l.recorded_at < chrono::Duration::minutes(RESEND_AFTER_MINUTES) =>
        {
            return Ok(SubscribeOutcome::AlreadyPending);
        }
        _ => {}
    }
    let event = ledger::record(
        tx,
        &NewEvent {
            person_id,
            channel: Channel::Email,
            purpose: Some(form.pur.clone()),
            kind: EventKind::Pending,
            at: Utc::now(),
            source: Source::WebForm,
            source_ref: form.src.clone(),
            text_hash: form.txt.clone(),
            address_hash: Some(hash),
            ip: proof.ip,
            user_agent: proof.user_agent.clone(),
            actor: "public:web_form".into(),
            note: None,
        },
    )
    .await?;
    jobs::enqueue(tx, MAIL_JOB, event.id).await?;
    Ok(SubscribeOutcome::MailQueued)
}

/// How long a person a form created waits for the confirmation of their address.
async fn unconfirmed_lifetime(tx: &TenantTx) -> Result<chrono::Duration> {
    let hours = i64::from(PolicySettings::load(tx).await?.double_opt_in_link_hours);
    Ok(chrono::Duration::hours(hours + DISCARD_GRACE_HOURS))
}

/// What [`discard_unconfirmed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discarded {
    pub persons: u64,
    /// When the next of those still waiting is due (the job is scheduled for then).
    pub next: Option<DateTime<Utc>>,
}

/// The worker's job: deletes the persons a subscribe form created whose address was not
/// confirmed while the link was valid. They never became contacts, and keeping what a
/// stranger typed into a form has no purpose (GDPR Art. 5(1)(c), (e)). Their pending consent
/// events are redacted like an erasure's (the ledger keeps its chain); the address is not
/// suppressed, so its owner can still subscribe. A person someone worked with meanwhile
/// (un-archived, merged into, or given interactions or purchases) stays.
pub async fn discard_unconfirmed(tx: &TenantTx, now: DateTime<Utc>) -> Result<Discarded> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    const UNTOUCHED: &str = "p.unconfirmed_since IS NOT NULL AND p.archived_at IS NOT NULL \
         AND p.merged_into IS NULL \
         AND NOT EXISTS (SELECT 1 FROM persons m WHERE m.merged_into = p.id) \
         AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = p.id) \
         AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.person_id = p.id)";
    let lifetime = unconfirmed_lifetime(tx).await?;
    let cutoff = now - lifetime;
    let ids: Vec<Uuid> = Id::find_by_statement(stmt(
        &format!(
            "SELECT p.id FROM persons p WHERE {UNTOUCHED} AND p.unconfirmed_since < $1 \
             ORDER BY p.id FOR UPDATE OF p"
        ),
        vec![cutoff.into()],
    ))
    .all(&**tx)
    .await?
    .into_iter()
    .map(|r| r.id)
    .collect();
    if !ids.is_empty() {
        let id_array = || kartei_contacts::sql::uuid_array(ids.clone());
        tx.execute_raw(stmt(
            "SELECT set_config('kartei.erasure', 'on', true)",
            vec![],
        ))
        .await?;
        tx.execute_raw(stmt(
            "UPDATE consent_events SET person_id = NULL, source_ref = NULL, address_hash = NULL, \
                 ip = NULL, user_agent = NULL, note = NULL, redacted_at = now() \
             WHERE person_id = ANY($1)",
            vec![id_array()],
        ))
        .await?;
        tx.execute_raw(stmt(
            "SELECT set_config('kartei.erasure', 'off', true)",
            vec![],
        ))
        .await?;
        tx.execute_raw(stmt(
            "DELETE FROM persons WHERE id = ANY($1)",
            vec![id_array()],
        ))
        .await?;
        tx.execute_raw(stmt(
            "DELETE FROM search_documents WHERE id = ANY($1)",
            vec![id_array()],
        ))
        .await?;
        tx.execute_raw(stmt(
            "INSERT INTO outbox (topic, subject_id) SELECT 'person.erased', unnest($1::uuid[])",
            vec![id_array()],
        ))
        .await?;
        kartei_tenancy::audit::record(
            tx,
            "system:double_opt_in",
            "person.unconfirmed_discarded",
            None,
            serde_json::json!({ "persons": ids.len(), "unconfirmedBefore": cutoff }),
        )
        .await?;
    }
    #[derive(FromQueryResult)]
    struct Oldest {
        at: Option<DateTime<Utc>>,
    }
    let next = Oldest::find_by_statement(stmt(
        &format!("SELECT min(p.unconfirmed_since) AS at FROM persons p WHERE {UNTOUCHED}"),
        vec![],
    ))
    .one(&**tx)
    .await?
    .and_then(|o| o.at)
    .map(|at| at + lifetime);
    if let Some(at) = next {
        jobs::enqueue_after(tx, DISCARD_JOB, Uuid::nil(), at).await?;
    }
    Ok(Discarded {
        persons: ids.len() as u64,
        next,
    })
}

#[derive(FromQueryResult)]
struct PendingMail {
    person_id: Uuid,
    purpose: String,
    kind: String,
    email: Option<String>,
    email_normalized: Option<String>,
    address_hash: Option<Vec<u8>>,
    text_title: Option<String>,
    text_body: Option<String>,
    purpose_label: String,
}

/// The worker's job: sends the confirmation mail for a pending consent (once; a retry after a
/// failed send tries again, a retry after success finds the mail recorded and stops).
pub async fn send_confirmation(
    db: &Db,
    tenant: TenantId,
    event_id: Uuid,
    links: &Links,
    mailer: &Mailer,
) -> Result<bool> {
    let tx = db.begin_tenant(tenant).await?;
    let Some(p) = PendingMail::find_by_statement(stmt(
        "SELECT e.person_id, e.purpose, e.kind, p.email, p.email_normalized, \
             e.address_hash, t.title AS text_title, t.body AS text_body, \
             cp.label AS purpose_label \
         FROM consent_events e JOIN persons p ON p.id = e.person_id \
         JOIN consent_purposes cp ON cp.key = e.purpose \
         LEFT JOIN consent_texts t ON t.hash = e.text_hash \
         WHERE e.id = $1",
        vec![event_id.into()],
    ))
    .one(&*tx)
    .await?
    else {
        // Erased or merged away since: nothing to send.
        return Ok(false);
    };
    let key = Key::load(&tx).await?;
    let (Some(email), Some(norm)) = (p.email.clone(), p.email_normalized.clone()) else {
        return Ok(false);
    };
    if p.kind != "pending" || p.address_hash.as_deref() != Some(key.hash(&norm).as_slice()) {
        return Ok(false);
    }
    let claimed = tx
        .execute_raw(stmt(
            "INSERT INTO sent_messages (id, person_id, channel, kind, ref_id, subject) \
             VALUES ($1, $2, 'email', 'double_opt_in', $3, $4) ON CONFLICT (kind, ref_id) DO NOTHING",
            vec![
                Uuid::now_v7().into(),
                p.person_id.into(),
                event_id.into(),
                format!("Bitte bestätigen: {}", p.purpose_label).into(),
            ],
        ))
        .await?;
    if claimed.rows_affected() == 0 {
        return Ok(false);
    }
    let settings = PolicySettings::load(&tx).await?;
    let hours = i64::from(settings.double_opt_in_link_hours);
    let mut c = Links::claims(
        Action::Confirm,
        tenant,
        Channel::Email.as_str(),
        &p.purpose,
        chrono::Duration::hours(hours),
    );
    c.pid = Some(p.person_id);
    c.evt = Some(event_id);
    let url = links.url(Action::Confirm, &links.sign(&c)?);
    // Nothing the visitor typed goes into this mail (anyone can post any name with anyone's
    // address): the greeting and the recipient header carry no name.
    let greeting = "Guten Tag,";
    let consent = match (&p.text_title, &p.text_body) {
        (Some(t), Some(b)) => format!("\n\n{t}:\n{b}"),
        _ => String::new(),
    };
    let text = format!(
        "{greeting}\n\nbitte bestätigen Sie Ihre Anmeldung für \"{label}\" über diesen Link \
         (gültig {hours} Stunden):\n\n{url}\n\nWenn Sie sich nicht angemeldet haben, ignorieren \
         Sie diese E-Mail; ohne Bestätigung senden wir Ihnen nichts.{consent}\n",
        label = p.purpose_label,
    );
    let subject = format!("Bitte bestätigen: {}", p.purpose_label);
    let id = mailer
        .send(&Outgoing {
            to: email,
            to_name: None,
            subject,
            text,
            html: None,
            headers: Vec::new(),
        })
        .await?;
    tx.execute_raw(stmt(
        "UPDATE sent_messages SET message_id = $2 WHERE kind = 'double_opt_in' AND ref_id = $1",
        vec![event_id.into(), id.into()],
    ))
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The live record for a person id: itself, or the record it was merged into (a link in a
/// mail may predate a merge). `None` if erased.
async fn live_person(tx: &TenantTx, mut id: Uuid) -> Result<Option<Uuid>> {
    #[derive(FromQueryResult)]
    struct Row {
        merged_into: Option<Uuid>,
    }
    for _ in 0..16 {
        let row = Row::find_by_statement(stmt(
            "SELECT merged_into FROM persons WHERE id = $1",
            vec![id.into()],
        ))
        .one(&**tx)
        .await?;
        match row {
            None => return Ok(None),
            Some(Row { merged_into: None }) => return Ok(Some(id)),
            Some(Row {
                merged_into: Some(next),
            }) => id = next,
        }
    }
    Ok(None)
}

#[derive(FromQueryResult)]
struct PendingEvent {
    person_id: Option<Uuid>,
    purpose: Option<String>,
    kind: String,
    text_hash: Option<String>,
    address_hash: Option<Vec<u8>>,
}

/// Confirms the pending consent named by a confirmation token (spent here).
pub async fn confirm(
    tx: &TenantTx,
    claims: &Claims,
    proof: &RequestProof,
) -> Result<ledger::Event> {
    let evt = claims.evt.ok_or(Error::TokenInvalid)?;
    links::spend(tx, claims).await?;
    let pending = PendingEvent::find_by_statement(stmt(
        "SELECT person_id, purpose, kind, text_hash, address_hash FROM consent_events WHERE id = $1",
        vec![evt.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::TokenInvalid)?;
    let (Some(person_id), Some(purpose)) = (pending.person_id, pending.purpose) else {
        return Err(Error::TokenInvalid);
    };
    if pending.kind != "pending" || Some(person_id) != claims.pid {
        return Err(Error::TokenInvalid);
    }
    let person_id = live_person(tx, person_id)
        .await?
        .ok_or(Error::TokenInvalid)?;
    // A person the form created becomes a contact now.
    tx.execute_raw(stmt(
        "UPDATE persons SET archived_at = NULL, unconfirmed_since = NULL \
         WHERE id = $1 AND unconfirmed_since IS NOT NULL",
        vec![person_id.into()],
    ))
    .await?;
    ledger::record(
        tx,
        &NewEvent {
            person_id,
            channel: Channel::Email,
            purpose: Some(purpose),
            kind: EventKind::Confirmed,
            at: Utc::now(),
            source: Source::DoubleOptIn,
            source_ref: Some(format!("pending consent {evt}")),
            text_hash: pending.text_hash,
            address_hash: pending.address_hash,
            ip: proof.ip,
            user_agent: proof.user_agent.clone(),
            actor: "public:double_opt_in".into(),
            note: None,
        },
    )
    .await
}

/// A signed unsubscribe link for one person, channel and purpose, and the RFC 8058 headers for
/// a mail that carries it.
pub fn unsubscribe_link(
    links: &Links,
    tenant: TenantId,
    person_id: Uuid,
    channel: Channel,
    purpose: &str,
) -> Result<(String, Vec<(&'static str, String)>)> {
    let mut c = Links::claims(
        Action::Unsubscribe,
        tenant,
        channel.as_str(),
        purpose,
        chrono::Duration::days(UNSUBSCRIBE_TTL_DAYS),
    );
    c.pid = Some(person_id);
    let url = links.url(Action::Unsubscribe, &links.sign(&c)?);
    let headers = vec![
        ("List-Unsubscribe", format!("<{url}>")),
        (
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_owned(),
        ),
    ];
    Ok((url, headers))
}

/// Revokes the consent an unsubscribe token names (spent here).
pub async fn unsubscribe(
    tx: &TenantTx,
    claims: &Claims,
    proof: &RequestProof,
    one_click: bool,
) -> Result<ledger::Event> {
    let channel = Channel::parse(&claims.ch).ok_or(Error::TokenInvalid)?;
    links::spend(tx, claims).await?;
    let person_id = live_person(tx, claims.pid.ok_or(Error::TokenInvalid)?)
        .await?
        .ok_or(Error::TokenInvalid)?;
    ledger::record(
        tx,
        &NewEvent {
            person_id,
            channel,
            purpose: Some(claims.pur.clone()),
            kind: EventKind::Revoked,
            at: Utc::now(),
            source: Source::UnsubscribeLink,
            source_ref: Some(format!("link {}", claims.jti)),
            text_hash: None,
            address_hash: None,
            ip: proof.ip,
            user_agent: proof.user_agent.clone(),
            actor: "public:unsubscribe".into(),
            note: Some(
                if one_click {
                    "one-click unsubscribe (RFC 8058)"
                } else {
                    "unsubscribe page"
                }
                .into(),
            ),
        },
    )
    .await
    .map_err(|e| match e {
        // The person was erased since the mail was sent: the link has nothing left to do.
        Error::NotFound(_) => Error::TokenInvalid,
        e => e,
    })
}
