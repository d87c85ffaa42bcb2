//! The story text that every part of scoring reads. Its own module so that
//! the rules, the background and the profile can take it without reaching
//! back into the scorer that is built from them.

/// The text of one story, as scored.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub title: &'a str,
    pub text: &'a str,
}
