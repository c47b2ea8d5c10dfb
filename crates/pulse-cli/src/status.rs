//! `pulse status`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use chrono::DateTime;

use crate::import::open_store;

pub(crate) fn run(data: &Path) -> Result<ExitCode> {
    let store = open_store(data)?;
    let config = store.config();
    let mut out = String::new();
    out.push_str(&format!("data directory  {}\n", store.dir().display()));
    out.push_str(&format!("timezone        {}\n", config.timezone));
    out.push_str(&format!("currency        {}\n", config.currency.0));
    out.push_str(&format!("store size      {}\n", human_bytes(store.size_bytes())));
    out.push_str("\nrecords\n");
    let mut total = 0;
    for (kind, count) in store.counts()? {
        total += count;
        out.push_str(&format!("  {:<22} {count:>10}\n", kind.name()));
    }
    out.push_str(&format!("  {:<22} {total:>10}\n", "total"));
    let imports = store.imports(5)?;
    out.push_str("\nlast imports\n");
    if imports.is_empty() {
        out.push_str("  none yet: pulse import FILES, or pulse demo\n");
    }
    for log in imports {
        let when = DateTime::from_timestamp_micros(log.started_at_micros)
            .map_or_else(String::new, |instant| instant.format("%Y-%m-%d %H:%M:%S UTC").to_string());
        out.push_str(&format!(
            "  #{} {when} {} ({}): {} read, {} new, {} updated, {} unchanged, {} rejected\n",
            log.id,
            log.status,
            log.mode,
            log.rows_read,
            log.rows_inserted,
            log.rows_updated,
            log.rows_unchanged,
            log.rows_rejected
        ));
        let mut files = log.files.join(", ");
        if files.len() > 200 {
            files = format!("{}… ({} files)", &files[..files.floor_char_boundary(200)], log.files.len());
        }
        out.push_str(&format!("      {files}\n"));
        if let Some(rejects) = log.rejects_file {
            out.push_str(&format!("      rejects: {rejects}\n"));
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}
