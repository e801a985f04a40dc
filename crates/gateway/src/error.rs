//! Domain errors onto the wire: one [`Code`] per error in `extensions.code`, per-field messages
//! in `extensions.fields`, and no internal detail (that goes to the log with the request id).

use async_graphql::ErrorExtensions;
use kartei_core::code::Code;
use kartei_core::paging::PageError;
use kartei_core::validate::FieldErrors;

/// An error as clients see it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    pub fields: Option<FieldErrors>,
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: None,
            retry_after_secs: None,
        }
    }

    pub fn validation(fields: FieldErrors) -> Self {
        Self {
            code: Code::ValidationFailed,
            message: format!("invalid input: {fields}"),
            fields: Some(fields),
            retry_after_secs: None,
        }
    }

    pub fn field(field: &str, message: &str) -> Self {
        Self::validation(FieldErrors::single(field, message))
    }

    /// The GraphQL error with `extensions.code` (and `fields` / `retryAfter` where they apply).
    pub fn to_gql(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.message.clone()).extend_with(|_, ext| {
            ext.set("code", self.code.as_str());
            if let Some(fields) = &self.fields {
                let map: async_graphql::indexmap::IndexMap<
                    async_graphql::Name,
                    async_graphql::Value,
                > = fields
                    .0
                    .iter()
                    .map(|(k, v)| {
                        (
                            async_graphql::Name::new(k),
                            async_graphql::Value::from(v.clone()),
                        )
                    })
                    .collect();
                ext.set("fields", async_graphql::Value::Object(map));
            }
            if let Some(secs) = self.retry_after_secs {
                ext.set("retryAfter", secs);
            }
        })
    }
}

/// Hides internal detail: logs it (inside the request's span, so with its ids) and returns a
/// generic message with the same code.
fn opaque(code: Code, detail: &dyn std::error::Error) -> ApiError {
    let mut chain = detail.to_string();
    let mut src = detail.source();
    while let Some(s) = src {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        src = s.source();
    }
    match code {
        Code::Unavailable => {
            tracing::warn!(error = %chain, "dependency unavailable");
            ApiError::new(code, "a backing service is unavailable; retry shortly")
        }
        _ => {
            tracing::error!(error = %chain, "internal error");
            ApiError::new(Code::Internal, "internal error; it has been logged")
        }
    }
}

impl From<kartei_auth::Error> for ApiError {
    fn from(e: kartei_auth::Error) -> Self {
        use kartei_auth::Error as E;
        match e {
            E::Invalid(fields) => ApiError::validation(fields),
            E::RateLimited(d) => ApiError {
                retry_after_secs: Some(d.retry_after_secs()),
                ..ApiError::new(Code::RateLimited, e.to_string())
            },
            E::Data(inner) => inner.into(),
            E::Unavailable(_) | E::Internal(_) => opaque(e.code(), &e),
            _ => ApiError::new(e.code(), e.to_string()),
        }
    }
}

impl From<kartei_tenancy::Error> for ApiError {
    fn from(e: kartei_tenancy::Error) -> Self {
        use kartei_tenancy::Error as E;
        match e {
            E::Invalid(fields) => ApiError::validation(fields),
            E::NotFound(_) | E::Conflict(_) | E::Restricted(_) => {
                ApiError::new(e.code(), e.to_string())
            }
            E::Busy { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(e.code(), e.to_string())
            },
            _ => opaque(e.code(), &e),
        }
    }
}

impl From<PageError> for ApiError {
    fn from(e: PageError) -> Self {
        ApiError::field(e.field(), &e.to_string())
    }
}

/// `?`-friendly conversion for resolvers: `auth.call().await.map_err(api)?`.
pub fn api<E: Into<ApiError>>(e: E) -> async_graphql::Error {
    e.into().to_gql()
}

/// An `ID` argument as the UUID it names (a global id or the bare UUID, see [`crate::node`]),
/// or VALIDATION_FAILED on `field`.
pub fn parse_uuid(id: &async_graphql::ID, field: &str) -> async_graphql::Result<uuid::Uuid> {
    crate::node::uuid_of(id.as_str())
        .ok_or_else(|| api(ApiError::field(field, "is not a valid id")))
}

impl From<kartei_contacts::Error> for ApiError {
    fn from(e: kartei_contacts::Error) -> Self {
        use kartei_contacts::Error as E;
        match e {
            E::Invalid(fields) => ApiError::validation(fields),
            E::Data(inner) => inner.into(),
            E::File(m) => ApiError::field("file", &m),
            E::NotFound(_) | E::Conflict(_) => ApiError::new(e.code(), e.to_string()),
        }
    }
}

impl From<kartei_segments::Error> for ApiError {
    fn from(e: kartei_segments::Error) -> Self {
        use kartei_segments::Error as E;
        match e {
            E::Invalid(fields) => ApiError::validation(fields),
            E::Data(inner) => inner.into(),
            E::Contacts(inner) => inner.into(),
            E::Compliance(inner) => inner.into(),
            E::NotFound(_) | E::Conflict(_) => ApiError::new(e.code(), e.to_string()),
        }
    }
}

impl From<kartei_search::Error> for ApiError {
    fn from(e: kartei_search::Error) -> Self {
        use kartei_search::Error as E;
        match e {
            E::Invalid(fields) => ApiError::validation(fields),
            E::Data(inner) => inner.into(),
            E::Unavailable(_) | E::Engine(_) | E::IndexMissing => opaque(e.code(), &e),
        }
    }
}

impl From<kartei_compliance::Error> for ApiError {
    fn from(e: kartei_compliance::Error) -> Self {
        use kartei_compliance::Error as E;
        match e {
            E::Invalid(fields) => ApiError::validation(fields),
            E::Data(inner) => inner.into(),
            E::Contacts(inner) => inner.into(),
            E::Mail(_) | E::Archive(_) => opaque(e.code(), &e),
            E::NotFound(_) | E::Conflict(_) | E::TokenInvalid | E::TokenExpired | E::TokenUsed => {
                ApiError::new(e.code(), e.to_string())
            }
        }
    }
}

impl From<kartei_campaigns::Error> for ApiError {
    fn from(e: kartei_campaigns::Error) -> Self {
        use kartei_campaigns::Error as E;
        match e {
            E::Invalid(fields) => ApiError::validation(fields),
            E::Data(inner) => inner.into(),
            E::Contacts(inner) => inner.into(),
            E::Compliance(inner) => inner.into(),
            E::Segments(inner) => inner.into(),
            E::Mail(_) => opaque(e.code(), &e),
            E::NotFound(_) | E::Conflict(_) | E::TokenInvalid => {
                ApiError::new(e.code(), e.to_string())
            }
        }
    }
}
