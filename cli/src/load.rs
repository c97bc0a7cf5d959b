//! Reading questionnaires given on the command line, shared by every command that
//! takes a FORM: a Tianye JSON questionnaire, or an XLSForm (`.xlsx`, `.xls`, `.ods`,
//! `.csv`, `.md`) imported on the fly, whose findings then point at sheet cells
//! (`survey!F12`).

use std::path::{Path, PathBuf};

use tianye_core::xlsform::{self, Finding, Format, Origins};
use tianye_core::{Diagnostic, Form, LoadError, Questionnaire, Severity, choice_file};

/// Why a questionnaire could not be used.
pub(crate) enum FormError {
    /// The file could not be read.
    Io(std::io::Error),
    /// It was read, but has errors.
    Invalid(LoadError),
    /// An XLSForm that could not be imported: every error and warning, with its cell.
    Xlsform(xlsform::Error),
}

/// A questionnaire file and what became of it.
pub(crate) struct Loaded {
    /// The compiled form, or why not.
    pub(crate) form: Result<Form, FormError>,
    /// For an XLSForm: the import's warnings and where each item came from.
    pub(crate) xlsform: Option<(Vec<Finding>, Origins)>,
}

/// The questionnaire at `path` for a command that cannot go on without it: the form, or
/// — its errors printed — exit code 2 (unusable input). A file that cannot be read is an
/// error.
pub(crate) fn form_or_exit(path: &Path) -> anyhow::Result<Result<Form, std::process::ExitCode>> {
    let loaded = load(path);
    match loaded.form {
        Ok(form) => Ok(Ok(form)),
        Err(FormError::Io(e)) => anyhow::bail!("{}: 无法读取 / cannot read: {e}", path.display()),
        Err(FormError::Invalid(ref e)) => {
            eprintln!("{}", loaded.render(path, &e.diagnostics));
            Ok(Err(std::process::ExitCode::from(2)))
        }
        Err(FormError::Xlsform(e)) => {
            eprintln!("{}", render_findings(path, e.findings()));
            Ok(Err(std::process::ExitCode::from(2)))
        }
    }
}

/// Expands directories into the `form.json` files below them (sorted); files are kept
/// as given.
pub(crate) fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            collect_forms(p, &mut found);
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn collect_forms(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_forms(&path, out);
        } else if path.file_name().is_some_and(|n| n == "form.json") {
            out.push(path);
        }
    }
}

/// The XLSForm format of `path`, by its extension, if it is one.
pub(crate) fn xlsform_format(path: &Path) -> Option<Format> {
    Format::from_file_name(&path.file_name()?.to_string_lossy())
}

/// Imports an XLSForm file (not yet compiled).
pub(crate) fn import_xlsform(
    path: &Path,
    format: Format,
    strict: bool,
) -> Result<xlsform::Import, FormError> {
    let bytes = std::fs::read(path).map_err(FormError::Io)?;
    let options = xlsform::Options {
        strict,
        form_id: path.file_stem().map(|s| s.to_string_lossy().into_owned()),
        ..xlsform::Options::default()
    };
    xlsform::import_bytes(&bytes, format, &options).map_err(FormError::Xlsform)
}

/// Loads and compiles one questionnaire file: JSON, or an XLSForm by its extension,
/// with its choice files (`media/FILE` or `FILE` beside it).
pub(crate) fn load(path: &Path) -> Loaded {
    if let Some(format) = xlsform_format(path) {
        return match import_xlsform(path, format, false) {
            Err(e) => Loaded { form: Err(e), xlsform: None },
            Ok(mut import) => {
                let read = choice_file::reader_beside(path);
                let errors = import.questionnaire.load_choice_files(read);
                let form = if errors.is_empty() {
                    Form::compile(import.questionnaire).map_err(FormError::Invalid)
                } else {
                    Err(FormError::Invalid(LoadError { diagnostics: errors }))
                };
                Loaded { form, xlsform: Some((import.findings, import.origins)) }
            }
        };
    }
    let form = match std::fs::read_to_string(path) {
        Err(e) => Err(FormError::Io(e)),
        Ok(text) => Form::from_json_with_files(&text, choice_file::reader_beside(path))
            .map_err(FormError::Invalid),
    };
    Loaded { form, xlsform: None }
}

impl Loaded {
    /// The XLSForm import's warnings (none for JSON).
    pub(crate) fn import_warnings(&self) -> &[Finding] {
        self.xlsform.as_ref().map_or(&[], |(f, _)| f.as_slice())
    }

    /// Engine diagnostics rendered for the terminal, preceded by the import's
    /// warnings; for an XLSForm each points at its sheet, row and column.
    pub(crate) fn render(&self, path: &Path, diagnostics: &[Diagnostic]) -> String {
        join(&self.rendered(path, diagnostics))
    }

    /// [`Loaded::render`], one finding at a time.
    pub(crate) fn rendered(&self, path: &Path, diagnostics: &[Diagnostic]) -> Vec<Shown> {
        let file = path.display().to_string();
        let mut parts: Vec<Shown> =
            self.import_warnings().iter().map(|f| Shown::finding(f, &file)).collect();
        parts.extend(diagnostics.iter().map(|d| match &self.xlsform {
            Some((_, origins)) => Shown::finding(
                &Finding::from_diagnostic(d, origins.locate(d).unwrap_or_default()),
                &file,
            ),
            None => Shown { code: d.code.as_str(), severity: d.severity, text: d.render(&file) },
        }));
        parts
    }

    /// Everything `tianye check` reports about this questionnaire, one finding at a
    /// time: the errors that keep it from loading, or its warnings (the XLSForm
    /// import's first); an unusable encryption key is an error.
    pub(crate) fn findings(&self, path: &Path) -> Vec<Shown> {
        match &self.form {
            Ok(form) => match tianye_core::seal::check_questionnaire_key(form.questionnaire()) {
                Some(bad_key) => self.rendered(path, std::slice::from_ref(&bad_key)),
                None => self.rendered(path, form.warnings()),
            },
            Err(FormError::Io(e)) => vec![Shown {
                code: "io",
                severity: Severity::Error,
                text: format!("{}: 无法读取 / cannot read: {e}", path.display()),
            }],
            Err(FormError::Xlsform(e)) => {
                let file = path.display().to_string();
                e.findings().iter().map(|f| Shown::finding(f, &file)).collect()
            }
            Err(FormError::Invalid(e)) => self.rendered(path, &e.diagnostics),
        }
    }
}

/// One finding as the checker prints it: its code, how bad it is, and the report with
/// where it is and the caret under the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shown {
    /// The stable code (`expr.unknown_ref`).
    pub(crate) code: &'static str,
    /// Error or warning.
    pub(crate) severity: Severity,
    /// The multi-line report (`Diagnostic::render`, `Finding::render`).
    pub(crate) text: String,
}

impl Shown {
    fn finding(f: &Finding, file: &str) -> Shown {
        Shown { code: f.code.as_str(), severity: f.severity, text: f.render(file) }
    }
}

fn join(parts: &[Shown]) -> String {
    parts.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n")
}

/// Every finding of a failed XLSForm import, rendered for the terminal.
pub(crate) fn render_findings(path: &Path, findings: &[Finding]) -> String {
    let file = path.display().to_string();
    findings.iter().map(|f| f.render(&file)).collect::<Vec<_>>().join("\n")
}

/// Whether a failed XLSForm import failed because the file could not be read at all.
pub(crate) fn unreadable(e: &xlsform::Error) -> bool {
    e.findings().iter().any(|f| f.code.as_str() == "xlsform.unreadable")
}

/// The questionnaire of a loaded form, for commands that write it out.
pub(crate) fn questionnaire(form: &Form) -> &Questionnaire {
    form.questionnaire()
}

/// Copies the choice files of `questionnaire`, found beside the questionnaire file
/// `from` (`media/FILE`, else `FILE`), into the folder `to`: `media/` beside an imported
/// JSON, where every loader looks first, or the folder of an exported XLSForm, where
/// ODK's tools look. A file already there is left alone.
pub(crate) fn copy_choice_files(
    questionnaire: &Questionnaire,
    from: &Path,
    to: &Path,
) -> anyhow::Result<()> {
    let to = if to.as_os_str().is_empty() { Path::new(".") } else { to };
    for file in questionnaire.choice_files.values() {
        let Some(source) = choice_file::path_beside(from, file) else { continue };
        let target = to.join(file);
        if source.canonicalize().ok() == target.canonicalize().ok() {
            continue;
        }
        std::fs::create_dir_all(to)
            .and_then(|()| std::fs::copy(&source, &target))
            .map_err(|e| anyhow::anyhow!("{}: 无法写入 / cannot write: {e}", target.display()))?;
        eprintln!("✓ {} → {}", source.display(), target.display());
    }
    Ok(())
}
