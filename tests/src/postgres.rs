//! A throwaway PostgreSQL cluster for the tests: one per test process, started on first
//! use in a temporary folder, listening on 127.0.0.1 and a free port, and stopped when
//! the test process ends, however it ends.
//!
//! - Run as root (CI), the cluster runs as the `postgres` user (`runuser`): PostgreSQL
//!   refuses to run as root. Authentication is `trust`, user `tianye`.
//! - A watchdog in its own session waits for the test process to exit, then stops the
//!   postmaster and removes the folder: statics are never dropped, and a test process
//!   may be killed.
//! - Each test gets a database of its own ([`new_database`]).
//! - When PostgreSQL is missing or cannot start, the test fails saying why (never
//!   skipped): `cargo xtask setup` installs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// A running cluster.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    /// `postgres://tianye@127.0.0.1:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://tianye@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs SQL with `psql` against database `db`; its stdout (unaligned, tuples only).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "tianye", "-d", db])
            .args(["-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The newest installed PostgreSQL's `bin` folder (`/usr/lib/postgresql/N/bin`).
fn pg_bin() -> Result<PathBuf, String> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("/usr/lib/postgresql: {e}"))?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|f| f.1).ok_or_else(|| "no /usr/lib/postgresql/*/bin/initdb".to_owned())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// `program args…`, as the `postgres` user when this process is root.
fn as_server_user(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let out = command.stdin(Stdio::null()).output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what}: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start() -> Result<Cluster, String> {
    let bin = pg_bin()?;
    let root = is_root();
    // As root, under /tmp whatever TMPDIR says: the server user must reach the folder.
    let parent = if root { PathBuf::from("/tmp") } else { std::env::temp_dir() };
    let top = tempfile::Builder::new()
        .prefix("tianye-pg-")
        .tempdir_in(parent)
        .map_err(|e| format!("temp dir: {e}"))?
        .keep();
    let data = top.join("pg");
    std::fs::create_dir(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    if root {
        // The server user must reach its folder.
        run(
            {
                let mut c = Command::new("chmod");
                c.arg("755").arg(&top);
                c
            },
            "chmod",
        )?;
        run(
            {
                let mut c = Command::new("chown");
                c.arg("postgres").arg(&data);
                c
            },
            "chown postgres",
        )?;
    }
    // The watchdog first, so a failed start is cleaned up too: in a session of its own
    // (an interrupt of the test's process group does not reach it), it waits for this
    // process to end, stops the postmaster and removes the folder.
    let stop = format!(
        "{runuser}'{pg_ctl}' -D '{data}' stop -m immediate",
        runuser = if root { "runuser -u postgres -- " } else { "" },
        pg_ctl = bin.join("pg_ctl").display(),
        data = data.display()
    );
    Command::new("setsid")
        .arg("sh")
        .arg("-c")
        .arg(format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{top}'",
            pid = std::process::id(),
            top = top.display()
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("setsid sh (the cluster's watchdog): {e}"))?;
    let mut initdb = as_server_user(root, &bin.join("initdb"));
    initdb.arg("-D").arg(&data).args(["-A", "trust", "-U", "tianye", "-E", "UTF8"]);
    initdb.args(["--locale=C", "--no-sync"]);
    run(initdb, "initdb")?;
    let mut last = String::new();
    for _ in 0..3 {
        let port = free_port();
        let mut pg_ctl = as_server_user(root, &bin.join("pg_ctl"));
        // fsync off: the tests kill `tianye serve`, never the database's machine.
        pg_ctl.arg("-D").arg(&data).arg("-o").arg(format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            data.display()
        ));
        pg_ctl.arg("-l").arg(data.join("log")).args(["-w", "-t", "60", "start"]);
        match run(pg_ctl, "pg_ctl start") {
            Ok(()) => return Ok(Cluster { bin, port }),
            Err(e) => {
                let log = std::fs::read_to_string(data.join("log")).unwrap_or_default();
                last = format!("{e}\n{log}");
            }
        }
    }
    Err(last)
}

/// The test process's cluster, started on first use. Panics, saying why, when
/// PostgreSQL is not installed or does not start.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(start) {
        Ok(c) => c,
        Err(e) => panic!(
            "PostgreSQL 测试集群无法启动 / the PostgreSQL test cluster did not start (install it with `cargo xtask setup`, which runs apt-get install postgresql): {e}"
        ),
    }
}

/// A new, empty database in the test cluster; its URL.
pub fn new_database() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    static CREATING: Mutex<()> = Mutex::new(());
    let c = cluster();
    let name = format!("t{}", N.fetch_add(1, Ordering::Relaxed));
    // One CREATE DATABASE at a time: each copies template1, which must be idle.
    let _one = CREATING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    c.psql("postgres", &format!("CREATE DATABASE {name}"));
    c.url(&name)
}
