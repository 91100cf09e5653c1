//! What the engine is given: TLS material already loaded and checked (trust roots, the client
//! certificate and key, the keylog file). Loading it from the user's files is `crate::target`'s
//! job; the engine knows no flag and no file name.

use super::hooks::{SharedResolver, SharedVerifier};
use super::wire::TlsVersion;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls::RootCertStore;
use std::sync::{Arc, Mutex};

/// Which TLS versions the client offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsVersions {
    #[default]
    Both,
    Only12,
    Only13,
}

impl TlsVersions {
    /// The versions offered, preferred first.
    pub fn offered(self) -> Vec<TlsVersion> {
        match self {
            TlsVersions::Both => vec![TlsVersion::Tls13, TlsVersion::Tls12],
            TlsVersions::Only12 => vec![TlsVersion::Tls12],
            TlsVersions::Only13 => vec![TlsVersion::Tls13],
        }
    }

    pub fn rustls(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        static BOTH: [&rustls::SupportedProtocolVersion; 2] =
            [&rustls::version::TLS13, &rustls::version::TLS12];
        static ONLY12: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
        static ONLY13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        match self {
            TlsVersions::Both => &BOTH,
            TlsVersions::Only12 => &ONLY12,
            TlsVersions::Only13 => &ONLY13,
        }
    }
}

/// Material loaded once and reused for every connection of a run.
#[derive(Clone)]
pub struct TlsMaterial {
    pub provider: Arc<CryptoProvider>,
    pub roots: Arc<RootCertStore>,
    /// rustls's own verifier over `roots`, built once and shared by every run (`None` with
    /// `--insecure`).
    pub verifier: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    pub trust_description: String,
    pub client: Option<(Arc<CertifiedKey>, String)>,
    pub insecure: bool,
    pub versions: TlsVersions,
    pub keylog: Option<Arc<Mutex<std::fs::File>>>,
    /// Sessions remembered between connections (`connect --resume`): each run given the same
    /// store resumes the session an earlier one left there. `None`: every run is a full
    /// handshake, the default.
    pub sessions: Option<SharedSessions>,
    /// `--pcap-secrets`: the key log kept in memory for the capture (never in events).
    pub keylog_memory: Option<Arc<super::hooks::MemoryKeyLog>>,
    /// `--show-secrets`: key exchange through groups whose private key can be shown, and the
    /// key schedule recomputed and reported with its values. Off: ring's groups, no schedule.
    pub show_secrets: bool,
}

/// What connections that resume each other share: the session store, and the verifier and
/// resolver rustls requires to be the same ones for a session to be resumed.
#[derive(Clone)]
pub struct SharedSessions {
    pub store: Arc<dyn rustls::client::ClientSessionStore>,
    pub verifier: Arc<SharedVerifier>,
    pub resolver: Arc<SharedResolver>,
}

impl TlsMaterial {
    /// The same material with a fresh session store: connections made with (clones of) the
    /// result, one after the other, remember and resume each other's sessions.
    pub fn sharing_sessions(&self) -> TlsMaterial {
        TlsMaterial {
            sessions: Some(SharedSessions {
                store: Arc::new(rustls::client::ClientSessionMemoryCache::new(16)),
                verifier: Arc::default(),
                resolver: Arc::default(),
            }),
            ..self.clone()
        }
    }
}

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}
