//! [`HostResolver`]: the name lookups of one registry client — an IP address in the URL
//! is used as it is, and a host name is looked up once and remembered for a short while.
//!
//! ureq resolves the URL's host on every request, before it looks for a pooled
//! connection, and its default resolver runs each lookup on a new thread so that the
//! connect timeout can cut it short. A scan of 100 repositories with their digests made
//! 200 requests and so started 200 threads, most of them to "resolve" `127.0.0.1`.
//! Here a lookup still runs under the timeout (the default resolver does it), but only
//! when the answer is not known yet.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a looked-up address is reused: well past one run, short enough that a
/// long-lived process follows DNS changes.
const KEEP: Duration = Duration::from_secs(60);

/// Resolves the hosts of one client: IP literals directly, names once per [`KEEP`].
#[derive(Debug, Default)]
pub(crate) struct HostResolver {
    lookup: DefaultResolver,
    known: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for HostResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(host_port) = uri
            .scheme()
            .zip(uri.authority())
            .and_then(|(scheme, authority)| DefaultResolver::host_and_port(scheme, authority))
        else {
            // Not a full URL: the default resolver says what is wrong with it.
            return self.lookup.resolve(uri, config, timeout);
        };
        if let Ok(address) = host_port.parse::<SocketAddr>() {
            let mut addresses = self.empty();
            for address in config.ip_family().keep_wanted(std::iter::once(address)) {
                addresses.push(address);
            }
            return if addresses.is_empty() {
                Err(ureq::Error::HostNotFound)
            } else {
                Ok(addresses)
            };
        }
        let known = |map: &HashMap<String, (Instant, ResolvedSocketAddrs)>| {
            map.get(&host_port)
                .filter(|(at, _)| at.elapsed() < KEEP)
                .map(|(_, addresses)| addresses.clone())
        };
        if let Some(addresses) = known(&self.known()) {
            return Ok(addresses);
        }
        let addresses = self.lookup.resolve(uri, config, timeout)?;
        self.known()
            .insert(host_port, (Instant::now(), addresses.clone()));
        Ok(addresses)
    }
}

impl HostResolver {
    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, ResolvedSocketAddrs)>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(resolver: &HostResolver, url: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = url.parse().unwrap();
        let timeout = NextTimeout {
            after: Duration::from_secs(5).into(),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        resolver
            .resolve(&uri, &Config::default(), timeout)
            .map(|a| a.iter().copied().collect())
    }

    #[test]
    fn ip_literals_are_taken_as_they_are_and_names_are_remembered() {
        let resolver = HostResolver::default();
        assert_eq!(
            resolve(&resolver, "http://127.0.0.1:5000/v2/").unwrap(),
            ["127.0.0.1:5000".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            resolve(&resolver, "https://[::1]/v2/").unwrap(),
            ["[::1]:443".parse::<SocketAddr>().unwrap()]
        );
        assert!(resolver.known().is_empty(), "literals are never looked up");
        let first = resolve(&resolver, "http://localhost:5000/v2/").unwrap();
        assert!(!first.is_empty());
        assert!(
            first
                .iter()
                .all(|a| a.port() == 5000 && a.ip().is_loopback())
        );
        assert_eq!(resolver.known().len(), 1);
        assert_eq!(
            resolve(&resolver, "http://localhost:5000/x").unwrap(),
            first
        );
        assert_eq!(
            resolver.known().len(),
            1,
            "the second request reuses the lookup"
        );
    }
}
