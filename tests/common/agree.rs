//! The same flags through the real tlsviz binary and the real redis-cli: the second opinion's
//! verdict (`summary.cross_check.verdict`) must be what redis-cli really does, and no output
//! (plain, JSON) may hold Rust debug text.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// redis-server, redis-cli and openssl are all installed; otherwise a loud skip, or a panic
/// with TLSVIZ_REQUIRE_REDIS=1.
pub fn have_tools() -> bool {
    let runs = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let ok = runs("redis-server", "--version")
        && runs("redis-cli", "--version")
        && runs("openssl", "version");
    if !ok && std::env::var("TLSVIZ_REQUIRE_REDIS").is_ok_and(|v| v == "1") {
        panic!("TLSVIZ_REQUIRE_REDIS=1 but redis-server, redis-cli or openssl is not installed");
    }
    if !ok {
        eprintln!("!!! redis-server, redis-cli or openssl missing: real-server test SKIPPED !!!");
    }
    ok
}

/// What a bounded child did.
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run `cmd` with stdin closed, killed (and reaped) after `limit`.
pub fn bounded(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let pipe = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = pipe(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = pipe(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        code,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// What redis-cli really does with `flags` and `PING`: `ok` when it prints PONG (and exits 0),
/// `failed` otherwise (an error, no answer within 5 s, or a reply that is not PONG).
pub fn redis_cli(flags: &[String]) -> (&'static str, Output) {
    let mut cmd = Command::new("redis-cli");
    cmd.args(flags).arg("PING").env_remove("REDISCLI_AUTH");
    let out = bounded(cmd, Duration::from_secs(5));
    let pong = out.stdout.lines().map(str::trim).find(|l| !l.is_empty()) == Some("PONG");
    let verdict = if out.code == Some(0) && pong {
        "ok"
    } else {
        "failed"
    };
    (verdict, out)
}

/// Rust `Debug` output where people should read words: `Some(…)`, `Name { field: … }`,
/// rustls/webpki variant names.
pub fn debug_text(text: &str) -> Option<String> {
    for bad in ["Some(", "(UNIX)", "OtherError", "Context", "None)"] {
        if text.contains(bad) {
            return Some(bad.to_string());
        }
    }
    for (at, _) in text.match_indices(" { ") {
        let after = &text[at + 3..];
        let field: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !field.is_empty() && after[field.len()..].starts_with(": ") && after.contains(" }") {
            return Some(format!("{{ {field}: … }}"));
        }
    }
    None
}

fn strings<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// What tlsviz and redis-cli made of one setup.
pub struct Compared {
    /// `tlsviz connect --json`'s summary line.
    pub summary: serde_json::Value,
    pub json: Output,
    pub plain: Output,
    pub redis_cli: Output,
}

impl Compared {
    /// `summary.error.kind`, or "" on success.
    pub fn kind(&self) -> &str {
        self.summary["error"]["kind"].as_str().unwrap_or_default()
    }
}

/// `tlsviz connect --json|--plain FLAGS PING` and `redis-cli FLAGS PING`: the second opinion's
/// verdict equals redis-cli's, and no output holds debug text.
pub fn compare(flags: &[String]) -> Compared {
    let (truth, cli) = redis_cli(flags);
    let run = |face: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tlsviz"));
        cmd.arg("connect")
            .arg(face)
            .args(flags)
            .arg("PING")
            .env("NO_COLOR", "1")
            .env_remove("SSLKEYLOGFILE")
            .env_remove("REDISCLI_AUTH");
        bounded(cmd, Duration::from_secs(30))
    };
    let (json, plain) = (run("--json"), run("--plain"));
    let context = format!(
        "flags {flags:?}\nredis-cli ({truth}): {} {}\ntlsviz --json:\n{}\n{}",
        cli.stdout, cli.stderr, json.stdout, json.stderr
    );
    let summary: serde_json::Value = json
        .stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON summary\n{context}"));
    assert_eq!(summary["type"], "summary", "{context}");
    assert_eq!(
        summary["cross_check"]["verdict"], truth,
        "the second opinion is not what redis-cli does\n{context}"
    );
    for line in json.stdout.lines() {
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{context}"));
        let mut texts = Vec::new();
        strings(&value, &mut texts);
        for text in texts {
            if let Some(bad) = debug_text(text) {
                panic!("debug text {bad:?} in JSON: {text}\n{context}");
            }
        }
    }
    for (name, text) in [
        ("plain stdout", &plain.stdout),
        ("plain stderr", &plain.stderr),
        ("json stderr", &json.stderr),
    ] {
        if let Some(bad) = debug_text(text) {
            panic!("debug text {bad:?} in {name}:\n{text}");
        }
    }
    eprintln!(
        "agree: redis-cli {truth:6} | cross_check {} | tlsviz {} agrees {} | {}",
        summary["cross_check"]["verdict"],
        summary["error"]["kind"],
        summary["cross_check"]["agrees"],
        flags.join(" ")
    );
    Compared {
        summary,
        json,
        plain,
        redis_cli: cli,
    }
}

/// `--tls -h localhost -p PORT` and the rest, as owned strings.
pub fn flags(port: u16, rest: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = ["--tls", "-h", "localhost", "-p"]
        .map(String::from)
        .to_vec();
    out.push(port.to_string());
    out.extend(rest.iter().map(|s| s.to_string()));
    out
}
