//! Reading questionnaires given on the command line, shared by every command that
//! takes a FORM.

use std::path::{Path, PathBuf};

use tianye_core::{Diagnostic, Form, LoadError};

/// Why a questionnaire could not be used.
pub(crate) enum FormError {
    /// The file could not be read.
    Io(std::io::Error),
    /// It was read, but has errors.
    Invalid(LoadError),
}

/// A questionnaire file and what became of it.
pub(crate) struct Loaded {
    /// The compiled form, or why not.
    pub(crate) form: Result<Form, FormError>,
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

/// Loads and compiles one questionnaire file.
pub(crate) fn load(path: &Path) -> Loaded {
    let form = match std::fs::read_to_string(path) {
        Err(e) => Err(FormError::Io(e)),
        Ok(text) => Form::from_json(&text).map_err(FormError::Invalid),
    };
    Loaded { form }
}

/// Every diagnostic rendered for the terminal, with the file name.
pub(crate) fn render(path: &Path, diagnostics: &[Diagnostic]) -> String {
    let file = path.display().to_string();
    diagnostics.iter().map(|d| d.render(&file)).collect::<Vec<_>>().join("\n")
}
