//! Reading the researcher's private key for `tianye export --key`: the PKCS#8 PEM
//! `tianye keygen` writes, encrypted with a passphrase (asked for on the terminal, or
//! read from the first line of a file for scripts) or not; a PKCS#1 `RSA PRIVATE KEY`
//! (as OpenSSL and ODK's instructions make) is taken too.

use std::path::Path;

use anyhow::Context;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;

/// The private key in the PEM file `path`; `passphrase_file` holds its passphrase on
/// its first line, else it is asked for when the key is encrypted.
pub(crate) fn read(path: &Path, passphrase_file: Option<&Path>) -> anyhow::Result<RsaPrivateKey> {
    let file = path.display();
    let text =
        std::fs::read_to_string(path).with_context(|| format!("{file}: 无法读取 / cannot read"))?;
    let text = text.trim();
    if text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let passphrase = match passphrase_file {
            Some(f) => std::fs::read_to_string(f)
                .with_context(|| format!("{}: 无法读取 / cannot read", f.display()))?
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
            None => rpassword::prompt_password(format!("{file} 的口令 / passphrase for {file}: "))
                .context("读取口令需要终端；脚本可用 --passphrase-file / reading a passphrase needs a terminal (scripts: --passphrase-file)")?,
        };
        return RsaPrivateKey::from_pkcs8_encrypted_pem(text, passphrase.as_bytes()).map_err(
            |_| {
                anyhow::anyhow!(
                    "{file}: 口令错误，或私钥已损坏 / wrong passphrase, or the key is damaged"
                )
            },
        );
    }
    RsaPrivateKey::from_pkcs8_pem(text)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(text))
        .map_err(|_| {
            anyhow::anyhow!(
                "{file}: 不是 PEM 格式的 RSA 私钥（tianye keygen 生成的 private.pem）/ not an RSA private key in PEM (the private.pem tianye keygen writes)"
            )
        })
}
