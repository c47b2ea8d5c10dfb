//! `pulse report` end to end: the JSON shape, drill-down with `--explain` and `--as-of`.

use std::path::Path;

use tempfile::TempDir;

use crate::{run, text};

/// Import 1: deals d1 (won Feb 3, ann), d2 (won Feb 20, bob), d3 (lost Feb 10).
/// Import 2: d2's close moves to March 2; d4 is won on Feb 25.
fn two_imports(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    let first = dir.join("first");
    std::fs::create_dir_all(&first).unwrap();
    std::fs::write(first.join("customers.csv"), "customer_id,name,created_at\nc1,Ann Co,2024-01-01\n").unwrap();
    std::fs::write(
        first.join("deals.csv"),
        "deal_id,customer_id,owner,created_at,amount,status,closed_at\n\
         d1,c1,ann,2024-01-05,100,won,2024-02-03\n\
         d2,c1,bob,2024-01-06,200,won,2024-02-20\n\
         d3,c1,ann,2024-01-07,300,lost,2024-02-10\n",
    )
    .unwrap();
    let output = run(&data, &["import", first.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let second = dir.join("second");
    std::fs::create_dir_all(&second).unwrap();
    std::fs::write(
        second.join("deals.csv"),
        "deal_id,customer_id,owner,created_at,amount,status,closed_at\n\
         d2,c1,bob,2024-01-06,200,won,2024-03-02\n\
         d4,c1,bob,2024-01-08,50,won,2024-02-25\n",
    )
    .unwrap();
    let output = run(&data, &["import", second.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    data
}

#[test]
fn explain_lists_the_records_behind_a_count() {
    let dir = TempDir::new().unwrap();
    let data = two_imports(dir.path());
    // February's won deals now: d1 (Feb 3) and d4 (Feb 25); d2 moved to March.
    let output = run(&data, &["report", "--explain", "deals_won", "--period", "2024-02", "--format", "csv"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "deal_id,owner,customer_id,amount,created_at,closed_at");
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[1].starts_with("d1,ann,c1,100") && lines[2].starts_with("d4,bob,c1,50"), "{stdout}");

    let table = text(&run(&data, &["report", "--explain", "deals_won", "--period", "2024-02", "--by", "owner"]).stdout);
    assert!(table.starts_with("Deals won in 2024-02 (UTC): 2 records"), "{table}");
    assert!(
        table.lines().any(|line| line.trim_start().starts_with("d4") && line.trim_end().ends_with("bob")),
        "{table}"
    );

    // As of the first import, d2 was still won in February.
    let output =
        run(&data, &["report", "--explain", "deals_won", "--period", "2024-02", "--as-of", "1", "--format", "json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["count"], 2);
    assert_eq!(json["data_version"], 1);
    let ids: Vec<&str> =
        json["records"].as_array().unwrap().iter().map(|record| record["deal_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["d1", "d2"]);
}

#[test]
fn reports_as_of_an_import_and_their_json_shape() {
    let dir = TempDir::new().unwrap();
    let data = two_imports(dir.path());
    let report = |extra: &[&str]| -> serde_json::Value {
        let mut args =
            vec!["report", "--from", "2024-02-01", "--to", "2024-03-01", "--metric", "revenue_won", "--format", "json"];
        args.extend_from_slice(extra);
        let output = run(&data, &args);
        assert!(output.status.success(), "{}", text(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    };
    // Now: d1 100 + d4 50. As of import 1: d1 100 + d2 200.
    let now = report(&[]);
    assert_eq!(
        (now["from"].as_str(), now["to"].as_str(), now["period"].as_str()),
        (Some("2024-02-01"), Some("2024-03-01"), Some("month"))
    );
    assert_eq!(now["timezone"], "UTC");
    assert_eq!(now["data_version"], 2);
    assert_eq!(now["as_of"], false);
    assert_eq!(now["metrics"][0]["values"][0]["value"], 150.0);
    let then = report(&["--as-of", "1"]);
    assert_eq!(then["metrics"][0]["values"][0]["value"], 300.0);
    assert_eq!(then["as_of"], true);
    // A date before the first import: nothing had been imported.
    let output = run(&data, &["report", "--from", "2024-02-01", "--to", "2024-03-01", "--as-of", "2020-01-01"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("nothing had been imported yet by then"), "{}", text(&output.stderr));
}

#[test]
fn explain_refuses_what_it_cannot_list() {
    let dir = TempDir::new().unwrap();
    let data = two_imports(dir.path());
    let output = run(&data, &["report", "--explain", "win_rate", "--period", "2024-02"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("win_rate is not a count of records") && stderr.contains("deals_won"), "{stderr}");
    let output = run(&data, &["report", "--explain", "deals_won", "--period", "February"]);
    assert!(text(&output.stderr).contains("\"February\" is not a period label"), "{}", text(&output.stderr));
    let output = run(&data, &["report", "--explain", "deals_won"]);
    assert_eq!(output.status.code(), Some(2), "clap requires --period");
    let output = run(&data, &["report", "--from", "2024-01-01", "--to", "2024-02-01", "--as-of", "7"]);
    assert!(text(&output.stderr).contains("numbered 1 to 2"), "{}", text(&output.stderr));
}
