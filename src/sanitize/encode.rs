//! Context output encoding (OWASP XSS Prevention Cheat Sheet, rules 1–5): make
//! untrusted text inert in exactly the place it is written.
//!
//! Pick the function for the context the value lands in, and put its output only
//! there. Each returns the input borrowed when nothing in it needs changing, so the
//! common case allocates nothing.
//!
//! | context | function | output goes |
//! |---|---|---|
//! | HTML text | [`html_text`] | between tags: `<p>HERE</p>` |
//! | HTML attribute | [`html_attribute`] | inside a *quoted* value: `title="HERE"` |
//! | JavaScript string | [`js_string`] | inside a quoted literal: `'HERE'`, `"HERE"`, `` `HERE` `` |
//! | URL component | [`url_component`] | one path segment or query value: `?q=HERE` |
//! | CSS string | [`css_string`] | inside a quoted CSS string: `content: "HERE"` |
//!
//! ```
//! use portcullis::sanitize::encode;
//!
//! let name = r#"<img src=x onerror="alert(1)">"#;
//! let page = format!(
//!     r#"<p title="{}">{}</p><a href="/search?q={}">again</a><script>greet('{}')</script>"#,
//!     encode::html_attribute(name),
//!     encode::html_text(name),
//!     encode::url_component(name),
//!     encode::js_string(name),
//! );
//! assert!(!page.contains("<img"));
//! assert!(matches!(encode::html_text("plain words"), std::borrow::Cow::Borrowed(_)));
//! ```
//!
//! # What encoding does not do
//!
//! An encoder makes a value *data* in one context; it does not make a dangerous value
//! safe to use in another. These are all still vulnerable:
//!
//! ```
//! # use portcullis::sanitize::encode;
//! let url = "javascript:alert(1)";
//! // DO NOT DO THIS: attribute encoding keeps the quotes closed, but the browser
//! // still runs a javascript: URL. Check whole URLs with `sanitize::url` instead.
//! let link = format!(r#"<a href="{}">home</a>"#, encode::html_attribute(url));
//! # assert!(link.contains("javascript:"));
//!
//! let code = "alert(1)";
//! // DO NOT DO THIS: no encoder makes text safe as code. An event handler's
//! // value is JavaScript; only a *string literal inside it* is a context.
//! let handler = format!(r#"<b onclick="{}">x</b>"#, encode::html_attribute(code));
//! # assert!(handler.contains("alert(1)"));
//!
//! let attr = "x onmouseover=alert(1)";
//! // DO NOT DO THIS: the attribute encoder assumes a quoted value.
//! let unquoted = format!("<b title={}>x</b>", encode::html_attribute(attr));
//! # assert!(unquoted.contains(" onmouseover"));
//! ```

use std::borrow::Cow;

/// Which context a value is written into; [`Context::encode`] dispatches to the
/// function of that context.
///
/// ```
/// use portcullis::sanitize::encode::Context;
///
/// let context: Context = "attr".parse()?;
/// assert_eq!(context.encode(r#"a"b"#), "a&quot;b");
/// # Ok::<(), portcullis::sanitize::SanitizeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Text between HTML tags: [`html_text`].
    HtmlText,
    /// A quoted HTML attribute value: [`html_attribute`].
    HtmlAttribute,
    /// A quoted JavaScript string literal: [`js_string`].
    JsString,
    /// One URL path segment or query component: [`url_component`].
    UrlComponent,
    /// A quoted CSS string: [`css_string`].
    CssString,
}

impl Context {
    /// Encodes `input` for this context.
    ///
    /// ```
    /// use portcullis::sanitize::encode::Context;
    ///
    /// assert_eq!(Context::UrlComponent.encode("a b&c"), "a%20b%26c");
    /// ```
    pub fn encode(self, input: &str) -> Cow<'_, str> {
        match self {
            Context::HtmlText => html_text(input),
            Context::HtmlAttribute => html_attribute(input),
            Context::JsString => js_string(input),
            Context::UrlComponent => url_component(input),
            Context::CssString => css_string(input),
        }
    }

    /// The short name the CLI uses: `html`, `attr`, `js`, `url` or `css`.
    ///
    /// ```
    /// use portcullis::sanitize::encode::Context;
    ///
    /// assert_eq!(Context::JsString.name(), "js");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Context::HtmlText => "html",
            Context::HtmlAttribute => "attr",
            Context::JsString => "js",
            Context::UrlComponent => "url",
            Context::CssString => "css",
        }
    }
}

impl std::str::FromStr for Context {
    type Err = super::SanitizeError;

    /// Parses a [`Context::name`]; anything else is
    /// [`SanitizeError::InvalidConfig`](super::SanitizeError::InvalidConfig).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "html" => Ok(Context::HtmlText),
            "attr" => Ok(Context::HtmlAttribute),
            "js" => Ok(Context::JsString),
            "url" => Ok(Context::UrlComponent),
            "css" => Ok(Context::CssString),
            _ => Err(super::SanitizeError::InvalidConfig(
                "unknown encoding context (expected html, attr, js, url or css)".into(),
            )),
        }
    }
}

/// Encodes text for HTML *text content*: `&`, `<`, `>`, `"` and `'` become character
/// references (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#x27;`).
///
/// For text between tags in an HTML body. Not for `<script>`, `<style>`,
/// `<textarea>` or `<title>` content, comments, or attribute values (use
/// [`html_attribute`]).
///
/// ```
/// use portcullis::sanitize::encode::html_text;
///
/// assert_eq!(html_text("<b>Tom & 'Jerry'</b>"), "&lt;b&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/b&gt;");
/// ```
///
/// Misuse it does not protect against:
///
/// ```
/// # use portcullis::sanitize::encode::html_text;
/// // DO NOT DO THIS: inside <script> the HTML parser does not decode references,
/// // and the script sees `&quot;`; worse, the value is code, not data.
/// let page = format!("<script>var name = {};</script>", html_text("alert(1)"));
/// # assert!(page.contains("alert(1)"));
/// ```
pub fn html_text(input: &str) -> Cow<'_, str> {
    encode_html(input, &HTML_TEXT, &HTML_TEXT_REFERENCES)
}

/// Encodes text for a *quoted* HTML attribute value (single or double quotes): as
/// [`html_text`], and `` ` `` (which old Internet Explorer took as a quote) becomes
/// `&#x60;`.
///
/// The value cannot end the attribute or open a tag. It does not make the value
/// safe for attributes that are themselves URLs (`href`, `src`: check the URL
/// with `sanitize::url` first), code (`on*`: encode a string literal inside with
/// [`js_string`]), or styles (`style`: use [`css_string`] inside a CSS string).
///
/// ```
/// use portcullis::sanitize::encode::html_attribute;
///
/// let title = r#"" onmouseover="alert(1)"#;
/// let html = format!(r#"<span title="{}">x</span>"#, html_attribute(title));
/// assert_eq!(html, r#"<span title="&quot; onmouseover=&quot;alert(1)">x</span>"#);
/// ```
///
/// Misuse it does not protect against:
///
/// ```
/// # use portcullis::sanitize::encode::html_attribute;
/// // DO NOT DO THIS: unquoted, a space ends the value and starts a new attribute.
/// let html = format!("<span title={}>x</span>", html_attribute("x onclick=alert(1)"));
/// # assert!(html.contains(" onclick=alert(1)"));
/// ```
pub fn html_attribute(input: &str) -> Cow<'_, str> {
    encode_html(input, &HTML_ATTRIBUTE, &HTML_ATTRIBUTE_REFERENCES)
}

/// Encodes text for a JavaScript string literal, quoted with `'`, `"` or `` ` ``,
/// inside a `<script>` element or inside a quoted event-handler attribute.
///
/// Every ASCII character other than letters, digits, space, `,`, `.`, `-` and `_`
/// becomes `\xHH`, and U+2028 and U+2029 become `\u2028` and `\u2029`. So the value
/// cannot end the literal (no quote, backtick or backslash survives), cannot start a
/// template substitution (`$` is encoded), cannot close the script (`<` and `>`
/// are encoded), and holds no `&` or `"` for an attribute's HTML decoding to act
/// on. Other non-ASCII characters pass unchanged.
///
/// ```
/// use portcullis::sanitize::encode::js_string;
///
/// let name = "</script><script>alert(1)</script>";
/// let script = format!("<script>greet('{}')</script>", js_string(name));
/// assert_eq!(script, r"<script>greet('\x3c\x2fscript\x3e\x3cscript\x3ealert\x281\x29\x3c\x2fscript\x3e')</script>");
/// ```
///
/// Misuse it does not protect against:
///
/// ```
/// # use portcullis::sanitize::encode::js_string;
/// // DO NOT DO THIS: outside quotes the value is code, and nothing is left to escape.
/// let script = format!("<script>var n = {};</script>", js_string("alert(1)"));
/// # assert!(script.contains("alert"));
/// // Nor is a string that is later passed to eval(), setTimeout("…"), innerHTML or
/// // document.write safe: encoding protects the literal, not what the code does with it.
/// ```
pub fn js_string(input: &str) -> Cow<'_, str> {
    // The table marks every 0xE2 lead byte; only U+2028 and U+2029 among them need
    // escaping, so text whose only hits are other characters (€, →) stays borrowed.
    let bytes = input.as_bytes();
    let mut from = 0;
    while let Some(at) = find(bytes, from, &JS_STRING) {
        if bytes[at] != 0xE2 || is_line_separator(bytes, at) {
            return encode_with(input, &JS_STRING, push_js_escape);
        }
        from = at + 1;
    }
    Cow::Borrowed(input)
}

/// U+2028 or U+2029 (E2 80 A8, E2 80 A9) at `at`.
fn is_line_separator(bytes: &[u8], at: usize) -> bool {
    matches!(bytes.get(at..at + 3), Some([0xE2, 0x80, 0xA8 | 0xA9]))
}

/// Percent-encodes text as one URL component (RFC 3986 §2.1): everything except
/// the unreserved characters `A–Z a–z 0–9 - . _ ~` becomes `%HH` of its UTF-8 bytes.
///
/// For one path segment or one query name or value. The output holds only
/// unreserved characters and `%`, so it is also safe inside a quoted HTML attribute
/// with no further encoding.
///
/// ```
/// use portcullis::sanitize::encode::url_component;
///
/// assert_eq!(url_component("rock & roll/ü"), "rock%20%26%20roll%2F%C3%BC");
/// let link = format!("/search?q={}", url_component("a+b=c#d"));
/// assert_eq!(link, "/search?q=a%2Bb%3Dc%23d");
/// ```
///
/// Misuse it does not protect against:
///
/// ```
/// # use portcullis::sanitize::encode::url_component;
/// // DO NOT DO THIS: a whole untrusted URL is not a component. Encoding it breaks a
/// // good URL, and checking a URL's scheme and host is sanitize::url's job.
/// let href = url_component("https://example.com/a b");
/// # assert_eq!(href, "https%3A%2F%2Fexample.com%2Fa%20b");
/// ```
pub fn url_component(input: &str) -> Cow<'_, str> {
    let bytes = input.as_bytes();
    let Some(first) = find(bytes, 0, &URL_COMPONENT) else {
        return Cow::Borrowed(input);
    };
    // Escapes are dense here (every space, every non-ASCII byte) and fall where a
    // branch cannot predict them, so the rest is written branch-free: every byte
    // writes three and advances by one (unreserved) or three (`%HH`).
    let rest = &bytes[first..];
    let mut out = vec![0u8; first + rest.len() * 3];
    out[..first].copy_from_slice(&bytes[..first]);
    let mut written = first;
    for &byte in rest {
        let (escape, len) = &URL_OUT[usize::from(byte)];
        if let Some(slot) = out.get_mut(written..written + 3) {
            slot.copy_from_slice(escape);
        }
        written += usize::from(*len);
    }
    out.truncate(written);
    // Only ASCII was written after the prefix, which ends on a character boundary.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Encodes text for a quoted CSS string (`"…"` or `'…'`), in a `<style>` element or
/// a quoted `style` attribute.
///
/// Every ASCII character other than letters, digits, space, `,`, `.`, `-` and `_`
/// becomes a CSS escape `\HH ` (the space ends the escape, CSS Syntax §4.3.7), so
/// the value cannot end the string, the declaration, the rule or the `<style>`
/// element. Non-ASCII characters pass unchanged.
///
/// ```
/// use portcullis::sanitize::encode::css_string;
///
/// let label = "\"; } body { background: url(//evil.example) }";
/// let css = format!(r#".note::before {{ content: "{}" }}"#, css_string(label));
/// assert_eq!(
///     css,
///     r#".note::before { content: "\22 \3b  \7d  body \7b  background\3a  url\28 \2f \2f evil.example\29  \7d " }"#
/// );
/// ```
///
/// Misuse it does not protect against:
///
/// ```
/// # use portcullis::sanitize::encode::css_string;
/// // DO NOT DO THIS: outside a string a value is CSS syntax, and a CSS string given
/// // to url() still loads whatever URL it names.
/// let css = format!("a {{ color: {} }}", css_string("red"));
/// let bg = format!("a {{ background: url('{}') }}", css_string("https://evil.example/track"));
/// # assert!(css.contains("red") && bg.contains("evil.example"));
/// ```
pub fn css_string(input: &str) -> Cow<'_, str> {
    encode_with(input, &CSS_STRING, push_css_escape)
}

/// For each byte: must it be rewritten? Lead bytes of multi-byte characters may be
/// marked; continuation bytes never are, so every rewrite starts on a char boundary.
type Table = [bool; 256];

const HTML_TEXT: Table = html_table(false);
const HTML_ATTRIBUTE: Table = html_table(true);
const JS_STRING: Table = ascii_table(true);
const CSS_STRING: Table = ascii_table(false);
const URL_COMPONENT: Table = url_table();

const fn html_reference(byte: u8, attribute: bool) -> Option<&'static str> {
    match byte {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#x27;"),
        b'`' if attribute => Some("&#x60;"),
        _ => None,
    }
}

const fn html_table(attribute: bool) -> Table {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = html_reference(byte as u8, attribute).is_some();
        byte += 1;
    }
    table
}

/// ASCII that passes unchanged in JavaScript and CSS strings (OWASP's rule of
/// "alphanumerics", plus space, `,`, `.`, `-`, `_` for readable output).
const fn is_script_safe(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b' ' | b',' | b'.' | b'-' | b'_')
}

const fn ascii_table(mark_line_separators: bool) -> Table {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = !is_script_safe(byte as u8);
        byte += 1;
    }
    // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
    table[0xE2] = mark_line_separators;
    table
}

/// RFC 3986 §2.3 unreserved characters.
const fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

const fn url_table() -> Table {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = !is_unreserved(byte as u8);
        byte += 1;
    }
    table
}

/// Index of the first marked byte at or after `from`.
#[inline(always)]
fn find(bytes: &[u8], from: usize, table: &Table) -> Option<usize> {
    // Escapes cluster (a space every few bytes in a URL component): the next few
    // bytes are looked at one by one before the block search is set up.
    let near = bytes.len().min(from + 8);
    if let Some(i) = bytes[from..near].iter().position(|&b| table[usize::from(b)]) {
        return Some(from + i);
    }
    // Sixteen lookups OR-ed together per step keep the clean path branch-light; the
    // exact position is searched only in the block that has a hit.
    let mut at = near;
    let mut blocks = bytes[near..].chunks_exact(16);
    for block in &mut blocks {
        if block.iter().fold(false, |hit, &b| hit | table[usize::from(b)]) {
            return block.iter().position(|&b| table[usize::from(b)]).map(|i| at + i);
        }
        at += 16;
    }
    blocks
        .remainder()
        .iter()
        .position(|&b| table[usize::from(b)])
        .map(|i| at + i)
}

/// Copies `input`, rewriting each marked position with `escape`, which appends the
/// replacement and returns how many bytes (whole characters) it consumed.
#[inline(always)]
fn encode_with<'a>(input: &'a str, table: &Table, escape: fn(&mut Vec<u8>, &[u8], usize) -> usize) -> Cow<'a, str> {
    let bytes = input.as_bytes();
    let Some(mut at) = find(bytes, 0, table) else {
        return Cow::Borrowed(input);
    };
    // Bytes, not a String: escapes are appended as byte arrays with no per-escape
    // UTF-8 bookkeeping, and the one check at the end runs at memory speed.
    let mut out = Vec::with_capacity(input.len() + input.len() / 4 + 8);
    let mut copied = 0;
    loop {
        out.extend_from_slice(&bytes[copied..at]);
        copied = at + escape(&mut out, bytes, at);
        match find(bytes, copied, table) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    // Whole characters were copied or replaced by ASCII, so this is valid UTF-8;
    // the lossy arm exists only so that no input can make this panic.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// What each byte becomes in an HTML context: its character reference, or itself;
/// padded to eight bytes so that writing one is a fixed-size copy, whatever its
/// length.
struct References {
    padded: [[u8; 8]; 256],
    len: [u8; 256],
}

const fn html_references(attribute: bool) -> References {
    let mut references = References {
        padded: [[0; 8]; 256],
        len: [1; 256],
    };
    let mut byte = 0;
    while byte < 256 {
        match html_reference(byte as u8, attribute) {
            Some(reference) => {
                let reference = reference.as_bytes();
                let mut at = 0;
                while at < reference.len() {
                    references.padded[byte][at] = reference[at];
                    at += 1;
                }
                references.len[byte] = reference.len() as u8;
            }
            None => references.padded[byte][0] = byte as u8,
        }
        byte += 1;
    }
    references
}

const HTML_TEXT_REFERENCES: References = html_references(false);
const HTML_ATTRIBUTE_REFERENCES: References = html_references(true);

/// Room kept free at the end of the output while encoding: a block of 16 bytes,
/// each written as eight.
const BLOCK_ROOM: usize = 16 * 8;

/// [`encode_with`] for the HTML contexts, where every replacement is one byte's, at
/// most six bytes long: 16-byte blocks with nothing to escape are copied whole, and
/// in the others every byte is written as its padded replacement and the output
/// advanced by its length, with no branch per escape and no call per gap.
#[inline(always)]
fn encode_html<'a>(input: &'a str, table: &Table, references: &References) -> Cow<'a, str> {
    let bytes = input.as_bytes();
    let Some(first) = find(bytes, 0, table) else {
        return Cow::Borrowed(input);
    };
    // Written in place at `end`, with at least BLOCK_ROOM bytes to spare; grown by
    // doubling, and cut to `end` when done.
    let mut out = vec![0u8; bytes.len() + bytes.len() / 2 + BLOCK_ROOM];
    out[..first].copy_from_slice(&bytes[..first]);
    let mut end = first;
    let write = |out: &mut [u8], end: &mut usize, byte: u8| {
        out[*end..*end + 8].copy_from_slice(&references.padded[usize::from(byte)]);
        *end += usize::from(references.len[usize::from(byte)]);
    };
    let mut blocks = bytes[first..].chunks_exact(16);
    for block in &mut blocks {
        if out.len() - end < BLOCK_ROOM {
            out.resize(out.len() * 2, 0);
        }
        if !block.iter().fold(false, |hit, &b| hit | table[usize::from(b)]) {
            out[end..end + 16].copy_from_slice(block);
            end += 16;
            continue;
        }
        for &byte in block {
            write(&mut out, &mut end, byte);
        }
    }
    if out.len() - end < BLOCK_ROOM {
        out.resize(out.len() * 2, 0);
    }
    for &byte in blocks.remainder() {
        write(&mut out, &mut end, byte);
    }
    out.truncate(end);
    // Whole characters were copied or replaced by ASCII, so this is valid UTF-8;
    // the lossy arm exists only so that no input can make this panic.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// `N` escapes of `W` ASCII bytes each, one per byte value: `prefix`, two hex digits,
/// `suffix`. Built at compile time so that an escape is one small copy.
const fn escapes<const N: usize, const W: usize>(prefix: &[u8], suffix: &[u8], digits: &[u8; 16]) -> [[u8; W]; N] {
    let mut table = [[0u8; W]; N];
    let mut byte = 0;
    while byte < N {
        let mut at = 0;
        while at < prefix.len() {
            table[byte][at] = prefix[at];
            at += 1;
        }
        table[byte][at] = digits[byte >> 4];
        table[byte][at + 1] = digits[byte & 0xF];
        if !suffix.is_empty() {
            table[byte][at + 2] = suffix[0];
        }
        byte += 1;
    }
    table
}

const PERCENT: [[u8; 3]; 256] = escapes(b"%", b"", b"0123456789ABCDEF");

/// For each byte, what a URL component holds for it and how many of those bytes
/// count: itself (1) when unreserved, else `%HH` (3).
const URL_OUT: [([u8; 3], u8); 256] = {
    let mut table = [([0u8; 3], 0u8); 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = if is_unreserved(byte as u8) {
            ([byte as u8, 0, 0], 1)
        } else {
            (PERCENT[byte], 3)
        };
        byte += 1;
    }
    table
};
const JS_HEX: [[u8; 4]; 128] = escapes(b"\\x", b"", b"0123456789abcdef");
const CSS_HEX: [[u8; 4]; 128] = escapes(b"\\", b" ", b"0123456789abcdef");

/// Length in bytes of the UTF-8 character whose first byte is `lead`.
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// Copies the whole character starting at `at` (a byte no table should mark).
fn copy_char(out: &mut Vec<u8>, input: &[u8], at: usize) -> usize {
    let end = (at + char_len(input[at])).min(input.len());
    out.extend_from_slice(&input[at..end]);
    end - at
}

fn push_js_escape(out: &mut Vec<u8>, input: &[u8], at: usize) -> usize {
    if let Some(escape) = JS_HEX.get(usize::from(input[at])) {
        out.extend_from_slice(escape);
        return 1;
    }
    // A lead byte 0xE2: only U+2028 and U+2029 are rewritten (they end a line in
    // pre-ES2019 string literals); any other character is copied whole.
    match input.get(at..at + 3) {
        Some([0xE2, 0x80, 0xA8]) => out.extend_from_slice(b"\\u2028"),
        Some([0xE2, 0x80, 0xA9]) => out.extend_from_slice(b"\\u2029"),
        _ => return copy_char(out, input, at),
    }
    3
}

fn push_css_escape(out: &mut Vec<u8>, input: &[u8], at: usize) -> usize {
    match CSS_HEX.get(usize::from(input[at])) {
        Some(escape) => {
            out.extend_from_slice(escape);
            1
        }
        // The CSS table marks only ASCII.
        None => copy_char(out, input, at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_input_is_borrowed_in_every_context() {
        for context in [
            Context::HtmlText,
            Context::HtmlAttribute,
            Context::JsString,
            Context::UrlComponent,
            Context::CssString,
        ] {
            assert!(
                matches!(context.encode("Plain-text_1.0"), Cow::Borrowed(_)),
                "{context:?}"
            );
            assert!(matches!(context.encode(""), Cow::Borrowed(_)), "{context:?}");
        }
    }

    #[test]
    fn html_text_encodes_the_five_characters_and_nothing_else() {
        assert_eq!(html_text(r#"&<>"'`/="#), "&amp;&lt;&gt;&quot;&#x27;`/=");
        assert_eq!(html_text("ünïcödé €"), "ünïcödé €");
    }

    #[test]
    fn html_attribute_also_encodes_the_backtick() {
        assert_eq!(html_attribute(r#"&<>"'`"#), "&amp;&lt;&gt;&quot;&#x27;&#x60;");
    }

    #[test]
    fn html_encoding_does_not_double_decode() {
        assert_eq!(html_text("&lt;"), "&amp;lt;");
    }

    #[test]
    fn js_string_escapes_every_breakout_character() {
        assert_eq!(
            js_string("'\"`\\$</>&\n\r\u{0}"),
            r"\x27\x22\x60\x5c\x24\x3c\x2f\x3e\x26\x0a\x0d\x00"
        );
        assert_eq!(js_string("a\u{2028}b\u{2029}c"), r"a\u2028b\u2029c");
        // Other characters starting with 0xE2 pass whole.
        assert_eq!(js_string("€ → ✓"), "€ → ✓");
        assert_eq!(js_string("€'"), r"€\x27");
    }

    #[test]
    fn css_string_escapes_end_with_a_space() {
        assert_eq!(css_string("a\"b"), r"a\22 b");
        assert_eq!(css_string("</style>"), r"\3c \2f style\3e ");
        assert_eq!(css_string("\\\n"), r"\5c \0a ");
        assert_eq!(css_string("ünï"), "ünï");
    }

    #[test]
    fn url_component_encodes_utf8_bytes_in_uppercase() {
        assert_eq!(url_component("~a-b._c"), "~a-b._c");
        assert_eq!(
            url_component("é/?#[]@!$&'()*+,;= %"),
            "%C3%A9%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%20%25"
        );
        assert_eq!(url_component("😀"), "%F0%9F%98%80");
    }

    #[test]
    fn long_inputs_cross_the_sixteen_byte_blocks() {
        let input = format!("{}<{}>", "a".repeat(31), "b".repeat(17));
        assert_eq!(
            html_text(&input),
            format!("{}&lt;{}&gt;", "a".repeat(31), "b".repeat(17))
        );
    }

    #[test]
    fn context_names_round_trip() {
        for name in ["html", "attr", "js", "url", "css"] {
            assert_eq!(name.parse::<Context>().map(Context::name), Ok(name));
        }
        assert_eq!("sql".parse::<Context>().map_err(|e| e.code()), Err("invalid_config"));
    }
}
