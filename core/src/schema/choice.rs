//! Choice lists shared by name between choice questions.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use validator::Validate;

use super::Text;
use super::packed::Packed;

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
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    #[cfg_attr(
        feature = "json-schema",
        schemars(with = "std::collections::BTreeMap<String, String>")
    )]
    pub attributes: Attributes,
}

impl Choice {
    /// A choice named `name` with the same label in every language.
    pub fn new(name: impl Into<String>, label: impl Into<Text>) -> Self {
        Choice {
            name: name.into(),
            label: label.into(),
            exclusive: false,
            attributes: Attributes::default(),
        }
    }
}

/// A choice's extra columns by name, sorted by name, packed in one text
/// (`schema/packed.rs`): a tree map's node alone took 272 bytes a choice in the browser,
/// and a vector of string pairs three blocks of memory for one column.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Attributes(Packed);

impl Attributes {
    /// The value of column `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }

    /// Whether there is a column `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets column `key` to `value`, replacing any.
    pub fn insert(&mut self, key: &str, value: &str) {
        *self = self.iter().filter(|(k, _)| *k != key).chain([(key, value)]).collect();
    }

    /// (column, value) pairs, sorted by column.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter()
    }

    /// The columns, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    /// Whether there is no column.
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Attributes {
    /// The pairs sorted by column; of a column given twice, the last value.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        // Put in place one at a time: a choice has a few columns, and a sort would be
        // one more large function in the browser build.
        let mut pairs: Vec<(K, V)> = Vec::new();
        for (k, v) in iter {
            match pairs.binary_search_by(|p| p.0.as_ref().cmp(k.as_ref())) {
                Ok(i) => pairs[i] = (k, v),
                Err(i) => pairs.insert(i, (k, v)),
            }
        }
        Attributes(Packed::from_distinct(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))))
    }
}

impl Serialize for Attributes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(super::packed::Pairs::deserialize(deserializer)?.0.into_iter().collect())
    }
}
