//! Pulse's store of record: one data directory holding `pulse.toml` and a SQLite database
//! (`pulse.db`, WAL mode, `synchronous = FULL`). Records are kept per kind with every replaced
//! version in history; imports are staged, checked across records and merged in one
//! transaction, so an import is written whole or not at all, whatever happens to the process.

mod access;
mod error;
mod import;
mod schema;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use pulse_model::{Config, DEFAULT_CONFIG_TOML, Kind};
use rusqlite::{Connection, OptionalExtension};

pub use access::{Account, AuditEntry, Role};
pub use error::{Error, Result};
pub use import::{AuditRecord, Counts, ImportMode, ImportTransaction, KindOutcome, Outcome, Reject, Staged};

const DATABASE_FILE: &str = "pulse.db";
const CONFIG_FILE: &str = "pulse.toml";
const LOCK_FILE: &str = "pulse.lock";

/// An open data directory.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    config: Config,
    connection: Connection,
}

/// One recorded import, for `pulse status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLog {
    pub id: i64,
    pub started_at_micros: i64,
    pub status: String,
    pub mode: String,
    pub files: Vec<String>,
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub rows_inserted: u64,
    pub rows_updated: u64,
    pub rows_unchanged: u64,
    pub rejects_file: Option<String>,
}

/// One stored value as [`Store::scan`] hands it out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StoredValue<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

/// Exclusive right to write the data directory, held until dropped.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

impl Store {
    /// Opens (creating if needed) a data directory: writes `pulse.toml` with defaults when it is
    /// missing, validates it, opens the database and applies migrations.
    pub fn open(dir: &Path) -> Result<Store> {
        fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        let config_path = dir.join(CONFIG_FILE);
        if !config_path.exists() {
            fs::write(&config_path, DEFAULT_CONFIG_TOML)
                .map_err(|source| Error::Io { path: config_path.clone(), source })?;
        }
        let text =
            fs::read_to_string(&config_path).map_err(|source| Error::Io { path: config_path.clone(), source })?;
        let config = Config::parse(&text)
            .map_err(|error| Error::Config { path: config_path.clone(), message: error.to_string() })?;
        let database_path = dir.join(DATABASE_FILE);
        let mut connection = Connection::open(&database_path)?;
        connection.busy_timeout(std::time::Duration::from_secs(30))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "cache_size", -262_144)?;
        connection.pragma_update(None, "temp_store", "FILE")?;
        schema::migrate(&mut connection, &database_path)?;
        let store = Store { dir: dir.to_owned(), config, connection };
        store.check_timezone(&config_path)?;
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn database_path(&self) -> PathBuf {
        self.dir.join(DATABASE_FILE)
    }

    /// The directory where `--skip-invalid` imports write their rejects.
    pub fn rejects_dir(&self) -> PathBuf {
        self.dir.join("rejects")
    }

    /// Takes the write lock if it is free.
    pub fn try_write_lock(&self) -> Result<Option<WriteLock>> {
        let file = self.lock_file()?;
        match file.try_lock() {
            Ok(()) => Ok(Some(WriteLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(source)) => Err(Error::Io { path: self.dir.join(LOCK_FILE), source }),
        }
    }

    /// Waits for the write lock.
    pub fn write_lock(&self) -> Result<WriteLock> {
        let file = self.lock_file()?;
        file.lock().map_err(|source| Error::Io { path: self.dir.join(LOCK_FILE), source })?;
        Ok(WriteLock { _file: file })
    }

    fn lock_file(&self) -> Result<File> {
        let path = self.dir.join(LOCK_FILE);
        File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| Error::Io { path, source })
    }

    /// Starts an import. The caller must hold the write lock for the whole import.
    pub fn begin_import(
        &mut self,
        _lock: &WriteLock,
        mode: ImportMode,
        files: &[String],
    ) -> Result<ImportTransaction<'_>> {
        ImportTransaction::begin(&mut self.connection, &self.config, mode, files)
    }

    /// Records an import that was rejected as a whole (nothing of it was written), with the
    /// audit entries that tell of it, in one transaction.
    pub fn record_rejected_import(
        &mut self,
        _lock: &WriteLock,
        mode: ImportMode,
        files: &[String],
        rows_read: u64,
        rows_rejected: u64,
        audit: &[AuditRecord],
    ) -> Result<i64> {
        let transaction = self.connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        transaction.execute(
            "INSERT INTO imports (started_at, finished_at, status, mode, files, rows_read, rows_rejected) VALUES (?1, ?1, 'rejected', ?2, ?3, ?4, ?5)",
            rusqlite::params![now_micros(), mode.as_str(), files_json(files), rows_read, rows_rejected],
        )?;
        let id = transaction.last_insert_rowid();
        for entry in audit {
            access::insert_audit(&transaction, &entry.actor, &entry.action, &entry.details)?;
        }
        transaction.commit()?;
        Ok(id)
    }

    /// The number of current records of each kind.
    pub fn counts(&self) -> Result<Vec<(Kind, u64)>> {
        Kind::ALL
            .iter()
            .map(|kind| {
                let count: u64 =
                    self.connection
                        .query_row(&format!("SELECT count(*) FROM {}", kind.name()), [], |row| row.get(0))?;
                Ok((*kind, count))
            })
            .collect()
    }

    /// The names of the stored columns of a kind, in the order [`Store::scan`] hands them out:
    /// the declared columns, then `attributes` (a JSON object) for kinds that have them.
    pub fn stored_columns(kind: Kind) -> Vec<&'static str> {
        schema::stored_columns(kind).into_iter().map(|(name, _)| name).collect()
    }

    /// Calls `visit` with the values of every record of `kind`, in identity order: the current
    /// versions, or with `as_of` the versions that were current right after that import (records
    /// first imported later are left out).
    pub fn scan(&self, kind: Kind, as_of: Option<i64>, mut visit: impl FnMut(&[StoredValue<'_>])) -> Result<()> {
        let columns = schema::stored_columns(kind);
        let names: Vec<String> = columns.iter().map(|(name, _)| schema::quoted(name)).collect();
        let names = names.join(", ");
        let table = kind.name();
        let sql = match as_of {
            None => format!("SELECT {names} FROM {table} ORDER BY key"),
            Some(_) => format!(
                "SELECT {names} FROM (SELECT key, {names} FROM {table} WHERE import_id <= ?1
                 UNION ALL SELECT key, {names} FROM {table}_history WHERE import_id <= ?1 AND superseded_by > ?1)
                 ORDER BY key"
            ),
        };
        let mut statement = self.connection.prepare(&sql)?;
        let mut rows = match as_of {
            None => statement.query([])?,
            Some(version) => statement.query([version])?,
        };
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns.len());
            for index in 0..columns.len() {
                values.push(match row.get_ref(index)? {
                    rusqlite::types::ValueRef::Null => StoredValue::Null,
                    rusqlite::types::ValueRef::Integer(number) => StoredValue::Int(number),
                    rusqlite::types::ValueRef::Real(number) => StoredValue::Real(number),
                    rusqlite::types::ValueRef::Text(text) | rusqlite::types::ValueRef::Blob(text) => {
                        StoredValue::Text(std::str::from_utf8(text).unwrap_or_default())
                    }
                });
            }
            visit(&values);
        }
        Ok(())
    }

    /// Runs `read` inside one read transaction, so everything it reads comes from the same
    /// committed state even while an import commits.
    pub fn read_consistent<T, E: From<Error>>(
        &self,
        read: impl FnOnce(&Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let transaction = self.connection.unchecked_transaction().map_err(Error::from)?;
        let value = read(self)?;
        transaction.commit().map_err(Error::from)?;
        Ok(value)
    }

    /// The data version (see [`Store::data_version`]) that was current at an instant: the
    /// latest import that wrote records and had finished by then; `None` before the first.
    pub fn version_at(&self, micros: i64) -> Result<Option<i64>> {
        Ok(self.connection.query_row(
            "SELECT max(id) FROM imports WHERE status = 'done' AND finished_at <= ?1",
            [micros],
            |row| row.get(0),
        )?)
    }

    /// The id of the latest import that wrote records: it changes whenever the data does.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .connection
            .query_row("SELECT coalesce(max(id), 0) FROM imports WHERE status = 'done'", [], |row| row.get(0))?)
    }

    /// The number of replaced versions kept in history for a kind.
    pub fn history_count(&self, kind: Kind) -> Result<u64> {
        Ok(self.connection.query_row(&format!("SELECT count(*) FROM {}_history", kind.name()), [], |row| row.get(0))?)
    }

    /// Every stored version of a record, oldest first: `(import_id, superseded_by, values as JSON)`.
    pub fn versions(&self, kind: Kind, key: &str) -> Result<Vec<(i64, Option<i64>, String)>> {
        let object = schema::json_object_sql(kind, "");
        let table = kind.name();
        let mut statement = self.connection.prepare(&format!(
            "SELECT import_id, superseded_by, {object} FROM {table}_history WHERE key = ?1
             UNION ALL SELECT import_id, NULL, {object} FROM {table} WHERE key = ?1
             ORDER BY 1"
        ))?;
        let rows = statement.query_map([key], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The latest imports, newest first.
    pub fn imports(&self, limit: usize) -> Result<Vec<ImportLog>> {
        let mut statement = self.connection.prepare(
            "SELECT id, started_at, status, mode, files, rows_read, rows_rejected, rows_inserted, rows_updated, rows_unchanged, rejects_file
             FROM imports ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = statement.query_map([limit as i64], |row| {
            let files: String = row.get(4)?;
            Ok(ImportLog {
                id: row.get(0)?,
                started_at_micros: row.get(1)?,
                status: row.get(2)?,
                mode: row.get(3)?,
                files: serde_json::from_str(&files).unwrap_or_default(),
                rows_read: row.get(5)?,
                rows_rejected: row.get(6)?,
                rows_inserted: row.get(7)?,
                rows_updated: row.get(8)?,
                rows_unchanged: row.get(9)?,
                rejects_file: row.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Bytes on disk of the database and its write-ahead log.
    pub fn size_bytes(&self) -> u64 {
        ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| fs::metadata(self.dir.join(format!("{DATABASE_FILE}{suffix}"))).ok())
            .map(|metadata| metadata.len())
            .sum()
    }

    /// Runs SQLite's own consistency check; `ok` when the database is sound.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.connection.query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }

    fn check_timezone(&self, config_path: &Path) -> Result<()> {
        let stored: Option<String> = self
            .connection
            .query_row("SELECT value FROM workspace WHERE name = 'timezone'", [], |row| row.get(0))
            .optional()?;
        let configured = self.config.timezone.to_string();
        match stored {
            Some(stored) if stored != configured => {
                let any_records = self.counts()?.iter().any(|(_, count)| *count > 0);
                if any_records {
                    return Err(Error::TimezoneChanged { path: config_path.to_owned(), configured, stored });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_micros() as i64)
}

fn files_json(files: &[String]) -> String {
    serde_json::Value::from(files.to_vec()).to_string()
}
