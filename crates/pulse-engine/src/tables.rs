//! The store's current records as Arrow tables: one table per kind, named like the kind, with
//! timestamps as `Timestamp(µs, "UTC")`, money as `Decimal128(38, 10)` (exact), booleans,
//! integers, numbers and text; customers and leads carry their free-form attributes as a JSON
//! text column `attributes`.

use std::str::FromStr;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Decimal128Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use pulse_model::{ColumnType, Kind};
use pulse_store::{Store, StoredValue};
use rust_decimal::Decimal;

use crate::error::Result;

/// Precision and scale of money columns.
pub(crate) const MONEY_PRECISION: u8 = 38;
pub(crate) const MONEY_SCALE: i8 = 10;
const BATCH_ROWS: usize = 65_536;

/// Every kind's batches, split into partitions.
pub(crate) type Tables = Vec<(Kind, Vec<Vec<RecordBatch>>)>;

/// Loads every kind (current versions, or as they were right after import `as_of`) into
/// batches split into `partitions` partitions.
pub(crate) fn load(store: &Store, partitions: usize, as_of: Option<i64>) -> Result<Tables> {
    Kind::ALL.iter().map(|kind| Ok((*kind, load_kind(store, *kind, partitions.max(1), as_of)?))).collect()
}

/// The tables DataFusion queries.
pub(crate) fn mem_tables(tables: Tables) -> Result<Vec<(Kind, Arc<MemTable>)>> {
    tables.into_iter().map(|(kind, batches)| Ok((kind, Arc::new(MemTable::try_new(schema(kind), batches)?)))).collect()
}

fn column_type(kind: Kind, name: &str) -> Option<ColumnType> {
    kind.columns().iter().find(|column| column.name == name).map(|column| column.column_type)
}

fn arrow_type(column_type: Option<ColumnType>) -> DataType {
    match column_type {
        Some(ColumnType::Timestamp) => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        Some(ColumnType::Money) => DataType::Decimal128(MONEY_PRECISION, MONEY_SCALE),
        Some(ColumnType::Int) => DataType::Int64,
        Some(ColumnType::Num) => DataType::Float64,
        Some(ColumnType::Bool) => DataType::Boolean,
        Some(ColumnType::Id | ColumnType::Text | ColumnType::Enum(_)) | None => DataType::Utf8,
    }
}

pub(crate) fn schema(kind: Kind) -> SchemaRef {
    let fields: Vec<Field> = Store::stored_columns(kind)
        .into_iter()
        .map(|name| Field::new(name, arrow_type(column_type(kind, name)), true))
        .collect();
    Arc::new(Schema::new(fields))
}

enum Builder {
    Text(StringBuilder),
    Timestamp(TimestampMicrosecondBuilder),
    Money(Decimal128Builder),
    Int(Int64Builder),
    Num(Float64Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(data_type: &DataType) -> Builder {
        match data_type {
            DataType::Timestamp(..) => Builder::Timestamp(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
            DataType::Decimal128(..) => Builder::Money(
                Decimal128Builder::new()
                    .with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)
                    .expect("valid decimal type"),
            ),
            DataType::Int64 => Builder::Int(Int64Builder::new()),
            DataType::Float64 => Builder::Num(Float64Builder::new()),
            DataType::Boolean => Builder::Bool(BooleanBuilder::new()),
            _ => Builder::Text(StringBuilder::new()),
        }
    }

    fn append(&mut self, value: StoredValue<'_>) {
        match (self, value) {
            (Builder::Text(builder), StoredValue::Text(text)) => builder.append_value(text),
            (Builder::Timestamp(builder), StoredValue::Int(micros)) => builder.append_value(micros),
            (Builder::Money(builder), StoredValue::Text(text)) => builder.append_option(money_mantissa(text)),
            (Builder::Int(builder), StoredValue::Int(number)) => builder.append_value(number),
            (Builder::Num(builder), StoredValue::Real(number)) => builder.append_value(number),
            (Builder::Num(builder), StoredValue::Int(number)) => builder.append_value(number as f64),
            (Builder::Bool(builder), StoredValue::Int(flag)) => builder.append_value(flag != 0),
            (Builder::Text(builder), _) => builder.append_null(),
            (Builder::Timestamp(builder), _) => builder.append_null(),
            (Builder::Money(builder), _) => builder.append_null(),
            (Builder::Int(builder), _) => builder.append_null(),
            (Builder::Num(builder), _) => builder.append_null(),
            (Builder::Bool(builder), _) => builder.append_null(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Builder::Text(builder) => builder.len(),
            Builder::Timestamp(builder) => builder.len(),
            Builder::Money(builder) => builder.len(),
            Builder::Int(builder) => builder.len(),
            Builder::Num(builder) => builder.len(),
            Builder::Bool(builder) => builder.len(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(builder) => Arc::new(builder.finish()),
            Builder::Timestamp(builder) => Arc::new(builder.finish()),
            Builder::Money(builder) => Arc::new(builder.finish()),
            Builder::Int(builder) => Arc::new(builder.finish()),
            Builder::Num(builder) => Arc::new(builder.finish()),
            Builder::Bool(builder) => Arc::new(builder.finish()),
        }
    }
}

/// The stored decimal text as a `Decimal128(38, 10)` mantissa.
fn money_mantissa(text: &str) -> Option<i128> {
    let mut amount = Decimal::from_str(text).ok()?;
    amount.rescale(MONEY_SCALE as u32);
    Some(amount.mantissa())
}

fn load_kind(store: &Store, kind: Kind, partitions: usize, as_of: Option<i64>) -> Result<Vec<Vec<RecordBatch>>> {
    let schema = schema(kind);
    let mut builders: Vec<Builder> = schema.fields().iter().map(|field| Builder::new(field.data_type())).collect();
    let mut batches: Vec<Vec<RecordBatch>> = vec![Vec::new(); partitions];
    let flush = |builders: &mut Vec<Builder>, batches: &mut Vec<Vec<RecordBatch>>| -> Result<()> {
        let columns: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(schema.clone(), columns).map_err(datafusion::error::DataFusionError::from)?;
        let n_batches: usize = batches.iter().map(Vec::len).sum();
        batches[n_batches % partitions].push(batch);
        Ok(())
    };
    let mut failure = None;
    store.scan(kind, as_of, |values| {
        for (builder, value) in builders.iter_mut().zip(values) {
            builder.append(*value);
        }
        if failure.is_none() && builders[0].len() >= BATCH_ROWS {
            failure = flush(&mut builders, &mut batches).err();
        }
    })?;
    if let Some(error) = failure {
        return Err(error);
    }
    if builders[0].len() > 0 || batches.iter().all(Vec::is_empty) {
        flush(&mut builders, &mut batches)?;
    }
    Ok(batches)
}
