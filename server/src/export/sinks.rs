//! Table writers: CSV (one writer per table) and XLSX (one constant-memory sheet per
//! table, written to temporary files as rows arrive).

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{Cell, ExportError, Layout, Sink};

/// The byte order mark that makes Excel read a CSV file as UTF-8.
pub const BOM: &[u8] = "\u{feff}".as_bytes();

/// CSV output: one writer per table (`None` for tables not wanted). Each file starts
/// with a UTF-8 BOM.
pub struct CsvSink<W: Write> {
    writers: Vec<Option<csv::Writer<W>>>,
}

impl<W: Write> CsvSink<W> {
    /// A sink writing table `i` to `outputs[i]` (when `Some`).
    pub fn new(outputs: Vec<Option<W>>) -> Result<CsvSink<W>, ExportError> {
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
        Ok(CsvSink { writers })
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
        if let Some(Some(w)) = self.writers.get_mut(table) {
            w.write_record(headers)?;
        }
        Ok(())
    }

    fn row(&mut self, table: usize, cells: &[Cell]) -> Result<(), ExportError> {
        if let Some(Some(w)) = self.writers.get_mut(table) {
            w.write_record(cells.iter().map(|c| c.to_text().into_owned()))?;
        }
        Ok(())
    }
}

/// Excel's row limit per sheet.
const MAX_ROWS: u32 = 1_048_576;
/// Excel's limit on the characters in a cell.
const MAX_CELL_CHARS: usize = 32_767;

/// A valid, unique sheet name for `name`: no `[]:*?/\`, at most 31 characters.
fn sheet_name(name: &str, taken: &mut HashSet<String>) -> String {
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

    /// Writes the workbook to `path`.
    pub fn save(mut self, path: &Path) -> Result<(), ExportError> {
        for sheet in self.sheets.drain(..) {
            self.workbook.push_worksheet(sheet);
        }
        self.workbook.save(path)?;
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
