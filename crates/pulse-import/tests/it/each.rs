//! `import_each`: several sources in one transaction, each written whole or not at all.

use pulse_import::{Error, Format, Source, SourceOutcome};
use pulse_model::Kind;
use pulse_store::{AuditRecord, Counts};

use crate::Workspace;

/// Writes each `(kind, csv)` to its own file and imports them with `import_each`, returning the
/// outcomes and the audit entries the importer asked for (index, kind of outcome).
fn import_each(workspace: &mut Workspace, files: &[(Kind, &str)]) -> (Vec<SourceOutcome>, Vec<(usize, String)>) {
    let input = workspace.dir.path().join(format!("each-{}", workspace.store.data_version().unwrap()));
    std::fs::create_dir_all(&input).unwrap();
    let sources: Vec<Source> = files
        .iter()
        .enumerate()
        .map(|(index, (kind, text))| {
            let path = input.join(format!("request-{index}.csv"));
            std::fs::write(&path, text).unwrap();
            Source { path, kind: *kind, format: Format::Csv }
        })
        .collect();
    let lock = workspace.store.try_write_lock().unwrap().unwrap();
    let mut asked = Vec::new();
    let mut audit = |entries: &[(usize, &SourceOutcome)]| -> Vec<AuditRecord> {
        entries
            .iter()
            .map(|(index, outcome)| {
                let what = match outcome {
                    SourceOutcome::Written { .. } => "written",
                    SourceOutcome::Refused(_) => "refused",
                };
                asked.push((*index, what.to_owned()));
                AuditRecord {
                    actor: "tester".to_owned(),
                    action: "import".to_owned(),
                    details: serde_json::json!({ "request": index, "outcome": what }),
                }
            })
            .collect()
    };
    let outcomes = pulse_import::import_each(&mut workspace.store, &lock, &sources, &mut audit).unwrap();
    asked.sort();
    (outcomes, asked)
}

fn written(outcome: &SourceOutcome) -> (i64, u64, Counts) {
    match outcome {
        SourceOutcome::Written { import_id, rows_read, counts } => (*import_id, *rows_read, *counts),
        SourceOutcome::Refused(error) => panic!("refused: {error}"),
    }
}

fn refusal(outcome: &SourceOutcome) -> Vec<String> {
    match outcome {
        SourceOutcome::Refused(Error::Rejected { errors, .. }) => {
            errors.iter().map(|error| format!("{}: {}", error.line, error.error)).collect()
        }
        other => panic!("expected a located refusal, got {other:?}"),
    }
}

const ORDERS: &str = "order_id,customer_id,at,amount\n";

#[test]
fn each_source_is_written_whole_or_not_at_all_in_one_import() {
    let mut workspace = Workspace::new();
    let before = workspace.store.data_version().unwrap();
    let (outcomes, asked) = import_each(
        &mut workspace,
        &[
            (Kind::Orders, &format!("{ORDERS}o1,c1,2024-03-01,5\no2,c2,2024-03-02,6\n")),
            // Line 3 has an amount that is not a number: the whole request is refused.
            (Kind::Orders, &format!("{ORDERS}o3,c1,2024-03-01,5\no4,c1,2024-03-01,lots\n")),
            (Kind::Orders, &format!("{ORDERS}o5,c2,2024-03-05,7\n")),
        ],
    );
    let (first_import, rows, counts) = written(&outcomes[0]);
    assert_eq!((rows, counts), (2, Counts { inserted: 2, updated: 0, unchanged: 0 }));
    assert_eq!(refusal(&outcomes[1]).len(), 1);
    assert!(refusal(&outcomes[1])[0].starts_with("3: column amount"), "{:?}", refusal(&outcomes[1]));
    let (third_import, rows, counts) = written(&outcomes[2]);
    assert_eq!((rows, counts), (1, Counts { inserted: 1, updated: 0, unchanged: 0 }));
    // One import (one commit) for the group; the refused request wrote nothing.
    assert_eq!(first_import, third_import);
    assert_eq!(workspace.store.data_version().unwrap(), first_import);
    assert!(first_import > before);
    assert_eq!(workspace.count("orders"), 3);
    let log = &workspace.store.imports(1).unwrap()[0];
    assert_eq!(
        (log.status.as_str(), log.mode.as_str(), log.rows_read, log.rows_rejected),
        ("done", "each-file-whole", 5, 1)
    );
    assert_eq!(log.rows_inserted, 3);
    // The audit entries were made for every request and written in the same transaction.
    assert_eq!(asked, [(0, "written".to_owned()), (1, "refused".to_owned()), (2, "written".to_owned())]);
    let audit = workspace.store.audit_log(10).unwrap();
    assert_eq!(audit.len(), 3);
    assert!(audit.iter().all(|entry| entry.actor == "tester"));
}

#[test]
fn a_refused_source_takes_down_the_sources_that_reference_its_records() {
    let mut workspace = Workspace::new();
    let (outcomes, _) = import_each(
        &mut workspace,
        &[
            // c9 is valid but its request is refused for the bad date on line 3...
            (Kind::Customers, "customer_id,name,created_at\nc9,Cy,2024-01-01\nc10,Di,yesterday\n"),
            // ...so an order of c9 in another request cannot be written either.
            (Kind::Orders, &format!("{ORDERS}o9,c9,2024-03-01,5\n")),
            (Kind::Orders, &format!("{ORDERS}o10,c1,2024-03-01,5\n")),
        ],
    );
    assert!(refusal(&outcomes[0])[0].starts_with("3: column created_at"), "{:?}", refusal(&outcomes[0]));
    assert_eq!(
        refusal(&outcomes[1]),
        ["2: column customer_id: \"c9\" is not in customers (neither stored nor in this import)"]
    );
    written(&outcomes[2]);
    assert_eq!(workspace.count("customers"), 2);
    assert_eq!(workspace.count("orders"), 1);
}

#[test]
fn a_record_sent_twice_ends_as_the_later_request_has_it() {
    let mut workspace = Workspace::new();
    let (outcomes, asked) = import_each(
        &mut workspace,
        &[
            (Kind::Orders, &format!("{ORDERS}o1,c1,2024-03-01,5\n")),
            (Kind::Orders, &format!("{ORDERS}o2,c1,2024-03-01,1\no1,c1,2024-03-01,6\n")),
            (Kind::Orders, &format!("{ORDERS}o3,c1,2024-03-01,7\n")),
        ],
    );
    let (first, _, counts) = written(&outcomes[0]);
    assert_eq!(counts, Counts { inserted: 1, updated: 0, unchanged: 0 });
    // The second request repeats o1, so it (and the one after it) went into the next import.
    let (second, rows, counts) = written(&outcomes[1]);
    assert_eq!((rows, counts), (2, Counts { inserted: 1, updated: 1, unchanged: 0 }));
    let (third, _, _) = written(&outcomes[2]);
    assert_eq!((second, third), (first + 1, first + 1));
    let versions = workspace.store.versions(Kind::Orders, "o1").unwrap();
    let last: serde_json::Value = serde_json::from_str(&versions.last().unwrap().2).unwrap();
    assert_eq!(last["amount"], "6");
    assert_eq!(asked.len(), 3);
}

#[test]
fn a_group_with_nothing_to_write_changes_no_data_version() {
    let mut workspace = Workspace::new();
    let before = workspace.store.data_version().unwrap();
    let (outcomes, asked) = import_each(
        &mut workspace,
        &[
            (Kind::Orders, &format!("{ORDERS}o1,c404,2024-03-01,5\n")),
            (Kind::Orders, "order_id,customer_id\n\"o2,c1\n"),
        ],
    );
    assert_eq!(
        refusal(&outcomes[0]),
        ["2: column customer_id: \"c404\" is not in customers (neither stored nor in this import)"]
    );
    assert!(matches!(outcomes[1], SourceOutcome::Refused(_)), "{:?}", outcomes[1]);
    assert_eq!(workspace.store.data_version().unwrap(), before);
    let log = &workspace.store.imports(1).unwrap()[0];
    assert_eq!((log.status.as_str(), log.rows_inserted), ("rejected", 0));
    assert_eq!(asked, [(0, "refused".to_owned()), (1, "refused".to_owned())]);
    assert_eq!(workspace.store.audit_log(10).unwrap().len(), 2);
    assert_eq!(workspace.count("orders"), 0);
}
