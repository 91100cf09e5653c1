//! `--show-secrets` against a real redis-server: the key schedule tlsviz shows is re-derived
//! here, independently (a few lines of HKDF / PRF / AEAD with ring in this file), from the bytes
//! a proxy captured on the wire and the private key tlsviz showed, and must equal the secrets
//! rustls wrote to the keylog file. TLS 1.3 and TLS 1.2, X25519 and P-256 (the offered groups
//! restricted to get each).

mod common;

use ring::{aead, digest, hkdf, hmac};
use std::sync::Arc;
use tlsviz::engine::config::TlsVersions;
use tlsviz::engine::keyschedule::{KeyCheck, KeySchedule};
use tlsviz::engine::Target;
use tlsviz::lab::{Lab, LabOptions};
use tlsviz::model::{Model, Outcome};
use tlsviz::target::{self, TlsOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

    fn every_check_passes(&self) {
        let s = self.schedule();
        assert_eq!(s.missing, None);
        for e in &s.entries {
            assert!(e.check.confirmed(), "{}: {:?} {}", e.name, e.check, e.note);
        }
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The records of one direction: (content type, body).
fn records(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 5 {
        let len = 5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        out.push((rest[0], rest[..len].to_vec()));
        rest = &rest[len..];
    }
    out
}

/// The clear handshake messages of one direction, in order (before its ChangeCipherSpec).
fn clear_messages(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut stream = Vec::new();
    for (kind, record) in records(bytes) {
        match kind {
            22 => stream.extend_from_slice(&record[5..]),
            20 => break,
            _ => {}
        }
    }
    split_messages(&stream)
}

fn split_messages(mut stream: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while stream.len() >= 4 {
        let len = 4
            + (usize::from(stream[1]) << 16 | usize::from(stream[2]) << 8 | usize::from(stream[3]));
        out.push(stream[..len].to_vec());
        stream = &stream[len..];
    }
    out
}

/// A hello's extension of type `kind`.
fn extension(hello: &[u8], kind: u16) -> Option<Vec<u8>> {
    let b = &hello[4..];
    let mut at = 35 + usize::from(b[34]);
    if hello[0] == 1 {
        at += 2 + usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
        at += 1 + usize::from(b[at]);
    } else {
        at += 3;
    }
    let end = at + 2 + usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
    let mut at = at + 2;
    while at < end {
        let k = u16::from_be_bytes([b[at], b[at + 1]]);
        let len = usize::from(u16::from_be_bytes([b[at + 2], b[at + 3]]));
        if k == kind {
            return Some(b[at + 4..at + 4 + len].to_vec());
        }
        at += 4 + len;
    }
    None
}

/// ECDHE by hand: the public key of `private` and the secret shared with `peer`.
fn ecdhe(group: u16, private: &[u8], peer: &[u8]) -> (Vec<u8>, Vec<u8>) {
    if group == X25519 {
        let k: [u8; 32] = private.try_into().unwrap();
        let p: [u8; 32] = peer.try_into().unwrap();
        let public = x25519_dalek::x25519(k, x25519_dalek::X25519_BASEPOINT_BYTES);
        (public.to_vec(), x25519_dalek::x25519(k, p).to_vec())
    } else if group == P384 {
        use p384::elliptic_curve::sec1::ToEncodedPoint;
        let secret = p384::SecretKey::from_slice(private).unwrap();
        let peer = p384::PublicKey::from_sec1_bytes(peer).unwrap();
        let shared = p384::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
        let public = secret.public_key().to_encoded_point(false);
        (
            public.as_bytes().to_vec(),
            shared.raw_secret_bytes().to_vec(),
        )
    } else {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let secret = p256::SecretKey::from_slice(private).unwrap();
        let peer = p256::PublicKey::from_sec1_bytes(peer).unwrap();
        let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
        let public = secret.public_key().to_encoded_point(false);
        (
            public.as_bytes().to_vec(),
            shared.raw_secret_bytes().to_vec(),
        )
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

fn prf(alg: hmac::Algorithm, secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let key = hmac::Key::new(alg, secret);
    let label_seed = [label.as_bytes(), seed].concat();
    let mut a = hmac::sign(&key, &label_seed).as_ref().to_vec();
    let mut out = Vec::new();
    while out.len() < len {
        out.extend_from_slice(hmac::sign(&key, &[&a[..], &label_seed].concat()).as_ref());
        a = hmac::sign(&key, &a).as_ref().to_vec();
    }
    out.truncate(len);
    out
}

/// TLS 1.2, derived here: the extended master secret against the keylog's CLIENT_RANDOM line.
fn check_tls12(c: &Captured, group: u16) {
    let client = clear_messages(&c.up);
    // The server's first flight, through its ServerHelloDone.
    let mut server = clear_messages(&c.down);
    if let Some(done) = server.iter().position(|m| m[0] == 14) {
        server.truncate(done + 1);
    }
    let (client_hello, server_hello) = (&client[0], &server[0]);
    assert!(
        extension(server_hello, 23).is_some(),
        "the server agreed to the extended master secret"
    );
    let sid = usize::from(server_hello[4 + 34]);
    let suite = u16::from_be_bytes([server_hello[4 + 35 + sid], server_hello[4 + 36 + sid]]);
    let (hmac_alg, dig) = if suite & 0xff == 0x30 || suite & 0xff == 0x2c {
        (hmac::HMAC_SHA384, &digest::SHA384) // …_AES_256_GCM_SHA384
    } else {
        (hmac::HMAC_SHA256, &digest::SHA256)
    };
    let ske = server
        .iter()
        .find(|m| m[0] == 12)
        .expect("ServerKeyExchange");
    assert_eq!(u16::from_be_bytes([ske[5], ske[6]]), group);
    let server_public = &ske[8..8 + usize::from(ske[7])];
    let cke_at = client
        .iter()
        .position(|m| m[0] == 16)
        .expect("ClientKeyExchange");
    let cke = &client[cke_at];
    let client_public = &cke[5..5 + usize::from(cke[4])];
    let private = c.shown("client_key_share_private");
    let (public, pre_master) = ecdhe(group, &private, server_public);
    assert_eq!(
        public, client_public,
        "the shown private key is not the ClientKeyExchange's"
    );
    assert_eq!(pre_master, c.shown("pre_master_secret"));
    // Transcript: ClientHello, the server's flight, the client's flight up to its key exchange.
    let mut ctx = digest::Context::new(dig);
    for m in std::iter::once(client_hello)
        .chain(&server)
        .chain(&client[1..=cke_at])
    {
        ctx.update(m);
    }
    let session_hash = ctx.finish();
    let master = prf(
        hmac_alg,
        &pre_master,
        "extended master secret",
        session_hash.as_ref(),
        48,
    );
    let logged = c
        .keylog
        .iter()
        .find(|(l, _, _)| l == "CLIENT_RANDOM")
        .expect("CLIENT_RANDOM");
    assert_eq!(
        unhex(&logged.1),
        client_hello[6..38],
        "the keylog's client random is the ClientHello's"
    );
    assert_eq!(master, unhex(&logged.2));
    assert_eq!(master, c.shown("master_secret"));
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
        check_tls12(&c, group);
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
