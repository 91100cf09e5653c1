//! Lines of `tlsviz cluster` and `tlsviz sentinel`, after the seed's own run lines: one `node`
//! line per announced node, then one `topology_summary`.

use super::event::CertificateJson;
use super::EvidenceJson;
use crate::diagnose::topology::{AnnouncedAs, Role, SetupKind};
use crate::diagnose::ErrorKind;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TopologyLine<'a> {
    Node(Box<NodeJson<'a>>),
    TopologySummary(TopologySummaryJson<'a>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeVerdictJson {
    Ok,
    Failed,
}

/// `{"type":"node",…}`: one node, checked by the endpoint the setup announces.
#[derive(Debug, Clone, Serialize)]
pub struct NodeJson<'a> {
    /// `host:port` as announced (and dialled).
    pub address: String,
    /// `ip` | `hostname`.
    pub announced_as: AnnouncedAs,
    /// `master` | `replica`; `null` for a peer the seed lists only in handshake.
    pub role: Option<Role>,
    /// Slot ranges, `0-5460,7000`; empty for a replica.
    pub slots: &'a str,
    /// How the seed (or the sentinel) lists it: `CLUSTER NODES` flags, `CLUSTER SHARDS` health
    /// or Sentinel's flags; `null` when not listed.
    pub state: Option<&'a str>,
    pub verdict: NodeVerdictJson,
    pub error: Option<NodeErrorJson<'a>>,
    /// The leaf the node served; `null` when none arrived.
    pub server_certificate: Option<CertificateJson<'a>>,
    /// The node's own run, microseconds.
    pub duration_us: u64,
}

/// A node's own diagnosis (its full evidence is in a `tlsviz connect` to it).
#[derive(Debug, Clone, Serialize)]
pub struct NodeErrorJson<'a> {
    pub kind: ErrorKind,
    /// The step it belongs to (1–9).
    pub step: u8,
    pub message: &'a str,
    pub explanation: &'a str,
    pub fix: &'a str,
}

/// `{"type":"topology_summary",…}`: last.
#[derive(Debug, Clone, Serialize)]
pub struct TopologySummaryJson<'a> {
    /// `cluster` | `sentinel`.
    pub kind: SetupKind,
    /// The seed (or sentinel) as given.
    pub seed: String,
    /// Whether the seed answered with a node list. `false` when the seed itself failed (the
    /// diagnosis is then its own, `nodes` 0) or did not answer as a cluster node / a sentinel
    /// that knows the master (`not_a_cluster`, `not_a_sentinel`).
    pub topology_read: bool,
    pub nodes: usize,
    pub ok: usize,
    pub failed: usize,
    /// `cluster_state` from the seed's `CLUSTER INFO`; `null` for Sentinel or when unread.
    pub cluster_state: Option<&'a str>,
    /// `null` when every node is fine (and the cluster says `ok`).
    pub diagnosis: Option<TopologyDiagnosisJson<'a>>,
    /// The whole check, microseconds.
    pub duration_us: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopologyDiagnosisJson<'a> {
    /// A topology kind (`announced_endpoint_not_in_certificate`, `cluster_bus_tls`,
    /// `mixed_node_certificates`, `nodes_failed`, `cluster_state_fail`, `not_a_cluster`,
    /// `not_a_sentinel`), or the seed's own kind when the seed failed.
    pub kind: &'a str,
    pub message: &'a str,
    pub explanation: &'a str,
    pub fix: &'a str,
    pub evidence: Vec<EvidenceJson<'a>>,
}
