//! The files of a backup: the web app's backup of unsent records carries their
//! attachments beside `responses` as `"files": {"<sha256>": "<base64 of the bytes>"}`.
//! `tianye import-responses` stores each response, then the files its answers name,
//! each checked against its hash and size as an upload is.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use tianye_core::response::attachment::{MAX_SIZE, is_sha256_hex};

use crate::store::files::sha256_hex;
use crate::store::{AttachmentSummary, Store, StoreError};

/// What became of one response's files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attached {
    /// Files stored now.
    pub stored: Vec<String>,
    /// Files the backup holds whose bytes are not what the answer names (name, why).
    pub refused: Vec<(String, String)>,
    /// Where the response stands after: expected, received, missing.
    pub summary: Option<AttachmentSummary>,
}

/// Checks the `files` map of a backup: keys are SHA-256 digests (64 lowercase hex),
/// values base64 text of at most [`MAX_SIZE`] bytes. Returns the first problem, naming
/// the key.
pub fn check_files_map(files: &Map<String, Value>) -> Result<(), String> {
    // A sealed file has 28 bytes more than its plain file.
    let most = (MAX_SIZE + tianye_core::seal::FILE_OVERHEAD).div_ceil(3) * 4 + 4;
    for (key, value) in files {
        if !is_sha256_hex(key) {
            return Err(format!(
                "files.{}: 键应为 64 位小写十六进制的 SHA-256 / the key must be a SHA-256 in 64 lowercase hex digits",
                key.chars().take(70).collect::<String>()
            ));
        }
        match value.as_str() {
            Some(text) if (text.len() as u64) <= most => {}
            Some(_) => {
                return Err(format!(
                    "files.{key}: 文件超过 {MAX_SIZE} 字节 / the file is over {MAX_SIZE} bytes"
                ));
            }
            None => {
                return Err(format!("files.{key}: 应为 base64 文本 / must be base64 text"));
            }
        }
    }
    Ok(())
}

/// Stores, from `files`, every file of the stored response `instance_id` that has not
/// arrived yet and whose hash the map holds. A file whose bytes do not decode, or whose
/// length or SHA-256 is not the answer's, is refused (listed) and not stored.
pub fn attach(
    store: &dyn Store,
    instance_id: &str,
    files: &Map<String, Value>,
) -> Result<Attached, StoreError> {
    let mut out = Attached::default();
    let Some(stored) = store.submission_files(instance_id)? else { return Ok(out) };
    for f in stored.files.iter().filter(|f| f.received_at.is_none()) {
        let a = &f.attachment;
        let Some(text) = files.get(&a.sha256).and_then(Value::as_str) else { continue };
        let bytes = match STANDARD.decode(text) {
            Ok(bytes) => bytes,
            Err(e) => {
                out.refused.push((a.file.clone(), format!("base64: {e}")));
                continue;
            }
        };
        let hex = sha256_hex(&bytes);
        if bytes.len() as u64 != a.size || hex != a.sha256 {
            out.refused.push((
                a.file.clone(),
                format!(
                    "应为 {} 字节、SHA-256 {}，实为 {} 字节、{hex} / expected {} bytes with SHA-256 {}, got {} bytes with {hex}",
                    a.size,
                    a.sha256,
                    bytes.len(),
                    a.size,
                    a.sha256,
                    bytes.len()
                ),
            ));
            continue;
        }
        if store.store_attachment(instance_id, &a.file, &a.sha256, &bytes)? {
            out.stored.push(a.file.clone());
        }
    }
    out.summary = store.submission_files(instance_id)?.map(|f| f.summary());
    Ok(out)
}
