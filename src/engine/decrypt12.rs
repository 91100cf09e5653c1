//! TLS 1.2 records opened with the session's own keys, for `--bytes` only (TLS 1.2 needs no
//! decryption to name its records: its Finished is the first encrypted handshake message).
//!
//! rustls hands the master secret to the `KeyLog` hook (`CLIENT_RANDOM`); the key block comes
//! from it with the TLS 1.2 PRF (RFC 5246 §5, §6.3): P_hash over HMAC with the suite's hash,
//! "key expansion", server random then client random. Every AEAD suite rustls offers:
//! AES-GCM (4-byte implicit salt + 8-byte explicit nonce per record, RFC 5288) and
//! ChaCha20-Poly1305 (12-byte IV XOR the sequence number, RFC 7905). Keys and the key block are
//! wiped when dropped.

use super::bytes::Epoch;
use super::decrypt::{Opened, SessionKeys, Wiped};
use super::events::Direction;
use super::records::HEADER_LEN;
use ring::{aead, hmac};
use zeroize::Zeroizing;

const TAG_LEN: usize = 16;

#[derive(Clone, Copy)]
struct Suite {
    aead: &'static aead::Algorithm,
    prf: hmac::Algorithm,
    /// The IV bytes from the key block (GCM: the salt; ChaCha20: the whole IV).
    fixed_iv: usize,
    /// Nonce bytes carried in each record.
    explicit_nonce: usize,
}

struct DirKeys {
    key: aead::LessSafeKey,
    iv: Wiped,
}

#[derive(Default)]
pub struct Tls12Decryptor {
    suite: Option<Suite>,
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    /// Client's write keys, then the server's (derived once, when first needed).
    keys: Option<[DirKeys; 2]>,
    /// The next sequence number, per direction (out, in).
    seq: [u64; 2],
}

impl Tls12Decryptor {
    pub fn set_suite(&mut self, suite: rustls::CipherSuite) {
        use rustls::CipherSuite as C;
        let gcm = |aead, prf| Suite {
            aead,
            prf,
            fixed_iv: 4,
            explicit_nonce: 8,
        };
        self.suite = match suite {
            C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            | C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => {
                Some(gcm(&aead::AES_128_GCM, hmac::HMAC_SHA256))
            }
            C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            | C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => {
                Some(gcm(&aead::AES_256_GCM, hmac::HMAC_SHA384))
            }
            C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
            | C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => Some(Suite {
                aead: &aead::CHACHA20_POLY1305,
                prf: hmac::HMAC_SHA256,
                fixed_iv: 12,
                explicit_nonce: 0,
            }),
            _ => None,
        };
    }

    pub fn client_random(&mut self, random: &[u8]) {
        self.client_random = random.try_into().ok();
    }

    pub fn server_random(&mut self, random: &[u8]) {
        self.server_random = random.try_into().ok();
    }

    /// The explicit nonce's length in each record, once the suite is known.
    pub fn explicit_nonce(&self) -> Option<usize> {
        self.suite.map(|s| s.explicit_nonce)
    }

    /// Open one encrypted TLS 1.2 record sent in `direction` (any content type). Every record
    /// counts for the sequence number, opened or not.
    pub fn open(
        &mut self,
        direction: Direction,
        record: &[u8],
        keys: &SessionKeys,
    ) -> Option<Opened> {
        let index = usize::from(direction == Direction::In);
        let seq_slot = self.seq.get_mut(index)?;
        let seq = *seq_slot;
        *seq_slot += 1;
        let suite = self.suite?;
        if self.keys.is_none() {
            self.keys = self.derive(suite, keys);
        }
        let dir = self.keys.as_ref()?.get(index)?;
        let header = record.get(..HEADER_LEN)?;
        let body = record.get(HEADER_LEN..)?;
        let explicit = body.get(..suite.explicit_nonce)?;
        let sealed = body.get(suite.explicit_nonce..)?;
        let plain_len = sealed.len().checked_sub(TAG_LEN)?;
        let mut nonce = [0u8; aead::NONCE_LEN];
        if suite.explicit_nonce == 0 {
            nonce.copy_from_slice(dir.iv.get(..aead::NONCE_LEN)?);
            for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
                *n ^= s;
            }
        } else {
            // The 4-byte salt from the key block, then the record's 8 bytes.
            let (salt, tail) = nonce.split_at_mut(4);
            salt.copy_from_slice(dir.iv.get(..4)?);
            if tail.len() != explicit.len() {
                return None;
            }
            tail.copy_from_slice(explicit);
        }
        // additional_data: seq_num, type, version, the plaintext's length.
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&seq.to_be_bytes());
        aad[8..11].copy_from_slice(header.get(..3)?);
        aad[11..].copy_from_slice(&u16::try_from(plain_len).ok()?.to_be_bytes());
        let mut plaintext = Zeroizing::new(sealed.to_vec());
        dir.key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                &mut plaintext,
            )
            .ok()?;
        plaintext.truncate(plain_len);
        Some(Opened {
            epoch: Epoch::Application { updated: 0 },
            seq,
            nonce: nonce.to_vec(),
            plaintext,
        })
    }

    /// The write keys and IVs of both sides, from the master secret the KeyLog hook kept.
    fn derive(&self, suite: Suite, keys: &SessionKeys) -> Option<[DirKeys; 2]> {
        let master = keys.get("CLIENT_RANDOM")?;
        let mut seed = Vec::with_capacity(64);
        seed.extend_from_slice(&self.server_random?);
        seed.extend_from_slice(&self.client_random?);
        let key_len = suite.aead.key_len();
        let mut block = Zeroizing::new(vec![0u8; 2 * key_len + 2 * suite.fixed_iv]);
        prf(suite.prf, &master, b"key expansion", &seed, &mut block);
        let (client_key, rest) = block.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, server_iv) = rest.split_at(suite.fixed_iv);
        let make = |key: &[u8], iv: &[u8]| -> Option<DirKeys> {
            Some(DirKeys {
                key: aead::LessSafeKey::new(aead::UnboundKey::new(suite.aead, key).ok()?),
                iv: Zeroizing::new(iv.to_vec()),
            })
        };
        Some([make(client_key, client_iv)?, make(server_key, server_iv)?])
    }
}

/// The TLS 1.2 PRF: P_hash(secret, label ‖ seed), as many bytes as `out` holds.
pub fn prf(alg: hmac::Algorithm, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let key = hmac::Key::new(alg, secret);
    // A(1) = HMAC(secret, label ‖ seed); A(i) = HMAC(secret, A(i-1)).
    let mut a = {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(label);
        ctx.update(seed);
        ctx.sign()
    };
    for chunk in out.chunks_mut(alg.digest_algorithm().output_len()) {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(a.as_ref());
        ctx.update(label);
        ctx.update(seed);
        let block = ctx.sign();
        for (o, b) in chunk.iter_mut().zip(block.as_ref()) {
            *o = *b;
        }
        a = hmac::sign(&key, a.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TLS 1.2 PRF test vector (SHA-256) published with the IETF TLS WG's test vectors.
    #[test]
    fn the_prf_matches_the_sha256_test_vector() {
        let hex = |s: &str| crate::engine::bytes::unhex(s).unwrap();
        let secret = hex("9bbe436ba940f017b17652849a71db35");
        let seed = hex("a0ba9f936cda311827a6f796ffd5198c");
        let mut out = [0u8; 100];
        prf(hmac::HMAC_SHA256, &secret, b"test label", &seed, &mut out);
        assert_eq!(
            crate::engine::records::hex(&out),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
        );
    }
}
