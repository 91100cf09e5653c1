//! Bad input gets one line naming the input, a hint, exit 2: no panic, no hang, no stdout.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use tlsviz::lab::LabOptions;

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("tlsviz-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn file(&self, name: &str, contents: &[u8]) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, contents).unwrap();
        p.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let ran = common::tlsviz_bin(args, &[]);
    (ran.code, ran.stdout, ran.stderr)
}

/// Exit 2, one line, naming `names` (the input), with a hint; nothing on stdout.
fn assert_usage_error(args: &[&str], names: &str, says: &str) {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, Some(2), "{args:?}\nstderr: {stderr}");
    assert!(stdout.is_empty(), "{args:?} wrote to stdout: {stdout}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {stderr}"
    );
    assert!(
        stderr.contains(names),
        "{args:?}: does not name {names:?}: {stderr}"
    );
    assert!(
        stderr.to_lowercase().contains(&says.to_lowercase()),
        "{args:?}: does not say {says:?}: {stderr}"
    );
    assert!(stderr.contains("hint"), "{args:?}: no hint: {stderr}");
}

fn pem_to_der(pem: &Path) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_file(pem)
        .unwrap()
        .to_vec()
}

#[test]
fn certificate_and_key_files() {
    let lab = common::lab(LabOptions::default());
    let s = Scratch::new("files");
    let f = &lab.files;
    let (cert, key) = (
        f.client_cert.display().to_string(),
        f.client_key.display().to_string(),
    );
    let other_key = f.other_client_key.display().to_string();
    let empty = s.file("empty.pem", b"");
    let text = s.file("notes.txt", b"hello, this is not a certificate\n");
    let dir = s.0.display().to_string();
    let tls = |extra: &[&str]| -> Vec<String> {
        let mut v = vec![
            "connect".to_string(),
            "--tls".into(),
            "-p".into(),
            "1".into(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let check = |extra: &[&str], names: &str, says: &str| {
        let args = tls(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_usage_error(&args, names, says);
    };
    check(
        &["--cacert", "/nonexistent/ca.pem"],
        "--cacert /nonexistent/ca.pem",
        "no such file",
    );
    check(&["--cacert", &dir], "--cacert", "folder");
    check(&["--cacert", &empty], "--cacert", "empty");
    check(&["--cacert", &text], "--cacert", "not a PEM file");
    check(
        &["--cacert", &key],
        "--cacert",
        "no certificate in the file",
    );
    check(
        &["--cert", &key, "--key", &key],
        "--cert",
        "this is a private key",
    );
    check(
        &["--cert", &cert, "--key", &cert],
        "--key",
        "this is a certificate",
    );
    check(
        &["--cert", &cert, "--key", &other_key],
        "--key",
        "does not match",
    );
    check(&["--cert", &cert], "--cert", "needs its private key");
    check(&["--key", &key], "--key", "without its certificate");

    // An encrypted key, made by openssl where it is installed, else by hand.
    let encrypted = s.0.join("encrypted.key");
    let made = Command::new("openssl")
        .args([
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:lab",
            "-in",
            &key,
            "-out",
        ])
        .arg(&encrypted)
        .output()
        .is_ok_and(|o| o.status.success());
    if !made {
        std::fs::write(
            &encrypted,
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
        )
        .unwrap();
    }
    let encrypted = encrypted.display().to_string();
    check(
        &["--cert", &cert, "--key", &encrypted],
        "--key",
        "openssl pkey",
    );

    // DER where PEM is expected is accepted: the run goes on and reaches the server. The key
    // is made SEC1 DER by openssl where it is installed (a short, one-byte-length SEQUENCE).
    let der = s.file("ca.der", &pem_to_der(&f.ca_cert));
    let der_key = s.0.join("client.key.der");
    let sec1 = Command::new("openssl")
        .args(["ec", "-in", &key, "-outform", "DER", "-out"])
        .arg(&der_key)
        .output()
        .is_ok_and(|o| o.status.success());
    if !sec1 {
        use rustls::pki_types::pem::PemObject;
        let pkcs8 = rustls::pki_types::PrivateKeyDer::from_pem_file(&f.client_key).unwrap();
        std::fs::write(&der_key, pkcs8.secret_der()).unwrap();
    }
    let key = der_key.display().to_string();
    let port = lab.port.to_string();
    let (code, stdout, stderr) = run(&[
        "connect",
        "--json",
        "--tls",
        "-h",
        "localhost",
        "-p",
        &port,
        "--cacert",
        &der,
        "--cert",
        &cert,
        "--key",
        &key,
    ]);
    assert_eq!(code, Some(0), "{stderr}\n{stdout}");
    // And DER of the wrong kind is named: a key given as the CA.
    check(&["--cacert", &key], "--cacert", "not a certificate");
}

#[test]
fn flags_and_values() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["connect", "-p", "99999"], "-p 99999", "out of range"),
        (&["connect", "-p", "0"], "-p 0", "out of range"),
        (&["connect", "-p", "six"], "-p six", "not a number"),
        (&["connect", "-h", ""], "-h", "empty"),
        (&["connect", "-h", "bad host!"], "-h", "not a valid host"),
        (&["connect", "-h", "redis://x:1"], "-h", "-u"),
        (&["connect", "-u", "not a url"], "-u", "not a valid URI"),
        (&["connect", "-u", "https://example.com"], "-u", "not Redis"),
        (
            &["connect", "-u", "rediss://bob:hunter2@"],
            "-u rediss://bob:***@",
            "not a valid URI",
        ),
        (
            &["connect", "--tls", "--tls-version", "1.1"],
            "--tls-version 1.1",
            "unknown TLS version",
        ),
        (
            &["connect", "--timeout", "-1"],
            "--timeout -1",
            "more than zero",
        ),
        (&["connect", "--timeout", "1e9"], "--timeout 1e9", "an hour"),
        (
            &["connect", "--timeout", "soon"],
            "--timeout soon",
            "not a number",
        ),
        (&["connect", "--bogus"], "--bogus", "unknown option"),
        (&["lab", "--bogus"], "--bogus", "unexpected argument"),
        (
            &["--scenario", "no-such-thing", "--plain"],
            "scenario no-such-thing",
            "no such scenario",
        ),
        (&["check", "expird"], "scenario expird", "no such scenario"),
    ];
    for (args, names, says) in cases {
        assert_usage_error(args, names, says);
    }
    // The password in a URL never comes back in an error.
    let (_, _, stderr) = run(&["connect", "-u", "rediss://bob:hunter2@"]);
    assert!(!stderr.contains("hunter2"));
}

#[test]
fn a_lab_on_an_address_not_on_this_machine_gets_a_bind_hint() {
    // 203.0.113.7 (TEST-NET-3) is on no interface here: binding fails, nothing is sent.
    let labs = Scratch::new("bind");
    let root = labs.0.display().to_string();
    let ran = common::tlsviz_bin(
        &["lab", "--bind", "203.0.113.7"],
        &[("TLSVIZ_LAB_DIR", root.as_str())],
    );
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
    // The first line is the warning that the lab would be reachable from other machines.
    let error = ran.stderr.trim_end().lines().last().unwrap_or_default();
    assert!(error.contains("cannot listen on 203.0.113.7"), "{error}");
    assert!(error.contains("hint: --bind"), "{error}");
    assert!(
        !ran.stderr.contains("install redis-server"),
        "{}",
        ran.stderr
    );
    let left = std::fs::read_dir(&labs.0).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "a lab that failed to start left its folder");
}

#[test]
fn files_the_tool_writes_and_reads() {
    let s = Scratch::new("io");
    let broken = s.file("broken.toml", b"name = \"x\"\ntitle = 3\n");
    assert_usage_error(
        &["--scenario", &broken, "--plain"],
        "broken.toml:2:9",
        "invalid type",
    );
    let not_recording = s.file("notes.ndjson", b"{\"hello\": 1}\n");
    assert_usage_error(
        &["replay", &not_recording, "--plain"],
        "replay",
        "not a tlsviz recording",
    );
    let empty = s.file("empty.ndjson", b"");
    assert_usage_error(
        &["replay", &empty, "--plain"],
        "replay",
        "not a tlsviz recording",
    );
    assert_usage_error(
        &["replay", "/nonexistent.ndjson", "--plain"],
        "replay",
        "cannot open",
    );
    assert_usage_error(
        &[
            "connect",
            "--tls",
            "--keylog",
            "/nonexistent-dir/keys.log",
            "-p",
            "1",
        ],
        "--keylog /nonexistent-dir/keys.log",
        "cannot write",
    );
    assert_usage_error(
        &[
            "connect",
            "--record",
            "/nonexistent-dir/run.ndjson",
            "-p",
            "1",
        ],
        "--record /nonexistent-dir/run.ndjson",
        "cannot write",
    );
}
