//! A diagnosis, built field by field, and the small helpers the rules share.

use super::{Diagnosis, ErrorKind, Evidence};
use crate::engine::step::Step;
use crate::model::Model;

pub(super) struct Builder {
    d: Diagnosis,
}

impl Builder {
    pub(super) fn new(kind: ErrorKind, step: Step, message: impl Into<String>) -> Self {
        Self {
            d: Diagnosis {
                kind,
                step,
                message: message.into(),
                explanation: String::new(),
                fix: String::new(),
                evidence: Vec::new(),
                redis_cli: None,
                certificate: None,
            },
        }
    }
    pub(super) fn explain(mut self, s: impl Into<String>) -> Self {
        self.d.explanation = s.into();
        self
    }
    pub(super) fn fix(mut self, s: impl Into<String>) -> Self {
        self.d.fix = s.into();
        self
    }
    pub(super) fn evidence(mut self, label: &str, value: impl Into<String>) -> Self {
        self.d.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
        });
        self
    }
    pub(super) fn redis_cli(mut self, s: impl Into<String>) -> Self {
        self.d.redis_cli = Some(s.into());
        self
    }
    pub(super) fn certificate(mut self, at_fault: Option<super::CertificateAtFault>) -> Self {
        self.d.certificate = at_fault;
        self
    }
    pub(super) fn done(self) -> Diagnosis {
        self.d
    }
}

pub(super) fn target(model: &Model) -> String {
    crate::engine::host_port(&model.run.host, model.run.port)
}

pub(super) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// "3 days ago", "in 2 hours".
pub(super) fn ago(seconds: i64) -> String {
    let (n, unit) = match seconds.abs() {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if seconds >= 0 {
        format!("{n} {unit}{plural} ago")
    } else {
        format!("in {n} {unit}{plural}")
    }
}
