use std::time::Duration;

use chrono::Utc;
use url::Url;

use super::*;
use crate::store::Store;

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_writer_that_never_ran_gives_its_batch_back_and_the_next_feed_is_written() {
    let store = SharedStore::new(Box::new(Store::open_in_memory().unwrap()));
    let commits = GroupCommit::new(store.clone());
    let url = Url::parse("http://127.0.0.1/feed.xml").unwrap();
    let feed = store.lock().ensure_feed(&url, None, Utc::now()).unwrap().id;
    let update = FeedUpdate {
        http_status: 200,
        ..FeedUpdate::default()
    };
    // A feed queued behind a writer that is dropped before it runs (its
    // thread could not be spawned).
    let (done, lost) = tokio::sync::oneshot::channel();
    commits.inner.lock_queue().push(PendingWrite {
        feed,
        update: update.clone(),
        done,
    });
    drop(UntakenBatch {
        queue: commits.inner.clone(),
        taken: false,
    });
    assert!(commits.inner.lock_queue().is_empty());
    assert!(lost.await.is_err(), "the queued feed hears of its loss");
    // Without the queue given back, this would join the dead batch and
    // wait for ever.
    let written = tokio::time::timeout(Duration::from_secs(30), commits.write(feed, update))
        .await
        .expect("written, not stuck behind the lost batch");
    assert!(written.is_ok(), "{written:?}");
}
