//! Lists the bundled questionnaires (`questionnaires/`), the test questionnaires
//! (`tests/fixtures/questionnaires/`), their choice files (`media/*.csv`) and their cases
//! for the in-browser case test (`tests/cases.rs`), which embeds them with `include_str!`.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = String::from(
        "/// A case file's (or a choice file's) name and text.\npub type CaseText = (&'static str, &'static str);\n/// (questionnaire, its JSON, its cases, its choice files) for every bundled and test\n/// questionnaire.\npub const BUNDLED: &[(&str, &str, &[CaseText], &[CaseText])] = &[\n",
    );
    let mut dirs = Vec::new();
    for root in [repo.join("questionnaires"), repo.join("tests/fixtures/questionnaires")] {
        println!("cargo:rerun-if-changed={}", root.display());
        let mut found: Vec<_> = std::fs::read_dir(&root)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        found.sort();
        dirs.extend(found);
    }
    for dir in dirs {
        let form = dir.join("form.json");
        if !form.is_file() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", dir.display());
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let _ = writeln!(out, "    ({name:?}, include_str!({:?}), &[", form.display().to_string());
        let mut cases: Vec<_> = std::fs::read_dir(dir.join("cases"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        cases.sort();
        for case in cases {
            let file =
                case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let _ = writeln!(
                out,
                "        ({file:?}, include_str!({:?})),",
                case.display().to_string()
            );
        }
        out.push_str("    ], &[\n");
        let mut media: Vec<_> = std::fs::read_dir(dir.join("media"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        media.sort();
        for file in media {
            let name =
                file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let _ = writeln!(
                out,
                "        ({name:?}, include_str!({:?})),",
                file.display().to_string()
            );
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("bundled_cases.rs");
    std::fs::write(dest, out).expect("write bundled_cases.rs");
}
