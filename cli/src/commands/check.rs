//! `tianye check FORM...`: load and statically check questionnaires.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::load::{self, FormError};

/// Arguments of `tianye check`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 问卷文件（JSON 或 XLSForm：.xlsx/.xls/.ods/.csv/.md）或目录（目录下所有 form.json）/ Questionnaire files (JSON or XLSForm: .xlsx/.xls/.ods/.csv/.md), or directories holding `form.json` files.
    #[arg(required = true)]
    forms: Vec<PathBuf>,
    /// 把警告也当作错误 / Treat warnings as errors.
    #[arg(long)]
    strict: bool,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let paths = load::expand(&args.forms);
    if paths.is_empty() {
        anyhow::bail!("没有找到问卷 / no questionnaire found in {:?}", args.forms);
    }
    let (mut problems, mut unreadable) = (false, false);
    for path in paths {
        let loaded = load::load(&path);
        match &loaded.form {
            Ok(form) => {
                let q = form.questionnaire();
                if let Some(bad_key) = tianye_core::seal::check_questionnaire_key(q) {
                    eprintln!("{}", loaded.render(&path, std::slice::from_ref(&bad_key)));
                    eprintln!("✗ {}: 1 个错误 / error(s)", path.display());
                    problems = true;
                    continue;
                }
                let warnings = form.warnings();
                let count = warnings.len() + loaded.import_warnings().len();
                if count > 0 {
                    eprintln!("{}", loaded.render(&path, warnings));
                    problems |= args.strict;
                }
                println!(
                    "✓ {}: {}@{} — {} 项 / items, {} 条警告 / warnings",
                    path.display(),
                    q.id,
                    q.version,
                    form.fields().len(),
                    count
                );
            }
            Err(FormError::Io(e)) => {
                eprintln!("✗ {}: 无法读取 / cannot read: {e}", path.display());
                unreadable = true;
            }
            Err(FormError::Xlsform(e)) => {
                eprintln!("{}", load::render_findings(&path, e.findings()));
                let errors = e.errors().count();
                eprintln!("✗ {}: {errors} 个错误 / error(s)", path.display());
                if load::unreadable(e) { unreadable = true } else { problems = true }
            }
            Err(FormError::Invalid(e)) => {
                eprintln!("{}", loaded.render(&path, &e.diagnostics));
                let errors = e.errors().count();
                eprintln!("✗ {}: {errors} 个错误 / error(s)", path.display());
                let malformed = e.diagnostics.iter().any(|d| d.position.is_some());
                if malformed { unreadable = true } else { problems = true }
            }
        }
    }
    Ok(ExitCode::from(if unreadable { 2 } else { u8::from(problems) }))
}
