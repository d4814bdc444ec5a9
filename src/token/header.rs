//! The JOSE header of a compact JWS, parsed strictly (RFC 7515 §4, RFC 8725 §3).

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::TokenError;
use super::json::{Fault, FaultCell, Key, Loose, Strict};

/// The header members verification looks at. `jku`, `x5u`, `x5c` and `jwk` are read
/// past and never followed: keys come only from the verifier's [`KeySet`](super::KeySet).
pub(crate) struct Header<'a> {
    pub(crate) alg: Option<Loose<'a>>,
    pub(crate) kid: Option<Loose<'a>>,
    pub(crate) typ: Option<Loose<'a>>,
    pub(crate) cty: Option<Loose<'a>>,
    pub(crate) crit: Option<Loose<'a>>,
    pub(crate) b64: Option<Loose<'a>>,
}

/// What the checked header says.
pub(crate) struct Checked<'a> {
    pub(crate) alg: &'a str,
    pub(crate) kid: Option<&'a str>,
    pub(crate) typ: Option<&'a str>,
}

impl<'a> Header<'a> {
    /// Parses the header JSON in one pass that also refuses duplicate members at every
    /// depth (RFC 7515 §4) and nesting past [`MAX_DEPTH`](super::json::MAX_DEPTH).
    pub(crate) fn parse(json: &'a [u8]) -> Result<Self, TokenError> {
        let text = std::str::from_utf8(json).map_err(|_| TokenError::malformed("header is not UTF-8"))?;
        let fault = FaultCell::default();
        let mut de = serde_json::Deserializer::from_str(text);
        let header = de::Deserialize::deserialize(Strict::new(&mut de, &fault)).and_then(|h| de.end().map(|()| h));
        match (header, fault.get()) {
            (_, Some(Fault::Duplicate)) => Err(TokenError::malformed("duplicate header member")),
            (_, Some(Fault::TooDeep)) => Err(TokenError::malformed("header nests too deeply")),
            (Ok(header), None) => Ok(header),
            (Err(_), None) => Err(TokenError::malformed("header is not a JSON object")),
        }
    }

    /// Applies the header rules; the algorithm itself is compared with the key later.
    pub(crate) fn check(&'a self) -> Result<Checked<'a>, TokenError> {
        let text = |member: &'a Option<Loose<'a>>, name: &'static str| match member {
            None => Ok(None),
            Some(Loose::Str(s)) => Ok(Some(s.as_ref())),
            Some(_) => Err(TokenError::Malformed { reason: name }),
        };
        let alg = match &self.alg {
            Some(Loose::Str(alg)) => alg.as_ref(),
            Some(_) => return Err(TokenError::UnsupportedAlgorithm),
            None => return Err(TokenError::malformed("header has no alg")),
        };
        // RFC 7515 §4.1.11: crit must be a non-empty array of names; we implement no
        // extension, so any listed name is one we do not understand.
        match &self.crit {
            None => {}
            Some(Loose::Array(names))
                if !names.is_empty() && names.iter().all(|n| n.as_str().is_some_and(|s| !s.is_empty())) =>
            {
                return Err(TokenError::UnsupportedCriticalHeader);
            }
            Some(_) => return Err(TokenError::malformed("crit must be a non-empty array of names")),
        }
        // RFC 7797: an unencoded payload is not supported; b64 must be absent or true.
        match &self.b64 {
            None | Some(Loose::Bool(true)) => {}
            Some(Loose::Bool(false)) => return Err(TokenError::UnsupportedCriticalHeader),
            Some(_) => return Err(TokenError::malformed("b64 must be a boolean")),
        }
        // RFC 7519 §5.2: cty "JWT" marks a nested JWT, which we do not unwrap.
        if text(&self.cty, "cty must be a string")?.is_some_and(|cty| cty.eq_ignore_ascii_case("JWT")) {
            return Err(TokenError::malformed("nested JWTs are not accepted"));
        }
        Ok(Checked {
            alg,
            kid: text(&self.kid, "kid must be a string")?,
            typ: text(&self.typ, "typ must be a string")?,
        })
    }
}

impl<'de> de::Deserialize<'de> for Header<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(HeaderVisitor)
    }
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = Header<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut header = Header {
            alg: None,
            kid: None,
            typ: None,
            cty: None,
            crit: None,
            b64: None,
        };
        // Under `Strict`, the map itself refuses a repeated name, here and below.
        while let Some(Key(key)) = map.next_key()? {
            let slot = match key.as_ref() {
                "alg" => &mut header.alg,
                "kid" => &mut header.kid,
                "typ" => &mut header.typ,
                "cty" => &mut header.cty,
                "crit" => &mut header.crit,
                "b64" => &mut header.b64,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(header)
    }
}

/// Compares a `typ` value with a required media type, case-insensitively and with the
/// optional `application/` prefix (RFC 7515 §4.1.9).
pub(crate) fn typ_matches(actual: &str, required: &str) -> bool {
    fn strip(s: &str) -> &str {
        match (s.get(..12), s.get(12..)) {
            (Some(prefix), Some(rest)) if prefix.eq_ignore_ascii_case("application/") => rest,
            _ => s,
        }
    }
    strip(actual).eq_ignore_ascii_case(strip(required))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Result<(String, Option<String>), TokenError> {
        let header = Header::parse(json.as_bytes())?;
        let checked = header.check()?;
        Ok((checked.alg.to_owned(), checked.kid.map(str::to_owned)))
    }

    #[test]
    fn reads_alg_and_kid() {
        assert_eq!(
            check(r#"{"alg":"ES256","kid":"k1"}"#),
            Ok(("ES256".into(), Some("k1".into())))
        );
    }

    #[test]
    fn duplicate_members_are_malformed() {
        assert_eq!(
            check(r#"{"alg":"HS256","alg":"none"}"#).unwrap_err().code(),
            "malformed"
        );
        assert_eq!(check(r#"{"alg":"HS256","x":1,"x":2}"#).unwrap_err().code(), "malformed");
    }

    #[test]
    fn duplicate_members_inside_header_members_are_malformed() {
        for json in [
            r#"{"alg":"HS256","jwk":{"kty":"EC","kty":"RSA"}}"#,
            r#"{"alg":"HS256","ext":[{"a":1,"a":2}]}"#,
            r#"{"alg":"HS256","crit":["x",{"a":1,"a":2}]}"#,
        ] {
            assert_eq!(
                check(json).unwrap_err(),
                TokenError::malformed("duplicate header member"),
                "{json}"
            );
        }
        assert!(check(r#"{"alg":"HS256","jwk":{"kty":"EC","crv":"P-256"}}"#).is_ok());
    }

    #[test]
    fn crit_b64_and_cty_rules() {
        assert_eq!(
            check(r#"{"alg":"HS256","crit":["exp"]}"#).unwrap_err().code(),
            "unsupported_critical_header"
        );
        assert_eq!(check(r#"{"alg":"HS256","crit":[]}"#).unwrap_err().code(), "malformed");
        assert_eq!(
            check(r#"{"alg":"HS256","b64":false}"#).unwrap_err().code(),
            "unsupported_critical_header"
        );
        assert!(check(r#"{"alg":"HS256","b64":true}"#).is_ok());
        assert_eq!(check(r#"{"alg":"HS256","cty":"jwt"}"#).unwrap_err().code(), "malformed");
    }

    #[test]
    fn typ_comparison_follows_rfc_7515() {
        assert!(typ_matches("at+jwt", "at+jwt"));
        assert!(typ_matches("application/AT+JWT", "at+jwt"));
        assert!(!typ_matches("JWT", "at+jwt"));
    }
}
