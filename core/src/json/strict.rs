//! One pass over JSON text that refuses what serde_json lets through: the same key twice
//! in one object (serde_json keeps the last, so `"remarks":"a","remarks":"=B"` would
//! read as `=B`), nesting deeper than [`MAX_DEPTH`], and text that would take more
//! memory once read than [`memory_budget`] allows (a megabyte of `[{"a":0},…]` is a
//! hundred megabytes of maps).
//!
//! It either builds the [`Value`] (the server reads an upload once, this way) or only
//! checks, keeping nothing but each open object's keys (before a typed parse of a
//! questionnaire, response or case, which goes straight from the text to its types).
//! Both charge the same cost for the same text, so a document is refused or read alike
//! whichever way it is read.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::{Code, Diagnostic};

/// The deepest nesting of arrays and objects a document may have (a response needs
/// about eight: answers, a repeat, its row, a nested repeat, its row, a location).
pub const MAX_DEPTH: usize = 64;

/// How many times its own size a document may take in memory once read, on top of
/// [`MEMORY_FLOOR`]: see [`memory_budget`].
pub const MEMORY_FACTOR: usize = 24;

/// What any document may take in memory once read, however short.
pub const MEMORY_FLOOR: usize = 1 << 20;

/// The most memory, in bytes, that a document of `len` bytes may take once read, as
/// estimated from its shape: every array's buffer (32 bytes a slot, grown by doubling
/// from 4), every object's B-tree nodes (640 bytes a leaf of up to 11 entries), every
/// string's bytes. A response of real answers takes 5 to 15 times its size; a megabyte
/// of empty rows (`[{},{},…]`) 17 times; one-key objects or deep nesting 70 to 100.
pub fn memory_budget(len: usize) -> usize {
    len.saturating_mul(MEMORY_FACTOR).saturating_add(MEMORY_FLOOR)
}

/// Reads `text` into a [`Value`], refusing duplicate keys, deep nesting and documents
/// over their memory budget (see the module docs).
pub(crate) fn read(text: &str) -> Result<Value, Box<Diagnostic>> {
    walk(text, true)
}

/// Checks `text` as [`read`] would, without keeping anything.
pub(crate) fn check(text: &str) -> Result<(), Box<Diagnostic>> {
    walk(text, false).map(drop)
}

fn walk(text: &str, build: bool) -> Result<Value, Box<Diagnostic>> {
    let mut reader = Reader {
        build,
        depth: 0,
        cost: 0,
        budget: memory_budget(text.len()),
        fault: None,
        trail: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let result = Node { r: &mut reader }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    result.map_err(|e| Box::new(reader.diagnose(text, &e)))
}

/// What made the reading stop, beyond what serde_json itself refuses.
enum Fault {
    /// This key came a second time in one object.
    Duplicate(String),
    /// More than [`MAX_DEPTH`] arrays and objects inside each other.
    TooDeep,
    /// Over the memory budget.
    TooLarge,
}

/// One step of the path to where the reading stopped.
enum Step {
    Key(String),
    Index(usize),
}

struct Reader {
    /// Whether to keep what is read.
    build: bool,
    depth: usize,
    /// Estimated bytes of what was read so far.
    cost: usize,
    budget: usize,
    fault: Option<Fault>,
    /// The path to the fault, innermost step first (filled while unwinding, so reading
    /// without a fault keeps no path).
    trail: Vec<Step>,
}

impl Reader {
    fn fail<E: de::Error>(&mut self, fault: Fault) -> E {
        let detail = match &fault {
            Fault::Duplicate(key) => format!("duplicate key `{key}`"),
            Fault::TooDeep => format!("nested more than {MAX_DEPTH} deep"),
            Fault::TooLarge => format!("over {} bytes once read", self.budget),
        };
        self.fault = Some(fault);
        E::custom(detail)
    }

    fn charge<E: de::Error>(&mut self, bytes: usize) -> Result<(), E> {
        self.cost = self.cost.saturating_add(bytes);
        if self.cost > self.budget { Err(self.fail(Fault::TooLarge)) } else { Ok(()) }
    }

    fn enter<E: de::Error>(&mut self) -> Result<(), E> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(self.fail(Fault::TooDeep)) } else { Ok(()) }
    }

    fn diagnose(self, text: &str, e: &serde_json::Error) -> Diagnostic {
        let Some(fault) = self.fault else { return super::to_diagnostic(e, String::new()) };
        let mut path = String::new();
        for step in self.trail.iter().rev() {
            match step {
                Step::Key(k) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                }
                Step::Index(i) => {
                    use fmt::Write as _;
                    let _ = write!(path, "[{i}]");
                }
            }
        }
        let mut position = (e.line(), e.column());
        let d = match fault {
            Fault::Duplicate(key) => {
                position = key_start(text, position).unwrap_or(position);
                Diagnostic::error(Code::JsonDuplicateKey, path).with("key", key)
            }
            Fault::TooDeep => Diagnostic::error(Code::JsonTooDeep, path).with("max", MAX_DEPTH),
            Fault::TooLarge => Diagnostic::error(Code::JsonTooLarge, path)
                .with("max", self.budget)
                .with("size", text.len()),
        };
        Diagnostic { position: (position.0 > 0).then_some(position), ..d }
    }
}

/// The line and column of the opening quote of the key that ends at (or just before
/// whitespace before) `end`, serde_json's position when a visitor refuses a key.
fn key_start(text: &str, (line, column): (usize, usize)) -> Option<(usize, usize)> {
    let line_start =
        if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)? };
    let b = text.as_bytes();
    let mut i = (line_start + column).min(b.len());
    // Back over whitespace to the key's closing quote.
    while i > 0 && b[i - 1] != b'"' {
        i -= 1;
    }
    let mut close = i.checked_sub(1)?;
    // Back to the opening quote: a quote after an even number of backslashes.
    loop {
        let open = b[..close].iter().rposition(|&c| c == b'"')?;
        let slashes = b[..open].iter().rev().take_while(|&&c| c == b'\\').count();
        if slashes % 2 == 0 {
            let before = &text[..open];
            let start_of_line = before.rfind('\n').map_or(0, |p| p + 1);
            let line = 1 + before.matches('\n').count();
            return Some((line, open - start_of_line + 1));
        }
        close = open;
    }
}

/// Estimated bytes of a string's heap buffer.
fn string_cost(len: usize) -> usize {
    if len == 0 { 0 } else { len + 16 }
}

/// Estimated bytes of the B-tree of an object with `n` entries: one leaf of up to 11;
/// beyond that, leaves at least 5 full and an inner node for every 25 entries.
fn object_cost(n: usize) -> usize {
    match n {
        0 => 0,
        1..=11 => 640,
        _ => 640 * n.div_ceil(5) + 736 * n.div_ceil(25),
    }
}

/// Estimated bytes an array's buffer grows by when its `n`th element comes: a `Vec`
/// of 32-byte values starts at 4 slots and doubles.
fn slot_cost(n: usize) -> usize {
    match n {
        1 => 4 * 32 + 16,
        _ if n > 4 && (n - 1).is_power_of_two() => (n - 1) * 32,
        _ => 0,
    }
}

/// Any JSON value, read under the reader's rules.
struct Node<'r> {
    r: &'r mut Reader,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.r.charge(string_cost(v.len()))?;
        Ok(if self.r.build { Value::String(v.to_owned()) } else { Value::Null })
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.r.charge(string_cost(v.len()))?;
        Ok(if self.r.build { Value::String(v) } else { Value::Null })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let r = self.r;
        r.enter()?;
        let mut items = Vec::new();
        let mut n = 0;
        loop {
            match seq.next_element_seed(Node { r: &mut *r }) {
                Ok(Some(v)) => {
                    n += 1;
                    r.charge(slot_cost(n))?;
                    if r.build {
                        items.push(v);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    if r.fault.is_some() {
                        r.trail.push(Step::Index(n));
                    }
                    return Err(e);
                }
            }
        }
        r.depth -= 1;
        Ok(if r.build { Value::Array(items) } else { Value::Null })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let r = self.r;
        r.enter()?;
        // Checking keeps the keys too (with the values read, which are nulls): one way
        // of finding a duplicate, whether building or checking.
        let mut map = Map::new();
        let mut n = 0;
        while let Some(key) = access.next_key::<String>()? {
            n += 1;
            r.charge(object_cost(n) - object_cost(n - 1) + string_cost(key.len()))?;
            if map.contains_key(&key) {
                r.trail.push(Step::Key(key.clone()));
                return Err(r.fail(Fault::Duplicate(key)));
            }
            match access.next_value_seed(Node { r: &mut *r }) {
                Ok(value) => {
                    map.insert(key, value);
                }
                Err(e) => {
                    if r.fault.is_some() {
                        r.trail.push(Step::Key(key));
                    }
                    return Err(e);
                }
            }
        }
        r.depth -= 1;
        Ok(if r.build { Value::Object(map) } else { Value::Null })
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// The code, path, position and params of what `text` is refused for, by both the
    /// reading and the check (which must agree).
    fn refused(text: &str) -> (Code, String, Option<(usize, usize)>, crate::i18n::Params) {
        let d = read(text).unwrap_err();
        assert_eq!(check(text).unwrap_err(), d, "read and check differ on {text}");
        (d.code, d.item.clone(), d.position, d.params.clone())
    }

    #[test]
    fn a_duplicate_key_is_refused_naming_it_its_path_and_where_it_starts() {
        let (code, path, at, params) = refused(r#"{"remarks":"first","remarks":"=SECOND"}"#);
        assert_eq!((code, path.as_str(), at), (Code::JsonDuplicateKey, "remarks", Some((1, 20))));
        assert_eq!(params["key"], "remarks");

        let text = "{\"answers\": {\"member\": [{\"m\": 1},\n  {\"m\": 1,\n   \"m\" : 2}]}}";
        let (code, path, at, _) = refused(text);
        assert_eq!(
            (code, path.as_str(), at),
            (Code::JsonDuplicateKey, "answers.member[1].m", Some((3, 4)))
        );

        // The same key written with an escape is the same key.
        let (code, path, at, _) = refused(r#"{"a": 1, "\u0061": 2}"#);
        assert_eq!((code, path.as_str(), at), (Code::JsonDuplicateKey, "a", Some((1, 10))));
        // A key holding an escaped quote and backslash.
        let (_, path, at, _) = refused(r#"{"x\"\\": 1, "x\"\\": 2}"#);
        assert_eq!((path.as_str(), at), ("x\"\\", Some((1, 14))));
        // Keys that differ, at any depth, are fine.
        assert!(read(r#"{"a": {"a": [{"a": 1}, {"a": 2}]}, "b": 1}"#).is_ok());
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(read(&nested(MAX_DEPTH)).is_ok());
        let (code, path, _, params) = refused(&nested(MAX_DEPTH + 1));
        assert_eq!((code, params["max"].as_u64()), (Code::JsonTooDeep, Some(MAX_DEPTH as u64)));
        assert_eq!(path, "[0]".repeat(MAX_DEPTH));
        // serde_json's own limit (128) is never reached.
        assert_eq!(refused(&nested(200)).0, Code::JsonTooDeep);
        let objects = format!("{}1{}", "{\"a\":".repeat(MAX_DEPTH + 1), "}".repeat(MAX_DEPTH + 1));
        assert_eq!(refused(&objects).0, Code::JsonTooDeep);
    }

    #[test]
    fn text_that_would_take_too_much_memory_is_refused() {
        // A megabyte of one-key objects: about 100 times its size as maps.
        let rows = vec![r#"{"a":0}"#; 130_000].join(",");
        let text = format!(r#"{{"answers": {{"member": [{rows}]}}}}"#);
        let (code, path, at, params) = refused(&text);
        assert_eq!(code, Code::JsonTooLarge);
        assert!(path.starts_with("answers.member["), "{path}");
        assert!(at.is_some());
        assert_eq!(params["max"].as_u64(), Some(memory_budget(text.len()) as u64));
        // A megabyte of empty rows, or of numbers, is within its budget.
        let rows = vec!["{}"; 340_000].join(",");
        assert!(read(&format!(r#"{{"member": [{rows}]}}"#)).is_ok());
        let zeros = vec!["0"; 500_000].join(",");
        assert!(check(&format!("[{zeros}]")).is_ok());
    }

    #[test]
    fn syntax_errors_are_serde_jsons() {
        for text in ["{", "{\"a\" 1}", "[1,]", "{\"a\":1} x", "", "\"\\q\"", "1e999"] {
            let ours = read(text).unwrap_err();
            let theirs = serde_json::from_str::<Value>(text).unwrap_err();
            assert_eq!(ours.code, Code::JsonSyntax, "{text}");
            assert_eq!(
                ours.position,
                (theirs.line() > 0).then(|| (theirs.line(), theirs.column()))
            );
        }
    }

    /// Any JSON value: strings with quotes, escapes and Chinese, integers, decimals,
    /// objects whose keys may differ only by an escape.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e9..1e9f64).prop_map(Value::from),
            "[a-z\"\\\n王/ ]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(6, 60, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-c\"王]{0,3}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// `value` as JSON text, with the first key of the `nth` object (in writing order)
    /// written twice.
    fn with_duplicate(value: &Value, nth: &mut usize, out: &mut String) -> bool {
        let mut done = false;
        match value {
            Value::Object(map) => {
                out.push('{');
                let twice = *nth == 0 && !map.is_empty();
                *nth = nth.wrapping_sub(1);
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if twice && i == 0 {
                        let _ = write!(out, "{}:null,", json!(k));
                        done = true;
                    }
                    let _ = write!(out, "{}:", json!(k));
                    done |= with_duplicate(v, nth, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    done |= with_duplicate(v, nth, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
        done
    }

    proptest! {
        /// Without duplicate keys, the strict reading gives what serde_json gives, and
        /// the check agrees.
        #[test]
        fn agrees_with_serde_json_without_duplicates(value in any_json(), pretty in any::<bool>()) {
            let text = if pretty { serde_json::to_string_pretty(&value).unwrap() } else { value.to_string() };
            prop_assert_eq!(read(&text).unwrap(), serde_json::from_str::<Value>(&text).unwrap());
            prop_assert!(check(&text).is_ok());
        }

        /// A key written twice in any object, at any depth, is found, and named.
        #[test]
        fn finds_every_duplicate_key(value in any_json(), nth in 0usize..8) {
            let mut text = String::new();
            let mut left = nth;
            if with_duplicate(&value, &mut left, &mut text) {
                let d = read(&text).unwrap_err();
                prop_assert_eq!(d.code, Code::JsonDuplicateKey, "{}", text);
                prop_assert!(d.position.is_some());
                prop_assert_eq!(check(&text).unwrap_err(), d);
            }
        }

        /// Any text, JSON or not, is read or refused without panicking, and the reading
        /// and the check agree.
        #[test]
        fn never_panics(value in any_json(), cut in any::<prop::sample::Index>(), junk in "[\\[\\]{}\",:\\\\a0 ]{0,4}") {
            let text = value.to_string();
            let at = cut.index(text.len() + 1);
            let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let text = format!("{}{junk}{}", &text[..at], &text[at..]);
            prop_assert_eq!(read(&text).err(), check(&text).err());
        }
    }
}
