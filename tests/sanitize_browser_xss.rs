//! XSS payloads through portcullis's sanitizer and encoders, loaded in a real browser.
//!
//! Every payload below tries to call `T(id)` (or `alert`, `confirm`, `prompt`, all
//! trapped) when it runs. Each one is passed through *every* context: the HTML
//! cleaner (default and text-only), HTML text, a quoted attribute, JavaScript string
//! literals in `<script>` (all three quote styles) and in an event handler, a URL
//! component, a CSS string, and the URL and redirect policies for `href`. The page
//! is served on 127.0.0.1 and loaded in headless Chromium, which then:
//!
//! - checks that every cleaned fragment, as the page's parser read it, serializes
//!   back through `innerHTML` to exactly the cleaner's output (a fixed point), and
//!   re-parses it through `innerHTML` (mutation XSS: markup that changes meaning
//!   when serialized and parsed again);
//! - checks that each encoded value reads back in the browser as exactly the
//!   original payload (text, attribute, string value, decoded URL component,
//!   computed CSS `content`), so encoding is lossless as well as inert (up to what
//!   HTML itself does to every document: CRLF becomes LF, NUL is dropped);
//! - checks that each link the policies let through has an allowed scheme or host;
//! - checks that benign formatting survives cleaning;
//! - reports which traps fired.
//!
//! The test fails if any trap fired, any value did not read back, any benign element
//! is missing, or the report never appeared (a payload broke the page).
//!
//! Needs Chromium: `.ci/run` installs Debian's `chromium`; elsewhere set
//! `PORTCULLIS_CHROMIUM` to a Chrome or Chromium binary.
#![cfg(all(feature = "html", feature = "url"))]

mod common {
    pub mod b64_encode;
    pub mod b64_std;
}

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use portcullis::sanitize::encode;
use portcullis::sanitize::html::HtmlCleaner;
use portcullis::sanitize::url::{RedirectFilter, UrlFilter};

/// `{id}` is replaced with the case's number, so a fired trap names its case.
const PAYLOADS: &[&str] = &[
    // Script elements.
    r#"<script>T({id})</script>"#,
    r#"<SCRIPT>T({id})</SCRIPT>"#,
    r#"<script src="data:text/javascript,T({id})"></script>"#,
    r#"<scr<script>ipt>T({id})</scr</script>ipt>"#,
    r#"<script/xss>T({id})</script>"#,
    r#"<<script>T({id});//<</script>"#,
    r#"</title></textarea></style></script><script>T({id})</script>"#,
    r#"<script>/*</script><script>*/T({id})</script>"#,
    // Event handlers.
    r#"<img src=x onerror=T({id})>"#,
    r#"<img src="x" onerror="T({id})">"#,
    r#"<IMG SRC=x ONERROR=T({id})>"#,
    r#"<img src=x onerror=&#84;&#40;{id}&#41;>"#,
    r#"<body onload=T({id})>"#,
    r#"<div onmouseover="T({id})" style="position:fixed;inset:0">hover</div>"#,
    r#"<input autofocus onfocus=T({id})>"#,
    r#"<details open ontoggle=T({id})>"#,
    r#"<video><source onerror="T({id})"></video>"#,
    r#"<audio src=x onerror=T({id})>"#,
    r#"<marquee onstart=T({id})>x</marquee>"#,
    r#"<select autofocus onfocus=T({id})>"#,
    r#"<b onclick=T({id}) onpointerenter=T({id})>b</b>"#,
    r#"<img/src=x/onerror=T({id})>"#,
    r#"<img src=x onerror	=T({id})>"#,
    // javascript: and data: URLs.
    r#"<a href="javascript:T({id})">x</a>"#,
    r#"<a href="JaVaScRiPt:T({id})">x</a>"#,
    r#"<a href=" javascript:T({id})">x</a>"#,
    "<a href=\"java\tscript:T({id})\">x</a>",
    "<a href=\"java\nscript:T({id})\">x</a>",
    r#"<a href="javascript&colon;T({id})">x</a>"#,
    r#"<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;T({id})">x</a>"#,
    r#"<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;T({id})">x</a>"#,
    r#"<a href="jav&#x09;ascript:T({id})">x</a>"#,
    r#"<a href="data:text/html,<script>parent.T({id})</script>">x</a>"#,
    r#"<a href="data:text/html;base64,PHNjcmlwdD5wYXJlbnQuVCgxKTwvc2NyaXB0Pg==">x</a>"#,
    r#"<iframe src="javascript:parent.T({id})"></iframe>"#,
    r#"<iframe srcdoc="<script>parent.T({id})</script>"></iframe>"#,
    r#"<object data="javascript:T({id})"></object>"#,
    r#"<embed src="javascript:T({id})">"#,
    r#"<form action="javascript:T({id})"><button>go</button></form>"#,
    r#"<math><a xlink:href="javascript:T({id})">x</a></math>"#,
    r#"<meta http-equiv="refresh" content="0;url=javascript:T({id})">"#,
    r#"<base href="javascript:T({id})//">"#,
    r#"javascript:T({id})"#,
    r#"JAVASCRIPT:T({id})"#,
    r#"data:text/html,<script>T({id})</script>"#,
    r#"//evil.example/T({id})"#,
    r#"/\evil.example/T({id})"#,
    r#"/%2F%2Fevil.example/T({id})"#,
    // Mutation XSS through foreign content, noscript, style, comments.
    r#"<svg><script>T({id})</script></svg>"#,
    r#"<svg onload=T({id})>"#,
    r#"<svg><animate onbegin=T({id}) attributeName=x dur=1s>"#,
    r#"<svg><a><animate attributeName=href values=javascript:T({id}) /><text x=20 y=20>x</text></a></svg>"#,
    r#"<svg></p><style><a id="</style><img src=1 onerror=T({id})>">"#,
    r#"<math><mtext><table><mglyph><style><img src=x onerror=T({id})>"#,
    r#"<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=T({id}) src=1>">"#,
    r#"<noscript><p title="</noscript><img src=x onerror=T({id})>">"#,
    r#"<style><img src=x onerror=T({id})></style>"#,
    r#"<style>@import 'javascript:T({id})';</style>"#,
    r#"<template><img src=x onerror=T({id})></template>"#,
    r#"<!--<img src="--><img src=x onerror=T({id})//">"#,
    r#"<![CDATA[><img src=x onerror=T({id})>]]>"#,
    r#"<xmp><img src=x onerror=T({id})></xmp>"#,
    r#"<form><math><mtext></form><form><mglyph><style></math><img src onerror=T({id})>"#,
    r#"<table><td><noscript><img src=x onerror=T({id})></noscript>"#,
    // Trees the parser builds that no parse of their serialization yields.
    r#"<a><table><a><img src=x onerror=T({id})>"#,
    r#"<a href="https://e.example/">1<div><a href="https://f.example/" onclick="T({id})">2</a></div></a>"#,
    r#"<a><marquee><a>x<img src=x onerror=T({id})>"#,
    r#"<h1><foo><h2>x</h2></foo></h1><img src=x onerror=T({id})>"#,
    r#"<p>a<button><p>b</p></button></p><svg onload=T({id})>"#,
    r#"<li><button><li>x<img src=x onerror=T({id})>"#,
    r#"<em><p>a</em>b<table><p>c<img src=x onerror=T({id})>"#,
    "<pre>\n\n<b>x</b>\n</pre><pre></td>\n\n\ny<img src=x onerror=T({id})></pre>",
    r#"a&#13;b&#13;&#10;c<abbr title="x&#13;y" onclick="T({id})">t</abbr>"#,
    // Attribute and string breakouts (for the encoders).
    r#"" onmouseover="T({id})" x=""#,
    r#"' onmouseover='T({id})' x='"#,
    r#"` onmouseover=T({id}) x=`"#,
    r#""><img src=x onerror=T({id})>"#,
    r#"'><script>T({id})</script>"#,
    r#"';T({id});//"#,
    r#"";T({id});//"#,
    r#"\';T({id});//"#,
    r#"${T({id})}"#,
    "\u{2028}T({id})\u{2029}",
    r#"</script><script>T({id})</script>"#,
    r#"<!--<script>T({id})</script>-->"#,
    r#"&#39;;T({id});//"#,
    r#"&quot;onmouseover=T({id}) "#,
    r#"x"}</style><img src=x onerror=T({id})>"#,
    r#"\"; } * { background: url(javascript:T({id})) } a { x: \""#,
    "\"; color: red; } body { background-image: url('x'); } .x { content: \"T({id})",
    r#"expression(T({id}))"#,
    "a\\\r\nb\u{0}T({id})\u{7f}",
    r#"%3Cscript%3ET({id})%3C/script%3E"#,
    r#"&lt;script&gt;T({id})&lt;/script&gt;"#,
    r#"+ADw-script+AD4-T({id})+ADw-/script+AD4-"#,
];

/// Benign markup and the selector each must still match after cleaning.
const BENIGN: &[(&str, &str)] = &[
    ("<b>bold</b> and <i>italic</i>", "b + i"),
    (
        r#"<a href="https://example.com/x">link</a>"#,
        r#"a[href="https://example.com/x"][rel="noopener noreferrer nofollow"]"#,
    ),
    ("<ul><li>one</li><li>two</li></ul>", "ul > li:nth-child(2)"),
    ("<p>para <em>em</em> <strong>strong</strong></p>", "p > em + strong"),
    (
        "<blockquote>quote</blockquote><pre><code>x = 1</code></pre>",
        "pre > code",
    ),
    (r#"<ol start="3"><li>third</li></ol>"#, r#"ol[start="3"] > li"#),
    (
        r#"<a href="mailto:ann@example.com">mail</a>"#,
        r#"a[href="mailto:ann@example.com"]"#,
    ),
    ("<h2>Title</h2><hr><p>H<sub>2</sub>O x<sup>2</sup></p>", "p > sub + sup"),
    ("<dl><dt>term</dt><dd>definition</dd></dl>", "dl > dt + dd"),
    (
        "<p>a<br>b <code>c</code> <kbd>d</kbd> <mark>e</mark> <del>f</del> <ins>g</ins></p>",
        "p > br ~ ins",
    ),
];

/// How each case's value is placed on the page.
#[derive(Debug, Clone, Copy)]
enum Context {
    Clean,
    TextOnly,
    HtmlText,
    Attribute,
    ScriptSingle,
    ScriptDouble,
    ScriptBacktick,
    EventHandler,
    UrlComponent,
    CssString,
    LinkPolicy,
    RedirectFilter,
}

const CONTEXTS: [Context; 12] = [
    Context::Clean,
    Context::TextOnly,
    Context::HtmlText,
    Context::Attribute,
    Context::ScriptSingle,
    Context::ScriptDouble,
    Context::ScriptBacktick,
    Context::EventHandler,
    Context::UrlComponent,
    Context::CssString,
    Context::LinkPolicy,
    Context::RedirectFilter,
];

struct Page {
    html: String,
    /// Cases whose value must read back as the original payload: (id, how, payload).
    round_trips: Vec<(usize, &'static str, String)>,
    cases: usize,
}

fn build_page() -> Page {
    let cleaner = HtmlCleaner::new();
    let text_only = HtmlCleaner::text_only();
    let links = UrlFilter::new(["https", "http", "mailto"]).expect("policy");
    let redirects = RedirectFilter::new().allow_host("app.example");

    let mut body = String::new();
    let mut round_trips = Vec::new();
    let mut id = 0;
    for template in PAYLOADS {
        for context in CONTEXTS {
            id += 1;
            let payload = template.replace("{id}", &id.to_string());
            let p = payload.as_str();
            let mut expect = |how: &'static str, value: &str| round_trips.push((id, how, value.to_owned()));
            let html = match context {
                Context::Clean | Context::TextOnly => {
                    let clean = match context {
                        Context::Clean => cleaner.clean(p),
                        _ => text_only.clean(p),
                    }
                    .expect("clean");
                    // The browser's parse of the output serializes back to it.
                    expect("html", &clean);
                    format!(r#"<div id="c{id}" class="clean">{clean}</div>"#)
                }
                Context::HtmlText => {
                    expect("text", p);
                    format!(r#"<p id="c{id}">{}</p>"#, encode::html_text(p))
                }
                Context::Attribute => {
                    expect("title", p);
                    format!(r#"<span id="c{id}" title="{}"></span>"#, encode::html_attribute(p))
                }
                Context::ScriptSingle => {
                    expect("value", p);
                    format!("<script>V({id}, '{}');</script>", encode::js_string(p))
                }
                Context::ScriptDouble => {
                    expect("value", p);
                    format!(r#"<script>V({id}, "{}");</script>"#, encode::js_string(p))
                }
                Context::ScriptBacktick => {
                    expect("value", p);
                    format!("<script>V({id}, `{}`);</script>", encode::js_string(p))
                }
                Context::EventHandler => {
                    expect("value", p);
                    format!(
                        r#"<img id="c{id}" src="/missing.png" onerror="V({id}, '{}')">"#,
                        encode::js_string(p)
                    )
                }
                Context::UrlComponent => {
                    expect("query", p);
                    format!(r#"<a id="c{id}" href="/r?q={}">q</a>"#, encode::url_component(p))
                }
                Context::CssString => {
                    expect("content", p);
                    format!(
                        r#"<style>#c{id}::after {{ content: "{}"; }}</style><span id="c{id}"></span>"#,
                        encode::css_string(p)
                    )
                }
                Context::LinkPolicy => {
                    let href = links.check(p).map(String::from).unwrap_or_else(|_| "#".into());
                    format!(
                        r#"<a id="c{id}" class="link" href="{}">l</a>"#,
                        encode::html_attribute(&href)
                    )
                }
                Context::RedirectFilter => {
                    let href = redirects
                        .check(p)
                        .map(|t| t.into_owned())
                        .unwrap_or_else(|_| "/".into());
                    format!(
                        r#"<a id="c{id}" class="redirect" href="{}">r</a>"#,
                        encode::html_attribute(&href)
                    )
                }
            };
            body.push_str(&html);
            body.push('\n');
        }
    }
    for (index, (markup, _)) in BENIGN.iter().enumerate() {
        body.push_str(&format!(
            r#"<div id="benign{index}" class="clean">{}</div>"#,
            cleaner.clean(markup).expect("clean")
        ));
    }

    // The expectations travel as base64 of JSON, so no payload is ever raw on the page.
    let expected = serde_json::json!({
        "roundTrips": round_trips.iter().map(|(id, how, payload)| serde_json::json!([id, how, payload])).collect::<Vec<_>>(),
        "benign": BENIGN.iter().map(|(_, selector)| selector).collect::<Vec<_>>(),
    });
    let expected = common::b64_std::b64_std(expected.to_string().as_bytes());
    let html = PAGE.replace("{{BODY}}", &body).replace("{{EXPECTED}}", &expected);
    Page {
        html,
        round_trips,
        cases: id,
    }
}

const PAGE: &str = r##"<!doctype html>
<html><head><meta charset="utf-8"><title>portcullis XSS</title>
<script>
window.__fired = [];
function T(id) { window.__fired.push(String(id)); }
window.alert = window.confirm = window.prompt = function () { T("alert"); };
window.__values = {};
function V(id, value) { window.__values[id] = value; }
</script></head>
<body>
{{BODY}}
<pre id="result"></pre>
<script>
const EXPECTED = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob("{{EXPECTED}}"), c => c.charCodeAt(0))));

// CSSOM "serialize a string": how computed `content` reports a CSS string.
function cssString(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c === 0) out += "\uFFFD";
    else if ((c >= 1 && c <= 0x1f) || c === 0x7f) out += "\\" + c.toString(16) + " ";
    else if (ch === '"' || ch === "\\") out += "\\" + ch;
    else out += ch;
  }
  return out + '"';
}

// What HTML's input stream preprocessing and tree building make of text: line
// breaks normalized to LF (HTML §13.2.3.5), NUL dropped from text and replaced by
// U+FFFD in attribute values. No encoding can carry these through HTML.
function asHtmlReads(payload, how) {
  const lines = payload.replace(/\r\n?/g, "\n");
  if (how === "text") return lines.replace(/\0/g, "");
  if (how === "title") return lines.replace(/\0/g, "\uFFFD");
  if (how === "content") return cssString(payload);
  return payload;
}

function readBack(id, how) {
  const el = document.getElementById("c" + id);
  switch (how) {
    case "text": return el && el.textContent;
    case "title": return el && el.getAttribute("title");
    case "value": return window.__values[id];
    case "query": return el && decodeURIComponent(el.getAttribute("href").slice("/r?q=".length));
    case "content": return el && getComputedStyle(el, "::after").content;
    case "html": return el && el.innerHTML;
  }
}

function report() {
  const mismatches = [];
  for (const [id, how, payload] of EXPECTED.roundTrips) {
    const want = asHtmlReads(payload, how);
    if (readBack(id, how) !== want) mismatches.push(id);
  }
  const badLinks = [];
  for (const a of document.querySelectorAll("a.link")) {
    if (a.getAttribute("href") !== "#" && !["http:", "https:", "mailto:"].includes(new URL(a.href).protocol)) badLinks.push(a.id);
  }
  for (const a of document.querySelectorAll("a.redirect")) {
    const url = new URL(a.href);
    if (url.protocol !== location.protocol || url.host !== location.host) {
      if (!(url.protocol === "https:" && url.host === "app.example")) badLinks.push(a.id);
    }
  }
  const missingBenign = [];
  EXPECTED.benign.forEach((selector, i) => {
    if (!document.querySelector("#benign" + i + " " + selector)) missingBenign.push(i);
  });
  document.getElementById("result").textContent = JSON.stringify({
    done: true, fired: window.__fired, mismatches, badLinks, missingBenign,
    roundTrips: EXPECTED.roundTrips.length,
  });
}

window.addEventListener("load", () => {
  // Mutation XSS: serialize every cleaned fragment and parse it again, as code that
  // copies innerHTML around would.
  for (const el of document.querySelectorAll(".clean")) {
    const copy = document.createElement("div");
    copy.innerHTML = el.innerHTML;
    document.body.appendChild(copy);
  }
  setTimeout(report, 1000);
});
</script>
</body></html>
"##;

/// Serves `page` at every path on 127.0.0.1 until dropped (404 for anything else
/// than `/`, so images fail and their error handlers run).
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(page: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                        let mut reader = BufReader::new(&stream);
                        let mut request_line = String::new();
                        let _ = reader.read_line(&mut request_line);
                        // Drain the headers.
                        let mut line = String::new();
                        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                            line.clear();
                        }
                        let found = request_line.starts_with("GET / ");
                        let (status, body) = if found {
                            ("200 OK", page.as_str())
                        } else {
                            ("404 Not Found", "")
                        };
                        let response = format!(
                            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = (&stream).write_all(response.as_bytes());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { port, stop }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("PORTCULLIS_CHROMIUM") {
        return PathBuf::from(path);
    }
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
        if let Some(dir) =
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).find(|dir| dir.join(name).is_file())
        {
            return dir.join(name);
        }
    }
    panic!(
        "the browser test needs Chromium: `apt-get install chromium` (as .ci/run does), \
         or set PORTCULLIS_CHROMIUM to a Chrome or Chromium binary"
    );
}

/// Loads `url` in headless Chromium and returns the DOM after scripts ran.
fn dump_dom(url: &str) -> String {
    let profile = std::env::temp_dir().join(format!("portcullis-chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut dom);
        dom
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("wait chromium").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(&profile);
    reader.join().expect("read chromium output")
}

#[test]
fn no_payload_runs_in_chromium_and_every_encoded_value_reads_back() {
    let page = build_page();
    assert!(PAYLOADS.len() >= 60, "{} payloads", PAYLOADS.len());
    let server = Server::start(page.html);
    let dom = dump_dom(&format!("http://127.0.0.1:{}/", server.port));

    let start = dom
        .find(r#"<pre id="result">"#)
        .map(|i| i + r#"<pre id="result">"#.len());
    let report = start
        .and_then(|start| dom[start..].find("</pre>").map(|end| &dom[start..start + end]))
        .unwrap_or_default()
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let report: serde_json::Value = serde_json::from_str(&report)
        .unwrap_or_else(|_| panic!("no report from the page; a payload broke it? DOM starts: {:.2000}", dom));

    assert_eq!(report["done"], true);
    assert_eq!(report["roundTrips"], page.round_trips.len());
    let describe = |ids: &serde_json::Value| -> Vec<String> {
        ids.as_array()
            .into_iter()
            .flatten()
            .map(|id| {
                let id = id.as_str().map(str::to_owned).unwrap_or_else(|| id.to_string());
                let number: usize = id.trim_start_matches('c').parse().unwrap_or(0);
                let (payload, context) = case(number);
                format!("case {id}: {context:?} {payload:?}")
            })
            .collect()
    };
    assert_eq!(describe(&report["fired"]), Vec::<String>::new(), "payloads ran");
    assert_eq!(
        describe(&report["mismatches"]),
        Vec::<String>::new(),
        "values did not read back"
    );
    assert_eq!(
        describe(&report["badLinks"]),
        Vec::<String>::new(),
        "links left the allowlist"
    );
    assert_eq!(report["missingBenign"], serde_json::json!([]), "benign formatting lost");
    assert_eq!(page.cases, PAYLOADS.len() * CONTEXTS.len());
}

/// The payload template and context of case `id` (1-based), for failure messages.
fn case(id: usize) -> (&'static str, Option<Context>) {
    match id.checked_sub(1) {
        Some(index) if index < PAYLOADS.len() * CONTEXTS.len() => {
            (PAYLOADS[index / CONTEXTS.len()], Some(CONTEXTS[index % CONTEXTS.len()]))
        }
        _ => ("", None),
    }
}
