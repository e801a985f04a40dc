//! The search document of a person or an organization, built from the tenant's tables. Both
//! backends index exactly this; only live records (not archived, not merged) have one.

use std::collections::BTreeSet;

use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{FromQueryResult, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Result;
use crate::fold::{fold, phone_words};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Person,
    Organization,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Organization => "organization",
        }
    }
}

/// What a hit shows, what filters and facets use, and the folded words both engines match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub id: Uuid,
    pub kind: Kind,
    /// "Dr. Anna Müller" or the organization's name.
    pub name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// A person's (primary) organization.
    pub organization: Option<String>,
    pub position: Option<String>,
    pub email: Option<String>,
    /// E.164.
    pub phones: Vec<String>,
    /// Street and house number.
    #[serde(default)]
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub tags: Vec<String>,
    pub lifecycle_stage: String,
    /// An organization's industry, or a person's organization's.
    pub industry: Option<String>,
    pub owner_id: Option<Uuid>,
    pub sort_name: String,
    /// Folded name words (ranked first).
    pub search_name: String,
    /// A person's folded last and first name, an organization's folded name: the leading word
    /// is the one a one-word name query is matched against in order.
    #[serde(default)]
    pub search_lead: String,
    /// Folded words of a person's organization (ranked after the name).
    #[serde(default)]
    pub search_organization: String,
    /// Folded street, postal code and city words (ranked after the organization).
    #[serde(default)]
    pub search_place: String,
    /// Folded e-mail, industry and tag words (ranked last).
    pub search_other: String,
    /// Phone digits, international and national.
    pub search_phones: Vec<String>,
}

impl Document {
    /// The lowest-ranked searchable words (e-mail, industry, tags and phone digits), as the
    /// in-database backend stores them.
    pub fn other_words(&self) -> String {
        let mut w = String::with_capacity(self.search_other.len() + 24 * self.search_phones.len());
        for part in std::iter::once(self.search_other.as_str())
            .chain(self.search_phones.iter().map(String::as_str))
        {
            if part.is_empty() {
                continue;
            }
            if !w.is_empty() {
                w.push(' ');
            }
            w.push_str(part);
        }
        w
    }
}

const PERSON_SELECT: &str = "SELECT p.id, p.salutation, p.title, p.first_name, p.last_name, p.position, \
        p.email, p.phone, p.mobile, p.street, p.postal_code, p.city, p.tags, p.owner_id, \
        p.lifecycle_stage, p.name_key, o.name AS org_name, o.industry AS org_industry \
    FROM persons p \
    LEFT JOIN LATERAL (SELECT o.name, o.industry FROM person_organizations po \
        JOIN organizations o ON o.id = po.organization_id \
        WHERE po.person_id = p.id AND o.archived_at IS NULL AND o.merged_into IS NULL \
        ORDER BY po.is_primary DESC, o.name_key LIMIT 1) o ON true \
    WHERE p.archived_at IS NULL AND p.merged_into IS NULL AND p.restricted_at IS NULL";

const ORG_SELECT: &str = "SELECT o.id, o.name, o.name_key, o.industry, o.email, o.phone, \
        o.street, o.postal_code, o.city, o.tags, o.owner_id, o.lifecycle_stage \
    FROM organizations o WHERE o.archived_at IS NULL AND o.merged_into IS NULL";

#[derive(Debug, FromQueryResult)]
struct PersonRow {
    id: Uuid,
    salutation: Option<String>,
    title: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    position: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    mobile: Option<String>,
    street: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    tags: Vec<String>,
    owner_id: Option<Uuid>,
    lifecycle_stage: String,
    name_key: String,
    org_name: Option<String>,
    org_industry: Option<String>,
}

#[derive(Debug, FromQueryResult)]
struct OrgRow {
    id: Uuid,
    name: String,
    name_key: String,
    industry: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    street: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    tags: Vec<String>,
    owner_id: Option<Uuid>,
    lifecycle_stage: String,
}

fn join_words<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut out = String::new();
    for p in parts.into_iter().flatten() {
        let f = fold(p);
        if f.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&f);
    }
    out
}

fn phones_of(list: &[Option<&str>]) -> (Vec<String>, Vec<String>) {
    let mut shown = Vec::new();
    let mut words = BTreeSet::new();
    for p in list.iter().flatten() {
        shown.push((*p).to_owned());
        words.extend(phone_words(p));
    }
    (shown, words.into_iter().collect())
}

impl From<PersonRow> for Document {
    fn from(r: PersonRow) -> Self {
        let name = [
            r.title.as_deref(),
            r.first_name.as_deref(),
            r.last_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        let name = if name.is_empty() {
            r.email.clone().unwrap_or_default()
        } else {
            name
        };
        let (phones, search_phones) = phones_of(&[r.phone.as_deref(), r.mobile.as_deref()]);
        let tags = r.tags.join(" ");
        let _ = &r.salutation;
        Document {
            id: r.id,
            kind: Kind::Person,
            search_name: join_words([r.first_name.as_deref(), r.last_name.as_deref()]),
            search_lead: join_words([r.last_name.as_deref(), r.first_name.as_deref()]),
            search_organization: join_words([r.org_name.as_deref()]),
            search_place: join_words([
                r.street.as_deref(),
                r.postal_code.as_deref(),
                r.city.as_deref(),
            ]),
            search_other: join_words([r.email.as_deref(), Some(tags.as_str())]),
            search_phones,
            name,
            first_name: r.first_name,
            last_name: r.last_name,
            organization: r.org_name,
            position: r.position,
            email: r.email,
            phones,
            street: r.street,
            postal_code: r.postal_code,
            city: r.city,
            tags: r.tags,
            lifecycle_stage: r.lifecycle_stage,
            industry: r.org_industry,
            owner_id: r.owner_id,
            sort_name: r.name_key,
        }
    }
}

impl From<OrgRow> for Document {
    fn from(r: OrgRow) -> Self {
        let (phones, search_phones) = phones_of(&[r.phone.as_deref()]);
        let tags = r.tags.join(" ");
        Document {
            id: r.id,
            kind: Kind::Organization,
            search_name: join_words([Some(r.name.as_str())]),
            search_lead: join_words([Some(r.name.as_str())]),
            search_organization: String::new(),
            search_place: join_words([
                r.street.as_deref(),
                r.postal_code.as_deref(),
                r.city.as_deref(),
            ]),
            search_other: join_words([
                r.email.as_deref(),
                r.industry.as_deref(),
                Some(tags.as_str()),
            ]),
            search_phones,
            name: r.name,
            first_name: None,
            last_name: None,
            organization: None,
            position: None,
            email: r.email,
            phones,
            street: r.street,
            postal_code: r.postal_code,
            city: r.city,
            tags: r.tags,
            lifecycle_stage: r.lifecycle_stage,
            industry: r.industry,
            owner_id: r.owner_id,
            sort_name: r.name_key,
        }
    }
}

/// The documents of these live persons. The caller holds the tenant's drain lock: deleting a
/// person takes it too (a statement trigger on `persons`), so an erasure waits for the
/// document write and then removes it, rather than racing it.
pub async fn persons(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Document>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{PERSON_SELECT} AND p.id = ANY($1)");
    let rows = PersonRow::find_by_statement(stmt(&sql, vec![uuid_array(ids)]))
        .all(&**tx)
        .await?;
    Ok(rows.into_iter().map(Document::from).collect())
}

/// The documents of these live organizations (share-locked like [`persons`]).
pub async fn organizations(tx: &TenantTx, ids: &[Uuid]) -> Result<Vec<Document>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{ORG_SELECT} AND o.id = ANY($1) FOR KEY SHARE OF o");
    let rows = OrgRow::find_by_statement(stmt(&sql, vec![uuid_array(ids)]))
        .all(&**tx)
        .await?;
    Ok(rows.into_iter().map(Document::from).collect())
}

/// The next `limit` live persons after `after` (by id), for a full reindex.
pub async fn persons_after(tx: &TenantTx, after: Uuid, limit: u64) -> Result<Vec<Document>> {
    let sql = format!("{PERSON_SELECT} AND p.id > $1 ORDER BY p.id LIMIT $2");
    let rows = PersonRow::find_by_statement(stmt(&sql, vec![after.into(), (limit as i64).into()]))
        .all(&**tx)
        .await?;
    Ok(rows.into_iter().map(Document::from).collect())
}

/// The next `limit` live organizations after `after` (by id), for a full reindex.
pub async fn organizations_after(tx: &TenantTx, after: Uuid, limit: u64) -> Result<Vec<Document>> {
    let sql = format!("{ORG_SELECT} AND o.id > $1 ORDER BY o.id LIMIT $2");
    let rows = OrgRow::find_by_statement(stmt(&sql, vec![after.into(), (limit as i64).into()]))
        .all(&**tx)
        .await?;
    Ok(rows.into_iter().map(Document::from).collect())
}

pub(crate) fn uuid_array(ids: &[Uuid]) -> Value {
    kartei_contacts::sql::uuid_array(ids.to_vec())
}

/// A `text[]` parameter without NULL elements.
pub(crate) fn text_array(v: &[String]) -> Value {
    Value::Array(
        sea_orm::sea_query::ArrayType::String,
        Some(Box::new(
            v.iter().map(|s| Value::String(Some(s.clone()))).collect(),
        )),
    )
}
