//! Small text helpers shared by the stages.

/// Every run of whitespace (Unicode's definition, so also no-break spaces)
/// as one space, trimmed.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Compiles one of feedloom's own constant patterns. Never called with
/// input: a typo fails every test that reaches the pattern, so a panic here
/// is a build defect, not a runtime condition. Callers keep the result in a
/// `LazyLock` so that each pattern compiles once.
pub(crate) fn built_in_regex(pattern: &str) -> regex::Regex {
    match regex::Regex::new(pattern) {
        Ok(regex) => regex,
        Err(error) => panic!("built-in regex {pattern:?} does not compile: {error}"),
    }
}
