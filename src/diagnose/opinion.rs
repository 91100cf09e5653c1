//! tlsviz's verdict beside the second opinion (what the machine's OpenSSL-based redis-cli
//! decided with the same flags): do they agree, and if not, who is affected and why.

use super::ErrorKind;
use crate::engine::events::Failure;
use crate::engine::opinion::{CrossCheck, Verdict};
use crate::model::{Model, Outcome};

/// Clients whose verdict follows OpenSSL's, and those that follow rustls's.
pub const OPENSSL_CLIENTS: &str = "redis-cli, hiredis, redis-py, node, PHP, Ruby";
pub const RUSTLS_CLIENTS: &str = "tlsviz, redis-rs with rustls";

/// The two verdicts side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// `None` when there is nothing to compare (unavailable, skipped, or tlsviz's run is not
    /// finished).
    pub agrees: Option<bool>,
    /// One line saying they differ, who is affected and the likely why; `None` when they agree.
    pub disagreement: Option<String>,
}

/// Would tlsviz's run have let a PING through? The cross-check sends only PING, so a failure of
/// the user's own command (not AUTH, not TLS) still counts as "connects".
fn tlsviz_connects(model: &Model) -> Option<bool> {
    match model.outcome {
        Outcome::Running => None,
        Outcome::Ok => Some(true),
        Outcome::Failed => Some(
            matches!(
                model.failure,
                Some(Failure::RedisError {
                    during_auth: false,
                    ..
                })
            ) && !model
                .diagnosis
                .as_ref()
                .is_some_and(|d| d.kind == ErrorKind::AuthRequired),
        ),
    }
}

pub fn compare(model: &Model) -> Option<Comparison> {
    let check = model.cross_check.as_ref()?;
    let theirs = match check.verdict {
        Verdict::Ok => true,
        Verdict::Failed => false,
        Verdict::Unavailable | Verdict::Skipped => {
            return Some(Comparison {
                agrees: None,
                disagreement: None,
            })
        }
    };
    let Some(ours) = tlsviz_connects(model) else {
        return Some(Comparison {
            agrees: None,
            disagreement: None,
        });
    };
    if ours == theirs {
        return Some(Comparison {
            agrees: Some(true),
            disagreement: None,
        });
    }
    let who = check.by.map(|t| t.program()).unwrap_or("OpenSSL");
    let reason = check
        .reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let hostname = model
        .diagnosis
        .as_ref()
        .is_some_and(|d| d.kind == ErrorKind::HostnameMismatch);
    let line = if let Some(line) = after_tls(model, check, ours, who, &reason) {
        line
    } else if hostname && !ours && model.chain.first().and_then(|l| l.cn_only()).is_some() {
        // OpenSSL's own name check falls back to the CN when there is no subjectAltName.
        format!(
            "tlsviz failed, but {who} on this machine CONNECTS with the same flags: redis-cli \
             (and hiredis by default) never checks that the certificate names the host. The \
             certificate names it only in its CN: clients on rustls (tlsviz, redis-rs) or Go \
             fail as tlsviz did, while OpenSSL-based clients that check names (redis-py and \
             others) fall back to the CN and may connect."
        )
    } else if hostname && !ours {
        // Who is affected follows the name check, not the TLS library.
        format!(
            "tlsviz failed, but {who} on this machine CONNECTS with the same flags: redis-cli \
             (and hiredis by default) never checks that the certificate names the host, so it \
             connects; clients that do check names (redis-py, node, Go, Java, redis-rs, tlsviz) \
             fail as tlsviz did."
        )
    } else if ours {
        format!(
            "tlsviz connected, but {who} on this machine FAILS with the same flags{reason}: \
             OpenSSL-based clients ({OPENSSL_CLIENTS}) will fail here; rustls-based ones \
             ({RUSTLS_CLIENTS}) connect. Likely why: {}",
            why_openssl_fails(check)
        )
    } else {
        format!(
            "tlsviz failed, but {who} on this machine CONNECTS with the same flags: \
             OpenSSL-based clients ({OPENSSL_CLIENTS}) may work here while rustls-based ones \
             ({RUSTLS_CLIENTS}) fail. Likely why: {}",
            why_rustls_fails(model)
        )
    };
    Some(Comparison {
        agrees: Some(false),
        disagreement: Some(line),
    })
}

/// Both handshakes got through and the two differ only in what Redis said afterwards (a failed
/// AUTH, an error to a command): that is no disagreement between TLS libraries, and saying
/// "rustls-based clients fail" there would blame the wrong layer.
fn after_tls(
    model: &Model,
    check: &CrossCheck,
    ours: bool,
    who: &str,
    reason: &str,
) -> Option<String> {
    if !ours {
        let d = model.diagnosis.as_ref()?;
        let after_handshake = model.tls.is_some()
            && matches!(
                d.kind,
                ErrorKind::AuthFailed
                    | ErrorKind::AuthRequired
                    | ErrorKind::RedisError
                    | ErrorKind::NotRedis
                    | ErrorKind::ReplyTimeout
            );
        if !after_handshake {
            return None;
        }
        let line = if d.kind == ErrorKind::AuthFailed {
            format!(
                "tlsviz stopped when AUTH failed, but {who} on this machine got PONG with the same \
                 flags{reason}: redis-cli prints a failed AUTH as a warning and sends PING anyway, \
                 and this server answers PING without a login. The TLS handshake succeeded in \
                 both; the difference is the login, not OpenSSL against rustls: fix the \
                 password (or drop it), as the diagnosis says."
            )
        } else {
            format!(
                "tlsviz failed after its TLS handshake had succeeded ({}), and {who} on this \
                 machine got PONG to a plain PING{reason}: the TLS part agrees; the difference is \
                 in what was sent after it.",
                d.kind
            )
        };
        return Some(line);
    }
    let said = check.reason.as_deref().unwrap_or("").to_ascii_uppercase();
    let redis_said = ["AUTH FAILED", "NOAUTH", "WRONGPASS", "NOPERM", "ERR "]
        .iter()
        .any(|m| said.contains(m));
    redis_said.then(|| {
        format!(
            "tlsviz connected, and {who} on this machine got past TLS too but Redis refused it \
             afterwards{reason}: the TLS part agrees; the difference is in what Redis allowed \
             after it (the second opinion sends only PING)."
        )
    })
}

/// OpenSSL refused what rustls accepted: say what usually causes that, from OpenSSL's words.
fn why_openssl_fails(check: &CrossCheck) -> String {
    let reason = check.reason.as_deref().unwrap_or("").to_ascii_lowercase();
    if reason.contains("invalid ca certificate") || reason.contains("no certificate or crl") {
        "OpenSSL could not read the CA file or folder: redis-cli needs PEM (convert DER with \
         `openssl x509 -inform der -in FILE -out FILE.pem`)."
            .into()
    } else if reason.contains("issuer certificate") || reason.contains("verify failed") {
        "OpenSSL must find a self-signed root that is a CA to anchor the chain, and rustls \
         accepts any certificate you trust: an intermediate CA given as --cacert (give the \
         root), a --cacertdir without hash links (run `openssl rehash DIR`), or a root without \
         basicConstraints CA:TRUE (see the notes, if any)."
            .into()
    } else if reason.contains("no answer within") {
        "OpenSSL's client got no answer in time where tlsviz did.".into()
    } else {
        "the two TLS libraries judged this server differently; OpenSSL's own words are above."
            .into()
    }
}

/// rustls refused what OpenSSL accepted: say what usually causes that, from tlsviz's diagnosis.
fn why_rustls_fails(model: &Model) -> String {
    let Some(d) = &model.diagnosis else {
        return "the two TLS libraries judged this server differently.".into();
    };
    match d.kind {
        ErrorKind::UnsupportedServerKey => {
            let key = model
                .openssl_chain
                .as_ref()
                .and_then(|seen| seen.chain.first())
                .map(|leaf| format!(" ({})", leaf.key_type))
                .unwrap_or_default();
            format!(
                "the server's certificate key{key} needs a signature scheme OpenSSL offers and \
                 rustls does not."
            )
        }
        ErrorKind::NoSharedCipher
            if model
                .openssl_chain
                .as_ref()
                .is_some_and(|seen| !seen.chain.is_empty()) =>
        {
            "the server needs a cipher suite or group OpenSSL still offers and rustls does not \
             (legacy suites such as AES-CBC or RSA key exchange); its certificate's key, seen by \
             openssl, is not the cause."
                .into()
        }
        ErrorKind::NoSharedCipher | ErrorKind::ProtocolVersion | ErrorKind::TlsAlert => {
            "the server needs something OpenSSL still offers and rustls does not (a P-521 \
             or other unusual key, legacy cipher suites or TLS versions)."
                .into()
        }
        _ => format!(
            "rustls refused this ({}) where OpenSSL did not; rustls is stricter about \
             certificates (key sizes, SHA-1, critical extensions, encodings).",
            d.kind
        ),
    }
}
