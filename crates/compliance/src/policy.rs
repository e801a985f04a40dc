//! The channel policy: may this person be approached on this channel for this purpose at this
//! moment? Every answer carries a reason code and, when allowed, its legal basis.
//!
//! The rules (DESIGN.md, "Compliance"; GDPR Art. 6 and 21, UWG §7):
//! - nothing reaches a person on the suppression list, an archived or merged record, a person
//!   under restriction of processing (Art. 18 GDPR), or a channel the person has no address for;
//! - the latest applicable ledger event decides: a revocation or objection blocks, and it
//!   applies to the very next decision; a consent counts only for the address it was given for;
//! - letter: allowed unless objected or revoked (legitimate interest, Art. 6(1)(f) GDPR);
//! - phone: consumers only with express consent; businesses also on presumed consent when the
//!   tenant enables it (UWG §7(2) Nr. 1);
//! - email, SMS, messenger: express consent only, for email confirmed by double opt-in when the
//!   tenant requires it; for email the existing-customer exception of UWG §7(3) when the tenant
//!   enables it and its conditions are recorded for the current address and the purpose.
//!
//! The same rules exist twice: [`decide`] over the facts of one person, and [`decisions_sql`],
//! a set-based query for segments and campaigns over millions of persons. Tests hold the two to
//! the same answers.

use chrono::{DateTime, Utc};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::settings;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::ledger::{Channel, EventKind, str_enum};
use crate::suppression::Key;

pub const SETTINGS_KEY: &str = "compliance.policy";

/// The purpose of a consent to open and click tracking (§25 TDDDG; migration
/// `t0014_tracking_consent`): only an express consent for it counts, never an exception.
pub const TRACKING_PURPOSE: &str = "tracking";

/// The tenant's policy options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicySettings {
    /// Email consent counts only once confirmed by double opt-in.
    pub require_double_opt_in: bool,
    /// Businesses may be called on presumed consent (recorded as a `presumed` event).
    pub presumed_business_phone: bool,
    /// Email to existing customers under UWG §7(3), where its conditions are recorded.
    pub existing_customer_exception: bool,
    /// How long a double opt-in confirmation link stays valid.
    pub double_opt_in_link_hours: u32,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            require_double_opt_in: true,
            presumed_business_phone: false,
            existing_customer_exception: false,
            double_opt_in_link_hours: 72,
        }
    }
}

impl PolicySettings {
    pub async fn load(tx: &TenantTx) -> Result<Self> {
        match settings::get(tx, SETTINGS_KEY).await? {
            None => Ok(Self::default()),
            Some(s) => serde_json::from_value(s.value)
                .map_err(|e| Error::Conflict(format!("setting {SETTINGS_KEY} is malformed: {e}"))),
        }
    }

    pub async fn save(&self, tx: &TenantTx, actor: &str) -> Result<()> {
        if !(1..=720).contains(&self.double_opt_in_link_hours) {
            return Err(Error::field(
                "doubleOptInLinkHours",
                "must be between 1 and 720",
            ));
        }
        let value = serde_json::to_value(self)
            .map_err(|e| Error::Conflict(format!("cannot store the policy: {e}")))?;
        settings::put(tx, SETTINGS_KEY, value, actor).await?;
        Ok(())
    }
}

str_enum!(
    /// Why a decision came out as it did (stable codes, shown to users and stored with sends).
    Reason {
        LetterNoObjection = "LETTER_NO_OBJECTION",
        ExpressConsent = "EXPRESS_CONSENT",
        DoubleOptInConfirmed = "DOUBLE_OPT_IN_CONFIRMED",
        PresumedBusinessConsent = "PRESUMED_BUSINESS_CONSENT",
        ExistingCustomer = "EXISTING_CUSTOMER",
        UnknownContact = "UNKNOWN_CONTACT",
        Merged = "MERGED",
        Archived = "ARCHIVED",
        Restricted = "RESTRICTED",
        Suppressed = "SUPPRESSED",
        NoAddress = "NO_ADDRESS",
        Objected = "OBJECTED",
        Revoked = "REVOKED",
        Expired = "EXPIRED",
        DoubleOptInPending = "DOUBLE_OPT_IN_PENDING",
        DoubleOptInRequired = "DOUBLE_OPT_IN_REQUIRED",
        PresumedConsentDisabled = "PRESUMED_CONSENT_DISABLED",
        PresumedConsentConsumer = "PRESUMED_CONSENT_CONSUMER",
        NoConsent = "NO_CONSENT",
    }
);

str_enum!(
    /// The legal basis of an allowed contact.
    Basis {
        Consent = "GDPR_ART_6_1_A_CONSENT",
        LegitimateInterest = "GDPR_ART_6_1_F_LEGITIMATE_INTEREST",
        PresumedConsent = "UWG_7_2_PRESUMED_CONSENT",
        ExistingCustomer = "UWG_7_3_EXISTING_CUSTOMER",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Reason,
    pub basis: Option<Basis>,
}

impl Decision {
    fn allow(reason: Reason, basis: Basis) -> Self {
        Decision {
            allowed: true,
            reason,
            basis: Some(basis),
        }
    }

    fn deny(reason: Reason) -> Self {
        Decision {
            allowed: false,
            reason,
            basis: None,
        }
    }
}

/// Everything about one person that a decision depends on, for one channel and purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub merged: bool,
    pub archived: bool,
    /// Under restriction of processing (Art. 18 GDPR).
    pub restricted: bool,
    pub suppressed: bool,
    pub has_address: bool,
    /// Has an organization relation (a business contact) rather than being a consumer.
    pub business: bool,
    /// The latest applicable ledger event at the decision time.
    pub latest: Option<EventKind>,
    /// A recorded UWG §7(3) exception covers the current email address and the purpose.
    pub existing_customer: bool,
}

/// The policy over one person's facts.
pub fn decide(channel: Channel, f: &Facts, s: &PolicySettings) -> Decision {
    if f.merged {
        return Decision::deny(Reason::Merged);
    }
    if f.archived {
        return Decision::deny(Reason::Archived);
    }
    if f.restricted {
        return Decision::deny(Reason::Restricted);
    }
    if f.suppressed {
        return Decision::deny(Reason::Suppressed);
    }
    if !f.has_address {
        return Decision::deny(Reason::NoAddress);
    }
    match f.latest {
        Some(EventKind::Objected) => return Decision::deny(Reason::Objected),
        Some(EventKind::Revoked) => return Decision::deny(Reason::Revoked),
        _ => {}
    }
    let express = match (channel, f.latest) {
        (Channel::Email, Some(EventKind::Confirmed)) => Some(Reason::DoubleOptInConfirmed),
        (Channel::Email, Some(EventKind::Granted)) if !s.require_double_opt_in => {
            Some(Reason::ExpressConsent)
        }
        (Channel::Email, _) => None,
        (_, Some(EventKind::Granted | EventKind::Confirmed)) => Some(Reason::ExpressConsent),
        _ => None,
    };
    if let Some(reason) = express {
        return Decision::allow(reason, Basis::Consent);
    }
    match channel {
        Channel::Letter => Decision::allow(Reason::LetterNoObjection, Basis::LegitimateInterest),
        Channel::Phone if f.latest == Some(EventKind::Presumed) => {
            if !f.business {
                Decision::deny(Reason::PresumedConsentConsumer)
            } else if !s.presumed_business_phone {
                Decision::deny(Reason::PresumedConsentDisabled)
            } else {
                Decision::allow(Reason::PresumedBusinessConsent, Basis::PresumedConsent)
            }
        }
        Channel::Email if s.existing_customer_exception && f.existing_customer => {
            Decision::allow(Reason::ExistingCustomer, Basis::ExistingCustomer)
        }
        _ => Decision::deny(match f.latest {
            Some(EventKind::Pending) => Reason::DoubleOptInPending,
            Some(EventKind::Granted) => Reason::DoubleOptInRequired,
            Some(EventKind::Expired) => Reason::Expired,
            _ => Reason::NoConsent,
        }),
    }
}

#[derive(FromQueryResult)]
struct PersonFacts {
    merged: bool,
    archived: bool,
    restricted: bool,
    business: bool,
    email_normalized: Option<String>,
    phone: Option<String>,
    mobile: Option<String>,
    has_postal: bool,
}

#[derive(FromQueryResult)]
struct EventRow {
    kind: String,
    address_hash: Option<Vec<u8>>,
}

/// The addresses a channel reaches a person on (normalized), most preferred first.
pub fn channel_addresses<'a>(
    channel: Channel,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    mobile: Option<&'a str>,
) -> Vec<&'a str> {
    let v = match channel {
        Channel::Email => vec![email],
        Channel::Phone => vec![phone, mobile],
        Channel::Sms | Channel::Messenger => vec![mobile, phone],
        Channel::Letter => vec![],
    };
    v.into_iter().flatten().collect()
}

/// Loads the facts of one person for a decision; `None` if there is no such person.
pub async fn facts(
    tx: &TenantTx,
    key: &Key,
    person_id: Uuid,
    channel: Channel,
    purpose: &str,
    at: DateTime<Utc>,
) -> Result<Option<Facts>> {
    let Some(p) = PersonFacts::find_by_statement(stmt(
        "SELECT p.merged_into IS NOT NULL AS merged, p.archived_at IS NOT NULL AS archived, \
             p.restricted_at IS NOT NULL AS restricted, \
             EXISTS (SELECT 1 FROM person_organizations po WHERE po.person_id = p.id) AS business, \
             p.email_normalized, p.phone, p.mobile, \
             (p.street IS NOT NULL AND p.postal_code IS NOT NULL AND p.city IS NOT NULL) AS has_postal \
         FROM persons p WHERE p.id = $1",
        vec![person_id.into()],
    ))
    .one(&**tx)
    .await?
    else {
        return Ok(None);
    };
    let all: Vec<&str> = [&p.email_normalized, &p.phone, &p.mobile]
        .into_iter()
        .filter_map(|a| a.as_deref())
        .collect();
    let suppressed = !crate::suppression::suppressed_among(tx, key, &all)
        .await?
        .is_empty();
    let addresses = channel_addresses(
        channel,
        p.email_normalized.as_deref(),
        p.phone.as_deref(),
        p.mobile.as_deref(),
    );
    let hashes: Vec<Vec<u8>> = addresses.iter().map(|a| key.hash(a)).collect();
    let has_address = if channel == Channel::Letter {
        p.has_postal
    } else {
        !addresses.is_empty()
    };
    let events = EventRow::find_by_statement(stmt(
        "SELECT kind, address_hash FROM consent_events \
         WHERE person_id = $1 AND channel = $2 AND (purpose = $3 OR purpose IS NULL) AND at <= $4 \
         ORDER BY at DESC, seq DESC",
        vec![
            person_id.into(),
            channel.as_str().into(),
            purpose.into(),
            at.into(),
        ],
    ))
    .all(&**tx)
    .await?;
    // The newest event that applies: withdrawals always, grants only for a current address.
    let latest = events
        .iter()
        .filter_map(|e| EventKind::parse(&e.kind).map(|k| (k, e)))
        .find(|(k, e)| {
            k.withdraws()
                || !channel.is_addressed()
                || e.address_hash.is_none()
                || e.address_hash.as_ref().is_some_and(|h| hashes.contains(h))
        })
        .map(|(k, _)| k);
    let existing_customer = match (channel, &p.email_normalized) {
        (Channel::Email, Some(email)) => tx
            .query_one_raw(stmt(
                "SELECT 1 AS one FROM customer_exceptions x JOIN consent_purposes cp ON cp.key = $3 \
                 WHERE x.person_id = $1 AND x.address_hash = $2 AND $3 = ANY(x.purposes) \
                   AND cp.existing_customer_ok AND x.obtained_at <= $4 AND x.notice_given_at <= $4",
                vec![
                    person_id.into(),
                    key.hash(email).into(),
                    purpose.into(),
                    at.into(),
                ],
            ))
            .await?
            .is_some(),
        _ => false,
    };
    Ok(Some(Facts {
        merged: p.merged,
        archived: p.archived,
        restricted: p.restricted,
        suppressed,
        has_address,
        business: p.business,
        latest,
        existing_customer,
    }))
}

/// The decision for one person with explicit settings.
pub async fn may_contact_with(
    tx: &TenantTx,
    key: &Key,
    settings: &PolicySettings,
    person_id: Uuid,
    channel: Channel,
    purpose: &str,
    at: DateTime<Utc>,
) -> Result<Decision> {
    crate::ledger::check_purpose(tx, purpose).await?;
    Ok(
        match facts(tx, key, person_id, channel, purpose, at).await? {
            None => Decision::deny(Reason::UnknownContact),
            Some(f) => decide(channel, &f, settings),
        },
    )
}

/// `may_contact(contact, channel, purpose, at)` with the tenant's settings.
pub async fn may_contact(
    tx: &TenantTx,
    person_id: Uuid,
    channel: Channel,
    purpose: &str,
    at: DateTime<Utc>,
) -> Result<Decision> {
    let key = Key::load(tx).await?;
    let settings = PolicySettings::load(tx).await?;
    may_contact_with(tx, &key, &settings, person_id, channel, purpose, at).await
}

/// The policy as one set-based query: a row `(person_id, allowed, reason, basis)` for every
/// person. Parameters are numbered from `$first`; embed the text as a subquery or CTE and
/// append the returned values to the outer query's. Addresses are compared by the keyed
/// hashes a trigger keeps on every person (`email_hash`, `phone_hash`, `mobile_hash`).
pub fn decisions_sql(
    settings: &PolicySettings,
    channel: Channel,
    purpose: &str,
    at: DateTime<Utc>,
    first: usize,
) -> (String, Vec<Value>) {
    let p = |i: usize| format!("${}", first + i);
    let (ch, pur, at_p, doi, presumed, exc) = (p(0), p(1), p(2), p(3), p(4), p(5));
    let has_address = match channel {
        Channel::Email => "p.email_normalized IS NOT NULL",
        Channel::Phone | Channel::Sms | Channel::Messenger => {
            "(p.phone IS NOT NULL OR p.mobile IS NOT NULL)"
        }
        Channel::Letter => {
            "(p.street IS NOT NULL AND p.postal_code IS NOT NULL AND p.city IS NOT NULL)"
        }
    };
    let address_match = match channel {
        Channel::Letter => "true",
        Channel::Email => "e.address_hash IS NULL OR e.address_hash = p.email_hash",
        _ => {
            "e.address_hash IS NULL OR e.address_hash = p.phone_hash OR e.address_hash = p.mobile_hash"
        }
    };
    let sql = format!(
        "SELECT p.id AS person_id, d.reason IN ('LETTER_NO_OBJECTION', 'EXPRESS_CONSENT', \
             'DOUBLE_OPT_IN_CONFIRMED', 'PRESUMED_BUSINESS_CONSENT', 'EXISTING_CUSTOMER') AS allowed, \
             d.reason, CASE d.reason \
                 WHEN 'LETTER_NO_OBJECTION' THEN 'GDPR_ART_6_1_F_LEGITIMATE_INTEREST' \
                 WHEN 'EXPRESS_CONSENT' THEN 'GDPR_ART_6_1_A_CONSENT' \
                 WHEN 'DOUBLE_OPT_IN_CONFIRMED' THEN 'GDPR_ART_6_1_A_CONSENT' \
                 WHEN 'PRESUMED_BUSINESS_CONSENT' THEN 'UWG_7_2_PRESUMED_CONSENT' \
                 WHEN 'EXISTING_CUSTOMER' THEN 'UWG_7_3_EXISTING_CUSTOMER' END AS basis \
         FROM persons p \
         LEFT JOIN LATERAL (SELECT e.kind FROM consent_events e \
             WHERE e.person_id = p.id AND e.channel = {ch} AND (e.purpose = {pur} OR e.purpose IS NULL) \
               AND e.at <= {at_p} \
               AND (e.kind IN ('revoked', 'objected', 'expired') OR {address_match}) \
             ORDER BY e.at DESC, e.seq DESC LIMIT 1) l ON true \
         CROSS JOIN LATERAL (SELECT CASE \
             WHEN p.merged_into IS NOT NULL THEN 'MERGED' \
             WHEN p.archived_at IS NOT NULL THEN 'ARCHIVED' \
             WHEN p.restricted_at IS NOT NULL THEN 'RESTRICTED' \
             WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.hash = p.email_hash) \
                 OR EXISTS (SELECT 1 FROM suppressions s WHERE s.hash = p.phone_hash) \
                 OR EXISTS (SELECT 1 FROM suppressions s WHERE s.hash = p.mobile_hash) THEN 'SUPPRESSED' \
             WHEN NOT ({has_address}) THEN 'NO_ADDRESS' \
             WHEN l.kind = 'objected' THEN 'OBJECTED' \
             WHEN l.kind = 'revoked' THEN 'REVOKED' \
             WHEN {ch} = 'email' AND l.kind = 'confirmed' THEN 'DOUBLE_OPT_IN_CONFIRMED' \
             WHEN {ch} = 'email' AND l.kind = 'granted' AND NOT {doi} THEN 'EXPRESS_CONSENT' \
             WHEN {ch} <> 'email' AND l.kind IN ('granted', 'confirmed') THEN 'EXPRESS_CONSENT' \
             WHEN {ch} = 'letter' THEN 'LETTER_NO_OBJECTION' \
             WHEN {ch} = 'phone' AND l.kind = 'presumed' THEN CASE \
                 WHEN NOT EXISTS (SELECT 1 FROM person_organizations po WHERE po.person_id = p.id) \
                     THEN 'PRESUMED_CONSENT_CONSUMER' \
                 WHEN NOT {presumed} THEN 'PRESUMED_CONSENT_DISABLED' \
                 ELSE 'PRESUMED_BUSINESS_CONSENT' END \
             WHEN {ch} = 'email' AND {exc} AND EXISTS (SELECT 1 FROM customer_exceptions x \
                     JOIN consent_purposes cp ON cp.key = {pur} \
                     WHERE x.person_id = p.id AND x.address_hash = p.email_hash \
                       AND {pur} = ANY(x.purposes) AND cp.existing_customer_ok \
                       AND x.obtained_at <= {at_p} AND x.notice_given_at <= {at_p}) \
                 THEN 'EXISTING_CUSTOMER' \
             WHEN l.kind = 'pending' THEN 'DOUBLE_OPT_IN_PENDING' \
             WHEN l.kind = 'granted' THEN 'DOUBLE_OPT_IN_REQUIRED' \
             WHEN l.kind = 'expired' THEN 'EXPIRED' \
             ELSE 'NO_CONSENT' END AS reason) d"
    );
    let values = vec![
        channel.as_str().into(),
        purpose.into(),
        at.into(),
        settings.require_double_opt_in.into(),
        settings.presumed_business_phone.into(),
        settings.existing_customer_exception.into(),
    ];
    (sql, values)
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct DecisionRow {
    pub person_id: Uuid,
    pub allowed: bool,
    pub reason: String,
    pub basis: Option<String>,
}

/// Runs [`decisions_sql`] for the given persons (all when `persons` is `None`).
pub async fn decisions(
    tx: &TenantTx,
    settings: &PolicySettings,
    channel: Channel,
    purpose: &str,
    at: DateTime<Utc>,
    persons: Option<Vec<Uuid>>,
) -> Result<Vec<DecisionRow>> {
    crate::ledger::check_purpose(tx, purpose).await?;
    let (inner, mut values) = decisions_sql(settings, channel, purpose, at, 1);
    let filter = match persons {
        Some(ids) => {
            values.push(kartei_contacts::sql::uuid_array(ids));
            format!(" WHERE person_id = ANY(${})", values.len())
        }
        None => String::new(),
    };
    Ok(DecisionRow::find_by_statement(stmt(
        &format!("SELECT * FROM ({inner}) decisions{filter} ORDER BY person_id"),
        values,
    ))
    .all(&**tx)
    .await?)
}

/// Counts per reason over all persons (the consent overview of a tenant).
pub async fn reason_counts(
    tx: &TenantTx,
    channel: Channel,
    purpose: &str,
    at: DateTime<Utc>,
) -> Result<Vec<(String, bool, i64)>> {
    crate::ledger::check_purpose(tx, purpose).await?;
    let settings = PolicySettings::load(tx).await?;
    let (inner, values) = decisions_sql(&settings, channel, purpose, at, 1);
    #[derive(FromQueryResult)]
    struct Row {
        reason: String,
        allowed: bool,
        n: i64,
    }
    let rows = Row::find_by_statement(stmt(
        &format!(
            "SELECT reason, allowed, count(*) AS n FROM ({inner}) d GROUP BY reason, allowed \
             ORDER BY n DESC"
        ),
        values,
    ))
    .all(&**tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.reason, r.allowed, r.n))
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn facts(latest: Option<EventKind>) -> Facts {
        Facts {
            merged: false,
            archived: false,
            restricted: false,
            suppressed: false,
            has_address: true,
            business: false,
            latest,
            existing_customer: false,
        }
    }

    #[test]
    fn letter_needs_no_consent_but_respects_objection() {
        let s = PolicySettings::default();
        assert!(decide(Channel::Letter, &facts(None), &s).allowed);
        assert_eq!(
            decide(Channel::Letter, &facts(Some(EventKind::Objected)), &s).reason,
            Reason::Objected
        );
    }

    #[test]
    fn email_needs_double_opt_in_by_default() {
        let s = PolicySettings::default();
        assert_eq!(
            decide(Channel::Email, &facts(Some(EventKind::Granted)), &s).reason,
            Reason::DoubleOptInRequired
        );
        let lax = PolicySettings {
            require_double_opt_in: false,
            ..s
        };
        assert!(decide(Channel::Email, &facts(Some(EventKind::Granted)), &lax).allowed);
    }

    #[test]
    fn suppression_beats_consent() {
        let mut f = facts(Some(EventKind::Confirmed));
        f.suppressed = true;
        assert_eq!(
            decide(Channel::Email, &f, &PolicySettings::default()).reason,
            Reason::Suppressed
        );
    }
}
