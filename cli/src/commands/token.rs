//! `tianye token create|list|revoke`: team upload tokens and admin tokens.

use std::path::PathBuf;
use std::process::ExitCode;

use tianye_server::auth::{generate_token, hash_token, team_link};
use tianye_server::store::{Opened, Revoke, TokenKind};

use super::{DatabaseArg, open_store};

/// Arguments of `tianye token`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// 为调查队创建上传令牌，输出带令牌的表单链接；最后一行只有令牌 / Create a team's upload
    /// token and print a form link carrying it; the last line is the token alone.
    Create(CreateArgs),
    /// 列出所有令牌（不含令牌本身）/ List every token (never the token itself).
    List(DataArgs),
    /// 撤销令牌：按编号或按调查队 / Revoke tokens, by id or by team.
    Revoke(RevokeArgs),
}

#[derive(clap::Args)]
struct DataArgs {
    /// 数据目录 / Data directory.
    #[arg(long, value_name = "DIR", default_value = "data")]
    data: PathBuf,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(clap::Args)]
struct CreateArgs {
    #[command(flatten)]
    data: DataArgs,
    /// 调查队名称 / Team name.
    #[arg(long, required_unless_present = "admin")]
    team: Option<String>,
    /// 创建新的管理员令牌（例如原令牌遗失时）/ Create a new admin token instead (e.g. when
    /// the old one is lost).
    #[arg(long, conflicts_with = "team")]
    admin: bool,
    /// 服务器对外地址，用于表单链接 / The server's address as teams reach it, for the link.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// 在终端以二维码显示表单链接，供调查队用手机扫描 / Show the form link as a QR code in
    /// the terminal, for the team to scan with a phone.
    #[arg(long, conflicts_with = "admin")]
    qr: bool,
    /// 把表单链接的二维码写入文件（.png 或 .svg，仅本人可读：含令牌）/ Write the form
    /// link's QR code to a file (.png or .svg; readable by its owner only: it holds the
    /// token).
    #[arg(long, value_name = "PATH", conflicts_with = "admin")]
    qr_file: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RevokeArgs {
    /// 令牌编号（见 token list）/ Token id (see `token list`).
    #[arg(required_unless_present = "team", conflicts_with = "team")]
    id: Option<i64>,
    #[command(flatten)]
    data: DataArgs,
    /// 撤销该调查队的所有令牌 / Revoke every token of this team.
    #[arg(long)]
    team: Option<String>,
}

fn open(data: &DataArgs) -> anyhow::Result<Opened> {
    open_store(&data.data, &data.database)
}

fn create(args: &CreateArgs) -> anyhow::Result<ExitCode> {
    let (kind, team) = if args.admin {
        (TokenKind::Admin, "admin".to_owned())
    } else {
        let team = args.team.as_deref().unwrap_or_default().trim().to_owned();
        if team.is_empty() || team.chars().count() > 64 || team.chars().any(char::is_control) {
            anyhow::bail!(
                "调查队名称应为 1 到 64 个字符 / the team name must be 1 to 64 characters"
            );
        }
        (TokenKind::Team, team)
    };
    if let Some(path) = &args.qr_file {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        if !matches!(ext.as_deref(), Some("png" | "svg")) {
            anyhow::bail!(
                "--qr-file 应以 .png 或 .svg 结尾：{0} / --qr-file must end in .png or .svg: {0}",
                path.display()
            );
        }
    }
    let store = open(&args.data)?.store;
    let token = generate_token().map_err(|e| anyhow::anyhow!("{e}"))?;
    let stored = store.create_token(kind, &team, &hash_token(&token))?;
    match kind {
        TokenKind::Team => {
            println!("调查队 / team: {team} (令牌编号 / token id {})", stored.id);
            let link = team_link(&args.url, &token);
            println!("表单链接 / form link: {link}");
            if args.qr || args.qr_file.is_some() {
                let code = crate::qr::encode(&link)?;
                if args.qr {
                    print!("{}", crate::qr::terminal(&code));
                }
                if let Some(path) = &args.qr_file {
                    crate::qr::write_file(&code, path)?;
                    println!("二维码 / QR code: {}", path.display());
                }
            }
        }
        TokenKind::Admin => {
            println!("管理员令牌 / admin token (令牌编号 / token id {})", stored.id);
            println!("管理页面 / overview: {}/admin", args.url.trim_end_matches('/'));
        }
    }
    println!("令牌只显示这一次 / the token is shown only once:");
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

fn list(args: &DataArgs) -> anyhow::Result<ExitCode> {
    let store = open(args)?.store;
    let tokens = store.tokens()?;
    if tokens.is_empty() {
        println!("没有令牌 / no tokens");
    }
    println!("编号/id\t类型/kind\t调查队/team\t创建/created\t状态/status");
    for t in tokens {
        let status = match &t.revoked_at {
            Some(at) => format!("已撤销 / revoked {at}"),
            None => "有效 / active".to_owned(),
        };
        println!("{}\t{}\t{}\t{}\t{status}", t.id, t.kind, t.team, t.created_at);
    }
    Ok(ExitCode::SUCCESS)
}

fn revoke(args: &RevokeArgs) -> anyhow::Result<ExitCode> {
    let store = open(&args.data)?.store;
    let which = match (&args.team, args.id) {
        (Some(team), _) => Revoke::Team(team.clone()),
        (None, Some(id)) => Revoke::Id(id),
        (None, None) => anyhow::bail!("请给出令牌编号或 --team / give a token id or --team"),
    };
    let n = store.revoke(&which)?;
    if n == 0 {
        eprintln!("没有可撤销的有效令牌 / no active token matched");
        return Ok(ExitCode::from(1));
    }
    println!("已撤销 {n} 个令牌 / revoked {n} token(s)");
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Command::Create(a) => create(a),
        Command::List(a) => list(a),
        Command::Revoke(a) => revoke(a),
    }
}
