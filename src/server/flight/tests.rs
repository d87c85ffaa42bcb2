use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Utc;

use super::*;
use crate::server::kind::Kind;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_for_one_document_share_one_render() {
    let flights = Arc::new(Flights::new(2, QUEUE_WAIT));
    let renders = Arc::new(AtomicUsize::new(0));
    let mut waiting = Vec::new();
    for _ in 0..16 {
        let (flights, renders) = (flights.clone(), renders.clone());
        waiting.push(tokio::spawn(async move {
            flights
                .render(&key(), 7, |_slot| async {
                    renders.fetch_add(1, Ordering::SeqCst);
                    // Long enough that every request arrives meanwhile.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok(rendered(7))
                })
                .await
        }));
    }
    // Bounded: until every request has joined, and while it renders.
    for _ in 0..100 {
        if flights.in_flight(&key(), 7) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(flights.in_flight(&key(), 7));
    assert!(!flights.in_flight(&key(), 8));
    for request in waiting {
        let document = request.await.unwrap().unwrap();
        assert_eq!(document.generation, 7);
    }
    assert_eq!(renders.load(Ordering::SeqCst), 1);
    // The flight is over: a later generation renders again.
    flights
        .render(&key(), 8, |_slot| async { Ok(rendered(8)) })
        .await
        .unwrap();
    assert!(flights.flights().is_empty());
    assert!(!flights.in_flight(&key(), 7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_waits_too_long_for_a_slot_is_told_to_come_back() {
    let wait = Duration::from_millis(100);
    let flights = Arc::new(Flights::new(1, wait));
    let busy = flights.clone();
    let (started, running) = tokio::sync::oneshot::channel();
    let holder = tokio::spawn(async move {
        busy.render(&key(), 1, |slot| async move {
            let _slot = slot;
            let _ = started.send(());
            tokio::time::sleep(wait * 10).await;
            Ok(rendered(1))
        })
        .await
    });
    running.await.unwrap();
    let mut other = key();
    other.page = 2;
    let refused = flights
        .render(&other, 1, |_slot| async { Ok(rendered(1)) })
        .await;
    let refused = refused.err();
    assert!(matches!(refused, Some(ServerError::Busy)), "{refused:?}");
    assert!(holder.await.unwrap().is_ok());
}
