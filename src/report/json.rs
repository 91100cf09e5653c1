//! `--json`: one object per line on stdout, nothing else. The contract is in README.md.

use super::Reporter;
use crate::engine::events::{Event, Stamped};
use crate::engine::step::Step;
use crate::model::steps::{self, StepStatus};
use crate::model::{Model, Outcome};
use serde_json::{json, Value};
use std::io::Write;

pub struct JsonReporter<W: Write> {
    out: W,
    /// The run's warnings and notes (also on stderr), listed in the summary's `warnings`.
    warnings: Vec<String>,
}

impl<W: Write> JsonReporter<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            warnings: Vec::new(),
        }
    }

    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }

    fn line(&mut self, value: &Value) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// The `step` object: the row as it stands, with the tracker after it.
pub fn step_object(model: &Model, step: Step, at_us: u64) -> Value {
    let row = model.step(step);
    json!({
        "type": "step",
        "at_us": at_us,
        "step": step,
        "action": steps::action(step),
        "details": steps::details(step),
        "status": row.map(|r| r.status).unwrap_or_default(),
        "result": row.map(|r| r.result.clone()).unwrap_or_default(),
        "note": row.and_then(|r| r.note.clone()),
        "tracker": row.and_then(|r| r.tracker_after.clone()).unwrap_or_else(|| model.tracker.clone()),
    })
}

/// The last line: what happened, in one object.
pub fn summary_object(model: &Model) -> Value {
    let failed = model.outcome == Outcome::Failed;
    let error = model.diagnosis.as_ref().map(|d| {
        json!({
            "kind": d.kind,
            "message": d.message,
            "explanation": d.explanation,
            "fix": d.fix,
            "evidence": d.evidence,
            "redis_cli": d.redis_cli,
        })
    });
    let tls = match (&model.tls, &model.server_hello) {
        (Some(p), _) => json!({
            "version": p.version,
            "cipher_suite": p.cipher_suite,
            "key_exchange_group": p.key_exchange_group,
        }),
        (
            None,
            Some(crate::engine::events::HandshakeMessage::ServerHello {
                version,
                cipher_suite,
                key_share_group,
            }),
        ) => json!({
            "version": version,
            "cipher_suite": cipher_suite,
            "key_exchange_group": key_share_group,
        }),
        _ => Value::Null,
    };
    json!({
        "type": "summary",
        "at_us": model.events.last().map(|e| e.at_us).unwrap_or(0),
        "outcome": if failed { "failed" } else if model.outcome == Outcome::Ok { "ok" } else { "incomplete" },
        "failed_step": model.diagnosis.as_ref().filter(|_| failed).map(|d| d.step),
        "error": if failed { error.unwrap_or(Value::Null) } else { Value::Null },
        "target": { "host": model.run.host, "port": model.run.port, "server_name": model.run.server_name, "tls": model.run.tls },
        "insecure": model.insecure,
        "tls": tls,
        "server_certificate": model.chain.first(),
        "client_certificate": {
            "requested": model.certificate_request.is_some(),
            "sent": model.client_certificate_sent().unwrap_or(false),
            "accepted_cas": model.certificate_request.as_ref().map(|r| r.ca_names.clone()),
        },
        "redis": { "command": model.redis.command, "reply": model.redis.reply },
        "tracker": model.tracker,
        "steps_completed": model.steps.iter().filter(|r| r.status == StepStatus::Done).count(),
        "duration_us": model.events.last().map(|e| e.at_us).unwrap_or(0),
        "cross_check": model.cross_check.as_ref().map(|c| {
            let comparison = crate::diagnose::opinion::compare(model);
            json!({
                "by": c.by,
                "version": c.version,
                "verdict": c.verdict,
                "reason": c.reason,
                "command": c.command,
                "agrees": comparison.as_ref().and_then(|c| c.agrees),
            })
        }),
        "warnings": crate::diagnose::opinion::compare(model)
            .and_then(|c| c.disagreement)
            .into_iter()
            .collect::<Vec<_>>(),
    })
}

impl<W: Write> Reporter for JsonReporter<W> {
    fn preamble(&mut self, p: &super::record::Preamble) -> std::io::Result<()> {
        self.line(&json!({
            "type": "scenario",
            "at_us": 0,
            "name": p.name,
            "title": p.title,
            "summary": p.summary,
            "lesson": p.lesson,
            "redis_conf": p.redis_conf,
            "server": p.server,
        }))
    }

    fn event(&mut self, model: &Model, stamped: &Stamped) -> std::io::Result<()> {
        match &stamped.event {
            Event::StepCompleted { step } | Event::StepSkipped { step, .. } => {
                let obj = step_object(model, *step, stamped.at_us);
                self.line(&obj)
            }
            Event::StepStarted { .. } => Ok(()),
            Event::Failed(_) => {
                // The step the failure belongs to, and any step it interrupted, as they now stand.
                let rows: Vec<Step> = model
                    .steps
                    .iter()
                    .filter(|r| matches!(r.status, StepStatus::Failed | StepStatus::Interrupted))
                    .map(|r| r.step)
                    .collect();
                for step in rows {
                    let obj = step_object(model, step, stamped.at_us);
                    self.line(&obj)?;
                }
                let value = serde_json::to_value(stamped).unwrap_or(Value::Null);
                self.line(&value)
            }
            _ => {
                let value = serde_json::to_value(stamped).unwrap_or(Value::Null);
                self.line(&value)
            }
        }
    }

    fn finish(&mut self, model: &Model) -> std::io::Result<()> {
        let mut summary = summary_object(model);
        // The cross-check's disagreement first, then what `connect` printed before the run.
        if let Some(list) = summary["warnings"].as_array_mut() {
            list.extend(self.warnings.iter().map(|w| json!(w)));
        } else {
            summary["warnings"] = json!(self.warnings);
        }
        self.line(&summary)
    }
}
