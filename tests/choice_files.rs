//! Choice lists from CSV files (issue 22): `tianye check` and `tianye validate` read
//! `media/FILE` beside a questionnaire, report each problem of a file with its code,
//! file, row and column, and `tianye serve` serves the questionnaire with the list
//! inlined. Fixture: `tests/fixtures/choice_files/villages` (township → village).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tianye_tests::repo;
use tianye_tests::server::{
    Server, client, get, new_instance_id, read_csv, team_token, temp_dir, tianye, upload,
};

fn fixture() -> PathBuf {
    repo().join("tests/fixtures/choice_files/villages")
}

/// A copy of the fixture in `dir` whose `media/villages.csv` holds `csv` (no file when
/// `None`); returns the copied form.json.
fn copy_with(dir: &Path, csv: Option<&str>) -> PathBuf {
    std::fs::create_dir_all(dir.join("media")).unwrap();
    let form = dir.join("form.json");
    std::fs::copy(fixture().join("form.json"), &form).unwrap();
    if let Some(csv) = csv {
        std::fs::write(dir.join("media/villages.csv"), csv).unwrap();
    }
    form
}

#[test]
fn check_reads_the_file_beside_the_questionnaire() {
    let form = fixture().join("form.json");
    let (code, out, err) = tianye(&["check", "--strict", form.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn check_names_each_problem_of_a_file() {
    let tmp = temp_dir("tianye-choice-files");
    // (csv, the code, what the message must name besides the file)
    let table: &[(Option<&str>, &str, &[&str])] = &[
        (None, "choice_file.missing", &[]),
        (Some("label::zh,township\n东村,t01\n"), "choice_file.missing_column", &["name"]),
        (Some("name,township\nv1,t01\n"), "choice_file.missing_column", &["label"]),
        (Some("name,label,township\n"), "schema.empty_choice_list", &["villages"]),
        (Some("name,label\nv1,东村\n,西村\n"), "choice_file.invalid_name", &["第 3 行", "row 3"]),
        (
            Some("name,label,township\nv1,东村,t01\nv2,西村,t01\nv1,东村,t01\n"),
            "choice_file.duplicate_name",
            &["第 4 行", "row 4", "v1"],
        ),
    ];
    for (i, (csv, want, names)) in table.iter().enumerate() {
        let form = copy_with(&tmp.path().join(i.to_string()), *csv);
        let (code, out, err) = tianye(&["check", form.to_str().unwrap()]);
        assert_eq!(code, 1, "{csv:?}: {out}{err}");
        assert!(err.contains(&format!("error[{want}]")), "{csv:?}: {err}");
        assert!(err.contains("villages.csv"), "{csv:?}: {err}");
        for name in *names {
            assert!(err.contains(name), "{csv:?} should name {name}: {err}");
        }
    }
    // A choice_filter column the file lacks: ODK reads it as empty; the author is told.
    let form = copy_with(&tmp.path().join("no-township"), Some("name,label\nv1,东村\n"));
    let (code, _, err) = tianye(&["check", "--strict", form.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("warning[expr.bare_name]") && err.contains("township"), "{err}");
    // A byte that is not UTF-8.
    let form = copy_with(&tmp.path().join("latin1"), Some("name,label\n"));
    std::fs::write(form.with_file_name("media/villages.csv"), b"name,label\nv1,\xe9\n").unwrap();
    let (code, _, err) = tianye(&["check", form.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[choice_file.unreadable]") && err.contains("row 2"), "{err}");
}

#[test]
fn validate_offers_only_the_villages_of_the_township() {
    let tmp = temp_dir("tianye-choice-files-validate");
    let form = fixture().join("form.json");
    let response = |village: &str| {
        json!({
            "instance_id": "5f0c2a4e-8d1b-4c3e-9f6a-1b2c3d4e5f60",
            "questionnaire": {"id": "village_list", "version": "1"},
            "status": "complete",
            "answers": {"township": "t02", "village": village},
            "meta": {"submitted_at": "2026-07-01T10:00:00+08:00"}
        })
    };
    for (village, want) in [("v0202", json!([])), ("v0101", json!([["village", "choice"]]))] {
        let path = tmp.path().join(format!("{village}.json"));
        std::fs::write(&path, response(village).to_string()).unwrap();
        let (_, out, err) =
            tianye(&["validate", "--json", form.to_str().unwrap(), path.to_str().unwrap()]);
        let line: Value =
            serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        let found: Vec<Value> = line["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!([p["path"], p["code"]]))
            .collect();
        assert_eq!(Value::Array(found), want, "{village}: {line}");
    }
}

#[test]
fn serve_inlines_the_list_and_refuses_a_broken_file() {
    let data = temp_dir("tianye-choice-files-serve");
    let forms = temp_dir("tianye-choice-files-forms");
    let dir = forms.path().join("village_list");
    copy_with(&dir, None);
    std::fs::copy(fixture().join("media/villages.csv"), dir.join("media/villages.csv")).unwrap();
    let forms_arg = forms.path().to_str().unwrap();
    let server = Server::start(data.path(), &["--forms", forms_arg]);
    let (status, body) = get(&client(), &server.at("/api/v1/questionnaires/village_list"), None);
    assert_eq!(status, 200);
    let q: Value = serde_json::from_slice(&body).unwrap();
    assert!(q.get("choice_files").is_none(), "the form app's build knows no choice_files");
    let villages = q["choice_lists"]["villages"].as_array().expect("inlined");
    assert_eq!(villages.len(), 4);
    assert_eq!(
        villages[2],
        json!({"name": "v0201", "label": {"zh": "石桥村", "en": "Shiqiao"}, "attributes": {"township": "t02"}})
    );

    // The list names the file with its hash; the file is served with it as ETag.
    let csv = std::fs::read(fixture().join("media/villages.csv")).unwrap();
    let hash = sha256_hex(&csv);
    let http = client();
    let (_, body) = get(&http, &server.at("/api/v1/questionnaires"), None);
    let list: Value = serde_json::from_slice(&body).unwrap();
    let url = format!("/api/v1/questionnaires/village_list/media/villages.csv?sha256={hash}");
    assert_eq!(
        list["questionnaires"][0]["media"],
        json!([{"file": "villages.csv", "sha256": hash, "size": csv.len(), "url": url}])
    );
    let mut res = http.get(server.at(&url)).header("Accept-Encoding", "gzip").call().unwrap();
    let head = |res: &http::Response<ureq::Body>, name: &str| {
        res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    assert_eq!(head(&res, "etag"), Some(format!("\"{hash}\"")));
    assert_eq!(head(&res, "cache-control").as_deref(), Some("public, max-age=31536000, immutable"));
    assert_eq!(head(&res, "content-encoding").as_deref(), Some("gzip"));
    let gz = res.body_mut().read_to_vec().unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
    assert_eq!(plain, csv, "the bytes the questionnaire was checked with");
    // Without the hash: revalidated, and 304 when the client has it.
    let res = http
        .get(server.at("/api/v1/questionnaires/village_list/media/villages.csv"))
        .header("If-None-Match", format!("\"{hash}\""))
        .call()
        .unwrap();
    assert_eq!(res.status().as_u16(), 304);
    assert_eq!(head(&res, "cache-control").as_deref(), Some("no-cache"));
    let (status, _) =
        get(&http, &server.at("/api/v1/questionnaires/village_list/media/other.csv"), None);
    assert_eq!(status, 404);

    // A response picking a village; the export labels it from the file's list.
    let token = team_token(data.path(), "石桥一队");
    let response = json!({
        "instance_id": new_instance_id(),
        "questionnaire": {"id": "village_list", "version": "1"},
        "status": "complete",
        "answers": {"township": "t02", "village": "v0202"},
        "meta": {"submitted_at": "2026-07-01T10:00:00+08:00"}
    });
    let (status, reply) = upload(&http, &server.url, Some(&token), &response.to_string());
    assert_eq!(status, 201, "{reply}");
    let dir_arg = data.path().to_str().unwrap();
    let (code, text, err) = tianye(&[
        "export",
        "--data",
        dir_arg,
        "village_list",
        "--format",
        "csv",
        "--labels",
        "-o",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let table = read_csv(text.as_bytes());
    let col = table[0].iter().position(|h| h == "village").expect("a village column");
    assert_eq!(table[1][col], "柳河村", "{table:?}");
    drop(server);

    std::fs::write(dir.join("media/villages.csv"), "name\nv1\n").unwrap();
    let err = Server::try_start(data.path(), &["--forms", forms_arg]).err().expect("must refuse");
    assert!(err.contains("choice_file.missing_column") && err.contains("villages.csv"), "{err}");
}

#[test]
fn import_and_export_xlsform_carry_the_file_along() {
    let tmp = temp_dir("tianye-choice-files-xlsform");
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("villages.md"),
        "| survey |\n| | type | name | label | choice_filter |\n\
         | | select_one townships | township | 乡镇 | |\n\
         | | select_one_from_file villages.csv | village | 村 | township = ${township} |\n\
         | choices |\n| | list_name | name | label |\n\
         | | townships | t01 | 城关镇 |\n| | townships | t02 | 石桥乡 |\n",
    )
    .unwrap();
    std::fs::copy(fixture().join("media/villages.csv"), src.join("villages.csv")).unwrap();
    let md = src.join("villages.md");
    let (code, out, err) = tianye(&["check", "--strict", md.to_str().unwrap()]);
    assert_eq!(code, 0, "the file beside the .md is read: {out}{err}");

    let json = tmp.path().join("out/form.json");
    std::fs::create_dir_all(json.parent().unwrap()).unwrap();
    let (code, _, err) = tianye(&["import", md.to_str().unwrap(), "-o", json.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let q: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(q["choice_files"], json!({"villages.csv": "villages.csv"}));
    assert!(q["choice_lists"].get("villages.csv").is_none(), "the list stays in its file");
    let copied = std::fs::read(tmp.path().join("out/media/villages.csv")).unwrap();
    assert_eq!(copied, std::fs::read(fixture().join("media/villages.csv")).unwrap());
    let (code, out, err) = tianye(&["check", "--strict", json.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");

    let xlsx = tmp.path().join("back/villages.xlsx");
    std::fs::create_dir_all(xlsx.parent().unwrap()).unwrap();
    let (code, _, err) =
        tianye(&["export-xlsform", json.to_str().unwrap(), "-o", xlsx.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(tmp.path().join("back/villages.csv").is_file(), "the file beside the workbook");
    let (code, out, err) = tianye(&["check", "--strict", xlsx.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn import_converts_a_form_whose_file_is_not_there_yet() {
    // pyxform converts a form whose choice file is uploaded later; so does `tianye
    // import`, with a warning at the question's row. The questionnaire is refused where
    // it must be answered (check, serve) until the file is beside it.
    let tmp = temp_dir("tianye-choice-files-later");
    let md = tmp.path().join("later.md");
    std::fs::write(
        &md,
        "| survey |\n| | type | name | label |\n\
         | | text | head | 户主 |\n\
         | | select_one_from_file villages.csv | village | 村 |\n",
    )
    .unwrap();
    let json = tmp.path().join("out/form.json");
    std::fs::create_dir_all(json.parent().unwrap()).unwrap();
    let (code, _, err) = tianye(&["import", md.to_str().unwrap(), "-o", json.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[choice_file.missing]"), "{err}");
    assert!(err.contains("survey!3") && err.contains("villages.csv"), "names row and file: {err}");
    let q: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(q["choice_files"], json!({"villages.csv": "villages.csv"}));
    let (code, _, err) = tianye(&["import", "--strict", md.to_str().unwrap()]);
    assert_eq!(code, 1, "--strict refuses the warning: {err}");

    let (code, _, err) = tianye(&["check", json.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[choice_file.missing]"), "{err}");
    std::fs::create_dir_all(tmp.path().join("out/media")).unwrap();
    std::fs::copy(fixture().join("media/villages.csv"), tmp.path().join("out/media/villages.csv"))
        .unwrap();
    let (code, out, err) = tianye(&["check", json.to_str().unwrap()]);
    assert_eq!(code, 0, "the file added, the form loads: {out}{err}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().fold(String::new(), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    })
}
