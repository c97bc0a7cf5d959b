//! `tianye preview FORM`: the questionnaire in the form app at phone size beside the
//! checker's findings and a live verdict, updated whenever the file is saved (see
//! [`crate::preview`]).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use tianye_server::listen::{self, HEAD_LIMIT, Limits};

use crate::preview::{self, Shared};

/// Arguments of `tianye preview`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 问卷文件（JSON 或 XLSForm：.xlsx/.xls/.ods/.csv/.md）/ The questionnaire (JSON or
    /// XLSForm: .xlsx/.xls/.ods/.csv/.md).
    form: PathBuf,
    /// 监听地址；默认 127.0.0.1 上任选空闲端口 / Address to listen on; default a free port
    /// on 127.0.0.1.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    bind: String,
    /// 不打开浏览器，只打印链接 / Do not open a browser; only print the link.
    #[arg(long)]
    no_open: bool,
    /// 表单的界面语言 / The form app's language.
    #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
    lang: String,
    /// 已构建的网页应用目录；默认 dist/（当前目录下，或本程序旁）/ The built form app;
    /// default `dist/` here or beside this program.
    #[arg(long, value_name = "DIR")]
    web: Option<PathBuf>,
}

/// The built app: `--web`, else `dist/` in the current folder, else beside the program
/// (`target/debug/tianye` finds the repository's `dist/`).
fn web_dir(given: Option<&PathBuf>) -> Option<PathBuf> {
    if let Some(dir) = given {
        return Some(dir.clone());
    }
    let exe = std::env::current_exe().ok();
    let beside = exe.iter().flat_map(|e| e.ancestors().skip(1).take(3)).map(|d| d.join("dist"));
    std::iter::once(PathBuf::from("dist"))
        .chain(beside)
        .find(|d| d.join("index.html").is_file() && d.join("tianye_bg.wasm").is_file())
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if !args.form.is_file() {
        anyhow::bail!("{}: 找不到问卷文件 / no such questionnaire file", args.form.display());
    }
    let web = web_dir(args.web.as_ref());
    match &web {
        Some(dir) if !dir.join("index.html").is_file() => {
            anyhow::bail!("{}: 不是已构建的网页应用 / not a built form app", dir.display())
        }
        None => eprintln!(
            "警告 / warning: 没有找到网页应用（dist/），页面只显示检查结果；请运行 cargo xtask dist 或使用 --web / no built form app (dist/): the page shows the findings only; run cargo xtask dist or pass --web"
        ),
        Some(_) => {}
    }
    let shared = Shared::new(args.form.clone(), args.lang.clone());
    report_first(&shared, &args.form);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("tianye-preview")
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.bind).await.map_err(|e| {
            anyhow::anyhow!("无法监听 {} / cannot listen on {}: {e}", args.bind, args.bind)
        })?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            eprintln!(
                "警告 / warning: 预览在 {addr} 上对网络开放，问卷内容可被他人看到 / the preview is open to the network at {addr}: others can see the questionnaire"
            );
        }
        let shown = if addr.ip().is_unspecified() {
            format!("127.0.0.1:{}", addr.port())
        } else {
            addr.to_string()
        };
        let url = format!("http://{shown}/");
        println!("田野问卷预览 / Tianye questionnaire preview: {}", args.form.display());
        println!("保存文件后页面会自动更新；按 Ctrl-C 停止 / the page updates when the file is saved; Ctrl-C stops");
        println!("已启动 / listening on {url}");
        let _ = std::io::stdout().flush();
        preview::watch(&shared);
        if !args.no_open && let Err(e) = opener::open_browser(&url) {
            eprintln!("提示 / note: 无法打开浏览器，请手动打开上面的链接 / cannot open a browser: open the link above ({e})");
        }
        let router = preview::router(std::sync::Arc::clone(&shared), addr, web);
        let limits = Limits { head: HEAD_LIMIT, connections: MAX_CONNECTIONS };
        listen::serve(listener, router, limits, Duration::from_secs(1), stop()).await;
        anyhow::Ok(())
    })?;
    println!("已停止 / stopped");
    Ok(ExitCode::SUCCESS)
}

/// Connections held at once: a browser or two, each with a long poll open.
const MAX_CONNECTIONS: usize = 64;

/// The first reading, as `tianye check` would summarise it.
fn report_first(shared: &Shared, path: &Path) {
    let shot = shared.current();
    let (errors, warnings) = shot.counts();
    if errors > 0 {
        eprintln!("✗ {}: {errors} 个错误 / error(s)，详见页面 / see the page", path.display());
    } else {
        eprintln!("✓ {}: {warnings} 条警告 / warning(s)", path.display());
    }
}

/// Ctrl-C or SIGTERM.
async fn stop() {
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = async {
                match term.as_mut() {
                    Some(s) => { s.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
