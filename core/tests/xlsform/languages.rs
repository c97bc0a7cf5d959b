//! X4: multilingual columns become per-language texts; `${name}` in labels stays.

use tianye_core::Text;

use crate::common::{import, item};

fn per(pairs: &[(&str, &str)]) -> Text {
    Text::PerLanguage(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

#[test]
fn x4_language_columns_become_per_language_texts() {
    let i = import(
        r"
| survey   |         |      |                     |                  |                    |                         |                             |
|          | type    | name | label::English (en) | label::中文 (zh) | hint::English (en) | constraint              | constraint_message::中文 (zh) |
|          | integer | age  | Age of ${name}      | ${name}的年龄    | In years           | . >= 0                  | 不能为负                     |
| choices  |           |      |                     |                  |
|          | list_name | name | label::English (en) | label::中文 (zh) |
|          | yn        | y    | Yes                 | 是               |
| settings |                  |
|          | default_language |
|          | 中文 (zh)        |
",
    );
    let q = &i.questionnaire;
    assert_eq!(q.languages, ["en", "zh"]);
    assert_eq!(q.default_language, "zh");
    let age = item(&i, "age");
    assert_eq!(age.label, Some(per(&[("en", "Age of ${name}"), ("zh", "${name}的年龄")])));
    assert_eq!(age.hint, Some(per(&[("en", "In years")])));
    assert_eq!(age.constraints[0].message, Some(per(&[("zh", "不能为负")])));
    assert_eq!(q.choice_lists["yn"][0].label, per(&[("en", "Yes"), ("zh", "是")]));
}

#[test]
fn x4_unsuffixed_column_is_the_default_language() {
    let i = import(
        r"
| survey   |      |      |       |              |
|          | type | name | label | label::English |
|          | text | a    | 姓名  | Name          |
|          | text | b    | 住址  |               |
| settings |                  |
|          | default_language |
|          | Chinese          |
",
    );
    assert_eq!(item(&i, "a").label, Some(per(&[("zh", "姓名"), ("en", "Name")])));
    assert_eq!(item(&i, "b").label, Some(per(&[("zh", "住址")])));
    assert_eq!(i.questionnaire.languages, ["en", "zh"]);
}

#[test]
fn x4_forms_without_languages_keep_plain_texts() {
    let i = import(
        "| survey | | | |\n| | type | name | label |\n| | text | a | Name: ${b} |\n| | text | b | B |\n",
    );
    assert_eq!(item(&i, "a").label, Some(Text::Plain("Name: ${b}".into())));
}
