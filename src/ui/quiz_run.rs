//! Quiz questions made from this run's events, once it has ended: the suite the server chose,
//! which records crossed encrypted, which CA signed the server's certificate, why the run
//! failed. Each right answer is read from the events; the wrong ones are other things from the
//! same run (suites the client offered, other names in the chain) or other failures, close in
//! length to the right one, so no option gives itself away by its size.

use super::lesson::{index_letter, Question};
use super::predict::shuffled;
use crate::diagnose::ErrorKind;
use crate::engine::events::{Direction, Event, HandshakeMessage, RecordInfo};
use crate::engine::step::Step;
use crate::model::{Model, Outcome};

/// The kind shown beside a question made from the run.
pub const KIND: &str = "this run";

/// The questions about this run (none while it is still going).
pub fn questions(model: &Model) -> Vec<Question> {
    if model.outcome == Outcome::Running || model.events.is_empty() {
        return Vec::new();
    }
    let seed = u64::from(model.run.port);
    [suite(model), crossed(model), signer(model), failure(model)]
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, (q, right, wrong))| build(q, right, wrong, seed.wrapping_add(i as u64 * 7919)))
        .collect()
}

/// A question's text, hint and explanation; its right option and the wrong ones.
struct Draft {
    question: String,
    hint: String,
    explanation: String,
}

type Made = (Draft, String, Vec<String>);

fn build(d: Draft, right: String, wrong: Vec<String>, seed: u64) -> Question {
    let mut options: Vec<(bool, String)> = vec![(true, right)];
    options.extend(wrong.into_iter().take(3).map(|w| (false, w)));
    let options = shuffled(options, seed);
    let answer = options.iter().position(|(r, _)| *r).unwrap_or(0);
    Question {
        question: d.question,
        choices: options.into_iter().map(|(_, o)| o).collect(),
        answer: index_letter(answer).to_string(),
        hint: d.hint,
        explanation: d.explanation,
        kind: KIND.into(),
    }
}

/// The wrong options closest in length to the right one, distinct and never the right one.
fn closest(right: &str, candidates: impl IntoIterator<Item = String>, n: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for c in candidates {
        if c != right && !seen.contains(&c) {
            seen.push(c);
        }
    }
    let len = right.chars().count() as i64;
    seen.sort_by_key(|c| (c.chars().count() as i64 - len).abs());
    seen.truncate(n);
    seen
}

fn suite(model: &Model) -> Option<Made> {
    let (version, chosen) = match &model.server_hello {
        Some(HandshakeMessage::ServerHello {
            version,
            cipher_suite,
            ..
        }) => (*version, cipher_suite.clone()),
        _ => return None,
    };
    let Some(HandshakeMessage::ClientHello { cipher_suites, .. }) = &model.client_hello else {
        return None;
    };
    let offered: Vec<String> = cipher_suites
        .iter()
        .filter(|s| !s.contains("SCSV"))
        .cloned()
        .collect();
    // Suites of the same family first: they are the plausible confusions.
    // TLS 1.2 suites name their key exchange (`TLS_ECDHE_RSA_WITH_…`); TLS 1.3 suites do not.
    let family = |s: &String| s.contains("_WITH_") == chosen.contains("_WITH_");
    let mut wrong = closest(&chosen, offered.iter().filter(|s| family(s)).cloned(), 3);
    let more = closest(&chosen, offered.iter().filter(|s| !family(s)).cloned(), 3);
    wrong.extend(more);
    wrong.truncate(3);
    if wrong.len() < 2 {
        return None;
    }
    Some((
        Draft {
            question: "In this run, which cipher suite did the server choose in its ServerHello?"
                .into(),
            hint: "Step 2 in the Table (3), or the ServerHello in Flow (1) or Wire (5).".into(),
            explanation: format!(
                "The client offered {} suites in its ClientHello; the server's ServerHello chose {chosen} ({version}).",
                offered.len()
            ),
        },
        chosen,
        wrong,
    ))
}

/// Things that crossed the wire in this run, each with whether it was encrypted.
fn crossings(model: &Model) -> Vec<(String, bool)> {
    let records: Vec<&RecordInfo> = model.records.iter().map(|(_, r)| r).collect();
    let carrying = |dir: Direction, name: &str| {
        records
            .iter()
            .find(|r| r.direction == dir && r.messages.iter().any(|m| m.name() == name))
    };
    let mut out = Vec::new();
    if let Some(r) = carrying(Direction::Out, "ClientHello") {
        out.push(("The client's ClientHello".to_string(), r.encrypted));
    }
    if let Some(r) = carrying(Direction::In, "ServerHello") {
        out.push(("The server's ServerHello".to_string(), r.encrypted));
    }
    if !model.chain.is_empty() {
        // A certificate not seen in any clear record came inside an encrypted one (TLS 1.3).
        match carrying(Direction::In, "Certificate") {
            Some(r) => out.push(("The server's certificate".to_string(), r.encrypted)),
            None if model.is_tls13() => out.push(("The server's certificate".to_string(), true)),
            None => {}
        }
    }
    if let Some(r) = carrying(Direction::Out, "ClientKeyExchange") {
        out.push(("The client's ClientKeyExchange".to_string(), r.encrypted));
    }
    if model.client_certificate_sent() == Some(true) {
        let sent = carrying(Direction::Out, "Certificate").or_else(|| {
            records.iter().find(|r| {
                r.direction == Direction::Out
                    && r.note
                        .as_deref()
                        .is_some_and(|n| n.contains("client Certificate"))
            })
        });
        if let Some(r) = sent {
            out.push(("The client's certificate".to_string(), r.encrypted));
        }
    }
    let command = model.events.iter().find_map(|s| match &s.event {
        Event::DataSent {
            command, encrypted, ..
        } if !command.to_ascii_uppercase().starts_with("AUTH") => {
            Some((command.clone(), *encrypted))
        }
        _ => None,
    });
    if let Some((command, encrypted)) = command {
        out.push((format!("The Redis command {command}"), encrypted));
    }
    if let Some(r) = records.iter().find(|r| {
        r.direction == Direction::Out
            && r.note
                .as_deref()
                .is_some_and(|n| n.contains("close_notify"))
    }) {
        out.push(("The client's close_notify alert".to_string(), r.encrypted));
    }
    out
}

fn crossed(model: &Model) -> Option<Made> {
    let all = crossings(model);
    let (enc, clear): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, e)| *e);
    // Ask for the rarer kind: one of it among others of the common kind.
    let (word, right, wrong) = if !enc.is_empty() && clear.len() >= enc.len() {
        ("encrypted", enc, clear)
    } else if !clear.is_empty() && enc.len() > clear.len() {
        ("in clear", clear, enc)
    } else {
        return None;
    };
    if wrong.len() < 2 {
        return None;
    }
    // The Redis command and the ServerHello are the clearest examples of each kind.
    let pick = right
        .iter()
        .find(|(l, _)| {
            l.starts_with("The Redis command") || l.starts_with("The server's ServerHello")
        })
        .or_else(|| right.first())
        .map(|(l, _)| l.clone())?;
    let wrong: Vec<String> = closest(&pick, wrong.iter().map(|(l, _)| l.clone()), 3);
    let other = if word == "encrypted" {
        "in clear"
    } else {
        "encrypted"
    };
    Some((
        Draft {
            question: format!("In this run, which of these crossed the network {word}?"),
            hint: "Wire (5) marks every record encrypted or in clear; Flow (1) too.".into(),
            explanation: format!(
                "{pick} crossed {word}; {} crossed {other}.",
                join_lower(&wrong)
            ),
        },
        pick,
        wrong,
    ))
}

fn join_lower(items: &[String]) -> String {
    let lowered: Vec<String> = items
        .iter()
        .map(|s| {
            s.strip_prefix("The ")
                .map_or_else(|| s.clone(), |r| format!("the {r}"))
        })
        .collect();
    match lowered.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn signer(model: &Model) -> Option<Made> {
    let leaf = model.chain.first()?;
    let self_signed = leaf.self_signed || leaf.issuer == leaf.subject;
    let right = if self_signed {
        "Itself: it is self-signed".to_string()
    } else {
        leaf.issuer.clone()
    };
    let mut candidates: Vec<String> = Vec::new();
    if !self_signed {
        candidates.push(leaf.subject.clone());
    }
    candidates.extend(model.chain.iter().skip(1).map(|c| c.subject.clone()));
    candidates.extend(model.chain.iter().skip(1).map(|c| c.issuer.clone()));
    candidates.extend(model.client_certificate_subject.clone());
    candidates.extend(model.run.client_certificate.clone());
    candidates.push("No one: certificates carry no signature".into());
    if !self_signed {
        candidates.push("Itself: it is self-signed".into());
    }
    let wrong = closest(&right, candidates, 3);
    if wrong.len() < 2 {
        return None;
    }
    let sent_at = model
        .chain
        .iter()
        .skip(1)
        .position(|c| c.subject == leaf.issuer)
        .map(|i| i + 2);
    let explanation = if self_signed {
        format!(
            "The server's certificate ({}) names itself as its issuer: its own key made its signature.",
            leaf.subject
        )
    } else {
        let sent = match sent_at {
            Some(n) => format!(" The server sent that CA's certificate too, as number {n} of its chain."),
            None => " The server did not send that CA's certificate: the client must already hold it to check the signature.".into(),
        };
        format!(
            "The server's certificate ({}) names {} as its issuer: that CA's key made its signature.{sent}",
            leaf.subject, leaf.issuer
        )
    };
    Some((
        Draft {
            question: "In this run, who signed the server's certificate (its issuer)?".into(),
            hint: "Certificates (6) shows each certificate's issuer; step 3 in the Table too."
                .into(),
            explanation,
        },
        right,
        wrong,
    ))
}

fn failure(model: &Model) -> Option<Made> {
    let d = model.diagnosis.as_ref()?;
    if model.outcome != Outcome::Failed || d.kind == ErrorKind::Cancelled {
        return None;
    }
    let right = format!("Step {}: {}", d.step, cause(d.kind));
    let others = [
        (Step::Connect, ErrorKind::ConnectionRefused),
        (Step::Handshake, ErrorKind::ProtocolVersion),
        (Step::Handshake, ErrorKind::HandshakeTimeout),
        (Step::Verify, ErrorKind::UnknownIssuer),
        (Step::Verify, ErrorKind::CertificateExpired),
        (Step::Verify, ErrorKind::HostnameMismatch),
        (
            Step::ClientCertificate,
            ErrorKind::ClientCertificateRequired,
        ),
        (Step::Data, ErrorKind::AuthFailed),
    ];
    let candidates = shuffled(
        others
            .iter()
            .filter(|(_, k)| *k != d.kind)
            .map(|(s, k)| format!("Step {s}: {}", cause(*k)))
            .collect(),
        u64::from(model.run.port),
    );
    let wrong = closest(&right, candidates.into_iter().take(5), 3);
    Some((
        Draft {
            question: "Why did this run fail?".into(),
            hint: "The Table (3) shows the diagnosis under the failed step.".into(),
            explanation: format!("{} The kind: {}.", d.explanation.trim_end(), d.kind),
        },
        right,
        wrong,
    ))
}

/// Each kind in a few words, true whatever the run's details.
fn cause(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::ConnectionRefused => "nothing listens on that port",
        ErrorKind::HostNotFound => "the host name does not resolve",
        ErrorKind::ConnectTimeout => "the TCP connection timed out",
        ErrorKind::NetworkError => "the network failed before TLS began",
        ErrorKind::HandshakeTimeout => "the server never answered the hello",
        ErrorKind::PlaintextPort => "the port speaks plain Redis, not TLS",
        ErrorKind::NotTls => "the server answered with bytes that are not TLS",
        ErrorKind::BadRecord => "the server sent a malformed TLS record",
        ErrorKind::PeerClosed => "the server closed the connection",
        ErrorKind::ProtocolVersion => "no TLS version that both sides accept",
        ErrorKind::NoSharedCipher => "no cipher suite that both sides accept",
        ErrorKind::TlsAlert => "the server stopped the handshake with an alert",
        ErrorKind::ResumptionRefused => "the server refused the offer to resume",
        ErrorKind::UnsupportedServerKey => "the server's key type is not supported",
        ErrorKind::UnknownIssuer => "no trusted CA issued the server's certificate",
        ErrorKind::SelfSigned => "the server's certificate is self-signed",
        ErrorKind::MissingIntermediate => "the server left out its intermediate CA",
        ErrorKind::CertificateExpired => "a certificate in the chain has expired",
        ErrorKind::CertificateNotYetValid => "a certificate in the chain is not valid yet",
        ErrorKind::HostnameMismatch => "the certificate does not name the host",
        ErrorKind::BadCertificate => "the certificate could not be used",
        ErrorKind::WeakKey => "a certificate's key is too weak",
        ErrorKind::UnsupportedSignatureAlgorithm => "a certificate's signature is unsupported",
        ErrorKind::WrongKeyUsage => "a certificate is not meant for this use",
        ErrorKind::NotACa => "an issuer in the chain is not a CA",
        ErrorKind::NameConstraintViolation => "a CA's name constraints forbid the name",
        ErrorKind::UnsupportedCriticalExtension => {
            "a certificate has an unknown critical extension"
        }
        ErrorKind::ClientCertificateRequired => "the server demands a client certificate",
        ErrorKind::ClientCertificateRejected => "the server refused the client's certificate",
        ErrorKind::AuthRequired => "Redis wants a password first",
        ErrorKind::AuthFailed => "Redis refused the password",
        ErrorKind::RedisError => "Redis answered the command with an error",
        ErrorKind::NotRedis => "the server is not Redis",
        ErrorKind::ReplyTimeout => "Redis never answered the command",
        ErrorKind::TlsRequired => "the server wants TLS; the client spoke plain",
        ErrorKind::TlsError => "TLS failed for another reason",
        ErrorKind::IoError => "an input/output error on the connection",
        ErrorKind::Cancelled => "the run was stopped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::testing::{fixture, model_after};

    fn run(name: &str) -> (Model, Vec<Question>) {
        let model = model_after(&fixture(name), Step::Close);
        let qs = questions(&model);
        (model, qs)
    }

    fn right(q: &Question) -> &str {
        q.answer_index().map_or("", |i| q.choices[i].as_str())
    }

    fn find<'a>(qs: &'a [Question], start: &str) -> &'a Question {
        qs.iter()
            .find(|q| q.question.starts_with(start))
            .unwrap_or_else(|| panic!("no question {start}"))
    }

    #[test]
    fn nothing_is_asked_about_a_run_still_going() {
        let model = crate::ui::testing::model_after_presses(&fixture("tls13-mutual-ok"), 4);
        assert!(questions(&model).is_empty());
    }

    #[test]
    fn tls13_questions_are_answered_by_the_events() {
        let (model, qs) = run("tls13-mutual-ok");
        assert_eq!(qs.len(), 3, "no failure question on a run that succeeded");
        for q in &qs {
            assert!((3..=4).contains(&q.choices.len()), "{q:?}");
            assert!(q.answer_index().is_some());
            assert_eq!(q.kind, KIND);
        }
        let suite = find(&qs, "In this run, which cipher suite");
        assert_eq!(
            Some(right(suite)),
            model.tls.as_ref().map(|t| t.cipher_suite.as_str())
        );
        // Under TLS 1.3 most things are encrypted: the question asks for the one in clear.
        let crossed = find(&qs, "In this run, which of these crossed");
        assert!(
            crossed.question.ends_with("in clear?"),
            "{}",
            crossed.question
        );
        assert_eq!(right(crossed), "The server's ServerHello");
        assert!(crossed
            .choices
            .iter()
            .any(|c| c == "The server's certificate"));
        let signer = find(&qs, "In this run, who signed");
        assert_eq!(right(signer), model.chain[0].issuer);
        assert!(
            signer.explanation.contains("number 2 of its chain"),
            "{}",
            signer.explanation
        );
    }

    #[test]
    fn tls12_sends_the_certificate_in_clear() {
        let (_, qs) = run("tls12-mutual-ok");
        let crossed = find(&qs, "In this run, which of these crossed");
        assert!(
            crossed.question.ends_with("encrypted?"),
            "{}",
            crossed.question
        );
        assert_eq!(right(crossed), "The Redis command PING");
        assert!(
            crossed.explanation.contains("the server's certificate"),
            "{}",
            crossed.explanation
        );
    }

    #[test]
    fn a_failed_run_asks_why_with_its_own_diagnosis() {
        for (name, step, kind) in [
            ("untrusted-ca", Step::Verify, ErrorKind::UnknownIssuer),
            ("expired", Step::Verify, ErrorKind::CertificateExpired),
            (
                "missing-client-cert",
                Step::ClientCertificate,
                ErrorKind::ClientCertificateRequired,
            ),
            ("wrong-password", Step::Data, ErrorKind::AuthFailed),
            (
                "version-mismatch",
                Step::Handshake,
                ErrorKind::ProtocolVersion,
            ),
        ] {
            let (model, qs) = run(name);
            let d = model.diagnosis.as_ref().unwrap();
            assert_eq!((d.step, d.kind), (step, kind), "{name}");
            let why = find(&qs, "Why did this run fail?");
            assert_eq!(
                right(why),
                format!("Step {step}: {}", cause(kind)),
                "{name}"
            );
            assert_eq!(why.choices.len(), 4, "{name}");
            let unique: std::collections::BTreeSet<&String> = why.choices.iter().collect();
            assert_eq!(unique.len(), 4, "{name}: {:?}", why.choices);
        }
        // A refused connection has no hello, no chain: only the why.
        let (_, qs) = run("refused");
        assert_eq!(qs.len(), 1);
    }

    #[test]
    fn the_right_option_is_not_systematically_the_longest() {
        let mut longest = 0;
        let mut total = 0;
        let mut letters = std::collections::BTreeSet::new();
        for name in [
            "tls13-mutual-ok",
            "tls12-mutual-ok",
            "untrusted-ca",
            "expired",
            "missing-client-cert",
            "wrong-password",
            "insecure",
        ] {
            for q in run(name).1 {
                total += 1;
                let lens: Vec<usize> = q.choices.iter().map(|c| c.chars().count()).collect();
                let max = lens.iter().copied().max().unwrap_or(0);
                let r = q.answer_index().unwrap();
                letters.insert(r);
                if lens[r] == max && lens.iter().filter(|l| **l == max).count() == 1 {
                    longest += 1;
                }
            }
        }
        assert!(total >= 15, "{total}");
        assert!(
            longest * 3 <= total,
            "right is the longest in {longest} of {total}"
        );
        assert!(letters.len() >= 3, "the right letters vary: {letters:?}");
    }
}
