//! X12: `select_one_from_file FILE` / `select_multiple_from_file FILE`: the list is
//! named after its file and read from the CSV beside the form (here the fixture
//! `tests/fixtures/choice_files/villages/media/villages.csv`); export writes the same
//! type back and leaves the list out of the choices sheet.

use std::path::PathBuf;

use tianye_core::xlsform::{self, Options, Workbook};
use tianye_core::{Code, Form, Questionnaire};

use crate::common::{import, item};

const FORM: &str = r"
| survey |
| | type | name | label | choice_filter |
| | select_one townships | township | 乡镇 | |
| | select_one_from_file villages.csv | village | 村 | township = ${township} |
| | select multiple from file villages.csv | visited | 去过的村 | |
| choices |
| | list_name | name | label |
| | townships | t01 | 城关镇 |
| | townships | t02 | 石桥乡 |
";

fn media() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/choice_files/villages/media")
}

fn load(mut q: Questionnaire) -> Form {
    let errors = q.load_choice_files(|file| std::fs::read(media().join(file)));
    assert!(errors.is_empty(), "{errors:#?}");
    Form::compile(q).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
}

#[test]
fn from_file_selects_import_with_their_file() {
    let i = import(FORM);
    assert!(i.findings.is_empty(), "{:#?}", i.findings);
    assert_eq!(item(&i, "village").choices.as_deref(), Some("villages.csv"));
    assert_eq!(item(&i, "visited").choices.as_deref(), Some("villages.csv"));
    let q = &i.questionnaire;
    assert_eq!(q.choice_files.get("villages.csv").map(String::as_str), Some("villages.csv"));
    assert!(!q.choice_lists.contains_key("villages.csv"));
    // Not loaded, it cannot run; loaded, the cascade filters on the file's column.
    let e = Form::compile(q.clone()).unwrap_err();
    assert!(e.errors().any(|d| d.code == Code::ChoiceFileNotLoaded), "{:#?}", e.diagnostics);
    let form = load(q.clone());
    assert!(form.warnings().is_empty(), "{:#?}", form.warnings());
    assert_eq!(form.questionnaire().choice_lists["villages.csv"].len(), 4);
}

#[test]
fn export_writes_from_file_back_and_round_trips() {
    let mut q = import(FORM).questionnaire;
    // A JSON questionnaire names the list as it likes; the export names it by its file.
    q.choice_files = [("villages".to_owned(), "villages.csv".to_owned())].into();
    for i in &mut q.items {
        if i.choices.as_deref() == Some("villages.csv") {
            i.choices = Some("villages".into());
        }
    }
    let loaded = load(q).questionnaire().clone();
    let md = xlsform::export(&loaded).to_markdown();
    assert!(md.contains("| select_one_from_file villages.csv |"), "{md}");
    assert!(md.contains("| select_multiple_from_file villages.csv |"), "{md}");
    assert!(!md.contains("v0101"), "the file's choices stay in the file:\n{md}");
    assert!(!md.contains("| tianye |"), "no patches needed:\n{md}");
    let back = xlsform::import(&Workbook::from_markdown(&md), &Options::default()).unwrap();
    assert_eq!(back.questionnaire, import(FORM).questionnaire);
}
