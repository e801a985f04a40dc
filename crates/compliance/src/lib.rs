//! Compliance (GDPR/DSGVO and UWG §7): the consent ledger with proof and a tamper-evident hash
//! chain, the channel policy (`may_contact`, also as set-based SQL), double opt-in and
//! unsubscribe links, the suppression list, data-subject requests with the access export,
//! erasure across every table, retention policies and the register of processing activities.
//!
//! No HTTP and no GraphQL here: the gateway maps these functions onto the API and the public
//! endpoints; the worker runs the mail and retention jobs.

pub mod doi;
pub mod dossier;
pub mod dsr;
pub mod erasure;
pub mod error;
pub mod exceptions;
pub mod holds;
pub mod imports;
pub mod imprint;
pub mod ledger;
pub mod links;
pub mod mail;
pub mod merge;
pub mod policy;
pub mod restriction;
pub mod retention;
pub mod ropa;
pub mod suppression;

pub use error::{Error, Result};
pub use ledger::{Channel, EventKind, Source};
pub use policy::{Decision, PolicySettings, Reason, may_contact};
