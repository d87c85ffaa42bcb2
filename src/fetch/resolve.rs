//! The fetcher's DNS resolver: the SSRF guard at connect time.
//!
//! reqwest asks this resolver for every name it connects to (IP literals
//! never reach it; `Fetcher::exchange` checks those before each request).
//! It looks the name up, refuses the connection unless every address is
//! one the [`Policy`] allows, and hands reqwest exactly the addresses it
//! checked, so nothing can re-resolve the name between the check and the
//! connection (DNS rebinding).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::guard::{Policy, normalize_name};

/// Resolves with the system resolver (through tokio), or with `pinned`
/// for the names it lists, and applies the guard to the answer.
pub(super) struct GuardedResolver {
    policy: Arc<Policy>,
    /// Names answered without DNS (lowercase, no trailing dot), as a hosts
    /// file would: what lets a test make a public-looking name resolve to
    /// 127.0.0.1. The guard applies to them like to any answer.
    pinned: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl GuardedResolver {
    pub(super) fn new(policy: Policy, pinned: HashMap<String, Vec<IpAddr>>) -> Self {
        Self {
            policy: Arc::new(policy),
            pinned: Arc::new(pinned),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let policy = Arc::clone(&self.policy);
        let pinned = Arc::clone(&self.pinned);
        Box::pin(async move {
            let addresses: Vec<IpAddr> = match pinned.get(&normalize_name(&host)) {
                Some(addresses) => addresses.clone(),
                // Port 0: reqwest puts in the URL's port (or the scheme's).
                None => tokio::net::lookup_host((host.as_str(), 0))
                    .await?
                    .map(|address| address.ip())
                    .collect(),
            };
            // Unboxed into the error reqwest carries, so that the fetcher
            // can find the refusal in the chain by its type.
            policy
                .check_resolved(&host, &addresses)
                .map_err(|refusal| -> Box<dyn std::error::Error + Send + Sync> { refusal })?;
            let addrs: Addrs = Box::new(
                addresses
                    .into_iter()
                    .map(|address| SocketAddr::new(address, 0)),
            );
            Ok(addrs)
        })
    }
}
