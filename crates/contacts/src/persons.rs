//! Persons: the draft → validated record pipeline every write path shares (API, import,
//! merge), reads, filtered and sorted lists, and optimistic concurrency on `version`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use kartei_core::paging::{Direction, Page, PageRequest};
use kartei_core::validate::{EmailAddress, FieldErrors};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::fields;
use crate::normalize;
use crate::rules::{self, Rules};
use crate::sql::{Sql, like_escape};

pub use crate::fields::LIFECYCLE_STAGES;

draft_fields!(PersonDraft {
    salutation,
    title,
    first_name,
    last_name,
    email,
    phone,
    mobile,
    birthday,
    position,
    street,
    postal_code,
    city,
    country,
    website,
    source,
    external_id,
    lifecycle_stage,
    dnr_reason,
    owner_id,
});

/// A field name as the API spells it (`externalId`) in the internal form (`external_id`).
pub fn field_name(api: &str) -> String {
    if api.starts_with("custom.") {
        return api.to_owned();
    }
    let mut out = String::with_capacity(api.len() + 4);
    for c in api.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn split_tags(s: &str) -> Vec<String> {
    s.split([',', ';', '|'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A validated person, ready to write. Column order matches [`COLUMNS`].
#[derive(Debug, Clone, PartialEq)]
pub struct PersonData {
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub name_key: String,
    pub first_phonetic: String,
    pub last_phonetic: String,
    pub email: Option<String>,
    pub email_normalized: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub position: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub city_key: String,
    pub country: Option<String>,
    pub website: Option<String>,
    pub tags: Vec<String>,
    pub custom: serde_json::Map<String, serde_json::Value>,
    pub owner_id: Option<Uuid>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub lifecycle_stage: String,
    pub dnr_reason: Option<String>,
}

pub const COLUMNS: &str = "salutation, title, first_name, last_name, name_key, first_phonetic, \
    last_phonetic, email, email_normalized, phone, mobile, birthday, position, street, \
    postal_code, city, city_key, country, website, tags, custom, owner_id, source, external_id, \
    lifecycle_stage, do_not_reactivate, dnr_reason";
pub const COLUMN_COUNT: usize = 27;

/// SQL types of [`COLUMNS`], for casting text arrays in set-based writes.
pub const COLUMN_TYPES: [&str; COLUMN_COUNT] = [
    "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "text", "date",
    "text", "text", "text", "text", "text", "text", "text", "tags", "jsonb", "uuid", "text",
    "text", "text", "boolean", "text",
];

impl PersonDraft {
    /// Checks and normalizes every field; errors are keyed by the API's field names.
    pub fn validate(&self, rules: &Rules) -> Result<PersonData, FieldErrors> {
        let mut e = FieldErrors::new();
        let first_name = fields::text(&mut e, "firstName", &self.first_name, 100);
        let last_name = fields::text(&mut e, "lastName", &self.last_name, 100);
        let mut email = None;
        if let Some(raw) = fields::text(&mut e, "email", &self.email, 254) {
            match EmailAddress::parse(&raw) {
                Ok(a) => email = Some(a),
                Err(m) => e.add("email", m.to_string()),
            }
        }
        if last_name.is_none() && email.is_none() {
            e.add("lastName", "a last name or an email address is required");
        }
        let mut phone_of = |field: &str, v: &Option<String>| {
            let raw = fields::text(&mut e, field, v, 40)?;
            normalize::phone(&raw, &rules.phone_region)
                .map_err(|m| e.add(field, m))
                .ok()
        };
        let phone = phone_of("phone", &self.phone);
        let mobile = phone_of("mobile", &self.mobile);
        let birthday = fields::text(&mut e, "birthday", &self.birthday, 20).and_then(|s| {
            let d = rules::parse_date(&s);
            match d {
                Some(d) if d > Utc::now().date_naive() => {
                    e.add("birthday", "must not be in the future");
                    None
                }
                Some(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) => {
                    e.add("birthday", "must be after 1900");
                    None
                }
                Some(d) => Some(d),
                None => {
                    e.add("birthday", "must be a date (YYYY-MM-DD or DD.MM.YYYY)");
                    None
                }
            }
        });
        let country = fields::text(&mut e, "country", &self.country, 60)
            .and_then(|c| normalize::country(&c).map_err(|m| e.add("country", m)).ok());
        let website = fields::text(&mut e, "website", &self.website, 300);
        if let Some(w) = &website
            && (w.contains(char::is_whitespace) || !w.contains('.'))
        {
            e.add("website", "must be a web address");
        }
        let postal_code = fields::text(&mut e, "postalCode", &self.postal_code, 20);
        if let (Some(pc), Some("DE")) = (&postal_code, country.as_deref())
            && !(pc.len() == 5 && pc.bytes().all(|b| b.is_ascii_digit()))
        {
            e.add("postalCode", "must be five digits for Germany");
        }
        let source = fields::text(&mut e, "source", &self.source, 63);
        if let Some(s) = &source
            && let Err(m) = rules.check_picklist("source", s)
        {
            e.add("source", m);
        }
        let dnr_reason = fields::text(&mut e, "dnrReason", &self.dnr_reason, 63);
        if let Some(s) = &dnr_reason
            && let Err(m) = rules.check_picklist("dnr_reason", s)
        {
            e.add("dnrReason", m);
        }
        let lifecycle_stage = fields::lifecycle_stage(&mut e, &self.lifecycle_stage);
        let owner_id = fields::owner_id(&mut e, &self.owner_id);
        let tags = fields::tags(&mut e, &self.tags);
        let custom = rules.check_custom(&self.custom, &mut e);
        let data = PersonData {
            salutation: fields::text(&mut e, "salutation", &self.salutation, 30),
            title: fields::text(&mut e, "title", &self.title, 50),
            name_key: normalize::person_name_key(first_name.as_deref(), last_name.as_deref()),
            first_phonetic: normalize::koelner_phonetik(first_name.as_deref().unwrap_or("")),
            last_phonetic: normalize::koelner_phonetik(last_name.as_deref().unwrap_or("")),
            first_name,
            last_name,
            email_normalized: email.as_ref().map(EmailAddress::normalized),
            email: email.map(|a| a.as_str().to_owned()),
            phone,
            mobile,
            birthday,
            position: fields::text(&mut e, "position", &self.position, 100),
            street: fields::text(&mut e, "street", &self.street, 200),
            postal_code,
            city_key: normalize::fold(self.city.as_deref().unwrap_or("")),
            city: fields::text(&mut e, "city", &self.city, 100),
            country,
            website,
            tags,
            custom,
            owner_id,
            source,
            external_id: fields::text(&mut e, "externalId", &self.external_id, 100),
            lifecycle_stage,
            dnr_reason,
        };
        e.into_result().map(|()| data)
    }
}

impl PersonData {
    /// Values in [`COLUMNS`] order.
    pub fn values(&self) -> Vec<Value> {
        vec![
            self.salutation.clone().into(),
            self.title.clone().into(),
            self.first_name.clone().into(),
            self.last_name.clone().into(),
            self.name_key.clone().into(),
            self.first_phonetic.clone().into(),
            self.last_phonetic.clone().into(),
            self.email.clone().into(),
            self.email_normalized.clone().into(),
            self.phone.clone().into(),
            self.mobile.clone().into(),
            self.birthday.into(),
            self.position.clone().into(),
            self.street.clone().into(),
            self.postal_code.clone().into(),
            self.city.clone().into(),
            self.city_key.clone().into(),
            self.country.clone().into(),
            self.website.clone().into(),
            self.tags.clone().into(),
            serde_json::Value::Object(self.custom.clone()).into(),
            self.owner_id.into(),
            self.source.clone().into(),
            self.external_id.clone().into(),
            self.lifecycle_stage.clone().into(),
            self.dnr_reason.is_some().into(),
            self.dnr_reason.clone().into(),
        ]
    }

    /// The same values as text, for array-bound batch writes (tags joined with U+001F).
    pub fn texts(&self) -> [Option<String>; COLUMN_COUNT] {
        let s = |v: &Option<String>| v.clone();
        [
            s(&self.salutation),
            s(&self.title),
            s(&self.first_name),
            s(&self.last_name),
            Some(self.name_key.clone()),
            Some(self.first_phonetic.clone()),
            Some(self.last_phonetic.clone()),
            s(&self.email),
            s(&self.email_normalized),
            s(&self.phone),
            s(&self.mobile),
            self.birthday.map(|d| d.to_string()),
            s(&self.position),
            s(&self.street),
            s(&self.postal_code),
            s(&self.city),
            Some(self.city_key.clone()),
            s(&self.country),
            s(&self.website),
            Some(self.tags.join("\u{1f}")),
            Some(serde_json::Value::Object(self.custom.clone()).to_string()),
            self.owner_id.map(|u| u.to_string()),
            s(&self.source),
            s(&self.external_id),
            Some(self.lifecycle_stage.clone()),
            Some(self.dnr_reason.is_some().to_string()),
            s(&self.dnr_reason),
        ]
    }
}

/// A person as stored.
#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Person {
    pub id: Uuid,
    pub salutation: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub position: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub tags: Vec<String>,
    pub custom: serde_json::Value,
    pub owner_id: Option<Uuid>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub lifecycle_stage: String,
    pub do_not_reactivate: bool,
    pub dnr_reason: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub merged_into: Option<Uuid>,
    /// Under restriction of processing (Art. 18 GDPR) since then, for the reason beside it.
    pub restricted_at: Option<DateTime<Utc>>,
    pub restriction_reason: Option<String>,
    pub last_interaction_at: Option<DateTime<Utc>>,
    pub last_purchase_at: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Name of the primary organization, if any.
    pub organization_name: Option<String>,
    pub name_key: String,
}

/// The columns a [`Person`] is read from (alias `p` for `persons`).
macro_rules! person_columns {
    () => {
        "p.id, p.salutation, p.title, p.first_name, p.last_name, \
    p.email, p.phone, p.mobile, p.birthday, p.position, p.street, p.postal_code, p.city, \
    p.country, p.website, p.tags, p.custom, p.owner_id, p.source, p.external_id, \
    p.lifecycle_stage, p.do_not_reactivate, p.dnr_reason, p.archived_at, p.merged_into, \
    p.restricted_at, p.restriction_reason, p.last_interaction_at, p.last_purchase_at, p.version, p.created_at, p.updated_at, \
    (SELECT o.name FROM person_organizations po JOIN organizations o ON o.id = po.organization_id \
     WHERE po.person_id = p.id AND po.is_primary) AS organization_name, p.name_key"
    };
}

/// The columns of [`SELECT`] (what [`Person`] reads), for queries built elsewhere (segments) that map rows to [`Person`].
pub const READ_COLUMNS: &str = person_columns!();

pub const SELECT: &str = concat!("SELECT ", person_columns!(), " FROM persons p");

impl Person {
    /// Back to a draft, for updates that change some fields and keep the rest.
    pub fn to_draft(&self) -> PersonDraft {
        let custom = fields::custom_of(&self.custom);
        PersonDraft {
            salutation: self.salutation.clone(),
            title: self.title.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            mobile: self.mobile.clone(),
            birthday: self.birthday.map(|d| d.to_string()),
            position: self.position.clone(),
            street: self.street.clone(),
            postal_code: self.postal_code.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            website: self.website.clone(),
            source: self.source.clone(),
            external_id: self.external_id.clone(),
            lifecycle_stage: Some(self.lifecycle_stage.clone()),
            dnr_reason: self.dnr_reason.clone(),
            owner_id: self.owner_id.map(|u| u.to_string()),
            tags: self.tags.clone(),
            custom,
        }
    }

    pub fn display_name(&self) -> String {
        match (&self.first_name, &self.last_name) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            (None, Some(l)) => l.clone(),
            (Some(f), None) => f.clone(),
            (None, None) => self.email.clone().unwrap_or_default(),
        }
    }
}

/// Whether `user` may own records in this tenant (a member, or an admin of its agency).
pub async fn check_owner(tx: &TenantTx, owner: Option<Uuid>) -> Result<()> {
    let Some(owner) = owner else { return Ok(()) };
    let row = tx
        .query_one_raw(stmt(
            "SELECT EXISTS (SELECT 1 FROM platform.memberships WHERE tenant_id = $1 AND user_id = $2) \
             OR EXISTS (SELECT 1 FROM platform.users u JOIN platform.tenants t \
                        ON t.agency_id = u.agency_id \
                        WHERE t.id = $1 AND u.id = $2 AND u.agency_role = 'admin') AS ok",
            vec![tx.tenant().0.into(), owner.into()],
        ))
        .await?;
    let ok: bool = row
        .map(|r| r.try_get("", "ok"))
        .transpose()?
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(Error::field("ownerId", "is not a member of this tenant"))
    }
}

fn map_unique(e: sea_orm::DbErr) -> Error {
    if kartei_tenancy::error::is_unique_violation(&e) {
        Error::field("externalId", "is already used by another person")
    } else {
        e.into()
    }
}

pub async fn create(tx: &TenantTx, draft: &PersonDraft) -> Result<Person> {
    let rules = Rules::load(tx, rules::Entity::Person).await?;
    let data = draft.validate(&rules).map_err(Error::Invalid)?;
    check_owner(tx, data.owner_id).await?;
    insert(tx, Uuid::now_v7(), &data).await
}

pub async fn insert(tx: &TenantTx, id: Uuid, data: &PersonData) -> Result<Person> {
    let placeholders: Vec<String> = (2..=COLUMN_COUNT + 1).map(|n| format!("${n}")).collect();
    let mut values = vec![id.into()];
    values.extend(data.values());
    tx.execute_raw(stmt(
        &format!(
            "INSERT INTO persons (id, {COLUMNS}) VALUES ($1, {})",
            placeholders.join(", ")
        ),
        values,
    ))
    .await
    .map_err(map_unique)?;
    get(tx, id).await
}

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<Person> {
    find(tx, id).await?.ok_or(Error::NotFound("person"))
}

/// The person, for a write about them: refused with the code RESTRICTED while they are under
/// restriction of processing (Art. 18 GDPR). Writes to the `persons` row itself meet the same
/// refusal in the database (`persons_restricted_frozen`); this covers what is stored beside it.
pub async fn get_unrestricted(tx: &TenantTx, id: Uuid) -> Result<Person> {
    let p = get(tx, id).await?;
    if p.restricted_at.is_some() {
        return Err(kartei_tenancy::Error::Restricted(
            "this person is under restriction of processing (Art. 18 GDPR); lift the \
             restriction before changing what is stored about them"
                .into(),
        )
        .into());
    }
    Ok(p)
}

pub async fn find(tx: &TenantTx, id: Uuid) -> Result<Option<Person>> {
    Ok(
        Person::find_by_statement(stmt(&format!("{SELECT} WHERE p.id = $1"), vec![id.into()]))
            .one(&**tx)
            .await?,
    )
}

/// The persons among `ids` that exist (merged tombstones included), in one statement.
pub async fn find_many(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Person>> {
    Ok(Person::find_by_statement(stmt(
        &format!("{SELECT} WHERE p.id = ANY($1)"),
        vec![crate::sql::uuid_array(ids.to_vec())],
    ))
    .all(&**tx)
    .await?)
}

/// Writes a changed draft if `version` is still current; CONFLICT otherwise.
pub async fn update(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    change: impl FnOnce(&mut PersonDraft),
) -> Result<Person> {
    let current = get(tx, id).await?;
    if current.version != version {
        return Err(Error::stale("person"));
    }
    if current.merged_into.is_some() {
        return Err(Error::Conflict(
            "this person was merged into another; edit that one".into(),
        ));
    }
    let mut draft = current.to_draft();
    change(&mut draft);
    let rules = Rules::load(tx, rules::Entity::Person).await?;
    let data = draft.validate(&rules).map_err(Error::Invalid)?;
    if data.owner_id != current.owner_id {
        check_owner(tx, data.owner_id).await?;
    }
    write(tx, id, version, &data).await
}

/// The UPDATE itself, guarded by `version` (a concurrent writer makes it match no row).
pub async fn write(tx: &TenantTx, id: Uuid, version: i32, data: &PersonData) -> Result<Person> {
    let placeholders: Vec<String> = (3..=COLUMN_COUNT + 2).map(|n| format!("${n}")).collect();
    let mut values = vec![id.into(), version.into()];
    values.extend(data.values());
    let res = tx
        .execute_raw(stmt(
            &format!(
                "UPDATE persons SET ({COLUMNS}) = ({}), version = version + 1, updated_at = now() \
                 WHERE id = $1 AND version = $2",
                placeholders.join(", ")
            ),
            values,
        ))
        .await
        .map_err(map_unique)?;
    if res.rows_affected() == 0 {
        return Err(Error::stale("person"));
    }
    get(tx, id).await
}

/// Archives or restores; archived persons drop out of lists, segments and campaigns.
pub async fn set_archived(tx: &TenantTx, id: Uuid, version: i32, archived: bool) -> Result<Person> {
    if !crate::sql::set_archived(tx, "persons", "merged_into IS NULL", id, version, archived)
        .await?
    {
        get(tx, id).await?;
        return Err(Error::stale("person"));
    }
    get(tx, id).await
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Name,
    CreatedAt,
    UpdatedAt,
    LastInteractionAt,
}

impl Sort {
    /// Non-null sort expression and the type its cursor value is cast back to.
    fn expr(self) -> (&'static str, &'static str) {
        match self {
            Sort::Name => ("p.name_key", "text"),
            Sort::CreatedAt => ("p.created_at", "timestamptz"),
            Sort::UpdatedAt => ("p.updated_at", "timestamptz"),
            Sort::LastInteractionAt => (
                "COALESCE(p.last_interaction_at, '-infinity'::timestamptz)",
                "timestamptz",
            ),
        }
    }
}

impl Sort {
    fn value(self, p: &Person) -> String {
        let ts = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        match self {
            Sort::Name => p.name_key.clone(),
            Sort::CreatedAt => ts(&p.created_at),
            Sort::UpdatedAt => ts(&p.updated_at),
            Sort::LastInteractionAt => p
                .last_interaction_at
                .as_ref()
                .map_or_else(|| "-infinity".to_owned(), ts),
        }
    }
}

/// The cursor of a sorted list: the sort value as text and the id as tiebreaker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortKey(pub String, pub Uuid);

impl SortKey {
    /// Where `p` stands in a list sorted by `sort` (the cursor of its edge there).
    pub fn of(p: &Person, sort: Sort) -> Self {
        SortKey(sort.value(p), p.id)
    }
}

#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Matches name, email, phone or city (case- and umlaut-insensitive prefix/substring).
    pub query: Option<String>,
    pub tags_any: Vec<String>,
    pub tags_all: Vec<String>,
    pub lifecycle_stages: Vec<String>,
    pub owner_id: Option<Uuid>,
    /// `None` = active only; `Some(true)` = archived only; both via `include_archived`.
    pub archived: Option<bool>,
    pub include_archived: bool,
    pub do_not_reactivate: Option<bool>,
    /// `Some(true)`: only persons under restriction of processing; `Some(false)`: none of them.
    pub restricted: Option<bool>,
    pub organization_id: Option<Uuid>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub source: Option<String>,
    pub has_email: Option<bool>,
    pub has_phone: Option<bool>,
    pub last_interaction_before: Option<DateTime<Utc>>,
    pub last_interaction_after: Option<DateTime<Utc>>,
    pub created_after: Option<DateTime<Utc>>,
    pub ids: Vec<Uuid>,
}

impl PersonFilter {
    pub fn apply(&self, q: &mut Sql) {
        q.and("p.merged_into IS NULL".into());
        match (self.include_archived, self.archived) {
            (true, _) => {}
            (false, Some(true)) => q.and("p.archived_at IS NOT NULL".into()),
            _ => q.and("p.archived_at IS NULL".into()),
        }
        if let Some(s) = self
            .query
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let folded = format!("%{}%", like_escape(&normalize::fold(s)));
            let raw = format!("%{}%", like_escape(&s.to_lowercase()));
            let a = q.param(folded);
            let b = q.param(raw);
            q.and(format!(
                "(p.name_key LIKE {a} OR p.email_normalized LIKE {b} OR p.city_key LIKE {a} \
                 OR p.phone LIKE {b} OR p.mobile LIKE {b})"
            ));
        }
        if !self.tags_any.is_empty() {
            let p = q.param(self.tags_any.clone());
            q.and(format!("p.tags && {p}::text[]"));
        }
        if !self.tags_all.is_empty() {
            let p = q.param(self.tags_all.clone());
            q.and(format!("p.tags @> {p}::text[]"));
        }
        if !self.lifecycle_stages.is_empty() {
            let p = q.param(self.lifecycle_stages.clone());
            q.and(format!("p.lifecycle_stage = ANY({p}::text[])"));
        }
        if let Some(o) = self.owner_id {
            let p = q.param(o);
            q.and(format!("p.owner_id = {p}"));
        }
        if let Some(d) = self.do_not_reactivate {
            let p = q.param(d);
            q.and(format!("p.do_not_reactivate = {p}"));
        }
        match self.restricted {
            Some(true) => q.and("p.restricted_at IS NOT NULL".into()),
            Some(false) => q.and("p.restricted_at IS NULL".into()),
            None => {}
        }
        if let Some(o) = self.organization_id {
            let p = q.param(o);
            q.and(format!(
                "EXISTS (SELECT 1 FROM person_organizations po WHERE po.person_id = p.id \
                 AND po.organization_id = {p})"
            ));
        }
        if let Some(c) = &self.city {
            let p = q.param(normalize::fold(c));
            q.and(format!("p.city_key = {p}"));
        }
        if let Some(c) = &self.country {
            let p = q.param(c.to_uppercase());
            q.and(format!("p.country = {p}"));
        }
        if let Some(s) = &self.source {
            let p = q.param(s.clone());
            q.and(format!("p.source = {p}"));
        }
        match self.has_email {
            Some(true) => q.and("p.email IS NOT NULL".into()),
            Some(false) => q.and("p.email IS NULL".into()),
            None => {}
        }
        match self.has_phone {
            Some(true) => q.and("(p.phone IS NOT NULL OR p.mobile IS NOT NULL)".into()),
            Some(false) => q.and("(p.phone IS NULL AND p.mobile IS NULL)".into()),
            None => {}
        }
        if let Some(t) = self.last_interaction_before {
            let p = q.param(t);
            q.and(format!(
                "(p.last_interaction_at IS NULL OR p.last_interaction_at < {p})"
            ));
        }
        if let Some(t) = self.last_interaction_after {
            let p = q.param(t);
            q.and(format!("p.last_interaction_at >= {p}"));
        }
        if let Some(t) = self.created_after {
            let p = q.param(t);
            q.and(format!("p.created_at >= {p}"));
        }
        if !self.ids.is_empty() {
            let p = q.param(crate::sql::uuid_array(self.ids.clone()));
            q.and(format!("p.id = ANY({p})"));
        }
    }
}

pub async fn list(
    tx: &TenantTx,
    filter: &PersonFilter,
    sort: Sort,
    descending: bool,
    req: &PageRequest<SortKey>,
) -> Result<Page<Person>> {
    let mut q = Sql::default();
    filter.apply(&mut q);
    let (expr, ty) = sort.expr();
    // Forward in natural order uses `>` (ascending) or `<` (descending).
    let (gt, lt) = if descending { ("<", ">") } else { (">", "<") };
    if let Some(SortKey(v, id)) = &req.after {
        let a = q.param(v.clone());
        let b = q.param(*id);
        q.and(format!("({expr}, p.id) {gt} ({a}::{ty}, {b})"));
    }
    if let Some(SortKey(v, id)) = &req.before {
        let a = q.param(v.clone());
        let b = q.param(*id);
        q.and(format!("({expr}, p.id) {lt} ({a}::{ty}, {b})"));
    }
    let ascending = (req.direction == Direction::Forward) != descending;
    let dir = if ascending { "ASC" } else { "DESC" };
    let sql = format!(
        "{SELECT} WHERE {} ORDER BY {expr} {dir}, p.id {dir} LIMIT {}",
        q.where_clause(),
        req.limit + 1
    );
    let rows = Person::find_by_statement(stmt(&sql, q.values))
        .all(&**tx)
        .await?;
    Ok(Page::from_rows(req, rows, |p| SortKey::of(p, sort)))
}

pub async fn count(tx: &TenantTx, filter: &PersonFilter) -> Result<i64> {
    let mut q = Sql::default();
    filter.apply(&mut q);
    let row = tx
        .query_one_raw(stmt(
            &format!(
                "SELECT count(*) AS n FROM persons p WHERE {}",
                q.where_clause()
            ),
            q.values,
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}
