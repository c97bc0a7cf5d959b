//! Sealed submissions in exports (`core/ENCRYPTION.md`). The server stores a sealed
//! submission as its envelope with empty answers; only the researcher's private key,
//! on the researcher's machine, opens it. [`open_row`] turns such a row into the row
//! the tables write: the response's meta, and the answers as the engine cleans them
//! (as it does for a plain upload), with the engine's report on it, and the key that
//! opens its sealed files ([`open_file`]).

use std::sync::Arc;

use rsa::RsaPrivateKey;
use serde_json::Value;
use tianye_core::response::attachment::Attachment;
use tianye_core::seal::{self, Envelope, OpenError};
use tianye_core::{Form, Options, Report};

use crate::forms::FormVersion;
use crate::store::SubmissionRow;
use crate::time::now_utc8;

/// Whether any version of a questionnaire seals its responses: its tables then need
/// the researcher's key.
pub fn seals(versions: &[Arc<FormVersion>]) -> bool {
    versions.iter().any(|v| v.form.questionnaire().encryption.is_some())
}

/// A sealed row opened.
#[derive(Debug)]
pub struct Opened {
    /// The row to write: the response's meta and cleaned answers, no envelope.
    pub row: SubmissionRow,
    /// What the engine finds in the response (listed for the researcher; the row is
    /// written either way, as it was stored).
    pub report: Report,
}

/// Opens the envelope of the sealed `row` with `private` and validates the response
/// with `form` (its version's). A row with no envelope is [`OpenError::Malformed`]: the
/// caller writes such a row as it is.
pub fn open_row(
    row: SubmissionRow,
    private: &RsaPrivateKey,
    form: &Form,
) -> Result<Opened, OpenError> {
    let Some(text) = &row.envelope else {
        return Err(OpenError::Malformed("no envelope".to_owned()));
    };
    let envelope = Envelope::from_json(text)?;
    let (response, file_key) = seal::open_keyed(&envelope, private)?;
    let report = form.validate(&response, &Options { now: Some(now_utc8()), lang: String::new() });
    let row = SubmissionRow {
        meta: serde_json::to_string(&response.meta).unwrap_or_else(|_| "{}".into()),
        answers: Value::Object(report.answers.clone()).to_string(),
        envelope: None,
        file_key: Some(file_key),
        ..row
    };
    Ok(Opened { row, report })
}

/// Why a sealed row did not open, in Chinese then English, for the researcher.
pub fn describe(e: &OpenError) -> String {
    let zh = match e {
        OpenError::WrongKey(_) => "封存给了另一把公钥，不是这把私钥的",
        OpenError::CiphertextAltered => "密文已被改动（SHA-256 不符）",
        OpenError::KeyMismatch => "包裹的密钥不属于这份答卷，或已被改动",
        OpenError::HeaderAltered(_) => "明文字段（答卷编号、问卷）与封存时不符",
        OpenError::FileAltered(_) => {
            "加密附件打不开：已被改动、被截断，或属于另一份答卷或另一个文件"
        }
        _ => "不是完整的加密答卷（缺字段、被截断或不是 base64）",
    };
    format!("{zh} / {e}")
}

/// Why a sealed file of an opened row was not opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The stored file could not be read.
    #[error("读取失败 / cannot read it: {0}")]
    Read(#[from] std::io::Error),
    /// It does not open with the response's key under its name.
    #[error("{}", describe(.0))]
    Open(OpenError),
    /// The answers name no plain file for it.
    #[error("答卷中没有题目指向它 / no answer names it")]
    NotNamed,
    /// Opened, but not the bytes the answer names.
    #[error(
        "解开的文件与答卷记录的 SHA-256 或大小不符 / the opened file is not the one the answer names (SHA-256 or size)"
    )]
    NotTheAnswers,
}

/// Opens the sealed file `sealed` (the bytes stored under its name `file`, which ends in
/// `.sealed`) of `row`, a row [`open_row`] opened: the answer's file name and the plain
/// bytes, checked against the answer that names them (SHA-256 and size).
pub fn open_file(
    row: &SubmissionRow,
    file: &str,
    sealed: &[u8],
) -> Result<(String, Vec<u8>), FileError> {
    let (Some(key), Some(name)) = (&row.file_key, seal::plain_name(file)) else {
        return Err(FileError::NotNamed);
    };
    let answers: Value = serde_json::from_str(&row.answers).map_err(|_| FileError::NotNamed)?;
    let answer = named(&answers, name).ok_or(FileError::NotNamed)?;
    let plain = seal::open_file(key, &row.instance_id, name, sealed).map_err(FileError::Open)?;
    if plain.len() as u64 != answer.size || crate::store::files::sha256_hex(&plain) != answer.sha256
    {
        return Err(FileError::NotTheAnswers);
    }
    Ok((name.to_owned(), plain))
}

/// The attachment answer in `answers` (repeats included) that names file `name`.
fn named(answers: &Value, name: &str) -> Option<Attachment> {
    match answers {
        Value::Object(map) => {
            if let Some(a) = Attachment::from_json(answers)
                && a.file == name
            {
                return Some(a);
            }
            map.values().find_map(|v| named(v, name))
        }
        Value::Array(items) => items.iter().find_map(|v| named(v, name)),
        _ => None,
    }
}
