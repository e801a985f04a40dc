//! Errors of the data layer, and the one place that tells "database down" from "query wrong".

use kartei_core::code::Code;
use kartei_core::validate::FieldErrors;
use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    #[error("database error")]
    Db(#[source] DbErr),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// The write would change a person under restriction of processing (Art. 18 GDPR).
    #[error("{0}")]
    Restricted(String),
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The tenant already holds its share of the pool; retry after the hint.
    #[error("this tenant's share of the database connections is in use; retry shortly")]
    Busy { retry_after_secs: u64 },
    #[error("migration failed for {schema}: {source}")]
    Migration {
        schema: String,
        #[source]
        source: DbErr,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::Unavailable(_) | Error::Busy { .. } => Code::Unavailable,
            Error::Db(_) | Error::Migration { .. } => Code::Internal,
            Error::NotFound(_) => Code::NotFound,
            Error::Conflict(_) => Code::Conflict,
            Error::Restricted(_) => Code::Restricted,
            Error::Invalid(_) => Code::ValidationFailed,
        }
    }
}

impl From<DbErr> for Error {
    fn from(e: DbErr) -> Self {
        if is_unavailable(&e) {
            Error::Unavailable(e)
        } else if let Some(message) = restricted(&e) {
            Error::Restricted(message)
        } else {
            Error::Db(e)
        }
    }
}

/// Whether the error means Postgres could not be reached (as opposed to a bad statement).
pub fn is_unavailable(e: &DbErr) -> bool {
    let sqlx_err = match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => s,
        _ => return false,
    };
    match sqlx_err.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            // Class 08: connection exception; 57P01-57P03: shutdown / cannot connect now.
            c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// SQLSTATE of the trigger that keeps a restricted person's record as it is
/// (`persons_restricted_frozen`, migration `t0011_restriction`).
pub const RESTRICTED_SQLSTATE: &str = "KR018";

/// The message of a write refused because it would change a restricted person.
fn restricted(e: &DbErr) -> Option<String> {
    let (DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s))) = e else {
        return None;
    };
    match s.as_ref() {
        sqlx::Error::Database(db) if db.code().as_deref() == Some(RESTRICTED_SQLSTATE) => {
            Some(db.message().to_owned())
        }
        _ => None,
    }
}

/// Whether the error is a unique-constraint violation (a duplicate key).
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Whether the statement gave up waiting for a lock (`lock_timeout`, SQLSTATE 55P03).
pub fn is_lock_timeout(e: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s))) = e else {
        return false;
    };
    matches!(s.as_ref(), sqlx::Error::Database(db) if db.code().as_deref() == Some("55P03"))
}

/// Whether the statement broke a foreign key (SQLSTATE 23503).
pub fn is_foreign_key_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
}
