//! `tianye`: the command line of Tianye (田野).
//!
//! ```text
//! tianye check FORM...                 load and statically check questionnaires
//! tianye validate FORM RESPONSE...     validate responses against a questionnaire
//! tianye schema                        print the JSON Schema of the questionnaire format
//! tianye serve [--data DIR] [--bind ADDR] [--forms DIR]   run the collection server
//! tianye token create|list|revoke|target   team tokens, admin tokens, team targets
//! tianye export FORM_ID --format F [--key PRIVATE.pem]   export submissions (csv, xlsx, jsonl, codebook)
//! tianye import-responses FILE         import a backup file of responses
//! tianye import FORM.xlsx [-o F.json]  convert an XLSForm into a Tianye questionnaire
//! tianye export-xlsform FORM -o F.xlsx write a questionnaire as an XLSForm
//! tianye keygen -o DIR                 a researcher's key pair for sealed records
//! tianye seal --key PUBLIC.pem FORM RESPONSE...   seal complete responses (one envelope a line)
//! tianye print FORM [--lang zh|en] -o F.html [--pdf]   the questionnaire on paper (A4)
//! tianye preview FORM [--bind ADDR] [--no-open]   the form and its findings, live as the file is saved
//!
//! Every FORM may be a Tianye JSON questionnaire or an XLSForm (.xlsx, .xls, .ods,
//! .csv, .md).
//! ```
//!
//! Run `cargo run -p tianye -- --help` for every command and option.

mod commands;
mod help;
mod load;
mod preview;
mod private_key;
mod qr;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// 田野 Tianye：离线优先的入户调查问卷系统 / offline-first household survey questionnaires.
#[derive(Parser)]
#[command(name = "tianye", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 检查问卷 / Load and statically check questionnaires (exit 0 clean, 1 problems, 2 unreadable).
    Check(commands::check::Args),
    /// 校验答卷 / Validate responses against a questionnaire (exit 0 all valid, 1 otherwise, 2 unreadable).
    Validate(commands::validate::Args),
    /// 输出问卷格式的 JSON Schema / Print the JSON Schema of the questionnaire format.
    Schema(commands::schema::Args),
    /// 把 XLSForm 转成田野问卷 / Convert an XLSForm into a Tianye questionnaire (exit 0 done, 1 problems, 2 unreadable).
    Import(commands::import::Args),
    /// 把问卷导出为 XLSForm / Write a questionnaire as an XLSForm for ODK Collect and KoboToolbox.
    #[command(name = "export-xlsform")]
    ExportXlsform(commands::export_xlsform::Args),
    /// 运行采集服务器 / Run the collection server.
    Serve(commands::serve::Args),
    /// 管理上传令牌 / Manage upload and admin tokens.
    Token(commands::token::Args),
    /// 导出答卷 / Export submissions (CSV, XLSX, JSON Lines) or the codebook.
    Export(commands::export::Args),
    /// 导入答卷备份文件或录入模板 / Import a file of responses (the web app's backup, or a filled data-entry template), validated like uploads.
    ImportResponses(commands::import_responses::Args),
    /// 生成研究者密钥对，用于加密答卷 / Make a researcher's key pair for sealed records.
    Keygen(commands::keygen::Args),
    /// 把已完成的答卷封存给研究者的公钥 / Seal complete responses to a researcher's public key (one envelope per line).
    Seal(commands::seal::Args),
    /// 打印纸质问卷（A4 HTML 或 PDF）/ The questionnaire on paper: A4 HTML, or PDF through Chromium.
    Print(commands::print::Args),
    /// 预览问卷：手机尺寸的表单、检查结果与实时判定，保存文件即更新 / Preview a questionnaire: the form at phone size, the checker's findings and a live verdict, updated as the file is saved.
    Preview(commands::preview::Args),
    /// 纸质表录入模板（CSV 或 XLSX），填好后用 import-responses 导入 / A data-entry template for
    /// paper forms (CSV or XLSX), read back by import-responses.
    Template(commands::template::Args),
}

fn main() -> ExitCode {
    let cli = match help::bilingual(Cli::command())
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(e) => {
            if e.use_stderr() {
                eprintln!("错误：{}", help::error_in_chinese(&e));
            }
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Validate(args) => commands::validate::run(&args),
        Command::Schema(args) => Ok(commands::schema::run(&args)),
        Command::Import(args) => commands::import::run(&args),
        Command::ExportXlsform(args) => commands::export_xlsform::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Token(args) => commands::token::run(&args),
        Command::Export(args) => commands::export::run(&args),
        Command::ImportResponses(args) => commands::import_responses::run(&args),
        Command::Keygen(args) => commands::keygen::run(&args),
        Command::Seal(args) => commands::seal::run(&args),
        Command::Print(args) => commands::print::run(&args),
        Command::Preview(args) => commands::preview::run(&args),
        Command::Template(args) => commands::template::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            ExitCode::from(2)
        }
    }
}
