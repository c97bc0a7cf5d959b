//! Workbook sources: .xlsx, .xls and .ods through calamine, and the two text forms
//! pyxform reads, CSV and markdown tables, all turned into the same [`Workbook`] of
//! sheets, rows and string cells.
//!
//! Row numbers and column letters are the ones a researcher sees: in a spreadsheet,
//! Excel's own (`survey!F12`); in CSV and markdown, where the first column holds sheet
//! names, the row within the sheet (its header is row 1) and the column after the
//! sheet-name column (the first is `A`), which is where they land when pyxform turns
//! the text into a spreadsheet.

use std::io::Cursor;

use calamine::{Data, Ods, Reader, Xls, Xlsx};

use super::error::{Error, Finding, Place};
use crate::Code;

/// The file formats an XLSForm can be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Excel 2007+ (`.xlsx`, `.xlsm`).
    Xlsx,
    /// Excel 97–2003 (`.xls`).
    Xls,
    /// OpenDocument spreadsheet (`.ods`).
    Ods,
    /// pyxform's CSV form: the first column names the sheet, the rest are its columns.
    Csv,
    /// pyxform's markdown form: `| survey | | type | name | label |`.
    Markdown,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] =
        [Format::Xlsx, Format::Xls, Format::Ods, Format::Csv, Format::Markdown];

    /// The format for a file name by its extension (`form.xlsx`), if it is one.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "xlsx" | "xlsm" => Format::Xlsx,
            "xls" => Format::Xls,
            "ods" => Format::Ods,
            "csv" => Format::Csv,
            "md" | "markdown" => Format::Markdown,
            _ => return None,
        })
    }

    /// A short name for messages: `xlsx`, `xls`, `ods`, `csv`, `markdown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
        }
    }
}

/// A workbook: its sheets in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workbook {
    /// The sheets, in the order of the file.
    pub sheets: Vec<Sheet>,
}

/// One sheet: its name and its non-empty rows, the header row first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    /// The name as written (`survey`, `Choices`).
    pub name: String,
    /// Rows with at least one non-empty cell, in order.
    pub rows: Vec<Row>,
}

/// One row of a sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// The row number as the spreadsheet shows it (1-based).
    pub number: u32,
    /// The non-empty cells, by column, left to right.
    pub cells: Vec<Cell>,
}

/// One non-empty cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The column, 0-based (`A` is 0).
    pub column: u32,
    /// The value as text, trimmed.
    pub value: String,
}

impl Row {
    /// The value in `column` (0-based), if the cell is not empty.
    pub fn get(&self, column: u32) -> Option<&str> {
        self.cells
            .binary_search_by_key(&column, |c| c.column)
            .ok()
            .map(|i| self.cells[i].value.as_str())
    }
}

impl Sheet {
    /// A sheet named `name` with the given rows of cells; empty strings are empty
    /// cells. Row `i` gets number `i + 1`. Handy for building workbooks in code.
    pub fn from_rows<S: AsRef<str>>(name: &str, rows: &[Vec<S>]) -> Sheet {
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, cells)| Row {
                number: i as u32 + 1,
                cells: cells
                    .iter()
                    .enumerate()
                    .filter_map(|(c, v)| {
                        clean(v.as_ref()).map(|value| Cell { column: c as u32, value })
                    })
                    .collect(),
            })
            .filter(|r| !r.cells.is_empty())
            .collect();
        Sheet { name: name.to_owned(), rows }
    }
}

impl Workbook {
    /// Reads a workbook from the bytes of a file in `format`.
    pub fn read(bytes: &[u8], format: Format) -> Result<Workbook, Error> {
        match format {
            Format::Xlsx => read_xlsx(bytes),
            Format::Xls => read_spreadsheet::<Xls<_>>(bytes, format),
            Format::Ods => read_spreadsheet::<Ods<_>>(bytes, format),
            Format::Csv => read_csv(text(bytes, format)?),
            Format::Markdown => Ok(Workbook::from_markdown(text(bytes, format)?)),
        }
    }

    /// Reads pyxform's markdown form: each line `| sheet | cell | cell |`; a line whose
    /// first cell is not empty starts that sheet (its other cells, if any, are the
    /// header row); `#` starts a comment; `\|` is a literal pipe; separator lines
    /// (`|---|---|`) are skipped.
    pub fn from_markdown(text: &str) -> Workbook {
        let mut book = Workbook::default();
        for line in text.lines() {
            if line.trim_start().starts_with('#') {
                continue;
            }
            let line = strip_inline_comment(line);
            let Some(inner) = table_cells(line) else { continue };
            let cells = split_pipes(inner);
            if cells.iter().all(|c| c.trim().chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
                && cells.iter().any(|c| c.contains('-'))
            {
                continue;
            }
            let mut cells = cells.into_iter();
            let first = cells.next().and_then(|c| clean(&c));
            let rest: Vec<String> = cells.collect();
            book.push_line(first, &rest);
        }
        book
    }

    /// Adds one line of a text workbook (CSV or markdown): `first` is the sheet-name
    /// column, `rest` the sheet's cells.
    fn push_line(&mut self, first: Option<String>, rest: &[String]) {
        if let Some(name) = first {
            // A sheet named twice continues where it left off.
            if self.sheets.last().is_none_or(|s| s.name != name) {
                self.sheets.push(Sheet { name, rows: Vec::new() });
            }
        }
        let Some(sheet) = self.sheets.last_mut() else { return };
        let cells: Vec<Cell> = rest
            .iter()
            .enumerate()
            .filter_map(|(i, v)| clean(v).map(|value| Cell { column: i as u32, value }))
            .collect();
        if !cells.is_empty() {
            let number = sheet.rows.last().map_or(1, |r| r.number + 1);
            sheet.rows.push(Row { number, cells });
        }
    }

    /// The sheet named `name`, ignoring case.
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.name.trim().eq_ignore_ascii_case(name))
    }
}

/// The column letters Excel shows for a 0-based column: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letter(column: u32) -> String {
    let mut n = u64::from(column) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A cell's text: trimmed, non-breaking spaces made plain; `None` when blank.
fn clean(value: &str) -> Option<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(if trimmed.contains('\u{a0}') {
        trimmed.replace('\u{a0}', " ")
    } else {
        trimmed.to_owned()
    })
}

fn text(bytes: &[u8], format: Format) -> Result<&str, Error> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| unreadable(format, &format!("not UTF-8 text ({e})")))
}

fn unreadable(format: Format, detail: &str) -> Error {
    Error::Invalid {
        findings: vec![
            Finding::error(Code::XlsformUnreadable, Place::default())
                .with("format", format.as_str())
                .with("detail", detail),
        ],
    }
}

/// Drops a trailing `# comment` that has no `|` after it.
fn strip_inline_comment(line: &str) -> &str {
    match line.rfind('#') {
        Some(i) if !line[i..].contains('|') && line[..i].contains('|') => &line[..i],
        _ => line,
    }
}

/// The text between the first and the last `|` of a table line.
fn table_cells(line: &str) -> Option<&str> {
    let start = line.find('|')?;
    if !line[..start].trim().is_empty() {
        return None;
    }
    let end = line.rfind('|')?;
    (end > start).then(|| &line[start + 1..end])
}

/// Splits on `|` not preceded by `\`, turning `\|` into `|`.
fn split_pipes(inner: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                if let Some(s) = cells.last_mut() {
                    s.push('|');
                }
            }
            '|' => cells.push(String::new()),
            _ => {
                if let Some(s) = cells.last_mut() {
                    s.push(c);
                }
            }
        }
    }
    cells
}

fn read_csv(text: &str) -> Result<Workbook, Error> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut book = Workbook::default();
    for record in reader.records() {
        let record = record.map_err(|e| unreadable(Format::Csv, &e.to_string()))?;
        let mut fields = record.iter();
        let first = fields.next().and_then(clean);
        let rest: Vec<String> = fields.map(str::to_owned).collect();
        book.push_line(first, &rest);
    }
    Ok(book)
}

/// An .xlsx read cell by cell, keeping only the cells that hold something: a sheet costs
/// what it holds, not the span to its farthest cell (one cell at XFD1048576 would
/// otherwise ask for 17 billion empty ones).
fn read_xlsx(bytes: &[u8]) -> Result<Workbook, Error> {
    let bad = |e: calamine::XlsxError| unreadable(Format::Xlsx, &e.to_string());
    let mut reader: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).map_err(bad)?;
    let mut book = Workbook::default();
    for name in reader.sheet_names() {
        let mut by_row = std::collections::BTreeMap::<u32, Vec<Cell>>::new();
        let mut cells = reader.worksheet_cells_reader(&name).map_err(bad)?;
        while let Some(cell) = cells.next_cell().map_err(bad)? {
            let (row, column) = cell.get_position();
            if let Some(value) = cell_text(&Data::from(cell.get_value().clone())) {
                by_row.entry(row).or_default().push(Cell { column, value });
            }
        }
        let rows = by_row
            .into_iter()
            .map(|(row, mut cells)| {
                cells.sort_by_key(|c| c.column);
                Row { number: row + 1, cells }
            })
            .collect();
        book.sheets.push(Sheet { name, rows });
    }
    Ok(book)
}

fn read_spreadsheet<R>(bytes: &[u8], format: Format) -> Result<Workbook, Error>
where
    R: Reader<Cursor<Vec<u8>>>,
    R::Error: std::fmt::Display,
{
    let mut reader =
        R::new(Cursor::new(bytes.to_vec())).map_err(|e| unreadable(format, &e.to_string()))?;
    let names = reader.sheet_names();
    let mut book = Workbook::default();
    for name in names {
        let range =
            reader.worksheet_range(&name).map_err(|e| unreadable(format, &e.to_string()))?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut rows = Vec::new();
        for (r, cells) in range.rows().enumerate() {
            let cells: Vec<Cell> = cells
                .iter()
                .enumerate()
                .filter_map(|(c, data)| {
                    cell_text(data).map(|value| Cell { column: col0 + c as u32, value })
                })
                .collect();
            if !cells.is_empty() {
                rows.push(Row { number: row0 + r as u32 + 1, cells });
            }
        }
        book.sheets.push(Sheet { name, rows });
    }
    Ok(book)
}

/// A spreadsheet cell as text, the way pyxform reads it: whole floats without `.0`,
/// booleans as `TRUE`/`FALSE`, dates as ISO 8601.
fn cell_text(data: &Data) -> Option<String> {
    match data {
        Data::Empty => None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => clean(s),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(number_text(*f)),
        Data::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Data::DateTime(dt) => Some(excel_serial_text(dt.as_f64())),
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}

/// A number as pyxform prints it: `3` for 3.0, `0.5` for 0.5.
pub fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
}

/// An Excel date serial (days since 1899-12-30) as `YYYY-MM-DD`, `HH:MM:SS` (under one
/// day) or `YYYY-MM-DDTHH:MM:SS`.
pub fn excel_serial_text(serial: f64) -> String {
    if !serial.is_finite() || !(-1e7..1e7).contains(&serial) {
        return number_text(serial);
    }
    let days = serial.floor() as i64;
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let time = format!("{h:02}:{m:02}:{s:02}");
    if days == 0 {
        return time;
    }
    let (y, mo, d) = civil_from_days(days - 25_569);
    if secs == 0 {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{time}")
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn markdown_rows_are_numbered_per_sheet_from_the_header() {
        let book = Workbook::from_markdown(
            "# a comment\n\
             | survey |      |      |\n\
             |        | type | name | # trailing comment\n\
             |--------|------|------|\n\
             |        |      |      |\n\
             |        | text | a\\|b |\n\
             | choices | list_name | name |\n\
             |         | yn        | y    |\n",
        );
        assert_eq!(book.sheets.len(), 2);
        let survey = &book.sheets[0];
        assert_eq!(survey.rows.len(), 2);
        assert_eq!(survey.rows[1].number, 2);
        assert_eq!(survey.rows[1].get(1), Some("a|b"));
        let choices = book.sheet("CHOICES").unwrap();
        assert_eq!(choices.rows[0].get(0), Some("list_name"));
        assert_eq!(choices.rows[1].number, 2);
    }

    #[test]
    fn csv_uses_the_first_column_for_sheet_names() {
        let csv = "survey,,\n,type,name\n,integer,\" age \"\nchoices,list_name,name\n,yn,y\n";
        let book = Workbook::read(csv.as_bytes(), Format::Csv).unwrap();
        assert_eq!(book.sheets[0].rows[1].get(1), Some("age"));
        assert_eq!(book.sheets[1].rows[0].get(1), Some("name"));
    }

    #[test]
    fn serials_become_iso_dates() {
        assert_eq!(excel_serial_text(45_292.0), "2024-01-01");
        assert_eq!(excel_serial_text(0.5), "12:00:00");
        assert_eq!(excel_serial_text(45_292.25), "2024-01-01T06:00:00");
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(0.5), "0.5");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for format in Format::ALL {
            let _ = Workbook::read(b"\xff\x00garbage", format);
        }
        assert_eq!(Format::from_file_name("a/B.XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::from_file_name("form.json"), None);
    }
}
