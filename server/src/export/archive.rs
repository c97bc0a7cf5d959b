//! The CSV export as one zip archive: one CSV file per table (the main table, then
//! each repeat's, named as `tianye export` names them), the codebook, the same tables
//! as one XLSX workbook (`ID.xlsx`, one sheet per table), the attachments in `media/`,
//! and a bilingual `README.txt` saying what each file holds and how the tables join.
//!
//! What must stay true:
//! - Memory does not grow with the data: the archive is written as a stream (sizes
//!   after each entry's data, never a seek back), one table after another, each table
//!   one pass over the store, as the single-table CSV export does.
//! - Every table holds the same submissions: the main table's pass notes the last
//!   submission it wrote, and the repeat tables' passes stop there, so uploads that
//!   arrive meanwhile never give a repeat row whose response is not in the main table.
//! - Cells are written as [`CsvCells`] says (formula-like text neutralised by default).
//!   The workbook's cells are typed (text is never a formula), as `tianye export
//!   --format xlsx` writes them; it is built in a temporary file (constant memory), then
//!   copied in. A table over Excel's row limit leaves the workbook out, and the README
//!   says so: the CSV files hold everything.

use std::collections::HashSet;
use std::io::{Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::codebook::{CSV_NOTE, codebook_csv};
use super::sinks::{BOM, CsvCells, CsvSink, XlsxSink};
use super::{ExportError, ExportOptions, Layout, Opening, export_tables_upto, jsonl_upto};
use crate::store::Store;

/// `name` with every character but ASCII letters, digits, `-`, `_` and `.` made `_`,
/// so that no entry name is a path (`/`, `..`) or needs an encoding to unpack.
fn plain(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
        .collect();
    clean.trim_start_matches('.').to_owned()
}

/// The archive's file names, in the order written: one CSV per table of `layout`
/// (`ID.csv` for the main table, `ID-REPEAT.csv` for each repeat's), then
/// `ID-codebook.csv` and `README.txt`. Names are unique (`~2` is added to a clash).
pub fn csv_zip_names(layout: &Layout) -> Vec<String> {
    let id = plain(&layout.form_id);
    let mut wanted: Vec<String> =
        layout
            .tables
            .iter()
            .map(|t| {
                if t.is_main() {
                    format!("{id}.csv")
                } else {
                    format!("{id}-{}.csv", plain(&t.name))
                }
            })
            .collect();
    wanted.push(format!("{id}-codebook.csv"));
    wanted.push("README.txt".to_owned());
    let mut taken = HashSet::new();
    wanted
        .into_iter()
        .map(|name| {
            let mut candidate = name.clone();
            let mut n = 2;
            while !taken.insert(candidate.to_lowercase()) {
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), ""));
                candidate = format!("{stem}~{n}.{ext}");
                n += 1;
            }
            candidate
        })
        .collect()
}

/// The archive's `README.txt`: each file, what one row of it is, and the keys that
/// join it to the others; then how CSV cells are written. Lines end in CRLF, for
/// Notepad.
fn readme(
    layout: &Layout,
    names: &[String],
    cells: CsvCells,
    submissions: u64,
    media: &MediaReport,
    workbook: Workbook<'_>,
) -> String {
    let mut lines = vec![
        format!("田野数据导出 / Tianye export: {}", layout.form_id),
        format!("答卷份数 / Responses: {submissions}"),
        String::new(),
        "每个数据表一个 CSV 文件（UTF-8，带 BOM，Excel 可直接打开）。".to_owned(),
        "One CSV file per table (UTF-8 with a BOM, so Excel opens it as it is).".to_owned(),
        String::new(),
    ];
    for (table, name) in layout.tables.iter().zip(names) {
        lines.push(name.clone());
        let r = &table.name;
        let (zh, en) = if table.is_main() {
            (
                "主表：每份答卷一行，以 instance_id 标识；重复组的列给出该组的行数。".to_owned(),
                "Main table: one row per response, identified by instance_id; a repeat's column holds its number of rows.".to_owned(),
            )
        } else if let [outer @ .., _] = table.repeat_path.as_slice()
            && !outer.is_empty()
        {
            let p = outer.join(" / ");
            (
                format!(
                    "重复组 {r}（嵌套在 {p} 中）：每行一条；instance_id 对应主表，parent_row 对应上一级重复组的行（如 2 或 2.1），row 为本行在其中的序号（从 1 起）。"
                ),
                format!(
                    "Repeat {r} (inside {p}): one row per row; instance_id joins the main table, parent_row the enclosing repeat's row (e.g. 2 or 2.1), row numbers the row within it (from 1)."
                ),
            )
        } else {
            (
                format!(
                    "重复组 {r}：每行一条；instance_id 对应主表，row 为本行在该答卷中的序号（从 1 起）。"
                ),
                format!(
                    "Repeat {r}: one row per row; instance_id joins the main table, row numbers the row within its response (from 1)."
                ),
            )
        };
        lines.push(format!("  {zh}"));
        lines.push(format!("  {en}"));
    }
    lines.push(names[layout.tables.len()].clone());
    lines.push("  编码表：每列一行，含题目、选项编码与标签、跳转与校验条件。".to_owned());
    lines.push(
        "  Codebook: one row per column, with its question, choice codes and labels, relevance and checks."
            .to_owned(),
    );
    match workbook {
        Workbook::Written(name) => {
            lines.push(name.to_owned());
            lines.push(
                "  同样的数据表，一个 Excel 工作簿（XLSX），每个表一个工作表（表名同上），单元格带类型：文本不会被当作公式。"
                    .to_owned(),
            );
            lines.push(
                "  The same tables as one Excel workbook (XLSX), one sheet per table (named as above), cells typed: text never runs as a formula."
                    .to_owned(),
            );
        }
        Workbook::TooManyRows(table) => {
            lines.push(format!(
                "  （没有 XLSX 工作簿：数据表 {table} 超过 Excel 的 1048576 行上限，请用上面的 CSV 文件。）"
            ));
            lines.push(format!(
                "  (No XLSX workbook: table {table} is over Excel's limit of 1,048,576 rows; use the CSV files above.)"
            ));
        }
    }
    if layout.variables.iter().any(|v| v.kind.is_attachment()) {
        lines.push("media/".to_owned());
        lines.push(format!(
            "  附件（照片、签名、文件）共 {} 个：media/答卷编号/文件名，与数据表中附件题的单元格一致；主表的 attachments_missing 列出尚未收到的附件。",
            media.written
        ));
        lines.push(format!(
            "  Attachments (photos, signatures, files), {} in all: media/INSTANCE_ID/FILE, as the attachment questions' cells name them; the main table's attachments_missing lists files not received yet.",
            media.written
        ));
        if media.kept_sealed_count > 0 {
            let n = media.kept_sealed_count;
            lines.push(format!(
                "  其中 {n} 个加密附件打不开，按原样保存（文件名以 .sealed 结尾）/ {n} sealed file(s) did not open and are kept as they were (names ending in .sealed):"
            ));
            for (id, file, why) in &media.kept_sealed {
                lines.push(format!("    media/{id}/{file}: {why}"));
            }
        }
    }
    lines.push(String::new());
    match cells {
        CsvCells::Neutralised => {
            let (zh, en) = CSV_NOTE;
            lines.push(zh.to_owned());
            lines.push(en.to_owned());
        }
        CsvCells::Raw => {
            lines.push(
                "本压缩包中的 CSV 单元格按原样写出（?raw=1），以 = + - @ 开头的文本在 Excel、WPS 中可能被当作公式执行。"
                    .to_owned(),
            );
            lines.push(
                "The CSV cells in this archive are written as they are (?raw=1): text starting with = + - @ may run as a formula in Excel or WPS."
                    .to_owned(),
            );
        }
    }
    lines.push(String::new());
    lines.join("\r\n")
}

/// How an archive's entries are written: `method`, private to their owner (0600), with
/// [`entry_time`].
pub(super) fn entry_options(method: CompressionMethod) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(method)
        .unix_permissions(0o600)
        .last_modified_time(entry_time())
}

/// The time written on the archive's entries: now in Beijing time (UTC+8), as zip
/// tools show an entry's time as it is, in no zone.
pub(super) fn entry_time() -> zip::DateTime {
    let now = crate::time::now_utc8();
    let (y, m, d) = now.date().ymd();
    let secs = now.millis_of_day() / 1000;
    let narrow = |v: u32| u8::try_from(v).unwrap_or(0);
    u16::try_from(y)
        .ok()
        .and_then(|y| {
            zip::DateTime::from_date_and_time(
                y,
                narrow(m),
                narrow(d),
                narrow(secs / 3600),
                narrow(secs / 60 % 60),
                narrow(secs % 60),
            )
            .ok()
        })
        .unwrap_or_default()
}

/// Writes the CSV export of `layout` as a zip archive to `out` (see the module docs);
/// returns the number of submissions. Entries are deflated and marked `0600`, as
/// `tianye export` writes its files. A sealed submission is an error
/// ([`ExportError::Sealed`]): see [`csv_zip_with`] and [`sealed_zip`].
pub fn csv_zip(
    store: &dyn Store,
    layout: &Layout,
    options: &ExportOptions,
    cells: CsvCells,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    csv_zip_with(store, layout, options, cells, None, out).map(|(n, _)| n)
}

/// What became of the attachments an archive holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaReport {
    /// Files written to `media/`.
    pub written: u64,
    /// Sealed files of opened responses that did not open, written sealed as they
    /// were stored: (instance id, file, why), the first [`MAX_LISTED`] of them.
    pub kept_sealed: Vec<(String, String, String)>,
    /// How many sealed files did not open in all.
    pub kept_sealed_count: u64,
}

/// The most files a [`MediaReport`] lists by name.
pub const MAX_LISTED: usize = 100;

/// [`csv_zip`] with each row passed through `open`, if given, first (see
/// [`super::export_tables_with`]): the export of a sealed questionnaire with the
/// researcher's key. An opened response's sealed files are opened into `media/` under
/// the names its answers give, each checked against its answer (SHA-256 and size); one
/// that does not open is written sealed as it is (`….sealed`), and named in the
/// README and the report. Returns the number of submissions and the report.
pub fn csv_zip_with(
    store: &dyn Store,
    layout: &Layout,
    options: &ExportOptions,
    cells: CsvCells,
    mut open: Option<&mut Opening<'_>>,
    out: &mut dyn Write,
) -> Result<(u64, MediaReport), ExportError> {
    let names = csv_zip_names(layout);
    let entry = entry_options(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new_stream(out);
    let mut upto = i64::MAX;
    let mut submissions = 0;
    for (t, name) in names.iter().enumerate().take(layout.tables.len()) {
        zip.start_file(name.as_str(), entry)?;
        let mut outputs: Vec<Option<&mut dyn Write>> =
            (0..layout.tables.len()).map(|_| None).collect();
        outputs[t] = Some(&mut zip);
        let mut sink = CsvSink::with_cells(outputs, cells)?;
        let (n, last) =
            export_tables_upto(store, layout, options, &mut sink, upto, open.as_deref_mut())?;
        sink.finish()?;
        if t == 0 {
            // The main table is written first; the repeat tables stop where it stopped.
            submissions = n;
            upto = last.unwrap_or(i64::MIN);
        }
    }
    let n = layout.tables.len();
    zip.start_file(names[n].as_str(), entry)?;
    codebook_csv(layout, &mut zip, cells)?;
    let xlsx_name = format!("{}.xlsx", plain(&layout.form_id));
    let workbook = match xlsx_tables(store, layout, options, upto, open.as_deref_mut())? {
        Ok(tmp) => {
            zip.start_file(xlsx_name.as_str(), entry)?;
            std::io::copy(&mut std::fs::File::open(tmp.path())?, &mut zip)?;
            Workbook::Written(&xlsx_name)
        }
        Err(table) => Workbook::TooManyRows(table),
    };
    let media = if layout.variables.iter().any(|v| v.kind.is_attachment()) {
        write_media(store, layout, upto, &mut zip, open)?
    } else {
        MediaReport::default()
    };
    zip.start_file(names[n + 1].as_str(), entry)?;
    // With a BOM, as the CSV files: Windows' Notepad then reads it as UTF-8.
    zip.write_all(BOM)?;
    zip.write_all(readme(layout, &names, cells, submissions, &media, workbook).as_bytes())?;
    zip.finish()?.flush()?;
    Ok((submissions, media))
}

/// The archive of a sealed questionnaire made without the researcher's key (the
/// server's, which never has it): `ID-sealed.jsonl`, one line per submission (a sealed
/// one as its envelope, as [`super::export_jsonl`] writes them), the attachments as
/// they were uploaded in `media/` (a sealed file under its sealed name,
/// `media/INSTANCE_ID/FILE.sealed`), and a `README.txt` saying how to open them
/// (`tianye export --key`, or `core/ENCRYPTION.md`). Returns the number of submissions
/// and what `media/` holds.
pub fn sealed_zip(
    store: &dyn Store,
    layout: &Layout,
    out: &mut dyn Write,
) -> Result<(u64, MediaReport), ExportError> {
    let entry = entry_options(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new_stream(out);
    let lines = format!("{}-sealed.jsonl", plain(&layout.form_id));
    zip.start_file(lines.as_str(), entry)?;
    let (submissions, last) = jsonl_upto(store, &layout.form_id, &mut zip, None, i64::MAX)?;
    let media = write_media(store, layout, last.unwrap_or(i64::MIN), &mut zip, None)?;
    zip.start_file("README.txt", entry)?;
    zip.write_all(BOM)?;
    let readme = [
        format!("田野数据导出（加密）/ Tianye export (sealed): {}", layout.form_id),
        format!("答卷份数 / Responses: {submissions}"),
        String::new(),
        lines,
        "  每行一份答卷；加密答卷为其加密信封（含 sealed 字段），只有研究者的私钥能打开。".to_owned(),
        "  One response per line; a sealed one is its envelope (it has `sealed`), which only the researcher's private key opens.".to_owned(),
        "media/".to_owned(),
        format!(
            "  附件共 {} 个，按上传时的样子：media/答卷编号/文件名；加密附件的文件名以 .sealed 结尾，服务器无法读取。",
            media.written
        ),
        format!(
            "  Attachments, {} in all, as uploaded: media/INSTANCE_ID/FILE; a sealed file's name ends in .sealed, and the server cannot read it.",
            media.written
        ),
        String::new(),
        "要得到数据表和可读的附件，请在研究者的电脑上用私钥导出：tianye export ID --format zip --key private.pem；格式说明见 core/ENCRYPTION.md。".to_owned(),
        "For the tables and readable attachments, export with the private key on the researcher's machine: tianye export ID --format zip --key private.pem; the format is described in core/ENCRYPTION.md.".to_owned(),
        String::new(),
    ];
    zip.write_all(readme.join("\r\n").as_bytes())?;
    zip.finish()?.flush()?;
    Ok((submissions, media))
}

/// What became of the archive's XLSX workbook.
enum Workbook<'a> {
    /// Written under this name.
    Written(&'a str),
    /// Left out: this table is over Excel's row limit.
    TooManyRows(String),
}

/// The tables of the submissions up to `upto` as an XLSX workbook in a temporary file
/// (removed when dropped), or the name of the table over Excel's row limit.
fn xlsx_tables(
    store: &dyn Store,
    layout: &Layout,
    options: &ExportOptions,
    upto: i64,
    open: Option<&mut Opening<'_>>,
) -> Result<Result<tempfile::NamedTempFile, String>, ExportError> {
    let mut sink = XlsxSink::new(layout)?;
    match export_tables_upto(store, layout, options, &mut sink, upto, open) {
        Ok(_) => {}
        Err(ExportError::TooManyRows { table }) => return Ok(Err(table)),
        Err(e) => return Err(e),
    }
    let tmp = tempfile::Builder::new().prefix("tianye-export-").suffix(".xlsx").tempfile()?;
    sink.save(tmp.as_file())?;
    Ok(Ok(tmp))
}

/// Writes every received file of the submissions up to `upto` as
/// `media/<instance_id>/<file>`, streamed from disk (stored without compression: photos
/// are compressed already). With `open`, each row passes through it first, and the
/// sealed files of a row it opened are opened (see [`csv_zip_with`]); a row it leaves
/// out has no files written. Without it, files are written as they were uploaded.
fn write_media<W: Write>(
    store: &dyn Store,
    layout: &Layout,
    upto: i64,
    zip: &mut ZipWriter<zip::write::StreamWriter<W>>,
    mut open: Option<&mut Opening<'_>>,
) -> Result<MediaReport, ExportError> {
    let entry = entry_options(CompressionMethod::Stored);
    let files = store.files().clone();
    let mut report = MediaReport::default();
    let mut each = |sub: crate::store::SubmissionRow| -> Result<(), crate::store::BoxError> {
        if sub.seq > upto {
            return Ok(());
        }
        let sub = match &mut open {
            Some(open) => match open(sub) {
                Some(opened) => opened,
                None => return Ok(()),
            },
            None => sub,
        };
        for f in sub.files.iter().filter(|f| f.received_at.is_some()) {
            let a = &f.attachment;
            let damaged = |e: std::io::Error| ExportError::Damaged {
                instance_id: sub.instance_id.clone(),
                detail: format!("{}: {e}", a.file),
            };
            let mut source = files.open(&a.sha256).map_err(damaged)?;
            if sub.file_key.is_some() && tianye_core::seal::plain_name(&a.file).is_some() {
                // A sealed file is at most 10 MiB and 28 bytes (its upload was checked).
                let most =
                    tianye_core::response::attachment::MAX_SIZE + tianye_core::seal::FILE_OVERHEAD;
                let mut bytes = Vec::new();
                (&mut source).take(most + 1).read_to_end(&mut bytes).map_err(damaged)?;
                let (name, data) = match super::sealed::open_file(&sub, &a.file, &bytes) {
                    Ok((name, plain)) => (name, plain),
                    Err(why) => {
                        report.kept_sealed_count += 1;
                        if report.kept_sealed.len() < MAX_LISTED {
                            report.kept_sealed.push((
                                sub.instance_id.clone(),
                                a.file.clone(),
                                why.to_string(),
                            ));
                        }
                        (a.file.clone(), bytes)
                    }
                };
                zip.start_file(super::media_path(&sub.instance_id, &name), entry)
                    .map_err(ExportError::from)?;
                zip.write_all(&data).map_err(ExportError::from)?;
            } else {
                zip.start_file(super::media_path(&sub.instance_id, &a.file), entry)
                    .map_err(ExportError::from)?;
                std::io::copy(&mut source, zip).map_err(ExportError::from)?;
            }
            report.written += 1;
        }
        Ok(())
    };
    store.scan_submissions(&layout.form_id, &mut each)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;
    use crate::export::Table;
    use crate::ingest::{Uploader, prepare};
    use crate::{Catalog, SqliteStore};

    const FORM: &str = r#"{"id": "hh", "version": "1", "title": "户",
      "items": [
        {"type": "text", "name": "village", "label": "村"},
        {"type": "repeat", "name": "kid", "label": "孩子", "items": [
          {"type": "text", "name": "kid_name", "label": "姓名"}]}]}"#;

    /// An output that stores, through `store`, the response `late` as soon as the
    /// archive's roster entry begins: an upload arriving between two passes.
    struct UploadMidway<'a> {
        out: Vec<u8>,
        store: &'a SqliteStore,
        catalog: &'a Catalog,
        late: Option<String>,
    }

    impl Write for UploadMidway<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.windows(10).any(|w| w == b"hh-kid.csv")
                && let Some(raw) = self.late.take()
            {
                let who = Uploader { team: "一队".into(), token_id: None };
                let s = prepare(self.catalog, &raw, &who).expect("a valid response");
                self.store.submit(s).blocking_recv().expect("writer").expect("stored");
            }
            self.out.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn response(id: &str, kids: &[&str]) -> String {
        serde_json::json!({
            "instance_id": id,
            "questionnaire": {"id": "hh", "version": "1"},
            "status": "complete",
            "answers": {"village": "石门村", "kid": kids.iter().map(|k| serde_json::json!({"kid_name": k})).collect::<Vec<_>>()},
            "meta": {"started_at": "2026-07-01T09:30:00+08:00", "submitted_at": "2026-07-01T09:45:00+08:00"}
        })
        .to_string()
    }

    #[test]
    fn an_upload_between_passes_is_in_no_table() {
        let dir = tempfile::tempdir().unwrap();
        let forms = dir.path().join("forms");
        std::fs::create_dir_all(forms.join("hh")).unwrap();
        std::fs::write(forms.join("hh/form.json"), FORM).unwrap();
        let store = SqliteStore::open(&dir.path().join("data")).unwrap();
        let (catalog, _) = Catalog::load(&store, Some(&forms)).unwrap();
        let who = Uploader { team: "一队".into(), token_id: None };
        let first = "00000000-0000-4000-8000-000000000001";
        let s = prepare(&catalog, &response(first, &["小明", "小红"]), &who).unwrap();
        store.submit(s).blocking_recv().unwrap().unwrap();
        let late_id = "00000000-0000-4000-8000-000000000002";
        let mut out = UploadMidway {
            out: Vec::new(),
            store: &store,
            catalog: &catalog,
            late: Some(response(late_id, &["小刚"])),
        };
        let layout = Layout::new("hh", catalog.versions("hh"));
        let n =
            csv_zip(&store, &layout, &ExportOptions::default(), CsvCells::Neutralised, &mut out)
                .unwrap();
        assert_eq!(n, 1);
        assert!(out.late.is_none(), "the late upload was stored midway");
        let mut archive = zip::ZipArchive::new(Cursor::new(out.out)).unwrap();
        let mut kids = String::new();
        archive.by_name("hh-kid.csv").unwrap().read_to_string(&mut kids).unwrap();
        assert!(kids.contains("小明") && kids.contains("小红"), "{kids}");
        assert!(
            !kids.contains(late_id),
            "a roster row whose response is not in the main table:\n{kids}"
        );
        // The next export has it in both.
        let mut again = Vec::new();
        csv_zip(&store, &layout, &ExportOptions::default(), CsvCells::Neutralised, &mut again)
            .unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(again)).unwrap();
        for name in ["hh.csv", "hh-kid.csv"] {
            let mut text = String::new();
            archive.by_name(name).unwrap().read_to_string(&mut text).unwrap();
            assert!(text.contains(late_id), "{name}: {text}");
        }
    }

    fn table(name: &str, path: &[&str]) -> Table {
        Table {
            name: name.to_owned(),
            repeat_path: path.iter().map(|s| (*s).to_owned()).collect(),
            columns: Vec::new(),
        }
    }

    #[test]
    fn entry_names_are_plain_and_unique() {
        assert_eq!(plain("member"), "member");
        assert_eq!(plain("../成员/x"), "____x");
        assert_eq!(plain(".hidden"), "hidden");
        let layout = Layout {
            form_id: "hh".to_owned(),
            tables: vec![
                table("hh", &[]),
                table("codebook", &["codebook"]),
                table("a/b", &["codebook", "a/b"]),
            ],
            variables: Vec::new(),
        };
        assert_eq!(
            csv_zip_names(&layout),
            ["hh.csv", "hh-codebook.csv", "hh-a_b.csv", "hh-codebook~2.csv", "README.txt"]
        );
    }
}
