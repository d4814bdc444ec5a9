//! [`ClientCertificates`]: callers authenticated by their client certificate.

use crate::Principal;
use crate::auth::{AuthError, Authenticator, Credentials};

use super::{PeerIdentity, SpiffeId, TlsError};

/// Authenticates a caller by its connection's verified client certificate
/// ([`Credentials::Certificate`], read when the gate's sources say
/// [`with_client_certificate`](crate::auth::CredentialSources::with_client_certificate)):
/// the [`Principal`]'s subject is the certificate's SPIFFE ID, or, where allowed, its
/// first DNS name. It has no issuer, so the policy's top-level `[subjects]` bind it to
/// roles (`"spiffe://orders.test/ns/prod/sa/billing" = ["billing"]`).
///
/// The CA bundle of [`server_config`](super::server_config) decides which
/// certificates verify; this decides which identities are callers: by default any
/// SPIFFE ID the CAs vouch for; [`trust_domain`](Self::trust_domain) narrows it.
///
/// ```
/// use portcullis::auth::Authenticator;
/// use portcullis::tls::ClientCertificates;
///
/// let certificates = ClientCertificates::new().trust_domain("orders.test")?;
/// # let _ = certificates;
/// # Ok::<(), portcullis::tls::TlsError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientCertificates {
    trust_domains: Vec<String>,
    dns_names: bool,
}

impl ClientCertificates {
    /// SPIFFE IDs of any trust domain; no DNS names.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts SPIFFE IDs of `domain` (and of the other domains named this way)
    /// only.
    ///
    /// # Errors
    ///
    /// [`TlsError::InvalidSpiffeId`] when `domain` is not a trust domain.
    pub fn trust_domain(mut self, domain: &str) -> Result<Self, TlsError> {
        SpiffeId::parse(&format!("spiffe://{domain}"))?;
        self.trust_domains.push(domain.to_owned());
        Ok(self)
    }

    /// Also accepts certificates that are not X509-SVIDs, by their first DNS name.
    pub fn allow_dns_names(mut self) -> Self {
        self.dns_names = true;
        self
    }

    /// The caller a certificate identifies.
    ///
    /// # Errors
    ///
    /// [`AuthError::CertificateNotAccepted`].
    pub fn principal(&self, identity: &PeerIdentity) -> Result<Principal, AuthError> {
        if let Some(id) = identity.spiffe_id() {
            let accepted =
                self.trust_domains.is_empty() || self.trust_domains.iter().any(|domain| domain == id.trust_domain());
            return match accepted {
                true => Ok(Principal::new(id.as_str()).with_credential(crate::audit::Credential::Certificate)),
                false => Err(AuthError::CertificateNotAccepted("trust domain not accepted")),
            };
        }
        match (self.dns_names, identity.dns_names().first()) {
            (true, Some(name)) => {
                Ok(Principal::new(name.as_str()).with_credential(crate::audit::Credential::Certificate))
            }
            _ => Err(AuthError::CertificateNotAccepted("no SPIFFE ID")),
        }
    }
}

impl Authenticator for ClientCertificates {
    /// Client certificates.
    fn accepts(&self, credentials: &Credentials<'_>) -> bool {
        matches!(credentials, Credentials::Certificate(_))
    }

    async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<Principal, AuthError> {
        match credentials {
            Credentials::Certificate(identity) => self.principal(identity),
            _ => Err(AuthError::MissingCredentials),
        }
    }

    /// Always at once: the certificate was read when the connection was made.
    fn authenticate_now(&self, credentials: &Credentials<'_>) -> Option<Result<Principal, AuthError>> {
        Some(match credentials {
            Credentials::Certificate(identity) => self.principal(identity),
            _ => Err(AuthError::MissingCredentials),
        })
    }
}
