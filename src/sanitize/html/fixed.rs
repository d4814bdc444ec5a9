//! Whether cleaned HTML parses back into the tree it was serialized from, decided
//! without parsing it again, for the tags whose parsing rules this module knows.
//!
//! ammonia's output is a serialized tree: every element that is not void has its
//! end tag, properly nested, and every `<` starts a tag. The HTML parser (WHATWG
//! HTML §13.2.6.4.7, "in body") puts such markup back into the same tree unless a
//! start tag makes it close or move something first. For the tags in [`KNOWN`]
//! those are:
//!
//! - a start tag that closes a `p` in button scope (`p`, `div`, `ul`, `h1`, `li`,
//!   …), when a `p` is open (none of the known tags bounds the button scope, so
//!   "in scope" is "open");
//! - a heading start tag whose parent is a heading;
//! - `li` with an `li` open below the nearest special element other than
//!   `address`, `div` and `p`; `dd` or `dt` likewise with `dd` or `dt`;
//! - `a` with an `a` open (the adoption agency closes it);
//! - text starting with a line feed right after `<pre>` (the parser drops it).
//!
//! Output with none of these is a fixed point: cleaning it again gives it back, and
//! a browser's parse of it serializes back to it. Anything else, or any tag outside
//! [`KNOWN`], and the cleaner parses the output again to find out.

use memchr::memchr;

/// The tags whose parsing rules the check knows: the default allowlist and other
/// tags that open no table, form, marker, raw text or foreign content.
pub(super) const KNOWN: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "center",
    "cite",
    "code",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "time",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// What the check needs to know about a tag's parsing rules.
#[derive(Debug, Clone, Copy, Default)]
struct Rules {
    /// In [`KNOWN`].
    known: bool,
    /// Void: no end tag, never open.
    void: bool,
    /// Its start tag closes an open `p` first (html5ever's in-body rules).
    closes_p: bool,
    heading: bool,
    /// Special, and not `address`, `div` or `p`: stops the search for an `li`,
    /// `dd` or `dt` to close (html5ever's `special_tag`).
    stops_item_search: bool,
}

fn rules(name: &[u8]) -> Rules {
    let block = Rules {
        known: true,
        closes_p: true,
        stops_item_search: true,
        ..Rules::default()
    };
    match name {
        b"a" | b"abbr" | b"b" | b"bdi" | b"bdo" | b"big" | b"cite" | b"code" | b"data" | b"del" | b"dfn" | b"em"
        | b"font" | b"i" | b"ins" | b"kbd" | b"mark" | b"q" | b"s" | b"samp" | b"small" | b"span" | b"strike"
        | b"strong" | b"sub" | b"sup" | b"time" | b"tt" | b"u" | b"var" => Rules {
            known: true,
            ..Rules::default()
        },
        b"br" | b"img" | b"wbr" => Rules {
            known: true,
            void: true,
            ..Rules::default()
        },
        b"hr" => Rules {
            known: true,
            void: true,
            closes_p: true,
            ..Rules::default()
        },
        b"address" | b"div" | b"p" => Rules {
            stops_item_search: false,
            ..block
        },
        b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" => Rules { heading: true, ..block },
        b"article" | b"aside" | b"blockquote" | b"center" | b"dd" | b"details" | b"dir" | b"dl" | b"dt"
        | b"figcaption" | b"figure" | b"footer" | b"header" | b"hgroup" | b"li" | b"main" | b"menu" | b"nav"
        | b"ol" | b"pre" | b"section" | b"summary" | b"ul" => block,
        _ => Rules::default(),
    }
}

/// Whether `html`, ammonia's serialization of a cleaned tree whose tags are all in
/// [`KNOWN`], parses back into that tree. `false` when unsure.
pub(super) fn reparses_unchanged(html: &str) -> bool {
    let bytes = html.as_bytes();
    let mut open: Vec<&[u8]> = Vec::new();
    // Open `p` and `a` elements.
    let (mut paragraphs, mut links) = (0usize, 0usize);
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        let Some(length) = memchr(b'>', &bytes[start..]) else {
            return false;
        };
        let end = start + length;
        let tag = &bytes[start + 1..end];
        at = end + 1;
        if let Some(name) = tag.strip_prefix(b"/") {
            if open.pop() != Some(name) {
                return false;
            }
            paragraphs -= usize::from(name == b"p");
            links -= usize::from(name == b"a");
            continue;
        }
        let name = tag.split(|&byte| byte == b' ').next().unwrap_or_default();
        let tag_rules = rules(name);
        if !tag_rules.known {
            return false;
        }
        let closes = (paragraphs > 0 && tag_rules.closes_p)
            || (tag_rules.heading && open.last().is_some_and(|parent| rules(parent).heading))
            || (name == b"a" && links > 0)
            || (name == b"li" && closes_list_item(&open, &[b"li"]))
            || ((name == b"dd" || name == b"dt") && closes_list_item(&open, &[b"dd", b"dt"]))
            || (name == b"pre" && bytes.get(at) == Some(&b'\n'));
        if closes {
            return false;
        }
        if !tag_rules.void {
            open.push(name);
            paragraphs += usize::from(name == b"p");
            links += usize::from(name == b"a");
        }
    }
    open.is_empty()
}

/// Whether an `li` (or `dd`, `dt`) start tag finds one of `items` to close.
fn closes_list_item(open: &[&[u8]], items: &[&[u8]]) -> bool {
    for &node in open.iter().rev() {
        if items.contains(&node) {
            return true;
        }
        if rules(node).stops_item_search {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::HtmlCleaner;
    use super::*;

    const SOUP: &[&str] = &[
        "<a>",
        "<a href=\"https://e.x/\">",
        "</a>",
        "<table>",
        "</table>",
        "<td>",
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        "<div>",
        "</div>",
        "<span>",
        "</span>",
        "<foo>",
        "</foo>",
        "<h1>",
        "</h1>",
        "<h2>",
        "<h3>",
        "<ul>",
        "</ul>",
        "<ol>",
        "<li>",
        "</li>",
        "<dl>",
        "<dd>",
        "<dt>",
        "</dd>",
        "<button>",
        "<marquee>",
        "<object>",
        "<select>",
        "<blockquote>",
        "<pre>",
        "</pre>",
        "\n",
        "<br>",
        "<hr>",
        "<section>",
        "<figure>",
        "<figcaption>",
        "<details>",
        "<summary>",
        "<address>",
        "<center>",
        "<menu>",
        "<code>",
        "<nobr>",
        "x",
        " ",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

        /// The check alone, without the second pass behind it: what it passes cleans
        /// to itself.
        #[test]
        fn output_the_check_passes_cleans_to_itself(
            parts in prop::collection::vec(prop::sample::select(SOUP), 0..40)
        ) {
            let dirty = parts.concat();
            let widened = HtmlCleaner::builder()
                .add_tags(["div", "section", "figure", "figcaption", "details", "summary", "address", "center", "menu"])
                .build()
                .unwrap();
            for cleaner in [HtmlCleaner::new(), widened] {
                prop_assert!(cleaner.certifiable);
                let once = cleaner.clean_once(&dirty);
                if reparses_unchanged(&once) {
                    prop_assert_eq!(cleaner.clean_once(&once), once, "{:?}", dirty);
                }
            }
        }
    }

    #[test]
    fn the_rules_know_exactly_the_known_tags() {
        for tag in KNOWN {
            assert!(rules(tag.as_bytes()).known, "{tag}");
        }
        for tag in [
            "table", "td", "button", "form", "nobr", "ruby", "rt", "select", "marquee", "img2", "",
        ] {
            assert!(!rules(tag.as_bytes()).known, "{tag}");
        }
    }

    #[test]
    fn nested_links_blocks_in_paragraphs_and_nested_headings_are_not_fixed_points() {
        for html in [
            r#"<a rel="x"><a rel="x"></a></a>"#,
            "<p><div>x</div></p>",
            "<p><span><ul><li>x</li></ul></span></p>",
            "<h1><h2>x</h2></h1>",
            "<li><b><li>x</li></b></li>",
            "<dl><dd><span><dt>x</dt></span></dd></dl>",
            "<pre>\nx</pre>",
            "<table></table>",
            "<p>unclosed",
        ] {
            assert!(!reparses_unchanged(html), "{html:?}");
        }
    }

    #[test]
    fn what_the_parser_keeps_as_written_is_a_fixed_point() {
        for html in [
            "",
            "text &lt;b&gt; only",
            r#"<p>a <b>b</b> <a href="https://e.x/" rel="x">c</a></p><ul><li>1<ul><li>2</li></ul></li></ul>"#,
            "<h1><span><h2>x</h2></span></h1>",
            "<li><ul><li>x</li></ul></li>",
            "<a rel=\"x\"><p>block in a link</p></a><br><hr><pre>x\ny</pre>",
            "<b><b><b><b>x</b></b></b></b>",
        ] {
            assert!(reparses_unchanged(html), "{html:?}");
        }
    }
}
