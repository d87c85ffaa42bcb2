use std::net::IpAddr;

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
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
        "::127.0.0.1",       // IPv4-compatible
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
    assert_eq!(classify(ip("127.0.0.1")), Some("loopback"));
    assert_eq!(classify(ip("172.20.0.1")), Some("private (RFC 1918)"));
    assert_eq!(classify(ip("::ffff:127.0.0.1")), Some("loopback"));
    assert_eq!(classify(ip("fd00::1")), Some("unique-local (fc00::/7)"));
    assert_eq!(classify(ip("8.8.8.8")), None);
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[tokio::test]
async fn ip_literals_are_checked_without_dns() {
    check_public(&url("http://8.8.8.8/feed")).await.unwrap();
    check_public(&url("https://[2606:4700:4700::1111]:8443/x"))
        .await
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
        let err = check_public(&url(s)).await.unwrap_err();
        assert!(
            matches!(err, GuardError::NotPublic { literal: true, .. }),
            "{s}: {err}"
        );
    }
}

#[tokio::test]
async fn error_names_url_host_address_and_override() {
    let err = check_public(&url("http://192.168.1.10/feed.xml"))
        .await
        .unwrap_err();
    let message = err.to_string();
    for part in [
        "http://192.168.1.10/feed.xml",
        "host 192.168.1.10 is 192.168.1.10",
        "private (RFC 1918)",
        "--allow-private",
    ] {
        assert!(message.contains(part), "{part:?} missing from {message:?}");
    }
}

#[tokio::test]
async fn localhost_resolves_to_loopback_and_is_refused() {
    let err = check_public(&url("http://localhost:8080/feed"))
        .await
        .unwrap_err();
    match &err {
        GuardError::NotPublic {
            host,
            address,
            literal,
            ..
        } => {
            assert_eq!(host, "localhost");
            assert!(address.is_loopback(), "{address}");
            assert!(!literal);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("resolves to"), "{err}");
    assert!(err.to_string().contains("--allow-private"), "{err}");
}

#[tokio::test]
async fn other_schemes_are_refused() {
    for s in [
        "file:///etc/passwd",
        "ftp://8.8.8.8/feed",
        "gopher://8.8.8.8/",
    ] {
        let err = check_public(&url(s)).await.unwrap_err();
        assert!(matches!(err, GuardError::Scheme { .. }), "{s}: {err}");
    }
}
