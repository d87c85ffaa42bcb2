//! The backends the contract suite runs on: SQLite always, PostgreSQL when
//! `FEEDLOOM_TEST_POSTGRES` names a server (a role that may create
//! databases). Each test gets a database of its own: a temporary file, or
//! a PostgreSQL database with a random name, dropped at the end.
//! Without the variable the PostgreSQL tests say they were skipped and
//! pass, unless `FEEDLOOM_REQUIRE_POSTGRES=1`, which makes them fail.

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::{Storage, Store, postgres};

/// One test's database, opened as often as the test needs handles.
pub(crate) trait TestDb {
    /// A new handle, as `store::connect` would open it.
    fn open(&self) -> Box<dyn Storage>;

    /// Runs SQL straight on the database, past the store: to make it look
    /// as an older build left it. Statements separated by `;`.
    fn execute(&self, sql: &str);

    /// The single integer that `sql` selects, read past the store.
    fn query_i64(&self, sql: &str) -> i64;

    /// The tables holding the near-duplicate band keys: SQLite gathers new
    /// keys in a small table before moving them into the large one.
    fn band_tables(&self) -> &'static [&'static str];
}

/// A SQLite file in a temporary folder.
pub(crate) struct SqliteDb {
    dir: tempfile::TempDir,
}

impl TestDb for SqliteDb {
    fn open(&self) -> Box<dyn Storage> {
        Box::new(Store::open(&self.dir.path().join("feedloom.db")).unwrap())
    }

    fn execute(&self, sql: &str) {
        self.connect().execute_batch(sql).unwrap();
    }

    fn query_i64(&self, sql: &str) -> i64 {
        self.connect().query_row(sql, [], |row| row.get(0)).unwrap()
    }

    fn band_tables(&self) -> &'static [&'static str] {
        &["story_bands", "band_stage_0", "band_stage_1"]
    }
}

impl SqliteDb {
    /// A plain connection to the database, its band file attached.
    fn connect(&self) -> rusqlite::Connection {
        let path = self.dir.path().join("feedloom.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "ATTACH DATABASE ?1 AS bands",
            [self.dir.path().join("feedloom.db-bands").to_str().unwrap()],
        )
        .unwrap();
        conn
    }
}

pub(crate) fn sqlite() -> SqliteDb {
    SqliteDb {
        dir: tempfile::tempdir().unwrap(),
    }
}

/// A PostgreSQL database made for one test, dropped when it ends.
pub(crate) struct PostgresDb {
    server: String,
    name: String,
    pub(crate) url: String,
}

impl TestDb for PostgresDb {
    fn open(&self) -> Box<dyn Storage> {
        Box::new(postgres::Store::open(&self.url).unwrap())
    }

    fn execute(&self, sql: &str) {
        ::postgres::Client::connect(&self.url, ::postgres::NoTls)
            .unwrap()
            .batch_execute(sql)
            .unwrap();
    }

    fn query_i64(&self, sql: &str) -> i64 {
        ::postgres::Client::connect(&self.url, ::postgres::NoTls)
            .unwrap()
            .query_one(sql, &[])
            .unwrap()
            .get(0)
    }

    fn band_tables(&self) -> &'static [&'static str] {
        &["story_bands"]
    }
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        match ::postgres::Client::connect(&self.server, ::postgres::NoTls) {
            Ok(mut admin) => {
                let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
                if let Err(error) = admin.batch_execute(&drop) {
                    eprintln!("cannot drop the test database {}: {error}", self.name);
                }
            }
            Err(error) => eprintln!("cannot drop the test database {}: {error}", self.name),
        }
    }
}

/// The server URL the PostgreSQL tests use, or why they are skipped.
pub(crate) fn postgres_server() -> Option<String> {
    match std::env::var("FEEDLOOM_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let why = "FEEDLOOM_TEST_POSTGRES is not set (a postgres:// URL of a role that \
                       may create databases; `.ci/postgres start` prints one)";
            if std::env::var("FEEDLOOM_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("FEEDLOOM_REQUIRE_POSTGRES=1 but {why}");
            }
            // Once per run, and past the test harness's capture (written
            // straight to stderr), so that a run without PostgreSQL says so.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "storage contract tests on PostgreSQL skipped: {why}"
                );
            });
            None
        }
    }
}

/// A fresh database on the test server, or `None` (said why) without one.
pub(crate) fn postgres() -> Option<PostgresDb> {
    let server = postgres_server()?;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let name = format!("feedloom_test_{:016x}", hasher.finish());
    let mut admin = ::postgres::Client::connect(&server, ::postgres::NoTls)
        .unwrap_or_else(|error| panic!("cannot reach FEEDLOOM_TEST_POSTGRES: {error}"));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/{name}"));
    Some(PostgresDb {
        server,
        name,
        url: url.to_string(),
    })
}

/// Writes a test once against the storage traits and runs it on every
/// backend: `contract!(fn name(db) { … })` makes the module `name` with
/// the tests `sqlite` and `postgres`; the body gets `db: &dyn TestDb`.
macro_rules! contract {
    ($(#[$meta:meta])* fn $name:ident($db:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn run($db: &dyn $crate::store::tests::backend::TestDb) $body

            #[test]
            fn sqlite() {
                run(&$crate::store::tests::backend::sqlite());
            }

            #[test]
            fn postgres() {
                if let Some(db) = $crate::store::tests::backend::postgres() {
                    run(&db);
                }
            }
        }
    };
}
pub(crate) use contract;
