//! Files of children's records are their owner's alone, whatever the umask: `tianye
//! serve` creates the data folder `0700` and the database, its `-wal` and `-shm`
//! `0600`; `tianye export` writes every file `0600` (repeat tables, XLSX, JSON Lines,
//! codebooks, and files that existed before). A data folder that already exists and
//! that others can read is left as the operator made it, with a warning naming it and
//! the `chmod 700` that fixes it; the database files in it are tightened.
//!
//! The commands run under `umask 022`, the usual default, under which files are made
//! `rw-r--r--` unless their mode is set.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tianye_tests::server::{
    client, fixture_forms, household_response, new_instance_id, team_token, temp_dir, upload,
};
use tianye_tests::{repo, tianye_bin};

/// The permission bits of `path` (`0o600`…).
pub(crate) fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `tianye ARGS` run by `sh` after `umask 022`.
fn under_umask_022(args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", r#"umask 022; exec "$0" "$@""#]).arg(tianye_bin()).args(args);
    cmd.current_dir(repo());
    cmd
}

/// `tianye ARGS` under `umask 022`, which must succeed; its standard error.
fn tianye_022(args: &[&str]) -> String {
    let out = under_umask_022(args).output().expect("run tianye");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "tianye {args:?}: {err}");
    err
}

/// `tianye serve` under `umask 022`, killed when dropped.
struct Serve {
    child: Child,
    url: String,
}

impl Serve {
    fn start(data: &Path) -> Serve {
        let mut child = under_umask_022(&[
            "serve",
            "--data",
            data.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
            "--forms",
            fixture_forms().to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tianye serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let _ = tx.send(line[at + "listening on ".len()..].trim().to_owned());
                }
            }
        });
        match rx.recv_timeout(Duration::from_mins(1)) {
            Ok(url) => Serve { child, url },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let mut err = String::new();
                let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
                panic!("tianye serve did not start: {err}");
            }
        }
    }

    /// Kills the server; everything it wrote on standard error.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut err).expect("stderr");
        }
        err
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn db_files(data: &Path) -> [PathBuf; 3] {
    ["", "-wal", "-shm"].map(|s| data.join(format!("tianye.sqlite3{s}")))
}

/// Uploads one household response, so the database, its `-wal` and `-shm` exist.
fn upload_one(server: &Serve, data: &Path) {
    let token = team_token(data, "一队");
    let r = household_response(&new_instance_id(), "1", 2);
    let (status, reply) = upload(&client(), &server.url, Some(&token), &r.to_string());
    assert_eq!(status, 201, "{reply}");
}

#[test]
fn serve_and_export_write_private_files_whatever_the_umask() {
    let tmp = temp_dir("tianye-private");
    set_mode(tmp.path(), 0o755);
    let data = tmp.path().join("site/data");
    let server = Serve::start(&data);
    assert_eq!(mode(&data), 0o700, "data folder");
    upload_one(&server, &data);
    for file in db_files(&data) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }

    // Exports, into a folder anyone may read: every file is the owner's alone, also
    // one that existed before and a temporary file left by an export that died.
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    set_mode(&out, 0o755);
    for stale in ["hh.csv", "hh.csv.partial"] {
        std::fs::write(out.join(stale), "old").unwrap();
        set_mode(&out.join(stale), 0o644);
    }
    let dir = data.to_str().unwrap();
    for (format, file) in [
        ("csv", "hh.csv"),
        ("xlsx", "hh.xlsx"),
        ("jsonl", "hh.jsonl"),
        ("codebook", "book.csv"),
        ("codebook", "book.xlsx"),
    ] {
        let path = out.join(file);
        tianye_022(&[
            "export",
            "--data",
            dir,
            "household",
            "--format",
            format,
            "-o",
            path.to_str().unwrap(),
        ]);
    }
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["book.csv", "book.xlsx", "hh-member.csv", "hh.csv", "hh.jsonl", "hh.xlsx"]
    );
    for file in &written {
        assert_eq!(mode(&out.join(file)), 0o600, "{file}");
    }
    assert!(std::fs::read(out.join("hh.csv")).unwrap().len() > 100, "hh.csv was rewritten");
    let err = server.stop();
    assert!(!err.contains("chmod 700"), "a folder it made is not warned about: {err}");
}

#[test]
fn an_open_data_folder_is_warned_about_and_left_alone_and_its_database_tightened() {
    let tmp = temp_dir("tianye-private-open");
    let data = tmp.path().join("data");
    // A data folder and database as an older Tianye made them under umask 022.
    let server = Serve::start(&data);
    upload_one(&server, &data);
    server.stop();
    set_mode(&data, 0o755);
    for file in db_files(&data) {
        if file.exists() {
            set_mode(&file, 0o644);
        }
    }

    let server = Serve::start(&data);
    upload_one(&server, &data);
    for file in db_files(&data) {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(&data), 0o755, "the operator's folder is not changed");
    let err = server.stop();
    let fix = format!("chmod 700 {}", data.display());
    let warning = err.lines().find(|l| l.contains(&fix)).unwrap_or_else(|| panic!("{err}"));
    assert!(warning.contains("0755") && warning.contains("数据目录"), "{warning}");

    // Other commands opening the folder say the same; once fixed, nothing is said.
    let dir = data.to_str().unwrap();
    let export = ["export", "--data", dir, "household", "--format", "jsonl", "-o", "-"];
    assert!(tianye_022(&export).contains(&fix));
    set_mode(&data, 0o700);
    let err = tianye_022(&export);
    assert!(!err.contains("chmod 700"), "{err}");
}
