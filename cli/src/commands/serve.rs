//! `tianye serve`: run the collection server.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tianye_server::store::Registration;
use tianye_server::{AppConfig, CorsOrigins, MAX_BODY, ServeConfig, Started};

/// Arguments of `tianye serve`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 数据目录（SQLite 数据库和附件文件所在，不存在则创建）/ Data directory holding the
    /// SQLite database and the attachment files (created if missing).
    #[arg(long, value_name = "DIR", default_value = "data")]
    data: PathBuf,
    #[command(flatten)]
    database: super::DatabaseArg,
    /// 监听地址（端口 0 表示任选空闲端口）/ Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    bind: String,
    /// 问卷目录（其下所有 form.json）或单个问卷文件；默认 questionnaires/（若存在）/
    /// Questionnaire directory (every `form.json` below it) or file; default
    /// `questionnaires/` when it exists.
    #[arg(long, value_name = "DIR")]
    forms: Option<PathBuf>,
    /// 已构建的网页应用目录；默认 dist/（若存在）/ The built web app; default `dist/`
    /// when it exists.
    #[arg(long, value_name = "DIR")]
    web: Option<PathBuf>,
    /// 允许从这些来源（网页）调用上传接口、并在框架中显示表单，可重复；默认任何来源可调用接口，
    /// 只有本站可用框架显示；"*" 表示任何来源都可以 / Origins allowed to call the upload API
    /// from a browser and to frame the form pages (repeatable). Default: any origin may call
    /// the API, only this site may frame the pages; "*": any origin may do both.
    #[arg(long = "cors-origin", value_name = "URL")]
    cors_origins: Vec<String>,
    /// 数据库文件大小上限（MB），超出后上传得到 503，已存数据不受影响 / Largest database
    /// size in MB: past it uploads get 503 and nothing stored is touched.
    #[arg(long, value_name = "MB", conflicts_with = "database")]
    max_db_mb: Option<u64>,
}

fn default_dir(given: Option<&PathBuf>, fallback: &str) -> Option<PathBuf> {
    match given {
        Some(p) => Some(p.clone()),
        None => Path::new(fallback).is_dir().then(|| PathBuf::from(fallback)),
    }
}

fn report(started: &Started) {
    println!("田野采集服务器 / Tianye collection server");
    println!("数据库 / database: {}", started.database);
    for (id, version, reg) in &started.loaded {
        let what = match reg {
            Registration::New => "新版本，已保存 / new version, stored",
            Registration::Unchanged => "已有 / known",
            Registration::Replaced => {
                "内容有变，尚无答卷，已更新 / changed, no submissions yet, updated"
            }
            Registration::ChangedWithSubmissions { .. } => "?",
        };
        println!("问卷 / questionnaire: {id}@{version} — {what}");
    }
    for w in &started.warnings {
        eprintln!("警告 / warning: {w}");
    }
    if let Some(token) = &started.new_admin_token {
        println!(
            "管理员令牌（只显示这一次，请妥善保存）/ admin token (shown only once, keep it safe):"
        );
        println!("admin token: {token}");
        println!(
            "管理页面（已登录）/ overview, signed in: http://{}/admin#token={token}",
            started.addr
        );
    }
    println!("管理页面 / overview: http://{}/admin", started.addr);
    println!("同时连接上限 / connections at once: {}", started.max_connections);
    if !started.addr.ip().is_loopback() {
        // Phones reach it at another address: over plain http the browser runs no
        // service worker, and the app cannot open in a village without signal.
        println!(
            "提示 / note: 手机须用 https 打开本应用才能离线使用：请在前面放一个持有证书的反向代理（见 README）/ phones must open the app over https to use it offline: put a reverse proxy that holds a certificate in front (see README)"
        );
    }
    println!("已启动 / listening on http://{}", started.addr);
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let forms = default_dir(args.forms.as_ref(), "questionnaires");
    if forms.is_none() {
        eprintln!(
            "提示 / note: 没有问卷目录，只使用数据库中已有的问卷 / no questionnaire directory: using the questionnaires stored in the database"
        );
    }
    let frame_anywhere = args.cors_origins.iter().any(|o| o.trim() == "*");
    let config = ServeConfig {
        data_dir: args.data.clone(),
        database: args.database.database.clone(),
        bind: args.bind.clone(),
        forms,
        max_db_bytes: args.max_db_mb.map(|mb| mb.saturating_mul(1024 * 1024)),
        app: AppConfig {
            web_dir: default_dir(args.web.as_ref(), "dist"),
            cors: if args.cors_origins.is_empty() || frame_anywhere {
                CorsOrigins::Any
            } else {
                CorsOrigins::List(args.cors_origins.clone())
            },
            frame_anywhere,
            max_body: MAX_BODY,
        },
    };
    tianye_server::serve(config, report)?;
    println!("已停止 / stopped");
    Ok(ExitCode::SUCCESS)
}
