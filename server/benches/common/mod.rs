//! What the server benchmarks share: the bundled `lbc_household` and its valid cases,
//! and a data directory with a team token. Each benchmark uses part of it.
#![allow(dead_code)] // Compiled into each benchmark, which uses only some of it.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tianye_server::store::TokenKind;
use tianye_server::{AppConfig, AppState, auth};

/// The questionnaire the benchmarks upload.
pub(crate) const FORM: &str = "lbc_household";

/// The repository's root.
pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root").to_owned()
}

/// The bundled valid, complete cases of `lbc_household`, as response JSON values.
pub(crate) fn valid_cases() -> Vec<Value> {
    let dir = repo().join("questionnaires").join(FORM).join("cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|f| {
            let case: Value = serde_json::from_str(&std::fs::read_to_string(f).ok()?).ok()?;
            let valid = case["expected"]["problems"].as_array().is_some_and(Vec::is_empty)
                && case["response"]["status"] == "complete";
            valid.then(|| case["response"].clone())
        })
        .collect()
}

/// The server's state over a data directory `dir` (and the PostgreSQL `database`, when
/// given) with `lbc_household`, and a new team token for it.
pub(crate) fn open_with_team(dir: &Path, database: Option<&str>) -> (AppState, String) {
    let forms = repo().join("questionnaires").join(FORM);
    let (state, _, _, _) =
        tianye_server::open(dir, database, Some(&forms), None, AppConfig::default())
            .expect("open data directory");
    let token = auth::generate_token().expect("token");
    state
        .store()
        .create_token(TokenKind::Team, "bench", &auth::hash_token(&token))
        .expect("team token");
    (state, token)
}

/// The peak resident memory (VmHWM, KiB) of process `pid` (`"self"` for this one), or 0
/// where it cannot be read.
pub(crate) fn vm_hwm_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// A new, empty database named `name` on the PostgreSQL server of `base` (a URL whose
/// user may create databases), dropped first if a run left it; its URL.
#[allow(dead_code)] // the server bench only
pub(crate) fn fresh_database(base: &str, name: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls)
            .await
            .expect("connect to --database");
        tokio::spawn(connection);
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).await.expect("drop");
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create");
    });
    let (head, query) = base.split_once('?').map_or((base, None), |(h, q)| (h, Some(q)));
    let (scheme, rest) = head.split_once("://").expect("postgres://");
    let authority = rest.split('/').next().unwrap_or(rest);
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}
