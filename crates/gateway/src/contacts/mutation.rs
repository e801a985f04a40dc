//! Contacts mutations. Every change is audited in the same transaction.

use async_graphql::{Context, ID, Object};
use kartei_contacts::{
    duplicates, import, interactions, merge, organizations, persons, quality, relations, rules,
    transactions,
};
use kartei_core::ctx::Role;
use kartei_tenancy::audit;
use kartei_tenancy::db::TenantTx;
use serde_json::json;
use uuid::Uuid;

use super::types::{
    ArchiveInteractionInput, ArchiveInteractionPayload, ArchiveOrganizationInput,
    ArchiveOrganizationPayload, ArchivePersonInput, ArchivePersonPayload, ArchiveTransactionInput,
    ArchiveTransactionPayload, BulkAction, BulkActionKind, BulkTarget, CreateInteractionPayload,
    CreateOrganizationPayload, CreatePersonPayload, CreateTransactionPayload, CustomField,
    CustomFieldInput, DuplicateCandidate, DuplicateScan, Import, Interaction, InteractionInput,
    LinkPersonToOrganizationPayload, MergePersonsInput, MergeResult, Organization,
    OrganizationInput, Person, PersonInput, Picklist, PicklistValue, Relation, RelationInput,
    RestorePersonInput, RestorePersonPayload, StartImportInput, Transaction, TransactionInput,
    UnlinkPersonFromOrganizationInput, UnlinkPersonFromOrganizationPayload, UpdateInteractionInput,
    UpdateInteractionPayload, UpdateOrganizationInput, UpdateOrganizationPayload,
    UpdatePersonInput, UpdatePersonPayload, UpdateTransactionInput, UpdateTransactionPayload,
};
use crate::context::{services, tenant, tenant_tx};
use crate::error::{ApiError, api, parse_uuid};
use crate::node::{self, Kind};
use crate::payload::{nest, settle};
use async_graphql::connection::Edge;
use kartei_core::paging::encode_cursor;

async fn record(
    tx: &TenantTx,
    actor: &str,
    action: &str,
    subject: Uuid,
    detail: serde_json::Value,
) -> async_graphql::Result<()> {
    audit::record(tx, actor, action, Some(&subject.to_string()), detail)
        .await
        .map_err(api)
}

/// `SUPPRESSED_EMAIL`, `SUPPRESSED_PHONE`, `SUPPRESSED_MOBILE` for a person's addresses on the
/// suppression list.
async fn suppressed_fields(
    tx: &TenantTx,
    p: &persons::Person,
) -> async_graphql::Result<Vec<String>> {
    use kartei_compliance::suppression::{Key, suppressed_among};
    let key = Key::load(tx).await.map_err(api)?;
    let email = p.email.as_deref().map(str::to_lowercase);
    let fields = [
        ("SUPPRESSED_EMAIL", email.as_deref()),
        ("SUPPRESSED_PHONE", p.phone.as_deref()),
        ("SUPPRESSED_MOBILE", p.mobile.as_deref()),
    ];
    let present: Vec<&str> = fields.iter().filter_map(|(_, a)| *a).collect();
    let hit = suppressed_among(tx, &key, &present).await.map_err(api)?;
    Ok(fields
        .iter()
        .filter(|(_, a)| a.is_some_and(|a| hit.iter().any(|h| h == a)))
        .map(|(code, _)| (*code).to_owned())
        .collect())
}

fn opt_id(id: Option<ID>, field: &str) -> async_graphql::Result<Option<Uuid>> {
    id.map(|i| parse_uuid(&i, field)).transpose()
}

/// The input of `createPicklist`.
#[derive(async_graphql::InputObject)]
pub struct CreatePicklistInput {
    pub key: String,
    pub label: String,
}

crate::payload! { CreatePicklistPayload "The result of `createPicklist`." { picklist: Picklist } }

/// The input of `putPicklistValue`.
#[derive(async_graphql::InputObject)]
pub struct PutPicklistValueInput {
    pub picklist_key: String,
    pub value: String,
    pub label: String,
    pub position: Option<i32>,
    #[graphql(default)]
    pub archived: bool,
}

crate::payload! { PutPicklistValuePayload "The result of `putPicklistValue`." { picklist_value: PicklistValue } }

crate::payload! { DefineCustomFieldPayload "The result of `defineCustomField`." { custom_field: CustomField } }

crate::payload! { ScanDuplicatesPayload "The result of `scanDuplicates`." { scan: DuplicateScan } }

/// The input of `dismissDuplicate`.
#[derive(async_graphql::InputObject)]
pub struct DismissDuplicateInput {
    pub a: ID,
    pub b: ID,
}

crate::payload! { DismissDuplicatePayload "The result of `dismissDuplicate`." { dismissed: bool } }

crate::payload! { MergePersonsPayload "The result of `mergePersons`." { merge: MergeResult } }

/// The input of `bulkUpdatePersons`.
#[derive(async_graphql::InputObject)]
pub struct BulkUpdatePersonsInput {
    pub target: BulkTarget,
    pub action: BulkAction,
}

crate::payload! { BulkUpdatePersonsPayload "The result of `bulkUpdatePersons`." { changed: i64 } }

crate::payload! { StartImportPayload "The result of `startImport`." { import: Import } }

/// The input of `cancelImport`.
#[derive(async_graphql::InputObject)]
pub struct CancelImportInput {
    pub id: ID,
}

crate::payload! { CancelImportPayload "The result of `cancelImport`." { import: Import } }

#[derive(Default)]
pub struct ContactsMutation;

#[Object]
impl ContactsMutation {
    /// Creates a person; likely duplicates come back as warnings.
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        input: PersonInput,
    ) -> async_graphql::Result<CreatePersonPayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let p = persons::create(tx, &input.into_draft())
                .await
                .map_err(api)?;
            let warnings = duplicates::candidates_for(tx, p.id).await.map_err(api)?;
            let compliance_warnings = suppressed_fields(tx, &p).await?;
            record(tx, &actor, "person.created", p.id, json!({})).await?;
            let cursor = encode_cursor(&persons::SortKey::of(&p, persons::Sort::Name));
            let person = Person::from(p);
            Ok(CreatePersonPayload {
                person_edge: Some(Edge::new(cursor, person.clone())),
                person: Some(person),
                duplicate_warnings: warnings.into_iter().map(DuplicateCandidate::from).collect(),
                compliance_warnings,
                user_errors: vec![],
            })
        };
        settle(ctx, r).await
    }

    /// Changes a person if `version` is current (CONFLICT otherwise).
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        input: UpdatePersonInput,
    ) -> async_graphql::Result<UpdatePersonPayload> {
        let r = async {
            let id = parse_uuid(&input.id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let patch = input.patch;
            let p = persons::update(tx, id, input.version, |d| patch.apply(d))
                .await
                .map_err(api)
                .map_err(nest("patch"))?;
            let version = json!({ "version": p.version });
            record(tx, &t.actor.audit_label(), "person.updated", id, version).await?;
            Ok(UpdatePersonPayload {
                person: Some(p.into()),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Archives a person: out of lists, segments and campaigns; history kept.
    async fn archive_person(
        &self,
        ctx: &Context<'_>,
        input: ArchivePersonInput,
    ) -> async_graphql::Result<ArchivePersonPayload> {
        let r = async {
            let p = self
                .set_person_archived(ctx, &input.id, input.version, true)
                .await?;
            Ok(ArchivePersonPayload {
                archived_person_id: Some(p.id.clone()),
                person: Some(p),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Brings an archived person back into lists, segments and campaigns.
    async fn restore_person(
        &self,
        ctx: &Context<'_>,
        input: RestorePersonInput,
    ) -> async_graphql::Result<RestorePersonPayload> {
        let r = async {
            let p = self
                .set_person_archived(ctx, &input.id, input.version, false)
                .await?;
            Ok(RestorePersonPayload {
                person: Some(p),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: OrganizationInput,
    ) -> async_graphql::Result<CreateOrganizationPayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let mut draft = organizations::OrganizationDraft::default();
            input.apply(&mut draft);
            let o = organizations::create(tx, &draft).await.map_err(api)?;
            let actor = t.actor.audit_label();
            record(tx, &actor, "organization.created", o.id, json!({})).await?;
            let cursor = encode_cursor(&persons::SortKey(o.name_key.clone(), o.id));
            let organization = Organization::from(o);
            Ok(CreateOrganizationPayload {
                organization_edge: Some(Edge::new(cursor, organization.clone())),
                organization: Some(organization),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Given fields replace, omitted fields stay.
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> async_graphql::Result<UpdateOrganizationPayload> {
        let r = async {
            let id = parse_uuid(&input.id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let patch = input.patch;
            let o = organizations::update(tx, id, input.version, |d| patch.apply(d))
                .await
                .map_err(api)
                .map_err(nest("patch"))?;
            let actor = t.actor.audit_label();
            record(tx, &actor, "organization.updated", id, json!({})).await?;
            Ok(UpdateOrganizationPayload {
                organization: Some(o.into()),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    async fn archive_organization(
        &self,
        ctx: &Context<'_>,
        input: ArchiveOrganizationInput,
    ) -> async_graphql::Result<ArchiveOrganizationPayload> {
        let r = async {
            let id = parse_uuid(&input.id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let o = organizations::set_archived(tx, id, input.version, true)
                .await
                .map_err(api)?;
            let actor = t.actor.audit_label();
            record(tx, &actor, "organization.archived", id, json!({})).await?;
            let o = Organization::from(o);
            Ok(ArchiveOrganizationPayload {
                archived_organization_id: Some(o.id.clone()),
                organization: Some(o),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Links a person to an organization (or changes the link); the payload carries both
    /// ends, whose `organizations` and `people` changed.
    async fn link_person_to_organization(
        &self,
        ctx: &Context<'_>,
        input: RelationInput,
    ) -> async_graphql::Result<LinkPersonToOrganizationPayload> {
        let r = async {
            let person_id = parse_uuid(&input.person_id, "personId")?;
            let organization_id = parse_uuid(&input.organization_id, "organizationId")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let r = relations::link(
                tx,
                relations::RelationInput {
                    person_id,
                    organization_id,
                    job_title: input.job_title,
                    is_primary: input.is_primary,
                    buying_role: input.buying_role.map(|b| b.as_str().to_owned()),
                },
            )
            .await
            .map_err(api)?;
            record(
                tx,
                &t.actor.audit_label(),
                "person.linked",
                person_id,
                json!({ "organization": organization_id }),
            )
            .await?;
            let (person, organization) = ends(tx, person_id, organization_id).await?;
            Ok(LinkPersonToOrganizationPayload {
                relation: Some(Relation::of(r, t.tenant_id.0)),
                person: Some(person),
                organization: Some(organization),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Removes a person's link to an organization; the payload carries both ends.
    async fn unlink_person_from_organization(
        &self,
        ctx: &Context<'_>,
        input: UnlinkPersonFromOrganizationInput,
    ) -> async_graphql::Result<UnlinkPersonFromOrganizationPayload> {
        let r = async {
            let person_id = parse_uuid(&input.person_id, "personId")?;
            let organization_id = parse_uuid(&input.organization_id, "organizationId")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let done = relations::unlink(tx, person_id, organization_id)
                .await
                .map_err(api)?;
            if done {
                record(
                    tx,
                    &t.actor.audit_label(),
                    "person.unlinked",
                    person_id,
                    json!({ "organization": organization_id }),
                )
                .await?;
            }
            let (person, organization) = ends(tx, person_id, organization_id).await?;
            Ok(UnlinkPersonFromOrganizationPayload {
                unlinked_relation_id: done
                    .then(|| Relation::id_of(t.tenant_id.0, person_id, organization_id)),
                person: Some(person),
                organization: Some(organization),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Records a touch; the contact's `lastInteractionAt` follows.
    async fn create_interaction(
        &self,
        ctx: &Context<'_>,
        input: InteractionInput,
    ) -> async_graphql::Result<CreateInteractionPayload> {
        let r = async {
            let person_id = opt_id(input.person_id, "personId")?;
            let organization_id = opt_id(input.organization_id, "organizationId")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let i = interactions::create(
                tx,
                &actor,
                interactions::InteractionInput {
                    person_id,
                    organization_id,
                    kind: input.kind.as_str().to_owned(),
                    direction: input.direction.as_str().to_owned(),
                    occurred_at: input.occurred_at,
                    subject: input.subject,
                    summary: input.summary,
                },
            )
            .await
            .map_err(api)?;
            record(tx, &actor, "interaction.created", i.id, json!({})).await?;
            Ok(CreateInteractionPayload {
                interaction: Some(i.into()),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    async fn update_interaction(
        &self,
        ctx: &Context<'_>,
        input: UpdateInteractionInput,
    ) -> async_graphql::Result<UpdateInteractionPayload> {
        let r = async {
            let id = parse_uuid(&input.id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let patch = input.patch;
            let i = interactions::update(tx, id, input.version, |i| patch.apply(i))
                .await
                .map_err(api)
                .map_err(nest("patch"))?;
            let actor = t.actor.audit_label();
            record(tx, &actor, "interaction.updated", id, json!({})).await?;
            Ok(UpdateInteractionPayload {
                interaction: Some(i.into()),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    async fn archive_interaction(
        &self,
        ctx: &Context<'_>,
        input: ArchiveInteractionInput,
    ) -> async_graphql::Result<ArchiveInteractionPayload> {
        let r = async {
            let id = parse_uuid(&input.id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let i = interactions::set_archived(tx, id, input.version, true)
                .await
                .map_err(api)?;
            let actor = t.actor.audit_label();
            record(tx, &actor, "interaction.archived", id, json!({})).await?;
            let i = Interaction::from(i);
            Ok(ArchiveInteractionPayload {
                archived_interaction_id: Some(i.id.clone()),
                interaction: Some(i),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// Records an order or invoice; the contact's `lastPurchaseAt` follows.
    async fn create_transaction(
        &self,
        ctx: &Context<'_>,
        input: TransactionInput,
    ) -> async_graphql::Result<CreateTransactionPayload> {
        let r = async {
            let person_id = opt_id(input.person_id, "personId")?;
            let organization_id = opt_id(input.organization_id, "organizationId")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let tr = transactions::create(
                tx,
                transactions::TransactionInput {
                    person_id,
                    organization_id,
                    kind: input.kind.as_str().to_owned(),
                    number: input.number,
                    amount_minor: input.amount_minor,
                    currency: input.currency,
                    issued_on: input.issued_on,
                    due_on: input.due_on,
                    paid_on: input.paid_on,
                    status: input.status.as_str().to_owned(),
                    description: input.description,
                },
            )
            .await
            .map_err(api)?;
            let actor = t.actor.audit_label();
            record(tx, &actor, "transaction.created", tr.id, json!({})).await?;
            Ok(CreateTransactionPayload {
                transaction: Some(tr.into()),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    async fn update_transaction(
        &self,
        ctx: &Context<'_>,
        input: UpdateTransactionInput,
    ) -> async_graphql::Result<UpdateTransactionPayload> {
        let r = async {
            let id = parse_uuid(&input.id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let patch = input.patch;
            let tr = transactions::update(tx, id, input.version, |i| patch.apply(i))
                .await
                .map_err(api)
                .map_err(nest("patch"))?;
            let actor = t.actor.audit_label();
            record(tx, &actor, "transaction.updated", id, json!({})).await?;
            Ok(UpdateTransactionPayload {
                transaction: Some(tr.into()),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    async fn archive_transaction(
        &self,
        ctx: &Context<'_>,
        input: ArchiveTransactionInput,
    ) -> async_graphql::Result<ArchiveTransactionPayload> {
        let r = async {
            let id = parse_uuid(&input.id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let tr = transactions::set_archived(tx, id, input.version, true)
                .await
                .map_err(api)?;
            let actor = t.actor.audit_label();
            record(tx, &actor, "transaction.archived", id, json!({})).await?;
            let tr = Transaction::from(tr);
            Ok(ArchiveTransactionPayload {
                archived_transaction_id: Some(tr.id.clone()),
                transaction: Some(tr),
                ..Default::default()
            })
        };
        settle(ctx, r).await
    }

    /// A tenant-defined picklist (tenant admins).
    async fn create_picklist(
        &self,
        ctx: &Context<'_>,
        input: CreatePicklistInput,
    ) -> async_graphql::Result<CreatePicklistPayload> {
        let CreatePicklistInput { key, label } = input;
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let p = rules::create_picklist(tx, &key, &label)
                .await
                .map_err(api)?;
            audit::record(
                tx,
                &t.actor.audit_label(),
                "picklist.created",
                Some(&key),
                json!({}),
            )
            .await
            .map_err(api)?;
            Ok(Picklist {
                key: p.key,
                label: p.label,
                builtin: p.builtin,
                values: vec![],
            })
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CreatePicklistPayload {
                picklist: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Adds a picklist value or changes its label, position or archived flag (tenant admins).
    async fn put_picklist_value(
        &self,
        ctx: &Context<'_>,
        input: PutPicklistValueInput,
    ) -> async_graphql::Result<PutPicklistValuePayload> {
        let PutPicklistValueInput {
            picklist_key,
            value,
            label,
            position,
            archived,
        } = input;
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let v =
                rules::put_picklist_value(tx, &picklist_key, &value, &label, position, archived)
                    .await
                    .map_err(api)?;
            audit::record(
                tx,
                &t.actor.audit_label(),
                "picklist.value_set",
                Some(&picklist_key),
                json!({ "value": value, "archived": archived }),
            )
            .await
            .map_err(api)?;
            Ok(v.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| PutPicklistValuePayload {
                picklist_value: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Defines a typed custom field (tenant admins).
    async fn define_custom_field(
        &self,
        ctx: &Context<'_>,
        input: CustomFieldInput,
    ) -> async_graphql::Result<DefineCustomFieldPayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Admin).await?;
            let f = rules::define_custom_field(
                tx,
                rules::CustomFieldInput {
                    entity: input.entity.into(),
                    key: input.key.clone(),
                    label: input.label,
                    kind: input.kind.into(),
                    picklist_key: input.picklist_key,
                    required: input.required,
                },
            )
            .await
            .map_err(api)?;
            audit::record(
                tx,
                &t.actor.audit_label(),
                "custom_field.defined",
                Some(&input.key),
                json!({}),
            )
            .await
            .map_err(api)?;
            Ok(f.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| DefineCustomFieldPayload {
                custom_field: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Rescans the tenant for duplicate persons; read the result with `duplicatePairs`.
    async fn scan_duplicates(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ScanDuplicatesPayload> {
        let r = async {
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let s = duplicates::scan(tx).await.map_err(api)?;
            audit::record(
                tx,
                &t.actor.audit_label(),
                "duplicates.scanned",
                None,
                json!({ "persons": s.persons, "pairs": s.pairs, "skippedBlocks": s.skipped_blocks }),
            )
            .await
            .map_err(api)?;
            Ok(DuplicateScan {
                persons_scanned: s.persons,
                pairs: s.pairs as i64,
            })
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| ScanDuplicatesPayload {
                scan: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Marks two persons as not duplicates; rescans keep them apart.
    async fn dismiss_duplicate(
        &self,
        ctx: &Context<'_>,
        input: DismissDuplicateInput,
    ) -> async_graphql::Result<DismissDuplicatePayload> {
        let DismissDuplicateInput { a, b } = input;
        let r = async {
            let a = parse_uuid(&a, "a")?;
            let b = parse_uuid(&b, "b")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            duplicates::dismiss(tx, a, b, &actor).await.map_err(api)?;
            record(tx, &actor, "duplicate.dismissed", a, json!({ "other": b })).await?;
            Ok(true)
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| DismissDuplicatePayload {
                dismissed: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Merges persons into a winner with per-field choices; everything they own moves over
    /// (each domain's tables by its rules, see [`merge_hooks`]).
    async fn merge_persons(
        &self,
        ctx: &Context<'_>,
        input: MergePersonsInput,
    ) -> async_graphql::Result<MergePersonsPayload> {
        let r = async {
            let winner = parse_uuid(&input.winner_id, "winnerId")?;
            let losers = input
                .loser_ids
                .iter()
                .map(|i| parse_uuid(i, "loserIds"))
                .collect::<async_graphql::Result<Vec<_>>>()?;
            let choices = input
                .choices
                .iter()
                .map(|c| {
                    Ok(merge::FieldChoice {
                        field: c.field.clone(),
                        from: parse_uuid(&c.from_id, "choices.fromId")?,
                    })
                })
                .collect::<async_graphql::Result<Vec<_>>>()?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let actor = t.actor.audit_label();
            let out = merge::merge_persons(
                tx,
                &actor,
                winner,
                &losers,
                &choices,
                input.dry_run,
                &merge_hooks(),
            )
            .await
            .map_err(api)?;
            if !input.dry_run {
                record(
                    tx,
                    &actor,
                    "person.merged",
                    winner,
                    json!({ "losers": losers, "consentEventsCarriedOver": out.moved.carried_over,
                            "moved": out.moved.other }),
                )
                .await?;
            } else {
                // The preview ran the merge and rolled it back; it read every record involved.
                record(
                    tx,
                    &actor,
                    "person.merge_previewed",
                    winner,
                    json!({ "losers": losers }),
                )
                .await?;
            }
            let r = &out.result;
            Ok(MergeResult {
                dry_run: out.dry_run,
                merge_id: out.merge_id.map(|m| node::id(Kind::MergeEvent, m)),
                result: async_graphql::Json(json!({
                    "salutation": r.salutation, "title": r.title,
                    "firstName": r.first_name, "lastName": r.last_name, "email": r.email,
                    "phone": r.phone, "mobile": r.mobile, "birthday": r.birthday,
                    "position": r.position, "street": r.street, "postalCode": r.postal_code,
                    "city": r.city, "country": r.country, "website": r.website, "tags": r.tags,
                    "custom": r.custom, "source": r.source, "externalId": r.external_id,
                    "lifecycleStage": r.lifecycle_stage, "dnrReason": r.dnr_reason,
                })),
                winner: out.winner.into(),
                moved_interactions: out.moved.interactions as i64,
                moved_transactions: out.moved.transactions as i64,
                moved_relations: out.moved.relations as i64,
                added_tags: out.moved.tags as i64,
            })
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| MergePersonsPayload {
                merge: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Applies one action to many persons (e.g. every stale one); returns how many changed.
    async fn bulk_update_persons(
        &self,
        ctx: &Context<'_>,
        input: BulkUpdatePersonsInput,
    ) -> async_graphql::Result<BulkUpdatePersonsPayload> {
        let BulkUpdatePersonsInput { target, action } = input;
        let r = async {
            let need = if action.kind == BulkActionKind::HandOverForErasure {
                Role::Admin
            } else {
                Role::Member
            };
            let target = match (target.ids, target.stale_months) {
                (Some(ids), None) => quality::Target::Ids(
                    ids.iter()
                        .map(|i| parse_uuid(i, "target.ids"))
                        .collect::<async_graphql::Result<Vec<_>>>()?,
                ),
                (None, Some(m)) => quality::Target::Stale {
                    months: u32::try_from(m).unwrap_or(0),
                },
                _ => {
                    return Err(api(ApiError::field(
                        "target",
                        "give exactly one of ids and staleMonths",
                    )));
                }
            };
            let domain_action =
                match action.kind {
                    BulkActionKind::Archive => quality::Action::Archive,
                    BulkActionKind::Tag => quality::Action::Tag(action.tag.ok_or_else(|| {
                        api(ApiError::field("action.tag", "is required for TAG"))
                    })?),
                    BulkActionKind::FlagDoNotReactivate => quality::Action::FlagDoNotReactivate {
                        reason: action.reason.ok_or_else(|| {
                            api(ApiError::field(
                                "action.reason",
                                "is required for FLAG_DO_NOT_REACTIVATE",
                            ))
                        })?,
                    },
                    BulkActionKind::HandOverForErasure => quality::Action::HandOverForErasure,
                };
            let (t, tx) = tenant_tx(ctx, need).await?;
            let actor = t.actor.audit_label();
            let detail =
                json!({ "action": format!("{domain_action:?}"), "target": format!("{target:?}") });
            let n = quality::bulk(tx, &actor, target, domain_action)
                .await
                .map_err(api)?;
            audit::record(
                tx,
                &actor,
                "persons.bulk_updated",
                None,
                json!({ "changed": n, "request": detail }),
            )
            .await
            .map_err(api)?;
            Ok(n as i64)
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| BulkUpdatePersonsPayload {
                changed: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Queues an import of an uploaded file (`POST /files/uploads`); poll `import(id)`.
    async fn start_import(
        &self,
        ctx: &Context<'_>,
        input: StartImportInput,
    ) -> async_graphql::Result<StartImportPayload> {
        let r = async {
            let upload_id = parse_uuid(&input.upload_id, "uploadId")?;
            let consent = match input.consent {
                Some(c) => {
                    let c = kartei_compliance::imports::ImportConsent {
                        channel: c.channel,
                        purpose: c.purpose,
                        text_hash: c.text_hash,
                        collected_at: c.collected_at,
                        note: c.note,
                    };
                    let (_, tx) = tenant_tx(ctx, Role::Member).await?;
                    kartei_compliance::imports::check_consent(tx, &c)
                        .await
                        .map_err(api)?;
                    Some(
                        serde_json::to_value(&c)
                            .map_err(|e| api(ApiError::field("consent", &e.to_string())))?,
                    )
                }
                None => None,
            };
            let t = tenant(ctx, Role::Member)?;
            let i = import::start(
                &services(ctx)?.db,
                t.tenant_id,
                &t.actor.audit_label(),
                import::StartImport {
                    upload_id,
                    mapping: input.mapping,
                    match_keys: input.match_keys,
                    dry_run: input.dry_run,
                    strict: input.strict,
                    new_fields: input.new_fields.into_iter().map(Into::into).collect(),
                    consent,
                },
            )
            .await
            .map_err(api)?;
            Ok(i.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| StartImportPayload {
                import: Some(v),
                ..Default::default()
            })
        })
        .await
    }

    /// Stops an import after its current batch; committed rows stay.
    async fn cancel_import(
        &self,
        ctx: &Context<'_>,
        input: CancelImportInput,
    ) -> async_graphql::Result<CancelImportPayload> {
        let CancelImportInput { id } = input;
        let r = async {
            let id = parse_uuid(&id, "id")?;
            let (t, tx) = tenant_tx(ctx, Role::Member).await?;
            let i = import::cancel(tx, id).await.map_err(api)?;
            record(
                tx,
                &t.actor.audit_label(),
                "import.cancelled",
                id,
                json!({}),
            )
            .await?;
            Ok(i.into())
        };
        crate::payload::settle(ctx, async {
            r.await.map(|v| CancelImportPayload {
                import: Some(v),
                ..Default::default()
            })
        })
        .await
    }
}

impl ContactsMutation {
    async fn set_person_archived(
        &self,
        ctx: &Context<'_>,
        id: &ID,
        version: i32,
        archived: bool,
    ) -> async_graphql::Result<Person> {
        let id = parse_uuid(id, "id")?;
        let (t, tx) = tenant_tx(ctx, Role::Member).await?;
        let p = persons::set_archived(tx, id, version, archived)
            .await
            .map_err(api)?;
        let action = if archived {
            "person.archived"
        } else {
            "person.restored"
        };
        record(tx, &t.actor.audit_label(), action, id, json!({})).await?;
        Ok(p.into())
    }
}

/// Both ends of a link as they are now (after a link or unlink).
async fn ends(
    tx: &TenantTx,
    person_id: Uuid,
    organization_id: Uuid,
) -> async_graphql::Result<(Person, Organization)> {
    let person = persons::get(tx, person_id).await.map_err(api)?;
    let organization = organizations::get(tx, organization_id).await.map_err(api)?;
    Ok((person.into(), organization.into()))
}

/// Every domain's merge rules besides the contacts domain's own: what a person merge does with
/// each table that names a person (a test checks every such column has a rule).
pub fn merge_hooks() -> [&'static dyn merge::MergeHook; 3] {
    [
        &kartei_compliance::merge::ComplianceMergeHook,
        &kartei_segments::merge::SegmentsMergeHook,
        &kartei_campaigns::merge::CampaignsMergeHook,
    ]
}
