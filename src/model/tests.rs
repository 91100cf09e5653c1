//! The reducer, fed by hand: after each step the tracker says what the lesson says.

use super::steps::StepStatus;
use super::*;
use crate::diagnose::ErrorKind;
use crate::engine::events::*;
use crate::engine::step::Step;

fn at(t: u64, event: Event) -> Stamped {
    Stamped { at_us: t, event }
}

fn run_info(tls: bool) -> Event {
    Event::RunStarted(RunInfo {
        host: "localhost".into(),
        port: 6380,
        tls,
        server_name: "localhost".into(),
        ..RunInfo::default()
    })
}

fn server_hello(version: TlsVersion) -> Event {
    Event::Record(RecordInfo {
        direction: Direction::In,
        content_type: ContentType::Handshake,
        version: Some(TlsVersion::Tls12),
        length: 90,
        encrypted: false,
        messages: vec![HandshakeMessage::ServerHello {
            version,
            cipher_suite: "TLS_AES_256_GCM_SHA384".into(),
            key_share_group: Some("X25519".into()),
            resumption: None,
        }],
        head_hex: String::new(),
        note: None,
        bytes: None,
    })
}

fn through_step_4(model: &mut Model, version: TlsVersion) {
    let events = [
        run_info(true),
        Event::StepStarted {
            step: Step::Connect,
        },
        Event::StepCompleted {
            step: Step::Connect,
        },
        Event::StepStarted {
            step: Step::Handshake,
        },
        server_hello(version),
        Event::StepCompleted {
            step: Step::Handshake,
        },
        Event::StepStarted {
            step: Step::ServerCertificate,
        },
        Event::ServerCertificates {
            server_name: "localhost".into(),
            chain: vec![CertificateInfo {
                subject: "CN=localhost".into(),
                issuer: "CN=Lab CA".into(),
                ..Default::default()
            }],
        },
        Event::StepCompleted {
            step: Step::ServerCertificate,
        },
        Event::StepStarted { step: Step::Verify },
        Event::CertificateVerdict {
            verified: true,
            insecure: false,
            reason: None,
            related_trusted_ca: None,
        },
        Event::StepCompleted { step: Step::Verify },
    ];
    for (i, e) in events.into_iter().enumerate() {
        model.apply(at(i as u64 * 10, e));
    }
}

fn triple(model: &Model, step: Step) -> (String, String, String) {
    model
        .step(step)
        .unwrap()
        .tracker_after
        .clone()
        .unwrap()
        .triple()
}

fn t(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

#[test]
fn tls12_run_reads_like_the_lessons_table() {
    let mut m = Model::new();
    through_step_4(&mut m, TlsVersion::Tls12);
    for step in Step::ALL.into_iter().skip(4) {
        m.apply(at(
            1000 + u64::from(step.number()),
            Event::StepStarted { step },
        ));
        if step == Step::Data {
            m.apply(at(
                1100,
                Event::DataSent {
                    command: "PING".into(),
                    plaintext_len: 14,
                    encrypted: true,
                },
            ));
            m.apply(at(
                1101,
                Event::DataReceived {
                    reply: "PONG".into(),
                    error: false,
                    resp: None,
                },
            ));
        }
        m.apply(at(
            1200 + u64::from(step.number()),
            Event::StepCompleted { step },
        ));
    }
    assert_eq!(
        triple(&m, Step::ServerCertificate),
        t("Handshake started", "None", "Received")
    );
    assert_eq!(
        triple(&m, Step::Verify),
        t("Certificate verified", "None", "Verified")
    );
    assert_eq!(
        triple(&m, Step::KeyExchange),
        t("Keys established", "Established", "Verified")
    );
    assert_eq!(
        triple(&m, Step::Data),
        t("Encrypted and connected", "Active", "Verified")
    );
    assert_eq!(triple(&m, Step::Close), t("Closed", "Off", "Verified"));
    assert_eq!(m.outcome, Outcome::Ok);
    assert_eq!(m.step(Step::Data).unwrap().result, "PING → PONG");
    assert!(
        m.step(Step::ServerCertificate).unwrap().note.is_none(),
        "TLS 1.2 follows the lesson's order"
    );
}

#[test]
fn tls13_encrypts_the_handshake_after_server_hello() {
    let mut m = Model::new();
    through_step_4(&mut m, TlsVersion::Tls13);
    assert_eq!(
        triple(&m, Step::Handshake),
        t("Handshake started", "Handshake encrypted", "Unknown")
    );
    assert_eq!(
        triple(&m, Step::ServerCertificate),
        t("Handshake started", "Handshake encrypted", "Received")
    );
    assert!(m
        .step(Step::ServerCertificate)
        .unwrap()
        .note
        .as_deref()
        .unwrap()
        .contains("encrypted"));
}

#[test]
fn a_failed_verification_marks_step_4_invalid_with_its_reason() {
    let mut m = Model::new();
    for (i, e) in [
        run_info(true),
        Event::StepStarted {
            step: Step::ServerCertificate,
        },
        Event::StepCompleted {
            step: Step::ServerCertificate,
        },
        Event::StepStarted { step: Step::Verify },
        Event::CertificateVerdict {
            verified: false,
            insecure: false,
            reason: Some("invalid peer certificate: Expired".into()),
            related_trusted_ca: None,
        },
        Event::Failed(Failure::Tls {
            step: Step::Verify,
            error: "invalid peer certificate: Expired".into(),
            detail: TlsErrorDetail::CertificateExpired {
                now: Some(2_000_000_000),
                not_after: Some(1_999_000_000),
            },
        }),
    ]
    .into_iter()
    .enumerate()
    {
        m.apply(at(i as u64, e));
    }
    assert_eq!(m.outcome, Outcome::Failed);
    let d = m.diagnosis.clone().unwrap();
    assert_eq!(
        (d.kind, d.step),
        (ErrorKind::CertificateExpired, Step::Verify)
    );
    assert!(d.explanation.contains("11 days ago"), "{}", d.explanation);
    assert_eq!(m.step(Step::Verify).unwrap().status, StepStatus::Failed);
    assert_eq!(m.tracker.certificate_validity.to_string(), "Invalid");
    assert!(m
        .tracker
        .certificate_note
        .as_deref()
        .unwrap()
        .contains("Expired"));
    assert_eq!(m.tracker.connection_state.to_string(), "Failed");
}

#[test]
fn a_late_refusal_under_tls13_belongs_to_step_5() {
    let mut m = Model::new();
    through_step_4(&mut m, TlsVersion::Tls13);
    m.apply(at(
        100,
        Event::CertificateRequested(CertificateRequestInfo {
            ca_names: vec!["CN=Lab CA".into()],
            signature_schemes: vec![],
        }),
    ));
    m.apply(at(
        101,
        Event::ClientCertificate {
            chosen: false,
            subject: None,
        },
    ));
    for step in [Step::ClientCertificate, Step::KeyExchange, Step::Encrypted] {
        m.apply(at(110, Event::StepStarted { step }));
        m.apply(at(111, Event::StepCompleted { step }));
    }
    m.apply(at(120, Event::StepStarted { step: Step::Data }));
    m.apply(at(
        130,
        Event::Failed(Failure::Tls {
            step: Step::Data,
            error: "received fatal alert: CertificateRequired".into(),
            detail: TlsErrorDetail::AlertReceived {
                description: "CertificateRequired".into(),
                code: 116,
            },
        }),
    ));
    let d = m.diagnosis.clone().unwrap();
    assert_eq!(
        (d.kind, d.step),
        (
            ErrorKind::ClientCertificateRequired,
            Step::ClientCertificate
        )
    );
    assert!(d.explanation.contains("TLS 1.3"));
    assert!(d.evidence.iter().any(|e| e.value.contains("Lab CA")));
    assert_eq!(
        m.step(Step::ClientCertificate).unwrap().status,
        StepStatus::Failed
    );
    assert_eq!(m.step(Step::Data).unwrap().status, StepStatus::Interrupted);
    assert!(m
        .step(Step::ClientCertificate)
        .unwrap()
        .note
        .as_deref()
        .unwrap()
        .contains("noticed at step 8"));
}

#[test]
fn plaintext_runs_say_nothing_is_encrypted() {
    let mut m = Model::new();
    m.apply(at(0, run_info(false)));
    m.apply(at(
        1,
        Event::StepStarted {
            step: Step::Connect,
        },
    ));
    m.apply(at(
        2,
        Event::StepCompleted {
            step: Step::Connect,
        },
    ));
    m.apply(at(
        3,
        Event::StepSkipped {
            step: Step::Handshake,
            reason: "no TLS".into(),
        },
    ));
    assert_eq!(
        triple(&m, Step::Connect),
        t("Connected (plaintext)", "Off", "Unknown")
    );
    assert_eq!(m.step(Step::Handshake).unwrap().status, StepStatus::Skipped);
}

#[test]
fn a_probe_that_meets_redis_turns_silence_into_plaintext_port() {
    let mut m = Model::new();
    m.apply(at(0, run_info(true)));
    m.apply(at(
        1,
        Event::StepStarted {
            step: Step::Handshake,
        },
    ));
    m.apply(at(
        2,
        Event::Failed(Failure::Timeout {
            step: Step::Handshake,
            partial: 0,
        }),
    ));
    assert_eq!(
        m.diagnosis.as_ref().unwrap().kind,
        ErrorKind::HandshakeTimeout
    );
    m.apply(at(
        3,
        Event::Probe(ProbeResult {
            reply_text: "+PONG\\r\\n".into(),
            reply_hex: "2b504f4e470d0a".into(),
            redis_reply: true,
            timed_out: false,
            error: None,
        }),
    ));
    let d = m.diagnosis.clone().unwrap();
    assert_eq!(
        (d.kind, d.step),
        (ErrorKind::PlaintextPort, Step::Handshake)
    );
    assert!(d.fix.contains("tls-port"));
}

#[test]
fn replaying_events_rebuilds_the_same_model() {
    let mut m = Model::new();
    through_step_4(&mut m, TlsVersion::Tls13);
    let again = Model::from_events(&m.events);
    assert_eq!(again, m);
    let json: Vec<String> = m
        .events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    let back: Vec<Stamped> = json
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(back, m.events);
}
