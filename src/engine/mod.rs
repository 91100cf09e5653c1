//! The engine: owns the socket and the `rustls::ClientConnection`, drives the handshake by hand
//! one record at a time, and reports everything as [`events::Event`]s. Knows nothing of terminals.
//!
//! `flow` says what each step does; `driver` moves records between the socket and rustls; `tap`
//! names every record that crosses (with `records`, `handshake` and `decrypt`) and reads the
//! replies; `wire` has the protocol's vocabulary as types.

pub mod annotate;
pub mod bytes;
mod capture;
pub mod certinfo;
pub mod config;
pub mod decrypt;
mod decrypt12;
mod driver;
pub mod events;
mod flow;
mod handshake;
mod hello_resumption;
pub mod hooks;
pub mod keyschedule;
pub mod opinion;
pub mod pace;
mod plain;
pub mod probe;
pub mod records;
pub mod resp;
pub(crate) mod resumed;
pub mod step;
mod tap;
pub mod tls_error;
pub mod wire;

use config::TlsMaterial;
use events::{Event, Failure, RunInfo};
use pace::{EventSink, Pace};
use std::time::Duration;
use step::Step;
use tokio::net::TcpStream;

/// Everything one connection needs, loaded and checked.
#[derive(Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// The name sent as SNI and checked against the certificate: `--sni`, else the host.
    pub server_name: String,
    /// `None`: a plaintext connection.
    pub tls: Option<TlsMaterial>,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The database to SELECT after AUTH (`-n`, or `/N` in a URL); `None` or 0: the default.
    pub db: Option<u32>,
    /// The command sent at step 8 (default `PING`).
    pub command: Vec<String>,
    pub timeout: Duration,
    /// `--bytes`: every record's bytes kept and named, and what tlsviz opens shown.
    pub capture_bytes: bool,
}

impl Target {
    /// What this run will do, with no secret in it.
    pub fn run_info(&self) -> RunInfo {
        RunInfo {
            host: self.host.clone(),
            port: self.port,
            tls: self.tls.is_some(),
            server_name: self.server_name.clone(),
            sni_sent: self.tls.is_some() && self.server_name.parse::<std::net::IpAddr>().is_err(),
            tls_versions: self
                .tls
                .as_ref()
                .map(|t| t.versions.offered())
                .unwrap_or_default(),
            trust: self
                .tls
                .as_ref()
                .map(|t| t.trust_description.clone())
                .unwrap_or_default(),
            client_certificate: self
                .tls
                .as_ref()
                .and_then(|t| t.client.as_ref().map(|(_, subject)| subject.clone())),
            insecure: self.tls.as_ref().is_some_and(|t| t.insecure),
            client_certificate_info: self.tls.as_ref().and_then(|t| {
                let (key, _) = t.client.as_ref()?;
                Some(Box::new(certinfo::describe_certificate(
                    key.cert.first()?.as_ref(),
                )))
            }),
            user: self.user.clone(),
            password_given: self.password.is_some(),
            command: resp::redact(&self.command),
            timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// What step 8 sends, in order, each with whether it is the AUTH: AUTH (if a password was
    /// given), SELECT (if a database was), then the command.
    pub fn step8_commands(&self) -> Vec<(Vec<String>, bool)> {
        let mut out = Vec::new();
        if let Some(auth) = self.auth_command() {
            out.push((auth, true));
        }
        if let Some(db) = self.db.filter(|&db| db != 0) {
            out.push((vec!["SELECT".into(), db.to_string()], false));
        }
        out.push((self.command.clone(), false));
        out
    }

    /// The AUTH command to send first, if a password was given.
    pub fn auth_command(&self) -> Option<Vec<String>> {
        let password = self.password.clone()?;
        Some(match &self.user {
            Some(user) => vec!["AUTH".into(), user.clone(), password],
            None => vec!["AUTH".into(), password],
        })
    }
}

/// Run one connection through the nine steps. Returns true when the whole run succeeded; the
/// story of the run, success or not, is in the events.
pub async fn run(target: &Target, pace: Pace, sink: EventSink) -> bool {
    sink.emit(Event::RunStarted(target.run_info()));
    let result = match &target.tls {
        Some(material) => flow::run_tls(target, material, &pace, &sink).await,
        None => plain::run_plain(target, &pace, &sink).await,
    };
    match result {
        Ok(()) => true,
        Err(failure) => {
            let probe_worthy = matches!(
                failure,
                Failure::Timeout {
                    step: Step::Handshake,
                    ..
                } | Failure::NotTls {
                    step: Step::Handshake,
                    ..
                } | Failure::PeerClosed {
                    step: Step::Handshake,
                    ..
                }
            ) && target.tls.is_some();
            sink.emit(Event::Failed(failure));
            if probe_worthy {
                let result =
                    probe::probe_plaintext(&target.host, target.port, target.timeout).await;
                sink.emit(Event::Probe(result));
            }
            false
        }
    }
}

/// `host:port` as people write it: an IPv6 literal in brackets (`[::1]:6379`), whether or not
/// the host was typed with them.
pub fn host_port(host: &str, port: u16) -> String {
    let bare = bare_host(host);
    if bare.contains(':') {
        format!("[{bare}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A host without the brackets of an IPv6 literal (`[::1]` → `::1`).
pub fn bare_host(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// Step 1: resolve the host and open the TCP connection, all within one timeout.
async fn connect(target: &Target, sink: &EventSink) -> Result<TcpStream, Failure> {
    let host = bare_host(&target.host);
    let deadline = tokio::time::Instant::now() + target.timeout;
    let lookup = tokio::time::timeout_at(deadline, tokio::net::lookup_host((host, target.port)));
    let addresses: Vec<_> = match lookup.await {
        Err(_) => {
            return Err(Failure::HostNotFound {
                host: target.host.clone(),
                message: "name resolution timed out".into(),
            })
        }
        Ok(Err(e)) => {
            return Err(Failure::HostNotFound {
                host: target.host.clone(),
                message: e.to_string(),
            })
        }
        Ok(Ok(list)) => list.collect(),
    };
    let Some(first) = addresses.first() else {
        return Err(Failure::HostNotFound {
            host: target.host.clone(),
            message: "the name has no address".into(),
        });
    };
    let mut last = Failure::ConnectRefused {
        address: first.to_string(),
    };
    for address in addresses {
        match tokio::time::timeout_at(deadline, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => {
                // Small handshake records must leave when we say so, not when Nagle decides.
                let _ = stream.set_nodelay(true);
                sink.emit(Event::TcpConnected {
                    peer: address.to_string(),
                    local: stream
                        .local_addr()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                });
                return Ok(stream);
            }
            // Established, then reset before connect() returned: a peer that resets at once.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Err(Failure::PeerClosed {
                    step: Step::Connect,
                    reset: true,
                    bytes_received: 0,
                    partial_record: 0,
                })
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = Failure::ConnectRefused {
                    address: address.to_string(),
                }
            }
            Ok(Err(e)) => {
                last = Failure::ConnectIo {
                    address: address.to_string(),
                    message: e.to_string(),
                }
            }
            Err(_) => {
                last = Failure::ConnectTimeout {
                    address: address.to_string(),
                }
            }
        }
    }
    Err(last)
}

/// Step 1 with its pacing and markers, shared by the TLS and plaintext paths.
async fn step_connect(
    target: &Target,
    pace: &Pace,
    sink: &EventSink,
) -> Result<TcpStream, Failure> {
    pace.wait(Step::Connect, sink)
        .await
        .map_err(|_| Failure::Cancelled {
            step: Step::Connect,
        })?;
    sink.emit(Event::StepStarted {
        step: Step::Connect,
    });
    let stream = connect(target, sink).await?;
    sink.emit(Event::StepCompleted {
        step: Step::Connect,
    });
    Ok(stream)
}

async fn gate(step: Step, pace: &Pace, sink: &EventSink) -> Result<(), Failure> {
    pace.wait(step, sink)
        .await
        .map_err(|_| Failure::Cancelled { step })?;
    sink.emit(Event::StepStarted { step });
    Ok(())
}
