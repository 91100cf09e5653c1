//! The record tap: split a byte stream into TLS records and decode what travels in clear.
//!
//! The splitter never trusts the peer: a bad header or an oversized length is reported as such,
//! never a panic, and it never buffers more than one maximum-size record.

use super::events::{Direction, HandshakeMessage, RecordInfo};
use tls_parser::{parse_tls_plaintext, TlsMessage, TlsMessageHandshake};

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
        if !(20..=24).contains(&self.buf[0]) {
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

pub fn content_type_name(byte: u8) -> &'static str {
    match byte {
        20 => "change_cipher_spec",
        21 => "alert",
        22 => "handshake",
        23 => "application_data",
        24 => "heartbeat",
        _ => "unknown",
    }
}

pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("0x{other:04x}"),
    }
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
    let content_type = record.first().copied().unwrap_or(0);
    let version = if record.len() >= 3 {
        u16::from_be_bytes([record[1], record[2]])
    } else {
        0
    };
    let body_len = record.len().saturating_sub(HEADER_LEN);
    // Under TLS 1.3 every encrypted record is dressed as application_data.
    let encrypted = encrypted || content_type == 23;
    let messages = if content_type == 22 && !encrypted {
        decode_handshake(record)
    } else {
        Vec::new()
    };
    RecordInfo {
        direction,
        content_type: content_type_name(content_type).to_string(),
        version: version_name(version),
        length: body_len,
        encrypted,
        messages,
        head_hex: hex(&record[..record.len().min(32)]),
        note: None,
    }
}

fn decode_handshake(record: &[u8]) -> Vec<HandshakeMessage> {
    let Ok((_, plaintext)) = parse_tls_plaintext(record) else {
        return vec![HandshakeMessage::Other {
            name: "undecodable handshake message".into(),
        }];
    };
    plaintext
        .msg
        .iter()
        .filter_map(|msg| match msg {
            TlsMessage::Handshake(hs) => Some(handshake_message(hs)),
            _ => None,
        })
        .collect()
}

fn handshake_message(hs: &TlsMessageHandshake) -> HandshakeMessage {
    match hs {
        TlsMessageHandshake::ClientHello(ch) => {
            let ext = Extensions::parse(ch.ext.unwrap_or_default());
            let mut versions: Vec<String> = ext
                .supported_versions_list()
                .into_iter()
                .map(version_name)
                .collect();
            if versions.is_empty() {
                versions.push(version_name(ch.version.0));
            }
            HandshakeMessage::ClientHello {
                versions,
                cipher_suites: ch.ciphers.iter().map(|c| cipher_name(c.0)).collect(),
                groups: ext.u16_list(10).into_iter().map(group_name).collect(),
                key_shares: ext
                    .client_key_share_groups()
                    .into_iter()
                    .map(group_name)
                    .collect(),
                sni: ext.sni(),
                alpn: ext.alpn(),
                signature_algorithms: ext.u16_list(13).into_iter().map(sig_name).collect(),
            }
        }
        // RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this random.
        TlsMessageHandshake::ServerHello(sh) if sh.random == HELLO_RETRY_RANDOM => {
            HandshakeMessage::Other {
                name: "HelloRetryRequest".into(),
            }
        }
        TlsMessageHandshake::ServerHello(sh) => {
            let ext = Extensions::parse(sh.ext.unwrap_or_default());
            let version = ext.get(43).and_then(read_u16).unwrap_or(sh.version.0);
            HandshakeMessage::ServerHello {
                version: version_name(version),
                cipher_suite: cipher_name(sh.cipher.0),
                key_share_group: ext.get(51).and_then(read_u16).map(group_name),
            }
        }
        TlsMessageHandshake::Certificate(c) => HandshakeMessage::Certificate {
            count: c.cert_chain.len(),
        },
        TlsMessageHandshake::CertificateRequest(_) => HandshakeMessage::CertificateRequest,
        TlsMessageHandshake::ServerKeyExchange(_) => HandshakeMessage::ServerKeyExchange,
        TlsMessageHandshake::ServerDone(_) => HandshakeMessage::ServerHelloDone,
        TlsMessageHandshake::ClientKeyExchange(_) => HandshakeMessage::ClientKeyExchange,
        TlsMessageHandshake::CertificateVerify(_) => HandshakeMessage::CertificateVerify,
        TlsMessageHandshake::Finished(_) => HandshakeMessage::Finished,
        TlsMessageHandshake::NewSessionTicket(_) => HandshakeMessage::NewSessionTicket,
        other => HandshakeMessage::Other {
            name: format!("{other:?}")
                .split(['(', ' '])
                .next()
                .unwrap_or("Other")
                .to_string(),
        },
    }
}

const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

pub fn cipher_name(id: u16) -> String {
    format!("{:?}", rustls::CipherSuite::from(id))
}

pub fn group_name(id: u16) -> String {
    format!("{:?}", rustls::NamedGroup::from(id))
}

pub fn sig_name(id: u16) -> String {
    format!("{:?}", rustls::SignatureScheme::from(id))
}

fn read_u16(b: &[u8]) -> Option<u16> {
    (b.len() >= 2).then(|| u16::from_be_bytes([b[0], b[1]]))
}

/// Hello extensions as (type, body) pairs; malformed tails are ignored, never trusted.
struct Extensions<'a>(Vec<(u16, &'a [u8])>);

impl<'a> Extensions<'a> {
    fn parse(mut raw: &'a [u8]) -> Self {
        let mut list = Vec::new();
        while raw.len() >= 4 {
            let kind = u16::from_be_bytes([raw[0], raw[1]]);
            let len = usize::from(u16::from_be_bytes([raw[2], raw[3]]));
            if raw.len() < 4 + len {
                break;
            }
            list.push((kind, &raw[4..4 + len]));
            raw = &raw[4 + len..];
        }
        Self(list)
    }

    fn get(&self, kind: u16) -> Option<&'a [u8]> {
        self.0.iter().find(|(k, _)| *k == kind).map(|(_, b)| *b)
    }

    /// A list prefixed by a 2-byte length, of 2-byte items (groups, signature schemes).
    fn u16_list(&self, kind: u16) -> Vec<u16> {
        let Some(body) = self.get(kind) else {
            return Vec::new();
        };
        let items = body.get(2..).unwrap_or_default();
        items
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    fn supported_versions_list(&self) -> Vec<u16> {
        let Some(body) = self.get(43) else {
            return Vec::new();
        };
        body.get(1..)
            .unwrap_or_default()
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .filter(|v| v & 0x0f0f != 0x0a0a) // GREASE values say nothing
            .collect()
    }

    fn client_key_share_groups(&self) -> Vec<u16> {
        let Some(body) = self.get(51) else {
            return Vec::new();
        };
        let mut rest = body.get(2..).unwrap_or_default();
        let mut groups = Vec::new();
        while rest.len() >= 4 {
            let group = u16::from_be_bytes([rest[0], rest[1]]);
            let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
            groups.push(group);
            rest = rest.get(4 + len..).unwrap_or_default();
        }
        groups
    }

    fn sni(&self) -> Option<String> {
        let body = self.get(0)?;
        // list length (2), name type (1), name length (2), name
        let len = usize::from(read_u16(body.get(3..)?)?);
        let name = body.get(5..5 + len)?;
        Some(String::from_utf8_lossy(name).into_owned())
    }

    fn alpn(&self) -> Vec<String> {
        let Some(body) = self.get(16) else {
            return Vec::new();
        };
        let mut rest = body.get(2..).unwrap_or_default();
        let mut out = Vec::new();
        while let Some((&len, tail)) = rest.split_first() {
            let len = usize::from(len);
            let Some(name) = tail.get(..len) else { break };
            out.push(String::from_utf8_lossy(name).into_owned());
            rest = &tail[len..];
        }
        out
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
        assert_eq!(info.content_type, "application_data");
        assert_eq!(info.length, 50);
        assert!(info.messages.is_empty());
    }
}
