//! `pulse serve`, `pulse users` and `pulse tokens`: the API server and its accounts.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use pulse_server::{ServeOptions, hash_password, new_api_token, token_hash};
use pulse_store::{Role, Store};

use crate::import::open_store;

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) bind: SocketAddr,
    /// The largest request body accepted, in MiB
    #[arg(long, default_value_t = 64)]
    pub(crate) max_body_mib: usize,
    /// Seconds a request may take before it is answered with 408
    #[arg(long, default_value_t = 300)]
    pub(crate) request_timeout_secs: u64,
}

pub(crate) fn run(data: &Path, args: &ServeArgs) -> Result<ExitCode> {
    let mut options = ServeOptions::new(data.to_owned(), args.bind);
    options.max_body_bytes = args.max_body_mib << 20;
    options.request_timeout = std::time::Duration::from_secs(args.request_timeout_secs);
    let shown = data.display().to_string();
    pulse_server::serve(
        options,
        move |address| println!("pulse: serving {shown} on http://{address} (API page: http://{address}/api/docs)"),
        pulse_server::shutdown_signal(),
    )?;
    println!("pulse: stopped");
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// Add an account that can sign in to the API
    Add {
        name: String,
        /// admin, manager, analyst or rep
        #[arg(long)]
        role: String,
        /// For a rep: the owner value on their deals, leads and activities (default: NAME)
        #[arg(long)]
        owner: Option<String>,
        /// Read the password from the first line of standard input instead of prompting
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts
    List,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokensCommand {
    /// Create an API token for an account; it is printed once and only its hash is kept
    Create {
        #[arg(long)]
        user: String,
    },
}

/// The OS user running the command, for the audit log.
fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned()))
}

fn read_password(from_stdin: bool) -> Result<String> {
    let stdin = std::io::stdin();
    if !from_stdin && stdin.is_terminal() {
        eprint!("password (input is shown; use --password-stdin to pipe it): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("reading the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

pub(crate) fn users(data: &Path, command: UsersCommand) -> Result<ExitCode> {
    let store = open_store(data)?;
    match command {
        UsersCommand::Add { name, role, owner, password_stdin } => {
            let Some(role) = Role::parse(&role) else { bail!("{role:?} is not a role (admin, manager, analyst, rep)") };
            let password = read_password(password_stdin)?;
            let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            let account = store.add_account(&name, role, owner.as_deref(), &hash)?;
            store.audit(
                &cli_actor(),
                "account_add",
                &serde_json::json!({ "name": account.name, "role": role.name(), "owner": account.owner }),
            )?;
            println!("added {} ({})", account.name, role.name());
        }
        UsersCommand::List => {
            for account in store.accounts()? {
                let owner = account.owner.map(|owner| format!(", owner {owner}")).unwrap_or_default();
                println!("{} ({}{owner})", account.name, account.role.name());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn tokens(data: &Path, command: TokensCommand) -> Result<ExitCode> {
    let store = open_store(data)?;
    match command {
        TokensCommand::Create { user } => {
            let token = new_api_token();
            let id = store.add_token(&user, &token_hash(&token))?;
            store.audit(&cli_actor(), "token_create", &serde_json::json!({ "account": user, "token_id": id }))?;
            println!("{token}");
            eprintln!("API token {id} for {user}; it is shown only now. Send it as `Authorization: Bearer <token>`.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// For the demo: an `admin` account with a fresh random password when there is no account yet;
/// returns the password to show once.
pub(crate) fn demo_admin(store: &Store) -> Result<Option<String>> {
    if !store.accounts()?.is_empty() {
        return Ok(None);
    }
    let password = pulse_server::new_api_token().trim_start_matches("pulse_")[..20].to_owned();
    let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
    store.add_account("admin", Role::Admin, None, &hash)?;
    store.audit(&cli_actor(), "account_add", &serde_json::json!({ "name": "admin", "role": "admin", "by": "demo" }))?;
    Ok(Some(password))
}
