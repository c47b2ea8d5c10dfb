//! How the engine loads the store: the columnar snapshot beside the database, reports as of an
//! earlier import, and drill-down records that match the counts they explain.

use std::path::Path;

use pulse_engine::{Engine, Granularity, ReportRequest, Value, catalog, find_metric, parse_date};
use pulse_import::{ImportOptions, Progress};
use pulse_store::{ImportMode, Store};
use tempfile::TempDir;

fn import(store: &mut Store, dir: &Path, files: &[(&str, &str)]) {
    let input = dir.join(format!("input-{}", store.data_version().unwrap() + 1));
    crate::import_files(store, &input, files);
}

/// `revenue` for January and February 2024, as `engine` sees the store.
fn revenue(engine: &Engine) -> Vec<Option<f64>> {
    let request = ReportRequest {
        from: parse_date("2024-01-01").unwrap(),
        to: parse_date("2024-03-01").unwrap(),
        granularity: Granularity::Month,
        metrics: vec![find_metric("revenue").unwrap()],
        by: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let report = runtime.block_on(engine.report(&request)).unwrap();
    report.metrics[0].values.iter().map(|value| value.value.as_ref().and_then(Value::as_f64)).collect()
}

const CUSTOMERS: &str = "customer_id,name,created_at\nc1,One,2023-01-01\n";

/// Import 1: o1 Jan 10 100. Import 2: o1 becomes 150, o2 Feb 5 40 is added.
fn two_imports() -> (TempDir, Store) {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    import(
        &mut store,
        dir.path(),
        &[("customers.csv", CUSTOMERS), ("orders.csv", "order_id,customer_id,at,amount\no1,c1,2024-01-10,100\n")],
    );
    import(
        &mut store,
        dir.path(),
        &[("orders.csv", "order_id,customer_id,at,amount\no1,c1,2024-01-10,150\no2,c1,2024-02-05,40\n")],
    );
    (dir, store)
}

#[test]
fn reports_as_of_an_earlier_import_see_the_versions_current_then() {
    let (_dir, store) = two_imports();
    assert_eq!(store.data_version().unwrap(), 2);
    assert_eq!(revenue(&Engine::load(&store).unwrap()), [Some(150.0), Some(40.0)]);
    let first = Engine::load_as_of(&store, 1).unwrap();
    assert_eq!(revenue(&first), [Some(100.0), Some(0.0)]);
    assert_eq!(first.data_version(), 1);
    assert_eq!(revenue(&Engine::load_as_of(&store, 2).unwrap()), [Some(150.0), Some(40.0)]);
    // Before the first import nothing existed.
    assert_eq!(revenue(&Engine::load_as_of(&store, 0).unwrap()), [Some(0.0), Some(0.0)]);
}

#[test]
fn the_snapshot_is_rebuilt_after_an_import_and_when_damaged() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    import(
        &mut store,
        dir.path(),
        &[("customers.csv", CUSTOMERS), ("orders.csv", "order_id,customer_id,at,amount\no1,c1,2024-01-10,100\n")],
    );
    assert_eq!(revenue(&Engine::load(&store).unwrap()), [Some(100.0), Some(0.0)]);
    let first = dir.path().join("snapshot").join("version-1");
    assert!(first.join("orders.arrow").is_file(), "the first load writes the snapshot");
    // The second load reads the snapshot: a snapshot whose orders say otherwise proves it.
    assert_eq!(revenue(&Engine::load(&store).unwrap()), [Some(100.0), Some(0.0)]);

    import(&mut store, dir.path(), &[("orders.csv", "order_id,customer_id,at,amount\no2,c1,2024-02-05,40\n")]);
    assert_eq!(revenue(&Engine::load(&store).unwrap()), [Some(100.0), Some(40.0)]);
    let second = dir.path().join("snapshot").join("version-2");
    assert!(second.is_dir() && !first.exists(), "the new version replaces the old snapshot");

    // A truncated file is not trusted: the engine reads the store again and rewrites it.
    std::fs::write(second.join("orders.arrow"), b"ARROW1").unwrap();
    assert_eq!(revenue(&Engine::load(&store).unwrap()), [Some(100.0), Some(40.0)]);
}

#[test]
fn the_snapshot_is_what_the_engine_reads_while_the_version_holds() {
    let (dir, store) = two_imports();
    assert_eq!(revenue(&Engine::load(&store).unwrap()), [Some(150.0), Some(40.0)]);
    // Replace version 2's orders with version 1's (written by an as-of load into a scratch
    // store): the engine must now report version 1's orders, read from the file.
    let scratch = TempDir::new().unwrap();
    let mut old = Store::open(scratch.path()).unwrap();
    import(
        &mut old,
        scratch.path(),
        &[("customers.csv", CUSTOMERS), ("orders.csv", "order_id,customer_id,at,amount\no1,c1,2024-01-10,100\n")],
    );
    import(&mut old, scratch.path(), &[("customers.csv", CUSTOMERS)]);
    Engine::load(&old).unwrap();
    std::fs::copy(
        scratch.path().join("snapshot").join("version-2").join("orders.arrow"),
        dir.path().join("snapshot").join("version-2").join("orders.arrow"),
    )
    .unwrap();
    assert_eq!(revenue(&Engine::load(&store).unwrap()), [Some(100.0), Some(0.0)]);
}

#[test]
fn drill_down_records_match_every_count_on_demo_data() {
    let dir = TempDir::new().unwrap();
    let csv = dir.path().join("csv");
    let options = pulse_demo::DemoOptions {
        scale: 0.03,
        seed: 11,
        stages: ["lead", "qualified", "demo", "proposal", "negotiation"].map(str::to_owned).to_vec(),
    };
    pulse_demo::generate(&csv, &options).unwrap();
    let mut store = Store::open(&dir.path().join("data")).unwrap();
    let sources = pulse_import::resolve_sources(&[csv], None).unwrap();
    let lock = store.try_write_lock().unwrap().unwrap();
    pulse_import::import(
        &mut store,
        &lock,
        &sources,
        ImportOptions { mode: ImportMode::AllOrNothing, progress: Progress::Quiet },
    )
    .unwrap();
    let engine = Engine::load(&store).unwrap();
    let explained: Vec<_> = catalog().iter().filter(|metric| metric.records.is_some()).collect();
    assert!(explained.len() >= 12, "{} count metrics can be explained", explained.len());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut nonzero = 0;
    for label in ["2024-03", "2024-Q3", "2025-W10"] {
        let (from, to, granularity) = pulse_engine::parse_label(label).unwrap();
        let request = ReportRequest { from, to, granularity, metrics: explained.to_vec(), by: None };
        let report = runtime.block_on(engine.report(&request)).unwrap();
        for (metric, reported) in explained.iter().zip(&report.metrics) {
            let value = reported.values[0].value.as_ref().and_then(Value::as_f64).unwrap();
            let records = runtime.block_on(engine.records(metric, label, None)).unwrap();
            assert_eq!(records.count as f64, value, "{} in {label}", metric.id);
            nonzero += usize::from(value > 0.0);
        }
    }
    // The comparison means something only when most counts have records.
    assert!(nonzero >= 2 * explained.len(), "only {nonzero} non-zero counts");
}
