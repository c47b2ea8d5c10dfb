//! The importer: reads CSV and JSON-lines files of the record kinds, parses every row into a
//! typed record, stages it in the store, runs the checks that span records and then either
//! writes everything, or (`SkipInvalid`) writes the valid rows and keeps the rejects in a file.
//! Memory does not grow with the input: rows stream from the file into the store's staging
//! tables, and only the first [`MAX_REPORTED_ERRORS`] errors are kept for the report.

mod error;
mod progress;
mod reader;
mod source;

use std::fmt;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::PathBuf;

use pulse_model::FieldError;
use pulse_store::{AuditRecord, Counts, ImportMode, Outcome, Staged, Store, WriteLock};

pub use error::{Error, Result};
pub use progress::{PLAIN_EVERY_ROWS, Progress};
pub use source::{Format, Source, resolve_sources};

use crate::progress::{Phase, Tracker};
use crate::reader::{Row, read_csv, read_json_lines};

/// How many row errors a report keeps; the total is always counted.
pub const MAX_REPORTED_ERRORS: usize = 1000;

/// A rejected row with its location: `deals.csv:17: column amount: "12,50" is not a number`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    pub line: u64,
    pub error: FieldError,
}

impl fmt::Display for RowError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.error.column.is_empty() {
            write!(formatter, "{}:{}: {}", self.file, self.line, self.error.reason)
        } else {
            write!(formatter, "{}:{}: {}", self.file, self.line, self.error)
        }
    }
}

/// The result of a successful import.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcome: Outcome,
    pub rows_read: u64,
    pub rows_rejected: u64,
    /// The first rejected rows (`--skip-invalid` only), in file and line order.
    pub rejected: Vec<RowError>,
    /// Where every rejected row was written, when there were any.
    pub rejects_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    pub mode: ImportMode,
    pub progress: Progress,
}

/// Collects rejected rows: the first ones for the report, all of them in the rejects file.
#[derive(Debug)]
struct Rejects {
    reported: Vec<RowError>,
    total: u64,
    file: Option<(PathBuf, csv::Writer<BufWriter<File>>)>,
}

impl Rejects {
    fn add(&mut self, file: &str, kind: &str, line: u64, errors: Vec<FieldError>, record: &str) -> Result<()> {
        self.total += 1;
        if let Some((path, writer)) = &mut self.file {
            for error in &errors {
                let line_text = line.to_string();
                writer
                    .write_record([file, line_text.as_str(), kind, &error.column, &error.value, &error.reason, record])
                    .map_err(|source| Error::Csv { path: path.clone(), source })?;
            }
        }
        for error in errors {
            if self.reported.len() < MAX_REPORTED_ERRORS {
                self.reported.push(RowError { file: file.to_owned(), line, error });
            }
        }
        Ok(())
    }
}

/// Imports `sources` into `store`. The caller holds `lock` for the duration.
pub fn import(store: &mut Store, lock: &WriteLock, sources: &[Source], options: ImportOptions) -> Result<Report> {
    let names: Vec<String> = sources.iter().map(Source::display_name).collect();
    let total_bytes =
        sources.iter().map(|source| fs::metadata(&source.path).map_or(0, |metadata| metadata.len())).sum();
    let rejects_dir = store.rejects_dir();
    let tracker = Tracker::new(options.progress, total_bytes);
    let mut rows_read = 0u64;
    let mut transaction = store.begin_import(lock, options.mode, &names)?;
    let import_id = transaction.import_id();
    let mut rejects = Rejects { reported: Vec::new(), total: 0, file: None };
    if options.mode == ImportMode::SkipInvalid {
        fs::create_dir_all(&rejects_dir).map_err(|source| Error::Io { path: rejects_dir.clone(), source })?;
        let path = rejects_dir.join(format!("import-{import_id}.csv.partial"));
        let file = File::create(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        let mut writer = csv::Writer::from_writer(BufWriter::new(file));
        writer
            .write_record(["file", "line", "kind", "column", "value", "reason", "record"])
            .map_err(|source| Error::Csv { path: path.clone(), source })?;
        rejects.file = Some((path, writer));
    }

    let config = transaction.config().clone();
    for (file_index, source) in sources.iter().enumerate() {
        let name = &names[file_index];
        let kind = source.kind.name();
        let on_row = |line: u64, row: Row| -> Result<()> {
            rows_read += 1;
            tracker.row(rows_read);
            match row {
                Row::Valid(record) => match transaction.stage(&record, file_index, line)? {
                    Staged::Accepted => Ok(()),
                    Staged::Duplicate { file_index: first_file, line: first_line } => {
                        let error = duplicate_error(&record, &names, file_index, first_file, first_line);
                        rejects.add(name, kind, line, vec![error], &record_json(&record))
                    }
                },
                Row::Invalid(errors, raw) => rejects.add(name, kind, line, errors, &raw),
            }
        };
        read_source(source, &tracker, &config, on_row)?;
    }

    tracker.phase(Phase::Checking);
    loop {
        let found = transaction.check()?;
        if found.is_empty() {
            break;
        }
        for reject in &found {
            rejects.add(
                &names[reject.file_index],
                reject.kind.name(),
                reject.line,
                vec![reject.error.clone()],
                &reject.record,
            )?;
        }
        if options.mode == ImportMode::AllOrNothing {
            break;
        }
        // Removing a row can orphan rows that reference it, so check again until nothing changes.
        transaction.discard(&found)?;
    }
    rejects.reported.sort_by(|left, right| {
        (names.iter().position(|name| *name == left.file), left.line)
            .cmp(&(names.iter().position(|name| *name == right.file), right.line))
    });

    if options.mode == ImportMode::AllOrNothing && rejects.total > 0 {
        drop(transaction);
        tracker.finish();
        store.record_rejected_import(lock, options.mode, &names, rows_read, rejects.total, &[])?;
        return Err(Error::Rejected { errors: rejects.reported, total: rejects.total });
    }

    let final_rejects_path = match rejects.file.take() {
        Some((path, writer)) => {
            let file =
                writer.into_inner().map_err(|error| Error::Io { path: path.clone(), source: error.into_error() })?;
            file.into_inner()
                .map_err(|error| Error::Io { path: path.clone(), source: error.into_error() })?
                .sync_all()
                .map_err(|source| Error::Io { path: path.clone(), source })?;
            if rejects.total > 0 {
                Some((path.clone(), path.with_extension("")))
            } else {
                fs::remove_file(&path).map_err(|source| Error::Io { path, source })?;
                None
            }
        }
        None => None,
    };
    tracker.phase(Phase::Writing);
    let rejects_name = final_rejects_path.as_ref().map(|(_, path)| path.display().to_string());
    let outcome = transaction.commit(rows_read, rejects.total, rejects_name.as_deref(), |_| Vec::new())?;
    if let Some((partial, path)) = &final_rejects_path {
        fs::rename(partial, path).map_err(|source| Error::Io { path: path.clone(), source })?;
    }
    tracker.finish();
    Ok(Report {
        outcome,
        rows_read,
        rows_rejected: rejects.total,
        rejected: rejects.reported,
        rejects_file: final_rejects_path.map(|(_, path)| path),
    })
}

/// What became of one source of [`import_each`].
#[derive(Debug)]
pub enum SourceOutcome {
    /// Every record was written (or found unchanged) by import `import_id`.
    Written { import_id: i64, rows_read: u64, counts: Counts },
    /// Nothing of the source was written: `Error::Rejected` with its located errors, or the
    /// error that stopped it from being read (`Error::Csv`, `Error::Io`).
    Refused(Error),
}

/// Makes the audit entries of a group's outcomes, each given with its source's index.
pub type AuditEntries<'a> = dyn FnMut(&[(usize, &SourceOutcome)]) -> Vec<AuditRecord> + 'a;

/// How one source of a group stands while the group is staged.
#[derive(Debug)]
enum Standing {
    Good,
    Refused(Error),
    /// A record has the identity of one staged from an earlier source of the group: the later
    /// version must win, so the source (and every one after it) waits for the next transaction.
    Deferred,
}

/// Imports several sources, each written whole or not at all independently of the others, in
/// one transaction: many small writes cost one commit. `audit` makes the audit entries written
/// in the same transaction from the outcomes, each with its source's index. A source that
/// repeats a record of an earlier one, and every source after it, goes into a following
/// transaction, so each record ends as the last source to send it has it.
pub fn import_each(
    store: &mut Store,
    lock: &WriteLock,
    sources: &[Source],
    audit: &mut AuditEntries<'_>,
) -> Result<Vec<SourceOutcome>> {
    let mut outcomes: Vec<Option<SourceOutcome>> = (0..sources.len()).map(|_| None).collect();
    let mut first = 0;
    while first < sources.len() {
        let done = import_group(store, lock, &sources[first..], first, audit)?;
        let count = done.len();
        for (index, outcome) in done {
            outcomes[index] = Some(outcome);
        }
        first += count;
    }
    Ok(outcomes.into_iter().map(|outcome| outcome.expect("every source ends written or refused")).collect())
}

/// Imports a prefix of `sources` (at least one) in one transaction; returns the outcomes by
/// index (`offset` + position). The rest were deferred.
fn import_group(
    store: &mut Store,
    lock: &WriteLock,
    sources: &[Source],
    offset: usize,
    audit: &mut AuditEntries<'_>,
) -> Result<Vec<(usize, SourceOutcome)>> {
    let names: Vec<String> = sources.iter().map(Source::display_name).collect();
    let tracker = Tracker::new(Progress::Quiet, 0);
    let mut transaction = store.begin_import(lock, ImportMode::EachFileWhole, &names)?;
    let mut standings: Vec<Standing> = Vec::with_capacity(sources.len());
    let mut rows_read = vec![0u64; sources.len()];
    let config = transaction.config().clone();
    for (file_index, source) in sources.iter().enumerate() {
        if standings.iter().any(|standing| matches!(standing, Standing::Deferred)) {
            standings.push(Standing::Deferred);
            continue;
        }
        let name = &names[file_index];
        let mut errors = Rejects { reported: Vec::new(), total: 0, file: None };
        let mut deferred = false;
        let on_row = |line: u64, row: Row| -> Result<()> {
            rows_read[file_index] += 1;
            if deferred {
                return Ok(());
            }
            match row {
                Row::Valid(record) => match transaction.stage(&record, file_index, line)? {
                    Staged::Accepted => Ok(()),
                    Staged::Duplicate { file_index: first_file, .. } if first_file != file_index => {
                        deferred = true;
                        Ok(())
                    }
                    Staged::Duplicate { file_index: first_file, line: first_line } => {
                        let error = duplicate_error(&record, &names, file_index, first_file, first_line);
                        errors.add(name, source.kind.name(), line, vec![error], "")
                    }
                },
                Row::Invalid(row_errors, _) => errors.add(name, source.kind.name(), line, row_errors, ""),
            }
        };
        let read = read_source(source, &tracker, &config, on_row);
        standings.push(match read {
            Ok(()) if deferred => Standing::Deferred,
            Ok(()) if errors.total > 0 => {
                Standing::Refused(Error::Rejected { errors: errors.reported, total: errors.total })
            }
            Ok(()) => Standing::Good,
            Err(error @ (Error::Csv { .. } | Error::Io { .. })) => Standing::Refused(error),
            Err(error) => return Err(error),
        });
        if deferred {
            transaction.discard_file(source.kind, file_index)?;
        }
    }
    let taken = standings.iter().take_while(|standing| !matches!(standing, Standing::Deferred)).count();
    standings.truncate(taken);
    // The checks across records run with every taken source staged, so a refused source lists
    // all its errors; then refused sources leave, which can orphan records of others: repeat.
    let mut discarded = vec![false; taken];
    loop {
        for reject in transaction.check()? {
            let error = RowError { file: names[reject.file_index].clone(), line: reject.line, error: reject.error };
            match &mut standings[reject.file_index] {
                Standing::Refused(Error::Rejected { errors, total }) => {
                    *total += 1;
                    if errors.len() < MAX_REPORTED_ERRORS {
                        errors.push(error);
                    }
                }
                standing => *standing = Standing::Refused(Error::Rejected { errors: vec![error], total: 1 }),
            }
        }
        let mut changed = false;
        for (index, standing) in standings.iter().enumerate() {
            if !matches!(standing, Standing::Good) && !discarded[index] {
                transaction.discard_file(sources[index].kind, index)?;
                discarded[index] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let rejected_rows: u64 = standings
        .iter()
        .zip(&rows_read)
        .map(|(standing, rows)| match standing {
            Standing::Refused(Error::Rejected { total, .. }) => *total,
            Standing::Refused(_) => (*rows).max(1),
            _ => 0,
        })
        .sum();
    let taken_rows: u64 = rows_read[..taken].iter().sum();
    let written = standings.iter().any(|standing| matches!(standing, Standing::Good));
    let outcome_of = |standing: Standing, import_id: i64, rows_read: u64, counts: Counts| match standing {
        Standing::Good => SourceOutcome::Written { import_id, rows_read, counts },
        Standing::Refused(error) => SourceOutcome::Refused(error),
        Standing::Deferred => unreachable!("deferred sources are not taken"),
    };
    let mut done: Vec<(usize, SourceOutcome)> = Vec::with_capacity(taken);
    if written {
        if taken < sources.len() {
            transaction.set_files(&names[..taken])?;
        }
        transaction.commit(taken_rows, rejected_rows, None, |outcome| {
            for (index, standing) in standings.into_iter().enumerate() {
                let counts = outcome.files.get(index).copied().unwrap_or_default();
                done.push((offset + index, outcome_of(standing, outcome.import_id, rows_read[index], counts)));
            }
            audit(&entries_of(&done))
        })?;
    } else {
        drop(transaction);
        for (index, standing) in standings.into_iter().enumerate() {
            done.push((offset + index, outcome_of(standing, 0, rows_read[index], Counts::default())));
        }
        let entries = audit(&entries_of(&done));
        store.record_rejected_import(
            lock,
            ImportMode::EachFileWhole,
            &names[..taken],
            taken_rows,
            rejected_rows,
            &entries,
        )?;
    }
    Ok(done)
}

/// Reads one source, handing each row to `on_row`.
fn read_source(
    source: &Source,
    tracker: &Tracker,
    config: &pulse_model::Config,
    on_row: impl FnMut(u64, Row) -> Result<()>,
) -> Result<()> {
    let file = File::open(&source.path).map_err(|error| Error::Io { path: source.path.clone(), source: error })?;
    let input = tracker.reader(file);
    match source.format {
        Format::Csv => read_csv(source, input, config, on_row),
        Format::JsonLines => read_json_lines(source, input, config, on_row),
    }
}

fn duplicate_error(
    record: &pulse_model::Record,
    names: &[String],
    file_index: usize,
    first_file: usize,
    first_line: u64,
) -> FieldError {
    let first = if first_file == file_index {
        format!("line {first_line}")
    } else {
        format!("{}:{first_line}", names[first_file])
    };
    FieldError::new(
        record.kind().identity().join("/"),
        record.identity_text(),
        format!("has the same identity as {first} of this import"),
    )
}

fn record_json(record: &pulse_model::Record) -> String {
    let object: serde_json::Map<String, serde_json::Value> = record
        .kind()
        .columns()
        .iter()
        .zip(record.values())
        .map(|(column, value)| {
            let json = match value {
                pulse_model::Value::Null => serde_json::Value::Null,
                pulse_model::Value::Int(number) if column.column_type == pulse_model::ColumnType::Timestamp => {
                    serde_json::Value::from(pulse_model::Timestamp::from_micros(number).to_rfc3339())
                }
                pulse_model::Value::Int(number) => serde_json::Value::from(number),
                pulse_model::Value::Real(number) => serde_json::Value::from(number),
                pulse_model::Value::Text(text) => serde_json::Value::from(text.into_owned()),
            };
            (column.name.to_owned(), json)
        })
        .collect();
    serde_json::Value::Object(object).to_string()
}

fn entries_of(done: &[(usize, SourceOutcome)]) -> Vec<(usize, &SourceOutcome)> {
    done.iter().map(|(index, outcome)| (*index, outcome)).collect()
}
