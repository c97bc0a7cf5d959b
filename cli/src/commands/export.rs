//! `tianye export`: submissions of one questionnaire as CSV, XLSX, JSON Lines, or a zip
//! for SPSS or Stata (each table's CSV with a syntax file), or its codebook.
//!
//! Sealed submissions (`core/ENCRYPTION.md`) are opened here, on the researcher's
//! machine, with `--key`: each is validated by the engine (its problems listed, as
//! `validate` lists them) and written like any other; one that does not open is named
//! with the reason, left out, and the exit code is 1. Their sealed files are opened into
//! the zip's `media/` (one that does not open is kept sealed, named, and the exit code
//! is 1). Without a key, JSON Lines writes their envelopes, the zip holds the envelopes
//! and the sealed files as they are, and the tables are refused: they would have empty
//! answer columns.
//!
//! Every file written is readable by its owner only (`0600`), whatever the umask: it
//! holds children's records. CSV text that a spreadsheet would run as a formula gets a
//! leading `'` unless `--raw-csv` is given.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use tianye_server::Catalog;
use tianye_server::export::{
    CsvCells, CsvSink, ExportOptions, Layout, Opening, StatsTool, XlsxSink, codebook_csv,
    codebook_xlsx, csv_zip_with, export_jsonl_with, export_tables_with, sealed, sealed_zip,
    stats_zip, table_path,
};
use tianye_server::store::SubmissionRow;
use tianye_server::store::private::create_private_file;

use super::{DatabaseArg, open_store};

/// Arguments of `tianye export`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 问卷编号 / Questionnaire id.
    form_id: String,
    /// 数据目录 / Data directory.
    #[arg(long, value_name = "DIR", default_value = "data")]
    data: PathBuf,
    #[command(flatten)]
    database: DatabaseArg,
    /// 格式 / Format: csv（每个重复组另一个文件 / one more file per repeat group）,
    /// xlsx（每个重复组一个工作表 / one sheet per repeat group）, jsonl,
    /// zip（各表 CSV、数据字典、说明和附件 media/ / every table's CSV, the codebook, a
    /// README and the attachments in media/）,
    /// spss, stata（zip：各表 CSV 加 .sps 或 .do 语法文件，单选题为编码加值标签 / a zip of
    /// every table's CSV with its .sps or .do syntax file, single choice as codes with value
    /// labels）,
    /// codebook（数据字典，按输出扩展名为 CSV 或 XLSX / data dictionary, CSV or XLSX by the
    /// output's extension）.
    #[arg(long, value_parser = ["csv", "xlsx", "jsonl", "codebook", "zip", "spss", "stata"])]
    format: String,
    /// 输出文件（默认 FORM_ID.扩展名；"-" 表示标准输出，仅 csv 主表、jsonl、CSV 数据字典）/
    /// Output file (default `FORM_ID.ext`; `-` for standard output: csv main table, jsonl,
    /// CSV codebook only).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    output: Option<PathBuf>,
    /// 写选项标签而不是选项代码（不用于 spss、stata：它们写编码和值标签）/ Write choice
    /// labels instead of choice names (not for spss and stata: they write codes and value
    /// labels).
    #[arg(long)]
    labels: bool,
    /// 标签语言（spss、stata 的变量标签和值标签也用它）/ Language of labels (also of the
    /// variable and value labels of spss and stata).
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
    /// CSV 单元格原样写出：以 = + - @、制表符或回车开头的文本不加 '（用 Excel、WPS
    /// 打开可能被当作公式执行）/ Write CSV cells as they are: text starting with
    /// = + - @, tab or carriage return gets no leading ' (Excel and WPS may run it as a
    /// formula).
    #[arg(long)]
    raw_csv: bool,
    /// 研究者的私钥（tianye keygen 生成的 private.pem）：在本机打开加密答卷 / The
    /// researcher's private key (the private.pem of tianye keygen): opens sealed responses
    /// on this machine.
    #[arg(long, value_name = "PRIVATE.pem")]
    key: Option<PathBuf>,
    /// 从文件第一行读取私钥口令，不在终端询问（用于脚本）/ Read the private key's
    /// passphrase from the first line of FILE instead of asking on the terminal (for
    /// scripts).
    #[arg(long, value_name = "FILE", requires = "key")]
    passphrase_file: Option<PathBuf>,
}

/// What opening the sealed rows came to.
#[derive(Default)]
struct Tally {
    /// Rows that did not open (named on standard error), and sealed files that did not.
    failed: std::cell::Cell<u64>,
    /// Opened rows in which the engine finds problems (listed on standard error).
    with_problems: std::cell::Cell<u64>,
    /// The responses already reported: an export that reads the rows more than once (a
    /// zip: each table, the workbook, the files) reports each once.
    reported: std::cell::RefCell<std::collections::HashSet<String>>,
}

/// Opens each sealed row with `private`, validating it with its version of the
/// questionnaire; rows not sealed pass as they are.
fn opener<'a>(
    catalog: &'a Catalog,
    id: &'a str,
    private: &'a rsa::RsaPrivateKey,
    tally: &'a Tally,
) -> Box<Opening<'a>> {
    Box::new(move |row: SubmissionRow| {
        if row.envelope.is_none() {
            return Some(row);
        }
        let instance = row.instance_id.clone();
        let first = tally.reported.borrow_mut().insert(instance.clone());
        let fail = |why: String| {
            if first {
                tally.failed.set(tally.failed.get() + 1);
                eprintln!("✗ 答卷 / response {instance}: 无法打开 / cannot open: {why}");
            }
            None
        };
        let Some(fv) = catalog.get(id, &row.version) else {
            return fail(format!("没有问卷版本 {0} / no questionnaire version {0}", row.version));
        };
        let opened = match sealed::open_row(row, private, &fv.form) {
            Ok(opened) => opened,
            Err(e) => return fail(sealed::describe(&e)),
        };
        let report = &opened.report;
        if first && !report.is_valid() {
            tally.with_problems.set(tally.with_problems.get() + 1);
            eprintln!("! 答卷 / response {instance}: {} 个问题 / problem(s)", report.problem_count);
            for p in &report.problems {
                let path = if p.path.is_empty() { "(答卷 / response)" } else { &p.path };
                eprintln!("    {path} [{}] {} / {}", p.code, p.message("zh"), p.message("en"));
            }
        }
        Some(opened.row)
    })
}

/// A file written under a temporary name and renamed into place when complete, so a
/// failed export never leaves a cut file that looks whole. The temporary file is
/// created `0600` (an old one emptied and set `0600`), so the file renamed into place
/// is private too.
struct Pending {
    tmp: PathBuf,
    path: PathBuf,
}

impl Pending {
    fn create(path: &Path) -> anyhow::Result<(Pending, BufWriter<File>)> {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".partial");
        let tmp = path.with_file_name(name);
        let file = create_private_file(&tmp)
            .with_context(|| format!("无法创建 / cannot create {}", tmp.display()))?;
        Ok((Pending { tmp, path: path.to_owned() }, BufWriter::with_capacity(256 * 1024, file)))
    }

    fn commit(self) -> anyhow::Result<()> {
        std::fs::rename(&self.tmp, &self.path)
            .with_context(|| format!("无法写入 / cannot write {}", self.path.display()))
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let opened = open_store(&args.data, &args.database)?;
    let store = &*opened.store;
    let (catalog, notes) = Catalog::load(store, None)?;
    for w in &notes.warnings {
        eprintln!("警告 / warning: {w}");
    }
    let id = args.form_id.as_str();
    if !catalog.knows(id) {
        let known: Vec<&str> = catalog.ids().collect();
        anyhow::bail!(
            "数据库中没有问卷 {id}（已有：{}）/ no questionnaire {id} in the database (known: {})",
            known.join(", "),
            known.join(", ")
        );
    }
    let layout = Layout::new(id, catalog.versions(id));
    let seals = sealed::seals(catalog.versions(id));
    let private = match &args.key {
        Some(path) => Some(crate::private_key::read(path, args.passphrase_file.as_deref())?),
        None => None,
    };
    let tally = Tally::default();
    let mut open = private.as_ref().map(|key| opener(&catalog, id, key, &tally));
    if seals && open.is_none() {
        match args.format.as_str() {
            "zip" => eprintln!(
                "提示 / note: 问卷 {id} 的答卷已加密，压缩包中是加密信封和加密附件；用 --key 私钥导出数据表和可读的附件 / responses to {id} are sealed: the zip holds their envelopes and sealed files; export with --key PRIVATE.pem for the tables and readable files"
            ),
            "csv" | "xlsx" => anyhow::bail!(
                "问卷 {id} 的答卷已加密：请用 --key 私钥导出，或用 --format jsonl 导出加密信封 / responses to {id} are sealed: export them with --key PRIVATE.pem, or their envelopes with --format jsonl"
            ),
            "jsonl" => eprintln!(
                "提示 / note: 问卷 {id} 的答卷已加密，每行是一个加密信封；用 --key 私钥导出可读的答卷 / responses to {id} are sealed: each line is an envelope; export them with --key PRIVATE.pem to read them"
            ),
            _ => {}
        }
    }
    if open.is_some() && !seals {
        eprintln!(
            "提示 / note: 问卷 {id} 不加密答卷，--key 未使用 / questionnaire {id} seals no responses: --key is not used"
        );
    }
    let stats = match args.format.as_str() {
        "spss" => Some(StatsTool::Spss),
        "stata" => Some(StatsTool::Stata),
        _ => None,
    };
    if seals && stats.is_some() {
        anyhow::bail!(
            "问卷 {id} 的答卷已加密，暂不能导出为 SPSS 或 Stata：请用 --key 私钥导出 csv / responses to {id} are sealed and cannot be exported for SPSS or Stata yet: export csv with --key PRIVATE.pem"
        );
    }
    if args.labels && stats.is_some() {
        anyhow::bail!(
            "--labels 不用于 spss、stata：数据写选项编码，语法文件给出值标签（语言用 --lang）/ --labels does not apply to spss and stata: the data holds choice codes and the syntax file their value labels (in the --lang language)"
        );
    }
    let options = ExportOptions { labels: args.labels, lang: args.lang.clone() };
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    let cells = if args.raw_csv { CsvCells::Raw } else { CsvCells::Neutralised };
    let default_name = match args.format.as_str() {
        "codebook" => format!("{id}-codebook.xlsx"),
        "spss" | "stata" => format!("{id}-{}.zip", args.format),
        ext => format!("{id}.{ext}"),
    };
    let output = args.output.clone().unwrap_or_else(|| PathBuf::from(default_name));
    let writes_csv = match args.format.as_str() {
        "csv" | "zip" | "spss" | "stata" => true,
        "codebook" => {
            to_stdout || output.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        }
        _ => false,
    };
    if args.raw_csv && !writes_csv {
        anyhow::bail!(
            "--raw-csv 只用于 CSV（--format csv，或输出为 .csv 的数据字典）/ --raw-csv applies to CSV only (--format csv, or a codebook written to .csv)"
        );
    }
    let mut written = Vec::new();
    let count = match args.format.as_str() {
        "csv" if to_stdout => {
            let stdout = std::io::stdout();
            let mut outputs: Vec<Option<Box<dyn Write>>> =
                (0..layout.tables.len()).map(|_| None).collect();
            outputs[0] = Some(Box::new(BufWriter::new(stdout.lock())));
            let mut sink = CsvSink::with_cells(outputs, cells)?;
            let n = export_tables_with(store, &layout, &options, &mut sink, open.as_deref_mut())?;
            sink.finish()?;
            if layout.tables.len() > 1 {
                eprintln!(
                    "提示 / note: 标准输出只有主表；重复组请导出到文件 / standard output holds the main table only: export to a file for the repeat tables"
                );
            }
            Some(n)
        }
        "csv" => {
            let mut pending = Vec::new();
            let mut outputs: Vec<Option<Box<dyn Write>>> = Vec::new();
            for table in &layout.tables {
                let path = table_path(&output, table);
                let (p, w) = Pending::create(&path)?;
                pending.push(p);
                outputs.push(Some(Box::new(w)));
            }
            let mut sink = CsvSink::with_cells(outputs, cells)?;
            let n = export_tables_with(store, &layout, &options, &mut sink, open.as_deref_mut())?;
            sink.finish()?;
            for p in pending {
                written.push(p.path.clone());
                p.commit()?;
            }
            Some(n)
        }
        "xlsx" => {
            let mut sink = XlsxSink::new(&layout)?;
            let n = export_tables_with(store, &layout, &options, &mut sink, open.as_deref_mut())?;
            let (p, mut w) = Pending::create(&output)?;
            sink.save(&mut w)?;
            w.flush()?;
            drop(w);
            written.push(p.path.clone());
            p.commit()?;
            Some(n)
        }
        "zip" if to_stdout => anyhow::bail!(
            "zip 不能写到标准输出，请用 -o 指定文件 / a zip cannot go to standard output: give a file with -o"
        ),
        "zip" => {
            let (p, mut w) = Pending::create(&output)?;
            let (n, media) = if seals && open.is_none() {
                sealed_zip(store, &layout, &mut w)?
            } else {
                csv_zip_with(store, &layout, &options, cells, open.as_deref_mut(), &mut w)?
            };
            if media.kept_sealed_count > 0 {
                for (instance, file, why) in &media.kept_sealed {
                    eprintln!("✗ 答卷 / response {instance}: {file}: {why}");
                }
                eprintln!(
                    "✗ {0} 个加密附件打不开，按原样放入 media/（见上）/ {0} sealed file(s) did not open and are in media/ as they were (listed above)",
                    media.kept_sealed_count
                );
                tally.failed.set(tally.failed.get() + media.kept_sealed_count);
            }
            w.flush()?;
            drop(w);
            written.push(p.path.clone());
            p.commit()?;
            Some(n)
        }
        "spss" | "stata" if to_stdout => anyhow::bail!(
            "spss、stata 导出为 zip，不能写到标准输出，请用 -o 指定文件 / spss and stata exports are a zip and cannot go to standard output: give a file with -o"
        ),
        "spss" | "stata" => {
            let tool = stats.unwrap_or(StatsTool::Spss);
            let (p, mut w) = Pending::create(&output)?;
            let n = stats_zip(tool, store, &layout, &options, cells, &mut w)?;
            w.flush()?;
            drop(w);
            written.push(p.path.clone());
            p.commit()?;
            Some(n)
        }
        "jsonl" if to_stdout => {
            let stdout = std::io::stdout();
            Some(export_jsonl_with(
                store,
                id,
                &mut BufWriter::new(stdout.lock()),
                open.as_deref_mut(),
            )?)
        }
        "jsonl" => {
            let (p, mut w) = Pending::create(&output)?;
            let n = export_jsonl_with(store, id, &mut w, open.as_deref_mut())?;
            w.flush()?;
            drop(w);
            written.push(p.path.clone());
            p.commit()?;
            Some(n)
        }
        _ if to_stdout => {
            let stdout = std::io::stdout();
            codebook_csv(&layout, &mut BufWriter::new(stdout.lock()), cells)?;
            None
        }
        _ => {
            let (p, mut w) = Pending::create(&output)?;
            if writes_csv {
                codebook_csv(&layout, &mut w, cells)?;
            } else {
                codebook_xlsx(&layout, &mut w)?;
            }
            w.flush()?;
            drop(w);
            written.push(p.path.clone());
            p.commit()?;
            None
        }
    };
    if let Some(n) = count {
        eprintln!("已导出 {n} 份答卷 / exported {n} submission(s)");
    }
    for path in written {
        eprintln!("  {}", path.display());
    }
    let (failed, with_problems) = (tally.failed.get(), tally.with_problems.get());
    if with_problems > 0 {
        eprintln!(
            "{with_problems} 份打开的答卷有问题（已导出，见上）/ {with_problems} opened response(s) have problems (exported, listed above)"
        );
    }
    if failed > 0 {
        eprintln!(
            "✗ {failed} 份加密答卷无法打开，未导出（见上）/ {failed} sealed response(s) could not be opened and were not exported (listed above)"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
