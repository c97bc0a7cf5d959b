//! Items of a questionnaire: groups, repeats, notes, calculations and questions.
//!
//! One [`Item`] type covers every kind of item, told apart by its `type`
//! ([`ItemType`]). Properties that only some types use (`choices`, `min_length`, …)
//! are optional; the loader reports a property set on a type that does not use it
//! (`schema.property_not_applicable`), so a misplaced property never passes silently.

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::Text;

/// The kind of an item: the `type` property of the questionnaire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// A section holding other items (`items`); shown as one page in the form app.
    Group,
    /// A repeat group, e.g. a household roster: each row holds answers to `items`.
    Repeat,
    /// Display-only text (`label`), which may show calculated values through `${name}`.
    Note,
    /// A hidden value computed from `calculation`.
    Calculate,
    /// A hidden value that is never shown; it gets its value from `default`.
    Hidden,
    /// Free text, optionally with `pattern`, `min_length` and `max_length`.
    Text,
    /// A whole number, optionally within `min`..=`max`.
    Integer,
    /// A decimal number, optionally within `min`..=`max`.
    Decimal,
    /// A number picked on a slider from `min` to `max` in steps of `step`.
    Range,
    /// One choice from the list named by `choices`.
    SelectOne,
    /// Any number of choices from the list named by `choices`, optionally bounded by
    /// `min_selected`/`max_selected`; a choice marked `exclusive` must stand alone.
    SelectMultiple,
    /// An ordering of every choice of the list named by `choices`.
    Rank,
    /// One choice from an ordered agreement or frequency scale (`choices`), shown in a row.
    Likert,
    /// A whole number of stars from 1 to `scale` (default 5).
    Rating,
    /// Several rows sharing one choice list: each row in `rows` is a single-choice
    /// question of its own, with its own name.
    Matrix,
    /// A calendar date, `YYYY-MM-DD`; `min`/`max` may be relative to today.
    Date,
    /// A time of day, `HH:MM` or `HH:MM:SS`.
    Time,
    /// A date and time, `YYYY-MM-DDTHH:MM[:SS][offset]`.
    Datetime,
    /// A mainland China mobile phone number (11 digits starting 13–19).
    Phone,
    /// A Chinese resident identity card number (18 characters with an ISO 7064 MOD 11-2
    /// check character).
    IdNumber,
    /// An e-mail address.
    Email,
    /// A location: latitude, longitude and accuracy in metres.
    Geopoint,
    /// A single "OK" box the respondent ticks to acknowledge a statement.
    Acknowledge,
    /// A value recorded by the device, not asked: which one is given by `meta`
    /// (XLSForm's metadata types `start`, `end`, `today`, `deviceid`, `username`,
    /// `phonenumber`).
    Meta,
    /// A photo (camera or gallery), scaled down to `max_pixels` on its long side
    /// (default 1,600). Answered with an attachment object (see [`crate::response::attachment`]).
    Image,
    /// A signature drawn on a pad (XLSForm: `image` with appearance `signature`).
    Signature,
    /// A free drawing on a pad (XLSForm: `image` with appearance `draw`).
    Draw,
    /// Any file, optionally limited by `accept` (MIME types or extensions).
    File,
    /// A sound recording (`accept` defaults to `audio/*`).
    Audio,
}

/// What a `meta` item records; filled from the response's `meta` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum MetaKind {
    /// When the response was started (`meta.started_at`), a datetime.
    Start,
    /// When it was finished (`meta.submitted_at`, else `meta.updated_at`), a datetime.
    End,
    /// The date it was filled in (the date of `end`).
    Today,
    /// The device identifier (`meta.device_id`).
    Deviceid,
    /// The enumerator (`meta.enumerator`).
    Username,
    /// The device's phone number; Tianye does not record one, so it is always empty.
    Phonenumber,
}

impl ItemType {
    /// Every item type, in declaration order.
    pub const ALL: [ItemType; 29] = [
        ItemType::Group,
        ItemType::Repeat,
        ItemType::Note,
        ItemType::Calculate,
        ItemType::Hidden,
        ItemType::Text,
        ItemType::Integer,
        ItemType::Decimal,
        ItemType::Range,
        ItemType::SelectOne,
        ItemType::SelectMultiple,
        ItemType::Rank,
        ItemType::Likert,
        ItemType::Rating,
        ItemType::Matrix,
        ItemType::Date,
        ItemType::Time,
        ItemType::Datetime,
        ItemType::Phone,
        ItemType::IdNumber,
        ItemType::Email,
        ItemType::Geopoint,
        ItemType::Acknowledge,
        ItemType::Meta,
        ItemType::Image,
        ItemType::Signature,
        ItemType::Draw,
        ItemType::File,
        ItemType::Audio,
    ];

    /// The `type` string of the questionnaire format.
    pub const fn as_str(self) -> &'static str {
        match self {
            ItemType::Group => "group",
            ItemType::Repeat => "repeat",
            ItemType::Note => "note",
            ItemType::Calculate => "calculate",
            ItemType::Hidden => "hidden",
            ItemType::Text => "text",
            ItemType::Integer => "integer",
            ItemType::Decimal => "decimal",
            ItemType::Range => "range",
            ItemType::SelectOne => "select_one",
            ItemType::SelectMultiple => "select_multiple",
            ItemType::Rank => "rank",
            ItemType::Likert => "likert",
            ItemType::Rating => "rating",
            ItemType::Matrix => "matrix",
            ItemType::Date => "date",
            ItemType::Time => "time",
            ItemType::Datetime => "datetime",
            ItemType::Phone => "phone",
            ItemType::IdNumber => "id_number",
            ItemType::Email => "email",
            ItemType::Geopoint => "geopoint",
            ItemType::Acknowledge => "acknowledge",
            ItemType::Meta => "meta",
            ItemType::Image => "image",
            ItemType::Signature => "signature",
            ItemType::Draw => "draw",
            ItemType::File => "file",
            ItemType::Audio => "audio",
        }
    }

    /// The `type` strings, in declaration order.
    const NAMES: [&'static str; 29] = {
        let mut names = [""; 29];
        let mut i = 0;
        while i < names.len() {
            names[i] = ItemType::ALL[i].as_str();
            i += 1;
        }
        names
    };

    /// Groups and repeats hold other items.
    pub fn is_container(self) -> bool {
        matches!(self, ItemType::Group | ItemType::Repeat)
    }

    /// Items whose answer a person gives (everything but containers, notes and
    /// computed values).
    pub fn is_question(self) -> bool {
        !matches!(
            self,
            ItemType::Group
                | ItemType::Repeat
                | ItemType::Note
                | ItemType::Calculate
                | ItemType::Hidden
        )
    }

    /// Types answered with a file (an attachment object naming the file and its hash).
    pub fn is_attachment(self) -> bool {
        matches!(
            self,
            ItemType::Image
                | ItemType::Signature
                | ItemType::Draw
                | ItemType::File
                | ItemType::Audio
        )
    }

    /// Types whose answer is a picture scaled to `max_pixels`.
    pub fn is_picture(self) -> bool {
        matches!(self, ItemType::Image | ItemType::Signature | ItemType::Draw)
    }

    /// Types whose answer is one or more names from a choice list.
    pub fn uses_choices(self) -> bool {
        matches!(
            self,
            ItemType::SelectOne
                | ItemType::SelectMultiple
                | ItemType::Rank
                | ItemType::Likert
                | ItemType::Matrix
        )
    }
}

impl<'de> Deserialize<'de> for ItemType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::json::unit_variant(deserializer, "ItemType", &ItemType::NAMES)
            .map(|i| ItemType::ALL[i])
    }
}

impl MetaKind {
    const ALL: [MetaKind; 6] = [
        MetaKind::Start,
        MetaKind::End,
        MetaKind::Today,
        MetaKind::Deviceid,
        MetaKind::Username,
        MetaKind::Phonenumber,
    ];
    const NAMES: [&'static str; 6] =
        ["start", "end", "today", "deviceid", "username", "phonenumber"];
}

impl<'de> Deserialize<'de> for MetaKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::json::unit_variant(deserializer, "MetaKind", &MetaKind::NAMES)
            .map(|i| MetaKind::ALL[i])
    }
}

/// `true`, `false`, or an expression giving the condition (`"${age} < 16"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Condition {
    /// Always or never.
    Fixed(bool),
    /// An expression in the logic language, converted to a boolean.
    Expr(String),
}

/// A bound for `min`/`max`: a number for numeric questions; for dates and times a
/// string such as `"2010-01-01"`, `"today"`, `"today-16y"`, `"today+30d"`,
/// `"today-6m"`, `"08:00"` or `"now"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Bound {
    /// A number (integer, decimal, range and rating questions).
    Number(f64),
    /// A date, time or datetime, absolute or relative to today/now.
    Text(String),
}

/// One constraint: an expression that must hold for the answer (`.` is the answer),
/// with the message shown when it does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    /// The rule, e.g. `". >= 0 and . <= 120"`.
    pub expr: String,
    /// Shown when the rule fails; a generic message is used when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Text>,
}

/// One row of a matrix: a single-choice question of its own, answered with a name
/// from the matrix's choice list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MatrixRow {
    /// Unique name of the row's answer, as for any item.
    #[validate(custom(function = "super::validate_name"))]
    pub name: String,
    /// The row's text.
    pub label: Text,
    /// Extra help for the row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
}

/// An item of a questionnaire. See [`ItemType`] for the kinds and the properties each
/// uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// What kind of item this is.
    #[serde(rename = "type")]
    pub kind: ItemType,
    /// Identifier, unique in the questionnaire: a letter or `_`, then letters, digits,
    /// `_`, `-` or `.`. Expressions refer to the item as `${name}`; answers are keyed by it.
    #[validate(custom(function = "super::validate_name"))]
    pub name: String,
    /// The question text (or the note's text, or the section title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Text>,
    /// Extra help shown under the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// Skip logic: the item (and everything inside it) is shown and asked only when this
    /// expression is true. Answers to non-relevant items are cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    /// Whether an answer is required: `true`, or an expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Condition>,
    /// Message shown when a required answer is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_message: Option<Text>,
    /// Rules the answer must satisfy, each with its own message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// Initial value, as an expression (`"0"`, `"'yes'"`, `"today()"`), applied when the
    /// response (or, inside a repeat, the row) is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Whether the answer is shown but cannot be changed: `true`, or an expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<Condition>,
    /// For `calculate` items (and read-only questions showing a computed value): the
    /// expression giving the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculation: Option<String>,
    /// Display hint for the form app (`multiline`, `minimal`, `horizontal`, `field-list`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,

    /// `text`: a regular expression the whole answer must match (regex-lite syntax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `text`: fewest characters allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// `text`: most characters allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(min = 1))]
    pub max_length: Option<u32>,

    /// Smallest value allowed: a number for `integer`, `decimal` and `range`; a date,
    /// time or datetime (absolute or relative to today) for those types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Bound>,
    /// Largest value allowed, as for `min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Bound>,
    /// `range`: the step between values (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(exclusive_min = 0.0))]
    pub step: Option<f64>,
    /// `rating`: the number of stars (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(min = 2, max = 10))]
    pub scale: Option<u32>,

    /// Choice types: the name of a list in the questionnaire's `choice_lists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<String>,
    /// Choice types: only choices for which this expression is true are offered. Bare
    /// names (`county`) refer to the choice's `attributes`, `name` to its name:
    /// `"county = ${county}"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_filter: Option<String>,
    /// `select_multiple`: fewest choices allowed when answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_selected: Option<u32>,
    /// `select_multiple`: most choices allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(min = 1))]
    pub max_selected: Option<u32>,
    /// `matrix`: the rows, each answered with one choice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<MatrixRow>,

    /// `geopoint`: largest accuracy radius accepted, in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(exclusive_min = 0.0))]
    pub max_accuracy: Option<f64>,

    /// `image`, `signature`, `draw`: the longest side, in pixels, a picture is scaled
    /// down to before it is stored (1 to 20,000; default 1,600, ODK's `max-pixels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(min = 1, max = 20000))]
    pub max_pixels: Option<u32>,
    /// `file`, `audio`: the media types (`application/pdf`, `audio/*`) or extensions
    /// (`.pdf`) a file may have (at most 20, each at most 100 characters); `audio`
    /// without it takes `audio/*`, `file` without it takes any file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[validate(length(max = 20))]
    pub accept: Vec<String>,

    /// `group` and `repeat`: the items inside.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    /// `repeat`: fewest rows for a complete response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rows: Option<u32>,
    /// `repeat`: most rows allowed in each instance of the repeat (1 to 10,000); without
    /// it, 1,000. More rows are one `count` problem; rows past the larger of `max_rows`
    /// and 1,000 are not read at all, and a response holds at most 10,000 rows in all
    /// its repeats together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(min = 1, max = 10000))]
    pub max_rows: Option<u32>,
    /// `repeat`: an expression giving the number of rows (e.g. `"${hh_size}"`); the form
    /// app adds and removes rows to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_count: Option<String>,
    /// `repeat`: the title of each row, usually interpolating an answer in the row
    /// (`"${m_name}"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_label: Option<Text>,

    /// `meta`: which device value the item records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaKind>,
}

/// The most rows an instance of a repeat may have when its questionnaire sets no
/// `max_rows`.
pub const DEFAULT_MAX_ROWS: u32 = 1000;

/// The most rows a response may have in all its repeats together (the largest
/// `max_rows` a repeat may set). Rows past it are not read.
pub const MAX_ROWS_IN_RESPONSE: u32 = 10_000;

impl Item {
    /// A new item of `kind` named `name`, with every other property unset.
    pub fn new(kind: ItemType, name: impl Into<String>) -> Self {
        Item {
            kind,
            name: name.into(),
            label: None,
            hint: None,
            relevant: None,
            required: None,
            required_message: None,
            constraints: Vec::new(),
            default: None,
            read_only: None,
            calculation: None,
            appearance: None,
            pattern: None,
            min_length: None,
            max_length: None,
            min: None,
            max: None,
            step: None,
            scale: None,
            choices: None,
            choice_filter: None,
            min_selected: None,
            max_selected: None,
            rows: Vec::new(),
            max_accuracy: None,
            max_pixels: None,
            accept: Vec::new(),
            items: Vec::new(),
            min_rows: None,
            max_rows: None,
            repeat_count: None,
            row_label: None,
            meta: None,
        }
    }

    /// Sets the label (builder style, for tests and generators).
    pub fn with_label(mut self, label: impl Into<Text>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The names of the properties this item sets that its type does not use.
    pub fn inapplicable_properties(&self) -> Vec<&'static str> {
        use ItemType as T;
        let k = self.kind;
        let question = k.is_question();
        let numeric = matches!(k, T::Integer | T::Decimal | T::Range | T::Rating);
        let temporal = matches!(k, T::Date | T::Time | T::Datetime);
        let checks: [(&'static str, bool, bool); 29] = [
            ("required", self.required.is_some(), question),
            ("required_message", self.required_message.is_some(), question),
            ("constraints", !self.constraints.is_empty(), question),
            ("default", self.default.is_some(), question || k == T::Hidden),
            ("read_only", self.read_only.is_some(), question),
            ("calculation", self.calculation.is_some(), question || k == T::Calculate),
            ("pattern", self.pattern.is_some(), k == T::Text),
            ("min_length", self.min_length.is_some(), k == T::Text),
            ("max_length", self.max_length.is_some(), k == T::Text),
            ("min", self.min.is_some(), (numeric && k != T::Rating) || temporal),
            ("max", self.max.is_some(), (numeric && k != T::Rating) || temporal),
            ("step", self.step.is_some(), k == T::Range),
            ("scale", self.scale.is_some(), k == T::Rating),
            ("choices", self.choices.is_some(), k.uses_choices()),
            ("choice_filter", self.choice_filter.is_some(), k.uses_choices()),
            ("min_selected", self.min_selected.is_some(), k == T::SelectMultiple),
            ("max_selected", self.max_selected.is_some(), k == T::SelectMultiple),
            ("rows", !self.rows.is_empty(), k == T::Matrix),
            ("max_accuracy", self.max_accuracy.is_some(), k == T::Geopoint),
            ("max_pixels", self.max_pixels.is_some(), k.is_picture()),
            ("accept", !self.accept.is_empty(), matches!(k, T::File | T::Audio)),
            ("items", !self.items.is_empty(), k.is_container()),
            ("min_rows", self.min_rows.is_some(), k == T::Repeat),
            ("max_rows", self.max_rows.is_some(), k == T::Repeat),
            ("repeat_count", self.repeat_count.is_some(), k == T::Repeat),
            ("row_label", self.row_label.is_some(), k == T::Repeat),
            ("meta", self.meta.is_some(), k == T::Meta),
            ("hint", self.hint.is_some(), !matches!(k, T::Calculate | T::Hidden | T::Meta)),
            ("label", self.label.is_some(), !matches!(k, T::Hidden | T::Meta)),
        ];
        checks
            .iter()
            .filter(|(_, set, allowed)| *set && !*allowed)
            .map(|(name, _, _)| *name)
            .collect()
    }

    /// Every item inside this one, depth first (not including `self`).
    pub fn descendants(&self) -> impl Iterator<Item = &Item> {
        let mut stack: Vec<&Item> = self.items.iter().rev().collect();
        std::iter::from_fn(move || {
            let next = stack.pop()?;
            stack.extend(next.items.iter().rev());
            Some(next)
        })
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(super::untagged::AnyVisitor)? {
            super::untagged::Any::Bool(b) => Ok(Condition::Fixed(b)),
            super::untagged::Any::Str(s) => Ok(Condition::Expr(s)),
            _ => Err(super::untagged::no_variant("Condition")),
        }
    }
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(super::untagged::AnyVisitor)? {
            super::untagged::Any::Num(n) => Ok(Bound::Number(n)),
            super::untagged::Any::Str(s) => Ok(Bound::Text(s)),
            _ => Err(super::untagged::no_variant("Bound")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names read are the names written (`rename_all` on the derived `Serialize`).
    #[test]
    fn variant_names_are_the_serialized_names() {
        for (kind, name) in ItemType::ALL.iter().zip(ItemType::NAMES) {
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
            assert_eq!(kind.as_str(), name);
        }
        for (kind, name) in MetaKind::ALL.iter().zip(MetaKind::NAMES) {
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
        }
    }
}
