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

/// The npm package's directory under `dist/` (which the app's build leaves alone).
pub(crate) const NPM_DIR: &str = "npm";

/// Cargo's target directory (`CARGO_TARGET_DIR` when set, else `target/`).
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() { dir } else { root().join(dir) }
        }
        _ => root().join("target"),
    }
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
    rustup_add("target", "wasm32-unknown-unknown")
}

/// The standard library's source, which the size-tuned browser build recompiles.
pub(crate) fn rust_src() -> Result<()> {
    rustup_add("component", "rust-src")
}

/// `rustup KIND add NAME` (`target` or `component`), unless `rustup KIND list
/// --installed` already lists it.
fn rustup_add(kind: &str, name: &str) -> Result<()> {
    let installed =
        Command::new("rustup").args([kind, "list", "--installed"]).current_dir(root()).output();
    if installed.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l == name)) {
        return Ok(());
    }
    run(Command::new("rustup").args([kind, "add", name]).current_dir(root()))
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

/// The wasm-bindgen version: the CLI must equal the `wasm-bindgen` crate exactly
/// (root `Cargo.toml` pins `=0.2.130`).
pub(crate) const WASM_BINDGEN: &str = "0.2.130";

/// binaryen's wasm-opt from npm (Debian's binaryen 108 produces modules that fail at
/// load: see TOOLCHAIN notes).
pub(crate) const BINARYEN: &str = "132.0.0";

/// esbuild from npm, which minifies the JavaScript glue wasm-bindgen writes.
pub(crate) const ESBUILD: &str = "0.28.2";

/// TypeScript from npm, whose `tsc --strict` checks the npm package's types.
pub(crate) const TYPESCRIPT: &str = "7.0.2";

/// Where tools installed for this repository live (inside `target/`, so `cargo clean`
/// removes them and git ignores them).
pub(crate) fn tools_dir() -> PathBuf {
    root().join("target/tools")
}

fn version_of(program: &PathBuf) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The `wasm-bindgen` CLI of the pinned version (and its test runner); returns the
/// directory holding them.
pub(crate) fn wasm_bindgen() -> Result<PathBuf> {
    let bin = tools_dir().join("bin");
    let exe = bin.join("wasm-bindgen");
    if version_of(&exe).is_some_and(|v| v.contains(WASM_BINDGEN))
        && bin.join("wasm-bindgen-test-runner").exists()
    {
        return Ok(bin);
    }
    // Not `--locked`: its lockfile pins a crate version this registry lacks.
    run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["install", "wasm-bindgen-cli", "--version", &format!("={WASM_BINDGEN}"), "--root"])
        .arg(tools_dir())
        .current_dir(std::env::temp_dir()))?;
    Ok(bin)
}

/// wasm-opt of the pinned binaryen.
pub(crate) fn wasm_opt() -> Result<PathBuf> {
    let major = BINARYEN.split('.').next().unwrap_or(BINARYEN);
    npm_tool("wasm-opt", &format!("binaryen@{BINARYEN}"), |v| v.contains(major))
}

/// Runs `wasm_opt` with `passes` on the module `wasm`, writing it back in place; what
/// it printed (a pass such as the renaming prints what it did).
pub(crate) fn wasm_opt_in_place(
    wasm_opt: &std::path::Path,
    wasm: &std::path::Path,
    passes: &[&str],
) -> Result<Vec<u8>> {
    let out = Command::new(wasm_opt)
        .args(passes)
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .output()
        .with_context(|| format!("cannot run {}", wasm_opt.display()))?;
    if !out.status.success() {
        bail!(
            "wasm-opt {} {} failed: {}",
            passes.join(" "),
            wasm.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// esbuild of the pinned version.
pub(crate) fn esbuild() -> Result<PathBuf> {
    npm_tool("esbuild", &format!("esbuild@{ESBUILD}"), |v| v.trim() == ESBUILD)
}

/// `tsc` of the pinned TypeScript.
pub(crate) fn tsc() -> Result<PathBuf> {
    npm_tool("tsc", &format!("typescript@{TYPESCRIPT}"), |v| v.trim().ends_with(TYPESCRIPT))
}

/// The command `bin` of the npm package `package` (`name@version`), installed into
/// [`tools_dir`] unless the one there already says a version that is `pinned`.
fn npm_tool(bin: &str, package: &str, pinned: impl Fn(&str) -> bool) -> Result<PathBuf> {
    let exe = tools_dir().join("node_modules/.bin").join(bin);
    if version_of(&exe).is_some_and(|v| pinned(&v)) {
        return Ok(exe);
    }
    std::fs::create_dir_all(tools_dir())?;
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
        .arg(tools_dir())
        .arg(package))?;
    Ok(exe)
}

/// Debian's Chromium and ChromeDriver, for the browser tests, and the Chinese font of
/// Android phones (Noto Sans CJK): without a Chinese font, Chinese text is drawn as
/// narrower boxes, and the layout checks at phone width (E9) measure the wrong page.
pub(crate) fn chromium() -> Result<()> {
    let have =
        |p: &str| Command::new(p).arg("--version").output().is_ok_and(|o| o.status.success());
    let chinese_font = Command::new("fc-list")
        .args([":lang=zh", "family"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("Noto Sans CJK"));
    if have("chromium") && have("chromedriver") && chinese_font {
        return Ok(());
    }
    run(&mut apt(&["update", "-q"]))?;
    run(&mut apt(&["install", "-y", "-q", "chromium", "chromium-driver", "fonts-noto-cjk"]))
}

/// `apt-get ARGS` (through sudo when not root), without questions.
fn apt(args: &[&str]) -> Command {
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut cmd = if root_user { Command::new("apt-get") } else { Command::new("sudo") };
    if !root_user {
        cmd.arg("apt-get");
    }
    cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    cmd
}

/// Debian's PSPP, which reads the SPSS export's syntax and data in the export tests
/// (about 15 s to install, without the recommended packages).
pub(crate) fn pspp() -> Result<()> {
    if Command::new("pspp").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    run(&mut apt(&["update", "-q"]))?;
    run(&mut apt(&["install", "-y", "-q", "--no-install-recommends", "pspp"]))
}

/// Debian's PostgreSQL server, for the tests that run the store on PostgreSQL: they
/// start a throwaway cluster of their own with its `initdb` and `pg_ctl`
/// (`tests/src/postgres.rs`); the packaged cluster itself is not used.
pub(crate) fn postgresql() -> Result<()> {
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .is_ok_and(|dir| dir.flatten().any(|version| version.path().join("bin/initdb").is_file()));
    if installed {
        return Ok(());
    }
    run(&mut apt(&["update", "-q"]))?;
    run(&mut apt(&["install", "-y", "-q", "--no-install-recommends", "postgresql"]))
}

/// Everything every task may need.
pub(crate) fn all() -> Result<()> {
    wasm_target()?;
    rust_src()?;
    pyxform()?;
    wasm_bindgen()?;
    wasm_opt()?;
    esbuild()?;
    tsc()?;
    chromium()?;
    pspp()?;
    postgresql()?;
    Ok(())
}
