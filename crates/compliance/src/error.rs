//! Errors of the compliance domain, each with one stable [`Code`].

use kartei_core::code::Code;
use kartei_core::validate::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A public link token that is forged, malformed or for another action.
    #[error("this link is not valid")]
    TokenInvalid,
    #[error("this link has expired")]
    TokenExpired,
    #[error("this link has already been used")]
    TokenUsed,
    #[error("mail could not be sent: {0}")]
    Mail(String),
    #[error(transparent)]
    Contacts(#[from] kartei_contacts::Error),
    #[error(transparent)]
    Data(#[from] kartei_tenancy::Error),
    #[error("archive could not be written: {0}")]
    Archive(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> Code {
        match self {
            Error::Invalid(_) => Code::ValidationFailed,
            Error::NotFound(_) => Code::NotFound,
            Error::Conflict(_) => Code::Conflict,
            Error::TokenInvalid => Code::TokenInvalid,
            Error::TokenExpired => Code::TokenExpired,
            Error::TokenUsed => Code::TokenUsed,
            Error::Mail(_) => Code::Unavailable,
            Error::Contacts(e) => e.code(),
            Error::Data(e) => e.code(),
            Error::Archive(_) => Code::Internal,
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
