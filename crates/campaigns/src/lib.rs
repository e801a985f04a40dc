//! Campaigns: newsletters, win-back and occasion campaigns across email, letter, phone and
//! social steps. A campaign has a goal, an audience (a segment snapshot frozen at launch minus
//! exclusions, or the contacts an occasion makes due each day) and steps with delays. Texts
//! come from templates and snippets rendered in a sandbox (minijinja) with the tenant's form
//! of address.
//!
//! At send time every recipient is checked again against the compliance channel policy, the
//! suppression list and the tenant's frequency cap; the send ledger (one row per campaign,
//! step, contact and round, claimed before anything leaves) makes each send happen once across
//! retries and crashes. Tracking (open pixel, signed click redirects), bounce and complaint
//! intake, attribution of replies and conversions, and the report live here too.
//!
//! No HTTP and no GraphQL here: the gateway maps these functions onto the API and the public
//! tracking endpoints; the worker runs the send and daily occasion jobs.

pub mod bound;
pub mod campaigns;
pub mod error;
pub mod letters;
pub mod merge;
pub mod metrics;
pub mod occasions;
pub mod reach;
pub mod report;
pub mod send;
pub mod settings;
pub mod smtp;
pub mod tasks;
pub mod templates;
pub mod tracking;

pub use error::{Error, Result};

/// The worker job that sends a campaign's due steps (subject: the campaign).
pub const SEND_JOB: &str = "campaigns.send";
/// The daily job that finds due occasions and launches scheduled campaigns (subject: nil).
pub const DAILY_JOB: &str = "campaigns.daily";
