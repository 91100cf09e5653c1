//! Hello and message extensions (RFC 8446 §4.2 and the RFCs each extension comes from), each
//! named after its registered name: `….extensions.key_share.client_shares[0].key_exchange`.

use super::hello::version;
use super::walk::{code16, code8, text_value, Walk};
use crate::engine::certinfo::describe_distinguished_name;
use crate::engine::handshake::group_name;
use crate::engine::tls_error::scheme_name;
use crate::engine::wire::TlsVersion;

/// Which message an extension list belongs to: some extensions differ by place (key_share,
/// supported_versions, server_name, status_request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    ClientHello,
    ServerHello,
    HelloRetryRequest,
    EncryptedExtensions,
    /// A TLS 1.3 Certificate entry's extensions.
    CertificateEntry,
    CertificateRequest,
    NewSessionTicket,
}

/// The registered name of an extension type (IANA "TLS ExtensionType Values").
pub fn extension_name(t: u16) -> &'static str {
    match t {
        0 => "server_name",
        1 => "max_fragment_length",
        5 => "status_request",
        10 => "supported_groups",
        11 => "ec_point_formats",
        13 => "signature_algorithms",
        14 => "use_srtp",
        15 => "heartbeat",
        16 => "application_layer_protocol_negotiation",
        18 => "signed_certificate_timestamp",
        21 => "padding",
        22 => "encrypt_then_mac",
        23 => "extended_master_secret",
        27 => "compress_certificate",
        28 => "record_size_limit",
        35 => "session_ticket",
        41 => "pre_shared_key",
        42 => "early_data",
        43 => "supported_versions",
        44 => "cookie",
        45 => "psk_key_exchange_modes",
        47 => "certificate_authorities",
        48 => "oid_filters",
        49 => "post_handshake_auth",
        50 => "signature_algorithms_cert",
        51 => "key_share",
        57 => "quic_transport_parameters",
        0xfe0d => "encrypted_client_hello",
        0xff01 => "renegotiation_info",
        t if TlsVersion::is_grease(t) => "grease",
        _ => "unknown",
    }
}

pub fn group(g: u16) -> String {
    code16(group_name(g), g)
}

pub fn scheme(s: u16) -> String {
    code16(scheme_name(rustls::SignatureScheme::from(s)), s)
}

/// `{prefix}.extensions.length`, then each extension.
pub fn extensions(w: &mut Walk, prefix: &str, place: Place) -> Option<()> {
    let list = format!("{prefix}.extensions");
    w.vector(&list, 2, |w| {
        w.each(|w, _| {
            let t = w.peek_u16(0)?;
            let base = format!("{list}.{}", extension_name(t));
            w.u16(format!("{base}.extension_type"), |t| {
                code16(extension_name(t), t)
            })?;
            let len = w.length(&base, 2)?;
            w.scope(len, &format!("{base}.extension_data"), |w| {
                extension_body(w, &base, t, place)
            })
        })
    })
}

/// One extension's data. What is not read here is named `{base}.extension_data` by the caller.
fn extension_body(w: &mut Walk, base: &str, t: u16, place: Place) -> Option<()> {
    let sub = |name: &str| format!("{base}.{name}");
    match (t, place) {
        (0, Place::ClientHello) => {
            let list = sub("server_name_list");
            w.vector(&list, 2, |w| {
                w.each(|w, i| {
                    let item = format!("{list}[{i}]");
                    w.u8(format!("{item}.name_type"), |n| {
                        code8(if n == 0 { "host_name" } else { "unknown" }, n)
                    })?;
                    let name = format!("{item}.host_name");
                    let len = w.length(&name, 2)?;
                    w.field(name, len, text_value).map(|_| ())
                })
            })
        }
        (1, _) => w
            .u8(sub("max_fragment_length"), |v| {
                code8(
                    match v {
                        1 => "2^9",
                        2 => "2^10",
                        3 => "2^11",
                        4 => "2^12",
                        _ => "unknown",
                    },
                    v,
                )
            })
            .map(|_| ()),
        (5, Place::ClientHello) => {
            w.u8(sub("status_type"), |v| {
                code8(if v == 1 { "ocsp" } else { "unknown" }, v)
            })?;
            w.opaque_vector(&sub("responder_id_list"), 2)?;
            w.opaque_vector(&sub("request_extensions"), 2).map(|_| ())
        }
        (10, _) => {
            let list = sub("named_group_list");
            w.vector(&list, 2, |w| {
                w.each(|w, i| w.u16(format!("{list}[{i}]"), group).map(|_| ()))
            })
        }
        (11, _) => {
            let list = sub("ec_point_format_list");
            w.vector(&list, 1, |w| {
                w.each(|w, i| {
                    w.u8(format!("{list}[{i}]"), |f| {
                        code8(if f == 0 { "uncompressed" } else { "compressed" }, f)
                    })
                    .map(|_| ())
                })
            })
        }
        (13 | 50, _) => {
            let list = sub("supported_signature_algorithms");
            w.vector(&list, 2, |w| {
                w.each(|w, i| w.u16(format!("{list}[{i}]"), scheme).map(|_| ()))
            })
        }
        (16, _) => {
            let list = sub("protocol_name_list");
            w.vector(&list, 2, |w| {
                w.each(|w, i| {
                    let name = format!("{list}[{i}]");
                    let len = w.length(&name, 1)?;
                    w.field(name, len, text_value).map(|_| ())
                })
            })
        }
        (21, _) => {
            w.rest(sub("padding"));
            Some(())
        }
        (27, _) => {
            let list = sub("algorithms");
            w.vector(&list, 1, |w| {
                w.each(|w, i| w.u16(format!("{list}[{i}]"), |a| a.to_string()).map(|_| ()))
            })
        }
        (28, _) => w
            .u16(sub("record_size_limit"), |v| v.to_string())
            .map(|_| ()),
        (35, _) => {
            w.rest(sub("ticket"));
            Some(())
        }
        (42, Place::NewSessionTicket) => w
            .uint(sub("max_early_data_size"), 4, |v| v.to_string())
            .map(|_| ()),
        (43, Place::ClientHello) => {
            let list = sub("versions");
            w.vector(&list, 1, |w| {
                w.each(|w, i| w.u16(format!("{list}[{i}]"), version).map(|_| ()))
            })
        }
        (43, Place::ServerHello | Place::HelloRetryRequest) => {
            w.u16(sub("selected_version"), version).map(|_| ())
        }
        (44, _) => w.opaque_vector(&sub("cookie"), 2).map(|_| ()),
        (45, _) => {
            let list = sub("ke_modes");
            w.vector(&list, 1, |w| {
                w.each(|w, i| {
                    w.u8(format!("{list}[{i}]"), |m| {
                        code8(
                            match m {
                                0 => "psk_ke",
                                1 => "psk_dhe_ke",
                                _ => "unknown",
                            },
                            m,
                        )
                    })
                    .map(|_| ())
                })
            })
        }
        (47, _) => {
            let list = sub("authorities");
            w.vector(&list, 2, |w| {
                w.each(|w, i| {
                    let name = format!("{list}[{i}]");
                    let len = w.length(&name, 2)?;
                    w.field(name, len, describe_distinguished_name).map(|_| ())
                })
            })
        }
        (51, Place::ClientHello) => {
            let list = sub("client_shares");
            w.vector(&list, 2, |w| {
                w.each(|w, i| key_share_entry(w, &format!("{list}[{i}]")))
            })
        }
        (51, Place::ServerHello) => key_share_entry(w, &sub("server_share")),
        (51, Place::HelloRetryRequest) => w.u16(sub("selected_group"), group).map(|_| ()),
        (0xff01, _) => w
            .opaque_vector(&sub("renegotiated_connection"), 1)
            .map(|_| ()),
        // Everything else (and the empty ones: extended_master_secret, encrypt_then_mac,
        // post_handshake_auth, server_name and early_data in server messages) is named whole.
        _ => None,
    }
}

/// KeyShareEntry: the group, then the public key (`key_exchange`).
fn key_share_entry(w: &mut Walk, entry: &str) -> Option<()> {
    w.u16(format!("{entry}.group"), group)?;
    w.opaque_vector(&format!("{entry}.key_exchange"), 2)
        .map(|_| ())
}
