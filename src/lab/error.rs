//! Why a lab could not start, one variant per cause, each with its own hint.
//!
//! `Display` includes the underlying error's text (also kept as `source`): callers show it as
//! one line, so a "Permission denied" must not be lost.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitStatus;

/// Redis gained TLS in 6.0.
pub const FIRST_REDIS_WITH_TLS: u32 = 6;

#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("redis-server was not found (`redis-server --version` did not answer)")]
    RedisNotFound,

    #[error("redis-server {version} is too old: TLS needs Redis {FIRST_REDIS_WITH_TLS} or later")]
    RedisTooOld { version: String },

    #[error("redis-server was built without TLS support: {log}")]
    RedisWithoutTls { log: String },

    #[error("cannot start redis-server: {0}")]
    RedisSpawn(#[source] io::Error),

    #[error("redis-server exited early ({status}): {log}")]
    RedisExited { status: ExitStatus, log: String },

    #[error("redis-server did not listen on {address} within {seconds} s: {log}")]
    RedisNotReady {
        address: SocketAddr,
        seconds: u64,
        log: String,
    },

    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: IpAddr,
        #[source]
        source: io::Error,
    },

    #[error("no free port on {address}: {source}")]
    NoFreePort {
        address: IpAddr,
        #[source]
        source: io::Error,
    },

    #[error("cannot make the {what}: {source}")]
    Certificate {
        what: &'static str,
        #[source]
        source: rcgen::Error,
    },

    #[error("no randomness for the lab folder's name")]
    NoRandomness,

    #[error("cannot create the lab folder in {}: {source}", path.display())]
    CreateFolder {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    WriteFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("cannot start the lab server's thread: {0}")]
    ServerThread(#[source] io::Error),

    #[error("no cipher suite left for the allowed TLS versions")]
    NoCipherSuite,

    #[error("built-in server: {what}: {source}")]
    BuiltinServer {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    #[error("the lab's start-up task failed: {0}")]
    StartTask(#[source] tokio::task::JoinError),

    #[error(
        "the built-in server cannot refuse the extended master secret (rustls always agrees to it)"
    )]
    BuiltinKeepsEms,

    #[error("the lab cluster did not form: {what}: {detail}")]
    ClusterSetup { what: String, detail: String },
}

impl LabError {
    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        use LabError::*;
        match self {
            RedisNotFound => {
                "install redis-server (apt install redis-server / brew install redis), \
                 or try --server builtin"
            }
            RedisTooOld { .. } => "upgrade redis-server to 6 or later, or try --server builtin",
            RedisWithoutTls { .. } => {
                "install a redis-server built with TLS (BUILD_TLS=yes), or try --server builtin"
            }
            RedisSpawn(_) => "check that `redis-server --version` runs, or try --server builtin",
            RedisExited { .. } => {
                "redis-server's own message says why (often a tls-* setting); or try --server builtin"
            }
            RedisNotReady { .. } => "the machine may be busy: try again, or try --server builtin",
            Listen { source, .. } if source.kind() == io::ErrorKind::AddrNotAvailable => {
                "--bind takes one of this machine's own addresses (see `ip -brief addr`), \
                 or 0.0.0.0 for every interface"
            }
            Listen { .. } => "check the --bind address and the machine's network settings",
            NoFreePort { .. } => "every local port is taken: close some connections and try again",
            Certificate { .. } => {
                "check the scenario's [server.certificate] names (DNS names or IP addresses)"
            }
            NoRandomness => "the system's random number source failed: check /dev/urandom",
            CreateFolder { .. } => {
                "make that folder writable, or point TMPDIR (or TLSVIZ_LAB_DIR) at one that is"
            }
            WriteFile { .. } => {
                "the disk may be full or the folder read-only: free some space, \
                 or point TMPDIR at another folder"
            }
            ServerThread(_) => "the system is short of threads or memory: close some programs",
            NoCipherSuite => {
                "the scenario's tls-protocols, tls-ciphers and tls-ciphersuites have no suite \
                 in common: widen one of them"
            }
            BuiltinKeepsEms => {
                "a TLS 1.2 lab without the extended master secret needs redis-server \
                 (apt install redis-server / brew install redis)"
            }
            ClusterSetup { .. } => {
                "the nodes' logs in the lab folder say why; the machine may be busy: try again"
            }
            BuiltinServer { .. } | StartTask(_) => {
                "this is a tlsviz bug: please report it (--server redis may work meanwhile)"
            }
        }
    }

    /// A failure of redis-server itself, after which the built-in server may still work (as
    /// opposed to the address, the folder or the certificates, which it shares).
    pub fn is_redis_server_problem(&self) -> bool {
        use LabError::*;
        matches!(
            self,
            RedisNotFound
                | RedisTooOld { .. }
                | RedisWithoutTls { .. }
                | RedisSpawn(_)
                | RedisExited { .. }
                | RedisNotReady { .. }
        )
    }

    /// A listening socket on `address` could not be had.
    pub fn listen(address: IpAddr, source: io::Error) -> LabError {
        if source.kind() == io::ErrorKind::AddrInUse {
            LabError::NoFreePort { address, source }
        } else {
            LabError::Listen { address, source }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_not_on_this_machine_gets_a_bind_hint() {
        let e = LabError::listen(
            IpAddr::from([203, 0, 113, 7]),
            io::Error::from(io::ErrorKind::AddrNotAvailable),
        );
        assert!(matches!(e, LabError::Listen { .. }));
        assert!(e.to_string().starts_with("cannot listen on 203.0.113.7: "));
        assert!(e.hint().contains("--bind"), "{}", e.hint());
        assert!(!e.hint().contains("install"));
    }

    #[test]
    fn address_in_use_means_no_free_port() {
        let e = LabError::listen(
            IpAddr::from([127, 0, 0, 1]),
            io::Error::from(io::ErrorKind::AddrInUse),
        );
        assert!(matches!(e, LabError::NoFreePort { .. }));
        assert!(!e.is_redis_server_problem());
    }

    #[test]
    fn only_a_missing_redis_says_install() {
        assert!(LabError::RedisNotFound
            .hint()
            .contains("install redis-server"));
        let folder = LabError::CreateFolder {
            path: "/nope".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert!(folder.to_string().contains("/nope"));
        assert!(folder.hint().contains("TMPDIR"));
        assert!(!folder.hint().contains("install"));
        let old = LabError::RedisTooOld {
            version: "5.0.7".into(),
        };
        assert!(old.to_string().contains("5.0.7"));
        assert!(old.hint().contains("upgrade"));
        assert!(old.is_redis_server_problem());
    }

    #[test]
    fn the_io_cause_stays_reachable() {
        use std::error::Error;
        let e = LabError::WriteFile {
            path: "/x/ca.crt".into(),
            source: io::Error::from(io::ErrorKind::StorageFull),
        };
        let cause = e.source().and_then(|s| s.downcast_ref::<io::Error>());
        assert_eq!(cause.map(io::Error::kind), Some(io::ErrorKind::StorageFull));
    }
}
