//! A rustls server configuration that asks for client certificates.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

use super::TlsError;

/// Whether the handshake demands a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// Asked for, not demanded: a client without one still connects, and routes
    /// decide (a route that needs a client identity answers 401 without one). A
    /// certificate that is presented must verify, or the handshake fails.
    Optional,
    /// Demanded: the handshake fails without a verified certificate.
    Required,
}

/// The largest PEM input read (a certificate chain, a key or a CA bundle).
pub const MAX_PEM_BYTES: usize = 1 << 20;

/// A TLS server configuration (rustls on ring, TLS 1.2 and 1.3) serving
/// `cert_chain_pem` with `key_pem`, verifying client certificates against the CAs of
/// `client_ca_pem` (webpki: chain, validity, the client-auth usage), when given.
///
/// A CA whose certificate carries URI name constraints is refused by webpki
/// (RUSTSEC-2026-0098's fix): the SPIFFE specification allows such constraints on a
/// trust domain's CA, so issue workload certificates from an intermediate without
/// them, and restrict trust domains in the policy instead ([`SpiffePattern`](super::SpiffePattern)
/// subjects name theirs).
///
/// # Errors
///
/// [`TlsError::InvalidConfig`] for PEM that holds no certificate or no private key,
/// an empty CA bundle, or inputs over [`MAX_PEM_BYTES`].
pub fn server_config(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
    client_ca_pem: Option<&[u8]>,
    client_auth: ClientAuth,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|_| TlsError::InvalidConfig("no protocol version"))?;
    let builder = match client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(pem) => {
            let mut roots = RootCertStore::empty();
            for certificate in certificates(pem)? {
                roots
                    .add(certificate)
                    .map_err(|_| TlsError::InvalidConfig("a client CA certificate is not usable"))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = match client_auth {
                ClientAuth::Optional => verifier.allow_unauthenticated(),
                ClientAuth::Required => verifier,
            };
            let verifier = verifier
                .build()
                .map_err(|_| TlsError::InvalidConfig("the client CA bundle cannot verify"))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let key = private_key(key_pem)?;
    let config = builder
        .with_single_cert(certificates(cert_chain_pem)?, key)
        .map_err(|_| TlsError::InvalidConfig("the certificate and key do not go together"))?;
    Ok(Arc::new(config))
}

/// The certificates of a PEM bundle (at least one).
///
/// # Errors
///
/// [`TlsError::InvalidConfig`].
pub fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    if pem.len() > MAX_PEM_BYTES {
        return Err(TlsError::InvalidConfig("PEM larger than 1 MiB"));
    }
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| TlsError::InvalidConfig("malformed PEM certificate"))?;
    if certificates.is_empty() {
        return Err(TlsError::InvalidConfig("no certificate in the PEM"));
    }
    Ok(certificates)
}

fn private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    if pem.len() > MAX_PEM_BYTES {
        return Err(TlsError::InvalidConfig("PEM larger than 1 MiB"));
    }
    PrivateKeyDer::from_pem_slice(pem).map_err(|_| TlsError::InvalidConfig("no private key in the PEM"))
}
