//! `tlsviz sentinel`: the sentinel itself, then the master and replicas it announces.

use super::check::{check, check_all, check_seed, good_reply, node_target, reply, with_command};
use super::read;
use super::{CheckOptions, NodeCheck, TopologyReport};
use crate::diagnose::topology::{diagnose_topology, SetupKind, TopologyDiagnosis, TopologyFacts};
use crate::engine::Target;
use crate::model::{Model, Outcome};
use std::time::Instant;

/// Check the sentinel at `sentinel`, and the master it knows as `master` with its replicas.
/// The sentinel's own credentials and trust are used for every server.
pub async fn check_sentinel(
    sentinel: &Target,
    options: &CheckOptions,
    master: &str,
) -> TopologyReport {
    let started = Instant::now();
    let (seed_check, addr, replicas) = tokio::join!(
        check_seed(sentinel.clone(), options.cross_check.clone()),
        check(with_command(
            sentinel,
            &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", master]
        )),
        check(with_command(sentinel, &["SENTINEL", "REPLICAS", master])),
    );
    options.progress.seed(&seed_check.model);
    let verdict = seed_check.model.clone();
    let rest = from_sentinel(sentinel, options, master, verdict, addr, replicas);
    super::alongside_seed(seed_check, &options.progress, started, rest).await
}

/// The master and replicas the sentinel announced, each checked.
async fn from_sentinel(
    sentinel: &Target,
    options: &CheckOptions,
    master: &str,
    seed_model: Model,
    addr: Model,
    replicas: Model,
) -> TopologyReport {
    let sni_given = options.sni_given;
    let mut report = TopologyReport::new(SetupKind::Sentinel, sentinel, seed_model);
    if report.seed.outcome != Outcome::Ok {
        return report;
    }
    let Some(master_node) = good_reply(&addr).and_then(read::master_addr) else {
        let command = format!("SENTINEL GET-MASTER-ADDR-BY-NAME {master}");
        let said = reply(&addr)
            .map(|r| r.display())
            .unwrap_or_else(|| "no reply".into());
        report.diagnosis = Some(TopologyDiagnosis::not_the_setup(
            SetupKind::Sentinel,
            &report.seed_address,
            &command,
            &said,
        ));
        return report;
    };
    report.topology_read = true;
    let mut announced = vec![master_node];
    announced.extend(
        good_reply(&replicas)
            .map(read::sentinel_replicas)
            .unwrap_or_default(),
    );
    options.progress.nodes(&announced);
    let targets = announced
        .iter()
        .map(|a| node_target(sentinel, &a.host, a.port, sni_given))
        .collect();
    let models = check_all(targets, &options.progress).await;
    report.nodes = announced
        .into_iter()
        .zip(models)
        .map(|(announced, model)| NodeCheck { announced, model })
        .collect();
    let facts = TopologyFacts {
        kind: SetupKind::Sentinel,
        seed_address: report.seed_address.clone(),
        seed_name: sentinel.server_name.clone(),
        seed_leaf: report.seed.chain.first().cloned(),
        nodes: report.nodes.iter().map(NodeCheck::facts).collect(),
        cluster_state: None,
        troubled_peers: Vec::new(),
        bus_unreachable: Vec::new(),
        cluster_info: Vec::new(),
    };
    report.diagnosis = diagnose_topology(&facts);
    report
}
