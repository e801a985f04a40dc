//! Fair sharing of the connection pool between tenants: one tenant's requests hold at most a
//! configured number of pooled connections at once. A further request of that tenant waits a
//! short while for one of them to finish, then gets [`Error::Busy`] (UNAVAILABLE with a retry
//! hint), while every other tenant is served from the rest of the pool as usual.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kartei_core::id::TenantId;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Error, Result};

/// Above this many remembered tenants, idle entries are dropped again.
const PRUNE_ABOVE: usize = 1024;

#[derive(Debug)]
pub struct TenantGate {
    per_tenant: usize,
    wait: Duration,
    slots: Mutex<HashMap<TenantId, Arc<Semaphore>>>,
}

/// A tenant's claim on one of its connections; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot(#[allow(dead_code)] OwnedSemaphorePermit);

impl TenantGate {
    /// `per_tenant` connections per tenant at most (at least 1); a request waits up to `wait`.
    pub fn new(per_tenant: usize, wait: Duration) -> Self {
        Self {
            per_tenant: per_tenant.max(1),
            wait,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The share of a pool of `pool_size` connections: `fraction` of it, rounded down, at
    /// least one connection and at most all but one (so another tenant always finds one).
    pub fn share_of(pool_size: u32, fraction: f64) -> usize {
        let pool = pool_size.max(1) as usize;
        let n = (pool as f64 * fraction.clamp(0.0, 1.0)).floor() as usize;
        n.clamp(1, pool.saturating_sub(1).max(1))
    }

    /// Waits for one of `tenant`'s slots; [`Error::Busy`] when none frees up in time.
    pub async fn enter(&self, tenant: TenantId) -> Result<Slot> {
        let sem = self.semaphore(tenant);
        match tokio::time::timeout(self.wait, sem.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Slot(permit)),
            // The semaphore is never closed; a timeout means the tenant's share is in use.
            _ => Err(Error::Busy {
                retry_after_secs: 1,
            }),
        }
    }

    fn semaphore(&self, tenant: TenantId) -> Arc<Semaphore> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots.len() > PRUNE_ABOVE {
            let full = self.per_tenant;
            slots.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < full);
        }
        slots
            .entry(tenant)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_tenant)))
            .clone()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn share_leaves_a_connection_for_others() {
        assert_eq!(TenantGate::share_of(16, 0.25), 4);
        assert_eq!(TenantGate::share_of(16, 1.0), 15);
        assert_eq!(TenantGate::share_of(2, 0.1), 1);
        assert_eq!(TenantGate::share_of(1, 0.5), 1);
    }

    #[tokio::test]
    async fn a_tenant_cannot_take_more_than_its_share() {
        let gate = TenantGate::new(2, Duration::from_millis(20));
        let (a, b) = (
            TenantId(uuid::Uuid::new_v4()),
            TenantId(uuid::Uuid::new_v4()),
        );
        let _s1 = gate.enter(a).await.unwrap();
        let s2 = gate.enter(a).await.unwrap();
        assert!(matches!(gate.enter(a).await, Err(Error::Busy { .. })));
        let _other = gate.enter(b).await.unwrap();
        drop(s2);
        assert!(gate.enter(a).await.is_ok());
    }
}
