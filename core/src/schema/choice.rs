//! Choice lists shared by name between choice questions.

use litemap::LiteMap;

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::Text;

/// One choice of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// The value stored in answers and used in expressions (`selected(${q}, 'name')`):
    /// no spaces, since multiple-choice answers are space-separated in expressions.
    #[validate(length(min = 1, max = 128), custom(function = "super::validate_no_whitespace"))]
    pub name: String,
    /// What the respondent sees.
    pub label: Text,
    /// In a `select_multiple`, a choice such as "none of the above" that cannot be
    /// selected together with any other.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
    /// Extra columns used by choice filters, e.g. `{"county": "c01"}` on a township so
    /// that `choice_filter: "county = ${county}"` offers the townships of one county.
    // One sorted vector: a tree map's node alone would take 272 bytes a choice in the
    // browser, 13 MB for a province's 50,000 villages.
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "std::collections::BTreeMap<String, String>")
    )]
    pub attributes: LiteMap<String, String>,
}

impl Choice {
    /// A choice named `name` with the same label in every language.
    pub fn new(name: impl Into<String>, label: impl Into<Text>) -> Self {
        Choice {
            name: name.into(),
            label: label.into(),
            exclusive: false,
            attributes: LiteMap::new(),
        }
    }
}
