//! TLS 1.2 (RFC 5246 §8.1 and §6.3, RFC 7627): from the ECDHE pre-master secret to the master
//! secret (extended when the server agreed), the key block and the write keys and IVs, each
//! checked: the master secret against rustls's KeyLog, the keys by opening the Finished
//! messages (whose verify_data is checked too) and the first records of data.

use super::messages::{
    self, content_type, open12, Opened, Reassembler, Suite, Transcript, APPLICATION_DATA,
    CHANGE_CIPHER_SPEC, CLIENT_HELLO, CLIENT_KEY_EXCHANGE, FINISHED, HANDSHAKE, SERVER_HELLO,
    SERVER_KEY_EXCHANGE,
};
use super::{against_keylog, by_records, kx, Entries, KeyCheck, KeySchedule, Wiped};
use crate::engine::events::Direction;

type Keylog<'a> = &'a dyn Fn(&str) -> Option<Wiped>;

/// What the clear part of the handshake gave.
#[derive(Default)]
struct Hellos {
    client_random: Vec<u8>,
    server_random: Vec<u8>,
    extended: bool,
    /// The ServerKeyExchange's group and public key.
    server_share: Option<(u16, Vec<u8>)>,
}

/// Everything derived once the ClientKeyExchange is known.
struct Derived {
    observed: kx::Observed,
    client_share: Vec<u8>,
    session_hash_of: String,
    master: Wiped,
    key_block: Wiped,
    /// [client, server] (key, iv).
    write: [(Wiped, Wiped); 2],
}

fn side(direction: Direction) -> usize {
    usize::from(direction == Direction::In)
}

pub(super) fn derive(
    records: &[(Direction, Vec<u8>)],
    suite: &Suite,
    keylog: Keylog<'_>,
    schedule: &mut KeySchedule,
) {
    let h = suite.hash;
    let mut transcript = Transcript::default();
    let mut clear = [Reassembler::default(), Reassembler::default()];
    let mut ccs = [false; 2];
    let mut hellos = Hellos::default();
    let mut derived: Option<Derived> = None;
    let mut problem: Option<String> = None;
    let mut opened: [Opened; 2] = Default::default();
    let mut finished: [Option<bool>; 2] = [None, None];
    for (direction, record) in records {
        let s = side(*direction);
        match content_type(record) {
            CHANGE_CIPHER_SPEC => ccs[s] = true,
            HANDSHAKE if !ccs[s] => {
                for message in clear[s].push(record.get(5..).unwrap_or_default()) {
                    let kind = message.first().copied().unwrap_or(0);
                    read_clear(kind, &message, &mut hellos);
                    transcript.push(message.clone());
                    if kind == CLIENT_KEY_EXCHANGE && derived.is_none() {
                        match derive_keys(suite, &hellos, &message, &transcript) {
                            Ok(d) => derived = Some(d),
                            Err(why) => problem = Some(why),
                        }
                    }
                }
            }
            HANDSHAKE | APPLICATION_DATA if ccs[s] => {
                let Some(d) = &derived else { continue };
                let o = &mut opened[s];
                if o.failed {
                    continue;
                }
                let (key, iv) = &d.write[s];
                let Some(plain) = open12(suite, key, iv, o.seq, record) else {
                    o.failed = true;
                    continue;
                };
                o.seq += 1;
                o.count += 1;
                if content_type(record) == HANDSHAKE && finished[s].is_none() {
                    o.carried("Finished");
                    let label = if s == 0 {
                        "client finished"
                    } else {
                        "server finished"
                    };
                    let expected = h.prf(&d.master, label, &transcript.hash_plain(h), 12);
                    finished[s] = Some(
                        plain.first() == Some(&FINISHED) && messages::body(&plain) == &expected[..],
                    );
                    transcript.push(plain);
                } else {
                    o.carried(if content_type(record) == HANDSHAKE {
                        "handshake message"
                    } else {
                        "application data"
                    });
                }
            }
            _ => {}
        }
    }
    if let Some((group, _)) = &hellos.server_share {
        schedule.group = Some(crate::engine::handshake::group_name(*group));
    }
    let Some(d) = derived else {
        schedule.missing = Some(
            problem.unwrap_or_else(|| "the handshake stopped before the ClientKeyExchange".into()),
        );
        return;
    };
    entries(suite, keylog, schedule, &hellos, &d, &opened, finished);
}

fn read_clear(kind: u8, message: &[u8], hellos: &mut Hellos) {
    match kind {
        CLIENT_HELLO => {
            hellos.client_random = messages::hello_random(message).unwrap_or_default().to_vec()
        }
        SERVER_HELLO => {
            hellos.server_random = messages::hello_random(message).unwrap_or_default().to_vec();
            hellos.extended = messages::extended_master_secret(message);
        }
        SERVER_KEY_EXCHANGE => {
            hellos.server_share =
                messages::server_key_exchange(message).map(|(g, key)| (g, key.to_vec()))
        }
        _ => {}
    }
}

fn derive_keys(
    suite: &Suite,
    hellos: &Hellos,
    client_key_exchange: &[u8],
    transcript: &Transcript,
) -> Result<Derived, String> {
    let h = suite.hash;
    let (group, _) = hellos.server_share.as_ref().ok_or(
        "no ECDHE ServerKeyExchange was read (a resumed session reuses an earlier master secret)",
    )?;
    let named = rustls::NamedGroup::from(*group);
    if !kx::is_observable(named) {
        return Err(format!(
            "{}: tlsviz can show the private key of X25519, P-256 and P-384 exchanges only",
            crate::engine::handshake::group_name(u16::from(named))
        ));
    }
    let client_share = messages::client_key_exchange(client_key_exchange)
        .ok_or("the ClientKeyExchange carries no public key")?;
    let observed = kx::claim(client_share).ok_or("the key exchange was not observed")?;
    let (master, session_hash_of) = if hellos.extended {
        let session_hash = transcript.hash_plain(h);
        (
            h.prf(
                &observed.shared,
                "extended master secret",
                &session_hash,
                48,
            ),
            format!("session_hash = {}(ClientHello…ClientKeyExchange)", h.name()),
        )
    } else {
        let randoms = [&hellos.client_random[..], &hellos.server_random[..]].concat();
        (
            h.prf(&observed.shared, "master secret", &randoms, 48),
            String::new(),
        )
    };
    let seed = [&hellos.server_random[..], &hellos.client_random[..]].concat();
    let (k, v) = (suite.key_len, suite.iv_len);
    let key_block = h.prf(&master, "key expansion", &seed, 2 * (k + v));
    let piece = |from: usize, len: usize| Wiped::new(key_block[from..from + len].to_vec());
    let write = [
        (piece(0, k), piece(2 * k, v)),
        (piece(k, k), piece(2 * k + v, v)),
    ];
    Ok(Derived {
        client_share: client_share.to_vec(),
        observed,
        session_hash_of,
        master,
        key_block,
        write,
    })
}

fn entries(
    suite: &Suite,
    keylog: Keylog<'_>,
    schedule: &mut KeySchedule,
    hellos: &Hellos,
    d: &Derived,
    opened: &[Opened; 2],
    finished: [Option<bool>; 2],
) {
    let group = d.observed.group;
    let server_share = hellos
        .server_share
        .as_ref()
        .map(|(_, k)| &k[..])
        .unwrap_or_default();
    let curve = super::curve_name(group);
    let mut master_check = against_keylog(&d.master, "CLIENT_RANDOM", keylog);
    let downstream = match master_check.0 {
        KeyCheck::MatchesKeylog => (
            KeyCheck::ConfirmedDownstream,
            "the master secret derived from it matches rustls's KeyLog".to_string(),
        ),
        KeyCheck::Mismatch => (
            KeyCheck::Mismatch,
            "the master secret derived from it differs from rustls's KeyLog".to_string(),
        ),
        _ => (
            KeyCheck::Derived,
            "the master secret was not checked".to_string(),
        ),
    };
    let (private_check, shared_check) = super::key_share_checks(
        &d.observed,
        (&d.client_share, "ClientKeyExchange's public key"),
        (server_share, "ServerKeyExchange's public key"),
        &downstream,
    );
    master_check.1.push_str(&match finished {
        [Some(true), Some(true)] => "; both Finished messages verify with it".to_string(),
        [Some(true), None] => "; the client's Finished verifies with it".to_string(),
        [c, s] => {
            let bad: Vec<&str> = [(c, "client"), (s, "server")]
                .iter()
                .filter(|(f, _)| *f == Some(false))
                .map(|(_, who)| *who)
                .collect();
            if bad.is_empty() {
                String::new()
            } else {
                format!("; the {} Finished does not verify", bad.join(" and "))
            }
        }
    });
    let mut e = Entries {
        out: &mut schedule.entries,
    };
    e.push(
        "client_key_share_private",
        format!("random {curve} private key; its public key is the ClientKeyExchange's"),
        &[],
        &d.observed.private,
        private_check,
    );
    e.push(
        "pre_master_secret",
        format!("ECDHE: {curve}(client_key_share_private, the ServerKeyExchange's public key)"),
        &["client_key_share_private"],
        &d.observed.shared,
        shared_check,
    );
    let master_formula = if hellos.extended {
        format!(
            "PRF(pre_master_secret, \"extended master secret\", session_hash)[0..48], {}",
            d.session_hash_of
        )
    } else {
        "PRF(pre_master_secret, \"master secret\", ClientHello.random + ServerHello.random)[0..48]"
            .to_string()
    };
    e.push(
        "master_secret",
        master_formula,
        &["pre_master_secret"],
        &d.master,
        master_check,
    );
    let keys_opened = opened.iter().all(|o| o.count > 0 && !o.failed);
    let (k, v) = (suite.key_len, suite.iv_len);
    e.push(
        "key_block",
        format!(
            "PRF(master_secret, \"key expansion\", ServerHello.random + ClientHello.random)[0..{}]",
            2 * (k + v)
        ),
        &["master_secret"],
        &d.key_block,
        if keys_opened {
            (
                KeyCheck::ConfirmedDownstream,
                "the write keys cut from it opened records both ways".to_string(),
            )
        } else {
            (
                KeyCheck::Derived,
                "the write keys cut from it were not all checked".to_string(),
            )
        },
    );
    let iv_what = if suite.explicit_nonce {
        " (the salt; each record carries the other 8 bytes of its nonce)"
    } else {
        ""
    };
    let places = [
        ("client_write_key", 0, k, 0usize, ""),
        ("server_write_key", k, k, 1, ""),
        ("client_write_iv", 2 * k, v, 0, iv_what),
        ("server_write_iv", 2 * k + v, v, 1, iv_what),
    ];
    for (name, from, len, s, what) in places {
        let value = if name.ends_with("key") {
            &d.write[s].0
        } else {
            &d.write[s].1
        };
        let who = if s == 0 { "client" } else { "server" };
        let entry = e.push(
            name,
            format!("key_block[{from}..{}]{what}", from + len),
            &["key_block"],
            value,
            by_records(who, &opened[s]),
        );
        entry.protects = opened[s].carried.clone();
    }
}
