//! TLS 1.3 (RFC 8446 §7.1): from the shared secret and the transcript to every traffic secret,
//! key, IV and finished key, each checked.

use super::messages::{
    self, content_type, open13, Opened, Reassembler, Suite, Transcript, APPLICATION_DATA,
    CLIENT_HELLO, FINISHED, HANDSHAKE, SERVER_HELLO,
};
use super::{against_keylog, by_records, kx, Entries, KeyCheck, KeySchedule, Wiped};
use crate::engine::events::Direction;

type Keylog<'a> = &'a dyn Fn(&str) -> Option<Wiped>;

/// One direction's traffic keys.
struct Traffic {
    key: Wiped,
    iv: Wiped,
}

fn traffic(suite: &Suite, secret: &[u8]) -> Traffic {
    Traffic {
        key: suite.hash.expand_label(secret, "key", &[], suite.key_len),
        iv: suite.hash.expand_label(secret, "iv", &[], suite.iv_len),
    }
}

fn side(direction: Direction) -> usize {
    usize::from(direction == Direction::In)
}

/// Everything derived after the ServerHello, filled as the records are walked.
struct Walk {
    transcript: Transcript,
    /// [client, server] handshake-epoch records and application-epoch records.
    handshake: [Opened; 2],
    application: [Opened; 2],
    /// The application epoch has begun in this direction (its Finished was read).
    in_application: [bool; 2],
    /// [client, server] Finished: whether it verified, and the transcript it covers
    /// (`None`: not seen).
    finished: [Option<(bool, String)>; 2],
    /// The last handshake message in the transcript, with its sender.
    last: String,
    /// Application traffic secrets and keys, once the server's Finished is seen.
    application_secrets: Option<[(Wiped, Traffic); 2]>,
}

pub(super) fn derive(
    records: &[(Direction, Vec<u8>)],
    suite: &Suite,
    keylog: Keylog<'_>,
    schedule: &mut KeySchedule,
) {
    let h = suite.hash;
    // The clear part: ClientHello (twice after a HelloRetryRequest), ServerHello.
    let mut transcript = Transcript::default();
    let mut clear = [Reassembler::default(), Reassembler::default()];
    let mut client_hello: Option<Wiped> = None;
    let mut server_hello: Option<Wiped> = None;
    for (direction, record) in records {
        if server_hello.is_some() {
            break;
        }
        if content_type(record) != HANDSHAKE {
            continue;
        }
        for message in clear[side(*direction)].push(record.get(5..).unwrap_or_default()) {
            match message.first() {
                Some(&CLIENT_HELLO) => client_hello = Some(message.clone()),
                Some(&SERVER_HELLO) if !messages::is_hello_retry(&message) => {
                    server_hello = Some(message.clone())
                }
                _ => {}
            }
            transcript.push(message);
        }
    }
    let (Some(client_hello), Some(server_hello)) = (client_hello, server_hello) else {
        schedule.missing = Some("the handshake stopped before the ServerHello".into());
        return;
    };
    let Some((group, server_share)) = messages::server_key_share(&server_hello) else {
        schedule.missing = Some("the ServerHello carries no key share".into());
        return;
    };
    let named = rustls::NamedGroup::from(group);
    schedule.group = Some(crate::engine::handshake::group_name(group));
    let Some(client_share) = messages::client_key_share(&client_hello, group) else {
        schedule.missing = Some(format!(
            "the ClientHello carries no {} key share",
            crate::engine::handshake::group_name(group)
        ));
        return;
    };
    if !kx::is_observable(named) {
        schedule.missing = Some(format!(
            "{}: tlsviz can show the private key of X25519, P-256 and P-384 exchanges only",
            crate::engine::handshake::group_name(u16::from(named))
        ));
        return;
    }
    let Some(observed) = kx::claim(client_share) else {
        schedule.missing = Some("the key exchange was not observed".into());
        return;
    };
    if messages::accepted_psk(&server_hello) {
        schedule.missing = Some(
            "the server resumed a session (pre_shared_key): the early secret comes from that \
             session's PSK, which tlsviz does not show, so nothing after it can be recomputed"
                .into(),
        );
        return;
    }

    let shared = &observed.shared;
    let zeros = vec![0u8; h.len()];
    let early = h.extract(&zeros, &zeros);
    let handshake_secret = h.extract(&h.derived(&early), shared);
    let hello_hash = transcript.hash(h);
    let hs = [
        h.derive_secret(&handshake_secret, "c hs traffic", &hello_hash),
        h.derive_secret(&handshake_secret, "s hs traffic", &hello_hash),
    ];
    let hs_keys = [traffic(suite, &hs[0]), traffic(suite, &hs[1])];
    let finished_keys = [
        h.expand_label(&hs[0], "finished", &[], h.len()),
        h.expand_label(&hs[1], "finished", &[], h.len()),
    ];
    let master = h.extract(&h.derived(&handshake_secret), &zeros);

    let mut walk = Walk {
        transcript,
        handshake: Default::default(),
        application: Default::default(),
        in_application: [false; 2],
        finished: [None, None],
        last: "ServerHello".into(),
        application_secrets: None,
    };
    let mut encrypted = [Reassembler::default(), Reassembler::default()];
    for (direction, record) in records {
        if content_type(record) != APPLICATION_DATA {
            continue;
        }
        let s = side(*direction);
        if walk.in_application[s] {
            open_application(suite, &mut walk, s, record);
            continue;
        }
        let opened = &mut walk.handshake[s];
        if opened.failed {
            continue;
        }
        let Some((kind, content)) =
            open13(suite, &hs_keys[s].key, &hs_keys[s].iv, opened.seq, record)
        else {
            opened.failed = true;
            continue;
        };
        opened.seq += 1;
        opened.count += 1;
        if kind != HANDSHAKE {
            opened.carried(if kind == 21 { "alert" } else { "other" });
            continue;
        }
        for message in encrypted[s].push(&content) {
            let kind = message.first().copied().unwrap_or(0);
            walk.handshake[s].carried(messages::message_name(kind));
            if kind == FINISHED {
                let expected = h.hmac(&finished_keys[s], &[&walk.transcript.hash(h)]);
                let ok = messages::body(&message) == &expected[..];
                walk.finished[s] = Some((ok, format!("ClientHello…{}", walk.last)));
                walk.last = format!("{} Finished", SIDES[s]);
                walk.transcript.push(message);
                walk.in_application[s] = true;
                if s == 1 {
                    let through = walk.transcript.hash(h);
                    let secrets = [
                        h.derive_secret(&master, "c ap traffic", &through),
                        h.derive_secret(&master, "s ap traffic", &through),
                    ];
                    let [c, s] = secrets;
                    let (ck, sk) = (traffic(suite, &c), traffic(suite, &s));
                    walk.application_secrets = Some([(c, ck), (s, sk)]);
                }
                break;
            }
            walk.last = format!("{} {}", SIDES[s], messages::message_name(kind));
            walk.transcript.push(message);
        }
    }
    entries(
        suite,
        keylog,
        schedule,
        &Inputs {
            observed: &observed,
            client_share,
            server_share,
            early: &early,
            handshake_secret: &handshake_secret,
            master: &master,
            hs: &hs,
            hs_keys: &hs_keys,
            finished_keys: &finished_keys,
        },
        &walk,
    );
}

/// A record of the application epoch: opened with the application keys, until one fails or
/// the keys change (KeyUpdate).
fn open_application(suite: &Suite, walk: &mut Walk, s: usize, record: &[u8]) {
    let Some(secrets) = &walk.application_secrets else {
        return;
    };
    let keys = &secrets[s].1;
    let opened = &mut walk.application[s];
    if opened.failed || opened.carried.iter().any(|c| c == "KeyUpdate") {
        return;
    }
    match open13(suite, &keys.key, &keys.iv, opened.seq, record) {
        Some((kind, content)) => {
            opened.seq += 1;
            opened.count += 1;
            match kind {
                HANDSHAKE => {
                    let kind = content.first().copied().unwrap_or(0);
                    opened.carried(messages::message_name(kind));
                }
                APPLICATION_DATA => opened.carried("application data"),
                21 => opened.carried("alert"),
                _ => opened.carried("other"),
            }
        }
        None => opened.failed = true,
    }
}

struct Inputs<'a> {
    observed: &'a kx::Observed,
    client_share: &'a [u8],
    server_share: &'a [u8],
    early: &'a [u8],
    handshake_secret: &'a [u8],
    master: &'a [u8],
    hs: &'a [Wiped; 2],
    hs_keys: &'a [Traffic; 2],
    finished_keys: &'a [Wiped; 2],
}

const SIDES: [&str; 2] = ["client", "server"];

fn entries(
    suite: &Suite,
    keylog: Keylog<'_>,
    schedule: &mut KeySchedule,
    i: &Inputs<'_>,
    walk: &Walk,
) {
    let h = suite.hash;
    let group = i.observed.group;
    let hs_checks = [
        against_keylog(&i.hs[0], "CLIENT_HANDSHAKE_TRAFFIC_SECRET", keylog),
        against_keylog(&i.hs[1], "SERVER_HANDSHAKE_TRAFFIC_SECRET", keylog),
    ];
    let ap_checks = walk.application_secrets.as_ref().map(|a| {
        [
            against_keylog(&a[0].0, "CLIENT_TRAFFIC_SECRET_0", keylog),
            against_keylog(&a[1].0, "SERVER_TRAFFIC_SECRET_0", keylog),
        ]
    });
    let confirmed = |checks: Option<&[(KeyCheck, String); 2]>, what: &str| match checks {
        Some(c) if c.iter().all(|(k, _)| *k == KeyCheck::MatchesKeylog) => (
            KeyCheck::ConfirmedDownstream,
            format!("the {what} derived from it match rustls's KeyLog"),
        ),
        Some(c) if c.iter().any(|(k, _)| *k == KeyCheck::Mismatch) => (
            KeyCheck::Mismatch,
            format!("the {what} derived from it differ from rustls's KeyLog"),
        ),
        _ => (
            KeyCheck::Derived,
            format!("the {what} were not all checked"),
        ),
    };
    let mut e = Entries {
        out: &mut schedule.entries,
    };
    let (private_check, shared_check) = super::key_share_checks(
        i.observed,
        (i.client_share, "ClientHello's key_share"),
        (i.server_share, "ServerHello's key_share"),
        &confirmed(Some(&hs_checks), "handshake traffic secrets"),
    );
    let curve = super::curve_name(group);
    let scalar = match group {
        rustls::NamedGroup::X25519 => "X25519(client_key_share_private, 9)",
        _ => "client_key_share_private·G (uncompressed)",
    };
    e.push(
        "client_key_share_private",
        format!(
            "random {curve} private key; its public key {scalar} is the ClientHello's key_share"
        ),
        &[],
        &i.observed.private,
        private_check,
    );
    e.push(
        "shared_secret",
        format!("ECDHE: {curve}(client_key_share_private, the ServerHello's key_share)"),
        &["client_key_share_private"],
        &i.observed.shared,
        shared_check,
    );
    e.push(
        "early_secret",
        format!(
            "HKDF-Extract(salt=0, IKM=0): no PSK, {} zero bytes each",
            h.len()
        ),
        &[],
        i.early,
        confirmed(Some(&hs_checks), "handshake traffic secrets"),
    );
    e.push(
        "handshake_secret",
        "HKDF-Extract(salt=Derive-Secret(early_secret, \"derived\", \"\"), IKM=shared_secret)"
            .into(),
        &["early_secret", "shared_secret"],
        i.handshake_secret,
        confirmed(Some(&hs_checks), "handshake traffic secrets"),
    );
    e.push(
        "master_secret",
        "HKDF-Extract(salt=Derive-Secret(handshake_secret, \"derived\", \"\"), IKM=0)".into(),
        &["handshake_secret"],
        i.master,
        confirmed(ap_checks.as_ref(), "application traffic secrets"),
    );
    for s in 0..2 {
        let who = SIDES[s];
        let label = if s == 0 {
            "c hs traffic"
        } else {
            "s hs traffic"
        };
        e.push(
            &format!("{who}_handshake_traffic_secret"),
            format!("Derive-Secret(handshake_secret, \"{label}\", ClientHello…ServerHello)"),
            &["handshake_secret"],
            &i.hs[s],
            hs_checks[s].clone(),
        );
    }
    if let (Some(app), Some(checks)) = (&walk.application_secrets, &ap_checks) {
        for s in 0..2 {
            let who = SIDES[s];
            let label = if s == 0 {
                "c ap traffic"
            } else {
                "s ap traffic"
            };
            e.push(
                &format!("{who}_application_traffic_secret_0"),
                format!("Derive-Secret(master_secret, \"{label}\", ClientHello…server Finished)"),
                &["master_secret"],
                &app[s].0,
                checks[s].clone(),
            );
        }
    }
    for s in 0..2 {
        key_and_iv(
            &mut e,
            suite,
            s,
            "handshake",
            &i.hs_keys[s],
            &walk.handshake[s],
        );
    }
    if let Some(app) = &walk.application_secrets {
        for (s, (_, keys)) in app.iter().enumerate() {
            key_and_iv(&mut e, suite, s, "application", keys, &walk.application[s]);
        }
    }
    for (s, who) in SIDES.iter().enumerate() {
        let check = match &walk.finished[s] {
            Some((true, span)) => (
                KeyCheck::FinishedVerified,
                format!(
                    "HMAC({who}_finished_key, Transcript-Hash({span})) equals the {who}'s Finished"
                ),
            ),
            Some((false, _)) => (
                KeyCheck::Mismatch,
                format!("the {who}'s Finished differs from HMAC({who}_finished_key, …)"),
            ),
            None => (
                KeyCheck::Derived,
                format!("the {who}'s Finished was not opened"),
            ),
        };
        e.push(
            &format!("{who}_finished_key"),
            format!(
                "HKDF-Expand-Label({who}_handshake_traffic_secret, \"finished\", \"\", {})",
                h.len()
            ),
            &[&format!("{who}_handshake_traffic_secret")],
            &i.finished_keys[s],
            check,
        );
    }
    if walk.application_secrets.is_none() {
        schedule.missing =
            Some("the server's Finished was not read: no application traffic secrets".into());
    }
}

fn key_and_iv(
    e: &mut Entries<'_>,
    suite: &Suite,
    s: usize,
    epoch: &str,
    keys: &Traffic,
    opened: &Opened,
) {
    let who = SIDES[s];
    let secret = if epoch == "handshake" {
        format!("{who}_handshake_traffic_secret")
    } else {
        format!("{who}_application_traffic_secret_0")
    };
    let check = by_records(who, opened);
    for (what, value, len) in [
        ("key", &keys.key, suite.key_len),
        ("iv", &keys.iv, suite.iv_len),
    ] {
        let entry = e.push(
            &format!("{who}_{epoch}_{what}"),
            format!("HKDF-Expand-Label({secret}, \"{what}\", \"\", {len})"),
            &[&secret],
            value,
            check.clone(),
        );
        entry.protects = opened.carried.clone();
    }
}
