//! `--json`: one object per line on stdout, nothing else. Each line is a [`RunLine`] of the
//! public schema (`report::schema`), made from the model and the events by `report::to_json`.

use super::record::Preamble;
use super::schema::RunLine;
use super::{to_json, Reporter};
use crate::engine::events::{Event, Stamped};
use crate::engine::step::Step;
use crate::model::steps::StepStatus;
use crate::model::Model;
use serde::Serialize;
use std::io::Write;

pub struct JsonReporter<W: Write> {
    out: W,
    /// The run's warnings and notes (also on stderr), listed in the summary's `warnings`.
    warnings: Vec<String>,
    /// A `key_schedule` line with secret values was printed (`--show-secrets`).
    secrets_shown: bool,
}

impl<W: Write> JsonReporter<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            warnings: Vec::new(),
            secrets_shown: false,
        }
    }

    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }

    fn line(&mut self, line: &RunLine) -> std::io::Result<()> {
        write_line(&mut self.out, line)
    }

    /// The steps that failed or were interrupted, as they stand in `model`.
    fn failed_steps(&mut self, model: &Model, at_us: u64) -> std::io::Result<()> {
        let rows: Vec<Step> = model
            .steps
            .iter()
            .filter(|r| matches!(r.status, StepStatus::Failed | StepStatus::Interrupted))
            .map(|r| r.step)
            .collect();
        for step in rows {
            self.line(&RunLine::Step(to_json::step(model, step, at_us)))?;
        }
        Ok(())
    }
}

/// One JSON object and a newline, flushed so that a reader sees each line as it happens.
pub fn write_line(mut out: impl Write, line: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut out, line)?;
    out.write_all(b"\n")?;
    out.flush()
}

impl<W: Write> Reporter for JsonReporter<W> {
    fn preamble(&mut self, preamble: &Preamble) -> std::io::Result<()> {
        self.line(&RunLine::Scenario(to_json::scenario(preamble)))
    }

    fn event(&mut self, model: &Model, stamped: &Stamped) -> std::io::Result<()> {
        match &stamped.event {
            Event::StepCompleted { step } | Event::StepSkipped { step, .. } => {
                self.line(&RunLine::Step(to_json::step(model, *step, stamped.at_us)))?;
            }
            Event::Failed(_) => {
                // The step the failure belongs to, and any step it interrupted, as they now
                // stand; then the failure itself.
                self.failed_steps(model, stamped.at_us)?;
            }
            Event::KeySchedule(schedule) => {
                self.secrets_shown |= schedule.entries.iter().any(|e| e.value.is_some());
            }
            _ => {}
        }
        if let Some(mut line) = to_json::event(stamped) {
            if let crate::report::schema::event::EventJson::SecretDerived { step, .. } =
                &mut line.event
            {
                // The step under way, so a reader need not guess from the line order (a step's
                // line comes at its end, after its events).
                *step = model
                    .events
                    .len()
                    .checked_sub(1)
                    .and_then(|i| crate::model::arrivals::step_at(&model.events, i))
                    .map(|s| s.number());
            }
            self.line(&RunLine::Event(line))?;
        }
        // openssl's look at the certificate can change the diagnosis of a step-2 refusal: the
        // failed step again, as it now stands.
        if matches!(stamped.event, Event::PeerChainSeenByOpenssl { .. }) {
            self.failed_steps(model, stamped.at_us)?;
        }
        Ok(())
    }

    fn finish(&mut self, model: &Model) -> std::io::Result<()> {
        let mut summary = to_json::summary(model);
        // The cross-check's disagreement first, then what `connect` said before the run.
        summary.warnings.extend(self.warnings.iter().cloned());
        if self.secrets_shown {
            summary.warnings.push(super::keys::WARNING.to_string());
        }
        self.line(&RunLine::Summary(Box::new(summary)))
    }
}
