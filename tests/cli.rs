//! The command line, run as a child process on the bundled questionnaires.

use std::process::Command;

use tianye_tests::{bundled_forms, repo, tianye_bin};

fn tianye(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(tianye_bin()).args(args).current_dir(repo()).output().expect("run tianye");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn check_reports_errors_with_file_item_and_caret() {
    let dir = std::env::temp_dir().join(format!("tianye-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let form = dir.join("bad.json");
    std::fs::write(
        &form,
        r#"{"id": "bad", "version": "1", "title": "t", "items": [
            {"type": "integer", "name": "age", "label": "年龄"},
            {"type": "text", "name": "school", "label": "学校", "relevant": "${agee} < 16"}
        ]}"#,
    )
    .unwrap();
    let (code, _out, err) = tianye(&["check", form.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[expr.unknown_ref]"), "{err}");
    assert!(err.contains("bad.json: school (relevant)"), "{err}");
    assert!(err.contains("   | ${agee} < 16\n   | ^^^^^^^"), "{err}");

    std::fs::write(&form, "{\"id\": \"bad\",\n \"version\": 1,}").unwrap();
    let (code, _out, err) = tianye(&["check", form.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.json:2:"), "{err}");

    let (code, _out, _err) = tianye(&["check", dir.join("missing.json").to_str().unwrap()]);
    assert_eq!(code, 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn schema_prints_the_committed_json_schema() {
    let (code, out, _) = tianye(&["schema"]);
    assert_eq!(code, 0);
    let committed =
        std::fs::read_to_string(repo().join("core/schema/questionnaire.schema.json")).unwrap();
    assert_eq!(out.trim_end(), committed.trim_end());
}

#[test]
fn bundled_questionnaires_check_clean() {
    let forms = bundled_forms();
    for form in &forms {
        let (code, out, err) = tianye(&["check", "--strict", form.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {out}{err}", form.display());
    }
}
