//! Choice lists from CSV files (`choice_files`), loaded from the fixture folder
//! `tests/fixtures/choice_files/villages/` (a township → village cascade whose villages
//! are in `media/villages.csv`) and then used exactly as inline choices.

use std::path::{Path, PathBuf};

use serde_json::json;
use tianye_core::{Code, Form, Options, Questionnaire, Response};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/choice_files/villages")
}

fn questionnaire() -> Questionnaire {
    let text = std::fs::read_to_string(fixture().join("form.json")).unwrap();
    Questionnaire::from_json(&text).unwrap()
}

fn loaded() -> Form {
    let mut q = questionnaire();
    let media = fixture().join("media");
    let errors = q.load_choice_files(|file| std::fs::read(media.join(file)));
    assert!(errors.is_empty(), "{errors:#?}");
    Form::compile(q).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
}

fn codes(form: &Form, township: &str, village: &str) -> Vec<(String, Code)> {
    let r: Response = serde_json::from_value(json!({
        "instance_id": "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60",
        "questionnaire": {"id": "village_list", "version": "1"},
        "status": "complete",
        "answers": {"township": township, "village": village},
        "meta": {"submitted_at": "2026-07-01T10:00:00+08:00"}
    }))
    .unwrap();
    form.validate(&r, &Options::default())
        .problems
        .iter()
        .map(|p| (p.path.clone(), p.code))
        .collect()
}

#[test]
fn a_file_list_cascades_like_an_inline_one() {
    let form = loaded();
    let table = [
        ("t01", "v0101", vec![]),
        ("t02", "v0202", vec![]),
        ("t01", "v0201", vec![("village".to_owned(), Code::Choice)]),
        ("t01", "v9999", vec![("village".to_owned(), Code::Choice)]),
    ];
    for (township, village, want) in table {
        assert_eq!(codes(&form, township, village), want, "{township} {village}");
    }
    let villages = &form.questionnaire().choice_lists["villages"];
    assert_eq!(villages.len(), 4);
    assert_eq!(villages[0].label.get("zh", "zh"), "东关村");
    assert_eq!(villages[0].label.get("en", "zh"), "Dongguan");
}

#[test]
fn a_questionnaire_compiled_without_its_files_says_which_file() {
    let e = Form::compile(questionnaire()).unwrap_err();
    let d = e.errors().find(|d| d.code == Code::ChoiceFileNotLoaded).expect("not loaded");
    assert_eq!(d.item, "choice_files.villages");
    assert_eq!(d.params["file"], "villages.csv");
}

#[test]
fn load_errors_name_the_file() {
    let mut q = questionnaire();
    let errors = q.load_choice_files(|_| Err(std::io::ErrorKind::NotFound.into()));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, Code::ChoiceFileMissing);
    assert_eq!(errors[0].params["file"], "villages.csv");
    assert!(errors[0].message(tianye_core::Lang::Zh).contains("villages.csv"));

    let mut q = questionnaire();
    let errors = q.load_choice_files(|_| Ok(b"name,label\nv1,a\nv1,b\n".to_vec()));
    assert_eq!(errors[0].code, Code::ChoiceFileDuplicateName);
    assert_eq!(
        (errors[0].params["row"].clone(), errors[0].params["first_row"].clone()),
        (json!(3), json!(2))
    );
    assert!(!q.choice_lists.contains_key("villages"), "a list with errors is not loaded");

    q.choice_files.insert("villages".into(), "../secret.csv".into());
    let errors = q.load_choice_files(|_| panic!("an invalid name is never read"));
    assert_eq!(errors[0].code, Code::ChoiceFileName);
}

#[test]
fn a_filter_on_a_column_the_file_lacks_is_reported() {
    let mut q = questionnaire();
    q.items[1].choice_filter = Some("county = ${township}".into());
    let media = fixture().join("media");
    assert!(q.load_choice_files(|file| std::fs::read(media.join(file))).is_empty());
    let form = Form::compile(q).unwrap();
    let w = form.warnings().iter().find(|d| d.code == Code::BareName).expect("bare name");
    assert_eq!(w.item, "village");
    assert_eq!(w.params["name"], "county");
}
