//! Restriction of processing (Art. 18 GDPR). A restricted person is only stored: segments,
//! campaign audiences and sends (reason `RESTRICTED`), search, exports, analytics, the
//! staleness review and retention leave them out, and their record cannot change (a trigger,
//! `persons_restricted_frozen`, refuses every update with the code `RESTRICTED`) until the
//! restriction is lifted or the person is erased. A data-subject request of kind
//! `restriction` places it at once; lifting it is a deliberate, audited act with its reason
//! (Art. 18(3): the data subject is told before it is lifted).

use kartei_tenancy::audit;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::error::{Error, Result};

fn check_reason(reason: &str) -> Result<&str> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Error::field("reason", "must be 1 to 500 characters"));
    }
    Ok(reason)
}

/// Places a live person under restriction; CONFLICT if they already are.
pub async fn restrict(tx: &TenantTx, person_id: Uuid, reason: &str, actor: &str) -> Result<()> {
    let reason = check_reason(reason)?;
    let p = kartei_contacts::persons::get(tx, person_id).await?;
    if p.merged_into.is_some() {
        return Err(Error::Conflict(
            "the person was merged into another; restrict that one".into(),
        ));
    }
    if p.restricted_at.is_some() {
        return Err(Error::Conflict(
            "the person is already under restriction".into(),
        ));
    }
    tx.execute_raw(stmt(
        "UPDATE persons SET restricted_at = now(), restriction_reason = $2, \
             version = version + 1, updated_at = now() WHERE id = $1",
        vec![person_id.into(), reason.into()],
    ))
    .await?;
    audit::record(
        tx,
        actor,
        "person.restricted",
        Some(&person_id.to_string()),
        json!({ "reason": reason }),
    )
    .await?;
    Ok(())
}

/// Lifts a person's restriction, with the reason (audited); CONFLICT if there is none.
pub async fn lift(tx: &TenantTx, person_id: Uuid, reason: &str, actor: &str) -> Result<()> {
    let reason = check_reason(reason)?;
    let p = kartei_contacts::persons::get(tx, person_id).await?;
    if p.restricted_at.is_none() {
        return Err(Error::Conflict(
            "the person is not under restriction".into(),
        ));
    }
    tx.execute_raw(stmt(
        "UPDATE persons SET restricted_at = NULL, restriction_reason = NULL, \
             version = version + 1, updated_at = now() WHERE id = $1",
        vec![person_id.into()],
    ))
    .await?;
    audit::record(
        tx,
        actor,
        "person.restriction_lifted",
        Some(&person_id.to_string()),
        json!({ "reason": reason, "since": p.restricted_at }),
    )
    .await?;
    Ok(())
}
