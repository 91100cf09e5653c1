//! From the engine's events and the model to the public lines of [`super::schema`]. The only
//! place that knows both sides: when an internal type changes, this file follows and the lines
//! stay what they are (the snapshots in tests/snapshots say whether they did).

use super::record::Preamble;
use super::schema::event::{
    CertificateRequestJson, DecryptedJson, DirectionJson, EventJson, FailureJson, FieldJson,
    HandshakeMessageJson, HelloResumptionJson, PreSharedKeyJson, ProbeJson, RecordJson,
    RunStartedJson, TlsErrorDetailJson,
};
use super::schema::{
    CertificateAtFaultJson, CertificateJson, ClientCertificateJson, CrossCheckJson, ErrorJson,
    EventLine, EvidenceJson, OutcomeJson, RedisJson, ScenarioJson, StepJson, SummaryJson,
    TargetJson, TlsJson, TrackerJson,
};
use crate::diagnose::{Diagnosis, Evidence};
use crate::engine::annotate::Field;
use crate::engine::events::{
    CertificateInfo, CertificateRequestInfo, Direction, Event, Failure, HandshakeMessage,
    HelloResumption, ProbeResult, RecordInfo, RunInfo, Stamped, TlsErrorDetail, TlsParams,
};
use crate::engine::records::hex;
use crate::engine::step::Step;
use crate::model::steps::{self, StepStatus};
use crate::model::tracker::Tracker;
use crate::model::{Model, Outcome};

/// The `scenario` line.
pub fn scenario(preamble: &Preamble) -> ScenarioJson<'_> {
    ScenarioJson {
        at_us: 0,
        name: &preamble.name,
        title: &preamble.title,
        summary: &preamble.summary,
        lesson: &preamble.lesson,
        redis_conf: strs(&preamble.redis_conf),
        server: preamble.server.as_deref(),
    }
}

/// The `step` line: the row as it stands, with the tracker after it (the current one if the
/// row has none yet).
pub fn step(model: &Model, step: Step, at_us: u64) -> StepJson<'_> {
    let row = model.step(step);
    StepJson {
        at_us,
        step: step.number(),
        action: steps::action(step),
        details: steps::details(step),
        status: row.map(|r| r.status).unwrap_or_default(),
        result: row.map(|r| r.result.as_str()).unwrap_or_default(),
        note: row.and_then(|r| r.note.as_deref()),
        tracker: tracker(
            row.and_then(|r| r.tracker_after.as_ref())
                .unwrap_or(&model.tracker),
        ),
    }
}

/// The `summary` line.
pub fn summary(model: &Model) -> SummaryJson<'_> {
    let failed = model.outcome == Outcome::Failed;
    let diagnosis = model.diagnosis.as_ref().filter(|_| failed);
    let last_at = model.events.last().map(|e| e.at_us).unwrap_or(0);
    let comparison = crate::diagnose::opinion::compare(model);
    SummaryJson {
        at_us: last_at,
        outcome: match model.outcome {
            Outcome::Ok => OutcomeJson::Ok,
            Outcome::Failed => OutcomeJson::Failed,
            Outcome::Running => OutcomeJson::Incomplete,
        },
        failed_step: diagnosis.map(|d| d.step.number()),
        error: diagnosis.map(error),
        target: TargetJson {
            host: &model.run.host,
            port: model.run.port,
            server_name: &model.run.server_name,
            tls: model.run.tls,
        },
        insecure: model.insecure,
        tls: negotiated(model),
        resumed: model.resumed(),
        server_certificate: model.chain.first().map(CertificateJson::from),
        client_certificate: ClientCertificateJson {
            requested: model.certificate_request.is_some(),
            sent: model.client_certificate_sent().unwrap_or(false),
            accepted_cas: model
                .certificate_request
                .as_ref()
                .map(|r| strs(&r.ca_names)),
        },
        redis: RedisJson {
            command: model.redis.command.as_deref(),
            reply: model.redis.reply.as_deref(),
        },
        tracker: tracker(&model.tracker),
        steps_completed: model
            .steps
            .iter()
            .filter(|r| r.status == StepStatus::Done)
            .count(),
        duration_us: model.duration_us(),
        cross_check: model.cross_check.as_ref().map(|c| CrossCheckJson {
            by: c.by,
            version: c.version.as_deref(),
            verdict: c.verdict,
            reason: c.reason.as_deref(),
            command: &c.command,
            agrees: comparison.as_ref().and_then(|c| c.agrees),
        }),
        warnings: comparison
            .and_then(|c| c.disagreement)
            .into_iter()
            .collect(),
    }
}

/// What the handshake settled on; before it finishes, what the ServerHello chose.
fn negotiated(model: &Model) -> Option<TlsJson<'_>> {
    match (&model.tls, &model.server_hello) {
        (Some(params), _) => Some(TlsJson::from(params)),
        (
            None,
            Some(HandshakeMessage::ServerHello {
                version,
                cipher_suite,
                key_share_group,
                ..
            }),
        ) => Some(TlsJson {
            version: *version,
            cipher_suite,
            key_exchange_group: key_share_group.as_deref(),
        }),
        _ => None,
    }
}

fn error(d: &Diagnosis) -> ErrorJson<'_> {
    ErrorJson {
        kind: d.kind,
        message: &d.message,
        explanation: &d.explanation,
        fix: &d.fix,
        evidence: d.evidence.iter().map(EvidenceJson::from).collect(),
        redis_cli: d.redis_cli.as_deref(),
        certificate: d.certificate.as_ref().map(|c| CertificateAtFaultJson {
            role: c.role,
            position: c.position,
            subject: &c.subject,
        }),
    }
}

fn tracker(t: &Tracker) -> TrackerJson<'_> {
    TrackerJson {
        connection_state: t.connection_state,
        encryption_status: t.encryption_status,
        certificate_validity: t.certificate_validity,
        certificate_note: t.certificate_note.as_deref(),
    }
}

/// The event's own line; `None` for the step events, which the reporter shows as `step` lines.
pub fn event(stamped: &Stamped) -> Option<EventLine<'_>> {
    let event = match &stamped.event {
        Event::StepStarted { .. } | Event::StepCompleted { .. } | Event::StepSkipped { .. } => {
            return None
        }
        Event::RunStarted(info) => EventJson::RunStarted(info.into()),
        Event::Waiting { step } => EventJson::Waiting {
            step: step.number(),
        },
        Event::TcpConnected { peer, local } => EventJson::TcpConnected { peer, local },
        Event::Record(info) => EventJson::Record(info.into()),
        Event::CertificateRequested(request) => EventJson::CertificateRequested(request.into()),
        Event::ClientCertificate { chosen, subject } => EventJson::ClientCertificate {
            chosen: *chosen,
            subject: subject.as_deref(),
        },
        Event::ServerCertificates { server_name, chain } => EventJson::ServerCertificates {
            server_name,
            chain: chain.iter().map(CertificateJson::from).collect(),
        },
        Event::CertificateVerdict {
            verified,
            insecure,
            reason,
            related_trusted_ca,
        } => EventJson::CertificateVerdict {
            verified: *verified,
            insecure: *insecure,
            reason: reason.as_deref(),
            related_trusted_ca: related_trusted_ca.as_deref(),
        },
        Event::SecretDerived { label } => EventJson::SecretDerived { label, step: None },
        Event::KeySchedule(schedule) => EventJson::KeySchedule(schedule.into()),
        Event::HandshakeComplete(params) => EventJson::HandshakeComplete(params.into()),
        Event::DataSent {
            command,
            plaintext_len,
            encrypted,
        } => EventJson::DataSent {
            command,
            plaintext_len: *plaintext_len,
            encrypted: *encrypted,
        },
        Event::DataReceived { reply, error, .. } => EventJson::DataReceived {
            reply,
            error: *error,
        },
        Event::Alert {
            direction,
            level,
            description,
            code,
        } => EventJson::Alert {
            direction: (*direction).into(),
            level,
            description,
            code: *code,
        },
        Event::Closed { close_notify_sent } => EventJson::Closed {
            close_notify_sent: *close_notify_sent,
        },
        Event::Failed(failure) => EventJson::Failed(failure.into()),
        Event::Probe(probe) => EventJson::Probe(probe.into()),
        Event::SignatureNotChecked { reason } => EventJson::SignatureNotChecked { reason },
        Event::CrossCheck(check) => EventJson::CrossCheck(check),
        Event::PeerChainSeenByOpenssl { chain, error } => EventJson::PeerChainSeenByOpenssl {
            chain: chain.iter().map(CertificateJson::from).collect(),
            error: error.as_deref(),
        },
    };
    Some(EventLine {
        event,
        at_us: stamped.at_us,
    })
}

fn strs(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

impl From<Direction> for DirectionJson {
    fn from(direction: Direction) -> Self {
        match direction {
            Direction::Out => DirectionJson::Out,
            Direction::In => DirectionJson::In,
        }
    }
}

impl<'a> From<&'a RunInfo> for RunStartedJson<'a> {
    fn from(info: &'a RunInfo) -> Self {
        RunStartedJson {
            host: &info.host,
            port: info.port,
            tls: info.tls,
            server_name: &info.server_name,
            sni_sent: info.sni_sent,
            tls_versions: info.tls_versions.clone(),
            trust: &info.trust,
            client_certificate: info.client_certificate.as_deref(),
            insecure: info.insecure,
            user: info.user.as_deref(),
            password_given: info.password_given,
            command: &info.command,
            timeout_ms: info.timeout_ms,
        }
    }
}

impl<'a> From<&'a RecordInfo> for RecordJson<'a> {
    fn from(info: &'a RecordInfo) -> Self {
        RecordJson {
            direction: info.direction.into(),
            content_type: info.content_type,
            version: info.version,
            length: info.length,
            encrypted: info.encrypted,
            messages: info
                .messages
                .iter()
                .map(HandshakeMessageJson::from)
                .collect(),
            head_hex: &info.head_hex,
            note: info.note.as_deref(),
            hex: info.bytes.as_ref().map(|b| hex(&b.hex)),
            fields: info.bytes.as_ref().map(|b| fields(&b.fields)),
            decrypted: info
                .bytes
                .as_ref()
                .and_then(|b| b.decrypted.as_ref())
                .map(|d| DecryptedJson {
                    epoch: d.epoch.to_string(),
                    seq: d.seq,
                    nonce: hex(&d.nonce),
                    plaintext_hex: hex(&d.plaintext),
                    inner_content_type: d.inner_content_type,
                    fields: fields(&d.fields),
                }),
        }
    }
}

fn fields(fields: &[Field]) -> Vec<FieldJson<'_>> {
    fields
        .iter()
        .map(|f| FieldJson {
            offset: f.offset,
            len: f.len,
            name: &f.name,
            value: &f.value,
        })
        .collect()
}

impl<'a> From<&'a HandshakeMessage> for HandshakeMessageJson<'a> {
    fn from(message: &'a HandshakeMessage) -> Self {
        match message {
            HandshakeMessage::ClientHello {
                versions,
                cipher_suites,
                groups,
                key_shares,
                sni,
                alpn,
                signature_algorithms,
                resumption,
            } => HandshakeMessageJson::ClientHello {
                versions: versions.clone(),
                cipher_suites: strs(cipher_suites),
                groups: strs(groups),
                key_shares: strs(key_shares),
                sni: sni.as_deref(),
                alpn: strs(alpn),
                signature_algorithms: strs(signature_algorithms),
                resumption: resumption.as_deref().map(HelloResumptionJson::from),
            },
            HandshakeMessage::ServerHello {
                version,
                cipher_suite,
                key_share_group,
                resumption,
            } => HandshakeMessageJson::ServerHello {
                version: *version,
                cipher_suite,
                key_share_group: key_share_group.as_deref(),
                resumption: resumption.as_deref().map(HelloResumptionJson::from),
            },
            HandshakeMessage::Certificate { count } => {
                HandshakeMessageJson::Certificate { count: *count }
            }
            HandshakeMessage::CertificateRequest => HandshakeMessageJson::CertificateRequest,
            HandshakeMessage::ServerKeyExchange => HandshakeMessageJson::ServerKeyExchange,
            HandshakeMessage::ServerHelloDone => HandshakeMessageJson::ServerHelloDone,
            HandshakeMessage::ClientKeyExchange => HandshakeMessageJson::ClientKeyExchange,
            HandshakeMessage::CertificateVerify => HandshakeMessageJson::CertificateVerify,
            HandshakeMessage::Finished => HandshakeMessageJson::Finished,
            HandshakeMessage::NewSessionTicket => HandshakeMessageJson::NewSessionTicket,
            HandshakeMessage::Other { name } => HandshakeMessageJson::Other { name },
        }
    }
}

impl<'a> From<&'a HelloResumption> for HelloResumptionJson<'a> {
    fn from(r: &'a HelloResumption) -> Self {
        HelloResumptionJson {
            pre_shared_key: r.pre_shared_key.as_ref().map(|psk| PreSharedKeyJson {
                identities: &psk.identities,
                binders: &psk.binders,
                selected: psk.selected,
            }),
            psk_key_exchange_modes: strs(&r.psk_key_exchange_modes),
            early_data: r.early_data,
            session_ticket: r.session_ticket,
            session_id: &r.session_id,
        }
    }
}

impl<'a> From<&'a CertificateRequestInfo> for CertificateRequestJson<'a> {
    fn from(request: &'a CertificateRequestInfo) -> Self {
        CertificateRequestJson {
            ca_names: strs(&request.ca_names),
            signature_schemes: strs(&request.signature_schemes),
        }
    }
}

impl<'a> From<&'a CertificateInfo> for CertificateJson<'a> {
    fn from(cert: &'a CertificateInfo) -> Self {
        CertificateJson {
            subject: &cert.subject,
            issuer: &cert.issuer,
            not_before: &cert.not_before,
            not_after: &cert.not_after,
            not_before_unix: cert.not_before_unix,
            not_after_unix: cert.not_after_unix,
            san: strs(&cert.san),
            key_type: &cert.key_type,
            signature_algorithm: &cert.signature_algorithm,
            sha256: &cert.sha256,
            is_ca: cert.is_ca,
            self_signed: cert.self_signed,
            extended_key_usage: strs(&cert.extended_key_usage),
            key_algorithm: &cert.key_algorithm,
            key_bits: cert.key_bits,
            key_curve: cert.key_curve.as_deref(),
            unknown_critical_extensions: strs(&cert.unknown_critical_extensions),
            common_name: cert.common_name.as_deref(),
        }
    }
}

impl<'a> From<&'a TlsParams> for TlsJson<'a> {
    fn from(params: &'a TlsParams) -> Self {
        TlsJson {
            version: params.version,
            cipher_suite: &params.cipher_suite,
            key_exchange_group: params.key_exchange_group.as_deref(),
        }
    }
}

impl<'a> From<&'a Evidence> for EvidenceJson<'a> {
    fn from(evidence: &'a Evidence) -> Self {
        EvidenceJson {
            label: &evidence.label,
            value: &evidence.value,
        }
    }
}

impl<'a> From<&'a Failure> for FailureJson<'a> {
    fn from(failure: &'a Failure) -> Self {
        match failure {
            Failure::HostNotFound { host, message } => FailureJson::HostNotFound { host, message },
            Failure::ConnectRefused { address } => FailureJson::ConnectRefused { address },
            Failure::ConnectTimeout { address } => FailureJson::ConnectTimeout { address },
            Failure::ConnectIo { address, message } => FailureJson::ConnectIo { address, message },
            Failure::Timeout { step, partial } => FailureJson::Timeout {
                step: step.number(),
                partial: *partial,
            },
            Failure::PeerClosed {
                step,
                reset,
                bytes_received,
                partial_record,
            } => FailureJson::PeerClosed {
                step: step.number(),
                reset: *reset,
                bytes_received: *bytes_received,
                partial_record: *partial_record,
            },
            Failure::NotTls {
                step,
                first_bytes_hex,
                first_bytes_text,
            } => FailureJson::NotTls {
                step: step.number(),
                first_bytes_hex,
                first_bytes_text,
            },
            Failure::NotRedis {
                step,
                first_bytes_hex,
                first_bytes_text,
                lookalike,
            } => FailureJson::NotRedis {
                step: step.number(),
                first_bytes_hex,
                first_bytes_text,
                lookalike,
            },
            Failure::RecordOverflow { step, length } => FailureJson::RecordOverflow {
                step: step.number(),
                length: *length,
            },
            Failure::Tls {
                step,
                error,
                detail,
            } => FailureJson::Tls {
                step: step.number(),
                error,
                detail: detail.into(),
            },
            Failure::RedisError {
                step,
                reply,
                during_auth,
            } => FailureJson::RedisError {
                step: step.number(),
                reply,
                during_auth: *during_auth,
            },
            Failure::Io { step, message } => FailureJson::Io {
                step: step.number(),
                message,
            },
            Failure::Cancelled { step } => FailureJson::Cancelled {
                step: step.number(),
            },
        }
    }
}

impl<'a> From<&'a TlsErrorDetail> for TlsErrorDetailJson<'a> {
    fn from(detail: &'a TlsErrorDetail) -> Self {
        match detail {
            TlsErrorDetail::AlertReceived { description, code } => {
                TlsErrorDetailJson::AlertReceived {
                    description,
                    code: *code,
                }
            }
            TlsErrorDetail::CertificateExpired { now, not_after } => {
                TlsErrorDetailJson::CertificateExpired {
                    now: *now,
                    not_after: *not_after,
                }
            }
            TlsErrorDetail::CertificateNotValidYet { now, not_before } => {
                TlsErrorDetailJson::CertificateNotValidYet {
                    now: *now,
                    not_before: *not_before,
                }
            }
            TlsErrorDetail::UnknownIssuer => TlsErrorDetailJson::UnknownIssuer,
            TlsErrorDetail::NotValidForName {
                expected,
                presented,
            } => TlsErrorDetailJson::NotValidForName {
                expected: expected.as_deref(),
                // Recordings made before the names were translated still read as names.
                presented: presented
                    .iter()
                    .map(|n| crate::engine::tls_error::presented_name(n))
                    .collect(),
            },
            TlsErrorDetail::BadCertificate { reason, problem } => {
                TlsErrorDetailJson::BadCertificate {
                    reason,
                    problem: problem.as_ref(),
                }
            }
            TlsErrorDetail::PeerIncompatible { reason } => {
                TlsErrorDetailJson::PeerIncompatible { reason }
            }
            TlsErrorDetail::PeerMisbehaved { reason } => {
                TlsErrorDetailJson::PeerMisbehaved { reason }
            }
            TlsErrorDetail::Other => TlsErrorDetailJson::Other,
        }
    }
}

impl<'a> From<&'a ProbeResult> for ProbeJson<'a> {
    fn from(probe: &'a ProbeResult) -> Self {
        ProbeJson {
            reply_text: &probe.reply_text,
            reply_hex: &probe.reply_hex,
            redis_reply: probe.redis_reply,
            timed_out: probe.timed_out,
            error: probe.error.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests;
