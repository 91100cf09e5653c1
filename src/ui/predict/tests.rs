//! Predictions against recorded runs: the right answer is what the step's events show, under
//! TLS 1.3 and TLS 1.2, on success and on failure.

use super::*;
use crate::ui::replay::Replay;
use crate::ui::testing::fixture;
use Happening as H;

/// Play a recording with predict mode on, answering each question with `answer` (0 = A), as
/// the class would before pressing space. Returns the marked predictions and the final model.
fn walk(name: &str, answer: usize) -> (Vec<Graded>, Model) {
    let events = fixture(name);
    let mut replay = Replay::new(&events);
    let mut model = Model::new();
    let mut predict = Predict {
        on: true,
        ..Predict::default()
    };
    while !replay.at_end() {
        if predict.pending.is_some() {
            assert!(predict.blocks_next(), "space waits for an answer");
            assert!(predict.answer(answer));
            assert!(!predict.blocks_next());
        }
        for e in replay.reveal().to_vec() {
            model.apply(e);
            predict.sync(&model);
        }
    }
    assert!(
        predict.pending.is_none(),
        "nothing is asked once the run is over"
    );
    (predict.graded, model)
}

fn happenings(graded: &[Graded]) -> Vec<(u8, Option<Happening>)> {
    graded
        .iter()
        .map(|g| (g.step.number(), g.happening))
        .collect()
}

/// Every marked prediction names a choice that happened, and says it in that choice's words.
fn all_answerable(graded: &[Graded]) {
    for g in graded {
        let right = g
            .right
            .unwrap_or_else(|| panic!("step {}: no choice happened", g.step));
        assert_eq!(g.happened, g.choices[right], "step {}", g.step);
        assert!((3..=4).contains(&g.choices.len()));
    }
}

#[test]
fn tls13_the_right_answers_are_what_the_wire_did() {
    let (graded, _) = walk("tls13-mutual-ok", 0);
    assert_eq!(
        happenings(&graded),
        [
            (1, Some(H::TcpOpened)),
            (2, Some(H::ServerHello13)),
            // Under TLS 1.3 the certificate crosses encrypted.
            (3, Some(H::CertificateEncrypted)),
            (4, Some(H::Accepted)),
            // Certificate, CertificateVerify and Finished in one encrypted record.
            (5, Some(H::ClientCertificateEncrypted)),
            (6, Some(H::NothingCrosses)),
            (7, Some(H::FinishedEarlier)),
            (8, Some(H::ReplyEncrypted)),
            (9, Some(H::CloseNotify)),
        ]
    );
    all_answerable(&graded);
    let step3 = &graded[2];
    assert!(
        step3.happened.starts_with("Encrypted"),
        "{}",
        step3.happened
    );
}

#[test]
fn tls12_the_right_answers_are_what_the_wire_did() {
    let (graded, _) = walk("tls12-mutual-ok", 1);
    assert_eq!(
        happenings(&graded),
        [
            (1, Some(H::TcpOpened)),
            (2, Some(H::ServerHello12)),
            // Under TLS 1.2 the certificate crosses in clear.
            (3, Some(H::CertificateClear)),
            (4, Some(H::Accepted)),
            (5, Some(H::ClientCertificateClear)),
            (6, Some(H::KeyShareClear)),
            (7, Some(H::FinishedBothWays)),
            (8, Some(H::ReplyEncrypted)),
            (9, Some(H::CloseNotify)),
        ]
    );
    all_answerable(&graded);
    // Step 7 under TLS 1.2 offers the server's refusal, not the "in clear" idea.
    assert!(graded[6]
        .choices
        .iter()
        .any(|c| c.starts_with("No Finished comes back")));
}

#[test]
fn a_scenario_failing_at_step_4_makes_refused_right() {
    for name in ["untrusted-ca", "expired"] {
        let (graded, model) = walk(name, 2);
        let last = graded.last().unwrap();
        assert_eq!(last.step, Step::Verify, "{name}");
        assert_eq!(last.happening, Some(H::Refused), "{name}");
        assert!(last.happened.starts_with("Refused"), "{name}");
        assert_eq!(model.outcome, Outcome::Failed);
        all_answerable(&graded);
    }
}

#[test]
fn failures_elsewhere_are_marked_from_their_events() {
    let (graded, _) = walk("missing-client-cert", 0);
    // TLS 1.3: the client sends its (empty) certificate at step 5; the refusal comes at step 8.
    assert_eq!(graded[4].happening, Some(H::EmptyCertificate));
    assert_eq!(graded.last().map(|g| g.happening), Some(Some(H::Failed)));
    all_answerable(&graded);

    let (graded, _) = walk("wrong-password", 0);
    assert_eq!(
        graded.last().map(|g| g.happening),
        Some(Some(H::RedisError))
    );

    let (graded, _) = walk("version-mismatch", 0);
    assert_eq!(
        happenings(&graded),
        [(1, Some(H::TcpOpened)), (2, Some(H::NoServerHello))]
    );

    let (graded, _) = walk("refused", 0);
    assert_eq!(happenings(&graded), [(1, Some(H::NoConnection))]);

    let (graded, _) = walk("insecure", 0);
    assert_eq!(graded[3].happening, Some(H::NotChecked));
}

#[test]
fn without_tls_only_the_steps_that_happen_are_asked() {
    let (graded, _) = walk("plaintext-ok", 3);
    assert_eq!(
        happenings(&graded),
        [
            (1, Some(H::TcpOpened)),
            (8, Some(H::ReplyClear)),
            (9, Some(H::TcpCloseOnly)),
        ]
    );
    all_answerable(&graded);
}

#[test]
fn the_score_counts_the_marked_predictions() {
    let events = fixture("tls13-mutual-ok");
    let mut replay = Replay::new(&events);
    let mut model = Model::new();
    let mut predict = Predict {
        on: true,
        ..Predict::default()
    };
    // The first reveal reaches the wait before step 1; three more run steps 1 to 3.
    for _ in 0..4 {
        if let Some(p) = &predict.pending {
            // The right answer is known to the test only: the one naming what will happen.
            let want = [H::TcpOpened, H::ServerHello13, H::CertificateClear][p.step.index()];
            let i = p.choices.iter().position(|c| c.happening == want).unwrap();
            predict.answer(i);
        }
        for e in replay.reveal().to_vec() {
            model.apply(e);
            predict.sync(&model);
        }
    }
    assert_eq!(predict.score(), (2, 3), "steps 1 and 2 right, step 3 wrong");
    assert!(!predict.graded[2].is_right());
    // Turning it off takes the question away; on again asks about the step now waited for.
    predict.toggle(&model);
    assert!(predict.pending.is_none() && !predict.blocks_next());
    predict.toggle(&model);
    assert_eq!(predict.pending.as_ref().map(|p| p.step), Some(Step::Verify));
    predict.reset();
    assert_eq!(predict.score(), (0, 0));
}

#[test]
fn choices_are_shuffled_per_step_and_stable_per_run() {
    let model = crate::ui::testing::model_after_presses(&fixture("tls13-mutual-ok"), 0);
    let first = ask(&model, Step::Connect);
    assert_eq!(
        first,
        ask(&model, Step::Connect),
        "the same run asks the same way"
    );
    let positions: Vec<usize> = Step::ALL
        .iter()
        .map(|s| {
            let p = ask(&model, *s);
            assert!(p.question.starts_with(&format!("Step {}", s.number())));
            p.choices
                .iter()
                .position(|c| {
                    c.text.len() == p.choices.iter().map(|c| c.text.len()).max().unwrap_or(0)
                })
                .unwrap_or(0)
        })
        .collect();
    assert!(
        positions.iter().any(|p| *p != positions[0]),
        "the longest choice does not always sit at the same letter: {positions:?}"
    );
    assert_eq!(shuffled(vec![1, 2, 3, 4], 7).len(), 4);
    let mut sorted = shuffled(vec![1, 2, 3, 4], 99);
    sorted.sort();
    assert_eq!(sorted, [1, 2, 3, 4]);
}
