//! Findings about an XLSForm: each names the sheet, the row and the column (as
//! `survey!F12`), and, for an expression, the span inside the cell.

use std::fmt::{self, Write as _};

use serde::Serialize;

use crate::expr::Span;
use crate::i18n::{self, Lang, Params};
use crate::{Code, Diagnostic, Severity};

/// Where in a workbook: sheet, row (1-based, as the spreadsheet shows it) and column
/// letter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The sheet's name (`survey`, `choices`, `settings`); empty for the whole file.
    pub sheet: String,
    /// The row number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// The column letter (`F`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl Place {
    /// A whole sheet.
    pub fn sheet(sheet: &str) -> Place {
        Place { sheet: sheet.to_owned(), row: None, column: None }
    }

    /// A row of a sheet.
    pub fn row(sheet: &str, row: u32) -> Place {
        Place { sheet: sheet.to_owned(), row: Some(row), column: None }
    }

    /// A cell.
    pub fn cell(sheet: &str, row: u32, column: &str) -> Place {
        Place { sheet: sheet.to_owned(), row: Some(row), column: Some(column.to_owned()) }
    }
}

impl fmt::Display for Place {
    /// `survey!F12` for a cell, `survey!12` for a row, `survey` for a sheet.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sheet)?;
        match (&self.column, self.row) {
            (Some(col), Some(row)) => write!(f, "!{col}{row}"),
            (None, Some(row)) => write!(f, "!{row}"),
            (Some(col), None) => write!(f, "!{col}"),
            (None, None) => Ok(()),
        }
    }
}

/// One finding about an XLSForm: an error that stops the import, or a warning about
/// something left out or changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What is wrong (an `xlsform.*` code, or an `expr.*`/`schema.*` code for problems
    /// the core reports the same way for JSON questionnaires).
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Where in the workbook.
    pub place: Place,
    /// The item, as in [`Diagnostic::item`] (`household/member/m_age`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The item's property (`relevant`, `constraints[0]`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// The expression text `span` points into.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The offending part of `source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Values filling the message template.
    pub params: Params,
}

impl Finding {
    /// An error with `code` at `place`.
    pub fn error(code: Code, place: Place) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            place,
            item: None,
            property: None,
            source: None,
            span: None,
            params: Params::new(),
        }
    }

    /// A warning with `code` at `place`.
    pub fn warning(code: Code, place: Place) -> Finding {
        Finding { severity: Severity::Warning, ..Finding::error(code, place) }
    }

    /// Adds a param for the message.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Finding {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// Points at `span` of the expression `source`.
    pub fn at(mut self, source: &str, span: Span) -> Finding {
        self.source = Some(source.to_owned());
        self.span = Some(span);
        self
    }

    /// A finding at `place` carrying everything `diagnostic` says (code, severity,
    /// item, property, span, params): how an engine diagnostic about an imported
    /// questionnaire is shown against the sheet.
    pub fn from_diagnostic(diagnostic: &Diagnostic, place: Place) -> Finding {
        Finding {
            code: diagnostic.code,
            severity: diagnostic.severity,
            place,
            item: (!diagnostic.item.is_empty()).then(|| diagnostic.item.clone()),
            property: diagnostic.property.clone(),
            source: diagnostic.source.clone(),
            span: diagnostic.span,
            params: diagnostic.params.clone(),
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        i18n::message(self.code, &self.params, lang)
    }

    /// A multi-line report, Chinese first:
    ///
    /// ```text
    /// error[expr.unknown_ref]: 没有名为“agee”的题目 / No item is named “agee”
    ///   --> form.xlsx: survey!F12 (member/is_child, relevant)
    ///    |
    ///    | ${agee} < 16
    ///    | ^^^^^^^
    /// ```
    pub fn render(&self, file: &str) -> String {
        let mut place = file.to_owned();
        if !self.place.sheet.is_empty() {
            let _ = write!(place, ": {}", self.place);
        }
        match (&self.item, &self.property) {
            (Some(item), Some(p)) => {
                let _ = write!(place, " ({item}, {p})");
            }
            (Some(item), None) => {
                let _ = write!(place, " ({item})");
            }
            (None, Some(p)) => {
                let _ = write!(place, " ({p})");
            }
            (None, None) => {}
        }
        crate::diagnostic::report(
            self.severity,
            self.code,
            &self.params,
            &place,
            self.source.as_deref().zip(self.span),
        )
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.code)?;
        if !self.place.sheet.is_empty() {
            write!(f, "{}: ", self.place)?;
        }
        f.write_str(&i18n::bilingual(self.code, &self.params))
    }
}

/// An XLSForm that could not be imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workbook could not be read or has errors; `findings` holds every error
    /// found, and the warnings, in sheet order.
    #[error(
        "{} error(s) in the XLSForm; first: {}",
        findings.iter().filter(|f| f.severity == Severity::Error).count(),
        findings.iter().find(|f| f.severity == Severity::Error).map(ToString::to_string).unwrap_or_default()
    )]
    Invalid {
        /// Errors and warnings.
        findings: Vec<Finding>,
    },
    /// Writing the workbook failed.
    #[error("cannot write the workbook: {detail}")]
    Write {
        /// What the writer said.
        detail: String,
    },
}

impl Error {
    /// Every finding, errors and warnings.
    pub fn findings(&self) -> &[Finding] {
        match self {
            Error::Invalid { findings } => findings,
            Error::Write { .. } => &[],
        }
    }

    /// The findings that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings().iter().filter(|f| f.severity == Severity::Error)
    }
}
