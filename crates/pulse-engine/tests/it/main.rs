//! Metric fixtures: small hand-made datasets whose expected values are derived by hand in the
//! comments, run through the real importer and engine.

mod crm_roi;
mod marketing;
mod revenue;
mod sales;
mod subscriptions;
mod support;
mod team;

use std::path::PathBuf;

use pulse_engine::{Dimension, Engine, Granularity, Report, ReportRequest, find_metric, parse_date};
use pulse_import::{ImportOptions, Progress};
use pulse_store::{ImportMode, Store};
use tempfile::TempDir;

/// A store holding `files`, with the default example pipeline and `config_extra` appended
/// to the default configuration.
struct Fixture {
    _dir: TempDir,
    engine: Engine,
}

impl Fixture {
    fn new(files: &[(&str, &str)], config_extra: &str) -> Fixture {
        let dir = TempDir::new().unwrap();
        let config =
            format!("{config_extra}\n{}", pulse_model::DEFAULT_CONFIG_TOML.replace("timezone = \"UTC\"\n", ""));
        let config = if config_extra.contains("timezone") { config } else { format!("timezone = \"UTC\"\n{config}") };
        std::fs::write(dir.path().join("pulse.toml"), config).unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let input = dir.path().join("input");
        std::fs::create_dir_all(&input).unwrap();
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
            &mut store,
            &lock,
            &sources,
            ImportOptions { mode: ImportMode::AllOrNothing, progress: Progress::Quiet },
        )
        .unwrap_or_else(|error| panic!("fixture does not import: {error:?}"));
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
                    value.value,
                    value.previous,
                )
            })
            .collect()
    }

    /// The values of one metric per period label, unsegmented.
    fn series(&self, metric: &str, from: &str, to: &str, period: &str) -> Vec<(String, Option<f64>)> {
        self.values(metric, from, to, period, None).into_iter().map(|(label, _, value, _)| (label, value)).collect()
    }
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
