//! Metric fixtures: small hand-made datasets whose expected values are derived by hand in the
//! comments, run through the real importer and engine.
#![expect(clippy::type_complexity, reason = "tests compare plain (period, segment, value, previous) tuples")]

mod crm_roi;
mod loading;
mod marketing;
mod revenue;
mod sales;
mod subscriptions;
mod support;
mod team;

use std::path::{Path, PathBuf};

use pulse_engine::{Dimension, Engine, Granularity, Report, ReportRequest, Value, find_metric, parse_date};
use pulse_import::{ImportOptions, Progress};
use pulse_store::{ImportMode, Store};
use tempfile::TempDir;

/// A store holding `files`, with the default configuration (UTC, the example pipeline)
/// overridden key by key by `config_extra` (TOML; tables merge).
struct Fixture {
    _dir: TempDir,
    engine: Engine,
}

impl Fixture {
    fn new(files: &[(&str, &str)], config_extra: &str) -> Fixture {
        let dir = TempDir::new().unwrap();
        let mut config: toml::Table = pulse_model::DEFAULT_CONFIG_TOML.parse().unwrap();
        merge(&mut config, config_extra.parse::<toml::Table>().expect("the fixture's configuration is TOML"));
        std::fs::write(dir.path().join("pulse.toml"), toml::to_string(&config).unwrap()).unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        import_files(&mut store, &dir.path().join("input"), files);
        let engine = Engine::load(&store).unwrap();
        Fixture { _dir: dir, engine }
    }

    /// The whole report of one metric.
    fn report(&self, metric: &str, from: &str, to: &str, period: &str, by: Option<&str>) -> Report {
        let request = ReportRequest {
            from: parse_date(from).unwrap(),
            to: parse_date(to).unwrap(),
            granularity: period.parse::<Granularity>().unwrap(),
            metrics: vec![find_metric(metric).unwrap()],
            by: by.map(|dimension| dimension.parse::<Dimension>().unwrap()),
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(self.engine.report(&request)).unwrap()
    }

    /// `(period, segment, value, previous)` of one metric.
    fn values(
        &self,
        metric: &str,
        from: &str,
        to: &str,
        period: &str,
        by: Option<&str>,
    ) -> Vec<(String, Option<String>, Option<f64>, Option<f64>)> {
        let report = self.report(metric, from, to, period, by);
        report.metrics[0]
            .values
            .iter()
            .map(|value| {
                (
                    value.period.clone(),
                    value.segment.as_ref().and_then(|segment| segment.value.clone()),
                    value.value.as_ref().and_then(Value::as_f64),
                    value.previous.as_ref().and_then(Value::as_f64),
                )
            })
            .collect()
    }

    /// The records behind a count metric in the period `label`, each as `(id, segment)`: `id` the
    /// value of `id_column`, `segment` the value under the dimension's name when segmented.
    fn records(&self, metric: &str, label: &str, id_column: &str, by: Option<&str>) -> Vec<(String, Option<String>)> {
        let dimension = by.map(|dimension| dimension.parse::<Dimension>().unwrap());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let list =
            runtime.block_on(self.engine.records(find_metric(metric).unwrap(), label, dimension.as_ref())).unwrap();
        assert_eq!(list.count, list.records.len());
        list.records
            .iter()
            .map(|record| {
                let id = record[id_column].as_str().unwrap_or_else(|| panic!("{id_column} in {record:?}")).to_owned();
                let segment = by.and_then(|by| record[by].as_str().map(str::to_owned));
                (id, segment)
            })
            .collect()
    }

    /// The values of one metric per period label, unsegmented.
    fn series(&self, metric: &str, from: &str, to: &str, period: &str) -> Vec<(String, Option<f64>)> {
        self.values(metric, from, to, period, None).into_iter().map(|(label, _, value, _)| (label, value)).collect()
    }
}

/// Writes `files` (name, text) into `input` and imports them, all or nothing.
fn import_files(store: &mut Store, input: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(input).unwrap();
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, text)| {
            let path = input.join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let sources = pulse_import::resolve_sources(&paths, None).unwrap();
    let lock = store.try_write_lock().unwrap().unwrap();
    pulse_import::import(
        store,
        &lock,
        &sources,
        ImportOptions { mode: ImportMode::AllOrNothing, progress: Progress::Quiet },
    )
    .unwrap_or_else(|error| panic!("fixture does not import: {error:?}"));
}

fn merge(base: &mut toml::Table, extra: toml::Table) {
    for (key, value) in extra {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(extra_table)) => merge(base_table, extra_table),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// `(period, segment, value, previous)` as [`Fixture::values`] returns them.
pub(crate) type ReportValue = (String, Option<String>, Option<f64>, Option<f64>);

/// The same, borrowed, to compare with literals.
pub(crate) type BorrowedValue<'a> = (&'a str, Option<&'a str>, Option<f64>, Option<f64>);

pub(crate) fn borrowed(values: &[ReportValue]) -> Vec<BorrowedValue<'_>> {
    values
        .iter()
        .map(|(period, segment, value, previous)| (period.as_str(), segment.as_deref(), *value, *previous))
        .collect()
}

/// Compares numbers to 1e-9 relative, nulls exactly.
#[track_caller]
fn assert_series(found: &[(String, Option<f64>)], expected: &[(&str, Option<f64>)]) {
    assert_eq!(found.len(), expected.len(), "{found:?} vs {expected:?}");
    for ((label, value), (expected_label, expected_value)) in found.iter().zip(expected) {
        assert_eq!(label, expected_label);
        match (value, expected_value) {
            (Some(value), Some(expected)) => {
                assert!((value - expected).abs() <= 1e-9 * expected.abs().max(1.0), "{label}: {value} vs {expected}")
            }
            _ => assert_eq!(value, expected_value, "{label}"),
        }
    }
}
