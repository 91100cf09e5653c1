//! The rustls hooks: a verifier wrapper, a client-certificate resolver wrapper and a `KeyLog`.
//!
//! Each one reports what rustls really did through the event sink, and changes nothing about
//! how rustls decides (except `--insecure`, which the user asked for and which is reported).

use super::certinfo::{describe_certificate, describe_distinguished_name};
use super::events::{CertificateRequestInfo, Event};
use super::pace::{EventSink, Pace};
use super::step::Step;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, Error, KeyLog, SignatureScheme};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// What the hooks saw, for the engine's step logic.
#[derive(Debug, Default)]
pub struct HookState {
    inner: Mutex<HookFlags>,
    /// The session's traffic secrets, to name what encrypted records carry (never output).
    pub keys: super::decrypt::SessionKeys,
}

#[derive(Debug, Default, Clone)]
pub struct HookFlags {
    pub certificate_requested: bool,
    pub client_certificate_sent: bool,
    pub chain_seen: bool,
    pub verified: bool,
}

impl HookState {
    pub fn snapshot(&self) -> HookFlags {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HookFlags> {
        // A poisoned lock only means another hook panicked; the flags are still meaningful.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Wraps rustls's `WebPkiServerVerifier`: reports the chain, waits for step 4 when paced by hand,
/// then reports the verdict.
#[derive(Debug)]
pub struct TapVerifier {
    /// `None` means `--insecure`: the chain is reported but not judged.
    pub inner: Option<Arc<dyn ServerCertVerifier>>,
    /// The trust anchors, to explain an unknown issuer.
    pub roots: Arc<rustls::RootCertStore>,
    pub provider: Arc<CryptoProvider>,
    pub sink: EventSink,
    pub pace: Pace,
    pub state: Arc<HookState>,
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSink")
    }
}

impl std::fmt::Debug for Pace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_manual() { "Manual" } else { "Auto" })
    }
}

impl TapVerifier {
    /// A trusted CA whose organisation is that of `cert`'s issuer, if any. Only for a chain
    /// that stops short of a root: a chain ending in a self-signed CA misses nothing.
    fn related_anchor(&self, cert: &[u8]) -> Option<String> {
        if describe_certificate(cert).self_signed {
            return None;
        }
        let wanted = super::certinfo::issuer_organization(cert)?;
        self.roots.roots.iter().find_map(|anchor| {
            let subject = anchor.subject.as_ref();
            (super::certinfo::organization_of_name(subject).as_deref() == Some(wanted.as_str()))
                .then(|| describe_distinguished_name(subject))
        })
    }
}

impl TapVerifier {
    /// With `--insecure`, a handshake signature webpki cannot check is accepted and reported.
    fn insecure_fallback(
        &self,
        checked: Result<HandshakeSignatureValid, Error>,
        cert: &CertificateDer<'_>,
        with_raw_key: impl FnOnce() -> Option<HandshakeSignatureValid>,
    ) -> Result<HandshakeSignatureValid, Error> {
        let err = match checked {
            Ok(ok) => return Ok(ok),
            Err(err) if self.inner.is_some() => return Err(err),
            Err(err) => err,
        };
        if let Some(ok) = with_raw_key() {
            return Ok(ok);
        }
        let info = describe_certificate(cert.as_ref());
        let reason = if info.key_algorithm == "RSA" && info.key_bits > 0 && info.key_bits < 2048 {
            format!(
                "the server's RSA key has {} bits and webpki checks signatures of RSA keys of 2048 bits or more only",
                info.key_bits
            )
        } else {
            super::tls_error::error_text(&err)
        };
        self.sink.emit(Event::SignatureNotChecked { reason });
        Ok(HandshakeSignatureValid::assertion())
    }
}

impl ServerCertVerifier for TapVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| describe_certificate(c.as_ref()))
            .collect();
        self.sink.emit(Event::ServerCertificates {
            server_name: server_name.to_str().into_owned(),
            chain,
        });
        self.state.lock().chain_seen = true;
        self.sink.emit(Event::StepCompleted {
            step: Step::ServerCertificate,
        });

        if self.pace.wait_blocking(Step::Verify, &self.sink).is_err() {
            return Err(Error::General("cancelled by the user".into()));
        }
        self.sink.emit(Event::StepStarted { step: Step::Verify });

        let Some(inner) = &self.inner else {
            self.sink.emit(Event::CertificateVerdict {
                verified: false,
                insecure: true,
                reason: Some("verification skipped: --insecure".into()),
                related_trusted_ca: None,
            });
            self.state.lock().verified = true;
            self.sink.emit(Event::StepCompleted { step: Step::Verify });
            return Ok(ServerCertVerified::assertion());
        };
        match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Ok(ok) => {
                self.sink.emit(Event::CertificateVerdict {
                    verified: true,
                    insecure: false,
                    reason: None,
                    related_trusted_ca: None,
                });
                self.state.lock().verified = true;
                self.sink.emit(Event::StepCompleted { step: Step::Verify });
                Ok(ok)
            }
            Err(err) => {
                let related_trusted_ca = match &err {
                    Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => {
                        let top = intermediates.last().unwrap_or(end_entity);
                        self.related_anchor(top.as_ref())
                    }
                    _ => None,
                };
                self.sink.emit(Event::CertificateVerdict {
                    verified: false,
                    insecure: false,
                    reason: Some(super::tls_error::error_text(&err)),
                    related_trusted_ca,
                });
                Err(err)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        // The handshake signature proves the server holds the key of the certificate it sent.
        // With --insecure it is checked when webpki can, and accepted (and reported) when not.
        let checked = rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        );
        self.insecure_fallback(checked, cert, || None)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        let algs = &self.provider.signature_verification_algorithms;
        let checked = rustls::crypto::verify_tls13_signature(message, cert, dss, algs);
        // A certificate webpki refuses to parse (an unknown critical extension) may still have a
        // key it can check the signature with.
        self.insecure_fallback(checked, cert, || {
            let spki = super::certinfo::public_key_info(cert.as_ref())?;
            rustls::crypto::verify_tls13_signature_with_raw_key(
                message,
                &rustls::pki_types::SubjectPublicKeyInfoDer::from(spki.as_slice()),
                dss,
                algs,
            )
            .ok()
        })
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Wraps the client's certificate (if any): reports the CertificateRequest and the answer.
#[derive(Debug)]
pub struct TapResolver {
    pub certified: Option<Arc<CertifiedKey>>,
    pub certified_subject: Option<String>,
    pub sink: EventSink,
    pub state: Arc<HookState>,
}

impl ResolvesClientCert for TapResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.sink
            .emit(Event::CertificateRequested(CertificateRequestInfo {
                ca_names: root_hint_subjects
                    .iter()
                    .map(|dn| describe_distinguished_name(dn))
                    .collect(),
                signature_schemes: sigschemes
                    .iter()
                    .map(|s| super::tls_error::scheme_name(*s))
                    .collect(),
            }));
        // rustls sends the certificate only if the key can sign with a scheme the server accepts.
        let chosen = self
            .certified
            .clone()
            .filter(|ck| ck.key.choose_scheme(sigschemes).is_some());
        let sent = chosen.is_some();
        {
            let mut flags = self.state.lock();
            flags.certificate_requested = true;
            flags.client_certificate_sent = sent;
        }
        self.sink.emit(Event::ClientCertificate {
            chosen: sent,
            subject: if sent {
                self.certified_subject.clone()
            } else {
                None
            },
        });
        chosen
    }

    fn has_certs(&self) -> bool {
        // Always true so rustls keeps what it needs to answer a CertificateRequest, even with no
        // certificate: we want to see and report the request either way.
        true
    }
}

/// Reports each derived secret's label; writes the secret itself only to a keylog file the user
/// asked for.
pub struct TapKeyLog {
    pub sink: EventSink,
    pub state: Arc<HookState>,
    pub file: Option<Arc<Mutex<std::fs::File>>>,
    /// `--pcap-secrets`: the same lines kept in memory, for the capture's secrets block.
    pub memory: Option<Arc<MemoryKeyLog>>,
}

/// NSS key log lines kept in memory (for a capture that carries its own secrets). Never part of
/// an event; wiped when dropped.
#[derive(Default)]
pub struct MemoryKeyLog {
    lines: Mutex<zeroize::Zeroizing<Vec<u8>>>,
}

impl MemoryKeyLog {
    /// A copy of the lines so far, wiped when the copy is dropped.
    pub fn contents(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        zeroize::Zeroizing::new(lines.to_vec())
    }

    fn push(&self, line: &[u8]) {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        // Grow by hand so no unwiped copy is left behind by a reallocation.
        if lines.capacity() - lines.len() < line.len() {
            let mut bigger = zeroize::Zeroizing::new(Vec::with_capacity(
                (lines.len() + line.len()).max(4096) * 2,
            ));
            bigger.extend_from_slice(&lines);
            *lines = bigger;
        }
        lines.extend_from_slice(line);
    }
}

impl std::fmt::Debug for MemoryKeyLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryKeyLog")
    }
}

impl std::fmt::Debug for TapKeyLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TapKeyLog")
            .field("file", &self.file.is_some())
            .finish()
    }
}

impl KeyLog for TapKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.sink.emit(Event::SecretDerived {
            label: label.to_string(),
        });
        self.state.keys.store(label, secret);
        if self.file.is_none() && self.memory.is_none() {
            return;
        }
        let line = zeroize::Zeroizing::new(format!(
            "{label} {} {}\n",
            super::records::hex(client_random),
            super::records::hex(secret)
        ));
        if let Some(file) = &self.file {
            let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
            // A failing keylog write must not break the handshake being studied.
            let _ = f.write_all(line.as_bytes());
        }
        if let Some(memory) = &self.memory {
            memory.push(line.as_bytes());
        }
    }
}

/// The verifier of connections that share a session store (`connect --resume`). rustls
/// resumes a session only with the very verifier and client-certificate resolver (the same
/// allocations) that made it, so these two outlive each connection, and each connection plugs
/// in its own hooks (its events go to its own run) before it starts. They hold the hooks
/// weakly: the connection owns them, so its event stream ends with it. Connections sharing them
/// run one after the other.
#[derive(Debug, Default)]
pub struct SharedVerifier(Mutex<std::sync::Weak<TapVerifier>>);

/// The client-certificate resolver counterpart of [`SharedVerifier`].
#[derive(Debug, Default)]
pub struct SharedResolver(Mutex<std::sync::Weak<TapResolver>>);

impl SharedVerifier {
    /// Use `verifier` from now on, for as long as the caller keeps it.
    pub fn plug(&self, verifier: &Arc<TapVerifier>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(verifier);
    }

    fn current(&self) -> Result<Arc<TapVerifier>, Error> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .upgrade()
            .ok_or_else(|| Error::General("internal error: no verifier plugged in".into()))
    }
}

impl SharedResolver {
    /// Use `resolver` from now on, for as long as the caller keeps it.
    pub fn plug(&self, resolver: &Arc<TapResolver>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(resolver);
    }

    fn current(&self) -> Option<Arc<TapResolver>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).upgrade()
    }
}

impl ServerCertVerifier for SharedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        // The lock is not held while the hook runs (it may wait for step 4).
        self.current()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.current()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.current()?.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.current()
            .map(|v| v.supported_verify_schemes())
            .unwrap_or_default()
    }
}

impl ResolvesClientCert for SharedResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.current()?.resolve(root_hint_subjects, sigschemes)
    }

    fn has_certs(&self) -> bool {
        true
    }
}
