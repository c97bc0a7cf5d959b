//! Server benchmarks (release build, real SQLite file, real HTTP on 127.0.0.1):
//!
//! - `ingest`: validated `lbc_household` uploads per second over HTTP, from the
//!   bundled valid cases cloned with fresh `instance_id`s, sent by concurrent
//!   keep-alive clients; every answer must be 201.
//! - `export`: 100,000 stored `lbc_household` submissions exported to CSV (main table
//!   and the roster table), then as the admin page's CSV archive (`export.zip`), each
//!   in a child process of its own, reporting the time and the child's peak resident
//!   memory (VmHWM).
//!
//! ```sh
//! cargo bench -p tianye-server --bench server              # both
//! cargo bench -p tianye-server --bench server -- ingest    # one; `--n 50000` to size it
//! cargo bench -p tianye-server --bench server -- --database postgres://USER@HOST/postgres
//! ```
//!
//! With `--database`, the same runs on PostgreSQL: each in a new database
//! (`tianye_bench_ingest`, `tianye_bench_export`, dropped first if a run left them) made
//! through that URL, whose user must be allowed to create databases.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tianye_server::export::{
    CsvCells, CsvSink, ExportOptions, Layout, csv_zip, export_tables, table_path,
};
use tianye_server::ingest::{Uploader, prepare};
use tianye_server::{Catalog, app, listen};

mod common;

use common::{FORM, fresh_database, open_with_team, repo, valid_cases};

/// A UUID-shaped id for submission `n`.
fn instance_id(run: u32, n: u64) -> String {
    format!(
        "{run:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (n >> 40) & 0xffff,
        (n >> 28) & 0xfff,
        (n >> 16) & 0xfff,
        n
    )
}

fn bodies(count: usize, run: u32) -> Vec<String> {
    let cases = valid_cases();
    assert!(!cases.is_empty(), "no valid lbc_household case");
    (0..count)
        .map(|i| {
            let mut r = cases[i % cases.len()].clone();
            r["instance_id"] = Value::String(instance_id(run, i as u64));
            r.to_string()
        })
        .collect()
}

/// Sends `bodies` over one keep-alive connection as plain HTTP/1.1; returns how many
/// were answered 201.
fn client(addr: std::net::SocketAddr, token: &str, bodies: &[String]) -> usize {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).ok();
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    let mut created = 0;
    let mut line = String::new();
    for body in bodies {
        write!(
            writer,
            "POST /api/v1/submissions HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        line.clear();
        reader.read_line(&mut line).expect("status line");
        if line.split_whitespace().nth(1) == Some("201") {
            created += 1;
        }
        let mut length = 0;
        loop {
            line.clear();
            reader.read_line(&mut line).expect("header");
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().expect("length");
            }
        }
        let mut buf = vec![0; length];
        reader.read_exact(&mut buf).expect("body");
    }
    created
}

fn ingest(n: usize, database: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = database.map(|base| fresh_database(base, "tianye_bench_ingest"));
    let (state, token) = open_with_team(dir.path(), database.as_deref());
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let listener =
        runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("addr");
    // Served as `tianye serve` serves (keepalive, the head limit), never asked to stop.
    let (limits, grace) = (listen::Limits::for_this_process(), tianye_server::SHUTDOWN_GRACE);
    runtime.spawn(listen::serve(listener, app(state), limits, grace, std::future::pending()));

    let clients = 32;
    let all = Arc::new(bodies(n, std::process::id()));
    // Warm up (connection setup, page cache) with 1% that are not timed.
    let warm = bodies(n / 100 + 1, std::process::id() ^ 0xffff_ffff);
    assert_eq!(client(addr, &token, &warm), warm.len());
    let start = Instant::now();
    let per = n.div_ceil(clients);
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (all, token) = (all.clone(), token.clone());
            std::thread::spawn(move || {
                let part = &all[(c * per).min(all.len())..((c + 1) * per).min(all.len())];
                client(addr, &token, part)
            })
        })
        .collect();
    let created: usize = threads.into_iter().map(|t| t.join().expect("client")).sum();
    let elapsed = start.elapsed();
    assert_eq!(created, n, "every upload must be stored (201)");
    println!(
        "ingest ({}): {n} validated lbc_household submissions over HTTP ({clients} keep-alive clients) in {:.2} s = {:.0} per second",
        backend(database.as_deref()),
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    drop(runtime);
}

/// `SQLite` or `PostgreSQL`, for the report.
fn backend(database: Option<&str>) -> &'static str {
    if database.is_some() { "PostgreSQL" } else { "SQLite" }
}

/// Fills a data directory (or the PostgreSQL `database`) with `n` lbc_household
/// submissions (validated once per case, then cloned with fresh ids) through the store's
/// `submit`.
fn populate(dir: &Path, database: Option<&str>, n: usize) {
    let forms = repo().join("questionnaires").join(FORM);
    let store = tianye_server::store::open(dir, database, None).expect("open").store;
    let store = &*store;
    let (catalog, _) = Catalog::load(store, Some(&forms)).expect("forms");
    let who = Uploader { team: "bench".into(), token_id: None };
    let prepared: Vec<_> = valid_cases()
        .iter()
        .map(|r| prepare(&catalog, &r.to_string(), &who).expect("valid case"))
        .collect();
    let mut pending = Vec::with_capacity(n);
    for i in 0..n {
        let mut s = prepared[i % prepared.len()].clone();
        let old = s.instance_id.clone();
        s.instance_id = instance_id(7, i as u64);
        s.raw = s.raw.replacen(&old, &s.instance_id, 1);
        s.content_hash = tianye_server::canonical::sha256(s.raw.as_bytes());
        pending.push(store.submit(s));
        if pending.len() == 5000 {
            for p in pending.drain(..) {
                p.blocking_recv().expect("writer").expect("stored");
            }
        }
    }
    for p in pending {
        p.blocking_recv().expect("writer").expect("stored");
    }
}

/// In the child: export `dir` to CSV under `out` (as one zip archive when `zip`), print
/// the time and VmHWM.
fn export_child(dir: &Path, database: Option<&str>, out: &Path, zip: bool) {
    let start = Instant::now();
    let store = tianye_server::store::open(dir, database, None).expect("open").store;
    let store = &*store;
    let (catalog, _) = Catalog::load(store, None).expect("catalog");
    let layout = Layout::new(FORM, catalog.versions(FORM));
    if zip {
        let path = out.join(format!("{FORM}-csv.zip"));
        let file = std::fs::File::create(&path).expect("create");
        let mut w = std::io::BufWriter::with_capacity(256 * 1024, file);
        let options = ExportOptions::default();
        let n = csv_zip(store, &layout, &options, CsvCells::Neutralised, &mut w).expect("zip");
        w.flush().expect("flush");
        println!(
            "export ({}): {n} submissions to a CSV zip ({} tables, {:.1} MB) in {:.2} s, peak RSS {:.1} MiB",
            backend(database),
            layout.tables.len(),
            std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1e6,
            start.elapsed().as_secs_f64(),
            common::vm_hwm_kib("self") as f64 / 1024.0
        );
        return;
    }
    let main = out.join(format!("{FORM}.csv"));
    let outputs = layout
        .tables
        .iter()
        .map(|t| {
            let f = std::fs::File::create(table_path(&main, t)).expect("create");
            Some(std::io::BufWriter::with_capacity(256 * 1024, f))
        })
        .collect();
    let mut sink = CsvSink::new(outputs).expect("sink");
    let n = export_tables(store, &layout, &ExportOptions::default(), &mut sink).expect("export");
    sink.finish().expect("flush");
    let elapsed = start.elapsed();
    let bytes: u64 = layout
        .tables
        .iter()
        .map(|t| std::fs::metadata(table_path(&main, t)).map_or(0, |m| m.len()))
        .sum();
    println!(
        "export ({}): {n} submissions to CSV ({} tables, {:.1} MB) in {:.2} s, peak RSS {:.1} MiB",
        backend(database),
        layout.tables.len(),
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        common::vm_hwm_kib("self") as f64 / 1024.0
    );
}

fn export(n: usize, database: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = database.map(|base| fresh_database(base, "tianye_bench_export"));
    let start = Instant::now();
    populate(dir.path(), database.as_deref(), n);
    println!("export: stored {n} submissions in {:.1} s (setup)", start.elapsed().as_secs_f64());
    for format in ["csv", "zip"] {
        let out = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(std::env::current_exe().expect("exe"));
        if let Some(url) = &database {
            child.env("TIANYE_BENCH_EXPORT_DATABASE", url);
        }
        let status = child
            .env("TIANYE_BENCH_EXPORT_CHILD", dir.path())
            .env("TIANYE_BENCH_EXPORT_OUT", out.path())
            .env("TIANYE_BENCH_EXPORT_FORMAT", format)
            .status()
            .expect("child");
        assert!(status.success());
    }
    std::thread::sleep(Duration::from_millis(10));
}

fn main() {
    if let (Some(dir), Some(out)) =
        (std::env::var_os("TIANYE_BENCH_EXPORT_CHILD"), std::env::var_os("TIANYE_BENCH_EXPORT_OUT"))
    {
        let zip = std::env::var_os("TIANYE_BENCH_EXPORT_FORMAT").is_some_and(|f| f == "zip");
        let database = std::env::var("TIANYE_BENCH_EXPORT_DATABASE").ok();
        export_child(Path::new(&dir), database.as_deref(), Path::new(&out), zip);
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let n = args
        .iter()
        .position(|a| a == "--n")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok());
    let database = args
        .iter()
        .position(|a| a == "--database")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let which: Vec<&str> =
        args.iter().map(String::as_str).filter(|a| *a == "ingest" || *a == "export").collect();
    if which.is_empty() || which.contains(&"ingest") {
        ingest(n.unwrap_or(20_000), database);
    }
    if which.is_empty() || which.contains(&"export") {
        export(n.unwrap_or(100_000), database);
    }
}
