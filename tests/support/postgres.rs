//! A PostgreSQL database of its own for an end-to-end test, on the server
//! `FEEDLOOM_TEST_POSTGRES` names (`.ci/postgres start` prints one), dropped
//! when the test ends. Without the variable a test says it was skipped and
//! passes, unless `FEEDLOOM_REQUIRE_POSTGRES=1`, which makes it fail.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct TestDatabase {
    server: String,
    name: String,
    pub url: String,
}

/// A fresh database, or `None` (said why on stderr) without a server.
pub fn database(test: &str) -> Option<TestDatabase> {
    let server = match std::env::var("FEEDLOOM_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            let why = "FEEDLOOM_TEST_POSTGRES is not set (`.ci/postgres start` prints one)";
            assert!(
                std::env::var("FEEDLOOM_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "FEEDLOOM_REQUIRE_POSTGRES=1 but {why}"
            );
            let _ = writeln!(std::io::stderr(), "{test} on PostgreSQL skipped: {why}");
            return None;
        }
    };
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "feedloom_e2e_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/{name}"));
    Some(TestDatabase {
        server,
        name,
        url: url.to_string(),
    })
}

impl TestDatabase {
    /// A client on this database, for reading what the nodes wrote.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
