use std::sync::mpsc;

use super::*;
use crate::store::Store;

/// A pool over a fresh database file.
fn pool(dir: &tempfile::TempDir, size: usize, wait: Duration) -> ReadPool {
    let path = dir.path().join("db.sqlite");
    drop(Store::open(&path).unwrap());
    ReadPool::new(&Database::Sqlite(path), size, wait).unwrap()
}

/// Holds one connection until told to let go; returns once it holds it.
async fn hold(pool: &ReadPool) -> (tokio::task::JoinHandle<Result<()>>, mpsc::Sender<()>) {
    let (release, released) = mpsc::channel::<()>();
    let (held, holding) = tokio::sync::oneshot::channel();
    let pool = pool.clone();
    let holder = tokio::spawn(async move {
        pool.read(move |store| {
            store.ping()?;
            let _ = held.send(());
            let _ = released.recv_timeout(Duration::from_secs(10));
            Ok(())
        })
        .await
    });
    holding.await.unwrap();
    (holder, release)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_beyond_the_pool_wait_a_bounded_time_then_hear_busy() {
    let dir = tempfile::tempdir().unwrap();
    let wait = Duration::from_millis(200);
    let pool = pool(&dir, 1, wait);
    assert_eq!(pool.capacity(), 1);
    assert_eq!(pool.read(|store| store.story_count()).await.unwrap(), 0);

    let (holder, release) = hold(&pool).await;
    // `try_read` does not wait at all; `read` waits its bound.
    let started = std::time::Instant::now();
    let now = pool.try_read(|store| store.ping()).await;
    assert!(matches!(now, Err(Error::Busy)), "{now:?}");
    let later = pool.read(|store| store.ping()).await;
    assert!(matches!(later, Err(Error::Busy)), "{later:?}");
    let waited = started.elapsed();
    assert!(waited >= wait && waited < wait * 10, "{waited:?}");

    release.send(()).unwrap();
    holder.await.unwrap().unwrap();
    pool.try_read(|store| store.ping()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_read_is_an_error_and_its_connection_serves_again() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool(&dir, 1, Duration::from_secs(5));
    let crashed = pool
        .read(|_store| -> Result<()> { panic!("a bug in a render") })
        .await;
    assert!(matches!(crashed, Err(Error::Crashed(_))), "{crashed:?}");
    pool.read(|store| store.ping()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_database_is_an_error_not_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.sqlite");
    let pool = ReadPool::new(&Database::Sqlite(path.clone()), 1, Duration::from_secs(1)).unwrap();
    let missing = pool.read(|store| store.ping()).await;
    assert!(matches!(missing, Err(Error::Missing { .. })), "{missing:?}");
    assert!(!path.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_connections_idle_long_enough_give_back_their_cache() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pool(&dir, 2, Duration::from_secs(1));
    pool.read(|store| store.ping()).await.unwrap();
    // Just used: a steady load keeps its warm cache.
    let released = {
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || pool.release_idle(Duration::from_secs(60)))
            .await
            .unwrap()
    };
    assert_eq!(released, 0);
    let released = {
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || pool.release_idle(Duration::ZERO))
            .await
            .unwrap()
    };
    assert_eq!(released, 1);
    // And the connection still answers.
    pool.read(|store| store.ping()).await.unwrap();
}
