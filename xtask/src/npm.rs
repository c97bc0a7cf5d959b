//! The engine as an npm package, `tianye-core`, in `dist/npm/`, and its tests.
//!
//! One size-tuned build of `tianye-core` with its `wasm` feature, bound and optimised as
//! the app is ([`crate::dist::bind_and_optimize`]: wasm-bindgen `--target web`, esbuild,
//! wasm-opt). Browsers and bundlers import that glue (`await init()` fetches the
//! `.wasm`); Node imports or requires a small loader (`npm/node.mjs`, `npm/node.cjs`) that
//! reads the same `.wasm` from disk, so the entry has one module. The types are
//! hand-written (`npm/tianye-core.d.ts`), checked by `tsc --strict` in [`test()`].
//!
//! A second entry, `tianye-core/xlsform`, is the same engine built with the XLSForm
//! reader as well (`Engine.fromXlsform(bytes)`): a second, larger module
//! (`tianye_core_xlsform_bg.wasm`) that only its importers load, so the default entry's
//! module stays as small as the app's engine.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::dist::{Rounds, bind_and_optimize, build_wasm, dist_dir, gzip_len};
use crate::setup::{self, root, run};

/// The package's version: the crates' (the workspace's) version.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The XLSForm entry's module name: its glue `tianye_core_xlsform.js`, its
/// `tianye_core_xlsform_bg.wasm`.
const XLSFORM: &str = "tianye_core_xlsform";

/// The package's directory.
fn npm_dir() -> PathBuf {
    dist_dir().join(crate::setup::NPM_DIR)
}

/// The packed package, `dist/npm/tianye-core-<version>.tgz`.
fn tarball() -> PathBuf {
    npm_dir().join(format!("tianye-core-{VERSION}.tgz"))
}

/// `package.json`: `import` of browsers and bundlers gets the glue, Node's `import` and
/// `require` get the loaders; the types are the same declarations as ESM and CommonJS.
fn package_json() -> String {
    format!(
        r#"{{
  "name": "tianye-core",
  "version": "{VERSION}",
  "description": "Tianye's questionnaire engine (XLSForm-compatible logic, validation) in WebAssembly: load a questionnaire, validate and evaluate responses in browsers and Node / 田野问卷引擎",
  "license": "Apache-2.0",
  "type": "module",
  "sideEffects": ["./node.mjs", "./node.cjs", "./node-xlsform.mjs", "./node-xlsform.cjs"],
  "exports": {{
    ".": {{
      "node": {{
        "import": {{ "types": "./index.d.ts", "default": "./node.mjs" }},
        "require": {{ "types": "./index.d.cts", "default": "./node.cjs" }}
      }},
      "import": {{ "types": "./index.d.ts", "default": "./tianye_core.js" }},
      "require": {{ "types": "./index.d.cts", "default": "./node.cjs" }}
    }},
    "./xlsform": {{
      "node": {{
        "import": {{ "types": "./xlsform.d.ts", "default": "./node-xlsform.mjs" }},
        "require": {{ "types": "./xlsform.d.cts", "default": "./node-xlsform.cjs" }}
      }},
      "import": {{ "types": "./xlsform.d.ts", "default": "./{XLSFORM}.js" }},
      "require": {{ "types": "./xlsform.d.cts", "default": "./node-xlsform.cjs" }}
    }},
    "./tianye_core_bg.wasm": "./tianye_core_bg.wasm",
    "./{XLSFORM}_bg.wasm": "./{XLSFORM}_bg.wasm",
    "./questionnaire.schema.json": "./questionnaire.schema.json",
    "./package.json": "./package.json"
  }},
  "main": "./node.cjs",
  "module": "./tianye_core.js",
  "types": "./index.d.ts",
  "files": [
    "tianye_core.js",
    "tianye_core.cjs",
    "tianye_core_bg.wasm",
    "node.mjs",
    "node.cjs",
    "index.d.ts",
    "index.d.cts",
    "{XLSFORM}.js",
    "{XLSFORM}.cjs",
    "{XLSFORM}_bg.wasm",
    "node-xlsform.mjs",
    "node-xlsform.cjs",
    "xlsform.d.ts",
    "xlsform.d.cts",
    "questionnaire.schema.json",
    "README.md",
    "LICENSE"
  ],
  "engines": {{ "node": ">=18" }}
}}
"#
    )
}

/// `cargo xtask npm`: builds the package into `dist/npm/`, packs it to
/// `dist/npm/tianye-core-<version>.tgz` and prints the `.wasm`'s gzip size.
pub(crate) fn npm() -> Result<PathBuf> {
    let out = npm_dir();
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("cannot clear {}", out.display()))?;
    }
    std::fs::create_dir_all(&out)?;
    // Both builds leave the same artifact name: each is bound before the next is built.
    // The XLSForm module gets one round of wasm-opt: `--converge` would take it 1.3 KiB
    // (of 578) smaller for about a minute more of every test run.
    for (features, name, rounds) in
        [("wasm", "tianye_core", Rounds::Converge), ("wasm,xlsform", XLSFORM, Rounds::One)]
    {
        let wasm = build_wasm(&["-p", "tianye-core", "--features", features], "tianye_core.wasm")?;
        bind_and_optimize(&wasm, &out, name, rounds)?;
        // The same glue as CommonJS for `require` (its `import.meta.url` default, unused
        // there, becomes empty: the loader always passes the module's bytes).
        run(Command::new(setup::esbuild()?)
            .arg(out.join(format!("{name}.js")))
            .args(["--format=cjs", "--target=node18", "--log-level=error"])
            .arg(format!("--outfile={}", out.join(format!("{name}.cjs")).display())))?;
    }
    let sources = root().join("npm");
    for (from, to) in [
        ("node.mjs", "node.mjs"),
        ("node.cjs", "node.cjs"),
        ("node-xlsform.mjs", "node-xlsform.mjs"),
        ("node-xlsform.cjs", "node-xlsform.cjs"),
        ("tianye-core.d.ts", "index.d.ts"),
        ("tianye-core.d.ts", "index.d.cts"),
        ("xlsform.d.ts", "xlsform.d.ts"),
        ("README.md", "README.md"),
        ("LICENSE", "LICENSE"),
    ] {
        copy(&sources.join(from), &out.join(to))?;
    }
    // The CommonJS types of the XLSForm entry take the default entry's CommonJS types.
    let types = std::fs::read_to_string(sources.join("xlsform.d.ts"))?;
    std::fs::write(out.join("xlsform.d.cts"), types.replace("'./index.js'", "'./index.cjs'"))?;
    copy(
        &root().join("core/schema/questionnaire.schema.json"),
        &out.join("questionnaire.schema.json"),
    )?;
    std::fs::write(out.join("package.json"), package_json())?;
    run(Command::new("npm")
        .args(["pack", "--silent", "--pack-destination", "."])
        .current_dir(&out)
        .stdout(std::process::Stdio::null()))?;
    let packed = tarball();
    if !packed.is_file() {
        bail!("npm pack wrote no {}", packed.display());
    }
    let kib = |file: &str| -> Result<f64> { Ok(gzip_len(&out.join(file))? as f64 / 1024.0) };
    println!(
        "npm 包 / npm package: {} — tianye_core_bg.wasm {:.1} KiB gzip -9, tianye_core.js {:.1} KiB; \
         XLSForm entry: {XLSFORM}_bg.wasm {:.1} KiB, {XLSFORM}.js {:.1} KiB",
        packed.display(),
        kib("tianye_core_bg.wasm")?,
        kib("tianye_core.js")?,
        kib(&format!("{XLSFORM}_bg.wasm"))?,
        kib(&format!("{XLSFORM}.js"))?,
    );
    Ok(packed)
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))
}

/// Builds and packs the package, installs the tarball into a fresh Node project (a local
/// tarball with no dependencies: no network), runs every bundled case through Node's
/// `import` and `require` (`npm/test/cases.{mjs,cjs}`) and in headless Chromium from an
/// esbuild bundle (`npm/test/browser-run.mjs`), and type-checks `npm/test/check.ts` and
/// `check-require.cts` with `tsc --noEmit --strict` against the installed types, as Node
/// and as a bundler resolves them.
pub(crate) fn test() -> Result<()> {
    let tsc = setup::tsc()?;
    let packed = npm()?;
    let project = setup::target_dir().join("tmp").join(format!("npm-test-{}", std::process::id()));
    if project.exists() {
        std::fs::remove_dir_all(&project)?;
    }
    std::fs::create_dir_all(&project)?;
    let result = test_in(&project, &packed, &tsc);
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&project);
    }
    result
}

/// Writes what the case runs take beside the cases, for each bundled questionnaire under
/// `project/`:
/// - `served/<dir>.json`, when its choice lists come from files: the questionnaire as the
///   server serves it, the lists written in (the package, like the app, reads no files);
/// - `xlsform/<dir>.xlsx`: the questionnaire (as served) exported as an XLSForm workbook,
///   which the XLSForm entry's runs load instead of the JSON;
/// - `evaluations.json`: `{"<dir>/cases/<file>": evaluation}`, what the native engine's
///   `evaluate` gives for each case's response, which every run must give exactly.
fn write_native(project: &Path) -> Result<()> {
    let mut evaluations = serde_json::Map::new();
    for parent in ["questionnaires", "tests/fixtures/questionnaires"] {
        let mut dirs: Vec<_> = std::fs::read_dir(root().join(parent))?.flatten().collect();
        dirs.sort_by_key(std::fs::DirEntry::file_name);
        for dir in dirs {
            let form = dir.path().join("form.json");
            if !form.is_file() {
                continue;
            }
            let name = format!("{parent}/{}", dir.file_name().to_string_lossy());
            let text = std::fs::read_to_string(&form)?;
            let served = crate::dist::with_files_inlined(&form, text.clone())?;
            if served != text {
                write_in(project, &format!("served/{name}.json"), served.as_bytes())?;
            }
            let engine = tianye_core::Form::from_json(&served).map_err(|e| {
                let rendered: Vec<String> = e.diagnostics.iter().map(|d| d.render(&name)).collect();
                anyhow::anyhow!("{}", rendered.join("\n"))
            })?;
            let workbook = tianye_core::xlsform::export_xlsx(engine.questionnaire())
                .with_context(|| format!("{name}: cannot export it as XLSForm"))?;
            write_in(project, &format!("xlsform/{name}.xlsx"), &workbook)?;
            let cases = dir.path().join("cases");
            if !cases.is_dir() {
                continue;
            }
            let mut files: Vec<_> = std::fs::read_dir(&cases)?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            files.sort();
            for file in files {
                let case_name = format!(
                    "{name}/cases/{}",
                    file.file_name().unwrap_or_default().to_string_lossy()
                );
                let case = tianye_core::case::Case::from_json(&std::fs::read_to_string(&file)?)
                    .map_err(|d| anyhow::anyhow!("{}", d.render(&case_name)))?;
                let evaluation = engine.evaluate(&case.response, &tianye_core::Options::default());
                evaluations.insert(case_name, serde_json::to_value(evaluation)?);
            }
        }
    }
    write_in(project, "evaluations.json", serde_json::to_string(&evaluations)?.as_bytes())
}

/// Writes `bytes` to `project/relative`, making its folders.
fn write_in(project: &Path, relative: &str, bytes: &[u8]) -> Result<()> {
    let path = project.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn test_in(project: &Path, packed: &Path, tsc: &Path) -> Result<()> {
    std::fs::write(
        project.join("package.json"),
        "{\"name\": \"tianye-core-test\", \"private\": true, \"type\": \"module\"}\n",
    )?;
    for file in [
        "cases.mjs",
        "cases.cjs",
        "compare.cjs",
        "verdict.cjs",
        "browser.mjs",
        "browser-run.mjs",
        "check.ts",
        "check-require.cts",
    ] {
        copy(&root().join("npm/test").join(file), &project.join(file))?;
    }
    write_native(project)?;
    run(Command::new("npm")
        .args(["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"])
        .arg(packed)
        .current_dir(project))?;
    let mut failed = Vec::new();
    for script in ["cases.mjs", "cases.cjs"] {
        if let Err(e) = run(Command::new("node").arg(script).arg(root()).current_dir(project)) {
            failed.push(e.to_string());
        }
    }
    setup::chromium()?;
    if let Err(e) = run(Command::new("node")
        .arg("browser-run.mjs")
        .arg(root())
        .arg(setup::esbuild()?)
        .arg("chromium")
        .current_dir(project))
    {
        failed.push(e.to_string());
    }
    // Node's resolution (ESM and CommonJS) and a bundler's.
    for resolution in [["nodenext", "nodenext"], ["preserve", "bundler"]] {
        if let Err(e) = run(Command::new(tsc)
            .args(["--noEmit", "--strict", "--target", "es2022", "--module", resolution[0]])
            .args(["--moduleResolution", resolution[1], "check.ts", "check-require.cts"])
            .current_dir(project))
        {
            failed.push(e.to_string());
        }
    }
    if !failed.is_empty() {
        bail!(
            "the npm package's tests failed (project kept in {}):\n{}",
            project.display(),
            failed.join("\n")
        );
    }
    Ok(())
}
