//! Every byte of a record, named: the record's bytes → leaf fields `{offset, len, name, value}`
//! that tile it exactly (no gap, no overlap), named as dotted paths after the structures of
//! RFC 8446 (TLS 1.3) and RFC 5246 (TLS 1.2): `record.length`, `handshake.msg_type`,
//! `client_hello.random`, `client_hello.extensions.key_share.client_shares[0].key_exchange`, ….
//!
//! Pure: bytes in, fields out, no socket and no keys (the tap opens records and hands the
//! plaintext here). The bytes are the peer's: everything is bounds-checked, and what cannot be
//! read becomes one opaque field, so the tiling holds for any input. [`explain`] says in one
//! line what each name is for.

mod explain;
mod extensions;
mod hello;
mod messages;
mod plaintext;
mod walk;

pub use explain::explain;
pub use plaintext::{annotate_inner, InnerContent};

use super::tls_error::alert_name;
use super::wire::{ContentType, TlsVersion};
use serde::{Deserialize, Serialize};
use walk::{code16, code8, Walk};

/// One named run of bytes; `offset` is from the first byte of the unit annotated (the record,
/// header included, or an opened record's plaintext).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub offset: usize,
    pub len: usize,
    pub name: String,
    pub value: String,
}

/// How a record's body is protected, as far as the annotator needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Sent in clear: the body is read.
    Clear,
    /// An AEAD record: `explicit_nonce` bytes of nonce first (TLS 1.2 AES-GCM: 8; TLS 1.3 and
    /// ChaCha20-Poly1305: 0), then the ciphertext, then the 16-byte tag.
    Aead { explicit_nonce: usize },
    /// Ciphertext of an unknown shape: one opaque field.
    Opaque,
}

/// What the annotator is told about where a record sits in its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The version negotiated so far (`None` before the ServerHello): TLS 1.3 and 1.2 shape
    /// some messages differently (Certificate, CertificateRequest, NewSessionTicket).
    pub version: Option<TlsVersion>,
    pub protection: Protection,
    /// Bytes of a handshake message begun in an earlier record that open this one.
    pub continuation: usize,
}

impl Context {
    pub fn clear(version: Option<TlsVersion>) -> Self {
        Context {
            version,
            protection: Protection::Clear,
            continuation: 0,
        }
    }

    fn tls13(&self) -> bool {
        self.version == Some(TlsVersion::Tls13)
    }
}

/// The fields of a record, and how many bytes of its last handshake message are still to come
/// in the next record (0 when it ended on a message boundary).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Annotated {
    pub fields: Vec<Field>,
    pub pending: usize,
}

/// The AEAD tag's length for every suite tlsviz can negotiate.
pub const TAG_LEN: usize = 16;

/// Name every byte of one record (header included).
pub fn annotate_record(record: &[u8], ctx: &Context) -> Annotated {
    let mut w = Walk::new(record);
    let mut pending = 0;
    let content_type = w.u8("record.content_type", |t| {
        code8(ContentType::from_byte(t).name(), t)
    });
    let _ = w.u16("record.legacy_version", |v| {
        code16(TlsVersion::from_wire(v), v)
    });
    let length = w.length("record", 2);
    if let (Some(content_type), Some(length)) = (content_type, length) {
        // A header that claims more than there is: the body is what there is.
        let length = length.min(w.remaining());
        let _ = w.scope(length, "record.fragment", |w| {
            body(w, ContentType::from_byte(content_type), ctx, &mut pending)
        });
    }
    w.rest("record.trailing_bytes");
    debug_assert_eq!(w.pos(), record.len());
    Annotated {
        fields: w.fields,
        pending,
    }
}

fn body(w: &mut Walk, content_type: ContentType, ctx: &Context, pending: &mut usize) -> Option<()> {
    match ctx.protection {
        Protection::Aead { explicit_nonce } => {
            w.bytes("record.nonce_explicit", explicit_nonce)?;
            let ciphertext = w.remaining().checked_sub(TAG_LEN)?;
            w.bytes("record.encrypted_record", ciphertext)?;
            w.bytes("record.aead_tag", TAG_LEN).map(|_| ())
        }
        Protection::Opaque => {
            w.rest("record.encrypted_record");
            Some(())
        }
        Protection::Clear => content(w, content_type, ctx, pending),
    }
}

/// Clear content of one type (a record's body, or an opened record's inner content).
fn content(
    w: &mut Walk,
    content_type: ContentType,
    ctx: &Context,
    pending: &mut usize,
) -> Option<()> {
    match content_type {
        ContentType::Handshake => {
            *pending = handshake_stream(w, ctx);
            Some(())
        }
        ContentType::Alert => alert(w),
        ContentType::ChangeCipherSpec => w
            .u8("change_cipher_spec.type", |t| {
                code8("change_cipher_spec", t)
            })
            .map(|_| ()),
        ContentType::ApplicationData => {
            w.rest("application_data");
            Some(())
        }
        ContentType::Heartbeat => {
            w.rest("heartbeat");
            Some(())
        }
        ContentType::Plaintext | ContentType::Unknown => None,
    }
}

fn alert(w: &mut Walk) -> Option<()> {
    w.u8("alert.level", |l| {
        code8(
            match l {
                1 => "warning",
                2 => "fatal",
                _ => "unknown",
            },
            l,
        )
    })?;
    w.u8("alert.description", |d| code8(alert_name(d), d))
        .map(|_| ())
}

/// Handshake messages back to back until the scope ends; returns how many bytes of the last
/// one are still to come.
fn handshake_stream(w: &mut Walk, ctx: &Context) -> usize {
    let mut pending = 0;
    if ctx.continuation > 0 {
        let here = ctx.continuation.min(w.remaining());
        let _ = w.bytes("handshake.continuation", here);
        if here < ctx.continuation {
            return ctx.continuation - here;
        }
    }
    while w.remaining() > 0 {
        if w.remaining() < 4 {
            // A message header cut by the record boundary: too rare to follow across records.
            w.rest("handshake.fragment");
            break;
        }
        let Some(msg_type) = w.u8("handshake.msg_type", |t| {
            code8(messages::message_name(t), t)
        }) else {
            break;
        };
        let Some(len) = w.uint("handshake.length", 3, |v| v.to_string()) else {
            break;
        };
        let len = len as usize;
        if len > w.remaining() {
            // The message continues in the next record.
            pending = len - w.remaining();
            let name = format!("{}.fragment", messages::message_name(msg_type));
            w.rest(name);
            break;
        }
        let _ = w.scope(
            len,
            &format!("{}.body", messages::message_name(msg_type)),
            |w| messages::message(w, msg_type, ctx),
        );
    }
    pending
}

/// Whether `fields` tile `len` bytes exactly: in order, no gap, no overlap, nothing past the end.
pub fn tiles(fields: &[Field], len: usize) -> bool {
    let mut at = 0;
    for field in fields {
        if field.offset != at || field.len == 0 {
            return false;
        }
        at += field.len;
    }
    at == len
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
