//! Integration tests of the importer against a real store in a temporary directory.

mod each;
mod formats;
mod kinds;
mod modes;

use std::path::PathBuf;

use pulse_import::{Error, ImportOptions, Progress, Report, resolve_sources};
use pulse_store::{ImportMode, Store};
use tempfile::TempDir;

/// A data directory with the default configuration (UTC, the example pipeline) and a few base
/// records that the rows under test may reference.
struct Workspace {
    dir: TempDir,
    store: Store,
}

const BASE: &[(&str, &str)] = &[
    ("customers.csv", "customer_id,name,created_at\nc1,Ann,2023-06-01\nc2,Bob,2023-06-02\n"),
    ("users.csv", "user_id,name,created_at\nu1,Rita,2023-01-01\n"),
    ("campaigns.csv", "campaign_id,name,channel,started_at\nk1,Launch,email,2023-01-01\n"),
    ("leads.csv", "lead_id,created_at,owner\nl1,2023-12-01,u1\n"),
    (
        "deals.csv",
        "deal_id,customer_id,created_at,amount,status,closed_at\nd1,c1,2024-01-01,100,open,\nd2,c1,2024-01-01,100,won,2024-02-01\n",
    ),
    ("subscriptions.csv", "subscription_id,customer_id,started_at,ended_at,mrr\ns1,c1,2024-01-01,2024-06-01,50\n"),
];

impl Workspace {
    fn new() -> Workspace {
        Self::with_config(None)
    }

    fn with_config(config: Option<&str>) -> Workspace {
        let dir = TempDir::new().unwrap();
        if let Some(config) = config {
            std::fs::write(dir.path().join("pulse.toml"), config).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let mut workspace = Workspace { dir, store };
        workspace.import(BASE, ImportMode::AllOrNothing).expect("the base records import");
        workspace
    }

    fn empty() -> Workspace {
        let dir = TempDir::new().unwrap();
        let store = Store::open(dir.path()).unwrap();
        Workspace { dir, store }
    }

    /// Writes the files into a fresh sub-directory and imports them.
    fn import(&mut self, files: &[(&str, &str)], mode: ImportMode) -> Result<Report, Error> {
        let input = self
            .dir
            .path()
            .join(format!("input-{}", self.store.imports(1).unwrap().first().map_or(0, |log| log.id) + 1));
        std::fs::create_dir_all(&input).unwrap();
        let paths: Vec<PathBuf> = files
            .iter()
            .map(|(name, text)| {
                let path = input.join(name);
                std::fs::write(&path, text).unwrap();
                path
            })
            .collect();
        let sources = resolve_sources(&paths, None)?;
        let lock = self.store.try_write_lock().unwrap().unwrap();
        pulse_import::import(&mut self.store, &lock, &sources, ImportOptions { mode, progress: Progress::Quiet })
    }

    fn count(&self, kind: &str) -> u64 {
        self.store.counts().unwrap().into_iter().find(|(found, _)| found.name() == kind).unwrap().1
    }
}

/// The errors of an import as printed, with the directory part of the file names removed.
fn messages(result: &Result<Report, Error>) -> Vec<String> {
    let errors = match result {
        Ok(report) => report.rejected.clone(),
        Err(Error::Rejected { errors, .. }) => errors.clone(),
        Err(other) => panic!("unexpected error: {other}"),
    };
    errors
        .into_iter()
        .map(|mut error| {
            error.file = PathBuf::from(&error.file).file_name().unwrap().to_string_lossy().into_owned();
            error.to_string()
        })
        .collect()
}
