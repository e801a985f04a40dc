//! Segmentation and analytics over GraphQL: rule segments and static lists with live counts,
//! previews, member pages, membership history and snapshots; ABC analysis; lifecycle rules;
//! BANT scores; target groups.

mod mutation;
mod query;
pub(crate) mod types;

pub use mutation::SegmentsMutation;
pub use query::SegmentsQuery;
