//! Helpers shared by the integration tests: paths of the repository, the `tianye`
//! binary, and the bundled questionnaires.

use std::path::{Path, PathBuf};

pub mod browser;
pub mod postgres;
pub mod server;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the repository")
        .to_owned()
}

/// The bundled questionnaires: `questionnaires/<id>/form.json`, sorted.
pub fn bundled_forms() -> Vec<PathBuf> {
    forms_below(&repo().join("questionnaires"))
}

/// The test questionnaires: `tests/fixtures/questionnaires/<id>/form.json`, sorted. They
/// cover what the bundled ones do not (nested rosters, time bounds, hidden and Likert
/// items) and have cases like them.
pub fn test_forms() -> Vec<PathBuf> {
    forms_below(&repo().join("tests/fixtures/questionnaires"))
}

fn forms_below(root: &std::path::Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|dir| {
            dir.flatten().map(|e| e.path().join("form.json")).filter(|p| p.is_file()).collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The `tianye` binary, built (once per test run) with the profile of these tests, so a
/// test never runs a stale binary.
pub fn tianye_bin() -> PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/tests-xxxx → target/<profile>/tianye
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    BUILT.call_once(|| {
        let release = dir.file_name().is_some_and(|n| n == "release");
        let mut cmd = std::process::Command::new(env!("CARGO"));
        cmd.args(["build", "--quiet", "-p", "tianye"]).current_dir(repo());
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build -p tianye");
        assert!(status.success(), "cargo build -p tianye failed");
    });
    dir.join(format!("tianye{}", std::env::consts::EXE_SUFFIX))
}
