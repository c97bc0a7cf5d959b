//! `tianye export`: submissions of one questionnaire as CSV, XLSX or JSON Lines, or
//! its codebook.
//!
//! Every file written is readable by its owner only (`0600`), whatever the umask: it
//! holds children's records. CSV text that a spreadsheet would run as a formula gets a
//! leading `'` unless `--raw-csv` is given.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use tianye_server::export::{
    CsvCells, CsvSink, ExportOptions, Layout, XlsxSink, codebook_csv, codebook_xlsx, export_jsonl,
    export_tables, table_path,
};
use tianye_server::store::private::create_private_file;
use tianye_server::{Catalog, SqliteStore};

/// Arguments of `tianye export`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 问卷编号 / Questionnaire id.
    form_id: String,
    /// 数据目录 / Data directory.
    #[arg(long, value_name = "DIR", default_value = "data")]
    data: PathBuf,
    /// 格式 / Format: csv（每个重复组另一个文件 / one more file per repeat group）,
    /// xlsx（每个重复组一个工作表 / one sheet per repeat group）, jsonl,
    /// codebook（数据字典，按输出扩展名为 CSV 或 XLSX / data dictionary, CSV or XLSX by the
    /// output's extension）.
    #[arg(long, value_parser = ["csv", "xlsx", "jsonl", "codebook"])]
    format: String,
    /// 输出文件（默认 FORM_ID.扩展名；"-" 表示标准输出，仅 csv 主表、jsonl、CSV 数据字典）/
    /// Output file (default `FORM_ID.ext`; `-` for standard output: csv main table, jsonl,
    /// CSV codebook only).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    output: Option<PathBuf>,
    /// 写选项标签而不是选项代码 / Write choice labels instead of choice names.
    #[arg(long)]
    labels: bool,
    /// 标签语言 / Language of labels.
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
    /// CSV 单元格原样写出：以 = + - @、制表符或回车开头的文本不加 '（用 Excel、WPS
    /// 打开可能被当作公式执行）/ Write CSV cells as they are: text starting with
    /// = + - @, tab or carriage return gets no leading ' (Excel and WPS may run it as a
    /// formula).
    #[arg(long)]
    raw_csv: bool,
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
    let store = SqliteStore::open(&args.data)
        .with_context(|| format!("数据目录 / data directory {}", args.data.display()))?;
    let (catalog, notes) = Catalog::load(&store, None)?;
    for w in store.warnings().iter().chain(&notes.warnings) {
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
    let options = ExportOptions { labels: args.labels, lang: args.lang.clone() };
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    let cells = if args.raw_csv { CsvCells::Raw } else { CsvCells::Neutralised };
    let default_name = match args.format.as_str() {
        "codebook" => format!("{id}-codebook.xlsx"),
        ext => format!("{id}.{ext}"),
    };
    let output = args.output.clone().unwrap_or_else(|| PathBuf::from(default_name));
    let writes_csv = match args.format.as_str() {
        "csv" => true,
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
            let n = export_tables(&store, &layout, &options, &mut sink)?;
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
            let n = export_tables(&store, &layout, &options, &mut sink)?;
            sink.finish()?;
            for p in pending {
                written.push(p.path.clone());
                p.commit()?;
            }
            Some(n)
        }
        "xlsx" => {
            let mut sink = XlsxSink::new(&layout)?;
            let n = export_tables(&store, &layout, &options, &mut sink)?;
            let (p, mut w) = Pending::create(&output)?;
            sink.save(&mut w)?;
            w.flush()?;
            drop(w);
            written.push(p.path.clone());
            p.commit()?;
            Some(n)
        }
        "jsonl" if to_stdout => {
            let stdout = std::io::stdout();
            Some(export_jsonl(&store, id, &mut BufWriter::new(stdout.lock()))?)
        }
        "jsonl" => {
            let (p, mut w) = Pending::create(&output)?;
            let n = export_jsonl(&store, id, &mut w)?;
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
    Ok(ExitCode::SUCCESS)
}
