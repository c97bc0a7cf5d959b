//! Reading the format's "either this or that" values ([`super::Text`],
//! [`super::Condition`], [`super::Bound`]) without buffering them.
//!
//! `#[serde(untagged)]` would first copy the whole value into serde's private
//! `Content` tree and then try each variant on that copy; in the browser build that
//! machinery costs several kilobytes. Here the value is read once, straight into
//! [`Any`], which keeps what any of the three types can use (a string, a boolean, a
//! number, or an object of strings) and skips the rest. The results are the same as
//! with `untagged`: the same values accepted, and anything else reported, after the
//! whole value has been read, as "data did not match any variant of untagged enum …".

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::Translations;
use super::packed;

/// A JSON value as far as the untagged types need it.
pub(super) enum Any {
    /// A string.
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// An object: its strings by key when every value is a string and no key repeats,
    /// else `None`.
    Map(Option<Translations>),
    /// Anything else (null, arrays), read and dropped.
    Other,
}

/// The error `#[serde(untagged)]` gives when no variant fits.
pub(super) fn no_variant<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("data did not match any variant of untagged enum {name}"))
}

/// Reads any value into [`Any`]; it fails only where the input itself is malformed.
pub(super) struct AnyVisitor;

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = Any;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Any, E> {
        Ok(Any::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Any, E> {
        Ok(Any::Num(v as f64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Any, E> {
        Ok(Any::Num(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Any, E> {
        Ok(Any::Num(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Any, E> {
        Ok(Any::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Any, E> {
        Ok(Any::Str(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Any, E> {
        // As serde's `String` does: bytes that are UTF-8 make a string.
        Ok(std::str::from_utf8(v).map_or(Any::Other, |s| Any::Str(s.to_owned())))
    }

    fn visit_unit<E>(self) -> Result<Any, E> {
        Ok(Any::Other)
    }

    fn visit_none<E>(self) -> Result<Any, E> {
        Ok(Any::Other)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Any, D::Error> {
        d.deserialize_any(AnyVisitor).map(|_| Any::Other)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Any, D::Error> {
        d.deserialize_any(AnyVisitor).map(|_| Any::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Any, A::Error> {
        while seq.next_element_seed(Seed)?.is_some() {}
        Ok(Any::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Any, A::Error> {
        let mut pairs = Some(packed::Builder::default());
        while let Some(key) = map.next_key_seed(Seed)? {
            let value = map.next_value_seed(Seed)?;
            if let (Some(list), Any::Str(lang), Any::Str(text)) = (&mut pairs, key, value)
                && list.push(&lang, &text)
            {
            } else {
                pairs = None;
            }
        }
        Ok(Any::Map(pairs.map(|p| Translations(p.finish()))))
    }
}

struct Seed;

impl<'de> de::DeserializeSeed<'de> for Seed {
    type Value = Any;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Any, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Code, Questionnaire};

    /// Parses an item with `property` set; the error's detail and position.
    fn parse(property: &str) -> Result<Questionnaire, (String, (usize, usize))> {
        let json = format!(
            "{{\"id\": \"x\", \"version\": \"1\", \"title\": \"t\", \"items\": [{{\"type\": \"integer\", \"name\": \"a\", {property}}}\n]}}"
        );
        Questionnaire::from_json(&json).map_err(|d| {
            assert_eq!(d.code, Code::JsonFormat, "{d:?}");
            (d.params["detail"].as_str().unwrap().to_owned(), d.position.unwrap())
        })
    }

    /// Positions and messages as `#[serde(untagged)]` gave them (recorded before the
    /// change): the error comes after the whole value has been read.
    #[test]
    fn fails_where_and_as_untagged_did() {
        let text = |at| Err(("data did not match any variant of untagged enum Text".into(), at));
        let cond =
            |at| Err(("data did not match any variant of untagged enum Condition".into(), at));
        let bound = |at| Err(("data did not match any variant of untagged enum Bound".into(), at));
        for (property, expected) in [
            (r#""label": 5"#, text((1, 96))),
            (r#""label": ["a"]"#, text((1, 100))),
            (r#""label": {"zh": 5}"#, text((1, 104))),
            (r#""label": {"zh": {"a": [1, {"b": null}]}, "en": "x"}"#, text((1, 137))),
            ("\"label\": {\"zh\": 5}  \n ", text((2, 2))),
            (r#""label": 5, "hint": "h""#, text((1, 95))),
            (r#""required": 1"#, cond((1, 99))),
            (r#""required": {"a": 1}"#, cond((1, 106))),
            (r#""min": false"#, bound((1, 98))),
            (r#""min": {"a": "b"}"#, bound((1, 103))),
        ] {
            assert_eq!(parse(property).map(|_| ()), expected, "{property}");
        }
    }

    /// A language twice in one text is refused before the text is read, at the second
    /// key (not as "did not match any variant").
    #[test]
    fn a_language_twice_is_a_duplicate_key() {
        let json = r#"{"id": "x", "version": "1", "title": "t", "items": [{"type": "integer", "name": "a", "label": {"zh": "a", "zh": "b"}}]}"#;
        let d = Questionnaire::from_json(json).unwrap_err();
        assert_eq!(
            (d.code, d.item.as_str(), d.position),
            (Code::JsonDuplicateKey, "items[0].label.zh", Some((1, 107)))
        );
        assert_eq!(d.params["key"], "zh");
    }

    #[test]
    fn reads_every_variant() {
        use crate::schema::{Bound, Condition, Text};
        let item = |p| parse(p).unwrap().items.remove(0);
        assert_eq!(item(r#""label": "x""#).label, Some(Text::from("x")));
        let per_language = item(r#""label": {"zh": "甲", "en": "A"}"#).label.unwrap();
        assert_eq!(per_language.variants().collect::<Vec<_>>(), [("zh", "甲"), ("en", "A")]);
        assert_eq!(item(r#""label": null"#).label, None);
        assert_eq!(item(r#""required": true"#).required, Some(Condition::Fixed(true)));
        assert_eq!(item(r#""required": "${a}""#).required, Some(Condition::Expr("${a}".into())));
        assert_eq!(item(r#""min": -3"#).min, Some(Bound::Number(-3.0)));
        assert_eq!(
            item(r#""min": 18446744073709551615"#).min,
            Some(Bound::Number(u64::MAX as f64))
        );
        assert_eq!(item(r#""min": "today""#).min, Some(Bound::Text("today".into())));
    }
}
