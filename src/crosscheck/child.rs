//! Running one tool as a child process, bounded: whatever happens, the child is killed and
//! reaped before we return, and killed (SIGKILL via `kill_on_drop`) if our future is dropped.

use super::argv::Invocation;
use crate::engine::opinion::Tool;
use std::path::Path;
use std::process::Stdio;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};
use tokio::time::{timeout_at, Instant};

/// Output kept per stream; the rest is read and thrown away so the child never blocks on a pipe.
const KEEP: usize = 64 * 1024;

pub(crate) struct Finished {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit_code: Option<i32>,
}

pub(crate) enum Ran {
    Finished(Finished),
    TimedOut,
    NotStarted(std::io::Error),
}

fn command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // redis-cli reads commands from stdin when it is not a tty: it must see nothing there.
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

pub(crate) async fn run(inv: &Invocation, deadline: Instant) -> Ran {
    match spawn(inv) {
        Ok(child) => finish(child, inv, deadline).await,
        Err(e) => Ran::NotStarted(e),
    }
}

/// Start the child now (not at the first poll), so it runs while the caller does other work.
/// Dropping the returned child kills it.
pub(crate) fn spawn(inv: &Invocation) -> std::io::Result<Child> {
    let mut cmd = command(&inv.program);
    cmd.args(&inv.args);
    if inv.stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    match (&inv.auth_env, inv.tool) {
        (Some(password), _) => {
            cmd.env("REDISCLI_AUTH", password.as_str());
        }
        // The spec says "no password": one inherited from our own environment must not count.
        (None, Tool::RedisCli) => {
            cmd.env_remove("REDISCLI_AUTH");
        }
        (None, Tool::Openssl) => {}
    }
    cmd.spawn()
}

/// Wait for a spawned child's answer until `deadline`; kill and reap it on time-out.
pub(crate) async fn finish(mut child: Child, inv: &Invocation, deadline: Instant) -> Ran {
    let result = match &inv.stdin {
        None => timeout_at(deadline, until_exit(&mut child)).await,
        Some(payload) => {
            timeout_at(deadline, until_replies(&mut child, payload, inv.sent.len())).await
        }
    };
    match result {
        Ok(finished) => Ran::Finished(finished),
        Err(_elapsed) => {
            // Kill and reap now, so no child outlives `run`.
            let _ = child.kill().await;
            Ran::TimedOut
        }
    }
}

/// redis-cli: it exits by itself once PING is answered (or the handshake failed).
async fn until_exit(child: &mut Child) -> Finished {
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let (stdout, stderr, status) = tokio::join!(read_kept(stdout), read_kept(stderr), child.wait());
    Finished {
        stdout,
        stderr,
        exit_code: status.ok().and_then(|s| s.code()),
    }
}

/// openssl s_client: write the commands, read until every reply is in (or it exits), then end
/// it — with `-quiet` it would otherwise wait for the server forever.
async fn until_replies(child: &mut Child, payload: &[u8], expected: usize) -> Finished {
    if let Some(mut stdin) = child.stdin.take() {
        // A failed write means s_client already gave up; its stderr says why.
        let _ = stdin.write_all(payload).await;
        // Dropping stdin is harmless: -quiet implies -ign_eof.
    }
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let read_out = async {
        let mut kept = Vec::new();
        if let Some(mut out) = stdout {
            let mut buf = [0u8; 4096];
            loop {
                match out.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        kept.extend_from_slice(&buf[..n]);
                        let done = super::classify::parse_replies(&kept).replies.len();
                        if done >= expected || kept.len() > KEEP {
                            break;
                        }
                    }
                }
            }
        }
        // Ends s_client, which also closes its stderr so the read below finishes.
        let _ = child.start_kill();
        kept
    };
    let (stdout, stderr) = tokio::join!(read_out, read_kept(stderr));
    let status = child.wait().await;
    Finished {
        stdout,
        stderr,
        exit_code: status.ok().and_then(|s| s.code()),
    }
}

async fn read_kept<R: AsyncRead + Unpin>(stream: Option<R>) -> Vec<u8> {
    let mut kept = Vec::new();
    let Some(mut stream) = stream else {
        return kept;
    };
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return kept,
            Ok(n) => {
                let room = KEEP.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
}

/// Start asking the tool for its version (`redis-cli --version`, `openssl version`).
pub(crate) fn spawn_version(tool: Tool, program: &Path) -> Option<Child> {
    let arg = match tool {
        Tool::RedisCli => "--version",
        Tool::Openssl => "version",
    };
    let mut cmd = command(program);
    cmd.arg(arg);
    cmd.spawn().ok()
}

/// The tool's version: "7.0.15" for redis-cli, "OpenSSL 3.0.19" (flavour and number) for openssl.
pub(crate) async fn version(tool: Tool, child: Child, deadline: Instant) -> Option<String> {
    let out = timeout_at(deadline, child.wait_with_output())
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_version(tool, &text)
}

pub(crate) fn parse_version(tool: Tool, text: &str) -> Option<String> {
    let mut words = text.split_whitespace();
    match tool {
        // "redis-cli 7.0.15"
        Tool::RedisCli => words.nth(1).map(str::to_string),
        // "OpenSSL 3.0.19 27 Jan 2026 (Library: …)": LibreSSL would say so, which matters.
        Tool::Openssl => {
            let flavour = words.next()?;
            let number = words.next()?;
            Some(format!("{flavour} {number}"))
        }
    }
}
