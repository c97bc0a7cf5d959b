//! Reading JSON documents (questionnaires, responses) into the format's types with
//! errors that say where: line, column and the JSON path.

use serde::de::DeserializeOwned;

use crate::{Code, Diagnostic};

/// Parses `text` as a `T`. A syntax error gives [`Code::JsonSyntax`] with line and
/// column; JSON that does not fit `T` gives [`Code::JsonFormat`] with line, column and
/// the path of the offending value (`items[3].type`).
#[cfg(feature = "path-errors")]
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Box<Diagnostic>> {
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
    serde_json::from_str(text).map_err(|e| Box::new(to_diagnostic(&e, String::new())))
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
    fn unknown_type_is_reported_with_its_path() {
        let json =
            r#"{"id": "x", "version": "1", "title": "t", "items": [{"type": "txt", "name": "a"}]}"#;
        let err = parse::<Questionnaire>(json).unwrap_err();
        assert_eq!(err.item, "items[0].type");
    }
}
