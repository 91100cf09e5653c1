//! From a failure and the evidence gathered before it to a stable kind, the step it belongs to,
//! a plain explanation and a concrete fix.

mod builder;
pub mod opinion;
mod rules;
mod tls;

use crate::engine::step::Step;
use serde::{Deserialize, Serialize};

pub use rules::diagnose;

/// Stable error kinds: the JSON's `error.kind`, scenario expectations and tests all use these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    ConnectionRefused,
    HostNotFound,
    ConnectTimeout,
    NetworkError,
    HandshakeTimeout,
    PlaintextPort,
    NotTls,
    BadRecord,
    PeerClosed,
    ProtocolVersion,
    NoSharedCipher,
    TlsAlert,
    TlsError,
    UnknownIssuer,
    SelfSigned,
    MissingIntermediate,
    CertificateExpired,
    CertificateNotYetValid,
    HostnameMismatch,
    BadCertificate,
    ClientCertificateRequired,
    ClientCertificateRejected,
    AuthRequired,
    AuthFailed,
    RedisError,
    NotRedis,
    ReplyTimeout,
    TlsRequired,
    Cancelled,
    IoError,
}

impl ErrorKind {
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// One piece of evidence: a label and the real value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub kind: ErrorKind,
    /// The step the failure belongs to (not always the step where it was noticed).
    pub step: Step,
    /// The precise technical cause.
    pub message: String,
    /// What happened, in plain words, tied to the step.
    pub explanation: String,
    /// What to change: a flag, a file, a redis.conf directive.
    pub fix: String,
    pub evidence: Vec<Evidence>,
    /// Where redis-cli would behave differently.
    pub redis_cli: Option<String>,
}

impl Diagnosis {
    pub fn headline(&self) -> String {
        format!("{}: {}", self.kind, self.message)
    }
}

#[cfg(test)]
mod tests;
