//! The command line on XLSForms (issue 5): `check` gives precise row-level messages,
//! `import` writes the questionnaire, `export-xlsform` writes an XLSForm that checks
//! and validates exactly as the JSON questionnaire does.

use std::path::PathBuf;
use std::process::Command;

use tianye_tests::{bundled_forms, repo, tianye_bin};

use crate::cli::{bundled_cases, case_differences, validate_json};

fn tianye(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(tianye_bin()).args(args).current_dir(repo()).output().expect("run tianye");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn household() -> PathBuf {
    repo().join("core/tests/fixtures/xlsform/20_household.md")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tianye-xlsform-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_accepts_an_xlsform_and_points_at_its_cells() {
    let (code, out, err) = tianye(&["check", "--strict", household().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("lbc_household@2026.1"), "{out}");

    let dir = temp_dir("check");
    let bad = dir.join("household.md");
    let text = std::fs::read_to_string(household()).unwrap();
    std::fs::write(&bad, text.replace("${m_age} >= 16 ", "${m_agee} >= 16")).unwrap();
    let (code, _, err) = tianye(&["check", bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[expr.unknown_ref]"), "{err}");
    assert!(err.contains("household.md: survey!E16 (household/member/m_away, relevant)"), "{err}");
    assert!(err.contains("   | ${m_agee} >= 16\n   | ^^^^^^^^^"), "{err}");

    // A broken sheet: the importer's own errors, with sheet and row.
    std::fs::write(&bad, text.replace("| end repeat ", "|            ")).unwrap();
    let (code, _, err) = tianye(&["check", bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[xlsform.unmatched_end]"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn import_writes_the_questionnaire_and_strict_fails_on_warnings() {
    let dir = temp_dir("import");
    let json = dir.join("household.json");
    let (code, _, err) =
        tianye(&["import", household().to_str().unwrap(), "-o", json.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let q =
        tianye_core::Questionnaire::from_json(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(q.id, "lbc_household");
    assert_eq!(q.languages, ["zh", "en"]);

    let warned = dir.join("warned.md");
    std::fs::write(
        &warned,
        "| survey | | | | |\n| | type | name | label | guidance_hint |\n| | text | a | A | long help |\n",
    )
    .unwrap();
    let (code, out, err) = tianye(&["import", warned.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"name\": \"a\""), "{out}");
    assert!(err.contains("warning[xlsform.unsupported_column]"), "{err}");
    assert!(err.contains("warned.md: survey!D1"), "{err}");
    let (code, _, err) = tianye(&["import", "--strict", warned.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn exported_bundled_questionnaires_check_and_validate_like_the_json() {
    let dir = temp_dir("export");
    let forms = bundled_forms();
    assert!(forms.len() >= 3, "the bundled questionnaires: {forms:?}");
    let mut compared = 0;
    for form in &forms {
        let id = form.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        let xlsx = dir.join(format!("{id}.xlsx"));
        let (code, _, err) =
            tianye(&["export-xlsform", form.to_str().unwrap(), "-o", xlsx.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let (code, out, err) = tianye(&["check", "--strict", xlsx.to_str().unwrap()]);
        assert_eq!(code, 0, "{id}: {out}{err}");

        let cases = bundled_cases(form);
        assert!(!cases.is_empty(), "{id}: no cases");
        let run = |f: &str| {
            let mut args = vec!["validate", f];
            args.extend(cases.iter().map(|c| c.to_str().expect("utf-8 path")));
            let (code, out, err) = tianye(&args);
            (code, out.replace(f, "FORM"), err.replace(f, "FORM"))
        };
        assert_eq!(run(xlsx.to_str().unwrap()), run(form.to_str().unwrap()), "{id}");
        // Each verdict is also the one the cases expect, so both being wrong the same
        // way fails too.
        for questionnaire in [form, &xlsx] {
            let (_, found) = validate_json(questionnaire, &cases);
            for (case, found) in cases.iter().zip(&found) {
                let diff = case_differences(case, found);
                assert!(diff.is_empty(), "{}:\n{}", questionnaire.display(), diff.join("\n"));
                compared += 1;
            }
        }
    }
    assert!(compared >= 48, "only {compared} verdicts compared with their cases");
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 22: XLSForms from the wild that pyxform 4.5.0 converts load through the real
/// `tianye import` (the idioms of `core/tests/fixtures/xlsform/wild/`), and the one
/// pyxform refuses is refused with the same advice, Chinese first.
#[test]
fn import_takes_what_pyxform_accepts_from_the_wild() {
    let dir = repo().join("core/tests/fixtures/xlsform/wild");
    let out = temp_dir("wild");
    let mut fixtures: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    fixtures.sort();
    assert!(fixtures.len() >= 8, "{fixtures:?}");
    for form in &fixtures {
        let name = form.file_name().unwrap().to_string_lossy().into_owned();
        let json = out.join(name.replace(".md", ".json"));
        let (code, _, stderr) =
            tianye(&["import", form.to_str().unwrap(), "-o", json.to_str().unwrap()]);
        if name == "choice_duplicates_refused.md" {
            assert_eq!(code, 1, "{name}: {stderr}");
            assert!(stderr.contains("error[schema.duplicate_choice]"), "{stderr}");
            let (zh, en) = stderr.split_once(" / ").expect("bilingual");
            assert!(zh.contains("allow_choice_duplicates") && zh.contains("重复"), "{stderr}");
            assert!(en.contains("set allow_choice_duplicates to yes"), "{stderr}");
            continue;
        }
        assert_eq!(code, 0, "{name}: {stderr}");
        let (code, _, stderr) = tianye(&["check", json.to_str().unwrap()]);
        assert_eq!(code, 0, "{name}: the imported questionnaire checks: {stderr}");
    }
}
