//! Questionnaire → XLSForm: standard rows that ODK Collect and KoboToolbox run (a
//! phone becomes a text with a `regex()` constraint, a matrix a field-list group of
//! single choices, a relative date bound a constraint with `today()`), plus a `tianye`
//! column holding, as JSON, whatever those rows do not say, so that importing the
//! export gives back the same questionnaire.
//!
//! The `tianye` cells are found by trying: the standard rows are imported again and
//! every property that comes back different is written to the row's `tianye` cell.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::value::RawValue;

use super::aliases::language_header;
use super::builder::{is_dynamic, literal, quote};
use super::error::Error;
use super::workbook::{Sheet, Workbook, number_text};
use super::{Options, RawMap, build_lenient, raw_fields, raw_text};
use crate::expr::{self, Expr, ExprKind, Span};
use crate::schema::{Bound, Choice, Condition, Item, ItemType, MetaKind, Questionnaire, Text};

/// The questionnaire as an XLSForm workbook (`survey`, `choices`, `settings`).
pub fn export(q: &Questionnaire) -> Workbook {
    let files_by_name;
    let q = if q.choice_files.is_empty() {
        q
    } else {
        files_by_name = lists_named_by_file(q);
        &files_by_name
    };
    let plain = Patches::default();
    let first = write(q, &plain);
    let back = build_lenient(&first, &Options::default());
    let patches = Patches::between(q, &back);
    if patches.is_empty() { first } else { write(q, &patches) }
}

/// `q` with each list of `choice_files` named after its file and left out of
/// `choice_lists` (its file holds it): XLSForm's `select_one_from_file FILE` names the
/// file, and importing the export gives back the same lists.
fn lists_named_by_file(q: &Questionnaire) -> Questionnaire {
    fn rename(items: &mut [Item], files: &std::collections::BTreeMap<String, String>) {
        for item in items {
            if let Some(file) = item.choices.as_ref().and_then(|l| files.get(l)) {
                item.choices = Some(file.clone());
            }
            rename(&mut item.items, files);
        }
    }
    let mut q = q.clone();
    for list in q.choice_files.keys() {
        q.choice_lists.remove(list);
    }
    rename(&mut q.items, &q.choice_files);
    q.choice_files = q.choice_files.values().map(|f| (f.clone(), f.clone())).collect();
    q
}

/// The questionnaire as the bytes of an .xlsx XLSForm.
pub fn export_xlsx(q: &Questionnaire) -> Result<Vec<u8>, Error> {
    export(q).to_xlsx()
}

impl Workbook {
    /// The workbook as the bytes of an .xlsx file; every cell is written as text.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, Error> {
        let err = |e: rust_xlsxwriter::XlsxError| Error::Write { detail: e.to_string() };
        let mut book = rust_xlsxwriter::Workbook::new();
        for sheet in &self.sheets {
            let ws = book.add_worksheet();
            ws.set_name(&sheet.name).map_err(err)?;
            for row in &sheet.rows {
                for cell in &row.cells {
                    let column = u16::try_from(cell.column).map_err(|_| Error::Write {
                        detail: format!("column {} is past the last column", cell.column),
                    })?;
                    ws.write_string(row.number.saturating_sub(1), column, &cell.value)
                        .map_err(err)?;
                }
            }
        }
        book.save_to_buffer().map_err(err)
    }

    /// The workbook in pyxform's markdown form. Line breaks in cells become spaces
    /// (markdown tables cannot hold them); `|` is escaped.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        for sheet in &self.sheets {
            let width = sheet
                .rows
                .iter()
                .flat_map(|r| r.cells.iter().map(|c| c.column + 1))
                .max()
                .unwrap_or(0) as usize;
            let _ = writeln!(out, "| {} |{}", sheet.name, " |".repeat(width));
            for row in &sheet.rows {
                let mut cells = vec![String::new(); width];
                for cell in &row.cells {
                    cells[cell.column as usize] =
                        cell.value.replace('|', "\\|").replace(['\n', '\r'], " ");
                }
                out.push_str("| |");
                for c in cells {
                    out.push(' ');
                    out.push_str(&c);
                    out.push_str(" |");
                }
                out.push('\n');
            }
        }
        out
    }
}

/// What goes in the `tianye` cells: by item name, by (list, choice) and for settings.
#[derive(Default)]
struct Patches {
    items: HashMap<String, RawMap>,
    /// By list and position in it (a cascade may repeat a name).
    choices: HashMap<(String, usize), RawMap>,
    settings: RawMap,
}

impl Patches {
    fn is_empty(&self) -> bool {
        self.items.is_empty() && self.choices.is_empty() && self.settings.is_empty()
    }

    /// The properties of `want` that `got` lacks or has otherwise.
    fn between(want: &Questionnaire, got: &Questionnaire) -> Patches {
        let mut p = Patches::default();
        let got_items: HashMap<&str, &Item> =
            got.all_items().map(|i| (i.name.as_str(), i)).collect();
        for item in want.all_items() {
            let diff = match got_items.get(item.name.as_str()) {
                Some(back) => diff(item, *back, &["items"]),
                None => diff(item, &Item::new(item.kind, item.name.clone()), &["items"]),
            };
            if !diff.is_empty() {
                p.items.insert(item.name.clone(), diff);
            }
        }
        for (list, choices) in &want.choice_lists {
            let got_list = got.choice_lists.get(list);
            for (i, choice) in choices.iter().enumerate() {
                // The choice at the same place, else the first of its name.
                let back = got_list.and_then(|l| {
                    l.get(i)
                        .filter(|c| c.name == choice.name)
                        .or_else(|| l.iter().find(|c| c.name == choice.name))
                });
                let d = match back {
                    Some(b) => diff(choice, b, &[]),
                    None => diff(choice, &Choice::new(choice.name.clone(), ""), &[]),
                };
                if !d.is_empty() {
                    p.choices.insert((list.clone(), i), d);
                }
            }
        }
        p.settings = diff(want, got, &["items", "choice_lists"]);
        p
    }
}

fn diff<T: Serialize>(want: &T, got: &T, skip: &[&str]) -> RawMap {
    let (w, g) = (raw_fields(want), raw_fields(got));
    let mut out = RawMap::new();
    for (k, v) in &w {
        if !skip.contains(&k.as_str()) && g.get(k).map(|x| x.get()) != Some(v.get()) {
            out.insert(k.clone(), v.clone());
        }
    }
    for k in g.keys() {
        if !skip.contains(&k.as_str()) && !w.contains_key(k) {
            out.insert(k.clone(), null());
        }
    }
    out
}

fn null() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).expect("null is JSON")
}

/// Column order of the `survey` sheet.
const SURVEY_COLUMNS: [&str; 18] = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "read_only",
    "choice_filter",
    "repeat_count",
    "appearance",
    "parameters",
    // `body::accept` (ranked by the part before `::`).
    "body",
    "tianye",
];

/// Rows being written, with their headers (`label::中文 (zh)`) in first-use order.
#[derive(Default)]
struct Rows {
    headers: Vec<String>,
    rows: Vec<HashMap<String, String>>,
}

impl Rows {
    fn row(&mut self) -> RowOut<'_> {
        self.rows.push(HashMap::new());
        RowOut { rows: self }
    }

    /// The sheet, columns ordered by `order` (by the part before `::`), then language.
    fn sheet(self, name: &str, order: &[&str], languages: &[String]) -> Sheet {
        let mut headers = self.headers;
        let rank = |h: &String| {
            let (base, lang) = h.split_once("::").unwrap_or((h.as_str(), ""));
            let base_rank = order.iter().position(|o| *o == base).unwrap_or(order.len());
            let lang_rank = languages
                .iter()
                .position(|l| language_header(l) == lang)
                .unwrap_or(if lang.is_empty() { 0 } else { languages.len() });
            (base_rank, lang_rank, h.clone())
        };
        headers.sort_by_key(rank);
        let mut table: Vec<Vec<String>> = vec![headers.clone()];
        for row in self.rows {
            table.push(headers.iter().map(|h| row.get(h).cloned().unwrap_or_default()).collect());
        }
        Sheet::from_rows(name, &table)
    }
}

struct RowOut<'a> {
    rows: &'a mut Rows,
}

impl RowOut<'_> {
    fn set(&mut self, header: &str, value: impl Into<String>) {
        let value = value.into();
        if value.is_empty() {
            return;
        }
        if !self.rows.headers.iter().any(|h| h == header) {
            self.rows.headers.push(header.to_owned());
        }
        if let Some(row) = self.rows.rows.last_mut() {
            row.insert(header.to_owned(), value);
        }
    }

    fn text(&mut self, header: &str, text: Option<&Text>) {
        match text {
            None => {}
            Some(Text::Plain(s)) => self.set(header, s.as_str()),
            Some(Text::PerLanguage(map)) => {
                for (lang, s) in map.iter() {
                    self.set(&format!("{header}::{}", language_header(lang)), s);
                }
            }
        }
    }
}

fn write(q: &Questionnaire, patches: &Patches) -> Workbook {
    let mut survey = Rows::default();
    for item in &q.items {
        write_item(q, item, patches, &mut survey);
    }
    let mut book = Workbook::default();
    book.sheets.push(survey.sheet("survey", &SURVEY_COLUMNS, &q.languages));

    if !q.choice_lists.is_empty() {
        let mut choices = Rows::default();
        let mut attributes: Vec<&str> =
            q.choice_lists.values().flatten().flat_map(|c| c.attributes.keys()).collect();
        attributes.sort_unstable();
        attributes.dedup();
        for (list, items) in &q.choice_lists {
            for (i, choice) in items.iter().enumerate() {
                let mut r = choices.row();
                r.set("list_name", list.as_str());
                r.set("name", choice.name.as_str());
                r.text("label", Some(&choice.label));
                for (k, v) in choice.attributes.iter() {
                    r.set(k, v);
                }
                if let Some(p) = patches.choices.get(&(list.clone(), i)) {
                    r.set("tianye", raw_text(p));
                }
            }
        }
        let mut order = vec!["list_name", "name", "label"];
        order.extend(attributes.iter().copied());
        order.push("tianye");
        book.sheets.push(choices.sheet("choices", &order, &q.languages));
    }

    let mut settings = Rows::default();
    let mut r = settings.row();
    r.set("form_title", q.title.get(&q.default_language, &q.default_language));
    r.set("form_id", q.id.as_str());
    r.set("version", q.version.as_str());
    let translated = q.all_items().any(|i| matches!(i.label, Some(Text::PerLanguage(_))))
        || q.choice_lists.values().flatten().any(|c| matches!(c.label, Text::PerLanguage(_)));
    if translated || q.default_language != "zh" {
        r.set("default_language", language_header(&q.default_language));
    }
    // A cascade repeating a name (one village name in two townships) needs pyxform's
    // permission.
    let repeats_a_name = q.choice_lists.values().any(|list| {
        let mut names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        names.windows(2).any(|pair| pair[0] == pair[1])
    });
    if repeats_a_name {
        r.set("allow_choice_duplicates", "yes");
    }
    if let Some(encryption) = &q.encryption {
        r.set("public_key", encryption.public_key.as_str());
    }
    if !patches.settings.is_empty() {
        r.set("tianye", raw_text(&patches.settings));
    }
    book.sheets.push(settings.sheet(
        "settings",
        &[
            "form_title",
            "form_id",
            "version",
            "default_language",
            "allow_choice_duplicates",
            "public_key",
            "tianye",
        ],
        &q.languages,
    ));
    book
}

fn write_item(q: &Questionnaire, item: &Item, patches: &Patches, out: &mut Rows) {
    use ItemType as T;
    let mut patch = patches.items.get(&item.name).cloned().unwrap_or_default();
    let list = item.choices.clone().unwrap_or_default();
    let mut appearance: Vec<String> =
        item.appearance.iter().flat_map(|a| a.split_whitespace().map(str::to_owned)).collect();
    let mut parameters = String::new();
    let type_cell = match item.kind {
        T::Group => "begin group".to_owned(),
        T::Repeat => "begin repeat".to_owned(),
        T::Matrix => {
            patch.insert(
                "type".into(),
                RawValue::from_string("\"matrix\"".to_owned()).expect("a JSON string"),
            );
            if !appearance.iter().any(|a| a == "field-list") {
                appearance.push("field-list".into());
            }
            "begin group".to_owned()
        }
        T::SelectOne if q.choice_files.contains_key(&list) => {
            format!("select_one_from_file {list}")
        }
        T::SelectMultiple if q.choice_files.contains_key(&list) => {
            format!("select_multiple_from_file {list}")
        }
        T::SelectOne => format!("select_one {list}"),
        T::Likert => {
            appearance.push("likert".into());
            format!("select_one {list}")
        }
        T::SelectMultiple => format!("select_multiple {list}"),
        T::Rank => format!("rank {list}"),
        T::Range => {
            let mut p = Vec::new();
            for (key, value) in [("start", &item.min), ("end", &item.max)] {
                if let Some(Bound::Number(n)) = value {
                    p.push(format!("{key}={}", number_text(*n)));
                }
            }
            if let Some(step) = item.step {
                p.push(format!("step={}", number_text(step)));
            }
            parameters = p.join(" ");
            "range".to_owned()
        }
        T::Rating => {
            parameters = format!("start=1 end={} step=1", item.scale.unwrap_or(5));
            appearance.push("rating".into());
            "range".to_owned()
        }
        T::Image | T::Signature | T::Draw => {
            if let Some(n) = item.max_pixels {
                parameters = format!("max-pixels={n}");
            }
            match item.kind {
                T::Signature => appearance.push("signature".into()),
                T::Draw => appearance.push("draw".into()),
                _ => {}
            }
            "image".to_owned()
        }
        T::Phone | T::IdNumber | T::Email => "text".to_owned(),
        T::Datetime => "dateTime".to_owned(),
        T::Meta => match item.meta.unwrap_or(MetaKind::Today) {
            MetaKind::Start => "start",
            MetaKind::End => "end",
            MetaKind::Today => "today",
            MetaKind::Deviceid => "deviceid",
            MetaKind::Username => "username",
            MetaKind::Phonenumber => "phonenumber",
        }
        .to_owned(),
        other => other.as_str().to_owned(),
    };

    let mut r = out.row();
    r.set("type", type_cell);
    r.set("name", item.name.as_str());
    r.text("label", item.label.as_ref());
    r.text("hint", item.hint.as_ref());
    if item.kind != T::Matrix {
        write_required(&mut r, item);
        let constraints = constraints(q, item);
        if !constraints.is_empty() {
            let joined = if constraints.len() == 1 {
                constraints[0].0.clone()
            } else {
                constraints.iter().map(|(e, _)| format!("({e})")).collect::<Vec<_>>().join(" and ")
            };
            r.set("constraint", joined);
            r.text("constraint_message", constraints.iter().find_map(|(_, m)| m.as_ref()));
        }
        r.set("calculation", item.calculation.as_deref().map(odk).unwrap_or_default());
        if let Some(d) = &item.default {
            r.set("default", default_cell(d, item.kind));
        }
        r.set("choice_filter", item.choice_filter.as_deref().map(odk).unwrap_or_default());
    }
    r.set("relevant", item.relevant.as_deref().map(odk).unwrap_or_default());
    r.set("repeat_count", item.repeat_count.as_deref().map(odk).unwrap_or_default());
    r.set("appearance", appearance.join(" "));
    r.set("parameters", parameters);
    r.set("body::accept", item.accept.join(","));
    if !patch.is_empty() {
        r.set("tianye", raw_text(&patch));
    }

    match item.kind {
        T::Group | T::Repeat => {
            for child in &item.items {
                write_item(q, child, patches, out);
            }
            out.row().set("type", format!("end {}", item.kind.as_str()));
        }
        T::Matrix => {
            for row in &item.rows {
                let mut r = out.row();
                r.set("type", format!("select_one {list}"));
                r.set("name", row.name.as_str());
                r.text("label", Some(&row.label));
                r.text("hint", row.hint.as_ref());
                write_required(&mut r, item);
                r.set("choice_filter", item.choice_filter.as_deref().map(odk).unwrap_or_default());
            }
            out.row().set("type", "end group");
        }
        _ => {}
    }
}

fn write_required(r: &mut RowOut<'_>, item: &Item) {
    let cond = |c: &Condition| match c {
        Condition::Fixed(true) => "yes".to_owned(),
        Condition::Fixed(false) => "no".to_owned(),
        Condition::Expr(e) => odk(e),
    };
    r.set("required", item.required.as_ref().map(cond).unwrap_or_default());
    r.text("required_message", item.required_message.as_ref());
    r.set("read_only", item.read_only.as_ref().map(cond).unwrap_or_default());
}

/// A `default` expression as XLSForm writes it: a literal value bare, anything else as
/// an expression.
fn default_cell(src: &str, kind: ItemType) -> String {
    match expr::parse(src).map(|e| e.kind) {
        Ok(ExprKind::String(s)) if !is_dynamic(&s, kind) && literal(&s, kind) == src => s,
        Ok(ExprKind::Number(_)) => src.to_owned(),
        _ => odk(src),
    }
}

/// The constraints ODK needs to enforce what Tianye's types and properties say.
fn constraints(q: &Questionnaire, item: &Item) -> Vec<(String, Option<Text>)> {
    use ItemType as T;
    let mut out: Vec<(String, Option<Text>)> =
        item.constraints.iter().map(|c| (odk(&c.expr), c.message.clone())).collect();
    let mut add = |e: String| out.push((e, None));
    match item.kind {
        T::Phone => add("regex(., '^1[3-9][0-9]{9}$')".into()),
        T::IdNumber => add("regex(., '^[0-9]{17}[0-9Xx]$')".into()),
        T::Email => add("regex(., '^[^@ ]+@[^@ ]+\\.[^@ ]+$')".into()),
        _ => {}
    }
    if let Some(p) = &item.pattern {
        add(format!("regex(., {})", quote(p)));
    }
    if let Some(n) = item.min_length {
        add(format!("string-length(.) >= {n}"));
    }
    if let Some(n) = item.max_length {
        add(format!("string-length(.) <= {n}"));
    }
    if item.kind != T::Range {
        for (bound, op) in [(&item.min, ">="), (&item.max, "<=")] {
            if let Some(b) = bound
                && let Some((lhs, rhs)) = bound_expr(b, item.kind)
            {
                add(format!("{lhs} {op} {rhs}"));
            }
        }
    }
    if let Some(n) = item.min_selected {
        add(format!("count-selected(.) >= {n}"));
    }
    if let Some(n) = item.max_selected {
        add(format!("count-selected(.) <= {n}"));
    }
    if item.kind == T::SelectMultiple
        && let Some(list) = item.choices.as_ref().and_then(|l| q.choice_lists.get(l))
    {
        for c in list.iter().filter(|c| c.exclusive) {
            add(format!("not(selected(., {})) or count-selected(.) = 1", quote(&c.name)));
        }
    }
    if let Some(acc) = item.max_accuracy {
        add(format!("selected-at(., 3) <= {}", number_text(acc)));
    }
    out
}

/// A `min`/`max` bound as the two sides of an XPath comparison with the answer.
fn bound_expr(b: &Bound, kind: ItemType) -> Option<(String, String)> {
    let dot = ".".to_owned();
    match b {
        Bound::Number(n) => Some((dot, number_text(*n))),
        Bound::Text(s) => {
            let s = s.trim();
            if s == "today" {
                return Some((dot, "today()".into()));
            }
            if s == "now" {
                return Some((dot, "now()".into()));
            }
            if let Some(rest) = s.strip_prefix("today") {
                let (sign, rest) = rest.split_at(1.min(rest.len()));
                let unit = rest.chars().last()?;
                let n: u32 = rest[..rest.len() - unit.len_utf8()].parse().ok()?;
                let sign = if sign == "-" { "-" } else { "+" };
                let rhs = match unit {
                    'd' => format!("today() {sign} {n}"),
                    'm' => format!("today() {sign} {}", (f64::from(n) * 30.4375).round()),
                    'y' => format!(
                        "date(concat(string(number(format-date(today(), '%Y')) {sign} {n}), format-date(today(), '-%m-%d')))"
                    ),
                    _ => return None,
                };
                return Some((dot, rhs));
            }
            match kind {
                ItemType::Time => {
                    let mut parts = s.split(':').map(|p| p.parse::<f64>().ok());
                    let (h, m) = (parts.next()??, parts.next()??);
                    let sec = parts.next().flatten().unwrap_or(0.0);
                    let fraction = (h * 3600.0 + m * 60.0 + sec) / 86_400.0;
                    Some(("decimal-time(.)".into(), format!("{fraction:.6}")))
                }
                ItemType::Datetime => Some((dot, format!("date-time({})", quote(s)))),
                _ => Some((dot, format!("date({})", quote(s)))),
            }
        }
    }
}

/// An expression as ODK understands it: Tianye's `id-birth-date()` and `id-sex()`
/// rewritten with `substr` and `date`. Other expressions are kept as written.
fn odk(src: &str) -> String {
    if !src.contains("id-birth-date") && !src.contains("id-sex") {
        return src.to_owned();
    }
    match expr::parse(src) {
        Ok(e) => expr::print(&rewrite(e)),
        Err(_) => src.to_owned(),
    }
}

fn rewrite(e: Expr) -> Expr {
    let span = e.span;
    let kind = match e.kind {
        ExprKind::Call { name, args } => {
            let args: Vec<Expr> = args.into_iter().map(rewrite).collect();
            match (name.as_str(), args.as_slice()) {
                ("id-birth-date", [id]) => return id_birth_date(id, span),
                ("id-sex", [id]) => return id_sex(id, span),
                _ => ExprKind::Call { name, args },
            }
        }
        ExprKind::Neg(inner) => ExprKind::Neg(Box::new(rewrite(*inner))),
        ExprKind::Binary { op, lhs, rhs } => {
            ExprKind::Binary { op, lhs: Box::new(rewrite(*lhs)), rhs: Box::new(rewrite(*rhs)) }
        }
        ExprKind::Filter { base, predicate } => ExprKind::Filter {
            base: Box::new(rewrite(*base)),
            predicate: Box::new(rewrite(*predicate)),
        },
        other => other,
    };
    Expr::new(kind, span)
}

fn call(name: &str, args: Vec<Expr>, span: Span) -> Expr {
    Expr::new(ExprKind::Call { name: name.to_owned(), args }, span)
}

fn num(n: f64, span: Span) -> Expr {
    Expr::new(ExprKind::Number(n), span)
}

fn string(s: &str, span: Span) -> Expr {
    Expr::new(ExprKind::String(s.to_owned()), span)
}

fn substr(id: &Expr, start: f64, end: f64, span: Span) -> Expr {
    call("substr", vec![id.clone(), num(start, span), num(end, span)], span)
}

/// `date(concat(substr(id, 6, 10), '-', substr(id, 10, 12), '-', substr(id, 12, 14)))`
fn id_birth_date(id: &Expr, span: Span) -> Expr {
    let parts = vec![
        substr(id, 6.0, 10.0, span),
        string("-", span),
        substr(id, 10.0, 12.0, span),
        string("-", span),
        substr(id, 12.0, 14.0, span),
    ];
    call("date", vec![call("concat", parts, span)], span)
}

/// `if(substr(id, 16, 17) mod 2 = 1, 'male', 'female')`
fn id_sex(id: &Expr, span: Span) -> Expr {
    use crate::expr::BinOp;
    let digit = substr(id, 16.0, 17.0, span);
    let odd = Expr::new(
        ExprKind::Binary {
            op: BinOp::Eq,
            lhs: Box::new(Expr::new(
                ExprKind::Binary {
                    op: BinOp::Mod,
                    lhs: Box::new(digit),
                    rhs: Box::new(num(2.0, span)),
                },
                span,
            )),
            rhs: Box::new(num(1.0, span)),
        },
        span,
    );
    call("if", vec![odd, string("male", span), string("female", span)], span)
}

/// Column order helper for tests.
#[cfg(test)]
fn header_row(sheet: &Sheet) -> Vec<String> {
    sheet.rows[0].cells.iter().map(|c| c.value.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_functions_become_odk_expressions() {
        assert_eq!(
            odk("id-birth-date(${id}) < today()"),
            "date(concat(substr(${id}, 6, 10), '-', substr(${id}, 10, 12), '-', substr(${id}, 12, 14))) < today()"
        );
        assert_eq!(
            odk("id-sex(${id}) = 'male'"),
            "if(substr(${id}, 16, 17) mod 2 = 1, 'male', 'female') = 'male'"
        );
        assert_eq!(odk("${a} > 1"), "${a} > 1");
    }

    #[test]
    fn bounds_become_comparisons() {
        let b = |s: &str| Bound::Text(s.into());
        assert_eq!(bound_expr(&b("today-30d"), ItemType::Date).unwrap().1, "today() - 30");
        assert!(bound_expr(&b("today-16y"), ItemType::Date).unwrap().1.contains("- 16"));
        assert_eq!(bound_expr(&b("2010-01-01"), ItemType::Date).unwrap().1, "date('2010-01-01')");
        assert_eq!(
            bound_expr(&b("12:00"), ItemType::Time).unwrap(),
            ("decimal-time(.)".to_owned(), "0.500000".to_owned())
        );
    }

    #[test]
    fn columns_are_in_xlsform_order() {
        let mut q = Questionnaire::new("t", "1", "T");
        let mut item = Item::new(ItemType::Integer, "age").with_label("Age");
        item.relevant = Some("1 = 1".into());
        q.items.push(item);
        let book = write(&q, &Patches::default());
        assert_eq!(header_row(&book.sheets[0]), ["type", "name", "label", "relevant"]);
    }
}
