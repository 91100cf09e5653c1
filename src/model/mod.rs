//! A pure reducer from engine events to the lesson's step table and variable tracker.
//!
//! `Model::apply` is the only way the model changes; the TUI, the plain trace and the JSON all
//! read the same model, and replaying a recording through `apply` rebuilds it exactly.

pub mod arrivals;
pub mod results;
pub mod resumption;
pub mod steps;
pub mod tracker;

use crate::diagnose::{self, Diagnosis};
use crate::engine::events::{
    CertificateInfo, CertificateRequestInfo, Event, Failure, HandshakeMessage, ProbeResult,
    RecordInfo, RunInfo, Stamped, TlsParams,
};
use crate::engine::step::Step;
use crate::engine::wire::TlsVersion;
use serde::{Deserialize, Serialize};
use steps::StepStatus;
use tracker::{CertificateValidity, ConnectionState, EncryptionStatus, Tracker};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRow {
    pub step: Step,
    pub status: StepStatus,
    /// What really happened, filled when the step ends.
    pub result: String,
    /// Where the wire's truth differs from the lesson's order, the difference.
    pub note: Option<String>,
    pub started_us: Option<u64>,
    pub completed_us: Option<u64>,
    /// The tracker as it stood right after this step (for a step a later failure is
    /// attributed to, the tracker at that failure).
    pub tracker_after: Option<Tracker>,
    /// The tracker when the step completed, kept when a later failure is attributed to it:
    /// what the client believed right after the step, for a history told in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_tracker: Option<Tracker>,
    /// Index of the first event at or after this step started, for "look back".
    pub first_event: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    #[default]
    Running,
    Ok,
    Failed,
}

/// Timestamped secret label (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretLabel {
    pub at_us: u64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RedisExchange {
    pub auth_sent: bool,
    pub command: Option<String>,
    pub reply: Option<String>,
    pub reply_is_error: bool,
    /// The last reply as parsed (in-process only; `None` in a replay).
    #[serde(skip)]
    pub reply_resp: Option<crate::engine::resp::Reply>,
}

/// The server's certificates as `openssl s_client` received them (leaf first), or why not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpensslChain {
    pub chain: Vec<CertificateInfo>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub run: RunInfo,
    pub steps: Vec<StepRow>,
    pub tracker: Tracker,
    pub waiting_for: Option<Step>,
    pub current_step: Option<Step>,
    pub client_hello: Option<HandshakeMessage>,
    pub server_hello: Option<HandshakeMessage>,
    pub tls: Option<TlsParams>,
    pub chain: Vec<CertificateInfo>,
    pub verified_name: Option<String>,
    pub verdict: Option<(bool, Option<String>)>,
    /// A trusted CA of the same organisation as an issuer that could not be found.
    pub related_trusted_ca: Option<String>,
    pub insecure: bool,
    /// With `--insecure`: why the server's handshake signature was accepted unchecked.
    pub signature_not_checked: Option<String>,
    pub certificate_request: Option<CertificateRequestInfo>,
    /// `Some(sent)` once the client answered a CertificateRequest.
    /// `Some(will_send)` once the client chose its answer to a CertificateRequest.
    pub client_certificate_chosen: Option<bool>,
    pub client_certificate_subject: Option<String>,
    pub secrets: Vec<SecretLabel>,
    /// `--show-secrets`: the key schedule, recomputed and checked (values in this process only).
    pub key_schedule: Option<crate::engine::keyschedule::KeySchedule>,
    pub records: Vec<(u64, RecordInfo)>,
    pub alerts: Vec<(u64, String)>,
    pub redis: RedisExchange,
    pub failure: Option<Failure>,
    pub probe: Option<ProbeResult>,
    /// The second opinion (OpenSSL-based redis-cli with the same flags), once it answered.
    pub cross_check: Option<crate::engine::opinion::CrossCheck>,
    /// After a step-2 handshake_failure: the server's chain as `openssl s_client` saw it.
    pub openssl_chain: Option<OpensslChain>,
    pub diagnosis: Option<Diagnosis>,
    pub outcome: Outcome,
    /// Every event so far, in order: the model's memory for look-back and recordings.
    pub events: Vec<Stamped>,
}

impl Model {
    pub fn new() -> Self {
        Self {
            steps: Step::ALL
                .into_iter()
                .map(|step| StepRow {
                    step,
                    status: StepStatus::Pending,
                    result: String::new(),
                    note: None,
                    started_us: None,
                    completed_us: None,
                    tracker_after: None,
                    completed_tracker: None,
                    first_event: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    /// Rebuild a model from a list of events.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Stamped>) -> Self {
        let mut model = Self::new();
        for e in events {
            model.apply(e.clone());
        }
        model
    }

    pub fn step(&self, step: Step) -> Option<&StepRow> {
        self.steps.get(step.index())
    }

    fn row(&mut self, step: Step) -> Option<&mut StepRow> {
        self.steps.get_mut(step.index())
    }

    /// Whether the client's certificate actually left: its choice, once step 5 happened.
    pub fn client_certificate_sent(&self) -> Option<bool> {
        let step5 = self.step(Step::ClientCertificate)?.status;
        matches!(step5, StepStatus::Done | StepStatus::Failed)
            .then_some(self.client_certificate_chosen)
            .flatten()
    }

    pub fn is_tls13(&self) -> bool {
        match &self.server_hello {
            Some(HandshakeMessage::ServerHello { version, .. }) => *version == TlsVersion::Tls13,
            _ => self
                .tls
                .as_ref()
                .is_some_and(|t| t.version == TlsVersion::Tls13),
        }
    }

    /// The step the model would show as "now": the one running or waiting, else the last done.
    pub fn focus_step(&self) -> Step {
        self.current_step
            .or(self.waiting_for)
            .or_else(|| {
                self.steps
                    .iter()
                    .rev()
                    .find(|r| r.status != StepStatus::Pending)
                    .map(|r| r.step)
            })
            .unwrap_or(Step::Connect)
    }

    /// How long tlsviz's own run took: up to its last event, not counting the second opinion
    /// or openssl's look at the certificate (other processes, which may answer later).
    pub fn duration_us(&self) -> u64 {
        self.events
            .iter()
            .rev()
            .find(|e| {
                !matches!(
                    e.event,
                    Event::CrossCheck(_) | Event::PeerChainSeenByOpenssl { .. }
                )
            })
            .map(|e| e.at_us)
            .unwrap_or(0)
    }

    /// Whether this connection resumed an earlier one's session: rustls's verdict once the
    /// handshake is complete, the ServerHello's answer before that.
    pub fn resumed(&self) -> bool {
        match &self.tls {
            Some(params) => params.resumed,
            None => resumption::accepted(self),
        }
    }

    pub fn steps_done(&self) -> usize {
        self.steps
            .iter()
            .filter(|r| matches!(r.status, StepStatus::Done | StepStatus::Skipped))
            .count()
    }

    /// Fold one event into the model.
    pub fn apply(&mut self, stamped: Stamped) {
        let at = stamped.at_us;
        let index = self.events.len();
        self.events.push(stamped.clone());
        match stamped.event {
            Event::RunStarted(info) => {
                self.insecure = info.insecure;
                if !info.tls {
                    self.tracker.encryption_status = EncryptionStatus::Off;
                }
                self.run = info;
            }
            Event::Waiting { step } => {
                self.waiting_for = Some(step);
                if let Some(row) = self.row(step) {
                    if row.status == StepStatus::Pending {
                        row.status = StepStatus::Waiting;
                    }
                }
            }
            Event::StepStarted { step } => {
                self.waiting_for = None;
                self.current_step = Some(step);
                if let Some(row) = self.row(step) {
                    row.status = StepStatus::Running;
                    row.started_us = Some(at);
                    row.first_event.get_or_insert(index);
                }
            }
            Event::StepCompleted { step } => self.complete_step(step, at),
            Event::StepSkipped { step, reason } => {
                if let Some(row) = self.row(step) {
                    row.status = StepStatus::Skipped;
                    row.result = reason;
                    row.first_event.get_or_insert(index);
                }
                let tracker = self.tracker.clone();
                if let Some(row) = self.row(step) {
                    row.tracker_after = Some(tracker);
                }
            }
            Event::TcpConnected { .. } => {}
            Event::Record(info) => {
                for message in &info.messages {
                    match message {
                        HandshakeMessage::ClientHello { .. } => {
                            self.client_hello.get_or_insert_with(|| message.clone());
                        }
                        HandshakeMessage::ServerHello { .. } => {
                            self.server_hello = Some(message.clone())
                        }
                        _ => {}
                    }
                }
                self.records.push((at, info));
            }
            Event::CertificateRequested(request) => self.certificate_request = Some(request),
            Event::ClientCertificate {
                chosen: sent,
                subject,
            } => {
                self.client_certificate_chosen = Some(sent);
                self.client_certificate_subject = subject;
            }
            Event::ServerCertificates { server_name, chain } => {
                self.verified_name = Some(server_name);
                self.chain = chain;
            }
            Event::CertificateVerdict {
                verified,
                insecure,
                reason,
                related_trusted_ca,
            } => {
                self.verdict = Some((verified, reason.clone()));
                self.related_trusted_ca = related_trusted_ca;
                if !verified && !insecure {
                    self.tracker.certificate_validity = CertificateValidity::Invalid;
                    self.tracker.certificate_note = reason;
                }
            }
            Event::SecretDerived { label } => self.secrets.push(SecretLabel { at_us: at, label }),
            Event::KeySchedule(schedule) => self.key_schedule = Some(schedule),
            Event::HandshakeComplete(params) => self.tls = Some(params),
            Event::DataSent { command, .. } => {
                if command.to_ascii_uppercase().starts_with("AUTH") {
                    self.redis.auth_sent = true;
                } else {
                    self.redis.command = Some(command);
                }
            }
            Event::DataReceived { reply, error, resp } => {
                self.redis.reply = Some(reply);
                self.redis.reply_is_error = error;
                self.redis.reply_resp = resp;
            }
            Event::Alert {
                direction,
                level,
                description,
                code,
            } => self.alerts.push((
                at,
                format!("{direction}: {level} alert {description} ({code})"),
            )),
            Event::Closed { .. } => {}
            Event::SignatureNotChecked { reason } => {
                let said = format!(
                    "The handshake signature was not checked either ({reason}): nothing proves the \
                     server holds the key of the certificate it sent."
                );
                if let Some(row) = self.row(Step::Verify) {
                    row.note = Some(match row.note.take() {
                        Some(note) => format!("{note} {said}"),
                        None => said,
                    });
                }
                self.signature_not_checked = Some(reason);
            }
            Event::Failed(failure) => self.fail(failure, at),
            Event::CrossCheck(check) => self.cross_check = Some(check),
            Event::PeerChainSeenByOpenssl { chain, error } => {
                self.openssl_chain = Some(OpensslChain { chain, error });
                // The certificate openssl saw can name the cause of a step-2 refusal.
                if let Some(failure) = self.failure.clone() {
                    self.fail(failure, at);
                }
            }
            Event::Probe(probe) => {
                self.probe = Some(probe);
                // The probe can change the verdict (a silent port that answers plain PING).
                if let Some(failure) = self.failure.clone() {
                    self.fail(failure, at);
                }
            }
        }
    }

    fn complete_step(&mut self, step: Step, at: u64) {
        self.tracker = results::tracker_after(self, step);
        let mut result = results::step_result(self, step);
        let mut note = results::step_note(self, step);
        if step == Step::Handshake {
            if let Some(said) = resumption::handshake_note(self) {
                note = Some(match note {
                    Some(n) => format!("{said} {n}"),
                    None => said,
                });
            }
            if resumption::accepted(self) {
                self.tracker.certificate_note = Some(resumption::NOT_RECHECKED.into());
            }
        }
        if let Some((resumed_result, resumed_note)) = resumption::resumed_words(self, step) {
            if !resumed_result.is_empty() {
                result = resumed_result;
            }
            note = Some(resumed_note);
        }
        let tracker = self.tracker.clone();
        if let Some(row) = self.row(step) {
            row.status = StepStatus::Done;
            row.result = result;
            row.note = note;
            row.completed_us = Some(at);
            row.completed_tracker = Some(tracker.clone());
            row.tracker_after = Some(tracker);
        }
        if self.current_step == Some(step) {
            self.current_step = None;
        }
        if step == Step::Close {
            self.outcome = Outcome::Ok;
        }
    }

    fn fail(&mut self, failure: Failure, at: u64) {
        self.failure = Some(failure);
        self.outcome = Outcome::Failed;
        self.waiting_for = None;
        self.tracker.connection_state = ConnectionState::Failed;
        if self.tracker.encryption_status != EncryptionStatus::None {
            self.tracker.encryption_status = EncryptionStatus::Off;
        }
        self.rediagnose();
        let Some(diagnosis) = self.diagnosis.clone() else {
            return;
        };
        if diagnosis.step == Step::Verify
            && self.tracker.certificate_validity != CertificateValidity::Invalid
        {
            self.tracker.certificate_validity = CertificateValidity::Invalid;
            self.tracker.certificate_note = Some(diagnosis.message.clone());
        }
        let tracker = self.tracker.clone();
        let noticed = self
            .failure
            .as_ref()
            .map(Failure::step)
            .unwrap_or(diagnosis.step);
        for row in &mut self.steps {
            if row.step == diagnosis.step {
                row.status = StepStatus::Failed;
                row.result = format!("✗ {}", diagnosis.headline());
                if diagnosis.step != noticed {
                    row.note = Some(format!(
                        "The failure was noticed at step {noticed} and belongs here."
                    ));
                }
                row.completed_us.get_or_insert(at);
                row.tracker_after = Some(tracker.clone());
            } else if matches!(row.status, StepStatus::Running | StepStatus::Waiting) {
                row.status = StepStatus::Interrupted;
                row.result = format!("stopped: step {} failed", diagnosis.step);
                row.tracker_after = Some(tracker.clone());
            }
        }
        self.current_step = None;
    }

    fn rediagnose(&mut self) {
        if let Some(failure) = &self.failure {
            self.diagnosis = Some(diagnose::diagnose(failure, self));
        }
    }
}

#[cfg(test)]
mod tests;
