//! An upper bound, computed before parsing, on the tree html5ever's tree builder
//! builds from untrusted HTML, so that input whose tree would grow far beyond the
//! input itself is refused instead of built.
//!
//! # Why the tree can outgrow the input
//!
//! The tree builder keeps a list of the formatting elements (`a b big code em font i
//! nobr s small strike strong tt u`) that are open, and when one of them has been
//! closed by something other than its own end tag (a `<p>` closing the paragraph it
//! sat in, say), it creates a copy of it before the next text or start tag:
//! "reconstruct the active formatting elements" (WHATWG HTML §13.2.4.3). A list of
//! n entries copied before each of m later tokens is n × m elements from n + m tags:
//! `<p>`, 1,020 `<b x=N>` and 3,070 `<p>x` (21 KB) make 3.1 million elements. The
//! list's only cap, the "Noah's Ark" clause, keeps at most three entries with the
//! same tag name and attributes; entries that differ by an attribute are not capped.
//! The adoption agency algorithm (§13.2.6.4, for misnested end tags) copies too,
//! at most eight times per run, plus the entries it walks past.
//!
//! # The measure
//!
//! Work, in units: every element the tree builder creates costs [`ELEMENT`] units
//! plus the length of its attributes (names and values, in characters), which a
//! copy carries along. Each element a start tag creates directly costs at most
//! [`ELEMENT`] plus the bytes its attributes take in the source; the bound adds
//! what the implied elements (`tbody`, `tr`, `colgroup`, `p`, `br`), the
//! reconstructions and the adoption agency runs can cost at most on top.
//!
//! # How the bound is kept
//!
//! The scan tokenizes the input as html5ever does: comments, bogus comments,
//! doctypes, the tag and attribute states of [`super::markup`], and the raw text
//! of `script`, `style`, `textarea` and the rest, which the tree builder switches
//! the tokenizer into wherever HTML's in-body rules apply. For each formatting
//! element name it keeps an upper bound on the entries of that name in the list of
//! active formatting elements, in count and in weight, and lowers it when an end
//! tag provably removes one: the end tag closes the most recent open start tag of
//! that name, and between the two there was no token that pushes a marker, opens
//! a scope boundary or changes the insertion mode (table parts, `applet`,
//! `marquee`, `object`, `select`, `svg`, `html`, `body`, …), fewer than eight
//! special elements that could serve the adoption agency as furthest blocks, and
//! the name never had three entries (so the Noah's Ark clause never left an
//! element open without its entry, the one way the adoption agency's first step
//! pops an element instead of removing an entry). Then the end tag's adoption
//! agency run finds that entry in scope and removes it. Ordinary markup closes what
//! it opens, and the bound stays near the truth.
//!
//! Once `svg`, `math` or `template` may be open, a raw text element may instead be
//! read as markup (foreign content, or a template's column group ignoring it) and
//! `<![CDATA[` may open a CDATA section: the scan goes on where both readings
//! agree (raw text with no `<` in it, a CDATA section ending at the bogus
//! comment's `>`). Where they do not, and at a `<!--` in script data that could
//! start a double-escaped section, the token stream is no longer certain: the
//! scan falls back to counting every `<` followed by a letter as a possible tag,
//! lowering nothing from there on.
//!
//! The bound must never be lower than the work html5ever does; `tests` checks it
//! against html5ever's own tree builder on generated and crafted input.

use memchr::{memchr, memmem};

use super::markup::{DOUBLE_QUOTED, OUTSIDE, SINGLE_QUOTED, TAG_NAME, is_space, step};

/// The units one element costs, besides its attributes: about what copying and
/// serializing 128 bytes of attribute text costs.
pub(super) const ELEMENT: u64 = 128;

/// Outer iterations of one adoption agency run (§13.2.6.4, step 4).
const ADOPTION_RUNS: u64 = 8;

/// Entries per name and attributes the Noah's Ark clause keeps.
const NOAHS_ARK: u64 = 3;

/// Special elements open above a formatting element that let one adoption agency
/// run end without removing its entry: one furthest block per iteration.
const FURTHEST_BLOCKS: u64 = ADOPTION_RUNS;

/// The formatting element names, as the tree builder lists them.
const FORMATTING: [&[u8]; 14] = [
    b"a", b"b", b"big", b"code", b"em", b"font", b"i", b"nobr", b"s", b"small", b"strike", b"strong", b"tt", b"u",
];
const A: usize = 0;
const FONT: usize = 5;
const NOBR: usize = 7;

/// How the tokenizer reads what follows a start tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    /// Markup.
    Markup,
    /// RAWTEXT or RCDATA: text up to the element's own end tag.
    RawText,
    /// Script data: like raw text, with escapes.
    Script,
    /// PLAINTEXT: text to the end of the input.
    PlainText,
    /// Foreign content (`svg`, `math`) or template contents, where the tree builder
    /// may leave the tokenizer in markup after a raw text element's start tag, and
    /// (in foreign content) reads `<![CDATA[` sections.
    Foreign,
}

/// What the scan needs to know about a tag name.
#[derive(Debug, Clone, Copy)]
struct Name {
    formatting: Option<usize>,
    /// One of html5ever's `special_tag` elements that can stay open (void ones,
    /// popped at once, are never a furthest block), with `dialog` and `search`
    /// added for safety.
    special: bool,
    /// A tag after which an end tag no longer provably removes the entry of a
    /// start tag before it: scope boundaries (html5ever's `html_default_scope`),
    /// marker pushers, table parts that switch the insertion mode, foreign content
    /// and the document-level tags.
    tainting: bool,
    content: Content,
    /// Elements the tree builder creates besides the tag's own (`tbody` and `tr`
    /// for a `td` in a table, …).
    implied: u64,
}

fn classify(name: &[u8]) -> Name {
    let mut lower = [0u8; 10];
    let Some(lower) = lower.get_mut(..name.len()) else {
        // Longer than every name that matters here.
        return Name::ORDINARY;
    };
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    let formatting = FORMATTING.iter().position(|known| *known == &*lower);
    let (special, tainting, content, implied) = match &*lower {
        b"script" => (true, false, Content::Script, 0),
        b"style" | b"xmp" | b"iframe" | b"noembed" | b"noframes" | b"noscript" | b"textarea" | b"title" => {
            (true, false, Content::RawText, 0)
        }
        b"plaintext" => (true, false, Content::PlainText, 0),
        b"svg" | b"math" => (false, true, Content::Foreign, 0),
        b"template" => (true, true, Content::Foreign, 0),
        b"td" | b"th" => (true, true, Content::Markup, 2),
        b"tr" => (true, true, Content::Markup, 1),
        b"col" => (false, true, Content::Markup, 1),
        b"applet" | b"body" | b"caption" | b"colgroup" | b"frameset" | b"head" | b"html" | b"marquee" | b"object"
        | b"select" | b"table" | b"tbody" | b"tfoot" | b"thead" => (true, true, Content::Markup, 0),
        b"frame" => (false, true, Content::Markup, 0),
        b"address" | b"article" | b"aside" | b"blockquote" | b"button" | b"center" | b"dd" | b"details" | b"dialog"
        | b"dir" | b"div" | b"dl" | b"dt" | b"fieldset" | b"figcaption" | b"figure" | b"footer" | b"form" | b"h1"
        | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"header" | b"hgroup" | b"isindex" | b"li" | b"listing" | b"main"
        | b"menu" | b"nav" | b"ol" | b"p" | b"pre" | b"search" | b"section" | b"summary" | b"ul" => {
            (true, false, Content::Markup, 0)
        }
        _ => (false, false, Content::Markup, 0),
    };
    Name {
        formatting,
        special,
        tainting,
        content,
        implied,
    }
}

/// A tag as the tokenizer reads it from its name to its `>`.
#[derive(Debug, Clone, Copy)]
struct Tag {
    /// Just past the name.
    name_end: usize,
    /// Just past the `>`.
    end: usize,
    /// Where the first attribute name starts, if any.
    attributes_from: Option<usize>,
}

impl Name {
    const ORDINARY: Name = Name {
        formatting: None,
        special: false,
        tainting: false,
        content: Content::Markup,
        implied: 0,
    };
}

impl Tag {
    /// What the element costs: [`ELEMENT`] and its attributes' bytes.
    fn weight(&self) -> u64 {
        ELEMENT + self.attributes_from.map_or(0, |from| (self.end - from) as u64)
    }
}

/// Runs the tag states from the name starting at `name_start` to the closing `>`;
/// `None` when the input ends first (the tokenizer then emits no tag).
fn scan_tag(html: &[u8], name_start: usize) -> Option<Tag> {
    // The name runs to whitespace, `/` or `>`; most tags end right there.
    let name_end = name_start
        + html[name_start..]
            .iter()
            .position(|&byte| is_space(byte) || byte == b'/' || byte == b'>')?;
    if html[name_end] == b'>' {
        return Some(Tag {
            name_end,
            end: name_end + 1,
            attributes_from: None,
        });
    }
    let mut state = TAG_NAME;
    let mut name_end = None;
    let mut attributes_from = None;
    let mut at = name_start;
    while at < html.len() {
        if state == DOUBLE_QUOTED || state == SINGLE_QUOTED {
            // Inside a quoted value only its closing quote matters.
            let quote = if state == DOUBLE_QUOTED { b'"' } else { b'\'' };
            at += memchr(quote, &html[at..])?;
        }
        let (next, starts_attribute) = step(state, html[at]);
        if state == TAG_NAME && next != TAG_NAME && name_end.is_none() {
            name_end = Some(at);
        }
        if starts_attribute && attributes_from.is_none() {
            attributes_from = Some(at);
        }
        if next == OUTSIDE {
            return Some(Tag {
                name_end: name_end.unwrap_or(at),
                end: at + 1,
                attributes_from,
            });
        }
        state = next;
        at += 1;
    }
    None
}

/// Just past the first `>` at or after `from`, or the end of the input.
fn past_gt(html: &[u8], from: usize) -> usize {
    html.get(from..)
        .and_then(|rest| memchr(b'>', rest))
        .map_or(html.len(), |offset| from + offset + 1)
}

/// Just past the comment whose text starts at `from` (after `<!--`): the first
/// `-->` or `--!>`, or `>` or `->` right at the start (WHATWG HTML §13.2.5.43–52).
fn past_comment(html: &[u8], from: usize) -> usize {
    let rest = html.get(from..).unwrap_or_default();
    if rest.starts_with(b">") {
        return from + 1;
    }
    if rest.starts_with(b"->") {
        return from + 2;
    }
    let mut at = from;
    while let Some(offset) = memmem::find(&html[at..], b"--") {
        let dashes = at + offset;
        let after = &html[dashes + 2..];
        if after.starts_with(b">") {
            return dashes + 3;
        }
        if after.starts_with(b"!>") {
            return dashes + 4;
        }
        at = dashes + 1;
    }
    html.len()
}

/// Where the end tag closing raw text or script data of element `name` starts
/// (`</name` then whitespace, `/` or `>`), searching from `from`.
fn raw_text_end(html: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(offset) = memmem::find(&html[at..], b"</") {
        let open = at + offset;
        let name_at = open + 2;
        let matches = html
            .get(name_at..name_at + name.len())
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(name));
        let delimited = html
            .get(name_at + name.len())
            .is_some_and(|&byte| is_space(byte) || byte == b'/' || byte == b'>');
        if matches && delimited {
            return Some(open);
        }
        at = open + 1;
    }
    None
}

/// Whether script data between `from` and `to` may enter the double-escaped state,
/// in which `</script>` does not end it: a `<!--` followed by `<script` and a
/// delimiter (WHATWG HTML §13.2.5.20–32).
fn may_double_escape(html: &[u8], from: usize, to: usize) -> bool {
    let script = &html[from..to];
    let Some(escape) = memmem::find(script, b"<!--") else {
        return false;
    };
    let mut at = escape;
    while let Some(offset) = memchr(b'<', &script[at..]) {
        let open = at + offset;
        let name = script.get(open + 1..open + 7);
        let delimited = script
            .get(open + 7)
            .is_some_and(|&byte| is_space(byte) || byte == b'/' || byte == b'>');
        if name.is_some_and(|name| name.eq_ignore_ascii_case(b"script")) && delimited {
            return true;
        }
        at = open + 1;
    }
    false
}

/// A start tag of a formatting element whose end tag has not been seen.
#[derive(Debug, Clone, Copy)]
struct Open {
    /// The token's sequence number.
    seq: u64,
    /// Special start tags seen before it.
    specials: u64,
    /// `<a>` start tags seen before it.
    a_starts: u64,
    /// Its weight, as added to its name's entries.
    weight: u64,
    /// Whether it may have been a foreign element (`a` or `font` in `svg`).
    maybe_foreign: bool,
}

/// Upper bounds on the active formatting elements of one name.
#[derive(Debug, Clone, Default)]
struct Entries {
    /// Entries of this name, in the whole list.
    count: u64,
    /// Their summed weight.
    weight: u64,
    /// The summed weight of every start tag of this name that had attributes: the
    /// entries with attributes come from distinct tokens, so weigh at most that.
    with_attributes: u64,
    /// The heaviest start tag of this name.
    heaviest: u64,
    /// Whether the Noah's Ark clause may have removed an entry of this name.
    noahs_ark: bool,
    /// Start tags of this name not yet matched by an end tag, innermost last.
    open: Vec<Open>,
}

impl Entries {
    /// What reconstructing every entry of this name can cost: at most three entries
    /// without attributes (the Noah's Ark clause) and the ones with attributes.
    fn reconstruction(&self) -> u64 {
        self.weight.min(NOAHS_ARK * ELEMENT + self.with_attributes)
    }
}

/// The running bound.
#[derive(Debug)]
struct Bound {
    work: u64,
    names: [Entries; FORMATTING.len()],
    /// What one reconstruction can cost: the sum of the names' bounds.
    reconstruction: u64,
    /// Tokens so far.
    seq: u64,
    /// The last token after which no earlier start tag's entry is provably removed
    /// by its end tag.
    tainted_at: u64,
    specials: u64,
    a_starts: u64,
}

impl Bound {
    fn new() -> Self {
        Bound {
            // The fragment's `html` root and the `div` context element.
            work: 2 * ELEMENT,
            names: Default::default(),
            reconstruction: 0,
            seq: 0,
            tainted_at: 0,
            specials: 0,
            a_starts: 0,
        }
    }

    fn add(&mut self, units: u64) {
        self.work = self.work.saturating_add(units);
    }

    fn refresh(&mut self) {
        self.reconstruction = self
            .names
            .iter()
            .fold(0u64, |sum, entries| sum.saturating_add(entries.reconstruction()));
    }

    /// An adoption agency run for `name`: eight copies of its formatting element
    /// and at most one of every other entry it walks past.
    fn adoption(&mut self, name: usize) {
        let copies = ADOPTION_RUNS.saturating_mul(self.names[name].heaviest);
        self.add(copies.saturating_add(self.reconstruction));
    }

    /// Text before the next token: one reconstruction.
    fn text(&mut self, pending: &mut bool) {
        if std::mem::take(pending) {
            self.add(self.reconstruction);
        }
    }

    /// A token that does not create elements (comment, doctype, bogus comment).
    fn other(&mut self) {
        self.seq += 1;
    }

    /// A start tag; `foreign` when foreign content may be open, where `a` and
    /// `font` may be foreign elements with no entry, so that their end tag may run
    /// the adoption agency on an older entry.
    fn start_tag(&mut self, name: Name, tag: &Tag, foreign: bool) {
        self.seq += 1;
        let weight = tag.weight();
        if let Some(index) = name.formatting {
            if index == A && (self.names[A].count > 0 || self.names[A].noahs_ark) {
                // An `a` may be open: the tree builder runs the adoption agency.
                self.adoption(A);
            }
            self.add(self.reconstruction);
            if index == NOBR {
                // A `nobr` in scope: the adoption agency, then a second reconstruction.
                self.adoption(NOBR);
                self.add(self.reconstruction);
            }
            self.add(weight);
            let (seq, specials, a_starts) = (self.seq, self.specials, self.a_starts);
            let entries = &mut self.names[index];
            if entries.count >= NOAHS_ARK {
                entries.noahs_ark = true;
            }
            entries.count += 1;
            entries.weight = entries.weight.saturating_add(weight);
            if tag.attributes_from.is_some() {
                entries.with_attributes = entries.with_attributes.saturating_add(weight);
            }
            entries.heaviest = entries.heaviest.max(weight);
            entries.open.push(Open {
                seq,
                specials,
                a_starts,
                weight,
                maybe_foreign: foreign && (index == A || index == FONT),
            });
            if index == A {
                self.a_starts += 1;
            }
            self.refresh();
        } else {
            self.add(self.reconstruction);
            self.add(weight.saturating_add(name.implied.saturating_mul(ELEMENT)));
        }
        if name.special {
            self.specials += 1;
        }
        if name.tainting {
            self.tainted_at = self.seq;
        }
    }

    fn end_tag(&mut self, name: Name) {
        self.seq += 1;
        if name.tainting {
            self.tainted_at = self.seq;
        }
        let Some(index) = name.formatting else {
            return;
        };
        let (specials, a_starts, tainted_at) = (self.specials, self.a_starts, self.tainted_at);
        let entries = &mut self.names[index];
        let removed = match entries.open.pop() {
            Some(open) if open.seq > tainted_at && !entries.noahs_ark && specials - open.specials < FURTHEST_BLOCKS => {
                // Its entry is in scope with fewer than eight furthest blocks above:
                // this run removes it (or it is already gone).
                entries.count -= 1;
                entries.weight -= open.weight;
                // Without a special element above it, the run finds no furthest
                // block and copies nothing; unless an inner `<a>` removed this
                // entry and the run works on an older one.
                Some(specials == open.specials && !open.maybe_foreign && (index != A || a_starts == open.a_starts + 1))
            }
            _ => None,
        };
        if removed != Some(true) {
            self.adoption(index);
        }
        if removed.is_some() {
            self.refresh();
        }
    }

    /// `</br>` (read as `<br>`) and `</p>` with no open `p` create an element.
    fn end_tag_elements(&mut self, name: &[u8]) {
        if name.eq_ignore_ascii_case(b"br") {
            self.add(ELEMENT.saturating_add(self.reconstruction));
        } else if name.eq_ignore_ascii_case(b"p") {
            self.add(ELEMENT);
        }
    }

    /// From `from` on, without a certain token stream: every `<` and a letter may
    /// be a tag, and nothing is lowered.
    fn uncertain(&mut self, html: &[u8], from: usize, stop_above: u64) {
        // The attributes of every later tag's own element: tokens do not overlap.
        self.add((html.len() - from) as u64);
        // Bytes read by the tag scans below; overlapping candidates could make
        // them quadratic, so past a linear allowance the input is refused.
        let mut scanned = 0usize;
        let allowance = html.len().saturating_mul(2).saturating_add(4096);
        let mut at = from;
        loop {
            // The text before the next possible token.
            self.add(self.reconstruction);
            if self.work > stop_above {
                return;
            }
            let Some(offset) = html.get(at..).and_then(|rest| memchr(b'<', rest)) else {
                return;
            };
            at += offset + 1;
            let (name_start, end_tag) = match html.get(at) {
                Some(byte) if byte.is_ascii_alphabetic() => (at, false),
                Some(b'/') if html.get(at + 1).is_some_and(u8::is_ascii_alphabetic) => (at + 1, true),
                _ => continue,
            };
            let name_end = html[name_start..]
                .iter()
                .position(|&byte| is_space(byte) || byte == b'/' || byte == b'>')
                .map_or(html.len(), |offset| name_start + offset);
            let name_bytes = &html[name_start..name_end];
            let name = classify(name_bytes);
            if end_tag {
                if let Some(index) = name.formatting {
                    self.adoption(index);
                }
                self.end_tag_elements(name_bytes);
                continue;
            }
            // Its own element and implied ones (their attributes are counted above),
            // one reconstruction.
            self.add((3 * ELEMENT).saturating_add(self.reconstruction));
            let Some(index) = name.formatting else {
                continue;
            };
            let Some(tag) = scan_tag(html, name_start) else {
                // Never emitted: the input ends inside it.
                continue;
            };
            scanned = scanned.saturating_add(tag.end - name_start);
            if scanned > allowance {
                self.work = u64::MAX;
                return;
            }
            if index == A {
                self.adoption(A);
            }
            if index == NOBR {
                self.adoption(NOBR);
                self.add(self.reconstruction);
            }
            let weight = tag.weight();
            let entries = &mut self.names[index];
            entries.count += 1;
            entries.weight = entries.weight.saturating_add(weight);
            if tag.attributes_from.is_some() {
                entries.with_attributes = entries.with_attributes.saturating_add(weight);
            }
            entries.heaviest = entries.heaviest.max(weight);
            self.refresh();
        }
    }
}

/// An upper bound on the work (in units of [`ELEMENT`] per element plus attribute
/// lengths) html5ever's tree builder does on `html` parsed as a fragment in a
/// `<div>`; the scan stops early, returning a value above `stop_above`, once the
/// bound passes it.
pub(super) fn bound(html: &[u8], stop_above: u64) -> u64 {
    let mut bound = Bound::new();
    let mut text = false;
    // Whether foreign content or template contents may be open: then the two
    // readings of a raw text element (text, or markup) must agree, or the scan
    // goes on without a certain token stream.
    let mut foreign = false;
    let mut at = 0;
    while at < html.len() {
        if bound.work > stop_above {
            return bound.work;
        }
        let Some(offset) = memchr(b'<', &html[at..]) else {
            text = true;
            break;
        };
        text |= offset > 0;
        at += offset;
        match html.get(at + 1).copied() {
            Some(b'!') => {
                bound.text(&mut text);
                bound.other();
                let rest = &html[at + 2..];
                at = if rest.starts_with(b"--") {
                    past_comment(html, at + 4)
                } else if foreign && rest.starts_with(b"[CDATA[") {
                    // A CDATA section in foreign content, a bogus comment in HTML:
                    // certain only if both end at the same `>`.
                    let end = past_gt(html, at + 2);
                    let cdata_end = memmem::find(&html[at + 9..], b"]]>").map(|offset| at + 9 + offset + 3);
                    if cdata_end != Some(end) {
                        bound.uncertain(html, at, stop_above);
                        return bound.work;
                    }
                    text = true;
                    end
                } else {
                    past_gt(html, at + 2)
                };
            }
            Some(b'?') => {
                bound.text(&mut text);
                bound.other();
                at = past_gt(html, at + 1);
            }
            Some(b'/') => match html.get(at + 2).copied() {
                Some(byte) if byte.is_ascii_alphabetic() => {
                    bound.text(&mut text);
                    let Some(tag) = scan_tag(html, at + 2) else {
                        break;
                    };
                    let name_bytes = &html[at + 2..tag.name_end];
                    bound.end_tag(classify(name_bytes));
                    bound.end_tag_elements(name_bytes);
                    at = tag.end;
                }
                // `</>` is no token at all.
                Some(b'>') => at += 3,
                Some(_) => {
                    bound.text(&mut text);
                    bound.other();
                    at = past_gt(html, at + 2);
                }
                None => {
                    text = true;
                    break;
                }
            },
            Some(byte) if byte.is_ascii_alphabetic() => {
                bound.text(&mut text);
                let Some(tag) = scan_tag(html, at + 1) else {
                    break;
                };
                let name_bytes = &html[at + 1..tag.name_end];
                let name = classify(name_bytes);
                bound.start_tag(name, &tag, foreign);
                at = tag.end;
                // Where the raw text would end, if the tokenizer reads it as such.
                let raw_end = match name.content {
                    Content::Markup => continue,
                    Content::Foreign => {
                        foreign = true;
                        continue;
                    }
                    Content::RawText => raw_text_end(html, at, name_bytes),
                    Content::Script => raw_text_end(html, at, b"script"),
                    Content::PlainText => None,
                };
                let raw = &html[at..raw_end.unwrap_or(html.len())];
                // Both readings agree when the raw text holds no `<`; otherwise a
                // tree builder that may not switch the tokenizer (in foreign content
                // or a template), or script data that may double-escape past
                // `</script>`, makes the token stream uncertain.
                let markup_inside = memchr(b'<', raw).is_some();
                let double_escape =
                    name.content == Content::Script && raw_end.is_some_and(|end| may_double_escape(html, at, end));
                if (foreign && markup_inside) || double_escape {
                    bound.uncertain(html, at, stop_above);
                    return bound.work;
                }
                // The markup reading has the raw text as characters.
                text |= foreign && !raw.is_empty();
                match raw_end {
                    Some(end) if name.content != Content::PlainText => at = end,
                    _ => {
                        // Raw text to the end; PLAINTEXT is read as characters.
                        text = name.content == Content::PlainText && at < html.len();
                        break;
                    }
                }
            }
            _ => {
                text = true;
                at += 1;
            }
        }
    }
    bound.text(&mut text);
    bound.work
}

#[cfg(test)]
mod tests {
    //! The bound against the work html5ever's tree builder really does, read off a
    //! sink that counts every element it is asked to create, driven as ammonia
    //! drives it (a fragment in a `<div>`, `Builder::make_parser`).

    use std::borrow::Cow;
    use std::cell::{Cell, Ref, RefCell};

    use html5ever::interface::{Attribute, ElementFlags, NodeOrText, QuirksMode};
    use html5ever::tendril::{StrTendril, TendrilSink};
    use html5ever::tree_builder::TreeSink;
    use html5ever::{ParseOpts, QualName, local_name, ns, parse_fragment};
    use proptest::prelude::*;

    use super::*;

    /// Keeps element names (the tree builder asks for them back) and the work.
    #[derive(Default)]
    struct Counting {
        names: RefCell<Vec<Option<QualName>>>,
        template_contents: RefCell<Vec<(usize, usize)>>,
        integration_points: RefCell<Vec<usize>>,
        work: Cell<u64>,
        elements: Cell<u64>,
    }

    impl Counting {
        fn add(&self, name: Option<QualName>) -> usize {
            let mut names = self.names.borrow_mut();
            names.push(name);
            names.len() - 1
        }
    }

    impl TreeSink for Counting {
        type Handle = usize;
        type Output = (u64, u64);
        type ElemName<'a> = Ref<'a, QualName>;

        fn finish(self) -> (u64, u64) {
            (self.work.get(), self.elements.get())
        }

        fn parse_error(&self, _msg: Cow<'static, str>) {}

        fn get_document(&self) -> usize {
            if self.names.borrow().is_empty() {
                self.add(None);
            }
            0
        }

        fn elem_name<'a>(&'a self, target: &'a usize) -> Ref<'a, QualName> {
            Ref::map(self.names.borrow(), |names| {
                names[*target].as_ref().expect("an element")
            })
        }

        fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> usize {
            let attributes: u64 = attrs
                .iter()
                .map(|attr| (attr.name.local.len() + attr.value.chars().count()) as u64)
                .sum();
            self.work.set(self.work.get() + ELEMENT + attributes);
            self.elements.set(self.elements.get() + 1);
            let handle = self.add(Some(name));
            if flags.template {
                let contents = self.add(None);
                self.template_contents.borrow_mut().push((handle, contents));
            }
            if flags.mathml_annotation_xml_integration_point {
                self.integration_points.borrow_mut().push(handle);
            }
            handle
        }

        fn create_comment(&self, _text: StrTendril) -> usize {
            self.add(None)
        }

        fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> usize {
            self.add(None)
        }

        fn append(&self, _parent: &usize, _child: NodeOrText<usize>) {}

        fn append_based_on_parent_node(&self, _element: &usize, _previous: &usize, _child: NodeOrText<usize>) {}

        fn append_doctype_to_document(&self, _name: StrTendril, _public_id: StrTendril, _system_id: StrTendril) {}

        fn get_template_contents(&self, target: &usize) -> usize {
            self.template_contents
                .borrow()
                .iter()
                .find(|(template, _)| template == target)
                .map(|(_, contents)| *contents)
                .expect("a template")
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
            self.integration_points.borrow().contains(handle)
        }
    }

    /// The work and the elements html5ever's tree builder creates for `input`.
    fn actual(input: &str) -> (u64, u64) {
        parse_fragment(
            Counting::default(),
            ParseOpts::default(),
            QualName::new(None, ns!(html), local_name!("div")),
            vec![],
            false,
        )
        .one(input)
    }

    fn ours(input: &str) -> u64 {
        bound(input.as_bytes(), u64::MAX)
    }

    fn check(input: &str) -> Result<(), TestCaseError> {
        let (work, elements) = actual(input);
        let ours = ours(input);
        prop_assert!(
            ours >= work,
            "{input:?}: bound {ours}, html5ever {work} ({elements} elements)"
        );
        Ok(())
    }

    fn assert_bound(input: &str) {
        if let Err(err) = check(input) {
            panic!("{err}");
        }
    }

    /// Tag soup over everything the bound models: formatting elements with and
    /// without attributes, end tags, specials, table parts and markers, raw text,
    /// comments, foreign content and templates, stray `<`, quotes and `=`.
    const SOUP: &[&str] = &[
        "<a>",
        "<a href=x>",
        "<a href=y>",
        "</a>",
        "<b>",
        "<b x=1>",
        "<b x=2>",
        "<b x=3>",
        "<B>",
        "</b>",
        "</B>",
        "<i class=c>",
        "</i>",
        "<nobr>",
        "</nobr>",
        "<font color=red>",
        "</font>",
        "<em>",
        "</em>",
        "<s>",
        "</s>",
        "<code>",
        "</code>",
        "<strong>",
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<span>",
        "</span>",
        "<li>",
        "</li>",
        "<ul>",
        "<h1>",
        "</h1>",
        "<h2>",
        "<br>",
        "</br>",
        "<hr>",
        "<button>",
        "</button>",
        "<pre>",
        "<blockquote>",
        "<address>",
        "<form>",
        "</form>",
        "<table>",
        "</table>",
        "<tr>",
        "<td>",
        "</td>",
        "<th>",
        "<caption>",
        "</caption>",
        "<col>",
        "<colgroup>",
        "<tbody>",
        "<object>",
        "</object>",
        "<marquee>",
        "</marquee>",
        "<applet>",
        "<select>",
        "</select>",
        "<option>",
        "<optgroup>",
        "<input>",
        "<textarea>",
        "</textarea>",
        "<style>",
        "</style>",
        "<script>",
        "</script>",
        "<title>",
        "</title>",
        "<xmp>",
        "<noscript>",
        "</noscript>",
        "<iframe>",
        "<plaintext>",
        "<!--",
        "-->",
        "--!>",
        "<!-->",
        "<!x>",
        "<?x>",
        "</1>",
        "</>",
        "<!doctype html>",
        "<svg>",
        "</svg>",
        "<math>",
        "<mi>",
        "<mtext>",
        "<foreignObject>",
        "<desc>",
        "<template>",
        "</template>",
        "<body>",
        "</body>",
        "<html>",
        "</html>",
        "<frameset>",
        "<image>",
        "<ruby>",
        "<rt>",
        "<dd>",
        "<dt>",
        "<figure>",
        "x",
        " ",
        "\n",
        "\"",
        "'",
        "=",
        "<",
        ">",
        "/",
        "&amp;",
        "<!--<script>",
        "<![CDATA[",
        "]]>",
        "\0",
        "<b title=\"<i>\">",
        "<a href='</a>'>",
    ];

    fn soup() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(SOUP), 0..60).prop_map(|parts| parts.concat())
    }

    /// Formatting elements left open with distinct attributes, blocks that close
    /// them, text that reconstructs them: the shapes that cost.
    fn costly() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            3 => (0..6usize, 0..4u8).prop_map(|(name, attr)| {
                let name = ["b", "i", "a", "nobr", "font", "em"][name];
                if attr == 0 { format!("<{name}>") } else { format!("<{name} x={attr}>") }
            }),
            2 => prop::sample::select(&["<p>", "<p>x", "x", "<div>", "</div>", "<li>", "<h1>", "</p>", "<table>",
                "<td>", "</table>", "<object>", "</object>", "</b>", "</a>", "</nobr>", "</i>", "<br>", "</br>",
                "<span>", "</span>", "<button>", "<pre>", "<select>"][..])
                .prop_map(str::to_owned),
        ];
        prop::collection::vec(part, 0..80).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn the_bound_is_never_below_html5evers_work_on_tag_soup(input in soup()) {
            check(&input)?;
        }

        #[test]
        fn the_bound_is_never_below_html5evers_work_on_costly_shapes(input in costly()) {
            check(&input)?;
        }
    }

    #[test]
    fn reconstruction_of_distinct_formatting_elements_is_bounded() {
        let mut input = String::from("<p>");
        for i in 0..100 {
            input.push_str(&format!("<b x={i}>"));
        }
        input.push_str(&"<p>x".repeat(300));
        let (work, elements) = actual(&input);
        assert!(elements > 30_000, "{elements}");
        assert_bound(&input);
        // And not wildly above: within a small factor of the truth.
        assert!(ours(&input) < 4 * work, "{} vs {work}", ours(&input));
    }

    // Each condition under which an end tag lowers the bound, broken once: the
    // entry stays, and every later paragraph copies it.

    #[test]
    fn an_end_tag_behind_a_table_does_not_lower_the_bound() {
        // `</b>` inside the table finds its `b` out of scope and leaves it.
        let tables: String = (0..50).map(|i| format!("<b x={i}><table></b></table>")).collect();
        let input = format!("<div>{tables}</div>{}", "<p>x".repeat(200));
        assert!(actual(&input).1 > 50 * 200);
        assert_bound(&input);
    }

    #[test]
    fn an_end_tag_the_noahs_ark_clause_turned_into_a_pop_does_not_lower_the_bound() {
        // The fourth `<b>` drops the first one's entry, not its element; the last
        // `</b>` pops that element (step 1) and leaves the entry of `<b x=…>`.
        let input = format!(
            "<p><b><b><b><b></b></b></b><span><b x={}></span></b>{}",
            "l".repeat(2000),
            "<p>x".repeat(100)
        );
        assert!(actual(&input).0 > 100 * 2000);
        assert_bound(&input);
    }

    #[test]
    fn an_end_tag_past_eight_furthest_blocks_does_not_lower_the_bound() {
        // Eight adoption agency iterations end with a copy of `b` still listed.
        let input = format!(
            "<b x={}>{}</b>{}{}",
            "l".repeat(2000),
            "<div>".repeat(8),
            "</div>".repeat(8),
            "<p>x".repeat(100)
        );
        assert!(actual(&input).0 > 100 * 2000);
        assert_bound(&input);
    }

    #[test]
    fn an_end_tag_after_a_foreign_font_does_not_count_as_free() {
        // In `svg`, `<font/>` is an SVG element, popped at once; `</font>` then
        // reaches HTML and runs the adoption agency on the older `font`, which has
        // seven blocks above it to be copied under.
        let input = format!("<font x={}>{}<svg><font/></font>", "l".repeat(2000), "<div>".repeat(7));
        assert!(actual(&input).0 > 7 * 2000);
        assert_bound(&input);
    }

    #[test]
    fn raw_text_in_foreign_content_or_a_template_is_read_both_ways() {
        for input in [
            // In `svg`, `<style>` holds markup.
            "<svg><style><b x=1><b x=2></style><p>x<p>x",
            // After `<col>` in a template, `<style>` is ignored and its text is markup.
            "<template><col><style><b x=1><b x=2><p>x<p>x</style><p>x",
            "<math><mi><textarea><b x=1></textarea><p>x",
            "<svg><![CDATA[<b x=1>]]><p>x<p>x",
            "<svg><![CDATA[x>y]]><b x=1><p>x<p>x",
            "<svg><plaintext><b x=1><p>x<p>x",
        ] {
            assert_bound(input);
        }
    }

    #[test]
    fn long_attributes_copied_at_each_reconstruction_are_weighed() {
        let input = format!("<p><a href=\"{}\">{}", "h".repeat(10_000), "<p>x".repeat(50));
        let (work, _) = actual(&input);
        assert!(work > 50 * 10_000, "{work}");
        assert_bound(&input);
    }

    #[test]
    fn markup_that_closes_what_it_opens_is_bounded_near_the_truth() {
        let block = "<p>Some <b>bold</b>, <i>italic</i> and <a href=\"https://example.com/x\">a link</a>.</p>\
            <ul><li><em>one</em></li><li><code>two</code></li></ul><!-- note --><blockquote>q</blockquote>";
        let input = block.repeat(50);
        let (work, _) = actual(&input);
        let ours = ours(&input);
        assert!(ours >= work);
        assert!(ours < 2 * work, "{ours} vs {work}");
    }

    #[test]
    fn tokens_the_tokenizer_reads_as_text_or_comments_are_not_tags() {
        // Inside raw text, comments and attribute values, `<b>` is no tag.
        for input in [
            "<style><b><b><b></style>",
            "<textarea></b><b x=1></textarea>",
            "<!-- <b x=1><b x=2> -->",
            "<span title='<b x=1>'></span>",
            "<script>if (a <b) {}</script>",
        ] {
            // Exact in elements; the attribute bytes count quotes, `=` and `>` too.
            let (work, _) = actual(input);
            assert!(
                (work..work + 64).contains(&ours(input)),
                "{input:?}: {} vs {work}",
                ours(input)
            );
        }
    }

    #[test]
    fn comments_end_where_the_tokenizer_ends_them() {
        for (input, end) in [
            ("<!-->x", 5),
            ("<!--->x", 6),
            ("<!---->x", 7),
            ("<!-- a -- b -->x", 15),
            ("<!-- a --!>x", 11),
            ("<!--!>x<!-- -->", 15),
            ("<!-- <!-- -->x", 13),
            ("<!-- unterminated", 17),
        ] {
            assert_eq!(past_comment(input.as_bytes(), 4), end, "{input:?}");
        }
    }

    #[test]
    fn script_data_that_may_double_escape_is_uncertain() {
        let input = "<script><!--<script></script><b x=1></script><p><b x=2><p>x<p>x";
        assert_bound(input);
        assert!(may_double_escape(input.as_bytes(), 8, 29));
        assert!(!may_double_escape(b"<!-- x --></script>", 0, 10));
    }

    #[test]
    fn the_scan_stops_once_past_the_limit() {
        let input = format!("<p>{}{}", "<b x=1>".repeat(3), "<p>x".repeat(10_000));
        assert!(bound(input.as_bytes(), 1000) > 1000);
        assert!(bound(input.as_bytes(), 1000) < ours(&input));
    }
}
