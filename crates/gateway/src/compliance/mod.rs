//! Compliance over GraphQL: consents and their proof, the channel policy, consent texts and
//! purposes, double opt-in forms, suppression, data-subject requests, erasure, retention and
//! the register of processing activities. The public (no login) endpoints are in `public`.

mod mutation;
pub(crate) mod public;
mod query;
pub(crate) mod types;

pub use mutation::ComplianceMutation;
pub use query::ComplianceQuery;
