//! The incremental session against the batch engine: after any sequence of edits, the
//! session's verdict must equal validating its answers from scratch.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Value, json};
use tianye_core::expr::DateTime;
use tianye_core::response::{Meta, Status};
use tianye_core::schema::ItemType;
use tianye_core::{FieldId, Form, Loc, Options, Response, Session};

const NOW: &str = "2026-07-01T10:00:00+08:00";

fn now() -> DateTime {
    DateTime::parse(NOW).unwrap()
}

fn bundled(id: &str) -> Arc<Form> {
    let path = format!("{}/../questionnaires/{id}/form.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    // Its choice files, read from beside it as every loader does.
    #[cfg(feature = "choice-files")]
    let form = Form::from_json_with_files(
        &text,
        tianye_core::choice_file::reader_beside(std::path::Path::new(&path)),
    );
    #[cfg(not(feature = "choice-files"))]
    let form = Form::from_json(&text);
    Arc::new(form.unwrap())
}

/// A form exercising nested repeats, positions, aggregates across scopes, defaults,
/// counts and choice filters.
fn nested() -> Arc<Form> {
    let q = json!({
        "id": "nested", "version": "1", "title": "t",
        "items": [
            {"type": "integer", "name": "n", "label": "n", "min": 0, "max": 6},
            {"type": "select_one", "name": "region", "label": "r", "choices": "region"},
            {"type": "select_one", "name": "town", "label": "t", "choices": "town", "choice_filter": "region = ${region}"},
            {"type": "repeat", "name": "m", "label": "m", "repeat_count": "${n}", "row_label": "${m_name}", "items": [
                {"type": "text", "name": "m_name", "label": "name", "required": true},
                {"type": "integer", "name": "m_age", "label": "age", "default": "position(..) * 10",
                 "constraints": [{"expr": ". < 120"}]},
                {"type": "calculate", "name": "m_pos", "calculation": "position(..)"},
                {"type": "calculate", "name": "m_older", "calculation": "count(${m}[${m_age} > 30])"},
                {"type": "select_one", "name": "m_away", "label": "away", "choices": "yn",
                 "relevant": "${m_age} >= 16"},
                {"type": "group", "name": "m_g", "label": "g", "relevant": "${m_away} = 'yes'", "items": [
                    {"type": "text", "name": "m_where", "label": "where", "required": true}
                ]},
                {"type": "repeat", "name": "trip", "label": "trip", "relevant": "${m_away} = 'yes'", "items": [
                    {"type": "integer", "name": "t_days", "label": "days", "required": "${n} > 2"},
                    {"type": "calculate", "name": "t_share", "calculation": "${t_days} div sum(${t_days})"}
                ]},
                {"type": "calculate", "name": "m_days", "calculation": "sum(${t_days})"}
            ]},
            {"type": "calculate", "name": "total_days", "calculation": "sum(${t_days})"},
            {"type": "calculate", "name": "away", "calculation": "count(${m}[${m_away} = 'yes'])"},
            {"type": "note", "name": "summary", "label": "${away} away, ${total_days} days"},
            {"type": "text", "name": "why", "label": "why", "relevant": "${away} > 1 and ${total_days} > 10", "required": true},
            {"type": "select_multiple", "name": "help", "label": "help", "choices": "help", "max_selected": 2},
            {"type": "group", "name": "big", "label": "big", "relevant": "${n} > 3", "items": [
                {"type": "calculate", "name": "c_in", "calculation": "7"},
                {"type": "integer", "name": "big_q", "label": "q"}
            ]},
            {"type": "calculate", "name": "c_out", "calculation": "coalesce(${c_in}, 0) + coalesce(${big_q}, 0)"}
        ],
        "choice_lists": {
            "yn": [{"name": "yes", "label": "是"}, {"name": "no", "label": "否"}],
            "region": [{"name": "a", "label": "A"}, {"name": "b", "label": "B"}],
            "town": [{"name": "a1", "label": "A1", "attributes": {"region": "a"}},
                     {"name": "b1", "label": "B1", "attributes": {"region": "b"}}],
            "help": [{"name": "x", "label": "x"}, {"name": "y", "label": "y"}, {"name": "z", "label": "z", "exclusive": true}]
        }
    });
    Arc::new(Form::from_json(&q.to_string()).unwrap())
}

fn batch(form: &Form, session: &Session) -> tianye_core::Report {
    let response: Response = serde_json::from_value(json!({
        "instance_id": "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60",
        "questionnaire": {"id": form.questionnaire().id, "version": form.questionnaire().version},
        "status": "complete",
        "answers": session.answers(),
        "meta": {"submitted_at": NOW}
    }))
    .unwrap();
    form.validate(&response, &Options::default())
}

fn assert_same(form: &Form, session: &Session, after: &str) {
    let want = batch(form, session);
    let got = session.report(Status::Complete);
    assert_eq!(got.problems, want.problems, "problems differ after {after}");
    assert_eq!(got.values, want.values, "values differ after {after}");
    assert_eq!(got.cleared, want.cleared, "cleared differ after {after}");
}

/// Candidate answers for a field, valid and not.
fn pool(form: &Form, id: FieldId) -> Vec<Value> {
    let f = form.field(id);
    let mut out = vec![Value::Null];
    match f.kind {
        ItemType::Integer | ItemType::Decimal | ItemType::Range | ItemType::Rating => {
            out.extend([
                json!(0),
                json!(1),
                json!(2),
                json!(3),
                json!(9),
                json!(15),
                json!(16),
                json!(40),
                json!(130),
                json!("x"),
            ]);
        }
        ItemType::SelectOne | ItemType::Likert => {
            if let Some(list) = form.choices_of(id) {
                out.extend(list.choices.iter().map(|c| json!(c.name)));
            }
            out.push(json!("nope"));
        }
        ItemType::SelectMultiple | ItemType::Rank => {
            if let Some(list) = form.choices_of(id) {
                let names: Vec<&str> = list.choices.iter().map(|c| c.name.as_str()).collect();
                out.push(json!([names[0]]));
                out.push(json!(names.iter().take(3).collect::<Vec<_>>()));
                out.push(json!([names[names.len() - 1]]));
            }
            out.push(json!("notalist"));
        }
        ItemType::Date => out.extend([
            json!("2010-05-01"),
            json!("2020-01-31"),
            json!("1950-02-03"),
            json!("2027-01-01"),
            json!("bad"),
        ]),
        ItemType::Datetime => out.extend([json!("2026-06-30T08:00:00+08:00"), json!("x")]),
        ItemType::Time => out.extend([json!("08:30"), json!("25:00")]),
        ItemType::Phone => out.extend([json!("13812345678"), json!("12345")]),
        ItemType::IdNumber => {
            out.extend([json!("11010519491231002X"), json!("110105194912310021")]);
        }
        ItemType::Email => out.extend([json!("a@b.cn"), json!("nope")]),
        ItemType::Geopoint => out.extend([
            json!({"lat": 27.1, "lon": 111.2, "accuracy": 5}),
            json!({"lat": 95, "lon": 0}),
        ]),
        ItemType::Acknowledge => out.extend([json!("OK"), json!(true)]),
        _ => out.extend([json!("王芳"), json!("李"), json!("广东省东莞市"), json!(""), json!(12)]),
    }
    out
}

#[derive(Debug, Clone)]
enum Op {
    Set { field: usize, row: usize, value: usize },
    Add { field: usize, row: usize },
    Remove { field: usize, row: usize, index: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<usize>(), any::<usize>(), any::<usize>()).prop_map(|(field, row, value)| Op::Set { field, row, value }),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(field, row)| Op::Add { field, row }),
        1 => (any::<usize>(), any::<usize>(), any::<usize>()).prop_map(|(field, row, index)| Op::Remove { field, row, index }),
    ]
}

/// Every place the field can be, given the session's rows.
fn locations(session: &Session, id: FieldId) -> Vec<Loc> {
    let form = session.form();
    let f = form.field(id);
    let mut out = vec![Loc::top(id)];
    let chain = &form.scope(f.scope).chain;
    for scope in chain {
        let repeat = form.scope(*scope).repeat.unwrap();
        let mut next = Vec::new();
        for loc in &out {
            let holder = Loc::new(repeat, loc.rows.clone());
            for i in 0..session.row_count(&holder) {
                let mut rows = loc.rows.clone();
                rows.push(i);
                next.push(Loc::new(id, rows));
            }
        }
        out = next;
    }
    out
}

fn apply(session: &mut Session, op: &Op) -> String {
    let form = Arc::clone(session.form());
    let answerable: Vec<FieldId> = form
        .fields()
        .filter(|(id, f)| {
            (f.kind.is_question() || f.kind == ItemType::Hidden)
                && f.kind != ItemType::Matrix
                && !form.is_computed(*id)
                && f.row_scope.is_none()
        })
        .map(|(id, _)| id)
        .collect();
    let repeats: Vec<FieldId> =
        form.fields().filter(|(_, f)| f.row_scope.is_some()).map(|(id, _)| id).collect();
    match *op {
        Op::Set { field, row, value } => {
            let id = answerable[field % answerable.len()];
            let locs = locations(session, id);
            if locs.is_empty() {
                return "nothing".into();
            }
            let loc = &locs[row % locs.len()];
            let values = pool(&form, id);
            let v = &values[value % values.len()];
            session.set_answer(loc, v).unwrap();
            format!("set {} {:?} = {v}", form.field(id).name, loc.rows)
        }
        Op::Add { field, row } if !repeats.is_empty() => {
            let id = repeats[field % repeats.len()];
            let locs = locations(session, id);
            if locs.is_empty() {
                return "nothing".into();
            }
            let loc = &locs[row % locs.len()];
            let _ = session.add_row(loc);
            format!("add row to {} {:?}", form.field(id).name, loc.rows)
        }
        Op::Remove { field, row, index } if !repeats.is_empty() => {
            let id = repeats[field % repeats.len()];
            let locs = locations(session, id);
            if locs.is_empty() {
                return "nothing".into();
            }
            let loc = &locs[row % locs.len()];
            let n = session.row_count(loc);
            if n == 0 {
                return "nothing".into();
            }
            session.remove_row(loc, (index as u32) % n).unwrap();
            format!("remove row {} of {} {:?}", (index as u32) % n, form.field(id).name, loc.rows)
        }
        _ => "nothing".into(),
    }
}

fn run(form: Arc<Form>, ops: &[Op]) {
    let mut session = Session::start(Arc::clone(&form), Meta::default(), now());
    assert_same(&form, &session, "start");
    let mut log = Vec::new();
    for op in ops {
        log.push(apply(&mut session, op));
        assert_same(&form, &session, &log.join("; "));
    }
}

proptest! {
    // PROPTEST_CASES=1000 for a longer run; 48 in CI.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        .. ProptestConfig::default()
    })]

    #[test]
    fn nested_form_incremental_equals_batch(ops in proptest::collection::vec(op(), 1..40)) {
        run(nested(), &ops);
    }

    #[test]
    fn household_incremental_equals_batch(ops in proptest::collection::vec(op(), 1..60)) {
        run(bundled("lbc_household"), &ops);
    }

    #[test]
    fn record_card_incremental_equals_batch(ops in proptest::collection::vec(op(), 1..40)) {
        run(bundled("lbc_record_card"), &ops);
    }

    // Its villages come from a file.
    #[cfg(feature = "choice-files")]
    #[test]
    fn screening_incremental_equals_batch(ops in proptest::collection::vec(op(), 1..40)) {
        run(bundled("lbc_quarterly_screening"), &ops);
    }
}

#[test]
fn a_calculation_hidden_by_relevance_reads_as_empty_downstream() {
    let form = nested();
    let mut s = Session::start(Arc::clone(&form), Meta::default(), now());
    let n = Loc::top(form.lookup("n").unwrap());
    let c_out = Loc::top(form.lookup("c_out").unwrap());
    s.set_answer(&n, &json!(4)).unwrap();
    assert_eq!(s.text(&c_out), "7");
    s.set_answer(&n, &json!(1)).unwrap();
    assert_eq!(s.text(&c_out), "0", "c_in is not relevant: it reads as empty");
    assert_same(&form, &s, "n = 1");
}

#[test]
fn count_answers_drive_rows_and_excess_rows_with_answers_are_reported() {
    let form = nested();
    let mut s = Session::start(Arc::clone(&form), Meta::default(), now());
    let n = form.lookup("n").unwrap();
    let m = form.lookup("m").unwrap();
    let name = form.lookup("m_name").unwrap();
    let age = form.lookup("m_age").unwrap();
    s.set_answer(&Loc::top(n), &json!(3)).unwrap();
    assert_eq!(s.row_count(&Loc::top(m)), 3);
    // Defaults apply per new row, with the row's position.
    assert_eq!(s.answer(&Loc::new(age, vec![2])), json!(30));
    s.set_answer(&Loc::new(name, vec![2]), &json!("王芳")).unwrap();
    assert_eq!(s.row_label(&Loc::new(m, vec![2]), "zh").as_deref(), Some("王芳"));
    let changes = s.set_answer(&Loc::top(n), &json!(1)).unwrap();
    // The last row holds a name: nothing is removed, the app is told to ask.
    assert_eq!(s.row_count(&Loc::top(m)), 3);
    assert_eq!(changes.excess_rows.len(), 1);
    assert_eq!((changes.excess_rows[0].wanted, changes.excess_rows[0].present), (1, 3));
    // Once the user removes it, the empty row before it (only a default) goes too.
    s.remove_row(&Loc::top(m), 2).unwrap();
    assert_eq!(s.row_count(&Loc::top(m)), 1);
    // Raising the count again adds rows.
    s.set_answer(&Loc::top(n), &json!(2)).unwrap();
    assert_eq!(s.row_count(&Loc::top(m)), 2);
}

#[test]
fn labels_choices_and_changes() {
    let form = nested();
    let mut s = Session::start(Arc::clone(&form), Meta::default(), now());
    let region = form.lookup("region").unwrap();
    let town = form.lookup("town").unwrap();
    let names =
        |s: &Session| s.choices(&Loc::top(town)).iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&s), Vec::<String>::new());
    let changes = s.set_answer(&Loc::top(region), &json!("b")).unwrap();
    assert_eq!(names(&s), vec!["b1".to_owned()]);
    assert_eq!(changes.changes.len(), 1, "nothing reads region but the filter: {changes:?}");
    let n = form.lookup("n").unwrap();
    s.set_answer(&Loc::top(n), &json!(2)).unwrap();
    let away = form.lookup("m_away").unwrap();
    let summary = form.lookup("summary").unwrap();
    let changes = s.set_answer(&Loc::new(away, vec![1]), &json!("yes")).unwrap();
    assert!(changes.changes.iter().any(|c| c.field == form.lookup("away").unwrap()));
    assert_eq!(s.label(&Loc::top(summary), "zh"), "1 away, 0 days");
}

/// The enumerator's name given to the device (`meta.enumerator`, XLSForm's `username`)
/// fills the household questionnaire's enumerator question when a response starts, as
/// ODK Collect fills a `${username}` default; without one the question stays empty.
#[test]
fn the_device_s_user_name_fills_the_enumerator_question() {
    let form = bundled("lbc_household");
    let id = form.lookup("enumerator_name").expect("the enumerator question");
    let cases = [(Some("王小明"), json!("王小明")), (None, Value::Null)];
    for (name, want) in cases {
        let meta = Meta { enumerator: name.map(str::to_owned), ..Meta::default() };
        let s = Session::start(Arc::clone(&form), meta, now());
        assert_eq!(s.answer(&Loc::top(id)), want, "{name:?}");
    }
}

/// A problem carries its location as data: the session finds a field's problems by it,
/// and every output writes the field's name and rows beside the path, with the message
/// in both languages.
#[test]
fn problems_carry_their_location_and_one_output_shape() {
    let form = nested();
    let mut s = Session::start(Arc::clone(&form), Meta::default(), now());
    let [n, age, name] = ["n", "m_age", "m_name"].map(|f| form.lookup(f).unwrap());
    s.set_answer(&Loc::top(n), &json!(3)).unwrap();
    s.set_answer(&Loc::new(age, vec![1]), &json!(150)).unwrap();
    let report = s.report(Status::Complete);
    let constraint = report.problems.iter().find(|p| p.code.as_str() == "constraint").unwrap();
    assert_eq!(constraint.path, "m[1].m_age");
    assert_eq!(constraint.loc, Some(Loc::new(age, vec![1])));

    // Each row's problems are its own: row 1's age, every row's missing name.
    let at = |loc: Loc| s.problems_at(&loc, Status::Complete);
    assert_eq!(at(Loc::new(age, vec![1])).len(), 1);
    assert!(at(Loc::new(age, vec![0])).is_empty());
    for row in 0..3 {
        let here = at(Loc::new(name, vec![row]));
        assert_eq!(here.len(), 1, "row {row}: {here:?}");
        assert_eq!(here[0].path, format!("m[{row}].m_name"));
    }
    // Every problem with an answer has its location.
    assert!(report.problems.iter().all(|p| p.loc.is_some()), "{:?}", report.problems);

    let view = serde_json::to_value(constraint.view(&form, "en")).unwrap();
    assert_eq!(view["code"], "constraint");
    assert_eq!(view["path"], "m[1].m_age");
    assert_eq!(view["field"], "m_age");
    assert_eq!(view["rows"], json!([1]));
    assert_eq!(view["message"], view["message_en"]);
    assert_ne!(view["message_zh"], view["message_en"]);
    let both = constraint.view(&form, "zh/en");
    assert_eq!(both.message, format!("{} / {}", both.message_zh, both.message_en));
    let whole = tianye_core::Problem::new(tianye_core::Code::InstanceId, "").view(&form, "zh");
    let whole = serde_json::to_value(whole).unwrap();
    assert!(whole.get("field").is_none() && whole.get("rows").is_none(), "{whole}");
}

/// A cascade's filter is answered from an index of the list by the compared column
/// (`core/src/form/choice_index.rs`); what it offers must be what XPath's `=` gives
/// choice by choice: strings compared as strings, a number compared as numbers (`01`
/// and `1.0` equal 1), a choice without the column as `''`, and the rest of an `and`
/// still applied.
#[test]
fn an_indexed_cascade_offers_what_the_filter_says() {
    let choice = |name: &str, region: Option<&str>| match region {
        Some(r) => json!({"name": name, "label": name, "attributes": {"region": r}}),
        None => json!({"name": name, "label": name}),
    };
    let list = json!([
        choice("a1", Some("a")),
        choice("b1", Some("b")),
        choice("one", Some("1")),
        choice("zero_one", Some("01")),
        choice("one_point_oh", Some("1.0")),
        choice("b2", Some("b")),
        choice("nowhere", None),
    ]);
    let cases: [(&str, Value, &[&str]); 9] = [
        ("region = ${t}", json!("b"), &["b1", "b2"]),
        ("${t} = region", json!("b"), &["b1", "b2"]),
        ("region = ${t} and name != 'b2'", json!("b"), &["b1"]),
        ("name != 'b1' and region = ${t}", json!("b"), &["b2"]),
        ("name = ${t}", json!("a1"), &["a1"]),
        ("region = ${t}", json!("zz"), &[]),
        ("region = ${i}", json!(1), &["one", "zero_one", "one_point_oh"]),
        ("region = ''", Value::Null, &["nowhere"]),
        ("region = ${t} or name = 'a1'", json!("b"), &["a1", "b1", "b2"]),
    ];
    for (filter, answer, want) in cases {
        let q = json!({
            "id": "cascade", "version": "1", "title": "t",
            "items": [
                {"type": "text", "name": "t", "label": "t"},
                {"type": "integer", "name": "i", "label": "i"},
                {"type": "select_one", "name": "pick", "label": "p", "choices": "places",
                 "choice_filter": filter}
            ],
            "choice_lists": {"places": list}
        });
        // The form app's compile moves the lists rather than copying them: the same
        // choices are offered.
        let copied = Form::from_json(&q.to_string()).unwrap();
        let moved = Form::from_json_without_list_copy(&q.to_string()).unwrap();
        assert_eq!(copied.questionnaire().choice_lists.len(), 1);
        assert!(moved.questionnaire().choice_lists.is_empty());
        for form in [Arc::new(copied), Arc::new(moved)] {
            let mut s = Session::start(Arc::clone(&form), Meta::default(), now());
            let asked = if answer.is_number() { "i" } else { "t" };
            if !answer.is_null() {
                s.set_answer(&Loc::top(form.lookup(asked).unwrap()), &answer).unwrap();
            }
            let pick = Loc::top(form.lookup("pick").unwrap());
            let offered: Vec<&str> = s.choices(&pick).iter().map(|c| c.name.as_str()).collect();
            assert_eq!(offered, want, "{filter} with {answer}");
        }
    }
}
