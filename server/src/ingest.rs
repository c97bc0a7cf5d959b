//! Taking in one response, the same way for an HTTP upload and for `tianye
//! import-responses`: parse, find its questionnaire version, re-validate with the core
//! (the server never trusts the browser), then store. Idempotency and conflicts are
//! decided by the store's single writer, atomically.
//!
//! What one upload may cost is bounded: the text is read once, strictly (a duplicate
//! key anywhere, nesting deeper than 64 or a tree larger than
//! [`tianye_core::json::memory_budget`] is a 400), into one tree that becomes the
//! response without a copy; validation reads at most each repeat's ceiling of rows and
//! keeps at most [`tianye_core::validate::MAX_PROBLEMS`] problems; a refusal lists at
//! most [`MAX_LISTED_PROBLEMS`] of them with their total.

use serde_json::{Value, json};
use tianye_core::response::FormRef;
use tianye_core::seal::{self, Envelope, PublicKey};
use tianye_core::validate::ProblemView;
use tianye_core::{Diagnostic, Lang, Options, Response, Status};

use crate::canonical::content_hash;
use crate::error::{ApiCode, ApiError, ApiReply};
use crate::forms::Catalog;
use crate::store::{NewSubmission, Outcome, Store, StoreError};
use crate::time::{now_utc, now_utc8};

/// Why a response was not accepted for storage.
#[derive(Debug, Clone)]
pub enum Rejection {
    /// Not UTF-8.
    NotUtf8,
    /// Not JSON, or JSON that is not a response (a missing field, a wrong type).
    Malformed(Box<Diagnostic>),
    /// No questionnaire with this id.
    UnknownQuestionnaire {
        /// The id the response names.
        id: String,
    },
    /// The questionnaire exists but not this version.
    UnknownVersion {
        /// The id.
        id: String,
        /// The version the response names.
        version: String,
    },
    /// A draft: the problems it would have as a complete response are listed.
    NotComplete {
        /// The response's `instance_id`.
        instance_id: String,
        /// The problems validation kept, validated as complete (an answer lists the
        /// first [`MAX_LISTED_PROBLEMS`]), messages in both languages.
        problems: Vec<ProblemView>,
        /// How many problems there are in all.
        count: usize,
    },
    /// A plain response to a questionnaire whose responses must be sealed.
    MustBeSealed {
        /// The questionnaire's id.
        id: String,
    },
    /// A sealed response to a questionnaire that names no key, or another one.
    SealedWrongly {
        /// The questionnaire's id.
        id: String,
    },
    /// An envelope with a field missing, or a ciphertext that is not the one sealed.
    SealBroken {
        /// What is wrong.
        detail: String,
    },
    /// A complete response with problems.
    Invalid {
        /// The response's `instance_id`.
        instance_id: String,
        /// The problems validation kept (an answer lists the first
        /// [`MAX_LISTED_PROBLEMS`]), messages in both languages.
        problems: Vec<ProblemView>,
        /// How many problems there are in all.
        count: usize,
    },
}

/// The most problems a refusal lists: `count` gives how many there are, and
/// `truncated` whether some were left out, so no answer is much larger than the upload.
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// A refusal's `message` is in both languages; `message_zh` and `message_en` are each one.
const LISTED_LANG: &str = "zh/en";

/// The text of a value from the upload as an answer quotes it: at most 100 characters.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> ApiError {
        match r {
            Rejection::NotUtf8 => ApiError::new(ApiCode::NotUtf8),
            Rejection::Malformed(d) => {
                use tianye_core::Code;
                let code = match d.code {
                    Code::JsonFormat => ApiCode::JsonFormat,
                    Code::JsonDuplicateKey => ApiCode::JsonDuplicateKey,
                    Code::JsonTooDeep => ApiCode::JsonTooDeep,
                    Code::JsonTooLarge => ApiCode::JsonTooLarge,
                    _ => ApiCode::JsonSyntax,
                };
                let (line, column) = d.position.unwrap_or((0, 0));
                let detail = d.params.get("detail").and_then(Value::as_str).unwrap_or_default();
                let path = if d.item.is_empty() { "." } else { d.item.as_str() };
                let mut e = ApiError::new(code)
                    .with("line", line)
                    .with("column", column)
                    .with("path", path)
                    .with("detail", detail)
                    .with("message_core_zh", d.message(Lang::Zh))
                    .with("message_core_en", d.message(Lang::En));
                // What the strict reading found: the key given twice, the limit passed.
                for key in ["key", "max", "size"] {
                    if let Some(value) = d.params.get(key) {
                        let value = match value {
                            Value::String(s) => Value::String(quoted(s)),
                            other => other.clone(),
                        };
                        e = e.with(key, value);
                    }
                }
                e
            }
            Rejection::UnknownQuestionnaire { id } => {
                ApiError::new(ApiCode::QuestionnaireNotFound).with("id", quoted(&id))
            }
            Rejection::UnknownVersion { id, version } => ApiError::new(ApiCode::VersionNotFound)
                .with("id", quoted(&id))
                .with("version", quoted(&version)),
            Rejection::NotComplete { instance_id, problems, count } => listed(
                ApiError::new(ApiCode::SubmissionNotComplete),
                &instance_id,
                &problems,
                count,
            ),
            Rejection::Invalid { instance_id, problems, count } => {
                listed(ApiError::new(ApiCode::SubmissionInvalid), &instance_id, &problems, count)
            }
            Rejection::MustBeSealed { id } => {
                ApiError::new(ApiCode::SubmissionMustBeSealed).with("id", quoted(&id))
            }
            Rejection::SealedWrongly { id } => {
                ApiError::new(ApiCode::SubmissionSealedWrongly).with("id", quoted(&id))
            }
            Rejection::SealBroken { detail } => {
                ApiError::new(ApiCode::SubmissionSealBroken).with("detail", quoted(&detail))
            }
        }
    }
}

/// A refusal listing at most [`MAX_LISTED_PROBLEMS`] of the `count` problems.
fn listed(e: ApiError, instance_id: &str, problems: &[ProblemView], count: usize) -> ApiError {
    let shown = &problems[..problems.len().min(MAX_LISTED_PROBLEMS)];
    e.with("instance_id", quoted(instance_id))
        .with("count", count)
        .with("truncated", count > shown.len())
        .with("problems", json!(shown))
}

/// Who is uploading.
#[derive(Debug, Clone)]
pub struct Uploader {
    /// Team name.
    pub team: String,
    /// The token used, if any.
    pub token_id: Option<i64>,
}

/// Parses and validates `raw` against its questionnaire version; on success, the
/// submission to store.
pub fn prepare(catalog: &Catalog, raw: &str, who: &Uploader) -> Result<NewSubmission, Rejection> {
    // One strict reading into a tree, hashed as it is, then taken over by the response
    // (no copy). Only when the tree is not a response is the text read again, for the
    // line, column and path of what does not fit.
    let value = tianye_core::json::parse_value(raw).map_err(Rejection::Malformed)?;
    let content_hash = content_hash(&value);
    if value.get("sealed").is_some() {
        return prepare_sealed(catalog, value, raw, content_hash, who);
    }
    let response = Response::from_value(value).map_err(|_| {
        let d = Response::from_json(raw)
            .err()
            .unwrap_or_else(|| Box::new(Diagnostic::error(tianye_core::Code::JsonFormat, "")));
        Rejection::Malformed(d)
    })?;
    let FormRefParts { id, version } = FormRefParts::of(&response);
    let Some(fv) = catalog.get(&id, &version) else {
        return Err(if catalog.knows(&id) {
            Rejection::UnknownVersion { id, version }
        } else {
            Rejection::UnknownQuestionnaire { id }
        });
    };
    if fv.form.questionnaire().encryption.is_some() {
        return Err(Rejection::MustBeSealed { id });
    }
    let options = Options { now: Some(now_utc8()), lang: String::new() };
    if response.status == Status::Draft {
        let mut complete = response;
        complete.status = Status::Complete;
        let report = fv.form.validate(&complete, &options);
        return Err(Rejection::NotComplete {
            instance_id: complete.instance_id,
            count: report.problem_count,
            problems: report.views(&fv.form, LISTED_LANG),
        });
    }
    let report = fv.form.validate(&response, &options);
    if !report.is_valid() {
        return Err(Rejection::Invalid {
            instance_id: response.instance_id,
            count: report.problem_count,
            problems: report.views(&fv.form, LISTED_LANG),
        });
    }
    let attachments = tianye_core::response::attachment::expected_files(&fv.form, &report.answers);
    Ok(NewSubmission {
        attachments,
        content_hash,
        instance_id: response.instance_id,
        form_id: id,
        version,
        team: who.team.clone(),
        token_id: who.token_id,
        received_at: now_utc(),
        raw: raw.to_owned(),
        meta: serde_json::to_string(&response.meta).unwrap_or_else(|_| "{}".into()),
        answers: Value::Object(report.answers).to_string(),
    })
}

/// The media type the server records for a sealed file: bytes it cannot read.
pub const SEALED_MEDIA_TYPE: &str = "application/octet-stream";

/// A sealed response: the server cannot read it, so it checks what it can (its
/// questionnaire seals to the key it names, it is complete, its ciphertext is the one
/// sealed, its list of sealed files is well formed) and stores the envelope as it came;
/// the files it lists are then expected as uploads. Its answers stay empty: only an export
/// with the researcher's key reads them.
fn prepare_sealed(
    catalog: &Catalog,
    value: Value,
    raw: &str,
    content_hash: [u8; 32],
    who: &Uploader,
) -> Result<NewSubmission, Rejection> {
    let broken = |detail: String| Rejection::SealBroken { detail };
    let envelope: Envelope = serde_json::from_value(value).map_err(|e| broken(e.to_string()))?;
    let FormRef { id, version } = envelope.questionnaire.clone();
    let Some(fv) = catalog.get(&id, &version) else {
        return Err(if catalog.knows(&id) {
            Rejection::UnknownVersion { id, version }
        } else {
            Rejection::UnknownQuestionnaire { id }
        });
    };
    let key = fv
        .form
        .questionnaire()
        .encryption
        .as_ref()
        .and_then(|e| PublicKey::parse(&e.public_key).ok());
    if key.is_none_or(|key| key.id() != envelope.key) {
        return Err(Rejection::SealedWrongly { id });
    }
    if envelope.status != Status::Complete {
        return Err(broken("status".to_owned()));
    }
    seal::check_digest(&envelope).map_err(|e| broken(e.to_string()))?;
    Ok(NewSubmission {
        instance_id: envelope.instance_id.clone(),
        form_id: id,
        version,
        team: who.team.clone(),
        token_id: who.token_id,
        received_at: now_utc(),
        content_hash,
        raw: raw.to_owned(),
        meta: json!({"submitted_at": envelope.submitted_at}).to_string(),
        answers: "{}".to_owned(),
        // The sealed files its envelope lists (checked whole above): each upload is
        // checked against these bytes, as a plain response's files against its answers.
        attachments: envelope
            .files
            .iter()
            .map(|f| tianye_core::response::attachment::Attachment {
                file: f.file.clone(),
                sha256: f.sha256.clone(),
                size: f.size,
                media_type: SEALED_MEDIA_TYPE.to_owned(),
            })
            .collect(),
    })
}

struct FormRefParts {
    id: String,
    version: String,
}

impl FormRefParts {
    fn of(r: &Response) -> Self {
        FormRefParts { id: r.questionnaire.id.clone(), version: r.questionnaire.version.clone() }
    }
}

/// The API's answer to a stored (or refused) submission.
pub fn outcome_reply(
    outcome: &Outcome,
    instance_id: &str,
    form_id: &str,
    version: &str,
) -> ApiReply {
    let (code, received_at) = match outcome {
        Outcome::Created { received_at } => (ApiCode::SubmissionCreated, received_at),
        Outcome::Duplicate { received_at } => (ApiCode::SubmissionDuplicate, received_at),
        Outcome::Conflict { received_at } => (ApiCode::SubmissionConflict, received_at),
    };
    ApiError::new(code)
        .with("instance_id", instance_id)
        .with("questionnaire", json!({"id": form_id, "version": version}))
        .with("received_at", received_at.as_str())
}

/// Validates and stores one response; resolves once it is durably committed. The
/// answer carries the stored submission's `attachments` summary (which files it still
/// awaits), so a client knows at once what to send next.
pub async fn ingest(
    store: &dyn Store,
    catalog: &Catalog,
    raw: &str,
    who: &Uploader,
) -> Result<ApiReply, ApiError> {
    let submission = prepare(catalog, raw, who)?;
    if let Some(device) = paper_device(&submission.meta) {
        return Err(
            ApiError::new(ApiCode::SubmissionPaperDevice).with("device_id", quoted(&device))
        );
    }
    let (instance_id, form_id, version) =
        (submission.instance_id.clone(), submission.form_id.clone(), submission.version.clone());
    let pending = store.submit(submission);
    let outcome = pending
        .await
        .map_err(|_| ApiError::storage(&StoreError::Closed))?
        .map_err(|e| ApiError::storage(&e))?;
    let reply = outcome_reply(&outcome, &instance_id, &form_id, &version);
    Ok(with_attachments(reply, store, &instance_id))
}

/// The device id of a response's `meta` (as JSON) when it claims a paper form
/// (`paper:FILE`): what only the data-entry import may give.
fn paper_device(meta: &str) -> Option<String> {
    let meta: Value = serde_json::from_str(meta).ok()?;
    let device = meta.get("device_id")?.as_str()?;
    device.starts_with("paper:").then(|| device.to_owned())
}

/// `reply` with the `attachments` summary of the stored submission `instance_id`
/// (left out if the store cannot be read now: the client asks again with `GET`).
pub fn with_attachments(reply: ApiReply, store: &dyn Store, instance_id: &str) -> ApiReply {
    match store.submission_files(instance_id) {
        Ok(Some(files)) => reply.with("attachments", json!(files.summary())),
        _ => reply,
    }
}
