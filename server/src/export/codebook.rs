//! The codebook (data dictionary): one row per exported column, with its table,
//! labels in Chinese and English, type, choices with their codes, relevance,
//! constraints, whether required, the calculation, and the versions that have it.
//! Its last row is a note on how CSV exports write text ([`CSV_NOTE`]).

use std::io::Write;

use rust_xlsxwriter::{Format, Workbook};

use super::layout::{KeyColumn, MetaColumn, Source, Variable};
use super::sinks::{BOM, CsvCells};
use super::{ExportError, Layout};

/// The codebook's columns.
pub const CODEBOOK_HEADERS: [&str; 11] = [
    "table",
    "variable",
    "label_zh",
    "label_en",
    "type",
    "choices",
    "relevant",
    "constraint",
    "required",
    "calculation",
    "versions",
];

/// The codebook's last row says how CSV exports write text (Chinese, English).
pub const CSV_NOTE: (&str, &str) = (
    "说明：CSV 导出中，以 = + - @、制表符或回车开头的文本单元格（包括本数据字典）前加了一个 '，以免 Excel、WPS 把它当作公式执行；数字和纯负数文本（如 -1）不变。XLSX 与 JSON Lines 原样写出文本。需要原样的 CSV 时，用 tianye export --raw-csv 或在导出地址后加 ?raw=1。",
    "Note: in CSV exports (this codebook included), text cells starting with = + - @, tab or carriage return get a leading ' so that Excel and WPS do not run them as formulas; numbers, and text that is a plain negative number (such as -1), are unchanged. XLSX and JSON Lines write text as it is. For CSV cells as they are, use tianye export --raw-csv, or add ?raw=1 to the export address.",
);

fn choices_text(var: &Variable) -> String {
    var.choices
        .iter()
        .map(|c| {
            let zh = var.choice_label(c, "zh").unwrap_or_default();
            let en = var.choice_label(c, "en").unwrap_or_default();
            if zh == en { format!("{c}={zh}") } else { format!("{c}={zh} / {en}") }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The review states with their names, as [`choices_text`] writes choices.
fn review_states_text() -> String {
    crate::store::ReviewState::ALL
        .iter()
        .map(|s| {
            let (zh, en) = s.labels();
            format!("{}={zh} / {en}", s.as_str())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn text_in(var: &Variable, lang: &str) -> String {
    var.label.as_ref().map(|t| t.get(lang, &var.default_language).to_owned()).unwrap_or_default()
}

/// One row per column of every table, in export order.
pub fn codebook_rows(layout: &Layout) -> Vec<[String; 11]> {
    let mut rows = Vec::new();
    for table in &layout.tables {
        for column in &table.columns {
            let fixed = |(zh, en): (&str, &str), kind: &str| {
                [
                    table.name.clone(),
                    column.header.clone(),
                    zh.to_owned(),
                    en.to_owned(),
                    kind.to_owned(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            };
            let row = match &column.source {
                Source::Meta(m) => {
                    let kind = match m {
                        MetaColumn::StartedAt
                        | MetaColumn::SubmittedAt
                        | MetaColumn::ReceivedAt => "datetime",
                        _ => "text",
                    };
                    let mut row = fixed(m.labels(), kind);
                    if *m == MetaColumn::ReviewState {
                        row[5] = review_states_text();
                    }
                    row
                }
                Source::Key(k) => {
                    fixed(k.labels(), if *k == KeyColumn::Row { "integer" } else { "text" })
                }
                Source::Value(v) | Source::RowCount(v) => {
                    let var = &layout.variables[*v];
                    let kind = if matches!(column.source, Source::RowCount(_)) {
                        "repeat (row count)".to_owned()
                    } else {
                        var.kind.as_str().to_owned()
                    };
                    [
                        table.name.clone(),
                        column.header.clone(),
                        text_in(var, "zh"),
                        text_in(var, "en"),
                        kind,
                        if var.list.is_some() { choices_text(var) } else { String::new() },
                        var.relevant.clone().unwrap_or_default(),
                        var.constraint.clone().unwrap_or_default(),
                        var.required.clone().unwrap_or_default(),
                        var.calculation.clone().unwrap_or_default(),
                        var.versions.join(" "),
                    ]
                }
                Source::Selected(v, choice) => {
                    let var = &layout.variables[*v];
                    let zh = format!(
                        "{}：{}",
                        text_in(var, "zh"),
                        var.choice_label(choice, "zh").unwrap_or(choice)
                    );
                    let en = format!(
                        "{}: {}",
                        text_in(var, "en"),
                        var.choice_label(choice, "en").unwrap_or(choice)
                    );
                    [
                        table.name.clone(),
                        column.header.clone(),
                        zh,
                        en,
                        "select_multiple option (0/1)".to_owned(),
                        "1=选中 / selected; 0=未选 / not selected".to_owned(),
                        var.relevant.clone().unwrap_or_default(),
                        String::new(),
                        String::new(),
                        String::new(),
                        var.versions.join(" "),
                    ]
                }
            };
            rows.push(row);
        }
    }
    let (zh, en) = CSV_NOTE;
    rows.push(["", "", zh, en, "note", "", "", "", "", "", ""].map(str::to_owned));
    rows
}

/// The codebook as CSV (UTF-8 with a BOM), text written as `cells` says: labels and
/// expressions (`-${a} > 0`) are text like any other.
pub fn codebook_csv(
    layout: &Layout,
    out: &mut dyn Write,
    cells: CsvCells,
) -> Result<(), ExportError> {
    out.write_all(BOM)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CODEBOOK_HEADERS)?;
    for row in codebook_rows(layout) {
        w.write_record(row.iter().map(|c| cells.text(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// The codebook as XLSX, one sheet named `codebook`, written to `out`.
pub fn codebook_xlsx(layout: &Layout, out: impl Write + Send) -> Result<(), ExportError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("codebook")?;
    sheet.set_freeze_panes(1, 0)?;
    for (c, h) in CODEBOOK_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in codebook_rows(layout).iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, value)?;
            }
        }
    }
    workbook.save_to_writer(out)?;
    Ok(())
}
