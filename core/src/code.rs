//! Stable codes for every finding and error the engine reports.
//!
//! Codes are part of the public interface (JSON output, HTTP API, tests): they are
//! never renumbered, renamed or reused. Messages for each code live in [`crate::i18n`].

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($(#[$doc:meta])* $(@$feature:literal)? $variant:ident = $text:literal,)*) => {
        /// A stable code naming one kind of finding or error.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[$doc])* $(#[cfg(feature = $feature)])? $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$($(#[cfg(feature = $feature)])? Code::$variant,)*];

            /// The code as written in output, e.g. `expr.unknown_ref`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($(#[cfg(feature = $feature)])? Code::$variant => $text,)*
                }
            }

            /// The code written as `text`, if there is one.
            pub fn parse(text: &str) -> Option<Code> {
                match text {
                    $($(#[cfg(feature = $feature)])? $text => Some(Code::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    // ---- Findings about a response (validation) ----
    /// A required answer is missing.
    Required = "required",
    /// An author's constraint expression is false for the answer.
    Constraint = "constraint",
    /// The answer has the wrong JSON type or format for its question (a string for an
    /// integer, `2024-13-01` for a date).
    Type = "type",
    /// A number, date or time is outside `min`..`max`, or off a range's step.
    Range = "range",
    /// A text answer is shorter than `min_length` or longer than `max_length`.
    Length = "length",
    /// A text answer does not match the question's `pattern`.
    Pattern = "pattern",
    /// A choice answer names no choice of the list, or one the choice filter excludes.
    Choice = "choice",
    /// Too few or too many selections, or repeat rows.
    Count = "count",
    /// An exclusive choice ("none of the above") is selected together with others.
    Exclusive = "exclusive",
    /// The response answers a name the questionnaire does not have (or that takes no
    /// answer, such as a note).
    UnknownField = "unknown_field",
    /// Not a valid mainland China mobile number.
    Phone = "phone",
    /// Not a valid resident identity card number.
    IdNumber = "id_number",
    /// Not a valid e-mail address.
    Email = "email",
    /// A location out of range or less accurate than required.
    Geopoint = "geopoint",
    /// A rank answer that is not an ordering of every choice.
    Rank = "rank",
    /// The response names another questionnaire or version than the one it is
    /// validated against.
    QuestionnaireMismatch = "questionnaire_mismatch",
    /// The response's `instance_id` is not a UUID.
    InstanceId = "instance_id",
    /// A time in the response's `meta` (`started_at`, `updated_at`, `submitted_at`) that
    /// is not an RFC 3339 date and time with seconds and an offset.
    MetaTimestamp = "meta.timestamp",
    /// A text in the response's `meta` (`enumerator`, `device_id`) longer than
    /// [`crate::response::META_TEXT_MAX`] characters.
    MetaTooLong = "meta.too_long",
    /// A text in the response's `meta` holding a control character (a line break, a
    /// tab, `U+0000`…).
    MetaControlChar = "meta.control_char",
    /// An answer to an `image`, `signature`, `draw`, `file` or `audio` question that is
    /// not an attachment object `{"file", "sha256", "size", "media_type"}` of the right
    /// form (an unsafe file name, a hash that is not 64 lowercase hex digits, …).
    AttachmentFormat = "attachment.format",
    /// A file larger than the 10 MiB allowed (params `max`, `size`, `file`).
    AttachmentTooLarge = "attachment.too_large",
    /// A file whose media type does not fit its question (a GIF for a photo, a text
    /// file where only PDF is accepted).
    AttachmentMediaType = "attachment.media_type",
    /// Two answers of one response naming the same file with different contents.
    AttachmentDuplicateName = "attachment.duplicate_name",
    /// A response naming more than 50 files.
    AttachmentTooMany = "attachment.too_many",

    // ---- Errors in a JSON document (a questionnaire, a response, a test case) ----
    /// The file is not well-formed JSON.
    JsonSyntax = "json.syntax",
    /// Well-formed JSON that does not fit the format: a missing or unknown property,
    /// or a value of the wrong type.
    JsonFormat = "json.format",
    /// The same key twice in one JSON object (`{"a": 1, "a": 2}`), at any depth.
    JsonDuplicateKey = "json.duplicate_key",
    /// Arrays and objects nested more than [`crate::json::MAX_DEPTH`] deep.
    JsonTooDeep = "json.too_deep",
    /// JSON that would take more memory once read than its size allows
    /// ([`crate::json::memory_budget`]): a great many tiny objects or arrays.
    JsonTooLarge = "json.too_large",

    // ---- Errors in a questionnaire's definition ----
    /// An item or choice name that is not a valid identifier.
    InvalidName = "schema.invalid_name",
    /// Two items share a name.
    DuplicateName = "schema.duplicate_name",
    /// A property set on an item type that does not use it.
    PropertyNotApplicable = "schema.property_not_applicable",
    /// A property the item type needs is missing (a select without `choices`).
    MissingProperty = "schema.missing_property",
    /// `choices` names a list that does not exist.
    UnknownChoiceList = "schema.unknown_choice_list",
    /// A choice list has no choices.
    EmptyChoiceList = "schema.empty_choice_list",
    /// Two choices of one list share a name.
    DuplicateChoice = "schema.duplicate_choice",
    /// A `min`/`max` bound that is not a number, date or time of the right kind.
    InvalidBound = "schema.invalid_bound",
    /// A `pattern` that is not a valid regular expression.
    InvalidPattern = "schema.invalid_pattern",
    /// A property value out of its allowed range (an empty label, `min_length` above
    /// `max_length`, …).
    InvalidValue = "schema.invalid_value",
    /// `default_language` is not one of `languages`, or a text uses an undeclared language.
    Language = "schema.language",
    /// `encryption.public_key` is no usable RSA public key (not base64 of one, or under
    /// 2048 bits): nothing could be sealed with it.
    EncryptionKey = "schema.encryption_key",

    // ---- Errors in an expression ----
    /// A character that cannot start any token.
    UnexpectedChar = "expr.unexpected_char",
    /// A string literal without its closing quote.
    UnterminatedString = "expr.unterminated_string",
    /// `${` without a name and a closing `}`.
    BadReference = "expr.bad_reference",
    /// A token where it cannot stand.
    UnexpectedToken = "expr.unexpected_token",
    /// The expression ends where more is needed.
    UnexpectedEnd = "expr.unexpected_end",
    /// An XPath construct Tianye does not support (absolute paths, `|`, axes).
    Unsupported = "expr.unsupported",
    /// `${name}` names no item.
    UnknownRef = "expr.unknown_ref",
    /// A function that does not exist.
    UnknownFunction = "expr.unknown_function",
    /// A function called with the wrong number of arguments.
    Arity = "expr.arity",
    /// A value of the wrong kind: a repeat where one value is needed, a text in
    /// arithmetic, `selected()` on a number.
    ExprType = "expr.type",
    /// A literal compared with or selected from a choice question names no choice of
    /// its list (a warning: the test is always false, as in ODK).
    UnknownChoice = "expr.unknown_choice",
    /// A field inside a repeat used from outside that repeat without an aggregate
    /// (`count`, `sum`, `min`, `max`, …).
    RepeatOutside = "expr.repeat_outside",
    /// Calculations, relevance conditions or defaults that depend on each other in a
    /// circle.
    Cycle = "expr.cycle",
    /// `.` or `position(..)` where there is no current answer or row.
    NoContext = "expr.no_context",
    /// A bare name (`county`) outside a choice filter, or one naming no choice attribute.
    BareName = "expr.bare_name",
    /// A location step names no child of where it stands (`${member}/m_incme`,
    /// `count(${member}[m_agee < 16])`).
    UnknownChild = "expr.unknown_child",

    // ---- Errors and warnings while importing an XLSForm ----
    /// The file cannot be read as the workbook format its name says (a corrupt .xlsx,
    /// a .csv that is not UTF-8).
    XlsformUnreadable = "xlsform.unreadable",
    /// A sheet the form needs is missing: no `survey` sheet, or a select naming a list
    /// while there is no `choices` sheet.
    XlsformMissingSheet = "xlsform.missing_sheet",
    /// A column a sheet needs is missing (`type` and `name` on `survey`, `list_name` and
    /// `name` on `choices`).
    XlsformMissingColumn = "xlsform.missing_column",
    /// Two columns of one sheet have the same header.
    XlsformDuplicateColumn = "xlsform.duplicate_column",
    /// A row with a name or label but no type.
    XlsformMissingType = "xlsform.missing_type",
    /// A question or group without a name.
    XlsformMissingName = "xlsform.missing_name",
    /// Two items share a name (Tianye needs names unique in the whole form).
    XlsformDuplicateName = "xlsform.duplicate_name",
    /// `begin group`/`begin repeat` without its `end group`/`end repeat`.
    XlsformUnclosedGroup = "xlsform.unclosed_group",
    /// `end group`/`end repeat` with no open group or repeat of that kind.
    XlsformUnmatchedEnd = "xlsform.unmatched_end",
    /// A select names a list that the `choices` sheet does not have.
    XlsformUnknownChoiceList = "xlsform.unknown_choice_list",
    /// A question type Tianye does not support (`image`, `barcode`, `audit`, …); the row
    /// is left out.
    XlsformUnsupportedType = "xlsform.unsupported_type",
    /// A column Tianye does not support (`image`, `guidance_hint`, `trigger`, …); its
    /// values are left out.
    XlsformUnsupportedColumn = "xlsform.unsupported_column",
    /// A function Tianye cannot evaluate (`pulldata`, `indexed-repeat`, `once`, …).
    XlsformUnsupportedFunction = "xlsform.unsupported_function",
    /// A sheet Tianye does not support (`external_choices`, `entities`, `osm`).
    XlsformUnsupportedSheet = "xlsform.unsupported_sheet",
    /// A setting Tianye does not support (`submission_url`, `public_key`, …).
    XlsformUnsupportedSetting = "xlsform.unsupported_setting",
    /// An appearance Tianye's form app does not render; it is kept as a hint.
    XlsformUnsupportedAppearance = "xlsform.unsupported_appearance",
    /// A `parameters` entry Tianye does not support for the question type.
    XlsformUnsupportedParameter = "xlsform.unsupported_parameter",
    /// A cell whose value cannot be used (a non-numeric range start, a malformed
    /// `tianye` column, a bad `parameters` entry).
    XlsformInvalidValue = "xlsform.invalid_value",
    /// A row with content but no type, name or label; it is skipped.
    XlsformSkippedRow = "xlsform.skipped_row",
    /// A calculate row without a calculation.
    XlsformMissingCalculation = "xlsform.missing_calculation",

    // ---- Errors in a choice file (`choice_files`: choices from a CSV file) ----
    // Made only where files are read: `@"choice-files"` leaves them out of other
    // builds (the browser's).
    /// A list of `choice_files` whose file was never read into `choice_lists` (the
    /// questionnaire was loaded without its folder).
    @"choice-files" ChoiceFileNotLoaded = "choice_file.not_loaded",
    /// The file named cannot be read (`villages.csv` is not in `media/`).
    @"choice-files" ChoiceFileMissing = "choice_file.missing",
    /// A file name that is not a plain `.csv` name (`../x.csv`, `villages.txt`).
    @"choice-files" ChoiceFileName = "choice_file.invalid_file_name",
    /// Not CSV in UTF-8 (a stray quote, bytes of another encoding).
    @"choice-files" ChoiceFileUnreadable = "choice_file.unreadable",
    /// More than 32 MiB or 1,000,000 rows.
    @"choice-files" ChoiceFileTooLarge = "choice_file.too_large",
    /// No `name` column, or no `label` / `label::<lang>` column.
    @"choice-files" ChoiceFileMissingColumn = "choice_file.missing_column",
    /// A row whose name is empty or holds a space.
    @"choice-files" ChoiceFileBadName = "choice_file.invalid_name",
    /// A name given twice with the same other columns.
    @"choice-files" ChoiceFileDuplicateName = "choice_file.duplicate_name",
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Code::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown problem code `{text}`")))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            assert_eq!(Code::parse(code.as_str()), Some(*code));
        }
    }
}
