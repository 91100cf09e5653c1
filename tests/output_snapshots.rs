//! The two headless outputs, pinned: every recorded run in `tests/fixtures` goes through the
//! model and both reporters, and the text is compared with `tests/snapshots`. The JSON
//! snapshots are the public contract byte for byte (apart from redacted timings); a change
//! there is a change for every consumer of `--json`.
//!
//! Update after an intended change: `INSTA_UPDATE=always cargo test --test output_snapshots`,
//! then read the diff of the `.snap` files.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tlsviz::model::Model;
use tlsviz::report::json::JsonReporter;
use tlsviz::report::plain::PlainReporter;
use tlsviz::report::record::{read_recording, Recording};
use tlsviz::report::Reporter;

/// Every `type` a run's JSON may print (README, "`--json` (the contract)").
const DOCUMENTED_TYPES: &[&str] = &[
    "scenario",
    "step",
    "run_started",
    "waiting",
    "tcp_connected",
    "record",
    "certificate_requested",
    "client_certificate",
    "server_certificates",
    "certificate_verdict",
    "secret_derived",
    "key_schedule",
    "handshake_complete",
    "data_sent",
    "data_received",
    "alert",
    "closed",
    "failed",
    "probe",
    "summary",
];

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ndjson"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no recordings in {}", dir.display());
    paths
}

fn name_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn load(path: &Path) -> Recording {
    read_recording(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What `tlsviz replay FILE` prints with this reporter: the preamble, each event after the
/// model has applied it, then the end.
fn render(recording: &Recording, reporter: &mut dyn Reporter) {
    let mut model = Model::new();
    if let Some(preamble) = &recording.preamble {
        reporter.preamble(preamble).expect("write to a Vec");
    }
    for event in &recording.events {
        model.apply(event.clone());
        reporter.event(&model, event).expect("write to a Vec");
    }
    reporter.finish(&model).expect("write to a Vec");
}

fn plain_text(recording: &Recording) -> String {
    let mut out = Vec::new();
    render(recording, &mut PlainReporter::new(&mut out, false));
    String::from_utf8(out).expect("the trace is UTF-8")
}

fn json_text(recording: &Recording) -> String {
    let mut out = Vec::new();
    render(recording, &mut JsonReporter::new(&mut out));
    String::from_utf8(out).expect("the JSON is UTF-8")
}

/// Timings differ from one recording to the next; the snapshots keep their place, not their
/// value: `"at_us":1234` and `"duration_us":1234` become `…:<us>`, `3.4 ms` becomes `<t> ms`.
fn redact(text: &str) -> String {
    let text = redact_json_numbers(text, "\"at_us\":");
    let text = redact_json_numbers(&text, "\"duration_us\":");
    redact_milliseconds(&text)
}

fn redact_json_numbers(text: &str, key: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find(key) {
        let after_key = found + key.len();
        out.push_str(&rest[..after_key]);
        rest = &rest[after_key..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push_str("<us>");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// `12.3 ms` (the only way either output writes a duration): the number becomes `<t>`. The
/// number and `ms` may sit on two lines when the trace wraps between them.
fn redact_milliseconds(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.');
        if starts_word && chars[i].is_ascii_digit() {
            let mut end = i;
            while end < chars.len() && (chars[end].is_ascii_digit() || chars[end] == '.') {
                end += 1;
            }
            let number: String = chars[i..end].iter().collect();
            let mut unit = end;
            while unit < chars.len() && chars[unit].is_whitespace() {
                unit += 1;
            }
            let is_ms = unit > end
                && chars.get(unit) == Some(&'m')
                && chars.get(unit + 1) == Some(&'s')
                && !chars.get(unit + 2).is_some_and(|c| c.is_alphanumeric());
            if is_ms && number.contains('.') {
                out.push_str("<t>");
            } else {
                out.push_str(&number);
            }
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[test]
fn plain_trace_of_every_recording() {
    for path in fixtures() {
        let text = redact(&plain_text(&load(&path)));
        insta::with_settings!({ description => format!("--plain of tests/fixtures/{}.ndjson", name_of(&path)), omit_expression => true }, {
            insta::assert_snapshot!(format!("plain_{}", name_of(&path)), text);
        });
    }
}

#[test]
fn json_of_every_recording() {
    for path in fixtures() {
        let text = redact(&json_text(&load(&path)));
        insta::with_settings!({ description => format!("--json of tests/fixtures/{}.ndjson", name_of(&path)), omit_expression => true }, {
            insta::assert_snapshot!(format!("json_{}", name_of(&path)), text);
        });
    }
}

/// The shape every consumer relies on, whatever the run: one JSON object per line, each with
/// a documented `type` and an `at_us`, the scenario first when there is one, the summary last.
#[test]
fn every_json_line_has_the_contract_shape() {
    for path in fixtures() {
        let recording = load(&path);
        let text = json_text(&recording);
        let name = path.display();
        assert!(text.ends_with('\n'), "{name}: the last line is not ended");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {e}: {l}")))
            .collect();
        for line in &lines {
            let kind = line["type"].as_str().unwrap_or_default();
            assert!(
                DOCUMENTED_TYPES.contains(&kind),
                "{name}: undocumented type: {line}"
            );
            assert!(line["at_us"].is_u64(), "{name}: no at_us: {line}");
        }
        let types: Vec<&str> = lines.iter().filter_map(|l| l["type"].as_str()).collect();
        assert_eq!(types.last(), Some(&"summary"), "{name}");
        assert_eq!(
            types.iter().filter(|t| **t == "summary").count(),
            1,
            "{name}"
        );
        assert_eq!(
            types.first() == Some(&"scenario"),
            recording.preamble.is_some(),
            "{name}: the scenario line comes first, and only with a scenario"
        );
    }
}

#[test]
fn redaction_keeps_everything_but_timings() {
    assert_eq!(
        redact(r#"{"type":"x","at_us":1234,"n":5,"duration_us":99}"#),
        r#"{"type":"x","at_us":<us>,"n":5,"duration_us":<us>}"#
    );
    assert_eq!(
        redact("PONG in 6.8 ms\n(at 3.4\n ms) timeout 5000 ms, 2 msgs, v1.2"),
        "PONG in <t> ms\n(at <t>\n ms) timeout 5000 ms, 2 msgs, v1.2"
    );
}
