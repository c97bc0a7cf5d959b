//! The tasks.

use anyhow::{Result, bail};

use crate::setup::{self, cargo, root, run};

/// The main job: check the bundled questionnaires, then run the collection server on
/// them (`data/`, 127.0.0.1:8080 unless other `tianye serve` options are given).
pub(crate) fn serve(args: &[String]) -> Result<()> {
    setup::wasm_target()?;
    run(cargo().args(["run", "--quiet", "-p", "tianye", "--", "check", "questionnaires"]))?;
    run(cargo()
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "tianye",
            "--",
            "serve",
            "--forms",
            "questionnaires",
        ])
        .args(args))
}

/// Every test.
pub(crate) fn test(_args: &[String]) -> Result<()> {
    setup::all()?;
    // One workspace-wide run, so features unify once (json-schema, wasm, …).
    run(cargo().args(["test", "--workspace", "--all-features", "--no-fail-fast"]))?;
    // The engine must build for the browser.
    run(cargo().args([
        "build",
        "-p",
        "tianye-core",
        "--features",
        "wasm",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    codegen(&["--check".to_owned()])
}

/// What CI runs.
pub(crate) fn ci(args: &[String]) -> Result<()> {
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    setup::wasm_target()?;
    run(cargo().args([
        "clippy",
        "-p",
        "tianye-core",
        "--features",
        "wasm",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    test(args)
}

/// The benchmarks whose figures README reports.
pub(crate) fn bench(args: &[String]) -> Result<()> {
    run(cargo().args(["bench", "-p", "tianye-core", "--bench", "engine", "--"]).args(args))?;
    run(cargo().args(["bench", "-p", "tianye-core", "--bench", "memory"]))?;
    run(cargo().args(["bench", "-p", "tianye-server", "--bench", "server"]))
}

/// Regenerates the committed JSON Schema, or with `--check` fails if it is stale.
pub(crate) fn codegen(args: &[String]) -> Result<()> {
    let out = cargo().args(["run", "--quiet", "-p", "tianye", "--", "schema"]).output()?;
    if !out.status.success() {
        bail!("tianye schema failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let path = root().join("core/schema/questionnaire.schema.json");
    let fresh = String::from_utf8(out.stdout)?;
    if args.iter().any(|a| a == "--check") {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed.trim_end() != fresh.trim_end() {
            bail!("{} is stale: run `cargo xtask codegen` and commit it", path.display());
        }
        eprintln!("{} is current", path.display());
    } else {
        std::fs::write(&path, fresh)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
