//! Server-side request forgery guard for `feedloom feeds add`.
//!
//! feedloom fetches whatever URL it is given, from the machine it runs on,
//! and republishes what it gets. A URL pointing at the loopback interface,
//! the LAN, a cloud metadata service (169.254.169.254) or a router would
//! turn the daemon into a proxy into networks its users cannot reach. So a
//! new feed URL is refused when its host is, or resolves to, anything but a
//! public unicast address — unless the operator says `--allow-private`
//! (a feed on the intranet is a legitimate choice, just not a default).
//!
//! The check resolves the name once, here; the fetcher resolves it again
//! later, so a hostile DNS server can still answer differently then (DNS
//! rebinding). This guard stops mistakes and naive abuse at `feeds add`
//! time; it is not a substitute for a resolver-level filter in `fetch`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// The command-line flag that skips this guard (named in every error).
pub const OVERRIDE_FLAG: &str = "--allow-private";

/// Why a URL was refused.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// Only http and https URLs are fetched at all.
    #[error("refusing {url}: only http and https feed URLs are allowed, not {scheme}:")]
    Scheme { url: Url, scheme: String },
    /// No host to check (cannot happen for http(s) URLs the `url` crate
    /// accepts, but the type allows it).
    #[error("refusing {url}: the URL has no host")]
    NoHost { url: Url },
    /// The host is, or resolves to, a non-public address.
    #[error(
        "refusing {url}: host {host} {how} {address}, a {kind} address; \
         feedloom does not fetch from private networks unless you pass {OVERRIDE_FLAG}",
        how = if *.literal { "is" } else { "resolves to" },
        kind = .kind
    )]
    NotPublic {
        url: Url,
        host: String,
        address: IpAddr,
        /// What the address is (`loopback`, `private (RFC 1918)`…).
        kind: &'static str,
        /// The host was an IP literal (no DNS involved).
        literal: bool,
    },
    /// The name could not be resolved, so nothing can be said about it.
    #[error("refusing {url}: cannot resolve host {host}")]
    Resolve {
        url: Url,
        host: String,
        #[source]
        source: std::io::Error,
    },
    /// The resolver answered with no address at all.
    #[error("refusing {url}: host {host} resolves to no address")]
    NoAddress { url: Url, host: String },
}

/// Refuses `url` unless it is http(s) and every address its host resolves
/// to is public (see [`is_public`]). An IP literal is checked without DNS.
///
/// Every address must pass, not just one: the fetcher may connect to any
/// of them.
pub async fn check_public(url: &Url) -> Result<(), GuardError> {
    let scheme = url.scheme();
    if scheme != "http" && scheme != "https" {
        return Err(GuardError::Scheme {
            url: url.clone(),
            scheme: scheme.to_owned(),
        });
    }
    let Some(host) = url.host() else {
        return Err(GuardError::NoHost { url: url.clone() });
    };
    let host_text = host.to_string();
    let refusal = |address: IpAddr, literal: bool| -> Option<GuardError> {
        classify(address).map(|kind| GuardError::NotPublic {
            url: url.clone(),
            host: host_text.clone(),
            address,
            kind,
            literal,
        })
    };
    let literal = match host {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    };
    if let Some(address) = literal {
        return refusal(address, true).map_or(Ok(()), Err);
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let addresses = tokio::net::lookup_host((host_text.as_str(), port))
        .await
        .map_err(|source| GuardError::Resolve {
            url: url.clone(),
            host: host_text.clone(),
            source,
        })?;
    let mut any = false;
    for address in addresses {
        any = true;
        if let Some(refused) = refusal(address.ip(), false) {
            return Err(refused);
        }
    }
    if any {
        Ok(())
    } else {
        Err(GuardError::NoAddress {
            url: url.clone(),
            host: host_text.clone(),
        })
    }
}

/// True when `ip` is a public unicast address: one a feed on the internet
/// can have. Everything special-purpose (IANA registries) is refused,
/// including addresses embedded in IPv6 transition forms (`::ffff:a.b.c.d`,
/// 6to4, NAT64), which would otherwise smuggle a private IPv4 past the check.
pub fn is_public(ip: IpAddr) -> bool {
    classify(ip).is_none()
}

/// Names the special-purpose range `ip` belongs to; `None` when public.
fn classify(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let kind = match (a, b, c) {
        _ if ip.is_broadcast() => "broadcast",
        (0, _, _) => "unspecified (\"this network\", 0.0.0.0/8)",
        (127, _, _) => "loopback",
        (10, _, _) => "private (RFC 1918)",
        (172, 16..=31, _) => "private (RFC 1918)",
        (192, 168, _) => "private (RFC 1918)",
        (169, 254, _) => "link-local",
        (100, 64..=127, _) => "carrier-grade NAT (100.64.0.0/10)",
        (192, 0, 0) => "IETF protocol assignment (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (192, 88, 99) => "6to4 relay anycast",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved (240.0.0.0/4)",
        _ => return None,
    };
    Some(kind)
}

fn classify_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // Forms that carry an IPv4 address: judge the IPv4 address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if segments[..6] == [0; 6] {
        // Deprecated IPv4-compatible ::a.b.c.d.
        return classify_v4(embedded_v4(segments[6], segments[7])).or(Some("IPv4-compatible"));
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 well-known prefix: public only if the IPv4 address is.
        return classify_v4(embedded_v4(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        // 6to4: the IPv4 address sits in bits 16..48.
        return classify_v4(embedded_v4(segments[1], segments[2]));
    }
    let kind = match segments[0] {
        0xff00..=0xffff => "multicast",
        0xfe80..=0xfebf => "link-local",
        0xfec0..=0xfeff => "site-local (deprecated)",
        0xfc00..=0xfdff => "unique-local (fc00::/7)",
        0x2001 if segments[1] == 0x0db8 => "documentation",
        0x3fff if segments[1] <= 0x0fff => "documentation",
        0x2001 if segments[1] < 0x0200 => "IETF protocol assignment (2001::/23)",
        0x0064 if segments[1] == 0xff9b => "NAT64 local-use",
        0x0100 if segments[1..4] == [0, 0, 0] => "discard-only",
        // Global unicast is 2000::/3; everything else is unassigned or special.
        0x2000..=0x3fff => return None,
        _ => "not global unicast",
    };
    Some(kind)
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests;
