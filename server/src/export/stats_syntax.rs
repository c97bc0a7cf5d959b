//! SPSS and Stata exports: a zip archive holding, for each table (the main table, then
//! each repeat's), the data as CSV and a syntax file that reads it with names, labels
//! and value labels (`.sps` for SPSS and PSPP, `.do` for Stata), plus the codebook and
//! a bilingual `README.txt`.
//!
//! What the data files hold, and what must stay true:
//! - UTF-8 without a BOM (the syntax files say `ENCODING='UTF8'` / `encoding("utf-8")`;
//!   a BOM would end up in the first variable's name), one header row of variable
//!   names valid and unique for the tool ([`variable_names`]); the syntax names the
//!   same variables in the same order.
//! - A single-choice answer (`select_one`, `likert`, matrix rows) is its choice's
//!   position in the list, from 1 (over every version's choices, as the codebook lists
//!   them), and the syntax maps the codes to the choice labels. A value that is not in
//!   the list is written as it is and the column is read as text (nothing is lost).
//!   Lists of more than [`MAX_CODED_CHOICES`] choices (a register of villages) stay
//!   text.
//! - Multiple choice: the selected names joined by spaces, then the 0/1 column of each
//!   option, labelled "question: option".
//! - A column is read as a number only when every value written in it was a number;
//!   anything else is text, as wide as its widest value (in bytes, up to SPSS's 32,767).
//! - Line breaks inside text are written as spaces: SPSS reads one case per line.
//! - Text cells are written as [`CsvCells`] says (formula-like text neutralised by
//!   default, as in every CSV export).
//! - Every label in a syntax file is quoted so that no text can end the string or the
//!   command: quotes doubled (SPSS) or replaced (Stata), control characters made
//!   spaces, Stata's macro characters replaced; and cut on a character boundary to
//!   the tool's limit.
//! - As in [`super::csv_zip`], every table holds the submissions up to the last one the
//!   main table wrote, and memory does not grow with the data (one streamed pass per
//!   table; the syntax is written after its table, from what the pass saw).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;

use tianye_core::ItemType;
use zip::{CompressionMethod, ZipWriter};

use super::codebook::codebook_csv;
use super::layout::{Column, KeyColumn, Source};
use super::sinks::{BOM, CsvCells};
use super::{Cell, ExportError, ExportOptions, Layout, Sink, Table, csv_zip_names};
use super::{archive, export_tables_upto};
use crate::store::Store;

/// Single-choice lists longer than this stay text (their value labels would be a
/// syntax file of their own).
pub const MAX_CODED_CHOICES: usize = 1000;

/// SPSS's widest string variable, in bytes.
const SPSS_MAX_STRING: usize = 32_767;

/// A statistics package the export writes syntax for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsTool {
    /// SPSS (and PSPP): `.sps`.
    Spss,
    /// Stata: `.do`.
    Stata,
}

impl StatsTool {
    /// The syntax file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            StatsTool::Spss => "sps",
            StatsTool::Stata => "do",
        }
    }

    /// The format's name (`spss`, `stata`), as `tianye export --format` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            StatsTool::Spss => "spss",
            StatsTool::Stata => "stata",
        }
    }

    /// The longest variable name: bytes for SPSS, characters for Stata (all ASCII here).
    fn max_name(self) -> usize {
        match self {
            StatsTool::Spss => 64,
            StatsTool::Stata => 32,
        }
    }

    /// Longest variable label, value label (bytes for SPSS, characters for Stata).
    fn label_limits(self) -> (usize, usize) {
        match self {
            StatsTool::Spss => (255, 120),
            StatsTool::Stata => (80, 32_000),
        }
    }
}

/// SPSS's reserved words, which no variable may be named.
const SPSS_RESERVED: [&str; 13] =
    ["ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"];

/// Stata's reserved names (`str1`…`str2045` are checked apart).
const STATA_RESERVED: [&str; 20] = [
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
    "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
];

fn is_reserved(tool: StatsTool, name: &str) -> bool {
    match tool {
        StatsTool::Spss => SPSS_RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name)),
        StatsTool::Stata => {
            STATA_RESERVED.contains(&name)
                || name.strip_prefix("str").is_some_and(|n| {
                    !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n.len() <= 4
                })
        }
    }
}

/// `header` as a valid variable name for `tool`, before making it unique: `/` and
/// every character the tool does not allow become `_`, a name not starting with a
/// letter gets a leading `v`, a reserved word a leading `v_`, and it is cut to the
/// tool's length.
fn valid_name(tool: StatsTool, header: &str) -> String {
    let allowed = |c: char| match tool {
        StatsTool::Spss => c.is_ascii_alphanumeric() || "_.@#$".contains(c),
        StatsTool::Stata => c.is_ascii_alphanumeric() || c == '_',
    };
    let mut name: String = header.chars().map(|c| if allowed(c) { c } else { '_' }).collect();
    if tool == StatsTool::Spss {
        // A trailing period would read as the end of a command.
        name.truncate(name.trim_end_matches('.').len());
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert(0, 'v');
    }
    if is_reserved(tool, &name) {
        name.insert_str(0, "v_");
    }
    name.truncate(tool.max_name());
    if tool == StatsTool::Spss {
        name.truncate(name.trim_end_matches('.').len());
    }
    name
}

/// One valid variable name per header, unique within the table (ignoring case, as
/// SPSS does): a clash gets `_2`, `_3`… with the name cut to fit the tool's length.
pub fn variable_names(tool: StatsTool, headers: &[&str]) -> Vec<String> {
    let mut taken = HashSet::new();
    headers
        .iter()
        .map(|h| {
            let base = valid_name(tool, h);
            let mut candidate = base.clone();
            let mut n = 2;
            while !taken.insert(candidate.to_ascii_lowercase()) {
                let suffix = format!("_{n}");
                let mut cut = base.clone();
                cut.truncate(tool.max_name() - suffix.len());
                candidate = cut + &suffix;
                n += 1;
            }
            candidate
        })
        .collect()
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn cut_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` cut to at most `max` characters.
fn cut_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// `text` as an SPSS string literal: at most `max` bytes of content, control
/// characters (line breaks included) as spaces, inside `'…'` with `'` doubled.
pub fn spss_quote(text: &str, max: usize) -> String {
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    format!("'{}'", cut_bytes(&clean, max).replace('\'', "''"))
}

/// `text` as a Stata string literal: at most `max` characters, inside `"…"`. Stata
/// has no escape for `"` in a plain string and expands macros (`` ` `` and `$`) even
/// inside quotes, and a do-file's comment markers (`//`, `/*`, `*/`) could end the
/// line: so control characters become spaces, `"` becomes `”`, `` ` `` becomes `‘`,
/// `$` becomes `＄`, and a `/` next to `/` or `*` is followed by a space.
pub fn stata_quote(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut prev = '\0';
    for c in cut_chars(text, max).chars() {
        let c = match c {
            c if c.is_control() => ' ',
            '"' => '”',
            '`' => '‘',
            '$' => '＄',
            c => c,
        };
        if (prev == '/' && (c == '/' || c == '*')) || (prev == '*' && c == '/') {
            out.push(' ');
        }
        out.push(c);
        prev = c;
    }
    out.push('"');
    out
}

/// A single-choice column's codes by choice name, and its value labels in code order.
type Codes = (HashMap<String, usize>, Vec<(usize, String)>);

/// What the syntax needs to know of one column: its name and labels, and what the
/// pass over the data saw in it.
#[derive(Debug)]
struct ColumnPlan {
    name: String,
    label: String,
    /// A single-choice column: the choices' codes (position from 1) by name, and the
    /// labels in code order.
    codes: Option<Codes>,
    /// A multiple-choice option's 0/1 column.
    selected: bool,
    /// Codes to declare missing (SPSS): choices named as a negative number (`-99`
    /// "refused", `-88` "don't know").
    missing: Vec<usize>,
    /// A non-empty value that was not a number was written.
    text: bool,
    /// The column holds numbers by its kind (numbers, codes, counts), so it is read as
    /// numbers even when every value is empty.
    numeric_kind: bool,
    /// The widest value written, in bytes.
    width: usize,
    /// The most digits after a decimal point written.
    decimals: usize,
    /// The most characters before a decimal point written (sign included).
    whole: usize,
}

fn plan_columns(layout: &Layout, table: &Table, lang: &str, names: Vec<String>) -> Vec<ColumnPlan> {
    let var_label = |v: usize| {
        let var = &layout.variables[v];
        var.label
            .as_ref()
            .map(|t| t.get(lang, &var.default_language).to_owned())
            .unwrap_or_default()
    };
    let pick = |(zh, en): (&str, &str)| if lang == "en" { en } else { zh }.to_owned();
    table
        .columns
        .iter()
        .zip(names)
        .map(|(column, name)| {
            let mut plan = ColumnPlan {
                name,
                label: String::new(),
                codes: None,
                selected: false,
                missing: Vec::new(),
                text: false,
                numeric_kind: false,
                width: 0,
                decimals: 0,
                whole: 0,
            };
            let Column { source, .. } = column;
            match source {
                Source::Meta(m) => plan.label = pick(m.labels()),
                Source::Key(k) => {
                    plan.label = pick(k.labels());
                    plan.numeric_kind = *k == KeyColumn::Row;
                }
                Source::RowCount(v) => {
                    plan.label = var_label(*v);
                    plan.numeric_kind = true;
                }
                Source::Value(v) => {
                    plan.label = var_label(*v);
                    let var = &layout.variables[*v];
                    plan.numeric_kind = matches!(
                        var.kind,
                        ItemType::Integer | ItemType::Decimal | ItemType::Range | ItemType::Rating
                    );
                    let single = var.list.is_some()
                        && matches!(var.kind, ItemType::SelectOne | ItemType::Likert);
                    if single && !var.choices.is_empty() && var.choices.len() <= MAX_CODED_CHOICES {
                        let by_name = var
                            .choices
                            .iter()
                            .enumerate()
                            .map(|(i, c)| (c.clone(), i + 1))
                            .collect();
                        let labels = var
                            .choices
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                (i + 1, var.choice_label(c, lang).unwrap_or(c).to_owned())
                            })
                            .collect();
                        plan.missing = var
                            .choices
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| {
                                c.strip_prefix('-').is_some_and(|d| {
                                    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
                                })
                            })
                            .map(|(i, _)| i + 1)
                            .take(3)
                            .collect();
                        plan.codes = Some((by_name, labels));
                        plan.numeric_kind = true;
                    }
                }
                Source::Selected(v, choice) => {
                    let var = &layout.variables[*v];
                    let option = var.choice_label(choice, lang).unwrap_or(choice);
                    let sep = if lang == "en" { ": " } else { "：" };
                    plan.label = format!("{}{sep}{option}", var_label(*v));
                    plan.selected = true;
                    plan.numeric_kind = true;
                }
            }
            plan
        })
        .collect()
}

impl ColumnPlan {
    /// Whether the column is read as text: it held text, or held nothing and is not
    /// numeric by its kind.
    fn is_text(&self) -> bool {
        self.text || (self.width == 0 && !self.numeric_kind)
    }
}

/// Writes one table's rows as CSV for a statistics package, noting what each column
/// held (see the module docs).
struct StatsSink<'a> {
    table: usize,
    out: csv::Writer<&'a mut dyn Write>,
    plans: &'a mut [ColumnPlan],
    cells: CsvCells,
}

impl Sink for StatsSink<'_> {
    fn wants(&self, table: usize) -> bool {
        table == self.table
    }

    fn header(&mut self, _table: usize, _headers: &[&str]) -> Result<(), ExportError> {
        self.out.write_record(self.plans.iter().map(|p| p.name.as_str()))?;
        Ok(())
    }

    fn row(&mut self, _table: usize, cells: &[Cell]) -> Result<(), ExportError> {
        for (cell, plan) in cells.iter().zip(self.plans.iter_mut()) {
            let code = match (cell, &plan.codes) {
                (Cell::Text(name), Some((by_name, _))) => by_name.get(name).copied(),
                _ => None,
            };
            let written: std::borrow::Cow<'_, str> = match (cell, code) {
                (_, Some(code)) => code.to_string().into(),
                (Cell::Empty, _) => "".into(),
                (Cell::Number(n), _) => {
                    let s = n.to_string();
                    let (whole, decimals) =
                        s.split_once('.').map_or((s.len(), 0), |(w, f)| (w.len(), f.len()));
                    plan.decimals = plan.decimals.max(decimals);
                    plan.whole = plan.whole.max(whole);
                    s.into()
                }
                (Cell::Text(s), _) => {
                    plan.text = true;
                    let one_line: String =
                        s.chars().map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c }).collect();
                    self.cells.text(&one_line).into_owned().into()
                }
            };
            plan.width = plan.width.max(written.len());
            self.out.write_field(written.as_bytes())?;
        }
        self.out.write_record(None::<&[u8]>)?;
        Ok(())
    }
}

/// The SPSS input format of a column, from what the pass saw. Numbers are read with
/// no decimals (`F8.0`): with `F8.2`, a value written without a decimal point would be
/// read with implied decimals (`30000` as 300.00); `FORMATS` then shows the decimals.
fn spss_format(plan: &ColumnPlan) -> String {
    if plan.is_text() {
        format!("A{}", plan.width.clamp(1, SPSS_MAX_STRING))
    } else {
        format!("F{}.0", plan.width.clamp(1, 40))
    }
}

/// The `.sps` file reading table file `csv_name` with `plans`.
fn spss_syntax(csv_name: &str, table: &str, plans: &[ColumnPlan]) -> String {
    let (var_max, value_max) = StatsTool::Spss.label_limits();
    let mut s = String::new();
    let _ = writeln!(s, "* Encoding: UTF-8.");
    let _ = writeln!(
        s,
        "* 田野导出 / Tianye export: {}. 先在 SPSS 中把工作目录设为解压后的文件夹（CD '...'.）/ First CD to the unzipped folder.",
        spss_quote(table, 200)
    );
    let _ = writeln!(s, "GET DATA /TYPE=TXT");
    let _ = writeln!(s, "  /FILE={}", spss_quote(csv_name, 1000));
    let _ = writeln!(s, "  /ENCODING='UTF8'");
    let _ = writeln!(s, "  /ARRANGEMENT=DELIMITED");
    let _ = writeln!(s, "  /DELCASE=LINE");
    let _ = writeln!(s, "  /FIRSTCASE=2");
    let _ = writeln!(s, "  /DELIMITERS=\",\"");
    let _ = writeln!(s, "  /QUALIFIER='\"'");
    let _ = writeln!(s, "  /VARIABLES=");
    for p in plans {
        let _ = writeln!(s, "    {} {}", p.name, spss_format(p));
    }
    let _ = writeln!(s, ".");
    let with_decimals: Vec<String> = plans
        .iter()
        .filter(|p| !p.is_text() && p.decimals > 0)
        .map(|p| {
            let decimals = p.decimals.min(16);
            format!("{} (F{}.{decimals})", p.name, (p.whole + 1 + decimals).clamp(1, 40))
        })
        .collect();
    if !with_decimals.is_empty() {
        let _ = writeln!(s, "FORMATS {}.", with_decimals.join(" "));
    }
    let labelled: Vec<&ColumnPlan> = plans.iter().filter(|p| !p.label.is_empty()).collect();
    if !labelled.is_empty() {
        let _ = writeln!(s, "VARIABLE LABELS");
        for p in labelled {
            let _ = writeln!(s, "  {} {}", p.name, spss_quote(&p.label, var_max));
        }
        let _ = writeln!(s, ".");
    }
    let mut value_labels = String::new();
    for p in plans.iter().filter(|p| !p.is_text()) {
        if let Some((_, labels)) = &p.codes {
            let _ = writeln!(value_labels, "  /{}", p.name);
            for (code, label) in labels {
                let _ = writeln!(value_labels, "    {code} {}", spss_quote(label, value_max));
            }
        } else if p.selected {
            let _ = writeln!(value_labels, "  /{}", p.name);
            let _ =
                writeln!(value_labels, "    0 {}", spss_quote("未选 / not selected", value_max));
            let _ = writeln!(value_labels, "    1 {}", spss_quote("选中 / selected", value_max));
        }
    }
    if !value_labels.is_empty() {
        let _ = writeln!(s, "VALUE LABELS");
        s.push_str(&value_labels);
        let _ = writeln!(s, ".");
    }
    for p in plans.iter().filter(|p| !p.is_text() && p.codes.is_some() && !p.missing.is_empty()) {
        let codes: Vec<String> = p.missing.iter().map(ToString::to_string).collect();
        let _ = writeln!(s, "MISSING VALUES {} ({}).", p.name, codes.join(", "));
    }
    let _ = writeln!(s, "EXECUTE.");
    s
}

/// The `.do` file reading table file `csv_name` with `plans`.
fn stata_syntax(csv_name: &str, table: &str, plans: &[ColumnPlan]) -> String {
    let (var_max, value_max) = StatsTool::Stata.label_limits();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "* 田野导出 / Tianye export: {}. 先 cd 到解压后的文件夹 / First cd to the unzipped folder.",
        stata_quote(table, 200)
    );
    let list = |text: bool| {
        plans
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_text() == text)
            .map(|(i, _)| (i + 1).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (strings, numbers) = (list(true), list(false));
    let mut types = String::new();
    if !strings.is_empty() {
        let _ = write!(types, " stringcols({strings})");
    }
    if !numbers.is_empty() {
        let _ = write!(types, " numericcols({numbers})");
    }
    let _ = writeln!(
        s,
        "import delimited using {}, clear varnames(1) case(preserve) delimiters(\",\") bindquote(strict) encoding(\"utf-8\"){types}",
        stata_quote(csv_name, 1000)
    );
    for p in plans.iter().filter(|p| !p.label.is_empty()) {
        let _ = writeln!(s, "label variable {} {}", p.name, stata_quote(&p.label, var_max));
    }
    let mut selected = false;
    for p in plans.iter().filter(|p| !p.is_text()) {
        if let Some((_, labels)) = &p.codes {
            let pairs: Vec<String> = labels
                .iter()
                .map(|(code, label)| format!("{code} {}", stata_quote(label, value_max)))
                .collect();
            let _ = writeln!(s, "label define {} {}, replace", p.name, pairs.join(" "));
            let _ = writeln!(s, "label values {} {}", p.name, p.name);
        } else if p.selected {
            if !selected {
                let _ = writeln!(
                    s,
                    "label define _tianye01 0 {} 1 {}, replace",
                    stata_quote("未选 / not selected", value_max),
                    stata_quote("选中 / selected", value_max)
                );
                selected = true;
            }
            let _ = writeln!(s, "label values {} _tianye01", p.name);
        }
    }
    s
}

/// The archive's `README.txt` (CRLF lines, for Notepad).
fn readme(tool: StatsTool, layout: &Layout, names: &[String], submissions: u64) -> String {
    let ext = tool.extension();
    let (zh_tool, en_tool) = match tool {
        StatsTool::Spss => (
            "SPSS 或 PSPP 中打开（文件 > 打开 > 语法）并运行",
            "open in SPSS or PSPP (File > Open > Syntax) and run",
        ),
        StatsTool::Stata => ("Stata 中运行（do 文件名）", "run in Stata (do FILE)"),
    };
    let mut lines = vec![
        format!("田野数据导出 / Tianye export: {}", layout.form_id),
        format!("答卷份数 / Responses: {submissions}"),
        String::new(),
        format!("每个数据表一个 CSV 文件（UTF-8）和一个 .{ext} 语法文件：先把工作目录设为本文件夹，再{zh_tool}。"),
        format!("One CSV file (UTF-8) and one .{ext} syntax file per table: make this folder the working directory, then {en_tool} it."),
        "单选题写为选项序号（1 起，按编码表中的顺序），语法文件给出值标签；多选题每个选项一列 0/1。变量名已改为该软件允许的名称，见语法文件与编码表。文本中的换行写为空格。".to_owned(),
        "Single-choice answers are their choice's position (from 1, in the codebook's order), with value labels in the syntax; multiple choice has one 0/1 column per option. Variable names are made valid for the package (see the syntax and the codebook). Line breaks in text are written as spaces.".to_owned(),
        String::new(),
    ];
    for (table, name) in layout.tables.iter().zip(names) {
        let stem = name.strip_suffix(".csv").unwrap_or(name);
        lines.push(format!("{name}, {stem}.{ext}"));
        lines.push(if table.is_main() {
            "  主表：每份答卷一行 / Main table: one row per response (instance_id)".to_owned()
        } else {
            format!(
                "  重复组 {0}：instance_id 对应主表 / Repeat {0}: instance_id joins the main table",
                table.name
            )
        });
    }
    lines.push(names[layout.tables.len()].clone());
    lines.push("  编码表（原始变量名）/ Codebook (original variable names)".to_owned());
    lines.push(String::new());
    lines.join("\r\n")
}

/// Writes the SPSS or Stata export of `layout` as a zip archive to `out` (see the
/// module docs); returns the number of submissions. Labels are in `options.lang`;
/// `options.labels` is not used (codes and value labels take its place).
pub fn stats_zip(
    tool: StatsTool,
    store: &dyn Store,
    layout: &Layout,
    options: &ExportOptions,
    cells: CsvCells,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let names = csv_zip_names(layout);
    let entry = archive::entry_options(CompressionMethod::Deflated);
    let codes_options = ExportOptions { labels: false, lang: options.lang.clone() };
    let mut zip = ZipWriter::new_stream(out);
    let mut upto = i64::MAX;
    let mut submissions = 0;
    for (t, (table, csv_name)) in layout.tables.iter().zip(&names).enumerate() {
        let headers: Vec<&str> = table.columns.iter().map(|c| c.header.as_str()).collect();
        let var_names = variable_names(tool, &headers);
        let mut plans = plan_columns(layout, table, &options.lang, var_names);
        zip.start_file(csv_name.as_str(), entry)?;
        let (n, last) = {
            let w: &mut dyn Write = &mut zip;
            let mut sink = StatsSink {
                table: t,
                out: csv::WriterBuilder::new().buffer_capacity(64 * 1024).from_writer(w),
                plans: &mut plans,
                cells,
            };
            let result = export_tables_upto(store, layout, &codes_options, &mut sink, upto, None)?;
            sink.out.flush()?;
            result
        };
        if t == 0 {
            // The main table is written first; the repeat tables stop where it stopped.
            submissions = n;
            upto = last.unwrap_or(i64::MIN);
        }
        let stem = csv_name.strip_suffix(".csv").unwrap_or(csv_name);
        zip.start_file(format!("{stem}.{}", tool.extension()), entry)?;
        let syntax = match tool {
            StatsTool::Spss => spss_syntax(csv_name, &table.name, &plans),
            StatsTool::Stata => stata_syntax(csv_name, &table.name, &plans),
        };
        zip.write_all(syntax.as_bytes())?;
    }
    let n = layout.tables.len();
    zip.start_file(names[n].as_str(), entry)?;
    codebook_csv(layout, &mut zip, cells)?;
    zip.start_file(names[n + 1].as_str(), entry)?;
    zip.write_all(BOM)?;
    zip.write_all(readme(tool, layout, &names, submissions).as_bytes())?;
    zip.finish()?.flush()?;
    Ok(submissions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_and_unique_for_each_tool() {
        let long = "a".repeat(70);
        for (tool, headers, expected) in [
            (
                StatsTool::Spss,
                vec!["instance_id", "kids/boy", "kids_boy", "AND", "with", "1st", "_x", "a.b."],
                vec![
                    "instance_id",
                    "kids_boy",
                    "kids_boy_2",
                    "v_AND",
                    "v_with",
                    "v1st",
                    "v_x",
                    "a.b",
                ],
            ),
            (
                StatsTool::Stata,
                vec!["instance_id", "kids/boy", "kids_boy", "AND", "with", "1st", "_n", "a.b"],
                vec![
                    "instance_id",
                    "kids_boy",
                    "kids_boy_2",
                    "AND",
                    "v_with",
                    "v1st",
                    "v_n",
                    "a_b",
                ],
            ),
            (
                StatsTool::Stata,
                vec!["str20", "strL", "strx", "int", "Int"],
                vec!["v_str20", "v_strL", "strx", "v_int", "Int"],
            ),
            (StatsTool::Spss, vec!["Name", "name", "NAME"], vec!["Name", "name_2", "NAME_3"]),
            (StatsTool::Spss, vec!["姓名", "年龄", "q$1#@"], vec!["v__", "v___2", "q$1#@"]),
            (StatsTool::Stata, vec!["姓名", "q$1#@"], vec!["v__", "q_1__"]),
            (StatsTool::Spss, vec!["", "."], vec!["v", "v_2"]),
        ] {
            assert_eq!(variable_names(tool, &headers), expected, "{tool:?} {headers:?}");
        }
        for tool in [StatsTool::Spss, StatsTool::Stata] {
            let names = variable_names(tool, &[&long, &long, &long]);
            assert!(names.iter().all(|n| n.len() == tool.max_name()), "{names:?}");
            assert_eq!(names[1], format!("{}_2", "a".repeat(tool.max_name() - 2)));
            assert_eq!(names[2], format!("{}_3", "a".repeat(tool.max_name() - 2)));
        }
    }

    #[test]
    fn spss_strings_cannot_break_the_syntax() {
        for (text, max, quoted) in [
            ("年龄", 120, "'年龄'"),
            ("it's", 120, "'it''s'"),
            (r#"say "hi""#, 120, r#"'say "hi"'"#),
            ("line\nbreak.\r\nEXECUTE.", 120, "'line break.  EXECUTE.'"),
            ("''", 120, "''''''"),
            // Cut on a character boundary: 年 is three bytes.
            ("年龄", 4, "'年'"),
            ("年龄", 2, "''"),
            ("ab'c", 3, "'ab'''"),
        ] {
            assert_eq!(spss_quote(text, max), quoted, "{text:?}");
        }
    }

    #[test]
    fn stata_strings_cannot_break_the_syntax() {
        for (text, max, quoted) in [
            ("年龄", 80, "\"年龄\""),
            ("it's", 80, "\"it's\""),
            (r#"say "hi""#, 80, "\"say ”hi”\""),
            ("`x' and $HOME", 80, "\"‘x' and ＄HOME\""),
            ("a\nb", 80, "\"a b\""),
            ("http://x /* y */ ///", 80, "\"http:/ /x / * y * / / / /\""),
            ("年龄性别", 2, "\"年龄\""),
        ] {
            assert_eq!(stata_quote(text, max), quoted, "{text:?}");
        }
    }
}
