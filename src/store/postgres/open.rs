//! The PostgreSQL store: one connection, opened (and migrated, for
//! [`Store::open`]) from a URL, and what the other files share to use it
//! from `&self` and `&mut self` alike.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;

use postgres::{CancelToken, Client, Config, IsolationLevel, Statement, Transaction};
use tokio::runtime::RuntimeFlavor;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::cluster;
use super::connection;
use super::migrate;
use super::statements::Tx;
use crate::store::error::{Error, Result};
use crate::store::storage::Interrupt;

/// One connection to a PostgreSQL database feedloom nodes share. Not
/// `Sync`, like the SQLite store: share it behind a mutex or a pool, and
/// use it from blocking threads (the client runs its own small runtime).
pub struct Store {
    /// The readers' methods take `&self` and the client needs `&mut` for
    /// every statement: a `RefCell`, which is never borrowed twice because
    /// no method calls another while it holds the client.
    /// `None` only while the store is dropped (see `Drop`).
    client: RefCell<Option<Client>>,
    /// The write path's statements, prepared once per connection (an
    /// unprepared statement costs a second round trip to the server).
    statements: RefCell<HashMap<String, Statement>>,
    /// The settings to connect again with, password and all: only for
    /// reconnecting, never shown (no `Debug` here on purpose).
    config: Config,
    tls: MakeRustlsConnect,
    /// The URL as messages may show it.
    url: String,
}

impl Store {
    /// Connects to the database at `url` and migrates it (under an advisory
    /// lock: nodes starting together migrate once). Refuses a database a
    /// newer feedloom migrated.
    pub fn open(url: &str) -> Result<Self> {
        let store = Self::connect(url)?;
        {
            let mut client = store.client()?;
            migrate::migrate(&mut client)?;
            cluster::backfill_bands(&mut client)?;
        }
        Ok(store)
    }

    /// Connects to a database that is already feedloom's, for readers and
    /// commands that must not create a schema: an empty database is
    /// [`Error::PostgresUnmigrated`], a newer one [`Error::SchemaTooNew`].
    pub fn open_existing(url: &str) -> Result<Self> {
        let store = Self::connect(url)?;
        let version = migrate::version(&mut *store.client()?)?;
        match version {
            0 => Err(Error::PostgresUnmigrated {
                url: store.url.clone(),
            }),
            found if found > migrate::SCHEMA_VERSION => Err(Error::SchemaTooNew {
                found,
                known: migrate::SCHEMA_VERSION,
            }),
            _ => Ok(store),
        }
    }

    fn connect(url: &str) -> Result<Self> {
        let tls = connection::tls()?;
        let config = connection::config(url)?;
        let shown = connection::redact(url);
        let client = connection::connect(&config, &shown, &tls)?;
        Ok(Self {
            client: RefCell::new(Some(client)),
            statements: RefCell::new(HashMap::new()),
            config,
            tls,
            url: shown,
        })
    }

    /// The connection, for one method's statements.
    /// A connection that was dropped (the server restarted, the network
    /// failed) is opened again here, so a node resumes by itself once the
    /// server is back; until then this is the error that says why not.
    pub(super) fn client(&self) -> Result<RefMut<'_, Client>> {
        let mut client = self.client.try_borrow_mut().map_err(|_| {
            Error::Crashed("the PostgreSQL connection was used re-entrantly (a bug)".into())
        })?;
        if client.as_ref().is_none_or(Client::is_closed) {
            *client = Some(connection::connect(&self.config, &self.url, &self.tls)?);
            // Prepared statements belong to the connection that is gone.
            if let Ok(mut statements) = self.statements.try_borrow_mut() {
                statements.clear();
            }
            tracing::info!(url = %self.url, "connected to PostgreSQL again");
        }
        RefMut::filter_map(client, Option::as_mut)
            .map_err(|_| Error::Crashed("the PostgreSQL connection is gone (a bug)".into()))
    }

    /// Whether the connection is gone (the server restarted or the network
    /// dropped it): a pool drops such a connection instead of lending it.
    pub fn is_closed(&self) -> bool {
        self.client
            .try_borrow()
            .is_ok_and(|client| client.as_ref().is_none_or(Client::is_closed))
    }

    /// The URL with its password hidden.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A stop handle for [`crate::store::StoryReader::interrupter`].
    /// Never connects (it is asked for on async threads, where the
    /// synchronous client cannot): a connection that is gone has nothing
    /// running to stop, and `None` says so.
    pub(super) fn cancel_handle(&self) -> Result<Option<Box<dyn Interrupt>>> {
        let client = self.client.try_borrow().map_err(|_| {
            Error::Crashed("the PostgreSQL connection was used re-entrantly (a bug)".into())
        })?;
        Ok(client.as_ref().filter(|client| !client.is_closed()).map(
            |client| -> Box<dyn Interrupt> {
                Box::new(Cancel {
                    token: client.cancel_token(),
                    tls: self.tls.clone(),
                })
            },
        ))
    }
}

/// Attempts of one [`Store::write`] transaction PostgreSQL rolls back to
/// break a deadlock.
const WRITE_ATTEMPTS: usize = 3;

impl Drop for Store {
    /// Closing the synchronous client blocks on its own runtime, which
    /// cannot run inside async code (the daemon drops its stores there):
    /// within a runtime the client is closed on a blocking thread.
    fn drop(&mut self) {
        let Some(client) = self.client.get_mut().take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(move || drop(client))),
            Err(_) => drop(client),
        }
    }
}

impl Store {
    /// Runs `work` in a transaction whose statements are prepared once per
    /// connection ([`Tx`]); it commits when `work` returns `Ok` and rolls
    /// back otherwise.
    ///
    /// A transaction PostgreSQL rolled back to break a deadlock (the
    /// verdicts' row locks against a writer touching the same stories in
    /// another order) is run again, three attempts in all: nothing of it
    /// was written, and giving up would leave its work (a leased batch of
    /// the score queue) to wait for the next wake.
    pub(super) fn write<T>(&self, mut work: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut attempt = 1;
        loop {
            let outcome = (|| {
                let mut client = self.client()?;
                let mut statements = self.statements.try_borrow_mut().map_err(|_| {
                    Error::Crashed(
                        "the PostgreSQL statements were used re-entrantly (a bug)".into(),
                    )
                })?;
                let mut tx = Tx::begin(&mut client, &mut statements)?;
                let value = work(&mut tx)?;
                tx.commit()?;
                Ok(value)
            })();
            match outcome {
                Err(error) if connection::is_transient(&error) && attempt < WRITE_ATTEMPTS => {
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }
}

/// Starts a read-only transaction that sees one snapshot, for a read of
/// several statements (a page, its sources and its clusters).
pub(super) fn snapshot(client: &mut Client) -> Result<Transaction<'_>> {
    Ok(client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?)
}

/// PostgreSQL's cancel request for the statement a connection runs.
struct Cancel {
    token: CancelToken,
    tls: MakeRustlsConnect,
}

impl Interrupt for Cancel {
    /// Sends PostgreSQL's cancel request and returns once the server has
    /// it: the caller (`ReadPool`) holds the connection meanwhile, and a
    /// request that arrived after the connection went back to the pool
    /// would cancel the next reader's statement. The synchronous client
    /// runs a runtime of its own, which cannot start inside async code
    /// (a dropped read's future calls this): there it runs under
    /// `block_in_place`; on a current-thread runtime, which cannot block,
    /// it goes to a blocking thread.
    fn interrupt(&self) {
        let (token, tls) = (self.token.clone(), self.tls.clone());
        let cancel = move || {
            if let Err(error) = token.cancel_query(tls) {
                tracing::debug!(%error, "PostgreSQL cancel request failed");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) if runtime.runtime_flavor() == RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(cancel)
            }
            Ok(runtime) => drop(runtime.spawn_blocking(cancel)),
            Err(_) => cancel(),
        }
    }
}
