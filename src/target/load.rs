//! Turning the user's TLS files into loaded material: trust roots, the client certificate and
//! key, the keylog file. Every failure here is the user's input, reported as a `UsageError` that
//! names the input as the user wrote it.

use crate::engine::config::{provider, TlsMaterial, TlsVersions};
use crate::errors::UsageError;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use rustls::RootCertStore;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::notes;

#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    pub cacert: Option<PathBuf>,
    pub cacertdir: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure: bool,
    pub versions: TlsVersions,
    pub keylog: Option<PathBuf>,
}

pub fn load(opts: &TlsOptions) -> Result<TlsMaterial, UsageError> {
    load_noted(opts).map(|(material, _notes)| material)
}

/// The material, and notes about inputs tlsviz accepts but redis-cli (OpenSSL) reads
/// differently: DER files, a CA folder without hash links, an intermediate as trust anchor.
pub fn load_noted(opts: &TlsOptions) -> Result<(TlsMaterial, Vec<String>), UsageError> {
    let provider = provider();
    let mut notes = Vec::new();
    let (roots, trust_description) = load_roots(opts, &mut notes)?;
    let client = match (&opts.cert, &opts.key) {
        (Some(cert), Some(key)) => Some(load_client(cert, key, &provider, &mut notes)?),
        (Some(_), None) => {
            return Err(UsageError::new(
                "--cert",
                "a client certificate needs its private key",
                "add --key FILE with the key that matches the certificate",
            ))
        }
        (None, Some(_)) => {
            return Err(UsageError::new(
                "--key",
                "a private key was given without its certificate",
                "add --cert FILE with the certificate that matches the key",
            ))
        }
        (None, None) => None,
    };
    let keylog = match &opts.keylog {
        Some(path) => Some(Arc::new(Mutex::new(open_private_append(path).map_err(
            |e| {
                UsageError::new(
                    format!("--keylog {}", path.display()),
                    format!("cannot write the keylog file: {e}"),
                    "choose a path in a folder you can write to",
                )
            },
        )?))),
        None => None,
    };
    let roots = Arc::new(roots);
    let verifier = if opts.insecure {
        None
    } else {
        Some(
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                roots.clone(),
                provider.clone(),
            )
            .build()
            .map_err(|e| {
                UsageError::new(
                    trust_description.clone(),
                    format!("cannot verify with it: {e}"),
                    "the trust store is empty or unusable; pass the server's CA with --cacert",
                )
            })?,
        )
    };
    let material = TlsMaterial {
        provider,
        roots,
        verifier,
        trust_description,
        client,
        insecure: opts.insecure,
        versions: opts.versions,
        keylog,
        sessions: None,
        keylog_memory: None,
        show_secrets: false,
    };
    Ok((material, notes))
}

/// Open for appending, created 0600: a keylog holds secrets.
pub fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

fn load_roots(
    opts: &TlsOptions,
    notes: &mut Vec<String>,
) -> Result<(RootCertStore, String), UsageError> {
    let mut roots = RootCertStore::empty();
    let mut trusted = Vec::new();
    // Like redis-cli (OpenSSL's load_verify_locations), --cacert and --cacertdir add up.
    if let Some(path) = &opts.cacert {
        let input = format!("--cacert {}", path.display());
        let (certs, der) = read_certificates_noted(path, &input)?;
        if der {
            notes.push(notes::der(&input, "CA certificate", "x509", path));
        }
        notes.extend(notes::intermediate_as_anchor(&input, &certs));
        notes.extend(notes::anchor_not_a_ca(&input, &certs));
        let (added, _ignored) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(UsageError::new(
                input,
                "no usable CA certificate in the file",
                "point --cacert at the PEM file of the CA that signed the server's certificate",
            ));
        }
        trusted.push(format!("CA file {}", path.display()));
    }
    if let Some(dir) = &opts.cacertdir {
        let input = format!("--cacertdir {}", dir.display());
        let (added, hashed) = add_ca_folder(&mut roots, dir, &input)?;
        match (added, opts.cacert.is_some()) {
            (0, false) => {
                return Err(UsageError::new(
                    input,
                    "no CA certificate found in the folder",
                    "put the CA's PEM file in it, or use --cacert FILE",
                ))
            }
            (0, true) => notes.push(format!(
                "{input} holds no CA certificate: only --cacert is trusted"
            )),
            _ if !hashed => notes.push(notes::unhashed_dir(&input, dir)),
            _ => {}
        }
        trusted.push(format!("CA folder {}", dir.display()));
    }
    if !trusted.is_empty() {
        return Ok((roots, trusted.join(" and ")));
    }
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    Ok((roots, "the system trust store".into()))
}

/// Every PEM CA certificate in `dir` (a CA folder often holds hash links and other files: take
/// what parses); how many were added, and whether any name looks like an `openssl rehash` link.
fn add_ca_folder(
    roots: &mut RootCertStore,
    dir: &Path,
    input: &str,
) -> Result<(usize, bool), UsageError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        UsageError::new(
            input,
            io_problem(&e, dir),
            "give a folder of PEM CA certificates",
        )
    })?;
    let mut hashed = false;
    let mut added = 0;
    for entry in entries.flatten() {
        hashed |= notes::is_hash_name(&entry.file_name().to_string_lossy());
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        if let Ok(bytes) = crate::errors::read_limited(&path, 16 * 1024 * 1024) {
            let certs = CertificateDer::pem_slice_iter(strip_bom(&bytes)).filter_map(Result::ok);
            added += roots.add_parsable_certificates(certs).0;
        }
    }
    Ok((added, hashed))
}

/// Read a PEM (or DER) certificate file, with a precise complaint for everything else.
pub fn read_certificates(
    path: &Path,
    input: &str,
) -> Result<Vec<CertificateDer<'static>>, UsageError> {
    read_certificates_noted(path, input).map(|(certs, _der)| certs)
}

/// The certificates, and whether the file was DER (which redis-cli cannot read).
fn read_certificates_noted(
    path: &Path,
    input: &str,
) -> Result<(Vec<CertificateDer<'static>>, bool), UsageError> {
    let bytes = read_input_file(path, input)?;
    if looks_like_der(&bytes) {
        // Accept DER, but only if it really is a certificate.
        use x509_parser::prelude::FromDer;
        if x509_parser::certificate::X509Certificate::from_der(&bytes).is_err() {
            let hint = if PrivateKeyDer::try_from(bytes.as_slice()).is_ok() {
                "this is a DER private key; pass it with --key"
            } else {
                "expected a PEM or DER certificate"
            };
            return Err(UsageError::new(
                input,
                "binary data that is not a certificate",
                hint,
            ));
        }
        return Ok((vec![CertificateDer::from(bytes)], true));
    }
    let labels = pem_labels(&bytes);
    if labels.is_empty() {
        return Err(UsageError::new(
            input,
            "not a PEM file (no -----BEGIN line)",
            "expected a PEM certificate (a -----BEGIN CERTIFICATE----- block): is this the right file?",
        ));
    }
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| UsageError::new(input, format!("broken PEM: {e}"), "re-export the file"))?;
    if certs.is_empty() {
        let hint = if labels.iter().any(|l| l.contains("PRIVATE KEY")) {
            if input.starts_with("--cacert") {
                "this is a private key, not a CA certificate: give the CA's certificate file"
            } else {
                "this is a private key; pass it with --key, and the certificate here"
            }
        } else {
            "the file must contain a -----BEGIN CERTIFICATE----- block"
        };
        return Err(UsageError::new(
            input,
            format!("no certificate in the file (found: {})", labels.join(", ")),
            hint,
        ));
    }
    Ok((certs, false))
}

pub fn read_private_key(path: &Path, input: &str) -> Result<PrivateKeyDer<'static>, UsageError> {
    read_private_key_noted(path, input).map(|(key, _der)| key)
}

/// The key, and whether the file was DER (which redis-cli cannot read).
fn read_private_key_noted(
    path: &Path,
    input: &str,
) -> Result<(PrivateKeyDer<'static>, bool), UsageError> {
    let bytes = read_input_file(path, input)?;
    if looks_like_der(&bytes) {
        let key = PrivateKeyDer::try_from(bytes).map_err(|e| {
            UsageError::new(
                input,
                format!("DER data that is not a private key: {e}"),
                "use the PEM key file",
            )
        })?;
        return Ok((key, true));
    }
    let labels = pem_labels(&bytes);
    if labels.iter().any(|l| l == "ENCRYPTED PRIVATE KEY")
        || String::from_utf8_lossy(&bytes).contains("Proc-Type: 4,ENCRYPTED")
    {
        return Err(UsageError::new(
            input,
            "the private key is encrypted with a passphrase",
            "decrypt it first: openssl pkey -in KEY -out KEY.plain (keep the result 0600)",
        ));
    }
    if labels.is_empty() {
        return Err(UsageError::new(
            input,
            "not a PEM file (no -----BEGIN line)",
            "expected a PEM private key (-----BEGIN PRIVATE KEY-----)",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| {
        let hint = if labels.iter().any(|l| l == "CERTIFICATE") {
            "this is a certificate; pass it with --cert, and the key here"
        } else {
            "the file must contain a -----BEGIN PRIVATE KEY----- block"
        };
        UsageError::new(
            input,
            format!("no private key in the file (found: {})", labels.join(", ")),
            hint,
        )
    })?;
    Ok((key, false))
}

fn load_client(
    cert: &Path,
    key: &Path,
    provider: &CryptoProvider,
    notes: &mut Vec<String>,
) -> Result<(Arc<CertifiedKey>, String), UsageError> {
    let cert_input = format!("--cert {}", cert.display());
    let key_input = format!("--key {}", key.display());
    let (chain, der) = read_certificates_noted(cert, &cert_input)?;
    if der {
        notes.push(notes::der(&cert_input, "client certificate", "x509", cert));
    }
    let (key_der, der) = read_private_key_noted(key, &key_input)?;
    if der {
        notes.push(notes::der(&key_input, "private key", "pkey", key));
    }
    let subject = crate::engine::certinfo::describe_certificate(chain[0].as_ref()).subject;
    let certified = CertifiedKey::from_der(chain, key_der, provider).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => UsageError::new(
            format!("{cert_input} {key_input}"),
            "the private key does not match the certificate",
            "use the key the certificate was issued for (compare: openssl x509 -noout -pubkey -in CERT; openssl pkey -pubout -in KEY)",
        ),
        other => UsageError::new(
            key_input.clone(),
            format!("the key cannot be used: {other}"),
            "use an RSA, ECDSA or Ed25519 key in PKCS#8, PKCS#1 or SEC1 PEM",
        ),
    })?;
    Ok((Arc::new(certified), subject))
}

fn read_input_file(path: &Path, input: &str) -> Result<Vec<u8>, UsageError> {
    if path.is_dir() {
        return Err(UsageError::new(
            input,
            "is a folder, not a file",
            "give the path of the file itself",
        ));
    }
    // Certificate files are kilobytes; a CA bundle a few hundred.
    const LIMIT: u64 = 16 * 1024 * 1024;
    let bytes = crate::errors::read_limited(path, LIMIT).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::FileTooLarge {
            "this is not a certificate or key file"
        } else {
            "check the path and its permissions"
        };
        UsageError::new(input, io_problem(&e, path), hint)
    })?;
    // A UTF-8 byte order mark (Windows editors add one) before the PEM: OpenSSL skips it too.
    let bytes = match strip_bom(&bytes) {
        rest if rest.len() < bytes.len() => rest.to_vec(),
        _ => bytes,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(UsageError::new(
            input,
            "the file is empty",
            "was it copied completely?",
        ));
    }
    Ok(bytes)
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn io_problem(err: &std::io::Error, path: &Path) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => format!("no such file or folder: {}", path.display()),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// Binary DER: a SEQUENCE tag and no PEM armour (keys can be short: SEC1 and Ed25519 keys use
/// a one-byte length).
fn looks_like_der(bytes: &[u8]) -> bool {
    bytes.len() > 2 && bytes[0] == 0x30 && !bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// The labels of the PEM blocks in a file (`CERTIFICATE`, `PRIVATE KEY`, …).
pub fn pem_labels(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|line| {
            line.trim()
                .strip_prefix("-----BEGIN ")
                .and_then(|rest| rest.strip_suffix("-----"))
                .map(str::to_string)
        })
        .collect()
}
