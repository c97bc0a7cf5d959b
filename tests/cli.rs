//! The command line, run as a child process on the bundled questionnaires.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tianye_tests::server::{Backend, Data, temp_dir};
use tianye_tests::{bundled_forms, repo, test_forms, tianye_bin};

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

/// The folders under `questionnaires/`, counted from the file system (not from the
/// `form.json` files found, so a folder whose form went missing is noticed), sorted.
fn questionnaire_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("questionnaires"))
        .expect("read questionnaires/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The test cases of the questionnaire `form`: `cases/*.json` beside it, sorted.
pub(crate) fn bundled_cases(form: &Path) -> Vec<PathBuf> {
    let dir = form.parent().expect("form.json is in a folder").join("cases");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    cases
}

/// A problem as (path, code).
pub(crate) type Found = (String, String);

/// One problem of `tianye validate --json`, read through its `path` and `code` only: the
/// keys every shape of a problem keeps (its message and params may change).
fn path_and_code(problem: &Value) -> Found {
    let text = |key: &str| match &problem[key] {
        Value::String(s) => s.clone(),
        other => panic!("a problem's {key} is not text: {other} in {problem}"),
    };
    (text("path"), text("code"))
}

/// A problem's location as data (`field`, `rows`) says what its `path` says: the item
/// `m_dob` in row 2 of `member` is `member[2].m_dob`. An answer to no item
/// (`unknown_field`), `meta.…` and the response as a whole have none.
fn assert_location_is_the_path(problem: &Value) {
    let path = problem["path"].as_str().unwrap_or_default();
    if path.is_empty() || path.starts_with("meta.") || problem["code"] == "unknown_field" {
        assert!(problem.get("field").is_none(), "{problem}");
        return;
    }
    let rows: Vec<Value> = path
        .split('[')
        .skip(1)
        .map(|part| Value::from(part.split(']').next().unwrap().parse::<u64>().unwrap()))
        .collect();
    // A repeat's own problem (`member`, `member[1].trip`) is the repeat in its holder's row.
    let field = path.rsplit('.').next().unwrap();
    assert_eq!(problem["field"], field, "{problem}");
    let given_rows = problem.get("rows").cloned().unwrap_or(Value::Array(Vec::new()));
    assert_eq!(given_rows, Value::Array(rows), "{problem}");
    for key in ["message", "message_zh", "message_en"] {
        assert!(problem[key].as_str().is_some_and(|m| !m.is_empty()), "{key}: {problem}");
    }
}

/// Runs `tianye validate --json FORM CASES…`: its exit code, and each case's problems
/// (sorted, duplicates kept), in the order of `cases`.
pub(crate) fn validate_json(form: &Path, cases: &[PathBuf]) -> (i32, Vec<Vec<Found>>) {
    let mut args = vec!["validate", "--json", form.to_str().expect("utf-8 path")];
    args.extend(cases.iter().map(|c| c.to_str().expect("utf-8 path")));
    let (code, out, err) = tianye(&args);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not JSON: {l}")))
        .collect();
    assert_eq!(lines.len(), cases.len(), "one line per response:\n{out}{err}");
    let found = lines
        .iter()
        .zip(cases)
        .map(|(line, case)| {
            if let Some(file) = line.get("file") {
                assert_eq!(file.as_str(), case.to_str(), "lines in the order of the files");
            }
            let problems = line["problems"].as_array().unwrap_or_else(|| panic!("{line}"));
            problems.iter().for_each(assert_location_is_the_path);
            let mut found: Vec<Found> = problems.iter().map(path_and_code).collect();
            found.sort();
            found
        })
        .collect();
    (code, found)
}

/// The problems the case file `case` expects (`expected.problems`), sorted.
fn expected_problems(case: &Path) -> Vec<Found> {
    let text = std::fs::read_to_string(case).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
    let case_json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
    let mut want: Vec<Found> = case_json["expected"]["problems"]
        .as_array()
        .map(|list| list.iter().map(path_and_code).collect())
        .unwrap_or_default();
    want.sort();
    want
}

/// How the problems `found` for the case file `case` differ from those it expects, one
/// line each; empty when they are the same (as a list: a problem reported twice differs
/// from one expected once).
pub(crate) fn case_differences(case: &Path, found: &[Found]) -> Vec<String> {
    let want = expected_problems(case);
    if want == found {
        return Vec::new();
    }
    let name = case.strip_prefix(repo()).unwrap_or(case).display().to_string();
    let mut out = Vec::new();
    let count = |list: &[Found], p: &Found| list.iter().filter(|q| *q == p).count();
    for p in want.iter().chain(found) {
        let (w, f) = (count(&want, p), count(found, p));
        let line = format!("{name}: {} at {:?}: expected {w} time(s), reported {f}", p.1, p.0);
        if w != f && !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

#[test]
fn bundled_questionnaires_check_clean() {
    let dirs = questionnaire_dirs();
    let forms = bundled_forms();
    // Every folder has its form.json, and there are the three bundled questionnaires.
    let folders_of_forms: Vec<PathBuf> =
        forms.iter().map(|f| f.parent().expect("a folder").to_owned()).collect();
    assert_eq!(folders_of_forms, dirs, "a questionnaires/ folder without form.json");
    assert!(forms.len() >= 3, "the three bundled questionnaires: {forms:?}");
    for form in &forms {
        let cases = bundled_cases(form);
        assert!(cases.len() >= 8, "{}: at least 8 cases, found {}", form.display(), cases.len());
        let (code, out, err) = tianye(&["check", "--strict", form.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {out}{err}", form.display());
    }
}

#[test]
fn validate_reports_exactly_the_problems_each_bundled_case_expects() {
    let mut mismatches = Vec::new();
    let mut compared = 0;
    let test_forms = test_forms();
    assert!(!test_forms.is_empty(), "the test questionnaires");
    for form in bundled_forms().into_iter().chain(test_forms) {
        let cases = bundled_cases(&form);
        assert!(!cases.is_empty(), "{}: no cases", form.display());
        let (code, found) = validate_json(&form, &cases);
        for (case, found) in cases.iter().zip(&found) {
            mismatches.extend(case_differences(case, found));
            compared += 1;
        }
        // Exit code 1 when any response has a problem, 0 when none has.
        let any = cases.iter().any(|c| !expected_problems(c).is_empty());
        assert_eq!(code, i32::from(any), "{}: exit code", form.display());
    }
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    assert!(compared >= 33, "only {compared} cases compared");

    // The comparison fails for a case that expects the wrong thing: a copy of a case
    // with a problem left out of its expectation, and one with a problem added.
    let form = bundled_forms().into_iter().next().expect("a questionnaire");
    let case = bundled_cases(&form)
        .into_iter()
        .find(|c| expected_problems(c).len() >= 2)
        .expect("a case expecting two problems");
    let dir = temp_dir("tianye-cli-cases");
    let mut case_json: Value =
        serde_json::from_str(&std::fs::read_to_string(&case).unwrap()).unwrap();
    let original = case_json["expected"]["problems"].clone();
    let dropped = dir.path().join("dropped.json");
    case_json["expected"]["problems"].as_array_mut().unwrap().pop();
    std::fs::write(&dropped, case_json.to_string()).unwrap();
    let added = dir.path().join("added.json");
    case_json["expected"]["problems"] = original;
    case_json["expected"]["problems"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"path": "interview_date", "code": "required"}));
    std::fs::write(&added, case_json.to_string()).unwrap();
    let tampered = [case.clone(), dropped, added];
    let (_, found) = validate_json(&form, &tampered);
    assert_eq!(case_differences(&tampered[0], &found[0]), Vec::<String>::new());
    for (copy, found) in tampered.iter().zip(&found).skip(1) {
        let diff = case_differences(copy, found);
        assert_eq!(diff.len(), 1, "{}: {diff:?}", copy.display());
    }
}

/// Whether `text` holds a Chinese character.
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The commands a help page lists under its commands heading, but `help`.
fn listed_commands(help: &str) -> Vec<String> {
    help.split("\n\n")
        .find(|section| section.starts_with("命令 / Commands:"))
        .map(|section| {
            section
                .lines()
                .skip(1)
                .filter_map(|line| line.split_whitespace().next())
                .filter(|name| *name != "help")
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_help_page_says_each_thing_in_chinese_and_english() {
    // Every command, found from the top-level help down, so a new one is checked too.
    let mut pages: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    while let Some(command) = pages.get(seen).cloned() {
        seen += 1;
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.push("--help");
        let (code, out, err) = tianye(&args);
        assert_eq!(code, 0, "tianye {}: {err}", args.join(" "));
        assert!(out.contains("用法 / Usage: tianye"), "tianye {}:\n{out}", args.join(" "));
        assert!(out.contains("显示帮助 / Print help"), "tianye {}:\n{out}", args.join(" "));
        for line in out.lines().filter(|l| l.chars().any(|c| c.is_ascii_alphabetic())) {
            assert!(
                has_chinese(line),
                "tianye {}: a line in English only:\n{line}",
                args.join(" ")
            );
        }
        for sub in listed_commands(&out) {
            let mut next = command.clone();
            next.push(sub);
            pages.push(next);
        }
        // `tianye help COMMAND` shows the same page.
        if !command.is_empty() {
            let mut help: Vec<&str> = vec!["help"];
            help.extend(command.iter().map(String::as_str));
            assert_eq!(tianye(&help).1, out, "tianye {}", help.join(" "));
        }
    }
    assert!(pages.len() >= 13, "{pages:?}");
    assert!(pages.contains(&vec!["token".to_owned(), "revoke".to_owned()]), "{pages:?}");

    // Defaults and allowed values are in the argument's own line, in both languages.
    let (_, out, _) = tianye(&["export", "--help"]);
    let lang = out.lines().find(|l| l.contains("--lang")).unwrap();
    assert!(lang.contains("[可选 / one of: zh, en] [默认 / default: zh]"), "{lang}");
    // The arguments come before the options.
    assert!(out.find("参数 / Arguments:") < out.find("选项 / Options:"), "{out}");
    let (code, out, _) = tianye(&["--version"]);
    assert_eq!((code, out.trim()), (0, concat!("tianye ", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn a_mistyped_command_line_is_told_in_chinese_then_in_clap_s_english() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&[], "缺少命令", "Usage: tianye <COMMAND>"),
        (&["frob"], "没有这个命令", "unrecognized subcommand 'frob'"),
        (&["validate"], "缺少必需的参数", "<RESPONSES>..."),
        (&["check", "--wat"], "没有这个选项或参数", "unexpected argument '--wat'"),
        (&["export", "x", "--format", "pdf"], "参数的值无效", "invalid value 'pdf'"),
        (
            &["token", "create", "--team", "a", "--admin"],
            "这些选项不能一起用",
            "cannot be used with",
        ),
        (&["serve", "--bind"], "缺少参数的值", "a value is required for '--bind"),
    ];
    for (args, chinese, english) in cases {
        let (code, out, err) = tianye(args);
        assert_eq!(code, 2, "tianye {}: {out}{err}", args.join(" "));
        assert_eq!(
            err.lines().next(),
            Some(format!("错误：{chinese}").as_str()),
            "tianye {}: {err}",
            args.join(" ")
        );
        assert!(err.contains(english), "tianye {}: {err}", args.join(" "));
    }
}

fn token_create_shows_the_team_link_as_a_qr_code_and_writes_it_as_png_or_svg(backend: Backend) {
    let data = Data::new(backend, "tianye-cli-qr");
    let png = data.path().join("link.png");
    let svg = data.path().join("link.SVG");
    let mut tokens = Vec::new();
    for file in [&png, &svg] {
        let (code, out, err) = data.tianye(&[
            "token",
            "create",
            "--team",
            "石门一队",
            "--url",
            "http://192.168.1.10:8080",
            "--qr",
            "--qr-file",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        // The last line is still the token alone, and the link carries it.
        let token = out.lines().last().unwrap().to_owned();
        assert!(out.contains(&format!("/#team={token}")), "{out}");
        // The code: lines of half blocks, black on bright white, as wide as a QR code
        // (17 + 4 × version modules) plus a quiet zone of 4 on each side, and half as
        // many lines.
        let rows: Vec<&str> = out
            .lines()
            .filter_map(|l| l.strip_prefix("\x1b[30;107m"))
            .map(|l| l.strip_suffix("\x1b[0m").expect("colours reset at the end of a line"))
            .collect();
        let width = rows[0].chars().count();
        assert!(width >= 21 + 8 && (width - 8 - 17).is_multiple_of(4), "width {width}");
        assert_eq!(rows.len(), width.div_ceil(2));
        assert!(rows.iter().all(|r| r.chars().count() == width));
        assert!(rows.iter().all(|r| r.chars().all(|c| " ▀▄█".contains(c))));
        assert!(
            rows[1..rows.len() - 1].iter().all(|r| r.starts_with("    ") && r.ends_with("    "))
        );
        assert!(out.contains(file.to_str().unwrap()), "{out}");
        assert_eq!(
            crate::private_files::mode(file),
            0o600,
            "{}: it holds the token",
            file.display()
        );
        tokens.push(token);
    }
    let png_bytes = std::fs::read(&png).unwrap();
    assert!(png_bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG file");
    // IHDR: a square image, 8 pixels per module of a code at least 21 + 8 wide.
    let w = u32::from_be_bytes(png_bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png_bytes[20..24].try_into().unwrap());
    assert!(w == h && w.is_multiple_of(8) && w / 8 >= 29, "{w}×{h}");
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.starts_with("<?xml") && svg_text.trim_end().ends_with("</svg>"), "{svg_text}");
    assert_ne!(tokens[0], tokens[1]);
    // Another extension is refused before any token is made.
    let (code, _, err) = data.tianye(&[
        "token",
        "create",
        "--team",
        "a",
        "--qr-file",
        data.path().join("link.jpg").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains(".png") && err.contains("link.jpg"), "{err}");
    let (_, list, _) = data.tianye(&["token", "list"]);
    assert_eq!(list.lines().filter(|l| l.contains("\tteam\t")).count(), 2, "{list}");
}

tianye_tests::on_both_backends!(
    token_create_shows_the_team_link_as_a_qr_code_and_writes_it_as_png_or_svg
);
