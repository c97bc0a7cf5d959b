//! Human-facing text: one string, or one string per language.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::packed::{self, Packed};

/// A label, hint or message: either one string for every language, or a map from
/// language code (`zh`, `en`, …) to the string in that language.
///
/// Texts may interpolate answers with `${name}`; see [`crate::form::Template`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Text {
    /// The same text in every language.
    Plain(String),
    /// One text per language code, e.g. `{"zh": "姓名", "en": "Name"}`.
    PerLanguage(Translations),
}

/// Strings by language code, in the order written, packed in one text
/// (`schema/packed.rs`): a province's village labels are most of a big list's memory.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Translations(pub(super) Packed);

impl Translations {
    /// The string for `lang`.
    pub fn get(&self, lang: &str) -> Option<&str> {
        self.0.get(lang)
    }

    /// Sets the string for `lang`, replacing any.
    pub fn insert(&mut self, lang: &str, text: &str) {
        self.0 = self.0.with(lang, text);
    }

    /// (language, string) pairs, in the order written.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter()
    }

    /// The strings, in the order written.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(_, t)| t)
    }

    /// Whether there is no string at all.
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }
}

impl fmt::Debug for Translations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<L: AsRef<str>, T: AsRef<str>> FromIterator<(L, T)> for Translations {
    fn from_iter<I: IntoIterator<Item = (L, T)>>(iter: I) -> Self {
        let mut out = Translations::default();
        for (l, t) in iter {
            out.insert(l.as_ref(), t.as_ref());
        }
        out
    }
}

impl Serialize for Translations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Translations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let packed::Pairs(pairs) = packed::Pairs::deserialize(deserializer)?;
        let mut out = packed::Builder::default();
        for (lang, text) in &pairs {
            if !out.push(lang, text) {
                return Err(serde::de::Error::custom(format!("language `{lang}` given twice")));
            }
        }
        Ok(Translations(out.finish()))
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(super::untagged::AnyVisitor)? {
            super::untagged::Any::Str(s) => Ok(Text::Plain(s)),
            super::untagged::Any::Map(Some(map)) => Ok(Text::PerLanguage(map)),
            _ => Err(super::untagged::no_variant("Text")),
        }
    }
}

#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for Translations {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Translations".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Strings by language code, e.g. {\"zh\": \"姓名\", \"en\": \"Name\"}.",
            "type": "object",
            "additionalProperties": {"type": "string"}
        })
    }
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
                .unwrap_or(""),
        }
    }

    /// Every string in this text, whatever its language.
    pub fn variants(&self) -> impl Iterator<Item = (&str, &str)> {
        let (plain, map) = match self {
            Text::Plain(s) => (Some(("", s.as_str())), None),
            Text::PerLanguage(map) => (None, Some(map)),
        };
        plain.into_iter().chain(map.into_iter().flat_map(Translations::iter))
    }

    /// The language codes this text has a string for (empty for a plain text).
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.variants().filter(|(lang, _)| !lang.is_empty()).map(|(lang, _)| lang)
    }
}

impl Default for Text {
    /// The empty text.
    fn default() -> Self {
        Text::Plain(String::new())
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
