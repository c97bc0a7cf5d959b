//! Review of submissions: the states an admin sets, the history of who set them, and
//! the paged listing reviewers search. Both backends implement the [`super::Store`]
//! methods over these types; the checks on what a caller asks for live here, once.

use std::collections::BTreeMap;

use serde_json::Value;

use super::SubmissionRow;

/// Longest review comment, in characters.
pub const MAX_REVIEW_COMMENT: usize = 2_000;
/// Most submissions in one page of the listing.
pub const MAX_PAGE: u32 = 100;
/// Submissions in a page when the caller does not say.
pub const DEFAULT_PAGE: u32 = 25;
/// Most answer fields one search may name.
pub const MAX_SEARCH_FIELDS: usize = 8;
/// Longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;
/// Longest field name (`name` or `repeat.name`) a search may name.
pub const MAX_FIELD_NAME: usize = 130;
/// Longest value shown for one field in the listing, in characters.
pub const MAX_SHOWN_CHARS: usize = 200;

/// Where a submission stands in review. A submission nobody has judged yet is
/// [`ReviewState::Received`] (no row is stored for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Arrived, not judged yet (the default).
    Received,
    /// Something in it needs a look or a fix (the comment says what).
    HasIssues,
    /// Counts.
    Approved,
    /// Does not count.
    Rejected,
}

impl ReviewState {
    /// Every state, in workflow order.
    pub const ALL: [ReviewState; 4] = [
        ReviewState::Received,
        ReviewState::HasIssues,
        ReviewState::Approved,
        ReviewState::Rejected,
    ];

    /// The state as stored and in the API: `received`, `has_issues`, `approved`,
    /// `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Received => "received",
            ReviewState::HasIssues => "has_issues",
            ReviewState::Approved => "approved",
            ReviewState::Rejected => "rejected",
        }
    }

    /// The state named `text` (as [`ReviewState::as_str`] writes it).
    pub fn parse(text: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Its name for people (Chinese, English).
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            ReviewState::Received => ("已收到", "Received"),
            ReviewState::HasIssues => ("有问题", "Has issues"),
            ReviewState::Approved => ("已通过", "Approved"),
            ReviewState::Rejected => ("已退回", "Rejected"),
        }
    }

    /// The state as stored, or `Received` for a submission with no review row; an
    /// unknown text (a damaged row) reads as `None`.
    pub(crate) fn stored(text: Option<&str>) -> Option<ReviewState> {
        match text {
            None => Some(ReviewState::Received),
            Some(t) => ReviewState::parse(t),
        }
    }
}

/// One review event: a state set on a submission, with a comment, by an admin token.
/// Events are never changed or removed; the newest is the submission's state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReviewEvent {
    /// Row id: events of one submission are ordered by it.
    pub id: i64,
    /// The submission.
    pub instance_id: String,
    /// The state set.
    pub state: ReviewState,
    /// Why (may be empty; at most [`MAX_REVIEW_COMMENT`] characters).
    pub comment: String,
    /// The admin token that set it (`tianye token list` names it).
    pub token_id: Option<i64>,
    /// When (UTC, RFC 3339).
    pub at: String,
}

/// Review counts of a set of submissions (one team's, on the overview).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReviewCounts {
    /// Not judged yet.
    pub received: u64,
    /// Marked as having issues.
    pub has_issues: u64,
    /// Approved.
    pub approved: u64,
    /// Rejected.
    pub rejected: u64,
}

impl ReviewCounts {
    /// Adds `n` submissions in `state`.
    pub fn add(&mut self, state: ReviewState, n: u64) {
        match state {
            ReviewState::Received => self.received += n,
            ReviewState::HasIssues => self.has_issues += n,
            ReviewState::Approved => self.approved += n,
            ReviewState::Rejected => self.rejected += n,
        }
    }
}

/// What the submission listing asks for: filters, an optional search, and a page.
#[derive(Debug, Clone, Default)]
pub struct SubmissionQuery {
    /// Only this questionnaire.
    pub form_id: Option<String>,
    /// Only this questionnaire version.
    pub version: Option<String>,
    /// Only this team's.
    pub team: Option<String>,
    /// Only those received on this day, `YYYY-MM-DD` in China Standard Time (UTC+8).
    pub day: Option<String>,
    /// Only those in this review state.
    pub state: Option<ReviewState>,
    /// Text to find (a substring, ASCII letters in any case) in [`Self::fields`], or in
    /// the answers and the `instance_id` when no field is named.
    pub search: Option<String>,
    /// Answer fields searched and shown with each submission: `name` for a top-level
    /// answer, `repeat.name` for an answer in any row of a repeat.
    pub fields: Vec<String>,
    /// Submissions per page (1 to [`MAX_PAGE`]; 0 means [`DEFAULT_PAGE`]).
    pub limit: u32,
    /// The cursor: only submissions stored before this one (its `seq`, from
    /// [`SubmissionPage::next`]).
    pub before: Option<i64>,
}

/// A parameter of a [`SubmissionQuery`] that cannot be used: its name and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryProblem {
    /// The parameter (`day`, `fields`, `q`, `limit`, …).
    pub name: &'static str,
    /// The value refused (cut short when long).
    pub value: String,
}

/// A field of a search, split: `name`, or a repeat and the name inside its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldPath {
    /// A top-level answer.
    Top(String),
    /// An answer in the rows of a repeat.
    InRepeat(String, String),
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text.len() <= 64
}

fn is_day(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&text[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&text[8..10].parse::<u8>().unwrap_or(0))
}

fn cut(text: &str) -> String {
    text.chars().take(60).collect()
}

impl FieldPath {
    /// `name` or `repeat.name`, each part a name of letters, digits and `_`.
    pub fn parse(text: &str) -> Option<FieldPath> {
        match text.split_once('.') {
            None if is_name(text) => Some(FieldPath::Top(text.to_owned())),
            Some((r, f)) if is_name(r) && is_name(f) => {
                Some(FieldPath::InRepeat(r.to_owned(), f.to_owned()))
            }
            _ => None,
        }
    }
}

impl SubmissionQuery {
    /// Checks every bound; the first parameter that fails is named.
    pub fn check(&self) -> Result<(), QueryProblem> {
        let bad = |name: &'static str, value: &str| Err(QueryProblem { name, value: cut(value) });
        for (name, value) in
            [("form", &self.form_id), ("version", &self.version), ("team", &self.team)]
        {
            if let Some(v) = value
                && (v.is_empty() || v.chars().count() > 200)
            {
                return bad(name, v);
            }
        }
        if let Some(day) = &self.day
            && !is_day(day)
        {
            return bad("day", day);
        }
        if self.limit > MAX_PAGE {
            return bad("limit", &self.limit.to_string());
        }
        if let Some(before) = self.before
            && before < 1
        {
            return bad("before", &before.to_string());
        }
        if self.fields.len() > MAX_SEARCH_FIELDS {
            return bad("fields", &self.fields.join(","));
        }
        for f in &self.fields {
            if f.len() > MAX_FIELD_NAME || FieldPath::parse(f).is_none() {
                return bad("fields", f);
            }
        }
        if let Some(q) = &self.search
            && (q.chars().count() > MAX_SEARCH_CHARS || q.chars().any(char::is_control))
        {
            return bad("q", q);
        }
        Ok(())
    }

    /// Submissions per page.
    pub fn page_size(&self) -> u32 {
        if self.limit == 0 { DEFAULT_PAGE } else { self.limit.min(MAX_PAGE) }
    }

    /// The fields, parsed (those that do not parse are left out; [`Self::check`]
    /// refuses them first).
    pub fn field_paths(&self) -> Vec<FieldPath> {
        self.fields.iter().filter_map(|f| FieldPath::parse(f)).collect()
    }

    /// The search as a `LIKE` pattern with `\` as escape: `%text%`, the text's `%`,
    /// `_` and `\` escaped. `None` when there is no search (or it is blank).
    pub fn like_pattern(&self) -> Option<String> {
        let q = self.search.as_deref()?.trim();
        if q.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(q.len() + 2);
        out.push('%');
        for c in q.chars() {
            if matches!(c, '%' | '_' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('%');
        Some(out)
    }
}

/// One submission in the listing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubmissionSummary {
    /// Storage order (the cursor of the listing).
    pub seq: i64,
    /// The response's `instance_id`.
    pub instance_id: String,
    /// Questionnaire id.
    pub form_id: String,
    /// Questionnaire version.
    pub version: String,
    /// Uploading team.
    pub team: String,
    /// When the server received it (UTC, RFC 3339).
    pub received_at: String,
    /// Its review state now.
    pub review_state: ReviewState,
    /// The newest review event, if any.
    pub review: Option<ReviewEvent>,
    /// The values of the query's fields (text, at most [`MAX_SHOWN_CHARS`] each; a
    /// repeat's values joined with `、`), for telling submissions apart.
    pub shown: BTreeMap<String, String>,
}

/// One page of the listing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SubmissionPage {
    /// Submissions matching the filters and search, in all pages.
    pub total: u64,
    /// This page, newest first.
    pub items: Vec<SubmissionSummary>,
    /// The cursor for the next page (`before`), when there is one.
    pub next: Option<i64>,
}

/// One stored submission with what reviewing it needs.
#[derive(Debug, Clone)]
pub struct StoredSubmission {
    /// Questionnaire id.
    pub form_id: String,
    /// The response JSON exactly as received.
    pub raw: String,
    /// Its row as exports read it.
    pub row: SubmissionRow,
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(as_text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// The values of `fields` in the answers JSON `answers`, as text, for the listing.
pub(crate) fn pick_fields(answers: &str, fields: &[FieldPath]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if fields.is_empty() {
        return out;
    }
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(answers) else { return out };
    for f in fields {
        let (key, text) = match f {
            FieldPath::Top(name) => (name.clone(), obj.get(name).map(as_text).unwrap_or_default()),
            FieldPath::InRepeat(repeat, name) => {
                let values: Vec<String> = match obj.get(repeat) {
                    Some(Value::Array(rows)) => rows
                        .iter()
                        .filter_map(|r| r.get(name))
                        .map(as_text)
                        .filter(|t| !t.is_empty())
                        .collect(),
                    _ => Vec::new(),
                };
                (format!("{repeat}.{name}"), values.join("、"))
            }
        };
        out.insert(key, text.chars().take(MAX_SHOWN_CHARS).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_bounded_and_name_what_is_wrong() {
        let ok = SubmissionQuery {
            day: Some("2026-07-01".into()),
            fields: vec!["head_name".into(), "member.m_name".into()],
            search: Some("张_%\\".into()),
            ..Default::default()
        };
        assert_eq!(ok.check(), Ok(()));
        assert_eq!(ok.like_pattern().as_deref(), Some("%张\\_\\%\\\\%"));
        for (query, name) in [
            (SubmissionQuery { day: Some("2026-7-1".into()), ..Default::default() }, "day"),
            (SubmissionQuery { day: Some("2026-13-01".into()), ..Default::default() }, "day"),
            (SubmissionQuery { limit: 101, ..Default::default() }, "limit"),
            (SubmissionQuery { before: Some(0), ..Default::default() }, "before"),
            (SubmissionQuery { fields: vec!["a.b.c".into()], ..Default::default() }, "fields"),
            (SubmissionQuery { fields: vec!["x'; --".into()], ..Default::default() }, "fields"),
            (SubmissionQuery { fields: vec!["f".into(); 9], ..Default::default() }, "fields"),
            (SubmissionQuery { search: Some("字".repeat(101)), ..Default::default() }, "q"),
            (SubmissionQuery { team: Some(String::new()), ..Default::default() }, "team"),
        ] {
            assert_eq!(query.check().map_err(|p| p.name), Err(name), "{query:?}");
        }
        assert_eq!(SubmissionQuery::default().page_size(), DEFAULT_PAGE);
        assert_eq!(
            SubmissionQuery { search: Some("  ".into()), ..Default::default() }.like_pattern(),
            None
        );
    }

    #[test]
    fn fields_are_picked_from_the_top_and_from_repeat_rows() {
        let answers = r#"{"head":"王芳","n":3,"income":["farm","wage"],
            "member":[{"m_name":"王小明"},{"m_age":4},{"m_name":"王小红"}]}"#;
        let fields: Vec<FieldPath> = ["head", "n", "income", "member.m_name", "absent"]
            .iter()
            .map(|f| FieldPath::parse(f).unwrap())
            .collect();
        let shown = pick_fields(answers, &fields);
        assert_eq!(shown["head"], "王芳");
        assert_eq!(shown["n"], "3");
        assert_eq!(shown["income"], "farm wage");
        assert_eq!(shown["member.m_name"], "王小明、王小红");
        assert_eq!(shown["absent"], "");
    }

    #[test]
    fn states_round_trip() {
        for s in ReviewState::ALL {
            assert_eq!(ReviewState::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(ReviewState::parse("edited"), None);
        assert_eq!(ReviewState::stored(None), Some(ReviewState::Received));
    }
}
