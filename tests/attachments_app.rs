//! Photos and signatures in the form app (issue 24), in headless Chromium at 360 px
//! against `tianye serve`, with the `visit` questionnaire of `tests/fixtures/attachments`
//! (a name, a guardian's signature, a photo of the health-check sheet):
//!
//! - P1 a 12-megapixel photo chosen in the file input is kept scaled to 1,600 px on its
//!   long side and shown (in the form and on the review); a signature drawn with pointer events is kept after the stroke;
//!   both survive a reload; the response completed offline is saved in the backup file
//!   with both files (which `tianye import-responses` takes), and goes out once the
//!   phone is online, with both files, each sent once; the export zip holds them byte
//!   for byte;
//! - P2 an upload cut off after the response and its first file (the second file's
//!   request hangs, the server goes down, the page is reloaded) resumes when the server
//!   is back with the file not yet sent: no file is sent twice, the response is stored
//!   once, and the list counted "1 of 2 files sent" meanwhile.
//! - P3 the same visit sealed to the researcher's key (`core/ENCRYPTION.md`): completed
//!   where there is no Web Crypto, it stays plain with its plain files (and says so);
//!   completed again offline, both files are sealed with the response and only the
//!   sealed copies stay on the phone; the backup carries them (`tianye import-responses` takes them); once
//!   online they go out under their sealed names, each once; the server holds no JPEG
//!   or PNG, its export without the key holds the sealed files, and the export with the
//!   key gives the files byte for byte as the plain flow does.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use serde_json::{Value, json};
use tianye_tests::browser::{self, Browser};
use tianye_tests::server::{Server, team_token, temp_dir, tianye};

use crate::attachments::{
    column, forms, hex, is_picture, main_table, seal_fixture, sealed_visit, zip_entries,
};

/// Logs each attachment upload the page makes in sessionStorage (`e2e.files`) as
/// `STATUS:FILE` (0: no answer); with `e2e.hang-second` set, the second one gets no
/// answer at all (its request hangs, as on a signal lost mid-send).
const FILE_LOG: &str = r"
(() => {
  const real = window.fetch.bind(window);
  const log = (s) => {
    const list = JSON.parse(sessionStorage.getItem('e2e.files') || '[]');
    list.push(s);
    sessionStorage.setItem('e2e.files', JSON.stringify(list));
  };
  window.fetch = async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const path = new URL(req.url).pathname;
    if (req.method !== 'POST' || !path.includes('/attachments/')) return real(input, init);
    const file = path.split('/').pop();
    const sent = JSON.parse(sessionStorage.getItem('e2e.files') || '[]').length;
    if (sessionStorage.getItem('e2e.hang-second') && sent === 1) {
      log('hang:' + file);
      return new Promise(() => {});
    }
    try {
      const res = await real(input, init);
      log(res.status + ':' + file);
      return res;
    } catch (e) {
      log('0:' + file);
      throw e;
    }
  };
})();
";

/// A phone on the team link of a server with the `visit` questionnaire.
struct Visit {
    data: tempfile::TempDir,
    _profile: tempfile::TempDir,
    server: Option<Server>,
    addr: String,
    forms: PathBuf,
    b: Browser,
}

impl Visit {
    async fn open() -> Visit {
        Visit::open_with(forms()).await
    }

    /// [`Visit::open`] with the questionnaires of `forms`.
    async fn open_with(forms: PathBuf) -> Visit {
        let data = temp_dir("tianye-photo-data");
        let token = team_token(data.path(), "石门一队");
        let args = Visit::args(&forms);
        let server =
            Server::start(data.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
        let addr = server.addr().to_owned();
        let profile = temp_dir("tianye-photo-profile");
        let b = Browser::launch(profile.path()).await;
        b.before_each_document(FILE_LOG).await;
        b.goto(&format!("http://{addr}/#team={token}")).await;
        b.wait_visible("button.start[data-form='visit']").await;
        let v = Visit { data, _profile: profile, server: Some(server), addr, forms, b };
        v.narrow().await;
        v
    }

    fn args(forms: &Path) -> Vec<String> {
        let web = browser::dist();
        ["--forms", forms.to_str().unwrap(), "--web", web.to_str().unwrap()]
            .map(str::to_owned)
            .to_vec()
    }

    /// A small phone's screen, 360 px wide (set again after each load).
    async fn narrow(&self) {
        self.b
            .cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 360, "height": 640, "deviceScaleFactor": 2, "mobile": true}),
            )
            .await;
    }

    fn stop_server(&mut self) {
        self.server.take();
    }

    fn start_server(&mut self) {
        let args = Visit::args(&self.forms);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.server = Some(Server::start_on(self.data.path(), &self.addr, &args));
    }

    /// Starts a new visit; its response id.
    async fn start(&self) -> String {
        self.b.click("button.start[data-form='visit']").await;
        self.b.wait_visible("#q-child_name-input").await;
        let hash = self.b.js("return location.hash;", vec![]).await;
        hash.as_str().unwrap().strip_prefix("#/r/visit/").expect("the form's route").to_owned()
    }

    /// The stored answers of response `id`.
    async fn answers(&self, id: &str) -> Value {
        let key = format!("tianye.v1.r.visit.{id}");
        let text = self.b.js("return localStorage.getItem(arguments[0]);", vec![json!(key)]).await;
        let record: Value = serde_json::from_str(text.as_str().expect("a stored record")).unwrap();
        record["response"]["answers"].clone()
    }

    /// The attachment uploads the page made, as `STATUS:FILE`.
    async fn file_log(&self) -> Vec<String> {
        let v = self
            .b
            .js("return JSON.parse(sessionStorage.getItem('e2e.files') || '[]');", vec![])
            .await;
        v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
    }

    /// Saves the backup file from the list (into `dir`, as `backup.json`); its JSON.
    async fn backup(&self, dir: &Path) -> Value {
        let downloads = dir.join("downloads");
        std::fs::create_dir_all(&downloads).unwrap();
        self.b
            .cdp(
                "Browser.setDownloadBehavior",
                json!({"behavior": "allow", "downloadPath": downloads.to_str().unwrap()}),
            )
            .await;
        self.b.click(".storage button").await;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        // The browser may show the file before it has written all of it.
        loop {
            let file = std::fs::read_dir(&downloads)
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|e| e == "json"));
            let text = file.as_ref().map(|f| std::fs::read_to_string(f).unwrap_or_default());
            if let Some(backup) =
                text.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok())
            {
                std::fs::write(dir.join("backup.json"), text.unwrap()).unwrap();
                return backup;
            }
            assert!(std::time::Instant::now() < deadline, "no whole backup file: {text:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The export zip of `visit`, from the command line (the server stopped or not).
    fn export(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        export_zip(self.data.path(), &[])
    }
}

/// The export zip of `visit` from the data folder `data`, with `extra` arguments.
fn export_zip(data: &Path, extra: &[&str]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let out = data.join("visit.zip");
    let mut args =
        vec!["export", "visit", "--data", data.to_str().unwrap(), "--format", "zip", "-o"];
    args.push(out.to_str().unwrap());
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = tianye(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    zip_entries(std::fs::read(out).unwrap())
}

/// A 4,000 × 3,000 JPEG (12 megapixels) made by the browser's own encoder, written to
/// `dir`; its path.
async fn twelve_megapixels(b: &Browser, dir: &Path) -> std::path::PathBuf {
    let bytes = b.twelve_megapixel_jpeg().await;
    assert_eq!(jpeg_size(&bytes), Some((4000, 3000)));
    let path = dir.join("sheet-12mp.jpg");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The width and height a JPEG's frame header gives.
fn jpeg_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        if matches!(marker, 0xC0..=0xC3) {
            let h = u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]]);
            let w = u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]]);
            return Some((u32::from(w), u32::from(h)));
        }
        i += 2 + len;
    }
    None
}

/// Signs on the pad of `question` with the mouse: two strokes, each kept as the
/// answer before the next (the pad answers after each stroke), in the response
/// `record` (its storage key).
async fn sign(b: &Browser, question: &str, record: &str) {
    let pad = b.find(&format!("#q-{question}-input")).await;
    let answered = |before: &str| {
        format!(
            "const r = JSON.parse(localStorage.getItem({record:?}) || 'null');
             const a = r && r.response.answers[{question:?}];
             return a && a.file !== {before:?} && a.file;"
        )
    };
    let stroke = |from: f64| {
        MouseActions::new("pen".into())
            .then(PointerAction::MoveToElement {
                element: pad.clone(),
                duration: None,
                x: from,
                y: 10.0,
            })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::MoveBy {
                duration: Some(Duration::from_millis(80)),
                x: 40.0,
                y: -25.0,
            })
            .then(PointerAction::MoveBy {
                duration: Some(Duration::from_millis(80)),
                x: 40.0,
                y: 30.0,
            })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })
    };
    b.client.perform_actions(stroke(-120.0)).await.expect("a stroke");
    let first = b.wait("the first stroke kept", &answered("")).await;
    b.client.perform_actions(stroke(0.0)).await.expect("another stroke");
    b.wait("the second stroke kept", &answered(first.as_str().unwrap_or_default())).await;
}

/// Fills in a visit: name, a 12-MP photo, a signature; waits until both files are
/// answers. The answers.
async fn fill_visit(v: &Visit, id: &str, dir: &Path) -> Value {
    let b = &v.b;
    b.type_into("#q-child_name-input", "王芳").await;
    b.blur().await;
    let photo = twelve_megapixels(b, dir).await;
    b.find("#q-sheet_photo-input")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .expect("a file chosen");
    b.wait("the photo shown", "const i = document.querySelector('#q-sheet_photo img.thumb'); return i && i.complete && i.naturalWidth > 0;").await;
    let key = format!("tianye.v1.r.visit.{id}");
    sign(b, "consent_sig", &key).await;
    b.wait(
        "both files answered",
        &format!(
            "const r = JSON.parse(localStorage.getItem({key:?}) || 'null');
             return r && r.response.answers.consent_sig && r.response.answers.sheet_photo;"
        ),
    )
    .await;
    v.answers(id).await
}

#[test]
fn a_photo_and_a_signature_reach_the_export_once() {
    browser::run(async {
        let mut v = Visit::open().await;
        let dir = temp_dir("tianye-photo-files");
        let id = v.start().await;
        let answers = fill_visit(&v, &id, dir.path()).await;
        let (photo, sig) = (&answers["sheet_photo"], &answers["consent_sig"]);
        assert_eq!(photo["media_type"], json!("image/jpeg"), "{answers}");
        assert_eq!(sig["media_type"], json!("image/png"), "{answers}");
        assert!(photo["file"].as_str().unwrap().starts_with("sheet_photo-"), "{answers}");
        if let Some(shots) = std::env::var_os("TIANYE_E2E_SHOTS") {
            v.b.js("document.getElementById('q-consent_sig').scrollIntoView();", vec![]).await;
            v.b.screenshot(&Path::new(&shots).join("attachments.png")).await;
        }
        // Nothing in the page is wider than the phone.
        let wide = v.b.js("return document.documentElement.scrollWidth;", vec![]).await;
        assert_eq!(wide, json!(360));

        // A reload keeps both, shown from the device's file store.
        v.b.reload().await;
        v.narrow().await;
        v.b.wait("the photo shown again", "const i = document.querySelector('#q-sheet_photo img.thumb'); return i && i.complete && i.naturalWidth > 0;").await;
        v.b.wait("the signature shown", "const i = document.querySelector('#q-consent_sig img.thumb'); return i && i.complete && i.naturalWidth > 0;").await;
        assert_eq!(v.answers(&id).await, answers);

        // Completed offline; sent once the phone is online again.
        v.b.set_offline(true).await;
        v.b.js("location.hash = location.hash + '/review';", vec![]).await;
        v.b.wait_text(".review-problems", "没有问题").await;
        // The review shows both pictures.
        v.b.wait(
            "two thumbnails on the review",
            "return [...document.querySelectorAll('.review-answers dd img.thumb')]
                 .filter((i) => i.complete && i.naturalWidth > 0).length === 2;",
        )
        .await;
        v.b.click(".review-screen .pager button.primary").await;
        v.b.wait_visible(".review-screen .done").await;
        // Saved as a backup file meanwhile, the files go with it, and the server
        // imports both.
        v.b.js("location.hash = '#/';", vec![]).await;
        crate::browser::wait_group(&v.b, &id, "complete").await;
        // The storage line counts the files too.
        v.b.wait_text(".storage .use", "照片和文件另占").await;
        let backup = v.backup(dir.path()).await;
        let files = backup["files"].as_object().expect("the backup's files");
        assert_eq!(files.len(), 2, "{:?}", files.keys());
        for answer in [photo, sig] {
            let text = files[answer["sha256"].as_str().unwrap()].as_str().unwrap();
            let bytes = base64::engine::general_purpose::STANDARD.decode(text).unwrap();
            assert_eq!(hex(&bytes), answer["sha256"].as_str().unwrap());
        }
        let elsewhere = dir.path().join("imported");
        let (code, out, err) = tianye(&[
            "import-responses",
            dir.path().join("backup.json").to_str().unwrap(),
            "--data",
            elsewhere.to_str().unwrap(),
            "--team",
            "石门一队",
            "--forms",
            forms().to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("2/2"), "{out}");

        v.b.set_offline(false).await;
        v.b.wait_for(
            "both files sent",
            "return JSON.parse(sessionStorage.getItem('e2e.files') || '[]').length >= 2;",
            Duration::from_secs(30),
        )
        .await;
        crate::browser::wait_group(&v.b, &id, "uploaded").await;
        let log = v.file_log().await;
        let (photo_file, sig_file) =
            (photo["file"].as_str().unwrap(), sig["file"].as_str().unwrap());
        let mut sent = log.clone();
        sent.sort();
        let mut expected = vec![format!("201:{sig_file}"), format!("201:{photo_file}")];
        expected.sort();
        assert_eq!(sent, expected, "each file sent once");

        v.stop_server();
        let entries = v.export();
        let rows = main_table(&entries);
        assert_eq!(rows.len(), 2, "one response: {rows:?}");
        assert_eq!(rows[1][column(&rows, "attachments_missing")], "");
        for answer in [photo, sig] {
            let file = answer["file"].as_str().unwrap();
            let bytes = &entries[&format!("media/{id}/{file}")];
            assert_eq!(hex(bytes), answer["sha256"].as_str().unwrap(), "{file}");
            assert_eq!(bytes.len() as u64, answer["size"].as_u64().unwrap(), "{file}");
        }
        let scaled = &entries[&format!("media/{id}/{photo_file}")];
        assert_eq!(jpeg_size(scaled), Some((1600, 1200)), "scaled to 1,600 px");
        v.b.close().await;
    });
}

#[test]
fn an_upload_cut_off_after_its_first_file_resumes_without_sending_it_again() {
    browser::run(async {
        let mut v = Visit::open().await;
        let dir = temp_dir("tianye-photo-files");
        let id = v.start().await;
        let answers = fill_visit(&v, &id, dir.path()).await;
        let mut files = vec![
            answers["sheet_photo"]["file"].as_str().unwrap().to_owned(),
            answers["consent_sig"]["file"].as_str().unwrap().to_owned(),
        ];

        // The second file's request will hang: the response and one file arrive.
        v.b.js("sessionStorage.setItem('e2e.hang-second', '1');", vec![]).await;
        v.b.js("location.hash = location.hash + '/review';", vec![]).await;
        v.b.wait_text(".review-problems", "没有问题").await;
        v.b.click(".review-screen .pager button.primary").await;
        v.b.wait_for(
            "the second file's upload out and hanging",
            "return JSON.parse(sessionStorage.getItem('e2e.files') || '[]').some((s) => s.startsWith('hang:'));",
            Duration::from_secs(30),
        )
        .await;
        let log = v.file_log().await;
        let first = log[0].strip_prefix("201:").unwrap_or_else(|| panic!("{log:?}")).to_owned();
        files.retain(|f| *f != first);
        let second = files.pop().expect("two files");
        assert_eq!(log, vec![format!("201:{first}"), format!("hang:{second}")]);
        v.stop_server();

        // The phone comes back to the app later: the list says what arrived.
        v.b.js("sessionStorage.removeItem('e2e.hang-second'); location.hash = '#/';", vec![]).await;
        v.b.reload().await;
        v.narrow().await;
        let line = v.b.wait_text(&format!("li.record[data-id='{id}'] .upload"), "1/2").await;
        assert!(line.contains("已发送 1/2 个文件"), "{line}");

        v.start_server();
        v.b.set_offline(true).await;
        v.b.set_offline(false).await;
        crate::browser::wait_group(&v.b, &id, "uploaded").await;
        let log = v.file_log().await;
        assert_eq!(
            log,
            vec![format!("201:{first}"), format!("hang:{second}"), format!("201:{second}")],
            "the file that arrived is not sent again"
        );
        v.stop_server();
        let entries = v.export();
        let rows = main_table(&entries);
        assert_eq!(rows.len(), 2, "stored once: {rows:?}");
        assert_eq!(rows[1][column(&rows, "attachments_missing")], "");
        assert!(entries.contains_key(&format!("media/{id}/{first}")));
        assert!(entries.contains_key(&format!("media/{id}/{second}")));
        v.b.close().await;
    });
}

/// Every key of the page's file store (IndexedDB `tianye-files`).
async fn file_keys(b: &Browser) -> Vec<String> {
    let keys = b
        .js_async(
            "const done = arguments[arguments.length - 1];
             const r = indexedDB.open('tianye-files', 1);
             r.onsuccess = () => {
               const q = r.result.transaction('files').objectStore('files').getAllKeys();
               q.onsuccess = () => done(q.result);
               q.onerror = () => done(null);
             };
             r.onerror = () => done(null);",
            vec![],
        )
        .await;
    keys.as_array()
        .unwrap_or_else(|| panic!("no file store: {keys}"))
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_sealed_visit_s_files_leave_the_phone_sealed_and_open_with_the_key() {
    browser::run(async {
        let dir = temp_dir("tianye-sealed-files");
        let mut v = Visit::open_with(sealed_visit(dir.path())).await;
        let id = v.start().await;
        fill_visit(&v, &id, dir.path()).await;

        v.b.js("location.hash = location.hash + '/review';", vec![]).await;
        v.b.wait_text(".review-problems", "没有问题").await;
        // The pad answers after each stroke: wait until the kept files are the answers'.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let (answers, mut plain_keys) = loop {
            let answers = v.answers(&id).await;
            let keys = file_keys(&v.b).await;
            let names: Vec<&str> =
                keys.iter().map(|k| k.rsplit('/').next().unwrap_or_default()).collect();
            let named = ["sheet_photo", "consent_sig"]
                .iter()
                .all(|q| answers[q]["file"].as_str().is_some_and(|f| names.contains(&f)));
            if keys.len() == 2 && named {
                break (answers, keys);
            }
            assert!(std::time::Instant::now() < deadline, "{keys:?} {answers}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        plain_keys.sort();
        let (photo, sig) = (answers["sheet_photo"].clone(), answers["consent_sig"].clone());
        let (photo_file, sig_file) =
            (photo["file"].as_str().unwrap().to_owned(), sig["file"].as_str().unwrap().to_owned());
        let key = format!("tianye.v1.r.visit.{id}");

        // Completed where the page has no Web Crypto (as over plain http): said so, the
        // response and its files kept plain, nothing sealed, nothing lost.
        v.b.js("Object.defineProperty(crypto, 'subtle', { get: () => undefined });", vec![]).await;
        v.b.click(".review-screen .pager button.primary").await;
        v.b.wait_text("div.notice[role=status]", "无法加密").await;
        let mut kept = file_keys(&v.b).await;
        kept.sort();
        assert_eq!(kept, plain_keys, "the plain files kept, none sealed");
        assert_eq!(v.answers(&id).await, answers);

        // Completed again offline, with Web Crypto: sealed on the phone, the plain files
        // gone from it.
        v.b.reload().await;
        v.narrow().await;
        v.b.set_offline(true).await;
        v.b.wait_text(".review-problems", "没有问题").await;
        v.b.click(".review-screen .pager button.primary").await;
        v.b.wait_visible(".review-screen .done").await;
        v.b.wait(
            "sealed",
            &format!(
                "const r = JSON.parse(localStorage.getItem({key:?})); return !!(r && r.sealed);"
            ),
        )
        .await;
        let sealed_keys: Vec<String> = plain_keys.iter().map(|k| format!("{k}.sealed")).collect();
        v.b.wait(
            "only the sealed copies kept",
            &format!(
                "return new Promise((done) => {{
                   const r = indexedDB.open('tianye-files', 1);
                   r.onsuccess = () => {{
                     const q = r.result.transaction('files').objectStore('files').getAllKeys();
                     q.onsuccess = () => done(JSON.stringify(q.result.sort()) === {:?});
                   }};
                 }});",
                serde_json::to_string(&sealed_keys).unwrap()
            ),
        )
        .await;
        let text = v.b.js("return localStorage.getItem(arguments[0]);", vec![json!(key)]).await;
        let record: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
        let envelope: Value = serde_json::from_str(record["sealed"].as_str().unwrap()).unwrap();
        let listed: Vec<&str> = envelope["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file"].as_str().unwrap())
            .collect();
        let mut want = vec![format!("{photo_file}.sealed"), format!("{sig_file}.sealed")];
        let mut got: Vec<String> = listed.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{envelope}");

        // The backup carries the sealed files, by the hashes the envelope lists; the
        // server's import takes them.
        v.b.js("location.hash = '#/';", vec![]).await;
        crate::browser::wait_group(&v.b, &id, "complete").await;
        let backup = v.backup(dir.path()).await;
        let files = backup["files"].as_object().expect("the backup's files");
        assert_eq!(files.len(), 2, "{:?}", files.keys());
        let mut sealed_bytes = std::collections::BTreeMap::new();
        for f in envelope["files"].as_array().unwrap() {
            let text = files[f["sha256"].as_str().unwrap()].as_str().unwrap();
            let bytes = base64::engine::general_purpose::STANDARD.decode(text).unwrap();
            assert_eq!(hex(&bytes), f["sha256"].as_str().unwrap());
            assert_eq!(bytes.len() as u64, f["size"].as_u64().unwrap());
            assert!(!is_picture(&bytes), "{} in the backup is a picture", f["file"]);
            sealed_bytes.insert(f["file"].as_str().unwrap().to_owned(), bytes);
        }
        let elsewhere = dir.path().join("imported");
        let (code, out, err) = tianye(&[
            "import-responses",
            dir.path().join("backup.json").to_str().unwrap(),
            "--data",
            elsewhere.to_str().unwrap(),
            "--team",
            "石门一队",
            "--forms",
            v.forms.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("2/2"), "{out}");

        // Online: the sealed files go out under their sealed names, each once.
        v.b.set_offline(false).await;
        crate::browser::wait_group(&v.b, &id, "uploaded").await;
        let mut sent = v.file_log().await;
        sent.sort();
        let mut expected: Vec<String> = want.iter().map(|f| format!("201:{f}")).collect();
        expected.sort();
        assert_eq!(sent, expected, "each sealed file sent once");
        v.stop_server();

        // The server holds the sealed bytes only.
        let stored: Vec<PathBuf> = walk(&v.data.path().join("attachments"));
        assert_eq!(stored.len(), 2, "{stored:?}");
        for path in &stored {
            let bytes = std::fs::read(path).unwrap();
            assert!(!is_picture(&bytes), "{} on the server is a picture", path.display());
            assert!(sealed_bytes.values().any(|b| *b == bytes), "{}", path.display());
        }
        // Its export without the key: the envelope and the sealed files as they came.
        let entries = export_zip(v.data.path(), &[]);
        assert!(entries.contains_key("visit-sealed.jsonl"), "{:?}", entries.keys());
        for (file, bytes) in &sealed_bytes {
            assert_eq!(&entries[&format!("media/{id}/{file}")], bytes, "{file}");
        }
        let media: Vec<&String> = entries.keys().filter(|k| k.starts_with("media/")).collect();
        assert_eq!(media.len(), 2, "{media:?}");
        assert!(media.iter().all(|k| k.ends_with(".sealed")), "{media:?}");

        // With the key: the tables, and the files opened, byte for byte the plain ones
        // (the scaled photo, the signature), here and from the imported backup.
        let private = seal_fixture("test-private.pem");
        for data in [v.data.path(), elsewhere.as_path()] {
            let entries = export_zip(data, &["--key", private.to_str().unwrap()]);
            let rows = main_table(&entries);
            assert_eq!(rows.len(), 2, "one response: {rows:?}");
            assert_eq!(rows[1][column(&rows, "child_name")], "王芳");
            assert_eq!(rows[1][column(&rows, "attachments_missing")], "");
            for answer in [&photo, &sig] {
                let file = answer["file"].as_str().unwrap();
                let path = format!("media/{id}/{file}");
                assert_eq!(
                    rows[1].iter().filter(|c| **c == path).count(),
                    1,
                    "{path} in the table"
                );
                let bytes = &entries[&path];
                assert_eq!(hex(bytes), answer["sha256"].as_str().unwrap(), "{file}");
                assert_eq!(bytes.len() as u64, answer["size"].as_u64().unwrap(), "{file}");
            }
            assert_eq!(
                jpeg_size(&entries[&format!("media/{id}/{photo_file}")]),
                Some((1600, 1200))
            );
            assert!(!entries.keys().any(|k| k.ends_with(".sealed")), "{:?}", entries.keys());
        }
        v.b.close().await;
    });
}

/// Every file under `dir`, at any depth.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
