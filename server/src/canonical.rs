//! Content identity of JSON documents: the SHA-256 of a canonical serialization
//! (object keys sorted, no whitespace), so the same response re-sent with keys in
//! another order or other spacing counts as the same content.

use std::io::{self, Write};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The canonical serialization of `value`: keys sorted by their UTF-8 bytes, no
/// whitespace, strings and numbers as serde_json writes them.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and serde_json writes UTF-8.
    let _ = write(value, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

fn write(value: &Value, out: &mut impl Write) -> io::Result<()> {
    match value {
        Value::Object(map) => {
            // A map's keys come sorted by their UTF-8 bytes already (serde_json's
            // `Map` is a `BTreeMap<String, _>`); the sort keeps that true should it
            // ever keep insertion order instead.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.write_all(b"{")?;
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut *out, k)?;
                out.write_all(b":")?;
                write(v, out)?;
            }
            out.write_all(b"}")
        }
        Value::Array(items) => {
            out.write_all(b"[")?;
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write(v, out)?;
            }
            out.write_all(b"]")
        }
        other => Ok(serde_json::to_writer(out, other)?),
    }
}

/// Feeds what is written to a SHA-256.
struct Hasher(Sha256);

impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// SHA-256 of [`canonical_json`], computed as it is written (the canonical text is
/// never held whole).
pub fn content_hash(value: &Value) -> [u8; 32] {
    let mut hasher = Hasher(Sha256::new());
    let mut out = io::BufWriter::with_capacity(8192, &mut hasher);
    // Writing into a hash cannot fail.
    let _ = write(value, &mut out).and_then(|()| out.flush());
    drop(out);
    hasher.0.finalize().into()
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Any JSON value: strings with quotes, escapes and Chinese, integers, and decimals
    /// of up to 15 significant digits. (serde_json reads a decimal written with more
    /// digits, such as a calculation's `0.30000000000000004`, closely but not always
    /// exactly (its last digit may differ): the same on the phone and the server, so their
    /// verdicts agree, and the server keeps the text as sent. Exact reading, its
    /// `float_roundtrip` feature, would add 7.8 KiB gzip to the browser's app.)
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e9..1e9f64).prop_map(|f| Value::from((f * 1e4).round() / 1e4)),
            (-1.0..1.0f64).prop_map(|f| Value::from((f * 1e12).round() / 1e12)),
            "[a-z\"\\\n王/ ]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z_王\"]{0,6}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// `value` written as a client might: keys in the order `seed` picks, with spaces
    /// and line breaks.
    fn written_otherwise(value: &Value, seed: u64, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                // A different order for each object and seed.
                entries.sort_by_key(|(k, _)| {
                    k.bytes().fold(seed, |h, b| h.rotate_left(5) ^ u64::from(b)).wrapping_mul(31)
                });
                out.push_str("{\n  ");
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(" ,\n  ");
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push_str(" : ");
                    written_otherwise(v, seed.rotate_left(7), out);
                }
                out.push_str("\n}");
            }
            Value::Array(items) => {
                out.push_str("[ ");
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    written_otherwise(v, seed, out);
                }
                out.push_str(" ]");
            }
            other => out.push_str(&other.to_string()),
        }
    }

    proptest! {
        /// The canonical text is JSON that reads back as the same value, so two values
        /// share it only if they are equal; the same value written with its keys in
        /// another order and other spacing has the same hash. The server's "uploaded
        /// exactly once" rests on both.
        #[test]
        fn the_hash_is_of_the_value_not_of_how_it_was_written(value in any_json(), seed in any::<u64>()) {
            let canonical = canonical_json(&value);
            let back: Value = serde_json::from_str(&canonical).expect("canonical JSON reads");
            prop_assert_eq!(&back, &value);
            let mut text = String::new();
            written_otherwise(&value, seed, &mut text);
            let reread: Value = serde_json::from_str(&text).expect("rewritten JSON reads");
            prop_assert_eq!(content_hash(&reread), content_hash(&value));
        }

        /// Values that differ (one changed leaf) have different hashes.
        #[test]
        fn a_changed_value_has_another_hash(value in any_json(), other in any_json()) {
            let a = serde_json::json!({"answers": value, "id": 1});
            let b = serde_json::json!({"answers": other, "id": 1});
            prop_assert_eq!(content_hash(&a) == content_hash(&b), a == b);
        }
    }

    proptest! {
        /// The hash computed as the canonical text is written is the hash of that text.
        #[test]
        fn the_streamed_hash_is_the_hash_of_the_canonical_text(value in any_json()) {
            prop_assert_eq!(content_hash(&value), sha256(canonical_json(&value).as_bytes()));
        }
    }

    #[test]
    fn key_order_and_spacing_do_not_matter_but_values_do() {
        let a: Value =
            serde_json::from_str(r#"{"b": [1, {"y": 2, "x": "王"}], "a": null}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":null,"b":[1,{"x":"王","y":2}]}"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"a":null,"b":[1,{"x":"王","y":3}]}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":null,"b":[1,{"x":"王","y":2}]}"#);
        // Escapes and numbers as serde_json writes them (what stored hashes were made of).
        let d: Value = serde_json::from_str(
            "{\"q\\\"\\n\\u0001/\": [0.1, 1e20, -0.0, 18446744073709551615, -5]}",
        )
        .unwrap();
        assert_eq!(
            canonical_json(&d),
            "{\"q\\\"\\n\\u0001/\":[0.1,1e+20,-0.0,18446744073709551615,-5]}"
        );
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(content_hash(&a), content_hash(&c));
    }
}
