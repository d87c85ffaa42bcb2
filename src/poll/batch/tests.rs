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

/// `n` copies of one item under distinct guids.
fn items(n: usize) -> Vec<crate::normalize::Item> {
    let one = crate::store::tests::common::item("g", "Harbour closed", "Cranes stood still.");
    (0..n)
        .map(|i| crate::normalize::Item {
            guid: format!("g{i}"),
            ..one.clone()
        })
        .collect()
}

fn pending(feed: store::FeedId, count: usize) -> PendingWrite {
    PendingWrite {
        feed,
        update: FeedUpdate {
            http_status: 200,
            items: items(count),
            ..FeedUpdate::default()
        },
        done: tokio::sync::oneshot::channel().0,
    }
}

#[test]
fn one_transaction_takes_feeds_up_to_the_one_that_reaches_the_batch_size() {
    let feed = store::FeedId(1);
    let lengths = |counts: &[usize]| {
        let queue: Vec<PendingWrite> = counts.iter().map(|&n| pending(feed, n)).collect();
        batch_len(&queue)
    };
    assert_eq!(lengths(&[1, 1, 1]), 3);
    assert_eq!(lengths(&[BATCH_ITEMS - 1, 1, 5]), 2);
    assert_eq!(lengths(&[BATCH_ITEMS, 1, 1]), 1);
    assert_eq!(lengths(&[BATCH_ITEMS + 7]), 1, "a larger feed alone");
    assert_eq!(lengths(&[]), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn feeds_left_over_a_full_transaction_get_a_writer_of_their_own() {
    let store = SharedStore::new(Box::new(Store::open_in_memory().unwrap()));
    let commits = GroupCommit::new(store.clone());
    let mut feeds = Vec::new();
    for n in 0..3 {
        let url = Url::parse(&format!("http://127.0.0.1/feed-{n}.xml")).unwrap();
        feeds.push(store.lock().ensure_feed(&url, None, Utc::now()).unwrap().id);
    }
    let update = |count| FeedUpdate {
        http_status: 200,
        items: items(count),
        ..FeedUpdate::default()
    };
    // With the store held, a full batch and two more feeds queue behind
    // one writer; it takes the full one, and the other two must still be
    // written once the store is free.
    let held = store.lock();
    let writes = vec![
        commits.queue(feeds[0], update(BATCH_ITEMS)),
        commits.queue(feeds[1], update(3)),
        commits.queue(feeds[2], update(3)),
    ];
    // The writer gathers and waits on its own blocking thread meanwhile.
    std::thread::sleep(Duration::from_millis(200));
    drop(held);
    for (n, write) in writes.into_iter().enumerate() {
        let written = tokio::time::timeout(Duration::from_secs(30), write.written())
            .await
            .unwrap_or_else(|_| panic!("feed {n} was written, not left in the queue"));
        assert!(written.is_ok(), "{written:?}");
    }
}
