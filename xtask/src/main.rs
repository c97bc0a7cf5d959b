//! `cargo xtask <task>`: Tianye's developer tasks. Each task installs what it needs
//! first (skipping what is present), so a fresh machine needs nothing else.
//!
//! ```text
//! cargo xtask serve      the main job: check the bundled questionnaires, build (if stale) and serve
//! cargo xtask test       every test (installs the wasm target and test tools)
//! cargo xtask ci         fmt --check, clippy -D warnings, then test (what .ci/run does)
//! cargo xtask bench      the benchmarks whose figures README reports (--peers: beside SurveyJS, Enketo, ODK, pyxform)
//! cargo xtask npm      the engine as an npm package: dist/npm/tianye-core-<version>.tgz (--test: and its tests)
//! cargo xtask codegen    regenerate core/schema/questionnaire.schema.json (--check: fail if stale)
//! cargo xtask mutants    how many mutants of the rules the core's tests catch (hours; not in CI)
//! cargo xtask corpus DIR import every XLSForm under DIR beside pyxform's verdict
//! ```

mod corpus;
mod demo_link;
mod dist;
mod fingerprint;
mod mutants;
mod npm;
mod peers;
mod setup;
mod short_names;
mod tasks;
mod unused_classes;

use std::process::ExitCode;

/// Whether `args` ask for help (`-h`, `--help`) before any `--` (what follows `--` goes
/// to another program as it is).
fn asks_for_help(args: &[String]) -> bool {
    args.iter().take_while(|a| *a != "--").any(|a| a == "-h" || a == "--help")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((t, rest)) => (t.as_str(), rest),
        None => ("help", &[][..]),
    };
    // Help before anything is built or installed.
    if matches!(task, "help" | "-h" | "--help") || asks_for_help(rest) {
        print!("{}", include_str!("usage.txt"));
        return ExitCode::SUCCESS;
    }
    let result = match task {
        "serve" => tasks::serve(rest),
        "test" => tasks::test(rest),
        "ci" => tasks::ci(rest),
        "bench" => tasks::bench(rest),
        "codegen" => tasks::codegen(rest),
        "corpus" => corpus::corpus(rest),
        "setup" => setup::all(),
        "dist" => dist::dist(),
        "npm" if rest.iter().any(|a| a == "--test") => npm::test(),
        "npm" => npm::npm().map(drop),
        "size" => dist::size(true, rest.iter().any(|a| a == "--floor")),
        "mutants" => mutants::mutants(rest),
        _ => {
            eprintln!("xtask: 没有这个任务 / no such task: {task}\n");
            eprint!("{}", include_str!("usage.txt"));
            return ExitCode::from(2);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_asked_before_any_double_dash() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(asks_for_help(&args(&["--help"])));
        assert!(asks_for_help(&args(&["--bind", "127.0.0.1:0", "-h"])));
        assert!(!asks_for_help(&args(&["--bind", "127.0.0.1:0"])));
        assert!(!asks_for_help(&args(&["--", "--help"])), "after -- it is another program's");
    }
}
