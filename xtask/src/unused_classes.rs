//! The JS classes of wasm-streams, which the app never creates, out of the glue and the
//! module.
//!
//! Leptos links server_fn with its `browser` feature, and so wasm-streams, which exports
//! three classes to JS (`IntoUnderlyingSource`, `IntoUnderlyingSink`,
//! `IntoUnderlyingByteSource`: a Rust stream's halves, handed to JS when a Rust stream is
//! turned into a JS one). Exports are roots: the linker keeps their methods and
//! everything those reach, and wasm-bindgen writes a class for each into the glue. The
//! app turns no Rust stream into a JS one (it has no server functions), so nothing hands
//! such an object to JS (the glue has no `CLASS.__wrap`) and JS cannot make one (no
//! constructor): the classes go from the glue and their exports from the module (about
//! 2 KiB gzip).
//!
//! What must stay true: a class is dropped only while the glue has no way to create it;
//! should a later build hand one to JS, this fails the build instead.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The classes, and the pattern (`wasm-opt --remove-exports`) that matches their exports
/// and no others: each method's export is the class's name in lower case, `_` and the
/// method's; the destructor's is `__wbg_` and that lower-case name, `_free`.
const CLASSES: [&str; 3] =
    ["IntoUnderlyingByteSource", "IntoUnderlyingSink", "IntoUnderlyingSource"];
const EXPORTS: &str = "*intounderlying*";

/// Drops [`CLASSES`] from the glue at `glue` and their exports from `wasm`, if the glue
/// has them.
pub(crate) fn drop_unused(wasm_opt: &Path, wasm: &Path, glue: &Path) -> Result<()> {
    let js =
        std::fs::read_to_string(glue).with_context(|| format!("cannot read {}", glue.display()))?;
    let (js, mut used) = drop_classes(&js).with_context(|| glue.display().to_string())?;
    if used.is_empty() {
        return Ok(());
    }
    let before = exports(wasm)?;
    let pass_arg = format!("--pass-arg=remove-exports@{EXPORTS}");
    crate::setup::wasm_opt_in_place(wasm_opt, wasm, &["--remove-exports", &pass_arg])?;
    let after = exports(wasm)?;
    let mut removed: Vec<String> = before.into_iter().filter(|e| !after.contains(e)).collect();
    removed.sort();
    used.sort();
    used.dedup();
    // The exports removed are exactly those the dropped classes called.
    if removed != used {
        bail!(
            "{}: removing {EXPORTS} took the exports {removed:?}, but the classes dropped \
             from the glue called {used:?}",
            wasm.display()
        );
    }
    std::fs::write(glue, js).with_context(|| format!("cannot write {}", glue.display()))
}

fn exports(wasm: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ExportSection(exports) = payload? {
            for export in exports {
                names.push(export?.name.to_owned());
            }
        }
    }
    Ok(names)
}

/// `js` without [`CLASSES`] (each class, its `Symbol.dispose` line and its
/// `FinalizationRegistry`), and the exports the removed code called (`wasm.NAME`).
/// A class the glue can create (`__wrap`, a constructor) fails; one it lacks is skipped.
fn drop_classes(js: &str) -> Result<(String, Vec<String>)> {
    let mut js = js.to_owned();
    let mut used = Vec::new();
    for class in CLASSES {
        let Some(start) = js.find(&format!("export class {class} {{")) else { continue };
        let end = js[start..].find("\n}\n").map(|e| start + e + "\n}\n".len());
        let end = end.with_context(|| format!("class {class} has no end"))?;
        let body = &js[start..end];
        if body.contains("__wrap") || body.contains("constructor(") {
            bail!("the glue can create a {class}, so it must stay");
        }
        used.extend(wasm_names(body));
        js.replace_range(start..end, "");
        let dispose = format!(
            "if (Symbol.dispose) {class}.prototype[Symbol.dispose] = {class}.prototype.free;\n"
        );
        let registry = format!("const {class}Finalization = ");
        let start = js.find(&registry);
        let end = start.and_then(|s| js[s..].find(");\n").map(|e| s + e + ");\n".len()));
        let (Some(start), Some(end)) = (start, end) else {
            bail!("class {class} has no FinalizationRegistry")
        };
        used.extend(wasm_names(&js[start..end]));
        js.replace_range(start..end, "");
        if js.matches(&dispose).count() != 1 {
            bail!("class {class} has no Symbol.dispose line");
        }
        js = js.replacen(&dispose, "", 1);
        if js.contains(class) {
            bail!("the glue still names {class} once the class is dropped");
        }
    }
    Ok((js, used))
}

/// Each `NAME` of `wasm.NAME` in `code`.
fn wasm_names(code: &str) -> Vec<String> {
    code.match_indices("wasm.")
        .map(|(i, _)| {
            let rest = &code[i + "wasm.".len()..];
            let end =
                rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLUE: &str = "export class IntoUnderlyingSink {
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_intounderlyingsink_free(ptr, 0);
    }
    close() {
        const ret = wasm.intounderlyingsink_close(this.__wbg_ptr);
        return takeObject(ret);
    }
}
if (Symbol.dispose) IntoUnderlyingSink.prototype[Symbol.dispose] = IntoUnderlyingSink.prototype.free;

export class Mounted {
    static __wrap(ptr) { return ptr; }
}
const IntoUnderlyingSinkFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_intounderlyingsink_free(ptr, 1));
const MountedFinalization = 1;
";

    #[test]
    fn a_class_nothing_creates_leaves_the_glue_with_the_exports_it_called() {
        let (js, mut used) = drop_classes(GLUE).expect("dropped");
        assert!(!js.contains("IntoUnderlying"), "{js}");
        assert!(
            js.contains("export class Mounted {") && js.contains("const MountedFinalization = 1;")
        );
        used.sort();
        used.dedup();
        assert_eq!(used, ["__wbg_intounderlyingsink_free", "intounderlyingsink_close"]);
        let (same, none) = drop_classes(&js).expect("nothing to drop");
        assert_eq!((same, none.len()), (js, 0), "a glue without the classes stays as it is");
    }

    #[test]
    fn a_class_the_glue_can_create_stays_and_fails_the_build() {
        for (change, why) in [
            ("    free() {", "    static __wrap(ptr) {}\n    free() {"),
            ("    free() {", "    constructor() {}\n    free() {"),
        ] {
            let glue = GLUE.replacen(change, why, 1);
            let err = drop_classes(&glue).expect_err(why).to_string();
            assert!(err.contains("can create a IntoUnderlyingSink"), "{err}");
        }
        let named = GLUE.replace("const MountedFinalization = 1;", "IntoUnderlyingSink.x = 1;");
        assert!(drop_classes(&named).is_err(), "a use of the class elsewhere");
    }
}
