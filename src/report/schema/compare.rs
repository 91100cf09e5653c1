//! The last line of `tlsviz compare --json`, after the two runs' own lines (TLS 1.2's run, then
//! TLS 1.3's, each ending with its `summary`).

use super::event::DirectionJson;
use crate::diagnose::ErrorKind;
use crate::model::steps::StepStatus;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CompareLine<'a> {
    Comparison(Box<ComparisonJson<'a>>),
}

/// `{"type":"comparison",…}`.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonJson<'a> {
    /// The nine steps, in order.
    pub rows: Vec<RowJson<'a>>,
    /// Round trips before application data (TCP's own not counted; ChangeCipherSpec records
    /// do not count as a flight): 2 for a full TLS 1.2 handshake, 1 for TLS 1.3. `null` for a
    /// side that never sent application data.
    pub round_trips: Pair<Option<usize>>,
    /// TLS bytes on the wire, record headers included.
    pub bytes: Pair<BytesJson>,
    pub time_us: Pair<TimeJson>,
    /// The step in which the first encrypted record crossed; `null` if none did.
    pub encryption_starts: Pair<Option<u8>>,
    /// `ok` or `failed` per side.
    pub outcome: Pair<SideOutcomeJson>,
    /// A side's diagnosis (e.g. the server refused that version); `null` when it succeeded.
    pub errors: Pair<Option<SideErrorJson<'a>>>,
}

/// One value per side.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Pair<T> {
    pub tls12: T,
    pub tls13: T,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowJson<'a> {
    /// 1–9.
    pub step: u8,
    /// The lesson's action for the step.
    pub action: &'static str,
    pub tls12: SideJson<'a>,
    pub tls13: SideJson<'a>,
    /// The messages, their directions or their encryption differ (sizes are not compared), or
    /// so does the step's status.
    pub differs: bool,
    /// Why, in one line made from what each run saw.
    pub note: &'a str,
}

/// One side of one step.
#[derive(Debug, Clone, Serialize)]
pub struct SideJson<'a> {
    pub status: StepStatus,
    pub result: &'a str,
    /// The records that crossed in this step, in order.
    pub records: Vec<CrossingJson<'a>>,
    /// Bytes client → server and server → client in this step.
    pub bytes_out: usize,
    pub bytes_in: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct CrossingJson<'a> {
    pub direction: DirectionJson,
    /// The handshake messages it carried (`Certificate + CertificateVerify`), or what it was
    /// (`ChangeCipherSpec`, `application data`, `close_notify`).
    pub what: &'a str,
    /// On the wire, header included.
    pub bytes: usize,
    pub encrypted: bool,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct BytesJson {
    /// Before the first application data.
    pub handshake_out: usize,
    pub handshake_in: usize,
    /// The whole connection.
    pub total_out: usize,
    pub total_in: usize,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct TimeJson {
    /// When the handshake completed; `null` if it did not.
    pub handshake: Option<u64>,
    /// The whole run.
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SideOutcomeJson {
    Ok,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideErrorJson<'a> {
    /// The step the failure belongs to.
    pub step: u8,
    pub kind: ErrorKind,
    pub message: &'a str,
}
