//! What merging persons means for the segments domain's tables.

use kartei_contacts::merge::{MergeAction, MergeHook, MergeRule};

pub struct SegmentsMergeHook;

const RULES: &[MergeRule] = &[
    MergeRule {
        table: "segment_membership_events",
        column: "person_id",
        action: MergeAction::Keep,
        why: "who entered and left a segment when, as it happened to that record",
    },
    MergeRule {
        table: "segment_snapshot_members",
        column: "person_id",
        action: MergeAction::Keep,
        why: "a snapshot is frozen: it shows the audience as it was",
    },
    MergeRule {
        table: "lifecycle_events",
        column: "person_id",
        action: MergeAction::Keep,
        why: "the stage history of that record; the winner's current stage is chosen in the merge",
    },
    MergeRule {
        table: "abc_results",
        column: "person_id",
        action: MergeAction::MoveFirstPer(&[]),
        why: "the winner keeps its class or takes a loser's until the next analytics run \
              computes it from the moved transactions",
    },
    MergeRule {
        table: "bant_scores",
        column: "person_id",
        action: MergeAction::MoveFirstPer(&[]),
        why: "the winner keeps its BANT score or takes a loser's",
    },
];

impl MergeHook for SegmentsMergeHook {
    fn rules(&self) -> &'static [MergeRule] {
        RULES
    }
}
