//! The browser harness shared by the end-to-end tests and the browser benchmark:
//! chromedriver as a child process, a WebDriver session (fantoccini, plain HTTP) in
//! headless Chromium with a phone-sized window and a profile directory chosen by the
//! caller (the same directory again after a "restart" keeps storage and the service
//! worker), polling helpers, Chrome DevTools Protocol commands through chromedriver
//! (network and CPU emulation, scripts run before the page's own), and the app's
//! `dist/` build.

use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant, SystemTime};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Map, Value, json};

use crate::repo;

/// Chromium's arguments: quiet on a closed network. The page's size is set by
/// [`PHONE`]: headless Chromium makes no window narrower than 500 px.
pub const CHROME_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    // `window.gc()`, so a test can make the collector free what a page dropped.
    "--js-flags=--expose-gc",
    // A name for this machine that is not `localhost`: a page reached through it is not a
    // secure context, as the app is when served over plain http at a LAN address.
    "--host-resolver-rules=MAP lan.tianye.test 127.0.0.1",
];

/// The screen every page is shown on, through chromedriver's mobile emulation (in every
/// tab and window): 390 × 844 CSS px, an iPhone 12-class phone, with a mobile viewport
/// and one device pixel per CSS pixel. Taps stay mouse clicks: chromedriver's emulated
/// touch taps lose the keys typed right after one.
pub const PHONE: (u32, u32) = (390, 844);

/// The host name that reaches 127.0.0.1 as a LAN address would (see [`CHROME_ARGS`]).
pub const LAN_HOST: &str = "lan.tianye.test";

/// How long a wait may take before a test fails (generous: 2 shared cores).
pub const WAIT: Duration = Duration::from_mins(1);

/// The app built into `dist/` (by `cargo xtask dist`, the optimised build as shipped),
/// rebuilt once per process when it is missing or older than its sources.
pub fn dist() -> PathBuf {
    static BUILT: Once = Once::new();
    let dir = repo().join("dist");
    BUILT.call_once(|| {
        let stamp = dir.join("build.txt");
        let built = std::fs::metadata(&stamp).and_then(|m| m.modified()).ok();
        let sources = [
            "web/src",
            "web/static",
            "web/Cargo.toml",
            "core/src",
            "questionnaires",
            "Cargo.lock",
            "xtask/src/dist.rs",
        ];
        let newest = sources.iter().filter_map(|s| newest_mtime(&repo().join(s))).max();
        let fresh = matches!((built, newest), (Some(b), Some(n)) if b >= n);
        if !fresh {
            eprintln!("dist/ is missing or stale: running cargo xtask dist");
            let status = Command::new(env!("CARGO"))
                .args(["run", "--quiet", "-p", "xtask", "--", "dist"])
                .current_dir(repo())
                .status()
                .expect("run cargo xtask dist");
            assert!(status.success(), "cargo xtask dist failed");
        }
    });
    assert!(dir.join("tianye_bg.wasm").is_file(), "dist/ has no tianye_bg.wasm");
    dir
}

fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_file() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path).ok()?.flatten().filter_map(|e| newest_mtime(&e.path())).max()
}

/// Runs one browser scenario on a fresh single-threaded tokio runtime. Scenarios run
/// one at a time (each drives a whole Chromium; two cores are shared with the rest of
/// the test suite).
pub fn run<F: Future>(scenario: F) -> F::Output {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(scenario)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

/// A chromedriver command `POST /session/{id}/goog/cdp/execute {cmd, params}`: a
/// Chrome DevTools Protocol command on the session's page.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.cmd, "params": self.params}).to_string()))
    }
}

/// Headless Chromium driven through chromedriver. Dropping it kills chromedriver and
/// any Chromium process of this profile still running; [`Browser::close`] quits
/// Chromium properly first (storage is flushed to the profile).
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    /// Starts chromedriver and a session whose Chromium keeps its profile in `profile`.
    pub async fn launch(profile: &Path) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (is it installed? cargo xtask setup)");
        let mut guard = DriverGuard { driver: Some(driver), profile: profile.to_owned() };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < WAIT, "chromedriver did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let mut options = json!({
            "args": args,
            "mobileEmulation": {"deviceMetrics": {
                "width": PHONE.0, "height": PHONE.1, "pixelRatio": 1.0,
                "touch": false, "mobile": true,
            }},
        });
        if Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let mut caps = Map::new();
        caps.insert("goog:chromeOptions".to_owned(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut client = None;
        // A just-started chromedriver occasionally fails the first session: try twice.
        for attempt in 0..2 {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(e) if attempt == 0 => {
                    eprintln!("new WebDriver session failed, retrying: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => panic!("cannot start a WebDriver session: {e}"),
            }
        }
        let client = client.expect("session");
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_mins(2)),
                Some(Duration::from_mins(1)),
                Some(Duration::ZERO),
            ))
            .await
            .expect("timeouts");
        let driver = guard.driver.take().expect("driver");
        Browser { client, driver, profile: profile.to_owned() }
    }

    /// Ends the session: Chromium quits and writes its storage to the profile.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Opens `url` and waits for the document to load.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Reloads the page (as the user's pull-to-refresh or a phone restarting the tab).
    pub async fn reload(&self) {
        self.client.refresh().await.expect("reload");
    }

    /// A 4,000 × 3,000 JPEG (12 megapixels: a phone camera's photo) made by this
    /// browser's own encoder, for the photo tests and the photo benchmark.
    pub async fn twelve_megapixel_jpeg(&self) -> Vec<u8> {
        use base64::Engine as _;
        let data = self
            .js_async(
                "const done = arguments[arguments.length - 1];
                 const c = document.createElement('canvas'); c.width = 4000; c.height = 3000;
                 const g = c.getContext('2d'), gr = g.createLinearGradient(0, 0, 4000, 3000);
                 gr.addColorStop(0, '#c33'); gr.addColorStop(1, '#33c');
                 g.fillStyle = gr; g.fillRect(0, 0, 4000, 3000);
                 g.fillStyle = '#fff'; g.font = '400px sans-serif'; g.fillText('体检表 2026', 300, 1600);
                 c.toBlob((b) => { const r = new FileReader();
                   r.onload = () => done(r.result.split(',')[1]); r.readAsDataURL(b); }, 'image/jpeg', 0.92);",
                vec![],
            )
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("the JPEG as base64"))
            .expect("base64")
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and returns its result.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs an asynchronous `script`: it calls `arguments[arguments.length - 1](value)`.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("async script failed: {e}\n{script}"))
    }

    /// Polls `body` (a function body) every 50 ms until it returns something truthy, and
    /// returns that; fails the test after `WAIT`, naming `what` and showing the page.
    pub async fn wait(&self, what: &str, body: &str) -> Value {
        self.wait_for(what, body, WAIT).await
    }

    /// [`Browser::wait`] with its own time limit.
    pub async fn wait_for(&self, what: &str, body: &str, limit: Duration) -> Value {
        let script = format!("try {{ {body} }} catch (e) {{ return null; }}");
        let start = Instant::now();
        loop {
            if let Ok(v) = self.client.execute(&script, vec![]).await
                && truthy(&v)
            {
                return v;
            }
            if start.elapsed() > limit {
                let page = self.page_text().await;
                panic!("timed out after {limit:?} waiting for {what}\n--- page ---\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `css` matches a displayed element.
    pub async fn wait_visible(&self, css: &str) {
        let body = format!(
            "const e = document.querySelector({}); return !!(e && e.getClientRects().length);",
            js_str(css)
        );
        self.wait(&format!("{css} to be shown"), &body).await;
    }

    /// Waits until `css` matches nothing displayed.
    pub async fn wait_hidden(&self, css: &str) {
        let body = format!(
            "const e = document.querySelector({}); return !(e && e.getClientRects().length);",
            js_str(css)
        );
        self.wait(&format!("{css} to be hidden"), &body).await;
    }

    /// Waits until the text of `css` contains `text`; returns the whole text.
    pub async fn wait_text(&self, css: &str, text: &str) -> String {
        let body = format!(
            "const e = document.querySelector({}); const t = e && e.textContent; return t && t.includes({}) ? t : null;",
            js_str(css),
            js_str(text)
        );
        let v = self.wait(&format!("{css} to contain {text:?}"), &body).await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// The element matching `css`, once it is displayed, scrolled to the middle of the
    /// window (a fixed bar never covers it).
    pub async fn find(&self, css: &str) -> Element {
        self.wait_visible(css).await;
        let el =
            self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("find {css}: {e}"));
        self.js(
            "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
            vec![serde_json::to_value(&el).expect("element reference")],
        )
        .await;
        el
    }

    /// Clicks `css` as a user would (WebDriver click: pointer events, focus, blur).
    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        el.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Types `text` into `css` with key events (the element gets the focus first).
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.click().await.unwrap_or_else(|e| panic!("focus {css}: {e}"));
        el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Chooses `value` in the `<select>` `css`.
    pub async fn select(&self, css: &str, value: &str) {
        let el = self.find(css).await;
        el.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    /// Moves the focus out of the active element (its `blur` runs: problems show).
    pub async fn blur(&self) {
        self.js("if (document.activeElement) document.activeElement.blur();", vec![]).await;
    }

    /// The page's visible text (for failure messages).
    pub async fn page_text(&self) -> String {
        let url = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let text = self
            .client
            .execute("return document.body ? document.body.innerText : '';", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!("{url}\n{}", text.chars().take(4000).collect::<String>())
    }

    /// Every `localStorage` entry of the page's origin.
    pub async fn local_storage(&self) -> Map<String, Value> {
        let v = self
            .js(
                "const o = {}; for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); o[k] = localStorage.getItem(k); } return o;",
                vec![],
            )
            .await;
        v.as_object().cloned().unwrap_or_default()
    }

    /// Runs a Chrome DevTools Protocol command on the page and returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp { cmd: cmd.to_owned(), params })
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// Cuts the page off the network (or restores it); the page gets `offline`/`online`.
    pub async fn set_offline(&self, offline: bool) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await;
    }

    /// Slows the CPU down `rate` times (4 ≈ a low-end phone); 1 restores it.
    pub async fn throttle_cpu(&self, rate: f64) {
        self.cdp("Emulation.setCPUThrottlingRate", json!({"rate": rate})).await;
    }

    /// Runs `source` in every new document of this page before its own scripts.
    pub async fn before_each_document(&self, source: &str) {
        self.cdp("Page.enable", json!({})).await;
        self.cdp("Page.addScriptToEvaluateOnNewDocument", json!({"source": source})).await;
    }

    /// Saves a screenshot (PNG) to `path`, for looking at a page.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(path, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        kill_profile_processes(&self.profile);
    }
}

/// Kills chromedriver (and its Chromium) if the session never got going.
struct DriverGuard {
    driver: Option<Child>,
    profile: PathBuf,
}

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(mut d) = self.driver.take() {
            let _ = d.kill();
            let _ = d.wait();
            kill_profile_processes(&self.profile);
        }
    }
}

/// Kills, by process id, the Chromium processes started with `--user-data-dir=profile`
/// (this harness started them; a killed chromedriver leaves them behind).
fn kill_profile_processes(profile: &Path) {
    let needle = format!("--user-data-dir={}", profile.display());
    let Ok(procs) = std::fs::read_dir("/proc") else { return };
    for entry in procs.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().filter(|n| n.bytes().all(|b| b.is_ascii_digit())) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        if cmdline.split(|&b| b == 0).any(|arg| arg == needle.as_bytes()) {
            let _ = Command::new("kill").args(["-KILL", pid]).stderr(Stdio::null()).status();
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `s` as a JavaScript string literal.
pub fn js_str(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}
