//! Inputs as redis-cli reads them (a BOM, DER, an unhashed CA folder, an intermediate as trust
//! anchor, IPv6 literals, -n), and peers that are not Redis (a mail server's banner, an echo).
//! Against real servers: the lab's redis-server and the lab's own fault servers.

mod common;

// The rcgen PKI and redis-server of the certificate tests (only some of it is used here).
#[allow(dead_code)]
#[path = "cert_diagnosis/pki.rs"]
mod pki;

use common::agree;
use std::path::{Path, PathBuf};
use std::process::Command;
use tlsviz::diagnose::ErrorKind;
use tlsviz::engine::step::Step;
use tlsviz::lab::{Fault, Lab, LabOptions, ServerCertOptions, ServerIssuer};
use tlsviz::model::Outcome;

/// A test's own folder, removed when the test ends (pass or fail).
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(tag: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("tlsviz-inputs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    Scratch(dir)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `tlsviz connect --plain` and `--json`, and the real redis-cli, to the lab with its client
/// certificate, `trust` (`--cacert`/`--cacertdir`) and `extra`: the second opinion must say what
/// redis-cli does, and no output may hold debug text (`common::agree`).
fn connect(lab: &Lab, trust: &[&str], extra: &[&str]) -> agree::Compared {
    let (cert, key) = (s(&lab.files.client_cert), s(&lab.files.client_key));
    let mut rest: Vec<&str> = trust.to_vec();
    rest.extend(["--cert", &cert, "--key", &key]);
    rest.extend(extra);
    agree::compare(&agree::flags(lab.port, &rest))
}

fn openssl(args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "openssl {args:?} failed");
}

/// The plain run's exit code, with its output when it is not `code`.
fn exits(c: &agree::Compared, code: i32) {
    assert_eq!(
        c.plain.code,
        Some(code),
        "{}\n{}",
        c.plain.stdout,
        c.plain.stderr
    );
}

#[test]
fn a_bom_before_the_pem_is_accepted() {
    if !agree::have_tools() {
        return;
    }
    let lab = common::lab(LabOptions::default());
    let dir = scratch("bom");
    let bom = |from: &Path, name: &str| {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::fs::read(from).expect("lab file"));
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        s(&path)
    };
    let (ca, cert, key) = (
        bom(&lab.files.ca_cert, "ca.pem"),
        bom(&lab.files.client_cert, "client.pem"),
        bom(&lab.files.client_key, "client.key"),
    );
    let flags = ["--cacert", &ca, "--cert", &cert, "--key", &key];
    let c = agree::compare(&agree::flags(lab.port, &flags));
    exits(&c, 0);
    assert!(!c.plain.stderr.contains("note:"), "{}", c.plain.stderr);
}

#[test]
fn a_der_cacert_works_with_a_note() {
    if !agree::have_tools() {
        return;
    }
    let lab = common::lab(LabOptions::default());
    let dir = scratch("der");
    let der = dir.join("ca.der");
    openssl(&[
        "x509",
        "-in",
        &s(&lab.files.ca_cert),
        "-outform",
        "der",
        "-out",
        &s(&der),
    ]);
    let c = connect(&lab, &["--cacert", &s(&der)], &[]);
    exits(&c, 0);
    assert_eq!(c.summary["cross_check"]["verdict"], "failed");
    let stderr = &c.plain.stderr;
    let note = format!("openssl x509 -inform der -in {0} -out {0}.pem", s(&der));
    assert!(stderr.contains("tlsviz: note: --cacert"), "{stderr}");
    assert!(stderr.contains("Invalid CA Certificate File/Directory"));
    assert!(stderr.contains(&note), "{stderr}");
    // The JSON summary lists it under `warnings`.
    let warnings = c.summary["warnings"].as_array().expect("warnings list");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.starts_with("note: --cacert") && w.contains(&note))),
        "{warnings:?}"
    );
}

#[test]
fn a_cacertdir_without_hash_links_is_noted_until_rehashed() {
    if !agree::have_tools() {
        return;
    }
    let lab = common::lab(LabOptions::default());
    let dir = scratch("capath");
    std::fs::copy(&lab.files.ca_cert, dir.join("lab-ca.pem")).expect("copy");
    let c = connect(&lab, &["--cacertdir", &s(&dir)], &[]);
    exits(&c, 0);
    assert_eq!(c.summary["cross_check"]["verdict"], "failed");
    let rehash = format!("openssl rehash {}", s(&dir));
    assert!(c.plain.stderr.contains(&rehash), "{}", c.plain.stderr);
    openssl(&["rehash", &s(&dir)]);
    let c = connect(&lab, &["--cacertdir", &s(&dir)], &[]);
    exits(&c, 0);
    assert_eq!(c.summary["cross_check"]["verdict"], "ok");
    assert!(!c.plain.stderr.contains("note:"), "{}", c.plain.stderr);
}

/// redis-cli trusts the CA file and the CA folder together (OpenSSL's load_verify_locations):
/// the lab's CA in a rehashed folder beside an unrelated CA file must connect, as redis-cli does.
#[test]
fn cacert_and_cacertdir_add_up() {
    if !agree::have_tools() {
        return;
    }
    let lab = common::lab(LabOptions::default());
    let dir = scratch("both");
    let folder = dir.join("cadir");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::copy(&lab.files.ca_cert, folder.join("lab-ca.pem")).expect("copy");
    openssl(&["rehash", &s(&folder)]);
    let other = dir.join("other-ca.pem");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &s(&dir.join("other-ca.key")),
        "-out",
        &s(&other),
        "-subj",
        "/CN=Other CA",
        "-days",
        "2",
    ]);
    let c = connect(
        &lab,
        &["--cacert", &s(&other), "--cacertdir", &s(&folder)],
        &[],
    );
    exits(&c, 0);
    assert_eq!(
        c.summary["cross_check"]["verdict"], "ok",
        "{}",
        c.plain.stdout
    );
    assert!(
        c.plain.stdout.contains("and CA folder"),
        "{}",
        c.plain.stdout
    );
    // A folder that does not exist is bad input, even beside a good --cacert.
    let missing = dir.join("no-such-folder");
    let ran = common::tlsviz_bin(
        &[
            "connect".to_string(),
            "--plain".to_string(),
            "--tls".to_string(),
            "-p".to_string(),
            lab.port.to_string(),
            "--cacert".to_string(),
            s(&lab.files.ca_cert),
            "--cacertdir".to_string(),
            s(&missing),
        ],
        &[],
    );
    assert_eq!(ran.code, Some(2), "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stderr.contains("--cacertdir"), "{}", ran.stderr);
}

#[test]
fn an_intermediate_as_cacert_is_noted() {
    if !agree::have_tools() {
        return;
    }
    let lab = common::lab(LabOptions {
        server_cert: ServerCertOptions {
            issuer: ServerIssuer::IntermediateFullChain,
            ..ServerCertOptions::default()
        },
        ..LabOptions::default()
    });
    let dir = scratch("intermediate");
    let der = dir.join("intermediate.der");
    std::fs::write(&der, &lab.files.server_chain_der[1]).expect("write");
    let pem = dir.join("intermediate.pem");
    openssl(&["x509", "-inform", "der", "-in", &s(&der), "-out", &s(&pem)]);
    let c = connect(&lab, &["--cacert", &s(&pem)], &[]);
    exits(&c, 0);
    assert_eq!(c.summary["cross_check"]["verdict"], "failed");
    let stderr = &c.plain.stderr;
    assert!(
        stderr.contains("tlsviz: note: --cacert") && stderr.contains("intermediate CA"),
        "{stderr}"
    );
    assert!(stderr.contains("-partial_chain"));
    // The root itself: no note.
    let c = connect(&lab, &["--cacert", &s(&lab.files.ca_cert)], &[]);
    exits(&c, 0);
    assert!(!c.plain.stderr.contains("note:"), "{}", c.plain.stderr);
}

/// A root CA without basicConstraints as --cacert: rustls trusts it as given, OpenSSL refuses
/// it as a CA; tlsviz connects, notes it, and the second opinion says redis-cli fails.
#[test]
fn a_root_without_basic_constraints_is_noted() {
    if !agree::have_tools() {
        return;
    }
    let dir = pki::scratch("root-nobc");
    let mut root = pki::ca_params("Test Root Without BC");
    root.is_ca = rcgen::IsCa::NoCa;
    let root = pki::self_signed(root);
    let leaf = pki::signed(pki::server_params("Test Server"), &root);
    let (ca, _) = pki::write(&dir, "root", &[&root]);
    let (cert, key) = pki::write(&dir, "server", &[&leaf]);
    let redis = pki::redis(&cert, &key, &ca, "no");
    let c = agree::compare(&agree::flags(redis.port, &["--cacert", &s(&ca)]));
    exits(&c, 0);
    assert_eq!(c.summary["cross_check"]["verdict"], "failed");
    assert_eq!(c.summary["cross_check"]["agrees"], false);
    let stderr = &c.plain.stderr;
    assert!(
        stderr.contains("tlsviz: note: --cacert") && stderr.contains("no basicConstraints"),
        "{stderr}"
    );
    assert!(stderr.contains("invalid CA certificate"), "{stderr}");
    // The disagreement comes first in the plain trace.
    assert!(c
        .plain
        .stdout
        .starts_with("! tlsviz connected, but redis-cli"));
}

#[test]
fn ipv6_literals_print_in_brackets() {
    for args in [
        vec!["connect", "--plain", "-h", "::1", "-p", "1"],
        vec!["connect", "--plain", "-u", "redis://[::1]:1"],
    ] {
        let ran = common::tlsviz_bin(&args, &[]);
        assert!(ran.stdout.contains("[::1]:1"), "{}", ran.stdout);
        assert!(!ran.stdout.contains(" ::1:1"), "{}", ran.stdout);
    }
}

#[tokio::test]
async fn a_missing_database_names_dash_n() {
    let lab = common::lab(LabOptions::default());
    let mut target = common::target(&lab, &common::Client::default());
    target.db = Some(99);
    let model = common::run(&target).await;
    let d = model.diagnosis.expect("a diagnosis");
    assert_eq!((d.step, d.kind), (Step::Data, ErrorKind::RedisError));
    assert!(
        d.message.contains("database 99 does not exist"),
        "{}",
        d.message
    );
    assert!(d.explanation.contains("-n 99"), "{}", d.explanation);
    assert!(d.fix.contains("databases"), "{}", d.fix);
    if !agree::have_tools() {
        return;
    }
    // redis-cli prints "SELECT 99 failed" and answers PING in database 0: its verdict is ok.
    let ca = s(&lab.files.ca_cert);
    let c = tokio::task::spawn_blocking(move || connect(&lab, &["--cacert", &ca], &["-n", "99"]))
        .await
        .expect("compare");
    exits(&c, 1);
    assert_eq!(c.kind(), "redis_error");
    assert_eq!(c.summary["cross_check"]["verdict"], "ok");
    assert_eq!(c.summary["cross_check"]["agrees"], true);
}

/// A fault server that is not Redis, tlsviz's in-process run against it and, over TLS, the
/// real binary beside the real redis-cli (`common::agree`): both must fail.
async fn not_redis(fault: Fault, tls: bool) -> tlsviz::model::Model {
    let lab = Lab::start(LabOptions {
        fault: Some(fault),
        tls,
        ..LabOptions::default()
    })
    .expect("fault server starts");
    let target = common::target(
        &lab,
        &common::Client {
            plaintext: !tls,
            no_client_cert: true,
            timeout: Some(std::time::Duration::from_secs(2)),
            ..common::Client::default()
        },
    );
    let model = common::run(&target).await;
    if tls && agree::have_tools() {
        let flags = agree::flags(lab.port, &["--cacert", &s(&lab.files.ca_cert)]);
        let c = tokio::task::spawn_blocking(move || agree::compare(&flags))
            .await
            .expect("compare");
        assert_eq!(c.kind(), "not_redis");
        assert_eq!(c.summary["cross_check"]["verdict"], "failed");
        assert_eq!(c.summary["cross_check"]["agrees"], true);
    }
    model
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_server_is_not_redis() {
    for tls in [true, false] {
        let model = not_redis(Fault::SmtpBanner, tls).await;
        assert_eq!(model.outcome, Outcome::Failed, "tls {tls}");
        let d = model.diagnosis.expect("a diagnosis");
        assert_eq!(
            (d.step, d.kind),
            (Step::Data, ErrorKind::NotRedis),
            "tls {tls}: {d:?}"
        );
        let evidence = |label: &str| {
            d.evidence
                .iter()
                .find(|e| e.label == label)
                .map(|e| e.value.clone())
                .unwrap_or_default()
        };
        assert!(evidence("first bytes (text)").starts_with("220 mail.example.com ESMTP"));
        assert!(evidence("first bytes (hex)").starts_with("323230"));
        assert!(evidence("looks like").contains("SMTP"));
        assert!(d.message.contains("SMTP"), "{}", d.message);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echo_is_never_success() {
    for tls in [true, false] {
        let model = not_redis(Fault::Echo, tls).await;
        assert_eq!(model.outcome, Outcome::Failed, "tls {tls}");
        let d = model.diagnosis.expect("a diagnosis");
        assert_eq!(
            (d.step, d.kind),
            (Step::Data, ErrorKind::NotRedis),
            "tls {tls}: {d:?}"
        );
        assert!(d.message.contains("echo"), "{}", d.message);
        let text = d
            .evidence
            .iter()
            .find(|e| e.label == "first bytes (text)")
            .map(|e| e.value.clone())
            .unwrap_or_default();
        assert_eq!(text, "*1\\r\\n$4\\r\\nPING\\r\\n");
    }
}
