//! Exports for analysis: CSV (UTF-8 with a BOM, so Excel shows Chinese), XLSX, JSON
//! Lines, SPSS and Stata (CSV with syntax files), and a codebook (data dictionary).
//!
//! - The main table has one row per submission: metadata columns (`instance_id`,
//!   `version`, `team`, `enumerator`, `device_id`, `started_at`, `submitted_at`,
//!   `received_at`, `review_state`, `review_comment`), then one column per variable in
//!   questionnaire order.
//! - Each repeat gets its own table (another CSV file, or another XLSX sheet) keyed by
//!   `instance_id` (+ `parent_row` for nested repeats) and `row` (from 1); the main
//!   table holds each repeat's row count.
//! - Multiple choice: the selected names joined by spaces, then one 0/1 column per
//!   option (`name/option`).
//! - Columns come from every version of the questionnaire, in a stable order (see
//!   [`layout`]), so a new version never drops old data.
//! - Values are the core's cleaned answers (non-relevant answers removed, calculations
//!   filled in). With `labels`, choice labels replace choice names.
//! - Everything streams from the database: memory does not grow with the number of
//!   submissions.
//! - The CSV export also comes as one zip archive of every table, the codebook and a
//!   README on how the tables join ([`csv_zip`]).
//! - A sealed submission (`core/ENCRYPTION.md`) is read only with the researcher's key,
//!   on the researcher's machine: the tables take it opened (see [`sealed`]), never with
//!   empty answer columns; without a key JSON Lines writes its envelope as it is.
//! - SPSS and Stata: a zip archive of each table's CSV with its `.sps` or `.do` syntax
//!   file (names, labels, choice codes with value labels), see [`stats_zip`].
//! - CSV text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
//!   `@`, tab or carriage return) gets a leading `'` unless [`CsvCells::Raw`] is
//!   asked for; numbers stay numbers ([`neutralise`]). XLSX cells are typed (text is
//!   written as a string, never as a formula), so XLSX text is written as it is.

mod archive;
mod codebook;
pub mod layout;
pub mod sealed;
mod sinks;
mod stats_syntax;

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};

pub use archive::{MAX_LISTED, MediaReport, csv_zip, csv_zip_names, csv_zip_with, sealed_zip};
pub use codebook::{CODEBOOK_HEADERS, CSV_NOTE, codebook_csv, codebook_rows, codebook_xlsx};
pub use layout::{Column, Layout, Source, Table};
pub use sinks::{BOM, CsvCells, CsvSink, XlsxSink, neutralise, sheet_name};
pub use stats_syntax::{
    MAX_CODED_CHOICES, StatsTool, spss_quote, stata_quote, stats_zip, variable_names,
};

use crate::store::{BoxError, Store, StoreError, SubmissionRow};
use layout::{KeyColumn, MetaColumn, Variable};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV, one file per table.
    Csv,
    /// XLSX, one sheet per table.
    Xlsx,
    /// JSON Lines: one submission (with its cleaned answers) per line.
    Jsonl,
    /// The data dictionary (CSV or XLSX by the output's extension).
    Codebook,
}

/// How values are written.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Write choice labels instead of choice names.
    pub labels: bool,
    /// Language of labels (`zh`, `en`); the questionnaire's default when absent.
    pub lang: String,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { labels: false, lang: "zh".into() }
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Writing the output failed.
    #[error("写入失败 / write failed: {0}")]
    Io(#[from] std::io::Error),
    /// Writing CSV failed.
    #[error("写入 CSV 失败 / CSV write failed: {0}")]
    Csv(#[from] csv::Error),
    /// Writing XLSX failed.
    #[error("写入 XLSX 失败 / XLSX write failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// Writing a zip archive failed.
    #[error("写入 zip 压缩包失败 / zip write failed: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Reading the database failed.
    #[error(transparent)]
    Store(StoreError),
    /// A sheet would exceed the 1,048,576 rows Excel allows.
    #[error(
        "数据表 {table} 超过 Excel 的 1048576 行上限，请导出为 CSV / table {table} is over Excel's limit of 1,048,576 rows: export CSV instead"
    )]
    TooManyRows {
        /// The table.
        table: String,
    },
    /// A sealed submission met by an export that has no key to open it.
    #[error(
        "答卷 {instance_id} 已加密，只能用研究者的私钥导出（tianye export --key），或导出为 JSON Lines（加密信封）/ response {instance_id} is sealed: export it with the researcher's private key (tianye export --key), or as JSON Lines (its envelope)"
    )]
    Sealed {
        /// The response.
        instance_id: String,
    },
    /// A stored row could not be read back.
    #[error("答卷 {instance_id} 的数据损坏 / damaged data for response {instance_id}: {detail}")]
    Damaged {
        /// The response.
        instance_id: String,
        /// What is wrong.
        detail: String,
    },
}

impl From<StoreError> for ExportError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Callback(inner) => match inner.downcast::<ExportError>() {
                Ok(e) => *e,
                Err(other) => ExportError::Io(std::io::Error::other(other)),
            },
            other => ExportError::Store(other),
        }
    }
}

/// A cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value.
    Empty,
    /// Text.
    Text(String),
    /// A number, as JSON wrote it.
    Number(serde_json::Number),
}

impl Cell {
    fn int(n: usize) -> Cell {
        Cell::Number(serde_json::Number::from(n as u64))
    }

    /// The cell as CSV text.
    pub fn to_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Empty => "".into(),
            Cell::Text(s) => s.as_str().into(),
            Cell::Number(n) => n.to_string().into(),
        }
    }
}

/// Where table rows go (CSV files, XLSX sheets).
pub trait Sink {
    /// Whether rows of table `table` are wanted (others are not computed).
    fn wants(&self, table: usize) -> bool;
    /// Writes the header row of `table`.
    fn header(&mut self, table: usize, headers: &[&str]) -> Result<(), ExportError>;
    /// Writes one row of `table`.
    fn row(&mut self, table: usize, cells: &[Cell]) -> Result<(), ExportError>;
}

fn meta_text(meta: &Map<String, Value>, key: &str) -> Cell {
    match meta.get(key) {
        Some(Value::String(s)) => Cell::Text(s.clone()),
        _ => Cell::Empty,
    }
}

fn geo_text(m: &Map<String, Value>) -> String {
    ["lat", "lon", "altitude", "accuracy"]
        .iter()
        .filter_map(|k| m.get(*k))
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn value_cell(var: &Variable, value: Option<&Value>, options: &ExportOptions) -> Cell {
    let label = |name: &str| -> String {
        if options.labels && var.list.is_some() {
            var.choice_label(name, &options.lang).unwrap_or(name).to_owned()
        } else {
            name.to_owned()
        }
    };
    match value {
        None | Some(Value::Null) => Cell::Empty,
        Some(Value::String(s)) => Cell::Text(label(s)),
        Some(Value::Number(n)) => Cell::Number(n.clone()),
        Some(Value::Bool(b)) => Cell::Text(b.to_string()),
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => label(s),
                    other => other.to_string(),
                })
                .collect();
            Cell::Text(parts.join(if options.labels && var.list.is_some() { "; " } else { " " }))
        }
        Some(Value::Object(m)) if var.kind == tianye_core::ItemType::Geopoint => {
            Cell::Text(geo_text(m))
        }
        Some(other) => Cell::Text(other.to_string()),
    }
}

/// An attachment answer as the tables write it: the file's place in the export's
/// `media/` folder, `media/<instance_id>/<file>` (a file name is unique within its
/// response only).
fn attachment_cell(instance_id: &str, value: Option<&Value>) -> Cell {
    match value.and_then(|v| v.get("file")).and_then(Value::as_str) {
        Some(file) => Cell::Text(media_path(instance_id, file)),
        None => Cell::Empty,
    }
}

/// Where the export's archive holds file `file` of response `instance_id`.
pub fn media_path(instance_id: &str, file: &str) -> String {
    format!("media/{instance_id}/{file}")
}

fn selected_cell(value: Option<&Value>, choice: &str) -> Cell {
    match value {
        Some(Value::Array(items)) => {
            Cell::int(usize::from(items.iter().any(|v| v.as_str() == Some(choice))))
        }
        Some(Value::String(s)) => Cell::int(usize::from(s.split_whitespace().any(|x| x == choice))),
        _ => Cell::Empty,
    }
}

/// The rows of the repeat at `path` below `answers`: (parent key, row number from 1,
/// the row's answers).
fn rows_at<'a>(
    answers: &'a Map<String, Value>,
    path: &[String],
) -> Vec<(String, usize, &'a Map<String, Value>)> {
    let mut level: Vec<(String, &Map<String, Value>)> = vec![(String::new(), answers)];
    let mut out = Vec::new();
    for (depth, name) in path.iter().enumerate() {
        let last = depth + 1 == path.len();
        let mut next = Vec::new();
        for (key, obj) in &level {
            let Some(Value::Array(rows)) = obj.get(name) else { continue };
            for (j, row) in rows.iter().enumerate() {
                let Value::Object(m) = row else { continue };
                if last {
                    out.push((key.clone(), j + 1, m));
                } else if key.is_empty() {
                    next.push(((j + 1).to_string(), m));
                } else {
                    next.push((format!("{key}.{}", j + 1), m));
                }
            }
        }
        level = next;
    }
    out
}

struct RowContext<'a> {
    sub: &'a SubmissionRow,
    meta: &'a Map<String, Value>,
    parent_key: &'a str,
    row: usize,
}

fn cell(
    layout: &Layout,
    column: &Column,
    obj: &Map<String, Value>,
    ctx: &RowContext<'_>,
    options: &ExportOptions,
) -> Cell {
    match &column.source {
        Source::Meta(m) => match m {
            MetaColumn::InstanceId => Cell::Text(ctx.sub.instance_id.clone()),
            MetaColumn::Version => Cell::Text(ctx.sub.version.clone()),
            MetaColumn::Team => Cell::Text(ctx.sub.team.clone()),
            MetaColumn::Enumerator => meta_text(ctx.meta, "enumerator"),
            MetaColumn::DeviceId => meta_text(ctx.meta, "device_id"),
            MetaColumn::StartedAt => meta_text(ctx.meta, "started_at"),
            MetaColumn::SubmittedAt => meta_text(ctx.meta, "submitted_at"),
            MetaColumn::ReceivedAt => Cell::Text(ctx.sub.received_at.clone()),
            MetaColumn::ReviewState => Cell::Text(ctx.sub.review_state.as_str().to_owned()),
            MetaColumn::ReviewComment => Cell::Text(ctx.sub.review_comment.clone()),
            MetaColumn::AttachmentsMissing => {
                let missing: Vec<&str> = ctx
                    .sub
                    .files
                    .iter()
                    .filter(|f| f.received_at.is_none())
                    .map(|f| {
                        // An opened sealed row's files are its sealed files: named here
                        // as its answers name them.
                        let name = f.attachment.file.as_str();
                        match ctx.sub.file_key {
                            Some(_) => tianye_core::seal::plain_name(name).unwrap_or(name),
                            None => name,
                        }
                    })
                    .collect();
                Cell::Text(missing.join(" "))
            }
        },
        Source::Key(k) => match k {
            KeyColumn::InstanceId => Cell::Text(ctx.sub.instance_id.clone()),
            KeyColumn::ParentRow => Cell::Text(ctx.parent_key.to_owned()),
            KeyColumn::Row => Cell::int(ctx.row),
        },
        Source::Value(v) => {
            let var = &layout.variables[*v];
            if var.kind.is_attachment() {
                return attachment_cell(&ctx.sub.instance_id, obj.get(&var.name));
            }
            value_cell(var, obj.get(&var.name), options)
        }
        Source::Selected(v, choice) => selected_cell(obj.get(&layout.variables[*v].name), choice),
        Source::RowCount(v) => match obj.get(&layout.variables[*v].name) {
            Some(Value::Array(rows)) => Cell::int(rows.len()),
            _ => Cell::Empty,
        },
    }
}

fn parse_object(text: &str, sub: &SubmissionRow) -> Result<Map<String, Value>, ExportError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ExportError::Damaged {
            instance_id: sub.instance_id.clone(),
            detail: "not a JSON object".into(),
        }),
        Err(e) => Err(ExportError::Damaged {
            instance_id: sub.instance_id.clone(),
            detail: e.to_string(),
        }),
    }
}

/// Writes every table of `layout` to `sink`, streaming the submissions from `store`.
/// Returns the number of submissions.
pub fn export_tables(
    store: &dyn Store,
    layout: &Layout,
    options: &ExportOptions,
    sink: &mut dyn Sink,
) -> Result<u64, ExportError> {
    export_tables_upto(store, layout, options, sink, i64::MAX, None).map(|(n, _)| n)
}

/// What an export does with each stored row before writing it: opens a sealed one (see
/// [`sealed::open_row`]), giving the row to write, or `None` to leave it out.
pub type Opening<'a> = dyn FnMut(SubmissionRow) -> Option<SubmissionRow> + 'a;

/// [`export_tables`] with each row passed through `open`, if given, first: the export of
/// a sealed questionnaire with the researcher's key. Returns the number of submissions
/// written.
pub fn export_tables_with(
    store: &dyn Store,
    layout: &Layout,
    options: &ExportOptions,
    sink: &mut dyn Sink,
    open: Option<&mut Opening<'_>>,
) -> Result<u64, ExportError> {
    export_tables_upto(store, layout, options, sink, i64::MAX, open).map(|(n, _)| n)
}

/// [`export_tables`] over the submissions stored up to `upto` (their `seq`, which only
/// grows: submissions are never changed or removed), so that passes made one after
/// another over the same store write the same submissions. Returns the number written
/// and the last `seq` written (`None` when there was none). Without `open`, a sealed
/// row is an error ([`ExportError::Sealed`]): its answer columns would be empty.
fn export_tables_upto(
    store: &dyn Store,
    layout: &Layout,
    options: &ExportOptions,
    sink: &mut dyn Sink,
    upto: i64,
    mut open: Option<&mut Opening<'_>>,
) -> Result<(u64, Option<i64>), ExportError> {
    for (t, table) in layout.tables.iter().enumerate() {
        if sink.wants(t) {
            let headers: Vec<&str> = table.columns.iter().map(|c| c.header.as_str()).collect();
            sink.header(t, &headers)?;
        }
    }
    let mut cells = Vec::new();
    let mut written = 0;
    let mut last = None;
    let mut each = |sub: SubmissionRow| -> Result<(), BoxError> {
        if sub.seq > upto {
            return Ok(());
        }
        let sub = match (&mut open, &sub.envelope) {
            (Some(open), _) => match open(sub) {
                Some(opened) => opened,
                None => return Ok(()),
            },
            (None, Some(_)) => {
                return Err(Box::new(ExportError::Sealed { instance_id: sub.instance_id }));
            }
            (None, None) => sub,
        };
        written += 1;
        last = Some(sub.seq);
        let meta = parse_object(&sub.meta, &sub)?;
        let answers = parse_object(&sub.answers, &sub)?;
        for (t, table) in layout.tables.iter().enumerate() {
            if !sink.wants(t) {
                continue;
            }
            if table.is_main() {
                let ctx = RowContext { sub: &sub, meta: &meta, parent_key: "", row: 0 };
                cells.clear();
                cells
                    .extend(table.columns.iter().map(|c| cell(layout, c, &answers, &ctx, options)));
                sink.row(t, &cells)?;
                continue;
            }
            for (parent_key, row, obj) in rows_at(&answers, &table.repeat_path) {
                let ctx = RowContext { sub: &sub, meta: &meta, parent_key: &parent_key, row };
                cells.clear();
                cells.extend(table.columns.iter().map(|c| cell(layout, c, obj, &ctx, options)));
                sink.row(t, &cells)?;
            }
        }
        Ok(())
    };
    store.scan_submissions(&layout.form_id, &mut each)?;
    Ok((written, last))
}

/// Writes every submission of `form_id` as one JSON object per line:
/// `{"instance_id", "questionnaire": {"id", "version"}, "team", "received_at", "meta",
/// "answers"}` with the cleaned answers; a sealed one as its envelope, on one line (it
/// has `sealed`, which no other line has).
pub fn export_jsonl(
    store: &dyn Store,
    form_id: &str,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    jsonl(store, form_id, out, None)
}

/// [`export_jsonl`] with each row passed through `open`, if given, first (see
/// [`export_tables_with`]).
pub fn export_jsonl_with(
    store: &dyn Store,
    form_id: &str,
    out: &mut dyn Write,
    open: Option<&mut Opening<'_>>,
) -> Result<u64, ExportError> {
    jsonl(store, form_id, out, open)
}

fn jsonl(
    store: &dyn Store,
    form_id: &str,
    out: &mut dyn Write,
    open: Option<&mut Opening<'_>>,
) -> Result<u64, ExportError> {
    jsonl_upto(store, form_id, out, open, i64::MAX).map(|(n, _)| n)
}

/// [`jsonl`] over the submissions stored up to `upto` (see [`export_tables_upto`]):
/// the number written and the last `seq` written.
fn jsonl_upto(
    store: &dyn Store,
    form_id: &str,
    out: &mut dyn Write,
    mut open: Option<&mut Opening<'_>>,
    upto: i64,
) -> Result<(u64, Option<i64>), ExportError> {
    let id = Value::String(form_id.to_owned()).to_string();
    let mut written = 0;
    let mut last = None;
    let mut each = |sub: SubmissionRow| -> Result<(), BoxError> {
        if sub.seq > upto {
            return Ok(());
        }
        last = Some(sub.seq);
        let sub = match (&mut open, &sub.envelope) {
            (Some(open), _) => match open(sub) {
                Some(opened) => opened,
                None => return Ok(()),
            },
            (None, Some(envelope)) => {
                // As uploaded, but on one line whatever its layout.
                let envelope: Value =
                    serde_json::from_str(envelope).map_err(|e| ExportError::Damaged {
                        instance_id: sub.instance_id.clone(),
                        detail: e.to_string(),
                    })?;
                writeln!(out, "{envelope}")?;
                written += 1;
                return Ok(());
            }
            (None, None) => sub,
        };
        // meta and answers are JSON written by the server; they go out as they are.
        writeln!(
            out,
            r#"{{"instance_id":{},"questionnaire":{{"id":{id},"version":{}}},"team":{},"received_at":{},"meta":{},"answers":{}}}"#,
            Value::String(sub.instance_id),
            Value::String(sub.version),
            Value::String(sub.team),
            Value::String(sub.received_at),
            sub.meta,
            sub.answers,
        )?;
        written += 1;
        Ok(())
    };
    store.scan_submissions(form_id, &mut each)?;
    out.flush()?;
    Ok((written, last))
}

/// The file of table `table` when the main table goes to `main`: the main table's
/// path itself, `NAME-REPEAT.csv` beside it for repeats.
pub fn table_path(main: &Path, table: &Table) -> std::path::PathBuf {
    if table.is_main() {
        return main.to_owned();
    }
    let stem = main.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext =
        main.extension().map_or_else(|| "csv".to_owned(), |s| s.to_string_lossy().into_owned());
    main.with_file_name(format!("{stem}-{}.{ext}", table.name))
}
