//! A real `redis-server`, configured by a redis.conf we write, on a free loopback port.

use super::files::{free_port, LabFiles};
use super::{path_str, LabError, LabOptions};
use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const READY_LIMIT: Duration = Duration::from_secs(5);

/// `redis-server`'s version line, if it is installed.
pub fn available() -> Option<String> {
    let out = Command::new("redis-server")
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("v="))?
        .to_string();
    Some(version)
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
        let version =
            available().ok_or_else(|| LabError("redis-server is not installed".into()))?;
        let mut last_error = LabError("redis-server did not start".into());
        // A free port can be taken between our check and Redis's bind: try a few.
        for _ in 0..3 {
            let port = free_port(options.bind)?;
            let conf = full_conf(options, files, shown, port);
            let conf_path = files.dir.join("redis.conf");
            std::fs::write(&conf_path, conf)
                .map_err(|e| LabError(format!("cannot write redis.conf: {e}")))?;
            let mut child = spawn(&conf_path)?;
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
                    last_error = e;
                }
            }
        }
        Err(last_error)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, a short grace period, then SIGKILL; always reaped.
    pub fn stop(mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: signalling our own child, whose pid is still ours until we reap it below.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
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

fn spawn(conf: &std::path::Path) -> Result<Child, LabError> {
    let mut command = Command::new("redis-server");
    command
        .arg(conf)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; it only asks the kernel to kill this child if we
        // die without stopping it (e.g. SIGKILL), so no redis-server outlives tlsviz.
        let parent = libc::pid_t::try_from(std::process::id()).unwrap_or(0);
        unsafe {
            command.pre_exec(move || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                // If tlsviz died before prctl took effect, nobody would ever stop this child.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    spawn_from_lasting_thread(command)
        .map_err(|e| LabError(format!("cannot start redis-server: {e}")))
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
            return Err(LabError(format!(
                "redis-server exited ({status}): {}",
                log_tail(files)
            )));
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(50)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(LabError(format!(
        "redis-server did not listen on {address} within {} s: {}",
        READY_LIMIT.as_secs(),
        log_tail(files)
    )))
}

fn log_tail(files: &LabFiles) -> String {
    let mut text = String::new();
    if let Ok(mut f) = std::fs::File::open(files.dir.join("redis.log")) {
        let _ = f.read_to_string(&mut text);
    }
    text.lines()
        .rev()
        .find(|l| l.contains('#') || l.contains("rror") || l.contains("FATAL"))
        .or_else(|| text.lines().last())
        .unwrap_or("no log")
        .trim()
        .to_string()
}
