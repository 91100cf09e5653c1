//! Test helpers: recorded runs from `tests/fixtures`, revealed step by step as the TUI would,
//! and rendering into a `TestBackend`.

use super::app::{App, Mode, Origin};
use super::replay::Replay;
use super::theme::Theme;
use crate::engine::events::{Direction, Event, RecordInfo, Stamped};
use crate::engine::resp;
use crate::engine::step::Step;
use crate::model::Model;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// A recorded run (real runs against the lab, recorded once with `--record`).
pub fn fixture(name: &str) -> Vec<Stamped> {
    let text = match name {
        "tls13-mutual-ok" => include_str!("../../tests/fixtures/tls13-mutual-ok.ndjson"),
        "tls12-mutual-ok" => include_str!("../../tests/fixtures/tls12-mutual-ok.ndjson"),
        "untrusted-ca" => include_str!("../../tests/fixtures/untrusted-ca.ndjson"),
        "missing-client-cert" => include_str!("../../tests/fixtures/missing-client-cert.ndjson"),
        "insecure" => include_str!("../../tests/fixtures/insecure.ndjson"),
        "refused" => include_str!("../../tests/fixtures/refused.ndjson"),
        "plaintext-to-tls-port" => {
            include_str!("../../tests/fixtures/plaintext-to-tls-port.ndjson")
        }
        "wrong-password" => include_str!("../../tests/fixtures/wrong-password.ndjson"),
        "plaintext-ok" => include_str!("../../tests/fixtures/plaintext-ok.ndjson"),
        "expired" => include_str!("../../tests/fixtures/expired.ndjson"),
        "version-mismatch" => include_str!("../../tests/fixtures/version-mismatch.ndjson"),
        // Recorded with `--bytes --show-secrets` (values are never recorded).
        "bytes-tls13" => include_str!("../../tests/fixtures/bytes/tls13.ndjson"),
        "bytes-tls12" => include_str!("../../tests/fixtures/bytes/tls12.ndjson"),
        // `connect --tls-version 1.2` and `1.3` against one lab, then against a lab limited to
        // TLS 1.2 (`tlsviz lab --scenario mutual-tls12`): what `tlsviz compare` runs.
        "compare-tls12" => include_str!("../../tests/fixtures/compare-tls12.ndjson"),
        "compare-tls13" => include_str!("../../tests/fixtures/compare-tls13.ndjson"),
        "compare-limited-tls12" => {
            include_str!("../../tests/fixtures/compare-limited-tls12.ndjson")
        }
        "compare-limited-tls13" => {
            include_str!("../../tests/fixtures/compare-limited-tls13.ndjson")
        }
        other => panic!("no fixture {other}"),
    };
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The model after `presses` presses of space (0: the run has just started and waits for
/// step 1), revealed as a replay reveals it.
pub fn model_after_presses(events: &[Stamped], presses: usize) -> Model {
    let mut replay = Replay::new(events);
    let mut model = Model::new();
    for _ in 0..=presses {
        for e in replay.reveal() {
            model.apply(e.clone());
        }
    }
    model
}

/// The model once step `step` has ended (or the run has, if it ends before).
pub fn model_after(events: &[Stamped], step: Step) -> Model {
    model_after_presses(events, usize::from(step.number()))
}

/// The clock the snapshots use: 2026-11-28 12:00 UTC, inside the fixtures' certificates.
pub const NOW: i64 = 1_795_867_200;

pub fn app(model: Model, mode: Mode) -> App {
    let mut app = App::new(Origin::Live, Theme::new(false, false));
    app.model = model;
    // As a live app would once the run ended: its own questions join the quiz.
    app.refresh_run_quiz();
    app.mode = mode;
    app.now_unix = NOW;
    app.redis_cli = "redis-cli -h 127.0.0.1 -p 42559 --tls --cacert /tmp/lab/ca.crt --cert /tmp/lab/client.crt --key /tmp/lab/client.key".into();
    app.conf_lines = vec![
        "port 0".into(),
        "tls-port 42559".into(),
        "tls-cert-file /tmp/lab/server.crt".into(),
        "tls-key-file /tmp/lab/server.key".into(),
        "tls-ca-cert-file /tmp/lab/ca.crt".into(),
        "tls-auth-clients yes".into(),
    ];
    app
}

pub fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| super::views::draw(f, app)).unwrap();
    terminal
}

/// A reply recorded from redis-server 7.0.15 (`tests/fixtures/resp/NAME.resp`).
pub fn resp_fixture(name: &str) -> &'static [u8] {
    match name {
        "info-server" => include_bytes!("../../tests/fixtures/resp/info-server.resp"),
        "scan" => include_bytes!("../../tests/fixtures/resp/scan.resp"),
        "unknown" => include_bytes!("../../tests/fixtures/resp/unknown.resp"),
        "get-missing" => include_bytes!("../../tests/fixtures/resp/get-missing.resp"),
        "incr" => include_bytes!("../../tests/fixtures/resp/incr.resp"),
        other => panic!("no RESP fixture {other}"),
    }
}

/// `model` (held before step 9) with console commands added as the engine reports them: the
/// command, its encrypted record out, the reply's record in, and the reply, read from real
/// redis-server bytes.
pub fn with_console(mut model: Model, commands: &[(&str, &str)]) -> Model {
    let mut at = model.events.last().map_or(0, |e| e.at_us);
    let record = |direction, length, note: Option<&str>| {
        Event::Record(RecordInfo {
            direction,
            content_type: crate::engine::wire::ContentType::ApplicationData,
            version: Some(crate::engine::wire::TlsVersion::Tls12),
            length,
            encrypted: true,
            messages: Vec::new(),
            head_hex: "170303".into(),
            note: note.map(String::from),
            bytes: None,
        })
    };
    for (line, fixture) in commands {
        let args = crate::ui::console::split_command(line).unwrap();
        let sent = resp::encode(&args);
        let bytes = resp_fixture(fixture);
        let (reply, _) = resp::parse(bytes).unwrap().unwrap();
        let events = [
            Event::DataSent {
                command: resp::redact(&args),
                plaintext_len: sent.len(),
                encrypted: true,
            },
            // TLS 1.3 adds its content type byte and a 16-byte tag to each record.
            record(
                Direction::Out,
                sent.len() + 17,
                Some("Redis command (encrypted application data)"),
            ),
            record(Direction::In, bytes.len() + 17, None),
            Event::DataReceived {
                reply: reply.display_for(&args),
                error: reply.is_error(),
                resp: None,
            },
        ];
        for event in events {
            at += 150;
            model.apply(Stamped { at_us: at, event });
        }
    }
    model
}
