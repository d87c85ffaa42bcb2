//! Unit tests of the stylesheet and the content-security policy that names it.

use super::*;

#[test]
fn base64_matches_rfc_4648_vectors() {
    for (input, output) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(input.as_bytes()), output);
    }
}

#[test]
fn the_policy_names_the_stylesheet_and_nothing_else_runs() {
    let policy = content_security_policy();
    assert!(policy.starts_with("default-src 'none'; style-src 'sha256-"));
    assert!(!policy.contains("unsafe"));
    assert!(!policy.contains("script-src"));
    // A SHA-256 is 44 base64 characters.
    let hash = policy
        .split("'sha256-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_default();
    assert_eq!(hash.len(), 44, "{policy}");
}

/// The browser compares the hash with the `<style>` element's text as
/// the page has it; any drift between the two unstyles every page.
#[test]
fn the_policy_hash_is_the_pages_style_element() {
    let site = url::Url::parse("https://loom.example/").unwrap_or_else(|e| panic!("{e}"));
    let meta = crate::publish::FeedMeta {
        title: "t".to_owned(),
        site_url: site.clone(),
        root_url: site.clone(),
        self_url: site,
        updated: chrono::DateTime::default(),
    };
    let page =
        crate::publish::html::river(&meta, &[], crate::publish::html::Paging::default(), &[]);
    let inline = page
        .split("<style>")
        .nth(1)
        .and_then(|rest| rest.split("</style>").next())
        .unwrap_or_default();
    assert_eq!(page.matches("<style>").count(), 1);
    let hash = base64(&Sha256::digest(inline.as_bytes()));
    assert!(content_security_policy().contains(&format!("'sha256-{hash}'")));
}

#[test]
fn the_stylesheet_has_no_external_references() {
    let style = STYLE.to_ascii_lowercase();
    for banned in ["@import", "url(", "http:", "https:", "@font-face"] {
        assert!(!style.contains(banned), "{banned} in the stylesheet");
    }
}

/// `.wrap`'s width is in `ch` of its own font: a font size set on a band
/// that holds a `.wrap` (the header, the footer) narrows that band's
/// column, which then sits indented from the content's (the footer was
/// 60 px in on a desktop). Smaller text goes on what is inside the band.
/// `.ci/browser.py` measures the edges in Chromium.
#[test]
fn no_band_around_a_wrap_changes_the_font_size() {
    let bands = [
        "header",
        "footer",
        ".site",
        "main",
        "body>header",
        "body>footer",
    ];
    for rule in STYLE.split('}') {
        let Some((selectors, declarations)) = rule.split_once('{') else {
            continue;
        };
        let selectors = selectors.rsplit('\n').next().unwrap_or(selectors);
        for selector in selectors.split(',').map(str::trim) {
            if bands.contains(&selector) {
                assert!(
                    !declarations.contains("font-size") && !declarations.contains("font:"),
                    "`{selector}{{{declarations}}}` sets the font size of a band around a .wrap"
                );
            }
        }
    }
}
