//! The nine steps over TLS. Each step waits for its permit, then lets exactly its part of the
//! handshake happen: records are read, processed and sent in the step they belong to.

use super::config::TlsMaterial;
use super::driver::TlsDriver;
use super::events::Direction;
use super::events::{Event, Failure, TlsParams};
use super::hooks::{HookState, TapKeyLog, TapResolver, TapVerifier};
use super::pace::{EventSink, Pace};
use super::records::describe;
use super::step::Step;
use super::wire::{ContentType, TlsVersion};
use super::{gate, step_connect, Target};
use rustls::client::danger::ServerCertVerifier;
use rustls::client::{ResolvesClientCert, Resumption};
use rustls::pki_types::ServerName;
use rustls::HandshakeKind;
use rustls::{ClientConfig, ClientConnection, ProtocolVersion};
use std::sync::Arc;

pub async fn run_tls(
    target: &Target,
    material: &TlsMaterial,
    pace: &Pace,
    sink: &EventSink,
) -> Result<(), Failure> {
    let hooks = Arc::new(HookState::default());
    // `_plugged` keeps this run's hooks alive until the run ends (see `client_config`).
    let (config, _plugged) = client_config(material, pace, sink, &hooks)?;
    let server_name =
        ServerName::try_from(target.server_name.clone()).map_err(|e| Failure::Io {
            step: Step::Connect,
            message: format!("invalid server name {:?}: {e}", target.server_name),
        })?;

    // Step 1: TCP.
    let stream = step_connect(target, pace, sink).await?;
    let conn = ClientConnection::new(config, server_name).map_err(|e| Failure::Io {
        step: Step::Connect,
        message: e.to_string(),
    })?;
    let mut s = TlsDriver::new(
        stream,
        conn,
        hooks,
        sink.clone(),
        pace.clone(),
        target.timeout,
        target.capture_bytes,
    );

    if material.show_secrets {
        s.tap.record_for_keys();
    }
    let result = steps(&mut s, target, pace, sink).await;
    if result.is_err() {
        // What was recomputed before the failure (the step-8 report did not happen).
        report_key_schedule(&mut s);
    }
    result
}

/// With `--show-secrets`, the key schedule from what crossed so far (once per run).
fn report_key_schedule(s: &mut TlsDriver) {
    let Ok(conn) = s.conn() else { return };
    let (version, suite) = (
        conn.protocol_version(),
        conn.negotiated_cipher_suite().map(|s| s.suite()),
    );
    s.tap.report_key_schedule(version, suite);
}

/// Steps 2 to 9 on a connected driver.
async fn steps(
    s: &mut TlsDriver,
    target: &Target,
    pace: &Pace,
    sink: &EventSink,
) -> Result<(), Failure> {
    // Step 2: ClientHello out (only now is it on the wire), ServerHello in.
    s.step = Step::Handshake;
    gate(Step::Handshake, pace, sink).await?;
    s.collect_output()?;
    s.send_all_held(None).await?;
    while !s.tap.server_hello_seen() {
        s.read_and_process().await?;
        // A HelloRetryRequest makes rustls write a second ClientHello (after a compatibility
        // ChangeCipherSpec): they belong here.
        let hello = s
            .held
            .iter()
            .take_while(|r| {
                ContentType::of(r) == ContentType::ChangeCipherSpec || is_message(r, "ClientHello")
            })
            .count();
        s.send_held(hello, None).await?;
    }
    sink.emit(Event::StepCompleted {
        step: Step::Handshake,
    });
    let tls13 = s.conn()?.protocol_version() == Some(ProtocolVersion::TLSv1_3);

    // rustls knows a TLS 1.2 resumption from the ServerHello, a TLS 1.3 one only after
    // EncryptedExtensions; the ServerHello's pre_shared_key says it already.
    let resumed =
        s.conn()?.handshake_kind() == Some(HandshakeKind::Resumed) || (tls13 && s.server_hello_psk);
    if resumed {
        // No certificate comes: steps 3–5 do not happen (see `resumed`).
        super::resumed::flight(s, tls13, pace, sink).await?;
    } else {
        full_flight(s, tls13, pace, sink).await?;
    }
    let params = tls_params(s.conn()?);
    sink.emit(Event::HandshakeComplete(params));
    sink.emit(Event::StepCompleted {
        step: Step::Encrypted,
    });

    // Step 8: AUTH if asked, then the command; success only once the reply is read.
    s.step = Step::Data;
    gate(Step::Data, pace, sink).await?;
    for (command, during_auth) in target.step8_commands() {
        let reply = s.exchange(&command).await?;
        if reply.is_error() {
            return Err(Failure::RedisError {
                step: Step::Data,
                reply: reply.display(),
                during_auth,
            });
        }
    }
    // Both ways' keys have now protected records: the schedule can check them all.
    report_key_schedule(s);
    sink.emit(Event::StepCompleted { step: Step::Data });

    // Step 9: close_notify. While the engine holds before it (manual pace), commands typed in
    // the Redis console travel over the open channel.
    s.step = Step::Close;
    loop {
        tokio::select! {
            allowed = pace.wait(Step::Close, sink) => {
                allowed.map_err(|_| Failure::Cancelled { step: Step::Close })?;
                break;
            }
            Some(command) = pace.console_command() => {
                if !command.is_empty() {
                    s.step = Step::Data;
                    s.exchange(&command).await?;
                    s.step = Step::Close;
                }
            }
        }
    }
    sink.emit(Event::StepStarted { step: Step::Close });
    let close_notify_sent = s.close().await?;
    sink.emit(Event::Closed { close_notify_sent });
    sink.emit(Event::StepCompleted { step: Step::Close });
    Ok(())
}

/// Steps 3–7 of a full handshake: the server's certificate, its verification, the client's
/// certificate, the key exchange and the Finished messages.
async fn full_flight(
    s: &mut TlsDriver,
    tls13: bool,
    pace: &Pace,
    sink: &EventSink,
) -> Result<(), Failure> {
    // Steps 3 and 4: read until the verifier holds the chain. The verifier itself reports step
    // 3, waits for step 4's permit and reports the verdict.
    s.step = Step::ServerCertificate;
    gate(Step::ServerCertificate, pace, sink).await?;
    while !s.hooks.snapshot().chain_seen {
        s.read_and_process().await?;
        if !s.hooks.snapshot().chain_seen {
            s.send_all_held(None).await?;
        }
    }
    s.step = Step::ClientCertificate;

    if tls13 {
        client_flight_tls13(s, pace, sink).await?;
    } else {
        client_flight_tls12(s, pace, sink).await?;
    }
    Ok(())
}

/// TLS 1.3: the server's Finished must be read before the client can answer; the client's
/// Certificate (step 5) and Finished (step 7) are then held apart.
async fn client_flight_tls13(
    s: &mut TlsDriver,
    pace: &Pace,
    sink: &EventSink,
) -> Result<(), Failure> {
    gate(Step::ClientCertificate, pace, sink).await?;
    // The client's flight exists once the server's Finished is processed: wait for its
    // encrypted part (a held compatibility ChangeCipherSpec alone does not count).
    while !s
        .held
        .iter()
        .any(|r| ContentType::of(r) == ContentType::ApplicationData)
    {
        s.read_and_process().await?;
    }
    let flags = s.hooks.snapshot();
    // The held flight is [ChangeCipherSpec]? then Certificate, CertificateVerify and Finished,
    // encrypted. rustls puts the whole flight in one record, which cannot be split once
    // encrypted: when a certificate was asked for, that record leaves now (the answer is what
    // step 5 is about) and carries the Finished with it. Otherwise it waits for step 7.
    if flags.certificate_requested {
        let note = if flags.client_certificate_sent {
            "client Certificate + CertificateVerify + Finished (one encrypted record)"
        } else {
            "empty client Certificate + Finished (one encrypted record)"
        };
        s.send_all_held(Some(note)).await?;
    }
    sink.emit(Event::StepCompleted {
        step: Step::ClientCertificate,
    });

    // Step 6: nothing new crosses the wire under TLS 1.3; the key shares crossed in the hellos
    // and the application keys were derived when the server's Finished was processed.
    s.step = Step::KeyExchange;
    gate(Step::KeyExchange, pace, sink).await?;
    sink.emit(Event::StepCompleted {
        step: Step::KeyExchange,
    });

    s.step = Step::Encrypted;
    gate(Step::Encrypted, pace, sink).await?;
    s.send_all_held(Some("client Finished (encrypted)")).await?;
    // Nothing more to wait for: the server's Finished was read at step 5.
    Ok(())
}

/// TLS 1.2: after ServerHelloDone rustls has queued Certificate?, ClientKeyExchange,
/// CertificateVerify?, ChangeCipherSpec, Finished; they leave in the steps they belong to.
async fn client_flight_tls12(
    s: &mut TlsDriver,
    pace: &Pace,
    sink: &EventSink,
) -> Result<(), Failure> {
    gate(Step::ClientCertificate, pace, sink).await?;
    let certificate_records = count_leading(s, &["Certificate"]);
    s.send_held(certificate_records, None).await?;
    sink.emit(Event::StepCompleted {
        step: Step::ClientCertificate,
    });

    s.step = Step::KeyExchange;
    gate(Step::KeyExchange, pace, sink).await?;
    let key_records = count_leading(s, &["ClientKeyExchange", "CertificateVerify"]);
    s.send_held(key_records, None).await?;
    sink.emit(Event::StepCompleted {
        step: Step::KeyExchange,
    });

    s.step = Step::Encrypted;
    gate(Step::Encrypted, pace, sink).await?;
    s.send_all_held(None).await?;
    while s.conn()?.is_handshaking() {
        s.read_and_process().await?;
        s.send_all_held(None).await?;
    }
    Ok(())
}

/// Whether a clear record carries exactly this handshake message.
fn is_message(record: &[u8], name: &str) -> bool {
    let info = describe(Direction::Out, record, false);
    info.content_type == ContentType::Handshake
        && matches!(info.messages.as_slice(), [only] if only.name() == name)
}

/// How many held records from the front are clear handshake records carrying these messages.
fn count_leading(s: &TlsDriver, names: &[&str]) -> usize {
    s.held
        .iter()
        .take_while(|record| {
            let info = describe(Direction::Out, record, false);
            info.content_type == ContentType::Handshake
                && !info.messages.is_empty()
                && info
                    .messages
                    .iter()
                    .all(|m| names.contains(&m.name().as_str()))
        })
        .count()
}

fn tls_params(conn: &ClientConnection) -> TlsParams {
    TlsParams {
        // Only called once the handshake is complete, when rustls always knows the version.
        version: conn
            .protocol_version()
            .map_or(TlsVersion::Other(0), TlsVersion::from),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| super::handshake::cipher_name(u16::from(s.suite())))
            .unwrap_or_default(),
        key_exchange_group: conn
            .negotiated_key_exchange_group()
            .map(|g| super::handshake::group_name(u16::from(g.name()))),
        resumed: conn.handshake_kind() == Some(HandshakeKind::Resumed),
    }
}

/// This run's verifier and resolver, which connections sharing sessions hold only weakly.
type Plugged = (Arc<TapVerifier>, Arc<TapResolver>);

fn client_config(
    material: &TlsMaterial,
    pace: &Pace,
    sink: &EventSink,
    hooks: &Arc<HookState>,
) -> Result<(Arc<ClientConfig>, Plugged), Failure> {
    let config_error = |e: rustls::Error| Failure::Io {
        step: Step::Connect,
        message: format!("TLS configuration: {e}"),
    };
    let inner = material
        .verifier
        .clone()
        .map(|v| v as Arc<dyn rustls::client::danger::ServerCertVerifier>);
    let verifier = Arc::new(TapVerifier {
        inner,
        roots: material.roots.clone(),
        provider: material.provider.clone(),
        sink: sink.clone(),
        pace: pace.clone(),
        state: hooks.clone(),
    });
    let resolver = Arc::new(TapResolver {
        certified: material.client.as_ref().map(|(ck, _)| ck.clone()),
        certified_subject: material.client.as_ref().map(|(_, s)| s.clone()),
        sink: sink.clone(),
        state: hooks.clone(),
    });
    // Connections that resume each other keep one verifier and resolver (rustls's condition
    // for resuming), with this run's hooks plugged in.
    // The shared ones hold this run's hooks weakly: the hooks returned live as long as the run.
    let plugged = (verifier.clone(), resolver.clone());
    let (verifier, resolver): (Arc<dyn ServerCertVerifier>, Arc<dyn ResolvesClientCert>) =
        match &material.sessions {
            Some(shared) => {
                shared.verifier.plug(&verifier);
                shared.resolver.plug(&resolver);
                (shared.verifier.clone(), shared.resolver.clone())
            }
            None => (verifier, resolver),
        };
    // --show-secrets: the same groups in the same order, X25519 and P-256 observable.
    let provider = if material.show_secrets {
        Arc::new(super::keyschedule::kx::observable(&material.provider))
    } else {
        material.provider.clone()
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(material.versions.rustls())
        .map_err(config_error)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(resolver);
    // Every run is a full handshake unless it was given a session store to share
    // (`connect --resume`): a resumed session skips the certificate steps.
    config.resumption = match &material.sessions {
        Some(shared) => Resumption::store(shared.store.clone()),
        None => Resumption::disabled(),
    };
    config.key_log = Arc::new(TapKeyLog {
        sink: sink.clone(),
        state: hooks.clone(),
        file: material.keylog.clone(),
        memory: material.keylog_memory.clone(),
    });
    Ok((Arc::new(config), plugged))
}
