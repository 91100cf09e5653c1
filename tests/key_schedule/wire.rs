//! The wire, read by hand in the test: records, handshake messages, hello extensions, and
//! ECDHE recomputed with RustCrypto from the private key tlsviz showed.

use super::{P384, X25519};

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The records of one direction: (content type, body).
pub fn records(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 5 {
        let len = 5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        out.push((rest[0], rest[..len].to_vec()));
        rest = &rest[len..];
    }
    out
}

/// The clear handshake messages of one direction, in order (before its ChangeCipherSpec).
pub fn clear_messages(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut stream = Vec::new();
    for (kind, record) in records(bytes) {
        match kind {
            22 => stream.extend_from_slice(&record[5..]),
            20 => break,
            _ => {}
        }
    }
    split_messages(&stream)
}

pub fn split_messages(mut stream: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while stream.len() >= 4 {
        let len = 4
            + (usize::from(stream[1]) << 16 | usize::from(stream[2]) << 8 | usize::from(stream[3]));
        out.push(stream[..len].to_vec());
        stream = &stream[len..];
    }
    out
}

/// A hello's extension of type `kind`.
pub fn extension(hello: &[u8], kind: u16) -> Option<Vec<u8>> {
    let b = &hello[4..];
    let mut at = 35 + usize::from(b[34]);
    if hello[0] == 1 {
        at += 2 + usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
        at += 1 + usize::from(b[at]);
    } else {
        at += 3;
    }
    let end = at + 2 + usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
    let mut at = at + 2;
    while at < end {
        let k = u16::from_be_bytes([b[at], b[at + 1]]);
        let len = usize::from(u16::from_be_bytes([b[at + 2], b[at + 3]]));
        if k == kind {
            return Some(b[at + 4..at + 4 + len].to_vec());
        }
        at += 4 + len;
    }
    None
}

/// ECDHE by hand: the public key of `private` and the secret shared with `peer`.
pub fn ecdhe(group: u16, private: &[u8], peer: &[u8]) -> (Vec<u8>, Vec<u8>) {
    if group == X25519 {
        let k: [u8; 32] = private.try_into().unwrap();
        let p: [u8; 32] = peer.try_into().unwrap();
        let public = x25519_dalek::x25519(k, x25519_dalek::X25519_BASEPOINT_BYTES);
        (public.to_vec(), x25519_dalek::x25519(k, p).to_vec())
    } else if group == P384 {
        use p384::elliptic_curve::sec1::ToEncodedPoint;
        let secret = p384::SecretKey::from_slice(private).unwrap();
        let peer = p384::PublicKey::from_sec1_bytes(peer).unwrap();
        let shared = p384::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
        let public = secret.public_key().to_encoded_point(false);
        (
            public.as_bytes().to_vec(),
            shared.raw_secret_bytes().to_vec(),
        )
    } else {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let secret = p256::SecretKey::from_slice(private).unwrap();
        let peer = p256::PublicKey::from_sec1_bytes(peer).unwrap();
        let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
        let public = secret.public_key().to_encoded_point(false);
        (
            public.as_bytes().to_vec(),
            shared.raw_secret_bytes().to_vec(),
        )
    }
}
