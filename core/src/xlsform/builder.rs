//! Rows → [`Questionnaire`]: walks the `survey` sheet with a stack of open groups,
//! turns each row into an [`Item`], checks names, lists and expressions, and records
//! where every item and property came from.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::aliases::{self, ChoiceKey, Container, SelectKind, SettingKey, SurveyKey, TypeCell};
use super::error::{Finding, Place};
use super::sheets::{self, Column, Sheets, Table};
use super::workbook::{Row, Workbook};
use super::{ItemOrigin, Options, Origins, RawMap, raw_fields, raw_text};
use crate::expr::{self, ExprKind, Span, Tok};
use crate::schema::{
    Bound, Choice, Condition, Constraint, Encryption, Item, ItemType, MatrixRow, Questionnaire,
    Text, Translations,
};
use crate::{Code, Severity};

/// What a workbook builds into: the questionnaire as far as it could be built, every
/// finding, and where each item came from.
pub(crate) struct Built {
    pub(crate) questionnaire: Questionnaire,
    pub(crate) findings: Vec<Finding>,
    pub(crate) origins: Origins,
}

/// Builds a questionnaire from `book`; never fails: problems are findings.
pub(crate) fn build(book: &Workbook, options: &Options) -> Built {
    let mut findings = Vec::new();
    let sheets = sheets::read(book, &mut findings);
    let mut b = Builder::new(options, &sheets, findings);
    let mut q = b.settings(sheets.settings.as_ref());
    b.referenced = referenced_names(sheets.survey.as_ref(), sheets.choices.as_ref());
    if let Some(choices) = &sheets.choices {
        b.choices(choices);
    }
    if let Some(survey) = &sheets.survey {
        q.items = b.survey(survey);
    }
    q.choice_lists = std::mem::take(&mut b.choice_lists);
    q.choice_files = std::mem::take(&mut b.choice_files);
    b.origins.survey_sheet = b.survey_sheet.clone();
    sheets.choices.as_ref().map_or("choices", |t| t.name).clone_into(&mut b.origins.choices_sheet);
    Built { questionnaire: q, findings: b.findings, origins: b.origins }
}

struct Builder<'o> {
    options: &'o Options,
    findings: Vec<Finding>,
    origins: Origins,
    /// Item name → row where it was first used.
    names: HashMap<String, u32>,
    /// Whether any label or hint column has a language.
    translated: bool,
    /// The language unsuffixed texts are in when others have languages.
    default_lang: String,
    /// Language codes in order of their first column.
    langs: Vec<String>,
    /// `default_language` from settings, as a code.
    setting_lang: Option<String>,
    choice_lists: BTreeMap<String, Vec<Choice>>,
    /// Lists of `select_one_from_file` questions: list name → file (the same text).
    choice_files: BTreeMap<String, String>,
    /// List name → row of its first choice.
    list_rows: HashMap<String, u32>,
    survey_sheet: String,
    /// Settings `allow_choice_duplicates` is yes.
    allow_choice_duplicates: bool,
    /// Every `${name}` written anywhere in the survey and choices sheets: a row Tianye
    /// cannot ask is kept as an empty field when one of these names it, so that the
    /// expressions reading it still load (and read empty).
    referenced: HashSet<String>,
    /// Choice names written with spaces (ODK takes them in a select_one) → the name
    /// Tianye stores, spaces made `_`; quoted literals naming them follow.
    renamed_choices: BTreeMap<String, String>,
    /// (parent path, name) of every item as written: pyxform wants names unique among
    /// siblings only, Tianye in the whole form.
    siblings: HashSet<(String, String)>,
}

/// An open group or repeat.
struct Frame {
    item: Item,
    row: u32,
    kind: Container,
    path: String,
    patch: Option<(RawMap, Place)>,
    origin: ItemOrigin,
}

impl<'o> Builder<'o> {
    fn new(options: &'o Options, sheets: &Sheets<'_>, findings: Vec<Finding>) -> Self {
        let mut langs: Vec<String> = Vec::new();
        let mut translated = false;
        let mut unsuffixed = false;
        let mut note = |lang: &Option<String>| match lang {
            Some(l) => {
                translated = true;
                if !langs.contains(l) {
                    langs.push(l.clone());
                }
            }
            None => unsuffixed = true,
        };
        if let Some(t) = &sheets.survey {
            t.columns.iter().filter(|c| c.key.translatable()).for_each(|c| note(&c.lang));
        }
        if let Some(t) = &sheets.choices {
            t.columns.iter().filter(|c| c.key == ChoiceKey::Label).for_each(|c| note(&c.lang));
        }
        let setting_lang = sheets.settings.as_ref().and_then(|t| {
            let col = t.column(&SettingKey::DefaultLanguage)?;
            t.rows.first()?.get(col.index).map(aliases::language_code)
        });
        let default_lang = match (&setting_lang, translated, unsuffixed) {
            (Some(l), _, _) => l.clone(),
            (None, true, true) => "default".to_owned(),
            (None, true, false) => langs[0].clone(),
            (None, false, _) => "zh".to_owned(),
        };
        Builder {
            options,
            findings,
            origins: Origins::default(),
            names: HashMap::new(),
            translated,
            default_lang,
            langs,
            setting_lang,
            choice_lists: BTreeMap::new(),
            choice_files: BTreeMap::new(),
            list_rows: HashMap::new(),
            survey_sheet: sheets.survey.as_ref().map_or("survey", |t| t.name).to_owned(),
            allow_choice_duplicates: false,
            referenced: HashSet::new(),
            renamed_choices: BTreeMap::new(),
            siblings: HashSet::new(),
        }
    }

    fn warn(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// A [`Text`] from the translated columns of a row: one plain string when the
    /// form has no languages, else one string per language.
    fn text<K>(&self, parts: &[(&Column<K>, &str)]) -> Option<Text> {
        if parts.is_empty() {
            return None;
        }
        if !self.translated {
            return Some(Text::Plain(parts[0].1.to_owned()));
        }
        // In column order; a column naming a language wins over an unsuffixed one.
        let mut map = Translations::default();
        for (col, value) in parts {
            match &col.lang {
                Some(lang) => map.insert(lang, value),
                None if map.get(&self.default_lang).is_none() => {
                    map.insert(&self.default_lang, value);
                }
                None => {}
            }
        }
        Some(Text::PerLanguage(map))
    }

    // ---- settings ----

    fn settings(&mut self, table: Option<&Table<'_, SettingKey>>) -> Questionnaire {
        let get = |key: SettingKey| -> Option<(String, Place)> {
            let t = table?;
            let col = t.column(&key)?;
            let row = t.rows.first()?;
            Some((row.get(col.index)?.to_owned(), Place::cell(t.name, row.number, &col.letter)))
        };
        let id = match get(SettingKey::FormId) {
            // pyxform takes any form_id (`Spec test`); Tianye's ids are identifiers.
            Some((written, place)) => {
                let mut chars = written.chars();
                let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                let id = if valid { written.clone() } else { identifier(&written) };
                if !valid {
                    self.warn(
                        Finding::warning(Code::XlsformInvalidValue, place)
                            .with("column", "form_id")
                            .with("value", written)
                            .with("detail", format!("问卷编号只能用英文字母、数字、_ 和 -，已改为 {id} / a form id is ASCII letters, digits, _ and -: it is now {id}")),
                    );
                }
                id
            }
            None => self.options.form_id.as_deref().map_or_else(|| "form".to_owned(), identifier),
        };
        let title = get(SettingKey::FormTitle).map_or_else(|| id.clone(), |(v, _)| v);
        let version = get(SettingKey::Version).map_or_else(|| "1".to_owned(), |(v, _)| v);
        self.allow_choice_duplicates = get(SettingKey::AllowChoiceDuplicates)
            .is_some_and(|(v, _)| aliases::yes_no(&v) == Some(true));
        let mut q = Questionnaire::new(id, version, Text::Plain(title));
        if let Some((key, place)) = get(SettingKey::PublicKey) {
            q.encryption = Some(Encryption { public_key: key.trim().to_owned() });
            // A key no form app could seal with is an error at its cell, as
            // `tianye check` reports it in a JSON questionnaire.
            if let Some(bad) = crate::seal::check_questionnaire_key(&q) {
                self.warn(Finding::from_diagnostic(&bad, place));
            }
        }
        if self.translated {
            let mut langs = self.langs.clone();
            if !langs.contains(&self.default_lang) {
                langs.push(self.default_lang.clone());
            }
            q.languages = langs;
            q.default_language.clone_from(&self.default_lang);
        } else if let Some(l) = &self.setting_lang {
            q.languages = vec![l.clone()];
            q.default_language.clone_from(l);
        }
        let Some(t) = table else { return q };
        let Some(row) = t.rows.first() else { return q };
        for col in &t.columns {
            if row.get(col.index).is_none() {
                continue;
            }
            if col.key == SettingKey::Unsupported {
                self.warn(
                    Finding::warning(
                        Code::XlsformUnsupportedSetting,
                        Place::cell(t.name, t.header_row, &col.letter),
                    )
                    .with("setting", col.header.clone()),
                );
            }
        }
        if self.options.extensions
            && let Some((patch, place)) = get(SettingKey::Tianye)
        {
            q = self.apply_patch(q, &patch, &place, &["items", "choice_lists"]);
        }
        q
    }

    // ---- choices ----

    fn choices(&mut self, t: &Table<'_, ChoiceKey>) {
        // An empty `choices` sheet (a template's, or headers only) holds no lists: pyxform
        // ignores it, and so does Tianye, whatever its headers.
        if t.rows.is_empty() {
            return;
        }
        sheets::report_unsupported(t, &ChoiceKey::Unsupported, &mut self.findings);
        let (Some(list_col), Some(name_col)) =
            (t.column(&ChoiceKey::ListName), t.column(&ChoiceKey::Name))
        else {
            for (key, column) in [(ChoiceKey::ListName, "list_name"), (ChoiceKey::Name, "name")] {
                if t.column(&key).is_none() {
                    self.warn(
                        Finding::error(
                            Code::XlsformMissingColumn,
                            Place::row(t.name, t.header_row),
                        )
                        .with("sheet", t.name)
                        .with("column", column),
                    );
                }
            }
            return;
        };
        // (list, name) → the indexes of the choices of that name in the list.
        let mut seen: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for row in t.rows {
            let Some(list) = row.get(list_col.index) else {
                self.warn(Finding::warning(
                    Code::XlsformSkippedRow,
                    Place::row(t.name, row.number),
                ));
                continue;
            };
            let Some(written) = row.get(name_col.index) else {
                self.warn(
                    Finding::error(
                        Code::XlsformMissingName,
                        Place::cell(t.name, row.number, &name_col.letter),
                    )
                    .with("type", format!("choices ({list})")),
                );
                continue;
            };
            // A choice name is one word in Tianye (a select_multiple's answer is
            // names joined by spaces); ODK takes spaces in a select_one's choices.
            let spaced = written.split_whitespace().collect::<Vec<_>>().join("_");
            let name = spaced.as_str();
            if name != written {
                self.renamed_choices.insert(written.to_owned(), spaced.clone());
                self.warn(
                    Finding::warning(
                        Code::XlsformInvalidValue,
                        Place::cell(t.name, row.number, &name_col.letter),
                    )
                    .with("column", name_col.header.clone())
                    .with("value", written)
                    .with("detail", format!("选项名不能有空格，已改为 {spaced}（表达式中的 '{written}' 也随之改写）/ a choice name holds no spaces: it is now {spaced} (and so is '{written}' in expressions)")),
                );
            }
            let labels: Vec<(&Column<ChoiceKey>, &str)> = t
                .columns
                .iter()
                .filter(|c| c.key == ChoiceKey::Label)
                .filter_map(|c| row.get(c.index).map(|v| (c, v)))
                .collect();
            let label = self.text(&labels).unwrap_or_else(|| Text::Plain(String::new()));
            let mut choice = Choice::new(name, label);
            for col in t.columns.iter().filter(|c| c.key == ChoiceKey::Attribute) {
                if let Some(v) = row.get(col.index) {
                    choice.attributes.insert(&col.header, v);
                }
            }
            if self.options.extensions
                && let Some(col) = t.column(&ChoiceKey::Tianye)
                && let Some(patch) = row.get(col.index)
            {
                let place = Place::cell(t.name, row.number, &col.letter);
                choice = self.apply_patch(choice, patch, &place, &[]);
            }
            let entries = self.choice_lists.entry(list.to_owned()).or_default();
            let place = Place::cell(t.name, row.number, &name_col.letter);
            let namesakes = seen.entry((list.to_owned(), name.to_owned())).or_default();
            if !self.allow_choice_duplicates && !namesakes.is_empty() {
                self.findings.push(
                    Finding::error(Code::DuplicateChoice, place)
                        .with("list", list)
                        .with("name", name)
                        .with("setting", "allow_choice_duplicates"),
                );
                continue;
            }
            // Allowed, a repeated name must differ from its namesakes in some column
            // a choice filter can tell them apart by; the very same choice again adds
            // nothing (ODK would show it twice).
            if namesakes.iter().any(|&i| entries[i].attributes == choice.attributes) {
                self.findings.push(
                    Finding::warning(Code::XlsformInvalidValue, place)
                        .with("column", name_col.header.clone())
                        .with("value", name)
                        .with("detail", "与前面的同名选项各列都相同，选项筛选无法区分，已略过 / the same as an earlier choice of this name in every filter column; left out"),
                );
                continue;
            }
            namesakes.push(entries.len());
            entries.push(choice);
            self.list_rows.entry(list.to_owned()).or_insert(row.number);
        }
        self.origins.choice_lists = self.list_rows.iter().map(|(k, v)| (k.clone(), *v)).collect();
    }

    // ---- survey ----

    fn survey(&mut self, t: &Table<'_, SurveyKey>) -> Vec<Item> {
        sheets::report_unsupported(t, &SurveyKey::Unsupported, &mut self.findings);
        if t.column(&SurveyKey::Type).is_none() {
            self.warn(
                Finding::error(Code::XlsformMissingColumn, Place::row(t.name, t.header_row))
                    .with("sheet", t.name)
                    .with("column", "type"),
            );
            return Vec::new();
        }
        let mut top: Vec<Item> = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        for row in t.rows {
            self.survey_row(t, row, &mut stack, &mut top);
        }
        while let Some(frame) = stack.pop() {
            self.warn(
                Finding::error(Code::XlsformUnclosedGroup, Place::row(t.name, frame.row))
                    .with("kind", frame.kind.as_str())
                    .with("name", frame.item.name.clone()),
            );
            self.close(frame, &mut stack, &mut top);
        }
        top
    }

    fn survey_row(
        &mut self,
        t: &Table<'_, SurveyKey>,
        row: &Row,
        stack: &mut Vec<Frame>,
        top: &mut Vec<Item>,
    ) {
        let cell = |key: SurveyKey| -> Option<(&str, &Column<SurveyKey>)> {
            t.columns.iter().filter(|c| c.key == key).find_map(|c| row.get(c.index).map(|v| (v, c)))
        };
        let place_of = |col: &Column<SurveyKey>| Place::cell(t.name, row.number, &col.letter);
        let Some((type_raw, type_col)) = cell(SurveyKey::Type) else {
            if cell(SurveyKey::Name).is_some() || cell(SurveyKey::Label).is_some() {
                self.warn(Finding::error(Code::XlsformMissingType, Place::row(t.name, row.number)));
            } else {
                self.warn(Finding::warning(
                    Code::XlsformSkippedRow,
                    Place::row(t.name, row.number),
                ));
            }
            return;
        };
        let parsed = aliases::parse_type(type_raw);
        let kind = match &parsed {
            TypeCell::End(kind) => {
                self.end(t, row, *kind, stack, top);
                return;
            }
            TypeCell::Unsupported(name) => {
                let warning = Finding::warning(Code::XlsformUnsupportedType, place_of(type_col))
                    .with("type", name.clone());
                self.left_out(t, row, type_col, warning, stack, top);
                return;
            }
            TypeCell::Unknown(name) => {
                self.warn(
                    Finding::error(Code::XlsformUnsupportedType, place_of(type_col))
                        .with("type", name.clone()),
                );
                return;
            }
            TypeCell::SelectWithoutList => {
                self.warn(
                    Finding::error(Code::XlsformInvalidValue, place_of(type_col))
                        .with("column", type_col.header.clone())
                        .with("value", type_raw)
                        .with("detail", "需要选项列表名，如 select_one yes_no / a select needs a list name, e.g. select_one yes_no"),
                );
                return;
            }
            TypeCell::Unrecorded(name) => {
                self.warn(
                    Finding::warning(Code::XlsformUnsupportedType, place_of(type_col))
                        .with("type", name.clone())
                        .with("kept", ItemType::Hidden.as_str()),
                );
                ItemType::Hidden
            }
            TypeCell::Begin(Container::Group) => ItemType::Group,
            TypeCell::Begin(Container::Repeat) => ItemType::Repeat,
            TypeCell::Basic(k) => *k,
            TypeCell::Meta(_) => ItemType::Meta,
            TypeCell::Select { kind: SelectKind::One, .. } => ItemType::SelectOne,
            TypeCell::Select { kind: SelectKind::Multiple, .. } => ItemType::SelectMultiple,
            TypeCell::Select { kind: SelectKind::Rank, .. } => ItemType::Rank,
        };
        // Name.
        let name = match cell(SurveyKey::Name) {
            Some((n, _)) => n.to_owned(),
            None if kind == ItemType::Note => format!("generated_note_name_{}", row.number),
            None => {
                self.warn(
                    Finding::error(Code::XlsformMissingName, Place::row(t.name, row.number))
                        .with("type", type_raw),
                );
                return;
            }
        };
        let parent_path = stack.last().map(|f| f.path.clone());
        let name_col = cell(SurveyKey::Name).map(|(_, c)| c);
        let name = self.distinct_name(
            name,
            parent_path.as_deref().unwrap_or(""),
            name_col.map(place_of).unwrap_or(Place::row(t.name, row.number)),
            row.number,
        );
        let path = match &parent_path {
            Some(p) => format!("{p}/{name}"),
            None => name.clone(),
        };
        self.check_name(
            &name,
            &path,
            name_col.map(place_of).unwrap_or(Place::row(t.name, row.number)),
            row.number,
        );

        let mut item = Item::new(kind, name.clone());
        let mut origin = ItemOrigin { row: row.number, columns: BTreeMap::new() };
        origin.columns.insert("type".into(), type_col.letter.clone());
        if let Some(c) = name_col {
            origin.columns.insert("name".into(), c.letter.clone());
        }
        if let TypeCell::Meta(m) = parsed {
            item.meta = Some(m);
        }

        // Texts.
        let texts = |key: SurveyKey| -> Vec<(&Column<SurveyKey>, &str)> {
            t.columns
                .iter()
                .filter(|c| c.key == key)
                .filter_map(|c| row.get(c.index).map(|v| (c, v)))
                .collect()
        };
        let mut constraint_message = None;
        for (key, prop) in [
            (SurveyKey::Label, "label"),
            (SurveyKey::Hint, "hint"),
            (SurveyKey::RequiredMessage, "required_message"),
            (SurveyKey::ConstraintMessage, "constraints[0].message"),
        ] {
            let parts = texts(key);
            if let Some((c, _)) = parts.first() {
                origin.columns.insert(prop.into(), c.letter.clone());
            }
            let text = self.text(&parts);
            match key {
                SurveyKey::Label => item.label = text,
                SurveyKey::Hint => item.hint = text,
                SurveyKey::RequiredMessage => item.required_message = text,
                _ => constraint_message = text,
            }
        }

        // A note that only shows a picture, sound or video (pyxform takes media for a
        // label): Tianye shows no media, so there is nothing left to show.
        if kind == ItemType::Note
            && item.label.is_none()
            && item.hint.is_none()
            && sheets::media_in(t, row)
        {
            self.warn(Finding::warning(Code::XlsformSkippedRow, Place::row(t.name, row.number)));
            return;
        }

        // Expressions.
        let mut expr_cell = |this: &mut Self, key: SurveyKey, prop: &str| -> Option<String> {
            let (raw, col) = cell(key)?;
            origin.columns.insert(prop.into(), col.letter.clone());
            Some(this.expression(raw, place_of(col), &path, prop))
        };
        if let Some(e) = expr_cell(self, SurveyKey::Relevant, "relevant") {
            item.relevant = Some(match aliases::yes_no(&e) {
                Some(true) => "true()".to_owned(),
                Some(false) => "false()".to_owned(),
                None => e,
            });
        }
        item.required = expr_cell(self, SurveyKey::Required, "required").map(condition);
        item.read_only = expr_cell(self, SurveyKey::ReadOnly, "read_only").map(condition);
        if let Some(e) = expr_cell(self, SurveyKey::Constraint, "constraints[0]") {
            item.constraints.push(Constraint { expr: e, message: constraint_message.take() });
        }
        item.calculation = expr_cell(self, SurveyKey::Calculation, "calculation");
        item.choice_filter = expr_cell(self, SurveyKey::ChoiceFilter, "choice_filter");
        item.repeat_count = expr_cell(self, SurveyKey::RepeatCount, "repeat_count");
        if constraint_message.is_some() {
            origin.columns.remove("constraints[0].message");
        }
        if let Some((raw, col)) = cell(SurveyKey::Default) {
            origin.columns.insert("default".into(), col.letter.clone());
            let src = if is_dynamic(raw, kind) {
                self.expression(raw, place_of(col), &path, "default")
            } else {
                literal(self.renamed_choices.get(raw).map_or(raw, String::as_str), kind)
            };
            item.default = Some(src);
        }
        if kind == ItemType::Calculate && item.calculation.is_none() && item.default.is_none() {
            self.warn(
                Finding::error(Code::XlsformMissingCalculation, Place::row(t.name, row.number))
                    .with("name", name.clone()),
            );
        }

        // Appearance.
        if let Some((raw, col)) = cell(SurveyKey::Appearance) {
            origin.columns.insert("appearance".into(), col.letter.clone());
            for word in raw.split_whitespace() {
                let picture_kind = kind == ItemType::Image && matches!(word, "signature" | "draw");
                if !aliases::APPEARANCES.contains(&word) && !picture_kind {
                    self.warn(
                        Finding::warning(Code::XlsformUnsupportedAppearance, place_of(col))
                            .with("appearance", word),
                    );
                }
            }
            item.appearance = Some(raw.split_whitespace().collect::<Vec<_>>().join(" "));
            picture_kind(&mut item);
        }

        // Parameters.
        let params = match cell(SurveyKey::Parameters) {
            Some((raw, col)) => {
                origin.columns.insert("parameters".into(), col.letter.clone());
                self.parameters(raw, col, place_of(col), kind)
            }
            None => BTreeMap::new(),
        };
        if kind == ItemType::Range {
            let param_col = cell(SurveyKey::Parameters).map(|(_, c)| c.letter.clone());
            for p in ["min", "max", "step"] {
                if let Some(l) = &param_col {
                    origin.columns.insert(p.into(), l.clone());
                }
            }
            item.min = Some(Bound::Number(params.get("start").copied().unwrap_or(1.0)));
            item.max = Some(Bound::Number(params.get("end").copied().unwrap_or(10.0)));
            item.step = Some(params.get("step").copied().unwrap_or(1.0));
            rating(&mut item);
        }
        if item.kind.is_picture()
            && let Some(&n) = params.get("max-pixels")
        {
            if n.fract() == 0.0 && (1.0..=20000.0).contains(&n) {
                item.max_pixels = Some(n as u32);
                if let Some((_, col)) = cell(SurveyKey::Parameters) {
                    origin.columns.insert("max_pixels".into(), col.letter.clone());
                }
            } else if let Some((_, col)) = cell(SurveyKey::Parameters) {
                self.warn(
                    Finding::error(Code::XlsformInvalidValue, place_of(col))
                        .with("column", col.header.clone())
                        .with("value", format!("max-pixels={n}"))
                        .with(
                            "detail",
                            "应为 1 到 20000 的整数 / must be a whole number from 1 to 20000",
                        ),
                );
            }
        }
        if let Some((raw, col)) = cell(SurveyKey::Accept) {
            origin.columns.insert("accept".into(), col.letter.clone());
            item.accept = raw
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }

        // Choice lists.
        let mut or_other_list = None;
        if let TypeCell::Select { list, or_other, from_file, .. } = &parsed {
            origin.columns.insert("choices".into(), type_col.letter.clone());
            if *from_file {
                // The list is named after its file, and read from it when the form is
                // loaded (`choice_file`).
                self.choice_files.insert(list.clone(), list.clone());
                item.choices = Some(list.clone());
            } else if self.choice_lists.contains_key(list) {
                item.choices = Some(list.clone());
                if *or_other {
                    or_other_list = Some(list.clone());
                }
            } else {
                self.warn(
                    Finding::error(Code::XlsformUnknownChoiceList, place_of(type_col))
                        .with("list", list.clone()),
                );
                item.choices = Some(list.clone());
            }
            if kind == ItemType::SelectOne
                && let Some(app) = &item.appearance
                && app.split_whitespace().any(|w| w == "likert")
            {
                item.kind = ItemType::Likert;
                let rest: Vec<&str> = app.split_whitespace().filter(|w| *w != "likert").collect();
                item.appearance = (!rest.is_empty()).then(|| rest.join(" "));
            }
        }

        // Properties the type does not use are dropped with a warning.
        self.drop_inapplicable(&mut item, &origin, t.name, &path);

        // Tianye's own column.
        let patch = if self.options.extensions {
            cell(SurveyKey::Tianye).map(|(raw, col)| {
                origin.columns.insert("tianye".into(), col.letter.clone());
                (raw.to_owned(), place_of(col))
            })
        } else {
            None
        };

        match parsed {
            TypeCell::Begin(kind) => {
                let patch = patch.and_then(|(raw, place)| match parse_object(&raw) {
                    Ok(map) => Some((map, place)),
                    Err(detail) => {
                        self.invalid_tianye(&raw, place, &detail);
                        None
                    }
                });
                stack.push(Frame { item, row: row.number, kind, path, patch, origin });
            }
            _ => {
                if let Some((raw, place)) = patch {
                    item = self.apply_patch(item, &raw, &place, &["items"]);
                }
                self.origins.items.insert(name.clone(), origin.clone());
                push(stack, top, item);
                if let Some(list) = or_other_list {
                    self.or_other(&name, &list, &path, origin, stack, top);
                }
            }
        }
    }

    /// A row Tianye cannot ask (its `warning` says why): left out, or — when some
    /// `${name}` in the form names it — kept as an empty `hidden` field at its place,
    /// so that the expressions reading it load and read empty, as they would on a
    /// device that skipped the question.
    fn left_out(
        &mut self,
        t: &Table<'_, SurveyKey>,
        row: &Row,
        type_col: &Column<SurveyKey>,
        warning: Finding,
        stack: &mut [Frame],
        top: &mut Vec<Item>,
    ) {
        let name = t
            .column(&SurveyKey::Name)
            .and_then(|c| row.get(c.index))
            .filter(|n| self.referenced.contains(*n) && expr::is_identifier(n))
            .filter(|n| !self.names.contains_key(*n));
        let Some(name) = name.map(str::to_owned) else {
            self.warn(warning);
            return;
        };
        self.warn(warning.with("kept", ItemType::Hidden.as_str()));
        self.names.insert(name.clone(), row.number);
        let mut origin = ItemOrigin { row: row.number, columns: BTreeMap::new() };
        origin.columns.insert("type".into(), type_col.letter.clone());
        self.origins.items.insert(name.clone(), origin);
        push(stack, top, Item::new(ItemType::Hidden, name));
    }

    /// `name` as Tianye stores it: a name already used elsewhere in the form (not by a
    /// sibling, which pyxform refuses too) becomes `NAME_ROW`, with a warning. No
    /// `${name}` can mean the renamed item: pyxform refuses references to a name used
    /// twice.
    fn distinct_name(&mut self, name: String, parent: &str, place: Place, row: u32) -> String {
        let sibling = !self.siblings.insert((parent.to_owned(), name.clone()));
        let Some(&first) = self.names.get(&name) else { return name };
        if sibling || !expr::is_identifier(&name) {
            return name;
        }
        let mut renamed = format!("{name}_{row}");
        while self.names.contains_key(&renamed) {
            renamed.push('_');
        }
        self.warn(
            Finding::warning(Code::XlsformDuplicateName, place)
                .with("name", name)
                .with("first", first)
                .with("renamed", renamed.clone()),
        );
        renamed
    }

    fn check_name(&mut self, name: &str, path: &str, place: Place, row: u32) {
        if !expr::is_identifier(name) {
            let mut f = Finding::error(Code::InvalidName, place.clone()).with("name", name);
            f.item = Some(path.to_owned());
            self.warn(f);
        }
        if let Some(first) = self.names.get(name) {
            let mut f = Finding::error(Code::XlsformDuplicateName, place)
                .with("name", name)
                .with("first", *first);
            f.item = Some(path.to_owned());
            self.warn(f);
        } else {
            self.names.insert(name.to_owned(), row);
        }
    }

    fn end(
        &mut self,
        t: &Table<'_, SurveyKey>,
        row: &Row,
        kind: Container,
        stack: &mut Vec<Frame>,
        top: &mut Vec<Item>,
    ) {
        match stack.last() {
            Some(frame) if frame.kind == kind => {
                let frame = stack.pop().expect("checked non-empty");
                self.close(frame, stack, top);
            }
            Some(frame) => {
                let f = Finding::error(Code::XlsformUnmatchedEnd, Place::row(t.name, row.number))
                    .with("kind", kind.as_str())
                    .with("open", frame.kind.as_str())
                    .with("row", frame.row);
                self.warn(f);
            }
            None => self.warn(
                Finding::error(Code::XlsformUnmatchedEnd, Place::row(t.name, row.number))
                    .with("kind", kind.as_str()),
            ),
        }
    }

    /// Finishes an open group: a `tianye` matrix becomes a matrix item; the patch is
    /// applied; the item joins its parent.
    fn close(&mut self, frame: Frame, stack: &mut [Frame], top: &mut Vec<Item>) {
        let Frame { mut item, patch, origin, kind, .. } = frame;
        if let Some((mut map, place)) = patch {
            if map.get("type").is_some_and(|t| t.get() == "\"matrix\"")
                && item.kind == ItemType::Group
            {
                item.kind = ItemType::Matrix;
                item.choices = item.items.iter().find_map(|c| c.choices.clone());
                item.rows = std::mem::take(&mut item.items)
                    .into_iter()
                    .map(|c| MatrixRow {
                        name: c.name,
                        label: c.label.unwrap_or_else(|| Text::Plain(String::new())),
                        hint: c.hint,
                    })
                    .collect();
                item.appearance = None;
                map.remove("type");
            }
            item = self.apply_map(item, map, &place, &["items"]);
        }
        // A group left with nothing to ask (its rows were all media, or none): pyxform
        // takes it; Tianye leaves it out and says so.
        if item.kind.is_container() && item.items.is_empty() {
            self.warn(
                Finding::warning(
                    Code::XlsformSkippedRow,
                    Place::row(&self.survey_sheet, origin.row),
                )
                .with("kind", kind.as_str())
                .with("name", item.name.clone()),
            );
            return;
        }
        self.origins.items.insert(item.name.clone(), origin);
        push(stack, top, item);
    }

    /// `select_one L or_other`: adds an `other` choice to L and a text question
    /// `NAME_other` asked when it is chosen, as pyxform does.
    fn or_other(
        &mut self,
        name: &str,
        list: &str,
        path: &str,
        origin: ItemOrigin,
        stack: &mut [Frame],
        top: &mut Vec<Item>,
    ) {
        // As pyxform: the same English text in every language.
        let per_lang = |text: &str| -> Text {
            match self.choice_lists.get(list).and_then(|l| l.first()).map(|c| &c.label) {
                Some(Text::PerLanguage(map)) => {
                    Text::PerLanguage(map.iter().map(|(l, _)| (l, text)).collect())
                }
                _ => Text::Plain(text.to_owned()),
            }
        };
        let other_label = per_lang("Other");
        if let Some(choices) = self.choice_lists.get_mut(list)
            && !choices.iter().any(|c| c.name == "other")
        {
            choices.push(Choice::new("other", other_label));
        }
        let other_name = format!("{name}_other");
        let other_path = match path.rsplit_once('/') {
            Some((parent, _)) => format!("{parent}/{other_name}"),
            None => other_name.clone(),
        };
        let place = Place::row(&self.survey_sheet, origin.row);
        self.check_name(&other_name, &other_path, place, origin.row);
        let mut other = Item::new(ItemType::Text, other_name.clone()).with_label("Specify other.");
        other.relevant = Some(format!("selected(${{{name}}}, 'other')"));
        self.origins
            .items
            .insert(other_name, ItemOrigin { row: origin.row, columns: origin.columns });
        push(stack, top, other);
    }

    /// Checks an expression cell: syntax errors and unsupported functions become
    /// findings at the cell with the span. Returns the text to store (trimmed, smart
    /// quotes made plain).
    fn expression(&mut self, raw: &str, place: Place, path: &str, property: &str) -> String {
        let mut src = plain_quotes(raw.trim());
        for (written, stored) in &self.renamed_choices {
            for q in ['\'', '"'] {
                src = src.replace(&format!("{q}{written}{q}"), &format!("{q}{stored}{q}"));
            }
        }
        let finish = |mut f: Finding| {
            f.item = Some(path.to_owned());
            f.property = Some(property.to_owned());
            f
        };
        if aliases::yes_no(&src).is_some() {
            return src;
        }
        match expr::parse(&src) {
            Err(errors) => {
                for e in errors {
                    let mut f = Finding::error(e.code, place.clone()).at(&src, e.span);
                    f.params = e.params;
                    self.findings.push(finish(f));
                }
            }
            Ok(ast) => {
                let mut bad = Vec::new();
                ast.walk(&mut |node| {
                    if let ExprKind::Call { name, .. } = &node.kind
                        && crate::form::is_unsupported_function(name)
                    {
                        let start = node.span.start as usize;
                        bad.push((name.clone(), Span::new(start, start + name.len())));
                    }
                });
                for (name, span) in bad {
                    let f = Finding::error(Code::XlsformUnsupportedFunction, place.clone())
                        .with("name", name)
                        .at(&src, span);
                    self.findings.push(finish(f));
                }
            }
        }
        src
    }

    /// `start=1 end=10 step=1` → numbers by key; reports malformed and unsupported
    /// entries.
    fn parameters(
        &mut self,
        raw: &str,
        col: &Column<SurveyKey>,
        place: Place,
        kind: ItemType,
    ) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        let mut normalised = String::new();
        let mut chars = raw.trim().chars().peekable();
        while let Some(c) = chars.next() {
            if c == '=' {
                while normalised.ends_with(' ') {
                    normalised.pop();
                }
                normalised.push('=');
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            } else {
                normalised.push(c);
            }
        }
        for part in normalised.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
            if part.is_empty() {
                continue;
            }
            let Some((key, value)) = part.split_once('=') else {
                self.warn(
                    Finding::error(Code::XlsformInvalidValue, place.clone())
                        .with("column", col.header.clone())
                        .with("value", raw)
                        .with("detail", "参数应写作 名称=值 / parameters are written name=value"),
                );
                return out;
            };
            let key = key.to_lowercase();
            let used = (kind == ItemType::Range
                && ["start", "end", "step"].contains(&key.as_str()))
                || (kind == ItemType::Image && key == "max-pixels");
            if !used {
                self.warn(
                    Finding::warning(Code::XlsformUnsupportedParameter, place.clone())
                        .with("type", kind.as_str())
                        .with("parameter", key),
                );
                continue;
            }
            match value.parse::<f64>() {
                Ok(n) if n.is_finite() => {
                    out.insert(key, n);
                }
                _ => self.warn(
                    Finding::error(Code::XlsformInvalidValue, place.clone())
                        .with("column", col.header.clone())
                        .with("value", part)
                        .with("detail", "应为数字 / must be a number"),
                ),
            }
        }
        out
    }

    fn drop_inapplicable(&mut self, item: &mut Item, origin: &ItemOrigin, sheet: &str, path: &str) {
        for prop in item.inapplicable_properties() {
            if prop == "items" {
                continue;
            }
            let column = match prop {
                "constraints" => origin.columns.get("constraints[0]"),
                "min" | "max" | "step" => origin.columns.get("parameters"),
                "choices" => origin.columns.get("type"),
                other => origin.columns.get(other),
            };
            let place = match column {
                Some(letter) => Place::cell(sheet, origin.row, letter),
                None => Place::row(sheet, origin.row),
            };
            let mut f = Finding::warning(Code::PropertyNotApplicable, place)
                .with("type", item.kind.as_str())
                .with("property", prop);
            f.item = Some(path.to_owned());
            self.findings.push(f);
            clear_property(item, prop);
        }
    }

    fn invalid_tianye(&mut self, raw: &str, place: Place, detail: &str) {
        self.warn(
            Finding::error(Code::XlsformInvalidValue, place)
                .with("column", "tianye")
                .with("value", raw)
                .with("detail", detail),
        );
    }

    /// Overlays the JSON object `raw` on `value` (a `null` removes a property).
    fn apply_patch<T: Serialize + DeserializeOwned>(
        &mut self,
        value: T,
        raw: &str,
        place: &Place,
        skip: &[&str],
    ) -> T {
        match parse_object(raw) {
            Ok(map) => self.apply_map(value, map, place, skip),
            Err(detail) => {
                self.invalid_tianye(raw, place.clone(), &detail);
                value
            }
        }
    }

    fn apply_map<T: Serialize + DeserializeOwned>(
        &mut self,
        value: T,
        patch: RawMap,
        place: &Place,
        skip: &[&str],
    ) -> T {
        let mut base = raw_fields(&value);
        for (k, v) in &patch {
            if skip.contains(&k.as_str()) {
                continue;
            }
            if v.get() == "null" {
                base.remove(k);
            } else {
                base.insert(k.clone(), v.clone());
            }
        }
        match serde_json::from_str(&raw_text(&base)) {
            Ok(v) => v,
            Err(e) => {
                self.invalid_tianye(&raw_text(&patch), place.clone(), &e.to_string());
                value
            }
        }
    }
}

fn push(stack: &mut [Frame], top: &mut Vec<Item>, item: Item) {
    match stack.last_mut() {
        Some(frame) => frame.item.items.push(item),
        None => top.push(item),
    }
}

fn parse_object(raw: &str) -> Result<RawMap, String> {
    if !raw.trim_start().starts_with('{') {
        return Err("应为 JSON 对象 / must be a JSON object".to_owned());
    }
    serde_json::from_str::<RawMap>(raw).map_err(|e| e.to_string())
}

/// Every name written as `${name}` in any cell of the survey and choices sheets.
fn referenced_names(
    survey: Option<&Table<'_, SurveyKey>>,
    choices: Option<&Table<'_, ChoiceKey>>,
) -> HashSet<String> {
    let rows = survey.map_or(&[][..], |t| t.rows).iter().chain(choices.map_or(&[][..], |t| t.rows));
    let mut names = HashSet::new();
    for cell in rows.flat_map(|r| &r.cells) {
        let mut rest = cell.value.as_str();
        while let Some((_, after)) = rest.split_once("${") {
            let Some((name, tail)) = after.split_once('}') else { break };
            names.insert(name.trim().to_owned());
            rest = tail;
        }
    }
    names
}

/// A questionnaire id from a file stem: ASCII letters, digits, `_` and `-`, starting
/// with a letter (`01_basic` → `form_01_basic`, `户调查` → `form`).
fn identifier(stem: &str) -> String {
    let mut id: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    id = id.trim_matches('_').to_owned();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id = if id.is_empty() { "form".to_owned() } else { format!("form_{id}") };
    }
    id
}

/// `yes`/`no` → a fixed condition, anything else an expression.
fn condition(e: String) -> Condition {
    match aliases::yes_no(&e) {
        Some(b) => Condition::Fixed(b),
        None => Condition::Expr(e),
    }
}

/// `image` with appearance `signature` or `draw` is Tianye's `signature` or `draw`
/// (the word leaves the appearance); `annotate` stays an `image` (reported as an
/// appearance the app does not render).
fn picture_kind(item: &mut Item) {
    let Some(app) = &item.appearance else { return };
    if item.kind != ItemType::Image {
        return;
    }
    let words: Vec<&str> = app.split_whitespace().collect();
    let kind = if words.contains(&"signature") {
        ItemType::Signature
    } else if words.contains(&"draw") {
        ItemType::Draw
    } else {
        return;
    };
    item.kind = kind;
    let rest: Vec<&str> =
        words.into_iter().filter(|w| !matches!(*w, "signature" | "draw")).collect();
    item.appearance = (!rest.is_empty()).then(|| rest.join(" "));
}

/// Range `start=1 step=1 appearance=rating` is Tianye's rating of `end` stars.
fn rating(item: &mut Item) {
    let Some(app) = &item.appearance else { return };
    if !app.split_whitespace().any(|w| w == "rating") {
        return;
    }
    let (Some(Bound::Number(min)), Some(Bound::Number(max)), Some(step)) =
        (&item.min, &item.max, item.step)
    else {
        return;
    };
    if *min == 1.0 && step == 1.0 && max.fract() == 0.0 && (1.0..=100.0).contains(max) {
        item.kind = ItemType::Rating;
        item.scale = Some(*max as u32);
        item.min = None;
        item.max = None;
        item.step = None;
        let rest: Vec<&str> = app.split_whitespace().filter(|w| *w != "rating").collect();
        item.appearance = (!rest.is_empty()).then(|| rest.join(" "));
    }
}

/// Curly quotes (as spreadsheet programs type them) made straight.
fn plain_quotes(s: &str) -> String {
    if !s.contains(['\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}']) {
        return s.to_owned();
    }
    s.replace(['\u{2018}', '\u{2019}'], "'").replace(['\u{201c}', '\u{201d}'], "\"")
}

/// pyxform's rule for whether a `default` is an expression rather than a value:
/// it has an arithmetic operator (but `-` is part of a date), a predicate, a `${ref}`
/// or a function call.
pub(crate) fn is_dynamic(raw: &str, kind: ItemType) -> bool {
    let Ok(tokens) = expr::lex(raw) else { return false };
    let dated = matches!(kind, ItemType::Date | ItemType::Datetime | ItemType::Geopoint);
    tokens.iter().enumerate().any(|(i, t)| match t.tok {
        Tok::Minus => !dated,
        Tok::Plus | Tok::Star | Tok::Pipe | Tok::LBracket | Tok::Ref(_) => true,
        Tok::Name("div" | "mod") => i > 0,
        Tok::Name(_) => tokens.get(i + 1).is_some_and(|n| n.tok == Tok::LParen),
        _ => false,
    })
}

/// A static `default` value as an expression: numbers stay, text is quoted.
pub(crate) fn literal(raw: &str, kind: ItemType) -> String {
    let numeric =
        matches!(kind, ItemType::Integer | ItemType::Decimal | ItemType::Range | ItemType::Rating);
    if numeric && raw.parse::<f64>().is_ok_and(f64::is_finite) && !raw.contains(['e', 'E']) {
        return raw.to_owned();
    }
    quote(raw)
}

/// A string literal for `s`, whatever quotes it holds.
pub(crate) fn quote(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

fn clear_property(item: &mut Item, prop: &str) {
    match prop {
        "required" => item.required = None,
        "required_message" => item.required_message = None,
        "constraints" => item.constraints.clear(),
        "default" => item.default = None,
        "read_only" => item.read_only = None,
        "calculation" => item.calculation = None,
        "pattern" => item.pattern = None,
        "min_length" => item.min_length = None,
        "max_length" => item.max_length = None,
        "min" => item.min = None,
        "max" => item.max = None,
        "step" => item.step = None,
        "scale" => item.scale = None,
        "choices" => item.choices = None,
        "choice_filter" => item.choice_filter = None,
        "min_selected" => item.min_selected = None,
        "max_selected" => item.max_selected = None,
        "rows" => item.rows.clear(),
        "max_accuracy" => item.max_accuracy = None,
        "max_pixels" => item.max_pixels = None,
        "accept" => item.accept.clear(),
        "min_rows" => item.min_rows = None,
        "max_rows" => item.max_rows = None,
        "repeat_count" => item.repeat_count = None,
        "row_label" => item.row_label = None,
        "meta" => item.meta = None,
        "hint" => item.hint = None,
        "label" => item.label = None,
        _ => {}
    }
}

/// Whether a finding list stops the import.
pub(crate) fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_pyxform() {
        assert!(is_dynamic("today()", ItemType::Date));
        assert!(is_dynamic("${a} + 1", ItemType::Integer));
        assert!(!is_dynamic("2024-01-01", ItemType::Date));
        assert!(!is_dynamic("yes", ItemType::SelectOne));
        assert!(!is_dynamic("hello world", ItemType::Text));
        assert_eq!(literal("12", ItemType::Integer), "12");
        assert_eq!(literal("12", ItemType::Text), "'12'");
        assert_eq!(literal("it's", ItemType::Text), "\"it's\"");
        assert_eq!(quote("a'b\"c"), "concat('a', \"'\", 'b\"c')");
        assert_eq!(identifier("01_basic"), "form_01_basic");
        assert_eq!(identifier("household survey"), "household_survey");
        assert_eq!(identifier("户调查"), "form");
    }
}
