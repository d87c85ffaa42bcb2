//! HTML in and out of stories: sanitizing for republication, and the plain
//! text that hashing, scoring and search work on.

use std::cell::RefCell;
use std::collections::HashSet;

use ammonia::UrlRelative;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{TagKind, Token, TokenSink, TokenSinkResult};
use url::Url;

/// Sanitizes feed HTML so that it is safe to republish: no script, style,
/// event handlers, forms or frames; only http(s) and mailto URLs; relative
/// links resolved against `base` (and dropped when there is no base, since
/// they would point into feedloom's own site). Links get
/// `rel="noopener noreferrer nofollow"`.
pub fn sanitize_html(html: &str, base: Option<&Url>) -> String {
    if nesting_depth(html) > MAX_DEPTH {
        // html5ever's tree builder walks the stack of open elements at
        // every tag, so its time grows with the square of the depth (10,000
        // nested <div>s: seconds). No article nests this deep; what does is
        // an attack or a broken generator, and its text is all it keeps.
        return text_to_html(&html_to_text(html));
    }
    SANITIZER.with_borrow_mut(|builder| {
        builder.url_relative(match base {
            Some(base) => UrlRelative::RewriteWithBase(base.clone()),
            None => UrlRelative::Deny,
        });
        builder.clean(html).to_string().trim().to_owned()
    })
}

thread_local! {
    /// The sanitizer's rules, built once per thread: an ammonia `Builder`
    /// is a dozen hash sets of tags and attributes, and building it for
    /// every item was a seventieth of a cold poll's CPU. Only the base for
    /// relative links changes from call to call.
    static SANITIZER: RefCell<ammonia::Builder<'static>> = RefCell::new({
        let mut builder = ammonia::Builder::default();
        builder
            .url_schemes(["http", "https", "mailto"].into_iter().collect::<HashSet<_>>())
            .link_rel(Some("noopener noreferrer nofollow"))
            .strip_comments(true);
        builder
    });
}

/// The deepest nesting [`sanitize_html`] builds a tree for. Real articles
/// stay under 40.
pub const MAX_DEPTH: usize = 512;

/// How deep the elements of `html` nest, by start and end tags: void
/// elements and those whose end tag is optional (`p`, `li`, `td`: the parser
/// closes them implicitly) do not count. Only measured when there are
/// enough tags to reach [`MAX_DEPTH`] at all.
fn nesting_depth(html: &str) -> usize {
    if html.bytes().filter(|&b| b == b'<').count() <= MAX_DEPTH {
        return 0;
    }
    crate::text::tokenize(html, DepthSink::default()).max.get()
}

/// Elements that never hold content, or whose end tag may be left out.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt",
    "rp", "thead", "tbody", "tfoot", "colgroup", "caption",
];

#[derive(Default)]
struct DepthSink {
    depth: std::cell::Cell<usize>,
    max: std::cell::Cell<usize>,
}

impl TokenSink for DepthSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token
            && !NOT_NESTING.contains(&&*tag.name)
        {
            match tag.kind {
                TagKind::StartTag if !tag.self_closing => {
                    self.depth.set(self.depth.get() + 1);
                    self.max.set(self.max.get().max(self.depth.get()));
                    // `<` in a script is not a tag (see `TextSink`).
                    match &*tag.name {
                        "script" => return TokenSinkResult::RawData(RawKind::ScriptData),
                        "style" => return TokenSinkResult::RawData(RawKind::Rawtext),
                        _ => {}
                    }
                }
                TagKind::EndTag => self.depth.set(self.depth.get().saturating_sub(1)),
                TagKind::StartTag => {}
            }
        }
        TokenSinkResult::Continue
    }
}

/// Escapes plain text paragraphs (separated by blank lines) into `<p>`s.
pub fn text_to_html(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", html_escape::encode_text(p)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of an HTML fragment: entities decoded, one paragraph per block
/// element, separated by a blank line; whitespace inside a paragraph
/// collapsed; script and style content skipped.
///
/// A tokenizer is enough here (no tree is needed to find text and block
/// boundaries) and it never fails, whatever the markup.
pub fn html_to_text(html: &str) -> String {
    html_paragraphs(html).join("\n\n")
}

/// The paragraphs [`html_to_text`] joins: each with its whitespace
/// collapsed (so none holds a line break), none empty.
pub(crate) fn html_paragraphs(html: &str) -> Vec<String> {
    let state = crate::text::tokenize(html, TextSink::default())
        .state
        .into_inner();
    let mut paragraphs = state.paragraphs;
    paragraphs.push(state.current);
    paragraphs
        .iter()
        .map(|p| crate::text::collapse_whitespace(p))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Elements that start a new paragraph of text.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Elements whose content is never text a reader sees.
const HIDDEN_ELEMENTS: &[&str] = &["script", "style", "template", "noscript", "head", "title"];

#[derive(Default)]
struct TextSink {
    state: RefCell<TextState>,
}

#[derive(Default)]
struct TextState {
    paragraphs: Vec<String>,
    current: String,
    /// Depth inside hidden elements; text is dropped while above zero.
    hidden: usize,
}

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        match token {
            Token::CharacterTokens(text) if state.hidden == 0 => state.current.push_str(&text),
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                if HIDDEN_ELEMENTS.contains(&name) {
                    match tag.kind {
                        TagKind::StartTag if !tag.self_closing => {
                            state.hidden += 1;
                            // Without a tree builder the tokenizer does not
                            // know that script/style hold raw text; tell it,
                            // so `if (a < b)` is not read as a tag.
                            return match name {
                                "script" => TokenSinkResult::RawData(RawKind::ScriptData),
                                "style" | "noscript" => TokenSinkResult::RawData(RawKind::Rawtext),
                                "title" => TokenSinkResult::RawData(RawKind::Rcdata),
                                _ => TokenSinkResult::Continue,
                            };
                        }
                        TagKind::EndTag => state.hidden = state.hidden.saturating_sub(1),
                        TagKind::StartTag => {}
                    }
                } else if BLOCK_ELEMENTS.contains(&name) {
                    let paragraph = std::mem::take(&mut state.current);
                    if !paragraph.trim().is_empty() {
                        state.paragraphs.push(paragraph);
                    }
                } else if name == "img" {
                    // An image between two words still separates them.
                    state.current.push(' ');
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}
