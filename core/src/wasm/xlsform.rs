//! `Engine.fromXlsform`: an engine from the bytes of an XLSForm workbook (features
//! `wasm` and `xlsform`: the npm package's `tianye-core/xlsform` entry). The workbook is
//! imported and compiled as `tianye check` does it; every failure is a finding at its
//! sheet, row and cell (`survey!F12`).

use std::io;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{Engine, to_js};
use crate::xlsform::{self, Finding, Format, Place};
use crate::{Code, Form, Lang, Severity};

/// The largest workbook read, in bytes: a questionnaire's XLSForm is tens of KiB, and
/// the page holds the bytes, their copy and the unzipped sheets at once.
pub(crate) const MAX_BYTES: usize = 16 << 20;

/// What an OpenDocument spreadsheet's zip holds first, uncompressed, after its 30-byte
/// local file header.
const ODS_MIME: &[u8] = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet";

/// A finding as JavaScript sees it: every key present, absent parts `null`.
#[derive(Serialize)]
struct FindingView<'a> {
    code: &'a str,
    severity: &'a str,
    /// The sheet (`survey`); empty for the workbook as a whole.
    sheet: &'a str,
    row: Option<u32>,
    /// The column letter (`F`).
    column: Option<&'a str>,
    /// `survey!F12`, `survey!12`, `survey`, or empty.
    cell: String,
    item: Option<&'a str>,
    property: Option<&'a str>,
    source: Option<&'a str>,
    span: Option<crate::expr::Span>,
    params: &'a crate::i18n::Params,
    message_zh: String,
    message_en: String,
    rendered: String,
}

fn findings(list: &[Finding]) -> JsValue {
    let views: Vec<FindingView<'_>> = list
        .iter()
        .map(|f| FindingView {
            code: f.code.as_str(),
            severity: if f.severity == Severity::Error { "error" } else { "warning" },
            sheet: &f.place.sheet,
            row: f.place.row,
            column: f.place.column.as_deref(),
            cell: f.place.to_string(),
            item: f.item.as_deref(),
            property: f.property.as_deref(),
            source: f.source.as_deref(),
            span: f.span,
            params: &f.params,
            message_zh: f.message(Lang::Zh),
            message_en: f.message(Lang::En),
            rendered: f.render("XLSForm"),
        })
        .collect();
    to_js(&views)
}

fn unreadable(format: &str, detail: &str) -> Finding {
    Finding::error(Code::XlsformUnreadable, Place::default())
        .with("format", format)
        .with("detail", detail)
}

/// The workbook's format: the one named (`xlsx`, `xls`, `ods`, `csv`, `markdown`), else
/// what its first bytes say (a zip is xlsx unless it declares itself OpenDocument, an
/// OLE file is xls, text starting with `|` or `#` is markdown, other text CSV).
fn format_of(bytes: &[u8], named: Option<&str>) -> Result<Format, Vec<Finding>> {
    if let Some(name) = named {
        return Format::from_file_name(&format!("workbook.{name}")).ok_or_else(|| {
            vec![unreadable(name, "未知格式，应为 xlsx、xls、ods、csv 或 markdown / unknown format: one of xlsx, xls, ods, csv, markdown")]
        });
    }
    Ok(if bytes.starts_with(b"PK\x03\x04") {
        if bytes.get(30..).is_some_and(|rest| rest.starts_with(ODS_MIME)) {
            Format::Ods
        } else {
            Format::Xlsx
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Format::Xls
    } else if bytes.trim_ascii_start().first().is_some_and(|b| matches!(b, b'|' | b'#')) {
        Format::Markdown
    } else {
        Format::Csv
    })
}

/// Imports and compiles a workbook: the engine with the import's warnings, or every error
/// (and the warnings) at its cell.
fn load(bytes: &[u8], named: Option<&str>) -> Result<Engine, Vec<Finding>> {
    if bytes.len() > MAX_BYTES {
        let detail =
            format!("文件超过 {} MiB / larger than {} MiB", MAX_BYTES >> 20, MAX_BYTES >> 20);
        return Err(vec![unreadable(named.unwrap_or("XLSForm"), &detail)]);
    }
    let format = format_of(bytes, named)?;
    let xlsform::Import { mut questionnaire, findings: warnings, origins } =
        xlsform::import_bytes(bytes, format, &xlsform::Options::default())
            .map_err(|e| e.findings().to_vec())?;
    let at_cell =
        |d: &crate::Diagnostic| Finding::from_diagnostic(d, origins.locate(d).unwrap_or_default());
    // A page reads no files: lists from `select_one_from_file` cannot be loaded here.
    let missing = questionnaire.load_choice_files(|_| {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            "浏览器中无法读取文件 / no files in the browser",
        ))
    });
    let compiled = if missing.is_empty() {
        Form::compile(questionnaire).map_err(|e| e.diagnostics)
    } else {
        Err(missing)
    };
    match compiled {
        Ok(form) => Ok(Engine { import_warnings: warnings, ..Engine::of(form) }),
        Err(diagnostics) => {
            let mut out = warnings;
            out.extend(diagnostics.iter().map(at_cell));
            Err(out)
        }
    }
}

#[wasm_bindgen]
impl Engine {
    /// Loads and checks a questionnaire from the bytes of an XLSForm workbook (`.xlsx`,
    /// `.xls`, `.ods`, or pyxform's CSV or markdown text as UTF-8). `format` names it
    /// (`xlsx`, `xls`, `ods`, `csv`, `markdown`); without it the bytes tell. Throws an
    /// array of findings (`{code, severity, sheet, row, column, cell, item, property,
    /// source, span, params, message_zh, message_en, rendered}`; absent parts `null`):
    /// every error, each at its cell, and the import's warnings.
    #[wasm_bindgen(js_name = fromXlsform)]
    pub fn from_xlsform(bytes: &[u8], format: Option<String>) -> Result<Engine, JsValue> {
        load(bytes, format.as_deref()).map_err(|list| findings(&list))
    }

    /// The XLSForm import's warnings (what was left out or changed), each at its cell;
    /// empty for an engine made from JSON.
    #[wasm_bindgen(js_name = importWarnings)]
    pub fn import_warnings(&self) -> JsValue {
        findings(&self.import_warnings)
    }
}
