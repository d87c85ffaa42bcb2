use std::net::IpAddr;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn allowing(entries: &[&str]) -> Policy {
    Policy::new(
        entries
            .iter()
            .map(|entry| Allowed::parse(entry).unwrap())
            .collect(),
    )
}

#[test]
fn public_addresses_pass() {
    for s in [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "172.15.255.255", // just below 172.16/12
        "172.32.0.0",     // just above 172.16/12
        "100.63.255.255", // just below 100.64/10
        "100.128.0.0",    // just above 100.64/10
        "169.253.255.255",
        "192.167.255.255",
        "223.255.255.255", // last before multicast
        "11.0.0.0",
        "2606:4700:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:8.8.8.8",    // mapped public IPv4
        "2002:0808:0808::1", // 6to4 of 8.8.8.8
        "64:ff9b::808:808",  // NAT64 of 8.8.8.8
    ] {
        assert!(is_public(ip(s)), "{s} should be public");
    }
}

#[test]
fn special_addresses_are_refused() {
    for s in [
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.0",
        "10.255.255.255",
        "172.16.0.0",
        "172.31.255.255",
        "192.168.0.1",
        "192.168.255.255",
        "169.254.0.1",
        "169.254.169.254", // cloud metadata
        "100.64.0.0",
        "100.127.255.255",
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",
        "198.51.100.7",
        "203.0.113.200",
        "198.18.0.1",
        "192.0.0.8",
        "::",
        "::1",
        "fc00::1",
        "fdff:ffff::1",
        "fe80::1",
        "febf::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::",
        "2001:db8:ffff::1",
        "3fff::1",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "::ffff:169.254.169.254",
        "::ffff:100.64.0.1",
        "::ffff:224.0.0.1",
        "::ffff:0.0.0.0",
        "::ffff:255.255.255.255",
        "::127.0.0.1",       // IPv4-compatible
        "::10.0.0.1",        // IPv4-compatible
        "::169.254.169.254", // IPv4-compatible
        "2002:7f00:0001::1", // 6to4 of 127.0.0.1
        "2002:c0a8:0101::1", // 6to4 of 192.168.1.1
        "64:ff9b::a00:1",    // NAT64 of 10.0.0.1
        "64:ff9b:1::1",      // NAT64 local use
        "2001::1",           // Teredo
        "100::1",            // discard
        "4000::1",           // outside 2000::/3
    ] {
        assert!(!is_public(ip(s)), "{s} should be refused");
    }
}

#[test]
fn kinds_are_named() {
    for (address, kind) in [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("172.20.0.1", "private (RFC 1918)"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:192.168.0.1", "private (RFC 1918)"),
        ("fd00::1", "unique-local (fc00::/7)"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT (100.64.0.0/10)"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("0.0.0.0", "unspecified (\"this network\", 0.0.0.0/8)"),
        ("::", "unspecified"),
        ("192.0.2.1", "documentation"),
        ("2001:db8::1", "documentation"),
    ] {
        assert_eq!(classify(ip(address)), Some(kind), "{address}");
    }
    assert_eq!(classify(ip("8.8.8.8")), None);
}

#[test]
fn ip_literals_are_checked_without_dns() {
    let policy = Policy::default();
    policy.check_url(&url("http://8.8.8.8/feed"), None).unwrap();
    policy
        .check_url(&url("https://[2606:4700:4700::1111]:8443/x"), None)
        .unwrap();
    for s in [
        "http://127.0.0.1:8080/feed",
        "http://[::1]/feed",
        "http://10.0.0.5/rss",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        // The url crate normalizes these spellings of 127.0.0.1.
        "http://2130706433/",
        "http://0x7f.1/",
    ] {
        let err = policy.check_url(&url(s), None).unwrap_err();
        assert!(
            matches!(*err, GuardError::NotPublic { literal: true, .. }),
            "{s}: {err}"
        );
    }
}

#[test]
fn the_configured_literal_address_is_trusted_and_no_other() {
    let policy = Policy::default();
    let trusted = literal_address(&url("http://127.0.0.1:1200/rss"));
    assert_eq!(trusted, Some(ip("127.0.0.1")));
    for same in [
        "http://127.0.0.1:1200/rss",
        "http://127.0.0.1:9999/elsewhere",
        "https://127.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
    ] {
        policy.check_url(&url(same), trusted).unwrap();
    }
    for other in [
        "http://127.0.0.2:1200/rss",
        "http://[::1]:1200/rss",
        "http://169.254.169.254/latest/meta-data/",
    ] {
        assert!(policy.check_url(&url(other), trusted).is_err(), "{other}");
    }
    assert_eq!(literal_address(&url("http://rsshub.lan/")), None);
}

#[test]
fn local_only_names_are_refused_without_dns() {
    let policy = Policy::default();
    for s in [
        "http://localhost:8080/feed",
        "http://localhost./feed",
        "http://LOCALHOST/feed",
        "http://app.localhost/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata.google.internal./",
        "http://metadata/computeMetadata/v1/",
        "http://instance-data.ec2.internal/latest/",
        "http://db.corp.internal/",
        "http://printer.local/",
        "http://nas.home.arpa/",
        "http://rsshub:1200/",
    ] {
        let err = policy.check_url(&url(s), None).unwrap_err();
        assert!(matches!(*err, GuardError::LocalName { .. }), "{s}: {err}");
        assert!(err.to_string().contains("allow_private"), "{err}");
    }
    let err = policy
        .check_url(&url("http://LocalHost./feed"), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("add \"localhost\" to [fetch] allow_private"),
        "the entry to write has no trailing dot: {err}"
    );
    for s in [
        "https://news.example/feed",
        "http://no-such-host.invalid/rss",
        "http://localhost.example.com/",
        "http://internal.example.com/",
    ] {
        policy.check_url(&url(s), None).unwrap();
    }
}

#[test]
fn other_schemes_are_refused_whatever_the_policy() {
    for s in [
        "file:///etc/passwd",
        "ftp://8.8.8.8/feed",
        "gopher://8.8.8.8/",
    ] {
        let err = Policy::everything().check_url(&url(s), None).unwrap_err();
        assert!(matches!(*err, GuardError::Scheme { .. }), "{s}: {err}");
    }
}

#[test]
fn everything_allows_every_host() {
    let policy = Policy::everything();
    policy
        .check_url(&url("http://169.254.169.254/latest/"), None)
        .unwrap();
    policy.check_url(&url("http://localhost/"), None).unwrap();
    policy
        .check_resolved("evil.test", &[ip("127.0.0.1")])
        .unwrap();
}

#[test]
fn listed_names_subdomains_and_networks_are_allowed_and_nothing_else() {
    let policy = allowing(&["rsshub.lan", "*.home.arpa", "10.0.0.0/8", "fd00::/8"]);
    // Names: the name alone, or anything under the domain.
    policy
        .check_resolved("rsshub.lan", &[ip("192.168.1.5")])
        .unwrap();
    policy
        .check_resolved("RSSHub.lan.", &[ip("127.0.0.1")])
        .unwrap();
    policy
        .check_resolved("nas.home.arpa", &[ip("192.168.1.6")])
        .unwrap();
    policy
        .check_url(&url("http://nas.home.arpa/feed"), None)
        .unwrap();
    assert!(
        policy
            .check_url(&url("http://home.arpa/feed"), None)
            .is_err(),
        "*.home.arpa is not home.arpa itself"
    );
    assert!(
        policy
            .check_resolved("other.lan", &[ip("192.168.1.5")])
            .is_err()
    );
    assert!(
        policy
            .check_resolved("xrsshub.lan", &[ip("192.168.1.5")])
            .is_err()
    );
    // Networks: any name, any literal, inside them.
    policy
        .check_resolved("feeds.corp.example", &[ip("10.20.30.40")])
        .unwrap();
    policy
        .check_url(&url("http://10.1.2.3:1200/rss"), None)
        .unwrap();
    policy
        .check_url(&url("http://[::ffff:10.1.2.3]/"), None)
        .unwrap();
    policy
        .check_url(&url("http://[fd12::1]/rss"), None)
        .unwrap();
    // Not the metadata service, not loopback, not another private range.
    for address in ["169.254.169.254", "127.0.0.1", "192.168.1.1", "fe80::1"] {
        assert!(
            policy
                .check_resolved("feeds.corp.example", &[ip(address)])
                .is_err(),
            "{address}"
        );
    }
    // Every address must pass, not just one.
    assert!(
        policy
            .check_resolved("mixed.example", &[ip("10.0.0.1"), ip("127.0.0.1")])
            .is_err()
    );
}

#[test]
fn allowed_entries_parse_and_print() {
    for (text, printed) in [
        ("rsshub.lan", "rsshub.lan"),
        ("RSSHub.LAN.", "rsshub.lan"),
        ("*.home.arpa", "*.home.arpa"),
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.1.2.3/8", "10.0.0.0/8"),
        ("192.168.1.20", "192.168.1.20/32"),
        ("[fd00::1]", "fd00::1/128"),
        ("::ffff:10.0.0.1", "10.0.0.1/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
    ] {
        assert_eq!(Allowed::parse(text).unwrap().to_string(), printed, "{text}");
    }
    for bad in [
        "",
        "http://rsshub.lan/",
        "rsshub.lan:1200",
        "10.0.0.0/33",
        "fd00::/129",
        "10.0.0/8",
        "*.",
        "a..b",
        "rsshub.lan/feed",
    ] {
        assert!(Allowed::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn refusals_name_the_host_the_address_and_how_to_allow_it() {
    let err = Policy::default()
        .check_url(&url("http://192.168.1.10/feed.xml"), None)
        .unwrap_err();
    let message = err.to_string();
    for part in [
        "refusing http://192.168.1.10/feed.xml: 192.168.1.10 is a private (RFC 1918) address",
        "private (RFC 1918)",
        "add \"192.168.1.10\" to [fetch] allow_private",
    ] {
        assert!(message.contains(part), "{part:?} missing from {message:?}");
    }
    let err = Policy::default()
        .check_resolved("evil.test", &[ip("127.0.0.1")])
        .unwrap_err();
    let message = err.to_string();
    for part in [
        "refusing to connect to evil.test",
        "evil.test resolves to 127.0.0.1, a loopback address",
        "add \"evil.test\" to [fetch] allow_private",
    ] {
        assert!(message.contains(part), "{part:?} missing from {message:?}");
    }
}
