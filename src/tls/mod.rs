//! Service identity from client certificates (feature `tls`): [`PeerIdentity`] from
//! a verified certificate, strict [`SpiffeId`]s and [`SpiffePattern`]s, and Envoy's
//! `X-Forwarded-Client-Cert` ([`parse_xfcc`]) for when TLS ends at a proxy.
//!
//! Every parser here reads untrusted bytes under hard limits and answers a typed
//! error, never a panic: SPIFFE IDs at most [`MAX_SPIFFE_ID_BYTES`], XFCC values at
//! most [`MAX_XFCC_BYTES`], certificates at most [`MAX_CERTIFICATE_BYTES`].
//!
//! ```
//! use portcullis::tls::{SpiffeId, parse_xfcc};
//!
//! let id: SpiffeId = "spiffe://orders.test/ns/prod/sa/billing".parse()?;
//! let forwarded = parse_xfcc("Hash=4f2a3c1e9b8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29;URI=spiffe://orders.test/ns/prod/sa/billing")?;
//! assert_eq!(forwarded[0].uris[0], id.as_str());
//! # Ok::<(), portcullis::tls::TlsError>(())
//! ```

mod authenticator;
mod forwarded;
mod identity;
mod server;
mod spiffe;
mod xfcc;

pub use authenticator::ClientCertificates;
pub use forwarded::ForwardedCertificates;
pub use identity::{IdentitySource, MAX_CERTIFICATE_BYTES, MAX_DNS_NAMES, PeerIdentity};
pub use server::{ClientAuth, MAX_PEM_BYTES, certificates, server_config};
pub use spiffe::{MAX_SPIFFE_ID_BYTES, MAX_TRUST_DOMAIN_BYTES, SpiffeId, SpiffePattern};
pub use xfcc::{MAX_XFCC_BYTES, MAX_XFCC_ELEMENTS, MAX_XFCC_PAIRS, XfccElement, parse_xfcc};

/// The one error type of the `tls` module. Messages name the rule broken and never
/// echo the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// Not a SPIFFE ID (or pattern) as the specification allows.
    #[error("invalid SPIFFE ID: {0}")]
    InvalidSpiffeId(&'static str),
    /// An `X-Forwarded-Client-Cert` value that is not Envoy's grammar.
    #[error("malformed X-Forwarded-Client-Cert: {0}")]
    MalformedXfcc(&'static str),
    /// Bytes that are not a certificate this module reads.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(&'static str),
    /// A TLS configuration that cannot be built (a PEM file, a key, a CA bundle).
    #[error("invalid TLS configuration: {0}")]
    InvalidConfig(&'static str),
}

impl TlsError {
    /// The stable code.
    ///
    /// ```
    /// use portcullis::tls::SpiffeId;
    ///
    /// assert_eq!(SpiffeId::parse("http://x").unwrap_err().code(), "invalid_spiffe_id");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            TlsError::InvalidSpiffeId(_) => "invalid_spiffe_id",
            TlsError::MalformedXfcc(_) => "malformed_xfcc",
            TlsError::InvalidCertificate(_) => "invalid_certificate",
            TlsError::InvalidConfig(_) => "invalid_config",
        }
    }
}
