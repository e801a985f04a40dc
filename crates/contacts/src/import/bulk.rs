//! Bulk mode: a large import into a tenant that holds fewer persons than the import still has
//! to load builds the secondary indexes of `persons` (and the links' index by organization)
//! once after the load, as `pg_restore` does, instead of maintaining each of them row by row
//! (4-7 µs per row and index), and checks the links' two foreign keys once over the whole
//! table afterwards instead of with two row-locking lookups per link (28 µs of the 43 µs a
//! link cost). `BENCHMARKS.md` has the figures.
//!
//! What is dropped is recorded on the import in the transaction that drops it, so whatever
//! happens the import is never left without knowing what to restore: the run restores it when
//! it ends — completed, cancelled or failed — and so does a worker taking the job over from a
//! dead one (it goes on in bulk mode and restores at its end) or giving it up (`abandon`).
//! What stays are the unique indexes (the primary key, `external_id`, one primary link per
//! person) and the e-mail index when the import matches on e-mail. The duplicate warnings,
//! which read the phone and name-sound indexes in a row-by-row import, come from
//! [`DuplicateKeys`] instead, so an import writes and reports the same in both modes.
//!
//! A foreign key is restored `NOT VALID` (from then on deletions cascade again), then validated
//! in a transaction of its own, which does not block writes; only if a person or organization
//! was deleted during the load (validation fails) are the links left behind removed — what its
//! `ON DELETE CASCADE` would have done — and the key validated again.
//!
//! Meanwhile the tenant's other reads of `persons` by name, phone, date or tag scan the table,
//! and while each index is built (seconds at a million rows) writes to `persons` wait for it.
//! Only this tenant's schema is touched.

use kartei_core::id::TenantId;
use kartei_tenancy::db::Db;
use kartei_tenancy::tenants::stmt;
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::error::Result;
use crate::sql::text_array;

/// An import with fewer rows to go loads row by row (the default of `import.bulk_min_rows`).
pub const MIN_ROWS: i64 = 100_000;

/// The secondary indexes a bulk import leaves to be built after the load. Not
/// here: the primary key and `external_id` (unique: matching and integrity), the e-mail index
/// when the import matches on e-mail, and the partial indexes of states an import never sets
/// (erasure, restriction, unconfirmed), which stay empty and cost nothing.
const DEFERRABLE: &[&str] = &[
    "persons_name_key_idx",
    "persons_phone_idx",
    "persons_phonetic_idx",
    "persons_created_idx",
    "persons_email_idx",
    "persons_mobile_idx",
    "persons_last_interaction_idx",
    "persons_last_purchase_idx",
    "persons_lifecycle_idx",
    "persons_postal_code_idx",
    "persons_birthday_month_idx",
    "persons_tags_idx",
    // The links' index by organization (an organization's people); the import reads links by
    // person.
    "person_organizations_org_idx",
];

/// The foreign keys of `person_organizations` a bulk import checks once after the load (name,
/// column, the table it references by `id`; both `ON DELETE CASCADE`).
const DEFERRABLE_FKS: &[(&str, &str, &str)] = &[
    (
        "person_organizations_person_id_fkey",
        "person_id",
        "persons",
    ),
    (
        "person_organizations_organization_id_fkey",
        "organization_id",
        "organizations",
    ),
];

/// How a deferred foreign key is recorded: `FK <name> <definition>` (as the catalog gave them).
const FK: &str = "FK ";

/// Memory each index build may sort in (one build at a time per import).
const BUILD_MEMORY: &str = "256MB";

#[derive(FromQueryResult)]
struct Deferred {
    deferred_indexes: Option<Vec<String>>,
}

/// The definitions of the indexes the import deferred; none when it is not in bulk mode.
async fn deferred(db: &Db, tenant: TenantId, id: Uuid) -> Result<Option<Vec<String>>> {
    let tx = db.begin_tenant(tenant).await?;
    let d = Deferred::find_by_statement(stmt(
        "SELECT deferred_indexes FROM imports WHERE id = $1",
        vec![id.into()],
    ))
    .one(&*tx)
    .await?;
    tx.commit().await?;
    Ok(d.and_then(|d| d.deferred_indexes))
}

/// Whether the import runs in bulk mode: it did already (a resumed run goes on so), or it has
/// at least `min_rows` rows to go (0: never) and at least as many as the tenant has persons,
/// and the indexes could be dropped now. `match_email`: the import looks persons up by e-mail.
pub(crate) async fn begin(
    db: &Db,
    tenant: TenantId,
    id: Uuid,
    (rows_to_go, min_rows): (i64, i64),
    match_email: bool,
) -> Result<bool> {
    if deferred(db, tenant, id).await?.is_some() {
        return Ok(true);
    }
    if min_rows <= 0 || rows_to_go < min_rows {
        return Ok(false);
    }
    let tx = db.begin_tenant(tenant).await?;
    let persons: i64 = tx
        .query_one_raw(stmt("SELECT count(*) AS n FROM persons", vec![]))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    if persons > rows_to_go {
        return Ok(false);
    }
    // Dropping an index waits for every reader of the table; a long export or report would hold
    // the import (and, queued behind it, every new reader). Two seconds, else row by row.
    tx.execute_unprepared("SET LOCAL lock_timeout = '2s'")
        .await?;
    match tx
        .execute_unprepared(
            "LOCK TABLE persons, person_organizations, organizations IN ACCESS EXCLUSIVE MODE",
        )
        .await
    {
        Ok(_) => {}
        Err(e) if kartei_tenancy::error::is_lock_timeout(&e) => {
            tracing::info!(import_id = %id, "persons busy: the import loads row by row");
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    }
    let names: Vec<Option<String>> = DEFERRABLE
        .iter()
        .filter(|n| !(match_email && **n == "persons_email_idx"))
        .map(|n| Some((*n).to_owned()))
        .collect();
    let defs = IndexDef::find_by_statement(stmt(
        "SELECT c.relname AS name, pg_get_indexdef(c.oid) AS def \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid IN ('persons'::regclass, 'person_organizations'::regclass) \
           AND c.relname = ANY($1) ORDER BY c.relname",
        vec![text_array(names)],
    ))
    .all(&*tx)
    .await?;
    if defs.is_empty() {
        // Another bulk import of this tenant dropped them; it builds them at its end.
        return Ok(false);
    }
    let fks = IndexDef::find_by_statement(stmt(
        "SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint \
         WHERE conrelid = 'person_organizations'::regclass AND contype = 'f' \
           AND conname = ANY($1) ORDER BY conname",
        vec![text_array(
            DEFERRABLE_FKS
                .iter()
                .map(|(n, _, _)| Some((*n).to_owned()))
                .collect(),
        )],
    ))
    .all(&*tx)
    .await?;
    // The names come from the catalog (and from `DEFERRABLE`), never from input.
    for d in &defs {
        tx.execute_unprepared(&format!("DROP INDEX \"{}\"", d.name))
            .await?;
    }
    for f in &fks {
        tx.execute_unprepared(&format!(
            "ALTER TABLE person_organizations DROP CONSTRAINT \"{}\"",
            f.name
        ))
        .await?;
    }
    let recorded: Vec<Option<String>> = defs
        .iter()
        .map(|d| Some(d.def.clone()))
        .chain(
            fks.iter()
                .map(|f| Some(format!("{FK}{} {}", f.name, f.def))),
        )
        .collect();
    tx.execute_raw(stmt(
        "UPDATE imports SET deferred_indexes = $2 WHERE id = $1",
        vec![id.into(), text_array(recorded)],
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(import_id = %id, indexes = defs.len(), foreign_keys = fks.len(), rows_to_go, "import in bulk mode: the persons' secondary indexes are built and the links' foreign keys checked after the load");
    Ok(true)
}

#[derive(FromQueryResult)]
struct IndexDef {
    name: String,
    def: String,
}

/// Builds what the import deferred, each index in its own transaction (one a crash interrupted
/// is built again, one already there is skipped), and clears the record. Returns whether the
/// import was in bulk mode.
pub(crate) async fn finish(db: &Db, tenant: TenantId, id: Uuid) -> Result<bool> {
    let Some(defs) = deferred(db, tenant, id).await? else {
        return Ok(false);
    };
    let started = std::time::Instant::now();
    for def in &defs {
        if let Some(rest) = def.strip_prefix("CREATE INDEX ") {
            let tx = db.begin_tenant(tenant).await?;
            tx.execute_unprepared(&format!(
                "SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'; CREATE INDEX IF NOT EXISTS {rest}"
            ))
            .await?;
            tx.commit().await?;
        } else if let Some(fk) = def.strip_prefix(FK) {
            restore_foreign_key(db, tenant, fk).await?;
        } else {
            tracing::warn!(import_id = %id, def, "not an index or foreign key definition; left alone");
        }
    }
    let tx = db.begin_tenant(tenant).await?;
    tx.execute_raw(stmt(
        "UPDATE imports SET deferred_indexes = NULL WHERE id = $1",
        vec![id.into()],
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(import_id = %id, indexes = defs.len(), took = ?started.elapsed(), "bulk import: indexes built and foreign keys checked");
    Ok(true)
}

/// Adds a deferred foreign key of the links back (`<name> <definition>`) unless it is there,
/// `NOT VALID`, and validates it; the rows whose reference was deleted meanwhile (found by a
/// failed validation) are removed first.
async fn restore_foreign_key(db: &Db, tenant: TenantId, fk: &str) -> Result<()> {
    let table = "person_organizations";
    let known = fk.split_once(' ').and_then(|(name, def)| {
        DEFERRABLE_FKS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|&(name, column, target)| (name, column, target, def))
    });
    let Some((name, column, target, def)) = known else {
        tracing::warn!(fk, "not a foreign key bulk mode defers; left alone");
        return Ok(());
    };
    let tx = db.begin_tenant(tenant).await?;
    let there = tx
        .query_one_raw(stmt(
            "SELECT count(*) AS n FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2",
            vec![table.into(), name.into()],
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    if there == 0 {
        // The name and definition come from the catalog when the key was dropped, the rest
        // from `DEFERRABLE_FKS`.
        tx.execute_unprepared(&format!(
            "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {def} NOT VALID"
        ))
        .await?;
    }
    tx.commit().await?;
    let validate = format!("ALTER TABLE {table} VALIDATE CONSTRAINT \"{name}\"");
    let tx = db.begin_tenant(tenant).await?;
    match tx.execute_unprepared(&validate).await {
        Ok(_) => {
            tx.commit().await?;
            return Ok(());
        }
        Err(e) if kartei_tenancy::error::is_foreign_key_violation(&e) => tx.rollback().await?,
        Err(e) => return Err(e.into()),
    }
    // Rows left behind by a deletion during the load: no new ones can appear (the key is in
    // force), so they go, and the key is validated again.
    let tx = db.begin_tenant(tenant).await?;
    let gone = tx
        .execute_unprepared(&format!(
            "DELETE FROM {table} x WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE t.id = x.{column})"
        ))
        .await?
        .rows_affected();
    tx.execute_unprepared(&validate).await?;
    tx.commit().await?;
    tracing::info!(
        table,
        name,
        removed = gone,
        "bulk import: rows whose reference was deleted during the load removed"
    );
    Ok(())
}

/// For a worker giving the import's job up: builds what it deferred, so the tenant is never
/// left without its indexes.
pub async fn abandon(db: &Db, tenant: TenantId, id: Uuid) -> Result<()> {
    finish(db, tenant, id).await.map(|_| ())
}

/// The keys the duplicate warnings compare (a phone; a name sound with a city) of every person
/// there, as 64-bit hashes: in bulk mode the phone and name-sound indexes are dropped, and the
/// warning a row-by-row import asks the database for (`run::duplicate_warnings`: a new person
/// sharing a key with a person outside its batch) is answered from here. Loaded when the run
/// starts (the tenant holds no more persons than the import has rows to go), then kept up with
/// each batch: a million keys take about 20 MB.
#[derive(Default)]
pub(crate) struct DuplicateKeys {
    phones: std::collections::HashSet<u64>,
    sounds: std::collections::HashSet<u64>,
}

#[derive(FromQueryResult)]
struct KeyRow {
    id: Uuid,
    phone: Option<String>,
    last_phonetic: String,
    first_phonetic: String,
    city_key: String,
}

impl DuplicateKeys {
    /// Every person not merged away, read in pages by id.
    pub(crate) async fn load(db: &Db, tenant: TenantId) -> Result<Self> {
        const PAGE: i64 = 20_000;
        let mut keys = Self::default();
        let mut after = Uuid::nil();
        loop {
            let tx = db.begin_tenant(tenant).await?;
            let page = KeyRow::find_by_statement(stmt(
                "SELECT id, phone, last_phonetic, first_phonetic, city_key FROM persons \
                 WHERE id > $1 AND merged_into IS NULL ORDER BY id LIMIT $2",
                vec![after.into(), PAGE.into()],
            ))
            .all(&*tx)
            .await?;
            tx.commit().await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let full = page.len() as i64 == PAGE;
            for p in &page {
                keys.add(
                    p.phone.as_deref(),
                    (&p.last_phonetic, &p.first_phonetic, &p.city_key),
                );
            }
            if !full {
                break;
            }
        }
        Ok(keys)
    }

    fn hash<T: std::hash::Hash>(v: T) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        BuildHasherDefault::<DefaultHasher>::default().hash_one(v)
    }

    fn add(&mut self, phone: Option<&str>, sound: (&str, &str, &str)) {
        if let Some(p) = phone {
            self.phones.insert(Self::hash(p));
        }
        self.sounds.insert(Self::hash(sound));
    }

    /// Whether a new person shares a key with one already here: the same phone, or the same
    /// name sound in the same city (a last name's sound and a city known).
    fn matches(&self, phone: Option<&str>, sound: (&str, &str, &str)) -> bool {
        phone.is_some_and(|p| self.phones.contains(&Self::hash(p)))
            || (!sound.0.is_empty()
                && !sound.2.is_empty()
                && self.sounds.contains(&Self::hash(sound)))
    }

    /// A batch's duplicate warnings: its new persons that share a key with a person outside the
    /// batch (persons it updated count as there, with their new values, as in the database).
    /// Then the batch's keys are added.
    pub(crate) fn batch<'a>(
        &mut self,
        created: impl Iterator<Item = &'a crate::persons::PersonData> + Clone,
        updated: impl Iterator<Item = &'a crate::persons::PersonData>,
    ) -> i64 {
        let sound = |d: &'a crate::persons::PersonData| {
            (
                d.last_phonetic.as_str(),
                d.first_phonetic.as_str(),
                d.city_key.as_str(),
            )
        };
        for d in updated {
            self.add(d.phone.as_deref(), sound(d));
        }
        let n = created
            .clone()
            .filter(|d| self.matches(d.phone.as_deref(), sound(d)))
            .count() as i64;
        for d in created {
            self.add(d.phone.as_deref(), sound(d));
        }
        n
    }
}
