//! The rules for what rustls refused: certificates (step 4), client certificates (step 5),
//! alerts and incompatible hellos (step 2).

use super::builder::Builder;
use super::chain::Clue;
use super::{Diagnosis, ErrorKind};
use crate::engine::events::TlsErrorDetail;
use crate::engine::step::Step;
use crate::engine::wire;
use crate::model::Model;

/// After the client's flight: a closed connection or an alert usually judges the client's
/// certificate (TLS 1.3 says so only when the first reply is read).
pub(super) fn client_certificate_verdict(
    model: &Model,
    noticed: Step,
    what: &str,
    alert: Option<u8>,
) -> Option<Diagnosis> {
    let request = model.certificate_request.as_ref()?;
    let accepted = if request.ca_names.is_empty() {
        "not listed by the server (Redis does not send them): the CAs in its tls-ca-cert-file"
            .to_string()
    } else {
        request.ca_names.join("; ")
    };
    let late = if model.is_tls13() && noticed >= Step::Encrypted {
        format!(
            " Under TLS 1.3 the server's refusal arrives only after the handshake, when the first \
             reply is read (noticed at step {noticed})."
        )
    } else {
        String::new()
    };
    if model.client_certificate_chosen == Some(true) {
        let subject = model.client_certificate_subject.clone().unwrap_or_default();
        let local = super::certs::client_findings(model);
        let generic = "Other possible causes, on the server's side: the certificate is not signed \
                       by a CA in its tls-ca-cert-file, has expired, or lacks the clientAuth usage.";
        let info = model.run.client_certificate_info.as_deref();
        // unknown_ca (48): the server says it does not know the CA that issued the
        // certificate. That names the certificate and its issuer, even when the certificate
        // itself looks fine from here.
        let unknown_issuer = match (alert, info) {
            (Some(48), Some(info)) if local.is_empty() => Some(info.issuer.clone()),
            _ => None,
        };
        let (explain, fix) = match local.first() {
            None if unknown_issuer.is_some() => {
                let issuer = unknown_issuer.clone().unwrap_or_default();
                (
                    format!(
                        "At step 5 the client sent its certificate ({subject}) and the server \
                         answered unknown_ca: it does not trust the CA that issued it ({issuer}). \
                         The certificate itself looks fine from here (dates, clientAuth).{late}"
                    ),
                    format!(
                        "Add the CA {issuer} to the server's tls-ca-cert-file (or \
                         tls-ca-cert-dir), or use a client certificate issued by a CA already \
                         there. Compare: openssl x509 -in CLIENT.crt -noout -issuer against the \
                         subjects in the server's CA file."
                    ),
                )
            }
            Some(first) => (
                format!(
                    "At step 5 the client sent its certificate ({subject}) and the server refused it. \
                     Checked here, that certificate itself shows the likely cause: {}. {generic}{late}",
                    local.join("; ")
                ),
                format!(
                    "Fix the client certificate first ({first}): reissue it from the CA in the \
                     server's tls-ca-cert-file with extendedKeyUsage clientAuth and valid dates. \
                     Inspect it with: openssl x509 -in CLIENT.crt -noout -text"
                ),
            ),
            None => (
                format!(
                    "At step 5 the client sent its certificate ({subject}) and the server refused it: \
                     it is not signed by a CA the server trusts, has expired, or lacks the clientAuth \
                     usage.{late}"
                ),
                "Use a client certificate issued by the CA in the server's tls-ca-cert-file (or add \
                 your CA there), with extendedKeyUsage clientAuth and valid dates."
                    .to_string(),
            ),
        };
        let mut b = Builder::new(
            ErrorKind::ClientCertificateRejected,
            Step::ClientCertificate,
            match (local.first(), &unknown_issuer) {
                (Some(first), _) => {
                    format!("{what} after the client certificate was sent; likely cause: {first}")
                }
                (None, Some(issuer)) => format!(
                    "{what}: the server does not trust the client certificate's issuer ({issuer})"
                ),
                (None, None) => format!("{what} after the client certificate was sent"),
            },
        )
        .explain(explain)
        .fix(fix)
        .evidence("certificate sent", subject.clone())
        .evidence("CAs the server accepts", accepted);
        if let Some(info) = info {
            b = b
                .evidence(
                    "its validity",
                    format!("{} to {}", info.not_before, info.not_after),
                )
                .evidence(
                    "its extended key usage",
                    if info.eku_present {
                        info.extended_key_usage.join(", ")
                    } else {
                        "absent (any usage)".into()
                    },
                )
                .evidence("its issuer", info.issuer.clone());
            // The certificate is at fault when it shows a problem here, or when the server's
            // alert is about that certificate (bad, unsupported, revoked, expired, unknown,
            // unknown CA).
            let about_the_certificate = matches!(alert, Some(42..=46 | 48));
            if !local.is_empty() || about_the_certificate {
                b = b.certificate(Some(super::CertificateAtFault {
                    role: super::CertRole::Client,
                    position: None,
                    subject: info.subject.clone(),
                }));
            }
        }
        Some(b.done())
    } else {
        Some(
            Builder::new(
                ErrorKind::ClientCertificateRequired,
                Step::ClientCertificate,
                format!("{what}: the server requires a client certificate and none was sent"),
            )
            .explain(format!(
                "At step 5 the server asked for a client certificate and the client had none to \
                 send.{late}"
            ))
            .fix(
                "Pass --cert client.crt --key client.key issued by a CA the server trusts (see the evidence), or set \
                 tls-auth-clients no (or optional) in redis.conf if clients need not prove who they are.",
            )
            .evidence("CAs the server accepts", accepted)
            .done(),
        )
    }
}

pub(super) fn tls_failure(
    model: &Model,
    step: Step,
    error: &str,
    detail: &TlsErrorDetail,
) -> Diagnosis {
    match detail {
        TlsErrorDetail::AlertReceived { description, code } => {
            let alert = format!("alert {description} ({code})");
            let client_cert_alert =
                matches!(code, 40 | 42 | 43 | 44 | 45 | 46 | 48 | 49 | 51 | 116);
            if step >= Step::ClientCertificate && client_cert_alert {
                if let Some(d) = client_certificate_verdict(
                    model,
                    step,
                    &format!("the server sent {alert}"),
                    Some(*code),
                ) {
                    return d;
                }
            }
            match code {
                70 => Builder::new(ErrorKind::ProtocolVersion, Step::Handshake, format!("{alert}: no TLS version in common"))
                    .explain("At step 2 the server found no TLS version it accepts among those the ClientHello offered.")
                    .fix("Align the versions: --tls-version on this side, tls-protocols in redis.conf (e.g. \"TLSv1.2 TLSv1.3\").")
                    .evidence("offered", wire::join(&model.run.tls_versions, ", "))
                    .done(),
                40 | 71 if step <= Step::Handshake => {
                    super::handshake::refused_hello(model, &alert, *code)
                }
                // A ClientHello that offered to resume, refused: named as such.
                _ => super::resumption::refused(model, step, description, *code).unwrap_or_else(|| {
                    Builder::new(ErrorKind::TlsAlert, step, alert.clone())
                        .explain(format!("At step {step} the server ended the handshake with {alert}."))
                        .fix("Read the server's log for the reason behind the alert.")
                        .done()
                }),
            }
        }
        TlsErrorDetail::CertificateExpired { now, not_after } => super::certs::dates(
            model,
            &Clue::Expired {
                not_after: *not_after,
            },
            *now,
        ),
        TlsErrorDetail::CertificateNotValidYet { now, not_before } => super::certs::dates(
            model,
            &Clue::NotYetValid {
                not_before: *not_before,
            },
            *now,
        ),
        TlsErrorDetail::UnknownIssuer => unknown_issuer(model),
        TlsErrorDetail::NotValidForName {
            expected,
            presented,
        } => {
            let expected = expected
                .clone()
                .or(model.verified_name.clone())
                .unwrap_or_default();
            // Our own reading of the leaf's names (DNS:…, IP:…); a certificate without
            // subjectAltName shows its CN, marked as such.
            let leaf = model.chain.first();
            let cn_only = leaf.and_then(|l| l.cn_only()).map(str::to_string);
            let presented = match (leaf, &cn_only) {
                (Some(leaf), _) if !leaf.san.is_empty() => leaf.san.clone(),
                (_, Some(cn)) => vec![format!(
                    "CN={cn} (CN only: the certificate has no subjectAltName; rustls, Go and browsers ignore the CN)"
                )],
                _ => presented.clone(),
            };
            let by_ip = expected.parse::<std::net::IpAddr>().is_ok();
            let no_ip_sans = !presented
                .iter()
                .any(|n| n.starts_with("IP:") || n.parse::<std::net::IpAddr>().is_ok());
            let explanation = if let Some(cn) = &cn_only {
                format!("At step 4 the client looked for {expected} among the certificate's subjectAltName names and found none at all: the certificate names the server only in its subject's CN ({cn}), which rustls (tlsviz, redis-rs), Go and browsers ignore. OpenSSL's name check still falls back to the CN when a certificate has no DNS name, so some OpenSSL-based clients that check names accept it; that fallback is deprecated and cannot be relied on.")
            } else if by_ip && no_ip_sans {
                format!("At step 4 the client connected by IP address ({expected}), and the certificate lists no IP address at all, only names.")
            } else if by_ip {
                format!("At step 4 the client connected by IP address ({expected}), which is not among the IP addresses the certificate lists.")
            } else {
                format!("At step 4 the name asked for, {expected}, is not among the names the certificate is valid for.")
            };
            let fix = if cn_only.is_some() {
                "Reissue the server certificate with a subjectAltName (e.g. openssl req … -addext \"subjectAltName=DNS:NAME\"); inspect it with openssl x509 -in SERVER.crt -noout -text."
            } else {
                "Connect with a name in the certificate (or pass it with --sni), or reissue the certificate with this name in its subjectAltName."
            };
            let at_fault = leaf.map(|l| super::CertificateAtFault {
                role: super::CertRole::Leaf,
                position: Some(0),
                subject: l.subject.clone(),
            });
            Builder::new(ErrorKind::HostnameMismatch, Step::Verify, format!("the certificate is not valid for {expected}"))
                .explain(explanation)
                .fix(fix)
                .certificate(at_fault)
                .evidence("name requested", expected)
                .evidence("names in the certificate", presented.join(", "))
                .redis_cli("redis-cli does not check host names, so it would connect anyway: anyone holding any certificate from that CA could impersonate this server.")
                .done()
        }
        TlsErrorDetail::BadCertificate { reason, problem } => {
            super::certs::problem(model, reason, problem.as_ref())
        }
        TlsErrorDetail::PeerIncompatible { reason } => {
            let lower = reason.to_ascii_lowercase();
            let (kind, fix) = if lower.contains("version")
                || lower.contains("tls12")
                || lower.contains("tls13")
            {
                (
                    ErrorKind::ProtocolVersion,
                    "Align the TLS versions: --tls-version here, tls-protocols in redis.conf.",
                )
            } else {
                (ErrorKind::NoSharedCipher, "Allow modern suites on the server (tls-ciphers / tls-ciphersuites in redis.conf).")
            };
            Builder::new(kind, Step::Handshake, error.to_string())
                .explain(format!(
                    "At step 2 the server's choice is one this client cannot accept: {reason}."
                ))
                .fix(fix)
                .done()
        }
        TlsErrorDetail::PeerMisbehaved { reason } => {
            Builder::new(ErrorKind::TlsError, step, error.to_string())
                .explain(format!(
                    "At step {step} the server broke the TLS protocol: {reason}."
                ))
                .fix("Check what listens on the port; a middlebox may be altering the traffic.")
                .done()
        }
        TlsErrorDetail::Other => Builder::new(ErrorKind::TlsError, step, error.to_string())
            .explain(format!(
                "At step {step} rustls stopped the handshake: {error}."
            ))
            .fix("Check the server's TLS configuration and log.")
            .done(),
    }
}

fn unknown_issuer(model: &Model) -> Diagnosis {
    let leaf = model.chain.first().cloned().unwrap_or_default();
    let trust = if model.run.trust.is_empty() {
        "the trust store".to_string()
    } else {
        model.run.trust.clone()
    };
    if model.chain.len() == 1 && leaf.self_signed {
        return Builder::new(ErrorKind::SelfSigned, Step::Verify, "the server's certificate is self-signed")
            .explain(format!(
                "At step 4 the certificate turned out to be signed by itself ({}); nothing in {trust} vouches for it.",
                leaf.subject
            ))
            .fix("Give the server a certificate from your CA, or trust this exact certificate with --cacert (only if you got it from a safe place).")
            .evidence("subject = issuer", leaf.subject.clone())
            .evidence("fingerprint", leaf.sha256.clone())
            .done();
    }
    let top = model.chain.last().cloned().unwrap_or_default();
    if let Some(related) = &model.related_trusted_ca {
        return Builder::new(
            ErrorKind::MissingIntermediate,
            Step::Verify,
            format!("the server did not send the intermediate CA {:?}", top.issuer),
        )
        .explain(format!(
            "At step 4 the chain stopped at {:?}, which is not in {trust}. You do trust {related:?}, \
             from the same organisation: the server most likely sends its own certificate without \
             the intermediate CA certificate that links it to that root.",
            top.issuer
        ))
        .fix(
            "Put the full chain (server certificate, then the intermediate) in the server's \
             tls-cert-file. As a stopgap on this side, add the intermediate to the --cacert file.",
        )
        .evidence("certificates sent", model.chain.len().to_string())
        .evidence("issuer not found", top.issuer.clone())
        .evidence("trusted root of the same organisation", related.clone())
        .redis_cli("redis-cli fails the same way: 'certificate verify failed: unable to get local issuer certificate'.")
        .done();
    }
    let chain_only_leaf = model.chain.len() == 1;
    // A chain that ends in a self-signed CA names its root; one that does not leaves it unnamed.
    let root_sent = !chain_only_leaf && top.self_signed;
    let (why, fix) = if root_sent {
        (
            format!(
                "The chain ends at the root CA {:?}, which is not in {trust}.",
                top.subject
            ),
            format!(
                "Pass that CA with --cacert (its PEM file, e.g. the server's tls-ca-cert-file), \
                 after checking its fingerprint {} with whoever runs the server.",
                top.sha256
            ),
        )
    } else if chain_only_leaf {
        (
            "The server sent only its own certificate: either its CA is not the one you trust, or \
             it must also send an intermediate CA certificate."
                .to_string(),
            format!(
                "Pass the CA that issued the server's certificate with --cacert (issuer: {}). If \
                 that issuer is an intermediate, put the full chain in the server's tls-cert-file.",
                top.issuer
            ),
        )
    } else {
        (
            "The top of the chain the server sent names an issuer you do not trust.".to_string(),
            format!(
                "Pass the CA that issued the top of the chain with --cacert (issuer: {}).",
                top.issuer
            ),
        )
    };
    let mut b = Builder::new(
        ErrorKind::UnknownIssuer,
        Step::Verify,
        format!("no trusted CA issued {:?}", top.issuer),
    )
    .explain(format!(
        "At step 4 the client could not link the chain to any CA in {trust}. {why}"
    ))
    .fix(fix)
    .evidence("issuer not found", top.issuer.clone())
    .evidence("certificates sent", model.chain.len().to_string())
    .evidence("trusted", trust);
    if let Some(leaf) = model.chain.first() {
        b = b.evidence("server certificate", leaf.subject.clone());
    }
    b.done()
}
