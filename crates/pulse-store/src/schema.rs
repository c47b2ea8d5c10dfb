//! The database schema. Bookkeeping tables come from numbered migrations; the record tables are
//! derived from the kind declarations in `pulse-model` and brought up to date on open (new kinds
//! become tables, new columns are added), so a kind is declared in exactly one place.
//!
//! Every kind `k` has:
//! - `k`: the current version of each record, keyed by its identity string `key`, with the
//!   hash of its values (`row_hash`) and the import that wrote it (`import_id`);
//! - `k_history`: every replaced version, with when (`superseded_at`) and by which import
//!   (`superseded_by`) it was replaced, filled by a trigger so no write path can skip it;
//! - `temp.stage_k` (per connection): the rows of the import in progress, with the file and
//!   line each came from, checked there before they are merged.

use pulse_model::{ColumnType, Kind};
use rusqlite::{Connection, Transaction};

use crate::error::{Error, Result};

/// Bookkeeping migrations (imports and workspace; then the server's accounts, their API tokens
/// and sign-in sessions, and the audit log), applied in order; `PRAGMA user_version` counts the applied ones.
const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        status TEXT NOT NULL,
        mode TEXT NOT NULL,
        files TEXT NOT NULL,
        rows_read INTEGER NOT NULL DEFAULT 0,
        rows_rejected INTEGER NOT NULL DEFAULT 0,
        rows_inserted INTEGER NOT NULL DEFAULT 0,
        rows_updated INTEGER NOT NULL DEFAULT 0,
        rows_unchanged INTEGER NOT NULL DEFAULT 0,
        rejects_file TEXT
    );
    CREATE TABLE workspace (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
"#,
    r#"
    CREATE TABLE accounts (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'analyst', 'rep')),
        owner TEXT,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE account_tokens (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts (name),
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE TABLE account_sessions (
        token_hash TEXT PRIMARY KEY,
        account TEXT NOT NULL REFERENCES accounts (name),
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        details TEXT NOT NULL
    );
"#,
];

pub(crate) fn migrate(connection: &mut Connection, path: &std::path::Path) -> Result<()> {
    let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if version > supported {
        return Err(Error::SchemaTooNew { path: path.to_owned(), found: version, supported });
    }
    for migration in &MIGRATIONS[version as usize..] {
        transaction.execute_batch(migration)?;
    }
    transaction.pragma_update(None, "user_version", supported)?;
    for kind in Kind::ALL {
        sync_kind_tables(&transaction, *kind)?;
    }
    transaction.commit()?;
    Ok(())
}

/// The stored columns of a kind, declared columns first: `(name, SQL type)`.
pub(crate) fn stored_columns(kind: Kind) -> Vec<(&'static str, &'static str)> {
    let mut columns: Vec<(&str, &str)> =
        kind.columns().iter().map(|column| (column.name, sql_type(column.column_type))).collect();
    if kind.has_attributes() {
        columns.push(("attributes", "TEXT"));
    }
    columns
}

fn sql_type(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::Id | ColumnType::Text | ColumnType::Money | ColumnType::Enum(_) => "TEXT",
        ColumnType::Timestamp | ColumnType::Int | ColumnType::Bool => "INTEGER",
        ColumnType::Num => "REAL",
    }
}

pub(crate) fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

fn sync_kind_tables(transaction: &Transaction<'_>, kind: Kind) -> Result<()> {
    let table = kind.name();
    let columns = stored_columns(kind);
    let definitions: Vec<String> =
        columns.iter().map(|(name, sql_type)| format!("{} {sql_type}", quoted(name))).collect();
    transaction.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, {}, row_hash INTEGER NOT NULL, import_id INTEGER NOT NULL) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS {table}_history (key TEXT NOT NULL, {}, row_hash INTEGER NOT NULL, import_id INTEGER NOT NULL, superseded_at INTEGER NOT NULL, superseded_by INTEGER NOT NULL);
         CREATE INDEX IF NOT EXISTS {table}_history_key ON {table}_history (key);",
        definitions.join(", "),
        definitions.join(", "),
    ))?;
    // An import that replaces a parent checks the stored children against its new lifetime.
    for rule in crate::import::TIMING_RULES.iter().filter(|rule| rule.child == kind) {
        let column = rule.parent_column;
        transaction
            .execute_batch(&format!("CREATE INDEX IF NOT EXISTS {table}_{column} ON {table} ({})", quoted(column)))?;
    }
    let mut added = false;
    for history in [false, true] {
        let physical = if history { format!("{table}_history") } else { table.to_owned() };
        let existing = existing_columns(transaction, &physical)?;
        for (name, sql_type) in &columns {
            if !existing.iter().any(|column| column == name) {
                transaction.execute_batch(&format!("ALTER TABLE {physical} ADD COLUMN {} {sql_type}", quoted(name)))?;
                added = true;
            }
        }
    }
    if added {
        transaction.execute_batch(&format!("DROP TRIGGER IF EXISTS {table}_keep_history"))?;
    }
    let names: Vec<String> = columns.iter().map(|(name, _)| quoted(name)).collect();
    let old_values: Vec<String> = columns.iter().map(|(name, _)| format!("OLD.{}", quoted(name))).collect();
    transaction.execute_batch(&format!(
        "CREATE TRIGGER IF NOT EXISTS {table}_keep_history AFTER UPDATE ON {table}
         BEGIN
             INSERT INTO {table}_history (key, {}, row_hash, import_id, superseded_at, superseded_by)
             VALUES (OLD.key, {}, OLD.row_hash, OLD.import_id, (SELECT started_at FROM imports WHERE id = NEW.import_id), NEW.import_id);
         END;",
        names.join(", "),
        old_values.join(", "),
    ))?;
    Ok(())
}

fn existing_columns(transaction: &Transaction<'_>, table: &str) -> Result<Vec<String>> {
    let mut statement = transaction.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
    let names = statement.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(names)
}

/// Creates the per-connection staging tables for imports, once per connection. They are empty
/// between imports: a commit empties the tables it staged in, a rollback undoes the staging.
pub(crate) fn create_staging(connection: &Connection) -> Result<()> {
    let existing: usize = connection.query_row(
        "SELECT count(*) FROM temp.sqlite_master WHERE type = 'table' AND name LIKE 'stage\\_%' ESCAPE '\\'",
        [],
        |row| row.get(0),
    )?;
    if existing == Kind::ALL.len() {
        return Ok(());
    }
    for kind in Kind::ALL {
        let table = kind.name();
        let definitions: Vec<String> =
            stored_columns(*kind).iter().map(|(name, sql_type)| format!("{} {sql_type}", quoted(name))).collect();
        connection.execute_batch(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS stage_{table} (key TEXT PRIMARY KEY, {}, row_hash INTEGER NOT NULL, file_index INTEGER NOT NULL, line INTEGER NOT NULL) WITHOUT ROWID;",
            definitions.join(", ")
        ))?;
    }
    Ok(())
}

/// A SQL expression giving a row of `kind` as a JSON object in the import format (timestamps as
/// RFC 3339 UTC, booleans as booleans), so rejected rows can be fixed and imported again.
/// `alias` prefixes the column names (`"s."`), or is empty.
pub(crate) fn json_object_sql(kind: Kind, alias: &str) -> String {
    let mut parts = Vec::new();
    for column in kind.columns() {
        let reference = format!("{alias}{}", quoted(column.name));
        let expression = match column.column_type {
            ColumnType::Timestamp => format!(
                "strftime('%Y-%m-%dT%H:%M:%S', {reference} / 1000000, 'unixepoch') || printf('.%06dZ', {reference} % 1000000)"
            ),
            ColumnType::Bool => format!("json(CASE {reference} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)"),
            _ => reference,
        };
        parts.push(format!("'{}', {expression}", column.name));
    }
    if kind.has_attributes() {
        parts.push(format!("'attributes', json({alias}attributes)"));
    }
    format!("json_object({})", parts.join(", "))
}
