//! Helpers: import a markdown XLSForm and look at the questionnaire or the findings.

use tianye_core::xlsform::{self, Finding, Import, Options, Workbook};
use tianye_core::{Item, Severity};

/// Imports `md`; panics with every finding rendered if it fails.
pub(crate) fn import(md: &str) -> Import {
    match xlsform::import(&Workbook::from_markdown(md), &Options::default()) {
        Ok(i) => i,
        Err(e) => panic!(
            "import failed:\n{}",
            e.findings().iter().map(|f| f.render("form.md")).collect::<String>()
        ),
    }
}

/// The findings of importing `md` (errors and warnings), whether or not it failed.
pub(crate) fn findings_with(md: &str, options: &Options) -> Vec<Finding> {
    match xlsform::import(&Workbook::from_markdown(md), options) {
        Ok(i) => i.findings,
        Err(e) => e.findings().to_vec(),
    }
}

/// `(code, place, severity)` of every finding, e.g. `("xlsform.duplicate_name",
/// "survey!B4", Error)`.
pub(crate) fn codes(md: &str) -> Vec<(String, String, Severity)> {
    findings_with(md, &Options::default())
        .iter()
        .map(|f| (f.code.as_str().to_owned(), f.place.to_string(), f.severity))
        .collect()
}

/// Only the errors, as `(code, place)`.
pub(crate) fn errors(md: &str) -> Vec<(String, String)> {
    codes(md).into_iter().filter(|c| c.2 == Severity::Error).map(|c| (c.0, c.1)).collect()
}

/// Only the warnings, as `(code, place)`.
pub(crate) fn warnings(md: &str) -> Vec<(String, String)> {
    codes(md).into_iter().filter(|c| c.2 == Severity::Warning).map(|c| (c.0, c.1)).collect()
}

/// The item named `name`, anywhere in the questionnaire.
pub(crate) fn item<'a>(import: &'a Import, name: &str) -> &'a Item {
    import
        .questionnaire
        .all_items()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no item {name}"))
}

pub(crate) fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}
