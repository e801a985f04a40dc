//! Batched loading of per-row fields. Every field that is resolved once per parent row (a
//! person's organizations, quality, timeline, consents; a relation's person and organization;
//! an organization's people; …) asks the request's [`DataLoader`] instead of the database, and
//! the loader runs one set-based statement for all rows of that level, in the request's one
//! transaction. So the statements of a nested page grow with the depth of the query, never
//! with its rows.
//!
//! The loader's batch tasks run inside the request's own task ([`run`]), not on the runtime:
//! a batch task is first polled only after the operation's resolvers have made all the
//! progress they can (the operation returned `Pending` without waking itself), so every
//! sibling row has registered its key before the batch is taken. That makes batching complete
//! on any machine, however loaded, without waiting for stragglers, and nothing of the request
//! outlives it (the transaction can be ended right after).

use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::hash::Hash;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use kartei_compliance::ledger;
use kartei_contacts::{duplicates, organizations, persons, relations, timeline};
use kartei_core::paging::{Direction, Page, PageRequest};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::context::RequestTx;
use crate::error::ApiError;

/// Loads for one request, in its transaction.
pub struct TenantLoader {
    tx: Arc<RequestTx>,
}

pub type Loaders = DataLoader<TenantLoader>;

/// Batch tasks the request's loader started; [`run`] drives them.
pub struct Tasks(mpsc::UnboundedReceiver<BoxFuture<'static, ()>>);

/// The request's loader and the queue of its batch tasks.
pub fn for_request(tx: Arc<RequestTx>) -> (Loaders, Tasks) {
    let (send, recv) = mpsc::unbounded_channel();
    let loader = DataLoader::new(TenantLoader { tx }, move |task| send.send(task).is_ok())
        // The batch is complete once the task is first polled (see the module docs), so no
        // waiting for stragglers is needed. (async-graphql's delay is then async-io's timer,
        // which a zero delay passes at once; tokio's would round it up to the next tick.)
        .delay(Duration::ZERO);
    (loader, Tasks(recv))
}

/// Runs `operation` together with the batch tasks its loader starts, all in this task.
///
/// A batch task is polled only once the operation has settled: polled until it returns
/// `Pending` without waking itself. (Lists of more than 32 rows are polled in slices that
/// yield in between; each slice wakes the operation again, so every row of the level gets to
/// register its key before the batch is taken.)
pub async fn run<F: Future>(operation: F, tasks: Tasks) -> F::Output {
    /// Self-wakes in a row before yielding to the runtime (which renews the cooperative
    /// budget); the batches still wait until the operation has settled.
    const MAX_SPINS: u32 = 1024;
    let mut operation = pin!(operation);
    let Tasks(mut queue) = tasks;
    let mut running = FuturesUnordered::new();
    poll_fn(|cx| {
        loop {
            let mut spins = 0;
            loop {
                let flag = Arc::new(Flagged {
                    woken: AtomicBool::new(false),
                    inner: cx.waker().clone(),
                });
                let waker = Waker::from(flag.clone());
                if let Poll::Ready(out) = operation.as_mut().poll(&mut Context::from_waker(&waker))
                {
                    return Poll::Ready(out);
                }
                if !flag.woken.load(Ordering::SeqCst) {
                    break;
                }
                spins += 1;
                if spins >= MAX_SPINS {
                    // The operation keeps waking itself: let the runtime poll us again soon
                    // (it was woken), and run no batch before it settles.
                    return Poll::Pending;
                }
            }
            while let Poll::Ready(Some(task)) = queue.poll_recv(cx) {
                running.push(task);
            }
            // A finished batch has handed its rows to waiting resolvers: poll them again.
            let mut finished = false;
            while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {
                finished = true;
            }
            if !finished {
                return Poll::Pending;
            }
        }
    })
    .await
}

/// A waker that remembers being woken (and passes the wake on).
struct Flagged {
    woken: AtomicBool,
    inner: Waker,
}

impl Wake for Flagged {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.inner.wake_by_ref();
    }
}

/// The request's loader (present whenever the request has a tenant).
pub fn loaders<'a>(ctx: &'a async_graphql::Context<'_>) -> async_graphql::Result<&'a Loaders> {
    ctx.data::<Loaders>()
}

/// Loads `key` through the request's loader; `None` when nothing exists for it.
pub async fn one<K>(
    ctx: &async_graphql::Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<TenantLoader as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    TenantLoader: Loader<K, Error = ApiError>,
{
    loaders(ctx)?.load_one(key).await.map_err(|e| e.to_gql())
}

fn by_key<K: Hash + Eq, V, T>(
    rows: Vec<T>,
    key: impl Fn(&T) -> K,
    value: impl Fn(T) -> V,
) -> HashMap<K, V> {
    rows.into_iter().map(|r| (key(&r), value(r))).collect()
}

fn grouped<K: Hash + Eq + Clone, T>(
    keys: &[K],
    rows: Vec<T>,
    key: impl Fn(&T) -> K,
) -> HashMap<K, Arc<Vec<T>>> {
    let mut out: HashMap<K, Vec<T>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for r in rows {
        if let Some(v) = out.get_mut(&key(&r)) {
            v.push(r);
        }
    }
    out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect()
}

macro_rules! uuid_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub Uuid);
    };
}

uuid_key!(
    /// A person by id (merged tombstones included).
    PersonKey
);
uuid_key!(
    /// An organization by id.
    OrganizationKey
);
uuid_key!(
    /// The organizations a person works for.
    RelationsOfPerson
);
uuid_key!(
    /// The people of an organization.
    PeopleOf
);
uuid_key!(
    /// A user, if the request's tenant may see them (a member, or an admin of its agency).
    UserKey
);
uuid_key!(
    /// Whether a person sits in an undismissed duplicate pair.
    DuplicateSuspected
);
uuid_key!(
    /// A person's live duplicate candidates.
    DuplicatesOf
);
uuid_key!(
    /// A person's current consent state: the latest event per channel and purpose.
    ConsentsOf
);

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|k| id(*k)).collect()
}

impl Loader<PersonKey> for TenantLoader {
    type Value = Arc<persons::Person>;
    type Error = ApiError;

    async fn load(&self, keys: &[PersonKey]) -> Result<HashMap<PersonKey, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let rows = persons::find_many(tx, &ids(keys, |k| k.0)).await?;
        Ok(by_key(rows, |p| PersonKey(p.id), Arc::new))
    }
}

impl Loader<OrganizationKey> for TenantLoader {
    type Value = Arc<organizations::Organization>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[OrganizationKey],
    ) -> Result<HashMap<OrganizationKey, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let rows = organizations::find_many(tx, &ids(keys, |k| k.0)).await?;
        Ok(by_key(rows, |o| OrganizationKey(o.id), Arc::new))
    }
}

impl Loader<UserKey> for TenantLoader {
    type Value = Arc<kartei_auth::identity::User>;
    type Error = ApiError;

    async fn load(&self, keys: &[UserKey]) -> Result<HashMap<UserKey, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let rows =
            kartei_auth::Auth::users_visible_in(&**tx, tx.tenant(), &ids(keys, |k| k.0)).await?;
        Ok(by_key(rows, |u| UserKey(u.id.0), Arc::new))
    }
}

impl Loader<RelationsOfPerson> for TenantLoader {
    type Value = Arc<Vec<relations::Relation>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RelationsOfPerson],
    ) -> Result<HashMap<RelationsOfPerson, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let rows = relations::of_persons(tx, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |r| RelationsOfPerson(r.person_id)))
    }
}

impl Loader<PeopleOf> for TenantLoader {
    type Value = Arc<Vec<relations::Relation>>;
    type Error = ApiError;

    async fn load(&self, keys: &[PeopleOf]) -> Result<HashMap<PeopleOf, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let rows = relations::of_organizations(tx, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |r| PeopleOf(r.organization_id)))
    }
}

impl Loader<DuplicateSuspected> for TenantLoader {
    type Value = bool;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[DuplicateSuspected],
    ) -> Result<HashMap<DuplicateSuspected, bool>, ApiError> {
        let tx = self.tx.get().await?;
        let suspected =
            kartei_contacts::quality::duplicate_suspected(tx, &ids(keys, |k| k.0)).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, suspected.contains(&k.0)))
            .collect())
    }
}

impl Loader<DuplicatesOf> for TenantLoader {
    type Value = Arc<Vec<duplicates::Candidate>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[DuplicatesOf],
    ) -> Result<HashMap<DuplicatesOf, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let mut found = duplicates::candidates_for_many(tx, &ids(keys, |k| k.0)).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, Arc::new(found.remove(&k.0).unwrap_or_default())))
            .collect())
    }
}

impl Loader<ConsentsOf> for TenantLoader {
    type Value = Arc<Vec<ledger::Event>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[ConsentsOf],
    ) -> Result<HashMap<ConsentsOf, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let rows = ledger::current_of(tx, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |e| {
            ConsentsOf(e.person_id.unwrap_or_default())
        }))
    }
}

uuid_key!(
    /// A campaign template by id.
    TemplateKey
);
uuid_key!(
    /// An uploaded file by id.
    UploadKey
);

uuid_key!(
    /// A campaign's steps.
    StepsOf
);

impl Loader<StepsOf> for TenantLoader {
    type Value = Arc<Vec<kartei_campaigns::campaigns::Step>>;
    type Error = ApiError;

    async fn load(&self, keys: &[StepsOf]) -> Result<HashMap<StepsOf, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let rows = kartei_campaigns::campaigns::steps_of(tx, &ids(keys, |k| k.0)).await?;
        Ok(grouped(keys, rows, |s| StepsOf(s.campaign_id)))
    }
}

impl Loader<TemplateKey> for TenantLoader {
    type Value = Arc<kartei_campaigns::templates::Template>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[TemplateKey],
    ) -> Result<HashMap<TemplateKey, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let rows = kartei_campaigns::templates::find_templates(tx, &ids(keys, |k| k.0)).await?;
        Ok(by_key(rows, |t| TemplateKey(t.id), Arc::new))
    }
}

impl Loader<UploadKey> for TenantLoader {
    type Value = Arc<kartei_contacts::import::Upload>;
    type Error = ApiError;

    async fn load(&self, keys: &[UploadKey]) -> Result<HashMap<UploadKey, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let rows = kartei_contacts::import::find_uploads(tx, &ids(keys, |k| k.0)).await?;
        Ok(by_key(rows, |u| UploadKey(u.id), Arc::new))
    }
}

/// The number of events on a subject's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimelineCount(pub timeline::Subject);

impl Loader<TimelineCount> for TenantLoader {
    type Value = i64;
    type Error = ApiError;

    async fn load(&self, keys: &[TimelineCount]) -> Result<HashMap<TimelineCount, i64>, ApiError> {
        let tx = self.tx.get().await?;
        let subjects: Vec<timeline::Subject> = keys.iter().map(|k| k.0).collect();
        let counts = timeline::counts(tx, &subjects).await?;
        Ok(keys
            .iter()
            .map(|k| (*k, counts.get(&k.0).copied().unwrap_or(0)))
            .collect())
    }
}

/// One page of a subject's timeline; the same arguments for many subjects load together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimelinePage {
    pub subject: timeline::Subject,
    pub args: PageArgs,
}

/// A [`PageRequest`] as a loader key (hashable).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageArgs {
    forward: bool,
    limit: u64,
    after: Option<timeline::TimelineKey>,
    before: Option<timeline::TimelineKey>,
}

impl From<PageRequest<timeline::TimelineKey>> for PageArgs {
    fn from(r: PageRequest<timeline::TimelineKey>) -> Self {
        PageArgs {
            forward: r.direction == Direction::Forward,
            limit: r.limit,
            after: r.after,
            before: r.before,
        }
    }
}

impl PageArgs {
    fn request(&self) -> PageRequest<timeline::TimelineKey> {
        PageRequest {
            direction: if self.forward {
                Direction::Forward
            } else {
                Direction::Backward
            },
            limit: self.limit,
            after: self.after.clone(),
            before: self.before.clone(),
        }
    }
}

pub type TimelineEvents = Page<(chrono::DateTime<chrono::Utc>, timeline::Event)>;

impl Loader<TimelinePage> for TenantLoader {
    type Value = Arc<TimelineEvents>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[TimelinePage],
    ) -> Result<HashMap<TimelinePage, Self::Value>, ApiError> {
        let tx = self.tx.get().await?;
        let mut by_args: HashMap<&PageArgs, Vec<timeline::Subject>> = HashMap::new();
        for k in keys {
            by_args.entry(&k.args).or_default().push(k.subject);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (args, subjects) in by_args {
            let pages = timeline::pages(tx, &subjects, &args.request()).await?;
            for (subject, page) in pages {
                out.insert(
                    TimelinePage {
                        subject,
                        args: args.clone(),
                    },
                    Arc::new(page),
                );
            }
        }
        Ok(out)
    }
}
