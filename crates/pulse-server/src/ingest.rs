//! `POST /api/v1/records/{kind}`: a request body (CSV, NDJSON or a JSON array) staged as a file
//! and run through the importer, so the API has exactly the CLI's validation and
//! all-or-nothing semantics.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
use axum::http::StatusCode;
use pulse_import::{Format, ImportOptions, Progress, RowError, Source, SourceOutcome};
use pulse_model::Kind;
use pulse_store::{AuditRecord, Counts, ImportMode, Store};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::error::{ApiError, Detail};

/// The body's format, from its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFormat {
    Csv,
    NdJson,
    JsonArray,
}

impl BodyFormat {
    pub(crate) fn of(content_type: Option<&str>, body: &[u8]) -> Result<BodyFormat, ApiError> {
        let essence =
            content_type.unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" => Ok(BodyFormat::Csv),
            "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" => Ok(BodyFormat::NdJson),
            "application/json" => {
                let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
                Ok(if first == Some(&b'[') { BodyFormat::JsonArray } else { BodyFormat::NdJson })
            }
            _ => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send text/csv, application/x-ndjson or application/json (an array of records)",
            )),
        }
    }
}

/// What an accepted import did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct IngestResult {
    /// The import's number (`data_version` of the reports that include it).
    pub import_id: i64,
    pub kind: String,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// The first rejected records, with `skip_invalid=true`.
    pub rejects: Vec<Detail>,
}

fn details(errors: &[RowError]) -> Vec<Detail> {
    errors
        .iter()
        .map(|error| Detail {
            line: error.line,
            column: error.error.column.clone(),
            value: error.error.value.clone(),
            reason: error.error.reason.clone(),
        })
        .collect()
}

/// Rewrites a JSON array body as NDJSON, one element per line, so element `n` is line `n`.
fn array_to_lines(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let records: Vec<serde_json::Value> = serde_json::from_slice(body).map_err(|error| {
        let mut failure = ApiError::bad_request(format!("the body is not a JSON array of records: {error}"));
        failure.code = "invalid_json";
        failure
    })?;
    let mut lines = Vec::with_capacity(body.len());
    for record in records {
        serde_json::to_writer(&mut lines, &record).map_err(ApiError::internal)?;
        lines.push(b'\n');
    }
    Ok(lines)
}

/// One request's records waiting for the writer.
#[derive(Debug)]
pub(crate) struct Write {
    pub(crate) kind: Kind,
    pub(crate) format: BodyFormat,
    pub(crate) body: Bytes,
    pub(crate) skip_invalid: bool,
    /// The account that sent it, for the audit log.
    pub(crate) actor: String,
    pub(crate) reply: oneshot::Sender<Result<IngestResult, ApiError>>,
}

/// What the writer thread is asked to do.
#[derive(Debug)]
pub(crate) enum Job {
    Write(Write),
    /// Finish the writes queued before this and stop.
    Stop,
}

/// The most writes committed together, and the most bytes of request bodies among them.
const MAX_GROUP_WRITES: usize = 512;
const MAX_GROUP_BYTES: usize = 64 << 20;

/// The writer: takes writes in arrival order and commits the all-or-nothing ones that are
/// waiting together, in one transaction (each request still written whole or not at all, and
/// answered only after the commit). `skip_invalid` writes are imported one at a time.
pub(crate) fn run_writer(mut store: Store, uploads: PathBuf, mut jobs: mpsc::Receiver<Job>) {
    let mut held: Option<Write> = None;
    loop {
        let first = match held.take() {
            Some(write) => write,
            None => match jobs.blocking_recv() {
                Some(Job::Write(write)) => write,
                Some(Job::Stop) | None => return,
            },
        };
        if first.skip_invalid {
            write_alone(&mut store, &uploads, first);
            continue;
        }
        let mut group = vec![first];
        let mut bytes = group[0].body.len();
        let mut stop = false;
        while group.len() < MAX_GROUP_WRITES && bytes < MAX_GROUP_BYTES {
            match jobs.try_recv() {
                Ok(Job::Write(write)) if write.skip_invalid => {
                    held = Some(write);
                    break;
                }
                Ok(Job::Write(write)) => {
                    bytes += write.body.len();
                    group.push(write);
                }
                Ok(Job::Stop) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        // A held `skip_invalid` write is taken first in the next round; a stop ends the round
        // before any write is held.
        write_group(&mut store, &uploads, group);
        if stop {
            return;
        }
    }
}

/// Stages a body as a file in `uploads/` for the importer.
fn stage_body(uploads: &Path, write: &Write) -> Result<Source, ApiError> {
    std::fs::create_dir_all(uploads).map_err(ApiError::internal)?;
    let (extension, bytes) = match write.format {
        BodyFormat::Csv => ("csv", std::borrow::Cow::Borrowed(&write.body[..])),
        BodyFormat::NdJson => ("jsonl", std::borrow::Cow::Borrowed(&write.body[..])),
        BodyFormat::JsonArray => ("jsonl", std::borrow::Cow::Owned(array_to_lines(&write.body)?)),
    };
    let path = uploads.join(format!("{}-{}.{extension}", write.kind.name(), crate::auth::random_hex(8)));
    let written = std::fs::File::create(&path).and_then(|mut file| file.write_all(&bytes));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&path);
        return Err(ApiError::internal(error));
    }
    let format = if extension == "csv" { Format::Csv } else { Format::JsonLines };
    Ok(Source { path, kind: write.kind, format })
}

/// What the audit log says of a write: its counts, or the code it was refused with.
fn audit_details(kind: Kind, result: Result<(i64, u64, Counts, u64), &str>) -> serde_json::Value {
    match result {
        Ok((import_id, rows, counts, rejected)) => serde_json::json!({ "kind": kind.name(), "import_id": import_id,
            "rows": rows, "inserted": counts.inserted, "updated": counts.updated, "rejected": rejected }),
        Err(code) => serde_json::json!({ "kind": kind.name(), "refused": code }),
    }
}

/// Audits a write that was answered outside a group commit, then answers it.
fn audit_and_answer(store: &Store, write: Write, result: Result<IngestResult, ApiError>) {
    let summary = match &result {
        Ok(done) => Ok((
            done.import_id,
            done.rows_read,
            Counts { inserted: done.inserted, updated: done.updated, unchanged: done.unchanged },
            done.rejected,
        )),
        Err(error) => Err(error.code),
    };
    let answer = match store.audit(&write.actor, "import", &audit_details(write.kind, summary)) {
        Ok(()) => result,
        Err(failure) => Err(ApiError::from(failure)),
    };
    let _ = write.reply.send(answer);
}

fn result_of(kind: Kind, outcome: SourceOutcome) -> Result<IngestResult, ApiError> {
    match outcome {
        SourceOutcome::Written { import_id, rows_read, counts } => Ok(IngestResult {
            import_id,
            kind: kind.name().to_owned(),
            rows_read,
            inserted: counts.inserted,
            updated: counts.updated,
            unchanged: counts.unchanged,
            rejected: 0,
            rejects: Vec::new(),
        }),
        SourceOutcome::Refused(error) => Err(import_error(&error)),
    }
}

/// Commits a group of all-or-nothing writes in one transaction.
fn write_group(store: &mut Store, uploads: &Path, group: Vec<Write>) {
    let mut members = Vec::with_capacity(group.len());
    let mut sources = Vec::with_capacity(group.len());
    for write in group {
        match stage_body(uploads, &write) {
            Ok(source) => {
                sources.push(source);
                members.push(write);
            }
            Err(error) => audit_and_answer(store, write, Err(error)),
        }
    }
    if members.is_empty() {
        return;
    }
    let outcome = store.write_lock().map_err(pulse_import::Error::from).and_then(|lock| {
        let mut audit = |entries: &[(usize, &SourceOutcome)]| -> Vec<AuditRecord> {
            entries
                .iter()
                .map(|(index, outcome)| {
                    let kind = members[*index].kind;
                    let details = audit_details(
                        kind,
                        match outcome {
                            SourceOutcome::Written { import_id, rows_read, counts } => {
                                Ok((*import_id, *rows_read, *counts, 0))
                            }
                            SourceOutcome::Refused(error) => Err(import_error(error).code),
                        },
                    );
                    AuditRecord { actor: members[*index].actor.clone(), action: "import".to_owned(), details }
                })
                .collect()
        };
        pulse_import::import_each(store, &lock, &sources, &mut audit)
    });
    for source in &sources {
        let _ = std::fs::remove_file(&source.path);
    }
    match outcome {
        Ok(outcomes) => {
            for (write, outcome) in members.into_iter().zip(outcomes) {
                let _ = write.reply.send(result_of(write.kind, outcome));
            }
        }
        Err(error) => {
            let message = error.to_string();
            for write in members {
                let _ = write.reply.send(Err(ApiError::internal(&message)));
            }
        }
    }
}

/// Imports a `skip_invalid` write on its own: its valid records are written, the rest listed.
fn write_alone(store: &mut Store, uploads: &Path, write: Write) {
    let source = match stage_body(uploads, &write) {
        Ok(source) => source,
        Err(error) => return audit_and_answer(store, write, Err(error)),
    };
    let options = ImportOptions { mode: ImportMode::SkipInvalid, progress: Progress::Quiet };
    let outcome = store.write_lock().map_err(ApiError::from).and_then(|lock| {
        pulse_import::import(store, &lock, std::slice::from_ref(&source), options).map_err(|error| import_error(&error))
    });
    let _ = std::fs::remove_file(&source.path);
    let result = outcome.map(|report| {
        let counts = report.outcome.kinds.iter().find(|outcome| outcome.kind == write.kind);
        IngestResult {
            import_id: report.outcome.import_id,
            kind: write.kind.name().to_owned(),
            rows_read: report.rows_read,
            inserted: counts.map_or(0, |counts| counts.inserted),
            updated: counts.map_or(0, |counts| counts.updated),
            unchanged: counts.map_or(0, |counts| counts.unchanged),
            rejected: report.rows_rejected,
            rejects: details(&report.rejected),
        }
    });
    audit_and_answer(store, write, result);
}

fn import_error(error: &pulse_import::Error) -> ApiError {
    match error {
        pulse_import::Error::Rejected { errors, total } => {
            let mut failure = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_records",
                format!(
                    "nothing was written: {total} invalid record{} (send skip_invalid=true to keep the valid ones)",
                    if *total == 1 { "" } else { "s" }
                ),
            );
            failure.details = details(errors);
            failure
        }
        pulse_import::Error::Csv { source, .. } => {
            let mut failure = ApiError::bad_request(format!("the CSV body cannot be read: {source}"));
            failure.code = "invalid_csv";
            failure
        }
        other => ApiError::internal(other),
    }
}
