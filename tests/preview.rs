//! `tianye preview FORM` as a child process, on questionnaires written to a temporary
//! folder and edited there as a researcher would (issue 25):
//!
//! - V1 the findings are the checker's (code, message, caret), as JSON and as inert
//!   HTML in the page; a save is read again within a second (long poll), one made the
//!   way Excel saves (a temporary file renamed over the form) too;
//! - V2 the verdict endpoint checks a response as if complete against the file as it is
//!   now, with its calculated values; a body over the limit, not UTF-8, not a response
//!   or for another questionnaire is refused with a code;
//! - V3 the questionnaire is served to the app under the fixed version `preview`; a
//!   request naming another host is refused; nothing is written beside the form;
//! - V4 an XLSForm's findings name the sheet and cell;
//! - V5 in headless Chromium: the real app in the page, an answer typed, a label and a
//!   constraint changed on disk (and the version raised): the page changes, the answer
//!   survives, the verdict follows the new constraint; an invalid expression saved shows
//!   its caret in the page; at 360 px the panes stack.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tianye_tests::browser::{self, Browser};
use tianye_tests::repo;
use tianye_tests::server::{client, new_instance_id, temp_dir};
use tianye_tests::tianye_bin;

/// A running `tianye preview`.
struct Preview {
    child: Child,
    url: String,
}

impl Preview {
    /// Starts `tianye preview FORM --no-open --bind 127.0.0.1:0 EXTRA…` and reads its
    /// address from what it prints.
    fn start(form: &Path, extra: &[&str]) -> Preview {
        let mut child = Command::new(tianye_bin())
            .arg("preview")
            .arg(form)
            .args(["--no-open", "--bind", "127.0.0.1:0"])
            .args(extra)
            .current_dir(repo())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn tianye preview");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut said = String::new();
        loop {
            let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) else {
                let _ = child.kill();
                let _ = child.wait();
                panic!("tianye preview did not start:\n{said}")
            };
            said.push_str(&line);
            said.push('\n');
            if let Some(at) = line.find("listening on http://") {
                let url = line[at + "listening on ".len()..].trim().trim_end_matches('/');
                std::thread::spawn(move || while rx.recv().is_ok() {});
                return Preview { child, url: url.to_owned() };
            }
        }
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// GET `path` as JSON; (status, body).
    fn get(&self, path: &str) -> (u16, Value) {
        let mut res = client().get(self.at(path)).call().expect("GET");
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().expect("body");
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}")))
    }

    /// GET `path` as text.
    fn text(&self, path: &str) -> String {
        let mut res = client().get(self.at(path)).call().expect("GET");
        assert_eq!(res.status().as_u16(), 200, "{path}");
        res.body_mut().read_to_string().expect("body")
    }

    /// POST `body` to the verdict; (status, body).
    fn verdict(&self, body: &[u8]) -> (u16, Value) {
        let mut res = client()
            .post(self.at("/preview/verdict"))
            .content_type("application/json")
            .send(body)
            .expect("POST");
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().expect("body");
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("verdict: {e}: {text}")))
    }

    /// The findings after generation `after`, waiting for them (the page's long poll).
    fn findings_after(&self, after: u64) -> Value {
        let (status, body) = self.get(&format!("/preview/findings?after={after}"));
        assert_eq!(status, 200, "{body}");
        body
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small questionnaire: a required name, a required choice, a count with a range and
/// `constraint`, and a calculation on it.
fn visit_form(name_label: &str, constraint: Option<&str>) -> String {
    let mut count = json!({
        "type": "integer", "name": "n_children",
        "label": {"zh": "家中儿童人数", "en": "Children in the household"},
        "min": 0, "max": 20
    });
    if let Some(expr) = constraint {
        count["constraints"] = json!([{"expr": expr,
            "message": {"zh": "儿童人数不超过五人", "en": "At most five children"}}]);
    }
    serde_json::to_string_pretty(&json!({
        "id": "preview_visit",
        "version": "3",
        "title": {"zh": "家访预览（测试）", "en": "Home visit preview (test)"},
        "choice_lists": {"yes_no": [
            {"name": "yes", "label": {"zh": "是", "en": "Yes"}},
            {"name": "no", "label": {"zh": "否", "en": "No"}}
        ]},
        "items": [
            {"type": "text", "name": "child_name", "label": {"zh": name_label, "en": "Child's name"},
             "required": true},
            {"type": "select_one", "name": "visited", "choices": "yes_no", "required": true,
             "label": {"zh": "是否已家访", "en": "Visited at home"}},
            count,
            {"type": "calculate", "name": "twice", "calculation": "${n_children} * 2"}
        ]
    }))
    .unwrap()
}

/// Writes `text` to `path` as an editor does that saves in place.
fn save(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write the form");
}

/// Writes `bytes` to `path` as Excel does: a temporary file beside it, renamed over it.
fn save_by_rename(path: &Path, bytes: &[u8]) {
    let temp = path.with_file_name("~$tianye-save.tmp");
    std::fs::write(&temp, bytes).expect("write the temporary file");
    std::fs::rename(&temp, path).expect("rename over the form");
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A response to `preview_visit` with `answers`.
fn response(answers: Value) -> Vec<u8> {
    json!({
        "instance_id": new_instance_id(),
        "questionnaire": {"id": "preview_visit", "version": "preview"},
        "status": "draft",
        "answers": answers,
    })
    .to_string()
    .into_bytes()
}

/// The status line of a GET of `/` naming `host` as the host.
fn status_for_host(url: &str, host: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(stream, "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_owned()
}

/// V1–V3 on a JSON questionnaire, without a browser.
#[test]
fn findings_and_verdict_follow_the_file() {
    let dir = temp_dir("tianye-preview-json");
    let form = dir.path().join("form.json");
    save(&form, &visit_form("儿童姓名", Some(". <= 5")));
    let before = listing(dir.path());
    let p = Preview::start(&form, &[]);

    // V1: the first reading is clean.
    let first = p.findings_after(0);
    assert_eq!(first["generation"], 1, "{first}");
    assert_eq!(first["loads"], true, "{first}");
    assert_eq!(first["errors"], 0, "{first}");
    assert_eq!(first["questionnaire"]["id"], "preview_visit");
    assert_eq!(first["questionnaire"]["version"], "3");

    // V3: the app gets it as version `preview`; the list offers that one.
    let (status, served) = p.get("/api/v1/questionnaires/preview_visit");
    assert_eq!(status, 200);
    assert_eq!(served["version"], "preview");
    let (_, list) = p.get("/api/v1/questionnaires");
    assert_eq!(list["questionnaires"][0]["version"], "preview", "{list}");
    let (status, _) = p.get("/api/v1/questionnaires/other");
    assert_eq!(status, 404);

    // V2: a bad answer has its problem, the calculation its value; a complete verdict
    // names what is required and missing.
    let (status, v) = p.verdict(&response(json!({"child_name": "刘小军", "n_children": 7})));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["valid"], false);
    let codes: Vec<(String, String)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap().to_owned(), p["field"].as_str().unwrap().to_owned()))
        .collect();
    assert!(codes.contains(&("constraint".into(), "n_children".into())), "{v}");
    assert!(codes.contains(&("required".into(), "visited".into())), "{v}");
    assert!(!codes.iter().any(|(_, f)| f == "child_name"), "{v}");
    let message = v["problems"].as_array().unwrap().iter().find(|p| p["code"] == "constraint");
    assert_eq!(message.unwrap()["message_zh"], "儿童人数不超过五人");
    assert_eq!(v["values"]["twice"], 14, "{v}");
    let (_, ok) =
        p.verdict(&response(json!({"child_name": "刘小军", "visited": "yes", "n_children": 2})));
    assert_eq!(ok["valid"], true, "{ok}");
    assert_eq!(ok["count"], 0, "{ok}");

    // V1: an expression naming no question, saved: read again within a second, its
    // caret and code in the JSON and, escaped, in the HTML of the page.
    let hostile = ". <= ${agee} and '<img src=x onerror=alert(1)>' != ''";
    let saved = Instant::now();
    save(&form, &visit_form("儿童姓名", Some(hostile)));
    let second = p.findings_after(1);
    let took = saved.elapsed();
    assert_eq!(second["generation"], 2, "{second}");
    assert!(took < Duration::from_secs(1), "read again after {took:?}");
    assert_eq!(second["loads"], false, "{second}");
    assert_eq!(second["errors"], 1, "{second}");
    let finding = &second["findings"][0];
    assert_eq!(finding["code"], "expr.unknown_ref", "{second}");
    let text = finding["text"].as_str().unwrap();
    assert!(text.contains("error[expr.unknown_ref]"), "{text}");
    assert!(text.contains("n_children (constraints[0])"), "{text}");
    let caret = text.lines().find(|l| l.contains('^')).expect("a caret line");
    let source = text.lines().find(|l| l.contains("${agee}")).expect("the expression line");
    let at = source.find("${agee}").unwrap();
    assert_eq!(caret.find('^'), Some(at), "the caret under ${{agee}}:\n{text}");
    assert_eq!(caret.matches('^').count(), "${agee}".len(), "{text}");
    for html in [second["html"].as_str().unwrap().to_owned(), p.text("/")] {
        assert!(html.contains("expr.unknown_ref"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }
    // Nothing to check a response against now.
    let (status, v) = p.verdict(&response(json!({})));
    assert_eq!((status, v["code"].as_str()), (409, Some("preview.not_loaded")), "{v}");
    let (status, _) = p.get("/api/v1/questionnaires/preview_visit");
    assert_eq!(status, 404, "a questionnaire that does not load is not served");

    // Mended, and the label changed: the app is served the new label.
    save(&form, &visit_form("孩子的姓名", Some(". <= 5")));
    let third = p.findings_after(2);
    assert_eq!((third["generation"].as_u64(), third["loads"].as_bool()), (Some(3), Some(true)));
    let (_, served) = p.get("/api/v1/questionnaires/preview_visit");
    assert!(served.to_string().contains("孩子的姓名"), "{served}");

    // V2: refusals.
    let big = vec![b' '; 1024 * 1024 + 10];
    let (status, v) = p.verdict(&big);
    assert_eq!((status, v["code"].as_str()), (413, Some("request.too_large")), "{v}");
    let (status, v) = p.verdict(b"\xff\xfe{}");
    assert_eq!((status, v["code"].as_str()), (400, Some("request.not_utf8")), "{v}");
    let (status, v) = p.verdict(br#"{"answers": {"a": 1, "a": 2}}"#);
    assert_eq!((status, v["code"].as_str()), (400, Some("json.duplicate_key")), "{v}");
    let (status, v) = p.verdict(
        json!({"instance_id": new_instance_id(),
               "questionnaire": {"id": "someone_else", "version": "1"}, "answers": {}})
        .to_string()
        .as_bytes(),
    );
    assert_eq!((status, v["code"].as_str()), (409, Some("preview.other_questionnaire")), "{v}");
    let (status, _) = p.get("/preview/findings?after=soon");
    assert_eq!(status, 400);
    // The app's upload of a completed response: refused, so the app keeps it.
    let mut res = client()
        .post(p.at("/api/v1/submissions"))
        .content_type("application/json")
        .send(&response(json!({}))[..])
        .expect("POST");
    let body: Value = serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(
        (res.status().as_u16(), body["code"].as_str()),
        (409, Some("preview.no_collection"))
    );

    // V3: another host name is refused; nothing was written beside the form.
    assert!(status_for_host(&p.url, "attacker.example").contains(" 421 "));
    assert!(status_for_host(&p.url, p.url.trim_start_matches("http://")).contains(" 200 "));
    assert_eq!(listing(dir.path()), before);
}

/// V4: an XLSForm written with rust_xlsxwriter and saved the way Excel saves.
#[test]
fn an_xlsform_saved_by_rename_is_read_again_with_its_cells() {
    fn workbook(label: &str, constraint: &str) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let survey = book.add_worksheet();
        survey.set_name("survey").unwrap();
        let rows = [
            ["type", "name", "label", "constraint"],
            ["text", "child_name", label, ""],
            ["integer", "age", "年龄", constraint],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    survey.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
        book.save_to_buffer().unwrap()
    }
    let dir = temp_dir("tianye-preview-xlsx");
    let form = dir.path().join("visit.xlsx");
    std::fs::write(&form, workbook("儿童姓名", ". < 18")).unwrap();
    let p = Preview::start(&form, &["--lang", "en"]);
    let first = p.findings_after(0);
    assert_eq!(first["loads"], true, "{first}");
    assert_eq!(first["lang"], "en", "the app's language, for the page to set");
    let id = first["questionnaire"]["id"].as_str().unwrap().to_owned();

    save_by_rename(&form, &workbook("儿童姓名", ". < ${agee}"));
    let second = p.findings_after(1);
    assert_eq!(second["loads"], false, "{second}");
    let text = second["findings"][0]["text"].as_str().unwrap();
    assert!(text.contains("survey!D3"), "the sheet and cell: {text}");
    assert!(text.contains("^^^^^^^"), "{text}");

    save_by_rename(&form, &workbook("孩子的姓名", ". < 18"));
    let third = p.findings_after(2);
    assert_eq!(third["loads"], true, "{third}");
    let (_, served) = p.get(&format!("/api/v1/questionnaires/{id}"));
    assert!(served.to_string().contains("孩子的姓名"), "{served}");
    assert_eq!(listing(dir.path()), vec!["visit.xlsx".to_owned()]);
}

/// The text of `css` in the app's frame (empty while there is none).
fn in_frame(css: &str) -> String {
    format!(
        "const d = document.getElementById('app').contentDocument; const e = d && d.querySelector({}); return e ? (e.value !== undefined && e.tagName === 'INPUT' ? e.value : e.textContent) : null;",
        serde_json::to_string(css).unwrap()
    )
}

/// With `TIANYE_PREVIEW_SCREENSHOTS=DIR`, the page at phone width and on a wide screen,
/// as PNG files in DIR (for the README).
async fn screenshots(b: &Browser, name: &str) {
    let Some(dir) = std::env::var_os("TIANYE_PREVIEW_SCREENSHOTS") else { return };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).expect("the screenshot folder");
    let shot = b.client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("preview-{name}-phone.png")), shot).unwrap();
    let (w, h) = (1280, 900);
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": w, "height": h, "deviceScaleFactor": 1, "mobile": false}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let shot = b.client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("preview-{name}-wide.png")), shot).unwrap();
    phone_size(b).await;
}

/// Back to the harness's phone screen.
async fn phone_size(b: &Browser) {
    let (width, height) = browser::PHONE;
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": true}),
    )
    .await;
}

/// V5 in headless Chromium.
#[test]
fn the_page_follows_the_file_and_keeps_the_answers() {
    let dir = temp_dir("tianye-preview-browser");
    let form = dir.path().join("form.json");
    save(&form, &visit_form("儿童姓名", None));
    let dist = browser::dist();
    let p = Preview::start(&form, &["--web", dist.to_str().unwrap()]);
    let profile = temp_dir("tianye-preview-profile");
    browser::run(async {
        let b = Browser::launch(profile.path()).await;
        b.goto(&p.at("/")).await;
        b.wait_text("#status", "问卷可以使用").await;
        // At 360 px the panes stack, and nothing is wider than the screen.
        b.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": true}),
        )
        .await;
        let layout = b
            .wait(
                "the panes stacked at 360 px",
                "const r = (s) => document.querySelector(s).getBoundingClientRect();
                 const [a, f, v] = [r('.phone-pane'), r('.findings-pane'), r('.verdict-pane')];
                 return innerWidth === 360 && a.bottom <= f.top && f.bottom <= v.top
                   ? {scroll: document.documentElement.scrollWidth, frame: r('#app').width} : null;",
            )
            .await;
        assert!(layout["scroll"].as_f64().unwrap() <= 360.0, "wider than the screen: {layout}");
        assert!(layout["frame"].as_f64().unwrap() >= 300.0, "the form squeezed: {layout}");
        phone_size(&b).await;
        // The real app, in its frame: a response started, a name and a count typed.
        b.wait("the app's start button", &in_frame("button.start[data-form='preview_visit']"))
            .await;
        b.client.enter_frame(0).await.expect("into the app's frame");
        b.click("button.start[data-form='preview_visit']").await;
        b.type_into("#q-child_name-input", "刘小军").await;
        b.type_into("#q-n_children-input", "7").await;
        b.blur().await;
        b.client.enter_parent_frame().await.expect("back to the page");
        // The second panel: the answers, the verdict of a complete response, the values.
        b.wait_text("#answers", "刘小军").await;
        b.wait_text("#verdict li.problem[data-field='visited']", "required").await;
        b.wait_text("#values", "twice").await;
        b.wait_text("#values dd", "14").await;
        let verdict = b.wait_text("#verdict", "problem").await;
        assert!(!verdict.contains("n_children"), "7 is within 0–20: {verdict}");
        screenshots(&b, "answered").await;

        // A label and a constraint changed on disk, and the version raised: the app is
        // served version `preview` all the same, and its draft opens.
        let saved = Instant::now();
        let edited = visit_form("孩子的姓名（已改）", Some(". <= 5"));
        assert!(edited.contains("\"version\": \"3\""));
        save(&form, &edited.replace("\"version\": \"3\"", "\"version\": \"4\""));
        b.wait_for(
            "the verdict to follow the new constraint",
            "const e = document.querySelector(\"#verdict li.problem[data-field='n_children']\"); return e && e.textContent.includes('儿童人数不超过五人');",
            Duration::from_secs(1),
        )
        .await;
        let verdict_after = saved.elapsed();
        b.wait(
            "the form to show the new label",
            &format!(
                "const t = (() => {{ {} }})(); return t && t.includes('已改');",
                in_frame("label[for='q-child_name-input'], #q-child_name")
            ),
        )
        .await;
        let label_after = saved.elapsed();
        eprintln!("verdict after {verdict_after:?}, the form's label after {label_after:?}");
        assert!(label_after < Duration::from_secs(2), "the form changed after {label_after:?}");
        // The answers typed before survive the reload.
        let name = b.wait("the name typed before", &in_frame("#q-child_name-input")).await;
        assert_eq!(name, "刘小军");
        assert_eq!(b.js(&in_frame("#q-n_children-input"), vec![]).await, "7");

        // An invalid expression saved: its caret diagnostic in the page, within a second.
        let saved = Instant::now();
        save(&form, &visit_form("孩子的姓名（已改）", Some(". <= ${nope}")));
        b.wait_for(
            "the caret diagnostic",
            "const t = document.querySelector('#findings').textContent; return t.includes('expr.unknown_ref') && t.includes('^^^^^^^');",
            Duration::from_secs(1),
        )
        .await;
        eprintln!("findings after {:?}", saved.elapsed());
        b.wait_visible("#frame-note").await;
        b.wait_text("#status", "无法加载").await;
        // The form stays as it last loaded, answers and all.
        assert_eq!(b.js(&in_frame("#q-child_name-input"), vec![]).await, "刘小军");
        screenshots(&b, "invalid").await;
        b.close().await;
    });
}
