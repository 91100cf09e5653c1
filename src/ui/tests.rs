//! Snapshots of every mode at the start, mid-handshake, after success and after a failure,
//! rendered into a `TestBackend` from recorded runs (fixed events, fixed clock).

use super::app::{App, Mode};
use super::keys::handle_key;
use super::testing::{app, fixture, model_after, model_after_presses, render, with_console};
use crate::engine::step::Step;
use crate::model::Model;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

fn start() -> Model {
    model_after_presses(&fixture("tls13-mutual-ok"), 0)
}

fn mid() -> Model {
    model_after_presses(&fixture("tls13-mutual-ok"), 4)
}

fn success() -> Model {
    model_after(&fixture("tls13-mutual-ok"), Step::Close)
}

fn failure() -> Model {
    model_after(&fixture("untrusted-ca"), Step::Close)
}

/// TLS 1.3, no client certificate: step 5's refusal arrives at step 8.
fn late() -> Model {
    model_after(&fixture("missing-client-cert"), Step::Close)
}

fn no_colour(mut a: App) -> App {
    a.theme = super::theme::Theme::new(false, true);
    a
}

fn snap(name: &str, a: &App, w: u16, h: u16) {
    let terminal = render(a, w, h);
    insta::assert_snapshot!(name, terminal.backend());
}

fn slug(mode: Mode) -> String {
    format!("{}_{}", mode.number(), mode.tab().to_lowercase())
}

#[test]
fn every_mode_at_the_start() {
    for mode in Mode::ALL {
        snap(
            &format!("{}_start", slug(mode)),
            &app(start(), mode),
            80,
            24,
        );
    }
}

#[test]
fn every_mode_mid_handshake() {
    for mode in Mode::ALL {
        snap(&format!("{}_mid", slug(mode)), &app(mid(), mode), 80, 24);
    }
}

#[test]
fn every_mode_after_success() {
    for mode in Mode::ALL {
        snap(
            &format!("{}_success", slug(mode)),
            &app(success(), mode),
            80,
            24,
        );
    }
}

#[test]
fn every_mode_after_a_failure() {
    for mode in Mode::ALL {
        snap(
            &format!("{}_failure", slug(mode)),
            &app(failure(), mode),
            80,
            24,
        );
    }
}

#[test]
fn large_terminal_layouts() {
    for mode in [
        Mode::Table,
        Mode::Flow,
        Mode::Tracker,
        Mode::Wire,
        Mode::Certs,
    ] {
        snap(
            &format!("large_{}_success", slug(mode)),
            &app(success(), mode),
            120,
            40,
        );
    }
    snap(
        "large_3_table_failure",
        &app(failure(), Mode::Table),
        120,
        40,
    );
    snap("large_1_flow_mid", &app(mid(), Mode::Flow), 120, 40);
}

#[test]
fn other_runs() {
    let late = model_after(&fixture("missing-client-cert"), Step::Close);
    snap(
        "missing_client_cert_table",
        &app(late, Mode::Table),
        100,
        30,
    );
    let refused = model_after(&fixture("refused"), Step::Close);
    snap("refused_table", &app(refused, Mode::Table), 80, 24);
    let tls12 = model_after(&fixture("tls12-mutual-ok"), Step::Close);
    snap("tls12_tracker", &app(tls12.clone(), Mode::Tracker), 80, 30);
    snap("tls12_flow", &app(tls12, Mode::Flow), 100, 40);
}

#[test]
fn insecure_is_loud() {
    let model = model_after(&fixture("insecure"), Step::Close);
    let a = app(model, Mode::Certs);
    let text = render(&a, 80, 24).backend().to_string();
    assert!(text.contains("INSECURE"), "{text}");
    assert!(
        text.contains("NOT verified"),
        "the verdict comes first: {text}"
    );
    snap("insecure_certs", &a, 80, 24);
}

fn press(a: &mut App, code: KeyCode) {
    handle_key(a, KeyEvent::new(code, KeyModifiers::NONE));
}

#[test]
fn overlays_and_states() {
    let mut a = app(mid(), Mode::Table);
    press(&mut a, KeyCode::Char('?'));
    snap("help", &a, 80, 24);

    let mut a = app(mid(), Mode::Flow);
    a.cards = vec![
        super::ScenarioCard {
            name: "expired".into(),
            title: "Expired server certificate".into(),
            summary: "The server's certificate ran out yesterday; step 4 refuses it.".into(),
            lesson: String::new(),
        },
        super::ScenarioCard {
            name: "mutual-tls12".into(),
            title: "Mutual TLS 1.2".into(),
            summary: "The lesson's classic order: certificates in clear.".into(),
            lesson: String::new(),
        },
    ];
    press(&mut a, KeyCode::Char('s'));
    press(&mut a, KeyCode::Down);
    snap("picker", &a, 80, 24);

    let mut a = app(mid(), Mode::Table);
    press(&mut a, KeyCode::Left);
    press(&mut a, KeyCode::Left);
    snap("look_back_table", &a, 80, 24);

    let mut a = app(
        model_after_presses(&fixture("tls13-mutual-ok"), 8),
        Mode::Wire,
    );
    press(&mut a, KeyCode::Char(':'));
    for c in "AUTH hunter2".chars() {
        press(&mut a, KeyCode::Char(c));
    }
    let text = render(&a, 80, 24).backend().to_string();
    assert!(
        !text.contains("hunter2"),
        "a password typed in the console is masked"
    );
    snap("console", &a, 80, 24);

    let mut a = app(success(), Mode::Quiz);
    press(&mut a, KeyCode::Char('h'));
    snap("quiz_hint", &a, 80, 24);
    press(&mut a, KeyCode::Char('a'));
    snap("quiz_answered_wrong", &a, 80, 24);

    let mut a = app(success(), Mode::Quiz);
    assert_eq!(a.run_questions, 3, "the run's own questions come first");
    for _ in 0..a.questions.len() {
        press(&mut a, KeyCode::Char('d'));
        press(&mut a, KeyCode::Enter);
    }
    assert!(a.quiz.results);
    snap("quiz_results", &a, 80, 24);
    press(&mut a, KeyCode::Enter);
    assert!(!a.quiz.results && a.quiz.answers.iter().all(Option::is_none));

    let mut a = app(success(), Mode::Moments);
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Down);
    snap("moments_third", &a, 80, 24);

    let mut a = app(success(), Mode::Wire);
    press(&mut a, KeyCode::Home);
    snap("wire_first_record", &a, 80, 24);
}

/// Every mode at 80×24 and 120×40, with colour (a successful run) and without (a late
/// rejection). Each screen reads the same with and without colour, and without it has none.
#[test]
fn every_mode_at_both_sizes_with_and_without_colour() {
    for (w, h) in [(80, 24), (120, 40)] {
        for mode in Mode::ALL {
            for (name, model) in [("colour", success()), ("no_colour", late())] {
                let coloured = app(model.clone(), mode);
                let plain = no_colour(app(model, mode));
                let c = render(&coloured, w, h);
                let p = render(&plain, w, h);
                assert_eq!(
                    c.backend().to_string(),
                    p.backend().to_string(),
                    "{mode:?} {w}x{h}: colour adds no words"
                );
                for cell in p.backend().buffer().content() {
                    assert_eq!(cell.fg, Color::Reset, "{mode:?}: {cell:?}");
                    assert_eq!(cell.bg, Color::Reset, "{mode:?}: {cell:?}");
                }
                let a = if name == "colour" { &coloured } else { &plain };
                snap(&format!("matrix_{w}x{h}_{name}_{}", slug(mode)), a, w, h);
            }
        }
    }
}

#[test]
fn before_step_4_the_certificates_view_marks_nothing() {
    let before = model_after_presses(&fixture("tls13-mutual-ok"), 3);
    let text = render(&app(before, Mode::Certs), 80, 24)
        .backend()
        .to_string();
    let panel: Vec<&str> = text
        .lines()
        .skip(1)
        .take_while(|l| !l.contains('└'))
        .collect();
    assert!(
        panel.iter().all(|l| !l.contains('✓') && !l.contains('✗')),
        "{text}"
    );
    assert!(text.contains("⏳ pending"), "{text}");
}

#[test]
fn the_closed_checkpoint_is_visible_at_80x24() {
    for model in [success(), late(), failure(), mid()] {
        let text = render(&app(model, Mode::Tracker), 80, 24)
            .backend()
            .to_string();
        assert!(text.contains("Closed (9)"), "{text}");
    }
}

#[test]
fn the_wire_detail_scrolls_to_the_end_of_a_client_hello() {
    let mut a = app(success(), Mode::Wire);
    press(&mut a, KeyCode::Home);
    let top = render(&a, 80, 24).backend().to_string();
    assert!(top.contains("more below"), "{top}");
    assert!(!top.contains("sig algs"), "{top}");
    for _ in 0..6 {
        press(&mut a, KeyCode::PageDown);
    }
    let end = render(&a, 80, 24).backend().to_string();
    assert!(end.contains("sig algs"), "{end}");
    assert!(end.contains("more above"), "{end}");
    // Choosing another record starts its details at the top.
    press(&mut a, KeyCode::Down);
    assert_eq!(a.scroll(Mode::Wire), 0);
}

#[test]
fn the_late_rejection_history_shows_nothing_connected_after_failed() {
    let text = render(&app(late(), Mode::Tracker), 120, 40)
        .backend()
        .to_string();
    let history: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("After every step"))
        .collect();
    let failed = history
        .iter()
        .position(|l| l.contains("Failed"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(history[failed].contains("After 8"), "{text}");
    assert!(
        history[failed..].iter().all(|l| !l.contains("connected")),
        "{text}"
    );
    assert!(text.contains("belongs to step 5"), "{text}");
}

#[test]
fn the_plaintext_wire_never_calls_its_bytes_encrypted() {
    let events = super::testing::fixture("plaintext-to-tls-port");
    let model = model_after(&events, Step::Close);
    let mut a = app(model, Mode::Wire);
    press(&mut a, KeyCode::Home);
    let text = render(&a, 120, 40).backend().to_string();
    assert!(!text.contains("(encrypted)"), "{text}");
    assert!(!text.contains("ciphertext"), "{text}");
    assert!(!text.contains("record header"), "{text}");
    assert!(text.contains("🔓 clear"), "{text}");
}

#[test]
fn a_small_terminal_says_so() {
    snap("too_small", &app(mid(), Mode::Table), 60, 20);
    let text = render(&app(mid(), Mode::Table), 79, 24)
        .backend()
        .to_string();
    assert!(text.contains("too small"));
    let text = render(&app(mid(), Mode::Table), 80, 24)
        .backend()
        .to_string();
    assert!(!text.contains("too small"));
}

#[test]
fn no_color_means_no_colour_and_symbols_carry_the_meaning() {
    for model in [mid(), success(), failure()] {
        for mode in Mode::ALL {
            let mut a = app(model.clone(), mode);
            a.theme = super::theme::Theme::new(false, true);
            let terminal = render(&a, 120, 40);
            for cell in terminal.backend().buffer().content() {
                assert_eq!(cell.fg, Color::Reset, "{mode:?}: {cell:?}");
                assert_eq!(cell.bg, Color::Reset, "{mode:?}: {cell:?}");
            }
        }
    }
    let a = app(failure(), Mode::Table);
    let text = render(&a, 80, 24).backend().to_string();
    assert!(text.contains("✗"), "a failure is marked by a symbol");
    assert!(text.contains("✓"), "a success is marked by a symbol");
}

#[test]
fn the_light_theme_differs_from_the_dark_one() {
    let mut a = app(success(), Mode::Table);
    let dark = render(&a, 80, 24).backend().buffer().clone();
    a.theme = super::theme::Theme::new(true, false);
    let light = render(&a, 80, 24).backend().buffer().clone();
    assert_ne!(dark, light);
}

#[test]
fn the_tracker_ends_as_the_lesson_says() {
    let text = render(&app(success(), Mode::Table), 120, 40)
        .backend()
        .to_string();
    let final_row = text
        .lines()
        .find(|l| l.contains("Final "))
        .unwrap_or_default();
    assert!(final_row.contains("Encrypted and connected"), "{final_row}");
    assert!(final_row.contains("Active"), "{final_row}");
    assert!(final_row.contains("Verified"), "{final_row}");
}

#[test]
fn every_size_from_80x24_up_renders_without_panicking() {
    for (w, h) in [
        (80, 24),
        (81, 25),
        (100, 30),
        (118, 26),
        (120, 40),
        (200, 60),
        (80, 60),
    ] {
        for model in [Model::new(), start(), mid(), success(), failure()] {
            for mode in Mode::ALL {
                let _ = render(&app(model.clone(), mode), w, h);
            }
        }
    }
}

#[test]
fn the_console_prints_replies_as_redis_cli_does() {
    let held = model_after_presses(&fixture("tls13-mutual-ok"), 8);
    let model = with_console(
        held,
        &[("GET nope", "get-missing"), ("INFO server", "info-server")],
    );
    let mut a = app(model, Mode::Wire);
    press(&mut a, KeyCode::Char(':'));
    for (w, h) in [(80, 24), (120, 40)] {
        let text = render(&a, w, h).backend().to_string();
        // INFO's lines stay lines: redis_version starts one of its own.
        assert!(
            text.lines()
                .any(|l| l.starts_with("\"│redis_version:7.0.15 ")),
            "{text}"
        );
        assert!(text.contains("redis> INFO server"), "{text}");
        if h == 24 {
            assert!(
                text.contains("more lines"),
                "the rest is below, and says so: {text}"
            );
        }
        snap(&format!("console_info_{w}x{h}"), &a, w, h);
    }
    // Scrolled to the end: the last line of the reply, and the way back up.
    for _ in 0..5 {
        press(&mut a, KeyCode::PageDown);
    }
    let text = render(&a, 80, 24).backend().to_string();
    assert!(text.contains("io_threads_active:0"), "{text}");
    assert!(text.contains("↑ "), "{text}");
    // The limit is shown, and an open quote is an error on the prompt line.
    for c in "SET k \"v".chars() {
        press(&mut a, KeyCode::Char(c));
    }
    assert!(render(&a, 80, 24).backend().to_string().contains("8/200"));
    press(&mut a, KeyCode::Enter);
    let text = render(&a, 80, 24).backend().to_string();
    let prompt = text
        .lines()
        .find(|l| l.contains("redis> SET"))
        .unwrap_or_default();
    assert!(prompt.contains("Invalid argument(s)"), "{text}");
    assert_eq!(
        a.console.as_deref(),
        Some("SET k \"v"),
        "the line stays for mending"
    );
}

/// A recorded run played with predict mode on: each press answers with the next letter of
/// `answers`, then lets the step happen, as the class would.
fn predicting(name: &str, answers: &str, mode: Mode) -> App {
    let events = fixture(name);
    let mut replay = super::replay::Replay::new(&events);
    let mut a = app(Model::new(), mode);
    for e in replay.reveal().to_vec() {
        a.apply(e);
    }
    press(&mut a, KeyCode::Char('p'));
    for letter in answers.chars() {
        press(&mut a, KeyCode::Char(letter));
        assert_eq!(
            handle_key(
                &mut a,
                KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)
            ),
            super::app::Action::Next
        );
        for e in replay.reveal().to_vec() {
            a.apply(e);
        }
    }
    a.status = None;
    a
}

#[test]
fn predict_first_asks_before_each_step_and_marks_the_answer() {
    // Steps 1 and 2 predicted, step 3's question on screen, not answered yet.
    let a = predicting("tls13-mutual-ok", "ab", Mode::Flow);
    let text = render(&a, 80, 24).backend().to_string();
    assert!(
        text.contains("Step 3 · the server sends its certificate"),
        "{text}"
    );
    for letter in ["A. ", "B. ", "C. ", "D. "] {
        assert!(text.contains(letter), "{letter}: {text}");
    }
    assert!(
        text.contains("Step 2 "),
        "the last prediction is marked: {text}"
    );
    snap("predict_80x24", &a, 80, 24);
    // Answered, waiting for space, at 120×40; under TLS 1.2.
    let mut a = predicting("tls12-mutual-ok", "abcd", Mode::Table);
    press(&mut a, KeyCode::Char('b'));
    a.status = None;
    let text = render(&a, 120, 40).backend().to_string();
    assert!(text.contains("space: step 5 really happens"), "{text}");
    snap("predict_120x40", &a, 120, 40);
    // The quiz keeps its letters: the box is not there, and a–d answer the quiz.
    let mut a = predicting("tls13-mutual-ok", "", Mode::Quiz);
    assert!(!render(&a, 80, 24)
        .backend()
        .to_string()
        .contains("Predict first"));
    press(&mut a, KeyCode::Char('c'));
    assert_eq!(a.quiz.given(), Some(2));
    assert_eq!(a.predict.pending.as_ref().and_then(|p| p.given), None);
    // Space waits for the prediction, and says where it is.
    press(&mut a, KeyCode::Char(' '));
    assert!(a
        .status
        .as_deref()
        .unwrap_or("")
        .contains("outside the quiz"));
}

#[test]
fn the_transcript_carries_the_predictions_and_the_quiz() {
    // All nine steps predicted with A, then two quiz answers: this run's first question right,
    // the second wrong.
    let mut a = predicting("tls13-mutual-ok", "aaaaaaaaa", Mode::Flow);
    press(&mut a, KeyCode::Char('8'));
    assert_eq!(a.model.outcome, crate::model::Outcome::Ok);
    assert_eq!(a.predict.graded.len(), 9);
    assert_eq!(a.run_questions, 3);
    let letter = |i: usize| crate::ui::lesson::index_letter(i).to_ascii_lowercase();
    let first = a.questions[0].answer_index().unwrap();
    press(&mut a, KeyCode::Char(letter(first)));
    press(&mut a, KeyCode::Enter);
    let second = a.questions[1].answer_index().unwrap();
    let wrong = letter((second + 1) % a.questions[1].choices.len());
    press(&mut a, KeyCode::Char(wrong));
    let class = super::transcript::classwork(&a.predict, &a.questions, &a.quiz);
    let md = super::transcript::markdown(&a.model, None, "2026-11-28 12:00 UTC", &class);
    let (right, scored) = a.predict.score();
    assert_eq!(scored, 9);
    assert!(md.contains("## The class"), "{md}");
    assert!(
        md.contains(&format!("{right} of 9 predictions right.")),
        "{md}"
    );
    assert!(md.contains("- Step 1 "), "{md}");
    assert!(md.contains("1 of 2 answered right."), "{md}");
    assert!(
        md.contains("- Q1 (this run) In this run, which cipher suite"),
        "{md}"
    );
    assert!(
        md.contains("; the answer: "),
        "the wrong one names the answer: {md}"
    );
    // Mode 9 shows the same.
    press(&mut a, KeyCode::Char('9'));
    for _ in 0..8 {
        press(&mut a, KeyCode::PageDown);
    }
    let text = render(&a, 120, 40).backend().to_string();
    assert!(text.contains("answered right"), "{text}");
}
