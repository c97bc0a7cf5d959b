//! `tianye print`: the questionnaire on paper, run as a child process on the bundled
//! questionnaires and on hostile ones (issue 25).
//!
//! - P1 every question's label, every matrix row's and every choice's label is on the
//!   page in the chosen language, and the questions are numbered 1, 2, 3… in order;
//! - P2 a relevance `${q} = 'v'` is written as a skip instruction naming the question's
//!   printed number and the choice's label;
//! - P3 questionnaire text is inert HTML;
//! - P4 the PDF (where a Chromium is present) has a plausible page count;
//! - P5 bad input gets a clear error and exit code 2, and no output.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tianye_tests::server::temp_dir;
use tianye_tests::{bundled_forms, repo, tianye_bin};

/// Environment variables set (`Some`) or removed (`None`) for one run.
type Env<'a> = &'a [(&'a str, Option<&'a str>)];

fn tianye(args: &[&str], env: Env<'_>) -> (i32, String) {
    let mut cmd = Command::new(tianye_bin());
    cmd.args(args).current_dir(repo());
    for (key, value) in env {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    let out = cmd.output().expect("run tianye");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into())
}

/// `tianye print FORM --lang LANG` written to a file in `dir` and read back.
fn print(form: &Path, lang: &str, dir: &Path, extra: &[&str]) -> String {
    let out = dir.join(format!("form.{lang}.html"));
    let mut args =
        vec!["print", form.to_str().unwrap(), "--lang", lang, "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, err) = tianye(&args, &[]);
    assert_eq!(code, 0, "{}: {err}", form.display());
    std::fs::read_to_string(&out).expect("the page was written")
}

/// A text of the questionnaire format in `lang`, as the page falls back: the language,
/// else the default, else any.
fn text_in<'a>(text: &'a Value, lang: &str, default: &str) -> &'a str {
    match text {
        Value::String(s) => s,
        Value::Object(map) => map
            .get(lang)
            .or_else(|| map.get(default))
            .or_else(|| map.values().next())
            .and_then(Value::as_str)
            .unwrap_or_default(),
        _ => "",
    }
}

/// `s` as the page holds it: HTML text escaping.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The literal pieces of a text around its `${name}` interpolations (printed as blanks).
fn literal_pieces(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push(&rest[..start]);
        rest = rest[start..].find('}').map_or("", |end| &rest[start + end + 1..]);
    }
    out.push(rest);
    out.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// Every item of a questionnaire, depth first.
fn all_items(items: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for item in items.as_array().into_iter().flatten() {
        out.push(item);
        out.extend(all_items(&item["items"]));
    }
    out
}

const NOT_PRINTED: [&str; 3] = ["calculate", "hidden", "meta"];
const NOT_NUMBERED: [&str; 6] = ["group", "repeat", "note", "calculate", "hidden", "meta"];

/// The choice lists of a bundled questionnaire, with those of its choice files (`media/`).
fn choice_lists(form_path: &Path, form: &Value) -> serde_json::Map<String, Value> {
    let mut lists = form["choice_lists"].as_object().cloned().unwrap_or_default();
    for (list, file) in form["choice_files"].as_object().into_iter().flatten() {
        let path = form_path.parent().unwrap().join("media").join(file.as_str().unwrap());
        let mut reader = csv::Reader::from_path(&path).expect("choice file");
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        let choices: Vec<Value> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                let mut label = serde_json::Map::new();
                for (h, v) in header.iter().zip(r.iter()) {
                    if let Some(lang) = h.strip_prefix("label::") {
                        label.insert(lang.to_owned(), Value::from(v));
                    } else if h == "label" {
                        label.insert("zh".to_owned(), Value::from(v));
                    }
                }
                serde_json::json!({"name": r.get(0).unwrap(), "label": label})
            })
            .collect();
        lists.insert(list.clone(), Value::from(choices));
    }
    lists
}

/// P1: every label of every bundled questionnaire, in Chinese and in English.
#[test]
fn print_holds_every_label_in_the_chosen_language() {
    let dir = temp_dir("tianye-print-");
    for path in bundled_forms() {
        let form: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let default = form["default_language"].as_str().unwrap_or("zh");
        let lists = choice_lists(&path, &form);
        for lang in ["zh", "en"] {
            let html = print(&path, lang, dir.path(), &[]);
            let at = |what: &str| format!("{} ({lang}): {what}", path.display());
            assert!(html.starts_with("<!DOCTYPE html>"), "{}", at("a page"));
            assert!(html.contains("@page"), "{}", at("A4 layout"));
            assert!(!html.contains("<script"), "{}", at("no script"));
            assert!(!html.contains("http://") && !html.contains("https://"), "{}", at("no fetch"));
            assert!(
                html.contains(&escaped(text_in(&form["title"], lang, default))),
                "{}",
                at("title")
            );
            let items = all_items(&form["items"]);
            let mut questions = 0;
            for item in &items {
                let kind = item["type"].as_str().unwrap();
                if NOT_PRINTED.contains(&kind) {
                    if let Some(calc) = item["calculation"].as_str() {
                        assert!(!html.contains(&escaped(calc)), "{}", at(calc));
                    }
                    continue;
                }
                if !NOT_NUMBERED.contains(&kind) {
                    questions += 1;
                }
                for piece in literal_pieces(text_in(&item["label"], lang, default)) {
                    assert!(html.contains(&escaped(piece)), "{}", at(piece));
                }
                for row in item["rows"].as_array().into_iter().flatten() {
                    let label = text_in(&row["label"], lang, default);
                    assert!(html.contains(&escaped(label)), "{}", at(label));
                }
                if let Some(list) = item["choices"].as_str() {
                    for choice in lists[list].as_array().unwrap() {
                        let label = text_in(&choice["label"], lang, default);
                        assert!(html.contains(&escaped(label)), "{}", at(label));
                    }
                }
            }
            let numbers: Vec<u32> = html
                .split("<span class=\"n\">")
                .skip(1)
                .map(|s| s.split('.').next().unwrap().parse().expect("a question number"))
                .collect();
            assert_eq!(numbers, (1..=questions).collect::<Vec<_>>(), "{}", at("numbering"));
        }
    }
}

/// The number the page gives the question labelled `label`.
fn number_of(html: &str, label: &str) -> Option<String> {
    let tail = format!(".</span> {}", escaped(label));
    let at = html.find(&tail)?;
    let head = &html[..at];
    Some(head[head.rfind("<span class=\"n\">")? + "<span class=\"n\">".len()..].to_owned())
}

/// P2: each `${q} = 'v'` of the bundled questionnaires said in words with Q's number and
/// V's label; a section's as an instruction for the whole section.
#[test]
fn skip_instructions_name_the_question_number_and_the_choice() {
    let dir = temp_dir("tianye-print-skip-");
    let mut checked = 0;
    for path in bundled_forms() {
        let form: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let default = form["default_language"].as_str().unwrap_or("zh");
        let lists = choice_lists(&path, &form);
        let items = all_items(&form["items"]);
        let by_name = |name: &str| items.iter().find(|i| i["name"] == name).copied();
        for lang in ["zh", "en"] {
            let html = print(&path, lang, dir.path(), &[]);
            for item in &items {
                let Some(relevant) = item["relevant"].as_str() else { continue };
                // `${q} = 'v'` and nothing else.
                let Some((q, v)) = relevant
                    .strip_prefix("${")
                    .and_then(|r| r.split_once("} = '"))
                    .and_then(|(q, v)| Some((q, v.strip_suffix('\'')?)))
                    .filter(|(q, v)| !q.contains('}') && !v.contains('\''))
                else {
                    continue;
                };
                let subject = by_name(q).expect("the relevance names an item");
                let Some(list) = subject["choices"].as_str() else { continue };
                let choice = lists[list].as_array().unwrap().iter().find(|c| c["name"] == v);
                let choice =
                    text_in(&choice.expect("a choice of its list")["label"], lang, default);
                let label = text_in(&subject["label"], lang, default);
                let n = number_of(&html, label).unwrap_or_else(|| panic!("{label} numbered"));
                let section = matches!(item["type"].as_str(), Some("group" | "repeat"));
                let want = match (lang, section) {
                    ("zh", false) => format!("仅当第 {n} 题选“{choice}”时回答"),
                    ("zh", true) => format!("本部分仅当第 {n} 题选“{choice}”时填写"),
                    (_, false) => format!("Answer only if Q{n} is “{choice}”"),
                    (_, true) => format!("Fill in this section only if Q{n} is “{choice}”"),
                };
                assert!(
                    html.contains(&escaped(&want)),
                    "{} ({lang}): {relevant} → {want}",
                    path.display()
                );
                checked += 1;
            }
        }
    }
    // The household survey's consent alone gates seven items; the forms have more.
    assert!(checked >= 20, "only {checked} skip instructions checked");
}

/// P3: markup in any text of the questionnaire is printed as text; P1 for an XLSForm.
#[test]
fn questionnaire_text_is_inert() {
    let dir = temp_dir("tianye-print-hostile-");
    let form = dir.path().join("hostile.json");
    std::fs::write(
        &form,
        r#"{"id": "hostile", "version": "1",
            "title": "<script>alert('t')</script>",
            "description": "</style><script>alert('d')</script>",
            "items": [
              {"type": "select_one", "name": "consent", "label": "<img src=x onerror=alert('q')>同意？",
               "hint": "<iframe src=\"http://evil.test\"></iframe>", "choices": "yn"},
              {"type": "text", "name": "who", "label": "a & b", "relevant": "${consent} = 'y'", "max_length": 8},
              {"type": "note", "name": "n", "label": "<!-- ${who} -->"},
              {"type": "repeat", "name": "r", "label": "<svg onload=alert('r')>", "repeat_count": "3",
               "items": [{"type": "text", "name": "r_name", "label": "<b>名</b>"}]}
            ],
            "choice_lists": {"yn": [{"name": "y", "label": "\"><script>alert('c')</script>"},
                                    {"name": "n", "label": "否"}]}}"#,
    )
    .unwrap();
    for lang in ["zh", "en"] {
        let html = print(&form, lang, dir.path(), &[]);
        for tag in ["<script", "<img", "<iframe", "<svg", "<!--", "</style><", "<b>"] {
            assert!(!html.contains(tag), "{lang}: {tag} in\n{html}");
        }
        assert!(html.contains("&lt;script&gt;alert('t')&lt;/script&gt;"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert('q')&gt;同意？"), "{html}");
        assert!(html.contains("a &amp; b"), "{html}");
        // The skip instruction quotes the hostile choice label, escaped too.
        assert!(html.contains("“\"&gt;&lt;script&gt;alert('c')&lt;/script&gt;”"), "{html}");
        // A literal repeat_count gives that many rows.
        assert_eq!(html.matches("<td class=\"no\">").count(), 3, "{html}");
        // Eight character boxes for a text of at most 8 characters.
        assert!(html.contains(&format!("<span class=\"boxes\">{}</span>", "<i></i>".repeat(8))));
    }

    let xlsform = dir.path().join("visit.md");
    std::fs::write(
        &xlsform,
        "| survey | | | | |\n| | type | name | label::zh | label::en |\n\
         | | select_one yn | consent | 同意吗 | Agree? |\n\
         | | integer | age | 年龄（岁） | Age (years) |\n\
         | choices | | | | |\n| | list_name | name | label::zh | label::en |\n\
         | | yn | yes | 是 | Yes |\n| | yn | no | 否 | No |\n",
    )
    .unwrap();
    let html = print(&xlsform, "en", dir.path(), &[]);
    assert!(html.contains("Agree?") && html.contains("○ Yes") && html.contains("Age (years)"));
    let html = print(&xlsform, "zh", dir.path(), &[]);
    assert!(html.contains("同意吗") && html.contains("○ 是") && html.contains("年龄（岁）"));
}

/// A roster whose `repeat_count` is an expression gets `--rows` blank rows in each of its
/// tables.
#[test]
fn roster_rows_follow_the_option() {
    let dir = temp_dir("tianye-print-rows-");
    let household = repo().join("questionnaires/lbc_household/form.json");
    for rows in [3usize, 9] {
        let html = print(&household, "zh", dir.path(), &["--rows", &rows.to_string()]);
        let tables = html.matches("<table class=\"roster\">").count();
        assert!(tables >= 1, "the roster is a table");
        assert_eq!(html.matches("<td class=\"no\">").count(), rows * tables);
    }
}

/// The Chromium the tests print with, if there is one.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("chromium")).find(|p| p.is_file())
}

/// Pages of a PDF: its `/Type /Page` objects (not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let mut pages = 0;
    for pattern in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        pages += pdf
            .windows(pattern.len() + 1)
            .filter(|w| w.starts_with(pattern) && w[pattern.len()] != b's')
            .count();
    }
    pages
}

/// P4: each bundled questionnaire prints to a few A4 pages.
#[test]
fn pdf_has_a_plausible_page_count() {
    let Some(chromium) = chromium() else {
        eprintln!("print: no Chromium (cargo xtask setup installs one); PDF test skipped");
        return;
    };
    let dir = temp_dir("tianye-print-pdf-");
    for path in bundled_forms() {
        let pdf = dir.path().join("form.pdf");
        let (code, err) = tianye(
            &["print", path.to_str().unwrap(), "--pdf", "-o", pdf.to_str().unwrap()],
            &[("CHROMIUM", chromium.to_str())],
        );
        assert_eq!(code, 0, "{}: {err}", path.display());
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{}", path.display());
        let pages = pdf_pages(&bytes);
        // A household form of some 50 questions and a roster fits on a few pages.
        assert!((1..=6).contains(&pages), "{}: {pages} pages", path.display());
        eprintln!("print: {} → {pages} pages", path.display());
    }
}

/// P5: what cannot be printed says why, exits 2 and writes nothing.
#[test]
fn bad_input_is_a_clear_error() {
    let dir = temp_dir("tianye-print-bad-");
    let household = repo().join("questionnaires/lbc_household/form.json");
    let household = household.to_str().unwrap();
    let out = dir.path().join("out.pdf");
    let out_s = out.to_str().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"id\": \"bad\",\n \"version\": 1,}").unwrap();
    let cases: &[(&[&str], Env<'_>, &str)] = &[
        (&["print", bad.to_str().unwrap(), "-o", out_s], &[], "bad.json:2:"),
        (&["print", "missing.json", "-o", out_s], &[], "missing.json"),
        (&["print", household, "--lang", "fr", "-o", out_s], &[], "fr"),
        (&["print", household, "--rows", "0", "-o", out_s], &[], "--rows"),
        (
            &["print", household, "--pdf", "-o", out_s],
            &[("CHROMIUM", None), ("PATH", Some("/nonexistent"))],
            "找不到 Chromium",
        ),
        (
            &["print", household, "--pdf", "-o", out_s],
            &[("CHROMIUM", Some("/nonexistent/chromium"))],
            "/nonexistent/chromium",
        ),
    ];
    for (args, env, says) in cases {
        let (code, err) = tianye(args, env);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote {out_s}");
    }
}

/// The server's print page (`GET /print/{id}`, linked from `/admin` and the app's list):
/// the same A4 page as `tianye print`, in the language asked, inert (no script may run:
/// its policy allows inline styles only), with clear refusals.
#[test]
fn the_server_prints_each_questionnaire() {
    use tianye_tests::server::{Server, client};
    let data = temp_dir("tianye-print-server");
    let forms = repo().join("questionnaires");
    let server = Server::start(data.path(), &["--forms", forms.to_str().unwrap()]);
    let agent = client();
    let page = |path: &str| {
        let mut res = agent.get(format!("{}{path}", server.url)).call().expect("GET");
        let status = res.status().as_u16();
        let header = |name: &str| {
            res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
        };
        let (kind, policy) = (header("content-type"), header("content-security-policy"));
        let body = res.body_mut().read_to_string().unwrap_or_default();
        (status, kind, policy, body)
    };
    let (status, kind, policy, body) = page("/print/lbc_record_card?lang=zh");
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(policy.contains("default-src 'none'") && !policy.contains("script-src"), "{policy}");
    assert!(body.contains("农村留守儿童信息登记卡") && body.contains("每学期"), "zh");
    let (_, _, _, english) = page("/print/lbc_record_card?lang=en");
    assert!(
        english.contains("Rural left-behind child registration card"),
        "en: {}",
        &english[..english.len().min(400)]
    );
    // The same page as the command prints.
    let dir = temp_dir("tianye-print-server-cli");
    let out = dir.path().join("card.html");
    let form = repo().join("questionnaires/lbc_record_card/form.json");
    let (code, err) = tianye(&["print", form.to_str().unwrap(), "-o", out.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(body, std::fs::read_to_string(&out).unwrap(), "the page is tianye print's");
    for (path, want) in [
        ("/print/nope", 404),
        ("/print/lbc_record_card?version=0.0", 404),
        ("/print/lbc_record_card?lang=%3Cscript%3E", 400),
    ] {
        let (status, _, _, body) = page(path);
        assert_eq!(status, want, "{path}: {body}");
    }
}
