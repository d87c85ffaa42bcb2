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
