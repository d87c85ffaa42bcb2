//! Where each river page begins, learned once per change: old `?page=N`
//! links (and anyone typing one) are answered by key, like the river's
//! own "Older stories" links, instead of by an OFFSET that reads every
//! story before the page.
//!
//! At 100,000 stories an OFFSET page 150 took 157 ms against 0.8 ms by
//! key, and a flood of random numbered pages kept every read connection
//! busy. Now the first request for a deep page reads the ids up to it (one
//! scan of the ids alone); every later one, for any page up to it, starts
//! at a remembered story, until the next change.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::store::{self, StoryQuery, StoryReader};

/// (topic, limit) pairs remembered: a topic's river at its default limit
/// and a few others; a crawler varying `?limit=` only resets the map.
const MAX_MARKED: usize = 16;

/// Where page `n` (from 1) of a river begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Start {
    /// The newest story: page 1.
    Newest,
    /// Just after this story (the last of the page before).
    After(String),
    /// Past the last story: an empty page.
    PastEnd,
}

/// One river's page ends at one generation.
#[derive(Default)]
struct Marks {
    generation: u64,
    /// The uid of the last story of page 1, 2, …, as far as asked.
    ends: Vec<String>,
    /// Every story was read: no page past `ends` has any.
    complete: bool,
}

/// The page ends of each topic's river, per `?limit=`.
#[derive(Default)]
pub(super) struct PageMarks {
    marks: Mutex<HashMap<(String, usize), Marks>>,
}

impl PageMarks {
    fn marks(&self) -> MutexGuard<'_, HashMap<(String, usize), Marks>> {
        match self.marks.lock() {
            Ok(marks) => marks,
            // Marks are a cache: a panic cannot make them wrong, only
            // stale, and a stale generation is never used.
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Where page `page` of `query`'s river (pages of `limit` stories)
    /// begins at `generation`, reading the ids it does not know yet from
    /// `store` (outside the lock: two requests may read the same ids once
    /// each, never a page's worth more).
    pub(super) fn start(
        &self,
        store: &dyn StoryReader,
        query: &StoryQuery,
        limit: usize,
        page: usize,
        generation: u64,
    ) -> Result<Start, store::Error> {
        let limit = limit.max(1);
        let Some(wanted) = page.checked_sub(2) else {
            return Ok(Start::Newest);
        };
        let river = (query.topic.clone().unwrap_or_default(), limit);
        let known = {
            let mut marks = self.marks();
            if !marks.contains_key(&river) && marks.len() >= MAX_MARKED {
                marks.clear();
            }
            let marks = marks.entry(river.clone()).or_default();
            if marks.generation != generation {
                *marks = Marks {
                    generation,
                    ..Marks::default()
                };
            }
            if let Some(end) = marks.ends.get(wanted) {
                return Ok(Start::After(end.clone()));
            }
            if marks.complete {
                return Ok(Start::PastEnd);
            }
            marks.ends.clone()
        };
        // Read on from the last known end to the end of page `page - 1`.
        let missing = wanted + 1 - known.len();
        let mut scan = query.clone();
        scan.before = known.last().cloned();
        scan.offset = 0;
        scan.limit = Some(missing.saturating_mul(limit));
        let uids = store.story_uids(&scan)?;
        let complete = uids.len() < missing.saturating_mul(limit);
        let mut ends = known;
        ends.extend(uids.into_iter().skip(limit - 1).step_by(limit));
        let start = ends
            .get(wanted)
            .map_or(Start::PastEnd, |end| Start::After(end.clone()));
        let mut marks = self.marks();
        if let Some(marks) = marks.get_mut(&river)
            && marks.generation == generation
            // Another request may have read further meanwhile: the
            // longer list wins (both are the same river up to the shorter).
            && marks.ends.len() <= ends.len()
        {
            marks.ends = ends;
            marks.complete = complete;
        }
        Ok(start)
    }
}

#[cfg(test)]
mod tests;
