//! The handshake messages after the hellos (RFC 8446 §4.3–4.6, RFC 5246 §7.4, RFC 8422 §5.4 for
//! the ECDHE ServerKeyExchange and ClientKeyExchange).

use super::extensions::{extensions, scheme, Place};
use super::hello::{client_hello, server_hello};
use super::walk::{bytes_value, code8, Walk};
use super::Context;
use crate::engine::certinfo::{describe_distinguished_name, subject_of};

/// A handshake type's name as the RFCs spell the message (`client_hello`, `finished`).
pub fn message_name(t: u8) -> &'static str {
    match t {
        0 => "hello_request",
        1 => "client_hello",
        2 => "server_hello",
        4 => "new_session_ticket",
        5 => "end_of_early_data",
        8 => "encrypted_extensions",
        11 => "certificate",
        12 => "server_key_exchange",
        13 => "certificate_request",
        14 => "server_hello_done",
        15 => "certificate_verify",
        16 => "client_key_exchange",
        20 => "finished",
        22 => "certificate_status",
        24 => "key_update",
        254 => "message_hash",
        _ => "unknown_handshake",
    }
}

/// One message's body (its scope is exactly the body; the caller names what is left).
pub fn message(w: &mut Walk, t: u8, ctx: &Context) -> Option<()> {
    let tls13 = ctx.tls13();
    match t {
        1 => client_hello(w),
        2 => server_hello(w),
        4 if tls13 => new_session_ticket_13(w),
        4 => {
            w.uint("new_session_ticket.ticket_lifetime_hint", 4, seconds)?;
            w.opaque_vector("new_session_ticket.ticket", 2).map(|_| ())
        }
        8 => extensions(w, "encrypted_extensions", Place::EncryptedExtensions),
        11 => certificate(w, tls13),
        12 => server_key_exchange(w),
        13 if tls13 => {
            w.opaque_vector("certificate_request.certificate_request_context", 1)?;
            extensions(w, "certificate_request", Place::CertificateRequest)
        }
        13 => certificate_request_12(w),
        15 => {
            w.u16("certificate_verify.algorithm", scheme)?;
            w.opaque_vector("certificate_verify.signature", 2)
                .map(|_| ())
        }
        16 => client_key_exchange(w),
        20 => {
            let n = w.remaining();
            w.bytes("finished.verify_data", n).map(|_| ())
        }
        24 => w
            .u8("key_update.request_update", |r| {
                code8(
                    match r {
                        0 => "update_not_requested",
                        1 => "update_requested",
                        _ => "unknown",
                    },
                    r,
                )
            })
            .map(|_| ()),
        // hello_request, end_of_early_data, server_hello_done: empty bodies; others opaque.
        _ => None,
    }
}

fn seconds(v: u32) -> String {
    format!("{v} s")
}

fn new_session_ticket_13(w: &mut Walk) -> Option<()> {
    let p = "new_session_ticket";
    w.uint(format!("{p}.ticket_lifetime"), 4, seconds)?;
    w.uint(format!("{p}.ticket_age_add"), 4, |v| v.to_string())?;
    w.opaque_vector(&format!("{p}.ticket_nonce"), 1)?;
    w.opaque_vector(&format!("{p}.ticket"), 2)?;
    extensions(w, p, Place::NewSessionTicket)
}

/// Certificate: TLS 1.3 has a request context and extensions per entry; TLS 1.2 a bare list.
fn certificate(w: &mut Walk, tls13: bool) -> Option<()> {
    let p = "certificate";
    if tls13 {
        w.opaque_vector(&format!("{p}.certificate_request_context"), 1)?;
    }
    let list = format!("{p}.certificate_list");
    w.vector(&list, 3, |w| {
        w.each(|w, i| {
            let entry = format!("{list}[{i}]");
            let data = format!("{entry}.cert_data");
            let len = w.length(&data, 3)?;
            w.field(data, len, certificate_value)?;
            if tls13 {
                extensions(w, &entry, Place::CertificateEntry)?;
            }
            Some(())
        })
    })
}

/// A certificate's subject and size (the bytes themselves are in the record's hex).
fn certificate_value(der: &[u8]) -> String {
    let subject = subject_of(der).unwrap_or_else(|| "(unparseable)".into());
    format!("X.509 certificate, {} bytes: {subject}", der.len())
}

fn certificate_request_12(w: &mut Walk) -> Option<()> {
    let p = "certificate_request";
    let types = format!("{p}.certificate_types");
    w.vector(&types, 1, |w| {
        w.each(|w, i| {
            w.u8(format!("{types}[{i}]"), |t| {
                code8(
                    match t {
                        1 => "rsa_sign",
                        2 => "dss_sign",
                        64 => "ecdsa_sign",
                        _ => "unknown",
                    },
                    t,
                )
            })
            .map(|_| ())
        })
    })?;
    let algs = format!("{p}.supported_signature_algorithms");
    w.vector(&algs, 2, |w| {
        w.each(|w, i| w.u16(format!("{algs}[{i}]"), scheme).map(|_| ()))
    })?;
    let cas = format!("{p}.certificate_authorities");
    w.vector(&cas, 2, |w| {
        w.each(|w, i| {
            let name = format!("{cas}[{i}]");
            let len = w.length(&name, 2)?;
            w.field(name, len, describe_distinguished_name).map(|_| ())
        })
    })
}

/// TLS 1.2 ECDHE ServerKeyExchange (RFC 8422 §5.4): the curve, the server's public point, and
/// the signature over both randoms and them. Other key exchanges (DHE, PSK) stay opaque:
/// rustls offers none.
fn server_key_exchange(w: &mut Walk) -> Option<()> {
    let p = "server_key_exchange";
    if w.peek_u8(0)? != 3 {
        w.rest(format!("{p}.params"));
        return Some(());
    }
    w.u8(format!("{p}.params.curve_type"), |c| {
        code8("named_curve", c)
    })?;
    w.u16(format!("{p}.params.named_curve"), super::extensions::group)?;
    w.opaque_vector(&format!("{p}.params.key_exchange"), 1)?;
    w.u16(format!("{p}.signed_params.algorithm"), scheme)?;
    w.opaque_vector(&format!("{p}.signed_params.signature"), 2)
        .map(|_| ())
}

/// TLS 1.2 ClientKeyExchange: an ECDHE point (one length byte), or else opaque (RSA key
/// transport's encrypted pre-master secret has two).
fn client_key_exchange(w: &mut Walk) -> Option<()> {
    let p = "client_key_exchange";
    let first = usize::from(w.peek_u8(0)?);
    if first + 1 == w.remaining() {
        w.opaque_vector(&format!("{p}.key_exchange"), 1).map(|_| ())
    } else {
        let n = w.remaining();
        w.field(format!("{p}.exchange_keys"), n, bytes_value)
            .map(|_| ())
    }
}
