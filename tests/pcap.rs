//! `--pcap FILE [--pcap-secrets]` against a real redis-server, every capture read by tshark: it
//! reads without errors, no TCP analysis flag is raised, and with the secrets block the handshake
//! (Certificate, CertificateVerify, Finished) and the Redis command are seen decrypted; without
//! it they are not. TLS 1.3 and TLS 1.2, `connect` and the lesson.

mod common;

use common::tshark::{handshake_types, have_tshark, tshark};
use common::*;
use std::path::{Path, PathBuf};
use tlsviz::lab::LabOptions;

/// A fresh capture path in a temp folder removed when the returned guard drops.
fn capture_path(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("tlsviz-pcap-")
        .tempdir()
        .expect("temp dir");
    let path = dir.path().join(format!("{name}.pcapng"));
    (dir, path)
}

/// What every capture must satisfy, and whether tshark saw it decrypted.
fn check(file: &Path, secrets: bool) {
    let summary = tshark(file, &[]);
    assert!(
        summary.contains("[SYN]") && summary.contains("[FIN, ACK]"),
        "{summary}"
    );
    assert_eq!(tshark(file, &["-Y", "tcp.analysis.flags"]), "");
    let types = handshake_types(file);
    assert!(types.contains(&1) && types.contains(&2), "{types:?}");
    let hex = tshark(file, &["-x", "-Y", "tls.app_data"]);
    if secrets {
        for t in [11, 15, 20] {
            assert!(types.contains(&t), "type {t} not decrypted: {types:?}");
        }
        assert!(hex.contains("PING"), "{hex}");
        assert!(hex.contains("PONG"), "{hex}");
    } else {
        assert!(!types.contains(&20), "{types:?}");
        assert!(!hex.contains("PING"), "{hex}");
    }
    let bytes = std::fs::read(file).expect("capture");
    let has_keylog = bytes.windows(13).any(|w| w == b"CLIENT_RANDOM")
        || bytes.windows(16).any(|w| w == b"TRAFFIC_SECRET_0");
    assert_eq!(has_keylog, secrets);
}

fn connect(lab: &tlsviz::lab::Lab, version: &str, file: &Path, secrets: bool) {
    let mut args: Vec<String> = vec!["connect".into(), "--json".into()];
    args.extend(["--tls-version".into(), version.into()]);
    args.extend(["--pcap".into(), file.display().to_string()]);
    if secrets {
        args.push("--pcap-secrets".into());
    }
    args.extend(lab.connect_args());
    let ran = tlsviz_bin(&args, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    // The secrets go to the capture only.
    let capture = std::fs::read(file).expect("capture");
    let text = String::from_utf8_lossy(&capture);
    let secrets_in_file: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            let secret = parts.get(2).filter(|_| parts.len() == 3)?;
            let secret = secret.trim_end_matches('\0');
            // The first line follows the block's binary header.
            let label = parts[0].ends_with("CLIENT_RANDOM")
                || parts[0].ends_with("SECRET")
                || parts[0].ends_with("SECRET_0");
            let hex = secret.len() >= 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
            (label && hex).then_some(secret)
        })
        .collect();
    assert_eq!(secrets_in_file.is_empty(), !secrets);
    for secret in secrets_in_file {
        assert!(!ran.stdout.contains(secret) && !ran.stderr.contains(secret));
    }
}

#[test]
fn connect_tls13_capture_decrypts_with_secrets_only() {
    if !have_tshark("THE CAPTURE TESTS") {
        return;
    }
    let lab = lab(LabOptions::default());
    for secrets in [true, false] {
        let (_dir, file) = capture_path(&format!("tls13-{secrets}"));
        connect(&lab, "1.3", &file, secrets);
        check(&file, secrets);
        // Without secrets, TLS 1.3 hides the certificate too.
        if !secrets {
            assert!(!handshake_types(&file).contains(&11));
        }
        let _ = std::fs::remove_file(&file);
    }
}

#[test]
fn connect_tls12_capture_decrypts_with_secrets_only() {
    if !have_tshark("THE CAPTURE TESTS") {
        return;
    }
    let lab = lab(LabOptions::default());
    for secrets in [true, false] {
        let (_dir, file) = capture_path(&format!("tls12-{secrets}"));
        connect(&lab, "1.2", &file, secrets);
        check(&file, secrets);
        let _ = std::fs::remove_file(&file);
    }
}

#[test]
fn the_lesson_writes_a_capture() {
    if !have_tshark("THE CAPTURE TESTS") {
        return;
    }
    let server = match server_choice() {
        tlsviz::lab::ServerChoice::Redis => "redis",
        _ => "builtin",
    };
    let (_dir, file) = capture_path("lesson");
    let path = file.display().to_string();
    let ran = tlsviz_bin(
        &[
            "--plain",
            "--server",
            server,
            "--pcap",
            &path,
            "--pcap-secrets",
        ],
        &[],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    check(&file, true);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn pcap_refuses_what_it_cannot_capture_before_the_run() {
    let (_dir, file) = capture_path("refused");
    let path = file.display().to_string();
    // A plaintext connection: tlsviz keeps none of its bytes.
    let ran = tlsviz_bin(&["connect", "--json", "-p", "1", "--pcap", &path], &[]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("--pcap") && ran.stderr.contains("plaintext"));
    assert!(!file.exists());
    // A folder.
    let dir = std::env::temp_dir().display().to_string();
    let ran = tlsviz_bin(&["connect", "--tls", "-p", "1", "--pcap", &dir], &[]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("--pcap") && ran.stderr.contains("hint"));
    // Secrets without a capture.
    let ran = tlsviz_bin(&["connect", "--tls", "-p", "1", "--pcap-secrets"], &[]);
    assert_eq!(ran.code, Some(2));
}
