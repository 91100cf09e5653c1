//! Cluster scenarios (`[lab] cluster = true`): a real 3-node TLS Redis Cluster started by the
//! lab with the scenario's node certificates, checked from its first node as `tlsviz cluster`
//! checks one.

use super::{ClientCertificate, NodeCertificates, Scenario, Trust};
use crate::errors::UsageError;
use crate::lab::cluster::{ClusterLab, ClusterOptions};
use crate::lab::nodes::NodeCert;
use crate::lab::ServerChoice;
use crate::target::TargetSpec;

/// A cluster lab, and what reaches its first node.
pub struct ClusterSession {
    pub lab: ClusterLab,
    /// The client's settings against the first node, as `tlsviz cluster` flags say them.
    pub spec: TargetSpec,
    pub target: crate::engine::Target,
}

impl NodeCertificates {
    /// The lab cluster these certificates make.
    pub fn cluster_options(self) -> ClusterOptions {
        match self {
            NodeCertificates::Valid => ClusterOptions::default(),
            // `localhost` only: the nodes are announced by 127.0.0.1.
            NodeCertificates::DnsOnly => ClusterOptions {
                names: vec!["localhost".into()],
                ..ClusterOptions::default()
            },
            // The bus never comes up: no waiting for cluster_state:ok, only a fair chance for
            // the bus (lab::cluster::BUS_SETTLE), so peers in handshake are stuck, not new.
            NodeCertificates::ServerAuthOnly => ClusterOptions {
                cert: NodeCert::ServerAuthOnly,
                wait_ok: false,
                ..ClusterOptions::default()
            },
        }
    }
}

/// Start the scenario's cluster (redis-server only: the built-in server has no cluster mode).
pub async fn start_cluster(
    scenario: &Scenario,
    server: ServerChoice,
) -> Result<ClusterSession, UsageError> {
    let input = format!("scenario {}", scenario.name);
    if server == ServerChoice::Builtin {
        return Err(UsageError::new(
            &input,
            "a cluster scenario needs redis-server (the built-in server has no cluster mode)",
            "install redis-server, or leave out --server builtin",
        ));
    }
    let lab = ClusterLab::start(scenario.lab.node_certificates.cluster_options())
        .await
        .map_err(|e| UsageError::new(&input, e.to_string(), e.hint()))?;
    let spec = cluster_target_spec(scenario, &lab);
    let target = crate::target::build(&spec)?;
    Ok(ClusterSession { lab, spec, target })
}

/// The scenario's client against the cluster's first node (validated: lab CA or the system
/// store, the lab client certificate or none).
fn cluster_target_spec(scenario: &Scenario, lab: &ClusterLab) -> TargetSpec {
    let c = &scenario.client;
    let files = &lab.files;
    let (cert, key) = match c.certificate {
        ClientCertificate::None => (None, None),
        _ => (
            Some(files.client_cert.clone()),
            Some(files.client_key.clone()),
        ),
    };
    TargetSpec {
        host: Some(c.host.clone()),
        port: lab.ports.first().map(u16::to_string),
        tls: true,
        sni: c.sni.clone(),
        cacert: (c.trust == Trust::LabCa).then(|| files.ca_cert.clone()),
        cert,
        key,
        insecure: c.insecure,
        user: c.user.clone(),
        pass: c.password.clone(),
        tls_version: c.tls_version.clone(),
        timeout: Some(c.timeout.to_string()),
        command: c.command.clone(),
        ..Default::default()
    }
}
