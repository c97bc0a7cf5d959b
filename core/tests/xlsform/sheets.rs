//! X1: sheets and columns, with the spellings pyxform accepts.

use tianye_core::schema::Condition;
use tianye_core::{ItemType, Text};

use crate::common::{import, item};

#[test]
fn x1_survey_choices_and_settings_build_a_questionnaire() {
    let i = import(
        r"
| survey   |                  |        |           |          |
|          | type             | name   | label     | required |
|          | select_one yn    | ok     | OK?       | yes      |
| choices  |                  |        |           |          |
|          | list_name        | name   | label     |          |
|          | yn               | y      | Yes       |          |
|          | yn               | n      | No        |          |
| settings |                  |        |           |          |
|          | form_title       | form_id | version  |          |
|          | Household        | hh      | 2026.1   |          |
",
    );
    let q = &i.questionnaire;
    assert_eq!((q.id.as_str(), q.version.as_str()), ("hh", "2026.1"));
    assert_eq!(q.title, Text::Plain("Household".into()));
    let ok = item(&i, "ok");
    assert_eq!(ok.kind, ItemType::SelectOne);
    assert_eq!(ok.choices.as_deref(), Some("yn"));
    assert_eq!(ok.required, Some(Condition::Fixed(true)));
    let names: Vec<&str> = q.choice_lists["yn"].iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["y", "n"]);
}

#[test]
fn x1_column_aliases_and_spellings() {
    let i = import(
        r"
| survey |                       |       |         |            |           |              |             |
|        | Type                  | Name  | Caption | Relevance  | Read Only | jr:count     | calculate   |
|        | integer               | n     | N       |            |           |              |             |
|        | begin_repeat          | r     | R       | ${n} > 0   |           | ${n}         |             |
|        | select all that apply crops | c | C     |            | true      |              |             |
|        | end_repeat            |       |         |            |           |              |             |
|        | calculate             | total |         |            |           |              | ${n} * 2    |
| choices |                      |       |         |
|         | List Name            | Value | Label   |
|         | crops                | rice  | Rice    |
",
    );
    let r = item(&i, "r");
    assert_eq!(r.kind, ItemType::Repeat);
    assert_eq!(r.relevant.as_deref(), Some("${n} > 0"));
    assert_eq!(r.repeat_count.as_deref(), Some("${n}"));
    let c = item(&i, "c");
    assert_eq!(c.kind, ItemType::SelectMultiple);
    assert_eq!(c.read_only, Some(Condition::Fixed(true)));
    assert_eq!(c.label, Some(Text::Plain("C".into())));
    assert_eq!(item(&i, "total").calculation.as_deref(), Some("${n} * 2"));
    assert_eq!(i.questionnaire.choice_lists["crops"][0].name, "rice");
}

#[test]
fn x1_extra_choice_columns_become_filter_attributes() {
    let i = import(
        r"
| survey  |                  |          |          |                     |
|         | type             | name     | label    | choice_filter       |
|         | select_one county | county  | County   |                     |
|         | select_one town  | town     | Town     | county = ${county}  |
| choices |                  |          |          |                     |
|         | list_name        | name     | label    | county              |
|         | county           | c1       | C1       |                     |
|         | town             | t1       | T1       | c1                  |
|         | town             | t2       | T2       | c2                  |
",
    );
    assert_eq!(item(&i, "town").choice_filter.as_deref(), Some("county = ${county}"));
    let towns = &i.questionnaire.choice_lists["town"];
    assert_eq!(towns[1].attributes.get("county"), Some("c2"));
    assert!(i.questionnaire.choice_lists["county"][0].attributes.is_empty());
}

#[test]
fn x1_settings_defaults_and_fallback_id() {
    let md = "| survey | | | |\n| | type | name | label |\n| | text | a | A |\n";
    let options =
        tianye_core::xlsform::Options { form_id: Some("from_file".into()), ..Default::default() };
    let i =
        tianye_core::xlsform::import(&tianye_core::xlsform::Workbook::from_markdown(md), &options)
            .unwrap();
    assert_eq!(i.questionnaire.id, "from_file");
    assert_eq!(i.questionnaire.version, "1");
    assert_eq!(i.questionnaire.title, Text::Plain("from_file".into()));
}

#[test]
fn x1_origins_record_row_and_column_of_each_property() {
    let i = import(
        r"
| survey |         |      |       |              |                |
|        | type    | name | label | relevant     | constraint     |
|        | integer | age  | Age   |              | . < 120        |
|        | text    | nick | Nick  | ${age} > 10  |                |
",
    );
    let age = &i.origins.items["age"];
    assert_eq!(age.row, 2);
    assert_eq!(age.columns["constraints[0]"], "E");
    assert_eq!(i.origins.items["nick"].columns["relevant"], "D");
}

/// A test key's PEM body on one line of base64: the DER, as `tianye keygen` prints it
/// and ODK's `public_key` setting holds it.
fn test_key_line(file: &str) -> String {
    let pem = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seal").join(file),
    )
    .unwrap();
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

fn with_public_key(key: &str) -> String {
    format!(
        "| survey | | | |\n| | type | name | label |\n| | text | a | A |\n\
         | settings | | | |\n| | form_id | version | public_key |\n| | hh | 1 | {key} |\n"
    )
}

#[test]
fn x1_settings_public_key_seals_the_questionnaire_and_a_bad_one_is_refused_at_its_cell() {
    use tianye_core::Severity;

    use crate::common::codes;
    let line = test_key_line("test-public.pem");
    let i = import(&with_public_key(&line));
    assert_eq!(i.questionnaire.encryption.as_ref().unwrap().public_key, line);
    assert!(i.findings.is_empty(), "{:?}", i.findings);

    // Not a key, or one too small to trust: the error `tianye check` gives a JSON
    // questionnaire, at the settings cell.
    for bad in [&line[..200], "hello", &test_key_line("small-public.pem")] {
        let found = codes(&with_public_key(bad));
        assert_eq!(
            found,
            [("schema.encryption_key".to_owned(), "settings!C2".to_owned(), Severity::Error)],
            "{bad}"
        );
    }
}
