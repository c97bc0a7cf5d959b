//! `tianye keygen -o DIR`: a researcher's key pair for sealed records
//! (`core/ENCRYPTION.md`): `DIR/private.pem`, the private key as PKCS#8 encrypted with a
//! passphrase asked for on the terminal (readable by its owner alone), `DIR/public.pem`
//! and `DIR/public-key.txt`, the one line of base64 a questionnaire's
//! `encryption.public_key` (XLSForm's `public_key` setting) holds. An existing key is
//! never overwritten: losing the private key loses every record sealed to it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use rsa::RsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::rand_core::OsRng;
use tianye_core::seal::{KEY_BITS, PublicKey};

/// The shortest passphrase taken.
const MIN_PASSPHRASE: usize = 10;

/// Arguments of `tianye keygen`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// 写入密钥的文件夹（没有则新建）/ The folder to write the keys into (made if missing).
    #[arg(short, long, value_name = "DIR")]
    out: PathBuf,
    /// 从文件第一行读取口令，不在终端询问（用于脚本）/ Read the passphrase from the first
    /// line of FILE instead of asking on the terminal (for scripts).
    #[arg(long, value_name = "FILE", conflicts_with = "no_passphrase")]
    passphrase_file: Option<PathBuf>,
    /// 私钥不加口令（只用于测试）/ Leave the private key without a passphrase (for tests only).
    #[arg(long)]
    no_passphrase: bool,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let private_path = args.out.join("private.pem");
    if private_path.exists() {
        bail!(
            "{} 已存在，不会覆盖（用它封存的答卷只能用它打开）/ already exists and is not overwritten (records sealed to it open only with it)",
            private_path.display()
        );
    }
    let passphrase = match (&args.passphrase_file, args.no_passphrase) {
        (_, true) => None,
        (Some(file), false) => Some(read_passphrase(file)?),
        (None, false) => Some(ask_passphrase()?),
    };
    create_private_dir(&args.out)?;
    eprintln!("正在生成 {KEY_BITS} 位 RSA 密钥… / making a {KEY_BITS}-bit RSA key…");
    let private = RsaPrivateKey::new(&mut OsRng, KEY_BITS).context("RSA key generation")?;
    let pem = match &passphrase {
        Some(p) => private.to_pkcs8_encrypted_pem(&mut OsRng, p.as_bytes(), LineEnding::LF),
        None => private.to_pkcs8_pem(LineEnding::LF),
    }
    .context("PKCS#8")?;
    write_private(&private_path, pem.as_bytes())?;
    let public = PublicKey::from_rsa(private.to_public_key()).context("public key")?;
    let public_pem =
        rsa::pkcs8::EncodePublicKey::to_public_key_pem(&private.to_public_key(), LineEnding::LF)
            .context("public key PEM")?;
    std::fs::write(args.out.join("public.pem"), public_pem)?;
    let line = public.to_base64();
    std::fs::write(args.out.join("public-key.txt"), format!("{line}\n"))?;
    println!("私钥 / private key: {}", private_path.display());
    println!("公钥 / public key: {}", args.out.join("public.pem").display());
    println!(
        "把这一行放进问卷 / put this line in the questionnaire (\"encryption\": {{\"public_key\": …}}, XLSForm: settings public_key):"
    );
    println!("{line}");
    eprintln!(
        "请备份私钥并牢记口令：丢失则无法打开任何加密答卷。/ Back up the private key and keep its passphrase: without them no sealed record can be read."
    );
    Ok(ExitCode::SUCCESS)
}

/// Asks for the passphrase twice on the terminal.
fn ask_passphrase() -> anyhow::Result<String> {
    let first = rpassword::prompt_password("私钥口令 / passphrase for the private key: ")
        .context("读取口令需要终端；脚本可用 --passphrase-file / reading a passphrase needs a terminal (scripts: --passphrase-file)")?;
    long_enough(&first)?;
    let again = rpassword::prompt_password("再输入一次 / again: ")?;
    if again != first {
        bail!("两次输入的口令不同 / the two passphrases differ");
    }
    Ok(first)
}

/// The first line of `file`.
fn read_passphrase(file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| format!("{}", file.display()))?;
    let line = text.lines().next().unwrap_or_default().to_owned();
    long_enough(&line)?;
    Ok(line)
}

fn long_enough(passphrase: &str) -> anyhow::Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE {
        bail!(
            "口令至少 {MIN_PASSPHRASE} 个字符 / the passphrase needs at least {MIN_PASSPHRASE} characters"
        );
    }
    Ok(())
}

/// Makes `dir` (readable by its owner alone where it is new).
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("{}", dir.display()))
}

/// Writes the private key, readable and writable by its owner alone, never over a file.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("{}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}
