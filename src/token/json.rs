//! Strict JSON plumbing shared by header and claims parsing: object keys that remember
//! what they have seen (duplicate members reject, RFC 7515 §4 / RFC 7519 §4) in time
//! linear in their number, and a value that accepts any JSON but keeps only what we check.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Deepest nesting of arrays and objects accepted anywhere in a header or payload.
pub(crate) const MAX_DEPTH: usize = 128;

/// Whether `json` nests arrays and objects at most [`MAX_DEPTH`] deep. serde_json
/// limits recursion only for values it builds; values skipped with `IgnoredAny` are
/// skipped iteratively at any depth, so this one linear pass enforces the limit for all.
pub(crate) fn depth_within_limit(json: &[u8]) -> bool {
    // Fast path: with at most MAX_DEPTH opening brackets in all (a count the compiler
    // vectorizes), no nesting can be deeper.
    // `[` is 0x5B and `{` 0x7B: or-ing in 0x20 maps exactly these two bytes to `{`.
    if json.iter().map(|b| usize::from(b | 0x20 == b'{')).sum::<usize>() <= MAX_DEPTH {
        return true;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

/// Member names seen so far in one JSON object.
///
/// The first [`INLINE_KEYS`] live inline (no allocation for ordinary tokens), compared
/// by a cheap fingerprint first, so checking ten claims costs tens of integer compares.
/// Past that, names go to a hash set keyed with std's randomly seeded SipHash: an
/// attacker who picks the names cannot make them collide, so an object of n members
/// costs O(n), not the O(n²) a list scan (or a fixed-seed hash) allows.
pub(crate) struct SeenKeys<'de> {
    inline: [(u64, &'de str); INLINE_KEYS],
    len: usize,
    spilled: Option<HashSet<Cow<'de, str>>>,
}

const INLINE_KEYS: usize = 16;

impl Default for SeenKeys<'_> {
    fn default() -> Self {
        SeenKeys {
            inline: [(0, ""); INLINE_KEYS],
            len: 0,
            spilled: None,
        }
    }
}

/// Length and the first and last bytes: distinct for almost all real claim names, and
/// only ever used to skip string compares among at most [`INLINE_KEYS`] names.
fn fingerprint(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let edge = |b: Option<&u8>| u64::from(b.copied().unwrap_or(0));
    (bytes.len() as u64) << 16 | edge(bytes.first()) << 8 | edge(bytes.last())
}

impl<'de> SeenKeys<'de> {
    /// Records `key`; `false` if it was already there.
    pub(crate) fn insert(&mut self, key: Cow<'de, str>) -> bool {
        let print = fingerprint(&key);
        if self.contains_inline(print, &key) {
            return false;
        }
        match key {
            Cow::Borrowed(borrowed) if self.len < INLINE_KEYS => {
                if self.spilled.as_ref().is_some_and(|set| set.contains(borrowed)) {
                    return false;
                }
                self.inline[self.len] = (print, borrowed);
                self.len += 1;
                true
            }
            key => self.spilled.get_or_insert_with(HashSet::new).insert(key),
        }
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.contains_inline(fingerprint(key), key) || self.spilled.as_ref().is_some_and(|set| set.contains(key))
    }

    fn contains_inline(&self, print: u64, key: &str) -> bool {
        self.inline[..self.len]
            .iter()
            .any(|(p, seen)| *p == print && *seen == key)
    }
}

/// A JSON object key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Any JSON value, reduced to what header and claim checks need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Loose<'de> {
    Str(Cow<'de, str>),
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Array(Vec<Loose<'de>>),
    /// null or an object: never a valid value for anything we check.
    Other,
}

impl<'de> de::Deserialize<'de> for Loose<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Loose::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Loose::Float(v))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Loose::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = SeenKeys::default();
        while let Some(Key(key)) = map.next_key()? {
            if !seen.insert(key) {
                return Err(de::Error::custom("duplicate member"));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(Loose::Other)
    }
}

impl Loose<'_> {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A JSON number as `f64`, if this is one.
    pub(crate) fn as_number(&self) -> Option<f64> {
        match *self {
            Loose::Int(i) => Some(i as f64),
            Loose::UInt(u) => Some(u as f64),
            Loose::Float(f) => Some(f),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_keys_finds_duplicates_inline_spilled_and_escaped() {
        let mut seen = SeenKeys::default();
        let names: Vec<String> = (0..40).map(|i| format!("claim{i}")).collect();
        for name in &names {
            assert!(seen.insert(Cow::Borrowed(name.as_str())));
        }
        for name in &names {
            assert!(!seen.insert(Cow::Owned(name.clone())), "{name}");
            assert!(!seen.insert(Cow::Borrowed(name.as_str())), "{name}");
            assert!(seen.contains(name));
        }
        assert!(!seen.contains("claim40"));
    }

    #[test]
    fn seen_keys_remembers_an_escaped_name_seen_before_the_inline_slots_fill() {
        let mut seen = SeenKeys::default();
        assert!(seen.insert(Cow::Owned("a".into())));
        assert!(!seen.insert(Cow::Borrowed("a")));
        assert!(seen.contains("a"));
    }

    #[test]
    fn seen_keys_is_linear_in_names_that_share_a_fingerprint() {
        // Same length, first and last byte: one fingerprint for all 20,000 of them.
        let names: Vec<String> = (0..20_000).map(|i| format!("a{i:06}b")).collect();
        let start = std::time::Instant::now();
        let mut seen = SeenKeys::default();
        for name in &names {
            assert!(seen.insert(Cow::Borrowed(name.as_str())));
        }
        // Quadratic, this is 2·10⁸ string compares: seconds even in release builds.
        assert!(
            start.elapsed() < std::time::Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(depth_within_limit(deep.as_bytes()));
        let deeper = format!("[{deep}]");
        assert!(!depth_within_limit(deeper.as_bytes()));
        let quoted = format!(r#"{{"a":"{}\"{}"}}"#, "[".repeat(500), "{".repeat(500));
        assert!(depth_within_limit(quoted.as_bytes()));
    }
}
