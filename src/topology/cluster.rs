//! `tlsviz cluster`: the seed, its view of the cluster, and every node by its announced
//! endpoint.

use super::check::{
    check, check_all, check_seed, good_reply, node_target, reply, tcp_reachable, with_command,
};
use super::read::{self, Announced, NodeLine};
use super::{CheckOptions, NodeCheck, TopologyReport};
use crate::diagnose::topology::{diagnose_topology, SetupKind, TopologyDiagnosis, TopologyFacts};
use crate::engine::Target;
use crate::model::{Model, Outcome};
use std::time::Instant;

/// Check the cluster `seed` belongs to.
pub async fn check_cluster(seed: &Target, options: &CheckOptions) -> TopologyReport {
    let started = Instant::now();
    // The seed's own check and the two reads share one round trip of wall time.
    let (seed_check, info, shards) = tokio::join!(
        check_seed(seed.clone(), options.cross_check.clone()),
        check(with_command(seed, &["CLUSTER", "INFO"])),
        check(with_command(seed, &["CLUSTER", "SHARDS"])),
    );
    options.progress.seed(&seed_check.model);
    let verdict = seed_check.model.clone();
    let rest = from_seed(seed, options, verdict, info, shards);
    super::alongside_seed(seed_check, &options.progress, started, rest).await
}

/// The topology read from the seed's replies, and every node checked.
async fn from_seed(
    seed: &Target,
    options: &CheckOptions,
    seed_model: Model,
    info: Model,
    shards: Model,
) -> TopologyReport {
    let sni_given = options.sni_given;
    let mut report = TopologyReport::new(SetupKind::Cluster, seed, seed_model);
    if report.seed.outcome != Outcome::Ok {
        return report;
    }
    let Some(info_text) = good_reply(&info).and_then(read::bulk_text) else {
        report.diagnosis = Some(refused(&report.seed_address, "CLUSTER INFO", &info));
        return report;
    };
    let info = read::info_text(&info_text);
    report.cluster_state = info
        .iter()
        .find(|(k, _)| k == "cluster_state")
        .map(|(_, v)| v.clone());
    let tls = seed.tls.is_some();
    let mut announced = good_reply(&shards)
        .map(|r| read::shards(r, &seed.host, tls))
        .unwrap_or_default();
    // CLUSTER NODES (peers in handshake, bus ports) only when the cluster is not healthy or
    // CLUSTER SHARDS said nothing: one handshake less on the common path.
    let healthy = report.cluster_state.as_deref() == Some("ok") && !announced.is_empty();
    let nodes = if healthy {
        None
    } else {
        Some(check(with_command(seed, &["CLUSTER", "NODES"])).await)
    };
    let mut lines = nodes
        .as_ref()
        .and_then(good_reply)
        .and_then(read::bulk_text)
        .map(|t| read::nodes_text(&t))
        .unwrap_or_default();
    // A node that has not yet learned its own address lists itself as `:port`: it is the one
    // the client reached.
    for line in lines.iter_mut().filter(|l| l.ip.is_empty()) {
        line.ip = crate::engine::bare_host(&seed.host).to_string();
    }
    if announced.is_empty() {
        let slots = check(with_command(seed, &["CLUSTER", "SLOTS"])).await;
        announced = good_reply(&slots)
            .map(|r| read::slots(r, &seed.host))
            .unwrap_or_default();
    }
    if announced.is_empty() {
        announced = read::from_nodes(&lines);
    }
    report.topology_read = !announced.is_empty();
    add_seed_view(&mut announced, &lines);
    // Masters in slot order, then the rest by address: the same table whatever order the
    // seed listed its shards in.
    announced.sort_by_key(|a| (first_slot(&a.slots), a.host.clone(), a.port));
    options.progress.nodes(&announced);
    let targets = announced
        .iter()
        .map(|a| node_target(seed, &a.host, a.port, sni_given))
        .collect();
    // The bus is probed only when the cluster says it is broken.
    let bus_probes = if report.cluster_state.as_deref() == Some("fail") {
        lines
            .iter()
            .filter_map(|l| l.bus_port.map(|p| (l.ip.clone(), p)))
            .collect()
    } else {
        Vec::new()
    };
    let (models, unreachable) = tokio::join!(
        check_all(targets, &options.progress),
        unreachable_bus(bus_probes, seed.timeout)
    );
    report.nodes = announced
        .into_iter()
        .zip(models)
        .map(|(announced, model)| NodeCheck { announced, model })
        .collect();
    let facts = TopologyFacts {
        kind: SetupKind::Cluster,
        seed_address: report.seed_address.clone(),
        seed_name: seed.server_name.clone(),
        seed_leaf: report.seed.chain.first().cloned(),
        nodes: report.nodes.iter().map(NodeCheck::facts).collect(),
        cluster_state: report.cluster_state.clone(),
        troubled_peers: lines
            .iter()
            .filter(|l| l.troubled())
            .map(NodeLine::peer_state)
            .collect(),
        bus_unreachable: unreachable,
        cluster_info: info
            .into_iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "cluster_slots_assigned" | "cluster_known_nodes" | "cluster_size"
                )
            })
            .collect(),
    };
    report.diagnosis = diagnose_topology(&facts);
    report
}

/// The seed's `CLUSTER NODES` says how it sees each announced node (its flags), and lists
/// peers no client is told about yet: those stuck in `handshake` are added, by the address
/// the seed met them at.
fn add_seed_view(announced: &mut Vec<Announced>, lines: &[NodeLine]) {
    for a in announced.iter_mut() {
        if let Some(line) = lines.iter().find(|l| Some(&l.id) == a.id.as_ref()) {
            a.state = Some(line.flags.join(","));
        }
    }
    for line in lines.iter().filter(|l| l.troubled() && l.port != 0) {
        let known = announced
            .iter()
            .any(|a| a.id.as_ref() == Some(&line.id) || (a.host == line.ip && a.port == line.port));
        if !known {
            let mut extra = read::from_nodes(std::slice::from_ref(line));
            announced.append(&mut extra);
        }
    }
}

/// The first slot of `0-5460,7000` (none: after every slot).
fn first_slot(slots: &str) -> u32 {
    slots
        .split([',', '-'])
        .next()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u32::MAX)
}

/// The bus addresses that do not accept a TCP connection, checked at once.
async fn unreachable_bus(probes: Vec<(String, u16)>, timeout: std::time::Duration) -> Vec<String> {
    let results = futures::future::join_all(
        probes
            .iter()
            .map(|(ip, port)| tcp_reachable(ip, *port, timeout)),
    )
    .await;
    probes
        .iter()
        .zip(results)
        .filter(|(_, ok)| !ok)
        .map(|((ip, port), _)| crate::engine::host_port(ip, *port))
        .collect()
}

/// The seed answered the topology command with an error (or not at all).
pub(super) fn refused(seed: &str, command: &str, model: &Model) -> TopologyDiagnosis {
    let said = match reply(model) {
        Some(r) => r.display(),
        None => model
            .diagnosis
            .as_ref()
            .map(|d| d.headline())
            .unwrap_or_else(|| "no reply".into()),
    };
    TopologyDiagnosis::not_the_setup(SetupKind::Cluster, seed, command, &said)
}
