//! The paper form's own words (instructions, tick-box legends, skip instructions) in
//! the language it is printed in: Chinese for `zh…`, English for anything else.

use crate::expr::BinOp;

/// Whether a condition is said of one question or of a whole section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// "Answer only if …".
    Question,
    /// "Fill in this section only if …".
    Section,
}

/// Every fixed phrase of the printed form in one language.
pub(crate) struct Phrases {
    pub(crate) zh: bool,
    /// Joins conditions that must all hold.
    pub(crate) and: &'static str,
    /// Joins conditions of which one must hold.
    pub(crate) or: &'static str,
    /// Brackets around a nested condition.
    pub(crate) open: &'static str,
    pub(crate) close: &'static str,
    pub(crate) single: &'static str,
    pub(crate) multiple: &'static str,
    pub(crate) rank: &'static str,
    pub(crate) computed: &'static str,
    pub(crate) required_legend: &'static str,
    pub(crate) version: &'static str,
    pub(crate) row_no: &'static str,
    pub(crate) codes: &'static str,
    pub(crate) write_code: &'static str,
    pub(crate) signature: &'static str,
    pub(crate) attachment: &'static str,
    pub(crate) latitude: &'static str,
    pub(crate) longitude: &'static str,
    pub(crate) acknowledge: &'static str,
    pub(crate) decimals: &'static str,
    pub(crate) filtered_by: &'static str,
}

const ZH: Phrases = Phrases {
    zh: true,
    and: "，且",
    or: "，或",
    open: "（",
    close: "）",
    single: "单选",
    multiple: "多选",
    rank: "按顺序填写序号 1、2、3…",
    computed: "（计算）",
    required_legend: "标 * 的为必答题；○ 单选，□ 多选。",
    version: "版本",
    row_no: "序号",
    codes: "代码",
    write_code: "填代码",
    signature: "签名",
    attachment: "（照片或文件另附）",
    latitude: "纬度",
    longitude: "经度",
    acknowledge: "已阅并确认",
    decimals: "可填小数",
    filtered_by: "按第 {} 题所选范围",
};

const EN: Phrases = Phrases {
    zh: false,
    and: " and ",
    or: " or ",
    open: "(",
    close: ")",
    single: "one answer",
    multiple: "all that apply",
    rank: "number them in order 1, 2, 3…",
    computed: "(computed)",
    required_legend: "Questions marked * must be answered; ○ one answer, □ all that apply.",
    version: "version",
    row_no: "No.",
    codes: "Codes",
    write_code: "write the code",
    signature: "Signature",
    attachment: "(photo or file attached separately)",
    latitude: "Latitude",
    longitude: "Longitude",
    acknowledge: "Read and confirmed",
    decimals: "decimals allowed",
    filtered_by: "within the answer to Q{}",
};

impl Phrases {
    /// The phrases for the language code `lang`.
    pub(crate) fn for_lang(lang: &str) -> &'static Phrases {
        if lang.starts_with("zh") { &ZH } else { &EN }
    }

    /// How a numbered question is named: "第 5 题" / "Q5".
    pub(crate) fn question(&self, number: &str) -> String {
        if self.zh { format!("第 {number} 题") } else { format!("Q{number}") }
    }

    pub(crate) fn only_if(&self, condition: &str, scope: Scope) -> String {
        // Chinese needs no spaces, except beside a name or a number written in ASCII.
        let ascii = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let before = if condition.starts_with(ascii) { " " } else { "" };
        let after = if condition.ends_with(ascii) { " " } else { "" };
        match (self.zh, scope) {
            (true, Scope::Question) => format!("仅当{before}{condition}{after}时回答"),
            (true, Scope::Section) => format!("本部分仅当{before}{condition}{after}时填写"),
            (false, Scope::Question) => format!("Answer only if {condition}"),
            (false, Scope::Section) => format!("Fill in this section only if {condition}"),
        }
    }

    pub(crate) fn only_if_expr(&self, expr: &str, scope: Scope) -> String {
        match (self.zh, scope) {
            (true, Scope::Question) => format!("仅当以下条件成立时回答：{expr}"),
            (true, Scope::Section) => format!("本部分仅当以下条件成立时填写：{expr}"),
            (false, Scope::Question) => format!("Answer only if: {expr}"),
            (false, Scope::Section) => format!("Fill in this section only if: {expr}"),
        }
    }

    pub(crate) fn is_choice(&self, q: &str, label: &str) -> String {
        if self.zh {
            format!("{q}{}选“{label}”", gap(q))
        } else {
            format!("{q} is “{label}”")
        }
    }

    pub(crate) fn is_not_choice(&self, q: &str, label: &str) -> String {
        if self.zh {
            format!("{q}{}未选“{label}”", gap(q))
        } else {
            format!("{q} is not “{label}”")
        }
    }

    pub(crate) fn selected(&self, q: &str, label: &str, neg: bool) -> String {
        match (self.zh, neg) {
            (true, false) => format!("{q}{}选“{label}”", gap(q)),
            (true, true) => format!("{q}{}未选“{label}”", gap(q)),
            (false, false) => format!("{q} includes “{label}”"),
            (false, true) => format!("{q} does not include “{label}”"),
        }
    }

    pub(crate) fn answered(&self, q: &str) -> String {
        if self.zh { format!("{q}{}已填", gap(q)) } else { format!("{q} is answered") }
    }

    pub(crate) fn unanswered(&self, q: &str) -> String {
        if self.zh { format!("{q}{}未填", gap(q)) } else { format!("{q} is not answered") }
    }

    /// `q op value` in words, for the comparison operators.
    pub(crate) fn compare(&self, q: &str, op: BinOp, value: &str) -> Option<String> {
        let words = match (self.zh, op) {
            (true, BinOp::Eq) if value.starts_with('“') => "为",
            (true, BinOp::Ne) if value.starts_with('“') => "不为",
            (true, BinOp::Eq) => "等于",
            (true, BinOp::Ne) => "不等于",
            (true, BinOp::Lt) => "小于",
            (true, BinOp::Le) => "不大于",
            (true, BinOp::Gt) => "大于",
            (true, BinOp::Ge) => "不小于",
            (false, BinOp::Eq) => "is",
            (false, BinOp::Ne) => "is not",
            (false, BinOp::Lt) => "is less than",
            (false, BinOp::Le) => "is at most",
            (false, BinOp::Gt) => "is more than",
            (false, BinOp::Ge) => "is at least",
            _ => return None,
        };
        if !self.zh {
            return Some(format!("{q} {words} {value}"));
        }
        let after = if value.starts_with('“') { "" } else { " " };
        Some(format!("{q}{}{words}{after}{value}", gap(q)))
    }

    /// "最多选 3 项" / "at most 3".
    pub(crate) fn selected_bounds(&self, min: Option<u32>, max: Option<u32>) -> Option<String> {
        Some(match (self.zh, min, max) {
            (_, None | Some(0 | 1), None) => return None,
            (true, Some(a), Some(b)) if a > 1 => format!("选 {a}–{b} 项"),
            (true, _, Some(b)) => format!("最多选 {b} 项"),
            (true, Some(a), None) => format!("至少选 {a} 项"),
            (false, Some(a), Some(b)) if a > 1 => format!("choose {a}–{b}"),
            (false, _, Some(b)) => format!("at most {b}"),
            (false, Some(a), None) => format!("at least {a}"),
        })
    }

    /// "最多 30 字" / "up to 30 characters".
    pub(crate) fn max_chars(&self, n: u32) -> String {
        if self.zh { format!("最多 {n} 字") } else { format!("up to {n} characters") }
    }

    /// The blanks of a date: "____年__月__日" / "____ year __ month __ day".
    pub(crate) fn date_blanks(&self) -> &'static str {
        if self.zh { "______年____月____日" } else { "Year ______ Month ____ Day ____" }
    }

    pub(crate) fn time_blanks(&self) -> &'static str {
        if self.zh { "____时____分" } else { "____ h ____ min" }
    }

    /// What a question whose choices are too many to print asks for.
    pub(crate) fn write_name(&self, n: usize) -> String {
        if self.zh {
            format!("（共 {n} 项，请写名称）")
        } else {
            format!("({n} choices: write the name)")
        }
    }

    /// How many blank rows a roster table has, and why.
    pub(crate) fn rows_note(&self, rows: u32) -> String {
        if self.zh {
            format!("每行填一人（一条），共 {rows} 行，不够可另附页")
        } else {
            format!("One row each; {rows} rows, continue on a separate sheet if needed")
        }
    }
}

/// The space Chinese text needs after `q`: none, except after a name or a number written
/// in ASCII ("n_away 大于 0", but "第 2 题大于 0").
fn gap(q: &str) -> &'static str {
    if q.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') { " " } else { "" }
}

/// A text between quotation marks.
pub(crate) fn quote(s: &str) -> String {
    format!("“{s}”")
}

/// A range in words: "0–120", "≥ 16", "≤ 200".
pub(crate) fn range(min: Option<&str>, max: Option<&str>) -> Option<String> {
    match (min, max) {
        (Some(a), Some(b)) => Some(format!("{a}–{b}")),
        (Some(a), None) => Some(format!("≥ {a}")),
        (None, Some(b)) => Some(format!("≤ {b}")),
        (None, None) => None,
    }
}
