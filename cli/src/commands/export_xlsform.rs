//! `tianye export-xlsform FORM -o FORM.xlsx`: write a questionnaire as an XLSForm for
//! ODK Collect and KoboToolbox (pyxform converts it); importing it back gives the same
//! questionnaire.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tianye_core::xlsform::{self, Format};

use crate::load::{self, FormError};

/// Arguments of `tianye export-xlsform`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 问卷（JSON 或 XLSForm）/ The questionnaire (JSON, or an XLSForm).
    form: PathBuf,
    /// 输出文件：.xlsx，或 .md（pyxform 的 markdown 表格）/ Output file: .xlsx, or .md (pyxform's markdown tables).
    #[arg(short, long)]
    output: PathBuf,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let loaded = load::load(&args.form);
    let form = match &loaded.form {
        Ok(form) => form,
        Err(FormError::Io(e)) => {
            anyhow::bail!("{}: 无法读取 / cannot read: {e}", args.form.display())
        }
        Err(FormError::Invalid(e)) => {
            eprintln!("{}", loaded.render(&args.form, &e.diagnostics));
            return Ok(ExitCode::from(1));
        }
        Err(FormError::Xlsform(e)) => {
            eprintln!("{}", load::render_findings(&args.form, e.findings()));
            return Ok(ExitCode::from(1));
        }
    };
    let q = load::questionnaire(form);
    let bytes = match load::xlsform_format(&args.output) {
        Some(Format::Xlsx) => xlsform::export_xlsx(q)?,
        Some(Format::Markdown) => xlsform::export(q).to_markdown().into_bytes(),
        _ => anyhow::bail!(
            "{}: 输出应为 .xlsx 或 .md / the output must be .xlsx or .md",
            args.output.display()
        ),
    };
    std::fs::write(&args.output, bytes)
        .map_err(|e| anyhow::anyhow!("{}: 无法写入 / cannot write: {e}", args.output.display()))?;
    eprintln!("✓ {} → {}", args.form.display(), args.output.display());
    load::copy_choice_files(q, &args.form, args.output.parent().unwrap_or(Path::new(".")))?;
    Ok(ExitCode::SUCCESS)
}
