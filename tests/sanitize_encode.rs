//! `sanitize::encode`'s public behaviour: the exact output of each context's encoder
//! (HTML text and attribute, JavaScript string, URL component, CSS string), and
//! `Context`'s names and dispatch.

use std::borrow::Cow;

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::encode::{self, Context};

fn is_borrowed(cow: Cow<'_, str>) -> bool {
    matches!(cow, Cow::Borrowed(_))
}

// ---- encode: html_text ------------------------------------------------------------

#[test]
fn html_text_encodes_a_script_tag_and_quotes() {
    assert_eq!(
        encode::html_text("<script>alert('x')</script>"),
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    );
    assert_eq!(
        encode::html_text(r#"" onmouseover="alert(1)"#),
        "&quot; onmouseover=&quot;alert(1)"
    );
}

#[test]
fn html_text_encodes_an_existing_reference_again() {
    assert_eq!(encode::html_text("&amp; &lt;"), "&amp;amp; &amp;lt;");
}

#[test]
fn html_text_leaves_backtick_slash_equals_and_non_ascii_alone() {
    assert_eq!(encode::html_text("`/= ünï 😀 \u{2028}"), "`/= ünï 😀 \u{2028}");
    assert!(is_borrowed(encode::html_text("`/= ünï 😀 \u{2028}")));
}

#[test]
fn html_text_keeps_multi_byte_characters_around_an_encoding() {
    assert_eq!(encode::html_text("😀<é>😀"), "😀&lt;é&gt;😀");
}

#[test]
fn html_text_is_borrowed_when_nothing_changes() {
    assert!(is_borrowed(encode::html_text("plain words, 100% safe")));
    assert!(is_borrowed(encode::html_text("")));
    assert!(!is_borrowed(encode::html_text("a&b")));
}

// ---- encode: html_attribute -------------------------------------------------------

#[test]
fn html_attribute_keeps_a_double_quoted_value_closed() {
    assert_eq!(
        encode::html_attribute(r#"" onmouseover="alert(1)"#),
        "&quot; onmouseover=&quot;alert(1)"
    );
}

#[test]
fn html_attribute_keeps_a_single_quoted_value_closed() {
    assert_eq!(
        encode::html_attribute("' onfocus='alert(1)' autofocus x='"),
        "&#x27; onfocus=&#x27;alert(1)&#x27; autofocus x=&#x27;"
    );
}

#[test]
fn html_attribute_encodes_the_backtick_and_tag_delimiters() {
    assert_eq!(encode::html_attribute("`<img>`&"), "&#x60;&lt;img&gt;&#x60;&amp;");
}

#[test]
fn html_attribute_passes_non_ascii_and_is_borrowed_when_clean() {
    assert_eq!(encode::html_attribute("Zoë's"), "Zoë&#x27;s");
    assert!(is_borrowed(encode::html_attribute("Zoë 😀 ok")));
}

// ---- encode: js_string ------------------------------------------------------------

#[test]
fn js_string_cannot_close_the_script_element() {
    assert_eq!(
        encode::js_string("</script><script>alert(1)</script>"),
        r"\x3c\x2fscript\x3e\x3cscript\x3ealert\x281\x29\x3c\x2fscript\x3e"
    );
}

#[test]
fn js_string_escapes_quotes_backtick_backslash_and_template_dollar() {
    assert_eq!(encode::js_string(r#"'"`\${x}"#), r"\x27\x22\x60\x5c\x24\x7bx\x7d");
}

#[test]
fn js_string_escapes_ascii_line_terminators_and_nul() {
    assert_eq!(encode::js_string("a\nb\rc\0d"), r"a\x0ab\x0dc\x00d");
}

#[test]
fn js_string_escapes_unicode_line_and_paragraph_separators() {
    assert_eq!(encode::js_string("a\u{2028}b\u{2029}c"), r"a\u2028b\u2029c");
}

#[test]
fn js_string_passes_other_non_ascii_whole() {
    // '€' (E2 82 AC) and '→' (E2 86 92) share U+2028's lead byte and pass unchanged.
    assert_eq!(encode::js_string("€ → 😀 ünï"), "€ → 😀 ünï");
    assert_eq!(encode::js_string("😀'€"), r"😀\x27€");
    assert!(is_borrowed(encode::js_string("😀 ünï")));
}

#[test]
fn js_string_is_borrowed_for_unchanged_text_sharing_the_separators_lead_byte() {
    // The module promises the input back borrowed "when nothing in it needs changing".
    assert!(is_borrowed(encode::js_string("€")));
    assert!(is_borrowed(encode::js_string("a → b")));
}

#[test]
fn js_string_keeps_letters_digits_space_comma_dot_dash_underscore() {
    assert!(is_borrowed(encode::js_string("Abc 123, x.y-z_w")));
    assert_eq!(encode::js_string("a;b"), r"a\x3bb");
}

#[test]
fn js_string_encodes_html_attribute_significant_characters() {
    assert_eq!(encode::js_string("&quot;"), r"\x26quot\x3b");
}

// ---- encode: url_component --------------------------------------------------------

#[test]
fn url_component_encodes_reserved_characters_in_uppercase_hex() {
    assert_eq!(
        encode::url_component("a b&c=d/e?f#g+h%"),
        "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25"
    );
}

#[test]
fn url_component_encodes_non_ascii_as_its_utf8_bytes() {
    assert_eq!(encode::url_component("ü"), "%C3%BC");
    assert_eq!(encode::url_component("€"), "%E2%82%AC");
    assert_eq!(encode::url_component("😀"), "%F0%9F%98%80");
    assert_eq!(encode::url_component("\u{2028}"), "%E2%80%A8");
}

#[test]
fn url_component_cannot_inject_a_scheme_or_a_parameter() {
    assert_eq!(
        encode::url_component("javascript:alert(1)"),
        "javascript%3Aalert%281%29"
    );
    assert_eq!(encode::url_component("x&admin=1"), "x%26admin%3D1");
}

#[test]
fn url_component_keeps_the_unreserved_characters() {
    assert!(is_borrowed(encode::url_component("AZaz09-._~")));
    assert_eq!(encode::url_component("!*'()"), "%21%2A%27%28%29");
}

// ---- encode: css_string -----------------------------------------------------------

#[test]
fn css_string_cannot_close_the_style_element() {
    assert_eq!(
        encode::css_string("</style><script>"),
        r"\3c \2f style\3e \3c script\3e "
    );
}

#[test]
fn css_string_cannot_end_the_string_or_the_rule() {
    assert_eq!(encode::css_string(r#"";}"#), r"\22 \3b \7d ");
    assert_eq!(encode::css_string("'"), r"\27 ");
    assert_eq!(encode::css_string("a\\b\nc"), r"a\5c b\0a c");
}

#[test]
fn css_string_escape_ends_with_a_space_so_a_following_hex_digit_is_not_absorbed() {
    assert_eq!(encode::css_string("(a)"), r"\28 a\29 ");
}

#[test]
fn css_string_passes_non_ascii_and_is_borrowed_when_clean() {
    assert!(is_borrowed(encode::css_string("Zoë 😀 a,b.c-d_e")));
    assert_eq!(encode::css_string("😀:"), r"😀\3a ");
}

// ---- encode: Context --------------------------------------------------------------

#[test]
fn context_parses_each_short_name() {
    let parsed: Vec<Context> = ["html", "attr", "js", "url", "css"]
        .iter()
        .map(|name| name.parse().unwrap())
        .collect();
    assert_eq!(
        parsed,
        [
            Context::HtmlText,
            Context::HtmlAttribute,
            Context::JsString,
            Context::UrlComponent,
            Context::CssString
        ]
    );
    for context in parsed {
        assert_eq!(context.name().parse::<Context>(), Ok(context));
    }
}

#[test]
fn context_refuses_unknown_and_differently_spelled_names() {
    for bad in ["", "HTML", " html", "html ", "sql", "javascript", "text"] {
        assert_eq!(
            bad.parse::<Context>(),
            Err(SanitizeError::InvalidConfig(
                "unknown encoding context (expected html, attr, js, url or css)".into()
            )),
            "{bad:?}"
        );
    }
}

#[test]
fn context_dispatches_to_its_encoder() {
    let input = "<a href='x'>`é`</a>";
    assert_eq!(Context::HtmlText.encode(input), encode::html_text(input));
    assert_eq!(Context::HtmlAttribute.encode(input), encode::html_attribute(input));
    assert_eq!(Context::JsString.encode(input), encode::js_string(input));
    assert_eq!(Context::UrlComponent.encode(input), encode::url_component(input));
    assert_eq!(Context::CssString.encode(input), encode::css_string(input));
    assert_eq!(Context::HtmlAttribute.encode("`"), "&#x60;");
    assert_eq!(Context::HtmlText.encode("`"), "`");
}

/// The HTML encoders against a plain one-reference-per-character encoder, on
/// strings that cross 16-byte block boundaries, grow the output past its first
/// allocation (all escapes: up to six bytes each) and mix in multi-byte characters.
#[test]
fn html_encoders_match_a_plain_reference_across_blocks_and_growth() {
    fn plain(input: &str, attribute: bool) -> String {
        input
            .chars()
            .map(|c| match c {
                '&' => "&amp;".to_owned(),
                '<' => "&lt;".to_owned(),
                '>' => "&gt;".to_owned(),
                '"' => "&quot;".to_owned(),
                '\'' => "&#x27;".to_owned(),
                '`' if attribute => "&#x60;".to_owned(),
                c => c.to_string(),
            })
            .collect()
    }
    let pieces = ["a", "<", "'", "é", "`", "\"", "&", "€x", "bb", ">", "😀"];
    for len in 0..70 {
        for shift in 0..pieces.len() {
            let input: String = (0..len).map(|i| pieces[(i * 7 + shift) % pieces.len()]).collect();
            assert_eq!(encode::html_text(&input), plain(&input, false), "{input:?}");
            assert_eq!(encode::html_attribute(&input), plain(&input, true), "{input:?}");
        }
    }
    for input in [
        "<".repeat(5000),
        "'".repeat(4099),
        format!("{}{}", "x".repeat(100), "\"".repeat(3000)),
    ] {
        assert_eq!(encode::html_text(&input), plain(&input, false));
        assert_eq!(encode::html_attribute(&input), plain(&input, true));
    }
}
