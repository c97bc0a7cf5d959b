//! The npm package's TypeScript types (`npm/tianye-core.d.ts`) name every code the
//! JavaScript API can give, and no other: `ProblemCode` for problems with a response,
//! `DiagnosticCode` for findings about a questionnaire or a JSON document, and (the
//! `tianye-core/xlsform` entry's `npm/xlsform.d.ts`) `XlsformCode` for the XLSForm and
//! choice-file findings, which only that entry's module can give.

use std::collections::BTreeSet;

use tianye_core::Code;

/// The string literals of `export type NAME = | 'a' | 'b' …;` in `types`.
fn union(types: &str, name: &str) -> BTreeSet<String> {
    let start = types
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("no type {name} in the .d.ts"));
    let body = &types[start..];
    let body = &body[..body.find(';').expect("the union ends")];
    body.split('\'').skip(1).step_by(2).map(str::to_owned).collect()
}

#[test]
fn the_typescript_code_unions_are_exactly_the_codes_javascript_can_see() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../npm/tianye-core.d.ts");
    let types = std::fs::read_to_string(path).expect("npm/tianye-core.d.ts");
    let problems = union(&types, "ProblemCode");
    let diagnostics = union(&types, "DiagnosticCode");
    for code in problems.iter().chain(&diagnostics) {
        assert!(Code::parse(code).is_some(), "{code} in the .d.ts is no code");
    }
    let reachable = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !c.starts_with("xlsform.") && !c.starts_with("choice_file."));
    let (want_diagnostics, want_problems): (BTreeSet<String>, BTreeSet<String>) = reachable
        .map(str::to_owned)
        .partition(|c| ["json.", "schema.", "expr."].iter().any(|p| c.starts_with(p)));
    assert_eq!(problems, want_problems, "ProblemCode");
    assert_eq!(diagnostics, want_diagnostics, "DiagnosticCode");
}

#[cfg(feature = "choice-files")]
#[test]
fn the_xlsform_entrys_code_union_is_exactly_the_xlsform_and_choice_file_codes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../npm/xlsform.d.ts");
    let types = std::fs::read_to_string(path).expect("npm/xlsform.d.ts");
    let want: BTreeSet<String> = Code::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .filter(|c| c.starts_with("xlsform.") || c.starts_with("choice_file."))
        .collect();
    assert_eq!(union(&types, "XlsformCode"), want, "XlsformCode");
}
