//! Reading JSON documents (questionnaires, responses) into the format's types with
//! errors that say where: line, column and the JSON path.
//!
//! Every document is read strictly first (`json/strict.rs`, feature `strict-json`): the
//! same key twice in one object, nesting deeper than [`MAX_DEPTH`] or more memory than
//! [`memory_budget`] is an error, wherever it is.
//!
//! The browser build leaves the strict reading out for size (3.3 KiB gzip of the app
//! shell), as it leaves out `path-errors`: the app reads only questionnaires the server
//! has read strictly and responses it wrote itself, and the server reads every upload
//! strictly, so what the app would take leniently never gets stored. The verdict on the
//! answers is the same either way.

#[cfg(feature = "strict-json")]
mod strict;

use serde::de::DeserializeOwned;

#[cfg(feature = "strict-json")]
pub use strict::{MAX_DEPTH, MEMORY_FACTOR, MEMORY_FLOOR, memory_budget};

use crate::{Code, Diagnostic};

/// Reads `text` into a JSON value, strictly: a duplicate key gives
/// [`Code::JsonDuplicateKey`] naming the key, its path, line and column; nesting deeper
/// than [`MAX_DEPTH`] gives [`Code::JsonTooDeep`]; text that would take more than
/// [`memory_budget`] once read gives [`Code::JsonTooLarge`]; a syntax error gives
/// [`Code::JsonSyntax`] with line and column.
pub fn parse_value(text: &str) -> Result<serde_json::Value, Box<Diagnostic>> {
    #[cfg(feature = "strict-json")]
    return strict::read(text);
    #[cfg(not(feature = "strict-json"))]
    serde_json::from_str(text).map_err(|e| Box::new(to_diagnostic(&e, String::new())))
}

/// Checks `text` as [`parse_value`] does, keeping nothing (without `strict-json`,
/// nothing: the typed parse that follows finds the syntax errors).
pub fn check(text: &str) -> Result<(), Box<Diagnostic>> {
    #[cfg(feature = "strict-json")]
    return strict::check(text);
    #[cfg(not(feature = "strict-json"))]
    {
        let _ = text;
        Ok(())
    }
}

/// Parses `text` as a `T`. It is checked as [`parse_value`] reads it first (duplicate
/// keys, depth, size). A syntax error gives [`Code::JsonSyntax`] with line and column;
/// JSON that does not fit `T` gives [`Code::JsonFormat`] with line, column and the
/// path of the offending value (`items[3].type`).
#[cfg(feature = "path-errors")]
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Box<Diagnostic>> {
    check(text)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    match result {
        Ok(value) => match de.end() {
            Ok(()) => Ok(value),
            Err(e) => Err(Box::new(to_diagnostic(&e, String::new()))),
        },
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            Err(Box::new(to_diagnostic(e.inner(), path)))
        }
    }
}

/// Parses `text` as a `T`, with line and column on error (no JSON path: built without
/// the `path-errors` feature).
#[cfg(not(feature = "path-errors"))]
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Box<Diagnostic>> {
    check(text)?;
    serde_json::from_str(text).map_err(|e| Box::new(to_diagnostic(&e, String::new())))
}

/// Parses `text` as a `T`, a document other than a questionnaire: `document` names it
/// (`"response"`, `"case"`) in the message of JSON that does not fit it.
pub(crate) fn parse_document<T: DeserializeOwned>(
    text: &str,
    document: &'static str,
) -> Result<T, Box<Diagnostic>> {
    parse(text).map_err(|d| {
        if d.code == Code::JsonFormat { Box::new((*d).with("document", document)) } else { d }
    })
}

fn to_diagnostic(e: &serde_json::Error, path: String) -> Diagnostic {
    use serde_json::error::Category;
    let code = match e.classify() {
        Category::Data => Code::JsonFormat,
        Category::Syntax | Category::Eof | Category::Io => Code::JsonSyntax,
    };
    // serde_json appends " at line L column C" to its messages; we carry that separately.
    let text = e.to_string();
    let detail = text.rsplit_once(" at line ").map_or(text.as_str(), |(head, _)| head).to_owned();
    let mut d = Diagnostic::error(code, path).with("detail", detail);
    if e.line() > 0 {
        d.position = Some((e.line(), e.column()));
    }
    d
}

/// Reads a variant of an enum whose variants carry no data (`ItemType`, `MetaKind`,
/// `Status`) as its index in `variants`, exactly as `#[derive(Deserialize)]` reads such
/// an enum (a string, or an object with the variant's name as its one key and `null`),
/// with the same errors. One function for all of them rather than one derived copy of
/// serde_json's enum reading per type: kilobytes less in the browser build.
pub(crate) fn unit_variant<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
    name: &'static str,
    variants: &'static [&'static str],
) -> Result<usize, D::Error> {
    deserializer.deserialize_enum(name, variants, unit::Enum { name, variants })
}

mod unit {
    use std::fmt;

    use serde::de::{self, Deserializer, EnumAccess, Unexpected, VariantAccess, Visitor};

    pub(super) struct Enum {
        pub(super) name: &'static str,
        pub(super) variants: &'static [&'static str],
    }

    impl<'de> Visitor<'de> for Enum {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "enum {}", self.name)
        }

        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
            let (index, variant) = data.variant_seed(Variant(self.variants))?;
            variant.unit_variant()?;
            Ok(index)
        }
    }

    /// The variant's name (or index), as the derive's `__Field` reads it.
    struct Variant(&'static [&'static str]);

    impl<'de> de::DeserializeSeed<'de> for Variant {
        type Value = usize;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
            d.deserialize_identifier(self)
        }
    }

    /// "variant index 0 <= i < N", as the derive words it.
    struct IndexBelow(usize);

    impl de::Expected for IndexBelow {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "variant index 0 <= i < {}", self.0)
        }
    }

    impl Visitor<'_> for Variant {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("variant identifier")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
            match usize::try_from(v) {
                Ok(i) if i < self.0.len() => Ok(i),
                _ => Err(E::invalid_value(Unexpected::Unsigned(v), &IndexBelow(self.0.len()))),
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
            self.0.iter().position(|n| *n == v).ok_or_else(|| E::unknown_variant(v, self.0))
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
            self.0
                .iter()
                .position(|n| n.as_bytes() == v)
                .ok_or_else(|| E::unknown_variant(&String::from_utf8_lossy(v), self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Questionnaire;

    #[test]
    fn syntax_error_names_line_and_column() {
        let err =
            parse::<Questionnaire>("{\n  \"id\": \"x\",\n  \"version\" \"1\"\n}").unwrap_err();
        assert_eq!(err.code, Code::JsonSyntax);
        assert_eq!(err.position, Some((3, 13)));
    }

    #[test]
    fn format_error_names_the_path() {
        let json = r#"{"id": "x", "version": "1", "title": "t", "items": [
            {"type": "text", "name": "a"},
            {"type": "integer", "name": "b", "requierd": true}
        ]}"#;
        let err = parse::<Questionnaire>(json).unwrap_err();
        assert_eq!(err.code, Code::JsonFormat);
        assert_eq!(err.item, "items[1].requierd");
        assert!(err.params["detail"].as_str().unwrap().contains("requierd"), "{err:?}");
        assert_eq!(err.position.map(|p| p.0), Some(3));
    }

    #[test]
    fn a_format_error_names_the_document_it_reads() {
        use crate::Lang;
        let cases: [(Box<Diagnostic>, &str, &str); 3] = [
            (
                parse::<Questionnaire>(r#"{"id": "x", "bad": 1}"#).unwrap_err(),
                "内容不符合问卷格式",
                "Does not fit the questionnaire format",
            ),
            (
                crate::Response::from_json(r#"{"bad": 1}"#).unwrap_err(),
                "内容不符合答卷格式",
                "Does not fit the response format",
            ),
            (
                crate::case::Case::from_json(r#"{"bad": 1}"#).unwrap_err(),
                "内容不符合测试用例格式",
                "Does not fit the test case format",
            ),
        ];
        for (err, zh, en) in cases {
            assert_eq!(err.code, Code::JsonFormat, "{err:?}");
            assert!(err.message(Lang::Zh).starts_with(zh), "{}", err.message(Lang::Zh));
            assert!(err.message(Lang::En).starts_with(en), "{}", err.message(Lang::En));
            assert!(err.message(Lang::En).contains("unknown field `bad`"), "{err:?}");
        }
        // A syntax error is the same whatever the document.
        let err = crate::Response::from_json("{").unwrap_err();
        assert_eq!(err.code, Code::JsonSyntax);
        assert!(!err.params.contains_key("document"), "{err:?}");
    }

    /// What the derived `Deserialize` gave (recorded before `unit_variant` replaced it).
    #[test]
    fn unit_variants_read_and_fail_as_derived() {
        let item = |ty: &str| {
            let json = format!(
                r#"{{"id": "x", "version": "1", "title": "t", "items": [{{"type": {ty}, "name": "a"}}]}}"#
            );
            parse::<Questionnaire>(&json)
        };
        assert_eq!(item(r#"{"text": null}"#).unwrap().items[0].kind, crate::ItemType::Text);
        let err = item(r#"{"text": 1}"#).unwrap_err();
        assert_eq!((err.code, err.item.as_str()), (Code::JsonFormat, "items[0].type.text"));
        assert_eq!(err.params["detail"], "invalid type: integer `1`, expected unit");
        let err = item("5").unwrap_err();
        assert_eq!((err.code, err.position), (Code::JsonSyntax, Some((1, 62))));
        let err = parse::<crate::Response>(
            r#"{"instance_id": "i", "questionnaire": {"id": "x", "version": "1"}, "status": "txt"}"#,
        )
        .unwrap_err();
        assert_eq!(err.params["detail"], "unknown variant `txt`, expected `draft` or `complete`");
        assert_eq!((err.item.as_str(), err.position), ("status", Some((1, 82))));
    }

    #[test]
    fn unknown_type_is_reported_with_its_path() {
        let json =
            r#"{"id": "x", "version": "1", "title": "t", "items": [{"type": "txt", "name": "a"}]}"#;
        let err = parse::<Questionnaire>(json).unwrap_err();
        assert_eq!(err.item, "items[0].type");
    }
}
