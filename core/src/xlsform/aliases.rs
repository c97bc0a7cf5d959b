//! The spellings pyxform accepts for column headers, question types and settings,
//! each mapped to the one thing Tianye means by it.

use crate::schema::{ItemType, MetaKind};

/// What a `survey` column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SurveyKey {
    Type,
    Name,
    Label,
    Hint,
    Required,
    RequiredMessage,
    Relevant,
    Constraint,
    ConstraintMessage,
    Calculation,
    Default,
    ReadOnly,
    ChoiceFilter,
    RepeatCount,
    Appearance,
    Parameters,
    /// `body::accept`: the file types a `file` question takes (ODK's column).
    Accept,
    /// Tianye's own column: a JSON object of properties XLSForm cannot say.
    Tianye,
    /// A column XLSForm knows and Tianye does not support (media, `guidance_hint`, …),
    /// or one neither knows.
    Unsupported,
}

impl SurveyKey {
    /// Whether the column takes a language suffix (`label::English (en)`).
    pub(crate) fn translatable(self) -> bool {
        matches!(
            self,
            SurveyKey::Label
                | SurveyKey::Hint
                | SurveyKey::RequiredMessage
                | SurveyKey::ConstraintMessage
        )
    }
}

/// What a `choices` column holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ChoiceKey {
    ListName,
    Name,
    Label,
    Tianye,
    /// Media columns (`image`, `audio`, …).
    Unsupported,
    /// Any other column: an attribute for choice filters.
    Attribute,
}

/// What a `settings` column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SettingKey {
    FormTitle,
    FormId,
    Version,
    DefaultLanguage,
    /// `allow_choice_duplicates`: a list may name a choice twice (a cascade).
    AllowChoiceDuplicates,
    /// `public_key`: the researcher's RSA public key, one line of base64 (ODK's encrypted
    /// forms); complete responses are sealed to it.
    PublicKey,
    Tianye,
    Unsupported,
}

/// A header split into its column name and language: `label::English (en)` →
/// (`label`, `Some("English (en)")`). Follows pyxform: `::` separates; a single `:`
/// does when there is no `::` (except in `jr:` names); the name is compared in
/// snake case.
pub(crate) fn split_header(header: &str) -> (String, Option<String>, Vec<String>) {
    let header = header.split_whitespace().collect::<Vec<_>>().join(" ");
    let tokens: Vec<String> = if header.contains("::") {
        header.split("::").map(|t| t.trim().to_owned()).collect()
    } else if header.contains(':') && !header.starts_with("jr:") {
        let raw: Vec<&str> = header.split(':').map(str::trim).collect();
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == "jr" && i + 1 < raw.len() {
                out.push(format!("jr:{}", raw[i + 1]));
                i += 2;
            } else {
                out.push(raw[i].to_owned());
                i += 1;
            }
        }
        out
    } else {
        vec![header.clone()]
    };
    let name = snake(&tokens[0]);
    let lang = tokens.get(1).filter(|t| !t.is_empty()).cloned();
    (name, lang, tokens)
}

/// `List Name` → `list_name`.
pub(crate) fn snake(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join("_").to_lowercase()
}

/// The meaning of a `survey` header (already split by [`split_header`]).
pub(crate) fn survey_key(name: &str, tokens: &[String]) -> SurveyKey {
    use SurveyKey as K;
    let by_name = |n: &str| -> Option<SurveyKey> {
        Some(match n {
            "type" | "command" => K::Type,
            "name" | "tag" | "value" => K::Name,
            "label" | "caption" => K::Label,
            "hint" => K::Hint,
            "required" => K::Required,
            "required_message" | "requiredmsg" | "jr:requiredmsg" => K::RequiredMessage,
            "relevant" | "relevance" => K::Relevant,
            "constraint" => K::Constraint,
            "constraint_message" | "constraining_message" | "jr:constraintmsg" => {
                K::ConstraintMessage
            }
            "calculation" | "calculate" => K::Calculation,
            "default" => K::Default,
            "read_only" | "readonly" => K::ReadOnly,
            "choice_filter" => K::ChoiceFilter,
            "repeat_count" | "count" | "jr:count" => K::RepeatCount,
            "appearance" => K::Appearance,
            "parameters" => K::Parameters,
            "tianye" => K::Tianye,
            _ => return None,
        })
    };
    match name {
        // `bind::relevant`, `control::appearance`, `bind::jr:constraintMsg`, …
        "body" if tokens.len() == 2 && tokens[1].eq_ignore_ascii_case("accept") => K::Accept,
        "bind" | "control" if tokens.len() >= 2 => {
            let inner = tokens[1].to_lowercase();
            match (name, inner.as_str()) {
                ("bind", "relevant" | "required" | "constraint" | "calculate" | "readonly")
                | ("bind", "jr:constraintmsg" | "jr:requiredmsg")
                | ("control", "appearance" | "jr:count") => {
                    by_name(&inner).unwrap_or(K::Unsupported)
                }
                _ => K::Unsupported,
            }
        }
        other => by_name(other).unwrap_or(K::Unsupported),
    }
}

/// The language of a `bind::jr:constraintMsg::English (en)` style header: the token
/// after the column name.
pub(crate) fn survey_lang(name: &str, tokens: &[String]) -> Option<String> {
    let at = if matches!(name, "bind" | "control") { 2 } else { 1 };
    tokens.get(at).filter(|t| !t.is_empty()).cloned()
}

/// The meaning of a `choices` header.
pub(crate) fn choice_key(name: &str) -> ChoiceKey {
    match name {
        "list_name" => ChoiceKey::ListName,
        "name" | "value" => ChoiceKey::Name,
        "label" | "caption" => ChoiceKey::Label,
        "tianye" => ChoiceKey::Tianye,
        "image" | "big-image" | "audio" | "video" | "media" => ChoiceKey::Unsupported,
        _ => ChoiceKey::Attribute,
    }
}

/// The meaning of a `settings` header.
pub(crate) fn setting_key(name: &str) -> SettingKey {
    match name {
        "form_title" | "set_form_title" | "title" => SettingKey::FormTitle,
        "form_id" | "set_form_id" | "id_string" => SettingKey::FormId,
        "version" => SettingKey::Version,
        "default_language" => SettingKey::DefaultLanguage,
        "allow_choice_duplicates" => SettingKey::AllowChoiceDuplicates,
        "public_key" => SettingKey::PublicKey,
        "tianye" => SettingKey::Tianye,
        _ => SettingKey::Unsupported,
    }
}

/// A container row's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    Group,
    Repeat,
}

impl Container {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Container::Group => "group",
            Container::Repeat => "repeat",
        }
    }
}

/// The kinds of select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SelectKind {
    One,
    Multiple,
    Rank,
}

/// What a `type` cell says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeCell {
    Begin(Container),
    End(Container),
    Basic(ItemType),
    Meta(MetaKind),
    Select {
        kind: SelectKind,
        list: String,
        or_other: bool,
        /// `select_one_from_file FILE`: `list` is a CSV file beside the form.
        from_file: bool,
    },
    /// A value ODK reads from the device that Tianye does not record (`simserial`,
    /// `subscriberid`, the device's `email`): kept as an empty hidden field, so that
    /// expressions reading it still work as they would on a device without one.
    Unrecorded(String),
    /// A select without its list name (`select_one`).
    SelectWithoutList,
    /// An XLSForm type Tianye does not support.
    Unsupported(String),
    /// Not a type pyxform knows either.
    Unknown(String),
}

/// Reads a `type` cell, accepting pyxform's aliases and spellings in any case.
pub(crate) fn parse_type(raw: &str) -> TypeCell {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let lower = words.join(" ").to_lowercase();
    let flat = lower.replace('_', " ");
    for (prefix, begin) in [("begin ", true), ("end ", false)] {
        if let Some(rest) = flat.strip_prefix(prefix) {
            let kind = match rest.split_whitespace().next() {
                Some("group") => Some(Container::Group),
                Some("repeat") => Some(Container::Repeat),
                Some("loop" | "lgroup" | "looped") => {
                    return TypeCell::Unsupported(lower.clone());
                }
                _ => None,
            };
            if let Some(kind) = kind {
                return if begin { TypeCell::Begin(kind) } else { TypeCell::End(kind) };
            }
        }
    }
    // Selects: `select_one L`, `select one L`, `select1 L`, `select all that apply L`,
    // `rank L`, with `or_other` / `or specify other` after the list; also pyxform's
    // older spellings (`select one from L`, `select all that apply from L`,
    // `add select one prompt using L`). The longer spellings come first: `select one
    // from file` before `select one from` before `select one`.
    const SELECTS: [(&str, Option<SelectKind>); 16] = [
        ("select_one_from_file", Some(SelectKind::One)),
        ("select_multiple_from_file", Some(SelectKind::Multiple)),
        ("select one from file", Some(SelectKind::One)),
        ("select multiple from file", Some(SelectKind::Multiple)),
        ("select_one_external", None),
        ("select one external", None),
        ("add select one prompt using", Some(SelectKind::One)),
        ("add select multiple prompt using", Some(SelectKind::Multiple)),
        ("select all that apply from", Some(SelectKind::Multiple)),
        ("select one from", Some(SelectKind::One)),
        ("select_one", Some(SelectKind::One)),
        ("select one", Some(SelectKind::One)),
        ("select1", Some(SelectKind::One)),
        ("select_multiple", Some(SelectKind::Multiple)),
        ("select all that apply", Some(SelectKind::Multiple)),
        ("rank", Some(SelectKind::Rank)),
    ];
    let lower_words = words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(" ");
    for (command, kind) in SELECTS {
        let Some(rest) = lower_words.strip_prefix(command) else { continue };
        if !(rest.is_empty() || rest.starts_with(' ')) {
            continue;
        }
        let Some(kind) = kind else { return TypeCell::Unsupported(command.to_owned()) };
        // Keep the list name's case: take it from the original words.
        let skip = command.split(' ').count();
        let rest_words: Vec<&str> = words[skip.min(words.len())..].to_vec();
        let Some(list) = rest_words.first() else { return TypeCell::SelectWithoutList };
        let tail = rest_words[1..].join(" ").to_lowercase();
        let or_other = match tail.as_str() {
            "" => false,
            "or_other" | "or other" | "or specify other" => true,
            _ => return TypeCell::Unknown(raw.trim().to_owned()),
        };
        let from_file = command.ends_with("file");
        // ODK also reads choices from GeoJSON and XML files; Tianye reads CSV only.
        if from_file && !list.to_lowercase().ends_with(".csv") {
            return TypeCell::Unsupported(format!("{command} {list}"));
        }
        return TypeCell::Select { kind, list: (*list).to_owned(), or_other, from_file };
    }
    // `osm L`: an OpenStreetMap feature tagged with the list L of the `osm` sheet.
    if lower_words.strip_prefix("osm ").is_some_and(|list| !list.contains(' ')) {
        return TypeCell::Unsupported("osm".to_owned());
    }
    if let Some(t) = basic_type(&lower) {
        return t;
    }
    if UNSUPPORTED_TYPES.contains(&lower.as_str()) {
        return TypeCell::Unsupported(lower);
    }
    TypeCell::Unknown(raw.trim().to_owned())
}

fn basic_type(lower: &str) -> Option<TypeCell> {
    use ItemType as T;
    let basic = |t| Some(TypeCell::Basic(t));
    let meta = |m| Some(TypeCell::Meta(m));
    match lower {
        "text" | "string" | "add text prompt" | "q string" => basic(T::Text),
        "integer" | "int" | "add integer prompt" | "q int" => basic(T::Integer),
        "decimal" | "add decimal prompt" | "q decimal" => basic(T::Decimal),
        "date" | "add date prompt" | "q date" => basic(T::Date),
        "time" | "add time prompt" | "q time" => basic(T::Time),
        "datetime"
        | "date time"
        | "add datetime prompt"
        | "add date time prompt"
        | "q datetime"
        | "q date time" => basic(T::Datetime),
        "note" | "add note prompt" | "q note" => basic(T::Note),
        "calculate" | "add calculate prompt" | "q calculate" => basic(T::Calculate),
        "hidden" => basic(T::Hidden),
        // pyxform's `trigger` is the same control as `acknowledge` (an "OK" to tap).
        "acknowledge" | "add acknowledge prompt" | "q acknowledge" | "trigger" => {
            basic(T::Acknowledge)
        }
        "geopoint" | "gps" | "location" | "add location prompt" | "q geopoint" | "q location" => {
            basic(T::Geopoint)
        }
        "range" => basic(T::Range),
        // `signature` and `draw` are `image` with that appearance (read in the builder).
        "image" | "photo" | "add image prompt" | "add photo prompt" | "q picture" | "q image" => {
            basic(T::Image)
        }
        "audio" | "add audio prompt" | "q audio" => basic(T::Audio),
        "file" | "add file prompt" => basic(T::File),
        "start" | "start time" | "get start time" => meta(MetaKind::Start),
        "end" | "end time" | "get end time" => meta(MetaKind::End),
        "today" | "get today" => meta(MetaKind::Today),
        // The `uri:` spellings are the same values written as URIs in ODK's instance
        // (`uri:deviceid` → `collect:…`); Tianye's meta items hold the plain value.
        "deviceid" | "device id" | "get device id" | "imei" | "uri:deviceid" => {
            meta(MetaKind::Deviceid)
        }
        "username" | "uri:username" => meta(MetaKind::Username),
        "simserial" | "sim id" | "get sim id" | "uri:simserial" | "subscriberid"
        | "subscriber id" | "get subscriber id" | "uri:subscriberid" | "email" | "uri:email" => {
            Some(TypeCell::Unrecorded(lower.to_owned()))
        }
        "phonenumber" | "phone number" | "get phone number" | "uri:phonenumber" => {
            meta(MetaKind::Phonenumber)
        }
        _ => None,
    }
}

/// Types pyxform knows that Tianye does not support.
const UNSUPPORTED_TYPES: &[&str] = &[
    "video",
    "add video prompt",
    "q video",
    "barcode",
    "add barcode prompt",
    "q barcode",
    "geotrace",
    "q geotrace",
    "geoshape",
    "q geoshape",
    "audit",
    "background-audio",
    "background-geopoint",
    "start-geopoint",
    "xml-external",
    "csv-external",
    "osm",
    "percentage",
    "number of days in last month",
    "number of days in last six months",
    "number of days in last year",
    "cascading select",
    "cascading_select",
];

/// Appearances Tianye's form app renders; others are kept but reported.
pub(crate) const APPEARANCES: &[&str] =
    &["field-list", "minimal", "multiline", "numbers", "likert", "horizontal", "rating"];

/// Sheets XLSForm has that Tianye does not support.
pub(crate) const UNSUPPORTED_SHEETS: &[&str] = &["external_choices", "entities", "osm"];

/// A language code from a language column's name: the code in parentheses
/// (`English (en)` → `en`, `中文 (zh)` → `zh`), else a known name (`Chinese` → `zh`),
/// else the name itself.
pub(crate) fn language_code(name: &str) -> String {
    let name = name.trim();
    if let Some(open) = name.rfind('(')
        && name.ends_with(')')
    {
        let code = name[open + 1..name.len() - 1].trim();
        if !code.is_empty() {
            return code.to_owned();
        }
    }
    let code = match name.to_lowercase().as_str() {
        "english" => "en",
        "chinese" | "中文" | "汉语" | "简体中文" | "普通话" | "mandarin" => "zh",
        "french" | "français" => "fr",
        "spanish" | "español" => "es",
        "portuguese" | "português" => "pt",
        "arabic" => "ar",
        "russian" => "ru",
        "swahili" => "sw",
        "hindi" => "hi",
        "tibetan" | "藏文" | "藏语" => "bo",
        "uyghur" | "维吾尔文" | "维吾尔语" => "ug",
        "mongolian" | "蒙古文" | "蒙古语" => "mn",
        _ => return name.to_owned(),
    };
    code.to_owned()
}

/// The column suffix written for a language code on export: `中文 (zh)`,
/// `English (en)`, or the code itself.
pub(crate) fn language_header(code: &str) -> String {
    match code {
        "zh" => "中文 (zh)".to_owned(),
        "en" => "English (en)".to_owned(),
        "fr" => "French (fr)".to_owned(),
        "es" => "Spanish (es)".to_owned(),
        "bo" => "Tibetan (bo)".to_owned(),
        "ug" => "Uyghur (ug)".to_owned(),
        "mn" => "Mongolian (mn)".to_owned(),
        other => other.to_owned(),
    }
}

/// Yes/no spellings pyxform accepts for `required` and `read_only`.
pub(crate) fn yes_no(value: &str) -> Option<bool> {
    match value {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "true()" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "false()" => Some(false),
        _ => None,
    }
}

/// Levenshtein distance, for "did you mean" on sheet names.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_accept_pyxform_spellings() {
        assert_eq!(parse_type("begin group"), TypeCell::Begin(Container::Group));
        assert_eq!(parse_type("begin_group"), TypeCell::Begin(Container::Group));
        assert_eq!(parse_type("Begin Repeat"), TypeCell::Begin(Container::Repeat));
        assert_eq!(parse_type("end_repeat"), TypeCell::End(Container::Repeat));
        for t in ["select_one yn", "select one yn", "select1 yn", "select_one  yn"] {
            assert_eq!(
                parse_type(t),
                TypeCell::Select {
                    kind: SelectKind::One,
                    list: "yn".into(),
                    or_other: false,
                    from_file: false
                },
                "{t}"
            );
        }
        assert_eq!(
            parse_type("select all that apply Crops or_other"),
            TypeCell::Select {
                kind: SelectKind::Multiple,
                list: "Crops".into(),
                or_other: true,
                from_file: false
            }
        );
        assert_eq!(parse_type("select_one"), TypeCell::SelectWithoutList);
        assert_eq!(parse_type("dateTime"), TypeCell::Basic(ItemType::Datetime));
        assert_eq!(parse_type("imei"), TypeCell::Meta(MetaKind::Deviceid));
        assert_eq!(parse_type("audit"), TypeCell::Unsupported("audit".into()));
        assert_eq!(parse_type("image"), TypeCell::Basic(ItemType::Image));
        assert_eq!(parse_type("add photo prompt"), TypeCell::Basic(ItemType::Image));
        assert_eq!(parse_type("audio"), TypeCell::Basic(ItemType::Audio));
        assert_eq!(parse_type("file"), TypeCell::Basic(ItemType::File));
        assert!(matches!(
            parse_type("select_one_from_file a.csv"),
            TypeCell::Select { kind: SelectKind::One, from_file: true, .. }
        ));
        assert_eq!(
            parse_type("select_one_from_file Buildings.geojson"),
            TypeCell::Unsupported("select_one_from_file Buildings.geojson".into())
        );
        assert!(matches!(parse_type("select_one_external a"), TypeCell::Unsupported(_)));
        assert_eq!(parse_type("integr"), TypeCell::Unknown("integr".into()));
    }

    #[test]
    fn headers_split_into_name_and_language() {
        let (name, lang, _) = split_header("label::English (en)");
        assert_eq!((name.as_str(), lang.as_deref()), ("label", Some("English (en)")));
        let (name, lang, _) = split_header("Label:中文");
        assert_eq!((name.as_str(), lang.as_deref()), ("label", Some("中文")));
        let (name, _, tokens) = split_header("bind::jr:constraintMsg::English");
        assert_eq!(survey_key(&name, &tokens), SurveyKey::ConstraintMessage);
        assert_eq!(survey_lang(&name, &tokens).as_deref(), Some("English"));
        let (name, _, tokens) = split_header("List Name");
        assert_eq!(choice_key(&name), ChoiceKey::ListName);
        assert_eq!(survey_key("jr:count", &tokens), SurveyKey::RepeatCount);
        let (name, _, tokens) = split_header("body::accept");
        assert_eq!(survey_key(&name, &tokens), SurveyKey::Accept);
    }

    #[test]
    fn language_codes() {
        assert_eq!(language_code("English (en)"), "en");
        assert_eq!(language_code("中文 (zh)"), "zh");
        assert_eq!(language_code("Chinese"), "zh");
        assert_eq!(language_code("Klingon"), "Klingon");
        assert_eq!(language_code(&language_header("zh")), "zh");
        assert_eq!(language_code(&language_header("xx")), "xx");
        assert_eq!(distance("survy", "survey"), 1);
    }
}
