//! Pulse's metric engine. The store's records are mirrored into Arrow tables and every metric of
//! the catalog is a DataFusion SQL plan over them, run per reporting period (and segment), so
//! the same plans can later run distributed. A report pairs each period's value with the
//! previous period's.

mod catalog;
mod error;
mod functions;
mod metric;
mod period;
mod snapshot;
mod tables;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray, Float64Builder, StringBuilder, TimestampMicrosecondBuilder};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use pulse_model::{Config, Kind};
use pulse_store::Store;
use serde::Serialize;

pub use catalog::{catalog, find_metric};
pub use error::{Error, Result};
pub use metric::{Category, Dimension, DimensionKind, Direction, Empty, Metric, PlanContext, Unit};

pub use period::{Granularity, Period, parse_date, parse_label, periods_with_previous};

/// The rows of a table-valued metric, by (period, segment).
type RowsByPeriod = HashMap<(String, Option<String>), Vec<serde_json::Map<String, serde_json::Value>>>;

/// Tables are loaded in this many partitions, and a lone query runs with as many (the machine's cores).
const PARTITIONS: usize = 2;

/// A report runs this many plans at once, each with one partition: on two cores, two single-partition
/// plans side by side take 20% less time than one two-partition plan after another, which pays for
/// repartitioning and merging in every plan.
const PLANS_AT_ONCE: usize = 2;

/// The records of a store, ready to be queried.
#[derive(Debug, Clone)]
pub struct Engine {
    tables: Vec<(Kind, Arc<MemTable>)>,
    config: Config,
    version: i64,
    as_of: bool,
    /// When set, every query sees only this owner's deals, leads and activities (see
    /// [`Engine::restricted_to_owner`]).
    owner: Option<String>,
}

/// What to report.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub from: NaiveDate,
    /// Exclusive.
    pub to: NaiveDate,
    pub granularity: Granularity,
    pub metrics: Vec<&'static Metric>,
    pub by: Option<Dimension>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    /// `YYYY-MM-DD`, exclusive.
    pub to: String,
    pub period: Granularity,
    pub timezone: String,
    /// The data version reported on: the import after which the records were taken.
    pub data_version: i64,
    /// Whether the report is on the records as they were after an earlier import (`--as-of`).
    pub as_of: bool,
    pub metrics: Vec<MetricReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricReport {
    pub id: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub unit: Unit,
    pub direction: Direction,
    pub values: Vec<MetricValue>,
}

/// The records behind a count metric in one period.
#[derive(Debug, Clone, Serialize)]
pub struct RecordList {
    pub id: &'static str,
    pub name: &'static str,
    pub period: String,
    pub timezone: String,
    pub data_version: i64,
    pub count: usize,
    /// The records' fields, in display order.
    pub columns: Vec<String>,
    /// One object per record: its identity and main columns (timestamps in UTC, RFC 3339), and
    /// the segment under the dimension's name when segmented.
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRef {
    pub dimension: String,
    /// Null for the records without a value ("(none)").
    pub value: Option<String>,
}

/// A metric's value: a number, or a period label for `Unit::MonthLabel` metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Label(String),
}

impl Value {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            Value::Label(_) => None,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Number(number) => write!(formatter, "{number}"),
            Value::Label(label) => formatter.write_str(label),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricValue {
    pub period: String,
    pub segment: Option<SegmentRef>,
    pub value: Option<Value>,
    pub previous: Option<Value>,
    /// Why `value` is null, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The rows of a table-valued metric for this period (and segment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
}

impl Engine {
    /// Mirrors the store's current records into memory, through the columnar snapshot beside
    /// the database (written on first use after each import).
    pub fn load(store: &Store) -> Result<Engine> {
        let (version, tables) = snapshot::load(store, PARTITIONS)?;
        Ok(Engine {
            tables: tables::mem_tables(tables)?,
            config: store.config().clone(),
            version,
            as_of: false,
            owner: None,
        })
    }

    /// Mirrors the records as they were right after import `version`: each record's version
    /// current then, without the records first imported later.
    pub fn load_as_of(store: &Store, version: i64) -> Result<Engine> {
        let tables = store.read_consistent(|store| tables::load(store, PARTITIONS, Some(version)))?;
        Ok(Engine {
            tables: tables::mem_tables(tables)?,
            config: store.config().clone(),
            version,
            as_of: true,
            owner: None,
        })
    }

    /// The same records as seen by a sales rep: every query of the returned engine reads only the
    /// deals, leads and activities whose `owner` is `owner`, the stage history of those deals and
    /// the customers they refer to; every other kind reads as empty. The restriction is part of
    /// the query (the tables are views over the full ones), so no metric or drill-down can see
    /// past it.
    pub fn restricted_to_owner(&self, owner: &str) -> Engine {
        Engine { owner: Some(owner.to_owned()), ..self.clone() }
    }

    /// The import after which the loaded records were taken (0 for an empty store).
    pub fn data_version(&self) -> i64 {
        self.version
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Computes the requested metrics for every period of the range.
    pub async fn report(&self, request: &ReportRequest) -> Result<Report> {
        let zone = self.config.zone();
        let periods = periods_with_previous(request.from, request.to, request.granularity, zone)?;
        let at_once = PLANS_AT_ONCE.min(request.metrics.len()).max(1);
        let context = self.session(&periods, PARTITIONS.div_ceil(at_once)).await?;
        let metrics = self.run_all(&context, request, Arc::new(periods), at_once).await?;
        Ok(Report {
            from: request.from.to_string(),
            to: request.to.to_string(),
            period: request.granularity,
            timezone: zone.name().to_owned(),
            data_version: self.version,
            as_of: self.as_of,
            metrics,
        })
    }

    /// Registers each kind as a view over the full table (`all_<kind>`) that keeps only what
    /// `owner` may see.
    async fn register_owned(&self, context: &SessionContext, owner: &str) -> Result<()> {
        for (kind, table) in &self.tables {
            context.register_table(format!("all_{}", kind.name()), table.clone())?;
        }
        let owner = owner.replace('\'', "''");
        let owned = [Kind::Deals, Kind::Leads, Kind::Activities];
        let mut ordered: Vec<Kind> = owned.to_vec();
        ordered.extend(Kind::ALL.iter().copied().filter(|kind| !owned.contains(kind)));
        for kind in ordered {
            let name = kind.name();
            let filter = match kind {
                Kind::Deals | Kind::Leads | Kind::Activities => format!("owner = '{owner}'"),
                Kind::DealStageChanges => "deal_id IN (SELECT deal_id FROM deals)".to_owned(),
                Kind::Customers => "customer_id IN (SELECT customer_id FROM deals UNION SELECT customer_id FROM leads \
                     UNION SELECT customer_id FROM activities)"
                    .to_owned(),
                _ => "false".to_owned(),
            };
            context.sql(&format!("CREATE VIEW {name} AS SELECT * FROM all_{name} WHERE {filter}")).await?;
        }
        Ok(())
    }

    /// Runs the plans of the shared tables the metrics read and of the metrics' values and rows,
    /// `at_once` at a time. A plan starts as soon as the shared tables it reads are registered, so
    /// a metric that reads none runs beside the shared tables' plans; metrics with the same rows
    /// plan share one run of it. The reports come in the order of the request.
    async fn run_all(
        &self,
        context: &SessionContext,
        request: &ReportRequest,
        periods: Arc<Vec<Period>>,
        at_once: usize,
    ) -> Result<Vec<MetricReport>> {
        enum Job {
            Shared(&'static str, String),
            Values(usize, String),
            Rows(&'static Metric, String),
        }
        enum Done {
            Shared(&'static str, Arc<MemTable>),
            Values(usize, Values),
            Rows(String, RowsByPeriod),
        }
        let mut values_plans = Vec::with_capacity(request.metrics.len());
        let mut rows_plans: Vec<Option<String>> = Vec::with_capacity(request.metrics.len());
        for metric in &request.metrics {
            let plan_context = self.plan_context(metric, request.by.as_ref())?;
            values_plans.push(values_plan(metric, &plan_context));
            rows_plans.push(metric.rows.map(|rows| rows(&plan_context)));
        }
        let shared = needed_shared(&values_plans.iter().chain(rows_plans.iter().flatten()).collect::<Vec<_>>());
        // A shared table reads only those before it; its own text may name itself (in an alias).
        let reads = |text: &str, before: usize| -> Vec<&'static str> {
            shared[..before].iter().map(|(name, _)| *name).filter(|name| text.contains(name)).collect()
        };
        let mut waiting: Vec<(Vec<&'static str>, Job)> = shared
            .iter()
            .enumerate()
            .map(|(index, (name, sql))| (reads(sql, index), Job::Shared(name, sql.clone())))
            .collect();
        for (index, (metric, sql)) in request.metrics.iter().zip(&values_plans).enumerate() {
            waiting.push((reads(sql, shared.len()), Job::Values(index, sql.clone())));
            if let Some(sql) = &rows_plans[index]
                && !waiting.iter().any(|(_, job)| matches!(job, Job::Rows(_, queued) if queued == sql))
            {
                waiting.push((reads(sql, shared.len()), Job::Rows(metric, sql.clone())));
            }
        }
        let mut registered: Vec<&'static str> = Vec::new();
        let mut values: Vec<Option<Values>> = (0..request.metrics.len()).map(|_| None).collect();
        let mut rows: HashMap<String, RowsByPeriod> = HashMap::new();
        let mut running: tokio::task::JoinSet<Result<Done>> = tokio::task::JoinSet::new();
        loop {
            while running.len() < at_once {
                let Some(ready) =
                    waiting.iter().position(|(reads, _)| reads.iter().all(|name| registered.contains(name)))
                else {
                    break;
                };
                let context = context.clone();
                match waiting.remove(ready).1 {
                    Job::Shared(name, sql) => {
                        running.spawn(async move { Ok(Done::Shared(name, shared_table(&context, &sql).await?)) });
                    }
                    Job::Values(index, sql) => {
                        let metric = request.metrics[index];
                        running.spawn(async move { Ok(Done::Values(index, values_of(&context, metric, &sql).await?)) });
                    }
                    Job::Rows(metric, sql) => {
                        running.spawn(async move {
                            let (grouped, _) = rows_of(&context, metric, &sql).await?;
                            Ok(Done::Rows(sql, grouped))
                        });
                    }
                }
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            match joined.map_err(|error| Error::Internal(format!("a plan's task failed: {error}")))?? {
                Done::Shared(name, table) => {
                    context.register_table(name, table)?;
                    registered.push(name);
                }
                Done::Values(index, found) => values[index] = Some(found),
                Done::Rows(sql, grouped) => {
                    rows.insert(sql, grouped);
                }
            }
        }
        let unfinished = || Error::Internal("a metric's plan never became ready".to_owned());
        request
            .metrics
            .iter()
            .zip(values)
            .zip(&rows_plans)
            .map(|((metric, found), rows_plan)| {
                let grouped = match rows_plan {
                    Some(sql) => Some(rows.get(sql).ok_or_else(unfinished)?),
                    None => None,
                };
                Ok(report_of(metric, &periods, request.by.as_ref(), found.ok_or_else(unfinished)?, grouped))
            })
            .collect()
    }

    async fn session(&self, periods: &[Period], partitions: usize) -> Result<SessionContext> {
        let context = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(partitions));
        match &self.owner {
            None => {
                for (kind, table) in &self.tables {
                    context.register_table(kind.name(), table.clone())?;
                }
            }
            Some(owner) => self.register_owned(&context, owner).await?,
        }
        context.register_batch("periods", periods_batch(periods, self.config.zone())?)?;
        context.register_batch("stages", stages_batch(&self.config)?)?;
        let zone = self.config.zone();
        let crm_months = crm_months_batch(&self.config, periods)?;
        let crm_instants = crm_instants(&crm_months);
        context.register_udaf(functions::activity_counts("counts_active_around_go_live", around_go_live(&crm_months)));
        context.register_batch("crm_months", crm_months)?;
        context.register_udf(functions::label_of("period_of", periods));
        let months = period::months_of(periods, zone);
        context.register_udf(functions::label_of("month_of", &months));
        let month_windows = months.iter().map(|month| (month.label.clone(), month.start.micros(), month.end.micros()));
        context.register_udaf(functions::activity_counts("counts_active_in_months", month_windows.collect()));
        context.register_batch("report_months", report_months_batch(&months)?)?;
        context.register_udf(functions::quantile());
        context.register_udf(functions::json_attr());
        let report_end = periods.last().map_or(i64::MIN, |last| last.end.micros());
        context.register_udf(functions::due_term_ends(zone, report_end));
        let year_before_ends =
            periods.iter().map(|period| year_before_end(period, zone)).collect::<Result<Vec<_>>>()?;
        let period_windows =
            periods.iter().map(|period| (period.label.clone(), period.start.micros(), period.end.micros()));
        context.register_udaf(functions::activity_counts("counts_active_in_periods", period_windows.collect()));
        let twelve_month_windows = periods
            .iter()
            .zip(&year_before_ends)
            .map(|(period, year_before_end)| (period.label.clone(), *year_before_end, period.end.micros()));
        context.register_udaf(functions::activity_counts(
            "counts_active_in_twelve_months",
            twelve_month_windows.collect(),
        ));
        let period_bounds = periods.iter().flat_map(|period| [period.start.micros(), period.end.micros()]);
        let mut year_instants: Vec<i64> = year_before_ends.iter().copied().chain(period_bounds).collect();
        year_instants.sort_unstable();
        year_instants.dedup();
        // Every instant at which a plan asks who is active (`customer_instants`): the boundaries of the
        // periods, of the twelve months ending at each period's end, of the report's months and
        // of the months around the CRM's go-live.
        let mut activity_instants: Vec<i64> = periods
            .iter()
            .chain(&months)
            .flat_map(|period| [period.start.micros(), period.end.micros()])
            .chain(year_before_ends)
            .chain(crm_instants.iter().copied())
            .collect();
        activity_instants.sort_unstable();
        activity_instants.dedup();
        let rule = match self.config.customer_model {
            pulse_model::CustomerModel::Auto => functions::ActivityRule::Auto,
            pulse_model::CustomerModel::Subscription => functions::ActivityRule::Subscription,
            pulse_model::CustomerModel::Purchase => functions::ActivityRule::Purchase,
        };
        let inactivity = i64::from(*self.config.inactivity_days) * 86_400_000_000;
        context.register_udf(functions::active_instants(activity_instants, inactivity, rule));
        context.register_udf(functions::mrr_movements());
        context.register_udf(functions::previous_among());
        context.register_udf(functions::window_activity());
        context.register_udf(functions::stage_visits());
        context.register_udf(functions::mrr_in_windows());
        context.register_udf(functions::instant_index("crm_instant_index", crm_instants));
        context.register_udf(functions::instant_index("year_instant_index", year_instants));
        Ok(context)
    }
}

impl Engine {
    /// Computes the shared tables (see [`catalog::shared_tables`]) that `texts` mention, and
    /// those they need in turn, once per session.
    async fn materialize_shared(&self, context: &SessionContext, text: &str) -> Result<()> {
        for (name, sql) in needed_shared(std::slice::from_ref(&text)) {
            let table = shared_table(context, &sql).await?;
            context.register_table(name, table)?;
        }
        Ok(())
    }

    /// What a plan of `metric` is given, segmented by `by`.
    fn plan_context(&self, metric: &Metric, by: Option<&Dimension>) -> Result<PlanContext> {
        let segment = match by {
            None => "CAST(NULL AS VARCHAR)".to_owned(),
            Some(dimension) => metric.segment_sql(dimension).ok_or_else(|| Error::DimensionNotSupported {
                metric: metric.id.to_owned(),
                dimension: dimension.to_string(),
            })?,
        };
        Ok(PlanContext { segment, dimension: by.map(Dimension::kind), ..self.base_plan_context() })
    }

    /// The workspace parameters, unsegmented.
    fn base_plan_context(&self) -> PlanContext {
        PlanContext {
            segment: "CAST(NULL AS VARCHAR)".to_owned(),
            dimension: None,
            inactivity_days: *self.config.inactivity_days,
            stall_days: *self.config.stall_days,
            gross_margin: *self.config.gross_margin,
            initial_list_size: self.config.email.initial_list_size,
            crm_cost_one_time: self.config.crm.as_ref().map_or(0.0, |crm| *crm.cost_one_time),
            crm_cost_monthly: self.config.crm.as_ref().map_or(0.0, |crm| *crm.cost_monthly),
            customer_model: match self.config.customer_model {
                pulse_model::CustomerModel::Auto => "auto",
                pulse_model::CustomerModel::Subscription => "subscription",
                pulse_model::CustomerModel::Purchase => "purchase",
            },
        }
    }

    /// The records behind a count metric's value in one period (`label`, as in reports), with
    /// their segment when `by` is given.
    pub async fn records(&self, metric: &Metric, label: &str, by: Option<&Dimension>) -> Result<RecordList> {
        let Some(records_plan) = metric.records else {
            return Err(Error::NoRecords(metric.id.to_owned()));
        };
        let (from, to, granularity) = parse_label(label)?;
        let periods = periods_with_previous(from, to, granularity, self.config.zone())?;
        let context = self.session(&periods, PARTITIONS).await?;
        let plan_context = self.plan_context(metric, by)?;
        let sql = records_plan(&plan_context);
        self.materialize_shared(&context, &sql).await?;
        let (mut grouped, mut columns) = rows_of(&context, metric, &sql).await?;
        if let Some(dimension) = by {
            columns.push(dimension.to_string());
        }
        let mut records = Vec::new();
        let mut keys: Vec<(String, Option<String>)> =
            grouped.keys().filter(|(period, _)| period == label).cloned().collect();
        keys.sort();
        for key in keys {
            for mut record in grouped.remove(&key).unwrap_or_default() {
                if let Some(dimension) = by {
                    let value = key.1.clone().map_or(serde_json::Value::Null, serde_json::Value::String);
                    record.insert(dimension.to_string(), value);
                }
                records.push(record);
            }
        }
        Ok(RecordList {
            id: metric.id,
            name: metric.name,
            period: label.to_owned(),
            timezone: self.config.zone().name().to_owned(),
            data_version: self.version,
            count: records.len(),
            columns,
            records,
        })
    }
}

/// A metric's values plan, its columns cast to `(period, segment, value)`.
fn values_plan(metric: &Metric, context: &PlanContext) -> String {
    format!(
        "SELECT CAST(period AS VARCHAR) AS period, CAST(segment AS VARCHAR) AS segment, CAST(value AS {}) AS value FROM ({}) metric",
        if metric.unit == Unit::MonthLabel { "VARCHAR" } else { "DOUBLE" },
        (metric.plan)(context)
    )
}

/// A metric's values by (period label, segment), and the segments that have one.
#[derive(Debug, Default)]
struct Values {
    found: HashMap<(String, Option<String>), Option<Value>>,
    segments: BTreeSet<Option<String>>,
}

/// Runs a metric's values plan (see [`values_plan`]).
async fn values_of(context: &SessionContext, metric: &Metric, sql: &str) -> Result<Values> {
    let labelled = metric.unit == Unit::MonthLabel;
    let query_error = |error: datafusion::error::DataFusionError| Error::Query {
        metric: metric.id.to_owned(),
        message: error.to_string(),
    };
    let batches = context.sql(sql).await.map_err(query_error)?.collect().await.map_err(query_error)?;
    let mut values = Values::default();
    for batch in &batches {
        let labels = cast(batch.column(0), &DataType::Utf8)?;
        let labels = labels.as_string::<i32>();
        let segment_values = cast(batch.column(1), &DataType::Utf8)?;
        let segment_values = segment_values.as_string::<i32>();
        let numbers = cast(batch.column(2), if labelled { &DataType::Utf8 } else { &DataType::Float64 })?;
        for row in 0..batch.num_rows() {
            if labels.is_null(row) {
                continue;
            }
            let segment = (!segment_values.is_null(row)).then(|| segment_values.value(row).to_owned());
            let value = if numbers.is_null(row) {
                None
            } else if labelled {
                Some(Value::Label(numbers.as_string::<i32>().value(row).to_owned()))
            } else {
                let number = numbers.as_primitive::<datafusion::arrow::datatypes::Float64Type>().value(row);
                number.is_finite().then_some(Value::Number(number))
            };
            values.segments.insert(segment.clone());
            values.found.insert((labels.value(row).to_owned(), segment), value);
        }
    }
    Ok(values)
}

/// A metric's report over `periods` (each with its predecessor) from its values and, for a
/// table-valued metric, its rows.
fn report_of(
    metric: &Metric,
    periods: &[Period],
    by: Option<&Dimension>,
    values: Values,
    rows: Option<&RowsByPeriod>,
) -> MetricReport {
    let Values { found, mut segments } = values;
    if by.is_none() {
        segments = BTreeSet::from([None]);
    }
    let value_of = |label: &str, segment: &Option<String>| -> (Option<Value>, Option<&'static str>) {
        let found = found.get(&(label.to_owned(), segment.clone()));
        match (found, metric.empty) {
            (Some(Some(value)), _) => (Some(value.clone()), None),
            (None, Empty::Zero) => (Some(Value::Number(0.0)), None),
            (Some(None), Empty::Null(reason)) | (None, Empty::Null(reason)) => (None, Some(reason)),
            (Some(None), Empty::Zero) => (None, Some("no value")),
        }
    };
    let mut values = Vec::new();
    for segment in &segments {
        for pair in periods.windows(2) {
            let (previous, _) = value_of(&pair[0].label, segment);
            let (value, reason) = value_of(&pair[1].label, segment);
            values.push(MetricValue {
                period: pair[1].label.clone(),
                segment: by.map(|dimension| SegmentRef { dimension: dimension.to_string(), value: segment.clone() }),
                value,
                previous,
                reason,
                rows: rows.map(|rows| rows.get(&(pair[1].label.clone(), segment.clone())).cloned().unwrap_or_default()),
            });
        }
    }
    MetricReport {
        id: metric.id,
        name: metric.name,
        category: metric.category,
        unit: metric.unit,
        direction: metric.direction,
        values,
    }
}

/// Runs a rows plan and groups its rows by (period, segment) as JSON objects; also returns
/// the plan's other column names, in order.
async fn rows_of(context: &SessionContext, metric: &Metric, sql: &str) -> Result<(RowsByPeriod, Vec<String>)> {
    let query_error = |error: datafusion::error::DataFusionError| Error::Query {
        metric: metric.id.to_owned(),
        message: error.to_string(),
    };
    let frame = context.sql(sql).await.map_err(query_error)?;
    let columns: Vec<String> = frame
        .schema()
        .fields()
        .iter()
        .map(|field| field.name().clone())
        .filter(|name| name != "period" && name != "segment")
        .collect();
    let batches = frame.collect().await.map_err(query_error)?;
    let mut grouped = RowsByPeriod::new();
    for batch in &batches {
        let mut writer = datafusion::arrow::json::WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, datafusion::arrow::json::writer::JsonArray>(Vec::new());
        writer.write(batch)?;
        writer.finish()?;
        let objects: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(&writer.into_inner())
            .map_err(|error| Error::Query { metric: metric.id.to_owned(), message: error.to_string() })?;
        for mut object in objects {
            let Some(serde_json::Value::String(period)) = object.remove("period") else { continue };
            let segment = match object.remove("segment") {
                Some(serde_json::Value::String(segment)) => Some(segment),
                _ => None,
            };
            grouped.entry((period, segment)).or_default().push(object);
        }
    }
    Ok((grouped, columns))
}

/// Calendar months around the CRM's go-live, in the workspace timezone: `month` (label),
/// `start_at`, `end_at`, `month_index` (0 = the go-live month, −12 = a year before) and `position`
/// (the month's index from `crm_instant_index`: 0 = the first month), from twelve
/// months before go-live (or as many months before as there are from go-live on, for the
/// before/after comparison) through the month containing the last instant of the last period.
/// Empty when `crm` is not configured.
fn crm_months_batch(config: &Config, periods: &[Period]) -> Result<RecordBatch> {
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let schema = Arc::new(Schema::new(vec![
        Field::new("month", DataType::Utf8, false),
        Field::new("start_at", utc.clone(), false),
        Field::new("end_at", utc, false),
        Field::new("month_index", DataType::Int64, false),
        Field::new("position", DataType::Int64, false),
    ]));
    let mut labels = StringBuilder::new();
    let mut starts = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut ends = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut indexes = datafusion::arrow::array::Int64Builder::new();
    let mut positions = datafusion::arrow::array::Int64Builder::new();
    if let (Some(crm), Some(last)) = (&config.crm, periods.last()) {
        use chrono::{Datelike, Months};
        let go_live_month = crm.go_live.0.with_day(1).expect("day 1 exists");
        let last_day = last.end_day.pred_opt().unwrap_or(last.end_day);
        let last_month = last_day.with_day(1).expect("day 1 exists").max(go_live_month);
        let months_after = (last_month.year() - go_live_month.year()) * 12 + last_month.month() as i32
            - go_live_month.month() as i32
            + 1;
        let months_before = months_after.max(12);
        let mut month = go_live_month - Months::new(months_before as u32);
        let mut index = -i64::from(months_before);
        while month <= last_month {
            let next = month + Months::new(1);
            labels.append_value(month.format("%Y-%m").to_string());
            starts.append_value(pulse_model::Timestamp::local_midnight(month, config.zone()).micros());
            ends.append_value(pulse_model::Timestamp::local_midnight(next, config.zone()).micros());
            indexes.append_value(index);
            positions.append_value(index + i64::from(months_before));
            month = next;
            index += 1;
        }
    }
    let columns: Vec<Arc<dyn Array>> = vec![
        Arc::new(labels.finish()),
        Arc::new(starts.finish()),
        Arc::new(ends.finish()),
        Arc::new(indexes.finish()),
        Arc::new(positions.finish()),
    ];
    Ok(RecordBatch::try_new(schema, columns).map_err(datafusion::error::DataFusionError::from)?)
}

/// The boundaries of the `crm_months` (each month's start, then the last month's end), sorted.
fn crm_instants(months: &RecordBatch) -> Vec<i64> {
    let starts = months.column(1).as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>();
    let ends = months.column(2).as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>();
    let mut instants: Vec<i64> = starts.values().to_vec();
    instants.extend(ends.values().last());
    instants
}

/// The windows of CRM ROI's before/after churn, one per month of `crm_months`, labelled by its
/// `month_index` `k`: for a month before go-live, from its start to the go-live instant; from
/// go-live on, from the go-live instant to its end.
fn around_go_live(months: &RecordBatch) -> Vec<(String, i64, i64)> {
    let starts = months.column(1).as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>();
    let ends = months.column(2).as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>();
    let indexes = months.column(3).as_primitive::<datafusion::arrow::datatypes::Int64Type>();
    let Some(go_live) = indexes.values().iter().position(|index| *index == 0).map(|month| starts.value(month)) else {
        return Vec::new();
    };
    (0..months.num_rows())
        .map(|month| {
            let index = indexes.value(month);
            let (start, end) = if index < 0 { (starts.value(month), go_live) } else { (go_live, ends.value(month)) };
            (index.to_string(), start, end)
        })
        .collect()
}

/// The calendar months covering the report (clipped to it): `month` (label), `start_at`,
/// `end_at`, `month_index` (0 = the first).
fn report_months_batch(months: &[Period]) -> Result<RecordBatch> {
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let schema = Arc::new(Schema::new(vec![
        Field::new("month", DataType::Utf8, false),
        Field::new("start_at", utc.clone(), false),
        Field::new("end_at", utc, false),
        Field::new("month_index", DataType::Int64, false),
    ]));
    let columns: Vec<Arc<dyn Array>> = vec![
        Arc::new(datafusion::arrow::array::StringArray::from_iter_values(months.iter().map(|month| &month.label))),
        Arc::new(
            datafusion::arrow::array::TimestampMicrosecondArray::from_iter_values(
                months.iter().map(|month| month.start.micros()),
            )
            .with_timezone("UTC"),
        ),
        Arc::new(
            datafusion::arrow::array::TimestampMicrosecondArray::from_iter_values(
                months.iter().map(|month| month.end.micros()),
            )
            .with_timezone("UTC"),
        ),
        Arc::new(datafusion::arrow::array::Int64Array::from_iter_values(0..months.len() as i64)),
    ];
    Ok(RecordBatch::try_new(schema, columns).map_err(datafusion::error::DataFusionError::from)?)
}

/// The configured pipeline: `stage`, `position` (0 = first), `probability`, `stall_days` (the
/// stage's threshold, else the global one).
fn stages_batch(config: &Config) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("stage", DataType::Utf8, false),
        Field::new("position", DataType::Int64, false),
        Field::new("probability", DataType::Float64, false),
        Field::new("stall_days", DataType::Float64, false),
    ]));
    let stages = &config.pipeline.stages;
    let names: Vec<&str> = stages.iter().map(|stage| stage.name.as_str()).collect();
    let positions: Vec<i64> = (0..stages.len() as i64).collect();
    let probabilities: Vec<f64> = stages.iter().map(|stage| *stage.probability).collect();
    let thresholds: Vec<f64> =
        stages.iter().map(|stage| stage.stall_days.as_ref().map_or(*config.stall_days, |days| **days)).collect();
    let columns: Vec<Arc<dyn Array>> = vec![
        Arc::new(datafusion::arrow::array::StringArray::from(names)),
        Arc::new(datafusion::arrow::array::Int64Array::from(positions)),
        Arc::new(datafusion::arrow::array::Float64Array::from(probabilities)),
        Arc::new(datafusion::arrow::array::Float64Array::from(thresholds)),
    ];
    Ok(RecordBatch::try_new(schema, columns).map_err(datafusion::error::DataFusionError::from)?)
}

/// The report's periods: `period` (label), `start_at`, `end_at`, `days` (length in days) and
/// `year_before_end_at` (local midnight twelve calendar months before the end day).
/// The local midnight twelve calendar months before the period's end day, in UTC microseconds.
fn year_before_end(period: &Period, zone: chrono_tz::Tz) -> Result<i64> {
    let year_before = period.end_day.checked_sub_months(chrono::Months::new(12)).ok_or_else(|| {
        Error::InvalidPeriod(format!("{}: twelve months before its end is outside the calendar", period.label))
    })?;
    Ok(pulse_model::Timestamp::local_midnight(year_before, zone).micros())
}

/// The shared tables that plans with these texts read, directly or through another shared table,
/// in the catalog's order (a shared table reads only those before it).
fn needed_shared(texts: &[impl AsRef<str>]) -> Vec<(&'static str, String)> {
    let shared = catalog::shared_tables();
    let mut needed: Vec<bool> =
        shared.iter().map(|(name, _)| texts.iter().any(|text| text.as_ref().contains(name))).collect();
    for index in (0..shared.len()).rev() {
        if needed[index] {
            for (earlier, (name, _)) in shared[..index].iter().enumerate() {
                needed[earlier] |= shared[index].1.contains(name);
            }
        }
    }
    shared.into_iter().zip(needed).filter_map(|(table, needed)| needed.then_some(table)).collect()
}

/// Runs a shared table's plan and keeps its rows in memory, in the session's number of partitions.
async fn shared_table(context: &SessionContext, sql: &str) -> Result<Arc<MemTable>> {
    let frame = context.sql(sql).await?;
    let schema = Arc::new(frame.schema().as_arrow().clone());
    let count = context.copied_config().target_partitions();
    // Joins and aggregates can hand out many tiny batches; kept as they come, every plan reading
    // the table would pay per batch. One batch, cut in even slices.
    let whole = concat_batches(&schema, &frame.collect().await?)?;
    let slice = whole.num_rows().div_ceil(count).max(1);
    let partitions: Vec<Vec<RecordBatch>> = (0..count)
        .map(|index| {
            let offset = (index * slice).min(whole.num_rows());
            vec![whole.slice(offset, slice.min(whole.num_rows() - offset))]
        })
        .collect();
    Ok(Arc::new(MemTable::try_new(schema, partitions)?))
}

fn periods_batch(periods: &[Period], zone: chrono_tz::Tz) -> Result<RecordBatch> {
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let schema = Arc::new(Schema::new(vec![
        Field::new("period", DataType::Utf8, false),
        Field::new("start_at", utc.clone(), false),
        Field::new("end_at", utc.clone(), false),
        Field::new("days", DataType::Float64, false),
        Field::new("year_before_end_at", utc, false),
    ]));
    let mut labels = StringBuilder::new();
    let mut starts = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut ends = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut days = Float64Builder::new();
    let mut year_before_ends = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    for period in periods {
        labels.append_value(&period.label);
        starts.append_value(period.start.micros());
        ends.append_value(period.end.micros());
        days.append_value(period.days());
        year_before_ends.append_value(year_before_end(period, zone)?);
    }
    let columns: Vec<Arc<dyn Array>> = vec![
        Arc::new(labels.finish()),
        Arc::new(starts.finish()),
        Arc::new(ends.finish()),
        Arc::new(days.finish()),
        Arc::new(year_before_ends.finish()),
    ];
    Ok(RecordBatch::try_new(schema, columns).map_err(datafusion::error::DataFusionError::from)?)
}
