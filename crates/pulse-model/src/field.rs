//! How one cell becomes one typed field, and how a field is handed to the store.

use std::borrow::Cow;

use crate::config::Config;
use crate::value::{Money, Timestamp, parse_bool, parse_int, parse_num};

/// The type of a column, as the store and the metric engine see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Id,
    Text,
    Timestamp,
    Money,
    Int,
    Num,
    Bool,
    /// One of a fixed set of values, stored in its canonical spelling.
    Enum(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub column_type: ColumnType,
    pub required: bool,
}

/// A field as the store receives it: timestamps are microseconds since the epoch in UTC,
/// money is its exact decimal text, booleans are 0 or 1.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
}

/// A problem with one column (or a pair of columns) of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(column: impl Into<String>, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { column: column.into(), value: value.into(), reason: reason.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.value.is_empty() {
            write!(formatter, "column {}: {}", self.column, self.reason)
        } else {
            write!(formatter, "column {}: {:?} {}", self.column, self.value, self.reason)
        }
    }
}

/// A type a column can hold.
pub trait Field: Sized {
    const COLUMN_TYPE: ColumnType;

    /// Parses a trimmed, non-empty cell; the error is a reason that follows the quoted value.
    fn parse(text: &str, config: &Config) -> Result<Self, String>;

    fn value(&self) -> Value<'_>;
}

/// A non-empty identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(pub String);

impl Id {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Field for Id {
    const COLUMN_TYPE: ColumnType = ColumnType::Id;

    fn parse(text: &str, _: &Config) -> Result<Self, String> {
        Ok(Id(text.to_owned()))
    }

    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(&self.0))
    }
}

impl Field for String {
    const COLUMN_TYPE: ColumnType = ColumnType::Text;

    fn parse(text: &str, _: &Config) -> Result<Self, String> {
        Ok(text.to_owned())
    }

    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl Field for Timestamp {
    const COLUMN_TYPE: ColumnType = ColumnType::Timestamp;

    fn parse(text: &str, config: &Config) -> Result<Self, String> {
        Timestamp::parse(text, config.zone())
    }

    fn value(&self) -> Value<'_> {
        Value::Int(self.micros())
    }
}

impl Field for Money {
    const COLUMN_TYPE: ColumnType = ColumnType::Money;

    fn parse(text: &str, _: &Config) -> Result<Self, String> {
        Money::parse(text)
    }

    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Owned(self.to_string()))
    }
}

impl Field for i64 {
    const COLUMN_TYPE: ColumnType = ColumnType::Int;

    fn parse(text: &str, _: &Config) -> Result<Self, String> {
        parse_int(text)
    }

    fn value(&self) -> Value<'_> {
        Value::Int(*self)
    }
}

impl Field for f64 {
    const COLUMN_TYPE: ColumnType = ColumnType::Num;

    fn parse(text: &str, _: &Config) -> Result<Self, String> {
        parse_num(text)
    }

    fn value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl Field for bool {
    const COLUMN_TYPE: ColumnType = ColumnType::Bool;

    fn parse(text: &str, _: &Config) -> Result<Self, String> {
        parse_bool(text)
    }

    fn value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}

/// Declares an enum column type matched case-insensitively and stored in canonical spelling.
macro_rules! field_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl Field for $name {
            const COLUMN_TYPE: ColumnType = ColumnType::Enum(Self::NAMES);

            fn parse(text: &str, _: &Config) -> Result<Self, String> {
                $(if text.eq_ignore_ascii_case($text) {
                    return Ok(Self::$variant);
                })+
                Err(format!("is not one of {}", Self::NAMES.join(", ")))
            }

            fn value(&self) -> Value<'_> {
                Value::Text(Cow::Borrowed(self.as_str()))
            }
        }
    };
}

field_enum!(DealStatus { Open = "open", Won = "won", Lost = "lost" });
field_enum!(ActivityType { Call = "call", Email = "email", Meeting = "meeting", Message = "message", Task = "task", Note = "note" });
field_enum!(OrderStatus { Paid = "paid", Refunded = "refunded" });
field_enum!(SurveyKind { Nps = "nps", Ces = "ces", Csat = "csat", Enps = "enps" });
field_enum!(SpendPurpose { Acquisition = "acquisition", Retention = "retention", Brand = "brand" });
