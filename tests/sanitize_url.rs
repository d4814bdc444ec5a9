//! `sanitize::url`'s public behaviour: `RedirectFilter` against the usual
//! open-redirect payloads, and `UrlFilter`'s scheme allowlist.
#![cfg(feature = "url")]

use std::borrow::Cow;

use portcullis::sanitize::SanitizeError;
use portcullis::sanitize::url::{MAX_URL_BYTES, RedirectFilter, UrlFilter};

// ---- url: RedirectFilter -------------------------------------------------------------

fn redirects() -> RedirectFilter {
    RedirectFilter::new().allow_host("allowed.example")
}

#[test]
fn redirect_refuses_open_redirect_payloads() {
    let policy = redirects();
    for evil in [
        "//evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "/\t/evil.example",
        "/%2F%2Fevil.example",
        "/%2f%5cevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "/%252F%252Fevil.example",
        "/%25252F%25252Fevil.example",
        "https://evil.example",
        "https://allowed.example@evil.example",
        "https://allowed.example.evil.example",
        "https://evil.example/allowed.example",
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "java\nscript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "https:evil.example",
        "https:/evil.example",
        "///evil.example",
        "////evil.example",
        "/.//evil.example",
        "/a/..//evil.example",
        "",
        " ",
        " /orders",
        "/orders ",
        "/orders%20",
        "orders",
        "orders/7",
        "./orders",
        "../orders",
        "evil.example",
    ] {
        assert_eq!(policy.check(evil), Err(SanitizeError::OpenRedirect), "{evil:?}");
    }
}

#[test]
fn redirect_refuses_encoded_slashes_revealed_by_dot_segments() {
    // The encoded-form check runs on the input; the dot segment is removed only when
    // the path is normalized afterwards, so the returned Location is the very
    // `/%2F%2F…` form that a decoding proxy turns into `//evil.example`.
    let policy = redirects();
    for evil in [
        "/./%2F%2Fevil.example",
        "/a/../%2F%2Fevil.example",
        "/%2e/%2F%2Fevil.example",
        "/./%252F%252Fevil.example",
        // Decoded once, these hold dot segments that resolve to `//evil.example`.
        "/x/%2e%2e%2f%2f/evil.example",
        "/.%2F/evil.example",
        "/%2e%2F/evil.example",
    ] {
        assert_eq!(policy.check(evil), Err(SanitizeError::OpenRedirect), "{evil}");
    }
}

#[test]
fn redirect_refuses_http_unless_allowed() {
    assert_eq!(
        redirects().check("http://allowed.example/"),
        Err(SanitizeError::OpenRedirect)
    );
    assert_eq!(
        redirects().allow_http(true).check("http://allowed.example"),
        Ok(Cow::Owned("http://allowed.example/".into()))
    );
    assert_eq!(
        redirects().allow_http(true).check("ftp://allowed.example/"),
        Err(SanitizeError::OpenRedirect)
    );
}

#[test]
fn redirect_refuses_a_port_that_is_not_listed() {
    let policy = redirects();
    assert_eq!(
        policy.check("https://allowed.example:8443/"),
        Err(SanitizeError::OpenRedirect)
    );
    assert_eq!(
        policy.check("https://allowed.example:80/"),
        Err(SanitizeError::OpenRedirect)
    );
}

#[test]
fn redirect_accepts_a_listed_port_and_only_that_port() {
    let policy = RedirectFilter::new().allow_host("allowed.example:8443");
    assert_eq!(
        policy.check("https://allowed.example:8443/x").unwrap(),
        "https://allowed.example:8443/x"
    );
    assert_eq!(
        policy.check("https://allowed.example/x"),
        Err(SanitizeError::OpenRedirect)
    );
    assert_eq!(
        policy.check("https://allowed.example:8444/x"),
        Err(SanitizeError::OpenRedirect)
    );
}

#[test]
fn redirect_treats_the_default_port_as_no_port() {
    assert_eq!(
        redirects().check("https://allowed.example:443/a").unwrap(),
        "https://allowed.example/a"
    );
}

#[test]
fn redirect_refuses_credentials_on_an_allowed_host() {
    for target in [
        "https://user@allowed.example/",
        "https://:pw@allowed.example/",
        "https://u:p@allowed.example/",
    ] {
        assert_eq!(redirects().check(target), Err(SanitizeError::OpenRedirect), "{target}");
    }
}

#[test]
fn redirect_accepts_site_paths_as_given() {
    let policy = redirects();
    for path in ["/", "/orders?page=2#x", "/a/b/c", "/orders?next=//evil.example"] {
        assert_eq!(policy.check(path), Ok(Cow::Borrowed(path)), "{path}");
    }
}

#[test]
fn redirect_returns_site_paths_as_the_parser_serializes_them() {
    let policy = redirects();
    assert_eq!(policy.check("/a b?q=1").unwrap(), "/a%20b?q=1");
    assert_eq!(policy.check("/a/../b").unwrap(), "/b");
    assert_eq!(policy.check("/%2e%2e/x").unwrap(), "/x");
}

#[test]
fn redirect_accepts_an_allowed_host_and_reserializes_it() {
    let policy = redirects();
    assert_eq!(
        policy.check("https://allowed.example/path"),
        Ok(Cow::Owned("https://allowed.example/path".into()))
    );
    assert_eq!(
        policy.check("https://allowed.example").unwrap(),
        "https://allowed.example/"
    );
    assert_eq!(
        policy.check("https://ALLOWED.example/").unwrap(),
        "https://allowed.example/"
    );
    assert_eq!(
        policy.check("HTTPS://Allowed.Example/A").unwrap(),
        "https://allowed.example/A"
    );
}

#[test]
fn redirect_compares_hosts_after_idna_normalization() {
    let policy = RedirectFilter::new().allow_host("bücher.example");
    assert_eq!(
        policy.check("https://BÜCHER.example/").unwrap(),
        "https://xn--bcher-kva.example/"
    );
    assert_eq!(
        policy.check("https://xn--bcher-kva.example/").unwrap(),
        "https://xn--bcher-kva.example/"
    );
    assert_eq!(
        policy.check("https://bucher.example/"),
        Err(SanitizeError::OpenRedirect)
    );
    let punycode = RedirectFilter::new().allow_host("xn--bcher-kva.example");
    assert_eq!(
        punycode.check("https://bücher.example/a").unwrap(),
        "https://xn--bcher-kva.example/a"
    );
}

#[test]
fn redirect_host_entries_that_are_not_hosts_never_match() {
    for entry in [
        "user@allowed.example",
        "allowed.example/path",
        "https://allowed.example",
        "",
    ] {
        let policy = RedirectFilter::new().allow_host(entry);
        assert_eq!(
            policy.check("https://allowed.example/"),
            Err(SanitizeError::OpenRedirect),
            "{entry}"
        );
    }
}

#[test]
fn redirect_policy_without_hosts_accepts_only_paths() {
    let policy = RedirectFilter::new();
    assert_eq!(policy.check("/home").unwrap(), "/home");
    assert_eq!(
        policy.check("https://allowed.example/"),
        Err(SanitizeError::OpenRedirect)
    );
}

#[test]
fn redirect_refuses_targets_over_the_size_limit() {
    let at_limit = format!("/{}", "a".repeat(MAX_URL_BYTES - 1));
    assert_eq!(redirects().check(&at_limit).unwrap(), at_limit);
    let over = format!("/{}", "a".repeat(MAX_URL_BYTES));
    assert_eq!(redirects().check(&over), Err(SanitizeError::OpenRedirect));
}

// ---- url: UrlFilter --------------------------------------------------------------------

#[test]
fn url_policy_compares_schemes_case_insensitively() {
    let policy = UrlFilter::new(["HTTPS", "mailto"]).unwrap();
    assert_eq!(
        policy.check("hTtPs://Example.COM/a").unwrap().as_str(),
        "https://example.com/a"
    );
    assert_eq!(
        policy.check("MAILTO:ann@example.com").unwrap().as_str(),
        "mailto:ann@example.com"
    );
}

#[test]
fn url_policy_refuses_a_scheme_not_on_the_list() {
    let policy = UrlFilter::new(["https"]).unwrap();
    for url in [
        "http://example.com",
        "ftp://example.com",
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
    ] {
        assert_eq!(policy.check(url), Err(SanitizeError::DisallowedScheme), "{url}");
    }
}

#[test]
fn url_policy_refuses_control_characters() {
    let policy = UrlFilter::new(["https"]).unwrap();
    for url in [
        "java\tscript:alert(1)",
        "https://example.com/\n",
        "https://exa\rmple.com/",
        "https://example.com/\0",
        "https://example\u{7f}.com/",
    ] {
        assert_eq!(policy.check(url), Err(SanitizeError::InvalidUrl), "{url:?}");
    }
}

#[test]
fn url_policy_refuses_relative_references() {
    let policy = UrlFilter::new(["https"]).unwrap();
    for url in ["/relative/path", "relative", "//example.com/x", "?q=1", ""] {
        assert_eq!(policy.check(url), Err(SanitizeError::InvalidUrl), "{url:?}");
    }
}

#[test]
fn url_policy_returns_the_normalized_url() {
    let url = UrlFilter::new(["https"])
        .unwrap()
        .check("HTTPS://Example.COM/a/../b")
        .unwrap();
    assert_eq!(url.as_str(), "https://example.com/b");
}

#[test]
fn url_policy_refuses_urls_over_the_size_limit() {
    let policy = UrlFilter::new(["https"]).unwrap();
    let prefix = "https://example.com/";
    let at_limit = format!("{prefix}{}", "a".repeat(MAX_URL_BYTES - prefix.len()));
    assert_eq!(policy.check(&at_limit).unwrap().as_str(), at_limit);
    let over = format!("{at_limit}a");
    assert_eq!(policy.check(&over), Err(SanitizeError::InvalidUrl));
}

#[test]
fn url_policy_refuses_dangerous_schemes_at_construction() {
    for scheme in [
        "javascript",
        "JavaScript",
        "vbscript",
        "data",
        "blob",
        "file",
        "filesystem",
        // The cleaner refused it; the URL policy did not (found in review).
        "about",
    ] {
        assert_eq!(
            UrlFilter::new(["https", scheme]).unwrap_err(),
            SanitizeError::InvalidConfig(format!(
                "URL scheme `{}` cannot be allowed",
                scheme.to_ascii_lowercase()
            )),
        );
    }
}

#[test]
fn url_policy_refuses_malformed_schemes_and_an_empty_list() {
    for scheme in ["https:", "1http", "", "ht tp", "-x"] {
        assert_eq!(
            UrlFilter::new([scheme]).unwrap_err().code(),
            "invalid_config",
            "{scheme:?}"
        );
    }
    assert_eq!(
        UrlFilter::new(Vec::<&str>::new()).unwrap_err(),
        SanitizeError::InvalidConfig("no URL scheme allowed".into())
    );
}
