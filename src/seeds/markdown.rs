//! Just enough Markdown stripping for seeds written as `.md`.
//!
//! Seeds are republished as plain text, so markup must not leak into titles
//! or paragraphs; a full Markdown parser would be a dependency for a handful
//! of hand-written files, hence these few line-level rewrites.

use std::sync::LazyLock;

use regex::Regex;

fn re(pattern: &str) -> Regex {
    crate::text::built_in_regex(pattern)
}

static HEADING: LazyLock<Regex> = LazyLock::new(|| re(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$"));
static BLOCK_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s{0,3}(?:>\s?)+|^\s*(?:[-*+]|\d{1,3}[.)])\s+"));
static RULE: LazyLock<Regex> = LazyLock::new(|| re(r"^\s{0,3}(?:[-*_]\s*){3,}$"));
static REFERENCE_DEF: LazyLock<Regex> = LazyLock::new(|| re(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$"));
static IMAGE: LazyLock<Regex> = LazyLock::new(|| re(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])"));
static LINK: LazyLock<Regex> = LazyLock::new(|| re(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])"));
static AUTOLINK: LazyLock<Regex> = LazyLock::new(|| re(r"<((?:https?|mailto):[^>\s]+)>"));
static STRONG_STARS: LazyLock<Regex> = LazyLock::new(|| re(r"\*\*(\S(?:[^*]*?\S)?)\*\*"));
static STRONG_UNDERSCORES: LazyLock<Regex> =
    LazyLock::new(|| re(r"(^|[^\w])__(\S(?:[^_]*?\S)?)__($|[^\w])"));
static EM_STARS: LazyLock<Regex> = LazyLock::new(|| re(r"\*(\S(?:[^*]*?\S)?)\*"));
static EM_UNDERSCORES: LazyLock<Regex> =
    LazyLock::new(|| re(r"(^|[^\w])_(\S(?:[^_]*?\S)?)_($|[^\w])"));
static STRIKE: LazyLock<Regex> = LazyLock::new(|| re(r"~~(\S(?:[^~]*?\S)?)~~"));
static CODE: LazyLock<Regex> = LazyLock::new(|| re(r"`([^`]+)`"));

/// One Markdown line as plain text, and whether it must stay a unit of its
/// own (headings are never joined with the lines around them).
pub(super) fn strip_line(line: &str) -> (String, bool) {
    if RULE.is_match(line) || REFERENCE_DEF.is_match(line) {
        return (String::new(), false);
    }
    let (text, alone) = match HEADING.captures(line).and_then(|c| c.get(1)) {
        Some(heading) => (heading.as_str().to_owned(), true),
        None => {
            let alone = BLOCK_PREFIX.is_match(line);
            (BLOCK_PREFIX.replace(line, "").into_owned(), alone)
        }
    };
    (strip_inline(&text), alone)
}

/// Inline markup only: images go (they are furniture), links keep their text.
pub(super) fn strip_inline(text: &str) -> String {
    let text = IMAGE.replace_all(text, "");
    let text = LINK.replace_all(&text, "$1");
    let text = AUTOLINK.replace_all(&text, "$1");
    let text = CODE.replace_all(&text, "$1");
    let text = STRONG_STARS.replace_all(&text, "$1");
    let text = STRONG_UNDERSCORES.replace_all(&text, "${1}${2}${3}");
    let text = EM_STARS.replace_all(&text, "$1");
    let text = EM_UNDERSCORES.replace_all(&text, "${1}${2}${3}");
    STRIKE.replace_all(&text, "$1").into_owned()
}

#[cfg(test)]
mod tests;
