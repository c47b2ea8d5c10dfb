//! Tests of the `pulse` binary as a user runs it.

mod commands;
mod crash;
mod report;

use std::path::Path;
use std::process::{Command, Output};

fn pulse(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pulse"));
    command.arg("--data").arg(data).args(args).env_remove("PULSE_DATA");
    command
}

fn run(data: &Path, args: &[&str]) -> Output {
    pulse(data, args).output().expect("pulse runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
