//! What merging persons means for the campaigns domain's tables.

use kartei_contacts::merge::{MergeAction, MergeHook, MergeRule};

pub struct CampaignsMergeHook;

const RULES: &[MergeRule] = &[
    MergeRule {
        table: "campaign_sends",
        column: "person_id",
        action: MergeAction::MoveFirstPer(&["campaign_id", "step_id", "round"]),
        why: "the send ledger follows the person, so the frequency cap and the report count \
              the losers' sends; where both got the same step, the winner's send stands",
    },
    MergeRule {
        table: "campaign_recipients",
        column: "person_id",
        action: MergeAction::Keep,
        why: "a launched round's audience is frozen (a trigger refuses changes); a merged-away \
              recipient still pending is skipped as MERGED when the step reaches it",
    },
];

impl MergeHook for CampaignsMergeHook {
    fn rules(&self) -> &'static [MergeRule] {
        RULES
    }
}
