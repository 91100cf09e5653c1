//! A Sentinel setup for tests and demos: one TLS master, one TLS replica (`replicaof`,
//! `tls-replication yes`) and one TLS sentinel monitoring the master as `mymaster`. Dropping
//! it stops all three and removes the folder.

use super::nodes::{self, command, port_pair, NodeCert, NodeFiles, NodeProcess};
use super::LabError;
use crate::engine::resp::Reply;
use std::time::{Duration, Instant};

pub const MASTER_NAME: &str = "mymaster";
const READY_LIMIT: Duration = Duration::from_secs(15);

pub struct SentinelLab {
    pub files: NodeFiles,
    pub master_port: u16,
    pub replica_port: u16,
    pub sentinel_port: u16,
    nodes: Vec<NodeProcess>,
}

impl SentinelLab {
    /// `names`: the subjectAltNames of the master's and replica's certificates.
    pub async fn start(names: &[String]) -> Result<SentinelLab, LabError> {
        super::redis::version()?;
        let files = NodeFiles::create()?;
        let mut lab = SentinelLab {
            files,
            master_port: 0,
            replica_port: 0,
            sentinel_port: 0,
            nodes: Vec::new(),
        };
        let dir = lab.files.dir.clone();
        let master_port = port_pair(&[])?;
        let replica_port = port_pair(&[master_port])?;
        let sentinel_port = port_pair(&[master_port, replica_port])?;
        let lines = |name: &str, port: u16| -> Result<Vec<String>, LabError> {
            let (cert, key) = lab.files.node_cert(name, names, NodeCert::Valid)?;
            Ok(nodes::tls_lines(
                port,
                &cert,
                &key,
                &lab.files.ca_cert,
                &dir,
                name,
            ))
        };
        let master = lines("master", master_port)?;
        let mut replica = lines("replica", replica_port)?;
        replica.push(format!("replicaof 127.0.0.1 {master_port}"));
        let mut sentinel = lines("sentinel", sentinel_port)?;
        sentinel.extend([
            format!("sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 1"),
            format!("sentinel down-after-milliseconds {MASTER_NAME} 5000"),
        ]);
        lab.master_port = master_port;
        lab.replica_port = replica_port;
        lab.sentinel_port = sentinel_port;
        lab.nodes
            .push(NodeProcess::start(&dir, "master", &master, master_port, &[]).await?);
        lab.nodes
            .push(NodeProcess::start(&dir, "replica", &replica, replica_port, &[]).await?);
        // The sentinel learns replicas from the master's INFO: start it once the replica is
        // attached, or it waits 10 s for the next INFO.
        lab.wait(master_port, &["INFO", "replication"], |r| {
            text(r).contains("connected_slaves:1")
        })
        .await?;
        lab.nodes.push(
            NodeProcess::start(&dir, "sentinel", &sentinel, sentinel_port, &["--sentinel"]).await?,
        );
        lab.wait(
            sentinel_port,
            &["SENTINEL", "REPLICAS", MASTER_NAME],
            |r| matches!(r, Reply::Array(Some(items)) if !items.is_empty()),
        )
        .await?;
        Ok(lab)
    }

    async fn wait(
        &self,
        port: u16,
        args: &[&str],
        done: impl Fn(&Reply) -> bool,
    ) -> Result<(), LabError> {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < READY_LIMIT {
            match command(&self.files, port, args).await {
                Ok(reply) if done(&reply) => return Ok(()),
                Ok(reply) => last = reply.display(),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(LabError::ClusterSetup {
            what: format!("waiting for {}", args.join(" ")),
            detail: last.lines().next().unwrap_or("no reply").to_string(),
        })
    }

    /// Replace the master's (0) or the replica's (1) certificate while it runs.
    pub async fn replace_cert(&self, index: usize, names: &[String]) -> Result<(), LabError> {
        let (name, port) = match index {
            0 => ("master-replaced", self.master_port),
            _ => ("replica-replaced", self.replica_port),
        };
        let (cert, key) = self.files.node_cert(name, names, NodeCert::Valid)?;
        let (cert, key) = (super::path_str(&cert), super::path_str(&key));
        command(
            &self.files,
            port,
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

    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(NodeProcess::pid).collect()
    }

    pub async fn stop(self) {
        let _ = tokio::task::spawn_blocking(move || drop(self)).await;
    }
}

fn text(reply: &Reply) -> String {
    nodes::reply_text(reply)
}

impl Drop for SentinelLab {
    fn drop(&mut self) {
        nodes::stop_all(&mut self.nodes);
        self.files.remove();
    }
}
