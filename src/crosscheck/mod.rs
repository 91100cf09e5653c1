//! The second opinion: what an OpenSSL-based client (redis-cli, hiredis, redis-py …) on this
//! machine decides with the user's trust settings. tlsviz's own verdict is rustls's; users come
//! because their OpenSSL client fails, and the two can disagree (a CA folder without
//! `openssl rehash`, a DER CA file, an intermediate as the trust anchor …).
//!
//! Prefers the real `redis-cli` on PATH, else `openssl s_client` made to decide like it.
//! Plaintext specs are `skipped`: there is no TLS decision to compare, and nothing is run.
//! After a step-2 handshake_failure, [`fetch_peer_chain`] asks `openssl s_client` for the
//! server's certificates, which rustls never got to see.
//! Self-contained: depends on nothing above the engine.

mod argv;
mod child;
mod classify;
mod peer_chain;
mod spec;
#[cfg(test)]
mod tests;
mod versions;

pub use crate::engine::opinion::{CrossCheck, Tool, Verdict};
pub use classify::{classify, ToolOutput};
pub use peer_chain::{fetch as fetch_peer_chain, PeerChain, PeerChainSpec};
pub use spec::{CrossCheckSpec, TlsVersionChoice};

use child::Ran;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::time::Instant;

/// The programs that can give the second opinion, found on a PATH.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tools {
    pub redis_cli: Option<PathBuf>,
    pub openssl: Option<PathBuf>,
    /// Where the tools' versions are remembered between runs (`None`: asked every run).
    pub version_cache: Option<PathBuf>,
}

impl Tools {
    /// Looks on this process's PATH.
    pub fn discover() -> Self {
        Self {
            version_cache: versions::cache_dir(),
            ..Self::discover_in(&std::env::var_os("PATH").unwrap_or_default())
        }
    }

    /// Looks on the given PATH value (testable without touching the process environment); no
    /// version cache.
    pub fn discover_in(path: &OsStr) -> Self {
        Self {
            redis_cli: find_program(path, "redis-cli"),
            openssl: find_program(path, "openssl"),
            version_cache: None,
        }
    }

    /// Only this tool, if it was found (forces the openssl fallback, for example).
    pub fn only(&self, tool: Tool) -> Self {
        match tool {
            Tool::RedisCli => Self {
                redis_cli: self.redis_cli.clone(),
                openssl: None,
                version_cache: self.version_cache.clone(),
            },
            Tool::Openssl => Self {
                redis_cli: None,
                openssl: self.openssl.clone(),
                version_cache: self.version_cache.clone(),
            },
        }
    }
}

fn find_program(path: &OsStr, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        // An empty PATH entry means the current folder; a tool picked up from there would be a
        // surprise, so only absolute folders count.
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Cross-check with the tools on this process's PATH.
pub async fn run(spec: &CrossCheckSpec) -> CrossCheck {
    start(spec).finish().await
}

/// Cross-check with the given tools: redis-cli if present, else openssl. Bounded by
/// `spec.timeout`; dropping the future kills the child.
pub async fn run_with_tools(spec: &CrossCheckSpec, tools: &Tools) -> CrossCheck {
    start_with_tools(spec, tools).finish().await
}

/// Start the cross-check now with the tools on this process's PATH: its child process is
/// running when this returns, so the caller's own work overlaps with it.
pub fn start(spec: &CrossCheckSpec) -> Started {
    start_with_tools(spec, &Tools::discover())
}

/// A cross-check whose child is running (or that needs none). Dropping it kills the child.
pub struct Started {
    started: Instant,
    timeout: Duration,
    password: Option<zeroize::Zeroizing<String>>,
    state: State,
}

enum State {
    Done(Verdict),
    Running(Box<Running>),
}

struct Running {
    invocation: argv::Invocation,
    child: std::io::Result<tokio::process::Child>,
    version: Version,
}

/// The tool's version: remembered from an earlier run of the same build, or being asked now
/// (and then remembered in `cache`).
enum Version {
    Known(String),
    Asking {
        child: tokio::process::Child,
        cache: Option<PathBuf>,
    },
    Unknown,
}

/// The command that gives the second opinion: redis-cli if present, else openssl; but with a
/// TLS version forced, openssl first: redis-cli cannot force one, and would judge whatever
/// version it negotiated rather than the handshake tlsviz made.
pub(crate) fn invocation_for(spec: &CrossCheckSpec, tools: &Tools) -> Option<argv::Invocation> {
    let forced = spec.tls_version.is_some();
    match (&tools.redis_cli, &tools.openssl) {
        (_, Some(openssl)) if forced => Some(argv::openssl(openssl, spec)),
        (Some(redis_cli), _) => Some(argv::redis_cli(redis_cli, spec)),
        (None, Some(openssl)) => Some(argv::openssl(openssl, spec)),
        (None, None) => None,
    }
}

/// As [`start`], with the given tools: redis-cli if present, else openssl.
pub fn start_with_tools(spec: &CrossCheckSpec, tools: &Tools) -> Started {
    let started = Instant::now();
    let state = if !spec.tls {
        State::Done(Verdict::Skipped)
    } else {
        match invocation_for(spec, tools) {
            None => State::Done(Verdict::Unavailable),
            Some(invocation) => {
                // The verdict's child first; the version question (only for a build not seen
                // before) runs alongside it.
                let child = child::spawn(&invocation);
                let cache = tools.version_cache.as_deref();
                let version = match (
                    &child,
                    versions::lookup(cache, invocation.tool, &invocation.program),
                ) {
                    (Err(_), _) => Version::Unknown,
                    (Ok(_), Some(known)) => Version::Known(known),
                    (Ok(_), None) => child::spawn_version(invocation.tool, &invocation.program)
                        .map(|child| Version::Asking {
                            child,
                            cache: tools.version_cache.clone(),
                        })
                        .unwrap_or(Version::Unknown),
                };
                State::Running(Box::new(Running {
                    invocation,
                    child,
                    version,
                }))
            }
        }
    };
    Started {
        started,
        timeout: spec.timeout,
        password: spec.password.clone().map(zeroize::Zeroizing::new),
        state,
    }
}

impl Started {
    /// The verdict, once the child answered, exited or ran out of time.
    pub async fn finish(self) -> CrossCheck {
        let Started {
            started,
            timeout,
            password,
            state,
        } = self;
        let (invocation, child, version) = match state {
            State::Done(verdict) => {
                return CrossCheck {
                    by: None,
                    version: None,
                    verdict,
                    reason: None,
                    command: String::new(),
                    elapsed_ms: 0,
                }
            }
            State::Running(running) => {
                let Running {
                    invocation,
                    child,
                    version,
                } = *running;
                (invocation, child, version)
            }
        };
        let tool = invocation.tool;
        let deadline = started + timeout;
        let ran = async {
            match child {
                Ok(child) => child::finish(child, &invocation, deadline).await,
                Err(e) => Ran::NotStarted(e),
            }
        };
        let program = invocation.program.clone();
        let version = async {
            match version {
                Version::Known(known) => Some(known),
                Version::Asking { child, cache } => {
                    let asked = child::version(tool, child, deadline).await;
                    if let Some(asked) = &asked {
                        versions::store(cache.as_deref(), tool, &program, asked);
                    }
                    asked
                }
                Version::Unknown => None,
            }
        };
        let (ran, version) = tokio::join!(ran, version);
        let (verdict, reason) = match ran {
            Ran::Finished(out) => classify(
                tool,
                &ToolOutput {
                    stdout: &out.stdout,
                    stderr: &out.stderr,
                    exit_code: out.exit_code,
                    sent: &invocation.sent,
                },
            ),
            Ran::TimedOut => (
                Verdict::Failed,
                Some(format!("no answer within {}", seconds(timeout))),
            ),
            Ran::NotStarted(e) => (
                Verdict::Unavailable,
                Some(format!("could not start {}: {e}", tool.program())),
            ),
        };
        CrossCheck {
            by: Some(tool),
            version,
            verdict,
            reason: reason.map(|r| mask(&r, password.as_deref().map(String::as_str))),
            command: invocation.display,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// "1 s", "0.5 s".
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// Belt and braces: a reason is the tool's words, but a server could echo what it was sent.
fn mask(text: &str, password: Option<&str>) -> String {
    match password {
        Some(p) if !p.is_empty() => text.replace(p, "***"),
        _ => text.to_string(),
    }
}
