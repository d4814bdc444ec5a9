//! Counting the tags and attributes of untrusted HTML before it is parsed, so that
//! inputs whose tree construction would cost quadratic time are refused first.
//!
//! The counts must never be lower than what the HTML tokenizer (WHATWG HTML
//! §13.2.5, as html5ever implements it) produces, whatever the input; they may be
//! higher. Inside a tag the scanner runs the tokenizer's own tag states (tag name,
//! before/after attribute name, attribute name, before value, unquoted, single- and
//! double-quoted value, after a quoted value), which decide exactly where attribute
//! names start. What it cannot know is whether a `<` opens a tag at all: inside
//! `<style>`, `<script>`, `<textarea>` or a comment it does not. So it follows both
//! readings at once, as a set of possible states in which "outside a tag" is
//! always present, and counts an attribute wherever any reading starts one. On
//! ordinary HTML the set holds one tag state at a time and the counts are exact; on
//! crafted HTML they can only run high, so such input is refused sooner, never later.

/// Tags and attributes counted, each stopping just past its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Counts {
    pub tags: usize,
    pub attributes: usize,
}

// The tokenizer's states inside a tag, one bit each ("outside a tag" is implicit).
pub(super) const TAG_NAME: u16 = 1 << 0;
const BEFORE_ATTRIBUTE: u16 = 1 << 1;
const ATTRIBUTE_NAME: u16 = 1 << 2;
const AFTER_ATTRIBUTE_NAME: u16 = 1 << 3;
const BEFORE_VALUE: u16 = 1 << 4;
const UNQUOTED: u16 = 1 << 5;
pub(super) const DOUBLE_QUOTED: u16 = 1 << 6;
pub(super) const SINGLE_QUOTED: u16 = 1 << 7;
const AFTER_QUOTED: u16 = 1 << 8;
pub(super) const OUTSIDE: u16 = 0;

/// HTML's ASCII whitespace (CR is preprocessed into LF).
pub(super) fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0C)
}

/// One tokenizer step from `state` on `byte`: the next state, and whether an
/// attribute name starts here. `/` goes to "before attribute name" directly: the
/// self-closing state reconsumes anything but `>` there.
pub(super) fn step(state: u16, byte: u8) -> (u16, bool) {
    let space = is_space(byte);
    match state {
        TAG_NAME => match byte {
            b'>' => (OUTSIDE, false),
            b'/' => (BEFORE_ATTRIBUTE, false),
            _ if space => (BEFORE_ATTRIBUTE, false),
            _ => (TAG_NAME, false),
        },
        BEFORE_ATTRIBUTE | AFTER_QUOTED => match byte {
            b'>' => (OUTSIDE, false),
            b'/' => (BEFORE_ATTRIBUTE, false),
            _ if space => (BEFORE_ATTRIBUTE, false),
            _ => (ATTRIBUTE_NAME, true),
        },
        ATTRIBUTE_NAME => match byte {
            b'>' => (OUTSIDE, false),
            b'/' => (BEFORE_ATTRIBUTE, false),
            b'=' => (BEFORE_VALUE, false),
            _ if space => (AFTER_ATTRIBUTE_NAME, false),
            _ => (ATTRIBUTE_NAME, false),
        },
        AFTER_ATTRIBUTE_NAME => match byte {
            b'>' => (OUTSIDE, false),
            b'/' => (BEFORE_ATTRIBUTE, false),
            b'=' => (BEFORE_VALUE, false),
            _ if space => (AFTER_ATTRIBUTE_NAME, false),
            _ => (ATTRIBUTE_NAME, true),
        },
        BEFORE_VALUE => match byte {
            b'>' => (OUTSIDE, false),
            b'"' => (DOUBLE_QUOTED, false),
            b'\'' => (SINGLE_QUOTED, false),
            _ if space => (BEFORE_VALUE, false),
            _ => (UNQUOTED, false),
        },
        UNQUOTED => match byte {
            b'>' => (OUTSIDE, false),
            _ if space => (BEFORE_ATTRIBUTE, false),
            _ => (UNQUOTED, false),
        },
        DOUBLE_QUOTED => (if byte == b'"' { AFTER_QUOTED } else { DOUBLE_QUOTED }, false),
        SINGLE_QUOTED => (if byte == b'\'' { AFTER_QUOTED } else { SINGLE_QUOTED }, false),
        _ => (OUTSIDE, false),
    }
}

/// Counts tags (`<` then a letter, `/`, `!` or `?`) and attribute names, stopping
/// early once either count passes its limit.
pub(super) fn count(html: &[u8], max_tags: usize, max_attributes: usize) -> Counts {
    let mut counts = Counts { tags: 0, attributes: 0 };
    let mut states: u16 = OUTSIDE;
    // Where the name of the tag opened by the last `<` starts, if it opened one.
    let mut name_at: Option<usize> = None;
    let mut at = 0;
    while at < html.len() {
        // A tag name opened by the last `<` may start here or at the next byte
        // (after `</`); every byte up to it is read in every state.
        let name_pending = name_at.is_some_and(|name| name >= at);
        if states == OUTSIDE && !name_pending {
            // Only "outside a tag" is possible: nothing matters before the next `<`.
            match memchr::memchr(b'<', &html[at..]) {
                Some(offset) => at += offset,
                None => break,
            }
        } else if (states == DOUBLE_QUOTED || states == SINGLE_QUOTED) && !name_pending {
            // Inside one quoted value: only its quote, or a `<` read as opening a
            // tag (raw text), can change anything.
            let quote = if states == DOUBLE_QUOTED { b'"' } else { b'\'' };
            match memchr::memchr2(quote, b'<', &html[at..]) {
                Some(offset) => at += offset,
                None => break,
            }
        }
        let byte = html[at];
        let (mut next, starts_attribute) = if states.is_power_of_two() {
            step(states, byte)
        } else {
            let (mut next, mut starts, mut pending) = (OUTSIDE, false, states);
            while pending != 0 {
                let state = pending & pending.wrapping_neg();
                pending &= !state;
                let (to, here) = step(state, byte);
                next |= to;
                starts |= here;
            }
            (next, starts)
        };
        if name_at == Some(at) {
            next |= TAG_NAME;
        }
        if byte == b'<' {
            // Outside a tag, `<` and a letter open a start tag, `</` and a letter an
            // end tag, whose attributes the tokenizer reads too.
            let following = html.get(at + 1).copied().unwrap_or(0);
            if following.is_ascii_alphabetic() || matches!(following, b'/' | b'!' | b'?') {
                counts.tags += 1;
            }
            if following.is_ascii_alphabetic() {
                name_at = Some(at + 1);
            } else if following == b'/' && html.get(at + 2).is_some_and(u8::is_ascii_alphabetic) {
                name_at = Some(at + 2);
            }
        }
        counts.attributes += usize::from(starts_attribute);
        if counts.tags > max_tags || counts.attributes > max_attributes {
            break;
        }
        states = next;
        at += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(html: &str) -> (usize, usize) {
        let counts = count(html.as_bytes(), usize::MAX - 1, usize::MAX - 1);
        (counts.tags, counts.attributes)
    }

    #[test]
    fn ordinary_markup_is_counted_exactly() {
        assert_eq!(counted(r#"<p class="a b" id=x hidden>text "quoted" it's</p>"#), (2, 3));
        assert_eq!(counted("<b/a/c>x</b><!-- c --><?pi>"), (4, 2));
        assert_eq!(counted("<img src='x' alt=\"a > b\">"), (1, 2));
        assert_eq!(counted("<a href = \"x\" title= 'y'>"), (1, 2));
        assert_eq!(counted("a < b, 1<2, <3 <"), (0, 0));
        // End tags carry attributes too, as far as the tokenizer is concerned.
        assert_eq!(counted("<b>x</b a1 a2>"), (2, 2));
        // Inside a tag, `</b` is `/` then an attribute `<` and, after `/`, `b`.
        assert!(counted("<b </b>").1 >= 2);
    }

    #[test]
    fn attributes_after_a_closing_quote_without_space_are_counted() {
        assert_eq!(counted(r#"<b x="1"y="2"z>"#), (1, 3));
    }

    #[test]
    fn quotes_and_equals_inside_names_and_unquoted_values_follow_the_tokenizer() {
        // `b"x="` is the tag name; a1 to a3 are attributes.
        assert_eq!(counted(r#"<b"x=" a1 a2 a3>"#).1, 3);
        // `a="` is an unquoted value; a1 and a2 are attributes.
        assert_eq!(counted(r#"<b x=a=" a1 a2>"#).1, 3);
        // `>` inside quotes is value; a1 and a2 are attributes.
        assert_eq!(counted(r#"<b t=">" a1 a2>"#).1, 3);
    }

    #[test]
    fn raw_text_is_read_both_ways() {
        // Inside <style>, `<b x="` is text to the tokenizer, which then sees <i> with
        // y, z1 and z2 after </style>; reading it as a tag as well covers both.
        let (_, attributes) = counted(r#"<style><b x="</style><i y="AAA>" z1 z2>"#);
        assert!(attributes >= 3, "{attributes}");
    }

    #[test]
    fn counting_stops_past_the_limit() {
        let counts = count("<b a b c d e>".repeat(100).as_bytes(), 1000, 10);
        assert_eq!(counts.attributes, 11);
    }
}
