//! The schedule on a real handshake in memory: a rustls client with the observable groups and a
//! rustls server talk through `Vec<u8>`s, every record kept in the order it crossed; the
//! schedule is then recomputed from the records and checked against the client's KeyLog.

use super::*;
use rustls::crypto::SupportedKxGroup;
use rustls::pki_types::PrivateKeyDer;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

type Versions = &'static [&'static rustls::SupportedProtocolVersion];
const TLS13: Versions = &[&rustls::version::TLS13];
const TLS12: Versions = &[&rustls::version::TLS12];

#[derive(Debug, Default)]
struct Log(Mutex<Vec<(String, Vec<u8>)>>);

impl rustls::KeyLog for Log {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), secret.to_vec()));
    }
}

impl Log {
    fn get(&self, label: &str) -> Option<Wiped> {
        let list = self.0.lock().unwrap();
        list.iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| Zeroizing::new(v.clone()))
    }
}

struct Options {
    versions: Versions,
    /// The client's groups, by name, in order (observable where tlsviz can).
    client_groups: &'static [rustls::NamedGroup],
    server_groups: Option<&'static [rustls::NamedGroup]>,
    suite: Option<rustls::CipherSuite>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            versions: TLS13,
            client_groups: &[],
            server_groups: None,
            suite: None,
        }
    }
}

fn ring_groups(names: &[rustls::NamedGroup]) -> Vec<&'static dyn SupportedKxGroup> {
    let all = rustls::crypto::ring::default_provider().kx_groups;
    names
        .iter()
        .filter_map(|n| all.iter().copied().find(|g| g.name() == *n))
        .collect()
}

/// The records in wire order, the version and suite, and the client's KeyLog.
type Connection = (
    Vec<(Direction, Vec<u8>)>,
    rustls::ProtocolVersion,
    rustls::CipherSuite,
    Arc<Log>,
);

/// A whole connection: handshake, one request and one reply.
fn connect(o: Options) -> Connection {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let mut server_provider = rustls::crypto::ring::default_provider();
    if let Some(groups) = o.server_groups {
        server_provider.kx_groups = ring_groups(groups);
    }
    let server_config = ServerConfig::builder_with_provider(Arc::new(server_provider))
        .with_protocol_versions(o.versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let mut base = rustls::crypto::ring::default_provider();
    if !o.client_groups.is_empty() {
        base.kx_groups = ring_groups(o.client_groups);
    }
    if let Some(suite) = o.suite {
        base.cipher_suites.retain(|s| s.suite() == suite);
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let mut client_config = ClientConfig::builder_with_provider(Arc::new(kx::observable(&base)))
        .with_protocol_versions(o.versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let log = Arc::new(Log::default());
    client_config.key_log = log.clone();
    let mut client =
        ClientConnection::new(Arc::new(client_config), "localhost".try_into().unwrap()).unwrap();
    let mut server = ServerConnection::new(Arc::new(server_config)).unwrap();
    let mut records = Vec::new();
    let mut pump = |client: &mut ClientConnection, server: &mut ServerConnection| {
        let mut out = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut out).unwrap();
        }
        keep(&mut records, Direction::Out, &out);
        server.read_tls(&mut &out[..]).unwrap();
        server.process_new_packets().unwrap();
        let mut back = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut back).unwrap();
        }
        keep(&mut records, Direction::In, &back);
        let mut rest = &back[..];
        while !rest.is_empty() {
            client.read_tls(&mut rest).unwrap();
            client.process_new_packets().unwrap();
        }
    };
    for _ in 0..10 {
        if !client.is_handshaking() && !server.is_handshaking() {
            break;
        }
        pump(&mut client, &mut server);
    }
    client.writer().write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    pump(&mut client, &mut server);
    let mut request = Vec::new();
    let _ = server.reader().read_to_end(&mut request);
    server.writer().write_all(b"+PONG\r\n").unwrap();
    pump(&mut client, &mut server);
    let version = client.protocol_version().unwrap();
    let suite = client.negotiated_cipher_suite().unwrap().suite();
    (records, version, suite, log)
}

fn keep(records: &mut Vec<(Direction, Vec<u8>)>, direction: Direction, bytes: &[u8]) {
    let mut rest = bytes;
    while rest.len() >= 5 {
        let len = 5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        records.push((direction, rest[..len].to_vec()));
        rest = &rest[len..];
    }
}

fn run(o: Options) -> KeySchedule {
    let (records, version, suite, log) = connect(o);
    let keylog = move |label: &str| log.get(label);
    schedule(&records, version, suite, &keylog).expect("a schedule")
}

fn names(s: &KeySchedule) -> Vec<&str> {
    s.entries.iter().map(|e| e.name.as_str()).collect()
}

fn all_confirmed(s: &KeySchedule) {
    assert_eq!(s.missing, None);
    for e in &s.entries {
        assert!(
            e.check.confirmed(),
            "{}: {:?} ({})",
            e.name,
            e.check,
            e.note
        );
        let hex = e.value.as_ref().expect("a value").expose();
        assert_eq!(hex.len(), 2 * e.len, "{}", e.name);
    }
}

const TLS13_NAMES: [&str; 19] = [
    "client_key_share_private",
    "shared_secret",
    "early_secret",
    "handshake_secret",
    "master_secret",
    "client_handshake_traffic_secret",
    "server_handshake_traffic_secret",
    "client_application_traffic_secret_0",
    "server_application_traffic_secret_0",
    "client_handshake_key",
    "client_handshake_iv",
    "server_handshake_key",
    "server_handshake_iv",
    "client_application_key",
    "client_application_iv",
    "server_application_key",
    "server_application_iv",
    "client_finished_key",
    "server_finished_key",
];

#[test]
fn tls13_x25519_every_value_is_confirmed() {
    let s = run(Options::default());
    assert_eq!(names(&s), TLS13_NAMES);
    assert_eq!(s.group.as_deref(), Some("X25519"));
    all_confirmed(&s);
    let traffic = s.entry("client_handshake_traffic_secret").unwrap();
    assert_eq!(traffic.check, KeyCheck::MatchesKeylog);
    assert_eq!(
        s.entry("server_finished_key").unwrap().check,
        KeyCheck::FinishedVerified
    );
    assert_eq!(
        s.entry("server_handshake_key").unwrap().protects,
        [
            "EncryptedExtensions",
            "Certificate",
            "CertificateVerify",
            "Finished"
        ]
    );
    assert!(s
        .entry("client_application_key")
        .unwrap()
        .protects
        .contains(&"application data".to_string()));
}

#[test]
fn tls13_p256_and_each_suite() {
    for suite in [
        rustls::CipherSuite::TLS13_AES_128_GCM_SHA256,
        rustls::CipherSuite::TLS13_AES_256_GCM_SHA384,
        rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    ] {
        let s = run(Options {
            client_groups: &[rustls::NamedGroup::secp256r1],
            suite: Some(suite),
            ..Options::default()
        });
        assert_eq!(s.group.as_deref(), Some("secp256r1"));
        assert_eq!(
            s.cipher_suite,
            format!("{suite:?}").replace("TLS13_", "TLS_")
        );
        all_confirmed(&s);
        assert_eq!(s.entry("client_key_share_private").unwrap().len, 32);
    }
}

#[test]
fn a_hello_retry_request_is_in_the_transcript() {
    // The client guesses X25519; the server wants P-256 and asks again.
    let s = run(Options {
        client_groups: &[rustls::NamedGroup::X25519, rustls::NamedGroup::secp256r1],
        server_groups: Some(&[rustls::NamedGroup::secp256r1]),
        ..Options::default()
    });
    assert_eq!(s.group.as_deref(), Some("secp256r1"));
    all_confirmed(&s);
}

#[test]
fn tls12_x25519_and_p256_with_each_kind_of_aead() {
    const X25519: &[rustls::NamedGroup] = &[rustls::NamedGroup::X25519];
    const P256: &[rustls::NamedGroup] = &[rustls::NamedGroup::secp256r1];
    for (groups, suite) in [
        (
            X25519,
            rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            P256,
            rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            X25519,
            rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ] {
        let s = run(Options {
            versions: TLS12,
            client_groups: groups,
            suite: Some(suite),
            ..Options::default()
        });
        assert_eq!(
            names(&s),
            [
                "client_key_share_private",
                "pre_master_secret",
                "master_secret",
                "key_block",
                "client_write_key",
                "server_write_key",
                "client_write_iv",
                "server_write_iv"
            ]
        );
        all_confirmed(&s);
        let master = s.entry("master_secret").unwrap();
        assert_eq!(master.check, KeyCheck::MatchesKeylog);
        assert!(master.note.contains("both Finished"), "{}", master.note);
        assert!(master.formula.contains("extended master secret"));
        assert_eq!(s.entry("client_write_key").unwrap().protects[0], "Finished");
    }
}

/// Every group ring offers has an observable twin, so no ring run is left unshowable; a group
/// without one keeps its own code (and the schedule says it cannot be shown).
#[test]
fn every_ring_group_can_be_shown() {
    let ring = rustls::crypto::ring::default_provider();
    for group in &ring.kx_groups {
        assert!(super::kx::is_observable(group.name()), "{:?}", group.name());
    }
    let observable = super::kx::observable(&ring);
    let names = |p: &rustls::crypto::CryptoProvider| -> Vec<_> {
        p.kx_groups.iter().map(|g| g.name()).collect()
    };
    assert_eq!(names(&observable), names(&ring));
    assert!(!super::kx::is_observable(rustls::NamedGroup::X448));
    let s = run(Options {
        client_groups: &[rustls::NamedGroup::secp384r1],
        ..Options::default()
    });
    all_confirmed(&s);
    assert_eq!(s.group.as_deref(), Some("secp384r1"));
    assert_eq!(s.entry("client_key_share_private").unwrap().len, 48);
}

#[test]
fn values_never_leave_through_debug_or_serde() {
    let s = run(Options::default());
    let value = s.entries[0].value.clone().unwrap();
    let hex = value.expose().to_string();
    let debug = format!("{s:?}");
    assert!(!debug.contains(&hex), "Debug shows a secret");
    assert!(debug.contains("<hidden>"));
    let json = serde_json::to_string(&s).unwrap();
    for e in &s.entries {
        assert!(
            !json.contains(e.value.as_ref().unwrap().expose()),
            "{}",
            e.name
        );
    }
    let back: KeySchedule = serde_json::from_str(&json).unwrap();
    assert!(back.entries.iter().all(|e| e.value.is_none()));
    assert_eq!(back.entries.len(), s.entries.len());
}

#[test]
fn a_truncated_capture_gives_what_it_can() {
    let (records, version, suite, log) = connect(Options::default());
    let keylog = move |label: &str| log.get(label);
    // Only the hellos: no Finished, so no application secrets.
    let hellos: Vec<_> = records
        .iter()
        .filter(|(_, r)| r[0] == 22)
        .cloned()
        .collect();
    let s = schedule(&hellos, version, suite, &keylog).unwrap();
    assert!(s.entry("client_handshake_traffic_secret").is_some());
    assert!(s.entry("client_application_traffic_secret_0").is_none());
    assert!(s.missing.is_some());
    // Nothing at all: no ServerHello.
    let none = schedule(&[], version, suite, &keylog).unwrap();
    assert!(none.entries.is_empty());
    // Damaged records are refused, not trusted.
    let damaged: Vec<_> = records
        .iter()
        .map(|(d, r)| {
            let mut r = r.clone();
            if let Some(last) = r.last_mut() {
                *last ^= 1;
            }
            (*d, r)
        })
        .collect();
    let _ = schedule(&damaged, version, suite, &keylog);
}

#[test]
fn a_keylog_that_disagrees_is_a_mismatch() {
    let (records, version, suite, log) = connect(Options::default());
    // A KeyLog whose secrets are off by one bit: every comparison must say so.
    let keylog = move |label: &str| {
        log.get(label).map(|mut v| {
            v[0] ^= 1;
            v
        })
    };
    let s = schedule(&records, version, suite, &keylog).unwrap();
    for name in [
        "client_handshake_traffic_secret",
        "server_application_traffic_secret_0",
        "handshake_secret",
        "master_secret",
    ] {
        let e = s.entry(name).unwrap();
        assert_eq!(e.check, KeyCheck::Mismatch, "{name}: {}", e.note);
        assert!(e.note.contains("differ"), "{}", e.note);
    }
    // What does not depend on the KeyLog is still checked by the wire.
    assert_eq!(
        s.entry("server_finished_key").unwrap().check,
        KeyCheck::FinishedVerified
    );
}

#[test]
fn the_retry_really_happened() {
    let (records, ..) = connect(Options {
        client_groups: &[rustls::NamedGroup::X25519, rustls::NamedGroup::secp256r1],
        server_groups: Some(&[rustls::NamedGroup::secp256r1]),
        ..Options::default()
    });
    let hellos = records
        .iter()
        .filter(|(d, r)| *d == Direction::Out && r[0] == 22 && r.get(5) == Some(&1))
        .count();
    assert_eq!(
        hellos, 2,
        "expected a second ClientHello after the HelloRetryRequest"
    );
}
