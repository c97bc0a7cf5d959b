//! Lists the bundled questionnaires (`questionnaires/`), the test questionnaires
//! (`tests/fixtures/questionnaires/`), their choice files (`media/*.csv`) and their cases
//! for the in-browser case test (`tests/cases.rs`), which embeds them with `include_str!`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = String::from(
        "/// A case file's (or a choice file's) name and text.\npub type CaseText = (&'static str, &'static str);\n/// (questionnaire, its JSON, its cases, its choice files) for every bundled and test\n/// questionnaire.\npub const BUNDLED: &[(&str, &str, &[CaseText], &[CaseText])] = &[\n",
    );
    let mut dirs = Vec::new();
    for root in [repo.join("questionnaires"), repo.join("tests/fixtures/questionnaires")] {
        println!("cargo:rerun-if-changed={}", root.display());
        dirs.extend(sorted(&root));
    }
    for dir in dirs {
        let form = dir.join("form.json");
        if !form.is_file() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", dir.display());
        let _ = writeln!(
            out,
            "    ({:?}, include_str!({:?}), &[",
            name(&dir),
            form.display().to_string()
        );
        embed_each(&mut out, &dir.join("cases"));
        out.push_str("    ], &[\n");
        embed_each(&mut out, &dir.join("media"));
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("bundled_cases.rs");
    std::fs::write(dest, out).expect("write bundled_cases.rs");
}

/// The entries of `dir`, sorted (none if it is not there).
fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    found.sort();
    found
}

/// A path's last part.
fn name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Writes `(name, include_str!(path)),` for each file in `dir`.
fn embed_each(out: &mut String, dir: &Path) {
    for file in sorted(dir) {
        let _ = writeln!(
            out,
            "        ({:?}, include_str!({:?})),",
            name(&file),
            file.display().to_string()
        );
    }
}
