//! An import in progress. Rows are staged in per-connection temporary tables (each with the
//! file and line it came from), checked there against each other and against the stored
//! records, and merged into the record tables in the same SQLite transaction. Dropping an
//! unfinished import rolls everything back.

use std::collections::HashMap;

use pulse_model::{Attributes, Config, FieldError, Kind, Record, Reference, Timestamp, Value};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, params};
use xxhash_rust::xxh3::Xxh3;

use crate::error::Result;
use crate::schema::{create_staging, json_object_sql, quoted, stored_columns};
use crate::{files_json, now_micros};

/// What happens to an import with invalid rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Any error rejects the whole import.
    AllOrNothing,
    /// Valid rows are written; invalid ones are rejected and kept in a rejects file.
    SkipInvalid,
    /// Each file is written whole or not at all, independently of the others.
    EachFileWhole,
}

impl ImportMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::AllOrNothing => "all-or-nothing",
            ImportMode::SkipInvalid => "skip-invalid",
            ImportMode::EachFileWhole => "each-file-whole",
        }
    }
}

/// The result of staging one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staged {
    Accepted,
    /// A row with the same identity was staged before, from this file and line.
    Duplicate {
        file_index: usize,
        line: u64,
    },
}

/// A staged row that fails a rule spanning records.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub kind: Kind,
    pub key: String,
    pub file_index: usize,
    pub line: u64,
    pub error: FieldError,
    /// The rejected row as a JSON object in the import format.
    pub record: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindOutcome {
    pub kind: Kind,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// What an import did to the records of one of its files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub import_id: i64,
    pub kinds: Vec<KindOutcome>,
    /// Per file of the import, in the order they were given.
    pub files: Vec<Counts>,
}

/// An audit-log entry written in the same transaction as the import it describes.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub actor: String,
    pub action: String,
    pub details: serde_json::Value,
}

/// A rule that a child's timestamp lies within its parent's lifetime:
/// `parent.start ≤ child.at` and, when the parent has ended, `child.at < parent.end`.
#[derive(Debug)]
pub(crate) struct TimingRule {
    pub(crate) child: Kind,
    child_at: &'static str,
    pub(crate) parent_column: &'static str,
    parent: Kind,
    parent_noun: &'static str,
    start: &'static str,
    end: &'static str,
}

pub(crate) const TIMING_RULES: &[TimingRule] = &[
    TimingRule {
        child: Kind::DealStageChanges,
        child_at: "entered_at",
        parent_column: "deal_id",
        parent: Kind::Deals,
        parent_noun: "deal",
        start: "created_at",
        end: "closed_at",
    },
    TimingRule {
        child: Kind::SubscriptionChanges,
        child_at: "at",
        parent_column: "subscription_id",
        parent: Kind::Subscriptions,
        parent_noun: "subscription",
        start: "started_at",
        end: "ended_at",
    },
];

#[derive(Debug)]
pub struct ImportTransaction<'a> {
    connection: &'a Connection,
    config: &'a Config,
    import_id: i64,
    file_count: usize,
    insert_sql: HashMap<Kind, String>,
    /// The kinds with staged rows: only their tables are checked, merged and emptied.
    staged: Vec<Kind>,
    finished: bool,
}

impl<'a> ImportTransaction<'a> {
    pub(crate) fn begin(
        connection: &'a mut Connection,
        config: &'a Config,
        mode: ImportMode,
        files: &[String],
    ) -> Result<Self> {
        connection.set_prepared_statement_cache_capacity(128);
        let connection: &'a Connection = connection;
        create_staging(connection)?;
        connection.execute_batch("BEGIN IMMEDIATE")?;
        let mut transaction = ImportTransaction {
            connection,
            config,
            import_id: 0,
            file_count: files.len(),
            insert_sql: HashMap::new(),
            staged: Vec::new(),
            finished: false,
        };
        connection.execute(
            "INSERT INTO imports (started_at, status, mode, files) VALUES (?1, 'running', ?2, ?3)",
            params![now_micros(), mode.as_str(), files_json(files)],
        )?;
        transaction.import_id = connection.last_insert_rowid();
        for kind in Kind::ALL {
            let columns = stored_columns(*kind);
            let names: Vec<String> = columns.iter().map(|(name, _)| quoted(name)).collect();
            let placeholders: Vec<String> = (0..columns.len()).map(|index| format!("?{}", index + 5)).collect();
            transaction.insert_sql.insert(
                *kind,
                format!(
                    "INSERT INTO temp.stage_{} (key, row_hash, file_index, line, {}) VALUES (?1, ?2, ?3, ?4, {}) ON CONFLICT(key) DO NOTHING",
                    kind.name(),
                    names.join(", "),
                    placeholders.join(", ")
                ),
            );
        }
        Ok(transaction)
    }

    pub fn import_id(&self) -> i64 {
        self.import_id
    }

    pub fn config(&self) -> &Config {
        self.config
    }

    /// Stages one parsed row read from `file_index` (an index into the import's file list) at `line`.
    pub fn stage(&mut self, record: &Record, file_index: usize, line: u64) -> Result<Staged> {
        let kind = record.kind();
        let key = record.key();
        let values = record.values();
        let attributes = record.attributes().map(attributes_json);
        let hash = row_hash(&values, attributes.as_deref());
        let mut statement = self.connection.prepare_cached(&self.insert_sql[&kind])?;
        statement.raw_bind_parameter(1, &key)?;
        statement.raw_bind_parameter(2, hash)?;
        statement.raw_bind_parameter(3, file_index as i64)?;
        statement.raw_bind_parameter(4, line as i64)?;
        for (index, value) in values.iter().enumerate() {
            statement.raw_bind_parameter(index + 5, Bind(value))?;
        }
        if let Some(attributes) = &attributes {
            statement.raw_bind_parameter(values.len() + 5, attributes)?;
        }
        if statement.raw_execute()? == 1 {
            if !self.staged.contains(&kind) {
                self.staged.push(kind);
            }
            return Ok(Staged::Accepted);
        }
        let (first_file, first_line): (i64, i64) = self.connection.query_row(
            &format!("SELECT file_index, line FROM temp.stage_{} WHERE key = ?1", kind.name()),
            [&key],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok(Staged::Duplicate { file_index: first_file as usize, line: first_line as u64 })
    }

    /// Runs the rules that span records over the staged rows: references resolve (to a staged
    /// or a stored record) and children lie within their parents' lifetimes.
    pub fn check(&self) -> Result<Vec<Reject>> {
        let mut rejects = Vec::new();
        for kind in &self.staged {
            for reference in kind.references() {
                self.check_reference(*kind, reference, &mut rejects)?;
            }
        }
        for rule in TIMING_RULES {
            self.check_timing(rule, &mut rejects)?;
        }
        Ok(rejects)
    }

    /// Removes rejected rows from the import.
    pub fn discard(&self, rejects: &[Reject]) -> Result<()> {
        for reject in rejects {
            self.connection
                .execute(&format!("DELETE FROM temp.stage_{} WHERE key = ?1", reject.kind.name()), [&reject.key])?;
        }
        Ok(())
    }

    /// Removes every staged row of one file of the import.
    pub fn discard_file(&self, kind: Kind, file_index: usize) -> Result<()> {
        self.connection
            .execute(&format!("DELETE FROM temp.stage_{} WHERE file_index = ?1", kind.name()), [file_index as i64])?;
        Ok(())
    }

    /// Replaces the list of files the import is recorded with.
    pub fn set_files(&mut self, files: &[String]) -> Result<()> {
        self.connection
            .execute("UPDATE imports SET files = ?2 WHERE id = ?1", params![self.import_id, files_json(files)])?;
        self.file_count = files.len();
        Ok(())
    }

    /// Merges the staged rows into the store (replaced versions go to history), writes the audit
    /// entries `audit` makes of the outcome, and commits: all of it is durable, or none.
    pub fn commit(
        mut self,
        rows_read: u64,
        rows_rejected: u64,
        rejects_file: Option<&str>,
        audit: impl FnOnce(&Outcome) -> Vec<AuditRecord>,
    ) -> Result<Outcome> {
        let mut kinds = Vec::new();
        let mut files = vec![Counts::default(); self.file_count];
        for kind in Kind::ALL.iter().filter(|kind| self.staged.contains(kind)) {
            let table = kind.name();
            let mut statement = self.connection.prepare(&format!(
                "SELECT s.file_index,
                        count(*) FILTER (WHERE m.key IS NULL),
                        count(*) FILTER (WHERE m.key IS NOT NULL AND m.row_hash <> s.row_hash),
                        count(*) FILTER (WHERE m.row_hash = s.row_hash)
                 FROM temp.stage_{table} s LEFT JOIN main.{table} m ON m.key = s.key
                 GROUP BY s.file_index"
            ))?;
            let per_file = statement
                .query_map([], |row| {
                    let counts = Counts { inserted: row.get(1)?, updated: row.get(2)?, unchanged: row.get(3)? };
                    Ok((row.get::<_, i64>(0)? as usize, counts))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let (mut inserted, mut updated, mut unchanged) = (0, 0, 0);
            for (file_index, counts) in per_file {
                inserted += counts.inserted;
                updated += counts.updated;
                unchanged += counts.unchanged;
                if let Some(file) = files.get_mut(file_index) {
                    file.inserted += counts.inserted;
                    file.updated += counts.updated;
                    file.unchanged += counts.unchanged;
                }
            }
            if inserted + updated > 0 {
                let names: Vec<String> = stored_columns(*kind).iter().map(|(name, _)| quoted(name)).collect();
                let updates: Vec<String> = names.iter().map(|name| format!("{name} = excluded.{name}")).collect();
                self.connection.execute(
                    &format!(
                        "INSERT INTO main.{table} (key, {names}, row_hash, import_id)
                         SELECT key, {names}, row_hash, ?1 FROM temp.stage_{table} WHERE true
                         ON CONFLICT(key) DO UPDATE SET {updates}, row_hash = excluded.row_hash, import_id = excluded.import_id
                         WHERE {table}.row_hash <> excluded.row_hash",
                        names = names.join(", "),
                        updates = updates.join(", "),
                    ),
                    [self.import_id],
                )?;
            }
            if inserted + updated + unchanged > 0 {
                kinds.push(KindOutcome { kind: *kind, inserted, updated, unchanged });
            }
            self.connection.execute(&format!("DELETE FROM temp.stage_{table}"), [])?;
        }
        let totals = kinds.iter().fold((0, 0, 0), |(inserted, updated, unchanged), outcome| {
            (inserted + outcome.inserted, updated + outcome.updated, unchanged + outcome.unchanged)
        });
        self.connection.execute(
            "UPDATE imports SET finished_at = ?2, status = 'done', rows_read = ?3, rows_rejected = ?4,
                 rows_inserted = ?5, rows_updated = ?6, rows_unchanged = ?7, rejects_file = ?8 WHERE id = ?1",
            params![self.import_id, now_micros(), rows_read, rows_rejected, totals.0, totals.1, totals.2, rejects_file],
        )?;
        self.connection.execute(
            "INSERT INTO workspace (name, value) VALUES ('timezone', ?1) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            [self.config.timezone.to_string()],
        )?;
        let outcome = Outcome { import_id: self.import_id, kinds, files };
        for entry in audit(&outcome) {
            crate::access::insert_audit(self.connection, &entry.actor, &entry.action, &entry.details)?;
        }
        self.connection.execute_batch("COMMIT")?;
        self.finished = true;
        Ok(outcome)
    }

    fn check_reference(&self, kind: Kind, reference: &Reference, rejects: &mut Vec<Reject>) -> Result<()> {
        let (table, target, column) = (kind.name(), reference.target.name(), quoted(reference.column));
        let target_has_records = if reference.only_when_target_has_records {
            format!("AND (EXISTS (SELECT 1 FROM temp.stage_{target}) OR EXISTS (SELECT 1 FROM main.{target}))")
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT s.key, s.file_index, s.line, s.{column}, {object} FROM temp.stage_{table} s
             WHERE s.{column} IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM temp.stage_{target} t WHERE t.key = s.{column})
               AND NOT EXISTS (SELECT 1 FROM main.{target} t WHERE t.key = s.{column})
               {target_has_records}",
            object = json_object_sql(kind, "s."),
        );
        let mut statement = self.connection.prepare(&sql)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let value: String = row.get(3)?;
            rejects.push(Reject {
                kind,
                key: row.get(0)?,
                file_index: row.get::<_, i64>(1)? as usize,
                line: row.get::<_, i64>(2)? as u64,
                error: FieldError::new(
                    reference.column,
                    value,
                    format!("is not in {target} (neither stored nor in this import)"),
                ),
                record: row.get(4)?,
            });
        }
        Ok(())
    }

    fn check_timing(&self, rule: &TimingRule, rejects: &mut Vec<Reject>) -> Result<()> {
        let (child, parent) = (rule.child.name(), rule.parent.name());
        let (at, start, end, parent_column) =
            (quoted(rule.child_at), quoted(rule.start), quoted(rule.end), quoted(rule.parent_column));
        let outside = format!("(c.{at} < p.{start} OR (p.{end} IS NOT NULL AND c.{at} >= p.{end}))");
        let (child_staged, parent_staged) = (self.staged.contains(&rule.child), self.staged.contains(&rule.parent));
        // Staged children against staged parents, then against stored parents that this import
        // does not replace.
        let parent_tables = [format!("temp.stage_{parent}"), format!("main.{parent}")];
        for parents in parent_tables.into_iter().filter(|_| child_staged) {
            let not_replaced = if parents.starts_with("main.") {
                format!("AND NOT EXISTS (SELECT 1 FROM temp.stage_{parent} r WHERE r.key = p.key)")
            } else {
                String::new()
            };
            let sql = format!(
                "SELECT c.key, c.file_index, c.line, c.{at}, p.{start}, p.{end}, {object}
                 FROM temp.stage_{child} c JOIN {parents} p ON p.key = c.{parent_column}
                 WHERE {outside} {not_replaced}",
                object = json_object_sql(rule.child, "c."),
            );
            let mut statement = self.connection.prepare(&sql)?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let at_micros: i64 = row.get(3)?;
                let reason =
                    timing_reason(rule, row.get(4)?, row.get(5)?, at_micros, &format!("the {}'s", rule.parent_noun));
                rejects.push(Reject {
                    kind: rule.child,
                    key: row.get(0)?,
                    file_index: row.get::<_, i64>(1)? as usize,
                    line: row.get::<_, i64>(2)? as u64,
                    error: FieldError::new(rule.child_at, Timestamp::from_micros(at_micros).to_rfc3339(), reason),
                    record: row.get(6)?,
                });
            }
        }
        if !parent_staged {
            return Ok(());
        }
        // Stored children that a replaced parent would leave outside its lifetime: the parent's
        // row is the one at fault.
        let sql = format!(
            "SELECT p.key, p.file_index, p.line, c.{at}, p.{start}, p.{end}, {object}
             FROM main.{child} c JOIN temp.stage_{parent} p ON p.key = c.{parent_column}
             WHERE {outside} AND NOT EXISTS (SELECT 1 FROM temp.stage_{child} r WHERE r.key = c.key)",
            object = json_object_sql(rule.parent, "p."),
        );
        let mut statement = self.connection.prepare(&sql)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let at_micros: i64 = row.get(3)?;
            let start_micros: i64 = row.get(4)?;
            let end_micros: Option<i64> = row.get(5)?;
            let (column, value) = if at_micros < start_micros {
                (rule.start, start_micros)
            } else {
                (rule.end, end_micros.unwrap_or_default())
            };
            let child_noun = rule.child.name();
            rejects.push(Reject {
                kind: rule.parent,
                key: row.get(0)?,
                file_index: row.get::<_, i64>(1)? as usize,
                line: row.get::<_, i64>(2)? as u64,
                error: FieldError::new(
                    column,
                    Timestamp::from_micros(value).to_rfc3339(),
                    format!(
                        "would leave the stored {child_noun} row at {} outside the {}'s lifetime",
                        Timestamp::from_micros(at_micros),
                        rule.parent_noun
                    ),
                ),
                record: row.get(6)?,
            });
        }
        Ok(())
    }
}

impl Drop for ImportTransaction<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // Nothing of an unfinished import may remain; if the rollback itself fails the
            // connection is closed with the transaction open, which SQLite also rolls back.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

fn timing_reason(rule: &TimingRule, start: i64, end: Option<i64>, at: i64, owner: &str) -> String {
    if at < start {
        format!("is before {owner} {} ({})", rule.start, Timestamp::from_micros(start))
    } else {
        format!("is at or after {owner} {} ({})", rule.end, Timestamp::from_micros(end.unwrap_or_default()))
    }
}

fn attributes_json(attributes: &Attributes) -> String {
    let object: serde_json::Map<String, serde_json::Value> =
        attributes.iter().map(|(name, value)| (name.clone(), serde_json::Value::from(value.as_str()))).collect();
    serde_json::Value::Object(object).to_string()
}

/// A hash of a row's values, so re-importing an unchanged row writes nothing.
fn row_hash(values: &[Value<'_>], attributes: Option<&str>) -> i64 {
    let mut hasher = Xxh3::new();
    for value in values {
        match value {
            Value::Null => hasher.update(&[0]),
            Value::Int(number) => {
                hasher.update(&[1]);
                hasher.update(&number.to_le_bytes());
            }
            Value::Real(number) => {
                hasher.update(&[2]);
                hasher.update(&number.to_bits().to_le_bytes());
            }
            Value::Text(text) => {
                hasher.update(&[3]);
                hasher.update(&(text.len() as u64).to_le_bytes());
                hasher.update(text.as_bytes());
            }
        }
    }
    if let Some(attributes) = attributes {
        hasher.update(&[4]);
        hasher.update(attributes.as_bytes());
    }
    hasher.digest() as i64
}

struct Bind<'a>(&'a Value<'a>);

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => ValueRef::Null,
            Value::Int(number) => ValueRef::Integer(*number),
            Value::Real(number) => ValueRef::Real(*number),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
        }))
    }
}
