//! Secrets never reach output, logs or recordings unless the user asked for a keylog file.

mod common;

use std::os::unix::fs::PermissionsExt;
use tlsviz::lab::LabOptions;

const PASSWORD: &str = "s3cr3t-Lab-Passw0rd";

fn run(args: &[String], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let ran = common::tlsviz_bin(args, env);
    (ran.code, format!("{}{}", ran.stdout, ran.stderr))
}

#[test]
fn passwords_and_keys_stay_out_of_every_output() {
    let lab = common::lab(LabOptions {
        requirepass: Some(PASSWORD.into()),
        ..LabOptions::default()
    });
    let dir = std::env::temp_dir().join(format!("tlsviz-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("run.ndjson");
    let key_pem = std::fs::read_to_string(&lab.files.client_key).unwrap();
    let key_body: String = key_pem.lines().nth(1).unwrap().to_string();
    let mut base: Vec<String> = lab.connect_args();
    base.extend(["-a".into(), PASSWORD.into()]);

    for face in ["--plain", "--json"] {
        // Ask for a keylog in the same run: its secrets are the exact values that must not leak.
        let keylog = dir.join(format!("keys{face}.log"));
        let mut args = vec![
            "connect".to_string(),
            face.into(),
            "--record".into(),
            record.display().to_string(),
            "--keylog".into(),
            keylog.display().to_string(),
        ];
        args.extend(base.clone());
        let (code, out) = run(&args, &[]);
        assert_eq!(code, Some(0), "{out}");
        assert!(!out.contains(PASSWORD), "{face} shows the password");
        assert!(out.contains("***"), "{face} does not show the redaction");
        assert!(!out.contains(&key_body), "{face} shows the private key");
        let recorded = std::fs::read_to_string(&record).unwrap();
        assert!(
            !recorded.contains(PASSWORD),
            "the recording holds the password"
        );
        assert!(
            recorded.contains("SECRET"),
            "the recording should name secrets by label"
        );
        let secrets: Vec<String> = std::fs::read_to_string(&keylog)
            .unwrap()
            .lines()
            .filter_map(|l| l.split(' ').nth(2).map(str::to_lowercase))
            .collect();
        assert!(
            secrets.len() >= 5,
            "expected the TLS 1.3 secrets in the keylog"
        );
        for secret in &secrets {
            assert!(
                !out.to_lowercase().contains(secret),
                "{face}: a TLS secret reached the output"
            );
            assert!(
                !recorded.to_lowercase().contains(secret),
                "a TLS secret reached the recording"
            );
        }
    }

    // The password in a URL and in REDISCLI_AUTH is hidden too.
    let url = format!("rediss://default:{PASSWORD}@localhost:{}", lab.port);
    let f = &lab.files;
    let tls_flags: Vec<String> = [
        "--tls",
        "--cacert",
        &f.ca_cert.display().to_string(),
        "--cert",
        &f.client_cert.display().to_string(),
        "--key",
        &f.client_key.display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut args = vec!["connect".to_string(), "--json".into(), "-u".into(), url];
    args.extend(tls_flags.iter().cloned());
    let (code, out) = run(&args, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains(PASSWORD));
    let port = lab.port.to_string();
    let mut args: Vec<String> = ["connect", "--plain", "-h", "localhost", "-p", &port]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(tls_flags.iter().cloned());
    let (code, out) = run(&args, &[("REDISCLI_AUTH", PASSWORD)]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains(PASSWORD));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keylog_only_when_asked_and_private() {
    let lab = common::lab(LabOptions::default());
    let dir = std::env::temp_dir().join(format!("tlsviz-keylog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keylog = dir.join("keys.log");
    let mut args = vec![
        "connect".to_string(),
        "--json".into(),
        "--keylog".into(),
        keylog.display().to_string(),
    ];
    args.extend(lab.connect_args());
    let (code, out) = run(&args, &[]);
    assert_eq!(code, Some(0), "{out}");
    let text = std::fs::read_to_string(&keylog).unwrap();
    let mode = std::fs::metadata(&keylog).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let line = text
        .lines()
        .find(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 "))
        .expect("NSS key log line");
    let secret = line.split(' ').nth(2).unwrap();
    assert!(secret.len() >= 64);
    assert!(!out.contains(secret), "the secret reached stdout");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The secrets of a keylog file, lowercase hex, by label.
fn keylog_secrets(path: &std::path::Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            let label = parts.next()?.to_string();
            Some((label, parts.nth(1)?.to_lowercase()))
        })
        .collect()
}

#[test]
fn show_secrets_prints_values_only_when_asked_and_never_records_them() {
    let lab = common::lab(LabOptions::default());
    let dir = std::env::temp_dir().join(format!("tlsviz-show-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = dir.join("run.ndjson");
    for version in ["1.3", "1.2"] {
        for face in ["--plain", "--json"] {
            for show in [false, true] {
                let keylog = dir.join(format!("keys-{version}{face}{show}.log"));
                let mut args: Vec<String> = [
                    "connect",
                    face,
                    "--no-cross-check",
                    "--tls-version",
                    version,
                    "--record",
                    &record.display().to_string(),
                    "--keylog",
                    &keylog.display().to_string(),
                ]
                .iter()
                .map(|s| s.to_string())
                .collect();
                if show {
                    args.push("--show-secrets".into());
                }
                args.extend(lab.connect_args());
                let ran = common::tlsviz_bin(&args, &[]);
                let what = format!("TLS {version} {face} show={show}");
                assert_eq!(ran.code, Some(0), "{what}: {}{}", ran.stdout, ran.stderr);
                let out = format!("{}{}", ran.stdout, ran.stderr).to_lowercase();
                let recorded = std::fs::read_to_string(&record).unwrap().to_lowercase();
                let secrets = keylog_secrets(&keylog);
                assert!(!secrets.is_empty(), "{what}: empty keylog");
                for (label, secret) in &secrets {
                    // The plain trace cuts long values into lines of 64 digits.
                    let secret = &secret[..secret.len().min(64)];
                    // The keylog's secrets the schedule recomputes are printed with the flag
                    // (EXPORTER_SECRET is not part of it); without it, none is.
                    let shown = show && label != "EXPORTER_SECRET";
                    assert_eq!(out.contains(secret), shown, "{what}: {label} in the output");
                    assert!(
                        !recorded.contains(secret),
                        "{what}: {label} in the recording"
                    );
                }
                let banner = "!!! secrets shown (--show-secrets)";
                match (face, show) {
                    ("--plain", true) => {
                        assert!(out.starts_with(banner), "{what}: no banner first");
                        assert!(out.matches(banner).count() >= 2, "{what}: banner once");
                    }
                    ("--json", true) => {
                        let lines: Vec<serde_json::Value> = ran
                            .stdout
                            .lines()
                            .map(|l| serde_json::from_str(l).unwrap())
                            .collect();
                        let schedule = lines
                            .iter()
                            .find(|l| l["type"] == "key_schedule")
                            .expect("a key_schedule line");
                        let entries = schedule["entries"].as_array().unwrap();
                        for e in entries {
                            let hex = e["hex"].as_str().expect("hex");
                            assert!(!recorded.contains(hex), "{what}: {} recorded", e["name"]);
                            assert_ne!(e["check"], "mismatch", "{what}: {e}");
                            assert_ne!(e["check"], "derived", "{what}: {e}");
                        }
                        let summary = lines.last().unwrap();
                        let warnings = summary["warnings"].to_string();
                        assert!(warnings.contains("--show-secrets"), "{what}: {warnings}");
                    }
                    (_, false) => {
                        assert!(!out.contains(banner), "{what}");
                        assert!(!out.contains("key_schedule"), "{what}");
                        assert!(!out.contains("key schedule"), "{what}");
                    }
                    _ => unreachable!(),
                }
                // The recording keeps names and checks, never a value; a replay says so.
                if show {
                    assert!(recorded.contains("\"type\":\"key_schedule\""), "{what}");
                    let replay = common::tlsviz_bin(
                        &["replay", "--plain", &record.display().to_string()],
                        &[],
                    );
                    assert_eq!(replay.code, Some(0), "{}", replay.stderr);
                    assert!(replay
                        .stdout
                        .contains("recordings never hold secret values"));
                    assert!(!replay.stdout.to_lowercase().contains(banner));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_lesson_and_scenarios_show_secrets_with_the_flag() {
    // The default lesson (its own lab): the banner is the first line.
    let ran = common::tlsviz_bin(&["--plain", "--show-secrets"], &[]);
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.starts_with("!!! SECRETS SHOWN"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("key schedule: 19 values recomputed by tlsviz, 19 checked ✓"),
        "{}",
        ran.stdout
    );
    // A TLS 1.2 scenario, as JSON.
    let ran = common::tlsviz_bin(
        &["--scenario", "mutual-tls12", "--json", "--show-secrets"],
        &[],
    );
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    let schedule = ran
        .stdout
        .lines()
        .find(|l| l.contains("\"type\":\"key_schedule\""))
        .expect("a key_schedule line");
    let v: serde_json::Value = serde_json::from_str(schedule).unwrap();
    assert_eq!(v["version"], "TLS 1.2");
    assert_eq!(v["entries"].as_array().unwrap().len(), 8);
    // A resumed TLS 1.3 session starts from a PSK tlsviz does not show: it says so, and
    // shows no value it could not recompute.
    let ran = common::tlsviz_bin(
        &["--scenario", "resumption", "--json", "--show-secrets"],
        &[],
    );
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    let schedules: Vec<serde_json::Value> = ran
        .stdout
        .lines()
        .filter(|l| l.contains("\"type\":\"key_schedule\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(schedules.len(), 2, "{}", ran.stdout);
    assert_eq!(schedules[0]["entries"].as_array().unwrap().len(), 19);
    assert!(schedules[1]["entries"].as_array().unwrap().is_empty());
    assert!(schedules[1]["missing"]
        .as_str()
        .unwrap()
        .contains("resumed"));
    // Where there is nothing to show, the flag is refused.
    for args in [
        &["replay", "x.ndjson", "--show-secrets"][..],
        &["lab", "--show-secrets"],
        &["check", "--show-secrets"],
        &["compare", "--show-secrets"],
    ] {
        let ran = common::tlsviz_bin(args, &[]);
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains("--show-secrets"), "{}", ran.stderr);
    }
}
