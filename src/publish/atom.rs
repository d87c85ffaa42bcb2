//! Atom 1.0 (RFC 4287) (CONTRACT STUB — being written).

use super::FeedMeta;
use crate::store::StoredStory;

/// Renders `stories` (already ordered and limited) as a complete document.
pub fn render(meta: &FeedMeta, stories: &[StoredStory]) -> String {
    let _ = (meta, stories);
    unimplemented!()
}
