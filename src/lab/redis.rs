//! A real `redis-server`, configured by a redis.conf we write, on a free loopback port.

use super::error::FIRST_REDIS_WITH_TLS;
use super::files::{free_port, LabFiles};
use super::{path_str, LabError, LabOptions};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const READY_LIMIT: Duration = Duration::from_secs(5);

/// The installed `redis-server`'s version, if it is one that has TLS.
pub fn version() -> Result<String, LabError> {
    let out = Command::new("redis-server")
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|_| LabError::RedisNotFound)?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("v="))
        .ok_or(LabError::RedisNotFound)?
        .to_string();
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(major) if major < FIRST_REDIS_WITH_TLS => Err(LabError::RedisTooOld { version }),
        _ => Ok(version),
    }
}

/// The configuration lines that matter for the lesson, in redis.conf syntax.
pub fn conf_lines(options: &LabOptions, files: &LabFiles) -> Vec<String> {
    let mut lines = Vec::new();
    if options.tls {
        lines.push("port 0".to_string());
        lines.push("tls-port {PORT}".to_string());
        lines.push(format!("tls-cert-file {}", path_str(&files.server_cert)));
        lines.push(format!("tls-key-file {}", path_str(&files.server_key)));
        lines.push(format!("tls-ca-cert-file {}", path_str(&files.ca_cert)));
        lines.push(format!(
            "tls-auth-clients {}",
            options.auth_clients.conf_word()
        ));
        if let Some(p) = &options.protocols {
            lines.push(format!("tls-protocols \"{p}\""));
        }
        if let Some(c) = &options.ciphers {
            lines.push(format!("tls-ciphers {c}"));
        }
        if let Some(c) = &options.ciphersuites {
            lines.push(format!("tls-ciphersuites {c}"));
        }
        if let Some(caching) = options.session_caching {
            let word = if caching { "yes" } else { "no" };
            lines.push(format!("tls-session-caching {word}"));
        }
        if options.tls12_without_ems {
            // Not a Redis setting: said here (a comment to Redis) so the lines stay the truth.
            lines.push(format!(
                "# started with OPENSSL_CONF={} (Options = -ExtendedMasterSecret)",
                path_str(&files.dir.join(NO_EMS_OPENSSL_CONF))
            ));
        }
    } else {
        lines.push("port {PORT}".to_string());
    }
    if options.requirepass.is_some() {
        // The password itself is written only into the server's private redis.conf.
        lines.push("requirepass ***".to_string());
    }
    // Bound beyond loopback with no password, Redis refuses every command ("protected mode"),
    // unless clients must prove who they are with a certificate from the lab CA.
    if !options.bind.is_loopback()
        && options.requirepass.is_none()
        && options.tls
        && options.auth_clients == super::AuthClients::Yes
    {
        lines.push("protected-mode no".to_string());
    }
    lines
}

pub struct RedisProcess {
    child: Child,
    pub port: u16,
    pub description: String,
}

impl RedisProcess {
    pub fn start(
        options: &LabOptions,
        files: &LabFiles,
        shown: &[String],
    ) -> Result<Self, LabError> {
        let version = version()?;
        // A free port can be taken between our check and Redis's bind: try a few.
        const ATTEMPTS: usize = 3;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port(options.bind)?;
            let conf = full_conf(options, files, shown, port);
            let conf_path = files.dir.join("redis.conf");
            std::fs::write(&conf_path, conf).map_err(|source| LabError::WriteFile {
                path: conf_path.clone(),
                source,
            })?;
            let env = openssl_env(options, files)?;
            let mut child = spawn_env(&conf_path, &[], &env, &files.dir.join(STDERR_FILE))?;
            match wait_ready(&mut child, options.bind, port, files) {
                Ok(()) => {
                    return Ok(RedisProcess {
                        child,
                        port,
                        description: format!("redis-server {version}"),
                    })
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    // A lost race for the port shows as an early exit or silence: try again.
                    // Anything else (no TLS, a bad folder) would only fail the same way.
                    let retry = matches!(
                        e,
                        LabError::RedisExited { .. } | LabError::RedisNotReady { .. }
                    );
                    if !retry || attempt == ATTEMPTS {
                        return Err(e);
                    }
                }
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, a short grace period, then SIGKILL; always reaped.
    pub fn stop(mut self) {
        use nix::sys::signal::{kill, Signal};
        use nix::unistd::Pid;
        // Our own child, whose pid stays ours until we reap it below. If the signal cannot be
        // sent the wait below simply ends in SIGKILL.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn full_conf(options: &LabOptions, files: &LabFiles, shown: &[String], port: u16) -> String {
    let mut conf: Vec<String> = shown
        .iter()
        .map(|l| l.replace("{PORT}", &port.to_string()))
        .filter(|l| !l.starts_with("requirepass"))
        .collect();
    if let Some(pass) = &options.requirepass {
        conf.push(format!("requirepass \"{}\"", pass.replace('"', "\\\"")));
    }
    conf.extend([
        format!("bind {}", options.bind),
        "save \"\"".into(),
        "appendonly no".into(),
        "daemonize no".into(),
        format!("dir {}", path_str(&files.dir)),
        format!("logfile {}", path_str(&files.dir.join("redis.log"))),
        format!("pidfile {}", path_str(&files.dir.join("redis.pid"))),
    ]);
    conf.join("\n") + "\n"
}

/// The OpenSSL config that turns the extended master secret off, in the lab folder.
const NO_EMS_OPENSSL_CONF: &str = "openssl-no-ems.cnf";

/// OpenSSL reads `OPENSSL_CONF` when redis-server initialises it; the `system_default`
/// section then applies to every TLS context redis-server makes. It replaces the system's
/// openssl.cnf for this process only (the lab's certificates need nothing from it).
const NO_EMS_CONF_TEXT: &str = "\
openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -ExtendedMasterSecret
";

/// The environment redis-server starts with beyond tlsviz's own.
fn openssl_env(
    options: &LabOptions,
    files: &LabFiles,
) -> Result<Vec<(&'static str, String)>, LabError> {
    if !options.tls12_without_ems {
        return Ok(Vec::new());
    }
    let path = files.dir.join(NO_EMS_OPENSSL_CONF);
    std::fs::write(&path, NO_EMS_CONF_TEXT).map_err(|source| LabError::WriteFile {
        path: path.clone(),
        source,
    })?;
    Ok(vec![("OPENSSL_CONF", path_str(&path))])
}

/// Where redis-server's stderr goes: configuration errors are printed there, not to its log.
pub(super) const STDERR_FILE: &str = "redis.stderr";

/// Start redis-server on `conf`, with arguments after the config file (`--sentinel`).
pub(super) fn spawn_with(
    conf: &Path,
    extra: &[&str],
    stderr_path: &Path,
) -> Result<Child, LabError> {
    spawn_env(conf, extra, &[], stderr_path)
}

/// [`spawn_with`] with variables added to the environment (`OPENSSL_CONF`).
fn spawn_env(
    conf: &Path,
    extra: &[&str],
    env: &[(&str, String)],
    stderr_path: &Path,
) -> Result<Child, LabError> {
    let stderr = std::fs::File::create(stderr_path).map_err(|source| LabError::WriteFile {
        path: stderr_path.to_path_buf(),
        source,
    })?;
    let mut command = Command::new("redis-server");
    command
        .arg(conf)
        .args(extra)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);
    #[cfg(target_os = "linux")]
    die_with_parent(&mut command);
    spawn_from_lasting_thread(command).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LabError::RedisNotFound,
        _ => LabError::RedisSpawn(e),
    })
}

/// Ask the kernel to SIGKILL the child when its parent dies without stopping it (e.g. tlsviz
/// was SIGKILLed), so no redis-server outlives tlsviz.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use nix::sys::{prctl, signal::Signal};
    use nix::unistd::{getppid, Pid};
    use std::os::unix::process::CommandExt;
    let parent = Pid::this();
    // The crate's one unsafe block: `pre_exec` is unsafe because the closure runs between fork
    // and exec, where only async-signal-safe calls are allowed. prctl and getppid are plain
    // system calls, and the error below is built without allocating.
    #[allow(unsafe_code)]
    unsafe {
        command.pre_exec(move || {
            prctl::set_pdeathsig(Signal::SIGKILL)?;
            // If tlsviz died before prctl took effect, nobody would ever stop this child:
            // failing here makes the child exit before exec.
            if getppid() != parent {
                return Err(nix::errno::Errno::ESRCH.into());
            }
            Ok(())
        });
    }
}

type SpawnRequest = (Command, std::sync::mpsc::Sender<std::io::Result<Child>>);

/// Spawn from one thread that lives as long as the process. The parent-death signal fires when
/// the *thread* that forked exits, not the process: a child spawned from a tokio blocking
/// thread would be killed when that thread is retired after 10 idle seconds.
fn spawn_from_lasting_thread(command: Command) -> std::io::Result<Child> {
    use std::sync::{mpsc, Mutex, OnceLock};
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        // If the thread cannot start, requests fail below with a clear error.
        let _ = std::thread::Builder::new()
            .name("tlsviz-spawner".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    let _ = reply.send(command.spawn());
                }
            });
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = std::sync::mpsc::channel();
    let sent = spawner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((command, reply_tx));
    let gone = || std::io::Error::other("the process-spawning thread is not running");
    sent.map_err(|_| gone())?;
    reply_rx.recv().map_err(|_| gone())?
}

/// Wait until the port accepts connections, or the process dies (its log says why).
fn wait_ready(
    child: &mut Child,
    bind: std::net::IpAddr,
    port: u16,
    files: &LabFiles,
) -> Result<(), LabError> {
    let start = Instant::now();
    let address = SocketAddr::new(bind, port);
    while start.elapsed() < READY_LIMIT {
        if let Ok(Some(status)) = child.try_wait() {
            let log = log_tail(files);
            // Before Redis 7.2, a build without TLS does not know the `tls-port` directive.
            if log.contains("Bad directive") && log.contains(">>> 'tls-port") {
                return Err(LabError::RedisWithoutTls { log });
            }
            return Err(LabError::RedisExited { status, log });
        }
        if super::accepts_connections(address, Duration::from_millis(50)) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(LabError::RedisNotReady {
        address,
        seconds: READY_LIMIT.as_secs(),
        log: log_tail(files),
    })
}

/// What redis-server said last: its stderr (configuration errors) if it wrote any, else the
/// last warning in its log.
fn log_tail(files: &LabFiles) -> String {
    let read = |name: &str| std::fs::read_to_string(files.dir.join(name)).unwrap_or_default();
    let stderr = read(STDERR_FILE);
    let stderr_lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if !stderr_lines.is_empty() {
        // A configuration error is four short lines: keep them all, on one line.
        let from = stderr_lines.len().saturating_sub(4);
        return stderr_lines[from..].join(" ");
    }
    let log = read("redis.log");
    log.lines()
        .rev()
        .find(|l| l.contains('#') || l.contains("rror") || l.contains("FATAL"))
        .or_else(|| log.lines().last())
        .unwrap_or("no log")
        .trim()
        .to_string()
}
