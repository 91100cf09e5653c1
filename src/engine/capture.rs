//! `--bytes`: the tap keeps each record's whole bytes and names every one of them, and shows
//! what it opened with the session's keys (TLS 1.3 beside rustls, TLS 1.2 here, from the master
//! secret), passwords masked. Off by default: the tap then holds no `Capture` at all and the
//! path is unchanged.

use super::annotate::{self, annotate_inner, annotate_record, Context, InnerContent, Protection};
use super::bytes::{Decrypted, RecordBytes};
use super::decrypt::{Opened, SessionKeys, Wiped};
use super::decrypt12::Tls12Decryptor;
use super::events::{Direction, RecordInfo};
use super::resp;
use super::wire::{ContentType, TlsVersion};
use std::ops::Range;
use zeroize::Zeroizing;

#[derive(Default)]
pub struct Capture {
    tls12: Tls12Decryptor,
    /// Bytes of a handshake message still to come, per direction (out, in).
    pending: [usize; 2],
    /// Every secret argument sent so far (AUTH's password, …), to mask wherever it appears.
    secrets: Vec<Wiped>,
}

fn side(direction: Direction) -> usize {
    usize::from(direction == Direction::In)
}

impl Capture {
    pub fn negotiated(&mut self, suite: rustls::CipherSuite) {
        self.tls12.set_suite(suite);
    }

    /// A command about to be sent: remember the arguments `resp::redacted_args` hides.
    pub fn command(&mut self, args: &[String]) {
        let shown = resp::redacted_args(args);
        for (arg, shown) in args.iter().zip(&shown) {
            if arg != shown && !arg.is_empty() {
                self.secrets.push(Zeroizing::new(arg.as_bytes().to_vec()));
            }
        }
    }

    /// Open an encrypted TLS 1.2 record.
    pub fn open_tls12(
        &mut self,
        direction: Direction,
        record: &[u8],
        keys: &SessionKeys,
    ) -> Option<Opened> {
        self.tls12.open(direction, record, keys)
    }

    /// The bytes of one record as the event carries them.
    pub fn record(
        &mut self,
        record: &[u8],
        info: &RecordInfo,
        version: Option<TlsVersion>,
        opened: Option<Opened>,
    ) -> RecordBytes {
        let side = side(info.direction);
        let tls12 = version == Some(TlsVersion::Tls12);
        let protection = if !info.encrypted {
            Protection::Clear
        } else if tls12 {
            self.tls12
                .explicit_nonce()
                .map_or(Protection::Opaque, |explicit_nonce| Protection::Aead {
                    explicit_nonce,
                })
        } else if info.content_type == ContentType::ApplicationData {
            Protection::Aead { explicit_nonce: 0 }
        } else {
            Protection::Opaque
        };
        let handshake = !info.encrypted && info.content_type == ContentType::Handshake;
        let ctx = Context {
            version,
            protection,
            continuation: if handshake { self.pending[side] } else { 0 },
        };
        let annotated = annotate_record(record, &ctx);
        if handshake {
            self.pending[side] = annotated.pending;
            self.note_randoms(record, &annotated.fields);
        }
        let decrypted = opened.map(|opened| self.decrypted(info, tls12, opened));
        RecordBytes {
            hex: record.to_vec(),
            fields: annotated.fields,
            decrypted,
        }
    }

    /// The hellos' randoms, for TLS 1.2's key block.
    fn note_randoms(&mut self, record: &[u8], fields: &[annotate::Field]) {
        for field in fields {
            let bytes = record.get(field.offset..field.offset + field.len);
            match (field.name.as_str(), bytes) {
                ("client_hello.random", Some(random)) => self.tls12.client_random(random),
                ("server_hello.random", Some(random)) => self.tls12.server_random(random),
                _ => {}
            }
        }
    }

    fn decrypted(&mut self, info: &RecordInfo, tls12: bool, opened: Opened) -> Decrypted {
        let side = side(info.direction);
        let mut plaintext = opened.plaintext;
        let (kind, inner_type, content_len) = if tls12 {
            let len = plaintext.len();
            (
                InnerContent::Tls12(info.content_type),
                info.content_type,
                len,
            )
        } else {
            let end = plaintext.iter().rposition(|&b| b != 0).unwrap_or(0);
            let real = plaintext.get(end).copied().unwrap_or_default();
            (InnerContent::Tls13, ContentType::from_byte(real), end)
        };
        let masked = match plaintext.get_mut(..content_len) {
            Some(content) => mask_secrets(content, &self.secrets),
            None => Vec::new(),
        };
        let handshake = inner_type == ContentType::Handshake;
        let continuation = if handshake { self.pending[side] } else { 0 };
        let annotated = annotate_inner(&plaintext, kind, continuation, &masked);
        if handshake {
            self.pending[side] = annotated.pending;
        }
        Decrypted {
            epoch: opened.epoch,
            seq: opened.seq,
            nonce: opened.nonce,
            // Masked already: no password leaves in this copy.
            plaintext: plaintext.to_vec(),
            inner_content_type: inner_type,
            fields: annotated.fields,
        }
    }
}

/// Replace each secret sent as a RESP bulk string (`$len\r\n…\r\n`) with as many `*`; the
/// ranges replaced.
pub fn mask_secrets(content: &mut [u8], secrets: &[Wiped]) -> Vec<Range<usize>> {
    let mut masked = Vec::new();
    for secret in secrets {
        let mut framed = Zeroizing::new(format!("${}\r\n", secret.len()).into_bytes());
        let prefix = framed.len();
        framed.extend_from_slice(secret);
        framed.extend_from_slice(b"\r\n");
        let mut at = 0;
        while let Some(found) = content.get(at..).and_then(|rest| {
            rest.windows(framed.len())
                .position(|w| w == framed.as_slice())
        }) {
            let start = at + found + prefix;
            let range = start..start + secret.len();
            if let Some(bytes) = content.get_mut(range.clone()) {
                bytes.fill(b'*');
            }
            masked.push(range);
            at = start + secret.len();
        }
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_where_they_are_sent_as_arguments() {
        let secrets = [Zeroizing::new(b"hunter2".to_vec())];
        let mut content = b"*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$7\r\nhunter2\r\nhunter2".to_vec();
        let masked = mask_secrets(&mut content, &secrets);
        assert_eq!(masked, vec![Range { start: 29, end: 36 }]);
        assert_eq!(
            content,
            b"*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$7\r\n*******\r\nhunter2".to_vec()
        );
        let mut capture = Capture::default();
        capture.command(&["AUTH".into(), "alice".into(), "pw".into()]);
        capture.command(&["PING".into()]);
        assert_eq!(capture.secrets.len(), 1);
        assert_eq!(capture.secrets[0].as_slice(), b"pw");
    }
}
