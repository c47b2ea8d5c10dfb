//! `pulse metrics list` and `pulse metrics explain <id>`: the catalog as declared in the engine.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use pulse_engine::{Category, Direction, Empty, Metric, catalog, find_metric};

#[derive(Debug, Subcommand)]
pub(crate) enum MetricsCommand {
    /// Every metric: id, name, unit and direction, grouped by category
    List {
        /// Only this category (sales, marketing, revenue, subscriptions, support, team, crm_roi)
        #[arg(long)]
        category: Option<String>,
    },
    /// A metric's formula, unit, direction and the dimensions it can be segmented by
    Explain { id: String },
}

pub(crate) fn run(command: MetricsCommand) -> Result<ExitCode> {
    let mut out = String::new();
    match command {
        MetricsCommand::List { category } => {
            let only: Option<Category> = category.as_deref().map(str::parse).transpose()?;
            for category in Category::ALL.iter().filter(|category| only.is_none_or(|only| only == **category)) {
                let metrics: Vec<&Metric> = catalog().iter().filter(|metric| metric.category == *category).collect();
                if metrics.is_empty() {
                    continue;
                }
                out.push_str(&format!("{}\n", category.title()));
                for metric in metrics {
                    out.push_str(&format!(
                        "  {:<32} {:<36} {:<16} {}\n",
                        metric.id,
                        metric.name,
                        metric.unit.symbol(),
                        direction_text(metric.direction)
                    ));
                }
                out.push('\n');
            }
        }
        MetricsCommand::Explain { id } => {
            let metric = find_metric(&id)?;
            out.push_str(&format!("{} ({})\n", metric.name, metric.id));
            out.push_str(&format!("category    {}\n", metric.category.title()));
            out.push_str(&format!("unit        {}\n", metric.unit.symbol()));
            out.push_str(&format!("direction   {}\n", direction_text(metric.direction)));
            out.push_str(&format!("formula     {}\n", metric.formula));
            let dimensions: Vec<&str> = metric.dimensions.iter().map(|(kind, _)| kind.name()).collect();
            out.push_str(&format!(
                "segment by  {}\n",
                if dimensions.is_empty() { "—".to_owned() } else { dimensions.join(", ") }
            ));
            let empty = match metric.empty {
                Empty::Zero => "0".to_owned(),
                Empty::Null(reason) => format!("null ({reason})"),
            };
            out.push_str(&format!("no records  {empty}\n"));
            if metric.rows.is_some() {
                out.push_str("table       each period also lists rows (--format json: \"rows\")\n");
            }
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn direction_text(direction: Direction) -> &'static str {
    match direction {
        Direction::HigherIsBetter => "higher is better",
        Direction::LowerIsBetter => "lower is better",
        Direction::Neutral => "neither better nor worse",
    }
}
