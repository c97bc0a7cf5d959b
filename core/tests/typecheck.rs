//! The static checker, table-driven: each questionnaire fragment and the errors it must
//! give (code, item path, property, and the text under the span).

use serde_json::{Value, json};
use tianye_core::{Code, Form, Severity};

fn base_items(extra: Value) -> Value {
    let mut items = json!([
        {"type": "integer", "name": "age", "label": "年龄"},
        {"type": "date", "name": "dob", "label": "生日"},
        {"type": "select_one", "name": "sex", "label": "性别", "choices": "sex"},
        {"type": "select_multiple", "name": "help", "label": "帮助", "choices": "help"},
        {"type": "group", "name": "g", "label": "组", "items": [{"type": "text", "name": "in_group", "label": "x"}]},
        {"type": "repeat", "name": "member", "label": "成员", "items": [
            {"type": "integer", "name": "m_age", "label": "年龄"},
            {"type": "repeat", "name": "trip", "label": "外出", "items": [
                {"type": "integer", "name": "t_days", "label": "天数"}
            ]}
        ]},
        {"type": "repeat", "name": "visit", "label": "走访", "items": [
            {"type": "date", "name": "v_date", "label": "日期"}
        ]}
    ]);
    items.as_array_mut().unwrap().extend(extra.as_array().unwrap().iter().cloned());
    items
}

/// The errors for `extra` items added to the base questionnaire: (code, item,
/// property, spanned text).
fn errors(extra: Value) -> Vec<(Code, String, String, String)> {
    let q = json!({
        "id": "t", "version": "1", "title": "t", "items": base_items(extra),
        "choice_lists": {
            "sex": [{"name": "m", "label": "男"}, {"name": "f", "label": "女"}],
            "help": [{"name": "money", "label": "钱"}, {"name": "none", "label": "无", "exclusive": true}]
        }
    });
    match Form::from_json(&q.to_string()) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                let text = match (&d.source, d.span) {
                    (Some(s), Some(span)) => s[span.range()].to_owned(),
                    _ => String::new(),
                };
                (d.code, d.item, d.property.unwrap_or_default(), text)
            })
            .collect(),
    }
}

fn one(extra: Value) -> (Code, String, String, String) {
    let mut e = errors(extra.clone());
    assert_eq!(e.len(), 1, "{extra}: {e:?}");
    e.remove(0)
}

fn calc(expr: &str) -> Value {
    json!([{"type": "calculate", "name": "c", "calculation": expr}])
}

#[test]
fn the_base_questionnaire_is_clean() {
    assert_eq!(errors(json!([])), vec![]);
}

#[test]
fn valid_expressions_pass() {
    for expr in [
        "count(${member}[${m_age} < 16])",
        "sum(${m_age}) + max(${t_days})",
        "count(${trip}) + count(${member}[count(${trip}) > 0])",
        "int((today() - ${dob}) div 365.25)",
        "if(selected(${help}, 'money'), 1, 0)",
        "${sex} = 'f' and count-selected(${help}) > 0",
        "format-date(${dob}, '%Y年%n月')",
        "concat(${age}, '岁')",
        "join(', ', ${m_age})",
        "min(${age}, 3, 4)",
        "jr:choice-name(${sex}, '${sex}')",
        "regex(${in_group}, '^[\\u4e00-\\u9fa5]+$')",
        "id-sex('11010519491231002X')",
        "count(${member}[position() = 1])",
        "count(${member}[m_age < 16])",
        "count(${member}[./m_age >= 16 and m_age < 60])",
        "sum(${member}[m_age > 16]/m_age)",
        "max(${member}/m_age)",
        "count(${member}[count(trip[t_days > 3]) > 0])",
        "sum(${member}/trip/t_days)",
        "count(${member}[../age > m_age])",
        "sum(${m_age}[../m_age > 3])",
    ] {
        assert_eq!(errors(calc(expr)), vec![], "{expr}");
    }
}

#[test]
fn reference_errors() {
    assert_eq!(
        one(calc("${agee} + 1")),
        (Code::UnknownRef, "c".into(), "calculation".into(), "${agee}".into())
    );
    assert_eq!(
        one(calc("${m_age} + 1")),
        (Code::RepeatOutside, "c".into(), "calculation".into(), "${m_age}".into())
    );
    assert_eq!(one(calc("${member} + 1")).0, Code::ExprType);
    assert_eq!(one(calc("${g}")).0, Code::ExprType);
    assert_eq!(one(calc("count(${m_age}[. > ${t_days}])")).0, Code::RepeatOutside);
    // A field of another repeat, from inside a repeat.
    let inside = json!([{"type": "repeat", "name": "r2", "label": "r", "items": [
        {"type": "calculate", "name": "c2", "calculation": "${v_date}"}]}]);
    assert_eq!(
        one(inside),
        (Code::RepeatOutside, "r2/c2".into(), "calculation".into(), "${v_date}".into())
    );
}

#[test]
fn path_errors_name_the_parent_and_the_child() {
    let unknown = |expr: &str| {
        let q = json!({"id": "t", "version": "1", "title": "t", "items": base_items(calc(expr)),
            "choice_lists": {"sex": [{"name": "m", "label": "男"}], "help": [{"name": "money", "label": "钱"}]}});
        let e = Form::from_json(&q.to_string()).unwrap_err();
        let d = &e.diagnostics[0];
        (d.code, d.params["parent"].clone(), d.params["name"].clone())
    };
    assert_eq!(
        unknown("count(${member}[m_agee < 16])"),
        (Code::UnknownChild, json!("member"), json!("m_agee"))
    );
    assert_eq!(
        unknown("sum(${member}/income)"),
        (Code::UnknownChild, json!("member"), json!("income"))
    );
    assert_eq!(
        unknown("sum(${member}[m_age > 1]/t_days)"),
        (Code::UnknownChild, json!("member"), json!("t_days"))
    );
    assert_eq!(
        one(calc("count(${member}[m_agee < 16])")),
        (Code::UnknownChild, "c".into(), "calculation".into(), "m_agee".into())
    );
    assert_eq!(
        one(calc("sum(${member}/m_ag)")),
        (Code::UnknownChild, "c".into(), "calculation".into(), "${member}/m_ag".into())
    );
    // A set of rows or values where one value is needed.
    assert_eq!(one(calc("${member}/m_age + 1")).0, Code::RepeatOutside);
    assert_eq!(one(calc("${member}[m_age > 1]/m_age + 1")).0, Code::ExprType);
    assert_eq!(one(calc("count(${member}[trip > 1])")).0, Code::ExprType);
    // Types still checked at the end of a path.
    assert_eq!(one(calc("count(${member}[m_age + 'x' > 1])")).0, Code::ExprType);
    // Into a nested repeat after a [condition]: not supported, said so.
    assert_eq!(one(calc("sum(${member}[m_age > 1]/trip/t_days)")).0, Code::Unsupported);
}

#[test]
fn function_errors() {
    assert_eq!(
        one(calc("once('a')")),
        (Code::Unsupported, "c".into(), "calculation".into(), "once".into())
    );
    assert_eq!(one(calc("frobnicate(1)")).0, Code::UnknownFunction);
    assert_eq!(one(calc("if(1, 2)")), (Code::Arity, "c".into(), "calculation".into(), "if".into()));
    assert_eq!(one(calc("count(3)")).0, Code::ExprType);
    assert_eq!(one(calc("position(..)")).0, Code::NoContext);
    assert_eq!(one(calc("position()")).0, Code::NoContext);
    assert_eq!(one(calc("current()")).0, Code::NoContext, "current() is for answers being checked");
    assert_eq!(one(calc("regex(${in_group}, '[a-')")).0, Code::InvalidPattern);
}

#[test]
fn type_errors() {
    assert_eq!(
        one(calc("'abc' + 1")),
        (Code::ExprType, "c".into(), "calculation".into(), "'abc'".into())
    );
    assert_eq!(one(calc("${help} * 2")).0, Code::ExprType);
    assert_eq!(one(calc("selected(${age}, 'x')")).0, Code::ExprType);
}

/// The warnings for `extra` items added to the base questionnaire (which must load):
/// (code, item, spanned text).
fn warnings_of(extra: Value) -> Vec<(Code, String, String)> {
    let q = json!({"id": "t", "version": "1", "title": "t", "items": base_items(extra.clone()),
        "choice_lists": {"sex": [{"name": "m", "label": "男", "attributes": {"county": "a"}}], "help": [{"name": "money", "label": "钱"}]}});
    let form = Form::from_json(&q.to_string()).unwrap_or_else(|e| panic!("{extra}: {e}"));
    form.warnings()
        .iter()
        .map(|d| {
            let text = d.source.as_deref().zip(d.span).map(|(s, span)| s[span.range()].to_owned());
            (d.code, d.item.clone(), text.unwrap_or_default())
        })
        .collect()
}

#[test]
fn what_pyxform_passes_loads_with_a_warning_naming_it() {
    let w = |expr: &str| warnings_of(calc(expr));
    let one = |code: Code, text: &str| vec![(code, "c".to_owned(), text.to_owned())];
    assert_eq!(w("pulldata('fruits', 'name', 'id', ${age})"), one(Code::Unsupported, "pulldata"));
    assert_eq!(
        w("count(${member}[preceding-sibling::x])"),
        one(Code::Unsupported, "preceding-sibling::x")
    );
    assert_eq!(w("../ancestor::node()/age"), one(Code::Unsupported, "../ancestor::node()"));
    // A note reads as its value (empty unless given one), as in ODK.
    let note = json!([{"type": "note", "name": "nt", "label": "x"}, {"type": "calculate", "name": "c", "calculation": "if(${nt} = ${nt}, 1, 0)"}]);
    assert_eq!(warnings_of(note), []);
    // In a choice filter, a bare name that is no column of the list reads as empty.
    let filter = json!([{"type": "select_one", "name": "s", "label": "s", "choices": "sex", "choice_filter": "county = yes"}]);
    assert_eq!(warnings_of(filter), [(Code::BareName, "s".to_owned(), "yes".to_owned())]);
    // Elsewhere a bare name is a child of the expression's own node, which has none:
    // ODK reads it as empty (`${s} = yes` meant 'yes'), and so does Tianye, saying so.
    assert_eq!(w("if(yes = '', 1, 0)"), one(Code::BareName, "yes"));
    assert_eq!(w("m_age"), one(Code::BareName, "m_age"));
    // A lookup in a secondary instance (a choice list, an attached file) reads empty,
    // however it goes on: the warning names the instance() call.
    assert_eq!(
        w("instance('sex')/root/item[name = ${age}]/label"),
        one(Code::Unsupported, "instance('sex')")
    );
    assert_eq!(w("count(instance('sex')/root/item)"), one(Code::Unsupported, "instance('sex')"));
    assert_eq!(
        w("concat('x', instance(\"places\"))"),
        one(Code::Unsupported, "instance(\"places\")")
    );
    // current()/../x in a choice filter: the select's sibling.
    let filter = json!([{"type": "select_one", "name": "s", "label": "s", "choices": "sex", "choice_filter": "county = current()/../age"}]);
    assert_eq!(warnings_of(filter), []);
}

#[test]
fn indexed_repeat_is_checked() {
    assert_eq!(errors(calc("indexed-repeat(${t_days}, ${member}, 1, ${trip}, 2)")), vec![]);
    assert_eq!(one(calc("indexed-repeat(${m_age}, ${visit}, 1)")).3, "${visit}");
    assert_eq!(one(calc("indexed-repeat(${m_age}, ${member})")).0, Code::Arity);
    assert_eq!(one(calc("indexed-repeat(${member}, ${member}, 1)")).0, Code::ExprType);
    assert_eq!(one(calc("indexed-repeat(${m_age}, ${member}, 'x' + 1)")).0, Code::ExprType);
}

#[test]
fn literals_naming_no_choice_warn_and_test_false() {
    let warnings = |expr: &str| warnings_of(calc(expr));
    assert_eq!(
        warnings("${sex} = 'male'"),
        [(Code::UnknownChoice, "c".to_owned(), "'male'".to_owned())]
    );
    assert_eq!(
        warnings("selected(${help}, 'food')"),
        [(Code::UnknownChoice, "c".to_owned(), "'food'".to_owned())]
    );
    assert_eq!(warnings("selected(${help}, 'money')"), []);
}

#[test]
fn syntax_errors_point_into_the_expression() {
    assert_eq!(
        one(calc("${age} +")),
        (Code::UnexpectedEnd, "c".into(), "calculation".into(), String::new())
    );
    assert_eq!(one(calc("/data/age")).0, Code::Unsupported);
    let (code, item, property, text) =
        one(json!([{"type": "text", "name": "x", "label": "x", "relevant": "${age} >> 3"}]));
    assert_eq!(
        (code, item.as_str(), property.as_str(), text.as_str()),
        (Code::UnexpectedToken, "x", "relevant", ">")
    );
}

#[test]
fn cycles_are_found_with_their_path() {
    let e = one(json!([
        {"type": "calculate", "name": "a", "calculation": "${b} + 1"},
        {"type": "calculate", "name": "b", "calculation": "${a} + 1"}
    ]));
    assert_eq!(e.0, Code::Cycle);
    let e = one(json!([{"type": "integer", "name": "x", "label": "x", "relevant": ". > 1"}]));
    assert_eq!(e.0, Code::Cycle);
    let e = one(json!([
        {"type": "integer", "name": "y", "label": "y", "default": "${z}"},
        {"type": "calculate", "name": "z", "calculation": "${y} * 2"}
    ]));
    assert_eq!(e.0, Code::Cycle);
    let e = one(json!([
        {"type": "calculate", "name": "n", "calculation": "count(${r3})"},
        {"type": "repeat", "name": "r3", "label": "r", "repeat_count": "${n}", "items": [{"type": "text", "name": "r3x", "label": "x"}]}
    ]));
    assert_eq!(e.0, Code::Cycle);
}

#[test]
fn structure_errors() {
    let e = errors(json!([
        {"type": "text", "name": "age", "label": "dup"},
        {"type": "integer", "name": "n", "label": "n", "min_length": 3},
        {"type": "select_one", "name": "s", "label": "s", "choices": "nope"},
        {"type": "select_one", "name": "s2", "label": "s"},
        {"type": "date", "name": "d", "label": "d", "max": "tomorrow"},
        {"type": "text", "name": "p", "label": "p", "pattern": "[a-"},
        {"type": "text", "name": "2bad", "label": "x"},
        {"type": "integer", "name": "mm", "label": "x", "min": 10, "max": 1},
        {"type": "note", "name": "nt", "label": "年龄 ${agge}"}
    ]));
    let codes: Vec<(Code, &str, &str)> =
        e.iter().map(|(c, i, p, _)| (*c, i.as_str(), p.as_str())).collect();
    assert_eq!(
        codes,
        vec![
            (Code::DuplicateName, "age", "name"),
            (Code::PropertyNotApplicable, "n", "min_length"),
            (Code::UnknownChoiceList, "s", "choices"),
            (Code::MissingProperty, "s2", "choices"),
            (Code::InvalidBound, "d", "max"),
            (Code::InvalidPattern, "p", "pattern"),
            (Code::InvalidName, "2bad", "name"),
            (Code::InvalidValue, "mm", "min"),
            (Code::UnknownRef, "nt", "label"),
        ]
    );
}

#[test]
fn date_compared_with_text_warns() {
    let q = json!({"id": "t", "version": "1", "title": "t", "items": base_items(calc("${dob} < '2010-01-01'")),
        "choice_lists": {"sex": [{"name": "m", "label": "男"}], "help": [{"name": "money", "label": "钱"}]}});
    let form = Form::from_json(&q.to_string()).unwrap();
    assert_eq!(form.warnings().len(), 1);
    assert_eq!(form.warnings()[0].code, Code::ExprType);
}

/// An attachment question reads as its file name, a string, as in ODK: compared with
/// text, measured, concatenated; arithmetic on it is as wrong as on any text.
#[test]
fn attachment_answers_are_file_names_in_expressions() {
    for relevant in
        ["${photo} != ''", "string-length(${sig}) > 0", "concat(${photo}, ${sig}) = 'a'"]
    {
        let extra = json!([
            {"type": "image", "name": "photo", "label": "照片"},
            {"type": "signature", "name": "sig", "label": "签名"},
            {"type": "note", "name": "n", "label": "n", "relevant": relevant}
        ]);
        assert_eq!(errors(extra), vec![], "{relevant}");
    }
}
