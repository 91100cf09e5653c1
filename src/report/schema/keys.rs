//! `{"type":"key_schedule",…}`: with `--show-secrets`, the connection's key schedule recomputed
//! by tlsviz, each value with its formula and how it was checked. Without the flag the line
//! does not exist; in a replay (recordings hold no values) every `hex` is `null`.

use crate::engine::keyschedule::{KeyEntry, KeySchedule};
use crate::engine::wire::TlsVersion;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct KeyScheduleJson<'a> {
    pub version: TlsVersion,
    pub cipher_suite: &'a str,
    /// The key-exchange group (`X25519`, `secp256r1`).
    pub group: Option<&'a str>,
    /// In schedule order (README lists the names for TLS 1.3 and TLS 1.2).
    pub entries: Vec<KeyEntryJson<'a>>,
    /// What could not be recomputed, and why; `null` when nothing is missing.
    pub missing: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyEntryJson<'a> {
    pub name: &'a str,
    /// The value, lowercase hex; `null` when not in this process (a replay).
    pub hex: Option<&'a str>,
    pub formula: &'a str,
    /// `matches_keylog` | `finished_verified` | `opened_records` | `matches_wire` |
    /// `confirmed_downstream` (all independent checks) | `derived` (nothing to compare with) |
    /// `mismatch` (`note` says what differed).
    pub check: &'static str,
    /// What the check compared with.
    pub note: &'a str,
}

impl<'a> From<&'a KeySchedule> for KeyScheduleJson<'a> {
    fn from(k: &'a KeySchedule) -> Self {
        KeyScheduleJson {
            version: k.version,
            cipher_suite: &k.cipher_suite,
            group: k.group.as_deref(),
            entries: k.entries.iter().map(KeyEntryJson::from).collect(),
            missing: k.missing.as_deref(),
        }
    }
}

impl<'a> From<&'a KeyEntry> for KeyEntryJson<'a> {
    fn from(e: &'a KeyEntry) -> Self {
        KeyEntryJson {
            name: &e.name,
            hex: e.value.as_ref().map(|v| v.expose()),
            formula: &e.formula,
            check: e.check.as_str(),
            note: &e.note,
        }
    }
}
