//! The diagnosis rules: one function, one `match`, evidence from the model.

use super::{Diagnosis, ErrorKind, Evidence};
use crate::engine::certinfo::format_time;
use crate::engine::events::{Failure, TlsErrorDetail};
use crate::model::Model;

struct Builder {
    d: Diagnosis,
}

impl Builder {
    fn new(kind: ErrorKind, step: u8, message: impl Into<String>) -> Self {
        Self {
            d: Diagnosis {
                kind,
                step,
                message: message.into(),
                explanation: String::new(),
                fix: String::new(),
                evidence: Vec::new(),
                redis_cli: None,
            },
        }
    }
    fn explain(mut self, s: impl Into<String>) -> Self {
        self.d.explanation = s.into();
        self
    }
    fn fix(mut self, s: impl Into<String>) -> Self {
        self.d.fix = s.into();
        self
    }
    fn evidence(mut self, label: &str, value: impl Into<String>) -> Self {
        self.d.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
        });
        self
    }
    fn redis_cli(mut self, s: impl Into<String>) -> Self {
        self.d.redis_cli = Some(s.into());
        self
    }
    fn done(self) -> Diagnosis {
        self.d
    }
}

fn target(model: &Model) -> String {
    format!("{}:{}", model.run.host, model.run.port)
}

pub fn diagnose(failure: &Failure, model: &Model) -> Diagnosis {
    let secs = model.run.timeout_ms as f64 / 1000.0;
    match failure {
        Failure::HostNotFound { host, message } => {
            Builder::new(ErrorKind::HostNotFound, 1, format!("cannot resolve {host:?}: {message}"))
                .explain(format!(
                    "Step 1 never started: the name {host:?} has no address this machine can find."
                ))
                .fix("Check the spelling of -h (or the host in -u), and that DNS works from this machine.")
                .evidence("host", host.clone())
                .done()
        }
        Failure::ConnectRefused { address } => Builder::new(
            ErrorKind::ConnectionRefused,
            1,
            format!("connection refused by {address}"),
        )
        .explain(format!(
            "At step 1 the machine at {address} answered that nothing listens on that port."
        ))
        .fix("Check -h and -p (Redis serves TLS on its tls-port, often 6380 beside 6379) and that redis-server is running.")
        .evidence("address", address.clone())
        .done(),
        Failure::ConnectTimeout { address } => Builder::new(
            ErrorKind::ConnectTimeout,
            1,
            format!("no answer from {address} within {secs} s"),
        )
        .explain("At step 1 the TCP connection got no answer at all: packets are dropped on the way.")
        .fix("Check firewalls and security groups between here and the server, and the host and port.")
        .evidence("address", address.clone())
        .done(),
        Failure::ConnectIo { address, message } => Builder::new(
            ErrorKind::NetworkError,
            1,
            format!("cannot connect to {address}: {message}"),
        )
        .explain("At step 1 the operating system could not open a TCP connection.")
        .fix("Check that this machine has a route to the server (VPN, network, address family).")
        .evidence("address", address.clone())
        .done(),
        Failure::Timeout { step } if *step == 2 => silent_hello(model, secs),
        Failure::Timeout { step } if *step >= 8 => Builder::new(
            ErrorKind::ReplyTimeout,
            8,
            format!("no reply to the command within {secs} s"),
        )
        .explain("The channel was up and at step 8 the command went out encrypted, but Redis did not answer in time.")
        .fix("Check that the server is not blocked (a long command, a busy server) or raise --timeout.")
        .done(),
        Failure::Timeout { step } => Builder::new(
            ErrorKind::HandshakeTimeout,
            *step,
            format!("the server went silent during the handshake ({secs} s)"),
        )
        .explain(format!(
            "At step {step} tlsviz waited for the server's next handshake message and none came."
        ))
        .fix("Check the server's logs; a proxy in the path may be holding the connection. Raise --timeout for slow links.")
        .done(),
        Failure::NotTls {
            step,
            first_bytes_hex,
            first_bytes_text,
        } => not_tls(model, *step, first_bytes_hex, first_bytes_text),
        Failure::RecordOverflow { step, length } => Builder::new(
            ErrorKind::BadRecord,
            *step,
            format!("a record announced {length} bytes, more than TLS allows (18432)"),
        )
        .explain(format!("At step {step} the peer sent a record header no TLS implementation may send: it does not speak TLS correctly."))
        .fix("Make sure -p points at the TLS port of a real Redis server and nothing rewrites the traffic.")
        .evidence("declared length", length.to_string())
        .done(),
        Failure::PeerClosed {
            step,
            reset,
            bytes_received,
            partial_record,
        } => peer_closed(model, *step, *reset, *bytes_received, *partial_record),
        Failure::Tls { step, error, detail } => tls_failure(model, *step, error, detail),
        Failure::RedisError {
            reply, during_auth, ..
        } => redis_error(model, reply, *during_auth),
        Failure::Io { step, message } => Builder::new(ErrorKind::IoError, *step, message.clone())
            .explain(format!("An input/output error stopped the run at step {step}."))
            .fix("Try again; if it persists, check the network path to the server.")
            .done(),
        Failure::Cancelled { step } => Builder::new(ErrorKind::Cancelled, *step, "stopped by the user")
            .explain(format!("The run was stopped while waiting to perform step {step}."))
            .fix("Run it again and press next to go through every step.")
            .done(),
    }
}

fn silent_hello(model: &Model, secs: f64) -> Diagnosis {
    if let Some(probe) = model.probe.as_ref().filter(|p| p.redis_reply) {
        return plaintext_port(model, &probe.reply_text);
    }
    Builder::new(
        ErrorKind::HandshakeTimeout,
        2,
        format!("no answer to the ClientHello within {secs} s"),
    )
    .explain(format!(
        "At step 2 the ClientHello reached {} but nothing came back: the server accepts connections \
         and never answers them.",
        target(model)
    ))
    .fix("Check that the port is a TLS port and that the server is healthy; a plain PING on a second connection got no answer either.")
    .redis_cli("redis-cli --tls would hang here with no message at all.")
    .done()
}

fn plaintext_port(model: &Model, reply: &str) -> Diagnosis {
    Builder::new(
        ErrorKind::PlaintextPort,
        2,
        format!("{} speaks plaintext Redis, not TLS", target(model)),
    )
    .explain(
        "At step 2 the ClientHello went unanswered: Redis on a plain port reads it as the start of \
         a command and waits for the end of the line. A second, plain connection sent PING and got \
         a Redis reply, so this port has no TLS.",
    )
    .fix(
        "Use the server's TLS port (its tls-port directive), or enable TLS: in redis.conf set \
         tls-port, tls-cert-file, tls-key-file and tls-ca-cert-file. Without TLS, drop --tls \
         (and know that everything travels in clear).",
    )
    .evidence("plain PING answered", reply.to_string())
    .redis_cli("redis-cli --tls hangs forever on a plaintext port; tlsviz stops at --timeout.")
    .done()
}

fn not_tls(model: &Model, step: u8, hex: &str, text: &str) -> Diagnosis {
    let redis_like = text.starts_with('+') || text.starts_with('-');
    if step == 2 && (redis_like || model.probe.as_ref().is_some_and(|p| p.redis_reply)) {
        return plaintext_port(model, text);
    }
    let looks = if text.starts_with("HTTP/") {
        "an HTTP response: a web server or proxy listens on this port"
    } else if text.starts_with("SSH-") {
        "an SSH banner"
    } else {
        "bytes that are not a TLS record"
    };
    Builder::new(
        ErrorKind::NotTls,
        step,
        format!("the server answered with {looks}"),
    )
    .explain(format!(
        "At step {step} a TLS record was expected, and the first bytes received were {looks}."
    ))
    .fix("Check -h and -p: this port is not a Redis TLS port.")
    .evidence("first bytes (text)", text.to_string())
    .evidence("first bytes (hex)", hex.to_string())
    .done()
}

fn peer_closed(model: &Model, step: u8, reset: bool, bytes: usize, partial: usize) -> Diagnosis {
    let how = if reset { "reset" } else { "closed" };
    if partial > 0 && model.run.tls {
        return Builder::new(
            ErrorKind::PeerClosed,
            step,
            format!(
                "the server {how} the connection in the middle of a record ({partial} bytes of it)"
            ),
        )
        .explain(format!(
            "At step {step} a TLS record started to arrive and the connection ended before it was \
             whole: the peer crashed, or something in the path cut the stream."
        ))
        .fix("Check the server's log and any proxy or load balancer between here and the server.")
        .evidence("bytes of the unfinished record", partial.to_string())
        .done();
    }
    if step >= 5 && model.run.tls {
        if let Some(d) =
            client_certificate_verdict(model, step, &format!("the server {how} the connection"))
        {
            return d;
        }
    }
    if step == 8 && !model.run.tls && bytes == 0 {
        return Builder::new(
            ErrorKind::TlsRequired,
            8,
            format!("the server {how} the connection without answering the plaintext command"),
        )
        .explain(
            "The command went out in clear at step 8 and the server hung up without a reply: a TLS \
             port drops clients that do not start with a TLS handshake.",
        )
        .fix("Add --tls (with --cacert, and --cert/--key if the server wants client certificates).")
        .redis_cli("redis-cli without --tls shows 'Error: Connection reset by peer' or an empty reply here.")
        .done();
    }
    let mut b = Builder::new(
        ErrorKind::PeerClosed,
        step,
        format!("the server {how} the connection at step {step} after {bytes} bytes"),
    )
    .explain(format!(
        "At step {step} the server hung up instead of continuing the handshake. A server that \
         closes right after the ClientHello usually refuses something in it, or is not Redis."
    ))
    .fix("Check the server's log for the reason (tls-protocols, tls-ciphers), and that -p is its TLS port.")
    .evidence("bytes received before the close", bytes.to_string());
    if step == 2 {
        b = b.redis_cli(if model.run.sni_sent {
            "redis-cli sends SNI only with --sni; tlsviz sent it, so a server that routes by SNI got it here"
        } else {
            "No SNI was sent (the host is an IP address). Proxies and managed services that route by SNI drop such hellos: connect by name or pass --sni."
        });
    }
    if let Some(probe) = &model.probe {
        b = b.evidence(
            "plain PING on a second connection",
            if probe.timed_out {
                "no answer".to_string()
            } else {
                probe.reply_text.clone()
            },
        );
    }
    b.done()
}

/// After the client's flight: a closed connection or an alert usually judges the client's
/// certificate (TLS 1.3 says so only when the first reply is read).
fn client_certificate_verdict(model: &Model, noticed: u8, what: &str) -> Option<Diagnosis> {
    let request = model.certificate_request.as_ref()?;
    let accepted = if request.ca_names.is_empty() {
        "not listed by the server (Redis does not send them): the CAs in its tls-ca-cert-file"
            .to_string()
    } else {
        request.ca_names.join("; ")
    };
    let late = if model.is_tls13() && noticed >= 7 {
        format!(
            " Under TLS 1.3 the server's refusal arrives only after the handshake, when the first \
             reply is read (noticed at step {noticed})."
        )
    } else {
        String::new()
    };
    if model.client_certificate_sent == Some(true) {
        let subject = model.client_certificate_subject.clone().unwrap_or_default();
        Some(
            Builder::new(
                ErrorKind::ClientCertificateRejected,
                5,
                format!("{what} after the client certificate was sent"),
            )
            .explain(format!(
                "At step 5 the client sent its certificate ({subject}) and the server refused it: \
                 it is not signed by a CA the server trusts, has expired, or lacks the clientAuth \
                 usage.{late}"
            ))
            .fix(
                "Use a client certificate issued by the CA in the server's tls-ca-cert-file (or add \
                 your CA there), with extendedKeyUsage clientAuth and valid dates.",
            )
            .evidence("certificate sent", subject)
            .evidence("CAs the server accepts", accepted)
            .done(),
        )
    } else {
        Some(
            Builder::new(
                ErrorKind::ClientCertificateRequired,
                5,
                format!("{what}: the server requires a client certificate and none was sent"),
            )
            .explain(format!(
                "At step 5 the server asked for a client certificate and the client had none to \
                 send.{late}"
            ))
            .fix(
                "Pass --cert client.crt --key client.key issued by a CA the server trusts (see the evidence), or set \
                 tls-auth-clients no (or optional) in redis.conf if clients need not prove who they are.",
            )
            .evidence("CAs the server accepts", accepted)
            .done(),
        )
    }
}

fn tls_failure(model: &Model, step: u8, error: &str, detail: &TlsErrorDetail) -> Diagnosis {
    match detail {
        TlsErrorDetail::AlertReceived { description, code } => {
            let alert = format!("alert {description} ({code})");
            let client_cert_alert =
                matches!(code, 40 | 42 | 43 | 44 | 45 | 46 | 48 | 49 | 51 | 116);
            if step >= 5 && client_cert_alert {
                if let Some(d) =
                    client_certificate_verdict(model, step, &format!("the server sent {alert}"))
                {
                    return d;
                }
            }
            match code {
                70 => Builder::new(ErrorKind::ProtocolVersion, 2, format!("{alert}: no TLS version in common"))
                    .explain("At step 2 the server found no TLS version it accepts among those the ClientHello offered.")
                    .fix("Align the versions: --tls-version on this side, tls-protocols in redis.conf (e.g. \"TLSv1.2 TLSv1.3\").")
                    .evidence("offered", model.run.tls_versions.join(", "))
                    .done(),
                40 | 71 if step <= 2 => Builder::new(
                    ErrorKind::NoSharedCipher,
                    2,
                    format!("{alert}: no cipher suite or group in common"),
                )
                .explain("At step 2 the server found nothing it accepts among the cipher suites and groups offered.")
                .fix("Allow modern suites on the server: tls-ciphers (TLS 1.2) and tls-ciphersuites (TLS 1.3) in redis.conf must include ECDHE with AES-GCM or ChaCha20.")
                .done(),
                _ => Builder::new(ErrorKind::TlsAlert, step, alert.clone())
                    .explain(format!("At step {step} the server ended the handshake with {alert}."))
                    .fix("Read the server's log for the reason behind the alert.")
                    .done(),
            }
        }
        TlsErrorDetail::CertificateExpired { now, not_after } => {
            let leaf = model.chain.first();
            let not_after = not_after.or(leaf.map(|c| c.not_after_unix));
            let now = now.unwrap_or_else(now_unix);
            let mut b = Builder::new(ErrorKind::CertificateExpired, 4, "the server's certificate has expired")
                .explain(format!(
                    "At step 4 the client compared the certificate's dates with its clock: it expired {}.",
                    not_after.map(|t| ago(now - t)).unwrap_or_else(|| "in the past".into())
                ))
                .fix("Renew the server certificate and point tls-cert-file at the new one (then restart or CONFIG SET it). Check this machine's clock too.")
                .evidence("now", format_time(now));
            if let Some(t) = not_after {
                b = b.evidence("not after", format_time(t));
            }
            b.done()
        }
        TlsErrorDetail::CertificateNotValidYet { now, not_before } => {
            let not_before = not_before.or(model.chain.first().map(|c| c.not_before_unix));
            let now = now.unwrap_or_else(now_unix);
            let mut b = Builder::new(ErrorKind::CertificateNotYetValid, 4, "the server's certificate is not valid yet")
                .explain("At step 4 the client found the certificate's start date in the future.")
                .fix("Check the clocks of this machine and of the CA that issued it; wait, or reissue with a correct notBefore.")
                .evidence("now", format_time(now));
            if let Some(t) = not_before {
                b = b.evidence("not before", format_time(t));
            }
            b.done()
        }
        TlsErrorDetail::UnknownIssuer => unknown_issuer(model),
        TlsErrorDetail::NotValidForName {
            expected,
            presented,
        } => {
            let expected = expected
                .clone()
                .or(model.verified_name.clone())
                .unwrap_or_default();
            let presented = if presented.is_empty() {
                model
                    .chain
                    .first()
                    .map(|c| c.san.clone())
                    .unwrap_or_default()
            } else {
                presented.clone()
            };
            let by_ip = expected.parse::<std::net::IpAddr>().is_ok();
            let no_ip_sans = !presented
                .iter()
                .any(|n| n.starts_with("IP:") || n.parse::<std::net::IpAddr>().is_ok());
            let explanation = if by_ip && no_ip_sans {
                format!("At step 4 the client connected by IP address ({expected}) and the certificate lists no IP address at all, only names.")
            } else {
                format!("At step 4 the name asked for, {expected}, is not among the names the certificate is valid for.")
            };
            Builder::new(ErrorKind::HostnameMismatch, 4, format!("the certificate is not valid for {expected}"))
                .explain(explanation)
                .fix("Connect with a name in the certificate (or pass it with --sni), or reissue the certificate with this name in its subjectAltName.")
                .evidence("name requested", expected)
                .evidence("names in the certificate", presented.join(", "))
                .redis_cli("redis-cli does not check host names, so it would connect anyway: anyone holding any certificate from that CA could impersonate this server.")
                .done()
        }
        TlsErrorDetail::BadCertificate { reason } => Builder::new(
            ErrorKind::BadCertificate,
            4,
            format!("the certificate was refused: {reason}"),
        )
        .explain(format!(
            "At step 4 the certificate could not be accepted: {reason}."
        ))
        .fix("Reissue the server certificate with serverAuth usage, a supported key and signature.")
        .done(),
        TlsErrorDetail::PeerIncompatible { reason } => {
            let (kind, fix) = if reason.contains("Version")
                || reason.contains("Tls12")
                || reason.contains("Tls13")
            {
                (
                    ErrorKind::ProtocolVersion,
                    "Align the TLS versions: --tls-version here, tls-protocols in redis.conf.",
                )
            } else {
                (ErrorKind::NoSharedCipher, "Allow modern suites on the server (tls-ciphers / tls-ciphersuites in redis.conf).")
            };
            Builder::new(kind, 2, error.to_string())
                .explain(format!(
                    "At step 2 the server's choice is one this client cannot accept: {reason}."
                ))
                .fix(fix)
                .done()
        }
        TlsErrorDetail::PeerMisbehaved { reason } => {
            Builder::new(ErrorKind::TlsError, step, error.to_string())
                .explain(format!(
                    "At step {step} the server broke the TLS protocol: {reason}."
                ))
                .fix("Check what listens on the port; a middlebox may be altering the traffic.")
                .done()
        }
        TlsErrorDetail::Other => Builder::new(ErrorKind::TlsError, step, error.to_string())
            .explain(format!(
                "At step {step} rustls stopped the handshake: {error}."
            ))
            .fix("Check the server's TLS configuration and log.")
            .done(),
    }
}

fn unknown_issuer(model: &Model) -> Diagnosis {
    let leaf = model.chain.first().cloned().unwrap_or_default();
    let trust = if model.run.trust.is_empty() {
        "the trust store".to_string()
    } else {
        model.run.trust.clone()
    };
    if model.chain.len() == 1 && leaf.self_signed {
        return Builder::new(ErrorKind::SelfSigned, 4, "the server's certificate is self-signed")
            .explain(format!(
                "At step 4 the certificate turned out to be signed by itself ({}); nothing in {trust} vouches for it.",
                leaf.subject
            ))
            .fix("Give the server a certificate from your CA, or trust this exact certificate with --cacert (only if you got it from a safe place).")
            .evidence("subject = issuer", leaf.subject.clone())
            .evidence("fingerprint", leaf.sha256.clone())
            .done();
    }
    let top = model.chain.last().cloned().unwrap_or_default();
    if let Some(related) = &model.related_trusted_ca {
        return Builder::new(
            ErrorKind::MissingIntermediate,
            4,
            format!("the server did not send the intermediate CA {:?}", top.issuer),
        )
        .explain(format!(
            "At step 4 the chain stopped at {:?}, which is not in {trust}. You do trust {related:?}, \
             from the same organisation: the server most likely sends its own certificate without \
             the intermediate CA certificate that links it to that root.",
            top.issuer
        ))
        .fix(
            "Put the full chain (server certificate, then the intermediate) in the server's \
             tls-cert-file. As a stopgap on this side, add the intermediate to the --cacert file.",
        )
        .evidence("certificates sent", model.chain.len().to_string())
        .evidence("issuer not found", top.issuer.clone())
        .evidence("trusted root of the same organisation", related.clone())
        .redis_cli("redis-cli fails the same way: 'certificate verify failed: unable to get local issuer certificate'.")
        .done();
    }
    let chain_only_leaf = model.chain.len() == 1;
    // A chain that ends in a self-signed CA names its root; one that does not leaves it unnamed.
    let root_sent = !chain_only_leaf && top.self_signed;
    let (why, fix) = if root_sent {
        (
            format!(
                "The chain ends at the root CA {:?}, which is not in {trust}.",
                top.subject
            ),
            format!(
                "Pass that CA with --cacert (its PEM file, e.g. the server's tls-ca-cert-file), \
                 after checking its fingerprint {} with whoever runs the server.",
                top.sha256
            ),
        )
    } else if chain_only_leaf {
        (
            "The server sent only its own certificate: either its CA is not the one you trust, or \
             it must also send an intermediate CA certificate."
                .to_string(),
            format!(
                "Pass the CA that issued the server's certificate with --cacert (issuer: {}). If \
                 that issuer is an intermediate, put the full chain in the server's tls-cert-file.",
                top.issuer
            ),
        )
    } else {
        (
            "The top of the chain the server sent names an issuer you do not trust.".to_string(),
            format!(
                "Pass the CA that issued the top of the chain with --cacert (issuer: {}).",
                top.issuer
            ),
        )
    };
    let mut b = Builder::new(
        ErrorKind::UnknownIssuer,
        4,
        format!("no trusted CA issued {:?}", top.issuer),
    )
    .explain(format!(
        "At step 4 the client could not link the chain to any CA in {trust}. {why}"
    ))
    .fix(fix)
    .evidence("issuer not found", top.issuer.clone())
    .evidence("certificates sent", model.chain.len().to_string())
    .evidence("trusted", trust);
    if let Some(leaf) = model.chain.first() {
        b = b.evidence("server certificate", leaf.subject.clone());
    }
    b.done()
}

fn redis_error(model: &Model, reply: &str, during_auth: bool) -> Diagnosis {
    let upper = reply.to_ascii_uppercase();
    if upper.contains("NOAUTH") {
        return Builder::new(ErrorKind::AuthRequired, 8, reply.to_string())
            .explain("The encrypted channel works; at step 8 Redis refused the command because this connection has not authenticated.")
            .fix("Pass the password with -a PASSWORD (and --user NAME for an ACL user), or put it in the rediss:// URL.")
            .done();
    }
    if during_auth {
        let no_password = upper.contains("WITHOUT ANY PASSWORD");
        return Builder::new(ErrorKind::AuthFailed, 8, reply.to_string())
            .explain(if no_password {
                "At step 8 AUTH was sent, but this server has no password configured."
            } else {
                "At step 8 Redis rejected the user name or password sent with AUTH."
            })
            .fix(if no_password {
                "Drop -a/--pass, or set requirepass (or an ACL user) on the server."
            } else {
                "Check the password (-a) and user (--user); with ACLs the user must exist and be on."
            })
            .evidence("user", model.run.user.clone().unwrap_or_else(|| "default".into()))
            .done();
    }
    Builder::new(ErrorKind::RedisError, 8, reply.to_string())
        .explain(
            "The connection worked end to end; at step 8 Redis answered the command with an error.",
        )
        .fix("Check the command and its arguments.")
        .done()
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// "3 days ago", "in 2 hours".
fn ago(seconds: i64) -> String {
    let (n, unit) = match seconds.abs() {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if seconds >= 0 {
        format!("{n} {unit}{plural} ago")
    } else {
        format!("in {n} {unit}{plural}")
    }
}
