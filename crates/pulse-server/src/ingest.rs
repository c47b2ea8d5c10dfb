//! `POST /api/v1/records/{kind}`: a request body (CSV, NDJSON or a JSON array) staged as a file
//! and run through the importer, so the API has exactly the CLI's validation and
//! all-or-nothing semantics.

use std::io::Write;
use std::path::PathBuf;

use axum::http::StatusCode;
use pulse_import::{Format, ImportOptions, Progress, RowError, Source};
use pulse_model::Kind;
use pulse_store::{ImportMode, Store};
use serde::Serialize;

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

/// Imports `body` as records of `kind` into the store (the caller holds the writer).
pub(crate) fn ingest(
    store: &mut Store,
    uploads: PathBuf,
    kind: Kind,
    format: BodyFormat,
    body: &[u8],
    skip_invalid: bool,
) -> Result<IngestResult, ApiError> {
    std::fs::create_dir_all(&uploads).map_err(ApiError::internal)?;
    let (extension, bytes) = match format {
        BodyFormat::Csv => ("csv", std::borrow::Cow::Borrowed(body)),
        BodyFormat::NdJson => ("jsonl", std::borrow::Cow::Borrowed(body)),
        BodyFormat::JsonArray => ("jsonl", std::borrow::Cow::Owned(array_to_lines(body)?)),
    };
    let path = uploads.join(format!("{}-{}.{extension}", kind.name(), crate::auth::random_hex(8)));
    let written = std::fs::File::create(&path).and_then(|mut file| file.write_all(&bytes));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&path);
        return Err(ApiError::internal(error));
    }
    let source =
        Source { path: path.clone(), kind, format: if extension == "csv" { Format::Csv } else { Format::JsonLines } };
    let mode = if skip_invalid { ImportMode::SkipInvalid } else { ImportMode::AllOrNothing };
    let outcome = store.write_lock().map_err(ApiError::from).and_then(|lock| {
        pulse_import::import(store, &lock, &[source], ImportOptions { mode, progress: Progress::Quiet })
            .map_err(import_error)
    });
    let _ = std::fs::remove_file(&path);
    let report = outcome?;
    let counts = report.outcome.kinds.iter().find(|outcome| outcome.kind == kind);
    Ok(IngestResult {
        import_id: report.outcome.import_id,
        kind: kind.name().to_owned(),
        rows_read: report.rows_read,
        inserted: counts.map_or(0, |counts| counts.inserted),
        updated: counts.map_or(0, |counts| counts.updated),
        unchanged: counts.map_or(0, |counts| counts.unchanged),
        rejected: report.rows_rejected,
        rejects: details(&report.rejected),
    })
}

fn import_error(error: pulse_import::Error) -> ApiError {
    match error {
        pulse_import::Error::Rejected { errors, total } => {
            let mut failure = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_records",
                format!(
                    "nothing was written: {total} invalid record{} (send skip_invalid=true to keep the valid ones)",
                    if total == 1 { "" } else { "s" }
                ),
            );
            failure.details = details(&errors);
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
