//! The driver: one TLS connection driven by hand. It owns the socket and the
//! `rustls::ClientConnection`: records are read one at a time and fed to rustls, records rustls
//! writes are held until the step that sends them. Every record crossing the wire, either way,
//! is shown to the [`Tap`] first, which reports it.

use super::events::Failure;
use super::hooks::HookState;
use super::pace::{EventSink, Pace};
use super::probe::printable;
use super::records::{hex, split_complete, split_handshake_messages, RecordSplitter, SplitError};
use super::resp::{self, Reply};
use super::step::Step;
use super::tap::{Arrived, Tap};
use super::tls_error::{error_text, tls_detail};
use super::wire::ContentType;
use rustls::ClientConnection;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct TlsDriver {
    stream: TcpStream,
    /// Always `Some` except while rustls runs on a blocking thread (manual pacing).
    tls: Option<Box<ClientConnection>>,
    splitter: RecordSplitter,
    read_buf: Vec<u8>,
    /// Bytes read from the socket so far (evidence when the peer closes).
    received: usize,
    /// Records rustls produced that have not been sent yet.
    pub held: VecDeque<Vec<u8>>,
    /// Handshake messages of a clear record not yet given to rustls (see `next_unit`).
    pending_units: VecDeque<Vec<u8>>,
    pub hooks: Arc<HookState>,
    pub tap: Tap,
    pace: Pace,
    timeout: Duration,
    /// The step in progress, for attributing failures.
    pub step: Step,
    /// The ServerHello accepted a pre-shared key (a TLS 1.3 resumption), read from its bytes.
    pub server_hello_psk: bool,
}

impl TlsDriver {
    pub fn new(
        stream: TcpStream,
        tls: ClientConnection,
        hooks: Arc<HookState>,
        sink: EventSink,
        pace: Pace,
        timeout: Duration,
        capture_bytes: bool,
    ) -> Self {
        Self {
            stream,
            tls: Some(Box::new(tls)),
            splitter: RecordSplitter::new(),
            read_buf: vec![0u8; 18 * 1024],
            received: 0,
            held: VecDeque::new(),
            pending_units: VecDeque::new(),
            tap: Tap::new(sink, hooks.clone()).with_capture(capture_bytes),
            hooks,
            pace,
            timeout,
            step: Step::Connect,
            server_hello_psk: false,
        }
    }

    pub fn conn(&mut self) -> Result<&mut ClientConnection, Failure> {
        let step = self.step;
        self.tls.as_deref_mut().ok_or(Failure::Io {
            step,
            message: "internal error: the TLS connection was lost".into(),
        })
    }

    /// Move whatever rustls wants to write into the held queue, split into records.
    pub fn collect_output(&mut self) -> Result<(), Failure> {
        let mut out = Vec::new();
        let conn = self.conn()?;
        while conn.wants_write() {
            if conn.write_tls(&mut out).is_err() {
                break;
            }
        }
        let (sending_encrypted, tls12) = (self.tap.sending_encrypted(), self.tap.is_tls12());
        hold_records(&mut self.held, &out, sending_encrypted, tls12);
        Ok(())
    }

    /// Send the first `count` held records.
    pub async fn send_held(&mut self, count: usize, note: Option<&str>) -> Result<(), Failure> {
        for _ in 0..count {
            let Some(record) = self.held.pop_front() else {
                break;
            };
            self.send_record(&record, note).await?;
        }
        Ok(())
    }

    pub async fn send_all_held(&mut self, note: Option<&str>) -> Result<(), Failure> {
        let count = self.held.len();
        self.send_held(count, note).await
    }

    async fn send_record(&mut self, record: &[u8], note: Option<&str>) -> Result<(), Failure> {
        self.tap.sending(record, note);
        let step = self.step;
        match tokio::time::timeout(self.timeout, self.stream.write_all(record)).await {
            Err(_) => Err(Failure::Timeout { step, partial: 0 }),
            Ok(Err(e)) if is_reset(&e) => Err(self.peer_closed(true)),
            Ok(Err(e)) => Err(Failure::Io {
                step,
                message: e.to_string(),
            }),
            Ok(Ok(())) => Ok(()),
        }
    }

    fn peer_closed(&self, reset: bool) -> Failure {
        Failure::PeerClosed {
            step: self.step,
            reset,
            bytes_received: self.received,
            partial_record: self.splitter.incomplete_len(),
        }
    }

    /// Read the next whole record from the socket (bounded by the timeout).
    async fn next_record(&mut self) -> Result<Vec<u8>, Failure> {
        let step = self.step;
        // One deadline for the whole record: a peer dripping a byte at a time must not reset it.
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            match self.splitter.next_record() {
                Ok(Some(record)) => return Ok(record),
                Ok(None) => {}
                Err(SplitError::Oversized(length)) => {
                    return Err(Failure::RecordOverflow { step, length })
                }
                Err(SplitError::NotTls) => return Err(self.not_tls().await),
            }
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut self.read_buf));
            let n = match read.await {
                Err(_) => {
                    return Err(Failure::Timeout {
                        step,
                        partial: self.splitter.incomplete_len(),
                    })
                }
                Ok(Err(e)) if is_reset(&e) => return Err(self.peer_closed(true)),
                Ok(Err(e)) => {
                    return Err(Failure::Io {
                        step,
                        message: e.to_string(),
                    })
                }
                Ok(Ok(0)) => return Err(self.peer_closed(false)),
                Ok(Ok(n)) => n,
            };
            self.received += n;
            self.splitter.push(&self.read_buf[..n]);
        }
    }

    /// The peer does not speak TLS: the failure, with its first bytes as evidence.
    async fn not_tls(&mut self) -> Failure {
        // Gather a little more so the evidence is readable ("HTTP/1.1 400 …").
        let wait = self.timeout.min(Duration::from_millis(150));
        if self.splitter.pending().len() < 24 {
            if let Ok(Ok(n)) =
                tokio::time::timeout(wait, self.stream.read(&mut self.read_buf)).await
            {
                self.splitter.push(&self.read_buf[..n]);
            }
        }
        let pending = self.splitter.pending();
        Failure::NotTls {
            step: self.step,
            first_bytes_hex: hex(&pending[..pending.len().min(32)]),
            first_bytes_text: printable(pending),
        }
    }

    /// The next unit to give rustls, and whether it is a clear alert. A record is shown on the
    /// tap as it crossed the wire; a clear record holding several handshake messages (a TLS 1.2
    /// server's whole flight) is then given to rustls one message at a time, so each step
    /// stops where it should, not wherever the server happened to cut its records.
    async fn next_unit(&mut self) -> Result<(Vec<u8>, bool), Failure> {
        if let Some(unit) = self.pending_units.pop_front() {
            return Ok((unit, false));
        }
        let record = self.next_record().await?;
        if !self.tap.server_hello_seen() && ContentType::of(&record) == ContentType::Handshake {
            self.server_hello_psk |= super::hello_resumption::server_hello_accepts_psk(&record);
        }
        let arrived = self.tap.received(&record);
        let mut units = units_for_rustls(record, &arrived);
        let first = units.pop_front().unwrap_or_default();
        self.pending_units = units;
        Ok((first, arrived.clear_alert()))
    }

    /// Read one record, show it, and let rustls process it. On a rustls error, the alert rustls
    /// wants to send goes out before the failure is returned.
    pub async fn read_and_process(&mut self) -> Result<(), Failure> {
        let (unit, clear_alert) = self.next_unit().await?;
        let step = self.step;
        feed_whole(self.conn()?, &unit).map_err(|e| Failure::Io {
            step,
            message: e.to_string(),
        })?;
        let result = self.process().await?;
        let conn = self.conn()?;
        let (version, suite) = (
            conn.protocol_version(),
            conn.negotiated_cipher_suite().map(|s| s.suite()),
        );
        self.tap.negotiated(version, suite);
        if let Err(error) = result {
            let step = self.failure_step();
            if let rustls::Error::AlertReceived(description) = &error {
                if !clear_alert {
                    self.tap.alert_received(*description);
                }
            }
            // Say goodbye properly: rustls has queued the alert explaining why.
            self.collect_output()?;
            let _ = self.send_all_held(None).await;
            return Err(Failure::Tls {
                step,
                error: error_text(&error),
                detail: tls_detail(&error),
            });
        }
        let received = read_plaintext(self.conn()?);
        self.tap.application_data(&received);
        self.collect_output()?;
        Ok(())
    }

    /// The step a TLS error belongs to as seen from here: a failure while the verifier holds
    /// the chain is step 4's.
    fn failure_step(&self) -> Step {
        let flags = self.hooks.snapshot();
        if self.step == Step::ServerCertificate && flags.chain_seen && !flags.verified {
            Step::Verify
        } else {
            self.step
        }
    }

    /// `process_new_packets`, on a blocking thread when paced by hand (the verifier may wait
    /// there for the next step's permit).
    async fn process(&mut self) -> Result<Result<(), rustls::Error>, Failure> {
        let step = self.step;
        if !self.pace.is_manual() {
            return Ok(self.conn()?.process_new_packets().map(|_| ()));
        }
        let Some(mut tls) = self.tls.take() else {
            return Err(Failure::Io {
                step,
                message: "internal error: the TLS connection was lost".into(),
            });
        };
        let joined = tokio::task::spawn_blocking(move || {
            let result = tls.process_new_packets().map(|_| ());
            (tls, result)
        })
        .await;
        match joined {
            Ok((tls, result)) => {
                self.tls = Some(tls);
                Ok(result)
            }
            Err(e) => Err(Failure::Io {
                step,
                message: format!("internal error: {e}"),
            }),
        }
    }

    /// Send a command and read its reply (step 8).
    pub async fn exchange(&mut self, args: &[String]) -> Result<Reply, Failure> {
        let bytes = resp::encode(args);
        let shown = resp::encode(&resp::redacted_args(args));
        let step = self.step;
        self.tap.command_sent(args, bytes.len());
        // rustls buffers a limited amount of plaintext: hand it over and send it in turns.
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let taken = self.conn()?.writer().write(rest).map_err(|e| Failure::Io {
                step,
                message: e.to_string(),
            })?;
            rest = &rest[taken..];
            self.collect_output()?;
            if taken == 0 && self.held.is_empty() {
                return Err(Failure::Io {
                    step,
                    message: "the TLS connection accepts no more data".into(),
                });
            }
            self.send_all_held(Some("Redis command (encrypted application data)"))
                .await?;
        }
        loop {
            match self.tap.next_reply(args, &bytes, &shown) {
                Ok(Some(reply)) => return Ok(reply),
                Ok(None) => {}
                Err(not_redis) => return Err(not_redis.failure(step)),
            }
            self.read_and_process().await?;
            // Anything rustls must answer (e.g. a KeyUpdate) goes at once during data transfer.
            self.send_all_held(None).await?;
        }
    }

    /// Step 9: close_notify, then a half-close of TCP.
    /// Returns whether our close_notify left: a server that already closed its side (its own
    /// close_notify, then FIN) may refuse it, and the connection is closed either way.
    pub async fn close(&mut self) -> Result<bool, Failure> {
        self.conn()?.send_close_notify();
        self.collect_output()?;
        let sent = self.send_all_held(Some("close_notify")).await.is_ok();
        let _ = self.stream.shutdown().await;
        Ok(sent)
    }
}

/// Queue what rustls wrote, one record per entry. rustls joins a flight's messages into one
/// record; in clear we give each message its own record (valid TLS) so each leaves in the step
/// it belongs to. Records behind a ChangeCipherSpec (sent or queued) are encrypted under TLS
/// 1.2 and stay whole, as does anything under TLS 1.3 keys.
pub(super) fn hold_records(
    held: &mut VecDeque<Vec<u8>>,
    written: &[u8],
    sending_encrypted: bool,
    tls12: bool,
) {
    let is_ccs = |record: &[u8]| ContentType::of(record) == ContentType::ChangeCipherSpec;
    let mut encrypted = sending_encrypted || (tls12 && held.iter().any(|r| is_ccs(r)));
    for record in split_complete(written) {
        let ccs = is_ccs(&record);
        if ContentType::of(&record) == ContentType::Handshake && !encrypted {
            held.extend(split_handshake_messages(&record));
        } else {
            held.push_back(record);
        }
        encrypted |= ccs && tls12;
    }
}

/// The units a received record is given to rustls in. A clear handshake record is split into
/// its messages, except a TLS 1.3 ServerHello's: messages after it must not share its record
/// (the keys change there), and rustls checks that itself.
pub(super) fn units_for_rustls(record: Vec<u8>, arrived: &Arrived) -> VecDeque<Vec<u8>> {
    if arrived.clear
        && arrived.content_type == ContentType::Handshake
        && !arrived.tls13_server_hello
    {
        split_handshake_messages(&record).into()
    } else {
        VecDeque::from([record])
    }
}

/// Give rustls one whole unit. It takes at most 4096 bytes per `read_tls`, and a record cut in
/// two would be processed as two (or not at all): loop until all of it is in.
pub(super) fn feed_whole(conn: &mut ClientConnection, unit: &[u8]) -> std::io::Result<()> {
    let mut rest = unit;
    while !rest.is_empty() {
        if conn.read_tls(&mut rest)? == 0 {
            break;
        }
    }
    Ok(())
}

/// The application data rustls has decrypted so far.
pub(super) fn read_plaintext(conn: &mut ClientConnection) -> Vec<u8> {
    let mut received = Vec::new();
    let mut reader = conn.reader();
    let mut chunk = [0u8; 4096];
    // Ok(0) is a clean close_notify, Err(WouldBlock) is "no more for now".
    while let Ok(n @ 1..) = reader.read(&mut chunk) {
        received.extend_from_slice(&chunk[..n]);
    }
    received
}

pub(super) fn is_reset(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
    )
}
