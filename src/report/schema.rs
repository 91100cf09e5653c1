//! The public JSON contract: a type for every line tlsviz prints with `--json`. README.md
//! ("`--json` (the contract)") describes them; `tests/snapshots/output_snapshots__json_*.snap`
//! pin their bytes.
//!
//! These types are not the engine's events nor the model, on purpose: the engine may rename or
//! reshape its own types and only the conversion (`report::to_json`) has to follow, so a line
//! changes here or not at all. Field order is output order; `Option` is `null`, except where
//! `skip_serializing_if` says the field is left out.
//!
//! - [`RunLine`]: `connect --json`, `replay --json` and a scenario run with `--json`.
//! - [`commands`]: `scenarios --json`, `check --json`, `connect --repeat N --json`.
//! - [`compare`]: the `comparison` line ending `compare --json`.

pub mod commands;
pub mod compare;
pub mod event;
pub mod keys;
pub mod topology;

pub use event::{CertificateJson, EventLine, TlsJson};

use crate::diagnose::{CertRole, ErrorKind};
use crate::engine::opinion::{Tool, Verdict};
use crate::model::steps::StepStatus;
use crate::model::tracker::{CertificateValidity, ConnectionState, EncryptionStatus};
use serde::Serialize;

/// One line of a run's output. Every line has `type` and `at_us` (microseconds since the run
/// started).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunLine<'a> {
    /// First, and only for a scenario: what it shows and how its server was configured.
    Scenario(ScenarioJson<'a>),
    /// A step as it stands when it ends (done, skipped), fails or is interrupted.
    Step(StepJson<'a>),
    /// Last: the whole run in one object (boxed: it is much larger than the other lines).
    Summary(Box<SummaryJson<'a>>),
    /// Something that happened on the wire or in a hook, in order. It carries its own `type`
    /// (and its `at_us` last, as recordings do).
    #[serde(untagged)]
    Event(EventLine<'a>),
}

/// `{"type":"scenario",…}` before a scenario's trace.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioJson<'a> {
    /// Always 0: the preamble comes before the run starts.
    pub at_us: u64,
    pub name: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub lesson: &'a str,
    /// The redis.conf lines the lab used (passwords as `***`).
    pub redis_conf: Vec<&'a str>,
    /// The server the lab ran, e.g. `redis-server 7.0.15`.
    pub server: Option<&'a str>,
}

/// `{"type":"step",…}`: one row of the lesson's table.
#[derive(Debug, Clone, Serialize)]
pub struct StepJson<'a> {
    pub at_us: u64,
    /// 1–9.
    pub step: u8,
    /// The lesson's action, e.g. `Client verifies certificate`.
    pub action: &'static str,
    /// What the step means, in one line.
    pub details: &'static str,
    /// `done`, `skipped`, `failed` or `interrupted`.
    pub status: StepStatus,
    /// What really happened.
    pub result: &'a str,
    /// Where the wire differs from the lesson's order.
    pub note: Option<&'a str>,
    /// The tracker right after this step.
    pub tracker: TrackerJson<'a>,
}

/// The lesson's three variables.
#[derive(Debug, Clone, Serialize)]
pub struct TrackerJson<'a> {
    pub connection_state: ConnectionState,
    pub encryption_status: EncryptionStatus,
    pub certificate_validity: CertificateValidity,
    /// Why the certificate is `Invalid`, or that `--insecure` skipped the check; left out
    /// otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_note: Option<&'a str>,
}

/// `{"type":"summary",…}`: the last line.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryJson<'a> {
    /// The time of the last event.
    pub at_us: u64,
    pub outcome: OutcomeJson,
    /// The step the failure belongs to; `null` unless `outcome` is `failed`.
    pub failed_step: Option<u8>,
    /// `null` unless `outcome` is `failed`.
    pub error: Option<ErrorJson<'a>>,
    pub target: TargetJson<'a>,
    pub insecure: bool,
    /// What the handshake settled on, or what the ServerHello chose when the handshake did not
    /// finish; `null` before a ServerHello.
    pub tls: Option<TlsJson<'a>>,
    /// The handshake resumed an earlier connection's session (`connect --resume`): no
    /// certificate was sent or checked. False for a full handshake.
    pub resumed: bool,
    /// The leaf the server presented.
    pub server_certificate: Option<CertificateJson<'a>>,
    pub client_certificate: ClientCertificateJson<'a>,
    pub redis: RedisJson<'a>,
    pub tracker: TrackerJson<'a>,
    /// Steps with status `done`.
    pub steps_completed: usize,
    /// How long tlsviz's own run took (the second opinion, another process, not counted).
    pub duration_us: u64,
    /// What the machine's OpenSSL-based client decided with the same flags (`connect` only;
    /// `null` with `--no-cross-check` and for lab runs).
    pub cross_check: Option<CrossCheckJson<'a>>,
    /// Things the user must know that are not the failure itself: first of all, a
    /// disagreement between tlsviz and the second opinion.
    pub warnings: Vec<String>,
}

/// `summary.cross_check`.
#[derive(Debug, Clone, Serialize)]
pub struct CrossCheckJson<'a> {
    /// `redis-cli`, `openssl`, or `null` when neither is installed.
    pub by: Option<Tool>,
    pub version: Option<&'a str>,
    /// `ok` | `failed` | `unavailable` | `skipped`: what redis-cli with these flags would decide
    /// (handshake + PING).
    pub verdict: Verdict,
    /// OpenSSL's (or redis-cli's) own words.
    pub reason: Option<&'a str>,
    /// The command run, password never in it.
    pub command: &'a str,
    /// `null` when there is nothing to compare.
    pub agrees: Option<bool>,
}

/// The certificate a failure is about.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateAtFaultJson<'a> {
    /// `leaf` | `intermediate` | `root` | `client`.
    pub role: CertRole,
    /// Position in the chain as sent (0 = leaf); `null` for a trusted root or the client's.
    pub position: Option<usize>,
    pub subject: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeJson {
    Ok,
    Failed,
    /// A recording that ends before its run did.
    Incomplete,
}

/// The diagnosis of a failed run.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorJson<'a> {
    /// One of README's error kinds, e.g. `certificate_expired`.
    pub kind: ErrorKind,
    /// The precise technical cause.
    pub message: &'a str,
    pub explanation: &'a str,
    pub fix: &'a str,
    pub evidence: Vec<EvidenceJson<'a>>,
    /// Where redis-cli would behave differently.
    pub redis_cli: Option<&'a str>,
    /// The one certificate the failure is about, when it is about one.
    pub certificate: Option<CertificateAtFaultJson<'a>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceJson<'a> {
    pub label: &'a str,
    pub value: &'a str,
}

/// What the run connected to.
#[derive(Debug, Clone, Serialize)]
pub struct TargetJson<'a> {
    pub host: &'a str,
    pub port: u16,
    /// The name the certificate is checked against (and sent as SNI unless it is an address).
    pub server_name: &'a str,
    pub tls: bool,
}

/// Client authentication, from both sides.
#[derive(Debug, Clone, Serialize)]
pub struct ClientCertificateJson<'a> {
    /// The server sent a CertificateRequest.
    pub requested: bool,
    /// The client's certificate left at step 5.
    pub sent: bool,
    /// The CA names the server accepts; `null` when it did not ask.
    pub accepted_cas: Option<Vec<&'a str>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RedisJson<'a> {
    /// The command sent (AUTH is never shown here).
    pub command: Option<&'a str>,
    /// The reply as redis-cli prints it.
    pub reply: Option<&'a str>,
}
