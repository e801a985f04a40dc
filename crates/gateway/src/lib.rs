//! The gateway: the only crate that knows HTTP (actix-web) and GraphQL (async-graphql).
//!
//! It authenticates the request, resolves its tenant, applies rate limits, runs the GraphQL
//! schema, and maps domain results and errors onto the wire (`extensions.code`). Domain crates
//! below it never see a request, a header or a GraphQL type.

mod campaigns;
mod compliance;
pub mod contacts;
pub mod context;
mod documents;
pub mod error;
mod files;
pub mod http;
mod identity;
pub mod loaders;
pub mod metrics;
pub mod node;
pub mod payload;
pub mod relay;
pub mod schema;
mod search;
mod segments;
pub(crate) mod settings;
mod tenants;

pub use http::{AppState, GatewayOptions, configure};
pub use schema::{KarteiSchema, SchemaLimits, build_schema, sdl};
