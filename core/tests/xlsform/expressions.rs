//! X5: expressions import unchanged; errors point at sheet, row, column and span.

use tianye_core::expr::Span;
use tianye_core::xlsform::{Options, Place, Workbook, import as import_book};
use tianye_core::{Code, Diagnostic};

use crate::common::{errors, import, item, owned};

#[test]
fn x5_expressions_import_unchanged() {
    let i = import(
        r"
| survey |           |      |       |                                        |                                  |
|        | type      | name | label | relevant                               | calculation                      |
|        | integer   | age  | Age   |                                        |                                  |
|        | calculate | yrs  |       |                                        | int((today() - ${dob}) div 365.25) |
|        | date      | dob  | DOB   | ${age} = '' or not(selected(${x}, 'a')) |                                  |
",
    );
    assert_eq!(item(&i, "yrs").calculation.as_deref(), Some("int((today() - ${dob}) div 365.25)"));
    assert_eq!(
        item(&i, "dob").relevant.as_deref(),
        Some("${age} = '' or not(selected(${x}, 'a'))")
    );
}

#[test]
fn x5_smart_quotes_are_straightened() {
    let i = import(
        "| survey | | | | |\n| | type | name | label | relevant |\n| | text | a | A | ${b} = ‘x’ |\n| | text | b | B | |\n",
    );
    assert_eq!(item(&i, "a").relevant.as_deref(), Some("${b} = 'x'"));
}

#[test]
fn x5_syntax_errors_name_the_cell_and_span() {
    let md = r"
| survey |         |      |       |            |
|        | type    | name | label | constraint |
|        | integer | age  | Age   |            |
|        | integer | n    | N     | . > (3 +   |
";
    assert_eq!(errors(md), owned(&[("expr.unexpected_end", "survey!D3")]));
    let f = crate::common::findings_with(md, &Options::default()).remove(0);
    assert_eq!(f.item.as_deref(), Some("n"));
    assert_eq!(f.property.as_deref(), Some("constraints[0]"));
    assert_eq!(f.source.as_deref(), Some(". > (3 +"));
    let rendered = f.render("form.md");
    assert!(rendered.contains("--> form.md: survey!D3 (n, constraints[0])"), "{rendered}");
    assert!(rendered.contains("   | . > (3 +\n"), "{rendered}");
}

#[test]
fn x5_engine_diagnostics_map_back_to_cells() {
    let md = r"
| survey |             |          |       |                |
|        | type        | name     | label | relevant       |
|        | begin group | hh       | HH    |                |
|        | integer     | age      | Age   |                |
|        | text        | nick     | Nick  | ${agee} > 10   |
|        | end group   |          |       |                |
";
    let i = import_book(&Workbook::from_markdown(md), &Options::default()).unwrap();
    // What Form::compile reports for an unknown reference.
    let d = Diagnostic::error(Code::UnknownRef, "hh/nick")
        .in_property("relevant")
        .at("${agee} > 10", Span::new(0, 7))
        .with("name", "agee");
    let f = i.locate(&d);
    assert_eq!(f.place, Place::cell("survey", 4, "D"));
    assert_eq!(f.place.to_string(), "survey!D4");
    assert!(f.render("hh.md").contains("   | ${agee} > 10\n   | ^^^^^^^\n"));
    // A property without a column of its own points at the row.
    let d = Diagnostic::error(Code::InvalidValue, "hh/age").in_property("max_length");
    assert_eq!(i.locate(&d).place, Place::row("survey", 3));
    let d = Diagnostic::error(Code::InvalidValue, "hh/age").in_property("constraints[1]");
    assert_eq!(i.origins.locate(&d), Some(Place::row("survey", 3)));
}

#[test]
fn x5_engine_errors_from_form_compile_point_at_the_cell() {
    let md = r"
| survey |              |        |       |                      |
|        | type         | name   | label | relevant             |
|        | begin repeat | member | M     |                      |
|        | integer      | m_age  | Age   |                      |
|        | end repeat   |        |       |                      |
|        | text         | school | Sch   | ${m_agee} < 16       |
";
    let i = import_book(&Workbook::from_markdown(md), &Options::default()).unwrap();
    let err = tianye_core::Form::compile(i.questionnaire.clone()).unwrap_err();
    let f = i.locate(err.errors().next().unwrap());
    assert_eq!(f.code, Code::UnknownRef);
    assert_eq!(f.place, Place::cell("survey", 5, "D"));
    assert_eq!(f.span, Some(Span::new(0, 9)));
}

#[test]
fn x5_the_corpus_compiles_with_the_engine() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xlsform");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let md = std::fs::read_to_string(&path).unwrap();
        let i = import_book(
            &Workbook::from_markdown(&md),
            &Options { form_id: Some("corpus".into()), ..Options::default() },
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Err(e) = tianye_core::Form::compile(i.questionnaire.clone()) {
            let shown: Vec<String> =
                e.diagnostics.iter().map(|d| i.locate(d).render(&path.to_string_lossy())).collect();
            panic!("{}", shown.join("\n"));
        }
        n += 1;
    }
    assert!(n >= 20);
}
