//! The second opinion: what an OpenSSL-based client on this machine decided with the same
//! flags. `crate::crosscheck` runs it; the result rides in the event stream like any other fact.

use serde::{Deserialize, Serialize};

/// Which program gave the second opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tool {
    #[serde(rename = "redis-cli")]
    RedisCli,
    #[serde(rename = "openssl")]
    Openssl,
}

impl Tool {
    /// The program's name, as the user would type it.
    pub fn program(self) -> &'static str {
        match self {
            Tool::RedisCli => "redis-cli",
            Tool::Openssl => "openssl",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Handshake and PING succeeded: the server answered PING with PONG.
    Ok,
    /// The handshake failed, the PING got an error reply, or nothing answered in time.
    Failed,
    /// Neither redis-cli nor openssl could be run on this machine.
    Unavailable,
    /// Nothing to cross-check (a plaintext connection).
    Skipped,
}

/// What an OpenSSL-based client on this machine decides with the user's trust settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossCheck {
    pub by: Option<Tool>,
    /// `redis-cli`'s version ("7.0.15"), or openssl's flavour and version ("OpenSSL 3.0.19").
    pub version: Option<String>,
    pub verdict: Verdict,
    /// The tool's own words, one trimmed line: why it failed ("certificate verify failed"),
    /// or on `ok` a warning it printed ("SELECT 99 failed: …"). Never contains the password.
    pub reason: Option<String>,
    /// The command line run; the password is never in it (it travels by env or stdin).
    pub command: String,
    pub elapsed_ms: u64,
}
