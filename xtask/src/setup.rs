//! Installing what the tasks need, each step skipped when already done.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The repository root.
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is in the repository")
        .to_owned()
}

/// Runs a command, failing with its command line if it fails.
pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    let line = format!("{cmd:?}");
    eprintln!("$ {line}");
    let status = cmd.status().with_context(|| format!("cannot start {line}"))?;
    if !status.success() {
        bail!("{line} exited with {status}");
    }
    Ok(())
}

/// A `cargo` command run from the repository root.
pub(crate) fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// The `wasm32-unknown-unknown` target for the browser build.
pub(crate) fn wasm_target() -> Result<()> {
    let installed =
        Command::new("rustup").args(["target", "list", "--installed"]).current_dir(root()).output();
    if installed
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
    {
        return Ok(());
    }
    run(Command::new("rustup")
        .args(["target", "add", "wasm32-unknown-unknown"])
        .current_dir(root()))
}

/// pyxform, the reference XLSForm converter, pinned: the differential XLSForm test
/// compares Tianye's import with it.
pub(crate) const PYXFORM: &str = "4.5.0";

/// pyxform for the differential XLSForm test.
pub(crate) fn pyxform() -> Result<()> {
    let check =
        format!("import pyxform, sys; sys.exit(0 if pyxform.__version__ == '{PYXFORM}' else 1)");
    if Command::new("python3").args(["-c", &check]).output().is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    run(Command::new("python3").args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("pyxform=={PYXFORM}"),
    ]))
}

/// Everything every task may need.
pub(crate) fn all() -> Result<()> {
    wasm_target()?;
    pyxform()?;
    Ok(())
}
