//! Reading the domain's word-valued columns (platform, states) from rows: a word the domain does not know means the
//! row is corrupt, never a panic.
use std::str::FromStr;

use maitre_domain::UnknownWord;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, StoreError};

/// The value of `column`, stored as one of `T`'s words.
pub(crate) fn word<T: FromStr<Err = UnknownWord>>(row: &AnyRow, column: &str) -> Result<T> {
    row.try_get::<String, _>(column)?.parse().map_err(StoreError::corrupt)
}
