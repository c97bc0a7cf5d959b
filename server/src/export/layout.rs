//! The shape of an export: which tables, which columns, in which order, over every
//! version of a questionnaire.
//!
//! Each version contributes its variables in questionnaire order. Versions are merged
//! in the order they were first seen; a variable new in a later version is placed
//! right after its predecessor in that version, so the columns of older versions keep
//! their relative order and a new version never drops or reshuffles old data.

use std::collections::HashMap;
use std::sync::Arc;

use tianye_core::schema::{Condition, Constraint};
use tianye_core::{Item, ItemType, Questionnaire, Text};

use crate::forms::FormVersion;

/// A metadata column of the main table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaColumn {
    /// The response's `instance_id`.
    InstanceId,
    /// The questionnaire version answered.
    Version,
    /// The uploading team.
    Team,
    /// `meta.enumerator`.
    Enumerator,
    /// `meta.device_id`.
    DeviceId,
    /// `meta.started_at`.
    StartedAt,
    /// `meta.submitted_at`.
    SubmittedAt,
    /// When the server received it.
    ReceivedAt,
    /// Its review state now (`received`, `has_issues`, `approved`, `rejected`).
    ReviewState,
    /// The comment of its newest review event.
    ReviewComment,
    /// The files the answers name that have not arrived yet, by name, space-separated
    /// (only in the main table of a questionnaire with attachment questions).
    AttachmentsMissing,
}

impl MetaColumn {
    /// Every metadata column, in export order.
    pub const ALL: [MetaColumn; 10] = [
        MetaColumn::InstanceId,
        MetaColumn::Version,
        MetaColumn::Team,
        MetaColumn::Enumerator,
        MetaColumn::DeviceId,
        MetaColumn::StartedAt,
        MetaColumn::SubmittedAt,
        MetaColumn::ReceivedAt,
        MetaColumn::ReviewState,
        MetaColumn::ReviewComment,
    ];

    /// The column header.
    pub fn header(self) -> &'static str {
        match self {
            MetaColumn::InstanceId => "instance_id",
            MetaColumn::Version => "version",
            MetaColumn::Team => "team",
            MetaColumn::Enumerator => "enumerator",
            MetaColumn::DeviceId => "device_id",
            MetaColumn::StartedAt => "started_at",
            MetaColumn::SubmittedAt => "submitted_at",
            MetaColumn::ReceivedAt => "received_at",
            MetaColumn::ReviewState => "review_state",
            MetaColumn::ReviewComment => "review_comment",
            MetaColumn::AttachmentsMissing => "attachments_missing",
        }
    }

    /// Its description for the codebook (Chinese, English).
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            MetaColumn::InstanceId => ("答卷编号（UUID）", "Response id (UUID)"),
            MetaColumn::Version => ("问卷版本", "Questionnaire version"),
            MetaColumn::Team => ("上传的调查队", "Uploading team"),
            MetaColumn::Enumerator => ("调查员", "Enumerator"),
            MetaColumn::DeviceId => ("设备编号", "Device id"),
            MetaColumn::StartedAt => ("开始填写时间（设备时间）", "Started at (device time)"),
            MetaColumn::SubmittedAt => ("完成时间（设备时间）", "Submitted at (device time)"),
            MetaColumn::ReceivedAt => ("服务器收到时间（UTC）", "Received by the server at (UTC)"),
            MetaColumn::ReviewState => ("审核状态", "Review state"),
            MetaColumn::ReviewComment => ("最近一次审核意见", "Comment of the latest review"),
            MetaColumn::AttachmentsMissing => (
                "尚未收到的附件（文件名，以空格分隔；空表示已全部收到）",
                "Files not received yet (names, space-separated; empty when all arrived)",
            ),
        }
    }
}

/// A key column of a repeat table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyColumn {
    /// The parent response's `instance_id`.
    InstanceId,
    /// The key of the enclosing repeat row (`2`, `2.1`), for nested repeats.
    ParentRow,
    /// The row's number (from 1) within its parent.
    Row,
}

impl KeyColumn {
    /// The column header.
    pub fn header(self) -> &'static str {
        match self {
            KeyColumn::InstanceId => "instance_id",
            KeyColumn::ParentRow => "parent_row",
            KeyColumn::Row => "row",
        }
    }

    /// Its description for the codebook (Chinese, English).
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            KeyColumn::InstanceId => {
                ("所属答卷编号", "instance_id of the response the row belongs to")
            }
            KeyColumn::ParentRow => (
                "上一级重复组行的编号（如 2 或 2.1）",
                "Key of the enclosing repeat row (e.g. 2 or 2.1)",
            ),
            KeyColumn::Row => ("行号（从 1 起）", "Row number (from 1) within its parent"),
        }
    }
}

/// Where a column's values come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A metadata column (main table).
    Meta(MetaColumn),
    /// A key column (repeat tables).
    Key(KeyColumn),
    /// The answer to variable `var` (index into [`Layout::variables`]); for multiple
    /// choice, the selected names joined by spaces.
    Value(usize),
    /// 1 if `choice` is among the answers of multiple-choice variable `var`, else 0
    /// (empty when the question was not answered).
    Selected(usize, String),
    /// The number of rows of repeat `var`.
    RowCount(usize),
}

/// One column of a table.
#[derive(Debug, Clone)]
pub struct Column {
    /// Header: the variable name, `name/choice` for a multiple-choice option.
    pub header: String,
    /// Where the values come from.
    pub source: Source,
}

/// One table: the main table (one row per response) or a repeat's (one row per row).
#[derive(Debug, Clone)]
pub struct Table {
    /// The questionnaire id for the main table, the repeat's name for a repeat table.
    pub name: String,
    /// The repeats from the root down to this table's (empty for the main table).
    pub repeat_path: Vec<String>,
    /// The columns, in order.
    pub columns: Vec<Column>,
}

impl Table {
    /// Whether this is the main table.
    pub fn is_main(&self) -> bool {
        self.repeat_path.is_empty()
    }
}

/// A variable: one answer (question, calculation, matrix row, repeat count).
#[derive(Debug, Clone)]
pub struct Variable {
    /// The item name (unique in a questionnaire).
    pub name: String,
    /// The item type in the newest version that has it (`select_one` for matrix rows).
    pub kind: ItemType,
    /// The table it is in.
    pub table: usize,
    /// The label, from the newest version that has it.
    pub label: Option<Text>,
    /// The choice list name, if any.
    pub list: Option<String>,
    /// For choice variables: every choice name over all versions, merged in order.
    pub choices: Vec<String>,
    /// Choice labels by name (the newest version's label wins).
    pub choice_labels: HashMap<String, Text>,
    /// Relevance, including that of the enclosing groups and repeats, as written.
    pub relevant: Option<String>,
    /// Constraints and bounds, as written.
    pub constraint: Option<String>,
    /// `required`, as written.
    pub required: Option<String>,
    /// `calculation` (or the meta kind), as written.
    pub calculation: Option<String>,
    /// Versions that have it, in the order first seen.
    pub versions: Vec<String>,
    /// The questionnaire's default language in the newest version that has it.
    pub default_language: String,
}

impl Variable {
    /// The label of choice `name` in `lang`, if known.
    pub fn choice_label(&self, name: &str, lang: &str) -> Option<&str> {
        self.choice_labels.get(name).map(|t| t.get(lang, &self.default_language))
    }

    /// Whether the answer is a list of choice names.
    pub fn is_multiple(&self) -> bool {
        matches!(self.kind, ItemType::SelectMultiple | ItemType::Rank)
    }
}

/// Tables and variables over every version of one questionnaire.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The questionnaire id.
    pub form_id: String,
    /// The tables: the main table first, then one per repeat in the order first seen.
    pub tables: Vec<Table>,
    /// Every variable.
    pub variables: Vec<Variable>,
}

/// Inserts into `order` the names of `newer` that it lacks, each right after its
/// predecessor in `newer` (at the front when it has none); the existing order is kept.
fn merge_order(order: &mut Vec<String>, newer: &[String]) {
    let mut anchor: Option<usize> = None;
    for name in newer {
        if let Some(pos) = order.iter().position(|n| n == name) {
            anchor = Some(pos);
        } else {
            let at = anchor.map_or(0, |a| a + 1);
            order.insert(at, name.clone());
            anchor = Some(at);
        }
    }
}

struct Walk<'a> {
    q: &'a Questionnaire,
    version: &'a str,
    /// Per table key (repeat path joined by `/`): the variable names of this version.
    per_table: Vec<(Vec<String>, Vec<String>)>,
}

fn condition_text(c: &Condition) -> String {
    match c {
        Condition::Fixed(b) => b.to_string(),
        Condition::Expr(e) => e.clone(),
    }
}

fn constraint_text(item: &Item) -> Option<String> {
    use tianye_core::schema::Bound;
    let bound = |b: &Bound| match b {
        Bound::Number(n) => tianye_core::expr::num_to_string(*n),
        Bound::Text(t) => t.clone(),
    };
    let mut parts = Vec::new();
    if let Some(min) = &item.min {
        parts.push(format!("min={}", bound(min)));
    }
    if let Some(max) = &item.max {
        parts.push(format!("max={}", bound(max)));
    }
    if let Some(n) = item.min_length {
        parts.push(format!("min_length={n}"));
    }
    if let Some(n) = item.max_length {
        parts.push(format!("max_length={n}"));
    }
    if let Some(p) = &item.pattern {
        parts.push(format!("pattern={p}"));
    }
    if let Some(n) = item.min_selected {
        parts.push(format!("min_selected={n}"));
    }
    if let Some(n) = item.max_selected {
        parts.push(format!("max_selected={n}"));
    }
    if let Some(n) = item.min_rows {
        parts.push(format!("min_rows={n}"));
    }
    if let Some(n) = item.max_rows {
        parts.push(format!("max_rows={n}"));
    }
    parts.extend(item.constraints.iter().map(|Constraint { expr, .. }| expr.clone()));
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn join_relevance(outer: &[String], own: Option<&String>) -> Option<String> {
    let all: Vec<&String> = outer.iter().chain(own).collect();
    match all.len() {
        0 => None,
        1 => Some(all[0].clone()),
        _ => Some(all.iter().map(|r| format!("({r})")).collect::<Vec<_>>().join(" and ")),
    }
}

impl Layout {
    /// The layout of questionnaire versions `versions` (in the order first seen).
    pub fn new(form_id: &str, versions: &[Arc<FormVersion>]) -> Layout {
        let mut table_keys: Vec<Vec<String>> = vec![Vec::new()];
        let mut table_orders: Vec<Vec<String>> = vec![Vec::new()];
        let mut variables: Vec<Variable> = Vec::new();
        let mut by_key: HashMap<(usize, String), usize> = HashMap::new();
        for fv in versions {
            let q = fv.form.questionnaire();
            let mut walk = Walk { q, version: fv.version(), per_table: Vec::new() };
            let mut found = Vec::new();
            walk.items(&q.items, &[], &[], &mut found);
            for (path, names) in walk.per_table {
                let table = match table_keys.iter().position(|k| *k == path) {
                    Some(t) => t,
                    None => {
                        table_keys.push(path.clone());
                        table_orders.push(Vec::new());
                        table_keys.len() - 1
                    }
                };
                merge_order(&mut table_orders[table], &names);
            }
            for (path, mut var) in found {
                let table = table_keys.iter().position(|k| *k == path).unwrap_or(0);
                var.table = table;
                match by_key.get(&(table, var.name.clone())) {
                    Some(&i) => {
                        let old = &mut variables[i];
                        let mut choices = std::mem::take(&mut old.choices);
                        merge_order(&mut choices, &var.choices);
                        let mut labels = std::mem::take(&mut old.choice_labels);
                        labels.extend(var.choice_labels.drain());
                        let mut versions = std::mem::take(&mut old.versions);
                        versions.append(&mut var.versions);
                        *old = Variable { choices, choice_labels: labels, versions, ..var };
                    }
                    None => {
                        by_key.insert((table, var.name.clone()), variables.len());
                        variables.push(var);
                    }
                }
            }
        }
        let tables = table_keys
            .into_iter()
            .zip(table_orders)
            .enumerate()
            .map(|(t, (path, order))| {
                let mut columns = Vec::new();
                if path.is_empty() {
                    columns.extend(MetaColumn::ALL.iter().map(|&m| Column {
                        header: m.header().to_owned(),
                        source: Source::Meta(m),
                    }));
                    if variables.iter().any(|v| v.kind.is_attachment()) {
                        let m = MetaColumn::AttachmentsMissing;
                        columns.push(Column {
                            header: m.header().to_owned(),
                            source: Source::Meta(m),
                        });
                    }
                } else {
                    let keys: &[KeyColumn] = if path.len() > 1 {
                        &[KeyColumn::InstanceId, KeyColumn::ParentRow, KeyColumn::Row]
                    } else {
                        &[KeyColumn::InstanceId, KeyColumn::Row]
                    };
                    columns.extend(keys.iter().map(|&k| Column {
                        header: k.header().to_owned(),
                        source: Source::Key(k),
                    }));
                }
                for name in &order {
                    let Some(&v) = by_key.get(&(t, name.clone())) else { continue };
                    let var = &variables[v];
                    if var.kind == ItemType::Repeat {
                        columns.push(Column { header: name.clone(), source: Source::RowCount(v) });
                        continue;
                    }
                    columns.push(Column { header: name.clone(), source: Source::Value(v) });
                    if var.kind == ItemType::SelectMultiple {
                        for choice in &var.choices {
                            columns.push(Column {
                                header: format!("{name}/{choice}"),
                                source: Source::Selected(v, choice.clone()),
                            });
                        }
                    }
                }
                let name = path.last().cloned().unwrap_or_else(|| form_id.to_owned());
                Table { name, repeat_path: path, columns }
            })
            .collect();
        Layout { form_id: form_id.to_owned(), tables, variables }
    }

    /// The table named `name` (the questionnaire id names the main table).
    pub fn table(&self, name: &str) -> Option<usize> {
        self.tables.iter().position(|t| t.name == name)
    }
}

impl Walk<'_> {
    fn table_names(&mut self, path: &[String]) -> &mut Vec<String> {
        let i = match self.per_table.iter().position(|(p, _)| p == path) {
            Some(i) => i,
            None => {
                self.per_table.push((path.to_vec(), Vec::new()));
                self.per_table.len() - 1
            }
        };
        &mut self.per_table[i].1
    }

    fn variable(&self, item: &Item, kind: ItemType, relevance: &[String]) -> Variable {
        let list = item.choices.clone();
        let choices: Vec<_> =
            list.as_ref().and_then(|l| self.q.choice_lists.get(l)).cloned().unwrap_or_default();
        Variable {
            name: item.name.clone(),
            kind,
            table: 0,
            label: item.label.clone(),
            list,
            choices: choices.iter().map(|c| c.name.clone()).collect(),
            choice_labels: choices.into_iter().map(|c| (c.name, c.label)).collect(),
            relevant: join_relevance(relevance, item.relevant.as_ref()),
            constraint: constraint_text(item),
            required: item.required.as_ref().map(condition_text),
            calculation: item.calculation.clone().or_else(|| {
                item.meta.map(|m| {
                    format!(
                        "meta: {}",
                        serde_json::to_value(m)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    )
                })
            }),
            versions: vec![self.version.to_owned()],
            default_language: self.q.default_language.clone(),
        }
    }

    fn items(
        &mut self,
        items: &[Item],
        path: &[String],
        relevance: &[String],
        found: &mut Vec<(Vec<String>, Variable)>,
    ) {
        self.table_names(path);
        for item in items {
            match item.kind {
                ItemType::Group => {
                    let mut inner = relevance.to_vec();
                    inner.extend(item.relevant.clone());
                    self.items(&item.items, path, &inner, found);
                }
                ItemType::Repeat => {
                    self.table_names(path).push(item.name.clone());
                    found.push((path.to_vec(), self.variable(item, ItemType::Repeat, relevance)));
                    let mut inner_path = path.to_vec();
                    inner_path.push(item.name.clone());
                    let mut inner = relevance.to_vec();
                    inner.extend(item.relevant.clone());
                    // Inside the repeat, relevance is that of the row.
                    self.items(&item.items, &inner_path, &inner, found);
                }
                ItemType::Note => {}
                ItemType::Matrix => {
                    let mut inner = relevance.to_vec();
                    inner.extend(item.relevant.clone());
                    for row in &item.rows {
                        let mut var = self.variable(item, ItemType::SelectOne, &inner);
                        var.name.clone_from(&row.name);
                        var.relevant = join_relevance(&inner, None);
                        var.label = Some(matrix_row_label(item.label.as_ref(), &row.label));
                        self.table_names(path).push(row.name.clone());
                        found.push((path.to_vec(), var));
                    }
                }
                kind => {
                    self.table_names(path).push(item.name.clone());
                    found.push((path.to_vec(), self.variable(item, kind, relevance)));
                }
            }
        }
    }
}

/// "matrix label: row label", per language.
fn matrix_row_label(matrix: Option<&Text>, row: &Text) -> Text {
    let Some(matrix) = matrix else { return row.clone() };
    let mut langs: Vec<&str> = matrix.languages().chain(row.languages()).collect();
    langs.sort_unstable();
    langs.dedup();
    if langs.is_empty() {
        return Text::Plain(format!("{}: {}", matrix.get("", ""), row.get("", "")));
    }
    Text::PerLanguage(
        langs
            .into_iter()
            .map(|l| (l.to_owned(), format!("{}: {}", matrix.get(l, l), row.get(l, l))))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn merging_keeps_old_order_and_places_new_names_after_their_predecessor() {
        let mut order = names(&["a", "b", "c"]);
        merge_order(&mut order, &names(&["a", "x", "c", "y"]));
        assert_eq!(order, names(&["a", "x", "b", "c", "y"]));
        merge_order(&mut order, &names(&["z", "c"]));
        assert_eq!(order, names(&["z", "a", "x", "b", "c", "y"]));
        merge_order(&mut order, &names(&["c", "b"]));
        assert_eq!(order, names(&["z", "a", "x", "b", "c", "y"]));
    }
}
