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

/// The generated province list (`synthetic::village_questionnaire`, the browser
/// bench's big list): 50,000 villages from a file, cascaded city → county → township →
/// village. Each level offers what its filter names (the last through the list's
/// index), and a village outside the township chosen is a problem, as in any cascade.
#[test]
fn a_list_of_fifty_thousand_villages_cascades() {
    use std::sync::Arc;
    use tianye_core::{Loc, Session, response::Meta, synthetic};
    let (mut q, csv) = synthetic::village_questionnaire(50_000);
    assert!(q.load_choice_files(|_| Ok(csv.clone().into_bytes())).is_empty());
    let form = Arc::new(Form::compile(q).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics)));
    let now = tianye_core::expr::DateTime::parse("2026-07-01T10:00:00+08:00").unwrap();
    let mut s = Session::start(Arc::clone(&form), Meta::default(), now);
    let at = |name: &str| Loc::top(form.lookup(name).unwrap());
    let names = |s: &Session, q: &str| -> Vec<String> {
        s.choices(&at(q)).iter().map(|c| c.name.clone()).collect()
    };
    assert_eq!(names(&s, "any_village").len(), 50_000);
    assert!(names(&s, "village").is_empty(), "nothing before a township is chosen");
    s.set_answer(&at("city"), &json!("c0001")).unwrap();
    assert_eq!(names(&s, "county"), (10..20).map(|i| format!("k{i:04}")).collect::<Vec<_>>());
    s.set_answer(&at("county"), &json!("k0012")).unwrap();
    assert_eq!(names(&s, "township"), (300..325).map(|i| format!("t{i:04}")).collect::<Vec<_>>());
    s.set_answer(&at("township"), &json!("t0307")).unwrap();
    let villages = names(&s, "village");
    assert_eq!(villages.len(), 50);
    assert_eq!(villages[..2], ["v000307", "v001307"]);
    assert_eq!(villages[49], "v049307");
    s.set_answer(&at("village"), &json!("v001307")).unwrap();
    let draft = tianye_core::response::Status::Draft;
    assert!(s.problems_at(&at("village"), draft).is_empty());
    s.set_answer(&at("village"), &json!("v001308")).unwrap();
    let problems = s.problems_at(&at("village"), draft);
    assert_eq!(problems.iter().map(|p| p.code).collect::<Vec<_>>(), [Code::Choice]);
}
