//! Short names for what the app's module imports and exports.
//!
//! wasm-bindgen names a module's imports and exports after their Rust paths and a hash
//! (`__wbg_activeElement_6c30fe7fda33ef51`,
//! `wasm_bindgen_12a3a5db797ff8b5___convert__closures_____invoke…`). Each name is written
//! twice, in the module and in the JS glue, and hashes do not compress: about 7.5 KiB of the
//! shell's gzip. `wasm-opt --minify-imports-and-exports-and-modules` renames them all (to
//! `a`, `b`, … `$a`) and prints what became what; [`rename_in_glue`] makes the glue say the
//! same.
//!
//! What must stay true: the glue reaches the module only through the keys of one import
//! object (`NAME: function(…)`, under the module's one name as a quoted key) and through
//! `wasm.NAME`. Anything else in the glue that names an import or an export fails the
//! build here, not later in a browser with an import the module cannot find.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// What `wasm-opt` renamed: the one import module's old and new names, each import's
/// old and new name, and each export's.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Renamed {
    pub(crate) module: (String, String),
    pub(crate) imports: Vec<(String, String)>,
    pub(crate) exports: HashMap<String, String>,
}

/// Renames `wasm`'s imports, exports and import module in place, and the glue at `glue`
/// to match.
pub(crate) fn shorten(wasm_opt: &Path, wasm: &Path, glue: &Path) -> Result<()> {
    let printed = crate::setup::wasm_opt_in_place(
        wasm_opt,
        wasm,
        &["--minify-imports-and-exports-and-modules"],
    )?;
    let module = import_module(wasm)?.unwrap_or_default();
    let renamed = parse_map(&printed, module)
        .with_context(|| format!("wasm-opt's renaming of {}", wasm.display()))?;
    let js =
        std::fs::read_to_string(glue).with_context(|| format!("cannot read {}", glue.display()))?;
    let js = rename_in_glue(&js, &renamed).with_context(|| glue.display().to_string())?;
    std::fs::write(glue, js).with_context(|| format!("cannot write {}", glue.display()))
}

/// The one module `wasm` imports from (after renaming: `a`), if it imports anything.
fn import_module(wasm: &Path) -> Result<Option<String>> {
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let mut module: Option<String> = None;
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        let wasmparser::Payload::ImportSection(imports) = payload? else { continue };
        for import in imports.into_imports() {
            let import = import?;
            match &module {
                Some(m) if m != import.module => {
                    bail!("{} imports from two modules, {m} and {}", wasm.display(), import.module)
                }
                Some(_) => {}
                None => module = Some(import.module.to_owned()),
            }
        }
    }
    Ok(module)
}

/// Reads wasm-opt's map: `{"imports": [[module, old, new], …], "exports": [[old, new], …]}`.
/// `module` is the import module's new name.
fn parse_map(json: &[u8], module: String) -> Result<Renamed> {
    let map: serde_json::Value = serde_json::from_slice(json).context("not JSON")?;
    let rows = |key: &str| -> Result<Vec<Vec<String>>> {
        let rows =
            map.get(key).and_then(serde_json::Value::as_array).with_context(|| key.to_owned())?;
        rows.iter()
            .map(|row| {
                row.as_array()
                    .and_then(|cells| cells.iter().map(|c| c.as_str().map(str::to_owned)).collect())
                    .with_context(|| format!("{key}: {row}"))
            })
            .collect()
    };
    let mut renamed = Renamed::default();
    for row in rows("imports")? {
        let [from, old, new] = <[String; 3]>::try_from(row)
            .map_err(|row| anyhow::anyhow!("imports: {row:?} is not [module, old, new]"))?;
        if renamed.module.0.is_empty() {
            renamed.module = (from, module.clone());
        } else if renamed.module.0 != from {
            bail!("imports from two modules, {} and {from}", renamed.module.0);
        }
        renamed.imports.push((old, new));
    }
    for row in rows("exports")? {
        let [old, new] = <[String; 2]>::try_from(row)
            .map_err(|row| anyhow::anyhow!("exports: {row:?} is not [old, new]"))?;
        renamed.exports.insert(old, new);
    }
    Ok(renamed)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Whether `wasm.` right after `c` is another object's field (`mywasm.`, `x.wasm.`).
fn continues_a_name(c: char) -> bool {
    is_ident(c) || c == '.'
}

/// The glue `js` with the names `renamed` gives: each import's key in the import object
/// (`OLD: function` after white space, exactly once), the module's quoted key (exactly
/// once), and every `wasm.OLD`. Fails on a name it cannot find or on a `wasm.NAME` that
/// is not an export.
pub(crate) fn rename_in_glue(js: &str, renamed: &Renamed) -> Result<String> {
    let mut js = js.to_owned();
    let (old_module, new_module) = &renamed.module;
    if !renamed.imports.is_empty() {
        let quoted = format!("\"{old_module}\":");
        if js.matches(&quoted).count() != 1 {
            bail!("the import module {quoted} is not named once in the glue");
        }
        js = js.replacen(&quoted, &format!("\"{new_module}\":"), 1);
    }
    for (old, new) in &renamed.imports {
        let key = format!("{old}: function");
        let at: Vec<usize> = js
            .match_indices(&key)
            .map(|(i, _)| i)
            .filter(|&i| js[..i].ends_with(char::is_whitespace))
            .collect();
        let [i] = at[..] else {
            bail!(
                "the import {old} is a key of the glue's import object {} times, not once",
                at.len()
            )
        };
        js.replace_range(i..i + old.len(), new);
    }
    // Every `wasm.NAME`, NAME an export (the names of the module's exports are the only
    // ones the glue may read from `wasm`).
    let mut out = String::with_capacity(js.len());
    let mut rest = js.as_str();
    while let Some(i) = rest.find("wasm.") {
        let before_ident = rest[..i].chars().next_back().is_some_and(continues_a_name)
            || (i == 0 && out.chars().next_back().is_some_and(continues_a_name));
        out.push_str(&rest[..i + "wasm.".len()]);
        rest = &rest[i + "wasm.".len()..];
        if before_ident {
            continue;
        }
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        let name = &rest[..end];
        let Some(new) = renamed.exports.get(name) else {
            bail!("the glue reads wasm.{name}, which is not one of the module's exports")
        };
        out.push_str(new);
        rest = &rest[end..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renamed() -> Renamed {
        Renamed {
            module: ("./tianye_bg.js".into(), "a".into()),
            imports: vec![
                ("__wbg_now_1a2b".into(), "b".into()),
                ("__wbg_now_1a2b_x".into(), "$a".into()),
            ],
            exports: [("memory", "c"), ("start", "d"), ("__wbindgen_malloc", "$")]
                .into_iter()
                .map(|(a, b)| (a.into(), b.into()))
                .collect(),
        }
    }

    const GLUE: &str = "function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_now_1a2b: function() { return Date.now(); },
        __wbg_now_1a2b_x: function(arg0) { wasm.start(); },
    };
    return { __proto__: null, \"./tianye_bg.js\": import0 };
}
let mywasm = {}; mywasm.start = 1;
function f() { const p = wasm.__wbindgen_malloc(8); return new Uint8Array(wasm.memory.buffer); }
export function start() { wasm.start(); }";

    #[test]
    fn the_glue_gets_the_names_the_module_got() {
        let js = rename_in_glue(GLUE, &renamed()).expect("renamed");
        for (has, what) in [
            ("        b: function() {", "the first import's key"),
            ("        $a: function(arg0) { wasm.d(); }", "a name that extends another's"),
            ("\"a\": import0", "the module"),
            ("wasm.$(8)", "an export"),
            ("wasm.c.buffer", "the memory"),
            ("mywasm.start = 1", "another object's field, left alone"),
            ("export function start() { wasm.d(); }", "the glue's own export, left alone"),
        ] {
            assert!(js.contains(has), "{what}: {has} not in\n{js}");
        }
        assert!(!js.contains("__wbg_now") && !js.contains("tianye_bg"), "{js}");
    }

    #[test]
    fn a_glue_that_reaches_the_module_otherwise_fails_the_build() {
        for (glue, error) in [
            (GLUE.replace("__wbg_now_1a2b: function()", "__wbg_now_1a2b() "), "__wbg_now_1a2b is"),
            (
                GLUE.replace("Date.now(); },", "Date.now(); }, __wbg_now_1a2b: function() {},"),
                "2 times",
            ),
            (GLUE.replace("\"./tianye_bg.js\"", "'./tianye_bg.js'"), "import module"),
            (GLUE.replace("wasm.memory", "wasm.__wbindgen_export_0"), "wasm.__wbindgen_export_0"),
        ] {
            let err = rename_in_glue(&glue, &renamed()).expect_err(error).to_string();
            assert!(err.contains(error), "{error}: {err}");
        }
    }

    #[test]
    fn wasm_opt_s_map_is_read_and_checked() {
        let map = br#"{"imports": [["./tianye_bg.js", "__wbg_now_1a2b", "b"]],
                       "exports": [["memory", "c"]]}"#;
        let got = parse_map(map, "a".into()).expect("read");
        assert_eq!(got.module, ("./tianye_bg.js".into(), "a".into()));
        assert_eq!(got.imports, vec![("__wbg_now_1a2b".to_owned(), "b".to_owned())]);
        assert_eq!(got.exports.get("memory").map(String::as_str), Some("c"));
        for bad in [
            &br#"{"imports": [["m", "x"]], "exports": []}"#[..],
            br#"{"imports": [["m", "x", "a"], ["n", "y", "b"]], "exports": []}"#,
            br#"{"imports": []}"#,
            b"imports",
        ] {
            assert!(parse_map(bad, "a".into()).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
