//! The certificate factory: a lab CA, server and client certificates, and every kind of broken
//! certificate the scenarios need, made with rcgen in memory.

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

/// A certificate with its key, able to sign others if it is a CA.
pub struct Issued {
    pub cert: Certificate,
    pub key: KeyPair,
}

impl Issued {
    pub fn cert_pem(&self) -> String {
        self.cert.pem()
    }
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }
}

/// When a certificate is valid, relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validity {
    #[default]
    Valid,
    Expired,
    NotYetValid,
}

fn window(validity: Validity) -> (OffsetDateTime, OffsetDateTime) {
    let now = OffsetDateTime::now_utc();
    match validity {
        Validity::Valid => (now - Duration::hours(1), now + Duration::days(30)),
        Validity::Expired => (now - Duration::days(60), now - Duration::days(3)),
        Validity::NotYetValid => (now + Duration::days(2), now + Duration::days(60)),
    }
}

fn name(common_name: &str) -> DistinguishedName {
    name_in("tlsviz lab", common_name)
}

/// A name in a given organisation (a second CA belongs to another one).
pub fn name_in(organization: &str, common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, organization);
    dn.push(DnType::CommonName, common_name);
    dn
}

/// The kind of key a certificate carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// ECDSA on P-256: small and fast, the lab's default.
    #[default]
    Ecdsa,
    /// RSA 2048, as many older and managed deployments still use.
    Rsa,
}

fn new_key(kind: KeyKind) -> Result<KeyPair, rcgen::Error> {
    match kind {
        KeyKind::Ecdsa => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        KeyKind::Rsa => {
            // ring signs with RSA keys but cannot make them: the rsa crate makes this one.
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048)
                .map_err(|_| rcgen::Error::KeyGenerationUnavailable)?;
            let der = key
                .to_pkcs8_der()
                .map_err(|_| rcgen::Error::KeyGenerationUnavailable)?;
            let der = rustls::pki_types::PrivateKeyDer::Pkcs8(der.as_bytes().to_vec().into());
            KeyPair::from_der_and_sign_algo(&der, &rcgen::PKCS_RSA_SHA256)
        }
    }
}

/// A self-signed CA (root or, when signed by `parent`, an intermediate).
pub fn make_ca(
    organization: &str,
    common_name: &str,
    parent: Option<&Issued>,
) -> Result<Issued, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = name_in(organization, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // A CA exists before anything it signs: its start precedes every leaf window, the expired
    // one (60 days back) included.
    let (from, to) = window(Validity::Valid);
    params.not_before = from - Duration::days(90);
    params.not_after = to + Duration::days(335);
    let key = new_key(KeyKind::Ecdsa)?;
    let cert = match parent {
        Some(p) => params.signed_by(&key, &p.cert, &p.key)?,
        None => params.self_signed(&key)?,
    };
    Ok(Issued { cert, key })
}

/// What a leaf certificate should look like.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub common_name: String,
    pub names: Vec<String>,
    pub validity: Validity,
    pub server_auth: bool,
    pub client_auth: bool,
    pub key: KeyKind,
}

impl LeafSpec {
    pub fn server(names: &[&str]) -> Self {
        Self {
            common_name: names.first().copied().unwrap_or("localhost").to_string(),
            names: names.iter().map(|s| s.to_string()).collect(),
            validity: Validity::Valid,
            server_auth: true,
            client_auth: false,
            key: KeyKind::Ecdsa,
        }
    }

    pub fn client(common_name: &str) -> Self {
        Self {
            common_name: common_name.to_string(),
            names: Vec::new(),
            validity: Validity::Valid,
            server_auth: false,
            client_auth: true,
            key: KeyKind::Ecdsa,
        }
    }
}

/// A leaf signed by `issuer`, or self-signed when `issuer` is `None`.
pub fn make_leaf(spec: &LeafSpec, issuer: Option<&Issued>) -> Result<Issued, rcgen::Error> {
    let mut params = CertificateParams::new(spec.names.clone())?;
    params.distinguished_name = name(&spec.common_name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = Vec::new();
    if spec.server_auth {
        params
            .extended_key_usages
            .push(ExtendedKeyUsagePurpose::ServerAuth);
    }
    if spec.client_auth {
        params
            .extended_key_usages
            .push(ExtendedKeyUsagePurpose::ClientAuth);
    }
    let (from, to) = window(spec.validity);
    params.not_before = from;
    params.not_after = to;
    params.use_authority_key_identifier_extension = issuer.is_some();
    let key = new_key(spec.key)?;
    let cert = match issuer {
        Some(i) => params.signed_by(&key, &i.cert, &i.key)?,
        None => params.self_signed(&key)?,
    };
    Ok(Issued { cert, key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::certinfo::describe_certificate;

    #[test]
    fn server_certificate_has_the_lab_names_and_issuer() {
        let ca = make_ca("tlsviz lab", "tlsviz Lab CA", None).unwrap();
        let leaf = make_leaf(
            &LeafSpec::server(&["localhost", "127.0.0.1", "::1"]),
            Some(&ca),
        )
        .unwrap();
        let info = describe_certificate(leaf.cert.der());
        assert_eq!(info.san, vec!["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
        assert!(info.issuer.contains("tlsviz Lab CA"));
        assert!(!info.self_signed);
        assert!(info.key_type.starts_with("ECDSA P-256"));
    }

    #[test]
    fn one_malformed_name_does_not_hide_the_others() {
        let ca = make_ca("tlsviz lab", "CA", None).unwrap();
        let leaf = make_leaf(
            &LeafSpec::server(&["localhost", "zzbad.example", "127.0.0.1"]),
            Some(&ca),
        )
        .unwrap();
        // Make the second DNS name invalid UTF-8 (the signature no longer matters here).
        let mut der = leaf.cert.der().to_vec();
        let at = der
            .windows(b"zzbad".len())
            .position(|w| w == b"zzbad")
            .unwrap();
        der[at] = 0xff;
        let info = describe_certificate(&der);
        assert_eq!(
            info.san,
            vec!["DNS:localhost", "DNS:(malformed)", "IP:127.0.0.1"]
        );
    }

    #[test]
    fn no_leaf_starts_before_its_ca() {
        let ca = make_ca("tlsviz lab", "CA", None).unwrap();
        let ca_from = describe_certificate(ca.cert.der()).not_before_unix;
        for validity in [Validity::Valid, Validity::Expired, Validity::NotYetValid] {
            let mut spec = LeafSpec::server(&["localhost"]);
            spec.validity = validity;
            let leaf = describe_certificate(make_leaf(&spec, Some(&ca)).unwrap().cert.der());
            assert!(ca_from < leaf.not_before_unix, "{validity:?}");
        }
    }

    #[test]
    fn expired_certificates_end_in_the_past() {
        let ca = make_ca("tlsviz lab", "CA", None).unwrap();
        let mut spec = LeafSpec::server(&["localhost"]);
        spec.validity = Validity::Expired;
        let info = describe_certificate(make_leaf(&spec, Some(&ca)).unwrap().cert.der());
        let now = OffsetDateTime::now_utc().unix_timestamp();
        assert!(info.not_after_unix < now);
    }
}
