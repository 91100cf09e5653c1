//! Key handling in the console (between step 8 and step 9): pure, without a terminal.

use super::*;
use crate::engine::step::Step;
use crate::ui::console::{masked_input, INPUT_LIMIT};
use crate::ui::testing::{app, fixture, model_after, model_after_presses, with_console};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

/// The lesson waiting for step 5: steps 1–4 have happened.
fn mid() -> App {
    app(
        model_after_presses(&fixture("tls13-mutual-ok"), 4),
        Mode::Table,
    )
}

#[test]
fn the_console_opens_only_between_step_8_and_step_9() {
    let mut a = mid();
    handle_key(&mut a, ch(':'));
    assert!(a.console.is_none());
    assert!(a
        .status
        .as_deref()
        .unwrap_or("")
        .contains("once step 8 is done"));
    // Encrypted and connected, but the engine reads console commands only once step 8 is
    // over: a command typed now would wait unseen, so the console stays shut and says why.
    let mut a = app(
        model_after_presses(&fixture("tls13-mutual-ok"), 7),
        Mode::Wire,
    );
    assert_eq!(a.model.waiting_for, Some(Step::Data));
    assert!(!a.console_ready());
    handle_key(&mut a, ch(':'));
    assert!(a.console.is_none());
    let status = a.status.clone().unwrap_or_default();
    assert!(status.contains("press space to run step 8"), "{status}");
    // The run is over: no console either.
    let mut a = app(
        model_after(&fixture("tls13-mutual-ok"), Step::Close),
        Mode::Wire,
    );
    handle_key(&mut a, ch(':'));
    assert!(a.console.is_none());
    assert!(a.status.as_deref().unwrap_or("").contains("run is over"));
}

#[test]
fn the_console_sends_while_the_engine_holds_before_step_9() {
    let mut a = app(
        model_after_presses(&fixture("tls13-mutual-ok"), 8),
        Mode::Wire,
    );
    assert_eq!(a.model.waiting_for, Some(Step::Close));
    handle_key(&mut a, ch(':'));
    assert_eq!(a.console.as_deref(), Some(""));
    for c in "SET greeting \"hello world\"".chars() {
        // Keys typed into the console are text, not commands: 'q' does not quit.
        assert_eq!(handle_key(&mut a, ch(c)), Action::None);
    }
    assert_eq!(
        handle_key(&mut a, key(KeyCode::Enter)),
        Action::Console(vec!["SET".into(), "greeting".into(), "hello world".into()])
    );
    assert_eq!(
        a.console.as_deref(),
        Some(""),
        "stays open for the next one"
    );
    assert_eq!(handle_key(&mut a, key(KeyCode::Enter)), Action::None);
    handle_key(&mut a, key(KeyCode::Esc));
    assert!(a.console.is_none());
    // The channel closed while the console was open: the command is not sent, and it says so.
    handle_key(&mut a, ch(':'));
    a.model = model_after(&fixture("tls13-mutual-ok"), Step::Close);
    handle_key(&mut a, ch('X'));
    assert_eq!(handle_key(&mut a, key(KeyCode::Enter)), Action::None);
    assert!(a.console.is_none());
    assert!(a.status.as_deref().unwrap_or("").starts_with("not sent"));
}

#[test]
fn the_console_limit_is_enforced_visibly() {
    let mut a = app(
        model_after_presses(&fixture("tls13-mutual-ok"), 8),
        Mode::Wire,
    );
    handle_key(&mut a, ch(':'));
    for _ in 0..INPUT_LIMIT {
        handle_key(&mut a, ch('x'));
    }
    assert_eq!(a.console.as_deref().map(str::len), Some(INPUT_LIMIT));
    assert_eq!(a.console_note, None);
    handle_key(&mut a, ch('y'));
    assert_eq!(a.console.as_deref().map(str::len), Some(INPUT_LIMIT));
    let note = a.console_note.clone().unwrap_or_default();
    assert!(note.contains("200 characters at most"), "{note}");
    // The next key clears the note.
    handle_key(&mut a, key(KeyCode::Backspace));
    assert_eq!(a.console_note, None);
}

#[test]
fn an_open_quote_is_refused_on_the_prompt_line() {
    let mut a = app(
        model_after_presses(&fixture("tls13-mutual-ok"), 8),
        Mode::Wire,
    );
    handle_key(&mut a, ch(':'));
    for c in "SET k 'v".chars() {
        handle_key(&mut a, ch(c));
    }
    assert_eq!(handle_key(&mut a, key(KeyCode::Enter)), Action::None);
    assert_eq!(a.console.as_deref(), Some("SET k 'v"), "kept for mending");
    let note = a.console_note.clone().unwrap_or_default();
    assert!(note.starts_with("(error) Invalid argument(s)"), "{note}");
    handle_key(&mut a, ch('\''));
    assert_eq!(
        handle_key(&mut a, key(KeyCode::Enter)),
        Action::Console(vec!["SET".into(), "k".into(), "v".into()])
    );
}

#[test]
fn the_console_scrolls_within_its_history() {
    let held = model_after_presses(&fixture("tls13-mutual-ok"), 8);
    let mut a = app(
        with_console(held, &[("INFO server", "info-server")]),
        Mode::Wire,
    );
    handle_key(&mut a, ch(':'));
    handle_key(&mut a, key(KeyCode::PageDown));
    assert_eq!(a.console_scroll, 8);
    for _ in 0..20 {
        handle_key(&mut a, key(KeyCode::PageDown));
    }
    // PING, PONG, the command and INFO's 25 lines: never further than that.
    assert_eq!(a.console_scroll, 28);
    handle_key(&mut a, key(KeyCode::Up));
    assert_eq!(a.console_scroll, 27, "one key back moves at once");
    handle_key(&mut a, key(KeyCode::End));
    assert_eq!(a.console_scroll, 0);
    // Up and Down scroll: they are not typed, and 'q' is text here.
    handle_key(&mut a, key(KeyCode::Up));
    handle_key(&mut a, ch('q'));
    assert_eq!(a.console.as_deref(), Some("q"));
}

#[test]
fn passwords_typed_in_the_console_are_masked() {
    assert_eq!(masked_input("AUTH s3cret"), "AUTH ***");
    assert_eq!(masked_input("auth user s3cret"), "auth user ***");
    assert_eq!(masked_input("AUTH "), "AUTH ");
    assert_eq!(masked_input("GET key"), "GET key");
    assert!(!masked_input("CONFIG SET requirepass hunter2").contains("hunter2"));
}
