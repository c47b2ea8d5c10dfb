//! A `pulse import` killed at any moment leaves the store as it was before the import or with
//! all of it. The test kills a real child process (SIGKILL) at several points of an import,
//! recognised from its plain progress lines, and inspects the store after each kill.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use pulse_model::Kind;
use pulse_store::Store;
use tempfile::TempDir;

use crate::{pulse, run, text};

fn counts(data: &Path) -> Vec<(Kind, u64)> {
    let store = Store::open(data).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    store.counts().unwrap()
}

/// Starts an import of `input` and kills it when its progress output shows `trigger`.
/// Returns whether the trigger was seen before the process ended by itself.
fn import_and_kill_at(data: &Path, input: &Path, trigger: &str) -> bool {
    let mut child = pulse(data, &["import", "--progress", "plain", input.to_str().unwrap()])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = false;
    for line in stderr.lines() {
        if line.unwrap().starts_with(trigger) {
            seen = true;
            child.kill().unwrap();
            break;
        }
    }
    child.wait().unwrap();
    seen
}

#[test]
fn an_import_killed_at_any_point_is_all_or_nothing() {
    let dir = TempDir::new().unwrap();
    let generated = dir.path().join("generated");
    let output = run(&generated, &["demo", "--scale", "0.6", "--seed", "3", "--no-serve"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let input = generated.join("demo-csv");
    let full = counts(&generated);
    assert!(full.iter().map(|(_, count)| count).sum::<u64>() > 250_000, "enough rows to be killed mid-way");

    let data = dir.path().join("data");
    let output = run(
        &data,
        &["import", input.join("customers.csv").to_str().unwrap(), input.join("users.csv").to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let before = counts(&data);

    for trigger in [
        "progress: 100000 rows read",
        "progress: 200000 rows read",
        "progress: checking references",
        "progress: writing",
    ] {
        let killed = import_and_kill_at(&data, &input, trigger);
        let after = counts(&data);
        assert!(killed, "the import ended before printing {trigger:?}");
        if trigger == "progress: writing" {
            // Killed while merging: the commit may or may not have happened.
            assert!(
                after == before || after == full,
                "after a kill at {trigger:?} the store holds part of an import: {after:?}"
            );
        } else {
            assert_eq!(after, before, "after a kill at {trigger:?}");
        }
        // The store opens and accepts writes again: the lock died with the process.
        assert!(Store::open(&data).unwrap().try_write_lock().unwrap().is_some());
    }

    let output = run(&data, &["import", input.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(counts(&data), full);
}
