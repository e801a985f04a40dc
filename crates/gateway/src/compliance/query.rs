//! Compliance queries.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use kartei_compliance::suppression::{self, Key};
use kartei_compliance::{doi, dsr, erasure, exceptions, ledger, policy, retention, ropa};
use kartei_core::ctx::Role;
use kartei_tenancy::db::TenantTx;

use super::types::{
    CompliancePolicy, ConsentChainReport, ConsentChannel, ConsentEvent, ConsentPurpose,
    ConsentText, ContactDecision, DataSubjectRequest, ErasureRecord, ExistingCustomerRecord,
    Imprint, LegalHold, MailHeader, ProcessingActivity, ProofDossier, ReasonCount, RetentionDryRun,
    RetentionPolicy, SuppressionCounts, SuppressionEntry, SuppressionKind, UnsubscribeLink,
};
use crate::context::{services, tenant_tx};
use crate::error::{api, parse_uuid};
use crate::identity::types::Actor;

/// The tenant's default phone region, for reading national phone numbers.
pub(crate) async fn phone_region(tx: &TenantTx) -> async_graphql::Result<String> {
    kartei_contacts::rules::phone_region(tx).await.map_err(api)
}

#[derive(Default)]
pub struct ComplianceQuery;

#[Object]
impl ComplianceQuery {
    /// May this person be approached on this channel for this purpose (now, or at `at`)? With
    /// the reason and the legal basis. Asked again at every send.
    async fn may_contact(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        channel: ConsentChannel,
        purpose: String,
        at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<ContactDecision> {
        let person = parse_uuid(&person_id, "personId")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let d = policy::may_contact(
            tx,
            person,
            channel.into(),
            &purpose,
            at.unwrap_or_else(Utc::now),
        )
        .await
        .map_err(api)?;
        Ok(d.into())
    }

    /// How many persons may (and may not) be approached on a channel for a purpose, by reason:
    /// the set-based form of `mayContact` over the whole tenant.
    async fn consent_overview(
        &self,
        ctx: &Context<'_>,
        channel: ConsentChannel,
        purpose: String,
    ) -> async_graphql::Result<Vec<ReasonCount>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let rows = policy::reason_counts(tx, channel.into(), &purpose, Utc::now())
            .await
            .map_err(api)?;
        Ok(rows
            .into_iter()
            .map(|(reason, allowed, persons)| ReasonCount {
                reason,
                allowed,
                persons,
            })
            .collect())
    }

    /// A person's consent history with proof, newest first.
    async fn consent_events(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        channel: Option<ConsentChannel>,
    ) -> async_graphql::Result<Vec<ConsentEvent>> {
        let person = parse_uuid(&person_id, "personId")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let events = ledger::events_of(tx, person, channel.map(Into::into))
            .await
            .map_err(api)?;
        Ok(events.into_iter().map(Into::into).collect())
    }

    async fn consent_purposes(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ConsentPurpose>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let p = ledger::purposes(tx).await.map_err(api)?;
        Ok(p.into_iter().map(Into::into).collect())
    }

    /// Stored consent texts (the newest 500).
    async fn consent_texts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ConsentText>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let t = ledger::texts(tx).await.map_err(api)?;
        Ok(t.into_iter().map(Into::into).collect())
    }

    /// The tenant's imprint, null until maintained (`putImprint`).
    async fn imprint(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Imprint>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let i = kartei_compliance::imprint::Imprint::load(tx)
            .await
            .map_err(api)?;
        Ok(i.map(Into::into))
    }

    async fn compliance_policy(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CompliancePolicy> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let s = policy::PolicySettings::load(tx).await.map_err(api)?;
        Ok(s.into())
    }

    /// Recomputes every consent event's digest and chain link (tenant admins).
    async fn verify_consent_chain(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ConsentChainReport> {
        let (_, tx) = tenant_tx(ctx, Role::Admin).await?;
        let r = ledger::verify_chain(tx).await.map_err(api)?;
        Ok(r.into())
    }

    async fn existing_customer_records(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
    ) -> async_graphql::Result<Vec<ExistingCustomerRecord>> {
        let person = parse_uuid(&person_id, "personId")?;
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let r = exceptions::of_person(tx, person).await.map_err(api)?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    /// A signed unsubscribe link for a mail to this person (valid 400 days, single use).
    async fn unsubscribe_link(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        channel: ConsentChannel,
        purpose: String,
    ) -> async_graphql::Result<UnsubscribeLink> {
        let person = parse_uuid(&person_id, "personId")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        ledger::check_purpose(tx, &purpose).await.map_err(api)?;
        kartei_contacts::persons::get(tx, person)
            .await
            .map_err(api)?;
        let (url, headers) = doi::unsubscribe_link(
            &services(ctx)?.links,
            t.tenant_id,
            person,
            channel.into(),
            &purpose,
        )
        .map_err(api)?;
        Ok(UnsubscribeLink {
            url,
            headers: headers
                .into_iter()
                .map(|(n, v)| MailHeader {
                    name: n.into(),
                    value: v,
                })
                .collect(),
        })
    }

    /// Whether an email address or phone number is on the suppression list (tenant admins).
    async fn suppression(
        &self,
        ctx: &Context<'_>,
        value: String,
    ) -> async_graphql::Result<Option<SuppressionEntry>> {
        let (_, tx) = tenant_tx(ctx, Role::Admin).await?;
        let region = phone_region(tx).await?;
        let key = Key::load(tx).await.map_err(api)?;
        let e = suppression::lookup(tx, &key, &value, &region)
            .await
            .map_err(api)?;
        Ok(e.map(|e| SuppressionEntry {
            kind: if e.kind == "phone" {
                SuppressionKind::Phone
            } else {
                SuppressionKind::Email
            },
            reason: e.reason,
            created_at: e.created_at,
            created_by: Actor(e.created_by),
        }))
    }

    async fn suppression_counts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<SuppressionCounts> {
        let (_, tx) = tenant_tx(ctx, Role::Admin).await?;
        let c = suppression::counts(tx).await.map_err(api)?;
        Ok(SuppressionCounts {
            email: c.email,
            phone: c.phone,
        })
    }

    /// Data-subject requests, open ones first by deadline (tenant admins).
    async fn data_subject_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] open_only: bool,
        #[graphql(default = 100)] limit: u32,
    ) -> async_graphql::Result<Vec<DataSubjectRequest>> {
        let (_, tx) = tenant_tx(ctx, Role::Admin).await?;
        let r = dsr::list(tx, open_only, u64::from(limit))
            .await
            .map_err(api)?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    /// Erasures carried out: when, who, why and how much; no personal data.
    async fn erasure_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 100)] limit: u32,
    ) -> async_graphql::Result<Vec<ErasureRecord>> {
        let (_, tx) = tenant_tx(ctx, Role::Admin).await?;
        let r = erasure::records(tx, u64::from(limit)).await.map_err(api)?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    /// The proof dossier of a person on a channel: every consent and objection event with its
    /// proof, the chain check, §7a UWG uses, and the rule that allowed each message sent. For a
    /// court or a supervisory authority; generating it is audited (tenant admins).
    async fn proof_dossier(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        channel: ConsentChannel,
    ) -> async_graphql::Result<ProofDossier> {
        let person_id = parse_uuid(&person_id, "personId")?;
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let d = kartei_compliance::dossier::render(
            tx,
            person_id,
            channel.into(),
            &t.actor.audit_label(),
        )
        .await
        .map_err(api)?;
        Ok(d.into())
    }

    /// Records kept after erasures because a legal duty requires it (tenant admins; every
    /// read is audited), soonest end first.
    async fn legal_holds(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 100)] limit: u32,
    ) -> async_graphql::Result<Vec<LegalHold>> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let h = kartei_compliance::holds::list(tx, u64::from(limit))
            .await
            .map_err(api)?;
        crate::context::audit(
            tx,
            &t.actor.audit_label(),
            "legal_holds.read",
            None,
            serde_json::json!({ "holds": h.iter().map(|h| h.id).collect::<Vec<_>>() }),
        )
        .await?;
        Ok(h.into_iter().map(Into::into).collect())
    }

    async fn retention_policies(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<RetentionPolicy>> {
        let (_, tx) = tenant_tx(ctx, Role::Admin).await?;
        let r = retention::list(tx).await.map_err(api)?;
        Ok(r.into_iter().map(Into::into).collect())
    }

    /// Who a retention policy would flag or erase now; changes nothing.
    async fn retention_dry_run(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = 50)] limit: u32,
    ) -> async_graphql::Result<RetentionDryRun> {
        let id = parse_uuid(&id, "id")?;
        let (_, tx) = tenant_tx(ctx, Role::Admin).await?;
        let p = retention::get(tx, id).await.map_err(api)?;
        let d = retention::dry_run(tx, &p, u64::from(limit))
            .await
            .map_err(api)?;
        Ok(d.into())
    }

    /// The register of processing activities (GDPR Art. 30); CSV at
    /// `GET /files/compliance/processing-activities.csv`.
    async fn processing_activities(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ProcessingActivity>> {
        let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
        let r = ropa::list(tx).await.map_err(api)?;
        Ok(r.into_iter().map(Into::into).collect())
    }
}
