//! The connection pool and the only way to run SQL inside a tenant's schema.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kartei_core::id::TenantId;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    TransactionTrait,
};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct DbOptions {
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    /// How long a request waits for a pooled connection before failing with UNAVAILABLE.
    pub acquire_timeout: Duration,
    pub connect_timeout: Duration,
}

impl DbOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(3),
        }
    }
}

/// A pooled connection idle at least this long is pinged before it is handed out.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// The shared Postgres pool. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
}

impl Db {
    pub async fn connect(opts: &DbOptions) -> Result<Self> {
        let mut co = ConnectOptions::new(opts.url.clone());
        co.max_connections(opts.max_connections)
            .min_connections(opts.min_connections)
            .acquire_timeout(opts.acquire_timeout)
            .connect_timeout(opts.connect_timeout)
            .idle_timeout(Duration::from_secs(300))
            // Ping a pooled connection before use only when it sat idle for a while (a
            // server restart or a proxy may have dropped it); a busy connection goes straight
            // back to work, saving a round trip per checkout (HikariCP's bypass window).
            .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
            .sqlx_logging(false);
        let conn = Database::connect(co).await?;
        Ok(Self { conn })
    }

    /// The pool for platform-level statements. Every such statement names its schema
    /// (`platform.…`); nothing here ever resolves names through a tenant's `search_path`.
    pub fn platform(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Begins a transaction confined to `tenant`'s schema. Unqualified names resolve in that
    /// schema; `SET LOCAL` ends with the transaction, so the pooled connection returns clean.
    pub async fn begin_tenant(&self, tenant: TenantId) -> Result<TenantTx> {
        self.begin_tenant_as(tenant, Isolation::ReadCommitted).await
    }

    /// [`Db::begin_tenant`] at a chosen isolation level: a GraphQL query reads the whole
    /// operation from one snapshot (`RepeatableRead`), so every field agrees with the others.
    pub async fn begin_tenant_as(
        &self,
        tenant: TenantId,
        isolation: Isolation,
    ) -> Result<TenantTx> {
        let txn = self.conn.begin().await?;
        scope(&txn, tenant, isolation).await?;
        Ok(TenantTx {
            txn,
            tenant,
            audited: AtomicBool::new(false),
            rewound: AtomicBool::new(false),
        })
    }

    /// Connections of the pool: (open, idle, maximum).
    pub fn pool_status(&self) -> (u32, u32, u32) {
        let pool = self.conn.get_postgres_connection_pool();
        (
            pool.size(),
            u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            pool.options().get_max_connections(),
        )
    }

    /// `SELECT 1`, for readiness probes.
    pub async fn ping(&self) -> Result<()> {
        self.conn.execute_unprepared("SELECT 1").await?;
        Ok(())
    }
}

/// The isolation level of a tenant transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// Postgres' default; writes and most jobs.
    ReadCommitted,
    /// One snapshot for the whole transaction (consistent reads across many statements).
    RepeatableRead,
}

/// Points an open transaction at `tenant`'s schema (plus `public`, where extensions live).
pub(crate) async fn set_tenant_search_path(
    txn: &DatabaseTransaction,
    tenant: TenantId,
) -> Result<()> {
    scope(txn, tenant, Isolation::ReadCommitted).await
}

async fn scope(txn: &DatabaseTransaction, tenant: TenantId, isolation: Isolation) -> Result<()> {
    // The schema name is built from the UUID's hex digits only (see `TenantId::schema_name`),
    // so it is safe to splice; identifiers cannot be bound as parameters.
    // JIT off: its compile time (seconds at high cost estimates, as for set-based policy
    // decisions with many sub-plans) dwarfs what it saves on these interactive queries.
    // `application_name` names the tenant in `pg_stat_activity` while the transaction runs,
    // so an operator (and the fair-share test) sees which tenant holds which connection.
    let schema = tenant.schema_name();
    // SET TRANSACTION must precede the transaction's first query; these SETs are none.
    let isolation = match isolation {
        Isolation::ReadCommitted => "",
        Isolation::RepeatableRead => "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; ",
    };
    let sql = format!(
        "{isolation}SET LOCAL search_path TO {schema}, public; SET LOCAL jit = off; \
         SET LOCAL application_name = 'kartei {schema}'"
    );
    txn.execute_unprepared(&sql).await?;
    Ok(())
}

/// A transaction scoped to one tenant's schema. Dropping it without `commit` rolls back.
#[derive(Debug)]
pub struct TenantTx {
    txn: DatabaseTransaction,
    tenant: TenantId,
    /// Set by [`crate::audit::record`]: this transaction wrote an audit record.
    audited: AtomicBool,
    /// Set by [`TenantTx::rollback_to_mark`]: some work of this transaction was undone.
    rewound: AtomicBool,
}

impl TenantTx {
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// Whether an audit record was written in this transaction.
    pub fn audited(&self) -> bool {
        self.audited.load(Ordering::SeqCst)
    }

    /// Whether some work was undone with [`TenantTx::rollback_to_mark`] (after which the
    /// transaction may hold an id although nothing it kept was written).
    pub fn rewound(&self) -> bool {
        self.rewound.load(Ordering::SeqCst)
    }

    pub(crate) fn mark_audited(&self) {
        self.audited.store(true, Ordering::SeqCst);
    }

    /// Whether this transaction has changed anything yet (it has a transaction id).
    pub async fn wrote(&self) -> Result<bool> {
        let row = self
            .txn
            .query_one_raw(crate::tenants::stmt(
                "SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS wrote",
                vec![],
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<bool>("", "wrote"))
            .transpose()?
            .unwrap_or(false))
    }

    /// Marks the point [`TenantTx::rollback_to_mark`] returns to: the start of one mutation
    /// of the several a request may run in this transaction. Marks nest.
    pub async fn mark(&self) -> Result<()> {
        self.txn
            .execute_unprepared("SAVEPOINT kartei_mutation")
            .await?;
        Ok(())
    }

    /// Forgets the latest mark, keeping what was done since.
    pub async fn release_mark(&self) -> Result<()> {
        self.txn
            .execute_unprepared("RELEASE SAVEPOINT kartei_mutation")
            .await?;
        Ok(())
    }

    /// Undoes everything since the latest mark (and forgets it); the transaction stays
    /// usable even if a statement since the mark failed.
    pub async fn rollback_to_mark(&self) -> Result<()> {
        self.txn
            .execute_unprepared(
                "ROLLBACK TO SAVEPOINT kartei_mutation; RELEASE SAVEPOINT kartei_mutation",
            )
            .await?;
        self.rewound.store(true, Ordering::SeqCst);
        Ok(())
    }

    pub async fn commit(self) -> Result<()> {
        self.txn.commit().await.map_err(Error::from)
    }

    pub async fn rollback(self) -> Result<()> {
        self.txn.rollback().await.map_err(Error::from)
    }
}

impl Deref for TenantTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}
