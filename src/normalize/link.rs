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
/// parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, …) removed, the other
/// parameters kept in their order.
pub fn canonical_link(url: &Url) -> Url {
    let mut canonical = url.clone();
    canonical.set_fragment(None);
    if canonical.query().is_some() {
        let kept: Vec<(String, String)> = canonical
            .query_pairs()
            .filter(|(key, _)| !is_tracking(key))
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        if kept.is_empty() {
            canonical.set_query(None);
        } else {
            canonical.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    canonical
}

fn is_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING_PARAMS.contains(&key.as_str())
}
