//! What a rule may refer to: every field with its type and where its value lives, the tenant's
//! custom fields, picklist values, consent purposes and segments. Loaded once per compile.

use std::collections::{HashMap, HashSet};

use kartei_contacts::rules::{self, FieldKind};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::Result;

pub const LIFECYCLE_STAGES: &[&str] = &["lead", "prospect", "customer", "ex_customer"];
pub const ABC_CLASSES: &[&str] = &["A", "B", "C"];
pub const BUYING_ROLES: &[&str] = &["economic_buyer", "user_buyer", "technical_buyer", "coach"];
pub const INTERACTION_KINDS: &[&str] = &[
    "call", "letter", "email", "meeting", "offer", "gift", "note", "social",
];
pub const DIRECTIONS: &[&str] = &["inbound", "outbound", "internal"];
pub const TRANSACTION_KINDS: &[&str] = &["order", "invoice"];
pub const TRANSACTION_STATUSES: &[&str] = &["open", "paid", "cancelled"];

/// The type of a field, which decides the operators and values it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Text,
    Number,
    /// A calendar date.
    Date,
    /// A point in time (compared by UTC calendar day where a date is given).
    Timestamp,
    Bool,
    /// One of a fixed set of values.
    Enum(&'static [&'static str]),
    /// A value of a tenant picklist.
    Picklist(String),
    Tags,
    Uuid,
    /// Membership of another segment.
    Segment,
    /// "May be contacted on channel X for purpose Y" (the compliance policy).
    Consent,
}

impl Ty {
    pub fn name(&self) -> &'static str {
        match self {
            Ty::Text => "text",
            Ty::Number => "number",
            Ty::Date => "date",
            Ty::Timestamp => "timestamp",
            Ty::Bool => "boolean",
            Ty::Enum(_) => "enum",
            Ty::Picklist(_) => "picklist",
            Ty::Tags => "tags",
            Ty::Uuid => "id",
            Ty::Segment => "segment",
            Ty::Consent => "consent",
        }
    }
}

/// Where a field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A column of `persons p`.
    Person(&'static str),
    /// A key of `p.custom`.
    PersonCustom(String),
    /// A column of one of the person's organizations `o` (any organization matches).
    Organization(&'static str),
    /// A key of `o.custom`.
    OrganizationCustom(String),
    /// A column of the person-organization relation `po`.
    Relation(&'static str),
    InteractionCount,
    InteractionLast,
    TransactionCount,
    TransactionSum,
    TransactionLast,
    TransactionOverdue,
    AbcClass,
    /// A column of `bant_scores`.
    Bant(&'static str),
    MayContact,
    Segment,
}

impl Source {
    /// Aggregates over interactions or transactions take a `filter`.
    pub fn is_interaction(&self) -> bool {
        matches!(self, Source::InteractionCount | Source::InteractionLast)
    }

    pub fn is_transaction(&self) -> bool {
        matches!(
            self,
            Source::TransactionCount | Source::TransactionSum | Source::TransactionLast
        )
    }

    /// Never NULL (so `isEmpty` makes no sense).
    pub fn never_null(&self) -> bool {
        matches!(
            self,
            Source::InteractionCount
                | Source::TransactionCount
                | Source::TransactionSum
                | Source::TransactionOverdue
                | Source::MayContact
                | Source::Segment
                | Source::Person("p.do_not_reactivate" | "p.lifecycle_stage" | "p.created_at")
        )
    }
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub ty: Ty,
    pub source: Source,
}

/// Built-in fields: API name, type, source.
fn builtin(name: &str) -> Option<FieldDef> {
    use Source::*;
    let (ty, source) = match name {
        "salutation" => (Ty::Text, Person("p.salutation")),
        "title" => (Ty::Text, Person("p.title")),
        "firstName" => (Ty::Text, Person("p.first_name")),
        "lastName" => (Ty::Text, Person("p.last_name")),
        "email" => (Ty::Text, Person("p.email_normalized")),
        "phone" => (Ty::Text, Person("p.phone")),
        "mobile" => (Ty::Text, Person("p.mobile")),
        "position" => (Ty::Text, Person("p.position")),
        "street" => (Ty::Text, Person("p.street")),
        "postalCode" => (Ty::Text, Person("p.postal_code")),
        "city" => (Ty::Text, Person("p.city")),
        "country" => (Ty::Text, Person("p.country")),
        "website" => (Ty::Text, Person("p.website")),
        "externalId" => (Ty::Text, Person("p.external_id")),
        "birthday" => (Ty::Date, Person("p.birthday")),
        "tags" => (Ty::Tags, Person("p.tags")),
        "source" => (Ty::Picklist("source".into()), Person("p.source")),
        "ownerId" => (Ty::Uuid, Person("p.owner_id")),
        "lifecycleStage" => (Ty::Enum(LIFECYCLE_STAGES), Person("p.lifecycle_stage")),
        "doNotReactivate" => (Ty::Bool, Person("p.do_not_reactivate")),
        "dnrReason" => (Ty::Picklist("dnr_reason".into()), Person("p.dnr_reason")),
        "createdAt" => (Ty::Timestamp, Person("p.created_at")),
        "lastInteractionAt" => (Ty::Timestamp, Person("p.last_interaction_at")),
        "lastPurchaseAt" => (Ty::Date, Person("p.last_purchase_at")),
        "dormantSince" => (Ty::Date, Person("p.dormant_since")),
        "exCustomerSince" => (Ty::Date, Person("p.ex_customer_since")),
        "organization.name" => (Ty::Text, Organization("o.name")),
        "organization.industry" => (Ty::Picklist("industry".into()), Organization("o.industry")),
        "organization.postalCode" => (Ty::Text, Organization("o.postal_code")),
        "organization.city" => (Ty::Text, Organization("o.city")),
        "organization.country" => (Ty::Text, Organization("o.country")),
        "organization.tags" => (Ty::Tags, Organization("o.tags")),
        "organization.lifecycleStage" => (
            Ty::Enum(LIFECYCLE_STAGES),
            Organization("o.lifecycle_stage"),
        ),
        "organization.ownerId" => (Ty::Uuid, Organization("o.owner_id")),
        "organization.buyingRole" => (Ty::Enum(BUYING_ROLES), Relation("po.buying_role")),
        "organization.jobTitle" => (Ty::Text, Relation("po.job_title")),
        "interactions.count" => (Ty::Number, InteractionCount),
        "interactions.last" => (Ty::Timestamp, InteractionLast),
        "transactions.count" => (Ty::Number, TransactionCount),
        "transactions.sum" => (Ty::Number, TransactionSum),
        "transactions.last" => (Ty::Date, TransactionLast),
        "transactions.overdue" => (Ty::Number, TransactionOverdue),
        "abcClass" => (Ty::Enum(ABC_CLASSES), AbcClass),
        "bant.total" => (Ty::Number, Bant("total")),
        "bant.budget" => (Ty::Number, Bant("budget")),
        "bant.authority" => (Ty::Number, Bant("authority")),
        "bant.need" => (Ty::Number, Bant("need")),
        "bant.timing" => (Ty::Number, Bant("timing")),
        "mayContact" => (Ty::Consent, MayContact),
        "segment" => (Ty::Segment, Segment),
        _ => return None,
    };
    Some(FieldDef { ty, source })
}

/// The built-in field names, for error messages and the API's field list.
pub const BUILTIN_FIELDS: &[&str] = &[
    "salutation",
    "title",
    "firstName",
    "lastName",
    "email",
    "phone",
    "mobile",
    "position",
    "street",
    "postalCode",
    "city",
    "country",
    "website",
    "externalId",
    "birthday",
    "tags",
    "source",
    "ownerId",
    "lifecycleStage",
    "doNotReactivate",
    "dnrReason",
    "createdAt",
    "lastInteractionAt",
    "lastPurchaseAt",
    "dormantSince",
    "exCustomerSince",
    "organization.name",
    "organization.industry",
    "organization.postalCode",
    "organization.city",
    "organization.country",
    "organization.tags",
    "organization.lifecycleStage",
    "organization.ownerId",
    "organization.buyingRole",
    "organization.jobTitle",
    "interactions.count",
    "interactions.last",
    "transactions.count",
    "transactions.sum",
    "transactions.last",
    "transactions.overdue",
    "abcClass",
    "bant.total",
    "bant.budget",
    "bant.authority",
    "bant.need",
    "bant.timing",
    "mayContact",
    "segment",
];

/// A segment as other rules see it.
#[derive(Debug, Clone)]
pub struct SegmentRef {
    pub id: Uuid,
    pub name: String,
    /// The rule of a dynamic segment; `None` for a static list.
    pub rule: Option<serde_json::Value>,
}

/// Everything a rule is checked and compiled against.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub person_custom: HashMap<String, (FieldKind, Option<String>)>,
    pub organization_custom: HashMap<String, (FieldKind, Option<String>)>,
    /// Every value of every picklist (archived ones too: old records may still carry them).
    pub picklists: HashMap<String, HashSet<String>>,
    pub purposes: HashSet<String>,
    pub segments: HashMap<Uuid, SegmentRef>,
}

#[derive(FromQueryResult)]
struct PicklistRow {
    picklist_key: String,
    value: String,
}

#[derive(FromQueryResult)]
struct SegmentRow {
    id: Uuid,
    name: String,
    rule: Option<serde_json::Value>,
}

impl Catalog {
    pub async fn load(tx: &TenantTx) -> Result<Self> {
        let mut c = Catalog::default();
        for f in rules::custom_fields(tx, None).await? {
            let entry = (f.kind, f.picklist_key.clone());
            if f.entity == "organization" {
                c.organization_custom.insert(f.key, entry);
            } else {
                c.person_custom.insert(f.key, entry);
            }
        }
        for r in PicklistRow::find_by_statement(stmt(
            "SELECT picklist_key, value FROM picklist_values",
            vec![],
        ))
        .all(&**tx)
        .await?
        {
            c.picklists
                .entry(r.picklist_key)
                .or_default()
                .insert(r.value);
        }
        for row in tx
            .query_all_raw(stmt("SELECT key FROM consent_purposes", vec![]))
            .await?
        {
            c.purposes.insert(row.try_get::<String>("", "key")?);
        }
        for s in SegmentRow::find_by_statement(stmt(
            "SELECT id, name, rule FROM segments WHERE archived_at IS NULL",
            vec![],
        ))
        .all(&**tx)
        .await?
        {
            c.segments.insert(
                s.id,
                SegmentRef {
                    id: s.id,
                    name: s.name,
                    rule: s.rule,
                },
            );
        }
        Ok(c)
    }

    /// The definition of a field by its API name, including `custom.<key>` and
    /// `organization.custom.<key>`.
    pub fn field(&self, name: &str) -> Option<FieldDef> {
        if let Some(key) = name.strip_prefix("custom.") {
            let (kind, list) = self.person_custom.get(key)?;
            return Some(FieldDef {
                ty: custom_ty(*kind, list),
                source: Source::PersonCustom(key.to_owned()),
            });
        }
        if let Some(key) = name.strip_prefix("organization.custom.") {
            let (kind, list) = self.organization_custom.get(key)?;
            return Some(FieldDef {
                ty: custom_ty(*kind, list),
                source: Source::OrganizationCustom(key.to_owned()),
            });
        }
        builtin(name)
    }
}

fn custom_ty(kind: FieldKind, list: &Option<String>) -> Ty {
    match kind {
        FieldKind::Text => Ty::Text,
        FieldKind::Number => Ty::Number,
        FieldKind::Date => Ty::Date,
        FieldKind::Boolean => Ty::Bool,
        FieldKind::Picklist => Ty::Picklist(list.clone().unwrap_or_default()),
    }
}
