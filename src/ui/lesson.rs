//! The lesson's texts (`assets/lesson.toml`), embedded in the binary: step explanations, key
//! moments, the quiz, the concept snapshot and the transcript's frame.

use crate::engine::step::Step;
use crate::model::{arrivals, Model};
use serde::Deserialize;
use std::sync::OnceLock;

const SOURCE: &str = include_str!("../../assets/lesson.toml");

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Lesson {
    pub title: String,
    pub concept: Concept,
    pub sample: Sample,
    pub steps: Vec<StepText>,
    pub key_moments: Vec<Moment>,
    pub quiz: Vec<Question>,
    pub snapshot: Snapshot,
    pub transcript: TranscriptText,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Concept {
    pub flow: Vec<String>,
    pub summary: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Sample {
    pub explanation: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StepText {
    pub step: Step,
    pub action: String,
    /// What the step is about, for the table's explanation box and the transcript.
    pub explain: String,
    /// Where TLS 1.3 differs from the lesson's order (empty: nowhere).
    #[serde(default)]
    pub tls13: String,
    /// "press space: step N will …", completing the sentence.
    pub will: String,
    /// The same under TLS 1.3, where the step does something else (empty: same as `will`).
    #[serde(default)]
    pub will_tls13: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Moment {
    pub step: Step,
    pub title: String,
    pub text: String,
    /// The scenario that shows it ("" for none).
    #[serde(default)]
    pub what_if: String,
    #[serde(default)]
    pub what_if_text: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Question {
    pub question: String,
    pub choices: Vec<String>,
    /// The right choice's letter, "A" to "D".
    pub answer: String,
    pub hint: String,
    pub explanation: String,
    pub kind: String,
}

impl Question {
    /// The index of the right choice (0 for A).
    pub fn answer_index(&self) -> Option<usize> {
        let letter = self.answer.trim().chars().next()?;
        letter_index(letter).filter(|&i| i < self.choices.len())
    }
}

/// `a`/`A` → 0 … `d`/`D` → 3.
pub fn letter_index(letter: char) -> Option<usize> {
    let i = u32::from(letter.to_ascii_uppercase()).checked_sub(u32::from('A'))?;
    (i < 4).then_some(i as usize)
}

/// 0 → `A` … 3 → `D`.
pub fn index_letter(index: usize) -> char {
    ['A', 'B', 'C', 'D'].get(index).copied().unwrap_or('?')
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Snapshot {
    pub points: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TranscriptText {
    pub intro: String,
    pub outro: String,
}

impl Lesson {
    /// Parse a lesson; the key moments come in step order (stable: the file's order within a
    /// step), so the list, the keys and Enter all agree.
    pub fn parse(text: &str) -> Result<Lesson, toml::de::Error> {
        let mut lesson: Lesson = toml::from_str(text)?;
        lesson.key_moments.sort_by_key(|m| m.step);
        Ok(lesson)
    }

    /// The embedded lesson. The unit tests prove it parses; were it ever broken, the TUI would
    /// show empty texts rather than crash mid-lesson.
    pub fn get() -> &'static Lesson {
        static LESSON: OnceLock<Lesson> = OnceLock::new();
        LESSON.get_or_init(|| Lesson::parse(SOURCE).unwrap_or_default())
    }

    pub fn step(&self, step: Step) -> Option<&StepText> {
        self.steps.iter().find(|s| s.step == step)
    }
}

/// What pressing space will make happen ("step N will …"): the lesson's words, except where
/// the server's framing decides, which this run's events tell.
pub fn will(model: &Model, step: Step) -> String {
    let tls13 = model.is_tls13();
    if tls13 && step == Step::ClientCertificate {
        let asked = model.certificate_request.is_some();
        // Whether the server's Finished is still to come depends on the server's framing:
        // Redis sends it in a record of its own, read now; a server that sends its whole
        // flight in one record delivered it at step 3.
        let arrived = arrivals::server_finished(model).is_some();
        return match (arrived, asked) {
            (true, true) => "answer the server's certificate request".into(),
            (true, false) => "go on: no client certificate was asked for".into(),
            (false, true) => "read the server's Finished, then answer its request".into(),
            (false, false) => "read the server's Finished (no certificate asked for)".into(),
        };
    }
    if let Some(words) = keys_and_finished(model, step) {
        return words;
    }
    Lesson::get()
        .step(step)
        .map(|s| {
            if tls13 && !s.will_tls13.is_empty() {
                s.will_tls13.clone()
            } else {
                s.will.clone()
            }
        })
        .unwrap_or_default()
}

/// Steps 6 and 7, where the lesson's order and this run's wire part ways: under TLS 1.2 the
/// keys were derived before step 6 (once the client had the server's key share); under TLS 1.3
/// the Finished messages may all have crossed before step 7. `None` keeps the lesson's words.
fn keys_and_finished(model: &Model, step: Step) -> Option<String> {
    let tls13 = model.is_tls13();
    match step {
        Step::KeyExchange if !tls13 && !model.resumed() => {
            let (derived, _) = arrivals::secret_step(model, "CLIENT_RANDOM")?;
            (derived < Step::KeyExchange).then(|| {
                format!(
                    "send the client's key exchange; the keys themselves were already derived at \
                     step {}, once the client had the server's key share, and ChangeCipherSpec \
                     switches to them next",
                    derived.number()
                )
            })
        }
        Step::Encrypted if tls13 => {
            let server = arrivals::server_finished(model)?;
            let client = arrivals::client_finished(model);
            Some(match client {
                Some(c) => format!(
                    "confirm the handshake: both Finished messages already crossed (the server's \
                     at step {}, the client's at step {}); nothing new crosses",
                    server.step.number(),
                    c.step.number()
                ),
                None => format!(
                    "confirm the handshake: the server's Finished crossed at step {}; the \
                     client's leaves now if it has not already",
                    server.step.number()
                ),
            })
        }
        _ => None,
    }
}

/// Whether this run skipped `step` because the session resumed (the engine's skip reason says
/// so).
pub fn skipped_as_resumed(model: &Model, step: Step) -> bool {
    model.step(step).is_some_and(|r| {
        r.status == crate::model::steps::StepStatus::Skipped && r.result.starts_with("resumed")
    })
}

/// What a resumed connection says about certificates, where a full handshake would show one.
pub fn resumed_certificate_words(model: &Model) -> String {
    let proof = if model.is_tls13() {
        "the PSK it left"
    } else {
        "its session's master secret"
    };
    // With --insecure the earlier connection accepted its certificate without checking it.
    let then = if model.insecure {
        "accepted then without checks (--insecure)"
    } else {
        "verified then"
    };
    format!(
        "no certificate was sent or checked on this connection: the session resumed from an \
         earlier one, whose certificate was {then}; the server proved who it is by knowing {proof}."
    )
}

/// What this run's events say about a key moment's step, in one sentence (`None` until the
/// step has something to say).
pub fn moment_fact(model: &Model, step: Step) -> Option<String> {
    use crate::engine::events::HandshakeMessage;
    if model.events.is_empty() {
        return None;
    }
    if !model.run.tls && step != Step::Data {
        return Some("no TLS: this step did not happen.".into());
    }
    let done = |s: Step| {
        model.step(s).is_some_and(|r| {
            !matches!(
                r.status,
                crate::model::steps::StepStatus::Pending
                    | crate::model::steps::StepStatus::Waiting
                    | crate::model::steps::StepStatus::Running
            )
        })
    };
    if matches!(
        step,
        Step::ServerCertificate | Step::Verify | Step::ClientCertificate
    ) && skipped_as_resumed(model, step)
    {
        return Some(resumed_certificate_words(model));
    }
    if let Some(row) = model
        .step(step)
        .filter(|r| r.status == crate::model::steps::StepStatus::Skipped)
    {
        return Some(format!(
            "step {} was skipped: {}.",
            step.number(),
            row.result.trim_end_matches('.')
        ));
    }
    match step {
        Step::Handshake => match &model.client_hello {
            Some(HandshakeMessage::ClientHello {
                sni: Some(name), ..
            }) => Some(format!(
                "the ClientHello carried the name {name} as SNI, readable on the path."
            )),
            Some(_) => Some("the ClientHello carried no SNI.".into()),
            None => None,
        },
        Step::ServerCertificate if done(step) => Some(if model.is_tls13() {
            "the certificate arrived encrypted (TLS 1.3).".into()
        } else {
            "the certificate crossed in clear (TLS 1.2): anyone on the path could read it.".into()
        }),
        Step::Verify if done(step) => Some(match &model.verdict {
            _ if model.insecure => "step 4 checked nothing (--insecure).".into(),
            Some((true, _)) => "the certificate passed every check of step 4.".into(),
            Some((false, reason)) => format!(
                "step 4 refused the certificate: {}.",
                reason.clone().unwrap_or_else(|| "no reason given".into())
            ),
            None => "step 4 stopped before a verdict.".into(),
        }),
        Step::ClientCertificate if done(Step::ServerCertificate) => {
            Some(match &model.certificate_request {
                None => "the server did not ask for a client certificate.".into(),
                Some(req) if req.ca_names.is_empty() => {
                    "the server asked for a client certificate without naming the CAs it \
                     accepts (its request lists none)."
                        .into()
                }
                Some(req) => format!(
                    "the server asked for a client certificate from: {}.",
                    req.ca_names.join("; ")
                ),
            })
        }
        Step::KeyExchange | Step::Encrypted if done(step) => {
            let this = this_run(model, step);
            match (this, &model.tls) {
                (Some(t), _) => Some(t),
                (None, Some(p)) => Some(format!(
                    "{} with {}{}.",
                    p.version,
                    p.cipher_suite,
                    p.key_exchange_group
                        .as_ref()
                        .map(|g| format!(", key exchange {g}"))
                        .unwrap_or_default()
                )),
                (None, None) => None,
            }
        }
        Step::Data if done(step) => crate::ui::console::lesson_exchange(model).and_then(|e| {
            let reply = e.reply?;
            Some(format!(
                "{} → {}",
                e.command,
                crate::model::results::short(&reply)
            ))
        }),
        Step::Close if done(step) => model.step(step).map(|r| format!("{}.", r.result)),
        _ => None,
    }
}

/// Under TLS 1.3, what this run's records say about a step whose wire depends on the server
/// (5, 6, 7): where the server's Finished arrived, where the client's left. `None` elsewhere.
pub fn this_run(model: &Model, step: Step) -> Option<String> {
    if !model.is_tls13() || !matches!(step.number(), 5..=7) {
        return None;
    }
    let note = crate::model::results::step_note(model, step)?;
    Some(note.trim_start_matches("TLS 1.3: ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::steps::ACTIONS;

    #[test]
    fn the_embedded_lesson_parses_and_is_complete() {
        let lesson = Lesson::parse(SOURCE).unwrap();
        assert_eq!(lesson.steps.len(), 9);
        for (i, step) in lesson.steps.iter().enumerate() {
            assert_eq!(step.step.index(), i);
            // The lesson and the model speak the same words.
            assert_eq!(step.action, ACTIONS[i]);
            assert!(!step.explain.is_empty() && !step.will.is_empty());
        }
        assert!(lesson.quiz.len() >= 15, "{} questions", lesson.quiz.len());
        for q in &lesson.quiz {
            assert_eq!(q.choices.len(), 4, "{}", q.question);
            assert!(q.answer_index().is_some(), "{}", q.question);
            assert!(!q.hint.is_empty() && !q.explanation.is_empty());
        }
        assert!(lesson.quiz.iter().filter(|q| q.kind == "failure").count() >= 3);
        assert!(lesson.key_moments.len() >= 3);
        for m in &lesson.key_moments {
            assert_eq!(
                m.what_if.is_empty(),
                m.what_if_text.is_empty(),
                "{}",
                m.title
            );
        }
        assert!(!lesson.snapshot.points.is_empty());
        assert!(!lesson.transcript.intro.is_empty());
    }

    #[test]
    fn the_answers_are_not_all_the_same_letter() {
        let lesson = Lesson::get();
        let mut seen = [0usize; 4];
        for q in &lesson.quiz {
            if let Some(i) = q.answer_index() {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n >= 3), "{seen:?}");
    }

    #[test]
    fn the_right_option_is_not_systematically_the_longest() {
        // Test-wise students pick the longest option; it must not pay. By chance the right one
        // of four is the longest a quarter of the time: allow up to a third, and the same for
        // the shortest.
        let quiz = &Lesson::get().quiz;
        let (mut longest, mut shortest) = (0, 0);
        for q in quiz {
            let lens: Vec<usize> = q.choices.iter().map(|c| c.chars().count()).collect();
            let Some(right) = q.answer_index() else {
                continue;
            };
            let unique = |v: usize| lens.iter().filter(|l| **l == v).count() == 1;
            let (max, min) = (
                lens.iter().copied().max().unwrap_or(0),
                lens.iter().copied().min().unwrap_or(0),
            );
            if lens[right] == max && unique(max) {
                longest += 1;
            }
            if lens[right] == min && unique(min) {
                shortest += 1;
            }
        }
        assert!(
            longest * 3 <= quiz.len(),
            "the right option is the longest in {longest} of {} questions",
            quiz.len()
        );
        assert!(
            shortest * 3 <= quiz.len(),
            "the right option is the shortest in {shortest} of {} questions",
            quiz.len()
        );
    }

    #[test]
    fn every_what_if_names_a_shipped_scenario() {
        let shipped: Vec<String> = crate::scenario::all()
            .iter()
            .map(|s| s.name.clone())
            .collect();
        for m in &Lesson::get().key_moments {
            if !m.what_if.is_empty() {
                assert!(shipped.contains(&m.what_if), "{}: {}", m.title, m.what_if);
            }
        }
        // Hints say "Run 'name'": those names must exist too.
        for q in &Lesson::get().quiz {
            for quoted in q.hint.split('\'').skip(1).step_by(2) {
                let looks_like_a_name = !quoted.is_empty()
                    && quoted
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if looks_like_a_name {
                    assert!(shipped.iter().any(|n| n == quoted), "{}: {quoted}", q.hint);
                }
            }
        }
    }

    #[test]
    fn key_moments_come_in_step_order_keeping_the_file_order_within_a_step() {
        let raw: Lesson = toml::from_str(SOURCE).unwrap();
        let expected: Vec<&str> = Step::ALL
            .into_iter()
            .flat_map(|step| {
                raw.key_moments
                    .iter()
                    .filter(move |m| m.step == step)
                    .map(|m| m.title.as_str())
            })
            .collect();
        let shown: Vec<&str> = Lesson::get()
            .key_moments
            .iter()
            .map(|m| m.title.as_str())
            .collect();
        assert_eq!(shown, expected);
    }

    /// A TLS 1.3 session resumed: the recorded run up to step 2, then steps 3–5 skipped as the
    /// engine skips them on a resumed connection.
    fn resumed() -> Model {
        use crate::engine::events::{Event, Stamped};
        let events = crate::ui::testing::fixture("tls13-mutual-ok");
        let mut model = crate::ui::testing::model_after(&events, Step::Handshake);
        for (step, reason) in crate::engine::resumed::skipped(true) {
            model.apply(Stamped {
                at_us: 9_000,
                event: Event::StepSkipped { step, reason },
            });
        }
        model
    }

    #[test]
    fn a_resumed_session_claims_no_certificate() {
        let model = resumed();
        for step in [
            Step::ServerCertificate,
            Step::Verify,
            Step::ClientCertificate,
        ] {
            let fact = moment_fact(&model, step).unwrap_or_default();
            assert!(
                fact.starts_with("no certificate was sent or checked on this connection")
                    && fact.contains("earlier one")
                    && fact.contains("PSK"),
                "step {step}: {fact}"
            );
        }
        use crate::ui::app::Mode;
        use crate::ui::testing::{app, render};
        for (mode, expected) in [
            (Mode::Certs, "No certificate was sent or checked"),
            (Mode::Tracker, "none (resumed session)"),
        ] {
            let screen = render(&app(model.clone(), mode), 120, 40)
                .backend()
                .to_string();
            let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(!flat.contains("no certificate yet"), "{mode:?}: {screen}");
            assert!(!flat.contains("No certificate yet"), "{mode:?}: {screen}");
            assert!(flat.contains(expected), "{mode:?}: {screen}");
        }
    }

    #[test]
    fn step_6_and_7_prompts_follow_the_run() {
        use crate::ui::testing::{fixture, model_after};
        let tls12 = model_after(&fixture("tls12-mutual-ok"), Step::ClientCertificate);
        let six = will(&tls12, Step::KeyExchange);
        assert!(six.contains("already derived at step 4"), "{six}");
        assert!(!six.contains("derive the shared keys"), "{six}");
        let done = model_after(&fixture("tls12-mutual-ok"), Step::KeyExchange);
        let result = done.step(Step::KeyExchange).map(|r| r.result.clone());
        assert!(
            result
                .as_deref()
                .unwrap_or("")
                .contains("derived at step 4"),
            "{result:?}"
        );
        let tls13 = model_after(&fixture("tls13-mutual-ok"), Step::KeyExchange);
        let seven = will(&tls13, Step::Encrypted);
        assert!(!seven.contains("complete the Finished exchange"), "{seven}");
        assert!(seven.contains("the server's at step 5"), "{seven}");
    }

    #[test]
    fn quiz_hints_point_at_what_is_on_screen() {
        for q in &Lesson::get().quiz {
            // Neither a column the table lacks, nor a step-pinned Finished, nor the seed page's
            // "look at the … row after step N" hint pattern.
            for gone in [
                "Details",
                "note on step",
                "Finished messages at step 7",
                "row after step",
            ] {
                assert!(
                    !q.hint.contains(gone) && !q.question.contains(gone),
                    "{q:?}"
                );
            }
        }
    }

    #[test]
    fn letters() {
        assert_eq!(letter_index('a'), Some(0));
        assert_eq!(letter_index('D'), Some(3));
        assert_eq!(letter_index('e'), None);
        assert_eq!(letter_index('1'), None);
        assert_eq!(index_letter(2), 'C');
    }
}
