//! The HTML cleaner bounds the work of parsing, not only the size of its input.
//!
//! html5ever (like a browser) re-creates the open formatting elements after a block
//! closed them, before the next text or start tag. Formatting elements that differ
//! by an attribute are not capped, so a list of n of them re-created before each of
//! m later tokens is n × m elements from n + m tags: inside every tag and attribute
//! limit, 21 KB made 3.1 million elements (22 MB of output, 1.9 s, 0.78 GB). The
//! cleaner bounds that work before parsing and refuses with `too_complex` what
//! would pass its budget. `src/sanitize/html/work.rs` checks the bound against
//! html5ever's own tree builder; these tests check the public behaviour.
#![cfg(feature = "html")]

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::html::{self, HtmlCleaner};

/// `<p>`, `open` formatting elements that differ by an attribute, then `<p>x`
/// until the tag count reaches `tags`.
fn reopened(open: usize, tags: usize) -> String {
    let mut html = String::from("<p>");
    for i in 0..open {
        html.push_str(&format!("<b x={i}>"));
    }
    html.push_str(&"<p>x".repeat(tags - 1 - open));
    html
}

fn max_limits() -> HtmlCleaner {
    HtmlCleaner::builder()
        .max_input_bytes(html::MAX_INPUT_BYTES_LIMIT)
        .max_tags(html::MAX_TAGS_LIMIT)
        .max_attributes(html::MAX_ATTRIBUTES_LIMIT)
        .build()
        .unwrap()
}

#[test]
fn formatting_elements_reopened_in_every_paragraph_are_refused() {
    // 4,091 tags and 1,020 attributes: inside the default limits.
    let input = reopened(1020, 4091);
    assert!(input.len() < 22_000);
    for cleaner in [HtmlCleaner::new(), HtmlCleaner::text_only()] {
        let err = cleaner.clean(&input).unwrap_err();
        assert_eq!(err, SanitizeError::TooComplex);
        assert_eq!(err.code(), "too_complex");
    }
}

#[test]
fn formatting_elements_reopened_in_every_paragraph_are_refused_at_the_largest_limits() {
    let input = reopened(5000, 16_000);
    assert_eq!(max_limits().clean(&input), Err(SanitizeError::TooComplex));
}

#[test]
fn a_few_formatting_elements_with_many_attributes_are_refused() {
    // Three `b`s (the most the Noah's Ark clause keeps when they are alike) with 340
    // attributes each, copied with their attributes into 4,000 paragraphs.
    let attributes: String = (0..340).map(|i| format!(" a{i}")).collect();
    let input = format!("<p>{}{}", format!("<b{attributes}>").repeat(3), "<p>x".repeat(4000));
    assert_eq!(HtmlCleaner::new().clean(&input), Err(SanitizeError::TooComplex));
}

#[test]
fn a_long_attribute_copied_into_every_paragraph_is_refused() {
    // One link, its 20 KB address copied into each of 1,000 paragraphs: 20 MB.
    let input = format!(
        "<p><a href=\"https://example.com/{}\">{}",
        "a".repeat(20_000),
        "<p>x".repeat(1000)
    );
    assert_eq!(HtmlCleaner::new().clean(&input), Err(SanitizeError::TooComplex));
}

#[test]
fn a_few_formatting_elements_left_open_are_still_cleaned() {
    // A handful of unclosed formatting elements, re-created in every paragraph, is
    // sloppy but ordinary HTML: 1,202 tags in, 3,606 out.
    let input = format!("<p><b>Note: <i>x{}", "<p>text</p>".repeat(600));
    let clean = HtmlCleaner::new().clean(&input).unwrap();
    assert!(
        clean.starts_with("<p><b>Note: <i>x</i></b></p><p><b><i>text</i></b></p>"),
        "{clean:.80}"
    );
    assert!(clean.ends_with("<p><b><i>text</i></b></p>"));
    // The output must pass the tag limit too, or cleaning it again would refuse it:
    // 2,602 tags in would be 7,806 out.
    let input = format!("<p><b>Note: <i>x{}", "<p>text</p>".repeat(1300));
    assert_eq!(
        HtmlCleaner::new().clean(&input),
        Err(SanitizeError::TooManyTags {
            limit: html::DEFAULT_MAX_TAGS
        })
    );
}

#[test]
fn ordinary_documents_at_the_tag_limit_are_still_cleaned() {
    let block = "<p>Some <b>bold</b>, <i>italic</i> and <a href=\"https://example.com/x\" title=\"t\">a link</a>.</p>\
        <ul><li><em>one</em></li><li><code>two</code></li></ul><!-- note --><blockquote>q</blockquote>\
        <script>steal()</script><h2>Title</h2><p onclick=x()>text <span>with</span> <img src=x> things</p>";
    let blocks = html::DEFAULT_MAX_TAGS / 42;
    let input = block.repeat(blocks);
    assert!(HtmlCleaner::new().clean(&input).is_ok());
    let tables = HtmlCleaner::builder()
        .add_tags(["table", "tbody", "tr", "td"])
        .max_tags(html::MAX_TAGS_LIMIT)
        .build()
        .unwrap();
    let rows = "<tr><td>x</td><td><b>y</b></td></tr>".repeat(html::MAX_TAGS_LIMIT / 8 - 1);
    assert!(tables.clean(&format!("<table>{rows}</table>")).is_ok());
}

#[test]
fn the_refusal_names_no_input() {
    let err = HtmlCleaner::new().clean(&reopened(1020, 4091)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTML would take more work to parse than the cleaner allows"
    );
}
