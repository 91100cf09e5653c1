//! One TLS connection driven by hand: records read one at a time and fed to rustls, records
//! written by rustls held until the step that sends them.

use super::events::{Direction, Event, Failure};
use super::hooks::HookState;
use super::pace::{EventSink, Pace};
use super::probe::printable;
use super::records::{
    describe, hex, split_complete, split_handshake_messages, RecordSplitter, SplitError,
};
use super::resp::{self, Reply};
use super::step::Step;
use super::tls_error::{alert_name, error_text, tls_detail};
use rustls::ClientConnection;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct TlsSession {
    stream: TcpStream,
    /// Always `Some` except while rustls runs on a blocking thread (manual pacing).
    tls: Option<Box<ClientConnection>>,
    splitter: RecordSplitter,
    /// Records rustls produced that have not been sent yet.
    pub held: VecDeque<Vec<u8>>,
    pub hooks: Arc<HookState>,
    sink: EventSink,
    pace: Pace,
    timeout: Duration,
    /// The step in progress, for attributing failures.
    pub step: Step,
    out_encrypted: bool,
    in_encrypted: bool,
    /// A real ServerHello (not a HelloRetryRequest) has been processed.
    pub server_hello_seen: bool,
    /// TLS 1.2: the Finished (the first encrypted handshake message) was named, per direction.
    finished_named: [bool; 2],
    received: usize,
    plaintext: Vec<u8>,
    read_buf: Vec<u8>,
    decryptor: super::decrypt::Decryptor,
    /// Handshake messages of a clear record not yet given to rustls (see `next_unit`).
    pending_units: VecDeque<Vec<u8>>,
}

impl TlsSession {
    pub fn new(
        stream: TcpStream,
        tls: ClientConnection,
        hooks: Arc<HookState>,
        sink: EventSink,
        pace: Pace,
        timeout: Duration,
    ) -> Self {
        Self {
            stream,
            tls: Some(Box::new(tls)),
            splitter: RecordSplitter::new(),
            held: VecDeque::new(),
            hooks,
            sink,
            pace,
            timeout,
            step: Step::Connect,
            out_encrypted: false,
            in_encrypted: false,
            server_hello_seen: false,
            finished_named: [false; 2],
            received: 0,
            plaintext: Vec::new(),
            read_buf: vec![0u8; 18 * 1024],
            decryptor: super::decrypt::Decryptor::default(),
            pending_units: VecDeque::new(),
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
        // Records behind a ChangeCipherSpec (ours, sent or queued) are encrypted.
        let tls12 = self.is_tls12();
        let mut encrypted =
            self.out_encrypted || (tls12 && self.held.iter().any(|r| r.first() == Some(&20)));
        for record in split_complete(&out) {
            let is_ccs = record.first() == Some(&20);
            if record.first() == Some(&22) && !encrypted {
                // rustls joins a flight's messages into one record; in clear we can give each
                // message its own record (valid TLS) so each leaves in the step it belongs to.
                self.held.extend(split_handshake_messages(&record));
            } else {
                self.held.push_back(record);
            }
            encrypted |= is_ccs && tls12;
        }
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
        let mut info = describe(Direction::Out, record, self.out_encrypted);
        info.note = note.map(str::to_string);
        self.look_inside(Direction::Out, record, &mut info);
        // Under TLS 1.3 ChangeCipherSpec is a compatibility no-op; under 1.2 it starts encryption.
        if record.first() == Some(&20) && self.is_tls12() {
            self.out_encrypted = true;
        }
        if record.first() == Some(&21) && !info.encrypted {
            self.emit_alert(Direction::Out, record);
        }
        self.sink.emit(Event::Record(info));
        let step = self.step;
        match tokio::time::timeout(self.timeout, self.stream.write_all(record)).await {
            Err(_) => Err(Failure::Timeout { step, partial: 0 }),
            Ok(Err(e)) if is_reset(&e) => Err(Failure::PeerClosed {
                step,
                reset: true,
                bytes_received: self.received,
                partial_record: self.splitter.incomplete_len(),
            }),
            Ok(Err(e)) => Err(Failure::Io {
                step,
                message: e.to_string(),
            }),
            Ok(Ok(())) => Ok(()),
        }
    }

    fn emit_alert(&self, direction: Direction, record: &[u8]) {
        if let (Some(&level), Some(&code)) = (record.get(5), record.get(6)) {
            self.sink.emit(Event::Alert {
                direction,
                level: if level == 2 { "fatal" } else { "warning" }.into(),
                description: alert_name(code),
                code,
            });
        }
    }

    fn is_tls12(&self) -> bool {
        self.tls.as_ref().and_then(|c| c.protocol_version())
            == Some(rustls::ProtocolVersion::TLSv1_2)
    }

    /// Under TLS 1.3, name what an encrypted record carries (see `decrypt`).
    fn look_inside(
        &mut self,
        direction: Direction,
        record: &[u8],
        info: &mut super::events::RecordInfo,
    ) {
        if info.encrypted && record.first() == Some(&22) {
            // TLS 1.2: the first encrypted handshake message after ChangeCipherSpec is the
            // Finished; the protocol fixes its place. Later ones (renegotiation) stay unnamed.
            let index = usize::from(direction == Direction::In);
            if !self.finished_named[index] {
                self.finished_named[index] = true;
                info.messages = vec![super::events::HandshakeMessage::Finished];
                info.note = Some("Finished".into());
            }
            return;
        }
        if !info.encrypted || record.first() != Some(&23) {
            return;
        }
        if let Some(suite) = self.tls.as_ref().and_then(|c| c.negotiated_cipher_suite()) {
            self.decryptor.set_suite(suite.suite());
        }
        if let Some(inner) = self.decryptor.open(direction, record, &self.hooks.keys) {
            // Named messages say it all; for data and alerts our own label adds the meaning.
            info.note = Some(match info.note.take() {
                Some(n) if inner.messages.is_empty() => format!("{n}: {}", inner.summary),
                _ => inner.summary,
            });
            info.messages = inner.messages;
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
                Err(SplitError::NotTls) => {
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
                    return Err(Failure::NotTls {
                        step,
                        first_bytes_hex: hex(&pending[..pending.len().min(32)]),
                        first_bytes_text: printable(pending),
                    });
                }
            }
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut self.read_buf));
            let n = match read.await {
                Err(_) => {
                    return Err(Failure::Timeout {
                        step,
                        partial: self.splitter.incomplete_len(),
                    })
                }
                Ok(Err(e)) if is_reset(&e) => {
                    return Err(Failure::PeerClosed {
                        step,
                        reset: true,
                        bytes_received: self.received,
                        partial_record: self.splitter.incomplete_len(),
                    })
                }
                Ok(Err(e)) => {
                    return Err(Failure::Io {
                        step,
                        message: e.to_string(),
                    })
                }
                Ok(Ok(0)) => {
                    return Err(Failure::PeerClosed {
                        step,
                        reset: false,
                        bytes_received: self.received,
                        partial_record: self.splitter.incomplete_len(),
                    })
                }
                Ok(Ok(n)) => n,
            };
            self.received += n;
            self.splitter.push(&self.read_buf[..n]);
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
        let mut info = describe(Direction::In, &record, self.in_encrypted);
        self.look_inside(Direction::In, &record, &mut info);
        let clear = !info.encrypted;
        if record.first() == Some(&20) && self.is_tls12() {
            self.in_encrypted = true;
        }
        let tls13_server_hello = info.messages.iter().any(|m| {
            matches!(m, super::events::HandshakeMessage::ServerHello { version, .. } if version == "TLS 1.3")
        });
        if info
            .messages
            .iter()
            .any(|m| matches!(m, super::events::HandshakeMessage::ServerHello { .. }))
        {
            self.server_hello_seen = true;
        }
        let clear_alert = record.first() == Some(&21) && clear;
        self.sink.emit(Event::Record(info));
        if clear_alert {
            self.emit_alert(Direction::In, &record);
        }
        // Not a TLS 1.3 ServerHello record: messages after it must not share its record, and
        // rustls checks that itself.
        if clear && record.first() == Some(&22) && !tls13_server_hello {
            let mut units: VecDeque<Vec<u8>> = split_handshake_messages(&record).into();
            let first = units.pop_front().unwrap_or(record);
            self.pending_units = units;
            return Ok((first, false));
        }
        Ok((record, clear_alert))
    }

    /// Read one record, show it, and let rustls process it. On a rustls error, the alert rustls
    /// wants to send goes out before the failure is returned.
    pub async fn read_and_process(&mut self) -> Result<(), Failure> {
        let (record, clear_alert) = self.next_unit().await?;
        let step = self.step;
        // rustls takes at most 4096 bytes per `read_tls`: feed the whole record.
        let mut rest = &record[..];
        while !rest.is_empty() {
            match self.conn()?.read_tls(&mut rest) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(Failure::Io {
                        step,
                        message: e.to_string(),
                    })
                }
            }
        }
        match self.process().await? {
            Ok(()) => {}
            Err(error) => {
                let step = self.failure_step();
                if let rustls::Error::AlertReceived(desc) = &error {
                    if !clear_alert {
                        self.sink.emit(Event::Alert {
                            direction: Direction::In,
                            // rustls stops on fatal alerts; close_notify is the one warning
                            // that can end a handshake.
                            level: if *desc == rustls::AlertDescription::CloseNotify {
                                "warning"
                            } else {
                                "fatal"
                            }
                            .into(),
                            description: alert_name(u8::from(*desc)),
                            code: u8::from(*desc),
                        });
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
        }
        // Application data, if any, is kept for the reply reader.
        let mut received = Vec::new();
        let mut reader = self.conn()?.reader();
        let mut chunk = [0u8; 4096];
        // Ok(0) is a clean close_notify, Err(WouldBlock) is "no more for now".
        while let Ok(n @ 1..) = reader.read(&mut chunk) {
            received.extend_from_slice(&chunk[..n]);
        }
        self.plaintext.extend_from_slice(&received);
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
        self.sink.emit(Event::DataSent {
            command: resp::redact(args),
            plaintext_len: bytes.len(),
            encrypted: true,
        });
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
            match resp::read_reply(&self.plaintext, &bytes, &shown) {
                Ok(Some((reply, used))) => {
                    self.plaintext.drain(..used);
                    self.sink.emit(Event::DataReceived {
                        reply: reply.display_for(args),
                        error: reply.is_error(),
                    });
                    return Ok(reply);
                }
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

pub(super) fn is_reset(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
    )
}
