//! The questionnaires the server knows: every version ever stored in the database,
//! plus the files under `--forms`, which are statically checked and stored the first
//! time they are seen. The version on disk is the *current* one (served to the form
//! app); older versions stay, so responses to them still validate against what they
//! answered and still export.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tianye_core::{Form, choice_file};

use crate::canonical::content_hash;
use crate::store::{Registration, Store, StoreError};

/// One questionnaire version, compiled.
#[derive(Debug)]
pub struct FormVersion {
    /// The compiled form.
    pub form: Form,
    /// The questionnaire JSON as stored.
    pub json: String,
    /// The order in which versions were first seen.
    pub seq: i64,
    /// Whether the version is among the files under `--forms` now.
    pub on_disk: bool,
    /// The files it was read with (its choice files), for a version under `--forms`;
    /// their lists are inlined in `json` as well.
    pub media: Vec<MediaFile>,
}

/// A file read with a questionnaire (a choice file from `media/`), kept as read so it
/// is served as what the questionnaire was checked with.
#[derive(Debug)]
pub struct MediaFile {
    /// The file name, e.g. `villages.csv`.
    pub name: String,
    /// SHA-256 of the bytes, lowercase hex: the file's ETag.
    pub sha256: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl MediaFile {
    fn new(name: &str, bytes: Vec<u8>) -> Self {
        let sha256 = crate::canonical::sha256(&bytes).iter().fold(String::new(), |mut hex, b| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{b:02x}");
            hex
        });
        MediaFile { name: name.to_owned(), sha256, bytes }
    }
}

impl FormVersion {
    /// Questionnaire id.
    pub fn id(&self) -> &str {
        &self.form.questionnaire().id
    }

    /// Version.
    pub fn version(&self) -> &str {
        &self.form.questionnaire().version
    }
}

/// Why the questionnaires could not be loaded; `tianye serve` refuses to start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// A questionnaire file could not be read.
    #[error("{path}: 无法读取 / cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A questionnaire file has errors; `report` is the checker's rendering.
    #[error(
        "{path}: 问卷有错误，服务未启动 / the questionnaire has errors, not starting:\n{report}"
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every diagnostic, rendered with file, item and caret.
        report: String,
    },
    /// Two files give the same id and version.
    #[error(
        "{first} 与 {second} 是同一问卷的同一版本 {id}@{version} / {first} and {second} are the same questionnaire version {id}@{version}"
    )]
    Duplicate {
        /// Questionnaire id.
        id: String,
        /// Version.
        version: String,
        /// One file.
        first: PathBuf,
        /// The other.
        second: PathBuf,
    },
    /// A file changes a version that already has submissions.
    #[error(
        "{path}: 问卷 {id} 的版本 {version} 已有 {submissions} 份答卷，但文件内容已改变；请提高 version 后再启动 / questionnaire {id} version {version} already has {submissions} submission(s) but the file changed: give it a new version"
    )]
    ChangedVersion {
        /// The file.
        path: PathBuf,
        /// Questionnaire id.
        id: String,
        /// Version.
        version: String,
        /// Submissions answering the stored content.
        submissions: u64,
    },
    /// The `--forms` path does not exist.
    #[error("{0}: 找不到问卷目录 / no such questionnaire directory")]
    Missing(PathBuf),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every known questionnaire version; see the module docs.
#[derive(Debug, Default)]
pub struct Catalog {
    by_key: HashMap<(String, String), Arc<FormVersion>>,
    /// Versions of each id in the order first seen.
    by_id: BTreeMap<String, Vec<Arc<FormVersion>>>,
    current: BTreeMap<String, Arc<FormVersion>>,
}

/// What loading found that does not stop the server.
#[derive(Debug, Default)]
pub struct LoadNotes {
    /// Versions on disk and what registering them did, in file order.
    pub loaded: Vec<(String, String, Registration)>,
    /// Stored versions that no longer compile (with this build of the core); they
    /// accept no uploads until fixed.
    pub warnings: Vec<String>,
}

/// Whether `path` names a questionnaire Tianye reads: JSON, or an XLSForm (`.xlsx`,
/// `.xls`, `.ods`, `.csv`, `.md`).
fn is_questionnaire_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json") || xlsform_format(path).is_some()
}

fn xlsform_format(path: &Path) -> Option<tianye_core::xlsform::Format> {
    tianye_core::xlsform::Format::from_file_name(&path.file_name()?.to_string_lossy())
}

/// Reads a questionnaire file as the JSON the store keeps: JSON as it is (with its
/// choice files' lists inlined), an XLSForm imported; `Err` carries the report (rendered at sheet, row and column for XLSForms).
fn read_questionnaire(path: &Path) -> Result<(String, Form, Vec<MediaFile>), CatalogError> {
    let file = path.display().to_string();
    let mut media = Vec::new();
    let mut read_file = choice_file::reader_beside(path);
    let read = |name: &str| {
        let bytes = read_file(name)?;
        media.push(MediaFile::new(name, bytes.clone()));
        Ok(bytes)
    };
    let invalid = |report: String| CatalogError::Invalid { path: path.to_owned(), report };
    if let Some(format) = xlsform_format(path) {
        let bytes = std::fs::read(path)
            .map_err(|source| CatalogError::Read { path: path.to_owned(), source })?;
        let options = tianye_core::xlsform::Options {
            form_id: path
                .parent()
                .and_then(Path::file_name)
                .map(|s| s.to_string_lossy().into_owned()),
            ..tianye_core::xlsform::Options::default()
        };
        let mut import =
            tianye_core::xlsform::import_bytes(&bytes, format, &options).map_err(|e| {
                invalid(e.findings().iter().map(|f| f.render(&file)).collect::<Vec<_>>().join("\n"))
            })?;
        let errors = import.questionnaire.load_choice_files(read);
        if !errors.is_empty() {
            return Err(invalid(render(&errors, &file)));
        }
        let text = stored_json(&import.questionnaire);
        let form = Form::compile(import.questionnaire.clone()).map_err(|e| {
            invalid(
                e.diagnostics
                    .iter()
                    .map(|d| import.locate(d).render(&file))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        return Ok((text, form, media));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|source| CatalogError::Read { path: path.to_owned(), source })?;
    let form = Form::from_json_with_files(&text, read)
        .map_err(|e| invalid(render(&e.diagnostics, &file)))?;
    let text = if form.questionnaire().choice_files.is_empty() {
        text
    } else {
        stored_json(form.questionnaire())
    };
    // A key no form app could seal with is refused like any error in the file.
    if let Some(d) = tianye_core::seal::check_questionnaire_key(form.questionnaire()) {
        return Err(invalid(d.render(&file)));
    }
    Ok((text, form, media))
}

/// The JSON stored and served for a questionnaire read with its choice files: their
/// lists inlined and `choice_files` left out, so the form app (whose build reads no
/// files and knows no `choice_files`) needs nothing more and works offline. The files
/// themselves are served as media (`MediaFile`). Without indentation: a province's list
/// pretty-printed is twice the text, and the form app holds the text once while it
/// reads it.
fn stored_json(questionnaire: &tianye_core::Questionnaire) -> String {
    serde_json::to_string(&questionnaire.with_files_inlined()).unwrap_or_default()
}

fn render(diagnostics: &[tianye_core::Diagnostic], file: &str) -> String {
    diagnostics.iter().map(|d| d.render(file)).collect::<Vec<_>>().join("\n")
}

/// The questionnaire files at or below `path`, sorted: `form.json`, or an XLSForm named
/// `form.xlsx` (`.xls`, `.ods`, `.csv`, `.md`); a file is taken as it is.
pub fn questionnaire_files(path: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.file_stem().is_some_and(|n| n == "form") && is_questionnaire_file(&p) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    if path.is_dir() {
        walk(path, &mut out);
        out.sort();
    } else {
        out.push(path.to_owned());
    }
    out
}

/// Compares versions naturally: runs of digits as numbers (`2` < `10`), the rest as
/// text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let ord = match (x, y) {
            ((true, p), (true, q)) => {
                let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                p.len().cmp(&q.len()).then_with(|| p.cmp(q))
            }
            ((_, p), (_, q)) => p.cmp(q),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

impl Catalog {
    /// Registers every questionnaire under `forms` (when given) in `store`, then
    /// compiles every stored version. Fails on the first broken file, with the
    /// checker's report.
    pub fn load(
        store: &dyn Store,
        forms: Option<&Path>,
    ) -> Result<(Catalog, LoadNotes), CatalogError> {
        let mut notes = LoadNotes::default();
        let mut on_disk: HashMap<(String, String), PathBuf> = HashMap::new();
        let mut media: HashMap<(String, String), Vec<MediaFile>> = HashMap::new();
        if let Some(dir) = forms {
            if !dir.exists() {
                return Err(CatalogError::Missing(dir.to_owned()));
            }
            // Check every file before storing any, so a broken one changes nothing.
            let mut checked = Vec::new();
            for path in questionnaire_files(dir) {
                let (text, form, files) = read_questionnaire(&path)?;
                let q = form.questionnaire();
                let key = (q.id.clone(), q.version.clone());
                if let Some(first) = on_disk.get(&key) {
                    return Err(CatalogError::Duplicate {
                        id: key.0,
                        version: key.1,
                        first: first.clone(),
                        second: path,
                    });
                }
                on_disk.insert(key.clone(), path.clone());
                media.insert(key.clone(), files);
                checked.push((path, key, text));
            }
            for (path, (id, version), text) in checked {
                let value: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| CatalogError::Read { path: path.clone(), source: e.into() })?;
                let reg = store.register_form(&id, &version, &text, &content_hash(&value))?;
                if let Registration::ChangedWithSubmissions { submissions } = reg {
                    return Err(CatalogError::ChangedVersion { path, id, version, submissions });
                }
                notes.loaded.push((id, version, reg));
            }
        }
        let mut catalog = Catalog::default();
        for stored in store.forms()? {
            let form = match Form::from_json(&stored.json) {
                Ok(form) => form,
                Err(e) => {
                    let file = format!("{}@{}", stored.form_id, stored.version);
                    let report = e
                        .diagnostics
                        .iter()
                        .map(|d| d.render(&file))
                        .collect::<Vec<_>>()
                        .join("\n");
                    notes.warnings.push(format!(
                        "已存问卷 {file} 无法编译，暂不接收其答卷 / stored questionnaire {file} does not compile and accepts no uploads:\n{report}"
                    ));
                    continue;
                }
            };
            let key = (stored.form_id.clone(), stored.version.clone());
            let version = Arc::new(FormVersion {
                form,
                json: stored.json,
                seq: stored.seq,
                on_disk: on_disk.contains_key(&key),
                media: media.remove(&key).unwrap_or_default(),
            });
            catalog.insert(version);
        }
        Ok((catalog, notes))
    }

    /// A catalog of the given forms (for tests and tools), in the given order.
    pub fn from_forms(forms: impl IntoIterator<Item = (Form, String)>) -> Catalog {
        let mut catalog = Catalog::default();
        for (seq, (form, json)) in forms.into_iter().enumerate() {
            catalog.insert(Arc::new(FormVersion {
                form,
                json,
                seq: seq as i64,
                on_disk: true,
                media: Vec::new(),
            }));
        }
        catalog
    }

    fn insert(&mut self, version: Arc<FormVersion>) {
        let id = version.id().to_owned();
        self.by_key.insert((id.clone(), version.version().to_owned()), version.clone());
        if version.on_disk {
            let newer = self
                .current
                .get(&id)
                .is_none_or(|c| compare_versions(version.version(), c.version()).is_gt());
            if newer {
                self.current.insert(id.clone(), version.clone());
            }
        }
        self.by_id.entry(id).or_default().push(version);
    }

    /// The version `version` of questionnaire `id`.
    pub fn get(&self, id: &str, version: &str) -> Option<&Arc<FormVersion>> {
        self.by_key.get(&(id.to_owned(), version.to_owned()))
    }

    /// The current version of `id`: the newest of those on disk.
    pub fn current(&self, id: &str) -> Option<&Arc<FormVersion>> {
        self.current.get(id)
    }

    /// Every version of `id`, in the order first seen (empty if unknown).
    pub fn versions(&self, id: &str) -> &[Arc<FormVersion>] {
        self.by_id.get(id).map_or(&[], Vec::as_slice)
    }

    /// Whether any version of `id` is known.
    pub fn knows(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// The ids with a current version (those on disk), sorted.
    pub fn current_ids(&self) -> impl Iterator<Item = &str> {
        self.current.keys().map(String::as_str)
    }

    /// Every known id, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_naturally() {
        assert!(compare_versions("2", "10").is_lt());
        assert!(compare_versions("2026.1", "2026.10").is_lt());
        assert!(compare_versions("1.0", "1.0a").is_lt());
        assert!(compare_versions("v2", "v1").is_gt());
        assert!(compare_versions("01", "1").is_ne());
        assert_eq!(compare_versions("x", "x"), Ordering::Equal);
    }
}
