//! The pages' one stylesheet, inlined in every page, and the
//! Content-Security-Policy that allows exactly it.
//!
//! Inline rather than a `/style.css` route: one request per page, nothing to
//! cache-bust, and the page still looks right when saved to disk. It is
//! about 3 KB before compression. System fonts only: a web font would be a
//! request to somebody, or a megabyte for us to serve.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// Light by default, dark when the system asks (`prefers-color-scheme`),
/// both above WCAG AA contrast for body text, muted text and links
/// (`.ci/browser.py` measures it). The measure is about 66 characters
/// of body text in every band of the page: `.wrap`'s width is in `ch` of
/// its own font, so smaller text is set on the paragraphs inside a band
/// (the footer's), never on the band, whose column would narrow and sit
/// indented from the others;
/// `overflow-wrap:anywhere` keeps long URLs and words from widening a phone
/// screen; tap targets in navigation are at least 44 px tall.
pub(super) const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1d1c1a;--muted:#5b5852;--bg:#fbfaf7;--link:#0b50c0;--seen:#6a3c9e;--rule:#dedad0;--accent:#9a3a06;--tint:#f1eee7}
@media (prefers-color-scheme:dark){:root{--fg:#e9e7e3;--muted:#aaa59d;--bg:#151515;--link:#8ab4ff;--seen:#c6a6ff;--rule:#34322f;--accent:#ffb27a;--tint:#222120}}
*,::before,::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.6 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",Ubuntu,Cantarell,\"Helvetica Neue\",Arial,sans-serif;overflow-wrap:anywhere}
.wrap{max-width:calc(66ch + 2.5rem);margin:0 auto;padding:0 1.25rem}
a{color:var(--link);text-decoration-thickness:.07em;text-underline-offset:.18em}
a:visited{color:var(--seen)}
a:hover{text-decoration-thickness:.14em}
:focus-visible{outline:3px solid var(--link);outline-offset:2px;border-radius:2px}
.skip{position:absolute;left:.5rem;top:-5rem;padding:.6rem .9rem;background:var(--bg);z-index:1}
.skip:focus{top:.5rem}
.site{border-bottom:1px solid var(--rule);padding:1.25rem 0 .25rem}
.brand{margin:0 0 .25rem;font-size:1rem;font-weight:700;line-height:1.25}
h1.brand{font-size:clamp(1.5rem,1.1rem + 1.8vw,2.1rem);letter-spacing:-.015em;text-wrap:balance}
.brand a,.brand a:visited{color:inherit;text-decoration:none}
.topics ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;column-gap:1.25rem}
.topics a{display:inline-block;padding:.7rem 0;font-size:.9375rem}
.topics a[aria-current]{color:var(--fg);font-weight:600;text-decoration:underline 2px var(--accent)}
.story{padding:1.25rem 0;border-bottom:1px solid var(--rule)}
.story h2{font-size:1.25rem;line-height:1.3;font-weight:650;margin:0 0 .3rem;text-wrap:balance}
.story h2 a{color:inherit;text-decoration:none}
.story h2 a:visited{color:var(--muted)}
.story h2 a:hover{text-decoration:underline}
.meta,.also{margin:0 0 .4rem;color:var(--muted);font-size:.875rem;line-height:1.5}
.meta a,.also a{color:inherit}
.summary{margin:0}
.also{margin:.5rem 0 0}
.tag{display:inline-block;padding:0 .4em;border:1px solid;border-radius:.3em;color:var(--accent);font-size:.75rem;font-weight:600;letter-spacing:.04em;text-transform:uppercase;line-height:1.5}
.paging{display:flex;flex-wrap:wrap;align-items:center;gap:.75rem 1rem;padding:1.25rem 0}
.paging a{display:inline-block;padding:.6rem 1rem;border:1px solid var(--rule);border-radius:.4rem;text-decoration:none;font-weight:600}
.paging .older{margin-left:auto}
.paging span{color:var(--muted);font-size:.875rem}
.empty{padding:1.5rem 0}
.pageno{margin:1rem 0 0}
.empty a{display:inline-block;padding:.6rem 0}
.full h1{font-size:clamp(1.6rem,1.2rem + 2vw,2.3rem);line-height:1.2;letter-spacing:-.015em;margin:1.5rem 0 .5rem;text-wrap:balance}
.original a{display:inline-block;padding:.4rem 0;font-weight:600}
.content{margin:1.25rem 0 2rem}
.content img,.content video{max-width:100%;height:auto}
.content pre{overflow-x:auto;overflow-wrap:normal;padding:.75rem;background:var(--tint)}
.content table{display:block;overflow-x:auto;overflow-wrap:normal;border-collapse:collapse}
.content td,.content th{padding:.25rem .6rem;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top}
.content blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid var(--rule)}
section h2{font-size:1.05rem;margin:1.75rem 0 .5rem}
section ul{padding-left:1.25rem}
section li{margin:.4rem 0}
footer{border-top:1px solid var(--rule);margin-top:1.5rem;padding:1rem 0 3rem;color:var(--muted)}
footer p{margin:.25rem 0;font-size:.875rem}
footer a{display:inline-block;padding:.3rem 0;color:inherit}
form.search{display:flex;gap:.5rem;margin:.5rem 0 .75rem}
form.search input{flex:1;min-width:0;font:inherit;padding:.45rem .6rem;border:1px solid var(--rule);border-radius:.4rem;background:var(--bg);color:var(--fg)}
form.search button{font:inherit;padding:.45rem .9rem;border:1px solid var(--rule);border-radius:.4rem;background:var(--tint);color:var(--fg)}
.search-title{font-size:1.5rem;margin:1.25rem 0 .5rem}
mark{background:#ffe58a;color:#1b1b1b}
.badge{border:1px solid var(--rule);border-radius:.25rem;padding:0 .3rem;font-size:.8rem}
.badge.on{border-color:var(--link);color:var(--link)}
@media print{.search,.skip,.topics,.paging,footer{display:none}a{color:inherit}}
";

/// The header every HTML response carries. Nothing but `STYLE` may
/// style the page (by hash, so a `<style>` that slipped into a story body
/// would not apply), and nothing may run, be fetched, framed or posted —
/// except images, which story bodies may carry from their own sites. Those
/// are `http:`/`https:` only because that is all the sanitizer lets through;
/// the pages themselves set `<meta name="referrer" content="no-referrer">`
/// so an image host does not learn which page showed it. `form-action 'self'`
/// leaves room for a search box on this site.
pub fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        format!(
            "default-src 'none'; style-src 'sha256-{}'; img-src http: https:; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            base64(&Sha256::digest(STYLE.as_bytes()))
        )
    })
}

/// Standard base64 with padding (RFC 4648 §4), what CSP hash sources use.
/// Twenty lines here rather than a crate for one hash.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
