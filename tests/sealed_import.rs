//! Sealed questionnaires from XLSForms and sealed records from backups (issue 21): the
//! settings sheet's `public_key` becomes the questionnaire's `encryption.public_key`
//! and `export-xlsform` writes it back, a bad one refused at its cell; the server takes
//! such a questionnaire as sealed.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tianye_core::Questionnaire;
use tianye_tests::repo;
use tianye_tests::server::{Server, client, team_token, temp_dir, tianye, upload};

/// `tianye keygen --no-passphrase` into `dir/keys`: the keys folder and the public key's
/// one line.
fn keygen(dir: &Path) -> (PathBuf, String) {
    let keys = dir.join("keys");
    let (code, _, err) = tianye(&["keygen", "-o", keys.to_str().unwrap(), "--no-passphrase"]);
    assert_eq!(code, 0, "{err}");
    let line = std::fs::read_to_string(keys.join("public-key.txt")).unwrap().trim().to_owned();
    (keys, line)
}

/// The record card with `encryption.public_key` set to `line`, written to `path`.
fn sealed_card(line: &str, path: &Path) -> Questionnaire {
    let card = repo().join("questionnaires/lbc_record_card/form.json");
    let mut q: Value = serde_json::from_str(&std::fs::read_to_string(card).unwrap()).unwrap();
    q["encryption"] = serde_json::json!({ "public_key": line });
    // Without its attachment questions: an encrypted questionnaire cannot hold them yet.
    without_file_items(&mut q["items"]);
    std::fs::write(path, q.to_string()).unwrap();
    serde_json::from_value(q).unwrap()
}

/// `items` without attachment questions, at any depth.
fn without_file_items(items: &mut Value) {
    if let Some(list) = items.as_array_mut() {
        list.retain(|i| {
            !matches!(i["type"].as_str(), Some("image" | "signature" | "draw" | "file" | "audio"))
        });
        for item in list {
            if let Some(children) = item.get_mut("items") {
                without_file_items(children);
            }
        }
    }
}

fn read_questionnaire(path: &Path) -> Questionnaire {
    Questionnaire::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn an_xlsform_s_public_key_round_trips_and_the_server_takes_the_form_as_sealed() {
    let dir = temp_dir("tianye-sealed-xlsform");
    let (keys, line) = keygen(dir.path());
    let json = dir.path().join("card.json");
    let want = sealed_card(&line, &json);

    // JSON → XLSForm → JSON → XLSForm → JSON: the key, and all else, kept.
    let xlsx = dir.path().join("card.xlsx");
    let (code, _, err) =
        tianye(&["export-xlsform", json.to_str().unwrap(), "-o", xlsx.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let back = dir.path().join("back.json");
    let (code, _, err) = tianye(&["import", xlsx.to_str().unwrap(), "-o", back.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_questionnaire(&back), want);
    let again = dir.path().join("again.xlsx");
    let (code, _, err) =
        tianye(&["export-xlsform", back.to_str().unwrap(), "-o", again.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = tianye(&["import", again.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(Questionnaire::from_json(&out).unwrap(), want);
    let (code, out, err) = tianye(&["check", "--strict", xlsx.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");

    // In the markdown form, the key cut short: refused by import and check, naming the
    // settings sheet's cell.
    let md = dir.path().join("card.md");
    let (code, _, err) =
        tianye(&["export-xlsform", json.to_str().unwrap(), "-o", md.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("public_key") && text.contains(&line), "{text}");
    let bad = dir.path().join("bad.md");
    std::fs::write(&bad, text.replace(&line, &line[..200])).unwrap();
    for command in ["import", "check"] {
        let (code, _, err) = tianye(&[command, bad.to_str().unwrap()]);
        assert_eq!(code, 1, "{command}: {err}");
        assert!(err.contains("error[schema.encryption_key]"), "{command}: {err}");
        assert!(err.contains("bad.md: settings!"), "{command}: {err}");
        assert!(err.contains("公钥") && err.contains("public key"), "{command}: {err}");
    }

    // The XLSForm served as it is: sealed envelopes taken, a plain response refused.
    let forms = dir.path().join("forms");
    std::fs::create_dir_all(forms.join("lbc_record_card")).unwrap();
    std::fs::copy(&xlsx, forms.join("lbc_record_card/form.xlsx")).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let server = Server::start(&data, &["--forms", forms.to_str().unwrap()]);
    let token = team_token(&data, "龙回一队");
    let http = client();
    // Case 01 without its signature, which the sealed card does not ask.
    let mut case: Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo().join("questionnaires/lbc_record_card/cases/01-valid-both-parents-away.json"),
        )
        .unwrap(),
    )
    .unwrap();
    case["response"]["answers"].as_object_mut().unwrap().remove("guardian_sig");
    let case_file = dir.path().join("case-01.json");
    std::fs::write(&case_file, case.to_string()).unwrap();
    let case = case_file;
    let public = keys.join("public.pem");
    let (code, envelope, err) = tianye(&[
        "seal",
        "--key",
        public.to_str().unwrap(),
        xlsx.to_str().unwrap(),
        case.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (status, reply) = upload(&http, &server.url, Some(&token), envelope.trim());
    assert_eq!(status, 201, "{reply}");
    let plain: Value = serde_json::from_str(&std::fs::read_to_string(&case).unwrap()).unwrap();
    let (status, reply) = upload(&http, &server.url, Some(&token), &plain["response"].to_string());
    assert_eq!(
        (status, reply["code"].as_str()),
        (422, Some("submission.must_be_sealed")),
        "{reply}"
    );
}
