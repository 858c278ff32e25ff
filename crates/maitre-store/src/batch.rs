//! Statements that need no answer from each other, sent to a SQLite connection in one call.
//!
//! Each call is a round trip to the connection's own thread; on the writer, which holds the one writer meanwhile,
//! that chain of round trips bounded throughput (BENCHMARKS.md, "What bounds it"). sqlx's SQLite driver runs a
//! multi-statement query in one call and reports each statement's changes and rows in order. PostgreSQL takes no
//! bound multi-statement query, so there the same statements run one by one.
use futures_util::TryStreamExt;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, AnyConnection, Arguments, Either, Encode, Executor, Type};

use crate::{Result, StoreError};

/// Statements written with their own `$1 … $n`, each with its values.
pub(crate) struct Batch {
    one_call: bool,
    statements: Vec<Statement>,
    /// Values bound so far by earlier statements (renumbering the next one's placeholders in one call).
    bound: usize,
}

pub(crate) struct Statement {
    sql: String,
    args: AnyArguments,
    /// Encoding a value failed (not for the strings and integers bound here): reported by `run`.
    error: Option<sqlx::error::BoxDynError>,
}

/// What one statement did.
pub(crate) struct Done {
    pub rows_affected: u64,
    pub rows: Vec<AnyRow>,
}

impl Batch {
    /// `one_call`: SQLite (see `Store::batch`).
    pub(crate) fn new(one_call: bool) -> Self {
        Batch { one_call, statements: Vec::new(), bound: 0 }
    }

    /// Adds a statement; bind its values in the order of its placeholders' numbers.
    pub(crate) fn add(&mut self, sql: &str) -> &mut Statement {
        self.settle();
        let sql = if self.one_call { shift_placeholders(sql, self.bound) } else { sql.to_owned() };
        self.statements.push(Statement { sql, args: AnyArguments::default(), error: None });
        self.statements.last_mut().expect("just pushed")
    }

    /// Statements added so far (the next one's index in `run`'s answer).
    pub(crate) fn len(&self) -> usize {
        self.statements.len()
    }

    fn settle(&mut self) {
        self.bound += self.statements.last().map_or(0, |s| s.args.len());
    }

    /// Runs the statements in order inside `tx`; returns what each did. A failing statement stops the rest (the
    /// caller's transaction is then rolled back).
    pub(crate) async fn run(self, tx: &mut AnyConnection) -> Result<Vec<Done>> {
        let (done, failed) = self.run_after(&[], tx).await;
        failed.map_or(Ok(done), Err)
    }

    /// Runs `opening` (statements without values, such as a transaction's opening), then the batch. Returns what
    /// the statements that completed did, in order, with the error that stopped the rest.
    pub(crate) async fn run_after(
        mut self,
        opening: &[&str],
        tx: &mut AnyConnection,
    ) -> (Vec<Done>, Option<StoreError>) {
        if let Some(e) = self.statements.iter_mut().find_map(|s| s.error.take()) {
            return (Vec::new(), Some(StoreError::Other(e)));
        }
        let opening =
            opening.iter().map(|sql| Statement { sql: (*sql).to_owned(), args: Default::default(), error: None });
        let statements: Vec<Statement> = opening.chain(self.statements).collect();
        if statements.is_empty() {
            return (Vec::new(), None);
        }
        if !self.one_call {
            let mut done = Vec::new();
            for s in statements {
                let (one, failed) = fetch(tx, s.sql, s.args).await;
                done.extend(one);
                if failed.is_some() {
                    return (done, failed);
                }
            }
            return (done, None);
        }
        let mut sql = String::new();
        let mut args = AnyArguments::default();
        for s in statements {
            sql.push_str(&s.sql);
            sql.push_str(";\n");
            args.values.0.extend(s.args.values.0);
        }
        fetch(tx, sql, args).await
    }
}

impl Statement {
    pub(crate) fn bind<'a, T: Encode<'a, Any> + Type<Any> + 'a>(&mut self, value: T) -> &mut Self {
        if let Err(e) = self.args.add(value) {
            self.error.get_or_insert(e);
        }
        self
    }
}

/// Each statement's changes and rows (the driver reports a statement's end after its rows), up to a failure.
async fn fetch(tx: &mut AnyConnection, sql: String, args: AnyArguments) -> (Vec<Done>, Option<StoreError>) {
    // `Executor::fetch_many`: the query builder's one is deprecated for this use (launchbadge/sqlx#3108); if a
    // later sqlx stops running several statements in one call, this module's test fails.
    let mut stream = tx.fetch_many(sqlx::query_with(sqlx::AssertSqlSafe(sql), args));
    let (mut done, mut rows) = (Vec::new(), Vec::new());
    loop {
        match stream.try_next().await {
            Ok(Some(Either::Right(row))) => rows.push(row),
            Ok(Some(Either::Left(result))) => {
                done.push(Done { rows_affected: result.rows_affected(), rows: std::mem::take(&mut rows) })
            }
            Ok(None) => return (done, None),
            Err(e) => return (done, Some(e.into())),
        }
    }
}

/// `$n` becomes `$(n + by)`. Our statements' text holds no `$` but in placeholders (values are always bound).
fn shift_placeholders(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_after_the_values_before_them() {
        assert_eq!(shift_placeholders("SELECT $1, $2, $10 WHERE a = $1", 3), "SELECT $4, $5, $13 WHERE a = $4");
        assert_eq!(shift_placeholders("SELECT $1", 0), "SELECT $1");
        assert_eq!(shift_placeholders("SELECT 1", 5), "SELECT 1");
    }

    /// The same batch gives the same answers whether it goes in one call or statement by statement, on either
    /// backend, and a failing statement fails the run.
    #[tokio::test]
    async fn each_statement_reports_its_changes_and_rows_in_order() {
        let db = maitre_testkit::TestDb::new().await;
        let store = crate::Store::open(&db.url, crate::Clock::system()).await.unwrap();
        let modes: &[bool] = if store.backend() == crate::Backend::Sqlite { &[false, true] } else { &[false] };
        for &one_call in modes {
            let mut tx = store.writes.begin().await.unwrap();
            let prefix = if one_call { "one" } else { "each" };
            let mut b = Batch::new(one_call);
            let insert = "INSERT INTO ignored_events (id, platform, reason, location, received_at) \
                          VALUES ($1, 'x', $2, 'l', 0), ($3, 'x', $2, 'l', 0)";
            b.add(insert).bind(format!("{prefix}-a")).bind("r").bind(format!("{prefix}-b"));
            b.add("UPDATE ignored_events SET reason = $2 WHERE id = $1").bind(format!("{prefix}-a")).bind("s");
            b.add("SELECT id, reason FROM ignored_events WHERE id LIKE $1 ORDER BY id").bind(format!("{prefix}-%"));
            let done = b.run(&mut tx).await.unwrap();
            assert_eq!(done.iter().map(|d| d.rows_affected).collect::<Vec<_>>()[..2], [2, 1]);
            assert_eq!(done.len(), 3, "one answer per statement");
            let rows: Vec<(String, String)> =
                done[2].rows.iter().map(|r| (sqlx::Row::get(r, "id"), sqlx::Row::get(r, "reason"))).collect();
            let want = [(format!("{prefix}-a"), "s".to_owned()), (format!("{prefix}-b"), "r".to_owned())];
            assert_eq!(rows, want, "one call: {one_call}");
            tx.commit().await.unwrap();
            let mut tx = store.writes.begin().await.unwrap();
            let mut b = Batch::new(one_call);
            b.add("UPDATE ignored_events SET reason = $1").bind("t");
            b.add("INSERT INTO ignored_events (id) VALUES ($1)").bind("no-platform");
            assert!(b.run(&mut tx).await.is_err(), "a failing statement fails the batch");
        }
    }
}
