//! Every rustls error tlsviz translates reads as words: no `Debug` text reaches a person.

use super::*;
use rustls::pki_types::{ServerName, UnixTime};
use std::sync::Arc;
use std::time::Duration;

fn assert_words(text: &str) {
    for bad in ["{", "(UNIX)", "Context", "OtherError", "Other(", "[", "0x"] {
        assert!(!text.contains(bad), "{bad:?} in {text:?}");
    }
}

#[derive(Debug)]
struct Named(&'static str);
impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
impl std::error::Error for Named {}

#[allow(deprecated)]
fn certificate_errors() -> Vec<C> {
    let t = UnixTime::since_unix_epoch(Duration::from_secs(1_796_171_907));
    let u = UnixTime::since_unix_epoch(Duration::from_secs(1_700_000_000));
    let other = |name| C::Other(rustls::OtherError(Arc::new(Named(name))));
    vec![
        C::BadEncoding,
        C::Expired,
        C::ExpiredContext {
            time: t,
            not_after: u,
        },
        C::NotValidYet,
        C::NotValidYetContext {
            time: u,
            not_before: t,
        },
        C::Revoked,
        C::UnhandledCriticalExtension,
        C::UnknownIssuer,
        C::UnknownRevocationStatus,
        C::ExpiredRevocationList,
        C::ExpiredRevocationListContext {
            time: t,
            next_update: u,
        },
        C::BadSignature,
        C::UnsupportedSignatureAlgorithm,
        C::UnsupportedSignatureAlgorithmContext {
            // sha1WithRSAEncryption, then NULL parameters.
            signature_algorithm_id: vec![
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
            ],
            supported_algorithms: Vec::new(),
        },
        C::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id: vec![1, 2, 3],
            public_key_algorithm_id: vec![4, 5],
        },
        C::NotValidForName,
        C::NotValidForNameContext {
            expected: ServerName::try_from("cache.example.com").expect("a name"),
            presented: vec!["DnsName(\"x\")".into()],
        },
        C::InvalidPurpose,
        C::InvalidPurposeContext {
            required: ExtendedKeyPurpose::ServerAuth,
            presented: vec![ExtendedKeyPurpose::ClientAuth],
        },
        C::InvalidOcspResponse,
        C::ApplicationVerificationFailure,
        other("UnsupportedCriticalExtension"),
        other("NameConstraintViolation"),
        other("EndEntityUsedAsCa"),
        other("CaUsedAsEndEntity"),
        other("PathLenConstraintViolated"),
        other("SomethingNew { x: 1 }"),
    ]
}

#[test]
fn every_certificate_error_is_words() {
    for c in certificate_errors() {
        let (text, _) = certificate_words(&c);
        assert_words(&text);
        let error = Error::InvalidCertificate(c);
        assert_words(&error_text(&error));
        if let TlsErrorDetail::BadCertificate { reason, .. } = tls_detail(&error) {
            assert_words(&reason);
        }
    }
}

#[test]
fn every_other_error_is_words() {
    let errors = vec![
        Error::AlertReceived(rustls::AlertDescription::HandshakeFailure),
        Error::AlertReceived(rustls::AlertDescription::Unknown(200)),
        Error::PeerIncompatible(rustls::PeerIncompatible::NoCipherSuitesInCommon),
        Error::PeerMisbehaved(rustls::PeerMisbehaved::BadCertChainExtensions),
        Error::NoCertificatesPresented,
        Error::DecryptError,
        Error::HandshakeNotComplete,
        Error::InvalidMessage(rustls::InvalidMessage::MissingData("x")),
    ];
    for e in errors {
        assert_words(&error_text(&e));
    }
    assert_eq!(alert_name(40), "handshake_failure");
}

/// The registry's spelling, not a split of rustls's enum names (`UnknownCA` once became
/// `unknown_c_a`): every code rustls names gets a registry name without stray underscores.
#[test]
fn alert_names_follow_the_registry() {
    assert_eq!(alert_name(48), "unknown_ca");
    assert_eq!(alert_name(112), "unrecognized_name");
    assert_eq!(alert_name(115), "unknown_psk_identity");
    assert_eq!(alert_name(121), "ech_required");
    assert_eq!(alert_name(200), "unknown");
    for code in 0..=u8::MAX {
        let known = !format!("{:?}", rustls::AlertDescription::from(code)).contains('(');
        let name = alert_name(code);
        if known {
            assert_ne!(
                name, "unknown",
                "rustls names alert {code}, the table does not"
            );
        }
        assert!(
            !name.contains("__") && !name.split('_').any(|w| w.len() == 1),
            "{code}: {name}"
        );
    }
}

#[test]
fn precise_words() {
    let (sha1, problem) = certificate_words(&certificate_errors()[13]);
    assert!(sha1.contains("SHA-1 (sha1WithRSAEncryption)"), "{sha1}");
    assert!(matches!(
        problem,
        CertProblem::UnsupportedSignatureAlgorithm { algorithm: Some(_) }
    ));
    let (eku, _) = certificate_words(&certificate_errors()[18]);
    assert_eq!(
        eku,
        "the certificate is for client authentication only (extended key usage clientAuth), not serverAuth"
    );
    let (expired, _) = certificate_words(&certificate_errors()[2]);
    assert!(
        expired.contains("2023-11-14") && expired.contains("2026-"),
        "{expired}"
    );
    assert_eq!(
        scheme_name(rustls::SignatureScheme::RSA_PSS_SHA256),
        "rsa_pss_rsae_sha256"
    );
    assert_eq!(
        scheme_name(rustls::SignatureScheme::from(0x0809)),
        "rsa_pss_pss_sha256"
    );
}
