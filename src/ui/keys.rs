//! Key handling. `handle_key` is pure: it changes the state and says which effect (a real step,
//! a restart, a console command…) the event loop must carry out.

use super::app::{Action, App, Mode, Secrets, WireFocus, SPEEDS_MS};
use super::console::{exchanges, split_command, INPUT_LIMIT};
use super::lesson::{letter_index, Lesson};
use super::quiz::Answered;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Handle one key. Pure: the state changes here, effects are returned.
pub fn handle_key(app: &mut App, key: KeyEvent) -> Action {
    if key.kind == KeyEventKind::Release {
        return Action::None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')) {
        return Action::Quit;
    }
    if ctrl {
        return Action::None;
    }
    if app.help {
        app.help = false;
        return Action::None;
    }
    if app.console.is_some() {
        return console_key(app, key.code);
    }
    if app.picker.is_some() {
        return picker_key(app, key.code);
    }
    app.status = None;
    if app.keys_view {
        if let Some(action) = key_schedule_key(app, key.code) {
            return action;
        }
    }
    if app.mode == Mode::Wire && !app.keys_view {
        if let Some(action) = explorer_key(app, key.code) {
            return action;
        }
    }
    if app.mode == Mode::Quiz {
        if let Some(action) = quiz_key(app, key.code) {
            return action;
        }
    }
    if app.predict_shown() && app.predict.pending.is_some() {
        if let Some(choice) = prediction_letter(key.code) {
            if !app.predict.answer(choice) {
                app.status = Some("no such choice".into());
            }
            return Action::None;
        }
    }
    match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('p') => {
            app.predict.toggle(&app.model);
            app.status = Some(if app.predict.on {
                "predict first: before each step, a–d is the class's guess, space shows what really happens".into()
            } else {
                "predict first: off".into()
            });
            Action::None
        }
        // Esc never quits: in front of a class, a second Esc after closing an overlay must not
        // end the lesson. It returns from look-back; on the main screen it only says so.
        KeyCode::Esc => {
            if app.look_back.is_some() {
                app.set_look_back(None);
            } else {
                app.status =
                    Some("Esc closes overlays and returns from looking back · q quits".into());
            }
            Action::None
        }
        KeyCode::Char(c @ '1'..='9') => {
            if let Some(mode) = Mode::from_key(c) {
                app.mode = mode;
            }
            Action::None
        }
        KeyCode::Char(' ') | KeyCode::Right | KeyCode::Char('n') => {
            if app.look_back.is_some() {
                app.forward();
                Action::None
            } else if app.predict.blocks_next() {
                app.status = Some(app.why_predict_first());
                Action::None
            } else {
                Action::Next
            }
        }
        KeyCode::Left | KeyCode::Char('b') => {
            app.back();
            Action::None
        }
        KeyCode::Char('a') => {
            app.autoplay = !app.autoplay;
            app.status = Some(if app.autoplay {
                format!(
                    "autoplay on: one step every {:.1} s (+/− to change, a to stop)",
                    app.autoplay_ms() as f64 / 1000.0
                )
            } else {
                "autoplay off".into()
            });
            Action::None
        }
        KeyCode::Char('+') | KeyCode::Char('=') => {
            app.speed = (app.speed + 1).min(SPEEDS_MS.len() - 1);
            app.status = Some(speed_status(app));
            Action::None
        }
        KeyCode::Char('-') | KeyCode::Char('_') => {
            app.speed = app.speed.saturating_sub(1);
            app.status = Some(speed_status(app));
            Action::None
        }
        KeyCode::Char('r') => Action::Restart,
        KeyCode::Char('s') => {
            if app.is_replay() {
                app.status =
                    Some("a replay has no lab: scenarios need tlsviz without replay".into());
            } else {
                // The picker opens where it was left: the class goes through scenarios in turn.
                app.picker = Some(app.picker_at.min(app.picker_len() - 1));
            }
            Action::None
        }
        KeyCode::Char(':') => {
            match app.console_unavailable() {
                None => app.console = Some(String::new()),
                Some(why) => app.status = Some(why),
            }
            Action::None
        }
        KeyCode::Char('?') => {
            app.help = true;
            Action::None
        }
        KeyCode::Char('K') => {
            app.keys_view = true;
            Action::None
        }
        KeyCode::Tab | KeyCode::BackTab => {
            app.status = Some("Tab walks a record's fields in mode 5 (Wire): press 5 first".into());
            Action::None
        }
        KeyCode::Char('e') if app.mode == Mode::Transcript => Action::Export,
        KeyCode::Char('e') => {
            app.status = Some("e exports the transcript: press 9 first".into());
            Action::None
        }
        KeyCode::Char('w') => Action::Capture { secrets: false },
        KeyCode::Char('W') => Action::Capture { secrets: true },
        KeyCode::Enter if app.mode == Mode::Moments => moment_enter(app),
        KeyCode::Up | KeyCode::Char('k') => {
            list_or_scroll(app, -1);
            Action::None
        }
        KeyCode::Down | KeyCode::Char('j') => {
            list_or_scroll(app, 1);
            Action::None
        }
        KeyCode::PageUp => {
            page(app, -1);
            Action::None
        }
        KeyCode::PageDown => {
            page(app, 1);
            Action::None
        }
        KeyCode::Home => {
            app.scroll[app.mode.index()] = if app.mode == Mode::Flow { 2000 } else { 0 };
            if app.mode == Mode::Wire {
                app.record = Some(0);
            }
            Action::None
        }
        KeyCode::End => {
            app.scroll[app.mode.index()] = match app.mode {
                Mode::Flow | Mode::Wire => 0,
                _ => 2000,
            };
            if app.mode == Mode::Wire {
                app.record = None;
            }
            Action::None
        }
        _ => Action::None,
    }
}

/// Keys the key-schedule view (`K`) takes while it is open; `None` lets the global keys act
/// (a digit closes it and picks that mode).
fn key_schedule_key(app: &mut App, code: KeyCode) -> Option<Action> {
    match code {
        KeyCode::Esc | KeyCode::Char('K') => app.keys_view = false,
        KeyCode::Enter => match app.secrets {
            Secrets::Lab {
                acknowledged: false,
            } if !super::views::keyschedule::has_values(app.shown()) => {
                app.status = Some(
                    "no values yet: the key schedule is recomputed at the end of step 8".into(),
                );
            }
            Secrets::Lab {
                acknowledged: false,
            } => {
                app.secrets = Secrets::Lab { acknowledged: true };
                app.status = Some(
                    "secret values on screen: this lab connection's own keys (K or Esc closes the view)"
                        .into(),
                );
            }
            Secrets::Lab { acknowledged: true } | Secrets::Flag => {}
            Secrets::Hidden => {
                app.status = Some(
                    "values are shown only with --show-secrets (or in the lesson against the lab)"
                        .into(),
                );
            }
        },
        KeyCode::Up | KeyCode::Char('k') => app.keys_scroll = app.keys_scroll.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            app.keys_scroll = app.keys_scroll.saturating_add(1).min(KEYS_SCROLL_MAX)
        }
        KeyCode::PageUp => app.keys_scroll = app.keys_scroll.saturating_sub(10),
        KeyCode::PageDown => {
            app.keys_scroll = app.keys_scroll.saturating_add(10).min(KEYS_SCROLL_MAX)
        }
        KeyCode::Home => app.keys_scroll = 0,
        KeyCode::End => app.keys_scroll = KEYS_SCROLL_MAX,
        KeyCode::Char('1'..='9') => {
            app.keys_view = false;
            return None;
        }
        _ => return None,
    }
    Some(Action::None)
}

/// The view clamps its scroll to what it has; the key only bounds it.
const KEYS_SCROLL_MAX: u16 = 2000;

/// Keys the byte explorer (mode 5 with `--bytes`) takes; `None` lets the global keys act.
fn explorer_key(app: &mut App, code: KeyCode) -> Option<Action> {
    use super::views::bytes;
    if !bytes::explorer_on(app.shown()) {
        if matches!(code, KeyCode::Tab | KeyCode::BackTab) {
            app.status = Some(if app.is_replay() {
                "this recording has no bytes: record a run with --bytes to walk every field".into()
            } else {
                "this run kept no bytes: run tlsviz with --bytes to walk every field".into()
            });
            return Some(Action::None);
        }
        return None;
    }
    let walking = app.wire_focus != WireFocus::Records;
    let n = bytes::field_count(app);
    let last = n.saturating_sub(1);
    let opened = bytes::selected_record(app)
        .and_then(|r| r.bytes.as_ref())
        .is_some_and(|b| b.decrypted.is_some());
    // Walking a record's fields holds it on screen, even while newer records arrive.
    let pin = |app: &mut App| {
        if app.record.is_none() {
            app.record = app.shown().records.len().checked_sub(1);
        }
    };
    let step = |app: &mut App, delta: i64| {
        let i = (app.wire_field.min(last) as i64 + delta).clamp(0, last as i64);
        app.wire_field = i as usize;
    };
    match code {
        KeyCode::Tab if !walking => {
            pin(app);
            app.wire_focus = WireFocus::Fields;
            app.wire_field = 0;
        }
        KeyCode::BackTab if !walking => {
            pin(app);
            app.wire_focus = WireFocus::Fields;
            app.wire_field = last;
        }
        KeyCode::Tab | KeyCode::Down | KeyCode::Char('j') if walking => step(app, 1),
        KeyCode::BackTab | KeyCode::Up | KeyCode::Char('k') if walking => step(app, -1),
        KeyCode::PageDown if walking => step(app, 10),
        KeyCode::PageUp if walking => step(app, -10),
        KeyCode::Home if walking => app.wire_field = 0,
        KeyCode::End if walking => app.wire_field = last,
        KeyCode::Enter => match (app.wire_focus, opened) {
            (WireFocus::Opened, _) => {
                app.wire_focus = WireFocus::Fields;
                app.wire_field = 0;
            }
            (_, true) => {
                pin(app);
                app.wire_focus = WireFocus::Opened;
                app.wire_field = 0;
            }
            (WireFocus::Records, false) => {
                pin(app);
                app.wire_focus = WireFocus::Fields;
                app.wire_field = 0;
            }
            (WireFocus::Fields, false) => {
                app.status = Some(
                    if bytes::selected_record(app).is_some_and(|r| r.encrypted) {
                        "tlsviz did not open this record: only its header and size are readable"
                    } else {
                        "this record crossed in clear: its fields are already its plaintext"
                    }
                    .into(),
                );
            }
        },
        KeyCode::Esc if walking => {
            app.wire_field = 0;
            app.wire_focus = if app.wire_focus == WireFocus::Opened {
                WireFocus::Fields
            } else {
                WireFocus::Records
            };
        }
        _ => return None,
    }
    Some(Action::None)
}

/// a–d while a prediction is on screen: its choice (0 = A).
fn prediction_letter(code: KeyCode) -> Option<usize> {
    match code {
        KeyCode::Char(c @ ('a'..='d' | 'A'..='D')) => letter_index(c),
        _ => None,
    }
}

fn speed_status(app: &App) -> String {
    format!(
        "autoplay speed: one step every {:.1} s",
        app.autoplay_ms() as f64 / 1000.0
    )
}

/// PgUp/PgDn: in the list modes (Wire, Moments) they scroll the detail pane under the list,
/// which ↑↓ cannot reach; elsewhere ten lines at a time.
fn page(app: &mut App, direction: i32) {
    match app.mode {
        Mode::Wire | Mode::Moments => app.scroll_by(5 * direction),
        _ => list_or_scroll(app, 10 * direction),
    }
}

/// Up/down: move the selection in the list modes (a new selection's details start at their
/// top), scroll elsewhere.
fn list_or_scroll(app: &mut App, delta: i32) {
    if matches!(app.mode, Mode::Moments | Mode::Wire) {
        app.scroll[app.mode.index()] = 0;
    }
    match app.mode {
        Mode::Moments => {
            let n = Lesson::get().key_moments.len();
            if n > 0 {
                let i = (app.moment as i32 + delta).clamp(0, n as i32 - 1);
                app.moment = i as usize;
            }
        }
        Mode::Wire => {
            let n = app.shown().records.len();
            app.wire_field = 0;
            if n > 0 {
                let current = app.record.unwrap_or(n - 1) as i32;
                let i = (current + delta).clamp(0, n as i32 - 1) as usize;
                app.record = if i == n - 1 { None } else { Some(i) };
            }
        }
        _ => app.scroll_by(delta),
    }
}

fn moment_enter(app: &mut App) -> Action {
    let Some(moment) = Lesson::get().key_moments.get(app.moment) else {
        return Action::None;
    };
    if moment.what_if.is_empty() {
        app.status = Some("this moment has no scenario of its own".into());
        return Action::None;
    }
    if app.is_replay() {
        app.status = Some(format!(
            "a replay has no lab: run `tlsviz --scenario {}`",
            moment.what_if
        ));
        return Action::None;
    }
    Action::Open(Some(moment.what_if.clone()))
}

/// Keys the quiz takes while it is on screen; `None` lets the global keys act.
fn quiz_key(app: &mut App, code: KeyCode) -> Option<Action> {
    let questions = &app.questions;
    match code {
        KeyCode::Char(c @ ('a'..='d' | 'A'..='D')) => {
            let choice = letter_index(c)?;
            let current = app.quiz.current;
            app.status = Some(match app.quiz.answer(questions, choice) {
                Answered::Right => "✓ right! Enter: next question".into(),
                Answered::Wrong => {
                    let right = questions
                        .get(current)
                        .and_then(|q| q.answer_index())
                        .map(super::lesson::index_letter)
                        .unwrap_or('?');
                    format!("✗ not quite: the answer is {right}. Enter: next question")
                }
                Answered::Already => {
                    "already answered (the first answer counts). Enter: next question".into()
                }
                Answered::Invalid => "no such choice".into(),
            });
            Some(Action::None)
        }
        KeyCode::Char('h') => {
            app.quiz.toggle_hint();
            Some(Action::None)
        }
        KeyCode::Enter => {
            if app.quiz.results {
                app.quiz.reset();
                app.status = Some("the quiz starts again".into());
            } else {
                app.quiz.next();
            }
            Some(Action::None)
        }
        KeyCode::Up | KeyCode::Char('k') => {
            app.quiz.previous();
            Some(Action::None)
        }
        KeyCode::Down | KeyCode::Char('j') => {
            app.quiz.forward();
            Some(Action::None)
        }
        _ => None,
    }
}

fn console_key(app: &mut App, code: KeyCode) -> Action {
    let Some(input) = app.console.as_mut() else {
        return Action::None;
    };
    app.console_note = None;
    match code {
        KeyCode::Esc => {
            app.console = None;
            Action::None
        }
        KeyCode::Enter => {
            let args = match split_command(input) {
                // The line stays for mending; redis-cli says "Invalid argument(s)" too.
                Err(e) => {
                    app.console_note = Some(format!("(error) Invalid argument(s): {e}"));
                    return Action::None;
                }
                Ok(args) => args,
            };
            input.clear();
            if args.is_empty() {
                return Action::None;
            }
            if let Some(why) = app.console_unavailable() {
                app.status = Some(format!("not sent: {why}"));
                app.console = None;
                return Action::None;
            }
            Action::Console(args)
        }
        KeyCode::Backspace => {
            input.pop();
            Action::None
        }
        KeyCode::Char(c) => {
            if input.chars().count() < INPUT_LIMIT {
                input.push(c);
            } else {
                app.console_note = Some(format!(
                    "the line is full: {INPUT_LIMIT} characters at most (Backspace to edit)"
                ));
            }
            Action::None
        }
        KeyCode::Up => console_scroll(app, -1),
        KeyCode::Down => console_scroll(app, 1),
        KeyCode::PageUp => console_scroll(app, -8),
        KeyCode::PageDown => console_scroll(app, 8),
        KeyCode::End => {
            app.console_scroll = 0;
            Action::None
        }
        _ => Action::None,
    }
}

/// Scroll the console's history; bounded by its length so a key back always moves it.
fn console_scroll(app: &mut App, delta: i32) -> Action {
    let lines: usize = exchanges(&app.model)
        .iter()
        .map(|e| 1 + e.reply.as_deref().map_or(0, |r| r.lines().count()))
        .sum();
    let bound = i32::try_from(lines).unwrap_or(i32::MAX);
    app.console_scroll = (app.console_scroll + delta).clamp(-bound, bound);
    Action::None
}

fn picker_key(app: &mut App, code: KeyCode) -> Action {
    let n = app.picker_len();
    let Some(selected) = app.picker else {
        return Action::None;
    };
    app.picker_at = selected;
    match code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('s') => {
            app.picker = None;
            Action::None
        }
        KeyCode::Up | KeyCode::Char('k') => {
            app.picker_at = selected.saturating_sub(1);
            app.picker = Some(app.picker_at);
            Action::None
        }
        KeyCode::Down | KeyCode::Char('j') => {
            app.picker_at = (selected + 1).min(n - 1);
            app.picker = Some(app.picker_at);
            Action::None
        }
        KeyCode::Enter => {
            app.picker = None;
            let name = selected
                .checked_sub(1)
                .and_then(|i| app.cards.get(i))
                .map(|c| c.name.clone());
            Action::Open(name)
        }
        _ => Action::None,
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "keys_console_tests.rs"]
mod console_tests;
