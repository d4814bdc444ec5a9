//! `sanitize::html`'s public behaviour: what the cleaner removes (with or without
//! content), the attributes and link schemes it keeps, text-only cleaning, its size
//! limits, and its builder's refusals and widenings.
#![cfg(feature = "html")]

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::html::{
    DEFAULT_MAX_ATTRIBUTES, DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_TAGS, HtmlCleaner, MAX_INPUT_BYTES_LIMIT,
    MAX_TAGS_LIMIT,
};

/// What every link the cleaner keeps is marked with.
const REL: &str = r#"rel="noopener noreferrer nofollow""#;

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
        assert_eq!(err.code(), "invalid_config", "{attribute}");
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
    SanitizeError::InvalidConfig(message.into())
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
        assert_eq!(err.code(), "invalid_config", "{attribute}");
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
        "invalid_config"
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
