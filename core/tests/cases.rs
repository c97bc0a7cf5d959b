//! Runs every case of every bundled questionnaire (`questionnaires/*/cases/*.json`) and
//! of the test questionnaires (`tests/fixtures/questionnaires/*`, which cover what the
//! bundled ones do not: nested rosters, time bounds, …): each must give exactly its
//! expected problems, values and cleared answers.

use std::path::{Path, PathBuf};

use tianye_core::case::Case;
use tianye_core::{Code, Form};

/// The questionnaire folders below `root`, sorted.
fn folders(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_case_gives_exactly_its_expected_result() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bundled = folders(&root.join("questionnaires"));
    assert!(bundled.len() >= 3, "expected the three bundled questionnaires");
    let fixtures = folders(&root.join("tests/fixtures/questionnaires"));
    assert!(!fixtures.is_empty(), "expected the test questionnaires");
    let dirs = bundled.into_iter().chain(fixtures);
    let mut failures = Vec::new();
    let mut ran = 0;
    for dir in dirs {
        let form_text = std::fs::read_to_string(dir.join("form.json")).unwrap();
        #[cfg(feature = "choice-files")]
        let form = Form::from_json_with_files(
            &form_text,
            tianye_core::choice_file::reader_beside(&dir.join("form.json")),
        );
        #[cfg(not(feature = "choice-files"))]
        let form = Form::from_json(&form_text);
        let form = match form {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("{}: {}", dir.display(), e));
                continue;
            }
        };
        let mut cases: Vec<_> =
            std::fs::read_dir(dir.join("cases")).unwrap().flatten().map(|e| e.path()).collect();
        cases.sort();
        assert!(cases.len() >= 8, "{}: at least 8 cases", dir.display());
        for path in cases {
            let case = match Case::from_json(&std::fs::read_to_string(&path).unwrap()) {
                Ok(c) => c,
                Err(e) => {
                    failures.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            ran += 1;
            for m in case.check(&form) {
                failures
                    .push(format!("{}: {m}", path.strip_prefix(&root).unwrap_or(&path).display()));
            }
        }
    }
    assert!(failures.is_empty(), "{} case mismatches:\n{}", failures.len(), failures.join("\n"));
    assert!(ran >= 33, "{ran} cases");
}

/// A choice in a message (an exclusive one chosen with others, one the choice filter
/// leaves out) is named by its label in the message's language, never by its code;
/// the code stays in the params.
#[test]
fn choice_messages_show_the_choice_label() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../questionnaires");
    let table = [
        (
            "lbc_household",
            "13-exclusive-filtered-guardian-away-count.json",
            "guardian",
            "“父亲”不在当前可选的选项中",
            "“Father” is not among the choices offered here",
        ),
        (
            "lbc_household",
            "13-exclusive-filtered-guardian-away-count.json",
            "help_needed",
            "“暂不需要”不能与其他选项同时选择",
            "“None needed for now” cannot be selected together with other options",
        ),
        (
            "lbc_record_card",
            "09-exclusive-hardship-and-too-much-help.json",
            "hardship",
            "“无特殊困难”不能与其他选项同时选择",
            "“No special hardship” cannot be selected together with other options",
        ),
    ];
    for (questionnaire, case, path, zh, en) in table {
        let dir = root.join(questionnaire);
        let form = Form::from_json(&std::fs::read_to_string(dir.join("form.json")).unwrap())
            .unwrap_or_else(|e| panic!("{questionnaire}: {e}"));
        let case = Case::from_json(&std::fs::read_to_string(dir.join("cases").join(case)).unwrap())
            .unwrap_or_else(|e| panic!("{questionnaire}/{case}: {e}"));
        let report = form.validate(&case.response, &tianye_core::Options::default());
        let problem = report
            .problems
            .iter()
            .find(|p| p.path == path && matches!(p.code, Code::Exclusive | Code::Choice))
            .unwrap_or_else(|| panic!("{questionnaire}: no choice problem at {path}"));
        assert_eq!(problem.message("zh"), zh, "{questionnaire}");
        assert_eq!(problem.message("en"), en, "{questionnaire}");
        let code = problem.params.get("choice").or_else(|| problem.params.get("value"));
        assert!(code.is_some_and(|c| !c.as_str().unwrap_or("").is_empty()), "{questionnaire}");
    }
}
