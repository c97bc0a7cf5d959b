//! Generated questionnaires for benchmarks and load tests: many questions of mixed
//! types, with relevance chains, constraints and calculations.

use serde_json::{Value, json};

use crate::Questionnaire;

/// A questionnaire of `questions` questions, in groups of 50.
///
/// Every tenth question is a yes/no "gate" (`q0`, `q10`, …) followed by a calculation
/// `on{k}` that is 0 once this gate or any earlier one is answered `no`; the gate's
/// block is relevant while the previous block's `on` is 1. Answering `no` to `q0`
/// therefore hides every later question through a chain of 500 calculations and 5,000
/// relevance conditions (the worst case for re-evaluation). The other questions cycle
/// through integer (with a range and a constraint), text, single choice, multiple
/// choice and date; each group of 50 ends with a calculation summing its integers.
pub fn questionnaire(questions: usize) -> Questionnaire {
    let mut groups = Vec::new();
    let mut group = Vec::new();
    let mut integers = Vec::new();
    for i in 0..questions {
        let name = format!("q{i}");
        let gate = i - i % 10;
        let block = i / 10;
        let item = if i % 10 == 0 {
            let mut item = json!({"type": "select_one", "name": name, "label": {"zh": format!("第 {i} 题：继续吗？"), "en": format!("Question {i}: continue?")}, "choices": "yn", "required": true});
            let previous =
                if block == 0 { "1".to_owned() } else { format!("${{on{}}}", block - 1) };
            if block > 0 {
                item["relevant"] = json!(format!("{previous} = 1"));
            }
            group.push(item);
            json!({"type": "calculate", "name": format!("on{block}"),
                   "calculation": format!("if(${{q{gate}}} = 'no', 0, {previous})")})
        } else {
            let relevant = format!("${{on{block}}} = 1");
            let label = json!({"zh": format!("第 {i} 题"), "en": format!("Question {i}")});
            match i % 5 {
                0 | 1 => {
                    integers.push(name.clone());
                    json!({"type": "integer", "name": name, "label": label, "relevant": relevant, "min": 0, "max": 120,
                           "constraints": [{"expr": ". != 99", "message": {"zh": "不能是 99", "en": "Not 99"}}]})
                }
                2 => {
                    json!({"type": "text", "name": name, "label": label, "relevant": relevant, "max_length": 50})
                }
                3 => {
                    json!({"type": "select_one", "name": name, "label": label, "relevant": relevant, "choices": "level", "required": true})
                }
                _ => {
                    json!({"type": "select_multiple", "name": name, "label": label, "relevant": relevant, "choices": "level", "max_selected": 3})
                }
            }
        };
        let item = if i % 10 == 7 {
            json!({"type": "date", "name": format!("q{i}"), "label": item["label"].clone(), "relevant": item["relevant"].clone(), "max": "today"})
        } else {
            item
        };
        group.push(item);
        if i % 50 == 49 || i + 1 == questions {
            let k = groups.len();
            if !integers.is_empty() {
                let sum = integers
                    .iter()
                    .map(|n| format!("coalesce(${{{n}}}, 0)"))
                    .collect::<Vec<_>>()
                    .join(" + ");
                group.push(
                    json!({"type": "calculate", "name": format!("sum{k}"), "calculation": sum}),
                );
                integers.clear();
            }
            groups.push(json!({"type": "group", "name": format!("g{k}"), "label": {"zh": format!("第 {k} 部分"), "en": format!("Part {k}")}, "items": std::mem::take(&mut group)}));
        }
    }
    let q: Value = json!({
        "id": "synthetic", "version": "1", "title": {"zh": "生成的问卷", "en": "Generated questionnaire"},
        "items": groups,
        "choice_lists": {
            "yn": [{"name": "yes", "label": {"zh": "是", "en": "Yes"}}, {"name": "no", "label": {"zh": "否", "en": "No"}}],
            "level": (1..=5).map(|l| json!({"name": format!("l{l}"), "label": format!("{l}")})).collect::<Vec<_>>()
        }
    });
    serde_json::from_value(q).expect("generated questionnaire fits the format")
}

/// A questionnaire of `questions` questions in which the first, `switch` (yes/no),
/// hides the next `hidden` questions when answered `yes`; the rest are always shown.
pub fn switch_questionnaire(questions: usize, hidden: usize) -> Questionnaire {
    let mut items = vec![
        json!({"type": "select_one", "name": "switch", "label": {"zh": "跳过后面的部分吗？", "en": "Skip the next part?"}, "choices": "yn"}),
    ];
    for i in 1..questions {
        let mut item = json!({"type": "integer", "name": format!("q{i}"), "label": {"zh": format!("第 {i} 题"), "en": format!("Question {i}")}, "min": 0, "max": 100});
        if i <= hidden {
            item["relevant"] = json!("${switch} != 'yes'");
        }
        items.push(item);
    }
    let q = json!({
        "id": "switch", "version": "1", "title": "switch",
        "items": [{"type": "group", "name": "all", "label": "all", "items": items}],
        "choice_lists": {"yn": [{"name": "yes", "label": "是"}, {"name": "no", "label": "否"}]}
    });
    serde_json::from_value(q).expect("generated questionnaire fits the format")
}

/// A questionnaire with a village list of `villages` choices read from a choice file,
/// and the file's CSV text (to write beside it as `media/villages.csv`): the big-list
/// case of a province's administrative divisions.
///
/// The first page asks a household code; on the second, four questions cascade
/// city → county → township → village (4 cities, 10 counties
/// each, 25 townships each, and the villages spread evenly over the 1,000 townships,
/// each filtered by `${…} = column`); a fifth, `any_village` (appearance
/// `autocomplete`), offers every village, to be found by typing part of its name.
/// Village labels are Chinese place names built from common syllables (many repeat,
/// as real ones do), each with its number so that every label is different.
#[cfg(feature = "choice-files")]
pub fn village_questionnaire(villages: usize) -> (Questionnaire, String) {
    const FIRST: [&str; 20] = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡",
        "郭", "何", "高", "林", "罗",
    ];
    const SECOND: [&str; 10] = ["家", "坪", "湾", "岭", "冲", "坳", "塘", "桥", "山", "田"];
    const LAST: [&str; 5] = ["村", "组", "寨", "屯", "庄"];
    use std::fmt::Write as _;
    let township = |i: usize| format!("t{:04}", i % 1000);
    let mut csv = String::from("name,label::zh,label::en,township\n");
    for i in 0..villages {
        let (a, b, c) = (FIRST[i % 20], SECOND[(i / 20) % 10], LAST[(i / 200) % 5]);
        let _ = writeln!(csv, "v{i:06},{a}{b}{c}{i},Village {i},{}", township(i));
    }
    // (prefix, Chinese word, how many, the parent's column and prefix, children per parent)
    let named = |prefix: &str, word: &str, n: usize, parent: Option<(&str, &str, usize)>| {
        (0..n)
            .map(|i| {
                let mut c = json!({"name": format!("{prefix}{i:04}"),
                    "label": {"zh": format!("{word}{i}"), "en": format!("{prefix}{i}")}});
                if let Some((column, of, per)) = parent {
                    c["attributes"] = json!({column: format!("{of}{:04}", i / per)});
                }
                c
            })
            .collect::<Vec<Value>>()
    };
    let q = json!({
        "id": "villages", "version": "1", "title": {"zh": "村庄", "en": "Villages"},
        "default_language": "zh",
        "items": [
          {"type": "group", "name": "start", "label": {"zh": "开始", "en": "Start"}, "items": [
            {"type": "text", "name": "hh_code", "label": {"zh": "户编号", "en": "Household code"}}
          ]},
          {"type": "group", "name": "where", "label": {"zh": "地址", "en": "Where"}, "items": [
            {"type": "select_one", "name": "any_village", "label": {"zh": "村（直接查找）", "en": "Village (search)"},
             "choices": "villages.csv", "appearance": "autocomplete"},
            {"type": "select_one", "name": "city", "label": {"zh": "市", "en": "City"}, "choices": "city"},
            {"type": "select_one", "name": "county", "label": {"zh": "县", "en": "County"}, "choices": "county",
             "choice_filter": "city = ${city}"},
            {"type": "select_one", "name": "township", "label": {"zh": "乡镇", "en": "Township"}, "choices": "township",
             "choice_filter": "county = ${county}"},
            {"type": "select_one", "name": "village", "label": {"zh": "村", "en": "Village"}, "choices": "villages.csv",
             "choice_filter": "township = ${township}"}
        ]}],
        "choice_lists": {
            "city": named("c", "市", 4, None),
            "county": named("k", "县", 40, Some(("city", "c", 10))),
            "township": named("t", "镇", 1000, Some(("county", "k", 25)))
        },
        "choice_files": {"villages.csv": "villages.csv"}
    });
    (serde_json::from_value(q).expect("generated questionnaire fits the format"), csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_questionnaires_compile() {
        let form = crate::Form::compile(questionnaire(500)).unwrap();
        assert!(form.fields().len() > 500);
        crate::Form::compile(switch_questionnaire(100, 40)).unwrap();
    }
}

#[cfg(test)]
mod chain_tests {
    use std::sync::Arc;

    use serde_json::json;

    use crate::expr::DateTime;
    use crate::response::Meta;
    use crate::{Form, Loc, Session};

    #[test]
    fn the_first_gate_hides_everything_after_it() {
        let form = Arc::new(Form::compile(super::questionnaire(200)).unwrap());
        let now = DateTime::parse("2026-07-01T10:00:00+08:00").unwrap();
        let mut s = Session::start(Arc::clone(&form), Meta::default(), now);
        let last = Loc::top(form.lookup("q199").unwrap());
        assert!(s.is_relevant(&last));
        let changes = s.set_answer(&Loc::top(form.lookup("q0").unwrap()), &json!("no")).unwrap();
        assert!(!s.is_relevant(&last));
        assert!(changes.changes.len() > 200, "{}", changes.changes.len());
        s.set_answer(&Loc::top(form.lookup("q0").unwrap()), &json!("yes")).unwrap();
        assert!(s.is_relevant(&last));
    }
}
