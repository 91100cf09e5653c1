//! The nine steps of the lesson: their actions (shared words) and what each means.

pub use crate::engine::step::Step;
use serde::{Deserialize, Serialize};

/// Action names, exactly as the lesson's table and the JSON say them.
pub const ACTIONS: [&str; 9] = [
    "Client starts connection",
    "TLS handshake begins",
    "Server sends certificate",
    "Client verifies certificate",
    "Client sends certificate",
    "Keys exchanged",
    "Encrypted channel established",
    "Data transfer",
    "Connection closed",
];

/// What happens in each step, in one line (the table's "details" column).
pub const DETAILS: [&str; 9] = [
    "TCP connection to the Redis TLS port",
    "ClientHello out (versions, suites, key shares), ServerHello back with the choices",
    "The server presents its certificate chain",
    "The chain is checked against the trusted CAs, the clock and the name asked for",
    "If the server asked: the client's own certificate, proving who the client is",
    "Both sides hold the same secret keys; nobody on the path can compute them",
    "Finished messages both ways prove that nobody tampered with the handshake",
    "Redis commands and replies travel as encrypted records",
    "close_notify says goodbye so truncation can be told from an attack",
];

pub fn action(step: Step) -> &'static str {
    ACTIONS[step.index()]
}

pub fn details(step: Step) -> &'static str {
    DETAILS[step.index()]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    #[default]
    Pending,
    /// Manual pacing: the engine holds before this step until "next".
    Waiting,
    Running,
    Done,
    /// The step does not apply (no TLS).
    Skipped,
    Failed,
    /// A later failure stopped the run before this step finished.
    Interrupted,
}

impl StepStatus {
    /// A mark that carries the meaning without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            StepStatus::Pending => "·",
            StepStatus::Waiting => "⏸",
            StepStatus::Running => "⏳",
            StepStatus::Done => "✓",
            StepStatus::Skipped => "–",
            StepStatus::Failed => "✗",
            StepStatus::Interrupted => "!",
        }
    }
}
