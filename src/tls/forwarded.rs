//! [`ForwardedCertificates`]: believing a trusted proxy's `X-Forwarded-Client-Cert`.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::ClientCertVerifier;

use super::{IdentitySource, PeerIdentity, TlsError, parse_xfcc};

/// How a gate reads the client identity a trusted proxy forwards in Envoy's
/// `X-Forwarded-Client-Cert` (set with
/// [`Gate::forwarded_client_certificates`](crate::http::Gate::forwarded_client_certificates);
/// read only from the gate's trusted proxies, ignored from anyone else). The last
/// element is read: the one the nearest proxy appended about its own client.
///
/// - [`on_the_proxys_word`](Self::on_the_proxys_word): the element's `URI`, `DNS`
///   and `Hash`, as the proxy wrote them.
/// - [`verified`](Self::verified): the element's `Cert` (and `Chain`), verified here
///   against a CA bundle as a client certificate (webpki, now), and read from the
///   certificate itself; an element without a verifying `Cert` is no identity. This
///   does not trust `Hash`, nor a proxy that cut the URIs (envoy #20723).
#[derive(Clone)]
pub struct ForwardedCertificates {
    verifier: Option<Arc<dyn ClientCertVerifier>>,
}

impl fmt::Debug for ForwardedCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForwardedCertificates")
            .field("verified", &self.verifier.is_some())
            .finish()
    }
}

impl ForwardedCertificates {
    /// The proxy's word: `URI`, `DNS`, `Subject` and `Hash` as forwarded.
    pub fn on_the_proxys_word() -> Self {
        ForwardedCertificates { verifier: None }
    }

    /// Verifies the forwarded `Cert` against the CAs of `client_ca_pem`.
    ///
    /// # Errors
    ///
    /// [`TlsError::InvalidConfig`] for a bundle without a usable CA certificate.
    pub fn verified(client_ca_pem: &[u8]) -> Result<Self, TlsError> {
        let mut roots = rustls::RootCertStore::empty();
        for certificate in super::certificates(client_ca_pem)? {
            roots
                .add(certificate)
                .map_err(|_| TlsError::InvalidConfig("a client CA certificate is not usable"))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|_| TlsError::InvalidConfig("the client CA bundle cannot verify"))?;
        Ok(ForwardedCertificates {
            verifier: Some(verifier),
        })
    }

    /// The identity in `value` (the header's lines joined with `,`) from `proxy`.
    ///
    /// # Errors
    ///
    /// [`TlsError::MalformedXfcc`] for a value that is not Envoy's grammar, an element
    /// without `Hash` (on the proxy's word) or without a `Cert` that verifies.
    pub fn identity(&self, value: &str, proxy: IpAddr) -> Result<PeerIdentity, TlsError> {
        let elements = parse_xfcc(value)?;
        let last = elements.last().ok_or(TlsError::MalformedXfcc("no element"))?;
        let Some(verifier) = &self.verifier else {
            return PeerIdentity::forwarded(last, proxy);
        };
        let pem = last.cert_pem()?.ok_or(TlsError::MalformedXfcc("no Cert to verify"))?;
        let leaf = super::certificates(pem.as_bytes()).map_err(|_| TlsError::MalformedXfcc("Cert is not PEM"))?;
        let chain = match last.chain.as_deref() {
            Some(_) => {
                let pem = last.chain_pem()?.unwrap_or_default();
                super::certificates(pem.as_bytes()).map_err(|_| TlsError::MalformedXfcc("Chain is not PEM"))?
            }
            None => Vec::new(),
        };
        let intermediates: Vec<CertificateDer<'_>> = chain.into_iter().skip(1).collect();
        verifier
            .verify_client_cert(&leaf[0], &intermediates, UnixTime::now())
            .map_err(|_| TlsError::MalformedXfcc("the forwarded certificate does not verify"))?;
        let identity = PeerIdentity::from_der(&leaf[0], IdentitySource::Direct)?;
        Ok(identity.with_source(IdentitySource::Forwarded {
            proxy,
            verified_here: true,
        }))
    }
}
