//! Percent-decoding (RFC 3986 §2.1), for the checks that look at what a later layer
//! that decodes would see (redirect targets, paths).

/// `bytes` with each `%HH` decoded; malformed escapes (`%zz`, a `%` near the end)
/// are kept as they are. `None` when there was nothing to decode.
pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%')
            .then(|| Some((hex(*bytes.get(i + 1)?)?, hex(*bytes.get(i + 2)?)?)))
            .flatten();
        match escape {
            Some((high, low)) => {
                // Two hex digits: at most 255.
                decoded.push((high * 16 + low) as u8);
                changed = true;
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    changed.then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_escapes_are_left_alone() {
        assert_eq!(decode(b"%2f%2F%zz%4").as_deref(), Some(&b"//%zz%4"[..]));
        assert_eq!(decode(b"%"), None);
        assert_eq!(decode(b"plain"), None);
    }
}
