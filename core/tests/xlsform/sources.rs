//! The workbook readers: xlsx (written here with rust_xlsxwriter, read with calamine),
//! CSV and markdown give the same rows, with the row numbers and column letters a
//! researcher sees.

use tianye_core::xlsform::{self, Format, Options, Place, Sheet, Workbook};

#[test]
fn xlsx_cells_keep_excel_rows_and_columns() {
    // A survey sheet whose table starts at C3, with a number and a boolean cell.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("survey").unwrap();
    for (c, h) in ["type", "name", "label", "required", "default"].iter().enumerate() {
        ws.write_string(2, 2 + c as u16, *h).unwrap();
    }
    ws.write_string(3, 2, "integer").unwrap();
    ws.write_string(3, 3, "age").unwrap();
    ws.write_string(3, 4, "Age").unwrap();
    ws.write_boolean(3, 5, true).unwrap();
    ws.write_number(3, 6, 3.0).unwrap();
    ws.write_string(4, 2, "integer").unwrap();
    ws.write_string(4, 3, "age").unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let read = Workbook::read(&bytes, Format::Xlsx).unwrap();
    let row = &read.sheets[0].rows[1];
    assert_eq!(row.number, 4);
    assert_eq!(row.get(5), Some("TRUE"));
    assert_eq!(row.get(6), Some("3"));
    let err = xlsform::import_bytes(&bytes, Format::Xlsx, &Options::default()).unwrap_err();
    assert_eq!(err.findings()[0].place, Place::cell("survey", 5, "D"));
    assert_eq!(err.findings()[0].code.as_str(), "xlsform.duplicate_name");
}

/// A cell at the sheet's far corner (XFD1048576) costs one cell: a 5 KB workbook must
/// not ask for a range of 17 billion empty cells (it aborted `tianye check`).
#[test]
fn a_cell_at_the_far_corner_costs_one_cell() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("survey").unwrap();
    for (c, h) in ["type", "name", "label"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["text", "x", "X"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_string(1_048_575, 16_383, "far").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let read = Workbook::read(&bytes, Format::Xlsx).unwrap();
    let rows = &read.sheets[0].rows;
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[2].number, rows[2].cells[0].column), (1_048_576, 16_383));
    let import = xlsform::import_bytes(&bytes, Format::Xlsx, &Options::default()).unwrap();
    assert_eq!(import.questionnaire.items.len(), 1, "rows past 60 empty ones are left out");
}

#[test]
fn csv_and_markdown_read_alike() {
    let csv = "survey,,,\n,type,name,label\n,text,a,\"A, with comma\"\n";
    let md = "| survey | | | |\n| | type | name | label |\n| | text | a | A, with comma |\n";
    let a = Workbook::read(csv.as_bytes(), Format::Csv).unwrap();
    let b = Workbook::read(md.as_bytes(), Format::Markdown).unwrap();
    assert_eq!(a, b);
}

#[test]
fn unreadable_files_are_findings() {
    let err = xlsform::import_bytes(b"not a zip", Format::Xlsx, &Options::default()).unwrap_err();
    assert_eq!(err.findings()[0].code.as_str(), "xlsform.unreadable");
    assert_eq!(err.findings()[0].params["format"], "xlsx");
}

#[test]
fn sheets_built_in_code() {
    let sheet =
        Sheet::from_rows("survey", &[vec!["type", "name"], vec!["", ""], vec!["text", "a"]]);
    assert_eq!(sheet.rows.len(), 2);
    let i = xlsform::import(&Workbook { sheets: vec![sheet] }, &Options::default()).unwrap();
    assert_eq!(i.questionnaire.items[0].name, "a");
}
