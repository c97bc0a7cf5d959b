//! `tianye template FORM -o entry.csv|entry.xlsx`: the data-entry template for paper
//! forms, one column per question in the export's own layout (see
//! `tianye_server::entry`), which `tianye import-responses` reads back.

use std::path::PathBuf;
use std::process::ExitCode;

use tianye_server::Catalog;
use tianye_server::entry::Entry;
use tianye_server::export::Layout;

use crate::load;

/// Arguments of `tianye template`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 问卷（JSON 或 XLSForm）/ The questionnaire (JSON, or an XLSForm).
    form: PathBuf,
    /// 输出文件：.csv（每个名册另有一个 NAME-名册.csv）或 .xlsx（每个名册一个工作表）/ Output
    /// file: .csv (with a NAME-REPEAT.csv beside it per roster) or .xlsx (a sheet per roster).
    #[arg(short, long)]
    output: PathBuf,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let ext =
        args.output.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    if ext != "csv" && ext != "xlsx" {
        anyhow::bail!(
            "{}: 输出文件应以 .csv 或 .xlsx 结尾 / the output file must end in .csv or .xlsx",
            args.output.display()
        );
    }
    let form = match load::form_or_exit(&args.form)? {
        Ok(form) => form,
        Err(code) => return Ok(code),
    };
    let id = form.questionnaire().id.clone();
    let catalog = Catalog::from_forms([(form, String::new())]);
    let entry = Entry::new(Layout::new(&id, catalog.versions(&id)));
    let written = if ext == "csv" {
        entry.write_csv(&args.output)?
    } else {
        let file = std::fs::File::create(&args.output).map_err(|e| {
            anyhow::anyhow!("{}: 无法写入 / cannot write: {e}", args.output.display())
        })?;
        entry.write_xlsx(std::io::BufWriter::new(file))?;
        vec![args.output.clone()]
    };
    for path in &written {
        eprintln!("✓ {} → {}", args.form.display(), path.display());
    }
    eprintln!(
        "导入：tianye import-responses {} --form {id} --team 队名 / import with: tianye import-responses {} --form {id} --team NAME",
        args.output.display(),
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
