//! Turning what redis-cli or openssl printed into a verdict and the tool's own reason. Pure.

use crate::engine::opinion::{Tool, Verdict};

/// What a finished child left behind.
#[derive(Debug, Clone, Copy)]
pub struct ToolOutput<'a> {
    pub stdout: &'a [u8],
    pub stderr: &'a [u8],
    /// `None` when it was ended by a signal (openssl is always ended by us once it answered).
    pub exit_code: Option<i32>,
    /// The commands sent, PING last (openssl: on stdin; redis-cli: just `PING`).
    pub sent: &'a [String],
}

/// The verdict, and the reason in the tool's own words (one trimmed line).
///
/// Both tools: `ok` when PING got PONG, `failed` otherwise (an error, or a reply Redis never
/// gives to PING, such as an echo of the command). An error reply after a
/// good handshake (`NOAUTH`, `WRONGPASS`) is `failed`: that is what the user's redis-cli decides.
pub fn classify(tool: Tool, out: &ToolOutput) -> (Verdict, Option<String>) {
    match tool {
        Tool::RedisCli => classify_redis_cli(out),
        Tool::Openssl => classify_openssl(out),
    }
}

fn classify_redis_cli(out: &ToolOutput) -> (Verdict, Option<String>) {
    let stdout = String::from_utf8_lossy(out.stdout);
    let stderr = String::from_utf8_lossy(out.stderr);
    // redis-cli's complaint: connection errors, "AUTH failed: …", "SELECT 99 failed: …".
    let complaint = first_line(&stderr).map(strip_redis_cli_framing);
    match first_line(&stdout) {
        // `--no-raw` marks error replies; on a pipe they would otherwise look like data.
        Some(line) if line.starts_with("(error)") => {
            let reply = line.trim_start_matches("(error)").trim().to_string();
            (Verdict::Failed, complaint.or(Some(reply)))
        }
        Some("PONG") => (Verdict::Ok, complaint),
        // Anything else is not Redis answering PING (an echo prints `1) "PING"`).
        Some(other) => (Verdict::Failed, Some(not_pong(other))),
        None => {
            let said = complaint.or_else(|| {
                out.exit_code
                    .map(|code| format!("redis-cli exited with code {code} and printed nothing"))
            });
            (Verdict::Failed, said)
        }
    }
}

/// Drop redis-cli's framing so the reason is OpenSSL's (or the system's) own words:
/// "Could not connect to Redis at 127.0.0.1:6379: SSL_connect failed: certificate verify
/// failed" → "certificate verify failed".
fn strip_redis_cli_framing(line: &str) -> String {
    let mut rest = line;
    if let Some(after) = rest.strip_prefix("Could not connect to Redis at ") {
        // The address has colons but never ": ".
        if let Some(i) = after.find(": ") {
            rest = &after[i + 2..];
        }
    }
    for prefix in [
        "Could not negotiate a TLS connection: ",
        "SSL_connect failed: ",
    ] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    rest.trim().to_string()
}

fn classify_openssl(out: &ToolOutput) -> (Verdict, Option<String>) {
    let replies = parse_replies(out.stdout).replies;
    let Some(ping_at) = out.sent.len().checked_sub(1) else {
        return (Verdict::Failed, None);
    };
    // An earlier command's error, worded as redis-cli words it ("AUTH failed: WRONGPASS …").
    let earlier = replies
        .iter()
        .zip(out.sent)
        .take(ping_at)
        .find(|(r, _)| r.error)
        .map(|(r, cmd)| format!("{} failed: {}", command_name(cmd), r.text));
    match replies.get(ping_at) {
        Some(ping) if ping.error => (Verdict::Failed, earlier.or(Some(ping.text.clone()))),
        Some(ping) if ping.text != "PONG" => (Verdict::Failed, Some(not_pong(&ping.text))),
        Some(_) => (Verdict::Ok, earlier),
        None => {
            let stderr = String::from_utf8_lossy(out.stderr);
            (Verdict::Failed, openssl_reason(&stderr).or(earlier))
        }
    }
}

/// PING's only success is PONG: anything else means the peer is not Redis.
fn not_pong(reply: &str) -> String {
    let shown: String = reply.chars().take(80).collect();
    format!("PING got {shown} back, not PONG: not a Redis server")
}

/// "AUTH alice ***" → "AUTH"; "SELECT 3" → "SELECT 3" (as redis-cli says "SELECT 3 failed").
fn command_name(sent: &str) -> &str {
    if sent.starts_with("AUTH") {
        "AUTH"
    } else {
        sent
    }
}

/// The first thing s_client said that explains a failure, in OpenSSL's words:
/// "verify error:num=20:unable to get local issuer certificate" → the text after the number;
/// "80…:error:0A000086:SSL routines:func:certificate verify failed:file:line:" → the reason field.
pub(crate) fn openssl_reason(stderr: &str) -> Option<String> {
    for line in stderr.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("verify error:") {
            let text = rest.split_once(':').map_or(rest, |(_num, text)| text);
            return Some(text.trim().to_string());
        }
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() >= 6 && fields[1] == "error" {
            // "…:BIO_lookup_ex:system lib:file:line:Name or service not known": the generic
            // "system lib" says less than the data after file and line.
            let data = fields.get(8..).map(|d| d.join(":")).unwrap_or_default();
            if fields[5] == "system lib" && !data.trim().is_empty() {
                return Some(data.trim().to_string());
            }
            return Some(fields[5].trim().to_string());
        }
        let noise = ["depth=", "verify return:", "issuer=", "CONNECTED(", "---"];
        if !noise.iter().any(|n| line.starts_with(n)) {
            return Some(line.to_string());
        }
    }
    None
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub error: bool,
    /// The reply's text, one line ("PONG", "NOAUTH Authentication required.").
    pub text: String,
}

pub(crate) struct Parsed {
    /// Complete top-level replies, in order.
    pub replies: Vec<Reply>,
}

/// RESP replies in `bytes`, as many as are complete. Only what AUTH/SELECT/PING can get back
/// matters; anything else counts as one non-error reply so the count stays right.
pub(crate) fn parse_replies(bytes: &[u8]) -> Parsed {
    let mut replies = Vec::new();
    let mut at = 0;
    while let Some((reply, next)) = parse_one(bytes, at, 0) {
        replies.push(reply);
        at = next;
    }
    Parsed { replies }
}

fn parse_one(bytes: &[u8], at: usize, depth: usize) -> Option<(Reply, usize)> {
    let (line, mut next) = line_at(bytes, at)?;
    let (kind, body) = line.split_first()?;
    let body = String::from_utf8_lossy(body).trim().to_string();
    let reply = |error, text| Reply { error, text };
    match kind {
        b'-' => Some((reply(true, body), next)),
        b'$' | b'=' | b'!' => {
            let len: i64 = body.parse().ok()?;
            if len < 0 {
                return Some((reply(false, "(nil)".to_string()), next));
            }
            let end = next.checked_add(usize::try_from(len).ok()?)?;
            let data = bytes.get(next..end)?;
            if bytes.get(end..end + 2)? != b"\r\n" {
                return None;
            }
            let text = String::from_utf8_lossy(data).trim().to_string();
            Some((reply(*kind == b'!', text), end + 2))
        }
        // A hostile server should not make us recurse deeply: too deep never completes.
        b'*' | b'~' | b'>' | b'%' | b'|' if depth >= 8 => None,
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let count: i64 = body.parse().ok()?;
            // A map's entries are key and value.
            let items = if matches!(kind, b'%' | b'|') {
                count.checked_mul(2)?
            } else {
                count
            };
            for _ in 0..items.max(0) {
                next = parse_one(bytes, next, depth + 1)?.1;
            }
            Some((reply(false, format!("({count} elements)")), next))
        }
        _ => Some((reply(false, body), next)),
    }
}

/// The line starting at `at` without its CRLF, and where the next one starts.
fn line_at(bytes: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = bytes.get(at..)?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..end], at + end + 2))
}
