//! Words the plain trace and the TUI's flow share. The trace has room to say everything; the
//! flow's arrows do not, so a handshake message comes in two lengths from one place.

use crate::engine::events::{HandshakeMessage, HelloResumption};

/// Whether SNI was (or will be) sent, and why not: SNI carries names only, so a connection by
/// IP address sends none, and a connection without TLS has no ClientHello at all.
pub fn sni(run: &crate::engine::events::RunInfo) -> String {
    if !run.tls {
        "none (no TLS)".into()
    } else if run.sni_sent {
        run.server_name.clone()
    } else if crate::engine::bare_host(&run.server_name)
        .parse::<std::net::IpAddr>()
        .is_ok()
    {
        format!("not sent: {} is an IP address", run.server_name)
    } else {
        format!("not sent (the name checked is {})", run.server_name)
    }
}

/// How much a summary says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// The plain trace: every part, `none` where a part is missing.
    Full,
    /// The TUI's flow: what fits on an arrow, missing parts left out.
    Compact,
}

/// A handshake message in a few words, e.g. `ServerHello: TLS 1.3, TLS_AES_256_GCM_SHA384, …`.
pub fn handshake_message(message: &HandshakeMessage, length: Length) -> String {
    let full = length == Length::Full;
    match message {
        HandshakeMessage::ClientHello {
            versions,
            cipher_suites,
            key_shares,
            sni,
            resumption,
            ..
        } => {
            let versions = crate::engine::wire::join(versions, "/");
            let resuming = resumption
                .as_deref()
                .map(|r| resumption_words(r, length))
                .unwrap_or_default();
            if full {
                format!(
                    "ClientHello: {versions}; {} suites; key share {}; SNI {}{resuming}",
                    cipher_suites.len(),
                    or_none(&key_shares.join(", ")),
                    sni.as_deref().unwrap_or("none")
                )
            } else {
                let key_shares = if key_shares.is_empty() {
                    String::new()
                } else {
                    format!(", key share {}", key_shares.join(","))
                };
                let sni = sni.as_ref().map(|s| format!(", SNI {s}"));
                format!(
                    "ClientHello: {versions}{key_shares}{}{resuming}",
                    sni.unwrap_or_default()
                )
            }
        }
        HandshakeMessage::ServerHello {
            version,
            cipher_suite,
            key_share_group,
            resumption,
        } => {
            let group = key_share_group.as_ref().map(|g| {
                if full {
                    format!(", key share {g}")
                } else {
                    format!(", {g}")
                }
            });
            let resuming = resumption
                .as_deref()
                .map(|r| resumption_words(r, length))
                .unwrap_or_default();
            format!(
                "ServerHello: {version}, {cipher_suite}{}{resuming}",
                group.unwrap_or_default()
            )
        }
        HandshakeMessage::Certificate { count } if full => {
            format!("Certificate ({count} in chain)")
        }
        HandshakeMessage::Certificate { count } => format!("Certificate ({count})"),
        other => other.name(),
    }
}

/// A hello's resumption extensions, after the rest of its summary: `; pre_shared_key: 1
/// identity (194 bytes), binder 48 bytes, psk_dhe_ke` (or `, PSK` on an arrow).
fn resumption_words(r: &HelloResumption, length: Length) -> String {
    let mut parts = Vec::new();
    if let Some(psk) = &r.pre_shared_key {
        let said = match psk.selected {
            Some(index) => format!("pre_shared_key: identity {index} accepted"),
            None => format!(
                "pre_shared_key: {} identit{} ({} bytes), binder {} bytes",
                psk.identities.len(),
                if psk.identities.len() == 1 {
                    "y"
                } else {
                    "ies"
                },
                join_numbers(&psk.identities),
                join_numbers(&psk.binders)
            ),
        };
        parts.push(if length == Length::Full {
            said
        } else {
            "PSK".into()
        });
    }
    if length == Length::Full {
        if !r.psk_key_exchange_modes.is_empty() && r.pre_shared_key.is_some() {
            parts.push(r.psk_key_exchange_modes.join(", "));
        }
        match r.session_ticket {
            Some(0) => parts.push("session_ticket (empty)".into()),
            Some(len) => parts.push(format!("session_ticket ({len} bytes)")),
            None => {}
        }
        // Beside a PSK, or an empty ticket that only asks for one, the session id says nothing.
        if !r.session_id.is_empty() && r.pre_shared_key.is_none() && r.session_ticket != Some(0) {
            let head: String = r.session_id.chars().take(16).collect();
            parts.push(format!("session id {head}…"));
        }
    } else if r.session_ticket.is_some_and(|len| len > 0) {
        parts.push("ticket".into());
    }
    if r.early_data {
        parts.push("early_data".into());
    }
    if parts.is_empty() {
        String::new()
    } else if length == Length::Full {
        format!("; {}", parts.join("; "))
    } else {
        format!(", {}", parts.join(", "))
    }
}

fn join_numbers(numbers: &[usize]) -> String {
    numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The messages one record carries, joined by ` + `.
pub fn handshake_messages(messages: &[HandshakeMessage], length: Length) -> String {
    messages
        .iter()
        .map(|m| handshake_message(m, length))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The CAs a CertificateRequest names. A request that names none (OpenSSL servers, Redis
/// among them, send none by default) still accepts only the CAs the server trusts.
pub fn accepted_cas(ca_names: &[String]) -> String {
    if ca_names.is_empty() {
        "a CA it trusts (the request names none)".to_string()
    } else {
        ca_names.join("; ")
    }
}

fn or_none(text: &str) -> &str {
    if text.is_empty() {
        "none"
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::wire::TlsVersion;

    fn client_hello(key_shares: &[&str], sni: Option<&str>) -> HandshakeMessage {
        HandshakeMessage::ClientHello {
            versions: vec![TlsVersion::Tls13, TlsVersion::Tls12],
            cipher_suites: vec!["A".into(), "B".into()],
            groups: vec![],
            key_shares: key_shares.iter().map(|s| s.to_string()).collect(),
            sni: sni.map(str::to_string),
            alpn: vec![],
            signature_algorithms: vec![],
            resumption: None,
        }
    }

    #[test]
    fn a_client_hello_in_both_lengths() {
        let hello = client_hello(&["X25519", "secp256r1"], Some("localhost"));
        assert_eq!(
            handshake_message(&hello, Length::Full),
            "ClientHello: TLS 1.3/TLS 1.2; 2 suites; key share X25519, secp256r1; SNI localhost"
        );
        assert_eq!(
            handshake_message(&hello, Length::Compact),
            "ClientHello: TLS 1.3/TLS 1.2, key share X25519,secp256r1, SNI localhost"
        );
        let bare = client_hello(&[], None);
        assert_eq!(
            handshake_message(&bare, Length::Full),
            "ClientHello: TLS 1.3/TLS 1.2; 2 suites; key share none; SNI none"
        );
        assert_eq!(
            handshake_message(&bare, Length::Compact),
            "ClientHello: TLS 1.3/TLS 1.2"
        );
    }

    #[test]
    fn a_server_hello_and_a_record_in_both_lengths() {
        let messages = [
            HandshakeMessage::ServerHello {
                version: TlsVersion::Tls12,
                cipher_suite: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384".into(),
                key_share_group: Some("X25519".into()),
                resumption: None,
            },
            HandshakeMessage::Certificate { count: 2 },
            HandshakeMessage::ServerHelloDone,
        ];
        assert_eq!(
            handshake_messages(&messages, Length::Full),
            "ServerHello: TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, key share X25519 \
             + Certificate (2 in chain) + ServerHelloDone"
        );
        assert_eq!(
            handshake_messages(&messages, Length::Compact),
            "ServerHello: TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, X25519 \
             + Certificate (2) + ServerHelloDone"
        );
    }

    #[test]
    fn sni_says_why_it_was_not_sent() {
        use crate::engine::events::RunInfo;
        let run = |tls: bool, sni_sent: bool, name: &str| RunInfo {
            tls,
            sni_sent,
            server_name: name.into(),
            ..RunInfo::default()
        };
        assert_eq!(sni(&run(true, true, "localhost")), "localhost");
        assert_eq!(
            sni(&run(true, false, "127.0.0.1")),
            "not sent: 127.0.0.1 is an IP address"
        );
        assert_eq!(sni(&run(false, false, "localhost")), "none (no TLS)");
        assert!(!sni(&run(true, false, "localhost")).contains("IP address"));
    }

    #[test]
    fn accepted_cas_says_any_when_none_are_named() {
        assert_eq!(accepted_cas(&[]), "a CA it trusts (the request names none)");
        assert_eq!(accepted_cas(&["CN=a".into(), "CN=b".into()]), "CN=a; CN=b");
    }
}
