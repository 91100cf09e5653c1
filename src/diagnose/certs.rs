//! Step-4 rules that name the certificate at fault: dates, usage, CA flag, name constraints,
//! critical extensions, key strength, signature algorithm. The chain analysis is in `chain.rs`.

use super::builder::{ago, now_unix, target, Builder};
use super::chain::{find_fault, Clue, Fault, Property};
use super::{CertRole, Diagnosis, ErrorKind};
use crate::engine::certinfo::format_time;
use crate::engine::events::CertProblem;
use crate::engine::step::Step;
use crate::model::Model;

/// "the server's certificate (position 0, CN=…)".
pub(super) fn describe(fault: &Fault) -> String {
    let c = &fault.certificate;
    let what = match c.role {
        CertRole::Leaf => "the server's certificate".to_string(),
        CertRole::Intermediate => format!(
            "the intermediate CA certificate at position {}",
            c.position.unwrap_or_default()
        ),
        CertRole::Root => "the root CA certificate".to_string(),
        CertRole::Client => "the client certificate".to_string(),
    };
    format!("{what} ({})", c.subject)
}

/// How to look at that certificate.
pub(super) fn inspect(model: &Model, fault: &Fault) -> String {
    match fault.certificate.role {
        CertRole::Client => "Inspect it with: openssl x509 -in CLIENT.crt -noout -text".into(),
        CertRole::Leaf => format!(
            "Inspect it with: openssl x509 -in SERVER.crt -noout -text (the server's \
             tls-cert-file), or see what the server sends with: openssl s_client -connect {} \
             -showcerts",
            target(model)
        ),
        _ => format!(
            "See the chain the server sends with: openssl s_client -connect {} -showcerts, and \
             inspect a saved certificate with: openssl x509 -in FILE -noout -text",
            target(model)
        ),
    }
}

/// Who fixes it.
fn reissue(fault: &Fault) -> &'static str {
    match fault.certificate.role {
        CertRole::Leaf => "Reissue the server certificate",
        CertRole::Client => "Reissue the client certificate",
        CertRole::Intermediate => "Reissue the intermediate CA certificate (then the certificates it signs, if its key changes) and put it in the server's tls-cert-file after the server certificate",
        CertRole::Root => "Replace the root CA certificate (in the server's chain and in --cacert)",
    }
}

fn with_fault(b: Builder, model: &Model, fault: &Fault) -> Builder {
    let mut b = b.certificate(Some(fault.certificate.clone()));
    b = b.evidence("certificate", describe(fault));
    if let Some(cert) = fault.certificate.position.and_then(|p| model.chain.get(p)) {
        b = b.evidence("its fingerprint (SHA-256)", cert.sha256.clone());
    }
    b
}

/// A date problem, named on the certificate that has it.
pub(super) fn dates(model: &Model, clue: &Clue, now: Option<i64>) -> Diagnosis {
    let now = now.unwrap_or_else(now_unix);
    let expired = matches!(clue, Clue::Expired { .. });
    let (kind, verb) = if expired {
        (ErrorKind::CertificateExpired, "has expired")
    } else {
        (ErrorKind::CertificateNotYetValid, "is not valid yet")
    };
    let Some(fault) = find_fault(&model.chain, clue, now) else {
        // No certificate in the chain has those dates: a trust-store root or an unseen chain.
        let when = match clue {
            Clue::Expired { not_after: Some(t) } => format!(": it expired {}", ago(now - t)),
            Clue::NotYetValid {
                not_before: Some(t),
            } => format!(": it is valid only from {}", format_time(*t)),
            _ => String::new(),
        };
        let which = if model.chain.is_empty() {
            String::new()
        } else {
            " None of the certificates the server sent has those dates, so it is likely the trusted root CA.".to_string()
        };
        let mut b = Builder::new(kind, Step::Verify, format!("a certificate in the chain {verb}"))
            .explain(format!(
                "At step 4 the client compared the certificates' dates with its clock: one of them {verb}{when}.{which}"
            ))
            .fix("Check the dates of each certificate (openssl s_client -showcerts, then openssl x509 -noout -dates), of the CA in --cacert, and this machine's clock.")
            .evidence("now", format_time(now));
        match clue {
            Clue::Expired { not_after: Some(t) } => b = b.evidence("not after", format_time(*t)),
            Clue::NotYetValid {
                not_before: Some(t),
            } => b = b.evidence("not before", format_time(*t)),
            _ => {}
        }
        return b.done();
    };
    let (not_before, not_after) = match fault.property {
        Property::Expired {
            not_before,
            not_after,
        }
        | Property::NotYetValid {
            not_before,
            not_after,
        } => (not_before, not_after),
        _ => (0, 0),
    };
    let who = describe(&fault);
    let when = if expired {
        format!(
            "it expired {} ({})",
            ago(now - not_after),
            format_time(not_after)
        )
    } else {
        format!(
            "it is valid only from {} ({})",
            format_time(not_before),
            ago(now - not_before)
        )
    };
    let fix = match (expired, fault.certificate.role) {
        (true, CertRole::Leaf) => "Renew the server certificate and point tls-cert-file at the new one (then restart or CONFIG SET it).".to_string(),
        (true, _) => format!("{} with new dates: the server's own certificate is not the problem.", reissue(&fault)),
        (false, _) => format!("Check the clocks of this machine and of the CA; wait, or {} with a correct notBefore.", reissue(&fault).to_lowercase()),
    };
    with_fault(
        Builder::new(kind, Step::Verify, format!("{who} {verb}"))
            .explain(format!(
                "At step 4 the client compared each certificate's dates with its clock: {who} {verb}: {when}."
            ))
            .fix(format!("{fix} Check this machine's clock too. {}", inspect(model, &fault))),
        model,
        &fault,
    )
    .evidence("now", format_time(now))
    .evidence("not before", format_time(not_before))
    .evidence("not after", format_time(not_after))
    .done()
}

/// A certificate problem webpki named without saying where.
pub(super) fn problem(model: &Model, reason: &str, problem: Option<&CertProblem>) -> Diagnosis {
    let fault =
        problem.and_then(|p| find_fault(&model.chain, &Clue::Problem(p.clone()), now_unix()));
    let Some(fault) = fault else {
        return generic(model, reason, problem);
    };
    let who = describe(&fault);
    let (kind, message, explanation, fix, evidence): (ErrorKind, String, String, String, Vec<(&str, String)>) =
        match &fault.property {
            Property::WrongKeyUsage { required, presented } => (
                ErrorKind::WrongKeyUsage,
                format!("{who} does not allow {required} (extended key usage: {})", presented.join(", ")),
                format!(
                    "At step 4 the client checked what each certificate may be used for: {who} lists \
                     the extended key usage {}, and a TLS server's chain must allow {required}.",
                    presented.join(", ")
                ),
                format!("{} with extendedKeyUsage = {required}.", reissue(&fault)),
                vec![("extended key usage", presented.join(", ")), ("required", required.clone())],
            ),
            Property::NotACa { basic_constraints_present } => (
                ErrorKind::NotACa,
                format!("{who} signed another certificate but is not a CA"),
                format!(
                    "At step 4 the client walked up the chain: {who} issued the certificate below it, \
                     but {}, so it may not sign certificates.",
                    if *basic_constraints_present {
                        "its basicConstraints says CA:FALSE"
                    } else {
                        "it has no basicConstraints extension (CA:TRUE is required)"
                    }
                ),
                format!("{} with basicConstraints = critical, CA:TRUE (and keyUsage keyCertSign).", reissue(&fault)),
                vec![("basicConstraints", if *basic_constraints_present { "CA:FALSE".into() } else { "absent".into() })],
            ),
            Property::CaAsLeaf => (
                ErrorKind::BadCertificate,
                format!("{who} is a CA certificate used as the server's own certificate"),
                format!("At step 4 the client found that {who} says CA:TRUE: a CA certificate may not identify a server."),
                "Give the server a certificate of its own (CA:FALSE) signed by that CA.".into(),
                vec![("basicConstraints", "CA:TRUE".into())],
            ),
            Property::NameConstraint { constraint, name, permitted, ca } => (
                ErrorKind::NameConstraintViolation,
                format!("{name} in {who} is outside the name constraints of {ca}"),
                format!(
                    "At step 4 the client checked the names against the CA's name constraints: {ca} {} \
                     {constraint}, and {who} carries {name}.",
                    if *permitted { "permits only" } else { "excludes" }
                ),
                format!(
                    "Reissue the server certificate with a name the CA permits, or have that CA \
                     reissued without the constraint on {name}."
                ),
                vec![
                    ("name", name.clone()),
                    (if *permitted { "permitted subtrees" } else { "excluded subtree" }, constraint.clone()),
                    ("constraining CA", ca.clone()),
                ],
            ),
            Property::UnsupportedCriticalExtension { extensions } => (
                ErrorKind::UnsupportedCriticalExtension,
                format!("{who} has a critical extension rustls does not understand: {}", extensions.join(", ")),
                format!(
                    "At step 4 the client found in {who} an extension marked critical that it does not \
                     know ({}); a critical extension a client does not understand makes it refuse the \
                     certificate.",
                    extensions.join(", ")
                ),
                format!("{} without that extension, or with it marked non-critical.", reissue(&fault)),
                vec![("critical extension", extensions.join(", "))],
            ),
            Property::WeakKey { algorithm, bits, minimum } => (
                ErrorKind::WeakKey,
                format!("{who} has a {algorithm} key of {bits} bits; rustls requires at least {minimum}"),
                format!(
                    "At step 4 a signature made with the {bits}-bit {algorithm} key of {who} was refused: \
                     webpki accepts RSA keys of {minimum} bits or more only."
                ),
                format!("{} with a {algorithm} key of at least {minimum} bits (or an ECDSA P-256 key).", reissue(&fault)),
                vec![("key", format!("{algorithm} {bits} bits")), ("minimum", format!("{algorithm} {minimum} bits"))],
            ),
            Property::UnsupportedSignatureAlgorithm { algorithm } => (
                ErrorKind::UnsupportedSignatureAlgorithm,
                format!("{who} is signed with {algorithm}, which rustls refuses"),
                format!(
                    "At step 4 the client checked the signature on {who}: it is made with {algorithm}, \
                     an algorithm rustls does not accept (SHA-1 and MD5 are broken)."
                ),
                format!("{} signed with SHA-256 (e.g. openssl x509 -req … -sha256).", reissue(&fault)),
                vec![("signature algorithm", algorithm.clone())],
            ),
            Property::Expired { .. } | Property::NotYetValid { .. } => {
                return generic(model, reason, problem);
            }
        };
    let mut b = with_fault(
        Builder::new(kind, Step::Verify, message)
            .explain(explanation)
            .fix(format!("{fix} {}", inspect(model, &fault))),
        model,
        &fault,
    );
    for (label, value) in evidence {
        b = b.evidence(label, value);
    }
    if kind == ErrorKind::WeakKey {
        b = b.redis_cli("redis-cli (OpenSSL) may accept this key, depending on its security level (Debian's default, SECLEVEL 2, refuses RSA keys under 2048 bits); rustls-based clients refuse it.");
    }
    if kind == ErrorKind::UnsupportedCriticalExtension {
        b = b.redis_cli("OpenSSL refuses a critical extension it does not understand too, so redis-cli fails as well unless OpenSSL knows this one (the policy extensions, for example); the second opinion, when on, says which.");
    }
    b.done()
}

/// webpki's reason in words when no certificate in the chain shows the property.
fn generic(model: &Model, reason: &str, problem: Option<&CertProblem>) -> Diagnosis {
    let kind = match problem {
        Some(CertProblem::WrongKeyUsage { .. }) => ErrorKind::WrongKeyUsage,
        Some(CertProblem::NotACa) => ErrorKind::NotACa,
        Some(CertProblem::NameConstraint) => ErrorKind::NameConstraintViolation,
        Some(CertProblem::UnsupportedCriticalExtension) => ErrorKind::UnsupportedCriticalExtension,
        Some(CertProblem::UnsupportedSignatureAlgorithm { .. }) => {
            ErrorKind::UnsupportedSignatureAlgorithm
        }
        _ => ErrorKind::BadCertificate,
    };
    Builder::new(kind, Step::Verify, format!("the certificate was refused: {reason}"))
        .explain(format!("At step 4 the certificate chain could not be accepted: {reason}."))
        .fix(format!(
            "Look at each certificate the server sends (openssl s_client -connect {} -showcerts) and reissue the one with this problem.",
            target(model)
        ))
        .done()
}

/// What is wrong with the client certificate tlsviz holds, seen locally: dates, clientAuth, and
/// the issuer against the CA names the server sent.
pub(super) fn client_findings(model: &Model) -> Vec<String> {
    let Some(info) = &model.run.client_certificate_info else {
        return Vec::new();
    };
    let now = now_unix();
    let mut out = Vec::new();
    if info.not_after_unix < now {
        out.push(format!(
            "the client certificate expired {} ({})",
            ago(now - info.not_after_unix),
            info.not_after
        ));
    }
    if info.not_before_unix > now {
        out.push(format!(
            "the client certificate is valid only from {}",
            info.not_before
        ));
    }
    if info.eku_present
        && !info
            .extended_key_usage
            .iter()
            .any(|u| u == "clientAuth" || u == "anyExtendedKeyUsage")
    {
        out.push(format!(
            "the client certificate's extended key usage is {} and lacks clientAuth",
            if info.extended_key_usage.is_empty() {
                "empty".to_string()
            } else {
                info.extended_key_usage.join(", ")
            }
        ));
    }
    if let Some(request) = &model.certificate_request {
        if !request.ca_names.is_empty() && !request.ca_names.iter().any(|n| n == &info.issuer) {
            out.push(format!(
                "its issuer ({}) is not among the CAs the server accepts",
                info.issuer
            ));
        }
    }
    out
}
