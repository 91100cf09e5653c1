//! Snapshots and assertions for what a review found: identifiers kept whole, the keys a
//! prediction question takes, hidden notes marked, and the look-back pane titled for its step.

use super::app::{App, Mode};
use super::keys::handle_key;
use super::testing::{app, fixture, model_after, render};
use crate::engine::step::Step;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn snap(name: &str, a: &App, w: u16, h: u16) {
    let terminal = render(a, w, h);
    insta::assert_snapshot!(name, terminal.backend());
}

fn screen(a: &App, w: u16, h: u16) -> String {
    render(a, w, h).backend().to_string()
}

fn press(a: &mut App, code: KeyCode) {
    handle_key(a, KeyEvent::new(code, KeyModifiers::NONE));
}

#[test]
fn looking_back_titles_the_side_pane_for_the_step_shown() {
    for mode in [Mode::Table, Mode::Tracker] {
        let mut a = app(model_after(&fixture("tls13-mutual-ok"), Step::Close), mode);
        for _ in 0..9 {
            if a.look_back == Some(4) {
                break;
            }
            press(&mut a, KeyCode::Left);
        }
        assert_eq!(a.look_back, Some(4));
        let text = screen(&a, 120, 40);
        assert!(text.contains("The connection after step 4"), "{text}");
        assert!(!text.contains("The connection now"), "{text}");
        if mode == Mode::Table {
            snap("look_back_step_4_table_120x40", &a, 120, 40);
        }
    }
}

#[test]
fn a_cipher_suite_is_never_split_mid_word() {
    let model = model_after(&fixture("tls12-mutual-ok"), Step::Close);
    for mode in [Mode::Table, Mode::Flow, Mode::Tracker] {
        let a = app(model.clone(), mode);
        let text = screen(&a, 120, 40);
        assert!(text.contains("TLS_ECDHE_ECDSA_WITH_"), "{text}");
        assert!(!text.contains("WITH_AES "), "{text}");
        assert!(!text.contains(" _256"), "{text}");
        if mode != Mode::Tracker {
            snap(
                &format!("tls12_suite_{}_120x40", mode.number()),
                &a,
                120,
                40,
            );
        }
    }
}

#[test]
fn while_a_prediction_is_open_the_footer_says_a_to_d_answer_and_not_auto() {
    let events = fixture("tls13-mutual-ok");
    let mut replay = super::replay::Replay::new(&events);
    let mut a = app(crate::model::Model::new(), Mode::Flow);
    for e in replay.reveal().to_vec() {
        a.apply(e);
    }
    let before = screen(&a, 120, 40);
    assert!(before.contains("a auto"), "{before}");
    press(&mut a, KeyCode::Char('p'));
    a.status = None;
    assert!(a.predict.pending.is_some());
    let asking = screen(&a, 120, 40);
    assert!(asking.contains("a–d answer"), "{asking}");
    assert!(!asking.contains("a auto"), "{asking}");
    // What the footer says is what the keys do: a answers A, autoplay stays off.
    press(&mut a, KeyCode::Char('a'));
    assert!(!a.autoplay);
    assert_eq!(a.predict.pending.as_ref().and_then(|p| p.given), Some(0));
    snap("predict_open_footer_120x40", &a, 120, 40);
    // The help says what a and b do then.
    press(&mut a, KeyCode::Char('?'));
    let help = screen(&a, 120, 40);
    assert!(help.contains("b answers B"), "{help}");
    assert!(help.contains("a answers A"), "{help}");
}

/// Every note the run has is on screen, or the table says which were left out.
fn notes_shown_or_said(a: &App, w: u16, h: u16) -> String {
    let text = screen(a, w, h);
    let with_notes: Vec<String> = a
        .model
        .steps
        .iter()
        .filter(|r| r.note.is_some())
        .map(|r| r.step.to_string())
        .collect();
    let shown = text.matches("note: ").count();
    if shown < with_notes.len() {
        assert!(
            text.contains("left out for room: 9 Transcript has them"),
            "{text}"
        );
    }
    text
}

#[test]
fn notes_left_out_of_the_table_are_said_to_be() {
    let mut a = app(model_after(&fixture("expired"), Step::Close), Mode::Table);
    a.scenario = Some(super::ScenarioCard {
        name: "expired".into(),
        title: "Expired server certificate".into(),
        summary: "The server's certificate ended three days ago.".into(),
        lesson: "Step 4 fails: the client compares the certificate's dates with its own clock. \
                 The evidence shows both; the fix is to renew the certificate (and to check \
                 clocks)."
            .into(),
    });
    let text = notes_shown_or_said(&a, 120, 40);
    assert!(text.contains("notes on steps 2, 3 left out"), "{text}");
    snap("expired_table_notes_120x40", &a, 120, 40);
    for presses in [4, 6] {
        let a = app(
            super::testing::model_after_presses(&fixture("tls13-mutual-ok"), presses),
            Mode::Table,
        );
        notes_shown_or_said(&a, 80, 24);
        snap(&format!("table_notes_80x24_after_{presses}"), &a, 80, 24);
    }
}
