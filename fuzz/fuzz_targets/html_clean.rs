//! The HTML cleaner (`HtmlCleaner::clean`) on arbitrary UTF-8, through four
//! cleaners chosen by the first input byte: the default, text-only, one widened with
//! tables and relative URLs, and one widened with `div`/`figure`/`section`, `img`
//! (`src`, `alt`) and relative URLs.
//!
//! Invariants:
//! - a refusal carries one of the documented codes (`too_large`, `too_many_tags`,
//!   `too_many_attributes`, `too_complex`, `unstable_markup`);
//! - the output is a fixed point: cleaning it again gives it back unchanged;
//! - the output, read as the serializer writes it (` name="value"` attributes, `<`
//!   and `>` in text escaped), holds only allowlisted elements, each with only its
//!   allowlisted attributes, none of them duplicated (so no `on*`, no `style`), and
//!   no element removed with its content (`script`, `style`, `svg`, `math`, …);
//! - every `href` and `src`, once its character references are decoded, is an
//!   `http`, `https` or `mailto` URL, or (where relative URLs are allowed) a
//!   reference that a browser resolves on the page's own origin;
//! - every `a` carries `rel="noopener noreferrer nofollow"`;
//! - text-only output holds no `<` at all.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use portcullis::sanitize::html::{
    DEFAULT_TAG_ATTRIBUTES, DEFAULT_TAGS, DEFAULT_URL_SCHEMES, HtmlCleaner, LINK_REL, REMOVED_WITH_CONTENT,
};

/// Inputs past this are skipped: the cleaner's own limits are tested elsewhere, and
/// an iteration must stay cheap.
const MAX_INPUT: usize = 64 * 1024;

/// The codes `HtmlCleaner::clean` documents.
const CODES: &[&str] = &[
    "too_large",
    "too_many_tags",
    "too_many_attributes",
    "too_complex",
    "unstable_markup",
];

/// The page a relative URL is resolved against.
const PAGE: &str = "https://site.example/app/page";

/// A cleaner and the allowlist it was built with, as this target knows it.
struct Case {
    name: &'static str,
    cleaner: HtmlCleaner,
    tags: Vec<&'static str>,
    attributes: Vec<(&'static str, &'static str)>,
    relative_urls: bool,
}

impl Case {
    fn new(
        name: &'static str,
        cleaner: HtmlCleaner,
        extra_tags: &[&'static str],
        extra_attributes: &[(&'static str, &'static str)],
        relative_urls: bool,
    ) -> Case {
        let mut tags: Vec<_> = DEFAULT_TAGS.to_vec();
        tags.extend_from_slice(extra_tags);
        let mut attributes: Vec<_> = DEFAULT_TAG_ATTRIBUTES
            .iter()
            .flat_map(|(tag, names)| names.iter().map(move |name| (*tag, *name)))
            .collect();
        attributes.push(("a", "rel"));
        attributes.extend_from_slice(extra_attributes);
        Case {
            name,
            cleaner,
            tags,
            attributes,
            relative_urls,
        }
    }
}

static CASES: LazyLock<[Case; 4]> = LazyLock::new(|| {
    const TABLES: &[&str] = &["table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"];
    const TABLE_ATTRIBUTES: &[(&str, &str)] = &[
        ("td", "colspan"),
        ("td", "rowspan"),
        ("th", "colspan"),
        ("th", "rowspan"),
    ];
    let tables = HtmlCleaner::builder()
        .add_tags(TABLES.iter().copied())
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan"])
        .allow_relative_urls(true)
        .build()
        .expect("the tables cleaner is a valid configuration");
    const BLOCKS: &[&str] = &["div", "figure", "figcaption", "section", "img"];
    let blocks = HtmlCleaner::builder()
        .add_tags(BLOCKS.iter().copied())
        .add_tag_attributes("img", ["src", "alt"])
        .allow_relative_urls(true)
        .build()
        .expect("the blocks cleaner is a valid configuration");
    let text_only = Case {
        name: "text_only",
        cleaner: HtmlCleaner::text_only(),
        tags: Vec::new(),
        attributes: Vec::new(),
        relative_urls: false,
    };
    [
        Case::new("default", HtmlCleaner::new(), &[], &[], false),
        text_only,
        Case::new("tables", tables, TABLES, TABLE_ATTRIBUTES, true),
        Case::new("blocks", blocks, BLOCKS, &[("img", "src"), ("img", "alt")], true),
    ]
});

static PAGE_URL: LazyLock<url::Url> = LazyLock::new(|| url::Url::parse(PAGE).expect("the page URL parses"));

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    if rest.len() > MAX_INPUT {
        return;
    }
    let Ok(dirty) = std::str::from_utf8(rest) else {
        return;
    };
    let case = &CASES[usize::from(choice) % CASES.len()];
    let clean = match case.cleaner.clean(dirty) {
        Ok(clean) => clean,
        Err(err) => {
            assert!(
                CODES.contains(&err.code()),
                "refusal has an undocumented code {:?} ({} cleaner)",
                err.code(),
                case.name
            );
            return;
        }
    };
    assert_eq!(
        case.cleaner.clean(&clean).as_deref(),
        Ok(clean.as_str()),
        "output is not a fixed point ({} cleaner)\ninput:  {dirty:?}\noutput: {clean:?}",
        case.name
    );
    if case.tags.is_empty() {
        assert!(
            !clean.contains('<'),
            "text-only output holds a `<`\ninput:  {dirty:?}\noutput: {clean:?}"
        );
    }
    if let Err(problem) = check_markup(case, &clean) {
        panic!(
            "output holds markup outside the allowlist ({} cleaner): {problem}\ninput:  {dirty:?}\noutput: {clean:?}",
            case.name
        );
    }
});

/// Reads serializer output and checks every tag, attribute, URL and link `rel`
/// against `case`'s allowlist.
fn check_markup(case: &Case, html: &str) -> Result<(), String> {
    let bytes = html.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => i += 1,
            b'>' => return Err(format!("raw `>` in text at byte {i}")),
            _ => {
                i += 1;
                continue;
            }
        }
        let closing = bytes.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let tag = &html[start..i];
        if REMOVED_WITH_CONTENT.contains(&tag) {
            return Err(format!("element `{tag}` is removed with its content, yet present"));
        }
        if !case.tags.contains(&tag) {
            return Err(format!("element `{tag}` is not allowed"));
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut rel = None;
        loop {
            match bytes.get(i) {
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(b' ') if !closing => {
                    i += 1;
                    let start = i;
                    while i < bytes.len() && !b"= >\"".contains(&bytes[i]) {
                        i += 1;
                    }
                    let name = &html[start..i];
                    if name.starts_with("on") || name == "style" || !case.attributes.contains(&(tag, name)) {
                        return Err(format!("attribute `{name}` on `{tag}` is not allowed"));
                    }
                    if seen.contains(&name) {
                        return Err(format!("attribute `{name}` twice on `{tag}`"));
                    }
                    seen.push(name);
                    if bytes.get(i) != Some(&b'=') || bytes.get(i + 1) != Some(&b'"') {
                        return Err(format!("attribute `{name}` on `{tag}` has no double-quoted value"));
                    }
                    let value_start = i + 2;
                    let value_len = html[value_start..]
                        .find('"')
                        .ok_or_else(|| format!("unterminated value of `{name}` on `{tag}`"))?;
                    let value = decode_references(&html[value_start..value_start + value_len]);
                    i = value_start + value_len + 1;
                    match name {
                        "href" | "src" => check_url(case, tag, name, &value)?,
                        "rel" => rel = Some(value),
                        _ => {}
                    }
                }
                other => {
                    return Err(format!("unexpected {:?} in tag `{tag}`", other.map(|b| char::from(*b))));
                }
            }
        }
        if tag == "a" && !closing && rel.as_deref() != Some(LINK_REL) {
            return Err(format!("link with rel {rel:?}, not {LINK_REL:?}"));
        }
    }
    Ok(())
}

/// An allowed absolute URL, or a relative one (where allowed) that resolves on the
/// page's own origin, as a browser would parse it (the `url` crate follows the same
/// WHATWG standard: outer spaces and controls stripped, tabs and newlines dropped,
/// `\` read as `/`).
fn check_url(case: &Case, tag: &str, name: &str, value: &str) -> Result<(), String> {
    match url::Url::parse(value) {
        Ok(url) if DEFAULT_URL_SCHEMES.contains(&url.scheme()) => Ok(()),
        Ok(url) => Err(format!("`{name}` on `{tag}` has scheme {:?}: {value:?}", url.scheme())),
        Err(url::ParseError::RelativeUrlWithoutBase) if case.relative_urls => {
            let resolved = PAGE_URL
                .join(value)
                .map_err(|err| format!("relative `{name}` {value:?} does not resolve: {err}"))?;
            if resolved.origin() != PAGE_URL.origin()
                || !resolved.username().is_empty()
                || resolved.password().is_some()
            {
                return Err(format!("relative `{name}` {value:?} leaves the site: {resolved}"));
            }
            Ok(())
        }
        Err(err) => Err(format!("`{name}` on `{tag}` is not an allowed URL ({err}): {value:?}")),
    }
}

/// Decodes the character references the serializer writes in attribute values
/// (`&amp;`, `&quot;`, `&nbsp;`, `&lt;`, `&gt;`) and numeric ones, in one pass, so
/// that `&amp;quot;` stays `&quot;`.
fn decode_references(value: &str) -> String {
    const NAMED: &[(&str, char)] = &[
        ("&amp;", '&'),
        ("&quot;", '"'),
        ("&nbsp;", '\u{a0}'),
        ("&lt;", '<'),
        ("&gt;", '>'),
    ];
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some((reference, c)) = NAMED.iter().find(|(reference, _)| rest.starts_with(reference)) {
            out.push(*c);
            rest = &rest[reference.len()..];
        } else if let Some((c, len)) = numeric_reference(rest) {
            out.push(c);
            rest = &rest[len..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// `&#NN;` or `&#xHH;` at the start of `s`: the character and the reference's length.
fn numeric_reference(s: &str) -> Option<(char, usize)> {
    let body = s.strip_prefix("&#")?;
    let (digits, radix, prefix) = match body.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 3),
        None => (body, 10, 2),
    };
    let end = digits.find(';')?;
    let code = u32::from_str_radix(&digits[..end], radix).ok()?;
    Some((char::from_u32(code)?, prefix + end + 1))
}
