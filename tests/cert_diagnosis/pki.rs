//! Certificates made in the test (rcgen) and a real redis-server serving them.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, KeyPair, NameConstraints,
};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Issued {
    pub cert: rcgen::Certificate,
    pub key: KeyPair,
}

pub fn params(cn: &str, sans: &[&str]) -> CertificateParams {
    let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = rcgen::date_time_ymd(2024, 1, 1);
    p.not_after = rcgen::date_time_ymd(2099, 1, 1);
    p
}

pub fn ca_params(cn: &str) -> CertificateParams {
    let mut p = params(cn, &[]);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p
}

pub fn server_params(cn: &str) -> CertificateParams {
    let mut p = params(cn, &["localhost"]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p
}

pub fn client_params(cn: &str) -> CertificateParams {
    let mut p = params(cn, &[]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p
}

pub fn self_signed(p: CertificateParams) -> Issued {
    let key = KeyPair::generate().expect("key");
    let cert = p.self_signed(&key).expect("self-signed");
    Issued { cert, key }
}

pub fn signed(p: CertificateParams, by: &Issued) -> Issued {
    let key = KeyPair::generate().expect("key");
    let cert = p.signed_by(&key, &by.cert, &by.key).expect("signed");
    Issued { cert, key }
}

pub fn expired(mut p: CertificateParams) -> CertificateParams {
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2021, 1, 1);
    p
}

pub fn not_a_ca(mut p: CertificateParams) -> CertificateParams {
    p.is_ca = IsCa::ExplicitNoCa;
    p
}

pub fn excluding(mut p: CertificateParams, dns: &str) -> CertificateParams {
    p.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![],
        excluded_subtrees: vec![GeneralSubtree::DnsName(dns.into())],
    });
    p
}

pub fn with_unknown_critical(mut p: CertificateParams) -> CertificateParams {
    let mut ext =
        CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 55555, 1], vec![0x05, 0x00]);
    ext.set_criticality(true);
    p.custom_extensions.push(ext);
    p
}

pub fn write(dir: &Path, name: &str, pems: &[&Issued]) -> (PathBuf, PathBuf) {
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    let chain: String = pems.iter().map(|i| i.cert.pem()).collect();
    std::fs::write(&cert, chain).expect("write cert");
    std::fs::write(&key, pems[0].key.serialize_pem()).expect("write key");
    (cert, key)
}

/// A redis-server on a free TLS port; killed on drop.
pub struct Redis {
    child: Child,
    pub port: u16,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test's own folder, removed (with everything in it) when the test ends, pass or fail.
pub struct Scratch(PathBuf);

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

pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("tlsviz-certdiag-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    Scratch(dir)
}

/// Run the openssl CLI in `dir`; a failure shows its stderr.
pub fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// With the openssl CLI in `dir`: a P-256 root `root.pem` (made once) and a leaf for localhost
/// named `name` with the key from `newkey` (e.g. `["ec", "-pkeyopt",
/// "ec_paramgen_curve:P-521"]`, `["rsa:1024"]`), signed with `digest` (`-sha256`, `-sha1`).
/// Returns (leaf + root chain, leaf key, root).
pub fn openssl_leaf(
    dir: &Path,
    name: &str,
    newkey: &[&str],
    digest: &str,
) -> (PathBuf, PathBuf, PathBuf) {
    if !dir.join("root.pem").exists() {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=Test Root",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-keyout",
                "root.key",
                "-out",
                "root.pem",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        std::fs::write(
            dir.join("leaf.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write");
    }
    let (key, csr, pem) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.pem"),
    );
    let subject = format!("/CN={name}");
    let mut args = vec![
        "req", "-nodes", "-subj", &subject, "-keyout", &key, "-out", &csr, "-newkey",
    ];
    args.extend(newkey);
    openssl(dir, &args);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            digest,
            "-in",
            &csr,
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-out",
            &pem,
            "-extfile",
            "leaf.ext",
        ],
    );
    let chain = dir.join(format!("{name}-chain.pem"));
    let bytes = [
        std::fs::read(dir.join(&pem)).expect("leaf"),
        std::fs::read(dir.join("root.pem")).expect("root"),
    ]
    .concat();
    std::fs::write(&chain, bytes).expect("write chain");
    (chain, dir.join(key), dir.join("root.pem"))
}

/// An OpenSSL config at security level 0, for a redis-server that must load a weak key or a
/// SHA-1 certificate (set only in that server's environment).
pub fn seclevel0(dir: &Path) -> PathBuf {
    let path = dir.join("seclevel0.cnf");
    std::fs::write(
        &path,
        "openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n\
         [ssl_sect]\nsystem_default = sys\n[sys]\nCipherString = DEFAULT@SECLEVEL=0\n",
    )
    .expect("write openssl.cnf");
    path
}

pub fn redis(cert: &Path, key: &Path, ca: &Path, auth_clients: &str) -> Redis {
    redis_with(cert, key, ca, auth_clients, None)
}

/// A redis-server whose OpenSSL reads `openssl_conf` (via OPENSSL_CONF, in its env only).
pub fn redis_with(
    cert: &Path,
    key: &Path,
    ca: &Path,
    auth_clients: &str,
    openssl_conf: Option<&Path>,
) -> Redis {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut cmd = Command::new("redis-server");
    if let Some(conf) = openssl_conf {
        cmd.env("OPENSSL_CONF", conf);
    }
    let child = cmd
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--tls-cert-file")
        .arg(cert)
        .arg("--tls-key-file")
        .arg(key)
        .arg("--tls-ca-cert-file")
        .arg(ca)
        .args([
            "--tls-auth-clients",
            auth_clients,
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let mut redis = Redis { child, port };
    let start = Instant::now();
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    while !tlsviz::lab::accepts_connections(address, Duration::from_millis(200)) {
        // A server that refused its certificate exits at once: say so instead of waiting.
        if let Ok(Some(status)) = redis.child.try_wait() {
            panic!("redis-server exited ({status}): it could not load its TLS files");
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "redis-server did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    redis
}
