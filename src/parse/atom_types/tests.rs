//! Unit tests of the Atom text-construct fixes.

use super::*;

#[test]
fn empty_text_constructs_dropped() {
    let s = r#"<entry><title type="html"></title><summary/><content src="x"/></entry>"#;
    assert_eq!(
        drop_empty_text_constructs(s),
        r#"<entry><content src="x"/></entry>"#
    );
}

#[test]
fn atom_types_mapped() {
    let s = r#"<title type="TEXT">a</title><content type="image/png">b</content><summary type='plain'>c</summary>"#;
    assert_eq!(
        map_atom_types(s),
        r#"<title type="text">a</title><content type="image/png">b</content><summary type="text">c</summary>"#
    );
}
