//! The nine steps without TLS: what `redis-cli` without `--tls` does. Steps 2–7 do not happen,
//! and everything on the wire is readable by anyone on the path.

use super::events::{ContentType, Direction, Event, Failure, RecordInfo};
use super::pace::{EventSink, Pace};
use super::probe::printable;
use super::records::hex;
use super::resp;
use super::step::Step;
use super::{gate, step_connect, Target};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const NOT_ENCRYPTED: &str = "no TLS: this connection is plaintext and nothing on it is encrypted";

pub async fn run_plain(target: &Target, pace: &Pace, sink: &EventSink) -> Result<(), Failure> {
    let mut stream = step_connect(target, pace, sink).await?;
    for step in Step::ALL
        .into_iter()
        .filter(|s| (Step::Handshake..=Step::Encrypted).contains(s))
    {
        sink.emit(Event::StepSkipped {
            step,
            reason: NOT_ENCRYPTED.into(),
        });
    }
    gate(Step::Data, pace, sink).await?;
    let mut pending = Vec::new();
    for (command, during_auth) in target.step8_commands() {
        let reply = exchange(&mut stream, &command, &mut pending, target, sink).await?;
        if reply.is_error() {
            return Err(Failure::RedisError {
                step: Step::Data,
                reply: reply.display(),
                during_auth,
            });
        }
    }
    sink.emit(Event::StepCompleted { step: Step::Data });
    gate(Step::Close, pace, sink).await?;
    let _ = stream.shutdown().await;
    sink.emit(Event::Closed {
        close_notify_sent: false,
    });
    sink.emit(Event::StepCompleted { step: Step::Close });
    Ok(())
}

/// A chunk of plaintext on the wire: `shown` is what may be displayed, `length` what crossed.
fn chunk_event(direction: Direction, shown: &[u8], length: usize) -> Event {
    let bytes = shown;
    Event::Record(RecordInfo {
        direction,
        content_type: ContentType::Plaintext,
        version: None,
        length,
        encrypted: false,
        messages: Vec::new(),
        head_hex: hex(&bytes[..bytes.len().min(32)]),
        note: Some(printable(bytes)),
        bytes: None,
    })
}

async fn exchange(
    stream: &mut TcpStream,
    args: &[String],
    pending: &mut Vec<u8>,
    target: &Target,
    sink: &EventSink,
) -> Result<resp::Reply, Failure> {
    let bytes = resp::encode(args);
    sink.emit(Event::DataSent {
        command: resp::redact(args),
        plaintext_len: bytes.len(),
        encrypted: false,
    });
    // The wire view shows the bytes that crossed, with the secrets' bytes replaced by `***`.
    let redacted = resp::redacted_args(args);
    let mut event = chunk_event(Direction::Out, &resp::encode(&redacted), bytes.len());
    if redacted.as_slice() != args {
        if let Event::Record(info) = &mut event {
            // The secret's bytes (and its length prefix) are masked; the byte count is real.
            info.note = info.note.take().map(|n| format!("{n} (secret masked)"));
        }
    }
    sink.emit(event);
    let io = |e: std::io::Error| Failure::Io {
        step: Step::Data,
        message: e.to_string(),
    };
    match tokio::time::timeout(target.timeout, stream.write_all(&bytes)).await {
        Err(_) => {
            return Err(Failure::Timeout {
                step: Step::Data,
                partial: 0,
            })
        }
        Ok(r) => r.map_err(io)?,
    }
    let mut buf = vec![0u8; 16 * 1024];
    let deadline = tokio::time::Instant::now() + target.timeout;
    loop {
        match resp::read_reply(pending, &bytes, &resp::encode(&redacted)) {
            Ok(Some((reply, used))) => {
                pending.drain(..used);
                sink.emit(Event::DataReceived {
                    reply: reply.display_for(args),
                    error: reply.is_error(),
                    resp: Some(reply.clone()),
                });
                return Ok(reply);
            }
            Ok(None) => {}
            // A TLS record (alert or handshake, version 3.x): a TLS port, diagnosed as such.
            Err(_) if matches!(pending.as_slice(), [0x15 | 0x16, 0x03, ..]) => {
                return Err(Failure::NotTls {
                    step: Step::Data,
                    first_bytes_hex: hex(&pending[..pending.len().min(32)]),
                    first_bytes_text: printable(pending),
                })
            }
            Err(not_redis) => return Err(not_redis.failure(Step::Data)),
        }
        let n = match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => {
                return Err(Failure::Timeout {
                    step: Step::Data,
                    partial: 0,
                })
            }
            Ok(Err(e)) => {
                return Err(Failure::PeerClosed {
                    step: Step::Data,
                    reset: super::driver::is_reset(&e),
                    bytes_received: pending.len(),
                    partial_record: 0,
                })
            }
            Ok(Ok(0)) => {
                return Err(Failure::PeerClosed {
                    step: Step::Data,
                    reset: false,
                    bytes_received: pending.len(),
                    partial_record: 0,
                })
            }
            Ok(Ok(n)) => n,
        };
        sink.emit(chunk_event(Direction::In, &buf[..n], n));
        pending.extend_from_slice(&buf[..n]);
    }
}
