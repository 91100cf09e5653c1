//! `--bytes` against a real redis-server: every record's fields tile it, the hellos' randoms are
//! the keylog's, and every record tlsviz opened is opened again here, independently (keys derived
//! in this file from the keylog's secrets: HKDF-Expand-Label for TLS 1.3, the PRF for TLS 1.2),
//! to exactly the plaintext tlsviz shows (passwords masked). TLS 1.3 and 1.2; X25519 and P-256;
//! AES-GCM and ChaCha20-Poly1305.

mod common;
#[path = "bytes/rekey.rs"]
mod rekey;

use common::*;
use rekey::{keys_for, suite_info, Randoms};
use ring::aead;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tlsviz::engine::annotate::{explain, tiles, Field};
use tlsviz::engine::bytes::unhex;
use tlsviz::engine::config::TlsVersions;
use tlsviz::engine::events::{Direction, TlsVersion};
use tlsviz::lab::LabOptions;
use tlsviz::model::{Model, Outcome};

const PASSWORD: &str = "Byte-Lab-Passw0rd";

/// One keylog line: label, client random, secret.
type KeyLine = (String, Vec<u8>, Vec<u8>);

/// A fresh file path in a temp folder removed when the returned guard drops.
fn keylog_path(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("tlsviz-bytes-")
        .tempdir()
        .expect("temp dir");
    let path = dir.path().join(format!("{name}.keys"));
    (dir, path)
}

fn read_keylog(path: &PathBuf) -> Vec<KeyLine> {
    std::fs::read_to_string(path)
        .expect("keylog")
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            assert_eq!(parts.len(), 3, "{l}");
            (
                parts[0].to_string(),
                unhex(parts[1]).expect("hex"),
                unhex(parts[2]).expect("hex"),
            )
        })
        .collect()
}

struct Run {
    model: Model,
    keys: Vec<KeyLine>,
}

async fn run_bytes(
    name: &str,
    lab_options: LabOptions,
    client: Client,
    groups: Option<Vec<&'static dyn rustls::crypto::SupportedKxGroup>>,
) -> Run {
    let lab = lab(lab_options);
    let (_dir, path) = keylog_path(name);
    let mut target = target(
        &lab,
        &Client {
            bytes: true,
            keylog: Some(path.clone()),
            ..client
        },
    );
    if let (Some(groups), Some(material)) = (groups, target.tls.as_mut()) {
        let mut provider = rustls::crypto::ring::default_provider();
        provider.kx_groups = groups;
        material.provider = Arc::new(provider);
    }
    let model = run(&target).await;
    assert_eq!(model.outcome, Outcome::Ok, "{:?}", model.diagnosis);
    let keys = read_keylog(&path);
    let _ = std::fs::remove_file(&path);
    Run { model, keys }
}

fn field<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.name == name)
}

/// The bytes a field covers in `unit`.
fn covered<'a>(unit: &'a [u8], f: &Field) -> &'a [u8] {
    &unit[f.offset..f.offset + f.len]
}

/// Everything `--bytes` promises, checked on one run; returns (records, opened).
fn check(run: &Run, password: Option<&str>) -> (usize, usize) {
    let tls = run.model.tls.as_ref().expect("negotiated").clone();
    let suite = suite_info(&tls.cipher_suite);
    let mut randoms = Randoms {
        client: Vec::new(),
        server: Vec::new(),
    };
    let mut opened = 0;
    let mut next_seq: HashMap<(bool, String), u64> = HashMap::new();
    for (_, record) in &run.model.records {
        let bytes = record.bytes.as_ref().expect("--bytes keeps every record");
        let raw = &bytes.hex;
        assert_eq!(raw.len(), 5 + record.length, "the whole record is kept");
        assert!(
            tiles(&bytes.fields, raw.len()),
            "fields do not tile: {:?}",
            bytes.fields
        );
        for f in &bytes.fields {
            assert!(explain(&f.name).is_some(), "{} has no explanation", f.name);
            assert!(!f.value.contains(password.unwrap_or("\u{0}")), "{}", f.name);
        }
        if let Some(f) = field(&bytes.fields, "client_hello.random") {
            randoms.client = covered(raw, f).to_vec();
            assert_eq!(f.value, tlsviz::engine::records::hex(&randoms.client));
        }
        if let Some(f) = field(&bytes.fields, "server_hello.random") {
            randoms.server = covered(raw, f).to_vec();
        }
        if record.encrypted {
            let tag = bytes.fields.last().expect("fields");
            assert_eq!((tag.name.as_str(), tag.len), ("record.aead_tag", 16));
        }
        let Some(d) = &bytes.decrypted else {
            // Every encrypted record tlsviz sees is one it can open.
            assert!(
                !record.encrypted,
                "an encrypted record was not opened: {record:?}"
            );
            continue;
        };
        opened += 1;
        assert!(tiles(&d.fields, d.plaintext.len()), "{:?}", d.fields);
        for f in &d.fields {
            assert!(explain(&f.name).is_some(), "{} has no explanation", f.name);
        }
        // Sequence numbers count from 0 in each epoch and direction.
        let slot = next_seq
            .entry((record.direction == Direction::Out, d.epoch.to_string()))
            .or_insert(0);
        assert_eq!(d.seq, *slot, "{record:?}");
        *slot += 1;

        // Open it again, here.
        let (key, iv) = keys_for(run, record, d.epoch, &randoms);
        let body = &raw[5..];
        let (nonce, aad, sealed): (Vec<u8>, Vec<u8>, &[u8]) = if tls.version == TlsVersion::Tls13 {
            let mut nonce = iv.clone();
            for (n, s) in nonce[4..].iter_mut().zip(d.seq.to_be_bytes()) {
                *n ^= s;
            }
            (nonce, raw[..5].to_vec(), body)
        } else {
            let sealed = &body[suite.explicit..];
            let nonce = if suite.explicit == 8 {
                [&iv[..], &body[..8]].concat()
            } else {
                let mut nonce = iv.clone();
                for (n, s) in nonce[4..].iter_mut().zip(d.seq.to_be_bytes()) {
                    *n ^= s;
                }
                nonce
            };
            let mut aad = d.seq.to_be_bytes().to_vec();
            aad.extend_from_slice(&raw[..3]);
            aad.extend_from_slice(&((sealed.len() - 16) as u16).to_be_bytes());
            (nonce, aad, sealed)
        };
        assert_eq!(d.nonce, nonce, "the nonce shown is the one used");
        let key = aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, &key).unwrap());
        let mut buf = sealed.to_vec();
        let plain = key
            .open_in_place(
                aead::Nonce::try_assume_unique_for_key(&nonce).unwrap(),
                aead::Aad::from(&aad[..]),
                &mut buf,
            )
            .expect("the record opens with keys derived from the keylog")
            .to_vec();
        // tlsviz shows the same bytes, a password's bytes replaced by as many `*`.
        let mut expected = plain.clone();
        if let Some(pw) = password {
            let framed = format!("${}\r\n{pw}\r\n", pw.len());
            if let Some(at) = plain
                .windows(framed.len())
                .position(|w| w == framed.as_bytes())
            {
                let start = at + framed.len() - pw.len() - 2;
                expected[start..start + pw.len()].fill(b'*');
                assert!(
                    d.fields.iter().any(|f| f.value == "***"),
                    "the password's field says ***"
                );
            }
        }
        assert_eq!(d.plaintext, expected, "{record:?}");
        // TLS 1.3: the inner type is the last non-zero byte.
        if tls.version == TlsVersion::Tls13 {
            let end = plain.iter().rposition(|&b| b != 0).unwrap();
            assert_eq!(u8_of(d.inner_content_type), plain[end]);
        }
    }
    // The ClientHello's random is the client random of every keylog line.
    assert_eq!(randoms.client.len(), 32);
    assert_eq!(randoms.server.len(), 32);
    assert!(!run.keys.is_empty());
    for (label, client_random, _) in &run.keys {
        assert_eq!(client_random, &randoms.client, "{label}");
    }
    (run.model.records.len(), opened)
}

fn u8_of(t: tlsviz::engine::events::ContentType) -> u8 {
    use tlsviz::engine::events::ContentType as C;
    match t {
        C::ChangeCipherSpec => 20,
        C::Alert => 21,
        C::Handshake => 22,
        C::ApplicationData => 23,
        C::Heartbeat => 24,
        C::Plaintext | C::Unknown => 0,
    }
}

/// Every public key the handshake carried (`….key_exchange`), with its length.
fn key_shares(run: &Run) -> Vec<(String, usize)> {
    run.model
        .records
        .iter()
        .filter_map(|(_, r)| r.bytes.as_ref())
        .flat_map(|b| {
            b.fields
                .iter()
                .chain(b.decrypted.iter().flat_map(|d| &d.fields))
        })
        .filter(|f| f.name.ends_with(".key_exchange"))
        .map(|f| (f.name.clone(), f.len))
        .collect()
}

fn value_of(run: &Run, suffix: &str) -> Vec<String> {
    run.model
        .records
        .iter()
        .filter_map(|(_, r)| r.bytes.as_ref())
        .flat_map(|b| b.fields.iter())
        .filter(|f| f.name.ends_with(suffix))
        .map(|f| f.value.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls13_x25519_every_record_named_and_opened_password_masked() {
    let r = run_bytes(
        "tls13",
        LabOptions {
            requirepass: Some(PASSWORD.into()),
            ..LabOptions::default()
        },
        Client {
            password: Some(PASSWORD.into()),
            ..Client::default()
        },
        None,
    )
    .await;
    assert_eq!(r.model.tls.as_ref().unwrap().version, TlsVersion::Tls13);
    let (records, opened) = check(&r, Some(PASSWORD));
    assert!(opened >= 8, "{records} records, {opened} opened");
    assert_eq!(value_of(&r, "client_shares[0].group"), ["X25519 (0x001d)"]);
    assert_eq!(value_of(&r, "server_share.group"), ["X25519 (0x001d)"]);
    assert!(key_shares(&r).iter().all(|(_, len)| *len == 32));
    // The AUTH record: its password is masked in the plaintext and its field.
    let auth = r
        .model
        .records
        .iter()
        .filter_map(|(_, rec)| rec.bytes.as_ref()?.decrypted.as_ref())
        .find(|d| d.fields.iter().any(|f| f.value == "AUTH"))
        .expect("the AUTH record was opened");
    let masked: Vec<_> = auth.fields.iter().map(|f| f.value.as_str()).collect();
    assert_eq!(masked[..3], ["2 elements", "AUTH", "***"]);
    assert!(!auth
        .plaintext
        .windows(PASSWORD.len())
        .any(|w| w == PASSWORD.as_bytes()));
    // The server's whole encrypted flight, message by message.
    let inner: Vec<&str> = r
        .model
        .records
        .iter()
        .filter(|(_, rec)| rec.direction == Direction::In)
        .filter_map(|(_, rec)| rec.bytes.as_ref()?.decrypted.as_ref())
        .flat_map(|d| d.fields.iter())
        .filter(|f| f.name == "handshake.msg_type")
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(
        inner[..5],
        [
            "encrypted_extensions (8)",
            "certificate_request (13)",
            "certificate (11)",
            "certificate_verify (15)",
            "finished (20)"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls13_p256_key_shares_are_uncompressed_points() {
    let r = run_bytes(
        "tls13-p256",
        LabOptions::default(),
        Client::default(),
        Some(vec![rustls::crypto::ring::kx_group::SECP256R1]),
    )
    .await;
    check(&r, None);
    assert_eq!(
        value_of(&r, "client_shares[0].group"),
        ["secp256r1 (0x0017)"]
    );
    assert_eq!(value_of(&r, "server_share.group"), ["secp256r1 (0x0017)"]);
    let shares = key_shares(&r);
    assert_eq!(shares.len(), 2, "{shares:?}");
    assert!(shares.iter().all(|(_, len)| *len == 65));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls13_chacha20_records_open_independently() {
    let r = run_bytes(
        "tls13-chacha",
        LabOptions {
            protocols: Some("TLSv1.3".into()),
            ciphersuites: Some("TLS_CHACHA20_POLY1305_SHA256".into()),
            ..LabOptions::default()
        },
        Client::default(),
        None,
    )
    .await;
    assert_eq!(
        r.model.tls.as_ref().unwrap().cipher_suite,
        "TLS_CHACHA20_POLY1305_SHA256"
    );
    let (_, opened) = check(&r, None);
    assert!(opened >= 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls12_x25519_gcm_records_open_with_the_prf_key_block() {
    let r = run_bytes(
        "tls12",
        LabOptions {
            requirepass: Some(PASSWORD.into()),
            ..LabOptions::default()
        },
        Client {
            versions: TlsVersions::Only12,
            password: Some(PASSWORD.into()),
            ..Client::default()
        },
        None,
    )
    .await;
    let tls = r.model.tls.as_ref().unwrap();
    assert_eq!(tls.version, TlsVersion::Tls12);
    assert!(tls.cipher_suite.contains("GCM"), "{}", tls.cipher_suite);
    let (_, opened) = check(&r, Some(PASSWORD));
    // Both Finished, AUTH and its reply, PING and PONG, the close_notify.
    assert!(opened >= 6, "{opened}");
    assert_eq!(value_of(&r, "params.named_curve"), ["X25519 (0x001d)"]);
    assert!(key_shares(&r).iter().all(|(_, len)| *len == 32));
    assert_eq!(key_shares(&r).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls12_p256_and_chacha20() {
    let r = run_bytes(
        "tls12-p256-chacha",
        LabOptions {
            protocols: Some("TLSv1.2".into()),
            ciphers: Some("ECDHE-ECDSA-CHACHA20-POLY1305".into()),
            ..LabOptions::default()
        },
        Client::default(),
        Some(vec![rustls::crypto::ring::kx_group::SECP256R1]),
    )
    .await;
    let tls = r.model.tls.as_ref().unwrap();
    assert_eq!(tls.version, TlsVersion::Tls12);
    assert!(
        tls.cipher_suite.contains("CHACHA20"),
        "{}",
        tls.cipher_suite
    );
    check(&r, None);
    assert_eq!(value_of(&r, "params.named_curve"), ["secp256r1 (0x0017)"]);
    assert!(key_shares(&r).iter().all(|(_, len)| *len == 65));
}

/// A server that refuses the extended master secret (redis-server under an OpenSSL config that
/// turns it off): the ServerHello's annotation has no such extension, and every record still
/// opens here with the key block of RFC 5246's master secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls12_without_ems_server_hello_lacks_it_and_records_open() {
    if server_choice() != tlsviz::lab::ServerChoice::Redis {
        eprintln!(
            "!!! skipped: only redis-server (OpenSSL) can refuse the extended master secret !!!"
        );
        return;
    }
    let r = run_bytes(
        "tls12-no-ems",
        LabOptions {
            tls12_without_ems: true,
            requirepass: Some(PASSWORD.into()),
            ..LabOptions::default()
        },
        Client {
            versions: TlsVersions::Only12,
            password: Some(PASSWORD.into()),
            ..Client::default()
        },
        None,
    )
    .await;
    assert_eq!(r.model.tls.as_ref().unwrap().version, TlsVersion::Tls12);
    let (_, opened) = check(&r, Some(PASSWORD));
    assert!(opened >= 6, "{opened}");
    let extensions = |hello: &str| -> Vec<String> {
        let prefix = format!("{hello}.extensions.");
        r.model
            .records
            .iter()
            .filter_map(|(_, rec)| rec.bytes.as_ref())
            .flat_map(|b| b.fields.iter())
            .filter_map(|f| {
                f.name
                    .strip_prefix(&prefix)?
                    .strip_suffix(".extension_type")
            })
            .map(String::from)
            .collect()
    };
    let offered = extensions("client_hello");
    assert!(
        offered.iter().any(|e| e == "extended_master_secret"),
        "{offered:?}"
    );
    let agreed = extensions("server_hello");
    assert!(
        !agreed.is_empty(),
        "the ServerHello's extensions are annotated"
    );
    assert!(
        !agreed.iter().any(|e| e == "extended_master_secret"),
        "{agreed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_bytes_nothing_is_kept() {
    let lab = lab(LabOptions::default());
    let model = run(&target(&lab, &Client::default())).await;
    assert_eq!(model.outcome, Outcome::Ok);
    assert!(model.records.iter().all(|(_, r)| r.bytes.is_none()));
}

/// The real binary: `connect --json --bytes` prints `hex`, `fields` and `decrypted` on record
/// lines (and nothing of the kind without the flag); a recording made with it replays them.
#[test]
fn json_lines_carry_the_bytes_and_a_replay_too() {
    let lab = lab(LabOptions {
        requirepass: Some(PASSWORD.into()),
        ..LabOptions::default()
    });
    let (_dir, keys) = keylog_path("replay");
    let record = keys.with_extension("ndjson");
    let mut args: Vec<String> = vec!["connect".into(), "--json".into(), "--bytes".into()];
    args.extend(["--record".into(), record.display().to_string()]);
    args.extend(lab.connect_args());
    args.extend(["-a".into(), PASSWORD.into()]);
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(!ran.stdout.contains(PASSWORD));
    let recorded = std::fs::read_to_string(&record).expect("recording");
    assert!(!recorded.contains(PASSWORD));
    let records: Vec<serde_json::Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .filter(|v| v["type"] == "record")
        .collect();
    assert!(records.len() > 10);
    let mut opened = 0;
    for r in &records {
        let hex = r["hex"].as_str().expect("hex");
        assert!(hex.starts_with(r["head_hex"].as_str().unwrap()));
        let mut at = 0;
        for f in r["fields"].as_array().expect("fields") {
            assert_eq!(f["offset"].as_u64(), Some(at));
            assert!(f["name"].is_string() && f["value"].is_string());
            at += f["len"].as_u64().unwrap();
        }
        assert_eq!(at * 2, hex.len() as u64);
        if let Some(d) = r.get("decrypted") {
            opened += 1;
            for key in [
                "epoch",
                "seq",
                "nonce",
                "plaintext_hex",
                "inner_content_type",
                "fields",
            ] {
                assert!(d.get(key).is_some(), "decrypted has no {key}: {d}");
            }
            let fields = d["fields"].as_array().unwrap();
            let total: u64 = fields.iter().map(|f| f["len"].as_u64().unwrap()).sum();
            assert_eq!(total * 2, d["plaintext_hex"].as_str().unwrap().len() as u64);
        }
    }
    assert!(opened >= 8);

    // The replay prints the same record lines.
    let replayed = tlsviz_bin(&["replay", "--json", &record.display().to_string()], &[]);
    assert_eq!(replayed.code, Some(0), "{}", replayed.stderr);
    let strip = |text: &str| -> Vec<serde_json::Value> {
        text.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["type"] == "record")
            .collect()
    };
    assert_eq!(strip(&replayed.stdout), records);
    let _ = std::fs::remove_file(&record);

    // Without the flag, no record line has any of the three.
    let mut plain: Vec<String> = vec!["connect".into(), "--json".into()];
    plain.extend(lab.connect_args());
    plain.extend(["-a".into(), PASSWORD.into()]);
    let ran = tlsviz_bin(&plain, &[]);
    assert_eq!(ran.code, Some(0));
    for line in strip(&ran.stdout) {
        for key in ["hex", "fields", "decrypted"] {
            assert!(line.get(key).is_none(), "{key} without --bytes: {line}");
        }
    }
}

/// `tlsviz --scenario NAME --bytes`: the lesson's own lab, TLS 1.2, every encrypted record opened.
#[test]
fn a_scenario_run_with_bytes_opens_its_tls12_records() {
    let server = match server_choice() {
        tlsviz::lab::ServerChoice::Redis => "redis",
        _ => "builtin",
    };
    let ran = tlsviz_bin(
        &[
            "--scenario",
            "mutual-tls12",
            "--json",
            "--bytes",
            "--server",
            server,
        ],
        &[],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let records: Vec<serde_json::Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .filter(|v| v["type"] == "record")
        .collect();
    let encrypted: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["encrypted"] == true).collect();
    assert!(encrypted.len() >= 5, "{}", encrypted.len());
    for r in encrypted {
        let d = &r["decrypted"];
        assert_eq!(d["epoch"], "application", "{r}");
        let names: Vec<&str> = r["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names[3..],
            [
                "record.nonce_explicit",
                "record.encrypted_record",
                "record.aead_tag"
            ],
            "TLS 1.2 AES-GCM: {r}"
        );
    }
}
