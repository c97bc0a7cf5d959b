//! What validation does with a response built to cost it as much as possible: repeat
//! rows past the ceiling, repeats nested to multiply rows, thousands of wrong answers,
//! huge wrong values, and `meta` that is not what it says.
//!
//! - L1: a repeat without `max_rows` takes 1,000 rows; more are one `count` problem
//!   (`max`, `count`), and rows past the ceiling are not validated.
//! - L2: `max_rows` sets the limit (up or down); rows past the larger of it and 1,000
//!   are not read.
//! - L3: a response holds at most 10,000 rows in all its repeats together.
//! - L4: a report keeps at most `MAX_PROBLEMS` problems and counts them all.
//! - L5: quoted values are cut to 100 characters.
//! - L6: `meta` is typed and bounded, with problems naming the field.

use serde_json::{Value, json};
use tianye_core::validate::MAX_PROBLEMS;
use tianye_core::{Code, Form, Options, Report, Response};

fn form(items: Value) -> Form {
    let q = json!({"id": "t", "version": "1", "title": "t", "items": items});
    Form::from_json(&q.to_string()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
}

fn validate(form: &Form, answers: Value, meta: Value) -> Report {
    let r: Response = serde_json::from_value(json!({
        "instance_id": "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60",
        "questionnaire": {"id": "t", "version": "1"},
        "status": "complete",
        "answers": answers,
        "meta": meta
    }))
    .unwrap();
    form.validate(&r, &Options::default())
}

fn roster(max_rows: Option<u32>) -> Form {
    let mut repeat = json!({"type": "repeat", "name": "member", "label": "成员", "items": [
        {"type": "text", "name": "m_name", "label": "姓名", "required": true}
    ]});
    if let Some(m) = max_rows {
        repeat["max_rows"] = json!(m);
    }
    form(json!([repeat, {"type": "calculate", "name": "n", "calculation": "count(${member})"}]))
}

/// `n` rows, the first `named` of them with a name.
fn rows(n: usize, named: usize) -> Value {
    Value::Array(
        (0..n).map(|i| if i < named { json!({"m_name": "王芳"}) } else { json!({}) }).collect(),
    )
}

fn count_problems(report: &Report) -> Vec<(String, Option<u64>, Option<u64>)> {
    report
        .problems
        .iter()
        .filter(|p| p.code == Code::Count)
        .map(|p| (p.path.clone(), p.params["max"].as_u64(), p.params["count"].as_u64()))
        .collect()
}

/// L1
#[test]
fn rows_past_the_default_ceiling_are_one_problem_and_are_not_validated() {
    let f = roster(None);
    let report = validate(&f, json!({"member": rows(1000, 1000)}), json!({}));
    assert!(report.is_valid(), "{:?}", report.problems);

    // 340,000 empty rows: one `count` problem, and `required` for the first 1,000 only.
    let report = validate(&f, json!({"member": rows(340_000, 0)}), json!({}));
    assert_eq!(count_problems(&report), [("member".to_owned(), Some(1000), Some(340_000))]);
    let required = report.problems.iter().filter(|p| p.code == Code::Required).count();
    assert_eq!(report.problem_count, 1 + 1000);
    assert_eq!(required, MAX_PROBLEMS - 1);
    assert_eq!(report.values["n"], json!(1000), "calculations see the rows read");
    assert!(report.problems.iter().all(|p| !p.path.starts_with("member[1000]")));

    // Rows past the ceiling are not looked at, whatever they hold.
    let mut many = rows(1000, 1000);
    many.as_array_mut().unwrap().push(json!({"m_name": 5, "nobody": 1}));
    let report = validate(&f, json!({"member": many}), json!({}));
    assert_eq!(count_problems(&report), [("member".to_owned(), Some(1000), Some(1001))]);
    assert_eq!(report.problem_count, 1, "{:?}", report.problems);
}

/// L2
#[test]
fn max_rows_lowers_or_raises_the_limit() {
    // Lowered: a few rows too many are all still validated (a case relies on it).
    let f = roster(Some(6));
    let report = validate(&f, json!({"member": rows(7, 6)}), json!({}));
    assert_eq!(count_problems(&report), [("member".to_owned(), Some(6), Some(7))]);
    assert_eq!(report.problem_count, 2, "the seventh row's required name too");
    assert_eq!(report.values["n"], json!(7));
    // A flood: rows past 1,000 are not read.
    let report = validate(&f, json!({"member": rows(5000, 5000)}), json!({}));
    assert_eq!(count_problems(&report), [("member".to_owned(), Some(6), Some(5000))]);
    assert_eq!(report.values["n"], json!(1000));

    // Raised.
    let f = roster(Some(3000));
    let report = validate(&f, json!({"member": rows(3000, 3000)}), json!({}));
    assert!(report.is_valid(), "{:?}", report.problems);
    let report = validate(&f, json!({"member": rows(3001, 3001)}), json!({}));
    assert_eq!(count_problems(&report), [("member".to_owned(), Some(3000), Some(3001))]);
}

/// L3
#[test]
fn nested_repeats_cannot_multiply_rows_past_the_response_limit() {
    let f = form(json!([{"type": "repeat", "name": "outer", "label": "o", "items": [
        {"type": "repeat", "name": "inner", "label": "i", "items": [
            {"type": "integer", "name": "x", "label": "x"}
        ]}
    ]}]));
    // 200 outer rows of 100 inner rows: each within its ceiling, 20,200 in all.
    let outer: Vec<Value> = (0..200).map(|_| json!({"inner": rows(100, 0)})).collect();
    let report = validate(&f, json!({"outer": outer}), json!({}));
    assert_eq!(count_problems(&report), [(String::new(), Some(10_000), Some(20_200))]);
    assert_eq!(report.problem_count, 1, "{:?}", report.problems);
}

/// L4, L5
#[test]
fn a_report_keeps_a_bounded_number_of_problems_and_quotes_briefly() {
    let f = form(json!([{"type": "integer", "name": "a", "label": "a"},
                        {"type": "text", "name": "b", "label": "b"}]));
    let mut answers = serde_json::Map::new();
    for i in 0..5000 {
        answers.insert(format!("k{i}"), json!(0));
    }
    answers.insert("a".into(), json!("x".repeat(10_000)));
    answers.insert("b".into(), Value::Array(vec![json!(0); 100_000]));
    answers.insert("z".repeat(1000), json!(1));
    let report = validate(&f, Value::Object(answers), json!({}));
    assert_eq!(report.problem_count, 5000 + 3);
    assert_eq!(report.problems.len(), MAX_PROBLEMS);
    for p in &report.problems {
        for v in p.params.values().filter_map(Value::as_str) {
            assert!(v.chars().count() <= 101, "{} {}", p.path, v.len());
        }
        assert!(p.path.chars().count() <= 101, "{}", p.path.len());
    }
    let report = validate(
        &f,
        json!({"a": "x".repeat(10_000), "b": Value::Array(vec![json!(0); 100_000])}),
        json!({}),
    );
    let quoted: Vec<_> =
        report.problems.iter().map(|p| p.params["value"].as_str().unwrap()).collect();
    assert_eq!(quoted, [format!("{}…", "x".repeat(100)), format!("[{}0…", "0,".repeat(49))]);
}

/// L6
#[test]
fn meta_is_typed_and_bounded() {
    let f = form(json!([{"type": "text", "name": "a", "label": "a"}]));
    let report = validate(
        &f,
        json!({}),
        json!({"started_at": "=1+1<script>", "enumerator": "x".repeat(900_000),
               "updated_at": "2026-07-01T09:30:00.000+08:00", "device_id": "tianye:\u{7}"}),
    );
    let found: Vec<_> = report.problems.iter().map(|p| (p.path.as_str(), p.code)).collect();
    assert_eq!(
        found,
        [
            ("meta.started_at", Code::MetaTimestamp),
            ("meta.enumerator", Code::MetaTooLong),
            ("meta.device_id", Code::MetaControlChar)
        ]
    );
    let zh = report.problems[1].message("zh");
    let en = report.problems[1].message("en");
    assert!(zh.contains("100") && en.contains("100") && en.contains("900000"), "{zh} / {en}");
}
