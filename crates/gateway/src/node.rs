//! Global object identification, as the Relay server specification has it: every entity's
//! `id` is opaque and unique across types and tenants, and `node(id:)` finds the objects of
//! the types that implement [`Node`] again.
//!
//! An id is the base64url (no padding) of `Kind:key`. The key is the record's UUID where it
//! has one (unique on its own), and `tenant:key` for records whose key is unique only within
//! a tenant (a segment membership event's number). Clients treat ids as
//! opaque; the server decodes and checks them, so an id of another type or another tenant
//! finds nothing, exactly like an id that never existed.
//!
//! Arguments that name a record by its UUID also take the bare UUID (the form in CSV exports,
//! webhooks and the audit log), so ids copied from there keep working; `node(id:)` takes only
//! global ids, because a bare UUID does not say its type.

use std::fmt::Display;

use async_graphql::{Context, ID, Interface, Object};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kartei_core::code::Code;
use uuid::Uuid;

macro_rules! kinds {
    ($($kind:ident),* $(,)?) => {
        /// The type of an entity, as encoded in its global id (the GraphQL type's name).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind {
            $($kind),*
        }

        impl Kind {
            pub fn name(self) -> &'static str {
                match self {
                    $(Kind::$kind => stringify!($kind)),*
                }
            }

            fn parse(s: &str) -> Option<Kind> {
                match s {
                    $(stringify!($kind) => Some(Kind::$kind),)*
                    _ => None,
                }
            }
        }
    };
}

kinds! {
    AbcResult,
    AbcRun,
    Agency,
    ApiKey,
    AuditEntry,
    BantScore,
    Campaign,
    CampaignMessage,
    CampaignStep,
    CampaignTask,
    ConsentEvent,
    ConsentPurpose,
    ConsentState,
    ConsentText,
    CustomField,
    DataSubjectRequest,
    DuplicatePair,
    ErasureRecord,
    ExistingCustomerRecord,
    Import,
    Interaction,
    LegalHold,
    LifecycleEvent,
    Member,
    MembershipEvent,
    MergeEvent,
    Organization,
    Person,
    Picklist,
    PicklistValue,
    ProcessingActivity,
    Relation,
    RetentionPolicy,
    Segment,
    SegmentSnapshot,
    Setting,
    Snippet,
    TargetGroup,
    Template,
    Tenant,
    Transaction,
    Upload,
    User,
}

/// The key inside a global id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// A UUID: unique on its own.
    Uuid(Uuid),
    /// A key unique within one tenant.
    Local { tenant: Uuid, key: String },
}

fn encode(text: &str) -> ID {
    ID(URL_SAFE_NO_PAD.encode(text))
}

/// The global id of a record keyed by a UUID.
pub fn id(kind: Kind, key: Uuid) -> ID {
    encode(&format!("{}:{key}", kind.name()))
}

/// The global id of a record whose key is unique within `tenant` only.
pub fn local_id(kind: Kind, tenant: Uuid, key: impl Display) -> ID {
    encode(&format!("{}:{tenant}:{key}", kind.name()))
}

/// The global id of a record of the request's tenant whose key is unique within it.
pub fn tenant_local(
    ctx: &async_graphql::Context<'_>,
    kind: Kind,
    key: impl Display,
) -> async_graphql::Result<ID> {
    let t = crate::context::tenant(ctx, kartei_core::ctx::Role::Viewer)?;
    Ok(local_id(kind, t.tenant_id.0, key))
}

/// An id argument handed on as text (the domain validates it): the bare UUID a global id
/// names, or the text as it came.
/// `id: ID!` for a type whose key is unique only within its tenant:
/// `tenant_keyed!(Setting, Setting, |s| s.key.clone());` (the type needs
/// `#[graphql(complex)]` and no other `#[ComplexObject]` block).
#[macro_export]
macro_rules! tenant_keyed {
    ($ty:ty, $kind:ident, |$s:ident| $key:expr) => {
        #[async_graphql::ComplexObject]
        impl $ty {
            /// Opaque and unique across types and tenants.
            pub async fn id(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<async_graphql::ID> {
                let $s = self;
                $crate::node::tenant_local(ctx, $crate::node::Kind::$kind, $key)
            }
        }
    };
}

pub fn bare(id: ID) -> String {
    match uuid_of(&id) {
        Some(u) => u.to_string(),
        None => id.0,
    }
}

/// A segment rule with every global id among its condition values replaced by the bare UUID
/// it names: rules are stored and compiled over UUIDs, and clients write the ids they read.
pub fn bare_ids(mut rule: serde_json::Value) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value) {
        use serde_json::Value as J;
        let bare = |s: &mut J| {
            if let J::String(text) = s
                && Uuid::try_parse(text).is_err()
                && let Some((_, Key::Uuid(u))) = decode(text)
            {
                *text = u.to_string();
            }
        };
        match v {
            J::Object(map) => {
                for (k, child) in map.iter_mut() {
                    match (k.as_str(), child) {
                        ("value", J::Array(items)) => items.iter_mut().for_each(bare),
                        ("value", s @ J::String(_)) => bare(s),
                        (_, other) => walk(other),
                    }
                }
            }
            J::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut rule);
    rule
}

/// The longest global id accepted; anything longer is malformed without being decoded.
const MAX_LEN: usize = 512;

/// A global id's type and key, or `None` when it is not one.
pub fn decode(id: &str) -> Option<(Kind, Key)> {
    if id.len() > MAX_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, rest) = text.split_once(':')?;
    let kind = Kind::parse(kind)?;
    if let Ok(u) = Uuid::try_parse(rest) {
        return Some((kind, Key::Uuid(u)));
    }
    let (tenant, key) = rest.split_once(':')?;
    let tenant = Uuid::try_parse(tenant).ok()?;
    Some((
        kind,
        Key::Local {
            tenant,
            key: key.to_owned(),
        },
    ))
}

/// The UUID a by-id argument names: a UUID-keyed global id of any type, or the bare UUID.
pub fn uuid_of(id: &str) -> Option<Uuid> {
    if let Ok(u) = Uuid::try_parse(id) {
        return Some(u);
    }
    match decode(id)? {
        (_, Key::Uuid(u)) => Some(u),
        (_, Key::Local { .. }) => None,
    }
}

/// An object with a global id, which `node(id:)` finds again (Relay's object identification).
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque and unique across types and tenants; `node(id:)` finds the object again."
))]
// Returned once per `node` call and resolved at once; boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Node {
    Person(crate::contacts::types::Person),
    Organization(crate::contacts::types::Organization),
    Relation(crate::contacts::types::Relation),
    Interaction(crate::contacts::types::Interaction),
    Transaction(crate::contacts::types::Transaction),
    Import(crate::contacts::types::Import),
    Segment(crate::segments::types::Segment),
    TargetGroup(crate::segments::types::TargetGroup),
    Campaign(crate::campaigns::Campaign),
    Template(crate::campaigns::Template),
    SegmentSnapshot(crate::segments::types::SegmentSnapshot),
    MembershipEvent(crate::segments::types::MembershipEvent),
    AbcResult(crate::segments::types::AbcResult),
    DuplicatePair(crate::contacts::types::DuplicatePair),
    Tenant(crate::tenants::types::Tenant),
    Member(crate::tenants::types::Member),
    ApiKey(crate::tenants::types::ApiKey),
    Setting(crate::settings::Setting),
    AuditEntry(crate::settings::AuditEntry),
}

/// The most ids one `nodes` call takes.
pub const MAX_NODES: usize = 100;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, in the request's tenant. An id of another tenant, a
    /// malformed id and an id of a type `node` does not serve all get the same NOT_FOUND.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        find(ctx, &id).await.map(Some)
    }

    /// The objects with these global ids, in order; `null` where one is not found (at most
    /// 100 ids).
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(crate::error::api(crate::error::ApiError::field(
                "ids",
                &format!("at most {MAX_NODES} ids"),
            )));
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            match find(ctx, id).await {
                Ok(n) => out.push(Some(n)),
                Err(e) if is_not_found(&e) => out.push(None),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

fn is_not_found(e: &async_graphql::Error) -> bool {
    e.extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .is_some_and(|c| *c == async_graphql::Value::from(Code::NotFound.as_str()))
}

async fn find(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<Node> {
    let not_found = || {
        crate::error::api(crate::error::ApiError::new(
            Code::NotFound,
            "no object with this id",
        ))
    };
    // A tenant is found by who may see it, with or without a tenant header.
    if let Some((Kind::Tenant, Key::Uuid(key))) = decode(id) {
        let p = crate::context::principal(ctx)?;
        let services = crate::context::services(ctx)?;
        return match services
            .auth
            .visible_tenant(p, kartei_core::id::TenantId(key))
            .await
        {
            Ok(t) => Ok(Node::Tenant(t.into())),
            Err(e) if e.code() == Code::NotFound || e.code() == Code::Forbidden => Err(not_found()),
            Err(e) => Err(crate::error::api(e)),
        };
    }
    // Tenant and role first, so a caller without access learns nothing about the id.
    let tenant = crate::context::tenant(ctx, kartei_core::ctx::Role::Viewer)?
        .tenant_id
        .0;
    let found = match decode(id) {
        Some((kind, Key::Local { tenant: of, key })) if of == tenant && kind != Kind::Relation => {
            find_local(ctx, kind, &key)
                .await
                .and_then(|n| n.ok_or_else(not_found))
        }
        Some((Kind::Relation, Key::Local { tenant: of, key })) if of == tenant => {
            let Some((p, o)) = key
                .split_once('/')
                .and_then(|(p, o)| Some((Uuid::try_parse(p).ok()?, Uuid::try_parse(o).ok()?)))
            else {
                return Err(not_found());
            };
            crate::contacts::load_relation(ctx, p, o)
                .await
                .and_then(|r| r.map(Node::Relation).ok_or_else(not_found))
        }
        Some((kind, Key::Uuid(key))) => find_uuid(ctx, kind, key).await,
        _ => return Err(not_found()),
    };
    found.map_err(|e| if is_not_found(&e) { not_found() } else { e })
}

/// An object keyed within the tenant (`None`: there is no such object).
async fn find_local(
    ctx: &Context<'_>,
    kind: Kind,
    key: &str,
) -> async_graphql::Result<Option<Node>> {
    use crate::context::{services, tenant, tenant_tx};
    use crate::error::api;
    use kartei_core::ctx::Role;
    let seq = || key.parse::<i64>().ok();
    let pair = || {
        let (a, b) = key.split_once('/')?;
        Some((Uuid::try_parse(a).ok()?, Uuid::try_parse(b).ok()?))
    };
    Ok(match kind {
        Kind::Setting => {
            let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
            let s = kartei_tenancy::settings::get(tx, key).await.map_err(api)?;
            s.map(|s| Node::Setting(s.into()))
        }
        Kind::AuditEntry => {
            let Some(seq) = seq() else { return Ok(None) };
            let (_, tx) = tenant_tx(ctx, Role::Admin).await?;
            let e = kartei_tenancy::audit::get(tx, seq).await.map_err(api)?;
            e.map(|e| Node::AuditEntry(e.into()))
        }
        Kind::MembershipEvent => {
            let Some(seq) = seq() else { return Ok(None) };
            let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
            let e = kartei_segments::segments::history_event(tx, seq)
                .await
                .map_err(api)?;
            e.map(|e| Node::MembershipEvent(e.into()))
        }
        Kind::DuplicatePair => {
            let Some((a, b)) = pair() else {
                return Ok(None);
            };
            let (_, tx) = tenant_tx(ctx, Role::Viewer).await?;
            let p = kartei_contacts::duplicates::pair(tx, a, b)
                .await
                .map_err(api)?;
            p.map(|p| Node::DuplicatePair(p.into()))
        }
        Kind::Member => {
            let Ok(user) = Uuid::try_parse(key) else {
                return Ok(None);
            };
            let t = tenant(ctx, Role::Viewer)?;
            let m = services(ctx)?.auth.member(t, user).await.map_err(api)?;
            m.map(|m| Node::Member(m.into()))
        }
        _ => None,
    })
}

/// An object keyed by its UUID, read in the request's transaction (NOT_FOUND for a kind
/// `node` does not serve).
async fn find_uuid(ctx: &Context<'_>, kind: Kind, key: Uuid) -> async_graphql::Result<Node> {
    use crate::context::tenant_tx;
    use crate::error::api;
    use kartei_core::ctx::Role;
    let tx = || async { Ok::<_, async_graphql::Error>(tenant_tx(ctx, Role::Viewer).await?.1) };
    Ok(match kind {
        Kind::Person => Node::Person(crate::contacts::load_person(ctx, key).await?),
        Kind::Organization => {
            Node::Organization(crate::contacts::load_organization(ctx, key).await?)
        }
        Kind::Interaction => Node::Interaction(
            kartei_contacts::interactions::get(tx().await?, key)
                .await
                .map_err(api)?
                .into(),
        ),
        Kind::Transaction => Node::Transaction(
            kartei_contacts::transactions::get(tx().await?, key)
                .await
                .map_err(api)?
                .into(),
        ),
        Kind::Import => Node::Import(
            kartei_contacts::import::get(tx().await?, key)
                .await
                .map_err(api)?
                .into(),
        ),
        Kind::Segment => Node::Segment(
            kartei_segments::segments::get(tx().await?, key)
                .await
                .map_err(api)?
                .into(),
        ),
        Kind::TargetGroup => Node::TargetGroup(
            kartei_segments::target_groups::get(tx().await?, key)
                .await
                .map_err(api)?
                .into(),
        ),
        Kind::Campaign => Node::Campaign(crate::campaigns::Campaign(
            kartei_campaigns::campaigns::get(tx().await?, key)
                .await
                .map_err(api)?,
        )),
        Kind::SegmentSnapshot => Node::SegmentSnapshot(
            kartei_segments::segments::get_snapshot(tx().await?, key)
                .await
                .map_err(api)?
                .into(),
        ),
        Kind::AbcResult => match kartei_segments::abc::result_of(tx().await?, key)
            .await
            .map_err(api)?
        {
            Some(r) => Node::AbcResult(r.into()),
            None => return Err(not_found_error()),
        },
        Kind::ApiKey => {
            let t = crate::context::tenant(ctx, Role::Viewer)?;
            match crate::context::services(ctx)?
                .auth
                .api_key(t, key)
                .await
                .map_err(api)?
            {
                Some(k) => Node::ApiKey(k.into()),
                None => return Err(not_found_error()),
            }
        }
        Kind::Template => Node::Template(
            kartei_campaigns::templates::get_template(tx().await?, key)
                .await
                .map_err(api)?
                .into(),
        ),
        _ => return Err(not_found_error()),
    })
}

fn not_found_error() -> async_graphql::Error {
    crate::error::api(crate::error::ApiError::new(
        Code::NotFound,
        "no object with this id",
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_strangers_do_not_decode() {
        let u = Uuid::now_v7();
        let t = Uuid::now_v7();
        let p = id(Kind::Person, u);
        assert_eq!(decode(&p), Some((Kind::Person, Key::Uuid(u))));
        assert_eq!(uuid_of(&p), Some(u));
        assert_eq!(uuid_of(&u.to_string()), Some(u));
        assert_ne!(p, id(Kind::Organization, u), "the type is part of the id");
        let s = local_id(Kind::MembershipEvent, t, "campaign.quiet:hours");
        assert_eq!(
            decode(&s),
            Some((
                Kind::MembershipEvent,
                Key::Local {
                    tenant: t,
                    key: "campaign.quiet:hours".into()
                }
            ))
        );
        assert_eq!(uuid_of(&s), None);
        for bad in ["", "x", "UGVyc29u", &u.to_string(), &"A".repeat(600)] {
            assert_eq!(decode(bad), None, "{bad}");
        }
        // A well-formed encoding of an unknown type.
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode(format!("Secret:{u}"))), None);
    }
}
