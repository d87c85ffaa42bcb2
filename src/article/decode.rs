//! An HTML page's bytes as text: the HTTP charset, else the page's own
//! `<meta charset>` (the HTML prescan, within the first 1024 bytes), then
//! the feed parser's rules (BOM, UTF-8, a guess).

use std::sync::LazyLock;

use regex::bytes::Regex;

/// `<meta charset="x">` and `<meta http-equiv=Content-Type content="…; charset=x">`.
static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)<meta\s[^>]*charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"#)
        .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

pub(super) fn html_to_string(bytes: &[u8], content_type: Option<&str>) -> String {
    let http_charset = content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("charset="));
    if http_charset {
        return crate::parse::charset::decode(bytes, content_type).text;
    }
    let head = &bytes[..bytes.len().min(1024)];
    let declared = META_CHARSET
        .captures(head)
        .and_then(|caps| caps.get(1))
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned());
    match declared {
        Some(label) => {
            crate::parse::charset::decode(bytes, Some(&format!("text/html; charset={label}"))).text
        }
        None => crate::parse::charset::decode(bytes, None).text,
    }
}
