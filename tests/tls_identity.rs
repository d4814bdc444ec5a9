//! `PeerIdentity` from certificates made in the test (rcgen), checked against
//! Python's `cryptography` (OpenSSL's X.509 parser): the SHA-256 thumbprint, the
//! URI and DNS names and the validity agree; the SPIFFE ID is there exactly when
//! the certificate is an X509-SVID (one URI SAN, a valid SPIFFE ID).
#![cfg(feature = "tls")]
#![allow(clippy::duplicate_mod)]

mod common {
    pub mod interop;
    #[allow(dead_code)]
    pub mod pki;
}

use common::interop::interop_output;
use common::pki::Ca;
use portcullis::tls::{IdentitySource, PeerIdentity};

#[test]
fn identities_agree_with_pythons_cryptography() {
    let ca = Ca::new("Orders CA");
    let leaves = [
        ca.client(&["spiffe://orders.test/ns/prod/sa/billing"], &[], false),
        ca.client(
            &["spiffe://orders.test/a", "spiffe://orders.test/b"],
            &["b.orders.test"],
            false,
        ),
        ca.client(
            &["https://orders.test/not-spiffe"],
            &["x.orders.test", "y.orders.test"],
            false,
        ),
        ca.client(&[], &["plain.orders.test"], true),
    ];
    let input = serde_json::json!({ "certificates": leaves.iter().map(|leaf| &leaf.cert_pem).collect::<Vec<_>>() });
    let Some(output) = interop_output(
        "identities_agree_with_pythons_cryptography",
        "read_certificates.py",
        &input.to_string(),
    ) else {
        return;
    };
    let output: serde_json::Value = serde_json::from_str(&output).expect("json");
    let expected_ids = [Some("spiffe://orders.test/ns/prod/sa/billing"), None, None, None];
    for ((leaf, theirs), expected_id) in leaves
        .iter()
        .zip(output["read"].as_array().expect("read"))
        .zip(expected_ids)
    {
        let ours = PeerIdentity::from_der(&leaf.der, IdentitySource::Direct).expect("identity");
        let hex: String = ours.thumbprint().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(theirs["sha256"], hex);
        assert_eq!(theirs["dns"], serde_json::json!(ours.dns_names()));
        assert_eq!(theirs["not_before"], ours.not_before().expect("validity"));
        assert_eq!(theirs["not_after"], ours.not_after().expect("validity"));
        assert_eq!(ours.spiffe_id().map(|id| id.as_str()), expected_id);
        let uris = theirs["uris"].as_array().expect("uris");
        if let Some(id) = ours.spiffe_id() {
            assert_eq!(uris.as_slice(), [serde_json::json!(id.as_str())]);
        }
        assert_eq!(ours.source(), IdentitySource::Direct);
    }
}

#[test]
fn garbage_truncated_and_oversized_input_is_an_error() {
    // Not a certificate, a truncated one, one with trailing bytes, one over 16 KiB:
    // errors, never a panic.
    let ca = Ca::new("Orders CA");
    let leaf = ca.client(&["spiffe://orders.test/x"], &[], false);
    assert!(PeerIdentity::from_der(b"", IdentitySource::Direct).is_err());
    assert!(PeerIdentity::from_der(&leaf.der[..leaf.der.len() / 2], IdentitySource::Direct).is_err());
    let mut trailing = leaf.der.clone();
    trailing.push(0);
    assert_eq!(
        PeerIdentity::from_der(&trailing, IdentitySource::Direct)
            .map(drop)
            .map_err(|err| err.code()),
        Err("invalid_certificate")
    );
    assert_eq!(
        PeerIdentity::from_der(&vec![0x30; 20_000], IdentitySource::Direct)
            .map(drop)
            .map_err(|err| err.code()),
        Err("invalid_certificate")
    );
}
