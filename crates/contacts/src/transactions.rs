//! Transactions: orders and invoices with amounts in minor units, issue/due/paid dates and
//! status. They move `last_purchase_at` (by trigger) and feed payment behaviour.

use chrono::{DateTime, NaiveDate, Utc};
use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::{Error, Result};

pub const KINDS: &[&str] = &["order", "invoice"];
pub const STATUSES: &[&str] = &["open", "paid", "cancelled"];

#[derive(Debug, Clone, FromQueryResult)]
pub struct Transaction {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub kind: String,
    pub number: String,
    pub amount_minor: i64,
    pub currency: String,
    pub issued_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub status: String,
    pub description: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl Transaction {
    /// Days paid after the due date, or days overdue today when still open.
    pub fn days_late(&self, today: NaiveDate) -> Option<i64> {
        let due = self.due_on?;
        let end = match self.status.as_str() {
            "paid" => self.paid_on?,
            "open" => today,
            _ => return None,
        };
        let d = (end - due).num_days();
        (d > 0).then_some(d)
    }
}

const SELECT: &str = "SELECT id, person_id, organization_id, kind, number, amount_minor, \
    currency, issued_on, due_on, paid_on, status, description, archived_at, version, created_at \
    FROM transactions";

#[derive(Debug, Clone, Default)]
pub struct TransactionInput {
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub kind: String,
    pub number: String,
    pub amount_minor: i64,
    pub currency: String,
    pub issued_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub status: String,
    pub description: Option<String>,
}

async fn check(tx: &TenantTx, i: &mut TransactionInput) -> Result<()> {
    let mut e = FieldErrors::new();
    if !KINDS.contains(&i.kind.as_str()) {
        e.add("kind", "must be order or invoice");
    }
    i.number = i.number.trim().to_owned();
    if i.number.is_empty() || i.number.chars().count() > 64 {
        e.add("number", "must be 1 to 64 characters");
    }
    i.currency = i.currency.trim().to_uppercase();
    if !(i.currency.len() == 3 && i.currency.bytes().all(|b| b.is_ascii_uppercase())) {
        e.add("currency", "must be an ISO 4217 code such as EUR");
    }
    if !STATUSES.contains(&i.status.as_str()) {
        e.add("status", "must be one of open, paid, cancelled");
    }
    let issued = i.issued_on.unwrap_or_else(|| Utc::now().date_naive());
    i.issued_on = Some(issued);
    if i.due_on.is_some_and(|d| d < issued) {
        e.add("dueOn", "must not be before issuedOn");
    }
    if i.paid_on.is_some_and(|d| d < issued) {
        e.add("paidOn", "must not be before issuedOn");
    }
    match (i.status.as_str(), i.paid_on) {
        ("paid", None) => e.add("paidOn", "is required when status is paid"),
        ("open" | "cancelled", Some(_)) => e.add("paidOn", "is only allowed when status is paid"),
        _ => {}
    }
    crate::interactions::check_targets(tx, i.person_id, i.organization_id, &mut e).await?;
    e.into_result().map_err(Error::Invalid)
}

fn map_unique(e: sea_orm::DbErr) -> Error {
    if kartei_tenancy::error::is_unique_violation(&e) {
        Error::field(
            "number",
            "is already used by another transaction of this kind",
        )
    } else {
        e.into()
    }
}

pub async fn create(tx: &TenantTx, mut input: TransactionInput) -> Result<Transaction> {
    check(tx, &mut input).await?;
    let id = Uuid::now_v7();
    tx.execute_raw(stmt(
        "INSERT INTO transactions (id, person_id, organization_id, kind, number, amount_minor, \
         currency, issued_on, due_on, paid_on, status, description) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        vec![
            id.into(),
            input.person_id.into(),
            input.organization_id.into(),
            input.kind.into(),
            input.number.into(),
            input.amount_minor.into(),
            input.currency.into(),
            input.issued_on.into(),
            input.due_on.into(),
            input.paid_on.into(),
            input.status.into(),
            input.description.into(),
        ],
    ))
    .await
    .map_err(map_unique)?;
    get(tx, id).await
}

/// The rows whose id is in `ids` (a `uuid[]` value), in one statement.
pub async fn find_many(tx: &TenantTx, ids: sea_orm::Value) -> Result<Vec<Transaction>> {
    Ok(
        Transaction::find_by_statement(stmt(&format!("{SELECT} WHERE id = ANY($1)"), vec![ids]))
            .all(&**tx)
            .await?,
    )
}

pub async fn get(tx: &TenantTx, id: Uuid) -> Result<Transaction> {
    Transaction::find_by_statement(stmt(&format!("{SELECT} WHERE id = $1"), vec![id.into()]))
        .one(&**tx)
        .await?
        .ok_or(Error::NotFound("transaction"))
}

pub async fn update(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    change: impl FnOnce(&mut TransactionInput),
) -> Result<Transaction> {
    let c = get(tx, id).await?;
    let mut input = TransactionInput {
        person_id: c.person_id,
        organization_id: c.organization_id,
        kind: c.kind,
        number: c.number,
        amount_minor: c.amount_minor,
        currency: c.currency,
        issued_on: Some(c.issued_on),
        due_on: c.due_on,
        paid_on: c.paid_on,
        status: c.status,
        description: c.description,
    };
    change(&mut input);
    check(tx, &mut input).await?;
    let res = tx
        .execute_raw(stmt(
            "UPDATE transactions SET person_id = $3, organization_id = $4, kind = $5, number = $6, \
             amount_minor = $7, currency = $8, issued_on = $9, due_on = $10, paid_on = $11, \
             status = $12, description = $13, version = version + 1, updated_at = now() \
             WHERE id = $1 AND version = $2",
            vec![
                id.into(),
                version.into(),
                input.person_id.into(),
                input.organization_id.into(),
                input.kind.into(),
                input.number.into(),
                input.amount_minor.into(),
                input.currency.into(),
                input.issued_on.into(),
                input.due_on.into(),
                input.paid_on.into(),
                input.status.into(),
                input.description.into(),
            ],
        ))
        .await
        .map_err(map_unique)?;
    if res.rows_affected() == 0 {
        return Err(Error::stale("transaction"));
    }
    get(tx, id).await
}

pub async fn set_archived(
    tx: &TenantTx,
    id: Uuid,
    version: i32,
    archived: bool,
) -> Result<Transaction> {
    if !crate::sql::set_archived(tx, "transactions", "TRUE", id, version, archived).await? {
        get(tx, id).await?;
        return Err(Error::stale("transaction"));
    }
    get(tx, id).await
}
