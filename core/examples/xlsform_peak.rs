//! Peak memory and time of importing a generated 10,000-question XLSForm (.xlsx).
//!
//! Run with `cargo run --release -p tianye-core --features xlsform --example xlsform_peak`.
//! It writes the form to a temporary file, then imports it in a child process of its
//! own and reports that process's peak resident memory (`VmHWM` in
//! `/proc/self/status`, Linux), so writing the form does not count.

use std::time::Instant;

use tianye_core::xlsform::{self, Format, Options};

#[path = "../benches/support/xlsform_gen.rs"]
mod xlsform_gen;

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, mode, path] = args.as_slice()
        && mode == "import"
    {
        let before = peak_kib().unwrap_or(0);
        let start = Instant::now();
        let bytes = std::fs::read(path).expect("read the form");
        let import = xlsform::import_bytes(&bytes, Format::Xlsx, &Options::default())
            .expect("the generated form imports");
        let elapsed = start.elapsed();
        let items = import.questionnaire.all_items().count();
        println!(
            "imported {items} items from {} KiB of xlsx in {:.3} s; peak RSS {} MiB (before reading: {} MiB)",
            bytes.len() / 1024,
            elapsed.as_secs_f64(),
            peak_kib().unwrap_or(0) / 1024,
            before / 1024
        );
        return;
    }
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let path = std::env::temp_dir().join(format!("tianye-xlsform-{n}.xlsx"));
    std::fs::write(&path, xlsform_gen::workbook(n).to_xlsx().expect("write xlsx"))
        .expect("write the form");
    println!("{n} questions → {}", path.display());
    let status = std::process::Command::new(&args[0])
        .args(["import", &path.to_string_lossy()])
        .status()
        .expect("run the import");
    assert!(status.success());
}
