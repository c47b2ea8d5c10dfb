//! Scalar functions the metric plans use besides DataFusion's own:
//! - `period_of(ts)`: the label of the reporting period containing the instant, or null;
//! - `month_of(ts)`: the same over the calendar months covering the report (`report_months`);
//! - `quantile(values, q)`: the q-quantile of a list with linear interpolation between closest
//!   ranks (numpy's default), so a median of an even count is the mean of the middle two;
//! - `json_attr(attributes, name)`: a free-form attribute from the JSON text column;
//! - `due_term_ends(started_at, term_months, ended_at)`: a subscription's due term ends, by
//!   calendar-month arithmetic in the workspace timezone (see [`due_term_ends`]);
//! - `year_instant_index(ts)`, `crm_instant_index(ts)`: the position of an instant among the
//!   boundaries of the periods and of the twelve-month windows (`start_at`, `year_before_end_at`,
//!   `end_at` of every period) and of the months around the CRM's go-live;
//! - `active_instants(order_ats, subscription_starts, subscription_ends)`: the instants at which
//!   a customer is active, from all their paid orders and subscriptions (see [`active_instants`]);
//! - `window_activity(instants, labels, starts, ends)`: for a customer's active instants (from
//!   `active_instants`) and windows given as three aligned lists, the windows at whose start or
//!   end the customer is active (see [`window_activity`]);
//! - `counts_active_in_periods(instants)`, `counts_active_in_twelve_months(instants)`,
//!   `counts_active_in_months(instants)`: aggregates over customers' active instants, how many are
//!   active at the start, at the end and at both of each period (of the twelve months ending at
//!   its end, of each calendar month of the report) (see [`activity_counts`]);
//! - `mrr_in_windows(ats, deltas, labels, starts, ends)`: a customer's MRR before the start and
//!   before the end of each window (see [`mrr_in_windows`]);
//! - `stage_visits(stages, entered_ats)`: a deal's stage entries gathered into two aligned lists,
//!   as visits (see [`stage_visits`]);
//! - `previous_among(list)`: for each element of a list of integers, the greatest element of the
//!   list below it (null when there is none), in the list's order;
//! - `mrr_movements(subscription_ids, ats, precedences, mrrs)`: a customer's MRR movements from
//!   the events of their subscriptions (see [`mrr_movements`]).

use std::sync::Arc;

use chrono::Months;
use chrono_tz::Tz;
use std::collections::HashMap;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, Float64Array, Int64Array, ListArray, StringArray, StringBuilder,
    StructArray, TimestampMicrosecondArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, Field, Fields, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, ColumnarValue, ScalarUDF, Volatility, create_udaf, create_udf,
};
use datafusion::scalar::ScalarValue;

use pulse_model::Timestamp;

use crate::period::Period;
use crate::tables::{MONEY_PRECISION, MONEY_SCALE};

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

/// Which rule decides whether a customer is active (the workspace's `customer_model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActivityRule {
    /// The subscription rule for a customer who ever had a subscription, else the purchase rule.
    Auto,
    Subscription,
    Purchase,
}

/// `active_instants(order_ats, subscription_starts, subscription_ends)`, over one customer's paid
/// orders (a list, null for none) and subscriptions (two aligned lists, null for none): the ones
/// of `instants` (sorted, distinct) at which the customer is active, sorted. Under the purchase rule a customer is active at `t` with a paid order in
/// `[t − inactivity, t)`; under the subscription rule, with a subscription started before `t` and
/// not ended before it (`started < t ≤ ended`, open when `ended` is null).
pub(crate) fn active_instants(instants: Vec<i64>, inactivity: i64, rule: ActivityRule) -> ScalarUDF {
    let instant = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let list = list_of(instant.clone());
    create_udf(
        "active_instants",
        vec![list.clone(), list.clone(), list.clone()],
        list,
        Volatility::Immutable,
        Arc::new(move |arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let [order_ats, starts, ends] = [0, 1, 2].map(|index| arrays[index].as_list::<i32>());
            let mut offsets = vec![0i32];
            let mut values: Vec<i64> = Vec::new();
            let mut orders = Vec::new();
            let mut subscriptions = Vec::new();
            for row in 0..order_ats.len() {
                orders.clear();
                subscriptions.clear();
                if !order_ats.is_null(row) {
                    let order_at = order_ats.value(row);
                    orders.extend(order_at.as_primitive::<TimestampMicrosecondType>().iter().flatten());
                }
                if !(starts.is_null(row) || ends.is_null(row)) {
                    let (start, end) = (starts.value(row), ends.value(row));
                    let end = end.as_primitive::<TimestampMicrosecondType>();
                    for (item, started) in start.as_primitive::<TimestampMicrosecondType>().iter().enumerate() {
                        if let Some(started) = started {
                            subscriptions.push((started, (!end.is_null(item)).then(|| end.value(item))));
                        }
                    }
                }
                values.extend(active_among(&instants, inactivity, rule, &orders, &subscriptions));
                offsets.push(list_offset("active_instants", values.len())?);
            }
            let values = TimestampMicrosecondArray::from(values).with_timezone("UTC");
            lists_result(offsets, Arc::new(values))
        }),
    )
}

/// The ones of `instants` (sorted, distinct) at which a customer with these paid orders and
/// subscriptions `(started, ended)` is active under `rule`, sorted.
fn active_among(
    instants: &[i64],
    inactivity: i64,
    rule: ActivityRule,
    orders: &[i64],
    subscriptions: &[(i64, Option<i64>)],
) -> impl Iterator<Item = i64> {
    let by_subscription = match rule {
        ActivityRule::Auto => !subscriptions.is_empty(),
        ActivityRule::Subscription => true,
        ActivityRule::Purchase => false,
    };
    // The first index whose instant is after `at`: instants in `(from, to]` are
    // `after(from)..after(to)`.
    let after = |at: i64| instants.partition_point(|instant| *instant <= at);
    let mut ranges: Vec<(usize, usize)> = if by_subscription {
        subscriptions.iter().map(|(started, ended)| (after(*started), ended.map_or(instants.len(), after))).collect()
    } else {
        orders.iter().map(|ordered| (after(*ordered), after(ordered.saturating_add(inactivity)))).collect()
    };
    ranges.sort_unstable();
    let mut active = Vec::new();
    let mut next = 0;
    for (from, to) in ranges {
        let from = from.max(next);
        if from < to {
            active.extend_from_slice(&instants[from..to]);
        }
        next = next.max(to);
    }
    active.into_iter()
}

/// `window_activity(instants, labels, starts, ends)`: `instants` the sorted instants at which a
/// customer is active, the windows `[starts[j], ends[j])` labelled `labels[j]`; a list of
/// `{period, in_start, in_end}` for each window at whose start or end (instants that must be
/// among the ones `active_instants` was given) the customer is active, `in_start` and `in_end`
/// 1 or 0.
pub(crate) fn window_activity() -> ScalarUDF {
    let instant = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let fields = Fields::from(vec![
        Field::new("period", DataType::Utf8, false),
        Field::new("in_start", DataType::Int64, false),
        Field::new("in_end", DataType::Int64, false),
    ]);
    create_udf(
        "window_activity",
        vec![list_of(instant.clone()), list_of(DataType::Utf8), list_of(instant.clone()), list_of(instant)],
        list_of(DataType::Struct(fields.clone())),
        Volatility::Immutable,
        Arc::new(move |arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let [instants, labels, starts, ends] = [0, 1, 2, 3].map(|index| arrays[index].as_list::<i32>());
            let mut offsets = vec![0i32];
            let (mut periods, mut in_starts, mut in_ends) = (StringBuilder::new(), Vec::new(), Vec::new());
            for row in 0..instants.len() {
                if !(instants.is_null(row) || labels.is_null(row) || starts.is_null(row) || ends.is_null(row)) {
                    let active = instants.value(row);
                    let active = active.as_primitive::<TimestampMicrosecondType>().values();
                    let (label, start, end) = (labels.value(row), starts.value(row), ends.value(row));
                    let label = label.as_string::<i32>();
                    let (start, end) = (
                        start.as_primitive::<TimestampMicrosecondType>(),
                        end.as_primitive::<TimestampMicrosecondType>(),
                    );
                    for window in 0..label.len() {
                        let in_start = active.binary_search(&start.value(window)).is_ok();
                        let in_end = active.binary_search(&end.value(window)).is_ok();
                        if in_start || in_end {
                            periods.append_value(label.value(window));
                            in_starts.push(i64::from(in_start));
                            in_ends.push(i64::from(in_end));
                        }
                    }
                }
                offsets.push(list_offset("window_activity", in_starts.len())?);
            }
            let columns: Vec<ArrayRef> = vec![
                Arc::new(periods.finish()),
                Arc::new(Int64Array::from(in_starts)),
                Arc::new(Int64Array::from(in_ends)),
            ];
            let values = StructArray::try_new(fields.clone(), columns, None)?;
            lists_result(offsets, Arc::new(values))
        }),
    )
}

/// The windows of an activity count: labelled `[start, end)`, each bound given as its position
/// among the windows' distinct bounds (sorted).
#[derive(Debug)]
struct CountWindows {
    labels: Vec<String>,
    bounds: Vec<i64>,
    positions: Vec<(usize, usize)>,
}

/// `name(instants)`, an aggregate over customers, each given by the instants at which they are
/// active (sorted, as from `active_instants`; each window bound must be one of the instants at
/// which that function is asked): for each of `windows` (label, start, end) at whose start or
/// end someone is active, `{period, n_start, n_end, n_both}` — how many customers are active at
/// its start (S), at its end (E), and at both (S ∩ E). The counts that `window_activity` rows
/// would give summed, without a row per customer and window.
pub(crate) fn activity_counts(name: &str, windows: Vec<(String, i64, i64)>) -> AggregateUDF {
    let instant = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let fields = activity_count_fields();
    let windows = Arc::new(count_windows(windows));
    create_udaf(
        name,
        vec![list_of(instant)],
        Arc::new(list_of(DataType::Struct(fields.clone()))),
        Volatility::Immutable,
        Arc::new(move |_| Ok(Box::new(ActivityCounts::new(windows.clone(), fields.clone())))),
        Arc::new(vec![list_of(DataType::Int64)]),
    )
}

/// The fields of an activity count's result.
fn activity_count_fields() -> Fields {
    Fields::from(vec![
        Field::new("period", DataType::Utf8, false),
        Field::new("n_start", DataType::Int64, false),
        Field::new("n_end", DataType::Int64, false),
        Field::new("n_both", DataType::Int64, false),
    ])
}

/// `(label, start, end)` windows with their bounds' positions among the distinct bounds.
fn count_windows(windows: Vec<(String, i64, i64)>) -> CountWindows {
    let mut bounds: Vec<i64> = windows.iter().flat_map(|(_, start, end)| [*start, *end]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let position = |instant: &i64| bounds.binary_search(instant).unwrap_or_default();
    let positions = windows.iter().map(|(_, start, end)| (position(start), position(end))).collect();
    CountWindows { labels: windows.into_iter().map(|(label, _, _)| label).collect(), bounds, positions }
}

/// The state of an activity count: `counts[3w..3w + 3]` are window `w`'s |S|, |E|, |S ∩ E|;
/// `active` is scratch space, one flag per window bound.
#[derive(Debug)]
struct ActivityCounts {
    windows: Arc<CountWindows>,
    fields: Fields,
    counts: Vec<i64>,
    active: Vec<bool>,
}

impl ActivityCounts {
    fn new(windows: Arc<CountWindows>, fields: Fields) -> ActivityCounts {
        let (counts, active) = (vec![0; 3 * windows.labels.len()], vec![false; windows.bounds.len()]);
        ActivityCounts { windows, fields, counts, active }
    }
}

impl Accumulator for ActivityCounts {
    fn update_batch(&mut self, values: &[ArrayRef]) -> datafusion::error::Result<()> {
        let lists = values[0].as_list::<i32>();
        for row in 0..lists.len() {
            if lists.is_null(row) {
                continue;
            }
            let instants = lists.value(row);
            let instants = instants.as_primitive::<TimestampMicrosecondType>().values();
            let mut next = 0;
            for (flag, bound) in self.active.iter_mut().zip(&self.windows.bounds) {
                while next < instants.len() && instants[next] < *bound {
                    next += 1;
                }
                *flag = instants.get(next) == Some(bound);
            }
            for (counts, (start, end)) in self.counts.chunks_exact_mut(3).zip(&self.windows.positions) {
                let (at_start, at_end) = (self.active[*start], self.active[*end]);
                counts[0] += i64::from(at_start);
                counts[1] += i64::from(at_end);
                counts[2] += i64::from(at_start && at_end);
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> datafusion::error::Result<ScalarValue> {
        let (mut periods, mut columns) = (StringBuilder::new(), [Vec::new(), Vec::new(), Vec::new()]);
        for (label, counts) in self.windows.labels.iter().zip(self.counts.chunks_exact(3)) {
            if counts[0] + counts[1] > 0 {
                periods.append_value(label);
                for (column, count) in columns.iter_mut().zip(counts) {
                    column.push(*count);
                }
            }
        }
        let periods = periods.finish();
        let length = list_offset("activity_counts", periods.len())?;
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(periods)];
        arrays.extend(columns.map(|column| Arc::new(Int64Array::from(column)) as ArrayRef));
        let values = StructArray::try_new(self.fields.clone(), arrays, None)?;
        let field = Arc::new(Field::new_list_field(values.data_type().clone(), true));
        let list = ListArray::try_new(field, OffsetBuffer::new(vec![0, length].into()), Arc::new(values), None)?;
        Ok(ScalarValue::List(Arc::new(list)))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.counts.capacity() * size_of::<i64>() + self.active.capacity()
    }

    fn state(&mut self) -> datafusion::error::Result<Vec<ScalarValue>> {
        let counts = Int64Array::from(self.counts.clone());
        let field = Arc::new(Field::new_list_field(DataType::Int64, true));
        let length = list_offset("activity_counts", counts.len())?;
        let list = ListArray::try_new(field, OffsetBuffer::new(vec![0, length].into()), Arc::new(counts), None)?;
        Ok(vec![ScalarValue::List(Arc::new(list))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> datafusion::error::Result<()> {
        let lists = states[0].as_list::<i32>();
        for row in 0..lists.len() {
            if lists.is_null(row) {
                continue;
            }
            let other = lists.value(row);
            for (count, add) in self.counts.iter_mut().zip(other.as_primitive::<Int64Type>().values()) {
                *count += add;
            }
        }
        Ok(())
    }
}

/// `mrr_in_windows(ats, deltas, labels, starts, ends)`: a customer's MRR movements (instants and
/// decimal deltas, two aligned lists) and windows `[starts[j], ends[j])` labelled `labels[j]`;
/// a list of `{period, mrr_at_start, mrr_at_end}` — the sums of the deltas before the window's
/// start and before its end — for each window with a movement before its end.
pub(crate) fn mrr_in_windows() -> ScalarUDF {
    let instant = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let money = DataType::Decimal128(MONEY_PRECISION, MONEY_SCALE);
    let fields = Fields::from(vec![
        Field::new("period", DataType::Utf8, false),
        Field::new("mrr_at_start", money.clone(), false),
        Field::new("mrr_at_end", money.clone(), false),
    ]);
    create_udf(
        "mrr_in_windows",
        vec![
            list_of(instant.clone()),
            list_of(money),
            list_of(DataType::Utf8),
            list_of(instant.clone()),
            list_of(instant),
        ],
        list_of(DataType::Struct(fields.clone())),
        Volatility::Immutable,
        Arc::new(move |arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let [ats, deltas, labels, starts, ends] = [0, 1, 2, 3, 4].map(|index| arrays[index].as_list::<i32>());
            let overflow = || DataFusionError::Execution("mrr_in_windows: MRR out of the decimal range".into());
            let mut offsets = vec![0i32];
            let mut periods = StringBuilder::new();
            let (mut at_starts, mut at_ends) = (Vec::new(), Vec::new());
            let mut movements: Vec<(i64, i128)> = Vec::new();
            let mut sums: Vec<i128> = Vec::new();
            for row in 0..ats.len() {
                if !(ats.is_null(row) || labels.is_null(row)) {
                    let (at, delta) = (ats.value(row), deltas.value(row));
                    let (at, delta) =
                        (at.as_primitive::<TimestampMicrosecondType>(), delta.as_primitive::<Decimal128Type>());
                    movements.clear();
                    movements.extend(
                        (0..at.len())
                            .filter(|item| at.is_valid(*item) && delta.is_valid(*item))
                            .map(|item| (at.value(item), delta.value(item))),
                    );
                    movements.sort_unstable();
                    // sums[i]: the sum of the first i deltas.
                    sums.clear();
                    sums.push(0);
                    for (_, delta) in &movements {
                        let last = sums[sums.len() - 1];
                        sums.push(last.checked_add(*delta).ok_or_else(overflow)?);
                    }
                    let (label, start, end) = (labels.value(row), starts.value(row), ends.value(row));
                    let label = label.as_string::<i32>();
                    let (start, end) = (
                        start.as_primitive::<TimestampMicrosecondType>(),
                        end.as_primitive::<TimestampMicrosecondType>(),
                    );
                    let before = |instant: i64| movements.partition_point(|(at, _)| *at < instant);
                    for window in 0..label.len() {
                        let until_end = before(end.value(window));
                        if until_end > 0 {
                            periods.append_value(label.value(window));
                            at_starts.push(sums[before(start.value(window))]);
                            at_ends.push(sums[until_end]);
                        }
                    }
                }
                offsets.push(list_offset("mrr_in_windows", at_starts.len())?);
            }
            let columns: Vec<ArrayRef> = vec![
                Arc::new(periods.finish()),
                Arc::new(Decimal128Array::from(at_starts).with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)?),
                Arc::new(Decimal128Array::from(at_ends).with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)?),
            ];
            let values = StructArray::try_new(fields.clone(), columns, None)?;
            lists_result(offsets, Arc::new(values))
        }),
    )
}

/// `stage_visits(stages, entered_ats)`: a deal's stage entries (two aligned lists) as a list of
/// visits `{stage, entered_at, next_entered_at}` in time order: consecutive entries into one
/// stage are one visit, which lasts until the next visit's entry (null for the last one).
pub(crate) fn stage_visits() -> ScalarUDF {
    let instant = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let fields = Fields::from(vec![
        Field::new("stage", DataType::Utf8, false),
        Field::new("entered_at", instant.clone(), false),
        Field::new("next_entered_at", instant.clone(), true),
    ]);
    create_udf(
        "stage_visits",
        vec![list_of(DataType::Utf8), list_of(instant)],
        list_of(DataType::Struct(fields.clone())),
        Volatility::Immutable,
        Arc::new(move |arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let [stages, entered_ats] = [0, 1].map(|index| arrays[index].as_list::<i32>());
            let mut offsets = vec![0i32];
            let mut visit_stages = StringBuilder::new();
            let (mut visit_entries, mut visit_ends) = (Vec::new(), Vec::new());
            let mut entries: Vec<(i64, usize)> = Vec::new();
            for row in 0..stages.len() {
                let (stage, entered_at) = (stages.value(row), entered_ats.value(row));
                let (stage, entered_at) =
                    (stage.as_string::<i32>(), entered_at.as_primitive::<TimestampMicrosecondType>());
                entries.clear();
                entries.extend(
                    (0..stage.len())
                        .filter(|item| !stage.is_null(*item) && !entered_at.is_null(*item))
                        .map(|item| (entered_at.value(item), item)),
                );
                entries.sort_by_key(|(at, _)| *at);
                let visits: Vec<(i64, usize)> = entries
                    .iter()
                    .enumerate()
                    .filter(|(position, (_, item))| {
                        *position == 0 || stage.value(entries[position - 1].1) != stage.value(*item)
                    })
                    .map(|(_, entry)| *entry)
                    .collect();
                for (position, (at, item)) in visits.iter().enumerate() {
                    visit_stages.append_value(stage.value(*item));
                    visit_entries.push(*at);
                    visit_ends.push(visits.get(position + 1).map(|(next, _)| *next));
                }
                offsets.push(list_offset("stage_visits", visit_entries.len())?);
            }
            let columns: Vec<ArrayRef> = vec![
                Arc::new(visit_stages.finish()),
                Arc::new(TimestampMicrosecondArray::from(visit_entries).with_timezone("UTC")),
                Arc::new(TimestampMicrosecondArray::from(visit_ends).with_timezone("UTC")),
            ];
            let values = StructArray::try_new(fields.clone(), columns, None)?;
            lists_result(offsets, Arc::new(values))
        }),
    )
}

/// `previous_among(list)`: see the module's description.
pub(crate) fn previous_among() -> ScalarUDF {
    let list = list_of(DataType::Int64);
    create_udf(
        "previous_among",
        vec![list.clone()],
        list,
        Volatility::Immutable,
        Arc::new(|arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let lists = arrays[0].as_list::<i32>();
            let mut offsets = vec![0i32];
            let mut values: Vec<Option<i64>> = Vec::new();
            let mut sorted = Vec::new();
            for row in 0..lists.len() {
                let list = lists.value(row);
                let items = list.as_primitive::<Int64Type>();
                sorted.clear();
                sorted.extend(items.iter().flatten());
                sorted.sort_unstable();
                values.extend(items.iter().map(|item| item.and_then(|item| predecessor(&sorted, item))));
                offsets.push(list_offset("previous_among", values.len())?);
            }
            let values = Int64Array::from(values);
            lists_result(offsets, Arc::new(values))
        }),
    )
}

/// The greatest of `sorted` below `item`, if any.
fn predecessor(sorted: &[i64], item: i64) -> Option<i64> {
    sorted.partition_point(|other| *other < item).checked_sub(1).map(|index| sorted[index])
}

/// The type of a list of `item`s (nullable items, Arrow's default field name).
fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(item, true)))
}

/// A function's result of one list per row: row k holds `values[offsets[k]..offsets[k + 1]]`.
fn lists_result(offsets: Vec<i32>, values: ArrayRef) -> datafusion::error::Result<ColumnarValue> {
    let field = Arc::new(Field::new_list_field(values.data_type().clone(), true));
    let lists = ListArray::try_new(field, OffsetBuffer::new(offsets.into()), values, None)?;
    Ok(ColumnarValue::Array(Arc::new(lists) as ArrayRef))
}

/// A list array's next offset.
fn list_offset(function: &str, length: usize) -> datafusion::error::Result<i32> {
    i32::try_from(length).map_err(|error| DataFusionError::Execution(format!("{function}: {error}")))
}

/// A movement of a customer's MRR: when, by how much (a decimal mantissa at the money scale) and
/// of which kind (`new`, `reactivation`, `expansion`, `contraction` or `churn`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Movement {
    at: i64,
    delta: i128,
    kind: &'static str,
}

/// One event of a subscription: its MRR from `at` on, set by its start (precedence 0), a change
/// (1) or its end (2, MRR 0).
#[derive(Debug, Clone, Copy)]
struct SubscriptionEvent {
    at: i64,
    precedence: i64,
    mrr: i128,
}

/// `mrr_movements(subscription_ids, ats, precedences, mrrs)`, over one customer's subscription
/// events gathered into four aligned lists (see [`movements_of`]): the customer's MRR movements
/// as a list of `{at, delta, kind}`, in time order.
pub(crate) fn mrr_movements() -> ScalarUDF {
    let instant = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let money = DataType::Decimal128(MONEY_PRECISION, MONEY_SCALE);
    let fields = Fields::from(vec![
        Field::new("at", instant.clone(), false),
        Field::new("delta", money.clone(), false),
        Field::new("kind", DataType::Utf8, false),
    ]);
    let output = list_of(DataType::Struct(fields.clone()));
    create_udf(
        "mrr_movements",
        vec![list_of(DataType::Utf8), list_of(instant), list_of(DataType::Int64), list_of(money.clone())],
        output,
        Volatility::Immutable,
        Arc::new(move |arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let [ids, ats, precedences, mrrs] = [0, 1, 2, 3].map(|index| arrays[index].as_list::<i32>());
            let mut offsets = vec![0i32];
            let mut movements = Vec::new();
            for row in 0..ids.len() {
                let (id, at, precedence, mrr) =
                    (ids.value(row), ats.value(row), precedences.value(row), mrrs.value(row));
                let (id, at) = (id.as_string::<i32>(), at.as_primitive::<TimestampMicrosecondType>());
                let (precedence, mrr) = (precedence.as_primitive::<Int64Type>(), mrr.as_primitive::<Decimal128Type>());
                let mut by_subscription: HashMap<&str, Vec<SubscriptionEvent>> = HashMap::new();
                for item in 0..id.len() {
                    if id.is_null(item) || at.is_null(item) || precedence.is_null(item) || mrr.is_null(item) {
                        return Err(DataFusionError::Execution("mrr_movements: an event without a value".into()));
                    }
                    by_subscription.entry(id.value(item)).or_default().push(SubscriptionEvent {
                        at: at.value(item),
                        precedence: precedence.value(item),
                        mrr: mrr.value(item),
                    });
                }
                movements.extend(movements_of(by_subscription.into_values())?);
                offsets.push(list_offset("mrr_movements", movements.len())?);
            }
            let at = TimestampMicrosecondArray::from_iter_values(movements.iter().map(|movement| movement.at))
                .with_timezone("UTC");
            let delta = Decimal128Array::from_iter_values(movements.iter().map(|movement| movement.delta))
                .with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)?;
            let kind = StringArray::from_iter_values(movements.iter().map(|movement| movement.kind));
            let columns: Vec<ArrayRef> = vec![Arc::new(at), Arc::new(delta), Arc::new(kind)];
            let values = StructArray::try_new(fields.clone(), columns, None)?;
            lists_result(offsets, Arc::new(values))
        }),
    )
}

/// A customer's MRR movements from the events of each of their subscriptions.
///
/// A subscription's MRR from each instant on is set by its start, its changes and its end (0);
/// events at one instant resolve in that order (the highest precedence wins), so a change at
/// the start overrides the starting MRR. Each subscription's steps become deltas; the deltas of
/// the customer at one instant are summed (several subscriptions changing together are one
/// movement, and changes that cancel out are none); the running sum is the MRR after. A movement
/// from 0 is `new` the first time the customer has MRR and `reactivation` after; one to 0 is
/// `churn`; otherwise a rise is `expansion` and a fall `contraction`.
fn movements_of(
    subscriptions: impl Iterator<Item = Vec<SubscriptionEvent>>,
) -> datafusion::error::Result<Vec<Movement>> {
    let overflow = || DataFusionError::Execution("mrr_movements: MRR out of the decimal range".into());
    let mut deltas: Vec<(i64, i128)> = Vec::new();
    for mut events in subscriptions {
        events.sort_by_key(|event| (event.at, event.precedence));
        let mut mrr = 0i128;
        for (index, event) in events.iter().enumerate() {
            if events.get(index + 1).is_some_and(|next| next.at == event.at) {
                continue;
            }
            deltas.push((event.at, event.mrr.checked_sub(mrr).ok_or_else(overflow)?));
            mrr = event.mrr;
        }
    }
    deltas.sort_unstable();
    let mut movements = Vec::new();
    let (mut mrr, mut had_mrr) = (0i128, false);
    let mut index = 0;
    while index < deltas.len() {
        let at = deltas[index].0;
        let mut delta = 0i128;
        while index < deltas.len() && deltas[index].0 == at {
            delta = delta.checked_add(deltas[index].1).ok_or_else(overflow)?;
            index += 1;
        }
        if delta == 0 {
            continue;
        }
        let after = mrr.checked_add(delta).ok_or_else(overflow)?;
        let kind = match (mrr == 0, after == 0) {
            (true, _) if !had_mrr => "new",
            (true, _) => "reactivation",
            (false, true) => "churn",
            (false, false) if delta > 0 => "expansion",
            (false, false) => "contraction",
        };
        movements.push(Movement { at, delta, kind });
        had_mrr |= delta > 0;
        mrr = after;
    }
    Ok(movements)
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

/// `due_term_ends(started_at, term_months, ended_at)`: a subscription's due term ends before
/// `until` (the report's end), in order. Term end k is k × `term_months` calendar months after
/// `started_at` in the workspace timezone — same wall-clock time, the day clamped to the end of a
/// shorter month (Jan 31 + 1 month = Feb 29 in 2024), read back to UTC with the import's gap and
/// overlap rules — counted from `started_at` each time. A term end is due when it is the first
/// one or the one before it came before `ended_at` (every one while `ended_at` is null), which
/// keeps every term end up to and including the first one ≥ `ended_at`.
pub(crate) fn due_term_ends(zone: Tz, until: i64) -> ScalarUDF {
    let instant = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    create_udf(
        "due_term_ends",
        vec![instant.clone(), DataType::Int64, instant.clone()],
        list_of(instant),
        Volatility::Immutable,
        Arc::new(move |arguments: &[ColumnarValue]| {
            let arrays = ColumnarValue::values_to_arrays(arguments)?;
            let starts = arrays[0].as_primitive::<TimestampMicrosecondType>();
            let terms = arrays[1].as_primitive::<Int64Type>();
            let ends = arrays[2].as_primitive::<TimestampMicrosecondType>();
            let mut offsets = vec![0i32];
            let mut values = Vec::new();
            for row in 0..starts.len() {
                if let (Some(started), Some(term)) =
                    (starts.is_valid(row).then(|| starts.value(row)), terms.is_valid(row).then(|| terms.value(row)))
                {
                    let ended = ends.is_valid(row).then(|| ends.value(row));
                    values.extend(term_ends_of(zone, until, started, term, ended));
                }
                offsets.push(list_offset("due_term_ends", values.len())?);
            }
            let values = TimestampMicrosecondArray::from(values).with_timezone("UTC");
            lists_result(offsets, Arc::new(values))
        }),
    )
}

/// The due term ends before `until` of a subscription (see [`due_term_ends`]).
fn term_ends_of(zone: Tz, until: i64, started: i64, term_months: i64, ended: Option<i64>) -> Vec<i64> {
    let mut term_ends = Vec::new();
    let Ok(term_months) = u32::try_from(term_months) else { return term_ends };
    if term_months == 0 {
        return term_ends;
    }
    let wall = Timestamp::from_micros(started).to_local(zone);
    let mut previous: Option<i64> = None;
    for term in 1u32.. {
        if previous.is_some_and(|previous| ended.is_some_and(|ended| previous >= ended)) {
            break;
        }
        let Some(shifted) =
            term.checked_mul(term_months).and_then(|months| wall.checked_add_months(Months::new(months)))
        else {
            break;
        };
        let term_end = Timestamp::from_local(shifted, zone).micros();
        if term_end >= until {
            break;
        }
        term_ends.push(term_end);
        previous = Some(term_end);
    }
    term_ends
}

pub(crate) fn quantile() -> ScalarUDF {
    create_udf(
        "quantile",
        vec![list_of(DataType::Float64), DataType::Float64],
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
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, AsArray, ListArray};
    use datafusion::arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMicrosecondType};
    use datafusion::logical_expr::Accumulator;
    use datafusion::scalar::ScalarValue;

    use super::{
        ActivityCounts, ActivityRule, Movement, SubscriptionEvent, active_among, activity_count_fields, count_windows,
        index_among, list_of, movements_of, predecessor, quantile_of, term_ends_of,
    };

    /// Customers' active instants as a list column, one customer per row (None: a null row).
    fn customers(lists: Vec<Option<Vec<Option<i64>>>>) -> ArrayRef {
        let lists = ListArray::from_iter_primitive::<TimestampMicrosecondType, _, _>(lists);
        let instant = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        datafusion::arrow::compute::cast(&lists, &list_of(instant)).unwrap()
    }

    /// An accumulator's result as (labels, |S|, |E|, |S ∩ E|).
    fn counted(accumulator: &mut ActivityCounts) -> (Vec<String>, [Vec<i64>; 3]) {
        let ScalarValue::List(result) = accumulator.evaluate().unwrap() else { panic!("a list") };
        let rows = result.value(0);
        let rows = rows.as_struct();
        let labels = rows.column(0).as_string::<i32>().iter().map(|label| label.unwrap().to_owned()).collect();
        let counts = |column: usize| rows.column(column).as_primitive::<Int64Type>().values().to_vec();
        (labels, [counts(1), counts(2), counts(3)])
    }

    #[test]
    fn activity_counts_count_the_customers_active_at_each_window_start_and_end() {
        // Windows a = [10, 20), b = [20, 30), c = [30, 40), d = [5, 10).
        let windows = [("a", 10, 20), ("b", 20, 30), ("c", 30, 40), ("d", 5, 10)];
        let windows =
            Arc::new(count_windows(windows.map(|(label, start, end)| (label.to_owned(), start, end)).to_vec()));
        // One accumulator sees c1 (active at 10 and 20) and c2 (at 20, 30 and 40); the other sees
        // c3 (never), a null row and c5 (at 40 only); the second's state is merged into the first.
        let mut first = ActivityCounts::new(windows.clone(), activity_count_fields());
        let (c1, c2) = (vec![Some(10), Some(20)], vec![Some(20), Some(30), Some(40)]);
        first.update_batch(&[customers(vec![Some(c1), Some(c2)])]).unwrap();
        let mut second = ActivityCounts::new(windows, activity_count_fields());
        second.update_batch(&[customers(vec![Some(vec![]), None, Some(vec![Some(40)])])]).unwrap();
        let state = second.state().unwrap();
        first.merge_batch(&[state[0].to_array().unwrap()]).unwrap();
        // a: S = {c1}, E = {c1, c2}, S ∩ E = {c1}. b: S = {c1, c2}, E = {c2}, S ∩ E = {c2}.
        // c: S = {c2}, E = {c2, c5}, S ∩ E = {c2}. d: nobody at 5, c1 at 10: S = ∅, E = {c1}.
        let (labels, [starts, ends, both]) = counted(&mut first);
        assert_eq!(labels, ["a", "b", "c", "d"]);
        assert_eq!(starts, [1, 2, 1, 0]);
        assert_eq!(ends, [2, 1, 2, 1]);
        assert_eq!(both, [1, 1, 1, 0]);
        // A window where nobody is active at either end is left out.
        let windows = Arc::new(count_windows(vec![("e".to_owned(), 50, 60)]));
        let mut nobody = ActivityCounts::new(windows, activity_count_fields());
        nobody.update_batch(&[customers(vec![Some(vec![Some(10)])])]).unwrap();
        assert_eq!(counted(&mut nobody).0, Vec::<String>::new());
    }

    #[test]
    fn term_ends_are_due_through_the_first_one_after_the_end() {
        use pulse_model::Timestamp;
        let utc = |text: &str| Timestamp::parse(text, chrono_tz::Tz::UTC).unwrap().micros();
        let zone = chrono_tz::America::New_York;
        // Started Jan 31 2024 00:00 New York (05:00Z), monthly: Feb 29 (clamped), Mar 31, Apr 30;
        // from March on New York is UTC−4, so the same wall-clock time is 04:00Z.
        let started = utc("2024-01-31T05:00:00Z");
        let until = utc("2024-05-01T00:00:00Z");
        let open = term_ends_of(zone, until, started, 1, None);
        let expected = ["2024-02-29T05:00:00Z", "2024-03-31T04:00:00Z", "2024-04-30T04:00:00Z"].map(utc);
        assert_eq!(open, expected);
        // Ended Mar 15: Feb 29 is due (the first), Mar 31 is due (Feb 29 came before the end),
        // Apr 30 is not (Mar 31 did not).
        assert_eq!(term_ends_of(zone, until, started, 1, Some(utc("2024-03-15T00:00:00Z"))), expected[..2]);
        // A 12-month term: the first term end, Jan 31 2025, is after `until`: none.
        assert_eq!(term_ends_of(zone, until, started, 12, None), Vec::<i64>::new());
    }

    #[test]
    fn the_predecessor_is_the_greatest_smaller_element() {
        // Sorted −1, 2, 5, 9: below −1 nothing, below 2 → −1, below 5 → 2, below 9 → 5, below 6 → 5.
        let sorted = [-1, 2, 5, 9];
        for (item, expected) in [(-1, None), (2, Some(-1)), (5, Some(2)), (9, Some(5)), (6, Some(5)), (100, Some(9))] {
            assert_eq!(predecessor(&sorted, item), expected, "{item}");
        }
    }

    #[test]
    fn subscription_events_become_the_customers_movements() {
        let event = |at, precedence, mrr| SubscriptionEvent { at, precedence, mrr };
        // A: starts at 10 with 100, changes to 150 at 20, ends at 30 → +100, +50, −150.
        // B: starts at 20 with 50, changed to 70 at its start (the change wins), ends at 40 → +70, −70.
        // C: starts at 50 with 30, changes to 20 at 60 → +30, −10; D starts at 60 with 10 → +10,
        // which cancels C's −10: no movement at 60.
        let subscriptions = vec![
            vec![event(30, 2, 0), event(10, 0, 100), event(20, 1, 150)],
            vec![event(20, 1, 70), event(20, 0, 50), event(40, 2, 0)],
            vec![event(50, 0, 30), event(60, 1, 20)],
            vec![event(60, 0, 10)],
        ];
        // MRR: 0 → 100 (new), → 220 at 20 (+50 +70, expansion), → 70 (contraction), → 0 (churn),
        // → 30 at 50 (reactivation: from 0 after having had MRR).
        let movement = |at, delta, kind| Movement { at, delta, kind };
        let expected = vec![
            movement(10, 100, "new"),
            movement(20, 120, "expansion"),
            movement(30, -150, "contraction"),
            movement(40, -70, "churn"),
            movement(50, 30, "reactivation"),
        ];
        assert_eq!(movements_of(subscriptions.into_iter()).unwrap(), expected);
    }

    #[test]
    fn a_customer_is_active_by_their_rule() {
        // Instants 10, 20, 30, 40; inactivity 15. An order at 12 covers (12, 27]: 20. An order at
        // 20 covers (20, 35]: 30 (not 20 itself: the window [t − 15, t) excludes t). Orders at 1
        // and 3 both cover 10, listed once.
        let instants = [10, 20, 30, 40];
        let active = |rule, orders: &[i64], subscriptions: &[(i64, Option<i64>)]| -> Vec<i64> {
            active_among(&instants, 15, rule, orders, subscriptions).collect()
        };
        assert_eq!(active(ActivityRule::Purchase, &[12], &[]), vec![20]);
        assert_eq!(active(ActivityRule::Purchase, &[20], &[]), vec![30]);
        assert_eq!(active(ActivityRule::Purchase, &[20, 12], &[]), vec![20, 30]);
        assert_eq!(active(ActivityRule::Purchase, &[1, 3], &[]), vec![10]);
        // An order exactly `inactivity` before an instant still counts: 25 + 15 = 40.
        assert_eq!(active(ActivityRule::Purchase, &[25], &[]), vec![30, 40]);
        // A subscription started at 20 and ended at 30: active at 30 (ended ≥ t), not at 20
        // (started < t); open-ended from 30: 40.
        assert_eq!(active(ActivityRule::Subscription, &[], &[(20, Some(30))]), vec![30]);
        assert_eq!(active(ActivityRule::Subscription, &[], &[(30, None), (20, Some(30))]), vec![30, 40]);
        // Auto: a customer with a subscription follows it, their orders ignored; without one, the
        // orders. Forced rules ignore the other kind of record.
        assert_eq!(active(ActivityRule::Auto, &[12], &[(30, None)]), vec![40]);
        assert_eq!(active(ActivityRule::Auto, &[12], &[]), vec![20]);
        assert_eq!(active(ActivityRule::Subscription, &[12], &[]), Vec::<i64>::new());
        assert_eq!(active(ActivityRule::Purchase, &[], &[(0, None)]), Vec::<i64>::new());
    }

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
