//! Searches wait their turn instead of time-slicing.
//!
//! A search is pure CPU work of about a millisecond. Run on as many threads as there are
//! callers, sixteen searches on two cores take turns by the scheduler's time slice, and an
//! unlucky one waits several slices: that was the 100+ ms tail at 16 callers in BENCHMARKS.md.
//! Run on as many threads as there are cores, they queue first-come-first-served and each,
//! once started, finishes in its own time, so the wait is the queue ahead of it and nothing
//! more.

use super::{Hit, KbIndex, SearchQuery};
use std::sync::Arc;

/// The default number of searches at once: the cores this process may use.
pub(super) fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl KbIndex {
    /// At most `threads` searches at once (0: one per core).
    pub fn with_search_threads(mut self, threads: usize) -> Self {
        let threads = if threads == 0 { cores() } else { threads };
        self.search_slots = Arc::new(tokio::sync::Semaphore::new(threads));
        self
    }

    /// [`KbIndex::search`] on a blocking thread, once one of the search slots is free
    /// (first come, first served).
    pub async fn search_queued(
        self: &Arc<Self>,
        q: SearchQuery,
    ) -> anyhow::Result<(Vec<Hit>, bool)> {
        // The slot goes with the search, so a caller who gives up does not free it while
        // the search still runs.
        let slot = self.search_slots.clone().acquire_owned().await?;
        let index = self.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            index.search(&q)
        })
        .await?
    }
}
