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
