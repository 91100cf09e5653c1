//! Notes on inputs tlsviz accepts but OpenSSL-based clients (redis-cli, hiredis, redis-py …)
//! read differently: the run goes on, and the user learns what their other clients will do.

use rustls::pki_types::CertificateDer;
use std::path::Path;
use x509_parser::prelude::FromDer;

/// A DER (binary) file: tlsviz reads it, redis-cli wants PEM. `tool` is the `openssl`
/// subcommand that converts it (`x509` for certificates, `pkey` for keys).
pub fn der(input: &str, what: &str, tool: &str, path: &Path) -> String {
    let redis_cli_error = match what {
        "CA certificate" => "Invalid CA Certificate File/Directory",
        "client certificate" => "Invalid client certificate",
        _ => "Invalid private key",
    };
    let file = path.display();
    format!(
        "{input}: the {what} is DER (binary); tlsviz reads it, but redis-cli needs PEM and stops \
         with \"{redis_cli_error}\". Convert it: openssl {tool} -inform der -in {file} -out \
         {file}.pem"
    )
}

/// An `openssl rehash` name: 8 hex digits, a dot, a number (`1a2b3c4d.0`).
pub fn is_hash_name(name: &str) -> bool {
    match name.split_once('.') {
        Some((hash, n)) => {
            hash.len() == 8
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
                && !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// A CA folder with certificates but no hash links.
pub fn unhashed_dir(input: &str, dir: &Path) -> String {
    format!(
        "{input}: the folder has no hash links (names like 1a2b3c4d.0); tlsviz reads every file \
         in it, but OpenSSL-based clients (redis-cli, hiredis, redis-py) only find certificates \
         under their hash names there and fail with \"certificate verify failed\". Run: openssl \
         rehash {}",
        dir.display()
    )
}

/// A CA file that holds an intermediate CA (a CA not signed by itself) and no self-signed root.
pub fn intermediate_as_anchor(input: &str, certs: &[CertificateDer<'_>]) -> Option<String> {
    let parsed: Vec<_> = certs
        .iter()
        .filter_map(|c| x509_parser::certificate::X509Certificate::from_der(c.as_ref()).ok())
        .map(|(_, cert)| cert)
        .collect();
    let self_signed = |c: &x509_parser::certificate::X509Certificate<'_>| {
        c.subject().as_raw() == c.issuer().as_raw()
    };
    if parsed.iter().any(self_signed) {
        return None;
    }
    let intermediate = parsed.iter().find(|c| c.is_ca())?;
    Some(format!(
        "{input}: the file holds an intermediate CA (\"{}\", issued by \"{}\") and not the root \
         it chains to; tlsviz (rustls) trusts any CA given as a trust anchor, but OpenSSL-based \
         clients (redis-cli, hiredis, redis-py) need the self-signed root too (or \
         -partial_chain) and fail with \"certificate verify failed\". Add the root CA's \
         certificate to the file.",
        intermediate.subject(),
        intermediate.issuer()
    ))
}

/// A self-signed CA certificate that OpenSSL will not take as a CA: no basicConstraints (a v3
/// certificate without keyUsage keyCertSign) or basicConstraints CA:FALSE. rustls uses any
/// certificate given as a trust anchor; OpenSSL checks it and says "invalid CA certificate".
pub fn anchor_not_a_ca(input: &str, certs: &[CertificateDer<'_>]) -> Option<String> {
    use x509_parser::certificate::X509Certificate;
    use x509_parser::x509::X509Version;
    let refused = |c: &X509Certificate<'_>| {
        if c.subject().as_raw() != c.issuer().as_raw() {
            return false;
        }
        match c.basic_constraints() {
            Ok(Some(bc)) => !bc.value.ca,
            // OpenSSL tolerates a v1 root, and a v3 one whose keyUsage allows keyCertSign.
            Ok(None) => {
                c.version() != X509Version::V1
                    && !c
                        .key_usage()
                        .ok()
                        .flatten()
                        .is_some_and(|ku| ku.value.key_cert_sign())
            }
            Err(_) => false,
        }
    };
    let parsed: Vec<_> = certs
        .iter()
        .filter_map(|c| X509Certificate::from_der(c.as_ref()).ok())
        .map(|(_, cert)| cert)
        .collect();
    let root = parsed.iter().find(|c| refused(c))?;
    let what = match root.basic_constraints() {
        Ok(Some(_)) => "basicConstraints CA:FALSE",
        _ => "no basicConstraints extension",
    };
    Some(format!(
        "{input}: the CA certificate \"{}\" has {what}; tlsviz (rustls) trusts it as given, but \
         OpenSSL-based clients (redis-cli, hiredis, redis-py) do not accept it as a CA (\"invalid \
         CA certificate\") and fail with \"certificate verify failed\". Reissue the CA with \
         -addext basicConstraints=critical,CA:TRUE; inspect it with: openssl x509 -in FILE \
         -noout -text",
        root.subject()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_root_must_say_ca_true_for_openssl() {
        let root = |is_ca| {
            let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
            p.distinguished_name
                .push(rcgen::DnType::CommonName, "Some Root");
            p.is_ca = is_ca;
            let key = rcgen::KeyPair::generate().expect("key");
            p.self_signed(&key).expect("self-signed").der().clone()
        };
        let no_bc = anchor_not_a_ca("--cacert ca.pem", &[root(rcgen::IsCa::NoCa)]);
        assert!(no_bc.is_some_and(|n| n.contains("no basicConstraints")));
        let not_ca = anchor_not_a_ca("--cacert ca.pem", &[root(rcgen::IsCa::ExplicitNoCa)]);
        assert!(not_ca.is_some_and(|n| n.contains("CA:FALSE")));
        let ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        assert_eq!(anchor_not_a_ca("--cacert ca.pem", &[root(ca)]), None);
    }

    #[test]
    fn hash_names() {
        assert!(is_hash_name("1a2b3c4d.0"));
        assert!(is_hash_name("ABCDEF01.12"));
        assert!(!is_hash_name("1a2b3c4d.r0"));
        assert!(!is_hash_name("ca.pem"));
        assert!(!is_hash_name("1a2b3c4.0"));
        assert!(!is_hash_name("1a2b3c4d."));
    }
}
