//! `pulse demo`: generates a realistic dataset, writes it as CSV files in the data directory
//! (so users see the import format) and imports it.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use pulse_demo::DemoOptions;
use pulse_import::{ImportOptions, Progress};
use pulse_store::ImportMode;

use crate::import::{import, open_store, print_report, write_lock};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Size of the dataset: 1 ≈ 10k customers, 100k orders, 20k leads, 8k deals
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Seed of the generator; the same seed gives the same data
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Only generate and import, then exit instead of serving the data
    #[arg(long)]
    no_serve: bool,
    #[command(flatten)]
    serve: crate::serve::ServeArgs,
}

pub(crate) fn run(data: &Path, args: DemoArgs) -> Result<ExitCode> {
    if !(args.scale.is_finite() && args.scale > 0.0) {
        bail!("--scale must be a positive number, not {}", args.scale);
    }
    let mut store = open_store(data)?;
    let stages: Vec<String> = store.config().pipeline.stages.iter().map(|stage| stage.name.0.clone()).collect();
    if stages.is_empty() {
        bail!(
            "{}: the pipeline has no stages; the demo needs some to move deals through",
            data.join("pulse.toml").display()
        );
    }
    let csv_dir = data.join("demo-csv");
    let started = Instant::now();
    let options = DemoOptions { scale: args.scale, seed: args.seed, stages };
    let summary = pulse_demo::generate(&csv_dir, &options)
        .with_context(|| format!("generating demo data in {}", csv_dir.display()))?;
    let generated_in = started.elapsed();
    let n_rows: u64 = summary.files.iter().map(|(_, _, rows)| rows).sum();
    eprintln!(
        "generated {n_rows} rows in {} files under {} in {:.2} s",
        summary.files.len(),
        csv_dir.display(),
        generated_in.as_secs_f64()
    );

    let lock = write_lock(&store)?;
    let sources = pulse_import::resolve_sources(std::slice::from_ref(&csv_dir), None)?;
    let started = Instant::now();
    let report =
        import(&mut store, &lock, &sources, ImportOptions { mode: ImportMode::AllOrNothing, progress: Progress::Auto })
            .context("importing the demo data")?;
    let imported_in = started.elapsed();
    print_report(&report);
    eprintln!(
        "imported {} rows in {:.2} s ({:.0} rows/s)",
        report.rows_read,
        imported_in.as_secs_f64(),
        report.rows_read as f64 / imported_in.as_secs_f64().max(1e-9)
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let started = Instant::now();
    pulse_engine::Engine::load(&store).context("preparing the metric engine")?;
    eprintln!("prepared the columnar snapshot in {:.2} s", started.elapsed().as_secs_f64());
    let password = crate::serve::demo_admin(&store)?;
    drop(lock);
    drop(store);
    println!(
        "Pulse is serving the demo data at http://{}/ (API page: http://{}/api/docs)",
        args.serve.bind, args.serve.bind
    );
    match password {
        Some(password) => println!(
            "sign in as admin with password {password} (shown once), e.g.\n  curl -c cookies -H 'Content-Type: application/json' \\\n    -d '{{\"name\":\"admin\",\"password\":\"{password}\"}}' http://{}/api/v1/session",
            args.serve.bind
        ),
        None => println!("sign in with an existing account (pulse users list)"),
    }
    crate::serve::run(data, &args.serve)
}
