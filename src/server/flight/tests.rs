use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::Utc;

use super::*;
use crate::server::cache::DocumentKey;
use crate::server::kind::Kind;
use crate::store;

fn key() -> DocumentKey {
    DocumentKey {
        kind: Kind::Atom,
        limit: 50,
        slug: "main".to_owned(),
        page: 1,
        before: None,
    }
}

fn rendered(generation: u64) -> Arc<Rendered> {
    Arc::new(Rendered::new(
        generation,
        "<feed/>".to_owned(),
        Kind::Atom,
        Utc::now(),
    ))
}

/// Waits (bounded) until `ready` holds.
async fn until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..200 {
        if ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never happened: {what}");
}

/// Sets its flag when dropped: whether a render's future was dropped
/// (cancelled) before it finished.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_for_one_document_share_one_render() {
    let flights = Arc::new(Flights::new(QUEUE_WAIT));
    let renders = Arc::new(AtomicUsize::new(0));
    let mut waiting = Vec::new();
    for _ in 0..16 {
        let (flights, renders) = (flights.clone(), renders.clone());
        waiting.push(tokio::spawn(async move {
            flights
                .render(&key(), 7, || async move {
                    renders.fetch_add(1, Ordering::SeqCst);
                    // Long enough that every request arrives meanwhile.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok(rendered(7))
                })
                .await
        }));
    }
    until("a render under way", || flights.in_flight(&key(), 7)).await;
    assert!(!flights.in_flight(&key(), 8));
    for request in waiting {
        let document = request.await.unwrap().unwrap();
        assert_eq!(document.generation, 7);
    }
    assert_eq!(renders.load(Ordering::SeqCst), 1);
    // The flight is over: a later generation renders again.
    assert_eq!(flights.len(), 0);
    flights
        .render(&key(), 8, || async { Ok(rendered(8)) })
        .await
        .unwrap();
    assert_eq!(flights.len(), 0);
    assert!(!flights.in_flight(&key(), 7));
}

/// No request waits past the bound, whether it started the render or
/// joined it; and a render nobody waits for any more is stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_waits_past_the_bound_and_an_abandoned_render_stops() {
    let wait = Duration::from_millis(100);
    let flights = Arc::new(Flights::new(wait));
    let dropped = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let slow = {
        let (dropped, finished) = (dropped.clone(), finished.clone());
        move || async move {
            let _flag = DropFlag(dropped);
            tokio::time::sleep(wait * 20).await;
            finished.store(true, Ordering::SeqCst);
            Ok(rendered(1))
        }
    };
    let first = tokio::spawn({
        let flights = flights.clone();
        async move { flights.render(&key(), 1, slow).await }
    });
    until("a render under way", || flights.in_flight(&key(), 1)).await;
    let started = std::time::Instant::now();
    let joined = flights
        .render(&key(), 1, || async { Ok(rendered(1)) })
        .await;
    assert!(matches!(joined, Err(ServerError::Busy)));
    assert!(started.elapsed() < wait * 10, "{:?}", started.elapsed());
    assert!(matches!(first.await.unwrap(), Err(ServerError::Busy)));
    // Both gave up: the render was dropped, not finished, and a later
    // request starts afresh.
    until("the render dropped", || dropped.load(Ordering::SeqCst)).await;
    assert!(!finished.load(Ordering::SeqCst));
    assert!(!flights.in_flight(&key(), 1));
}

/// The request that started a render may leave: the others still get it,
/// from the same render.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_render_outlives_the_request_that_started_it_while_others_wait() {
    let flights = Arc::new(Flights::new(QUEUE_WAIT));
    let renders = Arc::new(AtomicUsize::new(0));
    let render = {
        let renders = renders.clone();
        move || async move {
            renders.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(rendered(3))
        }
    };
    let starter = tokio::spawn({
        let flights = flights.clone();
        let render = render.clone();
        async move { flights.render(&key(), 3, render).await }
    });
    until("a render under way", || flights.in_flight(&key(), 3)).await;
    let other = tokio::spawn({
        let flights = flights.clone();
        async move { flights.render(&key(), 3, render).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    starter.abort();
    let document = other.await.unwrap().unwrap();
    assert_eq!(document.generation, 3);
    assert_eq!(renders.load(Ordering::SeqCst), 1);
}

/// A failed render is one answer for all its waiters, logged once; the
/// next request tries again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_render_fails_its_waiters_and_the_next_request_retries() {
    let flights = Flights::new(QUEUE_WAIT);
    let failed = flights
        .render(&key(), 5, || async {
            Err(ServerError::Store(store::Error::Crashed("boom".to_owned())))
        })
        .await;
    assert!(
        matches!(failed, Err(ServerError::Logged)),
        "{:?}",
        failed.err()
    );
    let busy = flights
        .render(&key(), 5, || async { Err(ServerError::Busy) })
        .await;
    assert!(matches!(busy, Err(ServerError::Busy)), "{:?}", busy.err());
    let retried = flights
        .render(&key(), 5, || async { Ok(rendered(5)) })
        .await;
    assert_eq!(retried.unwrap().generation, 5);
}
