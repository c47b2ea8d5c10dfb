//! File-level rules: headers, quoting, line numbers, BOM, JSON lines, kinds from file names.

use pulse_import::{Error, resolve_sources};
use pulse_model::Kind;
use pulse_store::ImportMode;

use crate::{Workspace, messages};

fn check(file: &str, text: &str, expected: &[&str]) {
    let mut workspace = Workspace::new();
    let result = workspace.import(&[(file, text)], ImportMode::AllOrNothing);
    assert_eq!(messages(&result), expected, "messages for {file}");
}

#[test]
fn header_errors_are_on_line_one() {
    check(
        "deals.csv",
        "deal_id,customer_id,created_at,amount,colour,amount\nd9,c1,2024-03-01,5,red,5\n",
        &[
            "deals.csv:1: column colour: is not a column of deals (columns: deal_id, customer_id, lead_id, owner, created_at, amount, status, closed_at, lost_reason, source, currency)",
            "deals.csv:1: column amount: is named twice in the header",
            "deals.csv:1: column status: is required but missing from the header",
        ],
    );
    check("orders.csv", "", &["orders.csv:1: the file is empty; a header row is required"]);
}

#[test]
fn headers_are_trimmed_and_case_insensitive_with_free_order_and_a_bom() {
    let mut workspace = Workspace::new();
    let text = "\u{feff} AMOUNT ,Order_ID,at,customer_id\n5,o1,2024-03-01,c1\n";
    workspace.import(&[("orders.csv", text)], ImportMode::AllOrNothing).unwrap();
    assert_eq!(workspace.count("orders"), 1);
}

#[test]
fn line_numbers_are_physical_lines() {
    // The quoted name spans three lines, so the bad row after it starts on line 5.
    check(
        "customers.csv",
        "customer_id,name,created_at\nc9,\"Ann\nand\nsons\",2024-03-01\nc10,Bob,yesterday\n",
        &[
            "customers.csv:5: column created_at: \"yesterday\" is not a valid timestamp (ISO 8601, e.g. 2024-03-05T14:30:00Z)",
        ],
    );
}

#[test]
fn rows_must_match_the_header_width() {
    check(
        "orders.csv",
        "order_id,customer_id,at,amount\no1,c1,2024-03-01,12,50\no2,c1,2024-03-01\n",
        &["orders.csv:2: has 5 fields but the header has 4", "orders.csv:3: has 3 fields but the header has 4"],
    );
}

#[test]
fn unknown_columns_become_attributes_on_customers_and_leads() {
    let mut workspace = Workspace::new();
    workspace
        .import(
            &[("customers.csv", "customer_id,name,created_at,Tier,favourite colour\nc9,Ann,2024-03-01,gold,\n")],
            ImportMode::AllOrNothing,
        )
        .unwrap();
    let versions = workspace.store.versions(Kind::Customers, "c9").unwrap();
    assert_eq!(versions.len(), 1);
    let record: serde_json::Value = serde_json::from_str(&versions[0].2).unwrap();
    // An empty attribute cell is an absent value.
    assert_eq!(record["attributes"], serde_json::json!({ "tier": "gold" }));
}

#[test]
fn json_lines_follow_the_same_rules() {
    check(
        "deals.jsonl",
        concat!(
            r#"{"deal_id":"d9","customer_id":"c1","created_at":"2024-03-01","amount":12.5,"status":"open"}"#,
            "\n\n",
            r#"{"deal_id":"d10","customer_id":"c1","created_at":"2024-03-01","amount":"12,50","status":"open","colour":"red"}"#,
            "\n",
            r#"{"deal_id":"d11","customer_id":"c1","created_at":"2024-03-01","amount":5,"status":["open"]}"#,
            "\n",
            r#"{"deal_id":"d12","created_at":"2024-03-01","amount":5,"status":"open","customer_id":null}"#,
            "\n",
        ),
        &[
            "deals.jsonl:3: column colour: is not a column of deals (columns: deal_id, customer_id, lead_id, owner, created_at, amount, status, closed_at, lost_reason, source, currency)",
            "deals.jsonl:4: column status: \"[\\\"open\\\"]\" is not a single value",
            "deals.jsonl:5: column customer_id/lead_id: one of them is required",
        ],
    );
    let mut workspace = Workspace::new();
    let result = workspace.import(&[("deals.jsonl", "not json\n")], ImportMode::AllOrNothing);
    let messages = messages(&result);
    assert_eq!(messages.len(), 1);
    assert!(messages[0].starts_with("deals.jsonl:1: is not a JSON object: "), "{messages:?}");
}

#[test]
fn json_lines_values_import() {
    let mut workspace = Workspace::new();
    let line =
        r#"{"order_id":"o1","customer_id":"c1","at":"2024-03-01T10:00:00+02:00","amount":12.25,"status":"PAID"}"#;
    workspace.import(&[("orders.jsonl", line)], ImportMode::AllOrNothing).unwrap();
    let versions = workspace.store.versions(Kind::Orders, "o1").unwrap();
    let record: serde_json::Value = serde_json::from_str(&versions[0].2).unwrap();
    assert_eq!(record["at"], "2024-03-01T08:00:00.000000Z");
    assert_eq!(record["amount"], "12.25");
    assert_eq!(record["status"], "paid");
}

#[test]
fn kinds_come_from_file_names_or_the_kind_option() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("export.csv");
    std::fs::write(&path, "x\n").unwrap();
    assert!(matches!(resolve_sources(std::slice::from_ref(&path), None), Err(Error::UnknownKind { .. })));
    let sources = resolve_sources(std::slice::from_ref(&path), Some(Kind::Orders)).unwrap();
    assert_eq!(sources[0].kind, Kind::Orders);
    let text = dir.path().join("deals.txt");
    std::fs::write(&text, "x\n").unwrap();
    assert!(matches!(resolve_sources(&[text], None), Err(Error::UnknownFormat { .. })));
    // A directory yields its <kind>.csv files in reference order, ignoring other files.
    for name in ["orders.csv", "customers.csv", "notes.md"] {
        std::fs::write(dir.path().join(name), "x\n").unwrap();
    }
    let kinds: Vec<Kind> =
        resolve_sources(&[dir.path().to_owned()], None).unwrap().iter().map(|source| source.kind).collect();
    assert_eq!(kinds, [Kind::Customers, Kind::Orders]);
}

#[test]
fn timestamps_without_offset_are_workspace_local() {
    let mut workspace = Workspace::with_config(Some(
        "timezone = \"America/New_York\"\n[pipeline]\nstages = [{ name = \"lead\", probability = 0.1 }]\n",
    ));
    workspace
        .import(&[("orders.csv", "order_id,customer_id,at,amount\no1,c1,2024-03-01,5\n")], ImportMode::AllOrNothing)
        .unwrap();
    let record: serde_json::Value =
        serde_json::from_str(&workspace.store.versions(Kind::Orders, "o1").unwrap()[0].2).unwrap();
    // Midnight in New York in winter (UTC−5) is 05:00 UTC: the order stays on March 1.
    assert_eq!(record["at"], "2024-03-01T05:00:00.000000Z");
}
