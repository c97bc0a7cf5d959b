//! Building the form app into `dist/` and reporting its size.
//!
//! `cargo build --profile wasm-release` (size-tuned, the standard library rebuilt for
//! size) → `wasm-bindgen --target web` (the CLI pinned to the crate's version) →
//! `wasm-opt -Oz --converge` (pinned binaryen) → static files, the bundled questionnaires and the
//! service worker with its shell list. `dist/.inputs` records what the build read and
//! left, so `cargo xtask serve` can skip a build that would change nothing.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::fingerprint::{self, Fingerprint, Freshness};
use crate::setup::{self, cargo, root, run};

/// The output directory.
pub(crate) fn dist_dir() -> PathBuf {
    root().join("dist")
}

/// The ceiling of the app shell (wasm + JS + CSS), gzip -9, in KiB: it may not grow past
/// the 399 KiB it was held to (the 200 KiB an early issue set is out of reach, README
/// says why).
pub(crate) const BUDGET_KIB: f64 = 399.0;

/// Builds the app into `dist/`, whatever is there, and records what it was built from.
pub(crate) fn dist() -> Result<()> {
    build(&Fingerprint::current())
}

/// Builds the app into `dist/` unless `dist/` was built from the inputs as they are now
/// and is as that build left it (see [`crate::fingerprint`]).
pub(crate) fn dist_unless_current() -> Result<()> {
    let inputs = Fingerprint::current();
    match fingerprint::freshness(&dist_dir(), &inputs) {
        Freshness::Current => {
            eprintln!("dist/ 已是最新 / dist/ is up to date");
            Ok(())
        }
        Freshness::Stale(why) => {
            let (zh, en) = why.words();
            eprintln!("重新构建 dist/：{zh} / rebuilding dist/: {en}");
            build(&inputs)
        }
    }
}

/// Builds the app into `dist/` from `inputs` (their fingerprint taken before the build
/// reads them) and records them in `dist/.inputs` last, once every file is written.
fn build(inputs: &Fingerprint) -> Result<()> {
    let wasm = build_wasm(&["-p", "tianye-web"], "tianye_web.wasm")?;
    let out = dist_dir();
    clear_except_npm(&out)?;
    std::fs::create_dir_all(out.join("questionnaires"))?;
    bind_and_optimize(&wasm, &out, "tianye", Rounds::Converge)?;
    for entry in std::fs::read_dir(root().join("web/static"))? {
        let path = entry?.path();
        let to = out.join(path.file_name().expect("file"));
        if path.extension().is_some_and(|e| e == "css") {
            let css = std::fs::read_to_string(&path)?;
            std::fs::write(
                &to,
                join_css_lines(
                    &strip_css_comments(&css).with_context(|| path.display().to_string())?,
                ),
            )?;
        } else if path.file_name().is_some_and(|n| n != "sw.js") {
            std::fs::copy(&path, to)?;
        }
    }
    let mut shell = vec![
        "./".to_owned(),
        "./index.html".to_owned(),
        "./start.js".to_owned(),
        "./boot.js".to_owned(),
        "./tianye.js".to_owned(),
        "./tianye_bg.wasm".to_owned(),
        "./style.css".to_owned(),
        "./manifest.webmanifest".to_owned(),
        "./icon.svg".to_owned(),
        "./tianye-embed.js".to_owned(),
        "./questionnaires/index.json".to_owned(),
    ];
    shell.extend(
        bundle_questionnaires(&out.join("questionnaires"))?
            .into_iter()
            .map(|f| format!("./questionnaires/{f}")),
    );
    // The service worker: the shell list, and a build id from the shell's contents so a
    // new build replaces the old cache.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in &shell {
        let path = out.join(file.trim_start_matches("./"));
        if path.is_file() {
            std::fs::read(&path)?.hash(&mut hasher);
        }
    }
    let build = format!("{:016x}", hasher.finish());
    let sw = std::fs::read_to_string(root().join("web/static/sw.js"))?
        .replace("__BUILD__", &build)
        .replace("__SHELL__", &serde_json_list(&shell));
    std::fs::write(out.join("sw.js"), sw)?;
    std::fs::write(out.join("build.txt"), &build)?;
    precompress(&out)?;
    fingerprint::record(&out, inputs)?;
    eprintln!("dist/ built ({build})");
    size(false, false)
}

/// Empties `dir` but for the npm package (`cargo xtask npm`'s, built separately).
fn clear_except_npm(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n == crate::setup::NPM_DIR) {
            continue;
        }
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.with_context(|| format!("cannot clear {}", path.display()))?;
    }
    Ok(())
}

/// Builds for the browser with the size-tuned profile (`args`: the package, and more
/// cargo arguments such as features or an example) and returns the path of `artifact`
/// (`tianye_web.wasm`, `examples/floor.wasm`) in the target directory.
pub(crate) fn build_wasm(args: &[&str], artifact: &str) -> Result<PathBuf> {
    setup::wasm_target()?;
    setup::rust_src()?;
    // The standard library rebuilt for size: `optimize_for_size` picks its small
    // algorithms, and `panic=immediate-abort` drops panic messages and their formatting
    // (a panic traps at once; the app has none on any input). These are unstable flags of
    // the pinned stable compiler, allowed by `RUSTC_BOOTSTRAP` for this build only;
    // together they take about 35 KiB gzip off the shell (see README, "Size").
    // `-Zfmt-debug=none` makes every `Debug` impl print nothing (0.7 KiB): what the app
    // shows or stores must never come from `{:?}`.
    // Without the WebAssembly features Rust enables by default that older browsers lack
    // (reference types, multi-value: Chrome 96 and 85): see [`BROWSER_FLOOR`].
    run(cargo().env("RUSTC_BOOTSTRAP", "1").args([
        "build",
        "--profile",
        "wasm-release",
        "--target",
        "wasm32-unknown-unknown",
        "-Z",
        "build-std=std,panic_abort",
        "-Z",
        "build-std-features=optimize_for_size",
        "--config",
        r#"target.wasm32-unknown-unknown.rustflags=["-Zunstable-options", "-Cpanic=immediate-abort", "-Zlocation-detail=none", "-Zfmt-debug=none", "-Ctarget-feature=-reference-types,-multivalue"]"#,
    ]).args(args))?;
    Ok(setup::target_dir().join("wasm32-unknown-unknown/wasm-release").join(artifact))
}

/// How many rounds of `wasm-opt -Oz` a module gets.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rounds {
    /// Until they stop shrinking it (`--converge`): what the app ships.
    Converge,
    /// One: for a large optional module where further rounds cost more seconds than bytes.
    One,
}

/// Runs wasm-bindgen (`--target web`) on `wasm` into `out` as `name.js` and
/// `name_bg.wasm`, drops the JS classes nothing creates ([`crate::unused_classes`]),
/// gives their imports and exports short names ([`crate::short_names`]), minifies the former with esbuild, then `wasm-opt -Oz
/// [--converge] --low-memory-unused` on the latter.
pub(crate) fn bind_and_optimize(wasm: &Path, out: &Path, name: &str, rounds: Rounds) -> Result<()> {
    let bindgen = setup::wasm_bindgen()?;
    let wasm_opt = setup::wasm_opt()?;
    run(Command::new(bindgen.join("wasm-bindgen"))
        .args(["--target", "web", "--no-typescript", "--out-name", name, "--out-dir"])
        .arg(out)
        .arg(wasm))?;
    let glue = out.join(format!("{name}.js"));
    let raw = out.join(format!("{name}_bg.wasm"));
    crate::unused_classes::drop_unused(&wasm_opt, &raw, &glue)?;
    // Imports and exports by short names, in the module and the glue (about 7.5 KiB gzip).
    crate::short_names::shorten(&wasm_opt, &raw, &glue)?;
    // The glue minified (about 2.3 KiB gzip), never rewritten past the browser floor, with
    // the `inline_js` modules it imports bundled in: one file for the shell to fetch and cache.
    run(Command::new(setup::esbuild()?)
        .arg(&glue)
        .args([
            "--bundle",
            "--minify",
            "--format=esm",
            "--target=chrome80,safari15,firefox79",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", glue.display()))
        .arg("--allow-overwrite"))?;
    let snippets = out.join("snippets");
    if snippets.exists() {
        std::fs::remove_dir_all(&snippets)?;
    }
    let optimized = out.join(format!("{name}_bg.opt.wasm"));
    memory_starts_high(&raw)?;
    // `--converge` repeats the passes while they still shrink the module: about 1.2 KiB
    // gzip less than one round, for some 12 s more. `--low-memory-unused` lets binaryen fold
    // constant addresses into load/store offsets (about 3 KiB gzip): it must stay true that
    // nothing lives below address 1024, which holds while rustc links the stack first (the
    // 1 MiB shadow stack below the data, growing down from its top; `memory_starts_high`
    // checks the built module).
    run(Command::new(&wasm_opt)
        .arg("-Oz")
        .args((rounds == Rounds::Converge).then_some("--converge"))
        .arg("--low-memory-unused")
        .arg(&raw)
        .arg("-o")
        .arg(&optimized))?;
    std::fs::rename(&optimized, &raw)?;
    check_browser_floor(&wasm_opt, &raw)?;
    strip_custom_sections(&raw)
}

/// Drops every custom section of the module at `wasm` (0.2 KiB gzip): browsers and Node
/// read none of them. What the build leaves there is `producers` (the tools' versions),
/// `target_features` (which [`check_browser_floor`] has read by then) and Leptos's
/// `__wasm_split_unstable`.
fn strip_custom_sections(wasm: &Path) -> Result<()> {
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let stripped = without_custom_sections(&bytes).with_context(|| wasm.display().to_string())?;
    std::fs::write(wasm, stripped).with_context(|| format!("cannot write {}", wasm.display()))
}

/// `module` without its custom sections (id 0); the other sections as they are.
fn without_custom_sections(module: &[u8]) -> Result<Vec<u8>> {
    let Some((header, mut rest)) = module.split_at_checked(8) else {
        bail!("not a WebAssembly module: {} bytes", module.len())
    };
    if header[..4] != *b"\0asm" {
        bail!("not a WebAssembly module");
    }
    let mut out = header.to_vec();
    while let Some((&id, after_id)) = rest.split_first() {
        // The section's size: unsigned LEB128, at most 5 bytes.
        let (mut size, mut shift, mut len) = (0usize, 0, 0);
        loop {
            let Some(&byte) = after_id.get(len).filter(|_| len < 5) else {
                bail!("a section's size is cut off or too long")
            };
            size |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            len += 1;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let Some(end) = (1 + len).checked_add(size).filter(|&end| end <= rest.len()) else {
            bail!("a section runs past the end of the module")
        };
        if id != 0 {
            out.extend_from_slice(&rest[..end]);
        }
        rest = &rest[end..];
    }
    Ok(out)
}

/// The WebAssembly features of the oldest browsers the app runs in: Chrome and Android
/// WebView 80 (which Tencent's X5 WebView and older phones' system browsers are past),
/// Safari 15, Firefox 79. As `wasm-opt` flags.
const BROWSER_FLOOR: [&str; 6] = [
    "--mvp-features",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
];

/// Fails when `wasm` uses a WebAssembly feature beyond [`BROWSER_FLOOR`]: such a module
/// does not even compile in an older browser, which then shows nothing of the app.
/// `wasm-opt` validates the module against those features alone, once the features it
/// declares are stripped (they would be taken as allowed).
fn check_browser_floor(wasm_opt: &Path, wasm: &Path) -> Result<()> {
    let stripped = wasm.with_extension("floor.wasm");
    run(Command::new(wasm_opt).arg("--strip-target-features").arg(wasm).arg("-o").arg(&stripped))?;
    let out = Command::new(wasm_opt).args(BROWSER_FLOOR).arg(&stripped).output();
    let _ = std::fs::remove_file(&stripped);
    let out = out.with_context(|| format!("cannot run {}", wasm_opt.display()))?;
    if out.status.success() {
        return Ok(());
    }
    // The features it was built with beyond the floor name the likely culprit.
    let declared = Command::new(wasm_opt).arg("--print-features").arg(wasm).output()?;
    let beyond: Vec<String> = String::from_utf8_lossy(&declared.stdout)
        .lines()
        .filter(|f| f.starts_with("--enable-") && !BROWSER_FLOOR.contains(f))
        .map(|f| f.trim_start_matches("--enable-").to_owned())
        .collect();
    bail!(
        "{} uses WebAssembly features that browsers older than Chrome 80 or Safari 15 lack, \
         so it would not start there (built with: {}):\n{}",
        wasm.display(),
        beyond.join(", "),
        String::from_utf8_lossy(&out.stderr).trim()
    )
}

/// The lowest address `--low-memory-unused` lets binaryen assume is never read or written.
const LOW_MEMORY_END: u64 = 1024;

/// Fails unless every data segment of `wasm` lies at or above [`LOW_MEMORY_END`]: the
/// promise `--low-memory-unused` makes to binaryen. A linker change that put data at
/// address 0 would otherwise produce a module that reads the wrong bytes.
fn memory_starts_high(wasm: &Path) -> Result<()> {
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        let wasmparser::Payload::DataSection(segments) = payload? else { continue };
        for segment in segments {
            let segment = segment?;
            let wasmparser::DataKind::Active { offset_expr, .. } = segment.kind else { continue };
            let start = match offset_expr.get_operators_reader().read()? {
                wasmparser::Operator::I32Const { value } => u64::from(value.cast_unsigned()),
                other => {
                    bail!("{}: a data segment starts at {other:?}, not a constant", wasm.display())
                }
            };
            if start < LOW_MEMORY_END {
                bail!(
                    "{}: a data segment starts at address {start}, below {LOW_MEMORY_END}; \
                     `wasm-opt --low-memory-unused` would break the module",
                    wasm.display()
                );
            }
        }
    }
    Ok(())
}

fn serde_json_list(items: &[String]) -> String {
    let quoted: Vec<String> =
        items.iter().map(|s| format!("\"{}\"", s.replace('"', "\\\""))).collect();
    format!("[{}]", quoted.join(", "))
}

/// Copies every bundled questionnaire to `dir/<id>.json` and writes `dir/index.json`;
/// returns the file names.
fn bundle_questionnaires(dir: &Path) -> Result<Vec<String>> {
    let mut entries = Vec::new();
    let mut files = Vec::new();
    let mut forms: Vec<PathBuf> = std::fs::read_dir(root().join("questionnaires"))?
        .flatten()
        .map(|e| e.path().join("form.json"))
        .filter(|p| p.is_file())
        .collect();
    forms.sort();
    for form in forms {
        let text = with_files_inlined(&form, std::fs::read_to_string(&form)?)?;
        let id = field(&text, "id").with_context(|| format!("{}: no id", form.display()))?;
        let version =
            field(&text, "version").with_context(|| format!("{}: no version", form.display()))?;
        let title = title(&text).unwrap_or_else(|| format!("\"{id}\""));
        let file = format!("{id}.json");
        std::fs::write(dir.join(&file), &text)?;
        entries.push(format!("{{\"id\": \"{id}\", \"version\": \"{version}\", \"title\": {title}, \"file\": \"{file}\"}}"));
        files.push(file);
    }
    std::fs::write(
        dir.join("index.json"),
        format!("{{\"questionnaires\": [\n  {}\n]}}\n", entries.join(",\n  ")),
    )?;
    Ok(files)
}

/// The questionnaire at `form` (its JSON `text`) as the app takes it: a questionnaire
/// whose choice lists come from files gets them written in, as the server serves it
/// (`Questionnaire::with_files_inlined`); any other is copied as it is.
pub(crate) fn with_files_inlined(form: &Path, text: String) -> Result<String> {
    use tianye_core::{Questionnaire, choice_file};
    let name = form.display().to_string();
    let mut questionnaire =
        Questionnaire::from_json(&text).map_err(|d| anyhow::anyhow!("{}", d.render(&name)))?;
    if questionnaire.choice_files.is_empty() {
        return Ok(text);
    }
    let errors = questionnaire.load_choice_files(choice_file::reader_beside(form));
    if !errors.is_empty() {
        let rendered: Vec<String> = errors.iter().map(|d| d.render(&name)).collect();
        bail!("{}", rendered.join("\n"));
    }
    Ok(serde_json::to_string_pretty(&questionnaire.with_files_inlined())?)
}

/// The string value of a top-level `"key": "value"` (the first occurrence).
fn field(text: &str, key: &str) -> Option<String> {
    let at = text.find(&format!("\"{key}\""))?;
    let rest = &text[at + key.len() + 2..];
    let rest = rest[rest.find(':')? + 1..].trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// The JSON text of the top-level `"title"` (a string or an object).
fn title(text: &str) -> Option<String> {
    let at = text.find("\"title\"")?;
    let rest = &text[at + 7..];
    let rest = rest[rest.find(':')? + 1..].trim_start();
    if let Some(inner) = rest.strip_prefix('"') {
        let end = inner.find('"')?;
        Some(format!("\"{}\"", &inner[..end]))
    } else {
        let end = rest.find('}')? + 1;
        Some(rest[..end].to_owned())
    }
}

pub(crate) fn gzip_len(path: &Path) -> Result<usize> {
    let data = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(gzip(&data)?.len())
}

fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data)?;
    Ok(gz.finish()?)
}

fn brotli(data: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 24, ..Default::default() };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
    Ok(out)
}

/// Writes a `.br` (brotli 11) and a `.gz` (gzip -9) copy beside every text or wasm file
/// under `dir` (but the npm package), which `tianye serve` sends to browsers that take them.
fn precompress(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            // The npm package is not served.
            if path.file_name().is_none_or(|n| n != crate::setup::NPM_DIR) {
                precompress(&path)?;
            }
            continue;
        }
        let compressible = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(e, "wasm" | "js" | "css" | "html" | "json" | "webmanifest" | "svg")
        });
        if !compressible {
            continue;
        }
        let data = std::fs::read(&path)?;
        for (suffix, packed) in [("br", brotli(&data)?), ("gz", gzip(&data)?)] {
            if packed.len() < data.len() {
                let mut name = path.clone().into_os_string();
                name.push(format!(".{suffix}"));
                std::fs::write(&name, packed)?;
            }
        }
    }
    Ok(())
}

/// Reports the app shell's size (gzip -9) next to its peers, and with `floor` the size of
/// the engine built alone and of the least Leptos app on it; fails over budget when
/// `strict`.
pub(crate) fn size(strict: bool, floor: bool) -> Result<()> {
    let out = dist_dir();
    if !out.join("tianye_bg.wasm").exists() {
        bail!("dist/ is not built: run `cargo xtask dist` first");
    }
    let mut total = 0usize;
    let mut total_br = 0usize;
    println!("| file | raw KiB | gzip -9 KiB | brotli KiB (as sent) |\n|---|---|---|---|");
    for name in ["tianye_bg.wasm", "tianye.js", "style.css"] {
        let path = out.join(name);
        let raw = std::fs::metadata(&path)?.len() as f64 / 1024.0;
        let gz = gzip_len(&path)?;
        let br = std::fs::metadata(out.join(format!("{name}.br")))
            .map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
        total += gz;
        total_br += br;
        println!("| {name} | {raw:.1} | {:.1} | {:.1} |", gz as f64 / 1024.0, br as f64 / 1024.0);
    }
    let total_kib = total as f64 / 1024.0;
    println!(
        "| **app shell** | | **{total_kib:.1}** (budget {BUDGET_KIB:.0}) | {:.1} |",
        total_br as f64 / 1024.0
    );
    peer_sizes();
    if floor {
        let core = ["-p", "tianye-core", "--no-default-features", "--features", "wasm"];
        let engine = alone(&core, "tianye_core.wasm", "engine")?;
        let leptos =
            alone(&["-p", "tianye-web", "--example", "floor"], "examples/floor.wasm", "floor")?;
        println!(
            "\nFloors, built the same way (`cargo xtask size --floor`), wasm + JS gzip -9:\n\
             - the engine alone (`tianye-core`'s JavaScript API: load a questionnaire, validate, evaluate; no Leptos): {:.1} KiB\n\
             - Leptos + gloo-storage + the engine with none of the app's screens (`web/examples/floor.rs`): {:.1} KiB",
            engine as f64 / 1024.0,
            leptos as f64 / 1024.0
        );
    }
    if strict && total_kib > BUDGET_KIB {
        bail!("the app shell is {total_kib:.1} KiB gzip, over the {BUDGET_KIB:.0} KiB budget");
    }
    Ok(())
}

/// The peers' sizes from the last `cargo xtask bench --peers` on this machine (its
/// size rows in `target/peers.md`, measured the same way), or how to measure them.
fn peer_sizes() {
    let path = setup::target_dir().join("peers.md");
    let rows: Vec<String> = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("gzip -9"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            format!("{} {}", cells.get(3).unwrap_or(&""), cells.get(4).unwrap_or(&""))
        })
        .collect();
    if rows.is_empty() {
        println!(
            "\n同类产品的体积由 `cargo xtask bench --peers` 在本机测量 / the peers' sizes: run `cargo xtask bench --peers` (measured the same way, on this machine)"
        );
    } else {
        println!(
            "\nPeers, gzip -9, from the last `cargo xtask bench --peers` ({}):",
            path.display()
        );
        for row in rows {
            println!("- {row}");
        }
    }
}

/// Builds `artifact` (`args` as for [`build_wasm`]) the way `dist` builds the app, into
/// `target/size-floor/` as `name`; returns the gzip -9 bytes of its wasm and JS glue
/// together.
fn alone(args: &[&str], artifact: &str, name: &str) -> Result<usize> {
    let wasm = build_wasm(args, artifact)?;
    let out = setup::target_dir().join("size-floor");
    std::fs::create_dir_all(&out)?;
    bind_and_optimize(&wasm, &out, name, Rounds::Converge)?;
    Ok(gzip_len(&out.join(format!("{name}_bg.wasm")))? + gzip_len(&out.join(format!("{name}.js")))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks the module written as `wat` (text) against the browser floor, built first
    /// the way Rust's toolchain leaves a module: with the features Rust enables by
    /// default declared in its target features section.
    fn floor_check(name: &str, wat: &str) -> Result<()> {
        let dir = std::env::temp_dir().join(format!("tianye-floor-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (text, module) = (dir.join("m.wat"), dir.join("m.wasm"));
        std::fs::write(&text, wat)?;
        let wasm_opt = setup::wasm_opt()?;
        run(Command::new(&wasm_opt)
            .args(["--enable-reference-types", "--enable-multivalue", "--enable-sign-ext"])
            .args(["--enable-bulk-memory", "--enable-bulk-memory-opt", "--emit-target-features"])
            .arg(&text)
            .arg("-o")
            .arg(&module))?;
        let result = check_browser_floor(&wasm_opt, &module);
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    #[test]
    fn the_browser_floor_refuses_reference_types_and_multi_value_and_takes_bulk_memory() {
        let refs = floor_check("refs", "(module (func (export \"f\") (param externref)))");
        let err = refs.expect_err("externref is past the floor").to_string();
        assert!(err.contains("Chrome 80") && err.contains("reference-types"), "{err}");
        let multi = floor_check(
            "multi",
            "(module (func (export \"f\") (result i32 i32) i32.const 1 i32.const 2))",
        );
        assert!(multi.is_err(), "two results are past the floor");
        floor_check(
            "bulk",
            "(module (memory 1) (func (export \"f\") (i32.extend8_s (i32.const 1)) drop
               (memory.fill (i32.const 0) (i32.const 0) (i32.const 8))))",
        )
        .expect("sign extension and bulk memory are within the floor");
    }

    #[test]
    fn custom_sections_go_and_every_other_section_stays() {
        let header = b"\0asm\x01\0\0\0";
        let types = [1u8, 4, 1, 0x60, 0, 0]; // one type: () -> ()
        let functions = [3u8, 2, 1, 0]; // one function of type 0
        let code = [10u8, 4, 1, 2, 0, 0x0b]; // its body: no locals, end
        let producers = [0u8, 5, 1, b'p', 1, 2, 3];
        let features = [0u8, 0x82, 0, 1, b'f']; // a size written in two bytes
        let module = [&header[..], &producers, &types, &features, &functions, &code].concat();
        let bare = [&header[..], &types, &functions, &code].concat();
        assert_eq!(without_custom_sections(&module).expect("stripped"), bare);
        assert_eq!(without_custom_sections(&bare).expect("nothing to strip"), bare);
        let stripped = without_custom_sections(&module).expect("stripped");
        for payload in wasmparser::Parser::new(0).parse_all(&stripped) {
            assert!(
                !matches!(payload.expect("still reads"), wasmparser::Payload::CustomSection(_)),
                "no custom section left"
            );
        }
        for (bad, why) in [
            (module[..module.len() - 1].to_vec(), "past the end"),
            ([&header[..], &[0u8, 0x80]].concat(), "cut off"),
            (b"\0wasm\x01\0\0\0".to_vec(), "not a WebAssembly module"),
            (b"\0as".to_vec(), "not a WebAssembly module"),
        ] {
            let err = without_custom_sections(&bad).expect_err(why).to_string();
            assert!(err.contains(why), "{why}: {err}");
        }
    }

    /// Assembles `wat` with the pinned wasm-opt and runs [`memory_starts_high`] on it.
    fn low_memory_check(name: &str, wat: &str) -> Result<()> {
        let dir = std::env::temp_dir().join(format!("tianye-low-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (text, module) = (dir.join("m.wat"), dir.join("m.wasm"));
        std::fs::write(&text, wat)?;
        run(Command::new(setup::wasm_opt()?).arg(&text).arg("-o").arg(&module))?;
        let result = memory_starts_high(&module);
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    #[test]
    fn data_below_1024_is_refused_before_low_memory_unused_is_promised() {
        let low = low_memory_check("low", "(module (memory 1) (data (i32.const 16) \"x\"))");
        let err = low.expect_err("data at 16 breaks the promise").to_string();
        assert!(err.contains("address 16"), "{err}");
        low_memory_check("high", "(module (memory 1) (data (i32.const 1048576) \"x\"))")
            .expect("data above 1 MiB, as rustc links it");
    }
}

/// A style sheet without its comments, which are for whoever edits `web/static/` and
/// would otherwise ship to every phone (0.6 KiB gzip). Refuses a sheet with `/*` or
/// `*/` inside a string, where dropping "comments" would change a value.
fn strip_css_comments(css: &str) -> Result<String> {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        let before = &rest[..start];
        if before.matches('"').count() % 2 == 1 || before.matches('\'').count() % 2 == 1 {
            bail!("a `/*` inside a string: comments cannot be stripped safely");
        }
        out.push_str(before);
        let end = rest[start + 2..].find("*/").context("a comment is not closed")?;
        rest = &rest[start + 2 + end + 2..];
    }
    if rest.contains("*/") {
        bail!("a `*/` outside a comment");
    }
    out.push_str(rest);
    Ok(out)
}

/// The style sheet's line breaks and indentation dropped where CSS needs no space: after
/// `{`, `}`, `;` and `,`, and before `}`; any other line break becomes one space. (A CSS
/// string cannot hold a raw line break, so no value changes.)
fn join_css_lines(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    for line in css.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let glued = out.is_empty() || out.ends_with(['{', '}', ';', ',']) || line.starts_with('}');
        if !glued {
            out.push(' ');
        }
        out.push_str(line);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod css_tests {
    use super::{join_css_lines, strip_css_comments};

    #[test]
    fn lines_join_where_css_needs_no_space() {
        let css =
            ".a,\n.b {\n  color: red;\n  font: 16px/1.5\n    serif;\n}\n\n.c .d { x: \"a b\" }\n";
        assert_eq!(
            join_css_lines(css),
            ".a,.b {color: red;font: 16px/1.5 serif;}.c .d { x: \"a b\" }\n"
        );
    }

    #[test]
    fn comments_go_and_everything_else_stays() {
        let css = "/* a */.x { content: \"▸ \"; } /* b\n c */\n.y{}";
        assert_eq!(strip_css_comments(css).unwrap(), ".x { content: \"▸ \"; } \n.y{}");
        assert!(strip_css_comments(".x { content: \"/* no */\"; }").is_err());
        assert!(strip_css_comments("/* open").is_err());
    }
}
