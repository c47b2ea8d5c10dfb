//! Errors of demo data generation: bad options, or a file that could not be written.

use std::path::PathBuf;

/// Why a demo data set could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scale is zero, negative or not a number.
    #[error("scale must be a positive number, got {scale}")]
    InvalidScale { scale: f64 },
    /// Deals need at least one pipeline stage to move through.
    #[error("the pipeline needs at least one stage")]
    EmptyPipeline,
    /// Creating the output directory or a file in it, or flushing a file, failed.
    #[error("cannot write {}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// Writing a CSV record failed.
    #[error("cannot write a record to {}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
