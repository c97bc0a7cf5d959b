//! The tasks.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::setup::{self, cargo, root, run};

/// The main job: check the bundled questionnaires, build the form app into `dist/`
/// (unless it is already built from the sources as they are), give the demo team its
/// upload link (the same one at every start: see [`crate::demo_link`]), and run the
/// collection server with the app, the questionnaires and an embedded SQLite database
/// (`data/`) on 127.0.0.1:8080. Extra arguments go to `tianye serve` (e.g. `--bind
/// 127.0.0.1:9000`, `--data DIR`).
pub(crate) fn serve(args: &[String]) -> Result<()> {
    run(cargo().args(["build", "--quiet", "--release", "-p", "tianye"]))?;
    let tianye = setup::target_dir().join("release/tianye");
    run(Command::new(&tianye).args(["check", "questionnaires"]).current_dir(root()))?;
    crate::dist::dist_unless_current()?;
    let bind = flag(args, "--bind").unwrap_or("127.0.0.1:8080");
    let data = flag(args, "--data");
    let url = format!("http://{bind}");
    // The demo link's token goes where the server keeps its data: `--database` (or
    // TIANYE_DATABASE, which the `tianye` children see anyway) when given.
    let database = flag(args, "--database");
    let link =
        crate::demo_link::ensure(&tianye, Path::new(data.unwrap_or("data")), database, &url)?;
    println!("\n田野 Tianye: {url}/");
    println!("表单链接 / form link: {link}");
    println!("管理 / admin: {url}/admin\n");
    let mut cmd = Command::new(&tianye);
    cmd.args(["serve", "--forms", "questionnaires", "--web", "dist"]);
    if data.is_none() {
        cmd.args(["--data", "data"]);
    }
    run(cmd.args(args).current_dir(root()))
}

/// The value of `--name VALUE` or `--name=VALUE` in `args` (the last one given).
fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    let mut value = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == name {
            value = rest.next().map(String::as_str);
        } else if let Some(v) = arg.strip_prefix(name).and_then(|v| v.strip_prefix('=')) {
            value = Some(v);
        }
    }
    value
}

/// Every test: the app is built into `dist/` first (the browser tests drive that
/// build, optimised as shipped), then one workspace-wide `cargo test`, then the app's
/// in-browser unit tests (wasm-bindgen-test in headless Chromium).
pub(crate) fn test(_args: &[String]) -> Result<()> {
    setup::all()?;
    crate::dist::dist()?;
    let mut failed = Vec::new();
    // One workspace-wide run, so features unify once (json-schema, wasm, …).
    if let Err(e) = run(cargo().args([
        "test",
        "--workspace",
        "--exclude",
        "tianye-web",
        "--all-features",
        "--no-fail-fast",
    ])) {
        failed.push(e.to_string());
    }
    // The form app's plain-Rust rules (the upload queue, …), natively: they take no
    // browser type.
    if let Err(e) = run(cargo().args(["test", "-p", "tianye-web", "--lib"])) {
        failed.push(e.to_string());
    }
    // The form app's tests, in headless Chromium (wasm-bindgen-test-runner drives
    // chromedriver): the store, the components, and every bundled case gives the same
    // verdict there.
    if let Err(e) = wasm_tests() {
        failed.push(e.to_string());
    }
    // The engine as an npm package: every bundled case through Node's `import` and
    // `require`, and its types under `tsc --strict` (after the app's build: dist/npm/ is
    // inside dist/).
    if let Err(e) = crate::npm::test() {
        failed.push(e.to_string());
    }
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
    codegen(&["--check".to_owned()])?;
    if !failed.is_empty() {
        bail!("{}", failed.join("\n"));
    }
    Ok(())
}

/// `web/tests/*.rs` and the crate's unit tests under wasm-bindgen-test in headless
/// Chromium (the runner is the pinned `wasm-bindgen-test-runner`, found on PATH through
/// `.cargo/config.toml`).
fn wasm_tests() -> Result<()> {
    let tools = setup::wasm_bindgen()?;
    let path = std::env::join_paths(
        std::iter::once(tools)
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )?;
    run(cargo()
        .args(["test", "-p", "tianye-web", "--target", "wasm32-unknown-unknown"])
        .env("PATH", path)
        .env("CHROMEDRIVER", "chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "300")
        .env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "60"))
}

/// What CI runs.
pub(crate) fn ci(args: &[String]) -> Result<()> {
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--exclude",
        "tianye-web",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo().args([
        "clippy",
        "-p",
        "tianye-web",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
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

/// The benchmarks whose figures README reports; with `--peers`, Tianye's figures beside
/// its peers' instead (see [`crate::peers`]).
pub(crate) fn bench(args: &[String]) -> Result<()> {
    if args.iter().any(|a| a == "--peers") {
        return crate::peers::bench(args);
    }
    run(cargo().args(["bench", "-p", "tianye-core", "--bench", "engine", "--"]).args(args))?;
    run(cargo().args(["bench", "-p", "tianye-core", "--bench", "memory"]))?;
    run(cargo().args(["bench", "-p", "tianye-server", "--bench", "server"]))?;
    // The form app in headless Chromium, CPU throttled 4x (builds dist/ when stale).
    run(cargo().args(["bench", "-p", "tianye-tests", "--bench", "browser_perf"]))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_read_in_both_forms_and_the_last_wins() {
        let args: Vec<String> = [
            "--bind",
            "127.0.0.1:9000",
            "--data=/tmp/d",
            "--bind=0.0.0.0:80",
            "--cors-origin",
            "*",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(flag(&args, "--bind"), Some("0.0.0.0:80"));
        assert_eq!(flag(&args, "--data"), Some("/tmp/d"));
        assert_eq!(flag(&args, "--max-db-mb"), None);
        assert_eq!(flag(&["--bind".to_owned()], "--bind"), None, "no value given");
    }
}
