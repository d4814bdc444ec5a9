//! Properties of the sanitize module on generated input.
//!
//! - Each encoder's output holds none of its context's breakout characters and
//!   decodes (with a decoder written here from the documented escapes) back to the
//!   input; it is borrowed exactly when it equals the input.
//! - `safe_join` never leaves its base, on arbitrary strings and on paths built from
//!   traversal fragments; nor does any percent-decoding of what it accepted.
//! - An accepted redirect, resolved against the site as a browser would (the `url`
//!   crate is the WHATWG parser), stays on the site, also after percent-decoding.
//! - The HTML cleaner's output holds only allowlisted tags, attributes and link
//!   schemes, none of the dangerous markup, and cleaning it again changes nothing;
//!   also on tag soup of tables, nested links, paragraphs, headings, list items,
//!   formatting elements, `pre` and carriage returns, with the default, text-only,
//!   table and widened allowlists.
//! - `strip_controls` leaves none of the removed characters; identifier
//!   normalization is idempotent and within its bounds.
//!
//! 256 cases per property; well under a second in debug.
#![cfg(all(feature = "html", feature = "url"))]

use std::borrow::Cow;
use std::path::{Component, Path};

use portcullis::sanitize::encode;
use portcullis::sanitize::html::HtmlCleaner;
use portcullis::sanitize::path::safe_join;
use portcullis::sanitize::text::{IdentifierRules, strip_controls};
use portcullis::sanitize::url::RedirectFilter;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Arbitrary Unicode, printable ASCII, ASCII mixed with the characters that share a
/// UTF-8 lead byte with U+2028/U+2029 or are several bytes long, and text that most
/// encoders leave alone.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        "[\\x00-\\x7F\u{2028}\u{2029}€→é😀\u{85}\u{A0}]{0,40}",
        "[A-Za-z0-9 ,._~€→é😀-]{0,30}",
    ]
}

/// Concatenations of up to `max` pieces drawn from `pieces`.
fn built_from(pieces: &'static [&'static str], max: usize, separator: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pieces), 1..=max).prop_map(move |parts| parts.join(separator))
}

// ---- decoders, from the documented escapes -------------------------------------------

/// Replaces each of `references` by its character; `None` on any other `&`.
fn decode_references(encoded: &str, references: &[(&str, char)]) -> Option<String> {
    let mut out = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (reference, c) = references.iter().find(|(r, _)| rest.starts_with(r))?;
        out.push(*c);
        rest = &rest[reference.len()..];
    }
    out.push_str(rest);
    Some(out)
}

const HTML_TEXT_REFERENCES: &[(&str, char)] = &[
    ("&amp;", '&'),
    ("&lt;", '<'),
    ("&gt;", '>'),
    ("&quot;", '"'),
    ("&#x27;", '\''),
];

const HTML_ATTRIBUTE_REFERENCES: &[(&str, char)] = &[
    ("&amp;", '&'),
    ("&lt;", '<'),
    ("&gt;", '>'),
    ("&quot;", '"'),
    ("&#x27;", '\''),
    ("&#x60;", '`'),
];

fn hex_byte(digits: &str) -> Result<u8, String> {
    if digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        u8::from_str_radix(digits, 16).map_err(|e| e.to_string())
    } else {
        Err(format!("bad hex {digits:?}"))
    }
}

/// `\xHH` (ASCII only), `\u2028` and `\u2029`; any other backslash is an error.
fn decode_js(encoded: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = encoded.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let rest = &encoded[at + 1..];
        if let Some(hex) = rest.strip_prefix('x') {
            let byte = hex_byte(hex.get(..2).unwrap_or(hex))?;
            if !byte.is_ascii() {
                return Err(format!("\\x{byte:02x} is not ASCII"));
            }
            out.push(char::from(byte));
            chars.nth(2);
        } else if rest.starts_with("u2028") || rest.starts_with("u2029") {
            out.push(if rest.starts_with("u2028") {
                '\u{2028}'
            } else {
                '\u{2029}'
            });
            chars.nth(4);
        } else {
            return Err(format!("stray backslash at {at}"));
        }
    }
    Ok(out)
}

/// `%HH` (uppercase hex) to bytes; any other `%` is an error.
fn decode_percent(encoded: &str) -> Result<Vec<u8>, String> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let digits = encoded.get(i + 1..i + 3).ok_or("truncated escape")?;
            if digits.bytes().any(|b| b.is_ascii_lowercase()) {
                return Err(format!("lowercase hex {digits:?}"));
            }
            out.push(hex_byte(digits)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// CSS escapes as the encoder writes them: `\HH ` (two hex digits and a space).
fn decode_css(encoded: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = encoded;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at + 1..at + 4).ok_or("truncated escape")?;
        if !escape.ends_with(' ') {
            return Err(format!("escape {escape:?} does not end with a space"));
        }
        out.push(char::from(hex_byte(&escape[..2])?));
        rest = &rest[at + 4..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Percent-decodes every valid `%HH`, leaving anything else (as browsers and most
/// servers do); lossy on invalid UTF-8.
fn percent_decode_lossy(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match input.get(i + 1..i + 3).map(hex_byte) {
            Some(Ok(byte)) if bytes[i] == b'%' => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- encoders ---------------------------------------------------------------------------

fn borrowed_iff_unchanged(output: Cow<'_, str>, input: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        matches!(output, Cow::Borrowed(_)),
        output == input,
        "borrowed must mean unchanged: {:?} -> {:?}",
        input,
        output
    );
    Ok(())
}

proptest! {
    #[test]
    fn html_text_output_has_no_markup_characters_and_decodes_back(s in text()) {
        let out = encode::html_text(&s);
        prop_assert!(!out.contains(['<', '>', '"', '\'']), "{:?}", out);
        for (at, _) in out.match_indices('&') {
            prop_assert!(
                HTML_TEXT_REFERENCES.iter().any(|(r, _)| out[at..].starts_with(r)),
                "stray & at {} in {:?}", at, out
            );
        }
        prop_assert_eq!(decode_references(&out, HTML_TEXT_REFERENCES), Some(s.clone()));
        borrowed_iff_unchanged(out, &s)?;
    }

    #[test]
    fn html_attribute_output_cannot_end_a_quoted_value_and_decodes_back(s in text()) {
        let out = encode::html_attribute(&s);
        prop_assert!(!out.contains(['"', '\'', '`', '<', '>']), "{:?}", out);
        prop_assert_eq!(decode_references(&out, HTML_ATTRIBUTE_REFERENCES), Some(s.clone()));
        borrowed_iff_unchanged(out, &s)?;
    }

    #[test]
    fn js_string_output_cannot_end_a_literal_or_a_script_and_decodes_back(s in text()) {
        let out = encode::js_string(&s);
        prop_assert!(
            !out.contains(['\'', '"', '`', '<', '>', '&', '\n', '\r', '\u{2028}', '\u{2029}']),
            "{:?}", out
        );
        // decode_js refuses every backslash that does not start \xHH, \u2028 or \u2029.
        prop_assert_eq!(decode_js(&out), Ok(s.clone()));
    }

    #[test]
    fn js_string_is_borrowed_when_it_holds_no_character_sharing_the_separators_lead_byte(s in text()) {
        let out = encode::js_string(&s);
        if matches!(out, Cow::Borrowed(_)) {
            prop_assert_eq!(&out, &s);
        }
        if !s.chars().any(|c| ('\u{2000}'..='\u{2FFF}').contains(&c)) {
            borrowed_iff_unchanged(out, &s)?;
        }
    }

    #[test]
    fn url_component_output_is_unreserved_and_decodes_to_the_utf8_bytes(s in text()) {
        let out = encode::url_component(&s);
        prop_assert!(
            out.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{:?}", out
        );
        prop_assert_eq!(decode_percent(&out), Ok(s.as_bytes().to_vec()));
        borrowed_iff_unchanged(out, &s)?;
    }

    #[test]
    fn css_string_output_cannot_end_a_string_or_a_style_element_and_decodes_back(s in text()) {
        let out = encode::css_string(&s);
        prop_assert!(!out.contains(['"', '\'', '<', '>', '&', '\n', '\r', '\u{c}']), "{:?}", out);
        prop_assert_eq!(decode_css(&out), Ok(s.clone()));
        borrowed_iff_unchanged(out, &s)?;
    }
}

#[test]
fn js_string_is_borrowed_iff_unchanged() {
    proptest!(|(s in text())| {
        let out = encode::js_string(&s);
        borrowed_iff_unchanged(out, &s)?;
    });
}

// ---- path --------------------------------------------------------------------------------

const BASE: &str = "/srv/base";

const PATH_SEGMENTS: &[&str] = &[
    "..", ".", "a", "b", "%2e", "%2e%2e", "%2f", "%5c", "\\", "/", "C:", "%00", "...", "x y", "%25", "%252e", "",
];

/// Whatever `safe_join` accepts is `base` plus at least one normal component, and no
/// percent-decoding (up to three rounds) of the part after `base` holds a parent
/// segment or a forbidden character. (A decoded leading `/` is harmless there: it
/// follows `base/`.)
fn stays_inside_base(untrusted: &str) -> Result<(), TestCaseError> {
    let base = Path::new(BASE);
    let Ok(joined) = safe_join(base, untrusted) else {
        return Ok(());
    };
    prop_assert!(joined.starts_with(base), "{:?} -> {:?}", untrusted, joined);
    let rest = joined.strip_prefix(base).unwrap();
    let components: Vec<Component<'_>> = rest.components().collect();
    prop_assert!(!components.is_empty(), "{:?} -> {:?}", untrusted, joined);
    prop_assert!(
        components.iter().all(|c| matches!(c, Component::Normal(_))),
        "{:?} -> {:?}",
        untrusted,
        joined
    );
    let mut form = rest.to_str().unwrap().to_owned();
    for _ in 0..4 {
        prop_assert!(
            !form.contains(|c: char| c == '\\' || c == ':' || c.is_ascii_control()),
            "{:?} decodes to {:?}",
            untrusted,
            form
        );
        prop_assert!(
            !form
                .split('/')
                .any(|seg| seg.len() >= 2 && seg.bytes().all(|b| b == b'.')),
            "{:?} decodes to {:?}",
            untrusted,
            form
        );
        form = percent_decode_lossy(&form);
    }
    Ok(())
}

proptest! {
    #[test]
    fn safe_join_never_leaves_the_base_for_arbitrary_strings(s in text()) {
        stays_inside_base(&s)?;
    }

    #[test]
    fn safe_join_never_leaves_the_base_for_traversal_fragments(s in built_from(PATH_SEGMENTS, 8, "/")) {
        stays_inside_base(&s)?;
    }
}

// ---- redirects -----------------------------------------------------------------------------

const REDIRECT_PIECES: &[&str] = &[
    "/",
    "//",
    "\\",
    "%2f",
    "%2F",
    "%5c",
    "evil.example",
    "app.example",
    "https:",
    "http:",
    "javascript:",
    "@",
    "\t",
    "%09",
    ".",
    "..",
    "%252f",
    "%2e",
    ":443",
    ":8443",
    "?",
    "#",
    " ",
    "%20",
];

/// Fragments alone, and after the starts of the two accepted shapes (a path, also
/// with a dot segment; the allowed origin), where most of them would otherwise be
/// refused at once.
fn redirect_like() -> impl Strategy<Value = String> {
    let fragments = || built_from(REDIRECT_PIECES, 8, "");
    prop_oneof![
        fragments(),
        fragments().prop_map(|s| format!("/{s}")),
        fragments().prop_map(|s| format!("/a{s}")),
        fragments().prop_map(|s| format!("/./{s}")),
        fragments().prop_map(|s| format!("https://app.example{s}")),
    ]
}

/// An accepted target, resolved against the site as a browser resolves a `Location`,
/// is an https URL on `app.example` without credentials or another port. With
/// `decodings`, so is each of that many percent-decodings of it (a proxy that
/// decodes before redirecting), and the target passes the check again unchanged.
fn stays_on_site(target: &str, decodings: usize) -> Result<(), TestCaseError> {
    let policy = RedirectFilter::new().allow_host("app.example");
    let Ok(accepted) = policy.check(target) else {
        return Ok(());
    };
    if decodings > 0 {
        let again = policy.check(&accepted).map(Cow::into_owned);
        prop_assert_eq!(
            again,
            Ok(accepted.to_string()),
            "{:?} -> {:?} is not accepted again",
            target,
            accepted
        );
    }
    let site = url::Url::parse("https://app.example/").unwrap();
    let mut form = accepted.into_owned();
    for round in 0..=decodings {
        let resolved = site.join(&form);
        prop_assert!(resolved.is_ok(), "{:?} (decoded {} times) -> {:?}", target, round, form);
        let resolved = resolved.unwrap();
        prop_assert_eq!(resolved.scheme(), "https", "{:?} -> {:?} -> {}", target, form, resolved);
        prop_assert_eq!(
            resolved.host_str(),
            Some("app.example"),
            "{:?} -> {:?} -> {}",
            target,
            form,
            resolved
        );
        prop_assert_eq!(resolved.port(), None, "{:?} -> {:?} -> {}", target, form, resolved);
        prop_assert!(resolved.username().is_empty() && resolved.password().is_none());
        form = percent_decode_lossy(&form);
    }
    Ok(())
}

proptest! {
    #[test]
    fn accepted_redirects_stay_on_the_site_for_arbitrary_strings(s in text()) {
        stays_on_site(&s, 0)?;
    }

    #[test]
    fn accepted_redirects_stay_on_the_site_for_open_redirect_fragments(s in redirect_like()) {
        stays_on_site(&s, 0)?;
    }
}

#[test]
fn accepted_redirects_stay_on_the_site_after_percent_decoding() {
    proptest!(|(s in redirect_like())| {
        stays_on_site(&s, 3)?;
    });
}

// ---- html ------------------------------------------------------------------------------------

const HTML_PIECES: &[&str] = &[
    "<script>",
    "</script>",
    "<img onerror=",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:",
    "<a href='JaVaScRiPt:",
    "<a href=\"https://app.example/\">",
    "</a>",
    "<svg>",
    "<svg/onload=alert(1)>",
    "</svg>",
    "<style>",
    "</style>",
    "<iframe>",
    "<math>",
    "<b>",
    "</b>",
    "<p>",
    "<ul><li>",
    "<!--",
    "-->",
    "</",
    "\"",
    "'",
    "=",
    ">",
    " ",
    "text",
    "&lt;",
];

/// Default tags, and the attributes allowed on each (`rel` is the cleaner's own).
const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "u",
    "ul",
    "var",
];

fn attribute_allowed(tag: &str, attribute: &str) -> bool {
    matches!(
        (tag, attribute),
        ("a", "href" | "title" | "rel") | ("abbr", "title") | ("ol", "start")
    )
}

/// Reads serializer output: tags with double-quoted attribute values, and text in
/// which `<` and `>` are always escaped. Checks every tag and attribute against the
/// default allowlist and every `href` against the scheme allowlist.
fn check_markup(html: &str) -> Result<(), String> {
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return Err(format!("raw > in text at {i}")),
            b'<' => {}
            _ => {
                i += 1;
                continue;
            }
        }
        i += 1;
        let closing = bytes.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let tag = &html[start..i];
        if !ALLOWED_TAGS.contains(&tag) {
            return Err(format!("tag {tag:?} is not allowed"));
        }
        loop {
            match bytes.get(i) {
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(b' ') if !closing => i += 1,
                Some(_) if !closing => {
                    let start = i;
                    while i < bytes.len() && !b"= >".contains(&bytes[i]) {
                        i += 1;
                    }
                    let name = &html[start..i];
                    if !attribute_allowed(tag, name) {
                        return Err(format!("attribute {name:?} on {tag:?} is not allowed"));
                    }
                    if bytes.get(i) != Some(&b'=') || bytes.get(i + 1) != Some(&b'"') {
                        return Err(format!("attribute {name:?} has no quoted value"));
                    }
                    let value_start = i + 2;
                    let value_len = html[value_start..].find('"').ok_or("unterminated attribute value")?;
                    let value = &html[value_start..value_start + value_len];
                    if name == "href" {
                        let scheme = url::Url::parse(&value.replace("&amp;", "&")).map_err(|e| e.to_string())?;
                        if !["http", "https", "mailto"].contains(&scheme.scheme()) {
                            return Err(format!("href scheme {:?}", scheme.scheme()));
                        }
                    }
                    i = value_start + value_len + 1;
                }
                other => return Err(format!("unexpected {other:?} in tag {tag:?}")),
            }
        }
    }
    Ok(())
}

#[test]
fn the_oracles_refuse_known_bad_output() {
    assert!(check_markup("<script>alert(1)</script>").is_err());
    assert!(check_markup(r#"<a href="javascript:alert(1)">x</a>"#).is_err());
    assert!(check_markup(r#"<b onclick="x()">x</b>"#).is_err());
    assert!(check_markup(r#"<a href="/relative">x</a>"#).is_err());
    assert!(check_markup("a > b").is_err());
    assert_eq!(
        check_markup(
            r#"<a href="https://x.example/?a=1&amp;b=2" rel="n">x &lt; y</a><ol start="2"><li>i</li></ol><br>"#
        ),
        Ok(())
    );
    assert_eq!(decode_js(r"\x3c\u2028a"), Ok("<\u{2028}a".to_owned()));
    assert!(decode_js(r"\q").is_err());
    assert!(decode_js(r"\xe9").is_err());
    assert_eq!(decode_css(r"\3c a\20 "), Ok("<a ".to_owned()));
    assert!(decode_css(r"\3ca").is_err());
    assert_eq!(decode_percent("%C3%BCa"), Ok("üa".as_bytes().to_vec()));
    assert!(decode_percent("%c3%bc").is_err());
    assert_eq!(decode_references("&lt;&#x60;", HTML_TEXT_REFERENCES), None);
}

fn cleaned_safely(dirty: &str) -> Result<(), TestCaseError> {
    let cleaner = HtmlCleaner::new();
    let clean = cleaner.clean(dirty).unwrap();
    let lower = clean.to_ascii_lowercase();
    for needle in [
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "<svg",
        "<style",
        "<iframe",
        "<math",
        "<img",
    ] {
        prop_assert!(!lower.contains(needle), "{:?} -> {:?} holds {}", dirty, clean, needle);
    }
    if let Err(problem) = check_markup(&clean) {
        return Err(TestCaseError::fail(format!("{dirty:?} -> {clean:?}: {problem}")));
    }
    prop_assert_eq!(cleaner.clean(&clean).unwrap(), clean, "not idempotent for {:?}", dirty);
    Ok(())
}

proptest! {
    #[test]
    fn cleaned_html_holds_only_allowed_markup_and_is_stable_for_arbitrary_strings(s in text()) {
        cleaned_safely(&s)?;
    }

    #[test]
    fn cleaned_html_holds_only_allowed_markup_and_is_stable_for_attack_fragments(s in built_from(HTML_PIECES, 12, "")) {
        cleaned_safely(&s)?;
    }
}

/// Tag soup of the shapes the parser reshapes: tables and markers that nest a link
/// in a link, blocks the cleaner unwraps between paragraphs, headings and list
/// items, formatting elements misnested across blocks, `pre` and its line feeds,
/// carriage returns.
const SOUP_PIECES: &[&str] = &[
    "<a>",
    "<a href=\"https://e.x/\">",
    "</a>",
    "<table>",
    "</table>",
    "<tr>",
    "<td>",
    "</td>",
    "<th>",
    "<caption>",
    "<tbody>",
    "<col>",
    "<p>",
    "</p>",
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    "<em>",
    "<nobr>",
    "<s>",
    "</s>",
    "<div>",
    "</div>",
    "<span>",
    "</span>",
    "<foo>",
    "</foo>",
    "<h1>",
    "</h1>",
    "<h2>",
    "<ul>",
    "</ul>",
    "<ol>",
    "<li>",
    "</li>",
    "<dl>",
    "<dd>",
    "<dt>",
    "<button>",
    "</button>",
    "<marquee>",
    "</marquee>",
    "<object>",
    "<applet>",
    "<select>",
    "<option>",
    "<template>",
    "<svg>",
    "<form>",
    "</form>",
    "<blockquote>",
    "<pre>",
    "</pre>",
    "\n",
    "\n\n",
    "&#13;",
    "&#13;&#10;",
    "<br>",
    "</br>",
    "<hr>",
    "<code>",
    "<figure>",
    "<section>",
    "x",
    " ",
    "<abbr title=\"t&#13;\">",
];

fn idempotent(cleaner: &HtmlCleaner, dirty: &str) -> Result<(), TestCaseError> {
    if let Ok(clean) = cleaner.clean(dirty) {
        prop_assert_eq!(
            cleaner.clean(&clean),
            Ok(clean.clone()),
            "not a fixed point for {:?}",
            dirty
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn cleaning_is_idempotent_on_tag_soup(s in built_from(SOUP_PIECES, 30, "")) {
        let tables = HtmlCleaner::builder()
            .add_tags(["table", "thead", "tbody", "tr", "th", "td", "caption", "div"])
            .build()
            .unwrap();
        let widened = HtmlCleaner::builder().add_tags(["div", "figure", "section", "cite"]).build().unwrap();
        for cleaner in [HtmlCleaner::new(), HtmlCleaner::text_only(), tables, widened] {
            idempotent(&cleaner, &s)?;
        }
    }
}

#[test]
fn a_link_nested_through_a_table_cleans_to_a_fixed_point() {
    let cleaner = HtmlCleaner::new();
    let clean = cleaner.clean("<a><table><a>").unwrap();
    assert_eq!(
        clean,
        r#"<a rel="noopener noreferrer nofollow"></a><a rel="noopener noreferrer nofollow"></a>"#
    );
    assert_eq!(cleaner.clean(&clean), Ok(clean));
}

// ---- text --------------------------------------------------------------------------------------

/// The characters `strip_controls` documents as removed.
fn is_removed(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{B}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{061C}' | '\u{200B}' | '\u{200E}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{E0000}'..='\u{E007F}')
}

/// Letters that case folding, NFKC or both change: fullwidth, ligatures, sharp s,
/// sigmas, dotted and dotless i, Cherokee, combining marks, Latin-1.
fn identifier_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_.ßẞςσΣİıＡ-Ｚａ-ｚﬀ-ﬆ①™㎏ǄǅǆK\u{300}-\u{36F}\u{345}ᏸ-ᏽꭰ-ꮿÀ-ÿ\u{200B}\u{AD} ]{1,70}",
    ]
}

proptest! {
    #[test]
    fn strip_controls_leaves_no_removed_character(s in text()) {
        let out = strip_controls(&s);
        prop_assert!(!out.chars().any(is_removed), "{:?} -> {:?}", s, out);
        let kept: String = s.chars().filter(|c| !is_removed(*c)).collect();
        prop_assert_eq!(&out, &kept);
        borrowed_iff_unchanged(out, &s)?;
    }

    #[test]
    fn identifier_normalization_is_idempotent_and_within_bounds(s in identifier_like()) {
        let rules = IdentifierRules::default();
        if let Ok(once) = rules.normalize(&s) {
            prop_assert!((1..=64).contains(&once.chars().count()), "{:?} -> {:?}", s, once);
            prop_assert_eq!(rules.normalize(&once), Ok(once.clone()), "{:?}", s);
        }
    }
}
