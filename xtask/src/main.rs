//! `cargo xtask <task>`: Tianye's developer tasks. Each task installs what it needs
//! first (skipping what is present), so a fresh machine needs nothing else.
//!
//! ```text
//! cargo xtask serve      the main job: check the bundled questionnaires, build and serve
//! cargo xtask test       every test (installs the wasm target and test tools)
//! cargo xtask ci         fmt --check, clippy -D warnings, then test (what .ci/run does)
//! cargo xtask bench      the benchmarks whose figures README reports
//! cargo xtask codegen    regenerate core/schema/questionnaire.schema.json (--check: fail if stale)
//! ```

mod dist;
mod setup;
mod tasks;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((t, rest)) => (t.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match task {
        "serve" => tasks::serve(rest),
        "test" => tasks::test(rest),
        "ci" => tasks::ci(rest),
        "bench" => tasks::bench(rest),
        "codegen" => tasks::codegen(rest),
        "setup" => setup::all(),
        "dist" => dist::dist(),
        "size" => dist::size(true, rest.iter().any(|a| a == "--floor")),
        _ => {
            eprintln!("{}", include_str!("usage.txt"));
            return if task == "help" || task == "--help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: 失败 / failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
