//! What a step did, read from the events it produced: the answer a prediction is marked by.

use super::Happening;
use crate::engine::events::{Direction, Event, HandshakeMessage, RecordInfo, Stamped};
use crate::engine::step::Step;
use crate::engine::wire::TlsVersion;
use crate::model::Model;

/// The events of `step`: from its start to now (the step has just ended).
fn window(model: &Model, step: Step) -> &[Stamped] {
    let first = model
        .step(step)
        .and_then(|r| r.first_event)
        .unwrap_or(model.events.len());
    model.events.get(first..).unwrap_or_default()
}

fn records(events: &[Stamped]) -> impl Iterator<Item = &RecordInfo> {
    events.iter().filter_map(|s| match &s.event {
        Event::Record(info) => Some(info),
        _ => None,
    })
}

/// A clear record going `direction` that carries the handshake message `name`.
fn carried_clear(info: &RecordInfo, direction: Direction, name: &str) -> bool {
    info.direction == direction && !info.encrypted && info.messages.iter().any(|m| m.name() == name)
}

/// What `step` did, read from its events; `None` when it was none of the things asked about.
pub fn happened(model: &Model, step: Step) -> Option<Happening> {
    let events = window(model, step);
    let failed = events.iter().any(|s| matches!(s.event, Event::Failed(_)));
    let any = |f: &dyn Fn(&Event) -> bool| events.iter().any(|s| f(&s.event));
    match step {
        Step::Connect => {
            if any(&|e| matches!(e, Event::TcpConnected { .. })) {
                Some(Happening::TcpOpened)
            } else {
                failed.then_some(Happening::NoConnection)
            }
        }
        Step::Handshake => {
            let hello = records(events)
                .flat_map(|r| &r.messages)
                .find_map(|m| match m {
                    HandshakeMessage::ServerHello { version, .. } => Some(*version),
                    _ => None,
                });
            match hello {
                Some(TlsVersion::Tls13) => Some(Happening::ServerHello13),
                Some(TlsVersion::Tls12) => Some(Happening::ServerHello12),
                Some(_) => None,
                None => failed.then_some(Happening::NoServerHello),
            }
        }
        Step::ServerCertificate => {
            if model.chain.is_empty() {
                return failed.then_some(Happening::NoCertificate);
            }
            // Over the whole run so far: a server may send its flight with the ServerHello.
            let clear = model
                .records
                .iter()
                .any(|(_, r)| carried_clear(r, Direction::In, "Certificate"));
            if clear {
                Some(Happening::CertificateClear)
            } else {
                model.is_tls13().then_some(Happening::CertificateEncrypted)
            }
        }
        Step::Verify => {
            let verdict = events.iter().find_map(|s| match &s.event {
                Event::CertificateVerdict {
                    verified, insecure, ..
                } => Some((*verified, *insecure)),
                _ => None,
            });
            match verdict {
                Some((_, true)) => Some(Happening::NotChecked),
                Some((true, false)) => Some(Happening::Accepted),
                Some((false, false)) => Some(Happening::Refused),
                None => (failed
                    && model
                        .diagnosis
                        .as_ref()
                        .is_some_and(|d| d.step == Step::Verify))
                .then_some(Happening::Refused),
            }
        }
        Step::ClientCertificate => {
            if failed {
                return None;
            }
            match model.client_certificate_chosen {
                None if model.certificate_request.is_none() => Some(Happening::NotAsked),
                None => None,
                Some(false) => Some(Happening::EmptyCertificate),
                Some(true) => {
                    let out: Vec<&RecordInfo> = records(events)
                        .filter(|r| r.direction == Direction::Out)
                        .collect();
                    if out
                        .iter()
                        .any(|r| carried_clear(r, Direction::Out, "Certificate"))
                    {
                        Some(Happening::ClientCertificateClear)
                    } else if out.iter().any(|r| r.encrypted) {
                        Some(Happening::ClientCertificateEncrypted)
                    } else {
                        None
                    }
                }
            }
        }
        Step::KeyExchange => {
            if failed {
                None
            } else if records(events).any(|r| carried_clear(r, Direction::Out, "ClientKeyExchange"))
            {
                Some(Happening::KeyShareClear)
            } else if records(events).next().is_none() && model.is_tls13() {
                // "The key shares crossed in the hellos" is true of TLS 1.3 only.
                Some(Happening::NothingCrosses)
            } else {
                None
            }
        }
        Step::Encrypted => {
            if failed {
                return Some(Happening::Failed);
            }
            let handshake: Vec<&RecordInfo> = records(events)
                .filter(|r| r.content_type != crate::engine::wire::ContentType::ChangeCipherSpec)
                .collect();
            if handshake.iter().any(|r| !r.encrypted) {
                return None;
            }
            let out = handshake.iter().any(|r| r.direction == Direction::Out);
            let inn = handshake.iter().any(|r| r.direction == Direction::In);
            match (out, inn) {
                (true, true) => Some(Happening::FinishedBothWays),
                (true, false) => Some(Happening::ClientFinishedOnly),
                (false, false) => Some(Happening::FinishedEarlier),
                (false, true) => None,
            }
        }
        Step::Data => {
            if any(&|e| matches!(e, Event::DataReceived { error: true, .. })) {
                return Some(Happening::RedisError);
            }
            if failed {
                return Some(Happening::Failed);
            }
            let sent: Vec<bool> = events
                .iter()
                .filter_map(|s| match s.event {
                    Event::DataSent { encrypted, .. } => Some(encrypted),
                    _ => None,
                })
                .collect();
            let answered = any(&|e| matches!(e, Event::DataReceived { .. }));
            match (answered, sent.is_empty()) {
                (true, false) if sent.iter().all(|e| *e) => Some(Happening::ReplyEncrypted),
                (true, false) if sent.iter().all(|e| !*e) => Some(Happening::ReplyClear),
                _ => None,
            }
        }
        Step::Close => {
            if failed {
                return Some(Happening::Failed);
            }
            let closed = events.iter().find_map(|s| match s.event {
                Event::Closed { close_notify_sent } => Some(close_notify_sent),
                _ => None,
            })?;
            if !closed {
                return Some(Happening::TcpCloseOnly);
            }
            // The only record the client sends at step 9 is its close_notify. (Its note is the
            // engine's label, and with the session's keys also what the record held: match
            // the word, not the whole note.)
            let out: Vec<&RecordInfo> = records(events)
                .filter(|r| r.direction == Direction::Out)
                .collect();
            let named = out.iter().any(|r| {
                r.note
                    .as_deref()
                    .is_some_and(|n| n.contains("close_notify"))
            });
            (named && out.iter().all(|r| r.encrypted)).then_some(Happening::CloseNotify)
        }
    }
}
