//! End-to-end tests: the real application over HTTP, real Postgres, real Redis.

#![allow(clippy::unwrap_used)]

mod abuse;
mod agency;
mod auth;
mod browser;
mod campaigns;
mod compliance;
mod contacts;
mod dedupe;
mod doi;
mod erasure;
mod faults;
mod graph;
mod hostile;
mod http;
mod imports;
mod input;
mod isolation;
mod law;
mod metrics;
mod search;
mod segments;
mod tenants;
