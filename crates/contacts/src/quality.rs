//! Data quality: stale records (no contact and no business for N months: [`inactive_since`]),
//! bulk actions on them, a per-person quality score and the tenant's data-quality report.

use chrono::{DateTime, Months, Utc};
use kartei_core::paging::{Direction, Page, PageRequest};
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::persons::{self, Person};
use crate::sql::{Sql, uuid_array};

pub const MAX_STALE_MONTHS: u32 = 240;

fn cutoff(months: u32) -> Result<DateTime<Utc>> {
    if months == 0 || months > MAX_STALE_MONTHS {
        return Err(Error::field(
            "months",
            format!("must be between 1 and {MAX_STALE_MONTHS}"),
        ));
    }
    Utc::now()
        .checked_sub_months(Months::new(months))
        .ok_or_else(|| Error::field("months", "is out of range"))
}

/// "No contact and no business since `cutoff`" for `persons p`, the one notion of inactivity
/// the staleness review and the retention policies share (`cutoff` is a placeholder or
/// expression of type timestamptz): no interaction since (a person never touched counts from
/// their creation), no purchase since, and no transaction of theirs or of an organization they
/// belong to that is open or was issued or paid since. Running contracts are not modelled yet.
pub fn inactive_since(cutoff: &str) -> String {
    format!(
        "COALESCE(p.last_interaction_at, p.created_at) < {c} \
         AND (p.last_purchase_at IS NULL OR p.last_purchase_at < ({c})::date) \
         AND NOT EXISTS (SELECT 1 FROM transactions t \
             WHERE (t.person_id = p.id OR t.organization_id IN \
                    (SELECT po.organization_id FROM person_organizations po WHERE po.person_id = p.id)) \
               AND t.archived_at IS NULL \
               AND (t.status = 'open' OR t.issued_on >= ({c})::date OR t.paid_on >= ({c})::date))",
        c = cutoff
    )
}

/// Active persons with no contact and no business since the cutoff.
fn stale_condition(q: &mut Sql, cutoff: DateTime<Utc>) {
    let c = q.param(cutoff);
    // Restricted persons (Art. 18 GDPR) are kept as they are, not reviewed.
    q.and("p.merged_into IS NULL AND p.archived_at IS NULL AND p.restricted_at IS NULL".into());
    q.and(inactive_since(&c));
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TouchKey(pub DateTime<Utc>, pub Uuid);

/// The number of persons stale for `months`.
pub async fn stale_count(tx: &TenantTx, months: u32) -> Result<i64> {
    let mut q = Sql::default();
    stale_condition(&mut q, cutoff(months)?);
    Ok(kartei_tenancy::paging::count(
        &**tx,
        &format!("FROM persons p WHERE {}", q.where_clause()),
        q.values,
    )
    .await?)
}

pub async fn stale_page(
    tx: &TenantTx,
    months: u32,
    req: &PageRequest<TouchKey>,
) -> Result<Page<Person>> {
    let mut q = Sql::default();
    stale_condition(&mut q, cutoff(months)?);
    let key = "COALESCE(p.last_interaction_at, p.created_at)";
    if let Some(TouchKey(t, id)) = &req.after {
        let (a, b) = (q.param(*t), q.param(*id));
        q.and(format!("({key}, p.id) > ({a}, {b})"));
    }
    if let Some(TouchKey(t, id)) = &req.before {
        let (a, b) = (q.param(*t), q.param(*id));
        q.and(format!("({key}, p.id) < ({a}, {b})"));
    }
    let dir = if req.direction == Direction::Forward {
        "ASC"
    } else {
        "DESC"
    };
    let rows = Person::find_by_statement(stmt(
        &format!(
            "{} WHERE {} ORDER BY {key} {dir}, p.id {dir} LIMIT {}",
            persons::SELECT,
            q.where_clause(),
            req.limit + 1
        ),
        q.values,
    ))
    .all(&**tx)
    .await?;
    Ok(Page::from_rows(req, rows, |p| {
        TouchKey(p.last_interaction_at.unwrap_or(p.created_at), p.id)
    }))
}

#[derive(Debug, Clone)]
pub enum Target {
    Ids(Vec<Uuid>),
    /// Every stale person for this many months.
    Stale {
        months: u32,
    },
}

#[derive(Debug, Clone)]
pub enum Action {
    Archive,
    Tag(String),
    FlagDoNotReactivate {
        reason: String,
    },
    /// Marks for erasure (carried out by the compliance domain) and archives.
    HandOverForErasure,
}

/// Applies one action to many persons in one statement; returns how many changed.
pub async fn bulk(tx: &TenantTx, actor: &str, target: Target, action: Action) -> Result<u64> {
    let mut q = Sql::default();
    match target {
        Target::Ids(ids) => {
            if ids.is_empty() || ids.len() > 10_000 {
                return Err(Error::field("ids", "name 1 to 10000 persons"));
            }
            let p = q.param(uuid_array(ids));
            q.and(format!("p.id = ANY({p}) AND p.merged_into IS NULL"));
        }
        Target::Stale { months } => stale_condition(&mut q, cutoff(months)?),
    }
    let set = match action {
        Action::Archive => "archived_at = COALESCE(archived_at, now())".to_owned(),
        Action::Tag(tag) => {
            let tag = tag.trim().to_owned();
            if tag.is_empty() || tag.chars().count() > 50 {
                return Err(Error::field("tag", "must be 1 to 50 characters"));
            }
            let t = q.param(tag);
            q.and(format!("NOT ({t} = ANY(p.tags))"));
            format!("tags = array_append(tags, {t})")
        }
        Action::FlagDoNotReactivate { reason } => {
            let rules = crate::rules::Rules::load(tx, crate::rules::Entity::Person).await?;
            rules
                .check_picklist("dnr_reason", &reason)
                .map_err(|m| Error::field("reason", m))?;
            let r = q.param(reason);
            format!("do_not_reactivate = true, dnr_reason = {r}")
        }
        Action::HandOverForErasure => {
            let a = q.param(actor.to_owned());
            format!(
                "erasure_requested_at = COALESCE(erasure_requested_at, now()), \
                 erasure_requested_by = COALESCE(erasure_requested_by, {a}), \
                 archived_at = COALESCE(archived_at, now())"
            )
        }
    };
    let res = tx
        .execute_raw(stmt(
            &format!(
                "UPDATE persons p SET {set}, version = version + 1, updated_at = now() WHERE {}",
                q.where_clause()
            ),
            q.values,
        ))
        .await?;
    Ok(res.rows_affected())
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quality {
    /// 0-100.
    pub score: i32,
    /// Share of the key fields that are filled, 0-1.
    pub completeness: f64,
    /// 1 when touched in the last 6 months, falling to 0 at 36 months or never.
    pub freshness: f64,
    pub duplicate_suspected: bool,
}

pub fn quality_of(p: &Person, duplicate_suspected: bool, now: DateTime<Utc>) -> Quality {
    let filled = [
        p.first_name.is_some(),
        p.last_name.is_some(),
        p.email.is_some(),
        p.phone.is_some() || p.mobile.is_some(),
        p.street.is_some(),
        p.postal_code.is_some(),
        p.city.is_some(),
        p.country.is_some(),
        p.organization_name.is_some() || p.birthday.is_some(),
    ];
    let completeness = filled.iter().filter(|f| **f).count() as f64 / filled.len() as f64;
    let freshness = p.last_interaction_at.map_or(0.0, |t| {
        let months = (now - t).num_days() as f64 / 30.4;
        if months <= 6.0 {
            1.0
        } else {
            (1.0 - (months - 6.0) / 30.0).clamp(0.0, 1.0)
        }
    });
    let dup = if duplicate_suspected { 0.0 } else { 1.0 };
    let score = (100.0 * (0.5 * completeness + 0.3 * freshness + 0.2 * dup)).round() as i32;
    Quality {
        score,
        completeness: (completeness * 100.0).round() / 100.0,
        freshness: (freshness * 100.0).round() / 100.0,
        duplicate_suspected,
    }
}

/// Which of `persons` sit in an undismissed duplicate pair, in one statement (the part of
/// [`quality_of`] that needs the database).
pub async fn duplicate_suspected(
    tx: &TenantTx,
    persons: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>> {
    let rows = tx
        .query_all_raw(stmt(
            "SELECT DISTINCT x AS id FROM duplicate_pairs, LATERAL (VALUES (a), (b)) v(x) \
             WHERE dismissed_at IS NULL AND (a = ANY($1) OR b = ANY($1)) AND x = ANY($1)",
            vec![uuid_array(persons.to_vec())],
        ))
        .await?;
    let mut suspected = std::collections::HashSet::new();
    for r in rows {
        suspected.insert(r.try_get::<Uuid>("", "id")?);
    }
    Ok(suspected)
}

#[derive(Debug, Clone, FromQueryResult, Serialize)]
pub struct Report {
    pub persons: i64,
    pub organizations: i64,
    pub with_email: i64,
    pub with_phone: i64,
    pub with_address: i64,
    pub duplicate_pairs: i64,
    pub persons_in_duplicate_pairs: i64,
    pub stale: i64,
    pub do_not_reactivate: i64,
    pub archived: i64,
}

pub async fn report(tx: &TenantTx, stale_months: u32) -> Result<Report> {
    let cut = cutoff(stale_months)?;
    Report::find_by_statement(stmt(
        &format!("WITH live AS (SELECT * FROM persons WHERE merged_into IS NULL AND archived_at IS NULL), \
              pairs AS (SELECT d.a, d.b FROM duplicate_pairs d JOIN live x ON x.id = d.a \
                        JOIN live y ON y.id = d.b WHERE d.dismissed_at IS NULL) \
         SELECT (SELECT count(*) FROM live) AS persons, \
                (SELECT count(*) FROM organizations WHERE merged_into IS NULL AND archived_at IS NULL) AS organizations, \
                (SELECT count(*) FROM live WHERE email IS NOT NULL) AS with_email, \
                (SELECT count(*) FROM live WHERE phone IS NOT NULL OR mobile IS NOT NULL) AS with_phone, \
                (SELECT count(*) FROM live WHERE street IS NOT NULL AND city IS NOT NULL) AS with_address, \
                (SELECT count(*) FROM pairs) AS duplicate_pairs, \
                (SELECT count(DISTINCT id) FROM (SELECT a AS id FROM pairs UNION SELECT b FROM pairs) u) \
                    AS persons_in_duplicate_pairs, \
                (SELECT count(*) FROM live p WHERE p.restricted_at IS NULL AND {inactive}) AS stale, \
                (SELECT count(*) FROM live WHERE do_not_reactivate) AS do_not_reactivate, \
                (SELECT count(*) FROM persons WHERE merged_into IS NULL AND archived_at IS NOT NULL) AS archived",
            inactive = inactive_since("$1")
        ),
        vec![cut.into()],
    ))
    .one(&**tx)
    .await?
    .ok_or(Error::NotFound("report"))
}
