//! What the schedule reads from the wire: the suite's parameters, handshake messages
//! reassembled from records, the few hello fields the schedule needs, and records opened with
//! the keys derived here (RFC 8446 §5.2-5.3; RFC 5288 and RFC 7905 for TLS 1.2).
//! Every read is bounds-checked: the bytes came from a peer.

use super::prim::Hash;
use super::Wiped;
use ring::aead;
use zeroize::Zeroizing;

/// A cipher suite's parameters.
pub struct Suite {
    pub tls13: bool,
    pub hash: Hash,
    pub aead: &'static aead::Algorithm,
    pub key_len: usize,
    /// TLS 1.3 and ChaCha20 under TLS 1.2: 12; AES-GCM under TLS 1.2: the 4-byte salt.
    pub iv_len: usize,
    /// TLS 1.2 AES-GCM: an 8-byte explicit nonce leads each record.
    pub explicit_nonce: bool,
}

impl Suite {
    pub fn of(suite: rustls::CipherSuite) -> Option<Suite> {
        use rustls::CipherSuite as C;
        let (tls13, hash, aead): (bool, Hash, &'static aead::Algorithm) = match suite {
            C::TLS13_AES_128_GCM_SHA256 => (true, Hash::Sha256, &aead::AES_128_GCM),
            C::TLS13_AES_256_GCM_SHA384 => (true, Hash::Sha384, &aead::AES_256_GCM),
            C::TLS13_CHACHA20_POLY1305_SHA256 => (true, Hash::Sha256, &aead::CHACHA20_POLY1305),
            C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            | C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => (false, Hash::Sha256, &aead::AES_128_GCM),
            C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            | C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => (false, Hash::Sha384, &aead::AES_256_GCM),
            C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
            | C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
                (false, Hash::Sha256, &aead::CHACHA20_POLY1305)
            }
            _ => return None,
        };
        let gcm12 = !tls13 && aead != &aead::CHACHA20_POLY1305;
        Some(Suite {
            tls13,
            hash,
            aead,
            key_len: aead.key_len(),
            iv_len: if gcm12 { 4 } else { aead::NONCE_LEN },
            explicit_nonce: gcm12,
        })
    }
}

/// Record content types.
pub const CHANGE_CIPHER_SPEC: u8 = 20;
pub const HANDSHAKE: u8 = 22;
pub const APPLICATION_DATA: u8 = 23;

/// Handshake message types.
pub const CLIENT_HELLO: u8 = 1;
pub const SERVER_HELLO: u8 = 2;
pub const SERVER_KEY_EXCHANGE: u8 = 12;
pub const CLIENT_KEY_EXCHANGE: u8 = 16;
pub const FINISHED: u8 = 20;

/// RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

pub fn content_type(record: &[u8]) -> u8 {
    record.first().copied().unwrap_or(0)
}

/// A name for a handshake message type, as the lesson names it.
pub fn message_name(kind: u8) -> &'static str {
    match kind {
        1 => "ClientHello",
        2 => "ServerHello",
        4 => "NewSessionTicket",
        8 => "EncryptedExtensions",
        11 => "Certificate",
        12 => "ServerKeyExchange",
        13 => "CertificateRequest",
        14 => "ServerHelloDone",
        15 => "CertificateVerify",
        16 => "ClientKeyExchange",
        20 => "Finished",
        24 => "KeyUpdate",
        _ => "handshake message",
    }
}

/// Handshake messages that may span records: bytes in, whole messages out.
#[derive(Default)]
pub struct Reassembler {
    pending: Wiped,
}

impl Reassembler {
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Wiped> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(len) = message_len(&self.pending) {
            if self.pending.len() < 4 + len {
                break;
            }
            out.push(Zeroizing::new(self.pending[..4 + len].to_vec()));
            self.pending.drain(..4 + len);
        }
        out
    }
}

fn message_len(message: &[u8]) -> Option<usize> {
    let h = message.get(..4)?;
    Some((usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]))
}

/// A handshake message's body (after its 4-byte header).
pub fn body(message: &[u8]) -> &[u8] {
    message.get(4..).unwrap_or_default()
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// The 32-byte random of a ClientHello or ServerHello.
pub fn hello_random(message: &[u8]) -> Option<&[u8]> {
    body(message).get(2..34)
}

pub fn is_hello_retry(message: &[u8]) -> bool {
    message.first() == Some(&SERVER_HELLO) && hello_random(message) == Some(&HELLO_RETRY_RANDOM[..])
}

/// The extensions of a hello, as (type, body) pairs.
fn hello_extensions(message: &[u8]) -> Vec<(u16, &[u8])> {
    let b = body(message);
    let client = message.first() == Some(&CLIENT_HELLO);
    // version(2) random(32) session_id<1>
    let Some(&sid) = b.get(34) else {
        return Vec::new();
    };
    let mut at = 35 + usize::from(sid);
    if client {
        let Some(suites) = u16_at(b, at) else {
            return Vec::new();
        };
        at += 2 + usize::from(suites);
        let Some(&methods) = b.get(at) else {
            return Vec::new();
        };
        at += 1 + usize::from(methods);
    } else {
        at += 3; // cipher_suite(2) compression_method(1)
    }
    let Some(total) = u16_at(b, at) else {
        return Vec::new();
    };
    let mut rest = b
        .get(at + 2..at + 2 + usize::from(total))
        .unwrap_or_default();
    let mut out = Vec::new();
    while let (Some(kind), Some(len)) = (u16_at(rest, 0), u16_at(rest, 2)) {
        let Some(ext) = rest.get(4..4 + usize::from(len)) else {
            break;
        };
        out.push((kind, ext));
        rest = &rest[4 + usize::from(len)..];
    }
    out
}

const KEY_SHARE: u16 = 51;
const EXTENDED_MASTER_SECRET: u16 = 23;
const PRE_SHARED_KEY: u16 = 41;

/// The ServerHello's key share: group and public key.
pub fn server_key_share(server_hello: &[u8]) -> Option<(u16, &[u8])> {
    let (_, ext) = hello_extensions(server_hello)
        .into_iter()
        .find(|(k, _)| *k == KEY_SHARE)?;
    let group = u16_at(ext, 0)?;
    let len = usize::from(u16_at(ext, 2)?);
    Some((group, ext.get(4..4 + len)?))
}

/// The ClientHello's key share for `group`.
pub fn client_key_share(client_hello: &[u8], group: u16) -> Option<&[u8]> {
    let (_, ext) = hello_extensions(client_hello)
        .into_iter()
        .find(|(k, _)| *k == KEY_SHARE)?;
    let mut rest = ext.get(2..)?;
    while let (Some(g), Some(len)) = (u16_at(rest, 0), u16_at(rest, 2)) {
        let key = rest.get(4..4 + usize::from(len))?;
        if g == group {
            return Some(key);
        }
        rest = &rest[4 + usize::from(len)..];
    }
    None
}

/// The ServerHello accepted a pre-shared key (a resumed TLS 1.3 session).
pub fn accepted_psk(server_hello: &[u8]) -> bool {
    hello_extensions(server_hello)
        .iter()
        .any(|(k, _)| *k == PRE_SHARED_KEY)
}

/// The server agreed to the extended master secret (RFC 7627).
pub fn extended_master_secret(server_hello: &[u8]) -> bool {
    hello_extensions(server_hello)
        .iter()
        .any(|(k, _)| *k == EXTENDED_MASTER_SECRET)
}

/// TLS 1.2 ServerKeyExchange (ECDHE, named curve): the group and the server's public key.
pub fn server_key_exchange(message: &[u8]) -> Option<(u16, &[u8])> {
    let b = body(message);
    if b.first() != Some(&3) {
        return None;
    }
    let group = u16_at(b, 1)?;
    let len = usize::from(*b.get(3)?);
    Some((group, b.get(4..4 + len)?))
}

/// TLS 1.2 ClientKeyExchange (ECDHE): the client's public key.
pub fn client_key_exchange(message: &[u8]) -> Option<&[u8]> {
    let b = body(message);
    let len = usize::from(*b.first()?);
    b.get(1..1 + len)
}

/// One direction's records under one key: how many opened, whether one failed, what they held.
#[derive(Default)]
pub struct Opened {
    pub count: usize,
    pub failed: bool,
    pub carried: Vec<String>,
    pub seq: u64,
}

impl Opened {
    /// Note what an opened record carried (message names in order, never contents).
    pub fn carried(&mut self, what: &str) {
        if self.carried.last().map(String::as_str) != Some(what) {
            self.carried.push(what.to_string());
        }
    }
}

fn nonce(iv: &[u8], seq: u64) -> Option<aead::Nonce> {
    let mut nonce = [0u8; aead::NONCE_LEN];
    if iv.len() != aead::NONCE_LEN {
        return None;
    }
    nonce.copy_from_slice(iv);
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    Some(aead::Nonce::assume_unique_for_key(nonce))
}

/// Open a TLS 1.3 record (seq-th under this key): the real content type and the content
/// (padding removed).
pub fn open13(
    suite: &Suite,
    key: &[u8],
    iv: &[u8],
    seq: u64,
    record: &[u8],
) -> Option<(u8, Wiped)> {
    let header = record.get(..5)?;
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, key).ok()?);
    let mut body = Zeroizing::new(record.get(5..)?.to_vec());
    let plain = key
        .open_in_place(nonce(iv, seq)?, aead::Aad::from(header), &mut body)
        .ok()?;
    let end = plain.iter().rposition(|&b| b != 0)?;
    let kind = plain[end];
    Some((kind, Zeroizing::new(plain[..end].to_vec())))
}

/// Open a TLS 1.2 AEAD record (seq-th in its direction since ChangeCipherSpec).
pub fn open12(suite: &Suite, key: &[u8], iv: &[u8], seq: u64, record: &[u8]) -> Option<Wiped> {
    let header = record.get(..5)?;
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, key).ok()?);
    let payload = record.get(5..)?;
    let (nonce, ciphertext) = if suite.explicit_nonce {
        let explicit = payload.get(..8)?;
        let mut n = [0u8; aead::NONCE_LEN];
        n.get_mut(..4)?.copy_from_slice(iv.get(..4)?);
        n[4..].copy_from_slice(explicit);
        (aead::Nonce::assume_unique_for_key(n), payload.get(8..)?)
    } else {
        (nonce(iv, seq)?, payload)
    };
    let plain_len = ciphertext.len().checked_sub(suite.aead.tag_len())?;
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&seq.to_be_bytes());
    aad[8..11].copy_from_slice(&header[..3]);
    aad[11..].copy_from_slice(&u16::try_from(plain_len).ok()?.to_be_bytes());
    let mut body = Zeroizing::new(ciphertext.to_vec());
    let plain = key
        .open_in_place(nonce, aead::Aad::from(aad), &mut body)
        .ok()?;
    Some(Zeroizing::new(plain.to_vec()))
}

/// The transcript: handshake messages in order, hashed as RFC 8446 §4.4.1 says (a
/// HelloRetryRequest replaces the first ClientHello by its hash in a `message_hash` message).
#[derive(Default)]
pub struct Transcript {
    messages: Vec<Wiped>,
}

impl Transcript {
    pub fn push(&mut self, message: Wiped) {
        self.messages.push(message);
    }

    pub fn hash(&self, hash: Hash) -> Vec<u8> {
        let retry = self.messages.get(1).is_some_and(|m| is_hello_retry(m));
        match self.messages.first() {
            Some(first) if retry => {
                let inner = hash.digest(first);
                let len = u8::try_from(inner.len()).unwrap_or(u8::MAX);
                let synthetic = [&[254u8, 0, 0, len][..], &inner[..]].concat();
                hash.digest_all(
                    std::iter::once(&synthetic[..])
                        .chain(self.messages[1..].iter().map(|m| &m[..])),
                )
            }
            _ => hash.digest_all(self.messages.iter().map(|m| &m[..])),
        }
    }

    /// The TLS 1.2 session hash: every message so far, as they are.
    pub fn hash_plain(&self, hash: Hash) -> Vec<u8> {
        hash.digest_all(self.messages.iter().map(|m| &m[..]))
    }
}
