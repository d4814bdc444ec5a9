//! Certificates made for one test run (rcgen): a CA, server certificates for
//! 127.0.0.1, client certificates with SPIFFE IDs, expired ones, another CA's.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

/// The billing workload's SPIFFE ID.
pub const BILLING: &str = "spiffe://orders.test/ns/prod/sa/billing";

/// The billing workload reads orders; other workloads of the trust domain are
/// callers without that permission.
pub const BILLING_POLICY: &str = r#"
[roles.billing]
permissions = ["orders:read"]
[subjects]
"spiffe://orders.test/ns/prod/sa/billing" = ["billing"]
"#;

pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its private key, as PEM and DER.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: Vec<u8>,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("CA");
        Ca { issuer }
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    fn sign(&self, mut params: CertificateParams, usage: ExtendedKeyUsagePurpose) -> Leaf {
        params.extended_key_usages = vec![usage];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let key = KeyPair::generate().expect("key");
        let certificate = params.signed_by(&key, &self.issuer).expect("signed");
        Leaf {
            cert_pem: certificate.pem(),
            key_pem: key.serialize_pem(),
            der: certificate.der().to_vec(),
        }
    }

    /// A rustls server configuration for 127.0.0.1 with a certificate of this CA,
    /// verifying client certificates against it.
    pub fn server_config(&self, client_auth: portcullis::tls::ClientAuth) -> std::sync::Arc<rustls::ServerConfig> {
        let server = self.server();
        portcullis::tls::server_config(
            server.cert_pem.as_bytes(),
            server.key_pem.as_bytes(),
            Some(self.pem().as_bytes()),
            client_auth,
        )
        .expect("config")
    }

    /// A server certificate for 127.0.0.1 and localhost.
    pub fn server(&self) -> Leaf {
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        params.subject_alt_names.push(SanType::IpAddress([127, 0, 0, 1].into()));
        self.sign(params, ExtendedKeyUsagePurpose::ServerAuth)
    }

    /// A client certificate (an X509-SVID when `uris` is one SPIFFE ID).
    pub fn client(&self, uris: &[&str], dns: &[&str], expired: bool) -> Leaf {
        let mut params =
            CertificateParams::new(dns.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>()).expect("params");
        for uri in uris {
            params
                .subject_alt_names
                .push(SanType::URI((*uri).try_into().expect("an IA5 URI")));
        }
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, "workload");
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        self.sign(params, ExtendedKeyUsagePurpose::ClientAuth)
    }
}
