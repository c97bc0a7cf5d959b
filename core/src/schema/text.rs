//! Human-facing text: one string, or one string per language.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A label, hint or message: either one string for every language, or a map from
/// language code (`zh`, `en`, …) to the string in that language.
///
/// Texts may interpolate answers with `${name}`; see [`crate::form::Template`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Text {
    /// The same text in every language.
    Plain(String),
    /// One text per language code, e.g. `{"zh": "姓名", "en": "Name"}`.
    PerLanguage(BTreeMap<String, String>),
}

impl Text {
    /// The text in `lang`, falling back to `fallback`, then to any language present.
    pub fn get<'a>(&'a self, lang: &str, fallback: &str) -> &'a str {
        match self {
            Text::Plain(s) => s,
            Text::PerLanguage(map) => map
                .get(lang)
                .or_else(|| map.get(fallback))
                .or_else(|| map.values().next())
                .map_or("", String::as_str),
        }
    }

    /// Every string in this text, whatever its language.
    pub fn variants(&self) -> impl Iterator<Item = (&str, &str)> {
        let (plain, map) = match self {
            Text::Plain(s) => (Some(("", s.as_str())), None),
            Text::PerLanguage(map) => (None, Some(map)),
        };
        plain
            .into_iter()
            .chain(map.into_iter().flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
    }

    /// The language codes this text has a string for (empty for a plain text).
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.variants().filter(|(lang, _)| !lang.is_empty()).map(|(lang, _)| lang)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Plain(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_default_then_any_language() {
        let t: Text = serde_json::from_str(r#"{"zh": "姓名", "en": "Name"}"#).unwrap();
        assert_eq!(t.get("en", "zh"), "Name");
        assert_eq!(t.get("fr", "zh"), "姓名");
        let only_en: Text = serde_json::from_str(r#"{"en": "Name"}"#).unwrap();
        assert_eq!(only_en.get("zh", "zh"), "Name");
        assert_eq!(Text::from("户主").get("en", "zh"), "户主");
    }
}
