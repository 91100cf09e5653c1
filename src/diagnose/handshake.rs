//! Step 2 refused with a handshake_failure alert. The alert alone cannot tell "no cipher suite
//! or group in common" from "no signature scheme for the server's key" (a P-521 or Ed448
//! certificate): the server refuses before it sends its certificate. The chain `openssl
//! s_client` received (the `peer_chain_seen_by_openssl` event) tells them apart.

use super::builder::{target, Builder};
use super::opinion::{OPENSSL_CLIENTS, RUSTLS_CLIENTS};
use super::{CertRole, CertificateAtFault, Diagnosis, ErrorKind};
use crate::engine::events::{CertificateInfo, HandshakeMessage};
use crate::engine::step::Step;
use crate::model::Model;

/// The signature schemes (as the ClientHello lists them) that can sign with `leaf`'s key.
fn schemes_for(leaf: &CertificateInfo) -> &'static [&'static str] {
    match (leaf.key_algorithm.as_str(), leaf.key_curve.as_deref()) {
        ("ECDSA", Some("P-256")) => &["ecdsa_secp256r1_sha256"],
        ("ECDSA", Some("P-384")) => &["ecdsa_secp384r1_sha384"],
        ("ECDSA", Some("P-521")) => &["ecdsa_secp521r1_sha512"],
        ("Ed25519", _) => &["ed25519"],
        ("Ed448", _) => &["ed448"],
        ("RSA", _) => &[
            "rsa_pss_rsae_sha256",
            "rsa_pss_rsae_sha384",
            "rsa_pss_rsae_sha512",
            "rsa_pkcs1_sha256",
            "rsa_pkcs1_sha384",
            "rsa_pkcs1_sha512",
        ],
        // Other curves (brainpool …), DSA, unknown algorithms: TLS 1.3 defines no scheme
        // rustls offers for them.
        _ => &[],
    }
}

/// The signature schemes tlsviz's ClientHello offered, as recorded on the wire.
fn offered(model: &Model) -> Option<&[String]> {
    match &model.client_hello {
        Some(HandshakeMessage::ClientHello {
            signature_algorithms,
            ..
        }) => Some(signature_algorithms),
        _ => None,
    }
}

/// The key in words: `ECDSA P-521 (521 bits)`, `Ed448`, `RSA 2048 bits`.
fn key_words(leaf: &CertificateInfo) -> String {
    if leaf.key_type.is_empty() {
        leaf.key_algorithm.clone()
    } else {
        leaf.key_type.clone()
    }
}

/// Step 2, alert handshake_failure (40) or insufficient_security (71), before any certificate.
pub(super) fn refused_hello(model: &Model, alert: &str, code: u8) -> Diagnosis {
    let seen = model.openssl_chain.as_ref();
    let leaf = seen.and_then(|s| s.chain.first());
    if let (Some(leaf), Some(offered), 40) = (leaf, offered(model), code) {
        let needs = schemes_for(leaf);
        if !needs.iter().any(|n| offered.iter().any(|o| o == n)) {
            return unsupported_key(model, alert, leaf, offered);
        }
        return suites_likely(model, alert, Some(leaf));
    }
    // Why openssl did not see it either, when it was asked (with the second opinion on).
    let unseen = seen.and_then(|s| s.error.clone());
    no_evidence(model, alert, code, unseen)
}

fn unsupported_key(
    model: &Model,
    alert: &str,
    leaf: &CertificateInfo,
    offered: &[String],
) -> Diagnosis {
    let key = key_words(leaf);
    let needs = schemes_for(leaf);
    let needed = if needs.is_empty() {
        "no signature scheme TLS 1.3 defines".to_string()
    } else {
        needs.join(" or ")
    };
    let at = target(model);
    Builder::new(
        ErrorKind::UnsupportedServerKey,
        Step::Handshake,
        format!("{alert}: the server's certificate key ({key}) has no signature scheme the client offered"),
    )
    .explain(format!(
        "At step 2 the server answered the ClientHello with {alert}: to prove it holds its \
         certificate's key it must sign with a scheme the client offered, and there was none for \
         its key. tlsviz never received that certificate; openssl s_client, asked for it \
         afterwards, got the leaf {subject}, whose key ({key}) needs {needed}. rustls (with \
         ring, as in tlsviz) offers {list}: nothing for this key. OpenSSL offers more schemes \
         (P-521 among them), so OpenSSL-based clients ({OPENSSL_CLIENTS}) usually connect; \
         rustls-based ones ({RUSTLS_CLIENTS}) cannot.",
        subject = leaf.subject,
        list = offered.join(", "),
    ))
    .fix(format!(
        "Reissue the server certificate (redis.conf tls-cert-file, {subject}) with a P-256 or \
         P-384 key, or RSA of 2048 bits or more, e.g. openssl req -new -newkey ec -pkeyopt \
         ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj '/CN=NAME', \
         signed by the same CA. Inspect the current one with: openssl s_client -connect {at} \
         -showcerts </dev/null | openssl x509 -noout -text. Until then only OpenSSL-based \
         clients ({OPENSSL_CLIENTS}) can connect.",
        subject = leaf.subject,
    ))
    .certificate(Some(CertificateAtFault {
        role: CertRole::Leaf,
        position: Some(0),
        subject: leaf.subject.clone(),
    }))
    .evidence("server certificate (seen by openssl s_client)", leaf.subject.clone())
    .evidence("its key", key.clone())
    .evidence("signature schemes it needs", needed)
    .evidence("signature schemes offered", offered.join(", "))
    .evidence("its fingerprint", leaf.sha256.clone())
    .redis_cli(format!(
        "redis-cli (OpenSSL) offers a signature scheme for this key ({key}) and likely connects."
    ))
    .done()
}

/// openssl saw a key rustls can verify: the key is not the cause, the suites or groups likely.
fn suites_likely(model: &Model, alert: &str, leaf: Option<&CertificateInfo>) -> Diagnosis {
    let mut b = Builder::new(
        ErrorKind::NoSharedCipher,
        Step::Handshake,
        format!("{alert}: likely no cipher suite or group in common"),
    )
    .fix(
        "Allow modern suites on the server: tls-ciphers (TLS 1.2) and tls-ciphersuites (TLS 1.3) \
         in redis.conf must include ECDHE with AES-GCM or ChaCha20, and tls-groups (if set) X25519 \
         or P-256.",
    );
    b = match leaf {
        Some(leaf) => b
            .explain(format!(
                "At step 2 the server found nothing it accepts in the ClientHello. Its certificate \
                 (seen by openssl s_client: {}, key {}) is one the client offered a signature \
                 scheme for, so the key is not the cause: the cipher suites or key-exchange groups \
                 offered likely are.",
                leaf.subject,
                key_words(leaf)
            ))
            .evidence(
                "server certificate (seen by openssl s_client)",
                leaf.subject.clone(),
            )
            .evidence("its key", key_words(leaf)),
        None => b,
    };
    with_offer(b, model).done()
}

/// Nothing seen beyond the alert: name every possible cause, claim none.
fn no_evidence(model: &Model, alert: &str, code: u8, unseen: Option<String>) -> Diagnosis {
    let at = target(model);
    let mut b = Builder::new(
        ErrorKind::NoSharedCipher,
        Step::Handshake,
        format!("{alert}: likely no cipher suite, group or signature scheme in common"),
    )
    .explain(format!(
        "At step 2 the server found nothing it accepts in the ClientHello: a cipher suite, a \
         key-exchange group, or a signature scheme for its certificate's key (a P-521 or Ed448 \
         key needs one rustls does not offer). The server refused before sending its \
         certificate, so tlsviz cannot tell which{}.",
        match &unseen {
            Some(why) => format!(" ({why})"),
            None => String::new(),
        }
    ))
    .fix(format!(
        "Look at the server's key: openssl s_client -connect {at} -showcerts </dev/null | \
         openssl x509 -noout -text | grep 'Public Key'. A P-521 or Ed448 key: reissue the \
         certificate with P-256, P-384 or RSA 2048+. Otherwise allow modern suites: tls-ciphers \
         (TLS 1.2) and tls-ciphersuites (TLS 1.3) in redis.conf must include ECDHE with AES-GCM \
         or ChaCha20."
    ));
    if code == 71 {
        b = b.evidence(
            "alert",
            "insufficient_security: the server wants stronger parameters than offered",
        );
    }
    if let Some(why) = unseen {
        b = b.evidence("server certificate", format!("not seen: {why}"));
    }
    with_offer(b, model).done()
}

fn with_offer(mut b: Builder, model: &Model) -> Builder {
    if let Some(HandshakeMessage::ClientHello {
        cipher_suites,
        groups,
        ..
    }) = &model.client_hello
    {
        b = b
            .evidence("cipher suites offered", cipher_suites.join(", "))
            .evidence("groups offered", groups.join(", "));
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::{Direction, RunInfo};
    use crate::engine::events::{Event, Failure, RecordInfo, Stamped, TlsErrorDetail};

    const OFFERED: [&str; 5] = [
        "ecdsa_secp384r1_sha384",
        "ecdsa_secp256r1_sha256",
        "ed25519",
        "rsa_pss_rsae_sha256",
        "rsa_pkcs1_sha256",
    ];

    /// A run whose ClientHello got handshake_failure, then (maybe) openssl's look.
    fn refused(seen: Option<(Vec<CertificateInfo>, Option<&str>)>) -> Model {
        let mut m = Model::new();
        let mut at = 0;
        let mut push = |m: &mut Model, event| {
            at += 1;
            m.apply(Stamped { at_us: at, event });
        };
        push(
            &mut m,
            Event::RunStarted(RunInfo {
                host: "cache.example.com".into(),
                port: 6380,
                tls: true,
                ..RunInfo::default()
            }),
        );
        push(
            &mut m,
            Event::Record(RecordInfo {
                direction: Direction::Out,
                content_type: crate::engine::wire::ContentType::Handshake,
                version: Some(crate::engine::wire::TlsVersion::Tls10),
                length: 200,
                encrypted: false,
                messages: vec![HandshakeMessage::ClientHello {
                    versions: vec![crate::engine::wire::TlsVersion::Tls13],
                    cipher_suites: vec!["TLS_AES_128_GCM_SHA256".into()],
                    groups: vec!["X25519".into()],
                    key_shares: vec!["X25519".into()],
                    sni: None,
                    alpn: vec![],
                    signature_algorithms: OFFERED.map(String::from).to_vec(),
                    resumption: None,
                }],
                head_hex: String::new(),
                note: None,
                bytes: None,
            }),
        );
        push(
            &mut m,
            Event::Failed(Failure::Tls {
                step: Step::Handshake,
                error: "the peer sent the alert handshake_failure".into(),
                detail: TlsErrorDetail::AlertReceived {
                    description: "handshake_failure".into(),
                    code: 40,
                },
            }),
        );
        if let Some((chain, error)) = seen {
            push(
                &mut m,
                Event::PeerChainSeenByOpenssl {
                    chain,
                    error: error.map(String::from),
                },
            );
        }
        m
    }

    fn leaf(algorithm: &str, curve: Option<&str>, key_type: &str) -> CertificateInfo {
        CertificateInfo {
            subject: "CN=cache.example.com".into(),
            key_algorithm: algorithm.into(),
            key_curve: curve.map(String::from),
            key_type: key_type.into(),
            ..CertificateInfo::default()
        }
    }

    fn all_text(d: &Diagnosis) -> String {
        let mut text = format!("{} {} {}", d.message, d.explanation, d.fix);
        for e in &d.evidence {
            text.push_str(&format!(" {}: {}", e.label, e.value));
        }
        text
    }

    #[test]
    fn p521_and_ed448_leaves_are_unsupported_server_keys() {
        for (alg, curve, words) in [
            ("ECDSA", Some("P-521"), "ECDSA P-521 (521 bits)"),
            ("Ed448", None, "Ed448"),
        ] {
            let m = refused(Some((vec![leaf(alg, curve, words)], None)));
            let d = m.diagnosis.clone().expect("a diagnosis");
            assert_eq!(
                (d.kind, d.step),
                (ErrorKind::UnsupportedServerKey, Step::Handshake)
            );
            let at = d.certificate.expect("the leaf is named");
            assert_eq!(
                (at.role, at.position, at.subject.as_str()),
                (CertRole::Leaf, Some(0), "CN=cache.example.com")
            );
            assert!(d.message.contains(words), "{}", d.message);
            assert!(d.fix.contains("P-256"), "{}", d.fix);
            assert!(d.explanation.contains("ecdsa_secp256r1_sha256"));
            // The failed step's row follows the new diagnosis.
            let row = m.step(Step::Handshake).expect("step 2");
            assert!(
                row.result.contains("unsupported_server_key"),
                "{}",
                row.result
            );
        }
    }

    #[test]
    fn a_supported_key_keeps_no_shared_cipher_and_says_the_key_is_not_it() {
        let m = refused(Some((
            vec![leaf("ECDSA", Some("P-256"), "ECDSA P-256 (256 bits)")],
            None,
        )));
        let d = m.diagnosis.expect("a diagnosis");
        assert_eq!(d.kind, ErrorKind::NoSharedCipher);
        assert!(d.message.contains("likely"), "{}", d.message);
        assert!(d.explanation.contains("not the cause"), "{}", d.explanation);
        assert!(d.certificate.is_none());
    }

    #[test]
    fn without_the_certificate_no_cause_is_claimed() {
        for seen in [
            None,
            Some((vec![], Some("openssl is not installed on this machine"))),
        ] {
            let with_reason = seen.is_some();
            let m = refused(seen);
            let d = m.diagnosis.expect("a diagnosis");
            assert_eq!(d.kind, ErrorKind::NoSharedCipher);
            let text = all_text(&d);
            assert!(d.message.contains("likely"), "{}", d.message);
            assert!(text.contains("cannot tell which"), "{text}");
            assert!(text.contains("P-521"), "{text}");
            assert_eq!(
                text.contains("openssl is not installed"),
                with_reason,
                "{text}"
            );
        }
    }
}
