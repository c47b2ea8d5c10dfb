//! A columnar copy of the store's current records beside the database (`DIR/snapshot/`), so a
//! report does not re-read SQLite: one Arrow IPC file per kind, written for one data version
//! and reused until an import changes the data. It is a cache: a missing, partial or outdated
//! snapshot is rebuilt from the store, and failing to write one only costs the next report time.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;
use pulse_model::Kind;
use pulse_store::Store;

use crate::error::Result;
use crate::tables::{self, Tables};

const DIR: &str = "snapshot";

/// The store's current records, from the snapshot of the current data version when there is
/// one, else from the store (then written as the new snapshot). The version and the records are
/// read in one transaction, so they match even while an import commits.
pub(crate) fn load(store: &Store, partitions: usize) -> Result<(i64, Tables)> {
    store.read_consistent(|store| {
        let version = store.data_version()?;
        let root = store.dir().join(DIR);
        let dir = root.join(format!("version-{version}"));
        if let Some(tables) = read(&dir, partitions) {
            return Ok((version, tables));
        }
        let tables = tables::load(store, partitions, None)?;
        if write(&root, &dir, &tables).is_ok() {
            remove_others(&root, &dir);
        }
        Ok((version, tables))
    })
}

/// The snapshot in `dir`, if it is complete and has the current table layout. The files are
/// read by two threads, each taking every other kind.
fn read(dir: &Path, partitions: usize) -> Option<Tables> {
    const READERS: usize = 2;
    let halves: Vec<Option<Tables>> = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..READERS)
            .map(|reader| {
                scope.spawn(move || {
                    Kind::ALL
                        .iter()
                        .skip(reader)
                        .step_by(READERS)
                        .map(|kind| Some((*kind, read_table(dir, *kind, partitions)?)))
                        .collect::<Option<Tables>>()
                })
            })
            .collect();
        readers.into_iter().map(|reader| reader.join().ok().flatten()).collect()
    });
    let mut tables: Tables = halves.into_iter().collect::<Option<Vec<Tables>>>()?.into_iter().flatten().collect();
    tables.sort_by_key(|(kind, _)| Kind::ALL.iter().position(|known| known == kind));
    Some(tables)
}

/// One kind's file, its batches dealt round-robin into `partitions`.
fn read_table(
    dir: &Path,
    kind: Kind,
    partitions: usize,
) -> Option<Vec<Vec<datafusion::arrow::record_batch::RecordBatch>>> {
    let file = File::open(dir.join(file_name(kind))).ok()?;
    let reader = FileReader::try_new(BufReader::with_capacity(1 << 20, file), None).ok()?;
    if reader.schema() != tables::schema(kind) {
        return None;
    }
    let mut batches = vec![Vec::new(); partitions.max(1)];
    let count = batches.len();
    for (index, batch) in reader.enumerate() {
        batches[index % count].push(batch.ok()?);
    }
    Some(batches)
}

fn write(root: &Path, dir: &Path, tables: &Tables) -> std::io::Result<()> {
    fs::create_dir_all(root)?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let staging = root.join(format!("tmp-{}-{nanos}", std::process::id()));
    fs::create_dir(&staging)?;
    let written = write_files(&staging, tables).and_then(|()| fs::rename(&staging, dir));
    if written.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    written
}

fn write_files(staging: &Path, tables: &Tables) -> std::io::Result<()> {
    for (kind, partitions) in tables {
        let file = BufWriter::with_capacity(1 << 20, File::create(staging.join(file_name(*kind)))?);
        let mut writer = FileWriter::try_new(file, &tables::schema(*kind)).map_err(std::io::Error::other)?;
        for batch in partitions.iter().flatten() {
            writer.write(batch).map_err(std::io::Error::other)?;
        }
        writer.finish().map_err(std::io::Error::other)?;
        writer
            .into_inner()
            .map_err(std::io::Error::other)?
            .into_inner()
            .map_err(|error| error.into_error())?
            .sync_all()?;
    }
    Ok(())
}

/// Removes older snapshots (and staging directories left by interrupted writers).
fn remove_others(root: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(root) else { return };
    let stale: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).filter(|path| path != keep).collect();
    for path in stale {
        let _ = fs::remove_dir_all(path);
    }
}

fn file_name(kind: Kind) -> String {
    format!("{}.arrow", kind.name())
}
