//! `tianye validate FORM RESPONSE...`: validate responses against a questionnaire.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;
use tianye_core::expr::DateTime;
use tianye_core::{Diagnostic, Options, Response};

use crate::load;

/// Arguments of `tianye validate`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 问卷文件 / The questionnaire.
    form: PathBuf,
    /// 答卷 JSON 文件（也接受 questionnaires/*/cases 中的测试用例）/ Response JSON files
    /// (test cases from `questionnaires/*/cases` are accepted too).
    #[arg(required = true)]
    responses: Vec<PathBuf>,
    /// 每份答卷输出一行 JSON（问题、被清除的答案、计算值）/ Print one JSON object per
    /// response per line (problems, cleared answers, calculated values).
    #[arg(long)]
    json: bool,
    /// 提示语言 / Language of messages.
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
    /// 答卷未记录提交时间时，以此时间判断 today()（默认当前时间，UTC+8）/ The time to judge
    /// `today()` by when a response records no submission time (default: now, UTC+8).
    #[arg(long, value_name = "YYYY-MM-DDTHH:MM+08:00")]
    now: Option<String>,
}

/// Now, in Beijing time.
pub(crate) fn now_utc8() -> DateTime {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    DateTime::from_utc_millis(millis, 8 * 60)
}

/// Reads a response file: a bare response, or a test case with a `response` key. The
/// file is read as the server reads an upload (a duplicate key, deep nesting or a
/// document too fragmented to read is an error naming where).
pub(crate) fn read_response(path: &Path) -> Result<Response, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("无法读取 / cannot read: {e}"))?;
    let render = |d: &Diagnostic| {
        let place = d.position.map(|(l, c)| format!("{l}:{c}")).unwrap_or_default();
        let path = if d.item.is_empty() { String::new() } else { format!(" ({})", d.item) };
        format!("{place}{path}: {}", d.message(tianye_core::Lang::Zh))
            + &format!(" / {}", d.message(tianye_core::Lang::En))
    };
    let value = tianye_core::json::parse_value(&text).map_err(|d| render(&d))?;
    if let serde_json::Value::Object(mut map) = value {
        if let Some(inner) = map.remove("response") {
            return Response::from_value(inner).map_err(|e| format!("response: {e}"));
        }
        if let Ok(response) = Response::from_value(serde_json::Value::Object(map)) {
            return Ok(response);
        }
    }
    // Not a response: read the text again for the line, column and path of what is wrong.
    Response::from_json(&text).map_err(|d| render(&d))
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let form = match load::form_or_exit(&args.form)? {
        Ok(form) => form,
        Err(code) => return Ok(code),
    };
    let form = &form;
    let now = match &args.now {
        Some(text) => Some(
            DateTime::parse(text)
                .ok_or_else(|| anyhow::anyhow!("--now: 无效时间 / invalid time {text}"))?,
        ),
        None => Some(now_utc8()),
    };
    let options = Options { now, lang: args.lang.clone() };
    let (mut invalid, mut unreadable) = (false, false);
    for path in &args.responses {
        let file = path.display().to_string();
        let response = match read_response(path) {
            Ok(r) => r,
            Err(message) => {
                unreadable = true;
                if args.json {
                    println!(
                        "{}",
                        json!({"file": file, "valid": false, "error": message, "problems": []})
                    );
                } else {
                    eprintln!("✗ {file}: {message}");
                }
                continue;
            }
        };
        let report = form.validate(&response, &options);
        invalid |= !report.is_valid();
        if args.json {
            let problems = report.views(form, &args.lang);
            println!(
                "{}",
                json!({
                    "file": file,
                    "valid": report.is_valid(),
                    "count": report.problem_count,
                    "problems": problems,
                    "cleared": report.cleared,
                    "values": report.values
                })
            );
        } else if report.is_valid() {
            println!("✓ {file}: 有效 / valid");
        } else {
            println!("✗ {file}: {} 个问题 / problem(s)", report.problem_count);
            for p in &report.problems {
                let path = if p.path.is_empty() { "(答卷 / response)" } else { &p.path };
                println!("    {path} [{}] {}", p.code, p.message(&args.lang));
            }
            let unlisted = report.problem_count - report.problems.len();
            if unlisted > 0 {
                println!("    … 另有 {unlisted} 个问题未列出 / {unlisted} more not listed");
            }
        }
    }
    Ok(ExitCode::from(if unreadable { 2 } else { u8::from(invalid) }))
}
