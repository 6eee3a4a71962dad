//! [`Quotas`]: the [`HostQuota`] of each registry host for one run, shared by every
//! client of the host, and the bridge between a host's quota window and the cache: the
//! window other processes recorded is loaded before the first request to the host (only
//! when something must be fetched: a warm run costs nothing), and a window this process
//! learnt is recorded for the others after each refresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::cache::Cache;
use crate::registry::{Announced, DEFAULT_MAX_CONCURRENT, HostQuota};

/// The quotas of one run, by registry (API) host.
#[derive(Debug, Default)]
pub(crate) struct Quotas {
    hosts: Mutex<HashMap<String, Host>>,
}

#[derive(Debug)]
struct Host {
    quota: Arc<HostQuota>,
    /// Whether the window recorded in the cache was read.
    loaded: bool,
}

impl Quotas {
    /// The quota of `host`, made on first use with `rate` (`registries[].rateLimit`).
    pub(crate) fn get(&self, host: &str, rate: Option<f64>) -> Arc<HostQuota> {
        let mut hosts = self.lock();
        let entry = hosts.entry(host.to_owned()).or_insert_with(|| Host {
            quota: Arc::new(HostQuota::new(DEFAULT_MAX_CONCURRENT, rate)),
            loaded: false,
        });
        Arc::clone(&entry.quota)
    }

    /// Before requests to `host`: the window recorded by other processes, once per run.
    /// A cache that cannot be read leaves the host open (the registry will say).
    pub(crate) fn load(&self, host: &str, cache: &Cache) {
        let quota = {
            let mut hosts = self.lock();
            let Some(entry) = hosts.get_mut(host) else {
                return;
            };
            if std::mem::replace(&mut entry.loaded, true) {
                return;
            }
            Arc::clone(&entry.quota)
        };
        if let Ok(Some(until)) = cache.quota_window(host) {
            quota.close_until(until);
        }
    }

    /// After requests to `host`: a window it announced is recorded for the others.
    pub(crate) fn record(&self, host: &str, cache: &Cache) {
        let quota = self.lock().get(host).map(|h| Arc::clone(&h.quota));
        if let Some(until) = quota.and_then(|q| q.take_new_window()) {
            // Best effort: the host answers the same to the next process.
            let _ = cache.set_quota_window(host, until);
        }
    }

    /// What each host announced about its quota, by host name.
    pub(crate) fn announced(&self) -> Vec<(String, Announced)> {
        let mut list: Vec<(String, Announced)> = self
            .lock()
            .iter()
            .filter_map(|(host, h)| Some((host.clone(), h.quota.announced()?)))
            .collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Host>> {
        self.hosts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
