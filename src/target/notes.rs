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

#[cfg(test)]
mod tests {
    use super::*;

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
