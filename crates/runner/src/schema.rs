//! PROVISIONAL: the types of the output schema the store needs, until the
//! schema module lands (it replaces this file).

use std::borrow::Cow;

/// A column's type.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// Days (Float64).
    Day,
    /// A count (UInt64).
    Count,
    /// A signed integer (Int64).
    Integer,
    /// A real number (Float64).
    Float,
    /// A Boolean.
    Boolean,
    /// Text (Utf8).
    Text,
}

impl ColumnType {
    /// The SQLite column type.
    pub fn sql(self) -> &'static str {
        match self {
            ColumnType::Day | ColumnType::Float => "REAL",
            ColumnType::Count | ColumnType::Integer | ColumnType::Boolean => "INTEGER",
            ColumnType::Text => "TEXT",
        }
    }
}

/// A column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// Name.
    pub name: Cow<'static, str>,
    /// Type.
    pub kind: ColumnType,
    /// Unit.
    pub unit: &'static str,
    /// Meaning.
    pub meaning: Cow<'static, str>,
    /// Whether it may be empty.
    pub nullable: bool,
}

/// A value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Empty.
    Null,
    /// A count.
    Count(u64),
    /// An integer.
    Integer(i64),
    /// Days.
    Day(f64),
    /// A real number.
    Float(f64),
    /// A Boolean.
    Boolean(bool),
    /// Text.
    Text(String),
}

/// A row.
pub type Row = Vec<Value>;
