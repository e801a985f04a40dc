//! What merging persons means for the compliance domain's tables.

use kartei_contacts::merge::{MergeAction, MergeFuture, MergeHook, MergeRule};
use kartei_tenancy::db::TenantTx;
use uuid::Uuid;

pub struct ComplianceMergeHook;

const RULES: &[MergeRule] = &[
    MergeRule {
        table: "consent_events",
        column: "person_id",
        action: MergeAction::Custom,
        why: "the ledger is append-only: the losers' events are appended again for the winner \
              (original time and proof, carried_from naming the original)",
    },
    MergeRule {
        table: "sent_messages",
        column: "person_id",
        action: MergeAction::Move,
        why: "every message sent to the person stays on their record (Art. 15 GDPR)",
    },
    MergeRule {
        table: "customer_exceptions",
        column: "person_id",
        action: MergeAction::Move,
        why: "UWG §7(3) records follow the customer",
    },
    MergeRule {
        table: "data_subject_requests",
        column: "person_id",
        action: MergeAction::Move,
        why: "a request of the person is answered for the merged record",
    },
];

impl MergeHook for ComplianceMergeHook {
    fn rules(&self) -> &'static [MergeRule] {
        RULES
    }

    fn custom<'a>(
        &'a self,
        tx: &'a TenantTx,
        actor: &'a str,
        winner: Uuid,
        losers: &'a [Uuid],
    ) -> MergeFuture<'a> {
        Box::pin(async move {
            crate::ledger::carry_over(tx, winner, losers, actor)
                .await
                .map_err(|e| match e {
                    crate::Error::Data(d) => kartei_contacts::Error::Data(d),
                    crate::Error::Contacts(c) => c,
                    other => kartei_contacts::Error::Conflict(other.to_string()),
                })
        })
    }
}
