//! X10: no input makes the importer (or the exporter on what it imported) panic.

use proptest::prelude::*;
use tianye_core::xlsform::{self, Format, Options, Sheet, Workbook};

/// Cells drawn from XLSForm's vocabulary and some noise.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        prop::sample::select(vec![
            "type",
            "name",
            "label",
            "label::中文 (zh)",
            "hint",
            "relevant",
            "constraint",
            "required",
            "calculation",
            "default",
            "choice_filter",
            "repeat_count",
            "appearance",
            "parameters",
            "tianye",
            "list_name",
            "begin group",
            "end group",
            "begin repeat",
            "end repeat",
            "select_one yn",
            "select_multiple yn or_other",
            "rank yn",
            "text",
            "integer",
            "range",
            "calculate",
            "note",
            "yn",
            "y",
            "a",
            "b",
            "${a} > 1",
            "yes",
            "once(${a})",
            "start=1 end=",
            "{\"type\":\"matrix\"}",
            "{\"type\":\"phone\"}",
            "{\"min\":\"x\"}",
            "likert",
            "rating",
            "field-list",
            "(((",
            "'",
        ])
        .prop_map(str::to_owned),
        "[a-z_{}$()'=<>.: |-]{0,12}",
    ]
}

fn sheet(name: &'static str) -> impl Strategy<Value = Sheet> {
    prop::collection::vec(prop::collection::vec(cell(), 0..7), 0..12)
        .prop_map(move |rows| Sheet::from_rows(name, &rows))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn x10_random_workbooks_never_panic(
        survey in sheet("survey"),
        choices in sheet("choices"),
        settings in sheet("settings"),
        strict in any::<bool>(),
    ) {
        let book = Workbook { sheets: vec![survey, choices, settings] };
        let options = Options { strict, ..Options::default() };
        if let Ok(i) = xlsform::import(&book, &options) {
            let again = xlsform::export(&i.questionnaire);
            let _ = xlsform::import(&again, &options);
            let _ = again.to_markdown();
        }
    }

    #[test]
    fn x10_random_text_never_panics(text in "[|a-z #\\\\\n,\"-]{0,200}") {
        for format in [Format::Markdown, Format::Csv, Format::Xlsx, Format::Xls, Format::Ods] {
            let _ = xlsform::import_bytes(text.as_bytes(), format, &Options::default());
        }
    }
}
