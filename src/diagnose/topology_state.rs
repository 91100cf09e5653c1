//! The diagnoses of a cluster that says `cluster_state:fail`: its bus (`cluster_bus_tls`) or
//! the state alone (`cluster_state_fail`), with what the seed's `CLUSTER INFO` says of why.

use super::{ev, lacks_client_auth, PeerState, TopologyDiagnosis, TopologyFacts, TopologyKind};

pub(super) fn cluster_bus(facts: &TopologyFacts) -> TopologyDiagnosis {
    let stuck: Vec<&PeerState> = facts
        .troubled_peers
        .iter()
        .filter(|p| p.flags.iter().any(|f| f == "handshake"))
        .collect();
    let mut evidence = vec![ev("cluster_state", "fail (CLUSTER INFO on the seed)")];
    for (k, v) in &facts.cluster_info {
        evidence.push(ev(k, v.clone()));
    }
    for p in &stuck {
        evidence.push(ev(
            "peer in CLUSTER NODES",
            format!("{} flags {}", p.address, p.flags.join(",")),
        ));
    }
    // The certificates the nodes serve are the ones they present on the bus unless
    // tls-client-cert-file is set.
    let mut no_client_auth = Vec::new();
    let seed = facts
        .seed_leaf
        .iter()
        .map(|c| (facts.seed_address.as_str(), c));
    let nodes = facts
        .nodes
        .iter()
        .filter_map(|n| n.leaf.as_ref().map(|c| (n.address.as_str(), c)));
    for (address, cert) in seed.chain(nodes) {
        if lacks_client_auth(cert) && !no_client_auth.iter().any(|(a, _)| *a == address) {
            no_client_auth.push((address, cert));
        }
    }
    for (address, cert) in &no_client_auth {
        evidence.push(ev(
            "node certificate",
            format!(
                "{address}: {} extendedKeyUsage {}",
                cert.subject,
                cert.extended_key_usage.join(", ")
            ),
        ));
    }
    for bus in &facts.bus_unreachable {
        evidence.push(ev("cluster bus port", format!("{bus}: no TCP connection")));
    }
    let mut causes = Vec::new();
    if !no_client_auth.is_empty() {
        causes.push(format!(
            "the node certificates ({}) allow serverAuth only, and with tls-cluster yes every \
             node opens the cluster bus to its peers as a TLS client presenting that certificate \
             (unless tls-client-cert-file is set); the peer requires clientAuth of a client \
             certificate and refuses it (alert unsupported_certificate). Redis logs that refusal \
             (\"Error accepting cluster node connection\") only at loglevel verbose; at any log \
             level, `openssl x509 -in NODE.crt -noout -ext extendedKeyUsage` shows no \"TLS Web \
             Client Authentication\"",
            no_client_auth
                .iter()
                .map(|(a, _)| *a)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !facts.bus_unreachable.is_empty() {
        causes.push(format!(
            "the cluster bus port (port + 10000, or cluster-port) is not reachable at {}",
            facts.bus_unreachable.join(", ")
        ));
    }
    if causes.is_empty() {
        causes.push(
            "the certificates look usable from here, so look at the bus itself: a peer whose \
             certificate is not signed by a CA in the others' tls-ca-cert-file, or a firewall \
             on the bus port (with loglevel verbose, a node logs a refused bus connection as \
             \"Error accepting cluster node connection\" with the TLS error)"
                .into(),
        );
    }
    let peers = match stuck.len() {
        // Redis forgets a peer that never finished the bus handshake after cluster-node-timeout,
        // so a check made later sees none stuck, only the failing state.
        0 => "no peer left in handshake (a node forgets peers that never finish the bus \
              handshake after cluster-node-timeout)"
            .to_string(),
        1 => "1 peer stuck in handshake".to_string(),
        n => format!("{n} peers stuck in handshake"),
    };
    let down = Down::of(facts);
    let message = format!(
        "cluster_state:fail with {peers}{}{}",
        if no_client_auth.is_empty() {
            String::new()
        } else {
            " while the node certificates lack clientAuth".into()
        },
        down.short()
    );
    TopologyDiagnosis {
        kind: TopologyKind::ClusterBusTls.as_str().into(),
        message,
        explanation: format!(
            "{}{} The nodes cannot talk to each other: {}. A peer that never finishes the bus \
             handshake is listed in `handshake` by CLUSTER NODES until cluster-node-timeout, \
             then forgotten (cluster_known_nodes drops); its slots are never learned, and the \
             cluster answers CLUSTERDOWN.",
            checks_passed(facts, &down),
            down.long(false),
            causes.join("; ")
        ),
        fix: "Reissue the node certificates with extendedKeyUsage serverAuth, clientAuth \
              (openssl: extendedKeyUsage=serverAuth,clientAuth), or give each node a client \
              certificate for the bus in redis.conf: tls-client-cert-file / tls-client-key-file \
              (signed by a CA in every node's tls-ca-cert-file). Keep the bus port (port + 10000, \
              or cluster-port) open between nodes."
            .into(),
        evidence,
    }
}

pub(super) fn state_only(facts: &TopologyFacts) -> TopologyDiagnosis {
    let mut evidence = vec![ev("cluster_state", "fail (CLUSTER INFO on the seed)")];
    for (k, v) in &facts.cluster_info {
        evidence.push(ev(k, v.clone()));
    }
    for p in &facts.troubled_peers {
        evidence.push(ev(
            "peer in CLUSTER NODES",
            format!("{} flags {}", p.address, p.flags.join(",")),
        ));
    }
    let down = Down::of(facts);
    let answers = if facts.nodes.len() == 1 {
        "the one node the seed lists answers over TLS"
    } else {
        "every node answers over TLS"
    };
    let why = if down.alone {
        " A node that knows only itself was never met with its peers (CLUSTER MEET), or forgot \
         them after they failed the cluster bus handshake for cluster-node-timeout (a blocked bus \
         port, or a certificate a peer refuses; with loglevel verbose the peers log \
         \"Error accepting cluster node connection\")."
    } else if down.assigned.is_some_and(|n| n >= SLOTS) {
        " Every slot is assigned, so a master serving some is marked fail, or the seed cannot \
         reach a majority of the masters."
    } else if down.assigned.is_some() {
        ""
    } else {
        " Slots not all assigned, or a master marked fail."
    };
    let meet = if down.alone {
        "Meet the nodes (CLUSTER MEET ip port bus-port from one of them) and keep each bus port \
         (port + 10000, or cluster-port) open to the others' TLS, with node certificates that \
         allow clientAuth (tls-cluster yes). "
    } else {
        ""
    };
    TopologyDiagnosis {
        kind: TopologyKind::ClusterStateFail.as_str().into(),
        message: format!("cluster_state:fail while {answers}{}", down.short()),
        explanation: format!(
            "TLS is fine from here; the cluster itself refuses queries (CLUSTERDOWN).{}{why}",
            down.long(true)
        ),
        fix: format!(
            "{meet}Read CLUSTER INFO and CLUSTER NODES on the seed: assign the missing slots \
             (CLUSTER ADDSLOTSRANGE) or bring the failed master back / fail it over."
        ),
        evidence,
    }
}

/// Every slot of a Redis Cluster.
const SLOTS: u64 = 16_384;

/// Why the seed says `cluster_state:fail`, as far as its `CLUSTER INFO` tells.
struct Down {
    /// `cluster_known_nodes:1`: the seed knows only itself.
    alone: bool,
    /// `cluster_slots_assigned`.
    assigned: Option<u64>,
}

impl Down {
    fn of(facts: &TopologyFacts) -> Down {
        let number = |key: &str| {
            facts
                .cluster_info
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.trim().parse::<u64>().ok())
        };
        Down {
            alone: number("cluster_known_nodes") == Some(1),
            assigned: number("cluster_slots_assigned"),
        }
    }

    /// What the seed says, in a few words each (`alone`: that it knows only itself too).
    fn parts(&self, alone: bool) -> Vec<String> {
        let mut parts = Vec::new();
        if alone && self.alone {
            parts.push("knows only itself (cluster_known_nodes:1)".to_string());
        }
        if let Some(n) = self.assigned.filter(|n| *n < SLOTS) {
            parts.push(format!("sees {n} of {SLOTS} slots assigned"));
        }
        parts
    }

    /// `; the seed knows only itself … and sees 5461 of 16384 slots assigned`, or nothing.
    fn short(&self) -> String {
        let parts = self.parts(true);
        if parts.is_empty() {
            String::new()
        } else {
            format!("; the seed {}", parts.join(" and "))
        }
    }

    /// The same as a sentence of the explanation (leading space), or nothing; `alone`: say
    /// that the seed knows only itself (unless said already).
    fn long(&self, alone: bool) -> String {
        let parts = self.parts(alone);
        if parts.is_empty() {
            return String::new();
        }
        let coverage = if self.assigned.is_some_and(|n| n < SLOTS) {
            "; with cluster-require-full-coverage yes (the default) a cluster is down while any \
             slot has no node"
        } else {
            ""
        };
        format!(
            " The seed is in cluster_state:fail: it {}{coverage}.",
            parts.join(" and it ")
        )
    }
}

/// How the node checks went, said for what the seed could announce: a seed that knows only
/// itself announces no other node to check.
fn checks_passed(facts: &TopologyFacts, down: &Down) -> String {
    let ok = facts.nodes.iter().filter(|n| n.failure.is_none()).count();
    let n = facts.nodes.len();
    if down.alone {
        format!(
            "The seed knows only itself (cluster_known_nodes:1), so it announces no other node \
             to clients and only it was checked ({ok} of {n} check{} passed); peers it met and \
             forgot are not checked here.",
            if n == 1 { "" } else { "s" }
        )
    } else if ok == n {
        format!("Clients reach every node the seed lists ({ok} of {n} checks passed).")
    } else {
        format!("{ok} of {n} node checks passed.")
    }
}
