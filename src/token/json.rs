//! Strict JSON plumbing shared by header and claims parsing.
//!
//! [`Strict`] wraps serde_json's deserializer so that, in the same pass that builds the
//! caller's value, every object at every depth refuses a duplicate member (RFC 7515 §4,
//! RFC 7519 §4, RFC 8725 §3.2) and nothing nests deeper than [`MAX_DEPTH`]. It wraps
//! each nested map, sequence, option and enum it hands out, so the check reaches values
//! the caller's type skips and types it builds itself (`serde_json::Value`, `HashMap`,
//! structs). [`Loose`] is a value that accepts any JSON but keeps only what we check.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess, Unexpected, VariantAccess,
    Visitor,
};

/// Deepest nesting of arrays and objects accepted anywhere in a header or payload (the
/// outermost object is level 1). serde_json itself refuses a 128th level of any value
/// it builds; the same number holds here for every value, skipped ones included.
pub(crate) const MAX_DEPTH: usize = 127;

/// Why a [`Strict`] parse refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// An object names a member twice.
    Duplicate,
    /// Arrays and objects nest deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// Where a [`Strict`] parse records its refusal. The error also travels up through the
/// caller's type, but a type may swallow errors (a default on error); this cannot be
/// swallowed, so parsers check it on success too.
pub(crate) type FaultCell = Cell<Option<Fault>>;

fn refuse<E: de::Error>(fault: &FaultCell, why: Fault) -> E {
    fault.set(Some(why));
    E::custom(match why {
        Fault::Duplicate => "duplicate member",
        Fault::TooDeep => "nesting too deep",
    })
}

/// Member names seen so far in one JSON object.
///
/// The first [`INLINE_KEYS`] live inline (no allocation for ordinary tokens), compared
/// by a cheap fingerprint first, so checking ten claims costs tens of integer compares.
/// The name after that moves them all to a hash set keyed with std's randomly seeded
/// SipHash: an attacker who picks the names cannot make them collide, so an object of
/// n members costs O(n), not the O(n²) a list scan (or a fixed-seed hash) allows.
pub(crate) struct SeenKeys<'de> {
    inline: [(u64, &'de str); INLINE_KEYS],
    len: usize,
    /// Every name, once there are more than fit inline (`inline` is then unused).
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
        if let Some(set) = &mut self.spilled {
            return set.insert(key);
        }
        let print = fingerprint(&key);
        if self.contains_inline(print, &key) {
            return false;
        }
        match key {
            Cow::Borrowed(borrowed) if self.len < INLINE_KEYS => {
                self.inline[self.len] = (print, borrowed);
                self.len += 1;
            }
            key => {
                let mut set = HashSet::with_capacity(self.len + 1);
                set.extend(self.inline[..self.len].iter().map(|&(_, seen)| Cow::Borrowed(seen)));
                set.insert(key);
                self.spilled = Some(set);
            }
        }
        true
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        match &self.spilled {
            Some(set) => set.contains(key),
            None => self.contains_inline(fingerprint(key), key),
        }
    }

    fn contains_inline(&self, print: u64, key: &str) -> bool {
        self.inline[..self.len]
            .iter()
            .any(|(p, seen)| *p == print && *seen == key)
    }
}

/// A deserializer that checks every object below it for duplicate members and every
/// array and object for depth, handing the caller's type the same values the wrapped
/// deserializer would.
///
/// Values the caller's type skips (`deserialize_ignored_any`) are walked rather than
/// skipped, so the rules hold for them too.
pub(crate) struct Strict<'f, D> {
    inner: D,
    /// How many arrays and objects enclose the value.
    depth: usize,
    fault: &'f FaultCell,
}

impl<'f, D> Strict<'f, D> {
    /// Wraps a deserializer positioned at a top-level value.
    pub(crate) fn new(inner: D, fault: &'f FaultCell) -> Self {
        Strict { inner, depth: 0, fault }
    }

    fn guard<V>(&self, visitor: V) -> Guard<'f, V> {
        Guard {
            visitor,
            depth: self.depth,
            fault: self.fault,
        }
    }
}

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
            let guard = self.guard(visitor);
            self.inner.$method($($arg,)* guard)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<'_, D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
    }

    /// Walks the value instead: serde_json would skip it unchecked, at any depth.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let guard = self.guard(visitor);
        self.inner.deserialize_any(guard)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// A [`DeserializeSeed`] that deserializes through [`Strict`] at a given depth.
pub(crate) struct StrictSeed<'f, S> {
    seed: S,
    depth: usize,
    fault: &'f FaultCell,
}

impl<'f, S> StrictSeed<'f, S> {
    /// `seed`, for a value enclosed by `depth` arrays and objects.
    pub(crate) fn new(seed: S, depth: usize, fault: &'f FaultCell) -> Self {
        StrictSeed { seed, depth, fault }
    }
}

impl<'f, T> StrictSeed<'f, PhantomData<T>> {
    /// A `T`, for a value enclosed by `depth` arrays and objects.
    pub(crate) fn of(depth: usize, fault: &'f FaultCell) -> Self {
        StrictSeed::new(PhantomData, depth, fault)
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for StrictSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Strict {
            inner: deserializer,
            depth: self.depth,
            fault: self.fault,
        })
    }
}

/// The caller's visitor, handed wrapped maps, sequences and nested deserializers.
struct Guard<'f, V> {
    visitor: V,
    depth: usize,
    fault: &'f FaultCell,
}

impl<V> Guard<'_, V> {
    /// The depth inside an array or object opened here.
    fn deeper<E: de::Error>(&self) -> Result<usize, E> {
        if self.depth >= MAX_DEPTH {
            return Err(refuse(self.fault, Fault::TooDeep));
        }
        Ok(self.depth + 1)
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.visitor.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Guard<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(Strict {
            inner: deserializer,
            depth: self.depth,
            fault: self.fault,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(Strict {
            inner: deserializer,
            depth: self.depth,
            fault: self.fault,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let depth = self.deeper()?;
        self.visitor.visit_seq(StrictSeq {
            inner: seq,
            depth,
            fault: self.fault,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let depth = self.deeper()?;
        self.visitor.visit_map(StrictMap {
            inner: map,
            seen: SeenKeys::default(),
            depth,
            fault: self.fault,
        })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        // `{"Variant": content}`: the content sits one object deeper. (A unit variant
        // written as a string has no content, so the extra level never counts.)
        self.visitor.visit_enum(StrictEnum {
            inner: data,
            depth: self.depth + 1,
            fault: self.fault,
        })
    }
}

struct StrictSeq<'f, A> {
    inner: A,
    depth: usize,
    fault: &'f FaultCell,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for StrictSeq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error> {
        self.inner
            .next_element_seed(StrictSeed::new(seed, self.depth, self.fault))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

struct StrictMap<'f, 'de, A> {
    inner: A,
    seen: SeenKeys<'de>,
    depth: usize,
    fault: &'f FaultCell,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for StrictMap<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.inner
            .next_key_seed(KeySeed::new(seed, &mut self.seen, self.fault, |_| {}))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.inner
            .next_value_seed(StrictSeed::new(seed, self.depth, self.fault))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

struct StrictEnum<'f, A> {
    inner: A,
    depth: usize,
    fault: &'f FaultCell,
}

impl<'f, 'de, A: EnumAccess<'de>> EnumAccess<'de> for StrictEnum<'f, A> {
    type Error = A::Error;
    type Variant = StrictEnum<'f, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self::Variant), A::Error> {
        // The variant's name is the object's only member: it cannot repeat.
        let (value, variant) = self.inner.variant_seed(seed)?;
        let variant = StrictEnum {
            inner: variant,
            depth: self.depth,
            fault: self.fault,
        };
        Ok((value, variant))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for StrictEnum<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.inner
            .newtype_variant_seed(StrictSeed::new(seed, self.depth, self.fault))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let guard = Guard {
            visitor,
            depth: self.depth,
            fault: self.fault,
        };
        self.inner.tuple_variant(len, guard)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let guard = Guard {
            visitor,
            depth: self.depth,
            fault: self.fault,
        };
        self.inner.struct_variant(fields, guard)
    }
}

/// Reads a member name, refuses it if `seen` has it, tells `on_key`, and hands it to
/// the caller's key type as serde_json would (numeric and boolean keys included).
pub(crate) struct KeySeed<'s, 'de, 'f, K, F> {
    seed: K,
    seen: &'s mut SeenKeys<'de>,
    fault: &'f FaultCell,
    on_key: F,
}

impl<'s, 'de, 'f, K, F: FnOnce(&str)> KeySeed<'s, 'de, 'f, K, F> {
    pub(crate) fn new(seed: K, seen: &'s mut SeenKeys<'de>, fault: &'f FaultCell, on_key: F) -> Self {
        KeySeed {
            seed,
            seen,
            fault,
            on_key,
        }
    }

    fn note<E: de::Error>(self, key: Cow<'de, str>) -> Result<K, E> {
        (self.on_key)(&key);
        if !self.seen.insert(key) {
            return Err(refuse(self.fault, Fault::Duplicate));
        }
        Ok(self.seed)
    }
}

impl<'de, K: DeserializeSeed<'de>, F: FnOnce(&str)> DeserializeSeed<'de> for KeySeed<'_, 'de, '_, K, F> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, K: DeserializeSeed<'de>, F: FnOnce(&str)> Visitor<'de> for KeySeed<'_, 'de, '_, K, F> {
    type Value = K::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<K::Value, E> {
        self.note(Cow::Borrowed(key))?
            .deserialize(MemberName::<E>::new(KeyText::Borrowed(key)))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<K::Value, E> {
        // Only names with escapes arrive here, rarely: one copy to remember them by.
        self.note(Cow::Owned(key.to_owned()))?
            .deserialize(MemberName::<E>::new(KeyText::Transient(key)))
    }
}

enum KeyText<'a, 'de> {
    /// Straight from the input.
    Borrowed(&'de str),
    /// Unescaped into a buffer.
    Transient(&'a str),
}

/// A member name, deserialized the way serde_json's own map keys are: as a string, or
/// as the number or boolean written inside the quotes when the key type asks for one.
struct MemberName<'a, 'de, E> {
    text: KeyText<'a, 'de>,
    error: PhantomData<E>,
}

impl<'a, 'de, E> MemberName<'a, 'de, E> {
    fn new(text: KeyText<'a, 'de>) -> Self {
        MemberName {
            text,
            error: PhantomData,
        }
    }

    fn text(&self) -> &str {
        match self.text {
            KeyText::Borrowed(s) => s,
            KeyText::Transient(s) => s,
        }
    }
}

macro_rules! numeric_member_name {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            // As serde_json: the number fills the quotes exactly, no whitespace, no
            // escapes (an escaped name is never a number).
            let text = match self.text {
                KeyText::Borrowed(s)
                    if s.starts_with(|c: char| c == '-' || c.is_ascii_digit())
                        && s.ends_with(|c: char| c.is_ascii_digit()) => s,
                _ => return Err(E::invalid_type(Unexpected::Str(self.text()), &visitor)),
            };
            let mut number = serde_json::Deserializer::from_str(text);
            let value = number.$method(visitor).map_err(E::custom)?;
            number.end().map_err(E::custom)?;
            Ok(value)
        }
    )*};
}

impl<'de, E: de::Error> Deserializer<'de> for MemberName<'_, 'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.text {
            KeyText::Borrowed(s) => visitor.visit_borrowed_str(s),
            KeyText::Transient(s) => visitor.visit_str(s),
        }
    }

    numeric_member_name! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.text() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(E::invalid_type(Unexpected::Str(other), &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        // A member name is never null.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.text {
            KeyText::Borrowed(s) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
            KeyText::Transient(s) => visitor.visit_enum(StrDeserializer::new(s)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.text {
            KeyText::Borrowed(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
            KeyText::Transient(s) => visitor.visit_bytes(s.as_bytes()),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        self.deserialize_bytes(visitor)
    }

    serde::forward_to_deserialize_any! {
        char str string unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
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
///
/// Read it through [`Strict`] (or a [`StrictSeed`]): on its own it does not look
/// inside the objects it passes over.
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
        // Under `Strict` the map checks its own names and its values' depth.
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
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
    use std::collections::{BTreeMap, HashMap};

    use super::*;

    /// `T` from `json` through [`Strict`], or the fault (or `None` for another error).
    fn strict<'de, T: de::Deserialize<'de>>(json: &'de str) -> Result<T, Option<Fault>> {
        let fault = FaultCell::default();
        let mut de = serde_json::Deserializer::from_str(json);
        let result = T::deserialize(Strict::new(&mut de, &fault)).and_then(|t| de.end().map(|()| t));
        match (result, fault.get()) {
            (Ok(t), None) => Ok(t),
            (_, why) => Err(why),
        }
    }

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
    fn duplicates_are_refused_at_every_depth_whatever_the_type() {
        let nested = r#"{"realm_access":{"roles":["viewer"],"roles":["admin"]}}"#;
        assert_eq!(strict::<serde_json::Value>(nested).err(), Some(Some(Fault::Duplicate)));
        assert_eq!(strict::<IgnoredAny>(nested).err(), Some(Some(Fault::Duplicate)));
        assert_eq!(
            strict::<HashMap<String, HashMap<String, Vec<String>>>>(nested).err(),
            Some(Some(Fault::Duplicate))
        );
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Realm {
            roles: Vec<String>,
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Claims {
            realm_access: Realm,
        }
        assert_eq!(strict::<Claims>(nested).err(), Some(Some(Fault::Duplicate)));
        let in_array = r#"{"a":[1,{"x":{"y":1,"y":2}}]}"#;
        assert_eq!(
            strict::<serde_json::Value>(in_array).err(),
            Some(Some(Fault::Duplicate))
        );
        assert_eq!(strict::<Loose<'_>>(in_array).err(), Some(Some(Fault::Duplicate)));
        // `\u0061` is `a`: names are compared unescaped.
        let escaped = r#"{"o":{"a":1,"\u0061":2}}"#;
        assert_eq!(
            strict::<BTreeMap<String, IgnoredAny>>(escaped).err(),
            Some(Some(Fault::Duplicate))
        );
    }

    #[test]
    fn a_type_that_swallows_errors_still_leaves_the_fault() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Lenient {
            #[serde(default, deserialize_with = "ok_or_none")]
            x: Option<serde_json::Value>,
        }
        fn ok_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
            Ok(<serde_json::Value as de::Deserialize>::deserialize(d).ok())
        }
        let lenient = strict::<Lenient>(r#"{"x":{"k":1,"k":2}}"#);
        assert_eq!(lenient.err(), Some(Some(Fault::Duplicate)));
    }

    #[test]
    fn unique_members_pass_and_keep_their_values() {
        let json = r#"{"a":{"b":[{"c":1},{"c":2}],"d":null},"e":"\u00e9","17":true}"#;
        let value = strict::<serde_json::Value>(json).unwrap();
        assert_eq!(value, serde_json::from_str::<serde_json::Value>(json).unwrap());
    }

    #[test]
    fn member_names_deserialize_as_serde_json_keys_do() {
        let numbers = strict::<HashMap<u32, HashMap<i64, bool>>>(r#"{"1":{"-2":true}}"#).unwrap();
        assert!(numbers[&1][&-2]);
        let flags = strict::<HashMap<bool, f64>>(r#"{"true":1,"false":2.5}"#).unwrap();
        assert_eq!(flags[&false], 2.5);
        for bad in [r#"{" 1":0}"#, r#"{"1 ":0}"#, r#"{"x":0}"#, r#"{"\u0031":0}"#] {
            assert!(strict::<HashMap<u32, u8>>(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<HashMap<u32, u8>>(bad).is_err(), "{bad}");
        }
        #[derive(serde::Deserialize, PartialEq, Eq, Hash, Debug)]
        enum Kind {
            Admin,
        }
        let kinds = strict::<HashMap<Kind, u8>>(r#"{"Admin":1}"#).unwrap();
        assert_eq!(kinds[&Kind::Admin], 1);
    }

    #[test]
    fn depth_counts_arrays_and_objects_not_brackets_in_strings() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(strict::<IgnoredAny>(&deep).is_ok());
        let deeper = format!("[{deep}]");
        assert!(strict::<IgnoredAny>(&deeper).is_err());
        let objects = format!("{}1{}", r#"{"a":"#.repeat(MAX_DEPTH), "}".repeat(MAX_DEPTH));
        assert!(strict::<serde_json::Value>(&objects).is_ok());
        let quoted = format!(r#"{{"a":"{}\"{}"}}"#, "[".repeat(500), "{".repeat(500));
        assert!(strict::<IgnoredAny>(&quoted).is_ok());
    }

    #[test]
    fn skipped_values_are_held_to_the_depth_limit() {
        // serde_json skips an ignored value iteratively, at any depth; `Strict` walks it.
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(strict::<IgnoredAny>(&deep).is_err());
        let in_object = format!(r#"{{"skipped":{deep}}}"#);
        assert!(strict::<HashMap<String, IgnoredAny>>(&in_object).is_err());
    }
}
