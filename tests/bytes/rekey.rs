//! Keys derived in the test itself, independently of tlsviz's engine: HKDF-Expand-Label
//! (RFC 8446 §7.1) from the keylog's traffic secrets, the TLS 1.2 PRF (RFC 5246 §5, §6.3) from
//! its master secret. Only ring's primitives (HKDF, HMAC) are shared.

use super::{KeyLine, Run};
use ring::{aead, hkdf, hmac};
use tlsviz::engine::events::{Direction, Epoch, RecordInfo, TlsVersion};

pub struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

pub fn hkdf_expand_label(alg: hkdf::Algorithm, secret: &[u8], label: &str, len: usize) -> Vec<u8> {
    let label = format!("tls13 {label}");
    let mut info = (len as u16).to_be_bytes().to_vec();
    info.push(label.len() as u8);
    info.extend_from_slice(label.as_bytes());
    info.push(0);
    let mut out = vec![0u8; len];
    hkdf::Prk::new_less_safe(alg, secret)
        .expand(&[&info], Len(len))
        .unwrap()
        .fill(&mut out)
        .unwrap();
    out
}

pub fn p_hash(alg: hmac::Algorithm, secret: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let key = hmac::Key::new(alg, secret);
    let mut a = hmac::sign(&key, seed).as_ref().to_vec();
    let mut out = Vec::new();
    while out.len() < len {
        out.extend_from_slice(hmac::sign(&key, &[&a[..], seed].concat()).as_ref());
        a = hmac::sign(&key, &a).as_ref().to_vec();
    }
    out.truncate(len);
    out
}

pub struct SuiteInfo {
    pub aead: &'static aead::Algorithm,
    pub hkdf: hkdf::Algorithm,
    pub hmac: hmac::Algorithm,
    /// TLS 1.2: IV bytes from the key block, explicit nonce bytes per record.
    pub fixed_iv: usize,
    pub explicit: usize,
}

pub fn suite_info(name: &str) -> SuiteInfo {
    let chacha = name.contains("CHACHA20");
    let sha384 = name.ends_with("SHA384");
    SuiteInfo {
        aead: if chacha {
            &aead::CHACHA20_POLY1305
        } else if name.contains("AES_256") {
            &aead::AES_256_GCM
        } else {
            &aead::AES_128_GCM
        },
        hkdf: if sha384 {
            hkdf::HKDF_SHA384
        } else {
            hkdf::HKDF_SHA256
        },
        hmac: if sha384 {
            hmac::HMAC_SHA384
        } else {
            hmac::HMAC_SHA256
        },
        fixed_iv: if chacha { 12 } else { 4 },
        explicit: if chacha || name.starts_with("TLS13") {
            0
        } else {
            8
        },
    }
}

pub fn secret<'a>(keys: &'a [KeyLine], label: &str) -> &'a [u8] {
    &keys
        .iter()
        .find(|(l, _, _)| l == label)
        .unwrap_or_else(|| panic!("no {label} in the keylog"))
        .2
}

/// The key and IV that protected a record, derived here from the keylog.
pub fn keys_for(
    run: &Run,
    record: &RecordInfo,
    epoch: Epoch,
    randoms: &Randoms,
) -> (Vec<u8>, Vec<u8>) {
    let tls = run.model.tls.as_ref().expect("negotiated");
    let suite = suite_info(&tls.cipher_suite);
    let client = record.direction == Direction::Out;
    if tls.version == TlsVersion::Tls13 {
        let side = if client { "CLIENT" } else { "SERVER" };
        let label = match epoch {
            Epoch::Handshake => format!("{side}_HANDSHAKE_TRAFFIC_SECRET"),
            Epoch::Application { updated: 0 } => format!("{side}_TRAFFIC_SECRET_0"),
            Epoch::Application { .. } => panic!("no KeyUpdate expected from redis-server"),
        };
        let s = secret(&run.keys, &label);
        (
            hkdf_expand_label(suite.hkdf, s, "key", suite.aead.key_len()),
            hkdf_expand_label(suite.hkdf, s, "iv", 12),
        )
    } else {
        let master = secret(&run.keys, "CLIENT_RANDOM");
        let seed = [&b"key expansion"[..], &randoms.server, &randoms.client].concat();
        let k = suite.aead.key_len();
        let block = p_hash(suite.hmac, master, &seed, 2 * k + 2 * suite.fixed_iv);
        let (key, iv) = if client {
            (&block[..k], &block[2 * k..2 * k + suite.fixed_iv])
        } else {
            (&block[k..2 * k], &block[2 * k + suite.fixed_iv..])
        };
        (key.to_vec(), iv.to_vec())
    }
}

/// The hellos' randoms, as the annotated fields located them.
pub struct Randoms {
    pub client: Vec<u8>,
    pub server: Vec<u8>,
}
