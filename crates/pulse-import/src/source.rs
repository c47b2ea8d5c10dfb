//! Which files an import reads, of which kind and format.

use std::fs;
use std::path::{Path, PathBuf};

use pulse_model::Kind;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

/// One file to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: PathBuf,
    pub kind: Kind,
    pub format: Format,
}

impl Source {
    /// The name used in messages: the path as the user gave it.
    pub fn display_name(&self) -> String {
        self.path.display().to_string()
    }
}

/// Expands the paths of an import: files as given (kind from the file stem unless `kind` is
/// given), directories as every `<kind>.csv` and `<kind>.jsonl` in them, in kind order so that
/// referenced records come first.
pub fn resolve_sources(paths: &[PathBuf], kind: Option<Kind>) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|source| Error::Io { path: path.clone(), source })?;
        if metadata.is_dir() {
            let mut found = directory_sources(path, kind)?;
            if found.is_empty() {
                return Err(Error::EmptyDirectory { path: path.clone() });
            }
            sources.append(&mut found);
        } else {
            sources.push(file_source(path, kind)?);
        }
    }
    Ok(sources)
}

fn directory_sources(dir: &Path, kind: Option<Kind>) -> Result<Vec<Source>> {
    let entries = fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    let mut sources = Vec::new();
    for entry in entries {
        let path = entry.map_err(|source| Error::Io { path: dir.to_owned(), source })?.path();
        let (Some(stem), Some(format)) = (path.file_stem().and_then(|stem| stem.to_str()), format_of(&path)) else {
            continue;
        };
        if let Some(file_kind) = Kind::parse(stem).filter(|file_kind| kind.is_none_or(|kind| kind == *file_kind)) {
            sources.push(Source { path, kind: file_kind, format });
        }
    }
    sources.sort_by(|left, right| (left.kind, &left.path).cmp(&(right.kind, &right.path)));
    Ok(sources)
}

fn file_source(path: &Path, kind: Option<Kind>) -> Result<Source> {
    let format = format_of(path).ok_or_else(|| Error::UnknownFormat { path: path.to_owned() })?;
    let kind = match kind {
        Some(kind) => kind,
        None => {
            path.file_stem().and_then(|stem| stem.to_str()).and_then(Kind::parse).ok_or_else(|| Error::UnknownKind {
                path: path.to_owned(),
                kinds: Kind::ALL.iter().map(|kind| kind.name()).collect::<Vec<_>>().join(", "),
            })?
        }
    };
    Ok(Source { path: path.to_owned(), kind, format })
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "csv" => Some(Format::Csv),
        "jsonl" | "ndjson" => Some(Format::JsonLines),
        _ => None,
    }
}
