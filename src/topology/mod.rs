//! Beyond one server: a Redis Cluster (`tlsviz cluster`) or a Sentinel setup (`tlsviz
//! sentinel`) checked the way clients reach it. The seed is checked as `connect` checks it,
//! the topology is read over checks of the seed that send `CLUSTER …` / `SENTINEL …`, then
//! every announced node gets its own full check by the endpoint it is announced by.
//!
//! `read` parses the replies, `check` runs the engine (bounded, in parallel), `cluster` and
//! `sentinel` put it together, `output` prints it. The diagnoses live in
//! `diagnose::topology`.

pub mod check;
pub mod cluster;
pub mod output;
pub mod read;
pub mod sentinel;

use crate::crosscheck::CrossCheckSpec;
use crate::diagnose::topology::{NodeFacts, SetupKind, TopologyDiagnosis};
use crate::engine::Target;
use crate::model::{Model, Outcome};
use read::Announced;

/// How a setup is checked besides the seed's own flags.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// `--sni` fixes the name checked on every node (as a client configured with one TLS
    /// server name does); otherwise each node is checked by its announced endpoint.
    pub sni_given: bool,
    /// The seed's second opinion (redis-cli, else openssl, with the same flags); `None` with
    /// `--no-cross-check`. Only the seed gets one: see README ("one second opinion").
    pub cross_check: Option<CrossCheckSpec>,
    /// Where the check tells what it has found so far (the TUI's table fills in from it).
    pub progress: Progress,
}

/// One thing a running check has found.
#[derive(Debug, Clone)]
pub enum Found {
    /// The seed's (or sentinel's) own check is over.
    Seed(Box<Model>),
    /// The nodes about to be checked, in the table's order.
    Nodes(Vec<Announced>),
    /// Node `index` (of [`Found::Nodes`]) has its verdict.
    Node { index: usize, model: Box<Model> },
}

/// A channel for [`Found`]s, or nowhere (headless runs print the whole report at the end).
#[derive(Debug, Clone, Default)]
pub struct Progress(Option<tokio::sync::mpsc::UnboundedSender<Found>>);

impl Progress {
    pub fn channel() -> (Progress, tokio::sync::mpsc::UnboundedReceiver<Found>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (Progress(Some(tx)), rx)
    }

    fn send(&self, found: Found) {
        if let Some(tx) = &self.0 {
            // Nobody listening any more (the TUI quit) is not our concern.
            let _ = tx.send(found);
        }
    }

    pub(crate) fn seed(&self, model: &Model) {
        if self.0.is_some() {
            self.send(Found::Seed(Box::new(model.clone())));
        }
    }

    pub(crate) fn nodes(&self, nodes: &[Announced]) {
        if self.0.is_some() {
            self.send(Found::Nodes(nodes.to_vec()));
        }
    }

    pub(crate) fn node(&self, index: usize, model: &Model) {
        if self.0.is_some() {
            self.send(Found::Node {
                index,
                model: Box::new(model.clone()),
            });
        }
    }
}

/// `rest` (the setup read from the seed's verdict, every node checked) runs while the seed's
/// second opinion finishes; then the whole seed check goes into the report, and a seed that
/// failed makes the summary its own.
async fn alongside_seed(
    seed_check: check::SeedCheck,
    progress: &Progress,
    started: std::time::Instant,
    rest: impl std::future::Future<Output = TopologyReport>,
) -> TopologyReport {
    let (mut report, seed_model) = tokio::join!(rest, seed_check.finish());
    report.seed = seed_model;
    progress.seed(&report.seed);
    if report.seed.outcome != Outcome::Ok {
        report = report.seed_failed();
    }
    report.duration = started.elapsed();
    report
}

/// One node and its check.
#[derive(Debug, Clone)]
pub struct NodeCheck {
    pub announced: Announced,
    pub model: Model,
}

impl NodeCheck {
    pub fn address(&self) -> String {
        crate::engine::host_port(&self.announced.host, self.announced.port)
    }

    pub fn ok(&self) -> bool {
        self.model.outcome == Outcome::Ok
    }

    fn facts(&self) -> NodeFacts {
        NodeFacts {
            address: self.address(),
            announced_as: self.announced.announced_as,
            failure: if self.ok() {
                None
            } else {
                self.model.diagnosis.clone()
            },
            leaf: self.model.chain.first().cloned(),
        }
    }
}

/// A whole setup, checked.
#[derive(Debug, Clone)]
pub struct TopologyReport {
    pub kind: SetupKind,
    /// The seed (or sentinel) checked as `connect` checks it.
    pub seed: Model,
    pub seed_address: String,
    pub nodes: Vec<NodeCheck>,
    pub cluster_state: Option<String>,
    pub diagnosis: Option<TopologyDiagnosis>,
    pub duration: std::time::Duration,
    /// The seed answered with a node list (false: it failed, or did not answer as a cluster
    /// node / a sentinel that knows the master; `nodes` is then empty).
    pub topology_read: bool,
}

impl TopologyReport {
    fn new(kind: SetupKind, seed_target: &Target, seed: Model) -> Self {
        TopologyReport {
            kind,
            seed,
            seed_address: crate::engine::host_port(&seed_target.host, seed_target.port),
            nodes: Vec::new(),
            cluster_state: None,
            diagnosis: None,
            duration: std::time::Duration::ZERO,
            topology_read: false,
        }
    }

    /// The seed failed: its diagnosis is the summary's, and no topology was read.
    fn seed_failed(mut self) -> Self {
        self.topology_read = false;
        self.diagnosis = self
            .seed
            .diagnosis
            .as_ref()
            .map(TopologyDiagnosis::from_seed);
        self
    }

    /// Where the seed's own check failed (step number, kind), when it did.
    pub fn seed_failure(&self) -> Option<(u8, String)> {
        if self.seed.outcome == Outcome::Ok {
            return None;
        }
        Some(match &self.seed.diagnosis {
            Some(d) => (d.step.number(), d.kind.as_str().to_string()),
            None => (self.seed.focus_step().number(), "no verdict".to_string()),
        })
    }

    /// Why no node list is shown, in one sentence, when none was read.
    pub fn unread_line(&self) -> Option<String> {
        if self.topology_read {
            return None;
        }
        let (what, who, asked) = match self.kind {
            SetupKind::Cluster => ("Cluster topology", "seed", "its nodes"),
            SetupKind::Sentinel => ("Sentinel setup", "sentinel", "the master and replicas"),
        };
        Some(match self.seed_failure() {
            Some((step, kind)) => format!(
                "{what} not read: the {who} {} failed at step {step} ({kind}), so it could not \
                 be asked for {asked}.",
                self.seed_address
            ),
            None => format!(
                "{what} not read: the {who} {} did not answer with {asked}.",
                self.seed_address
            ),
        })
    }

    pub fn ok_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.ok()).count()
    }

    /// Every node fine, the seed fine, and no topology diagnosis.
    pub fn all_fine(&self) -> bool {
        self.seed.outcome == Outcome::Ok
            && self.diagnosis.is_none()
            && self.nodes.iter().all(NodeCheck::ok)
    }
}
