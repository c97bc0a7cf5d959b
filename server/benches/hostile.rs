//! What hostile clients cost the server (release build, real SQLite file, real HTTP on
//! 127.0.0.1), the server running in a child process of its own so that its memory and
//! its open-file limit are its own:
//!
//! - `slow-clients`: the server under `RLIMIT_NOFILE` 256; 300 clients with no token
//!   announce a megabyte (half of them) or 60 kB and send a byte every 10 s, each
//!   reconnecting at once when closed; meanwhile a phone uploads a valid `lbc_household` response every 200 ms,
//!   each on a new connection. Reports the phone's p50, p99 and slowest upload, before
//!   the crowd and under it, and any upload not answered 201.
//! - `many-rows`: one 1 MiB upload whose `member` roster is 340,000 empty rows; reports
//!   the answer's status, size and time, and the server's peak resident memory (VmHWM)
//!   before and after.
//!
//! ```sh
//! cargo bench -p tianye-server --bench hostile                  # both
//! cargo bench -p tianye-server --bench hostile -- slow-clients  # one
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tianye_server::{app, listen};

mod common;

use common::{FORM, open_with_team, repo, valid_cases};

/// In the child: serve `dir` with `lbc_household` under a file limit of `files`, print
/// the address and a team token, serve until killed.
fn serve_child(dir: &Path, files: u64) {
    rlimit::setrlimit(rlimit::Resource::NOFILE, files, files).expect("set the file limit");
    let (state, token) = open_with_team(dir, None);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let limits = listen::Limits::for_this_process();
        println!("{addr} {token} {}", limits.connections);
        listen::serve(
            listener,
            app(state),
            limits,
            tianye_server::SHUTDOWN_GRACE,
            std::future::pending(),
        )
        .await;
    });
}

/// The server in a child process; killed when dropped.
struct ServerChild {
    child: Child,
    addr: SocketAddr,
    token: String,
    cap: usize,
    _dir: tempfile::TempDir,
}

impl ServerChild {
    fn start(files: u64) -> ServerChild {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .env("TIANYE_BENCH_SERVE_CHILD", dir.path())
            .env("TIANYE_BENCH_FILES", files.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("child");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("line");
        let mut parts = line.split_whitespace();
        let addr = parts.next().expect("address").parse().expect("address");
        let token = parts.next().expect("token").to_owned();
        let cap = parts.next().expect("cap").parse().expect("cap");
        ServerChild { child, addr, token, cap, _dir: dir }
    }

    fn vm_hwm_kib(&self) -> u64 {
        common::vm_hwm_kib(&self.child.id().to_string())
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One exchange on a new connection: (status, answer's body length).
fn exchange(addr: SocketAddr, request: &[u8]) -> Option<(u16, usize)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_mins(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_mins(1))).ok()?;
    stream.write_all(request).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map_or(0, |(_, b)| b.len());
    Some((status, body))
}

fn upload_request(addr: SocketAddr, token: &str, body: &str) -> Vec<u8> {
    format!(
        "POST /api/v1/submissions HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A valid, complete `lbc_household` response from the bundled cases, with a fresh id.
fn valid_response(n: u64) -> String {
    let mut response = valid_cases().into_iter().next().expect("a valid lbc_household case");
    response["instance_id"] = json!(format!("{:08x}-0000-4000-8000-{n:012x}", std::process::id()));
    response.to_string()
}

/// A phone's uploads for `period`, one every 200 ms on a new connection: the times taken,
/// and how many were not answered 201.
fn phone(server: &ServerChild, period: Duration, first: u64) -> (Vec<Duration>, usize) {
    let start = Instant::now();
    let (mut times, mut failed) = (Vec::new(), 0);
    let mut n = first;
    while start.elapsed() < period {
        let began = Instant::now();
        let request = upload_request(server.addr, &server.token, &valid_response(n));
        n += 1;
        let answer = exchange(server.addr, &request).map(|(s, _)| s);
        if answer != Some(201) {
            eprintln!("slow-clients: an upload answered {answer:?} (None: no answer)");
            failed += 1;
        }
        times.push(began.elapsed());
        std::thread::sleep(Duration::from_millis(200));
    }
    times.sort();
    (times, failed)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn slow_clients() {
    let server = ServerChild::start(256);
    let (quiet, quiet_failed) = phone(&server, Duration::from_secs(10), 0);
    let stop = Arc::new(AtomicBool::new(false));
    let opened = Arc::new(AtomicUsize::new(0));
    let crowd: Vec<_> = (0..300)
        .map(|n| {
            // Half announce a megabyte (refused at once), half 60 kB (read for 2 s).
            let length = if n % 2 == 0 { 1_000_000 } else { 60_000 };
            let head = format!(
                "POST /api/v1/submissions HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
                server.addr
            );
            let (stop, opened, head, addr) =
                (stop.clone(), opened.clone(), head.clone(), server.addr);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
                    else {
                        std::thread::sleep(Duration::from_millis(100));
                        continue;
                    };
                    opened.fetch_add(1, Ordering::Relaxed);
                    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
                    if s.write_all(head.as_bytes()).is_err() {
                        continue;
                    }
                    let mut buf = [0u8; 1024];
                    // A byte, then up to 10 s for the server to answer or close; an
                    // answer or a close, and the client connects again.
                    while !stop.load(Ordering::Relaxed) && s.write_all(b" ").is_ok() {
                        if s.read(&mut buf).is_ok() {
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let (crowded, crowded_failed) = phone(&server, Duration::from_secs(30), 1_000_000);
    stop.store(true, Ordering::Relaxed);
    for c in crowd {
        c.join().expect("client");
    }
    let show = |t: &[Duration]| {
        format!(
            "p50 {:.0} ms, p99 {:.0} ms, slowest {:.0} ms ({} uploads)",
            percentile(t, 50).as_secs_f64() * 1e3,
            percentile(t, 99).as_secs_f64() * 1e3,
            t.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
            t.len()
        )
    };
    println!(
        "slow-clients: file limit 256, {} connections at once; a phone's uploads alone: {}, {quiet_failed} not 201",
        server.cap,
        show(&quiet)
    );
    println!(
        "slow-clients: with 300 slow tokenless clients ({} connections opened): {}, {crowded_failed} not 201",
        opened.load(Ordering::Relaxed),
        show(&crowded)
    );
}

fn many_rows() {
    let server = ServerChild::start(1024);
    let before = server.vm_hwm_kib();
    let rows = 340_000;
    let members = vec!["{}"; rows].join(",");
    let body = format!(
        r#"{{"instance_id":"00000000-0000-4000-8000-000000000001","questionnaire":{{"id":"{FORM}","version":"{}"}},"status":"complete","answers":{{"member":[{members}]}}}}"#,
        current_version()
    );
    let start = Instant::now();
    let answer = exchange(server.addr, &upload_request(server.addr, &server.token, &body));
    let took = start.elapsed();
    let after = server.vm_hwm_kib();
    let (status, reply) = answer.expect("an answer");
    println!(
        "many-rows: a {:.2} MiB upload of {rows} empty roster rows answered {status} in {:.2} s with {reply} bytes; server peak RSS {:.1} MiB before, {:.1} MiB after",
        body.len() as f64 / 1_048_576.0,
        took.as_secs_f64(),
        before as f64 / 1024.0,
        after as f64 / 1024.0
    );
}

/// The version of the bundled `lbc_household`.
fn current_version() -> String {
    let form = repo().join("questionnaires").join(FORM).join("form.json");
    let form: Value =
        serde_json::from_str(&std::fs::read_to_string(form).expect("form")).expect("JSON");
    form["version"].as_str().expect("version").to_owned()
}

fn main() {
    if let Some(dir) = std::env::var_os("TIANYE_BENCH_SERVE_CHILD") {
        let files = std::env::var("TIANYE_BENCH_FILES").ok().and_then(|f| f.parse().ok());
        serve_child(Path::new(&dir), files.unwrap_or(1024));
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let which: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| matches!(*a, "slow-clients" | "many-rows"))
        .collect();
    if which.is_empty() || which.contains(&"many-rows") {
        many_rows();
    }
    if which.is_empty() || which.contains(&"slow-clients") {
        slow_clients();
    }
}
