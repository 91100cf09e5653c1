//! Records: split a byte stream into TLS records, and describe one (its clear handshake messages
//! are decoded in `handshake`).
//!
//! The splitter never trusts the peer: a bad header or an oversized length is reported as such,
//! never a panic, and it never buffers more than one maximum-size record.

use super::events::{Direction, RecordInfo};
use super::handshake::decode_handshake;
use super::wire::{ContentType, TlsVersion};

/// Largest record body TLS allows: 2^14 plaintext plus 2048 bytes of expansion (TLS 1.2's limit,
/// looser than TLS 1.3's 256).
pub const MAX_RECORD_BODY: usize = 16384 + 2048;
pub const HEADER_LEN: usize = 5;

/// Why bytes could not be split into records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The first bytes are not a TLS record header at all.
    NotTls,
    /// A header declaring a body longer than TLS allows.
    Oversized(usize),
}

/// Accumulates bytes from reads and yields whole records, however the reads were cut.
#[derive(Debug, Default)]
pub struct RecordSplitter {
    buf: Vec<u8>,
}

impl RecordSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered but not yet part of a whole record.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes of a record that has started but is not whole yet (0 if what is buffered holds a
    /// whole record, or nothing).
    pub fn incomplete_len(&self) -> usize {
        if self.buf.len() >= HEADER_LEN {
            let body = usize::from(u16::from_be_bytes([self.buf[3], self.buf[4]]));
            if self.buf.len() >= HEADER_LEN + body {
                return 0;
            }
        }
        self.buf.len()
    }

    /// The next complete record (header included), `Ok(None)` when more bytes are needed.
    pub fn next_record(&mut self) -> Result<Option<Vec<u8>>, SplitError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        // Judge the header as soon as its first bytes are here, so non-TLS peers are caught early.
        if ContentType::from_byte(self.buf[0]) == ContentType::Unknown {
            return Err(SplitError::NotTls);
        }
        if self.buf.len() >= 2 && self.buf[1] != 3 {
            return Err(SplitError::NotTls);
        }
        if self.buf.len() < HEADER_LEN {
            return Ok(None);
        }
        let body_len = usize::from(u16::from_be_bytes([self.buf[3], self.buf[4]]));
        if body_len > MAX_RECORD_BODY {
            return Err(SplitError::Oversized(body_len));
        }
        let total = HEADER_LEN + body_len;
        if self.buf.len() < total {
            return Ok(None);
        }
        let rest = self.buf.split_off(total);
        Ok(Some(std::mem::replace(&mut self.buf, rest)))
    }
}

/// Split bytes that are known to be whole records (our own output). Trailing partial bytes are
/// returned as a last chunk rather than dropped.
pub fn split_complete(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= HEADER_LEN {
        let len = HEADER_LEN + usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let take = len.min(rest.len());
        out.push(rest[..take].to_vec());
        rest = &rest[take..];
    }
    if !rest.is_empty() {
        out.push(rest.to_vec());
    }
    out
}

/// One clear handshake record holding several messages → one record per message. Anything that
/// does not parse cleanly is returned untouched.
pub fn split_handshake_messages(record: &[u8]) -> Vec<Vec<u8>> {
    let Some(body) = record.get(5..) else {
        return vec![record.to_vec()];
    };
    let mut messages = Vec::new();
    let mut rest = body;
    while rest.len() >= 4 {
        let len = (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
        let Some(message) = rest.get(..4 + len) else {
            return vec![record.to_vec()];
        };
        messages.push(message);
        rest = &rest[4 + len..];
    }
    if !rest.is_empty() || messages.len() < 2 {
        return vec![record.to_vec()];
    }
    messages
        .into_iter()
        .map(|m| {
            let mut r = record[..3].to_vec();
            r.extend_from_slice(&(m.len() as u16).to_be_bytes());
            r.extend_from_slice(m);
            r
        })
        .collect()
}

/// Lower-case hex, without a `format!` per byte (this runs for every record).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Describe one record. `encrypted` says whether this direction is already under keys;
/// only clear handshake records are decoded.
pub fn describe(direction: Direction, record: &[u8], encrypted: bool) -> RecordInfo {
    let content_type = ContentType::of(record);
    let version = match record {
        [_, major, minor, ..] => u16::from_be_bytes([*major, *minor]),
        _ => 0,
    };
    let body_len = record.len().saturating_sub(HEADER_LEN);
    // Under TLS 1.3 every encrypted record is dressed as application_data.
    let encrypted = encrypted || content_type == ContentType::ApplicationData;
    let messages = if content_type == ContentType::Handshake && !encrypted {
        decode_handshake(record)
    } else {
        Vec::new()
    };
    RecordInfo {
        direction,
        content_type,
        version: Some(TlsVersion::from_wire(version)),
        length: body_len,
        encrypted,
        messages,
        head_hex: hex(&record[..record.len().min(32)]),
        note: None,
        bytes: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(content_type: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![content_type, 3, 3];
        r.extend_from_slice(&(body.len() as u16).to_be_bytes());
        r.extend_from_slice(body);
        r
    }

    #[test]
    fn splits_records_cut_across_reads() {
        let a = record(22, &[1; 300]);
        let b = record(23, &[2; 40]);
        let mut wire = a.clone();
        wire.extend_from_slice(&b);
        let mut splitter = RecordSplitter::new();
        let mut got = Vec::new();
        for chunk in wire.chunks(7) {
            splitter.push(chunk);
            while let Some(r) = splitter.next_record().unwrap() {
                got.push(r);
            }
        }
        assert_eq!(got, vec![a, b]);
        assert!(splitter.pending().is_empty());
    }

    #[test]
    fn yields_several_records_from_one_read() {
        let records: Vec<_> = (0..5u8)
            .map(|i| record(23, &vec![i; 10 + i as usize]))
            .collect();
        let mut splitter = RecordSplitter::new();
        splitter.push(&records.concat());
        for expected in &records {
            assert_eq!(splitter.next_record().unwrap().as_ref(), Some(expected));
        }
        assert_eq!(splitter.next_record().unwrap(), None);
    }

    #[test]
    fn waits_for_a_partial_header() {
        let mut splitter = RecordSplitter::new();
        splitter.push(&[22, 3, 3]);
        assert_eq!(splitter.next_record().unwrap(), None);
        splitter.push(&[0, 1, 9]);
        assert_eq!(
            splitter.next_record().unwrap(),
            Some(vec![22, 3, 3, 0, 1, 9])
        );
    }

    #[test]
    fn rejects_non_tls_bytes_at_once() {
        let mut splitter = RecordSplitter::new();
        splitter.push(b"+PONG\r\n");
        assert_eq!(splitter.next_record(), Err(SplitError::NotTls));
        let mut splitter = RecordSplitter::new();
        splitter.push(b"H");
        assert_eq!(splitter.next_record(), Err(SplitError::NotTls));
    }

    #[test]
    fn rejects_oversized_records() {
        let mut splitter = RecordSplitter::new();
        splitter.push(&[23, 3, 3, 0xff, 0xff]);
        assert_eq!(splitter.next_record(), Err(SplitError::Oversized(65535)));
    }

    #[test]
    fn split_complete_keeps_trailing_bytes() {
        let mut wire = record(21, &[2, 40]);
        wire.extend_from_slice(&[23, 3]);
        let parts = split_complete(&wire);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], vec![23, 3]);
    }

    #[test]
    fn describes_encrypted_records_without_decoding() {
        let info = describe(Direction::In, &record(23, &[0; 50]), false);
        assert!(info.encrypted);
        assert_eq!(info.content_type, ContentType::ApplicationData);
        assert_eq!(info.length, 50);
        assert!(info.messages.is_empty());
    }
}
