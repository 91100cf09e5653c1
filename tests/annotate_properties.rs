//! The annotator reads the peer's bytes: for any bytes, as a record or as an opened record's
//! plaintext, in any context, it never panics and its fields tile the bytes exactly. Besides
//! random bytes, real records (a rustls ClientHello, a TLS 1.2 server flight) are mutated, so
//! the walk goes deep into hellos, extensions, certificates and key exchanges before it meets
//! the damage.

use proptest::prelude::*;
use std::sync::{Arc, OnceLock};
use tlsviz::engine::annotate::{
    annotate_inner, annotate_record, explain, tiles, Context, InnerContent, Protection,
};
use tlsviz::engine::events::{ContentType, TlsVersion};

/// Real records: two ClientHellos (X25519 and P-256), then a TLS 1.2 server's clear flight,
/// one message per record.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out = Vec::new();
        for groups in [None, Some(rustls::crypto::ring::kx_group::SECP256R1)] {
            let mut provider = rustls::crypto::ring::default_provider();
            if let Some(g) = groups {
                provider.kx_groups = vec![g];
            }
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            let mut conn =
                rustls::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap())
                    .unwrap();
            let mut hello = Vec::new();
            conn.write_tls(&mut hello).unwrap();
            out.push(hello);
        }
        out.extend(tls12_server_flight());
        out
    })
}

/// ServerHello, Certificate, ServerKeyExchange, ServerHelloDone of a rustls TLS 1.2 server.
fn tls12_server_flight() -> Vec<Vec<u8>> {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server_config = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let client_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let mut client =
        rustls::ClientConnection::new(Arc::new(client_config), "localhost".try_into().unwrap())
            .unwrap();
    let mut server = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
    let mut hello = Vec::new();
    client.write_tls(&mut hello).unwrap();
    server.read_tls(&mut &hello[..]).unwrap();
    server.process_new_packets().unwrap();
    let mut flight = Vec::new();
    while server.wants_write() {
        server.write_tls(&mut flight).unwrap();
    }
    tlsviz::engine::records::split_complete(&flight)
        .iter()
        .flat_map(|r| tlsviz::engine::records::split_handshake_messages(r))
        .collect()
}

fn contexts() -> impl Strategy<Value = Context> {
    (
        prop_oneof![
            Just(None),
            Just(Some(TlsVersion::Tls12)),
            Just(Some(TlsVersion::Tls13))
        ],
        prop_oneof![
            Just(Protection::Clear),
            Just(Protection::Aead { explicit_nonce: 0 }),
            Just(Protection::Aead { explicit_nonce: 8 }),
            Just(Protection::Opaque)
        ],
        prop_oneof![Just(0usize), 0usize..70_000],
    )
        .prop_map(|(version, protection, continuation)| Context {
            version,
            protection,
            continuation,
        })
}

/// A seed record with some bytes changed, some cut off, or a handshake type swapped.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<prop::sample::Index>(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        prop::option::of(any::<prop::sample::Index>()),
        prop::option::of(prop::sample::select(vec![
            1u8, 2, 4, 8, 11, 12, 13, 14, 15, 16, 20, 24, 99,
        ])),
    )
        .prop_map(|(which, changes, cut, msg_type)| {
            let seeds = seeds();
            let mut record = seeds[which.index(seeds.len())].clone();
            for (at, byte) in changes {
                let i = at.index(record.len());
                record[i] = byte;
            }
            if let Some(t) = msg_type {
                record[5] = t;
            }
            if let Some(cut) = cut {
                record.truncate(cut.index(record.len() + 1));
            }
            record
        })
}

fn check(bytes: &[u8], fields: &[tlsviz::engine::annotate::Field]) -> Result<(), TestCaseError> {
    prop_assert!(tiles(fields, bytes.len()), "{:?}", fields);
    for f in fields {
        prop_assert!(explain(&f.name).is_some(), "{} is not explained", f.name);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_tile_as_a_record(bytes in prop::collection::vec(any::<u8>(), 0..1200), ctx in contexts()) {
        check(&bytes, &annotate_record(&bytes, &ctx).fields)?;
    }

    #[test]
    fn any_body_behind_a_valid_header_tiles(
        content_type in 20u8..=24,
        body in prop::collection::vec(any::<u8>(), 0..1200),
        ctx in contexts(),
    ) {
        let mut record = vec![content_type, 3, 3];
        record.extend_from_slice(&(body.len() as u16).to_be_bytes());
        record.extend_from_slice(&body);
        check(&record, &annotate_record(&record, &ctx).fields)?;
    }

    #[test]
    fn damaged_real_records_tile(record in mutated(), ctx in contexts()) {
        check(&record, &annotate_record(&record, &ctx).fields)?;
        // The same bytes as an opened record's content, either version.
        let body = record.get(5..).unwrap_or_default();
        let mut inner = body.to_vec();
        inner.extend_from_slice(&[22, 0, 0]);
        check(&inner, &annotate_inner(&inner, InnerContent::Tls13, ctx.continuation, &[]).fields)?;
        let tls12 = annotate_inner(body, InnerContent::Tls12(ContentType::Handshake), 0, &[]);
        check(body, &tls12.fields)?;
    }

    #[test]
    fn any_plaintext_tiles(
        bytes in prop::collection::vec(any::<u8>(), 0..800),
        content_type in 0u8..=30,
        continuation in 0usize..2000,
        mask in prop::option::of((0usize..800, 0usize..50)),
    ) {
        let masked: Vec<_> = mask.map(|(start, len)| start..start + len).into_iter().collect();
        let out = annotate_inner(&bytes, InnerContent::Tls13, continuation, &masked);
        check(&bytes, &out.fields)?;
        let kind = InnerContent::Tls12(ContentType::from_byte(content_type));
        check(&bytes, &annotate_inner(&bytes, kind, continuation, &masked).fields)?;
    }

    #[test]
    fn resp_like_application_data_tiles(
        parts in prop::collection::vec(prop_oneof![
            Just(b"*2\r\n".to_vec()), Just(b"$4\r\nAUTH\r\n".to_vec()), Just(b"+OK\r\n".to_vec()),
            Just(b"$-1\r\n".to_vec()), Just(b":12\r\n".to_vec()), Just(b"*-1\r\n".to_vec()),
            prop::collection::vec(any::<u8>(), 0..6),
        ], 0..12),
    ) {
        let mut bytes = parts.concat();
        bytes.push(23);
        let out = annotate_inner(&bytes, InnerContent::Tls13, 0, &[]);
        check(&bytes, &out.fields)?;
    }
}

#[test]
fn the_seeds_themselves_are_fully_named() {
    let seeds = seeds();
    assert!(seeds.len() >= 6, "{}", seeds.len());
    for seed in seeds {
        let out = annotate_record(seed, &Context::clear(Some(TlsVersion::Tls12)));
        assert!(tiles(&out.fields, seed.len()));
        // Nothing opaque in a well-formed record from rustls.
        let opaque: Vec<_> = out
            .fields
            .iter()
            .filter(|f| {
                f.name.ends_with(".body")
                    || f.name.ends_with("fragment")
                    || f.name.ends_with("extension_data")
            })
            .map(|f| f.name.as_str())
            .collect();
        assert!(
            opaque.is_empty() || opaque.iter().all(|n| n.contains("grease")),
            "{opaque:?}"
        );
    }
}
