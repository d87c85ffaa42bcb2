//! Running statements: the write path prepares each statement once per
//! connection (an unprepared one costs a second round trip: parse, then
//! execute), through [`Tx`]; the functions it shares with the readers take
//! anything that [`Run`]s statements.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, Row, Statement, Transaction};

use crate::store::error::Result;

/// What runs statements: a plain transaction, or a [`Tx`] that prepares
/// each statement once per connection. The store's functions take either.
pub(super) trait Run {
    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>>;
    fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row>;
    fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>>;
    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64>;
}

impl Run for Transaction<'_> {
    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        Ok(Transaction::query(self, sql, params)?)
    }
    fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row> {
        Ok(Transaction::query_one(self, sql, params)?)
    }
    fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        Ok(Transaction::query_opt(self, sql, params)?)
    }
    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        Ok(Transaction::execute(self, sql, params)?)
    }
}

/// A transaction whose statements are prepared once per connection and
/// kept by the store (`Store::write`).
pub(super) struct Tx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

impl<'a> Tx<'a> {
    /// Starts a transaction on `client` that prepares its statements into
    /// `statements`.
    pub(super) fn begin(
        client: &'a mut Client,
        statements: &'a mut HashMap<String, Statement>,
    ) -> Result<Self> {
        Ok(Tx {
            tx: client.transaction()?,
            statements,
        })
    }

    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// A savepoint within this transaction: dropped, it rolls back; see
    /// [`Tx::commit`].
    pub(super) fn savepoint(&mut self, name: &str) -> Result<Tx<'_>> {
        Ok(Tx {
            tx: self.tx.savepoint(name)?,
            statements: &mut *self.statements,
        })
    }

    /// Commits the transaction, or the savepoint.
    pub(super) fn commit(self) -> Result<()> {
        Ok(self.tx.commit()?)
    }
}

impl Run for Tx<'_> {
    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let statement = self.statement(sql)?;
        Ok(self.tx.query(&statement, params)?)
    }
    fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row> {
        let statement = self.statement(sql)?;
        Ok(self.tx.query_one(&statement, params)?)
    }
    fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        let statement = self.statement(sql)?;
        Ok(self.tx.query_opt(&statement, params)?)
    }
    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let statement = self.statement(sql)?;
        Ok(self.tx.execute(&statement, params)?)
    }
}
