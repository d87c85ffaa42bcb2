//! Text from the configuration, the feeds and the servers they are on,
//! made safe to print on a terminal. A feed title (from `--title`, an OPML
//! import or the feed itself) or a server's error text is anyone's text:
//! printed raw, an escape sequence in it can recolour the terminal,
//! rewrite its title, move the cursor over earlier lines or, with some
//! terminals, answer back; a bidirectional override can reorder the line.
//!
//! Widths are display columns (Unicode's East Asian width: a CJK character
//! takes two, a combining mark none), so that tables line up and fit.

use unicode_width::UnicodeWidthChar;

/// Bidirectional formatting characters: not control characters to
/// `char::is_control`, but they reorder what follows them on the line.
const BIDI: [char; 11] = [
    '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}',
];

/// How one character is printed: tabs and line breaks as a space (a table
/// row stays one line), other control characters (C0, DEL, C1) and the
/// bidirectional ones as a visible escape such as `\u{1b}`, anything else
/// as itself.
fn printable(c: char) -> Printable {
    match c {
        '\t' | '\n' | '\r' => Printable::Char(' '),
        c if c.is_control() || BIDI.contains(&c) => {
            Printable::Escaped(c.escape_unicode().to_string())
        }
        c => Printable::Char(c),
    }
}

enum Printable {
    Char(char),
    Escaped(String),
}

impl Printable {
    /// Display columns.
    fn width(&self) -> usize {
        match self {
            Self::Char(c) => c.width().unwrap_or(0),
            // ASCII only: one column a character.
            Self::Escaped(text) => text.len(),
        }
    }

    fn push_to(&self, out: &mut String) {
        match self {
            Self::Char(c) => out.push(*c),
            Self::Escaped(text) => out.push_str(text),
        }
    }
}

/// `text` safe for a terminal (see [`printable`]) and at most `max`
/// display columns wide: when it would be wider, it is cut before the
/// character (or escape, never split) that would overflow, and ends in
/// an ellipsis. Keeps a table readable and every column within what
/// formatting can pad (a title of 65,536 characters once made `feeds ls`
/// panic).
pub(super) fn cell(text: &str, max: usize) -> String {
    let mut out = String::new();
    let total: usize = text.chars().map(|c| printable(c).width()).sum();
    // Room for an ellipsis unless the whole text fits.
    let room = if total <= max {
        max
    } else {
        max.saturating_sub(1)
    };
    let mut used = 0;
    for piece in text.chars().map(printable) {
        if used + piece.width() > room {
            if max > 0 {
                out.push('…');
            }
            return out;
        }
        piece.push_to(&mut out);
        used += piece.width();
    }
    out
}

/// A message of several lines (an edit's outcome, which quotes titles from
/// `--title`, an OPML file or a feed) safe for a terminal: each line as
/// [`cell`] makes it, uncut.
pub(super) fn lines(text: &str) -> String {
    text.lines()
        .map(|line| cell(line, usize::MAX))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Display columns `text` takes on a terminal (text from [`cell`]:
/// printable characters only).
pub(super) fn width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `text` left-aligned in `columns` display columns (wider text is left as
/// it is: `cell` bounds it). Pads by hand, since `format!`'s width counts
/// characters, and is limited to 65,535 and panics beyond.
pub(super) fn pad(text: &str, columns: usize) -> String {
    let missing = columns.saturating_sub(width(text));
    let mut out = String::with_capacity(text.len() + missing);
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', missing));
    out
}

#[cfg(test)]
mod tests;
