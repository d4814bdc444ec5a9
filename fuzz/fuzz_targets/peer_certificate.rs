//! `PeerIdentity::from_der` on arbitrary bytes (certificates come from the
//! handshake and from forwarded headers).
//!
//! Invariants:
//! - never a panic; deterministic;
//! - an accepted certificate's thumbprint is the SHA-256 of the input; its SPIFFE
//!   ID, if any, is a valid SPIFFE ID; at most 32 DNS names are kept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::tls::{IdentitySource, PeerIdentity, SpiffeId};

fuzz_target!(|data: &[u8]| {
    let parsed = PeerIdentity::from_der(data, IdentitySource::Direct);
    assert_eq!(parsed, PeerIdentity::from_der(data, IdentitySource::Direct), "not deterministic");
    let Ok(identity) = parsed else {
        return;
    };
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    assert_eq!(identity.thumbprint().as_slice(), digest.as_ref());
    if let Some(id) = identity.spiffe_id() {
        assert_eq!(SpiffeId::parse(id.as_str()).as_ref(), Ok(id));
    }
    assert!(identity.dns_names().len() <= 32);
});
