//! What a hello says about resuming an earlier session: `pre_shared_key` (identities and
//! binders offered, the identity accepted), `psk_key_exchange_modes`, `early_data`,
//! `session_ticket` and the session id. tls-parser hands these extensions over raw; the walks
//! over their bodies are ours, and a malformed body ends the walk (never trusted, never fatal).

use super::events::{HelloResumption, PreSharedKey};
use tls_parser::TlsExtension;

/// Which hello the extensions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hello {
    Client,
    Server,
}

/// The hello's resumption facts, or `None` when it says nothing about resuming: no
/// `pre_shared_key`, `early_data` or `session_ticket`, and no session id that could mean
/// anything (`tls13`: a TLS 1.3 hello's session id is a compatibility filler, not a session).
pub fn decode(
    hello: Hello,
    extensions: &[TlsExtension],
    session_id: Option<&[u8]>,
    tls13: bool,
) -> Option<Box<HelloResumption>> {
    let mut facts = HelloResumption::default();
    for extension in extensions {
        match extension {
            TlsExtension::PreSharedKey(body) => {
                facts.pre_shared_key = Some(match hello {
                    Hello::Client => client_pre_shared_key(body),
                    Hello::Server => PreSharedKey {
                        selected: read_u16(body),
                        ..PreSharedKey::default()
                    },
                })
            }
            TlsExtension::PskExchangeModes(modes) => {
                facts.psk_key_exchange_modes = modes.iter().map(|&m| mode_name(m)).collect();
            }
            TlsExtension::EarlyData(_) => facts.early_data = true,
            TlsExtension::SessionTicket(ticket) => facts.session_ticket = Some(ticket.len()),
            _ => {}
        }
    }
    facts.session_id = session_id.map(super::records::hex).unwrap_or_default();
    let says_something = facts.pre_shared_key.is_some()
        || facts.early_data
        || facts.session_ticket.is_some()
        || (!tls13 && !facts.session_id.is_empty());
    says_something.then(|| Box::new(facts))
}

/// Whether this record carries a ServerHello whose `pre_shared_key` names the identity the
/// server accepted: a TLS 1.3 resumption, known from the wire as soon as the ServerHello arrives
/// (rustls says `HandshakeKind::Resumed` only after EncryptedExtensions).
pub fn server_hello_accepts_psk(record: &[u8]) -> bool {
    let info = super::records::describe(super::events::Direction::In, record, false);
    info.messages.iter().any(|m| {
        matches!(
            m,
            super::events::HandshakeMessage::ServerHello {
                resumption: Some(r),
                ..
            } if r.pre_shared_key.as_ref().is_some_and(|p| p.selected.is_some())
        )
    })
}

/// `psk_key_exchange_modes` values (RFC 8446 4.2.9).
fn mode_name(mode: u8) -> String {
    match mode {
        0 => "psk_ke".into(),
        1 => "psk_dhe_ke".into(),
        other => format!("unknown ({other})"),
    }
}

/// A ClientHello's `pre_shared_key` (RFC 8446 4.2.11): a list of identities (2-byte length,
/// identity, 4-byte obfuscated ticket age), then a list of binders (1-byte length, binder).
fn client_pre_shared_key(body: &[u8]) -> PreSharedKey {
    let mut psk = PreSharedKey::default();
    let Some(identities_len) = read_u16(body).map(usize::from) else {
        return psk;
    };
    let identities = body.get(2..2 + identities_len).unwrap_or_default();
    let mut rest = identities;
    while let Some(len) = read_u16(rest).map(usize::from) {
        if rest.len() < 2 + len + 4 {
            break;
        }
        psk.identities.push(len);
        rest = &rest[2 + len + 4..];
    }
    let binders = body.get(2 + identities_len..).unwrap_or_default();
    let binders_len = read_u16(binders).map(usize::from).unwrap_or(0);
    let mut rest = binders.get(2..2 + binders_len).unwrap_or_default();
    while let Some(&len) = rest.first() {
        let len = usize::from(len);
        if rest.len() < 1 + len {
            break;
        }
        psk.binders.push(len);
        rest = &rest[1 + len..];
    }
    psk
}

fn read_u16(b: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_pre_shared_key_names_its_identities_and_binders() {
        // One 3-byte identity with its ticket age, then one 4-byte binder.
        let body = [0, 9, 0, 3, 1, 2, 3, 0, 0, 0, 7, 0, 5, 4, 9, 9, 9, 9];
        let psk = client_pre_shared_key(&body);
        assert_eq!(psk.identities, [3]);
        assert_eq!(psk.binders, [4]);
        assert_eq!(psk.selected, None);
    }

    #[test]
    fn a_truncated_pre_shared_key_stops_the_walk() {
        assert_eq!(
            client_pre_shared_key(&[0, 9, 0, 3, 1]),
            PreSharedKey::default()
        );
        assert_eq!(client_pre_shared_key(&[]), PreSharedKey::default());
        let identities_only = [0, 9, 0, 3, 1, 2, 3, 0, 0, 0, 7, 0, 5, 4, 9];
        let psk = client_pre_shared_key(&identities_only);
        assert_eq!((psk.identities.len(), psk.binders.len()), (1, 0));
    }

    #[test]
    fn a_hello_that_says_nothing_about_resuming_has_no_facts() {
        let modes = [TlsExtension::PskExchangeModes(vec![1])];
        // A TLS 1.3 ClientHello's session id is a filler: nothing to say.
        assert_eq!(decode(Hello::Client, &modes, Some(&[7; 32]), true), None);
        let server = [TlsExtension::PreSharedKey(&[0, 0])];
        let facts = decode(Hello::Server, &server, Some(&[7; 32]), true).expect("facts");
        assert_eq!(facts.pre_shared_key.and_then(|p| p.selected), Some(0));
        // TLS 1.2: a session id is a session.
        let facts = decode(Hello::Server, &[], Some(&[0xab; 2]), false).expect("facts");
        assert_eq!(facts.session_id, "abab");
        let ticket = [
            TlsExtension::SessionTicket(&[]),
            TlsExtension::EarlyData(None),
        ];
        let facts = decode(Hello::Client, &ticket, None, true).expect("facts");
        assert_eq!((facts.session_ticket, facts.early_data), (Some(0), true));
    }
}
