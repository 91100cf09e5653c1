use super::*;
use std::ops::Range;
use std::sync::Arc;

/// The first flight of a real rustls client (its ClientHello record).
fn client_hello(groups: Option<Vec<&'static dyn rustls::crypto::SupportedKxGroup>>) -> Vec<u8> {
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(groups) = groups {
        provider.kx_groups = groups;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"redis".to_vec()];
    let name = "cache.example.com".try_into().expect("name");
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).expect("client");
    let mut out = Vec::new();
    conn.write_tls(&mut out).expect("hello");
    out
}

fn names(fields: &[Field]) -> Vec<&str> {
    fields.iter().map(|f| f.name.as_str()).collect()
}

fn value<'a>(fields: &'a [Field], name: &str) -> &'a str {
    fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.value.as_str())
        .unwrap_or_else(|| panic!("no {name} in {:?}", names(fields)))
}

#[test]
fn a_client_hello_is_named_field_by_field() {
    let record = client_hello(None);
    let out = annotate_record(&record, &Context::clear(None));
    assert!(tiles(&out.fields, record.len()));
    assert_eq!(out.pending, 0);
    assert_eq!(
        names(&out.fields)[..12],
        [
            "record.content_type",
            "record.legacy_version",
            "record.length",
            "handshake.msg_type",
            "handshake.length",
            "client_hello.legacy_version",
            "client_hello.random",
            "client_hello.legacy_session_id.length",
            "client_hello.legacy_session_id",
            "client_hello.cipher_suites.length",
            "client_hello.cipher_suites[0]",
            "client_hello.cipher_suites[1]",
        ]
    );
    assert_eq!(value(&out.fields, "record.content_type"), "handshake (22)");
    assert_eq!(value(&out.fields, "handshake.msg_type"), "client_hello (1)");
    assert_eq!(
        value(&out.fields, "client_hello.random"),
        crate::engine::records::hex(&record[11..43])
    );
    assert_eq!(
        value(&out.fields, "client_hello.cipher_suites[0]"),
        "TLS_AES_256_GCM_SHA384 (0x1302)"
    );
    assert_eq!(
        value(
            &out.fields,
            "client_hello.extensions.server_name.server_name_list[0].host_name"
        ),
        "cache.example.com"
    );
    assert_eq!(
        value(
            &out.fields,
            "client_hello.extensions.key_share.client_shares[0].group"
        ),
        "X25519 (0x001d)"
    );
    let key = out
        .fields
        .iter()
        .find(|f| f.name.ends_with("client_shares[0].key_exchange"))
        .expect("a key share");
    assert_eq!(key.len, 32);
    assert_eq!(
        value(
            &out.fields,
            "client_hello.extensions.application_layer_protocol_negotiation.protocol_name_list[0]"
        ),
        "redis"
    );
    assert!(names(&out.fields).contains(&"client_hello.extensions.supported_versions.versions[0]"));
    assert!(
        names(&out.fields).contains(&"client_hello.extensions.psk_key_exchange_modes.ke_modes[0]")
    );
    for field in &out.fields {
        assert!(
            explain(&field.name).is_some(),
            "{} is not explained",
            field.name
        );
    }
}

#[test]
fn a_p256_key_share_is_an_uncompressed_point() {
    let record = client_hello(Some(vec![rustls::crypto::ring::kx_group::SECP256R1]));
    let out = annotate_record(&record, &Context::clear(None));
    assert!(tiles(&out.fields, record.len()));
    let key = out
        .fields
        .iter()
        .find(|f| f.name.ends_with("client_shares[0].key_exchange"))
        .expect("a key share");
    assert_eq!(key.len, 65);
    assert!(key.value.starts_with("04"));
}

#[test]
fn every_cut_of_a_client_hello_still_tiles() {
    let record = client_hello(None);
    for cut in 0..record.len() {
        let bytes = &record[..cut];
        let out = annotate_record(bytes, &Context::clear(None));
        assert!(tiles(&out.fields, bytes.len()), "cut at {cut}");
        for field in &out.fields {
            assert!(
                explain(&field.name).is_some(),
                "{} is not explained",
                field.name
            );
        }
    }
}

#[test]
fn encrypted_records_are_header_ciphertext_and_tag() {
    let mut record = vec![23, 3, 3, 0, 40];
    record.extend_from_slice(&[0xaa; 40]);
    let tls13 = Context {
        protection: Protection::Aead { explicit_nonce: 0 },
        ..Context::clear(Some(TlsVersion::Tls13))
    };
    let out = annotate_record(&record, &tls13);
    let spans: Vec<_> = out
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.offset, f.len))
        .collect();
    assert_eq!(
        spans,
        [
            ("record.content_type", 0, 1),
            ("record.legacy_version", 1, 2),
            ("record.length", 3, 2),
            ("record.encrypted_record", 5, 24),
            ("record.aead_tag", 29, 16),
        ]
    );
    let gcm12 = Context {
        protection: Protection::Aead { explicit_nonce: 8 },
        ..Context::clear(Some(TlsVersion::Tls12))
    };
    let out = annotate_record(&record, &gcm12);
    assert_eq!(
        names(&out.fields)[3..],
        [
            "record.nonce_explicit",
            "record.encrypted_record",
            "record.aead_tag"
        ]
    );
    assert!(tiles(&out.fields, record.len()));
}

#[test]
fn alerts_and_change_cipher_spec() {
    let out = annotate_record(&[21, 3, 3, 0, 2, 2, 40], &Context::clear(None));
    assert_eq!(value(&out.fields, "alert.level"), "fatal (2)");
    assert_eq!(
        value(&out.fields, "alert.description"),
        "handshake_failure (40)"
    );
    let out = annotate_record(&[20, 3, 3, 0, 1, 1], &Context::clear(None));
    assert_eq!(names(&out.fields)[3], "change_cipher_spec.type");
}

#[test]
fn a_message_longer_than_its_record_is_continued() {
    // A Finished of 12 bytes, 5 of them in this record.
    let record = [22, 3, 3, 0, 9, 20, 0, 0, 12, 1, 2, 3, 4, 5];
    let out = annotate_record(&record, &Context::clear(Some(TlsVersion::Tls12)));
    assert!(tiles(&out.fields, record.len()));
    assert_eq!(out.pending, 7);
    assert_eq!(names(&out.fields).last(), Some(&"finished.fragment"));
    let next = [22, 3, 3, 0, 7, 6, 7, 8, 9, 10, 11, 12];
    let ctx = Context {
        continuation: out.pending,
        ..Context::clear(Some(TlsVersion::Tls12))
    };
    let out = annotate_record(&next, &ctx);
    assert_eq!(out.pending, 0);
    assert_eq!(names(&out.fields)[3..], ["handshake.continuation"]);
}

#[test]
fn an_inner_plaintext_names_its_type_and_padding() {
    // A KeyUpdate, type 22, three bytes of padding.
    let plain = [24, 0, 0, 1, 0, 22, 0, 0, 0];
    let out = annotate_inner(&plain, InnerContent::Tls13, 0, &[]);
    assert!(tiles(&out.fields, plain.len()));
    assert_eq!(
        names(&out.fields),
        [
            "handshake.msg_type",
            "handshake.length",
            "key_update.request_update",
            "inner_plaintext.content_type",
            "inner_plaintext.zeros"
        ]
    );
}

#[test]
fn a_redis_command_is_read_argument_by_argument_and_secrets_stay_masked() {
    let mut plain = b"*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$6\r\n******\r\n".to_vec();
    plain.push(23);
    let masked = vec![Range { start: 29, end: 35 }];
    let out = annotate_inner(&plain, InnerContent::Tls13, 0, &masked);
    assert!(tiles(&out.fields, plain.len()));
    let shown: Vec<_> = out
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("resp.array_header", "3 elements"),
            ("resp.elements[0]", "AUTH"),
            ("resp.elements[1]", "alice"),
            ("resp.elements[2]", "***"),
            ("inner_plaintext.content_type", "application_data (23)"),
        ]
    );
    let reply = b"+OK\r\n";
    let out = annotate_inner(
        reply,
        InnerContent::Tls12(ContentType::ApplicationData),
        0,
        &[],
    );
    assert_eq!(names(&out.fields), ["resp.simple_string"]);
}

#[test]
fn nothing_panics_on_small_garbage() {
    let ctxs = [
        Context::clear(None),
        Context::clear(Some(TlsVersion::Tls13)),
        Context::clear(Some(TlsVersion::Tls12)),
        Context {
            protection: Protection::Aead { explicit_nonce: 8 },
            ..Context::clear(Some(TlsVersion::Tls12))
        },
    ];
    for a in 0..=255u8 {
        for t in [20u8, 21, 22, 23, 24, 99] {
            let record = [t, 3, 3, 0, 6, a, 0, 0, 2, a, a];
            for ctx in &ctxs {
                let out = annotate_record(&record, ctx);
                assert!(tiles(&out.fields, record.len()), "{record:?}");
            }
            let out = annotate_inner(&record, InnerContent::Tls13, usize::from(a), &[]);
            assert!(tiles(&out.fields, record.len()));
        }
    }
}
