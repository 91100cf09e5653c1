//! Certificate-precise diagnosis against a real redis-server and PKI made in the test: each
//! failure names its kind, step and the certificate at fault, in words (no Rust debug text).
//! Each setup also goes through the real binary beside the real redis-cli with the same flags:
//! the second opinion's verdict is what redis-cli does (see `common::agree`).

#[path = "cert_diagnosis/pki.rs"]
mod pki;

mod common;

use common::agree;
use pki::*;
use std::path::Path;
use std::time::Duration;
use tlsviz::diagnose::{CertRole, ErrorKind};
use tlsviz::engine::step::Step;
use tlsviz::engine::Target;
use tlsviz::model::Model;
use tlsviz::target::TlsOptions;

fn target(port: u16, cacert: &Path, client: Option<(&Path, &Path)>, insecure: bool) -> Target {
    let tls = tlsviz::target::load::load(&TlsOptions {
        cacert: Some(cacert.to_path_buf()),
        cert: client.map(|c| c.0.to_path_buf()),
        key: client.map(|c| c.1.to_path_buf()),
        insecure,
        ..TlsOptions::default()
    })
    .expect("material loads");
    Target {
        host: "localhost".into(),
        server_name: "localhost".into(),
        port,
        tls: Some(tls),
        user: None,
        password: None,
        db: None,
        command: vec!["PING".into()],
        timeout: Duration::from_secs(5),
        capture_bytes: false,
    }
}

fn run(t: &Target) -> Model {
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(tlsviz::runner::run_to_model(t))
}

fn assert_words(m: &Model) {
    let d = m.diagnosis.as_ref().expect("a diagnosis");
    let mut texts = vec![d.message.clone(), d.explanation.clone(), d.fix.clone()];
    texts.extend(
        d.evidence
            .iter()
            .map(|e| format!("{}: {}", e.label, e.value)),
    );
    for text in texts {
        for bad in ["{", "(UNIX)", "Context", "OtherError", "Some(", "[0x"] {
            assert!(!text.contains(bad), "{bad:?} in {text:?}");
        }
    }
}

/// Fails with `kind` at `step`, naming `role` and a subject containing `cn`.
fn expect(m: &Model, step: Step, kind: ErrorKind, role: CertRole, cn: &str) {
    let d = m.diagnosis.as_ref().expect("a diagnosis");
    assert_eq!((d.step, d.kind), (step, kind), "{d:#?}");
    let c = d
        .certificate
        .as_ref()
        .unwrap_or_else(|| panic!("no certificate: {d:#?}"));
    assert_eq!(c.role, role, "{d:#?}");
    assert!(c.subject.contains(cn), "{d:#?}");
    assert_words(m);
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// `tlsviz connect --json/--plain` and `redis-cli` with `--tls -h localhost -p PORT` and `rest`:
/// the second opinion says what redis-cli does, and the binary's kind is the in-process run's.
fn same_as_redis_cli(port: u16, rest: &[String], m: &Model) -> agree::Compared {
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let c = agree::compare(&agree::flags(port, &rest));
    let kind = m.diagnosis.as_ref().map(|d| d.kind.as_str()).unwrap_or("");
    assert_eq!(c.kind(), kind, "{}", c.json.stdout);
    c
}

/// Root → intermediate → leaf, the intermediate and leaf shaped by the closures.
fn chain_setup(
    dir: &Path,
    inter: impl FnOnce(rcgen::CertificateParams) -> rcgen::CertificateParams,
    leaf: impl FnOnce(rcgen::CertificateParams) -> rcgen::CertificateParams,
) -> (Redis, std::path::PathBuf) {
    let root = self_signed(ca_params("Test Root"));
    let mid = signed(inter(ca_params("Test Intermediate")), &root);
    let srv = signed(leaf(server_params("Test Server")), &mid);
    let (ca, _) = write(dir, "root", &[&root]);
    let (cert, key) = write(dir, "server", &[&srv, &mid]);
    (redis(&cert, &key, &ca, "no"), ca)
}

#[test]
fn expired_intermediate_is_named() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("expired-mid");
    let (r, ca) = chain_setup(&dir, expired, |p| p);
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::CertificateExpired,
        CertRole::Intermediate,
        "Test Intermediate",
    );
    same_as_redis_cli(r.port, &["--cacert".into(), s(&ca)], &m);
    let d = m.diagnosis.as_ref().expect("diagnosis");
    assert!(!d.fix.contains("Renew the server certificate"), "{}", d.fix);
}

#[test]
fn intermediate_without_ca_true() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("not-ca");
    let (r, ca) = chain_setup(&dir, not_a_ca, |p| p);
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::NotACa,
        CertRole::Intermediate,
        "Test Intermediate",
    );
    same_as_redis_cli(r.port, &["--cacert".into(), s(&ca)], &m);
}

#[test]
fn name_constrained_intermediate() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("nc");
    let (r, ca) = chain_setup(&dir, |p| excluding(p, "localhost"), |p| p);
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::NameConstraintViolation,
        CertRole::Leaf,
        "Test Server",
    );
    same_as_redis_cli(r.port, &["--cacert".into(), s(&ca)], &m);
}

#[test]
fn leaf_for_client_auth_only() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("eku");
    let (r, ca) = chain_setup(
        &dir,
        |p| p,
        |mut p| {
            p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
            p
        },
    );
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::WrongKeyUsage,
        CertRole::Leaf,
        "Test Server",
    );
    same_as_redis_cli(r.port, &["--cacert".into(), s(&ca)], &m);
}

#[test]
fn unknown_critical_extension_and_insecure() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("crit");
    let (r, ca) = chain_setup(&dir, |p| p, with_unknown_critical);
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::UnsupportedCriticalExtension,
        CertRole::Leaf,
        "Test Server",
    );
    same_as_redis_cli(r.port, &["--cacert".into(), s(&ca)], &m);
    let m = run(&target(r.port, &ca, None, true));
    assert!(m.diagnosis.is_none(), "{:#?}", m.diagnosis);
    let flags = ["--cacert".into(), s(&ca), "--insecure".into()];
    same_as_redis_cli(r.port, &flags, &m);
}

#[test]
fn cn_only_leaf() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("cn");
    let (r, ca) = chain_setup(
        &dir,
        |p| p,
        |mut p| {
            p.subject_alt_names.clear();
            p.distinguished_name = rcgen::DistinguishedName::new();
            p.distinguished_name
                .push(rcgen::DnType::CommonName, "localhost");
            p
        },
    );
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::HostnameMismatch,
        CertRole::Leaf,
        "localhost",
    );
    let c = same_as_redis_cli(r.port, &["--cacert".into(), s(&ca)], &m);
    // redis-cli connects (it checks no names); the disagreement line must not claim every
    // OpenSSL client that checks names fails: OpenSSL's check falls back to the CN.
    let warning = c.summary["warnings"][0].as_str().unwrap_or_default();
    assert!(warning.contains("fall back to the CN"), "{warning}");
    assert!(!warning.contains("redis-py, node"), "{warning}");
    let d = m.diagnosis.as_ref().expect("diagnosis");
    let names = d
        .evidence
        .iter()
        .find(|e| e.label == "names in the certificate")
        .expect("names");
    assert!(names.value.contains("CN only"), "{}", names.value);
}

/// The server (client certificates required), the in-process target and the same as flags.
fn client_setup(dir: &Path, client: rcgen::CertificateParams) -> (Redis, Target, Vec<String>) {
    client_setup_from(dir, client, None)
}

/// As [`client_setup`], the client certificate issued by `other_ca` (a root of that name the
/// server does not trust) when given.
fn client_setup_from(
    dir: &Path,
    client: rcgen::CertificateParams,
    other_ca: Option<&str>,
) -> (Redis, Target, Vec<String>) {
    let root = self_signed(ca_params("Test Root"));
    let srv = signed(server_params("Test Server"), &root);
    let other = other_ca.map(|name| self_signed(ca_params(name)));
    let cli = signed(client, other.as_ref().unwrap_or(&root));
    let (ca, _) = write(dir, "root", &[&root]);
    let (cert, key) = write(dir, "server", &[&srv]);
    let (ccert, ckey) = write(dir, "client", &[&cli]);
    let r = redis(&cert, &key, &ca, "yes");
    let t = target(r.port, &ca, Some((&ccert, &ckey)), false);
    let flags = [
        "--cacert",
        &s(&ca),
        "--cert",
        &s(&ccert),
        "--key",
        &s(&ckey),
    ];
    (r, t, flags.map(String::from).to_vec())
}

#[test]
fn expired_client_certificate() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("client-expired");
    let (r, t, flags) = client_setup(&dir, expired(client_params("Test Client")));
    let m = run(&t);
    expect(
        &m,
        Step::ClientCertificate,
        ErrorKind::ClientCertificateRejected,
        CertRole::Client,
        "Test Client",
    );
    same_as_redis_cli(r.port, &flags, &m);
    assert!(m
        .diagnosis
        .as_ref()
        .is_some_and(|d| d.explanation.contains("expired")));
}

#[test]
fn client_certificate_without_client_auth() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("client-eku");
    let mut p = client_params("Test Client");
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let (r, t, flags) = client_setup(&dir, p);
    let m = run(&t);
    expect(
        &m,
        Step::ClientCertificate,
        ErrorKind::ClientCertificateRejected,
        CertRole::Client,
        "Test Client",
    );
    same_as_redis_cli(r.port, &flags, &m);
    assert!(m
        .diagnosis
        .as_ref()
        .is_some_and(|d| d.message.contains("clientAuth")));
}

/// A client certificate from a CA the server does not trust: OpenSSL answers unknown_ca (48).
/// The certificate looks fine locally, so the alert alone names it and its issuer.
#[test]
fn client_certificate_from_another_ca() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("client-other-ca");
    let (r, t, flags) = client_setup_from(&dir, client_params("Test Client"), Some("Other Root"));
    let m = run(&t);
    expect(
        &m,
        Step::ClientCertificate,
        ErrorKind::ClientCertificateRejected,
        CertRole::Client,
        "Test Client",
    );
    let d = m.diagnosis.as_ref().expect("a diagnosis");
    assert!(d.message.contains("unknown_ca (48)"), "{}", d.message);
    assert!(d.message.contains("Other Root"), "{}", d.message);
    assert!(d.fix.contains("Other Root"), "{}", d.fix);
    same_as_redis_cli(r.port, &flags, &m);
}

/// A server whose only certificate has a key rustls offers no signature scheme for: it answers
/// the ClientHello with handshake_failure; openssl s_client's look at the certificate names it.
#[test]
fn p521_and_ed448_server_keys_are_named() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("p521");
    for (name, newkey, words) in [
        (
            "p521-leaf",
            &["ec", "-pkeyopt", "ec_paramgen_curve:P-521"][..],
            "P-521",
        ),
        ("ed448-leaf", &["ed448"][..], "Ed448"),
    ] {
        let (chain, key, root) = openssl_leaf(&dir, name, newkey, "-sha256");
        let r = redis(&chain, &key, &root, "no");
        let root = root.display().to_string();
        let c = agree::compare(&agree::flags(r.port, &["--cacert", &root]));
        // redis-cli (OpenSSL) connects; tlsviz names the key.
        assert_eq!(c.summary["cross_check"]["verdict"], "ok");
        assert_eq!(c.kind(), "unsupported_server_key", "{}", c.json.stdout);
        assert_eq!(c.summary["failed_step"], 2);
        let error = &c.summary["error"];
        assert_eq!(error["certificate"]["role"], "leaf");
        assert_eq!(error["certificate"]["position"], 0);
        assert_eq!(error["certificate"]["subject"], format!("CN={name}"));
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{message}");
        assert!(error["fix"].as_str().unwrap_or_default().contains("P-256"));
        assert!(c
            .json
            .stdout
            .contains("\"type\":\"peer_chain_seen_by_openssl\""));
        assert!(
            c.plain.stdout.contains("unsupported_server_key"),
            "{}",
            c.plain.stdout
        );
        // Without the second opinion openssl is not asked, and no cause is claimed.
        let off = common::tlsviz_bin(
            &[
                "connect",
                "--json",
                "--no-cross-check",
                "--tls",
                "-h",
                "localhost",
                "-p",
                &r.port.to_string(),
                "--cacert",
                &root,
            ],
            &[],
        );
        let summary: serde_json::Value =
            serde_json::from_str(off.stdout.lines().last().unwrap_or_default()).expect("JSON");
        assert_eq!(
            summary["error"]["kind"], "no_shared_cipher",
            "{}",
            off.stdout
        );
        let message = summary["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("likely"), "{message}");
        assert!(!off.stdout.contains("peer_chain_seen_by_openssl"));
    }
}

/// A leaf signed with SHA-1 (the server needs security level 0 to load it): rustls refuses the
/// algorithm by name, and so does redis-cli at OpenSSL's default level.
#[test]
fn sha1_signed_leaf() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("sha1");
    let newkey = ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    let (chain, key, root) = openssl_leaf(&dir, "sha1-leaf", &newkey, "-sha1");
    let r = redis_with(&chain, &key, &root, "no", Some(&seclevel0(&dir)));
    let m = run(&target(r.port, &root, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::UnsupportedSignatureAlgorithm,
        CertRole::Leaf,
        "sha1-leaf",
    );
    let d = m.diagnosis.as_ref().expect("diagnosis");
    assert!(d.message.contains("SHA1"), "{}", d.message);
    same_as_redis_cli(r.port, &["--cacert".into(), s(&root)], &m);
}

/// An RSA-1024 server key: weak_key naming the leaf; `--insecure` skips every check, as
/// redis-cli's does, and both connect.
#[test]
fn rsa1024_server_key_with_and_without_insecure() {
    if !agree::have_tools() {
        return;
    }
    let dir = scratch("rsa1024");
    let (chain, key, root) = openssl_leaf(&dir, "rsa1024-leaf", &["rsa:1024"], "-sha256");
    let r = redis_with(&chain, &key, &root, "no", Some(&seclevel0(&dir)));
    let m = run(&target(r.port, &root, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::WeakKey,
        CertRole::Leaf,
        "rsa1024-leaf",
    );
    let d = m.diagnosis.as_ref().expect("diagnosis");
    assert!(d.message.contains("1024"), "{}", d.message);
    let c = same_as_redis_cli(r.port, &["--cacert".into(), s(&root)], &m);
    assert_eq!(c.summary["cross_check"]["verdict"], "failed");
    let m = run(&target(r.port, &root, None, true));
    assert!(m.diagnosis.is_none(), "{:#?}", m.diagnosis);
    assert!(m.signature_not_checked.is_some());
    let flags = ["--cacert".into(), s(&root), "--insecure".into()];
    let c = same_as_redis_cli(r.port, &flags, &m);
    assert_eq!(c.summary["cross_check"]["verdict"], "ok");
    assert_eq!(c.summary["cross_check"]["agrees"], true);
}
