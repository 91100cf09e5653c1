//! Diagnoses about a whole Redis Cluster or Sentinel setup, made from the per-node checks and
//! what the seed (or the sentinel) said: which nodes a client is sent to, and why it fails on
//! them. Every sentence is computed from the facts given here.

use super::{Diagnosis, ErrorKind, Evidence};
use crate::engine::events::CertificateInfo;
use crate::engine::step::Step;
use serde::Serialize;

/// What kind of setup was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetupKind {
    Cluster,
    Sentinel,
}

/// How a node is announced to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncedAs {
    Ip,
    Hostname,
}

impl AnnouncedAs {
    pub fn of(host: &str) -> Self {
        if crate::engine::bare_host(host)
            .parse::<std::net::IpAddr>()
            .is_ok()
        {
            AnnouncedAs::Ip
        } else {
            AnnouncedAs::Hostname
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Master,
    Replica,
}

/// The topology-level kinds (the per-node kinds are [`ErrorKind`]s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopologyKind {
    AnnouncedEndpointNotInCertificate,
    ClusterBusTls,
    MixedNodeCertificates,
    NodesFailed,
    ClusterStateFail,
    NotACluster,
    NotASentinel,
}

impl TopologyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TopologyKind::AnnouncedEndpointNotInCertificate => {
                "announced_endpoint_not_in_certificate"
            }
            TopologyKind::ClusterBusTls => "cluster_bus_tls",
            TopologyKind::MixedNodeCertificates => "mixed_node_certificates",
            TopologyKind::NodesFailed => "nodes_failed",
            TopologyKind::ClusterStateFail => "cluster_state_fail",
            TopologyKind::NotACluster => "not_a_cluster",
            TopologyKind::NotASentinel => "not_a_sentinel",
        }
    }
}

/// The summary's diagnosis: a topology kind, or the seed's own kind when the seed failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyDiagnosis {
    pub kind: String,
    pub message: String,
    pub explanation: String,
    pub fix: String,
    pub evidence: Vec<Evidence>,
}

impl TopologyDiagnosis {
    /// The seed answered, but not as a cluster node (or a sentinel that knows the master):
    /// `reply` is what it said to `command`.
    pub fn not_the_setup(kind: SetupKind, seed: &str, command: &str, reply: &str) -> Self {
        let (kind, what, fix) = match kind {
            SetupKind::Cluster => (
                TopologyKind::NotACluster,
                "a Redis Cluster node",
                "Point -h/-p at a node started with cluster-enabled yes, or use tlsviz connect \
                 for a single server.",
            ),
            SetupKind::Sentinel => (
                TopologyKind::NotASentinel,
                "a Sentinel that monitors this master",
                "Point -h/-p at a sentinel (port 26379 by default) and give --master the name \
                 from its `sentinel monitor NAME …` line (SENTINEL MASTERS lists them).",
            ),
        };
        TopologyDiagnosis {
            kind: kind.as_str().into(),
            message: format!("{seed} answered {command} with: {reply}"),
            explanation: format!(
                "TLS to {seed} works, but it does not answer as {what}, so there is no \
                 topology to follow."
            ),
            fix: fix.into(),
            evidence: vec![ev(command, reply)],
        }
    }

    /// The seed's own diagnosis, as the summary's.
    pub fn from_seed(d: &Diagnosis) -> Self {
        TopologyDiagnosis {
            kind: d.kind.as_str().to_string(),
            message: format!(
                "the seed itself failed at step {}: {}",
                d.step.number(),
                d.message
            ),
            explanation: d.explanation.clone(),
            fix: d.fix.clone(),
            evidence: d.evidence.clone(),
        }
    }
}

/// One node as a client reaches it, and how its check went.
#[derive(Debug, Clone)]
pub struct NodeFacts {
    /// `host:port` as announced (and dialled).
    pub address: String,
    pub announced_as: AnnouncedAs,
    /// The node's own diagnosis; `None` when its check succeeded.
    pub failure: Option<Diagnosis>,
    /// The certificate it served, if one arrived.
    pub leaf: Option<CertificateInfo>,
}

/// A peer as the seed sees it in `CLUSTER NODES`.
#[derive(Debug, Clone)]
pub struct PeerState {
    pub address: String,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TopologyFacts {
    pub kind: SetupKind,
    /// The seed (or sentinel) as the user named it, and the name its certificate was checked
    /// against.
    pub seed_address: String,
    pub seed_name: String,
    pub seed_leaf: Option<CertificateInfo>,
    pub nodes: Vec<NodeFacts>,
    /// `cluster_state` from `CLUSTER INFO`.
    pub cluster_state: Option<String>,
    /// Peers the seed lists in `handshake`, `fail` or `fail?` state.
    pub troubled_peers: Vec<PeerState>,
    /// Cluster-bus addresses (`ip:cport`) that refused or ignored a TCP connect.
    pub bus_unreachable: Vec<String>,
    /// `CLUSTER INFO` lines worth showing (`cluster_slots_assigned`, `cluster_known_nodes`…).
    pub cluster_info: Vec<(String, String)>,
}

/// The topology's diagnosis, or `None` when every node is fine and the cluster says `ok`.
pub fn diagnose_topology(facts: &TopologyFacts) -> Option<TopologyDiagnosis> {
    let state_fail = facts.cluster_state.as_deref() == Some("fail");
    if state_fail {
        let stuck = facts
            .troubled_peers
            .iter()
            .any(|p| p.flags.iter().any(|f| f == "handshake"));
        // A peer that never finishes the bus handshake is forgotten after
        // cluster-node-timeout: certificates without clientAuth still tell.
        let certs_refused = facts
            .seed_leaf
            .iter()
            .chain(facts.nodes.iter().filter_map(|n| n.leaf.as_ref()))
            .any(lacks_client_auth);
        if stuck || certs_refused || !facts.bus_unreachable.is_empty() {
            return Some(cluster_bus(facts));
        }
    }
    let failed: Vec<&NodeFacts> = facts.nodes.iter().filter(|n| n.failure.is_some()).collect();
    let mismatched: Vec<&NodeFacts> = failed
        .iter()
        .copied()
        .filter(|n| kind_of(n) == Some(ErrorKind::HostnameMismatch))
        .collect();
    if !mismatched.is_empty() {
        return Some(announced_endpoint(facts, &mismatched));
    }
    if !failed.is_empty() {
        return Some(odd_nodes(facts, &failed));
    }
    if state_fail {
        return Some(state_only(facts));
    }
    None
}

fn kind_of(node: &NodeFacts) -> Option<ErrorKind> {
    node.failure.as_ref().map(|d| d.kind)
}

fn ev(label: &str, value: impl Into<String>) -> Evidence {
    Evidence {
        label: label.into(),
        value: value.into(),
    }
}

fn sans(leaf: Option<&CertificateInfo>) -> String {
    match leaf {
        Some(c) if !c.san.is_empty() => c.san.join(", "),
        Some(c) => format!("none (CN {})", c.common_name.as_deref().unwrap_or("-")),
        None => "no certificate received".into(),
    }
}

/// Where a certificate's extendedKeyUsage leaves out clientAuth (an absent EKU allows any).
fn lacks_client_auth(c: &CertificateInfo) -> bool {
    c.eku_present && !c.extended_key_usage.iter().any(|u| u == "clientAuth")
}

fn announced_endpoint(facts: &TopologyFacts, mismatched: &[&NodeFacts]) -> TopologyDiagnosis {
    let by_ip = mismatched.iter().any(|n| n.announced_as == AnnouncedAs::Ip);
    let mut evidence = vec![ev(
        "seed",
        format!(
            "{} checked as {:?}: certificate names {}",
            facts.seed_address,
            facts.seed_name,
            sans(facts.seed_leaf.as_ref())
        ),
    )];
    for n in mismatched {
        evidence.push(ev(
            "announced node",
            format!(
                "{} (announced as {}): certificate names {}",
                n.address,
                match n.announced_as {
                    AnnouncedAs::Ip => "ip",
                    AnnouncedAs::Hostname => "hostname",
                },
                sans(n.leaf.as_ref())
            ),
        ));
    }
    let names: Vec<&str> = mismatched.iter().map(|n| n.address.as_str()).collect();
    let (what, where_from) = match facts.kind {
        SetupKind::Cluster => (
            "nodes",
            "CLUSTER SHARDS / CLUSTER SLOTS and MOVED redirects",
        ),
        SetupKind::Sentinel => ("servers", "SENTINEL GET-MASTER-ADDR-BY-NAME / REPLICAS"),
    };
    let message = format!(
        "the seed {} works by name {:?}, but {} of {} {what} are announced by {} that their \
         certificates do not name: {}",
        facts.seed_address,
        facts.seed_name,
        mismatched.len(),
        facts.nodes.len(),
        if by_ip { "an address" } else { "a name" },
        names.join(", ")
    );
    let fix = match facts.kind {
        SetupKind::Cluster => format!(
            "Announce the nodes by a name their certificates carry: in each node's redis.conf \
             `cluster-announce-hostname <its DNS name>` and `cluster-preferred-endpoint-type \
             hostname` (Redis 7+), so CLUSTER SHARDS / SLOTS and MOVED send clients to names. Or \
             reissue the node certificates with the announced {} as subjectAltNames{}. Or map \
             announced addresses to names in the client (ioredis natMap, Jedis \
             HostAndPortMapper, Lettuce MappingSocketAddressResolver).",
            if by_ip { "addresses" } else { "names" },
            if by_ip { " (IP:…)" } else { "" }
        ),
        SetupKind::Sentinel => format!(
            "Make Sentinel hand out names: in sentinel.conf `sentinel resolve-hostnames yes` and \
             `sentinel announce-hostnames yes`, the master monitored by its DNS name, and on \
             each replica `replica-announce-ip <its DNS name>` (`sentinel announce-ip` for the \
             sentinels themselves). Or reissue the certificates with the announced {} as \
             subjectAltNames{}.",
            if by_ip { "addresses" } else { "names" },
            if by_ip { " (IP:…)" } else { "" }
        ),
    };
    TopologyDiagnosis {
        kind: TopologyKind::AnnouncedEndpointNotInCertificate
            .as_str()
            .into(),
        message,
        explanation: format!(
            "A client connects to the seed by the name you gave, then follows {where_from} to \
             the endpoints the setup announces, and checks each certificate against that \
             endpoint. Clients that check names (redis-py, node, Go, Java, redis-rs, tlsviz) fail \
             there with \"… is not in the cert's list\"; redis-cli (and hiredis by default) never \
             checks names, so `redis-cli -c` connects and hides the problem."
        ),
        fix,
        evidence,
    }
}

fn odd_nodes(facts: &TopologyFacts, failed: &[&NodeFacts]) -> TopologyDiagnosis {
    let all_certificate = failed.iter().all(|n| {
        n.failure
            .as_ref()
            .is_some_and(|d| d.step == Step::Verify || d.step == Step::ServerCertificate)
    });
    let ok = facts.nodes.len() - failed.len();
    let kind = if all_certificate && (ok > 0 || distinct_kinds(failed) > 1) {
        TopologyKind::MixedNodeCertificates
    } else {
        TopologyKind::NodesFailed
    };
    let mut evidence = Vec::new();
    for n in failed {
        let Some(d) = &n.failure else { continue };
        let cert = n
            .leaf
            .as_ref()
            .map(|c| {
                format!(
                    "; certificate {} issued by {}, valid until {}",
                    c.subject, c.issuer, c.not_after
                )
            })
            .unwrap_or_default();
        evidence.push(ev(&n.address, format!("{}: {}{cert}", d.kind, d.message)));
    }
    let odd: Vec<String> = failed
        .iter()
        .filter_map(|n| {
            n.failure
                .as_ref()
                .map(|d| format!("{} ({})", n.address, d.kind))
        })
        .collect();
    let mut fixes: Vec<String> = Vec::new();
    for n in failed {
        if let Some(d) = &n.failure {
            let line = format!("{}: {}", n.address, d.fix);
            if !fixes.contains(&line) {
                fixes.push(line);
            }
        }
    }
    TopologyDiagnosis {
        kind: kind.as_str().into(),
        message: format!(
            "{} of {} nodes failed: {}",
            failed.len(),
            facts.nodes.len(),
            odd.join(", ")
        ),
        explanation: format!(
            "The seed works and {ok} node{} pass{}, but a client is sent to every node that owns \
             slots (or to the master Sentinel names), so it fails as soon as it reaches {}.",
            if ok == 1 { "" } else { "s" },
            if ok == 1 { "es" } else { "" },
            if failed.len() == 1 {
                "that node"
            } else {
                "one of these"
            }
        ),
        fix: fixes.join(" "),
        evidence,
    }
}

fn distinct_kinds(failed: &[&NodeFacts]) -> usize {
    let mut kinds: Vec<ErrorKind> = failed.iter().filter_map(|n| kind_of(n)).collect();
    kinds.sort_by_key(|k| k.as_str());
    kinds.dedup();
    kinds.len()
}

#[path = "topology_state.rs"]
mod state;
use state::{cluster_bus, state_only};

#[cfg(test)]
#[path = "topology_tests.rs"]
mod tests;
