//! ClientHello and ServerHello (RFC 8446 §4.1.2, §4.1.3; RFC 5246 §7.4.1), and the
//! HelloRetryRequest, which is a ServerHello with a fixed random.

use super::extensions::{extensions, Place};
use super::walk::{code16, code8, Walk};
use crate::engine::handshake::{cipher_name, HELLO_RETRY_RANDOM};
use crate::engine::wire::TlsVersion;

pub fn version(v: u16) -> String {
    code16(TlsVersion::from_wire(v), v)
}

pub fn suite(s: u16) -> String {
    code16(cipher_name(s), s)
}

pub fn client_hello(w: &mut Walk) -> Option<()> {
    let p = "client_hello";
    w.u16(format!("{p}.legacy_version"), version)?;
    w.bytes(format!("{p}.random"), 32)?;
    w.opaque_vector(&format!("{p}.legacy_session_id"), 1)?;
    let suites = format!("{p}.cipher_suites");
    w.vector(&suites, 2, |w| {
        w.each(|w, i| w.u16(format!("{suites}[{i}]"), suite).map(|_| ()))
    })?;
    let methods = format!("{p}.legacy_compression_methods");
    w.vector(&methods, 1, |w| {
        w.each(|w, i| {
            w.u8(format!("{methods}[{i}]"), |m| {
                code8(if m == 0 { "null" } else { "unknown" }, m)
            })
            .map(|_| ())
        })
    })?;
    if w.remaining() > 0 {
        extensions(w, p, Place::ClientHello)?;
    }
    Some(())
}

/// A ServerHello, or a HelloRetryRequest (the same structure, named after what it is).
pub fn server_hello(w: &mut Walk) -> Option<()> {
    let retry = w.peek(2, 32) == Some(&HELLO_RETRY_RANDOM[..]);
    let (p, place) = if retry {
        ("hello_retry_request", Place::HelloRetryRequest)
    } else {
        ("server_hello", Place::ServerHello)
    };
    w.u16(format!("{p}.legacy_version"), version)?;
    w.bytes(format!("{p}.random"), 32)?;
    w.opaque_vector(&format!("{p}.legacy_session_id_echo"), 1)?;
    w.u16(format!("{p}.cipher_suite"), suite)?;
    w.u8(format!("{p}.legacy_compression_method"), |m| {
        code8(if m == 0 { "null" } else { "unknown" }, m)
    })?;
    if w.remaining() > 0 {
        extensions(w, p, place)?;
    }
    Some(())
}
