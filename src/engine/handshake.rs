//! The handshake messages of a clear record, named and (for the hellos) summarised. tls-parser
//! parses the messages and the hello extensions; what it does not cover is written here, each
//! with the reason. Suites, groups and signature schemes are named by rustls (`Debug`), as they
//! always have been in events (tls-parser spells some of them differently).

use super::events::HandshakeMessage;
use super::hello_resumption::{self, Hello};
use super::wire::TlsVersion;
use tls_parser::{
    parse_tls_client_hello_extensions, parse_tls_plaintext, parse_tls_server_hello_extensions,
    SNIType, TlsClientHelloContents, TlsExtension, TlsMessage, TlsMessageHandshake,
    TlsServerHelloContents,
};

/// Every handshake message of one clear handshake record.
pub fn decode_handshake(record: &[u8]) -> Vec<HandshakeMessage> {
    let Ok((_, plaintext)) = parse_tls_plaintext(record) else {
        return vec![HandshakeMessage::Other {
            name: "undecodable handshake message".into(),
        }];
    };
    plaintext
        .msg
        .iter()
        .filter_map(|msg| match msg {
            TlsMessage::Handshake(hs) => Some(handshake_message(hs)),
            _ => None,
        })
        .collect()
}

fn handshake_message(hs: &TlsMessageHandshake) -> HandshakeMessage {
    match hs {
        TlsMessageHandshake::ClientHello(ch) => client_hello(ch),
        // RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this random. tls-parser only
        // knows the drafts' separate HelloRetryRequest message, so the check is ours.
        TlsMessageHandshake::ServerHello(sh) if sh.random == HELLO_RETRY_RANDOM => {
            HandshakeMessage::Other {
                name: "HelloRetryRequest".into(),
            }
        }
        TlsMessageHandshake::ServerHello(sh) => server_hello(sh),
        TlsMessageHandshake::Certificate(c) => HandshakeMessage::Certificate {
            count: c.cert_chain.len(),
        },
        TlsMessageHandshake::CertificateRequest(_) => HandshakeMessage::CertificateRequest,
        TlsMessageHandshake::ServerKeyExchange(_) => HandshakeMessage::ServerKeyExchange,
        TlsMessageHandshake::ServerDone(_) => HandshakeMessage::ServerHelloDone,
        TlsMessageHandshake::ClientKeyExchange(_) => HandshakeMessage::ClientKeyExchange,
        TlsMessageHandshake::CertificateVerify(_) => HandshakeMessage::CertificateVerify,
        TlsMessageHandshake::Finished(_) => HandshakeMessage::Finished,
        TlsMessageHandshake::NewSessionTicket(_) => HandshakeMessage::NewSessionTicket,
        other => HandshakeMessage::Other {
            name: format!("{other:?}")
                .split(['(', ' '])
                .next()
                .unwrap_or("Other")
                .to_string(),
        },
    }
}

/// RFC 8446 4.1.3: the random of a HelloRetryRequest (SHA-256 of "HelloRetryRequest").
pub const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// tls-parser's parser of one hello's extension list.
type ExtensionsParser<'a> = fn(&'a [u8]) -> tls_parser::IResult<&'a [u8], Vec<TlsExtension<'a>>>;

/// The hello's extensions that parse; a malformed one ends the list (never trusted, never fatal).
fn extensions<'a>(raw: Option<&'a [u8]>, parse: ExtensionsParser<'a>) -> Vec<TlsExtension<'a>> {
    raw.and_then(|raw| parse(raw).ok())
        .map(|(_, list)| list)
        .unwrap_or_default()
}

fn client_hello(ch: &TlsClientHelloContents) -> HandshakeMessage {
    let ext = extensions(ch.ext, parse_tls_client_hello_extensions);
    let mut versions: Vec<TlsVersion> = ext
        .iter()
        .find_map(|e| match e {
            TlsExtension::SupportedVersions(list) => Some(
                list.iter()
                    .map(|v| v.0)
                    // GREASE values say nothing (tls-parser keeps them in this list).
                    .filter(|&v| !TlsVersion::is_grease(v))
                    .map(TlsVersion::from_wire)
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default();
    if versions.is_empty() {
        versions.push(TlsVersion::from_wire(ch.version.0));
    }
    let resumption = hello_resumption::decode(
        Hello::Client,
        &ext,
        ch.session_id,
        versions.contains(&TlsVersion::Tls13),
    );
    HandshakeMessage::ClientHello {
        versions,
        cipher_suites: ch.ciphers.iter().map(|c| cipher_name(c.0)).collect(),
        groups: ext
            .iter()
            .find_map(|e| match e {
                TlsExtension::EllipticCurves(groups) => {
                    Some(groups.iter().map(|g| group_name(g.0)).collect())
                }
                _ => None,
            })
            .unwrap_or_default(),
        key_shares: ext
            .iter()
            .find_map(|e| match e {
                TlsExtension::KeyShare(body) => Some(client_key_share_groups(body)),
                _ => None,
            })
            .unwrap_or_default(),
        sni: ext.iter().find_map(|e| match e {
            TlsExtension::SNI(names) => names
                .iter()
                .find(|(kind, _)| *kind == SNIType::HostName)
                .map(|(_, name)| String::from_utf8_lossy(name).into_owned()),
            _ => None,
        }),
        alpn: ext
            .iter()
            .find_map(|e| match e {
                TlsExtension::ALPN(protocols) => Some(
                    protocols
                        .iter()
                        .map(|p| String::from_utf8_lossy(p).into_owned())
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default(),
        signature_algorithms: ext
            .iter()
            .find_map(|e| match e {
                TlsExtension::SignatureAlgorithms(schemes) => {
                    Some(schemes.iter().map(|&s| sig_name(s)).collect())
                }
                _ => None,
            })
            .unwrap_or_default(),
        resumption,
    }
}

fn server_hello(sh: &TlsServerHelloContents) -> HandshakeMessage {
    let ext = extensions(sh.ext, parse_tls_server_hello_extensions);
    let version = ext
        .iter()
        .find_map(|e| match e {
            TlsExtension::SupportedVersions(chosen) => chosen.first().map(|v| v.0),
            _ => None,
        })
        .unwrap_or(sh.version.0);
    let version = TlsVersion::from_wire(version);
    let resumption = hello_resumption::decode(
        Hello::Server,
        &ext,
        sh.session_id,
        version == TlsVersion::Tls13,
    );
    HandshakeMessage::ServerHello {
        version,
        cipher_suite: cipher_name(sh.cipher.0),
        // A ServerHello's key_share is one entry: the group, then the key. tls-parser leaves
        // the body raw.
        key_share_group: ext.iter().find_map(|e| match e {
            TlsExtension::KeyShare(body) => read_u16(body).map(group_name),
            _ => None,
        }),
        resumption,
    }
}

/// The groups of a ClientHello's key_share list (group, 2-byte length, key; repeated).
/// tls-parser leaves this extension's body raw, so the walk is ours.
fn client_key_share_groups(body: &[u8]) -> Vec<String> {
    let mut rest = body.get(2..).unwrap_or_default();
    let mut groups = Vec::new();
    while let (Some(group), Some(len)) = (read_u16(rest), rest.get(2..).and_then(read_u16)) {
        groups.push(group_name(group));
        rest = rest.get(4 + usize::from(len)..).unwrap_or_default();
    }
    groups
}

fn read_u16(b: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

/// The IANA name of a cipher suite (`TLS_AES_256_GCM_SHA384`). rustls spells TLS 1.3's
/// suites `TLS13_…`, which is not what RFC 8446, OpenSSL or Wireshark print.
pub fn cipher_name(id: u16) -> String {
    let name = registered(format!("{:?}", rustls::CipherSuite::from(id)), id);
    match name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => name,
    }
}

pub fn group_name(id: u16) -> String {
    registered(format!("{:?}", rustls::NamedGroup::from(id)), id)
}

/// The IANA name of a signature scheme (`ecdsa_secp256r1_sha256`), not rustls's
/// (`ECDSA_NISTP256_SHA256`).
pub fn sig_name(id: u16) -> String {
    match super::tls_error::registered_scheme(id) {
        Some(name) => name.to_string(),
        None => registered(format!("{:?}", rustls::SignatureScheme::from(id)), id),
    }
}

/// rustls names registered groups and suites after their IANA names (`X25519`,
/// `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`); anything else it prints as `NamedGroup(0xa0a)`,
/// which is Rust's wording, not TLS's: say it in words with the number.
fn registered(name: String, id: u16) -> String {
    if name.contains('(') {
        format!("unregistered code point 0x{id:04x}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The ClientHello a real rustls client writes first.
    fn rustls_client_hello(alpn: &[&[u8]]) -> Vec<u8> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let name = "cache.example.com".try_into().expect("name");
        let mut conn = rustls::ClientConnection::new(Arc::new(config), name).expect("client");
        let mut out = Vec::new();
        conn.write_tls(&mut out).expect("hello");
        out
    }

    #[test]
    fn a_client_hello_is_summarised_from_its_extensions() {
        let messages = decode_handshake(&rustls_client_hello(&[b"redis", b"resp3"]));
        let [HandshakeMessage::ClientHello {
            versions,
            cipher_suites,
            groups,
            key_shares,
            sni,
            alpn,
            signature_algorithms,
            resumption,
        }] = &messages[..]
        else {
            panic!("not one ClientHello: {messages:?}");
        };
        assert_eq!(versions, &[TlsVersion::Tls13, TlsVersion::Tls12]);
        assert_eq!(cipher_suites[0], "TLS_AES_256_GCM_SHA384");
        assert_eq!(groups, &["X25519", "secp256r1", "secp384r1"]);
        assert_eq!(group_name(0x0a0a), "unregistered code point 0x0a0a");
        assert_eq!(cipher_name(0x1301), "TLS_AES_128_GCM_SHA256");
        assert_eq!(key_shares, &["X25519"]);
        assert_eq!(sni.as_deref(), Some("cache.example.com"));
        assert_eq!(alpn, &["redis", "resp3"]);
        assert!(signature_algorithms.contains(&"ed25519".to_string()));
        assert!(signature_algorithms.contains(&"ecdsa_secp256r1_sha256".to_string()));
        assert!(signature_algorithms.contains(&"rsa_pss_rsae_sha256".to_string()));
        assert_eq!(sig_name(0x0a0a), "unregistered code point 0x0a0a");
        // A fresh session cache: nothing to offer yet (rustls's default config only asks for a
        // TLS 1.2 ticket with an empty session_ticket).
        let offered = resumption.as_ref().and_then(|r| r.pre_shared_key.clone());
        assert_eq!(offered, None);
    }

    #[test]
    fn key_share_walk_survives_truncation() {
        // Group X25519 with a 32-byte key announced but only 3 bytes present, then nothing.
        assert_eq!(
            client_key_share_groups(&[0, 9, 0, 0x1d, 0, 32, 1, 2, 3]),
            ["X25519"]
        );
        assert!(client_key_share_groups(&[0, 2, 0]).is_empty());
    }
}
