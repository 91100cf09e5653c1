//! Certificate-precise diagnosis against a real redis-server and PKI made in the test: each
//! failure names its kind, step and the certificate at fault, in words (no Rust debug text).

#[path = "cert_diagnosis/pki.rs"]
mod pki;

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

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsviz-certdiag-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn expired_intermediate_is_named() {
    if !have_redis() {
        return;
    }
    let dir = tmp("expired-mid");
    let (r, ca) = chain_setup(&dir, expired, |p| p);
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::CertificateExpired,
        CertRole::Intermediate,
        "Test Intermediate",
    );
    let d = m.diagnosis.as_ref().expect("diagnosis");
    assert!(!d.fix.contains("Renew the server certificate"), "{}", d.fix);
}

#[test]
fn intermediate_without_ca_true() {
    if !have_redis() {
        return;
    }
    let dir = tmp("not-ca");
    let (r, ca) = chain_setup(&dir, not_a_ca, |p| p);
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::NotACa,
        CertRole::Intermediate,
        "Test Intermediate",
    );
}

#[test]
fn name_constrained_intermediate() {
    if !have_redis() {
        return;
    }
    let dir = tmp("nc");
    let (r, ca) = chain_setup(&dir, |p| excluding(p, "localhost"), |p| p);
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::NameConstraintViolation,
        CertRole::Leaf,
        "Test Server",
    );
}

#[test]
fn leaf_for_client_auth_only() {
    if !have_redis() {
        return;
    }
    let dir = tmp("eku");
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
}

#[test]
fn unknown_critical_extension_and_insecure() {
    if !have_redis() {
        return;
    }
    let dir = tmp("crit");
    let (r, ca) = chain_setup(&dir, |p| p, with_unknown_critical);
    let m = run(&target(r.port, &ca, None, false));
    expect(
        &m,
        Step::Verify,
        ErrorKind::UnsupportedCriticalExtension,
        CertRole::Leaf,
        "Test Server",
    );
    let m = run(&target(r.port, &ca, None, true));
    assert!(m.diagnosis.is_none(), "{:#?}", m.diagnosis);
}

#[test]
fn cn_only_leaf() {
    if !have_redis() {
        return;
    }
    let dir = tmp("cn");
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
    let d = m.diagnosis.as_ref().expect("diagnosis");
    let names = d
        .evidence
        .iter()
        .find(|e| e.label == "names in the certificate")
        .expect("names");
    assert!(names.value.contains("CN only"), "{}", names.value);
}

fn client_setup(dir: &Path, client: rcgen::CertificateParams) -> (Redis, Target) {
    let root = self_signed(ca_params("Test Root"));
    let srv = signed(server_params("Test Server"), &root);
    let cli = signed(client, &root);
    let (ca, _) = write(dir, "root", &[&root]);
    let (cert, key) = write(dir, "server", &[&srv]);
    let (ccert, ckey) = write(dir, "client", &[&cli]);
    let r = redis(&cert, &key, &ca, "yes");
    let t = target(r.port, &ca, Some((&ccert, &ckey)), false);
    (r, t)
}

#[test]
fn expired_client_certificate() {
    if !have_redis() {
        return;
    }
    let dir = tmp("client-expired");
    let (_r, t) = client_setup(&dir, expired(client_params("Test Client")));
    let m = run(&t);
    expect(
        &m,
        Step::ClientCertificate,
        ErrorKind::ClientCertificateRejected,
        CertRole::Client,
        "Test Client",
    );
    assert!(m
        .diagnosis
        .as_ref()
        .is_some_and(|d| d.explanation.contains("expired")));
}

#[test]
fn client_certificate_without_client_auth() {
    if !have_redis() {
        return;
    }
    let dir = tmp("client-eku");
    let mut p = client_params("Test Client");
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let (_r, t) = client_setup(&dir, p);
    let m = run(&t);
    expect(
        &m,
        Step::ClientCertificate,
        ErrorKind::ClientCertificateRejected,
        CertRole::Client,
        "Test Client",
    );
    assert!(m
        .diagnosis
        .as_ref()
        .is_some_and(|d| d.message.contains("clientAuth")));
}
