//! An opened record's plaintext, named: TLS 1.3's TLSInnerPlaintext (the content, the real
//! content type, the zero padding; RFC 8446 §5.2), or a TLS 1.2 record's content. Application
//! data is read as RESP, Redis's protocol: each command argument or reply value is a field.

use super::walk::{code8, Walk};
use super::{content, Annotated, Context, Field};
use crate::engine::probe::printable;
use crate::engine::resp;
use crate::engine::wire::{ContentType, TlsVersion};
use std::ops::Range;

/// What kind of plaintext is being annotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InnerContent {
    /// TLS 1.3: content, then its real type byte, then zeros.
    Tls13,
    /// TLS 1.2: the content alone, of the record's type.
    Tls12(ContentType),
}

/// Name every byte of an opened record's plaintext. `continuation`: bytes of a handshake
/// message begun in an earlier record. `masked`: ranges replaced because they held a secret
/// (a password): every field over them says `***`.
pub fn annotate_inner(
    plaintext: &[u8],
    kind: InnerContent,
    continuation: usize,
    masked: &[Range<usize>],
) -> Annotated {
    let mut w = Walk::new(plaintext);
    let mut pending = 0;
    match kind {
        InnerContent::Tls13 => {
            let ctx = Context {
                continuation,
                ..Context::clear(Some(TlsVersion::Tls13))
            };
            // The real type is the last non-zero byte; everything after it is padding.
            if let Some(end) = plaintext.iter().rposition(|&b| b != 0) {
                let real = plaintext.get(end).copied().unwrap_or_default();
                let _ = w.scope(end, "inner_plaintext.content", |w| {
                    inner_content(w, ContentType::from_byte(real), &ctx, &mut pending)
                });
                let _ = w.u8("inner_plaintext.content_type", |t| {
                    code8(ContentType::from_byte(t).name(), t)
                });
            }
            w.rest("inner_plaintext.zeros");
        }
        InnerContent::Tls12(content_type) => {
            let ctx = Context {
                continuation,
                ..Context::clear(Some(TlsVersion::Tls12))
            };
            let _ = inner_content(&mut w, content_type, &ctx, &mut pending);
            w.rest("content");
        }
    }
    let mut fields = w.fields;
    mask(&mut fields, masked);
    Annotated { fields, pending }
}

fn inner_content(
    w: &mut Walk,
    content_type: ContentType,
    ctx: &Context,
    pending: &mut usize,
) -> Option<()> {
    if content_type == ContentType::ApplicationData {
        resp_values(w);
        w.rest("application_data");
        return Some(());
    }
    content(w, content_type, ctx, pending)
}

/// RESP values back to back: an array (a command) is its header and one field per element.
fn resp_values(w: &mut Walk) {
    while let Some(rest) = w.peek(0, w.remaining()).filter(|r| !r.is_empty()) {
        let Ok(Some((_, used))) = resp::parse(rest) else {
            return;
        };
        let before = w.pos();
        let header = rest
            .windows(2)
            .position(|p| p == b"\r\n")
            .map_or(used, |at| at + 2);
        match rest.first() {
            Some(b'*') if header < used => {
                let _ = w.scope(used, "resp.array", |w| {
                    w.field("resp.array_header", header, |h| {
                        let count =
                            printable(h.get(1..h.len().saturating_sub(2)).unwrap_or_default());
                        let plural = if count == "1" { "" } else { "s" };
                        format!("{count} element{plural}")
                    })?;
                    let mut i = 0;
                    while w.remaining() > 0 {
                        let element = w.peek(0, w.remaining())?;
                        let (_, n) = resp::parse(element).ok()??;
                        w.field(format!("resp.elements[{i}]"), n, value_text)?;
                        i += 1;
                    }
                    Some(())
                });
            }
            kind => {
                let name = match kind {
                    Some(b'+') => "resp.simple_string",
                    Some(b'-') => "resp.error",
                    Some(b':') => "resp.integer",
                    Some(b'$') => "resp.bulk_string",
                    _ => "resp.value",
                };
                let _ = w.field(name, used, value_text);
            }
        }
        if w.pos() == before {
            return;
        }
    }
}

/// A RESP value as text: a bulk string's data without its framing, anything else its line.
fn value_text(bytes: &[u8]) -> String {
    let header = bytes
        .windows(2)
        .position(|p| p == b"\r\n")
        .unwrap_or(bytes.len());
    match bytes.first() {
        Some(b'$') => {
            let data = bytes
                .get(header + 2..bytes.len().saturating_sub(2))
                .unwrap_or_default();
            printable(data)
        }
        _ => printable(bytes.get(..header).unwrap_or(bytes)),
    }
}

/// Fields over a masked range show `***`, never what was there.
fn mask(fields: &mut [Field], masked: &[Range<usize>]) {
    for field in fields {
        let span = field.offset..field.offset + field.len;
        if masked
            .iter()
            .any(|m| m.start < span.end && span.start < m.end)
        {
            field.value = "***".into();
        }
    }
}
