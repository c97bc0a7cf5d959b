//! `cargo xtask corpus DIR`: Tianye's XLSForm import measured against forms nobody here
//! wrote. Every XLSForm under DIR (.xlsx .xls .xlsm .ods .csv .md, recursively) goes
//! through the real `tianye import` and through pyxform's `convert` (the pinned
//! [`setup::PYXFORM`], the reference converter); the task prints one row per form
//! (pyxform's verdict, Tianye's: clean, with warnings and their codes, or refused with
//! the first error's code and cell) and the counts that core/XLSFORM.md reports.
//!
//! The corpus stays outside the repository and out of CI: it is whatever folder the
//! person measuring points at (see core/XLSFORM.md for the one used).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::peers::pyxform_python;
use crate::setup::{self, cargo, run};

/// The file endings `tianye import` and pyxform both read as XLSForms.
const XLSFORM_ENDINGS: [&str; 6] = ["xlsx", "xls", "xlsm", "ods", "csv", "md"];

/// pyxform's verdict on every file named on its command line, one line each:
/// `ok<TAB>warning count<TAB>path` or `refused<TAB>first line of the error<TAB>path`.
/// Validators (Java ODK Validate, Enketo) are not run: the question is what the
/// converter itself accepts.
const PYXFORM_SCRIPT: &str = r#"
import sys, warnings
warnings.simplefilter("ignore")
from pyxform.xls2xform import convert
for path in sys.argv[1:]:
    try:
        found = []
        convert(xlsform=path, warnings=found)
        print(f"ok\t{len(found)}\t{path}")
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        print(f"refused\t{type(e).__name__}: {first}\t{path}")
"#;

/// What pyxform made of one file.
#[derive(Debug, Clone, PartialEq)]
enum Pyxform {
    Accepts { warnings: usize },
    Refuses { error: String },
}

/// What `tianye import` made of one file.
#[derive(Debug, Clone, PartialEq)]
enum Tianye {
    Clean,
    /// Imported; the distinct warning codes, in the order first seen.
    Warnings(Vec<String>),
    /// Refused: the first error's code and where (`survey!B3`, or empty).
    Refused {
        code: String,
        cell: String,
    },
}

pub(crate) fn corpus(args: &[String]) -> Result<()> {
    let [dir] = args else {
        bail!("用法 / usage: cargo xtask corpus DIR");
    };
    let dir = PathBuf::from(dir);
    let mut forms = Vec::new();
    collect(&dir, &mut forms).with_context(|| format!("cannot read {}", dir.display()))?;
    forms.sort();
    if forms.is_empty() {
        bail!("{}: 没有 XLSForm 文件 / no XLSForm files", dir.display());
    }

    run(cargo().args(["build", "--quiet", "-p", "tianye"]))?;
    let tianye_bin = setup::target_dir().join("debug/tianye");
    let python = pyxform_python()?;

    let theirs = pyxform_verdicts(&python, &forms)?;
    let out = setup::target_dir().join("corpus");
    std::fs::create_dir_all(&out)?;
    let scratch = out.join("last.json");

    println!("| form | pyxform {} | Tianye | codes |", setup::PYXFORM);
    println!("|---|---|---|---|");
    let mut counts = BTreeMap::<(&str, &str), usize>::new();
    for form in &forms {
        let ours = tianye_verdict(&tianye_bin, form, &scratch)?;
        let pyx =
            theirs.get(form).cloned().unwrap_or(Pyxform::Refuses { error: "no verdict".into() });
        let name = form.strip_prefix(&dir).unwrap_or(form).display().to_string();
        let (pyx_word, pyx_note) = match &pyx {
            Pyxform::Accepts { warnings: 0 } => ("accepts", String::new()),
            Pyxform::Accepts { warnings } => ("accepts", format!("{warnings} warning(s)")),
            Pyxform::Refuses { error } => ("refuses", error.replace('|', "/")),
        };
        let (our_word, codes) = match &ours {
            Tianye::Clean => ("clean", String::new()),
            Tianye::Warnings(codes) => ("warnings", codes.join(", ")),
            Tianye::Refused { code, cell } => ("refused", format!("{code} {cell}")),
        };
        let note =
            if pyx_note.is_empty() { codes } else { format!("{codes} (pyxform: {pyx_note})") };
        println!("| {name} | {pyx_word} | {our_word} | {} |", note.trim());
        *counts.entry((pyx_word, our_word)).or_default() += 1;
    }

    let count = |p: &str, t: &str| counts.get(&(p, t)).copied().unwrap_or(0);
    let accepted: usize =
        ["clean", "warnings", "refused"].iter().map(|t| count("accepts", t)).sum();
    println!();
    println!(
        "{} forms; pyxform accepts {accepted}: Tianye imports {} clean, {} with warnings, refuses {}",
        forms.len(),
        count("accepts", "clean"),
        count("accepts", "warnings"),
        count("accepts", "refused"),
    );
    let refused = forms.len() - accepted;
    println!(
        "pyxform refuses {refused}: Tianye refuses {}, imports {} clean, {} with warnings",
        count("refuses", "refused"),
        count("refuses", "clean"),
        count("refuses", "warnings"),
    );
    Ok(())
}

/// Every XLSForm file under `dir`, recursively (spreadsheet lock files `~$…` left out).
fn collect(dir: &Path, forms: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, forms)?;
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ending = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
        if !name.starts_with("~$") && XLSFORM_ENDINGS.contains(&ending.as_str()) {
            forms.push(path);
        }
    }
    Ok(())
}

/// pyxform's verdict on each form, from one Python process.
fn pyxform_verdicts(python: &Path, forms: &[PathBuf]) -> Result<BTreeMap<PathBuf, Pyxform>> {
    let output = Command::new(python)
        .args(["-c", PYXFORM_SCRIPT])
        .args(forms)
        .output()
        .with_context(|| format!("cannot start {}", python.display()))?;
    if !output.status.success() {
        bail!("pyxform failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let mut verdicts = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(word), Some(detail), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let verdict = match word {
            "ok" => Pyxform::Accepts { warnings: detail.parse().unwrap_or(0) },
            _ => Pyxform::Refuses { error: detail.to_owned() },
        };
        verdicts.insert(PathBuf::from(path), verdict);
    }
    Ok(verdicts)
}

/// `tianye import FORM -o scratch`, read from its exit status and the findings it
/// prints (`error[code]: …` / `warning[code]: …`, each followed by `--> file: cell`).
fn tianye_verdict(bin: &Path, form: &Path, scratch: &Path) -> Result<Tianye> {
    let output = Command::new(bin)
        .arg("import")
        .arg(form)
        .arg("-o")
        .arg(scratch)
        .output()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    Ok(verdict_of(output.status.success(), &stderr))
}

fn verdict_of(imported: bool, stderr: &str) -> Tianye {
    let mut errors = Vec::new();
    let mut warnings = Vec::<String>::new();
    let mut lines = stderr.lines().peekable();
    while let Some(line) = lines.next() {
        let (is_error, rest) = if let Some(rest) = line.strip_prefix("error[") {
            (true, rest)
        } else if let Some(rest) = line.strip_prefix("warning[") {
            (false, rest)
        } else {
            continue;
        };
        let Some(code) = rest.split(']').next() else { continue };
        // The first “quoted” text of the message names the thing (a type, a column).
        let named = rest.split_once('“').and_then(|(_, r)| r.split_once('”')).map(|(n, _)| n);
        let mut cell = lines
            .peek()
            .and_then(|next| next.trim_start().strip_prefix("--> "))
            .and_then(|place| place.rsplit(": ").next())
            .unwrap_or("")
            .to_owned();
        if let Some(named) = named {
            cell = format!("“{named}” {cell}");
        }
        if is_error {
            errors.push((code.to_owned(), cell));
        } else if !warnings.iter().any(|w| w == code) {
            warnings.push(code.to_owned());
        }
    }
    if !imported {
        let (code, cell) = errors.into_iter().next().unwrap_or_else(|| {
            let first = stderr.lines().last().unwrap_or("failed").to_owned();
            (first, String::new())
        });
        return Tianye::Refused { code, cell };
    }
    if warnings.is_empty() { Tianye::Clean } else { Tianye::Warnings(warnings) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_read_from_the_import_output() {
        let refused = "error[xlsform.unsupported_type]: 田野不支持题型“osm” / Tianye does not support\n  --> /c/f.md: survey!A2\n\n✗ /c/f.md: 1 个错误 / error(s)\n";
        assert_eq!(
            verdict_of(false, refused),
            Tianye::Refused {
                code: "xlsform.unsupported_type".into(),
                cell: "“osm” survey!A2".into()
            }
        );
        let warned = "warning[xlsform.unsupported_column]: x\n  --> f.xlsx: survey!H1\nwarning[xlsform.unsupported_column]: y\n  --> f.xlsx: survey!I1\nwarning[xlsform.skipped_row]: z\n  --> f.xlsx: survey!A9\n✓ f.xlsx → o.json\n";
        assert_eq!(
            verdict_of(true, warned),
            Tianye::Warnings(vec![
                "xlsform.unsupported_column".into(),
                "xlsform.skipped_row".into()
            ])
        );
        assert_eq!(
            verdict_of(true, "✓ f.md → o.json: 3 项 / items, 0 条警告 / warnings\n"),
            Tianye::Clean
        );
    }
}
