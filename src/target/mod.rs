//! What to connect to: a plain [`TargetSpec`] (built by the CLI from its flags, and by scenarios
//! from their files) turned into a checked [`Target`] with its files loaded. Every problem is a
//! one-line `UsageError` naming the input as the user wrote it.

pub mod load;
mod notes;
mod parse;

pub use load::{open_private_append, pem_labels, read_certificates, read_private_key, TlsOptions};
pub use parse::{check_host, mask_uri_password, parse_port, parse_timeout};

use crate::crosscheck::{CrossCheckSpec, TlsVersionChoice};
use crate::engine::config::TlsVersions;
use crate::engine::Target;
use crate::errors::UsageError;
use parse::parse_uri;
use std::path::PathBuf;

pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 6379;
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What the user asked to connect to, as typed (strings stay strings so errors can quote them):
/// redis-cli's flags, with no clap in sight. The CLI and the scenarios each build one.
#[derive(Debug, Clone, Default)]
pub struct TargetSpec {
    pub host: Option<String>,
    pub port: Option<String>,
    /// redis://[user[:pass]@]host[:port][/db] or rediss:// for TLS.
    pub uri: Option<String>,
    pub db: Option<String>,
    pub tls: bool,
    pub sni: Option<String>,
    pub cacert: Option<PathBuf>,
    pub cacertdir: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure: bool,
    pub user: Option<String>,
    pub pass: Option<String>,
    /// "1.2" or "1.3".
    pub tls_version: Option<String>,
    /// Seconds, as typed (`None`: 5).
    pub timeout: Option<String>,
    pub keylog: Option<PathBuf>,
    /// `--bytes`: keep and name every record's bytes, and show what tlsviz opens.
    pub bytes: bool,
    /// The command sent at step 8 (empty: PING).
    pub command: Vec<String>,
}

impl TargetSpec {
    /// The redis-cli command equivalent to this spec (password masked).
    pub fn redis_cli_line(&self) -> String {
        let mut parts = vec!["redis-cli".to_string()];
        let mut push = |flag: &str, value: Option<String>| {
            if let Some(v) = value {
                parts.push(flag.to_string());
                parts.push(v);
            }
        };
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        push("-h", self.host.clone());
        push("-p", self.port.clone());
        push("-u", self.uri.as_deref().map(mask_uri_password));
        push("--sni", self.sni.clone());
        push("--cacert", path(&self.cacert));
        push("--cacertdir", path(&self.cacertdir));
        push("--cert", path(&self.cert));
        push("--key", path(&self.key));
        push("--user", self.user.clone());
        push("-a", self.pass.as_ref().map(|_| "***".to_string()));
        if self.tls {
            parts.insert(1, "--tls".into());
        }
        if self.insecure {
            parts.push("--insecure".into());
        }
        parts.extend(self.command.iter().cloned());
        parts.join(" ")
    }
}

/// The second opinion's inputs: the same host, port, trust and credentials as `target`, with the
/// user's own file paths (so OpenSSL reads exactly what the user gave).
pub fn cross_check_spec(spec: &TargetSpec, target: &Target) -> CrossCheckSpec {
    let tls = target.tls.as_ref();
    CrossCheckSpec {
        host: crate::engine::bare_host(&target.host).to_string(),
        port: target.port,
        tls: tls.is_some(),
        sni: spec.sni.clone(),
        cacert: spec.cacert.clone(),
        cacertdir: spec.cacertdir.clone(),
        cert: spec.cert.clone(),
        key: spec.key.clone(),
        insecure: tls.is_some_and(|t| t.insecure),
        user: target.user.clone(),
        password: target.password.clone(),
        db: target.db,
        tls_version: match tls.map(|t| t.versions) {
            Some(TlsVersions::Only12) => Some(TlsVersionChoice::V1_2),
            Some(TlsVersions::Only13) => Some(TlsVersionChoice::V1_3),
            Some(TlsVersions::Both) | None => None,
        },
        timeout: target.timeout,
    }
}

/// The same target with a session store its connections share, so that each resumes the
/// session the one before it left (`connect --resume`, a scenario's `resume = true`).
pub fn sharing_sessions(mut target: Target) -> Result<Target, UsageError> {
    let Some(material) = target.tls.take() else {
        return Err(UsageError::new(
            "--resume",
            "there is no TLS session to resume on a plaintext connection",
            "add --tls (or use a rediss:// URL)",
        ));
    };
    target.tls = Some(material.sharing_sessions());
    Ok(target)
}

/// A checked target and the notes its inputs gave (see [`load::load_noted`]).
pub struct Loaded {
    pub target: Target,
    pub notes: Vec<String>,
}

pub fn build(args: &TargetSpec) -> Result<Target, UsageError> {
    build_noted(args).map(|loaded| loaded.target)
}

/// The target, with notes about inputs redis-cli would read differently.
pub fn build_noted(args: &TargetSpec) -> Result<Loaded, UsageError> {
    let mut host = None;
    let mut port = None;
    let mut tls = args.tls;
    let mut user = args.user.clone();
    let mut pass = args.pass.clone();
    let mut db = None;
    if let Some(uri) = &args.uri {
        let parsed = parse_uri(uri)?;
        tls |= parsed.tls;
        host = Some(parsed.host);
        port = parsed.port;
        user = user.or(parsed.user);
        pass = pass.or(parsed.pass);
        db = parsed.db;
    }
    if let Some(h) = &args.host {
        host = Some(check_host(h, "-h")?);
    }
    if let Some(n) = &args.db {
        db = Some(n.trim().parse::<u32>().map_err(|_| {
            UsageError::new(
                format!("-n {n}"),
                "not a database number",
                "e.g. -n 0 (the default) or -n 3",
            )
        })?);
    }
    if let Some(p) = &args.port {
        port = Some(parse_port(p)?);
    }
    let host = host.unwrap_or_else(|| DEFAULT_HOST.to_string());
    let port = port.unwrap_or(DEFAULT_PORT);
    let timeout = match &args.timeout {
        Some(text) => parse_timeout(text)?,
        None => DEFAULT_TIMEOUT,
    };
    let versions = match args.tls_version.as_deref() {
        None => TlsVersions::Both,
        Some("1.2") => TlsVersions::Only12,
        Some("1.3") => TlsVersions::Only13,
        Some(other) => {
            return Err(UsageError::new(
                format!("--tls-version {other}"),
                "unknown TLS version",
                "use 1.2 or 1.3 (older versions are insecure and not supported)",
            ))
        }
    };
    let (server_name, name_flag) = match &args.sni {
        Some(sni) => (check_host(sni, "--sni")?, "--sni"),
        None => (crate::engine::bare_host(&host).to_string(), "-h"),
    };
    // The name must also be one TLS can carry and check (not `1.2.3`, not `foo.123`).
    if tls && rustls::pki_types::ServerName::try_from(server_name.clone()).is_err() {
        return Err(UsageError::new(
            format!("{name_flag} {server_name}"),
            "not a name TLS can check a certificate against",
            "use the server's DNS name or a full IP address",
        ));
    }
    let keylog = args.keylog.clone().or_else(|| {
        std::env::var_os("SSLKEYLOGFILE")
            .filter(|v| !v.is_empty())
            .map(Into::into)
    });
    let mut notes = Vec::new();
    let material = if tls {
        let (material, found) = load::load_noted(&TlsOptions {
            cacert: args.cacert.clone(),
            cacertdir: args.cacertdir.clone(),
            cert: args.cert.clone(),
            key: args.key.clone(),
            insecure: args.insecure,
            versions,
            keylog,
        })?;
        notes = found;
        Some(material)
    } else {
        None
    };
    if let Some(flag) = args.command.first().filter(|c| c.starts_with('-')) {
        return Err(UsageError::new(
            flag.clone(),
            "unknown option",
            "see tlsviz connect --help; options go before the Redis command",
        ));
    }
    let command = if args.command.is_empty() {
        vec!["PING".to_string()]
    } else {
        args.command.clone()
    };
    let target = Target {
        host,
        port,
        server_name,
        tls: material,
        user,
        password: pass,
        db,
        command,
        timeout,
        capture_bytes: args.bytes,
    };
    Ok(Loaded { target, notes })
}

/// Things worth saying before the run that do not stop it.
pub fn warnings(args: &TargetSpec) -> Vec<String> {
    let tls = args.tls
        || args
            .uri
            .as_deref()
            .is_some_and(|u| u.starts_with("rediss://"));
    let tls_flags = args.cacert.is_some()
        || args.cacertdir.is_some()
        || args.cert.is_some()
        || args.key.is_some()
        || args.insecure
        || args.sni.is_some()
        || args.tls_version.is_some();
    let mut out = Vec::new();
    const OPTIONS: &[&str] = &[
        "--plain",
        "--json",
        "--record",
        "--theme",
        "--tls",
        "--sni",
        "--cacert",
        "--cacertdir",
        "--cert",
        "--key",
        "--insecure",
        "--user",
        "--pass",
        "--tls-version",
        "--timeout",
        "--keylog",
        "--repeat",
    ];
    if let Some(flag) = args
        .command
        .iter()
        .skip(1)
        .find(|a| OPTIONS.contains(&a.split('=').next().unwrap_or(a)))
    {
        out.push(format!(
            "{flag} comes after the command, so it is sent to Redis as an argument (as redis-cli \
             would): put options before the command"
        ));
    }
    if !tls && tls_flags {
        out.push(
            "TLS options were given without --tls: they are ignored and this connection is \
             PLAINTEXT (as redis-cli would do). Add --tls to use them."
                .to_string(),
        );
    }
    if args.user.is_some()
        && args.pass.is_none()
        && !args.uri.as_deref().is_some_and(|u| u.contains('@'))
    {
        out.push(
            "--user without a password is not used: AUTH needs one (-a, or REDISCLI_AUTH); the \
             connection stays the default user"
                .to_string(),
        );
    }
    if tls && args.insecure {
        out.push(
            "--insecure: the server's certificate will NOT be verified; anyone in the path could \
             impersonate the server."
                .to_string(),
        );
    }
    out
}
