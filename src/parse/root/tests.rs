//! Unit tests of finding and normalising the root element.

use super::*;

#[test]
fn rss_without_version_gets_2_0() {
    let doc = "<?xml version='1.0'?>\n<rss><channel/></rss>".to_owned();
    let root = find_root(&doc).expect("root");
    let mut w = Vec::new();
    let out = normalize_root(doc, &root, &mut w);
    assert!(out.contains(r#"<rss version="2.0">"#), "{out}");
    assert_eq!(w.len(), 1);
}

#[test]
fn rss_unknown_version_and_userland_namespace() {
    let doc = r#"<rss version="2.01" xmlns="http://backend.userland.com/rss2"><channel/></rss>"#
        .to_owned();
    let root = find_root(&doc).expect("root");
    let out = normalize_root(doc, &root, &mut Vec::new());
    assert_eq!(out, r#"<rss version="2.0"><channel/></rss>"#);
}

#[test]
fn atom03_is_mapped() {
    let doc = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title type="text/plain">x</title><modified>2004-01-01T00:00:00Z</modified></entry></feed>"#.to_owned();
    let root = find_root(&doc).expect("root");
    let out = normalize_root(doc, &root, &mut Vec::new());
    assert!(out.contains(ATOM_NS));
    assert!(out.contains(r#"<title type="text">"#), "{out}");
    assert!(
        out.contains("<updated>2004-01-01T00:00:00Z</updated>"),
        "{out}"
    );
}

#[test]
fn root_is_found_past_prolog() {
    let doc =
        "<?xml version='1.0'?><!-- c --><!DOCTYPE rss [<!ENTITY x 'y'>]>\n<rdf:RDF xmlns:rdf='r'>";
    let root = find_root(doc).expect("root");
    assert_eq!(root.local, "RDF");
    assert!(find_root("junk <rss>").is_none());
}

#[test]
fn junk_before_declaration_is_stripped() {
    assert_eq!(
        strip_leading_junk("\n\n<?xml version='1.0'?><rss/>"),
        "<?xml version='1.0'?><rss/>"
    );
    assert_eq!(strip_leading_junk("garbage<rss/>"), "<rss/>");
}
