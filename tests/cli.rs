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
