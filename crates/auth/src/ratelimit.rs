//! Rate-limit policies (GCRA: a burst, then a steady rate) and their decisions.

use std::time::Duration;

/// A generic cell-rate limit: up to `burst` requests at once, refilled at one per `interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub burst: u32,
    pub interval: Duration,
}

impl Limit {
    /// `per_hour` steady rate with the given burst.
    pub fn per_hour(per_hour: u32, burst: u32) -> Self {
        Self {
            burst: burst.max(1),
            interval: Duration::from_millis(3_600_000 / u64::from(per_hour.max(1))),
        }
    }

    /// `per_minute` steady rate with the given burst.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        Self {
            burst: burst.max(1),
            interval: Duration::from_millis(60_000 / u64::from(per_minute.max(1))),
        }
    }
}

/// The outcome of one rate-limit check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// When a denied request may be retried.
    pub retry_after: Duration,
    /// When the bucket is full again.
    pub reset_after: Duration,
}

impl Decision {
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after.as_millis().div_ceil(1000).max(1) as u64
    }

    pub fn reset_secs(&self) -> u64 {
        self.reset_after.as_millis().div_ceil(1000) as u64
    }
}

/// The limits Kartei enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// API calls per principal (user or API key), across tenants.
    pub api: Limit,
    /// Unauthenticated API calls per client IP.
    pub anonymous: Limit,
    /// Login attempts per client IP.
    pub login_per_ip: Limit,
    /// Login attempts per account (email), from anywhere.
    pub login_per_account: Limit,
    /// Tenants an agency may have (each is a full schema); `createTenant` refuses beyond.
    pub tenants_per_agency: u32,
    /// Template previews per principal (each renders a template on the server).
    pub previews: Limit,
    /// Subscriptions (confirmation mails) per mailbox, across tenants.
    pub doi_per_mailbox: Limit,
    /// Subscriptions per address domain within a tenant.
    pub doi_per_domain: Limit,
    /// Subscriptions per form token.
    pub doi_per_form: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            api: Limit::per_minute(1200, 200),
            anonymous: Limit::per_minute(300, 60),
            login_per_ip: Limit::per_minute(30, 30),
            login_per_account: Limit::per_minute(6, 10),
            tenants_per_agency: 50,
            previews: Limit::per_minute(30, 10),
            doi_per_mailbox: Limit::per_hour(3, 3),
            doi_per_domain: Limit::per_hour(60, 20),
            doi_per_form: Limit::per_hour(600, 100),
        }
    }
}
