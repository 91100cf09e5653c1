//! The lab: certificates made on the spot, a real `redis-server` with TLS on a free loopback
//! port (or the built-in server, or a fault server), and nothing left behind when it stops.

pub mod builtin;
pub mod certs;
pub mod cluster;
mod error;
pub mod fault;
mod files;
pub mod nodes;
mod redis;
pub mod sentinel;

use certs::{KeyKind, Validity};
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub use error::LabError;
pub use files::LabFiles;

/// Which server the lab runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerChoice {
    /// `redis-server` when it is installed with TLS, else the built-in server (with a notice).
    #[default]
    Auto,
    Redis,
    Builtin,
}

/// `tls-auth-clients` in redis.conf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthClients {
    #[default]
    Yes,
    No,
    Optional,
}

impl AuthClients {
    pub fn conf_word(self) -> &'static str {
        match self {
            AuthClients::Yes => "yes",
            AuthClients::No => "no",
            AuthClients::Optional => "optional",
        }
    }
}

/// Who signed the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerIssuer {
    /// The lab CA the client is given.
    #[default]
    LabCa,
    /// A second CA the client does not trust.
    OtherCa,
    SelfSigned,
    /// The lab CA's intermediate; the server sends only its leaf (a common misconfiguration).
    IntermediateLeafOnly,
    /// The lab CA's intermediate; the server sends leaf and intermediate.
    IntermediateFullChain,
}

/// The server certificate the lab makes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServerCertOptions {
    pub validity: Validity,
    /// subjectAltNames; default `localhost`, `127.0.0.1`, `::1`.
    pub names: Vec<String>,
    pub issuer: ServerIssuer,
    /// `ecdsa` (default) or `rsa`.
    pub key: KeyKind,
}

impl Default for ServerCertOptions {
    fn default() -> Self {
        Self {
            validity: Validity::Valid,
            names: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            issuer: ServerIssuer::LabCa,
            key: KeyKind::Ecdsa,
        }
    }
}

/// A server that misbehaves in a way Redis never would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Accepts and never answers.
    Silent,
    /// Accepts and closes at once.
    CloseAtOnce,
    /// Accepts and resets the connection.
    Reset,
    /// Answers like a web server.
    Http,
    /// Answers random bytes.
    RandomBytes,
    /// Answers one byte every few hundred milliseconds.
    SlowDrip,
    /// Sends a record header longer than TLS allows.
    OversizedRecord,
    /// Sends half a record and closes.
    TruncatedRecord,
    /// Answers a real ServerHello, then goes silent.
    StopMidHandshake,
    /// Nothing listens on the port at all.
    NothingListening,
    /// Greets like a mail server (`220 … ESMTP`), over TLS unless `tls = false`.
    SmtpBanner,
    /// Sends back every byte it receives, over TLS unless `tls = false`.
    Echo,
}

/// How the lab's server is set up. The same struct is a scenario's `[server]` table (the
/// server choice and the address are the command line's, never a scenario's).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct LabOptions {
    #[serde(skip)]
    pub server: ServerChoice,
    #[serde(skip, default = "loopback")]
    pub bind: IpAddr,
    /// False: a plaintext Redis, no TLS at all.
    pub tls: bool,
    pub auth_clients: AuthClients,
    /// `tls-protocols`, e.g. `TLSv1.2 TLSv1.3`.
    pub protocols: Option<String>,
    pub ciphers: Option<String>,
    pub ciphersuites: Option<String>,
    pub requirepass: Option<String>,
    /// `tls-session-caching yes|no` (Redis's default: yes). The built-in server with `no`
    /// keeps no sessions and sends no tickets.
    pub session_caching: Option<bool>,
    #[serde(rename = "certificate")]
    pub server_cert: ServerCertOptions,
    /// Run a fault server instead of Redis.
    pub fault: Option<Fault>,
    /// Start redis-server with an OpenSSL config (`OPENSSL_CONF`, written into the lab folder)
    /// that refuses the extended master secret (RFC 7627), so that a TLS 1.2 handshake uses
    /// the RFC 5246 master secret. redis-server only: rustls (the built-in server) always
    /// agrees to it. Not a scenario setting.
    #[serde(skip)]
    pub tls12_without_ems: bool,
}

fn loopback() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

impl Default for LabOptions {
    fn default() -> Self {
        Self {
            server: ServerChoice::Auto,
            bind: loopback(),
            tls: true,
            auth_clients: AuthClients::Yes,
            protocols: None,
            ciphers: None,
            ciphersuites: None,
            requirepass: None,
            session_caching: None,
            server_cert: ServerCertOptions::default(),
            fault: None,
            tls12_without_ems: false,
        }
    }
}

enum Backend {
    Redis(redis::RedisProcess),
    Builtin(builtin::BuiltinServer),
    Fault(fault::FaultServer),
    Nothing,
}

/// A running lab. Dropping it stops the server and removes its folder.
pub struct Lab {
    pub host: String,
    pub port: u16,
    pub files: LabFiles,
    /// The redis.conf lines that configure this server (what teachers show), port filled in.
    pub conf_lines: Vec<String>,
    /// What serves: `redis-server 7.0.15`, `built-in server`, `fault server (silent)`.
    pub server_description: String,
    /// Shown to the user when the lab had to fall back.
    pub notice: Option<String>,
    pub options: LabOptions,
    backend: Backend,
}

impl Lab {
    pub fn start(mut options: LabOptions) -> Result<Lab, LabError> {
        // A classroom lab (--bind) must be reachable, and verifiable, by its addresses too.
        let reachable = reachable_addresses(options.bind);
        for address in &reachable {
            if !options.server_cert.names.contains(address) {
                options.server_cert.names.push(address.clone());
            }
        }
        let host = reachable
            .first()
            .cloned()
            .unwrap_or_else(|| options.bind.to_string());
        let files = LabFiles::create(&options)?;
        // From here on a failure drops this lab, and dropping it removes its folder.
        let mut lab = Lab {
            host,
            port: 0,
            files,
            conf_lines: Vec::new(),
            server_description: String::new(),
            notice: None,
            options,
            backend: Backend::Nothing,
        };
        if let Some(fault) = lab.options.fault {
            if fault == Fault::NothingListening {
                lab.port = files::closed_port(lab.options.bind)?;
                lab.server_description = "nothing listening".into();
            } else {
                let server = fault::FaultServer::start(
                    fault,
                    lab.options.bind,
                    &lab.files,
                    lab.options.tls,
                )?;
                lab.port = server.port;
                lab.server_description = format!("fault server ({})", fault_name(fault));
                lab.backend = Backend::Fault(server);
            }
            return Ok(lab);
        }
        let conf_lines = redis::conf_lines(&lab.options, &lab.files);
        let use_redis = match lab.options.server {
            ServerChoice::Builtin if lab.options.tls12_without_ems => {
                return Err(LabError::BuiltinKeepsEms)
            }
            ServerChoice::Builtin => false,
            ServerChoice::Redis => true,
            // The built-in server cannot stand in: it would agree to what was to be refused.
            ServerChoice::Auto => lab.options.tls12_without_ems || redis::version().is_ok(),
        };
        if use_redis {
            match redis::RedisProcess::start(&lab.options, &lab.files, &conf_lines) {
                Ok(process) => {
                    lab.port = process.port;
                    lab.conf_lines = resolve_port(&conf_lines, process.port);
                    lab.server_description = process.description.clone();
                    lab.backend = Backend::Redis(process);
                    return Ok(lab);
                }
                // The built-in server would fail the same way on the address or the folder.
                Err(e)
                    if lab.options.server == ServerChoice::Redis
                        || lab.options.tls12_without_ems
                        || !e.is_redis_server_problem() =>
                {
                    return Err(e)
                }
                Err(e) => {
                    lab.notice = Some(format!(
                        "redis-server could not start ({e}); using the built-in server"
                    ))
                }
            }
        } else if lab.options.server == ServerChoice::Auto {
            lab.notice = Some(
                "redis-server with TLS was not found: using tlsviz's built-in server \
                 (install it: apt install redis-server / brew install redis)"
                    .into(),
            );
        }
        let server = builtin::BuiltinServer::start(&lab.options, &lab.files)?;
        lab.port = server.port;
        lab.conf_lines = resolve_port(&conf_lines, server.port);
        lab.server_description = "built-in server (tokio-rustls)".into();
        lab.backend = Backend::Builtin(server);
        Ok(lab)
    }

    /// [`Lab::start`] off the async threads (making keys and waiting for the server block).
    /// The blocking thread it runs on is retired by tokio after 10 idle seconds; redis-server
    /// outlives it because it is spawned from one lasting thread (see `redis.rs`). Dropping this
    /// future early still stops the lab: tokio drops the unclaimed result.
    pub async fn start_async(options: LabOptions) -> Result<Lab, LabError> {
        tokio::task::spawn_blocking(move || Lab::start(options))
            .await
            .map_err(LabError::StartTask)?
    }

    /// Stop the server and remove the folder off the async threads (redis-server gets up to
    /// 2 s to exit). Should the runtime be shutting down, the lab is dropped, so stopped, here.
    pub async fn stop(self) {
        let _ = tokio::task::spawn_blocking(move || drop(self)).await;
    }

    pub fn dir(&self) -> &Path {
        &self.files.dir
    }

    /// The pid of the redis-server process, if the lab runs one.
    pub fn redis_pid(&self) -> Option<u32> {
        match &self.backend {
            Backend::Redis(p) => Some(p.pid()),
            _ => None,
        }
    }

    pub fn is_real_redis(&self) -> bool {
        matches!(self.backend, Backend::Redis(_))
    }

    /// `tlsviz connect` arguments that reach this lab with the lab's client certificate.
    pub fn connect_args(&self) -> Vec<String> {
        let mut args = vec![
            "-h".into(),
            self.host.clone(),
            "-p".into(),
            self.port.to_string(),
        ];
        if self.options.tls {
            args.extend([
                "--tls".into(),
                "--cacert".into(),
                path_str(&self.files.ca_cert),
                "--cert".into(),
                path_str(&self.files.client_cert),
                "--key".into(),
                path_str(&self.files.client_key),
            ]);
        }
        args
    }

    pub fn redis_cli_command(&self) -> String {
        format!("redis-cli {}", shell_join(&self.connect_args()))
    }

    pub fn tlsviz_command(&self) -> String {
        format!("tlsviz connect {}", shell_join(&self.connect_args()))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.backend, Backend::Nothing) {
            Backend::Redis(p) => p.stop(),
            Backend::Builtin(s) => s.stop(),
            Backend::Fault(s) => s.stop(),
            Backend::Nothing => {}
        }
        self.files.remove();
    }
}

/// The addresses other machines reach a lab bound to `bind` by: none for loopback, the address
/// itself, or every non-loopback interface address for 0.0.0.0 / ::.
fn reachable_addresses(bind: IpAddr) -> Vec<String> {
    if bind.is_loopback() {
        return Vec::new();
    }
    if !bind.is_unspecified() {
        return vec![bind.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    // Without the interface list, the lab is still reachable by name; its certificate just
    // lacks the addresses.
    let interfaces = if_addrs::get_if_addrs().unwrap_or_default();
    for ip in interfaces.iter().map(if_addrs::Interface::ip) {
        let same_family = ip.is_ipv4() == bind.is_ipv4();
        if same_family && !ip.is_loopback() && !out.contains(&ip.to_string()) {
            out.push(ip.to_string());
        }
    }
    out
}

/// The fault's name as scenarios spell it (`stop-mid-handshake`).
fn fault_name(fault: Fault) -> String {
    serde_json::to_value(fault)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn resolve_port(lines: &[String], port: u16) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.replace("{PORT}", &port.to_string()))
        .collect()
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}

pub fn shell_join(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a server accepts connections on `address` now. A connection to itself (source
/// port = the port asked for, which the kernel can pick in the ephemeral range while nothing
/// listens) does not count.
pub fn accepts_connections(address: std::net::SocketAddr, timeout: std::time::Duration) -> bool {
    std::net::TcpStream::connect_timeout(&address, timeout)
        .is_ok_and(|s| s.local_addr().ok() != s.peer_addr().ok())
}

/// Where the lab keeps its folders: the system temp dir, or `TLSVIZ_LAB_DIR` for tests.
pub fn lab_root() -> PathBuf {
    std::env::var_os("TLSVIZ_LAB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rustls always agrees to the extended master secret: the built-in server is refused for
    /// a lab that must not, with a hint naming redis-server, rather than silently agreeing.
    #[test]
    fn the_builtin_server_cannot_refuse_the_extended_master_secret() {
        let error = Lab::start(LabOptions {
            server: ServerChoice::Builtin,
            tls12_without_ems: true,
            ..LabOptions::default()
        })
        .err()
        .expect("refused");
        assert!(matches!(error, LabError::BuiltinKeepsEms), "{error:?}");
        assert!(error.hint().contains("redis-server"), "{}", error.hint());
    }
}
