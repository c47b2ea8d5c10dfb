//! `pulse report`: metrics over a date range as a table for people, JSON for programs or CSV.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use pulse_engine::{
    Category, Dimension, Direction, Engine, Granularity, Metric, MetricReport, RecordList, Report, ReportRequest, Unit,
    Value, catalog, find_metric, parse_date, parse_label,
};
use pulse_model::Timestamp;
use pulse_store::Store;

use crate::import::open_store;

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// First day of the report, YYYY-MM-DD (inclusive)
    #[arg(long, required_unless_present = "explain")]
    from: Option<String>,
    /// Day after the report, YYYY-MM-DD (exclusive: --from 2024-01-01 --to 2025-01-01 is 2024)
    #[arg(long, required_unless_present = "explain")]
    to: Option<String>,
    /// day, week (ISO), month, quarter, year, or range (the whole range as one period); with
    /// --explain, a period label: 2024-03-05, 2024-W10, 2024-03, 2024-Q1, 2024 or
    /// 2024-01-15..2024-02-15
    #[arg(long)]
    period: Option<String>,
    /// A metric id (repeatable); default: every metric of the selected categories
    #[arg(long = "metric", conflicts_with = "explain")]
    metrics: Vec<String>,
    /// A category (repeatable): sales, marketing, revenue, subscriptions, support, team, crm_roi
    #[arg(long = "category", conflicts_with = "explain")]
    categories: Vec<String>,
    /// Segment by a dimension: source, owner, segment, region, industry, country, campaign,
    /// channel, plan, touchpoint, type, attr:<name>
    #[arg(long)]
    by: Option<String>,
    /// List the records behind a count metric in the period given by --period (a label)
    #[arg(long, value_name = "METRIC", conflicts_with_all = ["from", "to"], requires = "period")]
    explain: Option<String>,
    /// Report on the records as they were at an earlier time: an import number (see
    /// `pulse status`), a date (the start of that day in the workspace timezone) or an
    /// RFC 3339 instant
    #[arg(long, value_name = "IMPORT|DATE|INSTANT")]
    as_of: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

pub(crate) fn run(data: &Path, args: ReportArgs) -> Result<ExitCode> {
    let by: Option<Dimension> = args.by.as_deref().map(str::parse).transpose()?;
    let store = open_store(data)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the query runtime")?;
    if let Some(id) = &args.explain {
        let metric = find_metric(id)?;
        let label = args.period.as_deref().unwrap_or_default();
        parse_label(label)?;
        if metric.records.is_none() {
            bail!("{id} is not a count of records; --explain lists the records behind {}", explainable());
        }
        let engine = load(&store, args.as_of.as_deref())?;
        let records = runtime.block_on(engine.records(metric, label, by.as_ref()))?;
        let out = match args.format {
            Format::Json => serde_json::to_string_pretty(&records)? + "\n",
            Format::Csv => records_csv(&records),
            Format::Table => records_table(&records),
        };
        print!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    let from = parse_date(args.from.as_deref().unwrap_or_default())?;
    let to = parse_date(args.to.as_deref().unwrap_or_default())?;
    let granularity: Granularity = args.period.as_deref().unwrap_or("month").parse()?;
    let categories: Vec<Category> =
        args.categories.iter().map(|category| category.parse()).collect::<Result<_, _>>()?;
    let mut metrics: Vec<&'static Metric> = args.metrics.iter().map(|id| find_metric(id)).collect::<Result<_, _>>()?;
    if metrics.is_empty() {
        metrics =
            catalog().iter().filter(|metric| categories.is_empty() || categories.contains(&metric.category)).collect();
    }
    if let Some(dimension) = &by {
        let supported: Vec<&'static Metric> =
            metrics.iter().copied().filter(|metric| metric.segment_sql(dimension).is_some()).collect();
        if supported.is_empty() {
            bail!("none of the selected metrics can be segmented by {dimension}");
        }
        if args.metrics.is_empty() {
            metrics = supported;
        }
    }
    let engine = load(&store, args.as_of.as_deref())?;
    let request = ReportRequest { from, to, granularity, metrics, by };
    let report = runtime.block_on(engine.report(&request))?;
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Csv => csv_text(&report),
        Format::Table => table_text(&report),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// The records to report on: the current ones, or as of an import, a date or an instant.
fn load(store: &Store, as_of: Option<&str>) -> Result<Engine> {
    let Some(text) = as_of else { return Engine::load(store).context("loading the store") };
    let version = if let Ok(import) = text.parse::<i64>() {
        let latest = store.data_version()?;
        if !(1..=latest).contains(&import) {
            bail!(
                "--as-of {import}: imports that wrote records are numbered 1 to {latest} (`pulse status` lists them)"
            );
        }
        import
    } else {
        let instant = Timestamp::parse(text, store.config().zone()).map_err(|_| {
            anyhow::anyhow!("--as-of {text:?} is not an import number, a date (YYYY-MM-DD) or an RFC 3339 instant")
        })?;
        match store.version_at(instant.micros())? {
            Some(version) => version,
            None => bail!("--as-of {text}: nothing had been imported yet by then"),
        }
    };
    Engine::load_as_of(store, version).context("loading the store")
}

fn explainable() -> String {
    let ids: Vec<&str> = catalog().iter().filter(|metric| metric.records.is_some()).map(|metric| metric.id).collect();
    ids.join(", ")
}

fn cell(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

fn records_csv(records: &RecordList) -> String {
    let columns = &records.columns;
    let mut out = columns.join(",") + "\n";
    for record in &records.records {
        let cells: Vec<String> = columns.iter().map(|column| csv_field(&cell(record.get(column)))).collect();
        out.push_str(&(cells.join(",") + "\n"));
    }
    out
}

fn records_table(records: &RecordList) -> String {
    let mut out = format!(
        "{} in {} ({}): {} record{}\n",
        records.name,
        records.period,
        records.timezone,
        records.count,
        if records.count == 1 { "" } else { "s" }
    );
    let columns = &records.columns;
    if records.records.is_empty() {
        return out;
    }
    let rows: Vec<Vec<String>> =
        records.records.iter().map(|record| columns.iter().map(|column| cell(record.get(column))).collect()).collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            rows.iter().map(|row| row[index].chars().count()).chain([column.chars().count()]).max().unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> =
            cells.iter().zip(&widths).map(|(text, width)| format!("{text:<width$}", width = *width)).collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    out.push('\n');
    out.push_str(&line(columns));
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

fn csv_text(report: &Report) -> String {
    let mut out = String::from("metric,period,dimension,segment,value,previous,unit\n");
    let number = |value: &Option<Value>| value.as_ref().map_or_else(String::new, Value::to_string);
    for metric in &report.metrics {
        for value in &metric.values {
            let (dimension, segment) = match &value.segment {
                Some(segment) => (segment.dimension.clone(), segment.value.clone().unwrap_or_default()),
                None => (String::new(), String::new()),
            };
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                metric.id,
                value.period,
                dimension,
                csv_field(&segment),
                number(&value.value),
                number(&value.previous),
                unit_name(metric.unit)
            ));
        }
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

fn unit_name(unit: Unit) -> String {
    serde_json::to_value(unit).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Grouped by category; one line per period (and segment) with the value, the previous value
/// and the change, judged better or worse by the metric's direction.
fn table_text(report: &Report) -> String {
    let mut out =
        format!("{} to {} (exclusive), by {}, in {}\n", report.from, report.to, report.period, report.timezone);
    let mut notes: Vec<String> = Vec::new();
    for category in Category::ALL {
        let metrics: Vec<&MetricReport> = report.metrics.iter().filter(|metric| metric.category == *category).collect();
        if metrics.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{}\n", category.title()));
        for metric in metrics {
            for value in &metric.values {
                let segment = match &value.segment {
                    Some(segment) => {
                        format!(" [{}={}]", segment.dimension, segment.value.as_deref().unwrap_or("(none)"))
                    }
                    None => String::new(),
                };
                let shown = match (&value.value, value.reason) {
                    (Some(shown), _) => format_value(shown, metric.unit),
                    (None, Some(reason)) => {
                        notes.push(format!("{} {}: {reason}", metric.id, value.period));
                        format!("—[{}]", notes.len())
                    }
                    (None, None) => "—".to_owned(),
                };
                let previous = value
                    .previous
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |previous| format_value(previous, metric.unit));
                out.push_str(&format!(
                    "  {:<34} {:<24} {:>16} {:>16}  {}\n",
                    format!("{}{segment}", metric.name),
                    value.period,
                    shown,
                    previous,
                    change_text(
                        value.value.as_ref().and_then(Value::as_f64),
                        value.previous.as_ref().and_then(Value::as_f64),
                        metric.direction
                    )
                ));
            }
        }
    }
    if !notes.is_empty() {
        out.push_str("\nWhy values are missing (—):\n");
        for (index, note) in notes.iter().enumerate() {
            out.push_str(&format!("  [{}] {note}\n", index + 1));
        }
    }
    out
}

fn format_value(value: &Value, unit: Unit) -> String {
    let number = match value {
        Value::Number(number) => *number,
        Value::Label(label) => return label.clone(),
    };
    match unit {
        Unit::Count => {
            if number.fract() == 0.0 {
                group_thousands(&format!("{number:.0}"))
            } else {
                format!("{number:.2}")
            }
        }
        Unit::Money | Unit::MoneyPerDay => group_thousands(&format!("{number:.2}")),
        Unit::Percent => format!("{number:.1}%"),
        Unit::Days => format!("{number:.1} d"),
        Unit::Hours => format!("{number:.1} h"),
        Unit::Seconds => format!("{number:.0} s"),
        Unit::Months => format!("{number:.1} mo"),
        Unit::MonthLabel => number.to_string(),
        Unit::Ratio => format!("{number:.2}"),
        Unit::Score => format!("{number:.1}"),
        Unit::CountPerDay | Unit::OrdersPerCustomer => format!("{number:.2}"),
    }
}

fn group_thousands(text: &str) -> String {
    let (sign, unsigned) = text.strip_prefix('-').map_or(("", text), |rest| ("-", rest));
    let (whole, fraction) =
        unsigned.split_once('.').map_or((unsigned, None), |(whole, fraction)| (whole, Some(fraction)));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

fn change_text(value: Option<f64>, previous: Option<f64>, direction: Direction) -> String {
    let (Some(value), Some(previous)) = (value, previous) else { return String::new() };
    let change = value - previous;
    if change == 0.0 {
        return "unchanged".to_owned();
    }
    let relative = if previous == 0.0 { String::new() } else { format!(" ({:+.1}%)", change / previous.abs() * 100.0) };
    let judgement = match (direction, change > 0.0) {
        (Direction::HigherIsBetter, true) | (Direction::LowerIsBetter, false) => "better",
        (Direction::HigherIsBetter, false) | (Direction::LowerIsBetter, true) => "worse",
        (Direction::Neutral, true) => "up",
        (Direction::Neutral, false) => "down",
    };
    format!("{change:+.2}{relative} {judgement}")
}
