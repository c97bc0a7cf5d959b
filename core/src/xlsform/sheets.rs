//! Sheets → tables: finds the `survey`, `choices` and `settings` sheets, reads their
//! header rows into typed columns (with languages), and reports duplicate and
//! unsupported columns and sheets.

use super::aliases::{self, ChoiceKey, SettingKey, SurveyKey};
use super::error::{Finding, Place};
use super::workbook::{Row, Sheet, Workbook, column_letter};
use crate::Code;

/// One column of a sheet.
#[derive(Debug, Clone)]
pub(crate) struct Column<K> {
    /// 0-based column index.
    pub(crate) index: u32,
    /// `A`, `B`, …
    pub(crate) letter: String,
    /// The header as written.
    pub(crate) header: String,
    /// What the column holds.
    pub(crate) key: K,
    /// Language code for a translated column (`label::English (en)` → `en`).
    pub(crate) lang: Option<String>,
}

/// A sheet with typed columns.
#[derive(Debug)]
pub(crate) struct Table<'w, K> {
    /// The sheet's name as written.
    pub(crate) name: &'w str,
    /// Its columns.
    pub(crate) columns: Vec<Column<K>>,
    /// The header's row number.
    pub(crate) header_row: u32,
    /// Its data rows (after the header).
    pub(crate) rows: &'w [Row],
}

impl<K: PartialEq> Table<'_, K> {
    /// The first column with `key`.
    pub(crate) fn column(&self, key: &K) -> Option<&Column<K>> {
        self.columns.iter().find(|c| c.key == *key)
    }
}

/// The three sheets an XLSForm is made of.
pub(crate) struct Sheets<'w> {
    pub(crate) survey: Option<Table<'w, SurveyKey>>,
    pub(crate) choices: Option<Table<'w, ChoiceKey>>,
    pub(crate) settings: Option<Table<'w, SettingKey>>,
}

/// Finds and reads the sheets, reporting what is missing or unsupported.
pub(crate) fn read<'w>(book: &'w Workbook, findings: &mut Vec<Finding>) -> Sheets<'w> {
    for sheet in &book.sheets {
        let lower = sheet.name.trim().to_lowercase();
        if aliases::UNSUPPORTED_SHEETS.contains(&lower.as_str()) && sheet.rows.len() > 1 {
            findings.push(
                Finding::warning(Code::XlsformUnsupportedSheet, Place::sheet(&sheet.name))
                    .with("sheet", sheet.name.clone()),
            );
        }
    }
    let mut survey_sheet = book.sheet("survey");
    // pyxform reads a workbook of one unnamed-looking sheet as the survey.
    if survey_sheet.is_none() && book.sheets.len() == 1 {
        let only = &book.sheets[0];
        let lower = only.name.to_lowercase();
        if !["choices", "settings"].contains(&lower.as_str())
            && aliases::distance(&lower, "survey") > 2
        {
            survey_sheet = Some(only);
        }
    }
    let survey = match survey_sheet {
        Some(sheet) => Some(table(sheet, findings, |name, tokens| {
            let key = aliases::survey_key(name, tokens);
            let lang = if key.translatable() { aliases::survey_lang(name, tokens) } else { None };
            (key, lang)
        })),
        None => {
            let mut f =
                Finding::error(Code::XlsformMissingSheet, Place::default()).with("sheet", "survey");
            if let Some(similar) = similar_sheet(book, "survey") {
                f = f.with("similar", similar);
            }
            findings.push(f);
            None
        }
    };
    let choices = book.sheet("choices").map(|sheet| {
        table(sheet, findings, |name, tokens| {
            let key = aliases::choice_key(name);
            let lang = if key == ChoiceKey::Label { tokens.get(1).cloned() } else { None };
            (key, lang)
        })
    });
    let settings = book
        .sheet("settings")
        .map(|sheet| table(sheet, findings, |name, _| (aliases::setting_key(name), None)));
    Sheets { survey, choices, settings }
}

fn similar_sheet(book: &Workbook, want: &str) -> Option<String> {
    book.sheets
        .iter()
        .find(|s| {
            let lower = s.name.trim().to_lowercase();
            lower != want && aliases::distance(&lower, want) <= 2
        })
        .map(|s| s.name.clone())
}

/// Reads the header row of `sheet` with `classify(name, tokens) → (key, language)`.
fn table<'w, K: Clone + PartialEq>(
    sheet: &'w Sheet,
    findings: &mut Vec<Finding>,
    classify: impl Fn(&str, &[String]) -> (K, Option<String>),
) -> Table<'w, K> {
    let Some((header, rows)) = sheet.rows.split_first() else {
        return Table { name: &sheet.name, columns: Vec::new(), header_row: 1, rows: &[] };
    };
    let mut columns: Vec<Column<K>> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for cell in &header.cells {
        let letter = column_letter(cell.column);
        if seen.contains(&cell.value.as_str()) {
            findings.push(
                Finding::error(
                    Code::XlsformDuplicateColumn,
                    Place::cell(&sheet.name, header.number, &letter),
                )
                .with("header", cell.value.clone()),
            );
            continue;
        }
        seen.push(&cell.value);
        let (name, _, tokens) = aliases::split_header(&cell.value);
        let (key, lang) = classify(&name, &tokens);
        columns.push(Column {
            index: cell.column,
            letter,
            header: cell.value.clone(),
            key,
            lang: lang.map(|l| aliases::language_code(&l)),
        });
    }
    Table { name: &sheet.name, columns, header_row: header.number, rows: before_gap(rows) }
}

/// pyxform stops reading a sheet at a run of more than this many empty rows: what
/// follows is not part of the form (ODK never sees it), so it is not Tianye's either.
const MAX_EMPTY_RUN: u32 = 60;

/// The rows up to the first run of more than [`MAX_EMPTY_RUN`] empty rows.
fn before_gap(rows: &[Row]) -> &[Row] {
    let end = rows
        .windows(2)
        .position(|pair| pair[1].number.saturating_sub(pair[0].number + 1) > MAX_EMPTY_RUN)
        .map_or(rows.len(), |i| i + 1);
    &rows[..end]
}

/// Warns once for each unsupported column that holds any value.
pub(crate) fn report_unsupported<K: PartialEq>(
    table: &Table<'_, K>,
    unsupported: &K,
    findings: &mut Vec<Finding>,
) {
    for col in table.columns.iter().filter(|c| c.key == *unsupported) {
        if table.rows.iter().any(|r| r.get(col.index).is_some()) {
            findings.push(
                Finding::warning(
                    Code::XlsformUnsupportedColumn,
                    Place::cell(table.name, table.header_row, &col.letter),
                )
                .with("column", col.header.clone()),
            );
        }
    }
}

/// Whether `row` of the survey has a media cell (`image`, `audio`, `video`,
/// `big-image`, `media::…`, in any language).
pub(crate) fn media_in(table: &Table<'_, SurveyKey>, row: &Row) -> bool {
    table.columns.iter().filter(|c| c.key == SurveyKey::Unsupported).any(|c| {
        let (name, _, tokens) = aliases::split_header(&c.header);
        let media = ["image", "big-image", "audio", "video"].contains(&name.as_str())
            || (name == "media" && tokens.len() > 1);
        media && row.get(c.index).is_some()
    })
}
