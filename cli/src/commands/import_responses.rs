//! `tianye import-responses FILE`: import the web app's "save all as file" backup (or
//! a bare array of responses), or a filled data-entry template (`.csv`, `.xlsx`: see
//! `tianye template`), each response validated and stored exactly like an upload.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;
use tianye_core::validate::ProblemView;
use tianye_server::auth::hash_token;
use tianye_server::entry::{Entry, RowError};
use tianye_server::export::Layout;
use tianye_server::forms::compare_versions;
use tianye_server::ingest::{Rejection, Uploader, outcome_reply, prepare};
use tianye_server::store::{Outcome, Store, TokenKind};
use tianye_server::{ApiError, Catalog};

use super::{DatabaseArg, open_store};

/// Arguments of `tianye import-responses`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 备份文件：{"exported_at", "responses": [...], "team_token"?, "unreadable"?, "files"?}
    /// 或答卷数组；或填好的录入模板 .csv、.xlsx（须 --form、--team）/ The backup file: `{"exported_at", "responses": [...], "team_token"?,
    /// "unreadable"?, "files"?}` (`unreadable`: records the phone could not read, `{key,
    /// error, text}`; `files`: the attachments, `{"<sha256>": "<base64>"}`) or an array
    /// of responses; or a filled data-entry template, `.csv` or `.xlsx` (see `tianye
    /// template`; needs --form and --team).
    file: PathBuf,
    /// 数据目录 / Data directory.
    #[arg(long, value_name = "DIR", default_value = "data")]
    data: PathBuf,
    #[command(flatten)]
    database: DatabaseArg,
    /// 记为哪个调查队上传；省略时用文件中的 team_token 所属的队 / The team to record;
    /// when absent, the team of the file's `team_token`.
    #[arg(long)]
    team: Option<String>,
    /// 先载入这些问卷（同 serve --forms）/ Load these questionnaires first (as `serve --forms`).
    #[arg(long, value_name = "DIR")]
    forms: Option<PathBuf>,
    /// 录入模板（.csv、.xlsx）所属问卷的 id / The questionnaire id of a data-entry template
    /// (`.csv`, `.xlsx`).
    #[arg(long, value_name = "ID")]
    form: Option<String>,
}

fn print_error(label: &str, e: &ApiError) {
    let body = e.body();
    println!("✗ {label}: [{}] {}", e.code.as_str(), body["message"].as_str().unwrap_or_default());
    if let Some(Value::Array(problems)) = body.get("problems") {
        for p in problems {
            let path = p["path"].as_str().filter(|s| !s.is_empty()).unwrap_or("(答卷 / response)");
            println!(
                "    {path} [{}] {}",
                p["code"].as_str().unwrap_or_default(),
                p["message"].as_str().unwrap_or_default()
            );
        }
        let unlisted = body["count"].as_u64().unwrap_or(0).saturating_sub(problems.len() as u64);
        if unlisted > 0 {
            println!("    … 另有 {unlisted} 个问题未列出 / {unlisted} more not listed");
        }
    }
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let ext = args.file.extension().and_then(|e| e.to_str()).unwrap_or_default();
    if ext.eq_ignore_ascii_case("csv") || ext.eq_ignore_ascii_case("xlsx") {
        return run_entry(args);
    }
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("无法读取 / cannot read {}", args.file.display()))?;
    // Read as the server reads an upload: a duplicate key anywhere, deep nesting or a
    // document too fragmented to read is refused, naming where.
    let doc: Value = tianye_core::json::parse_value(&text).map_err(|d| {
        let (line, column) = d.position.unwrap_or((0, 0));
        let path = if d.item.is_empty() { String::new() } else { format!(" ({})", d.item) };
        anyhow::anyhow!(
            "{}:{line}:{column}{path}: 不是有效的 JSON / not valid JSON: {} / {}",
            args.file.display(),
            d.message(tianye_core::Lang::Zh),
            d.message(tianye_core::Lang::En)
        )
    })?;
    let (responses, file_token, unreadable, files) = match doc {
        Value::Array(items) => (items, None, Vec::new(), serde_json::Map::new()),
        Value::Object(mut map) => match map.remove("responses") {
            Some(Value::Array(items)) => (
                items,
                map.get("team_token").and_then(Value::as_str).map(str::to_owned),
                match map.remove("unreadable") {
                    Some(Value::Array(bad)) => bad,
                    _ => Vec::new(),
                },
                match map.remove("files") {
                    Some(Value::Object(files)) => files,
                    None | Some(Value::Null) => serde_json::Map::new(),
                    Some(_) => anyhow::bail!(
                        "{}: \"files\" 应为对象 {{\"<sha256>\": \"<base64>\"}} / \"files\" must be an object {{\"<sha256>\": \"<base64>\"}}",
                        args.file.display()
                    ),
                },
            ),
            _ => anyhow::bail!(
                "{}: 应为答卷数组，或带 \"responses\" 数组的对象 / expected an array of responses, or an object with a \"responses\" array",
                args.file.display()
            ),
        },
        _ => anyhow::bail!(
            "{}: 应为答卷数组，或带 \"responses\" 数组的对象 / expected an array of responses, or an object with a \"responses\" array",
            args.file.display()
        ),
    };
    tianye_server::backup_files::check_files_map(&files)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let opened = open_store(&args.data, &args.database)?;
    let store = &*opened.store;
    let who = match (&args.team, file_token) {
        (Some(team), _) => Uploader { team: team.trim().to_owned(), token_id: None },
        (None, Some(token)) => match store.token_by_hash(&hash_token(&token))? {
            Some(t) if t.kind == TokenKind::Team && t.revoked_at.is_none() => {
                Uploader { team: t.team, token_id: Some(t.id) }
            }
            Some(t) if t.revoked_at.is_some() => anyhow::bail!(
                "文件中的 team_token 已被撤销；请用 --team 指定调查队 / the file's team_token was revoked: give the team with --team"
            ),
            _ => anyhow::bail!(
                "文件中的 team_token 无效；请用 --team 指定调查队 / the file's team_token is unknown: give the team with --team"
            ),
        },
        (None, None) => anyhow::bail!(
            "文件中没有 team_token；请用 --team 指定调查队 / the file has no team_token: give the team with --team"
        ),
    };
    if who.team.is_empty() {
        anyhow::bail!("调查队名称不能为空 / the team name must not be empty");
    }
    let (catalog, notes) = Catalog::load(store, args.forms.as_deref())?;
    for w in &notes.warnings {
        eprintln!("警告 / warning: {w}");
    }
    // Validate everything first, then hand all valid ones to the writer at once: they
    // are committed together (group commit), and results are printed in file order.
    let mut pending = Vec::new();
    let (mut created, mut duplicate, mut conflict, mut rejected) = (0, 0, 0, 0);
    let mut files_missing = 0;
    // Records the phone could not read (damaged, or written by a newer app) come with
    // their text: one whose text is a record of a response is imported as that response.
    let mut items: Vec<(String, Value)> = responses
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let label = match item.get("instance_id").and_then(Value::as_str) {
                Some(id) => format!("[{}] {id}", i + 1),
                None => format!("[{}]", i + 1),
            };
            (label, item)
        })
        .collect();
    let mut not_records = Vec::new();
    for (i, bad) in unreadable.iter().enumerate() {
        let key = bad["key"].as_str().unwrap_or_default();
        let label = format!("[unreadable {}] {key}", i + 1);
        let text = bad["text"].as_str().unwrap_or_default();
        match tianye_core::json::parse_value(text)
            .ok()
            .and_then(|mut v| v.get_mut("response").map(Value::take))
        {
            Some(response) if response.is_object() => items.push((label, response)),
            _ => not_records.push((label, bad["error"].as_str().unwrap_or_default())),
        }
    }
    for (label, item) in items {
        let raw = item.to_string();
        match prepare(&catalog, &raw, &who) {
            Ok(sub) => {
                let key = (sub.instance_id.clone(), sub.form_id.clone(), sub.version.clone());
                pending.push((label, key, Ok(store.submit(sub))));
            }
            Err(rejection) => pending.push((label, Default::default(), Err(rejection))),
        }
    }
    for (label, (instance_id, form_id, version), result) in pending {
        match result {
            Err(rejection) => {
                rejected += 1;
                print_error(&label, &ApiError::from(rejection));
            }
            Ok(waiting) => match waiting.blocking_recv() {
                Ok(Ok(outcome)) => {
                    let reply = outcome_reply(&outcome, &instance_id, &form_id, &version);
                    let (zh, en) = reply.messages();
                    match outcome {
                        Outcome::Created { .. } => {
                            created += 1;
                            println!("✓ {label}: {zh} / {en}");
                            files_missing += attach(store, &instance_id, &files)?;
                        }
                        Outcome::Duplicate { .. } => {
                            duplicate += 1;
                            println!("= {label}: {zh} / {en}");
                            files_missing += attach(store, &instance_id, &files)?;
                        }
                        Outcome::Conflict { .. } => {
                            conflict += 1;
                            print_error(&label, &reply);
                        }
                    }
                }
                Ok(Err(e)) => {
                    rejected += 1;
                    print_error(&label, &ApiError::storage(&e));
                }
                Err(_) => {
                    rejected += 1;
                    println!("✗ {label}: 存储已关闭 / the store closed");
                }
            },
        }
    }
    for (label, error) in not_records {
        rejected += 1;
        println!(
            "✗ {label}: [backup.unreadable] 手机上无法读取，原文也不是答卷记录 / could not be read on the phone, and its text is not a response record: {error}"
        );
    }
    let total = created + duplicate + conflict + rejected;
    println!(
        "共 {total} 份：新保存 {created}，已存在 {duplicate}，冲突 {conflict}，未保存 {rejected} / {total} response(s): {created} created, {duplicate} duplicate, {conflict} conflict, {rejected} rejected"
    );
    if files_missing > 0 {
        println!(
            "有 {files_missing} 个附件尚未收到（备份中没有，或内容不符）/ {files_missing} file(s) not received yet (not in the backup, or not the bytes the answers name)"
        );
    }
    Ok(ExitCode::from(u8::from(conflict + rejected + files_missing > 0)))
}

/// Stores the files of the stored response `instance_id` that `files` holds, prints
/// what became of them, and returns how many of its files are still missing.
fn attach(
    store: &dyn Store,
    instance_id: &str,
    files: &serde_json::Map<String, Value>,
) -> anyhow::Result<usize> {
    let attached = tianye_server::backup_files::attach(store, instance_id, files)?;
    for (file, why) in &attached.refused {
        println!("    ✗ {file}: [attachment.mismatch] {why}");
    }
    let Some(summary) = attached.summary.filter(|s| s.expected > 0) else { return Ok(0) };
    let (got, of) = (summary.received, summary.expected);
    if summary.missing.is_empty() {
        println!("    附件 {got}/{of} 已收到 / files: {got} of {of} received");
    } else {
        let missing = summary.missing.join(", ");
        println!(
            "    附件 {got}/{of} 已收到，缺：{missing} / files: {got} of {of} received, missing: {missing}"
        );
    }
    Ok(summary.missing.len())
}

/// A filled data-entry template: every paper form read, validated like an upload and
/// stored when it has no problem; each problem printed with its file, row and column.
fn run_entry(args: &Args) -> anyhow::Result<ExitCode> {
    let (Some(form_id), Some(team)) = (&args.form, &args.team) else {
        anyhow::bail!(
            "录入模板须用 --form 指明问卷 id、用 --team 指明调查队 / a data-entry template needs --form (the questionnaire id) and --team"
        );
    };
    let team = team.trim();
    if team.is_empty() {
        anyhow::bail!("调查队名称不能为空 / the team name must not be empty");
    }
    let opened = open_store(&args.data, &args.database)?;
    let store = &*opened.store;
    let (catalog, notes) = Catalog::load(store, args.forms.as_deref())?;
    for w in &notes.warnings {
        eprintln!("警告 / warning: {w}");
    }
    let versions = catalog.versions(form_id);
    let Some(newest) = catalog
        .current(form_id)
        .or_else(|| versions.iter().max_by(|a, b| compare_versions(a.version(), b.version())))
    else {
        anyhow::bail!(
            "没有 id 为 {form_id} 的问卷（用 --forms 载入）/ no questionnaire with id {form_id} (load it with --forms)"
        );
    };
    if newest.form.questionnaire().encryption.is_some() {
        anyhow::bail!(
            "问卷 {form_id} 的答卷须加密，录入模板导入的是明文，暂不支持 / questionnaire {form_id} takes sealed responses only, and a data-entry template holds plain text: not supported"
        );
    }
    let entry = Entry::new(Layout::new(form_id, versions));
    let (grids, warnings) = entry.read(&args.file)?;
    for w in warnings {
        eprintln!("警告 / warning: {w}");
    }
    let file_name =
        args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (forms, orphans) = entry.responses(&grids, form_id, newest.version(), &file_name)?;
    let who = Uploader { team: team.to_owned(), token_id: None };
    let (mut created, mut duplicate, mut conflict, mut rejected) = (0, 0, 0, 0);
    let mut pending = Vec::new();
    for form in &forms {
        let label = format!(
            "{} 第 {} 行 / row {} [{}]",
            form.origin.table, form.origin.row, form.origin.row, form.key
        );
        match &form.response {
            Err(errors) => pending.push((form, label, Err(Problems::Rows(errors.clone())))),
            Ok(response) => match prepare(&catalog, &response.to_string(), &who) {
                Ok(sub) => {
                    let key = (sub.instance_id.clone(), sub.version.clone());
                    pending.push((form, label, Ok((key, store.submit(sub)))));
                }
                Err(Rejection::Invalid { problems, count, .. }) => {
                    pending.push((form, label, Err(Problems::Engine(problems, count))));
                }
                Err(other) => {
                    pending.push((form, label, Err(Problems::Refused(ApiError::from(other)))));
                }
            },
        }
    }
    for (form, label, result) in pending {
        match result {
            Err(problems) => {
                rejected += 1;
                println!("✗ {label}: 未保存 / not stored");
                match problems {
                    Problems::Rows(errors) => {
                        for e in errors {
                            print_row_error(&e);
                        }
                    }
                    Problems::Engine(problems, count) => {
                        for p in &problems {
                            let origin = form.origin_of(&p.path);
                            let field = p.field.as_deref().unwrap_or_default();
                            let column = match origin.column_of(field) {
                                Some((letter, header)) => {
                                    format!(" {letter} 列 / column {letter} ({header})")
                                }
                                None => String::new(),
                            };
                            let path = if p.path.is_empty() {
                                "(答卷 / response)"
                            } else {
                                p.path.as_str()
                            };
                            println!(
                                "    {} 第 {} 行 / row {}{column}: {path} [{}] {} / {}",
                                origin.table,
                                origin.row,
                                origin.row,
                                p.code.as_str(),
                                p.message_zh,
                                p.message_en
                            );
                        }
                        let unlisted = count.saturating_sub(problems.len());
                        if unlisted > 0 {
                            println!(
                                "    … 另有 {unlisted} 个问题未列出 / {unlisted} more not listed"
                            );
                        }
                    }
                    Problems::Refused(e) => {
                        let body = e.body();
                        let o = &form.origin;
                        println!(
                            "    {} 第 {} 行 / row {}: [{}] {}",
                            o.table,
                            o.row,
                            o.row,
                            e.code.as_str(),
                            body["message"].as_str().unwrap_or_default()
                        );
                    }
                }
            }
            Ok(((instance_id, version), waiting)) => match waiting.blocking_recv() {
                Ok(Ok(outcome)) => {
                    let reply = outcome_reply(&outcome, &instance_id, form_id, &version);
                    let (zh, en) = reply.messages();
                    match outcome {
                        Outcome::Created { .. } => {
                            created += 1;
                            println!("✓ {label}: {zh} / {en}");
                        }
                        Outcome::Duplicate { .. } => {
                            duplicate += 1;
                            println!("= {label}: {zh} / {en}");
                        }
                        Outcome::Conflict { .. } => {
                            conflict += 1;
                            print_error(&label, &reply);
                        }
                    }
                }
                Ok(Err(e)) => {
                    rejected += 1;
                    print_error(&label, &ApiError::storage(&e));
                }
                Err(_) => {
                    rejected += 1;
                    println!("✗ {label}: 存储已关闭 / the store closed");
                }
            },
        }
    }
    for e in &orphans {
        rejected += 1;
        println!("✗ {} 第 {} 行 / row {}: 未保存 / not stored", e.table, e.row, e.row);
        print_row_error(e);
    }
    let total = created + duplicate + conflict + rejected;
    println!(
        "共 {total} 份：新保存 {created}，已存在 {duplicate}，冲突 {conflict}，未保存 {rejected} / {total} form(s): {created} created, {duplicate} duplicate, {conflict} conflict, {rejected} rejected"
    );
    Ok(ExitCode::from(u8::from(conflict + rejected > 0)))
}

/// Why a paper form was not stored.
enum Problems {
    /// Its rows could not be read into a response.
    Rows(Vec<RowError>),
    /// The engine's problems (the first listed, and how many in all).
    Engine(Vec<ProblemView>, usize),
    /// Refused for another reason (an unknown version, a questionnaire that seals).
    Refused(ApiError),
}

fn print_row_error(e: &RowError) {
    let column = e.column.as_deref().map(|c| format!(" {c} 列 / column {c}")).unwrap_or_default();
    println!("    {} 第 {} 行 / row {}{column}: {} / {}", e.table, e.row, e.row, e.zh, e.en);
}
