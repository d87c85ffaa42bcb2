//! Per-unit classification of scraped text: prose versus site chrome.
//!
//! Scrapes mix the article with navigation, widgets and comment threads, all
//! flattened into lines. Nothing in the text says which is which, so every
//! unit (a paragraph or a stand-alone line) is judged on its own shape —
//! length, sentence punctuation, share of lowercase words — and on widget
//! vocabulary that only makes sense as page furniture. The patterns describe
//! kinds of furniture, never the lines of particular seeds.

use std::sync::LazyLock;

use regex::Regex;

use super::lexicon;
use super::words::word_count;

/// What a unit most likely is; drives both the body search and what is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A sentence-like paragraph: the evidence that the article is here.
    Prose,
    /// A terminated but short paragraph (a one-line quote, "Yes."): kept
    /// inside the article, yet too weak to locate it.
    Short,
    /// An unterminated line: a headline, subheading, caption or teaser title.
    Heading,
    /// Page furniture: menus, widgets, bylines, share and donation buttons.
    Chrome,
    /// A line that is mostly a date: furniture, but it feeds the dateline.
    Date,
    /// Syndication and credit trailers that follow the body.
    Trailer,
    /// A photo caption, recognised by its trailing photo credit.
    Caption,
}

impl Kind {
    /// Whether the unit is text of the article when found inside it.
    pub(super) fn is_text(self) -> bool {
        matches!(self, Kind::Prose | Kind::Short)
    }
}

fn re(pattern: &str) -> Regex {
    crate::text::built_in_regex(pattern)
}

/// Whole-line widget labels. Anchored, so that a headline merely mentioning
/// "photo" or "support" is not taken for a button.
static WIDGET_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?ix)^(?:
        main\ menu | menu | skip\ to\ (?:main\ )?content | search(?:\ for)? | home
        | (?:latest|breaking)(?:\ news)? | top\ stories | trending(?:\ now)?
        | exit\ mobile\ version | mobile\ version | (?:support|donate\ to|subscribe\ to|follow)\ \S+(?:\ \S+)?
        | support\ us | donate(?:\ now)? | subscribe(?:\ now)? | sign\ (?:up|in)(?:\ now)?
        | log\ ?in | log\ ?out | register | newsletter | share(?:\ this(?:\ article|\ story|\ post)?)?
        | (?:share|post)\ (?:on|via)\ \S+ | tweet | facebook | twitter | x | whatsapp | telegram
        | linkedin | pinterest | reddit | e-?mail | print | copy\ link | click\ (?:here|to\ .*)
        | tap\ (?:here|to\ .*) | advertisement | advertising | sponsored(?:\ content)? | ad
        | you\ (?:may|might)\ (?:also\ )?like | more\ (?:stories|news|articles) | recommended(?:\ for\ you)?
        | most\ (?:read|popular|viewed) | popular\ (?:posts|stories) | editor'?s\ picks?
        | see\ also | like\ this | like | loading\.* | published | updated | posted | on | by | at
        | tags?(?:\ .*)? | categor(?:y|ies)(?:\ .*)? | filed\ under(?:\ .*)? | posted\ in(?:\ .*)?
        | back\ to\ top | close | previous(?:\ (?:article|post|story))? | next(?:\ (?:article|post|story))?
        | accept(?:\ all)?(?:\ cookies)? | reject(?:\ all)? | cookie\ (?:settings|policy|preferences)
        | privacy\ policy | terms\ of\ (?:use|service) | all\ rights\ reserved.* | (?:©|copyright|\(c\)).*
        | photo | image | gallery | video | watch(?:\ now|\ video)? | listen(?:\ now)? | audio
        | get\ the\ app | download\ the\ app | related(?:\ \S+)?
    )\s*[:.!]?$"#)
});

/// Phrases that only boilerplate uses, even when it is phrased as a sentence
/// (cookie banners, newsletter boxes, donation appeals).
static BOILERPLATE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)
        we\ use\ cookies | uses\ cookies | by\ continuing\ to\ (?:use|browse) | accept\ (?:all\ )?cookies
        | (?:sign\ up|subscribe)\ (?:for|to)\ (?:our|the)\ (?:free\ |daily\ |weekly\ )?newsletter
        | delivered\ (?:straight\ |directly\ )?to\ your\ inbox | enter\ your\ e-?mail
        | support\ (?:our|independent)\ journalism | please\ consider\ (?:donating|supporting)
        | all\ rights\ reserved | click\ to\ see\ full-size | click\ here\ to | enable\ javascript
        | javascript\ is\ (?:disabled|required) | download\ (?:our|the)\ app
        | your\ e-?mail\ address\ will\ not\ be\ published | required\ fields\ are\ marked
    ")
});

/// Author lines: "By Jane Doe", "By Jane Doe | Reuters".
static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?i:by|written by|words by|story by)\s+\p{Lu}[\w.'’-]*(?:\s+\p{Lu}[\w.'’-]*){0,4}(?:\s*[,|–—-].*)?$",
    )
});

/// Trailers appended by syndication, agencies and editors.
static TRAILER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^(?:
        the\ post\ .+\ appeared\ first\ on\ .+
        | read\ more\b.* | continue\ reading\b.* | (?:also\ read|read\ also|see\ also|related|watch|listen)\s*:.*
        | \(?\s*with\ (?:inputs|input|agency\ inputs)\ from\ [^)]*\)?\.?
        | \((?:photo|image|picture|source|credit|photo\ credit|file\ photo)\b[^)]*\)
        | (?:photo|image|picture|source|credit|photo\ credit|featured\ image|cover\ image|header\ image|lead\ image)
          (?:\ credit)?\s*:.*
        | this\ (?:article|story|post)\ (?:was|is|has\ been)\ (?:originally\ )?(?:published|republished|syndicated)\b.*
        | (?:originally|first)\ published\ (?:on|at|by|in)\b.*
    )$")
});

/// Credit lines such as "Edited by A and B" or "Reporting by A; Editing by B".
static CREDIT_START: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:edited|written|reported|compiled|translated|produced|reporting|additional reporting|editing|writing|photos?|images?|graphics?|illustrations?|video)\s+by\s",
    )
});

/// A trailing photo credit in parentheses, e.g. "(Jane Doe - Pool/Getty Images)".
static PHOTO_CREDIT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\(([^()]{2,100})\)\s*$"));

static CREDIT_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:getty|images?|photos?|photograph(?:er)?|shutterstock|courtesy|credit|alamy|unsplash|wikimedia|pool|file photo|ap photo)\b",
    )
});

/// Breadcrumb trails: "Home > World > Asia".
static BREADCRUMB: LazyLock<Regex> = LazyLock::new(|| re(r"\S\s*[>»›/|•·]\s*\S.*[>»›/|•·]"));

/// Closing characters that may follow a sentence's final punctuation.
const CLOSERS: &[char] = &['"', '\'', '”', '’', '»', ')', ']', '*', '_'];

/// Whether the text ends like a sentence (after any closing quotes).
pub(super) fn is_terminated(text: &str) -> bool {
    text.trim_end_matches(CLOSERS)
        .ends_with(['.', '!', '?', '…', ':', ';'])
}

/// Share of words that start lowercase: running prose is mostly lowercase,
/// headlines and menus are mostly capitalised.
fn lowercase_share(text: &str) -> f32 {
    let mut lettered = 0u32;
    let mut lower = 0u32;
    for word in text.split_whitespace() {
        if let Some(first) = word.chars().find(|c| c.is_alphabetic()) {
            lettered += 1;
            if first.is_lowercase() {
                lower += 1;
            }
        }
    }
    if lettered == 0 {
        0.0
    } else {
        lower as f32 / lettered as f32
    }
}

/// Judges one unit; the order matters: trailers and captions can look like
/// prose, and widget labels can end in a colon like a sentence.
pub(super) fn classify(text: &str) -> Kind {
    if is_trailer(text) {
        Kind::Trailer
    } else if is_caption(text) {
        Kind::Caption
    } else if super::dateline::is_date_line(text) {
        Kind::Date
    } else if is_chrome(text) {
        Kind::Chrome
    } else if is_prose(text) {
        Kind::Prose
    } else if is_terminated(text) {
        Kind::Short
    } else {
        Kind::Heading
    }
}

fn is_trailer(text: &str) -> bool {
    let words = word_count(text);
    (words <= 40
        && (TRAILER.is_match(text)
            || is_notice(text)
            || lexicon::starts_with_phrase(text, lexicon::CROSS_LINK_PREFIXES)))
        || is_credit_line(text, words)
}

/// "The post … appeared first on …", "Dieser Artikel erschien zuerst …".
static SYNDICATED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^the\ post\ .+\ appeared\ first\ on\ .+$"));

/// A republishing or syndication notice: it says where the article came
/// from, so nothing after it is the article's text. Short, so that a
/// sentence merely opening with the same words stays prose.
pub(super) fn is_notice(text: &str) -> bool {
    word_count(text) <= 40
        && (lexicon::starts_with_phrase(text, lexicon::NOTICE_PREFIXES)
            || SYNDICATED.is_match(text))
}

/// Text missing only its final stop: the last paragraph before a notice
/// often ends in a link or a name. Long enough and mostly lowercase, as
/// running text is; a headline or a menu is neither.
pub(super) fn reads_as_sentence(text: &str) -> bool {
    word_count(text) >= 8 && lowercase_share(text) >= 0.5
}

/// Credit lines name people, so every word after the first "by" is either
/// capitalised or a connector; this spares sentences like "Written by hand,
/// the letter was …".
fn is_credit_line(text: &str, words: usize) -> bool {
    if words > 16 || !CREDIT_START.is_match(text) {
        return false;
    }
    const CONNECTORS: &[&str] = &["and", "by", "in", "with", "from", "editing", "writing", "&"];
    text.split_whitespace()
        .skip_while(|w| !w.eq_ignore_ascii_case("by"))
        .skip(1)
        .all(|w| {
            let bare = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '&');
            bare.is_empty()
                || bare.chars().next().is_some_and(char::is_uppercase)
                || CONNECTORS.contains(&bare.to_lowercase().as_str())
        })
}

/// A caption ends with a photo credit; the sentence before it restates the
/// story, so the whole unit goes.
fn is_caption(text: &str) -> bool {
    let Some(credit) = PHOTO_CREDIT.captures(text).and_then(|c| c.get(1)) else {
        return false;
    };
    CREDIT_WORDS.is_match(credit.as_str()) && word_count(text) <= 80
}

fn is_chrome(text: &str) -> bool {
    if !text.chars().any(char::is_alphabetic) {
        return true;
    }
    let words = word_count(text);
    (words <= 10 && (WIDGET_LINE.is_match(text) || lexicon::is_label(text, lexicon::WIDGET_LINES)))
        || (words <= 60
            && (BOILERPLATE.is_match(text)
                || lexicon::contains_phrase(text, lexicon::BOILERPLATE_PHRASES)))
        || (words <= 12 && !is_terminated(text) && BYLINE.is_match(text))
        || (words <= 10 && BREADCRUMB.is_match(text) && !is_terminated(text))
}

/// Sentence-shaped text. Long unterminated text also counts, because decks
/// and ledes are often printed without a final stop.
fn is_prose(text: &str) -> bool {
    let words = word_count(text);
    let lower = lowercase_share(text);
    (words >= 5 && is_terminated(text) && lower >= 0.25) || (words >= 20 && lower >= 0.5)
}

#[cfg(test)]
mod tests;
