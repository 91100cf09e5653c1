//! Certificates and distinguished names, parsed for people (x509-parser).

use super::events::CertificateInfo;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};
use x509_parser::public_key::PublicKey;

/// Describe one DER certificate. A certificate that cannot be parsed still gets an entry, so the
/// chain's length stays true.
pub fn describe_certificate(der: &[u8]) -> CertificateInfo {
    let sha256 = fingerprint(der);
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return CertificateInfo {
            subject: "(unparseable certificate)".into(),
            sha256,
            ..Default::default()
        };
    };
    let validity = cert.validity();
    let eku = extended_key_usage(&cert);
    let (permitted_names, excluded_names) = name_constraints(&cert);
    let (key_algorithm, key_bits, key_curve) = key_facts(&cert);
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string);
    let san = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .map(general_name)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    CertificateInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: format_time(validity.not_before.timestamp()),
        not_after: format_time(validity.not_after.timestamp()),
        not_before_unix: validity.not_before.timestamp(),
        not_after_unix: validity.not_after.timestamp(),
        san,
        key_type: key_type(&cert),
        signature_algorithm: signature_name(&cert),
        sha256,
        is_ca: cert.is_ca(),
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        extended_key_usage: eku.clone().unwrap_or_default(),
        eku_present: eku.is_some(),
        basic_constraints_present: cert.basic_constraints().ok().flatten().is_some(),
        key_algorithm,
        key_bits,
        key_curve,
        unknown_critical_extensions: unknown_critical(&cert),
        permitted_names,
        excluded_names,
        common_name,
    }
}

/// The extended key usages by name; `None` when the certificate has no such extension.
fn extended_key_usage(cert: &X509Certificate) -> Option<Vec<String>> {
    let ext = cert.extended_key_usage().ok().flatten()?;
    let eku = ext.value;
    let mut out = Vec::new();
    for (on, name) in [
        (eku.any, "anyExtendedKeyUsage"),
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ] {
        if on {
            out.push(name.to_string());
        }
    }
    out.extend(eku.other.iter().map(|oid| oid.to_id_string()));
    Some(out)
}

/// nameConstraints: (permitted, excluded) subtrees as `DNS:…`, `IP:…/mask`.
fn name_constraints(cert: &X509Certificate) -> (Vec<String>, Vec<String>) {
    let Some(ext) = cert.name_constraints().ok().flatten() else {
        return (Vec::new(), Vec::new());
    };
    let list = |trees: &Option<Vec<x509_parser::extensions::GeneralSubtree>>| {
        trees
            .iter()
            .flatten()
            .map(|t| match &t.base {
                GeneralName::IPAddress(bytes) if bytes.len() == 8 => format!(
                    "IP:{}.{}.{}.{}/{}.{}.{}.{}",
                    bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]
                ),
                other => general_name(other),
            })
            .collect::<Vec<_>>()
    };
    (
        list(&ext.value.permitted_subtrees),
        list(&ext.value.excluded_subtrees),
    )
}

/// The extensions webpki understands; any other marked critical makes it refuse the certificate.
const UNDERSTOOD: [&str; 6] = [
    "2.5.29.15", // keyUsage
    "2.5.29.17", // subjectAltName
    "2.5.29.19", // basicConstraints
    "2.5.29.30", // nameConstraints
    "2.5.29.31", // cRLDistributionPoints
    "2.5.29.37", // extKeyUsage
];

/// Critical extensions webpki does not understand, as `OID (name)` when the name is known.
fn unknown_critical(cert: &X509Certificate) -> Vec<String> {
    cert.extensions()
        .iter()
        .filter(|e| e.critical)
        .map(|e| e.oid.to_id_string())
        .filter(|oid| !UNDERSTOOD.contains(&oid.as_str()))
        .map(|oid| match extension_name(&oid) {
            Some(name) => format!("{oid} ({name})"),
            None => oid,
        })
        .collect()
}

fn extension_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.29.9" => "subjectDirectoryAttributes",
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.18" => "issuerAltName",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.33" => "policyMappings",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.36" => "policyConstraints",
        "2.5.29.54" => "inhibitAnyPolicy",
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
        "1.3.6.1.5.5.7.1.24" => "TLS feature (OCSP must-staple)",
        _ => return None,
    })
}

/// The subject of a DER certificate, readable; `None` if it does not parse.
pub fn subject_of(der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some(cert.subject().to_string())
}

/// The certificate's SubjectPublicKeyInfo, DER.
pub fn public_key_info(der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some(cert.public_key().raw.to_vec())
}

/// A DER distinguished name, given with or without its outer SEQUENCE (rustls hands over CA
/// names and trust-anchor subjects either way), parsed into its readable form and organisation.
fn with_name<T>(der: &[u8], read: impl Fn(&X509Name) -> Option<T>) -> Option<T> {
    if let Ok((_, name)) = X509Name::from_der(der) {
        return read(&name);
    }
    let len = der.len().min(0xffff);
    let mut wrapped = vec![0x30];
    match len {
        0..=127 => wrapped.push(len as u8),
        128..=255 => wrapped.extend_from_slice(&[0x81, len as u8]),
        _ => {
            wrapped.push(0x82);
            wrapped.extend_from_slice(&(len as u16).to_be_bytes());
        }
    }
    wrapped.extend_from_slice(&der[..len]);
    let (_, name) = X509Name::from_der(&wrapped).ok()?;
    read(&name)
}

/// A CA name from a CertificateRequest or a trust anchor, readable.
pub fn describe_distinguished_name(der: &[u8]) -> String {
    with_name(der, |name| Some(name.to_string()))
        .unwrap_or_else(|| format!("(undecodable name, {} bytes)", der.len()))
}

/// The organisation (O=) of a DER distinguished name.
pub fn organization_of_name(der: &[u8]) -> Option<String> {
    with_name(der, |name| {
        Some(name.iter_organization().next()?.as_str().ok()?.to_string())
    })
}

/// The issuer's organisation of a DER certificate.
pub fn issuer_organization(cert_der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(cert_der).ok()?;
    organization_of_name(cert.issuer().as_raw())
}

/// SHA-256 of the DER, as `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints).
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let hex = super::records::hex(digest.as_ref()).to_ascii_uppercase();
    let mut out = String::with_capacity(hex.len() * 3 / 2);
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(std::str::from_utf8(pair).unwrap_or_default());
    }
    out
}

/// `2026-11-27 21:23:19 UTC`
pub fn format_time(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => {
            let fmt = time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            );
            t.format(&fmt).unwrap_or_else(|_| unix.to_string())
        }
        Err(_) => unix.to_string(),
    }
}

fn general_name(name: &GeneralName) -> String {
    match name {
        GeneralName::DNSName(d) => format!("DNS:{d}"),
        GeneralName::IPAddress(bytes) => match bytes.len() {
            4 => format!(
                "IP:{}",
                std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])
            ),
            16 => {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(bytes);
                format!("IP:{}", std::net::Ipv6Addr::from(octets))
            }
            _ => "IP:(malformed)".into(),
        },
        GeneralName::RFC822Name(m) => format!("email:{m}"),
        GeneralName::URI(u) => format!("URI:{u}"),
        GeneralName::DirectoryName(n) => format!("DirName:{n}"),
        GeneralName::RegisteredID(oid) => format!("RID:{oid}"),
        GeneralName::OtherName(oid, _) => format!("othername:{oid}"),
        // x509-parser 0.18 keeps the other entries when one is malformed (e.g. not UTF-8).
        GeneralName::Invalid(tag, _) => {
            let kind = match tag.0 {
                1 => "email".to_string(),
                2 => "DNS".to_string(),
                6 => "URI".to_string(),
                n => format!("[{n}]"),
            };
            format!("{kind}:(malformed)")
        }
        _ => "(other name form)".into(),
    }
}

/// The key's algorithm, size in bits and curve.
fn key_facts(cert: &X509Certificate) -> (String, u32, Option<String>) {
    let spki = cert.public_key();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|oid| curve_name(&oid.to_id_string()));
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA".into(), rsa.key_size() as u32, None),
        // The curve's size, not the point's coordinate bytes (P-521 coordinates take 528 bits).
        Ok(PublicKey::EC(point)) => {
            let bits = curve
                .as_deref()
                .and_then(curve_bits)
                .unwrap_or(point.key_size() as u32);
            ("ECDSA".into(), bits, curve)
        }
        _ => match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.3.101.112" => ("Ed25519".into(), 256, None),
            "1.3.101.113" => ("Ed448".into(), 456, None),
            other => (other.to_string(), 0, None),
        },
    }
}

fn curve_bits(curve: &str) -> Option<u32> {
    match curve {
        "P-256" => Some(256),
        "P-384" => Some(384),
        "P-521" => Some(521),
        _ => None,
    }
}

fn curve_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.3.1.7" => "P-256".into(),
        "1.3.132.0.34" => "P-384".into(),
        "1.3.132.0.35" => "P-521".into(),
        other => other.into(),
    }
}

fn key_type(cert: &X509Certificate) -> String {
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {} bits", rsa.key_size()),
        Ok(PublicKey::EC(point)) => {
            let curve = cert
                .public_key()
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| curve_name(&oid.to_id_string()))
                .unwrap_or_default();
            let bits = curve_bits(&curve).unwrap_or(point.key_size() as u32);
            format!("ECDSA {curve} ({bits} bits)")
        }
        Ok(PublicKey::Unknown(_)) | Err(_) => {
            match cert
                .public_key()
                .algorithm
                .algorithm
                .to_id_string()
                .as_str()
            {
                "1.3.101.112" => "Ed25519".into(),
                "1.3.101.113" => "Ed448".into(),
                other => format!("unknown ({other})"),
            }
        }
        Ok(_) => "other".into(),
    }
}

fn signature_name(cert: &X509Certificate) -> String {
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256".into(),
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384".into(),
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption".into(),
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption".into(),
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption".into(),
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption".into(),
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1".into(),
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512".into(),
        "1.2.840.10040.4.3" => "dsa-with-SHA1".into(),
        "2.16.840.1.101.3.4.3.2" => "dsa-with-SHA256".into(),
        "1.3.101.113" => "Ed448".into(),
        "1.2.840.113549.1.1.10" => "RSASSA-PSS".into(),
        "1.3.101.112" => "Ed25519".into(),
        _ => oid,
    }
}
