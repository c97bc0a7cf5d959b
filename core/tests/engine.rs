//! End-to-end checks of the engine on small inline questionnaires: load, validate,
//! and compare problems, cleared answers and calculated values.

use serde_json::{Value, json};
use tianye_core::{Code, Form, Options, Response};

fn form(items: Value, lists: Value) -> Form {
    let q = json!({"id": "t", "version": "1", "title": "t", "items": items, "choice_lists": lists});
    Form::from_json(&q.to_string()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
}

fn respond(status: &str, answers: Value) -> Response {
    serde_json::from_value(json!({
        "instance_id": "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60",
        "questionnaire": {"id": "t", "version": "1"},
        "status": status,
        "answers": answers,
        "meta": {"submitted_at": "2026-07-01T10:00:00+08:00"}
    }))
    .unwrap()
}

fn problems(form: &Form, r: &Response) -> Vec<(String, Code)> {
    let report = form.validate(r, &Options::default());
    report.problems.iter().map(|p| (p.path.clone(), p.code)).collect()
}

fn household() -> Form {
    form(
        json!([
            {"type": "select_one", "name": "county", "label": "县", "choices": "county", "required": true},
            {"type": "select_one", "name": "township", "label": "乡镇", "choices": "township",
             "choice_filter": "county = ${county}", "required": true},
            {"type": "integer", "name": "hh_size", "label": "户人数", "min": 1, "max": 30, "required": true},
            {"type": "repeat", "name": "member", "label": "成员", "repeat_count": "${hh_size}", "row_label": "${m_name}",
             "items": [
                {"type": "text", "name": "m_name", "label": "姓名", "required": true, "max_length": 10},
                {"type": "date", "name": "m_dob", "label": "出生日期", "max": "today", "required": true},
                {"type": "calculate", "name": "m_age", "calculation": "int((today() - ${m_dob}) div 365.25)"},
                {"type": "select_one", "name": "m_away", "label": "外出", "choices": "yn", "required": true},
                {"type": "text", "name": "m_where", "label": "在哪", "relevant": "${m_away} = 'yes'", "required": true},
                {"type": "calculate", "name": "m_pos", "calculation": "position(..)"}
             ]},
            {"type": "calculate", "name": "n_children", "calculation": "count(${member}[${m_age} < 16])"},
            {"type": "calculate", "name": "n_away", "calculation": "count(${member}[${m_away} = 'yes'])"},
            {"type": "calculate", "name": "oldest", "calculation": "max(${m_age})"},
            {"type": "integer", "name": "away_reported", "label": "外出人数", "required": true,
             "constraints": [{"expr": ". = ${n_away}", "message": {"zh": "应为 ${n_away} 人", "en": "Should be ${n_away}"}}]},
            {"type": "select_multiple", "name": "help", "label": "需要的帮助", "choices": "help", "max_selected": 2}
        ]),
        json!({
            "county": [{"name": "c1", "label": "甲县"}, {"name": "c2", "label": "乙县"}],
            "township": [{"name": "t1", "label": "一镇", "attributes": {"county": "c1"}},
                         {"name": "t2", "label": "二镇", "attributes": {"county": "c2"}}],
            "yn": [{"name": "yes", "label": "是"}, {"name": "no", "label": "否"}],
            "help": [{"name": "money", "label": "钱"}, {"name": "study", "label": "学习"},
                     {"name": "care", "label": "照料"}, {"name": "none", "label": "不需要", "exclusive": true}]
        }),
    )
}

fn valid_answers() -> Value {
    json!({
        "county": "c1", "township": "t1", "hh_size": 3,
        "member": [
            {"m_name": "王大", "m_dob": "1985-03-02", "m_away": "yes", "m_where": "广东"},
            {"m_name": "李二", "m_dob": "1987-05-01", "m_away": "no"},
            {"m_name": "王小", "m_dob": "2016-09-01", "m_away": "no"}
        ],
        "away_reported": 1,
        "help": ["money", "study"]
    })
}

#[test]
fn a_valid_household_has_no_problems_and_its_calculations_are_right() {
    let f = household();
    let report = f.validate(&respond("complete", valid_answers()), &Options::default());
    assert_eq!(report.problems, vec![]);
    assert_eq!(report.values["n_children"], json!(1));
    assert_eq!(report.values["n_away"], json!(1));
    assert_eq!(report.values["oldest"], json!(41));
    assert_eq!(report.values["member[2].m_age"], json!(9));
    assert_eq!(report.values["member[1].m_pos"], json!(2));
    assert_eq!(report.answers["member"][0]["m_age"], json!(41));
}

#[test]
fn every_rule_reports_its_problem_with_a_row_path() {
    let f = household();
    let mut a = valid_answers();
    a["township"] = json!("t2");
    a["member"][1]["m_dob"] = json!("2027-01-01");
    a["member"][1]["m_name"] = json!("一二三四五六七八九十十一");
    a["member"][2]["m_away"] = json!("maybe");
    a["away_reported"] = json!(2);
    a["help"] = json!(["money", "none", "care"]);
    a["member"][0]["m_where"] = json!(null);
    let got = problems(&f, &respond("complete", a));
    let want: Vec<(String, Code)> = vec![
        ("township".into(), Code::Choice),
        ("member[0].m_where".into(), Code::Required),
        ("member[1].m_name".into(), Code::Length),
        ("member[1].m_dob".into(), Code::Range),
        ("member[2].m_away".into(), Code::Choice),
        ("away_reported".into(), Code::Constraint),
        ("help".into(), Code::Exclusive),
        ("help".into(), Code::Count),
    ];
    assert_eq!(got, want);
    let report = f.validate(
        &respond("complete", valid_answers_with(|a| a["away_reported"] = json!(5))),
        &Options::default(),
    );
    assert_eq!(report.problems[0].message("zh"), "应为 1 人");
    assert_eq!(report.problems[0].message("en"), "Should be 1");
}

fn valid_answers_with(change: impl Fn(&mut Value)) -> Value {
    let mut a = valid_answers();
    change(&mut a);
    a
}

#[test]
fn non_relevant_answers_are_cleared_not_problems() {
    let f = household();
    let a = valid_answers_with(|a| {
        a["member"][1]["m_where"] = json!(12);
    });
    let report = f.validate(&respond("complete", a), &Options::default());
    assert_eq!(report.problems, vec![]);
    assert_eq!(report.cleared, vec!["member[1].m_where".to_owned()]);
    assert!(report.answers["member"][1].get("m_where").is_none());
}

#[test]
fn drafts_may_be_incomplete_but_not_wrong() {
    let f = household();
    let a = json!({"hh_size": 2, "member": [{"m_name": "王大", "m_dob": "1985-13-02"}]});
    assert_eq!(
        problems(&f, &respond("draft", a.clone())),
        vec![("member[0].m_dob".to_owned(), Code::Type)]
    );
    let complete = problems(&f, &respond("complete", a));
    assert!(complete.contains(&("member".to_owned(), Code::Count)), "{complete:?}");
    assert!(complete.contains(&("county".to_owned(), Code::Required)));
}

#[test]
fn unknown_fields_and_misplaced_answers() {
    let f = household();
    let a = valid_answers_with(|a| {
        a["m_name"] = json!("x");
        a["member"][0]["zzz"] = json!(1);
    });
    let got = problems(&f, &respond("complete", a));
    assert_eq!(
        got,
        vec![
            ("m_name".to_owned(), Code::UnknownField),
            ("member[0].zzz".to_owned(), Code::UnknownField)
        ]
    );
}

#[test]
fn current_compares_the_answer_being_checked_with_the_rows_of_its_repeat() {
    let f = form(
        json!([
            {"type": "repeat", "name": "member", "label": "成员", "items": [
                {"type": "text", "name": "m_name", "label": "姓名",
                 "constraints": [{"expr": "count(${member}[${m_name} = current()]) = 1",
                                  "message": {"zh": "姓名重复", "en": "Duplicate name"}}]}
            ]}
        ]),
        json!({}),
    );
    let a = json!({"member": [{"m_name": "王芳"}, {"m_name": "李明"}, {"m_name": "王芳"}]});
    let got = problems(&f, &respond("complete", a));
    assert_eq!(
        got,
        vec![
            ("member[0].m_name".to_owned(), Code::Constraint),
            ("member[2].m_name".to_owned(), Code::Constraint)
        ]
    );
    let ok = json!({"member": [{"m_name": "王芳"}, {"m_name": "李明"}]});
    assert_eq!(problems(&f, &respond("complete", ok)), vec![]);
}

#[test]
fn conditional_rules_are_the_computed_ones() {
    let f = form(
        json!([
            {"type": "integer", "name": "age", "label": "年龄"},
            {"type": "text", "name": "school", "label": "学校", "required": "${age} < 16"},
            {"type": "text", "name": "guardian", "label": "监护人", "read_only": "${age} >= 18"},
            {"type": "text", "name": "name", "label": "姓名", "required": true},
            {"type": "text", "name": "note", "label": "备注", "read_only": "true()"}
        ]),
        json!({}),
    );
    let conditional = |name: &str| f.field(f.lookup(name).unwrap()).has_conditional_rules();
    assert!(conditional("school") && conditional("guardian"));
    assert!(!conditional("age") && !conditional("name") && !conditional("note"));
}

/// (answer name, value, the problem's code and params, or none)
type BoundCase = (&'static str, Value, Option<(&'static str, Value)>);

/// Every rule at its bounds, one row per answer: the value exactly at a bound passes, one
/// step beyond fails with the rule's code and the params its message shows (each
/// problem's code and params are what the form app and the server say).
#[test]
fn each_rule_at_its_bounds_with_its_params() {
    let f = form(
        json!([
            {"type": "integer", "name": "n", "label": "n", "min": 2, "max": 5},
            {"type": "decimal", "name": "d", "label": "d", "min": 0.5},
            {"type": "text", "name": "t", "label": "t", "min_length": 2, "max_length": 3},
            {"type": "select_multiple", "name": "s", "label": "s", "choices": "abc",
             "min_selected": 2, "max_selected": 2},
            {"type": "date", "name": "day", "label": "day", "min": "2026-01-01", "max": "today"},
            {"type": "time", "name": "at", "label": "at", "min": "08:00", "max": "18:00"},
            {"type": "datetime", "name": "when", "label": "when", "min": "2026-03-01T08:00:00+08:00", "max": "now"},
            {"type": "rating", "name": "stars", "label": "stars", "scale": 4},
            {"type": "repeat", "name": "r", "label": "r", "min_rows": 1, "max_rows": 2,
             "items": [{"type": "text", "name": "r_t", "label": "r_t"}]}
        ]),
        json!({"abc": [{"name": "a", "label": "A"}, {"name": "b", "label": "B"}, {"name": "c", "label": "C"}]}),
    );
    let row = json!({"r_t": "x"});
    let table: Vec<BoundCase> = vec![
        ("n", json!(2), None),
        ("n", json!(5), None),
        ("n", json!(1), Some(("range", json!({"min": "2", "max": "5"})))),
        ("n", json!(6), Some(("range", json!({"min": "2", "max": "5"})))),
        ("n", json!(2.5), Some(("type", json!({"expected": "integer", "value": "2.5"})))),
        ("d", json!(0.5), None),
        ("d", json!(0.49), Some(("range", json!({"min": "0.5"})))),
        ("d", json!("x"), Some(("type", json!({"expected": "number", "value": "x"})))),
        ("t", json!("ab"), None),
        ("t", json!("abc"), None),
        ("t", json!("a"), Some(("length", json!({"length": 1, "min": 2, "max": 3})))),
        ("t", json!("abcd"), Some(("length", json!({"length": 4, "min": 2, "max": 3})))),
        ("t", json!(7), Some(("type", json!({"expected": "text", "value": "7"})))),
        ("s", json!(["a", "b"]), None),
        ("s", json!(["a"]), Some(("count", json!({"of": "selections", "min": 2, "max": 2})))),
        (
            "s",
            json!(["a", "b", "c"]),
            Some(("count", json!({"of": "selections", "min": 2, "max": 2}))),
        ),
        ("s", json!("a"), Some(("type", json!({"expected": "choices", "value": "a"})))),
        ("day", json!("2026-01-01"), None),
        ("day", json!("2026-07-01"), None),
        (
            "day",
            json!("2025-12-31"),
            Some(("range", json!({"min": "2026-01-01", "max": "2026-07-01"}))),
        ),
        (
            "day",
            json!("2026-07-02"),
            Some(("range", json!({"min": "2026-01-01", "max": "2026-07-01"}))),
        ),
        (
            "day",
            json!("2026-02-30"),
            Some(("type", json!({"expected": "date", "value": "2026-02-30"}))),
        ),
        ("at", json!("08:00"), None),
        ("at", json!("18:00"), None),
        ("at", json!("07:59"), Some(("range", json!({"min": "08:00", "max": "18:00"})))),
        (
            "when",
            json!("2026-03-01T07:59:00+08:00"),
            Some(("range", json!({"min": "2026-03-01 08:00", "max": "2026-07-01 10:00"}))),
        ),
        ("at", json!("18:01"), Some(("range", json!({"min": "08:00", "max": "18:00"})))),
        ("at", json!("25:00"), Some(("type", json!({"expected": "time", "value": "25:00"})))),
        ("when", json!("2026-03-01T00:00:00Z"), None),
        ("when", json!("2026-07-01T10:00:00+08:00"), None),
        (
            "when",
            json!("2026-07-01T10:01:00+08:00"),
            Some(("range", json!({"min": "2026-03-01 08:00", "max": "2026-07-01 10:00"}))),
        ),
        ("stars", json!(1), None),
        ("stars", json!(4), None),
        ("stars", json!(0), Some(("range", json!({"min": 1, "max": 4})))),
        ("stars", json!(5), Some(("range", json!({"min": 1, "max": 4})))),
        ("r", json!([row]), None),
        ("r", json!([row, row]), None),
        ("r", json!([]), Some(("count", json!({"of": "rows", "min": 1})))),
        ("r", json!([row, row, row]), Some(("count", json!({"of": "rows", "max": 2, "count": 3})))),
        ("r", json!("x"), Some(("type", json!({"expected": "rows", "value": "\"x\""})))),
    ];
    let mut wrong = Vec::new();
    for (name, value, want) in table {
        let r = respond("complete", json!({ name: value.clone() }));
        let report = f.validate(&r, &Options::default());
        let got: Vec<(String, Value)> = report
            .problems
            .iter()
            .filter(|p| p.path == name && p.code != Code::Required)
            .map(|p| (p.code.as_str().to_owned(), serde_json::to_value(&p.params).unwrap()))
            .collect();
        let want: Vec<(String, Value)> =
            want.into_iter().map(|(code, params)| (code.to_owned(), params)).collect();
        if got != want {
            wrong.push(format!("{name} = {value}: want {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The identifier checks through the validator: each way a resident ID number can be
/// wrong is its own `id_number` problem whose `reason` param picks the message the
/// enumerator reads (a wrong length, format, region code, birth date or check character
/// each say which); a phone or e-mail problem quotes the value, cut at 100 characters.
#[test]
fn identifier_checks_name_each_failure_with_its_code_params_and_message() {
    let f = form(
        json!([
            {"type": "phone", "name": "tel", "label": "tel"},
            {"type": "id_number", "name": "id", "label": "id"},
            {"type": "email", "name": "mail", "label": "mail"}
        ]),
        json!({}),
    );
    let long_phone = "1".repeat(150);
    let quoted_phone = format!("{}…", "1".repeat(100));
    // (answer name, value, the problem's code, params and message in Chinese and English,
    // or none); the response is submitted on 2026-07-01, the last birth date an ID may hold.
    type Expected = Option<(&'static str, Value, &'static str, &'static str)>;
    let table: Vec<(&str, &str, Expected)> = vec![
        ("tel", "13812345678", None),
        ("tel", "+86 138-1234-5678", None),
        (
            "tel",
            "12812345678",
            Some((
                "phone",
                json!({"value": "12812345678"}),
                "不是有效的手机号码（11 位数字，以 1 开头）",
                "Not a valid mobile number (11 digits starting with 1)",
            )),
        ),
        (
            "tel",
            &long_phone,
            Some((
                "phone",
                json!({ "value": quoted_phone }),
                "不是有效的手机号码（11 位数字，以 1 开头）",
                "Not a valid mobile number (11 digits starting with 1)",
            )),
        ),
        ("id", "11010519491231002X", None),
        ("id", "11010519491231002x", None),
        ("id", "11010520260701001X", None),
        (
            "id",
            "1101051949123100",
            Some((
                "id_number",
                json!({"reason": "length"}),
                "身份证号码应为 18 位",
                "An ID card number has 18 characters",
            )),
        ),
        (
            "id",
            "11010519491231002Y",
            Some((
                "id_number",
                json!({"reason": "format"}),
                "身份证号码应为 17 位数字加一位数字或 X",
                "An ID card number is 17 digits then a digit or X",
            )),
        ),
        (
            "id",
            "99010519491231002X",
            Some((
                "id_number",
                json!({"reason": "region"}),
                "身份证号码的地区码无效",
                "The region code of the ID card number is not valid",
            )),
        ),
        (
            "id",
            "110105202607020015",
            Some((
                "id_number",
                json!({"reason": "birth_date"}),
                "身份证号码中的出生日期无效",
                "The birth date in the ID card number is not valid",
            )),
        ),
        (
            "id",
            "110105194912310021",
            Some((
                "id_number",
                json!({"reason": "check_digit"}),
                "身份证号码校验位不正确，请核对",
                "The check character of the ID card number is wrong; please check it",
            )),
        ),
        ("mail", "li.ming+survey@example.edu.cn", None),
        (
            "mail",
            "a@b",
            Some((
                "email",
                json!({"value": "a@b"}),
                "不是有效的电子邮箱地址",
                "Not a valid e-mail address",
            )),
        ),
    ];
    let mut wrong = Vec::new();
    for (name, value, want) in table {
        let r = respond("complete", json!({ name: value }));
        let report = f.validate(&r, &Options::default());
        let got: Vec<(String, Value, String, String)> = report
            .problems
            .iter()
            .filter(|p| p.path == name)
            .map(|p| {
                (
                    p.code.as_str().to_owned(),
                    serde_json::to_value(&p.params).unwrap(),
                    tianye_core::i18n::message(p.code, &p.params, tianye_core::Lang::En),
                    tianye_core::i18n::message(p.code, &p.params, tianye_core::Lang::Zh),
                )
            })
            .collect();
        let matches = match (&want, got.as_slice()) {
            (None, []) => true,
            (Some((code, params, zh, en)), [(got_code, got_params, got_en, got_zh)]) => {
                got_code == code && got_params == params && got_zh == zh && got_en == en
            }
            _ => false,
        };
        if !matches {
            wrong.push(format!("{name} = {value}: want {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// (status, answers, every problem expected: path, code, params)
type ResponseCase = (&'static str, Value, Vec<(&'static str, &'static str, Value)>);

/// Validates each response of `table` and lists those whose problems (path, code and
/// params, all of them) are not the ones expected.
fn wrong_verdicts(f: &Form, table: Vec<ResponseCase>) -> Vec<String> {
    let mut wrong = Vec::new();
    for (status, answers, want) in table {
        let report = f.validate(&respond(status, answers.clone()), &Options::default());
        let got: Vec<(String, String, Value)> = report
            .problems
            .iter()
            .map(|p| {
                let params = serde_json::to_value(&p.params).unwrap();
                (p.path.clone(), p.code.as_str().to_owned(), params)
            })
            .collect();
        let want: Vec<(String, String, Value)> = want
            .into_iter()
            .map(|(path, code, params)| (path.to_owned(), code.to_owned(), params))
            .collect();
        if got != want {
            wrong.push(format!("{status} {answers}: want {want:?}, got {got:?}"));
        }
    }
    wrong
}

/// Each kind of answer and each of its rules, one response a row: the wrong type names
/// the kind expected; a range's step counts from its `min`; a rating without `scale` has
/// five stars and whole ones only; a datetime against a date bound is judged from that
/// day's midnight in the response's offset; a geopoint's latitude, longitude and
/// accuracy are each checked, the accuracy limit inclusive; a text's pattern; a
/// selection named twice; a ranking must order every choice offered, no more, no fewer.
#[test]
fn each_kind_of_answer_and_its_rules_with_their_params() {
    let f = form(
        json!([
            {"type": "select_one", "name": "one", "label": "one", "choices": "abc"},
            {"type": "likert", "name": "lk", "label": "lk", "choices": "abc"},
            {"type": "range", "name": "rg", "label": "rg", "min": 1, "max": 9, "step": 2},
            {"type": "range", "name": "half", "label": "half", "max": 3, "step": 0.5},
            {"type": "range", "name": "thirds", "label": "thirds", "min": 1, "max": 10, "step": 3},
            {"type": "rating", "name": "stars", "label": "stars"},
            {"type": "datetime", "name": "dt", "label": "dt", "min": "2026-03-01"},
            {"type": "datetime", "name": "dt_today", "label": "dt_today", "max": "today"},
            {"type": "geopoint", "name": "gp", "label": "gp", "max_accuracy": 10},
            {"type": "acknowledge", "name": "ack", "label": "ack"},
            {"type": "text", "name": "code6", "label": "code6", "pattern": "[0-9]{6}"},
            {"type": "select_multiple", "name": "sm", "label": "sm", "choices": "abn"},
            {"type": "rank", "name": "rk", "label": "rk", "choices": "abc"}
        ]),
        json!({
            "abc": [{"name": "a", "label": "A"}, {"name": "b", "label": "B"}, {"name": "c", "label": "C"}],
            "abn": [{"name": "a", "label": "A"}, {"name": "b", "label": "B"},
                    {"name": "n", "label": {"zh": "都不", "en": "None"}, "exclusive": true}]
        }),
    );
    let range = |min: &str, max: &str| json!({"min": min, "max": max});
    let geo_bad = || vec![("gp", "geopoint", json!({}))];
    let table: Vec<ResponseCase> = vec![
        ("complete", json!({"one": "a", "lk": "c"}), vec![]),
        (
            "complete",
            json!({"one": 3}),
            vec![("one", "type", json!({"expected": "choice", "value": "3"}))],
        ),
        (
            "complete",
            json!({"lk": ["a"]}),
            vec![("lk", "type", json!({"expected": "choice", "value": "[\"a\"]"}))],
        ),
        (
            "complete",
            json!({"one": "z"}),
            vec![("one", "choice", json!({"value": "z", "reason": "unknown"}))],
        ),
        ("complete", json!({"rg": 1}), vec![]),
        ("complete", json!({"rg": 3}), vec![]),
        ("complete", json!({"rg": 9}), vec![]),
        ("complete", json!({"rg": 4}), vec![("rg", "range", json!({"min": "1", "step": "2"}))]),
        ("complete", json!({"rg": 11}), vec![("rg", "range", range("1", "9"))]),
        ("complete", json!({"rg": -1}), vec![("rg", "range", range("1", "9"))]),
        (
            "complete",
            json!({"rg": "x"}),
            vec![("rg", "type", json!({"expected": "number", "value": "x"}))],
        ),
        ("complete", json!({"thirds": 4}), vec![]),
        ("complete", json!({"thirds": 10}), vec![]),
        (
            "complete",
            json!({"thirds": 3}),
            vec![("thirds", "range", json!({"min": "1", "step": "3"}))],
        ),
        ("complete", json!({"half": 2.5}), vec![]),
        ("complete", json!({"half": 0}), vec![]),
        (
            "complete",
            json!({"half": 1.25}),
            vec![("half", "range", json!({"min": "0", "step": "0.5"}))],
        ),
        ("complete", json!({"stars": 5}), vec![]),
        ("complete", json!({"stars": 6}), vec![("stars", "range", json!({"min": 1, "max": 5}))]),
        ("complete", json!({"stars": 2.5}), vec![("stars", "range", json!({"min": 1, "max": 5}))]),
        (
            "complete",
            json!({"stars": true}),
            vec![("stars", "type", json!({"expected": "number", "value": "true"}))],
        ),
        ("complete", json!({"dt": "2026-03-01T00:00:00+08:00"}), vec![]),
        (
            "complete",
            json!({"dt": "2026-02-28T23:59:00+08:00"}),
            vec![("dt", "range", json!({"min": "2026-03-01 00:00"}))],
        ),
        (
            "complete",
            json!({"dt": "x"}),
            vec![("dt", "type", json!({"expected": "datetime", "value": "x"}))],
        ),
        ("complete", json!({"dt_today": "2026-07-01T00:00:00+08:00"}), vec![]),
        (
            "complete",
            json!({"dt_today": "2026-07-01T00:01:00+08:00"}),
            vec![("dt_today", "range", json!({"max": "2026-07-01"}))],
        ),
        ("complete", json!({"gp": "-90 -180"}), vec![]),
        ("complete", json!({"gp": "90 180 0 10"}), vec![]),
        ("complete", json!({"gp": {"lat": 30, "lon": 120, "accuracy": 0}}), vec![]),
        ("complete", json!({"gp": "90.5 120"}), geo_bad()),
        ("complete", json!({"gp": "-90.5 120"}), geo_bad()),
        ("complete", json!({"gp": "30 180.5"}), geo_bad()),
        ("complete", json!({"gp": "30 -180.5"}), geo_bad()),
        ("complete", json!({"gp": "30 120 0 -1"}), geo_bad()),
        ("complete", json!({"gp": "30 120 0 NaN"}), geo_bad()),
        (
            "complete",
            json!({"gp": "30 120 0 10.5"}),
            vec![(
                "gp",
                "geopoint",
                json!({"reason": "accuracy", "accuracy": "10.5", "max_accuracy": "10"}),
            )],
        ),
        (
            "complete",
            json!({"gp": 5}),
            vec![("gp", "type", json!({"expected": "geopoint", "value": "5"}))],
        ),
        ("complete", json!({"ack": true}), vec![]),
        (
            "complete",
            json!({"ack": "no"}),
            vec![("ack", "type", json!({"expected": "acknowledge", "value": "no"}))],
        ),
        ("complete", json!({"code6": "123456"}), vec![]),
        ("complete", json!({"code6": "12345"}), vec![("code6", "pattern", json!({}))]),
        ("complete", json!({"sm": ["a", "b"]}), vec![]),
        ("complete", json!({"sm": ["n"]}), vec![]),
        (
            "complete",
            json!({"sm": ["a", "a"]}),
            vec![("sm", "choice", json!({"value": "a", "reason": "duplicate"}))],
        ),
        (
            "complete",
            json!({"sm": ["a", "n"]}),
            vec![(
                "sm",
                "exclusive",
                json!({"choice": "n", "label_zh": "都不", "label_en": "None"}),
            )],
        ),
        ("complete", json!({"rk": ["c", "a", "b"]}), vec![]),
        ("complete", json!({"rk": ["a", "b"]}), vec![("rk", "rank", json!({}))]),
        (
            "complete",
            json!({"rk": ["a", "b", "z"]}),
            vec![
                ("rk", "choice", json!({"value": "z", "reason": "unknown"})),
                ("rk", "rank", json!({})),
            ],
        ),
        (
            "complete",
            json!({"rk": ["a", "b", "c", "a"]}),
            vec![
                ("rk", "choice", json!({"value": "a", "reason": "duplicate"})),
                ("rk", "rank", json!({})),
            ],
        ),
        (
            "complete",
            json!({"rk": "a"}),
            vec![("rk", "type", json!({"expected": "choices", "value": "a"}))],
        ),
    ];
    let wrong = wrong_verdicts(&f, table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A repeat's rows against `repeat_count` (exactly that many in a complete response; no
/// more in a draft; a count that is not a number, or negative, sets no bound) and against
/// `min_rows` (only a complete response needs them).
#[test]
fn a_repeats_rows_against_its_count_and_its_minimum() {
    let f = form(
        json!([
            {"type": "integer", "name": "k", "label": "k"},
            {"type": "repeat", "name": "rc", "label": "rc", "repeat_count": "${k}",
             "items": [{"type": "text", "name": "rc_t", "label": "rc_t"}]}
        ]),
        json!({}),
    );
    let at_least_two = form(
        json!([{"type": "repeat", "name": "mr", "label": "mr", "min_rows": 2,
                "items": [{"type": "text", "name": "mr_t", "label": "mr_t"}]}]),
        json!({}),
    );
    let rows = |n: usize| Value::Array(vec![json!({"rc_t": "x"}); n]);
    let two = || json!({"of": "rows", "min": 2, "max": 2});
    let table: Vec<ResponseCase> = vec![
        ("complete", json!({"k": 2, "rc": rows(2)}), vec![]),
        ("complete", json!({"k": 2, "rc": rows(3)}), vec![("rc", "count", two())]),
        ("complete", json!({"k": 2, "rc": rows(1)}), vec![("rc", "count", two())]),
        ("draft", json!({"k": 2, "rc": rows(1)}), vec![]),
        ("draft", json!({"k": 2, "rc": rows(3)}), vec![("rc", "count", two())]),
        ("complete", json!({"k": 0}), vec![]),
        (
            "complete",
            json!({"k": 0, "rc": rows(1)}),
            vec![("rc", "count", json!({"of": "rows", "min": 0, "max": 0}))],
        ),
        ("complete", json!({"k": -1, "rc": rows(3)}), vec![]),
        ("complete", json!({"rc": rows(3)}), vec![]),
    ];
    let mut wrong = wrong_verdicts(&f, table);
    let table: Vec<ResponseCase> = vec![
        ("complete", json!({"mr": [{}, {}]}), vec![]),
        ("complete", json!({"mr": [{}]}), vec![("mr", "count", json!({"of": "rows", "min": 2}))]),
        ("draft", json!({"mr": [{}]}), vec![]),
        ("draft", json!({"mr": [{}, {}, {}]}), vec![]),
    ];
    wrong.extend(wrong_verdicts(&at_least_two, table));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A cascade that repeats a name (one village name in two townships): the name may be
/// chosen wherever any choice of that name is offered, and nowhere else, and a filtered
/// choice is named by its label.
#[test]
fn a_name_a_cascade_repeats_is_allowed_where_any_of_its_choices_is_offered() {
    let f = form(
        json!([
            {"type": "select_one", "name": "town", "label": "town", "choices": "town"},
            {"type": "select_one", "name": "vil", "label": "vil", "choices": "village",
             "choice_filter": "town = ${town}"}
        ]),
        json!({
            "town": [{"name": "t1", "label": "一镇"}, {"name": "t2", "label": "二镇"}],
            "village": [
                {"name": "v1", "label": "东村", "attributes": {"town": "t1"}},
                {"name": "v1", "label": "东村", "attributes": {"town": "t2"}},
                {"name": "v2", "label": {"zh": "西村", "en": "West"}, "attributes": {"town": "t1"}}
            ]
        }),
    );
    let filtered =
        || json!({"value": "v2", "reason": "filtered", "label_zh": "西村", "label_en": "West"});
    let table: Vec<ResponseCase> = vec![
        ("complete", json!({"town": "t1", "vil": "v1"}), vec![]),
        ("complete", json!({"town": "t2", "vil": "v1"}), vec![]),
        ("complete", json!({"town": "t1", "vil": "v2"}), vec![]),
        ("complete", json!({"town": "t2", "vil": "v2"}), vec![("vil", "choice", filtered())]),
        (
            "complete",
            json!({"town": "t2", "vil": "v9"}),
            vec![("vil", "choice", json!({"value": "v9", "reason": "unknown"}))],
        ),
    ];
    let wrong = wrong_verdicts(&f, table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// What a report holds besides its problems: each problem's location as data (the field
/// and its rows, none for the response as a whole); a response for another version of
/// the questionnaire; a wrongly typed answer kept as given in `answers`.
#[test]
fn a_report_locates_its_problems_and_keeps_what_was_given() {
    let f = household();
    let a = valid_answers_with(|a| {
        a["member"][2]["m_away"] = json!("maybe");
        a["hh_size"] = json!("三");
    });
    let mut r = respond("complete", a);
    r.questionnaire.version = "2".into();
    let report = f.validate(&r, &Options::default());
    let located: Vec<(String, &str, Option<String>, Vec<u32>)> = report
        .problems
        .iter()
        .map(|p| {
            let field = p.loc.as_ref().map(|l| f.field(l.field).name.clone());
            let rows = p.loc.as_ref().map(|l| l.rows.clone()).unwrap_or_default();
            (p.path.clone(), p.code.as_str(), field, rows)
        })
        .collect();
    assert_eq!(
        located,
        vec![
            (String::new(), "questionnaire_mismatch", None, vec![]),
            ("hh_size".to_owned(), "type", Some("hh_size".to_owned()), vec![]),
            ("member[2].m_away".to_owned(), "choice", Some("m_away".to_owned()), vec![2]),
        ]
    );
    assert_eq!(
        serde_json::to_value(&report.problems[0].params).unwrap(),
        json!({"found": "t@2", "expected": "t@1"})
    );
    assert!(!report.is_valid());
    assert_eq!(report.answers["hh_size"], json!("三"), "a wrong answer is kept as given");
}

/// What the form app shows for a response: each item's relevance and each calculated
/// value by path, a value of an item not relevant empty; and the problems as every
/// output writes them, one view per problem.
#[test]
fn evaluation_and_views_say_what_the_form_app_shows() {
    let f = household();
    let a = valid_answers_with(|a| a["member"][2]["m_away"] = json!("maybe"));
    let r = respond("complete", a);
    let seen = f.evaluate(&r, &Options::default());
    assert!(seen.relevant["member[0].m_where"]);
    assert!(!seen.relevant["member[1].m_where"]);
    assert!(seen.relevant["county"]);
    assert_eq!(seen.values["member[2].m_age"], json!(9));
    assert_eq!(seen.values["n_away"], json!(1));
    assert!(!seen.values.contains_key("county"), "answers are not calculated values");
    let report = f.validate(&r, &Options::default());
    let views: Vec<(String, Option<String>, Vec<u32>, String)> =
        report.views(&f, "en").into_iter().map(|v| (v.path, v.field, v.rows, v.message)).collect();
    assert_eq!(views.len(), 1, "{views:?}");
    assert_eq!(views[0].0, "member[2].m_away");
    assert_eq!(views[0].1.as_deref(), Some("m_away"));
    assert_eq!(views[0].2, vec![2]);
    assert!(!views[0].3.is_empty());
}

/// An attachment answer as the app writes it.
fn file(name: &str, seed: char, size: u64, media_type: &str) -> Value {
    json!({"file": name, "sha256": seed.to_string().repeat(64), "size": size, "media_type": media_type})
}

/// Attachment questions: the answer object read strictly (`attachment.format`), the 10
/// MiB limit inclusive, media types by kind and `accept` (types, `type/*`, extensions),
/// one content per file name across the response, repeats included, and an expression
/// reading the answer as its file name.
#[test]
fn attachment_answers_and_their_problems() {
    let f = form(
        json!([
            {"type": "image", "name": "photo", "label": "photo"},
            {"type": "signature", "name": "sig", "label": "sig", "required": true},
            {"type": "file", "name": "doc", "label": "doc", "accept": ["application/pdf", ".docx"]},
            {"type": "audio", "name": "voice", "label": "voice"},
            {"type": "note", "name": "seen", "label": "seen", "relevant": "${photo} != ''"},
            {"type": "text", "name": "why", "label": "why", "relevant": "${photo} = 'a.jpg'"},
            {"type": "repeat", "name": "page", "label": "page", "items": [
                {"type": "draw", "name": "sketch", "label": "sketch"}
            ]}
        ]),
        json!({}),
    );
    let max = 10 * 1024 * 1024;
    let sig = || file("s.png", 'e', 10, "image/png");
    let table: Vec<ResponseCase> = vec![
        ("complete", json!({"sig": sig(), "photo": file("a.jpg", 'a', max, "image/jpeg")}), vec![]),
        ("complete", json!({}), vec![("sig", "required", json!({}))]),
        (
            "complete",
            json!({"sig": sig(), "photo": file("a.jpg", 'a', max + 1, "image/jpeg")}),
            vec![(
                "photo",
                "attachment.too_large",
                json!({"file": "a.jpg", "size": max + 1, "max": max}),
            )],
        ),
        (
            "complete",
            json!({"sig": sig(), "photo": file("a.gif", 'a', 5, "image/gif")}),
            vec![(
                "photo",
                "attachment.media_type",
                json!({"file": "a.gif", "media_type": "image/gif",
                       "accept": "image/jpeg, image/png, image/webp"}),
            )],
        ),
        (
            "complete",
            json!({"sig": sig(), "doc": file("r.pdf", 'b', 5, "application/pdf")}),
            vec![],
        ),
        (
            "complete",
            json!({"sig": sig(), "doc": file("r.DOCX", 'b', 5, "application/zip")}),
            vec![],
        ),
        (
            "complete",
            json!({"sig": sig(), "doc": file("r.txt", 'b', 5, "text/plain")}),
            vec![(
                "doc",
                "attachment.media_type",
                json!({"file": "r.txt", "media_type": "text/plain", "accept": "application/pdf, .docx"}),
            )],
        ),
        ("complete", json!({"sig": sig(), "voice": file("v.ogg", 'c', 5, "audio/ogg")}), vec![]),
        (
            "complete",
            json!({"sig": sig(), "voice": file("v.mp4", 'c', 5, "video/mp4")}),
            vec![(
                "voice",
                "attachment.media_type",
                json!({"file": "v.mp4", "media_type": "video/mp4", "accept": "audio/*"}),
            )],
        ),
        (
            "complete",
            json!({"sig": {"file": "../s.png", "sha256": "e".repeat(64), "size": 1, "media_type": "image/png"}}),
            vec![(
                "sig",
                "attachment.format",
                json!({"value": format!("{{\"file\":\"../s.png\",\"media_type\":\"image/png\",\"sha256\":\"{}…", "e".repeat(46))}),
            )],
        ),
        (
            "complete",
            json!({"sig": "s.png"}),
            vec![("sig", "attachment.format", json!({"value": "s.png"}))],
        ),
        // The same name twice: the same bytes are fine, other bytes are a problem.
        ("complete", json!({"sig": sig(), "page": [{"sketch": sig()}]}), vec![]),
        (
            "complete",
            json!({"sig": sig(), "page": [{"sketch": file("s.png", 'f', 10, "image/png")}]}),
            vec![("page[0].sketch", "attachment.duplicate_name", json!({"file": "s.png"}))],
        ),
        // An empty answer is no answer.
        ("draft", json!({"photo": "", "sig": null}), vec![]),
    ];
    let wrong = wrong_verdicts(&f, table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // More than 50 files in one response.
    let pages: Vec<Value> = (0..51)
        .map(|i| json!({"sketch": file(&format!("p{i}.png"), 'd', 1, "image/png")}))
        .collect();
    let report =
        f.validate(&respond("complete", json!({"sig": sig(), "page": pages})), &Options::default());
    let codes: Vec<&str> = report.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["attachment.too_many"]);
    assert_eq!(report.problems[0].params["count"], 52);

    // In expressions the answer is its file name.
    let r = f.evaluate(
        &respond("draft", json!({"photo": file("a.jpg", 'a', 1, "image/jpeg")})),
        &Options::default(),
    );
    assert_eq!((r.relevant["seen"], r.relevant["why"]), (true, true), "{r:?}");
    let r = f.evaluate(&respond("draft", json!({})), &Options::default());
    assert_eq!((r.relevant["seen"], r.relevant["why"]), (false, false), "{r:?}");

    // The files a response names, each with where.
    let answers = json!({"sig": sig(), "page": [{"sketch": file("k.png", 'd', 3, "image/png")}, {"sketch": sig()}]});
    let named = tianye_core::response::attachment::attachments(&f, answers.as_object().unwrap());
    let got: Vec<(&str, &str)> =
        named.iter().map(|n| (n.path.as_str(), n.attachment.file.as_str())).collect();
    assert_eq!(got, [("page[0].sketch", "k.png"), ("page[1].sketch", "s.png"), ("sig", "s.png")]);
    let expected =
        tianye_core::response::attachment::expected_files(&f, answers.as_object().unwrap());
    let names: Vec<&str> = expected.iter().map(|a| a.file.as_str()).collect();
    assert_eq!(names, ["k.png", "s.png"]);
}

/// An encrypted questionnaire keeps its attachment questions: their files are sealed
/// with the response (`ENCRYPTION.md`), and an answer naming a file validates as it
/// does without a key.
#[test]
fn an_encrypted_questionnaire_has_attachment_questions() {
    let key = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/seal/test-public.pem"),
    )
    .expect("the seal fixture's public key");
    let q = json!({"id": "t", "version": "1", "title": "t",
        "encryption": {"public_key": key},
        "items": [{"type": "image", "name": "photo", "label": "photo", "required": true}]});
    let form = Form::from_json(&q.to_string()).expect("an encrypted form with a photo");
    assert!(form.warnings().is_empty(), "{:?}", form.warnings());
    let answer = json!({"file": "photo-1.jpg", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size": 10, "media_type": "image/jpeg"});
    for (answers, valid) in [(json!({"photo": answer}), true), (json!({}), false)] {
        let response = tianye_core::Response::from_json(
            &json!({"instance_id": "00000000-0000-4000-8000-000000000001",
                "questionnaire": {"id": "t", "version": "1"}, "status": "complete",
                "answers": answers, "meta": {}})
            .to_string(),
        )
        .unwrap();
        let report = form.validate(&response, &tianye_core::Options::default());
        assert_eq!(report.is_valid(), valid, "{answers}: {:?}", report.problems);
    }
}

/// A datetime bound written without an offset is a time where the response was made
/// (here +08:00), as `today` and `now` are: 08:00 written bare is 00:00 UTC, so an answer
/// at 08:00+08:00 or 00:30Z is within it and 07:59+08:00 is not.
#[test]
fn a_datetime_bound_without_an_offset_is_in_the_responses_offset() {
    let f = form(
        json!([{"type": "datetime", "name": "at", "label": "at", "min": "2026-03-01T08:00:00"}]),
        json!({}),
    );
    let early = || vec![("at", "range", json!({"min": "2026-03-01 08:00"}))];
    let table: Vec<ResponseCase> = vec![
        ("complete", json!({"at": "2026-03-01T08:00:00+08:00"}), vec![]),
        ("complete", json!({"at": "2026-03-01T00:30:00Z"}), vec![]),
        ("complete", json!({"at": "2026-03-01T07:59:00+08:00"}), early()),
        ("complete", json!({"at": "2026-02-28T23:59:00Z"}), early()),
    ];
    let wrong = wrong_verdicts(&f, table);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Repeats nest as deep as the format allows (`MAX_REPEAT_DEPTH`, eight): a row at the
/// deepest level is validated and its calculations run, reading its own row, its
/// position and the outermost answers.
#[test]
fn the_deepest_row_the_format_allows_is_checked_and_calculated() {
    let depth = tianye_core::form::MAX_REPEAT_DEPTH;
    let mut items = json!([
        {"type": "integer", "name": "x", "label": "x", "max": 5},
        {"type": "calculate", "name": "c", "calculation": "${x} + ${top} + position(..)"}
    ]);
    for level in (1..=depth).rev() {
        items =
            json!([{"type": "repeat", "name": format!("r{level}"), "label": "r", "items": items}]);
    }
    let mut all = vec![json!({"type": "integer", "name": "top", "label": "t"})];
    all.extend(items.as_array().unwrap().iter().cloned());
    let f = form(Value::Array(all), json!({}));
    let mut row = json!({"x": 6});
    let mut path = String::new();
    for level in (1..=depth).rev() {
        let name = format!("r{level}");
        row = json!({ name: [{}, row] });
        path = if path.is_empty() { format!("r{level}[1]") } else { format!("r{level}[1].{path}") };
    }
    let mut answers = row;
    answers["top"] = json!(10);
    let report = f.validate(&respond("complete", answers), &Options::default());
    assert_eq!(report.values[&format!("{path}.c")], json!(18), "{:?}", report.values);
    let problems: Vec<(String, &str)> =
        report.problems.iter().map(|p| (p.path.clone(), p.code.as_str())).collect();
    assert_eq!(problems, vec![(format!("{path}.x"), "range")]);
}

/// A questionnaire's message written without languages stays one text, its references
/// filled in; one written per language keeps its languages.
#[test]
fn a_custom_message_keeps_the_shape_it_was_written_in() {
    use tianye_core::Text;
    let f = form(
        json!([
            {"type": "integer", "name": "n", "label": "n",
             "constraints": [{"expr": ". < 3", "message": "${n} 太多 / too many"}]},
            {"type": "integer", "name": "k", "label": "k",
             "constraints": [{"expr": ". < 3", "message": {"zh": "${k} 太多", "en": "${k} too many"}}]}
        ]),
        json!({}),
    );
    let report = f.validate(&respond("complete", json!({"n": 4, "k": 5})), &Options::default());
    let messages: Vec<Option<Text>> =
        report.problems.iter().map(|p| p.custom_message.clone()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0], Some(Text::Plain("4 太多 / too many".to_owned())));
    match &messages[1] {
        Some(Text::PerLanguage(texts)) => {
            assert_eq!(texts.get("zh"), Some("5 太多"));
            assert_eq!(texts.get("en"), Some("5 too many"));
        }
        other => panic!("per language: {other:?}"),
    }
}
