//! The annotator on arbitrary peer bytes, as a record and as an opened record's plaintext, in
//! every context: it must not panic, and its fields must tile the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsviz::engine::annotate::{
    annotate_inner, annotate_record, tiles, Context, InnerContent, Protection,
};
use tlsviz::engine::events::{ContentType, TlsVersion};

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, bytes)) = data.split_first() else {
        return;
    };
    let version = match knobs & 3 {
        0 => None,
        1 => Some(TlsVersion::Tls12),
        _ => Some(TlsVersion::Tls13),
    };
    let protection = match (knobs >> 2) & 3 {
        0 => Protection::Clear,
        1 => Protection::Aead { explicit_nonce: 0 },
        2 => Protection::Aead { explicit_nonce: 8 },
        _ => Protection::Opaque,
    };
    let continuation = usize::from(knobs >> 4) * 37;
    let ctx = Context {
        version,
        protection,
        continuation,
    };
    let out = annotate_record(bytes, &ctx);
    assert!(tiles(&out.fields, bytes.len()));
    let out = annotate_inner(bytes, InnerContent::Tls13, continuation, &[]);
    assert!(tiles(&out.fields, bytes.len()));
    let kind = InnerContent::Tls12(ContentType::from_byte(knobs));
    let out = annotate_inner(bytes, kind, continuation, &[]);
    assert!(tiles(&out.fields, bytes.len()));
});
