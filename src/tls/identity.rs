//! [`PeerIdentity`]: who a client certificate says the caller is.

use std::fmt;
use std::net::IpAddr;

use super::{SpiffeId, TlsError};

/// The largest certificate read, in bytes of DER.
pub const MAX_CERTIFICATE_BYTES: usize = 16 << 10;
/// The most DNS names kept from one certificate.
pub const MAX_DNS_NAMES: usize = 32;

/// Where a [`PeerIdentity`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentitySource {
    /// The client's own certificate, verified in this process's TLS handshake.
    Direct,
    /// A trusted proxy's `X-Forwarded-Client-Cert` (the proxy at this address
    /// verified the certificate, or this process verified the forwarded one).
    Forwarded {
        /// The proxy's address.
        proxy: IpAddr,
        /// Whether the forwarded certificate itself was checked against the CA
        /// bundle here (rather than the proxy's word taken).
        verified_here: bool,
    },
}

impl IdentitySource {
    /// A stable name: `tls` or `xfcc`.
    pub fn as_str(&self) -> &'static str {
        match self {
            IdentitySource::Direct => "tls",
            IdentitySource::Forwarded { .. } => "xfcc",
        }
    }
}

/// A client's identity from its verified certificate: read once per connection (or
/// per forwarded header), then shared by every request on it.
///
/// - [`spiffe_id`](Self::spiffe_id): the SPIFFE ID when the certificate is an
///   X509-SVID — exactly one URI SAN, and it is a valid SPIFFE ID; a certificate
///   with several URI SANs has none (the X509-SVID specification allows one).
/// - [`dns_names`](Self::dns_names), [`subject`](Self::subject), the validity, and
///   the SHA-256 [`thumbprint`](Self::thumbprint) of the DER (RFC 8705's
///   `x5t#S256`).
#[derive(Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    spiffe_id: Option<SpiffeId>,
    dns_names: Vec<String>,
    subject: String,
    validity: Option<(i64, i64)>,
    thumbprint: [u8; 32],
    source: IdentitySource,
}

impl fmt::Debug for PeerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerIdentity")
            .field("spiffe_id", &self.spiffe_id)
            .field("dns_names", &self.dns_names)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl PeerIdentity {
    /// Reads the identity of a certificate (DER) that was verified: by this
    /// process's handshake ([`IdentitySource::Direct`]) or by a trusted proxy.
    ///
    /// ```
    /// use portcullis::tls::{IdentitySource, PeerIdentity};
    ///
    /// // Garbage is an error, never a panic.
    /// assert!(PeerIdentity::from_der(b"not a certificate", IdentitySource::Direct).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`TlsError::InvalidCertificate`] for DER that is not a certificate (or over
    /// [`MAX_CERTIFICATE_BYTES`]), or a malformed subject alternative name.
    pub fn from_der(der: &[u8], source: IdentitySource) -> Result<Self, TlsError> {
        if der.len() > MAX_CERTIFICATE_BYTES {
            return Err(TlsError::InvalidCertificate("larger than 16 KiB"));
        }
        let (rest, certificate) = x509_parser::parse_x509_certificate(der)
            .map_err(|_| TlsError::InvalidCertificate("not an X.509 certificate"))?;
        if !rest.is_empty() {
            return Err(TlsError::InvalidCertificate("bytes after the certificate"));
        }
        let names = certificate
            .subject_alternative_name()
            .map_err(|_| TlsError::InvalidCertificate("malformed subject alternative names"))?;
        let mut uris = Vec::new();
        let mut dns_names = Vec::new();
        for name in names.iter().flat_map(|names| names.value.general_names.iter()) {
            match name {
                x509_parser::extensions::GeneralName::URI(uri) => uris.push(*uri),
                x509_parser::extensions::GeneralName::DNSName(dns) if dns_names.len() < MAX_DNS_NAMES => {
                    dns_names.push((*dns).to_owned());
                }
                _ => {}
            }
        }
        // An X509-SVID has exactly one URI SAN, its SPIFFE ID; a leaf only.
        let spiffe_id = match uris.as_slice() {
            [uri] if !certificate.is_ca() => SpiffeId::parse(uri).ok(),
            _ => None,
        };
        let validity = certificate.validity();
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut thumbprint = [0u8; 32];
        thumbprint.copy_from_slice(digest.as_ref());
        Ok(PeerIdentity {
            spiffe_id,
            dns_names,
            subject: certificate.subject().to_string(),
            validity: Some((validity.not_before.timestamp(), validity.not_after.timestamp())),
            thumbprint,
            source,
        })
    }

    /// The identity a trusted proxy forwarded in one XFCC element, on its word: the
    /// SPIFFE ID when the element has exactly one URI and it is a SPIFFE ID, the DNS
    /// names, the subject, and the thumbprint from `Hash`.
    ///
    /// ```
    /// use portcullis::tls::{IdentitySource, PeerIdentity, parse_xfcc};
    ///
    /// let elements = parse_xfcc("Hash=4f2a3c1e9b8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29;URI=spiffe://orders.test/ns/prod/sa/billing")?;
    /// let identity = PeerIdentity::forwarded(&elements[0], "10.0.0.2".parse().unwrap())?;
    /// assert_eq!(identity.name(), Some("spiffe://orders.test/ns/prod/sa/billing"));
    /// assert!(matches!(identity.source(), IdentitySource::Forwarded { verified_here: false, .. }));
    /// # Ok::<(), portcullis::tls::TlsError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TlsError::MalformedXfcc`] for an element without `Hash` (a proxy that
    /// verified a certificate names its hash).
    pub fn forwarded(element: &super::XfccElement<'_>, proxy: IpAddr) -> Result<Self, TlsError> {
        let thumbprint = element.hash.ok_or(TlsError::MalformedXfcc(
            "no Hash: the proxy names the certificate it verified",
        ))?;
        let spiffe_id = match element.uris.as_slice() {
            [uri] => SpiffeId::parse(uri).ok(),
            _ => None,
        };
        Ok(PeerIdentity {
            spiffe_id,
            dns_names: element
                .dns
                .iter()
                .take(MAX_DNS_NAMES)
                .map(|name| name.to_string())
                .collect(),
            subject: element.subject.as_deref().unwrap_or_default().to_owned(),
            validity: None,
            thumbprint,
            source: IdentitySource::Forwarded {
                proxy,
                verified_here: false,
            },
        })
    }

    /// The same identity, marked as coming from `source`.
    pub(crate) fn with_source(mut self, source: IdentitySource) -> Self {
        self.source = source;
        self
    }

    /// The SPIFFE ID, when the certificate is an X509-SVID.
    pub fn spiffe_id(&self) -> Option<&SpiffeId> {
        self.spiffe_id.as_ref()
    }

    /// The DNS names (subject alternative names; at most [`MAX_DNS_NAMES`]).
    pub fn dns_names(&self) -> &[String] {
        &self.dns_names
    }

    /// The subject's distinguished name, as text (RFC 4514 order).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// When the certificate became valid (Unix seconds); `None` for an identity a
    /// proxy forwarded without the certificate.
    pub fn not_before(&self) -> Option<i64> {
        self.validity.map(|(from, _)| from)
    }

    /// When it expires (Unix seconds); `None` as for [`not_before`](Self::not_before).
    pub fn not_after(&self) -> Option<i64> {
        self.validity.map(|(_, until)| until)
    }

    /// The SHA-256 of the certificate's DER (RFC 8705's `x5t#S256`, unencoded).
    pub fn thumbprint(&self) -> &[u8; 32] {
        &self.thumbprint
    }

    /// Where the identity came from.
    pub fn source(&self) -> IdentitySource {
        self.source
    }

    /// The name a principal takes from it: the SPIFFE ID, else the first DNS name.
    pub fn name(&self) -> Option<&str> {
        match &self.spiffe_id {
            Some(id) => Some(id.as_str()),
            None => self.dns_names.first().map(String::as_str),
        }
    }
}
