//! Cleaning untrusted HTML with [ammonia](https://docs.rs/ammonia), an allowlist
//! sanitizer on html5ever (the HTML5 parsing algorithm browsers use), under a strict
//! default policy. Feature `html`.
//!
//! Use it where users may write formatted text (comments, notes, descriptions).
//! Where they may not, do not clean: encode with
//! [`encode::html_text`](super::encode::html_text).
//!
//! ```
//! use portcullis::sanitize::html::HtmlCleaner;
//!
//! let cleaner = HtmlCleaner::new();
//! let note = r#"<p onclick="steal()">Ship <b>today</b>, see <a href="https://example.com">this</a><script>steal()</script></p>"#;
//! assert_eq!(
//!     cleaner.clean(note)?,
//!     r#"<p>Ship <b>today</b>, see <a href="https://example.com" rel="noopener noreferrer nofollow">this</a></p>"#,
//! );
//! assert_eq!(HtmlCleaner::text_only().clean("<i>5 < 6</i> & <b>7</b>")?, "5 &lt; 6 &amp; 7");
//! # Ok::<(), portcullis::sanitize::SanitizeError>(())
//! ```
//!
//! # The default allowlist
//!
//! Published as [`DEFAULT_TAGS`], [`DEFAULT_TAG_ATTRIBUTES`], [`DEFAULT_URL_SCHEMES`],
//! [`REMOVED_WITH_CONTENT`] and [`LINK_REL`]:
//!
//! - Tags: `a abbr b blockquote br code dd del dl dt em h1–h6 hr i ins kbd li mark ol p
//!   pre q s samp small span strong sub sup u ul var`.
//! - Attributes: `href` and `title` on `a`, `title` on `abbr`, `start` on `ol`; no
//!   `style`, no `class`, no `id`, no event handlers.
//! - Links: `http`, `https` and `mailto` URLs only; relative URLs are dropped unless
//!   allowed with [`HtmlCleanerBuilder::allow_relative_urls`]; every link gets
//!   `rel="noopener noreferrer nofollow"`.
//! - Removed with their content: `script`, `style`, `template`, `noscript`,
//!   `iframe`, `noembed`, `noframes`, `xmp`, `plaintext`, `object`, `svg` and `math`.
//!   Every other unknown tag (`form`, `img`, `video`, …) is removed and its text kept.
//! - Comments are removed.
//!
//! # Limits
//!
//! HTML tree construction (html5ever's, like a browser's) can cost far more than
//! the input's size suggests, so input is measured before it is parsed:
//!
//! - Size: [`DEFAULT_MAX_INPUT_BYTES`] (1 MiB) by default, at most
//!   [`MAX_INPUT_BYTES_LIMIT`] (16 MiB).
//! - Tags: [`DEFAULT_MAX_TAGS`] (4,096) by default, at most [`MAX_TAGS_LIMIT`]
//!   (16,384). Every `<` followed by a letter, `/`, `!` or `?` counts. Nesting is
//!   what costs: 150,000 nested `<div>`s (730 KB) took 150 s to clean on a 2-core
//!   machine; 4,096 nested tags take 30 ms, 16,384 about 0.7 s. The output must
//!   pass the limit too (see "The output"): HTML that leaves its elements for the
//!   parser to close (`<p>x<p>y`) comes out with their end tags, twice the tags.
//! - Attributes: [`DEFAULT_MAX_ATTRIBUTES`] (1,024) by default, at most
//!   [`MAX_ATTRIBUTES_LIMIT`] (16,384). The count follows the tokenizer's own rules
//!   and never comes out lower than what the parser will see, however the input
//!   plays with quotes or raw text.
//! - Work: the parser re-creates the formatting elements (`a b big code em font i
//!   nobr s small strike strong tt u`) that a block closed before every later text
//!   or start tag, attributes and all, and keeps at most three alike: `<p>`, 1,020
//!   `<b x=N>` and 3,070 `<p>x` (21 KB, inside both limits) made 3.1 million
//!   elements, 22 MB of output, in 2 s and 0.8 GB. Before parsing, the cleaner
//!   bounds the work of the tree the parser will build, counting each element it
//!   may create as 128 units plus the length of its attributes, and refuses with
//!   [`SanitizeError::TooComplex`] input whose bound passes the budget: 8,192
//!   elements' worth (1,048,576 units), plus 512 units per tag, plus 2 per byte.
//!   HTML that closes what it opens stays far below: the 20 KB mixed document of
//!   `benches/sanitize.rs` is bounded at 140,000 units of its 1.6 million.
//!
//! With these limits, the costliest inputs we could build (deep nesting, formatting
//! elements re-created up to the budget, under deep nesting, long attributes) take
//! at most about 100 ms and 15 MB of memory at the defaults, and about 2 s and
//! 120 MB at the largest limits (16 MiB in, 17 MB out), on a loaded 2-core
//! machine. Deep nesting dominates: its cost is paid again by each pass of "The
//! output" below.
//!
//! Counting and bounding are one pass each, skipping text at memory speed. The 20 KB
//! mixed document of `benches/sanitize.rs` has 944 tags and 200 attributes.
//! Cleaning blocks the thread: in an async handler, run it with
//! `tokio::task::spawn_blocking` for inputs near the limits.
//!
//! # The output
//!
//! The output is HTML to write into an element's body; never into an attribute, a
//! `<script>` or a `<style>`.
//!
//! It is a fixed point: cleaning it again gives it back, and a browser's parse of
//! it (`innerHTML`) serializes back to it. The parser builds some trees that no
//! parse of their serialization yields, an `a` inside an `a` placed through a table
//! or a heading in a heading once the element between them was unwrapped; written
//! out, they re-parse into another shape, which is what mutation XSS feeds on. So
//! the cleaner cleans its output again until it no longer changes, at most three
//! passes in all, and refuses with [`SanitizeError::UnstableMarkup`] markup still
//! changing after them. The second pass is skipped when the output holds no shape
//! the parser would change and every allowed tag is one whose parsing rules the
//! cleaner knows (the default ones and other phrasing and sectioning tags; not
//! tables). Two changes make text re-parse as written: line feeds right after
//! `<pre>` are dropped (parsing drops one, and nothing writes it back), and a
//! carriage return from `&#13;` becomes a line feed.
//!
//! The output passes the limits above as an input would, so cleaning it again
//! is never refused: input whose cleaned form would be refused (the escaped text
//! past the size limit, the closed and reopened formatting elements past the tag
//! limit or the work budget, the `rel` the cleaner gives every link past the
//! attribute limit) is refused with that error instead.
//!
//! # Widening, deliberately
//!
//! [`HtmlCleaner::builder`] adds tags, attributes and schemes; it refuses those that
//! would defeat the cleaner:
//!
//! ```
//! use portcullis::sanitize::html::HtmlCleaner;
//!
//! let tables = HtmlCleaner::builder()
//!     .add_tags(["table", "thead", "tbody", "tr", "th", "td"])
//!     .add_tag_attributes("td", ["colspan", "rowspan"])
//!     .build()?;
//! assert_eq!(tables.clean("<table><tr><td colspan=2 onclick=x()>1</td></tr></table>")?,
//!     r#"<table><tbody><tr><td colspan="2">1</td></tr></tbody></table>"#);
//!
//! // DO NOT DO THIS: refused, with the reason.
//! let err = HtmlCleaner::builder().add_tag_attributes("a", ["onclick"]).build().unwrap_err();
//! assert_eq!(err.code(), "invalid_config");
//! assert!(HtmlCleaner::builder().add_url_schemes(["javascript"]).build().is_err());
//! assert!(HtmlCleaner::builder().add_tags(["iframe"]).build().is_err());
//! # Ok::<(), portcullis::sanitize::SanitizeError>(())
//! ```

mod fixed;
mod markup;
mod work;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::SanitizeError;

/// The default input limit: 1 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 1024 * 1024;

/// The largest input limit a cleaner can be configured with: 16 MiB.
pub const MAX_INPUT_BYTES_LIMIT: usize = 16 * 1024 * 1024;

/// The default limit on tags in one input: 4,096.
pub const DEFAULT_MAX_TAGS: usize = 4096;

/// The largest tag limit a cleaner can be configured with: 16,384 (a hostile input
/// at that limit may take about two seconds to clean; see the module docs).
pub const MAX_TAGS_LIMIT: usize = 16_384;

/// The default limit on attributes in one input: 1,024.
pub const DEFAULT_MAX_ATTRIBUTES: usize = 1024;

/// The largest attribute limit a cleaner can be configured with: 16,384 (see the
/// module docs for what a hostile input at the largest limits costs).
pub const MAX_ATTRIBUTES_LIMIT: usize = 16_384;

/// The `rel` every link gets: no `window.opener`, no `Referer`, no search ranking.
pub const LINK_REL: &str = "noopener noreferrer nofollow";

/// The tags [`HtmlCleaner::new`] allows.
pub const DEFAULT_TAGS: &[&str] = &[
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

/// The attributes [`HtmlCleaner::new`] allows, per tag (none on any other tag).
pub const DEFAULT_TAG_ATTRIBUTES: &[(&str, &[&str])] =
    &[("a", &["href", "title"]), ("abbr", &["title"]), ("ol", &["start"])];

/// The URL schemes [`HtmlCleaner::new`] allows in links.
pub const DEFAULT_URL_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Elements every cleaner drops together with everything inside them: raw-text and
/// foreign content, where "keep the text" would keep code or mutation-XSS material.
/// Other disallowed elements are dropped and their text kept.
pub const REMOVED_WITH_CONTENT: &[&str] = &[
    "script",
    "style",
    "template",
    "noscript",
    "iframe",
    "noembed",
    "noframes",
    "xmp",
    "plaintext",
    "object",
    "svg",
    "math",
];

/// Tags the builder refuses to allow besides [`REMOVED_WITH_CONTENT`] (which it
/// refuses too: ammonia panics on a tag both allowed and removed with its content):
/// they load active content, submit forms or parse their content in ways that let
/// markup change meaning on re-parsing (mutation XSS).
const FORBIDDEN_TAGS: &[&str] = &[
    "frame", "frameset", "embed", "applet", "form", "input", "button", "select", "textarea", "option", "link", "meta",
    "base", "title", "head", "body", "html", "portal", "listing", "param",
];

/// Attributes the builder refuses: styles, form and navigation targets, URL
/// attributes ammonia does not check, names that clobber the DOM, and what the
/// cleaner sets itself (`rel`).
const FORBIDDEN_ATTRIBUTES: &[&str] = &[
    "style",
    "rel",
    "srcdoc",
    "formaction",
    "action",
    "ping",
    "xmlns",
    "xlink:href",
    "is",
    "autofocus",
    "target",
    "http-equiv",
    "background",
    "dynsrc",
    "lowsrc",
    "nonce",
    // URLs that ammonia does not check against the scheme allowlist.
    "srcset",
    "imagesrcset",
    "cite",
    "longdesc",
    "usemap",
    "data",
    "codebase",
    "archive",
    "manifest",
    // DOM clobbering: named elements shadow `document` and `window` properties.
    "id",
    "name",
    "form",
];

/// A configured HTML cleaner: cheap to clone and share between threads.
///
/// ```
/// use portcullis::sanitize::html::HtmlCleaner;
///
/// let cleaner = HtmlCleaner::new();
/// let clean = cleaner.clean(r#"<a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)>"#)?;
/// assert_eq!(clean, r#"<a rel="noopener noreferrer nofollow">x</a>"#);
/// # Ok::<(), portcullis::sanitize::SanitizeError>(())
/// ```
#[derive(Clone)]
pub struct HtmlCleaner {
    inner: Arc<ammonia::Builder<'static>>,
    /// Whether `fixed` can certify this cleaner's output without a second pass:
    /// every allowed tag is one whose parsing rules it knows, and ammonia keeps the
    /// attributes in their order (see `from_builder`).
    certifiable: bool,
    max_input_bytes: usize,
    max_tags: usize,
    max_attributes: usize,
}

impl std::fmt::Debug for HtmlCleaner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HtmlCleaner")
            .field("tags", &sorted(self.inner.clone_tags()))
            .field("url_schemes", &sorted(self.inner.clone_url_schemes()))
            .field("max_input_bytes", &self.max_input_bytes)
            .field("max_tags", &self.max_tags)
            .field("max_attributes", &self.max_attributes)
            .finish_non_exhaustive()
    }
}

fn sorted(set: HashSet<&str>) -> Vec<&str> {
    let mut names: Vec<_> = set.into_iter().collect();
    names.sort_unstable();
    names
}

impl Default for HtmlCleaner {
    fn default() -> Self {
        Self::new()
    }
}

impl HtmlCleaner {
    /// The strict default allowlist (see the module docs).
    ///
    /// ```
    /// use portcullis::sanitize::html::HtmlCleaner;
    ///
    /// assert_eq!(HtmlCleaner::new().clean("<em>hi</em><style>*{}</style>")?, "<em>hi</em>");
    /// # Ok::<(), portcullis::sanitize::SanitizeError>(())
    /// ```
    pub fn new() -> Self {
        Self::from_builder(HtmlCleanerBuilder::default())
    }

    /// Strips all markup and keeps the text, HTML-escaped so that it stays text.
    /// Content of `script`, `style` and the other [removed-with-content](self)
    /// elements is dropped, not kept as text.
    ///
    /// ```
    /// use portcullis::sanitize::html::HtmlCleaner;
    ///
    /// let text = HtmlCleaner::text_only().clean("<p>Hello <b>world</b><script>x()</script></p>")?;
    /// assert_eq!(text, "Hello world");
    /// # Ok::<(), portcullis::sanitize::SanitizeError>(())
    /// ```
    pub fn text_only() -> Self {
        Self::from_builder(HtmlCleanerBuilder {
            tags: HashSet::new(),
            tag_attributes: HashMap::new(),
            ..HtmlCleanerBuilder::default()
        })
    }

    /// Starts from the default allowlist, to widen it.
    ///
    /// ```
    /// use portcullis::sanitize::html::HtmlCleaner;
    ///
    /// let cleaner = HtmlCleaner::builder().add_tags(["figure", "figcaption"]).build()?;
    /// assert_eq!(cleaner.clean("<figure>x</figure>")?, "<figure>x</figure>");
    /// # Ok::<(), portcullis::sanitize::SanitizeError>(())
    /// ```
    pub fn builder() -> HtmlCleanerBuilder {
        HtmlCleanerBuilder::default()
    }

    /// Cleans `html`, a fragment as it would appear inside `<body>`.
    ///
    /// # Errors
    ///
    /// [`SanitizeError::TooLarge`] when `html` is longer than the cleaner's limit
    /// ([`DEFAULT_MAX_INPUT_BYTES`] by default), [`SanitizeError::TooManyTags`] or
    /// [`SanitizeError::TooManyAttributes`] when it holds more tags or attributes
    /// than the limits ([`DEFAULT_MAX_TAGS`], [`DEFAULT_MAX_ATTRIBUTES`]),
    /// [`SanitizeError::TooComplex`] when its tree would pass the work budget (see
    /// the module docs, "Limits"), [`SanitizeError::UnstableMarkup`] when its
    /// cleaned form still changes when cleaned again after three passes (see "The
    /// output"). The cleaned form must pass the same checks as an input, so that
    /// whatever `clean` answers, `clean` accepts again and gives back unchanged: an
    /// input whose cleaned form breaks a limit (escaping makes text longer; closing
    /// and reopening formatting elements adds tags; every link gets a `rel`) is
    /// refused with that limit's error. Every other input is cleaned.
    ///
    /// ```
    /// use portcullis::sanitize::html::HtmlCleaner;
    ///
    /// let cleaner = HtmlCleaner::new();
    /// assert_eq!(cleaner.clean("<b>unclosed <i>tags")?, "<b>unclosed <i>tags</i></b>");
    /// // An `a` the parser nests in an `a` comes out as the siblings a browser reads.
    /// assert_eq!(
    ///     cleaner.clean("<a><table><a>")?,
    ///     r#"<a rel="noopener noreferrer nofollow"></a><a rel="noopener noreferrer nofollow"></a>"#,
    /// );
    /// assert_eq!(cleaner.clean(&"x".repeat(2 << 20)).unwrap_err().code(), "too_large");
    /// assert_eq!(cleaner.clean(&"<div>".repeat(5000)).unwrap_err().code(), "too_many_tags");
    /// assert_eq!(cleaner.clean(&"<b a b>".repeat(600)).unwrap_err().code(), "too_many_attributes");
    /// let reopened: String = (0..500).map(|i| format!("<b x={i}>")).collect();
    /// let reopened = format!("<p>{reopened}{}", "<p>x".repeat(3000));
    /// assert_eq!(cleaner.clean(&reopened).unwrap_err().code(), "too_complex");
    /// # Ok::<(), portcullis::sanitize::SanitizeError>(())
    /// ```
    pub fn clean(&self, html: &str) -> Result<String, SanitizeError> {
        let budget = self.admit(html)?;
        // The tree html5ever builds is not always one that its serialization parses
        // back into (an `a` inside an `a` through a table, a block the cleaner
        // unwrapped from between two elements the parser would have closed): such
        // output changes meaning when a browser parses it, the stuff of mutation XSS.
        // Cleaning the output again until it no longer changes gives HTML that
        // parses into exactly the tree that was cleaned.
        let mut cleaned = self.clean_once(html);
        if cleaned == html {
            return Ok(cleaned);
        }
        let mut passes = 1;
        while !self.known_fixed_point(&cleaned) {
            if passes == MAX_PASSES {
                return Err(SanitizeError::UnstableMarkup);
            }
            // The output is bounded by the input's budget, not by its own size.
            if work::bound(cleaned.as_bytes(), budget) > budget {
                return Err(SanitizeError::TooComplex);
            }
            let again = self.clean_once(&cleaned);
            passes += 1;
            if again == cleaned {
                break;
            }
            cleaned = again;
        }
        // What the cleaner answers, it accepts again unchanged: output it would
        // refuse as input (longer than the limit, more tags, a tree whose bound
        // passes its own budget) is refused now, with the error it would get then.
        self.admit(&cleaned)?;
        Ok(cleaned)
    }

    /// The checks every input passes before it is parsed: its size, its tags and
    /// attributes, and the bound on the work its tree costs. Returns the budget.
    fn admit(&self, html: &str) -> Result<u64, SanitizeError> {
        if html.len() > self.max_input_bytes {
            return Err(SanitizeError::TooLarge {
                limit: self.max_input_bytes,
            });
        }
        let counts = markup::count(html.as_bytes(), self.max_tags, self.max_attributes);
        if counts.tags > self.max_tags {
            return Err(SanitizeError::TooManyTags { limit: self.max_tags });
        }
        if counts.attributes > self.max_attributes {
            return Err(SanitizeError::TooManyAttributes {
                limit: self.max_attributes,
            });
        }
        let budget = work_budget(html.len(), counts.tags);
        if work::bound(html.as_bytes(), budget) > budget {
            return Err(SanitizeError::TooComplex);
        }
        Ok(budget)
    }

    /// Whether `cleaned` is known to clean to itself without cleaning it again:
    /// every allowed tag's parsing rules are known and none of them would change
    /// its tree (see `fixed`).
    fn known_fixed_point(&self, cleaned: &str) -> bool {
        self.certifiable && fixed::reparses_unchanged(cleaned)
    }

    /// One pass of ammonia, with the output put in the form a browser's parse and
    /// serialization (`innerHTML`) reproduce.
    fn clean_once(&self, html: &str) -> String {
        canonical_form(self.inner.clean(html).to_string())
    }

    /// The input limit, in bytes.
    ///
    /// ```
    /// use portcullis::sanitize::html::{DEFAULT_MAX_INPUT_BYTES, HtmlCleaner};
    ///
    /// assert_eq!(HtmlCleaner::new().max_input_bytes(), DEFAULT_MAX_INPUT_BYTES);
    /// ```
    pub fn max_input_bytes(&self) -> usize {
        self.max_input_bytes
    }

    /// The limit on tags in one input.
    ///
    /// ```
    /// use portcullis::sanitize::html::{DEFAULT_MAX_TAGS, HtmlCleaner};
    ///
    /// assert_eq!(HtmlCleaner::new().max_tags(), DEFAULT_MAX_TAGS);
    /// ```
    pub fn max_tags(&self) -> usize {
        self.max_tags
    }

    /// The limit on attributes in one input.
    ///
    /// ```
    /// use portcullis::sanitize::html::{DEFAULT_MAX_ATTRIBUTES, HtmlCleaner};
    ///
    /// assert_eq!(HtmlCleaner::new().max_attributes(), DEFAULT_MAX_ATTRIBUTES);
    /// ```
    pub fn max_attributes(&self) -> usize {
        self.max_attributes
    }

    fn from_builder(config: HtmlCleanerBuilder) -> Self {
        // `Builder::empty` clears only the tags: every other ammonia default would
        // still apply, `title` and `lang` on every tag among them. Each setting that
        // decides what passes is set here, so the allowlist is exactly the builder's.
        // `fixed` certifies a tree's shape, not its attributes' order. ammonia keeps
        // that order, except where a custom URL filter (ours, for relative URLs)
        // refuses a value: it removes that attribute by swapping the last one (the
        // `rel` it adds to links) into its place, and the next pass appends `rel`
        // again. Such a cleaner always cleans its output once more.
        let certifiable = !config.relative_urls && config.tags.iter().all(|tag| fixed::KNOWN.contains(tag));
        let mut builder = ammonia::Builder::empty();
        builder
            .tags(config.tags)
            .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect())
            .tag_attributes(config.tag_attributes)
            .generic_attributes(HashSet::new())
            .generic_attribute_prefixes(HashSet::new())
            .tag_attribute_values(HashMap::new())
            .set_tag_attribute_values(HashMap::new())
            .allowed_classes(HashMap::new())
            .id_prefix(None)
            .url_schemes(config.url_schemes)
            .link_rel(Some(LINK_REL))
            .strip_comments(true)
            .url_relative(if config.relative_urls {
                ammonia::UrlRelative::Custom(Box::new(same_site_relative))
            } else {
                ammonia::UrlRelative::Deny
            });
        HtmlCleaner {
            certifiable,
            inner: Arc::new(builder),
            max_input_bytes: config.max_input_bytes,
            max_tags: config.max_tags,
            max_attributes: config.max_attributes,
        }
    }
}

/// Widens the default allowlist; [`build`](Self::build) refuses what would make
/// the cleaner insecure.
///
/// ```
/// use portcullis::sanitize::html::HtmlCleaner;
///
/// let cleaner = HtmlCleaner::builder()
///     .add_tags(["img"])
///     .add_tag_attributes("img", ["src", "alt"])
///     .allow_relative_urls(true)
///     .max_input_bytes(64 * 1024)
///     .build()?;
/// assert_eq!(cleaner.clean(r#"<img src="/a.png" alt="a" onerror="x()">"#)?, r#"<img src="/a.png" alt="a">"#);
/// # Ok::<(), portcullis::sanitize::SanitizeError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct HtmlCleanerBuilder {
    tags: HashSet<&'static str>,
    tag_attributes: HashMap<&'static str, HashSet<&'static str>>,
    url_schemes: HashSet<&'static str>,
    relative_urls: bool,
    max_input_bytes: usize,
    max_tags: usize,
    max_attributes: usize,
}

impl Default for HtmlCleanerBuilder {
    fn default() -> Self {
        HtmlCleanerBuilder {
            tags: DEFAULT_TAGS.iter().copied().collect(),
            tag_attributes: DEFAULT_TAG_ATTRIBUTES
                .iter()
                .map(|(tag, attributes)| (*tag, attributes.iter().copied().collect()))
                .collect(),
            url_schemes: DEFAULT_URL_SCHEMES.iter().copied().collect(),
            relative_urls: false,
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_tags: DEFAULT_MAX_TAGS,
            max_attributes: DEFAULT_MAX_ATTRIBUTES,
        }
    }
}

impl HtmlCleanerBuilder {
    /// Allows these tags (lowercase names) in addition to the current ones.
    pub fn add_tags(mut self, tags: impl IntoIterator<Item = &'static str>) -> Self {
        self.tags.extend(tags);
        self
    }

    /// Removes these tags from the allowlist; their text is kept.
    pub fn remove_tags(mut self, tags: impl IntoIterator<Item = &'static str>) -> Self {
        for tag in tags {
            self.tags.remove(tag);
        }
        self
    }

    /// Allows these attributes on `tag`. `href` and `src` are checked against the
    /// scheme allowlist; URL attributes that are not (`srcset`, `cite`,
    /// `longdesc`, …) are refused by [`build`](Self::build), and so are `id`, `name`
    /// and `form`, which let markup shadow DOM properties (DOM clobbering).
    pub fn add_tag_attributes(mut self, tag: &'static str, attributes: impl IntoIterator<Item = &'static str>) -> Self {
        self.tag_attributes.entry(tag).or_default().extend(attributes);
        self
    }

    /// Allows these URL schemes (lowercase, without `:`) in links and sources.
    pub fn add_url_schemes(mut self, schemes: impl IntoIterator<Item = &'static str>) -> Self {
        self.url_schemes.extend(schemes);
        self
    }

    /// Keeps relative URLs (`/orders/7`, `#top`) instead of dropping them. They
    /// cannot name a scheme, so they cannot run script; they can point anywhere on
    /// your own site. Scheme-relative URLs (`//evil.example`) and those a browser
    /// would turn into one (a backslash, a tab or newline, outer spaces) are still
    /// dropped.
    pub fn allow_relative_urls(mut self, allow: bool) -> Self {
        self.relative_urls = allow;
        self
    }

    /// The input limit in bytes, 1 to [`MAX_INPUT_BYTES_LIMIT`].
    pub fn max_input_bytes(mut self, limit: usize) -> Self {
        self.max_input_bytes = limit;
        self
    }

    /// The limit on tags in one input, 1 to [`MAX_TAGS_LIMIT`] (see the module
    /// docs for what a hostile input at the limit costs). The work budget grows
    /// with the input's tags, not with the limit.
    pub fn max_tags(mut self, limit: usize) -> Self {
        self.max_tags = limit;
        self
    }

    /// The limit on attributes in one input, 1 to [`MAX_ATTRIBUTES_LIMIT`] (see the
    /// module docs for what a hostile input at the limit costs).
    pub fn max_attributes(mut self, limit: usize) -> Self {
        self.max_attributes = limit;
        self
    }

    /// Checks the configuration and builds the cleaner.
    ///
    /// # Errors
    ///
    /// [`SanitizeError::InvalidConfig`] naming the first offending item when a
    /// tag, attribute or scheme would defeat the cleaner (`script`, `iframe`, `svg`,
    /// `form`, `style`, any `on*` attribute, `srcset`, `id`, `javascript:`, `data:`,
    /// …), when a name
    /// is not lowercase ASCII, or when the input limit is out of range.
    pub fn build(self) -> Result<HtmlCleaner, SanitizeError> {
        let refuse = |what: String| Err(SanitizeError::InvalidConfig(what));
        for tag in self.tags.iter().chain(self.tag_attributes.keys()) {
            if !is_lowercase_name(tag) || REMOVED_WITH_CONTENT.contains(tag) || FORBIDDEN_TAGS.contains(tag) {
                return refuse(format!("tag `{tag}` cannot be allowed"));
            }
        }
        for attribute in self.tag_attributes.values().flatten() {
            if !is_lowercase_name(attribute) || attribute.starts_with("on") || FORBIDDEN_ATTRIBUTES.contains(attribute)
            {
                return refuse(format!("attribute `{attribute}` cannot be allowed"));
            }
        }
        for scheme in &self.url_schemes {
            if !is_lowercase_name(scheme) || super::FORBIDDEN_SCHEMES.contains(scheme) {
                return refuse(format!("URL scheme `{scheme}` cannot be allowed"));
            }
        }
        if !(1..=MAX_INPUT_BYTES_LIMIT).contains(&self.max_input_bytes) {
            return refuse(format!("max_input_bytes must be 1 to {MAX_INPUT_BYTES_LIMIT}"));
        }
        if !(1..=MAX_TAGS_LIMIT).contains(&self.max_tags) {
            return refuse(format!("max_tags must be 1 to {MAX_TAGS_LIMIT}"));
        }
        if !(1..=MAX_ATTRIBUTES_LIMIT).contains(&self.max_attributes) {
            return refuse(format!("max_attributes must be 1 to {MAX_ATTRIBUTES_LIMIT}"));
        }
        Ok(HtmlCleaner::from_builder(self))
    }
}

/// How many times [`HtmlCleaner::clean`] runs ammonia at most: on the input, on
/// its output, and on that output's output. Every ordinary document is a fixed
/// point after the first or second pass.
const MAX_PASSES: usize = 3;

/// Serialized HTML in the form that parsing it and serializing the result gives
/// back, where the only difference is the text itself:
///
/// - A carriage return (from `&#13;`) becomes a line feed, as HTML's input stream
///   preprocessing would make it (WHATWG HTML §13.2.3.5), and so does CR LF.
/// - Line feeds right after `<pre>` are dropped: parsing drops one (§13.2.6.4.7),
///   and serializing does not write it back (browsers' `innerHTML` neither).
///
/// `html` is ammonia's output: every `<` in it starts a tag, and attribute values
/// hold no `>` (html5ever escapes both).
fn canonical_form(html: String) -> String {
    let html = if html.contains('\r') {
        html.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        html
    };
    if !html.contains("<pre") {
        return html;
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<pre") {
        let after_name = &rest[at + 4..];
        if !(after_name.starts_with('>') || after_name.starts_with(' ')) {
            out.push_str(&rest[..at + 4]);
            rest = after_name;
            continue;
        }
        let Some(end) = after_name.find('>') else {
            break;
        };
        out.push_str(&rest[..at + 4 + end + 1]);
        rest = after_name[end + 1..].trim_start_matches('\n');
    }
    out.push_str(rest);
    out
}

/// Work units every input may cost, whatever its size: 8,192 elements.
const WORK_FLOOR: u64 = 8192 * work::ELEMENT;

/// Work units allowed per tag of the input: four elements. An ordinary tag makes
/// one (two more for a `<td>` outside a row), plus copies of the formatting
/// elements it reopens.
const WORK_PER_TAG: u64 = 4 * work::ELEMENT;

/// Work units allowed per byte of the input: its attributes, and a margin.
const WORK_PER_BYTE: u64 = 2;

/// The work html5ever's tree builder may do on an input of `bytes` bytes and
/// `tags` tags before the cleaner refuses it (see the module docs, "Limits").
fn work_budget(bytes: usize, tags: usize) -> u64 {
    WORK_FLOOR
        .saturating_add(WORK_PER_TAG.saturating_mul(tags as u64))
        .saturating_add(WORK_PER_BYTE.saturating_mul(bytes as u64))
}

/// Keeps a relative URL only if a browser resolves it on the page's own origin:
/// not scheme-relative (`//host`), and with no backslash (read as `/`: `/\\host`),
/// control character (tabs and newlines are dropped: `/\t/host`) or outer space
/// (stripped: ` //host`) that could make it so.
fn same_site_relative(url: &str) -> Option<std::borrow::Cow<'_, str>> {
    let risky = url.starts_with("//") || super::browser_rewrites(url.as_bytes());
    (!risky).then_some(std::borrow::Cow::Borrowed(url))
}

/// Lowercase ASCII letters and digits, with inner `-`: what HTML tag, attribute
/// and URL scheme names of an allowlist look like (HTML parses names to lowercase,
/// so an uppercase entry would silently never match).
fn is_lowercase_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'+' || b == b'.')
        && name.as_bytes()[0].is_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build_through_the_same_checks() {
        assert!(HtmlCleaner::builder().build().is_ok());
    }

    #[test]
    fn builder_refuses_names_html_would_never_match() {
        let err = HtmlCleaner::builder().add_tags(["TABLE"]).build().unwrap_err();
        assert_eq!(err.code(), "invalid_config");
    }

    #[test]
    fn builder_refuses_the_rel_attribute_it_sets_itself() {
        // ammonia would panic at clean time on this combination; we refuse it at build.
        assert!(HtmlCleaner::builder().add_tag_attributes("a", ["rel"]).build().is_err());
    }

    #[test]
    fn builder_refuses_an_out_of_range_limit() {
        assert!(HtmlCleaner::builder().max_input_bytes(0).build().is_err());
        assert!(
            HtmlCleaner::builder()
                .max_input_bytes(MAX_INPUT_BYTES_LIMIT + 1)
                .build()
                .is_err()
        );
    }

    #[test]
    fn exactly_the_tag_limit_is_cleaned() {
        let cleaner = HtmlCleaner::builder().max_tags(4).build().unwrap();
        assert_eq!(cleaner.clean("<b>x</b><i>y</i>").unwrap(), "<b>x</b><i>y</i>");
        assert_eq!(
            cleaner.clean("<b>x</b><i>y</i><u>").unwrap_err(),
            SanitizeError::TooManyTags { limit: 4 }
        );
    }

    #[test]
    fn no_ammonia_default_widens_the_allowlist() {
        for cleaner in [HtmlCleaner::new(), HtmlCleaner::text_only()] {
            let inner = &cleaner.inner;
            assert!(inner.clone_generic_attributes().is_empty());
            assert_eq!(inner.clone_generic_attribute_prefixes(), Some(HashSet::new()));
            assert!(inner.clone_tag_attribute_values().is_empty());
            assert!(inner.clone_set_tag_attribute_values().is_empty());
            assert!(inner.clone_allowed_classes().is_empty());
            assert!(inner.will_strip_comments());
            assert!(inner.is_url_relative_deny());
            assert_eq!(inner.get_link_rel(), Some(LINK_REL));
        }
    }

    #[test]
    fn debug_lists_the_allowlist() {
        let debug = format!("{:?}", HtmlCleaner::new());
        assert!(debug.contains("\"a\"") && debug.contains("mailto"), "{debug}");
    }
}
