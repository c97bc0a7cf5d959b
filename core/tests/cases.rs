//! Runs every case of every bundled questionnaire (`questionnaires/*/cases/*.json`):
//! each must give exactly its expected problems, values and cleared answers.

use std::path::Path;

use tianye_core::Form;
use tianye_core::case::Case;

#[test]
fn every_bundled_case_gives_exactly_its_expected_result() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../questionnaires");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 3, "expected the three bundled questionnaires in {}", root.display());
    let mut failures = Vec::new();
    let mut ran = 0;
    for dir in dirs {
        let form_text = std::fs::read_to_string(dir.join("form.json")).unwrap();
        let form = match Form::from_json(&form_text) {
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
    assert!(ran >= 24);
}
