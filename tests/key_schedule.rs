//! `--show-secrets` against a real redis-server: the key schedule tlsviz shows is re-derived
//! here, independently (a few lines of HKDF / PRF / AEAD with ring in this file), from the bytes
//! a proxy captured on the wire and the private key tlsviz showed, and must equal the secrets
//! rustls wrote to the keylog file. TLS 1.3 and TLS 1.2, X25519 and P-256 (the offered groups
//! restricted to get each).

mod common;
#[path = "key_schedule/tls12.rs"]
mod tls12;
#[path = "key_schedule/wire.rs"]
mod wire;

use ring::{aead, digest, hkdf, hmac};
use std::sync::Arc;
use tls12::check_tls12;
use tlsviz::engine::config::TlsVersions;
use tlsviz::engine::keyschedule::{KeyCheck, KeySchedule};
use tlsviz::engine::Target;
use tlsviz::lab::{Lab, LabOptions};
use tlsviz::model::{Model, Outcome};
use tlsviz::target::{self, TlsOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wire::{clear_messages, ecdhe, extension, records, split_messages, unhex};

const X25519: u16 = 0x001d;
const P256: u16 = 0x0017;
const P384: u16 = 0x0018;

/// A one-connection TCP proxy that keeps what crossed: (client → server, server → client).
async fn proxy(upstream: u16) -> (u16, tokio::task::JoinHandle<(Vec<u8>, Vec<u8>)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let server = tokio::net::TcpStream::connect(("127.0.0.1", upstream))
            .await
            .unwrap();
        let (cr, cw) = client.into_split();
        let (sr, sw) = server.into_split();
        let up = tokio::spawn(pipe(cr, sw));
        let down = tokio::spawn(pipe(sr, cw));
        (up.await.unwrap(), down.await.unwrap())
    });
    (port, task)
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 16384];
    while let Ok(n @ 1..) = from.read(&mut buf).await {
        seen.extend_from_slice(&buf[..n]);
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
    seen
}

struct Captured {
    model: Model,
    up: Vec<u8>,
    down: Vec<u8>,
    keylog: Vec<(String, String, String)>,
}

/// One `--show-secrets` run through the proxy, offering only `groups`, in this order.
async fn run(lab: &Lab, versions: TlsVersions, groups: &[u16], name: &str) -> Captured {
    let dir = std::env::temp_dir().join(format!("tlsviz-ks-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keylog = dir.join("keys.log");
    let f = &lab.files;
    let mut material = target::load::load(&TlsOptions {
        cacert: Some(f.ca_cert.clone()),
        cert: Some(f.client_cert.clone()),
        key: Some(f.client_key.clone()),
        versions,
        keylog: Some(keylog.clone()),
        ..TlsOptions::default()
    })
    .unwrap();
    let mut provider = (*material.provider).clone();
    provider.kx_groups = groups
        .iter()
        .filter_map(|&id| {
            let all = &material.provider.kx_groups;
            all.iter().copied().find(|g| u16::from(g.name()) == id)
        })
        .collect();
    assert_eq!(provider.kx_groups.len(), groups.len());
    material.provider = Arc::new(provider);
    material.show_secrets = true;
    let (port, captured) = proxy(lab.port).await;
    let target = Target {
        host: "localhost".into(),
        port,
        server_name: "localhost".into(),
        tls: Some(material),
        user: None,
        password: None,
        db: None,
        command: vec!["PING".into()],
        timeout: std::time::Duration::from_secs(5),
        capture_bytes: false,
    };
    let model = common::run(&target).await;
    assert_eq!(model.outcome, Outcome::Ok, "{:?}", model.diagnosis);
    let (up, down) = captured.await.unwrap();
    let keylog = std::fs::read_to_string(&keylog)
        .unwrap()
        .lines()
        .map(|l| {
            let p: Vec<&str> = l.split(' ').collect();
            (p[0].to_string(), p[1].to_string(), p[2].to_string())
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    Captured {
        model,
        up,
        down,
        keylog,
    }
}

impl Captured {
    fn schedule(&self) -> &KeySchedule {
        self.model
            .key_schedule
            .as_ref()
            .expect("a key_schedule event")
    }

    /// The value tlsviz showed.
    fn shown(&self, name: &str) -> Vec<u8> {
        let entry = self
            .schedule()
            .entry(name)
            .unwrap_or_else(|| panic!("{name}"));
        unhex(entry.value.as_ref().expect("a value").expose())
    }

    fn logged(&self, label: &str) -> Vec<u8> {
        let line = self.keylog.iter().find(|(l, _, _)| l == label);
        unhex(&line.unwrap_or_else(|| panic!("{label} in the keylog")).2)
    }

    /// The private key's and the shared secret's formulas name the curve the run used.
    fn formulas_name_the_curve(&self, group: u16) {
        let curve = match group {
            X25519 => "X25519",
            P256 => "P-256",
            _ => "P-384",
        };
        for e in &self.schedule().entries[..2] {
            assert!(e.formula.contains(curve), "{}: {}", e.name, e.formula);
            let others = ["X25519", "P-256", "P-384"]
                .into_iter()
                .filter(|&o| o != curve);
            for other in others {
                assert!(!e.formula.contains(other), "{}: {}", e.name, e.formula);
            }
        }
    }

    fn every_check_passes(&self) {
        let s = self.schedule();
        assert_eq!(s.missing, None);
        for e in &s.entries {
            assert!(e.check.confirmed(), "{}: {:?} {}", e.name, e.check, e.note);
        }
    }
}

struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn expand_label(prk: &hkdf::Prk, label: &str, context: &[u8], len: usize) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let length = (len as u16).to_be_bytes();
    let info: [&[u8]; 5] = [
        &length,
        &[full.len() as u8],
        full.as_bytes(),
        &[context.len() as u8],
        context,
    ];
    let mut out = vec![0u8; len];
    prk.expand(&info, Len(len)).unwrap().fill(&mut out).unwrap();
    out
}

/// TLS 1.3, derived here: the traffic secrets against the keylog, the server's Finished
/// verified, and the values tlsviz showed against these.
fn check_tls13(c: &Captured, group: u16) {
    let client = clear_messages(&c.up);
    let down = records(&c.down);
    let server_hello = split_messages(&down[0].1[5..]).remove(0);
    let client_hello = &client[0];
    // Suite → hash, AEAD.
    let suite = u16::from_be_bytes([
        server_hello[4 + 35 + usize::from(server_hello[4 + 34])],
        server_hello[4 + 36 + usize::from(server_hello[4 + 34])],
    ]);
    let (hkdf_alg, hmac_alg, dig, aead_alg) = match suite {
        0x1301 => (
            hkdf::HKDF_SHA256,
            hmac::HMAC_SHA256,
            &digest::SHA256,
            &aead::AES_128_GCM,
        ),
        0x1302 => (
            hkdf::HKDF_SHA384,
            hmac::HMAC_SHA384,
            &digest::SHA384,
            &aead::AES_256_GCM,
        ),
        _ => (
            hkdf::HKDF_SHA256,
            hmac::HMAC_SHA256,
            &digest::SHA256,
            &aead::CHACHA20_POLY1305,
        ),
    };
    let hlen = dig.output_len();
    let hash = |parts: &[&[u8]]| {
        let mut ctx = digest::Context::new(dig);
        parts.iter().for_each(|p| ctx.update(p));
        ctx.finish().as_ref().to_vec()
    };
    let share = extension(&server_hello, 51).unwrap();
    assert_eq!(u16::from_be_bytes([share[0], share[1]]), group);
    let server_share = &share[4..];
    let client_shares = extension(client_hello, 51).unwrap();
    let client_share = &client_shares[6..]; // one share: list length, group, key length, key
    let private = c.shown("client_key_share_private");
    let (public, shared) = ecdhe(group, &private, server_share);
    assert_eq!(
        public, client_share,
        "the shown private key is not the ClientHello's"
    );
    assert_eq!(shared, c.shown("shared_secret"));

    let zeros = vec![0u8; hlen];
    let early = hkdf::Salt::new(hkdf_alg, &zeros).extract(&zeros);
    let derived = expand_label(&early, "derived", &hash(&[]), hlen);
    let handshake = hkdf::Salt::new(hkdf_alg, &derived).extract(&shared);
    let hello_hash = hash(&[client_hello, &server_hello]);
    let chts = expand_label(&handshake, "c hs traffic", &hello_hash, hlen);
    let shts = expand_label(&handshake, "s hs traffic", &hello_hash, hlen);
    assert_eq!(chts, c.logged("CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
    assert_eq!(shts, c.logged("SERVER_HANDSHAKE_TRAFFIC_SECRET"));
    assert_eq!(chts, c.shown("client_handshake_traffic_secret"));

    // The server's encrypted flight, opened with the server handshake key derived here.
    let shts_prk = hkdf::Prk::new_less_safe(hkdf_alg, &shts);
    let key = expand_label(&shts_prk, "key", &[], aead_alg.key_len());
    let iv = expand_label(&shts_prk, "iv", &[], 12);
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(aead_alg, &key).unwrap());
    let mut flight = Vec::new();
    let mut seq = 0u64;
    for (kind, record) in down.iter().skip(1) {
        if *kind != 23 {
            continue;
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&iv);
        for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
            *n ^= s;
        }
        seq += 1;
        let mut body = record[5..].to_vec();
        let plain = key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(&record[..5]),
                &mut body,
            )
            .expect("the server handshake key opens the server's record");
        let end = plain.iter().rposition(|&b| b != 0).unwrap();
        flight.extend_from_slice(&plain[..end]);
        if split_messages(&flight).last().is_some_and(|m| m[0] == 20) {
            break;
        }
    }
    let messages = split_messages(&flight);
    let (finished, before) = messages.split_last().unwrap();
    assert_eq!(finished[0], 20);
    let mut transcript: Vec<&[u8]> = vec![client_hello, &server_hello];
    transcript.extend(before.iter().map(|m| &m[..]));
    let finished_key = expand_label(&shts_prk, "finished", &[], hlen);
    let expected = hmac::sign(&hmac::Key::new(hmac_alg, &finished_key), &hash(&transcript));
    assert_eq!(
        &finished[4..],
        expected.as_ref(),
        "the server's Finished does not verify"
    );
    assert_eq!(finished_key, c.shown("server_finished_key"));

    transcript.push(finished);
    let derived = expand_label(&handshake, "derived", &hash(&[]), hlen);
    let master = hkdf::Salt::new(hkdf_alg, &derived).extract(&zeros);
    let through = hash(&transcript);
    let cats = expand_label(&master, "c ap traffic", &through, hlen);
    let sats = expand_label(&master, "s ap traffic", &through, hlen);
    assert_eq!(cats, c.logged("CLIENT_TRAFFIC_SECRET_0"));
    assert_eq!(sats, c.logged("SERVER_TRAFFIC_SECRET_0"));
    assert_eq!(sats, c.shown("server_application_traffic_secret_0"));
}

const TLS13_NAMES: [&str; 19] = [
    "client_key_share_private",
    "shared_secret",
    "early_secret",
    "handshake_secret",
    "master_secret",
    "client_handshake_traffic_secret",
    "server_handshake_traffic_secret",
    "client_application_traffic_secret_0",
    "server_application_traffic_secret_0",
    "client_handshake_key",
    "client_handshake_iv",
    "server_handshake_key",
    "server_handshake_iv",
    "client_application_key",
    "client_application_iv",
    "server_application_key",
    "server_application_iv",
    "client_finished_key",
    "server_finished_key",
];

const TLS12_NAMES: [&str; 8] = [
    "client_key_share_private",
    "pre_master_secret",
    "master_secret",
    "key_block",
    "client_write_key",
    "server_write_key",
    "client_write_iv",
    "server_write_iv",
];

#[tokio::test]
async fn tls13_schedule_rederived_from_the_wire_equals_the_keylog() {
    let lab = common::lab(LabOptions::default());
    for (group, name) in [(X25519, "x25519"), (P256, "p256"), (P384, "p384")] {
        let c = run(&lab, TlsVersions::Only13, &[group], name).await;
        let s = c.schedule();
        let names: Vec<&str> = s.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, TLS13_NAMES);
        c.every_check_passes();
        assert_eq!(
            s.entry("server_finished_key").unwrap().check,
            KeyCheck::FinishedVerified
        );
        assert_eq!(
            s.entry("client_application_traffic_secret_0")
                .unwrap()
                .check,
            KeyCheck::MatchesKeylog
        );
        c.formulas_name_the_curve(group);
        check_tls13(&c, group);
    }
}

#[tokio::test]
async fn tls12_schedule_rederived_from_the_wire_equals_the_keylog() {
    let lab = common::lab(LabOptions::default());
    // Under TLS 1.2 the groups offered also bound the curve of the server's ECDSA certificate
    // (RFC 4492): P-256 must be offered for the lab's certificate, after X25519 to get X25519.
    for (groups, group, name) in [
        (&[X25519, P256][..], X25519, "x25519-12"),
        (&[P256][..], P256, "p256-12"),
        (&[P384, P256][..], P384, "p384-12"),
    ] {
        let c = run(&lab, TlsVersions::Only12, groups, name).await;
        let names: Vec<&str> = c
            .schedule()
            .entries
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(names, TLS12_NAMES);
        c.every_check_passes();
        c.formulas_name_the_curve(group);
        check_tls12(&c, group, true);
    }
}

/// The plain block, values redacted (every run has its own), pinned.
#[tokio::test]
async fn plain_key_schedule_block_snapshot() {
    let lab = common::lab(LabOptions::default());
    if !lab.is_real_redis() {
        eprintln!("!!! snapshot skipped: the built-in server cuts its records differently !!!");
        return;
    }
    for (versions, name) in [
        (TlsVersions::Only13, "tls13"),
        (TlsVersions::Only12, "tls12"),
    ] {
        let c = run(&lab, versions, &[X25519, P256], &format!("snap-{name}")).await;
        let text: Vec<String> = tlsviz::report::keys::block(c.schedule())
            .into_iter()
            .map(|l| {
                let text = if l.look == tlsviz::report::keys::Look::Value {
                    format!("[{} hex digits]", l.text.len())
                } else {
                    l.text
                };
                format!("{}{}", l.prefix, text)
            })
            .collect();
        insta::assert_snapshot!(format!("plain_block_{name}"), text.join("\n"));
    }
}

/// A lab whose redis-server refuses the extended master secret, or `None` (loudly) when only the
/// built-in server is available: rustls cannot be told to refuse it.
fn lab_without_ems() -> Option<Lab> {
    if common::server_choice() != tlsviz::lab::ServerChoice::Redis {
        eprintln!(
            "!!! skipped: only redis-server (OpenSSL) can refuse the extended master secret !!!"
        );
        return None;
    }
    Some(common::lab(LabOptions {
        tls12_without_ems: true,
        ..LabOptions::default()
    }))
}

/// RFC 5246's master secret, from the two randoms: the branch no Redis takes by default.
#[tokio::test]
async fn tls12_without_ems_master_secret_from_the_randoms_equals_the_keylog() {
    let Some(lab) = lab_without_ems() else {
        return;
    };
    for (groups, group, name) in [
        (&[X25519, P256][..], X25519, "x25519-noems"),
        (&[P256][..], P256, "p256-noems"),
    ] {
        let c = run(&lab, TlsVersions::Only12, groups, name).await;
        let s = c.schedule();
        let names: Vec<&str> = s.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, TLS12_NAMES);
        c.every_check_passes();
        c.formulas_name_the_curve(group);
        let master = s.entry("master_secret").unwrap();
        assert_eq!(master.check, KeyCheck::MatchesKeylog, "{}", master.note);
        assert_eq!(
            master.formula,
            "PRF(pre_master_secret, \"master secret\", ClientHello.random + ServerHello.random)[0..48]"
        );
        assert!(!master.formula.contains("extended"));
        assert!(
            master
                .note
                .ends_with("; both Finished messages verify with it"),
            "{}",
            master.note
        );
        check_tls12(&c, group, false);
    }
}

/// The same server, through the real binary: `connect --json --show-secrets` prints the
/// key_schedule line with every check passed and RFC 5246's formula; the plain trace's block
/// says the same in words.
#[test]
fn tls12_without_ems_json_and_plain_show_the_randoms_formula() {
    let Some(lab) = lab_without_ems() else {
        return;
    };
    let keylog = lab.dir().join("json-run.keys");
    let mut args: Vec<String> = [
        "connect",
        "--json",
        "--show-secrets",
        "--tls-version",
        "1.2",
    ]
    .map(String::from)
    .to_vec();
    args.extend(["--keylog".into(), keylog.display().to_string()]);
    args.extend(lab.connect_args());
    let ran = common::tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let line: serde_json::Value = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .find(|v| v["type"] == "key_schedule")
        .expect("a key_schedule line");
    let entries = line["entries"].as_array().expect("entries");
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, TLS12_NAMES);
    for e in entries {
        let check = e["check"].as_str().unwrap();
        assert!(!["derived", "mismatch"].contains(&check), "{e}");
        let hex = e["hex"].as_str().expect("a value with --show-secrets");
        assert!(!hex.is_empty() && hex.len() % 2 == 0, "{e}");
    }
    let master = &entries[2];
    assert_eq!(master["check"], "matches_keylog");
    // The value printed is the keylog's, byte for byte.
    let logged = std::fs::read_to_string(&keylog).expect("the keylog file");
    let line = logged
        .lines()
        .find(|l| l.starts_with("CLIENT_RANDOM "))
        .expect("a CLIENT_RANDOM line");
    assert_eq!(
        Some(master["hex"].as_str().unwrap()),
        line.split(' ').nth(2)
    );
    assert!(
        master["formula"]
            .as_str()
            .unwrap()
            .starts_with("PRF(pre_master_secret, \"master secret\", ClientHello.random"),
        "{master}"
    );

    let mut plain: Vec<String> = ["connect", "--show-secrets", "--tls-version", "1.2"]
        .map(String::from)
        .to_vec();
    plain.extend(lab.connect_args());
    let ran = common::tlsviz_bin(&plain, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout
            .contains("PRF(pre_master_secret, \"master secret\", ClientHello.random"),
        "{}",
        ran.stdout
    );
    assert!(
        !ran.stdout.contains("extended master secret"),
        "{}",
        ran.stdout
    );
}
