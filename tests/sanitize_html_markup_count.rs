//! The HTML cleaner's pre-parse tag and attribute counts, checked against the
//! tokenizer ammonia parses with (html5ever 0.40).
//!
//! The documented guarantee: the counts are never lower than what the tokenizer
//! produces for the same input, however the input plays with quotes, `=`, `/`, raw
//! text or comments; on ordinary HTML they are exact. Our counts are read through
//! the public API only: the smallest `max_attributes` (or `max_tags`) under which
//! `clean` does not refuse, found by bisection (as `benches/sanitize.rs` does).
//!
//! html5ever's counts come from several runs of its tokenizer over the input:
//!
//! - in the Data state, never switching to raw text;
//! - "tree-builder-like" (the primary comparison): switching to RAWTEXT, RCDATA,
//!   script data or PLAINTEXT after the start tags that make the tree builder do so;
//! - starting inside `<style>`, `<textarea>`, `<title>` and `<script>`, then as the
//!   tree-builder-like run;
//! - the real thing: the tokenizer driving html5ever's tree builder, set up as
//!   ammonia sets it up (a fragment in a `<div>`), with a sink in between counting.
//!
//! Attributes are counted on every start and end tag token, duplicates included
//! (html5ever drops a repeated name from `attrs` but reports a "Duplicate
//! attribute" parse error, which is counted too). Tags are tag tokens (start and
//! end), comments (bogus ones from `<!x`, `<?x`, `</1` included) and doctypes: each
//! begins at a `<` followed by a letter, `/`, `!` or `?`, which is what we count.
//!
//! The cleaner also bounds the work of the tree html5ever builds (the module docs'
//! "Limits"): every input it accepts must cost html5ever's tree builder at most the
//! documented budget, counted by the same sink, elements and their attributes.
//!
//! 512 cases per property; about a second in debug.
#![cfg(feature = "html")]

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};

use html5ever::interface::{Attribute, ElementFlags, NodeOrText, QuirksMode};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::{RawKind, State};
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts, TreeSink, create_element};
use html5ever::{QualName, TokenizerResult, local_name, ns};
use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::html::{self, HtmlCleaner, HtmlCleanerBuilder};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Our counts, through the public API.

/// The smallest limit (1 to `ceiling`) under which `input` is not refused with the
/// error `refused` matches: our count, or 1 when the count is 0.
fn smallest_limit(
    input: &str,
    ceiling: usize,
    builder: impl Fn(usize) -> HtmlCleanerBuilder,
    refused: fn(&SanitizeError) -> bool,
) -> usize {
    let passes = |limit: usize| match builder(limit).build().expect("limit in range").clean(input) {
        Ok(_) => true,
        Err(err) if refused(&err) => false,
        Err(err) => panic!("unexpected error {err:?} ({}) on {input:?}", err.code()),
    };
    assert!(passes(ceiling), "{input:?} is refused even at the largest limit");
    let (mut low, mut high) = (1, ceiling);
    while low < high {
        let mid = (low + high) / 2;
        if passes(mid) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    low
}

fn our_attributes(input: &str) -> usize {
    smallest_limit(
        input,
        html::MAX_ATTRIBUTES_LIMIT,
        |limit| {
            HtmlCleaner::builder()
                .max_attributes(limit)
                .max_tags(html::MAX_TAGS_LIMIT)
        },
        |err| matches!(err, SanitizeError::TooManyAttributes { .. }) && err.code() == "too_many_attributes",
    )
}

fn our_tags(input: &str) -> usize {
    smallest_limit(
        input,
        html::MAX_TAGS_LIMIT,
        |limit| {
            HtmlCleaner::builder()
                .max_tags(limit)
                .max_attributes(html::MAX_ATTRIBUTES_LIMIT)
        },
        |err| matches!(err, SanitizeError::TooManyTags { .. }) && err.code() == "too_many_tags",
    )
}

// ---------------------------------------------------------------------------
// html5ever's counts.

/// What one tokenizer run produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Seen {
    /// Tag tokens, comments and doctypes.
    tags: usize,
    /// `attrs.len()` summed over start and end tag tokens.
    attributes: usize,
    /// Attribute names dropped as duplicates ("Duplicate attribute" errors).
    duplicates: usize,
}

impl Seen {
    /// Every attribute name the tokenizer started, duplicates included.
    fn raw_attributes(self) -> usize {
        self.attributes + self.duplicates
    }
}

/// Counts the tokens it is given.
#[derive(Default)]
struct Tally(Cell<Seen>);

impl Tally {
    fn observe(&self, token: &Token) {
        let mut seen = self.0.get();
        match token {
            Token::TagToken(tag) => {
                seen.tags += 1;
                seen.attributes += tag.attrs.len();
            }
            Token::CommentToken(_) | Token::DoctypeToken(_) => seen.tags += 1,
            Token::ParseError(error) if error == "Duplicate attribute" => seen.duplicates += 1,
            _ => {}
        }
        self.0.set(seen);
    }
}

/// A sink that counts, and, when `tree_builder_like`, switches the tokenizer into
/// raw text after the start tags that make the HTML tree builder do so (in body,
/// scripting enabled, as ammonia parses).
struct Counter {
    tally: Tally,
    tree_builder_like: bool,
}

impl TokenSink for Counter {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        self.tally.observe(&token);
        match token {
            Token::TagToken(tag) if self.tree_builder_like && tag.kind == TagKind::StartTag => match &*tag.name {
                "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                    TokenSinkResult::RawData(RawKind::Rawtext)
                }
                "textarea" | "title" => TokenSinkResult::RawData(RawKind::Rcdata),
                "script" => TokenSinkResult::RawData(RawKind::ScriptData),
                "plaintext" => TokenSinkResult::Plaintext,
                _ => TokenSinkResult::Continue,
            },
            _ => TokenSinkResult::Continue,
        }
    }
}

/// Feeds `input` in one buffer and ends, running on past `</script>` pauses.
fn run<S: TokenSink>(tokenizer: &Tokenizer<S>, input: &str) {
    let buffer = BufferQueue::default();
    buffer.push_back(StrTendril::from_slice(input));
    while let TokenizerResult::Script(_) = tokenizer.feed(&buffer) {}
    tokenizer.end();
}

fn tokenize(input: &str, tree_builder_like: bool, initial: Option<(State, &str)>) -> Seen {
    let opts = TokenizerOpts {
        initial_state: initial.map(|(state, _)| state),
        last_start_tag_name: initial.map(|(_, name)| name.to_owned()),
        ..TokenizerOpts::default()
    };
    let tokenizer = Tokenizer::new(
        Counter {
            tally: Tally::default(),
            tree_builder_like,
        },
        opts,
    );
    run(&tokenizer, input);
    tokenizer.sink.tally.0.get()
}

/// Forwards every token to the real tree builder, counting it on the way.
struct Tapped<S> {
    inner: S,
    tally: Tally,
}

impl<S: TokenSink> TokenSink for Tapped<S> {
    type Handle = S::Handle;

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<S::Handle> {
        self.tally.observe(&token);
        self.inner.process_token(token, line)
    }

    fn end(&self) {
        self.inner.end();
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.inner.adjusted_current_node_present_but_not_in_html_namespace()
    }
}

/// A DOM that keeps only what the tree builder asks back: element names, template
/// contents and MathML integration points. Everything the tokenizer is told
/// depends on the tree builder's own stacks, not on where nodes are appended, so
/// this drives the tokenizer exactly as ammonia's `RcDom` does.
#[derive(Default)]
struct Names {
    nodes: RefCell<Vec<Node>>,
    /// The work the tree builder did: [`ELEMENT`] per element created, plus the
    /// length of its attributes (names and values, in characters).
    work: Cell<u64>,
}

#[derive(Default)]
struct Node {
    name: Option<QualName>,
    template_contents: Option<usize>,
    integration_point: bool,
}

impl Names {
    fn add(&self, node: Node) -> usize {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(node);
        nodes.len() - 1
    }
}

impl TreeSink for Names {
    type Handle = usize;
    type Output = ();
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) {}

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> usize {
        if self.nodes.borrow().is_empty() {
            self.add(Node::default());
        }
        0
    }

    fn elem_name<'a>(&'a self, target: &'a usize) -> Ref<'a, QualName> {
        Ref::map(self.nodes.borrow(), |nodes| {
            nodes[*target].name.as_ref().expect("an element")
        })
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> usize {
        let attributes: usize = attrs
            .iter()
            .map(|attr| attr.name.local.len() + attr.value.chars().count())
            .sum();
        self.work.set(self.work.get() + ELEMENT + attributes as u64);
        let template_contents = flags.template.then(|| self.add(Node::default()));
        self.add(Node {
            name: Some(name),
            template_contents,
            integration_point: flags.mathml_annotation_xml_integration_point,
        })
    }

    fn create_comment(&self, _text: StrTendril) -> usize {
        self.add(Node::default())
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> usize {
        self.add(Node::default())
    }

    fn append(&self, _parent: &usize, _child: NodeOrText<usize>) {}

    fn append_based_on_parent_node(&self, _element: &usize, _previous: &usize, _child: NodeOrText<usize>) {}

    fn append_doctype_to_document(&self, _name: StrTendril, _public_id: StrTendril, _system_id: StrTendril) {}

    fn get_template_contents(&self, target: &usize) -> usize {
        self.nodes.borrow()[*target].template_contents.expect("a template")
    }

    fn same_node(&self, x: &usize, y: &usize) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, _sibling: &usize, _new_node: NodeOrText<usize>) {}

    fn add_attrs_if_missing(&self, _target: &usize, _attrs: Vec<Attribute>) {}

    fn remove_from_parent(&self, _target: &usize) {}

    fn reparent_children(&self, _node: &usize, _new_parent: &usize) {}

    fn is_mathml_annotation_xml_integration_point(&self, handle: &usize) -> bool {
        self.nodes.borrow()[*handle].integration_point
    }
}

/// What one element costs in the cleaner's work budget, besides its attributes.
const ELEMENT: u64 = 128;

/// The documented work budget: 8,192 elements' worth, 512 units per tag (every
/// `<` followed by a letter, `/`, `!` or `?`) and 2 per byte.
fn work_budget(input: &str) -> u64 {
    let bytes = input.as_bytes();
    let tags = bytes
        .windows(2)
        .filter(|pair| pair[0] == b'<' && (pair[1].is_ascii_alphabetic() || b"/!?".contains(&pair[1])))
        .count() as u64;
    8192 * ELEMENT + 512 * tags + 2 * bytes.len() as u64
}

/// The work html5ever's tree builder does on `input`, set up as ammonia sets it up.
fn tree_work(input: &str) -> u64 {
    let dom = Names::default();
    let context = create_element(&dom, QualName::new(None, ns!(html), local_name!("div")), vec![]);
    let tree_builder = TreeBuilder::new_for_fragment(dom, context, None, TreeBuilderOpts::default());
    let opts = TokenizerOpts {
        initial_state: Some(tree_builder.tokenizer_state_for_context_elem(false)),
        ..TokenizerOpts::default()
    };
    let tokenizer = Tokenizer::new(tree_builder, opts);
    run(&tokenizer, input);
    tokenizer.sink.sink.work.get()
}

/// Accepted input costs html5ever at most the budget.
fn check_within_budget(input: &str) -> Result<(), String> {
    let cleaner = HtmlCleaner::builder()
        .max_input_bytes(html::MAX_INPUT_BYTES_LIMIT)
        .max_tags(html::MAX_TAGS_LIMIT)
        .max_attributes(html::MAX_ATTRIBUTES_LIMIT)
        .build()
        .expect("limits in range");
    match cleaner.clean(input) {
        // Refused: nothing was built.
        Err(_) => Ok(()),
        Ok(_) => {
            let (work, budget) = (tree_work(input), work_budget(input));
            if work <= budget {
                Ok(())
            } else {
                Err(format!(
                    "{input:?} was cleaned, but cost html5ever {work} units of a {budget} budget"
                ))
            }
        }
    }
}

/// The tokenizer as ammonia drives it: html5ever's tree builder on a fragment whose
/// context is `<div>` (`ammonia::Builder::make_parser`).
fn parse(input: &str) -> Seen {
    let dom = Names::default();
    let context = create_element(&dom, QualName::new(None, ns!(html), local_name!("div")), vec![]);
    let tree_builder = TreeBuilder::new_for_fragment(dom, context, None, TreeBuilderOpts::default());
    let opts = TokenizerOpts {
        initial_state: Some(tree_builder.tokenizer_state_for_context_elem(false)),
        ..TokenizerOpts::default()
    };
    let tokenizer = Tokenizer::new(
        Tapped {
            inner: tree_builder,
            tally: Tally::default(),
        },
        opts,
    );
    run(&tokenizer, input);
    tokenizer.sink.tally.0.get()
}

/// The raw-text states the input may be read as starting in, with the element
/// whose end tag closes them.
const RAW_STARTS: [(State, &str); 4] = [
    (State::RawData(RawKind::Rawtext), "style"),
    (State::RawData(RawKind::Rcdata), "textarea"),
    (State::RawData(RawKind::Rcdata), "title"),
    (State::RawData(RawKind::ScriptData), "script"),
];

/// Every run over `input`, named; the tree-builder-like run first.
fn all_runs(input: &str) -> Vec<(String, Seen)> {
    let mut runs = vec![
        ("tree-builder-like".to_owned(), tokenize(input, true, None)),
        ("data state, no raw text".to_owned(), tokenize(input, false, None)),
        ("html5ever tree builder (ammonia's parser)".to_owned(), parse(input)),
    ];
    for (state, name) in RAW_STARTS {
        runs.push((
            format!("starting inside <{name}>"),
            tokenize(input, true, Some((state, name))),
        ));
    }
    runs
}

// ---------------------------------------------------------------------------
// The checks.

/// Ours is at least every run's count, attributes and tags.
fn check_at_least(input: &str) -> Result<(), String> {
    let (attributes, tags) = (our_attributes(input), our_tags(input));
    for (run, seen) in all_runs(input) {
        if attributes < seen.raw_attributes() {
            return Err(format!(
                "{input:?}: we count {attributes} attributes, html5ever ({run}) {} ({} kept + {} duplicates)",
                seen.raw_attributes(),
                seen.attributes,
                seen.duplicates
            ));
        }
        if tags < seen.tags {
            return Err(format!(
                "{input:?}: we count {tags} tags, html5ever ({run}) {}",
                seen.tags
            ));
        }
    }
    Ok(())
}

fn assert_at_least(input: &str) {
    if let Err(message) = check_at_least(input) {
        panic!("{message}");
    }
}

/// Our attribute count, and html5ever's (tree-builder-like) count with duplicates.
fn attribute_counts(input: &str) -> (usize, usize) {
    (our_attributes(input), tokenize(input, true, None).raw_attributes())
}

// ---------------------------------------------------------------------------
// Generated input.

/// The core alphabet: quotes, `=`, `/`, raw-text tags, comments, references.
const FRAGMENTS: &[&str] = &[
    "<",
    "</",
    ">",
    "/",
    "=",
    "\"",
    "'",
    " ",
    "\t",
    "\n",
    "a",
    "b",
    "x1",
    "style",
    "script",
    "textarea",
    "title",
    "<!--",
    "-->",
    "<b",
    "<i ",
    "<style>",
    "</style>",
    "<script>",
    "</script>",
    "<textarea>",
    "&quot;",
    "x=",
    "y=\"",
    "z='",
];

/// More edges of the tokenizer: CR and form feed, bogus comments and doctypes,
/// RCDATA and other raw-text elements, foreign content and CDATA, upper case.
const MORE_FRAGMENTS: &[&str] = &[
    "\r",
    "\x0C",
    "-",
    "!",
    "?",
    "<!",
    "<?",
    "<!-->",
    "</textarea>",
    "<title>",
    "</title>",
    "<xmp>",
    "<plaintext>",
    "<noscript>",
    "</noscript>",
    "<svg>",
    "<![CDATA[",
    "]]>",
    "<B",
    "</STYLE>",
    "<!--<script>",
    "<!doctype x",
];

/// 0 to 40 fragments joined, three in four from the core alphabet.
fn crafted() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![3 => prop::sample::select(FRAGMENTS), 1 => prop::sample::select(MORE_FRAGMENTS)];
    prop::collection::vec(fragment, 0..40).prop_map(|parts| parts.concat())
}

/// Ordinary markup: tags (never raw-text ones) with distinct attributes, unquoted,
/// single- or double-quoted values (holding `>`, quotes of the other kind, `=`,
/// `/`, but no `<`), end tags, comments and text.
fn ordinary() -> impl Strategy<Value = String> {
    let name = prop::sample::select(
        &[
            "p", "b", "i", "a", "div", "span", "img", "br", "ul", "li", "h1", "em", "abbr",
        ][..],
    );
    let space = prop::sample::select(&[" ", "  ", "\n", "\t"][..]);
    let value = prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9_.:-]{1,8}".prop_map(|v| format!("={v}")),
        "[a-zA-Z0-9 >='/.:-]{0,10}".prop_map(|v| format!("=\"{v}\"")),
        "[a-zA-Z0-9 >=\"/.:-]{0,10}".prop_map(|v| format!(" = '{v}'")),
    ];
    let attributes = prop::collection::btree_map("[a-z][a-z0-9-]{0,5}", value, 0..5);
    let start = (name.clone(), space, attributes, any::<bool>()).prop_map(|(name, space, attributes, closed)| {
        let mut tag = format!("<{name}");
        for (attribute, value) in attributes {
            tag.push_str(space);
            tag.push_str(&attribute);
            tag.push_str(&value);
        }
        tag.push_str(if closed { " />" } else { ">" });
        tag
    });
    let end = name.prop_map(|name| format!("</{name}>"));
    let comment = "[a-zA-Z0-9 =\"'>]{0,12}".prop_map(|text| format!("<!--{text}-->"));
    let text = "[a-zA-Z0-9 .,;:!?\"'=>&/-]{0,12}|a < b|1 <2|&lt;x";
    prop::collection::vec(prop_oneof![4 => start, 2 => end, 1 => comment, 3 => text], 0..12)
        .prop_map(|parts| parts.concat())
}

/// Formatting elements left open, some with long attributes, blocks that close
/// them and text that re-creates them, repeated: the shapes that cost the tree
/// builder most per byte.
fn costly() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        3 => (0..5usize, 0..40u16, 0..3usize).prop_map(|(name, attribute, long)| {
            let name = ["b", "i", "a", "nobr", "font"][name];
            let value = "v".repeat([0, 30, 1000][long]);
            if attribute == 0 { format!("<{name}>") } else { format!("<{name} x={attribute}{value}>") }
        }),
        2 => prop::sample::select(&["<p>", "<p>x", "x", "<div>", "</div>", "<li>", "</p>", "<table>", "<td>",
            "</table>", "<object>", "</object>", "</b>", "</a>", "</i>", "<br>", "</br>", "<span>", "</span>",
            "<button>", "<svg>", "<template>"][..])
            .prop_map(str::to_owned),
    ];
    (prop::collection::vec(part, 0..60), 1..100usize).prop_map(|(parts, repeat)| {
        // The tail repeated: what re-creates the open elements over and over.
        let tail = parts
            .iter()
            .rev()
            .take(3)
            .rev()
            .cloned()
            .collect::<String>()
            .repeat(repeat);
        parts.concat() + &tail
    })
}

fn config() -> ProptestConfig {
    // No regression files: this test writes nothing to the tree.
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn attributes_are_never_undercounted(input in crafted()) {
        let (runs, ours) = (all_runs(&input), our_attributes(&input));
        for (run, seen) in runs {
            prop_assert!(
                ours >= seen.raw_attributes(),
                "{input:?}: ours {ours}, html5ever ({run}) {} kept + {} duplicates",
                seen.attributes,
                seen.duplicates
            );
        }
    }

    #[test]
    fn tags_are_never_undercounted(input in crafted()) {
        let (runs, ours) = (all_runs(&input), our_tags(&input));
        for (run, seen) in runs {
            prop_assert!(ours >= seen.tags, "{input:?}: ours {ours}, html5ever ({run}) {}", seen.tags);
        }
    }

    #[test]
    fn accepted_input_costs_the_tree_builder_at_most_the_budget(input in costly()) {
        check_within_budget(&input).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn ordinary_markup_is_counted_exactly(input in ordinary()) {
        let ours = our_attributes(&input);
        let theirs = tokenize(&input, true, None);
        prop_assert_eq!(theirs.duplicates, 0, "{:?}", input);
        prop_assert_eq!(parse(&input).attributes, theirs.attributes, "{:?}", input);
        // The cleaned document is held to the same limit (what the cleaner answers,
        // it accepts again), and it may hold more: a link the tree builder reopens
        // is a second `<a>`, each with the cleaner's `rel`.
        let output = tokenize(&roomy_clean(&input), true, None);
        prop_assert_eq!(output.duplicates, 0, "{:?}", input);
        // A limit cannot be 0: a count of 0 shows as 1.
        prop_assert_eq!(ours, theirs.attributes.max(output.attributes).max(1), "{:?}", input);
    }
}

// ---------------------------------------------------------------------------
// Regressions.

#[test]
fn quotes_and_equals_in_names_and_unquoted_values() {
    // `b"x="` is the tag name; a1 to a3 are attributes.
    assert_eq!(attribute_counts(r#"<b"x=" a1 a2 a3>"#), (3, 3));
    // `a="` is an unquoted value; x, a1 and a2 are attributes.
    assert_eq!(attribute_counts(r#"<b x=a=" a1 a2>"#), (3, 3));
    // `>` inside quotes is value; t, a1 and a2 are attributes.
    assert_eq!(attribute_counts(r#"<b t=">" a1 a2>"#), (3, 3));
    for input in [r#"<b"x=" a1 a2 a3>"#, r#"<b x=a=" a1 a2>"#, r#"<b t=">" a1 a2>"#] {
        assert_at_least(input);
    }
}

#[test]
fn raw_text_is_covered_both_ways() {
    // Inside <style>, `<b x="` is text; the tokenizer then sees <i> with y, z1, z2.
    let input = r#"<style><b x="</style><i y="AAA>" z1 z2>"#;
    let (ours, theirs) = attribute_counts(input);
    assert_eq!(theirs, 3);
    assert!(ours >= theirs, "{ours}");
    assert_at_least(input);
    // Inside <textarea> likewise: <i> has q, r, s and t.
    let input = r#"<textarea><b a="</textarea><i q="x>" r s t>"#;
    let (ours, theirs) = attribute_counts(input);
    assert_eq!(theirs, 4);
    assert!(ours >= theirs, "{ours}");
    assert_at_least(input);
}

#[test]
fn end_tags_carry_attributes() {
    assert_eq!(attribute_counts("<b>x</b a1 a2>"), (2, 2));
    assert_at_least("<b>x</b a1 a2>");
}

#[test]
fn duplicate_attributes_are_counted_by_both() {
    let seen = tokenize("<b a a a=1 b>", true, None);
    assert_eq!((seen.attributes, seen.duplicates), (2, 2));
    assert_eq!(our_attributes("<b a a a=1 b>"), 4);
}

#[test]
fn comments_doctypes_and_bogus_comments_are_tags() {
    let input = "<!-- c --><!doctype html><?pi><!x></1></><b>";
    // html5ever: comment, doctype, two bogus comments, one from `</1`, and <b>;
    // `</>` emits nothing. We count every `<` then a letter, `/`, `!` or `?`: 7.
    assert_eq!(tokenize(input, true, None).tags, 6);
    assert_eq!(our_tags(input), 7);
    assert_at_least(input);
}

/// `input` cleaned under the largest limits.
fn roomy_clean(input: &str) -> String {
    HtmlCleaner::builder()
        .max_attributes(html::MAX_ATTRIBUTES_LIMIT)
        .max_tags(html::MAX_TAGS_LIMIT)
        .build()
        .expect("limits in range")
        .clean(input)
        .expect("ordinary markup is cleaned under the largest limits")
}

#[test]
fn attributes_the_cleaner_adds_count_toward_the_limit() {
    // Found by `ordinary_markup_is_counted_exactly`: no attribute in, but the tree
    // builder closes `<a>` at `</h1>` and reopens it for the text, and each copy
    // gets `rel`: two attributes out, so a limit of 1 refuses it.
    let input = "<h1><a></h1>0";
    assert_eq!(tokenize(input, true, None).attributes, 0);
    assert_eq!(
        roomy_clean(input),
        r#"<h1><a rel="noopener noreferrer nofollow"></a></h1><a rel="noopener noreferrer nofollow">0</a>"#
    );
    assert_eq!(our_attributes(input), 2);
}

#[test]
fn counts_of_zero_show_as_a_limit_of_one() {
    assert_eq!(our_attributes("plain text, a < b"), 1);
    assert_eq!(our_tags("plain text, a < b"), 1);
    assert_eq!(tokenize("plain text, a < b", true, None), Seen::default());
}

// ---------------------------------------------------------------------------
// Regressions: an end tag opening inside a tag. Inside a tag, `</b` is `/` (to the
// self-closing state, which reconsumes the letter in "before attribute name") and
// then a new attribute; the scanner once jumped from `</` straight to the name and
// counted one attribute short for each, so an input could carry twice the limit.

#[test]
fn an_end_tag_opening_inside_a_tag_starts_attributes() {
    for (input, theirs) in [
        ("<b </b>", 2),
        ("<b x</b>", 2),
        ("<b/</b>", 2),
        ("<i </style>", 2),
        (r#"<b x="1" </b>"#, 3),
    ] {
        assert_eq!(tokenize(input, true, None).raw_attributes(), theirs, "{input:?}");
        assert_eq!(parse(input).raw_attributes(), theirs, "{input:?}");
        assert_at_least(input);
    }
}

#[test]
fn end_tags_inside_a_tag_count_toward_the_limit() {
    let input = format!("<b{}>", (0..1000).map(|i| format!(" x{i}</a{i}")).collect::<String>());
    let seen = parse(&input);
    assert_eq!((seen.attributes, seen.duplicates), (2000, 0));
    // The default cleaner (1,024 attributes) must refuse it.
    let refused = HtmlCleaner::new().clean(&input);
    assert!(
        matches!(refused, Err(SanitizeError::TooManyAttributes { .. })),
        "accepted 2,000 attributes"
    );
}

// ---------------------------------------------------------------------------
// The work budget, around the threshold of the shape that found it: `<p>`, n
// formatting elements that differ by an attribute, `<p>x` up to half the tag limit
// (the output, with its end tags and copies, must pass the limit too).

#[test]
fn reopened_formatting_elements_are_cleaned_only_within_the_budget() {
    let roomy = HtmlCleaner::builder().max_tags(html::MAX_TAGS_LIMIT).build().unwrap();
    let mut cleaned = Vec::new();
    for open in [0, 1, 2, 3, 4, 8, 16, 64, 256, 1020] {
        let mut input = String::from("<p>");
        for i in 0..open {
            input.push_str(&format!("<b x={i}>"));
        }
        input.push_str(&"<p>x".repeat(html::DEFAULT_MAX_TAGS / 2 - 1 - open));
        if let Err(message) = check_within_budget(&input) {
            panic!("{message}");
        }
        if let Ok(clean) = roomy.clean(&input) {
            assert_eq!(roomy.clean(&clean).as_ref(), Ok(&clean));
            cleaned.push(open);
        }
    }
    // The small ones are cleaned, the large ones refused.
    assert_eq!(cleaned, [0, 1, 2, 3]);
}
