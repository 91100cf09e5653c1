//! The tap on bytes alone: a real rustls client and server talk through `Vec<u8>`s (a real
//! handshake, no socket). Every record goes through the tap, and the driver's pure helpers, as
//! the driver would pass it; the events the tap emits are checked.

use super::*;
use crate::engine::driver::{feed_whole, hold_records, read_plaintext, units_for_rustls};
use crate::engine::events::Stamped;
use crate::engine::hooks::TapKeyLog;
use crate::engine::records::split_complete;
use rustls::pki_types::PrivateKeyDer;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use std::collections::VecDeque;
use std::io::{Read, Write};
use tokio::sync::mpsc::UnboundedReceiver;

pub(super) type Versions = &'static [&'static rustls::SupportedProtocolVersion];
pub(super) const TLS13: Versions = &[&rustls::version::TLS13];
pub(super) const TLS12: Versions = &[&rustls::version::TLS12];

pub(super) struct Pair {
    client: ClientConnection,
    pub(super) server: ServerConnection,
    pub(super) tap: Tap,
    events: UnboundedReceiver<Stamped>,
    /// Join the server's clear handshake records into one, as OpenSSL (redis-server) does.
    pub(super) pack_server_flights: bool,
    /// The client's last rustls error, and whether the tap had shown it as a clear alert.
    client_error: Option<(rustls::Error, bool)>,
}

pub(super) struct ServerOptions {
    pub(super) versions: Versions,
    pub(super) groups: Option<Vec<&'static dyn rustls::crypto::SupportedKxGroup>>,
}

impl Pair {
    pub(super) fn new(client_versions: Versions, server: ServerOptions) -> Pair {
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("test certificate");
        let cert = certified.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());

        let mut server_provider = rustls::crypto::ring::default_provider();
        if let Some(groups) = server.groups {
            server_provider.kx_groups = groups;
        }
        let server_config = ServerConfig::builder_with_provider(Arc::new(server_provider))
            .with_protocol_versions(server.versions)
            .expect("server versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)
            .expect("server certificate");

        let (sink, events) = EventSink::channel();
        let hooks = Arc::new(HookState::default());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert).expect("trust anchor");
        let mut client_config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_protocol_versions(client_versions)
                .expect("client versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
        client_config.key_log = Arc::new(TapKeyLog {
            sink: sink.clone(),
            state: hooks.clone(),
            file: None,
            memory: None,
        });
        let name = "localhost".try_into().expect("server name");
        Pair {
            client: ClientConnection::new(Arc::new(client_config), name).expect("client"),
            server: ServerConnection::new(Arc::new(server_config)).expect("server"),
            tap: Tap::new(sink, hooks),
            events,
            pack_server_flights: false,
            client_error: None,
        }
    }

    pub(super) fn tls13() -> Pair {
        Pair::new(
            TLS13,
            ServerOptions {
                versions: TLS13,
                groups: None,
            },
        )
    }

    /// Client → server: held and split as the driver holds them, shown on the tap, sent.
    pub(super) fn client_flush(&mut self) {
        let mut written = Vec::new();
        while self.client.wants_write() {
            self.client.write_tls(&mut written).expect("client output");
        }
        let mut held = VecDeque::new();
        hold_records(
            &mut held,
            &written,
            self.tap.sending_encrypted(),
            self.tap.is_tls12(),
        );
        for record in held {
            self.tap.sending(&record, None);
            let mut rest = &record[..];
            while !rest.is_empty() {
                self.server.read_tls(&mut rest).expect("server input");
            }
            // A server that refuses says so with an alert, which the next flush carries.
            let _ = self.server.process_new_packets();
        }
    }

    /// Server → client: each record shown on the tap, then given to rustls in units.
    pub(super) fn server_flush(&mut self) {
        let mut written = Vec::new();
        while self.server.wants_write() {
            self.server.write_tls(&mut written).expect("server output");
        }
        let mut records = split_complete(&written);
        if self.pack_server_flights {
            records = pack_clear_handshake(records);
        }
        for record in records {
            let arrived = self.tap.received(&record);
            for unit in units_for_rustls(record, &arrived) {
                feed_whole(&mut self.client, &unit).expect("client input");
                let result = self.client.process_new_packets();
                self.tap.negotiated(
                    self.client.protocol_version(),
                    self.client.negotiated_cipher_suite().map(|s| s.suite()),
                );
                match result {
                    Ok(_) => self.tap.application_data(&read_plaintext(&mut self.client)),
                    Err(error) => {
                        if let rustls::Error::AlertReceived(description) = &error {
                            if !arrived.clear_alert() {
                                self.tap.alert_received(*description);
                            }
                        }
                        self.client_error = Some((error, arrived.clear_alert()));
                        return;
                    }
                }
            }
        }
    }

    pub(super) fn handshake(&mut self) {
        for _ in 0..10 {
            if !self.client.is_handshaking() && !self.server.is_handshaking() {
                break;
            }
            self.client_flush();
            self.server_flush();
            assert!(self.client_error.is_none(), "{:?}", self.client_error);
        }
        assert!(!self.client.is_handshaking(), "handshake did not finish");
    }

    /// The server answers whatever the client sent with `reply`.
    pub(super) fn server_replies(&mut self, reply: &[u8]) {
        let mut request = Vec::new();
        let _ = self.server.reader().read_to_end(&mut request);
        self.server.writer().write_all(reply).expect("server reply");
        self.server_flush();
    }

    pub(super) fn events(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        while let Ok(stamped) = self.events.try_recv() {
            out.push(stamped.event);
        }
        out
    }
}

/// Consecutive clear handshake records joined into one record (bodies concatenated).
fn pack_clear_handshake(records: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    // Only what comes before the server's ChangeCipherSpec is clear.
    let mut clear = true;
    for record in records {
        let kind = ContentType::of(&record);
        match out.last_mut() {
            Some(last)
                if clear
                    && kind == ContentType::Handshake
                    && ContentType::of(last) == ContentType::Handshake =>
            {
                last.extend_from_slice(&record[5..]);
                let len = u16::try_from(last.len() - 5).expect("a small flight");
                last[3..5].copy_from_slice(&len.to_be_bytes());
            }
            _ => out.push(record),
        }
        clear &= kind != ContentType::ChangeCipherSpec;
    }
    out
}

pub(super) fn records(events: &[Event], direction: Direction) -> Vec<&RecordInfo> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Record(info) if info.direction == direction => Some(info),
            _ => None,
        })
        .collect()
}

fn names(records: &[&RecordInfo]) -> Vec<String> {
    records
        .iter()
        .flat_map(|r| r.messages.iter().map(HandshakeMessage::name))
        .collect()
}

#[test]
fn tls13_handshake_is_named_record_by_record() {
    let mut pair = Pair::tls13();
    pair.handshake();
    assert!(pair.tap.server_hello_seen());
    let events = pair.events();

    let sent = records(&events, Direction::Out);
    assert_eq!(sent[0].content_type, ContentType::Handshake);
    assert!(!sent[0].encrypted);
    match &sent[0].messages[..] {
        [HandshakeMessage::ClientHello {
            versions,
            sni,
            key_shares,
            ..
        }] => {
            assert_eq!(versions, &[TlsVersion::Tls13]);
            assert_eq!(sni.as_deref(), Some("localhost"));
            assert_eq!(key_shares.first().map(String::as_str), Some("X25519"));
        }
        other => panic!("not a ClientHello: {other:?}"),
    }
    // The client's Finished is encrypted, and named by the second decryption.
    assert_eq!(names(&sent[1..]), ["Finished"]);

    let received = records(&events, Direction::In);
    assert!(matches!(
        &received[0].messages[..],
        [HandshakeMessage::ServerHello {
            version: TlsVersion::Tls13,
            ..
        }]
    ));
    assert!(received[1..]
        .iter()
        .all(|r| r.encrypted || r.content_type == ContentType::ChangeCipherSpec));
    let server_messages = names(&received[1..]);
    assert_eq!(
        server_messages[..4],
        [
            "EncryptedExtensions",
            "Certificate",
            "CertificateVerify",
            "Finished"
        ]
    );
    // Then, under the application keys, the tickets rustls sends after the handshake.
    assert!(server_messages[4..].iter().all(|m| m == "NewSessionTicket"));
    assert!(!events.iter().any(|e| matches!(e, Event::Alert { .. })));
    // Every secret the decryption used was reported by label only.
    assert!(events.iter().any(|e| matches!(
        e,
        Event::SecretDerived { label } if label == "SERVER_HANDSHAKE_TRAFFIC_SECRET"
    )));
}

#[test]
fn a_reply_larger_than_4_kib_is_fed_whole_and_read() {
    let mut pair = Pair::tls13();
    pair.handshake();
    let command = ["GET".to_string(), "big".to_string()];
    let bytes = resp::encode(&command);
    pair.tap.command_sent(&command, bytes.len());
    pair.client.writer().write_all(&bytes).expect("command");
    pair.client_flush();
    assert_eq!(pair.tap.next_reply(&[], b"", b""), Ok(None), "no reply yet");

    let value = "x".repeat(10_000);
    pair.server_replies(format!("${}\r\n{value}\r\n", value.len()).as_bytes());
    let reply = pair
        .tap
        .next_reply(&[], b"", b"")
        .expect("a Redis reply")
        .expect("whole");
    assert_eq!(reply.display(), format!("{value:?}"));

    let events = pair.events();
    let big = records(&events, Direction::In)
        .into_iter()
        .find(|r| r.length > 4096)
        .expect("a record over 4 KiB");
    assert!(big
        .note
        .as_deref()
        .is_some_and(|n| n.starts_with("application data, ")));
    assert!(events.iter().any(|e| matches!(
        e,
        Event::DataSent { command, .. } if command == "GET big"
    )));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::DataReceived { error: false, .. })));
}

#[test]
fn a_non_redis_reply_is_refused_with_its_text() {
    let mut pair = Pair::tls13();
    pair.handshake();
    pair.client
        .writer()
        .write_all(b"PING\r\n")
        .expect("command");
    pair.client_flush();
    pair.server_replies(b"HTTP/1.1 400 Bad Request\r\n");
    let not_redis = pair
        .tap
        .next_reply(&["PING".to_string()], b"PING\r\n", b"PING\r\n")
        .expect_err("not Redis");
    assert!(
        not_redis.first_bytes_text.starts_with("HTTP/1.1 400"),
        "{not_redis:?}"
    );
    assert_eq!(not_redis.lookalike, crate::engine::resp::Lookalike::Http);
}

#[test]
fn records_after_a_key_update_are_still_opened() {
    let mut pair = Pair::tls13();
    pair.handshake();
    pair.server.refresh_traffic_keys().expect("key update");
    pair.server_replies(b"+PONG\r\n");
    assert_eq!(
        pair.tap
            .next_reply(&[], b"", b"")
            .expect("a reply")
            .map(|r| r.display()),
        Some("PONG".to_string())
    );
    let events = pair.events();
    let notes: Vec<String> = records(&events, Direction::In)
        .iter()
        .filter_map(|r| r.note.clone())
        .collect();
    let update = notes
        .iter()
        .position(|n| n.contains("KeyUpdate"))
        .expect("KeyUpdate named");
    assert!(
        notes[update..]
            .iter()
            .any(|n| n == "application data, 7 bytes"),
        "{notes:?}"
    );
}

#[test]
fn a_hello_retry_request_is_not_the_server_hello() {
    // A server that only takes P-384 shares asks the client (X25519 first) to try again.
    let mut pair = Pair::new(
        TLS13,
        ServerOptions {
            versions: TLS13,
            groups: Some(vec![rustls::crypto::ring::kx_group::SECP384R1]),
        },
    );
    pair.client_flush();
    pair.server_flush();
    assert!(!pair.tap.server_hello_seen(), "a HelloRetryRequest only");
    pair.handshake();
    let events = pair.events();
    let received = records(&events, Direction::In);
    assert_eq!(names(&received[..1]), ["HelloRetryRequest"]);
    let hellos: Vec<_> = records(&events, Direction::Out)
        .into_iter()
        .filter(|r| names(&[r]) == ["ClientHello"])
        .collect();
    assert_eq!(hellos.len(), 2);
    assert!(received.iter().any(|r| matches!(
        &r.messages[..],
        [HandshakeMessage::ServerHello { key_share_group: Some(group), .. }] if group == "secp384r1"
    )));
}

#[test]
fn a_packed_tls12_flight_is_shown_whole_and_fed_message_by_message() {
    let mut pair = Pair::new(
        TLS12,
        ServerOptions {
            versions: TLS12,
            groups: None,
        },
    );
    pair.pack_server_flights = true;
    pair.handshake();
    let events = pair.events();
    let received = records(&events, Direction::In);
    assert_eq!(
        names(&received[..1]),
        [
            "ServerHello",
            "Certificate",
            "ServerKeyExchange",
            "ServerHelloDone"
        ],
        "one record on the wire, one unit per message for rustls"
    );
    // After ChangeCipherSpec, the first encrypted handshake message is the Finished.
    let ccs = received
        .iter()
        .position(|r| r.content_type == ContentType::ChangeCipherSpec)
        .expect("the server's ChangeCipherSpec");
    assert!(received[ccs + 1].encrypted);
    assert_eq!(received[ccs + 1].note.as_deref(), Some("Finished"));

    // The client's flight leaves one message per record, Finished encrypted after its CCS.
    let sent = records(&events, Direction::Out);
    let flight: Vec<String> = sent[1..]
        .iter()
        .map(|r| match &r.messages[..] {
            [one] => one.name(),
            _ => r.content_type.to_string(),
        })
        .collect();
    assert_eq!(
        flight,
        ["ClientKeyExchange", "change_cipher_spec", "Finished"]
    );
    assert!(sent[3].encrypted);
    assert!(pair.tap.is_tls12());
}

#[test]
fn a_clear_alert_is_reported_once() {
    // The server speaks only TLS 1.3, the client only 1.2: the server refuses in clear.
    let mut pair = Pair::new(
        TLS12,
        ServerOptions {
            versions: TLS13,
            groups: None,
        },
    );
    pair.client_flush();
    pair.server_flush();
    let (error, clear) = pair.client_error.take().expect("the client was refused");
    assert!(clear, "the alert came in clear");
    assert!(
        matches!(error, rustls::Error::AlertReceived(_)),
        "{error:?}"
    );
    let events = pair.events();
    let alerts: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Alert {
                direction,
                level,
                description,
                ..
            } => Some((*direction, level.as_str(), description.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(alerts, [(Direction::In, "fatal", "protocol_version")]);
    // The record comes first, then what it meant.
    let record = events
        .iter()
        .position(|e| matches!(e, Event::Record(r) if r.content_type == ContentType::Alert))
        .expect("the alert record");
    assert!(matches!(events[record + 1], Event::Alert { .. }));
}
