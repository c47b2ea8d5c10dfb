//! Scalar functions the metric plans use besides DataFusion's own:
//! - `period_of(ts)`: the label of the reporting period containing the instant, or null;
//! - `month_of(ts)`: the same over the calendar months covering the report (`report_months`);
//! - `quantile(values, q)`: the q-quantile of a list with linear interpolation between closest
//!   ranks (numpy's default), so a median of an even count is the mean of the middle two;
//! - `json_attr(attributes, name)`: a free-form attribute from the JSON text column;
//! - `add_months_local(ts, n)`: calendar-month arithmetic in the workspace timezone;
//! - `year_instant_index(ts)`, `crm_instant_index(ts)`: the position of an instant among the
//!   boundaries of the twelve-month windows (`year_before_end_at`, `end_at` of every period) and
//!   of the months around the CRM's go-live.

use std::sync::Arc;

use chrono::Months;
use chrono_tz::Tz;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};

use pulse_model::Timestamp;

use crate::period::Period;

/// `name(ts)`: the label of the one of `periods` (sorted, disjoint) containing the instant.
pub(crate) fn label_of(name: &str, periods: &[Period]) -> ScalarUDF {
    let bounds: Vec<(i64, i64, String)> =
        periods.iter().map(|period| (period.start.micros(), period.end.micros(), period.label.clone())).collect();
    create_udf(
        name,
        vec![DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let instants = arrays[0].as_primitive::<TimestampMicrosecondType>();
            let labels: StringArray = instants
                .iter()
                .map(|instant| {
                    let instant = instant?;
                    let index = bounds.partition_point(|(start, _, _)| *start <= instant).checked_sub(1)?;
                    let (_, end, label) = &bounds[index];
                    (instant < *end).then_some(label.as_str())
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(labels) as ArrayRef))
        }),
    )
}

/// `name(ts)`: the index of the last of `instants` (sorted, distinct) at or before the instant,
/// −1 before the first: instants in `[instants[k], instants[k + 1])` share index `k`, so a window
/// `[instants[lo], instants[hi])` holds exactly the instants with `lo ≤ index < hi`.
pub(crate) fn instant_index(name: &str, instants: Vec<i64>) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(move |arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let indexes: Int64Array = arrays[0]
                .as_primitive::<TimestampMicrosecondType>()
                .iter()
                .map(|instant| instant.map(|instant| index_among(&instants, instant)))
                .collect();
            Ok(ColumnarValue::Array(Arc::new(indexes) as ArrayRef))
        }),
    )
}

/// The index of the last of `instants` (sorted) at or before `instant`, −1 before the first.
fn index_among(instants: &[i64], instant: i64) -> i64 {
    instants.partition_point(|at| *at <= instant) as i64 - 1
}

/// The q-quantile of `values` (sorted in place), numpy's linear method.
pub(crate) fn quantile_of(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let position = q * (values.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    Some(values[below] + (values[above] - values[below]) * (position - below as f64))
}

/// `add_months_local(ts, n)`: the instant `n` calendar months after `ts` in the workspace
/// timezone — same wall-clock time, the day clamped to the end of a shorter month
/// (Jan 31 + 1 month = Feb 29 in 2024), read back to UTC with the import's gap and overlap rules.
pub(crate) fn add_months_local(zone: Tz) -> ScalarUDF {
    create_udf(
        "add_months_local",
        vec![DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), DataType::Int64],
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        Volatility::Immutable,
        Arc::new(move |arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let instants = arrays[0].as_primitive::<TimestampMicrosecondType>();
            let months = arrays[1].as_primitive::<Int64Type>();
            let shifted: TimestampMicrosecondArray = instants
                .iter()
                .zip(months.iter())
                .map(|(instant, months)| {
                    let wall = Timestamp::from_micros(instant?).to_local(zone);
                    let months = u32::try_from(months?).ok()?;
                    let shifted = wall.checked_add_months(Months::new(months))?;
                    Some(Timestamp::from_local(shifted, zone).micros())
                })
                .collect::<TimestampMicrosecondArray>()
                .with_timezone("UTC");
            Ok(ColumnarValue::Array(Arc::new(shifted) as ArrayRef))
        }),
    )
}

pub(crate) fn quantile() -> ScalarUDF {
    create_udf(
        "quantile",
        vec![DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true))), DataType::Float64],
        DataType::Float64,
        Volatility::Immutable,
        Arc::new(|arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let lists = arrays[0].as_list::<i32>();
            let qs = arrays[1].as_primitive::<Float64Type>();
            let results: Float64Array = (0..lists.len())
                .map(|row| {
                    if lists.is_null(row) || qs.is_null(row) {
                        return None;
                    }
                    let list = lists.value(row);
                    let mut values: Vec<f64> = list.as_primitive::<Float64Type>().iter().flatten().collect();
                    quantile_of(&mut values, qs.value(row))
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(results) as ArrayRef))
        }),
    )
}

pub(crate) fn json_attr() -> ScalarUDF {
    create_udf(
        "json_attr",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let (objects, names) = (arrays[0].as_string::<i32>(), arrays[1].as_string::<i32>());
            let values: StringArray = objects
                .iter()
                .zip(names.iter())
                .map(|(object, name)| {
                    let parsed: serde_json::Value = serde_json::from_str(object?).ok()?;
                    parsed.get(name?)?.as_str().map(str::to_owned)
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(values) as ArrayRef))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::{index_among, quantile_of};

    #[test]
    fn an_instant_takes_the_index_of_the_interval_it_starts_or_falls_in() {
        // Boundaries 10, 20, 30: intervals [10, 20) → 0, [20, 30) → 1, from 30 on → 2.
        let instants = [10, 20, 30];
        let cases = [(5, -1), (9, -1), (10, 0), (19, 0), (20, 1), (29, 1), (30, 2), (99, 2)];
        for (instant, expected) in cases {
            assert_eq!(index_among(&instants, instant), expected, "{instant}");
        }
    }

    #[test]
    fn quantiles_follow_numpy() {
        // numpy.percentile([1, 2, 3, 4], 50) = 2.5; ([1, 2, 3, 4], 90) = 3.7;
        // ([10], 90) = 10; ([3, 1, 2], 50) = 2; ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) = 9.1.
        let cases: &[(&[f64], f64, Option<f64>)] = &[
            (&[1.0, 2.0, 3.0, 4.0], 0.5, Some(2.5)),
            (&[1.0, 2.0, 3.0, 4.0], 0.9, Some(3.7)),
            (&[10.0], 0.9, Some(10.0)),
            (&[3.0, 1.0, 2.0], 0.5, Some(2.0)),
            (&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9, Some(9.1)),
            (&[], 0.5, None),
        ];
        for (values, q, expected) in cases {
            let found = quantile_of(&mut values.to_vec(), *q);
            match (found, expected) {
                (Some(found), Some(expected)) => assert!((found - expected).abs() < 1e-12, "{values:?} q={q}: {found}"),
                _ => assert_eq!(found, *expected),
            }
        }
    }
}
