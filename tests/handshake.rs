//! The nine steps against a real redis-server started by the lab.

mod common;

use common::*;
use tlsviz::diagnose::ErrorKind;
use tlsviz::engine::config::TlsVersions;
use tlsviz::engine::events::{Direction, Step, TlsVersion};
use tlsviz::lab::{AuthClients, LabOptions};
use tlsviz::model::steps::StepStatus;
use tlsviz::model::Outcome;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls13_succeeds_and_the_tracker_follows_the_lesson() {
    let lab = lab(LabOptions::default());
    let model = run(&target(&lab, &Client::default())).await;
    assert_eq!(model.outcome, Outcome::Ok, "{:?}", model.diagnosis);
    assert_eq!(model.redis.reply.as_deref(), Some("PONG"));
    assert_eq!(model.tls.as_ref().unwrap().version, TlsVersion::Tls13);
    assert_eq!(model.client_certificate_sent(), Some(true));
    assert_eq!(
        tracker_after(&model, 2),
        triple("Handshake started", "Handshake encrypted", "Unknown")
    );
    assert_eq!(
        tracker_after(&model, 8),
        triple("Encrypted and connected", "Active", "Verified")
    );
    assert_eq!(
        tracker_after(&model, 9),
        triple("Closed", "Off", "Verified")
    );
    assert!(model.steps.iter().all(|r| r.status == StepStatus::Done));
    // Under TLS 1.3 the step notes tell where the wire differs from the lesson.
    assert!(model
        .step(Step::ServerCertificate)
        .unwrap()
        .note
        .as_deref()
        .unwrap_or("")
        .contains("encrypted"));
    // Secrets are reported by label only.
    assert!(model
        .secrets
        .iter()
        .any(|s| s.label == "CLIENT_TRAFFIC_SECRET_0"));
    // The encrypted records were opened with the session's own keys and named, in wire order.
    let names = |dir: Direction| -> Vec<String> {
        model
            .records
            .iter()
            .filter(|(_, r)| r.direction == dir && r.encrypted)
            .flat_map(|(_, r)| r.messages.iter().map(|m| m.name()))
            .collect()
    };
    let server = names(Direction::In);
    assert_eq!(
        &server[..5],
        [
            "EncryptedExtensions",
            "CertificateRequest",
            "Certificate",
            "CertificateVerify",
            "Finished"
        ],
        "{server:?}"
    );
    assert_eq!(
        names(Direction::Out),
        ["Certificate", "CertificateVerify", "Finished"]
    );
    let reply = model
        .records
        .iter()
        .rev()
        .find(|(_, r)| r.direction == Direction::In)
        .unwrap();
    let note = reply.1.note.clone().unwrap_or_default();
    assert!(note.contains("application data, 7 bytes"), "{note}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls12_tracker_equals_the_lessons_table() {
    let lab = lab(LabOptions {
        protocols: Some("TLSv1.2".into()),
        ..LabOptions::default()
    });
    let model = run(&target(&lab, &Client::default())).await;
    assert_eq!(model.outcome, Outcome::Ok, "{:?}", model.diagnosis);
    assert_eq!(model.tls.as_ref().unwrap().version, TlsVersion::Tls12);
    assert_eq!(
        tracker_after(&model, 3),
        triple("Handshake started", "None", "Received")
    );
    assert_eq!(
        tracker_after(&model, 4),
        triple("Certificate verified", "None", "Verified")
    );
    assert_eq!(
        tracker_after(&model, 6),
        triple("Keys established", "Established", "Verified")
    );
    assert_eq!(
        tracker_after(&model, 8),
        triple("Encrypted and connected", "Active", "Verified")
    );
    // Each clear message left in its own step: Certificate at 5, ClientKeyExchange at 6.
    let sent_in = |name: &str| {
        let index = model
            .events
            .iter()
            .position(|e| matches!(&e.event, tlsviz::engine::events::Event::Record(r)
                if r.messages.iter().any(|m| m.name() == name) && r.direction == tlsviz::engine::events::Direction::Out))
            .unwrap_or_else(|| panic!("{name} never sent"));
        model
            .steps
            .iter()
            .rev()
            .find(|r| r.first_event.is_some_and(|f| f <= index))
            .unwrap()
            .step
    };
    assert_eq!(sent_in("Certificate"), Step::ClientCertificate);
    assert_eq!(sent_in("ClientKeyExchange"), Step::KeyExchange);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_that_does_not_ask_gets_no_certificate() {
    let lab = lab(LabOptions {
        auth_clients: AuthClients::No,
        ..LabOptions::default()
    });
    let model = run(&target(&lab, &Client::default())).await;
    assert_eq!(model.outcome, Outcome::Ok, "{:?}", model.diagnosis);
    assert!(model.certificate_request.is_none());
    assert_eq!(
        model.step(Step::ClientCertificate).unwrap().result,
        "Not requested by the server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_client_certificate_is_step_5() {
    let lab = lab(LabOptions::default());
    let model = run(&target(
        &lab,
        &Client {
            no_client_cert: true,
            ..Client::default()
        },
    ))
    .await;
    assert_eq!(model.outcome, Outcome::Failed);
    let d = model.diagnosis.as_ref().unwrap();
    assert_eq!(d.kind, ErrorKind::ClientCertificateRequired, "{d:?}");
    assert_eq!(d.step, Step::ClientCertificate);
    assert!(!d.explanation.is_empty() && !d.fix.is_empty());
    assert_eq!(
        model.step(Step::ClientCertificate).unwrap().status,
        StepStatus::Failed
    );
    assert_eq!(model.tracker.connection_state.to_string(), "Failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_client_certificate_under_tls12_is_step_5_too() {
    let lab = lab(LabOptions::default());
    let client = Client {
        no_client_cert: true,
        versions: TlsVersions::Only12,
        ..Client::default()
    };
    let model = run(&target(&lab, &client)).await;
    let d = model.diagnosis.as_ref().unwrap();
    assert_eq!(
        (d.kind, d.step),
        (
            ErrorKind::ClientCertificateRequired,
            Step::ClientCertificate
        ),
        "{d:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_ca_is_unknown_issuer_at_step_4() {
    let lab = lab(LabOptions::default());
    let model = run(&target(
        &lab,
        &Client {
            trust_other_ca: true,
            ..Client::default()
        },
    ))
    .await;
    let d = model.diagnosis.as_ref().unwrap();
    assert_eq!(
        (d.kind, d.step),
        (ErrorKind::UnknownIssuer, Step::Verify),
        "{d:?}"
    );
    assert_eq!(tracker_after(&model, 4).2, "Invalid");
    assert!(
        d.evidence.iter().any(|e| e.value.contains("tlsviz Lab CA")),
        "{d:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_larger_than_4_kib_arrive_whole() {
    // rustls reads at most 4 KiB per read_tls call; a big certificate chain and a big reply
    // must still be fed whole (managed services often send 4-5 KiB chains).
    let mut names = vec!["localhost".to_string()];
    names.extend((0..300).map(|i| format!("replica-{i}.cache.example.com")));
    let lab = lab(LabOptions {
        server_cert: tlsviz::lab::ServerCertOptions {
            names,
            ..Default::default()
        },
        ..LabOptions::default()
    });
    let mut target = target(&lab, &Client::default());
    let value = "x".repeat(70_000);
    target.command = vec!["SET".into(), "big".into(), value.clone()];
    let model = run(&target).await;
    assert_eq!(model.outcome, Outcome::Ok, "{:?}", model.diagnosis);
    let certificate_record = model
        .records
        .iter()
        .find(|(_, r)| r.messages.iter().any(|m| m.name() == "Certificate"))
        .expect("the Certificate record");
    assert!(
        certificate_record.1.length > 4096,
        "chain only {} bytes",
        certificate_record.1.length
    );
    target.command = vec!["GET".into(), "big".into()];
    let model = run(&target).await;
    assert_eq!(model.outcome, Outcome::Ok, "{:?}", model.diagnosis);
    assert_eq!(
        model.redis.reply.as_deref(),
        Some(format!("{value:?}").as_str())
    );
}

/// A one-connection TLS 1.3 server of our own (rustls), with the lab's certificate: it answers
/// one command with +PONG, after `before_reply` has had its say.
async fn own_server(
    lab: &tlsviz::lab::Lab,
    provider: rustls::crypto::CryptoProvider,
    before_reply: fn(&mut rustls::ServerConnection),
) -> (u16, tokio::task::JoinHandle<()>) {
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let chain = lab
        .files
        .server_chain_der
        .iter()
        .map(|d| rustls::pki_types::CertificateDer::from(d.clone()))
        .collect();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(lab.files.server_key_der.clone().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut buf = [0u8; 64];
        let _ = tls.read(&mut buf).await;
        before_reply(tls.get_mut().1);
        let _ = tls.write_all(b"+PONG\r\n").await;
        let _ = tls.shutdown().await;
    });
    (port, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_after_a_key_update_are_still_named() {
    let lab = lab(LabOptions {
        auth_clients: AuthClients::No,
        ..LabOptions::default()
    });
    let (port, server) = own_server(&lab, rustls::crypto::ring::default_provider(), |conn| {
        conn.refresh_traffic_keys().expect("key update");
    })
    .await;
    let mut target = target(&lab, &Client::default());
    target.port = port;
    let model = run(&target).await;
    server.abort();
    assert_eq!(model.outcome, Outcome::Ok, "{:?}", model.diagnosis);
    let notes: Vec<String> = model
        .records
        .iter()
        .filter(|(_, r)| r.direction == Direction::In)
        .filter_map(|(_, r)| r.note.clone())
        .collect();
    let update = notes
        .iter()
        .position(|n| n.contains("KeyUpdate"))
        .expect("KeyUpdate named");
    assert!(
        notes[update..]
            .iter()
            .any(|n| n.contains("application data, 7 bytes")),
        "the reply after the KeyUpdate was not opened: {notes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hello_retry_request_is_answered_at_step_2() {
    // A server that only accepts P-384 key shares answers the first ClientHello (X25519) with
    // a HelloRetryRequest; the second ClientHello must leave at step 2, not later.
    let lab = lab(LabOptions {
        auth_clients: AuthClients::No,
        ..LabOptions::default()
    });
    let mut provider = rustls::crypto::ring::default_provider();
    provider.kx_groups = vec![rustls::crypto::ring::kx_group::SECP384R1];
    let (port, server) = own_server(&lab, provider, |_| {}).await;
    let mut target = target(&lab, &Client::default());
    target.port = port;
    let model = run(&target).await;
    server.abort();
    assert_eq!(model.outcome, Outcome::Ok, "{:?}", model.diagnosis);
    let hellos: Vec<Step> = model
        .records
        .iter()
        .filter(|(_, r)| r.messages.iter().any(|m| m.name() == "ClientHello"))
        .map(|(at, _)| {
            let index = model.events.iter().position(|e| e.at_us >= *at).unwrap();
            model
                .steps
                .iter()
                .rev()
                .find(|s| s.first_event.is_some_and(|f| f <= index))
                .unwrap()
                .step
        })
        .collect();
    assert_eq!(
        hellos,
        vec![Step::Handshake, Step::Handshake],
        "both ClientHellos belong to step 2"
    );
    assert!(model
        .records
        .iter()
        .any(|(_, r)| r.messages.iter().any(|m| m.name() == "HelloRetryRequest")));
    assert_eq!(
        model.tls.as_ref().unwrap().key_exchange_group.as_deref(),
        Some("secp384r1")
    );
}
