//! The demo team's upload link, kept across restarts of `cargo xtask serve`. Its token is
//! made once (`tianye token create`) and kept in the data folder as [`FILE`], then used
//! again at every start while the database holds it active, so phones with responses
//! waiting keep uploading through a restart. A new token is made only when none is kept,
//! or the kept one was revoked or is not in the database (the database was deleted or
//! replaced), and the task says so.
//!
//! What must stay true: the file holds a secret (whoever has the token can upload as the
//! team), so it is written 0600 (the data folder itself is 0700), and it is never printed
//! except as the link the task exists to print.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::setup::root;

/// The demo team's name.
pub(crate) const TEAM: &str = "demo";

/// The file in the data folder that keeps the demo team's token.
pub(crate) const FILE: &str = "demo-team.token";

/// The `tianye token list` status of a token in use.
const ACTIVE: &str = "有效 / active";

/// The token as kept, with its row id and creation time: a database made afresh numbers
/// its tokens from 1 again, and the creation time (to the millisecond) tells its token
/// from the kept one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kept {
    id: i64,
    created: String,
    token: String,
}

impl Kept {
    fn parse(text: &str) -> Option<Self> {
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Some(Kept {
            id: value("id")?.parse().ok()?,
            created: value("created")?,
            token: value("token")?,
        })
    }

    fn text(&self) -> String {
        format!(
            "# 演示调查队 {TEAM} 的上传令牌，由 cargo xtask serve 保存；凭它可以以该队名义上传，请勿外传。\n\
             # The demo team's upload token, kept by cargo xtask serve: it lets anyone upload as\n\
             # that team, so keep it private. Delete this file for a new one at the next start.\n\
             id={}\ncreated={}\ntoken={}\n",
            self.id, self.created, self.token
        )
    }
}

/// One row of `tianye token list`: id, kind, team, created, status (tab-separated).
#[derive(Debug)]
struct Row<'a> {
    id: i64,
    kind: &'a str,
    team: &'a str,
    created: &'a str,
    active: bool,
}

fn rows(listing: &str) -> impl Iterator<Item = Row<'_>> {
    listing.lines().filter_map(|line| {
        let mut cells = line.split('\t');
        let id = cells.next()?.trim().parse().ok()?;
        let (kind, team, created, status) =
            (cells.next()?, cells.next()?, cells.next()?, cells.next()?);
        Some(Row { id, kind, team, created, active: status.trim() == ACTIVE })
    })
}

/// What to do at a start.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The kept token is active in the database: use it again.
    Reuse(Kept),
    /// Make a new token: none is kept.
    Create,
    /// Make a new token in place of the kept one, which cannot be used.
    Replace(Why),
}

/// Why the kept token cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Why {
    /// The file cannot be read or lacks its id, creation time or token.
    Unreadable,
    /// `tianye token revoke` revoked it.
    Revoked,
    /// The database has no such token: it was deleted or replaced.
    NotInDatabase,
}

impl Why {
    /// The reason in Chinese and in English.
    fn words(&self) -> (String, &'static str) {
        match self {
            Why::Unreadable => (format!("{FILE} 无法读取"), "the kept file cannot be read"),
            Why::Revoked => ("原令牌已被撤销".to_owned(), "the old token was revoked"),
            Why::NotInDatabase => (
                "数据库里没有原令牌（数据库被删除或替换了？）".to_owned(),
                "the database does not hold the old token (was it deleted or replaced?)",
            ),
        }
    }
}

/// Decides from the kept file's text (`None`: there is none) and the output of
/// `tianye token list`.
pub(crate) fn decide(kept: Option<&str>, listing: &str) -> Decision {
    let Some(text) = kept else { return Decision::Create };
    let Some(kept) = Kept::parse(text) else { return Decision::Replace(Why::Unreadable) };
    let row = rows(listing).find(|r| {
        r.id == kept.id && r.kind == "team" && r.team == TEAM && r.created == kept.created
    });
    match row {
        Some(row) if row.active => Decision::Reuse(kept),
        Some(_) => Decision::Replace(Why::Revoked),
        None => Decision::Replace(Why::NotInDatabase),
    }
}

/// The form link of `token` on the server at `url` (as `tianye token create` prints it).
fn link(url: &str, token: &str) -> String {
    format!("{}/#team={token}", url.trim_end_matches('/'))
}

/// Runs `tianye ARGS` from the repository root (on the PostgreSQL `database` when
/// given, passed in `TIANYE_DATABASE`) and returns its output; its warnings (a data
/// folder open to others, …) are passed on.
fn tianye(tianye: &Path, database: Option<&str>, args: &[&std::ffi::OsStr]) -> Result<String> {
    let mut command = Command::new(tianye);
    if let Some(url) = database {
        command.env("TIANYE_DATABASE", url);
    }
    let out = command
        .args(args)
        .current_dir(root())
        .output()
        .with_context(|| format!("cannot start {}", tianye.display()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("tianye {:?} failed: {}", args, stderr.trim());
    }
    if !stderr.trim().is_empty() {
        eprintln!("{}", stderr.trim_end());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The demo team's form link on the server at `url`, for the data folder `data`
/// (relative to the repository root, as given to `tianye`) and the PostgreSQL `database`
/// when the server uses one: the kept token's when it is still active, else a new
/// token's, which is then kept.
pub(crate) fn ensure(bin: &Path, data: &Path, database: Option<&str>, url: &str) -> Result<String> {
    let file = root().join(data).join(FILE);
    let kept = match std::fs::read_to_string(&file) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        // Unreadable: taken as unparsable, so a new token replaces it.
        Err(_) => Some(String::new()),
    };
    let list = |bin: &Path| {
        tianye(
            bin,
            database,
            &["token".as_ref(), "list".as_ref(), "--data".as_ref(), data.as_os_str()],
        )
    };
    let why = match decide(kept.as_deref(), &list(bin)?) {
        Decision::Reuse(kept) => {
            tighten(&file)?;
            eprintln!(
                "演示调查队沿用原链接（令牌编号 {}，保存在 {}）/ the demo team keeps its link (token id {}, kept in {})",
                kept.id,
                file.display(),
                kept.id,
                file.display()
            );
            return Ok(link(url, &kept.token));
        }
        Decision::Create => None,
        Decision::Replace(why) => Some(why),
    };
    let created = tianye(
        bin,
        database,
        &[
            "token".as_ref(),
            "create".as_ref(),
            "--data".as_ref(),
            data.as_os_str(),
            "--team".as_ref(),
            TEAM.as_ref(),
            "--url".as_ref(),
            url.as_ref(),
        ],
    )?;
    // "调查队 / team: demo (令牌编号 / token id 7)" … the token alone on the last line.
    let id: i64 = created
        .split("token id ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .context("tianye token create printed no token id")?;
    let token =
        created.lines().rfind(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_owned();
    let listing = list(bin)?;
    let Some(row) = rows(&listing).find(|r| r.id == id) else {
        bail!("tianye token list does not show the token just made (id {id})");
    };
    let kept = Kept { id, created: row.created.to_owned(), token };
    write_private(&file, &kept.text())?;
    match why {
        None => eprintln!(
            "已为演示调查队创建上传链接，令牌保存在 {}，以后启动沿用 / made the demo team's upload link; its token is kept in {} and used again at every start",
            file.display(),
            file.display()
        ),
        Some(why) => {
            let (zh, en) = why.words();
            eprintln!(
                "演示调查队的链接已换新：{zh}。手机上的旧链接不能再上传，请打开下面的新链接 / the demo team has a new link: {en}. Phones holding the old one cannot upload: open the new link below"
            );
        }
    }
    let others: Vec<String> = rows(&listing)
        .filter(|r| r.active && r.kind == "team" && r.team == TEAM && r.id != id)
        .map(|r| r.id.to_string())
        .collect();
    if !others.is_empty() {
        let ids = others.join(", ");
        eprintln!(
            "提示 / note: 演示调查队另有有效令牌（编号 {ids}），用它们的手机仍可上传；不再需要时用 `tianye token revoke 编号` 撤销 / the demo team has other active tokens (ids {ids}): phones holding them can still upload; revoke them with `tianye token revoke ID` once no longer needed"
        );
    }
    Ok(link(url, &kept.token))
}

/// Writes `text` to `path` readable by its owner alone: into a new file made 0600, then
/// renamed over `path`, so the token is never in a file others can read.
fn write_private(path: &Path, text: &str) -> Result<()> {
    let partial = path.with_extension("token.partial");
    let _ = std::fs::remove_file(&partial);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f =
        options.open(&partial).with_context(|| format!("cannot write {}", partial.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Makes the kept file 0600 again if group or others were let in, and says so.
fn tighten(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            eprintln!(
                "警告 / warning: {} 曾可被他人读取（{:o}），已改为 600 / was open to others ({:o}): made 600",
                path.display(),
                mode & 0o777,
                mode & 0o777
            );
        }
    }
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "编号/id\t类型/kind\t调查队/team\t创建/created\t状态/status\n";

    fn kept(id: i64, created: &str) -> String {
        Kept { id, created: created.to_owned(), token: "tok-secret".to_owned() }.text()
    }

    #[test]
    fn the_kept_token_is_used_again_while_the_database_holds_it_active() {
        let listing = format!(
            "{HEADER}1\tadmin\tadmin\t2026-12-04T08:00:00.000Z\t{ACTIVE}\n\
             2\tteam\tdemo\t2026-12-04T08:00:01.250Z\t{ACTIVE}\n\
             3\tteam\tvillage\t2026-12-04T09:00:00.000Z\t{ACTIVE}\n"
        );
        let text = kept(2, "2026-12-04T08:00:01.250Z");
        let Decision::Reuse(k) = decide(Some(&text), &listing) else { panic!("reuse") };
        assert_eq!((k.id, k.token.as_str()), (2, "tok-secret"));
        assert_eq!(
            link("http://127.0.0.1:8080/", &k.token),
            "http://127.0.0.1:8080/#team=tok-secret"
        );
    }

    #[test]
    fn a_new_token_is_made_the_first_time_and_when_the_kept_one_is_gone() {
        let created = "2026-12-04T08:00:01.250Z";
        let listing = format!(
            "{HEADER}1\tadmin\tadmin\t2026-12-04T08:00:00.000Z\t{ACTIVE}\n\
             2\tteam\tdemo\t{created}\t已撤销 / revoked 2026-12-05T10:00:00.000Z\n"
        );
        assert_eq!(decide(None, &listing), Decision::Create, "none kept");
        assert_eq!(decide(Some(&kept(2, created)), &listing), Decision::Replace(Why::Revoked));

        // A database made afresh: the same id, another token (another creation time).
        let fresh = format!(
            "{HEADER}1\tadmin\tadmin\t2026-12-06T08:00:00.000Z\t{ACTIVE}\n\
             2\tteam\tdemo\t2026-12-06T08:00:01.000Z\t{ACTIVE}\n"
        );
        assert_eq!(decide(Some(&kept(2, created)), &fresh), Decision::Replace(Why::NotInDatabase));
        // An empty database.
        assert_eq!(
            decide(Some(&kept(2, created)), "没有令牌 / no tokens\n编号/id\t类型/kind\n"),
            Decision::Replace(Why::NotInDatabase)
        );
        // Another team's token with the kept id and time is not the demo team's.
        let other = format!("{HEADER}2\tteam\tvillage\t{created}\t{ACTIVE}\n");
        assert_eq!(decide(Some(&kept(2, created)), &other), Decision::Replace(Why::NotInDatabase));

        for broken in
            ["", "id=x\ncreated=y\ntoken=z\n", "id=2\ntoken=z\n", "id=2\ncreated=y\ntoken=\n"]
        {
            assert_eq!(
                decide(Some(broken), &listing),
                Decision::Replace(Why::Unreadable),
                "{broken:?}"
            );
        }
    }

    #[test]
    fn the_kept_file_reads_back_and_is_private() {
        let dir = std::env::temp_dir().join(format!("xtask-demo-link-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join(FILE);
        let k =
            Kept { id: 7, created: "2026-12-04T08:00:01.250Z".to_owned(), token: "abc".to_owned() };
        write_private(&path, &k.text()).expect("write");
        write_private(&path, &k.text()).expect("write over");
        let back = std::fs::read_to_string(&path).expect("read");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(Kept::parse(&back), Some(k));
    }
}
