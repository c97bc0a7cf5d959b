//! Findings about a questionnaire definition: JSON errors, schema errors and
//! expression errors, each pointing at the item, the property and the span.

use std::fmt::{self, Write as _};

use serde::Serialize;

use crate::Code;
use crate::expr::Span;
use crate::i18n::{self, Lang, Params};

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; the questionnaire still loads.
    Warning,
    /// The questionnaire cannot be used until this is fixed.
    Error,
}

/// One finding about a questionnaire definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// What is wrong.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// The item, as the names of its groups and itself joined by `/`
    /// (`household/member/m_age`); for JSON errors, the JSON path (`items[3].type`);
    /// empty for the questionnaire itself.
    pub item: String,
    /// The property of the item (`relevant`, `constraints[1]`, `choice_filter`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// The expression text the span points into.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The offending part of `source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Line and column (1-based) in the JSON file, for JSON errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<(usize, usize)>,
    /// Values filling the message template.
    pub params: Params,
}

impl Diagnostic {
    /// An error with `code` about `item`.
    pub fn error(code: Code, item: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            item: item.into(),
            property: None,
            source: None,
            span: None,
            position: None,
            params: Params::new(),
        }
    }

    /// A warning with `code` about `item`.
    pub fn warning(code: Code, item: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, item) }
    }

    /// Names the property the finding is in.
    pub fn in_property(mut self, property: impl Into<String>) -> Self {
        self.property = Some(property.into());
        self
    }

    /// Points at `span` of the expression `source`.
    pub fn at(mut self, source: &str, span: Span) -> Self {
        self.source = Some(source.to_owned());
        self.span = Some(span);
        self
    }

    /// Adds a param for the message.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        i18n::message(self.code, &self.params, lang)
    }

    /// A multi-line report: code and message in both languages, where it is, and the
    /// expression with a caret line under the span.
    ///
    /// ```text
    /// error[expr.unknown_ref]: 没有名为“m_agee”的题目 / No item is named “m_agee”
    ///   --> form.json: member/m_is_child (relevant)
    ///    |
    ///    | ${m_agee} < 16
    ///    | ^^^^^^^^^
    /// ```
    pub fn render(&self, file: &str) -> String {
        let mut place = file.to_owned();
        if let Some((line, column)) = self.position {
            let _ = write!(place, ":{line}:{column}");
        }
        if !self.item.is_empty() {
            place.push_str(": ");
            place.push_str(&self.item);
        }
        if let Some(property) = &self.property {
            let _ = write!(place, " ({property})");
        }
        report(
            self.severity,
            self.code,
            &self.params,
            &place,
            self.source.as_deref().zip(self.span),
        )
    }
}

/// The report every finding renders to: `level[code]: 中文 / English`, `--> place`, and
/// the expression with a caret line under the span when there is one.
pub(crate) fn report(
    severity: Severity,
    code: Code,
    params: &Params,
    place: &str,
    expression: Option<(&str, Span)>,
) -> String {
    let level = match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!(
        "{level}[{code}]: {} / {}\n  --> {place}\n",
        i18n::message(code, params, Lang::Zh),
        i18n::message(code, params, Lang::En)
    );
    if let Some((source, span)) = expression {
        out.push_str("   |\n");
        out.push_str(&caret_lines(source, span));
    }
    out
}

/// The source line(s) with a caret line under `span`, each prefixed `   | `. Widths
/// count Chinese characters as two columns so carets line up in a terminal.
pub fn caret_lines(source: &str, span: Span) -> String {
    let start = (span.start as usize).min(source.len());
    let end = (span.end as usize).clamp(start, source.len());
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
    let line = &source[line_start..line_end];
    let before = display_width(&source[line_start..start]);
    let width = display_width(&source[start..end.min(line_end)]).max(1);
    format!("   | {line}\n   | {}{}\n", " ".repeat(before), "^".repeat(width))
}

fn display_width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) >= 0x1100 && !c.is_ascii() { 2 } else { 1 }).sum()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.code)?;
        if !self.item.is_empty() {
            write!(f, "{}", self.item)?;
            if let Some(p) = &self.property {
                write!(f, " ({p})")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&i18n::bilingual(self.code, &self.params))
    }
}

/// A questionnaire that could not be loaded, with every error found (and any warnings).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} error(s) in the questionnaire; first: {}", self.errors().count(), self.errors().next().map(ToString::to_string).unwrap_or_default())]
pub struct LoadError {
    /// Everything found, errors and warnings, in questionnaire order.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// The diagnostics that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_span_even_after_chinese_text() {
        let src = "'男' = ${sexx}";
        let start = src.find('$').unwrap();
        let out = caret_lines(src, Span::new(start, src.len()));
        assert_eq!(out, "   | '男' = ${sexx}\n   |        ^^^^^^^\n");
    }
}
