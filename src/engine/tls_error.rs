//! rustls errors in the stable, serializable form that diagnosis reads, and in plain words:
//! nothing here hands rustls's or webpki's `Debug` text to a person.

use super::events::{CertProblem, TlsErrorDetail};
use rustls::{CertificateError as C, Error, ExtendedKeyPurpose};

/// The alert's name as the TLS registry spells it (`handshake_failure`, `unknown_ca`), or
/// `unknown` for a code point the registry does not name.
pub fn alert_name(code: u8) -> String {
    registered_alert(code).unwrap_or("unknown").to_string()
}

fn alert_words(desc: rustls::AlertDescription) -> String {
    alert_name(u8::from(desc))
}

/// IANA's TLS Alert Registry (RFC 8446 §6, RFC 5246 §7.2, RFC 8701 and later additions): the
/// spelling people search for, which rustls's enum names (`UnknownCA`) do not give.
fn registered_alert(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        52 => "too_many_cids_requested",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        121 => "ech_required",
        _ => return None,
    })
}

/// `HandshakeFailure` → `handshake_failure`; anything that is not a plain identifier (an
/// `Unknown(0x..)`) becomes `unknown`.
fn snake(camel: &str) -> String {
    if !camel.chars().all(|c| c.is_ascii_alphanumeric()) {
        return "unknown".into();
    }
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The IANA name of a signature scheme (`rsa_pss_rsae_sha256`), or its number in hex.
pub fn scheme_name(scheme: rustls::SignatureScheme) -> String {
    let code = u16::from(scheme);
    match registered_scheme(code) {
        Some(name) => name.into(),
        None => format!("signature scheme 0x{code:04x}"),
    }
}

/// IANA's TLS SignatureScheme registry, for the code points rustls knows and a few more.
pub fn registered_scheme(code: u16) -> Option<&'static str> {
    Some(match code {
        0x0201 => "rsa_pkcs1_sha1",
        0x0203 => "ecdsa_sha1",
        0x0401 => "rsa_pkcs1_sha256",
        0x0403 => "ecdsa_secp256r1_sha256",
        0x0501 => "rsa_pkcs1_sha384",
        0x0503 => "ecdsa_secp384r1_sha384",
        0x0601 => "rsa_pkcs1_sha512",
        0x0603 => "ecdsa_secp521r1_sha512",
        0x0708 => "sm2sig_sm3",
        0x0804 => "rsa_pss_rsae_sha256",
        0x0805 => "rsa_pss_rsae_sha384",
        0x0806 => "rsa_pss_rsae_sha512",
        0x0807 => "ed25519",
        0x0808 => "ed448",
        0x0809 => "rsa_pss_pss_sha256",
        0x080a => "rsa_pss_pss_sha384",
        0x080b => "rsa_pss_pss_sha512",
        0x081a => "ecdsa_brainpoolP256r1tls13_sha256",
        0x081b => "ecdsa_brainpoolP384r1tls13_sha384",
        0x081c => "ecdsa_brainpoolP512r1tls13_sha512",
        0x0904 => "mldsa44",
        0x0905 => "mldsa65",
        0x0906 => "mldsa87",
        _ => return None,
    })
}

/// A DER AlgorithmIdentifier's content (as webpki reports it) to a name: `sha1WithRSAEncryption`.
pub fn algorithm_name(der: &[u8]) -> Option<String> {
    // The OID is the first element: 06 len bytes…
    let (&tag, rest) = der.split_first()?;
    if tag != 0x06 {
        return None;
    }
    let (&len, rest) = rest.split_first()?;
    let oid = rest.get(..usize::from(len))?;
    let known: &[(&[u8], &str)] = &[
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05],
            "SHA-1 (sha1WithRSAEncryption)",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04],
            "MD5 (md5WithRSAEncryption)",
        ),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01],
            "SHA-1 (ecdsa-with-SHA1)",
        ),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03],
            "DSA with SHA-1 (dsa-with-SHA1)",
        ),
        (
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x02],
            "DSA with SHA-256 (dsa-with-SHA256)",
        ),
        (&[0x2b, 0x65, 0x71], "Ed448"),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
            "ecdsa-with-SHA512",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e],
            "SHA-224 (sha224WithRSAEncryption)",
        ),
    ];
    known
        .iter()
        .find(|(k, _)| *k == oid)
        .map(|(_, name)| name.to_string())
}

fn purpose(p: &ExtendedKeyPurpose) -> String {
    match p {
        ExtendedKeyPurpose::ServerAuth => "serverAuth".into(),
        ExtendedKeyPurpose::ClientAuth => "clientAuth".into(),
        ExtendedKeyPurpose::Other(arcs) => arcs
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join("."),
    }
}

fn date(secs: u64) -> String {
    super::certinfo::format_time(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// What webpki put inside `Other(OtherError(…))`, by its variant name.
fn other_problem(other: &rustls::OtherError) -> (CertProblem, String) {
    let name = other.to_string();
    let has = |s: &str| name.contains(s);
    if has("UnsupportedCriticalExtension") {
        (
            CertProblem::UnsupportedCriticalExtension,
            "a certificate has an extension marked critical that webpki does not understand".into(),
        )
    } else if has("NameConstraintViolation") {
        (
            CertProblem::NameConstraint,
            "a name in the certificate is outside the name constraints of a CA above it".into(),
        )
    } else if has("EndEntityUsedAsCa") {
        (
            CertProblem::NotACa,
            "a certificate that is not a CA (no basicConstraints CA:TRUE) was used to sign another"
                .into(),
        )
    } else if has("CaUsedAsEndEntity") {
        (
            CertProblem::CaUsedAsEndEntity,
            "a CA certificate was presented as the server's own certificate".into(),
        )
    } else if has("PathLenConstraintViolated") || has("MaximumPathDepthExceeded") {
        (
            CertProblem::PathTooLong,
            "the chain is longer than a CA's path length constraint allows".into(),
        )
    } else {
        (
            CertProblem::Other,
            "webpki refused the certificate for a reason it does not name".into(),
        )
    }
}

/// One certificate error in words, and its problem class.
pub fn certificate_words(error: &C) -> (String, CertProblem) {
    #[allow(deprecated)]
    match error {
        C::BadEncoding => (
            "the certificate is not valid DER".into(),
            CertProblem::BadEncoding,
        ),
        C::Expired => ("the certificate has expired".into(), CertProblem::Other),
        C::ExpiredContext { time, not_after } => (
            format!(
                "the certificate expired on {}; it is now {}",
                date(not_after.as_secs()),
                date(time.as_secs())
            ),
            CertProblem::Other,
        ),
        C::NotValidYet => (
            "the certificate is not valid yet".into(),
            CertProblem::Other,
        ),
        C::NotValidYetContext { time, not_before } => (
            format!(
                "the certificate is valid only from {}; it is now {}",
                date(not_before.as_secs()),
                date(time.as_secs())
            ),
            CertProblem::Other,
        ),
        C::Revoked => (
            "the certificate has been revoked".into(),
            CertProblem::Revoked,
        ),
        C::UnhandledCriticalExtension => (
            "a certificate has an extension marked critical that webpki does not understand".into(),
            CertProblem::UnsupportedCriticalExtension,
        ),
        C::UnknownIssuer => (
            "the certificate's issuer is not a trusted CA".into(),
            CertProblem::Other,
        ),
        C::UnknownRevocationStatus => (
            "the certificate's revocation status is unknown".into(),
            CertProblem::Other,
        ),
        C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. } => (
            "the certificate revocation list has expired".into(),
            CertProblem::Other,
        ),
        C::BadSignature => (
            "a signature in the chain does not verify with its issuer's key".into(),
            CertProblem::BadSignature,
        ),
        C::UnsupportedSignatureAlgorithm => (
            "a certificate is signed with an algorithm rustls refuses".into(),
            CertProblem::UnsupportedSignatureAlgorithm { algorithm: None },
        ),
        C::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id,
            ..
        }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext {
            signature_algorithm_id,
            ..
        } => {
            let algorithm = algorithm_name(signature_algorithm_id);
            (
                match &algorithm {
                    Some(a) => format!("a certificate is signed with {a}, which rustls refuses"),
                    None => "a certificate is signed with an algorithm rustls refuses".into(),
                },
                CertProblem::UnsupportedSignatureAlgorithm { algorithm },
            )
        }
        C::NotValidForName => (
            "the certificate is not valid for the name requested".into(),
            CertProblem::Other,
        ),
        C::NotValidForNameContext { expected, .. } => (
            format!("the certificate is not valid for {}", expected.to_str()),
            CertProblem::Other,
        ),
        C::InvalidPurpose => (
            "the certificate's extended key usage does not allow this use".into(),
            CertProblem::WrongKeyUsage {
                required: String::new(),
                presented: Vec::new(),
            },
        ),
        C::InvalidPurposeContext {
            required,
            presented,
        } => {
            let required = purpose(required);
            let presented: Vec<String> = presented.iter().map(purpose).collect();
            let text = match presented.as_slice() {
                [] => format!("the certificate's extended key usage lacks {required}"),
                [only] if only == "clientAuth" => format!(
                    "the certificate is for client authentication only (extended key usage \
                     clientAuth), not {required}"
                ),
                [only] if only == "serverAuth" => format!(
                    "the certificate is for server authentication only (extended key usage \
                     serverAuth), not {required}"
                ),
                list => format!(
                    "the certificate's extended key usage is {} and lacks {required}",
                    list.join(", ")
                ),
            };
            (
                text,
                CertProblem::WrongKeyUsage {
                    required,
                    presented,
                },
            )
        }
        C::InvalidOcspResponse => ("the OCSP response is invalid".into(), CertProblem::Other),
        C::ApplicationVerificationFailure => (
            "the application's own check refused the certificate".into(),
            CertProblem::Other,
        ),
        C::Other(other) => {
            let (problem, text) = other_problem(other);
            (text, problem)
        }
        _ => ("the certificate was refused".into(), CertProblem::Other),
    }
}

/// A rustls error in plain words (never its `Debug` form).
pub fn error_text(error: &Error) -> String {
    match error {
        Error::AlertReceived(desc) => format!("the peer sent the alert {}", alert_words(*desc)),
        Error::InvalidCertificate(c) => {
            format!("invalid peer certificate: {}", certificate_words(c).0)
        }
        Error::PeerIncompatible(p) => {
            format!("the peer is incompatible: {}", words_of(&format!("{p:?}")))
        }
        Error::PeerMisbehaved(p) => format!(
            "the peer broke the protocol: {}",
            words_of(&format!("{p:?}"))
        ),
        Error::NoCertificatesPresented => "the peer sent no certificates".into(),
        Error::General(s) => s.clone(),
        Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
            "the peer sent a message that does not belong at this point of the handshake".into()
        }
        Error::InvalidMessage(_) => "the peer sent a malformed TLS message".into(),
        Error::DecryptError => "a record could not be decrypted".into(),
        Error::EncryptError => "a record could not be encrypted".into(),
        Error::HandshakeNotComplete => "the handshake is not complete".into(),
        Error::PeerSentOversizedRecord => "the peer sent a record that is too large".into(),
        Error::NoApplicationProtocol => "no application protocol in common".into(),
        Error::FailedToGetCurrentTime => "the clock could not be read".into(),
        Error::FailedToGetRandomBytes => "random bytes could not be obtained".into(),
        Error::BadMaxFragmentSize => "bad maximum fragment size".into(),
        Error::InvalidCertRevocationList(_) => "the certificate revocation list is invalid".into(),
        Error::InvalidEncryptedClientHello(_) => "the encrypted ClientHello is invalid".into(),
        Error::InconsistentKeys(_) => "the certificate and its private key do not match".into(),
        Error::Other(_) => "rustls stopped for a reason of its own".into(),
        _ => "rustls stopped the handshake".into(),
    }
}

/// A unit-like rustls enum name (`NoCipherSuitesInCommon`) as lower-case words; any field
/// content (anything after a `(` or `{`) is dropped.
fn words_of(debug: &str) -> String {
    let name: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    snake(&name).replace('_', " ")
}

/// The stable part of a rustls error, for diagnosis.
pub fn tls_detail(error: &Error) -> TlsErrorDetail {
    match error {
        Error::AlertReceived(desc) => TlsErrorDetail::AlertReceived {
            description: alert_words(*desc),
            code: u8::from(*desc),
        },
        Error::InvalidCertificate(cert) => match cert {
            C::Expired => TlsErrorDetail::CertificateExpired {
                now: None,
                not_after: None,
            },
            C::ExpiredContext { time, not_after } => TlsErrorDetail::CertificateExpired {
                now: Some(time.as_secs() as i64),
                not_after: Some(not_after.as_secs() as i64),
            },
            C::NotValidYet => TlsErrorDetail::CertificateNotValidYet {
                now: None,
                not_before: None,
            },
            C::NotValidYetContext { time, not_before } => TlsErrorDetail::CertificateNotValidYet {
                now: Some(time.as_secs() as i64),
                not_before: Some(not_before.as_secs() as i64),
            },
            C::UnknownIssuer => TlsErrorDetail::UnknownIssuer,
            C::NotValidForName => TlsErrorDetail::NotValidForName {
                expected: None,
                presented: Vec::new(),
            },
            C::NotValidForNameContext {
                expected,
                presented,
            } => TlsErrorDetail::NotValidForName {
                expected: Some(expected.to_str().into_owned()),
                presented: presented.iter().map(|n| presented_name(n)).collect(),
            },
            other => {
                let (reason, problem) = certificate_words(other);
                TlsErrorDetail::BadCertificate {
                    reason,
                    problem: Some(problem),
                }
            }
        },
        Error::PeerIncompatible(p) => TlsErrorDetail::PeerIncompatible {
            reason: words_of(&format!("{p:?}")),
        },
        Error::PeerMisbehaved(p) => TlsErrorDetail::PeerMisbehaved {
            reason: words_of(&format!("{p:?}")),
        },
        _ => TlsErrorDetail::Other,
    }
}

#[cfg(test)]
#[path = "tls_error_tests.rs"]
mod tests;

/// webpki lists the names a certificate presents in Rust's debug form (`DnsName("localhost")`,
/// `IpAddress(127.0.0.1)`); say them as the certificate views do (`DNS:localhost`, `IP:…`).
pub fn presented_name(name: &str) -> String {
    let inner = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(')'))
            .map(|v| v.trim_matches('"').to_string())
    };
    if let Some(dns) = inner("DnsName(") {
        format!("DNS:{dns}")
    } else if let Some(ip) = inner("IpAddress(") {
        format!("IP:{ip}")
    } else if let Some(uri) = inner("UniformResourceIdentifier(") {
        format!("URI:{uri}")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod presented_name_tests {
    #[test]
    fn webpki_debug_names_read_as_certificate_names() {
        use super::presented_name;
        assert_eq!(presented_name("DnsName(\"localhost\")"), "DNS:localhost");
        assert_eq!(presented_name("IpAddress(127.0.0.1)"), "IP:127.0.0.1");
        assert_eq!(presented_name("DNS:already"), "DNS:already");
    }
}
