//! `tianye token create|list|revoke|target`: team upload tokens, admin tokens, and each
//! team's target.

use std::path::PathBuf;
use std::process::ExitCode;

use tianye_server::auth::{generate_token, hash_token, team_link};
use tianye_server::store::{MAX_TEAM_TARGET, Opened, Revoke, TokenKind};

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
    /// 设置或取消调查队的目标答卷数 / Set or clear a team's target number of submissions.
    Target(TargetArgs),
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
    /// 该调查队的目标答卷数（1 到 1000000，按队计，不按令牌）/ The team's target number of
    /// submissions (1 to 1,000,000; per team, not per token).
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "admin",
        allow_negative_numbers = true,
        value_parser = parse_target
    )]
    target: Option<u32>,
}

#[derive(clap::Args)]
struct TargetArgs {
    /// 目标答卷数（1 到 1000000）/ Target number of submissions (1 to 1,000,000).
    #[arg(
        value_name = "N",
        required_unless_present = "clear",
        conflicts_with = "clear",
        allow_negative_numbers = true,
        value_parser = parse_target
    )]
    target: Option<u32>,
    #[command(flatten)]
    data: DataArgs,
    /// 调查队名称 / Team name.
    #[arg(long)]
    team: String,
    /// 取消该调查队的目标 / Remove the team's target.
    #[arg(long)]
    clear: bool,
}

/// A target as given on the command line: a whole number from 1 to [`MAX_TEAM_TARGET`].
fn parse_target(text: &str) -> Result<u32, String> {
    text.trim().parse::<u32>().ok().filter(|n| (1..=MAX_TEAM_TARGET).contains(n)).ok_or_else(|| {
        "目标答卷数应为 1 到 1000000 之间的整数 / the target must be a whole number from 1 \
             to 1,000,000"
            .to_owned()
    })
}

/// The team name given, trimmed, or why it cannot be one.
fn team_name(given: &str) -> anyhow::Result<String> {
    let team = given.trim().to_owned();
    if team.is_empty() || team.chars().count() > 64 || team.chars().any(char::is_control) {
        anyhow::bail!("调查队名称应为 1 到 64 个字符 / the team name must be 1 to 64 characters");
    }
    Ok(team)
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
        (TokenKind::Team, team_name(args.team.as_deref().unwrap_or_default())?)
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
    if let Some(target) = args.target {
        store.set_team_target(&team, Some(target))?;
    }
    let token = generate_token().map_err(|e| anyhow::anyhow!("{e}"))?;
    let stored = store.create_token(kind, &team, &hash_token(&token))?;
    match kind {
        TokenKind::Team => {
            println!("调查队 / team: {team} (令牌编号 / token id {})", stored.id);
            if let Some(target) = args.target {
                println!("目标 / target: {target}");
            }
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
    let targets = store.team_targets()?;
    if tokens.is_empty() {
        println!("没有令牌 / no tokens");
    }
    println!("编号/id\t类型/kind\t调查队/team\t创建/created\t状态/status\t目标/target");
    for t in &tokens {
        let status = match &t.revoked_at {
            Some(at) => format!("已撤销 / revoked {at}"),
            None => "有效 / active".to_owned(),
        };
        let target = match t.kind {
            TokenKind::Team => targets.iter().find(|g| g.team == t.team).map(|g| g.target),
            TokenKind::Admin => None,
        };
        let target = target.map_or_else(|| "-".to_owned(), |n| n.to_string());
        println!("{}\t{}\t{}\t{}\t{status}\t{target}", t.id, t.kind, t.team, t.created_at);
    }
    // Targets of teams without a token (their tokens were never made here, or a team
    // that only imported), so that every target is listed.
    let without: Vec<_> = targets
        .iter()
        .filter(|g| !tokens.iter().any(|t| t.kind == TokenKind::Team && t.team == g.team))
        .collect();
    if !without.is_empty() {
        println!("没有令牌的调查队 / teams without a token:");
        println!("调查队/team\t目标/target");
        for g in without {
            println!("{}\t{}", g.team, g.target);
        }
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

fn target(args: &TargetArgs) -> anyhow::Result<ExitCode> {
    let team = team_name(&args.team)?;
    let store = open(&args.data)?.store;
    let before = store.set_team_target(&team, args.target)?;
    let was = before.map_or_else(|| "-".to_owned(), |n| n.to_string());
    // A name typed wrong would quietly start a team of its own: say so.
    let known = store.tokens()?.iter().any(|t| t.kind == TokenKind::Team && t.team == team);
    if args.target.is_some() && !known {
        eprintln!(
            "注意：调查队 {team} 还没有令牌，请核对名称 / note: team {team} has no token yet; check the name"
        );
    }
    match args.target {
        Some(n) => println!("调查队 {team} 的目标 / target of team {team}: {n} (原为 / was {was})"),
        None if before.is_some() => {
            println!(
                "已取消调查队 {team} 的目标 / removed the target of team {team} (原为 / was {was})"
            );
        }
        None => {
            eprintln!("调查队 {team} 没有目标 / team {team} has no target");
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Command::Create(a) => create(a),
        Command::List(a) => list(a),
        Command::Revoke(a) => revoke(a),
        Command::Target(a) => target(a),
    }
}
