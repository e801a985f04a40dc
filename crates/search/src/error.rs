//! Errors of the search domain, each with one stable [`Code`].

use kartei_core::code::Code;
use kartei_core::validate::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The search engine cannot be reached or did not answer in time.
    #[error("search engine unavailable: {0}")]
    Unavailable(String),
    /// The search engine refused a request we built (a bug on our side, or a misconfiguration).
    #[error("search engine error: {0}")]
    Engine(String),
    /// The engine has no index for the tenant yet (nothing was ever written to it).
    #[error("the tenant has no search index yet")]
    IndexMissing,
    #[error(transparent)]
    Data(#[from] kartei_tenancy::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::Invalid(_) => Code::ValidationFailed,
            Error::Unavailable(_) => Code::Unavailable,
            Error::Engine(_) | Error::IndexMissing => Code::Internal,
            Error::Data(e) => e.code(),
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(FieldErrors::single(field, message))
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(e: sea_orm::DbErr) -> Self {
        Error::Data(e.into())
    }
}

impl From<meilisearch_sdk::errors::Error> for Error {
    fn from(e: meilisearch_sdk::errors::Error) -> Self {
        use meilisearch_sdk::errors::Error as E;
        match e {
            E::Meilisearch(m)
                if m.error_code == meilisearch_sdk::errors::ErrorCode::IndexNotFound =>
            {
                Error::IndexMissing
            }
            E::Meilisearch(m) => Error::Engine(format!("{:?}: {}", m.error_code, m.error_message)),
            E::ParseError(p) => Error::Engine(format!("unexpected Meilisearch answer: {p}")),
            E::Timeout => Error::Unavailable("a Meilisearch task did not finish in time".into()),
            other => Error::Unavailable(other.to_string()),
        }
    }
}
