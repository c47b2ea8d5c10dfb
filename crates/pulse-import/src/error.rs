//! Errors of an import.

use std::path::PathBuf;

use crate::RowError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error(
        "{path}: cannot tell the kind of records from the file name; name it <kind>.csv or .jsonl (one of: {kinds}) or pass --kind"
    )]
    UnknownKind { path: PathBuf, kinds: String },
    #[error("{path}: only .csv and .jsonl files can be imported")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: no <kind>.csv or <kind>.jsonl files in this directory")]
    EmptyDirectory { path: PathBuf },
    #[error("import rejected, nothing was written: {total} invalid {rows}", rows = if *total == 1 { "row" } else { "rows" })]
    Rejected { errors: Vec<RowError>, total: u64 },
    #[error(transparent)]
    Store(#[from] pulse_store::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
