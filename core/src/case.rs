//! Test cases of a questionnaire (`questionnaires/<id>/cases/*.json`): a response with
//! the problems, calculated values and cleared answers it must produce. One harness runs
//! them natively and in the browser.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::{Code, Form, Options, Response, Text};

/// One test case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case is about.
    pub description: Text,
    /// The response.
    pub response: Response,
    /// What validating it must give.
    pub expected: Expected,
}

/// What a case must produce.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// Exactly these problems, in any order.
    #[serde(default)]
    pub problems: Vec<ExpectedProblem>,
    /// These calculated values (a subset of all).
    #[serde(default)]
    pub values: BTreeMap<String, serde_json::Value>,
    /// Exactly these cleared answers, when given.
    #[serde(default)]
    pub cleared: Option<Vec<String>>,
}

/// A problem a case expects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedProblem {
    /// Where.
    pub path: String,
    /// Which code.
    pub code: Code,
}

fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

impl Case {
    /// Parses a case from JSON.
    pub fn from_json(text: &str) -> Result<Case, Box<crate::Diagnostic>> {
        crate::json::parse_document(text, "case")
    }

    /// Validates the case's response with `form` and lists every way the result differs
    /// from what the case expects (empty when it passes).
    pub fn check(&self, form: &Form) -> Vec<String> {
        let report = form.validate(&self.response, &Options::default());
        let mut out = Vec::new();
        let got: BTreeSet<(String, Code)> =
            report.problems.iter().map(|p| (p.path.clone(), p.code)).collect();
        let want: BTreeSet<(String, Code)> =
            self.expected.problems.iter().map(|p| (p.path.clone(), p.code)).collect();
        for (path, code) in got.difference(&want) {
            let message = report
                .problems
                .iter()
                .find(|p| &p.path == path && p.code == *code)
                .map(|p| p.message("en"));
            out.push(format!(
                "unexpected problem {code} at {path}: {}",
                message.unwrap_or_default()
            ));
        }
        for (path, code) in want.difference(&got) {
            out.push(format!("missing problem {code} at {path}"));
        }
        if report.problems.len() != got.len() {
            out.push(format!(
                "{} problems reported, {} distinct",
                report.problems.len(),
                got.len()
            ));
        }
        for (path, want) in &self.expected.values {
            match report.values.get(path) {
                Some(got) if same_value(got, want) => {}
                Some(got) => out.push(format!("value {path}: expected {want}, got {got}")),
                None => out.push(format!(
                    "value {path}: expected {want}, but there is no calculated value there"
                )),
            }
        }
        if let Some(cleared) = &self.expected.cleared {
            let got: BTreeSet<&String> = report.cleared.iter().collect();
            let want: BTreeSet<&String> = cleared.iter().collect();
            if got != want {
                out.push(format!("cleared: expected {want:?}, got {got:?}"));
            }
        }
        out
    }
}
