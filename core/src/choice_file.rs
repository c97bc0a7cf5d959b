//! Choice lists read from CSV files beside a questionnaire (XLSForm's
//! `select_one_from_file`): `choice_files` maps a list name to a file name, and a loader
//! turns each file into ordinary [`Choice`]s in `choice_lists`, so the engine, the
//! checks and the exports treat them exactly as inline choices.
//!
//! A file has a header row: `name`, then `label` or `label::<lang>` (one per language
//! of the questionnaire), then any other columns, which become the choices'
//! `attributes` (usable in `choice_filter`, as extra columns of the choices sheet are).
//! A UTF-8 byte order mark and CRLF line ends are accepted.
//!
//! The core reads no files: callers read the bytes (at most [`MAX_BYTES`]) and hand
//! them over through [`Questionnaire::load_choice_files`].

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::schema::{Choice, Questionnaire, Text};
use crate::{Code, Diagnostic, Form, LoadError};

/// The largest choice file read, in bytes; a reader stops after one byte more.
pub const MAX_BYTES: u64 = 32 << 20;

/// The most choices one file may hold.
pub const MAX_ROWS: usize = 1_000_000;

/// Whether `file` is a name a questionnaire may give: a plain file name (no folder, no
/// leading dot) of letters, digits, `_`, `-` and `.`, ending in `.csv`.
pub fn valid_file_name(file: &str) -> bool {
    file.len() <= 128
        && file.len() > 4
        && file.to_ascii_lowercase().ends_with(".csv")
        && !file.starts_with('.')
        && file.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A reader of the choice files of the questionnaire at `form_path`: `media/FILE`
/// beside it, else `FILE` beside it (next to an `.xlsx`), at most [`MAX_BYTES`] and one
/// byte read. The one place that says where choice files are found, for every native
/// loader (CLI, server, case harness).
pub fn reader_beside(form_path: &Path) -> impl FnMut(&str) -> std::io::Result<Vec<u8>> + use<> {
    let dir = form_path.parent().map_or_else(PathBuf::new, Path::to_owned);
    move |file| {
        let media = dir.join("media").join(file);
        let path = if media.is_file() { media } else { dir.join(file) };
        let mut bytes = Vec::new();
        std::fs::File::open(path)?.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

/// Where the choice file `file` of the questionnaire at `form_path` is, if it is there.
pub fn path_beside(form_path: &Path, file: &str) -> Option<PathBuf> {
    let dir = form_path.parent()?;
    [dir.join("media").join(file), dir.join(file)].into_iter().find(|p| p.is_file())
}

impl Form {
    /// Parses a questionnaire from JSON, reads its choice files through `read` and
    /// compiles it; the files' errors are reported as the compiler's are.
    pub fn from_json_with_files(
        text: &str,
        read: impl FnMut(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<Form, LoadError> {
        let mut questionnaire =
            Questionnaire::from_json(text).map_err(|d| LoadError { diagnostics: vec![*d] })?;
        let diagnostics = questionnaire.load_choice_files(read);
        if !diagnostics.is_empty() {
            return Err(LoadError { diagnostics });
        }
        Form::compile(questionnaire)
    }
}

impl Questionnaire {
    /// This questionnaire as the browser takes it, once its choice files are loaded:
    /// their lists written in and `choice_files` left out (the browser build reads no
    /// files and knows no `choice_files`). What the server serves and the app bundles.
    pub fn with_files_inlined(&self) -> Questionnaire {
        let mut inlined = self.clone();
        inlined.choice_files.clear();
        inlined
    }

    /// Reads every file of `choice_files` through `read` (given the file name) into
    /// `choice_lists`, replacing what a list held. Returns the errors, each naming the
    /// file (and the row and column where there is one); a list whose file has errors
    /// is left as it was.
    pub fn load_choice_files(
        &mut self,
        mut read: impl FnMut(&str) -> std::io::Result<Vec<u8>>,
    ) -> Vec<Diagnostic> {
        let mut errors = Vec::new();
        for (list, file) in &self.choice_files {
            let item = format!("choice_files.{list}");
            let error = |code| Diagnostic::error(code, item.as_str()).with("file", file.as_str());
            if !valid_file_name(file) {
                errors.push(error(Code::ChoiceFileName));
                continue;
            }
            let bytes = match read(file) {
                Ok(bytes) => bytes,
                Err(e) => {
                    errors.push(error(Code::ChoiceFileMissing).with("detail", e.to_string()));
                    continue;
                }
            };
            match parse(&bytes, &self.languages) {
                Ok(choices) if choices.is_empty() => {
                    errors.push(
                        Diagnostic::error(Code::EmptyChoiceList, item.as_str())
                            .with("list", list.as_str())
                            .with("file", file.as_str()),
                    );
                }
                Ok(choices) => {
                    self.choice_lists.insert(list.clone(), choices);
                }
                Err(found) => errors.extend(found.into_iter().map(|f| {
                    let code = f.code;
                    f.diagnostic(error(code))
                })),
            }
        }
        errors
    }
}

/// One error in a choice file, before it is tied to its list and file.
#[derive(Debug)]
struct FileError {
    code: Code,
    /// 1-based row of the file (the header is row 1).
    row: Option<u64>,
    column: Option<String>,
    detail: Option<String>,
    name: Option<String>,
    first_row: Option<u64>,
}

impl FileError {
    fn new(code: Code) -> Self {
        FileError { code, row: None, column: None, detail: None, name: None, first_row: None }
    }

    fn diagnostic(self, mut d: Diagnostic) -> Diagnostic {
        if let Some(row) = self.row {
            d = d.with("row", row);
        }
        if let Some(column) = self.column {
            d = d.with("column", column);
        }
        if let Some(detail) = self.detail {
            d = d.with("detail", detail);
        }
        if let Some(name) = self.name {
            d = d.with("name", name);
        }
        if let Some(first) = self.first_row {
            d = d.with("first_row", first);
        }
        d
    }
}

/// What each column of a choice file holds.
enum Column {
    Name,
    Label(Option<String>),
    Attribute(String),
}

/// The choices of a CSV file, or every error found in it.
fn parse(bytes: &[u8], languages: &[String]) -> Result<Vec<Choice>, Vec<FileError>> {
    if bytes.len() as u64 > MAX_BYTES {
        let mut e = FileError::new(Code::ChoiceFileTooLarge);
        e.detail = Some(format!("> {MAX_BYTES} bytes"));
        return Err(vec![e]);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let unreadable = |row: Option<u64>, detail: String| {
        let mut e = FileError::new(Code::ChoiceFileUnreadable);
        e.row = row;
        e.detail = Some(detail);
        vec![e]
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        None => return Err(vec![FileError::new(Code::ChoiceFileMissingColumn).column("name")]),
        Some(Err(e)) => return Err(unreadable(Some(1), e.to_string())),
        Some(Ok(h)) => h,
    };
    let columns: Vec<Column> = header
        .iter()
        .map(|h| {
            let h = h.trim();
            if h == "name" {
                Column::Name
            } else if h == "label" {
                Column::Label(None)
            } else if let Some(lang) = h.strip_prefix("label::") {
                Column::Label(Some(language_code(lang.trim(), languages)))
            } else {
                Column::Attribute(h.to_owned())
            }
        })
        .collect();
    let mut errors = Vec::new();
    if !columns.iter().any(|c| matches!(c, Column::Name)) {
        errors.push(FileError::new(Code::ChoiceFileMissingColumn).column("name"));
    }
    if !columns.iter().any(|c| matches!(c, Column::Label(_))) {
        errors.push(FileError::new(Code::ChoiceFileMissingColumn).column("label"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut choices: Vec<Choice> = Vec::new();
    // Rows of each name: a name may come back only with other attributes (the same
    // village name under two townships), as in the choices sheet.
    let mut rows_of: BTreeMap<String, Vec<(usize, u64)>> = BTreeMap::new();
    for (i, record) in records.enumerate() {
        let row = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => return Err(unreadable(Some(row), e.to_string())),
        };
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        if choices.len() >= MAX_ROWS {
            let mut e = FileError::new(Code::ChoiceFileTooLarge);
            e.row = Some(row);
            e.detail = Some(format!("> {MAX_ROWS} rows"));
            return Err(vec![e]);
        }
        let mut name = "";
        let mut plain: Option<String> = None;
        let mut per_language: Vec<(String, String)> = Vec::new();
        let mut attributes: Vec<(&str, &str)> = Vec::new();
        for (column, value) in columns.iter().zip(record.iter()) {
            let value = value.trim();
            match column {
                Column::Name => name = value,
                Column::Label(None) => plain = Some(value.to_owned()),
                Column::Label(Some(lang)) => per_language.push((lang.clone(), value.to_owned())),
                Column::Attribute(key) => attributes.push((key, value)),
            }
        }
        if name.is_empty() || name.contains(char::is_whitespace) {
            let mut e = FileError::new(Code::ChoiceFileBadName).at(row, "name");
            e.name = Some(name.to_owned());
            errors.push(e);
            continue;
        }
        let label = if per_language.is_empty() {
            Text::Plain(plain.unwrap_or_default())
        } else {
            Text::PerLanguage(per_language.into_iter().collect())
        };
        let mut choice = Choice::new(name, label);
        choice.attributes = attributes.into_iter().collect();
        let namesakes = rows_of.entry(name.to_owned()).or_default();
        if let Some(&(_, first)) =
            namesakes.iter().find(|&&(j, _)| choices[j].attributes == choice.attributes)
        {
            let mut e = FileError::new(Code::ChoiceFileDuplicateName).at(row, "name");
            e.name = Some(name.to_owned());
            e.first_row = Some(first);
            errors.push(e);
            continue;
        }
        namesakes.push((choices.len(), row));
        choices.push(choice);
    }
    if errors.is_empty() { Ok(choices) } else { Err(errors) }
}

impl FileError {
    fn column(mut self, column: &str) -> Self {
        self.column = Some(column.to_owned());
        self
    }

    fn at(mut self, row: u64, column: &str) -> Self {
        self.row = Some(row);
        self.column(column)
    }
}

/// The language code of a `label::…` header: `zh`, or XLSForm's `Chinese (zh)` style,
/// matched against the questionnaire's languages.
fn language_code(header: &str, languages: &[String]) -> String {
    if let Some(open) = header.rfind('(')
        && let Some(code) = header[open + 1..].strip_suffix(')')
    {
        return code.trim().to_owned();
    }
    languages
        .iter()
        .find(|l| l.eq_ignore_ascii_case(header))
        .cloned()
        .unwrap_or_else(|| header.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs() -> Vec<String> {
        vec!["zh".into(), "en".into()]
    }

    fn codes(text: &str) -> Vec<(Code, Option<u64>, Option<String>)> {
        parse(text.as_bytes(), &langs())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.code, e.row, e.column))
            .collect()
    }

    #[test]
    fn reads_names_labels_per_language_and_attributes_with_bom_and_crlf() {
        let text = "\u{feff}name,label::zh,label::English (en),township\r\nv1,东村,East,t1\r\n\r\nv2,西村,West,t2\r\n";
        let choices = parse(text.as_bytes(), &langs()).unwrap();
        assert_eq!(choices.len(), 2);
        assert_eq!(choices[0].name, "v1");
        let Text::PerLanguage(t) = &choices[1].label else { panic!("per language") };
        assert_eq!(t.get("zh"), Some("西村"));
        assert_eq!(t.get("en"), Some("West"));
        assert_eq!(choices[1].attributes.get("township"), Some("t2"));
    }

    #[test]
    fn each_problem_has_its_code_row_and_column() {
        type Found = (Code, Option<u64>, Option<&'static str>);
        let table: &[(&str, &[Found])] = &[
            ("", &[(Code::ChoiceFileMissingColumn, None, Some("name"))]),
            ("label\n甲\n", &[(Code::ChoiceFileMissingColumn, None, Some("name"))]),
            ("name,township\na,t\n", &[(Code::ChoiceFileMissingColumn, None, Some("label"))]),
            (
                "name,label\n,甲\nb c,乙\n",
                &[
                    (Code::ChoiceFileBadName, Some(2), Some("name")),
                    (Code::ChoiceFileBadName, Some(3), Some("name")),
                ],
            ),
            (
                "name,label,t\na,甲,1\na,甲,2\na,甲,1\n",
                &[(Code::ChoiceFileDuplicateName, Some(4), Some("name"))],
            ),
        ];
        for (text, want) in table {
            let want: Vec<_> =
                want.iter().map(|(c, r, col)| (*c, *r, col.map(str::to_owned))).collect();
            assert_eq!(codes(text), want, "{text:?}");
        }
    }

    #[test]
    fn non_utf8_is_unreadable_and_too_big_is_refused() {
        let e = parse(b"name,label\na,\xff\xfe\n", &langs()).unwrap_err();
        assert_eq!(e[0].code, Code::ChoiceFileUnreadable);
        let big = vec![b'a'; MAX_BYTES as usize + 1];
        assert_eq!(parse(&big, &langs()).unwrap_err()[0].code, Code::ChoiceFileTooLarge);
    }

    #[test]
    fn file_names_are_plain_csv_names() {
        for ok in ["villages.csv", "a-b_c.CSV"] {
            assert!(valid_file_name(ok), "{ok}");
        }
        for bad in ["../x.csv", "x.txt", ".csv", "a/b.csv", "村.csv", ".hidden.csv"] {
            assert!(!valid_file_name(bad), "{bad}");
        }
    }
}
