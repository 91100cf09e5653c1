//! The lab: certificates made on the spot, a real `redis-server` with TLS on a free loopback
//! port (or the built-in server, or a fault server), and nothing left behind when it stops.

pub mod builtin;
pub mod certs;
pub mod fault;
mod files;
mod redis;

use certs::{KeyKind, Validity};
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

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
    #[serde(rename = "certificate")]
    pub server_cert: ServerCertOptions,
    /// Run a fault server instead of Redis.
    pub fault: Option<Fault>,
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
            server_cert: ServerCertOptions::default(),
            fault: None,
        }
    }
}

#[derive(Debug)]
pub struct LabError(pub String);

impl std::fmt::Display for LabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LabError {}

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
        let files = LabFiles::create(&options)?;
        let host = reachable
            .first()
            .cloned()
            .unwrap_or_else(|| options.bind.to_string());
        if let Some(fault) = options.fault {
            let (backend, port, description) = if fault == Fault::NothingListening {
                (
                    Backend::Nothing,
                    files::closed_port(options.bind)?,
                    "nothing listening".into(),
                )
            } else {
                let server = fault::FaultServer::start(fault, options.bind, &files)?;
                let port = server.port;
                (
                    Backend::Fault(server),
                    port,
                    format!(
                        "fault server ({})",
                        serde_json::to_value(fault)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    ),
                )
            };
            return Ok(Lab {
                host,
                port,
                files,
                conf_lines: Vec::new(),
                server_description: description,
                notice: None,
                options,
                backend,
            });
        }
        let conf_lines = redis::conf_lines(&options, &files);
        let use_redis = match options.server {
            ServerChoice::Builtin => false,
            ServerChoice::Redis => true,
            ServerChoice::Auto => redis::available().is_some(),
        };
        let mut notice = None;
        if use_redis {
            match redis::RedisProcess::start(&options, &files, &conf_lines) {
                Ok(process) => {
                    return Ok(Lab {
                        host,
                        port: process.port,
                        server_description: process.description.clone(),
                        files,
                        conf_lines: resolve_port(&conf_lines, process.port),
                        notice: None,
                        options,
                        backend: Backend::Redis(process),
                    })
                }
                Err(e) if options.server == ServerChoice::Redis => return Err(e),
                Err(e) => {
                    notice = Some(format!(
                        "redis-server could not start ({e}); using the built-in server"
                    ))
                }
            }
        } else if options.server == ServerChoice::Auto {
            notice = Some(
                "redis-server with TLS was not found: using tlsviz's built-in server \
                 (install it: apt install redis-server / brew install redis)"
                    .into(),
            );
        }
        let server = builtin::BuiltinServer::start(&options, &files)?;
        Ok(Lab {
            host,
            port: server.port,
            files,
            conf_lines: resolve_port(&conf_lines, server.port),
            server_description: "built-in server (tokio-rustls)".into(),
            notice,
            options,
            backend: Backend::Builtin(server),
        })
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
    let mut out = Vec::new();
    // SAFETY: getifaddrs hands us a linked list that we only read and then free exactly once.
    unsafe {
        let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut list) != 0 {
            return out;
        }
        let mut at = list;
        while !at.is_null() {
            let addr = (*at).ifa_addr;
            if !addr.is_null() {
                let ip: Option<IpAddr> = match i32::from((*addr).sa_family) {
                    libc::AF_INET if bind.is_ipv4() => {
                        let v4 = &*(addr as *const libc::sockaddr_in);
                        Some(IpAddr::from(u32::from_be(v4.sin_addr.s_addr).to_be_bytes()))
                    }
                    libc::AF_INET6 if bind.is_ipv6() => {
                        let v6 = &*(addr as *const libc::sockaddr_in6);
                        Some(IpAddr::from(v6.sin6_addr.s6_addr))
                    }
                    _ => None,
                };
                if let Some(ip) = ip.filter(|ip| !ip.is_loopback()) {
                    if !out.contains(&ip.to_string()) {
                        out.push(ip.to_string());
                    }
                }
            }
            at = (*at).ifa_next;
        }
        libc::freeifaddrs(list);
    }
    out
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

fn shell_join(args: &[String]) -> String {
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

/// Where the lab keeps its folders: the system temp dir, or `TLSVIZ_LAB_DIR` for tests.
pub fn lab_root() -> PathBuf {
    std::env::var_os("TLSVIZ_LAB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}
