//! Errors of the store.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidAccount(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error(
        "{path}: timezone is {configured} but the stored records were imported in {stored}; the workspace timezone cannot change once records exist"
    )]
    TimezoneChanged { path: PathBuf, configured: String, stored: String },
    #[error("{dir} is being written by another pulse process")]
    Busy { dir: PathBuf },
    #[error(
        "database {path} has schema version {found}, newer than this pulse understands ({supported}); upgrade pulse"
    )]
    SchemaTooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
