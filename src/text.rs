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

/// Runs html5ever's tokenizer over `html` into `sink` and returns the sink.
/// A tokenizer (no tree) is all that text extraction and link discovery
/// need, and it accepts any markup without failing.
pub(crate) fn tokenize<S: html5ever::tokenizer::TokenSink>(html: &str, sink: S) -> S {
    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::{BufferQueue, Tokenizer, TokenizerOpts};
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // Without a tree builder the tokenizer never pauses for a script.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink
}
