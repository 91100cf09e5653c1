//! `tlsviz lab --cluster`: a real 3-node TLS Redis Cluster (`cluster-enabled yes`,
//! `tls-cluster yes`, `tls-replication yes`), slots assigned with `CLUSTER ADDSLOTSRANGE`,
//! nodes met with `CLUSTER MEET`, every command sent through tlsviz's own engine. Dropping it
//! stops every node and removes the folder.

use super::nodes::{self, command, port_pair, reply_text, NodeCert, NodeFiles, NodeProcess};
use super::{path_str, LabError};
use crate::engine::resp::Reply;
use std::time::{Duration, Instant};

/// How the lab cluster is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    pub nodes: usize,
    /// The subjectAltNames of every node certificate.
    pub names: Vec<String>,
    /// The certificate every node starts with.
    pub cert: NodeCert,
    /// `cluster-announce-hostname localhost` + `cluster-preferred-endpoint-type hostname`.
    pub announce_hostname: bool,
    /// Wait until `cluster_state:ok`. False for a cluster expected to stay broken: wait only
    /// until its bus has had a fair chance ([`BUS_SETTLE`]).
    pub wait_ok: bool,
    /// `cluster-node-timeout` (ms): also how long a node keeps a peer stuck in handshake.
    pub node_timeout_ms: u32,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            nodes: 3,
            names: vec!["localhost".into(), "127.0.0.1".into()],
            cert: NodeCert::Valid,
            announce_hostname: false,
            wait_ok: true,
            node_timeout_ms: 5000,
        }
    }
}

const FORM_LIMIT: Duration = Duration::from_secs(10);

/// How long a cluster expected to stay broken gets for its bus before it is checked. Measured
/// on a 2-core machine shared with builds: a healthy first node listed its peers out of
/// `handshake` 77–165 ms after the slots were assigned (27 runs, 15 of them beside two busy
/// loops); 1 s is six times the slowest, and well inside cluster-node-timeout (5 s here), after
/// which a node forgets the peers still in handshake.
pub const BUS_SETTLE: Duration = Duration::from_secs(1);
const SLOTS: u32 = 16_384;

pub struct ClusterLab {
    pub files: NodeFiles,
    pub ports: Vec<u16>,
    /// The redis.conf lines of the first node (the others differ only in port and files).
    pub conf_lines: Vec<String>,
    pub options: ClusterOptions,
    nodes: Vec<NodeProcess>,
}

impl ClusterLab {
    pub async fn start(options: ClusterOptions) -> Result<ClusterLab, LabError> {
        super::redis::version()?;
        let files = NodeFiles::create()?;
        // From here on a failure drops the lab: every node started so far is stopped.
        let mut lab = ClusterLab {
            files,
            ports: Vec::new(),
            conf_lines: Vec::new(),
            options,
            nodes: Vec::new(),
        };
        let mut taken = Vec::new();
        for i in 0..lab.options.nodes.max(1) {
            let port = port_pair(&taken)?;
            taken.extend([port, port + 10_000]);
            let name = format!("node{}", i + 1);
            let (cert, key) = lab
                .files
                .node_cert(&name, &lab.options.names, lab.options.cert)?;
            let dir = lab.files.dir.clone();
            let mut conf = nodes::tls_lines(port, &cert, &key, &lab.files.ca_cert, &dir, &name);
            conf.extend([
                "cluster-enabled yes".into(),
                "tls-cluster yes".into(),
                format!("cluster-port {}", port + 10_000),
                format!(
                    "cluster-config-file {}",
                    path_str(&dir.join(format!("{name}-nodes.conf")))
                ),
                format!("cluster-node-timeout {}", lab.options.node_timeout_ms),
                // A refused bus connection is logged ("Error accepting cluster node
                // connection") only at verbose: the lab's logs should show what breaks.
                "loglevel verbose".into(),
            ]);
            if lab.options.announce_hostname {
                conf.push("cluster-announce-hostname localhost".into());
                conf.push("cluster-preferred-endpoint-type hostname".into());
            }
            if i == 0 {
                lab.conf_lines = conf.clone();
            }
            let node = NodeProcess::start(&dir, &name, &conf, port, &[]).await?;
            lab.nodes.push(node);
            lab.ports.push(port);
        }
        lab.form().await?;
        Ok(lab)
    }

    /// Meet every node from the first, split the slots evenly, wait for `cluster_state:ok`.
    async fn form(&self) -> Result<(), LabError> {
        let first = self.ports[0];
        for port in &self.ports[1..] {
            let (p, bus) = (port.to_string(), (port + 10_000).to_string());
            command(
                &self.files,
                first,
                &["CLUSTER", "MEET", "127.0.0.1", &p, &bus],
            )
            .await?;
        }
        let n = self.ports.len() as u32;
        for (i, port) in self.ports.iter().enumerate() {
            let i = i as u32;
            let (from, to) = (SLOTS * i / n, SLOTS * (i + 1) / n - 1);
            let (from, to) = (from.to_string(), to.to_string());
            command(
                &self.files,
                *port,
                &["CLUSTER", "ADDSLOTSRANGE", &from, &to],
            )
            .await?;
        }
        if !self.options.wait_ok {
            return self.settle().await;
        }
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < FORM_LIMIT {
            let mut all_ok = true;
            for port in &self.ports {
                let info = command(&self.files, *port, &["CLUSTER", "INFO"]).await?;
                last = reply_text(&info);
                all_ok &= last.lines().any(|l| l.trim() == "cluster_state:ok");
            }
            if all_ok {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(LabError::ClusterSetup {
            what: "waiting for cluster_state:ok".into(),
            detail: last
                .lines()
                .find(|l| l.starts_with("cluster_state"))
                .unwrap_or("no CLUSTER INFO")
                .trim()
                .to_string(),
        })
    }

    /// A cluster expected to stay broken: wait until the first node lists every node, none in
    /// `handshake` (the bus came up after all), or until [`BUS_SETTLE`] has passed with peers
    /// still there, so that "stuck in handshake" means stuck, not "not yet".
    async fn settle(&self) -> Result<(), LabError> {
        let started = Instant::now();
        loop {
            let nodes = command(&self.files, self.ports[0], &["CLUSTER", "NODES"]).await?;
            let text = reply_text(&nodes);
            let flags: Vec<&str> = text
                .lines()
                .filter_map(|l| l.split_whitespace().nth(2))
                .collect();
            let in_handshake = flags
                .iter()
                .any(|f| f.split(',').any(|flag| flag == "handshake"));
            if (flags.len() >= self.ports.len() && !in_handshake) || started.elapsed() >= BUS_SETTLE
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Replace node `index`'s certificate while it runs (`CONFIG SET tls-cert-file …`): the
    /// cluster bus links already up stay up, new connections get the new certificate.
    pub async fn replace_cert(
        &self,
        index: usize,
        names: &[String],
        kind: NodeCert,
    ) -> Result<(), LabError> {
        let name = format!("node{}-replaced", index + 1);
        let (cert, key) = self.files.node_cert(&name, names, kind)?;
        let (cert, key) = (path_str(&cert), path_str(&key));
        self.command(
            index,
            &[
                "CONFIG",
                "SET",
                "tls-cert-file",
                &cert,
                "tls-key-file",
                &key,
            ],
        )
        .await
        .map(|_| ())
    }

    /// Send a command to node `index` (through the engine, with the lab's client certificate).
    pub async fn command(&self, index: usize, args: &[&str]) -> Result<Reply, LabError> {
        let Some(port) = self.ports.get(index) else {
            return Err(LabError::ClusterSetup {
                what: args.join(" "),
                detail: format!("no node {index}"),
            });
        };
        command(&self.files, *port, args).await
    }

    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(NodeProcess::pid).collect()
    }

    /// `tlsviz cluster` arguments that reach the first node with the lab's certificates.
    pub fn connect_args(&self) -> Vec<String> {
        let mut args = vec!["-h".into(), "localhost".into(), "-p".into()];
        args.push(self.ports.first().map(u16::to_string).unwrap_or_default());
        args.extend(self.files.tls_args());
        args
    }

    /// Stop every node and remove the folder off the async threads.
    pub async fn stop(self) {
        let _ = tokio::task::spawn_blocking(move || drop(self)).await;
    }
}

impl Drop for ClusterLab {
    fn drop(&mut self) {
        nodes::stop_all(&mut self.nodes);
        self.files.remove();
    }
}
