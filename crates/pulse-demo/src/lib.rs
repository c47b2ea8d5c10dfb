//! Generates a realistic demo data set for Pulse: one CSV file per record kind of the data format
//! (`spec/data-format.md`) describing three years (2023–2025) of a growing business that sells
//! subscriptions and products through eight channels, with its sales pipeline, support desk,
//! surveys, marketing and team.
//!
//! The output is a pure function of the options: the same scale, seed and stages give
//! byte-identical files, whatever the date. Every row satisfies the import rules (required
//! columns, unique identifiers and identities, references that resolve, timestamps in a possible
//! order), so the files import with strict validation. Rows are written as they are generated and
//! only small plans (users, campaigns) are kept in memory, so the time and memory taken grow
//! linearly with the scale.

mod accounts;
mod activities;
mod calendar;
mod channel;
mod context;
mod deals;
mod error;
mod marketing;
mod output;
mod pipeline;
mod sampling;
mod service;
mod social;
mod subscriptions;
mod team;
mod vocabulary;

use std::path::{Path, PathBuf};

pub use crate::error::{Error, Result};

use crate::accounts::Accounts;
use crate::calendar::Calendar;
use crate::context::Context;
use crate::marketing::MarketingPlan;
use crate::output::Tables;
use crate::sampling::{Stream, stream_rng};
use crate::team::Team;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Size of the data set: 1 is about 10,000 customers, 100,000 orders and 8,000 deals; counts
    /// grow linearly (0.05 for a quick test set, 10 for a benchmark).
    pub scale: f64,
    /// The seed of the random generator; the same options always give the same files.
    pub seed: u64,
    /// The pipeline stage names, in order; deals move through them.
    pub stages: Vec<String>,
}

/// What was generated.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Per record kind (`"deals"`): the file written and its number of rows, header excluded.
    pub files: Vec<(String, PathBuf, u64)>,
}

/// The share of deals opened for leads; the others are upsell deals with existing customers.
const SHARE_OF_DEALS_FROM_LEADS: f64 = 0.76;

/// Writes the data set into `out_dir` (created if needed), one `<kind>.csv` per record kind,
/// replacing files of the same names.
pub fn generate(out_dir: &Path, options: &DemoOptions) -> Result<DemoSummary> {
    let scale = options.scale;
    if !(scale.is_finite() && scale > 0.0) {
        return Err(Error::InvalidScale { scale });
    }
    if options.stages.is_empty() {
        return Err(Error::EmptyPipeline);
    }
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Io { path: out_dir.to_path_buf(), source })?;
    let calendar = Calendar::new();
    let mut planning_rng = stream_rng(options.seed, Stream::Planning);
    let team = Team::plan(&mut planning_rng, &calendar, scale);
    let marketing = MarketingPlan::plan(&mut planning_rng, &calendar, scale);
    let context = Context { calendar, scale, stages: options.stages.clone(), team, marketing };
    let mut tables = Tables::create(out_dir)?;
    team::write_team(&context, &mut tables, &mut stream_rng(options.seed, Stream::Team))?;
    marketing::write_marketing(&context, &mut tables, &mut stream_rng(options.seed, Stream::Marketing))?;
    social::write_social_mentions(&context, &mut tables, &mut stream_rng(options.seed, Stream::Social))?;
    let n_deals = context.scaled_count(8_000.0, 3);
    let n_lead_deals = (n_deals as f64 * SHARE_OF_DEALS_FROM_LEADS).round() as u64;
    let mut accounts = Accounts::new(context.scaled_count(10_000.0, 5), n_deals - n_lead_deals);
    let mut accounts_rng = stream_rng(options.seed, Stream::Accounts);
    pipeline::write_leads(&context, &mut tables, &mut accounts_rng, &mut accounts, n_lead_deals)?;
    accounts.write_direct_customers(&context, &mut tables, &mut accounts_rng)?;
    Ok(DemoSummary { files: tables.finish()? })
}
