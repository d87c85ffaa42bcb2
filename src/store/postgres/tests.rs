//! PostgreSQL's own machinery: migrations and refusals, the password kept
//! out of errors, queue leases between nodes, and the cancel request. The
//! behaviour every backend shares is the contract suite's
//! (`store/tests`).

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use url::Url;

use super::*;
use crate::error::error_chain;
use crate::normalize::{Item, story_from_paragraphs};
use crate::store::tests::backend;
use crate::store::{
    Error, FeedLog, FeedUpdate, SearchIndex, StoryReader, StoryWriter, TopicVerdicts,
};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

/// A store with `n` stories of one feed, and its database.
fn stories(n: usize) -> Option<(backend::PostgresDb, Store)> {
    let db = backend::postgres()?;
    let mut store = Store::open(&db.url).unwrap();
    let feed = store
        .ensure_feed(&Url::parse("https://a.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    let items = (0..n)
        .map(|i| Item {
            guid: format!("g{i}"),
            story: story_from_paragraphs(
                &format!("Story {i}"),
                None,
                None,
                &[format!("Text {i}.")],
            ),
        })
        .collect();
    store
        .apply_update(
            feed,
            now(),
            &FeedUpdate {
                http_status: 200,
                items,
                ..FeedUpdate::default()
            },
        )
        .unwrap();
    Some((db, store))
}

/// Stories stored before bylines were cleaned are mended by migration 4.
#[test]
fn migration_4_mends_the_bylines_stored_before() {
    use crate::store::tests::common::{assert_bylines_mended, old_byline_items};
    let Some(db) = backend::postgres() else {
        return;
    };
    let mut store = Store::open(&db.url).unwrap();
    let feed = store
        .ensure_feed(&Url::parse("https://a.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    let update = FeedUpdate {
        http_status: 200,
        items: old_byline_items(),
        ..FeedUpdate::default()
    };
    store.apply_update(feed, now(), &update).unwrap();
    store
        .client()
        .unwrap()
        .batch_execute(
            // Back to version 3: migration 5's additions undone too.
            "DROP TABLE articles; ALTER TABLE stories DROP COLUMN summary;
             UPDATE feedloom_schema SET version = 3",
        )
        .unwrap();
    drop(store);
    let store = Store::open(&db.url).unwrap();
    assert_bylines_mended(&store);
}

#[test]
fn redact_hides_the_password_and_never_echoes_a_key_value_string() {
    assert_eq!(
        redact("postgres://feedloom:s3cret@db.internal:5432/feedloom?sslmode=require"),
        "postgres://feedloom:***@db.internal:5432/feedloom"
    );
    assert_eq!(
        redact("postgresql://feedloom@db.internal/feedloom"),
        "postgresql://feedloom@db.internal/feedloom"
    );
    assert!(!redact("host=db password=s3cret").contains("s3cret"));
    assert!(!redact("postgres://db/x?password=s3cret").contains("s3cret"));
}

#[test]
fn a_connection_error_never_shows_the_password() {
    // Nothing listens on port 1: the error is about the connection, and
    // names the database without its password.
    let started = Instant::now();
    let error = Store::open("postgres://feedloom:pw-s3cret-9@127.0.0.1:1/feedloom")
        .err()
        .unwrap();
    let shown = error_chain(&error);
    assert!(!shown.contains("pw-s3cret-9"), "{shown}");
    assert!(!format!("{error:?}").contains("pw-s3cret-9"), "{error:?}");
    assert!(shown.contains("127.0.0.1:1/feedloom"), "{shown}");
    assert!(started.elapsed() < Duration::from_secs(15));
    // A malformed URL neither.
    let error = Store::open("postgres://feedloom:pw-s3cret-9@127.0.0.1:notaport/x")
        .err()
        .unwrap();
    assert!(
        !error_chain(&error).contains("pw-s3cret-9"),
        "{}",
        error_chain(&error)
    );
    assert!(!format!("{error:?}").contains("pw-s3cret-9"), "{error:?}");
}

#[test]
fn a_refused_database_never_shows_the_password() {
    let Some(server) = backend::postgres_server() else {
        return;
    };
    let mut url = Url::parse(&server).unwrap();
    url.set_password(Some("pw-s3cret-9")).unwrap();
    url.set_path("/feedloom_no_such_database");
    let error = Store::open(url.as_str()).err().unwrap();
    let shown = error_chain(&error);
    assert!(shown.contains("feedloom_no_such_database"), "{shown}");
    assert!(!shown.contains("pw-s3cret-9"), "{shown}");
    assert!(!format!("{error:?}").contains("pw-s3cret-9"), "{error:?}");
}

#[test]
fn migrations_are_idempotent_and_newer_schemas_are_refused() {
    let Some(db) = backend::postgres() else {
        return;
    };
    // An empty database is not opened for reading…
    let error = Store::open_existing(&db.url).err().unwrap();
    assert!(matches!(error, Error::PostgresUnmigrated { .. }), "{error}");
    // …and nodes starting together migrate it once.
    let barrier = Arc::new(Barrier::new(4));
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let (url, barrier) = (db.url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                Store::open(&url).map(drop)
            })
        })
        .collect();
    for opener in openers {
        opener.join().unwrap().unwrap();
    }
    drop(Store::open(&db.url).unwrap());
    let store = Store::open_existing(&db.url).unwrap();
    let version: i32 = store
        .client()
        .unwrap()
        .query_one("SELECT version FROM feedloom_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(version as u32, SCHEMA_VERSION);
    store
        .client()
        .unwrap()
        .execute(
            "UPDATE feedloom_schema SET version = $1",
            &[&(SCHEMA_VERSION as i32 + 1)],
        )
        .unwrap();
    for opened in [Store::open(&db.url), Store::open_existing(&db.url)] {
        let error = opened.err().unwrap();
        assert!(
            matches!(error, Error::SchemaTooNew { found, known } if found == SCHEMA_VERSION + 1 && known == SCHEMA_VERSION),
            "{error}"
        );
        let shown = error.to_string();
        assert!(
            shown.contains(&(SCHEMA_VERSION + 1).to_string())
                && shown.contains(&SCHEMA_VERSION.to_string()),
            "{shown}"
        );
    }
}

#[test]
fn two_nodes_draining_the_score_queue_take_each_story_once() {
    let Some((db, store)) = stories(10) else {
        return;
    };
    let other = Store::open_existing(&db.url).unwrap();
    let mine = store.pending_scores(6).unwrap();
    let theirs = other.pending_scores(6).unwrap();
    assert_eq!((mine.len(), theirs.len()), (6, 4));
    let mut ids: Vec<i64> = mine.iter().chain(&theirs).map(|p| p.id.0).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 10, "no story handed out twice");
    // Reading does not dequeue: a node asks again and gets its own batch.
    assert_eq!(store.pending_scores(6).unwrap().len(), 6);
    assert_eq!(store.pending_score_count().unwrap(), 10);
    // A node that dies leaves its lease: when it runs out, another node
    // takes the stories.
    drop(store);
    other
        .client()
        .unwrap()
        .execute("UPDATE score_queue SET claimed_until = 0 WHERE claimed_until IS NOT NULL AND claimed_by <> pg_backend_pid()", &[])
        .unwrap();
    assert_eq!(other.pending_scores(100).unwrap().len(), 10);
}

#[test]
fn two_nodes_draining_the_search_queue_index_each_story_once() {
    let Some((db, mut store)) = stories(50) else {
        return;
    };
    let mut other = Store::open_existing(&db.url).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let racer = {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            barrier.wait();
            let mut total = 0;
            loop {
                match other.index_pending(5).unwrap() {
                    0 => return total,
                    n => total += n,
                }
            }
        })
    };
    barrier.wait();
    let mut total = 0;
    loop {
        match store.index_pending(5).unwrap() {
            0 => break,
            n => total += n,
        }
    }
    assert_eq!(total + racer.join().unwrap(), 50);
    let indexed: i64 = store
        .client()
        .unwrap()
        .query_one("SELECT count(*) FROM story_search", &[])
        .unwrap()
        .get(0);
    assert_eq!(indexed, 50);
}

#[test]
fn the_interrupter_stops_a_running_statement() {
    let Some(db) = backend::postgres() else {
        return;
    };
    let store = Store::open(&db.url).unwrap();
    let interrupt = store.interrupter();
    let started = Instant::now();
    let sleeper = std::thread::spawn(move || {
        store
            .client()
            .unwrap()
            .query_one("SELECT pg_sleep(30)", &[])
            .map(drop)
    });
    std::thread::sleep(Duration::from_millis(300));
    interrupt.interrupt();
    let outcome = sleeper.join().unwrap();
    assert!(outcome.is_err(), "the statement was cancelled");
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Not a check: how long storing new stories takes on one writer and on
/// two at once (disjoint content), so the cost of the placement locks can
/// be seen. `cargo test --lib store::postgres::tests::measure -- --ignored
/// --nocapture` with FEEDLOOM_TEST_POSTGRES set.
#[test]
#[ignore]
fn measure_writers() {
    let Some(db) = backend::postgres() else {
        return;
    };
    fn updates(writer: usize, feeds: usize) -> Vec<FeedUpdate> {
        (0..feeds)
            .map(|f| FeedUpdate {
                http_status: 200,
                items: (0..50)
                    .map(|i| {
                        let mut state = ((writer * 1_000_000 + f * 1000 + i) as u64 + 1)
                            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
                        let words: Vec<String> = (0..120)
                            .map(|_| {
                                state ^= state << 13;
                                state ^= state >> 7;
                                state ^= state << 17;
                                format!("w{}", state % 5000)
                            })
                            .collect();
                        Item {
                            guid: format!("{f}-{i}"),
                            story: story_from_paragraphs(
                                &format!("Story {writer} {f} {i}"),
                                None,
                                None,
                                &[words.join(" ")],
                            ),
                        }
                    })
                    .collect(),
                ..FeedUpdate::default()
            })
            .collect()
    }
    fn run(writer: usize, feeds: usize, url: String) -> Duration {
        let mut store = Store::open(&url).unwrap();
        let ids: Vec<_> = (0..feeds)
            .map(|f| {
                store
                    .ensure_feed(
                        &Url::parse(&format!("https://w{writer}-{f}.example/")).unwrap(),
                        None,
                        now(),
                    )
                    .unwrap()
                    .id
            })
            .collect();
        let updates = updates(writer, feeds);
        let started = Instant::now();
        for chunk in ids.iter().zip(&updates).collect::<Vec<_>>().chunks(10) {
            let batch: Vec<_> = chunk.iter().map(|(id, u)| (**id, *u)).collect();
            for result in store.apply_updates(now(), &batch).unwrap() {
                result.unwrap();
            }
        }
        started.elapsed()
    }
    let alone = run(0, 40, db.url.clone());
    eprintln!("one writer, 40 feeds x 50 new items: {alone:?}");
    let barrier = Arc::new(Barrier::new(2));
    let together: Vec<_> = (1..=2)
        .map(|writer| {
            let (url, barrier) = (db.url.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                run(writer, 20, url)
            })
        })
        .collect();
    let started = Instant::now();
    let times: Vec<_> = together.into_iter().map(|t| t.join().unwrap()).collect();
    eprintln!(
        "two writers at once, 20 feeds x 50 new items each: {:?} ({times:?})",
        started.elapsed()
    );
}

#[test]
fn a_lost_connection_is_replaced_by_the_next_call() {
    let Some((db, store)) = stories(3) else {
        return;
    };
    let pid: i32 = store
        .client()
        .unwrap()
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let admin = Store::open_existing(&db.url).unwrap();
    admin
        .client()
        .unwrap()
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap();
    // The call that meets the closed connection fails; the next one
    // connects again and answers.
    let first = store.story_count();
    let mut answered = first.ok();
    for _ in 0..3 {
        if answered.is_some() {
            break;
        }
        answered = store.story_count().ok();
    }
    assert_eq!(answered, Some(3));
    assert!(!store.is_closed());
}

/// The plan of a statement, one line per node.
fn plan(store: &Store, sql: &str, values: &[Box<dyn postgres::types::ToSql + Sync>]) -> String {
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
        values.iter().map(|value| &**value).collect();
    store
        .client()
        .unwrap()
        .query(&format!("EXPLAIN {sql}"), &params)
        .unwrap()
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_page_reads_the_founders_by_their_date_index_however_deep() {
    let Some((_db, store)) = stories(2000) else {
        return;
    };
    store.client().unwrap().batch_execute("ANALYZE").unwrap();
    let uids = store
        .story_uids(&crate::store::StoryQuery::all(None))
        .unwrap();
    for before in [None, Some(uids[1500].clone())] {
        let query = crate::store::StoryQuery {
            limit: Some(20),
            before,
            ..crate::store::StoryQuery::default()
        };
        let (sql, values) = super::read::page_sql(&query, "id");
        let plan = plan(&store, &sql, &values);
        assert!(plan.contains("stories_founders_by_date"), "{plan}");
        assert!(!plan.contains("Seq Scan on stories"), "{plan}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interrupter_works_from_async_code_as_a_dropped_read_calls_it() {
    // Everything the synchronous client does is blocking work (it starts
    // a runtime of its own): the database is made and dropped on blocking
    // threads, as the store is opened.
    let Some(db) = tokio::task::spawn_blocking(backend::postgres)
        .await
        .unwrap()
    else {
        return;
    };
    let url = db.url.clone();
    let store = tokio::task::spawn_blocking(move || Store::open(&url).unwrap())
        .await
        .unwrap();
    let interrupt = store.interrupter();
    let started = Instant::now();
    let sleeper = tokio::task::spawn_blocking(move || {
        store
            .client()
            .unwrap()
            .query_one("SELECT pg_sleep(30)", &[])
            .map(drop)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    interrupt.interrupt();
    let outcome = sleeper.await.unwrap();
    assert!(outcome.is_err(), "the statement was cancelled");
    assert!(started.elapsed() < Duration::from_secs(10));
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}
