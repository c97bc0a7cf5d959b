//! X6: everything not supported is reported with sheet and row; `strict` turns
//! warnings into errors.

use tianye_core::Severity;
use tianye_core::xlsform::Options;

use crate::common::{codes, errors, findings_with, import, owned, warnings};

const FORM: &str = r"
| survey         |             |        |         |               |             |
|                | type        | name   | label   | media::image  | guidance_hint |
|                | text        | a      | A       | a.png         |             |
|                | video       | clip   | Clip    |               |             |
|                | audit       | audit  |         |               |             |
|                | barcode     | code   | Code    |               | scan it     |
|                | integer     | b      | B       |               |             |
| external_choices |           |        |         |
|                | list_name   | name   | label   |
|                | x           | y      | z       |
| settings       |             |        |
|                | form_id     | submission_url |
|                | f           | https://example.invalid/submit |
";

#[test]
fn x6_unsupported_types_columns_sheets_and_settings_are_warnings() {
    assert_eq!(
        warnings(FORM),
        owned(&[
            ("xlsform.unsupported_sheet", "external_choices"),
            ("xlsform.unsupported_setting", "settings!B1"),
            ("xlsform.unsupported_column", "survey!D1"),
            ("xlsform.unsupported_column", "survey!E1"),
            ("xlsform.unsupported_type", "survey!A3"),
            ("xlsform.unsupported_type", "survey!A4"),
            ("xlsform.unsupported_type", "survey!A5"),
        ])
    );
    // The form still imports, without the unsupported rows.
    let i = import(FORM);
    let names: Vec<&str> = i.questionnaire.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn x6_strict_turns_warnings_into_errors() {
    let strict = Options { strict: true, ..Options::default() };
    let found = findings_with(FORM, &strict);
    assert_eq!(found.len(), 7);
    assert!(found.iter().all(|f| f.severity == Severity::Error));
}

#[test]
fn x6_unsupported_functions_are_errors_at_their_span() {
    let md = r"
| survey |           |      |       |                                           |
|        | type      | name | label | calculation                               |
|        | calculate | a    |       | random()                                  |
|        | calculate | c    |       | once(today())                             |
|        | calculate | d    |       | uuid()                                    |
|        | text      | b    | B     |                                           |
";
    assert_eq!(
        errors(md),
        owned(&[
            ("xlsform.unsupported_function", "survey!D2"),
            ("xlsform.unsupported_function", "survey!D3"),
            ("xlsform.unsupported_function", "survey!D4"),
        ])
    );
    let f = &findings_with(md, &Options::default())[1];
    assert_eq!(f.params["name"], "once");
    assert_eq!(f.span.map(|s| (s.start, s.end)), Some((0, 4)));
}

#[test]
fn x6_unknown_types_are_errors() {
    let md = "| survey | | | |\n| | type | name | label |\n| | integr | a | A |\n";
    assert_eq!(
        codes(md),
        [("xlsform.unsupported_type".to_owned(), "survey!A2".to_owned(), Severity::Error)]
    );
}

#[test]
fn x6_unsupported_parameters_are_reported() {
    let md = r"
| survey |               |      |       |                 |
|        | type          | name | label | parameters      |
|        | select_one yn | a    | A     | randomize=true  |
| choices |  |  |  |
|  | list_name | name | label |
|  | yn | y | Y |
";
    assert_eq!(warnings(md), owned(&[("xlsform.unsupported_parameter", "survey!D2")]));
}
