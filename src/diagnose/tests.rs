//! One test per rule, fed with real rustls errors (through the same conversion the engine uses)
//! and real socket-level failures.

use super::*;
use crate::engine::events::*;
use crate::engine::step::Step;
use crate::engine::tls_error::tls_detail;
use crate::model::Model;
use rustls::{AlertDescription, CertificateError, Error, PeerIncompatible};

fn model(tls13: bool) -> Model {
    let mut m = Model::new();
    m.apply(Stamped {
        at_us: 0,
        event: Event::RunStarted(RunInfo {
            host: "cache.example.com".into(),
            port: 6380,
            tls: true,
            server_name: "cache.example.com".into(),
            timeout_ms: 5000,
            tls_versions: vec![TlsVersion::Tls13, TlsVersion::Tls12],
            ..RunInfo::default()
        }),
    });
    m.apply(Stamped {
        at_us: 1,
        event: Event::Record(RecordInfo {
            direction: Direction::In,
            content_type: ContentType::Handshake,
            version: Some(TlsVersion::Tls12),
            length: 90,
            encrypted: false,
            messages: vec![HandshakeMessage::ServerHello {
                version: if tls13 {
                    TlsVersion::Tls13
                } else {
                    TlsVersion::Tls12
                },
                cipher_suite: "x".into(),
                key_share_group: None,
                resumption: None,
            }],
            head_hex: String::new(),
            note: None,
            bytes: None,
        }),
    });
    m
}

fn with_chain(mut m: Model, chain: Vec<CertificateInfo>) -> Model {
    m.apply(Stamped {
        at_us: 2,
        event: Event::ServerCertificates {
            server_name: "cache.example.com".into(),
            chain,
        },
    });
    m
}

fn tls(step: Step, error: Error) -> Failure {
    Failure::Tls {
        step,
        error: error.to_string(),
        detail: tls_detail(&error),
    }
}

fn check(d: &Diagnosis, kind: ErrorKind, step: Step) {
    assert_eq!((d.kind, d.step), (kind, step), "{d:?}");
    assert!(
        !d.message.is_empty() && !d.explanation.is_empty() && !d.fix.is_empty(),
        "{d:?}"
    );
    assert!(
        d.explanation.contains(&format!("step {step}")) || d.explanation.contains("Step"),
        "{d:?}"
    );
}

#[test]
fn socket_failures_belong_to_step_1() {
    let m = model(true);
    check(
        &diagnose(
            &Failure::ConnectRefused {
                address: "10.0.0.1:6380".into(),
            },
            &m,
        ),
        ErrorKind::ConnectionRefused,
        Step::Connect,
    );
    check(
        &diagnose(
            &Failure::HostNotFound {
                host: "x".into(),
                message: "no such host".into(),
            },
            &m,
        ),
        ErrorKind::HostNotFound,
        Step::Connect,
    );
    check(
        &diagnose(
            &Failure::ConnectTimeout {
                address: "10.0.0.1:6380".into(),
            },
            &m,
        ),
        ErrorKind::ConnectTimeout,
        Step::Connect,
    );
}

#[test]
fn certificate_rules_are_step_4() {
    let leaf = CertificateInfo {
        subject: "CN=cache.example.com".into(),
        issuer: "O=Example, CN=Example Issuing CA".into(),
        san: vec!["DNS:cache.example.com".into()],
        not_after_unix: 1_700_000_000,
        ..Default::default()
    };
    let m = with_chain(model(true), vec![leaf.clone()]);
    let expired = Error::InvalidCertificate(CertificateError::ExpiredContext {
        time: rustls::pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            1_700_086_400,
        )),
        not_after: rustls::pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            1_700_000_000,
        )),
    });
    let d = diagnose(&tls(Step::Verify, expired), &m);
    check(&d, ErrorKind::CertificateExpired, Step::Verify);
    assert!(d.explanation.contains("1 day ago"), "{}", d.explanation);
    check(
        &diagnose(
            &tls(
                Step::Verify,
                Error::InvalidCertificate(CertificateError::NotValidYet),
            ),
            &m,
        ),
        ErrorKind::CertificateNotYetValid,
        Step::Verify,
    );
    let d = diagnose(
        &tls(
            Step::Verify,
            Error::InvalidCertificate(CertificateError::UnknownIssuer),
        ),
        &m,
    );
    check(&d, ErrorKind::UnknownIssuer, Step::Verify);
    assert!(d
        .evidence
        .iter()
        .any(|e| e.value.contains("Example Issuing CA")));
    let name = Error::InvalidCertificate(CertificateError::NotValidForName);
    let d = diagnose(&tls(Step::Verify, name), &m);
    check(&d, ErrorKind::HostnameMismatch, Step::Verify);
    assert!(d
        .redis_cli
        .as_deref()
        .unwrap_or("")
        .contains("does not check host names"));
    check(
        &diagnose(
            &tls(
                Step::Verify,
                Error::InvalidCertificate(CertificateError::InvalidPurpose),
            ),
            &m,
        ),
        ErrorKind::WrongKeyUsage,
        Step::Verify,
    );

    let self_signed = CertificateInfo {
        self_signed: true,
        ..leaf.clone()
    };
    let m2 = with_chain(model(true), vec![self_signed]);
    check(
        &diagnose(
            &tls(
                Step::Verify,
                Error::InvalidCertificate(CertificateError::UnknownIssuer),
            ),
            &m2,
        ),
        ErrorKind::SelfSigned,
        Step::Verify,
    );

    let mut m3 = with_chain(model(true), vec![leaf]);
    m3.related_trusted_ca = Some("O=Example, CN=Example Root CA".into());
    let d = diagnose(
        &tls(
            Step::Verify,
            Error::InvalidCertificate(CertificateError::UnknownIssuer),
        ),
        &m3,
    );
    check(&d, ErrorKind::MissingIntermediate, Step::Verify);
    assert!(d.fix.contains("tls-cert-file"));
}

#[test]
fn hello_rules_are_step_2() {
    let m = model(true);
    check(
        &diagnose(
            &tls(
                Step::Handshake,
                Error::AlertReceived(AlertDescription::ProtocolVersion),
            ),
            &m,
        ),
        ErrorKind::ProtocolVersion,
        Step::Handshake,
    );
    check(
        &diagnose(
            &tls(
                Step::Handshake,
                Error::AlertReceived(AlertDescription::HandshakeFailure),
            ),
            &m,
        ),
        ErrorKind::NoSharedCipher,
        Step::Handshake,
    );
    check(
        &diagnose(
            &tls(
                Step::Handshake,
                Error::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13),
            ),
            &m,
        ),
        ErrorKind::ProtocolVersion,
        Step::Handshake,
    );
    check(
        &diagnose(
            &tls(
                Step::Handshake,
                Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon),
            ),
            &m,
        ),
        ErrorKind::NoSharedCipher,
        Step::Handshake,
    );
    check(
        &diagnose(
            &Failure::Timeout {
                step: Step::Handshake,
                partial: 0,
            },
            &m,
        ),
        ErrorKind::HandshakeTimeout,
        Step::Handshake,
    );
    let http = Failure::NotTls {
        step: Step::Handshake,
        first_bytes_hex: "48545450".into(),
        first_bytes_text: "HTTP/1.1 400 Bad Request".into(),
    };
    check(&diagnose(&http, &m), ErrorKind::NotTls, Step::Handshake);
    let redis = Failure::NotTls {
        step: Step::Handshake,
        first_bytes_hex: "2d455252".into(),
        first_bytes_text: "-ERR unknown command".into(),
    };
    check(
        &diagnose(&redis, &m),
        ErrorKind::PlaintextPort,
        Step::Handshake,
    );
    check(
        &diagnose(
            &Failure::PeerClosed {
                step: Step::Handshake,
                reset: true,
                bytes_received: 0,
                partial_record: 0,
            },
            &m,
        ),
        ErrorKind::PeerClosed,
        Step::Handshake,
    );
    check(
        &diagnose(
            &Failure::RecordOverflow {
                step: Step::Handshake,
                length: 65535,
            },
            &m,
        ),
        ErrorKind::BadRecord,
        Step::Handshake,
    );
}

fn requested(mut m: Model, sent: bool) -> Model {
    m.apply(Stamped {
        at_us: 3,
        event: Event::CertificateRequested(CertificateRequestInfo {
            ca_names: vec![],
            signature_schemes: vec![],
        }),
    });
    m.apply(Stamped {
        at_us: 4,
        event: Event::ClientCertificate {
            chosen: sent,
            subject: sent.then(|| "CN=app".into()),
        },
    });
    m
}

#[test]
fn client_certificate_rules_are_step_5_wherever_they_are_noticed() {
    let none = requested(model(true), false);
    let d = diagnose(
        &tls(
            Step::Data,
            Error::AlertReceived(AlertDescription::CertificateRequired),
        ),
        &none,
    );
    check(
        &d,
        ErrorKind::ClientCertificateRequired,
        Step::ClientCertificate,
    );
    assert!(d.explanation.contains("noticed at step 8"));
    let tls12 = requested(model(false), false);
    check(
        &diagnose(
            &tls(
                Step::Encrypted,
                Error::AlertReceived(AlertDescription::HandshakeFailure),
            ),
            &tls12,
        ),
        ErrorKind::ClientCertificateRequired,
        Step::ClientCertificate,
    );
    let sent = requested(model(true), true);
    check(
        &diagnose(
            &tls(
                Step::Data,
                Error::AlertReceived(AlertDescription::UnknownCA),
            ),
            &sent,
        ),
        ErrorKind::ClientCertificateRejected,
        Step::ClientCertificate,
    );
    check(
        &diagnose(
            &tls(
                Step::Data,
                Error::AlertReceived(AlertDescription::UnsupportedCertificate),
            ),
            &sent,
        ),
        ErrorKind::ClientCertificateRejected,
        Step::ClientCertificate,
    );
    check(
        &diagnose(
            &Failure::PeerClosed {
                step: Step::Data,
                reset: true,
                bytes_received: 3000,
                partial_record: 0,
            },
            &sent,
        ),
        ErrorKind::ClientCertificateRejected,
        Step::ClientCertificate,
    );
}

#[test]
fn redis_rules_are_step_8() {
    let m = model(true);
    let err = |reply: &str, during_auth| Failure::RedisError {
        step: Step::Data,
        reply: reply.into(),
        during_auth,
    };
    check(
        &diagnose(&err("(error) NOAUTH Authentication required.", false), &m),
        ErrorKind::AuthRequired,
        Step::Data,
    );
    check(
        &diagnose(
            &err(
                "(error) WRONGPASS invalid username-password pair or user is disabled.",
                true,
            ),
            &m,
        ),
        ErrorKind::AuthFailed,
        Step::Data,
    );
    let no_pass = diagnose(&err("(error) ERR AUTH <password> called without any password configured for the default user.", true), &m);
    check(&no_pass, ErrorKind::AuthFailed, Step::Data);
    assert!(no_pass.fix.contains("Drop -a"));
    check(
        &diagnose(&err("(error) ERR unknown command 'FOO'", false), &m),
        ErrorKind::RedisError,
        Step::Data,
    );
    check(
        &diagnose(
            &Failure::Timeout {
                step: Step::Data,
                partial: 0,
            },
            &m,
        ),
        ErrorKind::ReplyTimeout,
        Step::Data,
    );
}

/// Every kind; `as_str`'s exhaustive match makes a new one impossible to forget there, add it
/// here too.
const EVERY_KIND: [ErrorKind; 30] = [
    ErrorKind::ConnectionRefused,
    ErrorKind::HostNotFound,
    ErrorKind::ConnectTimeout,
    ErrorKind::NetworkError,
    ErrorKind::HandshakeTimeout,
    ErrorKind::PlaintextPort,
    ErrorKind::NotTls,
    ErrorKind::BadRecord,
    ErrorKind::PeerClosed,
    ErrorKind::ProtocolVersion,
    ErrorKind::NoSharedCipher,
    ErrorKind::TlsAlert,
    ErrorKind::ResumptionRefused,
    ErrorKind::TlsError,
    ErrorKind::UnknownIssuer,
    ErrorKind::SelfSigned,
    ErrorKind::MissingIntermediate,
    ErrorKind::CertificateExpired,
    ErrorKind::CertificateNotYetValid,
    ErrorKind::HostnameMismatch,
    ErrorKind::BadCertificate,
    ErrorKind::ClientCertificateRequired,
    ErrorKind::ClientCertificateRejected,
    ErrorKind::AuthRequired,
    ErrorKind::AuthFailed,
    ErrorKind::RedisError,
    ErrorKind::ReplyTimeout,
    ErrorKind::TlsRequired,
    ErrorKind::Cancelled,
    ErrorKind::IoError,
];

#[test]
fn kinds_round_trip_through_their_names() {
    for kind in EVERY_KIND {
        assert_eq!(ErrorKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(ErrorKind::parse("no_such_kind"), None);
}

#[test]
fn as_str_is_the_serde_name_of_every_kind() {
    for kind in EVERY_KIND {
        assert_eq!(
            serde_json::to_value(kind).ok(),
            Some(serde_json::Value::String(kind.as_str().to_string())),
            "{kind:?}"
        );
    }
}

/// The run up to a ClientHello (offering `resumption`), nothing answered yet.
fn hello_only(resumption: Option<HelloResumption>) -> Model {
    let mut m = Model::new();
    m.apply(Stamped {
        at_us: 0,
        event: Event::RunStarted(RunInfo {
            host: "cache.example.com".into(),
            port: 6380,
            tls: true,
            tls_versions: vec![TlsVersion::Tls13, TlsVersion::Tls12],
            ..RunInfo::default()
        }),
    });
    m.apply(Stamped {
        at_us: 1,
        event: Event::Record(RecordInfo {
            direction: Direction::Out,
            content_type: ContentType::Handshake,
            version: Some(TlsVersion::Tls12),
            length: 900,
            encrypted: false,
            messages: vec![HandshakeMessage::ClientHello {
                versions: vec![TlsVersion::Tls13, TlsVersion::Tls12],
                cipher_suites: Vec::new(),
                groups: Vec::new(),
                key_shares: Vec::new(),
                sni: None,
                alpn: Vec::new(),
                signature_algorithms: Vec::new(),
                resumption: resumption.map(Box::new),
            }],
            head_hex: String::new(),
            note: None,
            bytes: None,
        }),
    });
    m
}

#[test]
fn an_alert_in_answer_to_an_offer_to_resume_is_named_as_a_refused_resumption() {
    let psk = HelloResumption {
        pre_shared_key: Some(PreSharedKey {
            identities: vec![688],
            binders: vec![48],
            selected: None,
        }),
        psk_key_exchange_modes: vec!["psk_dhe_ke".into()],
        ..HelloResumption::default()
    };
    let alert = tls(
        Step::Handshake,
        Error::AlertReceived(AlertDescription::InternalError),
    );
    let d = diagnose(&alert, &hello_only(Some(psk.clone())));
    check(&d, ErrorKind::ResumptionRefused, Step::Handshake);
    assert!(d.evidence.iter().any(|e| e.label == "offered"
        && e.value
            .starts_with("a PSK (pre_shared_key: 1 identity of 688 bytes")));
    // Nothing offered (an empty session_ticket only asks for one): the plain alert.
    let asks = HelloResumption {
        session_ticket: Some(0),
        ..HelloResumption::default()
    };
    check(
        &diagnose(&alert, &hello_only(Some(asks))),
        ErrorKind::TlsAlert,
        Step::Handshake,
    );
    check(
        &diagnose(&alert, &hello_only(None)),
        ErrorKind::TlsAlert,
        Step::Handshake,
    );
    // Once a ServerHello has answered, the alert is about something else.
    let mut answered = hello_only(Some(psk));
    for e in model(true).events.into_iter().skip(1) {
        answered.apply(e);
    }
    check(
        &diagnose(&alert, &answered),
        ErrorKind::TlsAlert,
        Step::Handshake,
    );
}
