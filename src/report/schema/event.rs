//! Event lines: what happened on the wire and in rustls's hooks, one line each, in order.
//! Unlike the other lines, an event line has its `at_us` last (it has always matched the
//! recordings' event lines).

use crate::engine::events::CertProblem;
use crate::engine::opinion::CrossCheck;
use crate::engine::wire::{ContentType, TlsVersion};
use serde::Serialize;

/// `{"type":…, …fields…, "at_us":N}`.
#[derive(Debug, Clone, Serialize)]
pub struct EventLine<'a> {
    #[serde(flatten)]
    pub event: EventJson<'a>,
    pub at_us: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventJson<'a> {
    /// What the run is about to do (no secrets).
    RunStarted(RunStartedJson<'a>),
    /// Manual pacing: the run holds before `step` until told to go on.
    Waiting {
        step: u8,
    },
    TcpConnected {
        peer: &'a str,
        local: &'a str,
    },
    /// One TLS record, or one chunk of bytes on a plaintext connection.
    Record(RecordJson<'a>),
    /// The server asked for a client certificate.
    CertificateRequested(CertificateRequestJson<'a>),
    /// The client's answer to a CertificateRequest, chosen now, sent at step 5.
    ClientCertificate {
        /// A certificate will be sent (false: an empty Certificate message).
        chosen: bool,
        subject: Option<&'a str>,
    },
    /// The chain the server presented, leaf first, before verification.
    ServerCertificates {
        server_name: &'a str,
        chain: Vec<CertificateJson<'a>>,
    },
    CertificateVerdict {
        verified: bool,
        /// Verification was skipped (`--insecure`).
        insecure: bool,
        reason: Option<&'a str>,
        /// On an unknown issuer, a trusted CA of the same organisation: the sign of a missing
        /// intermediate. Left out otherwise.
        #[serde(skip_serializing_if = "Option::is_none")]
        related_trusted_ca: Option<&'a str>,
    },
    /// A secret was derived: its label only, never its value.
    SecretDerived {
        label: &'a str,
        /// The step under way when it was derived (as Flow and plain place it); left out
        /// before step 1.
        #[serde(skip_serializing_if = "Option::is_none")]
        step: Option<u8>,
    },
    /// `--show-secrets`: the key schedule, recomputed and checked (`schema/keys.rs`).
    KeySchedule(super::keys::KeyScheduleJson<'a>),
    HandshakeComplete(TlsJson<'a>),
    /// A command handed to the connection, passwords as `***`.
    DataSent {
        command: &'a str,
        plaintext_len: usize,
        encrypted: bool,
    },
    /// A whole reply, as redis-cli prints it.
    DataReceived {
        reply: &'a str,
        error: bool,
    },
    Alert {
        direction: DirectionJson,
        level: &'a str,
        description: &'a str,
        code: u8,
    },
    /// We closed the connection.
    Closed {
        close_notify_sent: bool,
    },
    /// Why the run stopped, as the engine saw it (the diagnosis is in the summary).
    Failed(FailureJson<'a>),
    /// After a failure: what a plain `PING` on a second connection got.
    Probe(ProbeJson<'a>),
    /// `--insecure`: the server's handshake signature could not be checked and was accepted.
    SignatureNotChecked {
        reason: &'a str,
    },
    /// The second opinion, as it arrived (the summary repeats it with `agrees`).
    CrossCheck(&'a CrossCheck),
    /// After a step-2 handshake_failure (second opinion on): the chain the server sent to
    /// `openssl s_client`, leaf first; empty with `error` saying why when there is none.
    PeerChainSeenByOpenssl {
        chain: Vec<CertificateJson<'a>>,
        error: Option<&'a str>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectionJson {
    /// Client to server.
    Out,
    /// Server to client.
    In,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunStartedJson<'a> {
    pub host: &'a str,
    pub port: u16,
    pub tls: bool,
    pub server_name: &'a str,
    pub sni_sent: bool,
    /// Offered versions, e.g. `TLS 1.3`.
    pub tls_versions: Vec<TlsVersion>,
    /// The trust anchors, in words.
    pub trust: &'a str,
    /// The client certificate's subject.
    pub client_certificate: Option<&'a str>,
    pub insecure: bool,
    pub user: Option<&'a str>,
    /// Whether a password was given (never the password).
    pub password_given: bool,
    pub command: &'a str,
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordJson<'a> {
    pub direction: DirectionJson,
    /// `handshake`, `application_data`, `alert`, `change_cipher_spec`, `heartbeat` or
    /// `plaintext`.
    pub content_type: ContentType,
    /// The record header's version, e.g. `TLS 1.2`.
    #[serde(with = "crate::engine::wire::version_or_empty")]
    pub version: Option<TlsVersion>,
    /// The body's length, without the 5-byte header.
    pub length: usize,
    /// The body is ciphertext for this direction.
    pub encrypted: bool,
    /// Handshake messages decoded from a clear record, or named inside a TLS 1.3 encrypted one.
    pub messages: Vec<HandshakeMessageJson<'a>>,
    /// Up to the first 32 bytes of the record, hex.
    pub head_hex: &'a str,
    /// What an encrypted record carried, where a hook told (e.g. `close_notify`).
    pub note: Option<&'a str>,
    /// With `--bytes`: the whole record, header included, hex. Left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    /// With `--bytes`: every byte of the record named, in order, tiling `hex` exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldJson<'a>>>,
    /// With `--bytes`, on a record tlsviz opened with the session's keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decrypted: Option<DecryptedJson<'a>>,
}

/// One named run of bytes: `offset` from the first byte of the record (or of the plaintext),
/// `name` a dotted path after the RFC's structures, `value` what the bytes say.
#[derive(Debug, Clone, Serialize)]
pub struct FieldJson<'a> {
    pub offset: usize,
    pub len: usize,
    pub name: &'a str,
    pub value: &'a str,
}

/// `record.decrypted`: what tlsviz read inside an encrypted record.
#[derive(Debug, Clone, Serialize)]
pub struct DecryptedJson<'a> {
    /// `handshake` or `application` (`application_N` after N KeyUpdates); TLS 1.2:
    /// `application`.
    pub epoch: String,
    /// The record's sequence number in its epoch and direction.
    pub seq: u64,
    /// The AEAD nonce, hex.
    pub nonce: String,
    /// TLS 1.3: the whole TLSInnerPlaintext (content, type byte, padding); TLS 1.2: the
    /// content. A password's bytes are `2a` (`*`).
    pub plaintext_hex: String,
    /// The real content type.
    pub inner_content_type: ContentType,
    /// Every byte of the plaintext named, tiling `plaintext_hex`.
    pub fields: Vec<FieldJson<'a>>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum HandshakeMessageJson<'a> {
    ClientHello {
        versions: Vec<TlsVersion>,
        cipher_suites: Vec<&'a str>,
        groups: Vec<&'a str>,
        key_shares: Vec<&'a str>,
        sni: Option<&'a str>,
        alpn: Vec<&'a str>,
        signature_algorithms: Vec<&'a str>,
        /// What the hello offers to resume; left out when it offers nothing.
        #[serde(skip_serializing_if = "Option::is_none")]
        resumption: Option<HelloResumptionJson<'a>>,
    },
    ServerHello {
        version: TlsVersion,
        cipher_suite: &'a str,
        key_share_group: Option<&'a str>,
        /// What the hello answers to an offer to resume; left out when it says nothing.
        #[serde(skip_serializing_if = "Option::is_none")]
        resumption: Option<HelloResumptionJson<'a>>,
    },
    Certificate {
        count: usize,
    },
    CertificateRequest,
    ServerKeyExchange,
    ServerHelloDone,
    ClientKeyExchange,
    CertificateVerify,
    Finished,
    NewSessionTicket,
    Other {
        name: &'a str,
    },
}

/// A hello's resumption extensions, named as the RFCs name them.
#[derive(Debug, Clone, Serialize)]
pub struct HelloResumptionJson<'a> {
    /// TLS 1.3's `pre_shared_key`, or `null`.
    pub pre_shared_key: Option<PreSharedKeyJson<'a>>,
    /// `psk_dhe_ke` and/or `psk_ke` (ClientHello).
    pub psk_key_exchange_modes: Vec<&'a str>,
    /// `early_data` (0-RTT) is present; tlsviz never sends it.
    pub early_data: bool,
    /// TLS 1.2's `session_ticket`: its length in bytes (0: asks for, or promises, a ticket), or
    /// `null` when absent.
    pub session_ticket: Option<usize>,
    /// The session id, hex; `""` when none.
    pub session_id: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct PreSharedKeyJson<'a> {
    /// ClientHello: each identity's size in bytes (a ticket from an earlier connection).
    pub identities: &'a [usize],
    /// ClientHello: each binder's size in bytes (an HMAC proving the client holds the PSK).
    pub binders: &'a [usize],
    /// ServerHello: the identity the server accepted (0 is the first), else `null`.
    pub selected: Option<u16>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificateRequestJson<'a> {
    /// The CA names the server accepts, as distinguished names.
    pub ca_names: Vec<&'a str>,
    pub signature_schemes: Vec<&'a str>,
}

/// One certificate of a chain.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateJson<'a> {
    pub subject: &'a str,
    pub issuer: &'a str,
    pub not_before: &'a str,
    pub not_after: &'a str,
    /// Seconds since the Unix epoch.
    pub not_before_unix: i64,
    pub not_after_unix: i64,
    /// subjectAltNames, e.g. `DNS:localhost`, `IP:127.0.0.1`.
    pub san: Vec<&'a str>,
    pub key_type: &'a str,
    pub signature_algorithm: &'a str,
    /// SHA-256 fingerprint, colon-separated hex.
    pub sha256: &'a str,
    pub is_ca: bool,
    pub self_signed: bool,
    /// `serverAuth`, `clientAuth`, …; empty when the extension is absent (any use allowed).
    pub extended_key_usage: Vec<&'a str>,
    /// `RSA`, `ECDSA`, `Ed25519`, …
    pub key_algorithm: &'a str,
    pub key_bits: u32,
    /// `P-256`, `P-384`, `P-521` for ECDSA keys.
    pub key_curve: Option<&'a str>,
    /// Critical extensions tlsviz does not understand (OIDs, named when known).
    pub unknown_critical_extensions: Vec<&'a str>,
    /// The subject's CN (what a certificate without subjectAltName names).
    pub common_name: Option<&'a str>,
}

/// What the handshake settled on.
#[derive(Debug, Clone, Serialize)]
pub struct TlsJson<'a> {
    pub version: TlsVersion,
    pub cipher_suite: &'a str,
    pub key_exchange_group: Option<&'a str>,
}

/// Why the run stopped, as the engine saw it; `step` is where it was noticed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "failure", rename_all = "snake_case")]
pub enum FailureJson<'a> {
    HostNotFound {
        host: &'a str,
        message: &'a str,
    },
    ConnectRefused {
        address: &'a str,
    },
    ConnectTimeout {
        address: &'a str,
    },
    ConnectIo {
        address: &'a str,
        message: &'a str,
    },
    /// The peer sent nothing within the timeout.
    Timeout {
        step: u8,
        /// Bytes of a record that had started to arrive.
        partial: usize,
    },
    /// The peer closed (FIN) or reset the connection.
    PeerClosed {
        step: u8,
        reset: bool,
        bytes_received: usize,
        /// Bytes of a record that never arrived whole.
        partial_record: usize,
    },
    /// Bytes that are not a TLS record.
    NotTls {
        step: u8,
        first_bytes_hex: &'a str,
        first_bytes_text: &'a str,
    },
    /// The reply is not Redis: bytes that are not RESP, or the command echoed back.
    NotRedis {
        step: u8,
        first_bytes_hex: &'a str,
        first_bytes_text: &'a str,
        /// What the peer most likely is (`http`, `smtp`, `echo`, `unknown`, …).
        lookalike: &'a crate::engine::resp::Lookalike,
    },
    /// A record longer than TLS allows.
    RecordOverflow {
        step: u8,
        length: usize,
    },
    /// rustls refused; `error` is its own message.
    Tls {
        step: u8,
        error: &'a str,
        detail: TlsErrorDetailJson<'a>,
    },
    RedisError {
        step: u8,
        reply: &'a str,
        during_auth: bool,
    },
    Io {
        step: u8,
        message: &'a str,
    },
    /// Ctrl-C, SIGTERM, or the TUI quit.
    Cancelled {
        step: u8,
    },
}

/// The part of a rustls error the diagnosis reads.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TlsErrorDetailJson<'a> {
    AlertReceived {
        description: &'a str,
        code: u8,
    },
    CertificateExpired {
        now: Option<i64>,
        not_after: Option<i64>,
    },
    CertificateNotValidYet {
        now: Option<i64>,
        not_before: Option<i64>,
    },
    UnknownIssuer,
    NotValidForName {
        expected: Option<&'a str>,
        /// The names the certificate presents, as `DNS:…` / `IP:…`.
        presented: Vec<String>,
    },
    BadCertificate {
        reason: &'a str,
        /// What webpki found, without saying which certificate (the summary's
        /// `error.certificate` says which).
        #[serde(skip_serializing_if = "Option::is_none")]
        problem: Option<&'a CertProblem>,
    },
    PeerIncompatible {
        reason: &'a str,
    },
    PeerMisbehaved {
        reason: &'a str,
    },
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProbeJson<'a> {
    /// What the second, plain connection received after `PING\r\n`.
    pub reply_text: &'a str,
    pub reply_hex: &'a str,
    /// The reply is a Redis reply (`+PONG`, `-NOAUTH …`, `-ERR …`).
    pub redis_reply: bool,
    pub timed_out: bool,
    pub error: Option<&'a str>,
}
