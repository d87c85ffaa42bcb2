//! The HTML river and story pages (CONTRACT STUB — being written).

use super::FeedMeta;
use crate::store::StoredStory;

/// The river: a readable page of `stories`, newest first.
pub fn river(meta: &FeedMeta, stories: &[StoredStory]) -> String {
    let _ = (meta, stories);
    unimplemented!()
}

/// One story with all its sources.
pub fn story_page(meta: &FeedMeta, story: &StoredStory) -> String {
    let _ = (meta, story);
    unimplemented!()
}
