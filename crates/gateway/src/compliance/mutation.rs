//! Compliance mutations; every one audited in its own transaction.

use async_graphql::{Context, ID, Object};
use chrono::Utc;
use kartei_compliance::suppression::{self, Key};
use kartei_compliance::{doi, dsr, erasure, exceptions, ledger, policy, retention, ropa};
use kartei_core::ctx::Role;
use serde_json::json;

use super::query::phone_region;
use super::types::{
    CompliancePolicy, ConsentChannel, ConsentEvent, ConsentEventInput, ConsentPurpose,
    ConsentPurposeInput, ConsentText, DataSubjectRequest, DataSubjectRequestKind, ErasureSummary,
    ExistingCustomerInput, ExistingCustomerRecord, ProcessingActivity, ProcessingActivityInput,
    RecordableConsentKind, RetentionAction, RetentionPolicy, RetentionPolicyInput, SubscribeForm,
    SuppressionReason,
};
use crate::context::{services, tenant_tx};
use crate::error::{ApiError, api, parse_uuid};

use crate::context::audit as record;

#[derive(Default)]
pub struct ComplianceMutation;

#[Object]
impl ComplianceMutation {
    /// Records a consent event with its proof (granted on paper or by phone, a revocation, an
    /// objection, a presumed business consent, an expiry). Confirmations only come from the
    /// double opt-in flow.
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        input: ConsentEventInput,
    ) -> async_graphql::Result<ConsentEvent> {
        let person_id = parse_uuid(&input.person_id, "personId")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let kind: ledger::EventKind = input.kind.into();
        if input.kind == RecordableConsentKind::Granted && input.text_hash.is_none() {
            return Err(api(ApiError::field(
                "textHash",
                "is required for a granted consent: the exact text agreed to is the proof",
            )));
        }
        let channel: ledger::Channel = input.channel.into();
        // A grant is bound to the person's current address on the channel.
        let address_hash = if matches!(
            kind,
            ledger::EventKind::Granted | ledger::EventKind::Presumed
        ) && channel.is_addressed()
        {
            let p = kartei_contacts::persons::get(tx, person_id)
                .await
                .map_err(api)?;
            let email = p.email.as_deref().map(str::to_lowercase);
            let addrs = policy::channel_addresses(
                channel,
                email.as_deref(),
                p.phone.as_deref(),
                p.mobile.as_deref(),
            );
            let Some(a) = addrs.first() else {
                return Err(api(ApiError::field(
                    "channel",
                    "the person has no address for this channel",
                )));
            };
            let key = Key::load(tx).await.map_err(api)?;
            if !suppression::suppressed_among(tx, &key, &addrs)
                .await
                .map_err(api)?
                .is_empty()
            {
                return Err(api(ApiError::new(
                    kartei_core::code::Code::Conflict,
                    "the address is on the suppression list; lift the suppression first",
                )));
            }
            Some(key.hash(a))
        } else {
            None
        };
        let e = ledger::record(
            tx,
            &ledger::NewEvent {
                person_id,
                channel,
                purpose: input.purpose,
                kind,
                at: input.at.unwrap_or_else(Utc::now),
                source: input.source.into(),
                source_ref: input.source_ref,
                text_hash: input.text_hash,
                address_hash,
                ip: None,
                user_agent: None,
                actor: actor.clone(),
                note: input.note,
            },
        )
        .await
        .map_err(api)?;
        record(
            tx,
            &actor,
            "consent.recorded",
            Some(person_id.to_string()),
            json!({ "event": e.id, "kind": e.kind, "channel": e.channel, "purpose": e.purpose }),
        )
        .await?;
        Ok(e.into())
    }

    /// Records an objection to direct marketing (GDPR Art. 21(2)) on the given channels (all
    /// when omitted) for every purpose.
    async fn object_to_marketing(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        channels: Option<Vec<ConsentChannel>>,
        source_ref: Option<String>,
    ) -> async_graphql::Result<Vec<ConsentEvent>> {
        let person_id = parse_uuid(&person_id, "personId")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let channels: Vec<ledger::Channel> = match channels {
            Some(c) => c.into_iter().map(Into::into).collect(),
            None => ledger::Channel::ALL.to_vec(),
        };
        let mut out = Vec::new();
        for channel in channels {
            let e = ledger::record(
                tx,
                &ledger::NewEvent {
                    person_id,
                    channel,
                    purpose: None,
                    kind: ledger::EventKind::Objected,
                    at: Utc::now(),
                    source: ledger::Source::Api,
                    source_ref: source_ref.clone(),
                    text_hash: None,
                    address_hash: None,
                    ip: None,
                    user_agent: None,
                    actor: actor.clone(),
                    note: None,
                },
            )
            .await
            .map_err(api)?;
            out.push(e.into());
        }
        record(
            tx,
            &actor,
            "consent.objected",
            Some(person_id.to_string()),
            json!({ "channels": out.len() }),
        )
        .await?;
        Ok(out)
    }

    /// Stores a consent text version (tenant admins); the same body is the same version.
    async fn store_consent_text(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "\"de\".to_string()")] language: String,
        title: String,
        body: String,
    ) -> async_graphql::Result<ConsentText> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let actor = t.actor.audit_label();
        let text = ledger::store_text(tx, &language, &title, &body, &actor)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "consent_text.stored",
            Some(text.hash.clone()),
            json!({}),
        )
        .await?;
        Ok(text.into())
    }

    /// Creates or changes a consent purpose (tenant admins).
    async fn put_consent_purpose(
        &self,
        ctx: &Context<'_>,
        input: ConsentPurposeInput,
    ) -> async_graphql::Result<ConsentPurpose> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let p = ledger::put_purpose(
            tx,
            &ledger::Purpose {
                key: input.key,
                label: input.label,
                description: input.description,
                existing_customer_ok: input.existing_customer_ok,
            },
        )
        .await
        .map_err(api)?;
        record(
            tx,
            &t.actor.audit_label(),
            "consent_purpose.saved",
            Some(p.key.clone()),
            json!({ "existingCustomerOk": p.existing_customer_ok }),
        )
        .await?;
        Ok(p.into())
    }

    /// Changes the tenant's channel policy (tenant admins); applies to the next decision.
    async fn update_compliance_policy(
        &self,
        ctx: &Context<'_>,
        input: CompliancePolicy,
    ) -> async_graphql::Result<CompliancePolicy> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let s = policy::PolicySettings {
            require_double_opt_in: input.require_double_opt_in,
            presumed_business_phone: input.presumed_business_phone,
            existing_customer_exception: input.existing_customer_exception,
            double_opt_in_link_hours: u32::try_from(input.double_opt_in_link_hours).unwrap_or(0),
        };
        let actor = t.actor.audit_label();
        s.save(tx, &actor).await.map_err(api)?;
        record(
            tx,
            &actor,
            "compliance_policy.updated",
            None,
            serde_json::to_value(s).unwrap_or_default(),
        )
        .await?;
        Ok(s.into())
    }

    /// A signed token for a website's double opt-in subscribe form (tenant admins).
    async fn create_subscribe_form(
        &self,
        ctx: &Context<'_>,
        purpose: String,
        text_hash: String,
        page_url: Option<String>,
        #[graphql(default = 365)] valid_days: i32,
    ) -> async_graphql::Result<SubscribeForm> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let links = &services(ctx)?.links;
        let token = doi::form_token(
            tx,
            links,
            &purpose,
            &text_hash,
            page_url.as_deref(),
            i64::from(valid_days),
        )
        .await
        .map_err(api)?;
        record(
            tx,
            &t.actor.audit_label(),
            "subscribe_form.created",
            None,
            json!({ "purpose": purpose, "textHash": text_hash, "validDays": valid_days }),
        )
        .await?;
        Ok(SubscribeForm {
            token,
            action_url: format!("{}/p/subscribe", links.public_url()),
        })
    }

    /// Records the UWG §7(3) existing-customer conditions for a person's current email.
    async fn record_existing_customer(
        &self,
        ctx: &Context<'_>,
        input: ExistingCustomerInput,
    ) -> async_graphql::Result<ExistingCustomerRecord> {
        let person_id = parse_uuid(&input.person_id, "personId")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let actor = t.actor.audit_label();
        let r = exceptions::record(
            tx,
            &exceptions::NewRecord {
                person_id,
                obtained_at: input.obtained_at,
                sale_reference: input.sale_reference,
                purposes: input.purposes,
                notice_given_at: input.notice_given_at,
                notice_text_hash: input.notice_text_hash,
            },
            &actor,
        )
        .await
        .map_err(api)?;
        record(
            tx,
            &actor,
            "existing_customer.recorded",
            Some(person_id.to_string()),
            json!({ "record": r.id }),
        )
        .await?;
        Ok(r.into())
    }

    /// Puts an email address or phone number on the suppression list (tenant admins); only
    /// its keyed hash is stored.
    async fn add_suppression(
        &self,
        ctx: &Context<'_>,
        value: String,
        reason: SuppressionReason,
    ) -> async_graphql::Result<bool> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let actor = t.actor.audit_label();
        let region = phone_region(tx).await?;
        let key = Key::load(tx).await.map_err(api)?;
        let reason = match reason {
            SuppressionReason::Unsubscribe => suppression::Reason::Unsubscribe,
            SuppressionReason::Bounce => suppression::Reason::Bounce,
            SuppressionReason::Complaint => suppression::Reason::Complaint,
            SuppressionReason::Manual => suppression::Reason::Manual,
        };
        let added = suppression::add(tx, &key, &value, &region, reason, &actor)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "suppression.added",
            None,
            json!({ "reason": reason.as_str(), "new": added }),
        )
        .await?;
        Ok(added)
    }

    /// Lifts a suppression (tenant admins; audited). Erasure hashes stay unless lifted here.
    async fn remove_suppression(
        &self,
        ctx: &Context<'_>,
        value: String,
    ) -> async_graphql::Result<bool> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let region = phone_region(tx).await?;
        let key = Key::load(tx).await.map_err(api)?;
        let removed = suppression::remove(tx, &key, &value, &region)
            .await
            .map_err(api)?;
        record(
            tx,
            &t.actor.audit_label(),
            "suppression.removed",
            None,
            json!({ "removed": removed }),
        )
        .await?;
        Ok(removed)
    }

    /// Registers a data-subject request; its deadline is one month from receipt.
    async fn create_data_subject_request(
        &self,
        ctx: &Context<'_>,
        person_id: ID,
        kind: DataSubjectRequestKind,
        received_at: Option<chrono::DateTime<Utc>>,
        note: Option<String>,
    ) -> async_graphql::Result<DataSubjectRequest> {
        let person_id = parse_uuid(&person_id, "personId")?;
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let actor = t.actor.audit_label();
        let r = dsr::create(
            tx,
            person_id,
            kind.into(),
            received_at,
            note.as_deref(),
            &actor,
        )
        .await
        .map_err(api)?;
        record(
            tx,
            &actor,
            "dsr.created",
            Some(person_id.to_string()),
            json!({ "request": r.id, "kind": r.kind, "dueAt": r.due_at }),
        )
        .await?;
        Ok(r.into())
    }

    /// Extends a request's deadline by two months (once, with the reason; Art. 12(3)).
    async fn extend_data_subject_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<DataSubjectRequest> {
        let id = parse_uuid(&id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let r = dsr::extend(tx, id, &reason).await.map_err(api)?;
        record(
            tx,
            &t.actor.audit_label(),
            "dsr.extended",
            Some(id.to_string()),
            json!({ "dueAt": r.due_at }),
        )
        .await?;
        Ok(r.into())
    }

    /// Closes a request as completed (or rejected).
    async fn close_data_subject_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] rejected: bool,
    ) -> async_graphql::Result<DataSubjectRequest> {
        let id = parse_uuid(&id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let actor = t.actor.audit_label();
        let r = dsr::close(tx, id, &actor, rejected).await.map_err(api)?;
        record(
            tx,
            &actor,
            "dsr.closed",
            Some(id.to_string()),
            json!({ "status": r.status }),
        )
        .await?;
        Ok(r.into())
    }

    /// Erases a person across every table, the search index (via the outbox) and caches;
    /// leaves the suppression hashes and an erasure record (tenant admins).
    async fn erase_person(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
        request_id: Option<ID>,
    ) -> async_graphql::Result<ErasureSummary> {
        let id = parse_uuid(&id, "id")?;
        let request = request_id
            .map(|r| parse_uuid(&r, "requestId"))
            .transpose()?;
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let s = erasure::erase_person(tx, id, &t.actor.audit_label(), &reason, request)
            .await
            .map_err(api)?;
        Ok(s.into())
    }

    /// Carries out pending hand-overs for erasure (staleness review, retention policies).
    async fn erase_requested_persons(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 100)] limit: u32,
    ) -> async_graphql::Result<Vec<ErasureSummary>> {
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let s = erasure::erase_requested(tx, &t.actor.audit_label(), u64::from(limit.min(1000)))
            .await
            .map_err(api)?;
        Ok(s.into_iter().map(Into::into).collect())
    }

    /// Creates (no `id`) or changes a retention policy (tenant admins); enabled policies run
    /// daily in the worker.
    async fn put_retention_policy(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        input: RetentionPolicyInput,
    ) -> async_graphql::Result<RetentionPolicy> {
        let id = id.map(|i| parse_uuid(&i, "id")).transpose()?;
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let actor = t.actor.audit_label();
        let action = match input.action {
            RetentionAction::Flag => "flag",
            RetentionAction::Erase => "erase",
        };
        let p = retention::put(
            tx,
            id,
            &input.name,
            input.inactive_months,
            action,
            input.enabled,
            &actor,
        )
        .await
        .map_err(api)?;
        record(
            tx,
            &actor,
            "retention.saved",
            Some(p.id.to_string()),
            json!({ "months": p.inactive_months, "action": p.action, "enabled": p.enabled }),
        )
        .await?;
        Ok(p.into())
    }

    /// Runs a retention policy now (tenant admins); audited.
    async fn run_retention_policy(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<async_graphql::Json<serde_json::Value>> {
        let id = parse_uuid(&id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let p = retention::get(tx, id).await.map_err(api)?;
        let r = retention::run(tx, &p, &t.actor.audit_label())
            .await
            .map_err(api)?;
        Ok(async_graphql::Json(
            serde_json::to_value(r).unwrap_or_default(),
        ))
    }

    /// Creates (no `id`) or replaces an entry of the processing register (tenant admins).
    async fn put_processing_activity(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        input: ProcessingActivityInput,
    ) -> async_graphql::Result<ProcessingActivity> {
        let id = id.map(|i| parse_uuid(&i, "id")).transpose()?;
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let actor = t.actor.audit_label();
        let a = ropa::put(tx, id, &input.into(), &actor)
            .await
            .map_err(api)?;
        record(
            tx,
            &actor,
            "processing_activity.saved",
            Some(a.id.to_string()),
            json!({}),
        )
        .await?;
        Ok(a.into())
    }

    async fn delete_processing_activity(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<bool> {
        let id = parse_uuid(&id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
        let gone = ropa::delete(tx, id).await.map_err(api)?;
        record(
            tx,
            &t.actor.audit_label(),
            "processing_activity.deleted",
            Some(id.to_string()),
            json!({ "deleted": gone }),
        )
        .await?;
        Ok(gone)
    }
}
