//! Who may use the store through the server: accounts with a role, API tokens and sign-in
//! sessions (kept only as hashes: the store never sees a secret it could leak), and the audit
//! log of every write and administrative action. Hashing and verification happen in the server;
//! this module only keeps what they produce.

use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::{Store, now_micros};

/// An account's role, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including accounts, tokens and the audit log.
    Admin,
    /// All data, read and write.
    Manager,
    /// Reads all metrics and records, writes nothing.
    Analyst,
    /// Reads metrics and records over their own deals, leads and activities only.
    Rep,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Analyst, Role::Rep];

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Analyst => "analyst",
            Role::Rep => "rep",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.name() == text.trim().to_ascii_lowercase())
    }
}

/// A server account (not a CRM `users` record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// For a rep: the `owner` value their deals, leads and activities carry.
    pub owner: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub created_at_micros: i64,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_micros: i64,
    pub actor: String,
    pub action: String,
    /// What was done, as JSON (never a secret).
    pub details: serde_json::Value,
}

fn account_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let role: String = row.get(1)?;
    Ok(Account {
        name: row.get(0)?,
        role: Role::parse(&role).unwrap_or(Role::Rep),
        owner: row.get(2)?,
        password_hash: row.get(3)?,
        created_at_micros: row.get(4)?,
    })
}

const ACCOUNT_COLUMNS: &str = "name, role, owner, password_hash, created_at";

impl Store {
    /// Adds an account; an existing name is an error.
    pub fn add_account(&self, name: &str, role: Role, owner: Option<&str>, password_hash: &str) -> Result<Account> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(Error::InvalidAccount(format!("{name:?} is not an account name")));
        }
        if self.account(name)?.is_some() {
            return Err(Error::InvalidAccount(format!("an account named {name:?} already exists")));
        }
        let owner = match role {
            Role::Rep => Some(owner.unwrap_or(name).to_owned()),
            _ => owner.map(str::to_owned),
        };
        self.connection.execute(
            "INSERT INTO accounts (name, role, owner, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![name, role.name(), owner, password_hash, now_micros()],
        )?;
        Ok(self.account(name)?.expect("the user was just added"))
    }

    pub fn account(&self, name: &str) -> Result<Option<Account>> {
        Ok(self
            .connection
            .query_row(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE name = ?1"), [name], account_from_row)
            .optional()?)
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut statement =
            self.connection.prepare(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY name"))?;
        let rows = statement.query_map([], account_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Stores a new API token's hash for an account; returns the token's id.
    pub fn add_token(&self, user: &str, token_hash: &str) -> Result<i64> {
        if self.account(user)?.is_none() {
            return Err(Error::InvalidAccount(format!("no account named {user:?}")));
        }
        self.connection.execute(
            "INSERT INTO account_tokens (account, token_hash, created_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![user, token_hash, now_micros()],
        )?;
        Ok(self.connection.last_insert_rowid())
    }

    /// The account holding a (not revoked) API token with this hash.
    pub fn token_account(&self, token_hash: &str) -> Result<Option<Account>> {
        Ok(self
            .connection
            .query_row(
                &format!(
                    "SELECT {} FROM account_tokens t JOIN accounts u ON u.name = t.account
                     WHERE t.token_hash = ?1 AND t.revoked_at IS NULL",
                    ACCOUNT_COLUMNS.split(", ").map(|column| format!("u.{column}")).collect::<Vec<_>>().join(", ")
                ),
                [token_hash],
                account_from_row,
            )
            .optional()?)
    }

    /// Revokes a token by id; false when there is no such live token.
    pub fn revoke_token(&self, id: i64) -> Result<bool> {
        let changed = self.connection.execute(
            "UPDATE account_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            rusqlite::params![id, now_micros()],
        )?;
        Ok(changed == 1)
    }

    /// Starts a sign-in session (hash of its cookie value, its CSRF token) until `expires_at`.
    pub fn add_session(&self, token_hash: &str, user: &str, csrf_token: &str, expires_at_micros: i64) -> Result<()> {
        self.connection.execute(
            "INSERT INTO account_sessions (token_hash, account, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![token_hash, user, csrf_token, now_micros(), expires_at_micros],
        )?;
        Ok(())
    }

    /// The account and CSRF token of a live session.
    pub fn session(&self, token_hash: &str) -> Result<Option<(Account, String)>> {
        Ok(self
            .connection
            .query_row(
                &format!(
                    "SELECT {}, s.csrf_token FROM account_sessions s JOIN accounts u ON u.name = s.account
                     WHERE s.token_hash = ?1 AND s.expires_at > ?2",
                    ACCOUNT_COLUMNS.split(", ").map(|column| format!("u.{column}")).collect::<Vec<_>>().join(", ")
                ),
                rusqlite::params![token_hash, now_micros()],
                |row| Ok((account_from_row(row)?, row.get(5)?)),
            )
            .optional()?)
    }

    /// Ends a session (and forgets expired ones).
    pub fn end_session(&self, token_hash: &str) -> Result<()> {
        self.connection.execute(
            "DELETE FROM account_sessions WHERE token_hash = ?1 OR expires_at <= ?2",
            rusqlite::params![token_hash, now_micros()],
        )?;
        Ok(())
    }

    /// Appends to the audit log.
    pub fn audit(&self, actor: &str, action: &str, details: &serde_json::Value) -> Result<()> {
        insert_audit(&self.connection, actor, action, details)
    }

    /// The latest audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut statement = self
            .connection
            .prepare("SELECT id, at, actor, action, details FROM audit_log ORDER BY id DESC LIMIT ?1")?;
        let rows = statement.query_map([limit.min(i64::MAX as usize) as i64], |row| {
            let details: String = row.get(4)?;
            Ok(AuditEntry {
                id: row.get(0)?,
                at_micros: row.get(1)?,
                actor: row.get(2)?,
                action: row.get(3)?,
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

pub(crate) fn insert_audit(
    connection: &rusqlite::Connection,
    actor: &str,
    action: &str,
    details: &serde_json::Value,
) -> Result<()> {
    connection.execute(
        "INSERT INTO audit_log (at, actor, action, details) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![now_micros(), actor, action, details.to_string()],
    )?;
    Ok(())
}
