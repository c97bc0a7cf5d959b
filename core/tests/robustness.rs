//! Hostile input never panics the engine: questionnaires and responses broken at random
//! (a key dropped, a value replaced by any JSON, the text cut short), and edits at any
//! place, get an error or a verdict. The inputs start from the bundled questionnaires
//! and their example responses, so the mutations reach deep into real structures.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tianye_core::expr::DateTime;
use tianye_core::response::Meta;
use tianye_core::{Form, Loc, Options, Response, Session, Status};

/// The bundled questionnaires (the screening register's villages come from a file, which
/// only a build that reads files can load).
#[cfg(feature = "choice-files")]
const FORMS: [&str; 3] = ["lbc_household", "lbc_quarterly_screening", "lbc_record_card"];
#[cfg(not(feature = "choice-files"))]
const FORMS: [&str; 2] = ["lbc_household", "lbc_record_card"];

fn now() -> DateTime {
    DateTime::parse("2026-07-01T10:00:00+08:00").unwrap()
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn questionnaire_dir(id: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../questionnaires").join(id)
}

/// The bundled questionnaire `id`'s `form.json` text, its choice files written in as the
/// server serves it.
fn form_text(id: &str) -> String {
    let path = questionnaire_dir(id).join("form.json");
    let text = read(&path);
    #[cfg(feature = "choice-files")]
    {
        let mut q = tianye_core::Questionnaire::from_json(&text).unwrap();
        if !q.choice_files.is_empty() {
            let errors = q.load_choice_files(tianye_core::choice_file::reader_beside(&path));
            assert!(errors.is_empty(), "{errors:?}");
            return serde_json::to_string(&q.with_files_inlined()).unwrap();
        }
    }
    text
}

/// The responses of the bundled questionnaire `id`'s example cases, as JSON.
fn example_responses(id: &str) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(questionnaire_dir(id).join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| serde_json::from_str::<Value>(&read(p)).unwrap()["response"].clone())
        .collect()
}

/// Any JSON value, with strings that look like the format's words and expressions.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            any::<f64>(),
            Just(0.5),
            Just(-1.0),
            Just(1e308),
            Just(-0.0),
            Just(f64::MAX),
            Just(f64::from(u32::MAX) + 1.0),
        ]
        .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just(String::new()),
            Just("text".to_owned()),
            Just("select_one".to_owned()),
            Just("repeat".to_owned()),
            Just("group".to_owned()),
            Just("integer".to_owned()),
            Just("${hh_size}".to_owned()),
            Just("${member}".to_owned()),
            Just(". > 0 and . < 1".to_owned()),
            Just("count(${member}[${m_age} < 16])".to_owned()),
            Just("2026-13-45".to_owned()),
            Just("1999-01-01".to_owned()),
            Just("yes".to_owned()),
            "[a-z_${}().,'= ]{0,24}",
            "\\PC{0,12}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("type".to_owned()),
                        Just("name".to_owned()),
                        Just("label".to_owned()),
                        Just("items".to_owned()),
                        Just("choices".to_owned()),
                        Just("relevant".to_owned()),
                        Just("zh".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                ),
                0..5
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to a JSON document, at the place `at` picks among its nodes.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the node with this value.
    Replace(Value),
    /// Drop the node from its object or array.
    Remove,
    /// Put this value after the node in its array, or beside it under this key.
    Insert(String, Value),
    /// Copy the node's value over a sibling's (two items of one name, one list twice).
    Duplicate,
}

fn mutation() -> impl Strategy<Value = (usize, Mutation)> {
    (
        any::<usize>(),
        prop_oneof![
            any_json().prop_map(Mutation::Replace),
            Just(Mutation::Remove),
            ("[a-z_]{1,10}", any_json()).prop_map(|(k, v)| Mutation::Insert(k, v)),
            Just(Mutation::Duplicate),
        ],
    )
}

/// The number of nodes in `v` (itself included).
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// Applies `m` at the `at`-th node (pre-order) of `v`, the root excepted; returns
/// whether it found the node.
fn apply(v: &mut Value, at: &mut usize, m: &Mutation) -> bool {
    match v {
        Value::Array(items) => {
            for i in 0..items.len() {
                if *at == 0 {
                    match m {
                        Mutation::Replace(x) => items[i] = x.clone(),
                        Mutation::Remove => drop(items.remove(i)),
                        Mutation::Insert(_, x) => items.insert(i + 1, x.clone()),
                        Mutation::Duplicate => items.insert(i, items[i].clone()),
                    }
                    return true;
                }
                *at -= 1;
                if apply(&mut items[i], at, m) {
                    return true;
                }
            }
            false
        }
        Value::Object(fields) => {
            let keys: Vec<String> = fields.keys().cloned().collect();
            for (i, key) in keys.iter().enumerate() {
                if *at == 0 {
                    match m {
                        Mutation::Replace(x) => drop(fields.insert(key.clone(), x.clone())),
                        Mutation::Remove => drop(fields.remove(key)),
                        Mutation::Insert(k, x) => drop(fields.insert(k.clone(), x.clone())),
                        Mutation::Duplicate => {
                            let other = &keys[(i + 1) % keys.len()];
                            let value = fields[key].clone();
                            fields.insert(other.clone(), value);
                        }
                    }
                    return true;
                }
                *at -= 1;
                if apply(fields.get_mut(key).expect("key"), at, m) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

fn mutate(mut v: Value, mutations: &[(usize, Mutation)]) -> Value {
    for (at, m) in mutations {
        let nodes = count(&v).saturating_sub(1);
        if nodes > 0 {
            apply(&mut v, &mut (at % nodes), m);
        }
    }
    v
}

/// Everything a loaded questionnaire offers a response, run on `response` (any JSON),
/// read as the server and the CLI read an uploaded file.
fn exercise(form: &Arc<Form>, response: &Value) {
    let read = Response::from_json(&response.to_string());
    if let Err(e) = &read {
        assert!(!e.to_string().is_empty(), "an error without words for {response}");
    }
    if let Ok(response) = read {
        let options = Options { now: Some(now()), lang: String::new() };
        let report = form.validate(&response, &options);
        for p in &report.problems {
            let _ = (p.message("zh"), p.message("en"));
        }
        let _ = form.evaluate(&response, &options);
        let mut session =
            Session::open(Arc::clone(form), &response.answers, Meta::default(), now());
        let _ = session.report(Status::Complete);
        let _ = session.answers();
        // Every place a field is, in the first two rows of each repeat.
        let ids: Vec<_> = form.fields().map(|(id, _)| id).collect();
        for &id in &ids {
            for rows in [vec![], vec![0], vec![1], vec![0, 0], vec![7, 3]] {
                let loc = Loc::new(id, rows);
                let _ = (session.is_relevant(&loc), session.answer(&loc), session.path(&loc));
                let _ = (session.label(&loc, "zh"), session.hint(&loc, "en"));
                let _ = (session.choices(&loc), session.is_required(&loc), session.row_count(&loc));
                let _ = session.problems_at(&loc, Status::Complete);
                let _ = session.add_row(&loc);
                let _ = session.set_answer(&loc, &json!("1"));
                let _ = session.remove_row(&loc, 0);
            }
        }
        let _ = session.report(Status::Draft);
    }
}

/// `text` cut to `cut` characters (modulo its length) with the characters `garble`
/// names put in.
fn garbled(text: &str, cut: usize, garble: &[(usize, char)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars.truncate(cut % (chars.len() + 1));
    let n = chars.len();
    for &(at, c) in garble {
        if n > 0 {
            chars[at % n] = c;
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// A questionnaire broken at random loads or is refused with diagnostics; one that
    /// loads validates and edits responses without a panic.
    #[test]
    fn a_questionnaire_broken_at_random_never_panics(
        which in 0..FORMS.len(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let original: Value = serde_json::from_str(&form_text(FORMS[which])).unwrap();
        let broken = mutate(original, &mutations);
        if let Ok(form) = Form::from_json(&broken.to_string()) {
            let form = Arc::new(form);
            if let Some(response) = example_responses(FORMS[which]).first() {
                exercise(&form, response);
            }
        }
    }

    /// A response broken at random (answers replaced by any JSON, rows dropped or
    /// doubled, keys added) validates, opens and edits without a panic.
    #[test]
    fn a_response_broken_at_random_never_panics(
        which in 0..FORMS.len(),
        case in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let form = Arc::new(Form::from_json(&form_text(FORMS[which])).unwrap());
        let responses = example_responses(FORMS[which]);
        let response = mutate(responses[case % responses.len()].clone(), &mutations);
        exercise(&form, &response);
    }

    /// A questionnaire's or a response's text cut short or with characters changed is
    /// refused with a diagnostic, never a panic.
    #[test]
    fn text_cut_or_garbled_never_panics(
        which in 0..FORMS.len(),
        cut in any::<usize>(),
        garble in prop::collection::vec((any::<usize>(), any::<char>()), 0..4),
    ) {
        let response = example_responses(FORMS[which]).swap_remove(0).to_string();
        for text in [form_text(FORMS[which]), response] {
            let text = garbled(&text, cut, &garble);
            if let Err(e) = Form::from_json(&text) {
                prop_assert!(!e.to_string().is_empty());
            }
            if let Err(e) = Response::from_json(&text) {
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}
