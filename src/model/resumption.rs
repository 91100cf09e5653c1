//! Resumption as the hellos tell it: what the ClientHello offered (a TLS 1.3 PSK with its
//! binder, a TLS 1.2 session ticket or id) and whether the ServerHello took it. Every sentence
//! is made from the decoded hellos; rustls's own verdict (`TlsParams::resumed`) confirms it at
//! the end of the handshake.

use super::Model;
use crate::engine::events::{HandshakeMessage, HelloResumption};
use crate::engine::step::Step;
use crate::engine::wire::TlsVersion;

/// What the ClientHello offered to resume, if anything.
pub fn offer(model: &Model) -> Option<&HelloResumption> {
    match &model.client_hello {
        Some(HandshakeMessage::ClientHello {
            resumption: Some(r),
            versions,
            ..
        }) => Some(r.as_ref()).filter(|r| offers_session(r, versions)),
        _ => None,
    }
}

/// A hello that carries something to resume. An empty session_ticket only asks for one, and
/// the session id of a hello offering TLS 1.3 is a compatibility filler unless a ticket goes
/// with it.
fn offers_session(r: &HelloResumption, versions: &[TlsVersion]) -> bool {
    r.pre_shared_key
        .as_ref()
        .is_some_and(|p| !p.identities.is_empty())
        || r.session_ticket.is_some_and(|len| len > 0)
        || (!r.session_id.is_empty() && !versions.contains(&TlsVersion::Tls13))
}

fn answer(model: &Model) -> Option<(&TlsVersion, Option<&HelloResumption>)> {
    match &model.server_hello {
        Some(HandshakeMessage::ServerHello {
            version,
            resumption,
            ..
        }) => Some((version, resumption.as_deref())),
        _ => None,
    }
}

/// Whether the ServerHello accepted the offer: TLS 1.3, a `pre_shared_key` naming the identity
/// taken; TLS 1.2, the ClientHello's session id echoed back (RFC 5246 7.4.1.3, RFC 5077 3.4).
pub fn accepted(model: &Model) -> bool {
    let (Some(offer), Some((version, answer))) = (offer(model), answer(model)) else {
        return false;
    };
    match version {
        TlsVersion::Tls13 => answer
            .and_then(|a| a.pre_shared_key.as_ref())
            .is_some_and(|p| p.selected.is_some()),
        _ => {
            !offer.session_id.is_empty() && answer.is_some_and(|a| a.session_id == offer.session_id)
        }
    }
}

/// The offer in words: `a PSK (pre_shared_key: 1 identity of 194 bytes, a 48-byte binder;
/// psk_key_exchange_modes psk_dhe_ke)`.
pub fn describe_offer(offer: &HelloResumption) -> String {
    let mut parts = Vec::new();
    if let Some(psk) = offer
        .pre_shared_key
        .as_ref()
        .filter(|p| !p.identities.is_empty())
    {
        let identities = psk
            .identities
            .iter()
            .map(|n| format!("{n} bytes"))
            .collect::<Vec<_>>()
            .join(", ");
        let binders = psk
            .binders
            .iter()
            .map(|n| format!("{n}-byte"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut s = format!(
            "a PSK (pre_shared_key: {} {} of {identities}, {} binder{})",
            psk.identities.len(),
            plural(psk.identities.len(), "identity", "identities"),
            if binders.is_empty() { "no" } else { &binders },
            if psk.binders.len() == 1 { "" } else { "s" }
        );
        if !offer.psk_key_exchange_modes.is_empty() {
            s.push_str(&format!(
                " with psk_key_exchange_modes {}",
                offer.psk_key_exchange_modes.join(", ")
            ));
        }
        parts.push(s);
    }
    if let Some(len) = offer.session_ticket.filter(|&len| len > 0) {
        parts.push(format!("a TLS 1.2 session ticket ({len} bytes)"));
    }
    if parts.is_empty() && !offer.session_id.is_empty() {
        parts.push(format!("the session id {}", short_hex(&offer.session_id)));
    }
    if offer.early_data {
        parts.push("early_data (0-RTT)".into());
    }
    parts.join(" and ")
}

/// Step 2's sentence on a connection that offered to resume: what was offered, what the
/// ServerHello answered, what follows.
pub fn handshake_note(model: &Model) -> Option<String> {
    let offer = offer(model)?;
    let (version, answer) = answer(model)?;
    let offered = format!("The ClientHello offered {}", describe_offer(offer));
    let said = if accepted(model) {
        match version {
            TlsVersion::Tls13 => {
                let selected = answer
                    .and_then(|a| a.pre_shared_key.as_ref())
                    .and_then(|p| p.selected)
                    .unwrap_or(0);
                format!(
                    "{offered}; the ServerHello's pre_shared_key accepted identity {selected}: \
                     the session is resumed, no certificate follows."
                )
            }
            _ => format!(
                "{offered}; the ServerHello echoed the session id {}: the session is resumed, \
                 no certificate follows.",
                short_hex(&offer.session_id)
            ),
        }
    } else {
        let evidence = match (version, answer) {
            (TlsVersion::Tls13, _) => "the ServerHello has no pre_shared_key extension".into(),
            (_, Some(a)) if !a.session_id.is_empty() => format!(
                "the ServerHello sent a new session id {} instead of echoing {}",
                short_hex(&a.session_id),
                short_hex(&offer.session_id)
            ),
            _ if offer.pre_shared_key.is_some() && offer.session_ticket.is_none() => {
                format!("the server chose {version}, which has no PSK")
            }
            _ => "the ServerHello sent no session id".into(),
        };
        format!(
            "{offered}, but {evidence}: the server did not resume, a full handshake follows \
             (certificate and all)."
        )
    };
    Some(said)
}

/// The row's note and result on a resumed connection, where the full handshake's words would
/// be wrong; `None` keeps them.
pub fn resumed_words(model: &Model, step: Step) -> Option<(String, String)> {
    if !accepted(model) {
        return None;
    }
    let tls13 = model.is_tls13();
    match (step, tls13) {
        (Step::KeyExchange, true) => Some((
            "Application traffic keys derived from the PSK and the fresh key shares".into(),
            "Resumed with psk_dhe_ke: the keys come from the first connection's PSK and the \
             fresh key shares of step 2 (forward secrecy kept), derived once the server's \
             Finished (after EncryptedExtensions, with no certificate) arrived."
                .into(),
        )),
        (Step::KeyExchange, false) => Some((
            "No key exchange: keys derived from the resumed session's master secret".into(),
            "Resumed: no ClientKeyExchange crosses; both sides derive the new keys from the \
             first connection's master secret and the two fresh randoms of step 2."
                .into(),
        )),
        (Step::Encrypted, true) => Some((
            String::new(),
            "Resumed: the server's Finished was read at step 6; the client's Finished leaves \
             now."
                .into(),
        )),
        (Step::Encrypted, false) => Some((
            String::new(),
            "Resumed (TLS 1.2): the server spoke first (ChangeCipherSpec and Finished), the \
             client answered with its own; one round trip in all."
                .into(),
        )),
        _ => None,
    }
}

/// What the tracker says about the certificate of a resumed connection.
pub const NOT_RECHECKED: &str = "not re-checked: resumed session, verified in the first connection";

fn short_hex(hex: &str) -> String {
    let head: String = hex.chars().take(16).collect();
    if head.len() < hex.len() {
        format!("{head}…")
    } else {
        head
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}
