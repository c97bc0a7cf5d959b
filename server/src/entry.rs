//! Data keyed in from paper: a template with one column per question, in the export's
//! own layout ([`crate::export::layout`]), and the reading of a filled template into
//! responses, which `tianye import-responses` then validates and stores exactly like
//! uploads ([`crate::ingest::prepare`]).
//!
//! - **Tables** as the export has them: the main table (one row per paper form) and one
//!   table per repeat (one row per roster row), keyed by `instance_id`, `parent_row`
//!   (nested repeats only) and `row`. CSV is one file per table (`entry.csv`,
//!   `entry-member.csv`, named by [`crate::export::table_path`]); XLSX one sheet per
//!   table, named as the export names them.
//! - **Columns**: the export's, in its order, less what nobody keys in from paper: the
//!   server's and the device's metadata (`team`, `device_id`, `started_at`,
//!   `received_at`), calculations and `meta` items, attachments (a signature or photo
//!   stays on paper), each repeat's row count (the repeat table's rows give it) and the
//!   0/1 columns of multiple choice (the answer column lists the choices, separated by
//!   spaces).
//! - **`instance_id`** in the main table is the paper form's own number (any text of at
//!   most [`MAX_KEY_CHARS`] characters, unique in the file), which the repeat tables
//!   repeat to say whose rows they are. The response's id is a UUID derived from the
//!   questionnaire, the file's name and that number ([`derived_instance_id`]), so
//!   importing the same file again gives the same ids and stores nothing twice; a UUID
//!   written there is used as it is. An empty number is taken as the row's number.
//! - **Meta**: `submitted_at` is required (the day the form was filled in; a date alone
//!   is noon, Beijing time), `enumerator` optional, and `device_id` is `paper:FILE`, so
//!   the response says it was keyed in from paper (a questionnaire can read it through a
//!   `deviceid` meta item, as the record card does to leave out the signature).
//! - **Cells** are read as text and turned into the answer the questionnaire's type
//!   takes: numbers for number questions (text that is no number stays text, and the
//!   engine reports it as `type`), a choice by its name or by its label in any
//!   language, several choices separated by spaces, `;` or `,`, a date cell of a
//!   spreadsheet as `YYYY-MM-DD`.
//! - **Bounded**: at most [`MAX_FILE_BYTES`] per file, [`MAX_ROWS`] rows per table and
//!   [`MAX_CELL_CHARS`] characters per cell; an XLSX is read cell by cell (a sheet costs
//!   what it holds, not the span of its farthest cell), within 2,000 columns and 256 MiB
//!   unpacked. Past these the whole file is refused, with where.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Format, Formula, Note, Workbook, Worksheet,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tianye_core::ItemType;
use tianye_core::xlsform::column_letter;

use crate::export::layout::{KeyColumn, MetaColumn, Variable};
use crate::export::{BOM, Layout, Source, table_path};

/// The largest file read (each CSV file, or the XLSX workbook): 20 MiB.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// The most rows (below the header) a table may have.
pub const MAX_ROWS: usize = 10_000;
/// The most characters in one cell.
pub const MAX_CELL_CHARS: usize = 2_000;
/// The most characters of a paper form's number (`instance_id`).
pub const MAX_KEY_CHARS: usize = 64;
/// The hidden sheet of the XLSX template that holds the drop-down lists' labels; the
/// import passes over it.
pub const CHOICES_SHEET: &str = "_choices";
/// The most choices a drop-down offers (a longer list, a county's villages, is typed).
const MAX_DROPDOWN_CHOICES: usize = 500;
/// The time of day given to a `submitted_at` written as a date only: noon, Beijing time.
const DATE_ONLY_TIME: &str = "T12:00:00+08:00";

/// What a column of the template holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryColumn {
    /// Main table: the paper form's number (or a response UUID). Repeat tables: the
    /// number of the form the row belongs to.
    InstanceId,
    /// The questionnaire version; empty for the newest.
    Version,
    /// `meta.enumerator`.
    Enumerator,
    /// `meta.submitted_at`: the day the paper form was filled in (required).
    SubmittedAt,
    /// The key of the enclosing repeat row (`2`, `2.1`), nested repeats only.
    ParentRow,
    /// The row's number (from 1) within its parent.
    Row,
    /// The answer to variable `i` of the layout.
    Answer(usize),
}

/// One table of the template.
#[derive(Debug, Clone)]
pub struct EntryTable {
    /// The export's table name: the questionnaire id, or the repeat's name.
    pub name: String,
    /// The repeats from the root down to this table's (empty for the main table).
    pub repeat_path: Vec<String>,
    /// The columns in order: header and content.
    pub columns: Vec<(String, EntryColumn)>,
}

impl EntryTable {
    /// Whether this is the main table.
    pub fn is_main(&self) -> bool {
        self.repeat_path.is_empty()
    }
}

/// The template of one questionnaire: the export's layout and the tables keyed in.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The export's layout the tables are cut from.
    pub layout: Layout,
    /// The tables, in the export's order.
    pub tables: Vec<EntryTable>,
}

/// Why a template could not be written or a filled one read: the file as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// Reading or writing a file failed.
    #[error("{path}: 无法读写 / cannot read or write: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Writing the XLSX template failed.
    #[error("写入 XLSX 失败 / XLSX write failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// The file is larger than [`MAX_FILE_BYTES`].
    #[error(
        "{path}: 文件超过 {max} 字节，请分成几个文件 / the file is over {max} bytes: split it into several files"
    )]
    TooLarge {
        /// The file.
        path: String,
        /// The limit.
        max: u64,
    },
    /// Neither CSV nor XLSX, or not readable as such.
    #[error("{path}: {detail}")]
    Unreadable {
        /// The file.
        path: String,
        /// What is wrong, in both languages.
        detail: String,
    },
    /// A table has more than [`MAX_ROWS`] rows.
    #[error(
        "{table}: 超过 {max} 行，请分成几个文件 / more than {max} rows: split it into several files"
    )]
    TooManyRows {
        /// The file or sheet.
        table: String,
        /// The limit.
        max: usize,
    },
    /// A cell longer than [`MAX_CELL_CHARS`].
    #[error(
        "{table} 第 {row} 行 {column} 列：超过 {max} 个字 / row {row}, column {column}: more than {max} characters"
    )]
    CellTooLong {
        /// The file or sheet.
        table: String,
        /// The row as the spreadsheet numbers it.
        row: u32,
        /// The column letter.
        column: String,
        /// The limit.
        max: usize,
    },
    /// A header that is not a column of the template, or one given twice.
    #[error(
        "{table} 第 1 行 {column} 列：“{header}”{why_zh} / row 1, column {column}: “{header}” {why_en}"
    )]
    BadHeader {
        /// The file or sheet.
        table: String,
        /// The column letter.
        column: String,
        /// The header.
        header: String,
        /// Why, in Chinese.
        why_zh: &'static str,
        /// Why, in English.
        why_en: &'static str,
    },
    /// A repeat table without the columns that say whose rows they are.
    #[error(
        "{table}：缺少 {header} 列 / the {header} column is missing (it says which form and row each row belongs to)"
    )]
    MissingKey {
        /// The file or sheet.
        table: String,
        /// The missing header.
        header: &'static str,
    },
}

/// A problem with one row that keeps its paper form from being imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file or sheet.
    pub table: String,
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: u32,
    /// The column's header, when one column is at fault.
    pub column: Option<String>,
    /// What is wrong, in Chinese.
    pub zh: String,
    /// What is wrong, in English.
    pub en: String,
}

/// Where a row of a response came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file or sheet.
    pub table: String,
    /// The row as the spreadsheet numbers it.
    pub row: u32,
    /// The table's headers, to name a question's column.
    headers: Arc<[String]>,
}

impl Origin {
    /// The column letter and header of question `name` in this row's table, if it has one.
    pub fn column_of(&self, name: &str) -> Option<(String, &str)> {
        let i = self.headers.iter().position(|h| h == name)?;
        Some((column_letter(i as u32), self.headers[i].as_str()))
    }
}

/// One paper form read from the file: the response to validate, or why it cannot be.
#[derive(Debug, Clone)]
pub struct EntryResponse {
    /// The paper form's number as written (`instance_id` column; the row's number
    /// when empty).
    pub key: String,
    /// Its main-table row.
    pub origin: Origin,
    /// The response (`instance_id`, `questionnaire`, `status`, `answers`, `meta`), or
    /// the problems of its rows that keep it from being one.
    pub response: Result<Value, Vec<RowError>>,
    /// Where each repeat row came from, by its path in the answers (`member[1]`,
    /// `member[1].child[0]`).
    pub rows: BTreeMap<String, Origin>,
}

impl EntryResponse {
    /// The row a problem at `path` (`bp_sys`, `health_check[1].bp_dia`) points at: the
    /// repeat row that holds it, else the main row.
    pub fn origin_of(&self, path: &str) -> &Origin {
        let mut prefix = path;
        loop {
            if let Some(o) = self.rows.get(prefix) {
                return o;
            }
            match prefix.rfind('.') {
                Some(i) => prefix = &prefix[..i],
                None => return &self.origin,
            }
        }
    }
}

/// What nobody keys in from paper (see the module's notes).
fn keyed_in(var: &Variable) -> bool {
    var.kind.is_question()
        && var.kind != ItemType::Meta
        && !var.kind.is_attachment()
        && var.kind != ItemType::Repeat
}

impl Entry {
    /// The template of `layout`.
    pub fn new(layout: Layout) -> Entry {
        let tables = layout
            .tables
            .iter()
            .map(|t| {
                let mut columns = Vec::new();
                for c in &t.columns {
                    let col = match &c.source {
                        Source::Meta(MetaColumn::InstanceId)
                        | Source::Key(KeyColumn::InstanceId) => EntryColumn::InstanceId,
                        Source::Meta(MetaColumn::Version) => EntryColumn::Version,
                        Source::Meta(MetaColumn::Enumerator) => EntryColumn::Enumerator,
                        Source::Meta(MetaColumn::SubmittedAt) => EntryColumn::SubmittedAt,
                        Source::Key(KeyColumn::ParentRow) => EntryColumn::ParentRow,
                        Source::Key(KeyColumn::Row) => EntryColumn::Row,
                        Source::Value(v) if keyed_in(&layout.variables[*v]) => {
                            EntryColumn::Answer(*v)
                        }
                        _ => continue,
                    };
                    columns.push((c.header.clone(), col));
                }
                EntryTable { name: t.name.clone(), repeat_path: t.repeat_path.clone(), columns }
            })
            .collect();
        Entry { layout, tables }
    }

    /// Writes the CSV template: `main` and one file per repeat beside it (as the export
    /// names them), each a UTF-8 BOM and the header row. Returns the files written.
    pub fn write_csv(&self, main: &Path) -> Result<Vec<PathBuf>, EntryError> {
        let mut written = Vec::new();
        for (table, export_table) in self.tables.iter().zip(&self.layout.tables) {
            let path = table_path(main, export_table);
            let io = |source| EntryError::Io { path: path.display().to_string(), source };
            let mut file = std::fs::File::create(&path).map_err(io)?;
            file.write_all(BOM).map_err(io)?;
            let mut w = csv::Writer::from_writer(file);
            w.write_record(table.columns.iter().map(|(h, _)| h.as_str()))
                .and_then(|()| w.flush().map_err(csv::Error::from))
                .map_err(|e| EntryError::Io {
                    path: path.display().to_string(),
                    source: std::io::Error::other(e),
                })?;
            written.push(path);
        }
        Ok(written)
    }

    /// Writes the XLSX template to `out`: one sheet per table, the header bold and
    /// frozen, each header with a note (label in Chinese and English, type, whether
    /// required, when asked, checks, choices), text columns formatted as text (so an
    /// 18-digit ID number keeps its digits) and date columns as dates. A single-choice
    /// column offers its choices' labels in a drop-down (from the hidden sheet
    /// [`CHOICES_SHEET`]); a code typed instead is accepted after a warning.
    pub fn write_xlsx(&self, out: impl Write + Send) -> Result<(), EntryError> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let text = Format::new().set_num_format("@");
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let mut choices = Worksheet::new();
        choices.set_name(CHOICES_SHEET)?;
        choices.set_hidden(true);
        let mut lists: HashMap<usize, String> = HashMap::new();
        for (table, name) in self.tables.iter().zip(self.sheet_names()) {
            let mut sheet = Worksheet::new();
            sheet.set_name(&name)?;
            sheet.set_freeze_panes(1, 0)?;
            for (c, (header, col)) in table.columns.iter().enumerate() {
                let c = c as u16;
                sheet.write_string_with_format(0, c, header, &bold)?;
                let note = Note::new(self.note(*col)).add_author_prefix(false).set_width(360);
                sheet.insert_note(0, c, &note.set_height(220))?;
                sheet.set_column_width(c, (header.chars().count() + 4).clamp(10, 30) as f64)?;
                let kind = match col {
                    EntryColumn::Answer(v) => Some(self.layout.variables[*v].kind),
                    EntryColumn::SubmittedAt => Some(ItemType::Date),
                    EntryColumn::InstanceId | EntryColumn::ParentRow => Some(ItemType::Text),
                    _ => None,
                };
                match kind {
                    Some(ItemType::Date) => {
                        sheet.set_column_format(c, &date)?;
                    }
                    Some(
                        ItemType::Text
                        | ItemType::Phone
                        | ItemType::IdNumber
                        | ItemType::Email
                        | ItemType::SelectOne
                        | ItemType::SelectMultiple
                        | ItemType::Rank
                        | ItemType::Likert
                        | ItemType::Time,
                    ) => {
                        sheet.set_column_format(c, &text)?;
                    }
                    _ => {}
                }
                let EntryColumn::Answer(v) = *col else { continue };
                let var = &self.layout.variables[v];
                if !matches!(var.kind, ItemType::SelectOne | ItemType::Likert)
                    || var.choices.is_empty()
                    || var.choices.len() > MAX_DROPDOWN_CHOICES
                {
                    continue;
                }
                let next = lists.len();
                let range = match lists.get(&v) {
                    Some(range) => range.clone(),
                    None => {
                        let at = next as u16;
                        choices.write_string(0, at, &var.name)?;
                        for (r, choice) in var.choices.iter().enumerate() {
                            let label =
                                var.choice_label(choice, &var.default_language).unwrap_or(choice);
                            choices.write_string(r as u32 + 1, at, label)?;
                        }
                        let letter = column_letter(u32::from(at));
                        let range = format!(
                            "='{CHOICES_SHEET}'!${letter}$2:${letter}${}",
                            var.choices.len() + 1
                        );
                        lists.insert(v, range.clone());
                        range
                    }
                };
                let dropdown = DataValidation::new()
                    .allow_list_formula(Formula::new(range))
                    .set_error_style(DataValidationErrorStyle::Warning);
                sheet.add_data_validation(1, c, MAX_ROWS as u32, c, &dropdown)?;
            }
            workbook.push_worksheet(sheet);
        }
        if !lists.is_empty() {
            workbook.push_worksheet(choices);
        }
        workbook.save_to_writer(out)?;
        Ok(())
    }

    /// The sheet name of each table, as the XLSX export names them.
    pub fn sheet_names(&self) -> Vec<String> {
        let mut taken = HashSet::new();
        self.tables.iter().map(|t| crate::export::sheet_name(&t.name, &mut taken)).collect()
    }

    /// The note on a header: what to write in the column, in Chinese and English.
    fn note(&self, col: EntryColumn) -> String {
        match col {
            EntryColumn::InstanceId => {
                "纸质表编号：本文件内每份表一个，名册表用它指明所属的表；也可填答卷的 UUID。\n\
                 The paper form's number: one per form in this file, which the roster tables \
                 repeat to say whose rows they are; or a response UUID."
                    .to_owned()
            }
            EntryColumn::Version => {
                "问卷版本；空为最新版本。\nQuestionnaire version; empty for the newest.".to_owned()
            }
            EntryColumn::Enumerator => {
                "调查员或登记人（可不填）。\nEnumerator (optional).".to_owned()
            }
            EntryColumn::SubmittedAt => "填表日期（必填），如 2026-09-10。\n\
                 The day the paper form was filled in (required), e.g. 2026-09-10."
                .to_owned(),
            EntryColumn::ParentRow => {
                let (zh, en) = KeyColumn::ParentRow.labels();
                format!("{zh}\n{en}")
            }
            EntryColumn::Row => {
                let (zh, en) = KeyColumn::Row.labels();
                format!("{zh}\n{en}")
            }
            EntryColumn::Answer(v) => variable_note(&self.layout.variables[v]),
        }
    }

    /// Reads the filled template at `path` (`.csv` with its repeat files beside it, or
    /// `.xlsx`) into its tables' rows. Sheets that are no table of the template are
    /// left out and named in the returned warnings.
    pub fn read(&self, path: &Path) -> Result<(Vec<Option<Grid>>, Vec<String>), EntryError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        match ext.as_str() {
            "csv" => {
                let mut grids = Vec::new();
                for export_table in &self.layout.tables {
                    let file = table_path(path, export_table);
                    if !export_table.is_main() && !file.exists() {
                        grids.push(None);
                        continue;
                    }
                    grids.push(Some(read_csv(&file)?));
                }
                Ok((grids, Vec::new()))
            }
            "xlsx" => read_xlsx(path, &self.sheet_names()),
            _ => Err(EntryError::Unreadable {
                path: path.display().to_string(),
                detail: "应为 .csv 或 .xlsx 文件 / expected a .csv or .xlsx file".to_owned(),
            }),
        }
    }

    /// The paper forms of `grids` (as [`Entry::read`] gives them) as responses to
    /// questionnaire `form_id`: version `default_version` where the row names none,
    /// instance ids derived from `file_name` and each form's number. Also returns the
    /// repeat rows that name no form of the main table.
    pub fn responses(
        &self,
        grids: &[Option<Grid>],
        form_id: &str,
        default_version: &str,
        file_name: &str,
    ) -> Result<(Vec<EntryResponse>, Vec<RowError>), EntryError> {
        let mut forms: Vec<PaperForm> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut orphans = Vec::new();
        let Some(Some(main)) = grids.first() else { return Ok((Vec::new(), orphans)) };
        let main_cols = self.columns(0, main)?;
        let main_headers: Arc<[String]> = main.headers.clone().into();
        for row in &main.rows {
            let origin =
                Origin { table: main.name.clone(), row: row.number, headers: main_headers.clone() };
            let mut form = PaperForm {
                key: String::new(),
                origin,
                answers: Map::new(),
                meta: Map::new(),
                version: default_version.to_owned(),
                instance_id: String::new(),
                errors: Vec::new(),
                rows: Vec::new(),
                keys: HashSet::new(),
            };
            let mut key = String::new();
            for (i, value) in row.cells.iter().enumerate() {
                let Some(col) = main_cols[i] else { continue };
                if value.is_empty() {
                    continue;
                }
                match col {
                    EntryColumn::InstanceId => key.clone_from(value),
                    EntryColumn::Version => form.version.clone_from(value),
                    EntryColumn::Enumerator => {
                        form.meta.insert("enumerator".into(), Value::String(value.clone()));
                    }
                    EntryColumn::SubmittedAt => {
                        form.meta.insert("submitted_at".into(), Value::String(timestamp(value)));
                    }
                    EntryColumn::Answer(v) => {
                        let var = &self.layout.variables[v];
                        form.answers.insert(var.name.clone(), answer(var, value));
                    }
                    EntryColumn::ParentRow | EntryColumn::Row => {}
                }
            }
            let error = |zh: String, en: String, column: Option<&str>| RowError {
                table: main.name.clone(),
                row: row.number,
                column: column.map(str::to_owned),
                zh,
                en,
            };
            if key.chars().count() > MAX_KEY_CHARS {
                form.errors.push(error(
                    format!("纸质表编号超过 {MAX_KEY_CHARS} 个字"),
                    format!("the paper form's number is over {MAX_KEY_CHARS} characters"),
                    Some("instance_id"),
                ));
            }
            if key.is_empty() {
                key = format!("#{}", row.number);
            }
            if let Some(&first) = by_key.get(&key) {
                form.errors.push(error(
                    format!("纸质表编号“{key}”与第 {} 行重复", forms[first].origin.row),
                    format!(
                        "the paper form's number “{key}” is used in row {} too",
                        forms[first].origin.row
                    ),
                    Some("instance_id"),
                ));
            } else {
                by_key.insert(key.clone(), forms.len());
            }
            if !form.meta.contains_key("submitted_at") {
                form.errors.push(error(
                    "缺少填表日期（submitted_at 列）".to_owned(),
                    "the day the form was filled in is missing (the submitted_at column)"
                        .to_owned(),
                    Some("submitted_at"),
                ));
            }
            form.instance_id = if tianye_core::response::is_uuid(&key) {
                key.to_ascii_lowercase()
            } else {
                derived_instance_id(form_id, file_name, &key)
            };
            let device: String = format!("paper:{file_name}")
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect();
            form.meta.insert("device_id".into(), Value::String(device));
            form.key = key;
            forms.push(form);
        }
        // The repeat tables, parents before children (the export's order).
        for (t, grid) in grids.iter().enumerate().skip(1) {
            let Some(grid) = grid else { continue };
            let cols = self.columns(t, grid)?;
            let has = |c: EntryColumn| cols.contains(&Some(c));
            let nested = self.tables[t].repeat_path.len() > 1;
            let parent_table = (0..t).find(|&p| self.is_parent(p, t));
            let headers: Arc<[String]> = grid.headers.clone().into();
            for (needed, header) in [
                (EntryColumn::InstanceId, "instance_id"),
                (EntryColumn::Row, "row"),
                (EntryColumn::ParentRow, "parent_row"),
            ] {
                if (needed != EntryColumn::ParentRow || nested) && !has(needed) {
                    return Err(EntryError::MissingKey { table: grid.name.clone(), header });
                }
            }
            for row in &grid.rows {
                let error = |zh: String, en: String, column: &str| RowError {
                    table: grid.name.clone(),
                    row: row.number,
                    column: Some(column.to_owned()),
                    zh,
                    en,
                };
                let (mut key, mut parent, mut number) =
                    (String::new(), String::new(), String::new());
                let mut answers = Map::new();
                for (i, value) in row.cells.iter().enumerate() {
                    match cols[i] {
                        Some(EntryColumn::InstanceId) => key.clone_from(value),
                        Some(EntryColumn::ParentRow) => parent.clone_from(value),
                        Some(EntryColumn::Row) => number.clone_from(value),
                        Some(EntryColumn::Answer(v)) if !value.is_empty() => {
                            let var = &self.layout.variables[v];
                            answers.insert(var.name.clone(), answer(var, value));
                        }
                        _ => {}
                    }
                }
                let Some(&f) = by_key.get(&key) else {
                    orphans.push(error(
                        format!("主表中没有编号为“{key}”的纸质表"),
                        format!("the main table has no paper form numbered “{key}”"),
                        "instance_id",
                    ));
                    continue;
                };
                let form = &mut forms[f];
                let n = match number.parse::<u32>() {
                    Ok(n) if (1..=10_000).contains(&n) => n,
                    _ => {
                        form.errors.push(error(
                            format!("行号“{number}”应为 1 到 10000 的整数"),
                            format!(
                                "the row number “{number}” must be a whole number from 1 to 10000"
                            ),
                            "row",
                        ));
                        continue;
                    }
                };
                let own_key = if nested { format!("{parent}.{n}") } else { n.to_string() };
                if form.keys.contains(&(t, own_key.clone())) {
                    form.errors.push(error(
                        format!("第 {own_key} 行重复"),
                        format!("row {own_key} is given twice"),
                        "row",
                    ));
                    continue;
                }
                if nested && !parent_table.is_some_and(|p| form.keys.contains(&(p, parent.clone())))
                {
                    form.errors.push(error(
                        format!("上一级名册中没有第 {parent} 行"),
                        format!("the enclosing roster has no row {parent}"),
                        "parent_row",
                    ));
                    continue;
                }
                form.keys.insert((t, own_key.clone()));
                form.rows.push(KeyedRow {
                    table: t,
                    parent,
                    number: n,
                    key: own_key,
                    answers,
                    origin: Origin {
                        table: grid.name.clone(),
                        row: row.number,
                        headers: headers.clone(),
                    },
                });
            }
        }
        Ok((forms.into_iter().map(|f| self.assemble(f, form_id)).collect(), orphans))
    }

    /// Whether table `parent` is the repeat that directly encloses table `child`.
    fn is_parent(&self, parent: usize, child: usize) -> bool {
        let (p, c) = (&self.tables[parent].repeat_path, &self.tables[child].repeat_path);
        c.len() == p.len() + 1 && c.starts_with(p)
    }

    /// What each column of `grid` (table `t`) holds; a header that is not one of the
    /// table's, or one given twice, is an error.
    fn columns(&self, t: usize, grid: &Grid) -> Result<Vec<Option<EntryColumn>>, EntryError> {
        let table = &self.tables[t];
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (i, header) in grid.headers.iter().enumerate() {
            if header.is_empty() {
                out.push(None);
                continue;
            }
            let bad = |why_zh, why_en| EntryError::BadHeader {
                table: grid.name.clone(),
                column: column_letter(i as u32),
                header: header.clone(),
                why_zh,
                why_en,
            };
            let Some((_, col)) = table.columns.iter().find(|(h, _)| h == header) else {
                return Err(bad(
                    "不是这张表的列（只填模板中的列）",
                    "is not a column of this table (keep to the template's columns)",
                ));
            };
            if !seen.insert(header.as_str()) {
                return Err(bad("出现了两次", "is given twice"));
            }
            out.push(Some(*col));
        }
        Ok(out)
    }

    /// The response of one paper form, its repeat rows nested in their parents.
    fn assemble(&self, mut form: PaperForm, form_id: &str) -> EntryResponse {
        let mut rows = BTreeMap::new();
        let mut answers = std::mem::take(&mut form.answers);
        self.nest(&mut answers, &form.rows, None, "", "", &mut rows);
        let response = if form.errors.is_empty() {
            Ok(json!({
                "instance_id": form.instance_id,
                "questionnaire": {"id": form_id, "version": form.version},
                "status": "complete",
                "answers": answers,
                "meta": form.meta,
            }))
        } else {
            Err(form.errors)
        };
        EntryResponse { key: form.key, origin: form.origin, response, rows }
    }

    /// Puts into `obj` the rows of the repeats directly inside table `within` (the main
    /// table when `None`) whose parent key is `parent_key`, in row-number order, each
    /// with its own nested rows; `path` is `obj`'s path in the answers.
    fn nest(
        &self,
        obj: &mut Map<String, Value>,
        all: &[KeyedRow],
        within: Option<usize>,
        parent_key: &str,
        path: &str,
        origins: &mut BTreeMap<String, Origin>,
    ) {
        let depth = within.map_or(0, |w| self.tables[w].repeat_path.len());
        for t in 1..self.tables.len() {
            let inside = match within {
                None => self.tables[t].repeat_path.len() == 1,
                Some(w) => self.is_parent(w, t),
            };
            if !inside {
                continue;
            }
            let mut mine: Vec<&KeyedRow> = all
                .iter()
                .filter(|r| r.table == t && (depth == 0 || r.parent == parent_key))
                .collect();
            if mine.is_empty() {
                continue;
            }
            mine.sort_by_key(|r| r.number);
            let name = self.tables[t].name.clone();
            let mut list = Vec::new();
            for (i, r) in mine.into_iter().enumerate() {
                let here = if path.is_empty() {
                    format!("{name}[{i}]")
                } else {
                    format!("{path}.{name}[{i}]")
                };
                let mut answers = r.answers.clone();
                self.nest(&mut answers, all, Some(t), &r.key, &here, origins);
                origins.insert(here, r.origin.clone());
                list.push(Value::Object(answers));
            }
            obj.insert(name, Value::Array(list));
        }
    }
}

/// A paper form while its rows are gathered.
struct PaperForm {
    key: String,
    origin: Origin,
    answers: Map<String, Value>,
    meta: Map<String, Value>,
    version: String,
    instance_id: String,
    errors: Vec<RowError>,
    rows: Vec<KeyedRow>,
    /// (table, row key) of every row in `rows`.
    keys: HashSet<(usize, String)>,
}

/// A repeat row while it waits to be nested.
struct KeyedRow {
    table: usize,
    parent: String,
    number: u32,
    key: String,
    answers: Map<String, Value>,
    origin: Origin,
}

/// One table of a filled template, as read.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// The file or sheet, for messages (`entry.csv`, `entry.xlsx!member`).
    pub name: String,
    /// The header row.
    pub headers: Vec<String>,
    /// The rows below it that have a non-empty cell.
    pub rows: Vec<GridRow>,
}

/// One row of a [`Grid`].
#[derive(Debug, Clone, Default)]
pub struct GridRow {
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub number: u32,
    /// The cells, trimmed, one per header (empty where nothing was written).
    pub cells: Vec<String>,
}

fn check_size(path: &Path) -> Result<(), EntryError> {
    let len = std::fs::metadata(path)
        .map_err(|source| EntryError::Io { path: path.display().to_string(), source })?
        .len();
    if len > MAX_FILE_BYTES {
        return Err(EntryError::TooLarge { path: path.display().to_string(), max: MAX_FILE_BYTES });
    }
    Ok(())
}

/// `cells` checked and trimmed into a row of `grid`; `None` when every cell is empty.
fn grid_row(
    grid: &Grid,
    number: u32,
    cells: impl Iterator<Item = (usize, String)>,
) -> Result<Option<GridRow>, EntryError> {
    let mut row = GridRow { number, cells: vec![String::new(); grid.headers.len()] };
    let mut any = false;
    for (i, cell) in cells {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        if cell.chars().count() > MAX_CELL_CHARS {
            return Err(EntryError::CellTooLong {
                table: grid.name.clone(),
                row: number,
                column: column_letter(i as u32),
                max: MAX_CELL_CHARS,
            });
        }
        if i >= grid.headers.len() {
            return Err(EntryError::Unreadable {
                path: grid.name.clone(),
                detail: format!(
                    "第 {number} 行 {} 列：这一列没有表头 / row {number}, column {}: the column has no header",
                    column_letter(i as u32),
                    column_letter(i as u32)
                ),
            });
        }
        cell.clone_into(&mut row.cells[i]);
        any = true;
    }
    Ok(any.then_some(row))
}

fn read_csv(path: &Path) -> Result<Grid, EntryError> {
    check_size(path)?;
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let bytes = std::fs::read(path)
        .map_err(|source| EntryError::Io { path: path.display().to_string(), source })?;
    let bytes = bytes.strip_prefix(BOM).unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut grid = Grid { name, ..Grid::default() };
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| EntryError::Unreadable {
            path: grid.name.clone(),
            detail: format!(
                "不是有效的 UTF-8 CSV（Excel 请另存为“CSV UTF-8（逗号分隔）”，或直接用 .xlsx）/ not valid UTF-8 CSV (in Excel, save as “CSV UTF-8 (Comma delimited)”, or use the .xlsx): {e}"
            ),
        })?;
        let number = i as u32 + 1;
        if i == 0 {
            grid.headers = record.iter().map(|h| h.trim().to_owned()).collect();
            continue;
        }
        if grid.rows.len() >= MAX_ROWS {
            return Err(EntryError::TooManyRows { table: grid.name, max: MAX_ROWS });
        }
        let cells = record.iter().map(str::to_owned).enumerate();
        if let Some(row) = grid_row(&grid, number, cells)? {
            grid.rows.push(row);
        }
    }
    Ok(grid)
}

/// The most bytes an XLSX may hold once unpacked: a small file that unpacks to gigabytes
/// is refused before it is read.
const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// The most columns a sheet may use.
const MAX_COLUMNS: u32 = 2_000;

/// A spreadsheet cell as text, as the XLSForm import reads one: whole numbers without
/// `.0`, dates as `YYYY-MM-DD`.
fn xlsx_cell_text(data: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    use tianye_core::xlsform::{excel_serial_text, number_text};
    match data {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) => excel_serial_text(dt.as_f64()),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

/// The sum of the sizes the XLSX archive `bytes` declares for its entries, unpacked.
fn unpacked_size(bytes: &[u8]) -> Result<u64, String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| e.to_string())?;
        total = total.saturating_add(entry.size());
    }
    Ok(total)
}

fn read_xlsx(
    path: &Path,
    sheet_names: &[String],
) -> Result<(Vec<Option<Grid>>, Vec<String>), EntryError> {
    use calamine::{Reader, Xlsx};
    check_size(path)?;
    let file = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let bytes = std::fs::read(path)
        .map_err(|source| EntryError::Io { path: path.display().to_string(), source })?;
    let unreadable = |detail: String| EntryError::Unreadable {
        path: file.clone(),
        detail: format!("不是可读的 XLSX 文件 / not a readable XLSX file: {detail}"),
    };
    if unpacked_size(&bytes).map_err(unreadable)? > MAX_UNPACKED_BYTES {
        return Err(EntryError::TooLarge { path: file, max: MAX_UNPACKED_BYTES });
    }
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let mut grids: Vec<Option<Grid>> = vec![None; sheet_names.len()];
    let mut warnings = Vec::new();
    for name in book.sheet_names() {
        let Some(t) = sheet_names.iter().position(|n| *n == name) else {
            if name != CHOICES_SHEET {
                warnings.push(format!(
                    "{file}!{name}：不是模板中的工作表，未读取 / not a sheet of the template, left out"
                ));
            }
            continue;
        };
        let table = format!("{file}!{name}");
        // Cell by cell, kept only when not empty: a sheet's size is what it holds, not
        // the span of its farthest cell.
        let mut rows: BTreeMap<u32, Vec<(usize, String)>> = BTreeMap::new();
        let mut cells =
            book.worksheet_cells_reader(&name).map_err(|e| unreadable(e.to_string()))?;
        while let Some(cell) = cells.next_cell().map_err(|e| unreadable(e.to_string()))? {
            let text = xlsx_cell_text(cell.get_value());
            if text.trim().is_empty() {
                continue;
            }
            let (r, c) = cell.get_position();
            if c >= MAX_COLUMNS {
                return Err(EntryError::Unreadable {
                    path: table,
                    detail: format!(
                        "第 {} 行用到第 {} 列，超过 {MAX_COLUMNS} 列 / row {} uses column {}, past {MAX_COLUMNS} columns",
                        r + 1,
                        c + 1,
                        r + 1,
                        column_letter(c)
                    ),
                });
            }
            let row = rows.entry(r).or_default();
            row.push((c as usize, text));
            if rows.len() > MAX_ROWS + 1 {
                return Err(EntryError::TooManyRows { table, max: MAX_ROWS });
            }
        }
        let mut grid = Grid { name: table, ..Grid::default() };
        let mut rows = rows.into_iter();
        if let Some((_, header)) = rows.next() {
            let width = header.iter().map(|(c, _)| c + 1).max().unwrap_or(0);
            grid.headers = vec![String::new(); width];
            for (c, value) in header {
                value.trim().clone_into(&mut grid.headers[c]);
            }
        }
        for (r, cells) in rows {
            if let Some(row) = grid_row(&grid, r + 1, cells.into_iter())? {
                grid.rows.push(row);
            }
        }
        grids[t] = Some(grid);
    }
    if grids.first().is_none_or(Option::is_none) {
        return Err(EntryError::Unreadable {
            path: file,
            detail: format!(
                "没有主表（工作表“{0}”）/ the main table (sheet “{0}”) is missing",
                sheet_names.first().map_or("", String::as_str)
            ),
        });
    }
    Ok((grids, warnings))
}

/// `submitted_at` as written: a date alone gets noon Beijing time, a date and time
/// without an offset gets `+08:00`; anything else is left for the engine to judge.
fn timestamp(text: &str) -> String {
    let is_date = |s: &str| {
        s.len() == 10
            && s.bytes()
                .enumerate()
                .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
    };
    if is_date(text) {
        return format!("{text}{DATE_ONLY_TIME}");
    }
    if text.len() == 19 && is_date(&text[..10]) && text.as_bytes()[10] == b'T' {
        return format!("{text}+08:00");
    }
    text.to_owned()
}

/// The answer a cell gives to `var`.
fn answer(var: &Variable, text: &str) -> Value {
    match var.kind {
        ItemType::Integer | ItemType::Decimal | ItemType::Range | ItemType::Rating => {
            match serde_json::from_str::<serde_json::Number>(text) {
                Ok(n) => Value::Number(n),
                Err(_) => Value::String(text.to_owned()),
            }
        }
        ItemType::SelectMultiple | ItemType::Rank => Value::Array(
            text.split(|c: char| c.is_whitespace() || matches!(c, ';' | '；' | ',' | '，'))
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(choice_name(var, s)))
                .collect(),
        ),
        ItemType::SelectOne | ItemType::Likert => Value::String(choice_name(var, text)),
        _ => Value::String(text.to_owned()),
    }
}

/// The choice `text` names: a choice's name as it is, or the name of the choice whose
/// label (in any language) it is; otherwise `text`, for the engine to report.
fn choice_name(var: &Variable, text: &str) -> String {
    if var.choices.iter().any(|c| c == text) {
        return text.to_owned();
    }
    for name in &var.choices {
        if let Some(label) = var.choice_labels.get(name)
            && label.languages().any(|l| label.get(l, l) == text)
        {
            return name.clone();
        }
    }
    text.to_owned()
}

/// The note on an answer's header: labels, type, required, relevance, checks, choices.
fn variable_note(var: &Variable) -> String {
    let mut out = String::new();
    if let Some(label) = &var.label {
        let mut langs: Vec<&str> = label.languages().collect();
        if langs.is_empty() {
            langs.push("");
        }
        for l in ["zh", "en"]
            .into_iter()
            .filter(|l| langs.contains(l))
            .chain(langs.iter().copied().filter(|l| !matches!(*l, "zh" | "en")))
        {
            out.push_str(label.get(l, l));
            out.push('\n');
        }
    }
    let kind = var.kind.as_str();
    let _ = writeln!(out, "类型 / type: {kind}");
    match var.kind {
        ItemType::Date => out.push_str("格式 / format: 2026-09-10\n"),
        ItemType::SelectMultiple | ItemType::Rank => {
            out.push_str("可填多个，以空格分隔 / several, separated by spaces\n");
        }
        _ => {}
    }
    if let Some(r) = &var.required {
        let _ = writeln!(out, "必答 / required: {r}");
    }
    if let Some(r) = &var.relevant {
        let _ = writeln!(out, "仅当 / only when: {r}");
    }
    if let Some(c) = &var.constraint {
        let _ = writeln!(out, "检查 / checks: {c}");
    }
    if !var.choices.is_empty() {
        out.push_str("选项（填代码或标签）/ choices (code or label):\n");
        for (i, name) in var.choices.iter().enumerate() {
            if i == 40 {
                let _ = writeln!(out, "… 共 {0} 项 / {0} in all", var.choices.len());
                break;
            }
            let label = var
                .choice_labels
                .get(name)
                .map(|t| {
                    let mut parts: Vec<&str> = Vec::new();
                    for l in ["zh", "en"] {
                        if t.languages().any(|x| x == l) {
                            parts.push(t.get(l, l));
                        }
                    }
                    if parts.is_empty() {
                        parts.push(t.get("", ""));
                    }
                    parts.join(" / ")
                })
                .unwrap_or_default();
            let _ = writeln!(out, "{name} = {label}");
        }
    }
    out.trim_end().chars().take(8_000).collect()
}

/// The id of paper form `key` of file `file_name` for questionnaire `form_id`: a UUID
/// (version 8, RFC 9562's custom version) made of the SHA-256 of the three, so the
/// same file read again gives the same ids.
pub fn derived_instance_id(form_id: &str, file_name: &str, key: &str) -> String {
    let mut h = Sha256::new();
    for part in ["tianye paper entry", form_id, file_name, key] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = b.iter().fold(String::with_capacity(32), |mut hex, x| {
        let _ = write!(hex, "{x:02x}");
        hex
    });
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_uuids_that_differ_by_file_and_number() {
        let a = derived_instance_id("f", "entry.csv", "1");
        assert!(tianye_core::response::is_uuid(&a), "{a}");
        assert_eq!(&a[14..15], "8");
        assert_eq!(a, derived_instance_id("f", "entry.csv", "1"));
        assert_ne!(a, derived_instance_id("f", "entry.csv", "2"));
        assert_ne!(a, derived_instance_id("f", "other.csv", "1"));
        // Lengths are hashed too, so moving text between the parts changes the id.
        assert_ne!(derived_instance_id("f", "ab", "c"), derived_instance_id("f", "a", "bc"));
    }

    /// A questionnaire with a roster (`child`) inside which is another (`visit`).
    fn nested_entry() -> Entry {
        let form = tianye_core::Form::from_json(
            r#"{"id": "f", "version": "1", "title": "t", "items": [
                {"type": "text", "name": "name", "label": "Name"},
                {"type": "repeat", "name": "child", "label": "Children", "items": [
                    {"type": "text", "name": "c_name", "label": "Child"},
                    {"type": "repeat", "name": "visit", "label": "Visits", "items": [
                        {"type": "integer", "name": "v_n", "label": "N"},
                        {"type": "calculate", "name": "v_twice", "calculation": "${v_n} * 2"}
                    ]}
                ]}
            ]}"#,
        )
        .unwrap();
        let catalog = crate::Catalog::from_forms([(form, String::new())]);
        Entry::new(Layout::new("f", catalog.versions("f")))
    }

    /// A grid of `table` with the given rows (cells by header), numbered from row 2.
    fn grid(entry: &Entry, table: usize, rows: &[&[(&str, &str)]]) -> Grid {
        let headers: Vec<String> =
            entry.tables[table].columns.iter().map(|(h, _)| h.clone()).collect();
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, cells)| GridRow {
                number: i as u32 + 2,
                cells: headers
                    .iter()
                    .map(|h| cells.iter().find(|(k, _)| k == h).map_or("", |(_, v)| v).to_owned())
                    .collect(),
            })
            .collect();
        Grid { name: entry.tables[table].name.clone(), headers, rows }
    }

    #[test]
    fn the_template_has_the_export_s_tables_less_what_is_not_keyed_in() {
        let entry = nested_entry();
        let headers = |t: usize| -> Vec<&str> {
            entry.tables[t].columns.iter().map(|(h, _)| h.as_str()).collect()
        };
        assert_eq!(headers(0), ["instance_id", "version", "enumerator", "submitted_at", "name"]);
        assert_eq!(headers(1), ["instance_id", "row", "c_name"]);
        assert_eq!(headers(2), ["instance_id", "parent_row", "row", "v_n"]);
    }

    #[test]
    fn rows_nest_by_their_keys_in_row_order_and_say_where_they_came_from() {
        let entry = nested_entry();
        let day = ("submitted_at", "2026-09-10");
        let grids = vec![
            Some(grid(&entry, 0, &[&[("instance_id", "A"), day, ("name", "王")]])),
            Some(grid(
                &entry,
                1,
                &[
                    &[("instance_id", "A"), ("row", "2"), ("c_name", "二")],
                    &[("instance_id", "A"), ("row", "1"), ("c_name", "一")],
                ],
            )),
            Some(grid(
                &entry,
                2,
                &[&[("instance_id", "A"), ("parent_row", "2"), ("row", "1"), ("v_n", "7")]],
            )),
        ];
        let (forms, orphans) = entry.responses(&grids, "f", "1", "e.csv").unwrap();
        assert!(orphans.is_empty());
        let r = forms[0].response.as_ref().unwrap();
        assert_eq!(r["answers"]["child"][0]["c_name"], "一");
        assert_eq!(r["answers"]["child"][1]["visit"][0]["v_n"], 7);
        assert_eq!(r["meta"]["submitted_at"], "2026-09-10T12:00:00+08:00");
        assert_eq!(r["meta"]["device_id"], "paper:e.csv");
        assert_eq!(r["instance_id"], derived_instance_id("f", "e.csv", "A"));
        let at = forms[0].origin_of("child[1].visit[0].v_n");
        assert_eq!((at.table.as_str(), at.row), ("visit", 2));
        assert_eq!(at.column_of("v_n").map(|(l, _)| l), Some("D".to_owned()));
        assert_eq!(forms[0].origin_of("child[0].c_name").row, 3);
        assert_eq!(forms[0].origin_of("name").row, 2);
    }

    #[test]
    fn rows_that_cannot_be_placed_keep_their_form_out_naming_row_and_column() {
        let entry = nested_entry();
        let day = ("submitted_at", "2026-09-10");
        // (what, main rows, child rows, visit rows, the form's errors as (table, row,
        // column, Chinese text), orphans)
        type Rows<'a> = &'a [&'a [(&'a str, &'a str)]];
        type Errors<'a> = &'a [(&'a str, u32, &'a str, &'a str)];
        let cases: &[(&str, Rows<'_>, Rows<'_>, Rows<'_>, Errors<'_>, usize)] = &[
            (
                "a number twice",
                &[&[("instance_id", "A"), day], &[("instance_id", "A"), day]],
                &[],
                &[],
                &[("f", 3, "instance_id", "与第 2 行重复")],
                0,
            ),
            (
                "no day",
                &[&[("instance_id", "A")]],
                &[],
                &[],
                &[("f", 2, "submitted_at", "填表日期")],
                0,
            ),
            (
                "a row number that is none",
                &[&[("instance_id", "A"), day]],
                &[&[("instance_id", "A"), ("row", "一")]],
                &[],
                &[("child", 2, "row", "1 到 10000")],
                0,
            ),
            (
                "a row twice",
                &[&[("instance_id", "A"), day]],
                &[&[("instance_id", "A"), ("row", "1")], &[("instance_id", "A"), ("row", "1")]],
                &[],
                &[("child", 3, "row", "第 1 行重复")],
                0,
            ),
            (
                "a visit of no child row",
                &[&[("instance_id", "A"), day]],
                &[&[("instance_id", "A"), ("row", "1")]],
                &[&[("instance_id", "A"), ("parent_row", "2"), ("row", "1")]],
                &[("visit", 2, "parent_row", "没有第 2 行")],
                0,
            ),
            (
                "a child of no form",
                &[&[("instance_id", "A"), day]],
                &[&[("instance_id", "B"), ("row", "1")]],
                &[],
                &[],
                1,
            ),
        ];
        for (what, main, child, visit, errors, orphans) in cases {
            let grids = vec![
                Some(grid(&entry, 0, main)),
                Some(grid(&entry, 1, child)),
                Some(grid(&entry, 2, visit)),
            ];
            let (forms, lost) = entry.responses(&grids, "f", "1", "e.csv").unwrap();
            assert_eq!(lost.len(), *orphans, "{what}");
            let got: Vec<&RowError> =
                forms.iter().filter_map(|f| f.response.as_ref().err()).flatten().collect();
            assert_eq!(got.len(), errors.len(), "{what}: {got:?}");
            for (e, (table, row, column, zh)) in got.iter().zip(errors.iter()) {
                assert_eq!((e.table.as_str(), e.row), (*table, *row), "{what}");
                assert_eq!(e.column.as_deref(), Some(*column), "{what}");
                assert!(e.zh.contains(zh) && !e.en.is_empty(), "{what}: {e:?}");
            }
            let stored = forms.iter().filter(|f| f.response.is_ok()).count();
            assert_eq!(stored, forms.len() - usize::from(!errors.is_empty()), "{what}");
        }
    }

    #[test]
    fn dates_alone_get_noon_in_beijing() {
        for (text, stamp) in [
            ("2026-09-10", "2026-09-10T12:00:00+08:00"),
            ("2026-09-10T08:30:00", "2026-09-10T08:30:00+08:00"),
            ("2026-09-10T08:30:00Z", "2026-09-10T08:30:00Z"),
            ("10/9/2026", "10/9/2026"),
        ] {
            assert_eq!(timestamp(text), stamp, "{text}");
        }
    }
}
