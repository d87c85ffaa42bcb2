//! Unit tests of the repairs: references, stray declarations.

use super::*;

#[test]
fn stray_declarations_go_and_those_in_cdata_stay() {
    let doc = "<?xml version=\"1.0\"?><rss><channel><?xml version=\"1.0\" encoding=\"utf-16\"?>\
               <item><description><![CDATA[<?xml version=\"1.0\"?>]]></description></item>\
               <?xml-stylesheet href=\"s\"?></channel></rss>";
    assert_eq!(
        drop_stray_declarations(doc),
        "<?xml version=\"1.0\"?><rss><channel>\
         <item><description><![CDATA[<?xml version=\"1.0\"?>]]></description></item>\
         <?xml-stylesheet href=\"s\"?></channel></rss>"
    );
    assert!(matches!(
        drop_stray_declarations("<?xml version=\"1.0\"?><a/>"),
        Cow::Borrowed(_)
    ));
    // The document's own declaration after whitespace and a BOM stays;
    // one in a comment stays; one without its `?>` is left alone.
    for kept in [
        "\u{feff} \n<?xml version=\"1.0\"?><a/>",
        "<?xml version=\"1.0\"?><a><!-- <?xml version=\"1.0\"?> --></a>",
        "<?xml version=\"1.0\"?><a><?xml version=\"1.0\" <b/></a>",
    ] {
        assert!(
            matches!(drop_stray_declarations(kept), Cow::Borrowed(_)),
            "{kept}"
        );
    }
    // Linear: a megabyte of declarations goes in one pass.
    let hostile = format!(
        "<?xml version=\"1.0\"?><a>{}</a>",
        "<?xml?>".repeat(150_000)
    );
    assert_eq!(
        drop_stray_declarations(&hostile),
        "<?xml version=\"1.0\"?><a></a>"
    );
}

#[test]
fn bare_ampersands_are_escaped() {
    let (out, n) = fix_references("<a href=\"x?a=1&b=2\">Tom & Jerry &amp; co</a>");
    assert_eq!(
        out,
        "<a href=\"x?a=1&amp;b=2\">Tom &amp; Jerry &amp; co</a>"
    );
    assert_eq!(n, 2);
}

#[test]
fn html_entities_are_decoded() {
    let (out, _) = fix_references("<t>a&nbsp;b &eacute;t&eacute; &hellip; &LT;</t>");
    assert_eq!(out, "<t>a\u{a0}b été … &lt;</t>");
}

#[test]
fn unknown_entity_is_kept_as_text() {
    let (out, _) = fix_references("<t>&bogus;</t>");
    assert_eq!(out, "<t>&amp;bogus;</t>");
}

#[test]
fn invalid_char_refs_dropped_and_c1_mapped() {
    let (out, _) = fix_references("<t>a&#0;b&#xD800;c&#150;d&#8217;</t>");
    assert_eq!(out, "<t>abc–d&#8217;</t>");
}

#[test]
fn cdata_and_comments_are_untouched() {
    let s = "<t><![CDATA[a & b &nbsp;]]><!-- & --></t>";
    assert_eq!(fix_references(s).0, s);
}
