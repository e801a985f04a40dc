//! The register of processing activities (GDPR Art. 30): per tenant, what is processed, why, on
//! which legal basis, about whom, for whom, how long and with which safeguards; exported as CSV
//! for the supervisory authority.

use chrono::{DateTime, Utc};
use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Activity {
    pub id: Uuid,
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
    pub updated_by: String,
}

#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub name: String,
    pub purpose: String,
    pub legal_basis: String,
    pub data_subjects: Vec<String>,
    pub data_categories: Vec<String>,
    pub recipients: Vec<String>,
    pub third_countries: Option<String>,
    pub retention: String,
    pub safeguards: String,
}

const COLUMNS: &str = "id, name, purpose, legal_basis, data_subjects, data_categories, recipients, \
     third_countries, retention, safeguards, updated_at, updated_by";

pub async fn list(tx: &TenantTx) -> Result<Vec<Activity>> {
    Ok(Activity::find_by_statement(stmt(
        &format!("SELECT {COLUMNS} FROM processing_activities ORDER BY name"),
        vec![],
    ))
    .all(&**tx)
    .await?)
}

fn check(a: &ActivityInput) -> Result<()> {
    let mut e = FieldErrors::new();
    for (field, v, max) in [
        ("name", &a.name, 200),
        ("purpose", &a.purpose, 2000),
        ("legalBasis", &a.legal_basis, 500),
        ("retention", &a.retention, 1000),
        ("safeguards", &a.safeguards, 4000),
    ] {
        if v.trim().is_empty() || v.chars().count() > max {
            e.add(field, format!("must be 1 to {max} characters"));
        }
    }
    for (field, list) in [
        ("dataSubjects", &a.data_subjects),
        ("dataCategories", &a.data_categories),
        ("recipients", &a.recipients),
    ] {
        if list.len() > 50
            || list
                .iter()
                .any(|s| s.trim().is_empty() || s.chars().count() > 200)
        {
            e.add(field, "must be at most 50 entries of 1 to 200 characters");
        }
    }
    if a.third_countries
        .as_ref()
        .is_some_and(|t| t.chars().count() > 1000)
    {
        e.add("thirdCountries", "must be at most 1000 characters");
    }
    e.into_result().map_err(Error::Invalid)
}

fn arr(v: &[String]) -> sea_orm::Value {
    kartei_contacts::sql::text_array(v.iter().map(|s| Some(s.trim().to_owned())).collect())
}

/// Creates (no `id`) or replaces an activity.
pub async fn put(
    tx: &TenantTx,
    id: Option<Uuid>,
    a: &ActivityInput,
    actor: &str,
) -> Result<Activity> {
    check(a)?;
    let sql = match id {
        None => format!(
            "INSERT INTO processing_activities (id, name, purpose, legal_basis, data_subjects, \
                 data_categories, recipients, third_countries, retention, safeguards, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
        ),
        Some(_) => format!(
            "UPDATE processing_activities SET name = $2, purpose = $3, legal_basis = $4, \
                 data_subjects = $5, data_categories = $6, recipients = $7, third_countries = $8, \
                 retention = $9, safeguards = $10, updated_by = $11, updated_at = now() \
             WHERE id = $1 RETURNING {COLUMNS}"
        ),
    };
    Activity::find_by_statement(stmt(
        &sql,
        vec![
            id.unwrap_or_else(Uuid::now_v7).into(),
            a.name.trim().into(),
            a.purpose.trim().into(),
            a.legal_basis.trim().into(),
            arr(&a.data_subjects),
            arr(&a.data_categories),
            arr(&a.recipients),
            a.third_countries.clone().into(),
            a.retention.trim().into(),
            a.safeguards.trim().into(),
            actor.into(),
        ],
    ))
    .one(&**tx)
    .await
    .map_err(|e| match kartei_tenancy::Error::from(e) {
        kartei_tenancy::Error::Conflict(_) => {
            Error::field("name", "another activity has this name")
        }
        other => other.into(),
    })?
    .ok_or(Error::NotFound("processing activity"))
}

pub async fn delete(tx: &TenantTx, id: Uuid) -> Result<bool> {
    Ok(tx
        .execute_raw(stmt(
            "DELETE FROM processing_activities WHERE id = $1",
            vec![id.into()],
        ))
        .await?
        .rows_affected()
        > 0)
}

/// The register as CSV (UTF-8 with BOM, `;`-separated for German Excel).
pub fn to_csv(activities: &[Activity]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let err = |e: csv::Error| Error::Archive(e.to_string());
    w.write_record([
        "Bezeichnung",
        "Zweck",
        "Rechtsgrundlage",
        "Betroffene",
        "Datenkategorien",
        "Empfänger",
        "Drittländer",
        "Löschfristen",
        "Technische und organisatorische Maßnahmen",
        "Stand",
    ])
    .map_err(err)?;
    for a in activities {
        w.write_record(kartei_core::cells::record([
            a.name.as_str(),
            &a.purpose,
            &a.legal_basis,
            &a.data_subjects.join(", "),
            &a.data_categories.join(", "),
            &a.recipients.join(", "),
            a.third_countries.as_deref().unwrap_or("keine"),
            &a.retention,
            &a.safeguards,
            &a.updated_at.format("%Y-%m-%d").to_string(),
        ]))
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::Archive(e.to_string()))
}
