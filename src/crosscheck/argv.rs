//! The command lines: redis-cli with the user's own flags, or `openssl s_client` made to decide
//! the way redis-cli (hiredis) does. Secrets never go into argv.

use super::spec::{CrossCheckSpec, TlsVersionChoice};
use crate::engine::opinion::Tool;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// One child process to run, and how to show it.
pub(crate) struct Invocation {
    pub tool: Tool,
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// For `REDISCLI_AUTH` (redis-cli reads the password from there; argv is visible in `ps`).
    pub auth_env: Option<Zeroizing<String>>,
    /// Written to the child's stdin (openssl): RESP commands, possibly with the password.
    pub stdin: Option<Zeroizing<Vec<u8>>>,
    /// What the stdin commands were, password masked (`AUTH alice ***`, `SELECT 3`, `PING`).
    pub sent: Vec<String>,
    /// The command line shown to the user, password masked.
    pub display: String,
}

/// redis-cli exactly as the user would run it, with `PING` instead of their command (theirs may
/// not be idempotent). `--no-raw` makes an error reply recognisable (`(error) …`) on a pipe.
/// redis-cli 7.0 has no flag to force a TLS version: with one forced, openssl is preferred (see
/// `start_with_tools`); when redis-cli is all there is, the command shown says it negotiated
/// its own version.
pub(crate) fn redis_cli(program: &Path, spec: &CrossCheckSpec) -> Invocation {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |a: &str| args.push(a.into());
    push("--tls");
    push("-h");
    push(&spec.host);
    push("-p");
    push(&spec.port.to_string());
    if let Some(sni) = &spec.sni {
        push("--sni");
        push(sni);
    }
    path_flag(&mut args, "--cacert", spec.cacert.as_deref());
    path_flag(&mut args, "--cacertdir", spec.cacertdir.as_deref());
    path_flag(&mut args, "--cert", spec.cert.as_deref());
    path_flag(&mut args, "--key", spec.key.as_deref());
    let mut push = |a: &str| args.push(a.into());
    if spec.insecure {
        push("--insecure");
    }
    if let Some(user) = &spec.user {
        push("--user");
        push(user);
    }
    if let Some(db) = spec.db {
        push("-n");
        push(&db.to_string());
    }
    push("--no-raw");
    push("PING");
    let env_shown = if spec.password.is_some() {
        "REDISCLI_AUTH=*** "
    } else {
        ""
    };
    let unforced = if spec.tls_version.is_some() {
        " (redis-cli cannot force a TLS version: it negotiated its own)"
    } else {
        ""
    };
    let display = format!(
        "{env_shown}{}{unforced}",
        shell_line(Tool::RedisCli.program(), &args)
    );
    Invocation {
        tool: Tool::RedisCli,
        program: program.to_path_buf(),
        args,
        auth_env: spec.password.clone().map(Zeroizing::new),
        stdin: None,
        sent: vec!["PING".to_string()],
        display,
    }
}

/// `openssl s_client` deciding like hiredis: no hostname check, SNI only with `--sni`, only the
/// given CA file/folder trusted (hiredis loads the default store only when neither is given),
/// verification failure fatal unless `--insecure`. AUTH/SELECT/PING go in as RESP on stdin.
pub(crate) fn openssl(program: &Path, spec: &CrossCheckSpec) -> Invocation {
    let host = if spec.host.contains(':') {
        format!("[{}]", spec.host)
    } else {
        spec.host.clone()
    };
    let mut args: Vec<OsString> = Vec::new();
    let push = |args: &mut Vec<OsString>, a: &str| args.push(a.into());
    for a in ["s_client", "-connect"] {
        push(&mut args, a);
    }
    push(&mut args, &format!("{host}:{}", spec.port));
    // -quiet: only the server's bytes on stdout (and stdin EOF does not end the session);
    // -nocommands: a line starting with Q or R is data, not "quit"/"renegotiate".
    for a in ["-quiet", "-nocommands", "-verify_quiet"] {
        push(&mut args, a);
    }
    match &spec.sni {
        Some(sni) => {
            push(&mut args, "-servername");
            push(&mut args, sni);
        }
        None => push(&mut args, "-noservername"),
    }
    path_flag(&mut args, "-CAfile", spec.cacert.as_deref());
    path_flag(&mut args, "-CApath", spec.cacertdir.as_deref());
    // s_client otherwise adds the system's defaults next to a given file or folder.
    if spec.cacert.is_some() || spec.cacertdir.is_some() {
        if spec.cacert.is_none() {
            push(&mut args, "-no-CAfile");
        }
        if spec.cacertdir.is_none() {
            push(&mut args, "-no-CApath");
        }
        push(&mut args, "-no-CAstore");
    }
    path_flag(&mut args, "-cert", spec.cert.as_deref());
    path_flag(&mut args, "-key", spec.key.as_deref());
    if !spec.insecure {
        push(&mut args, "-verify_return_error");
    }
    match spec.tls_version {
        Some(TlsVersionChoice::V1_2) => push(&mut args, "-tls1_2"),
        Some(TlsVersionChoice::V1_3) => push(&mut args, "-tls1_3"),
        None => {}
    }

    let mut payload = Zeroizing::new(Vec::new());
    let mut sent = Vec::new();
    if let Some(password) = &spec.password {
        // Like redis-cli: AUTH user pass with --user, else AUTH pass.
        let mut parts: Vec<&[u8]> = vec![b"AUTH"];
        if let Some(user) = &spec.user {
            parts.push(user.as_bytes());
        }
        parts.push(password.as_bytes());
        resp_array(&mut payload, &parts);
        sent.push(match &spec.user {
            Some(user) => format!("AUTH {user} ***"),
            None => "AUTH ***".to_string(),
        });
    }
    if let Some(db) = spec.db {
        let db = db.to_string();
        resp_array(&mut payload, &[b"SELECT", db.as_bytes()]);
        sent.push(format!("SELECT {db}"));
    }
    resp_array(&mut payload, &[b"PING"]);
    sent.push("PING".to_string());
    let display = format!(
        "{} (stdin: {})",
        shell_line(Tool::Openssl.program(), &args),
        sent.join("; ")
    );
    Invocation {
        tool: Tool::Openssl,
        program: program.to_path_buf(),
        args,
        auth_env: None,
        stdin: Some(payload),
        sent,
        display,
    }
}

fn path_flag(args: &mut Vec<OsString>, flag: &str, path: Option<&Path>) {
    if let Some(path) = path {
        args.push(flag.into());
        args.push(path.as_os_str().to_owned());
    }
}

/// A RESP array of bulk strings: any byte (space, CR, a leading "Q") is safe inside.
fn resp_array(out: &mut Vec<u8>, parts: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", parts.len()).as_bytes());
    for part in parts {
        out.extend_from_slice(format!("${}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
}

/// The command as a POSIX shell line the user can paste.
pub(crate) fn shell_line(program: &str, args: &[OsString]) -> String {
    let mut line = program.to_string();
    for arg in args {
        line.push(' ');
        line.push_str(&shell_quote(&arg.to_string_lossy()));
    }
    line
}

fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
