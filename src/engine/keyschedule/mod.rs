//! The key schedule of one real connection, recomputed by tlsviz and checked (`--show-secrets`).
//!
//! From the client's ephemeral private key and the ECDHE shared secret (seen through the
//! observable key-exchange groups of [`kx`]) and the handshake messages as they crossed the wire
//! (clear ones from the records; encrypted ones opened here with the keys derived here), every
//! secret of RFC 8446 §7 (TLS 1.3) or RFC 5246/7627 (TLS 1.2) is derived again with its formula,
//! then checked against something tlsviz did not compute: rustls's KeyLog, the Finished messages
//! the peers sent, the records the keys really opened, the key shares on the wire.
//!
//! Values travel in [`KeyEntry::value`], which is never serialized (recordings and transcripts
//! hold names, formulas and checks only), never printed by `Debug`, and wiped when dropped.

pub mod kx;
mod messages;
mod prim;
mod tls12;
mod tls13;

use super::events::{Direction, TlsVersion};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Bytes overwritten with zeros when dropped.
type Wiped = Zeroizing<Vec<u8>>;

/// A secret value as lowercase hex: for the reporters of this process only. Never serialized
/// (the field holding it is skipped), `Debug` shows `<hidden>`, wiped when dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretHex(Zeroizing<String>);

impl SecretHex {
    /// The hex of `bytes` (the schedule makes its values with it; the TUI's tests draw
    /// injected ones).
    pub fn of(bytes: &[u8]) -> SecretHex {
        let mut s = Zeroizing::new(String::with_capacity(bytes.len() * 2));
        for b in bytes {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 15)]));
        }
        SecretHex(s)
    }

    /// The value itself: print it only where the user asked for secrets.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl std::fmt::Debug for SecretHex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHex(<hidden>)")
    }
}

/// How an entry was checked. Every check but `derived` and `mismatch` compares the value with
/// something tlsviz did not compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyCheck {
    /// Equal to the secret rustls reported through its KeyLog: exactly the one rustls used.
    MatchesKeylog,
    /// The Finished computed with this key equals the Finished the peer (or rustls) sent.
    FinishedVerified,
    /// This key and IV opened real records of this connection (the AEAD tag verified).
    OpenedRecords,
    /// The private key's public half, computed again from it, is the key share the client sent.
    MatchesWire,
    /// Not comparable by itself, but the secrets derived from it match rustls's: it cannot be
    /// anything else (the shared secret, made with the server's share as received; the early,
    /// handshake and master secrets; the TLS 1.2 key block).
    ConfirmedDownstream,
    /// Derived, with nothing independent to compare it with in this run.
    Derived,
    /// Differs from what it was compared with (the note says what).
    Mismatch,
}

impl KeyCheck {
    /// Whether the value was confirmed independently (✓).
    pub fn confirmed(self) -> bool {
        !matches!(self, KeyCheck::Derived | KeyCheck::Mismatch)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyCheck::MatchesKeylog => "matches_keylog",
            KeyCheck::FinishedVerified => "finished_verified",
            KeyCheck::OpenedRecords => "opened_records",
            KeyCheck::MatchesWire => "matches_wire",
            KeyCheck::ConfirmedDownstream => "confirmed_downstream",
            KeyCheck::Derived => "derived",
            KeyCheck::Mismatch => "mismatch",
        }
    }
}

/// One value of the schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyEntry {
    /// e.g. `client_handshake_traffic_secret` (README lists them).
    pub name: String,
    /// How it is made, naming the entries it comes from, e.g.
    /// `HKDF-Extract(salt=Derive-Secret(early_secret, "derived", ""), IKM=shared_secret)`.
    pub formula: String,
    /// The entries (or inputs) it is made from, for drawing the ladder.
    pub from: Vec<String>,
    pub check: KeyCheck,
    /// What the check compared with, or why there was nothing to compare with.
    pub note: String,
    /// For keys: what the records it opened carried (message names, never contents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protects: Vec<String>,
    /// Its length in bytes.
    pub len: usize,
    /// The value, in this process only: never serialized, so never in a recording.
    #[serde(skip)]
    pub value: Option<SecretHex>,
}

/// The whole schedule of one connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeySchedule {
    pub version: TlsVersion,
    pub cipher_suite: String,
    /// The key-exchange group (`X25519`, `secp256r1`).
    pub group: Option<String>,
    /// In schedule order; empty when nothing could be recomputed (`missing` says why).
    pub entries: Vec<KeyEntry>,
    /// What could not be recomputed, and why (a group whose key cannot be shown, a handshake
    /// that stopped early).
    pub missing: Option<String>,
}

impl KeySchedule {
    pub fn entry(&self, name: &str) -> Option<&KeyEntry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

/// Records kept for the schedule while a run that shows secrets is under way: every record as
/// it crossed, both ways, up to a bound (a handshake is a few kilobytes; the first records of
/// data are enough to check the application keys).
#[derive(Default)]
pub struct Recorder {
    records: Vec<(Direction, Vec<u8>)>,
    bytes: usize,
}

const RECORDS_KEPT: usize = 64;
const BYTES_KEPT: usize = 512 * 1024;

impl Recorder {
    pub fn record(&mut self, direction: Direction, record: &[u8]) {
        if self.records.len() < RECORDS_KEPT && self.bytes + record.len() <= BYTES_KEPT {
            self.bytes += record.len();
            self.records.push((direction, record.to_vec()));
        }
    }

    /// The schedule, from what was recorded. `keylog` gives the secrets rustls logged, by label.
    pub fn schedule(
        &self,
        version: Option<rustls::ProtocolVersion>,
        suite: Option<rustls::CipherSuite>,
        keylog: &dyn Fn(&str) -> Option<Zeroizing<Vec<u8>>>,
    ) -> Option<KeySchedule> {
        schedule(&self.records, version?, suite?, keylog)
    }
}

/// The schedule of a connection from its records (in the order they crossed) and rustls's
/// KeyLog; `None` before a version and suite were negotiated.
pub fn schedule(
    records: &[(Direction, Vec<u8>)],
    version: rustls::ProtocolVersion,
    suite: rustls::CipherSuite,
    keylog: &dyn Fn(&str) -> Option<Zeroizing<Vec<u8>>>,
) -> Option<KeySchedule> {
    let info = messages::Suite::of(suite)?;
    let mut schedule = KeySchedule {
        version: TlsVersion::from(version),
        cipher_suite: super::handshake::cipher_name(u16::from(suite)),
        group: None,
        entries: Vec::new(),
        missing: None,
    };
    match version {
        rustls::ProtocolVersion::TLSv1_3 if info.tls13 => {
            tls13::derive(records, &info, keylog, &mut schedule)
        }
        rustls::ProtocolVersion::TLSv1_2 if !info.tls13 => {
            tls12::derive(records, &info, keylog, &mut schedule)
        }
        _ => return None,
    }
    Some(schedule)
}

/// Builds the entries in order.
struct Entries<'a> {
    out: &'a mut Vec<KeyEntry>,
}

impl Entries<'_> {
    fn push(
        &mut self,
        name: &str,
        formula: String,
        from: &[&str],
        value: &[u8],
        (check, note): (KeyCheck, String),
    ) -> &mut KeyEntry {
        self.out.push(KeyEntry {
            name: name.to_string(),
            formula,
            from: from.iter().map(|s| s.to_string()).collect(),
            check,
            note,
            protects: Vec::new(),
            len: value.len(),
            value: Some(SecretHex::of(value)),
        });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }
}

/// A value against rustls's KeyLog secret `label`.
fn against_keylog(
    value: &[u8],
    label: &str,
    keylog: &dyn Fn(&str) -> Option<Zeroizing<Vec<u8>>>,
) -> (KeyCheck, String) {
    match keylog(label) {
        Some(logged) if logged[..] == value[..] => (
            KeyCheck::MatchesKeylog,
            format!("equal to rustls's {label} (KeyLog)"),
        ),
        Some(_) => (
            KeyCheck::Mismatch,
            format!("differs from rustls's {label} (KeyLog)"),
        ),
        None => (
            KeyCheck::Derived,
            format!("rustls logged no {label} in this run"),
        ),
    }
}

/// The private key and the shared secret against the wire: the public key computed again from
/// the private key must be the client's share as sent (`client_wire`: where it travelled), and
/// the exchange must have used the server's share as received. The shared secret itself is
/// then as good as the secrets derived from it (`downstream`).
fn key_share_checks(
    observed: &kx::Observed,
    (client_share, client_wire): (&[u8], &str),
    (server_share, server_wire): (&[u8], &str),
    downstream: &(KeyCheck, String),
) -> ((KeyCheck, String), (KeyCheck, String)) {
    let private = match kx::public_key(observed.group, &observed.private) {
        Some(public) if public == client_share => (
            KeyCheck::MatchesWire,
            format!("its public key, computed again from it, is the {client_wire}"),
        ),
        _ => (
            KeyCheck::Mismatch,
            format!("its public key is not the {client_wire}"),
        ),
    };
    let shared = if observed.peer != server_share {
        (
            KeyCheck::Mismatch,
            format!("the exchange did not use the {server_wire}"),
        )
    } else if downstream.0 == KeyCheck::ConfirmedDownstream {
        (
            KeyCheck::ConfirmedDownstream,
            format!("made with the {server_wire}; {}", downstream.1),
        )
    } else {
        downstream.clone()
    };
    (private, shared)
}

/// The curve of an observable group, as the formulas name it.
fn curve_name(group: rustls::NamedGroup) -> &'static str {
    match group {
        rustls::NamedGroup::X25519 => "X25519",
        rustls::NamedGroup::secp384r1 => "P-384",
        _ => "P-256",
    }
}

/// A key or IV checked by the records it opened in one direction.
fn by_records(side: &str, opened: &messages::Opened) -> (KeyCheck, String) {
    match (opened.count, opened.failed) {
        (0, false) => (
            KeyCheck::Derived,
            format!("no record sent by the {side} under it was captured"),
        ),
        (0, true) => (
            KeyCheck::Mismatch,
            format!("does not open the {side}'s record (the AEAD tag does not verify)"),
        ),
        (n, _) => (
            KeyCheck::OpenedRecords,
            format!(
                "opened {n} record{} sent by the {side} (the AEAD tag verified)",
                if n == 1 { "" } else { "s" }
            ),
        ),
    }
}

#[cfg(test)]
mod tests;
