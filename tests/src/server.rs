//! Helpers for the server tests: `tianye serve` as a child process on 127.0.0.1 with a
//! temporary data directory, an HTTP client, tokens, and generated responses.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::{repo, tianye_bin};

/// The server test questionnaires: `household` versions 1 and 2.
pub fn fixture_forms() -> PathBuf {
    repo().join("tests/fixtures/server")
}

/// Which database a test's server and commands keep their data in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in the data folder (the default).
    Sqlite,
    /// A fresh database of the test process's PostgreSQL cluster ([`crate::postgres`]).
    Postgres,
}

/// Runs a test body `fn NAME(backend: Backend)` once on each backend: as the tests
/// `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name($crate::server::Backend::Sqlite);
                }

                #[test]
                fn postgres() {
                    super::$name($crate::server::Backend::Postgres);
                }
            }
        )*
    };
}

/// Where one test keeps its data: a temporary data folder (removed when dropped) and,
/// on PostgreSQL, a database of its own.
pub struct Data {
    dir: tempfile::TempDir,
    database: Option<String>,
}

impl Data {
    /// A new data folder (and database) for `backend`.
    pub fn new(backend: Backend, prefix: &str) -> Data {
        Data {
            dir: temp_dir(prefix),
            database: (backend == Backend::Postgres).then(crate::postgres::new_database),
        }
    }

    /// The data folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The PostgreSQL URL, if the data is there.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// `--data DIR`, and `--database URL` on PostgreSQL: what every command that opens
    /// the store is given.
    pub fn args(&self) -> Vec<String> {
        let mut out = vec!["--data".to_owned(), self.path().display().to_string()];
        if let Some(url) = &self.database {
            out.extend(["--database".to_owned(), url.clone()]);
        }
        out
    }

    /// Runs `tianye ARGS --data DIR [--database URL]`; (exit code, stdout, stderr).
    pub fn tianye(&self, args: &[&str]) -> (i32, String, String) {
        let all = self.args();
        let mut with: Vec<&str> = args.to_vec();
        with.extend(all.iter().map(String::as_str));
        tianye(&with)
    }

    /// Starts `tianye serve` on this data with `extra` arguments.
    pub fn serve(&self, extra: &[&str]) -> Server {
        self.try_serve(extra).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Data::serve`], but returns what the server said when it did not start.
    pub fn try_serve(&self, extra: &[&str]) -> Result<Server, String> {
        let mut with: Vec<&str> = Vec::new();
        if let Some(url) = &self.database {
            with.extend(["--database", url.as_str()]);
        }
        with.extend(extra);
        Server::try_start(self.path(), &with)
    }

    /// Creates a team token; returns the token.
    pub fn team_token(&self, team: &str) -> String {
        let (code, out, err) = self.tianye(&["token", "create", "--team", team]);
        assert_eq!(code, 0, "token create failed: {out}{err}");
        out.lines().last().expect("token line").trim().to_owned()
    }
}

/// A running `tianye serve`, killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The admin token, when this start created it.
    pub admin_token: Option<String>,
    /// Everything the server printed on stdout up to "listening".
    pub banner: String,
    /// What the server has printed on stderr so far.
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    /// Starts `tianye serve --data DATA --bind 127.0.0.1:0` with `extra` arguments and
    /// waits (up to 60 s) until it listens.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::try_start(data, extra).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Server::start`], but returns what the server said when it did not start.
    pub fn try_start(data: &Path, extra: &[&str]) -> Result<Server, String> {
        Server::try_start_on(data, "127.0.0.1:0", extra)
    }

    /// Starts `tianye serve` on `bind` (e.g. the address of an earlier run, so a
    /// browser finds its site, storage and service worker again after a restart).
    pub fn start_on(data: &Path, bind: &str, extra: &[&str]) -> Server {
        Server::try_start_on(data, bind, extra).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Server::start_on`], but returns what the server said when it did not start.
    pub fn try_start_on(data: &Path, bind: &str, extra: &[&str]) -> Result<Server, String> {
        Server::try_start_in_shell(data, bind, extra, None)
    }

    /// Starts `tianye serve` on 127.0.0.1 from a shell that first runs `setup` (such as
    /// `ulimit -n 256` or `umask 022`), so the server runs under those process limits.
    pub fn start_after(setup: &str, data: &Path, extra: &[&str]) -> Server {
        Server::try_start_in_shell(data, "127.0.0.1:0", extra, Some(setup))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_start_in_shell(
        data: &Path,
        bind: &str,
        extra: &[&str],
        setup: Option<&str>,
    ) -> Result<Server, String> {
        let mut command = match setup {
            Some(setup) => {
                let mut sh = Command::new("sh");
                sh.arg("-c").arg(format!("{setup} && exec \"$0\" \"$@\"")).arg(tianye_bin());
                sh
            }
            None => Command::new(tianye_bin()),
        };
        let mut child = command
            .arg("serve")
            .arg("--data")
            .arg(data)
            .args(["--bind", bind])
            .args(extra)
            .current_dir(repo())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawn tianye serve: {e}"))?;
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel::<Option<String>>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(Some(line)).is_err() {
                    return;
                }
            }
            let _ = tx.send(None);
        });
        let (etx, erx) = mpsc::channel::<String>();
        let said = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let saying = said.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut all = saying.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                all.push_str(&line);
                all.push('\n');
            }
            let all = saying.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            let _ = etx.send(all);
        });
        let mut banner = String::new();
        let mut admin_token = None;
        loop {
            match rx.recv_timeout(Duration::from_mins(1)) {
                Ok(Some(line)) => {
                    banner.push_str(&line);
                    banner.push('\n');
                    if let Some(t) = line.strip_prefix("admin token: ") {
                        admin_token = Some(t.trim().to_owned());
                    }
                    if let Some(at) = line.find("listening on http://") {
                        let url = line[at + "listening on ".len()..].trim().to_owned();
                        // Keep draining stdout so the server never blocks on a full pipe.
                        std::thread::spawn(move || while rx.recv().is_ok() {});
                        return Ok(Server { child, url, admin_token, banner, stderr: said });
                    }
                }
                Ok(None) | Err(_) => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    let err = erx.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
                    return Err(format!(
                        "tianye serve did not start ({status:?})\nstdout:\n{banner}\nstderr:\n{err}"
                    ));
                }
            }
        }
    }

    /// What the server has printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// `URL/PATH`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Asks the server to stop as Ctrl-C or systemd does (SIGTERM), and waits up to
    /// `limit` for it to exit: how long it took, or `None` if it was still running (it
    /// is then killed).
    pub fn stop(&mut self, limit: Duration) -> Option<Duration> {
        let start = std::time::Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(sent, "kill -TERM {}", self.child.id());
        while start.elapsed() < limit {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        None
    }

    /// Kills the server at once (SIGKILL: no shutdown, no flush).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP client that returns 4xx/5xx answers instead of failing on them.
pub fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_mins(1)))
        .build()
        .into()
}

/// Runs `tianye ARGS` in the repository; (exit code, stdout, stderr).
pub fn tianye(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(tianye_bin()).args(args).current_dir(repo()).output().expect("run tianye");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Creates a team token with `tianye token create`; returns the token (the last line).
pub fn team_token(data: &Path, team: &str) -> String {
    let (code, out, err) =
        tianye(&["token", "create", "--data", data.to_str().unwrap(), "--team", team]);
    assert_eq!(code, 0, "token create failed: {out}{err}");
    out.lines().last().expect("token line").trim().to_owned()
}

/// POSTs `body` to `/api/v1/submissions` with `token`; (status, JSON body).
pub fn upload(
    agent: &ureq::Agent,
    server_url: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, Value) {
    try_upload(agent, server_url, token, body).unwrap_or_else(|e| panic!("{e}"))
}

/// Like [`upload`], but a failed exchange (connection refused or cut) is an `Err`.
pub fn try_upload(
    agent: &ureq::Agent,
    server_url: &str,
    token: Option<&str>,
    body: &str,
) -> Result<(u16, Value), String> {
    let mut req = agent.post(format!("{server_url}/api/v1/submissions"));
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut res =
        req.content_type("application/json").send(body).map_err(|e| format!("POST: {e}"))?;
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().map_err(|e| format!("read: {e}"))?;
    let json = serde_json::from_str(&text).map_err(|e| format!("not JSON ({e}): {text}"))?;
    Ok((status, json))
}

/// GETs `url` with an optional bearer token; (status, body bytes).
pub fn get(agent: &ureq::Agent, url: &str, token: Option<&str>) -> (u16, Vec<u8>) {
    let mut req = agent.get(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut res = req.call().expect("GET");
    let status = res.status().as_u16();
    let body = res.body_mut().with_config().limit(1 << 30).read_to_vec().expect("read body");
    (status, body)
}

/// A fresh UUID-shaped id (unique within the test process).
pub fn new_instance_id() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let pid = u64::from(std::process::id());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (nanos >> 16) as u32,
        pid & 0xffff,
        (n >> 12) & 0xfff,
        n & 0xfff,
        (nanos ^ (n << 20)) & 0xffff_ffff_ffff
    )
}

/// A complete, valid response to the fixture questionnaire `household` of `version`
/// ("1" or "2"), with `members` roster rows and Chinese text.
pub fn household_response(instance_id: &str, version: &str, members: usize) -> Value {
    let mut answers = json!({
        "village": "石门村",
        "head_sex": "2",
        "income": ["farm", "wage"],
        "hh_size": members.max(1),
        "svc_school": "1",
        "svc_clinic": "2",
        "member": (0..members).map(|i| {
            let mut m = json!({"m_name": format!("成员{}", i + 1), "m_age": 5 + i * 11, "m_sex": if i % 2 == 0 { "1" } else { "2" }});
            if 5 + i * 11 < 18 {
                m["m_school"] = json!("石门小学");
            }
            if version == "2" && 5 + i * 11 < 16 {
                m["m_left_behind"] = json!("1");
            }
            m
        }).collect::<Vec<_>>(),
    });
    if version == "1" {
        answers["old_note"] = json!("旧版备注");
    } else {
        answers["township"] = json!("小沙江镇");
        answers["income"] = json!(["pension"]);
    }
    json!({
        "instance_id": instance_id,
        "questionnaire": {"id": "household", "version": version},
        "status": "complete",
        "answers": answers,
        "meta": {
            "started_at": "2026-07-01T09:30:00+08:00",
            "submitted_at": "2026-07-01T09:45:00+08:00",
            "enumerator": "李明"
        }
    })
}

/// A temporary directory removed when dropped.
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(prefix).tempdir().expect("temp dir")
}

/// Rows of a CSV export (the BOM checked and stripped), header first.
pub fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let bom = "\u{feff}".as_bytes();
    assert!(bytes.starts_with(bom), "CSV export must start with a UTF-8 BOM");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(&bytes[bom.len()..]);
    reader.records().map(|r| r.expect("CSV record").iter().map(str::to_owned).collect()).collect()
}

/// Another site on 127.0.0.1, serving the files of a folder as they are, with no
/// policy of its own (Python's `http.server`), as a portal's own server would: pages
/// that embed a form from the collection server are served from here, under a policy
/// that is the portal's, not Tianye's. Killed when dropped.
pub struct StaticSite {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl StaticSite {
    /// Serves `dir`; waits (up to 30 s) until it listens.
    pub fn start(dir: &Path) -> StaticSite {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m http.server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("http.server listening");
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .unwrap_or_else(|| panic!("no port in {line:?}"))
            .to_owned();
        StaticSite { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
