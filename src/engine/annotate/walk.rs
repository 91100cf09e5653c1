//! The annotator's cursor: it reads a unit of bytes (a record, or an opened record's plaintext)
//! front to back and names each run of bytes it reads. It never reads past the end of the scope
//! it is in, and every scope is closed by naming whatever it did not understand as one opaque
//! field, so the fields always tile the unit exactly, whatever the bytes.

use super::Field;
use crate::engine::records::hex;

/// Byte fields longer than this show their size instead of their hex (the bytes are in the
/// record's own hex anyway; keys, randoms and signatures are shorter).
const HEX_VALUE_MAX: usize = 160;

pub struct Walk<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// End of the current scope (a length-prefixed vector or structure).
    end: usize,
    pub fields: Vec<Field>,
}

impl<'a> Walk<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Walk {
            bytes,
            pos: 0,
            end: bytes.len(),
            fields: Vec::new(),
        }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left in the current scope.
    pub fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    /// `n` bytes at `at` bytes from here, without reading them (inside the current scope).
    pub fn peek(&self, at: usize, n: usize) -> Option<&'a [u8]> {
        let start = self.pos.checked_add(at)?;
        let stop = start.checked_add(n)?;
        if stop > self.end {
            return None;
        }
        self.bytes.get(start..stop)
    }

    pub fn peek_u8(&self, at: usize) -> Option<u8> {
        self.peek(at, 1).and_then(|b| b.first().copied())
    }

    pub fn peek_u16(&self, at: usize) -> Option<u16> {
        let b = self.peek(at, 2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }

    /// Name the next `n` bytes; `None` (nothing named, nothing read) if the scope has fewer.
    /// A zero-length field is not named.
    pub fn field(
        &mut self,
        name: impl Into<String>,
        n: usize,
        value: impl FnOnce(&[u8]) -> String,
    ) -> Option<&'a [u8]> {
        let bytes = self.peek(0, n)?;
        if n > 0 {
            self.fields.push(Field {
                offset: self.pos,
                len: n,
                name: name.into(),
                value: value(bytes),
            });
        }
        self.pos += n;
        Some(bytes)
    }

    /// Opaque bytes: their hex (or their size when long).
    pub fn bytes(&mut self, name: impl Into<String>, n: usize) -> Option<&'a [u8]> {
        self.field(name, n, bytes_value)
    }

    /// An integer of `n` bytes (1 to 4), big-endian, shown by `describe`.
    pub fn uint(
        &mut self,
        name: impl Into<String>,
        n: usize,
        describe: impl FnOnce(u32) -> String,
    ) -> Option<u32> {
        let bytes = self.peek(0, n)?;
        let value = bytes.iter().fold(0u32, |v, &b| (v << 8) | u32::from(b));
        self.field(name, n, |_| describe(value))?;
        Some(value)
    }

    pub fn u8(
        &mut self,
        name: impl Into<String>,
        describe: impl FnOnce(u8) -> String,
    ) -> Option<u8> {
        self.uint(name, 1, |v| describe(v as u8)).map(|v| v as u8)
    }

    pub fn u16(
        &mut self,
        name: impl Into<String>,
        describe: impl FnOnce(u16) -> String,
    ) -> Option<u16> {
        self.uint(name, 2, |v| describe(v as u16)).map(|v| v as u16)
    }

    /// A length prefix of `n` bytes, named `{vector}.length`.
    pub fn length(&mut self, vector: &str, n: usize) -> Option<usize> {
        self.uint(format!("{vector}.length"), n, |v| v.to_string())
            .map(|v| v as usize)
    }

    /// Everything left in the current scope as one opaque field.
    pub fn rest(&mut self, name: impl Into<String>) {
        let n = self.remaining();
        let _ = self.bytes(name, n);
    }

    /// Read the next `len` bytes as a scope: `body` names what it understands, and whatever it
    /// leaves (it stopped early, or the bytes ran out inside it) is named `rest_name`.
    /// `None`, and nothing read, when the current scope has fewer than `len` bytes.
    pub fn scope(
        &mut self,
        len: usize,
        rest_name: &str,
        body: impl FnOnce(&mut Walk<'a>) -> Option<()>,
    ) -> Option<()> {
        if len > self.remaining() {
            return None;
        }
        let outer = self.end;
        self.end = self.pos + len;
        let _ = body(self);
        self.rest(rest_name);
        self.end = outer;
        Some(())
    }

    /// A vector with a length prefix of `n` bytes: `{vector}.length`, then its body in a scope
    /// (the rest named `{vector}`).
    pub fn vector(
        &mut self,
        vector: &str,
        n: usize,
        body: impl FnOnce(&mut Walk<'a>) -> Option<()>,
    ) -> Option<()> {
        let len = self.length(vector, n)?;
        self.scope(len, vector, body)
    }

    /// A vector of opaque bytes: `{vector}.length`, then `{vector}` itself.
    pub fn opaque_vector(&mut self, vector: &str, n: usize) -> Option<&'a [u8]> {
        let len = self.length(vector, n)?;
        self.bytes(vector, len)
    }

    /// Items until the current scope ends (`item` is given the index).
    pub fn each(&mut self, mut item: impl FnMut(&mut Walk<'a>, usize) -> Option<()>) -> Option<()> {
        let mut i = 0;
        while self.remaining() > 0 {
            let before = self.pos;
            item(self, i)?;
            if self.pos == before {
                // An item that reads nothing would loop forever: stop, the rest is opaque.
                return None;
            }
            i += 1;
        }
        Some(())
    }
}

/// Hex for short byte strings, the size for long ones.
pub fn bytes_value(bytes: &[u8]) -> String {
    if bytes.len() <= HEX_VALUE_MAX {
        hex(bytes)
    } else {
        format!("{} bytes", bytes.len())
    }
}

/// Text when it is printable ASCII, else hex.
pub fn text_value(bytes: &[u8]) -> String {
    if !bytes.is_empty() && bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        bytes_value(bytes)
    }
}

/// `name (0x1301)`.
pub fn code16(name: impl std::fmt::Display, code: u16) -> String {
    format!("{name} (0x{code:04x})")
}

/// `name (22)`.
pub fn code8(name: impl std::fmt::Display, code: u8) -> String {
    format!("{name} ({code})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_vector_becomes_opaque_and_still_tiles() {
        // Declares 10 bytes of items, has 3.
        let bytes = [0, 10, 1, 2, 3];
        let mut w = Walk::new(&bytes);
        assert!(w
            .vector("v", 2, |w| w
                .each(|w, i| w.bytes(format!("v[{i}]"), 2).map(|_| ())))
            .is_none());
        w.rest("rest");
        let names: Vec<_> = w
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.offset, f.len))
            .collect();
        assert_eq!(names, [("v.length", 0, 2), ("rest", 2, 3)]);
    }

    #[test]
    fn a_scope_names_what_its_body_left() {
        let bytes = [0, 3, 1, 2, 3, 9];
        let mut w = Walk::new(&bytes);
        w.vector("v", 2, |w| w.bytes("v[0]", 2).map(|_| ()));
        w.rest("after");
        let names: Vec<_> = w
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.offset, f.len))
            .collect();
        assert_eq!(
            names,
            [
                ("v.length", 0, 2),
                ("v[0]", 2, 2),
                ("v", 4, 1),
                ("after", 5, 1)
            ]
        );
    }
}
