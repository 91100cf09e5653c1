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

use crate::diagnose::topology::{NodeFacts, SetupKind, TopologyDiagnosis};
use crate::engine::Target;
use crate::model::{Model, Outcome};
use read::Announced;

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
        }
    }

    /// The seed failed: its diagnosis is the summary's.
    fn seed_failed(mut self) -> Self {
        self.diagnosis = self
            .seed
            .diagnosis
            .as_ref()
            .map(TopologyDiagnosis::from_seed);
        self
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
