//! From a failure and the evidence gathered before it to a stable kind, the step it belongs to,
//! a plain explanation and a concrete fix.

mod builder;
mod certs;
mod chain;
mod handshake;
pub mod opinion;
mod resumption;
mod rules;
mod tls;
pub mod topology;

use crate::engine::step::Step;
use serde::{Deserialize, Serialize};

pub use chain::{find_fault, Clue, Fault, Property};
pub use rules::diagnose;

/// Stable error kinds: the JSON's `error.kind`, scenario expectations and tests all use these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    ConnectionRefused,
    UnsupportedServerKey,
    WeakKey,
    UnsupportedSignatureAlgorithm,
    WrongKeyUsage,
    NotACa,
    NameConstraintViolation,
    UnsupportedCriticalExtension,
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
    ResumptionRefused,
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
    /// The stable name, as serde writes it (a test keeps the two equal).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::ConnectionRefused => "connection_refused",
            ErrorKind::UnsupportedServerKey => "unsupported_server_key",
            ErrorKind::WeakKey => "weak_key",
            ErrorKind::NotRedis => "not_redis",
            ErrorKind::UnsupportedSignatureAlgorithm => "unsupported_signature_algorithm",
            ErrorKind::WrongKeyUsage => "wrong_key_usage",
            ErrorKind::NotACa => "not_a_ca",
            ErrorKind::NameConstraintViolation => "name_constraint_violation",
            ErrorKind::UnsupportedCriticalExtension => "unsupported_critical_extension",
            ErrorKind::HostNotFound => "host_not_found",
            ErrorKind::ConnectTimeout => "connect_timeout",
            ErrorKind::NetworkError => "network_error",
            ErrorKind::HandshakeTimeout => "handshake_timeout",
            ErrorKind::PlaintextPort => "plaintext_port",
            ErrorKind::NotTls => "not_tls",
            ErrorKind::BadRecord => "bad_record",
            ErrorKind::PeerClosed => "peer_closed",
            ErrorKind::ProtocolVersion => "protocol_version",
            ErrorKind::NoSharedCipher => "no_shared_cipher",
            ErrorKind::TlsAlert => "tls_alert",
            ErrorKind::ResumptionRefused => "resumption_refused",
            ErrorKind::TlsError => "tls_error",
            ErrorKind::UnknownIssuer => "unknown_issuer",
            ErrorKind::SelfSigned => "self_signed",
            ErrorKind::MissingIntermediate => "missing_intermediate",
            ErrorKind::CertificateExpired => "certificate_expired",
            ErrorKind::CertificateNotYetValid => "certificate_not_yet_valid",
            ErrorKind::HostnameMismatch => "hostname_mismatch",
            ErrorKind::BadCertificate => "bad_certificate",
            ErrorKind::ClientCertificateRequired => "client_certificate_required",
            ErrorKind::ClientCertificateRejected => "client_certificate_rejected",
            ErrorKind::AuthRequired => "auth_required",
            ErrorKind::AuthFailed => "auth_failed",
            ErrorKind::RedisError => "redis_error",
            ErrorKind::ReplyTimeout => "reply_timeout",
            ErrorKind::TlsRequired => "tls_required",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::IoError => "io_error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// The one certificate the failure is about, when there is one.
    #[serde(default)]
    pub certificate: Option<CertificateAtFault>,
}

/// Which certificate a failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertRole {
    Leaf,
    Intermediate,
    Root,
    Client,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateAtFault {
    pub role: CertRole,
    /// Position in the chain as the server sent it (0 = leaf); `None` for a root from the trust
    /// store or for the client's certificate.
    pub position: Option<usize>,
    pub subject: String,
}

impl Diagnosis {
    pub fn headline(&self) -> String {
        format!("{}: {}", self.kind, self.message)
    }
}

#[cfg(test)]
mod tests;
