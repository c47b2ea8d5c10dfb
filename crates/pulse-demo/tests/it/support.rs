//! Generating data sets into temporary directories and reading them back.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate};
use pulse_demo::{DemoOptions, DemoSummary};

pub(crate) const STAGES: [&str; 5] = ["Qualification", "Discovery", "Demo", "Proposal", "Negotiation"];

/// 2023-01-01T00:00:00Z and 2026-01-01T00:00:00Z.
pub(crate) const CALENDAR_START: i64 = 1_672_531_200;
pub(crate) const CALENDAR_END: i64 = 1_767_225_600;

pub(crate) const KINDS: [&str; 17] = [
    "customers",
    "leads",
    "deals",
    "deal_stage_changes",
    "activities",
    "orders",
    "subscriptions",
    "subscription_changes",
    "tickets",
    "survey_responses",
    "campaigns",
    "marketing_spend",
    "web_traffic",
    "email_list",
    "users",
    "usage_events",
    "social_mentions",
];

pub(crate) fn generate(dir: &Path, scale: f64, seed: u64) -> DemoSummary {
    let options = DemoOptions { scale, seed, stages: STAGES.iter().map(|stage| stage.to_string()).collect() };
    pulse_demo::generate(dir, &options).expect("demo data is generated")
}

/// One data set at scale 0.05, generated once and shared by the tests that only read it.
pub(crate) fn shared_dataset() -> &'static Dataset {
    static DATASET: OnceLock<Dataset> = OnceLock::new();
    DATASET.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        generate(dir.path(), 0.05, 11);
        Dataset::read(dir.path())
    })
}

/// Every file of a data set, in memory.
#[derive(Debug)]
pub(crate) struct Dataset {
    tables: HashMap<&'static str, Table>,
}

impl Dataset {
    pub(crate) fn read(dir: &Path) -> Dataset {
        Dataset { tables: KINDS.iter().map(|&kind| (kind, Table::read(&dir.join(format!("{kind}.csv"))))).collect() }
    }

    pub(crate) fn table(&self, kind: &str) -> &Table {
        &self.tables[kind]
    }
}

/// One CSV file: its header and its rows.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<csv::StringRecord>,
    columns: HashMap<String, usize>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let mut reader = csv::Reader::from_path(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let header: Vec<String> = reader.headers().expect("a header row").iter().map(str::to_owned).collect();
        let rows = reader.records().collect::<Result<Vec<_>, _>>().expect("well-formed CSV records");
        let columns = header.iter().enumerate().map(|(index, name)| (name.clone(), index)).collect();
        Table { header, rows, columns }
    }

    /// The trimmed cell of `column` in `row`; empty when absent.
    pub(crate) fn get<'a>(&self, row: &'a csv::StringRecord, column: &str) -> &'a str {
        let index = *self.columns.get(column).unwrap_or_else(|| panic!("no column {column}"));
        row.get(index).unwrap_or("").trim()
    }

    pub(crate) fn optional<'a>(&self, row: &'a csv::StringRecord, column: &str) -> Option<&'a str> {
        Some(self.get(row, column)).filter(|value| !value.is_empty())
    }
}

/// Seconds since the epoch of a timestamp in one of the forms the generator writes: a date
/// (midnight, UTC in these tests) or RFC 3339 with `Z` or an offset.
pub(crate) fn instant(text: &str) -> i64 {
    if text.len() == 10 {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|error| panic!("{text}: {error}"));
        return date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp();
    }
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|error| panic!("{text}: {error}")).timestamp()
}
