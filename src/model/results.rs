//! What each step's row and the tracker say once the step ends, computed from the evidence.

use super::tracker::{CertificateValidity, ConnectionState, EncryptionStatus, Tracker};
use super::Model;
use crate::engine::certinfo::format_time;
use crate::engine::events::HandshakeMessage;
use crate::engine::step::Step;

/// The tracker right after `step`, from the tracker before it and the evidence.
pub fn tracker_after(model: &Model, step: Step) -> Tracker {
    let mut t = model.tracker.clone();
    if !model.run.tls {
        match step {
            Step::Connect | Step::Data => t.connection_state = ConnectionState::ConnectedPlaintext,
            Step::Close => t.connection_state = ConnectionState::Closed,
            // Skipped on a plaintext connection: nothing changes.
            Step::Handshake
            | Step::ServerCertificate
            | Step::Verify
            | Step::ClientCertificate
            | Step::KeyExchange
            | Step::Encrypted => {}
        }
        t.encryption_status = EncryptionStatus::Off;
        return t;
    }
    match step {
        Step::Handshake => {
            t.connection_state = ConnectionState::HandshakeStarted;
            if model.is_tls13() {
                t.encryption_status = EncryptionStatus::HandshakeEncrypted;
            }
        }
        Step::ServerCertificate => t.certificate_validity = CertificateValidity::Received,
        Step::Verify => {
            if model.insecure {
                t.certificate_note = Some("not verified: --insecure".into());
            } else {
                t.connection_state = ConnectionState::CertificateVerified;
                t.certificate_validity = CertificateValidity::Verified;
            }
        }
        Step::KeyExchange => {
            t.connection_state = ConnectionState::KeysEstablished;
            t.encryption_status = EncryptionStatus::Established;
        }
        Step::Encrypted => {
            t.connection_state = ConnectionState::EncryptedAndConnected;
            t.encryption_status = EncryptionStatus::Established;
        }
        Step::Data => {
            t.connection_state = ConnectionState::EncryptedAndConnected;
            t.encryption_status = EncryptionStatus::Active;
        }
        Step::Close => {
            t.connection_state = ConnectionState::Closed;
            t.encryption_status = EncryptionStatus::Off;
        }
        // The lesson's table has no word between Disconnected and Handshake started; saying
        // Disconnected once the TCP connection is up would be false.
        Step::Connect => t.connection_state = ConnectionState::TcpConnected,
        // The client's certificate changes none of the three variables.
        Step::ClientCertificate => {}
    }
    t
}

/// One line: what really happened in `step`.
pub fn step_result(model: &Model, step: Step) -> String {
    match step {
        Step::Connect => {
            let peer = model.events.iter().rev().find_map(|e| match &e.event {
                crate::engine::events::Event::TcpConnected { peer, .. } => Some(peer.clone()),
                _ => None,
            });
            format!(
                "TCP connected to {}",
                peer.unwrap_or_else(|| "the server".into())
            )
        }
        Step::Handshake => match &model.server_hello {
            Some(HandshakeMessage::ServerHello {
                version,
                cipher_suite,
                key_share_group,
                ..
            }) => {
                let mut s = format!("Server chose {version}, {cipher_suite}");
                if let Some(group) = key_share_group {
                    s.push_str(&format!(", key share {group}"));
                }
                s
            }
            _ => "ServerHello received".into(),
        },
        Step::ServerCertificate => match model.chain.first() {
            Some(leaf) => format!(
                "{} certificate{}: {} (issued by {})",
                model.chain.len(),
                if model.chain.len() == 1 { "" } else { "s" },
                short_name(&leaf.subject),
                short_name(&leaf.issuer)
            ),
            None => "Certificate received".into(),
        },
        Step::Verify => {
            if model.insecure {
                return "NOT verified: --insecure skips every check".into();
            }
            let until = model
                .chain
                .first()
                .map(|c| format!(", valid until {}", format_time(c.not_after_unix)))
                .unwrap_or_default();
            format!(
                "Verified: trusted by {}{until}, name {} matches",
                if model.run.trust.is_empty() {
                    "the trust store"
                } else {
                    &model.run.trust
                },
                model.verified_name.clone().unwrap_or_default()
            )
        }
        Step::ClientCertificate => {
            match (&model.certificate_request, model.client_certificate_chosen) {
                (None, _) => "Not requested by the server".into(),
                (Some(_), Some(true)) => format!(
                    "Client certificate sent: {}",
                    short_name(model.client_certificate_subject.as_deref().unwrap_or("?"))
                ),
                (Some(_), _) => {
                    "Requested by the server, but no client certificate was sent".into()
                }
            }
        }
        Step::KeyExchange => {
            if model.is_tls13() {
                "Application traffic keys derived".into()
            } else {
                match super::arrivals::secret_step(model, "CLIENT_RANDOM") {
                    Some((derived, _)) if derived < Step::KeyExchange => format!(
                        "ClientKeyExchange sent: the server can now derive the master secret \
                         the client derived at step {}",
                        derived.number()
                    ),
                    _ => "ClientKeyExchange sent; both sides derived the master secret".into(),
                }
            }
        }
        Step::Encrypted => match &model.tls {
            Some(p) => format!("Finished both ways: {} with {}", p.version, p.cipher_suite),
            None => "Finished both ways".into(),
        },
        Step::Data => format!(
            "{}{} → {}",
            if model.redis.auth_sent {
                "AUTH ***, "
            } else {
                ""
            },
            model.redis.command.clone().unwrap_or_default(),
            short(&model.redis.reply.clone().unwrap_or_default())
        ),
        Step::Close => {
            let refused = model.events.iter().any(|e| {
                matches!(
                    e.event,
                    crate::engine::events::Event::Closed {
                        close_notify_sent: false
                    }
                )
            });
            if model.run.tls && refused {
                "the server had already closed; connection closed".into()
            } else if model.run.tls {
                "close_notify sent; connection closed".into()
            } else {
                "TCP connection closed".into()
            }
        }
    }
}

/// Where the wire differs from the lesson's (TLS 1.2) order, say so on the step.
pub fn step_note(model: &Model, step: Step) -> Option<String> {
    if !model.is_tls13() {
        return match step {
            Step::Verify if model.insecure => Some(
                "--insecure: the certificate was received but nothing about it was checked.".into(),
            ),
            _ => None,
        };
    }
    let finished = super::arrivals::server_finished(model);
    let arrived = finished
        .as_ref()
        .map(|c| format!(" (its record arrived at step {})", c.step))
        .unwrap_or_default();
    match step {
        Step::Handshake => Some(
            "TLS 1.3: the key shares travel in these two hellos, so everything after the \
             ServerHello is already encrypted."
                .into(),
        ),
        Step::ServerCertificate => Some(
            "TLS 1.3: the certificate arrived encrypted under the handshake keys; the lesson's \
             TLS 1.2 order sends it in clear."
                .into(),
        ),
        Step::ClientCertificate => model.certificate_request.as_ref().map(|_| {
            let carried = if model.client_certificate_chosen == Some(true) {
                "its Certificate, CertificateVerify and Finished together"
            } else {
                "an empty Certificate and its Finished together"
            };
            format!(
                "TLS 1.3: the server's CertificateRequest came in its first flight, before its \
                 certificate. The client answers only after the server's Finished{arrived}, in \
                 one encrypted record carrying {carried}."
            )
        }),
        Step::KeyExchange => {
            let derived = super::arrivals::secret_step(model, "SERVER_TRAFFIC_SECRET_0")
                .map(|(step, at)| {
                    format!(
                        " at step {step} ({:.1} ms), once it had read the server's \
                         Finished{arrived}",
                        at as f64 / 1000.0
                    )
                })
                .unwrap_or_else(|| " once it had read the server's Finished".into());
            Some(format!(
                "TLS 1.3: no key-exchange message crosses here; the key shares crossed in step 2, \
                 and the client derived the application keys{derived}."
            ))
        }
        Step::Encrypted => Some(finished_note(model, finished.as_ref())),
        _ => None,
    }
}

/// TLS 1.3, step 7: where each Finished really crossed, from the records.
fn finished_note(model: &Model, server: Option<&super::arrivals::Carrier>) -> String {
    let server = match server {
        Some(c) if c.with.is_empty() => {
            format!("the server's Finished arrived at step {}", c.step)
        }
        Some(c) => format!(
            "the server's Finished arrived at step {}, in one record with its {}",
            c.step,
            super::arrivals::and_list(&c.with)
        ),
        None => "the server's Finished came before the client answered".into(),
    };
    let client = match super::arrivals::client_finished(model) {
        Some(c) if c.step == Step::Encrypted => {
            "the client's Finished left at this step".to_string()
        }
        Some(c) if c.with.is_empty() => format!("the client's Finished left at step {}", c.step),
        Some(c) => format!(
            "the client's Finished left at step {}, in the same encrypted record as its {}",
            c.step,
            super::arrivals::and_list(&c.with)
        ),
        None if model
            .step(Step::Encrypted)
            .is_some_and(|r| r.status == super::steps::StepStatus::Done) =>
        {
            "the client's Finished left once the server's had been read".into()
        }
        None => "the client's Finished leaves at step 7".into(),
    };
    format!("TLS 1.3: {server}; {client}.")
}

/// A reply in one short line for a table cell: the first line, at most 60 characters.
pub fn short(reply: &str) -> String {
    let first = reply.lines().next().unwrap_or_default();
    let cut: String = first.chars().take(60).collect();
    if cut.len() < first.len() || reply.lines().nth(1).is_some() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// `CN=redis.lab` from a full distinguished name, else the name itself.
pub fn short_name(dn: &str) -> String {
    dn.split(", ")
        .find_map(|part| part.strip_prefix("CN="))
        .unwrap_or(dn)
        .to_string()
}
