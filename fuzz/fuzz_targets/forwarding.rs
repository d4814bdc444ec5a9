//! The client address behind trusted proxies (`TrustedProxies::client`): the
//! `Forwarded` (RFC 7239) and `X-Forwarded-For` readers, on arbitrary header lists.
//!
//! The input is a header block as in the `credentials` target: one header per line,
//! its name up to the first `:`, its value the bytes after it. The first line's value
//! is the list of trusted networks (`TrustedProxies::parse`), the second's first byte
//! picks the peer among a trusted and an untrusted address.
//!
//! Invariants:
//! - deterministic; never a panic;
//! - from an untrusted peer, the client is the peer, and no header is read;
//! - the client is the peer, or an address that appears in a forwarding header's
//!   text; it is never a trusted address unless every hop before it was trusted
//!   (then it is the nearest such hop, or the peer);
//! - marked malformed only when a trusted peer sent forwarding headers;
//! - the counting key of an IPv6 client has its low 64 bits clear.
#![no_main]

use std::net::IpAddr;

use libfuzzer_sys::fuzz_target;
use portcullis::throttle::{TrustedProxies, Via};

fuzz_target!(|data: &[u8]| {
    if data.len() > 32 * 1024 {
        return;
    }
    let mut lines = data.split(|b| *b == b'\n');
    let trusted = lines
        .next()
        .and_then(|line| std::str::from_utf8(line).ok())
        .and_then(|text| TrustedProxies::parse(text).ok())
        .unwrap_or_else(|| TrustedProxies::parse("10.0.0.0/8, 2001:db8::/32").expect("valid"));
    let pick = lines.next().and_then(|line| line.first().copied()).unwrap_or(0);
    let headers: Vec<(&str, &[u8])> = lines
        .filter_map(|line| {
            let colon = line.iter().position(|b| *b == b':')?;
            let name = std::str::from_utf8(&line[..colon]).unwrap_or("x-binary");
            Some((name, &line[colon + 1..]))
        })
        .take(64)
        .collect();
    let peer: IpAddr = match pick % 3 {
        0 => "10.1.2.3".parse().expect("address"),
        1 => "2001:db8::7".parse().expect("address"),
        _ => "192.0.2.1".parse().expect("address"),
    };
    let found = trusted.client(peer, headers.as_slice());
    assert_eq!(found, trusted.client(peer, headers.as_slice()), "not deterministic");

    let forwarding = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("forwarded") || name.eq_ignore_ascii_case("x-forwarded-for"));
    if !trusted.trusts(peer) {
        assert_eq!((found.ip(), found.via(), found.malformed()), (peer, Via::Peer, false));
    }
    if found.malformed() {
        assert!(
            trusted.trusts(peer) && forwarding,
            "malformed without forwarding headers from a trusted peer"
        );
    }
    if found.via() == Via::Peer {
        assert_eq!(found.ip(), peer);
    } else {
        assert!(trusted.trusts(peer) && forwarding);
        // The address was written in some forwarding header: some fragment of one,
        // between separators, reads as it (alone, with a port, or IPv4-mapped).
        let written = headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("forwarded") || name.eq_ignore_ascii_case("x-forwarded-for"))
            .flat_map(|(_, value)| {
                let value = String::from_utf8_lossy(value).replace('\\', "");
                // Fragments between every separator, and whole entries (an address
                // with a bracketed form, a port or a scope).
                let fine = value.split([',', ';', '"', '=', ' ', '\t', '[', ']']);
                let whole = value
                    .split([',', ';', '"', '='])
                    .map(|entry| entry.trim_matches([' ', '\t']));
                fine.chain(whole).map(str::to_owned).collect::<Vec<_>>()
            })
            .any(|fragment| {
                let parsed = fragment
                    .parse::<IpAddr>()
                    .ok()
                    .or_else(|| fragment.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
                    .or_else(|| fragment.rsplit_once(':').and_then(|(ip, _)| ip.parse::<IpAddr>().ok()));
                parsed.is_some_and(|ip| ip == found.ip() || ip.to_canonical() == found.ip())
            });
        assert!(written, "{} is in no forwarding header", found.ip());
    }
    if let IpAddr::V6(v6) = found.counting_key() {
        assert_eq!(u128::from(v6) & ((1 << 64) - 1), 0);
    }
});
