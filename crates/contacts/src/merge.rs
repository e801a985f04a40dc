//! Merging persons: one winner, one or more losers, a per-field choice of whose value wins.
//! Everything the losers own moves to the winner (interactions, transactions, organization
//! relations, tags, custom values); the losers stay as tombstones pointing at the winner
//! (`merged_into`), and a `merges` row keeps who did it and the losers as they were.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use kartei_core::validate::FieldErrors;
use kartei_tenancy::db::TenantTx;
use kartei_tenancy::tenants::stmt;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::persons::{self, Person, PersonData, PersonDraft};
use crate::rules::{self, Rules};
use crate::sql::uuid_array;

/// What a person merge does with the losers' rows of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeAction {
    /// The rows follow the person: `column` is set to the winner.
    Move,
    /// As [`MergeAction::Move`] for the first row of each key (columns besides `column`) that
    /// the winner does not hold already; the others stay with the merged-away record.
    MoveFirstPer(&'static [&'static str]),
    /// Derived data the next analytics run computes for the winner: the losers' rows go.
    Drop,
    /// The rows stay with the merged-away record, which is kept (`merged_into`): a frozen
    /// snapshot or history as it was.
    Keep,
    /// The registering domain's own code does it ([`MergeHook::custom`], or the merge itself
    /// for the contacts domain's tables).
    Custom,
}

/// One table's rule: each `person_id`-like column of the tenant schema has exactly one
/// (a test over `information_schema` fails for a column without one).
#[derive(Debug, Clone, Copy)]
pub struct MergeRule {
    pub table: &'static str,
    pub column: &'static str,
    pub action: MergeAction,
    /// Why, for the reader and the audit.
    pub why: &'static str,
}

pub type MergeFuture<'a> = Pin<Box<dyn Future<Output = Result<u64>> + Send + 'a>>;

/// What merging persons means for another domain's tables (as [`crate::import::run::ImportHook`]
/// is for imports): its rules, applied by the merge inside its savepoint (a dry run's counts
/// include them), and its custom work.
pub trait MergeHook: Sync {
    fn rules(&self) -> &'static [MergeRule];

    /// The [`MergeAction::Custom`] rules' work, after the generic rules ran. Returns rows
    /// written.
    fn custom<'a>(
        &'a self,
        _tx: &'a TenantTx,
        _actor: &'a str,
        _winner: Uuid,
        _losers: &'a [Uuid],
    ) -> MergeFuture<'a> {
        Box::pin(async { Ok(0) })
    }
}

/// The contacts domain's tables.
pub const CONTACT_RULES: &[MergeRule] = &[
    MergeRule {
        table: "interactions",
        column: "person_id",
        action: MergeAction::Move,
        why: "the contact history follows the person",
    },
    MergeRule {
        table: "transactions",
        column: "person_id",
        action: MergeAction::Move,
        why: "purchases and invoices follow the person",
    },
    MergeRule {
        table: "person_organizations",
        column: "person_id",
        action: MergeAction::Custom,
        why: "relations are united (one per organization), a primary one kept",
    },
    MergeRule {
        table: "segment_members",
        column: "person_id",
        action: MergeAction::Custom,
        why: "static lists the losers were on now hold the winner",
    },
];

/// Applies the generic rules of `rules`; returns rows moved per table.
async fn apply_rules(
    tx: &TenantTx,
    rules: &[MergeRule],
    winner: Uuid,
    losers: &[Uuid],
) -> Result<Vec<(&'static str, u64)>> {
    let mut out = Vec::new();
    for r in rules {
        // Names come from the rule tables in the code, never from input.
        let (t, c) = (r.table, r.column);
        let sql = match r.action {
            MergeAction::Move => format!("UPDATE {t} SET {c} = $1 WHERE {c} = ANY($2)"),
            MergeAction::MoveFirstPer(keys) => {
                let same: String = keys.iter().map(|k| format!(" AND x.{k} = s.{k}")).collect();
                // One row per key (one in all without a key), the earliest stored.
                let (first, order) = if keys.is_empty() {
                    (String::new(), "s.ctid LIMIT 1".to_owned())
                } else {
                    let k = keys.join(", ");
                    (format!("DISTINCT ON ({k}) "), format!("{k}, s.ctid"))
                };
                format!(
                    "UPDATE {t} SET {c} = $1 WHERE ctid IN (\
                        SELECT {first}s.ctid FROM {t} s \
                        WHERE s.{c} = ANY($2) \
                          AND NOT EXISTS (SELECT 1 FROM {t} x WHERE x.{c} = $1{same}) \
                        ORDER BY {order})"
                )
            }
            MergeAction::Drop => format!("DELETE FROM {t} WHERE {c} = ANY($2)"),
            MergeAction::Keep | MergeAction::Custom => continue,
        };
        let n = tx
            .execute_raw(stmt(&sql, vec![winner.into(), uuid_array(losers.to_vec())]))
            .await?
            .rows_affected();
        out.push((t, n));
    }
    Ok(out)
}

pub const MAX_LOSERS: usize = 100;

#[derive(Debug, Clone)]
pub struct FieldChoice {
    pub field: String,
    /// The record whose value wins; the winner or one of the losers.
    pub from: Uuid,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Moved {
    pub interactions: u64,
    pub transactions: u64,
    pub relations: u64,
    pub tags: usize,
    /// Rows moved by other domains' rules, per table.
    pub other: BTreeMap<&'static str, u64>,
    /// Rows other domains wrote anew for the winner (consent events carried over).
    pub carried_over: u64,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub merge_id: Option<Uuid>,
    /// The winner as it is (or, in a dry run, would be) after the merge.
    pub result: PersonData,
    pub winner: Person,
    pub moved: Moved,
    pub dry_run: bool,
}

/// The merged draft: the winner's values, each chosen field from its record, empty fields
/// filled from the first loser that has them, tags and custom values united.
fn combine(winner: &Person, losers: &[Person], choices: &[FieldChoice]) -> Result<PersonDraft> {
    let mut errors = FieldErrors::new();
    let mut draft = winner.to_draft();
    let loser_drafts: Vec<(Uuid, PersonDraft)> =
        losers.iter().map(|l| (l.id, l.to_draft())).collect();
    for field in PersonDraft::TEXT_FIELDS {
        if draft.get(field).flatten().is_none()
            && let Some(v) = loser_drafts
                .iter()
                .find_map(|(_, d)| d.get(field).flatten())
        {
            draft.set(field, Some(v.to_owned()));
        }
    }
    for choice in choices {
        let field = crate::persons::field_name(&choice.field);
        let source = if choice.from == winner.id {
            Some(winner.to_draft())
        } else {
            loser_drafts
                .iter()
                .find(|(id, _)| *id == choice.from)
                .map(|(_, d)| d.clone())
        };
        let Some(source) = source else {
            errors.add(
                format!("choices.{}", choice.field),
                "must name the winner or one of the merged records",
            );
            continue;
        };
        match source.get(&field) {
            Some(v) => {
                draft.set(&field, v.map(str::to_owned));
            }
            None if field.starts_with("custom.") => {
                let key = &field["custom.".len()..];
                match source.custom.get(key) {
                    Some(v) => draft.custom.insert(key.to_owned(), v.clone()),
                    None => draft.custom.remove(key),
                };
            }
            None => errors.add(format!("choices.{}", choice.field), "is not a person field"),
        }
    }
    for (_, d) in &loser_drafts {
        for t in &d.tags {
            if !draft.tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                draft.tags.push(t.clone());
            }
        }
        for (k, v) in &d.custom {
            if !choices.iter().any(|c| c.field == format!("custom.{k}")) {
                draft.custom.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    // External ids are unique; the winner keeps one, chosen or its own.
    errors.into_result().map_err(Error::Invalid)?;
    Ok(draft)
}

pub async fn merge_persons(
    tx: &TenantTx,
    actor: &str,
    winner_id: Uuid,
    loser_ids: &[Uuid],
    choices: &[FieldChoice],
    dry_run: bool,
    hooks: &[&dyn MergeHook],
) -> Result<Outcome> {
    let mut errors = FieldErrors::new();
    let mut ids: Vec<Uuid> = loser_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        errors.add(
            "loserIds",
            "name at least one record to merge into the winner",
        );
    }
    if ids.len() > MAX_LOSERS {
        errors.add(
            "loserIds",
            format!("at most {MAX_LOSERS} records per merge"),
        );
    }
    if ids.contains(&winner_id) {
        errors.add("loserIds", "must not contain the winner");
    }
    errors.into_result().map_err(Error::Invalid)?;
    let winner = persons::get(tx, winner_id).await?;
    if winner.merged_into.is_some() {
        return Err(Error::field(
            "winnerId",
            "was itself merged into another person",
        ));
    }
    let mut losers = Vec::with_capacity(ids.len());
    for id in &ids {
        let l = persons::find(tx, *id).await?;
        match l {
            Some(l) if l.merged_into.is_none() => losers.push(l),
            Some(_) => {
                return Err(Error::field("loserIds", format!("{id} was already merged")));
            }
            None => return Err(Error::field("loserIds", format!("{id} does not exist"))),
        }
    }
    let draft = combine(&winner, &losers, choices)?;
    let rules = Rules::load(tx, rules::Entity::Person).await?;
    let data = draft.validate(&rules).map_err(Error::Invalid)?;

    // A dry run executes the same statements inside a savepoint and rolls them back, so its
    // counts are the real ones.
    tx.execute_unprepared("SAVEPOINT merge_persons").await?;
    let done = apply(tx, actor, &winner, &losers, choices, &data, hooks).await;
    match (&done, dry_run) {
        (Ok(_), false) => {
            tx.execute_unprepared("RELEASE SAVEPOINT merge_persons")
                .await?;
        }
        _ => {
            tx.execute_unprepared("ROLLBACK TO SAVEPOINT merge_persons")
                .await?;
        }
    }
    let (merge_id, moved, after) = done?;
    Ok(Outcome {
        merge_id: (!dry_run).then_some(merge_id),
        result: data,
        winner: if dry_run { winner } else { after },
        moved,
        dry_run,
    })
}

async fn apply(
    tx: &TenantTx,
    actor: &str,
    winner: &Person,
    losers: &[Person],
    choices: &[FieldChoice],
    data: &PersonData,
    hooks: &[&dyn MergeHook],
) -> Result<(Uuid, Moved, Person)> {
    let loser_ids: Vec<Uuid> = losers.iter().map(|l| l.id).collect();
    let mut moved = Moved {
        tags: data.tags.len().saturating_sub(winner.tags.len()),
        ..Moved::default()
    };
    // Free unique keys held by losers before the winner may take one of them.
    tx.execute_raw(stmt(
        "UPDATE persons SET merged_into = $1, archived_at = COALESCE(archived_at, now()), \
         external_id = NULL, version = version + 1, updated_at = now() WHERE id = ANY($2)",
        vec![winner.id.into(), uuid_array(loser_ids.clone())],
    ))
    .await?;
    for (table, n) in apply_rules(tx, CONTACT_RULES, winner.id, &loser_ids).await? {
        match table {
            "interactions" => moved.interactions = n,
            "transactions" => moved.transactions = n,
            _ => {}
        }
    }
    for hook in hooks {
        for (table, n) in apply_rules(tx, hook.rules(), winner.id, &loser_ids).await? {
            moved.other.insert(table, n);
        }
        let n = hook.custom(tx, actor, winner.id, &loser_ids).await?;
        if n > 0 {
            moved.carried_over += n;
        }
    }
    // Static lists the losers were on now hold the winner (the losers stay in frozen snapshots).
    tx.execute_raw(stmt(
        "INSERT INTO segment_members (segment_id, person_id, since, added_by) \
         SELECT DISTINCT ON (segment_id) segment_id, $1, since, added_by FROM segment_members \
         WHERE person_id = ANY($2) ORDER BY segment_id, since \
         ON CONFLICT (segment_id, person_id) DO NOTHING",
        vec![winner.id.into(), uuid_array(loser_ids.clone())],
    ))
    .await?;
    moved.relations = tx
        .execute_raw(stmt(
            "INSERT INTO person_organizations (person_id, organization_id, job_title, is_primary, buying_role) \
             SELECT DISTINCT ON (organization_id) $1, organization_id, job_title, false, buying_role \
             FROM person_organizations WHERE person_id = ANY($2) \
             ORDER BY organization_id, is_primary DESC \
             ON CONFLICT (person_id, organization_id) DO NOTHING",
            vec![winner.id.into(), uuid_array(loser_ids.clone())],
        ))
        .await?
        .rows_affected();
    // The winner inherits a primary organization when it had none.
    tx.execute_raw(stmt(
        "UPDATE person_organizations SET is_primary = true \
         WHERE person_id = $1 AND NOT EXISTS (SELECT 1 FROM person_organizations x \
               WHERE x.person_id = $1 AND x.is_primary) \
           AND organization_id = (SELECT organization_id FROM person_organizations \
               WHERE person_id = ANY($2) AND is_primary LIMIT 1)",
        vec![winner.id.into(), uuid_array(loser_ids.clone())],
    ))
    .await?;
    tx.execute_raw(stmt(
        "DELETE FROM person_organizations WHERE person_id = ANY($1)",
        vec![uuid_array(loser_ids.clone())],
    ))
    .await?;
    tx.execute_raw(stmt(
        "DELETE FROM duplicate_pairs WHERE a = ANY($1) OR b = ANY($1)",
        vec![uuid_array(loser_ids.clone())],
    ))
    .await?;
    let after = persons::write(tx, winner.id, winner.version, data).await?;
    let merge_id = Uuid::now_v7();
    let choice_map: BTreeMap<&str, String> = choices
        .iter()
        .map(|c| (c.field.as_str(), c.from.to_string()))
        .collect();
    tx.execute_raw(stmt(
        "INSERT INTO merges (id, entity, winner_id, loser_ids, field_choices, loser_snapshots, moved, actor) \
         VALUES ($1, 'person', $2, $3, $4, $5, $6, $7)",
        vec![
            merge_id.into(),
            winner.id.into(),
            uuid_array(loser_ids),
            serde_json::to_value(&choice_map).unwrap_or_default().into(),
            serde_json::to_value(losers).unwrap_or_default().into(),
            serde_json::to_value(&moved).unwrap_or_default().into(),
            actor.into(),
        ],
    ))
    .await?;
    Ok((merge_id, moved, after))
}
