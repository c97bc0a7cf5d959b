//! The value checks of the format's `#[validate(...)]` attributes, written out by hand.
//!
//! The attributes stay on the types: they document the limits, feed the JSON Schema
//! and keep the derived [`validator::Validate`] impls. Loading a questionnaire uses
//! these functions instead, which give the same findings (the `validator` derive
//! rules: per property, `length` then `range` then `custom`, each recording the
//! value) without `validator`'s maps of parameters: several kilobytes less in the
//! browser build. A test compares the two on every limit.

use std::borrow::Cow;

use serde_json::Value;
use validator::ValidationError;

use super::{Choice, Item, MatrixRow, Questionnaire};

/// One failed check: the property, the check's code (`length`, `range`, `name`, …)
/// and the offending value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invalid {
    /// The property's name.
    pub(crate) field: &'static str,
    /// The check's code.
    pub(crate) code: Cow<'static, str>,
    /// The property's value.
    pub(crate) value: Value,
}

#[derive(Default)]
struct Found(Vec<Invalid>);

impl Found {
    fn push(&mut self, field: &'static str, code: Cow<'static, str>, value: impl Into<Value>) {
        self.0.push(Invalid { field, code, value: value.into() });
    }

    /// `length(min, max)` on a string (in characters).
    fn length(&mut self, field: &'static str, text: &str, min: u64, max: u64) {
        let n = text.chars().count() as u64;
        if n < min || n > max {
            self.push(field, Cow::Borrowed("length"), text);
        }
    }

    /// `custom(function = f)`.
    fn custom(
        &mut self,
        field: &'static str,
        text: &str,
        f: fn(&str) -> Result<(), ValidationError>,
    ) {
        if let Err(e) = f(text) {
            self.push(field, e.code, text);
        }
    }

    /// `range(min, max)` on an optional whole number.
    fn range(&mut self, field: &'static str, value: Option<u32>, min: u32, max: Option<u32>) {
        if let Some(v) = value
            && (max.is_some_and(|m| v > m) || v < min)
        {
            self.push(field, Cow::Borrowed("range"), v);
        }
    }

    /// `range(exclusive_min = 0.0)` on an optional number.
    fn positive(&mut self, field: &'static str, value: Option<f64>) {
        if let Some(v) = value
            && v.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            self.push(field, Cow::Borrowed("range"), v);
        }
    }
}

impl Questionnaire {
    /// What the `#[validate]` attributes of the questionnaire's own properties reject.
    pub(crate) fn invalid_values(&self) -> Vec<Invalid> {
        let mut found = Found::default();
        found.length("id", &self.id, 1, 64);
        found.custom("id", &self.id, super::validate_form_id);
        found.length("version", &self.version, 1, 64);
        found.custom("version", &self.version, super::validate_no_whitespace);
        let n = self.languages.len();
        if !(1..=20).contains(&n) {
            found.push("languages", Cow::Borrowed("length"), self.languages.clone());
        }
        found.0
    }
}

impl Item {
    /// What the `#[validate]` attributes of the item's properties reject.
    pub(crate) fn invalid_values(&self) -> Vec<Invalid> {
        let mut found = Found::default();
        found.custom("name", &self.name, super::validate_name);
        found.range("max_length", self.max_length, 1, None);
        found.positive("step", self.step);
        found.range("scale", self.scale, 2, Some(10));
        found.range("max_selected", self.max_selected, 1, None);
        found.positive("max_accuracy", self.max_accuracy);
        found.range("max_rows", self.max_rows, 1, Some(10000));
        found.range("max_pixels", self.max_pixels, 1, Some(20000));
        if self.accept.len() > 20 {
            found.push("accept", Cow::Borrowed("length"), self.accept.clone());
        }
        found.0
    }
}

impl MatrixRow {
    /// What the `#[validate]` attributes of the row's properties reject.
    pub(crate) fn invalid_values(&self) -> Vec<Invalid> {
        let mut found = Found::default();
        found.custom("name", &self.name, super::validate_name);
        found.0
    }
}

impl Choice {
    /// What the `#[validate]` attributes of the choice's properties reject.
    pub(crate) fn invalid_values(&self) -> Vec<Invalid> {
        let mut found = Found::default();
        found.length("name", &self.name, 1, 128);
        found.custom("name", &self.name, super::validate_no_whitespace);
        found.0
    }
}

#[cfg(test)]
mod tests {
    use validator::{Validate, ValidationErrors};

    use super::*;
    use crate::schema::ItemType;

    /// The derived checks' findings in the same shape, ordered by property (each
    /// property's findings in the derive's order).
    fn derived(result: Result<(), ValidationErrors>) -> Vec<Invalid> {
        let Err(errors) = result else { return Vec::new() };
        let mut fields: Vec<_> = errors.field_errors().into_iter().collect();
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Vec::new();
        for (field, errs) in fields {
            let field: &'static str = String::leak(field.into_owned());
            for e in errs {
                let value = e.params.get("value").cloned().unwrap_or_default();
                out.push(Invalid { field, code: e.code.clone(), value });
            }
        }
        out
    }

    fn sorted(mut found: Vec<Invalid>) -> Vec<Invalid> {
        found.sort_by(|a, b| a.field.cmp(b.field));
        found
    }

    #[test]
    fn items_fail_as_the_derived_checks_do() {
        let numbers =
            [None, Some(0), Some(1), Some(2), Some(10), Some(11), Some(10000), Some(10001)];
        let floats = [
            None,
            Some(-1.0),
            Some(0.0),
            Some(-0.0),
            Some(0.5),
            Some(f64::MIN_POSITIVE),
            Some(f64::NAN),
        ];
        for name in ["a", "", "1a", "a b", "_x.y-z", &"n".repeat(128), &"n".repeat(129), "名字"] {
            for (i, &n) in numbers.iter().enumerate() {
                let mut item = Item::new(ItemType::Integer, name);
                item.max_length = n;
                item.scale = numbers[(i + 3) % numbers.len()];
                item.max_selected = numbers[(i + 5) % numbers.len()];
                item.max_rows = numbers[(i + 1) % numbers.len()];
                item.step = floats[i % floats.len()];
                item.max_accuracy = floats[(i + 2) % floats.len()];
                item.max_pixels = numbers[(i + 4) % numbers.len()].map(|n| n * 2);
                item.accept = vec![".pdf".to_owned(); i * 3];
                assert_eq!(sorted(item.invalid_values()), derived(item.validate()), "{item:?}");
            }
            let row = MatrixRow { name: name.into(), label: "r".into(), hint: None };
            assert_eq!(sorted(row.invalid_values()), derived(row.validate()), "{name}");
            let choice = Choice::new(name, "c");
            assert_eq!(sorted(choice.invalid_values()), derived(choice.validate()), "{name}");
        }
    }

    #[test]
    fn questionnaires_fail_as_the_derived_checks_do() {
        let long = "v".repeat(65);
        for id in ["q", "", "1q", "q q", "q-1_b", &long, "问卷"] {
            for version in ["1", "", "1 0", &long, "二"] {
                for n in [0, 1, 2, 20, 21] {
                    let mut q = Questionnaire::new(id, version, "t");
                    q.languages = (0..n).map(|i| format!("l{i}")).collect();
                    assert_eq!(sorted(q.invalid_values()), derived(q.validate()), "{q:?}");
                }
            }
        }
    }
}
