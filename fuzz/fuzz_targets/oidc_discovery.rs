//! OIDC discovery documents (`RemoteKeySet::from_issuer`'s first fetch), on arbitrary
//! bytes, through the same function the remote key set uses.
//!
//! Invariants: a document is accepted only if its `issuer` is exactly the one asked
//! for, and then the key set URL it gives is `https` (or `http` to a loopback address
//! when that was allowed), with no credentials in it.
#![no_main]

use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://issuer.example";

fuzz_target!(|data: &[u8]| {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let allow_loopback = flags & 1 == 1;
    let Ok(uri) = portcullis::fuzzing::oidc_discovery(body, ISSUER, allow_loopback) else {
        return;
    };
    // An independent reading of the issuer. (serde_json's Value refuses a lone
    // surrogate escape, `\ud800`, which JSON's grammar allows and a member the
    // discovery reader skips may hold: such documents are checked by the URL alone.)
    if let Ok(document) = serde_json::from_slice::<serde_json::Value>(body) {
        assert_eq!(document["issuer"], ISSUER, "another issuer's document accepted");
    }
    let url = url::Url::parse(&uri).expect("an accepted jwks_uri parses");
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "credentials in {uri}"
    );
    match url.scheme() {
        "https" => {}
        "http" => {
            assert!(allow_loopback, "http accepted without allow_http_loopback: {uri}");
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
                None => false,
            };
            assert!(loopback, "http to a non-loopback host: {uri}");
        }
        other => panic!("scheme {other} accepted"),
    }
});
