//! Rows written straight into the tables in large batches, for benches that need a business's history or its
//! guests in numbers that webhooks would take hours to bring. Triggers count figures as they do for live traffic.
use sqlx::AnyPool;

use crate::{Error, Result};

pub(crate) fn db(e: sqlx::Error) -> Error {
    Error::Setup(format!("writing seeded rows: {e}"))
}

/// Rows per INSERT statement, and statements per transaction.
const ROWS: usize = 500;
const STATEMENTS: usize = 40;

/// Inserts `rows` (each a list of values) into `table`, in batched statements and transactions. On PostgreSQL
/// the table is analyzed after each transaction, as autovacuum would over a year of small writes: triggers that
/// look rows up (a guest's other visits) are otherwise planned as if the growing table were empty.
pub(crate) async fn insert(pool: &AnyPool, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> Result<()> {
    let postgres = pool.connect_options().database_url.scheme().starts_with("postgres");
    // Each booking's trigger looks up its guest's other visits: smaller transactions get them analyzed sooner.
    let per_transaction = if postgres && table == "reservations" { ROWS * STATEMENTS / 8 } else { ROWS * STATEMENTS };
    for group in rows.chunks(per_transaction) {
        let mut tx = pool.begin().await.map_err(db)?;
        for chunk in group.chunks(ROWS) {
            let width = columns.len();
            let values: Vec<String> = (0..chunk.len())
                .map(|r| {
                    format!("({})", (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", "))
                })
                .collect();
            // Only the bench's own table and column names and numbered placeholders are formatted in.
            let sql = format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), values.join(", "));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in chunk.iter().flatten() {
                q = match value {
                    Value::Text(s) => q.bind(s.clone()),
                    Value::Int(i) => q.bind(*i),
                    Value::NoInt => q.bind(None::<i64>),
                    Value::NoText => q.bind(None::<String>),
                };
            }
            q.execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        if postgres {
            // Only the bench's own table names are formatted in.
            sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {table}"))).execute(pool).await.map_err(db)?;
        }
    }
    Ok(())
}

/// A value to bind; PostgreSQL wants a null of its column's type.
pub(crate) enum Value {
    Text(String),
    Int(i64),
    NoInt,
    NoText,
}

pub(crate) fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}
