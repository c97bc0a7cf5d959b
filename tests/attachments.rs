//! Attachments (issue 24), against the real `tianye serve` and a real SQLite file: a
//! response first, then its files, ODK Central's way.
//!
//! - A1 the upload answers: 201 new, 200 the same bytes again, 409 other bytes, 422 a
//!   wrong hash or length, 404 a file the answers do not name or another team's
//!   response, 413 a body over 10 MiB refused from its declared length without reading
//!   it; the summary in every answer; files on disk private and byte for byte.
//! - A2 a half-failed upload: the server stopped after the response, restarted on the
//!   same data folder, the files sent then; the response is stored once, the admin
//!   overview counted it as waiting meanwhile, the export zip (HTTP and CLI) holds the
//!   tables and the media byte for byte.
//! - A3 the same response JSON with another photo hash is a conflict (409).
//! - A4 `tianye import-responses` of a backup whose `files` map holds the bytes.
//! - A5 a sealed response's files (`core/ENCRYPTION.md`): taken by the names, hashes
//!   and sizes its envelope lists (201, 200, 422, 404 under the plain name), stored
//!   sealed; the server's zip holds them as uploaded; `tianye export --key` opens them
//!   into `media/`, and keeps sealed, names and fails on one that does not open.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tianye_tests::repo;
use tianye_tests::server::{
    Backend, Data, Server, client, new_instance_id, team_token, temp_dir, tianye, upload,
};

pub(crate) fn forms() -> PathBuf {
    repo().join("tests/fixtures/attachments")
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes).iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// `n` bytes that differ from any other call's with another `seed`.
fn bytes(n: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect()
}

fn answer(file: &str, data: &[u8], media_type: &str) -> Value {
    json!({"file": file, "sha256": hex(data), "size": data.len(), "media_type": media_type})
}

/// A complete response to `visit` with a signature, a photo and one PDF.
fn visit(id: &str, sig: &[u8], photo: &[u8], pdf: &[u8]) -> Value {
    json!({
        "instance_id": id,
        "questionnaire": {"id": "visit", "version": "1"},
        "status": "complete",
        "answers": {
            "child_name": "王芳",
            "consent_sig": answer("sig.png", sig, "image/png"),
            "sheet_photo": answer("sheet.jpg", photo, "image/jpeg"),
            "doc": [{"doc_file": answer("proof.pdf", pdf, "application/pdf")}]
        },
        "meta": {"started_at": "2026-07-01T09:30:00+08:00", "submitted_at": "2026-07-01T09:45:00+08:00"}
    })
}

/// POSTs `body` as file `file` of `id`; (status, JSON answer).
fn send_file(
    agent: &ureq::Agent,
    server: &Server,
    token: &str,
    id: &str,
    file: &str,
    body: &[u8],
) -> (u16, Value) {
    let mut res = agent
        .post(server.at(&format!("/api/v1/submissions/{id}/attachments/{file}")))
        .header("Authorization", format!("Bearer {token}"))
        .content_type("application/octet-stream")
        .send(body)
        .expect("POST attachment");
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().expect("read");
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
}

fn summary(agent: &ureq::Agent, server: &Server, token: &str, id: &str) -> (u16, Value) {
    let mut res = agent
        .get(server.at(&format!("/api/v1/submissions/{id}/attachments")))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("GET summary");
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().expect("read");
    (status, serde_json::from_str(&text).unwrap())
}

use crate::private_files::mode;

fn stored_path(data: &Path, bytes: &[u8]) -> PathBuf {
    let sha = hex(bytes);
    data.join("attachments").join(&sha[..2]).join(sha)
}

fn files_follow_their_response_each_once(backend: Backend) {
    let data = Data::new(backend, "tianye-att-");
    let server = data.serve(&["--forms", forms().to_str().unwrap()]);
    let token = data.team_token("一队");
    let other_team = data.team_token("二队");
    let agent = client();
    let (sig, photo, pdf) = (bytes(20_000, 1), bytes(300_000, 2), bytes(5_000, 3));
    let id = new_instance_id();
    let response = visit(&id, &sig, &photo, &pdf).to_string();

    let (status, body) = upload(&agent, &server.url, Some(&token), &response);
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["attachments"],
        json!({"expected": 3, "received": 0, "missing": ["proof.pdf", "sheet.jpg", "sig.png"]})
    );
    let (status, body) = summary(&agent, &server, &token, &id);
    assert_eq!((status, body["attachments"]["expected"].clone()), (200, json!(3)), "{body}");

    // Bytes that are not the answer's: refused, nothing stored.
    let (status, body) = send_file(&agent, &server, &token, &id, "sheet.jpg", &photo[1..]);
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "attachment.mismatch");
    assert_eq!(body["file"], "sheet.jpg");
    assert_eq!(body["expected_sha256"], json!(hex(&photo)));
    assert!(!stored_path(data.path(), &photo).exists());
    // A file the answers do not name, a path, another team's response, no response.
    for name in ["other.jpg", "..%2Fsig.png"] {
        let (status, body) = send_file(&agent, &server, &token, &id, name, &sig);
        assert_eq!((status, body["code"].as_str()), (404, Some("attachment.not_named")), "{body}");
    }
    let (status, body) = send_file(&agent, &server, &other_team, &id, "sig.png", &sig);
    assert_eq!((status, body["code"].as_str()), (404, Some("submission.not_found")), "{body}");
    let (status, _) = summary(&agent, &server, &other_team, &id);
    assert_eq!(status, 404);
    let nobody = new_instance_id();
    let (status, _) = send_file(&agent, &server, &token, &nobody, "sig.png", &sig);
    assert_eq!(status, 404);

    // The right bytes: 201, then 200 for the same again, 409 for others.
    let (status, body) = send_file(&agent, &server, &token, &id, "sheet.jpg", &photo);
    assert_eq!((status, body["code"].as_str()), (201, Some("attachment.created")), "{body}");
    assert_eq!(
        body["attachments"],
        json!({"expected": 3, "received": 1, "missing": ["proof.pdf", "sig.png"]})
    );
    let (status, body) = send_file(&agent, &server, &token, &id, "sheet.jpg", &photo);
    assert_eq!((status, body["code"].as_str()), (200, Some("attachment.duplicate")), "{body}");
    let (status, body) = send_file(&agent, &server, &token, &id, "sheet.jpg", &pdf);
    assert_eq!((status, body["code"].as_str()), (409, Some("attachment.conflict")), "{body}");

    // On disk by content hash, byte for byte, the owner's alone.
    let on_disk = stored_path(data.path(), &photo);
    assert_eq!(std::fs::read(&on_disk).unwrap(), photo);
    assert_eq!(mode(&on_disk), 0o600);
    assert_eq!(mode(on_disk.parent().unwrap()), 0o700);
    assert_eq!(mode(&data.path().join("attachments")), 0o700);
    let leftovers: Vec<_> = std::fs::read_dir(on_disk.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // The admin overview counts the response as waiting for files.
    let admin = server.admin_token.clone().unwrap();
    let (status, body) =
        tianye_tests::server::get(&agent, &server.at("/api/v1/admin/overview"), Some(&admin));
    assert_eq!(status, 200);
    let overview: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(overview["waiting_for_files"], 1, "{overview}");

    for (name, data) in [("sig.png", &sig), ("proof.pdf", &pdf)] {
        let (status, body) = send_file(&agent, &server, &token, &id, name, data);
        assert_eq!(status, 201, "{body}");
    }
    let (_, body) = summary(&agent, &server, &token, &id);
    assert_eq!(body["attachments"], json!({"expected": 3, "received": 3, "missing": []}));
    let (_, body) =
        tianye_tests::server::get(&agent, &server.at("/api/v1/admin/overview"), Some(&admin));
    let overview: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(overview["waiting_for_files"], 0, "{overview}");
}

/// Sends a request head declaring `declared` bytes of body, then `sent` bytes, and
/// reads the answer: (status line and body, how long it took).
fn raw_post(
    server: &Server,
    token: &str,
    path: &str,
    declared: u64,
    sent: usize,
) -> (String, Duration) {
    let start = Instant::now();
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: image/jpeg\r\nContent-Length: {declared}\r\n\r\n",
        server.addr()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(&vec![0u8; sent]);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (String::from_utf8_lossy(&answer).into_owned(), start.elapsed())
}

#[test]
fn a_file_over_ten_mib_is_refused_unread() {
    let data = temp_dir("tianye-att-");
    let server = Server::start(data.path(), &["--forms", forms().to_str().unwrap()]);
    let token = team_token(data.path(), "一队");
    let agent = client();
    // An answer naming an 11 MiB file is a problem of the response itself.
    let big = 11 * 1024 * 1024;
    let id = new_instance_id();
    let mut response = visit(&id, &bytes(10, 1), &bytes(10, 2), &bytes(10, 3));
    response["answers"]["sheet_photo"]["size"] = json!(big);
    let (status, body) = upload(&agent, &server.url, Some(&token), &response.to_string());
    assert_eq!(status, 422, "{body}");
    let problem = &body["problems"][0];
    assert_eq!(problem["code"], "attachment.too_large", "{body}");
    assert_eq!(problem["path"], "sheet_photo");
    assert_eq!(problem["params"]["max"], 10_485_760);

    // A body declared over the limit: 413 at once, its bytes never waited for.
    let id = new_instance_id();
    let response = visit(&id, &bytes(10, 1), &bytes(10, 2), &bytes(10, 3));
    let (status, _) = upload(&agent, &server.url, Some(&token), &response.to_string());
    assert_eq!(status, 201);
    let path = format!("/api/v1/submissions/{id}/attachments/sheet.jpg");
    let (answer, took) = raw_post(&server, &token, &path, 50 * 1024 * 1024, 1024);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("request.too_large"), "{answer}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let (_, body) = summary(&agent, &server, &token, &id);
    assert_eq!(body["attachments"]["received"], 0);
}

/// The admin export zip of `visit` as (name → bytes).
pub(crate) fn zip_entries(bytes: Vec<u8>) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.insert(entry.name().expect("an entry name").into_owned(), data);
    }
    out
}

pub(crate) fn main_table(
    entries: &std::collections::BTreeMap<String, Vec<u8>>,
) -> Vec<Vec<String>> {
    tianye_tests::server::read_csv(&entries["visit.csv"])
}

/// Each sheet of the XLSX workbook `bytes` as rows of text (trailing empty cells
/// filled in to the header's width, as CSV writes them).
pub(crate) fn xlsx_sheets(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<Vec<String>>> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX");
    let mut out = std::collections::BTreeMap::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("a sheet");
        let mut rows: Vec<Vec<String>> =
            range.rows().map(|r| r.iter().map(ToString::to_string).collect()).collect();
        let width = rows.first().map_or(0, Vec::len);
        for row in &mut rows {
            row.resize(width, String::new());
        }
        out.insert(name, rows);
    }
    out
}

pub(crate) fn column(rows: &[Vec<String>], header: &str) -> usize {
    rows[0].iter().position(|h| h == header).unwrap_or_else(|| panic!("no {header}: {:?}", rows[0]))
}

fn a_half_failed_upload_resumes_after_a_restart_and_exports_once(backend: Backend) {
    let data = Data::new(backend, "tianye-att-");
    let forms = forms();
    let mut server = data.serve(&["--forms", forms.to_str().unwrap()]);
    let admin = server.admin_token.clone().unwrap();
    let token = data.team_token("一队");
    let agent = client();
    let (sig, photo, pdf) = (bytes(40_000, 7), bytes(250_000, 8), bytes(9_000, 9));
    let id = new_instance_id();
    let response = visit(&id, &sig, &photo, &pdf).to_string();
    assert_eq!(upload(&agent, &server.url, Some(&token), &response).0, 201);
    let (status, _) = send_file(&agent, &server, &token, &id, "sig.png", &sig);
    assert_eq!(status, 201);

    // Meanwhile the export marks the response as waiting for two files.
    let (status, zipped) = tianye_tests::server::get(
        &agent,
        &server.at("/api/v1/questionnaires/visit/export.zip"),
        Some(&admin),
    );
    assert_eq!(status, 200);
    let entries = zip_entries(zipped);
    let rows = main_table(&entries);
    assert_eq!(rows[1][column(&rows, "attachments_missing")], "proof.pdf sheet.jpg");
    assert!(entries.contains_key(&format!("media/{id}/sig.png")));
    assert!(!entries.contains_key(&format!("media/{id}/sheet.jpg")));

    // The server goes down; the phone sends everything again once it is back.
    server.kill();
    let server = data.serve(&["--forms", forms.to_str().unwrap()]);
    let (status, body) = upload(&agent, &server.url, Some(&token), &response);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["attachments"]["missing"], json!(["proof.pdf", "sheet.jpg"]));
    for (name, data, want) in
        [("sig.png", &sig, 200), ("sheet.jpg", &photo, 201), ("proof.pdf", &pdf, 201)]
    {
        let (status, body) = send_file(&agent, &server, &token, &id, name, data);
        assert_eq!(status, want, "{name}: {body}");
    }

    let (status, zipped) = tianye_tests::server::get(
        &agent,
        &server.at("/api/v1/questionnaires/visit/export.zip"),
        Some(&admin),
    );
    assert_eq!(status, 200);
    let entries = zip_entries(zipped);
    let rows = main_table(&entries);
    assert_eq!(rows.len(), 2, "one response, once: {rows:?}");
    assert_eq!(rows[1][column(&rows, "attachments_missing")], "");
    assert_eq!(rows[1][column(&rows, "consent_sig")], format!("media/{id}/sig.png"));
    assert_eq!(rows[1][column(&rows, "sheet_photo")], format!("media/{id}/sheet.jpg"));
    let docs = tianye_tests::server::read_csv(&entries["visit-doc.csv"]);
    assert_eq!(docs[1][column(&docs, "doc_file")], format!("media/{id}/proof.pdf"));
    for (name, data) in [("sig.png", &sig), ("sheet.jpg", &photo), ("proof.pdf", &pdf)] {
        assert_eq!(&entries[&format!("media/{id}/{name}")], data, "{name} byte for byte");
    }
    let codebook = tianye_tests::server::read_csv(&entries["visit-codebook.csv"]);
    let kinds: Vec<(&str, &str)> =
        codebook.iter().map(|r| (r[1].as_str(), r[4].as_str())).collect();
    assert!(kinds.contains(&("consent_sig", "signature")), "{kinds:?}");
    assert!(kinds.contains(&("sheet_photo", "image")), "{kinds:?}");
    let readme = String::from_utf8_lossy(&entries["README.txt"]).into_owned();
    assert!(readme.contains("media/"), "{readme}");
    assert!(readme.contains("visit.xlsx"), "{readme}");
    // The workbook holds the same tables; its attachment cells name files in media/.
    let book = xlsx_sheets(&entries["visit.xlsx"]);
    assert_eq!(book["visit"], rows, "the main sheet is the main CSV table");
    assert_eq!(book["doc"], docs, "the repeat's sheet is its CSV table");
    for (sheet, header) in [("visit", "consent_sig"), ("visit", "sheet_photo"), ("doc", "doc_file")]
    {
        let table = &book[sheet];
        let cell = &table[1][column(table, header)];
        assert!(entries.contains_key(cell), "{sheet}.{header} = {cell:?} is not in the zip");
    }

    // The CLI's zip says the same.
    drop(server);
    let out = data.path().join("visit.zip");
    let (code, stdout, stderr) =
        data.tianye(&["export", "visit", "--format", "zip", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(mode(&out), 0o600);
    let entries = zip_entries(std::fs::read(&out).unwrap());
    assert_eq!(entries[&format!("media/{id}/sheet.jpg")], photo);
    assert_eq!(main_table(&entries).len(), 2);
}

#[test]
fn the_same_response_with_another_photo_is_a_conflict() {
    let data = temp_dir("tianye-att-");
    let server = Server::start(data.path(), &["--forms", forms().to_str().unwrap()]);
    let token = team_token(data.path(), "一队");
    let agent = client();
    let id = new_instance_id();
    let (sig, pdf) = (bytes(100, 1), bytes(100, 3));
    let first = visit(&id, &sig, &bytes(100, 2), &pdf).to_string();
    assert_eq!(upload(&agent, &server.url, Some(&token), &first).0, 201);
    let second = visit(&id, &sig, &bytes(100, 4), &pdf).to_string();
    let (status, body) = upload(&agent, &server.url, Some(&token), &second);
    assert_eq!((status, body["code"].as_str()), (409, Some("submission.conflict")), "{body}");
    // The stored response still expects its own photo.
    let (status, _) = send_file(&agent, &server, &token, &id, "sheet.jpg", &bytes(100, 4));
    assert_eq!(status, 422);
    let (status, _) = send_file(&agent, &server, &token, &id, "sheet.jpg", &bytes(100, 2));
    assert_eq!(status, 201);
}

#[test]
fn import_responses_takes_a_backup_with_its_files() {
    use base64::Engine;
    let data = temp_dir("tianye-att-");
    let forms = forms();
    let (sig, photo, pdf) = (bytes(3_000, 11), bytes(60_000, 12), bytes(700, 13));
    let id = new_instance_id();
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    // One file's bytes are damaged in the backup: it is refused and reported missing.
    let mut damaged = pdf.clone();
    damaged[0] ^= 1;
    let backup = json!({
        "exported_at": "2026-07-01T10:00:00+08:00",
        "responses": [visit(&id, &sig, &photo, &pdf)],
        "files": {hex(&sig): b64(&sig), hex(&photo): b64(&photo), hex(&pdf): b64(&damaged)}
    });
    let file = data.path().join("backup.json");
    std::fs::write(&file, backup.to_string()).unwrap();
    let d = data.path().join("data");
    let run = || {
        tianye(&[
            "import-responses",
            file.to_str().unwrap(),
            "--data",
            d.to_str().unwrap(),
            "--team",
            "一队",
            "--forms",
            forms.to_str().unwrap(),
        ])
    };
    let (code, out, err) = run();
    assert_eq!(code, 1, "a file is missing: {out}{err}");
    assert!(out.contains("✓"), "{out}");
    assert!(out.contains("proof.pdf") && out.contains("attachment.mismatch"), "{out}");
    assert!(out.contains("2/3"), "{out}");
    assert_eq!(std::fs::read(stored_path(&d, &photo)).unwrap(), photo);
    assert_eq!(std::fs::read(stored_path(&d, &sig)).unwrap(), sig);
    assert!(!stored_path(&d, &pdf).exists());

    // The backup made again with the right bytes: the response is there, the file joins it.
    let mut fixed = backup.clone();
    fixed["files"][hex(&pdf)] = json!(b64(&pdf));
    std::fs::write(&file, fixed.to_string()).unwrap();
    let (code, out, err) = run();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3/3"), "{out}");
    assert_eq!(std::fs::read(stored_path(&d, &pdf)).unwrap(), pdf);

    // A files map that is not one is refused before anything is stored.
    let mut bad = fixed.clone();
    bad["files"] = json!({"not-a-hash": "AAAA"});
    std::fs::write(&file, bad.to_string()).unwrap();
    let (code, out, err) = run();
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("files.not-a-hash"), "{err}");
}

/// A forms folder in `dir` with `visit` sealed to the test key of
/// `core/tests/fixtures/seal`.
pub(crate) fn sealed_visit(dir: &Path) -> PathBuf {
    let mut form: Value =
        serde_json::from_str(&std::fs::read_to_string(forms().join("visit/form.json")).unwrap())
            .unwrap();
    let pem = std::fs::read_to_string(seal_fixture("test-public.pem")).unwrap();
    let line: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    form["encryption"] = json!({"public_key": line});
    let out = dir.join("sealed-forms");
    std::fs::create_dir_all(out.join("visit")).unwrap();
    std::fs::write(out.join("visit/form.json"), form.to_string()).unwrap();
    out
}

/// A file of the seal test fixtures (a key made for tests only).
pub(crate) fn seal_fixture(name: &str) -> PathBuf {
    repo().join("core/tests/fixtures/seal").join(name)
}

/// Whether `bytes` start as a JPEG or a PNG does.
pub(crate) fn is_picture(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8]) || bytes.starts_with(b"\x89PNG")
}

#[test]
fn a_sealed_response_s_files_are_checked_kept_sealed_and_opened_with_the_key() {
    use tianye_core::seal::{PublicKey, seal_with_files};
    let data = temp_dir("tianye-att-sealed-");
    let forms = sealed_visit(data.path());
    let server = Server::start(data.path(), &["--forms", forms.to_str().unwrap()]);
    let admin = server.admin_token.clone().unwrap();
    let token = team_token(data.path(), "一队");
    let agent = client();
    let key = PublicKey::parse(&std::fs::read_to_string(seal_fixture("test-public.pem")).unwrap())
        .unwrap();
    let mut photo = bytes(80_000, 21);
    photo[..2].copy_from_slice(&[0xFF, 0xD8]);
    let (sig, pdf) = (bytes(9_000, 22), bytes(2_000, 23));
    let id = new_instance_id();
    let response: tianye_core::Response =
        serde_json::from_value(visit(&id, &sig, &photo, &pdf)).unwrap();
    let files = [("sig.png", sig.as_slice()), ("sheet.jpg", &photo), ("proof.pdf", &pdf)];
    let (mut envelope, sealed) =
        seal_with_files(&response, &key, &files, &mut rsa::rand_core::OsRng);
    // The PDF's listing and bytes are another response's: the server cannot tell, the
    // key can.
    let other: tianye_core::Response =
        serde_json::from_value(visit(&new_instance_id(), &sig, &photo, &pdf)).unwrap();
    let (other_envelope, other_sealed) =
        seal_with_files(&other, &key, &files, &mut rsa::rand_core::OsRng);
    envelope.files[2] = other_envelope.files[2].clone();
    let sealed_of = |name: &str| -> Vec<u8> {
        let from = if name == "proof.pdf.sealed" { &other_sealed } else { &sealed };
        from.iter().find(|(n, _)| n == name).unwrap().1.clone()
    };

    // A list of sealed files that is not one is refused whole, saying where.
    for (field, value) in [("file", json!("sig.png")), ("size", json!(28)), ("sha256", json!("x"))]
    {
        let mut bad = serde_json::to_value(&envelope).unwrap();
        bad["files"][0][field] = value;
        let (status, body) = upload(&agent, &server.url, Some(&token), &bad.to_string());
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("submission.seal_broken")),
            "{body}"
        );
        assert!(body["detail"].as_str().unwrap().contains("sig.png"), "{body}");
    }
    let (status, body) =
        upload(&agent, &server.url, Some(&token), &serde_json::to_string(&envelope).unwrap());
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["attachments"]["missing"],
        json!(["proof.pdf.sealed", "sheet.jpg.sealed", "sig.png.sealed"]),
        "{body}"
    );
    for (name, body, want) in [
        ("sig.png", sig.clone(), 404),
        ("sig.png.sealed", sig.clone(), 422),
        ("sig.png.sealed", sealed_of("sig.png.sealed"), 201),
        ("sig.png.sealed", sealed_of("sig.png.sealed"), 200),
        ("sheet.jpg.sealed", sealed_of("sig.png.sealed"), 422),
        ("sheet.jpg.sealed", sealed_of("sheet.jpg.sealed"), 201),
        ("proof.pdf.sealed", sealed_of("proof.pdf.sealed"), 201),
    ] {
        let (status, answer) = send_file(&agent, &server, &token, &id, name, &body);
        assert_eq!(status, want, "{name}: {answer}");
    }
    let (_, body) = summary(&agent, &server, &token, &id);
    assert_eq!(body["attachments"]["received"], 3, "{body}");
    for name in ["sig.png.sealed", "sheet.jpg.sealed", "proof.pdf.sealed"] {
        let on_disk = std::fs::read(stored_path(data.path(), &sealed_of(name))).unwrap();
        assert!(!is_picture(&on_disk), "{name} on the server is a picture");
        assert_eq!(mode(&stored_path(data.path(), &sealed_of(name))), 0o600);
    }

    // The server's zip: the envelope and the sealed files as they came.
    let (status, zipped) = tianye_tests::server::get(
        &agent,
        &server.at("/api/v1/questionnaires/visit/export.zip"),
        Some(&admin),
    );
    assert_eq!(status, 200);
    let entries = zip_entries(zipped);
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    let media = |f: &str| format!("media/{id}/{f}");
    let mut want = vec![
        "README.txt".to_owned(),
        media("proof.pdf.sealed"),
        media("sheet.jpg.sealed"),
        media("sig.png.sealed"),
        "visit-sealed.jsonl".to_owned(),
    ];
    want.sort();
    assert_eq!(names, want);
    assert_eq!(entries[&media("sheet.jpg.sealed")], sealed_of("sheet.jpg.sealed"));
    drop(server);

    // With the key: opened, checked against the answers, under their plain names; the
    // one that does not open kept sealed, named, exit 1.
    let out = data.path().join("visit.zip");
    let private = seal_fixture("test-private.pem");
    let (code, stdout, stderr) = tianye(&[
        "export",
        "visit",
        "--data",
        data.path().to_str().unwrap(),
        "--format",
        "zip",
        "--key",
        private.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("proof.pdf.sealed") && stderr.contains("加密附件打不开"), "{stderr}");
    assert_eq!(stderr.matches("proof.pdf.sealed").count(), 1, "named once: {stderr}");
    let entries = zip_entries(std::fs::read(&out).unwrap());
    assert_eq!(entries[&media("sig.png")], sig);
    assert_eq!(entries[&media("sheet.jpg")], photo);
    assert_eq!(entries[&media("proof.pdf.sealed")], sealed_of("proof.pdf.sealed"));
    assert!(!entries.contains_key(&media("proof.pdf")));
    let rows = main_table(&entries);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][column(&rows, "child_name")], "王芳");
    assert_eq!(rows[1][column(&rows, "sheet_photo")], media("sheet.jpg"));
    assert_eq!(rows[1][column(&rows, "attachments_missing")], "");
    let book = xlsx_sheets(&entries["visit.xlsx"]);
    assert_eq!(book["visit"], rows);
    let readme = String::from_utf8_lossy(&entries["README.txt"]).into_owned();
    assert!(readme.contains(&media("proof.pdf.sealed")), "{readme}");
}

tianye_tests::on_both_backends!(
    files_follow_their_response_each_once,
    a_half_failed_upload_resumes_after_a_restart_and_exports_once,
);
