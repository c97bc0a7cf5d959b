//! X8: export, and Tianye → XLSForm → Tianye round trips.

use std::path::PathBuf;

use tianye_core::Questionnaire;
use tianye_core::xlsform::{self, Format, Options, Workbook};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xlsform").join(name)
}

/// The questionnaires to round-trip: the every-type fixture and the bundled ones
/// (`questionnaires/*/form.json`).
pub(crate) fn tianye_questionnaires() -> Vec<(String, Questionnaire)> {
    let mut out = Vec::new();
    let mut paths = vec![fixture("tianye_all_types.json")];
    let bundled = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../questionnaires");
    if let Ok(dirs) = std::fs::read_dir(&bundled) {
        let mut dirs: Vec<PathBuf> = dirs.filter_map(|d| Some(d.ok()?.path())).collect();
        dirs.sort();
        paths.extend(dirs.into_iter().map(|d| d.join("form.json")).filter(|p| p.exists()));
    }
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let q =
            Questionnaire::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push((path.display().to_string(), q));
    }
    out
}

fn round_trip(q: &Questionnaire, via: Option<Format>) -> Questionnaire {
    let book = xlsform::export(q);
    let book = match via {
        Some(Format::Xlsx) => Workbook::read(&book.to_xlsx().unwrap(), Format::Xlsx).unwrap(),
        Some(Format::Markdown) => Workbook::from_markdown(&book.to_markdown()),
        _ => book,
    };
    match xlsform::import(&book, &Options::default()) {
        Ok(i) => i.questionnaire,
        Err(e) => panic!("{}", e.findings().iter().map(|f| f.render("export")).collect::<String>()),
    }
}

fn assert_same(want: &Questionnaire, got: &Questionnaire, what: &str) {
    if want != got {
        let w = serde_json::to_string_pretty(want).unwrap();
        let g = serde_json::to_string_pretty(got).unwrap();
        let first = w.lines().zip(g.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{what}: round trip differs from line {first}:\nwant: {}\ngot:  {}",
            w.lines().skip(first).take(8).collect::<Vec<_>>().join("\n      "),
            g.lines().skip(first).take(8).collect::<Vec<_>>().join("\n      ")
        );
    }
}

#[test]
fn x8_tianye_questionnaires_round_trip_through_xlsx() {
    for (path, q) in tianye_questionnaires() {
        assert_same(&q, &round_trip(&q, Some(Format::Xlsx)), &path);
    }
}

#[test]
fn x8_round_trip_through_markdown_and_in_memory() {
    for (path, q) in tianye_questionnaires() {
        assert_same(&q, &round_trip(&q, Some(Format::Markdown)), &path);
        assert_same(&q, &round_trip(&q, None), &path);
    }
}

#[test]
fn x8_export_is_standard_xlsform_where_it_can_be() {
    let (_, q) = tianye_questionnaires().remove(0);
    let book = xlsform::export(&q);
    // What ODK sees: the import without Tianye's columns.
    let odk = xlsform::import(&book, &Options { extensions: false, ..Options::default() })
        .unwrap()
        .questionnaire;
    let item = |name: &str| odk.all_items().find(|i| i.name == name).unwrap().clone();
    assert_eq!(item("phone").kind.as_str(), "text");
    assert_eq!(item("phone").constraints[0].expr, "regex(., '^1[3-9][0-9]{9}$')");
    assert_eq!(item("wellbeing").kind.as_str(), "group");
    assert_eq!(item("wellbeing").items.len(), 2);
    assert_eq!(item("wb_food").kind.as_str(), "select_one");
    assert!(item("visit").constraints[0].expr.contains("today() - 30"));
    assert!(
        item("head_birth")
            .calculation
            .unwrap()
            .starts_with("date(concat(substr(${head_id}, 6, 10)")
    );
    assert_eq!(item("stars").kind.as_str(), "rating");
    assert!(item("help").constraints.iter().any(|c| c.expr.contains("not(selected(., 'none'))")));
    // Markdown and xlsx give the same workbook.
    let md = Workbook::from_markdown(&book.to_markdown());
    let xlsx = Workbook::read(&book.to_xlsx().unwrap(), Format::Xlsx).unwrap();
    assert_eq!(md.sheets.len(), xlsx.sheets.len());
    for (a, b) in md.sheets.iter().zip(&xlsx.sheets) {
        assert_eq!(a.rows, b.rows, "sheet {}", a.name);
    }
}

#[test]
fn x8_a_sealed_questionnaire_exports_its_key_as_odk_s_public_key_setting() {
    let (_, mut q) = tianye_questionnaires().remove(0);
    let pem = std::fs::read_to_string(fixture("../seal/test-public.pem")).unwrap();
    let line = tianye_core::seal::PublicKey::parse(&pem).unwrap().to_base64();
    q.encryption = Some(tianye_core::schema::Encryption { public_key: line.clone() });
    // A sealed questionnaire has no attachment questions (their files are not sealed):
    // an encrypted XLSForm's are not recorded.
    fn no_attachments(items: &mut Vec<tianye_core::Item>) {
        items.retain(|i| !i.kind.is_attachment());
        for item in items.iter_mut() {
            no_attachments(&mut item.items);
        }
    }
    no_attachments(&mut q.items);
    tianye_core::Form::compile(q.clone()).expect("a valid sealed questionnaire");
    assert_same(&q, &round_trip(&q, Some(Format::Xlsx)), "sealed");
    // In the standard column, where ODK reads it, and not in Tianye's own.
    let book = xlsform::export(&q);
    let settings = book.sheets.iter().find(|s| s.name == "settings").unwrap();
    let cell = |row: usize, header: &str| {
        let column = settings.rows[0].cells.iter().find(|c| c.value == header)?.column;
        settings.rows[row].cells.iter().find(|c| c.column == column).map(|c| c.value.clone())
    };
    assert_eq!(cell(1, "public_key"), Some(line));
    assert!(cell(1, "tianye").is_none_or(|patch| !patch.contains("encryption")));
    let odk = xlsform::import(&book, &Options { extensions: false, ..Options::default() });
    assert_eq!(odk.unwrap().questionnaire.encryption, q.encryption);
}
