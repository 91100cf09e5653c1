//! Figures of one run, counted from its events: which step each record crossed in, the round
//! trips before application data, the bytes each way, when encryption started, the tickets the
//! server handed out. `compare` and `connect --resume` say them; nothing here is estimated.

use crate::engine::events::{ContentType, Direction, Event, HandshakeMessage, RecordInfo};
use crate::engine::step::Step;
use crate::model::Model;

/// A TLS record's header: type, version, length.
pub const RECORD_HEADER: usize = 5;

/// Every record of the run with the step it crossed in: the last step started (or skipped)
/// before it. A record before any step (none is) counts as step 1's.
pub fn records_by_step(model: &Model) -> Vec<(Step, &RecordInfo)> {
    let mut step = Step::Connect;
    let mut out = Vec::new();
    for stamped in &model.events {
        match &stamped.event {
            Event::StepStarted { step: s } | Event::StepSkipped { step: s, .. } => step = *s,
            Event::Record(info) => out.push((step, info)),
            _ => {}
        }
    }
    out
}

/// The bytes a record took on the wire: its header and body (a plaintext chunk has no header).
pub fn wire_bytes(info: &RecordInfo) -> usize {
    if info.content_type == ContentType::Plaintext {
        info.length
    } else {
        info.length + RECORD_HEADER
    }
}

/// Bytes each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bytes {
    /// Client to server.
    pub out: usize,
    /// Server to client.
    pub r#in: usize,
}

impl Bytes {
    pub fn add(&mut self, info: &RecordInfo) {
        match info.direction {
            Direction::Out => self.out += wire_bytes(info),
            Direction::In => self.r#in += wire_bytes(info),
        }
    }
}

/// The run's TLS bytes each way: before the first application data (the handshake), and in all.
pub fn bytes(model: &Model) -> (Bytes, Bytes) {
    let (mut handshake, mut total) = (Bytes::default(), Bytes::default());
    let mut data_started = false;
    for stamped in &model.events {
        match &stamped.event {
            Event::DataSent { .. } => data_started = true,
            Event::Record(info) => {
                total.add(info);
                if !data_started {
                    handshake.add(info);
                }
            }
            _ => {}
        }
    }
    (handshake, total)
}

/// Round trips before application data: how many times the client, having sent, had to wait
/// for the server before it could go on, up to the first command sent. TCP's own handshake is
/// not counted, nor are ChangeCipherSpec records: under TLS 1.3 a no-op for middleboxes that
/// waits for nothing, under TLS 1.2 always beside a Finished going the same way. `None` when no
/// application data was ever sent (the run failed before).
pub fn round_trips(model: &Model) -> Option<usize> {
    let mut count = 0;
    let mut last = None;
    for stamped in &model.events {
        match &stamped.event {
            Event::DataSent { .. } => return Some(count),
            Event::Record(info) if info.content_type != ContentType::ChangeCipherSpec => {
                if info.direction == Direction::In && last == Some(Direction::Out) {
                    count += 1;
                }
                last = Some(info.direction);
            }
            _ => {}
        }
    }
    None
}

/// The step in which the first encrypted record crossed, either way.
pub fn encryption_starts(model: &Model) -> Option<Step> {
    records_by_step(model)
        .into_iter()
        .find(|(_, info)| info.encrypted)
        .map(|(step, _)| step)
}

/// When the handshake completed, in µs since the run started.
pub fn handshake_us(model: &Model) -> Option<u64> {
    model.events.iter().find_map(|e| match e.event {
        Event::HandshakeComplete(_) => Some(e.at_us),
        _ => None,
    })
}

/// NewSessionTicket messages the server sent (read in clear under TLS 1.2, named inside
/// encrypted records under TLS 1.3).
pub fn tickets_received(model: &Model) -> usize {
    model
        .records
        .iter()
        .filter(|(_, r)| r.direction == Direction::In)
        .flat_map(|(_, r)| &r.messages)
        .filter(|m| matches!(m, HandshakeMessage::NewSessionTicket))
        .count()
}

/// What a record carries, in a few words: its handshake messages, else what a hook or the
/// decryptor named, else its content type.
pub fn carried(info: &RecordInfo) -> String {
    if !info.messages.is_empty() {
        return info
            .messages
            .iter()
            .map(HandshakeMessage::name)
            .collect::<Vec<_>>()
            .join(" + ");
    }
    match info.content_type {
        ContentType::ChangeCipherSpec => "ChangeCipherSpec".into(),
        ContentType::Alert if !info.encrypted => "Alert".into(),
        ContentType::ApplicationData if info.note.as_deref().is_some_and(is_data_note) => {
            "application data".into()
        }
        _ => info
            .note
            .clone()
            .unwrap_or_else(|| info.content_type.name().to_string()),
    }
}

/// Notes the engine puts on records of application data (a Redis command or reply).
fn is_data_note(note: &str) -> bool {
    let lower = note.to_ascii_lowercase();
    lower.contains("redis") || lower.contains("application data")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::{Stamped, TlsVersion};

    fn record(direction: Direction, content_type: ContentType, length: usize) -> Event {
        Event::Record(RecordInfo {
            direction,
            content_type,
            version: Some(TlsVersion::Tls12),
            length,
            encrypted: content_type == ContentType::ApplicationData,
            messages: Vec::new(),
            head_hex: String::new(),
            note: None,
            bytes: None,
        })
    }

    fn model(events: Vec<Event>) -> Model {
        let stamped: Vec<Stamped> = events
            .into_iter()
            .enumerate()
            .map(|(i, event)| Stamped {
                at_us: i as u64,
                event,
            })
            .collect();
        Model::from_events(&stamped)
    }

    #[test]
    fn round_trips_count_waits_for_the_server_and_ignore_change_cipher_spec() {
        use ContentType::{ApplicationData as Data, ChangeCipherSpec as Ccs, Handshake as Hs};
        use Direction::{In, Out};
        let data = Event::DataSent {
            command: "PING".into(),
            plaintext_len: 14,
            encrypted: true,
        };
        // TLS 1.3: hello out, hello in, compatibility CCS out, the server's flight, the
        // client's Finished: one round trip.
        let tls13 = model(vec![
            Event::StepStarted {
                step: Step::Handshake,
            },
            record(Out, Hs, 200),
            record(In, Hs, 90),
            record(Out, Ccs, 1),
            Event::StepStarted {
                step: Step::ServerCertificate,
            },
            record(In, Ccs, 1),
            record(In, Data, 900),
            record(Out, Data, 60),
            data.clone(),
            record(Out, Data, 30),
            record(In, Data, 700),
        ]);
        assert_eq!(round_trips(&tls13), Some(1));
        assert_eq!(encryption_starts(&tls13), Some(Step::ServerCertificate));
        let (handshake, total) = bytes(&tls13);
        assert_eq!(handshake.out, 205 + 6 + 65);
        assert_eq!(total.r#in, 95 + 6 + 905 + 705);
        let steps: Vec<Step> = records_by_step(&tls13).iter().map(|(s, _)| *s).collect();
        assert_eq!(steps[..3], [Step::Handshake; 3]);
        // TLS 1.2: two waits before the first command; none once the run failed before one.
        let tls12 = model(vec![
            record(Out, Hs, 200),
            record(In, Hs, 1200),
            record(Out, Hs, 300),
            record(Out, Ccs, 1),
            record(In, Ccs, 1),
            record(In, Hs, 40),
            data,
        ]);
        assert_eq!(round_trips(&tls12), Some(2));
        let failed = model(vec![
            record(Out, Hs, 200),
            record(In, ContentType::Alert, 2),
        ]);
        assert_eq!(round_trips(&failed), None);
        assert_eq!(encryption_starts(&failed), None);
    }
}
