//! GraphQL types of the compliance domain.

use crate::identity::types::Actor;
use crate::node::{self, Kind};
use async_graphql::{Enum, ID, InputObject, Json, SimpleObject};
use chrono::{DateTime, Utc};
use kartei_compliance::{dsr, erasure, exceptions, ledger, policy, retention, ropa};
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ConsentChannel {
    Email,
    Phone,
    Sms,
    Letter,
    Messenger,
}

impl From<ConsentChannel> for ledger::Channel {
    fn from(c: ConsentChannel) -> Self {
        match c {
            ConsentChannel::Email => ledger::Channel::Email,
            ConsentChannel::Phone => ledger::Channel::Phone,
            ConsentChannel::Sms => ledger::Channel::Sms,
            ConsentChannel::Letter => ledger::Channel::Letter,
            ConsentChannel::Messenger => ledger::Channel::Messenger,
        }
    }
}

impl From<ledger::Channel> for ConsentChannel {
    fn from(c: ledger::Channel) -> Self {
        match c {
            ledger::Channel::Email => ConsentChannel::Email,
            ledger::Channel::Phone => ConsentChannel::Phone,
            ledger::Channel::Sms => ConsentChannel::Sms,
            ledger::Channel::Letter => ConsentChannel::Letter,
            ledger::Channel::Messenger => ConsentChannel::Messenger,
        }
    }
}

/// What happened to a consent (every kind the ledger knows).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "ledger::EventKind")]
pub enum ConsentEventKind {
    /// Asked for, not yet confirmed (double opt-in mail sent).
    Pending,
    /// Express consent given.
    Granted,
    /// Confirmed by double opt-in.
    Confirmed,
    Revoked,
    /// Objection to direct marketing (GDPR Art. 21(2)).
    Objected,
    /// Presumed consent of a business to be called (UWG §7(2) Nr. 1).
    Presumed,
    Expired,
}

/// Where the proof of a consent event comes from (every source the ledger knows).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "ledger::Source")]
pub enum ConsentEventSource {
    WebForm,
    Import,
    Call,
    Paper,
    Email,
    Api,
    DoubleOptIn,
    UnsubscribeLink,
    Merge,
    Retention,
}

/// A person's consent on one channel for one purpose now: the latest ledger event there.
/// Keyed by the person, the channel and the purpose, so a cache keeps one state per pair
/// and updates it when a newer event arrives; `event` is the ledger entry behind it.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ConsentState {
    #[graphql(skip)]
    pub person: Option<Uuid>,
    pub channel: ConsentChannel,
    /// The purpose, or none for a channel-wide event (an objection, say).
    pub purpose: Option<String>,
    /// The latest event's kind: GRANTED or CONFIRMED mean consent; see `mayContact` for the
    /// full decision (suppression, the address it was given for, the tenant's policy).
    pub kind: ConsentEventKind,
    pub since: DateTime<Utc>,
    pub event: ConsentEvent,
}

crate::tenant_keyed!(ConsentState, ConsentState, |s| format!(
    "{}/{}/{}",
    s.person.map(|p| p.to_string()).unwrap_or_default(),
    ledger::Channel::from(s.channel).as_str(),
    s.purpose.as_deref().unwrap_or("")
));

impl From<ledger::Event> for ConsentState {
    fn from(e: ledger::Event) -> Self {
        let person = e.person_id;
        let event = ConsentEvent::from(e);
        ConsentState {
            person,
            channel: event.channel,
            purpose: event.purpose.clone(),
            kind: event.kind,
            since: event.at,
            event,
        }
    }
}

/// Events staff may record. `PENDING` and `CONFIRMED` come only from the double opt-in flow.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RecordableConsentKind {
    Granted,
    Revoked,
    Objected,
    Presumed,
    Expired,
}

impl From<RecordableConsentKind> for ledger::EventKind {
    fn from(k: RecordableConsentKind) -> Self {
        match k {
            RecordableConsentKind::Granted => ledger::EventKind::Granted,
            RecordableConsentKind::Revoked => ledger::EventKind::Revoked,
            RecordableConsentKind::Objected => ledger::EventKind::Objected,
            RecordableConsentKind::Presumed => ledger::EventKind::Presumed,
            RecordableConsentKind::Expired => ledger::EventKind::Expired,
        }
    }
}

/// Where the proof of a staff-recorded event comes from.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ConsentSource {
    WebForm,
    Call,
    Paper,
    Email,
    Api,
}

impl From<ConsentSource> for ledger::Source {
    fn from(s: ConsentSource) -> Self {
        match s {
            ConsentSource::WebForm => ledger::Source::WebForm,
            ConsentSource::Call => ledger::Source::Call,
            ConsentSource::Paper => ledger::Source::Paper,
            ConsentSource::Email => ledger::Source::Email,
            ConsentSource::Api => ledger::Source::Api,
        }
    }
}

#[derive(InputObject)]
pub struct ConsentEventInput {
    pub person_id: ID,
    pub channel: ConsentChannel,
    /// Required except for REVOKED, OBJECTED and EXPIRED, where null means every purpose.
    pub purpose: Option<String>,
    pub kind: RecordableConsentKind,
    /// When it happened (default: now); never in the future.
    pub at: Option<DateTime<Utc>>,
    pub source: ConsentSource,
    /// The proof's reference: form URL, call note id, archive number of the paper form.
    pub source_ref: Option<String>,
    /// The consent text version the person agreed to (required for GRANTED).
    pub text_hash: Option<String>,
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct ConsentEvent {
    pub id: ID,
    /// Position in the tenant's hash chain.
    pub seq: i64,
    pub person_id: Option<ID>,
    pub channel: ConsentChannel,
    pub purpose: Option<String>,
    pub kind: ConsentEventKind,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub source: ConsentEventSource,
    pub source_ref: Option<String>,
    pub text_hash: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub actor: Actor,
    pub note: Option<String>,
    /// Set on events carried over from a merged record: the original event.
    pub carried_from: Option<ID>,
    /// The chain hash of the tenant's event before this one: the link this event carries.
    pub prev_hash: String,
    /// sha256(prevHash || digest of this event's content).
    pub chain_hash: String,
}

impl From<ledger::Event> for ConsentEvent {
    fn from(e: ledger::Event) -> Self {
        ConsentEvent {
            id: node::id(Kind::ConsentEvent, e.id),
            seq: e.seq,
            person_id: e.person_id.map(|u| node::id(Kind::Person, u)),
            channel: ledger::Channel::parse(&e.channel)
                .unwrap_or(ledger::Channel::Email)
                .into(),
            purpose: e.purpose,
            kind: ledger::EventKind::parse(&e.kind)
                .unwrap_or(ledger::EventKind::Pending)
                .into(),
            at: e.at,
            recorded_at: e.recorded_at,
            source: ledger::Source::parse(&e.source)
                .unwrap_or(ledger::Source::Api)
                .into(),
            source_ref: e.source_ref,
            text_hash: e.text_hash,
            ip: e.ip,
            user_agent: e.user_agent,
            actor: Actor(e.actor),
            note: e.note,
            carried_from: e.carried_from.map(|u| node::id(Kind::ConsentEvent, u)),
            prev_hash: hex::encode(e.prev_hash),
            chain_hash: hex::encode(e.chain_hash),
        }
    }
}

/// A value object (no id): computed: may this person be contacted now.
#[derive(SimpleObject)]
pub struct ContactDecision {
    pub allowed: bool,
    /// A stable code, e.g. `DOUBLE_OPT_IN_CONFIRMED`, `REVOKED`, `SUPPRESSED`, `NO_CONSENT`.
    pub reason: String,
    /// The legal basis when allowed, e.g. `GDPR_ART_6_1_A_CONSENT`, `UWG_7_3_EXISTING_CUSTOMER`.
    pub legal_basis: Option<String>,
}

impl From<policy::Decision> for ContactDecision {
    fn from(d: policy::Decision) -> Self {
        ContactDecision {
            allowed: d.allowed,
            reason: d.reason.as_str().into(),
            legal_basis: d.basis.map(|b| b.as_str().into()),
        }
    }
}

/// A value object (no id): one row of a computed report.
#[derive(SimpleObject)]
pub struct ReasonCount {
    pub reason: String,
    pub allowed: bool,
    pub persons: i64,
}

/// A value object (no id): the tenant's singleton compliance policy.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "CompliancePolicyInput")]
pub struct CompliancePolicy {
    /// Email consent counts only once confirmed by double opt-in (default true).
    pub require_double_opt_in: bool,
    /// Businesses may be called on a recorded presumed consent (default false).
    pub presumed_business_phone: bool,
    /// Email to existing customers under UWG §7(3) where its conditions are recorded.
    pub existing_customer_exception: bool,
    /// Validity of double opt-in confirmation links (1-720 hours, default 72).
    pub double_opt_in_link_hours: i32,
}

impl From<policy::PolicySettings> for CompliancePolicy {
    fn from(s: policy::PolicySettings) -> Self {
        CompliancePolicy {
            require_double_opt_in: s.require_double_opt_in,
            presumed_business_phone: s.presumed_business_phone,
            existing_customer_exception: s.existing_customer_exception,
            double_opt_in_link_hours: s.double_opt_in_link_hours as i32,
        }
    }
}

/// What a consent is for (a newsletter, product news, ...).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ConsentPurpose {
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    /// The purpose advertises the tenant's own similar products (UWG §7(3) may cover it).
    pub existing_customer_ok: bool,
}

crate::tenant_keyed!(ConsentPurpose, ConsentPurpose, |p| p.key.clone());

#[derive(InputObject)]
pub struct ConsentPurposeInput {
    pub key: String,
    pub label: String,
    pub description: Option<String>,
    /// The purpose advertises the tenant's own similar products (UWG §7(3) may cover it).
    pub existing_customer_ok: bool,
}

impl From<ledger::Purpose> for ConsentPurpose {
    fn from(p: ledger::Purpose) -> Self {
        ConsentPurpose {
            key: p.key,
            label: p.label,
            description: p.description,
            existing_customer_ok: p.existing_customer_ok,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ConsentText {
    /// SHA-256 of the body: the version's address.
    pub hash: String,
    pub language: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Actor,
}

crate::tenant_keyed!(ConsentText, ConsentText, |t| t.hash.clone());

impl From<ledger::ConsentText> for ConsentText {
    fn from(t: ledger::ConsentText) -> Self {
        ConsentText {
            hash: t.hash,
            language: t.language,
            title: t.title,
            body: t.body,
            created_at: t.created_at,
            created_by: Actor(t.created_by),
        }
    }
}

/// A value object (no id): one finding of a consent-chain check.
#[derive(SimpleObject)]
pub struct ChainBreak {
    pub seq: i64,
    pub event_id: Option<ID>,
    /// `content_changed`, `chain_broken`, `sequence_gap` or `head_mismatch`.
    pub problem: String,
}

/// A value object (no id): the result of a consent-chain check, computed.
#[derive(SimpleObject)]
pub struct ConsentChainReport {
    pub intact: bool,
    pub events: i64,
    pub redacted: i64,
    pub head_seq: i64,
    /// Anchor this outside the database to detect a rewrite of the whole chain.
    pub head_hash: String,
    pub breaks: Vec<ChainBreak>,
}

impl From<ledger::ChainReport> for ConsentChainReport {
    fn from(r: ledger::ChainReport) -> Self {
        ConsentChainReport {
            intact: r.breaks.is_empty(),
            events: r.events,
            redacted: r.redacted,
            head_seq: r.head_seq,
            head_hash: r.head_hash,
            breaks: r
                .breaks
                .into_iter()
                .map(|b| ChainBreak {
                    seq: b.seq,
                    event_id: b.id.map(|u| node::id(Kind::ConsentEvent, u)),
                    problem: b.problem,
                })
                .collect(),
        }
    }
}

/// A value object (no id): a signed form token, generated and not stored.
#[derive(SimpleObject)]
pub struct SubscribeForm {
    /// Put this in the form as the hidden field `token`.
    pub token: String,
    /// Where the form posts to (`email`, optional `firstName`, `lastName`, `token`).
    pub action_url: String,
}

/// A value object (no id): a signed link, generated and not stored.
#[derive(SimpleObject)]
pub struct UnsubscribeLink {
    pub url: String,
    /// `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058) for the mail that carries it.
    pub headers: Vec<MailHeader>,
}

/// A value object (no id): one header of a rendered mail.
#[derive(SimpleObject)]
pub struct MailHeader {
    pub name: String,
    pub value: String,
}

#[derive(InputObject)]
pub struct ExistingCustomerInput {
    pub person_id: ID,
    /// When the email address was obtained in the sale.
    pub obtained_at: DateTime<Utc>,
    /// The order or invoice number of that sale.
    pub sale_reference: String,
    /// Purposes for the tenant's own similar products.
    pub purposes: Vec<String>,
    /// When the customer was told they may object at any time.
    pub notice_given_at: DateTime<Utc>,
    pub notice_text_hash: Option<String>,
}

#[derive(SimpleObject)]
pub struct ExistingCustomerRecord {
    pub id: ID,
    pub person_id: ID,
    pub obtained_at: DateTime<Utc>,
    pub sale_reference: String,
    pub purposes: Vec<String>,
    pub notice_given_at: DateTime<Utc>,
    pub notice_text_hash: Option<String>,
    pub recorded_by: Actor,
    pub recorded_at: DateTime<Utc>,
}

impl From<exceptions::Record> for ExistingCustomerRecord {
    fn from(r: exceptions::Record) -> Self {
        ExistingCustomerRecord {
            id: node::id(Kind::ExistingCustomerRecord, r.id),
            person_id: node::id(Kind::Person, r.person_id),
            obtained_at: r.obtained_at,
            sale_reference: r.sale_reference,
            purposes: r.purposes,
            notice_given_at: r.notice_given_at,
            notice_text_hash: r.notice_text_hash,
            recorded_by: Actor(r.recorded_by),
            recorded_at: r.recorded_at,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SuppressionReason {
    Unsubscribe,
    Bounce,
    Complaint,
    Manual,
}

/// A value object (no id): the answer to looking up one address (the list keeps keyed hashes, not ids).
#[derive(SimpleObject)]
pub struct SuppressionEntry {
    pub kind: SuppressionKind,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Actor,
}

/// A value object (no id): computed counts.
#[derive(SimpleObject)]
pub struct SuppressionCounts {
    pub email: i64,
    pub phone: i64,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "dsr::RequestKind")]
pub enum DataSubjectRequestKind {
    Access,
    Portability,
    Erasure,
    Rectification,
    Restriction,
    Objection,
}

/// Where a data-subject request stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum DataSubjectRequestStatus {
    Open,
    Completed,
    Rejected,
}

impl DataSubjectRequestStatus {
    fn parse(s: &str) -> Self {
        match s {
            "completed" => Self::Completed,
            "rejected" => Self::Rejected,
            _ => Self::Open,
        }
    }
}

/// Which kind of address a suppression entry blocks.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SuppressionKind {
    Email,
    Phone,
}

#[derive(SimpleObject)]
pub struct DataSubjectRequest {
    pub id: ID,
    /// Null once the person was erased.
    pub person_id: Option<ID>,
    pub kind: DataSubjectRequestKind,
    pub status: DataSubjectRequestStatus,
    pub received_at: DateTime<Utc>,
    /// One month after receipt (Art. 12(3) GDPR), three when extended.
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    pub extended_reason: Option<String>,
    pub note: Option<String>,
    pub created_by: Actor,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by: Option<Actor>,
    /// For access and portability requests: the archive to send (GET, same headers).
    pub export_path: Option<String>,
}

impl From<dsr::Request> for DataSubjectRequest {
    fn from(r: dsr::Request) -> Self {
        let export_path = match (r.kind.as_str(), r.person_id) {
            ("access" | "portability", Some(p)) => Some(format!(
                "/files/compliance/persons/{p}/export.zip?requestId={}",
                r.id
            )),
            _ => None,
        };
        DataSubjectRequest {
            id: node::id(Kind::DataSubjectRequest, r.id),
            person_id: r.person_id.map(|u| node::id(Kind::Person, u)),
            overdue: r.status == "open" && r.due_at < Utc::now(),
            kind: dsr::RequestKind::parse(&r.kind)
                .unwrap_or(dsr::RequestKind::Access)
                .into(),
            status: DataSubjectRequestStatus::parse(&r.status),
            received_at: r.received_at,
            due_at: r.due_at,
            extended_reason: r.extended_reason,
            note: r.note,
            created_by: Actor(r.created_by),
            completed_at: r.completed_at,
            completed_by: r.completed_by.map(Actor),
            export_path,
        }
    }
}

/// A value object (no id): the result of one erasure.
#[derive(SimpleObject)]
pub struct ErasureSummary {
    pub erasure_id: ID,
    /// What was removed, by table; no personal data.
    pub removed: Json<serde_json::Value>,
    /// What a legal duty keeps, as legal holds (Art. 17(3)(b) GDPR): kind, basis, until when.
    pub kept: Vec<KeptRecords>,
}

impl From<erasure::Summary> for ErasureSummary {
    fn from(s: erasure::Summary) -> Self {
        ErasureSummary {
            erasure_id: node::id(Kind::ErasureRecord, s.erasure_id),
            removed: Json(serde_json::to_value(&s).unwrap_or_default()),
            kept: s.kept.into_iter().map(Into::into).collect(),
        }
    }
}

/// What a legal hold keeps.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum LegalHoldKind {
    /// The proof of a phone consent (§7a UWG): its events and the calls made on it.
    PhoneConsentProof,
    /// An invoice (an accounting voucher, §147 AO, §257 HGB).
    Invoice,
    /// An order (a business letter).
    Order,
    /// A letter or offer sent or received (a business letter, §257 HGB).
    BusinessLetter,
}

impl LegalHoldKind {
    fn parse(s: &str) -> Self {
        match s {
            "phone_consent_proof" => Self::PhoneConsentProof,
            "invoice" => Self::Invoice,
            "order" => Self::Order,
            _ => Self::BusinessLetter,
        }
    }
}

/// A value object (no id): records of one kind an erasure kept as legal holds.
#[derive(SimpleObject)]
pub struct KeptRecords {
    pub kind: LegalHoldKind,
    /// The law that requires keeping them.
    pub basis: String,
    pub count: i64,
    /// The last day the longest-kept of them is kept.
    pub held_until: chrono::NaiveDate,
}

impl From<kartei_compliance::holds::Kept> for KeptRecords {
    fn from(k: kartei_compliance::holds::Kept) -> Self {
        KeptRecords {
            kind: LegalHoldKind::parse(&k.kind),
            basis: k.basis,
            count: k.count,
            held_until: k.held_until,
        }
    }
}

/// A record kept after an erasure because a legal duty requires it. Only this view shows it,
/// to tenant admins, and every read is audited.
#[derive(SimpleObject)]
pub struct LegalHold {
    pub id: ID,
    /// The erasure that created it.
    pub erasure_id: ID,
    pub kind: LegalHoldKind,
    pub basis: String,
    /// The date its period counts from (for consent proof: the last use of the consent).
    pub document_date: chrono::NaiveDate,
    /// The last day it is kept; the retention run deletes it the day after.
    pub held_until: chrono::NaiveDate,
    /// The minimized record.
    pub record: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    /// For consent proof: every held event still hashes to the digest the consent chain holds.
    pub proof_verified: Option<bool>,
}

impl From<kartei_compliance::holds::Hold> for LegalHold {
    fn from(h: kartei_compliance::holds::Hold) -> Self {
        LegalHold {
            id: node::id(Kind::LegalHold, h.id),
            erasure_id: node::id(Kind::ErasureRecord, h.erasure_id),
            kind: LegalHoldKind::parse(&h.kind),
            basis: h.basis,
            document_date: h.document_date,
            held_until: h.held_until,
            record: Json(h.record),
            created_at: h.created_at,
            proof_verified: h.proof_verified,
        }
    }
}

#[derive(SimpleObject)]
pub struct ErasureRecord {
    pub id: ID,
    pub erased_at: DateTime<Utc>,
    pub actor: Actor,
    pub reason: String,
    pub request_id: Option<ID>,
    pub removed: Json<serde_json::Value>,
}

impl From<erasure::ErasureRecord> for ErasureRecord {
    fn from(r: erasure::ErasureRecord) -> Self {
        ErasureRecord {
            id: node::id(Kind::ErasureRecord, r.id),
            erased_at: r.erased_at,
            actor: Actor(r.actor),
            reason: r.reason,
            request_id: r.request_id.map(|u| node::id(Kind::DataSubjectRequest, u)),
            removed: Json(r.removed),
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RetentionAction {
    /// Hand over for erasure (erasure queue, archived), for a person to confirm.
    Flag,
    /// Erase right away.
    Erase,
}

#[derive(InputObject)]
pub struct RetentionPolicyInput {
    pub name: String,
    /// Due after this many months without interaction, purchase or consent activity.
    pub inactive_months: i32,
    pub action: RetentionAction,
    #[graphql(default = true)]
    pub enabled: bool,
}

#[derive(SimpleObject)]
pub struct RetentionPolicy {
    pub id: ID,
    pub name: String,
    pub inactive_months: i32,
    /// `flag` or `erase`.
    pub action: String,
    pub enabled: bool,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_result: Option<Json<serde_json::Value>>,
    pub created_by: Actor,
    pub created_at: DateTime<Utc>,
}

impl From<retention::Policy> for RetentionPolicy {
    fn from(p: retention::Policy) -> Self {
        RetentionPolicy {
            id: node::id(Kind::RetentionPolicy, p.id),
            name: p.name,
            inactive_months: p.inactive_months,
            action: p.action,
            enabled: p.enabled,
            last_run_at: p.last_run_at,
            last_result: p.last_result.map(Json),
            created_by: Actor(p.created_by),
            created_at: p.created_at,
        }
    }
}

/// A value object (no id): one row of a retention dry run.
#[derive(SimpleObject)]
pub struct RetentionCandidate {
    pub person_id: ID,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub last_interaction_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Already handed over for erasure.
    pub flagged: bool,
}

/// A value object (no id): computed: what a retention policy would erase.
#[derive(SimpleObject)]
pub struct RetentionDryRun {
    pub cutoff: DateTime<Utc>,
    pub total: i64,
    pub sample: Vec<RetentionCandidate>,
}

impl From<retention::DryRun> for RetentionDryRun {
    fn from(d: retention::DryRun) -> Self {
        RetentionDryRun {
            cutoff: d.cutoff,
            total: d.total,
            sample: d
                .sample
                .into_iter()
                .map(|c| RetentionCandidate {
                    person_id: node::id(Kind::Person, c.id),
                    first_name: c.first_name,
                    last_name: c.last_name,
                    email: c.email,
                    last_interaction_at: c.last_interaction_at,
                    created_at: c.created_at,
                    flagged: c.flagged,
                })
                .collect(),
        }
    }
}

#[derive(InputObject)]
pub struct ProcessingActivityInput {
    pub name: String,
    pub purpose: String,
    pub legal_basis: String,
    #[graphql(default)]
    pub data_subjects: Vec<String>,
    #[graphql(default)]
    pub data_categories: Vec<String>,
    #[graphql(default)]
    pub recipients: Vec<String>,
    pub third_countries: Option<String>,
    pub retention: String,
    /// Technical and organisational measures (Art. 32).
    pub safeguards: String,
}

impl From<ProcessingActivityInput> for ropa::ActivityInput {
    fn from(a: ProcessingActivityInput) -> Self {
        ropa::ActivityInput {
            name: a.name,
            purpose: a.purpose,
            legal_basis: a.legal_basis,
            data_subjects: a.data_subjects,
            data_categories: a.data_categories,
            recipients: a.recipients,
            third_countries: a.third_countries,
            retention: a.retention,
            safeguards: a.safeguards,
        }
    }
}

#[derive(SimpleObject)]
pub struct ProcessingActivity {
    pub id: ID,
    pub name: String,
    pub purpose: String,
    pub legal_basis: String,
    pub data_subjects: Vec<String>,
    pub data_categories: Vec<String>,
    pub recipients: Vec<String>,
    pub third_countries: Option<String>,
    pub retention: String,
    pub safeguards: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Actor,
}

impl From<ropa::Activity> for ProcessingActivity {
    fn from(a: ropa::Activity) -> Self {
        ProcessingActivity {
            id: node::id(Kind::ProcessingActivity, a.id),
            name: a.name,
            purpose: a.purpose,
            legal_basis: a.legal_basis,
            data_subjects: a.data_subjects,
            data_categories: a.data_categories,
            recipients: a.recipients,
            third_countries: a.third_countries,
            retention: a.retention,
            safeguards: a.safeguards,
            updated_at: a.updated_at,
            updated_by: Actor(a.updated_by),
        }
    }
}

/// A value object (no id): the tenant's imprint (Impressum, §5 DDG). Every marketing email
/// closes with it and the objection notice; letters carry it as sender line and page foot; a
/// campaign that mails or writes letters cannot launch without it.
#[derive(async_graphql::SimpleObject, async_graphql::InputObject, Clone)]
#[graphql(input_name = "ImprintInput")]
pub struct Imprint {
    /// The full name with its legal form ("Muster Marketing GmbH").
    pub company: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    #[graphql(default_with = "\"DE\".to_string()")]
    pub country: String,
    /// Who represents the company ("Geschäftsführerin: Anna Muster").
    pub represented_by: String,
    /// Register court and number, where registered ("Amtsgericht Köln, HRB 12345").
    pub register: Option<String>,
    /// VAT identification number, where there is one.
    pub vat_id: Option<String>,
    /// An address for quick electronic contact.
    pub email: String,
    pub phone: Option<String>,
}

impl From<kartei_compliance::imprint::Imprint> for Imprint {
    fn from(i: kartei_compliance::imprint::Imprint) -> Self {
        Imprint {
            company: i.company,
            street: i.street,
            postal_code: i.postal_code,
            city: i.city,
            country: i.country,
            represented_by: i.represented_by,
            register: i.register,
            vat_id: i.vat_id,
            email: i.email,
            phone: i.phone,
        }
    }
}

impl From<Imprint> for kartei_compliance::imprint::Imprint {
    fn from(i: Imprint) -> Self {
        kartei_compliance::imprint::Imprint {
            company: i.company,
            street: i.street,
            postal_code: i.postal_code,
            city: i.city,
            country: i.country,
            represented_by: i.represented_by,
            register: i.register,
            vat_id: i.vat_id,
            email: i.email,
            phone: i.phone,
        }
    }
}

/// A value object (no id): a proof dossier, generated on request (and audited).
#[derive(SimpleObject)]
pub struct ProofDossier {
    /// The printable document (HTML; print it to PDF in a browser).
    pub html: String,
    pub generated_at: DateTime<Utc>,
    /// Consent and objection events on the channel.
    pub events: i32,
    /// Messages sent on the channel.
    pub messages: i32,
    /// Whether the tenant's whole consent chain verified when the dossier was made.
    pub chain_intact: bool,
}

impl From<kartei_compliance::dossier::Dossier> for ProofDossier {
    fn from(d: kartei_compliance::dossier::Dossier) -> Self {
        ProofDossier {
            html: d.html,
            generated_at: d.generated_at,
            events: i32::try_from(d.events).unwrap_or(i32::MAX),
            messages: i32::try_from(d.messages).unwrap_or(i32::MAX),
            chain_intact: d.chain_intact,
        }
    }
}
