//! OPML 2.0 subscription lists (CONTRACT STUB — being written).

/// One subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub title: Option<String>,
    pub xml_url: String,
    /// The feed's web site, when known.
    pub html_url: Option<String>,
}

/// Renders an OPML 2.0 document listing `outlines`.
pub fn render(title: &str, outlines: &[Outline]) -> String {
    let _ = (title, outlines);
    unimplemented!()
}
