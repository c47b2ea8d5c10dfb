//! `pulse import`, `pulse demo` and `pulse status` end to end.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use pulse_model::Kind;
use pulse_store::Store;
use tempfile::TempDir;

use crate::{pulse, run, text};

#[test]
fn a_rejected_import_prints_located_errors_and_fails() {
    let dir = TempDir::new().unwrap();
    let deals = dir.path().join("deals.csv");
    std::fs::write(
        &deals,
        "deal_id,customer_id,created_at,amount,status\nd1,c1,2024-03-01,5,open\nd2,c1,2024-03-01,\"12,50\",open\n",
    )
    .unwrap();
    let customers = dir.path().join("customers.csv");
    std::fs::write(&customers, "customer_id,name,created_at\nc1,Ann,2024-01-01\n").unwrap();
    let data = dir.path().join("data");
    let output = run(&data, &["import", deals.to_str().unwrap(), customers.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains(&format!("{}:3: column amount: \"12,50\" is not a number", deals.display())), "{stderr}");
    assert!(stderr.contains("import rejected, nothing was written: 1 invalid row"), "{stderr}");
    let store = Store::open(&data).unwrap();
    assert!(store.counts().unwrap().iter().all(|(_, count)| *count == 0));

    let output = run(&data, &["import", "--skip-invalid", deals.to_str().unwrap(), customers.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("1 rejected rows written to"), "{}", text(&output.stderr));
    let counts = Store::open(&data).unwrap().counts().unwrap();
    assert_eq!(counts.iter().find(|(kind, _)| *kind == Kind::Deals).unwrap().1, 1);

    let status = run(&data, &["status"]);
    let stdout = text(&status.stdout);
    assert!(status.status.success());
    assert!(stdout.contains(&format!("data directory  {}", data.display())), "{stdout}");
    assert!(stdout.lines().any(|line| line.split_whitespace().collect::<Vec<_>>() == ["deals", "1"]), "{stdout}");
    assert!(stdout.contains("done (skip-invalid): 3 read, 2 new, 0 updated, 0 unchanged, 1 rejected"), "{stdout}");
    assert!(
        stdout.contains("rejected (all-or-nothing): 3 read, 0 new, 0 updated, 0 unchanged, 1 rejected"),
        "{stdout}"
    );
}

#[test]
fn the_demo_data_reimports_with_zero_errors() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("demo");
    let output = run(&data, &["demo", "--scale", "1", "--no-serve"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let counts = Store::open(&data).unwrap().counts().unwrap();
    let count = |kind: Kind| counts.iter().find(|(found, _)| *found == kind).unwrap().1;
    // Scale 1 is about 10k customers, 100k orders, 20k leads, 8k deals, 50k activities,
    // 5k subscriptions, 15k tickets, 10k survey responses and 50 users.
    for (kind, target) in [
        (Kind::Customers, 10_000),
        (Kind::Orders, 100_000),
        (Kind::Leads, 20_000),
        (Kind::Deals, 8_000),
        (Kind::Activities, 50_000),
        (Kind::Subscriptions, 5_000),
        (Kind::Tickets, 15_000),
        (Kind::SurveyResponses, 10_000),
        (Kind::Users, 50),
    ] {
        let found = count(kind) as f64;
        assert!((found / target as f64 - 1.0).abs() < 0.2, "{kind}: {found} rows, about {target} expected");
    }
    // Three years of daily traffic over 8 channels.
    assert!(count(Kind::WebTraffic) >= 3 * 365 * 8);

    let fresh = dir.path().join("fresh");
    let output = run(&fresh, &["import", data.join("demo-csv").to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains(" 0 rejected"), "{}", text(&output.stdout));
    assert_eq!(Store::open(&fresh).unwrap().counts().unwrap(), counts);

    let again = run(&data, &["import", data.join("demo-csv").to_str().unwrap()]);
    assert!(again.status.success());
    let stdout = text(&again.stdout);
    assert!(
        stdout
            .lines()
            .filter(|line| line.contains(" new "))
            .all(|line| line.contains(" 0 new ") && line.contains(" 0 updated ")),
        "{stdout}"
    );
    assert_eq!(Store::open(&data).unwrap().counts().unwrap(), counts);
}

#[test]
fn the_demo_is_deterministic_per_seed() {
    let dir = TempDir::new().unwrap();
    for (name, seed) in [("a", "7"), ("b", "7"), ("c", "8")] {
        let output = run(&dir.path().join(name), &["demo", "--scale", "0.02", "--seed", seed, "--no-serve"]);
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let read = |name: &str| std::fs::read(dir.path().join(name).join("demo-csv").join("orders.csv")).unwrap();
    assert_eq!(read("a"), read("b"));
    assert_ne!(read("a"), read("c"));
}

#[test]
fn a_second_writer_waits_for_the_first() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let customers = dir.path().join("customers.csv");
    std::fs::write(&customers, "customer_id,name,created_at\nc1,Ann,2024-01-01\n").unwrap();
    let store = Store::open(&data).unwrap();
    let lock = store.try_write_lock().unwrap().expect("the lock is free");
    let mut child = pulse(&data, &["import", customers.to_str().unwrap()])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.starts_with("waiting for another pulse process to finish writing"), "{line}");
    assert!(store.counts().unwrap().iter().all(|(_, count)| *count == 0));
    drop(lock);
    assert!(child.wait().unwrap().success());
    assert_eq!(store.counts().unwrap()[0], (Kind::Customers, 1));
}

#[test]
fn unknown_kinds_and_bad_options_are_explained() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(&file, "a\n1\n").unwrap();
    let output = run(&dir.path().join("data"), &["import", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("cannot tell the kind of records from the file name"),
        "{}",
        text(&output.stderr)
    );
    let output = run(&dir.path().join("data"), &["import", "--kind", "invoices", file.to_str().unwrap()]);
    assert!(text(&output.stderr).contains("unknown kind \"invoices\""), "{}", text(&output.stderr));
}
