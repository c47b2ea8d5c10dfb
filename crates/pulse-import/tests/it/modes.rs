//! All-or-nothing against skip-invalid, idempotency, history, and the store's guards.

use pulse_import::Error;
use pulse_model::Kind;
use pulse_store::{ImportMode, Store};

use crate::{Workspace, messages};

const MIXED_ORDERS: &str =
    "order_id,customer_id,at,amount\no1,c1,2024-03-01,5\no2,c1,2024-03-01,oops\no3,c2,2024-03-02,7\n";

#[test]
fn all_or_nothing_writes_nothing_and_records_the_attempt() {
    let mut workspace = Workspace::new();
    let result = workspace.import(&[("orders.csv", MIXED_ORDERS)], ImportMode::AllOrNothing);
    assert!(matches!(result, Err(Error::Rejected { total: 1, .. })));
    assert_eq!(workspace.count("orders"), 0);
    let last = &workspace.store.imports(1).unwrap()[0];
    assert_eq!((last.status.as_str(), last.rows_read, last.rows_rejected, last.rows_inserted), ("rejected", 3, 1, 0));
}

#[test]
fn skip_invalid_writes_valid_rows_and_keeps_the_rejects() {
    let mut workspace = Workspace::new();
    let report = workspace.import(&[("orders.csv", MIXED_ORDERS)], ImportMode::SkipInvalid).unwrap();
    assert_eq!(workspace.count("orders"), 2);
    assert_eq!(report.rows_rejected, 1);
    let rejects_file = report.rejects_file.clone().expect("a rejects file is named");
    let mut reader = csv::Reader::from_path(&rejects_file).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 1);
    let fields: Vec<&str> = rows[0].iter().collect();
    assert_eq!(fields[1..6], ["3", "orders", "amount", "oops", "is not a number"]);
    let record: serde_json::Value = serde_json::from_str(&rows[0][6]).unwrap();
    assert_eq!(record["order_id"], "o2");
    let last = &workspace.store.imports(1).unwrap()[0];
    assert_eq!(last.rejects_file.as_deref(), Some(rejects_file.to_str().unwrap()));
}

#[test]
fn skip_invalid_cascades_to_rows_that_reference_a_rejected_row() {
    let mut workspace = Workspace::new();
    let report = workspace
        .import(
            &[
                ("customers.csv", "customer_id,name,created_at\nc9,Ann,2024-13-01\nc10,Bob,2024-03-01\n"),
                ("deals.csv", "deal_id,customer_id,created_at,amount,status\nd9,c9,2024-03-01,5,open\nd10,c10,2024-03-01,5,open\n"),
                ("deal_stage_changes.csv", "deal_id,stage,entered_at\nd9,lead,2024-03-02\nd10,lead,2024-03-02\n"),
            ],
            ImportMode::SkipInvalid,
        )
        .unwrap();
    assert_eq!(
        messages(&Ok(report)),
        [
            "customers.csv:2: column created_at: \"2024-13-01\" is not a valid timestamp (ISO 8601, e.g. 2024-03-05T14:30:00Z)",
            "deals.csv:2: column customer_id: \"c9\" is not in customers (neither stored nor in this import)",
            "deal_stage_changes.csv:2: column deal_id: \"d9\" is not in deals (neither stored nor in this import)",
        ]
    );
    assert_eq!(
        (workspace.count("customers"), workspace.count("deals"), workspace.count("deal_stage_changes")),
        (3, 3, 1)
    );
}

#[test]
fn references_may_point_forward_within_one_import() {
    let mut workspace = Workspace::empty();
    workspace
        .import(
            &[
                ("orders.csv", "order_id,customer_id,at,amount\no1,c1,2024-03-01,5\n"),
                ("customers.csv", "customer_id,name,created_at\nc1,Ann,2024-01-01\n"),
            ],
            ImportMode::AllOrNothing,
        )
        .unwrap();
    assert_eq!(workspace.count("orders"), 1);
}

#[test]
fn importing_the_same_files_twice_changes_no_count() {
    let files = [
        ("customers.csv", "customer_id,name,created_at,tier\nc9,Ann,2024-01-01,gold\n"),
        ("orders.csv", "order_id,customer_id,at,amount\no1,c9,2024-03-01,5\no2,c9,2024-03-01,7.50\n"),
        ("marketing_spend.csv", "date,channel,amount\n2024-03-01,email,10\n"),
    ];
    let mut workspace = Workspace::new();
    workspace.import(&files, ImportMode::AllOrNothing).unwrap();
    let counts = workspace.store.counts().unwrap();
    let second = workspace.import(&files, ImportMode::AllOrNothing).unwrap();
    assert_eq!(workspace.store.counts().unwrap(), counts);
    let totals = second
        .outcome
        .kinds
        .iter()
        .fold((0, 0, 0), |acc, kind| (acc.0 + kind.inserted, acc.1 + kind.updated, acc.2 + kind.unchanged));
    assert_eq!(totals, (0, 0, 4));
    for kind in [Kind::Customers, Kind::Orders, Kind::MarketingSpend] {
        assert_eq!(workspace.store.history_count(kind).unwrap(), 0, "an unchanged row makes no history ({kind})");
    }
}

#[test]
fn replacing_a_record_keeps_the_old_version() {
    let mut workspace = Workspace::new();
    let first = workspace
        .import(&[("orders.csv", "order_id,customer_id,at,amount\no1,c1,2024-03-01,5\n")], ImportMode::AllOrNothing)
        .unwrap();
    let second = workspace
        .import(&[("orders.csv", "order_id,customer_id,at,amount\no1,c1,2024-03-01,6\n")], ImportMode::AllOrNothing)
        .unwrap();
    assert_eq!(second.outcome.kinds[0].updated, 1);
    assert_eq!(workspace.count("orders"), 1);
    let versions = workspace.store.versions(Kind::Orders, "o1").unwrap();
    let amounts: Vec<(i64, Option<i64>, String)> = versions
        .iter()
        .map(|(import_id, superseded_by, json)| {
            let record: serde_json::Value = serde_json::from_str(json).unwrap();
            (*import_id, *superseded_by, record["amount"].as_str().unwrap().to_owned())
        })
        .collect();
    let (first_id, second_id) = (first.outcome.import_id, second.outcome.import_id);
    assert_eq!(amounts, [(first_id, Some(second_id), "5".to_owned()), (second_id, None, "6".to_owned())]);
}

#[test]
fn facts_are_identified_by_their_identity_columns() {
    let mut workspace = Workspace::new();
    workspace
        .import(
            &[("marketing_spend.csv", "date,channel,amount,purpose\n2024-03-01,email,10,\n2024-03-01,email,4,brand\n")],
            ImportMode::AllOrNothing,
        )
        .unwrap();
    workspace
        .import(
            &[("marketing_spend.csv", "date,channel,amount,purpose\n2024-03-01,email,12,acquisition\n")],
            ImportMode::AllOrNothing,
        )
        .unwrap();
    assert_eq!(workspace.count("marketing_spend"), 2);
    assert_eq!(workspace.store.history_count(Kind::MarketingSpend).unwrap(), 1);
}

#[test]
fn replacing_a_parent_may_not_strand_its_stored_children() {
    let mut workspace = Workspace::new();
    workspace
        .import(
            &[("deal_stage_changes.csv", "deal_id,stage,entered_at\nd1,lead,2024-01-10\n")],
            ImportMode::AllOrNothing,
        )
        .unwrap();
    let result = workspace.import(
        &[(
            "deals.csv",
            "deal_id,customer_id,created_at,amount,status,closed_at\nd1,c1,2024-01-01,100,won,2024-01-05\n",
        )],
        ImportMode::AllOrNothing,
    );
    assert_eq!(
        messages(&result),
        [
            "deals.csv:2: column closed_at: \"2024-01-05T00:00:00Z\" would leave the stored deal_stage_changes row at 2024-01-10T00:00:00Z outside the deal's lifetime"
        ]
    );
}

#[test]
fn the_timezone_cannot_change_once_records_exist() {
    let workspace = Workspace::new();
    let path = workspace.dir.path().join("pulse.toml");
    let text = std::fs::read_to_string(&path).unwrap().replace("timezone = \"UTC\"", "timezone = \"Europe/Warsaw\"");
    std::fs::write(&path, text).unwrap();
    let error = Store::open(workspace.dir.path()).unwrap_err().to_string();
    assert!(error.contains("timezone is Europe/Warsaw but the stored records were imported in UTC"), "{error}");
}

#[test]
fn a_bad_configuration_is_a_located_error() {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(dir.path().join("pulse.toml"), "currency = \"USD\"\n[pipeline]\nstages = [{ probability = 0.5 }]\n")
        .unwrap();
    let error = Store::open(dir.path()).unwrap_err().to_string();
    assert!(
        error.contains("pulse.toml") && error.contains("line 3") && error.contains("missing field `name`"),
        "{error}"
    );
    std::fs::write(dir.path().join("pulse.toml"), "currency = \"USD\"\nstall_dayz = 3\n").unwrap();
    let error = Store::open(dir.path()).unwrap_err().to_string();
    assert!(error.contains("line 2") && error.contains("unknown field `stall_dayz`"), "{error}");
}

#[test]
fn a_second_writer_is_kept_out() {
    let workspace = Workspace::new();
    let lock = workspace.store.try_write_lock().unwrap();
    assert!(lock.is_some());
    let other = Store::open(workspace.dir.path()).unwrap();
    assert!(other.try_write_lock().unwrap().is_none());
    drop(lock);
    assert!(other.try_write_lock().unwrap().is_some());
}
