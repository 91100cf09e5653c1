//! The public event lines against the recording format they were split from: today they are
//! the same bytes, for every variant, including those no recorded run in tests/fixtures
//! reaches. If the engine's own serialization has to change one day, this test says which
//! line to look at; the public line must not move with it (tests/output_snapshots.rs).

use super::event;
use crate::engine::events::*;
use crate::engine::wire::{ContentType, TlsVersion};

fn stamped(event: Event) -> Stamped {
    Stamped { event, at_us: 42 }
}

fn failure(failure: Failure) -> Event {
    Event::Failed(failure)
}

fn tls_failure(detail: TlsErrorDetail) -> Event {
    failure(Failure::Tls {
        step: Step::Verify,
        error: "invalid peer certificate".into(),
        detail,
    })
}

fn every_event_line() -> Vec<Event> {
    let certificate = CertificateInfo {
        subject: "CN=localhost".into(),
        issuer: "CN=ca".into(),
        san: vec!["DNS:localhost".into()],
        ..CertificateInfo::default()
    };
    vec![
        Event::RunStarted(RunInfo {
            host: "localhost".into(),
            tls_versions: vec![TlsVersion::Tls13],
            client_certificate: Some("CN=client".into()),
            user: Some("alice".into()),
            ..RunInfo::default()
        }),
        Event::Waiting {
            step: Step::Handshake,
        },
        Event::TcpConnected {
            peer: "127.0.0.1:6379".into(),
            local: "127.0.0.1:50000".into(),
        },
        Event::Record(RecordInfo {
            direction: Direction::Out,
            content_type: ContentType::Handshake,
            version: Some(TlsVersion::Tls10),
            length: 200,
            encrypted: false,
            messages: vec![
                HandshakeMessage::ClientHello {
                    versions: vec![TlsVersion::Tls13],
                    cipher_suites: vec!["TLS_AES_128_GCM_SHA256".into()],
                    groups: vec!["X25519".into()],
                    key_shares: vec!["X25519".into()],
                    sni: Some("localhost".into()),
                    alpn: vec![],
                    signature_algorithms: vec!["ed25519".into()],
                    resumption: None,
                },
                HandshakeMessage::ServerHello {
                    version: TlsVersion::Tls12,
                    cipher_suite: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384".into(),
                    key_share_group: None,
                    resumption: None,
                },
                HandshakeMessage::Certificate { count: 2 },
                HandshakeMessage::CertificateRequest,
                HandshakeMessage::ServerKeyExchange,
                HandshakeMessage::ServerHelloDone,
                HandshakeMessage::ClientKeyExchange,
                HandshakeMessage::CertificateVerify,
                HandshakeMessage::Finished,
                HandshakeMessage::NewSessionTicket,
                HandshakeMessage::Other {
                    name: "KeyUpdate".into(),
                },
            ],
            head_hex: "1603".into(),
            note: Some("close_notify".into()),
            bytes: None,
        }),
        Event::CertificateRequested(CertificateRequestInfo {
            ca_names: vec!["CN=ca".into()],
            signature_schemes: vec!["ed25519".into()],
        }),
        Event::ClientCertificate {
            chosen: false,
            subject: None,
        },
        Event::ServerCertificates {
            server_name: "localhost".into(),
            chain: vec![certificate],
        },
        Event::CertificateVerdict {
            verified: false,
            insecure: false,
            reason: Some("UnknownIssuer".into()),
            related_trusted_ca: Some("CN=other".into()),
        },
        Event::CertificateVerdict {
            verified: true,
            insecure: false,
            reason: None,
            related_trusted_ca: None,
        },
        Event::SecretDerived {
            label: "EXPORTER_SECRET".into(),
        },
        Event::HandshakeComplete(TlsParams {
            version: TlsVersion::Tls13,
            cipher_suite: "TLS_AES_128_GCM_SHA256".into(),
            key_exchange_group: None,
            resumed: false,
        }),
        Event::DataSent {
            command: "AUTH ***".into(),
            plaintext_len: 30,
            encrypted: true,
        },
        Event::DataReceived {
            reply: "(error) WRONGPASS".into(),
            error: true,
            resp: None,
        },
        Event::Alert {
            direction: Direction::In,
            level: "fatal".into(),
            description: "protocol_version".into(),
            code: 70,
        },
        Event::Closed {
            close_notify_sent: true,
        },
        failure(Failure::HostNotFound {
            host: "nowhere".into(),
            message: "no address".into(),
        }),
        failure(Failure::ConnectRefused {
            address: "127.0.0.1:1".into(),
        }),
        failure(Failure::ConnectTimeout {
            address: "10.0.0.1:6379".into(),
        }),
        failure(Failure::ConnectIo {
            address: "127.0.0.1:6379".into(),
            message: "unreachable".into(),
        }),
        failure(Failure::Timeout {
            step: Step::Handshake,
            partial: 3,
        }),
        failure(Failure::PeerClosed {
            step: Step::Data,
            reset: true,
            bytes_received: 10,
            partial_record: 4,
        }),
        failure(Failure::NotTls {
            step: Step::Handshake,
            first_bytes_hex: "485454502f".into(),
            first_bytes_text: "HTTP/".into(),
        }),
        failure(Failure::RecordOverflow {
            step: Step::Handshake,
            length: 70000,
        }),
        failure(Failure::RedisError {
            step: Step::Data,
            reply: "(error) NOAUTH".into(),
            during_auth: false,
        }),
        failure(Failure::Io {
            step: Step::Data,
            message: "broken pipe".into(),
        }),
        failure(Failure::Cancelled { step: Step::Close }),
        tls_failure(TlsErrorDetail::AlertReceived {
            description: "CertificateRequired".into(),
            code: 116,
        }),
        tls_failure(TlsErrorDetail::CertificateExpired {
            now: Some(2),
            not_after: Some(1),
        }),
        tls_failure(TlsErrorDetail::CertificateNotValidYet {
            now: Some(1),
            not_before: None,
        }),
        tls_failure(TlsErrorDetail::UnknownIssuer),
        tls_failure(TlsErrorDetail::NotValidForName {
            expected: Some("redis.example.com".into()),
            presented: vec!["DNS:localhost".into()],
        }),
        tls_failure(TlsErrorDetail::BadCertificate {
            reason: "bad signature".into(),
            problem: None,
        }),
        tls_failure(TlsErrorDetail::PeerIncompatible {
            reason: "no shared version".into(),
        }),
        tls_failure(TlsErrorDetail::PeerMisbehaved {
            reason: "bad message".into(),
        }),
        tls_failure(TlsErrorDetail::Other),
        Event::Probe(ProbeResult {
            reply_text: String::new(),
            reply_hex: String::new(),
            redis_reply: false,
            timed_out: false,
            error: Some("refused".into()),
        }),
    ]
}

/// Whether everything `public` says, the recorded event says too (the recording may hold more
/// evidence, e.g. the fields diagnosis reads, which the summary's `error` reports instead).
fn says_only_what_was_recorded(public: &serde_json::Value, recorded: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (public, recorded) {
        (Value::Object(p), Value::Object(r)) => p.iter().all(|(k, v)| {
            r.get(k)
                .is_some_and(|rv| says_only_what_was_recorded(v, rv))
        }),
        (Value::Array(p), Value::Array(r)) => {
            p.len() == r.len()
                && p.iter()
                    .zip(r)
                    .all(|(pv, rv)| says_only_what_was_recorded(pv, rv))
        }
        _ => public == recorded,
    }
}

#[test]
fn every_event_line_says_what_its_recorded_event_says() {
    for stamped in every_event_line().into_iter().map(stamped) {
        let recorded = serde_json::to_value(&stamped).expect("events serialize");
        let public = event(&stamped)
            .and_then(|line| serde_json::to_value(&line).ok())
            .unwrap_or_else(|| panic!("no public line for {stamped:?}"));
        assert!(
            says_only_what_was_recorded(&public, &recorded),
            "{public}\nvs recorded\n{recorded}"
        );
        assert_eq!(public["type"], recorded["type"]);
    }
}

#[test]
fn step_events_are_not_event_lines() {
    for step_event in [
        Event::StepStarted {
            step: Step::Connect,
        },
        Event::StepCompleted {
            step: Step::Connect,
        },
        Event::StepSkipped {
            step: Step::Handshake,
            reason: "no TLS".into(),
        },
    ] {
        assert!(event(&stamped(step_event)).is_none());
    }
}
