//! The tap: what the client sees of its connection, record by record. It names each record
//! (decoding clear handshake messages, opening TLS 1.3 records a second time with the session's
//! own secrets), reports alerts, and reads Redis replies out of the application data.
//!
//! It never touches the socket nor drives rustls: the driver hands it every record as it
//! crosses the wire and tells it what rustls has negotiated so far. So it works, and is tested,
//! on bytes alone (see `tap_tests.rs`).

use super::capture::Capture;
use super::decrypt::{Decryptor, Opened};
use super::events::{Direction, Event, HandshakeMessage, RecordInfo};
use super::hooks::HookState;
use super::keyschedule::Recorder;
use super::pace::EventSink;
use super::records::describe;
use super::resp::{self, NotRedis, Reply};
use super::tls_error::alert_name;
use super::wire::{ContentType, TlsVersion};
use std::sync::Arc;

pub struct Tap {
    /// `--show-secrets`: every record kept for the key schedule (`None`: off, nothing kept).
    keys: Option<Box<Recorder>>,
    sink: EventSink,
    /// Where the KeyLog hook keeps this session's traffic secrets.
    hooks: Arc<HookState>,
    decryptor: Decryptor,
    /// The version rustls negotiated (`None` until it has processed the ServerHello).
    version: Option<TlsVersion>,
    /// Per direction (see `side`): records are ciphertext from here on.
    encrypted: [bool; 2],
    /// TLS 1.2: the Finished (the first encrypted handshake message) was named, per direction.
    finished_named: [bool; 2],
    /// A real ServerHello (not a HelloRetryRequest) has been received.
    server_hello_seen: bool,
    /// Application data received and not yet read as a reply.
    plaintext: Vec<u8>,
    /// With `--bytes`: every record kept whole, named byte by byte, and opened (`None`: off).
    capture: Option<Box<Capture>>,
}

/// What the driver needs to know of a record the tap has just seen arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrived {
    pub content_type: ContentType,
    /// Sent in clear, not under keys.
    pub clear: bool,
    /// The record carries a TLS 1.3 ServerHello.
    pub tls13_server_hello: bool,
}

impl Arrived {
    /// An alert in clear: the tap has reported it already, rustls need not be quoted for it.
    pub fn clear_alert(&self) -> bool {
        self.clear && self.content_type == ContentType::Alert
    }
}

/// Which entry of a per-direction pair a direction uses.
fn side(direction: Direction) -> usize {
    match direction {
        Direction::Out => 0,
        Direction::In => 1,
    }
}

impl Tap {
    pub fn new(sink: EventSink, hooks: Arc<HookState>) -> Self {
        Self {
            keys: None,
            sink,
            hooks,
            decryptor: Decryptor::default(),
            version: None,
            encrypted: [false; 2],
            finished_named: [false; 2],
            server_hello_seen: false,
            plaintext: Vec::new(),
            capture: None,
        }
    }

    /// Keep each record's bytes, named, and what was opened (`--bytes`).
    pub fn with_capture(mut self, on: bool) -> Self {
        self.capture = on.then(Box::default);
        self
    }

    /// What rustls has negotiated so far; the driver calls this after each time rustls has
    /// processed records (nothing else changes it).
    pub fn negotiated(
        &mut self,
        version: Option<rustls::ProtocolVersion>,
        suite: Option<rustls::CipherSuite>,
    ) {
        self.version = version.map(TlsVersion::from);
        if let Some(suite) = suite {
            self.decryptor.set_suite(suite);
            if let Some(capture) = &mut self.capture {
                capture.negotiated(suite);
            }
        }
    }

    pub fn is_tls12(&self) -> bool {
        self.version == Some(TlsVersion::Tls12)
    }

    /// Whether what the client sends now is ciphertext.
    pub fn sending_encrypted(&self) -> bool {
        self.encrypted[side(Direction::Out)]
    }

    pub fn server_hello_seen(&self) -> bool {
        self.server_hello_seen
    }

    /// Keep every record from now on, for the key schedule (`--show-secrets`).
    pub fn record_for_keys(&mut self) {
        self.keys = Some(Box::default());
    }

    /// Recompute the key schedule from the records kept and report it, once: the records are
    /// dropped then. Nothing happens unless `record_for_keys` was called.
    pub fn report_key_schedule(
        &mut self,
        version: Option<rustls::ProtocolVersion>,
        suite: Option<rustls::CipherSuite>,
    ) {
        let Some(recorder) = self.keys.take() else {
            return;
        };
        let keys = &self.hooks.keys;
        if let Some(schedule) = recorder.schedule(version, suite, &|label| keys.get(label)) {
            self.sink.emit(Event::KeySchedule(schedule));
        }
    }

    /// A record the client is about to send.
    pub fn sending(&mut self, record: &[u8], note: Option<&str>) {
        if let Some(keys) = &mut self.keys {
            keys.record(Direction::Out, record);
        }
        let mut info = describe(Direction::Out, record, self.sending_encrypted());
        info.note = note.map(str::to_string);
        let opened = self.look_inside(Direction::Out, record, &mut info);
        self.keep(record, &mut info, opened);
        match info.content_type {
            // Under TLS 1.3 ChangeCipherSpec is a compatibility no-op; under 1.2 it starts
            // encryption.
            ContentType::ChangeCipherSpec => {
                if self.is_tls12() {
                    self.encrypted[side(Direction::Out)] = true;
                }
            }
            ContentType::Alert => {
                if !info.encrypted {
                    self.report_alert(Direction::Out, record);
                }
            }
            ContentType::Handshake
            | ContentType::ApplicationData
            | ContentType::Heartbeat
            | ContentType::Plaintext
            | ContentType::Unknown => {}
        }
        self.sink.emit(Event::Record(info));
    }

    /// A record that has just arrived, before rustls sees it.
    pub fn received(&mut self, record: &[u8]) -> Arrived {
        if let Some(keys) = &mut self.keys {
            keys.record(Direction::In, record);
        }
        let mut info = describe(Direction::In, record, self.encrypted[side(Direction::In)]);
        let opened = self.look_inside(Direction::In, record, &mut info);
        self.keep(record, &mut info, opened);
        let arrived = Arrived {
            content_type: info.content_type,
            clear: !info.encrypted,
            tls13_server_hello: info.messages.iter().any(|m| {
                matches!(
                    m,
                    HandshakeMessage::ServerHello {
                        version: TlsVersion::Tls13,
                        ..
                    }
                )
            }),
        };
        if arrived.content_type == ContentType::ChangeCipherSpec && self.is_tls12() {
            self.encrypted[side(Direction::In)] = true;
        }
        if info
            .messages
            .iter()
            .any(|m| matches!(m, HandshakeMessage::ServerHello { .. }))
        {
            self.server_hello_seen = true;
        }
        self.sink.emit(Event::Record(info));
        if arrived.clear_alert() {
            self.report_alert(Direction::In, record);
        }
        arrived
    }

    /// An alert rustls received that the tap could not read itself (an encrypted one).
    pub fn alert_received(&self, description: rustls::AlertDescription) {
        self.sink.emit(Event::Alert {
            direction: Direction::In,
            // rustls stops on fatal alerts; close_notify is the one warning that can end a
            // handshake.
            level: if description == rustls::AlertDescription::CloseNotify {
                "warning"
            } else {
                "fatal"
            }
            .into(),
            description: alert_name(u8::from(description)),
            code: u8::from(description),
        });
    }

    /// A clear alert record: level, then description.
    fn report_alert(&self, direction: Direction, record: &[u8]) {
        if let (Some(&level), Some(&code)) = (record.get(5), record.get(6)) {
            self.sink.emit(Event::Alert {
                direction,
                level: if level == 2 { "fatal" } else { "warning" }.into(),
                description: alert_name(code),
                code,
            });
        }
    }

    /// With `--bytes`: the record's bytes, named, and what was opened, on its event.
    fn keep(&mut self, record: &[u8], info: &mut RecordInfo, opened: Option<Opened>) {
        if let Some(capture) = &mut self.capture {
            info.bytes = Some(Box::new(capture.record(record, info, self.version, opened)));
        }
    }

    /// Name what an encrypted record carries, where the protocol or the session's keys allow;
    /// with `--bytes`, the record opened.
    fn look_inside(
        &mut self,
        direction: Direction,
        record: &[u8],
        info: &mut RecordInfo,
    ) -> Option<Opened> {
        if !info.encrypted {
            return None;
        }
        let mut opened = None;
        if self.is_tls12() {
            if let Some(capture) = &mut self.capture {
                opened = capture.open_tls12(direction, record, &self.hooks.keys);
            }
        }
        match info.content_type {
            ContentType::Handshake => {
                // TLS 1.2: the first encrypted handshake message after ChangeCipherSpec is the
                // Finished; the protocol fixes its place. Later ones (renegotiation) stay
                // unnamed.
                let named = &mut self.finished_named[side(direction)];
                if !*named {
                    *named = true;
                    info.messages = vec![HandshakeMessage::Finished];
                    info.note = Some("Finished".into());
                }
            }
            // TLS 1.3 dresses every encrypted record as application data (see `decrypt`).
            ContentType::ApplicationData => {
                let keep = self.capture.is_some();
                if let Some(inner) = self
                    .decryptor
                    .open(direction, record, &self.hooks.keys, keep)
                {
                    // Named messages say it all; for data and alerts our own label adds the
                    // meaning.
                    info.note = Some(match info.note.take() {
                        Some(n) if inner.messages.is_empty() => format!("{n}: {}", inner.summary),
                        _ => inner.summary,
                    });
                    info.messages = inner.messages;
                    opened = opened.or(inner.opened);
                }
            }
            ContentType::ChangeCipherSpec
            | ContentType::Alert
            | ContentType::Heartbeat
            | ContentType::Plaintext
            | ContentType::Unknown => {}
        }
        opened
    }

    /// A command handed to rustls (its secrets redacted in the event).
    pub fn command_sent(&mut self, args: &[String], plaintext_len: usize) {
        if let Some(capture) = &mut self.capture {
            capture.command(args);
        }
        self.sink.emit(Event::DataSent {
            command: resp::redact(args),
            plaintext_len,
            encrypted: true,
        });
    }

    /// Application data rustls decrypted, kept for the reply reader.
    pub fn application_data(&mut self, bytes: &[u8]) {
        self.plaintext.extend_from_slice(bytes);
    }

    /// The next whole reply to `args` (sent as `sent`; `shown`: the same with secrets masked),
    /// if it has arrived (and is reported, as redis-cli would print it for that command). Bytes
    /// that are not RESP, or `sent` echoed back, are not Redis.
    pub fn next_reply(
        &mut self,
        args: &[String],
        sent: &[u8],
        shown: &[u8],
    ) -> Result<Option<Reply>, NotRedis> {
        match resp::read_reply(&self.plaintext, sent, shown) {
            Ok(Some((reply, used))) => {
                self.plaintext.drain(..used);
                self.sink.emit(Event::DataReceived {
                    reply: reply.display_for(args),
                    error: reply.is_error(),
                    resp: Some(reply.clone()),
                });
                Ok(Some(reply))
            }
            Ok(None) => Ok(None),
            Err(not_redis) => Err(not_redis),
        }
    }
}

#[cfg(test)]
#[path = "tap_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "tap_bytes_tests.rs"]
mod bytes_tests;
