//! Sealed records (`tianye_core::seal`, `core/ENCRYPTION.md`): every bundled case seals
//! and opens back to itself; each way an envelope can go wrong has its own error; a
//! public key is read in each form a researcher may hand over; and the test vector,
//! sealed by another program (Python's `cryptography`), opens.

use std::path::{Path, PathBuf};

use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::rand_core::OsRng;
use tianye_core::Response;
use tianye_core::case::Case;
use tianye_core::seal::{self, Envelope, KeyError, OpenError, PublicKey};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seal").join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn private(name: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pkcs8_pem(&text(name)).unwrap()
}

fn public() -> PublicKey {
    PublicKey::parse(&text("test-public.pem")).unwrap()
}

/// Every case response of the bundled and test questionnaires.
fn case_responses() -> Vec<Response> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for folder in ["questionnaires", "tests/fixtures/questionnaires"] {
        for form in std::fs::read_dir(root.join(folder)).unwrap().flatten() {
            let Ok(cases) = std::fs::read_dir(form.path().join("cases")) else { continue };
            for case in cases.flatten() {
                let case = Case::from_json(&std::fs::read_to_string(case.path()).unwrap()).unwrap();
                out.push(case.response);
            }
        }
    }
    out
}

#[test]
fn every_case_seals_and_opens_back_to_itself() {
    let (key, private) = (public(), private("test-private.pem"));
    let responses = case_responses();
    assert!(responses.len() >= 33, "{} responses", responses.len());
    for response in &responses {
        let envelope = seal::seal(response, &key, &mut OsRng);
        assert_eq!(envelope.instance_id, response.instance_id);
        assert_eq!(envelope.key, key.id());
        // Nothing of the answers in the clear (but for a date that is the day it was
        // completed, which the envelope keeps).
        let clear = serde_json::to_string(&envelope).unwrap();
        let when = envelope.submitted_at.clone().unwrap_or_default();
        for value in response.answers.values().filter_map(|v| v.as_str()) {
            if value.chars().count() >= 4 && !when.contains(value) {
                assert!(!clear.contains(value), "{value} in the clear: {clear}");
            }
        }
        let text = serde_json::to_string(&envelope).unwrap();
        let read = Envelope::from_json(&text).unwrap();
        assert_eq!(&seal::open(&read, &private).unwrap(), response);
    }
}

#[test]
fn each_way_an_envelope_goes_wrong_has_its_own_error() {
    let (key, private) = (public(), private("test-private.pem"));
    let responses = case_responses();
    let sealed = seal::seal(&responses[0], &key, &mut OsRng);
    let other = seal::seal(&responses[1], &key, &mut OsRng);

    // Another researcher's key.
    let err = seal::open(&sealed, &self::private("other-private.pem")).unwrap_err();
    assert!(matches!(err, OpenError::WrongKey(_)), "{err}");

    // One byte of the ciphertext flipped.
    let mut flipped = sealed.clone();
    let mut bytes = base64_decode(&flipped.ciphertext);
    bytes[3] ^= 1;
    flipped.ciphertext = base64_encode(&bytes);
    assert_eq!(seal::open(&flipped, &private), Err(OpenError::CiphertextAltered));

    // The wrapped key of another record, or one altered.
    let mut swapped = sealed.clone();
    swapped.wrapped_key.clone_from(&other.wrapped_key);
    assert_eq!(seal::open(&swapped, &private), Err(OpenError::KeyMismatch));
    let mut altered = sealed.clone();
    let mut bytes = base64_decode(&altered.wrapped_key);
    bytes[10] ^= 0x40;
    altered.wrapped_key = base64_encode(&bytes);
    assert_eq!(seal::open(&altered, &private), Err(OpenError::KeyMismatch));

    // Its clear instance id changed (to pass as another household's record).
    let mut renamed = sealed.clone();
    renamed.instance_id = other.instance_id.clone();
    assert!(matches!(seal::open(&renamed, &private), Err(OpenError::HeaderAltered(_))));

    // Cut short: the text, or a field.
    let text = serde_json::to_string(&sealed).unwrap();
    let err = Envelope::from_json(&text[..text.len() / 2]).unwrap_err();
    assert!(matches!(err, OpenError::Malformed(_)), "{err}");
    let mut cut = sealed.clone();
    cut.iv.truncate(8);
    assert!(matches!(seal::open(&cut, &private), Err(OpenError::Malformed(_))));
    let mut cut = sealed.clone();
    cut.ciphertext = "AAAA".to_owned();
    assert!(matches!(seal::open(&cut, &private), Err(OpenError::Malformed(_))));
    let err = Envelope::from_json(r#"{"sealed": "tianye-sealed-1"}"#).unwrap_err();
    assert!(matches!(err, OpenError::Malformed(_)), "{err}");

    // The messages say which: no two alike.
    let errors = [
        OpenError::WrongKey("k".into()),
        OpenError::CiphertextAltered,
        OpenError::KeyMismatch,
        OpenError::HeaderAltered("x".into()),
        OpenError::Malformed("x".into()),
        OpenError::FileAltered("x".into()),
    ];
    let messages: std::collections::BTreeSet<String> =
        errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), errors.len());
}

#[test]
fn a_public_key_is_read_as_pem_or_as_odk_s_base64() {
    let pem = public();
    let one_line = pem.to_base64();
    assert!(!one_line.contains('\n'));
    assert_eq!(PublicKey::parse(&one_line).unwrap(), pem, "ODK's public_key: base64 of the DER");
    // With line breaks, as pasted from a file.
    let wrapped: String = one_line
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(PublicKey::parse(&wrapped).unwrap(), pem);
    assert_eq!(PublicKey::parse("not a key"), Err(KeyError::NotAKey));
    assert_eq!(PublicKey::parse("QUJD"), Err(KeyError::NotAKey));
    assert_eq!(PublicKey::parse(&text("small-public.pem")), Err(KeyError::TooSmall(1024)));
}

#[test]
fn the_test_vector_sealed_by_another_program_opens() {
    let envelope = Envelope::from_json(&text("vector.json")).unwrap();
    let opened = seal::open(&envelope, &private("test-private.pem")).unwrap();
    let want: Response = serde_json::from_str(&text("vector-plain.json")).unwrap();
    assert_eq!(opened, want);
    assert_eq!(opened.answers["child_name"], "测试儿童");
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    use std::fmt::Write as _;
    sha2::Sha256::digest(data).iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[test]
fn the_sealed_file_vector_made_by_another_program_opens() {
    let envelope = Envelope::from_json(&text("vector-files.json")).unwrap();
    seal::check_digest(&envelope).unwrap();
    let (response, key) = seal::open_keyed(&envelope, &private("test-private.pem")).unwrap();
    let want: Response = serde_json::from_str(&text("vector-files-plain.json")).unwrap();
    assert_eq!(response, want);
    let answer = &response.answers["consent_sig"];
    let name = answer["file"].as_str().unwrap();
    let [listed] = envelope.files.as_slice() else { panic!("{:?}", envelope.files) };
    assert_eq!(listed.plain_name(), Some(name));
    let sealed = bytes("vector-file-sig.png.sealed");
    assert_eq!(
        (listed.sha256.as_str(), listed.size),
        (sha256_hex(&sealed).as_str(), sealed.len() as u64)
    );
    let plain = seal::open_file(&key, &response.instance_id, name, &sealed).unwrap();
    assert_eq!(plain, bytes("vector-file-sig.png"));
    assert_eq!(answer["sha256"], sha256_hex(&plain));
    assert_eq!(sealed.len() as u64, plain.len() as u64 + seal::FILE_OVERHEAD);
}

#[test]
fn files_seal_with_their_response_and_open_only_as_themselves() {
    let (public, private) = (public(), private("test-private.pem"));
    let responses = case_responses();
    let (photo, sig) = (vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3], vec![0x89, b'P', b'N', b'G', 9]);
    let files = [("photo.jpg", photo.as_slice()), ("sig.png", sig.as_slice())];
    let (envelope, sealed) = seal::seal_with_files(&responses[0], &public, &files, &mut OsRng);
    let (other, other_sealed) = seal::seal_with_files(&responses[1], &public, &files, &mut OsRng);
    let names: Vec<&str> = envelope.files.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(names, ["photo.jpg.sealed", "sig.png.sealed"]);
    for ((name, plain), (sealed_name, bytes)) in files.iter().zip(&sealed) {
        assert_eq!(*sealed_name, format!("{name}.sealed"));
        assert!(!bytes.windows(plain.len()).any(|w| w == *plain), "{name} in the clear");
    }
    // Two files with the same bytes seal differently (a fresh IV each).
    assert_ne!(sealed[0].1, other_sealed[0].1);
    let text = serde_json::to_string(&envelope).unwrap();
    let read = Envelope::from_json(&text).unwrap();
    seal::check_digest(&read).unwrap();
    let (response, key) = seal::open_keyed(&read, &private).unwrap();
    let id = response.instance_id.as_str();
    assert_eq!(seal::open_file(&key, id, "photo.jpg", &sealed[0].1).unwrap(), photo);
    assert_eq!(seal::open_file(&key, id, "sig.png", &sealed[1].1).unwrap(), sig);

    let altered = |r: Result<Vec<u8>, OpenError>| matches!(r, Err(OpenError::FileAltered(_)));
    // Under another file's name, of another response, with another response's key.
    assert!(altered(seal::open_file(&key, id, "sig.png", &sealed[0].1)));
    assert!(altered(seal::open_file(&key, &other.instance_id, "photo.jpg", &sealed[0].1)));
    let (_, other_key) = seal::open_keyed(&other, &private).unwrap();
    assert!(altered(seal::open_file(&other_key, id, "photo.jpg", &sealed[0].1)));
    // A byte flipped, or cut.
    let mut flipped = sealed[0].1.clone();
    flipped[14] ^= 1;
    assert!(altered(seal::open_file(&key, id, "photo.jpg", &flipped)));
    let cut = &sealed[0].1[..sealed[0].1.len() - 1];
    assert!(altered(seal::open_file(&key, id, "photo.jpg", cut)));
    assert!(matches!(
        seal::open_file(&key, id, "photo.jpg", &[0; 27]),
        Err(OpenError::Malformed(_))
    ));
    // The key's Debug shows nothing of it.
    assert_eq!(format!("{key:?}"), "FileKey(…)");
}

#[test]
fn an_envelope_s_list_of_files_is_checked_without_a_key() {
    let public = public();
    let responses = case_responses();
    let (envelope, _) =
        seal::seal_with_files(&responses[0], &public, &[("a.jpg", b"abc".as_slice())], &mut OsRng);
    let good = envelope.files[0].clone();
    let hash = good.sha256.clone();
    let file = |name: &str, sha: &str, size: u64| seal::SealedFile {
        file: name.to_owned(),
        sha256: sha.to_owned(),
        size,
    };
    for (files, why) in [
        (vec![file("a.jpg", &hash, 31)], "no .sealed suffix"),
        (vec![file(".sealed", &hash, 31)], "nothing before the suffix"),
        (vec![file("../a.jpg.sealed", &hash, 31)], "a path"),
        (vec![file("a.jpg.sealed", &hash.to_uppercase(), 31)], "upper-case hash"),
        (vec![file("a.jpg.sealed", &hash, 28)], "no byte sealed"),
        (vec![file("a.jpg.sealed", &hash, 10 * 1024 * 1024 + 29)], "over 10 MiB sealed"),
        (vec![good.clone(), good.clone()], "listed twice"),
        (vec![good.clone(); 51], "over 50 files"),
    ] {
        let mut bad = envelope.clone();
        bad.files = files;
        let err = seal::check_digest(&bad).unwrap_err();
        assert!(matches!(err, OpenError::Malformed(_)), "{why}: {err}");
    }
    let text =
        serde_json::to_string(&envelope).unwrap().replace(r#""size":31"#, r#""size":31,"x":1"#);
    assert!(matches!(Envelope::from_json(&text), Err(OpenError::Malformed(_))), "{text}");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
