//! README's questionnaire and response examples must stay true: the questionnaire
//! compiles without warnings and the response is valid, with the values README implies.

use tianye_core::{Form, Options, Response};
use tianye_tests::repo;

fn block(readme: &str, tag: &str) -> String {
    let start = readme
        .find(&format!("```json {tag}\n"))
        .unwrap_or_else(|| panic!("README has no {tag} block"));
    let body = &readme[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("\n```").unwrap()].to_owned()
}

#[test]
fn readme_examples_are_true() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let form =
        Form::from_json(&block(&readme, "questionnaire-example")).unwrap_or_else(|e| panic!("{e}"));
    assert!(form.warnings().is_empty(), "{:?}", form.warnings());
    let response = Response::from_json(&block(&readme, "response-example")).unwrap();
    let report = form.validate(&response, &Options::default());
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.values["is_lbc"], serde_json::json!(1));
    assert_eq!(report.values["member[2].m_age"], serde_json::json!(10));
}
