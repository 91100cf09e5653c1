//! Where things really crossed: the step under way when a record arrived or left, read from the
//! events. Lesson texts that name a step ("the server's Finished arrived at step 3") ask here,
//! so they follow the wire of this run, never one server's framing.

use super::Model;
use crate::engine::events::{Direction, Event, HandshakeMessage, RecordInfo, Stamped};
use crate::engine::step::Step;
use crate::engine::wire::ContentType;

/// The record that carried a handshake message, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carrier {
    /// The step under way when the record crossed.
    pub step: Step,
    pub at_us: u64,
    /// The record's body length.
    pub length: usize,
    /// The other messages in the same record, by name, where the events name them.
    pub with: Vec<String>,
}

/// The step that was under way when `events[index]` happened (`None` before step 1).
pub fn step_at(events: &[Stamped], index: usize) -> Option<Step> {
    events
        .iter()
        .take(index + 1)
        .rev()
        .find_map(|e| match e.event {
            Event::StepStarted { step } => Some(step),
            Event::StepSkipped { step, .. } => Some(step),
            _ => None,
        })
}

/// Every record with its event index.
fn records(model: &Model) -> impl Iterator<Item = (usize, &Stamped, &RecordInfo)> {
    model
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.event {
            Event::Record(info) => Some((i, s, info)),
            _ => None,
        })
}

fn carrier(model: &Model, index: usize, stamped: &Stamped, info: &RecordInfo) -> Option<Carrier> {
    Some(Carrier {
        step: step_at(&model.events, index)?,
        at_us: stamped.at_us,
        length: info.length,
        with: others(info),
    })
}

/// The messages of a record other than its Finished: named ones, else those our own note names
/// (recordings made before encrypted records were opened carry only the note).
fn others(info: &RecordInfo) -> Vec<String> {
    if !info.messages.is_empty() {
        return info
            .messages
            .iter()
            .filter(|m| **m != HandshakeMessage::Finished)
            .map(HandshakeMessage::name)
            .collect();
    }
    let Some(note) = &info.note else {
        return Vec::new();
    };
    let head = note.split(" (").next().unwrap_or_default();
    head.split(" + ")
        .map(|part| part.replace("client ", ""))
        .map(|part| part.trim().to_string())
        .filter(|part| !part.is_empty() && part != "Finished")
        .collect()
}

fn carries_finished(info: &RecordInfo) -> bool {
    info.messages.contains(&HandshakeMessage::Finished)
        || (info.messages.is_empty()
            && info.note.as_deref().is_some_and(|n| {
                n.split(" (")
                    .next()
                    .unwrap_or_default()
                    .contains("Finished")
            }))
}

/// The index of the first `SecretDerived` event with this label.
fn secret_index(model: &Model, label: &str) -> Option<usize> {
    model
        .events
        .iter()
        .position(|e| matches!(&e.event, Event::SecretDerived { label: l } if l == label))
}

/// The record that carried the server's Finished. Named by the records themselves where they
/// were opened; otherwise, under TLS 1.3, the last record that arrived before the client
/// derived its application keys (it does so on reading that Finished), and under TLS 1.2 the
/// first encrypted handshake record from the server.
pub fn server_finished(model: &Model) -> Option<Carrier> {
    let incoming = || records(model).filter(|(_, _, r)| r.direction == Direction::In);
    if let Some((i, s, r)) = incoming().find(|(_, _, r)| carries_finished(r)) {
        return carrier(model, i, s, r);
    }
    if model.is_tls13() {
        let keys = secret_index(model, "SERVER_TRAFFIC_SECRET_0")?;
        let (i, s, r) = incoming()
            .filter(|(i, _, r)| *i < keys && r.encrypted)
            .last()?;
        return carrier(model, i, s, r);
    }
    let (i, s, r) =
        incoming().find(|(_, _, r)| r.encrypted && r.content_type == ContentType::Handshake)?;
    carrier(model, i, s, r)
}

/// The record that carried the client's Finished (named, or said so by our own note; under
/// TLS 1.2, the first encrypted handshake record the client sent).
pub fn client_finished(model: &Model) -> Option<Carrier> {
    let outgoing = || records(model).filter(|(_, _, r)| r.direction == Direction::Out);
    if let Some((i, s, r)) = outgoing().find(|(_, _, r)| carries_finished(r)) {
        return carrier(model, i, s, r);
    }
    if model.is_tls13() {
        return None;
    }
    let (i, s, r) =
        outgoing().find(|(_, _, r)| r.encrypted && r.content_type == ContentType::Handshake)?;
    carrier(model, i, s, r)
}

/// The step during which the client derived a secret (by its keylog label), and when.
pub fn secret_step(model: &Model, label: &str) -> Option<(Step, u64)> {
    let i = secret_index(model, label)?;
    let at = model.events.get(i)?.at_us;
    Some((step_at(&model.events, i)?, at))
}

/// A secret's keylog label in words: TLS 1.2's `CLIENT_RANDOM` line holds the master secret.
pub fn secret_words(label: &str) -> String {
    match label {
        "CLIENT_RANDOM" => "master secret (keylog label CLIENT_RANDOM)".into(),
        other => other.to_string(),
    }
}

/// Names in prose: "a", "a and b", "a, b and c".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::Stamped;

    fn model(text: &str) -> Model {
        let events: Vec<Stamped> = text
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        Model::from_events(&events)
    }

    #[test]
    fn redis_sends_its_finished_in_a_record_of_its_own_read_at_step_5() {
        let m = model(include_str!("../../tests/fixtures/tls13-mutual-ok.ndjson"));
        let server = server_finished(&m).map(|c| (c.step, c.length));
        assert_eq!(server, Some((Step::ClientCertificate, 69)));
        let client = client_finished(&m);
        assert_eq!(
            client.as_ref().map(|c| c.step),
            Some(Step::ClientCertificate)
        );
        assert_eq!(
            client.map(|c| c.with).unwrap_or_default(),
            ["Certificate", "CertificateVerify"]
        );
    }

    #[test]
    fn tls12_finished_messages_are_the_encrypted_handshake_records() {
        let m = model(include_str!("../../tests/fixtures/tls12-mutual-ok.ndjson"));
        assert_eq!(server_finished(&m).map(|c| c.step), Some(Step::Encrypted));
        assert_eq!(client_finished(&m).map(|c| c.step), Some(Step::Encrypted));
        assert_eq!(
            secret_step(&m, "CLIENT_RANDOM").map(|(s, _)| s),
            Some(Step::Verify)
        );
    }

    #[test]
    fn a_named_finished_is_found_in_a_whole_flight() {
        let mut m = model(include_str!("../../tests/fixtures/tls13-mutual-ok.ndjson"));
        // A server that sends its whole flight in one record (as rustls's does), named.
        for e in &mut m.events {
            if let Event::Record(r) = &mut e.event {
                if r.direction == Direction::In && r.length == 969 {
                    r.messages = vec![
                        HandshakeMessage::Certificate { count: 2 },
                        HandshakeMessage::CertificateVerify,
                        HandshakeMessage::Finished,
                    ];
                }
            }
        }
        let c = server_finished(&m);
        assert_eq!(c.as_ref().map(|c| c.step), Some(Step::ServerCertificate));
        assert_eq!(
            c.map(|c| c.with).unwrap_or_default(),
            ["Certificate", "CertificateVerify"]
        );
    }

    #[test]
    fn words() {
        assert_eq!(
            secret_words("CLIENT_RANDOM"),
            "master secret (keylog label CLIENT_RANDOM)"
        );
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
        assert_eq!(and_list(&["a".into()]), "a");
    }
}
