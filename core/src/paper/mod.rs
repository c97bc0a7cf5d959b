//! The questionnaire on paper: a compiled [`Form`] rendered as one self-contained HTML
//! page for A4 (inline CSS, no script, nothing fetched), in one language, that a field
//! team prints when a phone dies and a township office files as its record card.
//!
//! What the page holds, and what must stay true of it:
//! - Questions are numbered 1, 2, 3… in order, roster columns included (a matrix's rows
//!   are 24.1, 24.2…); notes are printed unnumbered; computed, hidden and device items
//!   are left out (a read-only question showing a computed value is marked computed).
//! - Every question's label and every choice's label is on the page, in the chosen
//!   language (the questionnaire's default where a text lacks it).
//! - Choices are tick marks: ○ for one answer, □ for all that apply; text answers get
//!   character boxes or lines sized by their length limit (18 boxes for a resident ID,
//!   11 for a mobile phone); numbers their unit and range; dates `____年__月__日`.
//! - Skip logic is written out from each `relevant` in words ("仅当第 5 题选“是”时
//!   回答"); an expression too complex for words is printed readably, never dropped.
//! - Roster groups (repeats) are tables, one column per question, wrapped into several
//!   tables when wide, with as many blank rows as a literal `repeat_count` says, else
//!   [`Options::roster_rows`] (within the repeat's `min_rows`/`max_rows`).
//! - All questionnaire text is untrusted: every piece goes through HTML escaping, and
//!   nothing from the questionnaire reaches an attribute or the style sheet unescaped.

mod index;
mod phrases;
mod words;

use std::fmt::Write as _;

use crate::Form;
use crate::expr::num_to_string;
use crate::schema::{Bound, Condition, Item, ItemType, Questionnaire, Text};

use index::{Index, is_numbered};
use phrases::Phrases;
use phrases::Scope;

/// How a questionnaire is printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The language of the page (`zh`, `en`, …): texts in it where the questionnaire
    /// has them, else in its default language; the page's own words are Chinese for
    /// `zh…` and English otherwise.
    pub lang: String,
    /// Blank rows of a roster table whose `repeat_count` is not a number (1 to
    /// [`MAX_ROSTER_ROWS`]).
    pub roster_rows: u32,
}

/// The most blank rows a roster table is given.
pub const MAX_ROSTER_ROWS: u32 = 60;

/// Rows of a roster table when nothing says how many.
pub const DEFAULT_ROSTER_ROWS: u32 = 6;

impl Default for Options {
    fn default() -> Self {
        Options { lang: "zh".to_owned(), roster_rows: DEFAULT_ROSTER_ROWS }
    }
}

/// The most columns of one roster table before it is wrapped into another.
const MAX_COLUMNS: usize = 6;

/// A choice list printed in a roster cell as tick marks, rather than as codes, when it
/// is this short.
const INLINE_CHOICES: usize = 3;

/// The most choices a question prints; a longer list (a province's villages from a
/// choice file) gets a line to write the name on, so the page stays a few pages long.
pub const MAX_PRINTED_CHOICES: usize = 120;

/// The page's style: A4, compact, Chinese fonts first.
const STYLE: &str = include_str!("paper.css");

/// The questionnaire of `form` as one HTML page for printing on A4.
pub fn render(form: &Form, options: &Options) -> String {
    let q = form.questionnaire();
    let ph = Phrases::for_lang(&options.lang);
    let index = Index::new(q, &options.lang, ph);
    let mut page = Page { out: String::with_capacity(64 * 1024), index: &index, ph, options };
    page.document(q);
    page.out
}

/// The page being written.
struct Page<'a> {
    out: String,
    index: &'a Index<'a>,
    ph: &'static Phrases,
    options: &'a Options,
}

impl<'a> Page<'a> {
    /// Markup written as is: only ever a literal of this module or a number.
    fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// Text from the questionnaire, escaped.
    fn text(&mut self, text: &str) {
        html_escape::encode_text_to_string(text, &mut self.out);
    }

    /// A questionnaire text in the page's language, with each `${name}` a blank to
    /// fill in, escaped.
    fn label(&mut self, text: &'a Text) {
        let s = self.index.text(text);
        let mut from = 0;
        for (_, span) in crate::form::find_refs(s) {
            let range = span.range();
            self.text(&s[from..range.start]);
            self.raw("<u class=\"blank\"></u>");
            from = range.end;
        }
        self.text(&s[from..]);
    }

    fn document(&mut self, q: &'a Questionnaire) {
        self.raw("<!DOCTYPE html>\n<html lang=\"");
        html_escape::encode_double_quoted_attribute_to_string(&self.options.lang, &mut self.out);
        self.raw("\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
        self.label(&q.title);
        self.raw("</title>\n<style>\n");
        self.raw(STYLE);
        self.raw("</style>\n</head>\n<body>\n<header>\n<h1>");
        self.label(&q.title);
        self.raw("</h1>\n<p class=\"meta\">");
        self.text(&q.id);
        self.raw(" · ");
        self.raw(self.ph.version);
        self.raw(" ");
        self.text(&q.version);
        self.raw("</p>\n");
        if let Some(d) = &q.description {
            self.raw("<p class=\"description\">");
            self.label(d);
            self.raw("</p>\n");
        }
        self.raw("<p class=\"legend\">");
        self.raw(self.ph.required_legend);
        self.raw("</p>\n</header>\n");
        self.items(&q.items, 2);
        self.raw("</body>\n</html>\n");
    }

    fn items(&mut self, items: &'a [Item], depth: u8) {
        for item in items {
            match item.kind {
                ItemType::Group => self.group(item, depth),
                ItemType::Repeat => self.roster(item, depth),
                ItemType::Note => self.note(item),
                _ if is_numbered(item) => self.question(item),
                _ => {}
            }
        }
    }

    /// The skip instruction of `item`, if it has a relevance: a line of its own for a
    /// section, else inline after the question's label.
    fn skip(&mut self, item: &Item, scope: Scope) {
        if let Some(relevant) = &item.relevant {
            let words = words::instruction(relevant, self.index, self.ph, scope);
            let tag = if scope == Scope::Section { "p" } else { "span" };
            let _ = write!(self.out, "<{tag} class=\"skip\">→ ");
            self.text(&words);
            let _ = writeln!(self.out, "</{tag}>");
        }
    }

    fn hint(&mut self, item: &'a Item) {
        if let Some(hint) = &item.hint {
            self.raw("<p class=\"hint\">");
            self.label(hint);
            self.raw("</p>\n");
        }
    }

    fn heading(&mut self, item: &'a Item, depth: u8) {
        if let Some(label) = &item.label {
            let _ = write!(self.out, "<h{} class=\"section\">", depth.min(4));
            self.label(label);
            let _ = writeln!(self.out, "</h{}>", depth.min(4));
        }
    }

    fn group(&mut self, item: &'a Item, depth: u8) {
        self.raw("<section class=\"group\">\n");
        self.heading(item, depth);
        self.skip(item, Scope::Section);
        self.hint(item);
        self.items(&item.items, depth + 1);
        self.raw("</section>\n");
    }

    fn note(&mut self, item: &'a Item) {
        let Some(label) = &item.label else { return };
        self.raw("<div class=\"note\">\n<p>");
        self.label(label);
        self.raw("</p>\n");
        self.skip(item, Scope::Question);
        self.hint(item);
        self.raw("</div>\n");
    }

    /// The number, label, required mark and kind of answer of a question.
    fn question_head(&mut self, item: &'a Item) {
        let number = self.index.number(&item.name).unwrap_or_default().to_owned();
        self.raw("<span class=\"n\">");
        self.text(&number);
        self.raw(".</span> ");
        if let Some(label) = &item.label {
            self.label(label);
        }
        if item.required == Some(Condition::Fixed(true)) {
            self.raw("<b class=\"req\">*</b>");
        }
        let kind = match item.kind {
            ItemType::SelectOne | ItemType::Likert => Some(self.ph.single),
            ItemType::SelectMultiple => Some(self.ph.multiple),
            ItemType::Rank => Some(self.ph.rank),
            _ => None,
        };
        if let Some(kind) = kind {
            let bounds = self.ph.selected_bounds(item.min_selected, item.max_selected);
            self.raw("<span class=\"kind\">");
            self.raw(self.ph.open);
            self.raw(kind);
            if let Some(bounds) = bounds {
                self.raw(if self.ph.zh { "，" } else { ", " });
                self.text(&bounds);
            }
            self.raw(self.ph.close);
            self.raw("</span>");
        }
        if let Some(filter) = &item.choice_filter {
            let by = crate::form::find_refs(filter)
                .into_iter()
                .find_map(|(name, _)| self.index.number(name))
                .map(|n| self.ph.filtered_by.replace("{}", n));
            if let Some(by) = by {
                self.raw("<span class=\"kind\">");
                self.raw(self.ph.open);
                self.text(&by);
                self.raw(self.ph.close);
                self.raw("</span>");
            }
        }
    }

    /// A question: its label, skip instruction and answer on one line where they fit,
    /// the hint under them.
    fn question(&mut self, item: &'a Item) {
        self.raw("<div class=\"q\">\n<span class=\"label\">");
        self.question_head(item);
        self.raw("</span>\n");
        self.skip(item, Scope::Question);
        if item.calculation.is_some() {
            self.raw("<span class=\"a\">");
            self.raw(self.ph.computed);
            self.raw("</span>\n");
        } else if item.kind == ItemType::Matrix {
            self.hint(item);
            self.matrix(item);
        } else {
            self.raw("<span class=\"a\">");
            self.answer(item, false);
            self.raw("</span>\n");
        }
        if item.kind != ItemType::Matrix {
            self.hint(item);
        }
        self.raw("</div>\n");
    }

    /// Where the answer is written: tick marks, boxes or lines. `cell`: inside a roster
    /// table, where space is short.
    fn answer(&mut self, item: &'a Item, cell: bool) {
        match item.kind {
            ItemType::SelectOne | ItemType::Likert => self.choices(item, "○"),
            ItemType::SelectMultiple | ItemType::Rank => self.choices(item, "□"),
            ItemType::Text => self.text_answer(item, cell),
            ItemType::Integer | ItemType::Decimal | ItemType::Range => self.number(item, cell),
            ItemType::Rating => {
                for star in 1..=item.scale.unwrap_or(5) {
                    let _ = write!(self.out, "<span class=\"c\">○ {star}</span>");
                }
            }
            ItemType::Date => self.raw(self.ph.date_blanks()),
            ItemType::Time => self.raw(self.ph.time_blanks()),
            ItemType::Datetime => {
                self.raw(self.ph.date_blanks());
                self.raw(" ");
                self.raw(self.ph.time_blanks());
            }
            ItemType::Phone => self.boxes(11),
            ItemType::IdNumber => self.boxes(18),
            ItemType::Email => self.line(24),
            ItemType::Geopoint => {
                self.raw(self.ph.latitude);
                self.raw(" ");
                self.line(8);
                self.raw(" ");
                self.raw(self.ph.longitude);
                self.raw(" ");
                self.line(8);
            }
            ItemType::Acknowledge => {
                self.raw("<span class=\"c\">□ ");
                self.raw(self.ph.acknowledge);
                self.raw("</span>");
            }
            ItemType::Signature | ItemType::Draw => {
                self.raw("<span class=\"sig\">");
                self.raw(self.ph.signature);
                self.raw("</span>");
            }
            ItemType::Image | ItemType::File | ItemType::Audio => self.raw(self.ph.attachment),
            ItemType::Group
            | ItemType::Repeat
            | ItemType::Note
            | ItemType::Calculate
            | ItemType::Hidden
            | ItemType::Matrix
            | ItemType::Meta => {}
        }
    }

    fn choices(&mut self, item: &'a Item, mark: &str) {
        let list = item.choices.as_deref().map_or(&[][..], |l| self.index.choices(l));
        if list.len() > MAX_PRINTED_CHOICES {
            self.line(16);
            self.raw("<span class=\"r\">");
            self.text(&self.ph.write_name(list.len()));
            self.raw("</span>");
            return;
        }
        for choice in list {
            self.raw("<span class=\"c\">");
            self.raw(mark);
            self.raw(" ");
            self.label(&choice.label);
            self.raw("</span> ");
        }
    }

    fn boxes(&mut self, n: u32) {
        self.raw("<span class=\"boxes\">");
        for _ in 0..n {
            self.raw("<i></i>");
        }
        self.raw("</span>");
    }

    /// A blank line about `em` characters wide.
    fn line(&mut self, em: u32) {
        let _ = write!(self.out, "<u class=\"line\" style=\"width:{}em\"></u>", em.clamp(2, 40));
    }

    fn text_answer(&mut self, item: &Item, cell: bool) {
        let multiline = item.appearance.as_deref().is_some_and(|a| a.contains("multiline"));
        let max = item.max_length;
        if cell {
            return;
        }
        match max {
            Some(n) if n <= 12 && !multiline => self.boxes(n),
            _ if multiline || max.is_some_and(|n| n > 60) => {
                let lines = max.map_or(3, |n| n.div_ceil(60).clamp(2, 6));
                for _ in 0..lines {
                    self.raw("<u class=\"line full\"></u>");
                }
            }
            _ => self.line(max.map_or(20, |n| n.min(40))),
        }
        if let Some(n) = max.filter(|&n| n > 12) {
            self.raw("<span class=\"r\">");
            self.raw(self.ph.open);
            self.text(&self.ph.max_chars(n));
            self.raw(self.ph.close);
            self.raw("</span>");
        }
    }

    fn number(&mut self, item: &'a Item, cell: bool) {
        let unit = item.label.as_ref().and_then(|l| unit(self.index.text(l)));
        let number = |b: &Option<Bound>| match b {
            Some(Bound::Number(n)) => Some(group_digits(&num_to_string(*n))),
            _ => None,
        };
        let range = phrases::range(number(&item.min).as_deref(), number(&item.max).as_deref());
        if !cell {
            self.line(8);
            if let Some(unit) = unit {
                self.raw(" ");
                self.text(unit);
            }
        }
        if let Some(range) = range {
            self.raw("<span class=\"r\">");
            self.raw(self.ph.open);
            self.text(&range);
            if let Some(unit) = unit {
                self.raw(" ");
                self.text(unit);
            }
            if item.kind == ItemType::Decimal && !cell {
                self.raw(if self.ph.zh { "，" } else { ", " });
                self.raw(self.ph.decimals);
            }
            self.raw(self.ph.close);
            self.raw("</span>");
        }
    }

    fn matrix(&mut self, item: &'a Item) {
        let list = item.choices.as_deref().map_or(&[][..], |l| self.index.choices(l));
        self.raw("<table class=\"matrix\">\n<thead><tr><th></th>");
        for choice in list {
            self.raw("<th>");
            self.label(&choice.label);
            self.raw("</th>");
        }
        self.raw("</tr></thead>\n<tbody>\n");
        for row in &item.rows {
            let number = self.index.number(&row.name).unwrap_or_default().to_owned();
            self.raw("<tr><th>");
            self.text(&number);
            self.raw(" ");
            self.label(&row.label);
            self.raw("</th>");
            for _ in list {
                self.raw("<td>○</td>");
            }
            self.raw("</tr>\n");
        }
        self.raw("</tbody>\n</table>\n");
    }

    /// A repeat as tables: one column per question, one blank row per member.
    fn roster(&mut self, item: &'a Item, depth: u8) {
        let columns: Vec<&'a Item> = item.descendants().filter(|i| is_numbered(i)).collect();
        let rows = roster_rows(item, self.options.roster_rows);
        self.raw("<section class=\"roster\">\n");
        self.heading(item, depth);
        self.skip(item, Scope::Section);
        self.hint(item);
        self.raw("<p class=\"hint\">");
        self.text(&self.ph.rows_note(rows));
        self.raw("</p>\n");
        let tables = columns.len().div_ceil(MAX_COLUMNS).max(1);
        let per_table = columns.len().div_ceil(tables).max(1);
        for chunk in columns.chunks(per_table) {
            self.roster_table(chunk, rows);
        }
        let coded: Vec<&'a Item> =
            columns.iter().copied().filter(|c| coded(c, self.index)).collect();
        if !coded.is_empty() {
            self.raw("<dl class=\"codes\">\n");
            for column in coded {
                self.raw("<dt>");
                let index = self.index;
                self.text(index.number(&column.name).unwrap_or_default());
                self.raw(". ");
                if let Some(label) = &column.label {
                    self.label(label);
                }
                self.raw(" — ");
                self.raw(self.ph.codes);
                self.raw("</dt><dd>");
                let list = column.choices.as_deref().map_or(&[][..], |l| self.index.choices(l));
                let numeric_codes = !short_names(list);
                for (i, choice) in list.iter().enumerate() {
                    self.raw("<span class=\"c\">");
                    if numeric_codes {
                        let _ = write!(self.out, "{}", i + 1);
                    } else {
                        self.text(&choice.name);
                    }
                    self.raw(" ");
                    self.label(&choice.label);
                    self.raw("</span> ");
                }
                self.raw("</dd>\n");
            }
            self.raw("</dl>\n");
        }
        // Notes of the roster are said once, under its tables.
        for note in item.descendants().filter(|i| i.kind == ItemType::Note) {
            self.note(note);
        }
        self.raw("</section>\n");
    }

    fn roster_table(&mut self, columns: &[&'a Item], rows: u32) {
        self.raw("<table class=\"roster\">\n<thead><tr><th class=\"no\">");
        self.raw(self.ph.row_no);
        self.raw("</th>");
        for column in columns {
            self.raw("<th>");
            self.question_head(column);
            if coded(column, self.index) {
                self.raw("<span class=\"kind\">");
                self.raw(self.ph.open);
                self.raw(self.ph.write_code);
                self.raw(self.ph.close);
                self.raw("</span>");
            }
            let list_len = column.choices.as_deref().map_or(0, |l| self.index.choices(l).len());
            if list_len > MAX_PRINTED_CHOICES {
                self.raw("<span class=\"kind\">");
                self.text(&self.ph.write_name(list_len));
                self.raw("</span>");
            }
            if column.calculation.is_some() {
                self.raw(self.ph.computed);
            } else if !coded(column, self.index)
                && !column.kind.uses_choices()
                && !matches!(column.kind, ItemType::Date | ItemType::Time | ItemType::Datetime)
            {
                self.raw("<span class=\"kind\">");
                self.answer(column, true);
                self.raw("</span>");
            }
            self.skip(column, Scope::Question);
            self.raw("</th>");
        }
        self.raw("</tr></thead>\n<tbody>\n");
        for row in 1..=rows {
            let _ = write!(self.out, "<tr><td class=\"no\">{row}</td>");
            for column in columns {
                self.raw("<td>");
                let inline = column
                    .choices
                    .as_deref()
                    .is_none_or(|l| self.index.choices(l).len() <= INLINE_CHOICES);
                if column.calculation.is_none() && inline {
                    match column.kind {
                        ItemType::SelectOne | ItemType::Likert => self.choices(column, "○"),
                        ItemType::SelectMultiple => self.choices(column, "□"),
                        ItemType::Date => self.raw(if self.ph.zh {
                            "　　年　月　日"
                        } else {
                            "____-__-__"
                        }),
                        ItemType::Time => {
                            self.raw(if self.ph.zh { "　时　分" } else { "__:__" });
                        }
                        _ => {}
                    }
                }
                self.raw("</td>");
            }
            self.raw("</tr>\n");
        }
        self.raw("</tbody>\n</table>\n");
    }
}

/// Whether a roster column's choices are too many to tick in a cell, so the cell takes
/// a code from the list printed under the table.
fn coded(item: &Item, index: &Index<'_>) -> bool {
    item.kind.uses_choices()
        && item.choices.as_deref().is_some_and(|l| {
            (INLINE_CHOICES + 1..=MAX_PRINTED_CHOICES).contains(&index.choices(l).len())
        })
}

/// Whether the choices' own names are short enough to serve as codes on paper.
fn short_names(list: &[crate::schema::Choice]) -> bool {
    list.iter().all(|c| c.name.len() <= 3 && c.name.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The rows of a roster table: a literal `repeat_count`, else `default`, within the
/// repeat's `min_rows`..=`max_rows` and 1..=[`MAX_ROSTER_ROWS`].
fn roster_rows(item: &Item, default: u32) -> u32 {
    let literal = item
        .repeat_count
        .as_deref()
        .and_then(|c| c.trim().parse::<f64>().ok())
        .filter(|n| n.is_finite() && *n >= 1.0)
        .map(|n| n.min(f64::from(MAX_ROSTER_ROWS)) as u32);
    let mut rows = literal.unwrap_or(default);
    if literal.is_none() {
        rows = rows.min(item.max_rows.unwrap_or(u32::MAX)).max(item.min_rows.unwrap_or(0));
    }
    rows.clamp(1, MAX_ROSTER_ROWS)
}

/// The unit at the end of a label: "（元）" in "去年家庭总收入（元）", "(cm)" in
/// "Height (cm)"; a longer bracket ("（含外出务工人员）") is not a unit.
fn unit(label: &str) -> Option<&str> {
    let label = label.trim_end();
    let (open, close) = if label.ends_with('）') {
        ('（', '）')
    } else if label.ends_with(')') {
        ('(', ')')
    } else {
        return None;
    };
    let inner = &label[label.rfind(open)? + open.len_utf8()..label.len() - close.len_utf8()];
    let inner = inner.trim();
    (!inner.is_empty() && inner.chars().count() <= 5 && !inner.contains(char::is_whitespace))
        .then_some(inner)
}

/// "1000000" as "1,000,000" (the integer part of a decimal number only).
fn group_digits(number: &str) -> String {
    let (sign, rest) = number.strip_prefix('-').map_or(("", number), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    if int.len() <= 4 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return number.to_owned();
    }
    let mut out = String::from(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_digits() {
        let units: &[(&str, Option<&str>)] = &[
            ("去年家庭总收入（元）", Some("元")),
            ("Height (cm)", Some("cm")),
            ("收缩压（mmHg）", Some("mmHg")),
            ("家庭人口数（含外出务工人员）", None),
            ("Location of the house (optional)", None),
            ("年龄", None),
            ("（）", None),
        ];
        for (label, want) in units {
            assert_eq!(unit(label), *want, "{label}");
        }
        let digits = [("1000000", "1,000,000"), ("120", "120"), ("-25000.5", "-25,000.5")];
        for (n, want) in digits {
            assert_eq!(group_digits(n), want);
        }
    }

    fn form(json: &str) -> Form {
        Form::from_json(json).expect("test form loads")
    }

    #[test]
    fn questionnaire_text_is_inert() {
        let f = form(
            r#"{"id": "x", "version": "1", "title": "<script>alert(1)</script>",
                "items": [{"type": "select_one", "name": "a", "label": "<img src=x onerror=alert(1)>", "choices": "l"},
                          {"type": "note", "name": "n", "label": "a & b ${a} </p>"}],
                "choice_lists": {"l": [{"name": "y", "label": "\"><b>yes</b>"}]}}"#,
        );
        let html = render(&f, &Options::default());
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>yes"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(html.contains("a &amp; b <u class=\"blank\"></u> &lt;/p&gt;"), "{html}");
    }

    #[test]
    fn long_choice_lists_become_a_line_to_write_on() {
        let choices = |n: usize| {
            (0..n).map(|i| format!(r#"{{"name": "v{i}", "label": "村{i}"}}"#)).collect::<Vec<_>>()
        };
        for (n, printed) in [(MAX_PRINTED_CHOICES, true), (MAX_PRINTED_CHOICES + 1, false)] {
            let f = form(&format!(
                r#"{{"id": "x", "version": "1", "title": "t",
                    "items": [{{"type": "select_one", "name": "v", "label": "村", "choices": "l"}},
                              {{"type": "repeat", "name": "r", "label": "r", "items": [
                                {{"type": "select_one", "name": "rv", "label": "村", "choices": "l"}}]}}],
                    "choice_lists": {{"l": [{}]}}}}"#,
                choices(n).join(",")
            ));
            let html = render(&f, &Options::default());
            let last = format!("村{}</span>", n - 1);
            // Printed: once for the question, once in the roster's code list.
            assert_eq!(html.matches(&last).count(), if printed { 2 } else { 0 }, "{n}");
            // Else a line to write on, said in the question and the roster's column.
            let write = if printed { 0 } else { 2 };
            assert_eq!(html.matches(&format!("共 {n} 项")).count(), write, "{n}");
        }
    }

    #[test]
    fn roster_rows_follow_the_count_and_bounds() {
        // (repeat_count, min_rows, max_rows, rows printed)
        type Case<'a> = (Option<&'a str>, Option<u32>, Option<u32>, u32);
        let table: &[Case<'_>] = &[
            (Some("4"), None, None, 4),
            (Some(" 3 "), Some(1), Some(2), 3),
            (Some("${hh_size}"), None, None, 6),
            (None, None, Some(4), 4),
            (None, Some(8), None, 8),
            (Some("100000"), None, None, MAX_ROSTER_ROWS),
            (Some("0"), None, None, 6),
        ];
        for (count, min, max, want) in table {
            let mut item = Item::new(ItemType::Repeat, "r");
            item.repeat_count = count.map(str::to_owned);
            item.min_rows = *min;
            item.max_rows = *max;
            assert_eq!(roster_rows(&item, DEFAULT_ROSTER_ROWS), *want, "{count:?} {min:?} {max:?}");
        }
    }
}
