//! Running scenarios headless against the lab and comparing with what they expect.

use super::{ExpectedOutcome, Scenario};
use crate::engine::pace::{EventSink, Pace};
use crate::errors::UsageError;
use crate::lab::{Lab, ServerChoice};
use crate::model::{Model, Outcome};
use std::time::{Duration, Instant};

/// One scenario's run.
pub struct Checked {
    pub scenario: Scenario,
    pub model: Model,
    pub elapsed: Duration,
    /// The redis.conf lines the lab used.
    pub conf_lines: Vec<String>,
    pub server: String,
}

impl Checked {
    pub fn got(&self) -> String {
        match (&self.model.outcome, &self.model.diagnosis) {
            (Outcome::Ok, _) => "ok".into(),
            (_, Some(d)) => format!("{}:{}", d.step, d.kind),
            _ => "incomplete".into(),
        }
    }

    /// Does what happened match `expect`?
    pub fn matches(&self) -> bool {
        let expect = &self.scenario.expect;
        match expect.outcome {
            ExpectedOutcome::Ok => self.model.outcome == Outcome::Ok,
            ExpectedOutcome::Failed => self.model.diagnosis.as_ref().is_some_and(|d| {
                self.model.outcome == Outcome::Failed
                    && Some(d.step) == expect.step
                    && expect.kind.as_deref() == Some(d.kind.as_str().as_str())
            }),
        }
    }
}

/// Start the scenario's lab, run its client through the nine steps, stop the lab.
pub async fn run(scenario: &Scenario, server: ServerChoice) -> Result<Checked, UsageError> {
    let started = Instant::now();
    let options = scenario.lab_options(server);
    let lab = tokio::task::spawn_blocking(move || Lab::start(options))
        .await
        .map_err(|e| UsageError::new(format!("scenario {}", scenario.name), e.to_string(), ""))?
        .map_err(|e| {
            UsageError::new(
                format!("scenario {}", scenario.name),
                e.0,
                "is redis-server installed?",
            )
        })?;
    let target = crate::cli::target::build(&scenario.connect_args(&lab))?;
    let (sink, mut rx) = EventSink::channel();
    let engine = tokio::spawn(async move { crate::engine::run(&target, Pace::Auto, sink).await });
    let mut model = Model::new();
    while let Some(event) = rx.recv().await {
        model.apply(event);
    }
    let _ = engine.await;
    let conf_lines = lab
        .conf_lines
        .iter()
        .map(|l| l.replace("{PORT}", &lab.port.to_string()))
        .collect();
    let server = lab.server_description.clone();
    tokio::task::spawn_blocking(move || drop(lab)).await.ok();
    Ok(Checked {
        scenario: scenario.clone(),
        model,
        elapsed: started.elapsed(),
        conf_lines,
        server,
    })
}

/// Run several scenarios, a few at a time, results in the order given.
pub async fn run_all(
    scenarios: Vec<Scenario>,
    server: ServerChoice,
) -> Vec<Result<Checked, UsageError>> {
    const AT_ONCE: usize = 4;
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let mut handles = Vec::new();
    for scenario in scenarios {
        let limit = limit.clone();
        handles.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            run(&scenario, server).await
        }));
    }
    let mut results = Vec::new();
    for handle in handles {
        results.push(
            handle
                .await
                .unwrap_or_else(|e| Err(UsageError::new("check", e.to_string(), ""))),
        );
    }
    results
}
