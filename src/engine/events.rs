//! Typed, serializable events: the only thing the engine tells the rest of the program.
//!
//! Every event comes from real bytes on the socket or from a real rustls callback. The model,
//! the reports and recordings all consume this one stream.

pub use super::bytes::{Decrypted, Epoch, RecordBytes};
pub use super::step::Step;
pub use super::wire::{ContentType, TlsVersion};
use serde::{Deserialize, Serialize};

/// An event with the time it happened, in microseconds since the run started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamped {
    // Declared first so each JSON line starts with its `type`.
    #[serde(flatten)]
    pub event: Event,
    pub at_us: u64,
}

/// Which way bytes travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Client to server.
    Out,
    /// Server to client.
    In,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Out => "client → server",
            Direction::In => "server → client",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// What this run is about to do.
    RunStarted(RunInfo),
    /// Manual pacing: the engine holds here until it is allowed to perform `step`.
    Waiting {
        step: Step,
    },
    StepStarted {
        step: Step,
    },
    StepCompleted {
        step: Step,
    },
    /// The step does not apply to this connection (e.g. no TLS at all).
    StepSkipped {
        step: Step,
        reason: String,
    },
    TcpConnected {
        peer: String,
        local: String,
    },
    /// One TLS record (or, on a plaintext connection, one chunk of bytes) on the wire.
    Record(RecordInfo),
    /// The server asked for a client certificate (from the client-certificate resolver hook).
    CertificateRequested(CertificateRequestInfo),
    /// What the client chose to answer to a CertificateRequest (from the resolver hook). It
    /// leaves at step 5; under TLS 1.3 that is after the server's Finished.
    ClientCertificate {
        /// A certificate will be sent (false: an empty Certificate message).
        #[serde(alias = "sent")]
        chosen: bool,
        subject: Option<String>,
    },
    /// The chain the server presented (from the verifier hook, before verification).
    ServerCertificates {
        server_name: String,
        chain: Vec<CertificateInfo>,
    },
    /// The verifier's verdict on the chain.
    CertificateVerdict {
        verified: bool,
        /// True when verification was skipped because the user asked for `--insecure`.
        insecure: bool,
        reason: Option<String>,
        /// On an unknown issuer: a trusted CA from the same organisation as the missing issuer,
        /// the sign of a server that did not send its intermediate certificate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        related_trusted_ca: Option<String>,
    },
    /// A secret was derived. The label only: the secret itself never enters the event stream.
    SecretDerived {
        label: String,
    },
    /// `--show-secrets`: the key schedule recomputed and checked. Names, formulas and checks
    /// are serialized; the values are not (they live in this process only).
    KeySchedule(super::keyschedule::KeySchedule),
    /// The handshake finished from the client's point of view.
    HandshakeComplete(TlsParams),
    /// Application data handed to the connection (secrets redacted).
    DataSent {
        command: String,
        plaintext_len: usize,
        encrypted: bool,
    },
    /// A complete reply was read.
    DataReceived {
        reply: String,
        error: bool,
        /// The reply as parsed, for callers that read its structure (`CLUSTER SHARDS`,
        /// `SENTINEL REPLICAS`). In-process only: never serialized, so recordings and the JSON
        /// are unchanged, and a replayed run has `None`.
        #[serde(skip)]
        resp: Option<super::resp::Reply>,
    },
    /// An alert was received or sent.
    Alert {
        direction: Direction,
        level: String,
        description: String,
        code: u8,
    },
    /// With `--insecure`: the server's handshake signature could not be checked and was accepted
    /// anyway (e.g. an RSA-1024 key, or a certificate webpki cannot parse).
    SignatureNotChecked {
        reason: String,
    },
    /// The connection was closed by us.
    Closed {
        close_notify_sent: bool,
    },
    /// The run failed; the diagnosis is made from this and the evidence before it.
    Failed(Failure),
    /// A probe made after a failure to find out what the port speaks.
    Probe(ProbeResult),
    /// The second opinion: what the machine's OpenSSL-based client decided with the same flags.
    CrossCheck(super::opinion::CrossCheck),
    /// After a step-2 handshake_failure alert: the chain the server sent to `openssl s_client`
    /// (which offers more signature schemes than rustls), leaf first. Empty, with `error`
    /// saying why, when openssl could not be run or saw no certificate.
    PeerChainSeenByOpenssl {
        #[serde(default)]
        chain: Vec<CertificateInfo>,
        #[serde(default)]
        error: Option<String>,
    },
}

/// The target and options of a run, minus every secret.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunInfo {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub server_name: String,
    pub sni_sent: bool,
    pub tls_versions: Vec<TlsVersion>,
    pub trust: String,
    pub client_certificate: Option<String>,
    pub insecure: bool,
    pub user: Option<String>,
    pub password_given: bool,
    pub command: String,
    pub timeout_ms: u64,
    /// The client certificate tlsviz holds, read locally (to judge it before blaming the server).
    #[serde(default)]
    pub client_certificate_info: Option<Box<CertificateInfo>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordInfo {
    pub direction: Direction,
    pub content_type: ContentType,
    /// The header's version; `None` (serialized as `""`) for a plaintext chunk.
    #[serde(with = "super::wire::version_or_empty")]
    pub version: Option<TlsVersion>,
    /// Length of the record body (without the 5-byte header).
    pub length: usize,
    /// True when the body is ciphertext for this direction.
    pub encrypted: bool,
    /// Decoded handshake messages carried in clear.
    pub messages: Vec<HandshakeMessage>,
    /// Up to the first 32 bytes of the record, hex, for the wire view.
    pub head_hex: String,
    /// What rustls made of an encrypted record, where a hook told us (e.g. "Certificate").
    pub note: Option<String>,
    /// With `--bytes`: the whole record, every byte named, and what tlsviz opened (left out
    /// otherwise, so older recordings load and runs without the flag are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Box<RecordBytes>>,
}

impl RecordInfo {
    /// The header's version as shown: empty for a plaintext chunk.
    pub fn version_text(&self) -> String {
        self.version.map(|v| v.to_string()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum HandshakeMessage {
    ClientHello {
        versions: Vec<TlsVersion>,
        cipher_suites: Vec<String>,
        groups: Vec<String>,
        key_shares: Vec<String>,
        sni: Option<String>,
        alpn: Vec<String>,
        signature_algorithms: Vec<String>,
        /// What the hello offers to resume (`None`: nothing; older recordings have none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resumption: Option<Box<HelloResumption>>,
    },
    ServerHello {
        version: TlsVersion,
        cipher_suite: String,
        key_share_group: Option<String>,
        /// What the hello answers to an offer to resume (`None`: nothing said).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resumption: Option<Box<HelloResumption>>,
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
        name: String,
    },
}

impl HandshakeMessage {
    pub fn name(&self) -> String {
        match self {
            HandshakeMessage::ClientHello { .. } => "ClientHello".into(),
            HandshakeMessage::ServerHello { .. } => "ServerHello".into(),
            HandshakeMessage::Certificate { .. } => "Certificate".into(),
            HandshakeMessage::CertificateRequest => "CertificateRequest".into(),
            HandshakeMessage::ServerKeyExchange => "ServerKeyExchange".into(),
            HandshakeMessage::ServerHelloDone => "ServerHelloDone".into(),
            HandshakeMessage::ClientKeyExchange => "ClientKeyExchange".into(),
            HandshakeMessage::CertificateVerify => "CertificateVerify".into(),
            HandshakeMessage::Finished => "Finished".into(),
            HandshakeMessage::NewSessionTicket => "NewSessionTicket".into(),
            HandshakeMessage::Other { name } => name.clone(),
        }
    }
}

/// What a hello says about resuming the session of an earlier connection: the extensions
/// `pre_shared_key`, `psk_key_exchange_modes`, `early_data` and `session_ticket`, and the
/// session id. Decoded from the bytes on the wire, never from rustls's state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HelloResumption {
    /// `pre_shared_key` (TLS 1.3).
    pub pre_shared_key: Option<PreSharedKey>,
    /// `psk_key_exchange_modes` (ClientHello): `psk_dhe_ke` (a fresh key share beside the PSK)
    /// and/or `psk_ke` (the PSK alone).
    pub psk_key_exchange_modes: Vec<String>,
    /// `early_data` (0-RTT) is present.
    pub early_data: bool,
    /// `session_ticket` (TLS 1.2): its length in bytes; 0 in a ClientHello asks for a ticket,
    /// in a ServerHello promises one.
    pub session_ticket: Option<usize>,
    /// The session id, hex (empty: none). Under TLS 1.2 a ServerHello that echoes the
    /// ClientHello's session id resumes that session.
    pub session_id: String,
}

/// The `pre_shared_key` extension: in a ClientHello the identities (tickets) offered and their
/// binders; in a ServerHello the one identity the server accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PreSharedKey {
    /// The size in bytes of each identity offered (a ticket the server issued earlier).
    pub identities: Vec<usize>,
    /// The size in bytes of each binder: an HMAC over the ClientHello keyed by the PSK, which
    /// proves the client holds the PSK that goes with the ticket.
    pub binders: Vec<usize>,
    /// ServerHello: the index of the identity the server accepted.
    pub selected: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateRequestInfo {
    /// The CA names the server accepts, as readable distinguished names.
    pub ca_names: Vec<String>,
    pub signature_schemes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// Seconds since the Unix epoch, so views can compare against the clock.
    pub not_before_unix: i64,
    pub not_after_unix: i64,
    pub san: Vec<String>,
    pub key_type: String,
    pub signature_algorithm: String,
    pub sha256: String,
    pub is_ca: bool,
    pub self_signed: bool,
    /// Extended key usages by name (`serverAuth`, `clientAuth`, …); empty when the extension is
    /// absent (any usage allowed).
    #[serde(default)]
    pub extended_key_usage: Vec<String>,
    /// Whether the certificate has an extendedKeyUsage extension at all.
    #[serde(default)]
    pub eku_present: bool,
    /// Whether the certificate has a basicConstraints extension (`is_ca` is its cA flag).
    #[serde(default)]
    pub basic_constraints_present: bool,
    /// The public key's algorithm (`RSA`, `ECDSA`, `Ed25519`, `Ed448`, …) and size in bits.
    #[serde(default)]
    pub key_algorithm: String,
    #[serde(default)]
    pub key_bits: u32,
    /// The curve of an EC key (`P-256`, `P-384`, `P-521`).
    #[serde(default)]
    pub key_curve: Option<String>,
    /// Critical extensions webpki does not understand: `OID (name)` when the name is known.
    #[serde(default)]
    pub unknown_critical_extensions: Vec<String>,
    /// nameConstraints: permitted and excluded subtrees, as `DNS:…`, `IP:…`.
    #[serde(default)]
    pub permitted_names: Vec<String>,
    #[serde(default)]
    pub excluded_names: Vec<String>,
    /// The subject's common name, shown when the certificate has no subjectAltName.
    #[serde(default)]
    pub common_name: Option<String>,
}

impl CertificateInfo {
    /// The common name of a certificate that names its subject only there (no
    /// subjectAltName): what name checks that ignore the CN cannot match.
    pub fn cn_only(&self) -> Option<&str> {
        self.san
            .is_empty()
            .then_some(self.common_name.as_deref())
            .flatten()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsParams {
    pub version: TlsVersion,
    pub cipher_suite: String,
    pub key_exchange_group: Option<String>,
    /// rustls resumed an earlier session (`HandshakeKind::Resumed`): no certificate was sent.
    #[serde(default)]
    pub resumed: bool,
}

/// Why a run stopped, as the engine saw it. `diagnose` turns this into a kind and a fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "failure", rename_all = "snake_case")]
pub enum Failure {
    HostNotFound {
        host: String,
        message: String,
    },
    ConnectRefused {
        address: String,
    },
    ConnectTimeout {
        address: String,
    },
    ConnectIo {
        address: String,
        message: String,
    },
    /// The peer sent nothing within the timeout.
    Timeout {
        step: Step,
        /// Bytes of a record that had started to arrive (a peer dripping bytes too slowly).
        #[serde(default)]
        partial: usize,
    },
    /// The peer closed the connection (FIN or reset).
    PeerClosed {
        step: Step,
        reset: bool,
        bytes_received: usize,
        /// Bytes of a record that never arrived whole (a truncated record).
        #[serde(default)]
        partial_record: usize,
    },
    /// Bytes arrived that are not a TLS record.
    NotTls {
        step: Step,
        first_bytes_hex: String,
        first_bytes_text: String,
    },
    /// A record whose declared length exceeds what TLS allows.
    RecordOverflow {
        step: Step,
        length: usize,
    },
    /// rustls refused; `error` is rustls's own message.
    Tls {
        step: Step,
        error: String,
        detail: TlsErrorDetail,
    },
    /// The reply is not Redis: bytes that are not RESP, or the command echoed back.
    NotRedis {
        step: Step,
        first_bytes_hex: String,
        first_bytes_text: String,
        /// What the peer most likely is.
        lookalike: super::resp::Lookalike,
    },
    /// Redis answered with an error.
    RedisError {
        step: Step,
        reply: String,
        during_auth: bool,
    },
    Io {
        step: Step,
        message: String,
    },
    /// The user cancelled (quit) while the engine waited.
    Cancelled {
        step: Step,
    },
}

impl Failure {
    /// The step during which the engine noticed the failure (not always the step it belongs to).
    pub fn step(&self) -> Step {
        match self {
            Failure::HostNotFound { .. }
            | Failure::ConnectRefused { .. }
            | Failure::ConnectTimeout { .. }
            | Failure::ConnectIo { .. } => Step::Connect,
            Failure::Timeout { step, .. }
            | Failure::PeerClosed { step, .. }
            | Failure::NotTls { step, .. }
            | Failure::RecordOverflow { step, .. }
            | Failure::Tls { step, .. }
            | Failure::RedisError { step, .. }
            | Failure::NotRedis { step, .. }
            | Failure::Io { step, .. }
            | Failure::Cancelled { step } => *step,
        }
    }
}

/// The part of a rustls error that diagnosis needs, in a stable, serializable form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TlsErrorDetail {
    AlertReceived {
        description: String,
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
        expected: Option<String>,
        presented: Vec<String>,
    },
    BadCertificate {
        reason: String,
        /// What kind of problem webpki found, when it said (older recordings have none).
        #[serde(default)]
        problem: Option<CertProblem>,
    },
    PeerIncompatible {
        reason: String,
    },
    PeerMisbehaved {
        reason: String,
    },
    Other,
}

/// The certificate problems webpki reports without saying which certificate has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertProblem {
    /// The extended key usage lacks the one required (`serverAuth` / `clientAuth`).
    WrongKeyUsage {
        required: String,
        presented: Vec<String>,
    },
    /// A signature algorithm webpki does not accept (`algorithm`: its name when known).
    UnsupportedSignatureAlgorithm {
        algorithm: Option<String>,
    },
    /// A certificate that is not a CA was used as an issuer.
    NotACa,
    /// A CA certificate was used as the server's own certificate.
    CaUsedAsEndEntity,
    NameConstraint,
    UnsupportedCriticalExtension,
    /// A signature did not verify with the issuer's key (often: a key too small for webpki).
    BadSignature,
    /// The certificate could not be parsed.
    BadEncoding,
    /// A path length constraint was exceeded.
    PathTooLong,
    Revoked,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// What the second, plain connection received after `PING\r\n`.
    pub reply_text: String,
    pub reply_hex: String,
    /// True when the reply is a Redis reply (`+PONG`, `-NOAUTH …`, `-ERR …`).
    pub redis_reply: bool,
    pub timed_out: bool,
    pub error: Option<String>,
}
