//! `pulse import`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use pulse_import::{Error, ImportOptions, Progress, Report, Source};
use pulse_model::Kind;
use pulse_store::{ImportMode, Store, WriteLock};

/// How many errors of a rejected import are printed; the rest are counted.
const PRINTED_ERRORS: usize = 50;

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// Write the valid rows and keep the invalid ones in a rejects file (default: reject the
    /// whole import on any error)
    #[arg(long)]
    skip_invalid: bool,
    /// The kind of records in the files, when their names do not say it
    #[arg(long, value_parser = parse_kind)]
    kind: Option<Kind>,
    /// Progress on standard error: a bar on a terminal (auto), lines (plain), or none
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    progress: ProgressArg,
    /// Files (`deals.csv`, `orders.jsonl`) or directories of them
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ProgressArg {
    Auto,
    Plain,
    Quiet,
}

impl From<ProgressArg> for Progress {
    fn from(progress: ProgressArg) -> Progress {
        match progress {
            ProgressArg::Auto => Progress::Auto,
            ProgressArg::Plain => Progress::Plain,
            ProgressArg::Quiet => Progress::Quiet,
        }
    }
}

fn parse_kind(name: &str) -> Result<Kind, String> {
    Kind::parse(name).ok_or_else(|| {
        format!(
            "unknown kind {name:?}; one of: {}",
            Kind::ALL.iter().map(|kind| kind.name()).collect::<Vec<_>>().join(", ")
        )
    })
}

pub(crate) fn run(data: &Path, args: ImportArgs) -> Result<ExitCode> {
    let sources = pulse_import::resolve_sources(&args.paths, args.kind)?;
    let mut store = open_store(data)?;
    let lock = write_lock(&store)?;
    let mode = if args.skip_invalid { ImportMode::SkipInvalid } else { ImportMode::AllOrNothing };
    let options = ImportOptions { mode, progress: args.progress.into() };
    match import(&mut store, &lock, &sources, options) {
        Ok(report) => {
            print_report(&report);
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Rejected { errors, total }) => {
            for error in errors.iter().take(PRINTED_ERRORS) {
                eprintln!("{error}");
            }
            if total as usize > PRINTED_ERRORS.min(errors.len()) {
                eprintln!("… and {} more", total as usize - PRINTED_ERRORS.min(errors.len()));
            }
            eprintln!(
                "import rejected, nothing was written: {total} invalid {}. Fix them, or pass --skip-invalid to write the valid rows and keep the rest in a rejects file",
                if total == 1 { "row" } else { "rows" }
            );
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}

pub(crate) fn open_store(data: &Path) -> Result<Store> {
    Store::open(data).with_context(|| format!("opening data directory {}", data.display()))
}

/// Takes the data directory's write lock, saying so when another process holds it.
pub(crate) fn write_lock(store: &Store) -> Result<WriteLock> {
    if let Some(lock) = store.try_write_lock()? {
        return Ok(lock);
    }
    eprintln!("waiting for another pulse process to finish writing {}", store.dir().display());
    Ok(store.write_lock()?)
}

pub(crate) fn import(
    store: &mut Store,
    lock: &WriteLock,
    sources: &[Source],
    options: ImportOptions,
) -> Result<Report, Error> {
    pulse_import::import(store, lock, sources, options)
}

pub(crate) fn print_report(report: &Report) {
    let mut out = String::new();
    for kind in &report.outcome.kinds {
        out.push_str(&format!(
            "{:<22} {:>9} new {:>9} updated {:>9} unchanged\n",
            kind.kind.name(),
            kind.inserted,
            kind.updated,
            kind.unchanged
        ));
    }
    out.push_str(&format!(
        "import {}: {} rows read, {} rejected\n",
        report.outcome.import_id, report.rows_read, report.rows_rejected
    ));
    print!("{out}");
    for error in report.rejected.iter().take(PRINTED_ERRORS) {
        eprintln!("rejected {error}");
    }
    if let Some(path) = &report.rejects_file {
        eprintln!("{} rejected rows written to {}", report.rows_rejected, path.display());
    }
}
