//! `tianye print FORM [--lang zh|en] -o form.html` (or `--pdf -o form.pdf`): the
//! questionnaire on paper, as one self-contained HTML page for A4 (see
//! `tianye_core::paper`), or as a PDF printed by a headless Chromium.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use tianye_core::paper::{self, DEFAULT_ROSTER_ROWS, MAX_ROSTER_ROWS};

use crate::load;

/// How long Chromium may take to print one questionnaire.
const PDF_TIMEOUT: Duration = Duration::from_secs(90);

/// Arguments of `tianye print`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 问卷（JSON 或 XLSForm）/ The questionnaire (JSON, or an XLSForm).
    form: PathBuf,
    /// 打印语言 / Language of the printed form.
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
    /// 输出文件：.html，或加 --pdf 时为 .pdf / Output file: .html, or .pdf with --pdf.
    #[arg(short, long)]
    output: PathBuf,
    /// 用 Chromium 打印成 PDF（PATH 中的 chromium，或环境变量 CHROMIUM）/ Print to PDF with
    /// Chromium (`chromium` on PATH, or the CHROMIUM environment variable).
    #[arg(long)]
    pdf: bool,
    /// 名册（重复组）的空行数，repeat_count 不是数字时使用 / Blank rows of a roster whose
    /// repeat_count is not a number.
    #[arg(long, default_value_t = DEFAULT_ROSTER_ROWS,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_ROSTER_ROWS)))]
    rows: u32,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let form = match load::form_or_exit(&args.form)? {
        Ok(form) => form,
        Err(code) => return Ok(code),
    };
    let options = paper::Options { lang: args.lang.clone(), roster_rows: args.rows };
    let html = paper::render(&form, &options);
    if args.pdf {
        let chromium = find_chromium().ok_or_else(|| {
            anyhow::anyhow!(
                "找不到 Chromium：请安装（cargo xtask setup 或 apt-get install chromium），或设置环境变量 CHROMIUM，\
                 或者写出 HTML 后在浏览器中打印 / Chromium not found: install it (cargo xtask setup, or \
                 apt-get install chromium), set CHROMIUM, or write the HTML and print it from a browser"
            )
        })?;
        print_pdf(&chromium, &html, &args.output)?;
    } else {
        std::fs::write(&args.output, html).map_err(|e| {
            anyhow::anyhow!("{}: 无法写入 / cannot write: {e}", args.output.display())
        })?;
    }
    eprintln!("✓ {} → {}", args.form.display(), args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// The Chromium to print with: `CHROMIUM` if set, else the first of the usual names on
/// `PATH`.
fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Prints `html` to the PDF `output` with a headless `chromium`, from a private
/// temporary folder (the page and a throwaway profile), within [`PDF_TIMEOUT`].
fn print_pdf(chromium: &Path, html: &str, output: &Path) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new().prefix("tianye-print-").tempdir()?;
    let page = dir.path().join("form.html");
    std::fs::write(&page, html)?;
    let output = std::path::absolute(output)?;
    // Chromium keeps a PDF it could not finish; a stale one must not pass for the new.
    let _ = std::fs::remove_file(&output);
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--print-to-pdf={}", output.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| anyhow::anyhow!("{}: 无法运行 / cannot run: {e}", chromium.display()))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > PDF_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!(
                "Chromium {} 秒内未完成打印 / Chromium did not finish printing within {} s",
                PDF_TIMEOUT.as_secs(),
                PDF_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let printed = std::fs::metadata(&output).is_ok_and(|m| m.len() > 0);
    if !status.success() || !printed {
        let mut stderr = String::new();
        if let Some(mut err) = child.stderr.take() {
            use std::io::Read as _;
            let _ = err.by_ref().take(4096).read_to_string(&mut stderr);
        }
        anyhow::bail!(
            "Chromium 打印失败（{status}）/ Chromium failed to print ({status}): {}",
            stderr.trim()
        );
    }
    Ok(())
}
