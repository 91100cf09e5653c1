//! Test helpers: certificates made with the openssl CLI, redis-server, a silent listener.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A temp folder with a root CA, an intermediate, a leaf (SAN localhost, 127.0.0.1) signed
/// by the intermediate, a client certificate, an unrelated "wrong" root, the root in DER,
/// and CA folders with and without `openssl rehash`. Removed on drop.
pub struct Pki {
    pub dir: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
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

const EC: [&str; 4] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];

impl Pki {
    pub fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tlsviz-cc-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let pki = Pki { dir };
        let d = pki.dir.as_path();
        let ca_ext = [
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ];
        for (name, cn) in [("root", "/CN=cc root"), ("wrong", "/CN=cc wrong root")] {
            let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
            let mut args = vec![
                "req", "-x509", "-nodes", "-days", "30", "-subj", cn, "-keyout", &key, "-out", &pem,
            ];
            args.extend(EC);
            args.extend(ca_ext);
            openssl(d, &args);
        }
        std::fs::write(
            d.join("int.ext"),
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
        )
        .expect("write");
        std::fs::write(
            d.join("leaf.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write");
        std::fs::write(d.join("client.ext"), "extendedKeyUsage=clientAuth\n").expect("write");
        for (name, cn, issuer) in [
            ("int", "/CN=cc intermediate", "root"),
            ("leaf", "/CN=localhost", "int"),
            ("client", "/CN=cc client", "root"),
        ] {
            let (key, csr, pem, ext) = (
                format!("{name}.key"),
                format!("{name}.csr"),
                format!("{name}.pem"),
                format!("{name}.ext"),
            );
            let mut args = vec!["req", "-nodes", "-subj", cn, "-keyout", &key, "-out", &csr];
            args.extend(EC);
            openssl(d, &args);
            let (ca, ca_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    &ca,
                    "-CAkey",
                    &ca_key,
                    "-CAcreateserial",
                    "-days",
                    "30",
                    "-out",
                    &pem,
                    "-extfile",
                    &ext,
                ],
            );
        }
        let chain = [pki.read("leaf.pem"), pki.read("int.pem")].concat();
        std::fs::write(d.join("chain.pem"), chain).expect("write");
        openssl(
            d,
            &[
                "x509", "-in", "root.pem", "-outform", "DER", "-out", "root.der",
            ],
        );
        for folder in ["cadir_norehash", "cadir_rehash"] {
            std::fs::create_dir_all(d.join(folder)).expect("mkdir");
            std::fs::copy(d.join("root.pem"), d.join(folder).join("root.pem")).expect("copy");
        }
        openssl(d, &["rehash", "cadir_rehash"]);
        pki
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.file(name)).expect("read")
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// redis-server with TLS on a free port, serving leaf + intermediate. Killed on drop.
pub struct RedisTls {
    child: Child,
    pub port: u16,
}

impl RedisTls {
    pub fn start(pki: &Pki, extra: &[&str]) -> Self {
        Self::start_with(pki, true, extra)
    }

    /// The same server speaking plaintext (a TLS client gets no answer).
    pub fn start_plain(pki: &Pki) -> Self {
        Self::start_with(pki, false, &[])
    }

    fn start_with(pki: &Pki, tls: bool, extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let ports = match tls {
            true => format!("port 0\ntls-port {port}"),
            false => format!("port {port}"),
        };
        let conf = format!(
            "{ports}\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndir {dir}\n\
             tls-cert-file {chain}\ntls-key-file {key}\ntls-ca-cert-file {ca}\n\
             tls-auth-clients optional\n{extra}\n",
            dir = pki.dir.display(),
            chain = pki.file("chain.pem").display(),
            key = pki.file("leaf.key").display(),
            ca = pki.file("root.pem").display(),
            extra = extra.join("\n"),
        );
        let conf_path = pki.file(&format!("redis-{port}.conf"));
        std::fs::write(&conf_path, conf).expect("write redis.conf");
        let child = Command::new("redis-server")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let redis = RedisTls { child, port };
        let deadline = Instant::now() + Duration::from_secs(5);
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        while !tlsviz::lab::accepts_connections(address, Duration::from_millis(200)) {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }
}

impl Drop for RedisTls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Accepts connections and never says a word (nor closes them).
pub struct Silent {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Silent {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        Silent { port, task }
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Our own child processes whose command line mentions `port`.
pub fn children_mentioning(port: u16) -> Vec<u32> {
    let me = std::process::id();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if ppid == Some(me) && String::from_utf8_lossy(&cmdline).contains(&port.to_string()) {
            found.push(pid);
        }
    }
    found
}

pub fn pid_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}
