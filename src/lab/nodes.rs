//! Several redis-server processes in one lab folder (a cluster, a sentinel setup): node
//! certificates, port pairs with port + 10000 free, start, commands through the engine, and a
//! stop that leaves nothing behind.

use super::certs::{make_ca, make_leaf, Issued, LeafSpec, Validity};
use super::files::{free_port, private_dir, write_file, LAB_ORG};
use super::{path_str, LabError};
use crate::engine::resp::Reply;
use crate::model::Outcome;
use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

pub const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
const READY_LIMIT: Duration = Duration::from_secs(5);

/// What a node's certificate is like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeCert {
    /// serverAuth and clientAuth, from the lab CA.
    Valid,
    /// serverAuth only: fine for clients, refused on the cluster bus.
    ServerAuthOnly,
    Expired,
    /// From a CA nobody trusts.
    OtherCa,
}

/// The lab folder, its CAs and the client certificate every command uses.
pub struct NodeFiles {
    pub dir: PathBuf,
    pub ca_cert: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    ca: Issued,
    other_ca: Issued,
    removed: bool,
}

impl NodeFiles {
    pub fn create() -> Result<NodeFiles, LabError> {
        let ca = cert_err(make_ca(LAB_ORG, "tlsviz Lab CA", None), "lab CA")?;
        let other_ca = cert_err(
            make_ca("Another Org", "Untrusted Other CA", None),
            "other CA",
        )?;
        let dir = private_dir()?;
        let files = NodeFiles {
            ca_cert: dir.join("ca.crt"),
            client_cert: dir.join("client.crt"),
            client_key: dir.join("client.key"),
            ca,
            other_ca,
            dir,
            removed: false,
        };
        // From here on dropping `files` removes the folder.
        write_file(&files.ca_cert, &files.ca.cert_pem(), false)?;
        let client = cert_err(
            make_leaf(&LeafSpec::client("tlsviz lab client"), Some(&files.ca)),
            "client certificate",
        )?;
        write_file(&files.client_cert, &client.cert_pem(), false)?;
        write_file(&files.client_key, &client.key_pem(), true)?;
        Ok(files)
    }

    /// Write `name.crt` / `name.key` for a node certificate naming `names`.
    pub fn node_cert(
        &self,
        name: &str,
        names: &[String],
        kind: NodeCert,
    ) -> Result<(PathBuf, PathBuf), LabError> {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut spec = LeafSpec::server(&refs);
        if !names.iter().any(|n| n == "localhost") {
            spec.names.push("localhost".into());
        }
        spec.client_auth = kind != NodeCert::ServerAuthOnly;
        if kind == NodeCert::Expired {
            spec.validity = Validity::Expired;
        }
        let issuer = if kind == NodeCert::OtherCa {
            &self.other_ca
        } else {
            &self.ca
        };
        let issued = cert_err(make_leaf(&spec, Some(issuer)), "node certificate")?;
        let (cert, key) = (
            self.dir.join(format!("{name}.crt")),
            self.dir.join(format!("{name}.key")),
        );
        // A replacement certificate gets a fresh file: Redis reads the new path on CONFIG SET.
        let _ = std::fs::remove_file(&cert);
        let _ = std::fs::remove_file(&key);
        write_file(&cert, &issued.cert_pem(), false)?;
        write_file(&key, &issued.key_pem(), true)?;
        Ok((cert, key))
    }

    pub fn remove(&mut self) {
        if !self.removed {
            let _ = std::fs::remove_dir_all(&self.dir);
            self.removed = true;
        }
    }

    /// `tlsviz connect`-style flags with the lab's trust and client certificate.
    pub fn tls_args(&self) -> Vec<String> {
        vec![
            "--tls".into(),
            "--cacert".into(),
            path_str(&self.ca_cert),
            "--cert".into(),
            path_str(&self.client_cert),
            "--key".into(),
            path_str(&self.client_key),
        ]
    }
}

impl Drop for NodeFiles {
    fn drop(&mut self) {
        self.remove();
    }
}

fn cert_err<T>(r: Result<T, rcgen::Error>, what: &'static str) -> Result<T, LabError> {
    r.map_err(|source| LabError::Certificate { what, source })
}

/// A port whose port + 10000 (the default cluster bus port) is free too, and not in `taken`.
pub fn port_pair(taken: &[u16]) -> Result<u16, LabError> {
    for _ in 0..200 {
        let port = free_port(LOOPBACK)?;
        let Some(bus) = port.checked_add(10_000) else {
            continue;
        };
        if taken.contains(&port) || taken.contains(&bus) {
            continue;
        }
        if TcpListener::bind((LOOPBACK, bus)).is_ok() {
            return Ok(port);
        }
    }
    Err(LabError::ClusterSetup {
        what: "ports".into(),
        detail: "no port P with P + 10000 free on 127.0.0.1 after 200 tries".into(),
    })
}

/// One redis-server of a multi-process lab.
pub struct NodeProcess {
    pub name: String,
    pub port: u16,
    child: Child,
}

impl NodeProcess {
    /// Write `name.conf` and start redis-server on it (`extra`: `--sentinel`), waiting until
    /// `port` accepts connections.
    pub async fn start(
        dir: &Path,
        name: &str,
        conf: &[String],
        port: u16,
        extra: &[&str],
    ) -> Result<NodeProcess, LabError> {
        let conf_path = dir.join(format!("{name}.conf"));
        let mut text = conf.join("\n");
        text.push('\n');
        std::fs::write(&conf_path, text).map_err(|source| LabError::WriteFile {
            path: conf_path.clone(),
            source,
        })?;
        let stderr = dir.join(format!("{name}.stderr"));
        let child = super::redis::spawn_with(&conf_path, extra, &stderr)?;
        let mut node = NodeProcess {
            name: name.into(),
            port,
            child,
        };
        let started = Instant::now();
        while started.elapsed() < READY_LIMIT {
            if let Ok(Some(status)) = node.child.try_wait() {
                let log = std::fs::read_to_string(&stderr).unwrap_or_default();
                let log = std::fs::read_to_string(dir.join(format!("{name}.log")))
                    .map(|l| l.lines().rev().take(3).collect::<Vec<_>>().join(" | "))
                    .unwrap_or(log);
                return Err(LabError::RedisExited { status, log });
            }
            let connect = tokio::net::TcpStream::connect((LOOPBACK, port));
            // A connection to itself (possible in the ephemeral range) is not the server.
            if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_millis(100), connect).await {
                if s.local_addr().ok() != s.peer_addr().ok() {
                    return Ok(node);
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Err(LabError::RedisNotReady {
            address: (LOOPBACK, port).into(),
            seconds: READY_LIMIT.as_secs(),
            log: format!("see {name}.log"),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// SIGTERM to every node at once, up to 2 s for all, then SIGKILL; every child reaped.
pub fn stop_all(nodes: &mut Vec<NodeProcess>) {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    for node in nodes.iter() {
        if let Ok(pid) = i32::try_from(node.child.id()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    for mut node in nodes.drain(..) {
        while Instant::now() < deadline {
            if let Ok(Some(_)) = node.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Ok(None) = node.child.try_wait() {
            let _ = node.child.kill();
        }
        let _ = node.child.wait();
    }
}

/// The `port 0` / `tls-port` / certificate lines every node has.
pub fn tls_lines(
    port: u16,
    cert: &Path,
    key: &Path,
    ca: &Path,
    dir: &Path,
    name: &str,
) -> Vec<String> {
    vec![
        "port 0".into(),
        format!("tls-port {port}"),
        format!("tls-cert-file {}", path_str(cert)),
        format!("tls-key-file {}", path_str(key)),
        format!("tls-ca-cert-file {}", path_str(ca)),
        "tls-auth-clients yes".into(),
        "tls-replication yes".into(),
        "bind 127.0.0.1".into(),
        "save \"\"".into(),
        "appendonly no".into(),
        "daemonize no".into(),
        format!("dir {}", path_str(dir)),
        format!("logfile {}", path_str(&dir.join(format!("{name}.log")))),
    ]
}

/// Send one command to the node on `port` through the engine (a full TLS check with the lab's
/// client certificate), and return its reply; an error reply or a failed run is an error.
pub async fn command(files: &NodeFiles, port: u16, args: &[&str]) -> Result<Reply, LabError> {
    let spec = crate::target::TargetSpec {
        host: Some("127.0.0.1".into()),
        port: Some(port.to_string()),
        tls: true,
        // Every lab node certificate names localhost, whatever else a test gives it.
        sni: Some("localhost".into()),
        cacert: Some(files.ca_cert.clone()),
        cert: Some(files.client_cert.clone()),
        key: Some(files.client_key.clone()),
        timeout: Some("5".into()),
        command: args.iter().map(|a| a.to_string()).collect(),
        ..Default::default()
    };
    let failed = |detail: String| LabError::ClusterSetup {
        what: format!("{} on port {port}", args.join(" ")),
        detail,
    };
    let target = crate::target::build(&spec).map_err(|e| failed(e.to_string()))?;
    let model = crate::runner::run_to_model(&target).await;
    match (&model.outcome, model.redis.reply_resp) {
        (Outcome::Ok, Some(reply)) if !reply.is_error() => Ok(reply),
        (_, Some(reply)) => Err(failed(reply.display())),
        _ => Err(failed(
            model
                .diagnosis
                .map(|d| d.headline())
                .unwrap_or_else(|| "no reply".into()),
        )),
    }
}

/// The text of a bulk reply (`CLUSTER INFO`).
pub fn reply_text(reply: &Reply) -> String {
    match reply {
        Reply::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
        other => other.display(),
    }
}
