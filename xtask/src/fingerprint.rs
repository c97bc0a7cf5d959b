//! Whether `dist/` is up to date. A build records in `dist/.inputs` a fingerprint of
//! everything it read (a hash of each input file, the compiler's version, the pinned
//! tools) and a hash of each file it left in `dist/`. `cargo xtask serve` rebuilds only
//! when an input changed or `dist/` is not exactly what the build left; `cargo xtask dist`
//! and `cargo xtask test` always rebuild.
//!
//! What must stay true: every file that can change what [`crate::dist`] produces is in
//! [`INPUTS`] (or is a `questionnaires/*/form.json` or one of its `media/` files, which
//! the build bundles); otherwise a change to it would be served stale.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::setup;

/// What the app's build reads, relative to the repository root: files, and folders taken
/// whole (every file below them, dotfiles too). A missing one is recorded as missing, so
/// its appearance counts as a change.
const INPUTS: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain.toml",
    ".cargo/config.toml",
    "core/Cargo.toml",
    "core/build.rs",
    "core/src",
    "web/Cargo.toml",
    "web/build.rs",
    "web/src",
    "web/static",
    // The build's own recipe: profile flags, wasm-opt passes, the shell list, what is
    // renamed and dropped between wasm-bindgen and wasm-opt.
    "xtask/src/dist.rs",
    "xtask/src/short_names.rs",
    "xtask/src/unused_classes.rs",
];

/// The record's file name in `dist/`. A dotfile: the server does not serve it.
pub(crate) const RECORD: &str = ".inputs";

/// Separates the inputs from the outputs in the record.
const OUTPUTS: &str = "--- outputs";

/// What a build reads: key (a path relative to the root, or `rustc`, `tool …`, `env …`)
/// → value (a hash of the file's bytes, `missing`, `unreadable`, or a version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fingerprint(BTreeMap<String, String>);

impl Fingerprint {
    /// The fingerprint of the tree at `root`, with `context` (compiler and tool versions)
    /// added as they are.
    pub(crate) fn of(root: &Path, context: Vec<(String, String)>) -> Self {
        let mut map: BTreeMap<String, String> = context.into_iter().collect();
        for input in INPUTS {
            add(&mut map, root, input);
        }
        // The bundled questionnaires: `questionnaires/<id>/form.json`, as the build
        // finds them (a new folder with a form.json is a new input).
        if let Ok(dirs) = std::fs::read_dir(root.join("questionnaires")) {
            for dir in dirs.flatten() {
                let form = dir.path().join("form.json");
                if form.is_file() {
                    let key =
                        format!("questionnaires/{}/form.json", dir.file_name().to_string_lossy());
                    map.insert(key, file_hash(&form));
                    // Its choice files, which the build writes into it.
                    let media = dir.path().join("media");
                    for file in std::fs::read_dir(&media).into_iter().flatten().flatten() {
                        let key = format!(
                            "questionnaires/{}/media/{}",
                            dir.file_name().to_string_lossy(),
                            file.file_name().to_string_lossy()
                        );
                        map.insert(key, file_hash(&file.path()));
                    }
                }
            }
        }
        Fingerprint(map)
    }

    /// The fingerprint of this repository as it is now, with the compiler's version, the
    /// pinned tools and the environment variables that change how cargo builds.
    pub(crate) fn current() -> Self {
        let rustc = Command::new("rustc")
            .arg("-vV")
            .current_dir(setup::root())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map_or_else(
                || "unknown".to_owned(),
                |o| String::from_utf8_lossy(&o.stdout).trim().replace('\n', "; "),
            );
        let mut context = vec![
            ("rustc".to_owned(), rustc),
            ("tool wasm-bindgen".to_owned(), setup::WASM_BINDGEN.to_owned()),
            ("tool binaryen".to_owned(), setup::BINARYEN.to_owned()),
        ];
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
        ] {
            if let Some(value) = std::env::var_os(var) {
                context.push((format!("env {var}"), value.to_string_lossy().replace('\n', " ")));
            }
        }
        Self::of(&setup::root(), context)
    }

    fn text(&self) -> String {
        let mut text = String::new();
        for (k, v) in &self.0 {
            let _ = writeln!(text, "{k}\t{v}");
        }
        text
    }

    fn parse(text: &str) -> Self {
        Fingerprint(
            text.lines()
                .filter_map(|l| l.split_once('\t'))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    /// The first key (in order) whose value differs between the two, or that only one
    /// has.
    fn first_difference<'a>(&'a self, other: &'a Self) -> Option<&'a str> {
        let changed = self.0.iter().find(|(k, v)| other.0.get(*k) != Some(v)).map(|(k, _)| k);
        let gone = other.0.keys().find(|k| !self.0.contains_key(*k));
        match (changed, gone) {
            (Some(a), Some(b)) => Some(a.min(b).as_str()),
            (a, b) => a.or(b).map(String::as_str),
        }
    }
}

/// Adds `input` (a file or a folder walked whole) under `root` to `map`.
fn add(map: &mut BTreeMap<String, String>, root: &Path, input: &str) {
    let path = root.join(input);
    match std::fs::symlink_metadata(&path) {
        Err(_) => {
            map.insert(input.to_owned(), "missing".to_owned());
        }
        Ok(meta) if meta.is_dir() => match std::fs::read_dir(&path) {
            Ok(entries) => {
                for entry in entries.flatten() {
                    add(map, root, &format!("{input}/{}", entry.file_name().to_string_lossy()));
                }
            }
            Err(_) => {
                map.insert(input.to_owned(), "unreadable".to_owned());
            }
        },
        // A file, or a link (read through; an editor's lock link that points nowhere
        // is recorded as unreadable rather than failing the task).
        Ok(_) => {
            map.insert(input.to_owned(), file_hash(&path));
        }
    }
}

/// FNV-1a, 64 bits: the same on every Rust version, so a record written by one build of
/// xtask reads the same to the next. It detects changes; nothing depends on it resisting
/// a forger (whoever can write `dist/` can change what is served anyway).
fn fnv1a(data: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in data {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn file_hash(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => format!("{:016x} {}", fnv1a(&bytes), bytes.len()),
        Err(_) => "unreadable".to_owned(),
    }
}

/// Every file under `dir` (relative path → hash), except the record itself and the npm
/// package (`npm/`, written by `cargo xtask npm`, not by the app's build).
fn outputs(dir: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let path = entry.path();
            if path.is_dir() {
                if name != crate::setup::NPM_DIR {
                    walk(&path, &format!("{name}/"), out);
                }
            } else if name != RECORD {
                out.insert(name, file_hash(&path));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

/// Records in `dist/.inputs` that `dist` was built from `inputs` (taken before the build
/// began, so a change made during the build still counts as a change) and holds the files
/// it holds now.
pub(crate) fn record(dist: &Path, inputs: &Fingerprint) -> Result<()> {
    let mut text = inputs.text();
    text.push_str(OUTPUTS);
    text.push('\n');
    for (name, hash) in outputs(dist) {
        let _ = writeln!(text, "{name}\t{hash}");
    }
    let path = dist.join(RECORD);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Whether `dist` is what a build from `inputs` leaves.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Built from these very inputs, and every file is as the build left it.
    Current,
    /// To rebuild, and why.
    Stale(Stale),
}

/// Why `dist/` must be rebuilt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stale {
    /// No record: never built, or the last build did not finish (it writes the record
    /// last).
    NotBuilt,
    /// This input (a path, `rustc`, `tool …`, `env …`) changed, came or went.
    Input(String),
    /// This file of `dist/` is missing, altered, or was not left by the build.
    Output(String),
}

impl Stale {
    /// The reason in Chinese and in English.
    pub(crate) fn words(&self) -> (String, String) {
        match self {
            Stale::NotBuilt => (
                "尚未构建，或上次构建没有完成".to_owned(),
                "never built, or the last build did not finish".to_owned(),
            ),
            Stale::Input(key) => (format!("{key} 有变"), format!("{key} changed")),
            Stale::Output(name) => (
                format!("dist/{name} 缺失、被改动或不是构建所留"),
                format!("dist/{name} is missing, altered, or not left by the build"),
            ),
        }
    }
}

/// Compares `dist` and its record with the inputs as they are now.
pub(crate) fn freshness(dist: &Path, inputs: &Fingerprint) -> Freshness {
    let Ok(text) = std::fs::read_to_string(dist.join(RECORD)) else {
        return Freshness::Stale(Stale::NotBuilt);
    };
    let Some((recorded_inputs, recorded_outputs)) = text.split_once(&format!("{OUTPUTS}\n")) else {
        return Freshness::Stale(Stale::NotBuilt);
    };
    if let Some(key) = inputs.first_difference(&Fingerprint::parse(recorded_inputs)) {
        return Freshness::Stale(Stale::Input(key.to_owned()));
    }
    let recorded = Fingerprint::parse(recorded_outputs);
    if recorded.0.is_empty() {
        return Freshness::Stale(Stale::NotBuilt);
    }
    if let Some(name) = Fingerprint(outputs(dist)).first_difference(&recorded) {
        return Freshness::Stale(Stale::Output(name.to_owned()));
    }
    Freshness::Current
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A small tree shaped like the repository (a few of each kind of input, and files
    /// that are not inputs), in a folder of its own; removed on drop.
    struct Tree(PathBuf);

    impl Tree {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("xtask-fingerprint-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let tree = Tree(dir);
            for (path, text) in [
                ("Cargo.toml", "[workspace]\n"),
                ("Cargo.lock", "version = 4\n"),
                ("rust-toolchain.toml", "[toolchain]\n"),
                ("core/Cargo.toml", "[package]\n"),
                ("core/src/lib.rs", "pub fn f() {}\n"),
                ("web/Cargo.toml", "[package]\n"),
                ("web/src/lib.rs", "mod app;\n"),
                ("web/src/app.rs", "fn app() {}\n"),
                ("web/static/index.html", "<!doctype html>\n"),
                ("questionnaires/a/form.json", "{\"id\": \"a\"}\n"),
                ("questionnaires/a/cases/one.json", "{}\n"),
                ("README.md", "# readme\n"),
                ("server/src/lib.rs", "fn serve() {}\n"),
                ("web/tests/app.rs", "#[test] fn t() {}\n"),
            ] {
                tree.write(path, text);
            }
            tree
        }

        fn write(&self, path: &str, text: &str) {
            let path = self.0.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }

        fn fingerprint(&self) -> Fingerprint {
            Fingerprint::of(&self.0, vec![("rustc".to_owned(), "1.95.0".to_owned())])
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn the_fingerprint_changes_with_every_input_and_with_nothing_else() {
        let tree = Tree::new("inputs");
        let first = tree.fingerprint();
        assert_eq!(tree.fingerprint(), first, "the same tree, the same fingerprint");

        // Not inputs of the app's build: tests, cases, the server, the README.
        tree.write("README.md", "# changed\n");
        tree.write("questionnaires/a/cases/one.json", "{\"changed\": true}\n");
        tree.write("server/src/lib.rs", "fn serve() { changed() }\n");
        tree.write("web/tests/app.rs", "// changed\n");
        assert_eq!(tree.fingerprint(), first, "only inputs count");

        let changed = |path: &str, text: &str, original: &str| {
            tree.write(path, text);
            let now = tree.fingerprint();
            assert_ne!(now, first, "{path} changed");
            assert_eq!(now.first_difference(&first), Some(path));
            tree.write(path, original);
            assert_eq!(tree.fingerprint(), first, "{path} restored");
        };
        changed("web/src/app.rs", "fn app() { changed() }\n", "fn app() {}\n");
        changed("Cargo.lock", "version = 4\n[[package]]\n", "version = 4\n");
        changed("core/src/lib.rs", "pub fn g() {}\n", "pub fn f() {}\n");
        changed("web/static/index.html", "<!doctype html><p>\n", "<!doctype html>\n");
        changed("questionnaires/a/form.json", "{\"id\": \"b\"}\n", "{\"id\": \"a\"}\n");

        // A file added under web/src, a questionnaire added, a missing input appearing.
        for added in ["web/src/new.rs", "questionnaires/b/form.json", "web/build.rs"] {
            tree.write(added, "x\n");
            let now = tree.fingerprint();
            assert_eq!(now.first_difference(&first), Some(added), "{added} added");
            std::fs::remove_file(tree.0.join(added)).expect("remove");
        }
        assert_eq!(tree.fingerprint(), first);

        // A file removed.
        std::fs::remove_file(tree.0.join("web/src/app.rs")).expect("remove");
        assert_eq!(tree.fingerprint().first_difference(&first), Some("web/src/app.rs"));

        // Another compiler.
        let other = Fingerprint::of(&tree.0, vec![("rustc".to_owned(), "1.96.0".to_owned())]);
        assert_eq!(other.first_difference(&tree.fingerprint()), Some("rustc"));
    }

    #[test]
    fn dist_is_current_only_when_built_from_these_inputs_and_left_as_built() {
        let tree = Tree::new("dist");
        let dist = tree.0.join("dist");
        let inputs = tree.fingerprint();
        assert_eq!(freshness(&dist, &inputs), Freshness::Stale(Stale::NotBuilt));

        tree.write("dist/index.html", "<!doctype html>\n");
        tree.write("dist/questionnaires/a.json", "{}\n");
        record(&dist, &inputs).expect("record");
        assert_eq!(freshness(&dist, &inputs), Freshness::Current);

        tree.write("web/src/app.rs", "fn app() { changed() }\n");
        assert_eq!(
            freshness(&dist, &tree.fingerprint()),
            Freshness::Stale(Stale::Input("web/src/app.rs".to_owned()))
        );

        tree.write("dist/questionnaires/a.json", "{\"altered\": 1}\n");
        assert_eq!(
            freshness(&dist, &inputs),
            Freshness::Stale(Stale::Output("questionnaires/a.json".to_owned()))
        );
        tree.write("dist/questionnaires/a.json", "{}\n");
        assert_eq!(freshness(&dist, &inputs), Freshness::Current);

        std::fs::remove_file(dist.join("index.html")).expect("remove");
        assert_eq!(
            freshness(&dist, &inputs),
            Freshness::Stale(Stale::Output("index.html".to_owned()))
        );
        tree.write("dist/index.html", "<!doctype html>\n");
        tree.write("dist/extra.js", "1\n");
        assert_eq!(
            freshness(&dist, &inputs),
            Freshness::Stale(Stale::Output("extra.js".to_owned())),
            "a file the build did not leave"
        );
        std::fs::remove_file(dist.join("extra.js")).expect("remove");
        assert_eq!(freshness(&dist, &inputs), Freshness::Current);

        // The npm package beside the app is not the app's build.
        tree.write("dist/npm/package.json", "{}\n");
        assert_eq!(freshness(&dist, &inputs), Freshness::Current, "dist/npm/ is not an output");

        // A build cut short after the outputs were cleared leaves no record.
        std::fs::remove_file(dist.join(RECORD)).expect("remove");
        assert_eq!(freshness(&dist, &inputs), Freshness::Stale(Stale::NotBuilt));
    }
}
