//! Registered claims (RFC 7519 §4.1) and the one-pass payload parse.
//!
//! The payload is parsed once: the caller's custom-claims type is deserialized through
//! a thin wrapper around serde_json's deserializer that sees every top-level member on
//! its way past. It reads the registered claims with their exact RFC types (a wrong type
//! is `invalid_claim`, never "absent") and hands the caller's type the same values.
//! Nested values pass through [`Strict`]. In that same pass, duplicate members at every
//! depth and nesting past [`MAX_DEPTH`](super::json::MAX_DEPTH) are `malformed`.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde::de::value::{
    BorrowedStrDeserializer, F64Deserializer, I64Deserializer, SeqDeserializer, StrDeserializer, U64Deserializer,
};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};

use super::TokenError;
use super::json::{Fault, FaultCell, KeySeed, Loose, SeenKeys, StrictSeed};

/// The registered claims of a verified token.
///
/// NumericDates may be fractional in a token; here they are whole seconds, rounded
/// towards the stricter side (`exp` down, `nbf` and `iat` up).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RegisteredClaims {
    /// `iss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `sub`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `aud`, always as a list (a single string becomes one entry).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aud: Vec<String>,
    /// `exp`, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// `nbf`, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// `iat`, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// `jti`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Claim {
    Iss,
    Sub,
    Aud,
    Exp,
    Nbf,
    Iat,
    Jti,
}

impl Claim {
    fn of(name: &str) -> Option<Self> {
        Some(match name {
            "iss" => Claim::Iss,
            "sub" => Claim::Sub,
            "aud" => Claim::Aud,
            "exp" => Claim::Exp,
            "nbf" => Claim::Nbf,
            "iat" => Claim::Iat,
            "jti" => Claim::Jti,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Claim::Iss => "iss",
            Claim::Sub => "sub",
            Claim::Aud => "aud",
            Claim::Exp => "exp",
            Claim::Nbf => "nbf",
            Claim::Iat => "iat",
            Claim::Jti => "jti",
        }
    }
}

/// A string the parse read from the payload: where it sits in the payload's text
/// (no copy), or, when it had escapes, its own unescaped text.
#[derive(Debug, Clone)]
pub(crate) enum Text {
    /// At this address, this many bytes long, inside the payload's text.
    At { addr: usize, len: usize },
    /// Unescaped, its own.
    Own(String),
}

impl Text {
    /// The string `s` read from the payload.
    #[expect(clippy::ptr_arg, reason = "whether `s` is borrowed from the payload is the point")]
    pub(crate) fn of(s: &Cow<'_, str>) -> Text {
        match s {
            Cow::Borrowed(s) => Text::at(s),
            Cow::Owned(s) => Text::Own(s.clone()),
        }
    }

    /// `s`, a slice of the payload's text.
    pub(crate) fn at(s: &str) -> Text {
        Text::At {
            addr: s.as_ptr() as usize,
            len: s.len(),
        }
    }

    /// The string, given the payload's text it was read from; `None` only if it
    /// was not read from `payload` (never, by construction).
    pub(crate) fn resolve<'t>(&'t self, payload: &'t str) -> Option<&'t str> {
        match self {
            Text::Own(s) => Some(s),
            Text::At { .. } => self.range(payload).and_then(|range| payload.get(range)),
        }
    }

    /// Where the string sits in `payload`, when it sits there.
    pub(crate) fn range(&self, payload: &str) -> Option<std::ops::Range<usize>> {
        match *self {
            Text::At { addr, len } => {
                let start = addr.checked_sub(payload.as_ptr() as usize)?;
                let end = start.checked_add(len)?;
                payload.get(start..end).map(|_| start..end)
            }
            Text::Own(_) => None,
        }
    }
}

/// `aud` as read: absent, one audience, or a list (present, maybe empty).
#[derive(Debug, Clone, Default)]
pub(crate) enum Aud {
    #[default]
    Absent,
    One(Text),
    Many(Vec<Text>),
}

/// The registered claims as read, their strings left in the payload's text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registered {
    pub(crate) iss: Option<Text>,
    pub(crate) sub: Option<Text>,
    pub(crate) jti: Option<Text>,
    pub(crate) aud: Aud,
    pub(crate) exp: Option<i64>,
    pub(crate) nbf: Option<i64>,
    pub(crate) iat: Option<i64>,
    /// Whether the payload has a `cnf` (RFC 7800): the token is bound to a key.
    pub(crate) cnf: bool,
}

impl Registered {
    /// Owned copies, as [`RegisteredClaims`]; `None` if a string is not in `payload`.
    pub(crate) fn to_claims(&self, payload: &str) -> Option<RegisteredClaims> {
        let text = |t: &Option<Text>| match t {
            None => Some(None),
            Some(t) => t.resolve(payload).map(|s| Some(s.to_owned())),
        };
        let aud = match &self.aud {
            Aud::Absent => Vec::new(),
            Aud::One(one) => vec![one.resolve(payload)?.to_owned()],
            Aud::Many(many) => many
                .iter()
                .map(|t| t.resolve(payload).map(str::to_owned))
                .collect::<Option<_>>()?,
        };
        Some(RegisteredClaims {
            iss: text(&self.iss)?,
            sub: text(&self.sub)?,
            aud,
            exp: self.exp,
            nbf: self.nbf,
            iat: self.iat,
            jti: text(&self.jti)?,
        })
    }

    /// Whether `aud` was present (an empty array is present but names nobody).
    pub(crate) fn aud_present(&self) -> bool {
        !matches!(self.aud, Aud::Absent)
    }
}

/// What the parse found, besides the caller's claims.
pub(crate) struct Scan<'de> {
    pub(crate) registered: Registered,
    pub(crate) members: SeenKeys<'de>,
    error: Option<TokenError>,
    saw_object: bool,
    current: Option<Claim>,
}

/// Parses `payload` into `C` and the registered claims, in one pass.
pub(crate) fn parse<'de, C: de::Deserialize<'de>>(payload: &'de str) -> Result<(C, Scan<'de>), TokenError> {
    parse_seed(payload, std::marker::PhantomData::<C>)
}

/// Parses `payload` with `seed` and reads the registered claims, in one pass.
pub(crate) fn parse_seed<'de, S: DeserializeSeed<'de>>(
    payload: &'de str,
    seed: S,
) -> Result<(S::Value, Scan<'de>), TokenError> {
    let mut scan = Scan {
        registered: Registered::default(),
        members: SeenKeys::default(),
        error: None,
        saw_object: false,
        current: None,
    };
    let fault = FaultCell::default();
    let mut json = serde_json::Deserializer::from_str(payload);
    let result = seed
        .deserialize(Payload {
            inner: &mut json,
            scan: &mut scan,
            fault: &fault,
        })
        .and_then(|c| json.end().map(|()| c));
    // Checked on success too: the caller's type may have swallowed the error.
    match fault.get() {
        Some(Fault::Duplicate) => return Err(TokenError::malformed("duplicate claim member")),
        Some(Fault::TooDeep) => return Err(TokenError::malformed("claims nest too deeply")),
        None => {}
    }
    if let Some(precise) = scan.error.take() {
        return Err(precise);
    }
    match result {
        Ok(custom) => Ok((custom, scan)),
        Err(err) if !scan.saw_object || !err.is_data() => Err(TokenError::malformed("claims are not a JSON object")),
        Err(_) => Err(TokenError::invalid_claim("custom")),
    }
}

struct Payload<'a, 'de> {
    inner: &'a mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    scan: &'a mut Scan<'de>,
    fault: &'a FaultCell,
}

impl<'de> Deserializer<'de> for Payload<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.inner.deserialize_map(ObjectVisitor {
            visitor,
            scan: self.scan,
            fault: self.fault,
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct ObjectVisitor<'a, 'de, V> {
    visitor: V,
    scan: &'a mut Scan<'de>,
    fault: &'a FaultCell,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for ObjectVisitor<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.scan.saw_object = true;
        self.visitor.visit_map(Members {
            inner: map,
            scan: self.scan,
            fault: self.fault,
        })
    }
}

/// The top-level members: the object is level 1, so its values sit at depth 1.
struct Members<'a, 'de, A> {
    inner: A,
    scan: &'a mut Scan<'de>,
    fault: &'a FaultCell,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        let (current, cnf) = (&mut self.scan.current, &mut self.scan.registered.cnf);
        let on_key = |key: &str| {
            *current = Claim::of(key);
            *cnf |= key == "cnf";
        };
        self.inner
            .next_key_seed(KeySeed::new(seed, &mut self.scan.members, self.fault, on_key))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Self::Error> {
        let Some(claim) = self.scan.current.take() else {
            return self.inner.next_value_seed(StrictSeed::new(seed, 1, self.fault));
        };
        let value: Loose<'de> = self.inner.next_value_seed(StrictSeed::of(1, self.fault))?;
        if let Err(err) = self.scan.record(claim, &value) {
            self.scan.error = Some(err);
            return Err(de::Error::custom("invalid registered claim"));
        }
        hand_over(seed, value)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// Gives the caller's type a registered claim we have already read.
fn hand_over<'de, S: DeserializeSeed<'de>, E: de::Error>(seed: S, value: Loose<'de>) -> Result<S::Value, E> {
    match value {
        Loose::Str(Cow::Borrowed(s)) => seed.deserialize(BorrowedStrDeserializer::new(s)),
        Loose::Str(Cow::Owned(s)) => seed.deserialize(StrDeserializer::new(&s)),
        Loose::Int(i) => seed.deserialize(I64Deserializer::new(i)),
        Loose::UInt(u) => seed.deserialize(U64Deserializer::new(u)),
        Loose::Float(f) => seed.deserialize(F64Deserializer::new(f)),
        Loose::Array(items) => seed.deserialize(SeqDeserializer::new(items.into_iter().map(LooseDeserializer))),
        Loose::Bool(_) | Loose::Other => Err(de::Error::custom("invalid registered claim")),
    }
}

struct LooseDeserializer<'de>(Loose<'de>);

impl<'de, E: de::Error> IntoDeserializer<'de, E> for LooseDeserializer<'de> {
    type Deserializer = LooseValue<'de, E>;
    fn into_deserializer(self) -> Self::Deserializer {
        LooseValue(self.0, std::marker::PhantomData)
    }
}

struct LooseValue<'de, E>(Loose<'de>, std::marker::PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for LooseValue<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        struct Seed<V>(V);
        impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for Seed<V> {
            type Value = V::Value;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
                d.deserialize_any(self.0)
            }
        }
        hand_over(Seed(visitor), self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl Scan<'_> {
    fn record(&mut self, claim: Claim, value: &Loose<'_>) -> Result<(), TokenError> {
        let invalid = || TokenError::invalid_claim(claim.name());
        let text = || match value {
            Loose::Str(s) => Ok(Some(Text::of(s))),
            _ => Err(invalid()),
        };
        let date = |round: fn(f64) -> f64| {
            let n = value.as_number().filter(|n| n.is_finite()).ok_or_else(invalid)?;
            let n = round(n);
            // Within ±2^53 every whole f64 is exact and converts without saturation.
            if n.abs() > 9_007_199_254_740_992.0 {
                return Err(invalid());
            }
            Ok(Some(n as i64))
        };
        let claims = &mut self.registered;
        match claim {
            Claim::Iss => claims.iss = text()?,
            Claim::Sub => claims.sub = text()?,
            Claim::Jti => claims.jti = text()?,
            Claim::Exp => claims.exp = date(f64::floor)?,
            Claim::Nbf => claims.nbf = date(f64::ceil)?,
            Claim::Iat => claims.iat = date(f64::ceil)?,
            Claim::Aud => {
                claims.aud = match value {
                    Loose::Str(s) => Aud::One(Text::of(s)),
                    Loose::Array(items) => Aud::Many(
                        items
                            .iter()
                            .map(|item| match item {
                                Loose::Str(s) => Ok(Text::of(s)),
                                _ => Err(invalid()),
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    _ => return Err(invalid()),
                };
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Custom {
        sub: String,
        roles: Vec<String>,
    }

    #[test]
    fn one_pass_reads_registered_and_custom_claims() {
        let payload = r#"{"sub":"alice","exp":1.5e9,"aud":"api","roles":["a"]}"#;
        let (custom, scan) = parse::<Custom>(payload).unwrap();
        assert_eq!(
            custom,
            Custom {
                sub: "alice".into(),
                roles: vec!["a".into()]
            }
        );
        let registered = scan.registered.to_claims(payload).unwrap();
        assert_eq!(registered.sub.as_deref(), Some("alice"));
        assert_eq!(registered.exp, Some(1_500_000_000));
        assert_eq!(registered.aud, vec!["api".to_owned()]);
        // Unescaped strings are not copied: they are found in the payload.
        assert!(scan.registered.sub.as_ref().unwrap().range(payload).is_some());
        let escaped = r#"{"sub":"\u0061lice"}"#;
        let (_, scan) = parse::<de::IgnoredAny>(escaped).unwrap();
        assert!(matches!(&scan.registered.sub, Some(Text::Own(sub)) if sub == "alice"));
    }

    #[test]
    fn wrong_types_are_invalid_claims_not_absent() {
        for (payload, claim) in [
            (r#"{"exp":"x"}"#, "exp"),
            (r#"{"aud":5}"#, "aud"),
            (r#"{"aud":["a",5]}"#, "aud"),
            (r#"{"iss":null}"#, "iss"),
            (r#"{"nbf":true}"#, "nbf"),
            (r#"{"iat":1e300}"#, "iat"),
        ] {
            let err = parse::<de::IgnoredAny>(payload).err().unwrap();
            assert_eq!(err, TokenError::invalid_claim(claim), "{payload}");
        }
    }

    #[test]
    fn duplicates_and_non_objects_are_malformed() {
        for payload in [
            r#"{"sub":"a","sub":"b"}"#,
            r#"{"x":1,"x":1}"#,
            "[1]",
            "\"s\"",
            "{} x",
            "{",
        ] {
            let err = parse::<serde_json::Value>(payload).err().unwrap();
            assert_eq!(err.code(), "malformed", "{payload}");
        }
    }

    #[test]
    fn duplicates_below_the_top_level_are_malformed_for_every_claims_type() {
        let nested = r#"{"sub":"a","realm_access":{"roles":["viewer"],"roles":["admin"]}}"#;
        let duplicate = Some(TokenError::malformed("duplicate claim member"));
        assert_eq!(parse::<serde_json::Value>(nested).err(), duplicate);
        assert_eq!(parse::<de::IgnoredAny>(nested).err(), duplicate);
        assert_eq!(
            parse::<Custom>(r#"{"sub":"a","roles":[],"x":[{"k":1,"k":1}]}"#).err(),
            duplicate
        );
        assert_eq!(
            parse::<de::IgnoredAny>(r#"{"aud":["a",{"k":1,"k":1}]}"#).err(),
            duplicate
        );
        assert_eq!(parse::<de::IgnoredAny>(r#"{"iss":{"k":1,"k":1}}"#).err(), duplicate);
    }

    #[test]
    fn nesting_past_the_limit_is_malformed_for_every_claims_type() {
        use super::super::json::MAX_DEPTH;
        // The payload object is level 1.
        let at = |levels: usize| format!(r#"{{"d":{}1{}}}"#, "[".repeat(levels - 1), "]".repeat(levels - 1));
        assert!(parse::<de::IgnoredAny>(&at(MAX_DEPTH)).is_ok());
        assert!(parse::<serde_json::Value>(&at(MAX_DEPTH)).is_ok());
        for payload in [at(MAX_DEPTH + 1), at(10_000)] {
            assert_eq!(parse::<de::IgnoredAny>(&payload).err().unwrap().code(), "malformed");
            assert_eq!(parse::<serde_json::Value>(&payload).err().unwrap().code(), "malformed");
        }
    }

    #[test]
    fn fractional_dates_round_towards_strictness() {
        let (_, scan) = parse::<de::IgnoredAny>(r#"{"exp":10.9,"nbf":10.1,"iat":10.1}"#).unwrap();
        assert_eq!(
            (scan.registered.exp, scan.registered.nbf, scan.registered.iat),
            (Some(10), Some(11), Some(11))
        );
    }
}
