//! Step 4 check by check, from the events: what the verifier decided (rustls's verdict, the
//! diagnosis of a failure, `--insecure`, a signature it could not check) and what each
//! certificate says. Before step 4 every check is pending; nothing here is guessed.

use crate::diagnose::ErrorKind;
use crate::engine::events::CertificateInfo;
use crate::engine::step::Step;
use crate::model::results::short_name;
use crate::model::steps::StepStatus;
use crate::model::Model;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Step 4 has not happened yet.
    Pending,
    Passed,
    Failed,
    /// The verifier stopped at an earlier problem, so this was not decided.
    NotReached,
    /// Not checked at all (`--insecure`, or never by this client: revocation).
    NotChecked,
}

impl Mark {
    /// A symbol and a word, so the mark reads without colour.
    pub fn words(self) -> &'static str {
        match self {
            Mark::Pending => "⏳ pending",
            Mark::Passed => "✓ passed",
            Mark::Failed => "✗ FAILED",
            Mark::NotReached => "– not reached",
            Mark::NotChecked => "⚠ not checked",
        }
    }
}

/// One check of step 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub mark: Mark,
    /// The result and its evidence in words.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Id {
    Chain,
    Dates,
    Name,
    Usage,
    Issuers,
}

/// Which check a step-4 failure belongs to.
fn failing(kind: ErrorKind) -> Option<Id> {
    match kind {
        ErrorKind::UnknownIssuer
        | ErrorKind::SelfSigned
        | ErrorKind::MissingIntermediate
        | ErrorKind::WeakKey
        | ErrorKind::UnsupportedSignatureAlgorithm
        | ErrorKind::NameConstraintViolation
        | ErrorKind::UnsupportedCriticalExtension
        | ErrorKind::BadCertificate => Some(Id::Chain),
        ErrorKind::CertificateExpired | ErrorKind::CertificateNotYetValid => Some(Id::Dates),
        ErrorKind::HostnameMismatch => Some(Id::Name),
        ErrorKind::WrongKeyUsage => Some(Id::Usage),
        ErrorKind::NotACa => Some(Id::Issuers),
        _ => None,
    }
}

/// Where step 4 stands.
enum Stage {
    Pending,
    Insecure,
    Verified,
    Rejected { id: Option<Id>, reason: String },
}

fn stage(model: &Model) -> Stage {
    let step4 = model.step(Step::Verify).map(|r| r.status);
    let rejected_by = model
        .diagnosis
        .as_ref()
        .filter(|d| d.step == Step::Verify)
        .map(|d| (failing(d.kind), d.message.clone()));
    match (&model.verdict, rejected_by) {
        (_, Some((id, reason))) => Stage::Rejected { id, reason },
        (Some(_), None) if model.insecure => Stage::Insecure,
        (Some((true, _)), None) => Stage::Verified,
        (Some((false, reason)), None) => Stage::Rejected {
            id: None,
            reason: reason.clone().unwrap_or_else(|| "no reason given".into()),
        },
        (None, None) if step4 == Some(StepStatus::Done) && model.insecure => Stage::Insecure,
        (None, None) => Stage::Pending,
    }
}

/// The checks of step 4, in the verifier's order, then revocation.
pub fn step4(model: &Model) -> Vec<Check> {
    let stage = stage(model);
    let name = model
        .verified_name
        .clone()
        .unwrap_or_else(|| model.run.server_name.clone());
    let chain = &model.chain;
    let mark = |id: Id| match &stage {
        Stage::Pending => Mark::Pending,
        Stage::Insecure => Mark::NotChecked,
        Stage::Verified => Mark::Passed,
        Stage::Rejected {
            id: Some(failed), ..
        } if *failed == id => Mark::Failed,
        Stage::Rejected {
            id: Some(Id::Name), ..
        } => Mark::Passed,
        Stage::Rejected { .. } => Mark::NotReached,
    };
    let mut checks = vec![
        Check {
            name: "chain",
            mark: mark(Id::Chain),
            text: chain_words(model),
        },
        Check {
            name: "dates",
            mark: mark(Id::Dates),
            text: chain
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} → {}",
                        short_name(&c.subject),
                        c.not_before,
                        c.not_after
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        },
        Check {
            name: "name",
            mark: mark(Id::Name),
            text: match (mark(Id::Name), chain.first()) {
                (Mark::Passed | Mark::Failed, Some(leaf)) => name_words(leaf, &name),
                (_, Some(leaf)) if !leaf.san.is_empty() => format!(
                    "{name} against the subjectAltNames: {}",
                    leaf.san.join(", ")
                ),
                (_, Some(leaf)) => name_words(leaf, &name),
                (_, None) => String::new(),
            },
        },
        Check {
            name: "key usage",
            mark: mark(Id::Usage),
            text: chain.first().map(usage_words).unwrap_or_default(),
        },
        Check {
            name: "CA flags",
            mark: mark(Id::Issuers),
            text: issuers_words(chain),
        },
        signature(model, &stage),
        Check {
            name: "revocation",
            mark: Mark::NotChecked,
            text: "tlsviz, like redis-cli, asks no OCSP responder and reads no CRL by default, \
                   so a revoked certificate would pass"
                .into(),
        },
    ];
    // A rejection whose check is unknown: say the verifier's reason on the chain line.
    if let Stage::Rejected { id: None, reason } = &stage {
        if let Some(c) = checks.first_mut() {
            c.mark = Mark::Failed;
            c.text = format!("{reason}. {}", c.text);
        }
    } else if let Stage::Rejected {
        id: Some(_),
        reason,
    } = &stage
    {
        if let Some(c) = checks.iter_mut().find(|c| c.mark == Mark::Failed) {
            c.text = format!("{reason}. {}", c.text);
        }
    }
    checks
}

/// The order of the chain and where its root comes from.
fn chain_words(model: &Model) -> String {
    let names: Vec<String> = model.chain.iter().map(|c| short_name(&c.subject)).collect();
    let trust = if model.run.trust.is_empty() {
        "the trust store".to_string()
    } else {
        model.run.trust.clone()
    };
    let top = match model.chain.last() {
        Some(c) if c.self_signed && model.chain.len() > 1 => "the last one is a root".to_string(),
        Some(c) if c.self_signed => "it signed itself".to_string(),
        Some(c) => format!("the top one is signed by {}", short_name(&c.issuer)),
        None => String::new(),
    };
    format!("{} ({top}); the client trusts {trust}", names.join(" ← "))
}

/// The name asked for against the leaf's subjectAltNames (a CN alone does not count).
pub fn name_words(leaf: &CertificateInfo, name: &str) -> String {
    if leaf.san.is_empty() {
        return match &leaf.common_name {
            Some(cn) => format!(
                "no subjectAltName, only the common name {cn}, which rustls, Go and browsers \
                 ignore: nothing they read can match {name}"
            ),
            None => format!("no subjectAltName at all, so nothing can match {name}"),
        };
    }
    match leaf.san.iter().find(|san| san_matches(san, name)) {
        Some(m) => format!("{m} matches {name} (all: {})", leaf.san.join(", ")),
        None => format!("none matches {name}: {}", leaf.san.join(", ")),
    }
}

/// Whether a subjectAltName (`DNS:…`, `IP:…`) covers the name asked for.
pub fn san_matches(san: &str, name: &str) -> bool {
    let (kind, value) = san.split_once(':').unwrap_or(("DNS", san));
    let name = crate::engine::bare_host(name);
    match kind {
        "IP" => value == name,
        _ => {
            let value = value.to_ascii_lowercase();
            let name = name.to_ascii_lowercase();
            match value.strip_prefix("*.") {
                Some(rest) => name
                    .split_once('.')
                    .is_some_and(|(head, tail)| !head.is_empty() && tail == rest),
                None => value == name,
            }
        }
    }
}

/// A recording made before certificates carried their extensions says so.
fn recorded(cert: &CertificateInfo) -> bool {
    !cert.key_algorithm.is_empty()
}

fn usage_words(leaf: &CertificateInfo) -> String {
    if !recorded(leaf) {
        return "serverAuth required in extendedKeyUsage, if present (not in this recording)"
            .into();
    }
    if !leaf.eku_present {
        return "no extendedKeyUsage extension: any use is allowed, serverAuth too".into();
    }
    let all = leaf.extended_key_usage.join(", ");
    if leaf.extended_key_usage.len() == 1 && all == "serverAuth" {
        "extendedKeyUsage: serverAuth".into()
    } else if leaf.extended_key_usage.iter().any(|u| u == "serverAuth") {
        format!("extendedKeyUsage lists serverAuth (all: {all})")
    } else {
        format!("extendedKeyUsage lacks serverAuth: {all}")
    }
}

fn issuers_words(chain: &[CertificateInfo]) -> String {
    let mut parts = Vec::new();
    if let Some(leaf) = chain.first() {
        parts.push(format!(
            "{}: {}",
            short_name(&leaf.subject),
            if leaf.is_ca {
                "a CA used as a server certificate"
            } else {
                "not a CA (an end-entity certificate)"
            }
        ));
    }
    for c in chain.iter().skip(1) {
        let bc = if !recorded(c) {
            if c.is_ca {
                "CA:TRUE"
            } else {
                "not a CA"
            }
        } else if !c.basic_constraints_present {
            "no basicConstraints: may not sign"
        } else if c.is_ca {
            "basicConstraints CA:TRUE, may sign"
        } else {
            "basicConstraints CA:FALSE: may not sign"
        };
        parts.push(format!("{}: {bc}", short_name(&c.subject)));
    }
    if chain.len() == 1 {
        parts.push("its issuer comes from the trust store".into());
    }
    parts.join("; ")
}

/// The server's signature over the handshake (TLS 1.3's CertificateVerify, TLS 1.2's
/// ServerKeyExchange): the proof that it holds the certificate's private key.
fn signature(model: &Model, stage: &Stage) -> Check {
    let what = if model.is_tls13() {
        "CertificateVerify: the server's signature over the handshake transcript"
    } else {
        "the server's signature over its ServerKeyExchange (TLS 1.2)"
    };
    // rustls checks the signature right after the chain, in the same pass over the server's
    // messages: once step 5 is reached (waiting or under way), it was checked and passed.
    let went_on = model.tls.is_some()
        || model
            .step(Step::ClientCertificate)
            .is_some_and(|r| r.status != StepStatus::Pending);
    let (mark, text) = match (&model.signature_not_checked, stage) {
        (Some(reason), _) => (
            Mark::NotChecked,
            format!(
                "{what} was not checked (--insecure): {reason}; nothing proves the server \
                 holds the key"
            ),
        ),
        (None, Stage::Pending) => (
            Mark::Pending,
            format!("{what}, checked right after the chain"),
        ),
        (None, Stage::Rejected { .. }) => (
            Mark::NotReached,
            format!("{what}: not checked, the chain was refused first"),
        ),
        (None, _) if went_on => (
            Mark::Passed,
            format!(
                "{what}: checked by rustls with the certificate's key (the handshake went on, so \
                 the server holds that key)"
            ),
        ),
        (None, _) => (
            Mark::Pending,
            format!("{what}, checked right after the chain"),
        ),
    };
    Check {
        name: "signature",
        mark,
        text,
    }
}

/// The second opinion in words, without its label (each view labels it once): the one-liner,
/// and the disagreement if there is one; or that this run has none.
pub fn second_opinion(model: &Model) -> (Option<bool>, String) {
    let Some(check) = &model.cross_check else {
        return (None, "none in this run".into());
    };
    let line = crate::report::plain::cross_check_words(check);
    match crate::diagnose::opinion::compare(model) {
        Some(c) => match (c.agrees, c.disagreement) {
            (_, Some(d)) => (Some(false), format!("{line}. {d}")),
            (Some(true), None) => (Some(true), format!("{line}: it agrees with tlsviz")),
            _ => (None, line),
        },
        None => (None, line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::testing::{fixture, model_after, model_after_presses};

    fn marks(model: &Model) -> Vec<(&'static str, Mark)> {
        step4(model).into_iter().map(|c| (c.name, c.mark)).collect()
    }

    #[test]
    fn before_step_4_every_check_is_pending_but_revocation() {
        let model = model_after_presses(&fixture("tls13-mutual-ok"), 3);
        assert!(model.verdict.is_none());
        for (name, mark) in marks(&model) {
            let want = if name == "revocation" {
                Mark::NotChecked
            } else {
                Mark::Pending
            };
            assert_eq!(mark, want, "{name}");
        }
    }

    #[test]
    fn a_verified_chain_passes_every_check_and_the_signature_once_the_handshake_went_on() {
        let model = model_after(&fixture("tls13-mutual-ok"), Step::Close);
        let m = marks(&model);
        assert!(
            m[..6].iter().all(|(_, mark)| *mark == Mark::Passed),
            "{m:?}"
        );
        let sig = step4(&model).remove(5);
        assert!(sig.text.contains("CertificateVerify"), "{}", sig.text);
    }

    #[test]
    fn an_untrusted_chain_fails_the_chain_and_decides_nothing_after_it() {
        let model = model_after(&fixture("untrusted-ca"), Step::Close);
        let m = marks(&model);
        assert_eq!(m[0], ("chain", Mark::Failed));
        assert_eq!(m[2], ("name", Mark::NotReached));
        assert_eq!(m[5], ("signature", Mark::NotReached));
    }

    #[test]
    fn insecure_checks_nothing() {
        let model = model_after(&fixture("insecure"), Step::Close);
        let m = marks(&model);
        assert!(
            m[..5].iter().all(|(_, mark)| *mark == Mark::NotChecked),
            "{m:?}"
        );
    }

    #[test]
    fn a_cn_only_certificate_says_so() {
        let leaf = CertificateInfo {
            common_name: Some("redis.lab".into()),
            ..CertificateInfo::default()
        };
        let words = name_words(&leaf, "redis.lab");
        assert!(words.contains("only the common name redis.lab"), "{words}");
    }

    fn with_opinion(mut model: Model, verdict: crate::engine::opinion::Verdict) -> Model {
        use crate::engine::events::{Event, Stamped};
        use crate::engine::opinion::{CrossCheck, Tool};
        model.apply(Stamped {
            event: Event::CrossCheck(CrossCheck {
                by: Some(Tool::RedisCli),
                version: Some("7.0.15".into()),
                verdict,
                reason: None,
                command: "redis-cli --tls PING".into(),
                elapsed_ms: 12,
            }),
            at_us: 9_000,
        });
        model
    }

    #[test]
    fn the_second_opinion_comes_from_its_event_only() {
        use crate::engine::opinion::Verdict;
        let ok = model_after(&fixture("tls13-mutual-ok"), Step::Close);
        let (agrees, words) = second_opinion(&with_opinion(ok.clone(), Verdict::Ok));
        assert_eq!(agrees, Some(true));
        assert!(words.contains("redis-cli 7.0.15"), "{words}");
        assert!(words.contains("agrees"), "{words}");
        let (agrees, words) = second_opinion(&with_opinion(ok, Verdict::Failed));
        assert_eq!(agrees, Some(false));
        assert!(words.contains("FAILS"), "{words}");
        // In the certificates view, and under step 4 in the table.
        let a = crate::ui::testing::app(
            with_opinion(
                model_after(&fixture("tls13-mutual-ok"), Step::Close),
                Verdict::Ok,
            ),
            crate::ui::app::Mode::Table,
        );
        let text = crate::ui::testing::render(&a, 120, 40)
            .backend()
            .to_string();
        assert!(
            text.contains("second opinion: redis-cli 7.0.15")
                && !text.contains("second opinion: second opinion"),
            "{text}"
        );
    }

    #[test]
    fn no_second_opinion_is_said() {
        let model = model_after(&fixture("tls13-mutual-ok"), Step::Close);
        assert_eq!(second_opinion(&model).1, "none in this run");
    }
}
