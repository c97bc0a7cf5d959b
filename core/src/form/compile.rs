//! Compiling a questionnaire: structure and properties first, then every expression,
//! then the dependency graph. Every error is collected; none stops the others.

use rustc_hash::FxHashMap as HashMap;

use super::graph::{self, Edge, Graph, NodeKind};
use super::node::Node;
use super::template::{self, Template};
use super::typecheck::{self as check, Dep, Purpose};
use super::{
    Bound, ChoiceList, Cond, Field, FieldId, Form, MAX_REPEAT_DEPTH, Rules, Scope, ScopeId,
    anchored_pattern,
};
use crate::expr::{self, Date, DateTime, Time};
use crate::schema::{Bound as RawBound, Condition, Invalid, Item, ItemType, Questionnaire, Text};
use crate::{Code, Diagnostic, LoadError, Severity};

impl Form {
    /// Checks `questionnaire` and compiles it: names, properties, choice lists, bounds,
    /// patterns, every expression (references, functions, arity, types, repeats) and
    /// the dependency graph (cycles). Every error is reported at once.
    pub fn compile(questionnaire: Questionnaire) -> Result<Form, LoadError> {
        compile(questionnaire, Lists::Kept)
    }

    /// As [`Form::from_json`], for a program that keeps no questionnaire but the form
    /// (the form app): the choice lists move into the form ([`Form::choice_lists`])
    /// rather than being copied, so [`Form::questionnaire`] has none. A province's
    /// 50,000 villages are then held once, not twice.
    pub fn from_json_without_list_copy(text: &str) -> Result<Form, LoadError> {
        let questionnaire =
            Questionnaire::from_json(text).map_err(|d| LoadError { diagnostics: vec![*d] })?;
        Form::compile_without_list_copy(questionnaire)
    }

    /// As [`Form::compile`], with the choice lists moved into the form as
    /// [`Form::from_json_without_list_copy`] does.
    pub fn compile_without_list_copy(questionnaire: Questionnaire) -> Result<Form, LoadError> {
        compile(questionnaire, Lists::Moved)
    }

    /// Parses and compiles a questionnaire from JSON. A questionnaire that cannot run
    /// is refused with every error at once, each naming its item and property:
    ///
    /// ```
    /// use tianye_core::Form;
    ///
    /// let refused = Form::from_json(r#"{
    ///   "id": "visit", "version": "1", "title": "入户",
    ///   "items": [{"type": "integer", "name": "age", "label": "年龄",
    ///              "relevant": "${agee} > 0"}]
    /// }"#).expect_err("a reference to no item");
    /// let error = &refused.diagnostics[0];
    /// assert_eq!(error.code.as_str(), "expr.unknown_ref");
    /// assert_eq!((error.item.as_str(), error.property.as_deref()), ("age", Some("relevant")));
    /// ```
    pub fn from_json(text: &str) -> Result<Form, LoadError> {
        let questionnaire =
            Questionnaire::from_json(text).map_err(|d| LoadError { diagnostics: vec![*d] })?;
        Form::compile(questionnaire)
    }
}

/// Whether the questionnaire a form keeps keeps its choice lists too.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lists {
    /// Copied into the form: [`Form::questionnaire`] is whole.
    Kept,
    /// Moved into the form: [`Form::questionnaire`] has none.
    Moved,
}

fn compile(questionnaire: Questionnaire, lists: Lists) -> Result<Form, LoadError> {
    let mut b = Builder { diags: Vec::new(), sources: Vec::new() };
    let mut form = Form {
        questionnaire,
        fields: Vec::new(),
        scopes: vec![Scope {
            repeat: None,
            parent: None,
            depth: 0,
            fields: Vec::new(),
            chain: Vec::new(),
            chain_slots: Vec::new(),
        }],
        lists: Vec::new(),
        by_name: HashMap::default(),
        top: Vec::new(),
        graph: Graph::default(),
        warnings: Vec::new(),
    };
    b.check_questionnaire(&form.questionnaire);
    let list_index = b.build_lists(&mut form, lists);
    let items = std::mem::take(&mut form.questionnaire.items);
    let mut top = Vec::new();
    for item in &items {
        top.push(b.add_item(&mut form, &list_index, item, None, ScopeId::ROOT, ""));
    }
    form.questionnaire.items = items;
    form.top = top;
    let edges = b.compile_expressions(&mut form);
    let edges = prune(&form, edges);
    match Graph::build(form.fields.len(), edges) {
        Ok(graph) => form.graph = graph,
        Err(cycle) => b.report_cycle(&form, &cycle),
    }
    let (errors, warnings): (Vec<_>, Vec<_>) =
        b.diags.into_iter().partition(|d| d.severity == Severity::Error);
    if errors.is_empty() {
        form.warnings = warnings;
        Ok(form)
    } else {
        let mut diagnostics = errors;
        diagnostics.extend(warnings);
        Err(LoadError { diagnostics })
    }
}

/// Drops the edge from a field's relevance to its value where nothing reads the value
/// and the value is not computed: a change of such a field's relevance then schedules
/// nothing more. Such a value has no readers, so it lies on no cycle.
fn prune(form: &Form, edges: Vec<(usize, Edge)>) -> Vec<(usize, Edge)> {
    let mut read = vec![false; form.fields.len() * 4];
    for (from, e) in &edges {
        if e.propagate {
            read[*from] = true;
        }
    }
    edges
        .into_iter()
        .filter(|(from, e)| {
            let (field, kind) = graph::split(*from);
            let to = e.to as usize;
            let is_own_value = kind == NodeKind::Rel && to == graph::node(field, NodeKind::Val);
            !is_own_value || read[to] || form.is_computed(field)
        })
        .collect()
}

/// The expression texts of one field, kept for compiling after every field exists.
#[derive(Default)]
struct Sources {
    relevant: Option<String>,
    required: Option<Condition>,
    required_message: Option<Text>,
    read_only: Option<Condition>,
    constraints: Vec<(String, Option<Text>)>,
    calculation: Option<String>,
    default: Option<String>,
    choice_filter: Option<String>,
    repeat_count: Option<String>,
    label: Option<Text>,
    hint: Option<Text>,
    row_label: Option<Text>,
}

struct Builder {
    diags: Vec<Diagnostic>,
    sources: Vec<Sources>,
}

fn validation_diagnostics(mut found: Vec<Invalid>, item: &str, prefix: &str) -> Vec<Diagnostic> {
    // Report in a stable order: by property name (a property's findings in check order).
    crate::order::sort_nearly_sorted_by(&mut found, |a, b| a.field < b.field);
    let mut out = Vec::new();
    for Invalid { field, code, value } in found {
        let property = format!("{prefix}{field}");
        let d = if field == "name" && code == "name" {
            Diagnostic::error(Code::InvalidName, item).with("name", value)
        } else {
            let detail = match code.as_ref() {
                "length" => "length out of range".to_owned(),
                "range" => "value out of range".to_owned(),
                "whitespace" => "must not contain spaces".to_owned(),
                "form_id" => {
                    "use ASCII letters, digits, _ and -, starting with a letter".to_owned()
                }
                other => other.to_owned(),
            };
            Diagnostic::error(Code::InvalidValue, item)
                .with("property", property.as_str())
                .with("detail", format!("{detail}: {value}"))
        };
        out.push(d.in_property(property));
    }
    out
}

/// Parses a relative or absolute date bound: `2010-01-01`, `today`, `today-16y`,
/// `today+30d`, `today-1y6m`.
fn parse_date_bound(text: &str) -> Option<Bound> {
    if let Some(d) = Date::parse(text) {
        return Some(Bound::Date(d));
    }
    let rest = text.strip_prefix("today")?;
    let (mut years, mut months, mut days) = (0i32, 0i32, 0i32);
    let mut rest = rest;
    while !rest.is_empty() {
        let sign = match rest.as_bytes()[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let digits = rest[1..].find(|c: char| !c.is_ascii_digit()).map_or(rest.len() - 1, |i| i);
        if digits == 0 || digits > 5 {
            return None;
        }
        let n: i32 = rest[1..=digits].parse().ok()?;
        let unit = rest[1 + digits..].chars().next()?;
        match unit {
            'y' => years += sign * n,
            'm' => months += sign * n,
            'd' => days += sign * n,
            _ => return None,
        }
        rest = &rest[2 + digits..];
    }
    Some(Bound::Today { years, months, days })
}

fn parse_bound(kind: ItemType, raw: &RawBound) -> Result<Bound, &'static str> {
    use ItemType as T;
    match (kind, raw) {
        (T::Integer | T::Decimal | T::Range, RawBound::Number(n)) if n.is_finite() => {
            Ok(Bound::Number(*n))
        }
        (T::Integer | T::Decimal | T::Range, _) => Err("expected a number"),
        (T::Date, RawBound::Text(s)) => parse_date_bound(s)
            .ok_or("expected YYYY-MM-DD, today, or today±N followed by y, m or d"),
        (T::Time, RawBound::Text(s)) => Time::parse(s).map(Bound::Time).ok_or("expected HH:MM"),
        (T::Datetime, RawBound::Text(s)) if s == "now" => Ok(Bound::Now),
        (T::Datetime, RawBound::Text(s)) => DateTime::parse(s)
            .map(Bound::DateTime)
            .or_else(|| parse_date_bound(s))
            .ok_or("expected YYYY-MM-DDTHH:MM, now, today or today±N…"),
        _ => Err("expected a date or time as text"),
    }
}

fn bound_order(a: Bound, b: Bound) -> Option<bool> {
    match (a, b) {
        (Bound::Number(x), Bound::Number(y)) => Some(x <= y),
        (Bound::Date(x), Bound::Date(y)) => Some(x <= y),
        (Bound::Time(x), Bound::Time(y)) => Some(x.millis <= y.millis),
        (Bound::DateTime(x), Bound::DateTime(y)) => Some(x.utc_millis() <= y.utc_millis()),
        _ => None,
    }
}

impl Builder {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn check_questionnaire(&mut self, q: &Questionnaire) {
        self.diags.extend(validation_diagnostics(q.invalid_values(), "", ""));
        if !q.languages.contains(&q.default_language) {
            self.push(
                Diagnostic::error(Code::Language, "")
                    .in_property("default_language")
                    .with("language", q.default_language.as_str()),
            );
        }
        self.check_text_languages(q, &q.title, "", "title");
    }

    fn check_text_languages(&mut self, q: &Questionnaire, text: &Text, item: &str, property: &str) {
        for lang in text.languages() {
            if !q.languages.iter().any(|l| l == lang) {
                self.push(
                    Diagnostic::warning(Code::Language, item)
                        .in_property(property)
                        .with("language", lang),
                );
            }
        }
    }

    fn build_lists(&mut self, form: &mut Form, keep: Lists) -> HashMap<String, usize> {
        let mut index = HashMap::default();
        // Taken out and put back rather than cloned: a clone of the whole map is one
        // more instantiation in the browser build.
        let lists = std::mem::take(&mut form.questionnaire.choice_lists);
        let mut kept = std::collections::BTreeMap::new();
        for (name, choices) in lists {
            if keep == Lists::Kept {
                kept.insert(name.clone(), choices.clone());
            }
            let item = format!("choice_lists.{name}");
            // A list from a file that is not there yet is compiled empty by
            // `tianye import` (which warns); every loader that reads files refuses an
            // empty or missing file itself.
            #[cfg(feature = "choice-files")]
            let from_file = form.questionnaire.choice_files.contains_key(&name);
            #[cfg(not(feature = "choice-files"))]
            let from_file = false;
            if choices.is_empty() && !from_file {
                self.push(
                    Diagnostic::error(Code::EmptyChoiceList, item.as_str())
                        .with("list", name.as_str()),
                );
            }
            // A name may come back only with other attributes: the same village name
            // under two townships of a cascade (XLSForm's allow_choice_duplicates).
            // The index keeps the first; a repeat with the attributes of an earlier
            // choice of its name is an error, reported at its place in the list.
            let (by_name, repeated) = super::choice_names::index(&choices);
            for (i, choice) in choices.iter().enumerate() {
                let invalid = choice.invalid_values();
                if !invalid.is_empty() {
                    self.diags.extend(validation_diagnostics(invalid, &item, &format!("[{i}].")));
                }
                let repeated = repeated[i];
                if repeated {
                    self.push(
                        Diagnostic::error(Code::DuplicateChoice, item.as_str())
                            .in_property(format!("[{i}]"))
                            .with("list", name.as_str())
                            .with("name", choice.name.as_str()),
                    );
                }
                self.check_text_languages(
                    &form.questionnaire,
                    &choice.label,
                    &item,
                    &format!("[{i}].label"),
                );
            }
            index.insert(name.clone(), form.lists.len());
            form.lists.push(ChoiceList { name, choices, by_name });
        }
        form.questionnaire.choice_lists = kept;
        // Only native loaders read files; the browser gets the lists inlined by the
        // server, and a list missing there is reported where a question names it.
        #[cfg(feature = "choice-files")]
        for (list, file) in &form.questionnaire.choice_files {
            if !index.contains_key(list) {
                self.push(
                    Diagnostic::error(Code::ChoiceFileNotLoaded, format!("choice_files.{list}"))
                        .with("list", list.as_str())
                        .with("file", file.as_str()),
                );
            }
        }
        index
    }

    fn new_field(
        &mut self,
        form: &mut Form,
        name: &str,
        kind: ItemType,
        parent: Option<FieldId>,
        scope: ScopeId,
        path: String,
    ) -> FieldId {
        let id = FieldId(form.fields.len() as u32);
        let slot = form.scopes[scope.index()].fields.len();
        form.scopes[scope.index()].fields.push(id);
        if let Some(first) = form.by_name.get(name) {
            self.push(
                Diagnostic::error(Code::DuplicateName, path.as_str())
                    .in_property("name")
                    .with("name", name)
                    .with("first", form.fields[first.index()].path.as_str()),
            );
        } else {
            form.by_name.insert(name.to_owned(), id);
        }
        form.fields.push(Field {
            name: name.to_owned(),
            kind,
            path,
            parent,
            children: Vec::new(),
            scope,
            slot,
            row_scope: None,
            matrix_row: false,
            label: None,
            hint: None,
            row_label: None,
            appearance: None,
            choices: None,
            relevant: None,
            required: Cond::Never,
            required_message: None,
            read_only: Cond::Never,
            constraints: Vec::new(),
            calculation: None,
            default: None,
            choice_filter: None,
            choice_index: None,
            repeat_count: None,
            meta: None,
            rules: Rules::default(),
        });
        self.sources.push(Sources::default());
        if let Some(p) = parent {
            form.fields[p.index()].children.push(id);
        }
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn add_item(
        &mut self,
        form: &mut Form,
        lists: &HashMap<String, usize>,
        item: &Item,
        parent: Option<FieldId>,
        scope: ScopeId,
        parent_path: &str,
    ) -> FieldId {
        use ItemType as T;
        let path = if parent_path.is_empty() {
            item.name.clone()
        } else {
            format!("{parent_path}/{}", item.name)
        };
        self.diags.extend(validation_diagnostics(item.invalid_values(), &path, ""));
        for property in item.inapplicable_properties() {
            self.push(
                Diagnostic::error(Code::PropertyNotApplicable, path.as_str())
                    .in_property(property)
                    .with("type", item.kind.as_str())
                    .with("property", property),
            );
        }
        let q = &form.questionnaire;
        for (text, property) in [
            (&item.label, "label"),
            (&item.hint, "hint"),
            (&item.required_message, "required_message"),
        ] {
            if let Some(text) = text {
                self.check_text_languages(q, text, &path, property);
            }
        }
        let missing = |property: &str| {
            Diagnostic::error(Code::MissingProperty, path.as_str())
                .in_property(property)
                .with("type", item.kind.as_str())
                .with("property", property)
        };
        let mut missing_props = Vec::new();
        if item.kind.uses_choices() && item.choices.is_none() {
            missing_props.push("choices");
        }
        if item.kind == T::Matrix && item.rows.is_empty() {
            missing_props.push("rows");
        }
        if item.kind == T::Calculate && item.calculation.is_none() {
            missing_props.push("calculation");
        }
        if item.kind == T::Meta && item.meta.is_none() {
            missing_props.push("meta");
        }
        if item.kind.is_container() && item.items.is_empty() {
            missing_props.push("items");
        }
        if ((item.kind.is_question() && item.kind != T::Meta) || item.kind == T::Note)
            && item.label.is_none()
            && item.hint.is_none()
        {
            missing_props.push("label");
        }
        for p in missing_props {
            self.push(missing(p));
        }

        let id = self.new_field(form, &item.name, item.kind, parent, scope, path.clone());
        let list = item.choices.as_ref().and_then(|name| {
            let found = lists.get(name).copied();
            if found.is_none() {
                self.push(
                    Diagnostic::error(Code::UnknownChoiceList, path.as_str())
                        .in_property("choices")
                        .with("list", name.as_str()),
                );
            }
            found
        });
        let rules = self.rules(item, &path);
        {
            let f = &mut form.fields[id.index()];
            f.appearance.clone_from(&item.appearance);
            f.choices = list;
            f.meta = item.meta;
            f.rules = rules;
        }
        let src = &mut self.sources[id.index()];
        src.relevant.clone_from(&item.relevant);
        src.required.clone_from(&item.required);
        src.required_message.clone_from(&item.required_message);
        src.read_only.clone_from(&item.read_only);
        src.constraints =
            item.constraints.iter().map(|c| (c.expr.clone(), c.message.clone())).collect();
        src.calculation.clone_from(&item.calculation);
        src.default.clone_from(&item.default);
        src.choice_filter.clone_from(&item.choice_filter);
        src.repeat_count.clone_from(&item.repeat_count);
        src.label.clone_from(&item.label);
        src.hint.clone_from(&item.hint);
        src.row_label.clone_from(&item.row_label);

        match item.kind {
            T::Group => {
                for child in &item.items {
                    self.add_item(form, lists, child, Some(id), scope, &path);
                }
            }
            T::Repeat => {
                let parent_scope = &form.scopes[scope.index()];
                let depth = parent_scope.depth + 1;
                if depth > MAX_REPEAT_DEPTH {
                    self.push(
                        Diagnostic::error(Code::InvalidValue, path.as_str())
                            .in_property("items")
                            .with("property", "items")
                            .with(
                                "detail",
                                format!("repeats nested deeper than {MAX_REPEAT_DEPTH} levels"),
                            ),
                    );
                    return id;
                }
                let row_scope = ScopeId(form.scopes.len() as u32);
                let mut chain = parent_scope.chain.clone();
                chain.push(row_scope);
                let mut chain_slots = parent_scope.chain_slots.clone();
                chain_slots.push(form.fields[id.index()].slot);
                form.scopes.push(Scope {
                    repeat: Some(id),
                    parent: Some(scope),
                    depth,
                    fields: Vec::new(),
                    chain,
                    chain_slots,
                });
                form.fields[id.index()].row_scope = Some(row_scope);
                for child in &item.items {
                    self.add_item(form, lists, child, Some(id), row_scope, &path);
                }
            }
            T::Matrix => {
                for (i, row) in item.rows.iter().enumerate() {
                    let invalid = row.invalid_values();
                    if !invalid.is_empty() {
                        self.diags.extend(validation_diagnostics(
                            invalid,
                            &path,
                            &format!("rows[{i}]."),
                        ));
                    }
                    let row_path = format!("{path}/{}", row.name);
                    let rid =
                        self.new_field(form, &row.name, T::SelectOne, Some(id), scope, row_path);
                    let f = &mut form.fields[rid.index()];
                    f.matrix_row = true;
                    f.choices = list;
                    f.appearance.clone_from(&item.appearance);
                    let src = &mut self.sources[rid.index()];
                    src.required.clone_from(&item.required);
                    src.required_message.clone_from(&item.required_message);
                    src.read_only.clone_from(&item.read_only);
                    src.constraints = item
                        .constraints
                        .iter()
                        .map(|c| (c.expr.clone(), c.message.clone()))
                        .collect();
                    src.choice_filter.clone_from(&item.choice_filter);
                    src.label = Some(row.label.clone());
                    src.hint.clone_from(&row.hint);
                }
                // The matrix itself only groups its rows.
                let src = &mut self.sources[id.index()];
                src.required = None;
                src.read_only = None;
                src.constraints.clear();
                src.choice_filter = None;
            }
            _ => {}
        }
        id
    }

    fn rules(&mut self, item: &Item, path: &str) -> Rules {
        let mut rules = Rules {
            step: item.step,
            min_length: item.min_length,
            max_length: item.max_length,
            min_selected: item.min_selected,
            max_selected: item.max_selected,
            min_rows: item.min_rows,
            max_rows: item.max_rows,
            scale: item.scale.or((item.kind == ItemType::Rating).then_some(5)),
            max_accuracy: item.max_accuracy,
            max_pixels: item.max_pixels.or(item
                .kind
                .is_picture()
                .then_some(crate::response::attachment::DEFAULT_MAX_PIXELS)),
            accept: if item.accept.is_empty() && item.kind == ItemType::Audio {
                vec!["audio/*".to_owned()]
            } else {
                item.accept.clone()
            },
            ..Rules::default()
        };
        if let Some(bad) = item.accept.iter().find(|e| !crate::schema::accept_entry_fits(e)) {
            let detail = format!(
                "not a media type (image/*, application/pdf) or an extension (.pdf): {}",
                crate::response::shorten(bad, 100)
            );
            self.push(invalid(path, "accept", &detail));
        }
        let applicable = item.inapplicable_properties();
        for (raw, property) in [(&item.min, "min"), (&item.max, "max")] {
            let Some(raw) = raw else { continue };
            if applicable.contains(&property) {
                continue;
            }
            match parse_bound(item.kind, raw) {
                Ok(b) if property == "min" => rules.min = Some(b),
                Ok(b) => rules.max = Some(b),
                Err(detail) => {
                    let value = match raw {
                        RawBound::Number(n) => expr::num_to_string(*n),
                        RawBound::Text(s) => s.clone(),
                    };
                    self.push(
                        Diagnostic::error(Code::InvalidBound, path)
                            .in_property(property)
                            .with("property", property)
                            .with("value", value)
                            .with("detail", detail),
                    );
                }
            }
        }
        if let (Some(min), Some(max)) = (rules.min, rules.max)
            && bound_order(min, max) == Some(false)
        {
            self.push(invalid(path, "min", "min is greater than max"));
        }
        for (lo, hi, name) in [
            (item.min_length, item.max_length, "min_length"),
            (item.min_selected, item.max_selected, "min_selected"),
            (item.min_rows, item.max_rows, "min_rows"),
        ] {
            if let (Some(lo), Some(hi)) = (lo, hi)
                && lo > hi
            {
                self.push(invalid(path, name, &format!("{name} is greater than its maximum")));
            }
        }
        if let Some(pattern) = &item.pattern {
            match regex_lite::Regex::new(&anchored_pattern(pattern)) {
                Ok(re) => rules.pattern = Some(re),
                Err(e) => self.push(
                    Diagnostic::error(Code::InvalidPattern, path)
                        .in_property("pattern")
                        .with("detail", e.to_string()),
                ),
            }
        }
        rules
    }

    fn expr_error(
        &mut self,
        form: &Form,
        id: FieldId,
        property: &str,
        source: &str,
        e: &expr::Error,
    ) {
        let mut d = Diagnostic::error(e.code, form.fields[id.index()].path.as_str())
            .in_property(property)
            .at(source, e.span);
        d.params = e.params.clone();
        self.push(d);
    }

    /// Parses and checks one expression of field `id`; errors are recorded.
    fn expression(
        &mut self,
        form: &Form,
        id: FieldId,
        property: &str,
        source: &str,
        at: check::Scope,
    ) -> Option<(Node, Vec<Dep>)> {
        let parsed = match expr::parse(source) {
            Ok(e) => e,
            Err(errors) => {
                for e in &errors {
                    self.expr_error(form, id, property, source, e);
                }
                return None;
            }
        };
        match check::check(form, at, &parsed) {
            Ok(checked) => {
                for w in &checked.warnings {
                    let mut d = Diagnostic::warning(w.code, form.fields[id.index()].path.as_str())
                        .in_property(property)
                        .at(source, w.span);
                    d.params = w.params.clone();
                    self.push(d);
                }
                Some((checked.node, checked.deps))
            }
            Err(errors) => {
                for e in &errors {
                    self.expr_error(form, id, property, source, e);
                }
                None
            }
        }
    }

    fn template(
        &mut self,
        form: &Form,
        id: FieldId,
        property: &str,
        text: &Text,
        scope: ScopeId,
    ) -> Template {
        let at = check::Scope { scope, item: Some(id), purpose: Purpose::Plain };
        let mut errors = Vec::new();
        let t = template::build(text, &mut |source, name, span| match check::resolve_text_ref(
            form, at, name, span,
        ) {
            Ok((field, _)) => Some(field),
            Err(e) => {
                errors.push((source.to_owned(), e));
                None
            }
        });
        for (source, e) in errors {
            self.expr_error(form, id, property, &source, &e);
        }
        t
    }

    fn condition(
        &mut self,
        form: &Form,
        id: FieldId,
        property: &str,
        cond: Option<&Condition>,
    ) -> Cond {
        match cond {
            None | Some(Condition::Fixed(false)) => Cond::Never,
            Some(Condition::Fixed(true)) => Cond::Always,
            Some(Condition::Expr(source)) => {
                let at = check::Scope {
                    scope: form.fields[id.index()].scope,
                    item: Some(id),
                    purpose: Purpose::Answer,
                };
                match source.trim() {
                    "true()" | "yes" | "true" => Cond::Always,
                    "false()" | "no" | "false" | "" => Cond::Never,
                    _ => self
                        .expression(form, id, property, source, at)
                        .map_or(Cond::Never, |(n, _)| Cond::When(n)),
                }
            }
        }
    }

    /// Compiles every expression and text of every field; returns the graph's edges.
    fn compile_expressions(&mut self, form: &mut Form) -> Vec<(usize, Edge)> {
        let mut edges = Vec::new();
        let add = |edges: &mut Vec<(usize, Edge)>,
                   from: usize,
                   to: usize,
                   keep: usize,
                   propagate: bool| {
            edges.push((from, Edge { to: to as u32, keep: keep as u8, propagate }));
        };
        for index in 0..form.fields.len() {
            let id = FieldId(index as u32);
            let src = std::mem::take(&mut self.sources[index]);
            let (scope, parent) = (form.fields[index].scope, form.fields[index].parent);
            let depth = form.scopes[scope.index()].depth;
            let rel = graph::node(id, NodeKind::Rel);
            let val = graph::node(id, NodeKind::Val);
            if let Some(p) = parent {
                let p_depth = form.scopes[form.fields[p.index()].scope.index()].depth;
                add(&mut edges, graph::node(p, NodeKind::Rel), rel, p_depth, true);
            }
            add(&mut edges, rel, val, depth, true);
            let plain = check::Scope { scope, item: Some(id), purpose: Purpose::Plain };
            let reads =
                |edges: &mut Vec<(usize, Edge)>, deps: &[Dep], to: usize, propagate: bool| {
                    for d in deps {
                        edges.push((
                            graph::node(d.field, NodeKind::Val),
                            Edge { to: to as u32, keep: d.keep as u8, propagate },
                        ));
                    }
                };

            let relevant = src
                .relevant
                .as_deref()
                .and_then(|s| self.expression(form, id, "relevant", s, plain));
            if let Some((_, deps)) = &relevant {
                reads(&mut edges, deps, rel, true);
            }
            let calculation = src
                .calculation
                .as_deref()
                .and_then(|s| self.expression(form, id, "calculation", s, plain));
            if let Some((_, deps)) = &calculation {
                reads(&mut edges, deps, val, true);
            }
            let default =
                src.default.as_deref().and_then(|s| self.expression(form, id, "default", s, plain));
            if let Some((_, deps)) = &default {
                let def = graph::node(id, NodeKind::Def);
                reads(&mut edges, deps, def, false);
                add(&mut edges, def, val, depth, false);
            }
            let repeat_count = src
                .repeat_count
                .as_deref()
                .and_then(|s| self.expression(form, id, "repeat_count", s, plain));
            if let Some((_, deps)) = &repeat_count {
                let cnt = graph::node(id, NodeKind::Cnt);
                reads(&mut edges, deps, cnt, true);
                add(&mut edges, cnt, val, depth, false);
            }
            let choice_filter = match (src.choice_filter.as_deref(), form.fields[index].choices) {
                (Some(s), Some(list)) => {
                    let at = check::Scope {
                        scope,
                        item: Some(id),
                        purpose: Purpose::ChoiceFilter(list),
                    };
                    self.expression(form, id, "choice_filter", s, at).map(|(n, _)| n)
                }
                _ => None,
            };
            let required = self.condition(form, id, "required", src.required.as_ref());
            let read_only = self.condition(form, id, "read_only", src.read_only.as_ref());
            let answer = check::Scope { scope, item: Some(id), purpose: Purpose::Answer };
            let mut constraints = Vec::new();
            for (i, (source, message)) in src.constraints.iter().enumerate() {
                let property = format!("constraints[{i}]");
                if let Some((node, _)) = self.expression(form, id, &property, source, answer) {
                    let message = message
                        .as_ref()
                        .map(|m| self.template(form, id, &format!("{property}.message"), m, scope));
                    constraints.push((node, message));
                }
            }
            let label = src.label.as_ref().map(|t| self.template(form, id, "label", t, scope));
            let hint = src.hint.as_ref().map(|t| self.template(form, id, "hint", t, scope));
            let required_message = src
                .required_message
                .as_ref()
                .map(|t| self.template(form, id, "required_message", t, scope));
            let row_label = match (&src.row_label, form.fields[index].row_scope) {
                (Some(t), Some(rows)) => Some(self.template(form, id, "row_label", t, rows)),
                _ => None,
            };
            let f = &mut form.fields[index];
            f.relevant = relevant.map(|(n, _)| n);
            f.calculation = calculation.map(|(n, _)| n);
            f.default = default.map(|(n, _)| n);
            f.repeat_count = repeat_count.map(|(n, _)| n);
            f.choice_index = match (&choice_filter, f.choices) {
                (Some(filter), Some(list)) => {
                    super::choice_index::ChoiceIndex::plan(filter, &form.lists[list].choices)
                        .map(Box::new)
                }
                _ => None,
            };
            f.choice_filter = choice_filter;
            f.required = required;
            f.read_only = read_only;
            f.constraints = constraints;
            f.label = label;
            f.hint = hint;
            f.required_message = required_message;
            f.row_label = row_label;
        }
        edges
    }

    fn report_cycle(&mut self, form: &Form, cycle: &[usize]) {
        let describe = |n: usize| {
            let (field, kind) = graph::split(n);
            format!("{} ({})", form.fields[field.index()].name, kind.property())
        };
        let mut text: Vec<String> = cycle.iter().map(|&n| describe(n)).collect();
        if let Some(first) = text.first().cloned() {
            text.push(first);
        }
        let Some(&first) = cycle.first() else { return };
        let (field, kind) = graph::split(first);
        self.push(
            Diagnostic::error(Code::Cycle, form.fields[field.index()].path.as_str())
                .in_property(kind.property())
                .with("cycle", text.join(" → ")),
        );
    }
}

fn invalid(path: &str, property: &str, detail: &str) -> Diagnostic {
    Diagnostic::error(Code::InvalidValue, path)
        .in_property(property)
        .with("property", property)
        .with("detail", detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds() {
        assert_eq!(
            parse_date_bound("today-16y"),
            Some(Bound::Today { years: -16, months: 0, days: 0 })
        );
        assert_eq!(
            parse_date_bound("today+1y-6m+3d"),
            Some(Bound::Today { years: 1, months: -6, days: 3 })
        );
        assert_eq!(parse_date_bound("today"), Some(Bound::Today { years: 0, months: 0, days: 0 }));
        assert!(parse_date_bound("today-16").is_none());
        assert!(parse_date_bound("yesterday").is_none());
        assert!(matches!(parse_date_bound("2010-01-01"), Some(Bound::Date(_))));
    }
}
