//! Server-side request forgery guard: which addresses feedloom may fetch
//! from, decided in one place for the daemon's polls, their redirects and
//! the probes of `feeds add` and `opml import`.
//!
//! feedloom fetches whatever URL it is given, from the machine it runs on,
//! and republishes what it gets. A URL leading to the loopback interface,
//! the LAN, a cloud metadata service (169.254.169.254) or a router would
//! turn the daemon into a proxy into networks its users cannot reach, and a
//! feed's publisher controls both its redirects and its DNS. So every
//! connection feedloom makes goes to a public unicast address unless the
//! operator allowed otherwise:
//!
//! - **At connect time** (`fetch`'s resolver): every address a name
//!   resolves to is checked ([`Policy::check_resolved`]) and the connection
//!   goes to exactly the addresses checked, so a name that re-resolves to
//!   127.0.0.1 after `feeds add` (DNS rebinding) is refused on the poll.
//! - **Before each request** ([`Policy::check_url`], no DNS): the scheme,
//!   IP literals (which never reach a resolver), and names that can only be
//!   local (`localhost`, `metadata.google.internal`, `*.internal`…).
//!
//! What the operator allows:
//!
//! - A feed whose configured URL names a private address literally
//!   (`http://127.0.0.1:1200/…`, RSSHub at home) is trusted for that
//!   address: its polls and its redirects to the *same* address (any port)
//!   go through. A redirect to any other non-public address, or to a name
//!   that resolves to one, is refused, and so never recorded as the feed's
//!   new location. Typing an address into the configuration is a decision;
//!   a Location header is the publisher's.
//! - `[fetch] allow_private` lists names (`rsshub.lan`), subdomains
//!   (`*.home.arpa`) and addresses or networks (`10.0.0.0/8`) that may be
//!   private: unlike an all-or-nothing switch, allowing the NAS does not
//!   allow the metadata service.
//! - `--allow-private` on `feeds add` and `opml import` allows everything
//!   for that command ([`Policy::everything`]).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use url::{Host, Url};

/// The command-line flag that allows every address for one command
/// (`feeds add`, `opml import`).
pub const OVERRIDE_FLAG: &str = "--allow-private";

/// The configuration key that lists what may be private.
pub const CONFIG_KEY: &str = "[fetch] allow_private";

/// Why a URL or a connection was refused. Every message names the host,
/// the address where there is one, and what to write to allow it.
#[derive(Debug, Clone)]
pub enum GuardError {
    /// Only http and https URLs are fetched at all.
    Scheme { url: Url, scheme: String },
    /// No host to check (cannot happen for http(s) URLs the `url` crate
    /// accepts, but the type allows it).
    NoHost { url: Url },
    /// The host is, or resolves to, a non-public address.
    NotPublic {
        /// The URL refused; `None` at connect time, where only the host
        /// is known (the fetch error is reported with its feed's URL).
        url: Option<Url>,
        host: String,
        address: IpAddr,
        /// What the address is (`loopback`, `private (RFC 1918)`…).
        kind: &'static str,
        /// The host was an IP literal (no DNS involved).
        literal: bool,
    },
    /// The name can only mean this machine, its network or a cloud
    /// metadata service, wherever it resolves (refused without DNS).
    LocalName {
        url: Url,
        host: String,
        /// Why (`a localhost name`…).
        why: &'static str,
    },
}

impl fmt::Display for GuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuardError::Scheme { url, scheme } => write!(
                f,
                "refusing {url}: only http and https feed URLs are allowed, not {scheme}:"
            ),
            GuardError::NoHost { url } => write!(f, "refusing {url}: the URL has no host"),
            GuardError::NotPublic {
                url,
                host,
                address,
                kind,
                literal,
            } => {
                match url {
                    Some(url) => write!(f, "refusing {url}: ")?,
                    None => write!(f, "refusing to connect to {host}: ")?,
                }
                // A name is allowed by name (its addresses may change); an
                // address by itself.
                let entry = if *literal {
                    write!(f, "{address} is a {kind} address")?;
                    address.to_string()
                } else {
                    write!(f, "{host} resolves to {address}, a {kind} address")?;
                    normalize_name(host)
                };
                write!(
                    f,
                    ", and feedloom reaches non-public addresses only where the \
                     configuration allows it: add \"{entry}\" to {CONFIG_KEY}"
                )
            }
            GuardError::LocalName { url, host, why } => write!(
                f,
                "refusing {url}: {host} is {why}, and feedloom reaches non-public hosts \
                 only where the configuration allows it: add \"{}\" to {CONFIG_KEY}",
                normalize_name(host)
            ),
        }
    }
}

impl std::error::Error for GuardError {}

/// One entry of `[fetch] allow_private`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// This host name exactly (lowercase, without a trailing dot).
    Name(String),
    /// Every name under this domain, not the domain itself (`*.lan`).
    Subdomains(String),
    /// Addresses in this network; a single address has the full prefix.
    Network(IpNet),
}

impl Allowed {
    /// Reads an entry: `rsshub.lan`, `*.home.arpa`, `192.168.1.20`,
    /// `10.0.0.0/8`, `fd00::/8`. The error says what was expected.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty entry; write a host name such as \"rsshub.lan\", \
                 \"*.home.arpa\", an address or a network such as \"10.0.0.0/8\""
                .to_owned());
        }
        if text.contains("://") {
            return Err(format!(
                "`{text}` is a URL; write its host alone, such as \"rsshub.lan\""
            ));
        }
        if let Some((address, prefix)) = text.split_once('/') {
            let base: IpAddr = address
                .parse()
                .map_err(|_| format!("`{address}` in `{text}` is not an IP address"))?;
            let bits = if base.is_ipv4() { 32 } else { 128 };
            let network = prefix
                .parse()
                .ok()
                .and_then(|prefix| IpNet::new(base, prefix).ok())
                .ok_or_else(|| {
                    format!("`{prefix}` in `{text}` is not a prefix length from 0 to {bits}")
                })?;
            return Ok(Allowed::Network(network.trunc()));
        }
        let unbracketed = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(text);
        if let Ok(address) = unbracketed.parse::<IpAddr>() {
            return Ok(Allowed::Network(IpNet::from(address.to_canonical())));
        }
        let (wildcard, name) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let name = normalize_name(name);
        let valid = !name.is_empty()
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !valid {
            return Err(format!(
                "`{text}` is neither a host name (\"rsshub.lan\", \"*.home.arpa\"), \
                 an address nor a network (\"10.0.0.0/8\"); ports and paths do not belong here"
            ));
        }
        Ok(if wildcard {
            Allowed::Subdomains(name)
        } else {
            Allowed::Name(name)
        })
    }

    fn allows_name(&self, name: &str) -> bool {
        match self {
            Allowed::Name(allowed) => name == allowed,
            Allowed::Subdomains(domain) => name
                .strip_suffix(domain.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            Allowed::Network(_) => false,
        }
    }

    fn allows_address(&self, address: IpAddr) -> bool {
        match self {
            Allowed::Network(network) => network.contains(&address),
            _ => false,
        }
    }
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Allowed::Name(name) => f.write_str(name),
            Allowed::Subdomains(domain) => write!(f, "*.{domain}"),
            Allowed::Network(network) => write!(f, "{network}"),
        }
    }
}

/// What may be reached besides public addresses: the one rule every
/// request feedloom makes is held to (see the module documentation).
/// The default allows nothing private.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `--allow-private`: nothing is refused but non-http(s) schemes.
    everything: bool,
    allowed: Vec<Allowed>,
}

impl Policy {
    /// Allows what `allowed` lists (`[fetch] allow_private`).
    pub fn new(allowed: Vec<Allowed>) -> Self {
        Self {
            everything: false,
            allowed,
        }
    }

    /// Allows every address: what `--allow-private` means for one command.
    pub fn everything() -> Self {
        Self {
            everything: true,
            allowed: Vec::new(),
        }
    }

    /// Whether this is [`Policy::everything`].
    pub fn allows_everything(&self) -> bool {
        self.everything
    }

    /// The listed entries.
    pub fn allowed(&self) -> &[Allowed] {
        &self.allowed
    }

    /// Whether the operator allowed this host name to be private.
    pub fn allows_name(&self, host: &str) -> bool {
        let name = normalize_name(host);
        self.everything || self.allowed.iter().any(|entry| entry.allows_name(&name))
    }

    /// Whether the operator allowed this non-public address.
    pub fn allows_address(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.everything
            || self
                .allowed
                .iter()
                .any(|entry| entry.allows_address(address))
    }

    /// The check of a URL before it is requested (the feed's own, each
    /// redirect, a probe, an import), without DNS: http(s) only; an IP
    /// literal must be public, allowed, or `trusted` (the address the
    /// feed's configured URL names, see [`literal_address`]); a name must
    /// not be one that can only be local ([`local_name`]) unless allowed.
    /// Where other names lead is checked when they are resolved
    /// ([`Policy::check_resolved`]).
    pub fn check_url(&self, url: &Url, trusted: Option<IpAddr>) -> Result<(), Box<GuardError>> {
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(Box::new(GuardError::Scheme {
                url: url.clone(),
                scheme: scheme.to_owned(),
            }));
        }
        let Some(host) = url.host() else {
            return Err(Box::new(GuardError::NoHost { url: url.clone() }));
        };
        let address = match host {
            Host::Ipv4(ip) => IpAddr::V4(ip),
            Host::Ipv6(ip) => IpAddr::V6(ip),
            Host::Domain(name) => {
                return match local_name(name) {
                    Some(why) if !self.allows_name(name) => Err(Box::new(GuardError::LocalName {
                        url: url.clone(),
                        host: name.to_owned(),
                        why,
                    })),
                    _ => Ok(()),
                };
            }
        };
        let Some(kind) = classify(address) else {
            return Ok(());
        };
        let is_trusted = trusted.is_some_and(|t| t.to_canonical() == address.to_canonical());
        if is_trusted || self.allows_address(address) {
            return Ok(());
        }
        Err(Box::new(GuardError::NotPublic {
            url: Some(url.clone()),
            host: host.to_string(),
            address,
            kind,
            literal: true,
        }))
    }

    /// The check at connect time: `host` resolved to `addresses`, which
    /// must all be public or allowed (the connection may go to any of
    /// them), unless the name itself is allowed.
    pub fn check_resolved(&self, host: &str, addresses: &[IpAddr]) -> Result<(), Box<GuardError>> {
        if self.allows_name(host) {
            return Ok(());
        }
        for &address in addresses {
            if let Some(kind) = classify(address)
                && !self.allows_address(address)
            {
                return Err(Box::new(GuardError::NotPublic {
                    url: None,
                    host: host.to_owned(),
                    address,
                    kind,
                    literal: false,
                }));
            }
        }
        Ok(())
    }
}

/// The address a feed's configured URL names literally, if any: the one
/// non-public address that feed may reach without being listed.
pub fn literal_address(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

/// Why `host` can only name this machine, its network or a metadata
/// service, wherever DNS says it is; `None` for any other name. These are
/// refused without DNS, so `feeds add --no-probe` and `opml import` need
/// none: reserved special-use names (RFC 6761, 6762, 8375, the `.internal`
/// TLD), the cloud metadata names, and single-label names, which only a
/// local resolver or search domain answers.
pub fn local_name(host: &str) -> Option<&'static str> {
    let name = normalize_name(host);
    let under = |domain: &str| name == domain || name.ends_with(&format!(".{domain}"));
    let why = match name.as_str() {
        "metadata"
        | "metadata.google.internal"
        | "metadata.goog"
        | "instance-data"
        | "instance-data.ec2.internal" => "a cloud metadata service name",
        _ if under("localhost") || under("localdomain") => "a name of this machine (localhost)",
        _ if under("internal") => "under .internal, the domain reserved for private networks",
        _ if under("local") => "an mDNS name (.local) of the local network",
        _ if under("home.arpa") => "under home.arpa, the domain reserved for home networks",
        _ if !name.contains('.') => {
            "a single-label name, which only a local resolver or search domain answers"
        }
        _ => return None,
    };
    Some(why)
}

/// Lowercase, without the trailing dot that makes a name absolute
/// (`localhost.` is `localhost`): how every rule and the resolver's pinned
/// names compare host names.
pub fn normalize_name(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// True when `ip` is a public unicast address: one a feed on the internet
/// can have. Everything special-purpose (IANA registries) is refused,
/// including addresses embedded in IPv6 transition forms (`::ffff:a.b.c.d`,
/// 6to4, NAT64), which would otherwise smuggle a private IPv4 past the check.
pub fn is_public(ip: IpAddr) -> bool {
    classify(ip).is_none()
}

/// Names the special-purpose range `ip` belongs to; `None` when public.
pub fn classify(ip: IpAddr) -> Option<&'static str> {
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
