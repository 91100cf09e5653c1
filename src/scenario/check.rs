//! Running scenarios headless against the lab and comparing with what they expect.

use super::{ExpectedOutcome, Scenario};
use crate::errors::UsageError;
use crate::lab::{Lab, ServerChoice};
use crate::model::{Model, Outcome};
use crate::topology::{cluster, CheckOptions, TopologyReport};
use std::time::{Duration, Instant};

/// One scenario's run.
pub struct Checked {
    pub scenario: Scenario,
    pub model: Model,
    pub elapsed: Duration,
    /// The redis.conf lines the lab used.
    pub conf_lines: Vec<String>,
    pub server: String,
    /// A cluster scenario's whole check (`model` is then its seed's run).
    pub topology: Option<TopologyReport>,
}

impl Checked {
    pub fn got(&self) -> String {
        if let Some(report) = &self.topology {
            return topology_got(report);
        }
        match (&self.model.outcome, &self.model.diagnosis) {
            (Outcome::Ok, _) if self.scenario.expect.resumed.is_some() => {
                if self.model.resumed() {
                    "ok, resumed".into()
                } else {
                    "ok, not resumed".into()
                }
            }
            (Outcome::Ok, _) => "ok".into(),
            (_, Some(d)) => format!("{}:{}", d.step, d.kind),
            _ => "incomplete".into(),
        }
    }

    /// Does what happened match `expect`?
    pub fn matches(&self) -> bool {
        let expect = &self.scenario.expect;
        if let Some(report) = &self.topology {
            return match expect.outcome {
                ExpectedOutcome::Ok => report.all_fine(),
                ExpectedOutcome::Failed => {
                    let kind = report.diagnosis.as_ref().map(|d| d.kind.as_str());
                    let failing: Vec<_> = report.nodes.iter().filter(|n| !n.ok()).collect();
                    kind == expect.topology.map(|k| k.as_str())
                        && expect.node_kind.is_none_or(|want| {
                            !failing.is_empty()
                                && failing.iter().all(|n| {
                                    n.model.diagnosis.as_ref().map(|d| d.kind) == Some(want)
                                })
                        })
                }
            };
        }
        match expect.outcome {
            ExpectedOutcome::Ok => {
                self.model.outcome == Outcome::Ok
                    && expect.resumed.is_none_or(|r| r == self.model.resumed())
            }
            ExpectedOutcome::Failed => self.model.diagnosis.as_ref().is_some_and(|d| {
                self.model.outcome == Outcome::Failed
                    && Some(d.step) == expect.step
                    && expect.kind == Some(d.kind)
            }),
        }
    }
}

/// Start the scenario's lab, run its client through the nine steps, stop the lab.
pub async fn run(scenario: &Scenario, server: ServerChoice) -> Result<Checked, UsageError> {
    let (_keep, never) = tokio::sync::watch::channel(false);
    run_until(scenario, server, never).await
}

/// The same, given up (and its lab stopped) as soon as `cancel` turns true.
pub async fn run_until(
    scenario: &Scenario,
    server: ServerChoice,
    mut cancel: tokio::sync::watch::Receiver<bool>,
) -> Result<Checked, UsageError> {
    let started = Instant::now();
    if scenario.lab.cluster {
        return run_cluster_until(scenario, server, cancel, started).await;
    }
    let input = format!("scenario {}", scenario.name);
    let options = scenario.lab_options(server);
    // A lab being started cannot be interrupted; it is stopped right after if need be.
    let lab = Lab::start_async(options)
        .await
        .map_err(|e| UsageError::new(&input, e.to_string(), e.hint()))?;
    let interrupted = || UsageError::new(&input, "interrupted", "");
    let cancelled_already = *cancel.borrow();
    if cancelled_already {
        lab.stop().await;
        return Err(interrupted());
    }
    let target = match crate::target::build(&scenario.target_spec(&lab)).and_then(|t| {
        if scenario.client.resume {
            crate::target::sharing_sessions(t)
        } else {
            Ok(t)
        }
    }) {
        Ok(t) => t,
        Err(e) => {
            lab.stop().await;
            return Err(e);
        }
    };
    // A resuming client: the second connection is the one that counts (the first one's
    // failure, if any, stands when there is no second).
    let run = async {
        if scenario.client.resume {
            let (first, second) = crate::runner::run_pair_to_models(&target).await;
            second.unwrap_or(first)
        } else {
            crate::runner::run_to_model(&target).await
        }
    };
    let model = tokio::select! {
        model = run => model,
        _ = until_cancelled(&mut cancel) => {
            lab.stop().await;
            return Err(interrupted());
        }
    };
    let conf_lines = lab.conf_lines.clone();
    let server = lab.server_description.clone();
    lab.stop().await;
    Ok(Checked {
        scenario: scenario.clone(),
        model,
        elapsed: started.elapsed(),
        conf_lines,
        server,
        topology: None,
    })
}

/// A cluster scenario: start its cluster, check it from the first node, stop it.
async fn run_cluster_until(
    scenario: &Scenario,
    server: ServerChoice,
    mut cancel: tokio::sync::watch::Receiver<bool>,
    started: Instant,
) -> Result<Checked, UsageError> {
    let interrupted = || UsageError::new(format!("scenario {}", scenario.name), "interrupted", "");
    let session = super::start_cluster(scenario, server).await?;
    let options = CheckOptions::default();
    let report = tokio::select! {
        report = cluster::check_cluster(&session.target, &options) => report,
        _ = until_cancelled(&mut cancel) => {
            session.lab.stop().await;
            return Err(interrupted());
        }
    };
    let conf_lines = session.lab.conf_lines.clone();
    session.lab.stop().await;
    Ok(Checked {
        scenario: scenario.clone(),
        model: report.seed.clone(),
        elapsed: started.elapsed(),
        conf_lines,
        server: "redis-server (3-node cluster)".into(),
        topology: Some(report),
    })
}

/// What a topology check found, as `expect` says it.
fn topology_got(report: &TopologyReport) -> String {
    let Some(d) = &report.diagnosis else {
        return if report.all_fine() {
            "ok".into()
        } else {
            "failed, no diagnosis".into()
        };
    };
    let mut kinds: Vec<String> = report
        .nodes
        .iter()
        .filter(|n| !n.ok())
        .filter_map(|n| n.model.diagnosis.as_ref().map(|d| d.kind.to_string()))
        .collect();
    kinds.sort();
    kinds.dedup();
    let nodes = if kinds.is_empty() {
        String::new()
    } else {
        format!(", nodes {}", kinds.join("/"))
    };
    format!("topology:{}{nodes}", d.kind)
}

/// Run several scenarios, a few at a time, results in the order given.
pub async fn run_all(
    scenarios: Vec<Scenario>,
    server: ServerChoice,
) -> Vec<Result<Checked, UsageError>> {
    let (_keep, never) = tokio::sync::watch::channel(false);
    run_all_until(scenarios, server, never).await
}

/// The same; when `cancel` turns true every run stops its lab and ends.
pub async fn run_all_until(
    scenarios: Vec<Scenario>,
    server: ServerChoice,
    cancel: tokio::sync::watch::Receiver<bool>,
) -> Vec<Result<Checked, UsageError>> {
    const AT_ONCE: usize = 4;
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
    let mut handles = Vec::new();
    for scenario in scenarios {
        let limit = limit.clone();
        let mut cancel = cancel.clone();
        handles.push(tokio::spawn(async move {
            // Hold the permit for the whole run: at most AT_ONCE labs at a time.
            let _permit = tokio::select! {
                permit = limit.acquire_owned() => permit,
                _ = until_cancelled(&mut cancel) => {
                    return Err(UsageError::new(format!("scenario {}", scenario.name), "interrupted", ""));
                }
            };
            run_until(&scenario, server, cancel).await
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

/// Resolves once `cancel` is true; never if its sender is gone without cancelling.
async fn until_cancelled(cancel: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        let stop = *cancel.borrow_and_update();
        if stop {
            return;
        }
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
