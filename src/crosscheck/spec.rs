//! What to cross-check: plain inputs, no clap.

use std::path::PathBuf;
use std::time::Duration;

/// A TLS version the user forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersionChoice {
    V1_2,
    V1_3,
}

/// The user's connection settings. Paths are the user's own files; nothing is copied.
#[derive(Clone, PartialEq, Eq)]
pub struct CrossCheckSpec {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub sni: Option<String>,
    pub cacert: Option<PathBuf>,
    pub cacertdir: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure: bool,
    pub user: Option<String>,
    pub password: Option<String>,
    pub db: Option<u32>,
    pub tls_version: Option<TlsVersionChoice>,
    /// The whole cross-check's budget: the child is killed when it runs out.
    pub timeout: Duration,
}

impl CrossCheckSpec {
    /// A TLS spec for `host:port` with no trust settings (the system's store) and a 5 s timeout.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            tls: true,
            sni: None,
            cacert: None,
            cacertdir: None,
            cert: None,
            key: None,
            insecure: false,
            user: None,
            password: None,
            db: None,
            tls_version: None,
            timeout: Duration::from_secs(5),
        }
    }
}

// Hand-written so a `{:?}` in a log never prints the password.
impl std::fmt::Debug for CrossCheckSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrossCheckSpec")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("sni", &self.sni)
            .field("cacert", &self.cacert)
            .field("cacertdir", &self.cacertdir)
            .field("cert", &self.cert)
            .field("key", &self.key)
            .field("insecure", &self.insecure)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("db", &self.db)
            .field("tls_version", &self.tls_version)
            .field("timeout", &self.timeout)
            .finish()
    }
}
