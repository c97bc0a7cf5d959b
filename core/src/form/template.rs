//! Texts with `${name}` interpolations: labels, hints, notes, row titles.

use crate::expr::Span;
use crate::schema::Text;

use super::id::FieldId;

/// A piece of an interpolated text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text.
    Lit(String),
    /// The value of a field.
    Ref(FieldId),
}

/// A text per language, split into literal pieces and references.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    /// Segments per language code, in the order written; `""` for a text that is the
    /// same in every language.
    pub languages: Vec<(String, Vec<Segment>)>,
}

impl Template {
    /// The segments for `lang`, falling back to `fallback`, then to any language.
    pub fn get(&self, lang: &str, fallback: &str) -> &[Segment] {
        let find = |l: &str| self.languages.iter().find(|(k, _)| k == l).map(|(_, v)| v.as_slice());
        find(lang)
            .or_else(|| find(fallback))
            .or_else(|| find(""))
            .or_else(|| self.languages.first().map(|(_, v)| v.as_slice()))
            .unwrap_or(&[])
    }

    /// Whether the text interpolates any value.
    pub fn is_dynamic(&self) -> bool {
        self.languages.iter().flat_map(|(_, v)| v).any(|s| matches!(s, Segment::Ref(_)))
    }

    /// The fields the text shows.
    pub fn references(&self) -> impl Iterator<Item = FieldId> + '_ {
        self.languages.iter().flat_map(|(_, v)| v).filter_map(|s| match s {
            Segment::Ref(id) => Some(*id),
            Segment::Lit(_) => None,
        })
    }
}

/// The `${name}` references in `text`, with their byte spans (of the whole `${…}`).
pub(crate) fn find_refs(text: &str) -> Vec<(&str, Span)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("${").map(|i| from + i) {
        match text[start + 2..].find('}') {
            Some(len) => {
                let end = start + 2 + len + 1;
                out.push((&text[start + 2..start + 2 + len], Span::new(start, end)));
                from = end;
            }
            None => break,
        }
    }
    out
}

/// Splits every language of `text`, resolving references with `resolve`; errors are
/// collected by the caller through `resolve`.
pub(crate) fn build(
    text: &Text,
    resolve: &mut dyn FnMut(&str, &str, Span) -> Option<FieldId>,
) -> Template {
    let mut languages = Vec::new();
    for (lang, s) in text.variants() {
        let mut segments = Vec::new();
        let mut last = 0;
        for (name, span) in find_refs(s) {
            if span.start as usize > last {
                segments.push(Segment::Lit(s[last..span.start as usize].to_owned()));
            }
            match resolve(s, name, span) {
                Some(id) => segments.push(Segment::Ref(id)),
                None => segments.push(Segment::Lit(s[span.range()].to_owned())),
            }
            last = span.end as usize;
        }
        if last < s.len() {
            segments.push(Segment::Lit(s[last..].to_owned()));
        }
        languages.push((lang.to_owned(), segments));
    }
    Template { languages }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_references_with_spans() {
        let refs = find_refs("第 ${n} 位成员：${m_name}，${ broken");
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].0, "n");
        assert_eq!(refs[1].0, "m_name");
    }
}
