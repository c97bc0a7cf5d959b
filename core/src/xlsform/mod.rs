//! XLSForm in and out: reads the `survey` / `choices` / `settings` sheets that field
//! researchers write for ODK and KoboToolbox into a Tianye [`Questionnaire`], and
//! writes a Tianye questionnaire back out as an XLSForm that pyxform converts.
//!
//! The stages, one module each: [`workbook`] (xlsx, xls, ods, csv and markdown →
//! rows of text cells), `aliases` (pyxform's spellings), `sheets` (header rows →
//! typed columns), `builder` (rows → questionnaire), `export` (questionnaire → rows →
//! xlsx) and [`error`] (findings with sheet, row and column).
//!
//! ```
//! use tianye_core::xlsform::{self, Options, Workbook};
//! let book = Workbook::from_markdown(r"
//! | survey |         |      |            |
//! |        | type    | name | label      |
//! |        | integer | age  | 年龄 / Age  |
//! ");
//! let import = xlsform::import(&book, &Options::default()).unwrap();
//! assert_eq!(import.questionnaire.items[0].name, "age");
//! assert_eq!(import.origins.items["age"].row, 2);
//! ```
//!
//! What maps to what, and what is not supported, is documented in `core/XLSFORM.md`.

mod aliases;
mod builder;
pub mod error;
mod export;
mod sheets;
pub mod workbook;

use std::collections::BTreeMap;

use serde::Serialize;

pub use error::{Error, Finding, Place};
pub use export::{export, export_xlsx};
pub use workbook::{
    Cell, Format, Row, Sheet, Workbook, column_letter, excel_serial_text, number_text,
};

use crate::{Diagnostic, Questionnaire, Severity};

/// How to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Turn every warning into an error (`tianye check --strict`).
    pub strict: bool,
    /// Read Tianye's own `tianye` columns (written by [`export`] so that a round trip
    /// gives back the same questionnaire). Off, the import sees what ODK sees.
    pub extensions: bool,
    /// The form id when the settings sheet gives none (usually the file's stem).
    pub form_id: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options { strict: false, extensions: true, form_id: None }
    }
}

/// Where an imported item came from: its row of the `survey` sheet and the column of
/// each property it has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItemOrigin {
    /// The row number.
    pub row: u32,
    /// Property (`type`, `name`, `label`, `relevant`, `required`, `constraints[0]`,
    /// `calculation`, `default`, `read_only`, `choice_filter`, `repeat_count`,
    /// `appearance`, `parameters`, `choices`, …) → column letter.
    pub columns: BTreeMap<String, String>,
}

/// Where each part of an imported questionnaire came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Origins {
    /// The `survey` sheet's name as written.
    pub survey_sheet: String,
    /// The `choices` sheet's name as written.
    pub choices_sheet: String,
    /// Item name → its row and columns. Names are unique in a questionnaire.
    pub items: BTreeMap<String, ItemOrigin>,
    /// Choice list name → the row of its first choice.
    pub choice_lists: BTreeMap<String, u32>,
}

impl Origins {
    /// The cell a diagnostic about the imported questionnaire points at: the row of
    /// its item (the last segment of [`Diagnostic::item`]) and the column of its
    /// property (`constraints[1]` falls back to `constraints[0]`'s column, any other
    /// unknown property to the row alone).
    pub fn locate(&self, diagnostic: &Diagnostic) -> Option<Place> {
        let name = diagnostic.item.rsplit('/').next()?;
        let Some(origin) = self.items.get(name) else {
            // Choice-list findings name the list.
            let row = *self.choice_lists.get(name)?;
            return Some(Place::row(&self.choices_sheet, row));
        };
        let column = diagnostic.property.as_deref().and_then(|p| {
            origin.columns.get(p).or_else(|| {
                let base = p.split(['[', '.']).next().unwrap_or(p);
                match base {
                    "constraints" => origin.columns.get("constraints[0]"),
                    "min" | "max" | "step" => origin.columns.get("parameters"),
                    _ => origin.columns.get(base),
                }
            })
        });
        Some(match column {
            Some(letter) => Place::cell(&self.survey_sheet, origin.row, letter),
            None => Place::row(&self.survey_sheet, origin.row),
        })
    }
}

/// An imported XLSForm.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The questionnaire.
    pub questionnaire: Questionnaire,
    /// Warnings: what was left out or changed, each with sheet and row.
    pub findings: Vec<Finding>,
    /// Where each item came from.
    pub origins: Origins,
}

impl Import {
    /// An engine diagnostic about [`Import::questionnaire`] as a finding that points at
    /// the sheet, row and column it came from (`survey!F12`) as well as the span.
    pub fn locate(&self, diagnostic: &Diagnostic) -> Finding {
        Finding::from_diagnostic(diagnostic, self.origins.locate(diagnostic).unwrap_or_default())
    }
}

/// Imports an XLSForm workbook. On success, the questionnaire comes with the warnings;
/// on failure, every error is reported at once (with the warnings).
pub fn import(book: &Workbook, options: &Options) -> Result<Import, Error> {
    let built = builder::build(book, options);
    let mut findings = built.findings;
    if options.strict {
        for f in &mut findings {
            f.severity = Severity::Error;
        }
    }
    if builder::has_errors(&findings) {
        return Err(Error::Invalid { findings });
    }
    Ok(Import { questionnaire: built.questionnaire, findings, origins: built.origins })
}

/// Reads and imports the bytes of an XLSForm file.
pub fn import_bytes(bytes: &[u8], format: Format, options: &Options) -> Result<Import, Error> {
    import(&Workbook::read(bytes, format)?, options)
}

/// A JSON object's members, each kept as its JSON text: merging and comparing these
/// keeps the order of per-language texts, which a `serde_json::Value` would sort.
pub(crate) type RawMap = BTreeMap<String, Box<serde_json::value::RawValue>>;

/// The JSON members of a serialisable value (an item, a choice, a questionnaire).
pub(crate) fn raw_fields<T: Serialize>(value: &T) -> RawMap {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The JSON text of a map of members.
pub(crate) fn raw_text(map: &RawMap) -> String {
    serde_json::to_string(map).unwrap_or_default()
}

/// Builds whatever can be built, ignoring errors (for export's round-trip check).
pub(crate) fn build_lenient(book: &Workbook, options: &Options) -> Questionnaire {
    builder::build(book, options).questionnaire
}
