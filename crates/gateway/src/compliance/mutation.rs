//! Compliance mutations; every one audited in its own transaction.

use async_graphql::{Context, ID, Object};
use chrono::Utc;
use kartei_compliance::suppression::{self, Key};
use kartei_compliance::{
    doi, dsr, erasure, exceptions, ledger, policy, restriction, retention, ropa,
};
use kartei_core::ctx::Role;
use serde_json::json;

use super::query::phone_region;
use super::types::{
    CompliancePolicy, ConsentChannel, ConsentEvent, ConsentEventInput, ConsentPurpose,
    ConsentPurposeInput, ConsentText, DataSubjectRequest, DataSubjectRequestKind, ErasureSummary,
    ExistingCustomerInput, ExistingCustomerRecord, Imprint, ProcessingActivity,
    ProcessingActivityInput, RecordableConsentKind, RetentionAction, RetentionPolicy,
    RetentionPolicyInput, SubscribeForm, SuppressionReason,
};
use crate::contacts::types::Person;
use crate::context::{services, tenant_tx};
use crate::error::{ApiError, api, parse_uuid};

use crate::context::audit as record;

crate::payload! { RecordConsentPayload "The result of `recordConsent`." { consent_event: ConsentEvent } }

/// The input of `objectToMarketing`.
#[derive(async_graphql::InputObject)]
pub struct ObjectToMarketingInput {
    pub person_id: ID,
    pub channels: Option<Vec<ConsentChannel>>,
    pub source_ref: Option<String>,
}

crate::payload! { ObjectToMarketingPayload "The result of `objectToMarketing`." { consent_events: Vec<ConsentEvent> } }

/// The input of `storeConsentText`.
#[derive(async_graphql::InputObject)]
pub struct StoreConsentTextInput {
    #[graphql(default_with = "\"de\".to_string()")]
    pub language: String,
    pub title: String,
    pub body: String,
}

crate::payload! { StoreConsentTextPayload "The result of `storeConsentText`." { consent_text: ConsentText } }

crate::payload! { PutConsentPurposePayload "The result of `putConsentPurpose`." { consent_purpose: ConsentPurpose } }

crate::payload! { UpdateCompliancePolicyPayload "The result of `updateCompliancePolicy`." { policy: CompliancePolicy } }

/// The input of `createSubscribeForm`.
#[derive(async_graphql::InputObject)]
pub struct CreateSubscribeFormInput {
    pub purpose: String,
    pub text_hash: String,
    pub page_url: Option<String>,
    #[graphql(default = 365)]
    pub valid_days: i32,
}

crate::payload! { CreateSubscribeFormPayload "The result of `createSubscribeForm`." { subscribe_form: SubscribeForm } }

crate::payload! { RecordExistingCustomerPayload "The result of `recordExistingCustomer`." { existing_customer_record: ExistingCustomerRecord } }

/// The input of `addSuppression`.
#[derive(async_graphql::InputObject)]
pub struct AddSuppressionInput {
    pub value: String,
    pub reason: SuppressionReason,
}

crate::payload! { AddSuppressionPayload "The result of `addSuppression`." { added: bool } }

/// The input of `removeSuppression`.
#[derive(async_graphql::InputObject)]
pub struct RemoveSuppressionInput {
    pub value: String,
}

crate::payload! { RemoveSuppressionPayload "The result of `removeSuppression`." { removed: bool } }

/// The input of `createDataSubjectRequest`.
#[derive(async_graphql::InputObject)]
pub struct CreateDataSubjectRequestInput {
    pub person_id: ID,
    pub kind: DataSubjectRequestKind,
    pub received_at: Option<chrono::DateTime<Utc>>,
    pub note: Option<String>,
}

crate::payload! { CreateDataSubjectRequestPayload "The result of `createDataSubjectRequest`." { data_subject_request: DataSubjectRequest } }

crate::payload! { PutImprintPayload "The result of `putImprint`." { imprint: Imprint } }

/// The input of `restrictProcessing`.
#[derive(async_graphql::InputObject)]
pub struct RestrictProcessingInput {
    pub person_id: ID,
    /// Why (a request, a contested accuracy, a pending objection); kept in the audit log.
    pub reason: String,
}

crate::payload! { RestrictProcessingPayload "The result of `restrictProcessing`." { person: Person } }

/// The input of `liftRestriction`.
#[derive(async_graphql::InputObject)]
pub struct LiftRestrictionInput {
    pub person_id: ID,
    /// Why it ends (Art. 18(3): tell the person before); kept in the audit log.
    pub reason: String,
}

crate::payload! { LiftRestrictionPayload "The result of `liftRestriction`." { person: Person } }

/// The input of `extendDataSubjectRequest`.
#[derive(async_graphql::InputObject)]
pub struct ExtendDataSubjectRequestInput {
    pub id: ID,
    pub reason: String,
}

crate::payload! { ExtendDataSubjectRequestPayload "The result of `extendDataSubjectRequest`." { data_subject_request: DataSubjectRequest } }

/// The input of `closeDataSubjectRequest`.
#[derive(async_graphql::InputObject)]
pub struct CloseDataSubjectRequestInput {
    pub id: ID,
    #[graphql(default)]
    pub rejected: bool,
}

crate::payload! { CloseDataSubjectRequestPayload "The result of `closeDataSubjectRequest`." { data_subject_request: DataSubjectRequest } }

/// The input of `erasePerson`.
#[derive(async_graphql::InputObject)]
pub struct ErasePersonInput {
    pub id: ID,
    pub reason: String,
    pub request_id: Option<ID>,
}

crate::payload! { ErasePersonPayload "The result of `erasePerson`." { erasure: ErasureSummary } }

/// The input of `eraseRequestedPersons`.
#[derive(async_graphql::InputObject)]
pub struct EraseRequestedPersonsInput {
    #[graphql(default = 100)]
    pub limit: u32,
}

crate::payload! { EraseRequestedPersonsPayload "The result of `eraseRequestedPersons`." { erasures: Vec<ErasureSummary> } }

/// The input of `putRetentionPolicy`.
#[derive(async_graphql::InputObject)]
pub struct PutRetentionPolicyInput {
    pub id: Option<ID>,
    pub patch: RetentionPolicyInput,
}

crate::payload! { PutRetentionPolicyPayload "The result of `putRetentionPolicy`." { retention_policy: RetentionPolicy } }

/// The input of `runRetentionPolicy`.
#[derive(async_graphql::InputObject)]
pub struct RunRetentionPolicyInput {
    pub id: ID,
}

crate::payload! { RunRetentionPolicyPayload "The result of `runRetentionPolicy`." { result: async_graphql::Json<serde_json::Value> } }

/// The input of `putProcessingActivity`.
#[derive(async_graphql::InputObject)]
pub struct PutProcessingActivityInput {
    pub id: Option<ID>,
    pub patch: ProcessingActivityInput,
}

crate::payload! { PutProcessingActivityPayload "The result of `putProcessingActivity`." { processing_activity: ProcessingActivity } }

/// The input of `deleteProcessingActivity`.
#[derive(async_graphql::InputObject)]
pub struct DeleteProcessingActivityInput {
    pub id: ID,
}

crate::payload! { DeleteProcessingActivityPayload "The result of `deleteProcessingActivity`." { deleted: bool } }

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
    ) -> async_graphql::Result<RecordConsentPayload> {
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RecordConsentPayload {
                consent_event: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Records an objection to direct marketing (GDPR Art. 21(2)) on the given channels (all
    /// when omitted) for every purpose.
    async fn object_to_marketing(
        &self,
        ctx: &Context<'_>,
        input: ObjectToMarketingInput,
    ) -> async_graphql::Result<ObjectToMarketingPayload> {
        let ObjectToMarketingInput {
            person_id,
            channels,
            source_ref,
        } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| ObjectToMarketingPayload {
                consent_events: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Stores a consent text version (tenant admins); the same body is the same version.
    async fn store_consent_text(
        &self,
        ctx: &Context<'_>,
        input: StoreConsentTextInput,
    ) -> async_graphql::Result<StoreConsentTextPayload> {
        let StoreConsentTextInput {
            language,
            title,
            body,
        } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| StoreConsentTextPayload {
                consent_text: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Creates or changes a consent purpose (tenant admins).
    async fn put_consent_purpose(
        &self,
        ctx: &Context<'_>,
        input: ConsentPurposeInput,
    ) -> async_graphql::Result<PutConsentPurposePayload> {
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| PutConsentPurposePayload {
                consent_purpose: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Changes the tenant's channel policy (tenant admins); applies to the next decision.
    async fn update_compliance_policy(
        &self,
        ctx: &Context<'_>,
        input: CompliancePolicy,
    ) -> async_graphql::Result<UpdateCompliancePolicyPayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let s = policy::PolicySettings {
                require_double_opt_in: input.require_double_opt_in,
                presumed_business_phone: input.presumed_business_phone,
                existing_customer_exception: input.existing_customer_exception,
                double_opt_in_link_hours: u32::try_from(input.double_opt_in_link_hours)
                    .unwrap_or(0),
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| UpdateCompliancePolicyPayload {
                policy: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// A signed token for a website's double opt-in subscribe form (tenant admins).
    async fn create_subscribe_form(
        &self,
        ctx: &Context<'_>,
        input: CreateSubscribeFormInput,
    ) -> async_graphql::Result<CreateSubscribeFormPayload> {
        let CreateSubscribeFormInput {
            purpose,
            text_hash,
            page_url,
            valid_days,
        } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CreateSubscribeFormPayload {
                subscribe_form: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Records the UWG §7(3) existing-customer conditions for a person's current email.
    async fn record_existing_customer(
        &self,
        ctx: &Context<'_>,
        input: ExistingCustomerInput,
    ) -> async_graphql::Result<RecordExistingCustomerPayload> {
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RecordExistingCustomerPayload {
                existing_customer_record: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Puts an email address or phone number on the suppression list (tenant admins); only
    /// its keyed hash is stored.
    async fn add_suppression(
        &self,
        ctx: &Context<'_>,
        input: AddSuppressionInput,
    ) -> async_graphql::Result<AddSuppressionPayload> {
        let AddSuppressionInput { value, reason } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| AddSuppressionPayload {
                added: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Lifts a suppression (tenant admins; audited). Erasure hashes stay unless lifted here.
    async fn remove_suppression(
        &self,
        ctx: &Context<'_>,
        input: RemoveSuppressionInput,
    ) -> async_graphql::Result<RemoveSuppressionPayload> {
        let RemoveSuppressionInput { value } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RemoveSuppressionPayload {
                removed: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Registers a data-subject request; its deadline is one month from receipt.
    async fn create_data_subject_request(
        &self,
        ctx: &Context<'_>,
        input: CreateDataSubjectRequestInput,
    ) -> async_graphql::Result<CreateDataSubjectRequestPayload> {
        let CreateDataSubjectRequestInput {
            person_id,
            kind,
            received_at,
            note,
        } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CreateDataSubjectRequestPayload {
                data_subject_request: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Maintains the tenant's imprint (§5 DDG), replacing the last one.
    async fn put_imprint(
        &self,
        ctx: &Context<'_>,
        input: Imprint,
    ) -> async_graphql::Result<PutImprintPayload> {
        crate::payload::settle(ctx, async {
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let actor = t.actor.audit_label();
            let i = kartei_compliance::imprint::Imprint::from(input)
                .save(tx, &actor)
                .await
                .map_err(api)?;
            record(
                tx,
                &actor,
                "imprint.updated",
                None,
                serde_json::to_value(&i).unwrap_or_default(),
            )
            .await?;
            Ok(PutImprintPayload {
                imprint: Some(i.into()),
                ..Default::default()
            })
        })
        .await
    }

    /// Places a person under restriction of processing (Art. 18 GDPR): from now on they are
    /// only stored. A data-subject request of kind RESTRICTION does this by itself.
    async fn restrict_processing(
        &self,
        ctx: &Context<'_>,
        input: RestrictProcessingInput,
    ) -> async_graphql::Result<RestrictProcessingPayload> {
        crate::payload::settle(ctx, async {
            let person_id = parse_uuid(&input.person_id, "personId")?;
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let actor = t.actor.audit_label();
            restriction::restrict(tx, person_id, &input.reason, &actor)
                .await
                .map_err(api)?;
            let p = kartei_contacts::persons::get(tx, person_id)
                .await
                .map_err(api)?;
            Ok(RestrictProcessingPayload {
                person: Some(p.into()),
                ..Default::default()
            })
        })
        .await
    }

    /// Lifts a person's restriction of processing, with the reason.
    async fn lift_restriction(
        &self,
        ctx: &Context<'_>,
        input: LiftRestrictionInput,
    ) -> async_graphql::Result<LiftRestrictionPayload> {
        crate::payload::settle(ctx, async {
            let person_id = parse_uuid(&input.person_id, "personId")?;
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let actor = t.actor.audit_label();
            restriction::lift(tx, person_id, &input.reason, &actor)
                .await
                .map_err(api)?;
            let p = kartei_contacts::persons::get(tx, person_id)
                .await
                .map_err(api)?;
            Ok(LiftRestrictionPayload {
                person: Some(p.into()),
                ..Default::default()
            })
        })
        .await
    }

    /// Extends a request's deadline by two months (once, with the reason; Art. 12(3)).
    async fn extend_data_subject_request(
        &self,
        ctx: &Context<'_>,
        input: ExtendDataSubjectRequestInput,
    ) -> async_graphql::Result<ExtendDataSubjectRequestPayload> {
        let ExtendDataSubjectRequestInput { id, reason } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| ExtendDataSubjectRequestPayload {
                data_subject_request: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Closes a request as completed (or rejected).
    async fn close_data_subject_request(
        &self,
        ctx: &Context<'_>,
        input: CloseDataSubjectRequestInput,
    ) -> async_graphql::Result<CloseDataSubjectRequestPayload> {
        let CloseDataSubjectRequestInput { id, rejected } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CloseDataSubjectRequestPayload {
                data_subject_request: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Erases a person across every table, the search index (via the outbox) and caches;
    /// leaves the suppression hashes and an erasure record (tenant admins).
    async fn erase_person(
        &self,
        ctx: &Context<'_>,
        input: ErasePersonInput,
    ) -> async_graphql::Result<ErasePersonPayload> {
        let ErasePersonInput {
            id,
            reason,
            request_id,
        } = input;
        let r = async {
            let id = parse_uuid(&id, "id")?;
            let request = request_id
                .map(|r| parse_uuid(&r, "requestId"))
                .transpose()?;
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let s = erasure::erase_person(tx, id, &t.actor.audit_label(), &reason, request)
                .await
                .map_err(api)?;
            Ok(s.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| ErasePersonPayload {
                erasure: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Carries out pending hand-overs for erasure (staleness review, retention policies).
    async fn erase_requested_persons(
        &self,
        ctx: &Context<'_>,
        input: Option<EraseRequestedPersonsInput>,
    ) -> async_graphql::Result<EraseRequestedPersonsPayload> {
        let limit = input.map_or(100, |i| i.limit);
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let s =
                erasure::erase_requested(tx, &t.actor.audit_label(), u64::from(limit.min(1000)))
                    .await
                    .map_err(api)?;
            Ok(s.into_iter().map(Into::into).collect())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| EraseRequestedPersonsPayload {
                erasures: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Creates (no `id`) or changes a retention policy (tenant admins); enabled policies run
    /// daily in the worker.
    async fn put_retention_policy(
        &self,
        ctx: &Context<'_>,
        input: PutRetentionPolicyInput,
    ) -> async_graphql::Result<PutRetentionPolicyPayload> {
        let PutRetentionPolicyInput { id, patch: input } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await
                .map_err(crate::payload::nest_except("patch", &["id", "version"]))
                .map(|v| PutRetentionPolicyPayload {
                    retention_policy: Some(v),
                    ..Default::default()
                })
        })
        .await
    }

    /// Runs a retention policy now (tenant admins); audited.
    async fn run_retention_policy(
        &self,
        ctx: &Context<'_>,
        input: RunRetentionPolicyInput,
    ) -> async_graphql::Result<RunRetentionPolicyPayload> {
        let RunRetentionPolicyInput { id } = input;
        let r = async {
            let id = parse_uuid(&id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let p = retention::get(tx, id).await.map_err(api)?;
            let r = retention::run(tx, &p, &t.actor.audit_label())
                .await
                .map_err(api)?;
            Ok(async_graphql::Json(
                serde_json::to_value(r).unwrap_or_default(),
            ))
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| RunRetentionPolicyPayload {
                result: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Creates (no `id`) or replaces an entry of the processing register (tenant admins).
    async fn put_processing_activity(
        &self,
        ctx: &Context<'_>,
        input: PutProcessingActivityInput,
    ) -> async_graphql::Result<PutProcessingActivityPayload> {
        let PutProcessingActivityInput { id, patch: input } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await
                .map_err(crate::payload::nest_except("patch", &["id", "version"]))
                .map(|v| PutProcessingActivityPayload {
                    processing_activity: Some(v),
                    ..Default::default()
                })
        })
        .await
    }

    async fn delete_processing_activity(
        &self,
        ctx: &Context<'_>,
        input: DeleteProcessingActivityInput,
    ) -> async_graphql::Result<DeleteProcessingActivityPayload> {
        let DeleteProcessingActivityInput { id } = input;
        let r = async {
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
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| DeleteProcessingActivityPayload {
                deleted: Some(v),
                ..Default::default()
            })
        })
        .await
    }
}
