//! One module per command.

pub(crate) mod check;
pub(crate) mod export;
pub(crate) mod export_xlsform;
pub(crate) mod import;
pub(crate) mod import_responses;
pub(crate) mod keygen;
pub(crate) mod preview;
pub(crate) mod print;
pub(crate) mod schema;
pub(crate) mod seal;
pub(crate) mod serve;
pub(crate) mod template;
pub(crate) mod token;
pub(crate) mod validate;

use std::path::Path;

use anyhow::Context;
use tianye_server::store::{self, Opened};

/// The database of the commands that open the store (`serve`, `token`, `export`,
/// `import-responses`): PostgreSQL when `--database` (or `TIANYE_DATABASE`) gives a URL,
/// else SQLite in the data folder.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct DatabaseArg {
    /// PostgreSQL 数据库地址 postgres://用户:密码@主机:端口/库名，代替数据目录中的 SQLite
    /// （附件文件仍在数据目录）；也可用环境变量 TIANYE_DATABASE 给出，密码就不出现在进程列表中 /
    /// PostgreSQL database URL postgres://user:password@host:port/db, instead of SQLite in
    /// the data directory (attachment files stay in the data directory); may be given in
    /// TIANYE_DATABASE instead, which keeps the password out of the process list.
    #[arg(long, value_name = "URL", env = "TIANYE_DATABASE", hide_env_values = true)]
    pub(crate) database: Option<String>,
}

/// Opens the store of `data` (and `database`), printing its warnings on standard error.
pub(crate) fn open_store(data: &Path, database: &DatabaseArg) -> anyhow::Result<Opened> {
    let opened = store::open(data, database.database.as_deref(), None).with_context(|| {
        match &database.database {
            Some(url) => format!("数据库 / database {}", store::redact_url(url)),
            None => format!("数据目录 / data directory {}", data.display()),
        }
    })?;
    for w in &opened.warnings {
        eprintln!("警告 / warning: {w}");
    }
    Ok(opened)
}
