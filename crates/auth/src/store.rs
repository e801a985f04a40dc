//! Where sessions and rate-limit state live: Redis, or an in-process store when no `REDIS_URL`
//! is configured (single node only). Both give the same atomic semantics; in Redis each
//! operation is one Lua script, so concurrent API nodes cannot interleave inside it.
//!
//! Every Redis call is bounded by a timeout: with Redis down, callers get
//! [`Error::Unavailable`] quickly instead of hanging.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};

use crate::error::{Error, Result};
use crate::ratelimit::{Decision, Limit};

#[derive(Clone)]
pub enum Store {
    Redis(RedisStore),
    Memory(Arc<MemoryStore>),
}

#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
    timeout: Duration,
}

/// What one session check answers: whose session it is, the request's rate decision, and the
/// access epoch, a token that changes whenever any access changes (see
/// [`Store::access_changed`]).
#[derive(Debug, Clone)]
pub struct SessionRate {
    pub owner: Option<String>,
    pub decision: Decision,
    pub access_epoch: String,
}

/// Outcome of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current; it is replaced by the new one. Carries the session's user id.
    Rotated(String),
    /// The token was valid once but is no longer current: the whole family is now revoked.
    Reused,
    /// No such session (expired, logged out, revoked, or made up).
    Unknown,
}

// Each script is hashed once; calls then go by EVALSHA (loading it on a NOSCRIPT reply).
static GCRA: LazyLock<Script> = LazyLock::new(|| Script::new(GCRA_LUA));
static SESSION_RATE: LazyLock<Script> = LazyLock::new(|| Script::new(SESSION_RATE_LUA));
static ROTATE: LazyLock<Script> = LazyLock::new(|| Script::new(ROTATE_LUA));
static REVOKE_ALL: LazyLock<Script> = LazyLock::new(|| Script::new(REVOKE_ALL_LUA));

/// The generic cell rate algorithm over one key (milliseconds of Redis' clock): returns
/// `{allowed, remaining, retry_after_ms, reset_after_ms}`.
macro_rules! gcra_lua {
    () => {
        r#"
local function gcra(key, interval, burst)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - burst * interval
  if allow_at > now then
    return {0, 0, allow_at - now, tat - now}
  end
  redis.call('SET', key, new_tat, 'PX', math.max(1, new_tat - now))
  return {1, math.floor((now - allow_at) / interval), 0, new_tat - now}
end
"#
    };
}

const GCRA_LUA: &str = concat!(
    gcra_lua!(),
    "return gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))"
);

/// A user's session check and that request's rate limit in one round trip: the limit counts
/// under the user's key when the session is live and belongs to the token's user, else under
/// the anonymous key. Returns the session's user id ('' when none), the GCRA answer and the
/// access epoch (KEYS[4], '' when unset; see [`Store::access_changed`]).
const SESSION_RATE_LUA: &str = concat!(
    gcra_lua!(),
    r#"
local uid = redis.call('HGET', KEYS[1], 'uid')
local r
if uid == ARGV[1] then
  r = gcra(KEYS[2], tonumber(ARGV[2]), tonumber(ARGV[3]))
else
  r = gcra(KEYS[3], tonumber(ARGV[4]), tonumber(ARGV[5]))
end
return {uid or '', r[1], r[2], r[3], r[4], redis.call('GET', KEYS[4]) or ''}
"#
);

/// Rotation with reuse detection: the family is revoked only when the presented hash is one
/// this session actually issued before (`used`: the last [`USED_KEPT`] of them, space-separated),
/// never for a made-up token that merely names the session.
const ROTATE_LUA: &str = r#"
local cur = redis.call('HGET', KEYS[1], 'rt')
if not cur then return {0, ''} end
local uid = redis.call('HGET', KEYS[1], 'uid')
local used = redis.call('HGET', KEYS[1], 'used') or ''
if cur ~= ARGV[1] then
  if string.find(' ' .. used .. ' ', ' ' .. ARGV[1] .. ' ', 1, true) then
    redis.call('DEL', KEYS[1])
    redis.call('SREM', KEYS[2] .. uid, ARGV[3])
    return {-1, uid}
  end
  return {0, ''}
end
local deadline = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if deadline > 0 and now >= deadline then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2] .. uid, ARGV[3])
  return {0, ''}
end
local kept = {cur}
for h in string.gmatch(used, '%S+') do
  if #kept >= tonumber(ARGV[5]) then break end
  table.insert(kept, h)
end
redis.call('HSET', KEYS[1], 'rt', ARGV[2], 'used', table.concat(kept, ' '))
local ttl = tonumber(ARGV[4])
if deadline > 0 and deadline - now < ttl then ttl = deadline - now end
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, uid}
"#;

/// Refresh-token hashes a session remembers for reuse detection.
const USED_KEPT: usize = 32;

const REVOKE_ALL_LUA: &str = r#"
local sids = redis.call('SMEMBERS', KEYS[1])
local n = 0
for _, sid in ipairs(sids) do
  if sid ~= ARGV[2] then
    n = n + redis.call('DEL', ARGV[1] .. sid)
    redis.call('SREM', KEYS[1], sid)
  end
end
return n
"#;

impl Store {
    pub async fn redis(url: &str, prefix: &str, timeout: Duration) -> Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| Error::Internal(format!("invalid REDIS_URL: {e}")))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = tokio::time::timeout(
            timeout * 3,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| Error::Unavailable("redis connect timed out".into()))?
        .map_err(|e| Error::Unavailable(format!("redis: {e}")))?;
        Ok(Store::Redis(RedisStore {
            conn,
            prefix: prefix.to_owned(),
            timeout,
        }))
    }

    pub fn memory() -> Self {
        Store::Memory(Arc::new(MemoryStore::default()))
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Store::Redis(_) => "redis",
            Store::Memory(_) => "memory",
        }
    }

    pub async fn ping(&self) -> Result<()> {
        match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                r.bounded(async move { redis::cmd("PING").query_async::<String>(&mut c).await })
                    .await
                    .map(|_| ())
            }
            Store::Memory(_) => Ok(()),
        }
    }

    /// Counts one request against `key` under `limit`.
    pub async fn rate(&self, key: &str, limit: Limit) -> Result<Decision> {
        let interval = limit.interval.as_millis() as i64;
        let burst = i64::from(limit.burst);
        let answer = match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let k = format!("{}rl:{key}", r.prefix);
                let v: Vec<i64> = r
                    .bounded(async move {
                        GCRA.key(k)
                            .arg(interval)
                            .arg(burst)
                            .invoke_async(&mut c)
                            .await
                    })
                    .await?;
                let at = |i: usize| v.get(i).copied().unwrap_or(0);
                (at(0), at(1), at(2), at(3))
            }
            Store::Memory(m) => m.gcra(key, interval, burst),
        };
        Ok(decision(limit, answer))
    }

    /// The user id of session `sid`, a rate decision and the access epoch, in one round trip:
    /// the request counts under `user_key` and `user_limit` when the session is live and
    /// belongs to `uid`, and under `anon_key` and `anon_limit` otherwise (a dead session is an
    /// anonymous caller).
    pub async fn session_rate(
        &self,
        sid: &str,
        uid: &str,
        (user_key, user_limit): (&str, Limit),
        (anon_key, anon_limit): (&str, Limit),
    ) -> Result<SessionRate> {
        let ms = |l: Limit| l.interval.as_millis() as i64;
        let burst = |l: Limit| i64::from(l.burst);
        match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let mut call = SESSION_RATE.prepare_invoke();
                call.key(format!("{}sess:{sid}", r.prefix))
                    .key(format!("{}rl:{user_key}", r.prefix))
                    .key(format!("{}rl:{anon_key}", r.prefix))
                    .key(r.epoch_key())
                    .arg(uid)
                    .arg(ms(user_limit))
                    .arg(burst(user_limit))
                    .arg(ms(anon_limit))
                    .arg(burst(anon_limit));
                let (owner, a, rem, retry, reset, access_epoch): (
                    String,
                    i64,
                    i64,
                    i64,
                    i64,
                    String,
                ) = r
                    .bounded(async move { call.invoke_async(&mut c).await })
                    .await?;
                let limit = if owner == uid { user_limit } else { anon_limit };
                Ok(SessionRate {
                    owner: (!owner.is_empty()).then_some(owner),
                    decision: decision(limit, (a, rem, retry, reset)),
                    access_epoch,
                })
            }
            Store::Memory(m) => {
                let owner = m.session_user(sid);
                let (key, limit) = if owner.as_deref() == Some(uid) {
                    (user_key, user_limit)
                } else {
                    (anon_key, anon_limit)
                };
                let answer = m.gcra(key, ms(limit), burst(limit));
                Ok(SessionRate {
                    owner,
                    decision: decision(limit, answer),
                    access_epoch: m.access_epoch.load(Ordering::Acquire).to_string(),
                })
            }
        }
    }

    /// Says that who may act in which tenant has changed (a membership, a tenant's status, a
    /// deletion), so every node's remembered access is stale from the next request on: the
    /// access epoch every session check returns gets a new random value (random, so a Redis
    /// that restarted empty cannot count back up to an epoch some node still holds).
    pub async fn access_changed(&self) -> Result<()> {
        match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let key = r.epoch_key();
                let value = uuid::Uuid::new_v4().simple().to_string();
                r.bounded(async move { c.set::<_, _, ()>(key, value).await })
                    .await
            }
            Store::Memory(m) => {
                m.access_epoch.fetch_add(1, Ordering::AcqRel);
                Ok(())
            }
        }
    }

    /// A new session: idle for `ttl` at most (each refresh renews that), and never older than
    /// `max_age` however often it is refreshed.
    pub async fn session_create(
        &self,
        sid: &str,
        uid: &str,
        refresh_hash: &str,
        ttl: Duration,
        max_age: Duration,
    ) -> Result<()> {
        match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let skey = format!("{}sess:{sid}", r.prefix);
                let ukey = format!("{}usess:{uid}", r.prefix);
                let (sid, uid, rh) = (sid.to_owned(), uid.to_owned(), refresh_hash.to_owned());
                let ttl_ms = ttl.min(max_age).as_millis() as i64;
                let until = (std::time::SystemTime::now() + max_age)
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis())
                    .to_string();
                r.bounded(async move {
                    redis::pipe()
                        .atomic()
                        .hset_multiple(
                            &skey,
                            &[
                                ("uid", uid.as_str()),
                                ("rt", rh.as_str()),
                                ("until", &until),
                            ],
                        )
                        .ignore()
                        .pexpire(&skey, ttl_ms)
                        .ignore()
                        .sadd(&ukey, &sid)
                        .ignore()
                        .pexpire(&ukey, ttl_ms)
                        .ignore()
                        .query_async::<()>(&mut c)
                        .await
                })
                .await
            }
            Store::Memory(m) => {
                m.session_create(sid, uid, refresh_hash, ttl, max_age);
                Ok(())
            }
        }
    }

    /// Atomically swaps the current refresh-token hash if `presented` is current; if it is not,
    /// revokes the family (RFC 9700 §4.14.2 reuse detection).
    pub async fn session_rotate(
        &self,
        sid: &str,
        presented: &str,
        next: &str,
        ttl: Duration,
    ) -> Result<Rotation> {
        let (status, uid) = match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let skey = format!("{}sess:{sid}", r.prefix);
                let uprefix = format!("{}usess:", r.prefix);
                let (p, n, s) = (presented.to_owned(), next.to_owned(), sid.to_owned());
                let ttl_ms = ttl.as_millis() as i64;
                r.bounded(async move {
                    ROTATE
                        .key(skey)
                        .key(uprefix)
                        .arg(p)
                        .arg(n)
                        .arg(s)
                        .arg(ttl_ms)
                        .arg(USED_KEPT)
                        .invoke_async::<(i64, String)>(&mut c)
                        .await
                })
                .await?
            }
            Store::Memory(m) => m.session_rotate(sid, presented, next, ttl),
        };
        Ok(match status {
            1 => Rotation::Rotated(uid),
            -1 => Rotation::Reused,
            _ => Rotation::Unknown,
        })
    }

    /// Remembers `key` for `ttl` (a fact such as "this client logged into this account").
    pub async fn mark(&self, key: &str, ttl: Duration) -> Result<()> {
        match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let k = format!("{}mark:{key}", r.prefix);
                let ms = ttl.as_millis().max(1) as u64;
                r.bounded(async move { c.pset_ex::<_, _, ()>(k, 1, ms).await })
                    .await
            }
            Store::Memory(m) => {
                let mut s = m.lock();
                let now = Instant::now();
                if s.marks.len() > 100_000 {
                    s.marks.retain(|_, until| *until > now);
                }
                s.marks.insert(key.to_owned(), now + ttl);
                Ok(())
            }
        }
    }

    /// Whether `key` was marked and has not expired.
    pub async fn marked(&self, key: &str) -> Result<bool> {
        match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let k = format!("{}mark:{key}", r.prefix);
                r.bounded(async move { c.exists::<_, bool>(k).await }).await
            }
            Store::Memory(m) => Ok(m
                .lock()
                .marks
                .get(key)
                .is_some_and(|until| *until > Instant::now())),
        }
    }

    /// The user id of a live session.
    pub async fn session_user(&self, sid: &str) -> Result<Option<String>> {
        match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let skey = format!("{}sess:{sid}", r.prefix);
                r.bounded(async move { c.hget::<_, _, Option<String>>(skey, "uid").await })
                    .await
            }
            Store::Memory(m) => Ok(m.session_user(sid)),
        }
    }

    pub async fn session_delete(&self, sid: &str, uid: &str) -> Result<()> {
        match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let skey = format!("{}sess:{sid}", r.prefix);
                let ukey = format!("{}usess:{uid}", r.prefix);
                let sid = sid.to_owned();
                r.bounded(async move {
                    redis::pipe()
                        .del(&skey)
                        .ignore()
                        .srem(&ukey, &sid)
                        .ignore()
                        .query_async::<()>(&mut c)
                        .await
                })
                .await
            }
            Store::Memory(m) => {
                m.session_delete(sid, uid);
                Ok(())
            }
        }
    }

    /// Revokes every session of `uid` except `keep`; returns how many were revoked.
    pub async fn sessions_revoke_all(&self, uid: &str, keep: Option<&str>) -> Result<u64> {
        match self {
            Store::Redis(r) => {
                let mut c = r.conn.clone();
                let ukey = format!("{}usess:{uid}", r.prefix);
                let sprefix = format!("{}sess:", r.prefix);
                let keep = keep.unwrap_or("").to_owned();
                r.bounded(async move {
                    REVOKE_ALL
                        .key(ukey)
                        .arg(sprefix)
                        .arg(keep)
                        .invoke_async::<u64>(&mut c)
                        .await
                })
                .await
            }
            Store::Memory(m) => Ok(m.revoke_all(uid, keep)),
        }
    }
}

impl RedisStore {
    fn epoch_key(&self) -> String {
        format!("{}access:epoch", self.prefix)
    }

    async fn bounded<T>(&self, fut: impl Future<Output = redis::RedisResult<T>>) -> Result<T> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Error::Unavailable(format!("redis: {e}"))),
            Err(_) => Err(Error::Unavailable("redis timed out".into())),
        }
    }
}

/// A GCRA answer `(allowed, remaining, retry_after_ms, reset_after_ms)` as a decision.
fn decision(
    limit: Limit,
    (allowed, remaining, retry_ms, reset_ms): (i64, i64, i64, i64),
) -> Decision {
    let ms = |v: i64| Duration::from_millis(u64::try_from(v).unwrap_or(0));
    Decision {
        allowed: allowed == 1,
        limit: limit.burst,
        remaining: u32::try_from(remaining).unwrap_or(0),
        retry_after: ms(retry_ms),
        reset_after: ms(reset_ms),
    }
}

/// The in-process store: a mutex over maps. Correct on one node; state is lost on restart.
pub struct MemoryStore {
    state: Mutex<MemState>,
    epoch: Instant,
    access_epoch: AtomicU64,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self {
            state: Mutex::default(),
            epoch: Instant::now(),
            access_epoch: AtomicU64::new(0),
        }
    }
}

#[derive(Default)]
struct MemState {
    tats: HashMap<String, i64>,
    /// Marks with their expiry (see [`Store::mark`]).
    marks: HashMap<String, Instant>,
    sessions: HashMap<String, MemSession>,
    user_sessions: HashMap<String, HashSet<String>>,
}

struct MemSession {
    uid: String,
    rt: String,
    /// Earlier refresh-token hashes, newest first (at most [`USED_KEPT`]).
    used: std::collections::VecDeque<String>,
    expires: Instant,
    /// The absolute end of the session, however often it is refreshed.
    until: Instant,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, MemState> {
        // A panic while holding this lock cannot leave the maps half-updated in a way that
        // matters more than losing them, so a poisoned lock is taken over.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> i64 {
        self.epoch.elapsed().as_millis() as i64
    }

    fn gcra(&self, key: &str, interval: i64, burst: i64) -> (i64, i64, i64, i64) {
        let now = self.now_ms();
        let mut s = self.lock();
        if s.tats.len() > 100_000 {
            s.tats.retain(|_, tat| *tat > now);
        }
        let tat = s.tats.get(key).copied().unwrap_or(now).max(now);
        let new_tat = tat + interval;
        let allow_at = new_tat - burst * interval;
        if allow_at > now {
            return (0, 0, allow_at - now, tat - now);
        }
        s.tats.insert(key.to_owned(), new_tat);
        (1, (now - allow_at) / interval, 0, new_tat - now)
    }

    fn session_create(&self, sid: &str, uid: &str, rt: &str, ttl: Duration, max_age: Duration) {
        let mut s = self.lock();
        let now = Instant::now();
        // Expired sessions are dropped as new ones come, so the map stays bounded.
        if s.sessions.len() > 10_000 {
            s.sessions.retain(|_, x| x.expires > now);
            let live: HashSet<String> = s.sessions.keys().cloned().collect();
            s.user_sessions.retain(|_, set| {
                set.retain(|sid| live.contains(sid));
                !set.is_empty()
            });
        }
        s.sessions.insert(
            sid.to_owned(),
            MemSession {
                uid: uid.to_owned(),
                rt: rt.to_owned(),
                used: std::collections::VecDeque::new(),
                expires: now + ttl.min(max_age),
                until: now + max_age,
            },
        );
        s.user_sessions
            .entry(uid.to_owned())
            .or_default()
            .insert(sid.to_owned());
    }

    fn session_rotate(
        &self,
        sid: &str,
        presented: &str,
        next: &str,
        ttl: Duration,
    ) -> (i64, String) {
        let mut s = self.lock();
        let Some(sess) = s
            .sessions
            .get_mut(sid)
            .filter(|x| x.expires > Instant::now())
        else {
            return (0, String::new());
        };
        let uid = sess.uid.clone();
        if sess.rt != presented {
            // Only a token this session issued before is reuse; anything else is unknown.
            if !sess.used.iter().any(|h| h == presented) {
                return (0, String::new());
            }
            s.sessions.remove(sid);
            if let Some(set) = s.user_sessions.get_mut(&uid) {
                set.remove(sid);
            }
            return (-1, uid);
        }
        if Instant::now() >= sess.until {
            s.sessions.remove(sid);
            if let Some(set) = s.user_sessions.get_mut(&uid) {
                set.remove(sid);
            }
            return (0, String::new());
        }
        let old = std::mem::replace(&mut sess.rt, next.to_owned());
        sess.used.push_front(old);
        sess.used.truncate(USED_KEPT);
        sess.expires = (Instant::now() + ttl).min(sess.until);
        (1, uid)
    }

    fn session_user(&self, sid: &str) -> Option<String> {
        let s = self.lock();
        s.sessions
            .get(sid)
            .filter(|x| x.expires > Instant::now())
            .map(|x| x.uid.clone())
    }

    fn session_delete(&self, sid: &str, uid: &str) {
        let mut s = self.lock();
        s.sessions.remove(sid);
        if let Some(set) = s.user_sessions.get_mut(uid) {
            set.remove(sid);
        }
    }

    fn revoke_all(&self, uid: &str, keep: Option<&str>) -> u64 {
        let mut s = self.lock();
        let sids: Vec<String> = s
            .user_sessions
            .get(uid)
            .map(|set| {
                set.iter()
                    .filter(|x| Some(x.as_str()) != keep)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let mut n = 0;
        for sid in &sids {
            if s.sessions.remove(sid).is_some() {
                n += 1;
            }
        }
        if let Some(set) = s.user_sessions.get_mut(uid) {
            set.retain(|x| Some(x.as_str()) == keep);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_gcra_allows_burst_then_denies() {
        let store = Store::memory();
        let limit = Limit::per_minute(60, 3);
        for expected_remaining in [2, 1, 0] {
            let d = store.rate("k", limit).await.expect("rate");
            assert!(d.allowed);
            assert_eq!(d.remaining, expected_remaining);
        }
        let d = store.rate("k", limit).await.expect("rate");
        assert!(!d.allowed);
        assert!(d.retry_after > Duration::from_millis(900));
    }

    #[test]
    fn the_memory_store_drops_expired_sessions_as_new_ones_come() {
        let m = MemoryStore::default();
        let live = Duration::from_secs(600);
        m.session_create("keep", "u0", "h", live, live);
        // 10,000 sessions that are over at once (a zero lifetime), of one user each.
        for i in 0..10_000 {
            m.session_create(
                &format!("s{i}"),
                &format!("u{}", i + 1),
                "h",
                Duration::ZERO,
                live,
            );
        }
        assert_eq!(m.lock().sessions.len(), 10_001);
        // The next one finds the map full and drops what has expired, with their users' sets.
        m.session_create("new", "u0", "h", live, live);
        let s = m.lock();
        let mut left: Vec<&str> = s.sessions.keys().map(String::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["keep", "new"]);
        assert_eq!(s.user_sessions.len(), 1);
        assert_eq!(s.user_sessions["u0"].len(), 2);
    }

    #[tokio::test]
    async fn memory_rotation_detects_reuse() {
        let store = Store::memory();
        let ttl = Duration::from_secs(60);
        store
            .session_create("s", "u", "h1", ttl, ttl)
            .await
            .expect("create");
        assert_eq!(
            store
                .session_rotate("s", "h1", "h2", ttl)
                .await
                .expect("rotate"),
            Rotation::Rotated("u".into())
        );
        assert_eq!(
            store
                .session_rotate("s", "h1", "h3", ttl)
                .await
                .expect("rotate"),
            Rotation::Reused
        );
        assert_eq!(
            store
                .session_rotate("s", "h2", "h4", ttl)
                .await
                .expect("rotate"),
            Rotation::Unknown,
            "the family is revoked"
        );

        // A session ends at its absolute lifetime, however often it is refreshed.
        store
            .session_create("old", "u", "a1", ttl, Duration::from_secs(2))
            .await
            .expect("create");
        assert_eq!(
            store
                .session_rotate("old", "a1", "a2", ttl)
                .await
                .expect("rotate"),
            Rotation::Rotated("u".into())
        );
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(
            store
                .session_rotate("old", "a2", "a3", ttl)
                .await
                .expect("rotate"),
            Rotation::Unknown,
            "refreshing extended the session past its absolute lifetime"
        );
        assert_eq!(store.session_user("old").await.expect("user"), None);

        // A token the session never issued, naming it, revokes nothing.
        store
            .session_create("t", "u", "k1", ttl, ttl)
            .await
            .expect("create");
        assert_eq!(
            store
                .session_rotate("t", "made-up", "x", ttl)
                .await
                .expect("rotate"),
            Rotation::Unknown
        );
        assert_eq!(
            store
                .session_rotate("t", "k1", "k2", ttl)
                .await
                .expect("rotate"),
            Rotation::Rotated("u".into())
        );
    }
}
