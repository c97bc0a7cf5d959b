//! Sealed records from the command line (issue 21; the format: `core/ENCRYPTION.md`):
//! `tianye keygen` writes a key pair only its owner can read, never over an old one, its
//! private key encrypted with the passphrase; `tianye seal` turns each complete, valid
//! response into one envelope line that opens with the private key to exactly that
//! response, refuses drafts and responses with problems, and keeps no answer in the
//! clear.

use std::process::Command;

use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde_json::Value;
use tianye_core::Response;
use tianye_core::seal::{Envelope, PublicKey, open};
use tianye_tests::server::{temp_dir, tianye};
use tianye_tests::{repo, tianye_bin};

/// Attachment question types. `tianye seal` seals no files (the form app seals them with
/// the response), so the sealed copies of the record card these tests seal to leave them
/// out, and the cases sealed to it their answers to them.
const FILE_TYPES: [&str; 5] = ["image", "signature", "draw", "file", "audio"];

fn without_file_items(items: &mut Value) {
    if let Some(list) = items.as_array_mut() {
        list.retain(|i| !FILE_TYPES.contains(&i["type"].as_str().unwrap_or_default()));
        for item in list {
            if let Some(children) = item.get_mut("items") {
                without_file_items(children);
            }
        }
    }
}

/// Whether stored answer `got` is the answer `want` given: equal (numbers as numbers, so
/// `131.0` is `131`), except that a repeat's rows may hold more (the values calculated in
/// each row, such as the record card's BMI).
fn holds(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(g, w)| holds(g, w))
        }
        (Value::Object(g), Value::Object(w)) if !w.contains_key("sha256") => {
            w.iter().all(|(k, w)| g.get(k).is_some_and(|g| holds(g, w)))
        }
        (Value::Number(g), Value::Number(w)) => g.as_f64() == w.as_f64(),
        _ => got == want,
    }
}

/// The record card sealed to the key whose one line is `line`, without its attachment
/// questions.
fn sealed_card_json(line: &str) -> Value {
    let card = repo().join("questionnaires/lbc_record_card/form.json");
    let mut q: Value = serde_json::from_str(&std::fs::read_to_string(&card).unwrap()).unwrap();
    q["encryption"] = serde_json::json!({"public_key": line});
    without_file_items(&mut q["items"]);
    q
}

/// A case without its answers to attachment questions (objects naming a `sha256`), nor
/// the problems expected of them (the sealed card does not ask them).
fn without_file_answers(case: &mut Value) {
    let card = repo().join("questionnaires/lbc_record_card/form.json");
    let card: Value = serde_json::from_str(&std::fs::read_to_string(card).unwrap()).unwrap();
    let mut names = Vec::new();
    file_item_names(&card["items"], &mut names);
    if let Some(answers) = case["response"]["answers"].as_object_mut() {
        answers.retain(|name, _| !names.contains(name));
    }
    if let Some(problems) = case["expected"]["problems"].as_array_mut() {
        problems.retain(|p| !names.iter().any(|n| p["path"] == n.as_str()));
    }
}

/// The names of the attachment questions among `items`, at any depth.
fn file_item_names(items: &Value, out: &mut Vec<String>) {
    for item in items.as_array().into_iter().flatten() {
        if FILE_TYPES.contains(&item["type"].as_str().unwrap_or_default()) {
            out.push(item["name"].as_str().unwrap_or_default().to_owned());
        }
        file_item_names(&item["items"], out);
    }
}

/// The case file `path` without its attachment answers, written into `dir/cases`: what
/// is sealed to the sealed card.
fn sealable_case(dir: &std::path::Path, path: &std::path::Path) -> std::path::PathBuf {
    let mut case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    without_file_answers(&mut case);
    let out = dir.join("cases").join(path.file_name().unwrap());
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, case.to_string()).unwrap();
    out
}

#[test]
fn keygen_writes_a_private_key_its_owner_alone_reads_and_never_overwrites_it() {
    let dir = temp_dir("tianye-keygen");
    let keys = dir.path().join("keys");
    let secret = dir.path().join("passphrase");
    std::fs::write(&secret, "田野 survey 2026\n").unwrap();
    let (code, out, err) = tianye(&[
        "keygen",
        "-o",
        keys.to_str().unwrap(),
        "--passphrase-file",
        secret.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let pem = std::fs::read_to_string(keys.join("private.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{pem}");
    let private = RsaPrivateKey::from_pkcs8_encrypted_pem(&pem, "田野 survey 2026").unwrap();
    assert!(RsaPrivateKey::from_pkcs8_encrypted_pem(&pem, "another passphrase").is_err());
    // The one line printed is the questionnaire's public_key, the same key as public.pem.
    let line = out.lines().last().unwrap();
    let public = PublicKey::parse(line).unwrap();
    assert_eq!(
        PublicKey::parse(&std::fs::read_to_string(keys.join("public.pem")).unwrap()).unwrap(),
        public
    );
    assert_eq!(std::fs::read_to_string(keys.join("public-key.txt")).unwrap().trim(), line);
    assert_eq!(PublicKey::from_rsa(private.to_public_key()).unwrap(), public);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&keys.join("private.pem")), 0o600);
        assert_eq!(mode(&keys), 0o700);
    }

    // Asked again: refused, the key kept.
    let (code, _, err) = tianye(&["keygen", "-o", keys.to_str().unwrap(), "--no-passphrase"]);
    assert_eq!(code, 2);
    assert!(err.contains("不会覆盖") && err.contains("not overwritten"), "{err}");
    assert_eq!(std::fs::read_to_string(keys.join("private.pem")).unwrap(), pem);

    // A short passphrase, and none to be had from a terminal: clear errors, no key.
    std::fs::write(&secret, "short\n").unwrap();
    let other = dir.path().join("other");
    let (code, _, err) = tianye(&[
        "keygen",
        "-o",
        other.to_str().unwrap(),
        "--passphrase-file",
        secret.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("至少") && err.contains("at least"), "{err}");
    let out = Command::new("setsid")
        .arg(tianye_bin())
        .args(["keygen", "-o", other.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("setsid");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--passphrase-file"), "{err}");
    assert!(!other.join("private.pem").exists());
}

#[test]
fn seal_prints_one_envelope_per_complete_valid_response_that_opens_to_it() {
    let dir = temp_dir("tianye-seal");
    let keys = dir.path().join("keys");
    let (code, _, err) = tianye(&["keygen", "-o", keys.to_str().unwrap(), "--no-passphrase"]);
    assert_eq!(code, 0, "{err}");
    let private =
        RsaPrivateKey::from_pkcs8_pem(&std::fs::read_to_string(keys.join("private.pem")).unwrap())
            .unwrap();
    let card = repo().join("questionnaires/lbc_record_card/form.json");
    let bundled_cases: Vec<_> = {
        let mut c: Vec<_> = std::fs::read_dir(card.parent().unwrap().join("cases"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        c.sort();
        c
    };
    // `tianye seal` seals no files: the card and its cases without their attachments.
    let line = std::fs::read_to_string(keys.join("public-key.txt")).unwrap();
    let form = dir.path().join("card.json");
    std::fs::write(&form, sealed_card_json(line.trim()).to_string()).unwrap();
    let cases: Vec<_> = bundled_cases.iter().map(|c| sealable_case(dir.path(), c)).collect();
    let public = keys.join("public.pem");
    let mut args = vec!["seal", "--key", public.to_str().unwrap(), form.to_str().unwrap()];
    args.extend(cases.iter().map(|c| c.to_str().unwrap()));
    let (code, out, err) = tianye(&args);

    // The valid complete cases are sealed, in order; the others are named and refused.
    let mut want = Vec::new();
    for case in &cases {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(case).unwrap()).unwrap();
        let valid = case["expected"]["problems"].as_array().is_some_and(Vec::is_empty);
        if valid && case["response"]["status"] == "complete" {
            want.push(serde_json::from_value::<Response>(case["response"].clone()).unwrap());
        }
    }
    assert!(want.len() >= 2 && want.len() < cases.len(), "{} of {}", want.len(), cases.len());
    assert_eq!(code, 1, "some refused: {err}");
    assert!(err.contains("未封存") && err.contains("not sealed"), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), want.len(), "{out}");
    for (line, response) in lines.iter().zip(&want) {
        let envelope = Envelope::from_json(line).unwrap();
        assert_eq!(&open(&envelope, &private).unwrap(), response);
        // No answer text in the clear: no name, place or note (short codes such as
        // `g4` may turn up in base64 by chance).
        for value in response.answers.values().filter_map(Value::as_str) {
            if !value.is_ascii() {
                assert!(!line.contains(value), "{value} in the clear");
            }
        }
    }

    // A response that names files is refused, naming them: their sealed copies are the
    // form app's to make, with the same key.
    let with_files = bundled_cases
        .iter()
        .find(|c| std::fs::read_to_string(c).unwrap().contains("\"sha256\""))
        .expect("a bundled case with a file");
    let text = std::fs::read_to_string(with_files).unwrap();
    let case: Value = serde_json::from_str(&text).unwrap();
    let (code, out, err) = tianye(&[
        "seal",
        "--key",
        public.to_str().unwrap(),
        card.to_str().unwrap(),
        with_files.to_str().unwrap(),
    ]);
    if case["response"]["status"] == "complete"
        && case["expected"]["problems"].as_array().is_some_and(Vec::is_empty)
    {
        assert_eq!((code, out.as_str()), (1, ""), "{err}");
        assert!(err.contains("tianye seal does not seal files"), "{err}");
    }

    // A questionnaire names the key by its one line; tianye check reads it, and refuses
    // one that is no key, naming where.
    let mut q = sealed_card_json(line.trim());
    let sealed_form = dir.path().join("sealed.json");
    std::fs::write(&sealed_form, q.to_string()).unwrap();
    let (code, out, err) = tianye(&["check", "--strict", sealed_form.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    q["encryption"]["public_key"] = Value::from(&line.trim()[..200]);
    std::fs::write(&sealed_form, q.to_string()).unwrap();
    let (code, _, err) = tianye(&["check", sealed_form.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("schema.encryption_key") && err.contains("encryption.public_key"),
        "{err}"
    );

    // A key that is no key: a clear error naming the file.
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "hello").unwrap();
    let (code, _, err) = tianye(&[
        "seal",
        "--key",
        bad.to_str().unwrap(),
        form.to_str().unwrap(),
        cases[0].to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.pem") && err.contains("not a usable public key"), "{err}");
}

/// `tianye keygen` into `dir/NAME`; its private key and the public key's one line.
fn keys_in(dir: &std::path::Path, name: &str) -> (RsaPrivateKey, String) {
    let keys = dir.join(name);
    let (code, _, err) = tianye(&["keygen", "-o", keys.to_str().unwrap(), "--no-passphrase"]);
    assert_eq!(code, 0, "{err}");
    let private =
        RsaPrivateKey::from_pkcs8_pem(&std::fs::read_to_string(keys.join("private.pem")).unwrap())
            .unwrap();
    let line = std::fs::read_to_string(keys.join("public-key.txt")).unwrap().trim().to_owned();
    (private, line)
}

/// `tianye seal` of one case file with the key at `keys/public.pem`: its envelope line.
fn sealed_line(keys: &std::path::Path, form: &std::path::Path, case: &std::path::Path) -> String {
    let public = keys.join("public.pem");
    let (code, out, err) = tianye(&[
        "seal",
        "--key",
        public.to_str().unwrap(),
        form.to_str().unwrap(),
        case.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

#[test]
fn the_server_keeps_envelopes_of_a_sealed_questionnaire_and_no_plain_text() {
    use tianye_tests::server::{Server, client, get, team_token, upload};
    let dir = temp_dir("tianye-sealed-server");
    let (_, line) = keys_in(dir.path(), "keys");
    keys_in(dir.path(), "other");
    // The record card, sealed to the researcher's key; the household, not.
    let forms = dir.path().join("forms");
    let q = sealed_card_json(&line);
    std::fs::create_dir_all(forms.join("lbc_record_card")).unwrap();
    let sealed_form = forms.join("lbc_record_card/form.json");
    std::fs::write(&sealed_form, q.to_string()).unwrap();
    std::fs::create_dir_all(forms.join("lbc_household")).unwrap();
    let household = repo().join("questionnaires/lbc_household/form.json");
    std::fs::copy(&household, forms.join("lbc_household/form.json")).unwrap();

    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let server = Server::start(&data, &["--forms", forms.to_str().unwrap()]);
    let token = team_token(&data, "龙回一队");
    let http = client();
    let case = sealable_case(
        dir.path(),
        &repo().join("questionnaires/lbc_record_card/cases/01-valid-both-parents-away.json"),
    );
    let plain: Value = serde_json::from_str(&std::fs::read_to_string(&case).unwrap()).unwrap();
    let name = plain["response"]["answers"]["child_name"].as_str().unwrap().to_owned();

    // Stored once; the same envelope again is a duplicate; another sealing of the same
    // response (a new key and IV) is other content under the same id.
    let envelope = sealed_line(&dir.path().join("keys"), &sealed_form, &case);
    let (status, reply) = upload(&http, &server.url, Some(&token), &envelope);
    assert_eq!(status, 201, "{reply}");
    assert_eq!(upload(&http, &server.url, Some(&token), &envelope).0, 200);
    let again = sealed_line(&dir.path().join("keys"), &sealed_form, &case);
    assert_eq!(upload(&http, &server.url, Some(&token), &again).0, 409);

    // The plain response is refused, whatever it says.
    let (status, reply) = upload(&http, &server.url, Some(&token), &plain["response"].to_string());
    assert_eq!(
        (status, reply["code"].as_str()),
        (422, Some("submission.must_be_sealed")),
        "{reply}"
    );

    // Sealed to another key, or for a questionnaire that seals nothing: refused.
    let other = sealed_line(&dir.path().join("other"), &sealed_form, &case);
    let (status, reply) = upload(&http, &server.url, Some(&token), &other);
    assert_eq!(
        (status, reply["code"].as_str()),
        (422, Some("submission.sealed_wrongly")),
        "{reply}"
    );
    let household_case =
        repo().join("questionnaires/lbc_household/cases/01-valid-both-parents-away.json");
    let to_household = sealed_line(&dir.path().join("keys"), &household, &household_case);
    let (status, reply) = upload(&http, &server.url, Some(&token), &to_household);
    assert_eq!(
        (status, reply["code"].as_str()),
        (422, Some("submission.sealed_wrongly")),
        "{reply}"
    );

    // A ciphertext altered, or an envelope missing a field: refused as broken.
    let mut altered: Value = serde_json::from_str(&again).unwrap();
    let text = altered["ciphertext"].as_str().unwrap().to_owned();
    let flipped =
        if text.starts_with('A') { text.replacen('A', "B", 1) } else { format!("A{}", &text[1..]) };
    altered["ciphertext"] = Value::from(flipped);
    altered["instance_id"] = Value::from("0b6c9f2e-4d1a-4e8b-9c3f-7a5d2e1b8c41");
    let (status, reply) = upload(&http, &server.url, Some(&token), &altered.to_string());
    assert_eq!((status, reply["code"].as_str()), (400, Some("submission.seal_broken")), "{reply}");
    let mut cut: Value = serde_json::from_str(&again).unwrap();
    cut.as_object_mut().unwrap().remove("wrapped_key");
    let (status, reply) = upload(&http, &server.url, Some(&token), &cut.to_string());
    assert_eq!((status, reply["code"].as_str()), (400, Some("submission.seal_broken")), "{reply}");

    // Counted in the overview.
    let admin = server.admin_token.clone().unwrap();
    let (status, body) = get(&http, &format!("{}/api/v1/admin/overview", server.url), Some(&admin));
    assert_eq!(status, 200);
    let overview = String::from_utf8_lossy(&body).into_owned();
    assert!(overview.contains("lbc_record_card"), "{overview}");

    // The child's name is nowhere in the server's files: the database, its WAL, its
    // journal.
    drop(server);
    let mut files = 0;
    for entry in std::fs::read_dir(&data).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        files += 1;
        assert!(
            !bytes.windows(name.len()).any(|w| w == name.as_bytes()),
            "{name} in {}",
            entry.path().display()
        );
    }
    assert!(files >= 1);
}

/// The record card sealed to the key whose one line is `line`, beside the unsealed
/// household, in `dir/forms`: the forms folder and the sealed questionnaire's file.
fn sealed_forms(dir: &std::path::Path, line: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let forms = dir.join("forms");
    let q = sealed_card_json(line);
    std::fs::create_dir_all(forms.join("lbc_record_card")).unwrap();
    let sealed_form = forms.join("lbc_record_card/form.json");
    std::fs::write(&sealed_form, q.to_string()).unwrap();
    std::fs::create_dir_all(forms.join("lbc_household")).unwrap();
    let household = repo().join("questionnaires/lbc_household/form.json");
    std::fs::copy(&household, forms.join("lbc_household/form.json")).unwrap();
    (forms, sealed_form)
}

/// The record card's cases as the sealed card takes them (without attachment answers,
/// copied into `dir`): (file, case) of every one, sorted.
fn card_cases(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Value)> {
    let bundled = repo().join("questionnaires/lbc_record_card/cases");
    let mut cases: Vec<_> =
        std::fs::read_dir(bundled).unwrap().flatten().map(|e| e.path()).collect();
    cases.sort();
    cases
        .into_iter()
        .map(|p| {
            let p = sealable_case(dir, &p);
            let case: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p, case)
        })
        .collect()
}

#[test]
fn export_with_the_key_opens_each_sealed_record_and_names_each_that_does_not() {
    use rsa::rand_core::OsRng;
    use tianye_core::seal::seal;
    use tianye_tests::server::{Server, client, get, read_csv, team_token, upload};
    let dir = temp_dir("tianye-sealed-export");
    // The researcher's key, with a passphrase given by file (as a script gives it).
    let keys = dir.path().join("keys");
    let secret = dir.path().join("passphrase");
    std::fs::write(&secret, "田野 survey 2026\n").unwrap();
    let (code, _, err) = tianye(&[
        "keygen",
        "-o",
        keys.to_str().unwrap(),
        "--passphrase-file",
        secret.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let private_pem = keys.join("private.pem");
    let private = RsaPrivateKey::from_pkcs8_encrypted_pem(
        &std::fs::read_to_string(&private_pem).unwrap(),
        "田野 survey 2026",
    )
    .unwrap();
    let line = std::fs::read_to_string(keys.join("public-key.txt")).unwrap().trim().to_owned();
    let public = PublicKey::parse(&line).unwrap();
    keys_in(dir.path(), "other");
    let (forms, sealed_form) = sealed_forms(dir.path(), &line);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let server = Server::start(&data, &["--forms", forms.to_str().unwrap()]);
    let token = team_token(&data, "龙回一队");
    let http = client();

    // Every valid complete case, sealed by `tianye seal` and uploaded.
    let cases = card_cases(dir.path());
    let valid: Vec<&Value> = cases
        .iter()
        .map(|(_, c)| c)
        .filter(|c| {
            c["expected"]["problems"].as_array().is_some_and(Vec::is_empty)
                && c["response"]["status"] == "complete"
        })
        .collect();
    let public_pem = keys.join("public.pem");
    let mut args =
        vec!["seal", "--key", public_pem.to_str().unwrap(), sealed_form.to_str().unwrap()];
    let files: Vec<String> = cases.iter().map(|(p, _)| p.to_str().unwrap().to_owned()).collect();
    args.extend(files.iter().map(String::as_str));
    let (_, out, _) = tianye(&args);
    let envelopes: Vec<&str> = out.lines().collect();
    assert_eq!(envelopes.len(), valid.len());
    for envelope in &envelopes {
        assert_eq!(upload(&http, &server.url, Some(&token), envelope).0, 201);
    }

    // A complete response with problems, sealed elsewhere (the server cannot check it):
    // stored, opened, its problems listed.
    let (_, flawed) = cases
        .iter()
        .find(|(_, c)| {
            c["response"]["status"] == "complete"
                && c["expected"]["problems"].as_array().is_some_and(|p| !p.is_empty())
        })
        .unwrap();
    let flawed: Response = serde_json::from_value(flawed["response"].clone()).unwrap();
    let flawed_line = serde_json::to_string(&seal(&flawed, &public, &mut OsRng)).unwrap();
    assert_eq!(upload(&http, &server.url, Some(&token), &flawed_line).0, 201);

    // Two envelopes damaged in ways the server cannot see without the key: a clear
    // instance id changed, a wrapped key taken from another record.
    let mut moved: Value = serde_json::from_str(envelopes[0]).unwrap();
    let moved_id = tianye_tests::server::new_instance_id();
    moved["instance_id"] = Value::from(moved_id.as_str());
    assert_eq!(upload(&http, &server.url, Some(&token), &moved.to_string()).0, 201);
    let mut swapped = seal(
        &Response { instance_id: tianye_tests::server::new_instance_id(), ..flawed.clone() },
        &public,
        &mut OsRng,
    );
    let swapped_id = swapped.instance_id.clone();
    swapped.wrapped_key = Envelope::from_json(envelopes[1]).unwrap().wrapped_key;
    let swapped_line = serde_json::to_string(&swapped).unwrap();
    assert_eq!(upload(&http, &server.url, Some(&token), &swapped_line).0, 201);
    let stored = envelopes.len() + 3;

    // The server's own export: tables refused, envelopes only (the zip holds them and a
    // README saying how to open them).
    let admin = server.admin_token.clone().unwrap();
    let url = |file: &str| format!("{}/api/v1/questionnaires/lbc_record_card/{file}", server.url);
    let (status, zipped) = get(&http, &url("export.zip"), Some(&admin));
    assert_eq!(status, 200);
    let entries = crate::attachments::zip_entries(zipped);
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    assert_eq!(names, ["README.txt", "lbc_record_card-sealed.jsonl"]);
    let lines = String::from_utf8(entries["lbc_record_card-sealed.jsonl"].clone()).unwrap();
    assert_eq!(lines.lines().count(), stored);
    assert!(lines.lines().all(|l| Envelope::from_json(l).is_ok()), "{lines}");
    assert!(String::from_utf8_lossy(&entries["README.txt"]).contains("--key"));
    for file in ["export.csv", "export.xlsx", "export-spss.zip", "export-stata.zip"] {
        let (status, body) = get(&http, &url(file), Some(&admin));
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!((status, body["code"].as_str()), (409, Some("export.sealed")), "{body}");
        assert!(body["message"].as_str().unwrap().contains("--key"), "{body}");
    }
    let (status, body) = get(&http, &url("export.jsonl"), Some(&admin));
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    assert_eq!(text.lines().count(), stored);
    assert!(text.lines().all(|l| Envelope::from_json(l).is_ok()), "{text}");
    // The overview counts them as sealed, and marks the questionnaire.
    let (_, body) = get(&http, &format!("{}/api/v1/admin/overview", server.url), Some(&admin));
    let overview: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(overview["sealed"], stored, "{overview}");
    let card = overview["questionnaires"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "lbc_record_card");
    assert_eq!(card.unwrap()["sealed"], true, "{overview}");
    drop(server);

    let data_arg = data.to_str().unwrap();
    let export = |extra: &[&str]| {
        let mut args = vec!["export", "--data", data_arg, "lbc_record_card"];
        args.extend_from_slice(extra);
        tianye(&args)
    };
    // Without the key: tables refused, telling what to do; JSON Lines gives the
    // envelopes, one a line, with a note, and no child's name.
    let (code, _, err) = export(&["--format", "csv", "-o", "-"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("已加密") && err.contains("--key") && err.contains("jsonl"), "{err}");
    // SPSS and Stata are refused too, naming the way that works (CSV with the key).
    for tool in ["spss", "stata"] {
        let out =
            std::env::temp_dir().join(format!("tianye-sealed-{tool}-{}.zip", std::process::id()));
        let (code, _, err) = export(&["--format", tool, "-o", out.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("已加密") && err.contains("SPSS") && err.contains("--key"), "{err}");
        assert!(!out.exists(), "{tool}: nothing written");
    }
    let (code, out, err) = export(&["--format", "jsonl", "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("加密信封") && err.contains("envelope"), "{err}");
    assert_eq!(out.lines().count(), stored);
    for l in out.lines() {
        assert_eq!(
            open(&Envelope::from_json(l).unwrap(), &private).is_ok(),
            !l.contains(&moved_id) && !l.contains(&swapped_id)
        );
    }
    for case in &valid {
        let name = case["response"]["answers"]["child_name"].as_str().unwrap();
        assert!(!out.contains(name), "{name} in the clear");
    }

    // With the key: every sealed record opened, validated, written; the two damaged
    // ones named with their reasons (Chinese first), left out; exit code 1.
    let key_args =
        ["--key", private_pem.to_str().unwrap(), "--passphrase-file", secret.to_str().unwrap()];
    let out_jsonl = dir.path().join("card.jsonl");
    let mut args = vec!["--format", "jsonl", "-o", out_jsonl.to_str().unwrap()];
    args.extend_from_slice(&key_args);
    let (code, _, err) = export(&args);
    assert_eq!(code, 1, "{err}");
    let named = |id: &str| {
        err.lines().find(|l| l.contains(id)).unwrap_or_else(|| panic!("{id} not named: {err}"))
    };
    assert!(
        named(&moved_id).contains("明文字段") && named(&moved_id).contains("clear fields"),
        "{err}"
    );
    assert!(
        named(&swapped_id).contains("包裹的密钥") && named(&swapped_id).contains("wrapped key"),
        "{err}"
    );
    assert!(err.contains(&flawed.instance_id) && err.contains("个问题"), "{err}");
    assert!(
        err.contains("2 份加密答卷无法打开")
            && err.contains("2 sealed response(s) could not be opened"),
        "{err}"
    );
    let written = std::fs::read_to_string(&out_jsonl).unwrap();
    let lines: Vec<Value> = written.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), valid.len() + 1);
    for (line, case) in lines.iter().zip(&valid) {
        let response = &case["response"];
        assert_eq!(line["instance_id"], response["instance_id"]);
        assert_eq!(line["meta"], response["meta"]);
        assert_eq!(line["team"], "龙回一队");
        let cleared = case["expected"]["cleared"].as_array().cloned().unwrap_or_default();
        for (name, value) in response["answers"].as_object().unwrap() {
            if cleared.iter().any(|c| c == name) {
                assert_eq!(line["answers"].get(name), None, "{name} cleared");
                continue;
            }
            assert!(
                holds(&line["answers"][name], value),
                "{name} of {}: {} for {value}",
                response["instance_id"],
                line["answers"][name]
            );
        }
    }

    // The tables too: one row per opened record, the names typed.
    let out_csv = dir.path().join("card.csv");
    let mut args = vec!["--format", "csv", "-o", out_csv.to_str().unwrap()];
    args.extend_from_slice(&key_args);
    let (code, _, err) = export(&args);
    assert_eq!(code, 1, "{err}");
    let rows = read_csv(&std::fs::read(&out_csv).unwrap());
    assert_eq!(rows.len(), 1 + valid.len() + 1);
    let column = rows[0].iter().position(|h| h == "child_name").unwrap();
    for (row, case) in rows[1..].iter().zip(&valid) {
        assert_eq!(row[column], case["response"]["answers"]["child_name"].as_str().unwrap());
    }

    // Another researcher's key opens nothing, and says so for each record.
    let other = dir.path().join("other/private.pem");
    let (code, out, err) =
        export(&["--format", "jsonl", "-o", "-", "--key", other.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.matches("另一把公钥").count(), stored, "{err}");
    // A wrong passphrase, or a file that is no key: a clear error, nothing written.
    std::fs::write(&secret, "not the passphrase\n").unwrap();
    let (code, _, err) = export(&[
        "--format",
        "jsonl",
        "-o",
        "-",
        "--key",
        private_pem.to_str().unwrap(),
        "--passphrase-file",
        secret.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("口令错误") && err.contains("wrong passphrase"), "{err}");
    let (code, _, err) =
        export(&["--format", "jsonl", "-o", "-", "--key", secret.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not an RSA private key"), "{err}");
}

#[test]
fn a_backup_of_envelopes_is_imported_sealed_and_opens_with_the_key() {
    let dir = temp_dir("tianye-sealed-backup");
    let (_, line) = keys_in(dir.path(), "keys");
    let (forms, sealed_form) = sealed_forms(dir.path(), &line);
    let keys = dir.path().join("keys");
    // The app's backup of an encrypted questionnaire: one envelope per complete response.
    let valid: Vec<Value> = card_cases(dir.path())
        .into_iter()
        .filter(|(_, case)| {
            case["expected"]["problems"].as_array().is_some_and(Vec::is_empty)
                && case["response"]["status"] == "complete"
        })
        .map(|(path, case)| {
            let envelope: Value =
                serde_json::from_str(&sealed_line(&keys, &sealed_form, &path)).unwrap();
            (envelope, case)
        })
        .map(|(envelope, case)| serde_json::json!([envelope, case]))
        .collect();
    assert!(valid.len() >= 2, "the record card has valid cases");
    let backup = serde_json::json!({
        "exported_at": "2026-12-05T08:00:00Z",
        "responses": valid.iter().map(|pair| pair[0].clone()).collect::<Vec<_>>(),
    });
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let file = dir.path().join("backup.json");
    std::fs::write(&file, backup.to_string()).unwrap();
    let (data_arg, forms_arg) = (data.to_str().unwrap(), forms.to_str().unwrap());
    let import = || {
        tianye(&[
            "import-responses",
            file.to_str().unwrap(),
            "--data",
            data_arg,
            "--forms",
            forms_arg,
            "--team",
            "龙回一队",
        ])
    };
    let (code, out, err) = import();
    assert_eq!(code, 0, "{out}{err}");
    // Imported again: each already stored, none twice.
    let (code, again, err) = import();
    assert_eq!(code, 0, "{again}{err}");
    assert_ne!(out, again, "the second import finds them stored");

    // Stored sealed: no child's name in the database or its WAL, nor in the export
    // without the key.
    let names: Vec<String> = valid
        .iter()
        .map(|pair| pair[1]["response"]["answers"]["child_name"].as_str().unwrap().to_owned())
        .collect();
    for entry in std::fs::read_dir(&data).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        for name in &names {
            assert!(
                !bytes.windows(name.len()).any(|w| w == name.as_bytes()),
                "{name} in {}",
                entry.path().display()
            );
        }
    }
    let export = |extra: &[&str]| {
        let mut args = vec!["export", "--data", data_arg, "lbc_record_card", "--format", "jsonl"];
        args.extend_from_slice(&["-o", "-"]);
        args.extend_from_slice(extra);
        tianye(&args)
    };
    let (code, sealed, err) = export(&[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sealed.lines().count(), valid.len(), "{sealed}");
    for name in &names {
        assert!(!sealed.contains(name.as_str()), "{name} in the clear");
    }

    // With the key: each opens to its case's answers, once.
    let private = keys.join("private.pem");
    let (code, opened, err) = export(&["--key", private.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Value> = opened.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), valid.len(), "{opened}");
    for pair in &valid {
        let response = &pair[1]["response"];
        let line = lines.iter().find(|l| l["instance_id"] == response["instance_id"]).unwrap();
        assert_eq!(line["team"], "龙回一队");
        let cleared = pair[1]["expected"]["cleared"].as_array().cloned().unwrap_or_default();
        for (name, value) in response["answers"].as_object().unwrap() {
            if !cleared.iter().any(|c| c == name) {
                assert!(holds(&line["answers"][name], value), "{name}: {}", line["answers"][name]);
            }
        }
    }
}

/// A child's name no other text holds, typed into the phone.
const MARKER: &str = "封存标记QX7";

#[test]
fn a_sealed_record_card_keeps_its_draft_and_leaves_no_plain_text_once_complete() {
    use tianye_tests::browser::{self, Browser};
    use tianye_tests::server::{Server, team_token};
    browser::run(async {
        let dir = temp_dir("tianye-sealed-phone");
        let fixtures = repo().join("core/tests/fixtures/seal");
        let pem = std::fs::read_to_string(fixtures.join("test-public.pem")).unwrap();
        let line: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        // A version of its own: the app's bundled copy of 1.4 seals nothing.
        let (forms, sealed_form) = sealed_forms(dir.path(), &line);
        let mut q: Value =
            serde_json::from_str(&std::fs::read_to_string(&sealed_form).unwrap()).unwrap();
        q["version"] = Value::from("1.4-sealed");
        std::fs::write(&sealed_form, q.to_string()).unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let token = team_token(&data, "龙回一队");
        let web = browser::dist();
        let server = Server::start(
            &data,
            &["--forms", forms.to_str().unwrap(), "--web", web.to_str().unwrap()],
        );
        let profile = temp_dir("tianye-sealed-profile");
        let b = Browser::launch(profile.path()).await;
        b.goto(&format!("{}/#team={token}", server.url)).await;
        let start = "button.start[data-form='lbc_record_card']";
        b.wait_text(start, "v1.4-sealed").await;
        b.click(start).await;
        let hash = b
            .wait(
                "the record card opened",
                "return document.querySelector('.form-screen .page') && location.hash;",
            )
            .await;
        let id = hash.as_str().unwrap().strip_prefix("#/r/lbc_record_card/").unwrap().to_owned();
        let key = format!("tianye.v1.r.lbc_record_card.{id}");
        let stored = async || -> String {
            let v = b
                .js("return localStorage.getItem(arguments[0]);", vec![Value::from(key.as_str())])
                .await;
            v.as_str().unwrap_or_default().to_owned()
        };

        // Case 01's answers but the name, set behind the app's back; the name typed.
        let case =
            repo().join("questionnaires/lbc_record_card/cases/01-valid-both-parents-away.json");
        let mut case: Value =
            serde_json::from_str(&std::fs::read_to_string(case).unwrap()).unwrap();
        without_file_answers(&mut case);
        let mut answers = case["response"]["answers"].clone();
        answers.as_object_mut().unwrap().remove("child_name");
        let mut record: Value = serde_json::from_str(&stored().await).unwrap();
        record["response"]["answers"] = answers;
        b.js(
            "localStorage.setItem(arguments[0], arguments[1]);",
            vec![Value::from(key.as_str()), Value::from(record.to_string())],
        )
        .await;
        b.reload().await;
        b.wait_visible("#q-child_name-input").await;
        b.type_into("#q-child_name-input", MARKER).await;
        b.blur().await;

        // A draft: kept in plain text, and it reopens after a reload with the name.
        let saved = format!(
            "return (localStorage.getItem({}) || '').includes({});",
            serde_json::to_string(&key).unwrap(),
            serde_json::to_string(MARKER).unwrap()
        );
        b.wait("the draft saved with the name", &saved).await;
        b.reload().await;
        b.wait_visible("#q-child_name-input").await;
        let shown =
            b.js("return document.getElementById('q-child_name-input').value;", vec![]).await;
        assert_eq!(shown, Value::from(MARKER));
        let draft: Value = serde_json::from_str(&stored().await).unwrap();
        assert_eq!(draft["response"]["status"], "draft");

        // Completed where the page has no Web Crypto (as over plain http): said so, kept
        // here complete and plain, not sent.
        b.js("location.hash = location.hash + '/review';", vec![]).await;
        b.wait_text(".review-problems", "没有问题").await;
        b.js("Object.defineProperty(crypto, 'subtle', { get: () => undefined });", vec![]).await;
        b.click(".review-screen .pager button.primary").await;
        b.wait_text("div.notice[role=status]", "无法加密").await;
        let kept: Value = serde_json::from_str(&stored().await).unwrap();
        assert_eq!(kept["response"]["status"], "complete");
        assert_eq!(kept["upload"], "draft", "not queued: {}", kept["upload"]);
        assert!(kept.get("sealed").is_none());
        assert_eq!(kept["response"]["answers"]["child_name"], MARKER);

        // Completed again with Web Crypto: sealed, the plain text gone, the envelope uploaded.
        b.reload().await;
        b.wait_text(".review-problems", "没有问题").await;
        b.click(".review-screen .pager button.primary").await;
        b.wait_visible(".review-screen .done").await;
        let sealed_and_sent = format!(
            "const r = JSON.parse(localStorage.getItem({})); return !!(r.sealed && r.upload.uploaded);",
            serde_json::to_string(&key).unwrap()
        );
        b.wait("sealed and uploaded", &sealed_and_sent).await;
        for (k, v) in b.local_storage().await {
            assert!(
                !v.as_str().unwrap_or_default().contains(MARKER),
                "the name in localStorage {k}"
            );
        }
        let record: Value = serde_json::from_str(&stored().await).unwrap();
        // The envelope is kept as the text the browser made, and sent as it is.
        let envelope: Value = serde_json::from_str(record["sealed"].as_str().unwrap()).unwrap();
        assert_eq!(envelope["instance_id"], Value::from(id.as_str()));
        assert_eq!(envelope["sealed"], "tianye-sealed-1");
        assert_eq!(record["response"]["answers"], serde_json::json!({}));

        // Listed as sealed; it cannot be opened again.
        b.goto(&format!("{}/", server.url)).await;
        let line = format!("li.record[data-id='{id}']");
        b.wait_text(&format!("{line} .summary"), "已加密").await;
        b.click(&format!("{line} button.open")).await;
        b.wait_text(".error", "不能再修改").await;
        b.close().await;

        // Nowhere on the server: the database, its WAL, the export without the key.
        drop(server);
        for entry in std::fs::read_dir(&data).unwrap().flatten() {
            let bytes = std::fs::read(entry.path()).unwrap_or_default();
            assert!(
                !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
                "the name in {}",
                entry.path().display()
            );
        }
        let data_arg = data.to_str().unwrap();
        let export = |extra: &[&str]| {
            let mut args = vec![
                "export",
                "--data",
                data_arg,
                "lbc_record_card",
                "--format",
                "jsonl",
                "-o",
                "-",
            ];
            args.extend_from_slice(extra);
            tianye(&args)
        };
        let (code, out, err) = export(&[]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(!out.contains(MARKER), "{out}");

        // The researcher's key opens it to exactly the answers typed.
        let private = fixtures.join("test-private.pem");
        let (code, out, err) = export(&["--key", private.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let opened: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(opened["instance_id"], Value::from(id.as_str()));
        assert_eq!(opened["answers"]["child_name"], Value::from(MARKER));
        // Everything the draft held, and the values the form calculated on completion.
        for (name, value) in draft["response"]["answers"].as_object().unwrap() {
            assert!(holds(&opened["answers"][name], value), "{name}: {}", opened["answers"][name]);
        }
        assert_eq!(opened["answers"]["child_dob"], "2016-09-12", "calculated from the ID");
    });
}
