//! Sealed submissions in exports (`core/ENCRYPTION.md`). The server stores a sealed
//! submission as its envelope with empty answers; only the researcher's private key,
//! on the researcher's machine, opens it. [`open_row`] turns such a row into the row
//! the tables write: the response's meta, and the answers as the engine cleans them
//! (as it does for a plain upload), with the engine's report on it.

use std::sync::Arc;

use rsa::RsaPrivateKey;
use serde_json::Value;
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
    let response = seal::open(&envelope, private)?;
    let report = form.validate(&response, &Options { now: Some(now_utc8()), lang: String::new() });
    let row = SubmissionRow {
        meta: serde_json::to_string(&response.meta).unwrap_or_else(|_| "{}".into()),
        answers: Value::Object(report.answers.clone()).to_string(),
        envelope: None,
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
        _ => "不是完整的加密答卷（缺字段、被截断或不是 base64）",
    };
    format!("{zh} / {e}")
}
