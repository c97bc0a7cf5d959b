//! Strings by key held as one text, with where each part ends: `zh姓名enName` and
//! `[2, 8, 10, 14]`. Two blocks of memory whatever the number of entries, where a
//! vector of string pairs takes one block per string and one more. A province's list of
//! 50,000 villages, each with a label in two languages and the township it belongs to,
//! is most of what the form app holds for it (issue 22: at most 20 MB for such a list;
//! `web/tests/list_memory.rs`).
//!
//! What must stay true: `ends` has two entries per pair (the key's end, then the
//! value's), each at a character boundary of `text`, increasing, the last one
//! `text.len()`; no key appears twice.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Strings by key, in the order added (see the module docs).
#[derive(Clone, PartialEq, Eq, Default)]
pub(super) struct Packed {
    /// Each key followed by its value, one after another.
    text: Box<str>,
    /// Where each key and each value ends in `text`.
    ends: Box<[usize]>,
}

impl Packed {
    /// `pairs`, in their order, the keys assumed different.
    pub(super) fn from_distinct<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut b = Builder::default();
        for (k, v) in pairs {
            b.push_new(k, v);
        }
        b.finish()
    }

    /// The value of `key`.
    // Not inlined, nor is the cutting of a pair: labels are read in many places, and each inlined copy
    // of the cutting would be more code in the browser build.
    #[inline(never)]
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// (key, value) pairs, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.len()).map(|i| self.pair(i))
    }

    /// Pair `i` (< [`Packed::len`]).
    fn pair(&self, i: usize) -> (&str, &str) {
        pair(&self.text, &self.ends, i)
    }

    /// How many pairs there are.
    pub(super) fn len(&self) -> usize {
        self.ends.len() / 2
    }

    /// A copy with `value` for `key`: in `key`'s place if it is there, else at the end.
    pub(super) fn with(&self, key: &str, value: &str) -> Packed {
        let mut b = Builder::default();
        let mut replaced = false;
        for (k, v) in self.iter() {
            replaced |= k == key;
            b.push_new(k, if k == key { value } else { v });
        }
        if !replaced {
            b.push_new(key, value);
        }
        b.finish()
    }
}

impl fmt::Debug for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Packed {
    /// As an object of strings, in order.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// An object of strings as read, its pairs in order (repeated keys too): what each
/// kind of packed map makes of them is its own (one visitor for all of them, which
/// keeps the browser build smaller).
pub(super) struct Pairs(pub(super) Vec<(String, String)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(2).min(16));
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// Pair `i` of `text` cut at `ends` (a [`Packed`]'s, or a [`Builder`]'s so far).
#[inline(never)]
fn pair<'a>(text: &'a str, ends: &[usize], i: usize) -> (&'a str, &'a str) {
    let start = if i == 0 { 0 } else { ends[2 * i - 1] };
    let (key, value) = (ends[2 * i], ends[2 * i + 1]);
    (&text[start..key], &text[key..value])
}

/// A [`Packed`] being built, a pair at a time.
#[derive(Default)]
pub(super) struct Builder {
    text: String,
    ends: Vec<usize>,
}

impl Builder {
    /// Adds `value` for `key`; false (and nothing added) if `key` is there already.
    pub(super) fn push(&mut self, key: &str, value: &str) -> bool {
        if (0..self.ends.len() / 2).any(|i| pair(&self.text, &self.ends, i).0 == key) {
            return false;
        }
        self.push_new(key, value);
        true
    }

    /// Adds `value` for `key`, which is not there yet.
    fn push_new(&mut self, key: &str, value: &str) {
        self.text.push_str(key);
        self.ends.push(self.text.len());
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }

    /// The pairs, in as little memory as they need.
    pub(super) fn finish(self) -> Packed {
        Packed { text: self.text.into_boxed_str(), ends: self.ends.into_boxed_slice() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_pairs_in_order_and_refuses_a_key_twice() {
        let mut b = Builder::default();
        assert!(b.push("zh", "姓名"));
        assert!(b.push("en", "Name"));
        assert!(!b.push("zh", "名字"));
        assert!(b.push("", ""));
        let p = b.finish();
        assert_eq!(p.iter().collect::<Vec<_>>(), [("zh", "姓名"), ("en", "Name"), ("", "")]);
        assert_eq!(
            (p.get("zh"), p.get("en"), p.get(""), p.get("fr")),
            (Some("姓名"), Some("Name"), Some(""), None)
        );
        assert_eq!(p.len(), 3);
        let q = p.with("en", "Full name").with("fr", "Nom");
        assert_eq!(
            q.iter().collect::<Vec<_>>(),
            [("zh", "姓名"), ("en", "Full name"), ("", ""), ("fr", "Nom")]
        );
        assert_eq!(format!("{q:?}"), r#"{"zh": "姓名", "en": "Full name", "": "", "fr": "Nom"}"#);
        assert_eq!(Packed::default().iter().count(), 0);
        assert_eq!(Packed::from_distinct([("a", "1"), ("b", "")]).get("b"), Some(""));
    }
}
