//! Work for the writer done where a feed is parsed, on every core: the
//! topic verdicts of the items that can become new stories, and their
//! near-duplicate candidates checked against the stored texts. Both are
//! hints the writer may use or not (see `FeedUpdate`): a failure here
//! costs the writer time, never a wrong result.

use std::collections::HashSet;

use super::readers::Readers;
use crate::error::error_chain;
use crate::normalize::{ContentHash, Story};
use crate::scoring::{self, Topics};
use crate::store::{self, CandidateChecks, FeedUpdate, SharedStore};

/// Fills `update.verdicts` (with `topics`) and `update.candidates` (with a
/// read connection) for the items whose content is not stored yet.
///
/// Which contents are stored is read on a connection of the parse
/// workers' own when the poller has one ([`Readers`]), else asked of the
/// store only if its lock is free this instant: while the writer holds it
/// (a cold poll, where nearly every item is new) every item is scored
/// rather than wait. Scoring or checking an item that turns out stored is
/// wasted work, nothing more.
pub(super) fn prepare(
    update: &mut FeedUpdate,
    store: &SharedStore,
    readers: &Readers,
    topics: Option<&Topics>,
) {
    let count = update.items.len();
    let items = &update.items;
    let hashes: Vec<&ContentHash> = items.iter().map(|item| &item.story.content_hash).collect();
    let read = readers.read(|reader| -> store::Result<_> {
        let stored = reader.stored_hashes(&hashes)?;
        let new: Vec<usize> = (0..items.len())
            .filter(|&index| !stored.contains(items[index].story.content_hash.as_str()))
            .collect();
        let stories: Vec<&Story> = new.iter().map(|&index| &items[index].story).collect();
        let checks = reader.check_candidates(&stories)?;
        Ok((stored, new, checks))
    });
    let stored = match read {
        Some(Ok((stored, new, checks))) => {
            let mut candidates = vec![CandidateChecks::default(); count];
            for (index, checks) in new.into_iter().zip(checks) {
                candidates[index] = checks;
            }
            update.candidates = candidates;
            stored
        }
        Some(Err(error)) => {
            tracing::debug!(error = %error_chain(&error), "checking candidates before the write failed; the writer checks alone");
            HashSet::new()
        }
        None => match store.try_lock() {
            // A failed read only costs the scoring of every item.
            Some(store) => store.stored_hashes(&hashes).unwrap_or_default(),
            None => HashSet::new(),
        },
    };
    if let Some(topics) = topics {
        update.verdicts = Some(scoring::item_verdicts(topics, &update.items, |item| {
            !stored.contains(item.story.content_hash.as_str())
        }));
    }
}
