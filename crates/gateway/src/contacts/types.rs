//! GraphQL types of the contacts domain, mirroring `kartei_contacts` types.

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Interface, Json, MaybeUndefined, Object,
    SimpleObject,
};
use chrono::{DateTime, NaiveDate, Utc};
use kartei_contacts::{
    duplicates, import, interactions, organizations, persons, quality, relations, rules, timeline,
    transactions,
};
use kartei_core::ctx::Role;
use serde::Deserialize;
use uuid::Uuid;

use crate::context::{tenant, tenant_tx};
use crate::error::{api, parse_uuid};
use crate::identity::types::Actor;
use crate::loaders;
use crate::node::{self, Kind};
use crate::payload::{Payload, UserError};
use crate::relay::{self, Conn};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LifecycleStage {
    Lead,
    Prospect,
    Customer,
    ExCustomer,
}

impl LifecycleStage {
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStage::Lead => "lead",
            LifecycleStage::Prospect => "prospect",
            LifecycleStage::Customer => "customer",
            LifecycleStage::ExCustomer => "ex_customer",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "prospect" => LifecycleStage::Prospect,
            "customer" => LifecycleStage::Customer,
            "ex_customer" => LifecycleStage::ExCustomer,
            _ => LifecycleStage::Lead,
        }
    }
}

/// A person (B2C customer or someone at an organization).
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Person {
    #[graphql(owned)]
    pub id: ID,
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// E.164.
    pub mobile: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub position: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub website: Option<String>,
    pub tags: Vec<String>,
    /// Custom field values by key, typed by their definitions.
    pub custom: Json<serde_json::Value>,
    pub owner_id: Option<ID>,
    /// A value of picklist `source`.
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub lifecycle_stage: LifecycleStage,
    pub do_not_reactivate: bool,
    /// A value of picklist `dnr_reason`.
    pub dnr_reason: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Set on records merged into another; that one is the live record.
    pub merged_into: Option<ID>,
    /// Set while the person is under restriction of processing (Art. 18 GDPR): they are only
    /// stored, left out of segments, campaigns, search, exports and analytics, and cannot be
    /// changed until `liftRestriction`.
    pub restricted_at: Option<DateTime<Utc>>,
    pub restriction_reason: Option<String>,
    pub last_interaction_at: Option<DateTime<Utc>>,
    pub last_purchase_at: Option<NaiveDate>,
    /// Send back with updates; a stale version gets CONFLICT.
    pub version: i32,
    pub organization_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[graphql(skip)]
    pub inner: persons::Person,
    /// The person's relations, when the page that listed the person loaded them for all its
    /// rows at once (see `contacts::query::relations_of_page`).
    #[graphql(skip)]
    pub relations: Option<std::sync::Arc<Vec<Relation>>>,
}

impl From<persons::Person> for Person {
    fn from(p: persons::Person) -> Self {
        Person {
            id: node::id(Kind::Person, p.id),
            display_name: p.display_name(),
            salutation: p.salutation.clone(),
            title: p.title.clone(),
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            mobile: p.mobile.clone(),
            birthday: p.birthday,
            position: p.position.clone(),
            street: p.street.clone(),
            postal_code: p.postal_code.clone(),
            city: p.city.clone(),
            country: p.country.clone(),
            website: p.website.clone(),
            tags: p.tags.clone(),
            custom: Json(p.custom.clone()),
            owner_id: p.owner_id.map(|u| node::id(Kind::User, u)),
            source: p.source.clone(),
            external_id: p.external_id.clone(),
            lifecycle_stage: LifecycleStage::parse(&p.lifecycle_stage),
            do_not_reactivate: p.do_not_reactivate,
            dnr_reason: p.dnr_reason.clone(),
            archived_at: p.archived_at,
            merged_into: p.merged_into.map(|u| node::id(Kind::Person, u)),
            restricted_at: p.restricted_at,
            restriction_reason: p.restriction_reason.clone(),
            last_interaction_at: p.last_interaction_at,
            last_purchase_at: p.last_purchase_at,
            version: p.version,
            organization_name: p.organization_name.clone(),
            created_at: p.created_at,
            updated_at: p.updated_at,
            inner: p,
            relations: None,
        }
    }
}

#[ComplexObject]
impl Person {
    /// Organizations this person works for, the primary one first.
    async fn organizations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<std::sync::Arc<Vec<Relation>>> {
        let tenant_id = tenant(ctx, Role::Viewer)?.tenant_id.0;
        if let Some(loaded) = &self.relations {
            return Ok(loaded.clone());
        }
        let rels = loaders::one(ctx, loaders::RelationsOfPerson(self.inner.id)).await?;
        Ok(std::sync::Arc::new(
            rels.map(|r| {
                r.iter()
                    .cloned()
                    .map(|r| Relation::of(r, tenant_id))
                    .collect()
            })
            .unwrap_or_default(),
        ))
    }

    /// Interactions, transactions, merges and campaign messages, newest first.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<TimelineEntry>> {
        timeline_connection(
            ctx,
            timeline::Subject::Person(self.inner.id),
            (first, after, last, before),
        )
        .await
    }

    /// Likely duplicates of this person, best first (computed live; costs 10 per person).
    #[graphql(complexity = "10 + child_complexity")]
    async fn duplicates(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<DuplicateCandidate>> {
        tenant(ctx, Role::Viewer)?;
        let c = loaders::one(ctx, loaders::DuplicatesOf(self.inner.id)).await?;
        Ok(
            c.map(|c| c.iter().cloned().map(DuplicateCandidate::from).collect())
                .unwrap_or_default(),
        )
    }

    /// Data-quality score: completeness, freshness and duplicate suspicion.
    async fn quality(&self, ctx: &Context<'_>) -> async_graphql::Result<Quality> {
        tenant(ctx, Role::Viewer)?;
        let dup = loaders::one(ctx, loaders::DuplicateSuspected(self.inner.id))
            .await?
            .unwrap_or(false);
        Ok(quality::quality_of(&self.inner, dup, Utc::now()).into())
    }

    /// The user who looks after this person: name and email, for the tenant's members. Null
    /// when there is none, or the user is not (or no longer) a member of the tenant.
    async fn owner(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::identity::types::User>> {
        owner(ctx, self.inner.owner_id).await
    }

    /// The current consent state: the latest ledger event per channel and purpose.
    async fn consents(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::compliance::types::ConsentState>> {
        tenant(ctx, Role::Viewer)?;
        let events = loaders::one(ctx, loaders::ConsentsOf(self.inner.id)).await?;
        Ok(events
            .map(|e| e.iter().cloned().map(Into::into).collect())
            .unwrap_or_default())
    }
}

/// A person's or organization's timeline as a connection, newest first. Pages of many
/// subjects with the same arguments load together (one set of statements per level).
pub(crate) async fn timeline_connection(
    ctx: &Context<'_>,
    subject: timeline::Subject,
    (first, after, last, before): (Option<i32>, Option<String>, Option<i32>, Option<String>),
) -> async_graphql::Result<Conn<TimelineEntry>> {
    let req = relay::request::<timeline::TimelineKey>(first, after, last, before)?;
    tenant(ctx, Role::Viewer)?;
    let page = loaders::one(
        ctx,
        loaders::TimelinePage {
            subject,
            args: req.into(),
        },
    )
    .await?
    .map(std::sync::Arc::unwrap_or_clone)
    .unwrap_or(kartei_core::paging::Page {
        items: Vec::new(),
        has_next_page: false,
        has_previous_page: false,
    });
    Ok(relay::connection(
        page,
        TimelineEntry::from,
        relay::Total::Timeline(subject),
    ))
}

/// A value object (no id): a computed score breakdown of the person that holds it.
#[derive(SimpleObject)]
pub struct Quality {
    /// 0-100: half completeness, 30% freshness, 20% no duplicate suspicion.
    pub score: i32,
    pub completeness: f64,
    pub freshness: f64,
    pub duplicate_suspected: bool,
}

impl From<quality::Quality> for Quality {
    fn from(q: quality::Quality) -> Self {
        Quality {
            score: q.score,
            completeness: q.completeness,
            freshness: q.freshness,
            duplicate_suspected: q.duplicate_suspected,
        }
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Organization {
    #[graphql(owned)]
    pub id: ID,
    pub name: String,
    /// A value of picklist `industry`.
    pub industry: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub tags: Vec<String>,
    pub custom: Json<serde_json::Value>,
    pub owner_id: Option<ID>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub lifecycle_stage: LifecycleStage,
    pub do_not_reactivate: bool,
    pub dnr_reason: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub last_interaction_at: Option<DateTime<Utc>>,
    pub last_purchase_at: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A record's owner, if the tenant may see them (see [`loaders::UserKey`]).
async fn owner(
    ctx: &Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<crate::identity::types::User>> {
    let Some(id) = id else {
        return Ok(None);
    };
    tenant(ctx, Role::Viewer)?;
    let u = loaders::one(ctx, loaders::UserKey(id)).await?;
    Ok(u.map(|u| crate::identity::types::User(std::sync::Arc::unwrap_or_clone(u))))
}

#[ComplexObject]
impl Organization {
    /// The user who looks after this organization (as `Person.owner`).
    async fn owner(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::identity::types::User>> {
        let id = self
            .owner_id
            .as_ref()
            .map(|o| parse_uuid(o, "ownerId"))
            .transpose()?;
        owner(ctx, id).await
    }

    /// The people who work here, with job title and buying-center role (the oldest relation
    /// first, at most 1000).
    async fn people(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Relation>> {
        let tenant_id = tenant(ctx, Role::Viewer)?.tenant_id.0;
        let id = parse_uuid(&self.id, "id")?;
        let rels = loaders::one(ctx, loaders::PeopleOf(id)).await?;
        Ok(rels
            .map(|r| {
                r.iter()
                    .cloned()
                    .map(|r| Relation::of(r, tenant_id))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Interactions, transactions and merges, newest first.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<TimelineEntry>> {
        let id = parse_uuid(&self.id, "id")?;
        timeline_connection(
            ctx,
            timeline::Subject::Organization(id),
            (first, after, last, before),
        )
        .await
    }
}

impl From<organizations::Organization> for Organization {
    fn from(o: organizations::Organization) -> Self {
        Organization {
            id: node::id(Kind::Organization, o.id),
            name: o.name,
            industry: o.industry,
            website: o.website,
            email: o.email,
            phone: o.phone,
            street: o.street,
            postal_code: o.postal_code,
            city: o.city,
            country: o.country,
            tags: o.tags,
            custom: Json(o.custom),
            owner_id: o.owner_id.map(|u| node::id(Kind::User, u)),
            source: o.source,
            external_id: o.external_id,
            lifecycle_stage: LifecycleStage::parse(&o.lifecycle_stage),
            do_not_reactivate: o.do_not_reactivate,
            dnr_reason: o.dnr_reason,
            archived_at: o.archived_at,
            last_interaction_at: o.last_interaction_at,
            last_purchase_at: o.last_purchase_at,
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum BuyingRole {
    EconomicBuyer,
    UserBuyer,
    TechnicalBuyer,
    Coach,
}

impl BuyingRole {
    pub fn as_str(self) -> &'static str {
        match self {
            BuyingRole::EconomicBuyer => "economic_buyer",
            BuyingRole::UserBuyer => "user_buyer",
            BuyingRole::TechnicalBuyer => "technical_buyer",
            BuyingRole::Coach => "coach",
        }
    }
}

// Kept as the domain row: ids are encoded only when a client asks for them, and the two ends
// load by their UUIDs without decoding an id again (a page of people with their
// organizations resolves many of these).
#[derive(Clone)]
pub struct Relation {
    inner: relations::Relation,
    tenant: Uuid,
    /// The organization, when loaded together with the relation (shared by every relation
    /// to it on the page).
    organization: Option<std::sync::Arc<Organization>>,
}

/// Who works where: a person at an organization, with job title and buying-center role.
#[Object]
impl Relation {
    /// Opaque; the same for as long as the person and the organization stay linked.
    pub async fn id(&self) -> ID {
        Self::id_of(
            self.tenant,
            self.inner.person_id,
            self.inner.organization_id,
        )
    }

    async fn person_id(&self) -> ID {
        node::id(Kind::Person, self.inner.person_id)
    }

    async fn organization_id(&self) -> ID {
        node::id(Kind::Organization, self.inner.organization_id)
    }

    async fn job_title(&self) -> Option<&str> {
        self.inner.job_title.as_deref()
    }

    async fn is_primary(&self) -> bool {
        self.inner.is_primary
    }

    async fn buying_role(&self) -> Option<BuyingRole> {
        self.inner.buying_role.as_deref().map(|b| match b {
            "economic_buyer" => BuyingRole::EconomicBuyer,
            "user_buyer" => BuyingRole::UserBuyer,
            "technical_buyer" => BuyingRole::TechnicalBuyer,
            _ => BuyingRole::Coach,
        })
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.inner.created_at
    }

    /// The person.
    async fn person(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        tenant(ctx, Role::Viewer)?;
        let p = loaders::one(ctx, loaders::PersonKey(self.inner.person_id)).await?;
        Ok(p.map(|p| Person::from(std::sync::Arc::unwrap_or_clone(p))))
    }

    /// The organization.
    async fn organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<std::sync::Arc<Organization>>> {
        tenant(ctx, Role::Viewer)?;
        if let Some(o) = &self.organization {
            return Ok(Some(o.clone()));
        }
        let o = loaders::one(ctx, loaders::OrganizationKey(self.inner.organization_id)).await?;
        Ok(o.map(|o| std::sync::Arc::new(Organization::from(std::sync::Arc::unwrap_or_clone(o)))))
    }
}

impl Relation {
    /// The link's id: tenant-local, keyed by its two ends.
    pub fn id_of(tenant: Uuid, person: Uuid, organization: Uuid) -> ID {
        node::local_id(Kind::Relation, tenant, format!("{person}/{organization}"))
    }

    pub fn of(r: relations::Relation, tenant: Uuid) -> Self {
        Relation {
            inner: r,
            tenant,
            organization: None,
        }
    }

    /// The relation with its organization, loaded together.
    pub fn with_organization(
        r: relations::Relation,
        tenant: Uuid,
        organization: Option<std::sync::Arc<Organization>>,
    ) -> Self {
        Relation {
            inner: r,
            tenant,
            organization,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum InteractionKind {
    Call,
    Letter,
    Email,
    Meeting,
    Offer,
    Gift,
    Note,
    Social,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum Direction {
    Inbound,
    Outbound,
    Internal,
}

macro_rules! lower_enum {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s,)* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(<$t>::$v),)* _ => None }
            }
        }
    };
}

lower_enum!(InteractionKind { Call => "call", Letter => "letter", Email => "email", Meeting => "meeting", Offer => "offer", Gift => "gift", Note => "note", Social => "social" });
lower_enum!(Direction { Inbound => "inbound", Outbound => "outbound", Internal => "internal" });

#[derive(SimpleObject)]
pub struct Interaction {
    #[graphql(owned)]
    pub id: ID,
    pub person_id: Option<ID>,
    pub organization_id: Option<ID>,
    pub kind: InteractionKind,
    pub direction: Direction,
    pub occurred_at: DateTime<Utc>,
    /// `user:<id>` or `api_key:<id>`.
    pub author: Actor,
    pub subject: Option<String>,
    pub summary: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl From<interactions::Interaction> for Interaction {
    fn from(i: interactions::Interaction) -> Self {
        Interaction {
            id: node::id(Kind::Interaction, i.id),
            person_id: i.person_id.map(|u| node::id(Kind::Person, u)),
            organization_id: i.organization_id.map(|u| node::id(Kind::Organization, u)),
            kind: InteractionKind::parse(&i.kind).unwrap_or(InteractionKind::Note),
            direction: Direction::parse(&i.direction).unwrap_or(Direction::Internal),
            occurred_at: i.occurred_at,
            author: Actor(i.author),
            subject: i.subject,
            summary: i.summary,
            archived_at: i.archived_at,
            version: i.version,
            created_at: i.created_at,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TransactionKind {
    Order,
    Invoice,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum TransactionStatus {
    Open,
    Paid,
    Cancelled,
}

lower_enum!(TransactionKind { Order => "order", Invoice => "invoice" });
lower_enum!(TransactionStatus { Open => "open", Paid => "paid", Cancelled => "cancelled" });

#[derive(SimpleObject)]
pub struct Transaction {
    #[graphql(owned)]
    pub id: ID,
    pub person_id: Option<ID>,
    pub organization_id: Option<ID>,
    pub kind: TransactionKind,
    /// Order or invoice number, unique per kind.
    pub number: String,
    /// In minor units (cents).
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
    pub issued_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub status: TransactionStatus,
    /// Days paid late, or days overdue today while open.
    pub days_late: Option<i64>,
    pub description: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl From<transactions::Transaction> for Transaction {
    fn from(t: transactions::Transaction) -> Self {
        Transaction {
            days_late: t.days_late(Utc::now().date_naive()),
            id: node::id(Kind::Transaction, t.id),
            person_id: t.person_id.map(|u| node::id(Kind::Person, u)),
            organization_id: t.organization_id.map(|u| node::id(Kind::Organization, u)),
            kind: TransactionKind::parse(&t.kind).unwrap_or(TransactionKind::Order),
            number: t.number,
            amount_minor: t.amount_minor,
            currency: t.currency,
            issued_on: t.issued_on,
            due_on: t.due_on,
            paid_on: t.paid_on,
            status: TransactionStatus::parse(&t.status).unwrap_or(TransactionStatus::Open),
            description: t.description,
            archived_at: t.archived_at,
            version: t.version,
            created_at: t.created_at,
        }
    }
}

/// A merge, as it appears on the winner's timeline.
#[derive(SimpleObject)]
pub struct MergeEvent {
    pub id: ID,
    pub loser_ids: Vec<ID>,
    /// Field → id of the record whose value won.
    pub field_choices: Json<serde_json::Value>,
    /// Counts of what moved over.
    pub moved: Json<serde_json::Value>,
    pub actor: Actor,
    pub merged_at: DateTime<Utc>,
}

/// One entry of a timeline: when it happened (`at`, the order of the timeline) and what. Each
/// kind of entry links its object under its own field (`interaction`, `transaction`, `merge`,
/// `message`), so one query over every kind validates without aliases even where the objects
/// have same-named fields of different types (`kind`, `status`).
#[derive(Interface)]
#[graphql(field(
    name = "at",
    ty = "&DateTime<Utc>",
    desc = "When it happened; the timeline is ordered by it, newest first."
))]
pub enum TimelineEntry {
    Interaction(InteractionEntry),
    Transaction(TransactionEntry),
    Merge(MergeEntry),
    Message(MessageEntry),
}

/// A timeline entry: an interaction.
///
/// A value object (no id): a timeline entry: the interaction inside has its id.
#[derive(SimpleObject)]
pub struct InteractionEntry {
    /// When it happened; the timeline is ordered by it, newest first.
    pub at: DateTime<Utc>,
    pub interaction: Interaction,
}

/// A timeline entry: an order, invoice, quote or credit note (`at` is its issue date).
///
/// A value object (no id): a timeline entry: the transaction inside has its id.
#[derive(SimpleObject)]
pub struct TransactionEntry {
    /// When it happened; the timeline is ordered by it, newest first.
    pub at: DateTime<Utc>,
    pub transaction: Transaction,
}

/// A timeline entry: a duplicate merged into this record.
///
/// A value object (no id): a timeline entry: the merge inside has its id.
#[derive(SimpleObject)]
pub struct MergeEntry {
    /// When it happened; the timeline is ordered by it, newest first.
    pub at: DateTime<Utc>,
    pub merge: MergeEvent,
}

/// A timeline entry: a campaign message or manual touch.
///
/// A value object (no id): a timeline entry: the campaign message inside has its id.
#[derive(SimpleObject)]
pub struct MessageEntry {
    /// When it happened; the timeline is ordered by it, newest first.
    pub at: DateTime<Utc>,
    pub message: CampaignMessage,
}

/// A campaign message's state on the timeline.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CampaignMessageStatus {
    /// Accepted by the mail server.
    Sent,
    /// Handed to the mail server; its answer was not recorded (counts as sent; also a message
    /// recovered as sent after a crash, an unconfirmed handover).
    Handed,
    /// A phone or social task.
    Task,
}

/// The file format of an upload or import.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImportFormat {
    Csv,
    Xlsx,
}

impl ImportFormat {
    pub(crate) fn parse(s: &str) -> Self {
        if s == "xlsx" {
            ImportFormat::Xlsx
        } else {
            ImportFormat::Csv
        }
    }
}

/// How bad an import row's problem is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RowSeverity {
    /// The row was not written.
    Error,
    /// The row was written; something about it deserves a look.
    Warning,
}

/// A campaign message (email, letter) or manual touch (phone, social task) in the timeline.
#[derive(SimpleObject)]
pub struct CampaignMessage {
    pub id: ID,
    pub campaign_id: ID,
    pub campaign_name: String,
    pub channel: crate::campaigns::CampaignChannel,
    pub status: CampaignMessageStatus,
    pub subject: Option<String>,
    pub sent_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub clicked_at: Option<DateTime<Utc>>,
}

impl From<(DateTime<Utc>, timeline::Event)> for TimelineEntry {
    fn from((at, e): (DateTime<Utc>, timeline::Event)) -> Self {
        match e {
            timeline::Event::Interaction(i) => TimelineEntry::Interaction(InteractionEntry {
                at,
                interaction: i.into(),
            }),
            timeline::Event::Transaction(t) => TimelineEntry::Transaction(TransactionEntry {
                at,
                transaction: t.into(),
            }),
            timeline::Event::Merge(m) => TimelineEntry::Merge(MergeEntry {
                at,
                merge: MergeEvent {
                    id: node::id(Kind::MergeEvent, m.id),
                    loser_ids: m
                        .loser_ids
                        .into_iter()
                        .map(|u| node::id(Kind::Person, u))
                        .collect(),
                    field_choices: Json(m.field_choices),
                    moved: Json(m.moved),
                    actor: Actor(m.actor),
                    merged_at: m.merged_at,
                },
            }),
            timeline::Event::Message(m) => TimelineEntry::Message(MessageEntry {
                at,
                message: CampaignMessage {
                    id: node::id(Kind::CampaignMessage, m.id),
                    campaign_id: node::id(Kind::Campaign, m.campaign_id),
                    campaign_name: m.campaign_name,
                    channel: crate::campaigns::channel(&m.channel),
                    status: match m.status.as_str() {
                        "handed" => CampaignMessageStatus::Handed,
                        _ if m.reason.as_deref() == Some("UNCONFIRMED_HANDOVER") => {
                            CampaignMessageStatus::Handed
                        }
                        "task" => CampaignMessageStatus::Task,
                        _ => CampaignMessageStatus::Sent,
                    },
                    subject: m.subject,
                    sent_at: m.sent_at,
                    opened_at: m.opened_at,
                    clicked_at: m.clicked_at,
                },
            }),
        }
    }
}

/// A value object (no id): computed live: a likely duplicate and its score.
#[derive(SimpleObject)]
pub struct DuplicateCandidate {
    pub a_id: ID,
    pub b_id: ID,
    /// 0-1.
    pub score: f32,
    pub reasons: Vec<String>,
}

impl From<duplicates::Candidate> for DuplicateCandidate {
    fn from(c: duplicates::Candidate) -> Self {
        DuplicateCandidate {
            a_id: node::id(Kind::Person, c.a),
            b_id: node::id(Kind::Person, c.b),
            score: c.score,
            reasons: c.reasons,
        }
    }
}

/// A stored pair from the last scan, with both records.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DuplicatePair {
    pub score: f32,
    pub reasons: Vec<String>,
    pub found_at: DateTime<Utc>,
    #[graphql(skip)]
    pub a: Uuid,
    #[graphql(skip)]
    pub b: Uuid,
}

impl From<duplicates::StoredPair> for DuplicatePair {
    fn from(p: duplicates::StoredPair) -> Self {
        DuplicatePair {
            score: p.score,
            reasons: p.reasons,
            found_at: p.found_at,
            a: p.a,
            b: p.b,
        }
    }
}

#[ComplexObject]
impl DuplicatePair {
    /// Opaque; keyed by the two persons.
    pub async fn id(&self, ctx: &Context<'_>) -> async_graphql::Result<ID> {
        node::tenant_local(ctx, Kind::DuplicatePair, format!("{}/{}", self.a, self.b))
    }

    async fn persons(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Person>> {
        tenant(ctx, Role::Viewer)?;
        let loader = loaders::loaders(ctx)?;
        let found = loader
            .load_many([loaders::PersonKey(self.a), loaders::PersonKey(self.b)])
            .await
            .map_err(|e| e.to_gql())?;
        [self.a, self.b]
            .into_iter()
            .map(|id| {
                found
                    .get(&loaders::PersonKey(id))
                    .map(|p| Person::from(persons::Person::clone(p)))
                    .ok_or_else(|| api(kartei_contacts::Error::NotFound("person")))
            })
            .collect()
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Picklist {
    pub key: String,
    pub label: String,
    /// Built-in lists (industry, source, dnr_reason) cannot be removed.
    pub builtin: bool,
    pub values: Vec<PicklistValue>,
}

crate::tenant_keyed!(Picklist, Picklist, |p| p.key.clone());

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PicklistValue {
    #[graphql(skip)]
    pub picklist: String,
    pub value: String,
    pub label: String,
    pub position: i32,
    pub archived: bool,
}

crate::tenant_keyed!(PicklistValue, PicklistValue, |v| format!(
    "{}/{}",
    v.picklist, v.value
));

impl From<rules::PicklistValue> for PicklistValue {
    fn from(v: rules::PicklistValue) -> Self {
        PicklistValue {
            picklist: v.picklist_key,
            value: v.value,
            label: v.label,
            position: v.position,
            archived: v.archived,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ContactEntity {
    Person,
    Organization,
}

impl From<ContactEntity> for rules::Entity {
    fn from(e: ContactEntity) -> Self {
        match e {
            ContactEntity::Person => rules::Entity::Person,
            ContactEntity::Organization => rules::Entity::Organization,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CustomFieldKind {
    Text,
    Number,
    Date,
    Boolean,
    Picklist,
}

impl From<CustomFieldKind> for rules::FieldKind {
    fn from(k: CustomFieldKind) -> Self {
        match k {
            CustomFieldKind::Text => rules::FieldKind::Text,
            CustomFieldKind::Number => rules::FieldKind::Number,
            CustomFieldKind::Date => rules::FieldKind::Date,
            CustomFieldKind::Boolean => rules::FieldKind::Boolean,
            CustomFieldKind::Picklist => rules::FieldKind::Picklist,
        }
    }
}

impl From<rules::FieldKind> for CustomFieldKind {
    fn from(k: rules::FieldKind) -> Self {
        match k {
            rules::FieldKind::Text => CustomFieldKind::Text,
            rules::FieldKind::Number => CustomFieldKind::Number,
            rules::FieldKind::Date => CustomFieldKind::Date,
            rules::FieldKind::Boolean => CustomFieldKind::Boolean,
            rules::FieldKind::Picklist => CustomFieldKind::Picklist,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CustomField {
    pub entity: ContactEntity,
    pub key: String,
    pub label: String,
    pub kind: CustomFieldKind,
    pub picklist_key: Option<String>,
    pub required: bool,
}

crate::tenant_keyed!(CustomField, CustomField, |f| format!(
    "{}/{}",
    match f.entity {
        ContactEntity::Person => "person",
        ContactEntity::Organization => "organization",
    },
    f.key
));

impl From<rules::CustomField> for CustomField {
    fn from(f: rules::CustomField) -> Self {
        CustomField {
            entity: if f.entity == "organization" {
                ContactEntity::Organization
            } else {
                ContactEntity::Person
            },
            key: f.key,
            label: f.label,
            kind: f.kind.into(),
            picklist_key: f.picklist_key,
            required: f.required,
        }
    }
}

/// A value object (no id): computed data-quality figures.
#[derive(SimpleObject)]
pub struct DataQualityReport {
    pub persons: i64,
    pub organizations: i64,
    pub with_email: i64,
    pub with_phone: i64,
    pub with_address: i64,
    /// Shares of active persons, 0-1.
    pub email_share: f64,
    pub phone_share: f64,
    pub duplicate_pairs: i64,
    pub persons_in_duplicate_pairs: i64,
    pub stale: i64,
    pub stale_months: i32,
    pub do_not_reactivate: i64,
    pub archived: i64,
}

impl DataQualityReport {
    pub fn new(r: quality::Report, stale_months: i32) -> Self {
        let share = |n: i64| {
            if r.persons == 0 {
                0.0
            } else {
                ((n as f64 / r.persons as f64) * 1000.0).round() / 1000.0
            }
        };
        DataQualityReport {
            email_share: share(r.with_email),
            phone_share: share(r.with_phone),
            persons: r.persons,
            organizations: r.organizations,
            with_email: r.with_email,
            with_phone: r.with_phone,
            with_address: r.with_address,
            duplicate_pairs: r.duplicate_pairs,
            persons_in_duplicate_pairs: r.persons_in_duplicate_pairs,
            stale: r.stale,
            stale_months,
            do_not_reactivate: r.do_not_reactivate,
            archived: r.archived,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImportStatus {
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// An uploaded file (its bytes are removed after a completed import or by erasure).
#[derive(SimpleObject)]
pub struct Upload {
    pub id: ID,
    pub filename: String,
    pub size_bytes: i64,
    pub complete: bool,
    pub created_by: Actor,
    pub created_at: DateTime<Utc>,
    pub purged_at: Option<DateTime<Utc>>,
}

impl From<import::Upload> for Upload {
    fn from(u: import::Upload) -> Self {
        Upload {
            id: node::id(Kind::Upload, u.id),
            filename: u.filename,
            size_bytes: u.size_bytes,
            complete: u.complete,
            created_by: Actor(u.created_by),
            created_at: u.created_at,
            purged_at: u.purged_at,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Import {
    #[graphql(owned)]
    pub id: ID,
    pub upload_id: ID,
    /// `csv` or `xlsx`.
    pub format: ImportFormat,
    /// Target field per column; null = column skipped.
    pub mapping: Vec<Option<String>>,
    pub match_keys: Vec<String>,
    pub dry_run: bool,
    /// Rows with an invalid field are refused whole (otherwise the field is left empty and
    /// the row imported with a warning).
    pub strict: bool,
    pub status: ImportStatus,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub rows_total: Option<i64>,
    pub rows_done: i64,
    pub rows_created: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    pub rows_failed: i64,
    /// New persons that look like someone already in the tenant.
    pub duplicate_warnings: i64,
    /// Rows written with a warning (a field left empty because its value was invalid; a
    /// suppressed address: imported, never contacted, no consent recorded); listed in
    /// `errors` with severity `warning`.
    pub rows_warned: i64,
    /// Dry runs: the first rows as they would be stored.
    pub preview: Json<serde_json::Value>,
    pub error: Option<String>,
    /// Path of the downloadable error report (CSV), relative to the API's base URL.
    pub error_report_path: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    #[graphql(skip)]
    pub inner_id: Uuid,
    #[graphql(skip)]
    pub inner_upload: Uuid,
}

impl From<import::Import> for Import {
    fn from(i: import::Import) -> Self {
        Import {
            id: node::id(Kind::Import, i.id),
            upload_id: node::id(Kind::Upload, i.upload_id),
            mapping: i.mapping(),
            format: ImportFormat::parse(&i.format),
            match_keys: i.match_keys,
            dry_run: i.dry_run,
            strict: i.strict,
            status: match i.status.as_str() {
                "running" => ImportStatus::Running,
                "completed" => ImportStatus::Completed,
                "failed" => ImportStatus::Failed,
                "cancelled" => ImportStatus::Cancelled,
                _ => ImportStatus::Queued,
            },
            encoding: i.encoding,
            delimiter: i.delimiter,
            rows_total: i.rows_total,
            rows_done: i.rows_done,
            rows_created: i.rows_created,
            rows_updated: i.rows_updated,
            rows_unchanged: i.rows_unchanged,
            rows_failed: i.rows_failed,
            duplicate_warnings: i.duplicate_warnings,
            rows_warned: i.rows_warned,
            preview: Json(i.preview),
            error: i.error,
            error_report_path: format!("/files/imports/{}/errors.csv", i.id),
            created_at: i.created_at,
            started_at: i.started_at,
            finished_at: i.finished_at,
            inner_id: i.id,
            inner_upload: i.upload_id,
        }
    }
}

/// A value object (no id): one line of an import's error report, read through its import.
#[derive(SimpleObject)]
pub struct ImportRowError {
    pub line: i64,
    /// The file's column header (or `(row)`).
    pub column: String,
    pub reason: String,
    /// `error`: the row was not written; `warning`: written, with a caveat (a value left out
    /// because it was invalid, a suppressed address that gets no consent).
    pub severity: RowSeverity,
    /// The file's value the line is about (up to 200 characters), if the column had one.
    pub value: Option<String>,
}

#[ComplexObject]
impl Import {
    /// The uploaded file this import reads.
    async fn upload(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Upload>> {
        tenant(ctx, Role::Viewer)?;
        let u = loaders::one(ctx, loaders::UploadKey(self.inner_upload)).await?;
        Ok(u.map(|u| Upload::from(import::Upload::clone(&u))))
    }

    /// Per-row errors and warnings, by line.
    #[graphql(complexity = "crate::relay::cost(first, last, child_complexity)")]
    async fn errors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<ImportRowError>> {
        let req = relay::request::<import::ErrorKey>(first, after, last, before)?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let page = import::errors_page(tx, self.inner_id, &req)
            .await
            .map_err(api)?;
        let id = self.inner_id;
        Ok(relay::connection(
            page,
            |e| ImportRowError {
                line: e.line,
                column: e.col,
                reason: e.reason,
                value: e.value,
                severity: if e.severity == "warning" {
                    RowSeverity::Warning
                } else {
                    RowSeverity::Error
                },
            },
            crate::total!(; |tx| import::errors_count(tx, id)),
        ))
    }
}

/// A value object (no id): one row of an import preview.
#[derive(SimpleObject)]
pub struct ImportPreviewRow {
    pub line: i64,
    pub cells: Vec<String>,
}

/// A value object (no id): computed from an upload before it is imported.
#[derive(SimpleObject)]
pub struct ImportPreview {
    pub format: ImportFormat,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub headers: Vec<String>,
    /// A suggested target field per column (German and English headers understood, the
    /// exports of Outlook, Excel lists and common CRMs).
    pub suggested_mapping: Vec<Option<String>>,
    /// Per column nothing above takes: a custom field the import can create for it (pass it
    /// in `startImport`'s `newFields` and map the column to `custom.<key>`), typed by the
    /// column's values; null for mapped columns.
    pub suggested_new_fields: Vec<Option<ImportNewField>>,
    pub rows: Vec<ImportPreviewRow>,
}

/// A value object (no id): a custom field an import creates for a column.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "ImportNewFieldInput")]
pub struct ImportNewField {
    /// 1 to 40 characters of a-z, 0-9 and '_', starting with a letter.
    pub key: String,
    pub label: String,
    pub kind: CustomFieldKind,
}

impl From<import::mapping::NewField> for ImportNewField {
    fn from(f: import::mapping::NewField) -> Self {
        ImportNewField {
            key: f.key,
            label: f.label,
            kind: f.kind.into(),
        }
    }
}

impl From<ImportNewField> for import::mapping::NewField {
    fn from(f: ImportNewField) -> Self {
        import::mapping::NewField {
            key: f.key,
            label: f.label,
            kind: f.kind.into(),
        }
    }
}

// ---- inputs --------------------------------------------------------------------------------

/// Filters for person lists and exports; all given conditions must hold.
#[derive(InputObject, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct PersonFilter {
    /// Name, email, phone or city contains this (umlauts and case ignored).
    pub query: Option<String>,
    pub tags_any: Option<Vec<String>>,
    pub tags_all: Option<Vec<String>>,
    pub lifecycle_stages: Option<Vec<LifecycleStage>>,
    pub owner_id: Option<ID>,
    /// true: only archived; false or null: only active.
    pub archived: Option<bool>,
    pub do_not_reactivate: Option<bool>,
    /// true: only persons under restriction of processing (Art. 18 GDPR); false: none of
    /// them; null: both. Exports never include them.
    pub restricted: Option<bool>,
    pub organization_id: Option<ID>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub source: Option<String>,
    pub has_email: Option<bool>,
    pub has_phone: Option<bool>,
    pub last_interaction_before: Option<DateTime<Utc>>,
    pub last_interaction_after: Option<DateTime<Utc>>,
    pub created_after: Option<DateTime<Utc>>,
    pub ids: Option<Vec<ID>>,
}

impl PersonFilter {
    pub fn to_domain(&self) -> async_graphql::Result<persons::PersonFilter> {
        let ids = self
            .ids
            .iter()
            .flatten()
            .map(|i| parse_uuid(i, "filter.ids"))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        Ok(persons::PersonFilter {
            query: self.query.clone(),
            tags_any: self.tags_any.clone().unwrap_or_default(),
            tags_all: self.tags_all.clone().unwrap_or_default(),
            lifecycle_stages: self
                .lifecycle_stages
                .iter()
                .flatten()
                .map(|s| s.as_str().to_owned())
                .collect(),
            owner_id: self
                .owner_id
                .as_ref()
                .map(|o| parse_uuid(o, "filter.ownerId"))
                .transpose()?,
            archived: self.archived,
            include_archived: false,
            do_not_reactivate: self.do_not_reactivate,
            restricted: self.restricted,
            organization_id: self
                .organization_id
                .as_ref()
                .map(|o| parse_uuid(o, "filter.organizationId"))
                .transpose()?,
            city: self.city.clone(),
            country: self.country.clone(),
            source: self.source.clone(),
            has_email: self.has_email,
            has_phone: self.has_phone,
            last_interaction_before: self.last_interaction_before,
            last_interaction_after: self.last_interaction_after,
            created_after: self.created_after,
            ids,
        })
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum PersonSort {
    #[default]
    Name,
    CreatedAt,
    UpdatedAt,
    LastInteractionAt,
}

impl From<PersonSort> for persons::Sort {
    fn from(s: PersonSort) -> Self {
        match s {
            PersonSort::Name => persons::Sort::Name,
            PersonSort::CreatedAt => persons::Sort::CreatedAt,
            PersonSort::UpdatedAt => persons::Sort::UpdatedAt,
            PersonSort::LastInteractionAt => persons::Sort::LastInteractionAt,
        }
    }
}

#[derive(InputObject, Default)]
pub struct OrganizationFilter {
    pub query: Option<String>,
    pub tags_any: Option<Vec<String>>,
    pub industry: Option<String>,
    pub lifecycle_stages: Option<Vec<LifecycleStage>>,
    pub city: Option<String>,
    pub archived: Option<bool>,
}

/// A person to create. Text is trimmed; emails normalized; phones read in the tenant's
/// default region (`contacts.default_phone_region`, default DE) and stored as E.164;
/// countries accept ISO codes or common names.
#[derive(InputObject, Default)]
pub struct PersonInput {
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    /// YYYY-MM-DD or DD.MM.YYYY.
    pub birthday: Option<String>,
    pub position: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    /// Setting a reason sets the do-not-reactivate flag.
    pub dnr_reason: Option<String>,
    pub owner_id: Option<ID>,
    pub tags: Option<Vec<String>>,
    pub custom: Option<Json<serde_json::Map<String, serde_json::Value>>>,
}

/// Changes to a person: omitted fields stay, `null` clears.
#[derive(InputObject, Default)]
pub struct PersonPatch {
    pub salutation: MaybeUndefined<String>,
    pub title: MaybeUndefined<String>,
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    pub mobile: MaybeUndefined<String>,
    pub birthday: MaybeUndefined<String>,
    pub position: MaybeUndefined<String>,
    pub street: MaybeUndefined<String>,
    pub postal_code: MaybeUndefined<String>,
    pub city: MaybeUndefined<String>,
    pub country: MaybeUndefined<String>,
    pub website: MaybeUndefined<String>,
    pub source: MaybeUndefined<String>,
    pub external_id: MaybeUndefined<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub dnr_reason: MaybeUndefined<String>,
    pub owner_id: MaybeUndefined<ID>,
    /// Replaces the tags.
    pub tags: Option<Vec<String>>,
    /// Sets these custom values (null removes one); others stay.
    pub custom: Option<Json<serde_json::Map<String, serde_json::Value>>>,
}

fn patch(target: &mut Option<String>, v: MaybeUndefined<String>) {
    match v {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(s) => *target = Some(s),
    }
}

fn custom_into(
    target: &mut std::collections::BTreeMap<String, serde_json::Value>,
    custom: Option<Json<serde_json::Map<String, serde_json::Value>>>,
) {
    for (k, v) in custom.map(|j| j.0).unwrap_or_default() {
        if v.is_null() {
            target.remove(&k);
        } else {
            target.insert(k, v);
        }
    }
}

impl PersonInput {
    pub fn into_draft(self) -> persons::PersonDraft {
        let mut d = persons::PersonDraft {
            salutation: self.salutation,
            title: self.title,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            phone: self.phone,
            mobile: self.mobile,
            birthday: self.birthday,
            position: self.position,
            street: self.street,
            postal_code: self.postal_code,
            city: self.city,
            country: self.country,
            website: self.website,
            source: self.source,
            external_id: self.external_id,
            lifecycle_stage: self.lifecycle_stage.map(|s| s.as_str().to_owned()),
            dnr_reason: self.dnr_reason,
            owner_id: self.owner_id.map(node::bare),
            tags: self.tags.unwrap_or_default(),
            custom: Default::default(),
        };
        custom_into(&mut d.custom, self.custom);
        d
    }
}

impl PersonPatch {
    pub fn apply(self, d: &mut persons::PersonDraft) {
        patch(&mut d.salutation, self.salutation);
        patch(&mut d.title, self.title);
        patch(&mut d.first_name, self.first_name);
        patch(&mut d.last_name, self.last_name);
        patch(&mut d.email, self.email);
        patch(&mut d.phone, self.phone);
        patch(&mut d.mobile, self.mobile);
        patch(&mut d.birthday, self.birthday);
        patch(&mut d.position, self.position);
        patch(&mut d.street, self.street);
        patch(&mut d.postal_code, self.postal_code);
        patch(&mut d.city, self.city);
        patch(&mut d.country, self.country);
        patch(&mut d.website, self.website);
        patch(&mut d.source, self.source);
        patch(&mut d.external_id, self.external_id);
        if let Some(s) = self.lifecycle_stage {
            d.lifecycle_stage = Some(s.as_str().to_owned());
        }
        patch(&mut d.dnr_reason, self.dnr_reason);
        patch(&mut d.owner_id, self.owner_id.map_value(node::bare));
        if let Some(t) = self.tags {
            d.tags = t;
        }
        custom_into(&mut d.custom, self.custom);
    }
}

#[derive(InputObject, Default)]
pub struct OrganizationInput {
    pub name: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub dnr_reason: Option<String>,
    pub owner_id: Option<ID>,
    pub tags: Option<Vec<String>>,
    pub custom: Option<Json<serde_json::Map<String, serde_json::Value>>>,
}

impl OrganizationInput {
    /// As a create, or applied over `base` for an update (given fields replace, others stay).
    pub fn apply(self, d: &mut organizations::OrganizationDraft) {
        let set = |t: &mut Option<String>, v: Option<String>| {
            if v.is_some() {
                *t = v;
            }
        };
        set(&mut d.name, self.name);
        set(&mut d.industry, self.industry);
        set(&mut d.website, self.website);
        set(&mut d.email, self.email);
        set(&mut d.phone, self.phone);
        set(&mut d.street, self.street);
        set(&mut d.postal_code, self.postal_code);
        set(&mut d.city, self.city);
        set(&mut d.country, self.country);
        set(&mut d.source, self.source);
        set(&mut d.external_id, self.external_id);
        set(
            &mut d.lifecycle_stage,
            self.lifecycle_stage.map(|s| s.as_str().to_owned()),
        );
        set(&mut d.dnr_reason, self.dnr_reason);
        set(&mut d.owner_id, self.owner_id.map(node::bare));
        if let Some(t) = self.tags {
            d.tags = t;
        }
        custom_into(&mut d.custom, self.custom);
    }
}

#[derive(InputObject)]
pub struct RelationInput {
    pub person_id: ID,
    pub organization_id: ID,
    pub job_title: Option<String>,
    #[graphql(default)]
    pub is_primary: bool,
    pub buying_role: Option<BuyingRole>,
}

#[derive(InputObject)]
pub struct InteractionInput {
    pub person_id: Option<ID>,
    pub organization_id: Option<ID>,
    pub kind: InteractionKind,
    pub direction: Direction,
    /// Defaults to now.
    pub occurred_at: Option<DateTime<Utc>>,
    pub subject: Option<String>,
    pub summary: Option<String>,
}

#[derive(InputObject, Default)]
pub struct InteractionPatch {
    pub kind: Option<InteractionKind>,
    pub direction: Option<Direction>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub subject: MaybeUndefined<String>,
    pub summary: MaybeUndefined<String>,
}

impl InteractionPatch {
    pub fn apply(self, i: &mut interactions::InteractionInput) {
        if let Some(k) = self.kind {
            i.kind = k.as_str().to_owned();
        }
        if let Some(d) = self.direction {
            i.direction = d.as_str().to_owned();
        }
        if let Some(t) = self.occurred_at {
            i.occurred_at = Some(t);
        }
        patch(&mut i.subject, self.subject);
        patch(&mut i.summary, self.summary);
    }
}

#[derive(InputObject)]
pub struct TransactionInput {
    pub person_id: Option<ID>,
    pub organization_id: Option<ID>,
    pub kind: TransactionKind,
    pub number: String,
    pub amount_minor: i64,
    #[graphql(default_with = "\"EUR\".to_string()")]
    pub currency: String,
    /// Defaults to today.
    pub issued_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    #[graphql(default_with = "TransactionStatus::Open")]
    pub status: TransactionStatus,
    pub description: Option<String>,
}

#[derive(InputObject, Default)]
pub struct TransactionPatch {
    pub number: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub due_on: MaybeUndefined<NaiveDate>,
    pub paid_on: MaybeUndefined<NaiveDate>,
    pub status: Option<TransactionStatus>,
    pub description: MaybeUndefined<String>,
}

impl TransactionPatch {
    pub fn apply(self, t: &mut transactions::TransactionInput) {
        if let Some(v) = self.number {
            t.number = v;
        }
        if let Some(v) = self.amount_minor {
            t.amount_minor = v;
        }
        if let Some(v) = self.currency {
            t.currency = v;
        }
        if let Some(v) = self.issued_on {
            t.issued_on = Some(v);
        }
        match self.due_on {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => t.due_on = None,
            MaybeUndefined::Value(v) => t.due_on = Some(v),
        }
        match self.paid_on {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => t.paid_on = None,
            MaybeUndefined::Value(v) => t.paid_on = Some(v),
        }
        if let Some(v) = self.status {
            t.status = v.as_str().to_owned();
        }
        patch(&mut t.description, self.description);
    }
}

#[derive(InputObject)]
pub struct FieldChoiceInput {
    /// A person field (`email`, `phone`, `custom.<key>`, …).
    pub field: String,
    /// The record whose value wins.
    pub from_id: ID,
}

#[derive(InputObject)]
pub struct MergePersonsInput {
    pub winner_id: ID,
    pub loser_ids: Vec<ID>,
    #[graphql(default)]
    pub choices: Vec<FieldChoiceInput>,
    /// Compute the result and what would move, change nothing.
    #[graphql(default)]
    pub dry_run: bool,
}

/// A value object (no id): the result of one merge (the persons inside have their ids).
#[derive(SimpleObject)]
pub struct MergeResult {
    pub dry_run: bool,
    /// Null in a dry run.
    pub merge_id: Option<ID>,
    /// The winner after the merge (in a dry run: as it is now).
    pub winner: Person,
    /// The winner's values after the merge.
    pub result: Json<serde_json::Value>,
    pub moved_interactions: i64,
    pub moved_transactions: i64,
    pub moved_relations: i64,
    pub added_tags: i64,
}

#[derive(InputObject)]
pub struct CustomFieldInput {
    pub entity: ContactEntity,
    pub key: String,
    pub label: String,
    pub kind: CustomFieldKind,
    pub picklist_key: Option<String>,
    #[graphql(default)]
    pub required: bool,
}

/// Which persons a bulk action applies to: give exactly one.
#[derive(InputObject)]
pub struct BulkTarget {
    pub ids: Option<Vec<ID>>,
    /// Every stale person: no interaction for this many months and no open transaction.
    pub stale_months: Option<i32>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum BulkActionKind {
    Archive,
    Tag,
    FlagDoNotReactivate,
    /// Marks for erasure (carried out by the compliance workflow) and archives.
    HandOverForErasure,
}

#[derive(InputObject)]
pub struct BulkAction {
    pub kind: BulkActionKind,
    /// For TAG.
    pub tag: Option<String>,
    /// For FLAG_DO_NOT_REACTIVATE: a value of picklist `dnr_reason`.
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct StartImportInput {
    pub upload_id: ID,
    /// One entry per column: a person field (`first_name`, `email`, `custom.<key>`, `tags`,
    /// `organization`, `job_title`, `note` — a note on the person's timeline — …) or null to
    /// skip. Take `importPreview.suggestedMapping` as the starting point.
    pub mapping: Vec<Option<String>>,
    /// Custom fields to create for columns mapped to `custom.<key>` (see
    /// `importPreview.suggestedNewFields`); one that exists with the same kind is used as is.
    #[graphql(default)]
    pub new_fields: Vec<ImportNewField>,
    /// Refuse a row with any invalid field. By default an invalid optional field (an email,
    /// phone, birthday, picklist value) is left empty and reported as a warning, and only rows
    /// with neither a last name nor a usable email are refused.
    #[graphql(default)]
    pub strict: bool,
    /// Existing persons are matched on these, in order: `email`, `external_id`.
    #[graphql(default_with = "vec![\"email\".to_string()]")]
    pub match_keys: Vec<String>,
    #[graphql(default)]
    pub dry_run: bool,
    /// A consent every imported row gave (e.g. newsletter sign-ups collected on paper at a
    /// trade fair), recorded with this import as proof. Rows with a suppressed address get none.
    pub consent: Option<ImportConsentInput>,
}

#[derive(InputObject, Clone)]
pub struct ImportConsentInput {
    /// `email`, `phone`, `sms`, `letter` or `messenger`.
    pub channel: String,
    pub purpose: String,
    /// The consent text the people agreed to (`storeConsentText`).
    pub text_hash: String,
    /// When the consents were collected (default: now).
    pub collected_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// The person as created, with what to look at before moving on.
#[derive(SimpleObject, Default)]
pub struct CreatePersonPayload {
    pub person: Option<Person>,
    /// The new person as an edge of `persons` in its default order (by name), for
    /// `@appendEdge`/`@prependEdge`.
    pub person_edge: Option<Edge<String, Person, EmptyFields>>,
    /// Existing persons this one looks like; the person is created anyway.
    pub duplicate_warnings: Vec<DuplicateCandidate>,
    /// Compliance warnings, e.g. `SUPPRESSED_EMAIL`: the address is on the suppression list,
    /// the person will never be contacted there.
    pub compliance_warnings: Vec<String>,
    /// What the user can fix; empty when the mutation succeeded.
    pub user_errors: Vec<UserError>,
}

impl Payload for CreatePersonPayload {
    fn with_errors(errors: Vec<UserError>) -> Self {
        Self {
            user_errors: errors,
            ..Default::default()
        }
    }
}

/// Inputs that name a record and the version the client last read (a stale one gets a
/// CONFLICT user error).
macro_rules! versioned_inputs {
    ($($name:ident $doc:literal),* $(,)?) => {
        $(
            #[doc = $doc]
            #[derive(InputObject)]
            pub struct $name {
                pub id: ID,
                /// The version last read; a stale one changes nothing and answers CONFLICT.
                pub version: i32,
            }
        )*
    };
}

versioned_inputs! {
    ArchivePersonInput "The person to archive.",
    RestorePersonInput "The archived person to restore.",
    ArchiveOrganizationInput "The organization to archive.",
    ArchiveInteractionInput "The interaction to archive.",
    ArchiveTransactionInput "The transaction to archive.",
}

/// Changes to a person.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    pub id: ID,
    /// The version last read; a stale one changes nothing and answers CONFLICT.
    pub version: i32,
    pub patch: PersonPatch,
}

/// Changes to an organization: given fields replace, omitted fields stay.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    pub id: ID,
    /// The version last read; a stale one changes nothing and answers CONFLICT.
    pub version: i32,
    pub patch: OrganizationInput,
}

/// Changes to an interaction.
#[derive(InputObject)]
pub struct UpdateInteractionInput {
    pub id: ID,
    /// The version last read; a stale one changes nothing and answers CONFLICT.
    pub version: i32,
    pub patch: InteractionPatch,
}

/// Changes to a transaction.
#[derive(InputObject)]
pub struct UpdateTransactionInput {
    pub id: ID,
    /// The version last read; a stale one changes nothing and answers CONFLICT.
    pub version: i32,
    pub patch: TransactionPatch,
}

/// The link to remove.
#[derive(InputObject)]
pub struct UnlinkPersonFromOrganizationInput {
    pub person_id: ID,
    pub organization_id: ID,
}

crate::payload! {
    UpdatePersonPayload "The person as changed." { person: Person }
    ArchivePersonPayload "The person as archived." {
        person: Person,
        /// The archived person's id, for `@deleteEdge` on the lists that showed it.
        archived_person_id: ID,
    }
    RestorePersonPayload "The person as restored." { person: Person }
    CreateOrganizationPayload "The organization as created." {
        organization: Organization,
        /// The new organization as an edge of `organizations` (by name), for `@appendEdge`.
        organization_edge: Edge<String, Organization, EmptyFields>,
    }
    UpdateOrganizationPayload "The organization as changed." { organization: Organization }
    ArchiveOrganizationPayload "The organization as archived." {
        organization: Organization,
        /// The archived organization's id, for `@deleteEdge`.
        archived_organization_id: ID,
    }
    LinkPersonToOrganizationPayload "The link, and both ends, whose lists changed." {
        relation: Relation,
        /// The person, with `organizations` as they are now.
        person: Person,
        /// The organization, with `people` as they are now.
        organization: Organization,
    }
    UnlinkPersonFromOrganizationPayload "Both ends of the removed link, whose lists changed." {
        /// The removed link's id (for `@deleteRecord`); null when there was no such link.
        unlinked_relation_id: ID,
        person: Person,
        organization: Organization,
    }
    CreateInteractionPayload "The interaction as recorded." { interaction: Interaction }
    UpdateInteractionPayload "The interaction as changed." { interaction: Interaction }
    ArchiveInteractionPayload "The interaction as archived." {
        interaction: Interaction,
        /// The archived interaction's id, for `@deleteEdge` on timelines.
        archived_interaction_id: ID,
    }
    CreateTransactionPayload "The transaction as recorded." { transaction: Transaction }
    UpdateTransactionPayload "The transaction as changed." { transaction: Transaction }
    ArchiveTransactionPayload "The transaction as archived." {
        transaction: Transaction,
        /// The archived transaction's id, for `@deleteEdge` on timelines.
        archived_transaction_id: ID,
    }
}

/// A value object (no id): the result of one duplicate scan.
#[derive(SimpleObject)]
pub struct DuplicateScan {
    pub persons_scanned: i64,
    pub pairs: i64,
}
