//! SPSS and Stata exports end to end: a bundled questionnaire's valid cases and a
//! questionnaire whose labels try to break the syntax are uploaded over HTTP, exported
//! as `spss` and `stata` through the CLI and the admin API, and read back: the CSV's
//! header is the syntax's variable list, every single-choice answer is its choice's
//! code with its value labels, multiple choice has its 0/1 columns, labels are Chinese
//! in UTF-8 (English with `--lang en`), and PSPP (`cargo xtask setup` installs it)
//! reads every table without an error or a warning.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use tianye_tests::repo;
use tianye_tests::server::{
    Server, client, get, new_instance_id, team_token, temp_dir, tianye, upload,
};

/// Every entry of a zip archive, by name.
fn entries(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

/// Rows of a data file: UTF-8 without a BOM, header first.
/// `tianye export FORM --format TOOL [extra…]` from the data folder `dir` into `path`;
/// the archive's entries.
fn export(
    dir: &str,
    form: &str,
    tool: &str,
    extra: &[&str],
    path: &Path,
) -> BTreeMap<String, Vec<u8>> {
    let mut args = vec!["export", "--data", dir, form, "--format", tool];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-o", path.to_str().unwrap()]);
    let (code, _, err) = tianye(&args);
    assert_eq!(code, 0, "{err}");
    entries(&std::fs::read(path).unwrap())
}

fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(!bytes.starts_with("\u{feff}".as_bytes()), "a BOM would join the first name");
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
    r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect()
}

/// The variables an `.sps` file's `GET DATA /VARIABLES=` declares, with their formats.
fn spss_variables(sps: &str) -> Vec<(String, String)> {
    let start = sps.find("/VARIABLES=\n").expect("/VARIABLES=") + "/VARIABLES=\n".len();
    sps[start..]
        .lines()
        .take_while(|l| l.trim() != ".")
        .map(|l| {
            let (name, format) = l.trim().split_once(' ').expect("NAME FORMAT");
            (name.to_owned(), format.to_owned())
        })
        .collect()
}

/// The column numbers (from 1) a `.do` file's `import delimited` reads as text, as
/// numbers.
fn stata_columns(dofile: &str) -> (Vec<usize>, Vec<usize>) {
    let line = dofile.lines().find(|l| l.starts_with("import delimited")).expect("import");
    let list = |opt: &str| -> Vec<usize> {
        line.split_once(&format!("{opt}("))
            .map(|(_, rest)| rest.split(')').next().unwrap())
            .map(|l| l.split(' ').map(|n| n.parse().unwrap()).collect())
            .unwrap_or_default()
    };
    (list("stringcols"), list("numericcols"))
}

fn form_json(id: &str) -> Value {
    let path = repo().join(format!("questionnaires/{id}/form.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Items of `items` outside repeats (groups opened), or inside repeat `repeat`.
fn items_of(items: &[Value], repeat: Option<&str>, inside: bool, out: &mut Vec<Value>) {
    for item in items {
        let sub = item["items"].as_array().map(Vec::as_slice).unwrap_or_default();
        match item["type"].as_str().unwrap() {
            "group" => items_of(sub, repeat, inside, out),
            "repeat" => {
                if !inside {
                    out.push(item.clone());
                }
                items_of(sub, repeat, Some(item["name"].as_str().unwrap()) == repeat, out);
            }
            _ if inside => out.push(item.clone()),
            _ => {}
        }
    }
}

/// A questionnaire whose names need renaming for both tools and whose labels hold
/// quotes, line breaks, Stata's macro characters and comment markers.
fn hostile_form() -> Value {
    json!({
        "id": "hostile",
        "version": "1",
        "title": {"zh": "标签注入（测试）", "en": "Label injection (test)"},
        "items": [
            {"type": "select_one", "name": "with", "choices": "ans",
             "label": {"zh": "他说\"走\"，又说'停'\n. EXECUTE.\nDELETE VARIABLES ALL.", "en": "with"}},
            {"type": "select_multiple", "name": "kids", "choices": "ans",
             "label": {"zh": "孩子 `x' $HOME //x /* y */ \"' `\"", "en": "Kids"}},
            {"type": "text", "name": "note", "label": {"zh": "备".repeat(300), "en": "Note"}},
            {"type": "decimal", "name": "x", "label": {"zh": "小数", "en": "Decimal"}}
        ],
        "choice_lists": {"ans": [
            {"name": "a-b", "label": {"zh": "甲 'it''s'", "en": "A"}},
            {"name": "b", "label": {"zh": "乙 \"quoted\"\r\nnext", "en": "B"}},
            {"name": "-99", "label": {"zh": "拒答", "en": "Refused"}}
        ]}
    })
}

fn hostile_response(with: &str, kids: &[&str], note: &str, x: Value) -> Value {
    json!({
        "instance_id": new_instance_id(),
        "questionnaire": {"id": "hostile", "version": "1"},
        "status": "complete",
        "answers": {"with": with, "kids": kids, "note": note, "x": x},
        "meta": {"started_at": "2026-07-01T09:30:00+08:00", "submitted_at": "2026-07-01T09:45:00+08:00"}
    })
}

/// Runs PSPP on `sps` in `dir` (where the archive was unpacked) with `LIST.` after it;
/// returns its output, failing on an error or a warning.
fn pspp(dir: &Path, sps: &str) -> String {
    let driver = dir.join("check.sps");
    std::fs::write(&driver, format!("INCLUDE FILE='{sps}'.\nDISPLAY DICTIONARY.\nLIST.\n"))
        .unwrap();
    let out = Command::new("pspp")
        .args(["-O", "format=csv", "-o", "-", "check.sps"])
        .current_dir(dir)
        .output()
        .expect("pspp (cargo xtask setup installs it)");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pspp {sps}:\n{text}");
    let lower = text.to_lowercase();
    assert!(!lower.contains("error") && !lower.contains("warning"), "pspp {sps}:\n{text}");
    text
}

#[test]
fn spss_and_stata_exports_name_label_and_code_every_variable() {
    let data = temp_dir("tianye-stats-export");
    let dir = data.path().to_str().unwrap();
    let forms = temp_dir("tianye-stats-forms");
    std::fs::create_dir_all(forms.path().join("lbc_household")).unwrap();
    std::fs::copy(
        repo().join("questionnaires/lbc_household/form.json"),
        forms.path().join("lbc_household/form.json"),
    )
    .unwrap();
    std::fs::create_dir_all(forms.path().join("hostile")).unwrap();
    std::fs::write(forms.path().join("hostile/form.json"), hostile_form().to_string()).unwrap();
    let server = Server::start(data.path(), &["--forms", forms.path().to_str().unwrap()]);
    let admin = server.admin_token.clone().unwrap();
    let token = team_token(data.path(), "龙回一队");
    let http = client();
    let cases_dir = repo().join("questionnaires/lbc_household/cases");
    let mut uploaded = 0;
    for f in std::fs::read_dir(cases_dir).unwrap().flatten() {
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(f.path()).unwrap()).unwrap();
        if case["expected"]["problems"].as_array().is_some_and(Vec::is_empty) {
            let (status, reply) =
                upload(&http, &server.url, Some(&token), &case["response"].to_string());
            assert_eq!(status, 201, "{reply}");
            uploaded += 1;
        }
    }
    assert!(uploaded >= 2, "lbc_household has too few valid cases");
    for r in [
        hostile_response("a-b", &["a-b", "-99"], "第一行\n第二行, \"引号\" 'x'", json!(30000)),
        hostile_response("-99", &["b"], "=1+1", json!(2.25)),
    ] {
        let (status, reply) = upload(&http, &server.url, Some(&token), &r.to_string());
        assert_eq!(status, 201, "{reply}");
    }

    // The cleaned answers, which the data files must code.
    let (code, out, err) =
        tianye(&["export", "--data", dir, "lbc_household", "--format", "jsonl", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    let answers: HashMap<String, Value> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|l| (l["instance_id"].as_str().unwrap().to_owned(), l["answers"].clone()))
        .collect();
    assert_eq!(answers.len(), uploaded);

    let form = form_json("lbc_household");
    let lists = form["choice_lists"].as_object().unwrap();
    let mut main_items = Vec::new();
    items_of(form["items"].as_array().unwrap(), None, true, &mut main_items);
    // Matrix rows are single-choice questions of their own.
    let singles: Vec<(String, String)> = main_items
        .iter()
        .flat_map(|i| match i["type"].as_str().unwrap() {
            "select_one" => vec![(
                i["name"].as_str().unwrap().to_owned(),
                i["choices"].as_str().unwrap().to_owned(),
            )],
            "matrix" => i["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["name"].as_str().unwrap().to_owned(),
                        i["choices"].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
            _ => vec![],
        })
        .collect();
    assert!(singles.len() > 5, "{singles:?}");

    // The CSV export's header, as it is.
    let original: Vec<String> = {
        let (code, out, err) = tianye(&[
            "export",
            "--data",
            dir,
            "lbc_household",
            "--format",
            "csv",
            "--raw-csv",
            "-o",
            "-",
        ]);
        assert_eq!(code, 0, "{err}");
        let first = out.trim_start_matches('\u{feff}').lines().next().unwrap().to_owned();
        first.split(',').map(str::to_owned).collect()
    };

    for tool in ["spss", "stata"] {
        let ext = if tool == "spss" { "sps" } else { "do" };
        let path = data.path().join(format!("lbc_household-{tool}.zip"));
        let from_cli = export(dir, "lbc_household", tool, &[], &path);
        // The admin API gives the same archive.
        let (status, bytes) = get(
            &http,
            &server.at(&format!("/api/v1/questionnaires/lbc_household/export-{tool}.zip")),
            Some(&admin),
        );
        assert_eq!(status, 200);
        assert_eq!(entries(&bytes), from_cli, "{tool}: API and CLI differ");
        let names: Vec<&str> = from_cli.keys().map(String::as_str).collect();
        for name in [
            "lbc_household.csv".to_owned(),
            format!("lbc_household.{ext}"),
            "lbc_household-member.csv".to_owned(),
            format!("lbc_household-member.{ext}"),
            "lbc_household-codebook.csv".to_owned(),
            "README.txt".to_owned(),
        ] {
            assert!(names.contains(&name.as_str()), "{tool}: {name} missing from {names:?}");
        }

        for table in ["lbc_household", "lbc_household-member"] {
            let csv = rows(&from_cli[&format!("{table}.csv")]);
            let syntax = String::from_utf8(from_cli[&format!("{table}.{ext}")].clone())
                .expect("syntax in UTF-8");
            let header = &csv[0];
            // Every name is the CSV export's header, `/` made `_` (these names are valid
            // for both tools).
            if table == "lbc_household" {
                let mangled: Vec<String> = original.iter().map(|h| h.replace('/', "_")).collect();
                assert_eq!(header, &mangled, "{tool}");
            }
            // The syntax declares every column of the CSV, in order.
            if tool == "spss" {
                let declared: Vec<String> =
                    spss_variables(&syntax).into_iter().map(|(n, _)| n).collect();
                assert_eq!(&declared, header, "{table}.sps");
                assert!(
                    syntax.contains("ENCODING='UTF8'") && syntax.trim_end().ends_with("EXECUTE.")
                );
            } else {
                let (strings, numbers) = stata_columns(&syntax);
                let mut all: Vec<usize> = strings.iter().chain(&numbers).copied().collect();
                all.sort_unstable();
                assert_eq!(all, (1..=header.len()).collect::<Vec<_>>(), "{table}.do");
                assert!(syntax.contains("encoding(\"utf-8\")"));
                for line in syntax.lines().filter(|l| l.starts_with("label variable ")) {
                    let name = line.split(' ').nth(2).unwrap();
                    assert!(header.iter().any(|h| h == name), "{table}.do labels {name}");
                }
            }
            // Every labelled column is labelled (in Chinese).
            assert!(syntax.contains("答卷编号") || syntax.contains("所属答卷编号"), "{syntax}");
        }

        let csv = rows(&from_cli["lbc_household.csv"]);
        let syntax = String::from_utf8(from_cli[&format!("lbc_household.{ext}")].clone()).unwrap();
        let header = &csv[0];
        let col =
            |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name}"));
        let id_col = col("instance_id");
        // Single choice: the choice's position from 1, with its value labels.
        for (name, list) in &singles {
            let choices = lists[list].as_array().unwrap();
            let c = col(name);
            for row in &csv[1..] {
                let expected = match answers[&row[id_col]].get(name).and_then(Value::as_str) {
                    Some(answer) => (choices.iter().position(|ch| ch["name"] == answer).unwrap()
                        + 1)
                    .to_string(),
                    None => String::new(),
                };
                assert_eq!(row[c], expected, "{tool}: {name}");
            }
            let first = choices[0]["label"]["zh"].as_str().unwrap();
            let labelled = if tool == "spss" {
                syntax.contains(&format!("  /{name}\n    1 '{first}'\n"))
            } else {
                syntax.contains(&format!("label define {name} 1 \"{first}\" "))
                    && syntax.contains(&format!("label values {name} {name}\n"))
            };
            assert!(labelled, "{tool}: value labels of {name}:\n{syntax}");
        }
        // Multiple choice: the names, then one 0/1 column per option, labelled.
        let provinces = lists["provinces"].as_array().unwrap();
        for choice in provinces {
            let option = choice["name"].as_str().unwrap();
            let c = col(&format!("away_provinces_{option}"));
            for row in &csv[1..] {
                let picked = answers[&row[id_col]]["away_provinces"].as_array();
                let expected = match picked {
                    None => "",
                    Some(p) if p.iter().any(|x| x == option) => "1",
                    Some(_) => "0",
                };
                assert_eq!(row[c], expected, "{tool}: away_provinces/{option}");
            }
            let label = format!(
                "外出务工人员在哪些省份务工？：{}",
                choice["label"]["zh"].as_str().unwrap()
            );
            assert!(syntax.contains(&label), "{tool}: {label}");
        }
        let ones = provinces
            .iter()
            .map(|p| col(&format!("away_provinces_{}", p["name"].as_str().unwrap())))
            .filter(|&c| csv[1..].iter().any(|r| r[c] == "1"))
            .count();
        assert!(ones > 0, "{tool}: no province selected in any case");
        // Chinese labels, in UTF-8.
        assert!(syntax.contains("受访者是否同意接受访问？"), "{tool}");
        assert!(syntax.contains("调查员姓名"), "{tool}");
    }

    // English labels with --lang en.
    let path = data.path().join("lbc_household-stata-en.zip");
    let en = export(dir, "lbc_household", "stata", &["--lang", "en"], &path);
    let member = String::from_utf8(en["lbc_household-member.do"].clone()).unwrap();
    assert!(member.contains("label variable m_sex \"Sex\"\n"), "{member}");
    assert!(member.contains("label define m_sex 1 \"Male\" 2 \"Female\", replace"), "{member}");
    // --labels has no place here, and a zip has no place on standard output.
    for extra in [&["--labels"][..], &["-o", "-"][..]] {
        let mut args = vec!["export", "--data", dir, "lbc_household", "--format", "spss"];
        args.extend_from_slice(extra);
        let (code, _, err) = tianye(&args);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains("spss"), "{err}");
    }

    // Names and labels that try to break the syntax.
    for tool in ["spss", "stata"] {
        let path = data.path().join(format!("hostile-{tool}.zip"));
        let files = export(dir, "hostile", tool, &[], &path);
        let csv = rows(&files["hostile.csv"]);
        let header = &csv[0];
        let ext = if tool == "spss" { "sps" } else { "do" };
        let syntax = String::from_utf8(files[&format!("hostile.{ext}")].clone()).unwrap();
        for name in ["v_with", "kids", "kids_a_b", "kids_b", "kids__99", "note"] {
            assert!(header.iter().any(|h| h == name), "{tool}: {name} in {header:?}");
        }
        let c = |n: &str| header.iter().position(|h| h == n).unwrap();
        let mut by_code: Vec<(String, String, String)> = csv[1..]
            .iter()
            .map(|r| (r[c("v_with")].clone(), r[c("kids__99")].clone(), r[c("note")].clone()))
            .collect();
        by_code.sort();
        assert_eq!(
            by_code,
            [
                ("1".into(), "1".into(), "第一行 第二行, \"引号\" 'x'".into()),
                ("3".into(), "0".into(), "'=1+1".into()),
            ]
        );
        for line in syntax.lines() {
            assert!(
                !line.starts_with("DELETE") && !line.starts_with(". EXECUTE"),
                "{tool}: {line}"
            );
        }
        if tool == "spss" {
            assert!(
                syntax
                    .contains("v_with '他说\"走\"，又说''停'' . EXECUTE. DELETE VARIABLES ALL.'\n"),
                "{syntax}"
            );
            assert!(syntax.contains("    2 '乙 \"quoted\"  next'\n"), "{syntax}");
            assert!(syntax.contains("MISSING VALUES v_with (3).\n"), "{syntax}");
            // The variable label cut to 255 bytes: 85 characters of three bytes.
            assert!(syntax.contains(&format!("  note '{}'\n", "备".repeat(85))), "{syntax}");
        } else {
            assert!(syntax.contains("label variable v_with \"他说”走”，又说'停' . EXECUTE. DELETE VARIABLES ALL.\"\n"), "{syntax}");
            assert!(
                syntax.contains("label variable kids \"孩子 ‘x' ＄HOME / /x / * y * / ”' ‘”\"\n"),
                "{syntax}"
            );
            assert!(
                syntax.contains(&format!("label variable note \"{}\"\n", "备".repeat(80))),
                "{syntax}"
            );
        }
        if tool == "spss" {
            let unpacked = temp_dir("tianye-stats-pspp");
            for (name, bytes) in &files {
                std::fs::write(unpacked.path().join(name), bytes).unwrap();
            }
            let listing = pspp(unpacked.path(), "hostile.sps");
            assert!(listing.contains("第一行 第二行"), "{listing}");
            // Read as written, shown with two decimals (none implied).
            assert!(listing.contains(",30000.00") && listing.contains(",2.25"), "{listing}");
        }
    }

    // PSPP reads the bundled questionnaire's every table.
    let files = entries(&std::fs::read(data.path().join("lbc_household-spss.zip")).unwrap());
    let unpacked = temp_dir("tianye-stats-pspp");
    for (name, bytes) in &files {
        std::fs::write(unpacked.path().join(name), bytes).unwrap();
    }
    for table in ["lbc_household", "lbc_household-member"] {
        let listing = pspp(unpacked.path(), &format!("{table}.sps"));
        let rows = rows(&files[&format!("{table}.csv")]).len() - 1;
        assert!(rows > 0);
        // Every case listed: each instance id (with roster rows, for the roster)
        // appears in the listing.
        let has_rows = |a: &Value| a["member"].as_array().is_some_and(|m| !m.is_empty());
        for (id, a) in &answers {
            if table.ends_with("member") && !has_rows(a) {
                continue;
            }
            assert!(listing.contains(id.as_str()), "{table}: {id} not read:\n{listing}");
        }
    }
}
