//! The arithmetic of the key schedules, written out on ring's digest and HMAC so every
//! intermediate value can be shown: HKDF-Extract and HKDF-Expand (RFC 5869), HKDF-Expand-Label
//! and Derive-Secret (RFC 8446 §7.1), and TLS 1.2's PRF (RFC 5246 §5). ring's own `hkdf` keeps
//! its PRKs sealed, which is right for a TLS library and wrong for a lesson.

use super::Wiped;
use ring::{digest, hmac};
use zeroize::Zeroizing;

/// The hash of a cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
}

impl Hash {
    pub fn len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
        }
    }

    fn hmac_alg(self) -> hmac::Algorithm {
        match self {
            Hash::Sha256 => hmac::HMAC_SHA256,
            Hash::Sha384 => hmac::HMAC_SHA384,
        }
    }

    fn digest_alg(self) -> &'static digest::Algorithm {
        match self {
            Hash::Sha256 => &digest::SHA256,
            Hash::Sha384 => &digest::SHA384,
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        digest::digest(self.digest_alg(), data).as_ref().to_vec()
    }

    /// The hash of several pieces, as if joined.
    pub fn digest_all<'a>(self, parts: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
        let mut ctx = digest::Context::new(self.digest_alg());
        for part in parts {
            ctx.update(part);
        }
        ctx.finish().as_ref().to_vec()
    }

    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Wiped {
        let key = hmac::Key::new(self.hmac_alg(), key);
        let mut ctx = hmac::Context::with_key(&key);
        for part in parts {
            ctx.update(part);
        }
        Zeroizing::new(ctx.sign().as_ref().to_vec())
    }

    /// HKDF-Extract(salt, IKM) = HMAC(salt, IKM).
    pub fn extract(self, salt: &[u8], ikm: &[u8]) -> Wiped {
        self.hmac(salt, &[ikm])
    }

    /// HKDF-Expand(PRK, info, L): T(i) = HMAC(PRK, T(i-1) | info | i).
    pub fn expand(self, prk: &[u8], info: &[u8], len: usize) -> Wiped {
        let mut out = Zeroizing::new(Vec::with_capacity(len + self.len()));
        let mut previous = Zeroizing::new(Vec::new());
        let mut counter = 1u8;
        while out.len() < len {
            previous = self.hmac(prk, &[&previous, info, &[counter]]);
            out.extend_from_slice(&previous);
            counter = counter.wrapping_add(1);
        }
        out.truncate(len);
        out
    }

    /// HKDF-Expand-Label(Secret, Label, Context, Length) with the "tls13 " prefix.
    pub fn expand_label(self, secret: &[u8], label: &str, context: &[u8], len: usize) -> Wiped {
        let full = format!("tls13 {label}");
        let mut info = Vec::with_capacity(4 + full.len() + context.len());
        info.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
        info.push(u8::try_from(full.len()).unwrap_or(u8::MAX));
        info.extend_from_slice(full.as_bytes());
        info.push(u8::try_from(context.len()).unwrap_or(u8::MAX));
        info.extend_from_slice(context);
        self.expand(secret, &info, len)
    }

    /// Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label,
    /// Transcript-Hash(Messages), Hash.length); `transcript_hash` is already hashed.
    pub fn derive_secret(self, secret: &[u8], label: &str, transcript_hash: &[u8]) -> Wiped {
        self.expand_label(secret, label, transcript_hash, self.len())
    }

    /// Derive-Secret(Secret, "derived", ""): the salt of the next Extract.
    pub fn derived(self, secret: &[u8]) -> Wiped {
        let empty = self.digest(&[]);
        self.derive_secret(secret, "derived", &empty)
    }

    /// TLS 1.2's PRF(secret, label, seed) = P_hash(secret, label + seed).
    pub fn prf(self, secret: &[u8], label: &str, seed: &[u8], len: usize) -> Wiped {
        let mut label_seed = Vec::with_capacity(label.len() + seed.len());
        label_seed.extend_from_slice(label.as_bytes());
        label_seed.extend_from_slice(seed);
        // A(0) = seed; A(i) = HMAC(secret, A(i-1)); output = HMAC(secret, A(i) + seed) ...
        let mut out = Zeroizing::new(Vec::with_capacity(len + self.len()));
        let mut a = Zeroizing::new(label_seed.clone());
        while out.len() < len {
            a = self.hmac(secret, &[&a]);
            out.extend_from_slice(&self.hmac(secret, &[&a, &label_seed]));
        }
        out.truncate(len);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn hkdf_matches_rfc5869_case_1() {
        let ikm = [0x0b; 22];
        let salt = unhex("000102030405060708090a0b0c");
        let info = unhex("f0f1f2f3f4f5f6f7f8f9");
        let prk = Hash::Sha256.extract(&salt, &ikm);
        assert_eq!(
            prk[..],
            unhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")[..]
        );
        let okm = Hash::Sha256.expand(&prk, &info, 42);
        assert_eq!(
            okm[..],
            unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")[..]
        );
    }

    #[test]
    fn tls13_early_secret_is_the_rfc8448_one() {
        // RFC 8448 §3 (simple 1-RTT handshake): early secret and the "derived" salt.
        let early = Hash::Sha256.extract(&[0; 32], &[0; 32]);
        assert_eq!(
            early[..],
            unhex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")[..]
        );
        assert_eq!(
            Hash::Sha256.derived(&early)[..],
            unhex("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba")[..]
        );
    }

    #[test]
    fn prf_matches_a_published_vector() {
        // The TLS 1.2 PRF (SHA-256) test vector posted to the IETF TLS list by Joseph Birr-Pixton.
        let secret = unhex("9bbe436ba940f017b17652849a71db35");
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let out = Hash::Sha256.prf(&secret, "test label", &seed, 100);
        assert_eq!(out[..16], unhex("e3f229ba727be17b8d122620557cd453")[..]);
    }
}
