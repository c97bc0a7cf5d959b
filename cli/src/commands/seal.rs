//! `tianye seal --key PUBLIC.pem FORM RESPONSE...`: seals complete responses to a
//! researcher's public key (`core/ENCRYPTION.md`), one envelope per line, each ready to
//! POST as an upload body: for records moved from paper or another tool, and for tests.
//! A response is sealed only when it is complete and the questionnaire finds no problem
//! in it, as the form app seals: once sealed, nobody without the key can check it. A
//! response that names files (photos, signatures) is refused: their sealed copies would
//! have to be made with the same key (the form app does it).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use rsa::rand_core::OsRng;
use tianye_core::seal::{self, PublicKey};
use tianye_core::{Options, Status};

use super::validate::{now_utc8, read_response};
use crate::load;

/// Arguments of `tianye seal`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 研究者的公钥（PEM 文件，或问卷中的一行 base64）/ The researcher's public key (a PEM
    /// file, or a file with the questionnaire's one line of base64).
    #[arg(long, value_name = "PUBLIC.pem")]
    key: PathBuf,
    /// 问卷文件 / The questionnaire.
    form: PathBuf,
    /// 答卷 JSON 文件 / Response JSON files.
    #[arg(required = true)]
    responses: Vec<PathBuf>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.key)
        .with_context(|| format!("{}: 无法读取 / cannot read", args.key.display()))?;
    let key = PublicKey::parse(&text).map_err(|e| {
        anyhow::anyhow!("{}: 不是可用的公钥 / not a usable public key: {e}", args.key.display())
    })?;
    let form = match load::form_or_exit(&args.form)? {
        Ok(form) => form,
        Err(code) => return Ok(code),
    };
    let form = &form;
    let options = Options { now: Some(now_utc8()), lang: "zh".to_owned() };
    let mut refused = false;
    for path in &args.responses {
        let file = path.display();
        let response = match read_response(path) {
            Ok(r) => r,
            Err(message) => {
                eprintln!("✗ {file}: {message}");
                refused = true;
                continue;
            }
        };
        if response.status != Status::Complete {
            eprintln!("✗ {file}: 只封存已完成的答卷 / only complete responses are sealed");
            refused = true;
            continue;
        }
        let report = form.validate(&response, &options);
        if !report.is_valid() {
            eprintln!("✗ {file}: {} 个问题，未封存 / problem(s), not sealed", report.problem_count);
            for p in &report.problems {
                eprintln!("    {} [{}] {} / {}", p.path, p.code, p.message("zh"), p.message("en"));
            }
            refused = true;
            continue;
        }
        // Its files would need sealing with the same key, beside it: not done here.
        let files = tianye_core::response::attachment::expected_files(form, &report.answers);
        if !files.is_empty() {
            let names: Vec<&str> = files.iter().map(|a| a.file.as_str()).collect();
            eprintln!(
                "✗ {file}: 答卷含附件（{0}），tianye seal 不封存附件，未封存；请在表单应用中完成它 / the response names files ({0}): tianye seal does not seal files, so it is not sealed; complete it in the form app",
                names.join(", ")
            );
            refused = true;
            continue;
        }
        let envelope = seal::seal(&response, &key, &mut OsRng);
        println!("{}", serde_json::to_string(&envelope)?);
    }
    Ok(ExitCode::from(u8::from(refused)))
}
