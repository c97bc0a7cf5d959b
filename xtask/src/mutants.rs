//! `cargo xtask mutants`: how many mutants of the rules the core's tests catch.
//!
//! cargo-mutants (installed pinned into `target/tools`) changes the code of the files
//! below one mutation at a time (an operator turned, a branch deleted, a function's
//! body replaced) and runs the core's tests against each: a mutant no test notices is
//! a change to the rules that could ship unseen. The score is caught ÷ viable (caught,
//! missed and timed out; a mutant that does not compile is not viable); the missed ones
//! are listed in `target/mutants/mutants.out/missed.txt`. Each mutant rebuilds and
//! tests the core, so a run takes hours on two cores: not part of `test` or CI.
//! Arguments after the task go to `cargo mutants` (e.g. `--shard 1/4`, `--jobs 2`).

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::setup::{self, run, tools_dir};

/// The pinned cargo-mutants.
const CARGO_MUTANTS: &str = "27.1.0";

/// The files whose mutants are counted: the per-answer rules, the validator, the
/// identifier checks, the evaluator and its values.
pub(crate) const FILES: [&str; 5] = [
    "core/src/validate/rules.rs",
    "core/src/validate/mod.rs",
    "core/src/validate/ids.rs",
    "core/src/expr/eval.rs",
    "core/src/expr/value.rs",
];

/// The test targets run against each mutant (`cargo test` arguments).
const TEST_TARGETS: [&str; 7] = [
    "--lib",
    "--test=engine",
    "--test=expr",
    "--test=functions",
    "--test=limits",
    "--test=session",
    "--test=cases",
];

/// Seconds a mutant's tests may take before it counts as caught (a mutant that loops).
const TIMEOUT: &str = "180";

/// Installs cargo-mutants, runs it on [`FILES`], and prints the score.
pub(crate) fn mutants(extra: &[String]) -> Result<()> {
    let bin = tools_dir().join("bin");
    let exe = bin.join("cargo-mutants");
    let installed = Command::new(&exe)
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(CARGO_MUTANTS));
    if !installed {
        run(setup::cargo()
            .args(["install", "cargo-mutants", "--locked", "--version"])
            .arg(format!("={CARGO_MUTANTS}"))
            .arg("--root")
            .arg(tools_dir())
            .current_dir(std::env::temp_dir()))?;
    }
    let out = setup::target_dir().join("mutants");
    let mut cmd = Command::new(&exe);
    // Every feature, so that every test target of the core runs (the bundled cases need
    // `choice-files`: without it the unmutated baseline fails and nothing is measured).
    cmd.args(["mutants", "--package", "tianye-core", "--all-features", "--no-shuffle", "--output"])
        .arg(&out);
    // `--file F` among the arguments measures F alone (e.g. one of FILES at a time).
    let chosen: Vec<&str> = extra
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a.as_str() {
            "-f" | "--file" => extra.get(i + 1).map(String::as_str),
            a => a.strip_prefix("--file="),
        })
        .collect();
    let files: Vec<&str> = if chosen.is_empty() { FILES.to_vec() } else { Vec::new() };
    for file in &files {
        cmd.args(["--file", file]);
    }
    // The core's test targets that exercise these files: the whole suite catches every
    // mutant these catch, and takes minutes more a mutant (its property tests and
    // XLSForm corpus). A mutant that loops counts as caught after TIMEOUT.
    for target in TEST_TARGETS {
        cmd.arg(format!("--cargo-test-arg={target}"));
    }
    cmd.args(["--timeout", TIMEOUT]);
    cmd.args(extra).current_dir(setup::root());
    // cargo-mutants exits 2 when some mutants live, 3 when some timed out: the score
    // says how many, so only other failures stop here.
    let status = cmd.status().context("run cargo mutants")?;
    if !matches!(status.code(), Some(0 | 2 | 3)) {
        bail!("cargo mutants failed: {status}");
    }
    // `--list` and the like only print what would be tested.
    if extra.iter().any(|a| a.starts_with("--list")) {
        return Ok(());
    }
    let count = |name: &str| -> usize {
        std::fs::read_to_string(out.join("mutants.out").join(format!("{name}.txt")))
            .map_or(0, |t| t.lines().filter(|l| !l.trim().is_empty()).count())
    };
    let (caught, missed, timeout, unviable) =
        (count("caught"), count("missed"), count("timeout"), count("unviable"));
    let viable = caught + missed + timeout;
    let score = if viable == 0 { 0.0 } else { 100.0 * (caught + timeout) as f64 / viable as f64 };
    println!(
        "变异体 / mutants of {}:\n  捕获 / caught {caught}, 超时 / timed out {timeout}, 存活 / missed {missed}, 不可编译 / unviable {unviable}\n  得分 / score: {score:.1}% of {viable} viable (存活的见 / the missed ones: {})",
        if chosen.is_empty() { FILES.join(", ") } else { chosen.join(", ") },
        out.join("mutants.out/missed.txt").display()
    );
    Ok(())
}
