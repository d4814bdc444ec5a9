//! Bearer credentials from request headers (`CredentialSources::extract`, from the
//! `Authorization` header alone and with the cookie `session`), and the header
//! checks `check_header_name` and `check_header_value`, on arbitrary header lists.
//!
//! The input is a header block: one header per line (`\n`), its name up to the first
//! `:`, its value every byte after it (leading spaces included, any byte but `\n`).
//! Lines without a `:` are skipped; a name that is not UTF-8 is read as `x-binary`.
//!
//! Invariants:
//! - extraction is deterministic, and refuses only with `invalid_request`;
//! - a bearer token is non-empty, an RFC 6750 §2.1 `b64token`
//!   (`[A-Za-z0-9-._~+/]+` then `=` padding only), and is borrowed verbatim from
//!   the value that carried it: an `Authorization` value that reads `Bearer`, spaces,
//!   then exactly the token, or a `session=` pair of a `Cookie` value;
//! - no `Authorization` header is no credential, two are refused; a `Bearer` value
//!   with a well-formed token yields that token, a value of another scheme none;
//! - the cookie `session` yields its token when it is the only credential, and is
//!   refused when set twice, malformed, or alongside an `Authorization` token;
//! - with the `X-API-Key` source too: without that header, the answer is the
//!   header-only one; one header of visible ASCII (spaces trimmed) is
//!   `Credentials::ApiKey`, borrowed verbatim, when no bearer token came; two, an
//!   empty or non-visible value, or a key beside a bearer token are refused;
//! - `check_header_name` accepts exactly the RFC 9110 tokens of 1 to 256 bytes, and
//!   `check_header_value` exactly the values of at most 8 KiB with no control
//!   character but tab (so no CR, LF or NUL).
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::auth::{AuthError, CredentialSources, Credentials};
use portcullis::sanitize::header::{
    MAX_HEADER_NAME_BYTES, MAX_HEADER_VALUE_BYTES, check_header_name, check_header_value,
};

/// Inputs past this are skipped: real header blocks are smaller.
const MAX_INPUT: usize = 32 * 1024;

/// Headers past this many are ignored.
const MAX_HEADERS: usize = 64;

const COOKIE: &str = "session";

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let headers: Vec<(&str, &[u8])> = data
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let colon = line.iter().position(|b| *b == b':')?;
            let name = std::str::from_utf8(&line[..colon]).unwrap_or("x-binary");
            Some((name, &line[colon + 1..]))
        })
        .take(MAX_HEADERS)
        .collect();
    for (name, value) in &headers {
        check_header_checks(name, value);
    }
    let headers = headers.as_slice();
    let header_only = CredentialSources::authorization_header();
    let with_cookie = CredentialSources::authorization_header()
        .with_cookie(COOKIE)
        .expect("`session` is a valid cookie name");
    let from_header = extract(&header_only, headers);
    let from_both = extract(&with_cookie, headers);
    check_header_source(headers, &from_header);
    check_cookie_source(headers, &from_header, &from_both);
    check_api_key_source(headers, &from_header);
});

/// The `Authorization` header and `X-API-Key`.
fn check_api_key_source(headers: &[(&str, &[u8])], from_header: &Result<Option<&str>, AuthError>) {
    let sources = CredentialSources::authorization_header().with_api_key_header();
    let first = sources.extract(headers);
    assert_eq!(first, sources.extract(headers), "extraction is not deterministic");
    let keys = values_of(headers, "x-api-key");
    match (keys.as_slice(), from_header) {
        ([], _) => {
            let bearer = first.map(|found| {
                found.map(|credentials| match credentials {
                    Credentials::Bearer(token) => token,
                    other => panic!("{other:?} without an X-API-Key header"),
                })
            });
            assert_eq!(&bearer, from_header, "no X-API-Key, yet another answer");
        }
        ([value], Ok(None)) => {
            let trimmed = trim(value);
            let visible = !trimmed.is_empty() && trimmed.iter().all(u8::is_ascii_graphic);
            match first {
                Ok(Some(Credentials::ApiKey(key))) => {
                    assert!(visible, "an API key from a value that is not visible ASCII");
                    assert_eq!(key.as_bytes(), trimmed, "the key is not the trimmed value");
                    assert!(borrowed_from(key, value), "the key is not borrowed from its header");
                }
                Ok(other) => panic!("one X-API-Key read as {other:?}"),
                Err(err) => {
                    assert!(!visible, "a visible X-API-Key refused");
                    assert_eq!(err.code(), "invalid_request");
                }
            }
        }
        ([_], Ok(Some(_))) | ([_, _, ..], _) => {
            assert!(first.is_err(), "a key beside a token, or two keys, accepted");
        }
        ([_], Err(err)) => assert_eq!(first.as_ref().err(), Some(err), "the Authorization refusal changed"),
    }
}

/// Extracts twice, checks the answers agree and the refusal code, returns the token.
fn extract<'h>(sources: &CredentialSources, headers: &'h [(&'h str, &'h [u8])]) -> Result<Option<&'h str>, AuthError> {
    let first = sources.extract(headers);
    let second = sources.extract(headers);
    assert_eq!(first, second, "extraction is not deterministic");
    match first {
        Ok(None) => Ok(None),
        Ok(Some(Credentials::Bearer(token))) => {
            assert!(is_b64token(token), "bearer token {token:?} is not an RFC 6750 b64token");
            Ok(Some(token))
        }
        Ok(Some(other)) => panic!("a credential other than a bearer token: {other:?}"),
        Err(err) => {
            assert_eq!(
                err.code(),
                "invalid_request",
                "extraction refusal has an unexpected code: {err}"
            );
            Err(err)
        }
    }
}

/// The `Authorization` header alone, against RFC 6750 §2.1.
fn check_header_source(headers: &[(&str, &[u8])], result: &Result<Option<&str>, AuthError>) {
    let values = values_of(headers, "authorization");
    let value = match values.as_slice() {
        [] => {
            assert_eq!(
                result,
                &Ok(None),
                "a credential from a request with no Authorization header"
            );
            return;
        }
        [value] => *value,
        [..] => {
            assert!(result.is_err(), "two Authorization headers accepted");
            return;
        }
    };
    let trimmed = trim(value);
    let is_bearer_scheme = trimmed.len() >= 6
        && trimmed[..6].eq_ignore_ascii_case(b"bearer")
        && trimmed.get(6).is_none_or(|b| is_space(*b));
    match result {
        Ok(Some(token)) => {
            assert!(
                borrowed_from(token, value),
                "token {token:?} is not borrowed from the Authorization value"
            );
            assert!(
                is_bearer_scheme,
                "token {token:?} from a value of another scheme: {value:?}"
            );
            let rest = &trimmed[6..];
            assert!(
                rest.first().is_some_and(|b| is_space(*b)) && trim(rest) == token.as_bytes(),
                "Authorization value is not `Bearer`, spaces, then exactly the token {token:?}: {value:?}"
            );
        }
        Ok(None) => {
            assert!(!is_bearer_scheme, "a Bearer value read as no credential: {value:?}");
        }
        Err(_) => {}
    }
    if is_bearer_scheme
        && let Ok(token) = std::str::from_utf8(trim(&trimmed[6..]))
        && is_b64token(token)
    {
        assert_eq!(
            result,
            &Ok(Some(token)),
            "a well-formed Bearer value not read: {value:?}"
        );
    }
    if !(trimmed.len() >= 6 && trimmed[..6].eq_ignore_ascii_case(b"bearer")) {
        assert_eq!(
            result,
            &Ok(None),
            "a value of another scheme is not \"no credential\": {value:?}"
        );
    }
}

/// The `Authorization` header and the cookie `session`, against RFC 6265 §4.2.1
/// (`name=value` pairs split on `;`, the value optionally in double quotes) and
/// RFC 6750 §2 (one method per request).
fn check_cookie_source(
    headers: &[(&str, &[u8])],
    from_header: &Result<Option<&str>, AuthError>,
    from_both: &Result<Option<&str>, AuthError>,
) {
    let from_header = match from_header {
        Ok(token) => *token,
        Err(err) => {
            assert_eq!(
                from_both.as_ref().err(),
                Some(err),
                "reading a cookie too hides an Authorization refusal"
            );
            return;
        }
    };
    let cookies = values_of(headers, "cookie");
    let tokens: Vec<&[u8]> = cookies
        .iter()
        .flat_map(|value| value.split(|b| *b == b';'))
        .filter_map(|pair| {
            let pair = trim(pair);
            let value = pair.strip_prefix(COOKIE.as_bytes())?.strip_prefix(b"=")?;
            let value = match value {
                [b'"', inner @ .., b'"'] => inner,
                value => value,
            };
            (!value.is_empty()).then_some(value)
        })
        .collect();
    match (tokens.as_slice(), from_header) {
        ([], _) => assert_eq!(
            from_both,
            &Ok(from_header),
            "a cookie-less request reads differently with a cookie source"
        ),
        ([token], None) if std::str::from_utf8(token).is_ok_and(is_b64token) => {
            let Ok(Some(read)) = from_both else {
                panic!("the only credential, cookie {token:?}, read as {from_both:?}");
            };
            assert_eq!(read.as_bytes(), *token, "cookie token read wrong");
            assert!(
                cookies.iter().any(|value| borrowed_from(read, value)),
                "cookie token {read:?} is not borrowed from a Cookie value"
            );
        }
        ([token], None) => assert!(
            from_both.is_err(),
            "malformed cookie token {token:?} read as {from_both:?}"
        ),
        ([_], Some(_)) => assert!(
            from_both.is_err(),
            "a token in both the Authorization header and a cookie read"
        ),
        ([..], _) => assert!(from_both.is_err(), "the token cookie set {} times read", tokens.len()),
    }
}

/// Every value of `name`, matched case-insensitively as HTTP field names are.
fn values_of<'h>(headers: &[(&str, &'h [u8])], name: &str) -> Vec<&'h [u8]> {
    headers
        .iter()
        .filter(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
        .map(|(_, value)| *value)
        .collect()
}

fn check_header_checks(name: &str, value: &[u8]) {
    let tchar = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    let token = !name.is_empty() && name.len() <= MAX_HEADER_NAME_BYTES && name.bytes().all(|b| tchar(&b));
    match check_header_name(name) {
        Ok(()) => assert!(
            token,
            "check_header_name accepted {name:?}, not an RFC 9110 token of at most 256 bytes"
        ),
        Err(err) => {
            assert!(!token, "check_header_name refused the token {name:?}");
            assert!(
                matches!(err.code(), "invalid_header_name" | "too_large"),
                "check_header_name refusal has an unexpected code {:?}",
                err.code()
            );
        }
    }
    let value = String::from_utf8_lossy(value);
    let safe = value.len() <= MAX_HEADER_VALUE_BYTES && !value.bytes().any(|b| b.is_ascii_control() && b != b'\t');
    match check_header_value(&value) {
        Ok(()) => {
            assert!(
                !value.bytes().any(|b| matches!(b, b'\r' | b'\n' | b'\0')),
                "check_header_value accepted CR, LF or NUL: {value:?}"
            );
            assert!(
                safe,
                "check_header_value accepted a control character or over 8 KiB: {value:?}"
            );
        }
        Err(err) => {
            assert!(!safe, "check_header_value refused a safe value: {value:?}");
            assert!(
                matches!(err.code(), "invalid_header_value" | "too_large"),
                "check_header_value refusal has an unexpected code {:?}",
                err.code()
            );
        }
    }
}

/// RFC 6750 §2.1 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
}

/// `part` lies inside `whole` (borrowed from it, not copied).
fn borrowed_from(part: &str, whole: &[u8]) -> bool {
    let range = whole.as_ptr_range();
    let part = part.as_bytes().as_ptr_range();
    range.start <= part.start && part.end <= range.end
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Without leading and trailing spaces and tabs (RFC 9110 §5.6.3 `OWS`).
fn trim(mut value: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = value
        && is_space(*first)
    {
        value = rest;
    }
    while let [rest @ .., last] = value
        && is_space(*last)
    {
        value = rest;
    }
    value
}
