//! A response as this device keeps it: the response itself, what the list shows, and
//! where its upload stands.

use serde::{Deserialize, Serialize};
use tianye_core::response::attachment::Attachment;
use tianye_core::response::{Response, Status};
use tianye_core::schema::Text;

/// A problem as the server reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerProblem {
    /// Where, for people (`member[2].m_dob`).
    #[serde(default)]
    pub path: String,
    /// Where, as data: the item's name (none for the response as a whole) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// … and one 0-based row index per repeat around it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<u32>,
    /// Stable code.
    #[serde(default)]
    pub code: String,
    /// The message in the questionnaire's first language (as the server chose it).
    #[serde(default)]
    pub message: String,
    /// The message in Chinese (a server before these fields sends `message` alone) …
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_zh: String,
    /// … and in English.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_en: String,
}

impl ServerProblem {
    /// Where in `form` the problem is, if at an item it has.
    pub fn loc(&self, form: &tianye_core::Form) -> Option<tianye_core::Loc> {
        let field = form.lookup(self.field.as_deref()?)?;
        Some(tianye_core::Loc::new(field, self.rows.clone()))
    }

    /// The message in `lang` (`en`, else Chinese), as the server wrote it.
    pub fn message(&self, lang: &str) -> &str {
        let text = if lang == "en" { &self.message_en } else { &self.message_zh };
        if text.is_empty() { &self.message } else { text }
    }
}

/// Where a complete response's upload stands. A response is never deleted by a
/// failure: it stays `Queued` until the server acknowledges it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Upload {
    /// Still a draft: not to be sent.
    #[default]
    Draft,
    /// Waiting to be sent; `next_at` (ms since the epoch) is the earliest next attempt.
    Queued {
        /// Failed attempts so far.
        attempts: u32,
        /// Earliest time of the next attempt, ms since 1970.
        next_at: f64,
        /// Why the last attempt failed, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_error: Option<String>,
    },
    /// Being sent now.
    Uploading,
    /// Stored by the server (it answered 201 or 200).
    Uploaded {
        /// When the server acknowledged it (ISO time).
        at: String,
    },
    /// Refused by the server; it can be corrected and completed again.
    Rejected {
        /// The server's code (`validation`, `conflict`, …).
        code: String,
        /// The server's message.
        message: String,
        /// The problems the server found.
        #[serde(default)]
        problems: Vec<ServerProblem>,
    },
}

/// The groups the response list shows, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// Being filled in.
    Draft,
    /// Complete, waiting for the network.
    Complete,
    /// Being sent.
    Uploading,
    /// On the server.
    Uploaded,
    /// Refused by the server.
    Rejected,
}

impl Group {
    /// Every group, in display order.
    pub const ALL: [Group; 5] =
        [Group::Draft, Group::Complete, Group::Uploading, Group::Uploaded, Group::Rejected];

    /// The group's name in the page's markup (`group-draft`, `count draft`…).
    pub fn css_name(self) -> &'static str {
        match self {
            Group::Draft => "draft",
            Group::Complete => "complete",
            Group::Uploading => "uploading",
            Group::Uploaded => "uploaded",
            Group::Rejected => "rejected",
        }
    }
}

/// A response with what this device knows about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The response (answers, metadata, status).
    pub response: Response,
    /// The questionnaire's title, for lists shown offline.
    pub title: Text,
    /// Upload state.
    #[serde(default)]
    pub upload: Upload,
    /// The answers in a line, in each language the app shows, shown in the list and
    /// searched by its search box ([`crate::state::answers::summary`]). A record saved
    /// by an older build has it as one string.
    #[serde(default)]
    pub summary: Text,
    /// The page the enumerator was on, so the form reopens there.
    #[serde(default)]
    pub page: usize,
    /// The envelope of a sealed response (core/ENCRYPTION.md): then `response` keeps no
    /// answer, `summary` is empty, and the record cannot be opened again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<Envelope>,
    /// The files its answers name that the server has acknowledged (sent after the
    /// response itself, each once: an upload cut off resumes with the next).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files_sent: Vec<String>,
}

/// A sealed response's envelope, the JSON text the browser made (core/ENCRYPTION.md),
/// stored and uploaded verbatim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Envelope(pub String);

/// What a sealed file's name adds to its answer's file name (core/ENCRYPTION.md,
/// `tianye_core::seal::FILE_SUFFIX`): the name it is kept, sent and listed under.
pub const SEALED_SUFFIX: &str = ".sealed";

/// The media type a sealed file is sent with: bytes nobody but the researcher reads.
const SEALED_MEDIA_TYPE: &str = "application/octet-stream";

impl Envelope {
    /// The sealed files it lists (`files`: name, SHA-256 and size of the sealed bytes),
    /// as attachments to send; none when it lists none or cannot be read.
    pub fn files(&self) -> Vec<Attachment> {
        // Read as a JSON value (no parser of its own in the app shell).
        let envelope: serde_json::Value = serde_json::from_str(&self.0).unwrap_or_default();
        let Some(list) = envelope.get("files").and_then(serde_json::Value::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|f| {
                Some(Attachment {
                    file: f.get("file")?.as_str()?.to_owned(),
                    sha256: f.get("sha256")?.as_str()?.to_owned(),
                    size: f.get("size")?.as_u64()?,
                    media_type: SEALED_MEDIA_TYPE.to_owned(),
                })
            })
            .collect()
    }
}

impl Record {
    /// The questionnaire id and the response id, which name this record.
    pub fn ids(&self) -> (String, String) {
        (self.response.questionnaire.id.clone(), self.response.instance_id.clone())
    }

    /// Keeps `envelope` in place of the answers, which leave the device with it, and
    /// queues it for upload: the plain text of a complete response is no longer stored.
    pub fn keep_sealed(&mut self, envelope: Envelope) {
        self.response.answers.clear();
        self.summary = Text::default();
        self.sealed = Some(envelope);
        self.upload = Upload::Queued { attempts: 0, next_at: 0.0, last_error: None };
    }

    /// What an upload sends: the envelope of a sealed response, else the response.
    pub fn upload_body(&self) -> String {
        match &self.sealed {
            Some(envelope) => envelope.0.clone(),
            None => serde_json::to_string(&self.response).unwrap_or_default(),
        }
    }

    /// The files its answers name, each once, in answer order: what goes to the server
    /// after the response. For a sealed response, the sealed files its envelope lists
    /// (its answers are no longer kept).
    pub fn files(&self) -> Vec<Attachment> {
        if let Some(envelope) = &self.sealed {
            return envelope.files();
        }
        let mut out: Vec<Attachment> = Vec::new();
        let mut rows: Vec<&serde_json::Map<String, serde_json::Value>> =
            vec![&self.response.answers];
        while let Some(answers) = rows.pop() {
            for value in answers.values() {
                if let Some(a) = Attachment::from_json(value) {
                    if !out.iter().any(|o| o.file == a.file) {
                        out.push(a);
                    }
                } else if let serde_json::Value::Array(list) = value {
                    rows.extend(list.iter().filter_map(serde_json::Value::as_object));
                }
            }
        }
        out
    }

    /// The files not yet acknowledged by the server ([`Record::files`]), and how many
    /// there are in all.
    pub fn files_to_send(&self) -> (Vec<Attachment>, usize) {
        let all = self.files();
        let n = all.len();
        (all.into_iter().filter(|a| !self.files_sent.contains(&a.file)).collect(), n)
    }

    /// Whether the server has it (it then stays out of the backup file).
    pub fn is_uploaded(&self) -> bool {
        matches!(self.upload, Upload::Uploaded { .. })
    }

    /// Whether this is the record of response `id` of questionnaire `form`.
    pub fn is(&self, form: &str, id: &str) -> bool {
        self.response.instance_id == id && self.response.questionnaire.id == form
    }

    /// The list group of this record.
    pub fn group(&self) -> Group {
        match (&self.response.status, &self.upload) {
            (Status::Draft, Upload::Rejected { .. }) | (_, Upload::Rejected { .. }) => {
                Group::Rejected
            }
            (Status::Draft, _) => Group::Draft,
            (Status::Complete, Upload::Uploading) => Group::Uploading,
            (Status::Complete, Upload::Uploaded { .. }) => Group::Uploaded,
            (Status::Complete, _) => Group::Complete,
        }
    }

    /// Whether the upload queue should send it now (`now` in ms since 1970).
    pub fn due(&self, now: f64) -> bool {
        self.response.status == Status::Complete
            && matches!(self.upload, Upload::Queued { next_at, .. } if next_at <= now)
    }

    /// Queues again an upload that was cut off (the page closed or crashed while the
    /// request was out, leaving it `Uploading` for good); returns whether it changed.
    /// Sending it again is safe: the server stores a response once and answers a
    /// repeat of the same content with 200.
    pub fn requeue_interrupted_upload(&mut self) -> bool {
        if self.upload != Upload::Uploading {
            return false;
        }
        self.upload = Upload::Queued { attempts: 0, next_at: 0.0, last_error: None };
        true
    }
}
