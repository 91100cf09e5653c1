//! After a TLS hello met silence or odd bytes: a second, plain connection that sends `PING`
//! finds out whether the port speaks plaintext Redis.

use super::events::ProbeResult;
use super::records::hex;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The probe is an afterthought to a failure that already took its time: short enough that the
/// whole diagnosis stays within the timeout plus one second, long enough for a busy machine.
pub const PROBE_LIMIT: Duration = Duration::from_millis(800);

pub async fn probe_plaintext(host: &str, port: u16, timeout: Duration) -> ProbeResult {
    let limit = timeout.min(PROBE_LIMIT);
    let attempt = async {
        let host = super::bare_host(host);
        let mut stream = TcpStream::connect((host, port)).await?;
        stream.write_all(b"PING\r\n").await?;
        let mut buf = vec![0u8; 256];
        let n = stream.read(&mut buf).await?;
        buf.truncate(n);
        Ok::<_, std::io::Error>(buf)
    };
    match tokio::time::timeout(limit, attempt).await {
        Err(_) => ProbeResult {
            reply_text: String::new(),
            reply_hex: String::new(),
            redis_reply: false,
            timed_out: true,
            error: None,
        },
        Ok(Err(e)) => ProbeResult {
            reply_text: String::new(),
            reply_hex: String::new(),
            redis_reply: false,
            timed_out: false,
            error: Some(e.to_string()),
        },
        Ok(Ok(bytes)) => ProbeResult {
            reply_text: printable(&bytes),
            reply_hex: hex(&bytes[..bytes.len().min(32)]),
            redis_reply: looks_like_redis(&bytes),
            timed_out: false,
            error: None,
        },
    }
}

/// `+PONG`, `-NOAUTH …`, `-ERR …`, `-DENIED …`: a Redis reply line.
pub fn looks_like_redis(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(b'+' | b'-')) && bytes.windows(2).any(|w| w == b"\r\n")
}

/// Bytes as text a person can read: printable ASCII kept, the rest escaped.
pub fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(64)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect()
}
