//! Per-tenant vocabularies that input is checked against: picklists (industry, source,
//! do-not-reactivate reasons and tenant-defined lists), typed custom fields, and the default
//! phone region.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::FromQueryResult;
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::normalize;

/// Setting key of the region used to read national phone numbers (default `DE`).
pub const PHONE_REGION_SETTING: &str = "contacts.default_phone_region";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Person,
    Organization,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Person => "person",
            Entity::Organization => "organization",
        }
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Picklist {
    pub key: String,
    pub label: String,
    pub builtin: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct PicklistValue {
    pub picklist_key: String,
    pub value: String,
    pub label: String,
    pub position: i32,
    pub archived: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Boolean,
    Picklist,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Boolean => "boolean",
            FieldKind::Picklist => "picklist",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "number" => FieldKind::Number,
            "date" => FieldKind::Date,
            "boolean" => FieldKind::Boolean,
            "picklist" => FieldKind::Picklist,
            _ => FieldKind::Text,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CustomField {
    pub entity: String,
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub picklist_key: Option<String>,
    pub required: bool,
}

#[derive(FromQueryResult)]
struct CustomFieldRow {
    entity: String,
    key: String,
    label: String,
    kind: String,
    picklist_key: Option<String>,
    required: bool,
}

impl From<CustomFieldRow> for CustomField {
    fn from(r: CustomFieldRow) -> Self {
        CustomField {
            entity: r.entity,
            key: r.key,
            label: r.label,
            kind: FieldKind::parse(&r.kind),
            picklist_key: r.picklist_key,
            required: r.required,
        }
    }
}

/// Everything input validation needs from the tenant, loaded once per transaction or batch.
#[derive(Debug, Clone)]
pub struct Rules {
    pub phone_region: String,
    /// Active (not archived) values per picklist.
    pub picklists: HashMap<String, HashSet<String>>,
    pub custom: Vec<CustomField>,
}

/// The region national phone numbers are read in (`contacts.default_phone_region`, `DE` unless
/// set to a valid region).
pub async fn phone_region(tx: &TenantTx) -> Result<String> {
    Ok(kartei_tenancy::settings::get(tx, PHONE_REGION_SETTING)
        .await?
        .and_then(|s| s.value.as_str().map(str::to_owned))
        .filter(|r| normalize::is_phone_region(r))
        .unwrap_or_else(|| "DE".to_owned()))
}

impl Rules {
    pub async fn load(tx: &TenantTx, entity: Entity) -> Result<Self> {
        let region = phone_region(tx).await?;
        let mut picklists: HashMap<String, HashSet<String>> = HashMap::new();
        for v in PicklistValue::find_by_statement(stmt(
            "SELECT picklist_key, value, label, position, archived FROM picklist_values \
             WHERE NOT archived",
            vec![],
        ))
        .all(&**tx)
        .await?
        {
            picklists.entry(v.picklist_key).or_default().insert(v.value);
        }
        let custom = custom_fields(tx, Some(entity)).await?;
        Ok(Rules {
            phone_region: region,
            picklists,
            custom,
        })
    }

    pub fn check_picklist(&self, list: &str, value: &str) -> Result<(), String> {
        if self.picklists.get(list).is_some_and(|s| s.contains(value)) {
            Ok(())
        } else {
            Err(format!("must be a value of picklist '{list}'"))
        }
    }

    /// Checks custom values against their definitions and returns them typed: numbers as
    /// JSON numbers, dates as `YYYY-MM-DD`, booleans as booleans. Strings are accepted for
    /// every kind (imports deliver text).
    pub fn check_custom(
        &self,
        input: &BTreeMap<String, Json>,
        errors: &mut FieldErrors,
    ) -> serde_json::Map<String, Json> {
        let mut out = serde_json::Map::new();
        for (key, value) in input {
            let field = format!("custom.{key}");
            let Some(def) = self.custom.iter().find(|d| &d.key == key) else {
                errors.add(field, "is not a defined custom field");
                continue;
            };
            if value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty()) {
                continue;
            }
            match coerce(def, value, self) {
                Ok(v) => {
                    out.insert(key.clone(), v);
                }
                Err(m) => errors.add(field, m),
            }
        }
        for def in self.custom.iter().filter(|d| d.required) {
            if !out.contains_key(&def.key) {
                errors.add(format!("custom.{}", def.key), "is required");
            }
        }
        out
    }
}

fn coerce(def: &CustomField, value: &Json, rules: &Rules) -> Result<Json, String> {
    let text = value.as_str().map(str::trim);
    match def.kind {
        FieldKind::Text => match text {
            Some(s) if s.chars().count() <= 1000 => Ok(Json::from(s)),
            Some(_) => Err("must be at most 1000 characters".into()),
            None => Err("must be text".into()),
        },
        FieldKind::Number => {
            if let Some(n) = value.as_f64() {
                return Ok(Json::from(n));
            }
            text.and_then(parse_number)
                .map(Json::from)
                .ok_or_else(|| "must be a number".into())
        }
        FieldKind::Date => text
            .and_then(parse_date)
            .map(|d| Json::from(d.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| "must be a date (YYYY-MM-DD or DD.MM.YYYY)".into()),
        FieldKind::Boolean => {
            if let Some(b) = value.as_bool() {
                return Ok(Json::from(b));
            }
            text.and_then(parse_bool)
                .map(Json::from)
                .ok_or_else(|| "must be true or false (ja/nein)".into())
        }
        FieldKind::Picklist => {
            let list = def.picklist_key.as_deref().unwrap_or_default();
            let s = text.ok_or("must be a picklist value")?;
            rules.check_picklist(list, s)?;
            Ok(Json::from(s))
        }
    }
}

/// `1234.5`, `1.234,5` and `1234,5` all read as 1234.5; a currency or percent sign before
/// or after the number (`1.234,50 €`, `€ 99`, `15 %`) is left out, as spreadsheets show them.
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '€' | '$' | '£' | '%'))
        .trim_end_matches(" EUR")
        .trim();
    let normalized = if s.contains(',') {
        s.replace('.', "").replace(',', ".")
    } else {
        s.to_owned()
    };
    normalized.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// ISO dates and the German `DD.MM.YYYY`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "true" | "ja" | "yes" | "1" | "x" | "wahr" => Some(true),
        "false" | "nein" | "no" | "0" | "falsch" => Some(false),
        _ => None,
    }
}

pub async fn custom_fields(tx: &TenantTx, entity: Option<Entity>) -> Result<Vec<CustomField>> {
    let rows = CustomFieldRow::find_by_statement(stmt(
        "SELECT entity, key, label, kind, picklist_key, required FROM custom_fields \
         WHERE $1::text IS NULL OR entity = $1 ORDER BY entity, key",
        vec![entity.map(|e| e.as_str().to_owned()).into()],
    ))
    .all(&**tx)
    .await?;
    Ok(rows.into_iter().map(CustomField::from).collect())
}

fn check_key(errors: &mut FieldErrors, field: &str, key: &str) {
    let mut chars = key.chars();
    let ok = key.len() <= 40
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        errors.add(
            field,
            "must be 1 to 40 characters of a-z, 0-9 and '_', starting with a letter",
        );
    }
}

fn check_label(errors: &mut FieldErrors, label: &str) -> String {
    let l = label.trim();
    if l.is_empty() || l.chars().count() > 100 {
        errors.add("label", "must be 1 to 100 characters");
    }
    l.to_owned()
}

pub struct CustomFieldInput {
    pub entity: Entity,
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub picklist_key: Option<String>,
    pub required: bool,
}

pub async fn define_custom_field(tx: &TenantTx, input: CustomFieldInput) -> Result<CustomField> {
    let mut errors = FieldErrors::new();
    check_key(&mut errors, "key", &input.key);
    let label = check_label(&mut errors, &input.label);
    match (input.kind, &input.picklist_key) {
        (FieldKind::Picklist, None) => errors.add("picklistKey", "is required for kind PICKLIST"),
        (FieldKind::Picklist, Some(k)) if picklist(tx, k).await?.is_none() => {
            errors.add("picklistKey", "no such picklist");
        }
        (FieldKind::Picklist, Some(_)) => {}
        (_, Some(_)) => errors.add("picklistKey", "is only allowed for kind PICKLIST"),
        _ => {}
    }
    if input.required {
        // A required field would make every existing record invalid.
        errors.add(
            "required",
            "new custom fields cannot be required; fill them first, then mark them required",
        );
    }
    errors.into_result().map_err(Error::Invalid)?;
    let row = CustomFieldRow::find_by_statement(stmt(
        "INSERT INTO custom_fields (entity, key, label, kind, picklist_key, required) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING \
         RETURNING entity, key, label, kind, picklist_key, required",
        vec![
            input.entity.as_str().into(),
            input.key.clone().into(),
            label.into(),
            input.kind.as_str().into(),
            input.picklist_key.into(),
            false.into(),
        ],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::Conflict(format!("custom field '{}' already exists", input.key)))?;
    Ok(row.into())
}

pub async fn picklist(tx: &TenantTx, key: &str) -> Result<Option<Picklist>> {
    Ok(Picklist::find_by_statement(stmt(
        "SELECT key, label, builtin, created_at FROM picklists WHERE key = $1",
        vec![key.into()],
    ))
    .one(&**tx)
    .await?)
}

pub async fn picklists(tx: &TenantTx) -> Result<Vec<Picklist>> {
    Ok(Picklist::find_by_statement(stmt(
        "SELECT key, label, builtin, created_at FROM picklists ORDER BY key",
        vec![],
    ))
    .all(&**tx)
    .await?)
}

pub async fn picklist_values(tx: &TenantTx, key: &str) -> Result<Vec<PicklistValue>> {
    Ok(PicklistValue::find_by_statement(stmt(
        "SELECT picklist_key, value, label, position, archived FROM picklist_values \
         WHERE picklist_key = $1 ORDER BY position, value",
        vec![key.into()],
    ))
    .all(&**tx)
    .await?)
}

pub async fn create_picklist(tx: &TenantTx, key: &str, label: &str) -> Result<Picklist> {
    let mut errors = FieldErrors::new();
    check_key(&mut errors, "key", key);
    let label = check_label(&mut errors, label);
    errors.into_result().map_err(Error::Invalid)?;
    Picklist::find_by_statement(stmt(
        "INSERT INTO picklists (key, label) VALUES ($1, $2) ON CONFLICT DO NOTHING \
         RETURNING key, label, builtin, created_at",
        vec![key.into(), label.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or_else(|| Error::Conflict(format!("picklist '{key}' already exists")))
}

/// Adds a value or changes its label, position or archived flag. Archived values stay valid
/// on records that have them but are refused on new input.
pub async fn put_picklist_value(
    tx: &TenantTx,
    list: &str,
    value: &str,
    label: &str,
    position: Option<i32>,
    archived: bool,
) -> Result<PicklistValue> {
    let mut errors = FieldErrors::new();
    let value_ok = value.len() <= 63
        && value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !value_ok {
        errors.add(
            "value",
            "must be 1 to 63 characters of a-z, 0-9, '_' and '-', starting with a letter or digit",
        );
    }
    let label = check_label(&mut errors, label);
    if picklist(tx, list).await?.is_none() {
        errors.add("picklistKey", "no such picklist");
    }
    errors.into_result().map_err(Error::Invalid)?;
    PicklistValue::find_by_statement(stmt(
        "INSERT INTO picklist_values (picklist_key, value, label, position, archived) \
         VALUES ($1, $2, $3, COALESCE($4, (SELECT COALESCE(max(position), 0) + 1 \
             FROM picklist_values WHERE picklist_key = $1)), $5) \
         ON CONFLICT (picklist_key, value) DO UPDATE SET label = EXCLUDED.label, \
             position = COALESCE($4, picklist_values.position), archived = EXCLUDED.archived \
         RETURNING picklist_key, value, label, position, archived",
        vec![
            list.into(),
            value.into(),
            label.into(),
            position.into(),
            archived.into(),
        ],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("picklist value"))
}
