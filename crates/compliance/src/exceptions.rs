//! Records of the UWG §7(3) existing-customer exception: the email address was obtained in a
//! sale, it is used for the tenant's own similar products (the purposes), and the customer was
//! told at collection that they may object at any time. The record is bound to the address (by
//! its keyed hash): a changed address is not covered.

use chrono::{DateTime, Utc};
use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::FromQueryResult;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::suppression::Key;

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Record {
    pub id: Uuid,
    pub person_id: Uuid,
    pub obtained_at: DateTime<Utc>,
    pub sale_reference: String,
    pub purposes: Vec<String>,
    pub notice_given_at: DateTime<Utc>,
    pub notice_text_hash: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, person_id, obtained_at, sale_reference, purposes, notice_given_at, \
     notice_text_hash, recorded_by, recorded_at";

#[derive(Debug, Clone)]
pub struct NewRecord {
    pub person_id: Uuid,
    pub obtained_at: DateTime<Utc>,
    pub sale_reference: String,
    pub purposes: Vec<String>,
    pub notice_given_at: DateTime<Utc>,
    pub notice_text_hash: Option<String>,
}

/// Records the exception for the person's current email address.
pub async fn record(tx: &TenantTx, r: &NewRecord, actor: &str) -> Result<Record> {
    let p = kartei_contacts::persons::get_unrestricted(tx, r.person_id).await?;
    let mut e = FieldErrors::new();
    if r.sale_reference.trim().is_empty() || r.sale_reference.chars().count() > 200 {
        e.add(
            "saleReference",
            "must be 1 to 200 characters (order or invoice number)",
        );
    }
    if r.purposes.is_empty() {
        e.add("purposes", "must name at least one purpose");
    }
    if r.notice_given_at < r.obtained_at - chrono::Duration::days(1) {
        e.add(
            "noticeGivenAt",
            "must be when the address was collected or later",
        );
    }
    let email = p.email.as_deref().map(str::to_lowercase);
    if email.is_none() {
        e.add("personId", "the person has no email address");
    }
    e.into_result().map_err(Error::Invalid)?;
    let known = crate::ledger::purposes(tx).await?;
    for purpose in &r.purposes {
        let ok = known
            .iter()
            .any(|x| &x.key == purpose && x.existing_customer_ok);
        if !ok {
            return Err(Error::field(
                "purposes",
                format!("'{purpose}' is not a purpose for the customer's own similar products"),
            ));
        }
    }
    if let Some(h) = &r.notice_text_hash {
        crate::ledger::text(tx, h).await?;
    }
    let key = Key::load(tx).await?;
    let address = key.hash(&email.unwrap_or_default());
    Record::find_by_statement(stmt(
        &format!(
            "INSERT INTO customer_exceptions (id, person_id, address_hash, obtained_at, \
                 sale_reference, purposes, notice_given_at, notice_text_hash, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
        ),
        vec![
            Uuid::now_v7().into(),
            r.person_id.into(),
            address.into(),
            r.obtained_at.into(),
            r.sale_reference.trim().into(),
            kartei_contacts::sql::text_array(r.purposes.iter().cloned().map(Some).collect()),
            r.notice_given_at.into(),
            r.notice_text_hash.clone().into(),
            actor.into(),
        ],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("exception record"))
}

pub async fn of_person(tx: &TenantTx, person_id: Uuid) -> Result<Vec<Record>> {
    Ok(Record::find_by_statement(stmt(
        &format!(
            "SELECT {COLUMNS} FROM customer_exceptions WHERE person_id = $1 ORDER BY recorded_at"
        ),
        vec![person_id.into()],
    ))
    .all(&**tx)
    .await?)
}
