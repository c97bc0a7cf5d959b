//! `tianye schema`: print the JSON Schema of the questionnaire format.

use std::process::ExitCode;

/// Arguments of `tianye schema`.
#[derive(clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: &Args) -> ExitCode {
    print!("{}", tianye_core::schema::json_schema());
    ExitCode::SUCCESS
}
