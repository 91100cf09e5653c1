//! Snapshots of the byte explorer (mode 5 with `--bytes`) and the key-schedule view (`K`),
//! rendered from runs recorded against the lab with `--bytes --show-secrets`
//! (`tests/fixtures/bytes/`). Recordings never hold secret values: the snapshots that show
//! values inject made-up ones into the recorded schedule (named so below), to draw the banner
//! and the layout; the values a real run shows are checked in `tests/tui_e2e.rs`.

use super::app::{App, Mode, Origin, Secrets, WireFocus};
use super::keys::handle_key;
use super::testing::{app, fixture, model_after, render};
use super::views::bytes_tree::walk_order;
use crate::engine::keyschedule::SecretHex;
use crate::engine::step::Step;
use crate::model::Model;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn run(name: &str) -> Model {
    model_after(&fixture(name), Step::Close)
}

fn snap(name: &str, a: &App, w: u16, h: u16) {
    let terminal = render(a, w, h);
    insta::assert_snapshot!(name, terminal.backend());
}

fn press(a: &mut App, code: KeyCode) {
    handle_key(a, KeyEvent::new(code, KeyModifiers::NONE));
}

/// Wire on record `number` (from 1), its fields walked to the field named `field`.
fn at_field(model: Model, number: usize, opened: bool, field: &str) -> App {
    let mut a = app(model, Mode::Wire);
    a.record = Some(number - 1);
    press(&mut a, if opened { KeyCode::Enter } else { KeyCode::Tab });
    let bytes = a.model.records[number - 1].1.bytes.clone().expect("bytes");
    let fields = match &bytes.decrypted {
        Some(d) if opened => d.fields.clone(),
        _ => bytes.fields.clone(),
    };
    let order = walk_order(&fields);
    let at = order
        .iter()
        .position(|i| fields[*i].name == field)
        .unwrap_or_else(|| panic!("no field {field}"));
    for _ in 0..at {
        press(&mut a, KeyCode::Tab);
    }
    a
}

#[test]
fn the_client_hellos_random_selected() {
    let a = at_field(run("bytes-tls13"), 1, false, "client_hello.random");
    assert_eq!(a.wire_focus, WireFocus::Fields);
    snap("explorer_clear_field_120x40", &a, 120, 40);
    snap("explorer_clear_field_80x24", &a, 80, 24);
}

#[test]
fn the_key_share_in_a_long_client_hello_scrolls_into_view() {
    let a = at_field(
        run("bytes-tls13"),
        1,
        false,
        "client_hello.extensions.key_share.client_shares[0].key_exchange",
    );
    snap("explorer_key_share_80x24", &a, 80, 24);
}

#[test]
fn an_encrypted_record_opened() {
    // Record 11: the client's PING, opened with the client's application traffic keys.
    let a = at_field(run("bytes-tls13"), 11, true, "resp.elements[0]");
    assert_eq!(a.wire_focus, WireFocus::Opened);
    snap("explorer_opened_120x40", &a, 120, 40);
    snap("explorer_opened_80x24", &a, 80, 24);
}

#[test]
fn the_record_list_before_a_field_is_chosen() {
    let mut a = app(run("bytes-tls13"), Mode::Wire);
    a.record = Some(6);
    snap("explorer_records_120x40", &a, 120, 40);
    snap("explorer_records_80x24", &a, 80, 24);
}

#[test]
fn tls12_server_key_exchange_without_colour() {
    let model = run("bytes-tls12");
    let number = model
        .records
        .iter()
        .position(|(_, r)| {
            r.bytes.as_ref().is_some_and(|b| {
                b.fields
                    .iter()
                    .any(|f| f.name.starts_with("server_key_exchange."))
            })
        })
        .expect("a ServerKeyExchange record")
        + 1;
    let mut a = at_field(
        model,
        number,
        false,
        "server_key_exchange.params.key_exchange",
    );
    a.theme = super::theme::Theme::new(false, true);
    snap("explorer_tls12_no_colour_80x24", &a, 80, 24);
}

/// Made-up values of the right lengths, in place of the ones recordings never hold.
fn inject_values(model: &mut Model) {
    let schedule = model.key_schedule.as_mut().expect("a key schedule");
    for (i, e) in schedule.entries.iter_mut().enumerate() {
        let bytes: Vec<u8> = (0..e.len).map(|j| (i * 31 + j * 7) as u8).collect();
        e.value = Some(SecretHex::of(&bytes));
    }
}

fn keys_view(model: Model, secrets: Secrets) -> App {
    let mut a = app(model, Mode::Table);
    a.secrets = secrets;
    press(&mut a, KeyCode::Char('K'));
    assert!(a.keys_view);
    a
}

#[test]
fn key_schedule_hidden_without_the_flag() {
    // A run made without --show-secrets: the ladder's shape, every value hidden.
    let a = keys_view(run("tls13-mutual-ok"), Secrets::Hidden);
    snap("keys_hidden_120x40", &a, 120, 40);
    snap("keys_hidden_80x24", &a, 80, 24);
}

#[test]
fn key_schedule_replayed_has_checks_but_no_values() {
    let mut a = keys_view(run("bytes-tls12"), Secrets::Hidden);
    a.origin = Origin::Replay {
        label: Some("mutual-tls12".into()),
    };
    snap("keys_replay_tls12_120x40", &a, 120, 40);
}

#[test]
fn key_schedule_with_values_under_the_banner() {
    let mut model = run("bytes-tls13");
    inject_values(&mut model);
    let mut a = keys_view(model, Secrets::Flag);
    snap("keys_values_120x40", &a, 120, 40);
    snap("keys_values_80x24", &a, 80, 24);
    // Scrolled to the end the banner stays on top.
    press(&mut a, KeyCode::End);
    let text = render(&a, 80, 24).backend().to_string();
    assert!(text.contains("!!! SECRETS ON SCREEN"), "{text}");
    assert!(text.contains("server_application_iv"), "{text}");
}

#[test]
fn the_lab_shows_values_after_its_notice() {
    let mut model = run("bytes-tls13");
    inject_values(&mut model);
    let mut a = keys_view(
        model,
        Secrets::Lab {
            acknowledged: false,
        },
    );
    snap("keys_lab_notice_80x24", &a, 80, 24);
    let before = render(&a, 120, 40).backend().to_string();
    assert!(!before.contains("SECRETS ON SCREEN"), "{before}");
    assert!(before.contains("press Enter to show them"), "{before}");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.secrets, Secrets::Lab { acknowledged: true });
    let after = render(&a, 120, 40).backend().to_string();
    assert!(after.contains("!!! SECRETS ON SCREEN"), "{after}");
    let shared = a
        .model
        .key_schedule
        .as_ref()
        .and_then(|k| k.entry("shared_secret"))
        .and_then(|e| e.value.as_ref())
        .map(|v| v.expose().to_string())
        .unwrap_or_default();
    assert!(after.contains(&shared[..32]), "{after}");
}

/// Before step 8 the view draws the shape of the version the ServerHello agreed, and before the
/// ServerHello it says which ladder depends on it.
#[test]
fn the_shape_before_step_8_follows_the_server_hello() {
    let tls12 = keys_view(
        model_after(&fixture("bytes-tls12"), Step::Verify),
        Secrets::Lab {
            acknowledged: false,
        },
    );
    let text = render(&tls12, 120, 40).backend().to_string();
    assert!(text.contains("TLS 1.2: the PRF chain"), "{text}");
    assert!(!text.contains("HKDF ladder"), "{text}");
    let before_hello = keys_view(
        model_after(&fixture("bytes-tls12"), Step::Connect),
        Secrets::Lab {
            acknowledged: false,
        },
    );
    let text = render(&before_hello, 120, 40).backend().to_string();
    assert!(
        text.contains("if the ServerHello agrees to TLS 1.3"),
        "{text}"
    );
}
