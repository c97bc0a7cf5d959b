//! Every answer of the API is JSON with a stable code and a message in Chinese and
//! English:
//!
//! ```json
//! {"code": "auth.unknown_token",
//!  "message": "令牌无效 / Unknown token",
//!  "message_zh": "令牌无效", "message_en": "Unknown token"}
//! ```
//!
//! Codes are part of the interface (the web app and scripts branch on them): never
//! renamed or reused. Extra fields (`problems`, `instance_id`, `line`, …) depend on
//! the code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

macro_rules! api_codes {
    ($($(#[$doc:meta])* $variant:ident = ($text:literal, $status:ident, $zh:literal, $en:literal),)*) => {
        /// A stable code of an API answer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ApiCode {
            $($(#[$doc])* $variant,)*
        }

        impl ApiCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ApiCode] = &[$(ApiCode::$variant,)*];

            /// The code as written in answers, e.g. `auth.unknown_token`.
            pub fn as_str(self) -> &'static str {
                match self { $(ApiCode::$variant => $text,)* }
            }

            /// The HTTP status that goes with the code.
            pub fn status(self) -> StatusCode {
                match self { $(ApiCode::$variant => StatusCode::$status,)* }
            }

            /// Message templates (Chinese, English); `{name}` slots are filled from the
            /// answer's fields.
            pub fn templates(self) -> (&'static str, &'static str) {
                match self { $(ApiCode::$variant => ($zh, $en),)* }
            }
        }
    };
}

api_codes! {
    /// The response was stored (201).
    SubmissionCreated = ("submission.created", CREATED,
        "答卷已保存", "Response stored"),
    /// The same `instance_id` with the same content was stored before (200).
    SubmissionDuplicate = ("submission.duplicate", OK,
        "此答卷此前已保存，内容相同，未重复保存", "This response was stored before with the same content; nothing changed"),
    /// The same `instance_id` with different content was stored before (409).
    SubmissionConflict = ("submission.conflict", CONFLICT,
        "已有 instance_id 相同但内容不同的答卷，未覆盖", "A response with this instance_id but different content is already stored; nothing was overwritten"),
    /// No stored submission with this `instance_id` uploaded by this team (404).
    SubmissionNotFound = ("submission.not_found", NOT_FOUND,
        "没有这份答卷：{instance_id}（请先上传答卷，再上传它的附件）", "No such response: {instance_id} (upload the response first, then its files)"),
    /// The attachment's bytes were stored now (201).
    AttachmentCreated = ("attachment.created", CREATED,
        "附件 {file} 已保存", "File {file} stored"),
    /// The same bytes were stored under this name before (200).
    AttachmentDuplicate = ("attachment.duplicate", OK,
        "附件 {file} 此前已保存，内容相同", "File {file} was stored before with the same bytes"),
    /// Other bytes are already stored under this name (409).
    AttachmentConflict = ("attachment.conflict", CONFLICT,
        "附件 {file} 已保存了不同的内容，未覆盖", "Other bytes are already stored as file {file}; nothing was overwritten"),
    /// The bytes are not the ones the answer names: another length or SHA-256 (422).
    AttachmentMismatch = ("attachment.mismatch", UNPROCESSABLE_ENTITY,
        "附件 {file} 与答卷所记不符（应为 {expected_size} 字节、SHA-256 {expected_sha256}，收到 {size} 字节、{sha256}），未保存", "File {file} is not the one the response names (expected {expected_size} bytes with SHA-256 {expected_sha256}, got {size} bytes with {sha256}); not stored"),
    /// The response's answers name no file of this name (404).
    AttachmentNotNamed = ("attachment.not_named", NOT_FOUND,
        "答卷 {instance_id} 的回答中没有文件 {file}", "The answers of response {instance_id} name no file {file}"),
    /// Which of a response's files arrived (200).
    AttachmentSummary = ("attachment.summary", OK,
        "答卷 {instance_id} 的附件", "The files of response {instance_id}"),
    /// The response has problems for its questionnaire version (422).
    SubmissionInvalid = ("submission.invalid", UNPROCESSABLE_ENTITY,
        "答卷有 {count} 个问题，未保存", "The response has {count} problem(s) and was not stored"),
    /// The response is a draft (422).
    SubmissionNotComplete = ("submission.not_complete", UNPROCESSABLE_ENTITY,
        "答卷尚未标记为完成（status 应为 complete），未保存", "The response is not marked complete (status must be \"complete\") and was not stored"),
    /// A plain response to a questionnaire whose responses must be sealed (422).
    SubmissionMustBeSealed = ("submission.must_be_sealed", UNPROCESSABLE_ENTITY,
        "问卷 {id} 的答卷须加密上传，未保存（请更新应用后重新打开此问卷）", "Responses to questionnaire {id} must be sealed; this one was not stored (update the app and open the questionnaire again)"),
    /// A response whose `meta.device_id` says it was keyed in from paper (`paper:…`),
    /// which only `tianye import-responses` may say: a questionnaire may ask less of a
    /// paper form (the record card's signature) (422).
    SubmissionPaperDevice = ("submission.paper_device", UNPROCESSABLE_ENTITY,
        "设备编号 {device_id} 以 paper: 开头，只用于纸质表录入（tianye import-responses），未保存", "The device id {device_id} starts with paper:, which only paper forms keyed in through tianye import-responses carry; not stored"),
    /// A sealed response to a questionnaire that names no key, or another key (422).
    SubmissionSealedWrongly = ("submission.sealed_wrongly", UNPROCESSABLE_ENTITY,
        "这份加密答卷与问卷 {id} 的公钥不符，未保存", "This sealed response does not match the public key of questionnaire {id}; it was not stored"),
    /// A sealed response whose envelope is incomplete or whose ciphertext does not match
    /// its digest (400).
    SubmissionSealBroken = ("submission.seal_broken", BAD_REQUEST,
        "加密答卷不完整或已损坏（{detail}），未保存", "The sealed response is incomplete or damaged ({detail}); it was not stored"),
    /// The body is not well-formed JSON (400).
    JsonSyntax = ("json.syntax", BAD_REQUEST,
        "请求内容不是有效的 JSON（第 {line} 行第 {column} 列）：{detail}", "The body is not valid JSON (line {line}, column {column}): {detail}"),
    /// Well-formed JSON that is not a response: a missing or unknown field, a wrong type (400).
    JsonFormat = ("json.format", BAD_REQUEST,
        "答卷格式不对（{path}，第 {line} 行第 {column} 列）：{detail}", "Not a valid response ({path}, line {line}, column {column}): {detail}"),
    /// The same key twice in one JSON object of the body, at any depth (400).
    JsonDuplicateKey = ("json.duplicate_key", BAD_REQUEST,
        "同一对象中键“{key}”出现了两次（{path}，第 {line} 行第 {column} 列）", "The key \"{key}\" appears twice in one object ({path}, line {line}, column {column})"),
    /// Arrays and objects nested deeper than the core allows (400).
    JsonTooDeep = ("json.too_deep", BAD_REQUEST,
        "数组和对象嵌套超过 {max} 层（{path}，第 {line} 行第 {column} 列）", "Arrays and objects are nested more than {max} deep ({path}, line {line}, column {column})"),
    /// JSON that would take more memory once read than its size allows: a great many
    /// tiny objects or arrays (400).
    JsonTooLarge = ("json.too_large", BAD_REQUEST,
        "内容过于零碎：{size} 字节的 JSON 读入后将超过 {max} 字节（第 {line} 行第 {column} 列）", "Too fragmented: {size} bytes of JSON would take over {max} bytes once read (line {line}, column {column})"),
    /// The body is not UTF-8 text (400).
    NotUtf8 = ("request.not_utf8", BAD_REQUEST,
        "请求内容不是 UTF-8 文本", "The body is not UTF-8 text"),
    /// The body could not be read (the client went away mid-upload) (400).
    BodyUnreadable = ("request.unreadable", BAD_REQUEST,
        "无法读取请求内容：{detail}", "Could not read the body: {detail}"),
    /// The body came slower than the least rate a phone on a weak signal keeps up (408).
    TooSlow = ("request.too_slow", REQUEST_TIMEOUT,
        "请求内容传输过慢（每秒不足 {min_bytes_per_second} 字节），已放弃；网络好转后会重新上传", "The body came too slowly (under {min_bytes_per_second} bytes a second) and was given up; it is sent again when the signal is better"),
    /// The body is over the size limit (413).
    TooLarge = ("request.too_large", PAYLOAD_TOO_LARGE,
        "请求内容超过 {limit} 字节的上限", "The body is over the limit of {limit} bytes"),
    /// A query parameter has a value the endpoint does not take (400).
    BadQuery = ("request.bad_query", BAD_REQUEST,
        "参数 {name} 的值无效：{value}", "Invalid value for parameter {name}: {value}"),
    /// No `Authorization: Bearer …` header (401).
    MissingToken = ("auth.missing_token", UNAUTHORIZED,
        "缺少令牌：请在请求头中提供 Authorization: Bearer <令牌>", "Missing token: send the header Authorization: Bearer <token>"),
    /// A token the server does not know (401).
    UnknownToken = ("auth.unknown_token", UNAUTHORIZED,
        "令牌无效", "Unknown token"),
    /// A token that was revoked (401).
    RevokedToken = ("auth.revoked_token", UNAUTHORIZED,
        "令牌已被撤销，请向管理员索取新的链接", "This token was revoked: ask the administrator for a new link"),
    /// A team token used where the admin token is needed (403).
    AdminRequired = ("auth.admin_required", FORBIDDEN,
        "此操作需要管理员令牌", "This needs the admin token"),
    /// The admin token used to upload (403).
    TeamRequired = ("auth.team_required", FORBIDDEN,
        "上传答卷需要调查队的令牌，而不是管理员令牌", "Uploads need a team token, not the admin token"),
    /// No questionnaire with this id (404).
    QuestionnaireNotFound = ("questionnaire.not_found", NOT_FOUND,
        "没有问卷 {id}", "No questionnaire {id}"),
    /// The questionnaire exists but not this version (404).
    VersionNotFound = ("questionnaire.version_not_found", NOT_FOUND,
        "问卷 {id} 没有版本 {version}", "Questionnaire {id} has no version {version}"),
    /// An export table that the questionnaire does not have (404).
    UnknownTable = ("export.unknown_table", NOT_FOUND,
        "问卷 {id} 没有数据表 {table}", "Questionnaire {id} has no table {table}"),
    /// A table export of a questionnaire whose responses are sealed: only the
    /// researcher's key reads them (409).
    ExportSealed = ("export.sealed", CONFLICT,
        "问卷 {id} 的答卷已加密，服务器无法读取：请用 export.jsonl 下载加密信封，再在研究者电脑上用 tianye export --key 私钥导出", "Responses to questionnaire {id} are sealed and the server cannot read them: download their envelopes with export.jsonl, then export them with tianye export --key on the researcher's computer"),
    /// A review state that is not one of received, has_issues, approved, rejected (400).
    ReviewBadState = ("review.bad_state", BAD_REQUEST,
        "审核状态 {value} 无效，应为 received（已收到）、has_issues（有问题）、approved（已通过）或 rejected（已退回）", "Invalid review state {value}: use received, has_issues, approved or rejected"),
    /// A review comment over the length limit (400).
    ReviewCommentTooLong = ("review.comment_too_long", BAD_REQUEST,
        "审核意见有 {chars} 个字符，超过上限 {max}", "The review comment has {chars} characters, over the limit of {max}"),
    /// A review body that is not a JSON object with `state` and `comment` (400).
    ReviewBadBody = ("review.bad_body", BAD_REQUEST,
        "审核请求应为含 state 和 comment 的 JSON 对象：{detail}", "The review must be a JSON object with state and comment: {detail}"),
    /// No stored submission with this `instance_id`, for review (404).
    ReviewNotFound = ("review.submission_not_found", NOT_FOUND,
        "没有这份答卷：{instance_id}", "No such response: {instance_id}"),
    /// A new team link's request that is not `{"team": …, "base": …}` with a team name
    /// of 1 to 64 characters and an http(s) address (400).
    TeamLinkBadBody = ("team_link.bad_body", BAD_REQUEST,
        "新建调查队链接的请求无效：{detail}", "Invalid request for a new team link: {detail}"),
    /// A new team link was made (201).
    TeamLinkCreated = ("team_link.created", CREATED,
        "已为调查队 {team} 新建表单链接", "New form link made for team {team}"),
    /// A review state was recorded (200).
    ReviewRecorded = ("review.recorded", OK,
        "已记录审核：{label_zh}", "Review recorded: {label_en}"),
    /// No such endpoint (404).
    NotFound = ("api.not_found", NOT_FOUND,
        "没有这个接口：{path}", "No such endpoint: {path}"),
    /// The endpoint exists but not for this method (405).
    MethodNotAllowed = ("api.method_not_allowed", METHOD_NOT_ALLOWED,
        "此接口不接受该请求方法", "This endpoint does not take this method"),
    /// The database could not store or read right now (503); the client keeps its copy
    /// and retries.
    StorageUnavailable = ("storage.unavailable", SERVICE_UNAVAILABLE,
        "暂时无法读写数据库，请稍后重试（答卷仍保存在设备上）：{detail}", "The database cannot be used right now; retry later (the response is still on the device): {detail}"),
    /// Anything else (500).
    Internal = ("internal", INTERNAL_SERVER_ERROR,
        "服务器内部错误：{detail}", "Internal server error: {detail}"),
}

/// An answer of the API: a code, its status, messages in both languages and extra
/// fields. Used for errors and for the answers to uploads alike.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The code.
    pub code: ApiCode,
    /// Extra fields, also filling the message slots.
    pub fields: Map<String, Value>,
}

/// A successful upload is answered in the same shape.
pub type ApiReply = ApiError;

impl ApiError {
    /// An answer with `code` and no extra fields.
    pub fn new(code: ApiCode) -> Self {
        ApiError { code, fields: Map::new() }
    }

    /// Adds a field.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(key.to_owned(), value.into());
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// The message in Chinese and in English.
    pub fn messages(&self) -> (String, String) {
        let (zh, en) = self.code.templates();
        (fill(zh, &self.fields), fill(en, &self.fields))
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let (zh, en) = self.messages();
        let mut body = Map::new();
        body.insert("code".into(), self.code.as_str().into());
        body.insert("message".into(), format!("{zh} / {en}").into());
        body.insert("message_zh".into(), zh.into());
        body.insert("message_en".into(), en.into());
        for (k, v) in &self.fields {
            body.insert(k.clone(), v.clone());
        }
        Value::Object(body)
    }

    /// `storage.unavailable` with the store's error as detail.
    pub fn storage(e: &crate::store::StoreError) -> Self {
        ApiError::new(ApiCode::StorageUnavailable).with("detail", e.to_string())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (zh, en) = self.messages();
        write!(f, "[{}] {zh} / {en}", self.code.as_str())
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status(), Json(self.body())).into_response()
    }
}

/// Fills `{name}` slots from `fields` (strings as they are, other values as JSON).
fn fill(template: &str, fields: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let key = &after[..end];
                match fields.get(key) {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(v) => out.push_str(&v.to_string()),
                    None => out.push('?'),
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_messages_bilingual() {
        let mut seen = std::collections::HashSet::new();
        for code in ApiCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {}", code.as_str());
            let (zh, en) = code.templates();
            assert!(zh.chars().any(|c| c > '\u{2e80}'), "{} lacks Chinese", code.as_str());
            assert!(en.is_ascii(), "{} English is not ASCII", code.as_str());
        }
    }

    #[test]
    fn body_carries_code_and_both_messages() {
        let e = ApiError::new(ApiCode::VersionNotFound).with("id", "hh").with("version", "9");
        let body = e.body();
        assert_eq!(body["code"], "questionnaire.version_not_found");
        assert_eq!(body["message_zh"], "问卷 hh 没有版本 9");
        assert_eq!(body["message_en"], "Questionnaire hh has no version 9");
        assert_eq!(body["message"], "问卷 hh 没有版本 9 / Questionnaire hh has no version 9");
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        assert_eq!(fill("{a} {b} {", &Map::new()), "? ? {");
    }
}
