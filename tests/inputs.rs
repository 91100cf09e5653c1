//! Inputs as redis-cli reads them (a BOM, DER, an unhashed CA folder, an intermediate as trust
//! anchor, IPv6 literals, -n), and peers that are not Redis (a mail server's banner, an echo).
//! Against real servers: the lab's redis-server and the lab's own fault servers.

mod common;

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

/// `tlsviz connect` to the lab with `--cacert`/`--cacertdir` replaced by `trust` (`--plain`
/// unless `extra` asks for `--json`).
fn connect(lab: &Lab, trust: &[&str], extra: &[&str]) -> common::Ran {
    let files = &lab.files;
    let mut args: Vec<String> = vec!["connect".into(), "--tls".into()];
    if !extra.contains(&"--json") {
        args.push("--plain".into());
    }
    args.extend(["-h", "localhost", "-p"].map(String::from));
    args.push(lab.port.to_string());
    args.extend(trust.iter().map(|a| a.to_string()));
    args.extend(["--cert".into(), s(&files.client_cert)]);
    args.extend(["--key".into(), s(&files.client_key)]);
    args.extend(extra.iter().map(|a| a.to_string()));
    common::tlsviz_bin(&args, &[])
}

fn openssl(args: &[&str]) {
    let ok = Command::new("openssl")
        .args(args)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "openssl {args:?} failed");
}

#[test]
fn a_bom_before_the_pem_is_accepted() {
    let lab = common::lab(LabOptions::default());
    let dir = scratch("bom");
    let bom = |from: &Path, name: &str| {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::fs::read(from).expect("lab file"));
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };
    let (ca, cert, key) = (
        bom(&lab.files.ca_cert, "ca.pem"),
        bom(&lab.files.client_cert, "client.pem"),
        bom(&lab.files.client_key, "client.key"),
    );
    let ran = common::tlsviz_bin(
        &[
            "connect",
            "--plain",
            "--tls",
            "-h",
            "localhost",
            "-p",
            &lab.port.to_string(),
            "--cacert",
            &s(&ca),
            "--cert",
            &s(&cert),
            "--key",
            &s(&key),
        ],
        &[],
    );
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    assert!(!ran.stderr.contains("note:"), "{}", ran.stderr);
}

#[test]
fn a_der_cacert_works_with_a_note() {
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
    let ran = connect(&lab, &["--cacert", &s(&der)], &[]);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    let note = format!("openssl x509 -inform der -in {0} -out {0}.pem", s(&der));
    assert!(
        ran.stderr.contains("tlsviz: note: --cacert"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("Invalid CA Certificate File/Directory"));
    assert!(ran.stderr.contains(&note), "{}", ran.stderr);
    // The JSON summary lists it under `warnings`.
    let json = connect(&lab, &["--cacert", &s(&der)], &["--json"]);
    let summary: serde_json::Value =
        serde_json::from_str(json.stdout.lines().last().expect("a summary")).expect("JSON");
    let warnings = summary["warnings"].as_array().expect("warnings list");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.starts_with("note: --cacert") && w.contains(&note))),
        "{warnings:?}"
    );
}

#[test]
fn a_cacertdir_without_hash_links_is_noted_until_rehashed() {
    let lab = common::lab(LabOptions::default());
    let dir = scratch("capath");
    std::fs::copy(&lab.files.ca_cert, dir.join("lab-ca.pem")).expect("copy");
    let ran = connect(&lab, &["--cacertdir", &s(&dir)], &[]);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains(&format!("openssl rehash {}", s(&dir))),
        "{}",
        ran.stderr
    );
    openssl(&["rehash", &s(&dir)]);
    let ran = connect(&lab, &["--cacertdir", &s(&dir)], &[]);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    assert!(!ran.stderr.contains("note:"), "{}", ran.stderr);
}

#[test]
fn an_intermediate_as_cacert_is_noted() {
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
    let ran = connect(&lab, &["--cacert", &s(&pem)], &[]);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains("tlsviz: note: --cacert") && ran.stderr.contains("intermediate CA"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("-partial_chain"));
    // The root itself: no note.
    let ran = connect(&lab, &["--cacert", &s(&lab.files.ca_cert)], &[]);
    assert_eq!(ran.code, Some(0));
    assert!(!ran.stderr.contains("note:"), "{}", ran.stderr);
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
}

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
    common::run(&target).await
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
