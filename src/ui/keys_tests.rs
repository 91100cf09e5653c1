//! Key handling, as the lesson uses it: pure, without a terminal.

use super::*;
use crate::engine::step::Step;
use crate::model::Model;
use crate::ui::app::{end_of_step, last_reached, Origin};
use crate::ui::session::ScenarioCard;
use crate::ui::testing::{app, fixture, model_after, model_after_presses};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

fn ctrl_c() -> KeyEvent {
    KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
}

/// The lesson waiting for step 5: steps 1–4 have happened.
fn mid() -> App {
    app(
        model_after_presses(&fixture("tls13-mutual-ok"), 4),
        Mode::Table,
    )
}

#[test]
fn digits_choose_the_nine_modes() {
    let mut a = mid();
    for (c, mode) in ('1'..='9').zip(Mode::ALL) {
        assert_eq!(handle_key(&mut a, ch(c)), Action::None);
        assert_eq!(a.mode, mode);
    }
    assert_eq!(Mode::from_key('0'), None);
}

#[test]
fn space_right_and_n_ask_for_the_next_step() {
    let mut a = mid();
    for k in [ch(' '), key(KeyCode::Right), ch('n')] {
        assert_eq!(handle_key(&mut a, k), Action::Next);
    }
}

#[test]
fn a_permit_is_given_once_per_waiting_step() {
    let mut a = mid();
    assert_eq!(a.model.waiting_for, Some(Step::ClientCertificate));
    assert!(a.take_permit(), "the engine waits for step 5");
    assert!(!a.take_permit(), "a second press must not skip step 6");
    assert!(a.why_no_step().contains("still running"));
    let mut done = app(
        model_after(&fixture("tls13-mutual-ok"), Step::Close),
        Mode::Table,
    );
    assert!(!done.take_permit());
    assert!(done.why_no_step().contains("run is over"));
}

#[test]
fn looking_back_shows_an_earlier_step_and_comes_back() {
    let mut a = mid();
    assert_eq!(handle_key(&mut a, key(KeyCode::Left)), Action::None);
    assert_eq!(a.look_back, Some(3));
    // After step 3 the certificate has arrived but is not checked.
    assert_eq!(
        a.shown().tracker.certificate_validity.to_string(),
        "Received"
    );
    assert_eq!(a.model.tracker.certificate_validity.to_string(), "Verified");
    handle_key(&mut a, ch('b'));
    handle_key(&mut a, ch('b'));
    handle_key(&mut a, ch('b'));
    assert_eq!(a.look_back, Some(0));
    assert_eq!(
        a.shown().tracker.connection_state.to_string(),
        "Disconnected"
    );
    handle_key(&mut a, ch('b'));
    assert_eq!(a.look_back, Some(0), "nothing before the start");
    assert!(a.status.is_some());
    // Forward walks history first; space does not let a real step go while looking back.
    assert_eq!(handle_key(&mut a, ch(' ')), Action::None);
    assert_eq!(a.look_back, Some(1));
    handle_key(&mut a, key(KeyCode::Right));
    handle_key(&mut a, key(KeyCode::Right));
    assert_eq!(a.look_back, Some(3));
    handle_key(&mut a, key(KeyCode::Right));
    assert_eq!(a.look_back, None, "after step 3 comes now (after step 4)");
    assert_eq!(handle_key(&mut a, ch(' ')), Action::Next);
}

#[test]
fn escape_never_quits() {
    let mut a = mid();
    handle_key(&mut a, ch('b'));
    assert_eq!(handle_key(&mut a, key(KeyCode::Esc)), Action::None);
    assert_eq!(a.look_back, None, "Esc returns from looking back");
    // On the main screen Esc does nothing but say what it is for, however often it is pressed.
    for _ in 0..3 {
        assert_eq!(handle_key(&mut a, key(KeyCode::Esc)), Action::None);
    }
    assert!(a.status.as_deref().unwrap_or("").contains("q quits"));
    assert_eq!(a.look_back, None);
    // Overlays: Esc closes the console and the picker, and the lesson stays.
    let mut a = app(
        model_after_presses(&fixture("tls13-mutual-ok"), 8),
        Mode::Wire,
    );
    handle_key(&mut a, ch(':'));
    assert!(a.console.is_some());
    assert_eq!(handle_key(&mut a, key(KeyCode::Esc)), Action::None);
    assert!(a.console.is_none());
    assert_eq!(handle_key(&mut a, key(KeyCode::Esc)), Action::None);
    handle_key(&mut a, ch('s'));
    assert_eq!(handle_key(&mut a, key(KeyCode::Esc)), Action::None);
    assert_eq!(a.picker, None);
    assert_eq!(handle_key(&mut a, key(KeyCode::Esc)), Action::None);
}

#[test]
fn q_quits_mid_lesson_and_after_a_failure() {
    assert_eq!(handle_key(&mut mid(), ch('q')), Action::Quit);
    let mut failed = app(
        model_after(&fixture("untrusted-ca"), Step::Close),
        Mode::Table,
    );
    assert_eq!(handle_key(&mut failed, ch('q')), Action::Quit);
    assert_eq!(handle_key(&mut failed, ctrl_c()), Action::Quit);
}

#[test]
fn ctrl_c_always_quits() {
    let mut a = mid();
    a.help = true;
    assert_eq!(handle_key(&mut a, ctrl_c()), Action::Quit);
    a.help = false;
    a.console = Some("SET".into());
    assert_eq!(handle_key(&mut a, ctrl_c()), Action::Quit);
    a.console = None;
    a.picker = Some(0);
    assert_eq!(handle_key(&mut a, ctrl_c()), Action::Quit);
}

#[test]
fn autoplay_and_its_speed() {
    let mut a = mid();
    handle_key(&mut a, ch('a'));
    assert!(a.autoplay);
    let before = a.autoplay_ms();
    handle_key(&mut a, ch('+'));
    assert!(a.autoplay_ms() < before);
    for _ in 0..10 {
        handle_key(&mut a, ch('+'));
    }
    assert_eq!(a.autoplay_ms(), SPEEDS_MS[SPEEDS_MS.len() - 1]);
    for _ in 0..10 {
        handle_key(&mut a, ch('-'));
    }
    assert_eq!(a.autoplay_ms(), SPEEDS_MS[0]);
    handle_key(&mut a, ch('a'));
    assert!(!a.autoplay);
}

#[test]
fn the_quiz_takes_a_to_d_and_h_while_on_screen() {
    let mut a = mid();
    handle_key(&mut a, ch('8'));
    let questions = &Lesson::get().quiz;
    let right = questions[0].answer_index().unwrap();
    let wrong = (right + 1) % 4;
    handle_key(&mut a, ch('h'));
    assert!(a.quiz.hint);
    // 'a' answers here: it must not toggle autoplay; 'b' must not look back.
    let letter = crate::ui::lesson::index_letter(wrong).to_ascii_lowercase();
    handle_key(&mut a, ch(letter));
    assert!(!a.autoplay);
    assert_eq!(a.look_back, None);
    assert_eq!(a.quiz.given(), Some(wrong));
    assert!(a.status.as_deref().unwrap_or("").starts_with("✗"));
    assert_eq!(a.quiz.score(questions), (0, 1));
    handle_key(&mut a, key(KeyCode::Enter));
    assert_eq!(a.quiz.current, 1);
    assert!(!a.quiz.hint, "the hint belongs to one question");
    let right1 = questions[1].answer_index().unwrap();
    handle_key(
        &mut a,
        ch(crate::ui::lesson::index_letter(right1).to_ascii_lowercase()),
    );
    assert_eq!(a.quiz.score(questions), (1, 2));
    // Space still steps the handshake from the quiz.
    assert_eq!(handle_key(&mut a, ch(' ')), Action::Next);
    // Outside the quiz, 'a' is autoplay again.
    handle_key(&mut a, ch('3'));
    handle_key(&mut a, ch('a'));
    assert!(a.autoplay);
}

#[test]
fn the_picker_runs_the_chosen_scenario() {
    let mut a = mid();
    a.cards = vec![
        ScenarioCard {
            name: "expired".into(),
            ..ScenarioCard::default()
        },
        ScenarioCard {
            name: "self-signed".into(),
            ..ScenarioCard::default()
        },
    ];
    handle_key(&mut a, ch('s'));
    assert_eq!(a.picker, Some(0));
    handle_key(&mut a, key(KeyCode::Down));
    handle_key(&mut a, key(KeyCode::Down));
    handle_key(&mut a, key(KeyCode::Down));
    assert_eq!(a.picker, Some(2), "stops at the last");
    assert_eq!(
        handle_key(&mut a, key(KeyCode::Enter)),
        Action::Open(Some("self-signed".into()))
    );
    assert_eq!(a.picker, None);
    handle_key(&mut a, ch('s'));
    assert_eq!(a.picker, Some(2), "the picker opens where it was left");
    handle_key(&mut a, key(KeyCode::Up));
    assert_eq!(handle_key(&mut a, key(KeyCode::Esc)), Action::None);
    assert_eq!(a.picker, None);
    handle_key(&mut a, ch('s'));
    assert_eq!(a.picker, Some(1), "closing with Esc keeps the place too");
    handle_key(&mut a, key(KeyCode::Up));
    assert_eq!(
        handle_key(&mut a, key(KeyCode::Enter)),
        Action::Open(None),
        "the first entry is the default lesson"
    );
    // Fewer cards than the remembered place (a rebuilt list): the last entry.
    a.picker_at = 9;
    handle_key(&mut a, ch('s'));
    assert_eq!(a.picker, Some(2));
}

#[test]
fn key_moments_enter_runs_the_what_if() {
    let mut a = mid();
    handle_key(&mut a, ch('7'));
    let moments = &Lesson::get().key_moments;
    assert_eq!(
        handle_key(&mut a, key(KeyCode::Enter)),
        Action::Open(Some(moments[0].what_if.clone()))
    );
    handle_key(&mut a, key(KeyCode::Down));
    assert_eq!(a.moment, 1);
    a.origin = Origin::Replay { label: None };
    assert_eq!(handle_key(&mut a, key(KeyCode::Enter)), Action::None);
    assert!(a.status.as_deref().unwrap_or("").contains("--scenario"));
}

#[test]
fn e_exports_from_the_transcript_only() {
    let mut a = mid();
    assert_eq!(handle_key(&mut a, ch('e')), Action::None);
    assert!(a.status.is_some());
    handle_key(&mut a, ch('9'));
    assert_eq!(handle_key(&mut a, ch('e')), Action::Export);
}

#[test]
fn help_closes_on_any_key() {
    let mut a = mid();
    handle_key(&mut a, ch('?'));
    assert!(a.help);
    assert_eq!(
        handle_key(&mut a, ch('q')),
        Action::None,
        "q closes help first"
    );
    assert!(!a.help);
}

#[test]
fn a_replay_has_no_scenarios_and_no_console() {
    let mut a = app(
        model_after_presses(&fixture("tls13-mutual-ok"), 8),
        Mode::Table,
    );
    a.origin = Origin::Replay { label: None };
    handle_key(&mut a, ch('s'));
    assert_eq!(a.picker, None);
    handle_key(&mut a, ch(':'));
    assert_eq!(a.console, None);
    assert_eq!(handle_key(&mut a, ch('r')), Action::Restart);
}

#[test]
fn end_of_step_cuts_the_events_where_the_step_ends() {
    let events = model_after(&fixture("tls13-mutual-ok"), Step::Close).events;
    let cut = end_of_step(&events, 4);
    let m = Model::from_events(&events[..cut]);
    assert_eq!(last_reached(&m), 4);
    assert_eq!(m.tracker.certificate_validity.to_string(), "Verified");
    assert_eq!(
        end_of_step(&events, 0),
        2,
        "RunStarted and the wait for step 1"
    );
}

#[test]
fn p_asks_first_and_a_to_d_answer_before_space() {
    let mut a = mid();
    assert_eq!(handle_key(&mut a, ch('p')), Action::None);
    assert!(a.predict.on);
    let question = a.predict.pending.clone().expect("a question about step 5");
    assert_eq!(question.step, Step::ClientCertificate);
    // Space waits for the class.
    assert_eq!(handle_key(&mut a, ch(' ')), Action::None);
    assert!(a
        .status
        .as_deref()
        .unwrap_or("")
        .starts_with("predict first"));
    // 'a' and 'b' answer here: no autoplay, no looking back.
    handle_key(&mut a, ch('a'));
    handle_key(&mut a, ch('b'));
    assert!(!a.autoplay);
    assert_eq!(a.look_back, None);
    assert_eq!(a.predict.pending.as_ref().and_then(|p| p.given), Some(1));
    assert_eq!(handle_key(&mut a, ch(' ')), Action::Next);
    // Looking back hides the question; ← and Esc still work.
    handle_key(&mut a, key(KeyCode::Left));
    assert!(!a.predict_shown());
    handle_key(&mut a, key(KeyCode::Esc));
    assert!(a.predict_shown());
    // p again: off, and space is free.
    handle_key(&mut a, ch('p'));
    assert!(!a.predict.on && a.predict.pending.is_none());
    assert_eq!(handle_key(&mut a, ch(' ')), Action::Next);
    handle_key(&mut a, ch('a'));
    assert!(a.autoplay, "with predict off, a is autoplay again");
}

/// Wire after a run recorded with `--bytes --show-secrets`: the byte explorer.
fn explorer() -> App {
    app(
        model_after(&fixture("bytes-tls13"), Step::Close),
        Mode::Wire,
    )
}

#[test]
fn tab_walks_the_records_fields_and_esc_goes_back_to_the_list() {
    use crate::ui::app::WireFocus;
    let mut a = explorer();
    a.record = Some(0);
    assert_eq!(handle_key(&mut a, key(KeyCode::Tab)), Action::None);
    assert_eq!(a.wire_focus, WireFocus::Fields);
    assert_eq!(a.wire_field, 0);
    handle_key(&mut a, key(KeyCode::Tab));
    handle_key(&mut a, ch('j'));
    handle_key(&mut a, key(KeyCode::Down));
    assert_eq!(a.wire_field, 3);
    handle_key(&mut a, key(KeyCode::BackTab));
    handle_key(&mut a, ch('k'));
    handle_key(&mut a, key(KeyCode::Up));
    handle_key(&mut a, key(KeyCode::Up));
    assert_eq!(a.wire_field, 0, "the walk stops at the first field");
    let n = crate::ui::views::bytes::field_count(&a);
    assert_eq!(n, 73, "the ClientHello's fields");
    handle_key(&mut a, key(KeyCode::End));
    assert_eq!(a.wire_field, n - 1);
    handle_key(&mut a, key(KeyCode::Tab));
    assert_eq!(a.wire_field, n - 1, "the walk stops at the last field");
    handle_key(&mut a, key(KeyCode::PageUp));
    assert_eq!(a.wire_field, n - 11);
    assert_eq!(a.record, Some(0), "walking fields keeps the record");
    handle_key(&mut a, key(KeyCode::Esc));
    assert_eq!(a.wire_focus, WireFocus::Records);
    handle_key(&mut a, key(KeyCode::Down));
    assert_eq!(a.record, Some(1), "↑↓ pick records again");
    // Shift-Tab from the list starts at the last field.
    handle_key(&mut a, key(KeyCode::BackTab));
    assert_eq!(a.wire_focus, WireFocus::Fields);
    assert_eq!(a.wire_field, crate::ui::views::bytes::field_count(&a) - 1);
    handle_key(&mut a, key(KeyCode::Esc));
    // Esc on the list is the global Esc: a hint, never a quit.
    assert_eq!(handle_key(&mut a, key(KeyCode::Esc)), Action::None);
    assert!(a.status.as_deref().unwrap_or("").contains("q quits"));
}

#[test]
fn enter_opens_what_tlsviz_decrypted_and_enter_or_esc_come_back() {
    use crate::ui::app::WireFocus;
    let mut a = explorer();
    // Record 11: the client's PING, opened with the application keys.
    a.record = Some(10);
    handle_key(&mut a, key(KeyCode::Enter));
    assert_eq!(a.wire_focus, WireFocus::Opened);
    let inner = crate::ui::views::bytes::unit(&a).map(|(_, f)| f.to_vec());
    let names: Vec<String> = inner
        .unwrap_or_default()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(
        names,
        [
            "resp.array_header",
            "resp.elements[0]",
            "inner_plaintext.content_type"
        ]
    );
    handle_key(&mut a, key(KeyCode::Enter));
    assert_eq!(a.wire_focus, WireFocus::Fields, "Enter comes back");
    handle_key(&mut a, key(KeyCode::Enter));
    assert_eq!(a.wire_focus, WireFocus::Opened);
    handle_key(&mut a, key(KeyCode::Esc));
    assert_eq!(a.wire_focus, WireFocus::Fields, "Esc comes back");
    handle_key(&mut a, key(KeyCode::Esc));
    assert_eq!(a.wire_focus, WireFocus::Records);
    // A record sent in clear has nothing to open.
    a.record = Some(0);
    handle_key(&mut a, key(KeyCode::Enter));
    assert_eq!(a.wire_focus, WireFocus::Fields);
    handle_key(&mut a, key(KeyCode::Enter));
    assert_eq!(a.wire_focus, WireFocus::Fields);
    assert!(
        a.status.as_deref().unwrap_or("").contains("in clear"),
        "{:?}",
        a.status
    );
}

#[test]
fn walking_the_newest_records_fields_holds_it() {
    let mut a = explorer();
    assert_eq!(a.record, None, "the list follows the newest record");
    handle_key(&mut a, key(KeyCode::Tab));
    assert_eq!(a.record, Some(a.model.records.len() - 1));
}

#[test]
fn without_bytes_tab_says_how_to_get_them() {
    let mut a = app(
        model_after(&fixture("tls13-mutual-ok"), Step::Close),
        Mode::Wire,
    );
    handle_key(&mut a, key(KeyCode::Tab));
    assert_eq!(a.wire_focus, crate::ui::app::WireFocus::Records);
    assert!(a.status.as_deref().unwrap_or("").contains("--bytes"));
    a.origin = Origin::Replay { label: None };
    handle_key(&mut a, key(KeyCode::BackTab));
    assert!(a.status.as_deref().unwrap_or("").contains("this recording"));
    a.mode = Mode::Table;
    handle_key(&mut a, key(KeyCode::Tab));
    assert!(a.status.as_deref().unwrap_or("").contains("press 5"));
}

#[test]
fn capital_k_opens_the_key_schedule_and_esc_k_or_a_mode_close_it() {
    let mut a = mid();
    handle_key(&mut a, ch('K'));
    assert!(a.keys_view);
    for _ in 0..3 {
        handle_key(&mut a, key(KeyCode::Down));
    }
    handle_key(&mut a, ch('k'));
    assert_eq!(a.keys_scroll, 2, "↑↓ (and j/k) scroll the view");
    assert_eq!(a.mode, Mode::Table, "k scrolls, it does not pick a record");
    handle_key(&mut a, key(KeyCode::PageDown));
    assert_eq!(a.keys_scroll, 12);
    handle_key(&mut a, key(KeyCode::Home));
    assert_eq!(a.keys_scroll, 0);
    handle_key(&mut a, key(KeyCode::Esc));
    assert!(!a.keys_view);
    assert_eq!(a.look_back, None);
    handle_key(&mut a, ch('K'));
    handle_key(&mut a, ch('K'));
    assert!(!a.keys_view, "K closes it too");
    handle_key(&mut a, ch('K'));
    handle_key(&mut a, ch('5'));
    assert!(!a.keys_view);
    assert_eq!(a.mode, Mode::Wire, "a digit closes it and picks the mode");
    handle_key(&mut a, ch('K'));
    assert_eq!(
        handle_key(&mut a, ch(' ')),
        Action::Next,
        "space still steps"
    );
    assert_eq!(handle_key(&mut a, ch('q')), Action::Quit);
}

#[test]
fn only_the_labs_notice_is_acknowledged_with_enter() {
    use crate::engine::keyschedule::SecretHex;
    use crate::ui::app::Secrets;
    // Before the schedule exists there is nothing to consent to: Enter leaves the notice for
    // when it shows.
    let mut early = mid();
    early.secrets = Secrets::Lab {
        acknowledged: false,
    };
    handle_key(&mut early, ch('K'));
    handle_key(&mut early, key(KeyCode::Enter));
    assert!(!early.secrets.shown());
    assert!(early.status.as_deref().unwrap_or("").contains("step 8"));
    // A live run's schedule carries values (recordings never do: these are made up).
    let mut a = explorer();
    if let Some(k) = a.model.key_schedule.as_mut() {
        for e in &mut k.entries {
            e.value = Some(SecretHex::of(&vec![7; e.len]));
        }
    }
    a.mode = Mode::Table;
    a.secrets = Secrets::Lab {
        acknowledged: false,
    };
    handle_key(&mut a, key(KeyCode::Enter));
    assert!(
        !a.secrets.shown(),
        "Enter outside the view does not show secrets"
    );
    handle_key(&mut a, ch('K'));
    handle_key(&mut a, key(KeyCode::Enter));
    assert_eq!(a.secrets, Secrets::Lab { acknowledged: true });
    assert!(a.secrets.shown());
    let mut b = explorer();
    b.secrets = Secrets::Hidden;
    handle_key(&mut b, ch('K'));
    handle_key(&mut b, key(KeyCode::Enter));
    assert_eq!(b.secrets, Secrets::Hidden);
    assert!(!b.secrets.shown());
    assert!(b.status.as_deref().unwrap_or("").contains("--show-secrets"));
}

#[test]
fn w_writes_the_capture_and_capital_w_asks_for_the_secrets_in_every_mode() {
    let mut a = mid();
    for mode in Mode::ALL {
        a.mode = mode;
        assert_eq!(
            handle_key(&mut a, ch('w')),
            Action::Capture { secrets: false },
            "{mode:?}"
        );
        assert_eq!(
            handle_key(
                &mut a,
                KeyEvent::new(KeyCode::Char('W'), KeyModifiers::SHIFT)
            ),
            Action::Capture { secrets: true },
            "{mode:?}"
        );
    }
    // While the console is open, w is a letter of the command.
    let mut held = app(
        model_after_presses(&fixture("tls13-mutual-ok"), 8),
        Mode::Table,
    );
    held.console = Some(String::new());
    assert_eq!(handle_key(&mut held, ch('w')), Action::None);
    assert_eq!(held.console.as_deref(), Some("w"));
}
