//! The questionnaire: the root of the format.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::{Choice, Item, Text};

/// A questionnaire: what is asked, in which order, under which rules.
///
/// JSON is the canonical file format (`questionnaires/<id>/form.json`); see README
/// for a complete example, and `schema/questionnaire.schema.json` for the JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    /// Optional link to the JSON Schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub json_schema: Option<String>,
    /// Identifier of the questionnaire, e.g. `lbc_household`: letters, digits, `_` and `-`.
    #[validate(length(min = 1, max = 64), custom(function = "super::validate_form_id"))]
    pub id: String,
    /// Version; responses record the version they answer, and every version that ever
    /// received a response is kept.
    #[validate(length(min = 1, max = 64), custom(function = "super::validate_no_whitespace"))]
    pub version: String,
    /// Title shown to enumerators.
    pub title: Text,
    /// Longer description shown before the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Languages the texts are given in, e.g. `["zh", "en"]`.
    #[serde(default = "default_languages")]
    #[validate(length(min = 1, max = 20))]
    pub languages: Vec<String>,
    /// Language used when a text lacks the requested one; must be in `languages`.
    #[serde(default = "default_language")]
    pub default_language: String,
    /// The items, in order.
    pub items: Vec<Item>,
    /// Choice lists by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub choice_lists: BTreeMap<String, Vec<Choice>>,
    /// Choice lists read from CSV files beside the questionnaire, by list name:
    /// `{"villages": "villages.csv"}` reads `media/villages.csv` (columns `name`,
    /// `label` or `label::<lang>`, any others as attributes for `choice_filter`) into
    /// `choice_lists["villages"]` when the questionnaire is loaded (`core/XLSFORM.md`,
    /// "Choices from files"). Questions name the list in `choices` as any other.
    /// Native builds only: the browser gets the lists inlined and this left out.
    #[cfg(feature = "choice-files")]
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub choice_files: BTreeMap<String, String>,
    /// Sealed records: complete responses are encrypted to this researcher's public key
    /// (`core/ENCRYPTION.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
}

/// Whom a questionnaire's complete responses are sealed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    /// The researcher's RSA public key (3072 bits recommended, 2048 at least): the
    /// base64 of its SubjectPublicKeyInfo on one line, as `tianye keygen` prints it and
    /// as ODK's `public_key` setting holds it.
    pub public_key: String,
}

fn default_languages() -> Vec<String> {
    vec!["zh".to_owned(), "en".to_owned()]
}

fn default_language() -> String {
    "zh".to_owned()
}

impl Questionnaire {
    /// A questionnaire with the given id, version and title and no items.
    pub fn new(id: impl Into<String>, version: impl Into<String>, title: impl Into<Text>) -> Self {
        Questionnaire {
            json_schema: None,
            id: id.into(),
            version: version.into(),
            title: title.into(),
            description: None,
            languages: default_languages(),
            default_language: default_language(),
            items: Vec::new(),
            choice_lists: BTreeMap::new(),
            #[cfg(feature = "choice-files")]
            choice_files: BTreeMap::new(),
            encryption: None,
        }
    }

    /// Every item, depth first, in questionnaire order.
    pub fn all_items(&self) -> impl Iterator<Item = &Item> {
        let mut stack: Vec<&Item> = self.items.iter().rev().collect();
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            stack.extend(next.items.iter().rev());
            Some(next)
        })
    }
}
