//! Paper forms keyed in: `tianye template` and `tianye import-responses` on a filled
//! template, run as child processes on real SQLite data directories (issue 25).
//!
//! - E1 every valid case of the bundled and test questionnaires, written into the
//!   template (CSV and XLSX) without its attachments, imports, and `tianye export` gives
//!   back its answers (less those the case expects cleared), with `meta.device_id` saying
//!   it came from paper (so the record card's signature is not asked for);
//! - E2 importing the same file again stores nothing twice;
//! - E3 a row with a bad value, or a roster row with one, is reported with its file, row
//!   number and column, in Chinese and English, and nothing of its form is stored, while
//!   the good rows are;
//! - E4 bad files (an unknown column, a cell or a table too large, no `--form`) are
//!   refused as a whole with where, and nothing is stored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value};
use tianye_tests::server::temp_dir;
use tianye_tests::{bundled_forms, repo, test_forms, tianye_bin};

/// `tianye ARGS`: exit code, stdout, stderr.
fn tianye(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(tianye_bin()).args(args).current_dir(repo()).output().expect("run tianye");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// One table of a template: its file (CSV) or sheet (XLSX) and its headers.
struct Table {
    name: String,
    headers: Vec<String>,
}

/// The tables of the template at `main`: for CSV the main file and `main-REPEAT.csv`
/// files beside it, for XLSX its sheets (the first is the main table).
fn template_tables(main: &Path) -> Vec<Table> {
    if main.extension().is_some_and(|e| e == "xlsx") {
        use calamine::{Reader, Xlsx, open_workbook};
        let mut book: Xlsx<_> = open_workbook(main).expect("the template opens");
        let names = book.sheet_names();
        names
            .into_iter()
            .map(|name| {
                let range = book.worksheet_range(&name).unwrap();
                let headers = range
                    .rows()
                    .next()
                    .map(|r| r.iter().map(ToString::to_string).collect())
                    .unwrap_or_default();
                Table { name, headers }
            })
            .collect()
    } else {
        let stem = main.file_stem().unwrap().to_str().unwrap().to_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(main.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_str().unwrap();
                Path::new(n).extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
                    && (n == format!("{stem}.csv") || n.starts_with(&format!("{stem}-")))
            })
            .collect();
        files.sort_by_key(|p| p != main);
        files
            .into_iter()
            .map(|p| {
                let mut r = csv::ReaderBuilder::new().has_headers(false).from_path(&p).unwrap();
                let headers = r
                    .records()
                    .next()
                    .unwrap()
                    .unwrap()
                    .iter()
                    .map(|h| h.trim_start_matches('\u{feff}').to_owned())
                    .collect();
                let name = p.file_stem().unwrap().to_str().unwrap();
                let name = name.strip_prefix(&format!("{stem}-")).unwrap_or("").to_owned();
                Table { name, headers }
            })
            .collect()
    }
}

/// Writes `rows` (per table, cells by header) into the template at `main`, in place.
fn fill(main: &Path, tables: &[Table], rows: &BTreeMap<String, Vec<BTreeMap<String, String>>>) {
    let line = |t: &Table, r: &BTreeMap<String, String>| -> Vec<String> {
        t.headers.iter().map(|h| r.get(h).cloned().unwrap_or_default()).collect()
    };
    if main.extension().is_some_and(|e| e == "xlsx") {
        let mut book = rust_xlsxwriter::Workbook::new();
        for (i, t) in tables.iter().enumerate() {
            let sheet = book.add_worksheet();
            sheet.set_name(&t.name).unwrap();
            for (c, h) in t.headers.iter().enumerate() {
                sheet.write_string(0, c as u16, h).unwrap();
            }
            let key = if i == 0 { String::new() } else { t.name.clone() };
            for (r, row) in rows.get(&key).into_iter().flatten().enumerate() {
                for (c, v) in line(t, row).iter().enumerate() {
                    if !v.is_empty() {
                        sheet.write_string(r as u32 + 1, c as u16, v).unwrap();
                    }
                }
            }
        }
        book.save(main).unwrap();
    } else {
        let stem = main.file_stem().unwrap().to_str().unwrap().to_owned();
        for (i, t) in tables.iter().enumerate() {
            let path = if i == 0 {
                main.to_owned()
            } else {
                main.with_file_name(format!("{stem}-{}.csv", t.name))
            };
            let mut w = csv::Writer::from_path(&path).unwrap();
            w.write_record(&t.headers).unwrap();
            let key = if i == 0 { String::new() } else { t.name.clone() };
            for row in rows.get(&key).into_iter().flatten() {
                w.write_record(line(t, row)).unwrap();
            }
            w.flush().unwrap();
        }
    }
}

/// An answer as someone keys it in: choices separated by spaces, a location as
/// `lat lon altitude accuracy`.
fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => {
            if *b {
                "OK".into()
            } else {
                String::new()
            }
        }
        Value::Array(items) => {
            items.iter().map(|x| x.as_str().unwrap_or_default()).collect::<Vec<_>>().join(" ")
        }
        Value::Object(m) => ["lat", "lon", "altitude", "accuracy"]
            .iter()
            .map(|k| m.get(*k).map_or_else(|| "0".to_owned(), Value::to_string))
            .collect::<Vec<_>>()
            .join(" "),
        Value::Null => String::new(),
    }
}

/// The answers of `answers` as template rows: the main row's cells under `""`, each
/// repeat's rows under its name, keyed by `key` and `parent_row`/`row` as the export
/// keys them.
fn rows_of(
    answers: &Map<String, Value>,
    key: &str,
    table: &str,
    parent: &str,
    out: &mut BTreeMap<String, Vec<BTreeMap<String, String>>>,
) -> BTreeMap<String, String> {
    let mut row = BTreeMap::new();
    for (name, value) in answers {
        match value {
            Value::Array(items) if items.first().is_some_and(Value::is_object) => {
                for (i, item) in items.iter().enumerate() {
                    let own = if parent.is_empty() && table.is_empty() {
                        (i + 1).to_string()
                    } else {
                        format!("{parent}.{}", i + 1)
                    };
                    let mut r = rows_of(item.as_object().unwrap(), key, name, &own, out);
                    r.insert("instance_id".into(), key.into());
                    r.insert("row".into(), (i + 1).to_string());
                    if !parent.is_empty() {
                        r.insert("parent_row".into(), parent.to_owned());
                    }
                    out.entry(name.clone()).or_default().push(r);
                }
            }
            other => {
                row.insert(name.clone(), cell(other));
            }
        }
    }
    row
}

/// `value` with the answers at the case's `cleared` paths (`school`, `member[0].m_x`,
/// a whole repeat) taken out.
fn without_cleared(answers: &mut Map<String, Value>, cleared: &[String]) {
    for path in cleared {
        let mut obj = &mut *answers;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                obj.remove(part);
                break;
            }
            let (name, index) = part.trim_end_matches(']').split_once('[').unwrap();
            let index: usize = index.parse().unwrap();
            match obj.get_mut(name).and_then(|v| v.get_mut(index)).and_then(Value::as_object_mut) {
                Some(next) => obj = next,
                None => break,
            }
        }
    }
}

/// Whether stored answer `got` is the case's `want`: numbers as numbers, a location by
/// its numbers (a missing altitude or accuracy read as 0), a time as the engine writes
/// it (`09:10` as `09:10:00`).
fn same(want: &Value, got: &Value) -> bool {
    let geo = |v: &Value| -> Option<Vec<f64>> {
        match v {
            Value::Object(m) => Some(
                ["lat", "lon", "altitude", "accuracy"]
                    .iter()
                    .map(|k| m.get(*k).and_then(Value::as_f64).unwrap_or(0.0))
                    .collect(),
            ),
            Value::String(s) if s.split_whitespace().count() >= 2 => {
                let mut n: Vec<f64> = s.split_whitespace().filter_map(|x| x.parse().ok()).collect();
                n.resize(4, 0.0);
                Some(n)
            }
            _ => None,
        }
    };
    match (want, got) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Object(_), _) => geo(want).is_some() && geo(want) == geo(got),
        (Value::Bool(true), Value::String(s)) => s == "OK",
        // Times and date-times are stored with seconds and milliseconds written out.
        (Value::String(w), Value::String(g)) => {
            g == w || *g == format!("{w}:00") || g.replace(".000", "") == *w
        }
        _ => want == got,
    }
}

/// Every answer of `want` (repeats row by row) is in `got`; mismatches listed.
fn compare(want: &Map<String, Value>, got: &Map<String, Value>, path: &str, out: &mut Vec<String>) {
    for (name, w) in want {
        let here = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
        let g = got.get(name).unwrap_or(&Value::Null);
        match w {
            Value::Array(rows) if rows.first().is_some_and(Value::is_object) => {
                let got_rows = g.as_array().cloned().unwrap_or_default();
                if got_rows.len() != rows.len() {
                    out.push(format!("{here}: {} rows, got {}", rows.len(), got_rows.len()));
                    continue;
                }
                for (i, (w, g)) in rows.iter().zip(&got_rows).enumerate() {
                    let empty = Map::new();
                    compare(
                        w.as_object().unwrap(),
                        g.as_object().unwrap_or(&empty),
                        &format!("{here}[{i}]"),
                        out,
                    );
                }
            }
            _ if !same(w, g) => out.push(format!("{here}: want {w}, got {g}")),
            _ => {}
        }
    }
}

/// The names of the `hidden` items of questionnaire `form`, at any depth.
fn hidden_names(form: &Path) -> Vec<String> {
    fn walk(items: &Value, out: &mut Vec<String>) {
        for item in items.as_array().into_iter().flatten() {
            if item["type"] == "hidden" {
                out.push(item["name"].as_str().unwrap_or_default().to_owned());
            }
            walk(&item["items"], out);
        }
    }
    let q: Value = serde_json::from_str(&std::fs::read_to_string(form).unwrap()).unwrap();
    let mut out = Vec::new();
    walk(&q["items"], &mut out);
    out
}

/// The cases to round-trip: complete and valid.
fn round_trip_cases() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for form in bundled_forms().into_iter().chain(test_forms()) {
        let dir = form.parent().unwrap().join("cases");
        let mut cases: Vec<PathBuf> =
            std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        cases.sort();
        for case in cases {
            let c: Value = serde_json::from_str(&std::fs::read_to_string(&case).unwrap()).unwrap();
            let valid = c["expected"]["problems"].as_array().is_some_and(Vec::is_empty);
            if c["response"]["status"] == "complete" && valid {
                out.push((form.clone(), case));
            }
        }
    }
    out
}

/// The questionnaire folder `form` is in, as `--forms` takes it (with its choice files).
fn forms_dir(form: &Path) -> &Path {
    form.parent().unwrap()
}

/// `tianye export --format jsonl` of `form_id`: one line per stored response.
fn exported(data: &Path, form_id: &str, dir: &Path) -> Vec<Value> {
    let out = dir.join(format!("{form_id}.jsonl"));
    let (code, o, e) = tianye(&[
        "export",
        "--data",
        data.to_str().unwrap(),
        form_id,
        "--format",
        "jsonl",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{o}{e}");
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `tianye import-responses FILE --form ID --team 一队` into `data`.
fn import(file: &Path, form_id: &str, data: &Path, forms: &Path) -> (i32, String, String) {
    tianye(&[
        "import-responses",
        file.to_str().unwrap(),
        "--form",
        form_id,
        "--team",
        "一队",
        "--data",
        data.to_str().unwrap(),
        "--forms",
        forms.to_str().unwrap(),
    ])
}

/// `tianye template FORM -o FILE`.
fn template(form: &Path, file: &Path) {
    let (code, o, e) = tianye(&["template", form.to_str().unwrap(), "-o", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{}: {o}{e}", form.display());
}

// E1, E2
#[test]
fn the_template_round_trips_every_valid_case() {
    let cases = round_trip_cases();
    let forms_seen: std::collections::BTreeSet<_> = cases.iter().map(|(f, _)| f.clone()).collect();
    assert!(cases.len() >= 15 && forms_seen.len() >= 4, "{cases:?}");
    let mut nested = false;
    for ext in ["csv", "xlsx"] {
        for (form, case_path) in &cases {
            let dir = temp_dir("tianye-paper-entry");
            let file = dir.path().join(format!("entry.{ext}"));
            template(form, &file);
            let tables = template_tables(&file);
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(case_path).unwrap()).unwrap();
            let response = &case["response"];
            let form_id = response["questionnaire"]["id"].as_str().unwrap();
            let mut answers = response["answers"].as_object().unwrap().clone();
            // A hidden item's value comes from its default, never from paper; a signature
            // or photo stays on paper (the record card asks for the guardian's signature
            // only when the response does not come from paper).
            let hidden = hidden_names(form);
            answers.retain(|name, v| !hidden.contains(name) && v.get("sha256").is_none());
            let cleared: Vec<String> =
                serde_json::from_value(case["expected"]["cleared"].clone()).unwrap_or_default();
            // The paper form's own number, or (XLSX) the case's UUID, which is kept.
            let key =
                if ext == "csv" { "表-001" } else { response["instance_id"].as_str().unwrap() };
            let mut rows = BTreeMap::new();
            let mut main = rows_of(&answers, key, "", "", &mut rows);
            nested |= rows.values().flatten().any(|r| r.contains_key("parent_row"));
            main.insert("instance_id".into(), key.into());
            main.insert("submitted_at".into(), cell(&response["meta"]["submitted_at"]));
            main.insert("enumerator".into(), cell(&response["meta"]["enumerator"]));
            // Every answer has its column (else the case could not be keyed in).
            for (i, t) in tables.iter().enumerate() {
                let key = if i == 0 { "" } else { t.name.as_str() };
                let row = if key.is_empty() {
                    Some(&main)
                } else {
                    rows.get(key).and_then(|r| r.first())
                };
                for name in row.into_iter().flat_map(BTreeMap::keys) {
                    assert!(
                        t.headers.contains(name),
                        "{}: no column {name} in {}",
                        case_path.display(),
                        t.name
                    );
                }
            }
            rows.insert(String::new(), vec![main]);
            fill(&file, &tables, &rows);

            let data = dir.path().join("data");
            let (code, out, err) = import(&file, form_id, &data, forms_dir(form));
            let what = format!("{} ({ext})", case_path.display());
            assert_eq!(code, 0, "{what}: {out}{err}");
            assert!(out.contains("✓") && out.contains("新保存 1"), "{what}: {out}");
            let (code, again, err) = import(&file, form_id, &data, forms_dir(form));
            assert_eq!(code, 0, "{what}: {again}{err}");
            assert!(again.contains("已存在 1") && again.contains("0 created"), "{what}: {again}");

            let lines = exported(&data, form_id, dir.path());
            assert_eq!(lines.len(), 1, "{what}: stored once");
            let got = &lines[0];
            if ext == "xlsx" {
                assert_eq!(got["instance_id"], response["instance_id"], "{what}");
            } else {
                let id = got["instance_id"].as_str().unwrap();
                assert!(id.len() == 36 && id != response["instance_id"], "{what}: {id}");
            }
            assert_eq!(got["meta"]["device_id"], format!("paper:entry.{ext}"), "{what}");
            assert_eq!(got["meta"]["submitted_at"], response["meta"]["submitted_at"], "{what}");
            without_cleared(&mut answers, &cleared);
            let mut mismatches = Vec::new();
            compare(&answers, got["answers"].as_object().unwrap(), "", &mut mismatches);
            assert!(mismatches.is_empty(), "{what}:\n{}", mismatches.join("\n"));
        }
    }
    assert!(nested, "a case with a roster inside a roster (parent_row)");
}

/// The quarterly register's template with three paper forms: 1 good, 2 with a bad
/// amount and a bad visit row, 3 good; `bad_type` puts text in a number column of form 3.
fn quarterly_rows(bad_type: bool) -> BTreeMap<String, Vec<BTreeMap<String, String>>> {
    let case =
        repo().join("questionnaires/lbc_quarterly_screening/cases/01-valid-still-left-behind.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(case).unwrap()).unwrap();
    let answers = case["response"]["answers"].as_object().unwrap();
    let mut all: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    for key in ["Q-1", "Q-2", "Q-3"] {
        let mut rows = BTreeMap::new();
        let mut main = rows_of(answers, key, "", "", &mut rows);
        main.insert("instance_id".into(), key.into());
        main.insert("submitted_at".into(), "2026-09-22".into());
        if key == "Q-2" {
            main.insert("dibao_amount".into(), "20".into());
            rows.get_mut("visit").unwrap()[1].insert("v_date".into(), "2026-13-01".into());
        }
        if key == "Q-3" && bad_type {
            main.insert("screen_year".into(), "二〇二六".into());
        }
        all.entry(String::new()).or_default().push(main);
        for (t, r) in rows {
            all.entry(t).or_default().extend(r);
        }
    }
    all
}

// E2, E3
#[test]
fn a_bad_row_is_reported_by_row_and_column_and_nothing_of_its_form_is_stored() {
    let form = repo().join("questionnaires/lbc_quarterly_screening/form.json");
    for ext in ["csv", "xlsx"] {
        let dir = temp_dir("tianye-paper-entry-bad");
        let file = dir.path().join(format!("乡镇录入.{ext}"));
        template(&form, &file);
        let tables = template_tables(&file);
        fill(&file, &tables, &quarterly_rows(true));
        let data = dir.path().join("data");
        let (code, out, err) = import(&file, "lbc_quarterly_screening", &data, forms_dir(&form));
        assert_eq!(code, 1, "{ext}: {out}{err}");
        // Form Q-2: row 3 of the main table, its amount in column Y; its second visit
        // is row 5 of the visit table (rows 2, 3 for Q-1's two visits, 4, 5 for Q-2's).
        let main = if ext == "csv" {
            format!("乡镇录入.{ext}")
        } else {
            format!("乡镇录入.{ext}!lbc_quarterly_screening")
        };
        let visits = if ext == "csv" {
            format!("乡镇录入-visit.{ext}")
        } else {
            format!("乡镇录入.{ext}!visit")
        };
        let y = tables[0].headers.iter().position(|h| h == "dibao_amount").unwrap();
        assert_eq!(y, 24, "dibao_amount is column Y");
        for expected in [
            format!("✗ {main} 第 3 行 / row 3 [Q-2]: 未保存 / not stored"),
            format!(
                "    {main} 第 3 行 / row 3 Y 列 / column Y (dibao_amount): dibao_amount [range] 应在 50 到 3000 之间 / Must be between 50 and 3000"
            ),
            format!(
                "    {visits} 第 5 行 / row 5 C 列 / column C (v_date): visit[1].v_date [type]"
            ),
            format!("✗ {main} 第 4 行 / row 4 [Q-3]: 未保存 / not stored"),
            format!("    {main} 第 4 行 / row 4 E 列 / column E (screen_year): screen_year [type]"),
            format!("✓ {main} 第 2 行 / row 2 [Q-1]"),
            "共 3 份：新保存 1，已存在 0，冲突 0，未保存 2".to_owned(),
        ] {
            assert!(out.contains(&expected), "{ext}: {expected:?} not in\n{out}");
        }
        let lines = exported(&data, "lbc_quarterly_screening", dir.path());
        assert_eq!(lines.len(), 1, "{ext}: only Q-1 stored");
        assert_eq!(lines[0]["answers"]["visit"].as_array().map(Vec::len), Some(2));

        // Fixed and imported again: Q-1 is not stored twice, Q-2 and Q-3 join it.
        let mut fixed = quarterly_rows(false);
        fixed.get_mut("").unwrap()[1].insert("dibao_amount".into(), "420".into());
        fixed.get_mut("visit").unwrap()[3].insert("v_date".into(), "2026-09-10".into());
        fill(&file, &tables, &fixed);
        let (code, out, err) = import(&file, "lbc_quarterly_screening", &data, forms_dir(&form));
        assert_eq!(code, 0, "{ext}: {out}{err}");
        assert!(out.contains("新保存 2，已存在 1"), "{ext}: {out}");
        let lines = exported(&data, "lbc_quarterly_screening", dir.path());
        assert_eq!(lines.len(), 3, "{ext}");
        let ids: std::collections::BTreeSet<_> =
            lines.iter().map(|l| l["instance_id"].to_string()).collect();
        assert_eq!(ids.len(), 3, "{ext}: three distinct ids");
    }
}

// E4
#[test]
fn bad_files_are_refused_as_a_whole_with_where() {
    let form = repo().join("questionnaires/lbc_quarterly_screening/form.json");
    let dir = temp_dir("tianye-paper-entry-files");
    let file = dir.path().join("entry.csv");
    template(&form, &file);
    let tables = template_tables(&file);
    let data = dir.path().join("data");
    let good = quarterly_rows(false);
    let long = "字".repeat(2_001);
    let many: Vec<BTreeMap<String, String>> = (0..10_001)
        .map(|i| BTreeMap::from([("instance_id".to_owned(), format!("N{i}"))]))
        .collect();
    type Change =
        Box<dyn Fn(&mut Vec<Table>, &mut BTreeMap<String, Vec<BTreeMap<String, String>>>)>;
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "an unknown column",
            Box::new(|t: &mut Vec<Table>, _: &mut _| t[0].headers.insert(5, "dibao_amout".into())),
            "entry.csv 第 1 行 F 列：“dibao_amout”不是这张表的列",
        ),
        (
            "a column twice",
            Box::new(|t: &mut Vec<Table>, _: &mut _| t[0].headers.push("child_name".into())),
            "“child_name”出现了两次",
        ),
        (
            "a cell too long",
            Box::new(move |_: &mut _, r: &mut BTreeMap<String, Vec<BTreeMap<String, String>>>| {
                r.get_mut("").unwrap()[0].insert("remarks".into(), long.clone());
            }),
            "entry.csv 第 2 行",
        ),
        (
            "too many rows",
            Box::new(move |_: &mut _, r: &mut BTreeMap<String, Vec<BTreeMap<String, String>>>| {
                r.insert(String::new(), many.clone());
            }),
            "超过 10000 行",
        ),
        (
            "a visit table without its row column",
            Box::new(|t: &mut Vec<Table>, _: &mut _| t[1].headers.retain(|h| h != "row")),
            "缺少 row 列",
        ),
    ];
    for (what, change, message) in cases {
        let mut t: Vec<Table> = tables
            .iter()
            .map(|x| Table { name: x.name.clone(), headers: x.headers.clone() })
            .collect();
        let mut rows = good.clone();
        change(&mut t, &mut rows);
        fill(&file, &t, &rows);
        let (code, out, err) = import(&file, "lbc_quarterly_screening", &data, forms_dir(&form));
        assert_eq!(code, 2, "{what}: {out}{err}");
        assert!(err.contains(message), "{what}: {message:?} not in {err}");
        assert!(!out.contains('✓'), "{what}: nothing stored: {out}");
    }
    // A CSV that Excel saved in the Windows Chinese code page (GBK) says how to save it.
    let gbk = file.with_file_name("gbk.csv");
    let mut bytes = tables[0].headers.join(",").into_bytes();
    bytes.extend_from_slice(b"\nQ-1,,\xcd\xf5\xb9\xe2\xd3\xa2,2026-09-22\n"); // 王光英 in GBK
    std::fs::write(&gbk, bytes).unwrap();
    let (code, out, err) = import(&gbk, "lbc_quarterly_screening", &data, forms_dir(&form));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("gbk.csv") && err.contains("CSV UTF-8"), "{err}");

    // An XLSX whose cells lie far apart is read by what it holds, not by its span: a
    // column past the 2,000th is refused, a row a million down is just a row.
    let xlsx = dir.path().join("far.xlsx");
    let sheet_of = |book: &mut rust_xlsxwriter::Workbook, headers: &[String]| {
        let sheet = book.add_worksheet();
        sheet.set_name("lbc_quarterly_screening").unwrap();
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, h).unwrap();
        }
    };
    let mut book = rust_xlsxwriter::Workbook::new();
    sheet_of(&mut book, &tables[0].headers);
    book.worksheet_from_index(0).unwrap().write_string(5, 16_383, "远").unwrap();
    book.save(&xlsx).unwrap();
    let (code, out, err) = import(&xlsx, "lbc_quarterly_screening", &data, forms_dir(&form));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("far.xlsx!lbc_quarterly_screening") && err.contains("XFD"), "{err}");
    let mut book = rust_xlsxwriter::Workbook::new();
    sheet_of(&mut book, &tables[0].headers);
    book.worksheet_from_index(0).unwrap().write_string(1_048_575, 0, "远-1").unwrap();
    book.save(&xlsx).unwrap();
    let (code, out, err) = import(&xlsx, "lbc_quarterly_screening", &data, forms_dir(&form));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("第 1048576 行 / row 1048576 [远-1]") && out.contains("submitted_at"),
        "{out}"
    );

    // A questionnaire whose responses must be sealed takes no plain paper entry.
    let sealed = dir.path().join("sealed/lbc_quarterly_screening");
    std::fs::create_dir_all(sealed.join("media")).unwrap();
    let media = form.parent().unwrap().join("media/villages.csv");
    std::fs::copy(media, sealed.join("media/villages.csv")).unwrap();
    let pem =
        std::fs::read_to_string(repo().join("core/tests/fixtures/seal/test-public.pem")).unwrap();
    let key: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut q: Value = serde_json::from_str(&std::fs::read_to_string(&form).unwrap()).unwrap();
    q["encryption"] = serde_json::json!({"public_key": key});
    std::fs::write(sealed.join("form.json"), q.to_string()).unwrap();
    fill(&file, &tables, &good);
    let (code, out, err) = import(
        &file,
        "lbc_quarterly_screening",
        &dir.path().join("sealed-data"),
        sealed.parent().unwrap(),
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("须加密") && err.contains("sealed responses only"), "{err}");

    // Without --form the file cannot be read as anything.
    fill(&file, &tables, &good);
    let (code, _, err) = tianye(&[
        "import-responses",
        file.to_str().unwrap(),
        "--team",
        "一队",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--form"), "{err}");
    // The template of a questionnaire it cannot write, or to a file it cannot write.
    let (code, _, err) = tianye(&[
        "template",
        form.to_str().unwrap(),
        "-o",
        dir.path().join("x.txt").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".csv 或 .xlsx"), "{err}");
}

/// The entries of the zip archive (XLSX) at `path` whose names start with `prefix`,
/// their text joined.
fn zip_text(path: &Path, prefix: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = String::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        if entry.name().is_ok_and(|n| n.starts_with(prefix)) {
            std::io::Read::read_to_string(&mut entry, &mut out).unwrap();
        }
    }
    out
}

// E1 (the XLSX template's help), choices keyed in by their labels
#[test]
fn the_xlsx_template_explains_each_column_and_takes_choice_labels() {
    let dir = temp_dir("tianye-paper-entry-xlsx");
    let card = repo().join("questionnaires/lbc_record_card/form.json");
    let file = dir.path().join("card.xlsx");
    template(&card, &file);
    let notes = zip_text(&file, "xl/comments");
    for text in [
        "收缩压（mmHg）",
        "Systolic blood pressure (mmHg)",
        "min=70; max=160",
        "何时通知家长",
        "仅当 / only when: (${health_checked} = &apos;yes&apos;) and (${illness_found} = &apos;yes&apos;)",
        "wechat = 微信 / WeChat",
        "填表日期（必填）",
    ] {
        let text = text.replace("&apos;", "'");
        assert!(
            notes.contains(&text) || notes.contains(&text.replace('\'', "&apos;")),
            "{text:?} not among the notes"
        );
    }
    let book = zip_text(&file, "xl/workbook.xml");
    assert!(book.contains(r#"name="_choices""#) && book.contains(r#"state="hidden""#), "{book}");
    let sheets = zip_text(&file, "xl/worksheets/sheet1.xml");
    assert!(sheets.contains("<dataValidation ") && sheets.contains("'_choices'!"), "drop-downs");
    // No column of the signature or the photo: they stay on paper.
    let tables = template_tables(&file);
    let all: Vec<&String> = tables.iter().flat_map(|t| &t.headers).collect();
    assert!(!all.iter().any(|h| *h == "guardian_sig" || *h == "health_sheet_photo"), "{all:?}");
    assert!(!all.iter().any(|h| *h == "bmi" || *h == "fp_priority"), "calculations: {all:?}");
    assert_eq!(tables[1].headers[..3], ["instance_id", "row", "term"]);

    // The empty template imports as nothing, its drop-down sheet passed over in silence.
    let data = dir.path().join("data");
    let forms = card.parent().unwrap().parent().unwrap();
    let (code, out, err) = import(&file, "lbc_record_card", &data, forms);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("共 0 份") && !err.contains("警告"), "{out}{err}");

    // Choices written as their labels, in Chinese or English, as the drop-down offers.
    let quarterly = repo().join("questionnaires/lbc_quarterly_screening/form.json");
    let file = dir.path().join("labels.xlsx");
    template(&quarterly, &file);
    let tables = template_tables(&file);
    let mut rows = quarterly_rows(false);
    rows.get_mut("").unwrap().truncate(1);
    rows.get_mut("visit").unwrap().truncate(2);
    let main = &mut rows.get_mut("").unwrap()[0];
    for (name, label) in [
        ("quarter", "第三季度（7—9月）"),
        ("father_status", "外出务工"),
        ("mother_status", "Working away"),
        ("dibao", "是"),
        ("temp_aid", "No"),
    ] {
        main.insert(name.into(), label.into());
    }
    fill(&file, &tables, &rows);
    let (code, out, err) = import(&file, "lbc_quarterly_screening", &data, forms);
    assert_eq!(code, 0, "{out}{err}");
    let lines = exported(&data, "lbc_quarterly_screening", dir.path());
    let answers = &lines[0]["answers"];
    for (name, code) in [
        ("quarter", "q3"),
        ("father_status", "away"),
        ("mother_status", "away"),
        ("dibao", "yes"),
        ("temp_aid", "no"),
    ] {
        assert_eq!(answers[name], code, "{name}");
    }
}

/// `paper:` device ids are the data-entry import's alone: the record card asks no
/// signature of a paper form, so an upload claiming one is refused (and stored only
/// with the device id it really has).
#[test]
fn an_upload_cannot_claim_to_be_a_paper_form() {
    use tianye_tests::server::{Server, client, team_token, upload};
    let data = temp_dir("tianye-paper-claim");
    let forms = repo().join("questionnaires");
    let server = Server::start(data.path(), &["--forms", forms.to_str().unwrap()]);
    let token = team_token(data.path(), "小沙江镇计生办");
    let case = repo().join("questionnaires/lbc_record_card/cases/01-valid-both-parents-away.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(case).unwrap()).unwrap();
    let mut response = case["response"].clone();
    response["meta"]["device_id"] = Value::from("paper:登记卡.xlsx");
    let (status, reply) = upload(&client(), &server.url, Some(&token), &response.to_string());
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["code"], "submission.paper_device", "{reply}");
    assert!(reply["message"].as_str().unwrap().contains("paper:登记卡.xlsx"), "{reply}");
    response["meta"]["device_id"] = Value::from("phone-7");
    let (status, reply) = upload(&client(), &server.url, Some(&token), &response.to_string());
    assert_eq!(status, 201, "the same response from a phone is stored: {reply}");
}
