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
    }
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
        other => format!("{other:?}"),
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
                .map(|oid| match oid.to_id_string().as_str() {
                    "1.2.840.10045.3.1.7" => "P-256".to_string(),
                    "1.3.132.0.34" => "P-384".to_string(),
                    "1.3.132.0.35" => "P-521".to_string(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            format!("ECDSA {curve} ({} bits)", point.key_size())
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
        "1.2.840.113549.1.1.10" => "RSASSA-PSS".into(),
        "1.3.101.112" => "Ed25519".into(),
        _ => oid,
    }
}
