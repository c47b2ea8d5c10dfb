//! `pulse`: the command line of the Pulse CRM metrics engine.

mod demo;
mod import;
mod metrics;
mod report;
mod serve;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "pulse", version, about = "CRM metrics and analytics engine")]
struct Cli {
    /// The data directory (database and pulse.toml)
    #[arg(long, global = true, env = "PULSE_DATA", default_value = "pulse-data")]
    data: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import CSV or JSON-lines files (or directories of them) into the store
    Import(import::ImportArgs),
    /// Generate a realistic demo dataset, write it as CSV files and import it
    Demo(demo::DemoArgs),
    /// Show the data directory, record counts, recent imports and the store size
    Status,
    /// Compute metrics over a date range, by period and optionally by segment
    Report(report::ReportArgs),
    /// The metric catalog: `list` and `explain <id>`
    #[command(subcommand)]
    Metrics(metrics::MetricsCommand),
    /// Serve the JSON API (and its interactive page at /api/docs)
    Serve(serve::ServeArgs),
    /// Accounts that can sign in to the API: `add NAME --role R`, `list`
    #[command(subcommand)]
    Users(serve::UsersCommand),
    /// API tokens: `create --user NAME`
    #[command(subcommand)]
    Tokens(serve::TokensCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Import(args) => import::run(&cli.data, args),
        Command::Demo(args) => demo::run(&cli.data, args),
        Command::Status => status::run(&cli.data),
        Command::Report(args) => report::run(&cli.data, args),
        Command::Metrics(command) => metrics::run(command),
        Command::Serve(args) => serve::run(&cli.data, &args),
        Command::Users(command) => serve::users(&cli.data, command),
        Command::Tokens(command) => serve::tokens(&cli.data, command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
