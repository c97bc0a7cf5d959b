//! `tianye import FORM.xlsx [-o FORM.json]`: convert an XLSForm into a Tianye
//! questionnaire, after checking it as `tianye check` does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tianye_core::{Code, Diagnostic, Form, Item, LoadError, Questionnaire, choice_file};

use crate::load::{self, FormError, Loaded};

/// Arguments of `tianye import`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// XLSForm 文件（.xlsx/.xls/.ods/.csv/.md）/ The XLSForm (.xlsx, .xls, .ods, .csv or .md).
    form: PathBuf,
    /// 输出的问卷 JSON（默认输出到标准输出）/ Where to write the questionnaire JSON (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// 把警告也当作错误 / Treat warnings (anything left out or changed) as errors.
    #[arg(long)]
    strict: bool,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let Some(format) = load::xlsform_format(&args.form) else {
        anyhow::bail!(
            "{}: 不是 XLSForm 文件（应为 .xlsx/.xls/.ods/.csv/.md）/ not an XLSForm file (.xlsx, .xls, .ods, .csv or .md)",
            args.form.display()
        );
    };
    let import = match load::import_xlsform(&args.form, format, args.strict) {
        Ok(import) => import,
        Err(FormError::Xlsform(e)) => {
            eprintln!("{}", load::render_findings(&args.form, e.findings()));
            eprintln!("✗ {}: {} 个错误 / error(s)", args.form.display(), e.errors().count());
            return Ok(ExitCode::from(if load::unreadable(&e) { 2 } else { 1 }));
        }
        Err(FormError::Io(e)) => {
            anyhow::bail!("{}: 无法读取 / cannot read: {e}", args.form.display())
        }
        Err(FormError::Invalid(_)) => unreachable!("import does not compile"),
    };
    // Written out as imported: its choice files stay files (copied beside the output).
    let questionnaire = import.questionnaire.clone();
    let mut resolved = import.questionnaire;
    let mut file_errors = resolved.load_choice_files(choice_file::reader_beside(&args.form));
    let missing_files = missing_choice_files(&mut file_errors, &mut resolved);
    let compiled = if file_errors.is_empty() {
        Form::compile(resolved)
    } else {
        Err(LoadError { diagnostics: file_errors })
    };
    let loaded = Loaded {
        form: compiled.map_err(FormError::Invalid),
        xlsform: Some((import.findings, import.origins)),
    };
    let form = match &loaded.form {
        Ok(form) => form,
        Err(FormError::Invalid(e)) => {
            eprintln!("{}", loaded.render(&args.form, &e.diagnostics));
            eprintln!("✗ {}: {} 个错误 / error(s)", args.form.display(), e.errors().count());
            return Ok(ExitCode::from(1));
        }
        Err(_) => unreachable!("only compile errors here"),
    };
    let mut engine_warnings = form.warnings().to_vec();
    engine_warnings.extend(missing_files);
    let warnings = engine_warnings.len() + loaded.import_warnings().len();
    if warnings > 0 {
        eprintln!("{}", loaded.render(&args.form, &engine_warnings));
        if args.strict {
            return Ok(ExitCode::from(1));
        }
    }
    let json = serde_json::to_string_pretty(&questionnaire)? + "\n";
    match &args.output {
        Some(path) => {
            std::fs::write(path, json)
                .map_err(|e| anyhow::anyhow!("{}: 无法写入 / cannot write: {e}", path.display()))?;
            let media = path.parent().unwrap_or(Path::new(".")).join("media");
            load::copy_choice_files(&questionnaire, &args.form, &media)?;
            eprintln!(
                "✓ {} → {}: {} 项 / items, {warnings} 条警告 / warnings",
                args.form.display(),
                path.display(),
                questionnaire.all_items().count()
            );
        }
        None => print!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// A choice file that is not beside the form yet does not stop the conversion: pyxform
/// converts such a form, and its files are added later (ODK Central asks for them on
/// upload). Each missing file becomes a warning at every question offering its list,
/// which is compiled as empty; `tianye check` and `tianye serve` refuse the questionnaire
/// until the file is there. Takes the missing files' errors out of `errors`.
fn missing_choice_files(
    errors: &mut Vec<Diagnostic>,
    questionnaire: &mut Questionnaire,
) -> Vec<Diagnostic> {
    let (missing, others): (Vec<Diagnostic>, Vec<Diagnostic>) =
        std::mem::take(errors).into_iter().partition(|d| d.code == Code::ChoiceFileMissing);
    *errors = others;
    let mut warnings = Vec::new();
    for error in missing {
        let Some(list) = error.item.strip_prefix("choice_files.").map(str::to_owned) else {
            continue;
        };
        questionnaire.choice_lists.insert(list.clone(), Vec::new());
        let mut askers = Vec::new();
        offering(&questionnaire.items, "", &list, &mut askers);
        for path in askers {
            let mut warning = Diagnostic::warning(Code::ChoiceFileMissing, path);
            warning.params = error.params.clone();
            warnings.push(warning);
        }
    }
    warnings
}

/// The paths (`group/question`, as diagnostics name items) of the questions under
/// `items` that offer the choice list `list`.
fn offering(items: &[Item], prefix: &str, list: &str, found: &mut Vec<String>) {
    for item in items {
        let path =
            if prefix.is_empty() { item.name.clone() } else { format!("{prefix}/{}", item.name) };
        if item.choices.as_deref() == Some(list) {
            found.push(path.clone());
        }
        offering(&item.items, &path, list, found);
    }
}
