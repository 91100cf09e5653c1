//! Key exchange whose private key can be shown (`--show-secrets` only).
//!
//! ring never lets an ephemeral private key out, so a run that shows secrets gives rustls these
//! groups instead: X25519 from x25519-dalek, P-256 and P-384 from the `p256` and `p384` crates,
//! behind rustls's own
//! `SupportedKxGroup` / `ActiveKeyExchange` traits. rustls decides exactly as with ring's (same
//! names, same order, same checks on the peer's key); only the private key and the shared secret
//! are kept when the exchange completes.
//!
//! rustls holds groups as `&'static`, so they cannot carry a per-connection slot. Each completed
//! exchange is filed in [`Exchanges`] under the client's public key, and the connection that
//! offered that key (it is on the wire, in its ClientHello or ClientKeyExchange) takes its own
//! entry back out. Entries are wiped when dropped; the few that no one claims (a run aborted
//! between the ServerHello and its end) are dropped oldest first, and after a minute.

use super::Wiped;
use rustls::crypto::{ActiveKeyExchange, CryptoProvider, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// One completed key exchange, as the client saw it.
pub struct Observed {
    pub group: NamedGroup,
    /// The client's ephemeral private key (X25519 scalar; P-256 / P-384 scalar as 32 / 48 bytes).
    pub private: Wiped,
    /// The client's public key, as sent.
    pub public: Vec<u8>,
    /// The server's public key, as received.
    pub peer: Vec<u8>,
    /// The ECDHE shared secret rustls was given.
    pub shared: Wiped,
    filed: Instant,
}

impl std::fmt::Debug for Observed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Observed({:?}, <hidden>)", self.group)
    }
}

/// Completed exchanges not yet claimed by their connection.
struct Exchanges(Mutex<VecDeque<Observed>>);

static EXCHANGES: Exchanges = Exchanges(Mutex::new(VecDeque::new()));
/// More than this many unclaimed at once means runs were abandoned: the oldest go.
const KEEP: usize = 32;
const MAX_AGE: Duration = Duration::from_secs(60);

impl Exchanges {
    fn file(&self, observed: Observed) {
        let mut list = self.0.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|o| o.filed.elapsed() < MAX_AGE);
        while list.len() >= KEEP {
            list.pop_front();
        }
        list.push_back(observed);
    }

    fn claim(&self, public: &[u8]) -> Option<Observed> {
        let mut list = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let at = list.iter().position(|o| o.public == public)?;
        list.remove(at)
    }
}

/// Take the exchange this client key belongs to (each can be taken once).
pub fn claim(public: &[u8]) -> Option<Observed> {
    EXCHANGES.claim(public)
}

/// `provider` with its X25519, P-256 and P-384 groups replaced by observable ones, in place: the
/// offered list and its order do not change. Any other group stays ring's and cannot be shown.
pub fn observable(provider: &CryptoProvider) -> CryptoProvider {
    let mut out = provider.clone();
    out.kx_groups = provider
        .kx_groups
        .iter()
        .map(|g| match g.name() {
            NamedGroup::X25519 => &X25519 as &'static dyn SupportedKxGroup,
            NamedGroup::secp256r1 => &P256 as &'static dyn SupportedKxGroup,
            NamedGroup::secp384r1 => &P384 as &'static dyn SupportedKxGroup,
            _ => *g,
        })
        .collect();
    out
}

/// Whether a group's exchanges can be shown.
pub fn is_observable(group: NamedGroup) -> bool {
    matches!(
        group,
        NamedGroup::X25519 | NamedGroup::secp256r1 | NamedGroup::secp384r1
    )
}

#[derive(Debug)]
struct ObservableX25519;
#[derive(Debug)]
struct ObservableP256;
#[derive(Debug)]
struct ObservableP384;

static X25519: ObservableX25519 = ObservableX25519;
static P256: ObservableP256 = ObservableP256;
static P384: ObservableP384 = ObservableP384;

impl SupportedKxGroup for ObservableX25519 {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let private = x25519_dalek::StaticSecret::random_from_rng(rand_core::OsRng);
        let public = x25519_dalek::PublicKey::from(&private).as_bytes().to_vec();
        Ok(Box::new(ActiveX25519 { private, public }))
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::X25519
    }
}

struct ActiveX25519 {
    private: x25519_dalek::StaticSecret,
    public: Vec<u8>,
}

/// The peer's key was refused, as ring refuses it.
fn bad_peer_key() -> Error {
    Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare)
}

/// File the exchange, hand rustls its shared secret.
fn finish(
    group: NamedGroup,
    private: &[u8],
    public: Vec<u8>,
    peer: &[u8],
    shared: &[u8],
) -> SharedSecret {
    EXCHANGES.file(Observed {
        group,
        private: Zeroizing::new(private.to_vec()),
        public,
        peer: peer.to_vec(),
        shared: Zeroizing::new(shared.to_vec()),
        filed: Instant::now(),
    });
    SharedSecret::from(shared)
}

impl ActiveKeyExchange for ActiveX25519 {
    fn complete(self: Box<Self>, peer_pub_key: &[u8]) -> Result<SharedSecret, Error> {
        let peer: [u8; 32] = peer_pub_key.try_into().map_err(|_| bad_peer_key())?;
        let shared = self
            .private
            .diffie_hellman(&x25519_dalek::PublicKey::from(peer));
        // A low-order peer point gives all zeros; ring refuses it, and so must we.
        if !shared.was_contributory() {
            return Err(bad_peer_key());
        }
        let private = Zeroizing::new(self.private.to_bytes());
        Ok(finish(
            NamedGroup::X25519,
            &private[..],
            self.public.clone(),
            peer_pub_key,
            shared.as_bytes(),
        ))
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::X25519
    }
}

/// An observable NIST curve group (P-256, P-384): the same code over RustCrypto's `p256` and
/// `p384`, whose APIs match.
macro_rules! nist_group {
    ($group:ident, $active:ident, $krate:ident, $named:expr, $public_len:expr) => {
        impl SupportedKxGroup for $group {
            fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
                use $krate::elliptic_curve::sec1::ToEncodedPoint;
                let private = $krate::SecretKey::random(&mut rand_core::OsRng);
                let public = private
                    .public_key()
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec();
                Ok(Box::new($active { private, public }))
            }

            fn name(&self) -> NamedGroup {
                $named
            }
        }

        struct $active {
            private: $krate::SecretKey,
            public: Vec<u8>,
        }

        impl ActiveKeyExchange for $active {
            fn complete(self: Box<Self>, peer_pub_key: &[u8]) -> Result<SharedSecret, Error> {
                // TLS carries NIST curve keys uncompressed only (RFC 8446 4.2.8.2).
                if peer_pub_key.len() != $public_len || peer_pub_key[0] != 4 {
                    return Err(bad_peer_key());
                }
                let peer =
                    $krate::PublicKey::from_sec1_bytes(peer_pub_key).map_err(|_| bad_peer_key())?;
                let shared = $krate::ecdh::diffie_hellman(
                    self.private.to_nonzero_scalar(),
                    peer.as_affine(),
                );
                let private = Zeroizing::new(self.private.to_bytes());
                Ok(finish(
                    $named,
                    &private[..],
                    self.public.clone(),
                    peer_pub_key,
                    shared.raw_secret_bytes(),
                ))
            }

            fn pub_key(&self) -> &[u8] {
                &self.public
            }

            fn group(&self) -> NamedGroup {
                $named
            }
        }
    };
}

nist_group!(ObservableP256, ActiveP256, p256, NamedGroup::secp256r1, 65);
nist_group!(ObservableP384, ActiveP384, p384, NamedGroup::secp384r1, 97);

/// The public key of a NIST curve private key, uncompressed.
macro_rules! nist_public {
    ($krate:ident, $private:expr) => {{
        use $krate::elliptic_curve::sec1::ToEncodedPoint;
        let secret = $krate::SecretKey::from_slice($private).ok()?;
        Some(
            secret
                .public_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
        )
    }};
}

/// The public key of a private key of `group`, computed here again from the private key alone
/// (to check the value shown against the key share on the wire).
pub fn public_key(group: NamedGroup, private: &[u8]) -> Option<Vec<u8>> {
    match group {
        NamedGroup::X25519 => {
            let private: [u8; 32] = private.try_into().ok()?;
            let secret = x25519_dalek::StaticSecret::from(private);
            Some(x25519_dalek::PublicKey::from(&secret).as_bytes().to_vec())
        }
        NamedGroup::secp256r1 => nist_public!(p256, private),
        NamedGroup::secp384r1 => nist_public!(p384, private),
        _ => None,
    }
}
