//! The lab's private folder (0700) and the certificate and key files in it (keys 0600).

use super::certs::{make_ca, make_leaf, Issued, LeafSpec};
use super::{LabError, LabOptions, ServerIssuer};
use std::io::Write;
use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};

/// The lab CA's organisation: its intermediate shares it, the untrusted CA does not.
pub const LAB_ORG: &str = "tlsviz lab";

#[derive(Debug, Clone)]
pub struct LabFiles {
    pub dir: PathBuf,
    /// The lab CA: trusted by the client (`--cacert`) and by the server for client certificates.
    pub ca_cert: PathBuf,
    /// A second CA nobody trusts.
    pub other_ca_cert: PathBuf,
    /// The server's certificate file (with the intermediate when the chain is sent).
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// The client certificate signed by the lab CA.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A client certificate signed by the other CA.
    pub other_client_cert: PathBuf,
    pub other_client_key: PathBuf,
    /// A client certificate from the lab CA whose extendedKeyUsage lacks clientAuth.
    pub noauth_client_cert: PathBuf,
    pub noauth_client_key: PathBuf,
    /// DER of the server chain as served, and the server key, for the built-in servers.
    pub server_chain_der: Vec<Vec<u8>>,
    pub server_key_der: Vec<u8>,
    removed: bool,
}

fn lab_error(what: &'static str) -> impl Fn(rcgen::Error) -> LabError {
    move |source| LabError::Certificate { what, source }
}

impl LabFiles {
    pub fn create(options: &LabOptions) -> Result<LabFiles, LabError> {
        let dir = private_dir()?;
        // From here on, a failure must not leave the folder behind.
        match Self::fill(&dir, options) {
            Ok(files) => Ok(files),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                Err(e)
            }
        }
    }

    fn fill(dir: &Path, options: &LabOptions) -> Result<LabFiles, LabError> {
        let ca = make_ca(LAB_ORG, "tlsviz Lab CA", None).map_err(lab_error("lab CA"))?;
        let other_ca =
            make_ca("Another Org", "Untrusted Other CA", None).map_err(lab_error("other CA"))?;
        let names: Vec<&str> = options
            .server_cert
            .names
            .iter()
            .map(String::as_str)
            .collect();
        let mut spec = LeafSpec::server(&names);
        spec.validity = options.server_cert.validity;
        spec.key = options.server_cert.key;
        if spec.names.is_empty() {
            spec.common_name = "redis server".into();
        }
        let intermediate;
        let (server, chain_extra): (Issued, Option<&Issued>) = match options.server_cert.issuer {
            ServerIssuer::LabCa => (
                make_leaf(&spec, Some(&ca)).map_err(lab_error("server certificate"))?,
                None,
            ),
            ServerIssuer::OtherCa => (
                make_leaf(&spec, Some(&other_ca)).map_err(lab_error("server certificate"))?,
                None,
            ),
            ServerIssuer::SelfSigned => (
                make_leaf(&spec, None).map_err(lab_error("server certificate"))?,
                None,
            ),
            ServerIssuer::IntermediateLeafOnly | ServerIssuer::IntermediateFullChain => {
                intermediate = make_ca(LAB_ORG, "tlsviz Lab Intermediate CA", Some(&ca))
                    .map_err(lab_error("intermediate CA"))?;
                let leaf = make_leaf(&spec, Some(&intermediate))
                    .map_err(lab_error("server certificate"))?;
                let extra = (options.server_cert.issuer == ServerIssuer::IntermediateFullChain)
                    .then_some(&intermediate);
                (leaf, extra)
            }
        };
        let client = make_leaf(&LeafSpec::client("tlsviz lab client"), Some(&ca))
            .map_err(lab_error("client certificate"))?;
        let other_client = make_leaf(&LeafSpec::client("stranger client"), Some(&other_ca))
            .map_err(lab_error("other client certificate"))?;
        let mut server_only = LeafSpec::client("server-only client");
        server_only.server_auth = true;
        server_only.client_auth = false;
        let noauth_client =
            make_leaf(&server_only, Some(&ca)).map_err(lab_error("client certificate"))?;

        let path = |name: &str| dir.join(name);
        let mut server_pem = server.cert_pem();
        let mut server_chain_der = vec![server.cert.der().to_vec()];
        if let Some(extra) = chain_extra {
            server_pem.push_str(&extra.cert_pem());
            server_chain_der.push(extra.cert.der().to_vec());
        }
        write_file(&path("ca.crt"), &ca.cert_pem(), false)?;
        write_file(&path("other-ca.crt"), &other_ca.cert_pem(), false)?;
        write_file(&path("server.crt"), &server_pem, false)?;
        write_file(&path("server.key"), &server.key_pem(), true)?;
        write_file(&path("client.crt"), &client.cert_pem(), false)?;
        write_file(&path("client.key"), &client.key_pem(), true)?;
        write_file(&path("other-client.crt"), &other_client.cert_pem(), false)?;
        write_file(&path("other-client.key"), &other_client.key_pem(), true)?;
        write_file(&path("noauth-client.crt"), &noauth_client.cert_pem(), false)?;
        write_file(&path("noauth-client.key"), &noauth_client.key_pem(), true)?;
        Ok(LabFiles {
            dir: dir.to_path_buf(),
            ca_cert: path("ca.crt"),
            other_ca_cert: path("other-ca.crt"),
            server_cert: path("server.crt"),
            server_key: path("server.key"),
            client_cert: path("client.crt"),
            client_key: path("client.key"),
            other_client_cert: path("other-client.crt"),
            other_client_key: path("other-client.key"),
            noauth_client_cert: path("noauth-client.crt"),
            noauth_client_key: path("noauth-client.key"),
            server_chain_der,
            server_key_der: server.key.serialize_der(),
            removed: false,
        })
    }

    pub fn remove(&mut self) {
        if !self.removed {
            let _ = std::fs::remove_dir_all(&self.dir);
            self.removed = true;
        }
    }
}

/// A fresh folder only we can enter.
pub(super) fn private_dir() -> Result<PathBuf, LabError> {
    let root = super::lab_root();
    sweep_stale(&root);
    let mut random = [0u8; 6];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
        .map_err(|_| LabError::NoRandomness)?;
    let name = format!("tlsviz-lab-{}", crate::engine::records::hex(&random));
    let dir = root.join(name);
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(&dir)
        .map_err(|source| LabError::CreateFolder { path: root, source })?;
    // Who owns this folder: a later lab removes it if this process died without cleaning up.
    let _ = std::fs::write(dir.join(OWNER_FILE), std::process::id().to_string());
    Ok(dir)
}

const OWNER_FILE: &str = "owner.pid";

/// Remove lab folders left by a tlsviz that was killed outright (SIGKILL cannot be caught;
/// its redis-server died with it through the parent-death signal).
fn sweep_stale(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_lab = entry
            .file_name()
            .to_string_lossy()
            .starts_with("tlsviz-lab-");
        if !is_lab || !path.is_dir() {
            continue;
        }
        let owner = std::fs::read_to_string(path.join(OWNER_FILE))
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok());
        if let Some(pid) = owner {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

pub(super) fn write_file(path: &Path, contents: &str, secret: bool) -> Result<(), LabError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    let cannot_write = |source| LabError::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let mut file = options.open(path).map_err(cannot_write)?;
    file.write_all(contents.as_bytes()).map_err(cannot_write)
}

/// A free port on `bind`, reserved only long enough to read its number.
pub fn free_port(bind: IpAddr) -> Result<u16, LabError> {
    let listener = TcpListener::bind((bind, 0)).map_err(|e| LabError::listen(bind, e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| LabError::listen(bind, e))
}

/// A port with nothing listening on it.
pub fn closed_port(bind: IpAddr) -> Result<u16, LabError> {
    free_port(bind)
}
