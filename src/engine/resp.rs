//! Just enough RESP (the Redis protocol) to send one command and read one reply.

/// Encode a command as a RESP array of bulk strings.
pub fn encode(args: &[String]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The arguments with every secret replaced by `***`: what may be shown, recorded or logged.
pub fn redacted_args(args: &[String]) -> Vec<String> {
    let mut shown: Vec<String> = args.to_vec();
    let upper = |i: usize| {
        args.get(i)
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default()
    };
    let mut hide = |i: usize| {
        if let Some(a) = shown.get_mut(i) {
            *a = "***".into();
        }
    };
    match upper(0).as_str() {
        // AUTH pass | AUTH user pass
        "AUTH" if args.len() >= 2 => hide(args.len() - 1),
        // HELLO 3 AUTH user pass
        "HELLO" => (1..args.len())
            .filter(|&i| upper(i) == "AUTH")
            .for_each(|i| hide(i + 2)),
        "CONFIG"
            if upper(1) == "SET" && matches!(upper(2).as_str(), "REQUIREPASS" | "MASTERAUTH") =>
        {
            hide(3)
        }
        // ACL SETUSER name >password <password #hash !hash
        "ACL" if upper(1) == "SETUSER" => (3..args.len())
            .filter(|&i| args[i].starts_with(['>', '<', '#', '!']))
            .for_each(&mut hide),
        // MIGRATE … AUTH password | AUTH2 user password
        "MIGRATE" => {
            for i in 1..args.len() {
                match upper(i).as_str() {
                    "AUTH" => hide(i + 1),
                    "AUTH2" => hide(i + 2),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    shown
}

/// A command as it may be shown: the secrets replaced by `***`, arguments quoted where needed.
pub fn redact(args: &[String]) -> String {
    redacted_args(args)
        .iter()
        .map(|a| if a == "***" { a.clone() } else { quote(a) })
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote(arg: &str) -> String {
    if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_graphic() && c != '"') {
        arg.to_string()
    } else {
        format!("{arg:?}")
    }
}

impl NotRedis {
    pub fn failure(self, step: super::step::Step) -> super::events::Failure {
        super::events::Failure::NotRedis {
            step,
            first_bytes_hex: self.first_bytes_hex,
            first_bytes_text: self.first_bytes_text,
            lookalike: self.lookalike,
        }
    }
}

/// A parsed reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
    /// RESP3 types we only show as text.
    Other(String),
}

impl Reply {
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// As redis-cli would print it.
    pub fn display(&self) -> String {
        match self {
            Reply::Simple(s) | Reply::Other(s) => s.clone(),
            Reply::Error(e) => format!("(error) {e}"),
            Reply::Integer(i) => format!("(integer) {i}"),
            Reply::Bulk(None) | Reply::Array(None) => "(nil)".into(),
            // Multi-line text (INFO, CLIENT LIST) reads best as it is, like redis-cli prints it.
            Reply::Bulk(Some(b)) if b.contains(&b'\n') => String::from_utf8_lossy(b)
                .replace("\r\n", "\n")
                .trim_end()
                .to_string(),
            Reply::Bulk(Some(b)) => format!("{:?}", String::from_utf8_lossy(b)),
            Reply::Array(Some(items)) if items.is_empty() => "(empty array)".into(),
            Reply::Array(Some(items)) => items
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{}) {}", i + 1, r.display()))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// What a peer that does not speak RESP most likely is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lookalike {
    Smtp,
    Ftp,
    /// A `220` greeting that does not say which.
    SmtpOrFtp,
    Http,
    Ssh,
    Imap,
    /// The exact bytes of the command came back.
    Echo,
    Unknown,
}

impl Lookalike {
    /// Guess from the first bytes (never certain: a banner can say anything).
    pub fn guess(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]).to_ascii_uppercase();
        if text.starts_with("HTTP/") {
            Lookalike::Http
        } else if text.starts_with("SSH-") {
            Lookalike::Ssh
        } else if text.starts_with("* OK") {
            Lookalike::Imap
        } else if text.starts_with("220") {
            if text.contains("FTP") {
                Lookalike::Ftp
            } else if text.contains("SMTP") || text.contains("MAIL") {
                Lookalike::Smtp
            } else {
                Lookalike::SmtpOrFtp
            }
        } else {
            Lookalike::Unknown
        }
    }

    /// In words, for "the reply looks like …".
    pub fn describe(self) -> &'static str {
        match self {
            Lookalike::Smtp => "an SMTP (mail server) greeting",
            Lookalike::Ftp => "an FTP server greeting",
            Lookalike::SmtpOrFtp => "a 220 greeting, as SMTP and FTP servers send",
            Lookalike::Http => "an HTTP response (a web server or proxy)",
            Lookalike::Ssh => "an SSH server banner",
            Lookalike::Imap => "an IMAP server greeting",
            Lookalike::Echo => "the command itself, sent back byte for byte (an echo server)",
            Lookalike::Unknown => "bytes that are not the Redis protocol (RESP)",
        }
    }
}

/// What came back instead of a Redis reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRedis {
    pub lookalike: Lookalike,
    pub first_bytes_hex: String,
    pub first_bytes_text: String,
}

/// Parse the reply to `sent` from the start of `buf`, as [`parse`] does, but refuse what only a
/// peer that is not Redis sends: bytes that are not RESP, or `sent` itself echoed back. `shown`
/// is `sent` with its secrets masked: an echo is reported with those bytes, never the password.
pub fn read_reply(
    buf: &[u8],
    sent: &[u8],
    shown: &[u8],
) -> Result<Option<(Reply, usize)>, NotRedis> {
    let first = |bytes: &[u8]| {
        let head = &bytes[..bytes.len().min(32)];
        (super::records::hex(head), super::probe::printable(bytes))
    };
    match parse(buf) {
        Ok(Some((_, used))) if !sent.is_empty() && buf[..used] == *sent => {
            let (first_bytes_hex, first_bytes_text) = first(shown);
            Err(NotRedis {
                lookalike: Lookalike::Echo,
                first_bytes_hex,
                first_bytes_text,
            })
        }
        Ok(reply) => Ok(reply),
        Err(ParseError::Invalid) => {
            let (first_bytes_hex, first_bytes_text) = first(buf);
            Err(NotRedis {
                lookalike: Lookalike::guess(buf),
                first_bytes_hex,
                first_bytes_text,
            })
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not RESP at all (the bytes are shown to the user).
    Invalid,
}

/// Parse one reply from the start of `buf`: `Ok(Some((reply, used)))`, or `Ok(None)` when more
/// bytes are needed.
pub fn parse(buf: &[u8]) -> Result<Option<(Reply, usize)>, ParseError> {
    parse_at(buf, 0, 0)
}

const MAX_DEPTH: usize = 32;

fn parse_at(buf: &[u8], pos: usize, depth: usize) -> Result<Option<(Reply, usize)>, ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError::Invalid);
    }
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    // Judge the type byte at once: a non-Redis peer is recognised without waiting for a line.
    if !b"+-:_#,($=!*%~>".contains(&kind) {
        return Err(ParseError::Invalid);
    }
    let Some(line_end) = find_crlf(buf, pos + 1) else {
        return Ok(None);
    };
    let line = String::from_utf8_lossy(&buf[pos + 1..line_end]).into_owned();
    let after = line_end + 2;
    match kind {
        b'+' => Ok(Some((Reply::Simple(line), after))),
        b'-' => Ok(Some((Reply::Error(line), after))),
        b':' => line
            .parse()
            .map(|i| Some((Reply::Integer(i), after)))
            .map_err(|_| ParseError::Invalid),
        b'_' => Ok(Some((Reply::Bulk(None), after))),
        b'#' | b',' | b'(' => Ok(Some((Reply::Other(line), after))),
        b'$' | b'=' | b'!' => {
            let len: i64 = line.parse().map_err(|_| ParseError::Invalid)?;
            if len < 0 {
                return Ok(Some((Reply::Bulk(None), after)));
            }
            let len = usize::try_from(len).map_err(|_| ParseError::Invalid)?;
            let end = after.checked_add(len).ok_or(ParseError::Invalid)?;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            let body = buf[after..end].to_vec();
            if kind == b'!' {
                return Ok(Some((
                    Reply::Error(String::from_utf8_lossy(&body).into()),
                    end + 2,
                )));
            }
            Ok(Some((Reply::Bulk(Some(body)), end + 2)))
        }
        b'*' | b'%' | b'~' | b'>' => {
            let count: i64 = line.parse().map_err(|_| ParseError::Invalid)?;
            if count < 0 {
                return Ok(Some((Reply::Array(None), after)));
            }
            let count = usize::try_from(count).map_err(|_| ParseError::Invalid)?;
            let count = if kind == b'%' {
                count.saturating_mul(2)
            } else {
                count
            };
            let mut items = Vec::new();
            let mut at = after;
            for _ in 0..count {
                match parse_at(buf, at, depth + 1)? {
                    Some((item, next)) => {
                        items.push(item);
                        at = next;
                    }
                    None => return Ok(None),
                }
            }
            Ok(Some((Reply::Array(Some(items)), at)))
        }
        _ => Err(ParseError::Invalid),
    }
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_command() {
        assert_eq!(encode(&["PING".into()]), b"*1\r\n$4\r\nPING\r\n");
    }

    #[test]
    fn parses_replies_and_waits_for_more() {
        assert_eq!(
            parse(b"+PONG\r\n"),
            Ok(Some((Reply::Simple("PONG".into()), 7)))
        );
        assert_eq!(parse(b"+PON"), Ok(None));
        assert_eq!(parse(b"$5\r\nhel"), Ok(None));
        assert_eq!(parse(b"$-1\r\n"), Ok(Some((Reply::Bulk(None), 5))));
        let (arr, used) = parse(b"*2\r\n:1\r\n$1\r\na\r\n").unwrap().unwrap();
        assert_eq!(used, 15);
        assert_eq!(arr.display(), "1) (integer) 1\n2) \"a\"");
        assert_eq!(parse(b"HTTP/1.1 400"), Err(ParseError::Invalid));
    }

    #[test]
    fn redacts_passwords() {
        let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(redact(&args("AUTH secret")), "AUTH ***");
        assert_eq!(redact(&args("AUTH alice secret")), "AUTH alice ***");
        assert_eq!(
            redact(&args("HELLO 3 AUTH alice secret")),
            "HELLO 3 AUTH alice ***"
        );
        assert_eq!(
            redact(&args("CONFIG SET requirepass hunter2")),
            "CONFIG SET requirepass ***"
        );
        assert_eq!(redact(&args("GET key")), "GET key");
        assert_eq!(
            redact(&args("ACL SETUSER bob on >hunter2 ~* +@all")),
            "ACL SETUSER bob on *** ~* +@all"
        );
        assert_eq!(
            redact(&args("MIGRATE h 6379 k 0 5000 AUTH2 bob hunter2")),
            "MIGRATE h 6379 k 0 5000 AUTH2 bob ***"
        );
        assert_eq!(
            redact(&args("MIGRATE h 6379 k 0 5000 AUTH hunter2 KEYS a")),
            "MIGRATE h 6379 k 0 5000 AUTH *** KEYS a"
        );
    }

    #[test]
    fn not_redis_is_named() {
        let ping = encode(&["PING".into()]);
        let judged = |buf: &[u8]| read_reply(buf, &ping, &ping);
        assert!(matches!(judged(b"+PONG\r\n"), Ok(Some(_))));
        assert!(matches!(judged(b"*1\r\n$4\r\nPI"), Ok(None)));
        let echo = judged(&ping).unwrap_err();
        assert_eq!(echo.lookalike, Lookalike::Echo);
        assert_eq!(echo.first_bytes_text, "*1\\r\\n$4\\r\\nPING\\r\\n");
        let smtp = judged(b"220 mail.example.com ESMTP Postfix\r\n").unwrap_err();
        assert_eq!(smtp.lookalike, Lookalike::Smtp);
        assert!(smtp.first_bytes_hex.starts_with("323230"));
        let guess = |b: &[u8]| judged(b).unwrap_err().lookalike;
        assert_eq!(guess(b"220 (vsFTPd 3.0.5)\r\n"), Lookalike::Ftp);
        assert_eq!(guess(b"220 ready\r\n"), Lookalike::SmtpOrFtp);
        assert_eq!(guess(b"HTTP/1.1 400 Bad Request\r\n"), Lookalike::Http);
        assert_eq!(guess(b"SSH-2.0-OpenSSH_9.6\r\n"), Lookalike::Ssh);
        assert_eq!(guess(b"\x00\x01"), Lookalike::Unknown);
        // An echo of AUTH is shown masked.
        let auth = encode(&["AUTH".into(), "hunter2".into()]);
        let shown = encode(&["AUTH".into(), "***".into()]);
        let e = read_reply(&auth, &auth, &shown).unwrap_err();
        assert!(!e.first_bytes_text.contains("hunter2"));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "*1\r\n".repeat(10_000);
        assert_eq!(parse(deep.as_bytes()), Err(ParseError::Invalid));
    }
}
