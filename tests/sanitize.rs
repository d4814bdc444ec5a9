//! The sanitize module's public behaviour, one function at a time: exact encoder
//! output, the HTML cleaner's allowlist and its builder's refusals, URL and redirect
//! checks against the usual open-redirect payloads, SQL helpers, path joining
//! (textual and through symbolic links), header checks, text normalization, and the
//! error type's codes and messages.
#![cfg(all(feature = "html", feature = "url"))]

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::encode::{self, Context};
use portcullis::sanitize::header::{
    MAX_HEADER_NAME_BYTES, MAX_HEADER_VALUE_BYTES, check_header_name, check_header_value,
};
use portcullis::sanitize::html::{
    DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_TAGS, HtmlCleaner, MAX_INPUT_BYTES_LIMIT,
    MAX_TAGS_LIMIT,
};
use portcullis::sanitize::path::{MAX_PATH_BYTES, safe_join, safe_join_resolved};
use portcullis::sanitize::sql::{
    Dialect, Identifier, LIKE_ESCAPE, MAX_IDENTIFIER_BYTES, SortOrder, escape_like, like_contains, like_prefix,
    like_suffix,
};
use portcullis::sanitize::text::{IdentifierRules, MAX_IDENTIFIER_CHARS, check_length, strip_controls};
use portcullis::sanitize::url::{MAX_URL_BYTES, RedirectPolicy, UrlPolicy};

fn is_borrowed(cow: Cow<'_, str>) -> bool {
    matches!(cow, Cow::Borrowed(_))
}

/// What every link the cleaner keeps is marked with.
const REL: &str = r#"rel="noopener noreferrer nofollow""#;

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
            Err(SanitizeError::InvalidConfiguration(
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

// ---- html: removed with content ---------------------------------------------------

#[test]
fn cleaner_removes_raw_text_and_foreign_elements_with_their_content() {
    let cleaner = HtmlCleaner::new();
    for (dirty, clean) in [
        ("a<script>alert(1)</script>b", "ab"),
        ("a<script src=\"https://evil.example/x.js\"></script>b", "ab"),
        ("a<style>body{background:url(//evil.example)}</style>b", "ab"),
        ("a<iframe src=\"https://evil.example\">inner</iframe>b", "ab"),
        ("a<svg><g onload=alert(1)>t</g></svg>b", "ab"),
        ("a<math><mi>x</mi></math>b", "ab"),
        ("a<noscript><p>n</p></noscript>b", "ab"),
        ("a<template><b>t</b></template>b", "ab"),
        ("a<object data=x>o</object>b", "ab"),
        ("a<xmp><b>x</b></xmp>b", "ab"),
        ("a<noembed>n</noembed>b", "ab"),
    ] {
        assert_eq!(cleaner.clean(dirty).unwrap(), clean, "{dirty}");
    }
}

#[test]
fn cleaner_removes_an_unclosed_script_and_everything_after_it() {
    assert_eq!(HtmlCleaner::new().clean("ok<script>alert(1)<b>bold</b>").unwrap(), "ok");
}

#[test]
fn cleaner_removes_unknown_tags_but_keeps_their_text() {
    assert_eq!(
        HtmlCleaner::new()
            .clean("<div><span>a</span><img src=x><video>v</video></div>")
            .unwrap(),
        "<span>a</span>v"
    );
}

// ---- html: attributes ---------------------------------------------------------------

#[test]
fn cleaner_drops_event_handler_attributes() {
    let cleaner = HtmlCleaner::new();
    assert_eq!(
        cleaner
            .clean(r#"<b onclick="x()" onmouseover=y ONFOCUS="z">bold</b>"#)
            .unwrap(),
        "<b>bold</b>"
    );
    assert_eq!(cleaner.clean("<img src=x onerror=alert(1)>").unwrap(), "");
    assert_eq!(
        cleaner
            .clean(r#"<a href="https://example.com/" onclick="steal()">x</a>"#)
            .unwrap(),
        format!(r#"<a href="https://example.com/" {REL}>x</a>"#)
    );
}

#[test]
fn cleaner_drops_style_class_and_id_attributes() {
    assert_eq!(
        HtmlCleaner::new()
            .clean(r#"<p style="background:url(javascript:alert(1))" class="c" id="i">x</p>"#)
            .unwrap(),
        "<p>x</p>"
    );
}

#[test]
fn cleaner_keeps_title_only_on_a_and_abbr_and_lang_nowhere() {
    // ammonia's own defaults allow `title` and `lang` on every tag (its generic
    // attributes); the documented allowlist has `title` on `a` and `abbr` only.
    let cleaner = HtmlCleaner::new();
    assert_eq!(
        cleaner
            .clean(r#"<p title="t" lang="en">p</p><b title="t">b</b><span lang="fr" dir="rtl">s</span>"#)
            .unwrap(),
        "<p>p</p><b>b</b><span>s</span>"
    );
    assert_eq!(
        cleaner.clean(r#"<abbr title="t" lang="en">a</abbr>"#).unwrap(),
        r#"<abbr title="t">a</abbr>"#
    );
    assert_eq!(
        cleaner
            .clean(r#"<a href="https://example.com/" title="t" lang="en">x</a>"#)
            .unwrap(),
        format!(r#"<a href="https://example.com/" title="t" {REL}>x</a>"#)
    );
}

#[test]
fn cleaner_keeps_no_attribute_on_a_tag_the_builder_added_without_attributes() {
    let cleaner = HtmlCleaner::builder().add_tags(["figure"]).build().unwrap();
    assert_eq!(
        cleaner
            .clean(r#"<figure title="t" lang="en" data-x="1" aria-label="l" class="c">x</figure>"#)
            .unwrap(),
        "<figure>x</figure>"
    );
}

#[test]
fn cleaner_replaces_a_supplied_rel_and_drops_target() {
    assert_eq!(
        HtmlCleaner::new()
            .clean(r#"<a href="https://example.com" rel="opener" target="_blank">x</a>"#)
            .unwrap(),
        format!(r#"<a href="https://example.com" {REL}>x</a>"#)
    );
}

// ---- html: link schemes -------------------------------------------------------------

#[test]
fn cleaner_drops_script_urls_in_every_spelling() {
    let cleaner = HtmlCleaner::new();
    for href in [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java&#x09;script:alert(1)",
        "java\tscript:alert(1)",
        "jav&#x0A;ascript:alert(1)",
        "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
        "&#x6A;avascript:alert(1)",
        "javascript&colon;alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    ] {
        let dirty = format!(r#"<a href="{href}">x</a>"#);
        assert_eq!(cleaner.clean(&dirty).unwrap(), format!("<a {REL}>x</a>"), "{href}");
    }
}

#[test]
fn cleaner_keeps_http_https_and_mailto_links_with_rel() {
    let cleaner = HtmlCleaner::new();
    assert_eq!(
        cleaner.clean(r#"<a href="http://example.com/a">x</a>"#).unwrap(),
        format!(r#"<a href="http://example.com/a" {REL}>x</a>"#)
    );
    assert_eq!(
        cleaner
            .clean(r#"<a href="https://example.com/a?b=1&c=2" title="t">x</a>"#)
            .unwrap(),
        format!(r#"<a href="https://example.com/a?b=1&amp;c=2" title="t" {REL}>x</a>"#)
    );
    assert_eq!(
        cleaner.clean(r#"<a href="mailto:ann@example.com">x</a>"#).unwrap(),
        format!(r#"<a href="mailto:ann@example.com" {REL}>x</a>"#)
    );
}

#[test]
fn cleaner_drops_relative_urls_by_default() {
    let cleaner = HtmlCleaner::new();
    for href in ["/orders/7", "#top", "orders", "?page=2", "//evil.example/"] {
        let dirty = format!(r#"<a href="{href}">x</a>"#);
        assert_eq!(cleaner.clean(&dirty).unwrap(), format!("<a {REL}>x</a>"), "{href}");
    }
}

#[test]
fn cleaner_keeps_relative_urls_when_allowed() {
    let cleaner = HtmlCleaner::builder().allow_relative_urls(true).build().unwrap();
    for href in ["/orders/7", "#top", "orders", "?page=2"] {
        let dirty = format!(r#"<a href="{href}">x</a>"#);
        assert_eq!(
            cleaner.clean(&dirty).unwrap(),
            format!(r#"<a href="{href}" {REL}>x</a>"#),
            "{href}"
        );
    }
    assert_eq!(
        cleaner.clean(r#"<a href="javascript:alert(1)">x</a>"#).unwrap(),
        format!("<a {REL}>x</a>")
    );
}

#[test]
fn allowed_relative_urls_do_not_include_scheme_relative_ones() {
    // The builder documents relative URLs as able to "point anywhere on your own
    // site"; a scheme-relative URL (or its backslash spellings) points to another.
    let cleaner = HtmlCleaner::builder().allow_relative_urls(true).build().unwrap();
    for href in ["//evil.example/", "/\\evil.example/", "\\\\evil.example/"] {
        let dirty = format!(r#"<a href="{href}">x</a>"#);
        assert_eq!(cleaner.clean(&dirty).unwrap(), format!("<a {REL}>x</a>"), "{href}");
    }
}

// ---- html: forms, comments, benign markup -------------------------------------------

#[test]
fn cleaner_removes_form_controls_and_keeps_their_text() {
    assert_eq!(
        HtmlCleaner::new()
            .clean(r#"<form action="/x"><input name=a value=v><button>Go</button>text</form>"#)
            .unwrap(),
        "Gotext"
    );
    assert_eq!(
        HtmlCleaner::new()
            .clean("<select><option>o</option></select><textarea>t</textarea>")
            .unwrap(),
        "ot"
    );
}

#[test]
fn cleaner_removes_comments() {
    let cleaner = HtmlCleaner::new();
    assert_eq!(cleaner.clean("a<!-- secret -->b").unwrap(), "ab");
    assert_eq!(
        cleaner
            .clean("a<!--[if IE]><script>alert(1)</script><![endif]-->b")
            .unwrap(),
        "ab"
    );
}

#[test]
fn cleaner_keeps_benign_formatting_exactly() {
    let cleaner = HtmlCleaner::new();
    for html in [
        "<b>b</b><i>i</i><em>e</em><strong>s</strong>",
        "<p>para</p><blockquote>quoted</blockquote>",
        "<ul><li>one</li><li>two</li></ul><ol start=\"3\"><li>three</li></ol>",
        "<pre><code>if a &lt; b &amp;&amp; c &gt; d {}</code></pre>",
        "<h1>t</h1><hr><br><del>d</del><ins>i</ins><sub>1</sub><sup>2</sup>",
        "<abbr title=\"HyperText\">HTML</abbr>",
    ] {
        assert_eq!(cleaner.clean(html).unwrap(), html);
    }
}

#[test]
fn cleaner_escapes_text_and_closes_open_tags() {
    let cleaner = HtmlCleaner::new();
    assert_eq!(cleaner.clean("5 < 6 & 7 > 2").unwrap(), "5 &lt; 6 &amp; 7 &gt; 2");
    assert_eq!(
        cleaner.clean("<b>unclosed <i>tags").unwrap(),
        "<b>unclosed <i>tags</i></b>"
    );
}

// ---- html: text_only ---------------------------------------------------------------

#[test]
fn text_only_strips_all_markup_and_keeps_escaped_text() {
    let cleaner = HtmlCleaner::text_only();
    assert_eq!(cleaner.clean("<i>5 < 6</i> & <b>7</b>").unwrap(), "5 &lt; 6 &amp; 7");
    assert_eq!(
        cleaner
            .clean(r#"<p>Hello <a href="https://example.com">world</a></p>"#)
            .unwrap(),
        "Hello world"
    );
    assert_eq!(cleaner.clean("&lt;script&gt;").unwrap(), "&lt;script&gt;");
}

#[test]
fn text_only_drops_script_content_rather_than_keeping_it_as_text() {
    assert_eq!(
        HtmlCleaner::text_only()
            .clean("<p>Hello<script>steal()</script><style>*{}</style></p>")
            .unwrap(),
        "Hello"
    );
}

// ---- html: size limit --------------------------------------------------------------

#[test]
fn cleaner_accepts_input_exactly_at_the_default_limit_and_refuses_one_byte_more() {
    let cleaner = HtmlCleaner::new();
    assert_eq!(cleaner.max_input_bytes(), DEFAULT_MAX_INPUT_BYTES);
    let at_limit = "x".repeat(DEFAULT_MAX_INPUT_BYTES);
    assert_eq!(cleaner.clean(&at_limit).unwrap(), at_limit);
    assert_eq!(
        cleaner.clean(&"x".repeat(DEFAULT_MAX_INPUT_BYTES + 1)),
        Err(SanitizeError::TooLarge {
            limit: DEFAULT_MAX_INPUT_BYTES
        })
    );
}

#[test]
fn cleaner_refuses_more_attributes_than_its_limit_before_parsing() {
    // 4,096 <b> tags with 16 distinct attributes each took html5ever 23 s.
    let mut formatting = String::new();
    for i in 0..4096 {
        formatting.push_str(&format!("<b x={i} a b c d e f g h i j k l m n o>"));
    }
    let cleaner = HtmlCleaner::builder().max_tags(MAX_TAGS_LIMIT).build().unwrap();
    assert_eq!(
        cleaner.clean(&formatting).unwrap_err(),
        SanitizeError::TooManyAttributes {
            limit: DEFAULT_MAX_ATTRIBUTES
        }
    );
    // One tag with 260,000 attributes (1 MB) took 17 s.
    let wide = format!("<b{}>x</b>", " ab".repeat(260_000));
    assert_eq!(
        HtmlCleaner::new().clean(&wide).unwrap_err().code(),
        "too_many_attributes"
    );
    // A `>` hidden in quotes does not hide the attributes after it.
    let hidden = format!(r#"<b t=">"{}>x</b>"#, " a".repeat(DEFAULT_MAX_ATTRIBUTES));
    assert_eq!(
        HtmlCleaner::new().clean(&hidden).unwrap_err().code(),
        "too_many_attributes"
    );
    // Exactly at the limit is cleaned.
    let at_limit = format!("<a href=/ {}>x</a>", "t ".repeat(DEFAULT_MAX_ATTRIBUTES - 1));
    assert!(HtmlCleaner::new().clean(&at_limit).is_ok());
}

#[test]
fn builder_refuses_url_attributes_ammonia_does_not_check_and_dom_clobbering_names() {
    for attribute in [
        "srcset",
        "imagesrcset",
        "cite",
        "longdesc",
        "usemap",
        "id",
        "name",
        "form",
    ] {
        let err = HtmlCleaner::builder()
            .add_tag_attributes("img", [attribute])
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "invalid_configuration", "{attribute}");
    }
}

#[test]
fn cleaner_refuses_more_tags_than_its_limit_before_parsing() {
    // 150,000 nested <div>s took html5ever 150 s to build into a tree; refused
    // without parsing, this returns at once.
    let deep = "<div>".repeat(150_000);
    let err = HtmlCleaner::builder()
        .max_input_bytes(1 << 20)
        .build()
        .unwrap()
        .clean(&deep)
        .unwrap_err();
    assert_eq!(
        err,
        SanitizeError::TooManyTags {
            limit: DEFAULT_MAX_TAGS
        }
    );
    assert_eq!(err.to_string(), "HTML has more than 4096 tags");

    let cleaner = HtmlCleaner::new();
    assert_eq!(
        cleaner.clean(&"<b>x</b>".repeat(2048)).map(|out| out.len()),
        Ok(8 * 2048)
    );
    assert_eq!(
        cleaner
            .clean(&format!("{}<b>", "<b>x</b>".repeat(2048)))
            .unwrap_err()
            .code(),
        "too_many_tags"
    );
    // Comments, end tags and processing instructions count; lone `<` does not.
    assert_eq!(
        cleaner.clean(&"<!---->".repeat(4097)).unwrap_err().code(),
        "too_many_tags"
    );
    assert_eq!(
        cleaner.clean(&"1 < 2 ".repeat(10_000)).map(|out| out.len()),
        Ok(9 * 10_000)
    );
}

#[test]
fn cleaner_limit_is_counted_in_bytes() {
    let cleaner = HtmlCleaner::builder().max_input_bytes(16).build().unwrap();
    assert_eq!(cleaner.clean(&"é".repeat(8)).unwrap(), "é".repeat(8));
    assert_eq!(
        cleaner.clean(&"é".repeat(9)),
        Err(SanitizeError::TooLarge { limit: 16 })
    );
}

// ---- html: builder -------------------------------------------------------------------

fn invalid_configuration(message: &str) -> SanitizeError {
    SanitizeError::InvalidConfiguration(message.into())
}

#[test]
fn builder_refuses_every_forbidden_tag() {
    for tag in [
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "frame",
        "frameset",
        "noembed",
        "noframes",
        "xmp",
        "plaintext",
        "object",
        "embed",
        "applet",
        "svg",
        "math",
        "form",
        "input",
        "button",
        "select",
        "textarea",
        "option",
        "link",
        "meta",
        "base",
        "title",
        "head",
        "body",
        "html",
        "portal",
        "listing",
        "param",
    ] {
        let expected = invalid_configuration(&format!("tag `{tag}` cannot be allowed"));
        assert_eq!(
            HtmlCleaner::builder().add_tags([tag]).build().unwrap_err(),
            expected,
            "{tag}"
        );
    }
}

#[test]
fn builder_refuses_a_forbidden_tag_named_only_in_its_attributes() {
    assert_eq!(
        HtmlCleaner::builder()
            .add_tag_attributes("iframe", ["title"])
            .build()
            .unwrap_err(),
        invalid_configuration("tag `iframe` cannot be allowed")
    );
}

#[test]
fn builder_refuses_event_handler_attributes() {
    for attribute in [
        "onclick",
        "onerror",
        "onload",
        "onmouseover",
        "onfocus",
        "onanimationstart",
    ] {
        assert_eq!(
            HtmlCleaner::builder()
                .add_tag_attributes("a", [attribute])
                .build()
                .unwrap_err(),
            invalid_configuration(&format!("attribute `{attribute}` cannot be allowed")),
        );
    }
}

#[test]
fn builder_refuses_style_rel_and_other_forbidden_attributes() {
    for attribute in [
        "style",
        "rel",
        "srcdoc",
        "formaction",
        "action",
        "ping",
        "target",
        "http-equiv",
    ] {
        let err = HtmlCleaner::builder()
            .add_tag_attributes("span", [attribute])
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "invalid_configuration", "{attribute}");
        assert_eq!(
            err,
            invalid_configuration(&format!("attribute `{attribute}` cannot be allowed"))
        );
    }
}

#[test]
fn builder_refuses_script_and_document_schemes() {
    for scheme in ["javascript", "data", "vbscript", "blob", "filesystem", "about", "file"] {
        assert_eq!(
            HtmlCleaner::builder().add_url_schemes([scheme]).build().unwrap_err(),
            invalid_configuration(&format!("URL scheme `{scheme}` cannot be allowed")),
        );
    }
}

#[test]
fn builder_refuses_names_that_are_not_lowercase() {
    assert_eq!(
        HtmlCleaner::builder().add_tags(["TABLE"]).build().unwrap_err(),
        invalid_configuration("tag `TABLE` cannot be allowed")
    );
    assert_eq!(
        HtmlCleaner::builder()
            .add_tag_attributes("span", ["Title"])
            .build()
            .unwrap_err(),
        invalid_configuration("attribute `Title` cannot be allowed")
    );
    assert_eq!(
        HtmlCleaner::builder()
            .add_url_schemes(["JavaScript"])
            .build()
            .unwrap_err(),
        invalid_configuration("URL scheme `JavaScript` cannot be allowed")
    );
    assert_eq!(
        HtmlCleaner::builder()
            .add_url_schemes(["Tel"])
            .build()
            .unwrap_err()
            .code(),
        "invalid_configuration"
    );
}

#[test]
fn builder_refuses_an_input_limit_out_of_range() {
    for limit in [0, MAX_INPUT_BYTES_LIMIT + 1] {
        assert_eq!(
            HtmlCleaner::builder().max_input_bytes(limit).build().unwrap_err(),
            invalid_configuration(&format!("max_input_bytes must be 1 to {MAX_INPUT_BYTES_LIMIT}"))
        );
    }
    let largest = HtmlCleaner::builder()
        .max_input_bytes(MAX_INPUT_BYTES_LIMIT)
        .build()
        .unwrap();
    assert_eq!(largest.max_input_bytes(), MAX_INPUT_BYTES_LIMIT);
}

#[test]
fn builder_widens_tags_and_attributes() {
    let tables = HtmlCleaner::builder()
        .add_tags(["table", "thead", "tbody", "tr", "th", "td"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .build()
        .unwrap();
    assert_eq!(
        tables
            .clean("<table><tr><td colspan=2 onclick=x() style=x>1</td></tr></table>")
            .unwrap(),
        r#"<table><tbody><tr><td colspan="2">1</td></tr></tbody></table>"#
    );
}

#[test]
fn builder_widened_url_attributes_are_still_scheme_checked() {
    let images = HtmlCleaner::builder()
        .add_tags(["img"])
        .add_tag_attributes("img", ["src", "alt"])
        .build()
        .unwrap();
    assert_eq!(
        images
            .clean(r#"<img src="https://example.com/a.png" alt="a" onerror="x()">"#)
            .unwrap(),
        r#"<img src="https://example.com/a.png" alt="a">"#
    );
    assert_eq!(
        images.clean(r#"<img src="javascript:alert(1)" alt="a">"#).unwrap(),
        r#"<img alt="a">"#
    );
    assert_eq!(
        images
            .clean(r#"<img src="data:image/svg+xml,<svg onload=alert(1)>" alt="a">"#)
            .unwrap(),
        r#"<img alt="a">"#
    );
}

#[test]
fn builder_widens_url_schemes() {
    let phones = HtmlCleaner::builder().add_url_schemes(["tel"]).build().unwrap();
    assert_eq!(
        phones.clean(r#"<a href="tel:+15550100">call</a>"#).unwrap(),
        format!(r#"<a href="tel:+15550100" {REL}>call</a>"#)
    );
    assert_eq!(
        HtmlCleaner::new().clean(r#"<a href="tel:+15550100">call</a>"#).unwrap(),
        format!("<a {REL}>call</a>")
    );
}

#[test]
fn builder_removes_tags_and_keeps_their_text() {
    let no_links = HtmlCleaner::builder().remove_tags(["a"]).build().unwrap();
    assert_eq!(
        no_links
            .clean(r#"<b>see</b> <a href="https://example.com">here</a>"#)
            .unwrap(),
        "<b>see</b> here"
    );
}

// ---- url: RedirectPolicy -------------------------------------------------------------

fn redirects() -> RedirectPolicy {
    RedirectPolicy::new().allow_host("allowed.example")
}

#[test]
fn redirect_refuses_open_redirect_payloads() {
    let policy = redirects();
    for evil in [
        "//evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "/\t/evil.example",
        "/%2F%2Fevil.example",
        "/%2f%5cevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "/%252F%252Fevil.example",
        "/%25252F%25252Fevil.example",
        "https://evil.example",
        "https://allowed.example@evil.example",
        "https://allowed.example.evil.example",
        "https://evil.example/allowed.example",
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "java\nscript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "https:evil.example",
        "https:/evil.example",
        "///evil.example",
        "////evil.example",
        "/.//evil.example",
        "/a/..//evil.example",
        "",
        " ",
        " /orders",
        "/orders ",
        "/orders%20",
        "orders",
        "orders/7",
        "./orders",
        "../orders",
        "evil.example",
    ] {
        assert_eq!(policy.check(evil), Err(SanitizeError::OpenRedirect), "{evil:?}");
    }
}

#[test]
fn redirect_refuses_encoded_slashes_revealed_by_dot_segments() {
    // The encoded-form check runs on the input; the dot segment is removed only when
    // the path is normalized afterwards, so the returned Location is the very
    // `/%2F%2F…` form that a decoding proxy turns into `//evil.example`.
    let policy = redirects();
    for evil in [
        "/./%2F%2Fevil.example",
        "/a/../%2F%2Fevil.example",
        "/%2e/%2F%2Fevil.example",
        "/./%252F%252Fevil.example",
        // Decoded once, these hold dot segments that resolve to `//evil.example`.
        "/x/%2e%2e%2f%2f/evil.example",
        "/.%2F/evil.example",
        "/%2e%2F/evil.example",
    ] {
        assert_eq!(policy.check(evil), Err(SanitizeError::OpenRedirect), "{evil}");
    }
}

#[test]
fn redirect_refuses_http_unless_allowed() {
    assert_eq!(
        redirects().check("http://allowed.example/"),
        Err(SanitizeError::OpenRedirect)
    );
    assert_eq!(
        redirects().allow_http(true).check("http://allowed.example"),
        Ok(Cow::Owned("http://allowed.example/".into()))
    );
    assert_eq!(
        redirects().allow_http(true).check("ftp://allowed.example/"),
        Err(SanitizeError::OpenRedirect)
    );
}

#[test]
fn redirect_refuses_a_port_that_is_not_listed() {
    let policy = redirects();
    assert_eq!(
        policy.check("https://allowed.example:8443/"),
        Err(SanitizeError::OpenRedirect)
    );
    assert_eq!(
        policy.check("https://allowed.example:80/"),
        Err(SanitizeError::OpenRedirect)
    );
}

#[test]
fn redirect_accepts_a_listed_port_and_only_that_port() {
    let policy = RedirectPolicy::new().allow_host("allowed.example:8443");
    assert_eq!(
        policy.check("https://allowed.example:8443/x").unwrap(),
        "https://allowed.example:8443/x"
    );
    assert_eq!(
        policy.check("https://allowed.example/x"),
        Err(SanitizeError::OpenRedirect)
    );
    assert_eq!(
        policy.check("https://allowed.example:8444/x"),
        Err(SanitizeError::OpenRedirect)
    );
}

#[test]
fn redirect_treats_the_default_port_as_no_port() {
    assert_eq!(
        redirects().check("https://allowed.example:443/a").unwrap(),
        "https://allowed.example/a"
    );
}

#[test]
fn redirect_refuses_credentials_on_an_allowed_host() {
    for target in [
        "https://user@allowed.example/",
        "https://:pw@allowed.example/",
        "https://u:p@allowed.example/",
    ] {
        assert_eq!(redirects().check(target), Err(SanitizeError::OpenRedirect), "{target}");
    }
}

#[test]
fn redirect_accepts_site_paths_as_given() {
    let policy = redirects();
    for path in ["/", "/orders?page=2#x", "/a/b/c", "/orders?next=//evil.example"] {
        assert_eq!(policy.check(path), Ok(Cow::Borrowed(path)), "{path}");
    }
}

#[test]
fn redirect_returns_site_paths_as_the_parser_serializes_them() {
    let policy = redirects();
    assert_eq!(policy.check("/a b?q=1").unwrap(), "/a%20b?q=1");
    assert_eq!(policy.check("/a/../b").unwrap(), "/b");
    assert_eq!(policy.check("/%2e%2e/x").unwrap(), "/x");
}

#[test]
fn redirect_accepts_an_allowed_host_and_reserializes_it() {
    let policy = redirects();
    assert_eq!(
        policy.check("https://allowed.example/path"),
        Ok(Cow::Owned("https://allowed.example/path".into()))
    );
    assert_eq!(
        policy.check("https://allowed.example").unwrap(),
        "https://allowed.example/"
    );
    assert_eq!(
        policy.check("https://ALLOWED.example/").unwrap(),
        "https://allowed.example/"
    );
    assert_eq!(
        policy.check("HTTPS://Allowed.Example/A").unwrap(),
        "https://allowed.example/A"
    );
}

#[test]
fn redirect_compares_hosts_after_idna_normalization() {
    let policy = RedirectPolicy::new().allow_host("bücher.example");
    assert_eq!(
        policy.check("https://BÜCHER.example/").unwrap(),
        "https://xn--bcher-kva.example/"
    );
    assert_eq!(
        policy.check("https://xn--bcher-kva.example/").unwrap(),
        "https://xn--bcher-kva.example/"
    );
    assert_eq!(
        policy.check("https://bucher.example/"),
        Err(SanitizeError::OpenRedirect)
    );
    let punycode = RedirectPolicy::new().allow_host("xn--bcher-kva.example");
    assert_eq!(
        punycode.check("https://bücher.example/a").unwrap(),
        "https://xn--bcher-kva.example/a"
    );
}

#[test]
fn redirect_host_entries_that_are_not_hosts_never_match() {
    for entry in [
        "user@allowed.example",
        "allowed.example/path",
        "https://allowed.example",
        "",
    ] {
        let policy = RedirectPolicy::new().allow_host(entry);
        assert_eq!(
            policy.check("https://allowed.example/"),
            Err(SanitizeError::OpenRedirect),
            "{entry}"
        );
    }
}

#[test]
fn redirect_policy_without_hosts_accepts_only_paths() {
    let policy = RedirectPolicy::new();
    assert_eq!(policy.check("/home").unwrap(), "/home");
    assert_eq!(
        policy.check("https://allowed.example/"),
        Err(SanitizeError::OpenRedirect)
    );
}

#[test]
fn redirect_refuses_targets_over_the_size_limit() {
    let at_limit = format!("/{}", "a".repeat(MAX_URL_BYTES - 1));
    assert_eq!(redirects().check(&at_limit).unwrap(), at_limit);
    let over = format!("/{}", "a".repeat(MAX_URL_BYTES));
    assert_eq!(redirects().check(&over), Err(SanitizeError::OpenRedirect));
}

// ---- url: UrlPolicy --------------------------------------------------------------------

#[test]
fn url_policy_compares_schemes_case_insensitively() {
    let policy = UrlPolicy::new(["HTTPS", "mailto"]).unwrap();
    assert_eq!(
        policy.check("hTtPs://Example.COM/a").unwrap().as_str(),
        "https://example.com/a"
    );
    assert_eq!(
        policy.check("MAILTO:ann@example.com").unwrap().as_str(),
        "mailto:ann@example.com"
    );
}

#[test]
fn url_policy_refuses_a_scheme_not_on_the_list() {
    let policy = UrlPolicy::new(["https"]).unwrap();
    for url in [
        "http://example.com",
        "ftp://example.com",
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
    ] {
        assert_eq!(policy.check(url), Err(SanitizeError::DisallowedScheme), "{url}");
    }
}

#[test]
fn url_policy_refuses_control_characters() {
    let policy = UrlPolicy::new(["https"]).unwrap();
    for url in [
        "java\tscript:alert(1)",
        "https://example.com/\n",
        "https://exa\rmple.com/",
        "https://example.com/\0",
        "https://example\u{7f}.com/",
    ] {
        assert_eq!(policy.check(url), Err(SanitizeError::InvalidUrl), "{url:?}");
    }
}

#[test]
fn url_policy_refuses_relative_references() {
    let policy = UrlPolicy::new(["https"]).unwrap();
    for url in ["/relative/path", "relative", "//example.com/x", "?q=1", ""] {
        assert_eq!(policy.check(url), Err(SanitizeError::InvalidUrl), "{url:?}");
    }
}

#[test]
fn url_policy_returns_the_normalized_url() {
    let url = UrlPolicy::new(["https"])
        .unwrap()
        .check("HTTPS://Example.COM/a/../b")
        .unwrap();
    assert_eq!(url.as_str(), "https://example.com/b");
}

#[test]
fn url_policy_refuses_urls_over_the_size_limit() {
    let policy = UrlPolicy::new(["https"]).unwrap();
    let prefix = "https://example.com/";
    let at_limit = format!("{prefix}{}", "a".repeat(MAX_URL_BYTES - prefix.len()));
    assert_eq!(policy.check(&at_limit).unwrap().as_str(), at_limit);
    let over = format!("{at_limit}a");
    assert_eq!(policy.check(&over), Err(SanitizeError::InvalidUrl));
}

#[test]
fn url_policy_refuses_dangerous_schemes_at_construction() {
    for scheme in [
        "javascript",
        "JavaScript",
        "vbscript",
        "data",
        "blob",
        "file",
        "filesystem",
        // The cleaner refused it; the URL policy did not (found in review).
        "about",
    ] {
        assert_eq!(
            UrlPolicy::new(["https", scheme]).unwrap_err(),
            SanitizeError::InvalidConfiguration(format!(
                "URL scheme `{}` cannot be allowed",
                scheme.to_ascii_lowercase()
            )),
        );
    }
}

#[test]
fn url_policy_refuses_malformed_schemes_and_an_empty_list() {
    for scheme in ["https:", "1http", "", "ht tp", "-x"] {
        assert_eq!(
            UrlPolicy::new([scheme]).unwrap_err().code(),
            "invalid_configuration",
            "{scheme:?}"
        );
    }
    assert_eq!(
        UrlPolicy::new(Vec::<&str>::new()).unwrap_err(),
        SanitizeError::InvalidConfiguration("no URL scheme allowed".into())
    );
}

// ---- sql ------------------------------------------------------------------------------

#[test]
fn escape_like_escapes_percent_underscore_and_backslash() {
    assert_eq!(LIKE_ESCAPE, '\\');
    assert_eq!(escape_like("%"), r"\%");
    assert_eq!(escape_like("_"), r"\_");
    assert_eq!(escape_like("\\"), r"\\");
    assert_eq!(escape_like(r"100%_sure\"), r"100\%\_sure\\");
    assert_eq!(escape_like(r"\%"), r"\\\%");
    assert_eq!(escape_like("%%__"), r"\%\%\_\_");
}

#[test]
fn escape_like_leaves_other_characters_and_is_borrowed_when_clean() {
    assert!(is_borrowed(escape_like("plain [a-z] ünï 'quote'")));
    assert_eq!(escape_like("ü_ü"), r"ü\_ü");
}

#[test]
fn like_patterns_wrap_the_escaped_value() {
    assert_eq!(like_contains("50%_off"), r"%50\%\_off%");
    assert_eq!(like_prefix("50%"), r"50\%%");
    assert_eq!(like_suffix(r"_\"), r"%\_\\");
    assert_eq!(like_contains(""), "%%");
}

#[test]
fn identifier_accepts_the_strict_pattern() {
    for name in ["_", "a", "A_b9", "_1", "order_items", "user"] {
        assert_eq!(Identifier::new(name).unwrap().as_str(), name);
    }
}

#[test]
fn identifier_accepts_63_bytes_and_refuses_64() {
    assert_eq!(MAX_IDENTIFIER_BYTES, 63);
    assert!(Identifier::new(&"a".repeat(63)).is_ok());
    assert_eq!(Identifier::new(&"a".repeat(64)), Err(SanitizeError::InvalidIdentifier));
}

#[test]
fn identifier_refuses_injection_attempts() {
    for bad in [
        "id; DROP TABLE users",
        "name--",
        "a/*x*/",
        "a'b",
        "a\"b",
        "a`b",
        "users.id",
        "*",
        "1=1",
        "x OR 1=1",
        "a\0",
        "a b",
        "",
        "9lives",
        "a-b",
    ] {
        assert_eq!(Identifier::new(bad), Err(SanitizeError::InvalidIdentifier), "{bad:?}");
    }
}

#[test]
fn identifier_refuses_non_ascii() {
    for bad in ["café", "ｉｄ", "naïve", "ıd", "\u{212A}"] {
        assert_eq!(Identifier::new(bad), Err(SanitizeError::InvalidIdentifier), "{bad}");
    }
}

#[test]
fn identifier_from_allowlist_is_exact_and_case_sensitive() {
    let allowed = ["name", "price", "created_at"];
    assert_eq!(Identifier::from_allowlist("price", &allowed).unwrap().as_str(), "price");
    for bad in ["Price", "PRICE", "price ", " price", "pric", "prices", "price;--"] {
        assert_eq!(
            Identifier::from_allowlist(bad, &allowed),
            Err(SanitizeError::InvalidIdentifier),
            "{bad:?}"
        );
    }
}

#[test]
fn identifier_from_allowlist_refuses_a_listed_name_that_is_not_valid() {
    assert_eq!(
        Identifier::from_allowlist("a; DROP TABLE t", &["a; DROP TABLE t"]),
        Err(SanitizeError::InvalidIdentifier)
    );
}

#[test]
fn identifier_is_quoted_per_dialect() {
    let id = Identifier::new("order").unwrap();
    assert_eq!(id.quoted(Dialect::PostgreSql), r#""order""#);
    assert_eq!(id.quoted(Dialect::Sqlite), r#""order""#);
    assert_eq!(id.quoted(Dialect::MySql), "`order`");
    assert_eq!(id.to_string(), "order");
}

#[test]
fn sort_order_parses_asc_and_desc_in_any_case() {
    for (text, order) in [
        ("asc", SortOrder::Asc),
        ("ASC", SortOrder::Asc),
        ("Asc", SortOrder::Asc),
        ("desc", SortOrder::Desc),
        ("DESC", SortOrder::Desc),
        ("dEsC", SortOrder::Desc),
    ] {
        assert_eq!(text.parse::<SortOrder>(), Ok(order), "{text}");
    }
    assert_eq!(SortOrder::Asc.as_sql(), "ASC");
    assert_eq!(SortOrder::Desc.as_sql(), "DESC");
    assert_eq!(SortOrder::default(), SortOrder::Asc);
}

#[test]
fn sort_order_refuses_anything_else() {
    for bad in [
        "asc ",
        " asc",
        "ascending",
        "desc;--",
        "desc; DROP TABLE x",
        "",
        "1",
        "a",
    ] {
        assert_eq!(
            bad.parse::<SortOrder>().unwrap_err().code(),
            "invalid_sort_order",
            "{bad:?}"
        );
    }
}

#[test]
fn like_escape_clause_is_written_per_dialect() {
    assert_eq!(Dialect::PostgreSql.like_escape_clause(), r"ESCAPE '\'");
    assert_eq!(Dialect::Sqlite.like_escape_clause(), r"ESCAPE '\'");
    assert_eq!(Dialect::MySql.like_escape_clause(), r"ESCAPE '\\'");
}

// ---- path: safe_join -----------------------------------------------------------------

const BASE: &str = "/srv/files";

fn join(untrusted: &str) -> Result<PathBuf, SanitizeError> {
    safe_join(BASE, untrusted)
}

#[test]
fn safe_join_refuses_parent_segments() {
    for evil in ["..", "../etc/passwd", "a/../..", "a/..", "a/../b", "..."] {
        assert_eq!(join(evil), Err(SanitizeError::PathTraversal), "{evil}");
    }
}

#[test]
fn safe_join_refuses_percent_encoded_traversal() {
    for evil in [
        "%2e%2e",
        "%2E%2E%2F",
        "..%2f",
        "..%2fetc",
        ".%2e",
        "%2e.",
        "%2e%2e%2e",
        "a%2f..%2fb",
        "%252e%252e",
        "%25252e%25252e",
    ] {
        assert_eq!(join(evil), Err(SanitizeError::PathTraversal), "{evil}");
    }
}

#[test]
fn safe_join_refuses_absolute_drive_and_unc_paths() {
    for evil in [
        "/etc",
        "/",
        "C:\\x",
        "C:/Windows",
        "c:x",
        "C:",
        "\\\\server\\share",
        "//server/share",
        "\\x",
        "%2fetc",
        "%5c%5cserver",
        "C%3a",
    ] {
        assert_eq!(join(evil), Err(SanitizeError::AbsolutePath), "{evil}");
    }
}

#[test]
fn safe_join_refuses_windows_device_names_and_trailing_dots_or_spaces() {
    for name in [
        "CON",
        "con",
        "NUL.txt",
        "aux.tar.gz",
        "PRN",
        "COM1",
        "com9.log",
        "LPT1",
        "LPT\u{b9}",
        "CONIN$",
        "conout$",
        "a/NUL",
        "a.php.",
        "a.php ",
        "dir./x",
        // The same, percent-encoded (found in review: once checked only as written).
        "a.php%2e",
        "a.php%20",
        "CON%2etxt",
        "N%55L",
        "a%2e%2e",
        "a.php%252e",
    ] {
        assert_eq!(safe_join("/b", name), Err(SanitizeError::InvalidPath), "{name:?}");
    }
    for name in ["CONFIG", "console.txt", "COM10", "lpt", "nul-not", "a.b.c", ".hidden"] {
        assert!(safe_join("/b", name).is_ok(), "{name:?}");
    }
}

#[test]
fn safe_join_refuses_forbidden_characters() {
    for evil in [
        "a\\b",
        "a\\..\\b",
        "a.png\0.txt",
        "%00",
        "a%00.txt",
        "a\u{1}b",
        "a\tb",
        "a\nb",
        "a\rb",
        "a\u{1b}b",
        "a\u{7f}",
        "file.txt:stream",
        "a%5cb",
        "%ff",
        "%c0%ae%c0%ae",
    ] {
        assert_eq!(join(evil), Err(SanitizeError::InvalidPath), "{evil:?}");
    }
}

#[test]
fn safe_join_refuses_c1_control_characters() {
    for evil in ["a\u{85}b", "a\u{9b}b", "a%c2%85b"] {
        assert_eq!(join(evil), Err(SanitizeError::InvalidPath), "{evil:?}");
    }
}

#[test]
fn safe_join_refuses_empty_and_dot_only_paths() {
    for evil in ["", ".", "./", "./.", ".//./"] {
        assert_eq!(join(evil), Err(SanitizeError::InvalidPath), "{evil:?}");
    }
}

#[test]
fn safe_join_refuses_paths_over_the_size_limit() {
    assert_eq!(MAX_PATH_BYTES, 4096);
    assert_eq!(
        join(&"a".repeat(MAX_PATH_BYTES + 1)),
        Err(SanitizeError::TooLarge { limit: MAX_PATH_BYTES })
    );
    let at_limit = "a".repeat(MAX_PATH_BYTES);
    assert_eq!(join(&at_limit).unwrap(), Path::new(BASE).join(&at_limit));
}

#[test]
fn safe_join_refuses_double_encoding_past_three_rounds() {
    assert_eq!(join("%2525252e"), Err(SanitizeError::InvalidPath));
}

#[test]
fn safe_join_joins_nested_paths() {
    assert_eq!(join("a/b/c.txt").unwrap(), Path::new("/srv/files/a/b/c.txt"));
}

#[test]
fn safe_join_drops_dot_segments_and_repeated_slashes() {
    assert_eq!(join("./a//b/").unwrap(), Path::new("/srv/files/a/b"));
    assert_eq!(join("a/./b/.").unwrap(), Path::new("/srv/files/a/b"));
}

#[test]
fn safe_join_accepts_spaces_unicode_and_dots_inside_names() {
    assert_eq!(join("my file.txt").unwrap(), Path::new("/srv/files/my file.txt"));
    assert_eq!(join("ünï/😀.png").unwrap(), Path::new("/srv/files/ünï/😀.png"));
    assert_eq!(join("a/..b/c..d").unwrap(), Path::new("/srv/files/a/..b/c..d"));
    assert_eq!(join(".hidden").unwrap(), Path::new("/srv/files/.hidden"));
}

#[test]
fn safe_join_keeps_percent_signs_as_written() {
    assert_eq!(join("100%").unwrap(), Path::new("/srv/files/100%"));
    assert_eq!(join("100%zz.txt").unwrap(), Path::new("/srv/files/100%zz.txt"));
    assert_eq!(join("100%25.txt").unwrap(), Path::new("/srv/files/100%25.txt"));
    assert_eq!(join("a%2fb").unwrap(), Path::new("/srv/files/a%2fb"));
    assert_eq!(join("%2e").unwrap(), Path::new("/srv/files/%2e"));
}

// ---- path: safe_join_resolved ----------------------------------------------------------

/// A directory under the system temp dir, unique to this process and test, removed
/// on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let path = std::env::temp_dir().join(format!("portcullis-sanitize-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// The canonical path of a directory inside, created.
    fn dir(&self, name: &str) -> PathBuf {
        let dir = self.0.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::canonicalize(dir).unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
#[test]
fn safe_join_resolved_refuses_a_symlink_pointing_outside_the_base() {
    let tmp = TempDir::new("symlink-outside");
    let base = tmp.dir("base");
    let outside = tmp.dir("outside");
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(&outside, base.join("link")).unwrap();
    std::os::unix::fs::symlink("../outside", base.join("relative-link")).unwrap();

    assert_eq!(
        safe_join_resolved(&base, "link/secret.txt"),
        Err(SanitizeError::PathEscapesBase)
    );
    assert_eq!(safe_join_resolved(&base, "link"), Err(SanitizeError::PathEscapesBase));
    assert_eq!(
        safe_join_resolved(&base, "relative-link/secret.txt")
            .unwrap_err()
            .code(),
        "path_escapes_base"
    );
    // The textual join alone cannot see it.
    assert_eq!(
        safe_join(&base, "link/secret.txt").unwrap(),
        base.join("link/secret.txt")
    );
}

#[cfg(unix)]
#[test]
fn safe_join_resolved_follows_a_symlink_that_stays_inside() {
    let tmp = TempDir::new("symlink-inside");
    let base = tmp.dir("base");
    let real = tmp.dir("base/real");
    std::fs::write(real.join("file.txt"), "x").unwrap();
    std::os::unix::fs::symlink("real", base.join("alias")).unwrap();
    std::os::unix::fs::symlink(&real, base.join("absolute-alias")).unwrap();

    assert_eq!(
        safe_join_resolved(&base, "alias/file.txt").unwrap(),
        base.join("real/file.txt")
    );
    assert_eq!(
        safe_join_resolved(&base, "absolute-alias/new/file.txt").unwrap(),
        base.join("real/new/file.txt")
    );
}

#[cfg(unix)]
#[test]
fn safe_join_resolved_refuses_a_dangling_symlink() {
    let tmp = TempDir::new("symlink-dangling");
    let base = tmp.dir("base");
    std::os::unix::fs::symlink(base.join("missing"), base.join("dangling")).unwrap();
    assert_eq!(
        safe_join_resolved(&base, "dangling/x.txt"),
        Err(SanitizeError::PathEscapesBase)
    );
}

#[test]
fn safe_join_resolved_appends_a_tail_that_does_not_exist_yet() {
    let tmp = TempDir::new("missing-tail");
    let base = tmp.dir("base");
    tmp.dir("base/existing");
    assert_eq!(
        safe_join_resolved(&base, "existing/new/dir/file.txt").unwrap(),
        base.join("existing/new/dir/file.txt")
    );
    assert_eq!(safe_join_resolved(&base, "x").unwrap(), base.join("x"));
}

#[test]
fn safe_join_resolved_starts_with_the_canonical_base() {
    let tmp = TempDir::new("canonical-base");
    let base = tmp.dir("base");
    let spelled = tmp.path().join("base/./");
    assert_eq!(safe_join_resolved(&spelled, "f.txt").unwrap(), base.join("f.txt"));
}

#[test]
fn safe_join_resolved_reports_a_missing_base_as_io_error() {
    let tmp = TempDir::new("missing-base");
    let err = safe_join_resolved(tmp.path().join("does-not-exist"), "a.txt").unwrap_err();
    assert_eq!(err, SanitizeError::Io(std::io::ErrorKind::NotFound));
    assert_eq!(err.code(), "io_error");
}

#[test]
fn safe_join_resolved_applies_the_textual_checks_first() {
    let tmp = TempDir::new("textual-first");
    let base = tmp.dir("base");
    assert_eq!(safe_join_resolved(&base, "../x"), Err(SanitizeError::PathTraversal));
    assert_eq!(safe_join_resolved(&base, "/etc"), Err(SanitizeError::AbsolutePath));
    // Textual refusals come before the base is even looked at.
    assert_eq!(
        safe_join_resolved(tmp.path().join("does-not-exist"), "%2e%2e"),
        Err(SanitizeError::PathTraversal)
    );
}

// ---- header ----------------------------------------------------------------------------

#[test]
fn header_name_accepts_token_characters() {
    for name in [
        "Content-Type",
        "X-Request-Id",
        "x",
        "X-Custom_Header.v1",
        "!#$%&'*+-.^_`|~09AZaz",
    ] {
        assert_eq!(check_header_name(name), Ok(()), "{name}");
    }
}

#[test]
fn header_name_refuses_empty_separators_and_non_ascii() {
    for bad in [
        "",
        "Bad Name",
        "X-A:b",
        "X-A\r\nSet-Cookie",
        "X-\0",
        "X-\t",
        "X-Ünï",
        "(x)",
        "a/b",
        "a@b",
        "a\"b",
        "a,b",
        "a;b",
        "a=b",
        "{a}",
        "[a]",
        "a?",
    ] {
        assert_eq!(check_header_name(bad), Err(SanitizeError::InvalidHeaderName), "{bad:?}");
    }
}

#[test]
fn header_name_refuses_more_than_256_bytes() {
    assert_eq!(MAX_HEADER_NAME_BYTES, 256);
    assert_eq!(check_header_name(&"x".repeat(256)), Ok(()));
    assert_eq!(
        check_header_name(&"x".repeat(257)),
        Err(SanitizeError::TooLarge { limit: 256 })
    );
}

#[test]
fn header_value_refuses_crlf_injection() {
    for bad in ["a\r\nSet-Cookie: x", "en\r\n\r\n<html>", "a\rb", "a\nb", "\n"] {
        assert_eq!(
            check_header_value(bad),
            Err(SanitizeError::InvalidHeaderValue),
            "{bad:?}"
        );
    }
}

#[test]
fn header_value_refuses_nul_del_and_other_controls() {
    for bad in ["a\0b", "a\u{7f}", "a\u{1b}[31m", "\u{b}", "\u{c}"] {
        assert_eq!(
            check_header_value(bad),
            Err(SanitizeError::InvalidHeaderValue),
            "{bad:?}"
        );
    }
}

#[test]
fn header_value_accepts_tab_space_quotes_and_non_ascii() {
    for ok in [
        "text/html;\tcharset=utf-8",
        "attachment; filename=\"report.pdf\"",
        "Zoë Ünï 😀",
        "",
        " padded ",
    ] {
        assert_eq!(check_header_value(ok), Ok(()), "{ok:?}");
    }
}

#[test]
fn header_value_refuses_more_than_8_kib() {
    assert_eq!(MAX_HEADER_VALUE_BYTES, 8192);
    assert_eq!(check_header_value(&"v".repeat(8192)), Ok(()));
    assert_eq!(
        check_header_value(&"v".repeat(8193)),
        Err(SanitizeError::TooLarge { limit: 8192 })
    );
}

// ---- text: strip_controls --------------------------------------------------------------

#[test]
fn strip_controls_removes_every_bidi_override_embedding_isolate_and_mark() {
    for c in [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        '\u{200E}', '\u{200F}', '\u{061C}',
    ] {
        assert_eq!(strip_controls(&format!("a{c}b")), "ab", "U+{:04X}", u32::from(c));
    }
    assert_eq!(strip_controls("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
}

#[test]
fn strip_controls_removes_zero_width_characters_word_joiners_and_the_bom() {
    for c in [
        '\u{200B}', '\u{2060}', '\u{2061}', '\u{2062}', '\u{2063}', '\u{2064}', '\u{206A}', '\u{206F}', '\u{FEFF}',
    ] {
        assert_eq!(strip_controls(&format!("a{c}b")), "ab", "U+{:04X}", u32::from(c));
    }
}

#[test]
fn strip_controls_removes_tag_characters_that_smuggle_invisible_text() {
    // "hi" written in tag characters is invisible in most renderers.
    assert_eq!(strip_controls("ok\u{E0068}\u{E0069}\u{E007F}"), "ok");
}

#[test]
fn strip_controls_keeps_the_joiners_scripts_and_emoji_need() {
    let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
    assert!(matches!(strip_controls(family), Cow::Borrowed(_)));
    let persian = "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}";
    assert_eq!(strip_controls(persian), persian);
}

#[test]
fn strip_controls_removes_c0_except_tab_and_line_feed() {
    for byte in (0u8..0x20).filter(|b| *b != b'\t' && *b != b'\n') {
        let c = char::from(byte);
        assert_eq!(strip_controls(&format!("a{c}b")), "ab", "U+{byte:04X}");
    }
    assert_eq!(strip_controls("a\tb\nc"), "a\tb\nc");
}

#[test]
fn strip_controls_removes_carriage_return_and_keeps_the_line_feed() {
    assert_eq!(strip_controls("line 1\r\nline 2\rover"), "line 1\nline 2over");
}

#[test]
fn strip_controls_removes_del_and_c1_controls() {
    assert_eq!(strip_controls("a\u{7f}b"), "ab");
    for code in 0x80u32..=0x9F {
        let c = char::from_u32(code).unwrap();
        assert_eq!(strip_controls(&format!("a{c}b")), "ab", "U+{code:04X}");
    }
}

#[test]
fn strip_controls_keeps_an_ansi_escape_sequence_inert() {
    assert_eq!(strip_controls("\u{1b}[31mred\u{1b}[0m"), "[31mred[0m");
}

#[test]
fn strip_controls_is_borrowed_when_clean() {
    for clean in ["plain", "", "tab\tand\nnewline", "Zoë 😀 עברית"] {
        assert!(is_borrowed(strip_controls(clean)), "{clean:?}");
    }
    assert!(!is_borrowed(strip_controls("a\u{200B}")));
}

// ---- text: check_length ----------------------------------------------------------------

#[test]
fn check_length_counts_characters_not_bytes() {
    assert_eq!(check_length("😀😀", 2, 2), Ok(()));
    assert_eq!(check_length("ünï", 3, 3), Ok(()));
    assert_eq!(check_length("😀😀😀", 1, 2), Err(SanitizeError::TooLong { max: 2 }));
}

#[test]
fn check_length_counts_combining_marks_as_characters() {
    assert_eq!(check_length("e\u{301}", 2, 2), Ok(()));
    assert_eq!(check_length("e\u{301}", 1, 1), Err(SanitizeError::TooLong { max: 1 }));
}

#[test]
fn check_length_reports_the_bound_that_was_missed() {
    assert_eq!(check_length("", 1, 10), Err(SanitizeError::TooShort { min: 1 }));
    assert_eq!(check_length("ab", 3, 10).unwrap_err().code(), "too_short");
    assert_eq!(check_length(&"a".repeat(11), 1, 10).unwrap_err().code(), "too_long");
    assert_eq!(check_length(&"a".repeat(1 << 20), 0, usize::MAX), Ok(()));
}

// ---- text: IdentifierRules ---------------------------------------------------------------

#[test]
fn identifier_rules_map_fullwidth_to_ascii() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("ＡＬＩＣＥ").unwrap(), "alice");
    assert_eq!(rules.normalize("Ｂob").unwrap(), "bob");
}

#[test]
fn identifier_rules_case_fold_rather_than_lowercase() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("Straße").unwrap(), "strasse");
    assert_eq!(rules.normalize("ẞ").unwrap(), "ss");
    assert_eq!(rules.normalize("ς").unwrap(), "σ");
    assert_eq!(rules.normalize("ΣΊΣΥΦΟΣ").unwrap(), "σίσυφοσ");
    assert_eq!(rules.normalize("ǅemal").unwrap(), "džemal");
    assert_eq!(rules.normalize("\u{212A}").unwrap(), "k"); // KELVIN SIGN
}

#[test]
fn identifier_rules_fold_turkish_dotted_capital_i_to_i_with_combining_dot() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("İstanbul").unwrap(), "i\u{307}stanbul");
    assert_ne!(
        rules.normalize("İstanbul").unwrap(),
        rules.normalize("istanbul").unwrap()
    );
    assert_eq!(rules.normalize("ı").unwrap(), "ı");
}

#[test]
fn identifier_rules_apply_nfkc_to_ligatures_and_compatibility_forms() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("ﬁnn").unwrap(), "finn");
    assert_eq!(rules.normalize("ﬃ").unwrap(), "ffi");
    assert_eq!(rules.normalize("①").unwrap(), "1");
    assert_eq!(rules.normalize("™").unwrap(), "tm");
    assert_eq!(rules.normalize("㎏").unwrap(), "kg");
}

#[test]
fn identifier_rules_compose_decomposed_forms() {
    let rules = IdentifierRules::default();
    assert_eq!(rules.normalize("A\u{30A}ngstro\u{308}m").unwrap(), "ångström");
    assert_eq!(
        rules.normalize("Ångström").unwrap(),
        rules.normalize("A\u{30A}ngstro\u{308}m").unwrap()
    );
}

#[test]
fn identifier_rules_refuse_whitespace_controls_and_invisible_characters() {
    let rules = IdentifierRules::default();
    for bad in [
        "al ice",
        " alice",
        "alice ",
        "a\tb",
        "a\nb",
        "a\u{A0}b",
        "a\u{3000}b",
        "a\u{0}b",
        "a\u{7f}b",
        "a\u{85}b",
        "x\u{200B}y",
        "x\u{200D}y",
        "x\u{202E}y",
        "x\u{2066}y",
        "x\u{FEFF}y",
        "a\u{E000}",
        "a\u{FFFF}",
        "a\u{FDD0}",
        " ",
    ] {
        assert_eq!(rules.normalize(bad), Err(SanitizeError::InvalidCharacter), "{bad:?}");
    }
}

#[test]
fn identifier_rules_refuse_other_invisible_format_characters() {
    // Each renders as "ab" (or nothing at all) yet normalizes to an identifier that
    // is not "ab": SOFT HYPHEN, MONGOLIAN VOWEL SEPARATOR, TAG LATIN CAPITAL LETTER A,
    // MUSICAL SYMBOL BEGIN BEAM. All are Cf and Default_Ignorable_Code_Point, which
    // PRECIS's IdentifierClass disallows.
    let rules = IdentifierRules::default();
    for c in [
        '\u{AD}',
        '\u{180E}',
        '\u{E0041}',
        '\u{1D173}',
        '\u{2800}',
        '\u{3164}',
        '\u{FE0F}',
        '\u{34F}',
    ] {
        assert_eq!(
            rules.normalize(&format!("a{c}b")),
            Err(SanitizeError::InvalidCharacter),
            "U+{:04X}",
            u32::from(c)
        );
    }
}

#[test]
fn identifier_rules_count_bounds_after_normalization() {
    let rules = IdentifierRules::new(3, 5).unwrap();
    assert_eq!(rules.normalize("ß"), Err(SanitizeError::TooShort { min: 3 })); // "ss"
    assert_eq!(rules.normalize("ßß").unwrap(), "ssss");
    assert_eq!(rules.normalize("ﬃ").unwrap(), "ffi");
    assert_eq!(rules.normalize("ab"), Err(SanitizeError::TooShort { min: 3 }));
    assert_eq!(rules.normalize("abcdef"), Err(SanitizeError::TooLong { max: 5 }));
    let default = IdentifierRules::default();
    assert_eq!(default.normalize(&"ß".repeat(32)).unwrap(), "s".repeat(64));
    assert_eq!(
        default.normalize(&"ß".repeat(33)),
        Err(SanitizeError::TooLong { max: 64 })
    );
    assert_eq!(default.normalize(""), Err(SanitizeError::TooShort { min: 1 }));
}

#[test]
fn identifier_rules_refuse_huge_input_as_too_long_before_normalizing() {
    let rules = IdentifierRules::default();
    // Spaces would be `invalid_character` if normalization ran; 18 bytes per allowed
    // character is the cut-off.
    assert_eq!(
        rules.normalize(&" ".repeat(64 * 18 + 1)),
        Err(SanitizeError::TooLong { max: 64 })
    );
    assert_eq!(
        rules.normalize(&" ".repeat(64 * 18)),
        Err(SanitizeError::InvalidCharacter)
    );
    assert_eq!(
        rules.normalize(&"a".repeat(16 << 20)),
        Err(SanitizeError::TooLong { max: 64 })
    );
}

#[test]
fn identifier_rules_validate_their_bounds() {
    let expected = SanitizeError::InvalidConfiguration(format!(
        "identifier bounds must satisfy 1 <= min <= max <= {MAX_IDENTIFIER_CHARS}"
    ));
    assert_eq!(IdentifierRules::new(0, 5), Err(expected.clone()));
    assert_eq!(IdentifierRules::new(6, 5), Err(expected.clone()));
    assert_eq!(IdentifierRules::new(1, MAX_IDENTIFIER_CHARS + 1), Err(expected));
    assert!(IdentifierRules::new(1, MAX_IDENTIFIER_CHARS).is_ok());
    assert!(IdentifierRules::new(5, 5).is_ok());
}

// ---- SanitizeError -----------------------------------------------------------------------

#[test]
fn every_error_has_its_documented_code() {
    for (err, code) in [
        (SanitizeError::TooLarge { limit: 1 }, "too_large"),
        (SanitizeError::TooManyTags { limit: 1 }, "too_many_tags"),
        (SanitizeError::TooManyAttributes { limit: 1 }, "too_many_attributes"),
        (SanitizeError::TooComplex, "too_complex"),
        (SanitizeError::UnstableMarkup, "unstable_markup"),
        (SanitizeError::InvalidConfiguration("x".into()), "invalid_configuration"),
        (SanitizeError::InvalidUrl, "invalid_url"),
        (SanitizeError::DisallowedScheme, "disallowed_scheme"),
        (SanitizeError::DisallowedHost, "disallowed_host"),
        (SanitizeError::OpenRedirect, "open_redirect"),
        (SanitizeError::PathTraversal, "path_traversal"),
        (SanitizeError::AbsolutePath, "absolute_path"),
        (SanitizeError::InvalidPath, "invalid_path"),
        (SanitizeError::PathEscapesBase, "path_escapes_base"),
        (SanitizeError::Io(std::io::ErrorKind::PermissionDenied), "io_error"),
        (SanitizeError::InvalidHeaderName, "invalid_header_name"),
        (SanitizeError::InvalidHeaderValue, "invalid_header_value"),
        (SanitizeError::InvalidIdentifier, "invalid_identifier"),
        (SanitizeError::InvalidSortOrder, "invalid_sort_order"),
        (SanitizeError::InvalidCharacter, "invalid_character"),
        (SanitizeError::TooShort { min: 1 }, "too_short"),
        (SanitizeError::TooLong { max: 1 }, "too_long"),
    ] {
        assert_eq!(err.code(), code, "{err:?}");
    }
}

#[test]
fn error_messages_state_limits_but_not_input() {
    assert_eq!(
        SanitizeError::TooLarge { limit: 4096 }.to_string(),
        "input is larger than 4096 bytes"
    );
    assert_eq!(
        SanitizeError::TooShort { min: 3 }.to_string(),
        "text must be at least 3 characters"
    );
    assert_eq!(
        SanitizeError::TooLong { max: 64 }.to_string(),
        "text must be at most 64 characters"
    );
    assert_eq!(
        SanitizeError::Io(std::io::ErrorKind::NotFound).to_string(),
        "path could not be resolved: NotFound"
    );
}

#[test]
fn error_messages_never_repeat_the_refused_input() {
    let path = "../../etc/passwd";
    let redirect = "https://evil.example/phish";
    let header = "a\r\nSet-Cookie: session=attacker";
    let url = "javascript:alert(document.cookie)";
    let messages = [
        (path, safe_join(BASE, path).unwrap_err().to_string()),
        (redirect, redirects().check(redirect).unwrap_err().to_string()),
        (header, check_header_value(header).unwrap_err().to_string()),
        (
            url,
            UrlPolicy::new(["https"]).unwrap().check(url).unwrap_err().to_string(),
        ),
        (
            "id; DROP TABLE x",
            Identifier::new("id; DROP TABLE x").unwrap_err().to_string(),
        ),
        ("desc;--", "desc;--".parse::<SortOrder>().unwrap_err().to_string()),
    ];
    for (input, message) in &messages {
        assert!(!message.contains(input), "{message}");
    }
    assert_eq!(messages[0].1, "path contains a parent-directory segment");
    assert_eq!(
        messages[1].1,
        "redirect target is not a safe relative path or allowed URL"
    );
    assert_eq!(messages[2].1, "header value contains a control character");
    for fragment in ["etc/passwd", "evil.example", "Set-Cookie", "cookie"] {
        assert!(messages.iter().all(|(_, m)| !m.contains(fragment)), "{fragment}");
    }
}
