//! Envoy's `X-Forwarded-Client-Cert` (XFCC): the client certificate a proxy in
//! front of the service verified, forwarded as a header.
//!
//! The grammar (Envoy's documentation): elements separated by `,`, one per proxy
//! that appended one; in each, `key=value` pairs separated by `;`; keys `By`, `Hash`,
//! `Cert`, `Chain`, `Subject`, `URI`, `DNS`, case-insensitive; a value holding `,`,
//! `;` or `=` is double-quoted, with `\"` for a quote inside. `Cert` and `Chain` are
//! URL-encoded PEM. `By`, `URI` and `DNS` may repeat (a certificate has several SANs);
//! the others may not. Unknown keys are read and passed over.

use std::borrow::Cow;

use super::TlsError;

/// The largest XFCC value read, in bytes (every header line together).
pub const MAX_XFCC_BYTES: usize = 64 << 10;
/// The most elements (proxies) read.
pub const MAX_XFCC_ELEMENTS: usize = 16;
/// The most `key=value` pairs read in one element.
pub const MAX_XFCC_PAIRS: usize = 64;

/// One proxy's account of its client's certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct XfccElement<'a> {
    /// The URI SANs of the proxy's own certificate.
    pub by: Vec<Cow<'a, str>>,
    /// The SHA-256 of the client certificate's DER.
    pub hash: Option<[u8; 32]>,
    /// The client certificate, URL-encoded PEM (see [`cert_pem`](Self::cert_pem)).
    pub cert: Option<Cow<'a, str>>,
    /// The client's chain, URL-encoded PEM.
    pub chain: Option<Cow<'a, str>>,
    /// The certificate's subject, as the proxy wrote it.
    pub subject: Option<Cow<'a, str>>,
    /// The certificate's URI SANs.
    pub uris: Vec<Cow<'a, str>>,
    /// The certificate's DNS SANs.
    pub dns: Vec<Cow<'a, str>>,
}

impl XfccElement<'_> {
    /// The client certificate as PEM text, URL-decoded.
    ///
    /// # Errors
    ///
    /// [`TlsError::MalformedXfcc`] for bad percent-encoding or non-UTF-8 text.
    pub fn cert_pem(&self) -> Result<Option<String>, TlsError> {
        self.cert.as_deref().map(url_decode).transpose()
    }

    /// The chain as PEM text, URL-decoded (the client's certificate first).
    ///
    /// # Errors
    ///
    /// As [`cert_pem`](Self::cert_pem).
    pub fn chain_pem(&self) -> Result<Option<String>, TlsError> {
        self.chain.as_deref().map(url_decode).transpose()
    }
}

/// Reads an XFCC value (header lines joined with `,`): every element, in order (the
/// last is the one the nearest proxy appended).
///
/// ```
/// use portcullis::tls::parse_xfcc;
///
/// let value = r#"By=spiffe://orders.test/ns/edge/sa/envoy;Hash=4f2a3c1e9b8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29;Subject="CN=billing,O=Orders";URI=spiffe://orders.test/ns/prod/sa/billing"#;
/// let elements = parse_xfcc(value)?;
/// assert_eq!(elements.len(), 1);
/// assert_eq!(elements[0].uris, ["spiffe://orders.test/ns/prod/sa/billing"]);
/// assert_eq!(elements[0].subject.as_deref(), Some("CN=billing,O=Orders"));
/// assert!(parse_xfcc("URI=a;URI").is_err());
/// # Ok::<(), portcullis::tls::TlsError>(())
/// ```
///
/// # Errors
///
/// [`TlsError::MalformedXfcc`], naming the rule broken; values over the limits
/// ([`MAX_XFCC_BYTES`], [`MAX_XFCC_ELEMENTS`], [`MAX_XFCC_PAIRS`]) are refused, not
/// cut.
pub fn parse_xfcc(value: &str) -> Result<Vec<XfccElement<'_>>, TlsError> {
    if value.len() > MAX_XFCC_BYTES {
        return Err(TlsError::MalformedXfcc("longer than 64 KiB"));
    }
    let mut reader = Reader { text: value, at: 0 };
    let mut elements = Vec::new();
    let mut element = XfccElement::default();
    let mut pairs = 0;
    loop {
        reader.skip_spaces();
        let key = reader.key()?;
        let value = reader.value()?;
        pairs += 1;
        if pairs > MAX_XFCC_PAIRS {
            return Err(TlsError::MalformedXfcc("more than 64 pairs in an element"));
        }
        add(&mut element, key, value)?;
        reader.skip_spaces();
        match reader.next_byte() {
            None => {
                elements.push(element);
                return Ok(elements);
            }
            Some(b';') => {}
            Some(b',') => {
                elements.push(std::mem::take(&mut element));
                pairs = 0;
                if elements.len() >= MAX_XFCC_ELEMENTS {
                    return Err(TlsError::MalformedXfcc("more than 16 elements"));
                }
            }
            Some(_) => return Err(TlsError::MalformedXfcc("a value is followed by ';' or ','")),
        }
    }
}

fn add<'a>(element: &mut XfccElement<'a>, key: &str, value: Cow<'a, str>) -> Result<(), TlsError> {
    fn once<'a>(slot: &mut Option<Cow<'a, str>>, value: Cow<'a, str>) -> Result<(), TlsError> {
        match slot {
            Some(_) => Err(TlsError::MalformedXfcc("Hash, Cert, Chain and Subject appear once")),
            None => {
                *slot = Some(value);
                Ok(())
            }
        }
    }
    if key.eq_ignore_ascii_case("by") {
        element.by.push(value);
    } else if key.eq_ignore_ascii_case("uri") {
        element.uris.push(value);
    } else if key.eq_ignore_ascii_case("dns") {
        element.dns.push(value);
    } else if key.eq_ignore_ascii_case("cert") {
        once(&mut element.cert, value)?;
    } else if key.eq_ignore_ascii_case("chain") {
        once(&mut element.chain, value)?;
    } else if key.eq_ignore_ascii_case("subject") {
        once(&mut element.subject, value)?;
    } else if key.eq_ignore_ascii_case("hash") {
        if element.hash.is_some() {
            return Err(TlsError::MalformedXfcc("Hash, Cert, Chain and Subject appear once"));
        }
        element.hash = Some(hex32(&value).ok_or(TlsError::MalformedXfcc("Hash is 64 hex digits"))?);
    }
    Ok(())
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.text.as_bytes()[self.at..]
    }

    fn next_byte(&mut self) -> Option<u8> {
        let byte = *self.rest().first()?;
        self.at += 1;
        Some(byte)
    }

    fn skip_spaces(&mut self) {
        while matches!(self.rest().first(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// A key up to its `=`: letters only.
    fn key(&mut self) -> Result<&'a str, TlsError> {
        let rest = self.rest();
        let len = rest
            .iter()
            .position(|&byte| byte == b'=')
            .ok_or(TlsError::MalformedXfcc("a pair is key=value"))?;
        if len == 0 || !rest[..len].iter().all(u8::is_ascii_alphabetic) {
            return Err(TlsError::MalformedXfcc("a key is letters"));
        }
        let key = &self.text[self.at..self.at + len];
        self.at += len + 1;
        Ok(key)
    }

    /// A value: quoted (with `\"` and `\\` inside) or bare up to `;`, `,` or the end.
    fn value(&mut self) -> Result<Cow<'a, str>, TlsError> {
        let rest = self.rest();
        if rest.first() != Some(&b'"') {
            // Up to the separator (a SIMD search), then the span checked for what
            // needs quoting in one pass with no early exit.
            let len = memchr::memchr2(b';', b',', rest).unwrap_or(rest.len());
            if rest[..len].iter().fold(false, |bad, &byte| bad | needs_quoting(byte)) {
                return Err(TlsError::MalformedXfcc("a value with '\"' or '=' is quoted"));
            }
            let value = &self.text[self.at..self.at + len];
            self.at += len;
            return Ok(Cow::Borrowed(value.trim_end_matches([' ', '\t'])));
        }
        let start = self.at + 1;
        let mut owned: Option<String> = None;
        let mut from = start;
        let mut index = start;
        let bytes = self.text.as_bytes();
        loop {
            // The next quote or backslash (a SIMD search); no control character
            // before it.
            let tail = bytes.get(index..).unwrap_or_default();
            let Some(found) = memchr::memchr2(b'"', b'\\', tail) else {
                return Err(TlsError::MalformedXfcc("an unterminated quoted value"));
            };
            if tail[..found].iter().fold(false, |bad, &byte| bad | is_control(byte)) {
                return Err(TlsError::MalformedXfcc("a control character in a value"));
            }
            index += found;
            if bytes[index] == b'"' {
                self.at = index + 1;
                return Ok(match owned {
                    None => Cow::Borrowed(&self.text[start..index]),
                    Some(mut text) => {
                        text.push_str(&self.text[from..index]);
                        Cow::Owned(text)
                    }
                });
            }
            let escaped = match bytes.get(index + 1) {
                Some(b'"') => "\"",
                Some(b'\\') => "\\",
                _ => return Err(TlsError::MalformedXfcc("'\\' escapes '\"' or '\\' only")),
            };
            let text = owned.get_or_insert_with(String::new);
            text.push_str(&self.text[from..index]);
            text.push_str(escaped);
            index += 2;
            from = index;
        }
    }
}

/// A byte a bare value may not hold: a quote, `=` or a control character.
fn needs_quoting(byte: u8) -> bool {
    byte == b'"' || byte == b'=' || is_control(byte)
}

/// An ASCII control character (as `u8::is_ascii_control`), branch-free.
fn is_control(byte: u8) -> bool {
    byte < 0x20 || byte == 0x7f
}

fn hex32(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// A hexadecimal digit's value.
fn digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

fn url_decode(text: &str) -> Result<String, TlsError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            let high = bytes.get(index + 1).and_then(|b| char::from(*b).to_digit(16));
            let low = bytes.get(index + 2).and_then(|b| char::from(*b).to_digit(16));
            let (Some(high), Some(low)) = (high, low) else {
                return Err(TlsError::MalformedXfcc("bad percent-encoding"));
            };
            out.push(u8::try_from(high << 4 | low).unwrap_or(0));
            index += 3;
        } else {
            out.push(byte);
            index += 1;
        }
    }
    String::from_utf8(out).map_err(|_| TlsError::MalformedXfcc("a decoded certificate is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envoys_documented_examples() -> Result<(), TlsError> {
        let one = parse_xfcc(
            r#"By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;Subject="/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client";URI=http://testclient.lyft.com"#,
        )?;
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].by, ["http://frontend.lyft.com"]);
        assert_eq!(one[0].hash.map(|hash| hash[0]), Some(0x46));
        assert_eq!(
            one[0].subject.as_deref(),
            Some("/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client")
        );
        let two = parse_xfcc(
            r#"By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;URI=http://testclient.lyft.com,By=http://backend.lyft.com;Hash=9ba61d6425303443c0748a02dd8de688468ed33be74eee6556d90c0149c1309e;URI=http://frontend.lyft.com"#,
        )?;
        assert_eq!(two.len(), 2);
        assert_eq!(two[1].uris, ["http://frontend.lyft.com"]);
        let sans = parse_xfcc(
            r#"By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;URI=http://testclient.lyft.com;DNS=lyft.com;DNS=www.lyft.com"#,
        )?;
        assert_eq!(sans[0].dns, ["lyft.com", "www.lyft.com"]);
        Ok(())
    }

    #[test]
    fn quoting_and_escapes() -> Result<(), TlsError> {
        let parsed = parse_xfcc(r#"Subject="back\\slash \"\"";DNS="a;b""#)?;
        assert_eq!(parsed[0].subject.as_deref(), Some(r#"back\slash """#));
        assert_eq!(parsed[0].dns, ["a;b"]);
        let parsed = parse_xfcc(r#"Subject="CN=a \"quoted\" name, O=x";URI=spiffe://t/a"#)?;
        assert_eq!(parsed[0].subject.as_deref(), Some(r#"CN=a "quoted" name, O=x"#));
        let cert = parse_xfcc("Cert=%2D%2D%2D%2D%2DBEGIN%20CERTIFICATE%2D%2D%2D%2D%2D%0AMIIB")?;
        assert_eq!(
            cert[0].cert_pem()?.as_deref(),
            Some("-----BEGIN CERTIFICATE-----\nMIIB")
        );
        Ok(())
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in [
            "",
            "URI",
            "=x",
            "URI=a;URI",
            "Subject=\"open",
            "Subject=\"a\\x\"",
            "Hash=12",
            "Hash=zz8ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688",
            "Subject=a;Subject=b",
            "URI=a=b",
            "URI=\"a\"b",
            "URI=a\u{1}",
            "URI=a\u{7f};DNS=b",
            "Subject=\"a\u{1}b\"",
            "Subject=\"a\\\"b\u{7f}\"",
            "Subject=\"a\\\\",
            "Subject=\"a\\",
            "Cert=%zz",
        ] {
            let parsed = parse_xfcc(bad).and_then(|elements| {
                elements.iter().try_for_each(|element| element.cert_pem().map(drop))?;
                Ok(elements)
            });
            assert!(parsed.is_err(), "{bad:?}");
        }
        let many = vec!["URI=a"; 17].join(",");
        assert!(parse_xfcc(&many).is_err());
        let long = format!("URI={}", "a".repeat(MAX_XFCC_BYTES));
        assert!(parse_xfcc(&long).is_err());
    }
}
