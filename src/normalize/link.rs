//! Canonical links: one URL per article, whatever tracking the feed added.

use url::Url;

/// Query parameters that only say how a reader arrived, never which page.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wt_mc",
    "wt.mc_id",
    "cmpid",
    "ocid",
    "sr_share",
    "spm",
    "ncid",
    "__twitter_impression",
    "s_cid",
    "ito",
    "at_medium",
    "at_campaign",
];

/// The canonical form of an article link: fragment dropped, host lowercased
/// (the `url` crate already does that and drops default ports), tracking
/// parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, …) removed. The other
/// parameters keep their order and their exact bytes: re-encoding them
/// (`%20` → `+`, `?id` → `?id=`) could name another resource.
pub fn canonical_link(url: &Url) -> Url {
    let mut canonical = url.clone();
    canonical.set_fragment(None);
    if let Some(query) = url.query() {
        let segments: Vec<&str> = query.split('&').collect();
        let kept: Vec<&str> = segments
            .iter()
            .copied()
            .filter(|segment| !segment.is_empty() && !is_tracking(&segment_key(segment)))
            .collect();
        if kept.len() != segments.len() {
            canonical.set_query((!kept.is_empty()).then(|| kept.join("&")).as_deref());
        }
    }
    canonical
}

/// The decoded name of one `name=value` query segment.
fn segment_key(segment: &str) -> String {
    let name = segment.split('=').next().unwrap_or_default();
    url::form_urlencoded::parse(name.as_bytes())
        .next()
        .map(|(key, _)| key.into_owned())
        .unwrap_or_default()
}

fn is_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING_PARAMS.contains(&key.as_str())
}
