//! Seeing inside TLS 1.3's encrypted records, for teaching: with the session's own traffic
//! secrets (from the `KeyLog` hook, kept in memory only), each record is opened a second time,
//! beside rustls, to name what it carries (EncryptedExtensions, Certificate, Finished, …).
//! Only message names and sizes come out; application data contents never do, except with
//! `--bytes`, where the opened record is kept ([`Opened`]) for the capture to show, passwords
//! masked.

use super::bytes::Epoch;
use super::events::{Direction, HandshakeMessage};
use super::wire::ContentType;
use ring::{aead, hkdf};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Bytes overwritten with zeros when dropped (secrets, the keys made from them, and opened
/// records, which may hold a password).
pub type Wiped = Zeroizing<Vec<u8>>;

/// Traffic secrets by label, for this connection only. Never printed, never serialized; every
/// copy, and every key derived from them, is wiped when dropped.
#[derive(Default)]
pub struct SessionKeys {
    secrets: Mutex<Vec<(String, Wiped)>>,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(…)")
    }
}

impl SessionKeys {
    pub fn store(&self, label: &str, secret: &[u8]) {
        let mut s = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        s.push((label.to_string(), Zeroizing::new(secret.to_vec())));
    }

    pub(super) fn get(&self, label: &str) -> Option<Wiped> {
        let s = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        s.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone())
    }
}

/// What an encrypted record turned out to carry.
#[derive(Debug)]
pub struct Inner {
    pub messages: Vec<HandshakeMessage>,
    pub summary: String,
    /// The record opened, when asked to keep it (`--bytes`).
    pub opened: Option<Opened>,
}

/// A record opened with the session's keys, as the capture shows it.
#[derive(Debug)]
pub struct Opened {
    pub epoch: Epoch,
    pub seq: u64,
    pub nonce: Vec<u8>,
    /// TLS 1.3: the whole TLSInnerPlaintext; TLS 1.2: the content.
    pub plaintext: Wiped,
}

struct DirState {
    epoch: Epoch,
    seq: u64,
    /// The key and IV of the current epoch, derived once (dropped on an epoch change).
    key: Option<(aead::LessSafeKey, Wiped)>,
    /// Handshake bytes of a message that continues in the next record.
    partial: Wiped,
    /// The traffic secret after a KeyUpdate (rustls logs only the first one).
    updated: Option<Wiped>,
}

impl Default for DirState {
    fn default() -> Self {
        DirState {
            epoch: Epoch::Handshake,
            seq: 0,
            key: None,
            partial: Wiped::default(),
            updated: None,
        }
    }
}

/// Per-connection decryption state for both directions.
#[derive(Default)]
pub struct Decryptor {
    suite: Option<(&'static aead::Algorithm, hkdf::Algorithm)>,
    states: [DirState; 2],
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
fn expand_label(alg: hkdf::Algorithm, secret: &[u8], label: &str, len: usize) -> Option<Wiped> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len());
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    let prk = hkdf::Prk::new_less_safe(alg, secret);
    let mut out = Zeroizing::new(vec![0u8; len]);
    prk.expand(&[&info], Len(len)).ok()?.fill(&mut out).ok()?;
    Some(out)
}

impl Decryptor {
    /// Set the TLS 1.3 suite once it is known (after the ServerHello).
    pub fn set_suite(&mut self, suite: rustls::CipherSuite) {
        self.suite = match suite {
            rustls::CipherSuite::TLS13_AES_128_GCM_SHA256 => {
                Some((&aead::AES_128_GCM, hkdf::HKDF_SHA256))
            }
            rustls::CipherSuite::TLS13_AES_256_GCM_SHA384 => {
                Some((&aead::AES_256_GCM, hkdf::HKDF_SHA384))
            }
            rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => {
                Some((&aead::CHACHA20_POLY1305, hkdf::HKDF_SHA256))
            }
            _ => None,
        };
    }

    /// Open one TLS 1.3 application_data record sent in `direction`; `None` when it cannot be
    /// opened (no suite or key yet, TLS 1.2, or not ours to read). `keep`: return the opened
    /// record too.
    pub fn open(
        &mut self,
        direction: Direction,
        record: &[u8],
        keys: &SessionKeys,
        keep: bool,
    ) -> Option<Inner> {
        let (alg, hash) = self.suite?;
        if ContentType::of(record) != ContentType::ApplicationData
            || record.len() < 5 + alg.tag_len()
        {
            return None;
        }
        let index = usize::from(direction == Direction::In);
        let state = &mut self.states[index];
        let side = if direction == Direction::In {
            "SERVER"
        } else {
            "CLIENT"
        };
        let label = match state.epoch {
            Epoch::Handshake => format!("{side}_HANDSHAKE_TRAFFIC_SECRET"),
            Epoch::Application { .. } => format!("{side}_TRAFFIC_SECRET_0"),
        };
        if state.key.is_none() {
            let secret = match &state.updated {
                Some(updated) => updated.clone(),
                None => keys.get(&label)?,
            };
            let key = expand_label(hash, &secret, "key", alg.key_len())?;
            let iv = expand_label(hash, &secret, "iv", aead::NONCE_LEN)?;
            let key = aead::LessSafeKey::new(aead::UnboundKey::new(alg, &key).ok()?);
            state.key = Some((key, iv));
        }
        let (key, iv) = state.key.as_ref()?;
        let mut nonce = [0u8; aead::NONCE_LEN];
        nonce.copy_from_slice(iv);
        for (n, s) in nonce[4..].iter_mut().zip(state.seq.to_be_bytes()) {
            *n ^= s;
        }
        // The plaintext may hold a password (AUTH): wiped like the keys.
        let mut body = Zeroizing::new(record[5..].to_vec());
        let plain = key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(&record[..5]),
                &mut body,
            )
            .ok()?;
        let plain_len = plain.len();
        let (epoch, seq) = (state.epoch, state.seq);
        state.seq += 1;
        // TLSInnerPlaintext: content, content type, zero padding.
        let end = plain.iter().rposition(|&b| b != 0)?;
        let content_type = plain[end];
        let content = &plain[..end];
        let inner = match ContentType::from_byte(content_type) {
            ContentType::Handshake => {
                // Messages may span records: name only whole ones, keep the rest for the next.
                state.partial.extend_from_slice(content);
                let (messages, used) = handshake_names(&state.partial);
                state.partial.drain(..used);
                if messages.contains(&HandshakeMessage::Finished) {
                    state.epoch = Epoch::Application { updated: 0 };
                    state.seq = 0;
                    state.key = None;
                }
                // RFC 8446 7.2: after a KeyUpdate, the next secret is derived from this one.
                let key_update = messages
                    .iter()
                    .any(|m| matches!(m, HandshakeMessage::Other { name } if name == "KeyUpdate"));
                if let (true, Epoch::Application { updated }) = (key_update, state.epoch) {
                    let current = match &state.updated {
                        Some(updated) => Some(updated.clone()),
                        None => keys.get(&label),
                    };
                    if let Some(current) = current {
                        state.updated =
                            expand_label(hash, &current, "traffic upd", hkdf::KeyType::len(&hash));
                        state.epoch = Epoch::Application {
                            updated: updated + 1,
                        };
                        state.seq = 0;
                        state.key = None;
                    }
                }
                let mut summary = messages
                    .iter()
                    .map(HandshakeMessage::name)
                    .collect::<Vec<_>>()
                    .join(" + ");
                if !state.partial.is_empty() {
                    if !summary.is_empty() {
                        summary.push_str(" + ");
                    }
                    summary.push_str("part of a handshake message (continues in the next record)");
                }
                (messages, summary)
            }
            ContentType::ApplicationData => (
                Vec::new(),
                format!("application data, {} bytes", content.len()),
            ),
            ContentType::Alert => (
                Vec::new(),
                match content.get(1) {
                    Some(&code) => format!("alert {}", super::tls_error::alert_name(code)),
                    None => "alert".into(),
                },
            ),
            ContentType::ChangeCipherSpec
            | ContentType::Heartbeat
            | ContentType::Plaintext
            | ContentType::Unknown => (Vec::new(), format!("content type {content_type}")),
        };
        let (messages, summary) = inner;
        let opened = keep.then(|| {
            body.truncate(plain_len);
            Opened {
                epoch,
                seq,
                nonce: nonce.to_vec(),
                plaintext: body,
            }
        });
        Some(Inner {
            messages,
            summary,
            opened,
        })
    }
}

/// Handshake messages in a decrypted fragment, by name (their contents stay private).
/// The whole handshake messages at the start of `content`, and how many bytes they used.
/// Walked by hand: tls-parser reads TLS 1.2 message bodies, and TLS 1.3's differ (a Certificate
/// carries a request context and per-entry extensions); only the type and length are needed.
fn handshake_names(content: &[u8]) -> (Vec<HandshakeMessage>, usize) {
    let mut out = Vec::new();
    let mut used = 0;
    while content.len() - used >= 4 {
        let rest = &content[used..];
        let len = (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
        if rest.len() < 4 + len {
            break;
        }
        let content = rest;
        out.push(match content[0] {
            4 => HandshakeMessage::NewSessionTicket,
            8 => HandshakeMessage::Other {
                name: "EncryptedExtensions".into(),
            },
            11 => HandshakeMessage::Certificate {
                count: tls13_certificate_count(content.get(4..4 + len).unwrap_or_default()),
            },
            13 => HandshakeMessage::CertificateRequest,
            15 => HandshakeMessage::CertificateVerify,
            20 => HandshakeMessage::Finished,
            24 => HandshakeMessage::Other {
                name: "KeyUpdate".into(),
            },
            t => HandshakeMessage::Other {
                name: format!("handshake type {t}"),
            },
        });
        used += 4 + len;
    }
    (out, used)
}

/// TLS 1.3 Certificate: context, then a list of (cert, extensions) entries.
fn tls13_certificate_count(body: &[u8]) -> usize {
    let Some(&ctx_len) = body.first() else {
        return 0;
    };
    let mut rest = body.get(1 + usize::from(ctx_len) + 3..).unwrap_or_default();
    let mut count = 0;
    while rest.len() >= 3 {
        let cert_len =
            (usize::from(rest[0]) << 16) | (usize::from(rest[1]) << 8) | usize::from(rest[2]);
        let Some(after) = rest.get(3 + cert_len..) else {
            break;
        };
        if after.len() < 2 {
            break;
        }
        let ext_len = usize::from(u16::from_be_bytes([after[0], after[1]]));
        rest = after.get(2 + ext_len..).unwrap_or_default();
        count += 1;
    }
    count
}
