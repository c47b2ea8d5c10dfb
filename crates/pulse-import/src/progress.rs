//! Progress of a long import: a bar on a terminal, plain lines for logs, or nothing.

use std::io::{IsTerminal, Read};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How an import shows its progress on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A bar when standard error is a terminal, nothing otherwise.
    Auto,
    /// A line every [`PLAIN_EVERY_ROWS`] rows and one per phase, for logs and supervisors.
    Plain,
    Quiet,
}

/// Rows between two lines of plain progress.
pub const PLAIN_EVERY_ROWS: u64 = 100_000;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Phase {
    Checking,
    Writing,
}

impl Phase {
    fn describe(self) -> &'static str {
        match self {
            Phase::Checking => "checking references",
            Phase::Writing => "writing",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Tracker {
    plain: bool,
    bar: ProgressBar,
}

impl Tracker {
    pub(crate) fn new(progress: Progress, total_bytes: u64) -> Tracker {
        let show_bar = progress == Progress::Auto && std::io::stderr().is_terminal();
        let target = if show_bar { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(total_bytes), target);
        bar.set_style(
            ProgressStyle::with_template("{msg:>10} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.set_message("reading");
        Tracker { plain: progress == Progress::Plain, bar }
    }

    /// Wraps a file so that reading it advances the bar.
    pub(crate) fn reader<R: Read>(&self, input: R) -> impl Read {
        self.bar.wrap_read(input)
    }

    pub(crate) fn row(&self, rows_read: u64) {
        if self.plain && rows_read.is_multiple_of(PLAIN_EVERY_ROWS) {
            eprintln!("progress: {rows_read} rows read");
        }
    }

    pub(crate) fn phase(&self, phase: Phase) {
        if self.plain {
            eprintln!("progress: {}", phase.describe());
        }
        self.bar.set_message(phase.describe());
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
