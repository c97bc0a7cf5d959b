//! `cargo xtask bench --peers`: Tianye's figures and its peers' side by side, measured on
//! this machine in one run, printed as one table and written to `target/peers.md`.
//!
//! The peers are installed by the task, pinned: SurveyJS 2.5 (`survey-core` and its UI
//! package `survey-js-ui`), `enketo-core` and ODK Web Forms from npm (`bench/peers/`,
//! `npm ci` against its lock file), pyxform from pip ([`setup::PYXFORM`], into a venv under
//! `target/tools/` when Python does not have it). It needs the network for those, so it is
//! not part of `cargo xtask test` or CI.
//!
//! What is compared, each on the same questionnaire:
//! - validating one complete `lbc_household` response: Tianye's criterion bench
//!   (`core/benches/engine.rs`) against SurveyJS in Node on the questionnaire converted by
//!   `bench/peers/to-surveyjs.mjs` (`node-bench.mjs`: data set and `validate()`);
//! - building the generated 5,000-question questionnaire: `Form::from_json` against
//!   `new Model(json)`;
//! - importing the generated 10,000-question XLSForm: `tianye import` against pyxform's
//!   `xls2xform`, whole processes, in turn;
//! - the browser: `browser_perf`'s figures against SurveyJS's (`peers_browser`), in the
//!   same headless Chromium set-up;
//! - what the browser downloads first, gzip -9 (as `cargo xtask size`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::setup::{self, cargo, root, run};

/// Runs of each whole-process import (in turn, Tianye then pyxform).
const IMPORT_RUNS: usize = 5;

/// The peers' versions, as `bench/peers/package.json` pins them (the task checks it).
const SURVEYJS: &str = "2.5.38";
const ENKETO: &str = "8.1.0";
const ODK_WEB_FORMS: &str = "0.22.0";

pub(crate) fn bench(_args: &[String]) -> Result<()> {
    let started = Instant::now();
    let peers = root().join("bench/peers");
    let out = setup::target_dir().join("peers");
    std::fs::create_dir_all(out.join("surveyjs"))?;
    check_pins(&peers)?;
    npm_ci(&peers)?;
    let python = pyxform_python()?;
    let mut figures = Figures::default();

    // Tianye's binary, the generated questionnaires, and the app as shipped.
    run(cargo().args(["build", "--quiet", "--release", "-p", "tianye"]))?;
    let inputs = out.join("inputs");
    run(cargo()
        .args(["bench", "-p", "tianye-tests", "--bench", "peers_browser", "--"])
        .args(["--inputs".as_ref(), inputs.as_os_str()]))?;
    let dist = app_copy(&out)?;
    let lbc = root().join("questionnaires/lbc_household");
    let case = lbc.join("cases/01-valid-both-parents-away.json");
    for (name, form) in [
        ("lbc_household", lbc.join("form.json")),
        ("lbc_one_page_roster", inputs.join("lbc_one_page_roster.json")),
        ("switch", inputs.join("switch.json")),
    ] {
        let json = capture(Command::new("node").arg(peers.join("to-surveyjs.mjs")).arg(&form))?;
        std::fs::write(out.join("surveyjs").join(format!("{name}.json")), json)?;
    }

    // 1 and 2: the engine.
    eprintln!("\n== 校验与构建 / validation and building ==");
    run(cargo().args([
        "bench",
        "-p",
        "tianye-core",
        "--bench",
        "engine",
        "--",
        "validate lbc_household complete response|5000-question questionnaire",
    ]))?;
    let validate = criterion_median_ns("validate lbc_household complete response")? / 1e6;
    let group = "5000-question questionnaire";
    let build = criterion_median_ns(&format!("{group}/load and check"))? / 1e6;
    let change =
        criterion_median_ns(&format!("{group}/re-evaluate after one answer (integer)"))? / 1e6;
    let gate = criterion_median_ns(&format!(
        "{group}/re-evaluate after the first gate flips (hides or shows all)"
    ))? / 1e6;
    let memory =
        output(cargo().args(["bench", "--quiet", "-p", "tianye-core", "--bench", "memory"]))?;
    let retained = memory
        .split("retained ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .context("the memory bench printed no retained heap")?;
    let node = key_values(&output(
        Command::new("node")
            .arg("--expose-gc")
            .arg(peers.join("node-bench.mjs"))
            .arg("--form")
            .arg(lbc.join("form.json"))
            .arg("--case")
            .arg(&case)
            .arg("--large")
            .arg(inputs.join("synthetic.json")),
    )?);
    figures.row(
        "validate one complete `lbc_household` response (criterion median; SurveyJS: data set + `validate()`, Node, median of 21)",
        validate,
        "SurveyJS",
        node.get("validate_ms").copied(),
        Unit::Ms,
    );
    figures.row(
        "build a generated 5,000-question questionnaire (`Form::from_json`; SurveyJS: `new Model(json)`, median of 5)",
        build,
        "SurveyJS",
        node.get("build_ms").copied(),
        Unit::Ms,
    );
    figures.row(
        "re-evaluate after one answer (an integer) changes in it (SurveyJS: `setValue`, median of 7)",
        change,
        "SurveyJS",
        node.get("reevaluate_ms").copied(),
        Unit::Ms,
    );
    figures.row(
        "… one answer hides all 5,000 questions through a chain of 500 calculations (SurveyJS: median of 5)",
        gate,
        "SurveyJS",
        node.get("gate_ms").copied(),
        Unit::Ms,
    );
    figures.row(
        "heap kept by that questionnaire with a response open (Tianye: dhat, `--bench memory`; SurveyJS: V8 heap after gc)",
        retained,
        "SurveyJS",
        node.get("heap_mib").copied(),
        Unit::Mib,
    );

    // 3: the XLSForm import, whole processes.
    eprintln!("\n== XLSForm 导入 / XLSForm import ==");
    let xlsx = generated_xlsform(&out)?;
    let tianye = setup::target_dir().join("release/tianye");
    let json_out = out.join("import.json");
    let xml_out = out.join("import.xml");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..=IMPORT_RUNS {
        ours.push(timed(Command::new(&tianye).arg("import").arg(&xlsx).arg("-o").arg(&json_out))?);
        theirs.push(timed(
            Command::new(&python).args(["-m", "pyxform.xls2xform"]).arg(&xlsx).arg(&xml_out),
        )?);
    }
    let (ours, theirs) = (&ours[1..], &theirs[1..]); // the first pair warms the caches
    let ours_s = median(ours.iter().map(|r| r.0).collect());
    let theirs_s = median(theirs.iter().map(|r| r.0).collect());
    let rss = |runs: &[(f64, Option<u64>)]| runs.iter().filter_map(|r| r.1).max();
    figures.row_text(
        &format!(
            "import the generated 10,000-question XLSForm (.xlsx), whole process, median of {IMPORT_RUNS} in turn; peak RSS"
        ),
        &format!("{ours_s:.2} s, {}", mib(rss(ours))),
        &format!("pyxform {}", setup::PYXFORM),
        &format!("{theirs_s:.2} s, {}", mib(rss(theirs))),
        theirs_s / ours_s,
    );

    // 4: the browser.
    eprintln!("\n== 浏览器 / the browser ==");
    let ours = output(
        cargo()
            .args([
                "bench",
                "-p",
                "tianye-tests",
                "--bench",
                "browser_perf",
                "--",
                "--only",
                "1,2,3",
                "--dist",
            ])
            .arg(&dist),
    )?;
    let theirs = key_values(&output(
        cargo()
            .args(["bench", "-p", "tianye-tests", "--bench", "peers_browser", "--"])
            .arg("--site")
            .arg(&peers)
            .arg("--forms")
            .arg(out.join("surveyjs")),
    )?);
    for (what, ours_row, theirs_key) in [
        (
            "(1) navigation → first question of `lbc_household`, cold (no HTTP cache)",
            "(1) navigation → first question, cold",
            "surveyjs_first_question",
        ),
        (
            "(2) keystroke → painted, household size 1 → 5, roster on the next page",
            "roster on the next page",
            "surveyjs_keystroke_roster",
        ),
        (
            "(2) the same, roster on the count's page",
            "roster on the same page",
            "surveyjs_keystroke_roster_same_page",
        ),
        (
            "(3) answer → painted, 1,000 questions on one page, 400 hidden",
            "400 hidden",
            "surveyjs_hide_400",
        ),
        (
            "(3) the same answer changed back, 400 shown again",
            "400 shown again",
            "surveyjs_show_400",
        ),
    ] {
        let ms = paint_median(&ours, ours_row)
            .with_context(|| format!("browser_perf printed no row for {ours_row}"))?;
        figures.row(
            &format!("{what}, to paint, CPU 4×, ms"),
            ms,
            "SurveyJS",
            theirs.get(theirs_key).copied(),
            Unit::Ms,
        );
    }

    // 5: what the browser downloads first.
    eprintln!("\n== 体积 / size ==");
    let shell: Result<usize> =
        ["tianye_bg.wasm", "tianye.js", "style.css"].iter().map(|f| gzip_len(&dist.join(f))).sum();
    let shell = shell? as f64 / 1024.0;
    let files =
        output(Command::new("node").arg(peers.join("bundle.mjs")).arg(out.join("bundles")))?;
    for (peer, label) in [
        ("surveyjs", format!("SurveyJS {SURVEYJS} (core + UI + CSS, as shipped)")),
        (
            "enketo",
            format!("Enketo {ENKETO} (enketo-core + widgets bundled by esbuild; script only)"),
        ),
        (
            "odk",
            format!("ODK Web Forms {ODK_WEB_FORMS} (+ Vue 3.5; first load, not the map chunk)"),
        ),
    ] {
        let mut total = 0;
        for line in files.lines() {
            if let Some(path) = line.strip_prefix(&format!("file {peer} ")) {
                total += gzip_len(Path::new(path))?;
            }
        }
        figures.row(
            "what the browser downloads first, gzip -9, KiB (Tianye: the app shell, wasm + JS + CSS)",
            shell,
            &label,
            Some(total as f64 / 1024.0),
            Unit::Kib,
        );
    }

    let table = figures.markdown(started.elapsed().as_secs());
    println!("\n{table}");
    let md = setup::target_dir().join("peers.md");
    std::fs::write(&md, &table)?;
    eprintln!("写入 / wrote {}", md.display());
    Ok(())
}

/// The app built into `dist/` from the sources as they are, copied to `out/dist`: the
/// browser bench and the size row read the copy, which another build of `dist/` (a test
/// run in the same checkout clears and rewrites it) cannot change under them.
fn app_copy(out: &Path) -> Result<PathBuf> {
    let copy = out.join("dist");
    for _ in 0..3 {
        crate::dist::dist_unless_current()?;
        if copy.exists() {
            std::fs::remove_dir_all(&copy)?;
        }
        let copied = copy_dir(&crate::dist::dist_dir(), &copy);
        let whole = ["index.html", "tianye_bg.wasm", "tianye.js", "style.css", ".inputs"]
            .iter()
            .all(|f| copy.join(f).is_file());
        if copied.is_ok() && whole {
            return Ok(copy);
        }
        eprintln!(
            "dist/ 正被另一次构建改写，重试 / dist/ was being rebuilt by another build: again"
        );
    }
    bail!("could not copy a whole dist/ to {}: another build keeps rewriting it", copy.display())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().context("a file name")?);
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .with_context(|| format!("cannot copy {}", path.display()))?;
        }
    }
    Ok(())
}

/// Fails when `bench/peers/package.json` pins other versions than the table names.
fn check_pins(peers: &Path) -> Result<()> {
    let text = std::fs::read_to_string(peers.join("package.json"))?;
    for (package, version) in [
        ("survey-core", SURVEYJS),
        ("survey-js-ui", SURVEYJS),
        ("enketo-core", ENKETO),
        ("@getodk/web-forms", ODK_WEB_FORMS),
    ] {
        if !text.contains(&format!("\"{package}\": \"{version}\"")) {
            bail!("bench/peers/package.json does not pin {package} at {version}: update peers.rs");
        }
    }
    Ok(())
}

/// `npm ci` in `bench/peers/` unless `node_modules/` was installed after the lock file
/// last changed (npm writes its own copy, `node_modules/.package-lock.json`, last).
fn npm_ci(peers: &Path) -> Result<()> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let lock = modified(&peers.join("package-lock.json"))
        .context("bench/peers/package-lock.json is missing")?;
    if modified(&peers.join("node_modules/.package-lock.json")).is_some_and(|i| i >= lock) {
        return Ok(());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(peers))
}

/// A Python that has pyxform of the pinned version: `python3` when it has it, else a
/// venv in `target/tools/pyxform-venv` (made and filled on first use).
pub(crate) fn pyxform_python() -> Result<PathBuf> {
    let check = format!(
        "import pyxform, sys; sys.exit(0 if pyxform.__version__ == '{}' else 1)",
        setup::PYXFORM
    );
    let has = |python: &Path| {
        Command::new(python).args(["-c", &check]).output().is_ok_and(|o| o.status.success())
    };
    let system = PathBuf::from("python3");
    if has(&system) {
        return Ok(system);
    }
    let venv = setup::tools_dir().join("pyxform-venv");
    let python = venv.join("bin/python");
    if has(&python) {
        return Ok(python);
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("pyxform=={}", setup::PYXFORM),
    ]))?;
    Ok(python)
}

/// The generated 10,000-question XLSForm of the import bench
/// (`core/benches/support/xlsform_gen.rs`), written by the `xlsform_peak` example into
/// `out` (which then imports it once and prints its own peak).
fn generated_xlsform(out: &Path) -> Result<PathBuf> {
    run(cargo()
        .args(["run", "--quiet", "--release", "-p", "tianye-core", "--features", "xlsform"])
        .args(["--example", "xlsform_peak", "--", "10000"])
        .env("TMPDIR", out))?;
    let path = out.join("tianye-xlsform-10000.xlsx");
    if !path.is_file() {
        bail!("the xlsform_peak example wrote no {}", path.display());
    }
    Ok(path)
}

/// Runs `cmd` (its output thrown away) and returns its wall time in seconds and, through
/// `/usr/bin/time` when there is one, its peak resident memory in KiB.
fn timed(cmd: &mut Command) -> Result<(f64, Option<u64>)> {
    let gnu_time = Path::new("/usr/bin/time");
    let rss_file = std::env::temp_dir().join(format!("tianye-peers-rss-{}", std::process::id()));
    let mut full = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.args(["-f", "%M", "-o"]).arg(&rss_file).arg(cmd.get_program()).args(cmd.get_args());
        c
    } else {
        let mut c = Command::new(cmd.get_program());
        c.args(cmd.get_args());
        c
    };
    let line = format!("{cmd:?}");
    let start = Instant::now();
    let result = full.output().with_context(|| format!("cannot start {line}"))?;
    let secs = start.elapsed().as_secs_f64();
    if !result.status.success() {
        bail!("{line} failed: {}", String::from_utf8_lossy(&result.stderr));
    }
    let rss = std::fs::read_to_string(&rss_file).ok().and_then(|t| t.trim().parse().ok());
    let _ = std::fs::remove_file(&rss_file);
    Ok((secs, rss))
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "? MiB".to_owned(), |k| format!("{} MiB", k / 1024))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `cmd`, its standard error and output shown, and returns its standard output.
fn output(cmd: &mut Command) -> Result<String> {
    let text = capture(cmd)?;
    eprint!("{text}");
    Ok(text)
}

/// Runs `cmd`, its standard error shown as it comes, and returns its standard output.
fn capture(cmd: &mut Command) -> Result<String> {
    let line = format!("{cmd:?}");
    eprintln!("$ {line}");
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start {line}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!("{line} exited with {}\n{text}", out.status);
    }
    Ok(text)
}

/// `key value` lines (node-bench.mjs) and `figure key median min max` lines
/// (peers_browser) as a map of the first number.
fn key_values(text: &str) -> std::collections::HashMap<String, f64> {
    text.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let first = words.next()?;
            let (key, value) = if first == "figure" {
                (words.next()?, words.next()?)
            } else {
                (first, words.next()?)
            };
            Some((key.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The "to paint" median of the row of `browser_perf`'s table whose measure contains `what`.
fn paint_median(table: &str, what: &str) -> Option<f64> {
    let row = table.lines().find(|l| l.starts_with("| (") && l.contains(what))?;
    row.split('|').nth(2)?.split_whitespace().next()?.parse().ok()
}

/// The median (ns) of the criterion benchmark `id`, from the estimates criterion wrote
/// under `target/criterion/`.
fn criterion_median_ns(id: &str) -> Result<f64> {
    let dir = setup::target_dir().join("criterion");
    let wanted = format!("\"full_id\":\"{id}\"");
    let mut found = None;
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.ends_with("new/benchmark.json")
                && std::fs::read_to_string(&path).is_ok_and(|t| t.contains(&wanted))
            {
                found = path.parent().map(|p| p.join("estimates.json"));
            }
        }
    }
    let path =
        found.with_context(|| format!("no criterion results for {id} in {}", dir.display()))?;
    let text = std::fs::read_to_string(&path)?;
    let median = text.find("\"median\"").context("no median in estimates.json")?;
    let rest = &text[median..];
    let at = rest.find("\"point_estimate\":").context("no point estimate")? + 17;
    let number: String = rest[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number.parse().with_context(|| format!("{}: unreadable median {number}", path.display()))
}

fn gzip_len(path: &Path) -> Result<usize> {
    let data = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&data)?;
    Ok(gz.finish()?.len())
}

#[derive(Clone, Copy)]
enum Unit {
    Ms,
    Kib,
    Mib,
}

fn show(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Ms if value < 1.0 => format!("{:.0} µs", value * 1000.0),
        Unit::Ms if value < 10.0 => format!("{value:.1} ms"),
        Unit::Ms => format!("{value:.0} ms"),
        Unit::Kib => format!("{value:.1} KiB"),
        Unit::Mib => format!("{value:.1} MiB"),
    }
}

#[derive(Default)]
struct Figures {
    rows: Vec<[String; 5]>,
}

impl Figures {
    fn row(&mut self, what: &str, ours: f64, peer: &str, theirs: Option<f64>, unit: Unit) {
        let (theirs_text, ratio) = match theirs {
            Some(t) => (show(t, unit), format!("{:.1}×", t / ours)),
            None => ("not measured".to_owned(), String::new()),
        };
        self.rows.push([what.to_owned(), show(ours, unit), peer.to_owned(), theirs_text, ratio]);
    }

    fn row_text(&mut self, what: &str, ours: &str, peer: &str, theirs: &str, ratio: f64) {
        self.rows.push([
            what.to_owned(),
            ours.to_owned(),
            peer.to_owned(),
            theirs.to_owned(),
            format!("{ratio:.1}×"),
        ]);
    }

    fn markdown(&self, seconds: u64) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Tianye and its peers, `cargo xtask bench --peers`, one run on this machine ({} cores), {} s in all\n",
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
            seconds
        );
        let _ = writeln!(s, "| what | Tianye | peer | peer's figure | peer ÷ Tianye |");
        let _ = writeln!(s, "|---|---:|---|---:|---:|");
        for [what, ours, peer, theirs, ratio] in &self.rows {
            let _ = writeln!(s, "| {what} | {ours} | {peer} | {theirs} | {ratio} |");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_from_the_benches_output() {
        let kv = key_values(
            "validate_ms 63.129\nbuild_questions 5600\nfigure surveyjs_first_question 2118.4 2029.4 2436.8\nnoise\n",
        );
        assert_eq!(kv.get("validate_ms"), Some(&63.129));
        assert_eq!(kv.get("surveyjs_first_question"), Some(&2118.4));
        assert_eq!(kv.len(), 3);
        let table = "| measure | to paint | work | goal |\n|---|---:|---:|---|\n\
                     | (1) navigation → first question, cold (no HTTP cache, no service worker) | 327 (300–350) | 245 (240–250) | < 500 |\n\
                     | (2) keystroke → painted, household size 1 → 5, roster on the next page (as bundled) | 10 (9–12) | 8 (7–9) | < 50 |\n";
        assert_eq!(paint_median(table, "(1) navigation → first question, cold"), Some(327.0));
        assert_eq!(paint_median(table, "roster on the next page"), Some(10.0));
        assert_eq!(paint_median(table, "400 hidden"), None);
    }

    #[test]
    fn times_are_shown_in_their_unit() {
        assert_eq!(show(0.0301, Unit::Ms), "30 µs");
        assert_eq!(show(2.45, Unit::Ms), "2.5 ms");
        assert_eq!(show(2118.4, Unit::Ms), "2118 ms");
        assert_eq!(show(405.23, Unit::Kib), "405.2 KiB");
    }
}
