//! X11: what pyxform accepts loads (issue 22). Idioms found in XLSForms from the wild
//! (pyxform's own test forms, form libraries), one fixture each in
//! `tests/fixtures/xlsform/wild/`; each is imported and compared with what it means:
//! the items (name, type, list, meta kind, relevance), the choice lists, and the
//! warnings with their cells. pyxform 4.5.0 converts every one of these fixtures.

use std::path::PathBuf;

use tianye_core::xlsform::{self, Options, Workbook};
use tianye_core::{Item, Questionnaire, Severity};

struct Case {
    fixture: &'static str,
    /// The questionnaire's id.
    id: &'static str,
    /// `name type [list] [meta=kind] [relevant=expr]`, in form order.
    items: &'static [&'static str],
    /// `list: name name …`.
    lists: &'static [&'static str],
    /// `code cell` of every warning.
    warnings: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        id: "form",
        fixture: "older_select_spellings.md",
        items: &[
            "owns select_one yes_no",
            "crops select_multiple crops",
            "rents select_one yes_no",
            "sells select_multiple crops",
            "sex select_one sexes",
            "sex_other text relevant=selected(${sex}, 'other')",
            "grows select_multiple crops",
            "grows_other text relevant=selected(${grows}, 'other')",
        ],
        lists: &["crops: rice corn other", "sexes: female male other", "yes_no: yes no"],
        warnings: &[],
    },
    Case {
        id: "form",
        fixture: "uri_meta.md",
        items: &[
            "device meta meta=deviceid",
            "enumerator meta meta=username",
            "phone meta meta=phonenumber",
            "email hidden",
            "sim hidden",
            "subscriber hidden",
            "village text",
            "show note",
        ],
        lists: &[],
        warnings: &[
            "xlsform.unsupported_type survey!A5",
            "xlsform.unsupported_type survey!A6",
            "xlsform.unsupported_type survey!A7",
        ],
    },
    Case {
        id: "form",
        fixture: "osm.md",
        items: &["village text"],
        lists: &[],
        warnings: &[
            "xlsform.unsupported_sheet osm",
            "xlsform.unsupported_type survey!A3",
            "xlsform.unsupported_type survey!A4",
        ],
    },
    Case {
        id: "form",
        fixture: "empty_choices_sheet.md",
        items: &["test text"],
        lists: &[],
        warnings: &[],
    },
    Case {
        id: "Spec_test",
        fixture: "media_note_and_form_id.md",
        items: &["village text"],
        lists: &[],
        warnings: &[
            "xlsform.invalid_value settings!B2",
            "xlsform.skipped_row survey!2",
            "xlsform.unsupported_column survey!D1",
        ],
    },
    Case {
        id: "cascade",
        fixture: "choice_duplicates_allowed.md",
        items: &["state select_one states", "county select_one counties"],
        lists: &["counties: king pierce king cameron", "states: texas washington"],
        warnings: &["xlsform.invalid_value choices!B8"],
    },
    Case {
        id: "form",
        fixture: "trigger.md",
        items: &["my_trigger acknowledge", "my_output note"],
        lists: &[],
        warnings: &[],
    },
    Case {
        id: "form",
        fixture: "media_only_group.md",
        items: &["village text"],
        lists: &[],
        warnings: &[
            "xlsform.skipped_row survey!3",
            "xlsform.unsupported_type survey!A4",
            "xlsform.unsupported_type survey!A5",
        ],
    },
    Case {
        id: "form",
        fixture: "unsupported_row_read_elsewhere.md",
        items: &[
            "code hidden",
            "building hidden",
            "typed text relevant=${code} = ''",
            "where note",
        ],
        lists: &[],
        warnings: &[
            "xlsform.unsupported_type survey!A2",
            "xlsform.unsupported_type survey!A3",
            "xlsform.unsupported_type survey!A4",
        ],
    },
    Case {
        id: "sealed",
        fixture: "encrypted_attachments.md",
        // Sealed with the record, as ODK does: every attachment question kept.
        items: &[
            "house image",
            "why_none text relevant=${house} = ''",
            "sign signature",
            "voice audio",
        ],
        lists: &[],
        warnings: &[],
    },
    Case {
        id: "form",
        fixture: "instance_lookup.md",
        items: &[
            "crop select_one crops",
            "crop_label calculate",
            "old_area calculate",
            "show note",
        ],
        lists: &["crops: rice maize"],
        warnings: &[],
    },
    Case {
        id: "form",
        fixture: "bare_word_in_condition.md",
        items: &["owns select_one yes_no", "area decimal relevant=${owns} = yes"],
        lists: &["yes_no: yes no"],
        warnings: &[],
    },
    Case {
        id: "form",
        fixture: "choice_names_with_spaces.md",
        items: &[
            "stay select_one stay",
            "nights integer relevant=${stay} = 'camp_pitch'",
            "host text relevant=selected(${stay}, \"with_family\")",
        ],
        lists: &["stay: camp_pitch with_family hotel"],
        warnings: &["xlsform.invalid_value choices!B2", "xlsform.invalid_value choices!B3"],
    },
    Case {
        id: "form",
        fixture: "same_name_in_two_groups.md",
        items: &["father group", "age integer", "mother group", "age_6 integer"],
        lists: &[],
        warnings: &["xlsform.duplicate_name survey!B6"],
    },
];

fn fixture(name: &str) -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xlsform/wild").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn summary(item: &Item) -> String {
    let mut out = format!("{} {}", item.name, item.kind.as_str());
    if let Some(list) = &item.choices {
        out.push(' ');
        out.push_str(list);
    }
    if let Some(meta) = item.meta {
        out.push_str(" meta=");
        out.push_str(serde_json::to_value(meta).unwrap().as_str().unwrap());
    }
    if let Some(relevant) = &item.relevant {
        out.push_str(" relevant=");
        out.push_str(relevant);
    }
    out
}

fn lists(q: &Questionnaire) -> Vec<String> {
    q.choice_lists
        .iter()
        .map(|(name, choices)| {
            let names: Vec<&str> = choices.iter().map(|c| c.name.as_str()).collect();
            format!("{name}: {}", names.join(" "))
        })
        .collect()
}

#[test]
fn x11_forms_pyxform_accepts_load_with_their_meaning() {
    for case in CASES {
        let book = Workbook::from_markdown(&fixture(case.fixture));
        let import = xlsform::import(&book, &Options::default()).unwrap_or_else(|e| {
            panic!(
                "{}: refused\n{}",
                case.fixture,
                e.findings().iter().map(|f| f.render(case.fixture)).collect::<String>()
            )
        });
        let q = &import.questionnaire;
        assert_eq!(q.id, case.id, "{}: id", case.fixture);
        let items: Vec<String> = q.all_items().map(summary).collect();
        assert_eq!(items, case.items, "{}: items", case.fixture);
        assert_eq!(lists(q), case.lists, "{}: choice lists", case.fixture);
        let mut warnings: Vec<String> = import
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .map(|f| format!("{} {}", f.code.as_str(), f.place))
            .collect();
        warnings.sort();
        assert_eq!(warnings, case.warnings, "{}: warnings", case.fixture);
        // What was imported also compiles: the engine can run it.
        if let Err(e) = tianye_core::Form::compile(q.clone()) {
            panic!("{}: does not compile: {:?}", case.fixture, e.diagnostics);
        }
    }
}

#[test]
fn x11_rows_after_sixty_one_empty_rows_are_not_part_of_the_form() {
    // pyxform reads a sheet until a run of more than 60 empty rows; ODK never sees what
    // follows (pyxform's bug_example_xls/extra_columns.xls has a stray row at 19999).
    let mut rows = vec![vec!["type", "name", "label"], vec!["text", "a", "A"]];
    rows.extend(std::iter::repeat_n(vec![], 60));
    rows.push(vec!["text", "b", "B"]);
    rows.extend(std::iter::repeat_n(vec![], 61));
    rows.push(vec!["party like it's 19999", "", ""]);
    let book = Workbook { sheets: vec![xlsform::Sheet::from_rows("survey", &rows)] };
    let import = xlsform::import(&book, &Options::default()).expect("imports");
    let names: Vec<&str> = import.questionnaire.all_items().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["a", "b"], "a gap of 60 empty rows is inside the form, 61 ends it");
    assert!(import.findings.is_empty(), "{:?}", import.findings);
}

#[test]
fn x11_a_name_repeated_under_two_parents_is_valid_under_either() {
    let book = Workbook::from_markdown(&fixture("choice_duplicates_allowed.md"));
    let form = tianye_core::Form::compile(
        xlsform::import(&book, &Options::default()).unwrap().questionnaire,
    )
    .unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
    let problems = |state: &str, county: &str| -> Vec<String> {
        let response: tianye_core::Response = serde_json::from_value(serde_json::json!({
            "instance_id": "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60",
            "questionnaire": {"id": "cascade", "version": "1"},
            "status": "complete",
            "answers": {"state": state, "county": county},
            "meta": {"submitted_at": "2026-07-01T10:00:00+08:00"}
        }))
        .unwrap();
        let report = form.validate(&response, &tianye_core::Options::default());
        report.problems.iter().map(|p| format!("{} {}", p.path, p.code.as_str())).collect()
    };
    assert_eq!(problems("texas", "king"), Vec::<String>::new(), "king of texas");
    // Exported, the form says so again, and comes back the same.
    let exported = xlsform::export(form.questionnaire());
    let again = xlsform::import(&exported, &Options::default()).expect("the export imports");
    assert_eq!(&again.questionnaire, form.questionnaire());
    assert_eq!(problems("washington", "king"), Vec::<String>::new(), "king of washington");
    assert_eq!(problems("texas", "cameron"), Vec::<String>::new());
    let wrong = problems("washington", "cameron");
    assert_eq!(wrong.len(), 1, "cameron is not in washington: {wrong:?}");
}

#[test]
fn x11_a_repeated_choice_name_without_the_setting_says_which_setting_allows_it() {
    let book = Workbook::from_markdown(&fixture("choice_duplicates_refused.md"));
    let Err(error) = xlsform::import(&book, &Options::default()) else {
        panic!("refused, as pyxform refuses it");
    };
    let found: Vec<String> =
        error.findings().iter().map(|f| format!("{} {}", f.code.as_str(), f.place)).collect();
    assert_eq!(found, ["schema.duplicate_choice choices!B5"]);
    let message = error.findings()[0].render("form.md");
    assert!(message.contains("allow_choice_duplicates"), "{message}");
    assert!(message.contains("重复"), "Chinese first: {message}");
}

/// The engine's side of the idioms above: what cannot run reads empty, with a warning
/// at the cell (the instance() call, the bare word), and the default naming a choice
/// with spaces follows its new name.
#[test]
fn x11_what_cannot_run_reads_empty_and_says_where() {
    let cases: &[(&str, &[&str])] = &[
        (
            "instance_lookup.md",
            &[
                "expr.unsupported survey!D3 instance('crops')",
                "expr.unsupported survey!D4 instance(\"plots\")",
            ],
        ),
        ("bare_word_in_condition.md", &["expr.bare_name survey!D3 yes"]),
        ("unsupported_row_read_elsewhere.md", &[]),
        ("encrypted_attachments.md", &[]),
    ];
    for (name, want) in cases {
        let import =
            xlsform::import(&Workbook::from_markdown(&fixture(name)), &Options::default()).unwrap();
        let form = tianye_core::Form::compile(import.questionnaire.clone())
            .unwrap_or_else(|e| panic!("{name}: {:?}", e.diagnostics));
        let found: Vec<String> = form
            .warnings()
            .iter()
            .map(|d| {
                let text = d.source.as_deref().zip(d.span).map(|(s, sp)| &s[sp.range()]);
                format!("{} {} {}", d.code.as_str(), import.locate(d).place, text.unwrap_or(""))
            })
            .collect();
        assert_eq!(found, *want, "{name}");
    }
    let import = xlsform::import(
        &Workbook::from_markdown(&fixture("choice_names_with_spaces.md")),
        &Options::default(),
    )
    .unwrap();
    let stay = import.questionnaire.all_items().next().unwrap();
    assert_eq!(stay.default.as_deref(), Some("'camp_pitch'"));
    let message = import.findings[0].render("f.md");
    assert!(message.contains("camp_pitch") && message.contains("空格"), "{message}");
}
