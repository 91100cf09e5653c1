//! `tlsviz compare`: two real runs against the same server, one TLS 1.2 and one TLS 1.3,
//! aligned by the nine steps. Each row says what crossed the wire on each side (read from the
//! runs' record events), whether that differs, and why in one line made from what was seen.
//! The totals (round trips, bytes, time, where encryption starts) come from `metrics`.

use super::metrics::{self, Bytes};
use crate::engine::events::{ContentType, Direction, Event, HandshakeMessage, RecordInfo};
use crate::engine::step::Step;
use crate::model::steps::StepStatus;
use crate::model::{Model, Outcome};

/// The two sides, in this order everywhere.
pub const SIDES: [&str; 2] = ["TLS 1.2", "TLS 1.3"];

/// One record as a row shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossing {
    pub direction: Direction,
    /// The messages it carried, or what it was (`ChangeCipherSpec`, `application data`, …).
    pub what: String,
    /// Bytes on the wire, header included.
    pub bytes: usize,
    pub encrypted: bool,
}

/// One side of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSide {
    pub status: StepStatus,
    /// The step's result line (or why it was skipped).
    pub result: String,
    pub wire: Vec<Crossing>,
    /// The side's run has ended (a step still pending then was never reached).
    pub run_over: bool,
}

impl StepSide {
    /// This side has run the step, or its run ended before it: nothing more will change.
    pub fn settled(&self) -> bool {
        self.run_over
            || !matches!(
                self.status,
                StepStatus::Pending | StepStatus::Waiting | StepStatus::Running
            )
    }

    pub fn bytes(&self) -> Bytes {
        let mut bytes = Bytes::default();
        for c in &self.wire {
            match c.direction {
                Direction::Out => bytes.out += c.bytes,
                Direction::In => bytes.r#in += c.bytes,
            }
        }
        bytes
    }

    /// What makes two sides the same: the sequence of messages, their direction and whether
    /// they were encrypted (sizes always differ a little), and the step's status.
    fn shape(&self) -> (StepStatus, Vec<(Direction, &str, bool)>) {
        let wire = self
            .wire
            .iter()
            .map(|c| (c.direction, c.what.as_str(), c.encrypted))
            .collect();
        (self.status, wire)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub step: Step,
    /// `[TLS 1.2, TLS 1.3]`.
    pub sides: [StepSide; 2],
    pub differs: bool,
    pub note: String,
}

/// The whole comparison. The models stay the evidence; this is what is said about them.
pub struct Comparison<'a> {
    /// `[TLS 1.2, TLS 1.3]`.
    pub models: [&'a Model; 2],
    pub rows: Vec<Row>,
}

impl<'a> Comparison<'a> {
    pub fn new(tls12: &'a Model, tls13: &'a Model) -> Self {
        let models = [tls12, tls13];
        let rows = Step::ALL
            .into_iter()
            .map(|step| {
                let sides = models.map(|m| side(m, step));
                let differs = sides[0].shape() != sides[1].shape();
                let note = note(step, &sides, models, differs);
                Row {
                    step,
                    sides,
                    differs,
                    note,
                }
            })
            .collect();
        Comparison { models, rows }
    }

    pub fn round_trips(&self) -> [Option<usize>; 2] {
        self.models.map(metrics::round_trips)
    }

    /// `(before application data, in all)` per side.
    pub fn bytes(&self) -> [(Bytes, Bytes); 2] {
        self.models.map(metrics::bytes)
    }

    /// `(handshake complete, whole run)` in µs per side.
    pub fn time_us(&self) -> [(Option<u64>, u64); 2] {
        self.models
            .map(|m| (metrics::handshake_us(m), m.duration_us()))
    }

    pub fn encryption_starts(&self) -> [Option<Step>; 2] {
        self.models.map(metrics::encryption_starts)
    }
}

fn side(model: &Model, step: Step) -> StepSide {
    let row = model.step(step);
    StepSide {
        status: row.map(|r| r.status).unwrap_or_default(),
        result: row.map(|r| r.result.clone()).unwrap_or_default(),
        wire: metrics::records_by_step(model)
            .into_iter()
            .filter(|(s, _)| *s == step)
            .map(|(_, info)| crossing(info))
            .collect(),
        run_over: model.outcome != Outcome::Running,
    }
}

fn crossing(info: &RecordInfo) -> Crossing {
    Crossing {
        direction: info.direction,
        what: what(info),
        bytes: metrics::wire_bytes(info),
        encrypted: info.encrypted,
    }
}

/// What a record carried, named the same way under both versions (TLS 1.3 dresses everything
/// as application data; the tap names what is inside).
fn what(info: &RecordInfo) -> String {
    if !info.messages.is_empty() {
        return info
            .messages
            .iter()
            .map(HandshakeMessage::name)
            .collect::<Vec<_>>()
            .join(" + ");
    }
    let note = info.note.as_deref().unwrap_or_default();
    match info.content_type {
        ContentType::ChangeCipherSpec => "ChangeCipherSpec".into(),
        _ if note.contains("close_notify") => "close_notify".into(),
        ContentType::Alert => "alert".into(),
        ContentType::ApplicationData if note.starts_with("alert") => note.to_string(),
        ContentType::ApplicationData => "application data".into(),
        ContentType::Plaintext => "plaintext".into(),
        ContentType::Handshake => "handshake".into(),
        ContentType::Heartbeat | ContentType::Unknown => info.content_type.name().into(),
    }
}

/// Messages of a side that cross a given way, with their encryption.
fn has<'a>(side: &'a StepSide, direction: Direction, name: &str) -> Option<&'a Crossing> {
    side.wire
        .iter()
        .find(|c| c.direction == direction && c.what.split(" + ").any(|m| m == name))
}

fn count(side: &StepSide, direction: Direction, name: &str) -> usize {
    side.wire
        .iter()
        .filter(|c| c.direction == direction)
        .flat_map(|c| c.what.split(" + "))
        .filter(|m| *m == name)
        .count()
}

fn clear_or_encrypted(c: &Crossing) -> &'static str {
    if c.encrypted {
        "encrypted"
    } else {
        "in clear"
    }
}

/// The row's one line, from what each side saw.
fn note(step: Step, sides: &[StepSide; 2], models: [&Model; 2], differs: bool) -> String {
    // A side that failed or never got here says so first.
    for (i, model) in models.iter().enumerate() {
        if let Some(d) = model
            .diagnosis
            .as_ref()
            .filter(|_| model.outcome == Outcome::Failed)
        {
            if d.step == step {
                return format!("{} failed here: {}", SIDES[i], d.headline());
            }
            if d.step < step && sides[i].wire.is_empty() {
                return format!("{} stopped at step {}: not reached", SIDES[i], d.step);
            }
        }
    }
    if !differs {
        return match step {
            Step::Connect => {
                "The same TCP connect: the version is chosen later, in the hellos.".into()
            }
            Step::Verify => "The same checks (chain, dates, name) whatever the version.".into(),
            _ => "The same on both.".into(),
        };
    }
    let [v12, v13] = sides;
    let specific = match step {
        Step::Handshake => handshake_note(models),
        Step::ServerCertificate => {
            match (
                has(v12, Direction::In, "Certificate"),
                has(v13, Direction::In, "Certificate"),
            ) {
                (Some(a), Some(b)) => Some(format!(
                    "The server's certificate: {} under TLS 1.2 (anyone on the path can read it), \
                     {} under TLS 1.3 (handshake keys from step 2).",
                    clear_or_encrypted(a),
                    clear_or_encrypted(b)
                )),
                _ => None,
            }
        }
        Step::ClientCertificate => match (
            has(v12, Direction::Out, "Certificate"),
            has(v13, Direction::Out, "Certificate"),
        ) {
            (Some(a), Some(b)) => Some(format!(
                "The client's certificate: {} under TLS 1.2; {} under TLS 1.3, in one record with \
                 its CertificateVerify and Finished, after the server's Finished arrived.",
                clear_or_encrypted(a),
                clear_or_encrypted(b)
            )),
            _ => None,
        },
        Step::KeyExchange => has(v12, Direction::Out, "ClientKeyExchange")
            .filter(|_| v13.wire.is_empty())
            .map(|c| {
                let proof = if has(v12, Direction::Out, "CertificateVerify").is_some() {
                    " and its CertificateVerify (proof it holds its certificate's key)"
                } else {
                    ""
                };
                format!(
                    "TLS 1.2 sends its ClientKeyExchange now ({} B){proof}; under TLS 1.3 \
                     nothing crosses: the key shares crossed in the hellos at step 2.",
                    c.bytes
                )
            }),
        Step::Encrypted => {
            let finished12 =
                count(v12, Direction::In, "Finished") + count(v12, Direction::Out, "Finished");
            (finished12 == 2).then(|| {
                let tls13 = if has(v13, Direction::Out, "Finished").is_some() {
                    "TLS 1.3 only sends the client's Finished: the server's came before"
                } else {
                    "under TLS 1.3 the client's Finished already left at step 5"
                };
                format!(
                    "TLS 1.2 exchanges ChangeCipherSpec and Finished both ways, its second round \
                     trip; {tls13}."
                )
            })
        }
        Step::Data => {
            let tickets = count(v13, Direction::In, "NewSessionTicket");
            (tickets > 0).then(|| {
                format!(
                    "Under TLS 1.3 the server's {tickets} NewSessionTicket{} (for resuming \
                     later) arrive after the handshake, encrypted, with the reply.",
                    if tickets == 1 { "" } else { "s" }
                )
            })
        }
        Step::Connect | Step::Verify | Step::Close => None,
    };
    specific.unwrap_or_else(|| format!("TLS 1.2: {}; TLS 1.3: {}.", summary(v12), summary(v13)))
}

/// Step 2: what the TLS 1.3 hellos carry that TLS 1.2's do not, and where TLS 1.2 exchanges
/// its keys instead (the steps its key-exchange messages were seen in).
fn handshake_note([tls12, tls13]: [&Model; 2]) -> Option<String> {
    let group = match &tls13.server_hello {
        Some(HandshakeMessage::ServerHello {
            key_share_group: Some(group),
            ..
        }) => group.clone(),
        _ => return None,
    };
    let seen_at = |name: &str| {
        metrics::records_by_step(tls12)
            .into_iter()
            .find(|(_, r)| r.messages.iter().any(|m| m.name() == name))
            .map(|(step, _)| format!("{name} at step {step}"))
    };
    let later: Vec<String> = ["ServerKeyExchange", "ClientKeyExchange"]
        .into_iter()
        .filter_map(seen_at)
        .collect();
    let later = if later.is_empty() {
        String::new()
    } else {
        format!(" ({})", later.join(", "))
    };
    let compat = tls13.events.iter().any(|e| {
        matches!(&e.event, Event::Record(r) if r.direction == Direction::Out
            && r.content_type == ContentType::ChangeCipherSpec)
    });
    Some(format!(
        "The TLS 1.3 hellos carry the key shares ({group}): everything after the ServerHello is \
         encrypted. TLS 1.2's hellos only agree on a suite; its keys are exchanged later{later}.{}",
        if compat {
            " TLS 1.3's ChangeCipherSpec is a no-op kept for middleboxes."
        } else {
            ""
        }
    ))
}

/// A side's wire in a few words: `→ ClientHello, ← ServerHello` or `nothing on the wire`.
pub fn summary(side: &StepSide) -> String {
    if side.wire.is_empty() {
        return "nothing on the wire".into();
    }
    side.wire
        .iter()
        .map(|c| {
            let arrow = match c.direction {
                Direction::Out => "→",
                Direction::In => "←",
            };
            format!("{arrow} {}", c.what)
        })
        .collect::<Vec<_>>()
        .join(", ")
}
