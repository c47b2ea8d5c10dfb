//! Turns CSV and JSON-lines input into parsed records, one physical line number per record.
//! Both formats go through the same header mapping and the same record parser, so a value is
//! judged the same whichever format carries it.

use std::io::{BufRead, BufReader, Read};

use pulse_model::{Attributes, Config, FieldError, Kind, Record};

use crate::error::{Error, Result};
use crate::source::Source;

/// One input row after parsing.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "rows pass one at a time by value; boxing would add an allocation per row"
)]
pub(crate) enum Row {
    Valid(Record),
    /// The row's errors and the row itself as a JSON object (column → cell), for the rejects file.
    Invalid(Vec<FieldError>, String),
}

/// Where each input column goes.
#[derive(Debug)]
enum Slot {
    Column(usize),
    Attribute(String),
    Unknown,
}

#[derive(Debug)]
struct Header {
    kind: Kind,
    names: Vec<String>,
    slots: Vec<Slot>,
}

impl Header {
    /// Maps column names to the kind's columns. For CSV every problem is an error of line 1; for
    /// JSON lines (`strict = false`) unknown keys are the row's errors and missing required
    /// keys are simply empty values.
    fn new(kind: Kind, names: Vec<String>, strict: bool) -> Result<Header, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut slots = Vec::with_capacity(names.len());
        for (index, name) in names.iter().enumerate() {
            if name.is_empty() {
                errors.push(FieldError::new(format!("#{}", index + 1), "", "has no name in the header"));
                slots.push(Slot::Unknown);
                continue;
            }
            if names[..index].contains(name) {
                errors.push(FieldError::new(name.as_str(), "", "is named twice in the header"));
            }
            let slot = match kind.columns().iter().position(|column| column.name == name) {
                Some(position) => Slot::Column(position),
                None if kind.has_attributes() => Slot::Attribute(name.clone()),
                None => {
                    if strict {
                        errors.push(FieldError::new(
                            name.as_str(),
                            "",
                            format!("is not a column of {kind} (columns: {})", column_list(kind)),
                        ));
                    }
                    Slot::Unknown
                }
            };
            slots.push(slot);
        }
        if strict {
            for column in kind.columns().iter().filter(|column| column.required) {
                if !names.iter().any(|name| name == column.name) {
                    errors.push(FieldError::new(column.name, "", "is required but missing from the header"));
                }
            }
        }
        if errors.is_empty() { Ok(Header { kind, names, slots }) } else { Err(errors) }
    }

    /// Parses one row given its cells in header order (trimmed; empty means absent).
    fn parse(&self, cells: &[Option<&str>], mut errors: Vec<FieldError>, config: &Config) -> Row {
        let mut columns: Vec<Option<&str>> = vec![None; self.kind.columns().len()];
        let mut attributes: Attributes = Vec::new();
        for (slot, cell) in self.slots.iter().zip(cells) {
            match (slot, cell) {
                (Slot::Column(position), _) => columns[*position] = *cell,
                (Slot::Attribute(name), Some(value)) => attributes.push((name.clone(), (*value).to_owned())),
                (Slot::Attribute(_), None) => {}
                (Slot::Unknown, _) => {}
            }
        }
        for (slot, name) in self.slots.iter().zip(&self.names) {
            if matches!(slot, Slot::Unknown) && !name.is_empty() {
                errors.push(FieldError::new(
                    name.as_str(),
                    "",
                    format!("is not a column of {} (columns: {})", self.kind, column_list(self.kind)),
                ));
            }
        }
        if errors.is_empty() {
            match Record::parse(self.kind, &columns, attributes, config) {
                Ok(record) => return Row::Valid(record),
                Err(field_errors) => errors = field_errors,
            }
        }
        Row::Invalid(errors, self.raw_json(cells))
    }

    fn raw_json(&self, cells: &[Option<&str>]) -> String {
        let object: serde_json::Map<String, serde_json::Value> = self
            .names
            .iter()
            .zip(cells)
            .map(|(name, cell)| (name.clone(), cell.map_or(serde_json::Value::Null, serde_json::Value::from)))
            .collect();
        serde_json::Value::Object(object).to_string()
    }
}

fn column_list(kind: Kind) -> String {
    kind.columns().iter().map(|column| column.name).collect::<Vec<_>>().join(", ")
}

fn header_name(text: &str) -> String {
    text.trim().to_lowercase()
}

fn cell(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|text| !text.is_empty())
}

/// Reads a CSV file, calling `on_row(line, row)` for every record after the header.
pub(crate) fn read_csv(
    source: &Source,
    input: impl Read,
    config: &Config,
    mut on_row: impl FnMut(u64, Row) -> Result<()>,
) -> Result<()> {
    let csv_error = |source_error| Error::Csv { path: source.path.clone(), source: source_error };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(csv_error)? {
        return on_row(
            1,
            Row::Invalid(vec![FieldError::new("", "", "the file is empty; a header row is required")], "{}".to_owned()),
        );
    }
    let names: Vec<String> = record
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            let bytes = if index == 0 { bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes) } else { bytes };
            header_name(&String::from_utf8_lossy(bytes))
        })
        .collect();
    let header = match Header::new(source.kind, names, true) {
        Ok(header) => header,
        Err(errors) => return on_row(1, Row::Invalid(errors, "{}".to_owned())),
    };
    let width = header.names.len();
    while reader.read_byte_record(&mut record).map_err(csv_error)? {
        let line = record.position().map_or(0, |position| position.line());
        let mut errors = Vec::new();
        if record.len() != width {
            errors.push(FieldError::new("", "", format!("has {} fields but the header has {width}", record.len())));
        }
        let mut cells: Vec<Option<&str>> = Vec::with_capacity(width);
        for (index, bytes) in record.iter().take(width).enumerate() {
            match std::str::from_utf8(bytes) {
                Ok(text) => cells.push(cell(text)),
                Err(_) => {
                    errors.push(FieldError::new(
                        header.names[index].as_str(),
                        String::from_utf8_lossy(bytes),
                        "is not valid UTF-8",
                    ));
                    cells.push(None);
                }
            }
        }
        cells.resize(width, None);
        let row = header.parse(&cells, errors, config);
        on_row(line, row)?;
    }
    Ok(())
}

/// Reads a JSON-lines file: one JSON object per line with the CSV column names as keys; blank
/// lines are skipped.
pub(crate) fn read_json_lines(
    source: &Source,
    input: impl Read,
    config: &Config,
    mut on_row: impl FnMut(u64, Row) -> Result<()>,
) -> Result<()> {
    let mut reader = BufReader::new(input);
    let mut text = String::new();
    let mut line = 0u64;
    loop {
        text.clear();
        let read =
            reader.read_line(&mut text).map_err(|error| Error::Io { path: source.path.clone(), source: error })?;
        if read == 0 {
            return Ok(());
        }
        line += 1;
        let content = if line == 1 { text.trim_start_matches('\u{feff}') } else { text.as_str() };
        if content.trim().is_empty() {
            continue;
        }
        let object = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(content) {
            Ok(object) => object,
            Err(error) => {
                let raw = serde_json::Value::from(content.trim_end()).to_string();
                on_row(
                    line,
                    Row::Invalid(vec![FieldError::new("", "", format!("is not a JSON object: {error}"))], raw),
                )?;
                continue;
            }
        };
        let mut errors = Vec::new();
        let mut names = Vec::with_capacity(object.len());
        let mut values: Vec<Option<String>> = Vec::with_capacity(object.len());
        for (key, value) in &object {
            let name = header_name(key);
            let text = match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(text) => cell(text).map(str::to_owned),
                serde_json::Value::Number(number) => Some(number.to_string()),
                serde_json::Value::Bool(flag) => Some(flag.to_string()),
                serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
                    errors.push(FieldError::new(name.as_str(), value.to_string(), "is not a single value"));
                    None
                }
            };
            names.push(name);
            values.push(text);
        }
        let header = match Header::new(source.kind, names, false) {
            Ok(header) => header,
            Err(header_errors) => {
                errors.extend(header_errors);
                on_row(line, Row::Invalid(errors, content.trim_end().to_owned()))?;
                continue;
            }
        };
        let cells: Vec<Option<&str>> = values.iter().map(Option::as_deref).collect();
        on_row(line, header.parse(&cells, errors, config))?;
    }
}
