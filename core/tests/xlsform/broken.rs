//! X7: broken sheets: errors name sheet and row and say how to fix it, in Chinese and
//! English.

use tianye_core::Code;
use tianye_core::i18n::Lang;
use tianye_core::xlsform::Options;

use crate::common::{errors, findings_with, import, owned, warnings};

#[test]
fn x7_missing_survey_sheet_suggests_a_misspelling() {
    let md = "| survy | | |\n| | type | name |\n| | text | a |\n| choices | | |\n| | list_name | name |\n| | a | b |\n";
    let f = findings_with(md, &Options::default());
    assert_eq!(f[0].code, Code::XlsformMissingSheet);
    assert_eq!(f[0].params["similar"], "survy");
    assert!(f[0].message(Lang::Zh).contains("survey"));
    assert!(f[0].message(Lang::En).contains("Rename it to survey"));
}

#[test]
fn x7_duplicate_names_name_both_rows() {
    // Siblings with one name: pyxform refuses them, and so does Tianye.
    let md = r"
| survey |             |      |       |
|        | type        | name | label |
|        | begin group | g    | G     |
|        | text        | a    | A     |
|        | integer     | a    | A2    |
|        | end group   |      |       |
";
    assert_eq!(errors(md), owned(&[("xlsform.duplicate_name", "survey!B4")]));
    let f = &findings_with(md, &Options::default())[0];
    assert_eq!(f.params["first"], 3);
    assert_eq!(f.item.as_deref(), Some("g/a"));
}

#[test]
fn x7_a_name_used_again_in_another_group_is_renamed_with_a_warning() {
    // pyxform wants names unique among siblings only (and refuses ${a} when a is used
    // twice, so no reference can mean the second a); Tianye needs them unique in the
    // whole form: the later one becomes NAME_ROW, and the warning names both rows.
    let md = r"
| survey |             |      |       |
|        | type        | name | label |
|        | text        | a    | A     |
|        | begin group | g    | G     |
|        | integer     | a    | A2    |
|        | begin group | h    | H     |
|        | text        | a    | A3    |
|        | end group   |      |       |
|        | end group   |      |       |
";
    let i = import(md);
    let names: Vec<&str> = i.questionnaire.all_items().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["a", "g", "a_4", "h", "a_6"]);
    assert_eq!(
        warnings(md),
        owned(&[("xlsform.duplicate_name", "survey!B4"), ("xlsform.duplicate_name", "survey!B6")])
    );
    let f = &i.findings[0];
    assert_eq!((f.params["first"].clone(), f.params["renamed"].clone()), (2.into(), "a_4".into()));
    assert!(f.message(Lang::En).contains("renamed a_4"), "{}", f.message(Lang::En));
    assert!(f.message(Lang::Zh).starts_with("名称“a”已在第 2 行使用"), "{}", f.message(Lang::Zh));
    // Its cell is still found from the new name.
    assert_eq!(i.origins.items["a_4"].row, 4);
    tianye_core::Form::compile(i.questionnaire).expect("compiles");
}

#[test]
fn x7_unclosed_and_unmatched_groups() {
    let md = r"
| survey |              |      |       |
|        | type         | name | label |
|        | begin group  | g    | G     |
|        | begin repeat | r    | R     |
|        | text         | a    | A     |
|        | end group    |      |       |
|        | end repeat   |      |       |
|        | end repeat   |      |       |
";
    assert_eq!(
        errors(md),
        owned(&[
            ("xlsform.unmatched_end", "survey!5"),
            ("xlsform.unmatched_end", "survey!7"),
            ("xlsform.unclosed_group", "survey!2"),
        ])
    );
    let f = findings_with(md, &Options::default());
    assert!(f[2].message(Lang::En).contains("“begin group g” has no matching “end group”"));
    assert!(f[2].message(Lang::Zh).contains("end group"));
}

#[test]
fn x7_unknown_choice_list_points_at_the_type_cell() {
    let md = r"
| survey  |                |      |       |
|         | type           | name | label |
|         | select_one yno | a    | A     |
| choices |                |      |       |
|         | list_name      | name | label |
|         | yn             | y    | Yes   |
";
    assert_eq!(errors(md), owned(&[("xlsform.unknown_choice_list", "survey!A2")]));
    let f = &findings_with(md, &Options::default())[0];
    assert!(f.message(Lang::En).contains("add rows with list_name yno"));
}

#[test]
fn x7_missing_names_types_and_calculations() {
    let md = r"
| survey |           |      |       |
|        | type      | name | label |
|        | integer   |      | Age   |
|        |           | b    | B     |
|        | calculate | c    |       |
|        | text      | 1st  | First |
";
    assert_eq!(
        errors(md),
        owned(&[
            ("xlsform.missing_name", "survey!2"),
            ("xlsform.missing_type", "survey!3"),
            ("xlsform.missing_calculation", "survey!4"),
            ("schema.invalid_name", "survey!B5"),
        ])
    );
}

#[test]
fn x7_duplicate_columns_and_choices() {
    let md = r"
| survey  |               |      |       |       |
|         | type          | name | label | label |
|         | select_one yn | a    | A     | A     |
| choices |               |      |       |
|         | list_name     | name | label |
|         | yn            | y    | Yes   |
|         | yn            | y    | Yes!  |
";
    assert_eq!(
        errors(md),
        owned(&[
            ("xlsform.duplicate_column", "survey!D1"),
            ("schema.duplicate_choice", "choices!B3"),
        ])
    );
}

#[test]
fn x7_every_xlsform_code_has_both_languages() {
    for code in Code::ALL.iter().filter(|c| c.as_str().starts_with("xlsform.")) {
        let f = tianye_core::xlsform::Finding::error(*code, tianye_core::xlsform::Place::default());
        assert!(!f.message(Lang::Zh).is_empty() && !f.message(Lang::En).is_empty(), "{code}");
    }
}
