//! Predict first (`p`): before each step the class says what will happen, then space lets the
//! step really happen and the prediction is marked.
//!
//! The choices are what this kind of step can do in this run (its TLS version, what the server
//! asked for), worded before the step. Which one is right is decided only afterwards, from the
//! events the step produced: each choice names a [`Happening`], and the step's events are read
//! into one. When none of the choices happened, the prediction is not scored and the step's own
//! result says what did.

use crate::engine::events::{Direction, Event, HandshakeMessage, RecordInfo, Stamped};
use crate::engine::step::Step;
use crate::model::steps::StepStatus;
use crate::model::{Model, Outcome};

/// What a step did, as far as the predictions tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    TcpOpened,
    NoConnection,
    ServerHello13,
    ServerHello12,
    NoServerHello,
    CertificateClear,
    CertificateEncrypted,
    NoCertificate,
    Accepted,
    Refused,
    NotChecked,
    ClientCertificateClear,
    ClientCertificateEncrypted,
    EmptyCertificate,
    NotAsked,
    KeyShareClear,
    NothingCrosses,
    FinishedBothWays,
    ClientFinishedOnly,
    FinishedEarlier,
    ReplyEncrypted,
    ReplyClear,
    RedisError,
    Failed,
    CloseNotify,
    TcpCloseOnly,
    /// A wrong idea the lesson corrects: it never happens (the number tells them apart).
    Never(u8),
}

/// One lettered choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub text: String,
    pub happening: Happening,
}

/// The question on screen before a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    pub step: Step,
    pub question: String,
    pub choices: Vec<Choice>,
    /// The class's answer (0 = A); it may change until space is pressed.
    pub given: Option<usize>,
}

/// A prediction once its step has happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graded {
    pub step: Step,
    pub question: String,
    pub choices: Vec<String>,
    pub given: usize,
    /// The choice that happened (`None`: none of them did).
    pub right: Option<usize>,
    /// What the step's events showed (`None`: none of the things asked about).
    pub happening: Option<Happening>,
    /// What happened, in words: the right choice, or the step's own result.
    pub happened: String,
}

impl Graded {
    pub fn is_right(&self) -> bool {
        self.right == Some(self.given)
    }
}

/// Predict mode's state: on or off, the question on screen, the marked ones of this run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Predict {
    pub on: bool,
    pub pending: Option<Prediction>,
    pub graded: Vec<Graded>,
}

impl Predict {
    /// (right, scored): predictions whose step did one of the choices.
    pub fn score(&self) -> (usize, usize) {
        let scored = self.graded.iter().filter(|g| g.right.is_some());
        let right = scored.clone().filter(|g| g.is_right()).count();
        (right, scored.count())
    }

    /// Whether space must wait: a question is on screen and nobody answered it.
    pub fn blocks_next(&self) -> bool {
        self.on && self.pending.as_ref().is_some_and(|p| p.given.is_none())
    }

    /// Take an answer for the question on screen; false when there is none or no such choice.
    pub fn answer(&mut self, choice: usize) -> bool {
        match self.pending.as_mut() {
            Some(p) if choice < p.choices.len() => {
                p.given = Some(choice);
                true
            }
            _ => false,
        }
    }

    pub fn toggle(&mut self, model: &Model) {
        self.on = !self.on;
        self.pending = None;
        self.sync(model);
    }

    /// A new run: nothing asked, nothing marked.
    pub fn reset(&mut self) {
        self.pending = None;
        self.graded.clear();
    }

    /// After each event: mark the question whose step has ended (from that step's events),
    /// then ask about the step the engine now waits for.
    pub fn sync(&mut self, model: &Model) {
        if let Some(p) = self.pending.take() {
            if !ended(model, p.step) {
                self.pending = Some(p);
            } else if let Some(given) = p.given {
                self.graded.push(grade(model, p, given));
            }
        }
        if !self.on || self.pending.is_some() || model.outcome != Outcome::Running {
            return;
        }
        if let Some(step) = model.waiting_for {
            if !self.graded.iter().any(|g| g.step == step) {
                self.pending = Some(ask(model, step));
            }
        }
    }
}

/// The step is over: done, skipped, failed or cut short, or the run ended without it.
fn ended(model: &Model, step: Step) -> bool {
    match model.step(step).map(|r| r.status) {
        Some(StepStatus::Pending | StepStatus::Waiting) | None => model.outcome != Outcome::Running,
        Some(StepStatus::Running) => false,
        Some(_) => true,
    }
}

fn grade(model: &Model, p: Prediction, given: usize) -> Graded {
    let happening = happened(model, p.step);
    let right = p
        .choices
        .iter()
        .position(|c| Some(c.happening) == happening);
    let happened = match right.and_then(|i| p.choices.get(i)) {
        Some(c) => c.text.clone(),
        None => model
            .step(p.step)
            .map(|r| r.result.trim_start_matches("✗ ").to_string())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "the step did not happen".into()),
    };
    Graded {
        step: p.step,
        question: p.question,
        choices: p.choices.into_iter().map(|c| c.text).collect(),
        given,
        right,
        happening,
        happened,
    }
}

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
                    HandshakeMessage::ServerHello { version, .. } => Some(version.as_str()),
                    _ => None,
                });
            match hello {
                Some("TLS 1.3") => Some(Happening::ServerHello13),
                Some("TLS 1.2") => Some(Happening::ServerHello12),
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
            } else if records(events).next().is_none() {
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
                .filter(|r| r.content_type != "change_cipher_spec")
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
            let notify = records(events).find(|r| {
                r.direction == Direction::Out && r.note.as_deref() == Some("close_notify")
            });
            notify
                .filter(|r| r.encrypted)
                .map(|_| Happening::CloseNotify)
        }
    }
}

/// The question before `step`, its choices in an order that differs per step and per run.
pub fn ask(model: &Model, step: Step) -> Prediction {
    use Happening as H;
    let c = |text: &str, happening| Choice {
        text: text.into(),
        happening,
    };
    let (question, choices) = match step {
        Step::Connect => (
            "Step 1 · what crosses the network?".to_string(),
            vec![
                c(
                    "TCP packets only: the connection opens, no TLS yet",
                    H::TcpOpened,
                ),
                c(
                    "The ClientHello, in clear, in the first TCP packet",
                    H::Never(1),
                ),
                c(
                    "The server's certificate, as soon as TCP connects",
                    H::Never(2),
                ),
                c(
                    "Nothing gets through: refused, no such host, silence",
                    H::NoConnection,
                ),
            ],
        ),
        Step::Handshake => (
            format!(
                "Step 2 · the client offers {}. What comes back?",
                offered(model)
            ),
            vec![
                c(
                    "A ServerHello choosing TLS 1.3: the rest is encrypted",
                    H::ServerHello13,
                ),
                c(
                    "A ServerHello choosing TLS 1.2: clear until step 7",
                    H::ServerHello12,
                ),
                c(
                    "The server's certificate, before any ServerHello",
                    H::Never(3),
                ),
                c(
                    "No ServerHello: an alert, a hang-up or silence",
                    H::NoServerHello,
                ),
            ],
        ),
        Step::ServerCertificate => (
            "Step 3 · the server sends its certificate. How does it cross?".to_string(),
            vec![
                c(
                    "In clear: anyone on the path can read it",
                    H::CertificateClear,
                ),
                c(
                    "Encrypted, under keys from the hellos' key shares",
                    H::CertificateEncrypted,
                ),
                c(
                    "It does not: the client must send its own first",
                    H::Never(4),
                ),
                c(
                    "It never comes: the server stops or goes silent",
                    H::NoCertificate,
                ),
            ],
        ),
        Step::Verify => (
            format!(
                "Step 4 · the client checks the certificate for {}. The verdict?",
                if model.run.server_name.is_empty() {
                    "the server"
                } else {
                    &model.run.server_name
                }
            ),
            vec![
                c(
                    "Accepted: a trusted CA, in date, the right name",
                    H::Accepted,
                ),
                c("Refused: the handshake stops before any data", H::Refused),
                c(
                    "Not checked at all: any certificate is taken",
                    H::NotChecked,
                ),
                c(
                    "The server checks it and sends back its verdict",
                    H::Never(5),
                ),
            ],
        ),
        Step::ClientCertificate => (
            "Step 5 · what does the client send about its own certificate?".to_string(),
            vec![
                c(
                    "Its certificate, in clear: anyone can read it",
                    H::ClientCertificateClear,
                ),
                c(
                    "Its certificate, encrypted, with its Finished",
                    H::ClientCertificateEncrypted,
                ),
                c(
                    "An empty certificate message: it has none",
                    H::EmptyCertificate,
                ),
                c("Nothing: the server never asked for one", H::NotAsked),
            ],
        ),
        Step::KeyExchange => (
            "Step 6 · the keys are made. What crosses the network now?".to_string(),
            vec![
                c(
                    "The client's key share (ClientKeyExchange), in clear",
                    H::KeyShareClear,
                ),
                c(
                    "Nothing: the key shares crossed in the hellos",
                    H::NothingCrosses,
                ),
                c(
                    "The shared secret itself, encrypted for the server",
                    H::Never(6),
                ),
                c(
                    "The server's key share, sent once more to confirm",
                    H::Never(7),
                ),
            ],
        ),
        Step::Encrypted => {
            let mut choices = vec![
                c(
                    "Both sides' Finished, each one encrypted",
                    H::FinishedBothWays,
                ),
                c(
                    "Only the client's Finished, encrypted",
                    H::ClientFinishedOnly,
                ),
                c(
                    "None: both crossed earlier in the handshake",
                    H::FinishedEarlier,
                ),
            ];
            choices.push(if model.is_tls13() {
                c(
                    "Both sides' Finished, in clear for all to check",
                    H::Never(8),
                )
            } else {
                c(
                    "An alert: the server refuses the client's flight",
                    H::Failed,
                )
            });
            (
                "Step 7 · the Finished messages: which cross the network now?".to_string(),
                choices,
            )
        }
        Step::Data => (
            format!(
                "Step 8 · the client sends {}. What happens?",
                commands(model)
            ),
            vec![
                c(
                    "It leaves encrypted, and Redis answers it",
                    H::ReplyEncrypted,
                ),
                c("It leaves in clear, and Redis answers it", H::ReplyClear),
                c(
                    "Redis answers with an error: TLS itself worked",
                    H::RedisError,
                ),
                c(
                    "The connection breaks: an alert, a close, silence",
                    H::Failed,
                ),
            ],
        ),
        Step::Close => (
            "Step 9 · how does the connection end?".to_string(),
            vec![
                c(
                    "An encrypted close_notify alert, then TCP closes",
                    H::CloseNotify,
                ),
                c("TCP just closes: no TLS message is sent", H::TcpCloseOnly),
                c(
                    "A close_notify in clear, so the path sees the end",
                    H::Never(9),
                ),
                c(
                    "It cannot: the server reset the connection first",
                    H::Failed,
                ),
            ],
        ),
    };
    let seed =
        u64::from(model.run.port) ^ u64::from(step.number()).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Prediction {
        step,
        question,
        choices: shuffled(choices, seed),
        given: None,
    }
}

fn offered(model: &Model) -> String {
    match model.run.tls_versions.as_slice() {
        [] => "TLS".into(),
        [one] => one.clone(),
        many => many.join(" and "),
    }
}

fn commands(model: &Model) -> String {
    let command = if model.run.command.is_empty() {
        "its command"
    } else {
        &model.run.command
    };
    if model.run.password_given {
        format!("AUTH, then {command}")
    } else {
        command.to_string()
    }
}

/// A fixed shuffle (xorshift, Fisher–Yates): the same run asks the same way, and no letter is
/// where the likely answer always sits.
pub fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    let mut x = seed | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items
}

#[cfg(test)]
#[path = "predict_tests.rs"]
mod tests;
