//! The validation engine: a questionnaire and a response in, every problem out.
//!
//! Nothing is fail-fast: all problems are collected. Answers to items that are not
//! relevant are not problems; they are reported as cleared, and calculations read them
//! as empty. A draft may be incomplete (missing answers are not problems); a complete
//! response must have no problems.

mod files;
mod ids;
mod meta;
mod rules;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::expr::DateTime;
use crate::form::{FieldId, Form, Loc, NodeKind, graph_split};
use crate::i18n::{self, Lang, Params};
use crate::instance::{self, Cell, Clock, Instance, Reading};
use crate::response::{Answers, Response, Status};
use crate::schema::Text;
use crate::{Code, Diagnostic};

pub use ids::{check_id_number, check_phone, is_email};

/// One problem with a response.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// What is wrong.
    pub code: Code,
    /// Where, for people: names and 0-based row indices, `member[2].m_dob`; empty for the
    /// response as a whole.
    pub path: String,
    /// Where, for programs: the field and its rows. `None` for problems with the response
    /// as a whole (its meta, its questionnaire, its JSON).
    pub loc: Option<Loc>,
    /// Values for the message (`min`, `max`, `value`, …).
    pub params: Params,
    /// The questionnaire's own message for this problem (`constraints[].message`,
    /// `required_message`), already interpolated.
    pub custom_message: Option<Text>,
}

impl Problem {
    /// A problem with `code` at `path`.
    pub fn new(code: Code, path: impl Into<String>) -> Self {
        Problem { code, path: path.into(), loc: None, params: Params::new(), custom_message: None }
    }

    /// Adds a message param.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// The message in language `lang` (`zh`, `en`): the questionnaire's own message if
    /// it has one, else Tianye's.
    pub fn message(&self, lang: &str) -> String {
        match &self.custom_message {
            Some(text) => text.get(lang, "zh").to_owned(),
            None => i18n::message(self.code, &self.params, Lang::from_code(lang)),
        }
    }

    /// The problem as every output writes it (CLI, server, browser API): see
    /// [`ProblemView`]. `lang` chooses `message`; `zh/en` gives both, Chinese first.
    pub fn view(&self, form: &Form, lang: &str) -> ProblemView {
        let (message_zh, message_en) = (self.message("zh"), self.message("en"));
        let message = match lang {
            "zh" => message_zh.clone(),
            "en" => message_en.clone(),
            "zh/en" => format!("{message_zh} / {message_en}"),
            other => self.message(other),
        };
        ProblemView {
            code: self.code,
            path: self.path.clone(),
            field: self.loc.as_ref().map(|l| form.field(l.field).name.clone()),
            rows: self.loc.as_ref().map(|l| l.rows.clone()).unwrap_or_default(),
            params: self.params.clone(),
            message,
            message_zh,
            message_en,
        }
    }
}

/// A problem as JSON, the one shape of every output:
/// `{"code", "path", "field", "rows", "params", "message", "message_zh", "message_en"}`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ProblemView {
    /// Stable code (`value.required`).
    pub code: Code,
    /// Where, for people (`member[2].m_dob`); empty for the response as a whole.
    pub path: String,
    /// Where, as data: the item's name, absent for the response as a whole …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// … and one 0-based row index per repeat around it, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<u32>,
    /// Values for the message.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: Params,
    /// The message in the language asked for.
    pub message: String,
    /// The message in Chinese.
    pub message_zh: String,
    /// The message in English.
    pub message_en: String,
}

/// The rows a value sits in, as (repeat, index) steps from the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowPath {
    steps: Vec<(FieldId, u32)>,
}

impl RowPath {
    /// The root (outside every repeat).
    pub fn root() -> Self {
        RowPath::default()
    }

    /// Enters row `index` of `repeat`.
    pub fn push(&mut self, repeat: FieldId, index: u32) {
        self.steps.push((repeat, index));
    }

    /// Leaves the innermost row.
    pub fn pop(&mut self) {
        self.steps.pop();
    }

    /// The row indices.
    pub fn indices(&self) -> Vec<u32> {
        self.steps.iter().map(|s| s.1).collect()
    }

    /// `member[2].leaf`; just `member[2]` when `leaf` is empty.
    pub fn display(&self, form: &Form, leaf: &str) -> String {
        let mut out = String::new();
        for (repeat, index) in &self.steps {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&form.field(*repeat).name);
            let _ = write!(out, "[{index}]");
        }
        if !leaf.is_empty() {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(leaf);
        }
        out
    }
}

/// How to validate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The time to judge `today()`/`now()` and relative bounds by when the response
    /// records neither `meta.submitted_at` nor `meta.updated_at`. Without it, such a
    /// response is judged as of 1970-01-01.
    pub now: Option<DateTime>,
    /// Language for `jr:choice-name()` in calculations; the questionnaire's default
    /// when empty.
    pub lang: String,
}

/// The most problems [`Form::validate`] keeps; the rest are counted
/// ([`Report::problem_count`]), so a response made of thousands of wrong answers costs
/// no more than this many problems.
pub const MAX_PROBLEMS: usize = 1000;

/// The verdict on one response.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The problems, in questionnaire order: every one, or the first [`MAX_PROBLEMS`]
    /// from [`Form::validate`].
    pub problems: Vec<Problem>,
    /// How many problems the response has, those not kept in `problems` included.
    pub problem_count: usize,
    /// How many problems `problems` keeps at most.
    pub(crate) keep: usize,
    /// Paths of answers given to items that are not relevant; they are not problems,
    /// and are left out of `answers`.
    pub cleared: Vec<String>,
    /// Calculated values by path (`is_lbc`, `member[0].m_age`), `null` when empty.
    pub values: BTreeMap<String, serde_json::Value>,
    /// The answers as they stand after validation: without cleared answers, with
    /// calculated and meta values filled in. Exports use these.
    pub answers: Answers,
}

impl Report {
    /// An empty report keeping at most `keep` problems.
    pub(crate) fn new(keep: usize) -> Report {
        Report {
            problems: Vec::new(),
            problem_count: 0,
            keep,
            cleared: Vec::new(),
            values: BTreeMap::new(),
            answers: Answers::new(),
        }
    }

    /// Adds a problem (counted, and kept if there is room).
    pub(crate) fn push(&mut self, problem: Problem) {
        self.problem_count += 1;
        if self.problems.len() < self.keep {
            self.problems.push(problem);
        }
    }

    /// Whether the response has no problems.
    pub fn is_valid(&self) -> bool {
        self.problem_count == 0
    }

    /// The problems as output, with `message` in `lang` (see [`Problem::view`]).
    pub fn views(&self, form: &Form, lang: &str) -> Vec<ProblemView> {
        self.problems.iter().map(|p| p.view(form, lang)).collect()
    }
}

/// Runs every per-answer check over `inst` into `report`.
pub(crate) fn check_instance(
    form: &Form,
    inst: &Instance,
    clock: &Clock,
    status: Status,
    report: &mut Report,
) {
    rules::check_all(form, inst, clock, status, report);
    files::check_files(form, inst, report);
}

/// Relevance and calculated values for a response (see [`Form::evaluate`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    /// Whether each item is relevant, by path.
    pub relevant: BTreeMap<String, bool>,
    /// Each calculated value, by path (`null` when empty or not relevant).
    pub values: BTreeMap<String, serde_json::Value>,
}

/// The time a response is judged as of: when it was submitted, else last updated,
/// else `fallback`, else the epoch.
pub fn response_time(response: &Response, fallback: Option<DateTime>) -> DateTime {
    let meta = &response.meta;
    meta.submitted_at
        .as_deref()
        .and_then(DateTime::parse)
        .or_else(|| meta.updated_at.as_deref().and_then(DateTime::parse))
        .or(fallback)
        .unwrap_or(DateTime { local_millis: 0, offset: Some(0) })
}

impl Form {
    /// Validates `response` against this questionnaire: see the module docs.
    ///
    /// The work is bounded whatever the response holds: rows past each repeat's ceiling
    /// are not read (see [`crate::schema::Item::max_rows`]), and the report keeps the
    /// first [`MAX_PROBLEMS`] problems and counts the rest.
    pub fn validate(&self, response: &Response, options: &Options) -> Report {
        use crate::response::shorten;
        let mut report = Report::new(MAX_PROBLEMS);
        let q = &self.questionnaire;
        if response.questionnaire.id != q.id || response.questionnaire.version != q.version {
            let found = format!("{}@{}", response.questionnaire.id, response.questionnaire.version);
            report.push(
                Problem::new(Code::QuestionnaireMismatch, "")
                    .with("found", shorten(&found, 100))
                    .with("expected", format!("{}@{}", q.id, q.version)),
            );
        }
        if !crate::response::is_uuid(&response.instance_id) {
            report.push(
                Problem::new(Code::InstanceId, "")
                    .with("value", shorten(&response.instance_id, 100)),
            );
        }
        for p in meta::meta_problems(&response.meta) {
            report.push(p);
        }
        let lang =
            if options.lang.is_empty() { q.default_language.clone() } else { options.lang.clone() };
        let clock = Clock { now: response_time(response, options.now), lang };
        let mut inst =
            instance::from_answers(self, &response.answers, Reading::Bounded, &mut |p| {
                report.push(p);
            });
        instance::fill_meta(self, &mut inst, &response.meta, &clock);
        self.compute_all(&mut inst, &clock);
        check_instance(self, &inst, &clock, response.status, &mut report);
        report.answers = self.clean_answers(&inst);
        report
    }

    /// The relevance of every item and every calculated value for `response`, as the
    /// form app would show it.
    pub fn evaluate(&self, response: &Response, options: &Options) -> Evaluation {
        let lang = if options.lang.is_empty() {
            self.questionnaire.default_language.clone()
        } else {
            options.lang.clone()
        };
        let clock = Clock { now: response_time(response, options.now), lang };
        let mut inst = instance::from_answers(self, &response.answers, Reading::Bounded, &mut drop);
        instance::fill_meta(self, &mut inst, &response.meta, &clock);
        self.compute_all(&mut inst, &clock);
        let mut out = Evaluation::default();
        self.evaluate_row(&inst.root, crate::form::ScopeId::ROOT, &mut RowPath::root(), &mut out);
        out
    }

    fn evaluate_row(
        &self,
        row: &instance::Row,
        scope: crate::form::ScopeId,
        path: &mut RowPath,
        out: &mut Evaluation,
    ) {
        for (slot, &id) in self.scope(scope).fields.iter().enumerate() {
            let f = self.field(id);
            let here = path.display(self, &f.name);
            out.relevant.insert(here.clone(), row.relevant[slot]);
            if self.is_computed(id) {
                let v = if row.relevant[slot] {
                    row.cells[slot].value().to_json()
                } else {
                    serde_json::Value::Null
                };
                out.values.insert(here, v);
            }
            if let Some(rs) = f.row_scope {
                for (i, r) in row.rows(slot).iter().enumerate() {
                    path.push(id, i as u32);
                    self.evaluate_row(r, rs, path, out);
                    path.pop();
                }
            }
        }
    }

    /// Recomputes every relevance condition and calculation, in dependency order.
    pub(crate) fn compute_all(&self, inst: &mut Instance, clock: &Clock) {
        for &node in &self.graph.order {
            let (field, kind) = graph_split(node as usize);
            if kind == NodeKind::Rel
                || (kind == NodeKind::Val && self.field(field).calculation.is_some())
            {
                instance::compute(self, inst, clock, field, kind, &[], false);
            }
        }
    }

    /// The answers of `inst` without non-relevant ones, with computed values.
    pub(crate) fn clean_answers(&self, inst: &Instance) -> Answers {
        self.row_answers(&inst.root, crate::form::ScopeId::ROOT)
    }

    fn row_answers(&self, row: &instance::Row, scope: crate::form::ScopeId) -> Answers {
        let mut out = Answers::new();
        for (slot, &id) in self.scope(scope).fields.iter().enumerate() {
            if !row.relevant[slot] {
                continue;
            }
            let f = self.field(id);
            match &row.cells[slot] {
                Cell::Val(v) => {
                    out.insert(f.name.clone(), instance::stored_to_json(v));
                }
                Cell::Rows(rows) if f.row_scope.is_some() => {
                    let rs = f.row_scope.expect("checked");
                    let rows = rows
                        .iter()
                        .map(|r| serde_json::Value::Object(self.row_answers(r, rs)))
                        .collect();
                    out.insert(f.name.clone(), serde_json::Value::Array(rows));
                }
                Cell::Bad(v) => {
                    out.insert(f.name.clone(), v.clone());
                }
                _ => {}
            }
        }
        out
    }
}

/// A validation failure that is not about the answers: the response itself could not
/// be read.
pub fn parse_error(d: &Diagnostic) -> Problem {
    let mut p = Problem::new(d.code, d.item.clone());
    p.params = d.params.clone();
    p
}
