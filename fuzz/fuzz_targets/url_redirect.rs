//! URL scheme allowlists (`UrlFilter::check`) and open-redirect checks
//! (`RedirectFilter::check`) on arbitrary strings, under a choice of policies.
//!
//! Invariants:
//! - `UrlFilter::check` accepts only input without ASCII controls, at most 8 KiB,
//!   and returns a URL whose scheme is on the policy's list; it refuses with
//!   `invalid_url` or `disallowed_scheme`;
//! - `RedirectFilter::check` refuses with `open_redirect` only, and what it accepts
//!   is accepted again unchanged;
//! - an accepted redirect stays on the site after every decoding: resolved against
//!   `https://site.example/app/` as a browser resolves `Location` (the `url` crate,
//!   WHATWG), it lands on `site.example` or on an allowlisted host and port, over
//!   https (http only where allowed), without credentials; and so do its
//!   percent-decodings (once, twice, three times), each also with backslashes read
//!   as slashes and tabs and newlines dropped.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::sync::LazyLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use portcullis::sanitize::url::{MAX_URL_BYTES, RedirectFilter, UrlFilter};
use url::Url;

/// The page a redirect is resolved against.
const SITE: &str = "https://site.example/app/";

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Redirects {
    /// Paths on this site only.
    PathsOnly,
    /// Also `https://accounts.example`.
    OneHost,
    /// Also `accounts.example` and `127.0.0.1:8443`, over http as well.
    HostsAndHttp,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Links {
    /// `https` and `http`.
    Web,
    /// `https` and `mailto`.
    SecureAndMail,
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    redirects: Redirects,
    links: Links,
    target: &'a str,
}

/// A redirect policy and what it allows besides paths on the site.
struct RedirectCase {
    policy: RedirectFilter,
    hosts: &'static [(&'static str, Option<u16>)],
    http: bool,
}

static REDIRECTS: LazyLock<[RedirectCase; 3]> = LazyLock::new(|| {
    [
        RedirectCase {
            policy: RedirectFilter::new(),
            hosts: &[],
            http: false,
        },
        RedirectCase {
            policy: RedirectFilter::new().allow_host("accounts.example"),
            hosts: &[("accounts.example", None)],
            http: false,
        },
        RedirectCase {
            policy: RedirectFilter::new()
                .allow_host("accounts.example")
                .allow_host("127.0.0.1:8443")
                .allow_http(true),
            hosts: &[("accounts.example", None), ("127.0.0.1", Some(8443))],
            http: true,
        },
    ]
});

static LINKS: LazyLock<[(UrlFilter, &'static [&'static str]); 2]> = LazyLock::new(|| {
    const WEB: &[&str] = &["https", "http"];
    const SECURE_AND_MAIL: &[&str] = &["https", "mailto"];
    [
        (UrlFilter::new(WEB.iter().copied()).expect("a valid link policy"), WEB),
        (
            UrlFilter::new(SECURE_AND_MAIL.iter().copied()).expect("a valid link policy"),
            SECURE_AND_MAIL,
        ),
    ]
});

static SITE_URL: LazyLock<Url> = LazyLock::new(|| Url::parse(SITE).expect("the site URL parses"));

fuzz_target!(|input: Input<'_>| {
    let target = input.target;
    check_links(input.links, target);
    check_redirect(&REDIRECTS[input.redirects as usize], target);
});

fn check_links(links: Links, target: &str) {
    let (policy, schemes) = &LINKS[links as usize];
    match policy.check(target) {
        Ok(url) => {
            assert!(
                schemes.contains(&url.scheme()),
                "UrlFilter accepted scheme {:?} outside {schemes:?}: {target:?} -> {url}",
                url.scheme()
            );
            assert!(
                target.len() <= MAX_URL_BYTES && !target.bytes().any(|b| b.is_ascii_control()),
                "UrlFilter accepted an over-long input or one with a control character: {target:?}"
            );
        }
        Err(err) => assert!(
            matches!(err.code(), "invalid_url" | "disallowed_scheme"),
            "UrlFilter refusal has an undocumented code {:?}: {target:?}",
            err.code()
        ),
    }
}

fn check_redirect(case: &RedirectCase, target: &str) {
    let accepted = match case.policy.check(target) {
        Ok(accepted) => accepted.into_owned(),
        Err(err) => {
            assert_eq!(
                err.code(),
                "open_redirect",
                "RedirectFilter refusal has an undocumented code: {target:?}"
            );
            return;
        }
    };
    assert_eq!(
        case.policy.check(&accepted).map(|again| again.into_owned()),
        Ok(accepted.clone()),
        "an accepted redirect is not accepted again unchanged: {target:?} -> {accepted:?}"
    );
    let mut form = accepted.clone();
    for round in 0..=3 {
        stays_on_site(case, target, &accepted, round, &form);
        stays_on_site(case, target, &accepted, round, &browser_rewrite(&form));
        match common::percent_decode(&form) {
            Some(decoded) => form = decoded,
            None => break,
        }
    }
}

/// Resolves one form of an accepted redirect as a browser would and checks where it
/// lands. A form that does not resolve at all goes nowhere, which is safe.
fn stays_on_site(case: &RedirectCase, target: &str, accepted: &str, round: usize, form: &str) {
    let Ok(resolved) = SITE_URL.join(form) else {
        return;
    };
    let on_site = resolved.origin() == SITE_URL.origin();
    let on_allowed_host = resolved.host_str().is_some_and(|host| {
        case.hosts
            .iter()
            .any(|(allowed, port)| *allowed == host && *port == resolved.port())
    }) && (resolved.scheme() == "https" || (case.http && resolved.scheme() == "http"));
    assert!(
        on_site || on_allowed_host,
        "an accepted redirect leaves the site after {round} percent-decodings: \
         {target:?} -> {accepted:?}, form {form:?} resolves to {resolved}"
    );
    assert!(
        resolved.username().is_empty() && resolved.password().is_none(),
        "an accepted redirect carries credentials after {round} percent-decodings: \
         {target:?} -> {accepted:?}, form {form:?} resolves to {resolved}"
    );
}

/// What a browser does to URL text before parsing it: backslashes read as slashes,
/// tabs and newlines dropped, outer spaces and controls stripped.
fn browser_rewrite(form: &str) -> String {
    form.chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect::<String>()
        .trim_matches(|c: char| c == ' ' || c.is_ascii_control())
        .to_owned()
}
