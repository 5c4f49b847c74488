//! Hashing of template values, for render keys and recorded function calls.
//!
//! Values are fed into xxh3 tagged with their type, strings and containers with their
//! lengths, so that distinct values never feed the same bytes. This is much cheaper than
//! serializing (no escaping), which matters: most jobs of an incremental build are only
//! hashed, never rendered.

use serde_json::Value;
use xxhash_rust::xxh3::Xxh3;

/// Feeds a JSON value into `h`.
pub fn hash_value(h: &mut Xxh3, value: &Value) {
    match value {
        Value::Null => h.update(b"n"),
        Value::Bool(b) => h.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => {
            h.update(b"#");
            hash_str(h, &n.to_string());
        }
        Value::String(s) => {
            h.update(b"s");
            hash_str(h, s);
        }
        Value::Array(items) => {
            h.update(b"[");
            h.update(&(items.len() as u64).to_le_bytes());
            items.iter().for_each(|v| hash_value(h, v));
        }
        Value::Object(map) => {
            h.update(b"{");
            h.update(&(map.len() as u64).to_le_bytes());
            for (k, v) in map {
                hash_str(h, k);
                hash_value(h, v);
            }
        }
    }
}

/// Feeds a string into `h`, length first.
pub fn hash_str(h: &mut Xxh3, s: &str) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// The hash of a JSON value (see [`hash_value`]).
pub fn value_hash(value: &Value) -> u128 {
    let mut h = Xxh3::new();
    hash_value(&mut h, value);
    h.digest128()
}

/// An `io::Write` that feeds what is written into a hash (for serializing into a hash).
pub struct HashWriter<'a>(pub &'a mut Xxh3);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
