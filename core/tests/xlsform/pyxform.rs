//! X9: differential test against pyxform, the reference converter. For every form of
//! the corpus (`tests/fixtures/xlsform/*.md`, plus the Tianye questionnaires exported
//! to .xlsx), Tianye's import and pyxform's `xls2json` must agree on the list of
//! fields, their types, their choice lists and their relevance, constraint,
//! calculation and required expressions.
//!
//! Needs `python3` with pyxform (`pip install pyxform==4.5.0`); without them the test
//! fails, it does not skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use tianye_core::schema::Condition;
use tianye_core::xlsform::{self, Format, Options, Workbook};
use tianye_core::{Item, ItemType, Questionnaire, Text};

use crate::roundtrip::tianye_questionnaires;

const PYXFORM: &str = "4.5.0";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xlsform")
}

/// The corpus: every markdown and xlsx fixture, and the Tianye questionnaires
/// exported to xlsx (written under the test's temp dir).
fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "xlsx")))
        .collect();
    files.sort();
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("xlsform-exports");
    std::fs::create_dir_all(&out).unwrap();
    for (path, q) in tianye_questionnaires() {
        let stem = Path::new(&path).parent().and_then(|p| p.file_name()).unwrap().to_string_lossy();
        let file = out.join(format!("export_{stem}_{}.xlsx", q.id));
        std::fs::write(&file, xlsform::export_xlsx(&q).unwrap()).unwrap();
        files.push(file);
    }
    files
}

fn pyxform(files: &[PathBuf]) -> Value {
    let script = fixtures().join("pyxform_fields.py");
    let output = Command::new("python3").arg(&script).args(files).output().unwrap_or_else(|e| {
        panic!("python3 is needed for the pyxform differential test ({e}); install Python 3 and `pip install pyxform=={PYXFORM}`")
    });
    assert!(
        output.status.success(),
        "pyxform helper failed; is pyxform installed? `pip install pyxform=={PYXFORM}`\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["pyxform"], PYXFORM, "the test is pinned to pyxform {PYXFORM}");
    value
}

fn expr(e: Option<&str>) -> Value {
    match e {
        None => Value::Null,
        Some(s) => {
            let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
            Value::String(match s.as_str() {
                "yes" | "true" => "true()".to_owned(),
                "no" | "false" => "false()".to_owned(),
                _ => s,
            })
        }
    }
}

fn labels(t: &Text) -> Vec<String> {
    let mut out: Vec<String> =
        t.variants().map(|(_, s)| s.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    out.sort();
    out
}

/// pyxform's name for a Tianye type (as ODK sees the form: no Tianye columns).
fn pyxform_type(item: &Item) -> String {
    use ItemType as T;
    match item.kind {
        T::SelectOne | T::Likert => "select one".to_owned(),
        T::SelectMultiple => "select all that apply".to_owned(),
        T::Rating => "range".to_owned(),
        T::Datetime => "dateTime".to_owned(),
        // ODK's signature and drawing are images with an appearance.
        T::Signature | T::Draw => "image".to_owned(),
        T::Meta => serde_json::to_value(item.meta).unwrap().as_str().unwrap_or("").to_owned(),
        other => other.as_str().to_owned(),
    }
}

fn fields(q: &Questionnaire, items: &[Item], prefix: &str, out: &mut Vec<Value>) {
    for item in items {
        let name = format!("{prefix}{}", item.name);
        let choices: Vec<Value> = item
            .choices
            .as_ref()
            .and_then(|l| q.choice_lists.get(l))
            .map(|l| l.iter().map(|c| json!([c.name, labels(&c.label)])).collect())
            .unwrap_or_default();
        let required = item.required.as_ref().map(|r| match r {
            Condition::Fixed(true) => "true()".to_owned(),
            Condition::Fixed(false) => "false()".to_owned(),
            Condition::Expr(e) => e.clone(),
        });
        out.push(json!({
            "name": name,
            "type": pyxform_type(item),
            "list": item.choices,
            "choices": choices,
            "relevant": expr(item.relevant.as_deref()),
            "constraint": expr(item.constraints.first().map(|c| c.expr.as_str())),
            "calculation": expr(item.calculation.as_deref()),
            "required": expr(required.as_deref()),
        }));
        fields(q, &item.items, &format!("{name}/"), out);
    }
}

fn tianye(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let format = Format::from_file_name(&path.to_string_lossy()).unwrap();
    let book = Workbook::read(&bytes, format).unwrap();
    let options = Options { extensions: false, ..Options::default() };
    let q = match xlsform::import(&book, &options) {
        Ok(i) => i.questionnaire,
        Err(e) => panic!(
            "{}: Tianye cannot import what pyxform can:\n{}",
            path.display(),
            e.findings().iter().map(|f| f.render(&path.to_string_lossy())).collect::<String>()
        ),
    };
    let mut out = Vec::new();
    fields(&q, &q.items, "", &mut out);
    Value::Array(out)
}

#[test]
fn x9_tianye_and_pyxform_agree_on_the_corpus() {
    let files = corpus();
    assert!(files.len() >= 20, "the corpus needs at least 20 forms, has {}", files.len());
    let reference = pyxform(&files);
    for file in &files {
        let theirs = &reference[file.to_string_lossy().as_ref()];
        assert!(theirs.get("error").is_none(), "{}: pyxform: {}", file.display(), theirs["error"]);
        let theirs = &theirs["fields"];
        let ours = tianye(file);
        let (a, b) = (ours.as_array().unwrap(), theirs.as_array().unwrap());
        for (i, (o, t)) in a.iter().zip(b).enumerate() {
            assert_eq!(
                o,
                t,
                "{}: field {i} differs (left: Tianye, right: pyxform)",
                file.display()
            );
        }
        assert_eq!(a.len(), b.len(), "{}: number of fields differs", file.display());
    }
}
